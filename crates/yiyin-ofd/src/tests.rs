//! Unit tests of the OFD writer and its signature.

use super::*;
use yiyin_domain::catalog::LicenceEntry;
use yiyin_domain::engine::DocumentKind;
use yiyin_seal::testing::sealed_sample;

pub(crate) fn sample(recipient: &str) -> (SealKey, SealedDocument, DocumentRecord) {
    let key = SealKey::generate();
    let entry = LicenceEntry::plain;
    let record = DocumentRecord {
        kind: DocumentKind::SupplementNotice,
        title: "食品经营许可证".into(),
        number: "JY16124210000012".into(),
        case_number: "HY2026000001".into(),
        recipient: recipient.into(),
        issued_on: yiyin_domain::calendar::parse_date("2026-06-16").unwrap(),
        agency: "汉阴县行政审批服务局".into(),
        seal: "汉阴县行政审批服务局行政审批专用章".into(),
        paragraphs: vec![
            format!("{recipient}："),
            "经审查，你（单位）的申请符合法定条件、标准，依照《中华人民共和国行政许可法》第三十八条第一款的规定，准予行政许可。".into(),
        ],
        list: vec![],
        identifier: Some("1.2.156.3005.2.11610000MB1234567X.JY16124210000012.001".into()),
        valid_until: yiyin_domain::calendar::parse_date("2031-06-15").ok(),
        contents: vec![
            entry("premises", "经营场所", "汉阴县城关镇北城街1号一层"),
            entry("business_items", "经营项目", "热食类食品制售 <&>"),
        ],
    };
    let sealed = sealed_sample(serde_json::to_value(&record).unwrap(), &key);
    (key, sealed, record)
}

const VERIFY: Verification = Verification {
    url: "http://127.0.0.1:8080/verify?number=x&code=ABCDEFGHJKMN",
    code: "ABCDEFGHJKMN",
};

/// A test seal-making authority's certificate and seal data for a sample's seal.
pub(crate) fn issued(sealed: &SealedDocument) -> yiyin_seal::authority::IssuedSeal {
    let authority = yiyin_seal::authority::Authority::create(
        "测试电子印章制作机构",
        "2025-01-01",
        "2045-01-01",
    )
    .unwrap();
    authority
        .issue(
            &sealed.seal,
            &raster::seal_png(&sealed.seal.name, 64),
            "2026-01-01",
        )
        .unwrap()
}

/// Renders a sample signed with its seal, certified by a test authority.
pub(crate) fn render_signed(
    sealed: &SealedDocument,
    record: &DocumentRecord,
    key: &SealKey,
    at: &str,
) -> Result<Vec<u8>, OfdError> {
    let issued = issued(sealed);
    let signer = Signer {
        key,
        cert: &issued.cert,
        seal: &issued.eseal,
    };
    render(sealed, record, &VERIFY, &signer, at)
}

fn rezip(files: &BTreeMap<String, Vec<u8>>) -> Vec<u8> {
    pack(files).unwrap()
}

