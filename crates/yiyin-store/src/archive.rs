//! The e-archive as rows: each closed case's package (its digest in the blob store and the digest of
//! its signed manifest), and the chain heads published each day with the platform seal's signature.

use serde::Serialize;

use crate::rows::from_row;
use crate::{Result, Store, WriteTx};

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

from_row!(PublishedHead {
    day,
    seq,
    hash,
    signed_at,
    seal_id,
    signature,
});

impl PublishedHead {
    /// The bytes the platform seal signs for a head.
    pub fn message(day: &str, seq: i64, hash: &str) -> Vec<u8> {
        format!("yiyin-chain-head|{day}|{seq}|{hash}").into_bytes()
    }
}

impl WriteTx {
    /// Publishes a day's head; false when that day's head was published already.
    pub async fn insert_head(&mut self, head: &PublishedHead) -> Result<bool> {
        let inserted = sqlx::query(
            "INSERT INTO chain_heads (day, seq, hash, signed_at, seal_id, signature) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (day) DO NOTHING",
        )
        .bind(&head.day)
        .bind(head.seq)
        .bind(&head.hash)
        .bind(&head.signed_at)
        .bind(head.seal_id)
        .bind(&head.signature)
        .execute(&mut **self)
        .await?;
        Ok(inserted.rows_affected() == 1)
    }

    /// Registers a case's package (once).
    pub async fn save_archive(
        &mut self,
        case_id: i64,
        digest: &str,
        manifest_digest: &str,
        at_ms: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO archives (case_id, digest, manifest_digest, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (case_id) DO NOTHING",
        )
        .bind(case_id)
        .bind(digest)
        .bind(manifest_digest)
        .bind(at_ms)
        .execute(&mut **self)
        .await?;
        Ok(())
    }
}

impl Store {
    /// Whether a day's head has been published.
    pub async fn head_published(&self, day: &str) -> Result<bool> {
        let seq: Option<i64> = sqlx::query_scalar("SELECT seq FROM chain_heads WHERE day = $1")
            .bind(day)
            .fetch_optional(self.reader())
            .await?;
        Ok(seq.is_some())
    }

    /// The published heads, newest first.
    pub async fn published_heads(&self, limit: i64) -> Result<Vec<PublishedHead>> {
        Ok(sqlx::query_as(
            "SELECT day, seq, hash, signed_at, seal_id, signature FROM chain_heads ORDER BY day DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.reader())
        .await?)
    }

    /// The digest of a case's package, if built.
    pub async fn archive_of(&self, case_id: i64) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT digest FROM archives WHERE case_id = $1")
                .bind(case_id)
                .fetch_optional(self.reader())
                .await?,
        )
    }

    /// Closed cases without a package yet, oldest first.
    pub async fn cases_to_archive(&self, limit: i64) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM cases WHERE closed = 1 AND id NOT IN (SELECT case_id FROM archives) ORDER BY id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.reader())
        .await?)
    }
}
