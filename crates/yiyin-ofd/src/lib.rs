//! Sealed documents and e-licences as OFD packages (GB/T 33190-2016, 电子文件存储与交换格式 版式文档):
//! the same pages as the PDF — painted from the same layout (`yiyin_pdf::layout`), so that both
//! show the same thing in the same place — with the glyphs they use embedded (subsets of the PDF's
//! fonts), the seal's picture and the QR code as PNG images, the e-licence's metadata (GB/T 36903)
//! and its GB/T 36904 identifier in the document information, and the sealed record (JSON) as an
//! attachment.
//!
//! The package:
//!
//! ```text
//! OFD.xml                          entry: DocInfo (metadata), DocRoot, Signatures
//! Doc_0/Document.xml               CommonData (A4 page area, resources), Pages, Attachments
//! Doc_0/PublicRes.xml              the fonts
//! Doc_0/DocumentRes.xml            the images
//! Doc_0/Res/font_N.otf             the font subsets (CFF outlines, with a character map)
//! Doc_0/Res/image_N.png            the seal, the QR code
//! Doc_0/Pages/Page_N/Content.xml   text, rules and images of each page
//! Doc_0/Attachs/Attachments.xml    the sealed record, Doc_0/Attachs/sealed-document.json
//! Doc_0/Signs/…                    the signature (see [`sign`])
//! ```
//!
//! Fonts: the PDF's fonts (`yiyin_pdf::FONT` and its fallback), so that rare characters (GB 18030,
//! such as 𠮷 and 䶮) show as in the PDF. The subsetter keeps only the glyphs used and renumbers
//! them; the subset then gets a character map (`cmap`) of the characters it sets, to their new
//! glyph numbers, and the original's `OS/2` table, so that it is a complete OpenType font. Every
//! text object also says which glyph each character is (`ofd:CGTransform`, the same numbers), as
//! GB/T 33190 provides for embedded subset fonts: a reader may draw by glyph or by character code
//! and gets the same glyph. The text itself stays in `ofd:TextCode`, so readers extract it
//! unchanged.

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};

use ttf_parser::{Face, GlyphId};
use write_fonts::FontBuilder;
use write_fonts::read::{FontRef, TableProvider as _};
use write_fonts::tables::cmap::Cmap;
use yiyin_domain::documents::DocumentRecord;
use yiyin_pdf::Verification;
use yiyin_pdf::layout::{self, Mark};
use yiyin_seal::{SealKey, SealedDocument};

pub mod raster;
mod sign;
mod xml;

pub use sign::{SignatureCheck, verify_signature};
use xml::{esc, num};

/// The namespace of OFD's elements.
pub const NS: &str = "http://www.ofdspec.org/2016";
/// The sealed record's name among the attachments.
pub const RECORD_NAME: &str = "sealed-document.json";
/// Where the record lies in the package.
pub const RECORD_PATH: &str = "Doc_0/Attachs/sealed-document.json";

/// Millimetres per PDF point: the layout is in points, OFD in millimetres.
const MM: f32 = 25.4 / 72.0;

#[derive(Debug, thiserror::Error)]
pub enum OfdError {
    #[error("无法生成OFD文件：{0}")]
    Render(String),
}

/// Why an OFD does not verify, in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OfdVerifyError {
    #[error("不是有效的OFD文件：{0}")]
    NotOfd(String),
    #[error("OFD文件中找不到签章记录：不是一印签发的OFD，或内容被改动")]
    NoRecord,
    #[error("签章记录无效：{0}")]
    Record(#[from] yiyin_seal::VerifyError),
    #[error("OFD文件没有签名（GM/T 0099 Signatures.xml）：不是一印签发的OFD，或签名被删除")]
    NoSignature,
    #[error("OFD文件的签名无效：{0}")]
    Signature(String),
}

/// One font resource: its id, how the subset renumbers the glyphs, and the characters it sets
/// with their glyphs in the whole font.
struct FontRes {
    id: u32,
    remapper: subsetter::GlyphRemapper,
    chars: BTreeMap<char, u16>,
}

