//! The pages of approval–supervision separation: the supervising department's desk (pushes to
//! acknowledge, overdue in red, commitment verification, findings reported back) and its random
//! inspections; the bureau's overview (acknowledgements per department, dead letters and replay,
//! the departments' systems, licence acts waiting for a decision, findings per item); the licence
//! page with its acts; a licensee's record with credit repair; the applicant's licences with
//! change and renewal; the public list of inspection plans. What may be done is decided in
//! [`crate::supervising`]; a refused form is shown again with what was typed and the rule.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use serde::Deserialize;
use yiyin_domain::inspection::Risk;
use yiyin_domain::licence::{CancellationGround, RevocationGround, WithdrawalBasis};
use yiyin_domain::supervision::FindingKind;
use yiyin_store::inspections::InspectionPlan;
use yiyin_store::licences::Licence;
use yiyin_store::supervision::Push;

use super::{Chrome, FormData, PageError, PageResult, PageUser, redirect_with, render};
use crate::auth::Viewer;
use crate::error::AppError;
use crate::state::AppState;
use crate::supervising::{
    self as sv, ActInput, Desk, FindingInput, Inbox, InspectionResultInput, LicenceView, Overview,
    PlanInput, SubjectView, TieInput, VerificationInput, WebhookInput,
};

#[derive(Debug, Default, Deserialize)]
pub struct DeskQuery {
    #[serde(default)]
    pub j: String,
    #[serde(default)]
    pub d: String,
    #[serde(default)]
    pub all: String,
    #[serde(default)]
    pub notice: String,
}

/// Runs a form's act: success redirects with a notice; a refusal (bad input, a rule, a conflict)
/// shows the page again with the message and what was typed; anything else is an error page.
async fn settle<T, F, Fut>(
    result: Result<T, AppError>,
    ok: impl FnOnce(T) -> (String, String),
    again: F,
) -> PageResult
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = PageResult>,
{
    match result {
        Ok(v) => {
            let (path, notice) = ok(v);
            Ok(redirect_with(&path, &notice))
        }
        Err(e @ (AppError::BadRequest { .. } | AppError::Conflict(_))) => {
            let mut resp = again(e.to_string()).await?;
            *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
        Err(e) => Err(PageError(e)),
    }
}

/// The recorded result of a plan's target, if any.
fn result_of<'a>(
    plan: &'a InspectionPlan,
    licence: &str,
) -> Option<&'a yiyin_store::inspections::InspectionResult> {
    plan.results.iter().find(|r| r.licence == licence)
}

// ---- The department's desk ----

#[derive(Template)]
#[template(path = "supervision/desk.html")]
struct DeskPage {
    chrome: Chrome,
    desks: Vec<Desk>,
    inbox: Inbox,
    all: bool,
    today: String,
    error: String,
    form: FormData,
    finding_kinds: Vec<(&'static str, &'static str)>,
}

impl DeskPage {
    fn typed(&self, field: &str) -> String {
        self.form.get(field)
    }

    fn overdue(&self, p: &Push) -> bool {
        yiyin_domain::calendar::parse_date(&self.today).is_ok_and(|t| p.overdue(t))
    }
}

async fn desk_page(
    state: &AppState,
    user: &PageUser,
    q: &DeskQuery,
    error: String,
    form: FormData,
) -> PageResult {
    user.require_staff()?;
    let desk = sv::desk(state, &user.0, &q.j, &q.d)?;
    let all = q.all == "1";
    let inbox = sv::inbox(state, &user.0, &desk, all).await?;
    render(&DeskPage {
        chrome: user.chrome(&q.notice),
        desks: sv::desks(state, &user.0),
        inbox,
        all,
        today: yiyin_domain::calendar::fmt_date(state.today()),
        error,
        form,
        finding_kinds: FindingKind::options(),
    })
}

pub async fn desk(
    State(state): State<AppState>,
    user: PageUser,
    Query(q): Query<DeskQuery>,
) -> PageResult {
    desk_page(&state, &user, &q, String::new(), FormData::default()).await
}

pub async fn acknowledge(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    form: FormData,
) -> PageResult {
    user.check_csrf(&form)?;
    let push = sv::acknowledge(&state, &user.0, id).await?;
    Ok(redirect_with(
        &format!("/supervision?j={}&d={}", push.jurisdiction, push.department),
        &format!("已签收：{}", push.kind.label()),
    ))
}

