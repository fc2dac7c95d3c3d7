//! The township delegation API (委托实施, 《行政许可法》第二十四条): a jurisdiction's delegations and
//! their published notices (委托书, public), creating and revoking one (the bureau head), and the
//! village agency points' forwardings (代收代办): a village point takes an application, its township
//! centre receives it and the case starts. Rules and permissions live in `yiyin_app::delegation`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yiyin_app::App;
use yiyin_app::cases::{ApplicantInput, outcome_of};
use yiyin_app::delegation::{DelegationNotice, DelegationView, ForwardingView, Revoked};
use yiyin_domain::delegation::DelegationRequest;

use crate::auth::{CallerFor, gate};
use crate::error::{ApiResult, Body, ErrorBody, Path};

/// The delegations of a jurisdiction, newest first, each with its state today (public: the
/// notices are published).
#[utoipa::path(get, path = "/api/v1/jurisdictions/{code}/delegations", tag = "委托",
    params(("code" = String, Path, description = "县区代码")),
    responses((status = 200, body = Vec<DelegationView>), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(app): State<App>,
    Path(jurisdiction): Path<String>,
) -> ApiResult<Json<Vec<DelegationView>>> {
    Ok(Json(app.delegations_of(&jurisdiction).await?))
}

/// Entrust a township government with delegated items (the bureau head): the delegating
/// authority, the township, the items (each declared 委托镇办理 for it in the catalog), the scope
/// (仅受理 / 受理和决定), the period, the legal basis, the notice number and the village points'
/// forwarding days (default 1 working day). A township's own staff may not delegate further.
#[utoipa::path(post, path = "/api/v1/jurisdictions/{code}/delegations", tag = "委托",
    params(("code" = String, Path, description = "县区代码")),
    request_body = DelegationRequest,
    responses((status = 201, body = DelegationView), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    call: CallerFor<gate::Delegate>,
    Path(jurisdiction): Path<String>,
    Body(req): Body<DelegationRequest>,
) -> ApiResult<(StatusCode, Json<DelegationView>)> {
    Ok((
        StatusCode::CREATED,
        Json(
            call.app
                .create_delegation(&call.who, &jurisdiction, &req)
                .await?,
        ),
    ))
}

/// Why a delegation is revoked.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RevokeRequest {
    pub reason: String,
}

/// Revoke a delegation from today (the bureau head): its open cases at the township are handed
/// back to the bureau (an event on each, clocks unchanged); the township's new intake is refused.
#[utoipa::path(post, path = "/api/v1/jurisdictions/{code}/delegations/{id}/revoke", tag = "委托",
    params(("code" = String, Path, description = "县区代码"), ("id" = i64, Path, description = "委托编号")),
    request_body = RevokeRequest,
    responses((status = 200, body = Revoked), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn revoke(
    call: CallerFor<gate::Delegate>,
    Path((jurisdiction, id)): Path<(String, i64)>,
    Body(req): Body<RevokeRequest>,
) -> ApiResult<Json<Revoked>> {
    Ok(Json(
        call.app
            .revoke_delegation(&call.who, &jurisdiction, id, &req.reason)
            .await?,
    ))
}

/// The published notice of a delegation (委托书), public.
#[utoipa::path(get, path = "/api/v1/jurisdictions/{code}/delegations/{id}/notice", tag = "委托",
    params(("code" = String, Path, description = "县区代码"), ("id" = i64, Path, description = "委托编号")),
    responses((status = 200, body = DelegationNotice), (status = 404, body = ErrorBody)))]
pub async fn notice(
    State(app): State<App>,
    Path((jurisdiction, id)): Path<(String, i64)>,
) -> ApiResult<Json<DelegationNotice>> {
    Ok(Json(app.delegation_notice(&jurisdiction, id).await?))
}

/// An application a village agency point takes (代收).
#[derive(Debug, Deserialize, ToSchema)]
pub struct TakeRequest {
    pub item_code: String,
    pub applicant: ApplicantInput,
    #[serde(default)]
    pub materials: Vec<String>,
}

/// A village agency point takes an application for a delegated item (代收), due at its township
/// centre within the delegation's forwarding days; the case does not start yet.
#[utoipa::path(post, path = "/api/v1/jurisdictions/{code}/forwardings", tag = "委托",
    params(("code" = String, Path, description = "县区代码")),
    request_body = TakeRequest,
    responses((status = 201, body = ForwardingView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn take(
    call: CallerFor<gate::Receive>,
    Path(jurisdiction): Path<String>,
    Body(req): Body<TakeRequest>,
) -> ApiResult<(StatusCode, Json<ForwardingView>)> {
    let applicant = req.applicant.parse()?;
    Ok((
        StatusCode::CREATED,
        Json(
            call.app
                .take_at_village(
                    &call.who,
                    &jurisdiction,
                    &req.item_code,
                    applicant,
                    req.materials,
                )
                .await?,
        ),
    ))
}

/// The applications a township's village points took, waiting ones first, each with its warning
/// (代办点逾期未转交).
#[utoipa::path(get, path = "/api/v1/jurisdictions/{code}/townships/{township}/forwardings", tag = "委托",
    params(("code" = String, Path, description = "县区代码"), ("township" = String, Path, description = "镇代码")),
    responses((status = 200, body = Vec<ForwardingView>), (status = 403, body = ErrorBody)))]
pub async fn forwardings(
    call: CallerFor<gate::ViewCase>,
    Path((jurisdiction, township)): Path<(String, String)>,
) -> ApiResult<Json<Vec<ForwardingView>>> {
    Ok(Json(
        call.app
            .forwardings_of(&call.who, &jurisdiction, &township)
            .await?,
    ))
}

/// The township centre's receipt of a forwarded application, with the window's outcome.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ReceiveForwarded {
    /// receive (default) or accept, supplement, refuse…, as for a window's receipt.
    #[serde(default)]
    pub outcome: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// What the township's receipt made.
#[derive(Debug, Serialize, ToSchema)]
pub struct ForwardedCase {
    /// The case's id and number.
    pub case_id: i64,
    pub number: String,
    /// The day the case was received (its clock starts then).
    pub received_on: String,
    pub forwarding: ForwardingView,
}

/// The township centre receives a forwarded application (代办): the case is received today — its
/// clock starts now, not when the village point took it; a late forwarding is recorded on it.
#[utoipa::path(post, path = "/api/v1/jurisdictions/{code}/forwardings/{id}/receive", tag = "委托",
    params(("code" = String, Path, description = "县区代码"), ("id" = i64, Path, description = "代收编号")),
    request_body = ReceiveForwarded,
    responses((status = 201, body = ForwardedCase), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn receive(
    call: CallerFor<gate::Receive>,
    Path((jurisdiction, id)): Path<(String, i64)>,
    Body(req): Body<ReceiveForwarded>,
) -> ApiResult<(StatusCode, Json<ForwardedCase>)> {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let outcome = outcome_of(&opt(&req.outcome), "", &opt(&req.reason), "")?;
    let (received, forwarding) = call
        .app
        .receive_forwarded(&call.who, &jurisdiction, id, outcome)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(ForwardedCase {
            case_id: received.record.id,
            number: received.record.number.clone(),
            received_on: yiyin_domain::calendar::fmt_date(received.record.case.received_on),
            forwarding,
        }),
    ))
}
