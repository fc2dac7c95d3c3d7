//! The local seal-making authority (制章机构): an SM2 root certificate made once per installation
//! (X.509 v3, self-signed, SM2 with SM3, OID 1.2.156.10197.1.501), an SM2 certificate for each
//! seal issued by it (subject = the seal holder, validity = the seal's), the certificate
//! revocation list (CRL, RFC 5280) that publishes revoked seal certificates, and the checks a
//! verifier makes on them (a certificate issued by a given root, a CRL signed by it).
//!
//! The certificates are built with RustCrypto's `x509-cert` builder; the SM2 signatures are the
//! seal keys' own (DER-encoded, SM3 over Z with the GM/T 0009 default user ID), as OpenSSL,
//! BouncyCastle and GmSSL expect them.

use std::str::FromStr;

use der::asn1::{BitString, GeneralizedTime, ObjectIdentifier, Uint, Utf8StringRef};
use der::{DateTime, Decode, Encode};
use sm2::pkcs8::EncodePublicKey;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder, CrlBuilder};
use x509_cert::certificate::TbsCertificate;
use x509_cert::crl::{CertificateList, RevokedCert};
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, CrlNumber, KeyUsage, KeyUsages, SubjectKeyIdentifier,
};
use x509_cert::ext::{Extension, ToExtension};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
use x509_cert::time::{Time, Validity};
use x509_cert::{Certificate, builder};

use crate::{SealKey, hex, unhex};

/// SM2 signature with SM3 (GM/T 0006).
pub const SM2_SM3: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.501");
/// The common name attribute (CN).
const CN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");

/// Why a certificate or CRL cannot be made or does not verify, in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    #[error("无法生成证书：{0}")]
    Build(String),
    #[error("证书格式无效：{0}")]
    Malformed(String),
    #[error("证书「{subject}」不是「{issuer}」签发的：签发者名称或签名不符")]
    NotIssuedBy { subject: String, issuer: String },
    #[error("证书吊销列表格式无效或签名不符：{0}")]
    BadCrl(String),
}

fn build_err(e: impl std::fmt::Display) -> CertError {
    CertError::Build(e.to_string())
}

fn malformed(e: impl std::fmt::Display) -> CertError {
    CertError::Malformed(e.to_string())
}

/// What a certificate says, for people and for checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    /// The subject's common name (the seal holder, or the authority).
    pub subject: String,
    /// The issuer's common name.
    pub issuer: String,
    /// The serial number, hex.
    pub serial: String,
    /// First and last day of validity (`YYYY-MM-DD`, UTC).
    pub not_before: String,
    pub not_after: String,
    /// The subject's public key, SEC1 uncompressed, hex.
    pub public_key: String,
    /// Whether it is a CA certificate (basicConstraints cA).
    pub ca: bool,
}

/// The certificate profile of the authority (a root, `issuer` None) and of the seals it issues.
struct Profile {
    subject: Name,
    issuer: Option<Name>,
    ca: bool,
}

impl BuilderProfile for Profile {
    fn get_issuer(&self, subject: &Name) -> Name {
        self.issuer.clone().unwrap_or_else(|| subject.clone())
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        spk: SubjectPublicKeyInfoRef<'_>,
        issuer_spk: SubjectPublicKeyInfoRef<'_>,
        tbs: &TbsCertificate,
    ) -> builder::Result<Vec<Extension>> {
        let mut extensions = Vec::new();
        let subject = tbs.subject();
        let ski = SubjectKeyIdentifier::try_from(spk)?;
        let issuer_ski = SubjectKeyIdentifier::try_from(issuer_spk)?;
        extensions.push(
            AuthorityKeyIdentifier {
                key_identifier: Some(issuer_ski.0),
                ..Default::default()
            }
            .to_extension(subject, &extensions)?,
        );
        extensions.push(
            BasicConstraints {
                ca: self.ca,
                path_len_constraint: self.ca.then_some(0),
            }
            .to_extension(subject, &extensions)?,
        );
        let usage = if self.ca {
            KeyUsages::KeyCertSign | KeyUsages::CRLSign
        } else {
            KeyUsages::DigitalSignature | KeyUsages::NonRepudiation
        };
        extensions.push(KeyUsage(usage).to_extension(subject, &extensions)?);
        extensions.push(ski.to_extension(subject, &extensions)?);
        Ok(extensions)
    }
}

/// A distinguished name `CN=…, O=…, C=CN` (RFC 4514, the special characters escaped).
fn name(common_name: &str, organisation: &str) -> Result<Name, CertError> {
    let esc = |s: &str| {
        s.chars()
            .flat_map(|c| {
                let special = matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';' | '=');
                special.then_some('\\').into_iter().chain([c])
            })
            .collect::<String>()
    };
    Name::from_str(&format!(
        "CN={},O={},C=CN",
        esc(common_name),
        esc(organisation)
    ))
    .map_err(build_err)
}

