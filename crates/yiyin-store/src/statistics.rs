//! The rows the bureau's statistics (政务服务统计) are computed from: the cases of a jurisdiction
//! that may count in a period (with the engine's case and the item rules kept in their body), the
//! monitoring cards issued on them, their events (the staff who acted; and the log the figures are
//! recomputed from) and the names of the staff accounts. The figures themselves are the domain's
//! (`yiyin_domain::statistics`).
//!
//! A case may count in the period `from..=to` when it was received on or before `to` and is open,
//! or was last written on or after the start of `from`, or has a card dated on or after `from`:
//! every date a case's figures depend on is written with the case, so this is a superset of the
//! cases that count, and the domain keeps the exact ones. A case received in simulation never counts.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use sqlx::Row as _;
use yiyin_domain::labels::Labelled;
use yiyin_domain::monitoring::CardLimit;
use yiyin_domain::statistics::Tally;

use crate::cases::CaseBody;
use crate::events::Event;
use crate::rows::{Column, Json, Record, Statement, columns_of, day, record, select, sql};
use crate::{Result, Store, WriteTx};

/// Which cases a statistics query reads.
#[derive(Debug, Clone)]
pub struct StatisticsScope {
    pub jurisdiction: String,
    /// Only the cases of these departments (an observer's); empty: every department.
    pub departments: Vec<String>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The start of `from` in local time, in milliseconds since the epoch.
    pub from_ms: i64,
}

record! {
    /// A case as the statistics read it.
    #[derive(Debug, Clone)]
    pub struct StatisticsCase {
        pub id: i64,
        pub item_code: String,
        pub item_name: String,
        pub department: String,
        /// The unit that received the case (a hall window, a township centre, a village point).
        pub unit: String,
        pub body: Json<CaseBody>,
    }
}

fn read_limit(
    row: &sqlx::any::AnyRow,
    column: &str,
) -> std::result::Result<CardLimit, sqlx::Error> {
    let text = <String as Column>::get(row, column)?;
    <CardLimit as Labelled>::parse(&text).ok_or_else(|| sqlx::Error::ColumnDecode {
        index: column.to_string(),
        source: format!("unknown card limit {text:?}").into(),
    })
}

record! {
    /// A card issued on a case, as the statistics count it.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct StatisticsCard {
        pub case_id: i64,
        pub card_limit: CardLimit = read_limit,
        pub card_on: NaiveDate,
    }
}

record! {
    /// A staff account as a statistics row names it.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct StaffName {
        pub id: i64,
        pub name: String,
        pub login: String,
    }
}

record! {
    /// A case as the statistics summary reads it (its groups and the engine's case).
    #[derive(Debug, Clone)]
    pub struct SummaryCase {
        pub id: i64,
        pub jurisdiction: String,
        pub item_code: String,
        pub item_name: String,
        pub department: String,
        pub unit: String,
        pub body: Json<CaseBody>,
    }
}

record! {
    /// A case's row of the summary: its groups and its figures as last added (JSON; empty when
    /// volatile).
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct SummaryFacts {
        pub case_id: i64,
        pub jurisdiction: String,
        pub item_code: String,
        pub item_name: String,
        pub department: String,
        pub unit: String,
        pub received_on: NaiveDate,
        pub volatile: bool,
        pub figures: String,
    }
}

/// The group a tally is summed in: staff 0 is the case itself (by item, department and unit); a
/// staff account's rows carry the department only.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SumKey {
    pub jurisdiction: String,
    pub staff: i64,
    pub department: String,
    pub item_code: String,
    pub item_name: String,
    pub unit: String,
}

/// What the sums of a table are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SumGroup {
    Item,
    Department,
    Unit,
    /// By staff account (its id as the code).
    Staff,
    /// Not grouped: the total.
    Total,
}

/// A span of buckets of the summary: the span ('d', 'm', 'y') and its first and last buckets.
pub type Span = (&'static str, NaiveDate, NaiveDate);

/// A read of the sums.
#[derive(Debug, Clone)]
pub struct SumsQuery {
    pub jurisdiction: String,
    /// Only these departments; empty: every one.
    pub departments: Vec<String>,
    pub group: SumGroup,
    pub spans: Vec<Span>,
}

/// A group's summed tally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SumRow {
    pub code: String,
    pub name: String,
    pub tally: Tally,
}

