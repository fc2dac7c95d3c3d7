//! The layout of a sealed document: where every line of text, rule, the seal and the QR code go on
//! which page, computed once and painted by every writer — the PDF here ([`crate::render`]) and the
//! OFD (`yiyin-ofd`) — so that both show the same thing in the same place.
//!
//! Coordinates are PDF points (1/72 in) on an A4 page, origin at the top left, y downwards; text is
//! placed on its baseline and already split into runs by the font that has the characters.

use yiyin_domain::calendar::fmt_date_cn;
use yiyin_domain::documents::DocumentRecord;
use yiyin_seal::SealedDocument;
use yiyin_seal::drawing::RED;

use crate::{MARGIN, PAGE_H, PAGE_W, Verification, font_for, width, wrap};

/// A colour (red, green, blue).
pub type Rgb = (u8, u8, u8);
pub const BLACK: Rgb = (0, 0, 0);
/// The grey of the verification lines at the foot.
pub const GREY: Rgb = (90, 90, 90);
/// The seal's and the heading's red.
pub const SEAL_RED: Rgb = RED;

/// A run of text in one font: where it starts, and each character's advance.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// 0: the main font ([`crate::FONT`]), 1: the fallback ([`crate::FALLBACK_FONT`]).
    pub font: usize,
    pub x: f32,
    pub text: String,
    /// One advance per character (not per byte), in points.
    pub advances: Vec<f32>,
}

impl Run {
    pub fn width(&self) -> f32 {
        self.advances.iter().sum()
    }
}

/// Splits text set from `x` at `size` into runs by font.
pub fn runs(x: f32, size: f32, s: &str) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::new();
    let mut x = x;
    for c in s.chars() {
        let (font, w) = font_for(c, size);
        match out.last_mut() {
            Some(run) if run.font == font => {
                run.text.push(c);
                run.advances.push(w);
            }
            _ => out.push(Run {
                font,
                x,
                text: c.to_string(),
                advances: vec![w],
            }),
        }
        x += w;
    }
    out
}

/// One thing drawn on a page.
#[derive(Debug, Clone, PartialEq)]
pub enum Mark {
    /// A line of text on the baseline `y`.
    Text {
        y: f32,
        size: f32,
        color: Rgb,
        runs: Vec<Run>,
    },
    /// A filled rectangle (the red rule under the heading).
    Bar {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        color: Rgb,
    },
    /// One row of a ruled table: its box and the line between label and value (black, 0.6 pt).
    Row {
        x: f32,
        top: f32,
        w: f32,
        h: f32,
        label_w: f32,
    },
    /// The red round seal (`yiyin_seal::drawing`), its top-left corner at (x, y), `size` across.
    Seal {
        name: String,
        x: f32,
        y: f32,
        size: f32,
    },
    /// A QR code of `data`, its top-left corner at (x, y), `side` wide.
    Qr {
        data: String,
        x: f32,
        y: f32,
        side: f32,
    },
}

/// The width of a ruled line of the tables.
pub const RULE_WIDTH: f32 = 0.6;
/// The opacity of the seal's red.
pub const SEAL_OPACITY: f32 = 0.9;
/// The page's width and height in points.
pub const PAGE: (f32, f32) = (PAGE_W, PAGE_H);

/// A page being laid out.
struct Pages {
    pages: Vec<Vec<Mark>>,
}

impl Pages {
    fn mark(&mut self, m: Mark) {
        self.pages.last_mut().expect("a page").push(m);
    }
    fn text(&mut self, x: f32, y: f32, size: f32, color: Rgb, s: &str) {
        self.mark(Mark::Text {
            y,
            size,
            color,
            runs: runs(x, size, s),
        });
    }
    fn centred(&mut self, y: f32, size: f32, color: Rgb, s: &str) {
        self.text((PAGE_W - width(s, size)) / 2.0, y, size, color, s);
    }
    fn new_page(&mut self) {
        self.pages.push(Vec::new());
    }
}

