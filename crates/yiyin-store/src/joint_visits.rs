//! Persistence of joint site inspections and joint final acceptances (联合踏勘、联合验收): a visit of
//! a received bundle (and the project whose stage it is), its kind, date, round and the round it
//! re-inspects (one re-inspection per round, by a unique index), its state and its body — the
//! departments' teams, draws and opinions (JSON) — written under optimistic concurrency. The rules
//! are `yiyin_domain::joint_visit`'s.

use chrono::NaiveDate;
use yiyin_domain::joint_visit::Visit;

use crate::rows::{Json, day, insert, record, select, sql};
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

    /// The visits of a jurisdiction, latest date first (at most `limit`).
    pub async fn visits_in(&self, jurisdiction: &str, limit: i64) -> Result<Vec<VisitRecord>> {
        let from =
            "joint_visits WHERE jurisdiction = $1 ORDER BY visit_date DESC, id DESC LIMIT $2";
        sql!(select::<VisitRecord>(from); jurisdiction, limit)
            .all(self.reader())
            .await
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
