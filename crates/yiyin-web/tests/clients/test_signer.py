"""A test e-seal system speaking Yiyin's signing-adapter contract (docs/signing-adapter.md), as a
county's own qualified e-seal system would: it holds an SM2 private key (as a cryptographic module
would, never handing it out) and the seal's certificate, and signs the digests it is sent.

  keygen KEYFILE              makes an SM2 key pair, writes the private key (hex) to KEYFILE and
                              prints the public key (hex, SEC1 uncompressed: 04 || x || y);
  PORT LOG KEYFILE CERTFILE [CALABEL CACERTFILE]
                              serves `POST /sign` on 127.0.0.1:PORT with that key and certificate
                              (DER); prints "ready" once it listens. With the seal maker's key
                              (derived from CALABEL as Yiyin's `SealKey::well_known` derives it:
                              SM3 of the label, digested again until it is a valid secret) and its
                              certificate (DER), it also publishes the maker's CRL:
                              `GET /crl` answers the CRL (DER, RFC 5280, SM2 with SM3, issued
                              now) listing the certificates revoked so far, and `POST /revoke`
                              revokes the seal's certificate (CERTFILE) as of today.

`POST /sign` takes {"seal_id", "algorithm": "SM2-SM3", "data_hash", "document_id"}, where
data_hash is the hex SM3 digest e = SM3(Z || M) of GM/T 0009 (what a module's SM2 signing
function takes), and answers 200 {"signature": base64 DER SM2 signature, "certificate": base64 DER}.
A malformed request is answered 400 {"error", "message"}. Every request is appended to LOG as one
JSON line {"seal_id", "document_id", "data_hash", "status"}.

SM2 with gmssl (the signature of the digest as given: no second hashing), the CRL built with
asn1crypto, standard library otherwise.
"""

import base64
import datetime
import json
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from gmssl import func, sm2, sm3

LOCK = threading.Lock()
N = int(sm2.default_ecc_table["n"], 16)


def sm3_bytes(data: bytes) -> bytes:
    return bytes.fromhex(sm3.sm3_hash(func.bytes_to_list(data)))


def well_known_key(label: str) -> str:
    """The private key (hex) Yiyin's SealKey::well_known derives from a label."""
    seed = sm3_bytes(label.encode("utf-8"))
    while not 1 <= int.from_bytes(seed, "big") < N - 1:
        seed = sm3_bytes(seed)
    return seed.hex()


def sm2_sign(private: str, message: bytes) -> bytes:
    """SM2 with SM3 over Z || message (GM/T 0009 default user ID), DER."""
    crypt = sm2.CryptSM2(private_key=private, public_key="", asn1=True)
    # Set after construction: the constructor strips leading '0'/'4' characters, not a prefix.
    crypt.public_key = crypt._kg(int(private, 16), sm2.default_ecc_table["g"])
    signature = None
    while signature is None:
        signature = crypt.sign_with_sm3(message, func.random_hex(64))
    return bytes.fromhex(signature)


def make_crl(ca_key: str, ca_cert: bytes, revoked: list) -> bytes:
    """The maker's CRL (v2, SM2 with SM3) listing `revoked`: (serial int, datetime) pairs."""
    from asn1crypto import crl, x509

    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    algorithm = {"algorithm": "1.2.156.10197.1.501"}
    tbs = {
        "version": "v2",
        "signature": algorithm,
        "issuer": x509.Certificate.load(ca_cert).subject,
        "this_update": x509.Time({"utc_time": now}),
        "next_update": x509.Time({"utc_time": now + datetime.timedelta(days=1)}),
    }
    if revoked:
        tbs["revoked_certificates"] = [
            {"user_certificate": serial, "revocation_date": x509.Time({"utc_time": on})}
            for serial, on in revoked
        ]
    tbs = crl.TbsCertList(tbs)
    signed = crl.CertificateList(
        {
            "tbs_cert_list": tbs,
            "signature_algorithm": algorithm,
            "signature": sm2_sign(ca_key, tbs.dump()),
        }
    )
    return signed.dump()