#[test]
fn an_ofd_has_the_parts_gb_t_33190_names_and_verifies() {
    let (key, sealed, record) = sample("王𠮷");
    let ofd = render_signed(&sealed, &record, &key, "2026-06-16T09:00:01+08:00").unwrap();
    assert!(is_ofd(&ofd));
    let files = unzip(&ofd).unwrap();
    for part in [
        "OFD.xml",
        "Doc_0/Document.xml",
        "Doc_0/PublicRes.xml",
        "Doc_0/DocumentRes.xml",
        "Doc_0/Pages/Page_0/Content.xml",
        "Doc_0/Res/font_0.otf",
        "Doc_0/Res/image_0.png",
        "Doc_0/Res/image_1.png",
        "Doc_0/Attachs/Attachments.xml",
        RECORD_PATH,
        sign::SIGNATURES,
        sign::SIGNATURE,
        sign::SIGNED_VALUE,
    ] {
        assert!(files.contains_key(part), "{part} in {:?}", files.keys());
    }
    let ofd_xml = String::from_utf8(files["OFD.xml"].clone()).unwrap();
    assert!(ofd_xml.contains("<ofd:CustomData Name=\"证照标识\">1.2.156.3005.2.11610000MB1234567X.JY16124210000012.001</ofd:CustomData>"), "{ofd_xml}");
    assert!(ofd_xml.contains("<ofd:Signatures>Doc_0/Signs/Signatures.xml</ofd:Signatures>"));
    let page = String::from_utf8(files["Doc_0/Pages/Page_0/Content.xml"].clone()).unwrap();
    assert!(page.contains(">王𠮷：</ofd:TextCode>"), "{page}");
    assert!(page.contains("热食类食品制售 &lt;&amp;&gt;"));
    assert!(page.contains("<ofd:CGTransform"));
    let document = String::from_utf8(files["Doc_0/Document.xml"].clone()).unwrap();
    assert!(document.contains("<ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox>"));
    // The font subsets stay small.
    assert!(files["Doc_0/Res/font_0.otf"].len() < 200_000);
    assert_eq!(verify(&ofd).unwrap(), sealed);
    assert_eq!(embedded_record(&ofd).unwrap(), sealed);
    std::fs::write(std::env::temp_dir().join("yiyin-sample.ofd"), &ofd).unwrap();
}

/// The text between `from` and the next `to` after it in `s`, and what follows.
fn between<'a>(s: &'a str, from: &str, to: &str) -> (&'a str, &'a str) {
    let start = s.find(from).unwrap() + from.len();
    let len = s[start..].find(to).unwrap();
    (&s[start..start + len], &s[start + len..])
}

#[test]
fn each_character_maps_to_its_glyph_in_the_embedded_font() {
    // Rare characters too: beyond the BMP, and 䶶 and 鿫 of the fallback font.
    let (key, sealed, record) = sample("王𠮷䶮䶶鿫");
    let ofd = render_signed(&sealed, &record, &key, "2026-06-16T09:00:01+08:00").unwrap();
    let files = unzip(&ofd).unwrap();
    let public = String::from_utf8(files["Doc_0/PublicRes.xml"].clone()).unwrap();
    let mut fonts = BTreeMap::new();
    for font in public.split("<ofd:Font ID=\"").skip(1) {
        let (id, rest) = font.split_once('"').unwrap();
        let (file, _) = between(rest, "<ofd:FontFile>", "<");
        fonts.insert(id.to_string(), &files[&format!("Doc_0/Res/{file}")]);
    }
    assert_eq!(fonts.len(), 2, "{public}");
    let page = String::from_utf8(files["Doc_0/Pages/Page_0/Content.xml"].clone()).unwrap();
    let mut checked = String::new();
    for object in page.split("<ofd:TextObject ").skip(1) {
        let (font, rest) = between(object, "Font=\"", "\"");
        let (glyphs, rest) = between(rest, "<ofd:Glyphs>", "<");
        let (code, _) = between(rest, "<ofd:TextCode", "</ofd:TextCode>");
        let text = code
            .split_once('>')
            .unwrap()
            .1
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&");
        let face = Face::parse(fonts[font], 0).unwrap();
        let glyphs: Vec<u16> = glyphs.split(' ').map(|g| g.parse().unwrap()).collect();
        let mapped: Vec<u16> = text
            .chars()
            .map(|c| face.glyph_index(c).map_or(0, |g| g.0))
            .collect();
        assert_eq!(mapped, glyphs, "{text} in font {font}");
        for (c, g) in text.chars().zip(glyphs) {
            assert!(
                c.is_whitespace() || face.outline_glyph(GlyphId(g), &mut NoPen).is_some(),
                "{c} has no outline"
            );
        }
        checked.push_str(&text);
    }
    assert!(checked.contains("王𠮷䶮䶶鿫："), "{checked}");
}

/// An outline sink that keeps nothing (only whether a glyph has an outline matters).
struct NoPen;

