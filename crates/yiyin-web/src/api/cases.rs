//! The case API: receive an application, list and read cases, act on them, read their documents,
//! follow a case with its query code, and check the event chain.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yiyin_app::App;
use yiyin_app::audit::ChainReport;
use yiyin_app::cases::{
    ActOn, AgentInput, ApplicantInput, CaseLine, CaseView, Receive, ReceiveOptions, TrackView,
    Worklist, outcome_of, representation_of,
};
use yiyin_domain::documents::DocumentRecord;
use yiyin_domain::engine::{Action, CaseState};
use yiyin_domain::roles::Role;
use yiyin_store::cases::CaseRecord;

use crate::auth::{Caller, CallerFor, gate};
use crate::error::{ApiResult, AppError, Body, ErrorBody, Path, Query};

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateCase {
    pub jurisdiction: String,
    pub item_code: String,
    /// The applicant (staff receiving at a window). Online the account is the applicant, unless
    /// this names an organisation the account acts for as its agent (see `agent`); a person named
    /// here online is ignored.
    pub applicant: Option<ApplicantInput>,
    /// Codes of the materials provided.
    #[serde(default)]
    pub materials: Vec<String>,
    /// The applicant attests that the materials are true (《行政许可法》第三十一条); required when an
    /// applicant applies online.
    #[serde(default)]
    pub attested: bool,
    /// The window's Art. 32 outcome taken with the receipt: receive (default), accept, supplement,
    /// defer, commitment, refuse, not_needed. Online, an applicant may send only receive or
    /// commitment (告知承诺: the standard commitment of the item is signed; allowed for green-list
    /// items handled fully online, refused with 422, rule `commitment`, otherwise). A commitment
    /// and an instant item handled fully online with complete materials are decided at once:
    /// the case comes back decided with its licence (`certificate_issued`).
    #[serde(default)]
    pub outcome: Option<String>,
    /// defer: the date the deferred materials are promised for (YYYY-MM-DD).
    #[serde(default)]
    pub due: Option<String>,
    /// refuse, not_needed: the reasons.
    #[serde(default)]
    pub reason: Option<String>,
    /// refuse: the agency to apply to.
    #[serde(default)]
    pub redirect_to: Option<String>,
    /// Window only: the clerk's reason for receiving an applicant whose ID number is on record under
    /// another name (without it such an application is refused with 422, code `rule_refused`, rule
    /// `ID-NAME`, naming the names on record); recorded with the receipt.
    #[serde(default)]
    pub name_confirmation: Option<String>,
    /// Online: the applicant consents to electronic delivery (电子送达) of the decisions and licence
    /// of this application, recorded with the receipt.
    #[serde(default)]
    pub consent_delivery: bool,
    /// The application form's data (一张表单), by field code, as the item's `form` defines it
    /// (`GET /api/v1/jurisdictions/{code}/catalog/{item}`); checked field by field, each problem
    /// named in Chinese.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub form: Option<serde_json::Map<String, serde_json::Value>>,
    /// Window: the agent (经办人/代理人) who files the application for the applicant. An agent who
    /// is not the applicant (for an organisation: not its legal representative) needs the
    /// applicant's mandate (授权委托书): the item's mandate material, or `mandate` among
    /// `materials` (the paper one handed in); without it refused with 422, code `rule_refused`,
    /// rule `AL-06-mandate`. Online, an account applying for an organisation (`applicant` of kind
    /// `organisation`) is its agent under its verified identity and must upload the mandate: the
    /// online application page (`/apply/{code}/{item}`) takes it; this endpoint takes no files, so
    /// such an application is refused here.
    #[serde(default)]
    pub agent: Option<AgentInput>,
    /// An organisation's legal representative (法定代表人（负责人）).
    #[serde(default)]
    pub legal_representative: Option<String>,
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
    call: &Caller,
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
        let view = call.app.case_view(&call.who, record).await?;
        (status, Json(view)).into_response()
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
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    call: Caller,
    headers: HeaderMap,
    Body(req): Body<CreateCase>,
) -> ApiResult<axum::response::Response> {
    // Online, only an organisation the account acts for is taken as the applicant.
    let applicant = req
        .applicant
        .as_ref()
        .filter(|a| call.who.is_staff() || a.kind == "organisation")
        .map(ApplicantInput::parse)
        .transpose()?;
    let representation = representation_of(
        req.agent.as_ref(),
        req.legal_representative.as_deref().unwrap_or_default(),
        call.app.today(),
    )?;
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let outcome = outcome_of(
        &opt(&req.outcome),
        &opt(&req.due),
        &opt(&req.reason),
        &opt(&req.redirect_to),
    )?;
    let received = call
        .app
        .receive_with(
            &call.who,
            Receive {
                jurisdiction: req.jurisdiction,
                item_code: req.item_code,
                applicant,
                materials: req.materials,
                attested: req.attested,
                outcome,
                idempotency_key: headers
                    .get("idempotency-key")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string),
                uploads: vec![],
                form: req.form,
                representation,
            },
            ReceiveOptions {
                name_confirmation: req.name_confirmation.as_deref(),
                consent_delivery: req.consent_delivery,
            },
        )
        .await?;
    let status = if received.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    answer(&call, &headers, status, received.record).await
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
    /// Cases per page, 1 to 500 (default 50).
    pub limit: Option<i64>,
    /// Cases of the list to skip (from the `after` cursor when both are given); prefer `after`.
    pub offset: Option<i64>,
    /// The page after this cursor: the `after` of the `Link: <…>; rel="next"` header of the page
    /// before (omitted: the first page).
    pub after: Option<String>,
}