impl sqlx::FromRow<'_, sqlx::any::AnyRow> for SumRow {
    fn from_row(row: &sqlx::any::AnyRow) -> std::result::Result<Self, sqlx::Error> {
        let mut values = [0_i64; 24];
        for (v, c) in values.iter_mut().zip(Tally::COLUMNS) {
            *v = row.try_get(c)?;
        }
        Ok(SumRow {
            code: row.try_get("code")?,
            name: row.try_get("name")?,
            tally: Tally::from_values(values),
        })
    }
}

/// The first day of the month of `d`.
fn month_of(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

/// The first day of the year of `d`.
fn year_of(d: NaiveDate) -> NaiveDate {
    NaiveDate::from_yo_opt(d.year(), 1).unwrap_or(d)
}

/// The fewest buckets covering the days `from..=to`: whole years, whole months, single days, as
/// spans of consecutive buckets of one kind.
pub fn cover(from: NaiveDate, to: NaiveDate) -> Vec<Span> {
    let mut out: Vec<Span> = Vec::new();
    let mut d = from;
    while d <= to {
        let year_end = NaiveDate::from_ymd_opt(d.year(), 12, 31).unwrap_or(d);
        let month_end = month_of(d)
            .checked_add_months(chrono::Months::new(1))
            .and_then(|m| m.pred_opt())
            .unwrap_or(d);
        let (span, last) = if d == year_of(d) && year_end <= to {
            ("y", year_end)
        } else if d == month_of(d) && month_end <= to {
            ("m", month_end)
        } else {
            ("d", d)
        };
        let bucket = match span {
            "y" => year_of(d),
            "m" => month_of(d),
            _ => d,
        };
        match out.last_mut() {
            Some((s, _, end)) if *s == span => *end = bucket,
            _ => out.push((span, bucket, bucket)),
        }
        match last.succ_opt() {
            Some(next) => d = next,
            None => break,
        }
    }
    out
}

/// The first day the summary's stock is summed from (before any case).
pub fn beginning() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("a date")
}

/// At most this many rows in one multi-row statement on PostgreSQL (32 values each for the sums:
/// far below its limit on bound values).
const ROWS_PER_STATEMENT: usize = 500;

/// At most this many bound values in one statement on SQLite: binding looks each placeholder's
/// name up in a list as long as the statement's placeholders (`sqlite3_bind_parameter_name`), so a
/// statement's binding time grows with the square of its values — 500 rows of the sums (16 000
/// values) spent most of a rebuild there.
const SQLITE_VALUES_PER_STATEMENT: usize = 256;

/// How many rows of `values` bound values each one multi-row statement of `tx` takes.
fn rows_per_statement(tx: &WriteTx, values: usize) -> usize {
    if tx.is_sqlite() {
        (SQLITE_VALUES_PER_STATEMENT / values.max(1)).max(1)
    } else {
        ROWS_PER_STATEMENT
    }
}

/// What a write reads of its cases' summary before it changes them
/// ([`WriteTx::lock_summary`]).
#[derive(Debug, Default)]
pub struct LockedSummary {
    /// The cases' summary rows (a case never summarised has none).
    pub facts: Vec<SummaryFacts>,
    /// The staff accounts counted with the cases, as (case, account).
    pub staff: Vec<(i64, i64)>,
    /// The cards issued on the cases, by case and date.
    pub cards: Vec<StatisticsCard>,
}

/// A summary row as [`WriteTx::lock_summary`] locks it, with its case's staff accounts (a list
/// of ids, comma-separated) and whether any card was issued on it.
struct LockedFacts {
    facts: SummaryFacts,
    staff: Option<String>,
    carded: bool,
}

impl sqlx::FromRow<'_, sqlx::any::AnyRow> for LockedFacts {
    fn from_row(row: &sqlx::any::AnyRow) -> std::result::Result<Self, sqlx::Error> {
        Ok(LockedFacts {
            facts: sqlx::FromRow::from_row(row)?,
            staff: Column::get(row, "staff")?,
            carded: Column::get(row, "carded")?,
        })
    }
}

