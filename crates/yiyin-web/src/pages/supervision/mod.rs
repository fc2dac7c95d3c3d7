//! The pages of approval–supervision separation: the supervising department's desk (pushes to
//! acknowledge, overdue in red, commitment verification, findings reported back) and its random
//! inspections; the bureau's overview (acknowledgements per department, dead letters and replay,
//! the departments' systems, licence acts waiting for a decision, findings per item); the licence
//! page with its acts; a licensee's record with credit repair; the applicant's licences with
//! change and renewal; the public list of inspection plans. What may be done is decided in
//! `yiyin_app`; a refused form is shown again with what was typed and the rule.

use askama::Template;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use yiyin_app::App;
use yiyin_app::inspections::{InspectionResultInput, PlanInput, TieInput};
use yiyin_app::supervision::{Desk, FindingInput, Inbox, VerificationInput, department_scope};
use yiyin_domain::inspection::Risk;
use yiyin_domain::supervision::FindingKind;
use yiyin_store::inspections::InspectionPlan;
use yiyin_store::pushes::Push;

use super::{
    Chrome, Form, FormData, PageError, PageResult, PageUser, RawForm, redirect_with, render,
};
use crate::error::AppError;

mod bureau;
mod licences;

pub use bureau::{bureau, find, replay, webhook};
pub use licences::{
    decide, licence, licence_act, my_licences, public_inspections, repair, risk, subject,
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
        Err(
            e @ (AppError::Invalid { .. }
            | AppError::Refused(_)
            | AppError::Conflict(_)
            | AppError::CalendarMissing(_)),
        ) => {
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
    state: &App,
    user: &PageUser,
    q: &DeskQuery,
    error: String,
    form: FormData,
) -> PageResult {
    user.require_staff()?;
    let desk = state.desk(user.who(), &q.j, &q.d)?;
    let all = q.all == "1";
    let inbox = state.inbox(user.who(), &desk, all).await?;
    render(&DeskPage {
        chrome: user.chrome(&q.notice),
        desks: state.desks(user.who()),
        inbox,
        all,
        today: yiyin_domain::calendar::fmt_date(state.today()),
        error,
        form,
        finding_kinds: FindingKind::options(),
    })
}

pub async fn desk(
    State(state): State<App>,
    user: PageUser,
    Query(q): Query<DeskQuery>,
) -> PageResult {
    desk_page(&state, &user, &q, String::new(), FormData::default()).await
}

pub async fn acknowledge(
    State(state): State<App>,
    user: PageUser,
    Path(id): Path<i64>,
    form: RawForm,
) -> PageResult {
    user.check_csrf(&form)?;
    let push = state.acknowledge(user.who(), id).await?;
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

/// A finding as the desk's form sends it.
#[derive(Debug, Default, Deserialize)]
pub struct FindingForm {
    #[serde(default)]
    j: String,
    #[serde(default)]
    d: String,
    #[serde(default)]
    licence: String,
    #[serde(default)]
    holder_id: String,
    #[serde(default)]
    holder: String,
    #[serde(default)]
    item_code: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    found_on: String,
}

pub async fn finding(
    State(state): State<App>,
    user: PageUser,
    form: Form<FindingForm>,
) -> PageResult {
    user.check_csrf(&form)?;
    let f = &form.data;
    let input = FindingInput {
        jurisdiction: f.j.clone(),
        department: f.d.clone(),
        licence: f.licence.clone(),
        holder_id: f.holder_id.clone(),
        holder: f.holder.clone(),
        item_code: f.item_code.clone(),
        kind: f.kind.clone(),
        summary: f.summary.clone(),
        found_on: f.found_on.clone(),
    };
    let result = state.record_finding(user.who(), &input).await;
    let form = form.raw;
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
    State(state): State<App>,
    user: PageUser,
    Path(id): Path<i64>,
    form: Form<VerificationInput>,
) -> PageResult {
    user.check_csrf(&form)?;
    let result = state.record_verification(user.who(), id, &form.data).await;
    let form = form.raw;
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
    state: &App,
    user: &PageUser,
    q: &DeskQuery,
    error: String,
    form: FormData,
) -> PageResult {
    user.require_staff()?;
    let desk = state.desk(user.who(), &q.j, &q.d)?;
    user.who().require(
        yiyin_domain::authz::Operation::Supervise,
        &department_scope(&desk.jurisdiction, &desk.department),
    )?;
    let plans = state
        .plans_of(user.who(), &desk.jurisdiction, &desk.department)
        .await?;
    render(&InspectionsPage {
        chrome: user.chrome(&q.notice),
        ties: state.store.inspection_ties(&desk.jurisdiction).await?,
        desks: state.desks(user.who()),
        desk,
        plans,
        error,
        form,
        risks: Risk::options(),
        finding_kinds: FindingKind::options(),
    })
}

pub async fn inspections(
    State(state): State<App>,
    user: PageUser,
    Query(q): Query<DeskQuery>,
) -> PageResult {
    inspections_page(&state, &user, &q, String::new(), FormData::default()).await
}

pub async fn publish_plan(State(state): State<App>, user: PageUser, form: RawForm) -> PageResult {
    user.check_csrf(&form)?;
    let form = form.raw;
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
    let result = state.publish_plan(user.who(), &input).await;
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
    State(state): State<App>,
    user: PageUser,
    Path(id): Path<i64>,
    form: RawForm,
) -> PageResult {
    user.check_csrf(&form)?;
    let form = form.raw;
    let q = desk_query(&form);
    let result = state.draw_plan(user.who(), id).await;
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
    State(state): State<App>,
    user: PageUser,
    Path(id): Path<i64>,
    form: Form<InspectionResultInput>,
) -> PageResult {
    user.check_csrf(&form)?;
    let result = state.record_result(user.who(), id, &form.data).await;
    let form = form.raw;
    let q = desk_query(&form);
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

pub async fn tie(State(state): State<App>, user: PageUser, form: RawForm) -> PageResult {
    user.check_csrf(&form)?;
    let form = form.raw;
    let q = desk_query(&form);
    let input = TieInput {
        jurisdiction: form.get("j"),
        department: form.get("d"),
        inspector: form.get("inspector"),
        holder_id: form.get("holder_id"),
        reason: form.get("reason"),
    };
    let result = state.declare_tie(user.who(), &input).await;
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
