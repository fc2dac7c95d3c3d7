//! An independent check of the OFD writer: easyofd (PyPI, which `scripts/test` installs) opens the
//! packages and reads back their pages, text, fonts and images. Rare characters (GB 18030 levels 1
//! and 2, beyond the BMP and in the fallback font) must come back unchanged.

use std::process::Command;

use yiyin_domain::calendar::parse_date;
use yiyin_domain::catalog::LicenceEntry;
use yiyin_domain::documents::DocumentRecord;
use yiyin_domain::engine::DocumentKind;
use yiyin_pdf::Verification;
use yiyin_seal::{SealInfo, SealKey, SealedDocument};

/// Rare name characters: 𠮷 (Ext B), 䶮 (Ext A), level-2 ones, U+4DB6 and U+9FEB (fallback font).
const RARE: &str = "王𠮷喆堃䶮㛃𪟝𫟦𬀪䶶鿫";

fn licence(recipient: &str, more: Vec<String>) -> (SealKey, SealedDocument, DocumentRecord) {
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
        contents: vec![LicenceEntry {
            key: "premises".into(),
            label: "经营场所".into(),
            value: "汉阴县城关镇北城街1号".into(),
            personal: None,
            layout: Default::default(),
        }],
    };
    let seal = SealInfo {
        id: 1,
        name: record.seal.clone(),
        holder: record.agency.clone(),
        public_key: key.public_hex(),
        valid_from: "2026-01-01".into(),
        valid_until: "2030-12-31".into(),
    };
    let sealed = SealedDocument::seal(
        serde_json::to_value(&record).unwrap(),
        seal,
        &key,
        "2026-06-16T09:00:00+08:00",
    );
    (key, sealed, record)
}

/// What easyofd reads from an OFD.
fn easyofd(ofd: &[u8], name: &str) -> serde_json::Value {
    let path = std::env::temp_dir().join(format!("yiyin-{name}-{}.ofd", std::process::id()));
    std::fs::write(&path, ofd).unwrap();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/clients/easyofd_check.py"
    );
    let out = Command::new("python3")
        .arg(script)
        .arg(&path)
        .output()
        .expect("python3 runs");
    std::fs::remove_file(&path).ok();
    assert!(
        out.status.success(),
        "easyofd (PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install easyofd): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let last = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(last).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[test]
fn easyofd_reads_the_pages_text_fonts_and_images() {
    let (key, sealed, record) = licence(RARE, vec![]);
    let verification = Verification {
        url: "http://127.0.0.1:8080/verify?number=JY16124210000012&code=ABCDEFGHJKMN",
        code: "ABCDEFGHJKMN",
    };
    let ofd = yiyin_ofd::render(
        &sealed,
        &record,
        &verification,
        &key,
        "2026-06-16T09:00:01+08:00",
    )
    .unwrap();
    let read = easyofd(&ofd, "licence");
    assert_eq!(read["pages"], 1, "{read}");
    assert_eq!(
        read["page_size"],
        serde_json::json!([0.0, 0.0, 210.0, 297.0])
    );
    let text = read["text"].as_str().unwrap();
    for said in [
        "汉阴县行政审批服务局",
        "食品经营许可证",
        "JY16124210000012",
        &format!("{RARE}："),
        "经营场所",
        "汉阴县城关镇北城街1号",
        "2026年6月16日",
        "核验码：ABCDEFGHJKMN",
    ] {
        assert!(text.contains(said), "{said} missing from {text}");
    }
    for c in RARE.chars() {
        assert!(
            text.contains(c),
            "U+{:04X} {c} missing from {text}",
            c as u32
        );
    }
    // Both fonts (the fallback sets 䶶 and 鿫), embedded; the seal and the QR code as PNG.
    assert_eq!(
        read["fonts"],
        serde_json::json!(["Noto Serif CJK SC", "Unifont"]),
        "{read}"
    );
    assert_eq!(read["fonts_embedded"], true);
    assert_eq!(
        read["images"],
        serde_json::json!([["PNG", true], ["PNG", true]]),
        "{read}"
    );
    // And Yiyin's own check agrees.
    assert_eq!(yiyin_ofd::verify(&ofd).unwrap(), sealed);
}

#[test]
fn easyofd_reads_every_page_of_a_long_document() {
    let (key, sealed, record) = licence("汉阴县月河餐饮有限公司", vec!["续页文字。".repeat(300)]);
    let verification = Verification {
        url: "http://127.0.0.1:8080/verify",
        code: "ABCDEFGHJKMN",
    };
    let ofd = yiyin_ofd::render(&sealed, &record, &verification, &key, "t").unwrap();
    let read = easyofd(&ofd, "long");
    let pages = yiyin_pdf::layout::layout(&sealed, &record, &verification).len();
    assert!(pages >= 2);
    assert_eq!(read["pages"], pages, "{read}");
    let text = read["text"].as_str().unwrap();
    assert_eq!(text.matches("续页文字").count(), 300, "{text}");
}
