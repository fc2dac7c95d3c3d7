//! The staff's pages: the worklist (most urgent first, with green/yellow/red), the online-intake queue
//! with the days left in the five-day window, the window's intake form, the case page with its
//! materials, timeline, clock explanation and only the actions the user's role may take now, and the
//! head's page (extensions and decisions that wait for the head).

use askama::Template;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use yiyin_domain::authz::{self, Operation};
use yiyin_domain::calendar::{fmt_date, parse_date};
use yiyin_domain::catalog::{HandlingClass, Item};
use yiyin_domain::engine::{Action, CaseState, Clock, SuspensionKind, action_label};
use yiyin_domain::roles::Role;
use yiyin_store::attachments::Attachment;
use yiyin_store::cases::{CaseFilter, CaseRecord, NewCase};
use yiyin_store::events::Event;
use yiyin_store::{StoreError, cases::local_date};

use super::{
    Chrome, FieldErrors, FormData, PageError, PageResult, PageUser, redirect_with, render,
};
use crate::api::cases::{ApplicantInput, CaseLine, ListQuery, list_for};
use crate::error::AppError;
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct WorkQuery {
    #[serde(default)]
    pub tab: String,
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub notice: String,
}

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
}

/// My worklist, all open cases I may see, or closed ones.
pub async fn worklist(
    State(state): State<AppState>,
    user: PageUser,
    Query(q): Query<WorkQuery>,
) -> PageResult {
    user.require_staff()?;
    let tab = if q.tab.is_empty() {
        "mine".to_string()
    } else {
        q.tab.clone()
    };
    let list = ListQuery {
        mine: tab == "mine",
        role: None,
        state: (!q.state.is_empty()).then(|| q.state.clone()),
        q: (!q.q.is_empty()).then(|| q.q.clone()),
        all: tab == "closed",
        limit: Some(200),
        offset: None,
    };
    let mut lines = list_for(&state, &user.0, &list).await?;
    if tab == "closed" {
        lines.retain(|l| {
            matches!(
                l.state,
                CaseState::CertificateIssued | CaseState::Refused | CaseState::Withdrawn
            ) || (l.state == CaseState::Decided && l.next_role.is_none())
        });
    }
    let a = user.account();
    let mut roles: Vec<&str> = a.grants.iter().map(|g| g.role.label()).collect();
    roles.sort();
    roles.dedup();
    render(&WorklistPage {
        chrome: user.chrome(&q.notice),
        tab,
        q: q.q.clone(),
        state: q.state.clone(),
        states: CaseState::options(),
        lines,
        roles: roles.join("、"),
    })
}

pub struct QueueLine {
    pub id: i64,
    pub number: String,
    pub item_name: String,
    pub applicant: String,
    pub received_on: String,
    pub intake_due: String,
    pub days_left: i64,
    pub channel: String,
    /// The window or centre that received it.
    pub unit: String,
}

