//! The bundles API (一件事一次办, 并联审批; 《行政许可法》第二十六条、第四十二条第二款): the
//! bundles of a jurisdiction's catalog (public) and publishing one (the catalog administrator), the
//! window's one receipt of a bundle (each member item an ordinary case under it, reviewed and
//! decided through `/api/v1/cases/{id}/actions` by its department), its acts (intake, the
//! government head's extension, the release at once), its view as each reader may see it, the
//! worklist, and the applicant's tracking. Rules and permissions live in `yiyin_app::bundles`.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use yiyin_app::App;
use yiyin_app::agency::acts::AgentFile;
use yiyin_app::bundles::{BundleAct, BundleIntake, BundleLine, BundleView, ReceiveBundle};
use yiyin_app::cases::ApplicantInput;
use yiyin_domain::catalog::bundle::{BundleSpec, BundleVersion};

use super::paging::JurisdictionPage;
use crate::auth::{CallerFor, gate};
use crate::error::{ApiResult, Body, ErrorBody, Path, Query};

/// The bundles of a jurisdiction's catalog in force today (public).
#[utoipa::path(get, path = "/api/v1/jurisdictions/{code}/bundles", tag = "一件事",
    params(("code" = String, Path, description = "县区代码")),
    responses((status = 200, body = Vec<BundleVersion>), (status = 404, body = ErrorBody)))]
pub async fn catalog(
    State(app): State<App>,
    Path(jurisdiction): Path<String>,
) -> ApiResult<Json<Vec<BundleVersion>>> {
    Ok(Json(app.bundles_in_force(&jurisdiction).await?))
}

/// A bundle definition to publish.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PublishBundle {
    pub spec: BundleSpec,
    pub effective_on: NaiveDate,
    #[serde(default)]
    pub note: String,
}

