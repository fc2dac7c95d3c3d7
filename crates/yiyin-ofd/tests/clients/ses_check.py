"""An independent verifier of OFD seal signatures, written for the tests from the standards, not
from Yiyin's code: GM/T 0099-2020 (the OFD signature files) and GB/T 38540-2020 (the SES_Signature
and SES_Seal structures, version 4), with asn1crypto for DER and gmssl for SM2/SM3.

For each OFD file it:
  - unzips it, reads OFD.xml -> Signatures.xml -> each Signature.xml;
  - checks the signature method (SM2 with SM3) and every reference's SM3 digest, and that every
    file outside the signature folder is referenced;
  - decodes SignedValue.dat as SES_Signature, checks its data hash against SM3(Signature.xml);
  - decodes the SES_Seal in it, checks its header and the maker's SM2 signature over the DER of
    eSealInfo (SES_SealInfo) with the maker's certificate;
  - checks that the signer's certificate is in the seal's certificate list and issued by the
    maker's certificate (SM2 signature over tbsCertificate);
  - checks the signer's SM2 signature over the DER of toSign (TBS_Sign);
  - with --root FILE, checks that the maker's certificate is that trusted root (self-signed).
SM2 uses the default user ID 1234567812345678.

Usage: python3 ses_check.py [--root ROOT.cer] FILE.ofd...
Prints one JSON line per file: {"file", "ok", "error"?, "seal", "es_id", "signer", "maker", ...}.
"""
import base64
import json
import posixpath
import sys
import xml.etree.ElementTree as ET
import zipfile

from asn1crypto import algos, core, x509
from gmssl import func, sm2, sm3

SM2_SM3 = "1.2.156.10197.1.501"
SM3_OID = "1.2.156.10197.1.401"
NS = {"ofd": "http://www.ofdspec.org/2016"}


# GB/T 38540-2020, version 4 structures.
class ExtData(core.Sequence):
    _fields = [
        ("extnID", core.ObjectIdentifier),
        ("critical", core.Boolean, {"default": False}),
        ("extnValue", core.OctetString),
    ]


class ExtensionDatas(core.SequenceOf):
    _child_spec = ExtData


class SES_Header(core.Sequence):
    _fields = [("ID", core.IA5String), ("version", core.Integer), ("Vid", core.IA5String)]


class CertInfoList(core.SequenceOf):
    _child_spec = core.OctetString


class SES_ESPropertyInfo(core.Sequence):
    _fields = [
        ("type", core.Integer),
        ("name", core.UTF8String),
        ("certListType", core.Integer),
        ("certList", CertInfoList),
        ("createDate", core.GeneralizedTime),
        ("validStart", core.GeneralizedTime),
        ("validEnd", core.GeneralizedTime),
    ]


class SES_ESPictrueInfo(core.Sequence):
    _fields = [
        ("type", core.IA5String),
        ("data", core.OctetString),
        ("width", core.Integer),
        ("height", core.Integer),
    ]


class SES_SealInfo(core.Sequence):
    _fields = [
        ("header", SES_Header),
        ("esID", core.IA5String),
        ("property", SES_ESPropertyInfo),
        ("picture", SES_ESPictrueInfo),
        ("extDatas", ExtensionDatas, {"optional": True}),
    ]


class SES_Seal(core.Sequence):
    _fields = [
        ("eSealInfo", SES_SealInfo),
        ("cert", core.OctetString),
        ("signAlgID", core.ObjectIdentifier),
        ("signedValue", core.OctetBitString),
    ]


class TBS_Sign(core.Sequence):
    _fields = [
        ("version", core.Integer),
        ("eseal", SES_Seal),
        ("timeInfo", core.GeneralizedTime),
        ("dataHash", core.OctetBitString),
        ("propertyInfo", core.IA5String),
        ("extDatas", ExtensionDatas, {"optional": True}),
    ]


class SES_Signature(core.Sequence):
    _fields = [
        ("toSign", TBS_Sign),
        ("cert", core.OctetString),
        ("signatureAlgID", core.ObjectIdentifier),
        ("signature", core.OctetBitString),
        ("timeStamp", core.OctetBitString, {"explicit": 0, "optional": True}),
    ]


class Invalid(Exception):
    pass


def sm3_digest(data: bytes) -> bytes:
    return bytes.fromhex(sm3.sm3_hash(func.bytes_to_list(data)))


def public_key(cert: x509.Certificate) -> str:
    """The SM2 public key x||y (hex) of a certificate."""
    bits = bytes(cert["tbs_certificate"]["subject_public_key_info"]["public_key"].contents)
    point = bits[1:]  # the unused-bits octet
    if len(point) != 65 or point[0] != 4:
        raise Invalid("证书公钥不是未压缩的 SM2 点")
    return point[1:].hex()


def sm2_verify(xy_hex: str, der_signature: bytes, message: bytes) -> bool:
    sig = algos.DSASignature.load(der_signature)
    rs = "%064x%064x" % (sig["r"].native, sig["s"].native)
    crypt = sm2.CryptSM2(private_key="", public_key=xy_hex)
    crypt.public_key = xy_hex  # gmssl strips a leading "04" from the text; keep x||y as is
    return bool(crypt.verify_with_sm3(rs, message))


def common_name(cert: x509.Certificate) -> str:
    return cert.subject.native.get("common_name", "")


