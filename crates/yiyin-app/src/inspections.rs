//! Random inspections (双随机一公开) as use cases: a department publishes a plan, which fixes its
//! pools (its licensees in force by item and risk, its law-enforcement staff, the declared ties) and
//! publishes their digest — one open plan per department and item; the seed is not known then: the
//! draw takes it from the first daily chain head signed after the publication (refused until that
//! head exists), so nobody can compute the draw in advance or shop for a licensee; a plan may be
//! cancelled before its draw, publicly, with its reason. The draw
//! (`yiyin_domain::inspection::draw`, `yiyin-draw/1`) is a pure function of what is published, so
//! anyone re-runs it; a result is recorded once per drawn target, together with its finding on the
//! licence; the public sees plans without ID numbers, accounts or the reasons of ties.

use serde::Deserialize;
use serde_json::json;
use yiyin_domain::calendar::{fmt_date, local_date};
use yiyin_domain::inspection::{
    DrawInput, Inspector, Risk, SEED_FROM_CHAIN_HEAD, SeedSource, Target, check_commitment, draw,
    pools_digest, redact, seed_from,
};
use yiyin_domain::refusal::require_text;
use yiyin_domain::roles::Role;
use yiyin_domain::supervision::FindingKind;
use yiyin_domain::text::{TextKind, check};
use yiyin_store::events::NewEvent;
use yiyin_store::findings::NewFinding;
use yiyin_store::inspections::{InspectionPlan, InspectionResult, NewPlan, NewTie};
use yiyin_store::{Conflict, StoreError};

use crate::App;
use crate::audited_write::AuditedWrite;
use crate::error::{AppError, Result};
use crate::paging::{ListPage, id_cursor, page_limit};
use crate::principal::Principal;

fn two() -> usize {
    2
}

/// A plan as submitted.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanInput {
    #[serde(default)]
    pub jurisdiction: String,
    #[serde(default)]
    pub department: String,
    pub title: String,
    /// Limit the pool to one item ('' = every item the department supervises).
    #[serde(default)]
    pub item_code: String,
    /// low | medium | high | '' (any).
    #[serde(default)]
    pub risk: String,
    pub target_count: usize,
    #[serde(default = "two")]
    pub per_target: usize,
}

/// What the inspection of one drawn target found, as submitted.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InspectionResultInput {
    pub licence: String,
    pub kind: String,
    pub summary: String,
}

/// A declared tie between an inspector and a licensee, as submitted.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TieInput {
    #[serde(default)]
    pub jurisdiction: String,
    #[serde(default)]
    pub department: String,
    /// The inspector's login.
    pub inspector: String,
    pub holder_id: String,
    pub reason: String,
}

/// The most plans a page of the public list holds (and how many when not said).
pub const PLAN_PAGE: i64 = 200;

/// A plan as the public sees it: no ID numbers, accounts or reasons of ties, persons' names
/// masked; its draw still re-runs from what is shown.
pub fn public_plan(mut plan: InspectionPlan) -> InspectionPlan {
    let (input, result) = redact(&plan.input, plan.result.as_ref());
    plan.input = input;
    plan.result = result;
    plan.created_by = String::new();
    plan.cancelled_by = String::new();
    for r in &mut plan.results {
        r.recorded_by = String::new();
    }
    plan
}

/// The day a plan was published (China Standard Time).
fn published_on(plan: &InspectionPlan) -> chrono::NaiveDate {
    local_date(chrono::DateTime::from_timestamp_millis(plan.published_at).unwrap_or_default())
}