/// A `YYYY-MM-DD` day at the given time of day, UTC, as X.509 time.
fn day_time(day: &str, end: bool) -> Result<Time, CertError> {
    let date = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .map_err(|e| build_err(format!("日期「{day}」无效：{e}")))?;
    use chrono::Datelike;
    let (h, m, s) = if end { (23, 59, 59) } else { (0, 0, 0) };
    let dt = DateTime::new(
        date.year() as u16,
        date.month() as u8,
        date.day() as u8,
        h,
        m,
        s,
    )
    .map_err(build_err)?;
    Ok(Time::GeneralTime(GeneralizedTime::from_date_time(dt)))
}

fn spki(public_hex: &str) -> Result<SubjectPublicKeyInfoOwned, CertError> {
    let key = unhex(public_hex)
        .and_then(|b| sm2::PublicKey::from_sec1_bytes(&b).ok())
        .ok_or_else(|| build_err("公钥格式无效"))?;
    let doc = key.to_public_key_der().map_err(build_err)?;
    SubjectPublicKeyInfoOwned::from_der(doc.as_bytes()).map_err(build_err)
}

/// Signs what a builder made with `key` (SM2, DER signature) and assembles it.
fn sign_with<B: Builder>(mut builder: B, key: &SealKey) -> Result<B::Output, CertError> {
    let signer = key.signing_key();
    let tbs = builder.finalize(signer).map_err(build_err)?;
    let signature = BitString::from_bytes(&key.sign(&tbs)).map_err(build_err)?;
    builder.assemble(signature, signer).map_err(build_err)
}

/// The authority's self-signed root certificate (serial 1).
pub fn root_certificate(
    key: &SealKey,
    name_cn: &str,
    valid_from: &str,
    valid_until: &str,
) -> Result<Vec<u8>, CertError> {
    let profile = Profile {
        subject: name(name_cn, name_cn)?,
        issuer: None,
        ca: true,
    };
    let validity = Validity::new(day_time(valid_from, false)?, day_time(valid_until, true)?);
    let serial = SerialNumber::new(&[1]).map_err(build_err)?;
    let builder = CertificateBuilder::new(profile, serial, validity, spki(&key.public_hex())?)
        .map_err(build_err)?;
    sign_with(builder, key)?.to_der().map_err(build_err)
}

/// The serial number of a seal's certificate: `0x5E` then the seal's id (never negative, unique
/// per authority since a seal has one certificate).
pub fn seal_serial(seal_id: i64) -> String {
    let mut bytes = vec![0x5E];
    bytes.extend_from_slice(&seal_id.to_be_bytes());
    hex(&bytes)
}

/// A seal's certificate issued by the authority: subject the holder (and the seal's name as the
/// organisational unit's place, O), its public key, the seal's validity.
#[allow(clippy::too_many_arguments)]
pub fn seal_certificate(
    authority_key: &SealKey,
    authority_cert: &[u8],
    seal_public_hex: &str,
    holder: &str,
    seal_name: &str,
    serial_hex: &str,
    valid_from: &str,
    valid_until: &str,
) -> Result<Vec<u8>, CertError> {
    let root = Certificate::from_der(authority_cert).map_err(malformed)?;
    let profile = Profile {
        subject: name(holder, seal_name)?,
        issuer: Some(root.tbs_certificate().subject().clone()),
        ca: false,
    };
    let validity = Validity::new(day_time(valid_from, false)?, day_time(valid_until, true)?);
    let serial = SerialNumber::new(&unhex(serial_hex).ok_or_else(|| build_err("序列号无效"))?)
        .map_err(build_err)?;
    let builder = CertificateBuilder::new(profile, serial, validity, spki(seal_public_hex)?)
        .map_err(build_err)?;
    sign_with(builder, authority_key)?
        .to_der()
        .map_err(build_err)
}

fn common_name(name: &Name) -> String {
    name.iter()
        .find(|a| a.oid == CN)
        .and_then(|a| Utf8StringRef::try_from(&a.value).ok())
        .map(|s| s.as_str().to_string())
        .unwrap_or_default()
}

fn day_of(time: &Time) -> String {
    let t = time.to_date_time();
    format!("{:04}-{:02}-{:02}", t.year(), t.month(), t.day())
}

