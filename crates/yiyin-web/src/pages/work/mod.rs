//! The staff's pages: the worklist (most urgent first, with green/yellow/red), the online-intake queue
//! with the days left in the five-day window, the head's page (extensions and decisions that wait for
//! the head); the case page ([`case`]) and the window's intake form ([`intake`]).

pub mod case;
pub mod intake;
pub mod lookup;
pub mod receipt;
pub mod shared;

use crate::pages::Query;
use askama::Template;
use serde::Deserialize;
use yiyin_app::cases::{CaseLine, CaseView, DocumentSummary, IntakeQueue, Worklist};
use yiyin_domain::calendar::{fmt_date, local_date};
use yiyin_domain::engine::{CaseState, Clock};
use yiyin_domain::event_names::event_label;
use yiyin_domain::party::{ApplicantShown, Channel};
use yiyin_domain::roles::Role;
use yiyin_store::attachments::Attachment;
use yiyin_store::cases::CaseRecord;
use yiyin_store::events::Event;
use yiyin_store::shared_materials::SharedMaterial;

use super::{Chrome, Page, PageResult, render};
use crate::error::AppError;

pub use case::{act, archive, case_page, reveal, supplement};
pub use intake::{intake, intake_form};
pub use lookup::look_up_applicant;
pub use receipt::receipt;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WorkQuery {
    pub tab: String,
    pub q: String,
    pub state: String,
    pub notice: String,
    /// The page after this cursor (empty: the first page).
    pub after: String,
}

/// Cases a page of the worklist shows.
const WORKLIST_PAGE: i64 = 100;

#[derive(Template)]
#[template(path = "work/list.html")]
struct WorklistPage {
    chrome: Chrome,
    tab: String,
    q: String,
    state: String,
    states: Vec<(&'static str, &'static str)>,
    lines: Vec<CaseLine>,
    roles: String,
    /// The first page's address (the same tab and filters).
    first: String,
    /// The next page's address; None on the last page.
    next: Option<String>,
    /// Whether this is a later page.
    paged: bool,
}

/// My worklist, all open cases I may see, or closed ones.
pub async fn worklist(page: Page, Query(q): Query<WorkQuery>) -> PageResult {
    page.require_staff()?;
    let tab = if q.tab.is_empty() {
        "mine".to_string()
    } else {
        q.tab.clone()
    };
    let list = Worklist {
        mine: tab == "mine",
        role: None,
        state: CaseState::parse(&q.state),
        text: (!q.q.is_empty()).then(|| q.q.clone()),
        all: tab == "closed",
        finished: tab == "closed",
        limit: WORKLIST_PAGE,
        offset: 0,
        after: q.after.clone(),
    };
    let list = page.app.worklist(page.who(), &list).await?;
    let address = |after: &str| {
        yiyin_app::query_url(
            "/work",
            &[
                ("tab", tab.as_str()),
                ("q", q.q.as_str()),
                ("state", q.state.as_str()),
                ("after", after),
            ],
        )
    };
    let mut roles: Vec<&str> = page
        .account()
        .grants
        .iter()
        .map(|g| g.role.label())
        .collect();
    roles.sort();
    roles.dedup();
    let first = address("");
    let next = list.next.as_deref().map(address);
    render(&WorklistPage {
        chrome: page.chrome(&q.notice),
        tab,
        q: q.q.clone(),
        state: q.state.clone(),
        states: CaseState::options(),
        lines: list.lines,
        roles: roles.join("、"),
        first,
        next,
        paged: !q.after.trim().is_empty(),
    })
}

