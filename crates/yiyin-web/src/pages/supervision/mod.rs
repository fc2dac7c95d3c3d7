//! The pages of approval–supervision separation: the supervising department's desk (pushes to
//! acknowledge, overdue in red, commitment verification, findings reported back) and its random
//! inspections; the bureau's overview (acknowledgements per department, dead letters and replay,
//! the departments' systems, licence acts waiting for a decision, findings per item); the licence
//! page with its acts; a licensee's record with credit repair; the applicant's licences with
//! change and renewal; the public list of inspection plans. What may be done is decided in
//! `yiyin_app`; a refused form is shown again with what was typed and the rule.

use crate::pages::{Path, Query};
use askama::Template;
use serde::Deserialize;
use yiyin_app::inspections::{InspectionResultInput, PlanInput, TieInput};
use yiyin_app::supervision::{
    Desk, FindingInput, Inbox, PushListQuery, SupervisionListQuery, VerificationInput,
    department_scope,
};
use yiyin_domain::inspection::Risk;
use yiyin_domain::supervision::FindingKind;
use yiyin_store::inspections::{InspectionPlan, InspectionResult};
use yiyin_store::pushes::Push;

use super::{
    Chrome, Form, FormData, Page, PageFor, PageResult, RawForm, redirect_with, render, settle,
};
use crate::auth::gate;
use crate::error::AppError;

mod bureau;
mod licences;

pub use bureau::{bureau, find, replay, webhook};
pub use licences::{
    decide, licence, licence_act, my_licences, public_inspections, repair, risk, subject,
};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DeskQuery {
    pub j: String,
    pub d: String,
    pub all: String,
    pub notice: String,
    /// The page of pushes after this cursor (empty: the first).
    pub after: String,
    /// The page of findings after this cursor (empty: the first).
    pub findings_after: String,
    /// The page of verification tasks after this cursor (empty: the first).
    pub tasks_after: String,
}

/// The desk a form was posted from (its hidden `j` and `d`).
fn desk_query(form: &FormData) -> DeskQuery {
    DeskQuery {
        j: form.get("j"),
        d: form.get("d"),
        ..Default::default()
    }
}

/// The desk's pushes and verifications.
fn desk_url(jurisdiction: &str, department: &str) -> String {
    format!("/supervision?j={jurisdiction}&d={department}")
}

/// The desk's random inspections.
fn inspections_url(jurisdiction: &str, department: &str) -> String {
    format!("/supervision/inspections?j={jurisdiction}&d={department}")
}

/// The recorded result of a plan's target, if any (for the templates).
pub fn result_of<'a>(plan: &'a InspectionPlan, licence: &str) -> Option<&'a InspectionResult> {
    plan.results.iter().find(|r| r.licence == licence)
}

/// The two pages of a department's desk; a refused form is shown again on the page it came from.
#[derive(Debug, Clone, Copy)]
enum Tab {
    Inbox,
    Inspections,
}

impl Tab {
    async fn show(self, page: &Page, q: &DeskQuery, error: String, form: FormData) -> PageResult {
        match self {
            Tab::Inbox => desk_page(page, q, error, form).await,
            Tab::Inspections => inspections_page(page, q, error, form).await,
        }
    }

    /// The page again with the refusal of `form`, for its desk.
    async fn again(self, page: &Page, form: FormData, error: String) -> PageResult {
        self.show(page, &desk_query(&form), error, form).await
    }

    /// Ends an act posted from this page (see [`settle`]).
    async fn settle<T>(
        self,
        page: &Page,
        form: FormData,
        result: Result<T, AppError>,
        ok: impl FnOnce(T) -> (String, String),
    ) -> PageResult {
        settle(result, ok, |e| self.again(page, form, e)).await
    }
}

// ---- The department's desk ----

#[derive(Template)]
#[template(path = "supervision/desk.html")]
struct DeskPage {
    chrome: Chrome,
    desks: Vec<Desk>,
    inbox: Inbox,
    all: bool,
    /// Whether this is a later page of the pushes.
    paged: bool,
    /// Whether this is a later page of the findings.
    findings_paged: bool,
    /// Whether this is a later page of the verification tasks.
    tasks_paged: bool,
    today: String,
    error: String,
    form: FormData,
    finding_kinds: Vec<(&'static str, &'static str)>,
}

impl DeskPage {
    fn overdue(&self, p: &Push) -> bool {
        yiyin_domain::calendar::parse_date(&self.today).is_ok_and(|t| p.overdue(t))
    }
}