/// A word of a query among labelled choices (absent: none); an unknown word is refused naming the
/// field, what it is and the choices.
fn choice<T>(
    word: &Option<String>,
    field: &str,
    what: &str,
    parse: fn(&str) -> Option<T>,
    choices: fn() -> String,
) -> Result<Option<T>, AppError> {
    let parsed = |w: &String| {
        let refused =
            || AppError::field(field, format!("{what}「{w}」无效（可选：{}）", choices()));
        parse(w).ok_or_else(refused)
    };
    word.as_ref().map(parsed).transpose()
}

impl ListQuery {
    /// The worklist asked for, its words parsed.
    pub fn worklist(&self) -> Result<Worklist, AppError> {
        // The state is checked first: a query wrong in both is refused for its state.
        let state = choice(
            &self.state,
            "state",
            "状态",
            CaseState::parse,
            CaseState::choices,
        )?;
        Ok(Worklist {
            mine: self.mine,
            role: choice(&self.role, "role", "岗位", Role::parse, Role::choices)?,
            state,
            text: self.q.clone(),
            all: self.all,
            limit: self.limit.unwrap_or(50),
            offset: self.offset.unwrap_or(0),
            after: self.after.clone().unwrap_or_default(),
            finished: false,
        })
    }

    /// The query fields the next page repeats (the cursor takes the offset's place).
    fn kept(&self) -> Vec<(&'static str, String)> {
        let flag = |on: bool| {
            if on {
                "true".to_string()
            } else {
                String::new()
            }
        };
        vec![
            ("mine", flag(self.mine)),
            ("role", self.role.clone().unwrap_or_default()),
            ("state", self.state.clone().unwrap_or_default()),
            ("q", self.q.clone().unwrap_or_default()),
            ("all", flag(self.all)),
            (
                "limit",
                self.limit.map(|l| l.to_string()).unwrap_or_default(),
            ),
        ]
    }
}

