//! Open data (政务公开), no login: the approvals a jurisdiction published, as JSON pages
//! (`/api/v1/public/approvals`) or as one CSV file (`/api/v1/public/approvals.csv`). The rows and
//! their masking are `yiyin_app::open_data`'s; these handlers only translate. The aggregate
//! statistics are `/api/v1/public/statistics`.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use yiyin_app::App;
use yiyin_app::open_data::{Approvals, ApprovalsQuery};

use crate::api::statistics::CSV;
use crate::error::{ApiResult, ErrorBody, Query};

/// The approvals a jurisdiction published in a period (default: this year to today), every
/// licence version it issued, oldest first, a page at a time (`limit`, at most 1000; `next` is the
/// `after` of the next page). A holder that is a person is shown masked and without an ID number.
#[utoipa::path(get, path = "/api/v1/public/approvals", tag = "政务公开", params(ApprovalsQuery),
    responses((status = 200, body = Approvals), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn approvals(
    State(app): State<App>,
    Query(q): Query<ApprovalsQuery>,
) -> ApiResult<Json<Approvals>> {
    Ok(Json(app.public_approvals(&q).await?))
}

/// The same approvals of a period as one CSV file (UTF-8 with a byte-order mark; at most 50,000
/// rows — a longer period is refused and downloaded in parts). `after` and `limit` are ignored.
#[utoipa::path(get, path = "/api/v1/public/approvals.csv", tag = "政务公开", params(ApprovalsQuery),
    responses((status = 200, content_type = "text/csv", body = String),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn approvals_csv(
    State(app): State<App>,
    Query(q): Query<ApprovalsQuery>,
) -> ApiResult<Response> {
    let (page, bytes) = app.public_approvals_csv(&q).await?;
    let name = format!(
        "许可公示-{}-{}至{}.csv",
        page.jurisdiction_name, page.from, page.to
    );
    Ok(crate::pages::file_response(CSV, &name, false, bytes))
}
