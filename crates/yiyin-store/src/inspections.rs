//! Random inspections (双随机一公开) as rows: a plan with its pools and their digest as published,
//! its seed and the seed's source and its draw once made, its cancellation (kept, public), the
//! result recorded per drawn target, and the ties inspectors declared; one open plan per
//! department and item.

use chrono::NaiveDate;
use serde::Serialize;
use yiyin_domain::inspection::{Draw, DrawInput, SeedSource, Tie};
use yiyin_domain::supervision::FindingKind;

use crate::paging::IdPage;
use crate::rows::{Json, by_id, day, insert, record, select, sql};
use crate::{Conflict, Missing, Result, Store, StoreError, WriteTx};

/// A plan as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InspectionPlan {
    pub id: i64,
    pub jurisdiction: String,
    pub department: String,
    pub title: String,
    /// The item the pool is limited to ('' = every item the department supervises).
    pub item_code: String,
    /// The risk class the pool is limited to ('' = any).
    pub risk: String,
    pub target_count: i64,
    pub per_target: i64,
    /// Fixed at the draw from `seed_source` ('' until then; plans published before the pools
    /// digest was kept carry the seed they were published with).
    pub seed: String,
    /// The SM3 digest of the pools, published with the plan ('' for plans published before it was
    /// kept).
    pub pools_digest: String,
    /// Where the seed was taken from, once drawn.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub seed_source: Option<SeedSource>,
    /// When and why the plan was cancelled (it stays public).
    pub cancelled_at: Option<i64>,
    pub cancel_reason: String,
    pub cancelled_by: String,
    /// The pools and seed exactly as the draw uses them.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub input: DrawInput,
    pub published_at: i64,
    pub drawn_at: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub result: Option<Draw>,
    pub created_by: String,
    pub results: Vec<InspectionResult>,
}

record! {
    /// What an inspection of one target found.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct InspectionResult {
        pub licence: String,
        pub kind: FindingKind,
        pub summary: String,
        pub recorded_by: String,
        pub recorded_on: NaiveDate,
    }
}

record! {
    struct PlanRow {
        id: i64,
        jurisdiction: String,
        department: String,
        title: String,
        item_code: String,
        risk: String,
        target_count: i64,
        per_target: i64,
        seed: String,
        input: Json<DrawInput>,
        published_at: i64,
        drawn_at: Option<i64>,
        result: Option<Json<Draw>>,
        created_by: String,
        pools_digest: String,
        seed_source: Option<Json<SeedSource>>,
        cancelled_at: Option<i64>,
        cancel_reason: String,
        cancelled_by: String,
    }
}

/// A plan to publish, its pools fixed.
#[derive(Debug, Clone)]
pub struct NewPlan<'a> {
    pub jurisdiction: &'a str,
    pub department: &'a str,
    pub title: &'a str,
    pub item_code: &'a str,
    pub risk: &'a str,
    pub input: &'a DrawInput,
    pub pools_digest: &'a str,
    pub created_by: &'a str,
    pub at_ms: i64,
}

/// A tie as stored, with the jurisdiction it was declared in.
#[derive(Debug, Clone)]
pub struct NewTie<'a> {
    pub jurisdiction: &'a str,
    pub inspector: &'a str,
    pub holder_id: &'a str,
    pub reason: &'a str,
    pub at_ms: i64,
}

record! {
    struct TieRow {
        inspector: String,
        holder_id: String,
        reason: String,
    }
}

impl WriteTx {
    /// Publishes a plan; a second open plan (neither drawn nor cancelled) of the same department
    /// and item is a `Conflict::Taken`.
    pub async fn insert_plan(&mut self, p: &NewPlan<'_>) -> Result<i64> {
        let open: Option<i64> = sql!(
            "SELECT id FROM inspection_plans WHERE jurisdiction = $1 AND department = $2 AND item_code = $3
             AND drawn_at IS NULL AND cancelled_at IS NULL AND pools_digest <> '' LIMIT 1";
            p.jurisdiction, p.department, p.item_code
        )
        .optional_scalar(&mut **self)
        .await?;
        if let Some(id) = open {
            return Err(StoreError::Conflict(Conflict::Taken {
                what: "open inspection plan",
                value: id.to_string(),
            }));
        }
        insert!("inspection_plans", p;
            jurisdiction, department, title, item_code, risk,
            target_count = p.input.target_count as i64,
            per_target = p.input.inspectors_per_target as i64, seed = &p.input.seed,
            input = serde_json::to_string(p.input)?, published_at = p.at_ms, created_by,
            pools_digest;
            "RETURNING id")
        .scalar(&mut **self)
        .await
    }

    /// Records a plan's draw with the seed and its source, once, unless cancelled.
    pub async fn record_draw(
        &mut self,
        id: i64,
        input: &DrawInput,
        source: Option<&SeedSource>,
        result: &Draw,
        at_ms: i64,
    ) -> Result<()> {
        let source = source.map(serde_json::to_string).transpose()?;
        sql!(
            "UPDATE inspection_plans SET drawn_at = $1, result = $2, seed = $3, input = $4, seed_source = $5
             WHERE id = $6 AND drawn_at IS NULL AND cancelled_at IS NULL";
            at_ms, serde_json::to_string(result)?, &input.seed, serde_json::to_string(input)?,
            source, id
        )
        .run_once(&mut **self, "inspection plan")
        .await
    }

