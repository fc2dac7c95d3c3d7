//! Persistence of joint site inspections and joint final acceptances (联合踏勘、联合验收): a visit of
//! a received bundle (and the project whose stage it is), its kind, date, round and the round it
//! re-inspects (one re-inspection per round, by a unique index), its state and its body — the
//! departments' teams, draws and opinions (JSON) — written under optimistic concurrency; a
//! jurisdiction's visits read a page at a time, as far as the reader's departments reach. The
//! rules are `yiyin_domain::joint_visit`'s.

use chrono::NaiveDate;
use yiyin_domain::joint_visit::Visit;

use crate::rows::{Json, Statement, day, insert, record, select, sql};
use crate::{Conflict, Result, Store, StoreError, WriteTx};

record! {
    /// A visit as stored.
    #[derive(Debug, Clone)]
    pub struct VisitRecord {
        pub id: i64,
        pub jurisdiction: String,
        pub bundle_id: i64,
        pub project_id: Option<i64>,
        pub kind: String,
        pub visit_date: NaiveDate,
        pub round: i64,
        pub previous_id: Option<i64>,
        pub state: String,
        pub body: Json<Visit>,
        pub version: i64,
        pub scheduled_by: i64,
        pub scheduled_at: i64,
        pub updated_at: i64,
    }
}

record! {
    struct StageOfBundle {
        project_id: Option<i64>,
        project_stage: Option<String>,
    }
}

/// How far a reader's view of a jurisdiction's visits reaches: every one (the bureau's window), or
/// those of the bundles with a member item of these departments (each department concerned sends
/// its own staff, so a visit's teams are its bundle's departments); an empty list reaches none.
#[derive(Debug, Clone, Default)]
pub struct VisitScope {
    pub all: bool,
    pub departments: Vec<String>,
}

/// Where a page of visits ends, in the desk's order (the latest visit date first): date and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VisitKey {
    pub date: NaiveDate,
    pub id: i64,
}

impl VisitKey {
    /// The key of a visit.
    pub fn of(r: &VisitRecord) -> VisitKey {
        VisitKey {
            date: r.visit_date,
            id: r.id,
        }
    }

    /// The key as a client gives it back (`YYYY-MM-DD_id`).
    pub fn cursor(&self) -> String {
        format!("{}_{}", day(self.date), self.id)
    }

    /// A key given back by a client; None when it is not one.
    pub fn parse(text: &str) -> Option<VisitKey> {
        let (date, id) = text.split_once('_')?;
        Some(VisitKey {
            date: NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?,
            id: id.parse().ok().filter(|i: &i64| *i > 0)?,
        })
    }
}

/// The conditions of a reader's visits of a jurisdiction, after `WHERE `.
fn push_scope<'q>(q: &mut Statement<'q>, jurisdiction: &'q str, scope: &'q VisitScope) {
    q.push("jurisdiction = ").push_bind(jurisdiction);
    if !scope.all {
        if scope.departments.is_empty() {
            q.push(" AND 1 = 0");
        } else {
            q.push(" AND bundle_id IN (SELECT bundle_id FROM bundle_members WHERE department");
            q.push_in(&scope.departments);
            q.push(")");
        }
    }
}

/// A visit to write.
pub struct NewVisit<'a> {
    pub jurisdiction: &'a str,
    pub bundle_id: i64,
    pub project_id: Option<i64>,
    pub previous_id: Option<i64>,
    pub visit: &'a Visit,
    pub state: &'a str,
    pub scheduled_by: i64,
    pub at_ms: i64,
}

impl WriteTx {
    /// Writes a scheduled visit; returns its id. A second re-inspection of one round is a
    /// conflict.
    pub async fn insert_visit(&mut self, v: &NewVisit<'_>) -> Result<i64> {
        let result = insert!("joint_visits", v;
            jurisdiction, bundle_id = v.bundle_id, project_id = v.project_id,
            kind = v.visit.kind.code(),
            visit_date = day(v.visit.date), round = i64::from(v.visit.round),
            previous_id = v.previous_id,
            state, body = serde_json::to_string(v.visit)?, version = 1_i64, scheduled_by = v.scheduled_by,
            scheduled_at = v.at_ms, updated_at = v.at_ms;
            "RETURNING id")
        .scalar(&mut **self)
        .await;
        match result {
            Err(e) if e.is_unique_violation() => Err(StoreError::Conflict(Conflict::Taken {
                what: "re-inspection",
                value: format!("{:?}", v.previous_id),
            })),
            other => other,
        }
    }

