//! Approval–supervision separation (审管分离) as use cases: a department's desk (its inbox of pushes,
//! commitment checks and findings), acknowledging a push (签收), reporting a finding (抄告),
//! verifying a commitment (with its credit record and proposed revocation when false), grading a
//! licensee's risk; the bureau's overview of the push queue, replaying dead letters, the
//! departments' webhooks; a licensee's record and the repair of its credit.

use serde::{Deserialize, Serialize};
use serde_json::json;
use yiyin_domain::authz::{Operation, Scope};
use yiyin_domain::calendar::parse_date;
use yiyin_domain::catalog::HandlingMode;
use yiyin_domain::inspection::Risk;
use yiyin_domain::licence::LicenceStatus;
use yiyin_domain::party::SubjectId;
use yiyin_domain::refusal::require_text;
use yiyin_domain::roles::Role;
use yiyin_domain::supervision::{
    CreditKind, FindingKind, VerificationEffect, VerificationOutcome, check_repair, check_replay,
    commitment_barred, record_verification,
};
use yiyin_store::credit::{CreditRecord, NewCredit};
use yiyin_store::events::NewEvent;
use yiyin_store::findings::{Finding, FindingFilter, NewFinding};
use yiyin_store::licence_acts::LicenceAct;
use yiyin_store::licences::Licence;
use yiyin_store::pushes::{Push, PushCounts, Webhook};
use yiyin_store::verifications::VerificationTask;

use crate::App;
use crate::error::{AppError, Result};
use crate::principal::Principal;

mod acknowledgement;
mod lists;

pub use acknowledgement::{KeyAcknowledgement, PushListPage, PushListQuery};
pub use lists::{ActListPage, FindingListPage, SupervisionListQuery, TaskListPage};

/// The scope of a department's supervision: what its supervisors cover.
pub fn department_scope(jurisdiction: &str, department: &str) -> Scope {
    Scope {
        jurisdiction: jurisdiction.to_string(),
        department: department.to_string(),
        supervising_department: department.to_string(),
        handling_mode: HandlingMode::Transferred,
        instant: false,
        townships: Default::default(),
        entrusted: None,
    }
}

/// A department the user supervises.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Desk {
    pub jurisdiction: String,
    pub jurisdiction_name: String,
    pub department: String,
    pub department_name: String,
}

/// Everything a department's desk shows.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Inbox {
    pub desk: Desk,
    pub counts: PushCounts,
    /// The first page of the pushes (unacknowledged, or all), unacknowledged first.
    pub pushes: Vec<Push>,
    /// How many pushes that list holds.
    pub pushes_count: i64,
    /// The cursor of its next page (`GET /api/v1/supervision/pushes`); absent on the last.
    pub pushes_next: Option<String>,
    /// The first page of the department's commitment verification tasks, open ones first.
    pub verifications: Vec<VerificationTask>,
    /// How many verification tasks the department has.
    pub verifications_count: i64,
    /// The cursor of their next page (`GET /api/v1/supervision/verifications`); absent on the
    /// last.
    pub verifications_next: Option<String>,
    /// The first page of the department's findings, newest first.
    pub findings: Vec<Finding>,
    /// How many findings the department has recorded.
    pub findings_count: i64,
    /// The cursor of the next page (`GET /api/v1/supervision/findings`); absent on the last.
    pub findings_next: Option<String>,
}

/// A finding as submitted: about a licence, or about a licensee under an item.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FindingInput {
    /// 县区代码; the user's only desk when empty.
    #[serde(default)]
    pub jurisdiction: String,
    /// 监管部门代码; the user's only desk when empty.
    #[serde(default)]
    pub department: String,
    /// 证照编号 (or empty, then holder_id, holder and item_code).
    #[serde(default)]
    pub licence: String,
    #[serde(default)]
    pub holder_id: String,
    #[serde(default)]
    pub holder: String,
    #[serde(default)]
    pub item_code: String,
    /// compliant | rectification | penalty | referral | other
    pub kind: String,
    pub summary: String,
    /// YYYY-MM-DD; today when empty.
    #[serde(default)]
    pub found_on: String,
}

