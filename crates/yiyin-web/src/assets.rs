//! Static assets, compiled into the binary and served by Yiyin itself: no page needs the outside
//! network.

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::state::AppState;

const CSS: &str = include_str!("../static/yiyin.css");

pub fn router() -> Router<AppState> {
    Router::new().route("/static/yiyin.css", get(css))
}

async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
}
