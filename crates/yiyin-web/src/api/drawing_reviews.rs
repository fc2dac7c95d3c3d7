//! The central drawing review API (集中图审; 技术审查与行政审批相分离): the system administrator
//! registers technical review institutions; the bureau assigns a project's review by rotation or
//! draw; the institution's reviewers give opinions (pass / revise with numbered defects); the
//! builder resubmits revised drawings; the review certificate (施工图审查合格书), its data and its
//! sealed PDF and OFD; the certificate as a case of an item that accepts it shows it. Rules and
//! permissions live in `yiyin_app::drawing_reviews`.

use axum::Json;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use utoipa::IntoParams;
use yiyin_app::drawing_reviews::{
    AssignReview, CaseCertificate, NewInstitution, OpinionInput, ReviewLine, ReviewView,
};
use yiyin_domain::drawing_review::{Certificate, Institution};

use super::paging::JurisdictionPage;
use crate::auth::{Caller, CallerFor, gate};
use crate::error::{ApiResult, Body, ErrorBody, Path, Query};

/// The technical review institutions (施工图审查机构) of a jurisdiction today (public).
#[utoipa::path(get, path = "/api/v1/jurisdictions/{code}/drawing-institutions", tag = "施工图审查",
    params(("code" = String, Path, description = "县区代码")),
    responses((status = 200, body = Vec<Institution>), (status = 404, body = ErrorBody)))]
pub async fn institutions(
    axum::extract::State(app): axum::extract::State<yiyin_app::App>,
    Path(jurisdiction): Path<String>,
) -> ApiResult<Json<Vec<Institution>>> {
    Ok(Json(app.drawing_institutions(&jurisdiction)?))
}

