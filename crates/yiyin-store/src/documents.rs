//! The documents issued on cases: the canonical record as JSON, its sealed form (record, seal, SM2
//! signature) when a seal signed it, and the digest of its rendered PDF in the blob store.

use yiyin_domain::documents::DocumentRecord;

use crate::rows::{Json, day, from_row};
use crate::{Missing, Result, Store, StoreError, WriteTx};

/// A stored document.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredDocument {
    pub id: i64,
    pub case_id: i64,
    pub event_seq: i64,
    pub record: DocumentRecord,
    /// The sealed form (JSON of `yiyin_seal::SealedDocument`), when a seal signed it.
    #[serde(skip)]
    pub sealed: Option<String>,
    /// The SM3 digest of its rendered PDF in the blob store, once rendered.
    #[serde(skip)]
    pub pdf_digest: Option<String>,
}

struct DocumentRow {
    id: i64,
    case_id: i64,
    event_seq: i64,
    body: Json<DocumentRecord>,
    sealed: Option<String>,
    pdf_digest: Option<String>,
}

from_row!(DocumentRow {
    id,
    case_id,
    event_seq,
    body,
    sealed,
    pdf_digest,
});

impl From<DocumentRow> for StoredDocument {
    fn from(r: DocumentRow) -> Self {
        StoredDocument {
            id: r.id,
            case_id: r.case_id,
            event_seq: r.event_seq,
            record: r.body.0,
            sealed: r.sealed,
            pdf_digest: r.pdf_digest,
        }
    }
}

const DOCUMENT_COLUMNS: &str = "id, case_id, event_seq, body, sealed, pdf_digest";

/// A document to keep: its record, and its sealed form with the seal's id when sealed.
#[derive(Debug, Clone)]
pub struct NewDocument<'a> {
    pub case_id: i64,
    pub event_seq: i64,
    pub record: &'a DocumentRecord,
    pub sealed: Option<(&'a str, i64)>,
    pub at_ms: i64,
}

impl WriteTx {
    /// Keeps a document issued by the event `event_seq`; returns its id.
    pub async fn insert_document(&mut self, d: &NewDocument<'_>) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO documents (case_id, kind, number, title, issued_on, event_seq, body, created_at, sealed, seal_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(d.case_id)
        .bind(
            serde_json::to_value(d.record.kind)?
                .as_str()
                .unwrap_or_default()
                .to_string(),
        )
        .bind(&d.record.number)
        .bind(&d.record.title)
        .bind(day(d.record.issued_on))
        .bind(d.event_seq)
        .bind(serde_json::to_string(d.record)?)
        .bind(d.at_ms)
        .bind(d.sealed.map(|(s, _)| s))
        .bind(d.sealed.map(|(_, id)| id))
        .fetch_one(&mut **self)
        .await?)
    }

    /// Records the digest of a document's rendered PDF (the first rendering wins).
    pub async fn set_document_pdf(&mut self, id: i64, digest: &str) -> Result<()> {
        sqlx::query("UPDATE documents SET pdf_digest = $1 WHERE id = $2 AND pdf_digest IS NULL")
            .bind(digest)
            .bind(id)
            .execute(&mut **self)
            .await?;
        Ok(())
    }
}

impl Store {
    /// The documents of a case, oldest first.
    pub async fn case_documents(&self, case_id: i64) -> Result<Vec<StoredDocument>> {
        let rows: Vec<DocumentRow> = sqlx::query_as(&format!(
            "SELECT {DOCUMENT_COLUMNS} FROM documents WHERE case_id = $1 ORDER BY id"
        ))
        .bind(case_id)
        .fetch_all(self.reader())
        .await?;
        Ok(rows.into_iter().map(StoredDocument::from).collect())
    }

    pub async fn document(&self, id: i64) -> Result<StoredDocument> {
        let row: DocumentRow = sqlx::query_as(&format!(
            "SELECT {DOCUMENT_COLUMNS} FROM documents WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.reader())
        .await?
        .ok_or(StoreError::NotFound(Missing::Document(id)))?;
        Ok(row.into())
    }

    /// A document by the digest of its PDF.
    pub async fn document_by_pdf_digest(&self, digest: &str) -> Result<Option<StoredDocument>> {
        let row: Option<DocumentRow> = sqlx::query_as(&format!(
            "SELECT {DOCUMENT_COLUMNS} FROM documents WHERE pdf_digest = $1"
        ))
        .bind(digest)
        .fetch_optional(self.reader())
        .await?;
        Ok(row.map(StoredDocument::from))
    }

    /// A document by its number (文号), for public verification (the latest of that number).
    pub async fn document_by_number(&self, number: &str) -> Result<Option<StoredDocument>> {
        let row: Option<DocumentRow> = sqlx::query_as(&format!(
            "SELECT {DOCUMENT_COLUMNS} FROM documents WHERE number = $1 ORDER BY id DESC LIMIT 1"
        ))
        .bind(number.trim())
        .fetch_optional(self.reader())
        .await?;
        Ok(row.map(StoredDocument::from))
    }
}