/// Publish a version of a bundle's definition (the catalog administrator): code, name, lead
/// department (one of the members' departments), member items of the catalog in force, the
/// situations that add or drop members. Checked against the catalog; 422 names the field.
#[utoipa::path(post, path = "/api/v1/jurisdictions/{code}/bundles", tag = "一件事",
    params(("code" = String, Path, description = "县区代码")), request_body = PublishBundle,
    responses((status = 201, body = BundleVersion), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn publish(
    call: CallerFor<gate::ManageCatalog>,
    Path(jurisdiction): Path<String>,
    Body(req): Body<PublishBundle>,
) -> ApiResult<(StatusCode, Json<BundleVersion>)> {
    let v = call
        .app
        .publish_bundle(
            &call.who,
            &jurisdiction,
            req.spec,
            req.effective_on,
            &req.note,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// A bundle application at the window.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReceiveBundleRequest {
    pub jurisdiction: String,
    /// The bundle's code in the catalog.
    pub bundle_code: String,
    /// The situations (情形) that apply, by code.
    #[serde(default)]
    pub situations: Vec<String>,
    pub applicant: ApplicantInput,
    /// Codes of the merged materials provided.
    #[serde(default)]
    pub materials: Vec<String>,
    /// `receive` (default), `accept`, or `notify_supplement` (one notice for every member).
    #[serde(default)]
    pub outcome: BundleIntake,
    /// With `notify_supplement`: the materials missing (default: every one not provided).
    #[serde(default)]
    pub missing: Vec<String>,
    /// Art. 31: the applicant attests that the materials are true (the signed application form);
    /// required.
    #[serde(default)]
    pub attested: bool,
}

/// Receive a bundle at the window, once: one number with the member items under it, one
/// receipt, the window's outcome taken with it. The window clerk.
#[utoipa::path(post, path = "/api/v1/bundles", tag = "一件事", request_body = ReceiveBundleRequest,
    responses((status = 201, body = BundleView), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn receive(
    call: CallerFor<gate::Receive>,
    Body(req): Body<ReceiveBundleRequest>,
) -> ApiResult<(StatusCode, Json<BundleView>)> {
    let applicant = req.applicant.parse()?;
    let view = call
        .app
        .receive_bundle(
            &call.who,
            ReceiveBundle {
                jurisdiction: req.jurisdiction,
                bundle_code: req.bundle_code,
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

/// The bundles the reader may see, newest first, a page at a time: the window, the government's
/// head and the lead department all of them, another department those with a member item of
/// theirs. `X-Total-Count` says how many, and the `Link` header (`rel="next"`) gives the next
/// page's address until the last page.
#[utoipa::path(get, path = "/api/v1/bundles", tag = "一件事", params(JurisdictionPage),
    responses((status = 200, body = Vec<BundleLine>, headers(
        ("X-Total-Count" = i64, description = "可查看的一件事总数"),
        ("Link" = String, description = "下一页地址（rel=\"next\"），末页没有"),
    )), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    call: CallerFor<gate::Bundles>,
    Query(q): Query<JurisdictionPage>,
) -> ApiResult<(HeaderMap, Json<Vec<BundleLine>>)> {
    let page = call
        .app
        .bundle_list(&call.who, &q.jurisdiction, &q.after, q.limit)
        .await?;
    Ok((q.headers("/api/v1/bundles", &page), Json(page.items)))
}

/// A bundle: its members (a department sees only its own), the shared materials, the joint clock
/// with every due date explained, its state and result (`partial` when some member was denied).
#[utoipa::path(get, path = "/api/v1/bundles/{id}", tag = "一件事",
    params(("id" = i64, Path, description = "一件事编号（内部）")),
    responses((status = 200, body = BundleView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get(
    call: CallerFor<gate::Bundles>,
    Path(id): Path<i64>,
) -> ApiResult<Json<BundleView>> {
    Ok(Json(call.app.bundle_view(&call.who, id).await?))
}

/// An act on a bundle, with the version read.
#[derive(Debug, Deserialize, ToSchema)]
pub struct BundleActRequest {
    /// The version read (optimistic concurrency); a stale one is refused with 409.
    pub version: Option<i64>,
    #[serde(flatten)]
    pub act: BundleAct,
}

/// Act on a bundle: `accept`, `notify_supplement` (`missing`), `supplement` (`materials`) and
/// `release` by the window; `extend` (`reason`, `days` ≤ 15, once) by the county government's head
/// only (Art. 42 para 2), carried into every open member case. A member's decision is its case's
/// (`POST /api/v1/cases/{id}/actions` by its department); `release` waits until every member case
/// has ended. Refusals name the rule (422); a stale version is 409.
#[utoipa::path(post, path = "/api/v1/bundles/{id}/actions", tag = "一件事",
    params(("id" = i64, Path, description = "一件事编号（内部）")), request_body = BundleActRequest,
    responses((status = 200, body = BundleView), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn act(
    call: CallerFor<gate::Bundles>,
    Path(id): Path<i64>,
    Body(req): Body<BundleActRequest>,
) -> ApiResult<Json<BundleView>> {
    Ok(Json(
        call.app
            .act_on_bundle(&call.who, id, req.version, req.act)
            .await?,
    ))
}

/// How an applicant tracks a bundle.
#[derive(Debug, Deserialize, IntoParams)]
pub struct TrackQuery {
    /// The bundle's number.
    pub number: String,
    /// The applicant's ID number or unified social credit code.
    pub id_number: String,
}

/// Track a bundle (public, by its number and the applicant's ID number): every member's state,
/// the joint due date explained, the release.
#[utoipa::path(get, path = "/api/v1/bundles/track", tag = "一件事", params(TrackQuery),
    responses((status = 200, body = BundleView), (status = 404, body = ErrorBody)))]
pub async fn track(
    State(app): State<App>,
    Query(q): Query<TrackQuery>,
) -> ApiResult<Json<BundleView>> {
    Ok(Json(app.track_bundle(&q.number, &q.id_number).await?))
}

/// What the applicant delivers in answer to a bundle's one supplement notice.
#[derive(Debug, Deserialize, ToSchema)]
pub struct BundleSupplementRequest {
    /// The codes of the merged materials delivered (each asked by the notice).
    pub materials: Vec<String>,
    /// Their files, one per material at least.
    #[serde(default)]
    pub files: Vec<AgentFile>,
    /// The bundle's version read (optimistic concurrency).
    #[serde(default)]
    pub version: Option<i64>,
}

impl BundleSupplementRequest {
    pub(super) fn uploads(&self) -> Result<Vec<yiyin_app::cases::Upload>, yiyin_app::AppError> {
        self.files.iter().map(AgentFile::upload).collect()
    }
}

/// The applicant answers its bundle's one supplement notice online (补正材料): only the materials
/// asked, each with its file, stored once and linked to every member needing it; 403 for a bundle
/// not the account's (or its organisation's), 422 naming the material or the rule.
#[utoipa::path(post, path = "/api/v1/my/bundles/{id}/supplement", tag = "一件事",
    params(("id" = i64, Path, description = "一件事编号（内部）")),
    request_body = BundleSupplementRequest,
    responses((status = 200, body = BundleView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn supplement(
    call: CallerFor<gate::Applicant>,
    Path(id): Path<i64>,
    Body(req): Body<BundleSupplementRequest>,
) -> ApiResult<Json<BundleView>> {
    let uploads = req.uploads()?;
    Ok(Json(
        call.app
            .supplement_bundle(&call.who, id, req.version, req.materials, uploads)
            .await?,
    ))
}