/// Lays out a sealed document: the heading, the title and number, the text (going on to further
/// pages when long), a licence's contents as a ruled table, the signature block with the seal, and
/// the QR code with how to verify. Returns the pages' marks.
pub fn layout(
    sealed: &SealedDocument,
    record: &DocumentRecord,
    verification: &Verification,
) -> Vec<Vec<Mark>> {
    let mut p = Pages {
        pages: vec![Vec::new()],
    };
    p.centred(110.0, 24.0, SEAL_RED, &record.agency);
    p.centred(150.0, 20.0, BLACK, &record.title);
    p.centred(178.0, 12.0, BLACK, &record.number);
    // The red rule under the heading.
    p.mark(Mark::Bar {
        x: MARGIN,
        y: 190.0,
        w: PAGE_W - 2.0 * MARGIN,
        h: 1.5,
        color: SEAL_RED,
    });
    let size = 13.0;
    let leading = 23.0;
    let max = PAGE_W - 2.0 * MARGIN;
    let mut y = 225.0;
    let list_after = record.list_after();
    // The lines of the text, each with where it starts.
    let mut lines: Vec<(f32, String)> = Vec::new();
    for (i, para) in record.paragraphs.iter().enumerate() {
        let first = i == 0 && para.ends_with('：');
        for (j, line) in wrap(para, size, max, !first).into_iter().enumerate() {
            let x = if j == 0 && !first {
                MARGIN + size * 2.0
            } else {
                MARGIN
            };
            lines.push((x, line));
        }
        if i + 1 == list_after {
            for (n, item) in record.list.iter().enumerate() {
                for (j, line) in wrap(&format!("{}. {item}", n + 1), size, max - size * 3.0, false)
                    .into_iter()
                    .enumerate()
                {
                    lines.push((MARGIN + size * if j == 0 { 2.0 } else { 3.2 }, line));
                }
            }
        }
    }
    // A text longer than a page (a monthly report of many departments) goes on to further pages;
    // the signature block, the seal and the verification stay together on the last.
    for (x, line) in &lines {
        if y > PAGE_H - MARGIN {
            p.new_page();
            y = MARGIN + size;
        }
        p.text(*x, y, size, BLACK, line);
        y += leading;
    }
    // A licence's contents (证照模板): a ruled table, label beside value, rows kept whole.
    if !record.contents.is_empty() {
        let (cell, line_h, pad, label_w) = (11.5, 17.0, 6.0, 150.0);
        let mut top = y - size + 4.0;
        for e in &record.contents {
            let labels = wrap(&e.label, cell, label_w - 2.0 * pad, false);
            let value = if e.value.is_empty() { "—" } else { &e.value };
            let values = wrap(value, cell, max - label_w - 2.0 * pad, false);
            let h = labels.len().max(values.len()) as f32 * line_h + pad;
            if top + h > PAGE_H - MARGIN {
                p.new_page();
                y = MARGIN + size;
                top = y - size;
            }
            p.mark(Mark::Row {
                x: MARGIN,
                top,
                w: max,
                h,
                label_w,
            });
            for (i, l) in labels.iter().enumerate() {
                let ly = top + pad + cell + i as f32 * line_h;
                p.text(MARGIN + pad, ly, cell, BLACK, l);
            }
            for (i, l) in values.iter().enumerate() {
                let ly = top + pad + cell + i as f32 * line_h;
                p.text(MARGIN + label_w + pad, ly, cell, BLACK, l);
            }
            top += h;
        }
        y = top + leading;
    }
    if y + 40.0 + leading > PAGE_H - 160.0 {
        p.new_page();
        y = MARGIN + size;
    }
    // The signature block with the seal over it.
    let sign_y = (y + 40.0).max(560.0);
    let date = fmt_date_cn(record.issued_on);
    let right = PAGE_W - MARGIN;
    p.text(
        right - width(&record.agency, size),
        sign_y,
        size,
        BLACK,
        &record.agency,
    );
    p.text(
        right - width(&date, size),
        sign_y + leading,
        size,
        BLACK,
        &date,
    );
    p.mark(Mark::Seal {
        name: record.seal.clone(),
        x: right - 150.0,
        y: sign_y - 85.0,
        size: 120.0,
    });
    // The QR code and how to verify.
    p.mark(Mark::Qr {
        data: verification.url.to_string(),
        x: MARGIN,
        y: PAGE_H - 150.0,
        side: 80.0,
    });
    let foot = 9.0;
    let how = if record.case_number.is_empty() {
        // A document of no case (the monthly report): verified by its file.
        format!("文书编号：{}　核验方式：上传本文件核验", record.number)
    } else {
        format!(
            "办件编号：{}　核验码：{}",
            record.case_number, verification.code
        )
    };
    let digest = yiyin_seal::sm3_hex(&sealed.signed_bytes());
    for (i, line) in [
        "扫描二维码或访问政务服务网站“证照核验”核验本文书".to_string(),
        how,
        format!("电子印章：{}（SM2 签名）", sealed.seal.name),
        format!("记录摘要（SM3）：{}", &digest[..32]),
    ]
    .iter()
    .enumerate()
    {
        p.text(
            MARGIN + 92.0,
            PAGE_H - 130.0 + 14.0 * i as f32,
            foot,
            GREY,
            line,
        );
    }
    p.pages
}