impl WriteTx {
    /// The summary of these cases as a write that changes them needs it: their rows locked for
    /// this transaction on PostgreSQL (a concurrent write of the same case waits, so that no change
    /// is taken away twice), the staff counted with them and their cards. One statement for cases
    /// that have a row and no card — every write of a case after its receipt, as a rule; the
    /// staff and the cards of the others read apart (a case not summarised yet, in a rebuild or
    /// at its receipt, may have cards and no row).
    pub async fn lock_summary(&mut self, ids: &[i64]) -> Result<LockedSummary> {
        if ids.is_empty() {
            return Ok(LockedSummary::default());
        }
        let staff_list = if self.is_sqlite() {
            "group_concat(s.account_id)"
        } else {
            "string_agg(CAST(s.account_id AS TEXT), ',')"
        };
        let mut q = Statement::new("UPDATE statistics_facts SET volatile = volatile WHERE case_id");
        q.push_in(ids);
        q.push(format!(
            " RETURNING {}, (SELECT {staff_list} FROM statistics_case_staff s \
               WHERE s.case_id = statistics_facts.case_id) AS staff, \
             CAST(CASE WHEN EXISTS (SELECT 1 FROM monitoring_cards m \
               WHERE m.case_id = statistics_facts.case_id) THEN 1 ELSE 0 END AS BIGINT) AS carded",
            SummaryFacts::COLUMNS
        ));
        let locked: Vec<LockedFacts> = q.all(&mut **self).await?;
        let mut out = LockedSummary::default();
        let found: std::collections::BTreeSet<i64> =
            locked.iter().map(|l| l.facts.case_id).collect();
        let unread: Vec<i64> = ids
            .iter()
            .copied()
            .filter(|id| !found.contains(id))
            .collect();
        let mut carded = unread.clone();
        for l in locked {
            for account in l.staff.as_deref().unwrap_or_default().split(',') {
                if account.is_empty() {
                    continue;
                }
                let account = account.trim().parse().map_err(|_| {
                    crate::StoreError::Corrupt(format!(
                        "statistics staff list of case {}",
                        l.facts.case_id
                    ))
                })?;
                out.staff.push((l.facts.case_id, account));
            }
            if l.carded {
                carded.push(l.facts.case_id);
            }
            out.facts.push(l.facts);
        }
        out.staff.extend(self.summary_staff(&unread).await?);
        carded.sort_unstable();
        out.cards = self.summary_cards(&carded).await?;
        Ok(out)
    }