/// The font file embedded for `res`: the subset of font `font` with the glyphs `res` uses, with a
/// character map of the characters it sets (formats 4 and 12, to the subset's glyph numbers,
/// which are those of `ofd:CGTransform`) and the original's `OS/2` table.
fn embedded_font(font: usize, res: &FontRes) -> Result<Vec<u8>, OfdError> {
    let err = |e: &dyn std::fmt::Debug| OfdError::Render(format!("字体子集：{e:?}"));
    let subset = subsetter::subset(font_data(font), 0, &res.remapper).map_err(|e| err(&e))?;
    let mappings: Vec<(char, write_fonts::types::GlyphId)> = res
        .chars
        .iter()
        .filter_map(|(&c, &g)| Some((c, res.remapper.get(g).filter(|&n| n != 0)?.into())))
        .collect();
    let cmap = Cmap::from_mappings(mappings.iter().copied()).map_err(|e| err(&e))?;
    let mut builder = FontBuilder::new();
    builder.add_table(&cmap).map_err(|e| err(&e))?;
    let os2_tag = write_fonts::types::Tag::new(b"OS/2");
    let original = FontRef::new(font_data(font)).map_err(|e| err(&e))?;
    if let Some(os2) = original.data_for_tag(os2_tag) {
        let mut os2 = os2.as_bytes().to_vec();
        // usFirstCharIndex and usLastCharIndex: the subset's own (the BMP's end beyond it).
        let code = |c: Option<&(char, _)>| c.map_or(0, |(c, _)| (*c as u32).min(0xFFFF) as u16);
        if os2.len() >= 68 {
            os2[64..66].copy_from_slice(&code(mappings.first()).to_be_bytes());
            os2[66..68].copy_from_slice(&code(mappings.last()).to_be_bytes());
        }
        builder.add_raw(os2_tag, os2);
    }
    let subset_ref = FontRef::new(&subset).map_err(|e| err(&e))?;
    builder.copy_missing_tables(subset_ref);
    Ok(builder.build())
}

/// The font `font` (0: main, 1: fallback) parsed.
fn face(font: usize) -> Face<'static> {
    let data = font_data(font);
    Face::parse(data, 0).expect("the embedded font parses")
}

fn font_data(font: usize) -> &'static [u8] {
    if font == 0 {
        yiyin_pdf::FONT
    } else {
        yiyin_pdf::FALLBACK_FONT
    }
}

const FONT_NAMES: [&str; 2] = ["Noto Serif CJK SC", "Unifont"];

/// Who signs an OFD: the seal's key, its certificate (DER) and its seal data (GB/T 38540
/// `SES_Seal`, DER), as the seal-making authority issued them.
#[derive(Debug, Clone, Copy)]
pub struct Signer<'a> {
    pub key: &'a SealKey,
    pub cert: &'a [u8],
    pub seal: &'a [u8],
}

/// Renders a sealed document as an OFD package signed with its seal (GM/T 0099 signature with a
/// GB/T 38540 `SES_Signature`, see [`sign`]); `signed_at` is the signing time (RFC 3339) written
/// into the signature.
pub fn render(
    sealed: &SealedDocument,
    record: &DocumentRecord,
    verification: &Verification,
    signer: &Signer<'_>,
    signed_at: &str,
) -> Result<Vec<u8>, OfdError> {
    let mut files = package(sealed, record, verification)?;
    sign::add_signature(&mut files, sealed, signer, signed_at)?;
    zip_files(&files)
}

/// An OFD package laid out and waiting for its seal's signature, for a signer elsewhere (a
/// county's own e-seal system, whose key stays in its cryptographic module): [`Unsigned::to_sign`]
/// is the DER `TBS_Sign` the holder signs, [`Unsigned::finish`] completes the package with that
/// signature and the holder's certificate. The result is what [`render`] makes with a key here.
#[derive(Debug, Clone)]
pub struct Unsigned {
    files: Files,
    xml: String,
    to_sign: Vec<u8>,
}

/// Lays out a sealed document as an OFD package as [`render`] does, signed with the seal data
/// `seal` (GB/T 38540 `SES_Seal`, DER) at `signed_at`, the holder's signature still to be made.
pub fn prepare(
    sealed: &SealedDocument,
    record: &DocumentRecord,
    verification: &Verification,
    seal: &[u8],
    signed_at: &str,
) -> Result<Unsigned, OfdError> {
    let mut files = package(sealed, record, verification)?;
    let (xml, to_sign) = sign::prepare_signature(&mut files, sealed, seal, signed_at)?;
    Ok(Unsigned {
        files,
        xml,
        to_sign,
    })
}