#[derive(Template)]
#[template(path = "work/queue.html")]
struct QueuePage {
    chrome: Chrome,
    lines: Vec<QueueLine>,
    /// The user's own window, if they work at one.
    my_unit: String,
    only_mine: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct QueueQuery {
    #[serde(default)]
    pub mine: String,
}

/// Applications waiting for an intake outcome (online first), with the working days left before they
/// are deemed accepted (Art. 32(4)).
pub async fn queue(
    State(state): State<AppState>,
    user: PageUser,
    Query(q): Query<QueueQuery>,
) -> PageResult {
    user.require_staff()?;
    let a = user.account();
    let my_unit = a
        .grants
        .iter()
        .find_map(|g| g.unit.clone())
        .unwrap_or_default();
    let only_mine = !q.mine.is_empty() && !my_unit.is_empty();
    let org = state.org();
    let mut jurisdictions: Vec<String> = a
        .grants
        .iter()
        .filter(|g| authz::role_may(g.role, Operation::Intake))
        .map(|g| g.jurisdiction.clone())
        .collect();
    jurisdictions.sort();
    jurisdictions.dedup();
    if jurisdictions.is_empty() {
        return Err(AppError::Forbidden("无权查看受理队列：您的岗位没有受理职责".into()).into());
    }
    let cal = state.calendar();
    let today = state.today();
    let mut lines = Vec::new();
    for s in [CaseState::Received, CaseState::AwaitingSupplement] {
        let filter = CaseFilter {
            jurisdictions: jurisdictions.clone(),
            state: Some(s),
            open_only: true,
            limit: 500,
            ..Default::default()
        };
        for c in state.store.list_cases(&filter).await? {
            if user.0.require(Operation::Intake, &c.scope()).is_err()
                || (only_mine && c.unit != my_unit)
            {
                continue;
            }
            let due = c.case.intake.due;
            let left = if s == CaseState::AwaitingSupplement {
                i64::MAX
            } else if today <= due {
                cal.between(today, due).map(i64::from).unwrap_or(0)
            } else {
                -1
            };
            lines.push(QueueLine {
                id: c.id,
                number: c.number.clone(),
                item_name: c.item_name.clone(),
                applicant: c.applicant.name.clone(),
                received_on: fmt_date(c.case.received_on),
                intake_due: if s == CaseState::AwaitingSupplement {
                    "待申请人补正".into()
                } else {
                    fmt_date(due)
                },
                days_left: left,
                channel: c.channel.label().into(),
                unit: unit_name(&org, &c.jurisdiction, &c.unit),
            });
        }
    }
    lines.sort_by_key(|l| (l.days_left, l.id));
    let my_unit = unit_name(
        &org,
        a.grants.first().map_or("", |g| g.jurisdiction.as_str()),
        &my_unit,
    );
    render(&QueuePage {
        chrome: user.chrome(""),
        lines,
        my_unit,
        only_mine,
    })
}

/// The name of a window, township centre or village point.
fn unit_name(org: &yiyin_domain::org::Organisation, jurisdiction: &str, unit: &str) -> String {
    if unit.is_empty() {
        return String::new();
    }
    let Some(j) = org.jurisdiction(jurisdiction) else {
        return unit.to_string();
    };
    j.halls
        .iter()
        .flat_map(|h| h.windows.iter())
        .find(|w| w.code == unit)
        .map(|w| w.name.clone())
        .or_else(|| j.township(unit).map(|t| t.name()))
        .or_else(|| {
            j.townships
                .iter()
                .flat_map(|t| t.villages.iter())
                .find(|v| v.code == unit)
                .map(|v| v.name.clone())
        })
        .unwrap_or_else(|| unit.to_string())
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
                    t.with_timezone(&yiyin_domain::rehearse::cst())
                        .format("%Y-%m-%d %H:%M")
                        .to_string()
                })
                .unwrap_or_default(),
            label: step_label(e),
            actor: e.actor.clone(),
            channel: yiyin_store::cases::Channel::parse(&e.channel)
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
    action_label(&e.action).to_string()
}

/// A material as shown on the case page.
pub struct MaterialRow {
    pub code: String,
    pub name: String,
    pub required: bool,
    pub deferrable: bool,
    pub provided: bool,
    pub files: Vec<Attachment>,
}

pub fn material_rows(record: &CaseRecord, files: &[Attachment]) -> Vec<MaterialRow> {
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
            files: files
                .iter()
                .filter(|f| f.material_code == m.code)
                .cloned()
                .collect(),
        })
        .collect()
}

pub struct DocLink {
    pub id: i64,
    pub title: String,
    pub number: String,
    pub issued_on: String,
}

impl DocLink {
    /// The documents a case issued, oldest first. Shared by the staff's and the applicant's pages.
    pub async fn of_case(state: &AppState, case_id: i64) -> Result<Vec<DocLink>, StoreError> {
        Ok(state
            .store
            .case_documents(case_id)
            .await?
            .into_iter()
            .map(|d| DocLink {
                id: d.id,
                title: d.record.title,
                number: d.record.number,
                issued_on: fmt_date(d.record.issued_on),
            })
            .collect())
    }
}

#[derive(Template)]
#[template(path = "work/case.html")]
struct CasePage {
    chrome: Chrome,
    /// The licence the case issued (its newest version), if any.
    licence: Option<String>,
    /// Deferred materials past their date: (code, due, warning).
    late: Vec<(String, chrono::NaiveDate, String)>,
    c: CaseRecord,
    department: String,
    clock: Option<Clock>,
    clock_error: String,
    light: String,
    materials: Vec<MaterialRow>,
    timeline: Vec<TimelineRow>,
    documents: Vec<DocLink>,
    actions: Vec<String>,
    /// The step the case waits for, if any.
    step_name: String,
    step_kind: String,
    step_two_staff: bool,
    suspension_kinds: Vec<(&'static str, &'static str)>,
    joint: bool,
    error: String,
    form_action: String,
    form: FormData,
}

