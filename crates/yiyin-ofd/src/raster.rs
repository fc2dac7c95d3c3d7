//! The pictures an OFD shows as images: the red round seal rasterised (with `tiny-skia`, anti-aliased)
//! from the same drawing the PDF draws in vectors (`yiyin_seal::drawing`, characters from the same
//! fonts), and the QR code; both encoded as PNG.

use tiny_skia::{FillRule, Paint, Path, PathBuilder, Pixmap, PixmapPaint, Rect, Stroke, Transform};
use ttf_parser::{Face, GlyphId, OutlineBuilder};
use yiyin_pdf::layout::{SEAL_OPACITY, SEAL_RED, runs};
use yiyin_seal::drawing;

/// Feeds a glyph's outline (font units, y up) into a `tiny_skia` path.
struct Outline(PathBuilder);

impl OutlineBuilder for Outline {
    fn move_to(&mut self, x: f32, y: f32) {
        self.0.move_to(x, y);
    }
    fn line_to(&mut self, x: f32, y: f32) {
        self.0.line_to(x, y);
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        self.0.quad_to(x1, y1, x, y);
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        self.0.cubic_to(x1, y1, x2, y2, x, y);
    }
    fn close(&mut self) {
        self.0.close();
    }
}

/// The faces the characters are set in (the PDF's main and fallback fonts).
fn face(font: usize) -> Face<'static> {
    let data = if font == 0 {
        yiyin_pdf::FONT
    } else {
        yiyin_pdf::FALLBACK_FONT
    };
    Face::parse(data, 0).expect("the embedded font parses")
}

/// The seal red, opaque, anti-aliased. The seal's opacity is applied once to the whole picture, so
/// that where shapes overlap (a character on the ring) the red is no deeper than elsewhere.
fn red() -> Paint<'static> {
    let mut paint = Paint::default();
    let (r, g, b) = SEAL_RED;
    paint.set_color_rgba8(r, g, b, 255);
    paint.anti_alias = true;
    paint
}

/// The ring: a circle of radius `radius` stroked `width` wide.
fn ring(pixmap: &mut Pixmap, (cx, cy): (f32, f32), radius: f32, width: f32) {
    let Some(circle) = PathBuilder::from_circle(cx, cy, radius) else {
        return;
    };
    let stroke = Stroke {
        width,
        ..Stroke::default()
    };
    pixmap.stroke_path(&circle, &red(), &stroke, Transform::identity(), None);
}

/// A closed polygon (the star).
fn polygon(points: &[(f32, f32)]) -> Option<Path> {
    let (first, rest) = points.split_first()?;
    let mut pb = PathBuilder::new();
    pb.move_to(first.0, first.1);
    for &(x, y) in rest {
        pb.line_to(x, y);
    }
    pb.close();
    pb.finish()
}

/// The seal `seal_name` as a PNG `px` pixels across (transparent outside the red).
pub fn seal_png(seal_name: &str, px: u32) -> Vec<u8> {
    let d = drawing::draw(seal_name, px as f32);
    let mut opaque = Pixmap::new(px.max(1), px.max(1)).expect("a non-empty picture");
    ring(&mut opaque, d.center, d.ring_radius, d.ring_width);
    if let Some(star) = polygon(&d.star) {
        opaque.fill_path(
            &star,
            &red(),
            FillRule::Winding,
            Transform::identity(),
            None,
        );
    }
    let faces = [face(0), face(1)];
    for c in d.arc.iter().chain(d.bottom.iter()) {
        let font = runs(0.0, c.size, &c.ch.to_string())[0].font;
        let f = &faces[font];
        let Some(glyph) = f.glyph_index(c.ch).filter(|g| *g != GlyphId(0)) else {
            continue;
        };
        let mut outline = Outline(PathBuilder::new());
        if f.outline_glyph(glyph, &mut outline).is_none() {
            continue;
        }
        let Some(path) = outline.0.finish() else {
            continue;
        };
        let scale = c.size / f32::from(f.units_per_em());
        // As the PDF sets it: from (x − size/2, y + 0.38 size) on the baseline (y down), turned
        // about (x, y).
        let at = Transform::from_row(
            scale,
            0.0,
            0.0,
            -scale,
            c.x - c.size / 2.0,
            c.y + c.size * 0.38,
        )
        .post_rotate_at(c.rotation, c.x, c.y);
        opaque.fill_path(&path, &red(), FillRule::Winding, at, None);
    }
    let mut seal = Pixmap::new(px.max(1), px.max(1)).expect("a non-empty picture");
    let paint = PixmapPaint {
        opacity: SEAL_OPACITY,
        ..PixmapPaint::default()
    };
    seal.draw_pixmap(0, 0, opaque.as_ref(), &paint, Transform::identity(), None);
    seal.encode_png().expect("encoding a picture in memory")
}