async fn desk_page(page: &Page, q: &DeskQuery, error: String, form: FormData) -> PageResult {
    page.require_staff()?;
    let desk = page.app.desk(page.who(), &q.j, &q.d)?;
    let all = q.all == "1";
    let mut inbox = page.app.inbox(page.who(), &desk, all).await?;
    if !q.after.trim().is_empty() {
        let more = page
            .app
            .push_list(
                page.who(),
                &PushListQuery {
                    jurisdiction: desk.jurisdiction.clone(),
                    department: desk.department.clone(),
                    list: if all { "all" } else { "unacknowledged" }.into(),
                    after: q.after.clone(),
                    limit: None,
                },
            )
            .await?;
        (inbox.pushes, inbox.pushes_count, inbox.pushes_next) =
            (more.pushes, more.count, more.next);
    }
    if !q.findings_after.trim().is_empty() {
        let more = page
            .app
            .finding_list(
                page.who(),
                &SupervisionListQuery {
                    jurisdiction: desk.jurisdiction.clone(),
                    department: desk.department.clone(),
                    after: q.findings_after.clone(),
                    limit: None,
                },
            )
            .await?;
        (inbox.findings, inbox.findings_count, inbox.findings_next) =
            (more.findings, more.count, more.next);
    }
    if !q.tasks_after.trim().is_empty() {
        let more = page
            .app
            .task_list(
                page.who(),
                &SupervisionListQuery {
                    jurisdiction: desk.jurisdiction.clone(),
                    department: desk.department.clone(),
                    after: q.tasks_after.clone(),
                    limit: None,
                },
            )
            .await?;
        (
            inbox.verifications,
            inbox.verifications_count,
            inbox.verifications_next,
        ) = (more.tasks, more.count, more.next);
    }
    render(&DeskPage {
        findings_paged: !q.findings_after.trim().is_empty(),
        tasks_paged: !q.tasks_after.trim().is_empty(),
        paged: !q.after.trim().is_empty(),
        chrome: page.chrome(&q.notice),
        desks: page.app.desks(page.who()),
        inbox,
        all,
        today: yiyin_domain::calendar::fmt_date(page.app.today()),
        error,
        form,
        finding_kinds: FindingKind::options(),
    })
}

pub async fn desk(page: Page, Query(q): Query<DeskQuery>) -> PageResult {
    desk_page(&page, &q, String::new(), FormData::default()).await
}

pub async fn acknowledge(
    page: PageFor<gate::Supervise>,
    Path(id): Path<i64>,
    form: RawForm,
) -> PageResult {
    page.check_csrf(&form)?;
    let push = page.app.acknowledge(page.who(), id).await?;
    Ok(redirect_with(
        &desk_url(&push.jurisdiction, &push.department),
        &format!("已签收：{}", push.kind.label()),
    ))
}

/// The pushes ticked on the desk (批量签收).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AcknowledgeForm {
    ids: Vec<i64>,
}

pub async fn acknowledge_many(
    page: PageFor<gate::Supervise>,
    form: Form<AcknowledgeForm>,
) -> PageResult {
    page.check_csrf(&form)?;
    let result = page.app.acknowledge_all(page.who(), &form.data.ids).await;
    let back = desk_query(&form.raw);
    Tab::Inbox
        .settle(&page, form.raw, result, |pushes| {
            (
                desk_url(&back.j, &back.d),
                format!("已签收 {} 条推送", pushes.len()),
            )
        })
        .await
}

/// A finding as the desk's form sends it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FindingForm {
    j: String,
    d: String,
    licence: String,
    holder_id: String,
    holder: String,
    item_code: String,
    kind: String,
    summary: String,
    found_on: String,
}

impl FindingForm {
    fn input(self) -> FindingInput {
        FindingInput {
            jurisdiction: self.j,
            department: self.d,
            licence: self.licence,
            holder_id: self.holder_id,
            holder: self.holder,
            item_code: self.item_code,
            kind: self.kind,
            summary: self.summary,
            found_on: self.found_on,
        }
    }
}

pub async fn finding(page: PageFor<gate::Supervise>, form: Form<FindingForm>) -> PageResult {
    page.check_csrf(&form)?;
    let result = page
        .app
        .record_finding(page.who(), &form.data.input())
        .await;
    Tab::Inbox
        .settle(&page, form.raw, result, |f| {
            (
                desk_url(&f.jurisdiction, &f.department),
                format!("已抄告审批局：{}（{}）", f.kind.label(), f.holder),
            )
        })
        .await
}

