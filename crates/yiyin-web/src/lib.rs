//! Yiyin's web layer: the JSON API v1 (described by the OpenAPI document at
//! `/api/v1/openapi.json`) and the server-rendered Chinese pages, over the application layer
//! (`yiyin_app`). Handlers are thin: they parse the request into typed input, call one use case,
//! and render what it returns (JSON or a page); no rule of the law and no background work lives here.
//!
//! Reading order: [`error`] (the application's errors as HTTP), [`input`] (the one gate every string
//! of a request passes), [`headers`] (the security headers), [`auth`] (who is asking), [`api`]
//! (JSON handlers), [`pages`] (HTML handlers and their templates in `templates/`), [`assets`] (the CSS
//! and scripts Yiyin serves itself — no page needs the outside network), [`throttle`] (the limits on
//! logins, registrations and look-ups per client address and per login).

pub mod api;
pub mod assets;
pub mod auth;
pub mod demo_registry;
pub mod error;
pub mod headers;
pub mod input;
pub mod open311;
pub mod pages;
pub mod throttle;

use std::future::Future;

use axum::Router;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
pub use yiyin_app::App;

pub use error::{ApiError, AppError};
pub use throttle::{Limits, WebConfig};

/// The whole application: API, pages and assets, with the default [`WebConfig`].
pub fn router(app: App) -> Router {
    router_with(app, WebConfig::default())
}

/// The whole application with these settings (the limits on attempts, the trusted proxy). Serve
/// it with `into_make_service_with_connect_info::<SocketAddr>()` so that attempts are counted per
/// client address.
pub fn router_with(app: App, config: WebConfig) -> Router {
    let https = headers::Https::of(app.public_url());
    let (api, mut doc) = api::router().split_for_parts();
    utoipa::Modify::modify(&api::CommonErrors, &mut doc);
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
        .merge(open311::router())
        .merge(pages::router())
        .merge(assets::router())
        .merge(demo_registry::router(config.demo_registry.clone()))
        .fallback(pages::flash::not_found)
        .with_state(app.clone())
        // Logins, registrations and look-ups are throttled per client address and per login.
        .layer(axum::middleware::from_fn_with_state(
            throttle::Throttle::new(config),
            throttle::guard,
        ))
        // Error pages in the frame of whoever is logged in; notices only as the server set them.
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            pages::flash::dress_errors,
        ))
        // Who is asking, settled once; several servers on one database: a setting saved on
        // another is used from this request on.
        .layer(axum::middleware::from_fn_with_state(app, auth::settle))
        .layer(axum::middleware::from_fn(pages::flash::notices))
        // Every string of the path and query passes the general rule of input once, before any route.
        .layer(axum::middleware::from_fn(input::check_uri))
        // The security headers of every answer (CSP, framing, referrer, caching, HSTS).
        .layer(axum::middleware::from_fn_with_state(https, headers::secure))
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
    config: WebConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let _workers = yiyin_app::workers::spawn(&app);
    axum::serve(
        listener,
        router_with(app, config).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