/// The QR code of `data` as a PNG, `scale` pixels per module, or `None` if it does not fit.
pub fn qr_png(data: &str, scale: usize) -> Option<Vec<u8>> {
    let code = qrcode::QrCode::new(data.as_bytes()).ok()?;
    let n = code.width();
    let w = u32::try_from(n * scale).ok()?;
    let mut pixmap = Pixmap::new(w, w)?;
    pixmap.fill(tiny_skia::Color::WHITE);
    let mut modules = PathBuilder::new();
    for (i, c) in code.to_colors().iter().enumerate() {
        if *c == qrcode::Color::Dark {
            let (mx, my) = ((i % n * scale) as f32, (i / n * scale) as f32);
            modules.push_rect(Rect::from_xywh(mx, my, scale as f32, scale as f32)?);
        }
    }
    if let Some(path) = modules.finish() {
        let mut black = Paint::default();
        black.set_color_rgba8(0, 0, 0, 255);
        black.anti_alias = false;
        pixmap.fill_path(
            &path,
            &black,
            FillRule::Winding,
            Transform::identity(),
            None,
        );
    }
    pixmap.encode_png().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAME: &str = "汉阴县行政审批服务局行政审批专用章";

    fn decode(png: &[u8]) -> Pixmap {
        Pixmap::decode_png(png).expect("a PNG")
    }

    #[test]
    fn the_ring_is_a_ring_not_a_disc() {
        let w = 200;
        let d = drawing::draw(NAME, w as f32);
        let mut p = Pixmap::new(w, w).expect("size");
        ring(&mut p, d.center, d.ring_radius, 4.0);
        // An annulus of width 4 at radius ≈ 93: about 2π·93·4 / 200² ≈ 0.058 of the square.
        let c = p
            .pixels()
            .iter()
            .map(|px| f32::from(px.alpha()) / 255.0)
            .sum::<f32>()
            / (w * w) as f32;
        assert!((0.05..0.07).contains(&c), "{c}");
        let (cx, cy) = d.center;
        assert_eq!(p.pixel(cx as u32, cy as u32).map(|px| px.alpha()), Some(0));
    }

    #[test]
    fn the_seal_picture_is_red_translucent_and_has_characters() {
        let png = seal_png(NAME, 240);
        let p = decode(&png);
        assert_eq!((p.width(), p.height()), (240, 240));
        // Outside the ring: transparent.
        assert_eq!(p.pixel(1, 1).map(|px| px.alpha()), Some(0));
        // On the ring (top, centre): the seal red at the seal opacity.
        let d = drawing::draw(NAME, 240.0);
        let (cx, cy) = d.center;
        let px = p
            .pixel(cx as u32, (cy - d.ring_radius) as u32)
            .expect("inside")
            .demultiply();
        let (r, g, b) = SEAL_RED;
        assert!(
            px.red().abs_diff(r) <= 2 && px.green().abs_diff(g) <= 2 && px.blue().abs_diff(b) <= 2,
            "{px:?}"
        );
        assert!(
            u32::from(px.alpha()).abs_diff((SEAL_OPACITY * 255.0).round() as u32) <= 2,
            "{px:?}"
        );
        // Characters cover much more than the empty ring and star do.
        let red = |p: &Pixmap| p.pixels().iter().filter(|px| px.alpha() > 0).count();
        let ring_only = decode(&seal_png("", 240));
        assert!(
            red(&p) > red(&ring_only) * 5 / 4,
            "{} vs {}",
            red(&p),
            red(&ring_only)
        );
    }

    #[test]
    fn the_qr_code_is_black_on_white() {
        let p = decode(&qr_png("http://127.0.0.1/verify", 4).expect("fits"));
        assert_eq!(p.width() % 4, 0);
        let colours: std::collections::BTreeSet<_> = p
            .pixels()
            .iter()
            .map(|px| (px.red(), px.green(), px.blue(), px.alpha()))
            .collect();
        assert_eq!(
            colours.into_iter().collect::<Vec<_>>(),
            [(0, 0, 0, 255), (255, 255, 255, 255)]
        );
        assert!(qr_png(&"x".repeat(8000), 4).is_none());
    }
}
