//! Random inspections (双随机一公开) as rows: a plan with its pools and seed as published, its draw
//! once made, the result recorded per drawn target, and the ties inspectors declared.

use chrono::NaiveDate;
use serde::Serialize;
use yiyin_domain::inspection::{Draw, DrawInput, Tie};
use yiyin_domain::supervision::FindingKind;

use crate::rows::{Json, day, from_row};
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
    /// Published with the plan, before the draw.
    pub seed: String,
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

from_row!(InspectionResult {
    licence,
    kind,
    summary,
    recorded_by,
    recorded_on,
});

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
}

from_row!(PlanRow {
    id,
    jurisdiction,
    department,
    title,
    item_code,
    risk,
    target_count,
    per_target,
    seed,
    input,
    published_at,
    drawn_at,
    result,
    created_by,
});

const COLUMNS: &str = "id, jurisdiction, department, title, item_code, risk, target_count, per_target, seed, input, published_at, drawn_at, result, created_by";

/// A plan to publish, its pools fixed.
#[derive(Debug, Clone)]
pub struct NewPlan<'a> {
    pub jurisdiction: &'a str,
    pub department: &'a str,
    pub title: &'a str,
    pub item_code: &'a str,
    pub risk: &'a str,
    pub input: &'a DrawInput,
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

struct TieRow {
    inspector: String,
    holder_id: String,
    reason: String,
}

from_row!(TieRow {
    inspector,
    holder_id,
    reason,
});

impl WriteTx {
    pub async fn insert_plan(&mut self, p: &NewPlan<'_>) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO inspection_plans (jurisdiction, department, title, item_code, risk, target_count, per_target,
               seed, input, published_at, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(p.jurisdiction)
        .bind(p.department)
        .bind(p.title)
        .bind(p.item_code)
        .bind(p.risk)
        .bind(p.input.target_count as i64)
        .bind(p.input.inspectors_per_target as i64)
        .bind(&p.input.seed)
        .bind(serde_json::to_string(p.input)?)
        .bind(p.at_ms)
        .bind(p.created_by)
        .fetch_one(&mut **self)
        .await?)
    }

    /// Records a plan's draw, once.
    pub async fn record_draw(&mut self, id: i64, result: &Draw, at_ms: i64) -> Result<()> {
        let r = sqlx::query(
            "UPDATE inspection_plans SET drawn_at = $1, result = $2 WHERE id = $3 AND drawn_at IS NULL",
        )
        .bind(at_ms)
        .bind(serde_json::to_string(result)?)
        .bind(id)
        .execute(&mut **self)
        .await?;
        if r.rows_affected() != 1 {
            return Err(StoreError::Conflict(Conflict::Changed("inspection plan")));
        }
        Ok(())
    }

    /// Records the result of one target, once.
    pub async fn insert_inspection_result(
        &mut self,
        plan: i64,
        result: &InspectionResult,
    ) -> Result<()> {
        let written = sqlx::query(
            "INSERT INTO inspection_results (plan_id, licence, kind, summary, recorded_by, recorded_on)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (plan_id, licence) DO NOTHING",
        )
        .bind(plan)
        .bind(&result.licence)
        .bind(result.kind.code())
        .bind(&result.summary)
        .bind(&result.recorded_by)
        .bind(day(result.recorded_on))
        .execute(&mut **self)
        .await?
        .rows_affected();
        if written == 0 {
            return Err(StoreError::Conflict(Conflict::Taken {
                what: "inspection result",
                value: result.licence.clone(),
            }));
        }
        Ok(())
    }

    pub async fn insert_tie(&mut self, t: &NewTie<'_>) -> Result<()> {
        sqlx::query(
            "INSERT INTO inspection_ties (jurisdiction, inspector, holder_id, reason, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(t.jurisdiction)
        .bind(t.inspector)
        .bind(t.holder_id)
        .bind(t.reason)
        .bind(t.at_ms)
        .execute(&mut **self)
        .await?;
        Ok(())
    }
}

impl Store {
    pub async fn inspection_plan(&self, id: i64) -> Result<InspectionPlan> {
        let r: PlanRow = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM inspection_plans WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.reader())
        .await?
        .ok_or(StoreError::NotFound(Missing::Plan(id)))?;
        let results = sqlx::query_as(
            "SELECT licence, kind, summary, recorded_by, recorded_on FROM inspection_results WHERE plan_id = $1 ORDER BY licence",
        )
        .bind(id)
        .fetch_all(self.reader())
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
            results,
        })
    }

    /// Plans, newest first: of one jurisdiction (and department), or all (the public page).
    pub async fn inspection_plans(
        &self,
        jurisdiction: Option<&str>,
        department: Option<&str>,
    ) -> Result<Vec<InspectionPlan>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM inspection_plans WHERE ($1 = '' OR jurisdiction = $1) AND ($2 = '' OR department = $2)
             ORDER BY id DESC LIMIT 200",
        )
        .bind(jurisdiction.unwrap_or(""))
        .bind(department.unwrap_or(""))
        .fetch_all(self.reader())
        .await?;
        let mut out = Vec::new();
        for id in ids {
            out.push(self.inspection_plan(id).await?);
        }
        Ok(out)
    }

    pub async fn inspection_ties(&self, jurisdiction: &str) -> Result<Vec<Tie>> {
        let rows: Vec<TieRow> = sqlx::query_as(
            "SELECT inspector, holder_id, reason FROM inspection_ties WHERE jurisdiction = $1 ORDER BY id",
        )
        .bind(jurisdiction)
        .fetch_all(self.reader())
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
