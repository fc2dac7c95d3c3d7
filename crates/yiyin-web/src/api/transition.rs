//! The switch-over API (划转): a jurisdiction's transfer plan and batches with each batch's
//! readiness report, switching a batch, migrating a case accepted before the switch, naming the
//! departments' observers (the bureau head); and the observers' own reads and comments (评注)
//! during the transition period. Rules and permissions live in `yiyin_app::transition`.

use axum::Json;
use axum::http::StatusCode;
use yiyin_app::transition::{
    BatchRequest, BatchView, CommentRequest, MigrateRequest, ObservedCase, ObservedLine,
    ObserverRequest, PlanRequest, TransitionView,
};
use yiyin_store::cases::CaseRecord;
use yiyin_store::transition::CaseComment;

use crate::auth::{CallerFor, gate};
use crate::error::{ApiResult, Body, ErrorBody, Path};

/// The jurisdiction's transfer plan, its batches each with its readiness report (green/red lines
/// with their explanations) and the observers named.
#[utoipa::path(get, path = "/api/v1/jurisdictions/{code}/transition", tag = "事项划转",
    params(("code" = String, Path, description = "县区代码")),
    responses((status = 200, body = TransitionView), (status = 403, body = ErrorBody)))]
pub async fn get(
    call: CallerFor<gate::Transition>,
    Path(j): Path<String>,
) -> ApiResult<Json<TransitionView>> {
    Ok(Json(call.app.transition(&call.who, &j).await?))
}

