//! The drawing of a seal: the red round seal of an agency — a ring, the agency's name along the upper
//! arc, a five-pointed star in the middle, the seal's use (行政审批专用章) below it. The geometry is
//! computed once here, in a unit where the seal's diameter is `size`, and rendered both as SVG (for
//! pages) and by the PDF renderer.

/// One character placed along the arc: its centre and its rotation (degrees, clockwise).
#[derive(Debug, Clone, PartialEq)]
pub struct PlacedChar {
    pub ch: char,
    pub x: f32,
    pub y: f32,
    pub rotation: f32,
    pub size: f32,
}

/// Everything needed to draw a seal. Coordinates have the origin at the top left, y downwards.
#[derive(Debug, Clone, PartialEq)]
pub struct SealDrawing {
    pub size: f32,
    pub center: (f32, f32),
    pub ring_radius: f32,
    pub ring_width: f32,
    /// The star's ten points (outer, inner, outer …).
    pub star: Vec<(f32, f32)>,
    pub arc: Vec<PlacedChar>,
    /// The seal's use, written straight below the star.
    pub bottom: Vec<PlacedChar>,
}

/// The seal's red.
pub const RED: (u8, u8, u8) = (204, 0, 0);

/// Splits a seal name into the agency (around the arc) and its use (below the star):
/// 「汉阴县行政审批服务局行政审批专用章」 → (「汉阴县行政审批服务局」, 「行政审批专用章」).
pub fn split_name(seal_name: &str) -> (String, String) {
    for use_name in ["行政审批专用章", "行政许可专用章", "专用章"] {
        if let Some(agency) = seal_name.strip_suffix(use_name)
            && !agency.is_empty()
        {
            return (agency.to_string(), use_name.to_string());
        }
    }
    (seal_name.to_string(), String::new())
}

/// Lays out a seal of diameter `size`.
pub fn draw(seal_name: &str, size: f32) -> SealDrawing {
    let (agency, use_name) = split_name(seal_name);
    let r = size / 2.0;
    let center = (r, r);
    let ring_width = size * 0.035;
    let ring_radius = r - ring_width;
    // The star: outer radius 0.2 of the diameter.
    let outer = size * 0.19;
    let inner = outer * 0.382;
    let star = (0..10)
        .map(|i| {
            let rad = if i % 2 == 0 { outer } else { inner };
            let a = (-90.0 + 36.0 * i as f32).to_radians();
            (center.0 + rad * a.cos(), center.1 + rad * a.sin())
        })
        .collect();
    // The agency's name along the upper arc, centred on the top.
    let chars: Vec<char> = agency.chars().collect();
    let n = chars.len().max(1) as f32;
    let char_size = (size * 0.13).min(size * 2.6 / n);
    let text_radius = ring_radius - ring_width - char_size * 0.62;
    let span = (n - 1.0).max(0.0) * (char_size * 1.08 / text_radius).to_degrees();
    let span = span.min(250.0);
    let arc = chars
        .iter()
        .enumerate()
        .map(|(i, ch)| {
            let angle = if n > 1.0 {
                -span / 2.0 + span * i as f32 / (n - 1.0)
            } else {
                0.0
            };
            let a = (angle - 90.0).to_radians();
            PlacedChar {
                ch: *ch,
                x: center.0 + text_radius * a.cos(),
                y: center.1 + text_radius * a.sin(),
                rotation: angle,
                size: char_size,
            }
        })
        .collect();
    let bottom_chars: Vec<char> = use_name.chars().collect();
    let bsize = (size * 0.085).min(size * 0.62 / bottom_chars.len().max(1) as f32);
    let by = center.1 + size * 0.29;
    let bw = bsize * bottom_chars.len() as f32;
    let bottom = bottom_chars
        .iter()
        .enumerate()
        .map(|(i, ch)| PlacedChar {
            ch: *ch,
            x: center.0 - bw / 2.0 + bsize * (i as f32 + 0.5),
            y: by,
            rotation: 0.0,
            size: bsize,
        })
        .collect();
    SealDrawing {
        size,
        center,
        ring_radius,
        ring_width,
        star,
        arc,
        bottom,
    }
}

fn escape(c: char) -> String {
    match c {
        '<' => "&lt;".into(),
        '>' => "&gt;".into(),
        '&' => "&amp;".into(),
        other => other.to_string(),
    }
}

/// The seal as an SVG image.
pub fn svg(d: &SealDrawing) -> String {
    let (r, g, b) = RED;
    let color = format!("rgb({r},{g},{b})");
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {0} {0}" width="{0}" height="{0}" role="img"><g fill="{color}" stroke="none" font-family="'Noto Serif CJK SC','Source Han Serif SC',serif" text-anchor="middle" dominant-baseline="central">"#,
        d.size
    );
    s.push_str(&format!(
        r#"<circle cx="{}" cy="{}" r="{}" fill="none" stroke="{color}" stroke-width="{}"/>"#,
        d.center.0, d.center.1, d.ring_radius, d.ring_width
    ));
    let points: Vec<String> = d
        .star
        .iter()
        .map(|(x, y)| format!("{x:.2},{y:.2}"))
        .collect();
    s.push_str(&format!(r#"<polygon points="{}"/>"#, points.join(" ")));
    for c in d.arc.iter().chain(d.bottom.iter()) {
        s.push_str(&format!(
            r#"<text x="{x:.2}" y="{y:.2}" font-size="{size:.2}" transform="rotate({rot:.2} {x:.2} {y:.2})">{ch}</text>"#,
            x = c.x,
            y = c.y,
            size = c.size,
            rot = c.rotation,
            ch = escape(c.ch)
        ));
    }
    s.push_str("</g></svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_into_agency_and_use() {
        assert_eq!(
            split_name("汉阴县行政审批服务局行政审批专用章"),
            (
                "汉阴县行政审批服务局".to_string(),
                "行政审批专用章".to_string()
            )
        );
        assert_eq!(split_name("汉阴县公安局行政许可专用章").1, "行政许可专用章");
    }

    #[test]
    fn the_name_runs_along_the_upper_arc_symmetrically() {
        let d = draw("汉阴县行政审批服务局行政审批专用章", 120.0);
        assert_eq!(d.arc.len(), 10);
        assert_eq!(d.bottom.len(), 7);
        assert_eq!(d.star.len(), 10);
        let first = &d.arc[0];
        let last = &d.arc[9];
        assert!((first.rotation + last.rotation).abs() < 0.01, "symmetric");
        assert!(first.rotation < 0.0);
        assert!((first.y - last.y).abs() < 0.01);
        assert!(
            d.arc[4].y < d.center.1 - 30.0 && d.arc[5].y < d.center.1 - 30.0,
            "centred on the top"
        );
        let svg = svg(&d);
        assert!(svg.starts_with("<svg") && svg.contains(">汉</text>"));
    }
}
