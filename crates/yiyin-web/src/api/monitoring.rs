//! The e-monitoring API (电子监察): the yellow and red cards of the monitoring desk, the appeal
//! (申诉) of a card and its decision. Rules and permissions live in `yiyin_app::monitoring`; these
//! handlers only translate, each gated by role before its path, query or body is read.

use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;
use yiyin_app::monitoring::{CardPage, CardQuery};
use yiyin_store::monitoring::MonitoringCard;

use crate::auth::{CallerFor, gate};
use crate::error::{ApiResult, Body, ErrorBody, Path, Query};

/// A page of the cards of a jurisdiction, newest first: every card for the discipline supervisor
/// and the bureau head, the own department's for an observer. Filters: department, item, window,
/// staff member, colour, the card's date range, the appeal state; `count` is how many match,
/// `next` the `after` of the next page (absent on the last).
#[utoipa::path(get, path = "/api/v1/monitoring/cards", tag = "电子监察", params(CardQuery),
    responses((status = 200, body = CardPage), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn cards(
    call: CallerFor<gate::Monitor>,
    Query(q): Query<CardQuery>,
) -> ApiResult<Json<CardPage>> {
    Ok(Json(call.app.cards(&call.who, &q).await?))
}

/// An appeal of a card.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AppealInput {
    /// 申诉理由
    pub reason: String,
}

/// Appeal (申诉) a card: once per card, by those who decide its case (the section chief, the
/// bureau head), with a reason. The card stays as issued.
#[utoipa::path(post, path = "/api/v1/monitoring/cards/{id}/appeal", tag = "电子监察",
    params(("id" = i64, Path, description = "监察牌编号")), request_body = AppealInput,
    responses((status = 200, body = MonitoringCard), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn appeal(
    call: CallerFor<gate::AppealCard>,
    Path(id): Path<i64>,
    Body(req): Body<AppealInput>,
) -> ApiResult<Json<MonitoringCard>> {
    Ok(Json(
        call.app.appeal_card(&call.who, id, &req.reason).await?,
    ))
}

/// The decision on an appeal.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AppealDecision {
    /// true: 申诉成立; false: 申诉不成立.
    pub uphold: bool,
    /// 复核意见
    pub reason: String,
}

/// Decide the appeal of a card: the discipline supervisor (纪检监察人员) alone, with a reason.
#[utoipa::path(post, path = "/api/v1/monitoring/cards/{id}/appeal/decision", tag = "电子监察",
    params(("id" = i64, Path, description = "监察牌编号")), request_body = AppealDecision,
    responses((status = 200, body = MonitoringCard), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn decide(
    call: CallerFor<gate::Monitor>,
    Path(id): Path<i64>,
    Body(req): Body<AppealDecision>,
) -> ApiResult<Json<MonitoringCard>> {
    let card = call
        .app
        .decide_appeal(&call.who, id, req.uphold, &req.reason)
        .await?;
    Ok(Json(card))
}