/// Register a technical review institution in the jurisdiction's organisation (the system
/// administrator): a body outside the bureau whose reviewers are then granted `technical_reviewer`
/// limited to it (`department` = its code).
#[utoipa::path(post, path = "/api/v1/jurisdictions/{code}/drawing-institutions", tag = "施工图审查",
    params(("code" = String, Path, description = "县区代码")), request_body = NewInstitution,
    responses((status = 201, body = Institution), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn register(
    call: CallerFor<gate::Organisation>,
    Path(jurisdiction): Path<String>,
    Body(req): Body<NewInstitution>,
) -> ApiResult<(StatusCode, Json<Institution>)> {
    let made = call
        .app
        .register_drawing_institution(&call.who, &jurisdiction, req)
        .await?;
    Ok((StatusCode::CREATED, Json(made)))
}

/// Assign a project's drawing review (the bureau's staff who own the drawing-review step):
/// `rotation` (轮候) or `draw` (随机抽取, the seed recorded), with the institution's budget in
/// working days (default 10). One review per project (409 after).
#[utoipa::path(post, path = "/api/v1/drawing-reviews", tag = "施工图审查", request_body = AssignReview,
    responses((status = 201, body = ReviewView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn assign(
    call: CallerFor<gate::DrawingReview>,
    Body(req): Body<AssignReview>,
) -> ApiResult<(StatusCode, Json<ReviewView>)> {
    let view = call.app.assign_drawing_review(&call.who, req).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The reviews of a jurisdiction, newest first: all for the bureau's staff, its own for an
/// institution's reviewers (their worklist), a page at a time: `X-Total-Count` says how many the
/// reader may list, and the `Link` header (`rel="next"`) gives the next page's address until
/// the last page.
#[utoipa::path(get, path = "/api/v1/drawing-reviews", tag = "施工图审查", params(JurisdictionPage),
    responses((status = 200, body = Vec<ReviewLine>, headers(
        ("X-Total-Count" = i64, description = "可查看的施工图审查总数"),
        ("Link" = String, description = "下一页地址（rel=\"next\"），末页没有"),
    )), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    call: CallerFor<gate::DrawingReviews>,
    Query(q): Query<JurisdictionPage>,
) -> ApiResult<(HeaderMap, Json<Vec<ReviewLine>>)> {
    let page = call
        .app
        .drawing_review_list(&call.who, &q.jurisdiction, &q.after, q.limit)
        .await?;
    Ok((
        q.headers("/api/v1/drawing-reviews", &page),
        Json(page.items),
    ))
}

/// A review: its institution, assignment (and draw), rounds, opinions with numbered defects, the
/// certificate, and the institution's days (intermediary time) against its budget. The bureau's
/// staff, the institution's reviewers, the project's builder.
#[utoipa::path(get, path = "/api/v1/drawing-reviews/{id}", tag = "施工图审查",
    params(("id" = i64, Path, description = "审查编号")),
    responses((status = 200, body = ReviewView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get(call: Caller, Path(id): Path<i64>) -> ApiResult<Json<ReviewView>> {
    Ok(Json(call.app.drawing_review_view(&call.who, id).await?))
}

/// Give the institution's opinion on the round in hand (its own reviewers only): `pass`
/// (审查合格, which issues the certificate) or `revise` (修改后复审) with the defects, one per
/// entry, numbered by the system. Name the version read (409 when it changed).
#[utoipa::path(post, path = "/api/v1/drawing-reviews/{id}/opinions", tag = "施工图审查",
    params(("id" = i64, Path, description = "审查编号")), request_body = OpinionInput,
    responses((status = 200, body = ReviewView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn opinion(
    call: CallerFor<gate::DrawingReview>,
    Path(id): Path<i64>,
    Body(req): Body<OpinionInput>,
) -> ApiResult<Json<ReviewView>> {
    Ok(Json(
        call.app.give_drawing_opinion(&call.who, id, req).await?,
    ))
}

/// The revised drawings sent.
#[derive(Debug, Deserialize, IntoParams)]
pub struct Resubmission {
    /// The file's name, e.g. 施工图（修改）.pdf.
    pub name: String,
    /// The version of the review read.
    pub version: i64,
}

/// Resubmit revised drawings after a revise opinion (the project's builder): one file (PDF, JPG,
/// PNG or OFD, at most 10 MB) as the request body; the institution reviews again.
#[utoipa::path(post, path = "/api/v1/drawing-reviews/{id}/resubmissions", tag = "施工图审查",
    params(("id" = i64, Path, description = "审查编号"), Resubmission),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "文件内容"),
    responses((status = 201, body = ReviewView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn resubmit(
    call: CallerFor<gate::Applicant>,
    Path(id): Path<i64>,
    Query(q): Query<Resubmission>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<ReviewView>)> {
    let upload = yiyin_app::cases::Upload {
        material: "drawings".into(),
        name: q.name,
        bytes: body.to_vec(),
    };
    let view = call
        .app
        .resubmit_drawings(&call.who, id, q.version, vec![upload])
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The review certificate (施工图审查合格书) of a review, once it passed (404 before).
#[utoipa::path(get, path = "/api/v1/drawing-reviews/{id}/certificate", tag = "施工图审查",
    params(("id" = i64, Path, description = "审查编号")),
    responses((status = 200, body = Certificate), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn certificate(call: Caller, Path(id): Path<i64>) -> ApiResult<Json<Certificate>> {
    let view = call.app.drawing_review_view(&call.who, id).await?;
    view.review.certificate.map(Json).ok_or_else(|| {
        yiyin_app::AppError::NotFound("本次施工图审查尚未审查合格，没有施工图审查合格书".into())
            .into()
    })
}

/// The review certificate as the sealed PDF kept in the register (施工图审查合格书: issued in the
/// institution's name, sealed with the bureau's 行政审批专用章; verifiable on `/verify`). The
/// project's builder, the bureau's staff of the jurisdiction, the institution's reviewers; 404
/// before the pass.
#[utoipa::path(get, path = "/api/v1/drawing-reviews/{id}/certificate.pdf", tag = "施工图审查",
    params(("id" = i64, Path, description = "审查编号")),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn certificate_pdf(
    call: CallerFor<gate::DrawingCertificate>,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let (name, bytes) = call.app.drawing_certificate_pdf(&call.who, id).await?;
    Ok(crate::pages::file_response(
        "application/pdf",
        &name,
        false,
        bytes,
    ))
}

/// The review certificate as the sealed OFD (GB/T 33190), beside the PDF: the same readers.
#[utoipa::path(get, path = "/api/v1/drawing-reviews/{id}/certificate.ofd", tag = "施工图审查",
    params(("id" = i64, Path, description = "审查编号")),
    responses((status = 200, content_type = "application/ofd", body = Vec<u8>),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn certificate_ofd(
    call: CallerFor<gate::DrawingCertificate>,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let (name, bytes) = call.app.drawing_certificate_ofd(&call.who, id).await?;
    Ok(crate::pages::file_response(
        "application/ofd",
        &name,
        false,
        bytes,
    ))
}

/// The certificate as a case shows it (whoever may read the case): the certificate of the
/// project the case's bundle is a stage of, and the steps of its item it satisfies (a drawing
/// review or technical review step: 消防设计审查, 人防工程 …).
#[utoipa::path(get, path = "/api/v1/drawing-reviews/for-case/{case_id}", tag = "施工图审查",
    params(("case_id" = i64, Path, description = "办件编号（内部）")),
    responses((status = 200, body = CaseCertificate), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn for_case(call: Caller, Path(case_id): Path<i64>) -> ApiResult<Json<CaseCertificate>> {
    Ok(Json(
        call.app
            .case_drawing_certificate(&call.who, case_id)
            .await?,
    ))
}
