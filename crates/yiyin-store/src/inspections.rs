//! Random inspections (双随机一公开), persisted: a plan fixes its pools (the department's licensees
//! in force, filtered by item and risk; its law-enforcement staff; the declared ties) and a random
//! seed, and is published before the draw; the draw (`yiyin_domain::inspection::draw`) is a pure
//! function of what was published, so anyone can re-run it; results are recorded per target (each
//! also a finding on the licence) and published.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::Row;
use yiyin_domain::calendar::fmt_date;
use yiyin_domain::inspection::{Draw, DrawInput, Inspector, Risk, Target, Tie, draw};
use yiyin_domain::licence::LicenceStatus;
use yiyin_domain::roles::Role;
use yiyin_domain::supervision::FindingKind;

use crate::cases::{Actor, local_date};
use crate::crypto::random_bytes;
use crate::events;
use crate::supervision::{NewFinding, Resolved, insert_finding, side_event};
use crate::{Result, Store, StoreError};

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
    pub recorded_on: String,
}

/// A plan to publish.
#[derive(Debug, Clone)]
pub struct NewPlan {
    pub jurisdiction: String,
    pub department: String,
    pub title: String,
    pub item_code: String,
    pub risk: Option<Risk>,
    pub target_count: usize,
    pub per_target: usize,
}

const COLUMNS: &str = "id, jurisdiction, department, title, item_code, risk, target_count, per_target, seed, input, published_at, drawn_at, result, created_by";

impl Store {
    fn plan_from_row(r: &sqlx::any::AnyRow) -> Result<InspectionPlan> {
        Ok(InspectionPlan {
            id: r.try_get("id")?,
            jurisdiction: r.try_get("jurisdiction")?,
            department: r.try_get("department")?,
            title: r.try_get("title")?,
            item_code: r.try_get("item_code")?,
            risk: r.try_get("risk")?,
            target_count: r.try_get("target_count")?,
            per_target: r.try_get("per_target")?,
            seed: r.try_get("seed")?,
            input: serde_json::from_str(&r.try_get::<String, _>("input")?)?,
            published_at: r.try_get("published_at")?,
            drawn_at: r.try_get("drawn_at")?,
            result: r
                .try_get::<Option<String>, _>("result")?
                .map(|t| serde_json::from_str(&t))
                .transpose()?,
            created_by: r.try_get("created_by")?,
            results: vec![],
        })
    }

    /// The pools a plan would fix now: the department's licensees in force (by item and risk), its
    /// supervisors, and the ties declared in the jurisdiction.
    async fn pools(
        &self,
        p: &NewPlan,
        today: chrono::NaiveDate,
    ) -> Result<(Vec<Target>, Vec<Inspector>, Vec<Tie>)> {
        let rows = sqlx::query(
            "SELECT identifier, holder, holder_id, item_code, risk, valid_until FROM licences
             WHERE jurisdiction = $1 AND supervising_department = $2 AND status = 'valid'
               AND ($3 = '' OR item_code = $3) AND ($4 = '' OR risk = $4)
             ORDER BY identifier",
        )
        .bind(&p.jurisdiction)
        .bind(&p.department)
        .bind(&p.item_code)
        .bind(p.risk.map(|r| r.code()).unwrap_or(""))
        .fetch_all(self.reader())
        .await?;
        let mut targets = Vec::new();
        for r in rows {
            let until: Option<String> = r.try_get("valid_until")?;
            if until.is_some_and(|u| u < fmt_date(today)) {
                continue;
            }
            let risk: String = r.try_get("risk")?;
            targets.push(Target {
                id: r.try_get("identifier")?,
                holder: r.try_get("holder")?,
                holder_id: r.try_get("holder_id")?,
                item_code: r.try_get("item_code")?,
                risk: Risk::parse(&risk).unwrap_or(Risk::Medium),
            });
        }
        let inspectors = self
            .staff_in(&p.jurisdiction)
            .await?
            .into_iter()
            .filter(|a| {
                a.active
                    && a.grants.iter().any(|g| {
                        g.role == Role::DepartmentSupervisor
                            && g.jurisdiction == p.jurisdiction
                            && g.department.as_deref() == Some(p.department.as_str())
                    })
            })
            .map(|a| Inspector {
                id: a.login,
                name: a.name,
            })
            .collect();
        let ties = self.inspection_ties(&p.jurisdiction).await?;
        Ok((targets, inspectors, ties))
    }

