//! Lists read a page at a time (newest first, `after` and `limit` in the query): the query of a
//! page, and its headers — `X-Total-Count` says how many rows the whole list holds, and `Link`
//! (`rel="next"`) gives the next page's address, with the list's other query fields kept, until
//! the last page.

use axum::http::{HeaderMap, HeaderValue, header};
use serde::Deserialize;
use utoipa::IntoParams;
use yiyin_app::paging::ListPage;

/// The page of a list: after the row the page before ended with, so many rows.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct PageQuery {
    /// The page after this row: the `after` of the `Link: <…>; rel="next"` header (or the `next`
    /// field) of the page before (omitted: the first page).
    #[serde(default)]
    pub after: String,
    /// Rows per page, 1 to 200 (default 200).
    #[serde(default)]
    pub limit: Option<i64>,
}

/// A jurisdiction's list, a page at a time.
#[derive(Debug, Deserialize, IntoParams)]
pub struct JurisdictionPage {
    /// 县区代码
    pub jurisdiction: String,
    /// The page after this row: the `after` of the `Link: <…>; rel="next"` header of the page
    /// before (omitted: the first page).
    #[serde(default)]
    pub after: String,
    /// Rows per page, 1 to 200 (default 200).
    #[serde(default)]
    pub limit: Option<i64>,
}

impl JurisdictionPage {
    /// The headers of `page` of the list at `path`, its next page keeping the jurisdiction and
    /// the limit.
    pub(crate) fn headers<T>(&self, path: &str, page: &ListPage<T>) -> HeaderMap {
        page_headers(
            page.count,
            page.next.as_deref(),
            path,
            &[
                ("jurisdiction", self.jurisdiction.clone()),
                (
                    "limit",
                    self.limit.map(|l| l.to_string()).unwrap_or_default(),
                ),
            ],
        )
    }
}

/// The headers of a page of the list at `path` whose query fields `kept` (name, value; empty
/// values left out) the next page repeats.
pub(crate) fn page_headers(
    count: i64,
    next: Option<&str>,
    path: &str,
    kept: &[(&str, String)],
) -> HeaderMap {
    let mut headers = next_link(next, path, kept);
    headers.insert("x-total-count", HeaderValue::from(count));
    headers
}

/// The `Link` header (`rel="next"`) of a page of the list at `path` whose query fields `kept`
/// (name, value; empty values left out) the next page repeats; none on the last page.
pub(crate) fn next_link(next: Option<&str>, path: &str, kept: &[(&str, String)]) -> HeaderMap {
    let mut headers = HeaderMap::new();
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
