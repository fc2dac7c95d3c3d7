//! The pictures an OFD shows as images: the red round seal rasterised from the same drawing the
//! PDF draws in vectors (`yiyin_seal::drawing`, characters from the same fonts), and the QR code.

use ttf_parser::{Face, GlyphId, OutlineBuilder};
use yiyin_pdf::layout::{SEAL_OPACITY, SEAL_RED, runs};
use yiyin_seal::drawing;

use crate::png::{self, Pixels};

/// Samples per pixel along each axis (16 per pixel).
const SS: usize = 4;

type Contour = Vec<(f32, f32)>;

/// Fills `shape` (non-zero winding) into `cover` (w × w, 0..=1), as the union with what is there.
fn fill(cover: &mut [f32], w: usize, shape: &[Contour]) {
    let pts = shape.iter().flatten();
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for &(x, y) in pts {
        x0 = x0.min(x);
        y0 = y0.min(y);
        x1 = x1.max(x);
        y1 = y1.max(y);
    }
    if x0 > x1 {
        return;
    }
    let clamp = |v: f32| (v.max(0.0) as usize).min(w);
    let (px0, py0, px1, py1) = (
        clamp(x0.floor()),
        clamp(y0.floor()),
        clamp(x1.ceil() + 1.0),
        clamp(y1.ceil() + 1.0),
    );
    let bw = px1.saturating_sub(px0);
    if bw == 0 || py1 <= py0 {
        return;
    }
    let mut local = vec![0.0f32; bw * (py1 - py0)];
    let edges: Vec<((f32, f32), (f32, f32))> = shape
        .iter()
        .flat_map(|c| (0..c.len()).map(move |i| (c[i], c[(i + 1) % c.len()])))
        .filter(|(a, b)| a.1 != b.1)
        .collect();
    let step = 1.0 / (SS * SS) as f32;
    let mut crossings: Vec<(f32, i32)> = Vec::new();
    for sy in py0 * SS..py1 * SS {
        let y = (sy as f32 + 0.5) / SS as f32;
        crossings.clear();
        for &((ax, ay), (bx, by)) in &edges {
            let (lo, hi) = if ay < by { (ay, by) } else { (by, ay) };
            if y >= lo && y < hi {
                let x = ax + (y - ay) * (bx - ax) / (by - ay);
                crossings.push((x, if by > ay { 1 } else { -1 }));
            }
        }
        crossings.sort_by(|a, b| a.0.total_cmp(&b.0));
        let row = (sy / SS - py0) * bw;
        let mut winding = 0;
        for i in 0..crossings.len() {
            winding += crossings[i].1;
            if winding == 0 || i + 1 == crossings.len() {
                continue;
            }
            let (xa, xb) = (crossings[i].0, crossings[i + 1].0);
            let start = ((xa * SS as f32 - 0.5).ceil().max((px0 * SS) as f32)) as usize;
            let end = ((xb * SS as f32 - 0.5).ceil().min((px1 * SS) as f32)).max(0.0) as usize;
            for sx in start..end {
                local[row + sx / SS - px0] += step;
            }
        }
    }
    for (j, line) in local.chunks(bw).enumerate() {
        for (i, v) in line.iter().enumerate() {
            let at = (py0 + j) * w + px0 + i;
            let (a, b) = (cover[at], v.min(1.0));
            cover[at] = a + b - a * b;
        }
    }
}

/// A circle as a polygon, counter-clockwise or clockwise.
fn circle(cx: f32, cy: f32, r: f32, clockwise: bool) -> Contour {
    let n = 256;
    (0..n)
        .map(|i| {
            let a =
                std::f32::consts::TAU * i as f32 / n as f32 * if clockwise { 1.0 } else { -1.0 };
            (cx + r * a.cos(), cy + r * a.sin())
        })
        .collect()
}

/// A glyph's outline, flattened, in font units (y up).
#[derive(Default)]
struct Outline {
    contours: Vec<Contour>,
    current: Contour,
}

impl Outline {
    fn last(&self) -> (f32, f32) {
        self.current.last().copied().unwrap_or((0.0, 0.0))
    }
}

