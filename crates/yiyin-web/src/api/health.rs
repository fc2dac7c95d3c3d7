//! `GET /healthz`: 200 once the database is reachable and migrated, 503 otherwise.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use yiyin_store::migrate;

use crate::error::{ApiResult, AppError, ErrorBody};
use yiyin_app::App;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok`
    pub status: String,
    /// SQLite or PostgreSQL.
    pub database: String,
    /// The schema version applied.
    pub schema: i64,
    /// Today's date in China Standard Time, as the server sees it.
    pub today: String,
}

/// Health check.
#[utoipa::path(get, path = "/healthz", tag = "系统",
    responses((status = 200, body = Health), (status = 503, body = ErrorBody)))]
pub async fn healthz(State(state): State<App>) -> ApiResult<Json<Health>> {
    let unavailable = |e: yiyin_store::StoreError| {
        tracing::warn!(error = %e, "health check failed");
        AppError::Unavailable("数据库不可用".into())
    };
    state.store.ping().await.map_err(unavailable)?;
    let applied = migrate::applied(&state.store).await.map_err(unavailable)?;
    let schema = applied.last().copied().unwrap_or(0);
    if schema < migrate::latest() {
        return Err(AppError::Unavailable(format!(
            "数据库结构版本 {schema} 低于程序所需的 {}",
            migrate::latest()
        ))
        .into());
    }
    Ok(Json(Health {
        status: "ok".into(),
        database: state.store.backend().label().into(),
        schema,
        today: yiyin_domain::calendar::fmt_date(state.today()),
    }))
}
