//! Approval–supervision separation as the web layer serves it, shared by the API and the pages: who
//! may see and do what (a department's supervisors in their department's inbox, findings,
//! commitment checks and inspections; the bureau's section chiefs and head on licences after the
//! decision; the head and system administrators on the push queue; the head on credit repair), and
//! the views gathered for each page. Handlers only parse input and render what these return.

use serde::Serialize;
use yiyin_domain::authz::{self, Operation, Scope};
use yiyin_domain::catalog::HandlingMode;
use yiyin_domain::inspection::Risk;
use yiyin_domain::licence::{ActKind, LicenceStatus};
use yiyin_domain::roles::Role;
use yiyin_domain::supervision::{FindingKind, PushStatus, VerificationOutcome};
use yiyin_store::cases::CaseRecord;
use yiyin_store::inspections::{InspectionPlan, NewPlan};
use yiyin_store::licence_acts::{ActRequest, LicenceAct};
use yiyin_store::licences::Licence;
use yiyin_store::supervision::{
    CreditRecord, Finding, FindingFilter, NewFinding, Push, PushCounts, PushFilter,
    VerificationTask, Webhook,
};

use crate::auth::Signed;
use crate::error::AppError;
use crate::state::AppState;

type Result<T> = std::result::Result<T, AppError>;

/// The scope of a department's supervision: what its supervisors cover.
pub fn department_scope(jurisdiction: &str, department: &str) -> Scope {
    Scope {
        jurisdiction: jurisdiction.to_string(),
        department: department.to_string(),
        supervising_department: department.to_string(),
        handling_mode: HandlingMode::Transferred,
        instant: false,
    }
}

/// A department the user supervises: (jurisdiction, department code, department name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Desk {
    pub jurisdiction: String,
    pub jurisdiction_name: String,
    pub department: String,
    pub department_name: String,
}

/// The departments whose supervision the account holds.
pub fn desks(state: &AppState, signed: &Signed) -> Vec<Desk> {
    let org = state.org();
    let mut out: Vec<Desk> = signed
        .account()
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
pub fn desk(
    state: &AppState,
    signed: &Signed,
    jurisdiction: &str,
    department: &str,
) -> Result<Desk> {
    let all = desks(state, signed);
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

/// Everything a department's desk shows.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Inbox {
    pub desk: Desk,
    pub counts: PushCounts,
    pub pushes: Vec<Push>,
    pub verifications: Vec<VerificationTask>,
    pub findings: Vec<Finding>,
}

pub async fn inbox(state: &AppState, signed: &Signed, desk: &Desk, all: bool) -> Result<Inbox> {
    signed.require(
        Operation::Supervise,
        &department_scope(&desk.jurisdiction, &desk.department),
    )?;
    let store = &state.store;
    let pushes = store
        .pushes(&PushFilter {
            jurisdiction: desk.jurisdiction.clone(),
            department: Some(desk.department.clone()),
            unacknowledged_only: !all,
            status: None,
            limit: 300,
        })
        .await?;
    Ok(Inbox {
        counts: store
            .push_counts(&desk.jurisdiction, Some(&desk.department), state.today())
            .await?,
        pushes,
        verifications: store
            .verification_tasks(&desk.jurisdiction, Some(&desk.department))
            .await?,
        findings: store
            .findings(&FindingFilter {
                jurisdiction: Some(desk.jurisdiction.clone()),
                department: Some(desk.department.clone()),
                ..Default::default()
            })
            .await?,
        desk: desk.clone(),
    })
}

/// The department acknowledges a push (签收).
pub async fn acknowledge(state: &AppState, signed: &Signed, id: i64) -> Result<Push> {
    let push = state.store.push(id).await?;
    signed.require(
        Operation::Supervise,
        &department_scope(&push.jurisdiction, &push.department),
    )?;
    Ok(state
        .store
        .acknowledge_push(id, &signed.actor(&state.org()), state.now())
        .await?)
}

/// A finding as submitted: about a licence, or about a licensee under an item.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
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

/// Records a finding (抄告) from a department's supervision.
pub async fn record_finding(
    state: &AppState,
    signed: &Signed,
    input: &FindingInput,
) -> Result<Finding> {
    let desk = desk(state, signed, &input.jurisdiction, &input.department)?;
    signed.require(
        Operation::Supervise,
        &department_scope(&desk.jurisdiction, &desk.department),
    )?;
    let kind = FindingKind::parse(input.kind.trim()).ok_or_else(|| {
        AppError::bad_request(format!(
            "监管结果类型「{}」无效，应为：{}",
            input.kind,
            FindingKind::choices()
        ))
    })?;
    let found_on = if input.found_on.trim().is_empty() {
        state.today()
    } else {
        yiyin_domain::calendar::parse_date(input.found_on.trim())
            .map_err(|e| AppError::bad_request(format!("检查日期：{e}")))?
    };
    if found_on > state.today() {
        return Err(AppError::bad_request("检查日期不能晚于今天"));
    }
    let licence = input.licence.trim();
    if !licence.is_empty() {
        let l = licence_in_force_or_not(state, licence).await?;
        if l.supervising_department != desk.department || l.jurisdiction != desk.jurisdiction {
            return Err(AppError::Forbidden(
                "无权抄告：该证照的事项不由本部门监管".into(),
            ));
        }
    } else if input.holder_id.trim().is_empty() || input.holder.trim().is_empty() {
        return Err(AppError::bad_request(
            "请填写证照编号，或填写被监管对象的名称和证件号码",
        ));
    }
    Ok(state
        .store
        .record_finding(
            &NewFinding {
                jurisdiction: desk.jurisdiction.clone(),
                department: desk.department.clone(),
                licence: (!licence.is_empty()).then(|| licence.to_string()),
                holder_id: input.holder_id.trim().to_string(),
                holder: input.holder.trim().to_string(),
                item_code: input.item_code.trim().to_string(),
                kind,
                summary: input.summary.trim().to_string(),
                found_on,
            },
            &signed.actor(&state.org()),
            state.now(),
        )
        .await?)
}

async fn licence_in_force_or_not(state: &AppState, identifier: &str) -> Result<Licence> {
    state
        .store
        .licence(identifier)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("没有证照编号为「{identifier}」的证照")))
}

