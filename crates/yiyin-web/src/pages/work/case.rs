//! The case page for staff: its materials, timeline, clock explanation and only the actions the
//! user's role may take now; taking an action from its form; receiving supplemented materials with
//! their scans; the archive package of a closed case.

use crate::pages::{Path, Query};
use askama::Template;
use serde::Deserialize;
use yiyin_app::cases::ActOn;
use yiyin_domain::calendar::parse_date;
use yiyin_domain::catalog::StepKind;
use yiyin_domain::engine::{Action, Participant, SuspensionKind};

use super::CaseShown;
use crate::auth::gate;
use crate::error::AppError;
use crate::pages::{
    Chrome, FieldErrors, FilesForm, Form, FormData, Notice, Page, PageFor, PageResult, RawForm,
    file_response, render, settle, unprocessable,
};

#[derive(Template)]
#[template(path = "work/case.html")]
struct CasePage {
    chrome: Chrome,
    case: CaseShown,
    department: String,
    /// The step the case waits for, if any.
    step_name: String,
    step_kind: String,
    step_two_staff: bool,
    /// The verification waiting for a second verifier: (its first verifiers, its opinion).
    awaiting: Option<(String, String)>,
    /// The staff accounts who may preside over a hearing: (login, name).
    presiding: Vec<(String, String)>,
    /// The one extension's length and its legal basis (Art. 42 or the item's own law).
    extension_days: u32,
    /// The unit of the item's limits (工作日 or 自然日).
    extension_unit: &'static str,
    extension_rule: String,
    suspension_kinds: Vec<(&'static str, &'static str)>,
    joint: bool,
    /// Each decision's and licence's delivery (送达), with the forms to record it.
    deliveries: yiyin_app::deliveries::CaseDeliveries,
    /// The transition observers' comments (评注), for the case's handlers.
    comments: Vec<yiyin_store::transition::CaseComment>,
    /// Received in simulation (模拟运行): the 模拟运行中 banner.
    simulated: bool,
    error: String,
    /// The action whose form was refused, shown again open with what was typed.
    form_action: String,
    form: FormData,
}

impl CasePage {
    fn can(&self, action: &str) -> bool {
        self.case.actions.iter().any(|a| a == action)
    }

    /// A party to the hearing named for the page: 「申请人 {name}」 or 「利害关系人 …」.
    fn party(&self, by: &str) -> String {
        yiyin_domain::engine::party_label(by, &self.case.c.applicant.name)
    }

