//! The delivery API (送达, Art. 44): each decision's and licence's delivery status on a case, the
//! recording of a window collection or a posting (and of a letter's returned receipt) by the window
//! roles of the case's jurisdiction, and the applicant's consent to electronic delivery.

use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;
use yiyin_app::deliveries::CaseDeliveries;
use yiyin_domain::delivery::DeliveryRequest;

use crate::auth::Caller;
use crate::error::{ApiResult, Body, ErrorBody, Path};

/// The date on a letter's returned receipt.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Receipt {
    /// YYYY-MM-DD.
    pub delivered_on: String,
}

/// The delivery status of each decision and licence of a case, and the consent to electronic
/// delivery.
#[utoipa::path(get, path = "/api/v1/cases/{id}/deliveries", tag = "办件",
    params(("id" = i64, Path, description = "办件编号（内部）")),
    responses((status = 200, body = CaseDeliveries), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(call: Caller, Path(id): Path<i64>) -> ApiResult<Json<CaseDeliveries>> {
    Ok(Json(call.app.case_deliveries(&call.who, id).await?))
}

/// Record a delivery: window collection (collector's name and ID, signer, agent or not) or post
/// (carrier, tracking number). Window roles of the case's jurisdiction only. One delivery per
/// document; a refused delivery (no consent, date before the document or in the future, second
/// delivery, bad input) is 422 and changes nothing.
#[utoipa::path(post, path = "/api/v1/cases/{id}/deliveries", tag = "办件", request_body = DeliveryRequest,
    params(("id" = i64, Path, description = "办件编号（内部）")),
    responses((status = 200, body = CaseDeliveries), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record(
    call: Caller,
    Path(id): Path<i64>,
    Body(req): Body<DeliveryRequest>,
) -> ApiResult<Json<CaseDeliveries>> {
    call.app.record_delivery(&call.who, id, &req).await?;
    Ok(Json(call.app.case_deliveries(&call.who, id).await?))
}

/// Record the date on a posted letter's returned receipt (送达回执).
#[utoipa::path(post, path = "/api/v1/cases/{id}/deliveries/{delivery}/receipt", tag = "办件", request_body = Receipt,
    params(("id" = i64, Path, description = "办件编号（内部）"), ("delivery" = i64, Path, description = "送达记录编号")),
    responses((status = 200, body = CaseDeliveries), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn receipt(
    call: Caller,
    Path((id, delivery)): Path<(i64, i64)>,
    Body(req): Body<Receipt>,
) -> ApiResult<Json<CaseDeliveries>> {
    call.app
        .record_delivery_receipt(&call.who, id, delivery, &req.delivered_on)
        .await?;
    Ok(Json(call.app.case_deliveries(&call.who, id).await?))
}

/// The applicant consents to electronic delivery on their case (or the window records the
/// applicant's written consent). Later decisions and licences are delivered electronically when
/// issued.
#[utoipa::path(post, path = "/api/v1/cases/{id}/deliveries/consent", tag = "办件",
    params(("id" = i64, Path, description = "办件编号（内部）")),
    responses((status = 200, body = CaseDeliveries), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn consent(call: Caller, Path(id): Path<i64>) -> ApiResult<Json<CaseDeliveries>> {
    Ok(Json(
        call.app.consent_electronic_delivery(&call.who, id).await?,
    ))
}
