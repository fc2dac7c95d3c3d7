//! The catalog's bundles (一件事一次办; 《行政许可法》第二十六条) on the catalog editor:
//! `/admin/catalog/{code}/bundles` lists the bundles in force and publishes a version of one — its
//! code, name, lead department (牵头部门), member items ticked among the items in force, the
//! situations (情形) that add or drop members, an effective date — through
//! `yiyin_app::App::publish_bundle` (the catalog administrator of the jurisdiction only; the
//! definition checked against the items in force on its effective date). A refusal shows the form
//! again, filled in, with the message; nothing is kept.

use askama::Template;
use yiyin_app::App;
use yiyin_domain::authz::Operation;
use yiyin_domain::calendar::{fmt_date, parse_date};
use yiyin_domain::catalog::ItemVersion;
use yiyin_domain::catalog::bundle::{BundleSpec, BundleVersion, Situation};
use yiyin_domain::org::Jurisdiction;

use crate::auth::gate;
use crate::error::AppError;
use crate::pages::{
    Chrome, FormData, Notice, PageFor, PageResult, Path, Query, RawForm, render, settle,
};

#[derive(Template)]
#[template(path = "admin/bundles.html")]
struct BundlesPage {
    chrome: Chrome,
    j: Jurisdiction,
    /// The bundles in force today.
    bundles: Vec<BundleVersion>,
    /// The items in force today, which members are ticked among.
    items: Vec<ItemVersion>,
    /// The fields as sent, to fill the form in again.
    values: FormData,
    today: String,
    error: String,
}

impl BundlesPage {
    /// A department's name, by its code.
    fn department_name(&self, code: &str) -> String {
        self.j
            .departments
            .iter()
            .find(|d| d.code == code)
            .map_or_else(|| code.to_string(), |d| d.name.clone())
    }
}

/// The page, with the form filled in with `values`.
async fn bundles_page(
    page: &PageFor<gate::ManageCatalog>,
    code: &str,
    notice: &str,
    values: FormData,
    error: String,
) -> PageResult {
    page.require_in(Operation::ManageCatalog, code)?;
    let app: &App = &page.app;
    let j = app.store.jurisdiction(code).await?;
    let today = app.today();
    render(&BundlesPage {
        chrome: page.chrome(notice),
        bundles: app.bundles_in_force(code).await?,
        items: app.store.catalog_as_of(code, today).await?,
        j,
        values,
        today: fmt_date(today),
        error,
    })
}

/// The bundles of a jurisdiction's catalog and the form publishing one.
pub async fn bundles(
    page: PageFor<gate::ManageCatalog>,
    Path(code): Path<String>,
    Query(n): Query<Notice>,
) -> PageResult {
    bundles_page(&page, &code, &n.notice, FormData::default(), String::new()).await
}

/// Codes separated by commas, 、 or spaces.
pub(super) fn codes(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | '、'))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The situations as typed, one a line: `代码|情形|去掉的事项编码|增加的事项编码` (the last two
/// optional, codes separated by commas).
fn situations(text: &str) -> Result<Vec<Situation>, AppError> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
        .map(|(n, line)| {
            let parts: Vec<&str> = line.split(['|', '｜']).map(str::trim).collect();
            if parts.len() < 2 || parts.len() > 4 || parts[0].is_empty() || parts[1].is_empty() {
                return Err(AppError::field(
                    "situations",
                    format!(
                        "情形第{}行格式不正确，应为「代码|情形名称|去掉的事项编码|增加的事项编码」",
                        n + 1
                    ),
                ));
            }
            Ok(Situation {
                code: parts[0].to_string(),
                name: parts[1].to_string(),
                drops: parts.get(2).map(|s| codes(s)).unwrap_or_default(),
                adds: parts.get(3).map(|s| codes(s)).unwrap_or_default(),
            })
        })
        .collect()
}

/// Publishes a version of a bundle from the form: `bundle_code`, `name`, `lead_department`, the
/// `member` items ticked, `situations` (one a line), `effective_on` and `note`.
pub async fn publish(
    page: PageFor<gate::ManageCatalog>,
    Path(code): Path<String>,
    form: RawForm,
) -> PageResult {
    page.check_csrf(&form)?;
    let f = form.raw;
    let result = async {
        let effective_on = parse_date(&f.get("effective_on"))
            .map_err(|e| AppError::field("effective_on", format!("生效日期：{e}")))?;
        let spec = BundleSpec {
            code: f.get("bundle_code"),
            name: f.get("name"),
            lead_department: f.get("lead_department"),
            members: f.all("member"),
            situations: situations(&f.get("situations"))?,
        };
        page.app
            .publish_bundle(page.who(), &code, spec, effective_on, &f.get("note"))
            .await
    }
    .await;
    settle(
        result,
        |v| {
            (
                format!("/admin/catalog/{code}/bundles"),
                format!(
                    "已公布一件事「{}」第{}版，自 {} 起施行",
                    v.spec.name,
                    v.version,
                    fmt_date(v.effective_on)
                ),
            )
        },
        |e| async { bundles_page(&page, &code, "", f.clone(), e).await },
    )
    .await
}
