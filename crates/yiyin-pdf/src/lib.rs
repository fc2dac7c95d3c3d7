//! Printable documents: an A4 PDF of a sealed document — the agency's heading, the title and number,
//! the formal text in an embedded CJK font (Noto Serif CJK SC, subset), the red round seal over the
//! signature block, and a QR code leading to the public verification page.
//!
//! The fonts cover GB 18030-2022 implementation levels 1 and 2 (every CJK Unified Ideograph to
//! U+9FEF, all of Extension A, the 196 level-2 ideographs names need, such as 𠮷 and 䶮): each
//! character is set in the main font where it has a glyph, else in the fallback font (text runs are
//! split by font). Only the glyphs a document uses are embedded (krilla subsets at render time).
//!
//! The PDF carries its sealed record (JSON) as an embedded file, and ends with one more line after
//! `%%EOF`: `%YIYIN-PDF-SIGNATURE <hex>` — the seal's SM2 signature over every byte before that line.
//! [`verify`] therefore needs nothing but the file: it takes the record out, checks the record's own
//! signature, and checks that not one byte of the PDF changed since it was signed.

use krilla::Document;
use krilla::color::rgb;
use krilla::embed::{AssociationKind, EmbeddedFile, MimeType};
use krilla::geom::{PathBuilder, Point, Rect, Transform};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule, LineCap, LineJoin, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use std::sync::OnceLock;
use yiyin_domain::documents::DocumentRecord;
use yiyin_seal::drawing::{self, RED};
use yiyin_seal::keys::verify as verify_signature;
use yiyin_seal::{SealKey, SealedDocument, hex, unhex};

pub mod layout;
mod sheet;
pub use sheet::{Sheet, render_sheet};

/// The main font: Noto Serif CJK SC, subset to GB 18030-2022 levels 1 and 2 (SIL Open Font License
/// 1.1; `fonts/build.py` makes it).
pub const FONT: &[u8] = include_bytes!("../fonts/NotoSerifCJKsc-Regular-subset.otf");
/// The fallback font, for the few characters the main font lacks (U+4DB6–U+4DBF, U+9FEB–U+9FEF, …):
/// GNU Unifont, subset (SIL Open Font License 1.1).
pub const FALLBACK_FONT: &[u8] = include_bytes!("../fonts/Unifont-subset.otf");

/// The marker of the trailing signature line.
pub const SIGNATURE_MARK: &[u8] = b"%YIYIN-PDF-SIGNATURE ";
/// The name of the embedded record.
pub const RECORD_NAME: &str = "sealed-document.json";

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 72.0;

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("无法生成PDF：{0}")]
    Render(String),
}

/// Why a PDF does not verify, in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdfVerifyError {
    #[error("文件末尾没有一印的签名行：不是一印签发的PDF，或文件末尾被改动")]
    NoSignature,
    #[error("文件中找不到签章记录：不是一印签发的PDF，或内容被改动")]
    NoRecord,
    #[error("签章记录无效：{0}")]
    Record(#[from] yiyin_seal::VerifyError),
    #[error("PDF文件内容与签章时不一致（签名校验失败）：文件在签发后被改动过")]
    Changed,
}

fn red() -> rgb::Color {
    rgb::Color::new(RED.0, RED.1, RED.2)
}

fn fill(color: rgb::Color) -> Fill {
    Fill {
        paint: color.into(),
        opacity: NormalizedF32::ONE,
        rule: FillRule::NonZero,
    }
}

/// One embedded font: krilla's handle (cheap to clone) and a parsed face to look glyphs up in.
struct Face {
    font: Font,
    face: ttf_parser::Face<'static>,
}

impl Face {
    fn load(data: &'static [u8]) -> Face {
        Face {
            font: Font::new(data.into(), 0).expect("the embedded font loads"),
            face: ttf_parser::Face::parse(data, 0).expect("the embedded font parses"),
        }
    }

