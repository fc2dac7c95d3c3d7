//! Yiyin's web layer: the JSON API v1 (described by the OpenAPI document at
//! `/api/v1/openapi.json`) and the server-rendered Chinese pages, over the application layer
//! (`yiyin_app`). Handlers are thin: they parse the request into typed input, call one use case,
//! and render what it returns (JSON or a page); no rule of the law and no background work lives here.
//!
//! Reading order: [`error`] (the application's errors as HTTP), [`auth`] (who is asking), [`api`]
//! (JSON handlers), [`pages`] (HTML handlers and their templates in `templates/`), [`assets`] (the CSS
//! and scripts Yiyin serves itself — no page needs the outside network).

pub mod api;
pub mod assets;
pub mod auth;
pub mod error;
pub mod pages;

use std::future::Future;

use axum::Router;
use axum::http::{HeaderValue, header};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
pub use yiyin_app::App;

pub use error::{ApiError, AppError};

/// The whole application: API, pages and assets.
pub fn router(app: App) -> Router {
    let (api, doc) = api::router().split_for_parts();
    let doc = std::sync::Arc::new(doc);
    Router::new()
        .merge(api)
        .route(
            "/api/v1/openapi.json",
            axum::routing::get(move || {
                let doc = doc.clone();
                async move { axum::Json(doc.as_ref().clone()) }
            }),
        )
        .merge(pages::router())
        .merge(assets::router())
        .with_state(app)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        // Every request gets an id (kept if a proxy set one), logged on its span and echoed in
        // the response; the span names the path only, never a query (which may carry a number).
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

fn request_span(req: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    tracing::info_span!("request", id, method = %req.method(), path = req.uri().path())
}

/// Serves the application on `listener` until `shutdown` completes, with the background workers
/// (sweeps and push deliveries) running beside it.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: App,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let _workers = yiyin_app::workers::spawn(&app);
    axum::serve(listener, router(app))
        .with_graceful_shutdown(shutdown)
        .await
}
