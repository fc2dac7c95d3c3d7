//! A minimal PNG encoder (8-bit grey or RGBA, no interlacing) for the OFD's pictures: the seal and
//! the QR code. Enough for every reader; nothing here is specific to Yiyin.

use std::io::Write;

use flate2::Compression;
use flate2::write::ZlibEncoder;

/// The colour type of the pixels given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pixels {
    /// One byte per pixel.
    Grey,
    /// Four bytes per pixel: red, green, blue, alpha.
    Rgba,
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    out.extend_from_slice(&crc.finalize().to_be_bytes());
}

/// Encodes `width` × `height` pixels, row by row from the top.
pub fn encode(width: u32, height: u32, kind: Pixels, pixels: &[u8]) -> Vec<u8> {
    let bpp = match kind {
        Pixels::Grey => 1,
        Pixels::Rgba => 4,
    };
    let stride = width as usize * bpp;
    assert_eq!(pixels.len(), stride * height as usize, "pixel count");
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, if bpp == 1 { 0 } else { 6 }, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    let mut z = ZlibEncoder::new(Vec::new(), Compression::default());
    for row in pixels.chunks(stride.max(1)) {
        // Filter type 0 (none) on every row.
        z.write_all(&[0]).expect("in memory");
        z.write_all(row).expect("in memory");
    }
    chunk(&mut out, b"IDAT", &z.finish().expect("in memory"));
    chunk(&mut out, b"IEND", &[]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_png_has_its_signature_and_chunks() {
        let png = encode(2, 1, Pixels::Grey, &[0, 255]);
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert_eq!(&png[12..16], b"IHDR");
        assert!(png.ends_with(&[0xAE, 0x42, 0x60, 0x82]), "IEND's CRC");
    }
}
