//! The satisfaction-rating API (好差评): the applicant's online rating of a case or of a closed
//! requests-centre ticket, the window's
//! one-time rating link and the public rating of a visit through it, the ratings desk (lists,
//! detail, the bad-rating loop), the jurisdiction's deadlines and the public rates. Rules and
//! permissions live in `yiyin_app::ratings`; these handlers only translate, each gated by role
//! before its path, query or body is read (the public ones excepted, throttled per address).

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::Deserialize;
use utoipa::ToSchema;
use yiyin_app::App;
use yiyin_app::ratings::{
    Period, PublishedRectification, RateInput, RatingDetail, RatingLink, RatingQuery, RatingRates,
    RatingView, TaskInput, Visit,
};
use yiyin_domain::authz::Operation;
use yiyin_domain::ratings::Settings;
use yiyin_store::ratings::RatingRecord;

use crate::auth::{CallerFor, gate};
use crate::error::{ApiResult, Body, ErrorBody, Path, Query};

/// The ratings of a jurisdiction, newest first, without the raters' identity: every department's
/// for the rating administrator, the bureau head, the discipline supervisor and the bureau's section
/// chiefs; their own department's for an observer or a resident department's chief. A page at a
/// time: `X-Total-Count` says how many the filter matches, and the `Link` header (`rel="next"`)
/// gives the next page's address, with the filter kept, until the last page.
#[utoipa::path(get, path = "/api/v1/ratings", tag = "好差评", params(RatingQuery),
    responses((status = 200, body = Vec<RatingView>, headers(
        ("X-Total-Count" = i64, description = "符合条件的评价总数"),
        ("Link" = String, description = "下一页地址（rel=\"next\"），末页没有"),
    )), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    call: CallerFor<gate::RatingsDesk>,
    Query(q): Query<RatingQuery>,
) -> ApiResult<(HeaderMap, Json<Vec<RatingView>>)> {
    let page = call.app.rating_page(&call.who, &q).await?;
    let given = |v: &Option<String>| v.clone().unwrap_or_default();
    let headers = super::paging::page_headers(
        page.count,
        page.next.as_deref(),
        "/api/v1/ratings",
        &[
            ("jurisdiction", q.jurisdiction.clone()),
            ("department", given(&q.department)),
            ("bad", q.bad.map(|b| b.to_string()).unwrap_or_default()),
            ("state", given(&q.state)),
            ("from", given(&q.from)),
            ("to", given(&q.to)),
            ("limit", q.limit.map(|l| l.to_string()).unwrap_or_default()),
        ],
    );
    Ok((headers, Json(page.items)))
}