    /// The staff accounts counted with these cases, as (case, account).
    async fn summary_staff(&mut self, ids: &[i64]) -> Result<Vec<(i64, i64)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q =
            Statement::new("SELECT case_id, account_id FROM statistics_case_staff WHERE case_id");
        q.push_in(ids);
        q.all(&mut **self).await
    }

    /// The cards issued on these cases, by case and date.
    async fn summary_cards(&mut self, ids: &[i64]) -> Result<Vec<StatisticsCard>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = Statement::new(select::<StatisticsCard>("monitoring_cards WHERE case_id"));
        q.push_in(ids);
        q.push(" ORDER BY case_id, card_on, id");
        q.all(&mut **self).await
    }

    /// Counts staff accounts with cases, as (case, account); those counted already stay.
    pub async fn add_summary_staff(&mut self, rows: &[(i64, i64)]) -> Result<()> {
        for chunk in rows.chunks(rows_per_statement(self, 2)) {
            let mut q =
                Statement::new("INSERT INTO statistics_case_staff (case_id, account_id) VALUES ");
            for (i, (case, account)) in chunk.iter().enumerate() {
                q.push(if i > 0 { ", (" } else { "(" });
                q.push_bind(*case).push(", ").push_bind(*account).push(")");
            }
            q.push(" ON CONFLICT (case_id, account_id) DO NOTHING");
            q.run(&mut **self).await?;
        }
        Ok(())
    }

    /// Writes the summary rows of cases (replacing those they had).
    pub async fn put_summary_facts(&mut self, rows: &[SummaryFacts]) -> Result<()> {
        for chunk in rows.chunks(rows_per_statement(self, 9)) {
            let mut q = Statement::new(
                "INSERT INTO statistics_facts (case_id, jurisdiction, item_code, item_name, \
                 department, unit, received_on, volatile, figures) VALUES ",
            );
            for (i, r) in chunk.iter().enumerate() {
                q.push(if i > 0 { ", (" } else { "(" });
                q.push_bind(r.case_id).push(", ");
                q.push_bind(r.jurisdiction.clone()).push(", ");
                q.push_bind(r.item_code.clone()).push(", ");
                q.push_bind(r.item_name.clone()).push(", ");
                q.push_bind(r.department.clone()).push(", ");
                q.push_bind(r.unit.clone()).push(", ");
                q.push_bind(day(r.received_on)).push(", ");
                q.push_bind(i64::from(r.volatile)).push(", ");
                q.push_bind(r.figures.clone()).push(")");
            }
            q.push(
                " ON CONFLICT (case_id) DO UPDATE SET jurisdiction = excluded.jurisdiction, \
                 item_code = excluded.item_code, item_name = excluded.item_name, \
                 department = excluded.department, unit = excluded.unit, \
                 received_on = excluded.received_on, volatile = excluded.volatile, \
                 figures = excluded.figures",
            );
            q.run(&mut **self).await?;
        }
        Ok(())
    }

    /// [`WriteTx::add_summary_sums`] when the transaction commits, after its other writes: the
    /// sums' rows are shared by every case of a day, an item and a department, so that on
    /// PostgreSQL their locks are held for the commit alone (with the chain head's, when the write
    /// appended events).
    pub fn defer_summary_sums(&mut self, tallies: &[(SumKey, NaiveDate, Tally)]) {
        self.deferred_sums.extend_from_slice(tallies);
    }

    /// Writes the sums deferred by [`WriteTx::defer_summary_sums`].
    pub(crate) async fn write_deferred_sums(&mut self) -> Result<()> {
        if self.deferred_sums.is_empty() {
            return Ok(());
        }
        let tallies = std::mem::take(&mut self.deferred_sums);
        self.add_summary_sums(&tallies).await
    }

    /// Adds tallies of days to the sums, each to its day, its month and its year; the rows a
    /// change leaves unchanged are not written.
    pub async fn add_summary_sums(&mut self, tallies: &[(SumKey, NaiveDate, Tally)]) -> Result<()> {
        let mut merged: BTreeMap<(&SumKey, &'static str, NaiveDate), Tally> = BTreeMap::new();
        for (key, on, tally) in tallies {
            for (span, bucket) in [("d", *on), ("m", month_of(*on)), ("y", year_of(*on))] {
                merged.entry((key, span, bucket)).or_default().add(tally, 1);
            }
        }
        let rows: Vec<_> = merged.into_iter().filter(|(_, t)| !t.is_zero()).collect();
        let columns = Tally::COLUMNS.join(", ");
        let updates: Vec<String> = Tally::COLUMNS
            .iter()
            .map(|c| format!("{c} = statistics_sums.{c} + excluded.{c}"))
            .collect();
        let per_statement = rows_per_statement(self, 8 + Tally::COLUMNS.len());
        for chunk in rows.chunks(per_statement) {
            let mut q = Statement::new(format!(
                "INSERT INTO statistics_sums (jurisdiction, span, bucket, staff, department, \
                 item_code, item_name, unit, {columns}) VALUES "
            ));
            for (i, ((key, span, bucket), tally)) in chunk.iter().enumerate() {
                q.push(if i > 0 { ", (" } else { "(" });
                q.push_bind(key.jurisdiction.clone()).push(", ");
                q.push_bind(*span).push(", ");
                q.push_bind(day(*bucket)).push(", ");
                q.push_bind(key.staff).push(", ");
                q.push_bind(key.department.clone()).push(", ");
                q.push_bind(key.item_code.clone()).push(", ");
                q.push_bind(key.item_name.clone()).push(", ");
                q.push_bind(key.unit.clone());
                for v in tally.values() {
                    q.push(", ").push_bind(v);
                }
                q.push(")");
            }
            q.push(format!(
                " ON CONFLICT (jurisdiction, span, bucket, staff, department, item_code, item_name, \
                 unit) DO UPDATE SET {}",
                updates.join(", ")
            ));
            q.run(&mut **self).await?;
        }
        Ok(())
    }

    /// Empties the summary and marks it as of `version`; the rebuild that follows is in the same
    /// transaction. On PostgreSQL the summary is locked against writes until it commits: a case
    /// written meanwhile waits to bring its change into the summary rebuilt (SQLite has one
    /// writer).
    pub async fn clear_summary(&mut self, version: i64) -> Result<()> {
        if !self.is_sqlite() {
            Statement::new("LOCK TABLE statistics_facts IN EXCLUSIVE MODE")
                .run(&mut **self)
                .await?;
        }
        for table in [
            "monitoring_card_staff",
            "statistics_sums",
            "statistics_case_staff",
            "statistics_facts",
        ] {
            Statement::new(format!("DELETE FROM {table}"))
                .run(&mut **self)
                .await?;
        }
        // The sums deferred so far would have been emptied with the rest.
        self.deferred_sums.clear();
        sql!("UPDATE statistics_summary SET version = $1 WHERE id = 1"; version)
            .run(&mut **self)
            .await
    }

    /// A batch of cases for a rebuild of the summary: those after `after` by id, at most
    /// `limit`, simulated ones left out.
    pub async fn summary_cases(&mut self, after: i64, limit: i64) -> Result<Vec<SummaryCase>> {
        sql!(
            select::<SummaryCase>(
                "cases WHERE id > $1 AND id NOT IN (SELECT case_id FROM simulated_cases) \
                 ORDER BY id LIMIT $2"
            );
            after, limit
        )
        .all(&mut **self)
        .await
    }

    /// The events of the cases `first..=last` by id, by case and in the order of their chain.
    pub async fn events_of_case_range(&mut self, first: i64, last: i64) -> Result<Vec<Event>> {
        self.write_pending_events().await?;
        sql!(
            format!(
                "SELECT {} FROM events WHERE case_id >= $1 AND case_id <= $2 ORDER BY case_id, pos",
                columns_of::<Event>("events")
            );
            first, last
        )
        .all(&mut **self)
        .await
    }

    /// A batch of the cases whose figures may depend on the days `from..=to` (see the module's
    /// documentation), by id after `after`, at most `limit`, simulated ones left out.
    pub async fn summary_cases_of_days(
        &mut self,
        from: NaiveDate,
        to: NaiveDate,
        from_ms: i64,
        after: i64,
        limit: i64,
    ) -> Result<Vec<SummaryCase>> {
        sql!(
            select::<SummaryCase>(
                "cases WHERE id > $1 AND received_on <= $2
                   AND (closed = 0 OR updated_at >= $3
                        OR id IN (SELECT case_id FROM monitoring_cards WHERE card_on >= $4))
                   AND id NOT IN (SELECT case_id FROM simulated_cases)
                 ORDER BY id LIMIT $5"
            );
            after, day(to), from_ms, day(from), limit
        )
        .all(&mut **self)
        .await
    }
    /// Claims the rebuild of a summary behind `version`: true for the one writer that finds it
    /// behind (it is marked current at once, so that another server starting does not rebuild it
    /// again).
    pub async fn claim_summary_rebuild(&mut self, version: i64) -> Result<bool> {
        sql!("UPDATE statistics_summary SET version = $1 WHERE id = 1 AND version < $1"; version)
            .changed_one(&mut **self)
            .await
    }
}