impl CasePage {
    fn can(&self, action: &str) -> bool {
        self.actions.iter().any(|a| a == action)
    }

    /// A value typed into the failed form of `action`, to show it again.
    fn typed(&self, action: &str, field: &str) -> String {
        if self.form_action == action {
            self.form.get(field)
        } else {
            String::new()
        }
    }
}

async fn case_page_for(
    state: &AppState,
    user: &PageUser,
    id: i64,
    notice: &str,
    error: &str,
    form_action: &str,
    form: FormData,
) -> PageResult {
    user.require_staff()?;
    let c = state.store.case(id).await?;
    user.0.may_view(&c)?;
    let (clock, clock_error) = match c.clock(&state.calendar(), state.today()) {
        Ok(k) => (Some(k), String::new()),
        Err(e) => (None, e.to_string()),
    };
    let light = clock
        .as_ref()
        .map(|k| {
            serde_json::to_value(k.light)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        })
        .unwrap_or_default();
    let files = state.store.attachments(id).await?;
    let events = state.store.case_events(id).await?;
    let documents = DocLink::of_case(state, id).await?;
    let view_actions = crate::api::cases::allowed_actions(&user.0, &c);
    let step = c.case.pending_step(&c.item).cloned();
    let org = state.org();
    let department = org
        .jurisdiction(&c.jurisdiction)
        .and_then(|j| j.department(&c.department).map(|d| d.name.clone()))
        .unwrap_or_else(|| c.department.clone());
    let licence = state
        .store
        .licence_of_case(c.id)
        .await?
        .map(|l| l.identifier);
    render(&CasePage {
        licence,
        chrome: user.chrome(notice),
        late: c.deferred_warnings(state.today()),
        department,
        clock,
        clock_error,
        light,
        materials: material_rows(&c, &files),
        timeline: timeline(&events),
        documents,
        actions: view_actions,
        step_name: step.as_ref().map(|s| s.name.clone()).unwrap_or_default(),
        step_kind: step
            .as_ref()
            .map(|s| s.kind.code().to_string())
            .unwrap_or_default(),
        step_two_staff: step.as_ref().is_some_and(|s| {
            matches!(
                s.kind,
                yiyin_domain::catalog::StepKind::Verification
                    | yiyin_domain::catalog::StepKind::SiteInspection
            )
        }),
        suspension_kinds: SuspensionKind::options(),
        joint: c.item.joint,
        error: error.to_string(),
        form_action: form_action.to_string(),
        form,
        c,
    })
}

pub async fn case_page(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Query(q): Query<super::Notice>,
) -> PageResult {
    case_page_for(&state, &user, id, &q.notice, "", "", FormData::default()).await
}

/// A closed case's archive package, for staff whose duty covers it.
pub async fn archive(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
) -> PageResult {
    Ok(crate::archiving::download(&state, &user.0, id).await?)
}

/// Builds an engine action from an action form. Shared by the staff's and the applicant's pages.
pub fn action_from_form(
    form: &FormData,
    step_kind: Option<yiyin_domain::catalog::StepKind>,
) -> Result<Action, String> {
    let reason = form.get("reason");
    Ok(match form.get("action").as_str() {
        "notify_supplement" => Action::NotifySupplement {
            missing: form.all("materials"),
        },
        "supplement" => Action::Supplement {
            materials: form.all("materials"),
        },
        "correct" => Action::Correct {
            note: form.get("note"),
        },
        "accept" => Action::Accept,
        "accept_deferred" => {
            let due = form.get("due");
            let due = if due.is_empty() {
                None
            } else {
                Some(parse_date(&due).map_err(|e| format!("补交日期：{e}"))?)
            };
            Action::AcceptDeferred {
                deferred: form.all("materials"),
                due,
            }
        }
        "accept_on_commitment" => Action::AcceptOnCommitment {
            commitment: form.get("commitment"),
        },
        "refuse" => Action::Refuse {
            reason,
            redirect_to: Some(form.get("redirect_to")).filter(|r| !r.is_empty()),
        },
        "not_needed" => Action::NotNeeded { reason },
        "complete_step" => Action::CompleteStep {
            kind: step_kind.ok_or("本件没有待办理的环节")?,
            staff: form.all("staff"),
            opinion: form.get("opinion"),
        },
        "suspend" => {
            let days = form.get("expected_days");
            let expected_days = if days.is_empty() {
                None
            } else {
                Some(
                    days.parse::<u32>()
                        .map_err(|_| format!("预计天数「{days}」应为正整数"))?,
                )
            };
            Action::Suspend {
                kind: form.get("kind"),
                reason,
                expected_days,
            }
        }
        "resume" => Action::Resume,
        "extend" => Action::Extend {
            reason,
            approved_by: form.get("approved_by"),
        },
        "decide" => match form.get("approve").as_str() {
            "yes" => Action::Decide {
                approve: true,
                reason,
            },
            "no" => Action::Decide {
                approve: false,
                reason,
            },
            _ => return Err("请选择准予许可或不予许可".into()),
        },
        "issue_certificate" => Action::IssueCertificate,
        "withdraw" => Action::Withdraw { reason },
        other => return Err(format!("未知的操作「{other}」")),
    })
}