impl Unsigned {
    /// The DER `TBS_Sign` the holder's SM2 signature covers.
    pub fn to_sign(&self) -> &[u8] {
        &self.to_sign
    }

    /// The signed package: the holder's certificate (DER) and SM2 signature (DER) over
    /// [`Unsigned::to_sign`].
    pub fn finish(mut self, cert: &[u8], signature: &[u8]) -> Result<Vec<u8>, OfdError> {
        sign::finish_signature(&mut self.files, self.xml, &self.to_sign, cert, signature)?;
        zip_files(&self.files)
    }
}

/// The files of a package, by path, in the order they are written.
pub(crate) type Files = Vec<(String, Vec<u8>)>;

fn zip_files(files: &Files) -> Result<Vec<u8>, OfdError> {
    let err = |e: &dyn std::fmt::Display| OfdError::Render(e.to_string());
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (path, bytes) in files {
        zip.start_file(path.as_str(), options)
            .map_err(|e| err(&e))?;
        zip.write_all(bytes).map_err(|e| err(&e))?;
    }
    Ok(zip.finish().map_err(|e| err(&e))?.into_inner())
}

/// Reads every file of a package.
pub fn unzip(ofd: &[u8]) -> Result<BTreeMap<String, Vec<u8>>, OfdVerifyError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(ofd))
        .map_err(|e| OfdVerifyError::NotOfd(format!("zip 包无法读取（{e}）")))?;
    let mut files = BTreeMap::new();
    for i in 0..zip.len() {
        let mut f = zip
            .by_index(i)
            .map_err(|e| OfdVerifyError::NotOfd(format!("zip 包无法读取（{e}）")))?;
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes)
            .map_err(|e| OfdVerifyError::NotOfd(format!("zip 包无法读取（{e}）")))?;
        let name = f
            .name()
            .map_err(|e| OfdVerifyError::NotOfd(format!("zip 包无法读取（{e}）")))?
            .to_string();
        files.insert(name, bytes);
    }
    Ok(files)
}

/// A package from its files as [`unzip`] gives them, `OFD.xml` first (the entry readers look for).
pub fn pack(files: &BTreeMap<String, Vec<u8>>) -> Result<Vec<u8>, OfdError> {
    let first = files.iter().filter(|(p, _)| *p == "OFD.xml");
    let list: Files = first
        .chain(files.iter().filter(|(p, _)| *p != "OFD.xml"))
        .map(|(p, b)| (p.clone(), b.clone()))
        .collect();
    zip_files(&list)
}

/// Whether the bytes look like an OFD package (a zip whose first entry is `OFD.xml`).
pub fn is_ofd(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") && bytes.get(30..37) == Some(b"OFD.xml".as_slice())
}

/// The sealed record attached to an OFD, if any.
pub fn embedded_record(ofd: &[u8]) -> Option<SealedDocument> {
    let files = unzip(ofd).ok()?;
    let json = files.get(RECORD_PATH)?;
    SealedDocument::from_json(std::str::from_utf8(json).ok()?).ok()
}

/// Verifies an OFD: its signature (every signed file's SM3 digest and the seal's SM2 signature,
/// with the key of the seal named in the attached record) and the record's own signature. Returns
/// the record.
pub fn verify(ofd: &[u8]) -> Result<SealedDocument, OfdVerifyError> {
    Ok(verify_report(ofd)?.0)
}

/// Verifies an OFD as [`verify`] does and returns, beside the record, what the signature says:
/// the signed files, the time, and the GB/T 38540 seal with its certificates (whether the maker's
/// certificate is a trusted root and whether the signer's is revoked is for the caller to say).
pub fn verify_report(ofd: &[u8]) -> Result<(SealedDocument, SignatureCheck), OfdVerifyError> {
    let files = unzip(ofd)?;
    let json = files.get(RECORD_PATH).ok_or(OfdVerifyError::NoRecord)?;
    let record = std::str::from_utf8(json)
        .ok()
        .and_then(|t| SealedDocument::from_json(t).ok())
        .ok_or(OfdVerifyError::NoRecord)?;
    record.verify()?;
    let check = sign::check(&files, &record.seal.public_key)?;
    Ok((record, check))
}