impl FindingInput {
    /// Each field within the characters and length of its kind: the codes and identifiers are
    /// indexed, so they are short; the summary is free text.
    fn check_text(&self) -> Result<()> {
        use yiyin_domain::text::{TextKind, check};
        for (field, value, kind) in [
            ("jurisdiction", &self.jurisdiction, TextKind::Short),
            ("department", &self.department, TextKind::Short),
            ("licence", &self.licence, TextKind::Short),
            ("holder_id", &self.holder_id, TextKind::Short),
            ("holder", &self.holder, TextKind::Name),
            ("item_code", &self.item_code, TextKind::Short),
            ("kind", &self.kind, TextKind::Short),
            ("summary", &self.summary, TextKind::Long),
            ("found_on", &self.found_on, TextKind::Short),
        ] {
            check(field, value, kind)?;
        }
        Ok(())
    }
}

/// A commitment verification outcome as submitted.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerificationInput {
    /// fulfilled | rectify | false
    pub outcome: String,
    /// The rectification deadline (rectify), YYYY-MM-DD.
    #[serde(default)]
    pub by: String,
    /// The facts and reasons (rectify, false) or a note (fulfilled).
    #[serde(default)]
    pub reason: String,
}

impl VerificationInput {
    pub fn outcome(&self) -> Result<VerificationOutcome> {
        let reason = self.reason.trim().to_string();
        Ok(match self.outcome.trim() {
            "fulfilled" => VerificationOutcome::Fulfilled { note: reason },
            "rectify" => VerificationOutcome::Rectify {
                by: parse_date(self.by.trim())
                    .map_err(|e| AppError::field("by", format!("整改期限：{e}")))?,
                reason,
            },
            "false" => VerificationOutcome::False { reason },
            other => {
                return Err(AppError::field(
                    "outcome",
                    format!(
                        "核查结论「{other}」无效，应为 fulfilled（承诺属实）、rectify（责令整改）或 false（承诺不实）"
                    ),
                ));
            }
        })
    }
}

/// The bureau's overview of supervision in a jurisdiction.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Overview {
    pub jurisdiction: String,
    pub counts: PushCounts,
    pub departments: Vec<DepartmentCounts>,
    /// The first page of the pushes unacknowledged past their date (`counts.overdue` in all).
    pub overdue: Vec<Push>,
    /// The cursor of the next page of `overdue` (list `overdue`); absent on the last.
    pub overdue_next: Option<String>,
    /// The first page of the dead letters (`counts.dead` in all).
    pub dead: Vec<Push>,
    pub dead_next: Option<String>,
    /// Pushes waiting for the signature of the county's own e-seal system (外部签章系统), each
    /// with the reason it is not signed yet as its last error: the first page.
    pub unsigned: Vec<Push>,
    pub unsigned_count: i64,
    pub unsigned_next: Option<String>,
    pub webhooks: Vec<Webhook>,
    /// The first page of the licence acts waiting for a decision, by due date.
    pub open_acts: Vec<LicenceAct>,
    /// How many acts are waiting.
    pub open_acts_count: i64,
    /// The cursor of their next page (list `acts`); absent on the last.
    pub open_acts_next: Option<String>,
    /// The first page of the jurisdiction's findings, newest first.
    pub findings: Vec<Finding>,
    /// How many findings the jurisdiction holds.
    pub findings_count: i64,
    /// The cursor of the next page (list `findings`); absent on the last.
    pub findings_next: Option<String>,
    /// Per item: adverse findings and all findings.
    pub items: Vec<ItemFindings>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DepartmentCounts {
    pub department: String,
    pub name: String,
    pub counts: PushCounts,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemFindings {
    pub item_code: String,
    /// The item's name in today's catalog ('' when it left the catalog).
    pub item_name: String,
    pub findings: usize,
    pub adverse: usize,
}

fn yes() -> bool {
    true
}

/// A department's system, as submitted.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookInput {
    pub jurisdiction: String,
    pub department: String,
    /// http(s) address that receives the pushes; empty switches delivery off.
    #[serde(default)]
    pub url: String,
    #[serde(default = "yes")]
    pub active: bool,
}

/// A licensee's record as the bureau sees it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubjectView {
    pub holder_id: String,
    pub holder: String,
    /// A page of the holder's licences, newest first (those of cases the reader's duty covers).
    pub licences: Vec<Licence>,
    /// The cursor of the licences' next page (`after`); None on the last.
    pub licences_next: Option<String>,
    pub findings: Vec<Finding>,
    pub credit: Vec<CreditRecord>,
    /// Why notify-and-commit is barred, if it is.
    pub barred: Option<String>,
    pub may_repair: bool,
}

