//! The files attached to a case (materials uploaded online or scanned at the window): their
//! metadata here, their bytes in the blob store under their digest.

use crate::rows::from_row;
use crate::{Missing, Result, Store, StoreError, WriteTx};

/// A file attached to a case.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attachment {
    pub id: i64,
    pub case_id: i64,
    pub material_code: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub digest: String,
    pub uploaded_at: i64,
    pub uploaded_by: String,
}

from_row!(Attachment {
    id,
    case_id,
    material_code,
    file_name,
    content_type,
    size,
    digest,
    uploaded_at,
    uploaded_by,
});

/// A file to attach (its bytes already in the blob store).
#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub material_code: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub digest: String,
}

const COLUMNS: &str =
    "id, case_id, material_code, file_name, content_type, size, digest, uploaded_at, uploaded_by";

impl WriteTx {
    pub async fn attach(
        &mut self,
        case_id: i64,
        files: &[NewAttachment],
        by: &str,
        at_ms: i64,
    ) -> Result<()> {
        for f in files {
            sqlx::query(
                "INSERT INTO attachments (case_id, material_code, file_name, content_type, size, digest, uploaded_at, uploaded_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(case_id)
            .bind(&f.material_code)
            .bind(&f.file_name)
            .bind(&f.content_type)
            .bind(f.size)
            .bind(&f.digest)
            .bind(at_ms)
            .bind(by)
            .execute(&mut **self)
            .await?;
        }
        Ok(())
    }
}

impl Store {
    pub async fn attachments(&self, case_id: i64) -> Result<Vec<Attachment>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM attachments WHERE case_id = $1 ORDER BY material_code, id"
        ))
        .bind(case_id)
        .fetch_all(self.reader())
        .await?)
    }

    pub async fn attachment(&self, id: i64) -> Result<Attachment> {
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM attachments WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.reader())
            .await?
            .ok_or(StoreError::NotFound(Missing::Attachment(id)))
    }
}
