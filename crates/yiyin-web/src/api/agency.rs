//! The full agency service API (全程代办, /api/v1/agency…): the agency centre's public service list
//! (代办服务清单) and its publication by the bureau head; the applicant's mandates (授权委托: the
//! agents to choose from, sign, list, revoke, rate the service); the agent's worklist and acts for
//! the applicant within a live mandate (answer a supplement notice, apply for a stage of the
//! builder's project and answer its supplement notice, read the notices, confirm the pickup of
//! the results). Rules and permissions live in `yiyin_app::agency`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yiyin_app::agency::acts::{AgentFile, Pickup};
use yiyin_app::agency::{AgencyWork, AgentChoice, MandateView, ServiceListView, SignMandate};
use yiyin_app::bundles::BundleView;
use yiyin_app::cases::ActOn;
use yiyin_app::error::AppError;
use yiyin_app::projects::ProjectView;
use yiyin_app::ratings::RateInput;
use yiyin_domain::agency::ServiceList;
use yiyin_domain::engine::Action;
use yiyin_store::notifications::InboxMessage;
use yiyin_store::ratings::RatingRecord;

use super::bundles::BundleSupplementRequest;
use super::projects::ApplyStageRequest;
use crate::auth::{CallerFor, gate};
use crate::error::{ApiResult, Body, ErrorBody, Path};

/// A jurisdiction's service list (public): what the agency centre carries, free of charge.
#[utoipa::path(get, path = "/api/v1/agency/lists/{code}", tag = "全程代办",
    params(("code" = String, Path, description = "县区代码")),
    responses((status = 200, body = ServiceListView), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(app): State<yiyin_app::App>,
    Path(code): Path<String>,
) -> ApiResult<Json<ServiceListView>> {
    let view = app
        .service_list(&code)
        .await?
        .ok_or_else(|| AppError::NotFound("本县区全程代办服务中心尚未发布代办服务清单".into()))?;
    Ok(Json(view))
}

/// Publish a jurisdiction's service list (the bureau head).
#[utoipa::path(put, path = "/api/v1/agency/lists/{code}", tag = "全程代办",
    params(("code" = String, Path, description = "县区代码")), request_body = ServiceList,
    responses((status = 200, body = ServiceListView), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn put_list(
    call: CallerFor<gate::ManageAgency>,
    Path(code): Path<String>,
    Body(list): Body<ServiceList>,
) -> ApiResult<Json<ServiceListView>> {
    Ok(Json(
        call.app.put_service_list(&call.who, &code, list).await?,
    ))
}

/// The active agents of a jurisdiction, for the applicant to name one in a mandate.
#[utoipa::path(get, path = "/api/v1/agency/agents/{code}", tag = "全程代办",
    params(("code" = String, Path, description = "县区代码")),
    responses((status = 200, body = Vec<AgentChoice>), (status = 403, body = ErrorBody)))]
pub async fn agents(
    call: CallerFor<gate::Applicant>,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<AgentChoice>>> {
    Ok(Json(call.app.agency_agents(&code).await?))
}

/// The applicant's mandates, newest first.
#[utoipa::path(get, path = "/api/v1/agency/mandates", tag = "全程代办",
    responses((status = 200, body = Vec<MandateView>), (status = 403, body = ErrorBody)))]
pub async fn mandates(call: CallerFor<gate::Applicant>) -> ApiResult<Json<Vec<MandateView>>> {
    Ok(Json(call.app.my_mandates(&call.who).await?))
}

