//! A sealed document: the canonical record of a document, the seal that signed it (with its public
//! key) and the detached SM2 signature over both. Verification needs nothing but the file; whether
//! the seal is one of the bureau's is answered by the published seal list.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::canonical::canonical;
use crate::keys::{SealKey, SignatureError, verify};
use crate::{hex, unhex};

/// The format tag of a sealed document.
pub const FORMAT: &str = "yiyin-sealed-document/1";

/// The seal that signed: enough to verify offline and to tell who signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealInfo {
    pub id: i64,
    /// 「汉阴县行政审批服务局行政审批专用章」
    pub name: String,
    /// The agency holding the seal.
    pub holder: String,
    /// SEC1 public key in hex.
    pub public_key: String,
    pub valid_from: String,
    pub valid_until: String,
}

/// A signed document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedDocument {
    pub format: String,
    /// The document's canonical record (its fields as issued).
    pub document: Value,
    pub seal: SealInfo,
    /// When it was signed (RFC 3339).
    pub signed_at: String,
    /// The DER SM2 signature over the canonical form of everything above, in hex.
    pub signature: String,
}

/// Why a sealed document does not verify, in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("不是一印签发的电子文书（格式无法识别：{0}）")]
    NotSealed(String),
    #[error("签名无效：{0}")]
    Signature(#[from] SignatureError),
    #[error("签章时印章不在有效期内（有效期 {from} 至 {until}，签章时间 {at}）")]
    SealNotValid {
        from: String,
        until: String,
        at: String,
    },
}

impl SealedDocument {
    fn signed_value(&self) -> Value {
        json!({
            "format": self.format,
            "document": self.document,
            "seal": self.seal,
            "signed_at": self.signed_at,
        })
    }

    /// The bytes the signature covers (canonical JSON).
    pub fn signed_bytes(&self) -> Vec<u8> {
        canonical(&self.signed_value())
    }

    /// Signs a document record with a seal.
    pub fn seal(document: Value, seal: SealInfo, key: &SealKey, signed_at: &str) -> Self {
        let d = Self::unsigned(document, seal, signed_at);
        let signature = key.sign(&d.signed_bytes());
        d.with_signature(&signature)
    }

    /// A document record to be signed by a signer elsewhere (a county's own e-seal system): its
    /// [`SealedDocument::signed_bytes`] are what the seal signs; [`SealedDocument::with_signature`]
    /// completes it.
    pub fn unsigned(document: Value, seal: SealInfo, signed_at: &str) -> Self {
        SealedDocument {
            format: FORMAT.into(),
            document,
            seal,
            signed_at: signed_at.into(),
            signature: String::new(),
        }
    }

    /// The document with its SM2 signature (DER) over [`SealedDocument::signed_bytes`].
    pub fn with_signature(mut self, der: &[u8]) -> Self {
        self.signature = hex(der);
        self
    }

    /// Checks the signature with the seal's public key and that the seal was valid when it signed.
    pub fn verify(&self) -> Result<(), VerifyError> {
        if self.format != FORMAT {
            return Err(VerifyError::NotSealed(self.format.clone()));
        }
        let sig =
            unhex(&self.signature).ok_or(VerifyError::Signature(SignatureError::BadSignature))?;
        verify(&self.seal.public_key, &self.signed_bytes(), &sig)?;
        let day = self.signed_at.get(..10).unwrap_or_default();
        if day < self.seal.valid_from.as_str() || day > self.seal.valid_until.as_str() {
            return Err(VerifyError::SealNotValid {
                from: self.seal.valid_from.clone(),
                until: self.seal.valid_until.clone(),
                at: self.signed_at.clone(),
            });
        }
        Ok(())
    }

    /// Reads a sealed document from JSON text.
    pub fn from_json(text: &str) -> Result<Self, VerifyError> {
        serde_json::from_str(text).map_err(|e| VerifyError::NotSealed(e.to_string()))
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("sealed document serialises")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_documents_verify_and_any_change_is_caught() {
        let key = SealKey::generate();
        let doc = SealedDocument::seal(
            json!({"title": "受理通知书", "number": "汉阴审批受字〔2026〕HY2026000001号"}),
            crate::testing::hanyin_seal(&key),
            &key,
            "2026-06-15T09:00:00+08:00",
        );
        assert!(doc.verify().is_ok());
        let back = SealedDocument::from_json(&doc.to_json()).unwrap();
        assert!(back.verify().is_ok());

        let mut changed = doc.clone();
        changed.document["title"] = json!("不予受理决定书");
        assert_eq!(
            changed.verify(),
            Err(VerifyError::Signature(SignatureError::Mismatch))
        );
        let mut swapped = doc.clone();
        swapped.seal.name = "别的章".into();
        assert!(swapped.verify().is_err());
        let other = SealKey::generate();
        let mut forged = doc.clone();
        forged.seal.public_key = other.public_hex();
        assert!(forged.verify().is_err());
        let late = SealedDocument::seal(
            json!({}),
            crate::testing::hanyin_seal(&key),
            &key,
            "2031-01-01T09:00:00+08:00",
        );
        assert!(matches!(
            late.verify(),
            Err(VerifyError::SealNotValid { .. })
        ));
        assert!(SealedDocument::from_json("{}").is_err());
    }
}
