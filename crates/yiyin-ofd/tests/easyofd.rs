//! An independent check of the OFD writer: easyofd (PyPI, which `scripts/test` installs) opens the
//! packages and reads back their pages, text, fonts and images. Rare characters (GB 18030 levels 1
//! and 2, beyond the BMP and in the fallback font) must come back unchanged, and every character
//! must show when drawn with the font embedded for it (found through the font's character map, as
//! the glyph `ofd:CGTransform` names; drawn by FreeType through Pillow, see
//! `tests/clients/easyofd_check.py`).

use std::process::Command;

use yiyin_pdf::Verification;

mod support;
use support::{RARE, authority, licence, render};

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
    let (_, issued) = authority(&sealed);
    let ofd = render(
        &key,
        &issued,
        &sealed,
        &record,
        &verification,
        "2026-06-16T09:00:01+08:00",
    );
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
    // Each character, rare ones included, shows in its embedded font.
    assert_eq!(read["unrendered"], serde_json::json!([]), "{read}");
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
    let (_, issued) = authority(&sealed);
    let at = "2026-06-16T09:00:01+08:00";
    let ofd = render(&key, &issued, &sealed, &record, &verification, at);
    let read = easyofd(&ofd, "long");
    let pages = yiyin_pdf::layout::layout(&sealed, &record, &verification).len();
    assert!(pages >= 2);
    assert_eq!(read["pages"], pages, "{read}");
    let text = read["text"].as_str().unwrap();
    assert_eq!(text.matches("续页文字").count(), 300, "{text}");
    assert_eq!(read["unrendered"], serde_json::json!([]), "{read}");
}