impl App {
    /// Publishes a random-inspection plan: its pools are fixed now and their digest published; the
    /// seed is left to the first chain head signed after publication. Refused when the draw could
    /// not be made (too few licensees or inspectors) or the department has an open plan for the
    /// item.
    #[tracing::instrument(skip_all, fields(account = who.account.id))]
    pub async fn publish_plan(&self, who: &Principal, input: &PlanInput) -> Result<InspectionPlan> {
        let desk = self.desk(who, &input.jurisdiction, &input.department)?;
        who.require_supervision(&desk.jurisdiction, &desk.department)?;
        let title = input.title.trim();
        if title.is_empty() {
            return Err(AppError::field("title", "请填写抽查计划名称"));
        }
        if input.target_count == 0 || input.target_count > 500 {
            return Err(AppError::field("target_count", "抽查对象数应为1至500"));
        }
        if input.per_target == 0 || input.per_target > 5 {
            return Err(AppError::field(
                "per_target",
                "每个对象的检查人员数应为1至5（执法检查至少二人的，请填2）",
            ));
        }
        let risk = match input.risk.trim() {
            "" => None,
            r => Some(AppError::choice::<Risk>("risk", r, |choices| {
                format!("风险等级「{r}」无效，应为：{choices}")
            })?),
        };
        let item_code = input.item_code.trim();
        let targets: Vec<Target> = self
            .store
            .supervised_licences(
                &desk.jurisdiction,
                &desk.department,
                (!item_code.is_empty()).then_some(item_code),
                risk,
                self.today(),
            )
            .await?
            .into_iter()
            .map(|l| Target {
                id: l.identifier,
                holder: l.holder,
                holder_id: l.holder_id.to_string(),
                item_code: l.item_code,
                risk: l.risk,
            })
            .collect();
        let inspectors: Vec<Inspector> = self
            .store
            .staff_holding(&desk.jurisdiction, &[Role::DepartmentSupervisor])
            .await?
            .into_iter()
            .filter(|a| {
                a.grants.iter().any(|g| {
                    g.role == Role::DepartmentSupervisor
                        && g.jurisdiction == desk.jurisdiction
                        && g.department.as_deref() == Some(desk.department.as_str())
                })
            })
            .map(|a| Inspector {
                id: a.login,
                name: a.name,
            })
            .collect();
        let ties = self.store.inspection_ties(&desk.jurisdiction).await?;
        let draw_input = DrawInput {
            seed: String::new(),
            targets,
            inspectors,
            target_count: input.target_count,
            inspectors_per_target: input.per_target,
            ties,
        };
        // The draw must be possible with what is published (whatever the seed will be: only the
        // counts decide that).
        let probe = DrawInput {
            seed: "probe".into(),
            ..draw_input.clone()
        };
        draw(&probe).map_err(|e| AppError::invalid(e.to_string()))?;
        let digest = pools_digest(&draw_input);
        let mut w = self.begin_plan_write(who).await?;
        let id = w
            .tx
            .insert_plan(&NewPlan {
                jurisdiction: &desk.jurisdiction,
                department: &desk.department,
                title,
                item_code,
                risk: risk.map(|r| r.code()).unwrap_or(""),
                input: &draw_input,
                pools_digest: &digest,
                created_by: &w.actor.name,
                at_ms: w.at.timestamp_millis(),
            })
            .await
            .map_err(|e| match e {
                StoreError::Conflict(Conflict::Taken { value, .. }) => AppError::Conflict(format!(
                    "本部门{}已有尚未抽取的抽查计划（第{value}号）：同一部门同一事项只能有一个未抽取的计划，请先抽取或公开取消该计划",
                    if item_code.is_empty() { "（全部监管事项）".to_string() } else { format!("事项 {item_code} ") }
                )),
                e if e.is_unique_violation() => AppError::Conflict(
                    "同一部门同一事项只能有一个未抽取的抽查计划，请先抽取或公开取消该计划".into(),
                ),
                e => e.into(),
            })?;
        let event = w.event(
            &desk.jurisdiction,
            None,
            "inspection_plan",
            format!(
                "公布双随机抽查计划“{title}”：从{}个检查对象中抽取{}个，名录摘要 {digest}；随机种子取自公布后首个经签章的每日链头",
                draw_input.targets.len(),
                input.target_count
            ),
            json!({"plan": id, "pools_digest": digest}),
        );
        self.publish_change(w, event, id).await
    }

    /// Opens a write of the random inspections for the caller, now.
    async fn begin_plan_write(&self, who: &Principal) -> Result<AuditedWrite> {
        self.audited_write(who).await
    }

    /// Records a plan's event, commits the write and answers the plan as it now stands.
    async fn publish_change(
        &self,
        w: AuditedWrite,
        event: NewEvent,
        id: i64,
    ) -> Result<InspectionPlan> {
        w.finish(event).await?;
        Ok(self.store.inspection_plan(id).await?)
    }

    async fn plan_for_desk(&self, who: &Principal, id: i64) -> Result<InspectionPlan> {
        let plan = self.store.inspection_plan(id).await?;
        who.require_supervision(&plan.jurisdiction, &plan.department)?;
        Ok(plan)
    }