/// The duties that need a licensee's record (the licensee view).
const SUBJECT_DUTIES: [Operation; 4] = [
    Operation::Supervise,
    Operation::ActOnLicence,
    Operation::RepairCredit,
    Operation::Audit,
];

impl App {
    /// The departments whose supervision the account holds.
    pub fn desks(&self, who: &Principal) -> Vec<Desk> {
        let org = self.org();
        let mut out: Vec<Desk> = who
            .account
            .grants
            .iter()
            .filter(|g| g.role == Role::DepartmentSupervisor)
            .filter_map(|g| {
                let j = org.jurisdiction(&g.jurisdiction)?;
                let d = j.department(g.department.as_deref()?)?;
                Some(Desk {
                    jurisdiction: j.code.clone(),
                    jurisdiction_name: j.name.clone(),
                    department: d.code.clone(),
                    department_name: d.name.clone(),
                })
            })
            .collect();
        out.sort_by(|a, b| (&a.jurisdiction, &a.department).cmp(&(&b.jurisdiction, &b.department)));
        out.dedup();
        out
    }

    /// The desk a request is about: the one named, or the user's only one.
    pub fn desk(&self, who: &Principal, jurisdiction: &str, department: &str) -> Result<Desk> {
        let all = self.desks(who);
        if all.is_empty() {
            return Err(AppError::Forbidden(
                "无权办理监管事务：您的岗位没有监管部门职责".into(),
            ));
        }
        if jurisdiction.is_empty() && department.is_empty() {
            return Ok(all[0].clone());
        }
        all.into_iter()
            .find(|d| {
                (jurisdiction.is_empty() || d.jurisdiction == jurisdiction)
                    && d.department == department
            })
            .ok_or_else(|| AppError::Forbidden("无权访问：该部门不在您的监管职责范围内".into()))
    }

    pub async fn inbox(&self, who: &Principal, desk: &Desk, all: bool) -> Result<Inbox> {
        who.require_supervision(&desk.jurisdiction, &desk.department)?;
        let store = &self.store;
        let list = if all { "all" } else { "unacknowledged" };
        let page = self
            .first_page(who, &desk.jurisdiction, Some(&desk.department), list)
            .await?;
        let findings = self
            .first_findings(who, &desk.jurisdiction, Some(&desk.department))
            .await?;
        let tasks = self
            .first_tasks(who, &desk.jurisdiction, Some(&desk.department))
            .await?;
        Ok(Inbox {
            counts: store
                .push_counts(&desk.jurisdiction, Some(&desk.department), self.today())
                .await?,
            pushes: page.pushes,
            pushes_count: page.count,
            pushes_next: page.next,
            verifications: tasks.tasks,
            verifications_count: tasks.count,
            verifications_next: tasks.next,
            findings: findings.findings,
            findings_count: findings.count,
            findings_next: findings.next,
            desk: desk.clone(),
        })
    }

