//! Test support: the sample seal the tests and the bench sign with, and a sample sealed with it. Compiled only for tests, the
//! bench and `yiyin-archive`'s tests (feature `testing`), never into the binary.

use crate::{SealInfo, SealKey, SealedDocument};

/// 汉阴县's approval seal as a test registers it, with `key`'s public half.
pub fn hanyin_seal(key: &SealKey) -> SealInfo {
    SealInfo {
        id: 1,
        name: "汉阴县行政审批服务局行政审批专用章".into(),
        holder: "汉阴县行政审批服务局".into(),
        public_key: key.public_hex(),
        valid_from: "2026-01-01".into(),
        valid_until: "2030-12-31".into(),
    }
}

/// `document` sealed with `key` under [`hanyin_seal`] at 09:00 on 16 June 2026, as the document
/// writers' tests seal their samples.
pub fn sealed_sample(document: serde_json::Value, key: &SealKey) -> SealedDocument {
    SealedDocument::seal(document, hanyin_seal(key), key, "2026-06-16T09:00:00+08:00")
}
