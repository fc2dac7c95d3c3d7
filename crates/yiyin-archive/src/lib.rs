//! The e-archive of a closed case (电子档案): one zip package holding the case, every sealed document
//! (its signed record, its PDF and its OFD), every material, and the case's events from the hash-chained log;
//! with a manifest of every file's SM3 digest, signed by the seal that decided the case.
//!
//! [`verify`] needs nothing but the package: the manifest's signature, every file's digest and size,
//! no file missing or added, every event's own hash, every sealed document's signatures. Any changed
//! byte is reported with the file it is in.

use std::io::{Cursor, Read, Write};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use yiyin_seal::canonical::canonical;
use yiyin_seal::{SealInfo, SealKey, SealedDocument, hex, sm3_hex, unhex};
use yiyin_store::events::Event;

pub const FORMAT: &str = "yiyin-archive/1";
const MANIFEST: &str = "manifest.json";
const SIGNATURE: &str = "manifest.sig";
const EVENTS: &str = "events.jsonl";

/// One file of a package as the manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: String,
    pub sm3: String,
    pub size: u64,
}

/// The manifest: what the package holds, signed by the seal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub case_number: String,
    pub jurisdiction: String,
    pub item: String,
    pub applicant: String,
    pub state: String,
    pub created_at: String,
    pub events: usize,
    pub last_event_hash: String,
    pub files: Vec<FileEntry>,
    pub seal: SealInfo,
}

/// What goes into a package.
pub struct Contents {
    pub case_number: String,
    pub jurisdiction: String,
    pub item: String,
    pub applicant: String,
    pub state: String,
    /// The case as JSON.
    pub case: Value,
    pub events: Vec<Event>,
    /// (file name, bytes): sealed records (`.json`), PDFs (`.pdf`) and OFDs (`.ofd`).
    pub documents: Vec<(String, Vec<u8>)>,
    /// (file name, bytes): documents issued before the seals were switched on, as unsealed records
    /// (covered by the manifest's signature, but carrying no seal of their own).
    pub unsealed: Vec<(String, Vec<u8>)>,
    /// (file name, bytes).
    pub materials: Vec<(String, Vec<u8>)>,
}

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("不是有效的档案包（zip）：{0}")]
    NotZip(String),
    #[error("档案包缺少 {0}")]
    Missing(String),
    #[error("档案包清单无法读取：{0}")]
    BadManifest(String),
    #[error("档案包清单的签名无效：清单被改动，或不是该印章所签")]
    ManifestSignature,
    #[error("文件 {0} 的 SM3 摘要与清单不符：文件被改动")]
    Changed(String),
    #[error("文件 {path} 的大小与清单不符（清单 {listed} 字节，实际 {actual} 字节）")]
    Size {
        path: String,
        listed: u64,
        actual: u64,
    },
    #[error("档案包中有清单未列出的文件 {0}")]
    Extra(String),
    #[error("事件记录第{line}行（第{seq}号事件）的哈希不符：事件被改动")]
    Event { line: usize, seq: i64 },
    #[error("事件记录第{0}行无法读取")]
    BadEvent(usize),
    #[error("文书 {path} 的签章无效：{reason}")]
    Document { path: String, reason: String },
    #[error("无法生成档案包：{0}")]
    Build(String),
}

/// What a verified package holds.
#[derive(Debug, Clone)]
pub struct Report {
    pub manifest: Manifest,
    pub documents: usize,
    pub materials: usize,
}

/// The most characters of an entry's file name (its extension kept).
pub const MAX_NAME_CHARS: usize = 100;

