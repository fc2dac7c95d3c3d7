//! Applicants' credit records kept by the platform (a false commitment, a serious bad credit record,
//! a deferred material not supplied), each once per kind and source, and their repair (信用修复).

use serde::Serialize;
use yiyin_domain::supervision::CreditKind;

use crate::rows::{by_id, insert, record, select, sql};
use crate::{Missing, Result, Store, WriteTx};

record! {
    /// A credit record.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct CreditRecord {
        pub id: i64,
        pub holder_id: String,
        pub holder: String,
        pub jurisdiction: String,
        pub kind: CreditKind,
        pub reason: String,
        /// What it came from (a case number, a licence).
        pub source: String,
        pub created_at: i64,
        pub repaired_at: Option<i64>,
        pub repaired_by: Option<String>,
        pub repair_reason: Option<String>,
    }
}

/// A credit record to write.
#[derive(Debug, Clone)]
pub struct NewCredit<'a> {
    pub holder_id: &'a str,
    pub holder: &'a str,
    pub jurisdiction: &'a str,
    pub kind: CreditKind,
    pub reason: &'a str,
    pub source: &'a str,
    pub at_ms: i64,
}

impl WriteTx {
    /// Writes a credit record; a second one of the same kind and source is ignored. Returns whether
    /// it was written.
    pub async fn add_credit(&mut self, c: &NewCredit<'_>) -> Result<bool> {
        insert!("credit_records", c;
            holder_id, holder, jurisdiction, kind = c.kind.code(), reason, source,
            created_at = c.at_ms;
            "ON CONFLICT (kind, source) DO NOTHING")
        .changed_one(&mut **self)
        .await
    }

    /// Records the repair of a record not yet repaired.
    pub async fn repair_credit(
        &mut self,
        id: i64,
        by: &str,
        reason: &str,
        at_ms: i64,
    ) -> Result<()> {
        sql!(
            "UPDATE credit_records SET repaired_at = $1, repaired_by = $2, repair_reason = $3
             WHERE id = $4 AND repaired_at IS NULL";
            at_ms, by, reason, id
        )
        .run_once(&mut **self, "credit record")
        .await
    }
}

impl Store {
    /// A holder's credit records, newest first.
    pub async fn credit_records(&self, holder_id: &str) -> Result<Vec<CreditRecord>> {
        let from = "credit_records WHERE holder_id = $1 ORDER BY id DESC";
        sql!(select::<CreditRecord>(from); holder_id)
            .all(self.reader())
            .await
    }

    pub async fn credit_record(&self, id: i64) -> Result<CreditRecord> {
        by_id(self.reader(), "credit_records", id, Missing::CreditRecord).await
    }
}
