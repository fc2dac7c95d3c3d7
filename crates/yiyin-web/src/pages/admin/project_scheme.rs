//! The scheme of construction project stages (工程建设项目审批, 国办发〔2019〕11号) on the catalog
//! editor: `/admin/catalog/{code}/project-scheme` shows the four stages as configured — each
//! stage's bundle (一件事), milestone items, completion rule (all, or any one), parallel items — and
//! the target of working days, and saves a new scheme through `yiyin_app::App::put_project_scheme`
//! (the catalog administrator of the jurisdiction only, the same use case as the API's PUT). A
//! stage left without a bundle, milestones and parallel items is not configured. A refusal shows
//! the form again, filled in, with the message; nothing is kept.

use askama::Template;
use yiyin_app::App;
use yiyin_domain::authz::Operation;
use yiyin_domain::catalog::ItemVersion;
use yiyin_domain::catalog::bundle::BundleVersion;
use yiyin_domain::org::Jurisdiction;
use yiyin_domain::project::{Completion, DEFAULT_TARGET_DAYS, Scheme, Stage, StageConfig};

use super::bundles::codes;
use crate::auth::gate;
use crate::error::AppError;
use crate::pages::{
    Chrome, FormData, Notice, PageFor, PageResult, Path, Query, RawForm, render, settle,
};

/// One stage's fields on the form, as configured or as sent.
struct StageRow {
    stage: Stage,
    bundle: String,
    milestones: String,
    completion: String,
    parallel: String,
}

impl StageRow {
    /// The form's field of this stage named `what`.
    fn field(stage: Stage, what: &str) -> String {
        format!("{}_{what}", stage.code())
    }

    fn from_config(stage: Stage, config: Option<&StageConfig>) -> Self {
        StageRow {
            stage,
            bundle: config.map(|c| c.bundle_code.clone()).unwrap_or_default(),
            milestones: config.map(|c| c.milestones.join("，")).unwrap_or_default(),
            completion: config
                .map_or(Completion::All, |c| c.completion)
                .code()
                .to_string(),
            parallel: config.map(|c| c.parallel.join("，")).unwrap_or_default(),
        }
    }

    fn from_form(stage: Stage, f: &FormData) -> Self {
        StageRow {
            stage,
            bundle: f.get(&Self::field(stage, "bundle")),
            milestones: f.get(&Self::field(stage, "milestones")),
            completion: f.get(&Self::field(stage, "completion")),
            parallel: f.get(&Self::field(stage, "parallel")),
        }
    }

    /// Whether anything was filled in for the stage.
    fn configured(&self) -> bool {
        [&self.bundle, &self.milestones, &self.parallel]
            .iter()
            .any(|s| !s.trim().is_empty())
    }

    /// The stage's configuration from the fields.
    fn config(&self) -> Result<StageConfig, AppError> {
        let completion = Completion::parse(&self.completion).ok_or_else(|| {
            AppError::field(
                &Self::field(self.stage, "completion"),
                format!(
                    "「{}」阶段的办结规则应为：{}",
                    self.stage.label(),
                    Completion::choices()
                ),
            )
        })?;
        Ok(StageConfig {
            stage: self.stage,
            bundle_code: self.bundle.trim().to_string(),
            milestones: codes(&self.milestones),
            completion,
            parallel: codes(&self.parallel),
        })
    }
}

#[derive(Template)]
#[template(path = "admin/project_scheme.html")]
struct SchemePage {
    chrome: Chrome,
    j: Jurisdiction,
    /// The scheme in force, if any.
    scheme: Option<Scheme>,
    bundles: Vec<BundleVersion>,
    items: Vec<ItemVersion>,
    /// The form: the four stages and the target, as configured or as sent.
    rows: Vec<StageRow>,
    target_days: String,
    error: String,
}

