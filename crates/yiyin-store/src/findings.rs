//! Findings reported back by supervising departments (抄告): what a check of a licensee found, kept
//! with the event that recorded it.

use chrono::NaiveDate;
use serde::Serialize;
use yiyin_domain::supervision::FindingKind;

use crate::rows::{Statement, day, insert, record, select, sql};
use crate::{Result, Store, WriteTx};

record! {
    /// A finding reported back by a department.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct Finding {
        pub id: i64,
        pub jurisdiction: String,
        pub department: String,
        pub licence: Option<String>,
        pub holder_id: String,
        pub holder: String,
        pub item_code: String,
        pub kind: FindingKind,
        pub summary: String,
        pub found_on: NaiveDate,
        pub recorded_by: String,
    }
}

/// A finding to record, about a licence (resolved to its holder and item) or a licensee.
#[derive(Debug, Clone)]
pub struct NewFinding<'a> {
    pub jurisdiction: &'a str,
    pub department: &'a str,
    pub licence: Option<&'a str>,
    pub holder_id: &'a str,
    pub holder: &'a str,
    pub item_code: &'a str,
    pub kind: FindingKind,
    pub summary: &'a str,
    pub found_on: NaiveDate,
    pub recorded_by: &'a str,
    pub event_seq: i64,
    pub at_ms: i64,
}

/// Which findings to list.
#[derive(Debug, Clone, Default)]
pub struct FindingFilter {
    pub jurisdiction: Option<String>,
    pub department: Option<String>,
    pub licence: Option<String>,
    pub holder_id: Option<String>,
    pub item_code: Option<String>,
}

impl WriteTx {
    pub async fn insert_finding(&mut self, f: &NewFinding<'_>) -> Result<i64> {
        insert!("findings", f;
            jurisdiction, department, licence, holder_id, holder, item_code, kind = f.kind.code(),
            summary, found_on = day(f.found_on), recorded_by, event_seq, created_at = f.at_ms;
            "RETURNING id")
        .scalar(&mut **self)
        .await
    }
}

impl Store {
    pub async fn finding(&self, id: i64) -> Result<Finding> {
        sql!(select::<Finding>("findings WHERE id = $1"); id)
            .one(self.reader())
            .await
    }

    /// Findings by filter, newest first.
    pub async fn findings(&self, f: &FindingFilter) -> Result<Vec<Finding>> {
        let mut q = Statement::new(select::<Finding>("findings WHERE 1 = 1"));
        for (column, value) in [
            ("jurisdiction", &f.jurisdiction),
            ("department", &f.department),
            ("licence", &f.licence),
            ("holder_id", &f.holder_id),
            ("item_code", &f.item_code),
        ] {
            if let Some(v) = value {
                q.push(format!(" AND {column} = ")).push_bind(v);
            }
        }
        q.push(" ORDER BY id DESC LIMIT 500");
        q.all(self.reader()).await
    }

    /// How many findings a jurisdiction holds per item and kind, as (item code, kind, count): all
    /// of them, not only those a list shows.
    pub async fn finding_counts(
        &self,
        jurisdiction: &str,
    ) -> Result<Vec<(String, FindingKind, i64)>> {
        let rows: Vec<(String, String, i64)> = sql!(
            "SELECT item_code, kind, COUNT(*) FROM findings WHERE jurisdiction = $1
             GROUP BY item_code, kind ORDER BY item_code, kind";
            jurisdiction
        )
        .all(self.reader())
        .await?;
        rows.into_iter()
            .map(|(item, kind, n)| {
                let parsed = FindingKind::parse(&kind)
                    .ok_or_else(|| crate::StoreError::Corrupt(format!("finding kind {kind}")))?;
                Ok((item, parsed, n))
            })
            .collect()
    }
}
