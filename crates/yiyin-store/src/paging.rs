//! Keyset pagination: of the lists ordered by due date (a verification task's period, a licence
//! act's decision date) — a rank (e.g. open before closed), the due date with an unknown one last
//! on both databases, then the id —, and of the lists newest first by id ([`IdPage`]). A page
//! reads from the key of the page before on, so no list is cut at a fixed number and no row is
//! listed twice when rows are added meanwhile.

use crate::rows::Statement;

/// How a missing due date sorts: after every real one.
const UNKNOWN_DUE: &str = "9999-12-31";

/// Where a page of a due-date list ends: the next page starts after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueKey {
    /// The list's rank of the row (0 first).
    pub rank: i64,
    /// Its due date as the order reads it (`9999-12-31` when unknown).
    pub due: String,
    pub id: i64,
}

impl DueKey {
    /// The key of a row: its rank, due date (None: not computable yet) and id.
    pub fn of(rank: i64, due: Option<chrono::NaiveDate>, id: i64) -> DueKey {
        DueKey {
            rank,
            due: due.map_or_else(|| UNKNOWN_DUE.to_string(), crate::rows::day),
            id,
        }
    }

    /// The key as a client gives it back (`rank_due_id`).
    pub fn cursor(&self) -> String {
        format!("{}_{}_{}", self.rank, self.due, self.id)
    }

    /// A key given back by a client; None when it is not one.
    pub fn parse(text: &str) -> Option<DueKey> {
        let mut parts = text.split('_');
        let (Some(rank), Some(due), Some(id), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        yiyin_domain::calendar::parse_date(due).ok()?;
        Some(DueKey {
            rank: rank.parse().ok().filter(|r| (0..=1).contains(r))?,
            due: due.to_string(),
            id: id.parse().ok()?,
        })
    }
}

/// Appends ` AND (order) > key` (the rows after the key) and ` ORDER BY order LIMIT limit`, in
/// the order of a due-date list whose rank is the SQL expression `rank` (None: a list without
/// ranks, whose keys are all of rank 0).
pub(crate) fn after_key(
    q: &mut Statement<'_>,
    rank: Option<&str>,
    after: Option<&DueKey>,
    limit: i64,
) {
    let order = match rank {
        Some(rank) => format!("{rank}, COALESCE(due_on, '{UNKNOWN_DUE}'), id"),
        None => format!("COALESCE(due_on, '{UNKNOWN_DUE}'), id"),
    };
    if let Some(k) = after {
        q.push(format!(" AND ({order}) > ("));
        if rank.is_some() {
            q.push_bind(k.rank).push(", ");
        }
        q.push_bind(k.due.clone())
            .push(", ")
            .push_bind(k.id)
            .push(")");
    }
    q.push(format!(" ORDER BY {order} LIMIT ")).push_bind(limit);
}

/// A page of a list read newest first by id (keyset pagination: the next page starts before the
/// last id of this one): its rows, how many rows the whole list holds, and the id to give as
/// `after` for the next page (None on the last page).
#[derive(Debug, Clone)]
pub struct IdPage<T> {
    pub rows: Vec<T>,
    pub count: i64,
    pub next: Option<i64>,
}

impl<T> IdPage<T> {
    /// The page of rows read one beyond `limit` (that one only says a next page exists).
    pub(crate) fn cut(mut rows: Vec<T>, limit: i64, count: i64, id: impl Fn(&T) -> i64) -> Self {
        let next = if rows.len() as i64 > limit {
            rows.truncate(usize::try_from(limit).unwrap_or(0));
            rows.last().map(id)
        } else {
            None
        };
        IdPage { rows, count, next }
    }
}