fn desk_query(form: &FormData) -> DeskQuery {
    DeskQuery {
        j: form.get("j"),
        d: form.get("d"),
        ..Default::default()
    }
}

pub async fn finding(State(state): State<AppState>, user: PageUser, form: FormData) -> PageResult {
    user.check_csrf(&form)?;
    let input = FindingInput {
        jurisdiction: form.get("j"),
        department: form.get("d"),
        licence: form.get("licence"),
        holder_id: form.get("holder_id"),
        holder: form.get("holder"),
        item_code: form.get("item_code"),
        kind: form.get("kind"),
        summary: form.get("summary"),
        found_on: form.get("found_on"),
    };
    let result = sv::record_finding(&state, &user.0, &input).await;
    let q = desk_query(&form);
    settle(
        result,
        |f| {
            (
                format!("/supervision?j={}&d={}", f.jurisdiction, f.department),
                format!("已抄告审批局：{}（{}）", f.kind.label(), f.holder),
            )
        },
        |e| desk_page(&state, &user, &q, e, form.clone()),
    )
    .await
}

pub async fn verification(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    form: FormData,
) -> PageResult {
    user.check_csrf(&form)?;
    let input = VerificationInput {
        outcome: form.get("outcome"),
        by: form.get("by"),
        reason: form.get("reason"),
    };
    let result = sv::record_verification(&state, &user.0, id, &input).await;
    let q = desk_query(&form);
    settle(
        result,
        |t| {
            (
                format!("/supervision?j={}&d={}", t.jurisdiction, t.department),
                format!("已记录核查结论：{}（{}）", t.state.label(), t.holder),
            )
        },
        |e| {
            desk_page(
                &state,
                &user,
                &q,
                format!("核查任务{id}：{e}"),
                form.clone(),
            )
        },
    )
    .await
}

// ---- Random inspections, the department's side ----

#[derive(Template)]
#[template(path = "supervision/inspections.html")]
struct InspectionsPage {
    chrome: Chrome,
    desk: Desk,
    desks: Vec<Desk>,
    plans: Vec<InspectionPlan>,
    ties: Vec<yiyin_domain::inspection::Tie>,
    error: String,
    form: FormData,
    risks: Vec<(&'static str, &'static str)>,
    finding_kinds: Vec<(&'static str, &'static str)>,
}

impl InspectionsPage {
    fn result_of<'a>(
        &self,
        plan: &'a InspectionPlan,
        licence: &str,
    ) -> Option<&'a yiyin_store::inspections::InspectionResult> {
        result_of(plan, licence)
    }

    fn typed(&self, field: &str) -> String {
        self.form.get(field)
    }
}

async fn inspections_page(
    state: &AppState,
    user: &PageUser,
    q: &DeskQuery,
    error: String,
    form: FormData,
) -> PageResult {
    user.require_staff()?;
    let desk = sv::desk(state, &user.0, &q.j, &q.d)?;
    user.0.require(
        yiyin_domain::authz::Operation::Supervise,
        &sv::department_scope(&desk.jurisdiction, &desk.department),
    )?;
    let plans = state
        .store
        .inspection_plans(Some(&desk.jurisdiction), Some(&desk.department))
        .await?;
    render(&InspectionsPage {
        chrome: user.chrome(&q.notice),
        ties: state.store.inspection_ties(&desk.jurisdiction).await?,
        desks: sv::desks(state, &user.0),
        desk,
        plans,
        error,
        form,
        risks: Risk::options(),
        finding_kinds: FindingKind::options(),
    })
}

pub async fn inspections(
    State(state): State<AppState>,
    user: PageUser,
    Query(q): Query<DeskQuery>,
) -> PageResult {
    inspections_page(&state, &user, &q, String::new(), FormData::default()).await
}

