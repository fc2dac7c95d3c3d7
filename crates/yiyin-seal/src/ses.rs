//! The electronic seal and the electronic signature of GB/T 38540-2020 (安全电子签章密码技术规范,
//! version 4 of the structures), encoded in DER:
//!
//! ```text
//! SES_Seal ::= SEQUENCE {                      -- the seal, made and signed by the seal maker
//!   eSealInfo    SES_SealInfo,
//!   cert         OCTET STRING,                 -- the maker's certificate
//!   signAlgID    OBJECT IDENTIFIER,            -- 1.2.156.10197.1.501 (SM2 with SM3)
//!   signedValue  BIT STRING }                  -- over the DER of eSealInfo
//! SES_SealInfo ::= SEQUENCE {
//!   header   SES_Header,                       -- ID "ES", version 4, Vid
//!   esID     IA5String,
//!   property SES_ESPropertyInfo,
//!   picture  SES_ESPictrueInfo,
//!   extDatas ExtensionDatas OPTIONAL }
//! SES_ESPropertyInfo ::= SEQUENCE {
//!   type INTEGER, name UTF8String, certListType INTEGER (1: certificates),
//!   certList SEQUENCE OF OCTET STRING,         -- the signer's (holder's) certificate(s)
//!   createDate GeneralizedTime, validStart GeneralizedTime, validEnd GeneralizedTime }
//! SES_ESPictrueInfo ::= SEQUENCE { type IA5String, data OCTET STRING, width INTEGER, height INTEGER }
//!
//! SES_Signature ::= SEQUENCE {
//!   toSign         TBS_Sign,
//!   cert           OCTET STRING,               -- the signer's certificate
//!   signatureAlgID OBJECT IDENTIFIER,
//!   signature      BIT STRING,                 -- over the DER of toSign
//!   timeStamp  [0] BIT STRING OPTIONAL }
//! TBS_Sign ::= SEQUENCE {
//!   version INTEGER (4), eseal SES_Seal, timeInfo GeneralizedTime,
//!   dataHash BIT STRING,                       -- SM3 of the signed data (GM/T 0099: Signature.xml)
//!   propertyInfo IA5String, extDatas ExtensionDatas OPTIONAL }
//! ```
//!
//! Every signature is SM2 with SM3 and the GM/T 0009 default user ID, DER-encoded.
//! [`verify`] checks a signature completely except whom to trust: the maker's signature on the
//! seal, the signer's certificate in the seal's list and issued by the maker's certificate, the
//! signer's signature, the data's digest and the signing time within the seal's validity; the
//! caller decides whether the maker's certificate is a trusted root and whether the signer's
//! certificate is revoked.

use der::asn1::{BitString, GeneralizedTime, Ia5String, ObjectIdentifier, OctetString};
use der::{DateTime, Decode, Encode, Sequence};

use crate::SealKey;
use crate::authority::{self, CertInfo, SM2_SM3};

/// The seal header's ID.
const ES: &str = "ES";
/// The structures' version (GB/T 38540-2020).
pub const VERSION: u32 = 4;
/// The seal type: an organisation's seal (单位印章).
const ORGANISATION_SEAL: u32 = 1;
/// certListType: the certificates themselves.
const CERTS: u32 = 1;