/// Takes an action from the case page; on refusal shows the page again with the rule and what was typed.
pub async fn act(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    form: FormData,
) -> PageResult {
    user.require_staff()?;
    user.check_csrf(&form)?;
    let c = state.store.case(id).await?;
    let step = c.case.pending_step(&c.item).map(|s| s.kind);
    let action = match action_from_form(&form, step) {
        Ok(a) => a,
        Err(e) => return fail(&state, &user, id, &e, &form).await,
    };
    user.0.require(authz::operation_for(&action), &c.scope())?;
    let version = form.get("version").parse().ok();
    let result = state
        .act(id, version, &action, &user.0.actor(&state.org()))
        .await;
    match result {
        Ok(updated) => Ok(redirect_with(
            &format!("/work/cases/{id}"),
            &format!(
                "已{}。{}",
                action.label(),
                match updated.next_role {
                    Some(r) => format!("下一步由{}办理。", r.label()),
                    None => "本件已办结。".to_string(),
                }
            ),
        )),
        Err(StoreError::Refused(r)) => fail(&state, &user, id, &r.message, &form).await,
        Err(StoreError::Conflict(m)) => fail(&state, &user, id, &m, &form).await,
        Err(StoreError::Calendar(e)) => fail(&state, &user, id, &e.to_string(), &form).await,
        Err(e) => Err(e.into()),
    }
}

async fn fail(
    state: &AppState,
    user: &PageUser,
    id: i64,
    message: &str,
    form: &FormData,
) -> PageResult {
    let mut resp = case_page_for(
        state,
        user,
        id,
        "",
        message,
        &form.get("action"),
        form.clone(),
    )
    .await?;
    *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(resp)
}

#[derive(Debug, Default, Deserialize)]
pub struct IntakeQuery {
    #[serde(default)]
    pub j: String,
    #[serde(default)]
    pub item: String,
    #[serde(default)]
    pub find: String,
}

#[derive(Template)]
#[template(path = "work/intake.html")]
struct IntakePage {
    chrome: Chrome,
    jurisdictions: Vec<(String, String)>,
    j: String,
    find: String,
    items: Vec<(String, String)>,
    item: Option<Item>,
    key: String,
    form: FormData,
    errors: FieldErrors,
    general: String,
}

impl IntakePage {
    fn checked(&self, code: &str) -> bool {
        self.form
            .0
            .iter()
            .any(|(k, v)| k == "materials" && v == code)
    }

    fn has_deferrable(&self) -> bool {
        self.item
            .as_ref()
            .is_some_and(|i| i.materials.iter().any(|m| m.deferrable))
    }

    fn outcome_is(&self, o: &str) -> bool {
        let chosen = self.form.get("outcome");
        if chosen.is_empty() {
            o == "accept"
        } else {
            chosen == o
        }
    }
}

fn clerk_jurisdictions(user: &PageUser, state: &AppState) -> Vec<(String, String)> {
    let org = state.org();
    let mut v: Vec<(String, String)> = user
        .account()
        .grants
        .iter()
        .filter(|g| authz::role_may(g.role, Operation::Receive))
        .filter_map(|g| {
            org.jurisdiction(&g.jurisdiction)
                .map(|j| (j.code.clone(), j.name.clone()))
        })
        .collect();
    v.sort();
    v.dedup();
    v
}