/// Appends the condition choosing the cases that may count (see the module's documentation) on
/// the columns of `cases` named with `prefix` (`""` or `"c."`).
fn candidates(q: &mut Statement<'_>, s: &StatisticsScope, prefix: &str) {
    q.push(format!(" {prefix}jurisdiction = "))
        .push_bind(s.jurisdiction.clone());
    q.push(format!(" AND {prefix}received_on <= "))
        .push_bind(day(s.to));
    q.push(format!(
        " AND ({prefix}closed = 0 OR {prefix}updated_at >= "
    ))
    .push_bind(s.from_ms);
    q.push(format!(
        " OR {prefix}id IN (SELECT case_id FROM monitoring_cards WHERE jurisdiction = "
    ))
    .push_bind(s.jurisdiction.clone())
    .push(" AND card_on >= ")
    .push_bind(day(s.from))
    .push("))");
    // A case received in simulation (模拟运行) never counts (`yiyin_domain::simulation::Conduct`).
    q.push(format!(
        " AND {prefix}id NOT IN (SELECT case_id FROM simulated_cases)"
    ));
    if !s.departments.is_empty() {
        q.push(format!(" AND {prefix}department IN ("));
        for (i, d) in s.departments.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.push_bind(d.clone());
        }
        q.push(")");
    }
}

impl Store {
    /// The cases that may count in the period, by id.
    pub async fn statistics_cases(&self, s: &StatisticsScope) -> Result<Vec<StatisticsCase>> {
        let mut q = Statement::new(select::<StatisticsCase>("cases WHERE"));
        candidates(&mut q, s, "");
        q.push(" ORDER BY id");
        q.all(self.reader()).await
    }

    /// The cards issued on those cases, by case and date.
    pub async fn statistics_cards(&self, s: &StatisticsScope) -> Result<Vec<StatisticsCard>> {
        let mut q = Statement::new(format!(
            "SELECT {} FROM monitoring_cards m JOIN cases c ON c.id = m.case_id WHERE",
            columns_of::<StatisticsCard>("m")
        ));
        candidates(&mut q, s, "c.");
        q.push(" ORDER BY m.case_id, m.card_on, m.id");
        q.all(self.reader()).await
    }