    /// A hearing waits with its date fixed: scheduling again changes the date (改期).
    fn hearing_fixed(&self) -> bool {
        self.case
            .c
            .case
            .pending_hearing()
            .is_some_and(|h| h.date.is_some())
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

/// The case page; `error` and `form` are a refused action's message and what was typed.
pub(crate) async fn case_page_for(
    page: &Page,
    id: i64,
    notice: &str,
    error: String,
    form: FormData,
) -> PageResult {
    page.require_staff()?;
    let case = CaseShown::load(page, id).await?;
    case_page_of(page, case, notice, error, form).await
}

/// The case page of a case as loaded.
async fn case_page_of(
    page: &Page,
    case: CaseShown,
    notice: &str,
    error: String,
    form: FormData,
) -> PageResult {
    let c = &case.c;
    let step = c.case.pending_step(&c.item);
    let presiding = if step.is_some_and(|s| s.kind == StepKind::Hearing)
        || c.case.pending_hearing().is_some()
    {
        page.app.presiding_candidates(page.who(), c).await?
    } else {
        vec![]
    };
    render(&CasePage {
        chrome: page.chrome(notice),
        department: page
            .app
            .org()
            .jurisdiction(&c.jurisdiction)
            .map_or(c.department.clone(), |j| j.department_name(&c.department)),
        step_name: step.map(|s| s.name.clone()).unwrap_or_default(),
        step_kind: step.map(|s| s.kind.code().to_string()).unwrap_or_default(),
        step_two_staff: step.is_some_and(|s| s.kind.needs_two_staff()),
        awaiting: c
            .case
            .awaiting_confirmation()
            .map(|s| (s.staff.join("、"), s.opinion.clone())),
        presiding,
        extension_days: c.item.extension_limit(),
        extension_unit: c.item.limit_unit.label(),
        extension_rule: c.item.extension_rule(),
        suspension_kinds: SuspensionKind::options(),
        joint: c.item.joint,
        deliveries: page.app.case_deliveries(page.who(), c.id).await?,
        comments: page.app.case_comments(page.who(), c.id).await?,
        simulated: page.app.case_simulated(c.id).await?,
        error,
        form_action: form.get("action"),
        form,
        case,
    })
}

pub async fn case_page(
    page: PageFor<gate::Staff>,
    Path(id): Path<i64>,
    Query(q): Query<Notice>,
) -> PageResult {
    case_page_for(&page, id, &q.notice, String::new(), FormData::default()).await
}

/// 查看完整信息: the case page once with the applicant's ID number and phone in full, for a reader
/// who otherwise sees them masked; the opening is recorded as an event of the case, and the next
/// visit of the page is masked again.
pub async fn reveal(page: PageFor<gate::Staff>, Path(id): Path<i64>, form: RawForm) -> PageResult {
    page.check_csrf(&form)?;
    let case = CaseShown::revealed(&page, id).await?;
    case_page_of(
        &page,
        case,
        "已显示申请人完整信息，本次查看已记录在办理过程中；离开或刷新本页后重新脱敏显示。",
        String::new(),
        FormData::default(),
    )
    .await
}

/// A closed case's archive package, for staff whose duty covers it.
pub async fn archive(page: PageFor<gate::ViewCase>, Path(id): Path<i64>) -> PageResult {
    let (name, bytes) = page.app.download_package(page.who(), id).await?;
    Ok(file_response("application/zip", &name, false, bytes))
}

/// An action as its form sends it (the staff's and the applicant's case pages).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ActionForm {
    pub action: String,
    pub version: Option<i64>,
    /// The materials ticked (supplement notice, supplement, deferral).
    pub materials: Vec<String>,
    pub note: String,
    pub due: String,
    pub commitment: String,
    pub reason: String,
    pub redirect_to: String,
    /// A hearing's presiding officer (an account's login); other steps are signed by the account.
    pub staff: Vec<String>,
    pub opinion: String,
    pub kind: String,
    pub expected_days: String,
    pub approved_by: String,
    /// yes | no
    pub approve: String,
    /// The hearing date (schedule_hearing).
    pub on: String,
    /// The hearing record (hold_hearing).
    pub record: String,
    /// A hearing's presiding officer (an account's login: schedule_hearing, decide_recusal).
    pub presiding: String,
    /// Where the hearing is held (schedule_hearing).
    pub place: String,
    /// The hearing's participants, one a line: 姓名，身份，已签字 | 拒绝签字：情况 (hold_hearing).
    pub participants: String,
    /// Who asks for a hearing or a recusal (empty: the applicant).
    pub by: String,
    /// The participant who signs (confirm_hearing_record).
    pub name: String,
    /// yes | no (confirm_hearing_record)
    pub signed: String,
    pub refusal: String,
    /// yes | no (decide_recusal)
    pub granted: String,
}

/// The participants of a hearing as the form lists them, one a line: `姓名，身份，签字情况` where
/// the status is 已签字, or 拒绝签字 with what happened, or empty (to sign later).
fn participants(text: &str) -> Result<Vec<Participant>, AppError> {
    let mut out = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let parts: Vec<&str> = line.splitn(3, ['，', ',']).map(str::trim).collect();
        let [name, role, status @ ..] = parts.as_slice() else {
            return Err(AppError::field(
                "participants",
                format!("听证参加人「{line}」应写为：姓名，身份，签字情况"),
            ));
        };
        let status = status.first().copied().unwrap_or("");
        let signed = matches!(status, "已签字" | "签字" | "已盖章" | "盖章");
        let refusal = if signed || status.is_empty() {
            String::new()
        } else {
            status
                .trim_start_matches("拒绝签字")
                .trim_start_matches(['：', ':'])
                .trim()
                .to_string()
        };
        let refusal = if !signed && !status.is_empty() && refusal.is_empty() {
            status.to_string()
        } else {
            refusal
        };
        out.push(Participant {
            name: name.to_string(),
            role: role.to_string(),
            signed,
            refusal,
        });
    }
    Ok(out)
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
            "confirm_verification" => Action::ConfirmVerification {
                kind: step_kind
                    .ok_or_else(|| AppError::field("action", "本件没有等待确认的核查"))?,
                staff: String::new(),
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
            "notify_hearing_right" => Action::NotifyHearingRight,
            "request_hearing" => Action::RequestHearing {
                reason,
                by: self.by.trim().to_string(),
            },
            "open_hearing" => Action::OpenHearing { reason },
            "schedule_hearing" => Action::ScheduleHearing {
                on: parse_date(self.on.trim())
                    .map_err(|e| AppError::field("on", format!("听证日期：{e}")))?,
                presiding: self.presiding.trim().to_string(),
                place: self.place.trim().to_string(),
            },
            "hold_hearing" => Action::HoldHearing {
                record: self.record.trim().to_string(),
                participants: participants(&self.participants)?,
            },
            "request_recusal" => Action::RequestRecusal {
                reason,
                by: self.by.trim().to_string(),
            },
            "decide_recusal" => Action::DecideRecusal {
                granted: self.granted != "no",
                presiding: self.presiding.trim().to_string(),
                reason,
            },
            "confirm_hearing_record" => Action::ConfirmHearingRecord {
                name: self.name.trim().to_string(),
                signed: self.signed != "no",
                refusal: self.refusal.trim().to_string(),
            },
            other => return Err(AppError::field("action", format!("未知的操作「{other}」"))),
        })
    }
}

