#![allow(dead_code)] // each test binary uses its part

//! What the OFD tests share: a sample licence sealed by a test seal, and its OFD signed with a
//! certificate and seal data from a test seal-making authority.

use yiyin_domain::calendar::parse_date;
use yiyin_domain::catalog::LicenceEntry;
use yiyin_domain::documents::DocumentRecord;
use yiyin_domain::engine::DocumentKind;
use yiyin_pdf::Verification;
use yiyin_seal::authority::{Authority, IssuedSeal};
use yiyin_seal::testing::sealed_sample;
use yiyin_seal::{SealKey, SealedDocument};

/// Rare name characters: 𠮷 (Ext B), 䶮 (Ext A), level-2 ones, U+4DB6 and U+9FEB (fallback font).
pub const RARE: &str = "王𠮷喆堃䶮㛃𪟝𫟦𬀪䶶鿫";

pub fn licence(recipient: &str, more: Vec<String>) -> (SealKey, SealedDocument, DocumentRecord) {
    let key = SealKey::generate();
    let record = DocumentRecord {
        kind: DocumentKind::SupplementNotice,
        title: "食品经营许可证".into(),
        number: "JY16124210000012".into(),
        case_number: "HY2026000001".into(),
        recipient: recipient.into(),
        issued_on: parse_date("2026-06-16").unwrap(),
        agency: "汉阴县行政审批服务局".into(),
        seal: "汉阴县行政审批服务局行政审批专用章".into(),
        paragraphs: [format!("{recipient}："), "经审查，准予行政许可。".into()]
            .into_iter()
            .chain(more)
            .collect(),
        list: vec![],
        identifier: Some("1.2.156.3005.2.11610000MB1234567X.JY16124210000012.001".into()),
        valid_until: parse_date("2031-06-15").ok(),
        contents: vec![LicenceEntry::plain(
            "premises",
            "经营场所",
            "汉阴县城关镇北城街1号",
        )],
    };
    let sealed = sealed_sample(serde_json::to_value(&record).unwrap(), &key);
    (key, sealed, record)
}

/// A test authority and what it issued for the sample's seal.
pub fn authority(sealed: &SealedDocument) -> (Authority, IssuedSeal) {
    let authority = Authority::create("测试电子印章制作机构", "2025-01-01", "2045-01-01").unwrap();
    let png = yiyin_ofd::raster::seal_png(&sealed.seal.name, 64);
    let issued = authority.issue(&sealed.seal, &png, "2026-01-01").unwrap();
    (authority, issued)
}

/// The sample's OFD, signed at `at` with its seal certified by `issued`.
pub fn render(
    key: &SealKey,
    issued: &IssuedSeal,
    sealed: &SealedDocument,
    record: &DocumentRecord,
    verification: &Verification,
    at: &str,
) -> Vec<u8> {
    let signer = yiyin_ofd::Signer {
        key,
        cert: &issued.cert,
        seal: &issued.eseal,
    };
    yiyin_ofd::render(sealed, record, verification, &signer, at).unwrap()
}
