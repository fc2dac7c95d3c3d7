//! The expert and site-inspector pools API (专家库、踏勘人员库): a jurisdiction's pools, members and
//! declared ties (the bureau head keeps them), and a case's expert draw — publish the seed, draw,
//! record a recusal, the applicant's objection (申请回避) and its decision, start the review (the
//! clock suspended, Art. 45). Rules and permissions live in `yiyin_app::pools`.

use axum::Json;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;
use yiyin_app::pools::{DrawView, MemberInput, PoolInput, PoolView, TieInput};

use crate::auth::{Caller, CallerFor, gate};
use crate::error::{ApiResult, Body, ErrorBody, Path};

/// A jurisdiction's pools with their members and declared ties (the bureau head; those who start
/// special procedures, to choose a pool).
#[utoipa::path(get, path = "/api/v1/jurisdictions/{code}/pools", tag = "专家库",
    params(("code" = String, Path, description = "县区代码")),
    responses((status = 200, body = Vec<PoolView>), (status = 403, body = ErrorBody)))]
pub async fn list(
    call: CallerFor<gate::Pools>,
    Path(jurisdiction): Path<String>,
) -> ApiResult<Json<Vec<PoolView>>> {
    Ok(Json(call.app.pools_of(&call.who, &jurisdiction).await?))
}