def keygen(path: str) -> None:
    n = int(sm2.default_ecc_table["n"], 16)
    while True:
        d = int(func.random_hex(64), 16)
        if 1 <= d < n - 1:
            break
    private = "%064x" % d
    signer = sm2.CryptSM2(private_key=private, public_key="")
    public = signer._kg(d, sm2.default_ecc_table["g"])
    with open(path, "w") as f:
        f.write(private)
    print("04" + public, flush=True)


class Signer(BaseHTTPRequestHandler):
    private_key = ""
    certificate = b""
    log_path = ""
    ca_key = ""
    ca_cert = b""
    revoked = []

    def do_GET(self):
        if self.path.rstrip("/") != "/crl" or not self.ca_key:
            self.answer(404, {"error": "not_found", "message": "只提供 /crl"}, None)
            return
        with LOCK:
            data = make_crl(self.ca_key, self.ca_cert, list(Signer.revoked))
        self.send_response(200)
        self.send_header("Content-Type", "application/pkix-crl")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if self.path.rstrip("/") == "/revoke" and self.ca_key:
            from asn1crypto import x509

            serial = x509.Certificate.load(self.certificate).serial_number
            today = datetime.datetime.now(datetime.timezone.utc).replace(
                hour=0, minute=0, second=0, microsecond=0
            )
            with LOCK:
                Signer.revoked.append((serial, today))
            self.answer(200, {"revoked": "%x" % serial}, None)
            return
        if self.path.rstrip("/") != "/sign":
            self.answer(404, {"error": "not_found", "message": "只提供 /sign"}, None)
            return
        try:
            body = json.loads(raw.decode("utf-8"))
            seal_id, algorithm = body["seal_id"], body["algorithm"]
            data_hash, document_id = body["data_hash"], body["document_id"]
        except (ValueError, KeyError, UnicodeDecodeError):
            self.answer(400, {"error": "bad_request", "message": "请求应为 JSON：seal_id、algorithm、data_hash、document_id"}, None)
            return
        if algorithm != "SM2-SM3":
            self.answer(400, {"error": "bad_algorithm", "message": "只支持 SM2-SM3"}, body)
            return
        if not isinstance(data_hash, str) or not re.fullmatch(r"[0-9a-fA-F]{64}", data_hash):
            self.answer(400, {"error": "bad_hash", "message": "data_hash 应为 64 位十六进制 SM3 杂凑值"}, body)
            return
        crypt = sm2.CryptSM2(private_key=self.private_key, public_key="", asn1=True)
        signature = None
        while signature is None:
            signature = crypt.sign(bytes.fromhex(data_hash), func.random_hex(64))
        self.answer(
            200,
            {
                "signature": base64.b64encode(bytes.fromhex(signature)).decode(),
                "certificate": base64.b64encode(self.certificate).decode(),
            },
            body,
        )

    def answer(self, status: int, payload: dict, body) -> None:
        # The request is logged before it is answered: a test reads the log as soon as Yiyin has
        # its answer, so a line written after the answer could be missing (seen under load).
        entry = {"status": status}
        if isinstance(body, dict):
            for k in ("seal_id", "document_id", "data_hash", "purpose", "reference"):
                entry[k] = body.get(k)
        with LOCK, open(self.log_path, "a") as f:
            f.write(json.dumps(entry) + "\n")
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def main(argv: list) -> int:
    if argv and argv[0] == "keygen":
        keygen(argv[1])
        return 0
    port, log, key_path, cert_path = int(argv[0]), argv[1], argv[2], argv[3]
    Signer.private_key = open(key_path).read().strip()
    Signer.certificate = open(cert_path, "rb").read()
    Signer.log_path = log
    if len(argv) >= 6:
        Signer.ca_key = well_known_key(argv[4])
        Signer.ca_cert = open(argv[5], "rb").read()
    open(log, "a").close()
    server = ThreadingHTTPServer(("127.0.0.1", port), Signer)
    print("ready", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
