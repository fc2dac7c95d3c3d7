//! The joint site inspection and joint acceptance API (联合踏勘、联合验收): the window of a bundle's
//! lead department schedules a visit for every department concerned (each sending at least two of
//! its own staff, assigned or drawn from a 踏勘人员库) and a failed round's re-inspection; the sent
//! staff enter their department's opinion; staff of the jurisdiction list and read visits, the
//! applicant reads its own; the joint record (联合踏勘记录 / 联合验收意见书) downloads as text.
//! Rules and permissions live in `yiyin_app::joint_visits`.

use axum::Json;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use yiyin_app::joint_visits::{OpinionInput, Reinspect, ScheduleVisit, VisitLine, VisitView};

use super::paging::JurisdictionPage;
use crate::auth::{CallerFor, gate};
use crate::error::{ApiResult, Body, ErrorBody, Path, Query};

/// Schedule a joint visit of a received bundle (the window of its lead department): kind
/// `joint_inspection` (联合踏勘, before the decision) or `joint_acceptance` (联合验收, the 竣工验收
/// stage), a working day after today, and for every department of its member items at least two
/// of its own staff (logins, or a draw from a 踏勘人员库). The applicant is told the date in
/// writing. 422 names the rule.
#[utoipa::path(post, path = "/api/v1/visits", tag = "联合踏勘验收", request_body = ScheduleVisit,
    responses((status = 201, body = VisitView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn schedule(
    call: CallerFor<gate::Receive>,
    Body(req): Body<ScheduleVisit>,
) -> ApiResult<(StatusCode, Json<VisitView>)> {
    let view = call.app.schedule_visit(&call.who, &req).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The visits of a jurisdiction, latest date first, a page at a time: all for its window and the
/// bureau's staff who read its cases; for a department's staff those their department takes part
/// in. `X-Total-Count` says how many, and the `Link` header (`rel="next"`) gives the next page's
/// address until the last page.
#[utoipa::path(get, path = "/api/v1/visits", tag = "联合踏勘验收", params(JurisdictionPage),
    responses((status = 200, body = Vec<VisitLine>, headers(
        ("X-Total-Count" = i64, description = "可查看的联合踏勘验收总数"),
        ("Link" = String, description = "下一页地址（rel=\"next\"），末页没有"),
    )), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    call: CallerFor<gate::Visits>,
    Query(q): Query<JurisdictionPage>,
) -> ApiResult<(HeaderMap, Json<Vec<VisitLine>>)> {
    let page = call
        .app
        .visit_list(&call.who, &q.jurisdiction, &q.after, q.limit)
        .await?;
    Ok((q.headers("/api/v1/visits", &page), Json(page.items)))
}

/// A visit: its teams, opinions, defects, the notice of its date and the joint record (the
/// window, the staff sent, staff who may read the bundle).
#[utoipa::path(get, path = "/api/v1/visits/{id}", tag = "联合踏勘验收",
    params(("id" = i64, Path, description = "踏勘编号")),
    responses((status = 200, body = VisitView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get(call: CallerFor<gate::Visits>, Path(id): Path<i64>) -> ApiResult<Json<VisitView>> {
    Ok(Json(call.app.visit_view(&call.who, id).await?))
}

/// Enter a department's opinion (one of its sent staff, on the visit date or by the next working
/// day): `pass` (合格) or `fail` (不合格) with the defects, one per entry. The last opinion settles
/// the visit and tells the applicant. 422 names the rule.
#[utoipa::path(post, path = "/api/v1/visits/{id}/opinions", tag = "联合踏勘验收",
    params(("id" = i64, Path, description = "踏勘编号")), request_body = OpinionInput,
    responses((status = 200, body = VisitView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn opinion(
    call: CallerFor<gate::Staff>,
    Path(id): Path<i64>,
    Body(req): Body<OpinionInput>,
) -> ApiResult<Json<VisitView>> {
    Ok(Json(
        call.app.record_visit_opinion(&call.who, id, &req).await?,
    ))
}

/// Schedule the re-inspection of a failed round (the window of the bundle's lead department): a
/// new round linked to it, once, with its date and teams.
#[utoipa::path(post, path = "/api/v1/visits/{id}/reinspection", tag = "联合踏勘验收",
    params(("id" = i64, Path, description = "踏勘编号")), request_body = Reinspect,
    responses((status = 201, body = VisitView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reinspect(
    call: CallerFor<gate::Receive>,
    Path(id): Path<i64>,
    Body(req): Body<Reinspect>,
) -> ApiResult<(StatusCode, Json<VisitView>)> {
    let view = call.app.reinspect_visit(&call.who, id, &req).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Make a visit's draws from the 踏勘人员库 with the seeds published when it was scheduled (the
/// window of the bundle's lead department; once, up to the visit date): the drawn staff join
/// their departments' teams. 422 names the rule.
#[utoipa::path(post, path = "/api/v1/visits/{id}/draw", tag = "联合踏勘验收",
    params(("id" = i64, Path, description = "踏勘编号")),
    responses((status = 200, body = VisitView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn draw(
    call: CallerFor<gate::Receive>,
    Path(id): Path<i64>,
) -> ApiResult<Json<VisitView>> {
    Ok(Json(call.app.draw_visit_teams(&call.who, id).await?))
}

fn text_file((name, text): (String, String)) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "text/plain; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename*=UTF-8''{}",
                    yiyin_app::encode_query(&name)
                ),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        text,
    )
        .into_response()
}

/// The joint record (联合踏勘记录, or 联合验收意见书 with every department's opinion) as a text file.
#[utoipa::path(get, path = "/api/v1/visits/{id}/record", tag = "联合踏勘验收",
    params(("id" = i64, Path, description = "踏勘编号")),
    responses((status = 200, content_type = "text/plain", body = String),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn record(call: CallerFor<gate::Visits>, Path(id): Path<i64>) -> ApiResult<Response> {
    Ok(text_file(call.app.visit_record_file(&call.who, id).await?))
}

/// The visits of the applicant's own projects and bundles.
#[utoipa::path(get, path = "/api/v1/my/visits", tag = "联合踏勘验收",
    responses((status = 200, body = Vec<VisitLine>), (status = 403, body = ErrorBody)))]
pub async fn mine(call: CallerFor<gate::Applicant>) -> ApiResult<Json<Vec<VisitLine>>> {
    Ok(Json(call.app.my_visits(&call.who).await?))
}

/// One of the applicant's visits (the staff's names masked).
#[utoipa::path(get, path = "/api/v1/my/visits/{id}", tag = "联合踏勘验收",
    params(("id" = i64, Path, description = "踏勘编号")),
    responses((status = 200, body = VisitView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn my_visit(
    call: CallerFor<gate::Applicant>,
    Path(id): Path<i64>,
) -> ApiResult<Json<VisitView>> {
    Ok(Json(call.app.visit_view(&call.who, id).await?))
}

/// The joint record of one of the applicant's visits as a text file.
#[utoipa::path(get, path = "/api/v1/my/visits/{id}/record", tag = "联合踏勘验收",
    params(("id" = i64, Path, description = "踏勘编号")),
    responses((status = 200, content_type = "text/plain", body = String),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn my_record(
    call: CallerFor<gate::Applicant>,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    Ok(text_file(call.app.visit_record_file(&call.who, id).await?))
}