/// Set the transfer plan: its name, the day it was approved and by whom, and the last day of the
/// transition period (empty: three months from the approval).
#[utoipa::path(put, path = "/api/v1/jurisdictions/{code}/transition", tag = "事项划转",
    params(("code" = String, Path, description = "县区代码")), request_body = PlanRequest,
    responses((status = 200, body = TransitionView), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn set_plan(
    call: CallerFor<gate::Transition>,
    Path(j): Path<String>,
    Body(req): Body<PlanRequest>,
) -> ApiResult<Json<TransitionView>> {
    Ok(Json(call.app.set_transfer_plan(&call.who, &j, &req).await?))
}

/// Add a batch (its items, source department and switch date); it starts 准备中.
#[utoipa::path(post, path = "/api/v1/jurisdictions/{code}/transition/batches", tag = "事项划转",
    params(("code" = String, Path, description = "县区代码")), request_body = BatchRequest,
    responses((status = 201, body = BatchView), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_batch(
    call: CallerFor<gate::Transition>,
    Path(j): Path<String>,
    Body(req): Body<BatchRequest>,
) -> ApiResult<(StatusCode, Json<BatchView>)> {
    Ok((
        StatusCode::CREATED,
        Json(call.app.add_transfer_batch(&call.who, &j, &req).await?),
    ))
}

/// One batch with its readiness report.
#[utoipa::path(get, path = "/api/v1/jurisdictions/{code}/transition/batches/{id}/readiness",
    tag = "事项划转",
    params(("code" = String, Path, description = "县区代码"),
        ("id" = i64, Path, description = "批次编号")),
    responses((status = 200, body = BatchView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn readiness(
    call: CallerFor<gate::Transition>,
    Path((j, id)): Path<(String, i64)>,
) -> ApiResult<Json<BatchView>> {
    Ok(Json(call.app.transfer_batch(&call.who, &j, id).await?))
}

/// Switch a batch to the bureau: refused (422, listing the red lines) unless every readiness line
/// is green; the bureau handles its items from the switch date on.
#[utoipa::path(post, path = "/api/v1/jurisdictions/{code}/transition/batches/{id}/switch",
    tag = "事项划转",
    params(("code" = String, Path, description = "县区代码"),
        ("id" = i64, Path, description = "批次编号")),
    responses((status = 200, body = BatchView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn switch(
    call: CallerFor<gate::Transition>,
    Path((j, id)): Path<(String, i64)>,
) -> ApiResult<Json<BatchView>> {
    Ok(Json(call.app.switch_batch(&call.who, &j, id).await?))
}

/// Migrate a case accepted before its batch's switch to the bureau, with the reason: a new case
/// number (the old one kept as an alias), the bureau as the deciding authority; the clock
/// unchanged.
#[utoipa::path(post, path = "/api/v1/jurisdictions/{code}/transition/cases/{id}/migrate",
    tag = "事项划转",
    params(("code" = String, Path, description = "县区代码"),
        ("id" = i64, Path, description = "办件ID")), request_body = MigrateRequest,
    responses((status = 200, body = CaseRecord), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn migrate(
    call: CallerFor<gate::Transition>,
    Path((j, id)): Path<(String, i64)>,
    Body(req): Body<MigrateRequest>,
) -> ApiResult<Json<CaseRecord>> {
    Ok(Json(call.app.migrate_case(&call.who, &j, id, &req).await?))
}

/// Record an observer (审批观察员) a source department named for the transition period.
#[utoipa::path(post, path = "/api/v1/jurisdictions/{code}/transition/observers",
    tag = "事项划转",
    params(("code" = String, Path, description = "县区代码")), request_body = ObserverRequest,
    responses((status = 200, body = TransitionView), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn name_observer(
    call: CallerFor<gate::Transition>,
    Path(j): Path<String>,
    Body(req): Body<ObserverRequest>,
) -> ApiResult<Json<TransitionView>> {
    Ok(Json(call.app.name_observer(&call.who, &j, &req).await?))
}

/// The observer's cases: every case of their department's former items (during the period).
#[utoipa::path(get, path = "/api/v1/jurisdictions/{code}/transition/observed",
    tag = "事项划转",
    params(("code" = String, Path, description = "县区代码")),
    responses((status = 200, body = Vec<ObservedLine>), (status = 403, body = ErrorBody)))]
pub async fn observed(
    call: CallerFor<gate::Staff>,
    Path(j): Path<String>,
) -> ApiResult<Json<Vec<ObservedLine>>> {
    Ok(Json(call.app.observed_cases(&call.who, &j).await?))
}

/// One case for its observer: every event and document and the comments; the read is logged.
#[utoipa::path(get, path = "/api/v1/jurisdictions/{code}/transition/observed/{id}",
    tag = "事项划转",
    params(("code" = String, Path, description = "县区代码"),
        ("id" = i64, Path, description = "办件ID")),
    responses((status = 200, body = ObservedCase), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn observed_case(
    call: CallerFor<gate::Staff>,
    Path((_j, id)): Path<(String, i64)>,
) -> ApiResult<Json<ObservedCase>> {
    Ok(Json(call.app.observed_case(&call.who, id).await?))
}

/// An observer's comment (评注) on a case, shown to its handlers; logged.
#[utoipa::path(post, path = "/api/v1/jurisdictions/{code}/transition/observed/{id}/comments",
    tag = "事项划转",
    params(("code" = String, Path, description = "县区代码"),
        ("id" = i64, Path, description = "办件ID")), request_body = CommentRequest,
    responses((status = 201, body = CaseComment), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn comment(
    call: CallerFor<gate::Staff>,
    Path((_j, id)): Path<(String, i64)>,
    Body(req): Body<CommentRequest>,
) -> ApiResult<(StatusCode, Json<CaseComment>)> {
    Ok((
        StatusCode::CREATED,
        Json(call.app.comment_case(&call.who, id, &req).await?),
    ))
}

/// The observers' comments on a case, for those who may read it.
#[utoipa::path(get, path = "/api/v1/cases/{id}/comments", tag = "事项划转",
    params(("id" = i64, Path, description = "办件ID")),
    responses((status = 200, body = Vec<CaseComment>), (status = 403, body = ErrorBody)))]
pub async fn case_comments(
    call: CallerFor<gate::Staff>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<CaseComment>>> {
    Ok(Json(call.app.case_comments(&call.who, id).await?))
}