pub async fn publish_plan(
    State(state): State<AppState>,
    user: PageUser,
    form: FormData,
) -> PageResult {
    user.check_csrf(&form)?;
    let q = desk_query(&form);
    let number = |field: &str| -> Result<usize, String> {
        let v = form.get(field);
        v.parse::<usize>()
            .map_err(|_| format!("「{v}」不是有效的人数或户数，请填写正整数"))
    };
    let input = match (number("target_count"), number("per_target")) {
        (Ok(target_count), Ok(per_target)) => PlanInput {
            jurisdiction: form.get("j"),
            department: form.get("d"),
            title: form.get("title"),
            item_code: form.get("item_code"),
            risk: form.get("risk"),
            target_count,
            per_target,
        },
        (Err(e), _) | (_, Err(e)) => {
            return inspections_page(&state, &user, &q, e, form.clone()).await;
        }
    };
    let result = sv::publish_plan(&state, &user.0, &input).await;
    settle(
        result,
        |p| {
            (
                format!(
                    "/supervision/inspections?j={}&d={}",
                    p.jurisdiction, p.department
                ),
                format!("已公布抽查计划“{}”，随机种子 {}", p.title, p.seed),
            )
        },
        |e| inspections_page(&state, &user, &q, e, form.clone()),
    )
    .await
}

pub async fn draw(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    form: FormData,
) -> PageResult {
    user.check_csrf(&form)?;
    let q = desk_query(&form);
    let result = sv::draw_plan(&state, &user.0, id).await;
    settle(
        result,
        |p| {
            (
                format!(
                    "/supervision/inspections?j={}&d={}",
                    p.jurisdiction, p.department
                ),
                format!(
                    "已抽取：{}户检查对象，已向社会公开",
                    p.result.as_ref().map(|d| d.picks.len()).unwrap_or(0)
                ),
            )
        },
        |e| inspections_page(&state, &user, &q, e, form.clone()),
    )
    .await
}

pub async fn result(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    form: FormData,
) -> PageResult {
    user.check_csrf(&form)?;
    let q = desk_query(&form);
    let input = InspectionResultInput {
        licence: form.get("licence"),
        kind: form.get("kind"),
        summary: form.get("summary"),
    };
    let result = sv::record_result(&state, &user.0, id, &input).await;
    settle(
        result,
        |p| {
            (
                format!(
                    "/supervision/inspections?j={}&d={}",
                    p.jurisdiction, p.department
                ),
                "已录入检查结果并向社会公开".to_string(),
            )
        },
        |e| inspections_page(&state, &user, &q, e, form.clone()),
    )
    .await
}

pub async fn tie(State(state): State<AppState>, user: PageUser, form: FormData) -> PageResult {
    user.check_csrf(&form)?;
    let q = desk_query(&form);
    let input = TieInput {
        jurisdiction: form.get("j"),
        department: form.get("d"),
        inspector: form.get("inspector"),
        holder_id: form.get("holder_id"),
        reason: form.get("reason"),
    };
    let result = sv::declare_tie(&state, &user.0, &input).await;
    let back = format!("/supervision/inspections?j={}&d={}", q.j, q.d);
    settle(
        result,
        |_| {
            (
                back,
                "已登记回避关系；今后的抽取不会指派该检查人员检查该对象".into(),
            )
        },
        |e| inspections_page(&state, &user, &q, e, form.clone()),
    )
    .await
}

// ---- The bureau's overview ----

#[derive(Debug, Default, Deserialize)]
pub struct BureauQuery {
    #[serde(default)]
    pub j: String,
    #[serde(default)]
    pub notice: String,
}

#[derive(Template)]
#[template(path = "supervision/bureau.html")]
struct BureauPage {
    chrome: Chrome,
    jurisdictions: Vec<(String, String)>,
    o: Overview,
    departments: Vec<(String, String)>,
    may_manage: bool,
    error: String,
    form: FormData,
}

impl BureauPage {
    fn department_name(&self, code: &str) -> String {
        self.departments
            .iter()
            .find(|d| d.0 == code)
            .map(|d| d.1.clone())
            .unwrap_or_else(|| code.to_string())
    }

    fn typed(&self, field: &str) -> String {
        self.form.get(field)
    }
}

async fn bureau_page(
    state: &AppState,
    user: &PageUser,
    q: &BureauQuery,
    error: String,
    form: FormData,
) -> PageResult {
    user.require_staff()?;
    let mine = sv::bureau_jurisdictions(&user.0);
    let Some(first) = mine.first() else {
        return Err(AppError::Forbidden("无权查看审管推送：您的岗位没有此项职责".into()).into());
    };
    let j = if mine.contains(&q.j) {
        q.j.clone()
    } else {
        first.clone()
    };
    let o = sv::overview(state, &user.0, &j).await?;
    let org = state.org();
    let departments = org
        .jurisdiction(&j)
        .map(|x| {
            x.departments
                .iter()
                .map(|d| (d.code.clone(), d.name.clone()))
                .collect()
        })
        .unwrap_or_default();
    render(&BureauPage {
        chrome: user.chrome(&q.notice),
        jurisdictions: mine
            .iter()
            .filter_map(|c| {
                org.jurisdiction(c)
                    .map(|x| (x.code.clone(), x.name.clone()))
            })
            .collect(),
        may_manage: yiyin_domain::authz::allowed_in(
            &user.account().grants,
            yiyin_domain::authz::Operation::ManagePushes,
            &j,
        )
        .is_ok(),
        o,
        departments,
        error,
        form,
    })
}