pub async fn verification(
    page: PageFor<gate::Supervise>,
    Path(id): Path<i64>,
    form: Form<VerificationInput>,
) -> PageResult {
    page.check_csrf(&form)?;
    let result = page
        .app
        .record_verification(page.who(), id, &form.data)
        .await;
    settle(
        result,
        |t| {
            (
                desk_url(&t.jurisdiction, &t.department),
                format!("已记录核查结论：{}（{}）", t.state.label(), t.holder),
            )
        },
        |e| Tab::Inbox.again(&page, form.raw, format!("核查任务{id}：{e}")),
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

async fn inspections_page(page: &Page, q: &DeskQuery, error: String, form: FormData) -> PageResult {
    page.require_staff()?;
    let desk = page.app.desk(page.who(), &q.j, &q.d)?;
    page.who().require(
        yiyin_domain::authz::Operation::Supervise,
        &department_scope(&desk.jurisdiction, &desk.department),
    )?;
    let plans = page
        .app
        .plans_of(page.who(), &desk.jurisdiction, &desk.department)
        .await?;
    render(&InspectionsPage {
        chrome: page.chrome(&q.notice),
        ties: page.app.store.inspection_ties(&desk.jurisdiction).await?,
        desks: page.app.desks(page.who()),
        desk,
        plans,
        error,
        form,
        risks: Risk::options(),
        finding_kinds: FindingKind::options(),
    })
}

pub async fn inspections(page: Page, Query(q): Query<DeskQuery>) -> PageResult {
    inspections_page(&page, &q, String::new(), FormData::default()).await
}

pub async fn publish_plan(page: Page, form: RawForm) -> PageResult {
    page.check_csrf(&form)?;
    let form = form.raw;
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
        (Err(e), _) | (_, Err(e)) => return Tab::Inspections.again(&page, form, e).await,
    };
    let result = page.app.publish_plan(page.who(), &input).await;
    Tab::Inspections
        .settle(&page, form, result, |p| {
            (
                inspections_url(&p.jurisdiction, &p.department),
                format!(
                    "已公布抽查计划“{}”，名录摘要 {}；随机种子取自公布次日及以后首个经签章的每日链头，届时方可抽取",
                    p.title, p.pools_digest
                ),
            )
        })
        .await
}

pub async fn draw(
    page: PageFor<gate::Supervise>,
    Path(id): Path<i64>,
    form: RawForm,
) -> PageResult {
    page.check_csrf(&form)?;
    let result = page.app.draw_plan(page.who(), id).await;
    Tab::Inspections
        .settle(&page, form.raw, result, |p| {
            let picks = p.result.as_ref().map(|d| d.picks.len()).unwrap_or(0);
            (
                inspections_url(&p.jurisdiction, &p.department),
                format!("已抽取：{picks}户检查对象，已向社会公开"),
            )
        })
        .await
}

pub async fn cancel_plan(
    page: PageFor<gate::Supervise>,
    Path(id): Path<i64>,
    form: RawForm,
) -> PageResult {
    page.check_csrf(&form)?;
    let reason = form.raw.get("reason");
    let result = page.app.cancel_plan(page.who(), id, &reason).await;
    Tab::Inspections
        .settle(&page, form.raw, result, |p| {
            (
                inspections_url(&p.jurisdiction, &p.department),
                format!("已公开取消抽查计划“{}”", p.title),
            )
        })
        .await
}

pub async fn result(
    page: PageFor<gate::Supervise>,
    Path(id): Path<i64>,
    form: Form<InspectionResultInput>,
) -> PageResult {
    page.check_csrf(&form)?;
    let result = page.app.record_result(page.who(), id, &form.data).await;
    Tab::Inspections
        .settle(&page, form.raw, result, |p| {
            (
                inspections_url(&p.jurisdiction, &p.department),
                "已录入检查结果并向社会公开".to_string(),
            )
        })
        .await
}

pub async fn tie(page: Page, form: RawForm) -> PageResult {
    page.check_csrf(&form)?;
    let form = form.raw;
    let input = TieInput {
        jurisdiction: form.get("j"),
        department: form.get("d"),
        inspector: form.get("inspector"),
        holder_id: form.get("holder_id"),
        reason: form.get("reason"),
    };
    let result = page.app.declare_tie(page.who(), &input).await;
    let back = inspections_url(&input.jurisdiction, &input.department);
    Tab::Inspections
        .settle(&page, form, result, |_| {
            (
                back,
                "已登记回避关系；今后的抽取不会指派该检查人员检查该对象".into(),
            )
        })
        .await
}
