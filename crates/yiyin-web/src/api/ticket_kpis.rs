//! The requests centre's KPIs API (诉求办理考核指标): the seven rates per department or category
//! over a period as JSON (`/api/v1/tickets/kpis`) or as an Excel workbook
//! (`/api/v1/tickets/kpis.xlsx`, the same query). Who reads what is the application layer's
//! (`yiyin_app::tickets::TicketKpis`); these handlers only translate, gated by role before the
//! query is read.

use axum::Json;
use axum::response::Response;
use yiyin_app::tickets::{TicketKpiQuery, TicketKpis, kpi_export_name, kpis_to_xlsx};

use crate::api::statistics::XLSX;
use crate::auth::{CallerFor, gate};
use crate::error::{ApiResult, ErrorBody, Query};

/// The KPIs of a period (default: this year to today) by department (default) or category:
/// 按时签收率, 按时办结率 (open overdue rounds counted as late), 先行联系率, 满意率, 实际解决率,
/// 重办率 and 退单率, each an exact fraction with its display, recomputed from the tickets'
/// histories; merged duplicates count nowhere. The centre's manager, the bureau head and the
/// discipline supervisor see the jurisdiction; a ticket handler only their own department.
#[utoipa::path(get, path = "/api/v1/tickets/kpis", tag = "诉求中心", params(TicketKpiQuery),
    responses((status = 200, body = TicketKpis), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn table(
    call: CallerFor<gate::TicketKpis>,
    Query(q): Query<TicketKpiQuery>,
) -> ApiResult<Json<TicketKpis>> {
    Ok(Json(call.app.ticket_kpis(&call.who, &q).await?))
}

/// The same KPIs as an Excel workbook (one sheet 「诉求考核指标」: title, headings, the rows, the
/// total last; per KPI its numerator and denominator as numbers and the rate as shown).
#[utoipa::path(get, path = "/api/v1/tickets/kpis.xlsx", tag = "诉求中心", params(TicketKpiQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn xlsx(
    call: CallerFor<gate::TicketKpis>,
    Query(q): Query<TicketKpiQuery>,
) -> ApiResult<Response> {
    let k = call.app.ticket_kpis(&call.who, &q).await?;
    let bytes = kpis_to_xlsx(&k)?;
    Ok(crate::pages::file_response(
        XLSX,
        &kpi_export_name(&k),
        false,
        bytes,
    ))
}