    /// Makes the draw of a published plan (once), its seed taken from the first daily chain head
    /// signed on a day after the publication; refused until that head exists.
    #[tracing::instrument(skip_all, fields(account = who.account.id))]
    pub async fn draw_plan(&self, who: &Principal, id: i64) -> Result<InspectionPlan> {
        let plan = self.plan_for_desk(who, id).await?;
        if plan.drawn_at.is_some() {
            return Err(AppError::invalid("该计划已经抽取，结果不能重新抽取"));
        }
        if plan.cancelled_at.is_some() {
            return Err(AppError::invalid(format!(
                "该计划已公开取消（{}），不能抽取",
                plan.cancel_reason
            )));
        }
        if plan.pools_digest.is_empty() {
            return Err(AppError::invalid(
                "该计划按旧办法在公布时即公开了随机种子，抽取结果可被预先算出，不能抽取；请公开取消后重新公布",
            ));
        }
        let published = published_on(&plan);
        let head = self
            .store
            .first_head_after(&fmt_date(published))
            .await?
            .ok_or_else(|| {
                AppError::invalid(format!(
                    "尚不能抽取：随机种子取自本计划公布（{}）之后首个经平台签章的每日链头，该链头尚未产生。为使任何人（包括本部门）在公布时都无法预知抽取结果，须待次日链头签发后再抽取",
                    fmt_date(published)
                ))
            })?;
        let source = SeedSource {
            kind: SEED_FROM_CHAIN_HEAD.into(),
            day: head.day,
            seq: head.seq,
            hash: head.hash,
        };
        let mut input = plan.input.clone();
        input.seed = seed_from(&source, &plan.pools_digest);
        check_commitment(&input, &plan.pools_digest, Some(&source)).map_err(AppError::internal)?;
        let result = draw(&input).map_err(|e| AppError::invalid(e.to_string()))?;
        let mut w = self.begin_plan_write(who).await?;
        w.tx.record_draw(id, &input, Some(&source), &result, w.at.timestamp_millis())
            .await?;
        let event = w.event(
            &plan.jurisdiction,
            None,
            "inspection_draw",
            format!(
                "抽取“{}”（随机种子取自 {} 的链头）：{}",
                plan.title,
                source.day,
                result
                    .picks
                    .iter()
                    .map(|p| p.target.id.clone())
                    .collect::<Vec<_>>()
                    .join("、")
            ),
            json!({"plan": id, "seed": input.seed, "seed_source": source}),
        );
        self.publish_change(w, event, id).await
    }

    /// Cancels a plan before its draw, publicly: the plan stays on the portal with its reason.
    #[tracing::instrument(skip_all, fields(account = who.account.id))]
    pub async fn cancel_plan(
        &self,
        who: &Principal,
        id: i64,
        reason: &str,
    ) -> Result<InspectionPlan> {
        let plan = self.plan_for_desk(who, id).await?;
        if plan.drawn_at.is_some() {
            return Err(AppError::invalid("该计划已经抽取，不能取消"));
        }
        if plan.cancelled_at.is_some() {
            return Err(AppError::invalid("该计划已经取消"));
        }
        if reason.trim().is_empty() {
            return Err(AppError::field(
                "reason",
                "取消抽查计划须写明理由（理由将与计划一并公开）",
            ));
        }
        let mut w = self.begin_plan_write(who).await?;
        w.tx.cancel_plan(id, reason.trim(), &w.actor.name, w.at.timestamp_millis())
            .await?;
        let event = w.event(
            &plan.jurisdiction,
            None,
            "inspection_cancel",
            format!("公开取消双随机抽查计划“{}”：{}", plan.title, reason.trim()),
            json!({"plan": id}),
        );
        self.publish_change(w, event, id).await
    }

