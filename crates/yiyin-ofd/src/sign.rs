//! The OFD's signature, laid out as GM/T 0099-2020 (开放版式文档密码应用技术规范) prescribes:
//! `OFD.xml` names `Doc_0/Signs/Signatures.xml`, which lists `Sign_0/Signature.xml` (type
//! `Seal`); that file's `SignedInfo` holds the SM3 digest (base64) of every other file of the
//! package (`References`, check method SM3), the signature method (SM2 with SM3), the signing time
//! and the stamp's place on the last page (`StampAnnot`); `SignedValue.dat` holds the GB/T 38540
//! `SES_Signature` (DER, see `yiyin_seal::ses`) whose data hash is the SM3 digest of
//! `Signature.xml`: the seal (`SES_Seal`, signed by the seal maker), the signer's certificate and
//! the signer's SM2 signature.
//!
//! A package signed before the SES structures (its `SignedValue.dat` the bare SM2 signature over
//! `Signature.xml`) still verifies with the seal's key, without a certificate chain to report.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use yiyin_seal::ses::{self, SesCheck, SesError};
use yiyin_seal::{SealedDocument, sm3_hex, unhex};

use crate::xml::{self, attr, esc, texts};
use crate::{Files, NS, OfdError, OfdVerifyError, Signer};

pub const SIGNATURES: &str = "Doc_0/Signs/Signatures.xml";
pub const SIGNATURE: &str = "Doc_0/Signs/Sign_0/Signature.xml";
pub const SIGNED_VALUE: &str = "Doc_0/Signs/Sign_0/SignedValue.dat";
/// SM2 signature with SM3 (GM/T 0006).
const SM2_SM3: &str = "1.2.156.10197.1.501";
/// SM3 (GM/T 0006).
const SM3: &str = "1.2.156.10197.1.401";

fn sm3_b64(bytes: &[u8]) -> String {
    B64.encode(unhex(&sm3_hex(bytes)).expect("hex"))
}

/// Adds the signature files to an unsigned package, signing every file in it.
pub(crate) fn add_signature(
    files: &mut Files,
    sealed: &SealedDocument,
    signer: &Signer<'_>,
    signed_at: &str,
) -> Result<(), OfdError> {
    let (xml, to_sign) = prepare_signature(files, sealed, signer.seal, signed_at)?;
    let signature = signer.key.sign(&to_sign);
    finish_signature(files, xml, &to_sign, signer.cert, &signature)
}

/// The first half of [`add_signature`]: names the signatures in `OFD.xml` and returns the
/// `Signature.xml` covering every file of the package and the DER `TBS_Sign` (with the seal
/// `seal`) over it, which the holder signs.
pub(crate) fn prepare_signature(
    files: &mut Files,
    sealed: &SealedDocument,
    seal: &[u8],
    signed_at: &str,
) -> Result<(String, Vec<u8>), OfdError> {
    // OFD.xml names the signatures.
    for (path, bytes) in files.iter_mut() {
        if path == "OFD.xml" {
            let text = String::from_utf8_lossy(bytes).replace(
                "</ofd:DocRoot>",
                "</ofd:DocRoot><ofd:Signatures>Doc_0/Signs/Signatures.xml</ofd:Signatures>",
            );
            *bytes = text.into_bytes();
        }
    }
    // The stamp: where the seal is on the last page.
    let last_page = files
        .iter()
        .rev()
        .find(|(p, _)| p.starts_with("Doc_0/Pages/"))
        .map(|(p, _)| p.clone())
        .unwrap_or_default();
    let document = files
        .iter()
        .find(|(p, _)| p == "Doc_0/Document.xml")
        .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
        .unwrap_or_default();
    let page_loc = last_page.strip_prefix("Doc_0/").unwrap_or(&last_page);
    let page_ref = xml::elements(&document)
        .unwrap_or_default()
        .iter()
        .find(|e| e.name == "ofd:Page" && e.attr("BaseLoc") == Some(page_loc))
        .and_then(|e| e.attr("ID"))
        .unwrap_or("1")
        .to_string();
    let content = files
        .iter()
        .find(|(p, _)| *p == last_page)
        .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
        .unwrap_or_default();
    let boundary = attr(
        &xml::elements(&content).unwrap_or_default(),
        "ofd:ImageObject",
        "Boundary",
    )
    .unwrap_or("0 0 40 40")
    .to_string();
    let mut xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><ofd:Signature xmlns:ofd="{NS}"><ofd:SignedInfo><ofd:Provider ProviderName="一印 Yiyin" Version="{}" Company="{}"/><ofd:SignatureMethod>{SM2_SM3}</ofd:SignatureMethod><ofd:SignatureDateTime>{}</ofd:SignatureDateTime><ofd:References CheckMethod="{SM3}">"#,
        env!("CARGO_PKG_VERSION"),
        esc(&sealed.seal.holder),
        esc(signed_at),
    );
    for (path, bytes) in files.iter() {
        xml.push_str(&format!(
            r#"<ofd:Reference FileRef="/{}"><ofd:CheckValue>{}</ofd:CheckValue></ofd:Reference>"#,
            esc(path),
            sm3_b64(bytes)
        ));
    }
    xml.push_str(&format!(
        r#"</ofd:References><ofd:StampAnnot ID="1" PageRef="{page_ref}" Boundary="{boundary}"/></ofd:SignedInfo><ofd:SignedValue>/{SIGNED_VALUE}</ofd:SignedValue></ofd:Signature>"#
    ));
    let to_sign = ses::to_sign(seal, signed_at, xml.as_bytes(), &format!("/{SIGNATURE}"))
        .map_err(|e| OfdError::Render(e.to_string()))?;
    Ok((xml, to_sign))
}

