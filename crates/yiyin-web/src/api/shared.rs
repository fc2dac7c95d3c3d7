//! The clerk's API for shared materials (免提交) of a case: fetch again (重新调取) what is not yet in
//! hand, and, when the source cannot answer, ask the applicant instead with the reason recorded
//! (改由申请人提交). The same use cases as the case page's forms (`yiyin_app::sharing`).

use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;
use yiyin_app::cases::CaseView;

use crate::auth::{CallerFor, gate};
use crate::error::{ApiResult, Body, ErrorBody, Path};

/// Fetch again every shared material of the case not yet in hand (the intake's duty); what is
/// fetched counts as provided. Each attempt, answered or not, is recorded with the case.
#[utoipa::path(post, path = "/api/v1/cases/{id}/shared-materials/fetch", tag = "办件",
    params(("id" = i64, Path, description = "办件编号（内部）")),
    responses((status = 200, body = CaseView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn fetch(
    call: CallerFor<gate::Intake>,
    Path(id): Path<i64>,
) -> ApiResult<Json<CaseView>> {
    let record = call.app.fetch_shared(&call.who, id).await?;
    Ok(Json(call.app.case_view(&call.who, record).await?))
}

/// A shared material to ask of the applicant instead.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Fallback {
    /// 材料编码
    pub material: String,
    /// Why it cannot be fetched (required).
    pub reason: String,
    /// The case's version seen (refused with 409 when it changed since).
    #[serde(default)]
    pub version: Option<i64>,
}

/// The source of a shared material could not answer: ask the applicant for it instead (it can then
/// be listed in the one-time notice), the reason recorded with the case.
#[utoipa::path(post, path = "/api/v1/cases/{id}/shared-materials/fallback", tag = "办件",
    params(("id" = i64, Path, description = "办件编号（内部）")), request_body = Fallback,
    responses((status = 200, body = CaseView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn fall_back(
    call: CallerFor<gate::Intake>,
    Path(id): Path<i64>,
    Body(req): Body<Fallback>,
) -> ApiResult<Json<CaseView>> {
    let record = call
        .app
        .fall_back(&call.who, id, req.version, req.material.trim(), &req.reason)
        .await?;
    Ok(Json(call.app.case_view(&call.who, record).await?))
}