async fn intake_page(
    state: &AppState,
    user: &PageUser,
    q: &IntakeQuery,
    form: FormData,
    errors: FieldErrors,
    general: String,
) -> PageResult {
    let jurisdictions = clerk_jurisdictions(user, state);
    if jurisdictions.is_empty() {
        return Err(AppError::Forbidden("无权收件：您的岗位没有窗口受理职责".into()).into());
    }
    let j = if jurisdictions.iter().any(|x| x.0 == q.j) {
        q.j.clone()
    } else {
        jurisdictions[0].0.clone()
    };
    let catalog = state.store.catalog_as_of(&j, state.today()).await?;
    let find = q.find.trim().to_string();
    let items: Vec<(String, String)> = catalog
        .iter()
        .filter(|v| find.is_empty() || v.item.name.contains(&find) || v.item.code.contains(&find))
        .filter(|v| {
            user.0
                .require(
                    Operation::Receive,
                    &yiyin_domain::authz::Scope {
                        jurisdiction: j.clone(),
                        department: v.item.department.clone(),
                        supervising_department: v.item.supervising_department.clone(),
                        handling_mode: v.item.handling_mode,
                        instant: v.item.handling_class == HandlingClass::Instant,
                    },
                )
                .is_ok()
        })
        .map(|v| (v.item.code.clone(), v.item.name.clone()))
        .collect();
    let item = catalog
        .into_iter()
        .find(|v| v.item.code == q.item)
        .map(|v| v.item);
    render(&IntakePage {
        chrome: user.chrome(""),
        jurisdictions,
        j,
        find,
        items,
        item,
        key: if form.get("key").is_empty() {
            yiyin_store::crypto::random_token()
        } else {
            form.get("key")
        },
        form,
        errors,
        general,
    })
}

pub async fn intake_form(
    State(state): State<AppState>,
    user: PageUser,
    Query(q): Query<IntakeQuery>,
) -> PageResult {
    user.require_staff()?;
    intake_page(
        &state,
        &user,
        &q,
        FormData::default(),
        FieldErrors::default(),
        String::new(),
    )
    .await
}

