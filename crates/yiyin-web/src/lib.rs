//! Yiyin's web layer: the JSON API v1 (described by the OpenAPI document at
//! `/api/v1/openapi.json`) and the server-rendered Chinese pages.
//!
//! Reading order: [`state`] (what every handler shares: store, calendar, clock), [`error`] (the one
//! error type of this layer and how it becomes JSON or a page), [`api`] (JSON handlers), [`pages`]
//! (HTML handlers and their templates in `templates/`), [`assets`] (the CSS and scripts Yiyin serves
//! itself — no page needs the outside network). Handlers are thin: they parse, call the store or the
//! domain, and render.

pub mod api;
pub mod archiving;
pub mod assets;
pub mod auth;
pub mod background;
pub mod delivery;
pub mod error;
pub mod pages;
pub mod sealing;
pub mod state;
pub mod supervising;
pub mod testing;

use std::future::Future;

use axum::Router;
use axum::http::{HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use error::AppError;
pub use state::{AppState, Clock, FixedClock, OffsetClock, SystemClock};

/// The whole application: API, pages and assets.
pub fn router(state: AppState) -> Router {
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
        .with_state(state)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(TraceLayer::new_for_http())
}

/// Serves the application on `listener` until `shutdown` completes, with the background work
/// (deemed acceptance) running beside it.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let background = tokio::spawn(background::run(state.clone()));
    let delivery = tokio::spawn(delivery::run(state.clone()));
    let result = axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await;
    background.abort();
    delivery.abort();
    result
}