pub async fn bureau(
    State(state): State<AppState>,
    user: PageUser,
    Query(q): Query<BureauQuery>,
) -> PageResult {
    bureau_page(&state, &user, &q, String::new(), FormData::default()).await
}

pub async fn replay(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    form: FormData,
) -> PageResult {
    user.check_csrf(&form)?;
    let p = sv::replay(&state, &user.0, id).await?;
    Ok(redirect_with(
        &format!("/work/supervision?j={}", p.jurisdiction),
        "已重新投递；投递结果见推送状态",
    ))
}

pub async fn webhook(State(state): State<AppState>, user: PageUser, form: FormData) -> PageResult {
    user.check_csrf(&form)?;
    let input = WebhookInput {
        jurisdiction: form.get("j"),
        department: form.get("department"),
        url: form.get("url"),
        active: true,
    };
    let q = BureauQuery {
        j: form.get("j"),
        notice: String::new(),
    };
    let result = sv::set_webhook(&state, &user.0, &input).await;
    let path = format!("/work/supervision?j={}", input.jurisdiction);
    settle(
        result,
        |_| {
            (
                path,
                if input.url.is_empty() {
                    "已停用该部门的系统推送；推送仍进入其监管工作台".into()
                } else {
                    "已保存；此后的推送将签章后投递到该地址".into()
                },
            )
        },
        |e| bureau_page(&state, &user, &q, e, form.clone()),
    )
    .await
}

/// Finds a licence or a licensee from the bureau page's search box.
#[derive(Debug, Default, Deserialize)]
pub struct FindQuery {
    #[serde(default)]
    pub q: String,
}

pub async fn find(
    State(state): State<AppState>,
    user: PageUser,
    Query(q): Query<FindQuery>,
) -> PageResult {
    user.require_staff()?;
    let text = q.q.trim();
    if text.is_empty() {
        return Err(AppError::bad_request("请填写证照编号或被许可人的证件号码").into());
    }
    if state.store.licence(text).await?.is_some() {
        return Ok(axum::response::Redirect::to(&format!(
            "/work/licences/{}",
            super::encode(text)
        ))
        .into_response());
    }
    Ok(
        axum::response::Redirect::to(&format!("/work/subjects/{}", super::encode(text)))
            .into_response(),
    )
}

// ---- The licence page (staff and holder) ----

#[derive(Template)]
#[template(path = "supervision/licence.html")]
struct LicencePage {
    chrome: Chrome,
    v: LicenceView,
    /// Where the forms post: /work/licences/{id} or /my/licences/{id}.
    base: String,
    staff: bool,
    department: String,
    error: String,
    form: FormData,
    revocation_grounds: Vec<(&'static str, &'static str)>,
    cancellation_grounds: Vec<(&'static str, &'static str)>,
    withdrawal_bases: Vec<(&'static str, &'static str)>,
    finding_kinds: Vec<(&'static str, &'static str)>,
    risks: Vec<(&'static str, &'static str)>,
}

impl LicencePage {
    fn may(&self, what: &str) -> bool {
        self.v.may.iter().any(|m| m == what)
    }

    fn typed(&self, field: &str) -> String {
        self.form.get(field)
    }

    /// The revocation ground to preselect: what was typed, else fraud when a revocation was
    /// proposed after a false commitment (Art. 69 para 2).
    fn ground(&self) -> String {
        let typed = self.form.get("ground");
        if !typed.is_empty() {
            return typed;
        }
        let proposed = self.v.acts.iter().any(|a| {
            a.state == yiyin_store::licence_acts::ActState::Proposed
                && a.kind == yiyin_domain::licence::ActKind::Revocation
        });
        if proposed {
            "fraud".into()
        } else {
            String::new()
        }
    }

