//! Static assets, compiled into the binary and served by Yiyin itself: no page needs the outside
//! network.

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use yiyin_app::App;

const CSS: &str = include_str!("../static/yiyin.css");
const JS: &str = include_str!("../static/yiyin.js");

pub fn router() -> Router<App> {
    Router::new()
        .route("/static/yiyin.css", get(css))
        .route("/static/yiyin.js", get(js))
}

async fn js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        JS,
    )
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