    /// The advance of `c` at `size`, if the font has a real glyph for it (not .notdef).
    fn advance(&self, c: char, size: f32) -> Option<f32> {
        let glyph = self.face.glyph_index(c).filter(|g| g.0 != 0)?;
        let units = self.face.glyph_hor_advance(glyph).unwrap_or(0);
        Some(f32::from(units) * size / f32::from(self.face.units_per_em()))
    }
}

/// The main and fallback fonts, loaded once per process.
fn faces() -> &'static [Face; 2] {
    static FACES: OnceLock<[Face; 2]> = OnceLock::new();
    FACES.get_or_init(|| [Face::load(FONT), Face::load(FALLBACK_FONT)])
}

/// Which font sets `c` (0: main, 1: fallback), and its advance at `size`. A character neither has
/// is left to the main font (its .notdef box), half an em wide if ASCII, else an em.
fn font_for(c: char, size: f32) -> (usize, f32) {
    let faces = faces();
    faces
        .iter()
        .enumerate()
        .find_map(|(i, f)| f.advance(c, size).map(|w| (i, w)))
        .unwrap_or((0, if c.is_ascii() { size * 0.5 } else { size }))
}

/// Whether the embedded fonts have a real glyph for `c`.
pub fn can_print(c: char) -> bool {
    faces().iter().any(|f| f.advance(c, 1.0).is_some())
}

/// The advance of text as set.
fn width(text: &str, size: f32) -> f32 {
    text.chars().map(|c| font_for(c, size).1).sum()
}