/// Why a file (OFD, PDF or sealed JSON) does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileVerifyError {
    #[error(transparent)]
    Ofd(#[from] OfdVerifyError),
    #[error(transparent)]
    Pdf(#[from] yiyin_pdf::PdfVerifyError),
}

/// Verifies a file that is an OFD made by [`render`], a PDF made by `yiyin_pdf::render`, or a
/// sealed record in JSON. Returns the record; the error says exactly what is wrong.
pub fn verify_any(bytes: &[u8]) -> Result<SealedDocument, FileVerifyError> {
    if bytes.starts_with(b"PK\x03\x04") {
        return Ok(verify(bytes)?);
    }
    Ok(yiyin_pdf::verify_any(bytes)?)
}

/// The sealed record an OFD or a PDF carries, if any (to say which document a file that does not
/// verify claims to be).
pub fn embedded_record_any(bytes: &[u8]) -> Option<SealedDocument> {
    if bytes.starts_with(b"PK\x03\x04") {
        embedded_record(bytes)
    } else {
        yiyin_pdf::embedded_record(bytes)
    }
}

/// The e-licence's metadata in the document information (GB/T 36903 电子证照 元数据规范, its
/// elements by their Chinese names), and the GB/T 36904 identifier.
fn custom_data(record: &DocumentRecord, sealed: &SealedDocument) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if let Some(id) = &record.identifier {
        out.push(("证照标识", id.clone()));
    }
    out.push(("证照名称", record.title.clone()));
    out.push(("证照编号", record.number.clone()));
    out.push(("持证主体", record.recipient.clone()));
    out.push(("证照颁发机构", record.agency.clone()));
    out.push(("证照颁发日期", record.issued_on.to_string()));
    if let Some(until) = record.valid_until {
        out.push(("证照有效期截止日期", until.to_string()));
    }
    if !record.case_number.is_empty() {
        out.push(("办件编号", record.case_number.clone()));
    }
    out.push(("电子印章", sealed.seal.name.clone()));
    out
}

