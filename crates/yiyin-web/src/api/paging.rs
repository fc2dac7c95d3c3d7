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
        let fields: Vec<(&str, &str)> = std::iter::once(("after", next))
            .chain(kept.iter().map(|(name, value)| (*name, value.as_str())))
            .collect();
        let link = yiyin_app::query_url(path, &fields);
        if let Ok(v) = HeaderValue::from_str(&format!("<{link}>; rel=\"next\"")) {
            headers.insert(header::LINK, v);
        }
    }
    headers
}