/// Breaks a paragraph into lines no wider than `max`, the first indented by two characters.
fn wrap(text: &str, size: f32, max: f32, indent: bool) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut w = if indent { size * 2.0 } else { 0.0 };
    for c in text.chars() {
        let cw = width(&c.to_string(), size);
        if w + cw > max && !line.is_empty() {
            // Closing punctuation does not start a line.
            if "，。、；：？！）》」』”’".contains(c) {
                line.push(c);
                lines.push(std::mem::take(&mut line));
                w = 0.0;
                continue;
            }
            lines.push(std::mem::take(&mut line));
            w = 0.0;
        }
        line.push(c);
        w += cw;
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Sets `s` from (x, y) on its baseline: each run of characters in the font that has them.
fn text(surface: &mut Surface, x: f32, y: f32, size: f32, s: &str) {
    draw_runs(surface, y, size, &layout::runs(x, size, s));
}

fn draw_runs(surface: &mut Surface, y: f32, size: f32, runs: &[layout::Run]) {
    let faces = faces();
    for run in runs {
        surface.draw_text(
            Point::from_xy(run.x, y),
            faces[run.font].font.clone(),
            size,
            &run.text,
            false,
            TextDirection::Auto,
        );
    }
}

/// Paints one mark of a page's layout.
fn paint(s: &mut Surface, mark: &layout::Mark) {
    let color = |(r, g, b): layout::Rgb| rgb::Color::new(r, g, b);
    match mark {
        layout::Mark::Text {
            y,
            size,
            color: c,
            runs,
        } => {
            s.set_fill(Some(fill(color(*c))));
            draw_runs(s, *y, *size, runs);
        }
        layout::Mark::Bar {
            x,
            y,
            w,
            h,
            color: c,
        } => {
            s.set_fill(Some(fill(color(*c))));
            let mut pb = PathBuilder::new();
            if let Some(r) = Rect::from_xywh(*x, *y, *w, *h) {
                pb.push_rect(r);
            }
            if let Some(p) = pb.finish() {
                s.draw_path(&p);
            }
        }
        layout::Mark::Row {
            x,
            top,
            w,
            h,
            label_w,
        } => table_row(s, *x, *top, *label_w, *w, *h),
        layout::Mark::Seal { name, x, y, size } => draw_seal(s, name, *x, *y, *size),
        layout::Mark::Qr { data, x, y, side } => draw_qr(s, data, *x, *y, *side),
    }
}

/// The rules of one row of a table from `top`, `h` high: its box and the line between label and
/// value.
fn table_row(surface: &mut Surface, x: f32, top: f32, label_w: f32, width: f32, h: f32) {
    surface.set_fill(None);
    surface.set_stroke(Some(Stroke {
        paint: rgb::Color::black().into(),
        width: layout::RULE_WIDTH,
        miter_limit: 4.0,
        line_cap: LineCap::Butt,
        line_join: LineJoin::Miter,
        opacity: NormalizedF32::ONE,
        dash: None,
    }));
    let mut pb = PathBuilder::new();
    if let Some(r) = Rect::from_xywh(x, top, width, h) {
        pb.push_rect(r);
    }
    pb.move_to(x + label_w, top);
    pb.line_to(x + label_w, top + h);
    if let Some(p) = pb.finish() {
        surface.draw_path(&p);
    }
    surface.set_stroke(None);
}

fn centred(surface: &mut Surface, y: f32, size: f32, s: &str) {
    text(surface, (PAGE_W - width(s, size)) / 2.0, y, size, s);
}

/// Draws the seal with its top-left corner at (x, y).
fn draw_seal(surface: &mut Surface, seal_name: &str, x: f32, y: f32, size: f32) {
    let d = drawing::draw(seal_name, size);
    surface.push_transform(&Transform::from_translate(x, y));
    surface.set_fill(None);
    surface.set_stroke(Some(Stroke {
        paint: red().into(),
        width: d.ring_width,
        miter_limit: 4.0,
        line_cap: LineCap::Butt,
        line_join: LineJoin::Miter,
        opacity: NormalizedF32::new(layout::SEAL_OPACITY).expect("in range"),
        dash: None,
    }));
    let mut pb = PathBuilder::new();
    // A circle from four cubic arcs.
    let (cx, cy, r) = (d.center.0, d.center.1, d.ring_radius);
    let k = 0.552_284_8 * r;
    pb.move_to(cx + r, cy);
    pb.cubic_to(cx + r, cy + k, cx + k, cy + r, cx, cy + r);
    pb.cubic_to(cx - k, cy + r, cx - r, cy + k, cx - r, cy);
    pb.cubic_to(cx - r, cy - k, cx - k, cy - r, cx, cy - r);
    pb.cubic_to(cx + k, cy - r, cx + r, cy - k, cx + r, cy);
    pb.close();
    if let Some(circle) = pb.finish() {
        surface.draw_path(&circle);
    }
    surface.set_stroke(None);
    surface.set_fill(Some(Fill {
        paint: red().into(),
        opacity: NormalizedF32::new(layout::SEAL_OPACITY).expect("in range"),
        rule: FillRule::NonZero,
    }));
    let mut pb = PathBuilder::new();
    for (i, (px, py)) in d.star.iter().enumerate() {
        if i == 0 {
            pb.move_to(*px, *py);
        } else {
            pb.line_to(*px, *py);
        }
    }
    pb.close();
    if let Some(star) = pb.finish() {
        surface.draw_path(&star);
    }
    for c in d.arc.iter().chain(d.bottom.iter()) {
        surface.push_transform(&Transform::from_rotate_at(c.rotation, c.x, c.y));
        let s = c.ch.to_string();
        text(surface, c.x - c.size / 2.0, c.y + c.size * 0.38, c.size, &s);
        surface.pop();
    }
    surface.pop();
}

/// Draws a QR code of `data` with its top-left corner at (x, y) and the given side.
fn draw_qr(surface: &mut Surface, data: &str, x: f32, y: f32, side: f32) {
    let Ok(code) = qrcode::QrCode::new(data.as_bytes()) else {
        return;
    };
    let n = code.width();
    let colors = code.to_colors();
    let cell = side / n as f32;
    surface.set_stroke(None);
    surface.set_fill(Some(fill(rgb::Color::black())));
    let mut pb = PathBuilder::new();
    for (i, c) in colors.iter().enumerate() {
        if *c == qrcode::Color::Dark
            && let Some(r) = Rect::from_xywh(
                x + (i % n) as f32 * cell,
                y + (i / n) as f32 * cell,
                cell,
                cell,
            )
        {
            pb.push_rect(r);
        }
    }
    if let Some(p) = pb.finish() {
        surface.draw_path(&p);
    }
}

/// How a document is verified: the address its QR code carries, and its verification code (printed
/// beside it, for those who type the number in).
#[derive(Debug, Clone, Copy)]
pub struct Verification<'a> {
    pub url: &'a str,
    pub code: &'a str,
}

