//! The documents issued on cases: the canonical record as JSON, its sealed form (record, seal, SM2
//! signature) when a seal signed it, the digest of its rendered PDF in the blob store, and its
//! random verification code.

use yiyin_domain::documents::DocumentRecord;

use crate::rows::{by_id, day, insert, record, select, sql};
use crate::{Missing, Result, Store, WriteTx};

record! {
    /// A stored document.
    #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct StoredDocument {
        pub id: i64,
        pub case_id: i64,
        pub event_seq: i64,
        pub record: DocumentRecord as "body",
        /// The sealed form (JSON of `yiyin_seal::SealedDocument`), when a seal signed it.
        #[serde(skip)]
        pub sealed: Option<String>,
        /// The SM3 digest of its rendered PDF in the blob store, once rendered.
        #[serde(skip)]
        pub pdf_digest: Option<String>,
        /// The random code printed on it and carried by its QR code: who gives it (with the
        /// number) sees the full record on public verification. None for documents issued before
        /// codes, until their PDF is rendered.
        #[serde(skip)]
        pub verification_code: Option<String>,
    }
}

/// A document to keep: its record, and its sealed form with the seal's id when sealed.
#[derive(Debug, Clone)]
pub struct NewDocument<'a> {
    pub case_id: i64,
    pub event_seq: i64,
    pub record: &'a DocumentRecord,
    pub sealed: Option<(&'a str, i64)>,
    pub verification_code: &'a str,
    pub at_ms: i64,
}

impl WriteTx {
    /// Keeps a document issued by the event `event_seq`; returns its id.
    pub async fn insert_document(&mut self, d: &NewDocument<'_>) -> Result<i64> {
        let kind = serde_json::to_value(d.record.kind)?;
        let r = d.record;
        insert!("documents", d;
            case_id, kind = kind.as_str().unwrap_or_default(), number = &r.number,
            title = &r.title, issued_on = day(r.issued_on), event_seq,
            body = serde_json::to_string(r)?, created_at = d.at_ms,
            sealed = d.sealed.map(|(s, _)| s), seal_id = d.sealed.map(|(_, id)| id),
            verification_code = d.verification_code;
            "RETURNING id")
        .scalar(&mut **self)
        .await
    }

    /// Gives a document issued before verification codes its code (the first one given wins).
    pub async fn set_document_code(&mut self, id: i64, code: &str) -> Result<()> {
        sql!(
            "UPDATE documents SET verification_code = $1 WHERE id = $2 AND verification_code IS NULL";
            code, id
        )
        .run(&mut **self)
        .await
    }

    /// Records the digest of a document's rendered PDF (the first rendering wins).
    pub async fn set_document_pdf(&mut self, id: i64, digest: &str) -> Result<()> {
        sql!(
            "UPDATE documents SET pdf_digest = $1 WHERE id = $2 AND pdf_digest IS NULL";
            digest, id
        )
        .run(&mut **self)
        .await
    }
}

impl Store {
    /// The documents of a case, oldest first.
    pub async fn case_documents(&self, case_id: i64) -> Result<Vec<StoredDocument>> {
        sql!(select::<StoredDocument>("documents WHERE case_id = $1 ORDER BY id"); case_id)
            .all(self.reader())
            .await
    }

    pub async fn document(&self, id: i64) -> Result<StoredDocument> {
        by_id(self.reader(), "documents", id, Missing::Document).await
    }

    /// A document by the digest of its PDF.
    pub async fn document_by_pdf_digest(&self, digest: &str) -> Result<Option<StoredDocument>> {
        sql!(select::<StoredDocument>("documents WHERE pdf_digest = $1"); digest)
            .optional(self.reader())
            .await
    }

    /// The documents of one kind issued on the cases of a jurisdiction, the latest first (the
    /// public hearing announcements, 听证公告), simulated cases' left out.
    pub async fn jurisdiction_documents(
        &self,
        jurisdiction: &str,
        kind: yiyin_domain::engine::DocumentKind,
        limit: i64,
    ) -> Result<Vec<StoredDocument>> {
        let kind = serde_json::to_value(kind)?;
        // A simulated case's documents (模拟运行) are never published.
        let from = "documents WHERE kind = $1 AND case_id IN \
            (SELECT id FROM cases WHERE jurisdiction = $2) \
            AND case_id NOT IN (SELECT case_id FROM simulated_cases) ORDER BY id DESC LIMIT $3";
        sql!(select::<StoredDocument>(from); kind.as_str().unwrap_or_default(), jurisdiction, limit)
            .all(self.reader())
            .await
    }

    /// A document by its number (文号), for public verification (the latest of that number).
    pub async fn document_by_number(&self, number: &str) -> Result<Option<StoredDocument>> {
        let from = "documents WHERE number = $1 ORDER BY id DESC LIMIT 1";
        sql!(select::<StoredDocument>(from); number.trim())
            .optional(self.reader())
            .await
    }
}