/// Names Windows reserves for devices, whatever their extension.
const RESERVED: [&str; 22] = [
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// A file name (often an applicant's upload's) safe to unpack on every operating system: no
/// directories or `..`, none of `\ / : * ? " < > |`, no control, bidi or zero-width character, no
/// trailing dot or space, no device name of Windows (`CON`, `NUL`, `COM1`…), at most
/// [`MAX_NAME_CHARS`] characters with the extension kept, never empty.
pub fn safe_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        let bad = c.is_control()
            || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|')
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200B}'..='\u{200F}' | '\u{2060}' | '\u{FEFF}');
        let c = if bad { '_' } else { c };
        // A run of dots becomes one dot: no `..` anywhere.
        if c == '.' && out.ends_with('.') {
            continue;
        }
        out.push(c);
    }
    let mut out = out.trim_matches(|c: char| c == ' ' || c == '.').to_string();
    if out.chars().count() > MAX_NAME_CHARS {
        let ext: String = match out.rsplit_once('.') {
            Some((_, e)) if !e.is_empty() && e.chars().count() <= 10 => format!(".{e}"),
            _ => String::new(),
        };
        let keep = MAX_NAME_CHARS - ext.chars().count();
        out = out.chars().take(keep).collect::<String>();
        out = out.trim_end_matches([' ', '.']).to_string() + &ext;
    }
    let stem = out
        .split('.')
        .next()
        .unwrap_or("")
        .trim_end()
        .to_ascii_uppercase();
    if RESERVED.contains(&stem.as_str()) {
        out.insert(0, '_');
    }
    if out.is_empty() {
        out.push_str("file");
    }
    out
}

/// Builds a package, signing its manifest with the seal.
pub fn build(
    contents: &Contents,
    seal: &SealInfo,
    key: &SealKey,
    created_at: &str,
) -> Result<Vec<u8>, ArchiveError> {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    files.push((
        "case.json".into(),
        serde_json::to_vec_pretty(&contents.case)
            .map_err(|e| ArchiveError::Build(e.to_string()))?,
    ));
    let mut events = Vec::new();
    for e in &contents.events {
        events.extend(serde_json::to_vec(e).map_err(|e| ArchiveError::Build(e.to_string()))?);
        events.push(b'\n');
    }
    files.push((EVENTS.into(), events));
    for (i, (name, bytes)) in contents.documents.iter().enumerate() {
        files.push((
            format!("documents/{:02}-{}", i + 1, safe_name(name)),
            bytes.clone(),
        ));
    }
    for (i, (name, bytes)) in contents.unsealed.iter().enumerate() {
        files.push((
            format!("unsealed/{:02}-{}", i + 1, safe_name(name)),
            bytes.clone(),
        ));
    }
    for (i, (name, bytes)) in contents.materials.iter().enumerate() {
        files.push((
            format!("materials/{:02}-{}", i + 1, safe_name(name)),
            bytes.clone(),
        ));
    }
    let manifest = Manifest {
        format: FORMAT.into(),
        case_number: contents.case_number.clone(),
        jurisdiction: contents.jurisdiction.clone(),
        item: contents.item.clone(),
        applicant: contents.applicant.clone(),
        state: contents.state.clone(),
        created_at: created_at.into(),
        events: contents.events.len(),
        last_event_hash: contents
            .events
            .last()
            .map(|e| e.hash.clone())
            .unwrap_or_default(),
        files: files
            .iter()
            .map(|(path, bytes)| FileEntry {
                path: path.clone(),
                sm3: sm3_hex(bytes),
                size: bytes.len() as u64,
            })
            .collect(),
        seal: seal.clone(),
    };
    let manifest_value =
        serde_json::to_value(&manifest).map_err(|e| ArchiveError::Build(e.to_string()))?;
    let signature = hex(&key.sign(&canonical(&manifest_value)));
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let err = |e: zip::result::ZipError| ArchiveError::Build(e.to_string());
    let io = |e: std::io::Error| ArchiveError::Build(e.to_string());
    zip.start_file(MANIFEST, options).map_err(err)?;
    zip.write_all(
        &serde_json::to_vec_pretty(&manifest).map_err(|e| ArchiveError::Build(e.to_string()))?,
    )
    .map_err(io)?;
    zip.start_file(SIGNATURE, options).map_err(err)?;
    zip.write_all(signature.as_bytes()).map_err(io)?;
    for (path, bytes) in &files {
        zip.start_file(path.as_str(), options).map_err(err)?;
        zip.write_all(bytes).map_err(io)?;
    }
    Ok(zip.finish().map_err(err)?.into_inner())
}

