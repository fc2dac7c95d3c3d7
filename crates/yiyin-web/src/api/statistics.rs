//! The statistics API (政务服务统计): a table of a jurisdiction and period grouped by item,
//! department, window or staff member, as JSON (`/api/v1/statistics`) or as a download
//! (`/api/v1/statistics.xlsx`, `/api/v1/statistics.csv`, the same query); and the public figures
//! of a jurisdiction (`/api/v1/public/statistics`, JSON, never by staff member). Rules, roles and
//! figures live in `yiyin_app::statistics`; these handlers only translate, each gated by role
//! before its query is read.

use axum::Json;
use axum::response::Response;
use yiyin_app::statistics::{Statistics, StatisticsQuery, export_name, to_csv, to_xlsx};

use crate::auth::{CallerFor, gate};
use crate::error::{ApiResult, ErrorBody, Query};

/// The Excel workbook type.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// The CSV type (UTF-8, with a byte-order mark).
pub const CSV: &str = "text/csv; charset=utf-8";

/// The figures of a period (default: this year to today) by item, department (default), window or
/// staff member: received, accepted, refused, decided (approved, denied), withdrawn, the four
/// efficiency classes, open and open overdue, average working days used, 按时办结率 both ways,
/// 承诺压缩比, 好评率 and 差评整改率 (`null` until the ratings are connected), cards by kind;
/// rates as exact fractions. The bureau head, the discipline supervisor, the rating
/// administrator and the centre manager see the whole jurisdiction, an observer its departments.
#[utoipa::path(get, path = "/api/v1/statistics", tag = "政务服务统计", params(StatisticsQuery),
    responses((status = 200, body = Statistics), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn table(
    call: CallerFor<gate::ViewStatistics>,
    Query(q): Query<StatisticsQuery>,
) -> ApiResult<Json<Statistics>> {
    Ok(Json(call.app.statistics(&call.who, &q).await?))
}

/// The same table as an Excel workbook (one sheet 「政务服务统计」: title, headings, the rows,
/// the total last; counts as numbers, rates as shown).
#[utoipa::path(get, path = "/api/v1/statistics.xlsx", tag = "政务服务统计", params(StatisticsQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn xlsx(
    call: CallerFor<gate::ViewStatistics>,
    Query(q): Query<StatisticsQuery>,
) -> ApiResult<Response> {
    let s = call.app.statistics(&call.who, &q).await?;
    let bytes = to_xlsx(&s)?;
    Ok(crate::pages::file_response(
        XLSX,
        &export_name(&s, "xlsx"),
        false,
        bytes,
    ))
}

/// The same table as CSV (UTF-8 with a byte-order mark; the headings first, the total last).
#[utoipa::path(get, path = "/api/v1/statistics.csv", tag = "政务服务统计", params(StatisticsQuery),
    responses((status = 200, content_type = "text/csv", body = String),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn csv(
    call: CallerFor<gate::ViewStatistics>,
    Query(q): Query<StatisticsQuery>,
) -> ApiResult<Response> {
    let s = call.app.statistics(&call.who, &q).await?;
    let bytes = to_csv(&s)?;
    Ok(crate::pages::file_response(
        CSV,
        &export_name(&s, "csv"),
        false,
        bytes,
    ))
}

/// The public figures of a jurisdiction (open data, no login): the same table by item,
/// department or window — never by staff member.
#[utoipa::path(get, path = "/api/v1/public/statistics", tag = "政务服务统计", params(StatisticsQuery),
    responses((status = 200, body = Statistics), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn public(
    axum::extract::State(app): axum::extract::State<yiyin_app::App>,
    Query(q): Query<StatisticsQuery>,
) -> ApiResult<Json<Statistics>> {
    Ok(Json(app.public_statistics(&q).await?))
}
