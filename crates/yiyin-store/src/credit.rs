//! Applicants' credit records kept by the platform (a false commitment, a serious bad credit record,
//! a deferred material not supplied), each once per kind and source, and their repair (信用修复).

use serde::Serialize;
use yiyin_domain::supervision::CreditKind;

use crate::rows::from_row;
use crate::{Conflict, Missing, Result, Store, StoreError, WriteTx};

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

from_row!(CreditRecord {
    id,
    holder_id,
    holder,
    jurisdiction,
    kind,
    reason,
    source,
    created_at,
    repaired_at,
    repaired_by,
    repair_reason,
});

const COLUMNS: &str = "id, holder_id, holder, jurisdiction, kind, reason, source, created_at, repaired_at, repaired_by, repair_reason";

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
        let r = sqlx::query(
            "INSERT INTO credit_records (holder_id, holder, jurisdiction, kind, reason, source, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (kind, source) DO NOTHING",
        )
        .bind(c.holder_id)
        .bind(c.holder)
        .bind(c.jurisdiction)
        .bind(c.kind.code())
        .bind(c.reason)
        .bind(c.source)
        .bind(c.at_ms)
        .execute(&mut **self)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Records the repair of a record not yet repaired.
    pub async fn repair_credit(
        &mut self,
        id: i64,
        by: &str,
        reason: &str,
        at_ms: i64,
    ) -> Result<()> {
        let r = sqlx::query(
            "UPDATE credit_records SET repaired_at = $1, repaired_by = $2, repair_reason = $3 WHERE id = $4 AND repaired_at IS NULL",
        )
        .bind(at_ms)
        .bind(by)
        .bind(reason)
        .bind(id)
        .execute(&mut **self)
        .await?;
        if r.rows_affected() != 1 {
            return Err(StoreError::Conflict(Conflict::Changed("credit record")));
        }
        Ok(())
    }
}

impl Store {
    /// A holder's credit records, newest first.
    pub async fn credit_records(&self, holder_id: &str) -> Result<Vec<CreditRecord>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM credit_records WHERE holder_id = $1 ORDER BY id DESC"
        ))
        .bind(holder_id)
        .fetch_all(self.reader())
        .await?)
    }

    pub async fn credit_record(&self, id: i64) -> Result<CreditRecord> {
        sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM credit_records WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.reader())
        .await?
        .ok_or(StoreError::NotFound(Missing::CreditRecord(id)))
    }
}