impl OutlineBuilder for Outline {
    fn move_to(&mut self, x: f32, y: f32) {
        self.close();
        self.current.push((x, y));
    }
    fn line_to(&mut self, x: f32, y: f32) {
        self.current.push((x, y));
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        let (x0, y0) = self.last();
        for i in 1..=8 {
            let t = i as f32 / 8.0;
            let u = 1.0 - t;
            self.current.push((
                u * u * x0 + 2.0 * u * t * x1 + t * t * x,
                u * u * y0 + 2.0 * u * t * y1 + t * t * y,
            ));
        }
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        let (x0, y0) = self.last();
        for i in 1..=10 {
            let t = i as f32 / 10.0;
            let u = 1.0 - t;
            let (a, b, c, d) = (u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t);
            self.current.push((
                a * x0 + b * x1 + c * x2 + d * x,
                a * y0 + b * y1 + c * y2 + d * y,
            ));
        }
    }
    fn close(&mut self) {
        if self.current.len() > 2 {
            self.contours.push(std::mem::take(&mut self.current));
        }
        self.current.clear();
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

/// The seal `seal_name` as a PNG `px` pixels across (transparent outside the red).
pub fn seal_png(seal_name: &str, px: u32) -> Vec<u8> {
    let w = px as usize;
    let d = drawing::draw(seal_name, px as f32);
    let mut cover = vec![0.0f32; w * w];
    let (cx, cy) = d.center;
    let half = d.ring_width / 2.0;
    fill(
        &mut cover,
        w,
        &[
            circle(cx, cy, d.ring_radius + half, false),
            circle(cx, cy, d.ring_radius - half, true),
        ],
    );
    fill(&mut cover, w, std::slice::from_ref(&d.star));
    let faces = [face(0), face(1)];
    for c in d.arc.iter().chain(d.bottom.iter()) {
        let font = runs(0.0, c.size, &c.ch.to_string())[0].font;
        let f = &faces[font];
        let Some(glyph) = f.glyph_index(c.ch).filter(|g| *g != GlyphId(0)) else {
            continue;
        };
        let mut outline = Outline::default();
        if f.outline_glyph(glyph, &mut outline).is_none() {
            continue;
        }
        outline.close();
        let scale = c.size / f32::from(f.units_per_em());
        // As the PDF sets it: from (x − size/2, y + 0.38 size) on the baseline, turned about (x, y).
        let (ox, oy) = (c.x - c.size / 2.0, c.y + c.size * 0.38);
        let (sin, cos) = c.rotation.to_radians().sin_cos();
        let shape: Vec<Contour> = outline
            .contours
            .iter()
            .map(|contour| {
                contour
                    .iter()
                    .map(|&(u, v)| {
                        let (x, y) = (ox + u * scale - c.x, oy - v * scale - c.y);
                        (c.x + x * cos - y * sin, c.y + x * sin + y * cos)
                    })
                    .collect()
            })
            .collect();
        fill(&mut cover, w, &shape);
    }
    let (r, g, b) = SEAL_RED;
    let pixels: Vec<u8> = cover
        .iter()
        .flat_map(|v| [r, g, b, (v * SEAL_OPACITY * 255.0).round() as u8])
        .collect();
    png::encode(px, px, Pixels::Rgba, &pixels)
}

/// The QR code of `data` as a PNG, `scale` pixels per module, or `None` if it does not fit.
pub fn qr_png(data: &str, scale: usize) -> Option<Vec<u8>> {
    let code = qrcode::QrCode::new(data.as_bytes()).ok()?;
    let n = code.width();
    let colors = code.to_colors();
    let w = n * scale;
    let mut pixels = vec![255u8; w * w];
    for (i, c) in colors.iter().enumerate() {
        if *c == qrcode::Color::Dark {
            let (mx, my) = (i % n, i / n);
            for y in my * scale..(my + 1) * scale {
                pixels[y * w + mx * scale..y * w + (mx + 1) * scale].fill(0);
            }
        }
    }
    Some(png::encode(w as u32, w as u32, Pixels::Grey, &pixels))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fraction of a seal's pixels that are red.
    fn coverage(seal_name: &str) -> f32 {
        let w = 200;
        let d = drawing::draw(seal_name, w as f32);
        let mut cover = vec![0.0f32; w * w];
        let (cx, cy) = d.center;
        fill(
            &mut cover,
            w,
            &[
                circle(cx, cy, d.ring_radius + 2.0, false),
                circle(cx, cy, d.ring_radius - 2.0, true),
            ],
        );
        cover.iter().sum::<f32>() / (w * w) as f32
    }

    #[test]
    fn the_ring_is_a_ring_not_a_disc() {
        // An annulus of width 4 at radius ≈ 93: about 2π·93·4 / 200² ≈ 0.058 of the square.
        let c = coverage("汉阴县行政审批服务局行政审批专用章");
        assert!((0.05..0.07).contains(&c), "{c}");
    }

    #[test]
    fn the_seal_picture_has_red_characters() {
        let png = seal_png("汉阴县行政审批服务局行政审批专用章", 240);
        assert!(png.starts_with(b"\x89PNG"));
        // Characters make it much larger than an empty ring would be.
        let ring_only = seal_png("", 240);
        assert!(
            png.len() > ring_only.len(),
            "{} vs {}",
            png.len(),
            ring_only.len()
        );
        assert!(qr_png("http://127.0.0.1/verify", 4).is_some());
    }
}