/// An extension (`ExtData`).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct ExtData {
    pub extn_id: ObjectIdentifier,
    #[asn1(default = "Default::default")]
    pub critical: bool,
    pub extn_value: OctetString,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SesHeader {
    pub id: Ia5String,
    pub version: u32,
    pub vid: Ia5String,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SesEsPropertyInfo {
    pub kind: u32,
    pub name: String,
    pub cert_list_type: u32,
    pub cert_list: Vec<OctetString>,
    pub create_date: GeneralizedTime,
    pub valid_start: GeneralizedTime,
    pub valid_end: GeneralizedTime,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SesEsPictrueInfo {
    pub kind: Ia5String,
    pub data: OctetString,
    pub width: u32,
    pub height: u32,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SesSealInfo {
    pub header: SesHeader,
    pub es_id: Ia5String,
    pub property: SesEsPropertyInfo,
    pub picture: SesEsPictrueInfo,
    #[asn1(optional = "true")]
    pub ext_datas: Option<Vec<ExtData>>,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SesSeal {
    pub e_seal_info: SesSealInfo,
    pub cert: OctetString,
    pub sign_alg_id: ObjectIdentifier,
    pub signed_value: BitString,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct TbsSign {
    pub version: u32,
    pub eseal: SesSeal,
    pub time_info: GeneralizedTime,
    pub data_hash: BitString,
    pub property_info: Ia5String,
    #[asn1(optional = "true")]
    pub ext_datas: Option<Vec<ExtData>>,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SesSignature {
    pub to_sign: TbsSign,
    pub cert: OctetString,
    pub signature_alg_id: ObjectIdentifier,
    pub signature: BitString,
    #[asn1(context_specific = "0", optional = "true")]
    pub time_stamp: Option<BitString>,
}

/// Why seal data or a signature is not valid, in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SesError {
    #[error("无法生成电子印章数据：{0}")]
    Build(String),
    #[error("电子签章数据格式无效（不是 GB/T 38540 的 SES_Signature）：{0}")]
    Malformed(String),
    #[error("电子印章（SES_Seal）无效：{0}")]
    Seal(String),
    #[error("电子签章的签名无效：{0}")]
    Signature(String),
    #[error("原文杂凑值不符：签名的数据在签章后被改动")]
    DataHash,
    #[error("证书无效：{0}")]
    Certificate(#[from] authority::CertError),
}

fn build_err(e: impl std::fmt::Display) -> SesError {
    SesError::Build(e.to_string())
}

fn ia5(s: &str) -> Result<Ia5String, SesError> {
    Ia5String::new(s).map_err(build_err)
}

fn octets(bytes: &[u8]) -> Result<OctetString, SesError> {
    OctetString::new(bytes).map_err(build_err)
}

/// A `YYYY-MM-DD` day (00:00 UTC) as GeneralizedTime.
fn day(text: &str) -> Result<GeneralizedTime, SesError> {
    let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|e| build_err(format!("日期「{text}」无效：{e}")))?;
    generalized(date.and_hms_opt(0, 0, 0).expect("midnight").and_utc())
}

fn generalized(at: chrono::DateTime<chrono::Utc>) -> Result<GeneralizedTime, SesError> {
    use chrono::{Datelike, Timelike};
    let dt = DateTime::new(
        at.year() as u16,
        at.month() as u8,
        at.day() as u8,
        at.hour() as u8,
        at.minute() as u8,
        at.second() as u8,
    )
    .map_err(build_err)?;
    Ok(GeneralizedTime::from_date_time(dt))
}

fn fmt_time(t: &GeneralizedTime) -> String {
    let d = t.to_date_time();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        d.year(),
        d.month(),
        d.day(),
        d.hour(),
        d.minutes(),
        d.seconds()
    )
}

/// What the seal maker puts in a seal.
#[derive(Debug, Clone)]
pub struct SealData<'a> {
    /// The seal's code (esID), unique per maker.
    pub es_id: &'a str,
    /// The seal's name as engraved.
    pub name: &'a str,
    /// The holder's certificate (DER).
    pub signer_cert: &'a [u8],
    /// The day the seal is made and its validity (`YYYY-MM-DD`).
    pub created: &'a str,
    pub valid_start: &'a str,
    pub valid_end: &'a str,
    /// The seal's picture (PNG) and its size on paper, millimetres.
    pub png: &'a [u8],
    pub size_mm: u32,
}

/// Makes a seal (`SES_Seal`, DER): the seal maker signs it with its key; `maker_cert` is the
/// maker's certificate (DER).
pub fn make_seal(
    maker: &SealKey,
    maker_cert: &[u8],
    data: &SealData<'_>,
) -> Result<Vec<u8>, SesError> {
    let info = SesSealInfo {
        header: SesHeader {
            id: ia5(ES)?,
            version: VERSION,
            vid: ia5("Yiyin")?,
        },
        es_id: ia5(data.es_id)?,
        property: SesEsPropertyInfo {
            kind: ORGANISATION_SEAL,
            name: data.name.to_string(),
            cert_list_type: CERTS,
            cert_list: vec![octets(data.signer_cert)?],
            create_date: day(data.created)?,
            valid_start: day(data.valid_start)?,
            valid_end: day(data.valid_end)?,
        },
        picture: SesEsPictrueInfo {
            kind: ia5("PNG")?,
            data: octets(data.png)?,
            width: data.size_mm,
            height: data.size_mm,
        },
        ext_datas: None,
    };
    let signed = maker.sign(&info.to_der().map_err(build_err)?);
    SesSeal {
        e_seal_info: info,
        cert: octets(maker_cert)?,
        sign_alg_id: SM2_SM3,
        signed_value: BitString::from_bytes(&signed).map_err(build_err)?,
    }
    .to_der()
    .map_err(build_err)
}

/// Signs `data` with a seal (`SES_Signature`, DER): `seal` is the SES_Seal, `signer` the holder's
/// key and `signer_cert` its certificate; `at` the signing time (RFC 3339); `property` says what
/// was signed (GM/T 0099: the signed file's path).
pub fn sign(
    signer: &SealKey,
    signer_cert: &[u8],
    seal: &[u8],
    at: &str,
    data: &[u8],
    property: &str,
) -> Result<Vec<u8>, SesError> {
    let to_sign = to_sign(seal, at, data, property)?;
    let signature = signer.sign(&to_sign);
    assemble(&to_sign, signer_cert, &signature)
}

/// The first half of [`sign`], for a signer elsewhere (a county's own e-seal system): the DER of
/// the `TBS_Sign` over `data` with the seal, the bytes the holder's SM2 signature covers.
pub fn to_sign(seal: &[u8], at: &str, data: &[u8], property: &str) -> Result<Vec<u8>, SesError> {
    let eseal = SesSeal::from_der(seal).map_err(|e| SesError::Seal(e.to_string()))?;
    let at = chrono::DateTime::parse_from_rfc3339(at)
        .map_err(|e| build_err(format!("签章时间「{at}」无效：{e}")))?
        .to_utc();
    let digest = crate::unhex(&crate::sm3_hex(data)).expect("hex");
    TbsSign {
        version: VERSION,
        eseal,
        time_info: generalized(at)?,
        data_hash: BitString::from_bytes(&digest).map_err(build_err)?,
        property_info: ia5(property)?,
        ext_datas: None,
    }
    .to_der()
    .map_err(build_err)
}

/// The second half of [`sign`]: the `SES_Signature` of a `TBS_Sign` made by [`to_sign`], with the
/// signer's certificate and its SM2 signature (DER) over it.
pub fn assemble(to_sign: &[u8], signer_cert: &[u8], signature: &[u8]) -> Result<Vec<u8>, SesError> {
    SesSignature {
        to_sign: TbsSign::from_der(to_sign).map_err(build_err)?,
        cert: octets(signer_cert)?,
        signature_alg_id: SM2_SM3,
        signature: BitString::from_bytes(signature).map_err(build_err)?,
        time_stamp: None,
    }
    .to_der()
    .map_err(build_err)
}

/// What a seal (`SES_Seal`) says, once its maker's signature and its holder's certificate are
/// checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealCheck {
    pub es_id: String,
    pub name: String,
    /// The seal's validity (`YYYY-MM-DD`).
    pub valid_start: String,
    pub valid_end: String,
    /// The seal maker's certificate and what it says.
    pub maker_cert: Vec<u8>,
    pub maker: CertInfo,
    /// The holders' certificates (DER) in the seal's list.
    pub cert_list: Vec<Vec<u8>>,
}

/// Reads a seal made elsewhere (a county's own seal-making system) and checks it: version 4 of
/// the structures, SM2 with SM3, the maker's signature over the seal data, and every certificate
/// of its list issued by the maker.
pub fn read_seal(seal: &[u8]) -> Result<SealCheck, SesError> {
    let seal = SesSeal::from_der(seal).map_err(|e| SesError::Malformed(e.to_string()))?;
    let info = check_seal(&seal)?;
    let maker_cert = seal.cert.as_bytes().to_vec();
    let cert_list: Vec<Vec<u8>> = info
        .property
        .cert_list
        .iter()
        .map(|c| c.as_bytes().to_vec())
        .collect();
    if info.property.cert_list_type != CERTS || cert_list.is_empty() {
        return Err(SesError::Seal("印章的证书列表为空或不是证书".into()));
    }
    for cert in &cert_list {
        authority::check_issued(cert, &maker_cert)?;
    }
    Ok(SealCheck {
        es_id: info.es_id.to_string(),
        name: info.property.name.clone(),
        valid_start: fmt_time(&info.property.valid_start)[..10].to_string(),
        valid_end: fmt_time(&info.property.valid_end)[..10].to_string(),
        maker: authority::read_certificate(&maker_cert)?,
        maker_cert,
        cert_list,
    })
}

/// The header, the algorithm and the maker's signature of a seal; its information when right.
fn check_seal(seal: &SesSeal) -> Result<&SesSealInfo, SesError> {
    let info = &seal.e_seal_info;
    if info.header.id.as_str() != ES || info.header.version != VERSION {
        return Err(SesError::Seal(format!(
            "印章头不是「ES」第{VERSION}版（GB/T 38540-2020）"
        )));
    }
    if seal.sign_alg_id != SM2_SM3 {
        return Err(SesError::Signature(
            "签名算法不是 SM2/SM3（1.2.156.10197.1.501）".into(),
        ));
    }
    let maker = authority::read_certificate(seal.cert.as_bytes())?;
    let seal_to_sign = info
        .to_der()
        .map_err(|e| SesError::Malformed(e.to_string()))?;
    let seal_sig = seal.signed_value.as_bytes().unwrap_or_default();
    crate::keys::verify(&maker.public_key, &seal_to_sign, seal_sig).map_err(|_| {
        SesError::Seal(format!(
            "制章者「{}」对印章的签名不符：印章数据被改动",
            maker.subject
        ))
    })?;
    Ok(info)
}

/// What a valid signature says: which seal, whose certificates, when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SesCheck {
    pub es_id: String,
    pub seal_name: String,
    /// The seal's validity (`YYYY-MM-DD`).
    pub valid_start: String,
    pub valid_end: String,
    /// The signing time (UTC, RFC 3339).
    pub signed_at: String,
    pub property: String,
    /// The signer's certificate and what it says.
    pub signer_cert: Vec<u8>,
    pub signer: CertInfo,
    /// The seal maker's certificate (the root it chains to) and what it says.
    pub maker_cert: Vec<u8>,
    pub maker: CertInfo,
}

/// Checks a `SES_Signature` over `data` (see the module's documentation for what is checked).
pub fn verify(signature: &[u8], data: &[u8]) -> Result<SesCheck, SesError> {
    let ses = SesSignature::from_der(signature).map_err(|e| SesError::Malformed(e.to_string()))?;
    let tbs = &ses.to_sign;
    let seal = &tbs.eseal;
    // The seal: its header and the maker's signature.
    if tbs.version != VERSION {
        return Err(SesError::Seal(format!(
            "印章头不是「ES」第{VERSION}版（GB/T 38540-2020）"
        )));
    }
    if ses.signature_alg_id != SM2_SM3 {
        return Err(SesError::Signature(
            "签名算法不是 SM2/SM3（1.2.156.10197.1.501）".into(),
        ));
    }
    let info = check_seal(seal)?;
    let maker_cert = seal.cert.as_bytes().to_vec();
    let maker = authority::read_certificate(&maker_cert)?;
    // The signer: a certificate of the seal, issued by the maker.
    let signer_cert = ses.cert.as_bytes().to_vec();
    if info.property.cert_list_type != CERTS
        || !info
            .property
            .cert_list
            .iter()
            .any(|c| c.as_bytes() == signer_cert.as_slice())
    {
        return Err(SesError::Seal(
            "签章者证书不在印章的证书列表中：不是该印章的持有者所签".into(),
        ));
    }
    let signer = authority::check_issued(&signer_cert, &maker_cert)?;
    // The signature, then the data.
    let to_sign = tbs
        .to_der()
        .map_err(|e| SesError::Malformed(e.to_string()))?;
    let sig = ses.signature.as_bytes().unwrap_or_default();
    crate::keys::verify(&signer.public_key, &to_sign, sig).map_err(|_| {
        SesError::Signature(format!(
            "签章者「{}」的签名与签章数据不符：签章数据被改动",
            signer.subject
        ))
    })?;
    let digest = crate::unhex(&crate::sm3_hex(data)).expect("hex");
    if tbs.data_hash.as_bytes() != Some(digest.as_slice()) {
        return Err(SesError::DataHash);
    }
    let signed_at = fmt_time(&tbs.time_info);
    let (valid_start, valid_end) = (
        fmt_time(&info.property.valid_start),
        fmt_time(&info.property.valid_end),
    );
    let day = &signed_at[..10];
    if day < &valid_start[..10] || day > &valid_end[..10] {
        return Err(SesError::Seal(format!(
            "签章时间 {signed_at} 不在印章有效期（{} 至 {}）内",
            &valid_start[..10],
            &valid_end[..10]
        )));
    }
    Ok(SesCheck {
        es_id: info.es_id.to_string(),
        seal_name: info.property.name.clone(),
        valid_start: valid_start[..10].to_string(),
        valid_end: valid_end[..10].to_string(),
        signed_at,
        property: tbs.property_info.to_string(),
        signer_cert,
        signer,
        maker_cert,
        maker,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authority::{Authority, seal_certificate, seal_serial, test_root};

    fn setup() -> (SealKey, Vec<u8>, SealKey, Vec<u8>, Vec<u8>) {
        let Authority {
            key: root_key,
            cert: root,
        } = test_root();
        let key = SealKey::generate();
        let cert = seal_certificate(
            &root_key,
            &root,
            &key.public_hex(),
            "汉阴县行政审批服务局",
            "汉阴县行政审批服务局行政审批专用章",
            &seal_serial(3),
            "2025-03-01",
            "2030-03-01",
        )
        .unwrap();
        let seal = make_seal(
            &root_key,
            &root,
            &SealData {
                es_id: "610921-0003",
                name: "汉阴县行政审批服务局行政审批专用章",
                signer_cert: &cert,
                created: "2025-03-01",
                valid_start: "2025-03-01",
                valid_end: "2030-03-01",
                png: b"\x89PNG fake",
                size_mm: 40,
            },
        )
        .unwrap();
        (root_key, root, key, cert, seal)
    }

    #[test]
    fn a_signature_verifies_and_names_its_seal() {
        let (_, root, key, cert, seal) = setup();
        let data = "<ofd:Signature/>".as_bytes();
        let sig = sign(&key, &cert, &seal, "2026-06-15T10:00:00+08:00", data, "/x").unwrap();
        let check = verify(&sig, data).unwrap();
        assert_eq!(check.seal_name, "汉阴县行政审批服务局行政审批专用章");
        assert_eq!(check.es_id, "610921-0003");
        assert_eq!(check.signed_at, "2026-06-15T02:00:00Z");
        assert_eq!(check.maker_cert, root);
        assert_eq!(check.signer.subject, "汉阴县行政审批服务局");
        assert_eq!(check.maker.subject, "汉阴县电子印章制作机构");
        assert_eq!(verify(&sig, b"other"), Err(SesError::DataHash));
        // Any changed byte of the structure is caught.
        for at in (0..sig.len()).step_by(97) {
            let mut changed = sig.clone();
            changed[at] ^= 0x01;
            assert!(verify(&changed, data).is_err(), "byte {at}");
        }
    }

    #[test]
    fn a_seal_made_elsewhere_is_read_and_checked() {
        let (_, root, _, cert, seal) = setup();
        let read = read_seal(&seal).unwrap();
        assert_eq!(read.name, "汉阴县行政审批服务局行政审批专用章");
        assert_eq!(read.maker_cert, root);
        assert_eq!(read.cert_list, vec![cert]);
        assert_eq!(
            (read.valid_start.as_str(), read.valid_end.as_str()),
            ("2025-03-01", "2030-03-01")
        );
        let mut changed = seal.clone();
        let at = changed.len() / 3;
        changed[at] ^= 0x01;
        assert!(read_seal(&changed).is_err());
    }

    #[test]
    fn a_key_other_than_the_holders_is_refused() {
        let (_, _, _, cert, seal) = setup();
        let thief = SealKey::generate();
        let sig = sign(
            &thief,
            &cert,
            &seal,
            "2026-06-15T10:00:00+08:00",
            b"x",
            "/x",
        )
        .unwrap();
        assert!(matches!(verify(&sig, b"x"), Err(SesError::Signature(_))));
        // Outside the seal's validity.
        let (_, _, key, cert, seal) = setup();
        let sig = sign(&key, &cert, &seal, "2031-01-01T10:00:00+08:00", b"x", "/x").unwrap();
        assert!(matches!(verify(&sig, b"x"), Err(SesError::Seal(_))));
    }
}
