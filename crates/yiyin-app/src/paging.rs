//! Lists read a page at a time, once for every use case that pages: how many rows a page may ask
//! for, the cursor a client gives back (and its refusal in Chinese), and the page returned with
//! how many rows the whole list holds.

use serde::Serialize;

use crate::error::{AppError, Result};

/// A page of a list: its items, how many the whole list holds (on every page), and the cursor to
/// give as `after` for the next page (None on the last page).
#[derive(Debug, Clone, Serialize)]
pub struct ListPage<T> {
    pub items: Vec<T>,
    pub count: i64,
    pub next: Option<String>,
}

/// A cursor that is not one this server gave: bad input in the `after` field.
pub fn bad_cursor() -> AppError {
    AppError::field("after", "翻页位置无效，请从第一页重新查看")
}

/// The rows a page asks for: 1 to `max`, `max` when not given.
pub fn page_limit(limit: Option<i64>, max: i64) -> Result<i64> {
    match limit {
        None => Ok(max),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(_) => Err(AppError::field(
            "limit",
            format!("每页条数应在 1 至 {max} 之间"),
        )),
    }
}

/// Cuts the rows read one beyond `limit` (that one only says a next page exists) back to the
/// page, and returns the cursor of its last row (`key`) when a next page exists.
pub fn cut<T>(rows: &mut Vec<T>, limit: i64, key: impl Fn(&T) -> String) -> Option<String> {
    if rows.len() as i64 > limit {
        rows.truncate(usize::try_from(limit).unwrap_or(0));
        rows.last().map(key)
    } else {
        None
    }
}

/// The cursor of a list newest first by id: the id of the last row of the page before (empty:
/// the first page).
pub fn id_cursor(after: &str) -> Result<Option<i64>> {
    match after.trim() {
        "" => Ok(None),
        a => a
            .parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .map(Some)
            .ok_or_else(bad_cursor),
    }
}