impl ttf_parser::OutlineBuilder for NoPen {
    fn move_to(&mut self, _: f32, _: f32) {}
    fn line_to(&mut self, _: f32, _: f32) {}
    fn quad_to(&mut self, _: f32, _: f32, _: f32, _: f32) {}
    fn curve_to(&mut self, _: f32, _: f32, _: f32, _: f32, _: f32, _: f32) {}
    fn close(&mut self) {}
}

#[test]
fn a_changed_byte_in_any_signed_part_is_caught() {
    let (key, sealed, record) = sample("汉阴县月河餐饮有限公司");
    let ofd = render_signed(&sealed, &record, &key, "2026-06-16T09:00:01+08:00").unwrap();
    let files = unzip(&ofd).unwrap();
    for path in files.keys() {
        let mut changed = files.clone();
        let bytes = changed.get_mut(path).unwrap();
        let at = bytes.len() / 2;
        bytes[at] ^= 0x01;
        let err = verify(&rezip(&changed)).expect_err(path);
        if path != RECORD_PATH && path != sign::SIGNATURES {
            assert!(
                matches!(
                    err,
                    OfdVerifyError::Signature(_) | OfdVerifyError::NoSignature
                ),
                "{path}: {err}"
            );
        }
    }
    // A file added after signing.
    let mut added = files.clone();
    added.insert("Doc_0/Res/extra.png".into(), b"x".to_vec());
    let err = verify(&rezip(&added)).unwrap_err();
    assert!(err.to_string().contains("extra.png"), "{err}");
    // A file taken away.
    let mut removed = files.clone();
    removed.remove("Doc_0/Res/image_1.png");
    assert!(verify(&rezip(&removed)).is_err());
    // Another seal's key does not verify it.
    let other = SealKey::generate();
    assert!(verify_signature(&ofd, &other.public_hex()).is_err());
    assert!(verify_signature(&ofd, &key.public_hex()).is_ok());
    // Not an OFD at all.
    assert!(matches!(
        verify(b"PK nothing"),
        Err(OfdVerifyError::NotOfd(_))
    ));
}

#[test]
fn long_documents_go_on_to_further_pages() {
    let (key, _, mut record) = sample("汉阴县月河餐饮有限公司");
    record.paragraphs.push("第二段。".repeat(400));
    let sealed = sealed_sample(serde_json::to_value(&record).unwrap(), &key);
    let ofd = render_signed(&sealed, &record, &key, "2026-06-16T09:00:01+08:00").unwrap();
    let files = unzip(&ofd).unwrap();
    assert!(files.contains_key("Doc_0/Pages/Page_1/Content.xml"));
    let pdf_pages = yiyin_pdf::layout::layout(&sealed, &record, &VERIFY).len();
    let ofd_pages = files.keys().filter(|k| k.ends_with("/Content.xml")).count();
    assert_eq!(pdf_pages, ofd_pages);
    verify(&ofd).unwrap();
}

#[test]
fn a_simulated_document_carries_the_watermark_as_in_the_pdf() {
    let (key, plain, record) = sample("汉阴县月河餐饮有限公司");
    let mut document = serde_json::to_value(&record).unwrap();
    document["simulated"] = serde_json::Value::Bool(true);
    let sealed = SealedDocument::seal(document, plain.seal.clone(), &key, &plain.signed_at);
    let ofd = render_signed(&sealed, &record, &key, "2026-06-16T09:00:01+08:00").unwrap();
    let page =
        String::from_utf8(unzip(&ofd).unwrap()["Doc_0/Pages/Page_0/Content.xml"].clone()).unwrap();
    let mark = yiyin_domain::simulation::WATERMARK;
    assert!(page.contains(&format!(">{mark}</ofd:TextCode>")), "{page}");
    let real = render_signed(&plain, &record, &key, "2026-06-16T09:00:01+08:00").unwrap();
    let page =
        String::from_utf8(unzip(&real).unwrap()["Doc_0/Pages/Page_0/Content.xml"].clone()).unwrap();
    assert!(!page.contains(&format!(">{mark}</ofd:TextCode>")));
}