#[derive(Template)]
#[template(path = "work/queue.html")]
struct QueuePage {
    chrome: Chrome,
    queue: yiyin_app::cases::QueuePage,
    /// The first page's and the next page's addresses (None on the last page).
    first: String,
    next: Option<String>,
    /// Whether this is a later page.
    paged: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct QueueQuery {
    pub mine: String,
    /// The page after this cursor (empty: the first page).
    pub after: String,
}

/// Applications a page of the intake queue lists.
const QUEUE_PAGE: i64 = 100;

/// Applications waiting for an intake outcome, in the order their intake windows end, with the
/// working days left before they are deemed accepted (Art. 32(4)).
pub async fn queue(page: Page, Query(q): Query<QueueQuery>) -> PageResult {
    page.require_staff()?;
    let asked = IntakeQueue {
        only_mine: !q.mine.is_empty(),
        limit: QUEUE_PAGE,
        after: q.after.clone(),
    };
    let queue = page.app.intake_queue(page.who(), &asked).await?;
    let mine = if queue.only_mine { "1" } else { "" };
    let address =
        |after: &str| yiyin_app::query_url("/work/queue", &[("mine", mine), ("after", after)]);
    render(&QueuePage {
        chrome: page.chrome(""),
        first: address(""),
        next: queue.next.as_deref().map(address),
        paged: !q.after.trim().is_empty(),
        queue,
    })
}

/// One event of the timeline as shown.
pub struct TimelineRow {
    pub time: String,
    pub label: String,
    pub actor: String,
    pub channel: String,
    pub reason: String,
}

pub fn timeline(events: &[Event]) -> Vec<TimelineRow> {
    events
        .iter()
        .map(|e| TimelineRow {
            time: chrono::DateTime::from_timestamp_millis(e.at)
                .map(|t| {
                    t.with_timezone(&yiyin_domain::calendar::cst())
                        .format("%Y-%m-%d %H:%M")
                        .to_string()
                })
                .unwrap_or_default(),
            label: step_label(e),
            actor: e.actor.clone(),
            channel: Channel::parse(&e.channel)
                .map(|c| c.label())
                .unwrap_or("")
                .to_string(),
            reason: e.reason.clone(),
        })
        .collect()
}

/// The Chinese label of an event, naming the step for step events.
fn step_label(e: &Event) -> String {
    if e.action == "complete_step"
        && let Ok(v) = serde_json::from_str::<serde_json::Value>(&e.data)
        && let Some(k) = v["kind"]
            .as_str()
            .and_then(yiyin_domain::catalog::StepKind::parse)
    {
        return format!("完成“{}”环节", k.label());
    }
    event_label(&e.action)
}

/// A material as shown on the case page.
pub struct MaterialRow {
    pub code: String,
    pub name: String,
    pub required: bool,
    pub deferrable: bool,
    pub provided: bool,
    /// Missing at acceptance but not asked for by the supplement notice (Art. 32 para 1 (5)).
    pub not_requested: bool,
    pub files: Vec<Attachment>,
    /// Fetched from shared data or the licence register, not asked of the applicant (免提交).
    pub fetched: bool,
    /// The latest attempt to fetch it, if any.
    pub shared: Option<SharedShown>,
    /// Why the clerk asked the applicant for it instead, if so.
    pub fallback: String,
}

/// The latest attempt to fetch a shared material, as the case pages show it.
pub struct SharedShown {
    pub fetched: bool,
    pub answered_by: String,
    pub document_no: String,
    pub issued_by: String,
    pub valid_until: String,
    pub time: String,
    pub problem: String,
}

impl SharedShown {
    fn of(s: &SharedMaterial) -> SharedShown {
        let record: Option<yiyin_domain::engine::SharedRecord> =
            serde_json::from_str(&s.record).ok();
        SharedShown {
            fetched: s.outcome == "fetched",
            answered_by: s.answered_by.clone(),
            document_no: s.document_no.clone(),
            issued_by: record
                .as_ref()
                .map(|r| r.issued_by.clone())
                .unwrap_or_default(),
            valid_until: record
                .and_then(|r| r.valid_until)
                .map(fmt_date)
                .unwrap_or_else(|| "长期".into()),
            time: minute(s.fetched_at),
            problem: s.problem.clone(),
        }
    }
}

/// A time in milliseconds as China Standard Time to the minute.
fn minute(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| {
            t.with_timezone(&yiyin_domain::calendar::cst())
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

pub fn material_rows(
    record: &CaseRecord,
    files: &[Attachment],
    shared: &[SharedMaterial],
) -> Vec<MaterialRow> {
    record
        .item
        .materials
        .iter()
        .map(|m| MaterialRow {
            code: m.code.clone(),
            name: m.name.clone(),
            required: m.required,
            deferrable: m.deferrable,
            provided: record.case.provided.contains(&m.code),
            not_requested: record.case.not_requested.contains(&m.code),
            files: files
                .iter()
                .filter(|f| f.material_code == m.code)
                .cloned()
                .collect(),
            fetched: m.fetched,
            shared: shared
                .iter()
                .rfind(|s| s.material_code == m.code)
                .map(SharedShown::of),
            fallback: record
                .case
                .fallbacks
                .iter()
                .find(|f| f.code == m.code)
                .map(|f| f.reason.clone())
                .unwrap_or_default(),
        })
        .collect()
}

/// What the staff's and the applicant's case pages both show: the case with its clock (or why it
/// cannot be computed), materials and their files, timeline and documents, the licence it issued
/// (its newest version), the deferred materials past their date, and the actions the reader may
/// take now.
pub struct CaseShown {
    pub c: CaseRecord,
    /// The applicant as the reader may see them (ID number and phone masked for those who only
    /// watch the case, until opened with 查看完整信息); the page shows this, never `c.applicant`.
    pub applicant: ApplicantShown,
    /// Who acted for the applicant (经办人/代理人, 法定代表人（负责人）), the agent masked as the
    /// applicant is.
    pub representation: yiyin_domain::agent::RepresentationShown,
    /// The files of a mandate (授权委托书) the item's list does not name.
    pub mandate_files: Vec<Attachment>,
    pub clock: Option<Clock>,
    pub clock_error: String,
    /// The provisional clock's note (暂定), empty when the clock is final.
    pub clock_provisional: String,
    /// The clock's traffic light: green, yellow or red ("" without a clock).
    pub light: String,
    pub licence: Option<String>,
    /// Deferred materials past their date: (code, due, warning).
    pub late: Vec<(String, chrono::NaiveDate, String)>,
    pub materials: Vec<MaterialRow>,
    pub timeline: Vec<TimelineRow>,
    pub documents: Vec<DocumentSummary>,
    pub actions: Vec<String>,
    /// The application form's data as received (一张表单), field by field.
    pub form: Vec<yiyin_domain::catalog::form::ShownField>,
    /// The bundle (一件事) the case is a member item of, if any.
    pub bundle: Option<yiyin_app::bundles::BundleRef>,
    /// To the applicant of a bundle's member case before the bundle's release: 「一件事全部办结后
    /// 统一出件」 (its decision and licence are not listed until then).
    pub result_held: Option<String>,
    /// The case's state as the reader is shown it.
    pub state_label: String,
}

impl CaseShown {
    /// A case as the page's reader may see it.
    pub async fn load(page: &Page, id: i64) -> Result<CaseShown, AppError> {
        let record = page.app.case_for(page.who(), id).await?;
        let view = page.app.case_view(page.who(), record).await?;
        Self::of(page, id, view).await
    }

    /// The same, opened with the applicant's details in full (查看完整信息, recorded).
    pub async fn revealed(page: &Page, id: i64) -> Result<CaseShown, AppError> {
        let view = page.app.reveal(page.who(), id).await?;
        Self::of(page, id, view).await
    }

    async fn of(page: &Page, id: i64, view: CaseView) -> Result<CaseShown, AppError> {
        let app = &page.app;
        let c = view.record;
        let light = view
            .clock
            .as_ref()
            .and_then(|k| serde_json::to_value(k.light).ok())
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let files = app.store.attachments(id).await?;
        let shared = app.store.shared_materials(id).await?;
        let licence = app.store.licence_of_case(c.id).await?;
        let form = app.case_form(&c, view.applicant.masked).await?;
        Ok(CaseShown {
            bundle: view.bundle,
            form,
            // A bundle's member licence is out with the bundle's release only (统一出件).
            licence: licence
                .filter(|_| view.result_held.is_none())
                .map(|l| l.identifier),
            result_held: view.result_held,
            state_label: view.state_label,
            late: c.case.deferred_warnings(&c.item, app.today()),
            materials: material_rows(&c, &files, &shared),
            mandate_files: files
                .iter()
                .filter(|f| f.material_code == yiyin_domain::agent::MANDATE_MATERIAL)
                .cloned()
                .collect(),
            timeline: timeline(&view.events),
            clock: view.clock,
            clock_error: view.clock_error.unwrap_or_default(),
            clock_provisional: view.clock_provisional.unwrap_or_default(),
            light,
            documents: view.documents,
            actions: view.allowed_actions,
            applicant: view.applicant,
            representation: view.representation,
            c,
        })
    }
}

#[derive(Template)]
#[template(path = "work/head.html")]
struct HeadPage {
    chrome: Chrome,
    extension: Vec<CaseLine>,
    decisions: Vec<CaseLine>,
    overdue: Vec<CaseLine>,
    /// Whether more cases wait for the head than listed.
    more_decisions: bool,
    /// Whether more open cases than the most urgent gone through remain (overdue or near their
    /// limit among them possibly).
    more_urgent: bool,
}

/// How many cases of each list the head's page goes through: the decisions waiting for the head,
/// and the most urgent open cases (for the overdue and those near their limit).
const HEAD_PAGE: i64 = 500;

/// The head's page: cases near their statutory limit without an extension (5 working days or
/// fewer left, whatever the item's unit: the head approves on a working day before the limit;
/// approve one if the law allows), decisions waiting for the head, and overdue cases.
pub async fn head(page: Page) -> PageResult {
    page.require_staff()?;
    if !page.account().has_role(Role::BureauHead) {
        return Err(AppError::Forbidden("此页面供局长使用".into()).into());
    }
    let overdue_line = |l: &CaseLine| l.days_left.is_some_and(|d| d < 0);
    // The decisions waiting for the head, in a list of their own: however many cases are more
    // urgent, none is left out.
    let waiting = Worklist {
        role: Some(Role::BureauHead),
        limit: HEAD_PAGE,
        ..Default::default()
    };
    let waiting = page.app.worklist(page.who(), &waiting).await?;
    let decisions: Vec<CaseLine> = waiting
        .lines
        .into_iter()
        .filter(|l| !overdue_line(l))
        .collect();
    let urgent = Worklist {
        limit: HEAD_PAGE,
        ..Default::default()
    };
    let urgent = page.app.worklist(page.who(), &urgent).await?;
    let mut extension = Vec::new();
    let mut overdue = Vec::new();
    for l in urgent.lines {
        if overdue_line(&l) {
            overdue.push(l);
        } else if l.next_role == Some(Role::BureauHead) {
            // Listed with the decisions.
        } else if l.working_days_left.is_some_and(|d| d <= 5)
            && matches!(l.state, CaseState::Accepted | CaseState::Suspended)
        {
            let c = page.app.store.case(l.id).await?;
            if c.case.extension_possible(&c.item) {
                extension.push(l);
            }
        }
    }
    render(&HeadPage {
        chrome: page.chrome(""),
        extension,
        decisions,
        overdue,
        more_decisions: waiting.next.is_some(),
        more_urgent: urgent.next.is_some(),
    })
}

/// Today in China Standard Time for a timestamp (for templates).
pub fn day_of(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| fmt_date(local_date(t)))
        .unwrap_or_default()
}