/// Renders a sealed document to an A4 PDF, embeds the sealed record, and signs the whole file with
/// the seal key (the trailing signature line).
pub fn render(
    sealed: &SealedDocument,
    record: &DocumentRecord,
    verification: &Verification,
    key: &SealKey,
) -> Result<Vec<u8>, PdfError> {
    let pdf = render_unsigned(sealed, record, verification)?;
    let signature = key.sign(&pdf);
    Ok(with_signature(pdf, &signature))
}

/// The PDF [`render`] makes, before its signature: the bytes the seal signs (for a signer
/// elsewhere, a county's own e-seal system); [`with_signature`] completes it.
pub fn render_unsigned(
    sealed: &SealedDocument,
    record: &DocumentRecord,
    verification: &Verification,
) -> Result<Vec<u8>, PdfError> {
    let mut doc = Document::new();
    doc.set_metadata(
        Metadata::new()
            .title(format!("{} {}", record.title, record.number))
            .creator("一印 Yiyin".into()),
    );
    let watermark = simulation_watermark(sealed);
    for marks in layout::layout(sealed, record, verification) {
        let mut page = doc.start_page_with(PageSettings::from_wh(PAGE_W, PAGE_H).expect("A4"));
        let mut s = page.surface();
        for mark in watermark.iter().chain(&marks) {
            paint(&mut s, mark);
        }
        s.finish();
        page.finish();
    }
    let json = serde_json::to_vec(sealed).expect("sealed document serialises");
    doc.embed_file(EmbeddedFile {
        path: RECORD_NAME.into(),
        mime_type: MimeType::new("application/json"),
        description: Some("一印签章记录（SM2/SM3）".into()),
        association_kind: AssociationKind::Source,
        data: json.into(),
        modification_date: None,
        compress: Some(false),
        location: None,
    });
    doc.finish().map_err(|e| PdfError::Render(format!("{e:?}")))
}

/// A PDF from [`render_unsigned`] with the seal's SM2 signature (DER) over it: the trailing
/// signature line.
pub fn with_signature(mut pdf: Vec<u8>, signature: &[u8]) -> Vec<u8> {
    pdf.extend_from_slice(SIGNATURE_MARK);
    pdf.extend_from_slice(hex(signature).as_bytes());
    pdf.push(b'\n');
    pdf
}

/// Whether a sealed record is a simulated document (模拟运行: marked `simulated` by the platform).
pub fn is_simulated(sealed: &SealedDocument) -> bool {
    sealed.document.get("simulated") == Some(&serde_json::Value::Bool(true))
}

/// The watermark of every page of a simulated document, painted first (under the text): a large
/// light 模拟 across the middle of the page and a header line saying it has no legal effect. None
/// for a real document.
pub fn simulation_watermark(sealed: &SealedDocument) -> Vec<layout::Mark> {
    if !is_simulated(sealed) {
        return vec![];
    }
    let centred = |y: f32, size: f32, color: layout::Rgb, text: &str| {
        let w: f32 = layout::runs(0.0, size, text)
            .iter()
            .map(|r| r.width())
            .sum();
        layout::Mark::Text {
            y,
            size,
            color,
            runs: layout::runs((PAGE_W - w) / 2.0, size, text),
        }
    };
    vec![
        centred(
            PAGE_H * 0.55,
            150.0,
            (246, 226, 200),
            yiyin_domain::simulation::WATERMARK,
        ),
        centred(
            60.0,
            12.0,
            (178, 106, 0),
            &format!(
                "【{}】模拟运行 · {}",
                yiyin_domain::simulation::WATERMARK,
                yiyin_domain::simulation::NOT_LEGAL
            ),
        ),
    ]
}

/// The sealed record embedded in a PDF, if any.
pub fn embedded_record(pdf: &[u8]) -> Option<SealedDocument> {
    let start_mark = b"{\"format\":\"yiyin-sealed-document/1\"";
    let start = pdf
        .windows(start_mark.len())
        .position(|w| w == start_mark)?;
    let mut stream =
        serde_json::Deserializer::from_slice(&pdf[start..]).into_iter::<SealedDocument>();
    stream.next()?.ok()
}