/// One rating with its rectification steps; the rater of a named rating only for the rating
/// administrator.
#[utoipa::path(get, path = "/api/v1/ratings/{id}", tag = "好差评",
    params(("id" = i64, Path, description = "评价编号")),
    responses((status = 200, body = RatingDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn detail(
    call: CallerFor<gate::RatingsDesk>,
    Path(id): Path<i64>,
) -> ApiResult<Json<RatingDetail>> {
    Ok(Json(call.app.rating_detail(&call.who, id).await?))
}

/// An act on the rectification task of a bad rating: contact (联系核实), rectify (整改: 立行立改 /
/// 限期整改 / 解释说明), callback (回访, required for named ratings), appeal (申诉) by the rated side;
/// decide_appeal (申诉复核) by the rating administrator alone.
#[utoipa::path(post, path = "/api/v1/ratings/{id}/actions", tag = "好差评",
    params(("id" = i64, Path, description = "评价编号")), request_body = TaskInput,
    responses((status = 200, body = RatingRecord), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn act(
    call: CallerFor<gate::RatingsAct>,
    Path(id): Path<i64>,
    Body(input): Body<TaskInput>,
) -> ApiResult<Json<RatingRecord>> {
    Ok(Json(call.app.act_on_rating(&call.who, id, &input).await?))
}

/// The applicant rates their own case online once its result is out (一事一评), once.
#[utoipa::path(post, path = "/api/v1/ratings/cases/{id}", tag = "好差评",
    params(("id" = i64, Path, description = "办件编号（内部编号）")), request_body = RateInput,
    responses((status = 200, body = RatingRecord), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn rate_case(
    call: CallerFor<gate::Applicant>,
    Path(id): Path<i64>,
    Body(input): Body<RateInput>,
) -> ApiResult<Json<RatingRecord>> {
    Ok(Json(call.app.rate_online(&call.who, id, &input).await?))
}

/// The applicant who filed a requests-centre ticket rates it online once it is closed (一事一评),
/// once; a bad rating opens the rectification of the department that handled it.
#[utoipa::path(post, path = "/api/v1/ratings/tickets/{id}", tag = "好差评",
    params(("id" = i64, Path, description = "工单编号（内部编号）")), request_body = RateInput,
    responses((status = 200, body = RatingRecord), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn rate_ticket(
    call: CallerFor<gate::Applicant>,
    Path(id): Path<i64>,
    Body(input): Body<RateInput>,
) -> ApiResult<Json<RatingRecord>> {
    Ok(Json(call.app.rate_ticket(&call.who, id, &input).await?))
}

/// The kind of rating link to open.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LinkInput {
    /// window（窗口平板，2小时内有效）或 sms（短信链接，7日内有效）.
    #[serde(default)]
    pub channel: String,
}

/// The window clerk of a case opens a one-time rating link for the visit (一次一评); the token is
/// shown once.
#[utoipa::path(post, path = "/api/v1/ratings/cases/{id}/link", tag = "好差评",
    params(("id" = i64, Path, description = "办件编号（内部编号）")), request_body = LinkInput,
    responses((status = 200, body = RatingLink), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn open_link(
    call: CallerFor<gate::Receive>,
    Path(id): Path<i64>,
    Body(input): Body<LinkInput>,
) -> ApiResult<Json<RatingLink>> {
    Ok(Json(
        call.app
            .open_rating_link(&call.who, id, &input.channel)
            .await?,
    ))
}

/// What a valid rating link rates (public; throttled per address).
#[utoipa::path(get, path = "/api/v1/ratings/visit/{token}", tag = "好差评",
    params(("token" = String, Path, description = "评价链接中的令牌")),
    responses((status = 200, body = Visit), (status = 404, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn visit(State(app): State<App>, Path(token): Path<String>) -> ApiResult<Json<Visit>> {
    Ok(Json(app.rating_visit(&token).await?))
}

/// Rates a visit through its one-time link, without logging in (public; throttled per address);
/// the link is used up.
#[utoipa::path(post, path = "/api/v1/ratings/visit/{token}", tag = "好差评",
    params(("token" = String, Path, description = "评价链接中的令牌")), request_body = RateInput,
    responses((status = 200, body = RatingRecord), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub async fn rate_visit(
    State(app): State<App>,
    Path(token): Path<String>,
    Body(input): Body<RateInput>,
) -> ApiResult<Json<RatingRecord>> {
    Ok(Json(app.rate_by_token(&token, &input).await?))
}

/// The bad-rating deadlines of a jurisdiction.
#[utoipa::path(get, path = "/api/v1/ratings/settings/{jurisdiction}", tag = "好差评",
    params(("jurisdiction" = String, Path, description = "县区代码")),
    responses((status = 200, body = Settings), (status = 403, body = ErrorBody)))]
pub async fn settings(
    call: CallerFor<gate::RatingsAdmin>,
    Path(jurisdiction): Path<String>,
) -> ApiResult<Json<Settings>> {
    call.who
        .require_in(Operation::ManageRatings, &jurisdiction)?;
    Ok(Json(call.app.rating_settings(&jurisdiction).await?))
}

/// Set the bad-rating deadlines of a jurisdiction (the rating administrator), in working days:
/// contact a named rater, rectify.
#[utoipa::path(put, path = "/api/v1/ratings/settings/{jurisdiction}", tag = "好差评",
    params(("jurisdiction" = String, Path, description = "县区代码")), request_body = Settings,
    responses((status = 200, body = Settings), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_settings(
    call: CallerFor<gate::RatingsAdmin>,
    Path(jurisdiction): Path<String>,
    Body(input): Body<Settings>,
) -> ApiResult<Json<Settings>> {
    Ok(Json(
        call.app
            .set_rating_settings(&call.who, &jurisdiction, input)
            .await?,
    ))
}

/// 好评率 and 差评整改率 of a jurisdiction over a period, in all and per department (public).
/// Ratings whose appeal was upheld are left out.
#[utoipa::path(get, path = "/api/v1/ratings/rates/{jurisdiction}", tag = "好差评",
    params(("jurisdiction" = String, Path, description = "县区代码"), Period),
    responses((status = 200, body = RatingRates), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn rates(
    State(app): State<App>,
    Path(jurisdiction): Path<String>,
    Query(p): Query<Period>,
) -> ApiResult<Json<RatingRates>> {
    let (from, to) = p.dates(app.today())?;
    Ok(Json(app.rating_rates(&jurisdiction, from, to).await?))
}

/// The finished rectifications of bad ratings of a jurisdiction, newest first, as the public page
/// publishes them: the rater's name masked (王*), anonymous raters as 匿名 (public).
#[utoipa::path(get, path = "/api/v1/ratings/rectifications/{jurisdiction}", tag = "好差评",
    params(("jurisdiction" = String, Path, description = "县区代码")),
    responses((status = 200, body = Vec<PublishedRectification>), (status = 404, body = ErrorBody)))]
pub async fn rectifications(
    State(app): State<App>,
    Path(jurisdiction): Path<String>,
) -> ApiResult<Json<Vec<PublishedRectification>>> {
    Ok(Json(app.published_rectifications(&jurisdiction).await?))
}