/// Reads a certificate (DER).
pub fn read_certificate(der: &[u8]) -> Result<CertInfo, CertError> {
    let cert = Certificate::from_der(der).map_err(malformed)?;
    let tbs = cert.tbs_certificate();
    let ca = tbs
        .get_extension::<BasicConstraints>()
        .ok()
        .flatten()
        .is_some_and(|(_, b)| b.ca);
    Ok(CertInfo {
        subject: common_name(tbs.subject()),
        issuer: common_name(tbs.issuer()),
        serial: hex(tbs.serial_number().as_bytes()),
        not_before: day_of(&tbs.validity().not_before),
        not_after: day_of(&tbs.validity().not_after),
        public_key: hex(tbs.subject_public_key_info().subject_public_key.raw_bytes()),
        ca,
    })
}

/// Checks that `cert` was issued by `issuer`: the issuer's name, the SM2 signature algorithm
/// and the signature over the certificate's body with the issuer's key.
pub fn check_issued(cert: &[u8], issuer: &[u8]) -> Result<CertInfo, CertError> {
    let c = Certificate::from_der(cert).map_err(malformed)?;
    let i = Certificate::from_der(issuer).map_err(malformed)?;
    let info = read_certificate(cert)?;
    let issuer_info = read_certificate(issuer)?;
    let not_issued = || CertError::NotIssuedBy {
        subject: info.subject.clone(),
        issuer: issuer_info.subject.clone(),
    };
    if c.tbs_certificate().issuer() != i.tbs_certificate().subject()
        || c.signature_algorithm().oid != SM2_SM3
    {
        return Err(not_issued());
    }
    let tbs = c.tbs_certificate().to_der().map_err(malformed)?;
    let sig = c.signature().as_bytes().ok_or_else(not_issued)?;
    crate::keys::verify(&issuer_info.public_key, &tbs, sig).map_err(|_| not_issued())?;
    Ok(info)
}

/// The CRL of the authority: the revoked certificates (serial hex, day revoked), signed by the
/// root, numbered `number`, issued on `this_update` (`YYYY-MM-DD`).
pub fn crl(
    authority_key: &SealKey,
    authority_cert: &[u8],
    revoked: &[(String, String)],
    number: u64,
    this_update: &str,
) -> Result<Vec<u8>, CertError> {
    let root = Certificate::from_der(authority_cert).map_err(malformed)?;
    let number = Uint::new(&number.to_be_bytes()).map_err(build_err)?;
    let mut entries: Vec<RevokedCert> = Vec::new();
    for (serial, day) in revoked {
        entries.push(RevokedCert {
            serial_number: SerialNumber::new(
                &unhex(serial).ok_or_else(|| build_err("序列号无效"))?,
            )
            .map_err(build_err)?,
            revocation_date: day_time(day, false)?,
            crl_entry_extensions: None,
        });
    }
    let builder =
        CrlBuilder::new_with_this_update(&root, CrlNumber(number), day_time(this_update, false)?)
            .map_err(build_err)?
            .with_certificates(entries.into_iter());
    sign_with(builder, authority_key)?
        .to_der()
        .map_err(build_err)
}

/// The serials (hex) a CRL lists, after checking it is the authority's and its signature.
pub fn crl_serials(crl: &[u8], authority_cert: &[u8]) -> Result<Vec<String>, CertError> {
    Ok(read_crl(crl, authority_cert)?
        .revoked
        .into_iter()
        .map(|(serial, _)| serial)
        .collect())
}

/// What a CRL says, once checked against its issuer's certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrlContents {
    /// The day it was issued (`YYYY-MM-DD`).
    pub this_update: String,
    /// The day the next one is due, if it says.
    pub next_update: Option<String>,
    /// The revoked certificates: serial (hex) and the day revoked.
    pub revoked: Vec<(String, String)>,
}

/// Reads a CRL (DER) issued by `authority_cert`: the issuer must be that certificate's subject, the
/// algorithm SM2 with SM3 and the signature verify with its key.
pub fn read_crl(crl: &[u8], authority_cert: &[u8]) -> Result<CrlContents, CertError> {
    let bad = |e: &dyn std::fmt::Display| CertError::BadCrl(e.to_string());
    let list: CertificateList = CertificateList::from_der(crl).map_err(|e| bad(&e))?;
    let root = Certificate::from_der(authority_cert).map_err(malformed)?;
    if &list.tbs_cert_list.issuer != root.tbs_certificate().subject() {
        return Err(bad(&"签发者不是本制章机构"));
    }
    if list.signature_algorithm.oid != SM2_SM3 {
        return Err(bad(&"签名算法不是 SM2/SM3"));
    }
    let tbs = list.tbs_cert_list.to_der().map_err(|e| bad(&e))?;
    let key = read_certificate(authority_cert)?.public_key;
    let sig = list.signature.as_bytes().ok_or_else(|| bad(&"签名无效"))?;
    crate::keys::verify(&key, &tbs, sig).map_err(|_| bad(&"制章机构的签名验证失败"))?;
    let tbs = list.tbs_cert_list;
    Ok(CrlContents {
        this_update: day_of(&tbs.this_update),
        next_update: tbs.next_update.as_ref().map(day_of),
        revoked: tbs
            .revoked_certificates
            .unwrap_or_default()
            .iter()
            .map(|r| (hex(r.serial_number.as_bytes()), day_of(&r.revocation_date)))
            .collect(),
    })
}

