//! The construction projects API (工程建设项目审批, 国办发〔2019〕11号): a jurisdiction's scheme of
//! stages (public; set by the catalog administrator), registering a project at the window,
//! receiving each stage as its bundle (refused before the stage before it ended; materials an
//! earlier stage gave never asked again), the project with every stage, item and clock and the
//! working days used against the target (staff of its jurisdiction, its builder), the lists.
//! Rules and permissions live in `yiyin_app::projects`.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use utoipa::ToSchema;
use yiyin_app::App;
use yiyin_app::agency::acts::AgentFile;
use yiyin_app::bundles::{BundleIntake, BundleView, ReceiveBundle};
use yiyin_app::cases::ApplicantInput;
use yiyin_app::projects::{ApplyStage, ProjectLine, ProjectView};
use yiyin_domain::project::{Project, Scheme, Stage};

use super::paging::JurisdictionPage;
use crate::auth::{Caller, CallerFor, gate};
use crate::error::{ApiResult, Body, ErrorBody, Path, Query};

/// A jurisdiction's scheme of construction project stages (public): each stage's bundle,
/// milestone items and completion rule, parallel items, and the target of working days.
#[utoipa::path(get, path = "/api/v1/jurisdictions/{code}/project-scheme", tag = "工程建设项目",
    params(("code" = String, Path, description = "县区代码")),
    responses((status = 200, body = Scheme), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn scheme(
    State(app): State<App>,
    Path(jurisdiction): Path<String>,
) -> ApiResult<Json<Scheme>> {
    Ok(Json(app.project_scheme(&jurisdiction).await?))
}

/// Set a jurisdiction's scheme of stages (the catalog administrator): the four stages in order,
/// each with a bundle of the catalog in force and at least one milestone item; the target of
/// working days (default 120). 422 names the field.
#[utoipa::path(put, path = "/api/v1/jurisdictions/{code}/project-scheme", tag = "工程建设项目",
    params(("code" = String, Path, description = "县区代码")), request_body = Scheme,
    responses((status = 200, body = Scheme), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn put_scheme(
    call: CallerFor<gate::ManageCatalog>,
    Path(jurisdiction): Path<String>,
    Body(scheme): Body<Scheme>,
) -> ApiResult<Json<Scheme>> {
    Ok(Json(
        call.app
            .put_project_scheme(&call.who, &jurisdiction, scheme)
            .await?,
    ))
}

/// A project to register.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RegisterProject {
    pub jurisdiction: String,
    #[serde(flatten)]
    pub project: Project,
}

/// Register a construction project at the window (the window clerk): its project code (项目代码)
/// once in the jurisdiction (409 when registered already), name, builder with its credit code,
/// location, investment type (`government` 政府投资 / `social` 社会投资).
#[utoipa::path(post, path = "/api/v1/projects", tag = "工程建设项目", request_body = RegisterProject,
    responses((status = 201, body = ProjectView), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn register(
    call: CallerFor<gate::Receive>,
    Body(req): Body<RegisterProject>,
) -> ApiResult<(StatusCode, Json<ProjectView>)> {
    let view = call
        .app
        .register_project(&call.who, &req.jurisdiction, req.project)
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The projects of a jurisdiction, newest first (staff who receive or read cases there), with the
/// stage in hand and the working days used against the target, a page at a time:
/// `X-Total-Count` says how many the jurisdiction has, and the `Link` header (`rel="next"`) gives
/// the next page's address until the last page.
#[utoipa::path(get, path = "/api/v1/projects", tag = "工程建设项目", params(JurisdictionPage),
    responses((status = 200, body = Vec<ProjectLine>, headers(
        ("X-Total-Count" = i64, description = "本县区的工程建设项目总数"),
        ("Link" = String, description = "下一页地址（rel=\"next\"），末页没有"),
    )), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    call: CallerFor<gate::Staff>,
    Query(q): Query<JurisdictionPage>,
) -> ApiResult<(HeaderMap, Json<Vec<ProjectLine>>)> {
    let page = call
        .app
        .project_list(&call.who, &q.jurisdiction, &q.after, q.limit)
        .await?;
    Ok((q.headers("/api/v1/projects", &page), Json(page.items)))
}

/// The projects of the applicant's own organisation (by its credit code).
#[utoipa::path(get, path = "/api/v1/my/projects", tag = "工程建设项目",
    responses((status = 200, body = Vec<ProjectLine>), (status = 403, body = ErrorBody)))]
pub async fn mine(call: CallerFor<gate::Applicant>) -> ApiResult<Json<Vec<ProjectLine>>> {
    Ok(Json(call.app.my_projects(&call.who).await?))
}

/// A project: every stage (its bundle, items, cases and clocks; a department sees only its own
/// members), the working days used in total against the target — supplement time, special
/// procedures, expert review and intermediary services not counted (Art. 45) —, the next stage
/// and why it cannot be received yet, the materials given once. Staff of its jurisdiction, or
/// its builder's account.
#[utoipa::path(get, path = "/api/v1/projects/{id}", tag = "工程建设项目",
    params(("id" = i64, Path, description = "项目编号（内部）")),
    responses((status = 200, body = ProjectView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get(call: Caller, Path(id): Path<i64>) -> ApiResult<Json<ProjectView>> {
    Ok(Json(call.app.project_view(&call.who, id).await?))
}

/// A stage's application at the window (the stage's bundle is the scheme's).
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReceiveStageRequest {
    /// The situations (情形) of the stage's bundle that apply, by code.
    #[serde(default)]
    pub situations: Vec<String>,
    pub applicant: ApplicantInput,
    /// Codes of the merged materials provided now (those an earlier stage gave are added).
    #[serde(default)]
    pub materials: Vec<String>,
    #[serde(default)]
    pub outcome: BundleIntake,
    #[serde(default)]
    pub missing: Vec<String>,
    /// Art. 31: the applicant attests that the materials are true; required.
    #[serde(default)]
    pub attested: bool,
}

/// Receive a stage of a project at the window, as its bundle (one form, one intake): refused
/// (422, naming the rule) before the stage before it ended or when the stage was received
/// already; the materials an earlier stage gave are counted as given. The window clerk.
#[utoipa::path(post, path = "/api/v1/projects/{id}/stages/{stage}", tag = "工程建设项目",
    params(("id" = i64, Path, description = "项目编号（内部）"),
        ("stage" = String, Path, description = "阶段：land_planning 立项用地规划许可、engineering 工程建设许可、construction 施工许可、completion 竣工验收")),
    request_body = ReceiveStageRequest,
    responses((status = 201, body = BundleView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn receive_stage(
    call: CallerFor<gate::Receive>,
    Path((id, stage)): Path<(i64, String)>,
    Body(req): Body<ReceiveStageRequest>,
) -> ApiResult<(StatusCode, Json<BundleView>)> {
    let stage = stage_of(&stage)?;
    let applicant = req.applicant.parse()?;
    let view = call
        .app
        .receive_stage(
            &call.who,
            id,
            stage,
            ReceiveBundle {
                jurisdiction: String::new(),
                bundle_code: String::new(),
                situations: req.situations,
                applicant,
                materials: req.materials,
                outcome: req.outcome,
                missing: req.missing,
                attested: req.attested,
                uploads: vec![],
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The stage a path names, or the 422 naming the choices.
pub(super) fn stage_of(text: &str) -> Result<Stage, yiyin_app::AppError> {
    Stage::parse(text).ok_or_else(|| {
        yiyin_app::AppError::field("stage", format!("阶段应为{}之一", Stage::choices()))
    })
}

/// A stage applied for online, by the builder or by its agent.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ApplyStageRequest {
    /// The situations (情形) of the stage's bundle that apply, by code.
    #[serde(default)]
    pub situations: Vec<String>,
    /// A file per merged material delivered (those an earlier stage gave count as given).
    #[serde(default)]
    pub files: Vec<AgentFile>,
    /// Art. 31: the builder attests that the materials are true; required.
    #[serde(default)]
    pub attested: bool,
}

impl ApplyStageRequest {
    pub(super) fn input(self) -> Result<ApplyStage, yiyin_app::AppError> {
        Ok(ApplyStage {
            situations: self.situations,
            uploads: self
                .files
                .iter()
                .map(AgentFile::upload)
                .collect::<Result<Vec<_>, _>>()?,
            attested: self.attested,
        })
    }
}

/// The builder applies online for a stage of its own project (网上申报), as the stage's bundle:
/// received (the window then accepts it or sends the one supplement notice, Art. 32); refused
/// (422, naming the rule) before the stage before it ended, without the Art. 31 attestation, or
/// for a file of no material of the stage; 403 for a project not the account's organisation's.
#[utoipa::path(post, path = "/api/v1/my/projects/{id}/stages/{stage}", tag = "工程建设项目",
    params(("id" = i64, Path, description = "项目编号（内部）"),
        ("stage" = String, Path, description = "阶段：land_planning 立项用地规划许可、engineering 工程建设许可、construction 施工许可、completion 竣工验收")),
    request_body = ApplyStageRequest,
    responses((status = 201, body = BundleView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn apply_stage(
    call: CallerFor<gate::Applicant>,
    Path((id, stage)): Path<(i64, String)>,
    Body(req): Body<ApplyStageRequest>,
) -> ApiResult<(StatusCode, Json<BundleView>)> {
    let stage = stage_of(&stage)?;
    let view = call
        .app
        .apply_stage(&call.who, id, stage, req.input()?)
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}