/// The applicant signs a mandate (授权委托) for a named agent, for one project or case of theirs.
#[utoipa::path(post, path = "/api/v1/agency/mandates", tag = "全程代办", request_body = SignMandate,
    responses((status = 201, body = MandateView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn sign(
    call: CallerFor<gate::Applicant>,
    Body(input): Body<SignMandate>,
) -> ApiResult<(StatusCode, Json<MandateView>)> {
    let view = call.app.sign_mandate(&call.who, &input).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The applicant revokes a mandate they signed, at any time.
#[utoipa::path(post, path = "/api/v1/agency/mandates/{id}/revoke", tag = "全程代办",
    params(("id" = i64, Path, description = "授权委托编号")),
    responses((status = 200, body = MandateView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn revoke(
    call: CallerFor<gate::Applicant>,
    Path(id): Path<i64>,
) -> ApiResult<Json<MandateView>> {
    Ok(Json(call.app.revoke_mandate(&call.who, id).await?))
}

/// The applicant rates the agency service under a mandate (好差评), once.
#[utoipa::path(post, path = "/api/v1/agency/mandates/{id}/rating", tag = "全程代办",
    params(("id" = i64, Path, description = "授权委托编号")), request_body = RateInput,
    responses((status = 200, body = RatingRecord), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn rate(
    call: CallerFor<gate::Applicant>,
    Path(id): Path<i64>,
    Body(input): Body<RateInput>,
) -> ApiResult<Json<RatingRecord>> {
    Ok(Json(call.app.rate_agency(&call.who, id, &input).await?))
}

/// The agent's worklist: the mandates given to them, live ones first, with the cases covered.
#[utoipa::path(get, path = "/api/v1/agency/work", tag = "全程代办",
    responses((status = 200, body = Vec<AgencyWork>), (status = 403, body = ErrorBody)))]
pub async fn work(call: CallerFor<gate::ActForApplicants>) -> ApiResult<Json<Vec<AgencyWork>>> {
    Ok(Json(call.app.agency_worklist(&call.who).await?))
}

/// The applicant's notices about a mandate's cases, for its agent (接收通知).
#[utoipa::path(get, path = "/api/v1/agency/mandates/{id}/notices", tag = "全程代办",
    params(("id" = i64, Path, description = "授权委托编号")),
    responses((status = 200, body = Vec<InboxMessage>), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn notices(
    call: CallerFor<gate::ActForApplicants>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<InboxMessage>>> {
    Ok(Json(call.app.agent_notices(&call.who, id).await?))
}

/// What the agent delivers in answer to a supplement notice.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AgentSupplement {
    /// The codes of the materials delivered.
    pub materials: Vec<String>,
    /// Their files (上传申请材料), each with its material's code.
    #[serde(default)]
    pub files: Vec<AgentFile>,
    /// The case's version read (optimistic concurrency).
    #[serde(default)]
    pub version: Option<i64>,
}

/// A case after the agent's act: its number, state and version.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgentActed {
    pub case_id: i64,
    pub number: String,
    pub state: String,
    pub state_label: String,
    pub version: i64,
}

/// The agent answers a supplement notice for the applicant (填写和提交表单).
#[utoipa::path(post, path = "/api/v1/agency/mandates/{id}/cases/{case}/supplement", tag = "全程代办",
    params(("id" = i64, Path, description = "授权委托编号"), ("case" = i64, Path, description = "办件编号（内部）")),
    request_body = AgentSupplement,
    responses((status = 200, body = AgentActed), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn supplement(
    call: CallerFor<gate::ActForApplicants>,
    Path((id, case)): Path<(i64, i64)>,
    Body(input): Body<AgentSupplement>,
) -> ApiResult<Json<AgentActed>> {
    let uploads = input
        .files
        .iter()
        .map(AgentFile::upload)
        .collect::<Result<Vec<_>, _>>()?;
    let act = ActOn {
        case_id: case,
        version: input.version,
        action: Action::Supplement {
            materials: input.materials,
        },
        uploads,
    };
    let r = call.app.agent_act(&call.who, id, act).await?;
    Ok(Json(AgentActed {
        case_id: r.id,
        number: r.number,
        state: r.state.code().to_string(),
        state_label: r.state.label().to_string(),
        version: r.version,
    }))
}

/// The agent confirms collecting a case's results for the applicant (领取办理结果).
#[utoipa::path(post, path = "/api/v1/agency/mandates/{id}/cases/{case}/pickup", tag = "全程代办",
    params(("id" = i64, Path, description = "授权委托编号"), ("case" = i64, Path, description = "办件编号（内部）")),
    responses((status = 200, body = Pickup), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn pickup(
    call: CallerFor<gate::ActForApplicants>,
    Path((id, case)): Path<(i64, i64)>,
) -> ApiResult<Json<Pickup>> {
    Ok(Json(call.app.agent_pickup(&call.who, id, case).await?))
}

/// The project a mandate is for, as its builder sees it, for the agent who carries it.
#[utoipa::path(get, path = "/api/v1/agency/mandates/{id}/project", tag = "全程代办",
    params(("id" = i64, Path, description = "授权委托编号")),
    responses((status = 200, body = ProjectView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn project(
    call: CallerFor<gate::ActForApplicants>,
    Path(id): Path<i64>,
) -> ApiResult<Json<ProjectView>> {
    Ok(Json(call.app.agent_project(&call.who, id).await?.view))
}

/// The agent applies for a stage of the mandate's project for the builder (代为申报): the
/// builder's own online application, recorded as the agent's act for the builder; 422 when the
/// mandate does not reach it (a case's mandate, revoked, expired, the act not granted).
#[utoipa::path(post, path = "/api/v1/agency/mandates/{id}/stages/{stage}", tag = "全程代办",
    params(("id" = i64, Path, description = "授权委托编号"),
        ("stage" = String, Path, description = "阶段：land_planning、engineering、construction、completion")),
    request_body = ApplyStageRequest,
    responses((status = 201, body = BundleView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn apply_stage(
    call: CallerFor<gate::ActForApplicants>,
    Path((id, stage)): Path<(i64, String)>,
    Body(req): Body<ApplyStageRequest>,
) -> ApiResult<(StatusCode, Json<BundleView>)> {
    let stage = super::projects::stage_of(&stage)?;
    let view = call
        .app
        .agent_apply_stage(&call.who, id, stage, req.input()?)
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The agent answers a stage's one supplement notice for the builder (代为补正).
#[utoipa::path(post, path = "/api/v1/agency/mandates/{id}/bundles/{bundle}/supplement", tag = "全程代办",
    params(("id" = i64, Path, description = "授权委托编号"),
        ("bundle" = i64, Path, description = "一件事编号（内部）")),
    request_body = BundleSupplementRequest,
    responses((status = 200, body = BundleView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn supplement_bundle(
    call: CallerFor<gate::ActForApplicants>,
    Path((id, bundle)): Path<(i64, i64)>,
    Body(req): Body<BundleSupplementRequest>,
) -> ApiResult<Json<BundleView>> {
    let uploads = req.uploads()?;
    Ok(Json(
        call.app
            .agent_supplement_bundle(&call.who, id, bundle, req.version, req.materials, uploads)
            .await?,
    ))
}
