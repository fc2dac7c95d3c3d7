//! The demo's market-registration registry (演示用市场主体登记库): served only when `yiyin demo`
//! loaded the demo data, at `/demo/registry/records/{credit_code_or_id}?kind=…` under the
//! data-sharing contract of `docs/data-sharing.md`, so that the demo's 部门共享 营业执照 resolves
//! by credit code through the same adapter a real department's registry is asked through.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use yiyin_domain::engine::SharedRecord;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct KindQuery {
    kind: String,
}

/// The registry's routes over these records (none when `records` is None: not the demo).
pub fn router<S: Clone + Send + Sync + 'static>(
    records: Option<Arc<Vec<SharedRecord>>>,
) -> axum::Router<S> {
    let Some(records) = records else {
        return axum::Router::new();
    };
    axum::Router::new().route(
        "/demo/registry/records/{id}",
        get(move |Path(id): Path<String>, Query(q): Query<KindQuery>| {
            let records = records.clone();
            async move { answer(&records, &id, &q.kind) }
        }),
    )
}

fn answer(records: &[SharedRecord], id: &str, kind: &str) -> Response {
    let found = records.iter().find(|r| {
        r.id.eq_ignore_ascii_case(id.trim()) && (kind.trim().is_empty() || r.kind == kind.trim())
    });
    match found {
        Some(r) => Json(r).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(serde_json::json!({"error": "登记库中没有该记录"})),
        )
            .into_response(),
    }
}
