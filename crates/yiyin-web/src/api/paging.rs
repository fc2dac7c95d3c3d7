//! The headers of a list read a page at a time (newest first, `after` and `limit` in the query):
//! `X-Total-Count` says how many rows the whole list holds, and `Link` (`rel="next"`) gives the
//! next page's address, with the list's other query fields kept, until the last page.

use axum::http::{HeaderMap, HeaderValue, header};

/// The headers of a page of the list at `path` whose query fields `kept` (name, value; empty
/// values left out) the next page repeats.
pub(crate) fn page_headers(
    count: i64,
    next: Option<&str>,
    path: &str,
    kept: &[(&str, String)],
) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("x-total-count", HeaderValue::from(count));
    if let Some(next) = next {
        let mut link = format!("{path}?after={}", yiyin_app::encode_query(next));
        for (name, value) in kept.iter().filter(|(_, v)| !v.is_empty()) {
            link.push_str(&format!("&{name}={}", yiyin_app::encode_query(value)));
        }
        if let Ok(v) = HeaderValue::from_str(&format!("<{link}>; rel=\"next\"")) {
            headers.insert(header::LINK, v);
        }
    }
    headers
}
