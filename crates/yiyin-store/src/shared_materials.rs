//! Materials fetched instead of asked for (免提交): each attempt to fetch a material from a
//! department's shared data or Yiyin's own licence register, with the record answered (or why
//! none was), the source and the time. The rules of what a fetched record counts for are the
//! domain's (`engine::sharing`).

use crate::rows::{insert, record, select, sql};
use crate::{Result, Store, WriteTx};

record! {
    /// One attempt to fetch a material for a case.
    #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct SharedMaterial {
        pub id: i64,
        pub case_id: i64,
        pub material_code: String,
        /// `shared` (部门共享) or `licence_register` (证照库).
        pub source: String,
        /// Who answered: the configured source's name, or the licence register.
        pub answered_by: String,
        /// `fetched`, `not_found` or `unavailable`.
        pub outcome: String,
        /// The record answered, as JSON (empty unless fetched).
        pub record: String,
        pub document_no: String,
        /// Why the fetch did not succeed, in Chinese (empty when fetched).
        pub problem: String,
        pub fetched_by: String,
        pub fetched_at: i64,
    }
}

/// An attempt to record.
#[derive(Debug, Clone)]
pub struct NewSharedMaterial {
    pub material_code: String,
    pub source: String,
    pub answered_by: String,
    pub outcome: String,
    pub record: String,
    pub document_no: String,
    pub problem: String,
}

impl WriteTx {
    /// Records fetch attempts for a case, in the write transaction.
    pub async fn record_shared(
        &mut self,
        case_id: i64,
        rows: &[NewSharedMaterial],
        by: &str,
        at_ms: i64,
    ) -> Result<()> {
        for r in rows {
            insert!("shared_materials";
                case_id, material_code = &r.material_code, source = &r.source,
                answered_by = &r.answered_by, outcome = &r.outcome, record = &r.record,
                document_no = &r.document_no, problem = &r.problem, fetched_by = by,
                fetched_at = at_ms)
            .run(&mut **self)
            .await?;
        }
        Ok(())
    }
}

impl Store {
    /// Every fetch attempt of a case, by material, oldest first.
    pub async fn shared_materials(&self, case_id: i64) -> Result<Vec<SharedMaterial>> {
        let from = "shared_materials WHERE case_id = $1 ORDER BY material_code, id";
        sql!(select::<SharedMaterial>(from); case_id)
            .all(self.reader())
            .await
    }
}
