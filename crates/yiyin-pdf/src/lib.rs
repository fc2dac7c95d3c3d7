//! Printable documents: an A4 PDF of a sealed document — the agency's heading, the title and number,
//! the formal text in an embedded CJK font (Noto Serif CJK SC, subset), the red round seal over the
//! signature block, and a QR code leading to the public verification page.
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
use yiyin_domain::calendar::fmt_date_cn;
use yiyin_domain::documents::DocumentRecord;
use yiyin_seal::drawing::{self, RED};
use yiyin_seal::keys::verify as verify_signature;
use yiyin_seal::{SealKey, SealedDocument, hex, unhex};

/// The embedded font: Noto Serif CJK SC, subset (SIL Open Font License 1.1).
pub const FONT: &[u8] = include_bytes!("../fonts/NotoSerifCJKsc-Regular-subset.otf");

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

/// The approximate advance of text: CJK characters are square, the rest about half as wide.
fn width(text: &str, size: f32) -> f32 {
    text.chars()
        .map(|c| if c.is_ascii() { size * 0.52 } else { size })
        .sum()
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

fn text(surface: &mut Surface, font: &Font, x: f32, y: f32, size: f32, s: &str) {
    surface.draw_text(
        Point::from_xy(x, y),
        font.clone(),
        size,
        s,
        false,
        TextDirection::Auto,
    );
}

fn centred(surface: &mut Surface, font: &Font, y: f32, size: f32, s: &str) {
    text(surface, font, (PAGE_W - width(s, size)) / 2.0, y, size, s);
}

/// Draws the seal with its top-left corner at (x, y).
fn draw_seal(surface: &mut Surface, font: &Font, seal_name: &str, x: f32, y: f32, size: f32) {
    let d = drawing::draw(seal_name, size);
    surface.push_transform(&Transform::from_translate(x, y));
    surface.set_fill(None);
    surface.set_stroke(Some(Stroke {
        paint: red().into(),
        width: d.ring_width,
        miter_limit: 4.0,
        line_cap: LineCap::Butt,
        line_join: LineJoin::Miter,
        opacity: NormalizedF32::new(0.9).expect("in range"),
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
        opacity: NormalizedF32::new(0.9).expect("in range"),
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
        text(
            surface,
            font,
            c.x - c.size / 2.0,
            c.y + c.size * 0.38,
            c.size,
            &s,
        );
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

/// Renders a sealed document to an A4 PDF, embeds the sealed record, and signs the whole file with
/// the seal key (the trailing signature line).
pub fn render(
    sealed: &SealedDocument,
    record: &DocumentRecord,
    verify_url: &str,
    key: &SealKey,
) -> Result<Vec<u8>, PdfError> {
    let font = Font::new(FONT.to_vec().into(), 0)
        .ok_or_else(|| PdfError::Render("字体无法加载".into()))?;
    let mut doc = Document::new();
    doc.set_metadata(
        Metadata::new()
            .title(format!("{} {}", record.title, record.number))
            .creator("一印 Yiyin".into()),
    );
    {
        let mut page = doc.start_page_with(PageSettings::from_wh(PAGE_W, PAGE_H).expect("A4"));
        let mut s = page.surface();
        s.set_fill(Some(fill(red())));
        centred(&mut s, &font, 110.0, 24.0, &record.agency);
        s.set_fill(Some(fill(rgb::Color::black())));
        centred(&mut s, &font, 150.0, 20.0, &record.title);
        centred(&mut s, &font, 178.0, 12.0, &record.number);
        // The red rule under the heading.
        s.set_fill(Some(fill(red())));
        let mut pb = PathBuilder::new();
        if let Some(r) = Rect::from_xywh(MARGIN, 190.0, PAGE_W - 2.0 * MARGIN, 1.5) {
            pb.push_rect(r);
        }
        if let Some(p) = pb.finish() {
            s.draw_path(&p);
        }
        s.set_fill(Some(fill(rgb::Color::black())));
        let size = 13.0;
        let leading = 23.0;
        let max = PAGE_W - 2.0 * MARGIN;
        let mut y = 225.0;
        let list_after = record.list_after();
        for (i, p) in record.paragraphs.iter().enumerate() {
            let first = i == 0 && p.ends_with('：');
            for (j, line) in wrap(p, size, max, !first).into_iter().enumerate() {
                let x = if j == 0 && !first {
                    MARGIN + size * 2.0
                } else {
                    MARGIN
                };
                text(&mut s, &font, x, y, size, &line);
                y += leading;
            }
            if i + 1 == list_after {
                for (n, item) in record.list.iter().enumerate() {
                    for (j, line) in
                        wrap(&format!("{}. {item}", n + 1), size, max - size * 3.0, false)
                            .into_iter()
                            .enumerate()
                    {
                        text(
                            &mut s,
                            &font,
                            MARGIN + size * if j == 0 { 2.0 } else { 3.2 },
                            y,
                            size,
                            &line,
                        );
                        y += leading;
                    }
                }
            }
        }
        // The signature block with the seal over it.
        let sign_y = (y + 40.0).max(560.0);
        let date = fmt_date_cn(record.issued_on);
        let right = PAGE_W - MARGIN;
        text(
            &mut s,
            &font,
            right - width(&record.agency, size),
            sign_y,
            size,
            &record.agency,
        );
        text(
            &mut s,
            &font,
            right - width(&date, size),
            sign_y + leading,
            size,
            &date,
        );
        draw_seal(
            &mut s,
            &font,
            &record.seal,
            right - 150.0,
            sign_y - 85.0,
            120.0,
        );
        // The QR code and how to verify.
        draw_qr(&mut s, verify_url, MARGIN, PAGE_H - 150.0, 80.0);
        s.set_fill(Some(fill(rgb::Color::new(90, 90, 90))));
        let foot = 9.0;
        text(
            &mut s,
            &font,
            MARGIN + 92.0,
            PAGE_H - 130.0,
            foot,
            "扫描二维码或访问政务服务网站“证照核验”核验本文书",
        );
        text(
            &mut s,
            &font,
            MARGIN + 92.0,
            PAGE_H - 116.0,
            foot,
            &format!("办件编号：{}", record.case_number),
        );
        text(
            &mut s,
            &font,
            MARGIN + 92.0,
            PAGE_H - 102.0,
            foot,
            &format!("电子印章：{}（SM2 签名）", sealed.seal.name),
        );
        let digest = yiyin_seal::sm3_hex(&sealed.signed_bytes());
        text(
            &mut s,
            &font,
            MARGIN + 92.0,
            PAGE_H - 88.0,
            foot,
            &format!("记录摘要（SM3）：{}", &digest[..32]),
        );
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
    let mut pdf = doc
        .finish()
        .map_err(|e| PdfError::Render(format!("{e:?}")))?;
    let signature = key.sign(&pdf);
    pdf.extend_from_slice(SIGNATURE_MARK);
    pdf.extend_from_slice(hex(&signature).as_bytes());
    pdf.push(b'\n');
    Ok(pdf)
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

#[cfg(test)]
mod tests {
    use super::*;
    use yiyin_domain::engine::DocumentKind;
    use yiyin_seal::SealInfo;

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

    #[test]
    fn pdfs_verify_and_any_changed_byte_is_caught() {
        let (key, sealed, record) = sample();
        let pdf = render(&sealed, &record, "http://127.0.0.1:8080/verify?n=x", &key).unwrap();
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

    #[test]
    fn wrapping_keeps_punctuation_off_line_starts() {
        let lines = wrap(&"一".repeat(40), 10.0, 100.0, true);
        assert_eq!(lines[0].chars().count(), 8);
        assert_eq!(lines[1].chars().count(), 10);
        let lines = wrap("一二三四五六七八九十，", 10.0, 100.0, false);
        assert_eq!(lines.len(), 1);
    }
}