/// Verifies a package; the error names the first thing wrong.
pub fn verify(package: &[u8]) -> Result<Report, ArchiveError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(package))
        .map_err(|e| ArchiveError::NotZip(e.to_string()))?;
    let mut read = |name: &str| -> Result<Vec<u8>, ArchiveError> {
        let mut f = zip
            .by_name(name)
            .map_err(|_| ArchiveError::Missing(name.to_string()))?;
        let mut buf = Vec::new();
        f.read_to_end(&mut buf)
            .map_err(|_| ArchiveError::Changed(name.to_string()))?;
        Ok(buf)
    };
    let manifest_bytes = read(MANIFEST)?;
    let signature = read(SIGNATURE)?;
    let manifest: Manifest = serde_json::from_slice(&manifest_bytes)
        .map_err(|e| ArchiveError::BadManifest(e.to_string()))?;
    let value =
        serde_json::to_value(&manifest).map_err(|e| ArchiveError::BadManifest(e.to_string()))?;
    let sig = std::str::from_utf8(&signature)
        .ok()
        .and_then(|s| unhex(s.trim()))
        .ok_or(ArchiveError::ManifestSignature)?;
    yiyin_seal::keys::verify(&manifest.seal.public_key, &canonical(&value), &sig)
        .map_err(|_| ArchiveError::ManifestSignature)?;
    let mut documents = 0;
    let mut materials = 0;
    for entry in &manifest.files {
        let bytes = read(&entry.path)?;
        if bytes.len() as u64 != entry.size {
            return Err(ArchiveError::Size {
                path: entry.path.clone(),
                listed: entry.size,
                actual: bytes.len() as u64,
            });
        }
        if sm3_hex(&bytes) != entry.sm3 {
            return Err(ArchiveError::Changed(entry.path.clone()));
        }
        if entry.path == EVENTS {
            for (i, line) in bytes
                .split(|b| *b == b'\n')
                .filter(|l| !l.is_empty())
                .enumerate()
            {
                let e: Event =
                    serde_json::from_slice(line).map_err(|_| ArchiveError::BadEvent(i + 1))?;
                if e.expected_hash(&e.prev_hash) != e.hash {
                    return Err(ArchiveError::Event {
                        line: i + 1,
                        seq: e.seq,
                    });
                }
            }
        } else if entry.path.starts_with("documents/") {
            documents += 1;
            let result = if entry.path.ends_with(".pdf") {
                yiyin_pdf::verify(&bytes)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            } else if entry.path.ends_with(".ofd") {
                yiyin_ofd::verify(&bytes)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            } else {
                std::str::from_utf8(&bytes)
                    .map_err(|e| e.to_string())
                    .and_then(|t| SealedDocument::from_json(t).map_err(|e| e.to_string()))
                    .and_then(|d| d.verify().map_err(|e| e.to_string()))
            };
            result.map_err(|reason| ArchiveError::Document {
                path: entry.path.clone(),
                reason,
            })?;
        } else if entry.path.starts_with("materials/") {
            materials += 1;
        }
    }
    let listed: Vec<&str> = manifest.files.iter().map(|f| f.path.as_str()).collect();
    for i in 0..zip.len() {
        let file = zip
            .by_index(i)
            .map_err(|e| ArchiveError::NotZip(e.to_string()))?;
        let name = file
            .name()
            .map_err(|e| ArchiveError::NotZip(e.to_string()))?
            .to_string();
        if name != MANIFEST && name != SIGNATURE && !listed.contains(&name.as_str()) {
            return Err(ArchiveError::Extra(name));
        }
    }
    Ok(Report {
        manifest,
        documents,
        materials,
    })
}

#[cfg(test)]
mod name_tests {
    use super::*;

    #[test]
    fn entry_names_are_safe_on_every_operating_system() {
        let cases = [
            ("营业执照.pdf", "营业执照.pdf"),
            ("../../etc/passwd", "_._etc_passwd"),
            ("..\\..\\windows\\system32", "_._windows_system32"),
            ("C:\\boot.ini", "C__boot.ini"),
            ("a*b?c\"d<e>f|g.pdf", "a_b_c_d_e_f_g.pdf"),
            ("nul\u{0}byte.pdf", "nul_byte.pdf"),
            ("报告\u{202E}fdp.exe", "报告_fdp.exe"),
            ("CON", "_CON"),
            ("nul.txt", "_nul.txt"),
            ("com1.pdf", "_com1.pdf"),
            ("trailing. . ", "trailing"),
            ("...", "file"),
            ("", "file"),
        ];
        for (given, safe) in cases {
            assert_eq!(safe_name(given), safe, "{given:?}");
        }
        let long = format!("{}.pdf", "长".repeat(300));
        let s = safe_name(&long);
        assert_eq!(s.chars().count(), MAX_NAME_CHARS);
        assert!(s.ends_with(".pdf"));
    }
}
