//! The e-archive as rows: each closed case's package (its digest in the blob store and the digest of
//! its signed manifest), and the chain heads published each day with the platform seal's signature.

use serde::Serialize;

use crate::rows::{insert, record, select, sql};
use crate::{Result, Store, WriteTx};

record! {
    /// A day's chain head, signed by the platform seal.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct PublishedHead {
        pub day: String,
        pub seq: i64,
        pub hash: String,
        pub signed_at: String,
        pub seal_id: i64,
        pub signature: String,
    }
}

impl PublishedHead {
    /// The bytes the platform seal signs for a head.
    pub fn message(day: &str, seq: i64, hash: &str) -> Vec<u8> {
        format!("yiyin-chain-head|{day}|{seq}|{hash}").into_bytes()
    }
}

impl WriteTx {
    /// Publishes a day's head; false when that day's head was published already.
    pub async fn insert_head(&mut self, head: &PublishedHead) -> Result<bool> {
        insert!("chain_heads";
            day = &head.day, seq = head.seq, hash = &head.hash, signed_at = &head.signed_at,
            seal_id = head.seal_id, signature = &head.signature;
            "ON CONFLICT (day) DO NOTHING")
        .changed_one(&mut **self)
        .await
    }

    /// Registers a case's package (once).
    pub async fn save_archive(
        &mut self,
        case_id: i64,
        digest: &str,
        manifest_digest: &str,
        at_ms: i64,
    ) -> Result<()> {
        insert!("archives";
            case_id, digest, manifest_digest, created_at = at_ms;
            "ON CONFLICT (case_id) DO NOTHING")
        .run(&mut **self)
        .await
    }
}

impl Store {
    /// Whether a day's head has been published.
    pub async fn head_published(&self, day: &str) -> Result<bool> {
        let seq: Option<i64> = sql!("SELECT seq FROM chain_heads WHERE day = $1"; day)
            .optional_scalar(self.reader())
            .await?;
        Ok(seq.is_some())
    }

    /// The published heads, newest first.
    pub async fn published_heads(&self, limit: i64) -> Result<Vec<PublishedHead>> {
        sql!(select::<PublishedHead>("chain_heads ORDER BY day DESC LIMIT $1"); limit)
            .all(self.reader())
            .await
    }

    /// The digest of a case's package, if built.
    pub async fn archive_of(&self, case_id: i64) -> Result<Option<String>> {
        sql!("SELECT digest FROM archives WHERE case_id = $1"; case_id)
            .optional_scalar(self.reader())
            .await
    }

    /// Closed cases without a package yet, oldest first.
    pub async fn cases_to_archive(&self, limit: i64) -> Result<Vec<i64>> {
        sql!(
            "SELECT id FROM cases WHERE closed = 1 AND id NOT IN (SELECT case_id FROM archives)
             ORDER BY id LIMIT $1";
            limit
        )
        .scalars(self.reader())
        .await
    }
}