    /// The cancellation ground to preselect from the licence's status (Art. 70 (1), (4)).
    fn cancel_ground(&self) -> &'static str {
        use yiyin_domain::licence::LicenceStatus as S;
        match self.v.status_today {
            S::Expired => "expired",
            S::Revoked | S::Withdrawn | S::Rescinded => "revoked",
            _ => "",
        }
    }

    fn detail(&self, act: &yiyin_store::licence_acts::LicenceAct) -> String {
        let d = &act.details;
        let mut parts = Vec::new();
        for (key, label) in [
            ("changes", "变更内容"),
            ("ground_label", "事由"),
            ("reason", "理由"),
            ("public_interest", "公共利益"),
            ("compensation", "补偿"),
            ("penalty_decision", "处罚决定"),
            ("authority", "决定机关"),
            ("decision_reason", "决定理由"),
        ] {
            if let Some(s) = d
                .get(key)
                .and_then(|v| v.as_str())
                .filter(|s| !s.is_empty())
            {
                parts.push(format!("{label}：{s}"));
            }
        }
        parts.join("；")
    }
}

async fn licence_page(
    state: &AppState,
    user: &PageUser,
    identifier: &str,
    notice: &str,
    error: String,
    form: FormData,
) -> PageResult {
    let v = sv::licence_view(state, &user.0, identifier).await?;
    let staff = user.account().is_staff();
    let department = state
        .org()
        .jurisdiction(&v.licence.jurisdiction)
        .and_then(|j| {
            j.department(&v.licence.supervising_department)
                .map(|d| d.name.clone())
        })
        .unwrap_or_else(|| v.licence.supervising_department.clone());
    render(&LicencePage {
        chrome: user.chrome(notice),
        base: format!(
            "{}/licences/{}",
            if staff { "/work" } else { "/my" },
            super::encode(identifier)
        ),
        staff,
        department,
        v,
        error,
        form,
        revocation_grounds: RevocationGround::options(),
        cancellation_grounds: CancellationGround::options(),
        withdrawal_bases: WithdrawalBasis::options(),
        finding_kinds: FindingKind::options(),
        risks: Risk::options(),
    })
}

pub async fn licence(
    State(state): State<AppState>,
    user: PageUser,
    Path(identifier): Path<String>,
    Query(q): Query<super::Notice>,
) -> PageResult {
    licence_page(
        &state,
        &user,
        &identifier,
        &q.notice,
        String::new(),
        FormData::default(),
    )
    .await
}

fn act_input(form: &FormData) -> ActInput {
    ActInput {
        act: form.get("act"),
        changes: form.get("changes"),
        ground: form.get("ground"),
        reason: form.get("reason"),
        serious_public_harm: form.get("serious_public_harm") == "yes",
        revoke: form.get("revoke") != "no",
        basis: form.get("basis"),
        public_interest: form.get("public_interest"),
        compensation: form.get("compensation"),
        penalty_decision: form.get("penalty_decision"),
        authority: form.get("authority"),
    }
}

/// An act on a licence from its page (staff and holder alike; the service decides who may).
pub async fn licence_act(
    State(state): State<AppState>,
    user: PageUser,
    Path(identifier): Path<String>,
    form: FormData,
) -> PageResult {
    user.check_csrf(&form)?;
    let input = act_input(&form);
    let result = match input.request() {
        Ok(r) => sv::act_on_licence(&state, &user.0, &identifier, &r).await,
        Err(e) => Err(e),
    };
    let staff = user.account().is_staff();
    settle(
        result,
        |a| {
            (
                format!(
                    "{}/licences/{}",
                    if staff { "/work" } else { "/my" },
                    super::encode(&identifier)
                ),
                format!("已办理{}：{}", a.kind.label(), a.state.label()),
            )
        },
        |e| licence_page(&state, &user, &identifier, "", e, form.clone()),
    )
    .await
}

pub async fn decide(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    form: FormData,
) -> PageResult {
    user.check_csrf(&form)?;
    let identifier = form.get("licence");
    let result = match form.get("grant").as_str() {
        "yes" => sv::decide_act(&state, &user.0, id, true, &form.get("reason")).await,
        "no" => sv::decide_act(&state, &user.0, id, false, &form.get("reason")).await,
        _ => Err(AppError::bad_request("请选择准予或不予")),
    };
    settle(
        result,
        |a| {
            (
                format!("/work/licences/{}", super::encode(&a.licence)),
                format!("已作出{}决定：{}", a.kind.label(), a.state.label()),
            )
        },
        |e| licence_page(&state, &user, &identifier, "", e, form.clone()),
    )
    .await
}

