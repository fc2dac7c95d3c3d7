//! The requests centre's partner applications: the centre's manager issues an Open311 key
//! (`api_key`) to a partner application of their jurisdiction (the key is shown once), lists the
//! keys issued and revokes one.

use axum::Json;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use yiyin_app::tickets::IssuedKey;
use yiyin_store::open311::PartnerKey;

use crate::auth::{CallerFor, gate};
use crate::error::{ApiResult, Body, ErrorBody, Path, Query};

/// A partner application to issue a key to.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PartnerInput {
    /// The jurisdiction (county) code.
    pub jurisdiction: String,
    /// The partner application's name.
    pub name: String,
}

/// Issue an Open311 key to a partner application (the centre's manager). The key is shown once:
/// only its SM3 is kept.
#[utoipa::path(post, path = "/api/v1/tickets/partners", tag = "诉求中心", request_body = PartnerInput,
    responses((status = 201, body = IssuedKey), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn issue(
    call: CallerFor<gate::ManageTickets>,
    Body(input): Body<PartnerInput>,
) -> ApiResult<(StatusCode, Json<IssuedKey>)> {
    let issued = call
        .app
        .issue_partner_key(&call.who, &input.jurisdiction, &input.name)
        .await?;
    Ok((StatusCode::CREATED, Json(issued)))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct PartnersOf {
    /// The jurisdiction (county) code.
    pub jurisdiction: String,
}

/// The partner keys of a jurisdiction, newest first, without the keys (the centre's manager).
#[utoipa::path(get, path = "/api/v1/tickets/partners", tag = "诉求中心", params(PartnersOf),
    responses((status = 200, body = Vec<PartnerKey>), (status = 403, body = ErrorBody)))]
pub async fn list(
    call: CallerFor<gate::ManageTickets>,
    Query(q): Query<PartnersOf>,
) -> ApiResult<Json<Vec<PartnerKey>>> {
    Ok(Json(
        call.app.partner_keys(&call.who, &q.jurisdiction).await?,
    ))
}

/// Revoke a partner key (the centre's manager): the partner's Open311 requests are refused.
#[utoipa::path(post, path = "/api/v1/tickets/partners/{id}/revoke", tag = "诉求中心",
    params(("id" = i64, Path, description = "密钥编号")),
    responses((status = 200, body = PartnerKey), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn revoke(
    call: CallerFor<gate::ManageTickets>,
    Path(id): Path<i64>,
) -> ApiResult<Json<PartnerKey>> {
    Ok(Json(call.app.revoke_partner_key(&call.who, id).await?))
}