/// The cases I may see, the most urgent first (by the statutory due date, then the id), a page at
/// a time: the `Link` header (`rel="next"`) gives the next page's address until the last page. A
/// page may hold fewer cases than asked before the end when the caller may see few of those it
/// went through; the next page goes on from there.
#[utoipa::path(get, path = "/api/v1/cases", tag = "办件", params(ListQuery),
    responses((status = 200, body = Vec<CaseLine>, headers(
        ("Link" = String, description = "下一页地址（rel=\"next\"），末页没有"))),
        (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    call: Caller,
    Query(q): Query<ListQuery>,
) -> ApiResult<(HeaderMap, Json<Vec<CaseLine>>)> {
    let page = call.app.worklist(&call.who, &q.worklist()?).await?;
    let headers = super::paging::next_link(page.next.as_deref(), "/api/v1/cases", &q.kept());
    Ok((headers, Json(page.lines)))
}

/// One case: its record, clock, timeline, documents and the actions I may take now.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "办件",
    params(("id" = i64, Path, description = "办件编号（内部）")),
    responses((status = 200, body = CaseView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(call: Caller, Path(id): Path<i64>) -> ApiResult<Json<CaseView>> {
    let record = call.app.case_for(&call.who, id).await?;
    Ok(Json(call.app.case_view(&call.who, record).await?))
}

/// Open a case with the applicant's ID number and phone in full (查看完整信息), for an observer or a
/// discipline supervisor, who otherwise sees them masked: recorded as an event of the case, for this
/// one answer (the next `GET` is masked again). Those who handle the case get the plain view.
#[utoipa::path(post, path = "/api/v1/cases/{id}/reveal", tag = "办件",
    params(("id" = i64, Path, description = "办件编号（内部）")),
    responses((status = 200, body = CaseView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn reveal(call: Caller, Path(id): Path<i64>) -> ApiResult<Json<CaseView>> {
    Ok(Json(call.app.reveal(&call.who, id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ActRequest {
    /// The case version you read (optimistic concurrency); a stale version is refused with 409.
    pub version: Option<i64>,
    /// The action, e.g. `{"action": "accept"}` or `{"action": "decide", "approve": true, "reason": "…"}`;
    /// names and fields as in `yiyin rehearse`. Hearings (听证, Art. 46–48): `notify_hearing_right`;
    /// `request_hearing` (`reason`, `by`: an interested party recorded by staff); `open_hearing`
    /// (`reason`: the basis of a statutory hearing, Art. 46); `schedule_hearing` (`on`,
    /// `presiding`: a staff login of the jurisdiction other than the reviewer, `place`);
    /// `request_recusal` (`reason`, `by`); `decide_recusal` (`granted`, `presiding`, `reason`: the
    /// bureau head); `hold_hearing` (`record`, `participants`: `[{"name", "role", "signed",
    /// "refusal"}]`); `confirm_hearing_record` (`name`, `signed`, `refusal`). The decision on a
    /// case heard waits for every participant's signature or noted refusal and cites the record.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub action: serde_json::Value,
}

/// Take an action on a case. Forbidden actions are refused with 422, code `rule_refused`, and a
/// message naming the rule; a stale `version` with 409.
#[utoipa::path(post, path = "/api/v1/cases/{id}/actions", tag = "办件", request_body = ActRequest,
    params(("id" = i64, Path, description = "办件编号（内部）"),
        ("Prefer" = Option<String>, Header, description = "return=minimal：只返回 CaseBrief")),
    responses((status = 200, body = CaseView, description = "办件全貌；请求头 Prefer: return=minimal 时返回 CaseBrief"), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn act(
    call: Caller,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Body(req): Body<ActRequest>,
) -> ApiResult<axum::response::Response> {
    let parsed: Result<Action, _> = serde_json::from_value(req.action.clone());
    if parsed.is_err() {
        // Authorisation before validation: a caller who may not act learns nothing of the body.
        call.app.require_may_act(&call.who, id).await?;
    }
    let action: Action = parsed.map_err(|e| {
        AppError::field(
            "action",
            format!(
                "操作格式有误：{e}（action 可选：{}）",
                Action::NAMES.join("、")
            ),
        )
    })?;
    let version = req.version.or_else(|| {
        headers
            .get("if-match")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim_matches('"').parse().ok())
    });
    let updated = call
        .app
        .act(
            &call.who,
            ActOn {
                case_id: id,
                version,
                action,
                uploads: vec![],
            },
        )
        .await?;
    answer(&call, &headers, StatusCode::OK, updated).await
}

/// One document of a case, as its canonical record.
#[utoipa::path(get, path = "/api/v1/cases/{id}/documents/{doc}", tag = "办件",
    params(("id" = i64, Path, description = "办件编号（内部）"), ("doc" = i64, Path, description = "文书编号")),
    responses((status = 200, body = DocumentRecord), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn document(
    call: Caller,
    Path((id, doc)): Path<(i64, i64)>,
) -> ApiResult<Json<DocumentRecord>> {
    Ok(Json(call.app.document_of(&call.who, id, doc).await?.record))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct TrackQuery {
    /// 办件编号, e.g. HY2026000123.
    pub number: String,
    /// 查询码 printed on the receipt voucher.
    pub code: String,
}

/// Follow a case without an account, with its number and query code.
#[utoipa::path(get, path = "/api/v1/track", tag = "办件", params(TrackQuery),
    responses((status = 200, body = TrackView), (status = 404, body = ErrorBody)))]
pub async fn track(
    State(state): State<App>,
    Query(q): Query<TrackQuery>,
) -> ApiResult<Json<TrackView>> {
    Ok(Json(state.track(&q.number, &q.code).await?))
}

/// Check the whole hash-chained event log (bureau head, discipline supervisor, system administrator).
#[utoipa::path(get, path = "/api/v1/audit/chain", tag = "审计",
    responses((status = 200, body = ChainReport), (status = 403, body = ErrorBody)))]
pub async fn chain(call: CallerFor<gate::Audit>) -> ApiResult<Json<ChainReport>> {
    Ok(Json(call.app.audit_chain(&call.who).await?))
}