/// Builds every file of the package (unsigned).
fn package(
    sealed: &SealedDocument,
    record: &DocumentRecord,
    verification: &Verification,
) -> Result<Files, OfdError> {
    // Every page as the PDF paints it: a simulated document's watermark first, under the text.
    let watermark = yiyin_pdf::simulation_watermark(sealed);
    let pages: Vec<Vec<Mark>> = layout::layout(sealed, record, verification)
        .into_iter()
        .map(|marks| watermark.iter().cloned().chain(marks).collect())
        .collect();
    let mut next_id = 0u32;
    let mut id = || {
        next_id += 1;
        next_id
    };
    // The fonts: the glyphs each one sets.
    let faces = [face(0), face(1)];
    let mut fonts: Vec<Option<FontRes>> = vec![None, None];
    for marks in &pages {
        for m in marks {
            if let Mark::Text { runs, .. } = m {
                for run in runs {
                    let res = fonts[run.font].get_or_insert_with(|| FontRes {
                        id: 0,
                        remapper: subsetter::GlyphRemapper::new(),
                        chars: BTreeMap::new(),
                    });
                    for c in run.text.chars() {
                        let g = faces[run.font].glyph_index(c).unwrap_or(GlyphId(0));
                        res.remapper.remap(g.0);
                        res.chars.insert(c, g.0);
                    }
                }
            }
        }
    }
    for f in fonts.iter_mut().flatten() {
        f.id = id();
    }
    let mut files: Files = Vec::new();
    let mut res_files: Files = Vec::new();
    let mut public = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><ofd:Res xmlns:ofd="{NS}" BaseLoc="Res"><ofd:Fonts>"#
    );
    for (i, f) in fonts.iter().enumerate() {
        let Some(f) = f else { continue };
        let subset = embedded_font(i, f)?;
        public.push_str(&format!(
            r#"<ofd:Font ID="{}" FontName="{n}" FamilyName="{n}"><ofd:FontFile>font_{i}.otf</ofd:FontFile></ofd:Font>"#,
            f.id,
            n = FONT_NAMES[i]
        ));
        res_files.push((format!("Doc_0/Res/font_{i}.otf"), subset));
    }
    public.push_str("</ofd:Fonts></ofd:Res>");
    // The images: one per seal and QR code.
    let mut media = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><ofd:Res xmlns:ofd="{NS}" BaseLoc="Res"><ofd:MultiMedias>"#
    );
    let mut n_images = 0;
    let mut page_xml = Vec::new();
    let mut page_ids = Vec::new();
    for marks in &pages {
        let page_id = id();
        page_ids.push(page_id);
        let layer = id();
        let mut c = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{NS}"><ofd:Content><ofd:Layer ID="{layer}" Type="Body">"#
        );
        for m in marks {
            match m {
                Mark::Text {
                    y,
                    size,
                    color,
                    runs,
                } => {
                    for run in runs {
                        let Some(font) = &fonts[run.font] else {
                            continue;
                        };
                        let glyphs: Vec<String> = run
                            .text
                            .chars()
                            .map(|ch| {
                                let g = faces[run.font].glyph_index(ch).unwrap_or(GlyphId(0));
                                font.remapper.get(g.0).unwrap_or(0).to_string()
                            })
                            .collect();
                        let n = glyphs.len();
                        let delta: Vec<String> = run.advances[..n.saturating_sub(1)]
                            .iter()
                            .map(|a| num(a * MM))
                            .collect();
                        let delta = if delta.is_empty() {
                            String::new()
                        } else {
                            format!(r#" DeltaX="{}""#, delta.join(" "))
                        };
                        c.push_str(&format!(
                            r#"<ofd:TextObject ID="{}" Boundary="{} {} {} {}" Font="{}" Size="{}"><ofd:FillColor Value="{} {} {}"/><ofd:CGTransform CodePosition="0" CodeCount="{n}" GlyphCount="{n}"><ofd:Glyphs>{}</ofd:Glyphs></ofd:CGTransform><ofd:TextCode X="0" Y="{}"{delta}>{}</ofd:TextCode></ofd:TextObject>"#,
                            id(),
                            num(run.x * MM),
                            num((y - size) * MM),
                            num((run.width() + size) * MM),
                            num(size * 1.4 * MM),
                            font.id,
                            num(size * MM),
                            color.0,
                            color.1,
                            color.2,
                            glyphs.join(" "),
                            num(size * MM),
                            esc(&run.text),
                        ));
                    }
                }
                Mark::Bar { x, y, w, h, color } => {
                    c.push_str(&format!(
                        r#"<ofd:PathObject ID="{}" Boundary="{} {} {} {}" Stroke="false" Fill="true"><ofd:FillColor Value="{} {} {}"/><ofd:AbbreviatedData>M 0 0 L {w} 0 L {w} {h} L 0 {h} C</ofd:AbbreviatedData></ofd:PathObject>"#,
                        id(),
                        num(x * MM),
                        num(y * MM),
                        num(w * MM),
                        num(h * MM),
                        color.0,
                        color.1,
                        color.2,
                        w = num(w * MM),
                        h = num(h * MM),
                    ));
                }
                Mark::Row {
                    x,
                    top,
                    w,
                    h,
                    label_w,
                } => {
                    // The box reaches half a line beyond the rules, so that no reader clips them.
                    let lw = layout::RULE_WIDTH * MM;
                    let (bx, by) = (x * MM - lw, top * MM - lw);
                    let (x0, y0, x1, y1, xl) =
                        (lw, lw, lw + w * MM, lw + h * MM, lw + label_w * MM);
                    c.push_str(&format!(
                        r#"<ofd:PathObject ID="{}" Boundary="{} {} {} {}" LineWidth="{}" Stroke="true" Fill="false"><ofd:StrokeColor Value="0 0 0"/><ofd:AbbreviatedData>M {x0} {y0} L {x1} {y0} L {x1} {y1} L {x0} {y1} C M {xl} {y0} L {xl} {y1}</ofd:AbbreviatedData></ofd:PathObject>"#,
                        id(),
                        num(bx),
                        num(by),
                        num(w * MM + 2.0 * lw),
                        num(h * MM + 2.0 * lw),
                        num(lw),
                        x0 = num(x0),
                        y0 = num(y0),
                        x1 = num(x1),
                        y1 = num(y1),
                        xl = num(xl),
                    ));
                }
                Mark::Seal { name, x, y, size } => {
                    // 300 dpi.
                    let px = (size / 72.0 * 300.0).round() as u32;
                    let png = raster::seal_png(name, px);
                    let res = id();
                    embed_png((&mut media, &mut res_files, &mut n_images), res, png);
                    c.push_str(&image(id(), res, *x, *y, *size));
                }
                Mark::Qr { data, x, y, side } => {
                    let Some(png) = raster::qr_png(data, 8) else {
                        continue;
                    };
                    let res = id();
                    embed_png((&mut media, &mut res_files, &mut n_images), res, png);
                    c.push_str(&image(id(), res, *x, *y, *side));
                }
            }
        }
        c.push_str("</ofd:Layer></ofd:Content></ofd:Page>");
        page_xml.push(c);
    }
    media.push_str("</ofd:MultiMedias></ofd:Res>");
    let attach_id = id();
    let max_id = id();
    let mut document = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="{NS}"><ofd:CommonData><ofd:MaxUnitID>{max_id}</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes><ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes></ofd:CommonData><ofd:Pages>"#
    );
    for (i, pid) in page_ids.iter().enumerate() {
        document.push_str(&format!(
            r#"<ofd:Page ID="{pid}" BaseLoc="Pages/Page_{i}/Content.xml"/>"#
        ));
    }
    document.push_str(
        "</ofd:Pages><ofd:Attachments>Attachs/Attachments.xml</ofd:Attachments></ofd:Document>",
    );
    let json = serde_json::to_vec(sealed).expect("sealed document serialises");
    let attachments = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><ofd:Attachments xmlns:ofd="{NS}"><ofd:Attachment ID="{attach_id}" Name="{RECORD_NAME}" Format="json" CreationDate="{}" Size="{}" Visible="false"><ofd:FileLoc>{RECORD_NAME}</ofd:FileLoc></ofd:Attachment></ofd:Attachments>"#,
        esc(&sealed.signed_at),
        num(json.len() as f32 / 1024.0),
    );
    // The document information: the e-licence's metadata.
    let doc_id = &yiyin_seal::sm3_hex(&sealed.signed_bytes())[..32];
    let mut ofd = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="{NS}" Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo><ofd:DocID>{doc_id}</ofd:DocID><ofd:Title>{}</ofd:Title><ofd:Author>{}</ofd:Author><ofd:Subject>{}</ofd:Subject><ofd:CreationDate>{}</ofd:CreationDate><ofd:Creator>一印 Yiyin</ofd:Creator><ofd:CreatorVersion>{}</ofd:CreatorVersion><ofd:CustomDatas>"#,
        esc(&format!("{} {}", record.title, record.number)),
        esc(&record.agency),
        esc(&record.title),
        record.issued_on,
        env!("CARGO_PKG_VERSION"),
    );
    for (name, value) in custom_data(record, sealed) {
        ofd.push_str(&format!(
            r#"<ofd:CustomData Name="{name}">{}</ofd:CustomData>"#,
            esc(&value)
        ));
    }
    ofd.push_str("</ofd:CustomDatas></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>");
    files.push(("OFD.xml".into(), ofd.into_bytes()));
    files.push(("Doc_0/Document.xml".into(), document.into_bytes()));
    files.push(("Doc_0/PublicRes.xml".into(), public.into_bytes()));
    files.push(("Doc_0/DocumentRes.xml".into(), media.into_bytes()));
    for (i, c) in page_xml.into_iter().enumerate() {
        files.push((format!("Doc_0/Pages/Page_{i}/Content.xml"), c.into_bytes()));
    }
    files.extend(res_files);
    files.push((
        "Doc_0/Attachs/Attachments.xml".into(),
        attachments.into_bytes(),
    ));
    files.push((RECORD_PATH.into(), json));
    Ok(files)
}

/// An image object `side` wide and high with its top-left corner at (x, y) (points).
/// Embeds a PNG as image resource `res`: its entry among the document's multimedia, its file
/// (the `n`th image) among the resource files.
fn embed_png((media, files, n): (&mut String, &mut Files, &mut usize), res: u32, png: Vec<u8>) {
    let file = format!("image_{n}.png");
    *n += 1;
    media.push_str(&format!(
        r#"<ofd:MultiMedia ID="{res}" Type="Image" Format="PNG"><ofd:MediaFile>{file}</ofd:MediaFile></ofd:MultiMedia>"#
    ));
    files.push((format!("Doc_0/Res/{file}"), png));
}

fn image(id: u32, res: u32, x: f32, y: f32, side: f32) -> String {
    let s = num(side * MM);
    format!(
        r#"<ofd:ImageObject ID="{id}" Boundary="{} {} {s} {s}" CTM="{s} 0 0 {s} 0 0" ResourceID="{res}"/>"#,
        num(x * MM),
        num(y * MM),
    )
}

#[cfg(test)]
mod tests;