pub async fn risk(
    State(state): State<AppState>,
    user: PageUser,
    Path(identifier): Path<String>,
    form: FormData,
) -> PageResult {
    user.check_csrf(&form)?;
    let result = sv::set_risk(&state, &user.0, &identifier, &form.get("risk")).await;
    let path = format!("/work/licences/{}", super::encode(&identifier));
    settle(
        result,
        |_| (path, "已更新风险等级".into()),
        |e| licence_page(&state, &user, &identifier, "", e, form.clone()),
    )
    .await
}

// ---- A licensee's record ----

#[derive(Template)]
#[template(path = "supervision/subject.html")]
struct SubjectPage {
    chrome: Chrome,
    s: SubjectView,
    error: String,
}

async fn subject_page(
    state: &AppState,
    user: &PageUser,
    holder_id: &str,
    notice: &str,
    error: String,
) -> PageResult {
    let s = sv::subject_view(state, &user.0, holder_id).await?;
    render(&SubjectPage {
        chrome: user.chrome(notice),
        s,
        error,
    })
}

pub async fn subject(
    State(state): State<AppState>,
    user: PageUser,
    Path(holder_id): Path<String>,
    Query(q): Query<super::Notice>,
) -> PageResult {
    subject_page(&state, &user, &holder_id, &q.notice, String::new()).await
}

pub async fn repair(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    form: FormData,
) -> PageResult {
    user.check_csrf(&form)?;
    let holder_id = form.get("holder_id");
    let result = sv::repair_credit(&state, &user.0, id, &form.get("reason")).await;
    settle(
        result,
        |c| {
            (
                format!("/work/subjects/{}", super::encode(&c.holder_id)),
                format!("已修复信用记录：{}", c.kind.label()),
            )
        },
        |e| subject_page(&state, &user, &holder_id, "", e),
    )
    .await
}

// ---- The applicant's licences ----

#[derive(Template)]
#[template(path = "supervision/my_licences.html")]
struct MyLicencesPage {
    chrome: Chrome,
    licences: Vec<(Licence, String)>,
}

pub async fn my_licences(
    State(state): State<AppState>,
    user: PageUser,
    Query(q): Query<super::Notice>,
) -> PageResult {
    user.require_applicant()?;
    let today = state.today();
    let mut licences = Vec::new();
    for l in state.store.licences_of_account(user.account().id).await? {
        let status = l.status_on(today).label().to_string();
        licences.push((l, status));
    }
    render(&MyLicencesPage {
        chrome: user.chrome(&q.notice),
        licences,
    })
}

// ---- The public list of inspections ----

#[derive(Template)]
#[template(path = "portal/inspections.html")]
struct PublicInspections {
    chrome: Chrome,
    algorithm: &'static str,
    plans: Vec<InspectionPlan>,
    jurisdictions: Vec<(String, String)>,
    departments: Vec<(String, String, String)>,
}

impl PublicInspections {
    fn result_of<'a>(
        &self,
        plan: &'a InspectionPlan,
        licence: &str,
    ) -> Option<&'a yiyin_store::inspections::InspectionResult> {
        result_of(plan, licence)
    }

    fn name_of(&self, j: &str) -> String {
        self.jurisdictions
            .iter()
            .find(|x| x.0 == j)
            .map(|x| x.1.clone())
            .unwrap_or_else(|| j.to_string())
    }

    fn department_of(&self, j: &str, d: &str) -> String {
        self.departments
            .iter()
            .find(|x| x.0 == j && x.1 == d)
            .map(|x| x.2.clone())
            .unwrap_or_else(|| d.to_string())
    }
}

pub async fn public_inspections(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let org = state.org();
    render(&PublicInspections {
        chrome: super::chrome(&viewer, ""),
        algorithm: yiyin_domain::inspection::ALGORITHM,
        plans: sv::public_plans(&state, None).await?,
        jurisdictions: org
            .jurisdictions
            .iter()
            .map(|j| (j.code.clone(), j.name.clone()))
            .collect(),
        departments: org
            .jurisdictions
            .iter()
            .flat_map(|j| {
                j.departments
                    .iter()
                    .map(|d| (j.code.clone(), d.code.clone(), d.name.clone()))
            })
            .collect(),
    })
}