/// Verifies a PDF: its trailing signature over every preceding byte, with the key of the seal named
/// in its embedded record; and the record's own signature. Returns the record.
pub fn verify(pdf: &[u8]) -> Result<SealedDocument, PdfVerifyError> {
    let at = pdf
        .windows(SIGNATURE_MARK.len())
        .rposition(|w| w == SIGNATURE_MARK)
        .ok_or(PdfVerifyError::NoSignature)?;
    let (body, tail) = pdf.split_at(at);
    let sig_hex = std::str::from_utf8(&tail[SIGNATURE_MARK.len()..])
        .map_err(|_| PdfVerifyError::NoSignature)?
        .trim();
    let signature = unhex(sig_hex).ok_or(PdfVerifyError::NoSignature)?;
    let record = embedded_record(body).ok_or(PdfVerifyError::NoRecord)?;
    record.verify()?;
    verify_signature(&record.seal.public_key, body, &signature)
        .map_err(|_| PdfVerifyError::Changed)?;
    Ok(record)
}

/// Verifies a file that is either a PDF made by [`render`] or a sealed record in JSON. Returns the
/// record; the error says exactly what is wrong.
pub fn verify_any(bytes: &[u8]) -> Result<SealedDocument, PdfVerifyError> {
    if bytes.starts_with(b"%PDF-") {
        return verify(bytes);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| PdfVerifyError::NoRecord)?;
    let sealed = SealedDocument::from_json(text.trim_start_matches('\u{feff}'))?;
    sealed.verify()?;
    Ok(sealed)
}