/// Receives an application at the window and takes its Art. 32 outcome in one go.
pub async fn intake(State(state): State<AppState>, user: PageUser, form: FormData) -> PageResult {
    user.require_staff()?;
    user.check_csrf(&form)?;
    let q = IntakeQuery {
        j: form.get("j"),
        item: form.get("item"),
        find: String::new(),
    };
    let mut errors = FieldErrors::default();
    let input = ApplicantInput {
        kind: form.get("kind"),
        name: form.get("name"),
        id_number: form.get("id_number"),
        phone: form.get("phone"),
    };
    let applicant = match crate::api::cases::applicant_from(&input) {
        Ok(a) => Some(a),
        Err(e) => {
            let m = e.to_string();
            let field = if m.contains("号码") || m.contains("代码") {
                "id_number"
            } else if m.contains("类型") {
                "kind"
            } else {
                "name"
            };
            errors.add(field, m);
            None
        }
    };
    let outcome = form.get("outcome");
    let item = state
        .store
        .active_item(&q.j, &q.item, state.today())
        .await
        .map_err(PageError::from)?
        .item;
    let scope = yiyin_domain::authz::Scope {
        jurisdiction: q.j.clone(),
        department: item.department.clone(),
        supervising_department: item.supervising_department.clone(),
        handling_mode: item.handling_mode,
        instant: item.handling_class == HandlingClass::Instant,
    };
    user.0.require(Operation::Receive, &scope)?;
    let provided = form.all("materials");
    let missing: Vec<String> = item
        .required_materials()
        .filter(|m| !provided.contains(&m.code))
        .map(|m| m.code.clone())
        .collect();
    let outcome_action = match outcome.as_str() {
        "receive" => None,
        "accept" => Some(Action::Accept),
        "supplement" => Some(Action::NotifySupplement {
            missing: missing.clone(),
        }),
        "defer" => {
            let due = form.get("due");
            match parse_date(&due) {
                Ok(d) => Some(Action::AcceptDeferred {
                    deferred: missing.clone(),
                    due: Some(d),
                }),
                Err(e) => {
                    errors.add("due", e.to_string());
                    None
                }
            }
        }
        "commitment" => Some(Action::AcceptOnCommitment {
            commitment: "申请人书面承诺符合许可条件".into(),
        }),
        "refuse" => Some(Action::Refuse {
            reason: form.get("reason"),
            redirect_to: Some(form.get("redirect_to")).filter(|r| !r.is_empty()),
        }),
        "not_needed" => Some(Action::NotNeeded {
            reason: form.get("reason"),
        }),
        _ => {
            errors.add("outcome", "请选择受理结果");
            None
        }
    };
    if outcome == "supplement" && missing.is_empty() {
        errors.add("outcome", "材料已齐全，无需告知补正");
    }
    if matches!(outcome.as_str(), "refuse" | "not_needed") && form.get("reason").is_empty() {
        errors.add(
            "reason",
            "不予受理或告知不受理须写明理由（《行政许可法》第三十二条、第三十八条）",
        );
    }
    let Some(applicant) = applicant.filter(|_| errors.is_empty()) else {
        return retry(&state, &user, &q, form, errors, String::new()).await;
    };
    let unit = user
        .account()
        .grants
        .iter()
        .find(|g| g.jurisdiction == q.j && g.role == Role::WindowClerk)
        .and_then(|g| g.unit.clone())
        .unwrap_or_default();
    let new = NewCase {
        jurisdiction: q.j.clone(),
        item_code: q.item.clone(),
        applicant,
        materials: provided,
        unit,
        idempotency_key: Some(format!("{}:{}", user.account().id, form.get("key"))),
    };
    let actor = user.0.actor(&state.org());
    let (case, created) = match state.create_case(&new, &actor).await {
        Ok(r) => r,
        Err(StoreError::Rejected(m))
        | Err(StoreError::Refused(yiyin_domain::engine::Refusal { message: m, .. })) => {
            return retry(&state, &user, &q, form, errors, m).await;
        }
        Err(e) => return Err(e.into()),
    };
    if created
        && let Some(action) = outcome_action
        && let Err(e) = state
            .act(case.id, Some(case.version), &action, &actor)
            .await
    {
        let m = match e {
            StoreError::Refused(r) => r.message,
            other => other.to_string(),
        };
        return Ok(redirect_with(
            &format!("/work/cases/{}", case.id),
            &format!("已收件（{}），但{}未完成：{m}", case.number, action.label()),
        ));
    }
    Ok(redirect_with(
        &format!("/work/cases/{}", case.id),
        &format!("已收件，办件编号 {}；请打印凭证交申请人", case.number),
    ))
}

async fn retry(
    state: &AppState,
    user: &PageUser,
    q: &IntakeQuery,
    form: FormData,
    errors: FieldErrors,
    general: String,
) -> PageResult {
    let mut resp = intake_page(state, user, q, form, errors, general).await?;
    *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(resp)
}

#[derive(Template)]
#[template(path = "work/head.html")]
struct HeadPage {
    chrome: Chrome,
    extension: Vec<CaseLine>,
    decisions: Vec<CaseLine>,
    overdue: Vec<CaseLine>,
}

/// The head's page: cases near their statutory limit without an extension (approve one if the law
/// allows), decisions waiting for the head, and overdue cases.
pub async fn head(State(state): State<AppState>, user: PageUser) -> PageResult {
    user.require_staff()?;
    if !user.account().has_role(Role::BureauHead) {
        return Err(AppError::Forbidden("此页面供局长使用".into()).into());
    }
    let list = ListQuery {
        mine: false,
        role: None,
        state: None,
        q: None,
        all: false,
        limit: Some(500),
        offset: None,
    };
    let lines = list_for(&state, &user.0, &list).await?;
    let mut extension = Vec::new();
    let mut decisions = Vec::new();
    let mut overdue = Vec::new();
    for l in lines {
        if l.days_left.is_some_and(|d| d < 0) {
            overdue.push(l);
        } else if l.next_role == Some(Role::BureauHead) {
            decisions.push(l);
        } else if l.days_left.is_some_and(|d| d <= 5)
            && matches!(l.state, CaseState::Accepted | CaseState::Suspended)
        {
            let c = state.store.case(l.id).await?;
            if c.case.extension.is_none() && !c.item.instant {
                extension.push(l);
            }
        }
    }
    render(&HeadPage {
        chrome: user.chrome(""),
        extension,
        decisions,
        overdue,
    })
}

/// Today in China Standard Time for a timestamp (for templates).
pub fn day_of(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| fmt_date(local_date(t)))
        .unwrap_or_default()
}