/// A commitment verification outcome as submitted.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
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
                by: yiyin_domain::calendar::parse_date(self.by.trim())
                    .map_err(|e| AppError::bad_request(format!("整改期限：{e}")))?,
                reason,
            },
            "false" => VerificationOutcome::False { reason },
            other => {
                return Err(AppError::bad_request(format!(
                    "核查结论「{other}」无效，应为 fulfilled（承诺属实）、rectify（责令整改）或 false（承诺不实）"
                )));
            }
        })
    }
}

/// Records what the supervising department found when verifying a commitment.
pub async fn record_verification(
    state: &AppState,
    signed: &Signed,
    id: i64,
    input: &VerificationInput,
) -> Result<VerificationTask> {
    let task = state.store.verification_task(id).await?;
    signed.require(
        Operation::Supervise,
        &department_scope(&task.jurisdiction, &task.department),
    )?;
    let outcome = input.outcome()?;
    Ok(state
        .store
        .record_verification(id, &outcome, &signed.actor(&state.org()), state.now())
        .await?)
}

/// The bureau's overview of supervision in a jurisdiction.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Overview {
    pub jurisdiction: String,
    pub counts: PushCounts,
    /// Per department: (code, name, counts).
    pub departments: Vec<DepartmentCounts>,
    pub overdue: Vec<Push>,
    pub dead: Vec<Push>,
    pub webhooks: Vec<Webhook>,
    pub open_acts: Vec<LicenceAct>,
    pub findings: Vec<Finding>,
    /// Per item: adverse findings and all findings.
    pub items: Vec<ItemFindings>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DepartmentCounts {
    pub department: String,
    pub name: String,
    pub counts: PushCounts,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ItemFindings {
    pub item_code: String,
    /// The item's name in today's catalog ('' when it left the catalog).
    pub item_name: String,
    pub findings: usize,
    pub adverse: usize,
}

/// The jurisdictions where the account may oversee supervision (act on licences or manage pushes).
pub fn bureau_jurisdictions(signed: &Signed) -> Vec<String> {
    let mut v: Vec<String> = signed
        .account()
        .grants
        .iter()
        .filter(|g| {
            authz::role_may(g.role, Operation::ActOnLicence)
                || authz::role_may(g.role, Operation::ManagePushes)
        })
        .map(|g| g.jurisdiction.clone())
        .collect();
    v.sort();
    v.dedup();
    v
}

pub async fn overview(state: &AppState, signed: &Signed, jurisdiction: &str) -> Result<Overview> {
    if !bureau_jurisdictions(signed)
        .iter()
        .any(|j| j == jurisdiction)
    {
        return Err(AppError::Forbidden(
            "无权查看审管推送：您的岗位在该县区没有此项职责".into(),
        ));
    }
    let store = &state.store;
    let today = state.today();
    let org = state.org();
    let mut departments = Vec::new();
    if let Some(j) = org.jurisdiction(jurisdiction) {
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
    let unacknowledged = store
        .pushes(&PushFilter {
            jurisdiction: jurisdiction.to_string(),
            department: None,
            unacknowledged_only: true,
            status: None,
            limit: 500,
        })
        .await?;
    let dead = store
        .pushes(&PushFilter {
            jurisdiction: jurisdiction.to_string(),
            department: None,
            unacknowledged_only: false,
            status: Some(PushStatus::Dead),
            limit: 500,
        })
        .await?;
    let findings = store
        .findings(&FindingFilter {
            jurisdiction: Some(jurisdiction.to_string()),
            ..Default::default()
        })
        .await?;
    let mut items: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    for f in &findings {
        let e = items.entry(f.item_code.clone()).or_default();
        e.0 += 1;
        if f.kind.adverse() {
            e.1 += 1;
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
        overdue: unacknowledged
            .into_iter()
            .filter(|p| p.overdue(today))
            .collect(),
        dead,
        webhooks: store.webhooks(jurisdiction).await?,
        open_acts: store.open_licence_acts(jurisdiction).await?,
        findings,
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

/// Sends a dead letter again.
pub async fn replay(state: &AppState, signed: &Signed, id: i64) -> Result<Push> {
    let push = state.store.push(id).await?;
    authz::allowed_in(
        &signed.account().grants,
        Operation::ManagePushes,
        &push.jurisdiction,
    )
    .map_err(|d| AppError::Forbidden(d.0))?;
    Ok(state
        .store
        .replay_push(id, &signed.actor(&state.org()), state.now())
        .await?)
}

/// A department's system, as submitted.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct WebhookInput {
    pub jurisdiction: String,
    pub department: String,
    /// http(s) address that receives the pushes; empty switches delivery off.
    #[serde(default)]
    pub url: String,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

pub async fn set_webhook(state: &AppState, signed: &Signed, input: &WebhookInput) -> Result<()> {
    authz::allowed_in(
        &signed.account().grants,
        Operation::ManagePushes,
        &input.jurisdiction,
    )
    .map_err(|d| AppError::Forbidden(d.0))?;
    let org = state.org();
    let known = org
        .jurisdiction(&input.jurisdiction)
        .is_some_and(|j| j.department(&input.department).is_some());
    if !known {
        return Err(AppError::bad_request(format!(
            "本县区没有代码为「{}」的部门",
            input.department
        )));
    }
    let url = input.url.trim();
    Ok(state
        .store
        .set_webhook(
            &input.jurisdiction,
            &input.department,
            url,
            input.active && !url.is_empty(),
            &signed.actor(&org),
            state.now(),
        )
        .await?)
}

/// A licence as its page shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LicenceView {
    pub licence: Licence,
    /// The status today (a valid licence past its end date has expired).
    pub status_today: LicenceStatus,
    pub case_number: String,
    pub holder_id: String,
    pub acts: Vec<LicenceAct>,
    pub findings: Vec<Finding>,
    pub pushes: Vec<Push>,
    pub verification: Option<VerificationTask>,
    /// What the user may do on it now: apply_change, apply_renewal, decide, revoke, cancel,
    /// withdraw, rescind, finding, risk.
    pub may: Vec<String>,
}

async fn licence_and_case(state: &AppState, identifier: &str) -> Result<(Licence, CaseRecord)> {
    let licence = licence_in_force_or_not(state, identifier).await?;
    let record = state.store.case(licence.case_id).await?;
    Ok((licence, record))
}

/// Whether the account is the licence's holder (the applicant's own account).
fn is_holder(signed: &Signed, record: &CaseRecord) -> bool {
    !signed.account().is_staff() && record.applicant.account == Some(signed.account().id)
}

pub async fn licence_view(
    state: &AppState,
    signed: &Signed,
    identifier: &str,
) -> Result<LicenceView> {
    let (licence, record) = licence_and_case(state, identifier).await?;
    signed.may_view(&record)?;
    let store = &state.store;
    let today = state.today();
    let status_today = licence.status_on(today);
    let staff = signed.account().is_staff();
    let mut may = Vec::new();
    let valid = status_today == LicenceStatus::Valid;
    let acts = store.licence_acts(&licence.identifier).await?;
    // One application at a time: none while a change or renewal is under review.
    let under_review = acts
        .iter()
        .any(|a| a.state == yiyin_store::licence_acts::ActState::Pending);
    if valid
        && !under_review
        && (is_holder(signed, &record)
            || signed.require(Operation::Receive, &record.scope()).is_ok())
    {
        may.push("apply_change".to_string());
        if licence.valid_until.is_some() {
            may.push("apply_renewal".to_string());
        }
    }
    if staff
        && signed
            .require(Operation::ActOnLicence, &record.scope())
            .is_ok()
    {
        may.push("decide".into());
        if valid {
            may.extend(["revoke", "withdraw", "rescind"].map(String::from));
        }
        if status_today != LicenceStatus::Cancelled {
            may.push("cancel".into());
        }
    }
    if staff
        && signed
            .require(
                Operation::Supervise,
                &department_scope(&licence.jurisdiction, &licence.supervising_department),
            )
            .is_ok()
    {
        may.extend(["finding", "risk"].map(String::from));
    }
    let pushes = if staff {
        store.pushes_about(licence.case_id).await?
    } else {
        vec![]
    };
    let findings = if staff {
        store
            .findings(&FindingFilter {
                licence: Some(licence.identifier.clone()),
                ..Default::default()
            })
            .await?
    } else {
        vec![]
    };
    Ok(LicenceView {
        status_today,
        case_number: record.number.clone(),
        holder_id: licence.holder_id.clone(),
        acts,
        findings,
        pushes,
        verification: store.verification_of(&licence.identifier).await?,
        may,
        licence,
    })
}

/// Takes an act on a licence: the holder (or a window for them) applies for a change or renewal;
/// the bureau's section chiefs and head revoke, cancel, withdraw and record rescissions.
pub async fn act_on_licence(
    state: &AppState,
    signed: &Signed,
    identifier: &str,
    request: &ActRequest,
) -> Result<LicenceAct> {
    let (_, record) = licence_and_case(state, identifier).await?;
    match request {
        ActRequest::ApplyChange { .. } | ActRequest::ApplyRenewal => {
            if !is_holder(signed, &record) {
                if signed.account().is_staff() {
                    signed.require(Operation::Receive, &record.scope())?;
                } else {
                    return Err(AppError::Forbidden(
                        "无权申请：只有被许可人本人可以申请变更或延续".into(),
                    ));
                }
            }
        }
        _ => signed.require(Operation::ActOnLicence, &record.scope())?,
    }
    let calendar = state.calendar();
    let facts = Default::default();
    Ok(state
        .store
        .act_on_licence(
            identifier,
            request,
            &signed.actor(&state.org()),
            state.now(),
            &state.env(&calendar, &facts),
        )
        .await?)
}

/// Decides a pending change or renewal, or a proposed revocation.
pub async fn decide_act(
    state: &AppState,
    signed: &Signed,
    id: i64,
    grant: bool,
    reason: &str,
) -> Result<LicenceAct> {
    let act = state.store.licence_act(id).await?;
    let record = state.store.case(act.case_id).await?;
    signed.require(Operation::ActOnLicence, &record.scope())?;
    if act.kind == ActKind::Revocation {
        return Err(AppError::bad_request(
            "撤销请以撤销决定办理：选择撤销事由，写明理由，并判断是否对公共利益造成重大损害（《行政许可法》第六十九条）",
        ));
    }
    let calendar = state.calendar();
    let facts = Default::default();
    Ok(state
        .store
        .decide_licence_act(
            id,
            grant,
            reason,
            &signed.actor(&state.org()),
            state.now(),
            &state.env(&calendar, &facts),
        )
        .await?)
}

/// A licensee's record as the bureau sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SubjectView {
    pub holder_id: String,
    pub holder: String,
    pub licences: Vec<Licence>,
    pub findings: Vec<Finding>,
    pub credit: Vec<CreditRecord>,
    /// Why notify-and-commit is barred, if it is.
    pub barred: Option<String>,
    pub may_repair: bool,
}

/// A licensee's licences, findings and credit records, limited to the jurisdictions where the user
/// may see them.
pub async fn subject_view(
    state: &AppState,
    signed: &Signed,
    holder_id: &str,
) -> Result<SubjectView> {
    if !signed.account().is_staff() {
        return Err(AppError::Forbidden("此页面仅限工作人员使用".into()));
    }
    let mine: Vec<String> = signed
        .account()
        .grants
        .iter()
        .map(|g| g.jurisdiction.clone())
        .collect();
    let store = &state.store;
    let mut licences = Vec::new();
    for l in store.licences_of_holder(holder_id).await? {
        let record = store.case(l.case_id).await?;
        if signed.require(Operation::ViewCase, &record.scope()).is_ok() {
            licences.push(l);
        }
    }
    let findings: Vec<Finding> = store
        .findings(&FindingFilter {
            holder_id: Some(holder_id.to_string()),
            ..Default::default()
        })
        .await?
        .into_iter()
        .filter(|f| mine.contains(&f.jurisdiction))
        .collect();
    let credit: Vec<CreditRecord> = store
        .credit_records(holder_id)
        .await?
        .into_iter()
        .filter(|c| mine.contains(&c.jurisdiction))
        .collect();
    if licences.is_empty() && findings.is_empty() && credit.is_empty() {
        return Err(AppError::NotFound(format!(
            "在您的职责范围内没有证件号码为「{holder_id}」的被许可人记录"
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
            && authz::allowed_in(
                &signed.account().grants,
                Operation::RepairCredit,
                &c.jurisdiction,
            )
            .is_ok()
    });
    Ok(SubjectView {
        holder_id: holder_id.to_string(),
        holder,
        licences,
        findings,
        barred: store.applicant_facts(holder_id).await?.commitment_barred,
        credit,
        may_repair,
    })
}

/// Repairs a credit record (信用修复): an explicit, logged act of the bureau head.
pub async fn repair_credit(
    state: &AppState,
    signed: &Signed,
    id: i64,
    reason: &str,
) -> Result<CreditRecord> {
    let record = state.store.credit_record(id).await?;
    authz::allowed_in(
        &signed.account().grants,
        Operation::RepairCredit,
        &record.jurisdiction,
    )
    .map_err(|d| AppError::Forbidden(d.0))?;
    Ok(state
        .store
        .repair_credit(id, reason, &signed.actor(&state.org()), state.now())
        .await?)
}

/// A plan as submitted.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
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

fn two() -> usize {
    2
}

/// Publishes a random-inspection plan (its pools and seed are fixed now).
pub async fn publish_plan(
    state: &AppState,
    signed: &Signed,
    input: &PlanInput,
) -> Result<InspectionPlan> {
    let desk = desk(state, signed, &input.jurisdiction, &input.department)?;
    signed.require(
        Operation::Supervise,
        &department_scope(&desk.jurisdiction, &desk.department),
    )?;
    if input.title.trim().is_empty() {
        return Err(AppError::bad_request("请填写抽查计划名称"));
    }
    if input.target_count == 0 || input.target_count > 500 {
        return Err(AppError::bad_request("抽查对象数应为1至500"));
    }
    if input.per_target == 0 || input.per_target > 5 {
        return Err(AppError::bad_request(
            "每个对象的检查人员数应为1至5（执法检查至少二人的，请填2）",
        ));
    }
    let risk = match input.risk.trim() {
        "" => None,
        r => Some(Risk::parse(r).ok_or_else(|| {
            AppError::bad_request(format!("风险等级「{r}」无效，应为：{}", Risk::choices()))
        })?),
    };
    Ok(state
        .store
        .publish_inspection_plan(
            &NewPlan {
                jurisdiction: desk.jurisdiction,
                department: desk.department,
                title: input.title.trim().to_string(),
                item_code: input.item_code.trim().to_string(),
                risk,
                target_count: input.target_count,
                per_target: input.per_target,
            },
            &signed.actor(&state.org()),
            state.now(),
        )
        .await?)
}

async fn plan_for_desk(state: &AppState, signed: &Signed, id: i64) -> Result<InspectionPlan> {
    let plan = state.store.inspection_plan(id).await?;
    signed.require(
        Operation::Supervise,
        &department_scope(&plan.jurisdiction, &plan.department),
    )?;
    Ok(plan)
}

pub async fn draw_plan(state: &AppState, signed: &Signed, id: i64) -> Result<InspectionPlan> {
    plan_for_desk(state, signed, id).await?;
    Ok(state
        .store
        .draw_inspection_plan(id, &signed.actor(&state.org()), state.now())
        .await?)
}

/// What the inspection of one drawn target found, as submitted.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct InspectionResultInput {
    pub licence: String,
    pub kind: String,
    pub summary: String,
}

pub async fn record_result(
    state: &AppState,
    signed: &Signed,
    id: i64,
    input: &InspectionResultInput,
) -> Result<InspectionPlan> {
    plan_for_desk(state, signed, id).await?;
    let kind = FindingKind::parse(input.kind.trim()).ok_or_else(|| {
        AppError::bad_request(format!(
            "检查结果类型「{}」无效，应为：{}",
            input.kind,
            FindingKind::choices()
        ))
    })?;
    if input.summary.trim().is_empty() {
        return Err(AppError::bad_request("请填写检查情况"));
    }
    Ok(state
        .store
        .record_inspection_result(
            id,
            input.licence.trim(),
            kind,
            input.summary.trim(),
            &signed.actor(&state.org()),
            state.now(),
        )
        .await?)
}

/// A declared tie between an inspector and a licensee, as submitted.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
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

pub async fn declare_tie(state: &AppState, signed: &Signed, input: &TieInput) -> Result<()> {
    let desk = desk(state, signed, &input.jurisdiction, &input.department)?;
    signed.require(
        Operation::Supervise,
        &department_scope(&desk.jurisdiction, &desk.department),
    )?;
    Ok(state
        .store
        .declare_tie(
            &desk.jurisdiction,
            &input.inspector,
            &input.holder_id,
            &input.reason,
            &signed.actor(&state.org()),
            state.now(),
        )
        .await?)
}

/// The supervising department grades a licensee's risk.
pub async fn set_risk(
    state: &AppState,
    signed: &Signed,
    identifier: &str,
    risk: &str,
) -> Result<()> {
    let l = licence_in_force_or_not(state, identifier).await?;
    signed.require(
        Operation::Supervise,
        &department_scope(&l.jurisdiction, &l.supervising_department),
    )?;
    let risk = Risk::parse(risk.trim()).ok_or_else(|| {
        AppError::bad_request(format!("风险等级「{risk}」无效，应为：{}", Risk::choices()))
    })?;
    Ok(state
        .store
        .set_licence_risk(identifier, risk, &signed.actor(&state.org()), state.now())
        .await?)
}

/// An act on a licence as submitted (the API's JSON and the pages' forms).
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct ActInput {
    /// apply_change | apply_renewal | revoke | cancel | withdraw | rescind
    pub act: String,
    /// apply_change: the licensed matters to change and how.
    #[serde(default)]
    pub changes: String,
    /// revoke: a revocation ground code; cancel: a cancellation ground code.
    #[serde(default)]
    pub ground: String,
    /// revoke, cancel, rescind: the facts and reasons.
    #[serde(default)]
    pub reason: String,
    /// revoke: revocation would seriously harm the public interest (Art. 69 para 3).
    #[serde(default)]
    pub serious_public_harm: bool,
    /// revoke: false records a decision not to revoke on an optional ground.
    #[serde(default = "yes")]
    pub revoke: bool,
    /// withdraw: law_changed | circumstances_changed
    #[serde(default)]
    pub basis: String,
    /// withdraw: the public interest that requires it.
    #[serde(default)]
    pub public_interest: String,
    /// withdraw: the compensation decided for the licensee's losses.
    #[serde(default)]
    pub compensation: String,
    /// rescind: the penalty decision's number.
    #[serde(default)]
    pub penalty_decision: String,
    /// rescind: the enforcement body that decided it.
    #[serde(default)]
    pub authority: String,
}

impl ActInput {
    pub fn request(&self) -> Result<ActRequest> {
        use yiyin_domain::licence::{CancellationGround, RevocationGround, WithdrawalBasis};
        let reason = self.reason.trim().to_string();
        Ok(match self.act.trim() {
            "apply_change" => ActRequest::ApplyChange {
                changes: self.changes.trim().to_string(),
            },
            "apply_renewal" => ActRequest::ApplyRenewal,
            "revoke" => ActRequest::Revoke {
                ground: RevocationGround::parse(self.ground.trim()).ok_or_else(|| {
                    AppError::bad_request(format!(
                        "请选择撤销事由（《行政许可法》第六十九条），可选：{}",
                        RevocationGround::choices()
                    ))
                })?,
                reason,
                serious_public_harm: self.serious_public_harm,
                revoke: self.revoke,
            },
            "cancel" => ActRequest::Cancel {
                ground: CancellationGround::parse(self.ground.trim()).ok_or_else(|| {
                    AppError::bad_request(format!(
                        "请选择注销情形（《行政许可法》第七十条），可选：{}",
                        CancellationGround::choices()
                    ))
                })?,
                reason,
            },
            "withdraw" => ActRequest::Withdraw {
                basis: WithdrawalBasis::parse(self.basis.trim()).ok_or_else(|| {
                    AppError::bad_request(format!(
                        "请选择撤回依据（《行政许可法》第八条第二款），可选：{}",
                        WithdrawalBasis::choices()
                    ))
                })?,
                public_interest: self.public_interest.trim().to_string(),
                compensation: self.compensation.trim().to_string(),
            },
            "rescind" => ActRequest::Rescind {
                penalty_decision: self.penalty_decision.trim().to_string(),
                authority: self.authority.trim().to_string(),
                reason,
            },
            other => {
                return Err(AppError::bad_request(format!(
                    "证照事项「{other}」无效，应为 apply_change、apply_renewal、revoke、cancel、withdraw 或 rescind"
                )));
            }
        })
    }
}

/// A plan as the public sees it: no ID numbers, accounts or reasons of ties, persons' names
/// masked; its draw still re-runs from what is shown (`yiyin_domain::inspection::redact`).
pub fn public_plan(mut plan: InspectionPlan) -> InspectionPlan {
    let (input, result) = yiyin_domain::inspection::redact(&plan.input, plan.result.as_ref());
    plan.input = input;
    plan.result = result;
    plan.created_by = String::new();
    for r in &mut plan.results {
        r.recorded_by = String::new();
    }
    plan
}

/// The published random-inspection plans (public: 双随机一公开), newest first.
pub async fn public_plans(
    state: &AppState,
    jurisdiction: Option<&str>,
) -> Result<Vec<InspectionPlan>> {
    Ok(state
        .store
        .inspection_plans(jurisdiction, None)
        .await?
        .into_iter()
        .map(public_plan)
        .collect())
}
