//! What proves the past: the daily chain heads signed by the platform seal, and the register of the
//! archive packages of closed cases (the packages themselves are zip blobs, built by `yiyin-archive`).

use chrono::NaiveDate;
use serde::Serialize;
use sqlx::Row;
use yiyin_domain::calendar::fmt_date;

use crate::seals::Keyring;
use crate::{Result, Store, StoreError};

/// A published chain head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublishedHead {
    pub day: String,
    pub seq: i64,
    pub hash: String,
    pub signed_at: String,
    pub seal_id: i64,
    /// DER SM2 signature (hex) over [`PublishedHead::message`].
    pub signature: String,
}

impl PublishedHead {
    /// The bytes the signature covers: `yiyin-chain-head|DAY|SEQ|HASH`.
    pub fn message(day: &str, seq: i64, hash: &str) -> Vec<u8> {
        format!("yiyin-chain-head|{day}|{seq}|{hash}").into_bytes()
    }
}

impl Store {
    /// Publishes today's chain head, signed by the platform seal, unless already published. Returns
    /// the head published now, if any.
    pub async fn publish_head(
        &self,
        day: NaiveDate,
        keyring: &Keyring,
        signed_at: &str,
    ) -> Result<Option<PublishedHead>> {
        let day = fmt_date(day);
        let exists: Option<i64> = sqlx::query_scalar("SELECT seq FROM chain_heads WHERE day = $1")
            .bind(&day)
            .fetch_optional(self.reader())
            .await?;
        if exists.is_some() {
            return Ok(None);
        }
        let Some((seal, key)) = keyring.platform() else {
            return Ok(None);
        };
        let row = sqlx::query("SELECT seq, hash FROM chain_head WHERE id = 1")
            .fetch_one(self.reader())
            .await?;
        let (seq, hash): (i64, String) = (row.try_get("seq")?, row.try_get("hash")?);
        let signature = yiyin_seal::hex(&key.sign(&PublishedHead::message(&day, seq, &hash)));
        let head = PublishedHead {
            day,
            seq,
            hash,
            signed_at: signed_at.to_string(),
            seal_id: seal.id,
            signature,
        };
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
        .execute(self.writer())
        .await?;
        Ok((inserted.rows_affected() == 1).then_some(head))
    }

    /// The published heads, newest first.
    pub async fn published_heads(&self, limit: i64) -> Result<Vec<PublishedHead>> {
        let rows = sqlx::query("SELECT day, seq, hash, signed_at, seal_id, signature FROM chain_heads ORDER BY day DESC LIMIT $1")
            .bind(limit)
            .fetch_all(self.reader())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(PublishedHead {
                    day: r.try_get("day")?,
                    seq: r.try_get("seq")?,
                    hash: r.try_get("hash")?,
                    signed_at: r.try_get("signed_at")?,
                    seal_id: r.try_get("seal_id")?,
                    signature: r.try_get("signature")?,
                })
            })
            .collect()
    }

    /// Whether the chain still holds a head someone kept: the event at `seq` has `hash`. Returns the
    /// problem in Chinese, or None when it does.
    pub async fn check_head(&self, seq: i64, hash: &str) -> Result<Option<String>> {
        let found: Option<String> = sqlx::query_scalar("SELECT hash FROM events WHERE seq = $1")
            .bind(seq)
            .fetch_optional(self.reader())
            .await?;
        Ok(match found {
            None => Some(format!(
                "事件链中已没有第{seq}号事件：其后的记录被删除或改写"
            )),
            Some(h) if h != hash => Some(format!(
                "第{seq}号事件的哈希已不是 {hash}：此前的记录被改写"
            )),
            Some(_) => None,
        })
    }

    /// Registers a case's archive package.
    pub async fn save_archive(
        &self,
        case_id: i64,
        digest: &str,
        manifest_digest: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO archives (case_id, digest, manifest_digest, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (case_id) DO NOTHING",
        )
        .bind(case_id)
        .bind(digest)
        .bind(manifest_digest)
        .bind(chrono::Utc::now().timestamp_millis())
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// The blob digest of a case's archive package, if built.
    pub async fn archive_of(&self, case_id: i64) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT digest FROM archives WHERE case_id = $1")
                .bind(case_id)
                .fetch_optional(self.reader())
                .await?,
        )
    }

    /// Closed cases whose archive package is not built yet.
    pub async fn cases_to_archive(&self, limit: i64) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM cases WHERE closed = 1 AND id NOT IN (SELECT case_id FROM archives) ORDER BY id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.reader())
        .await?)
    }

    /// Fails with the reason when the chain is broken (for start-up checks and the CLI).
    pub async fn require_intact_chain(&self) -> Result<()> {
        match self.verify_chain().await?.broken {
            None => Ok(()),
            Some((seq, why)) => Err(StoreError::Corrupt(format!("第{seq}号事件：{why}"))),
        }
    }
}