impl SchemePage {
    /// A bundle's name and code, by its code.
    fn bundle_name(&self, code: &str) -> String {
        self.bundles.iter().find(|b| b.code == code).map_or_else(
            || code.to_string(),
            |b| format!("{}（{code}）", b.spec.name),
        )
    }

    /// Items' names and codes, by their codes, separated by 、; a dash when none.
    fn item_names(&self, codes: &[String]) -> String {
        if codes.is_empty() {
            return "—".to_string();
        }
        codes
            .iter()
            .map(|c| {
                self.items
                    .iter()
                    .find(|i| &i.code == c)
                    .map_or_else(|| c.clone(), |i| format!("{}（{c}）", i.item.name))
            })
            .collect::<Vec<_>>()
            .join("、")
    }

    fn completions(&self) -> Vec<(&'static str, &'static str)> {
        Completion::options()
    }
}

/// The page; the form filled in with `sent` when a refusal shows it again, else with the scheme
/// in force.
async fn scheme_page(
    page: &PageFor<gate::ManageCatalog>,
    code: &str,
    notice: &str,
    sent: Option<&FormData>,
    error: String,
) -> PageResult {
    page.require_in(Operation::ManageCatalog, code)?;
    let app: &App = &page.app;
    let j = app.store.jurisdiction(code).await?;
    let scheme = app.store.project_scheme(code).await?;
    let (rows, target_days) = match sent {
        Some(f) => (
            Stage::ALL
                .iter()
                .map(|s| StageRow::from_form(*s, f))
                .collect(),
            f.get("target_days"),
        ),
        None => (
            Stage::ALL
                .iter()
                .map(|s| StageRow::from_config(*s, scheme.as_ref().and_then(|x| x.stage(*s))))
                .collect(),
            scheme
                .as_ref()
                .map_or(DEFAULT_TARGET_DAYS, |x| x.target_days)
                .to_string(),
        ),
    };
    render(&SchemePage {
        chrome: page.chrome(notice),
        bundles: app.bundles_in_force(code).await?,
        items: app.store.catalog_as_of(code, app.today()).await?,
        j,
        scheme,
        rows,
        target_days,
        error,
    })
}

/// The scheme of a jurisdiction's construction project stages and the form setting it.
pub async fn scheme(
    page: PageFor<gate::ManageCatalog>,
    Path(code): Path<String>,
    Query(n): Query<Notice>,
) -> PageResult {
    scheme_page(&page, &code, &n.notice, None, String::new()).await
}

/// The scheme from the form: `target_days`, and for each stage `{stage}_bundle`,
/// `{stage}_milestones`, `{stage}_completion`, `{stage}_parallel` (codes separated by commas).
fn scheme_from(f: &FormData) -> Result<Scheme, AppError> {
    let target_days = f.get("target_days").trim().parse::<u32>().map_err(|_| {
        AppError::field(
            "target_days",
            "审批时间目标应填写工作日天数（1 至 365 的整数）",
        )
    })?;
    let stages = Stage::ALL
        .iter()
        .map(|s| StageRow::from_form(*s, f))
        .filter(StageRow::configured)
        .map(|r| r.config())
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Scheme {
        target_days,
        stages,
    })
}

/// Saves the scheme from the form.
pub async fn save(
    page: PageFor<gate::ManageCatalog>,
    Path(code): Path<String>,
    form: RawForm,
) -> PageResult {
    page.check_csrf(&form)?;
    let f = form.raw;
    let result = async {
        let scheme = scheme_from(&f)?;
        page.app.put_project_scheme(page.who(), &code, scheme).await
    }
    .await;
    settle(
        result,
        |s| {
            (
                format!("/admin/catalog/{code}/project-scheme"),
                format!(
                    "已保存工程建设项目审批阶段配置（{}个阶段，审批时间目标 {} 个工作日）",
                    s.stages.len(),
                    s.target_days
                ),
            )
        },
        |e| async { scheme_page(&page, &code, "", Some(&f), e).await },
    )
    .await
}
