//! Unsealed printable sheets: the blank forms (空白表格) a service guide offers free of charge
//! (Art. 58) and the filled-in samples (示例样本) beside them. A sheet is no document of the bureau:
//! no number, no seal, no signature; a sample is marked 示例样本 in red on every row.

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Rect};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;

use super::{MARGIN, PAGE_H, PAGE_W, PdfError, centred, fill, red, text, width, wrap};

/// What a sheet shows.
#[derive(Debug, Clone)]
pub struct Sheet<'a> {
    /// Who provides it (the bureau's or department's name), at the top.
    pub agency: &'a str,
    /// The form's name, e.g. 食品经营许可申请书.
    pub title: &'a str,
    /// One line under the title (the item it is for).
    pub subtitle: &'a str,
    /// For a sample: what it shows (printed in red above the rows); `None` for a blank form.
    pub sample: Option<&'a str>,
    /// The rows: a label and what is written beside it (empty on a blank form).
    pub rows: &'a [(String, String)],
    /// The line at the foot (where the form comes from, how to hand it in).
    pub foot: &'a str,
}

/// The height of one row of the form.
const ROW_H: f32 = 34.0;
/// The width of the labels' column.
const LABEL_W: f32 = 150.0;

/// Draws a rectangle's outline as four thin filled bars.
fn outline(surface: &mut krilla::surface::Surface, x: f32, y: f32, w: f32, h: f32) {
    let mut pb = PathBuilder::new();
    for r in [
        Rect::from_xywh(x, y, w, 0.6),
        Rect::from_xywh(x, y + h, w, 0.6),
        Rect::from_xywh(x, y, 0.6, h),
        Rect::from_xywh(x + w, y, 0.6, h + 0.6),
        Rect::from_xywh(x + LABEL_W, y, 0.6, h),
    ]
    .into_iter()
    .flatten()
    {
        pb.push_rect(r);
    }
    if let Some(p) = pb.finish() {
        surface.draw_path(&p);
    }
}

/// Renders a sheet as a one-page A4 PDF (rows beyond the page go on further pages).
pub fn render_sheet(sheet: &Sheet) -> Result<Vec<u8>, PdfError> {
    let mut doc = Document::new();
    doc.set_metadata(
        Metadata::new()
            .title(sheet.title.to_string())
            .creator("一印 Yiyin".into()),
    );
    let mut page = doc.start_page_with(PageSettings::from_wh(PAGE_W, PAGE_H).expect("A4"));
    let mut s = page.surface();
    let black = || fill(rgb::Color::black());
    s.set_fill(Some(black()));
    centred(&mut s, 96.0, 12.0, sheet.agency);
    centred(&mut s, 130.0, 20.0, sheet.title);
    centred(&mut s, 154.0, 11.0, sheet.subtitle);
    let mut y = 180.0;
    let max = PAGE_W - 2.0 * MARGIN;
    if let Some(what) = sheet.sample {
        s.set_fill(Some(fill(red())));
        for line in wrap(&format!("示例样本：{what}"), 11.0, max, false) {
            text(&mut s, MARGIN, y, 11.0, &line);
            y += 18.0;
        }
        y += 6.0;
    }
    let size = 11.0;
    for (label, value) in sheet.rows {
        if y + ROW_H > PAGE_H - MARGIN - 40.0 {
            s.finish();
            page.finish();
            page = doc.start_page_with(PageSettings::from_wh(PAGE_W, PAGE_H).expect("A4"));
            s = page.surface();
            y = MARGIN;
        }
        s.set_fill(Some(black()));
        outline(&mut s, MARGIN, y, max, ROW_H);
        let label_lines = wrap(label, size, LABEL_W - 12.0, false);
        for (i, line) in label_lines.iter().take(2).enumerate() {
            #[allow(clippy::cast_precision_loss)]
            let dy = 15.0 + 13.0 * i as f32 - if label_lines.len() > 1 { 5.0 } else { 0.0 };
            text(&mut s, MARGIN + 6.0, y + dy + 4.0, size, line);
        }
        if !value.is_empty() {
            if sheet.sample.is_some() {
                s.set_fill(Some(fill(red())));
            }
            let room = max - LABEL_W - 12.0;
            let shown = wrap(value, size, room, false);
            for (i, line) in shown.iter().take(2).enumerate() {
                #[allow(clippy::cast_precision_loss)]
                let dy = 15.0 + 13.0 * i as f32 - if shown.len() > 1 { 5.0 } else { 0.0 };
                text(&mut s, MARGIN + LABEL_W + 6.0, y + dy + 4.0, size, line);
            }
        }
        y += ROW_H;
    }
    s.set_fill(Some(black()));
    let sign = "申请人（签字或盖章）：                    日期：      年    月    日";
    text(
        &mut s,
        PAGE_W - MARGIN - width(sign, size),
        y + 36.0,
        size,
        sign,
    );
    s.set_fill(Some(fill(rgb::Color::new(90, 90, 90))));
    for (i, line) in wrap(sheet.foot, 9.0, max, false).iter().enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let dy = 12.0 * i as f32;
        text(&mut s, MARGIN, PAGE_H - 60.0 + dy, 9.0, line);
    }
    s.finish();
    page.finish();
    doc.finish().map_err(|e| PdfError::Render(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sheet_is_a_pdf_with_its_text() {
        let rows = vec![
            ("申请人姓名或单位名称".to_string(), String::new()),
            ("联系电话".to_string(), "示例：0915-5212345".to_string()),
        ];
        for sample in [None, Some("填写示范")] {
            let pdf = render_sheet(&Sheet {
                agency: "汉阴县行政审批服务局",
                title: "食品经营许可申请书",
                subtitle: "事项：食品经营许可",
                sample,
                rows: &rows,
                foot: "本表格免费提供",
            })
            .expect("renders");
            assert!(pdf.starts_with(b"%PDF-"));
            assert!(crate::testing::pdf_text(&pdf).contains("食品经营许可申请书"));
        }
    }
}
