//! The case API: receive an application, list and read cases, act on them, read their documents,
//! follow a case with its query code, and check the event chain.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yiyin_domain::authz::{self, Operation};
use yiyin_domain::calendar::fmt_date;
use yiyin_domain::documents::DocumentRecord;
use yiyin_domain::engine::{Action, CaseState, Clock, action_label};
use yiyin_domain::ids::{CitizenId, CreditCode};
use yiyin_domain::roles::Role;
use yiyin_store::accounts::SubjectKind;
use yiyin_store::cases::{Applicant, CaseFilter, CaseRecord, NewCase};
use yiyin_store::events::{ChainReport, Event};

use crate::auth::Signed;
use crate::error::{ApiResult, AppError};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
pub struct ApplicantInput {
    /// `person` or `organisation`.
    pub kind: String,
    pub name: String,
    /// Citizen ID number (person) or unified social credit code (organisation).
    pub id_number: String,
    #[serde(default)]
    pub phone: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateCase {
    pub jurisdiction: String,
    pub item_code: String,
    /// The applicant (staff receiving at a window); ignored for applicants applying online, whose
    /// account is the applicant.
    pub applicant: Option<ApplicantInput>,
    /// Codes of the materials provided.
    #[serde(default)]
    pub materials: Vec<String>,
}

/// A document as listed with its case.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentSummary {
    pub id: i64,
    pub title: String,
    pub number: String,
    pub issued_on: String,
}

/// A case with everything a clerk or an applicant needs to see.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseView {
    #[serde(flatten)]
    pub record: CaseRecord,
    /// Every deadline as of today, with its explanation; absent when the calendar lacks a year.
    pub clock: Option<Clock>,
    /// Why the clock could not be computed, if so.
    pub clock_error: Option<String>,
    pub events: Vec<Event>,
    pub documents: Vec<DocumentSummary>,
    /// The actions this user may take now.
    pub allowed_actions: Vec<String>,
}

/// What a write answers when the client sends `Prefer: return=minimal` (RFC 7240): enough to take
/// the next action, without the clock's explanations, the timeline and the documents.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseBrief {
    pub id: i64,
    pub number: String,
    pub state: CaseState,
    pub state_label: String,
    /// Name it when taking the next action.
    pub version: i64,
    pub next_role: Option<Role>,
}

impl CaseBrief {
    fn of(record: &CaseRecord) -> Self {
        CaseBrief {
            id: record.id,
            number: record.number.clone(),
            state: record.state,
            state_label: record.state.label().into(),
            version: record.version,
            next_role: record.next_role,
        }
    }
}

/// Whether the client asked for the minimal answer (`Prefer: return=minimal`).
fn wants_minimal(headers: &HeaderMap) -> bool {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim().eq_ignore_ascii_case("return=minimal"))
}

/// The answer to a write: the whole view, or the brief one when the client prefers it.
async fn answer(
    state: &AppState,
    signed: &Signed,
    headers: &HeaderMap,
    status: StatusCode,
    record: CaseRecord,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    Ok(if wants_minimal(headers) {
        (
            status,
            [("preference-applied", "return=minimal")],
            Json(CaseBrief::of(&record)),
        )
            .into_response()
    } else {
        (status, Json(view(state, signed, record).await?)).into_response()
    })
}

/// A line of a worklist.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseLine {
    pub id: i64,
    pub number: String,
    pub jurisdiction: String,
    pub item_name: String,
    pub applicant: String,
    pub state: CaseState,
    pub state_label: String,
    pub next_role: Option<Role>,
    pub received_on: String,
    pub statutory_due: Option<String>,
    pub promised_due: Option<String>,
    /// Working days left to the statutory due date (negative when overdue).
    pub days_left: Option<i64>,
    /// green, yellow or red.
    pub light: Option<String>,
    pub version: i64,
}

fn bad(message: impl Into<String>) -> AppError {
    AppError::bad_request(message)
}

