//! The supervision API (审管分离): a department's inbox and acknowledgement (签收), findings reported
//! back (抄告), commitment verification, random inspections (双随机一公开, published plans public);
//! the bureau's overview, dead letters and the departments' systems; licences after the decision
//! (change, renewal, revocation, cancellation, withdrawal, rescission) and a licensee's credit
//! record. Rules and permissions live in `yiyin_app`; these handlers only translate.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use yiyin_app::App;
use yiyin_app::inspections::{InspectionResultInput, PlanInput, TieInput, public_plan};
use yiyin_app::licences::{ActInput, LicenceView};
use yiyin_app::supervision::{
    ActListPage, FindingInput, FindingListPage, Inbox, KeyAcknowledgement, Overview, PushListPage,
    PushListQuery, SubjectView, SupervisionListQuery, TaskListPage, VerificationInput,
    WebhookInput,
};
use yiyin_store::credit::CreditRecord;
use yiyin_store::findings::Finding;
use yiyin_store::inspections::InspectionPlan;
use yiyin_store::licence_acts::LicenceAct;
use yiyin_store::pushes::Push;
use yiyin_store::verifications::VerificationTask;

use super::paging::{PageQuery, page_headers};
use crate::auth::{Caller, CallerFor, gate};
use crate::error::{ApiResult, AppError, Body, ErrorBody, Path, Query};

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct DeskQuery {
    /// 县区代码 (the user's only desk when omitted).
    #[serde(default)]
    pub jurisdiction: String,
    /// 部门代码 (the user's only desk when omitted).
    #[serde(default)]
    pub department: String,
    /// true: acknowledged pushes too.
    #[serde(default)]
    pub all: bool,
}

/// A supervising department's inbox: pushes (unacknowledged unless `all`), counts with the overdue,
/// commitment verification tasks and the findings it reported.
#[utoipa::path(get, path = "/api/v1/supervision/inbox", tag = "监管", params(DeskQuery),
    responses((status = 200, body = Inbox), (status = 403, body = ErrorBody)))]
pub async fn inbox(
    call: CallerFor<gate::Supervise>,
    Query(q): Query<DeskQuery>,
) -> ApiResult<Json<Inbox>> {
    let desk = call.app.desk(&call.who, &q.jurisdiction, &q.department)?;
    Ok(Json(call.app.inbox(&call.who, &desk, q.all).await?))
}