    /// Records what the inspection of a drawn target found, together with its finding on the
    /// licence, once.
    #[tracing::instrument(skip_all, fields(account = who.account.id))]
    pub async fn record_result(
        &self,
        who: &Principal,
        id: i64,
        input: &InspectionResultInput,
    ) -> Result<InspectionPlan> {
        let plan = self.plan_for_desk(who, id).await?;
        let kind: FindingKind = AppError::choice("kind", &input.kind, |choices| {
            format!("检查结果类型「{}」无效，应为：{choices}", input.kind)
        })?;
        require_text(&input.summary, "inspection", "请填写检查情况")?;
        let licence = input.licence.trim();
        let picked = plan
            .result
            .as_ref()
            .and_then(|d| d.picks.iter().find(|p| p.target.id == licence))
            .ok_or_else(|| {
                AppError::field("licence", format!("证照{licence}不是本计划抽中的检查对象"))
            })?;
        if plan.results.iter().any(|r| r.licence == licence) {
            return Err(AppError::invalid("该检查对象的结果已经录入"));
        }
        let case_id = self.store.licence(licence).await?.map(|l| l.case_id);
        let actor = who.actor(&self.org());
        let at = self.now();
        let today = self.today();
        let summary = input.summary.trim();
        let finding_summary = format!("双随机抽查“{}”：{summary}", plan.title);
        let mut tx = self.store.begin_write().await?;
        tx.insert_inspection_result(
            id,
            &InspectionResult {
                licence: licence.to_string(),
                kind,
                summary: summary.to_string(),
                recorded_by: actor.name.clone(),
                recorded_on: today,
            },
        )
        .await?;
        let seq = tx
            .append_events(&[NewEvent::new(
                &actor,
                at,
                &plan.jurisdiction,
                case_id,
                "finding",
                format!("{}：{finding_summary}", kind.label()),
                json!({"department": plan.department, "licence": licence, "holder_id": picked.target.holder_id, "kind": kind.code()}),
            )])
            .await?[0];
        tx.insert_finding(&NewFinding {
            jurisdiction: &plan.jurisdiction,
            department: &plan.department,
            licence: Some(licence),
            holder_id: &picked.target.holder_id,
            holder: &picked.target.holder,
            item_code: &picked.target.item_code,
            kind,
            summary: &finding_summary,
            found_on: today,
            recorded_by: &actor.name,
            event_seq: seq,
            at_ms: at.timestamp_millis(),
        })
        .await?;
        tx.commit().await?;
        Ok(self.store.inspection_plan(id).await?)
    }

    /// Declares that an inspector is tied to a licensee (they will recuse; logged).
    #[tracing::instrument(skip_all, fields(account = who.account.id))]
    pub async fn declare_tie(&self, who: &Principal, input: &TieInput) -> Result<()> {
        let desk = self.desk(who, &input.jurisdiction, &input.department)?;
        who.require_supervision(&desk.jurisdiction, &desk.department)?;
        let (inspector, holder_id, reason) = (
            input.inspector.trim(),
            input.holder_id.trim(),
            input.reason.trim(),
        );
        if inspector.is_empty() || holder_id.is_empty() || reason.is_empty() {
            return Err(AppError::invalid(
                "请填写检查人员账号、被检查人证件号码和回避事由",
            ));
        }
        let mut w = self.begin_plan_write(who).await?;
        w.tx.insert_tie(&NewTie {
            jurisdiction: &desk.jurisdiction,
            inspector,
            holder_id,
            reason,
            at_ms: w.at.timestamp_millis(),
        })
        .await?;
        let event = w.event(
            &desk.jurisdiction,
            None,
            "inspection_tie",
            format!("登记回避：{inspector}与{holder_id}（{reason}）"),
            json!({"inspector": inspector, "holder_id": holder_id}),
        );
        w.finish(event).await
    }

    /// A department's plans (its desk), newest first.
    pub async fn plans_of(
        &self,
        who: &Principal,
        jurisdiction: &str,
        department: &str,
    ) -> Result<Vec<InspectionPlan>> {
        let desk = self.desk(who, jurisdiction, department)?;
        Ok(self
            .store
            .inspection_plans(Some(&desk.jurisdiction), Some(&desk.department))
            .await?)
    }

    /// One plan for its department's supervisors.
    pub async fn plan(&self, who: &Principal, id: i64) -> Result<InspectionPlan> {
        self.plan_for_desk(who, id).await
    }

    /// A page of the published random-inspection plans (public: 双随机一公开), newest first, of
    /// one jurisdiction or all, after the plan `after` ('' : the first page), `limit` a page
    /// (1 to [`PLAN_PAGE`], that many when not given).
    pub async fn public_plans(
        &self,
        jurisdiction: Option<&str>,
        after: &str,
        limit: Option<i64>,
    ) -> Result<ListPage<InspectionPlan>> {
        check(
            "jurisdiction",
            jurisdiction.unwrap_or_default(),
            TextKind::Short,
        )?;
        let page = self
            .store
            .inspection_plan_page(
                jurisdiction,
                None,
                id_cursor(after)?,
                page_limit(limit, PLAN_PAGE)?,
            )
            .await?;
        Ok(ListPage {
            items: page.rows.into_iter().map(public_plan).collect(),
            count: page.count,
            next: page.next.map(|id| id.to_string()),
        })
    }
}