def check_issued(cert: x509.Certificate, issuer: x509.Certificate) -> None:
    if cert.issuer.dump() != issuer.subject.dump():
        raise Invalid("证书签发者名称与制章者证书不符")
    if cert["signature_algorithm"]["algorithm"].dotted != SM2_SM3:
        raise Invalid("证书签名算法不是 SM2/SM3")
    tbs = cert["tbs_certificate"].dump()
    if not sm2_verify(public_key(issuer), cert["signature_value"].native, tbs):
        raise Invalid("证书「%s」的签名与制章者「%s」的公钥不符" % (common_name(cert), common_name(issuer)))


def check_signature(files: dict, signature_path: str, root: bytes | None) -> dict:
    xml = files.get(signature_path)
    if xml is None:
        raise Invalid("缺少 " + signature_path)
    sig = ET.fromstring(xml)
    method = sig.findtext("ofd:SignedInfo/ofd:SignatureMethod", namespaces=NS)
    if (method or "").strip() != SM2_SM3:
        raise Invalid("签名方法不是 SM2/SM3：%r" % method)
    refs = sig.find("ofd:SignedInfo/ofd:References", NS)
    if refs is None or refs.get("CheckMethod") != SM3_OID:
        raise Invalid("引用的摘要方法不是 SM3")
    referenced = set()
    for ref in refs.findall("ofd:Reference", NS):
        path = ref.get("FileRef", "").lstrip("/")
        if path not in files:
            raise Invalid("引用的文件不存在：" + path)
        want = (ref.findtext("ofd:CheckValue", namespaces=NS) or "").strip()
        if base64.b64encode(sm3_digest(files[path])).decode() != want:
            raise Invalid("文件 %s 的 SM3 摘要不符" % path)
        referenced.add(path)
    sign_dir = posixpath.dirname(posixpath.dirname(signature_path))
    for path in files:
        if not path.startswith(sign_dir + "/") and path not in referenced:
            raise Invalid("文件 %s 不在签名范围内" % path)
    value_path = (sig.findtext("ofd:SignedValue", namespaces=NS) or "").strip().lstrip("/")
    if value_path not in files:
        raise Invalid("缺少签名值 " + value_path)

    ses = SES_Signature.load(files[value_path], strict=True)
    tbs = ses["toSign"]
    seal = tbs["eseal"]
    info = seal["eSealInfo"]
    header = info["header"]
    if header["ID"].native != "ES" or header["version"].native != 4 or tbs["version"].native != 4:
        raise Invalid("不是 GB/T 38540-2020 第4版的电子印章")
    if seal["signAlgID"].dotted != SM2_SM3 or ses["signatureAlgID"].dotted != SM2_SM3:
        raise Invalid("签名算法不是 SM2/SM3")
    if tbs["dataHash"].native != sm3_digest(xml):
        raise Invalid("原文杂凑值与 Signature.xml 的 SM3 摘要不符")

    maker_der = seal["cert"].native
    maker = x509.Certificate.load(maker_der)
    sealed_part = info.dump()
    if not sm2_verify(public_key(maker), seal["signedValue"].native, sealed_part):
        raise Invalid("制章者对电子印章的签名不符")

    signer_der = ses["cert"].native
    prop = info["property"]
    if prop["certListType"].native != 1 or signer_der not in [c.native for c in prop["certList"]]:
        raise Invalid("签章者证书不在电子印章的证书列表中")
    signer = x509.Certificate.load(signer_der)
    check_issued(signer, maker)
    signed_part = tbs.dump()
    if not sm2_verify(public_key(signer), ses["signature"].native, signed_part):
        raise Invalid("签章者的签名不符")

    if root is not None:
        if maker_der != root:
            raise Invalid("制章者证书不是受信任的根证书")
        check_issued(maker, maker)

    return {
        "seal": prop["name"].native,
        "es_id": info["esID"].native,
        "picture": info["picture"]["type"].native,
        "signer": common_name(signer),
        "signer_serial": "%x" % signer.serial_number,
        "maker": common_name(maker),
        "signed_at": tbs["timeInfo"].native.isoformat(),
        "property": tbs["propertyInfo"].native,
        "references": len(referenced),
    }


def check_file(path: str, root: bytes | None) -> dict:
    with zipfile.ZipFile(path) as z:
        files = {name: z.read(name) for name in z.namelist()}
    ofd = ET.fromstring(files["OFD.xml"])
    signatures = ofd.findtext("ofd:DocBody/ofd:Signatures", namespaces=NS)
    if not signatures:
        raise Invalid("OFD.xml 没有 Signatures")
    signatures = signatures.strip().lstrip("/")
    listing = ET.fromstring(files[signatures])
    results = []
    for s in listing.findall("ofd:Signature", NS):
        if s.get("Type") != "Seal":
            raise Invalid("签名类型不是 Seal")
        loc = s.get("BaseLoc", "")
        if not loc.startswith("/"):
            loc = posixpath.join(posixpath.dirname(signatures), loc)
        results.append(check_signature(files, loc.lstrip("/"), root))
    if not results:
        raise Invalid("没有签名")
    return results[0]


def main(argv: list) -> int:
    root = None
    if argv and argv[0] == "--root":
        root = open(argv[1], "rb").read()
        argv = argv[2:]
    for path in argv:
        try:
            result = {"file": path, "ok": True, **check_file(path, root)}
        except Exception as e:  # every failure is a verdict on that file
            result = {"file": path, "ok": False, "error": "%s: %s" % (type(e).__name__, e)}
        print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
