//! Lists read a page at a time, once for every use case that pages: how many rows a page may ask
//! for, the cursor a client gives back (and its refusal in Chinese), the page returned with how
//! many rows the whole list holds, and the page of a list the reader sees part of, filled from
//! batches ([`fill_page`]).

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

/// The empty list.
impl<T> Default for ListPage<T> {
    fn default() -> Self {
        ListPage {
            items: vec![],
            count: 0,
            next: None,
        }
    }
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

/// How many batches [`fill_page`] reads at most for one page.
pub const FILL_ROUNDS: usize = 8;

/// A page of a list the reader may see only part of (the query narrows it as far as it can, the
/// finer duties are judged row by row): reads batches in the list's order after `start` — the
/// first one beyond the page, each next twice as large (at most 1 000 rows), at most
/// [`FILL_ROUNDS`] — and keeps the rows `seen` marks as the reader's to see, until the page holds
/// `limit`. Returns the page and, when more rows remain, the key of the last row gone through
/// (seen or not): the next page starts after it, so every row the reader may see is listed once.
/// A page holds fewer than `limit` before the end only when the rounds ran out.
pub async fn fill_page<T, K, R, S>(
    limit: i64,
    start: Option<K>,
    mut read: impl FnMut(Option<K>, i64) -> R,
    key: impl Fn(&T) -> K,
    mut seen: impl FnMut(Vec<T>) -> S,
) -> Result<(Vec<T>, Option<K>)>
where
    K: Clone,
    R: Future<Output = Result<Vec<T>>>,
    S: Future<Output = Result<Vec<(T, bool)>>>,
{
    let mut page = Vec::new();
    let mut after = start;
    let mut batch = limit + 1;
    for _ in 0..FILL_ROUNDS {
        let rows = read(after.clone(), batch).await?;
        let full = rows.len() as i64 == batch;
        for (row, keep) in seen(rows).await? {
            if page.len() as i64 == limit {
                return Ok((page, after));
            }
            after = Some(key(&row));
            if keep {
                page.push(row);
            }
        }
        if !full {
            return Ok((page, None));
        }
        batch = (batch * 2).min(1000);
    }
    Ok((page, after))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pages of the numbers 1..=n the reader sees (`seen`), `limit` a page, every page from
    /// the first by the key each gives.
    fn walk(n: i64, limit: i64, seen: fn(i64) -> bool) -> Vec<Vec<i64>> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let mut pages = Vec::new();
        let mut start = None;
        loop {
            let (page, next) = rt
                .block_on(fill_page(
                    limit,
                    start,
                    |after: Option<i64>, batch: i64| {
                        let from = after.unwrap_or(0) + 1;
                        std::future::ready(Ok((from..=n).take(batch as usize).collect()))
                    },
                    |row: &i64| *row,
                    |rows: Vec<i64>| {
                        std::future::ready(Ok(rows.into_iter().map(|r| (r, seen(r))).collect()))
                    },
                ))
                .unwrap();
            pages.push(page);
            match next {
                Some(k) => start = Some(k),
                None => return pages,
            }
            assert!(pages.len() < 1000, "the pages end");
        }
    }

    #[test]
    fn every_row_seen_once_in_full_pages() {
        for n in [0, 1, 2, 5, 9, 10, 11, 100] {
            for limit in [1, 2, 3, 10] {
                for (name, seen) in [
                    ("all", (|_| true) as fn(i64) -> bool),
                    ("every third", |r| r % 3 == 0),
                    ("none", |_| false),
                ] {
                    let pages = walk(n, limit, seen);
                    let listed: Vec<i64> = pages.iter().flatten().copied().collect();
                    let want: Vec<i64> = (1..=n).filter(|r| seen(*r)).collect();
                    assert_eq!(listed, want, "{name}, {n} rows, {limit} a page");
                    let (last, full) = pages.split_last().unwrap();
                    assert!(
                        full.iter().all(|p| p.len() as i64 == limit),
                        "{name}, {n} rows, {limit} a page: {pages:?}"
                    );
                    assert!(last.len() as i64 <= limit);
                }
            }
        }
    }

    #[test]
    fn a_sparse_list_stops_after_its_rounds_and_goes_on() {
        // One row in 10 000 seen: the first page runs out of rounds and says where it stopped.
        let pages = walk(20_000, 1, |r| r % 10_000 == 0);
        assert!(pages[0].is_empty(), "{:?}", &pages[..2]);
        let listed: Vec<i64> = pages.iter().flatten().copied().collect();
        assert_eq!(listed, vec![10_000, 20_000]);
    }
}
