//! The window's look-up of an applicant the jurisdiction already knows, by citizen ID number or
//! credit code, so that the intake form is prefilled (window staff of the jurisdiction only; each
//! look-up is recorded). The identifier travels in the body, never in an address that logs keep.

use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;
use yiyin_app::portal::KnownApplicant;

use crate::auth::{CallerFor, gate};
use crate::error::{ApiResult, AppError, Body, ErrorBody, Path};

/// What the window looks up.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LookUp {
    /// 公民身份号码或统一社会信用代码
    pub id_number: String,
}

/// The applicant with this ID number or credit code as the jurisdiction knows them: from its
/// latest case under the identifier, else from an applicant account registered with it. Window
/// staff of the jurisdiction; recorded in the event log.
#[utoipa::path(post, path = "/api/v1/jurisdictions/{code}/applicants/lookup", tag = "办件",
    params(("code" = String, Path, description = "县区代码")),
    request_body = LookUp,
    responses((status = 200, body = KnownApplicant), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn look_up(
    call: CallerFor<gate::Receive>,
    Path(code): Path<String>,
    Body(req): Body<LookUp>,
) -> ApiResult<Json<KnownApplicant>> {
    call.app
        .look_up_applicant(&call.who, &code, &req.id_number)
        .await?
        .map(Json)
        .ok_or_else(|| {
            AppError::NotFound("本县区没有这个证件号码的申请人记录，请按证件填写".into()).into()
        })
}