    /// The events of those cases, by case and in the order of their chain.
    pub async fn statistics_events(&self, s: &StatisticsScope) -> Result<Vec<Event>> {
        let mut q = Statement::new(format!(
            "SELECT {} FROM events e JOIN cases c ON c.id = e.case_id WHERE",
            columns_of::<Event>("e")
        ));
        candidates(&mut q, s, "c.");
        q.push(" ORDER BY e.case_id, e.pos");
        q.all(self.reader()).await
    }

    /// The version of the rules the summary was built with.
    pub async fn summary_version(&self) -> Result<i64> {
        sql!("SELECT version FROM statistics_summary WHERE id = 1")
            .scalar(self.reader())
            .await
    }

    /// The tallies of the summary summed over spans of buckets, by group.
    pub async fn summary_sums(&self, s: &SumsQuery) -> Result<Vec<SumRow>> {
        let (code, name) = match s.group {
            SumGroup::Item => ("item_code", "item_name"),
            SumGroup::Department => ("department", "CAST('' AS TEXT)"),
            SumGroup::Unit => ("unit", "CAST('' AS TEXT)"),
            SumGroup::Staff => ("CAST(staff AS TEXT)", "CAST('' AS TEXT)"),
            SumGroup::Total => ("CAST('' AS TEXT)", "CAST('' AS TEXT)"),
        };
        let sums: Vec<String> = Tally::COLUMNS
            .iter()
            .map(|c| format!("CAST(COALESCE(SUM({c}), 0) AS BIGINT) AS {c}"))
            .collect();
        let mut q = Statement::new(format!(
            "SELECT {code} AS code, {name} AS name, {} FROM statistics_sums WHERE jurisdiction = ",
            sums.join(", ")
        ));
        q.push_bind(s.jurisdiction.clone());
        q.push(if s.group == SumGroup::Staff {
            " AND staff <> 0"
        } else {
            " AND staff = 0"
        });
        if !s.departments.is_empty() {
            q.push(" AND department");
            q.push_in(&s.departments);
        }
        q.push(" AND (");
        for (i, (span, first, last)) in s.spans.iter().enumerate() {
            if i > 0 {
                q.push(" OR ");
            }
            q.push("(span = ").push_bind(*span);
            q.push(" AND bucket >= ").push_bind(day(*first));
            q.push(" AND bucket <= ").push_bind(day(*last)).push(")");
        }
        if s.spans.is_empty() {
            q.push("1 = 0");
        }
        q.push(")");
        if s.group != SumGroup::Total {
            q.push(format!(" GROUP BY {code}"));
            if s.group == SumGroup::Item {
                q.push(", item_name");
            }
            q.push(" ORDER BY code, name");
        }
        q.all(self.reader()).await
    }

    /// The volatile cases of the scope received on or before its end (counted from their facts).
    pub async fn summary_volatile(&self, s: &StatisticsScope) -> Result<Vec<StatisticsCase>> {
        let mut q = Statement::new(format!(
            "SELECT {} FROM cases c JOIN statistics_facts f ON f.case_id = c.id \
             WHERE f.volatile = 1 AND f.jurisdiction = ",
            columns_of::<StatisticsCase>("c")
        ));
        q.push_bind(s.jurisdiction.clone());
        q.push(" AND f.received_on <= ").push_bind(day(s.to));
        if !s.departments.is_empty() {
            q.push(" AND c.department");
            q.push_in(&s.departments);
        }
        q.push(" ORDER BY c.id");
        q.all(self.reader()).await
    }

    /// The cards issued on these cases, by case and date.
    pub async fn cards_of_cases(&self, ids: &[i64]) -> Result<Vec<StatisticsCard>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = Statement::new(select::<StatisticsCard>("monitoring_cards WHERE case_id"));
        q.push_in(ids);
        q.push(" ORDER BY case_id, card_on, id");
        q.all(self.reader()).await
    }

    /// The staff accounts counted with these cases, as (case, account).
    pub async fn staff_of_cases(&self, ids: &[i64]) -> Result<Vec<(i64, i64)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q =
            Statement::new("SELECT case_id, account_id FROM statistics_case_staff WHERE case_id");
        q.push_in(ids);
        q.push(" ORDER BY case_id, account_id");
        q.all(self.reader()).await
    }

    /// The staff accounts among `ids` with their names, by id (other accounts are left out).
    pub async fn staff_names(&self, ids: &[i64]) -> Result<Vec<StaffName>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = Statement::new(select::<StaffName>(
            "accounts WHERE kind = 'staff' AND id IN (",
        ));
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.push_bind(*id);
        }
        q.push(") ORDER BY id");
        q.all(self.reader()).await
    }
}