/// The actions of `allowed` that this account may take on the case now.
pub fn allowed_actions(signed: &Signed, record: &CaseRecord) -> Vec<String> {
    let account = signed.account();
    record
        .case
        .possible_actions(&record.item)
        .into_iter()
        .filter(|name| {
            if account.is_staff() {
                let op = match *name {
                    "complete_step" => match record.case.pending_step(&record.item) {
                        Some(s) => Operation::Step(s.kind),
                        None => return false,
                    },
                    "suspend" | "resume" => Operation::Suspend,
                    "extend" => Operation::Extend,
                    "decide" => Operation::Decide,
                    "issue_certificate" => Operation::IssueCertificate,
                    "withdraw" => Operation::Withdraw,
                    _ => Operation::Intake,
                };
                authz::allowed(&account.grants, op, &record.scope()).is_ok()
            } else {
                record.applicant.account == Some(account.id)
                    && matches!(*name, "supplement" | "withdraw")
            }
        })
        .map(str::to_string)
        .collect()
}

async fn view(state: &AppState, signed: &Signed, record: CaseRecord) -> ApiResult<CaseView> {
    let (clock, clock_error) = match record.clock(&state.calendar(), state.today()) {
        Ok(c) => (Some(c), None),
        Err(e) => (None, Some(e.to_string())),
    };
    let events = state.store.case_events(record.id).await?;
    let documents = state
        .store
        .case_documents(record.id)
        .await?
        .into_iter()
        .map(|d| DocumentSummary {
            id: d.id,
            title: d.record.title,
            number: d.record.number,
            issued_on: fmt_date(d.record.issued_on),
        })
        .collect();
    Ok(CaseView {
        allowed_actions: allowed_actions(signed, &record),
        record,
        clock,
        clock_error,
        events,
        documents,
    })
}

/// Validates the applicant of a window intake.
pub fn applicant_from(input: &ApplicantInput) -> Result<Applicant, AppError> {
    let kind = SubjectKind::parse(&input.kind)
        .ok_or_else(|| bad("申请人类型应为 person（自然人）或 organisation（法人和其他组织）"))?;
    let id_number = match kind {
        SubjectKind::Person => CitizenId::parse(&input.id_number).map(|v| v.to_string()),
        SubjectKind::Organisation => CreditCode::parse(&input.id_number).map(|v| v.to_string()),
    }
    .map_err(|e| bad(e.to_string()))?;
    if input.name.trim().is_empty() {
        return Err(bad("申请人姓名或单位名称不能为空"));
    }
    Ok(Applicant {
        kind,
        name: input.name.trim().to_string(),
        id_number,
        phone: input.phone.trim().to_string(),
        account: None,
    })
}

