//! The files attached to a case (materials uploaded online or scanned at the window): their
//! metadata here, their bytes in the blob store under their digest.

use crate::rows::{by_id, insert, record, select, sql};
use crate::{Missing, Result, Store, WriteTx};

record! {
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
}

/// A file to attach (its bytes already in the blob store).
#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub material_code: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub digest: String,
}

impl WriteTx {
    pub async fn attach(
        &mut self,
        case_id: i64,
        files: &[NewAttachment],
        by: &str,
        at_ms: i64,
    ) -> Result<()> {
        for f in files {
            insert!("attachments";
                case_id, material_code = &f.material_code, file_name = &f.file_name,
                content_type = &f.content_type, size = f.size, digest = &f.digest,
                uploaded_at = at_ms, uploaded_by = by)
            .run(&mut **self)
            .await?;
        }
        Ok(())
    }
}

impl Store {
    pub async fn attachments(&self, case_id: i64) -> Result<Vec<Attachment>> {
        let from = "attachments WHERE case_id = $1 ORDER BY material_code, id";
        sql!(select::<Attachment>(from); case_id)
            .all(self.reader())
            .await
    }

    pub async fn attachment(&self, id: i64) -> Result<Attachment> {
        by_id(self.reader(), "attachments", id, Missing::Attachment).await
    }
}
