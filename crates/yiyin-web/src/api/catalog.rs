//! The public catalog API: jurisdictions, the catalog as of a date, an item, its versions and the
//! changelog; and, for the jurisdiction's catalog administrator, the national list report.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use yiyin_app::catalog::{ChangelogEntry, NationalReport};
use yiyin_domain::calendar::parse_date;
use yiyin_domain::catalog::{ItemVersion, LicenceTemplate};
use yiyin_domain::org::{Jurisdiction, JurisdictionKind};

use crate::auth::{CallerFor, gate};
use crate::error::{ApiError, ApiResult, AppError, ErrorBody, Path, Query};
use yiyin_app::App;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct JurisdictionSummary {
    pub code: String,
    pub name: String,
    pub kind: JurisdictionKind,
    pub parent: Option<String>,
    /// The approval bureau, for jurisdictions with a catalog of their own.
    pub bureau: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct DateQuery {
    /// The date the catalog is read at (`YYYY-MM-DD`, default today).
    pub date: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct LimitQuery {
    /// How many entries (default 100, at most 1000).
    pub limit: Option<i64>,
}

impl DateQuery {
    fn date(&self, state: &App) -> ApiResult<chrono::NaiveDate> {
        match &self.date {
            None => Ok(state.today()),
            Some(t) => parse_date(t).map_err(|e| ApiError::from(AppError::invalid(e.to_string()))),
        }
    }
}

/// Every jurisdiction.
#[utoipa::path(get, path = "/api/v1/jurisdictions", tag = "目录",
    responses((status = 200, body = Vec<JurisdictionSummary>)))]
pub async fn jurisdictions(State(state): State<App>) -> ApiResult<Json<Vec<JurisdictionSummary>>> {
    let org = state.store.organisation().await?;
    Ok(Json(
        org.jurisdictions
            .into_iter()
            .map(|j| JurisdictionSummary {
                bureau: j.bureau.as_ref().map(|b| b.name.clone()),
                code: j.code,
                name: j.name,
                kind: j.kind,
                parent: j.parent,
            })
            .collect(),
    ))
}

/// One jurisdiction with its bureau, departments, halls, windows, township centres and village points.
#[utoipa::path(get, path = "/api/v1/jurisdictions/{code}", tag = "目录",
    params(("code" = String, Path, description = "县区代码，如 hanyin")),
    responses((status = 200, body = Jurisdiction), (status = 404, body = ErrorBody)))]
pub async fn jurisdiction(
    State(state): State<App>,
    Path(code): Path<String>,
) -> ApiResult<Json<Jurisdiction>> {
    Ok(Json(state.store.jurisdiction(&code).await?))
}

/// The catalog of a jurisdiction as it stood on a date.
#[utoipa::path(get, path = "/api/v1/jurisdictions/{code}/catalog", tag = "目录",
    params(("code" = String, Path, description = "县区代码"), DateQuery),
    responses((status = 200, body = Vec<ItemVersion>), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn catalog(
    State(state): State<App>,
    Path(code): Path<String>,
    Query(q): Query<DateQuery>,
) -> ApiResult<Json<Vec<ItemVersion>>> {
    let date = q.date(&state)?;
    state.store.jurisdiction(&code).await?;
    Ok(Json(state.store.catalog_as_of(&code, date).await?))
}

/// One item as in force on a date, with its result's licence template at the top level.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ItemWithTemplate {
    #[serde(flatten)]
    pub version: ItemVersion,
    /// The licence template of the item's result (证照模板), also under `item.result.template`.
    pub licence_template: Option<LicenceTemplate>,
}

/// One item as in force on a date.
#[utoipa::path(get, path = "/api/v1/jurisdictions/{code}/catalog/{item}", tag = "目录",
    params(("code" = String, Path, description = "县区代码"), ("item" = String, Path, description = "事项编码"), DateQuery),
    responses((status = 200, body = ItemWithTemplate), (status = 404, body = ErrorBody)))]
pub async fn item(
    State(state): State<App>,
    Path((code, item)): Path<(String, String)>,
    Query(q): Query<DateQuery>,
) -> ApiResult<Json<ItemWithTemplate>> {
    let date = q.date(&state)?;
    let history = state.store.item_history(&code, &item).await?;
    Ok(yiyin_domain::catalog::active_version(&history, date)
        .cloned()
        .map(|version| {
            Json(ItemWithTemplate {
                licence_template: version.item.result.template.clone(),
                version,
            })
        })
        .ok_or_else(|| {
            AppError::NotFound(format!(
                "{} 目录中没有事项「{item}」",
                yiyin_domain::calendar::fmt_date(date)
            ))
        })?)
}

/// Every published version of an item, oldest first.
#[utoipa::path(get, path = "/api/v1/jurisdictions/{code}/catalog/{item}/versions", tag = "目录",
    params(("code" = String, Path, description = "县区代码"), ("item" = String, Path, description = "事项编码")),
    responses((status = 200, body = Vec<ItemVersion>), (status = 404, body = ErrorBody)))]
pub async fn item_history(
    State(state): State<App>,
    Path((code, item)): Path<(String, String)>,
) -> ApiResult<Json<Vec<ItemVersion>>> {
    let history = state.store.item_history(&code, &item).await?;
    if history.is_empty() {
        return Err(AppError::NotFound(format!("没有事项「{item}」")).into());
    }
    Ok(Json(history))
}

/// The public changelog of a jurisdiction's catalog, newest first.
#[utoipa::path(get, path = "/api/v1/jurisdictions/{code}/changelog", tag = "目录",
    params(("code" = String, Path, description = "县区代码"), LimitQuery),
    responses((status = 200, body = Vec<ChangelogEntry>), (status = 404, body = ErrorBody)))]
pub async fn changelog(
    State(state): State<App>,
    Path(code): Path<String>,
    Query(q): Query<LimitQuery>,
) -> ApiResult<Json<Vec<ChangelogEntry>>> {
    state.store.jurisdiction(&code).await?;
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    Ok(Json(state.changelog(&code, limit).await?))
}

/// The national list report of a jurisdiction's catalog in force on a date (国家清单对照): the
/// licensing items without an entry in the national list of licensing items (行政许可事项清单),
/// and the items whose sources include an assumption made for the demo (演示假定). For the
/// jurisdiction's catalog administrator only.
#[utoipa::path(get, path = "/api/v1/jurisdictions/{code}/national-report", tag = "目录",
    params(("code" = String, Path, description = "县区代码"), DateQuery),
    responses((status = 200, body = NationalReport), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn national_report(
    call: CallerFor<gate::ManageCatalog>,
    Path(code): Path<String>,
    Query(q): Query<DateQuery>,
) -> ApiResult<Json<NationalReport>> {
    let date = q.date(&call.app)?;
    Ok(Json(
        call.app.national_report(&call.who, &code, date).await?,
    ))
}
