//! What files are attached to a case, for which material, by whom.

use serde::Serialize;
use sqlx::Row;

use crate::{Result, Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attachment {
    pub id: i64,
    pub case_id: i64,
    pub material_code: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    /// SM3 digest of the bytes (the blob's name).
    pub digest: String,
    pub uploaded_at: i64,
    pub uploaded_by: String,
}

/// A file to attach.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub material_code: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub digest: String,
}

impl Store {
    /// Records attached files (their bytes are already in the blob store).
    pub async fn attach(
        &self,
        case_id: i64,
        files: &[NewAttachment],
        by: &str,
        at: i64,
    ) -> Result<()> {
        let mut tx = self.writer().begin().await?;
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
            .bind(at)
            .bind(by)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn attachments(&self, case_id: i64) -> Result<Vec<Attachment>> {
        let rows = sqlx::query(
            "SELECT id, case_id, material_code, file_name, content_type, size, digest, uploaded_at, uploaded_by
             FROM attachments WHERE case_id = $1 ORDER BY material_code, id",
        )
        .bind(case_id)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Attachment {
                    id: r.try_get("id")?,
                    case_id: r.try_get("case_id")?,
                    material_code: r.try_get("material_code")?,
                    file_name: r.try_get("file_name")?,
                    content_type: r.try_get("content_type")?,
                    size: r.try_get("size")?,
                    digest: r.try_get("digest")?,
                    uploaded_at: r.try_get("uploaded_at")?,
                    uploaded_by: r.try_get("uploaded_by")?,
                })
            })
            .collect()
    }

    pub async fn attachment(&self, id: i64) -> Result<Attachment> {
        let all = sqlx::query_scalar::<_, i64>("SELECT case_id FROM attachments WHERE id = $1")
            .bind(id)
            .fetch_optional(self.reader())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("没有编号为{id}的附件")))?;
        self.attachments(all)
            .await?
            .into_iter()
            .find(|a| a.id == id)
            .ok_or_else(|| StoreError::NotFound(format!("没有编号为{id}的附件")))
    }
}