    /// Records a finding (抄告) from a department's supervision.
    #[tracing::instrument(skip_all, fields(account = who.account.id))]
    pub async fn record_finding(&self, who: &Principal, input: &FindingInput) -> Result<Finding> {
        // Authorisation first: a caller without the duty learns nothing from the validation.
        let desk = self.desk(who, &input.jurisdiction, &input.department)?;
        who.require_supervision(&desk.jurisdiction, &desk.department)?;
        input.check_text()?;
        let kind: FindingKind = AppError::choice("kind", &input.kind, |choices| {
            format!("监管结果类型「{}」无效，应为：{choices}", input.kind)
        })?;
        let today = self.today();
        let found_on = if input.found_on.trim().is_empty() {
            today
        } else {
            parse_date(input.found_on.trim())
                .map_err(|e| AppError::field("found_on", format!("检查日期：{e}")))?
        };
        if found_on > today {
            return Err(AppError::field("found_on", "检查日期不能晚于今天"));
        }
        require_text(&input.summary, "finding", "请填写检查发现的情况")?;
        let licence_id = input.licence.trim();
        let (holder_id, holder, item_code, case_id) = if licence_id.is_empty() {
            if input.holder_id.trim().is_empty() || input.holder.trim().is_empty() {
                return Err(AppError::invalid(
                    "请填写证照编号，或填写被监管对象的名称和证件号码",
                ));
            }
            // Without a licence (an unlicensed business): only for an item the department
            // supervises (审管分离).
            let holder_id = input.holder_id.trim().to_uppercase();
            let item_code = input.item_code.trim();
            let supervised = self
                .store
                .item_history(&desk.jurisdiction, item_code)
                .await?
                .iter()
                .any(|v| v.item.supervising_department == desk.department);
            if !supervised {
                return Err(AppError::Forbidden(format!(
                    "无权抄告：{}不是本部门监管的事项（审管分离，只能对本部门监管事项记录监管结果）",
                    if item_code.is_empty() {
                        "未填写事项编码，".to_string()
                    } else {
                        format!("事项「{item_code}」")
                    }
                )));
            }
            (
                holder_id,
                input.holder.trim().to_string(),
                item_code.to_string(),
                None,
            )
        } else {
            let (l, _) = self.licence_and_case(licence_id).await?;
            if l.supervising_department != desk.department || l.jurisdiction != desk.jurisdiction {
                return Err(AppError::Forbidden(
                    "无权抄告：该证照的事项不由本部门监管".into(),
                ));
            }
            (
                l.holder_id.to_string(),
                l.holder,
                l.item_code,
                Some(l.case_id),
            )
        };
        let actor = who.actor(&self.org());
        let at = self.now();
        let summary = input.summary.trim();
        let licence = (!licence_id.is_empty()).then_some(licence_id);
        let mut tx = self.store.begin_write().await?;
        let seq = tx
            .append_events(&[NewEvent::new(
                &actor,
                at,
                &desk.jurisdiction,
                case_id,
                "finding",
                format!("{}：{summary}", kind.label()),
                json!({"department": desk.department, "licence": licence, "holder_id": holder_id, "kind": kind.code()}),
            )])
            .await?[0];
        let id = tx
            .insert_finding(&NewFinding {
                jurisdiction: &desk.jurisdiction,
                department: &desk.department,
                licence,
                holder_id: &holder_id,
                holder: &holder,
                item_code: &item_code,
                kind,
                summary,
                found_on,
                recorded_by: &actor.name,
                event_seq: seq,
                at_ms: at.timestamp_millis(),
            })
            .await?;
        tx.commit().await?;
        Ok(self.store.finding(id).await?)
    }

