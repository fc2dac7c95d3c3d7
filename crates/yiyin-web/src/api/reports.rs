//! The monthly report API (政务服务月报): `/api/v1/statistics/monthly.pdf`, the statistics of one
//! month of a jurisdiction by department as a PDF sealed with the bureau's electronic seal. Rules,
//! roles and figures live in `yiyin_app::reports`; the handler only translates, gated by role
//! before its query is read.

use axum::response::Response;
use yiyin_app::reports::MonthlyReportQuery;

use crate::auth::{CallerFor, gate};
use crate::error::{ApiResult, ErrorBody, Query};

/// The PDF type.
pub const PDF: &str = "application/pdf";

/// The monthly report of a jurisdiction (a past month, or the current month to date) as a PDF
/// sealed with the bureau's electronic seal: the heading, the period and the day it was made, and
/// per department the figures of the statistics table (flows, efficiency classes, 好评率,
/// 差评整改率, cards by kind), the total last. For the holders of the statistics over the whole
/// jurisdiction (bureau head, discipline supervisor, rating administrator, centre manager); an
/// observer limited to departments is refused. Each report made is recorded as an event.
#[utoipa::path(get, path = "/api/v1/statistics/monthly.pdf", tag = "政务服务统计", params(MonthlyReportQuery),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn monthly(
    call: CallerFor<gate::ViewStatistics>,
    Query(q): Query<MonthlyReportQuery>,
) -> ApiResult<Response> {
    let (name, bytes) = call
        .app
        .monthly_report(&call.who, &q.jurisdiction, &q.month)
        .await?;
    Ok(crate::pages::file_response(PDF, &name, false, bytes))
}