/// The second half of [`add_signature`]: the signature files, with the `SES_Signature` of the
/// `TBS_Sign` signed by the holder (`cert`, its SM2 signature `signature`, DER).
pub(crate) fn finish_signature(
    files: &mut Files,
    xml: String,
    to_sign: &[u8],
    cert: &[u8],
    signature: &[u8],
) -> Result<(), OfdError> {
    let signature =
        ses::assemble(to_sign, cert, signature).map_err(|e| OfdError::Render(e.to_string()))?;
    files.push((SIGNATURES.into(), signatures_xml().into_bytes()));
    files.push((SIGNATURE.into(), xml.into_bytes()));
    files.push((SIGNED_VALUE.into(), signature));
    Ok(())
}

/// The list of signatures (one, the seal's). It is not itself signed (GM/T 0099), so [`check`]
/// takes nothing but exactly this.
fn signatures_xml() -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><ofd:Signatures xmlns:ofd="{NS}"><ofd:MaxSignId>1</ofd:MaxSignId><ofd:Signature ID="1" Type="Seal" BaseLoc="/{SIGNATURE}"/></ofd:Signatures>"#
    )
}

/// What a signature check found: the files it covers, and the GB/T 38540 seal and certificates
/// (None for a package signed before them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureCheck {
    pub signed_files: Vec<String>,
    pub signed_at: String,
    pub seal: Option<SesCheck>,
}

/// Checks the signature of an unpacked OFD with the seal's public key: every reference's digest,
/// no file left unsigned, and the SM2 signature over `Signature.xml`.
pub(crate) fn check(
    files: &std::collections::BTreeMap<String, Vec<u8>>,
    public_hex: &str,
) -> Result<SignatureCheck, OfdVerifyError> {
    let text = |path: &str| {
        files
            .get(path)
            .map(|b| String::from_utf8_lossy(b).into_owned())
    };
    let ofd = text("OFD.xml").ok_or(OfdVerifyError::NotOfd("缺少 OFD.xml".into()))?;
    let ofd = xml::elements(&ofd)
        .ok_or_else(|| OfdVerifyError::Signature("OFD.xml 不是合式的 XML，签名后被改动".into()))?;
    if !texts(&ofd, "ofd:Signatures").any(|p| p.trim().trim_start_matches('/') == SIGNATURES) {
        return Err(OfdVerifyError::NoSignature);
    }
    if files.get(SIGNATURES).map(Vec::as_slice) != Some(signatures_xml().as_bytes()) {
        return Err(OfdVerifyError::Signature(
            "签名列表 Signatures.xml 被改动，或不是一印所写".into(),
        ));
    }
    let xml_bytes = files.get(SIGNATURE).ok_or(OfdVerifyError::NoSignature)?;
    let value = files.get(SIGNED_VALUE).ok_or(OfdVerifyError::NoSignature)?;
    let seal = match ses::verify(value, xml_bytes) {
        Ok(check) if check.signer.public_key == public_hex => Some(check),
        Ok(check) => {
            return Err(OfdVerifyError::Signature(format!(
                "签章者证书「{}」的公钥与签章记录中的印章不符",
                check.signer.subject
            )));
        }
        Err(SesError::Malformed(_))
            if yiyin_seal::keys::verify(public_hex, xml_bytes, value).is_ok() =>
        {
            None
        }
        Err(SesError::DataHash) => {
            return Err(OfdVerifyError::Signature(
                "Signature.xml 与电子签章的原文杂凑值不符：签名信息被改动".into(),
            ));
        }
        Err(e) => return Err(OfdVerifyError::Signature(e.to_string())),
    };
    let xml = xml::elements(&String::from_utf8_lossy(xml_bytes))
        .ok_or_else(|| OfdVerifyError::Signature("Signature.xml 不是合式的 XML".into()))?;
    if attr(&xml, "ofd:References", "CheckMethod") != Some(SM3) {
        return Err(OfdVerifyError::Signature("摘要算法不是 SM3".into()));
    }
    let mut signed = Vec::new();
    for (i, reference) in xml.iter().enumerate() {
        if reference.name != "ofd:Reference" {
            continue;
        }
        let path = reference
            .attr("FileRef")
            .map(|p| p.trim_start_matches('/').to_string())
            .ok_or_else(|| OfdVerifyError::Signature("签名引用缺少文件".into()))?;
        let want = xml
            .iter()
            .find(|e| e.name == "ofd:CheckValue" && e.parent == Some(i))
            .map(|e| e.text.trim())
            .unwrap_or_default();
        let bytes = files
            .get(&path)
            .ok_or_else(|| OfdVerifyError::Signature(format!("已签名的文件 {path} 不见了")))?;
        if sm3_b64(bytes) != want {
            return Err(OfdVerifyError::Signature(format!(
                "文件 {path} 的 SM3 摘要与签名时不符：文件在签发后被改动过"
            )));
        }
        signed.push(path);
    }
    for path in files.keys() {
        if !path.starts_with("Doc_0/Signs/") && !signed.contains(path) {
            return Err(OfdVerifyError::Signature(format!(
                "文件 {path} 不在签名范围内：签发后被加入"
            )));
        }
    }
    Ok(SignatureCheck {
        signed_files: signed,
        signed_at: texts(&xml, "ofd:SignatureDateTime")
            .next()
            .unwrap_or_default()
            .to_string(),
        seal,
    })
}

/// Checks an OFD's signature with the given public key (hex), without its record.
pub fn verify_signature(ofd: &[u8], public_hex: &str) -> Result<SignatureCheck, OfdVerifyError> {
    check(&crate::unzip(ofd)?, public_hex)
}