/// Acknowledge (签收) a push. Acknowledging twice changes nothing.
#[utoipa::path(post, path = "/api/v1/supervision/pushes/{id}/acknowledge", tag = "监管",
    params(("id" = i64, Path, description = "推送编号")),
    responses((status = 200, body = Push), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn acknowledge(
    call: CallerFor<gate::Supervise>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Push>> {
    Ok(Json(call.app.acknowledge(&call.who, id).await?))
}

/// Several pushes to acknowledge at once.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AcknowledgeMany {
    /// 推送编号
    pub ids: Vec<i64>,
}

/// Acknowledge (签收) several pushes at once (批量签收): each must be of the caller's department,
/// or none is signed. Pushes already acknowledged change nothing.
#[utoipa::path(post, path = "/api/v1/pushes/acknowledge", tag = "监管", request_body = AcknowledgeMany,
    responses((status = 200, body = Vec<Push>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn acknowledge_many(
    call: CallerFor<gate::Supervise>,
    Body(req): Body<AcknowledgeMany>,
) -> ApiResult<Json<Vec<Push>>> {
    Ok(Json(call.app.acknowledge_all(&call.who, &req.ids).await?))
}

/// The idempotency keys of pushes to acknowledge, as the webhook bodies carry them.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AcknowledgeKeys {
    /// 推送幂等键 (`idempotency_key` of the webhook body), at most 500.
    pub keys: Vec<String>,
}

/// Acknowledge (签收) pushes by their idempotency keys: for a department's own system, signed in
/// with a department supervisor's account. Keys that name no push of the caller's departments are
/// reported in `unknown` and change nothing; pushes acknowledged before change nothing. The same
/// audited act as acknowledging on the desk.
#[utoipa::path(post, path = "/api/v1/supervision/pushes/acknowledge", tag = "监管", request_body = AcknowledgeKeys,
    responses((status = 200, body = KeyAcknowledgement), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn acknowledge_keys(
    call: CallerFor<gate::Supervise>,
    Body(req): Body<AcknowledgeKeys>,
) -> ApiResult<Json<KeyAcknowledgement>> {
    Ok(Json(call.app.acknowledge_keys(&call.who, &req.keys).await?))
}

/// A page of a push list: a department's (its supervisors; the bureau) or a jurisdiction's (the
/// bureau); unacknowledged first, then newest first; with how many the list holds and the cursor
/// of the next page.
#[utoipa::path(get, path = "/api/v1/supervision/pushes", tag = "监管", params(PushListQuery),
    responses((status = 200, body = PushListPage), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn pushes(call: Caller, Query(q): Query<PushListQuery>) -> ApiResult<Json<PushListPage>> {
    Ok(Json(call.app.push_list(&call.who, &q).await?))
}

/// Send a dead letter again (the bureau head, system administrators).
#[utoipa::path(post, path = "/api/v1/supervision/pushes/{id}/replay", tag = "监管",
    params(("id" = i64, Path, description = "推送编号")),
    responses((status = 200, body = Push), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn replay(
    call: CallerFor<gate::ManagePushes>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Push>> {
    Ok(Json(call.app.replay(&call.who, id).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct JurisdictionQuery {
    /// 县区代码
    pub jurisdiction: String,
}

/// The bureau's overview of a jurisdiction: counts per department, overdue acknowledgements, dead
/// letters, the departments' systems, licence acts waiting for a decision, findings per item.
#[utoipa::path(get, path = "/api/v1/supervision/overview", tag = "监管", params(JurisdictionQuery),
    responses((status = 200, body = Overview), (status = 403, body = ErrorBody)))]
pub async fn overview(
    call: CallerFor<gate::Bureau>,
    Query(q): Query<JurisdictionQuery>,
) -> ApiResult<Json<Overview>> {
    Ok(Json(call.app.overview(&call.who, &q.jurisdiction).await?))
}

/// Set (or switch off, with an empty url) a department's system that receives the pushes.
#[utoipa::path(put, path = "/api/v1/supervision/webhooks", tag = "监管", request_body = WebhookInput,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_webhook(
    call: CallerFor<gate::ManagePushes>,
    Body(input): Body<WebhookInput>,
) -> ApiResult<StatusCode> {
    call.app.set_webhook(&call.who, &input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Report a supervision finding (抄告) on a licence or a licensee.
#[utoipa::path(post, path = "/api/v1/supervision/findings", tag = "监管", request_body = FindingInput,
    responses((status = 201, body = Finding), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn finding(
    call: CallerFor<gate::Supervise>,
    Body(input): Body<FindingInput>,
) -> ApiResult<(StatusCode, Json<Finding>)> {
    Ok((
        StatusCode::CREATED,
        Json(call.app.record_finding(&call.who, &input).await?),
    ))
}

/// A page of the findings (抄告): a department's (its supervisors; the bureau) or a
/// jurisdiction's (the bureau); newest first; with how many the list holds and the cursor of the
/// next page.
#[utoipa::path(get, path = "/api/v1/supervision/findings", tag = "监管", params(SupervisionListQuery),
    responses((status = 200, body = FindingListPage), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn findings(
    call: Caller,
    Query(q): Query<SupervisionListQuery>,
) -> ApiResult<Json<FindingListPage>> {
    Ok(Json(call.app.finding_list(&call.who, &q).await?))
}

/// A page of the licence acts of a jurisdiction waiting for the bureau's decision (change,
/// renewal, cancellation applications; proposed revocations), by due date (one the calendar
/// cannot compute yet last); with how many are waiting and the cursor of the next page.
#[utoipa::path(get, path = "/api/v1/licence-acts", tag = "监管", params(SupervisionListQuery),
    responses((status = 200, body = ActListPage), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn open_acts(
    call: Caller,
    Query(q): Query<SupervisionListQuery>,
) -> ApiResult<Json<ActListPage>> {
    Ok(Json(call.app.open_act_list(&call.who, &q).await?))
}

/// A page of the commitment verification tasks (承诺核查): a department's (its supervisors; the
/// bureau) or a jurisdiction's (the bureau); open ones first, then by due date; with how many the
/// list holds and the cursor of the next page.
#[utoipa::path(get, path = "/api/v1/supervision/verifications", tag = "监管", params(SupervisionListQuery),
    responses((status = 200, body = TaskListPage), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn verifications(
    call: Caller,
    Query(q): Query<SupervisionListQuery>,
) -> ApiResult<Json<TaskListPage>> {
    Ok(Json(call.app.task_list(&call.who, &q).await?))
}

/// Record the outcome of a commitment verification: fulfilled, rectify by a date, or false (a
/// credit record and a proposed revocation follow).
#[utoipa::path(post, path = "/api/v1/supervision/verifications/{id}", tag = "监管", request_body = VerificationInput,
    params(("id" = i64, Path, description = "核查任务编号")),
    responses((status = 200, body = VerificationTask), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn verification(
    call: CallerFor<gate::Supervise>,
    Path(id): Path<i64>,
    Body(input): Body<VerificationInput>,
) -> ApiResult<Json<VerificationTask>> {
    Ok(Json(
        call.app.record_verification(&call.who, id, &input).await?,
    ))
}

/// A licence with its acts, findings, pushes and commitment verification (staff whose duty covers
/// it; the holder sees their own).
#[utoipa::path(get, path = "/api/v1/licences/{identifier}", tag = "监管",
    params(("identifier" = String, Path, description = "证照编号")),
    responses((status = 200, body = LicenceView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn licence(call: Caller, Path(identifier): Path<String>) -> ApiResult<Json<LicenceView>> {
    Ok(Json(call.app.licence_view(&call.who, &identifier).await?))
}

/// The applicant's licences (我的证照), newest first, a page at a time: those issued on its own
/// cases and, once its identity is verified, every licence held under its ID number; a bundle's
/// member licence once the bundle is released (统一出件). `X-Total-Count` says how many, and the
/// `Link` header (`rel="next"`) gives the next page's address until the last page.
#[utoipa::path(get, path = "/api/v1/my/licences", tag = "监管", params(PageQuery),
    responses((status = 200, body = Vec<yiyin_store::licences::Licence>, headers(
        ("X-Total-Count" = i64, description = "证照总数"),
        ("Link" = String, description = "下一页地址（rel=\"next\"），末页没有"),
    )), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn my_licences(
    call: CallerFor<gate::Applicant>,
    Query(q): Query<PageQuery>,
) -> ApiResult<(HeaderMap, Json<Vec<yiyin_store::licences::Licence>>)> {
    let page = call.app.my_licences(&call.who, &q.after, q.limit).await?;
    let limit = q.limit.map(|l| l.to_string()).unwrap_or_default();
    let headers = page_headers(
        page.count,
        page.next.as_deref(),
        "/api/v1/my/licences",
        &[("limit", limit)],
    );
    Ok((headers, Json(page.items)))
}

/// Act on a licence: apply for a change (Art. 49) or renewal (Art. 50) — the holder or a window —;
/// revoke (Art. 69), cancel (Art. 70), withdraw (Art. 8), record a rescission — the bureau.
#[utoipa::path(post, path = "/api/v1/licences/{identifier}/acts", tag = "监管", request_body = ActInput,
    params(("identifier" = String, Path, description = "证照编号")),
    responses((status = 201, body = LicenceAct), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn act(
    call: Caller,
    Path(identifier): Path<String>,
    Body(input): Body<ActInput>,
) -> ApiResult<(StatusCode, Json<LicenceAct>)> {
    let request = input.request()?;
    Ok((
        StatusCode::CREATED,
        Json(
            call.app
                .act_on_licence(&call.who, &identifier, &request)
                .await?,
        ),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DecisionInput {
    /// true grants the change or renewal; false denies it.
    pub grant: bool,
    /// The reasons (required for a denial).
    #[serde(default)]
    pub reason: String,
}

/// Decide a pending change or renewal.
#[utoipa::path(post, path = "/api/v1/licence-acts/{id}/decision", tag = "监管", request_body = DecisionInput,
    params(("id" = i64, Path, description = "证照事项编号")),
    responses((status = 200, body = LicenceAct), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn decide(
    call: CallerFor<gate::ActOnLicence>,
    Path(id): Path<i64>,
    Body(input): Body<DecisionInput>,
) -> ApiResult<Json<LicenceAct>> {
    Ok(Json(
        call.app
            .decide_act(&call.who, id, input.grant, &input.reason)
            .await?,
    ))
}

/// A licensee's licences, findings and credit records (staff, within their jurisdictions); the
/// licences a page at a time, newest first (`limit` 1 to 200, default 200; the next page `after`
/// the `licences_next` of the page before).
#[utoipa::path(get, path = "/api/v1/subjects/{holder_id}", tag = "监管",
    params(("holder_id" = String, Path, description = "统一社会信用代码或身份证号码"), PageQuery),
    responses((status = 200, body = SubjectView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn subject(
    call: Caller,
    Path(holder_id): Path<String>,
    Query(page): Query<PageQuery>,
) -> ApiResult<Json<SubjectView>> {
    Ok(Json(
        call.app
            .subject_view(&call.who, &holder_id, &page.after, page.limit)
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RepairInput {
    /// The basis of the repair (rectification completed, a credit commitment, a decision number).
    pub reason: String,
}

/// Repair a credit record (信用修复): lifts its bar on notify-and-commit (the bureau head).
#[utoipa::path(post, path = "/api/v1/credit-records/{id}/repair", tag = "监管", request_body = RepairInput,
    params(("id" = i64, Path, description = "信用记录编号")),
    responses((status = 200, body = CreditRecord), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn repair(
    call: CallerFor<gate::RepairCredit>,
    Path(id): Path<i64>,
    Body(input): Body<RepairInput>,
) -> ApiResult<Json<CreditRecord>> {
    Ok(Json(
        call.app.repair_credit(&call.who, id, &input.reason).await?,
    ))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct PlansQuery {
    /// 县区代码 (all when omitted).
    #[serde(default)]
    pub jurisdiction: Option<String>,
    /// The page after this plan: the `after` of the `Link: <…>; rel="next"` header of the page
    /// before (omitted: the first page).
    #[serde(default)]
    pub after: String,
    /// Plans per page, 1 to 200 (default 200).
    #[serde(default)]
    pub limit: Option<i64>,
}

/// The published random-inspection plans with their seeds, pools, draws and results (public),
/// newest first, a page at a time: `X-Total-Count` says how many are published, and the
/// `Link` header (`rel="next"`) gives the next page's address until the last page.
#[utoipa::path(get, path = "/api/v1/inspections", tag = "监管", params(PlansQuery),
    responses((status = 200, body = Vec<InspectionPlan>, headers(
        ("X-Total-Count" = i64, description = "公布的抽查计划总数"),
        ("Link" = String, description = "下一页地址（rel=\"next\"），末页没有"),
    )), (status = 422, body = ErrorBody)))]
pub async fn plans(
    State(state): State<App>,
    Query(q): Query<PlansQuery>,
) -> ApiResult<(HeaderMap, Json<Vec<InspectionPlan>>)> {
    let jurisdiction = q.jurisdiction.as_deref().filter(|j| !j.is_empty());
    let page = state.public_plans(jurisdiction, &q.after, q.limit).await?;
    let headers = super::paging::page_headers(
        page.count,
        page.next.as_deref(),
        "/api/v1/inspections",
        &[
            ("jurisdiction", jurisdiction.unwrap_or_default().to_string()),
            ("limit", q.limit.map(|l| l.to_string()).unwrap_or_default()),
        ],
    );
    Ok((headers, Json(page.items)))
}

/// One published plan (public; licensees' ID numbers, inspectors' accounts and the reasons of ties
/// are replaced by pseudonyms that keep the draw re-runnable).
#[utoipa::path(get, path = "/api/v1/inspections/{id}", tag = "监管",
    params(("id" = i64, Path, description = "抽查计划编号")),
    responses((status = 200, body = InspectionPlan), (status = 404, body = ErrorBody)))]
pub async fn plan(
    State(state): State<App>,
    Path(id): Path<i64>,
) -> ApiResult<Json<InspectionPlan>> {
    Ok(Json(public_plan(state.store.inspection_plan(id).await?)))
}

/// Publish a plan: the pools are fixed and their digest public before the draw; the seed is taken
/// at the draw from the first daily chain head signed after publication. One open plan per
/// department and item (a second is refused with 409).
#[utoipa::path(post, path = "/api/v1/inspections", tag = "监管", request_body = PlanInput,
    responses((status = 201, body = InspectionPlan), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn publish(
    call: CallerFor<gate::Supervise>,
    Body(input): Body<PlanInput>,
) -> ApiResult<(StatusCode, Json<InspectionPlan>)> {
    Ok((
        StatusCode::CREATED,
        Json(call.app.publish_plan(&call.who, &input).await?),
    ))
}

/// Make the draw of a published plan (once; refused until the first daily chain head signed after
/// publication exists, which gives the seed; anyone can re-run it from the published plan).
#[utoipa::path(post, path = "/api/v1/inspections/{id}/draw", tag = "监管",
    params(("id" = i64, Path, description = "抽查计划编号")),
    responses((status = 200, body = InspectionPlan), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn draw(
    call: CallerFor<gate::Supervise>,
    Path(id): Path<i64>,
) -> ApiResult<Json<InspectionPlan>> {
    Ok(Json(call.app.draw_plan(&call.who, id).await?))
}

/// Why a plan is cancelled (published with it).
#[derive(Debug, Deserialize, ToSchema)]
pub struct CancelInput {
    #[serde(default)]
    pub reason: String,
}

/// Cancel a plan before its draw; it stays public with the reason.
#[utoipa::path(post, path = "/api/v1/inspections/{id}/cancel", tag = "监管", request_body = CancelInput,
    params(("id" = i64, Path, description = "抽查计划编号")),
    responses((status = 200, body = InspectionPlan), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn cancel_plan(
    call: CallerFor<gate::Supervise>,
    Path(id): Path<i64>,
    Body(input): Body<CancelInput>,
) -> ApiResult<Json<InspectionPlan>> {
    Ok(Json(
        call.app.cancel_plan(&call.who, id, &input.reason).await?,
    ))
}

/// Record what the inspection of a drawn target found (published, and a finding on the licence).
#[utoipa::path(post, path = "/api/v1/inspections/{id}/results", tag = "监管", request_body = InspectionResultInput,
    params(("id" = i64, Path, description = "抽查计划编号")),
    responses((status = 200, body = InspectionPlan), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn result(
    call: CallerFor<gate::Supervise>,
    Path(id): Path<i64>,
    Body(input): Body<InspectionResultInput>,
) -> ApiResult<Json<InspectionPlan>> {
    Ok(Json(call.app.record_result(&call.who, id, &input).await?))
}

/// Declare that an inspector is tied to a licensee (the draw never pairs them).
#[utoipa::path(post, path = "/api/v1/inspections/ties", tag = "监管", request_body = TieInput,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn tie(
    call: CallerFor<gate::Supervise>,
    Body(input): Body<TieInput>,
) -> ApiResult<StatusCode> {
    call.app.declare_tie(&call.who, &input).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RiskInput {
    /// low | medium | high
    pub risk: String,
}

/// Grade a licensee's risk (its supervising department).
#[utoipa::path(put, path = "/api/v1/licences/{identifier}/risk", tag = "监管", request_body = RiskInput,
    params(("identifier" = String, Path, description = "证照编号")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn risk(
    call: CallerFor<gate::Supervise>,
    Path(identifier): Path<String>,
    Body(input): Body<RiskInput>,
) -> ApiResult<StatusCode> {
    if input.risk.trim().is_empty() {
        return Err(AppError::invalid("请选择风险等级").into());
    }
    call.app
        .set_risk(&call.who, &identifier, &input.risk)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
