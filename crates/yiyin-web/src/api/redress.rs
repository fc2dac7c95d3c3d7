//! The reconsideration and litigation API (行政复议答复、行政诉讼应诉): the register of a jurisdiction
//! with each entry's reply deadline and warning, registering a challenge, filing the reply,
//! recording the outcome (a revoked decision revokes the licence), and the challenged case's archive
//! package as the file. The bureau head only; rules and permissions live in `yiyin_app::redress`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use utoipa::IntoParams;
use yiyin_app::redress::{OutcomeRequest, RedressRegister, RedressView, ReplyRequest};
use yiyin_domain::redress::RegisterRequest;

use crate::auth::{CallerFor, gate};
use crate::error::{ApiResult, Body, ErrorBody, Path, Query};

#[derive(Debug, Deserialize, IntoParams)]
pub struct RegisterQuery {
    /// 县区代码
    pub jurisdiction: String,
}

/// The register of a jurisdiction: unanswered entries by due date with their warnings (临期: due
/// within 3 working days; 已逾期), then the concluded ones.
#[utoipa::path(get, path = "/api/v1/redress", tag = "复议应诉", params(RegisterQuery),
    responses((status = 200, body = RedressRegister), (status = 403, body = ErrorBody)))]
pub async fn list(
    call: CallerFor<gate::Redress>,
    Query(q): Query<RegisterQuery>,
) -> ApiResult<Json<RedressRegister>> {
    Ok(Json(
        call.app
            .redress_register(&call.who, &q.jurisdiction)
            .await?,
    ))
}

/// Register a reconsideration (行政复议) or a lawsuit (行政诉讼) against a decision of the bureau:
/// the case or licence challenged, the applicant or plaintiff, the reviewing body or court and its
/// file number, the day the copy was received, the responsible staff. The reply deadline is
/// counted by the kind's statutory rule (《行政复议法》第四十八条、第八十八条: 10 working days;
/// 《行政诉讼法》第六十七条 with 《民事诉讼法》第八十五条: 15 days, a last day on a holiday moved) and
/// kept with the entry. A refusal (a date in the future or before the decision, bad input) is 422
/// and changes nothing.
#[utoipa::path(post, path = "/api/v1/redress", tag = "复议应诉", params(RegisterQuery),
    request_body = RegisterRequest,
    responses((status = 201, body = RedressView), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn register(
    call: CallerFor<gate::Redress>,
    Query(q): Query<RegisterQuery>,
    Body(req): Body<RegisterRequest>,
) -> ApiResult<(StatusCode, Json<RedressView>)> {
    Ok((
        StatusCode::CREATED,
        Json(
            call.app
                .register_redress(&call.who, &q.jurisdiction, &req)
                .await?,
        ),
    ))
}

/// One register entry with its deadline, how it was counted, and its warning.
#[utoipa::path(get, path = "/api/v1/redress/{id}", tag = "复议应诉",
    params(("id" = i64, Path, description = "登记编号")),
    responses((status = 200, body = RedressView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    call: CallerFor<gate::Redress>,
    Path(id): Path<i64>,
) -> ApiResult<Json<RedressView>> {
    Ok(Json(call.app.redress_entry(&call.who, id).await?))
}

/// Record the reply (书面答复 or 答辩状) filed; once, before the outcome. One filed after the
/// deadline is recorded as late.
#[utoipa::path(post, path = "/api/v1/redress/{id}/reply", tag = "复议应诉", request_body = ReplyRequest,
    params(("id" = i64, Path, description = "登记编号")),
    responses((status = 200, body = RedressView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reply(
    call: CallerFor<gate::Redress>,
    Path(id): Path<i64>,
    Body(req): Body<ReplyRequest>,
) -> ApiResult<Json<RedressView>> {
    Ok(Json(
        call.app.file_redress_reply(&call.who, id, &req).await?,
    ))
}

/// Record the outcome (维持, 变更, 撤销, 确认违法, 责令重作, 驳回, 撤回); once, not before the copy was
/// received. 撤销 and 责令重作 revoke the licence still in force (its revocation decision sealed and
/// pushed; public verification shows it revoked).
#[utoipa::path(post, path = "/api/v1/redress/{id}/outcome", tag = "复议应诉", request_body = OutcomeRequest,
    params(("id" = i64, Path, description = "登记编号")),
    responses((status = 200, body = RedressView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn outcome(
    call: CallerFor<gate::Redress>,
    Path(id): Path<i64>,
    Body(req): Body<OutcomeRequest>,
) -> ApiResult<Json<RedressView>> {
    Ok(Json(
        call.app.record_redress_outcome(&call.who, id, &req).await?,
    ))
}

/// The file for the reviewing body or court: the challenged case's archive package (zip).
#[utoipa::path(get, path = "/api/v1/redress/{id}/file", tag = "复议应诉",
    params(("id" = i64, Path, description = "登记编号")),
    responses((status = 200, content_type = "application/zip", body = Vec<u8>),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn file(call: CallerFor<gate::Redress>, Path(id): Path<i64>) -> ApiResult<Response> {
    let (name, bytes) = call.app.redress_file(&call.who, id).await?;
    Ok(crate::pages::file_response(
        "application/zip",
        &name,
        false,
        bytes,
    ))
}