    /// Records what the supervising department found when verifying a commitment. A false
    /// commitment writes a credit record that bars the applicant from notify-and-commit, and opens
    /// the revocation the bureau must decide (Art. 69 para 2: obtained by deception).
    #[tracing::instrument(skip_all, fields(account = who.account.id))]
    pub async fn record_verification(
        &self,
        who: &Principal,
        id: i64,
        input: &VerificationInput,
    ) -> Result<VerificationTask> {
        let task = self.store.verification_task(id).await?;
        who.require_supervision(&task.jurisdiction, &task.department)?;
        let outcome = input.outcome()?;
        let at = self.now();
        let today = self.today();
        let department = self
            .org()
            .jurisdiction(&task.jurisdiction)
            .map_or(task.department.clone(), |j| {
                j.department_name_on(&task.department, today)
            });
        let verified = record_verification(task.state, &outcome, today, &department)?;
        let actor = who.actor(&self.org());
        let mut outcomes = task.outcomes.clone();
        let mut entry = serde_json::to_value(&outcome).map_err(AppError::internal)?;
        entry["on"] = json!(yiyin_domain::calendar::fmt_date(today));
        entry["actor"] = json!(actor.name);
        outcomes.push(entry);
        let rectify_by = match &outcome {
            VerificationOutcome::Rectify { by, .. } => Some(*by),
            _ => task.rectify_by,
        };
        let mut tx = self.store.begin_write().await?;
        tx.update_verification(
            &task,
            verified.state,
            rectify_by,
            &outcomes,
            at.timestamp_millis(),
        )
        .await?;
        tx.append_events(&[NewEvent::new(
            &actor,
            at,
            &task.jurisdiction,
            Some(task.case_id),
            "commitment_verification",
            verified.reason.clone(),
            json!({"task": id, "licence": task.licence, "state": verified.state.code()}),
        )])
        .await?;
        for effect in &verified.effects {
            match effect {
                VerificationEffect::Credit { kind, reason } => {
                    tx.add_credit(&NewCredit {
                        holder_id: &task.holder_id,
                        holder: &task.holder,
                        jurisdiction: &task.jurisdiction,
                        kind: *kind,
                        reason,
                        source: &task.licence,
                        at_ms: at.timestamp_millis(),
                    })
                    .await?;
                }
                VerificationEffect::ProposeRevocation { reason } => {
                    self.propose_revocation(&mut tx, &task, reason, &actor, at)
                        .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(self.store.verification_task(id).await?)
    }

    /// The jurisdictions where the account may oversee supervision (act on licences or manage
    /// pushes).
    pub fn bureau_jurisdictions(&self, who: &Principal) -> Vec<String> {
        let mut v = who.jurisdictions_for(Operation::ActOnLicence);
        v.extend(who.jurisdictions_for(Operation::ManagePushes));
        v.sort();
        v.dedup();
        v
    }

    /// The bureau's overview of supervision in a jurisdiction.
    pub async fn overview(&self, who: &Principal, jurisdiction: &str) -> Result<Overview> {
        if !self
            .bureau_jurisdictions(who)
            .iter()
            .any(|j| j == jurisdiction)
        {
            return Err(AppError::Forbidden(
                "无权查看审管推送：您的岗位在该县区没有此项职责".into(),
            ));
        }
        let store = &self.store;
        let today = self.today();
        let mut departments = Vec::new();
        if let Some(j) = self.org().jurisdiction(jurisdiction) {
            for d in &j.departments {
                let counts = store
                    .push_counts(jurisdiction, Some(&d.code), today)
                    .await?;
                if counts != PushCounts::default() {
                    departments.push(DepartmentCounts {
                        department: d.code.clone(),
                        name: d.name.clone(),
                        counts,
                    });
                }
            }
        }
        let overdue = self.first_page(who, jurisdiction, None, "overdue").await?;
        let dead = self.first_page(who, jurisdiction, None, "dead").await?;
        let unsigned = self.first_page(who, jurisdiction, None, "unsigned").await?;
        let findings = self.first_findings(who, jurisdiction, None).await?;
        let acts = self.first_open_acts(who, jurisdiction).await?;
        // Counted over every finding, not only the newest the list shows.
        let mut items: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
        for (item, kind, n) in store.finding_counts(jurisdiction).await? {
            let e = items.entry(item).or_default();
            let n = usize::try_from(n).unwrap_or_default();
            e.0 += n;
            if kind.adverse() {
                e.1 += n;
            }
        }
        let names: std::collections::HashMap<String, String> = store
            .catalog_as_of(jurisdiction, today)
            .await?
            .into_iter()
            .map(|v| (v.item.code, v.item.name))
            .collect();
        Ok(Overview {
            jurisdiction: jurisdiction.to_string(),
            counts: store.push_counts(jurisdiction, None, today).await?,
            departments,
            overdue: overdue.pushes,
            overdue_next: overdue.next,
            dead: dead.pushes,
            dead_next: dead.next,
            unsigned: unsigned.pushes,
            unsigned_count: unsigned.count,
            unsigned_next: unsigned.next,
            webhooks: store.webhooks(jurisdiction).await?,
            open_acts: acts.acts,
            open_acts_count: acts.count,
            open_acts_next: acts.next,
            findings: findings.findings,
            findings_count: findings.count,
            findings_next: findings.next,
            items: items
                .into_iter()
                .map(|(item_code, (findings, adverse))| ItemFindings {
                    item_name: names.get(&item_code).cloned().unwrap_or_default(),
                    item_code,
                    findings,
                    adverse,
                })
                .collect(),
        })
    }

    /// Sends a dead letter again (a logged act).
    #[tracing::instrument(skip_all, fields(account = who.account.id))]
    pub async fn replay(&self, who: &Principal, id: i64) -> Result<Push> {
        let push = self.store.push(id).await?;
        who.require_in(Operation::ManagePushes, &push.jurisdiction)?;
        check_replay(push.status)?;
        let actor = who.actor(&self.org());
        let at = self.now();
        let mut tx = self.store.begin_write().await?;
        tx.replay_push(id, at.timestamp_millis()).await?;
        tx.append_events(&[NewEvent::new(
            &actor,
            at,
            &push.jurisdiction,
            push.case_id,
            "push_replay",
            format!("重新投递推送（上次错误：{}）", push.last_error),
            json!({"push": id, "key": push.idempotency_key}),
        )])
        .await?;
        tx.commit().await?;
        Ok(self.store.push(id).await?)
    }

    /// Sets (or removes) a department's system that receives its pushes (a logged act).
    #[tracing::instrument(skip_all, fields(account = who.account.id))]
    pub async fn set_webhook(&self, who: &Principal, input: &WebhookInput) -> Result<()> {
        who.require_in(Operation::ManagePushes, &input.jurisdiction)?;
        let org = self.org();
        let known = org
            .jurisdiction(&input.jurisdiction)
            .is_some_and(|j| j.department(&input.department).is_some());
        if !known {
            return Err(AppError::field(
                "department",
                format!("本县区没有代码为「{}」的部门", input.department),
            ));
        }
        let url = input.url.trim();
        if !(url.is_empty() || url.starts_with("http://") || url.starts_with("https://")) {
            return Err(AppError::field(
                "url",
                format!("接收地址「{url}」无效：应以 http:// 或 https:// 开头"),
            ));
        }
        if !url.is_empty() {
            crate::egress::resolve_allowed(url, self.webhook_allow(), true)
                .await
                .map_err(|e| AppError::field("url", e))?;
        }
        let active = input.active && !url.is_empty();
        let actor = who.actor(&org);
        let at = self.now();
        let department = &input.department;
        let mut tx = self.store.begin_write().await?;
        tx.set_webhook(
            &input.jurisdiction,
            department,
            url,
            active,
            at.timestamp_millis(),
            "该部门已停用系统对接，以监管工作台送达",
        )
        .await?;
        tx.append_events(&[NewEvent::new(
            &actor,
            at,
            &input.jurisdiction,
            None,
            "webhook_set",
            if url.is_empty() {
                format!("取消{department}的推送接收地址")
            } else {
                format!("设置{department}的推送接收地址")
            },
            json!({"department": department, "url": url, "active": active}),
        )])
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A licensee's licences (a page at a time, after the licence `after`, `limit` a page: 1 to
    /// 200, 200 when not given), findings and credit records, limited to the jurisdictions where
    /// the user may see them.
    pub async fn subject_view(
        &self,
        who: &Principal,
        holder_id: &str,
        after: &str,
        limit: Option<i64>,
    ) -> Result<SubjectView> {
        who.require_staff()?;
        // Only the roles whose duty needs a licensee's record: supervising it, deciding on its
        // licences, repairing its credit, auditing; in the jurisdictions where they hold that duty.
        let mut mine: Vec<String> = SUBJECT_DUTIES
            .iter()
            .flat_map(|op| who.jurisdictions_for(*op))
            .collect();
        mine.sort();
        mine.dedup();
        if mine.is_empty() {
            return Err(AppError::Forbidden(
                "无权查看被许可人记录：仅限监管部门、许可决定人员、信用修复和审计岗位".into(),
            ));
        }
        let limit = crate::paging::page_limit(limit, 200)?;
        let after = crate::paging::id_cursor(after)?;
        let holder_key = holder_id.trim().to_uppercase();
        let store = &self.store;
        let (licences, licences_next) = match SubjectId::parse_any(&holder_key) {
            Ok(id) => {
                let id = &id;
                crate::paging::fill_page(
                    limit,
                    after,
                    |after, batch| async move {
                        Ok(store.licences_of_holder_after(id, after, batch).await?)
                    },
                    |l: &Licence| l.id,
                    // A licence is seen by those whose duty covers its case.
                    |licences: Vec<Licence>| async move {
                        let ids: Vec<i64> = licences.iter().map(|l| l.case_id).collect();
                        let cases: std::collections::HashMap<i64, _> = store
                            .cases_by_ids(&ids)
                            .await?
                            .into_iter()
                            .map(|c| (c.id, c))
                            .collect();
                        Ok(licences
                            .into_iter()
                            .map(|l| {
                                let may = cases.get(&l.case_id).is_some_and(|c| {
                                    who.require(Operation::ViewCase, &self.case_scope(c))
                                        .is_ok()
                                });
                                (l, may)
                            })
                            .collect())
                    },
                )
                .await?
            }
            Err(_) => (vec![], None),
        };
        let licences_next = licences_next.map(|id| id.to_string());
        let findings: Vec<Finding> = store
            .findings(&FindingFilter {
                holder_id: Some(holder_key.clone()),
                ..Default::default()
            })
            .await?
            .into_iter()
            .filter(|f| mine.contains(&f.jurisdiction))
            .collect();
        let credit: Vec<CreditRecord> = store
            .credit_records(&holder_key)
            .await?
            .into_iter()
            .filter(|c| mine.contains(&c.jurisdiction))
            .collect();
        if licences.is_empty() && findings.is_empty() && credit.is_empty() {
            return Err(AppError::NotFound(format!(
                "在您的职责范围内没有证件号码为「{holder_key}」的被许可人记录"
            )));
        }
        let holder = licences
            .first()
            .map(|l| l.holder.clone())
            .or_else(|| credit.first().map(|c| c.holder.clone()))
            .or_else(|| findings.first().map(|f| f.holder.clone()))
            .unwrap_or_default();
        let may_repair = credit.iter().any(|c| {
            c.repaired_at.is_none()
                && who
                    .require_in(Operation::RepairCredit, &c.jurisdiction)
                    .is_ok()
        });
        // Whether notify-and-commit is barred counts every county's record, but another county's
        // reason is that county's to show.
        let unrepaired: Vec<(CreditKind, String)> = store
            .credit_records(&holder_key)
            .await?
            .into_iter()
            .filter(|r| r.repaired_at.is_none())
            .map(|r| {
                let why = if mine.contains(&r.jurisdiction) {
                    format!("{}，{}", r.source, r.reason)
                } else {
                    "其他县区的记录，详情请向该县区查询".to_string()
                };
                (r.kind, why)
            })
            .collect();
        Ok(SubjectView {
            barred: commitment_barred(&unrepaired),
            holder_id: holder_key,
            holder,
            licences,
            licences_next,
            findings,
            credit,
            may_repair,
        })
    }

    /// Repairs a credit record (信用修复): an explicit, logged act of the bureau head.
    #[tracing::instrument(skip_all, fields(account = who.account.id))]
    pub async fn repair_credit(
        &self,
        who: &Principal,
        id: i64,
        reason: &str,
    ) -> Result<CreditRecord> {
        let record = self.store.credit_record(id).await?;
        who.require_in(Operation::RepairCredit, &record.jurisdiction)?;
        check_repair(record.repaired_at.is_some(), reason)?;
        let actor = who.actor(&self.org());
        let at = self.now();
        let mut tx = self.store.begin_write().await?;
        tx.repair_credit(id, &actor.name, reason.trim(), at.timestamp_millis())
            .await?;
        tx.append_events(&[NewEvent::new(
            &actor,
            at,
            &record.jurisdiction,
            None,
            "credit_repair",
            format!(
                "修复{}的信用记录（{}）：{}",
                record.holder,
                record.kind.label(),
                reason.trim()
            ),
            json!({"credit": id, "holder_id": record.holder_id}),
        )])
        .await?;
        tx.commit().await?;
        Ok(self.store.credit_record(id).await?)
    }

    /// The supervising department grades a licensee's risk (a licence in force; logged).
    #[tracing::instrument(skip_all, fields(account = who.account.id))]
    pub async fn set_risk(&self, who: &Principal, identifier: &str, risk: &str) -> Result<()> {
        let (l, _) = self.licence_and_case(identifier).await?;
        who.require_supervision(&l.jurisdiction, &l.supervising_department)?;
        let risk: Risk = AppError::choice("risk", risk, |choices| {
            format!("风险等级「{risk}」无效，应为：{choices}")
        })?;
        if l.status_on(self.today()) != LicenceStatus::Valid {
            return Err(AppError::invalid("只能对有效的证照设定风险等级"));
        }
        let actor = who.actor(&self.org());
        let at = self.now();
        let mut tx = self.store.begin_write().await?;
        tx.set_licence_risk(&l.identifier, risk).await?;
        tx.append_events(&[NewEvent::new(
            &actor,
            at,
            &l.jurisdiction,
            Some(l.case_id),
            "licence_risk",
            format!("风险等级由{}调整为{}", l.risk.label(), risk.label()),
            json!({"licence": l.identifier, "risk": risk.code()}),
        )])
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
