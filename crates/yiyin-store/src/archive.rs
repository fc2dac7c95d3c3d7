//! The e-archive as rows: each closed case's package (its digest in the blob store and the digest of
//! its signed manifest), and the chain heads published each day with the platform seal's signature.

use serde::Serialize;

use crate::events::ChainHead;
use crate::rows::{Statement, insert, record, select, sql};
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
    /// Publishes a day's head (the root of the chains' heads `parts`, kept with it); false when
    /// that day's head was published already.
    pub async fn insert_head(&mut self, head: &PublishedHead, parts: &[ChainHead]) -> Result<bool> {
        let inserted = insert!("chain_heads";
            day = &head.day, seq = head.seq, hash = &head.hash, signed_at = &head.signed_at,
            seal_id = head.seal_id, signature = &head.signature;
            "ON CONFLICT (day) DO NOTHING")
        .changed_one(&mut **self)
        .await?;
        if inserted {
            self.keep_root(&head.hash, parts).await?;
        }
        Ok(inserted)
    }

    /// Keeps the chains' heads a root handed out was made of (once a root), so that whoever kept
    /// the root can have it checked later.
    pub async fn keep_root(&mut self, root: &str, parts: &[ChainHead]) -> Result<()> {
        if parts.is_empty() {
            return Ok(());
        }
        let mut q =
            Statement::new("INSERT INTO chain_root_parts (root, chain, seq, pos, hash) VALUES ");
        for (i, p) in parts.iter().enumerate() {
            q.push(if i > 0 { ", (" } else { "(" });
            q.push_bind(root.to_string()).push(", ");
            q.push_bind(p.chain).push(", ");
            q.push_bind(p.seq).push(", ");
            q.push_bind(p.pos).push(", ");
            q.push_bind(p.hash.clone()).push(")");
        }
        q.push(" ON CONFLICT (root, chain) DO NOTHING");
        q.run(&mut **self).await
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

    /// Takes the building of a case's package until `lease_until` (a time in milliseconds after
    /// `now_ms`): false when another server holds it or its back-off after a failure is not over.
    pub async fn claim_archive(
        &mut self,
        case_id: i64,
        now_ms: i64,
        lease_until: i64,
    ) -> Result<bool> {
        sql!(
            "INSERT INTO archive_attempts (case_id, lease_until) VALUES ($1, $2)
             ON CONFLICT (case_id) DO UPDATE SET lease_until = $2
             WHERE archive_attempts.lease_until <= $3 AND archive_attempts.next_attempt_at <= $3";
            case_id, lease_until, now_ms
        )
        .changed_one(&mut **self)
        .await
    }

    /// Building a case's package under `lease` failed: tried again from `retry_at_ms` (one more
    /// attempt counted); nothing when the lease ran out and another server took the case.
    pub async fn archive_failed(
        &mut self,
        case_id: i64,
        lease: i64,
        retry_at_ms: i64,
        error: &str,
    ) -> Result<()> {
        sql!(
            "UPDATE archive_attempts SET attempts = attempts + 1, next_attempt_at = $1,
               lease_until = 0, last_error = $2
             WHERE case_id = $3 AND lease_until = $4";
            retry_at_ms, error, case_id, lease
        )
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

    /// The chains' heads the root `root` was made of, in chain order (their `base` is not kept:
    /// 0); empty when no root so handed out is known (a head published before the chains were
    /// split is the hash of its last event itself).
    pub async fn root_parts(&self, root: &str) -> Result<Vec<ChainHead>> {
        sql!(
            "SELECT chain AS id, seq, pos, CAST(0 AS BIGINT) AS base, hash FROM chain_root_parts
             WHERE root = $1 ORDER BY chain";
            root
        )
        .all(self.reader())
        .await
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

    /// Closed cases without a package yet whose turn has come at `now_ms` (never tried, or their
    /// back-off over and no server building them), oldest first.
    pub async fn cases_to_archive(&self, now_ms: i64, limit: i64) -> Result<Vec<i64>> {
        sql!(
            "SELECT c.id FROM cases c LEFT JOIN archive_attempts a ON a.case_id = c.id
             WHERE c.closed = 1 AND c.id NOT IN (SELECT case_id FROM archives)
               AND (a.case_id IS NULL OR (a.next_attempt_at <= $1 AND a.lease_until <= $1))
             ORDER BY c.id LIMIT $2";
            now_ms, limit
        )
        .scalars(self.reader())
        .await
    }

    /// How many times building a case's package failed, and the last failure's message.
    pub async fn archive_attempts(&self, case_id: i64) -> Result<Option<(i64, String)>> {
        sql!("SELECT attempts, last_error FROM archive_attempts WHERE case_id = $1"; case_id)
            .optional(self.reader())
            .await
    }
}