/// Create a pool (the bureau head): kind (expert | inspector), name, specialty.
#[utoipa::path(post, path = "/api/v1/jurisdictions/{code}/pools", tag = "专家库",
    params(("code" = String, Path, description = "县区代码")),
    request_body = PoolInput,
    responses((status = 201, body = PoolView), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    call: CallerFor<gate::ManagePools>,
    Path(jurisdiction): Path<String>,
    Body(req): Body<PoolInput>,
) -> ApiResult<(StatusCode, Json<PoolView>)> {
    let view = call.app.create_pool(&call.who, &jurisdiction, &req).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Add a member to a pool (the bureau head): a member of staff by login, or an outside expert by
/// name and organisation.
#[utoipa::path(post, path = "/api/v1/pools/{id}/members", tag = "专家库",
    params(("id" = i64, Path, description = "库编号")),
    request_body = MemberInput,
    responses((status = 201, body = PoolView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_member(
    call: CallerFor<gate::ManagePools>,
    Path(id): Path<i64>,
    Body(req): Body<MemberInput>,
) -> ApiResult<(StatusCode, Json<PoolView>)> {
    let view = call.app.add_pool_member(&call.who, id, &req).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Record a tie a member declared with an applicant (the bureau head): employer, adviser,
/// relative, reviewed_last_case, other_interest.
#[utoipa::path(post, path = "/api/v1/pool-members/{id}/ties", tag = "专家库",
    params(("id" = i64, Path, description = "成员编号")),
    request_body = TieInput,
    responses((status = 201, body = PoolView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn declare_tie(
    call: CallerFor<gate::ManagePools>,
    Path(id): Path<i64>,
    Body(req): Body<TieInput>,
) -> ApiResult<(StatusCode, Json<PoolView>)> {
    let view = call.app.declare_pool_tie(&call.who, id, &req).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// A case's expert draw: in full for staff; for the applicant the seed and the members' masked
/// names. `published` is what `yiyin draw --expert` re-runs.
#[utoipa::path(get, path = "/api/v1/cases/{id}/expert-draw", tag = "专家库",
    params(("id" = i64, Path, description = "办件编号")),
    responses((status = 200, body = DrawView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(call: Caller, Path(id): Path<i64>) -> ApiResult<Json<DrawView>> {
    Ok(Json(call.app.expert_draw(&call.who, id).await?))
}

/// The pool and the number of members to draw.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SeedRequest {
    pub pool_id: i64,
    pub count: usize,
}

/// Publish the seed of a case's draw (staff who start special procedures): the pool's members and
/// the members tied to the applicant (excluded) are fixed with it.
#[utoipa::path(post, path = "/api/v1/cases/{id}/expert-draw/seed", tag = "专家库",
    params(("id" = i64, Path, description = "办件编号")),
    request_body = SeedRequest,
    responses((status = 201, body = DrawView), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn seed(
    call: CallerFor<gate::ExpertDraw>,
    Path(id): Path<i64>,
    Body(req): Body<SeedRequest>,
) -> ApiResult<(StatusCode, Json<DrawView>)> {
    let view = call
        .app
        .publish_expert_seed(&call.who, id, req.pool_id, req.count)
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Draw the case's members with the published seed (once).
#[utoipa::path(post, path = "/api/v1/cases/{id}/expert-draw/draw", tag = "专家库",
    params(("id" = i64, Path, description = "办件编号")),
    responses((status = 200, body = DrawView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn draw(
    call: CallerFor<gate::ExpertDraw>,
    Path(id): Path<i64>,
) -> ApiResult<Json<DrawView>> {
    Ok(Json(call.app.draw_case_experts(&call.who, id).await?))
}

/// A drawn member and the reason.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MemberReason {
    /// The member's id in the draw (E0001 …).
    pub member: String,
    pub reason: String,
}

/// Record a drawn member's recusal before the review starts: excluded, redrawn from the same seed.
#[utoipa::path(post, path = "/api/v1/cases/{id}/expert-draw/recusals", tag = "专家库",
    params(("id" = i64, Path, description = "办件编号")),
    request_body = MemberReason,
    responses((status = 200, body = DrawView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn recuse(
    call: CallerFor<gate::ExpertDraw>,
    Path(id): Path<i64>,
    Body(req): Body<MemberReason>,
) -> ApiResult<Json<DrawView>> {
    Ok(Json(
        call.app
            .recuse_expert(&call.who, id, &req.member, &req.reason)
            .await?,
    ))
}

/// The applicant objects to a drawn member (申请回避) before the review starts.
#[utoipa::path(post, path = "/api/v1/cases/{id}/expert-draw/objections", tag = "专家库",
    params(("id" = i64, Path, description = "办件编号")),
    request_body = MemberReason,
    responses((status = 201, body = DrawView), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn object(
    call: Caller,
    Path(id): Path<i64>,
    Body(req): Body<MemberReason>,
) -> ApiResult<(StatusCode, Json<DrawView>)> {
    let view = call
        .app
        .object_to_expert(&call.who, id, &req.member, &req.reason)
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The decision on an objection.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DecisionRequest {
    pub uphold: bool,
    pub reason: String,
}

/// Decide the applicant's objection: upheld, the member is excluded and redrawn from the same seed.
#[utoipa::path(post, path = "/api/v1/cases/{id}/expert-draw/objections/{objection}/decision", tag = "专家库",
    params(("id" = i64, Path, description = "办件编号"), ("objection" = i64, Path, description = "回避申请编号")),
    request_body = DecisionRequest,
    responses((status = 200, body = DrawView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn decide(
    call: CallerFor<gate::ExpertDraw>,
    Path((id, objection)): Path<(i64, i64)>,
    Body(req): Body<DecisionRequest>,
) -> ApiResult<Json<DrawView>> {
    Ok(Json(
        call.app
            .decide_expert_objection(&call.who, id, objection, req.uphold, &req.reason)
            .await?,
    ))
}

/// The expected days of the review (told to the applicant in writing, Art. 45).
#[derive(Debug, Deserialize, ToSchema)]
pub struct StartRequest {
    pub expected_days: u32,
}

/// Start the expert review: the case's clock is suspended (专家评审) with the written notice; the
/// draw is closed to recusal and objection.
#[utoipa::path(post, path = "/api/v1/cases/{id}/expert-draw/start", tag = "专家库",
    params(("id" = i64, Path, description = "办件编号")),
    request_body = StartRequest,
    responses((status = 200, body = DrawView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn start(
    call: CallerFor<gate::ExpertDraw>,
    Path(id): Path<i64>,
    Body(req): Body<StartRequest>,
) -> ApiResult<Json<DrawView>> {
    Ok(Json(
        call.app
            .start_expert_review(&call.who, id, req.expected_days)
            .await?,
    ))
}
