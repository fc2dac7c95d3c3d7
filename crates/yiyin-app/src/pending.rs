//! Files kept across a refused upload form: when one chosen file of a form is refused (its type, its
//! size), the others that passed are kept for that form (its idempotency key) in that session, shown
//! as kept, and attached when the form is sent again — by the same session only. Their bytes are
//! kept in the blob store under the digest computed here; a client never names a digest.

use yiyin_store::pending_uploads::PendingUpload;

use crate::App;
use crate::accounts::{Session, token_hash};
use crate::cases::Upload;
use crate::error::{AppError, Result};

/// How long a kept file waits for its form to be sent again.
const KEPT_HOURS: i64 = 24;

/// The form key as a session binds it: present and bounded.
fn form_key(key: &str) -> Result<&str> {
    let key = key.trim();
    if key.is_empty() || key.len() > 100 {
        return Err(AppError::field("key", "表单标识无效，请刷新页面后重新填写"));
    }
    Ok(key)
}

impl App {
    /// Keeps the files that passed their checks for the form `key` of this session (a file kept
    /// for a material replaces the one kept before); returns everything kept for the form.
    pub async fn keep_pending(
        &self,
        session: &Session,
        key: &str,
        uploads: &[Upload],
    ) -> Result<Vec<PendingUpload>> {
        let key = form_key(key)?;
        let hash = token_hash(&session.token);
        let now = self.now();
        let stale = now - chrono::Duration::hours(KEPT_HOURS);
        for u in uploads {
            u.check()?;
            let digest = self.blobs.put(&u.bytes).await?;
            self.store
                .keep_pending_upload(
                    &hash,
                    key,
                    &u.material,
                    &u.safe_name(),
                    u.bytes.len() as i64,
                    &digest,
                    now.timestamp_millis(),
                    stale.timestamp_millis(),
                )
                .await?;
        }
        Ok(self.store.pending_uploads(&hash, key).await?)
    }

    /// The files kept for the form `key` of this session, as uploads, except for the materials
    /// `sent` again with the form (the file sent last wins).
    pub async fn pending_for(
        &self,
        session: &Session,
        key: &str,
        sent: &[Upload],
    ) -> Result<Vec<Upload>> {
        let Ok(key) = form_key(key) else {
            return Ok(vec![]);
        };
        let mut kept = Vec::new();
        for p in self
            .store
            .pending_uploads(&token_hash(&session.token), key)
            .await?
        {
            if sent.iter().any(|u| u.material == p.material_code) {
                continue;
            }
            kept.push(Upload {
                material: p.material_code,
                name: p.file_name,
                bytes: self.blobs.get(&p.digest).await?,
            });
        }
        Ok(kept)
    }

    /// Forgets the files kept for the form `key` of this session, once attached.
    pub async fn drop_pending(&self, session: &Session, key: &str) -> Result<()> {
        if let Ok(key) = form_key(key) {
            self.store
                .drop_pending_uploads(&token_hash(&session.token), key)
                .await?;
        }
        Ok(())
    }
}
