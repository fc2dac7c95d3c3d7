//! The bureau head's page of simulation mode (模拟运行), `/admin/simulation/{code}`: the mode of a
//! jurisdiction (on or off, every item or only some — e.g. a switch-over batch's — the reason, when
//! it was set, how many cases were received in simulation) and the form switching it. The use case
//! is `yiyin_app::simulation`'s; a refusal shows the page again with the message and what was typed.

use askama::Template;
use yiyin_app::simulation::{SimulationRequest, SimulationView};
use yiyin_domain::authz::Operation;

use crate::auth::gate;
use crate::error::AppError;
use crate::pages::{Chrome, FormData, PageFor, PageResult, Path, Query, RawForm, render, settle};

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct SimulationQuery {
    pub notice: String,
}

#[derive(Template)]
#[template(path = "admin/simulation.html")]
struct SimulationPage {
    chrome: Chrome,
    jurisdictions: Vec<(String, String)>,
    code: String,
    name: String,
    view: SimulationView,
    error: String,
    /// What was typed in a refused form.
    typed: FormData,
    refused: bool,
}

async fn simulation_page(
    page: &PageFor<gate::Simulation>,
    code: &str,
    notice: &str,
    failed: Option<(String, FormData)>,
) -> PageResult {
    let mine = page.jurisdictions_for(Operation::ManageSimulation);
    let Some((_, name)) = mine.iter().find(|j| j.0 == code).cloned() else {
        return Err(AppError::Forbidden(format!(
            "无权设置「{code}」的模拟运行：仅本县区局长可以设置"
        ))
        .into());
    };
    let view = page.app.simulation(page.who(), code).await?;
    let refused = failed.is_some();
    let (error, typed) = failed.unwrap_or_default();
    render(&SimulationPage {
        chrome: page.chrome(notice),
        jurisdictions: mine,
        code: code.to_string(),
        name,
        view,
        error,
        typed,
        refused,
    })
}

/// The mode and its form.
pub async fn show(
    page: PageFor<gate::Simulation>,
    Path(code): Path<String>,
    Query(q): Query<SimulationQuery>,
) -> PageResult {
    simulation_page(&page, &code, &q.notice, None).await
}

/// Switches the mode: `enabled` (on/off), `items` (codes separated by spaces, commas or lines;
/// empty: every item), `reason`.
pub async fn set(
    page: PageFor<gate::Simulation>,
    Path(code): Path<String>,
    form: RawForm,
) -> PageResult {
    page.check_csrf(&form)?;
    let f = &form.raw;
    let req = SimulationRequest {
        enabled: f.get("enabled") == "on",
        items: f
            .get("items")
            .split(|c: char| c.is_whitespace() || c == ',' || c == '，' || c == '、')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        reason: f.get("reason"),
    };
    let result = page.app.set_simulation(page.who(), &code, &req).await;
    settle(
        result,
        |v| {
            (
                format!("/admin/simulation/{code}"),
                format!("已设置为{}", v.description),
            )
        },
        |e| async { simulation_page(&page, &code, "", Some((e, form.raw.clone()))).await },
    )
    .await
}