/// The authority with its key opened: makes the root once, then issues each seal's certificate
/// and its seal data (SES_Seal).
#[derive(Clone)]
pub struct Authority {
    pub key: SealKey,
    /// The root certificate (DER).
    pub cert: Vec<u8>,
}

impl std::fmt::Debug for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Authority({})", self.key.public_hex())
    }
}

/// A seal's certificate and seal data as the authority issues them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedSeal {
    pub serial: String,
    pub cert: Vec<u8>,
    pub eseal: Vec<u8>,
}

/// The seal's size on paper (millimetres), as the seal data records it.
pub const SEAL_SIZE_MM: u32 = 42;

impl Authority {
    /// A new authority: a new key and its root certificate, valid `from` to `until`.
    pub fn create(name: &str, from: &str, until: &str) -> Result<Self, CertError> {
        let key = SealKey::generate();
        let cert = root_certificate(&key, name, from, until)?;
        Ok(Authority { key, cert })
    }

    /// The root's subject.
    pub fn name(&self) -> String {
        read_certificate(&self.cert)
            .map(|c| c.subject)
            .unwrap_or_default()
    }

    /// Issues a seal's certificate (subject the holder, the seal's validity) and its seal data
    /// with its picture (`png`), made on `today`.
    pub fn issue(
        &self,
        seal: &crate::SealInfo,
        png: &[u8],
        today: &str,
    ) -> Result<IssuedSeal, crate::ses::SesError> {
        let serial = seal_serial(seal.id);
        let cert = seal_certificate(
            &self.key,
            &self.cert,
            &seal.public_key,
            &seal.holder,
            &seal.name,
            &serial,
            &seal.valid_from,
            &seal.valid_until,
        )?;
        let eseal = crate::ses::make_seal(
            &self.key,
            &self.cert,
            &crate::ses::SealData {
                es_id: &format!("YY{:010}", seal.id),
                name: &seal.name,
                signer_cert: &cert,
                created: today,
                valid_start: &seal.valid_from,
                valid_end: &seal.valid_until,
                png,
                size_mm: SEAL_SIZE_MM,
            },
        )?;
        Ok(IssuedSeal {
            serial,
            cert,
            eseal,
        })
    }
}

/// A test authority: 汉阴县's seal maker, valid 2025 to 2045, a new key each time.
#[cfg(test)]
pub(crate) fn test_root() -> Authority {
    Authority::create("汉阴县电子印章制作机构", "2025-01-01", "2045-01-01").unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_root_issues_seal_certificates_and_revokes_them() {
        let Authority {
            key: root_key,
            cert: root,
        } = test_root();
        let info = read_certificate(&root).unwrap();
        assert_eq!(info.subject, "汉阴县电子印章制作机构");
        assert!(info.ca);
        check_issued(&root, &root).expect("self-signed");

        let seal = SealKey::generate();
        let serial = seal_serial(7);
        let cert = seal_certificate(
            &root_key,
            &root,
            &seal.public_hex(),
            "汉阴县行政审批服务局",
            "汉阴县行政审批服务局行政审批专用章",
            &serial,
            "2025-03-01",
            "2030-03-01",
        )
        .unwrap();
        let info = check_issued(&cert, &root).unwrap();
        assert_eq!(info.subject, "汉阴县行政审批服务局");
        assert_eq!(info.issuer, "汉阴县电子印章制作机构");
        assert_eq!(info.public_key, seal.public_hex());
        assert_eq!(info.serial, serial);
        assert_eq!(
            (info.not_before.as_str(), info.not_after.as_str()),
            ("2025-03-01", "2030-03-01")
        );
        assert!(!info.ca);

        // Another root did not issue it; a changed byte breaks it.
        let Authority { cert: other, .. } = test_root();
        assert!(matches!(
            check_issued(&cert, &other),
            Err(CertError::NotIssuedBy { .. })
        ));
        let mut changed = cert.clone();
        let at = changed.len() / 2;
        changed[at] ^= 1;
        assert!(check_issued(&changed, &root).is_err());

        let list = crl(
            &root_key,
            &root,
            &[(serial.clone(), "2026-01-02".into())],
            1,
            "2026-01-02",
        )
        .unwrap();
        assert_eq!(crl_serials(&list, &root).unwrap(), vec![serial]);
        assert!(crl_serials(&list, &other).is_err());
        let empty = crl(&root_key, &root, &[], 2, "2026-01-03").unwrap();
        assert!(crl_serials(&empty, &root).unwrap().is_empty());
    }
}
