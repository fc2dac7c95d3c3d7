//! The documents issued on cases and the drawing reviews' certificates (施工图审查合格书, bound to
//! their review instead of a case): the canonical record as JSON, its sealed form (record, seal,
//! SM2 signature) when a seal signed it, the digest of its rendered PDF in the blob store, and its
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
        /// The case it was issued on; None for a drawing review's certificate.
        pub case_id: Option<i64>,
        /// The drawing review whose certificate it is (施工图审查合格书); None for a case's.
        pub drawing_review_id: Option<i64>,
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
        /// The seal that is to sign it through the county's own e-seal system, while it waits
        /// (外部签章系统: signed by the sealing worker, not in the transaction that issued it).
        pub seal_pending: Option<i64>,
        /// Why the external e-seal system has not signed it yet, in Chinese (for staff).
        pub seal_problem: Option<String>,
        /// The SM3 digest of its OFD in the blob store, when kept (an externally signed one: its
        /// signature is not reproducible, so the file is kept).
        #[serde(skip)]
        pub ofd_digest: Option<String>,
    }
}

/// What a document belongs to: a case, or a drawing review (its certificate).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentOwner {
    Case(i64),
    DrawingReview(i64),
}

/// A document to keep: its record, and its sealed form with the seal's id when sealed.
#[derive(Debug, Clone)]
pub struct NewDocument<'a> {
    pub owner: DocumentOwner,
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
        let (case_id, drawing_review_id) = match d.owner {
            DocumentOwner::Case(id) => (Some(id), None),
            DocumentOwner::DrawingReview(id) => (None, Some(id)),
        };
        insert!("documents", d;
            case_id = case_id, drawing_review_id = drawing_review_id, kind = kind.as_str().unwrap_or_default(), number = &r.number,
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

    /// Marks a document as waiting for the external e-seal system of seal `seal_id`.
    pub async fn set_document_seal_pending(&mut self, id: i64, seal_id: i64) -> Result<()> {
        sql!(
            "UPDATE documents SET seal_pending = $1 WHERE id = $2 AND sealed IS NULL";
            seal_id, id
        )
        .run(&mut **self)
        .await
    }

    /// Records why the external e-seal system has not signed a waiting document yet.
    pub async fn set_document_seal_problem(&mut self, id: i64, problem: &str) -> Result<()> {
        sql!(
            "UPDATE documents SET seal_problem = $1 WHERE id = $2 AND sealed IS NULL";
            problem, id
        )
        .run(&mut **self)
        .await
    }

    /// A waiting document signed by its seal: its sealed form and its signed PDF and OFD (blob
    /// digests), all at once; it no longer waits. Err when it was sealed meanwhile (by another
    /// server).
    pub async fn set_document_sealed(
        &mut self,
        id: i64,
        sealed: &str,
        seal_id: i64,
        pdf_digest: &str,
        ofd_digest: &str,
    ) -> Result<()> {
        sql!(
            "UPDATE documents SET sealed = $1, seal_id = $2, pdf_digest = $3, ofd_digest = $4, \
             seal_pending = NULL, seal_problem = NULL WHERE id = $5 AND sealed IS NULL";
            sealed, seal_id, pdf_digest, ofd_digest, id
        )
        .run_once(&mut **self, "document")
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

    /// The certificate of a drawing review (施工图审查合格书), once issued.
    pub async fn drawing_review_document(&self, review_id: i64) -> Result<Option<StoredDocument>> {
        sql!(select::<StoredDocument>("documents WHERE drawing_review_id = $1"); review_id)
            .optional(self.reader())
            .await
    }

    pub async fn document(&self, id: i64) -> Result<StoredDocument> {
        by_id(self.reader(), "documents", id, Missing::Document).await
    }

    /// The documents waiting for an external e-seal system, oldest first.
    pub async fn documents_awaiting_seal(&self, limit: i64) -> Result<Vec<StoredDocument>> {
        let from =
            "documents WHERE seal_pending IS NOT NULL AND sealed IS NULL ORDER BY id LIMIT $1";
        sql!(select::<StoredDocument>(from); limit)
            .all(self.reader())
            .await
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