    /// Publishes a plan: its pools and a fresh random seed are fixed now, before any draw. Refused
    /// when the draw could not be made (too few licensees or inspectors).
    pub async fn publish_inspection_plan(
        &self,
        p: &NewPlan,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<InspectionPlan> {
        if p.title.trim().is_empty() {
            return Err(StoreError::Rejected("请填写抽查计划名称".into()));
        }
        let (targets, inspectors, ties) = self.pools(p, local_date(at)).await?;
        let seed = yiyin_seal::hex(&random_bytes(16));
        let input = DrawInput {
            seed: seed.clone(),
            targets,
            inspectors,
            target_count: p.target_count,
            inspectors_per_target: p.per_target,
            ties,
        };
        // The draw must be possible with what is published.
        draw(&input).map_err(|e| StoreError::Rejected(e.to_string()))?;
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO inspection_plans (jurisdiction, department, title, item_code, risk, target_count, per_target,
               seed, input, published_at, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(&p.jurisdiction)
        .bind(&p.department)
        .bind(p.title.trim())
        .bind(&p.item_code)
        .bind(p.risk.map(|r| r.code()).unwrap_or(""))
        .bind(p.target_count as i64)
        .bind(p.per_target as i64)
        .bind(&seed)
        .bind(serde_json::to_string(&input)?)
        .bind(at.timestamp_millis())
        .bind(&actor.name)
        .fetch_one(&mut *tx)
        .await?;
        events::append(
            &mut tx,
            &[side_event(
                None,
                &p.jurisdiction,
                actor,
                at,
                "inspection_plan",
                format!(
                    "公布双随机抽查计划“{}”：从{}个检查对象中抽取{}个，种子 {seed}",
                    p.title.trim(),
                    input.targets.len(),
                    p.target_count
                ),
                json!({"plan": id, "seed": seed}),
            )],
        )
        .await?;
        tx.commit().await?;
        self.inspection_plan(id).await
    }

    /// Makes the draw of a published plan (once).
    pub async fn draw_inspection_plan(
        &self,
        id: i64,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<InspectionPlan> {
        let plan = self.inspection_plan(id).await?;
        if plan.drawn_at.is_some() {
            return Err(StoreError::Rejected(
                "该计划已经抽取，结果不能重新抽取".into(),
            ));
        }
        let result = draw(&plan.input).map_err(|e| StoreError::Rejected(e.to_string()))?;
        let mut tx = self.begin_write().await?;
        let r = sqlx::query(
            "UPDATE inspection_plans SET drawn_at = $1, result = $2 WHERE id = $3 AND drawn_at IS NULL",
        )
        .bind(at.timestamp_millis())
        .bind(serde_json::to_string(&result)?)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() != 1 {
            return Err(StoreError::Conflict("该计划刚被他人抽取".into()));
        }
        events::append(
            &mut tx,
            &[side_event(
                None,
                &plan.jurisdiction,
                actor,
                at,
                "inspection_draw",
                format!(
                    "抽取“{}”：{}",
                    plan.title,
                    result
                        .picks
                        .iter()
                        .map(|p| p.target.id.clone())
                        .collect::<Vec<_>>()
                        .join("、")
                ),
                json!({"plan": id}),
            )],
        )
        .await?;
        tx.commit().await?;
        self.inspection_plan(id).await
    }

    /// Records what the inspection of a drawn target found (also a finding on its licence).
    pub async fn record_inspection_result(
        &self,
        id: i64,
        licence: &str,
        kind: FindingKind,
        summary: &str,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<InspectionPlan> {
        let plan = self.inspection_plan(id).await?;
        let picked = plan
            .result
            .as_ref()
            .and_then(|d| d.picks.iter().find(|p| p.target.id == licence))
            .ok_or_else(|| {
                StoreError::Rejected(format!("证照{licence}不是本计划抽中的检查对象"))
            })?;
        if plan.results.iter().any(|r| r.licence == licence) {
            return Err(StoreError::Rejected("该检查对象的结果已经录入".into()));
        }
        if summary.trim().is_empty() {
            return Err(StoreError::Rejected("请填写检查情况".into()));
        }
        let case_id = self.licence(licence).await?.map(|l| l.case_id);
        let finding = NewFinding {
            jurisdiction: plan.jurisdiction.clone(),
            department: plan.department.clone(),
            licence: Some(licence.to_string()),
            holder_id: picked.target.holder_id.clone(),
            holder: picked.target.holder.clone(),
            item_code: picked.target.item_code.clone(),
            kind,
            summary: format!("双随机抽查“{}”：{}", plan.title, summary.trim()),
            found_on: local_date(at),
        };
        // The result and its finding are written together, once.
        let mut tx = self.begin_write().await?;
        let written = sqlx::query(
            "INSERT INTO inspection_results (plan_id, licence, kind, summary, recorded_by, recorded_on)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (plan_id, licence) DO NOTHING",
        )
        .bind(id)
        .bind(licence)
        .bind(kind.code())
        .bind(summary.trim())
        .bind(&actor.name)
        .bind(fmt_date(local_date(at)))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if written == 0 {
            return Err(StoreError::Rejected("该检查对象的结果已经录入".into()));
        }
        insert_finding(
            &mut tx,
            &finding,
            Resolved {
                holder_id: &finding.holder_id,
                holder: &finding.holder,
                item_code: &finding.item_code,
                case_id,
            },
            actor,
            at,
        )
        .await?;
        tx.commit().await?;
        self.inspection_plan(id).await
    }

    pub async fn inspection_plan(&self, id: i64) -> Result<InspectionPlan> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM inspection_plans WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.reader())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("没有编号为{id}的抽查计划")))?;
        let mut plan = Self::plan_from_row(&row)?;
        plan.results = sqlx::query(
            "SELECT licence, kind, summary, recorded_by, recorded_on FROM inspection_results WHERE plan_id = $1 ORDER BY licence",
        )
        .bind(id)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(|r| {
            let kind: String = r.try_get("kind")?;
            Ok(InspectionResult {
                licence: r.try_get("licence")?,
                kind: FindingKind::parse(&kind)
                    .ok_or_else(|| StoreError::Corrupt(format!("检查结果「{kind}」")))?,
                summary: r.try_get("summary")?,
                recorded_by: r.try_get("recorded_by")?,
                recorded_on: r.try_get("recorded_on")?,
            })
        })
        .collect::<Result<_>>()?;
        Ok(plan)
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

    /// Declares that an inspector is tied to a licensee (they will recuse).
    pub async fn declare_tie(
        &self,
        jurisdiction: &str,
        inspector: &str,
        holder_id: &str,
        reason: &str,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<()> {
        if inspector.trim().is_empty() || holder_id.trim().is_empty() || reason.trim().is_empty() {
            return Err(StoreError::Rejected(
                "请填写检查人员账号、被检查人证件号码和回避事由".into(),
            ));
        }
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO inspection_ties (jurisdiction, inspector, holder_id, reason, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(jurisdiction)
        .bind(inspector.trim())
        .bind(holder_id.trim())
        .bind(reason.trim())
        .bind(at.timestamp_millis())
        .execute(&mut *tx)
        .await?;
        events::append(
            &mut tx,
            &[side_event(
                None,
                jurisdiction,
                actor,
                at,
                "inspection_tie",
                format!(
                    "登记回避：{}与{}（{}）",
                    inspector.trim(),
                    holder_id.trim(),
                    reason.trim()
                ),
                json!({"inspector": inspector.trim(), "holder_id": holder_id.trim()}),
            )],
        )
        .await?;
        tx.commit().await
    }

    pub async fn inspection_ties(&self, jurisdiction: &str) -> Result<Vec<Tie>> {
        sqlx::query(
            "SELECT inspector, holder_id, reason FROM inspection_ties WHERE jurisdiction = $1 ORDER BY id",
        )
        .bind(jurisdiction)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(|r| {
            Ok(Tie {
                inspector: r.try_get("inspector")?,
                holder_id: r.try_get("holder_id")?,
                reason: r.try_get("reason")?,
            })
        })
        .collect()
    }

    /// Sets the supervising department's risk grading of a licensee in force (logged).
    pub async fn set_licence_risk(
        &self,
        identifier: &str,
        risk: Risk,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let l = self
            .licence(identifier)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("没有证照编号为「{identifier}」的证照")))?;
        if l.status_on(local_date(at)) != LicenceStatus::Valid {
            return Err(StoreError::Rejected("只能对有效的证照设定风险等级".into()));
        }
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE licences SET risk = $1 WHERE identifier = $2")
            .bind(risk.code())
            .bind(identifier)
            .execute(&mut *tx)
            .await?;
        events::append(
            &mut tx,
            &[side_event(
                Some(l.case_id),
                &l.jurisdiction,
                actor,
                at,
                "licence_risk",
                format!("风险等级由{}调整为{}", l.risk.label(), risk.label()),
                json!({"licence": identifier, "risk": risk.code()}),
            )],
        )
        .await?;
        tx.commit().await
    }
}