/// Receive an application (收件): at a window by staff, or online by an applicant.
///
/// Send an `Idempotency-Key` header so that a retried submission returns the case it created
/// (200) instead of creating another (201).
#[utoipa::path(post, path = "/api/v1/cases", tag = "办件", request_body = CreateCase,
    params(("Idempotency-Key" = Option<String>, Header, description = "重试同一提交时使用同一个键"),
        ("Prefer" = Option<String>, Header, description = "return=minimal：只返回 CaseBrief（编号、状态、版本），不返回时限说明、事件和文书")),
    responses((status = 201, body = CaseView, description = "新建的办件；Prefer: return=minimal 时返回 CaseBrief"), (status = 200, body = CaseView),
        (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Json(req): Json<CreateCase>,
) -> ApiResult<axum::response::Response> {
    let account = signed.account().clone();
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(|k| format!("{}:{k}", account.id));
    let j = state.store.jurisdiction(&req.jurisdiction).await?;
    let item = state
        .store
        .active_item(&req.jurisdiction, &req.item_code, state.today())
        .await?;
    let (applicant, unit) = if account.is_staff() {
        let scope = authz::Scope {
            jurisdiction: j.code.clone(),
            department: item.item.department.clone(),
            supervising_department: item.item.supervising_department.clone(),
            handling_mode: item.item.handling_mode,
            instant: item.item.handling_class == yiyin_domain::catalog::HandlingClass::Instant,
        };
        signed.require(Operation::Receive, &scope)?;
        let input = req
            .applicant
            .as_ref()
            .ok_or_else(|| bad("窗口收件须填写申请人信息"))?;
        let unit = account
            .grants
            .iter()
            .find(|g| g.jurisdiction == j.code && g.role == Role::WindowClerk)
            .and_then(|g| g.unit.clone())
            .unwrap_or_default();
        (applicant_from(input)?, unit)
    } else {
        (
            Applicant {
                kind: account.subject_kind.unwrap_or(SubjectKind::Person),
                name: account.name.clone(),
                id_number: account.id_number.clone(),
                phone: account.phone.clone(),
                account: Some(account.id),
            },
            String::new(),
        )
    };
    let new = NewCase {
        jurisdiction: j.code.clone(),
        item_code: req.item_code.clone(),
        applicant,
        materials: req.materials.clone(),
        unit,
        idempotency_key: key,
    };
    let (record, created) = state.create_case(&new, &signed.actor(&state.org())).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    answer(&state, &signed, &headers, status, record).await
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ListQuery {
    /// Only cases waiting for one of my roles (my worklist).
    #[serde(default)]
    pub mine: bool,
    /// Only cases waiting for this role.
    pub role: Option<String>,
    /// Only cases in this state.
    pub state: Option<String>,
    /// Case number, applicant or item name contains this.
    pub q: Option<String>,
    /// Include closed cases.
    #[serde(default)]
    pub all: bool,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// The cases I may see, the most urgent first.
#[utoipa::path(get, path = "/api/v1/cases", tag = "办件", params(ListQuery),
    responses((status = 200, body = Vec<CaseLine>), (status = 401, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    signed: Signed,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Vec<CaseLine>>> {
    Ok(Json(list_for(&state, &signed, &q).await?))
}

/// The worklist shared by the API and the pages.
pub async fn list_for(
    state: &AppState,
    signed: &Signed,
    q: &ListQuery,
) -> ApiResult<Vec<CaseLine>> {
    let account = signed.account();
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let state_filter = match &q.state {
        Some(s) => Some(
            CaseState::parse(s)
                .ok_or_else(|| bad(format!("状态「{s}」无效（可选：{}）", CaseState::choices())))?,
        ),
        None => None,
    };
    let role_filter = match &q.role {
        Some(r) => Some(
            Role::parse(r)
                .ok_or_else(|| bad(format!("岗位「{r}」无效（可选：{}）", Role::choices())))?,
        ),
        None => None,
    };
    let mut filter = CaseFilter {
        state: state_filter,
        open_only: !q.all,
        text: q.q.clone(),
        limit,
        offset: q.offset.unwrap_or(0),
        ..Default::default()
    };
    let mut roles: Vec<Option<Role>> = vec![role_filter];
    if account.is_staff() {
        filter.jurisdictions = account
            .grants
            .iter()
            .filter(|g| authz::role_may(g.role, Operation::ViewCase))
            .map(|g| g.jurisdiction.clone())
            .collect();
        filter.jurisdictions.sort();
        filter.jurisdictions.dedup();
        if filter.jurisdictions.is_empty() {
            return Ok(vec![]);
        }
        if q.mine && role_filter.is_none() {
            let mut mine: Vec<Role> = account.grants.iter().map(|g| g.role).collect();
            mine.sort();
            mine.dedup();
            roles = mine.into_iter().map(Some).collect();
        }
    } else {
        filter.applicant_account = Some(account.id);
    }
    let calendar = state.calendar();
    let today = state.today();
    let mut out = Vec::new();
    for role in roles {
        let f = CaseFilter {
            next_role: role,
            ..filter.clone()
        };
        for r in state.store.list_cases(&f).await? {
            if signed.may_view(&r).is_err() {
                continue;
            }
            let clock = r.deadlines(&calendar, today).ok();
            out.push(CaseLine {
                id: r.id,
                number: r.number.clone(),
                jurisdiction: r.jurisdiction.clone(),
                item_name: r.item_name.clone(),
                applicant: r.applicant.name.clone(),
                state: r.state,
                state_label: r.state.label().to_string(),
                next_role: r.next_role,
                received_on: fmt_date(r.case.received_on),
                statutory_due: clock.as_ref().and_then(|c| c.statutory_due).map(fmt_date),
                promised_due: clock.as_ref().and_then(|c| c.promised_due).map(fmt_date),
                days_left: clock.as_ref().and_then(|c| c.days_left),
                light: clock.as_ref().map(|c| {
                    serde_json::to_value(c.light)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default()
                }),
                version: r.version,
            });
        }
    }
    out.sort_by(|a, b| {
        (a.statutory_due.is_none(), &a.statutory_due, a.id).cmp(&(
            b.statutory_due.is_none(),
            &b.statutory_due,
            b.id,
        ))
    });
    out.dedup_by_key(|l| l.id);
    out.truncate(limit as usize);
    Ok(out)
}

/// One case: its record, clock, timeline, documents and the actions I may take now.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "办件",
    params(("id" = i64, Path, description = "办件编号（内部）")),
    responses((status = 200, body = CaseView), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
) -> ApiResult<Json<CaseView>> {
    let record = state.store.case(id).await?;
    signed.may_view(&record)?;
    Ok(Json(view(&state, &signed, record).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ActRequest {
    /// The case version you read (optimistic concurrency); a stale version is refused with 409.
    pub version: Option<i64>,
    /// The action, e.g. `{"action": "accept"}` or `{"action": "decide", "approve": true, "reason": "…"}`;
    /// names and fields as in `yiyin rehearse`.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub action: serde_json::Value,
}

/// Take an action on a case. Forbidden actions are refused with 422, code `rule_refused`, and a
/// message naming the rule; a stale `version` with 409.
#[utoipa::path(post, path = "/api/v1/cases/{id}/actions", tag = "办件", request_body = ActRequest,
    params(("id" = i64, Path, description = "办件编号（内部）"),
        ("Prefer" = Option<String>, Header, description = "return=minimal：只返回 CaseBrief")),
    responses((status = 200, body = CaseView, description = "办件全貌；请求头 Prefer: return=minimal 时返回 CaseBrief"), (status = 403, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn act(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Json(req): Json<ActRequest>,
) -> ApiResult<axum::response::Response> {
    let action: Action = serde_json::from_value(req.action.clone()).map_err(|e| {
        bad(format!("操作格式有误：{e}（action 可选：notify_supplement、supplement、correct、accept、accept_deferred、accept_on_commitment、refuse、not_needed、complete_step、suspend、resume、extend、decide、issue_certificate、withdraw）"))
    })?;
    let record = state.store.case(id).await?;
    signed.may_view(&record)?;
    let account = signed.account();
    if account.is_staff() {
        signed.require(authz::operation_for(&action), &record.scope())?;
    } else if !matches!(action, Action::Supplement { .. } | Action::Withdraw { .. }) {
        return Err(AppError::Forbidden(format!("申请人不能{}", action.label())));
    }
    let version = req.version.or_else(|| {
        headers
            .get("if-match")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim_matches('"').parse().ok())
    });
    let updated = state
        .act(id, version, &action, &signed.actor(&state.org()))
        .await?;
    answer(&state, &signed, &headers, StatusCode::OK, updated).await
}

/// One document of a case, as its canonical record.
#[utoipa::path(get, path = "/api/v1/cases/{id}/documents/{doc}", tag = "办件",
    params(("id" = i64, Path, description = "办件编号（内部）"), ("doc" = i64, Path, description = "文书编号")),
    responses((status = 200, body = DocumentRecord), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn document(
    State(state): State<AppState>,
    signed: Signed,
    Path((id, doc)): Path<(i64, i64)>,
) -> ApiResult<Json<DocumentRecord>> {
    let record = state.store.case(id).await?;
    signed.may_view(&record)?;
    let d = state.store.document(doc).await?;
    if d.case_id != id {
        return Err(AppError::NotFound(format!(
            "办件{}没有编号为{doc}的文书",
            record.number
        )));
    }
    Ok(Json(d.record))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct TrackQuery {
    /// 办件编号, e.g. HY2026000123.
    pub number: String,
    /// 查询码 printed on the receipt voucher.
    pub code: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrackStep {
    pub date: String,
    pub action: String,
}

/// What anyone holding the number and the query code may see.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrackView {
    pub number: String,
    pub item_name: String,
    pub state: CaseState,
    pub state_label: String,
    pub received_on: String,
    pub accepted_on: Option<String>,
    pub promised_due: Option<String>,
    pub statutory_due: Option<String>,
    pub decided_on: Option<String>,
    pub decision: Option<String>,
    pub steps: Vec<TrackStep>,
}

/// Follow a case without an account, with its number and query code.
#[utoipa::path(get, path = "/api/v1/track", tag = "办件", params(TrackQuery),
    responses((status = 200, body = TrackView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn track(
    State(state): State<AppState>,
    Query(q): Query<TrackQuery>,
) -> ApiResult<Json<TrackView>> {
    Ok(Json(track_view(&state, &q.number, &q.code).await?))
}

/// The public view of a case (shared with the tracking page).
pub async fn track_view(state: &AppState, number: &str, code: &str) -> ApiResult<TrackView> {
    let not_found = || AppError::NotFound("办件编号或查询码不正确，请核对受理凭证".into());
    let record = state
        .store
        .case_by_number(number)
        .await?
        .ok_or_else(not_found)?;
    if !record.query_code.eq_ignore_ascii_case(code.trim()) {
        return Err(not_found());
    }
    let clock = record.clock(&state.calendar(), state.today()).ok();
    let steps = state
        .store
        .case_events(record.id)
        .await?
        .into_iter()
        .map(|e| TrackStep {
            date: chrono::DateTime::from_timestamp_millis(e.at)
                .map(|t| fmt_date(yiyin_store::cases::local_date(t)))
                .unwrap_or_default(),
            action: action_label(&e.action).to_string(),
        })
        .collect();
    Ok(TrackView {
        number: record.number.clone(),
        item_name: record.item_name.clone(),
        state: record.state,
        state_label: record.state.label().into(),
        received_on: fmt_date(record.case.received_on),
        accepted_on: record.case.accepted_on.map(fmt_date),
        promised_due: clock.as_ref().and_then(|c| c.promised_due).map(fmt_date),
        statutory_due: clock.as_ref().and_then(|c| c.statutory_due).map(fmt_date),
        decided_on: record.case.decided_on.map(fmt_date),
        decision: record.case.decision.as_ref().map(|d| {
            if d.approved {
                "准予许可"
            } else {
                "不予许可"
            }
            .to_string()
        }),
        steps,
    })
}

/// Check the whole hash-chained event log (bureau head, discipline supervisor, system administrator).
#[utoipa::path(get, path = "/api/v1/audit/chain", tag = "审计",
    responses((status = 200, body = ChainReport), (status = 403, body = crate::error::ErrorBody)))]
pub async fn chain(State(state): State<AppState>, signed: Signed) -> ApiResult<Json<ChainReport>> {
    let a = signed.account();
    if !a
        .grants
        .iter()
        .any(|g| authz::role_may(g.role, Operation::Audit))
    {
        return Err(AppError::Forbidden(
            "无权查看审计日志：您的岗位没有此项职责".into(),
        ));
    }
    Ok(Json(state.store.verify_chain().await?))
}
