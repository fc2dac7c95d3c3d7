//! The simulation-mode API (模拟运行): a jurisdiction's mode, read by its staff and set by its bureau
//! head (every item, or only some — e.g. a switch-over batch's). Rules and permissions live in
//! `yiyin_app::simulation`.

use axum::Json;
use yiyin_app::simulation::{SimulationRequest, SimulationView};

use crate::auth::{CallerFor, gate};
use crate::error::{ApiResult, Body, ErrorBody, Path};

/// A jurisdiction's simulation mode: on or off, the items it covers (empty: every item), the
/// reason given, and how many cases were received in simulation. Staff of the jurisdiction.
#[utoipa::path(get, path = "/api/v1/jurisdictions/{code}/simulation", tag = "模拟运行",
    params(("code" = String, Path, description = "县区代码")),
    responses((status = 200, body = SimulationView), (status = 403, body = ErrorBody)))]
pub async fn get(
    call: CallerFor<gate::Staff>,
    Path(code): Path<String>,
) -> ApiResult<Json<SimulationView>> {
    Ok(Json(call.app.simulation(&call.who, &code).await?))
}

/// Switch simulation on or off (the bureau head). While on, a new application for a covered item
/// is simulated for good: its documents are signed with the simulation seal and watermarked 模拟
/// (verification answers 模拟文书，不具法律效力), nothing is pushed to the supervising department or
/// sent to the applicant, no licence is registered, and it counts in no statistics. Switching off
/// sends nothing afterwards. Unknown item codes are 422 and change nothing.
#[utoipa::path(put, path = "/api/v1/jurisdictions/{code}/simulation", tag = "模拟运行",
    params(("code" = String, Path, description = "县区代码")), request_body = SimulationRequest,
    responses((status = 200, body = SimulationView), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn set(
    call: CallerFor<gate::Simulation>,
    Path(code): Path<String>,
    Body(req): Body<SimulationRequest>,
) -> ApiResult<Json<SimulationView>> {
    Ok(Json(call.app.set_simulation(&call.who, &code, &req).await?))
}