    /// Replaces a visit's body and state if it is still at `version` (optimistic concurrency).
    pub async fn update_visit(
        &mut self,
        id: i64,
        version: i64,
        visit: &Visit,
        state: &str,
        at_ms: i64,
    ) -> Result<()> {
        sql!(
            "UPDATE joint_visits SET body = $1, state = $2, version = version + 1, updated_at = $3
             WHERE id = $4 AND version = $5";
            serde_json::to_string(visit)?, state, at_ms, id, version)
        .run_once(&mut **self, "joint visit")
        .await
    }
}

impl Store {
    /// A visit.
    pub async fn visit(&self, id: i64) -> Result<Option<VisitRecord>> {
        sql!(select::<VisitRecord>("joint_visits WHERE id = $1"); id)
            .optional(self.reader())
            .await
    }

    /// A page of a jurisdiction's visits as far as `scope` reaches, latest date first, after the
    /// visit `after` (keyset pagination on the date and id), `limit` a page (1 to 1 000), with how
    /// many the scope holds.
    pub async fn visit_page(
        &self,
        jurisdiction: &str,
        scope: &VisitScope,
        after: Option<VisitKey>,
        limit: i64,
    ) -> Result<(Vec<VisitRecord>, i64)> {
        let limit = limit.clamp(1, 1000);
        let mut q = Statement::new(select::<VisitRecord>("joint_visits WHERE "));
        push_scope(&mut q, jurisdiction, scope);
        if let Some(k) = after {
            q.push(" AND (visit_date < ")
                .push_bind(day(k.date))
                .push(" OR (visit_date = ")
                .push_bind(day(k.date))
                .push(" AND id < ")
                .push_bind(k.id)
                .push("))");
        }
        q.push(" ORDER BY visit_date DESC, id DESC LIMIT ")
            .push_bind(limit);
        let rows = q.all(self.reader()).await?;
        let mut count = Statement::new("SELECT COUNT(*) FROM joint_visits WHERE ");
        push_scope(&mut count, jurisdiction, scope);
        Ok((rows, count.scalar(self.reader()).await?))
    }

    /// The visits of a bundle, in order of scheduling.
    pub async fn visits_of_bundle(&self, bundle_id: i64) -> Result<Vec<VisitRecord>> {
        let from = "joint_visits WHERE bundle_id = $1 ORDER BY id";
        sql!(select::<VisitRecord>(from); bundle_id)
            .all(self.reader())
            .await
    }

    /// The visits of a project's stages, in order of scheduling.
    pub async fn visits_of_project(&self, project_id: i64) -> Result<Vec<VisitRecord>> {
        let from = "joint_visits WHERE project_id = $1 ORDER BY id";
        sql!(select::<VisitRecord>(from); project_id)
            .all(self.reader())
            .await
    }

    /// The project and stage (code) a received bundle is, if any.
    pub async fn bundle_project(&self, bundle_id: i64) -> Result<Option<(i64, String)>> {
        let row: Option<StageOfBundle> = sql!(
            "SELECT project_id, project_stage FROM bundles WHERE id = $1"; bundle_id)
        .optional(self.reader())
        .await?;
        Ok(row.and_then(|r| Some((r.project_id?, r.project_stage?))))
    }

    /// The re-inspection of a visit, if one was scheduled.
    pub async fn reinspection_of(&self, visit_id: i64) -> Result<Option<i64>> {
        sql!("SELECT id FROM joint_visits WHERE previous_id = $1"; visit_id)
            .optional_scalar(self.reader())
            .await
    }
}
