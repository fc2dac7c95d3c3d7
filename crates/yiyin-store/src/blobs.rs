//! The content-addressed blob store for attachments and generated files: every blob is kept once,
//! under its SM3 digest, in a local folder (`<data-dir>/blobs/ab/cd/<digest>`). Writes go to a
//! temporary file first and are renamed into place, so a blob is never seen half-written. An S3-style
//! store can replace it behind the same three calls.

use std::path::{Path, PathBuf};

use crate::crypto::sm3_hex;
use crate::{Result, StoreError};

#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
}

impl BlobStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    fn path(&self, digest: &str) -> Result<PathBuf> {
        if digest.len() != 64 || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(StoreError::Rejected(format!(
                "「{digest}」不是有效的文件摘要"
            )));
        }
        Ok(self
            .root
            .join(&digest[..2])
            .join(&digest[2..4])
            .join(digest))
    }

    /// Stores bytes; returns their SM3 digest (the same bytes are stored once).
    pub async fn put(&self, bytes: &[u8]) -> Result<String> {
        let digest = sm3_hex(bytes);
        let path = self.path(&digest)?;
        if tokio::fs::try_exists(&path).await.unwrap_or(false) {
            return Ok(digest);
        }
        let dir = path.parent().expect("blob path has a parent");
        tokio::fs::create_dir_all(dir).await.map_err(io)?;
        let tmp = dir.join(format!(".{digest}.{}", crate::crypto::random_code(8)));
        tokio::fs::write(&tmp, bytes).await.map_err(io)?;
        let file = tokio::fs::File::open(&tmp).await.map_err(io)?;
        file.sync_all().await.map_err(io)?;
        tokio::fs::rename(&tmp, &path).await.map_err(io)?;
        Ok(digest)
    }

    /// The bytes of a blob, checked against their digest.
    pub async fn get(&self, digest: &str) -> Result<Vec<u8>> {
        let path = self.path(digest)?;
        let bytes = tokio::fs::read(&path)
            .await
            .map_err(|_| StoreError::NotFound(format!("文件 {digest} 不存在")))?;
        if sm3_hex(&bytes) != digest {
            return Err(StoreError::Corrupt(format!(
                "文件 {digest} 的内容与摘要不符（已被改动）"
            )));
        }
        Ok(bytes)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
}

fn io(e: std::io::Error) -> StoreError {
    StoreError::Corrupt(format!("文件存储读写失败：{e}"))
}

/// The kinds of file accepted as materials, by their first bytes: (content type, label).
pub fn sniff(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    if bytes.starts_with(b"%PDF-") {
        Some(("application/pdf", "PDF"))
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(("image/jpeg", "JPEG"))
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(("image/png", "PNG"))
    } else if bytes.starts_with(b"PK\x03\x04") {
        // OFD (China's fixed-layout format) and office files are zip containers.
        Some(("application/zip", "OFD/ZIP"))
    } else {
        None
    }
}

/// The largest file accepted as a material.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn blobs_round_trip_and_detect_changes() {
        let dir = std::env::temp_dir().join(format!("yiyin-blobs-{}", std::process::id()));
        let store = BlobStore::new(&dir);
        let d = store.put(b"%PDF-1.7 test").await.unwrap();
        assert_eq!(store.put(b"%PDF-1.7 test").await.unwrap(), d);
        assert_eq!(store.get(&d).await.unwrap(), b"%PDF-1.7 test");
        std::fs::write(dir.join(&d[..2]).join(&d[2..4]).join(&d), b"changed").unwrap();
        assert!(
            store
                .get(&d)
                .await
                .unwrap_err()
                .to_string()
                .contains("被改动")
        );
        assert!(store.get("../etc/passwd").await.is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn only_documents_and_images() {
        assert_eq!(sniff(b"%PDF-1.4").unwrap().1, "PDF");
        assert!(sniff(b"MZ\x90\x00").is_none());
        assert!(sniff(b"<html>").is_none());
    }
}
