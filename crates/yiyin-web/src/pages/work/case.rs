//! The case page for staff: its materials, timeline, clock explanation and only the actions the
//! user's role may take now; taking an action from its form; the archive package of a closed case.

use askama::Template;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use yiyin_app::App;
use yiyin_app::cases::ActOn;
use yiyin_app::cases::views::allowed_actions;
use yiyin_domain::calendar::parse_date;
use yiyin_domain::catalog::StepKind;
use yiyin_domain::engine::{Action, Clock, SuspensionKind};
use yiyin_store::cases::CaseRecord;

use super::{DocLink, MaterialRow, TimelineRow, material_rows, timeline};
use crate::error::AppError;
use crate::pages::{
    Chrome, Form, FormData, PageResult, PageUser, file_response, redirect_with, render,
};

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
    state: &App,
    user: &PageUser,
    id: i64,
    notice: &str,
    error: &str,
    form_action: &str,
    form: FormData,
) -> PageResult {
    user.require_staff()?;
    let c = state.case_for(user.who(), id).await?;
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
    let view_actions = allowed_actions(user.who(), &c);
    let step = c.case.pending_step(&c.item).cloned();
    let org = state.org();
    let department = org
        .jurisdiction(&c.jurisdiction)
        .map_or(c.department.clone(), |j| j.department_name(&c.department));
    let licence = state
        .store
        .licence_of_case(c.id)
        .await?
        .map(|l| l.identifier);
    render(&CasePage {
        licence,
        chrome: user.chrome(notice),
        late: c.case.deferred_warnings(&c.item, state.today()),
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
        step_two_staff: step.as_ref().is_some_and(|s| s.kind.needs_two_staff()),
        suspension_kinds: SuspensionKind::options(),
        joint: c.item.joint,
        error: error.to_string(),
        form_action: form_action.to_string(),
        form,
        c,
    })
}

pub async fn case_page(
    State(state): State<App>,
    user: PageUser,
    Path(id): Path<i64>,
    Query(q): Query<crate::pages::Notice>,
) -> PageResult {
    case_page_for(&state, &user, id, &q.notice, "", "", FormData::default()).await
}

/// A closed case's archive package, for staff whose duty covers it.
pub async fn archive(State(state): State<App>, user: PageUser, Path(id): Path<i64>) -> PageResult {
    let (name, bytes) = state.download_package(user.who(), id).await?;
    Ok(file_response("application/zip", &name, false, bytes))
}

/// An action as its form sends it (the staff's and the applicant's case pages).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub version: Option<i64>,
    /// The materials ticked (supplement notice, supplement, deferral).
    #[serde(default)]
    pub materials: Vec<String>,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub due: String,
    #[serde(default)]
    pub commitment: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub redirect_to: String,
    /// The staff who did a step (two for verification and site inspection).
    #[serde(default)]
    pub staff: Vec<String>,
    #[serde(default)]
    pub opinion: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub expected_days: String,
    #[serde(default)]
    pub approved_by: String,
    /// yes | no
    #[serde(default)]
    pub approve: String,
}

fn texts(v: &[String]) -> Vec<String> {
    v.iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

impl ActionForm {
    /// The engine's action; bad input names its field.
    pub fn action(&self, step_kind: Option<StepKind>) -> Result<Action, AppError> {
        let reason = self.reason.trim().to_string();
        Ok(match self.action.as_str() {
            "notify_supplement" => Action::NotifySupplement {
                missing: texts(&self.materials),
            },
            "supplement" => Action::Supplement {
                materials: texts(&self.materials),
            },
            "correct" => Action::Correct {
                note: self.note.trim().to_string(),
            },
            "accept" => Action::Accept,
            "accept_deferred" => Action::AcceptDeferred {
                deferred: texts(&self.materials),
                due: match self.due.trim() {
                    "" => None,
                    d => Some(
                        parse_date(d)
                            .map_err(|e| AppError::field("due", format!("补交日期：{e}")))?,
                    ),
                },
            },
            "accept_on_commitment" => Action::AcceptOnCommitment {
                commitment: self.commitment.trim().to_string(),
            },
            "refuse" => Action::Refuse {
                reason,
                redirect_to: Some(self.redirect_to.trim().to_string()).filter(|r| !r.is_empty()),
            },
            "not_needed" => Action::NotNeeded { reason },
            "complete_step" => Action::CompleteStep {
                kind: step_kind.ok_or_else(|| AppError::field("action", "本件没有待办理的环节"))?,
                staff: texts(&self.staff),
                opinion: self.opinion.trim().to_string(),
            },
            "suspend" => Action::Suspend {
                kind: self.kind.trim().to_string(),
                reason,
                expected_days: match self.expected_days.trim() {
                    "" => None,
                    d => Some(d.parse::<u32>().map_err(|_| {
                        AppError::field("expected_days", format!("预计天数「{d}」应为正整数"))
                    })?),
                },
            },
            "resume" => Action::Resume,
            "extend" => Action::Extend {
                reason,
                approved_by: self.approved_by.trim().to_string(),
            },
            "decide" => match self.approve.as_str() {
                "yes" => Action::Decide {
                    approve: true,
                    reason,
                },
                "no" => Action::Decide {
                    approve: false,
                    reason,
                },
                _ => return Err(AppError::field("approve", "请选择准予许可或不予许可")),
            },
            "issue_certificate" => Action::IssueCertificate,
            "withdraw" => Action::Withdraw { reason },
            other => return Err(AppError::field("action", format!("未知的操作「{other}」"))),
        })
    }
}

/// Takes an action from the case page; on refusal shows the page again with the rule and what was typed.
pub async fn act(
    State(state): State<App>,
    user: PageUser,
    Path(id): Path<i64>,
    form: Form<ActionForm>,
) -> PageResult {
    user.require_staff()?;
    user.check_csrf(&form)?;
    let c = state.case_for(user.who(), id).await?;
    let step = c.case.pending_step(&c.item).map(|s| s.kind);
    let action = match form.data.action(step) {
        Ok(a) => a,
        Err(e) => return fail(&state, &user, id, &e.to_string(), &form.raw).await,
    };
    let label = action.label();
    let result = state
        .act(
            user.who(),
            ActOn {
                case_id: id,
                version: form.data.version,
                action,
                uploads: vec![],
            },
        )
        .await;
    match result {
        Ok(updated) => Ok(redirect_with(
            &format!("/work/cases/{id}"),
            &format!(
                "已{label}。{}",
                match updated.next_role {
                    Some(r) => format!("下一步由{}办理。", r.label()),
                    None => "本件已办结。".to_string(),
                }
            ),
        )),
        Err(
            e @ (AppError::Refused(_)
            | AppError::Conflict(_)
            | AppError::CalendarMissing(_)
            | AppError::Invalid { .. }),
        ) => fail(&state, &user, id, &e.to_string(), &form.raw).await,
        Err(e) => Err(e.into()),
    }
}

async fn fail(state: &App, user: &PageUser, id: i64, message: &str, form: &FormData) -> PageResult {
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