/// Test support: the text of a PDF as a reader extracts it. Compiled only for tests and for
/// `yiyin-testkit` (feature `testing`), never into the binary.
#[cfg(any(test, feature = "testing"))]
pub mod testing {
    /// The text of a PDF as a reader extracts it, without white space: poppler's `pdftotext`
    /// (poppler-utils, which `scripts/test` installs) reads the file's own character maps.
    pub fn pdf_text(pdf: &[u8]) -> String {
        static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("yiyin-text-{}-{n}.pdf", std::process::id()));
        std::fs::write(&path, pdf).expect("the PDF is written");
        let out = std::process::Command::new("pdftotext")
            .args(["-enc", "UTF-8"])
            .arg(&path)
            .arg("-")
            .output()
            .expect("pdftotext (poppler-utils) is installed");
        std::fs::remove_file(&path).ok();
        assert!(
            out.status.success(),
            "pdftotext: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .expect("pdftotext writes UTF-8")
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yiyin_domain::catalog::LicenceEntry;
    use yiyin_domain::engine::DocumentKind;
    use yiyin_seal::testing::sealed_sample;

    fn sample() -> (SealKey, SealedDocument, DocumentRecord) {
        let key = SealKey::generate();
        let record = DocumentRecord {
            kind: DocumentKind::SupplementNotice,
            title: "补正材料通知书".into(),
            number: "汉阴审批补字〔2026〕HY2026000001号".into(),
            case_number: "HY2026000001".into(),
            recipient: "汉阴县月河餐饮有限公司".into(),
            issued_on: yiyin_domain::calendar::parse_date("2026-06-16").unwrap(),
            agency: "汉阴县行政审批服务局".into(),
            seal: "汉阴县行政审批服务局行政审批专用章".into(),
            paragraphs: vec![
                "汉阴县月河餐饮有限公司：".into(),
                "你（单位）于2026年6月15日提出的“食品经营许可”申请，经审查，申请材料不齐全或者不符合法定形式。依照《中华人民共和国行政许可法》第三十二条第一款第（四）项的规定，现一次性告知你（单位）需要补正的全部内容如下：".into(),
                "请补正上述全部材料后再次提交。".into(),
            ],
            list: vec!["营业执照".into(), "食品安全规章制度目录清单".into()],
            identifier: None,
            valid_until: None,
            contents: vec![],
        };
        let sealed = sealed_sample(serde_json::to_value(&record).unwrap(), &key);
        (key, sealed, record)
    }

    #[test]
    fn pdfs_verify_and_any_changed_byte_is_caught() {
        let (key, sealed, record) = sample();
        let verification = Verification {
            url: "http://127.0.0.1:8080/verify?number=x&code=ABCDEFGHJKMN",
            code: "ABCDEFGHJKMN",
        };
        let pdf = render(&sealed, &record, &verification, &key).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let back = verify(&pdf).unwrap();
        assert_eq!(back, sealed);
        // One byte changed anywhere in the body is found.
        for at in [10, pdf.len() / 3, pdf.len() / 2, pdf.len() - 200] {
            let mut changed = pdf.clone();
            changed[at] ^= 0x01;
            assert!(verify(&changed).is_err(), "byte {at}");
        }
        let mut cut = pdf.clone();
        cut.truncate(pdf.len() - 10);
        assert!(verify(&cut).is_err());
        assert_eq!(
            verify(b"%PDF-1.7 nothing"),
            Err(PdfVerifyError::NoSignature)
        );
        std::fs::write(std::env::temp_dir().join("yiyin-sample.pdf"), &pdf).unwrap();
    }

    /// The number of pages a PDF says it has (its page tree's count).
    fn pages(pdf: &[u8]) -> usize {
        let mark = b"/Count ";
        let at = pdf.windows(mark.len()).position(|w| w == mark).unwrap() + mark.len();
        let digits: String = pdf[at..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .map(|b| char::from(*b))
            .collect();
        digits.parse().unwrap()
    }

    #[test]
    fn a_text_longer_than_a_page_goes_on_and_still_verifies() {
        let (key, short, mut record) = sample();
        let verification = Verification {
            url: "http://127.0.0.1:8080/verify",
            code: "ABCDEFGHJKMN",
        };
        let one = render(&short, &record, &verification, &key).unwrap();
        assert_eq!(pages(&one), 1);
        record.list = (1..=60).map(|n| format!("第{n}项材料")).collect();
        let sealed = SealedDocument::seal(
            serde_json::to_value(&record).unwrap(),
            short.seal.clone(),
            &key,
            "2026-06-16T09:00:00+08:00",
        );
        let pdf = render(&sealed, &record, &verification, &key).unwrap();
        assert!(pages(&pdf) >= 3, "{} pages", pages(&pdf));
        assert_eq!(verify(&pdf).unwrap(), sealed);
        let text = testing::pdf_text(&pdf);
        assert!(text.contains("60.第60项材料"), "{text}");
        assert!(text.contains("请补正上述全部材料后再次提交"), "{text}");
    }

    #[test]
    fn a_licence_shows_its_contents_as_a_table() {
        let (key, short, mut record) = sample();
        let entry = LicenceEntry::plain;
        record.contents = vec![
            entry("premises", "经营场所", "汉阴县城关镇北城街1号一层"),
            entry("business_items", "经营项目", &"热食类食品制售、".repeat(30)),
            entry("complaint_phone", "投诉举报电话", "12315"),
        ];
        let seal = SealedDocument::seal(
            serde_json::to_value(&record).unwrap(),
            short.seal.clone(),
            &key,
            "2026-06-16T09:00:00+08:00",
        );
        let verification = Verification {
            url: "http://127.0.0.1:8080/verify",
            code: "ABCDEFGHJKMN",
        };
        let pdf = render(&seal, &record, &verification, &key).unwrap();
        assert!(verify(&pdf).is_ok());
        let text = testing::pdf_text(&pdf);
        for said in [
            "经营场所",
            "汉阴县城关镇北城街1号一层",
            "投诉举报电话",
            "12315",
        ] {
            assert!(text.contains(said), "{said}: {text}");
        }
    }

    /// The 196 ideographs GB 18030-2022 adds at implementation level 2 (made by `fonts/build.py`).
    fn level2() -> Vec<char> {
        include_str!("../fonts/gb18030-level2.txt")
            .lines()
            .filter(|l| !l.starts_with('#'))
            .flat_map(str::chars)
            .collect()
    }

    /// Name characters beyond level 1: 𠮷 (Ext B, not in level 2), level-2 ones from Ext B–F, Ext A
    /// ones (䶮 was in Ext A before), and U+4DB6/U+9FEB, which only the fallback font has.
    const RARE_NAME: &str = "王𠮷喆堃䶮";
    const MORE_NAMES: &str = "㛃㻞䲜𠅤𪟝𫟦𬀪𬍛𬳵𬸘䶶鿫";

    #[test]
    fn the_fonts_cover_gb18030_levels_1_and_2() {
        let level2 = level2();
        assert_eq!(level2.len(), 196);
        assert!(level2.contains(&'\u{2B5AF}') && !level2.contains(&'𠮷'));
        let wanted = (0x4E00..=0x9FEF)
            .chain(0x3400..=0x4DBF)
            .filter_map(char::from_u32)
            .chain(level2)
            .chain(RARE_NAME.chars())
            .chain(MORE_NAMES.chars())
            // Some of GB 18030's symbols, punctuation, Latin, Greek, Cyrillic, kana, bopomofo.
            .chain(
                "€≒℃№※→①⑩㈠ⅰⅩ〔〕【】《》「」『』（）：；，。、？！…—·“”‘’％ΩωЖжぁァㄅ︐︙ABCxyz09"
                    .chars(),
            )
            .chain((0x20..0x7F).filter_map(char::from_u32));
        let missing: Vec<String> = wanted
            .filter(|c| !can_print(*c))
            .map(|c| format!("U+{:04X}", c as u32))
            .collect();
        assert!(missing.is_empty(), "no glyph for {missing:?}");
        // The main font sets all but a few; the fallback has the rest.
        assert_eq!(font_for('王', 12.0), (0, 12.0));
        assert_eq!(font_for('𠮷', 12.0), (0, 12.0));
        assert_eq!(font_for('\u{4DB6}', 12.0).0, 1);
        assert_eq!(font_for('\u{9FEF}', 12.0).0, 1);
        assert!(!can_print('\u{E000}'));
    }

    #[test]
    fn rare_name_characters_come_back_from_the_pdf() {
        let (key, plain, mut record) = sample();
        let recipient = format!("{RARE_NAME}{MORE_NAMES}");
        record.recipient = recipient.clone();
        record.paragraphs[0] = format!("{recipient}：");
        let level2: String = level2().into_iter().collect();
        record.paragraphs.push(level2.clone());
        let sealed = SealedDocument::seal(
            serde_json::to_value(&record).unwrap(),
            plain.seal,
            &key,
            "2026-06-16T09:00:00+08:00",
        );
        let verification = Verification {
            url: "http://127.0.0.1:8080/verify?number=x&code=ABCDEFGHJKMN",
            code: "ABCDEFGHJKMN",
        };
        let pdf = render(&sealed, &record, &verification, &key).unwrap();
        verify(&pdf).unwrap();
        let text = crate::testing::pdf_text(&pdf);
        assert!(
            text.contains(&format!("{RARE_NAME}{MORE_NAMES}：")),
            "{text}"
        );
        for c in recipient.chars().chain(level2.chars()) {
            assert!(
                text.contains(c),
                "U+{:04X} {c} is missing from {text}",
                c as u32
            );
        }
        // Both fonts are embedded, each subset to the glyphs used: the file stays small.
        let names = String::from_utf8_lossy(&pdf);
        assert!(names.contains("NotoSerifCJKsc") && names.contains("Unifont"));
        assert!(pdf.len() < 400_000, "{} bytes", pdf.len());
    }

    #[test]
    fn wrapping_keeps_punctuation_off_line_starts() {
        let lines = wrap(&"一".repeat(40), 10.0, 100.0, true);
        assert_eq!(lines[0].chars().count(), 8);
        assert_eq!(lines[1].chars().count(), 10);
        let lines = wrap("一二三四五六七八九十，", 10.0, 100.0, false);
        assert_eq!(lines.len(), 1);
    }
}
