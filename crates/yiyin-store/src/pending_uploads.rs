//! Files kept from an upload form refused for another of its files, until the form is sent again:
//! bound to the session that sent them (its token's hash) and the form's idempotency key, their
//! bytes in the blob store under the digest the server computed.

use crate::rows::{insert, record, select, sql};
use crate::{Result, Store};

record! {
    /// A file kept for a form sent again.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct PendingUpload {
        pub id: i64,
        pub session_hash: String,
        pub form_key: String,
        pub material_code: String,
        pub file_name: String,
        pub size: i64,
        pub digest: String,
        pub kept_at: i64,
    }
}

impl Store {
    /// Keeps a file for the form `form_key` of a session, replacing one kept for the same material;
    /// forgets what any session kept before `stale_before_ms`.
    #[allow(clippy::too_many_arguments)]
    pub async fn keep_pending_upload(
        &self,
        session_hash: &str,
        form_key: &str,
        material_code: &str,
        file_name: &str,
        size: i64,
        digest: &str,
        now_ms: i64,
        stale_before_ms: i64,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sql!("DELETE FROM pending_uploads WHERE kept_at < $1"; stale_before_ms)
            .run(&mut *tx)
            .await?;
        sql!("DELETE FROM pending_uploads WHERE session_hash = $1 AND form_key = $2 AND material_code = $3";
            session_hash, form_key, material_code)
        .run(&mut *tx)
        .await?;
        insert!("pending_uploads";
            session_hash, form_key, material_code, file_name, size, digest, kept_at = now_ms)
        .run(&mut *tx)
        .await?;
        tx.commit().await
    }

    /// The files kept for the form `form_key` of a session, by material.
    pub async fn pending_uploads(
        &self,
        session_hash: &str,
        form_key: &str,
    ) -> Result<Vec<PendingUpload>> {
        let from =
            "pending_uploads WHERE session_hash = $1 AND form_key = $2 ORDER BY material_code, id";
        sql!(select::<PendingUpload>(from); session_hash, form_key)
            .all(self.reader())
            .await
    }

    /// Forgets the files kept for the form `form_key` of a session (once attached).
    pub async fn drop_pending_uploads(&self, session_hash: &str, form_key: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sql!("DELETE FROM pending_uploads WHERE session_hash = $1 AND form_key = $2"; session_hash, form_key)
            .run(&mut *tx)
            .await?;
        tx.commit().await
    }
}