    /// Cancels an open plan with its reason, once (the plan stays public).
    pub async fn cancel_plan(&mut self, id: i64, reason: &str, by: &str, at_ms: i64) -> Result<()> {
        sql!(
            "UPDATE inspection_plans SET cancelled_at = $1, cancel_reason = $2, cancelled_by = $3
             WHERE id = $4 AND drawn_at IS NULL AND cancelled_at IS NULL";
            at_ms, reason, by, id
        )
        .run_once(&mut **self, "inspection plan")
        .await
    }

    /// Records the result of one target, once.
    pub async fn insert_inspection_result(
        &mut self,
        plan: i64,
        result: &InspectionResult,
    ) -> Result<()> {
        let written = insert!("inspection_results", result;
            plan_id = plan, licence, kind = result.kind.code(), summary, recorded_by,
            recorded_on = day(result.recorded_on);
            "ON CONFLICT (plan_id, licence) DO NOTHING")
        .changed_one(&mut **self)
        .await?;
        if !written {
            return Err(StoreError::Conflict(Conflict::Taken {
                what: "inspection result",
                value: result.licence.clone(),
            }));
        }
        Ok(())
    }

    pub async fn insert_tie(&mut self, t: &NewTie<'_>) -> Result<()> {
        insert!("inspection_ties", t;
            jurisdiction, inspector, holder_id, reason, created_at = t.at_ms)
        .run(&mut **self)
        .await
    }
}

impl Store {
    pub async fn inspection_plan(&self, id: i64) -> Result<InspectionPlan> {
        let r: PlanRow = by_id(self.reader(), "inspection_plans", id, Missing::Plan).await?;
        let from = "inspection_results WHERE plan_id = $1 ORDER BY licence";
        let results = sql!(select::<InspectionResult>(from); id)
            .all(self.reader())
            .await?;
        Ok(InspectionPlan {
            id: r.id,
            jurisdiction: r.jurisdiction,
            department: r.department,
            title: r.title,
            item_code: r.item_code,
            risk: r.risk,
            target_count: r.target_count,
            per_target: r.per_target,
            seed: r.seed,
            input: r.input.0,
            published_at: r.published_at,
            drawn_at: r.drawn_at,
            result: r.result.map(|j| j.0),
            created_by: r.created_by,
            pools_digest: r.pools_digest,
            seed_source: r.seed_source.map(|j| j.0),
            cancelled_at: r.cancelled_at,
            cancel_reason: r.cancel_reason,
            cancelled_by: r.cancelled_by,
            results,
        })
    }

    /// Plans, newest first: of one jurisdiction (and department), or all; the first 200 (the
    /// public page reads them a page at a time, [`Store::inspection_plan_page`]).
    pub async fn inspection_plans(
        &self,
        jurisdiction: Option<&str>,
        department: Option<&str>,
    ) -> Result<Vec<InspectionPlan>> {
        Ok(self
            .inspection_plan_page(jurisdiction, department, None, 200)
            .await?
            .rows)
    }

    /// A page of the plans, newest first, before the plan `after` (keyset pagination), with how
    /// many there are and the id to give as `after` for the next page.
    pub async fn inspection_plan_page(
        &self,
        jurisdiction: Option<&str>,
        department: Option<&str>,
        after: Option<i64>,
        limit: i64,
    ) -> Result<IdPage<InspectionPlan>> {
        let limit = limit.clamp(1, 1000);
        let filter = "($1 = '' OR jurisdiction = $1) AND ($2 = '' OR department = $2)";
        let (j, d) = (jurisdiction.unwrap_or(""), department.unwrap_or(""));
        let ids: Vec<i64> = sql!(
            format!("SELECT id FROM inspection_plans WHERE {filter} AND id < $3 ORDER BY id DESC LIMIT $4");
            j, d, after.unwrap_or(i64::MAX), limit + 1
        )
        .scalars(self.reader())
        .await?;
        let count = sql!(format!("SELECT COUNT(*) FROM inspection_plans WHERE {filter}"); j, d)
            .scalar(self.reader())
            .await?;
        let page = IdPage::cut(ids, limit, count, |id| *id);
        let mut rows = Vec::with_capacity(page.rows.len());
        for id in page.rows {
            rows.push(self.inspection_plan(id).await?);
        }
        Ok(IdPage {
            rows,
            count: page.count,
            next: page.next,
        })
    }

    /// The first daily chain head published on a day after `day` (a plan's seed source).
    pub async fn first_head_after(
        &self,
        day: &str,
    ) -> Result<Option<crate::archive::PublishedHead>> {
        sql!(select::<crate::archive::PublishedHead>("chain_heads WHERE day > $1 ORDER BY day LIMIT 1"); day)
            .optional(self.reader())
            .await
    }

    pub async fn inspection_ties(&self, jurisdiction: &str) -> Result<Vec<Tie>> {
        let from = "inspection_ties WHERE jurisdiction = $1 ORDER BY id";
        let rows: Vec<TieRow> = sql!(select::<TieRow>(from); jurisdiction)
            .all(self.reader())
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| Tie {
                inspector: r.inspector,
                holder_id: r.holder_id,
                reason: r.reason,
            })
            .collect())
    }
}