/// Takes an action from the case page; on refusal shows the page again with the rule and what was typed.
pub async fn act(
    page: PageFor<gate::Staff>,
    Path(id): Path<i64>,
    form: Form<ActionForm>,
) -> PageResult {
    page.check_csrf(&form)?;
    let c = page.app.case_for(page.who(), id).await?;
    let step = c.case.pending_step(&c.item).map(|s| s.kind);
    let result = match form.data.action(step) {
        Ok(action) => {
            let label = action.label();
            let on = ActOn {
                case_id: id,
                version: form.data.version,
                action,
                uploads: vec![],
            };
            page.app.act(page.who(), on).await.map(|r| (label, r))
        }
        Err(e) => Err(e),
    };
    settle(
        result,
        |(label, updated)| {
            let next = match updated.next_role {
                Some(r) => format!("下一步由{}办理。", r.label()),
                None => "本件已办结。".to_string(),
            };
            (format!("/work/cases/{id}"), format!("已{label}。{next}"))
        },
        |e| case_page_for(&page, id, "", e, form.raw),
    )
    .await
}

/// Records the materials handed in at the window for a supplement notice or a deferral, with their
/// scans (several files per material, `file_<code>`): the same use case as the applicant's online
/// supplement. A material with a scan is received whether ticked or not; a refused file refuses
/// the whole, shown on the case page with nothing kept.
pub async fn supplement(
    page: PageFor<gate::Staff>,
    Path(id): Path<i64>,
    form: FilesForm,
) -> PageResult {
    let mut errors = FieldErrors::default();
    let (f, uploads) = form.read(Some(&page), &mut errors).await?;
    if let Some((_, message)) = errors.0.first() {
        return unprocessable(case_page_for(&page, id, "", message.clone(), f).await);
    }
    let mut materials = f.all("materials");
    materials.extend(uploads.iter().map(|u| u.material.clone()));
    materials.sort();
    materials.dedup();
    let on = ActOn {
        case_id: id,
        version: f.get("version").parse().ok(),
        action: Action::Supplement { materials },
        uploads,
    };
    let label = on.action.label();
    let result = page.app.act(page.who(), on).await;
    settle(
        result,
        |updated| {
            let next = match updated.next_role {
                Some(r) => format!("下一步由{}办理。", r.label()),
                None => "本件已办结。".to_string(),
            };
            (format!("/work/cases/{id}"), format!("已{label}。{next}"))
        },
        |e| case_page_for(&page, id, "", e, f),
    )
    .await
}
