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

/// A page of findings.
#[derive(Debug, Clone)]
pub struct FindingPage {
    pub findings: Vec<Finding>,
    /// How many findings the filter matches (on every page).
    pub count: i64,
    /// The last finding's id, to give as `after` for the next page; None on the last page.
    pub next: Option<i64>,
}

/// Appends the filter's conditions (` WHERE …`) to a statement on `findings`.
fn finding_where(q: &mut Statement<'_>, f: &FindingFilter) {
    q.push(" WHERE 1 = 1");
    for (column, value) in [
        ("jurisdiction", &f.jurisdiction),
        ("department", &f.department),
        ("licence", &f.licence),
        ("holder_id", &f.holder_id),
        ("item_code", &f.item_code),
    ] {
        if let Some(v) = value {
            q.push(format!(" AND {column} = ")).push_bind(v.clone());
        }
    }
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

    /// Findings by filter, newest first: the first 500 (a licence's or a licensee's own; a
    /// jurisdiction's or a department's are read a page at a time, [`Store::finding_page`]).
    pub async fn findings(&self, f: &FindingFilter) -> Result<Vec<Finding>> {
        Ok(self.finding_page(f, None, 500).await?.findings)
    }

    /// A page of the findings by filter, newest first, after the finding `after` (keyset
    /// pagination: the page reads the filter's index from the key on), with how many the filter
    /// matches and the id to give as `after` for the next page.
    pub async fn finding_page(
        &self,
        f: &FindingFilter,
        after: Option<i64>,
        limit: i64,
    ) -> Result<FindingPage> {
        let limit = limit.clamp(1, 1000);
        let mut q = Statement::new(select::<Finding>("findings"));
        finding_where(&mut q, f);
        if let Some(after) = after {
            q.push(" AND id < ").push_bind(after);
        }
        q.push(" ORDER BY id DESC LIMIT ").push_bind(limit + 1);
        let mut findings: Vec<Finding> = q.all(self.reader()).await?;
        let next = if findings.len() as i64 > limit {
            findings.truncate(limit as usize);
            findings.last().map(|f| f.id)
        } else {
            None
        };
        let mut q = Statement::new("SELECT COUNT(*) FROM findings");
        finding_where(&mut q, f);
        let count = q.scalar(self.reader()).await?;
        Ok(FindingPage {
            findings,
            count,
            next,
        })
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
