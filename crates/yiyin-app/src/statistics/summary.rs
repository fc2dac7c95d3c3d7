//! The statistics summary (汇总表): each case's figures ([`CaseFigures`], classified by the domain)
//! added by day, month and year to the sums of its groups in the same transaction as every write
//! that changes them — the case's own writes ([`App::record_case`]), a card issued on it, its
//! hand-over to another unit, its dues computed once the calendar has their year — so that a table
//! of a jurisdiction-year reads a few sums, never every case. A case whose figures change with
//! nothing written (waiting for acceptance, suspended, or with a clock the calendar cannot read
//! yet) is kept *volatile* and counted from its facts as of the end of each period, as the full
//! recomputation counts it.
//!
//! One code path classifies a case into the sums (`summarise`): [`keep_summary`] adds one case
//! written to the sums at once; a rebuild (`yiyin statistics rebuild`, and at start when the
//! summary was built under older rules or never, e.g. a store that had cases before the summary
//! existed) and the resummary after a calendar change gather every batch's tallies in memory
//! (`PendingSums`) and write each sums row once at the end.

use std::collections::{BTreeMap, BTreeSet};

use yiyin_domain::calendar::Calendar;
use yiyin_domain::engine::{ApplicantFacts, Case, Context, ItemRules};
use yiyin_domain::statistics::{
    CardFact, CaseFigures, Counts, Grouping, Key, Period, Table, Tally,
};
use yiyin_store::WriteTx;
use yiyin_store::cases::CaseRecord;
use yiyin_store::statistics::{
    StatisticsCase, StatisticsScope, SumGroup, SumKey, SumRow, SummaryCase, SummaryFacts,
    SumsQuery, beginning, cover,
};

use super::{Names, Statistics, actors, cards_by_case, case_facts, start_ms};
use crate::App;
use crate::error::{AppError, Result};

/// The version of the summary's rules: a summary built under an older one is rebuilt at start.
pub const SUMMARY_VERSION: i64 = 1;

/// How many cases a rebuild reads and writes in one transaction.
const REBUILD_BATCH: i64 = 1000;

/// A case to keep in the summary: its groups and the engine's case with its item rules.
pub(crate) struct SummaryInput<'a> {
    pub id: i64,
    pub jurisdiction: &'a str,
    pub item_code: &'a str,
    pub item_name: &'a str,
    pub department: &'a str,
    pub unit: &'a str,
    pub case: &'a Case,
    pub item: &'a ItemRules,
}

impl<'a> From<&'a CaseRecord> for SummaryInput<'a> {
    fn from(r: &'a CaseRecord) -> Self {
        SummaryInput {
            id: r.id,
            jurisdiction: &r.jurisdiction,
            item_code: &r.item_code,
            item_name: &r.item_name,
            department: &r.department,
            unit: &r.unit,
            case: &r.case,
            item: &r.item,
        }
    }
}

impl<'a> From<&'a SummaryCase> for SummaryInput<'a> {
    fn from(r: &'a SummaryCase) -> Self {
        SummaryInput {
            id: r.id,
            jurisdiction: &r.jurisdiction,
            item_code: &r.item_code,
            item_name: &r.item_name,
            department: &r.department,
            unit: &r.unit,
            case: &r.body.0.case,
            item: &r.body.0.item,
        }
    }
}

/// The groups a case's tallies are summed in: the case itself, and each staff account that
/// acted on it.
fn keys(f: &SummaryFacts, staff: &BTreeSet<i64>) -> Vec<SumKey> {
    let case = SumKey {
        jurisdiction: f.jurisdiction.clone(),
        staff: 0,
        department: f.department.clone(),
        item_code: f.item_code.clone(),
        item_name: f.item_name.clone(),
        unit: f.unit.clone(),
    };
    std::iter::once(case)
        .chain(staff.iter().map(|s| SumKey {
            jurisdiction: f.jurisdiction.clone(),
            staff: *s,
            department: f.department.clone(),
            item_code: String::new(),
            item_name: String::new(),
            unit: String::new(),
        }))
        .collect()
}

/// Adds `sign` times a case's figures to the tallies of its groups.
fn tally_into(
    out: &mut Vec<(SumKey, chrono::NaiveDate, Tally)>,
    f: &SummaryFacts,
    staff: &BTreeSet<i64>,
    figures: &CaseFigures,
    sign: i64,
) {
    let days = figures.tallies();
    for key in keys(f, staff) {
        for (on, t) in &days {
            let mut signed = Tally::default();
            signed.add(t, sign);
            out.push((key.clone(), *on, signed));
        }
    }
}

/// Cases' new rows of the summary and the tallies to add for them (their old figures taken away).
struct Summarised {
    rows: Vec<SummaryFacts>,
    tallies: Vec<(SumKey, chrono::NaiveDate, Tally)>,
}

/// Brings cases into the summary within a write: their figures as they stand now (with the cards
/// issued on them) replace those last added, in the groups they are in now, and the staff
/// accounts in `acted` (case, account) count with them from now on.
pub(crate) async fn keep_summary(
    tx: &mut WriteTx,
    calendar: &Calendar,
    cases: &[SummaryInput<'_>],
    acted: &[(i64, i64)],
) -> Result<()> {
    let s = summarise(tx, calendar, cases, acted).await?;
    tx.put_summary_facts(&s.rows).await?;
    tx.defer_summary_sums(&s.tallies);
    Ok(())
}

/// What [`keep_summary`] writes, but the sums: the staff counted and the cards filed, the cases'
/// new rows and the tallies (new figures added, old taken away) returned for the caller to write.
async fn summarise(
    tx: &mut WriteTx,
    calendar: &Calendar,
    cases: &[SummaryInput<'_>],
    acted: &[(i64, i64)],
) -> Result<Summarised> {
    let ids: Vec<i64> = cases.iter().map(|c| c.id).collect();
    let locked = tx.lock_summary(&ids).await?;
    let old: BTreeMap<i64, SummaryFacts> =
        locked.facts.into_iter().map(|f| (f.case_id, f)).collect();
    let mut staff: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
    for (case, account) in locked.staff {
        staff.entry(case).or_default().insert(account);
    }
    let new_staff: Vec<(i64, i64)> = acted
        .iter()
        .filter(|(c, a)| !staff.get(c).is_some_and(|s| s.contains(a)))
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    tx.add_summary_staff(&new_staff).await?;
    let mut cards = cards_by_case(locked.cards);
    // The desk's staff filter files the cases' cards under their staff, new cards and new staff
    // (nothing to file for cases without cards).
    let carded: Vec<i64> = cards.keys().copied().collect();
    tx.file_card_staff(&carded).await?;
    let facts = ApplicantFacts::default();
    let mut tallies = Vec::new();
    let mut rows = Vec::with_capacity(cases.len());
    for c in cases {
        let before = staff.get(&c.id).cloned().unwrap_or_default();
        if let Some(f) = old.get(&c.id).filter(|f| !f.volatile) {
            let figures: CaseFigures = serde_json::from_str(&f.figures).map_err(|e| {
                AppError::Internal(format!("办件（编号 {}）的统计汇总记录无法读取：{e}", c.id))
            })?;
            tally_into(&mut tallies, f, &before, &figures, -1);
        }
        let mut now = before;
        now.extend(
            new_staff
                .iter()
                .filter(|(k, _)| *k == c.id)
                .map(|(_, a)| *a),
        );
        let ctx = Context {
            item: c.item,
            calendar,
            applicant: &facts,
        };
        let case_cards = cards.remove(&c.id).unwrap_or_default();
        // A clock the calendar cannot read yet (a year not loaded) leaves the case volatile.
        let figures = CaseFigures::of(c.case, &ctx, case_cards).ok().flatten();
        let row = SummaryFacts {
            case_id: c.id,
            jurisdiction: c.jurisdiction.to_string(),
            item_code: c.item_code.to_string(),
            item_name: c.item_name.to_string(),
            department: c.department.to_string(),
            unit: c.unit.to_string(),
            received_on: c.case.received_on,
            volatile: figures.is_none(),
            figures: match &figures {
                Some(f) => serde_json::to_string(f).map_err(AppError::internal)?,
                None => String::new(),
            },
        };
        if let Some(f) = &figures {
            tally_into(&mut tallies, &row, &now, f, 1);
        }
        rows.push(row);
    }
    Ok(Summarised { rows, tallies })
}

/// The tallies of a pass over many cases (a rebuild, a resummary after a calendar change), merged
/// by group and day and written to the sums once at its end: each sums row is written once, where
/// a write per batch rewrote the same year and month rows a thousand times in one transaction
/// (on PostgreSQL every rewrite a new row version that the same transaction's next lookups walk).
#[derive(Default)]
struct PendingSums(BTreeMap<(SumKey, chrono::NaiveDate), Tally>);

impl PendingSums {
    /// Brings a batch of cases into the summary: their rows written now, their tallies merged.
    async fn keep(
        &mut self,
        tx: &mut WriteTx,
        calendar: &Calendar,
        cases: &[SummaryInput<'_>],
        acted: &[(i64, i64)],
    ) -> Result<()> {
        let s = summarise(tx, calendar, cases, acted).await?;
        tx.put_summary_facts(&s.rows).await?;
        for (key, on, tally) in s.tallies {
            self.0.entry((key, on)).or_default().add(&tally, 1);
        }
        Ok(())
    }

    /// Adds the merged tallies to the sums.
    async fn write(self, tx: &mut WriteTx) -> Result<()> {
        let tallies: Vec<_> = self
            .0
            .into_iter()
            .filter(|(_, t)| !t.is_zero())
            .map(|((key, on), t)| (key, on, t))
            .collect();
        tx.add_summary_sums(&tallies).await?;
        Ok(())
    }
}

/// Brings every case into an emptied summary within the write `tx`, by batches, the staff who
/// acted read from the event log. Returns how many cases were read.
async fn fill_summary(tx: &mut WriteTx, calendar: &Calendar) -> Result<u64> {
    let mut after = 0;
    let mut read = 0_u64;
    let mut sums = PendingSums::default();
    loop {
        let batch = tx.summary_cases(after, REBUILD_BATCH).await?;
        let (Some(first), Some(last)) = (batch.first(), batch.last()) else {
            break;
        };
        let events = tx.events_of_case_range(first.id, last.id).await?;
        let acted: Vec<(i64, i64)> = actors(&events)
            .into_iter()
            .flat_map(|(case, accounts)| accounts.into_iter().map(move |a| (case, a)))
            .collect();
        let inputs: Vec<SummaryInput> = batch.iter().map(SummaryInput::from).collect();
        sums.keep(tx, calendar, &inputs, &acted).await?;
        after = last.id;
        read += batch.len() as u64;
    }
    sums.write(tx).await?;
    Ok(read)
}

/// The tallies of a group over a period and up to its end.
#[derive(Default)]
struct Summed {
    name: String,
    flows: Tally,
    stock: Tally,
}

impl App {
    /// Brings one case just written into the summary (see [`keep_summary`]), unless it was
    /// received in simulation (never counted); `actor`, the staff account that recorded a
    /// transition of it in this write, counts with it.
    pub(crate) async fn keep_case_summary(
        &self,
        tx: &mut WriteTx,
        record: &CaseRecord,
        actor: Option<i64>,
    ) -> Result<()> {
        if !self.conduct_in(tx, record.id).await?.count {
            return Ok(());
        }
        let acted: Vec<(i64, i64)> = actor.map(|a| (record.id, a)).into_iter().collect();
        keep_summary(tx, &self.calendar(), &[record.into()], &acted).await
    }

    /// Rebuilds the statistics summary from the cases (`yiyin statistics rebuild`): emptied,
    /// then every case brought in by batches, the staff who acted read from the event log — all
    /// in one transaction, so that the tables read the old summary until the new one is whole and
    /// a case written meanwhile brings its change in after the rebuild (see
    /// [`yiyin_store::WriteTx::clear_summary`]). Returns how many cases were read.
    pub async fn rebuild_statistics(&self) -> Result<u64> {
        let mut tx = self.store.begin_write().await?;
        tx.clear_summary(SUMMARY_VERSION).await?;
        let read = fill_summary(&mut tx, &self.calendar()).await?;
        tx.commit().await?;
        Ok(read)
    }

    /// Rebuilds the summary when it was built under older rules or never (once, whichever
    /// server starts first). Returns how many cases were read (0: it was current).
    pub async fn rebuild_statistics_if_behind(&self) -> Result<u64> {
        if self.store.summary_version().await? >= SUMMARY_VERSION {
            return Ok(0);
        }
        let mut tx = self.store.begin_write().await?;
        if !tx.claim_summary_rebuild(SUMMARY_VERSION).await? {
            return Ok(0);
        }
        tracing::info!("statistics summary behind the build's rules: rebuilding");
        tx.clear_summary(SUMMARY_VERSION).await?;
        let read = fill_summary(&mut tx, &self.calendar()).await?;
        tx.commit().await?;
        Ok(read)
    }

    /// Brings again into the summary, within the write `tx`, every case whose figures may depend on
    /// the days `from..=to` — after their working days changed (a calendar year loaded again,
    /// corrected) — with `calendar`, the one the change makes. Returns how many cases were read.
    pub(crate) async fn resummarise_days(
        &self,
        tx: &mut WriteTx,
        calendar: &Calendar,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<u64> {
        let mut after = 0;
        let mut read = 0_u64;
        let mut sums = PendingSums::default();
        loop {
            let batch = tx
                .summary_cases_of_days(from, to, start_ms(from), after, REBUILD_BATCH)
                .await?;
            let Some(last) = batch.last() else {
                break;
            };
            let inputs: Vec<SummaryInput> = batch.iter().map(SummaryInput::from).collect();
            sums.keep(tx, calendar, &inputs, &[]).await?;
            after = last.id;
            read += batch.len() as u64;
        }
        sums.write(tx).await?;
        Ok(read)
    }

    /// The table of a period from the summary: the settled cases' sums over the period (flows)
    /// and up to its end (the open stock), and the volatile cases counted from their facts.
    pub(super) async fn summed_statistics(
        &self,
        jurisdiction: &str,
        departments: Vec<String>,
        period: Period,
        grouping: Grouping,
    ) -> Result<Statistics> {
        let group = match grouping {
            Grouping::Item => SumGroup::Item,
            Grouping::Department => SumGroup::Department,
            Grouping::Window => SumGroup::Unit,
            Grouping::Staff => SumGroup::Staff,
        };
        let query = |group, spans| SumsQuery {
            jurisdiction: jurisdiction.to_string(),
            departments: departments.clone(),
            group,
            spans,
        };
        let flow_spans = cover(period.from, period.to);
        let stock_spans = cover(beginning(), period.to);
        let flows = self
            .store
            .summary_sums(&query(group, flow_spans.clone()))
            .await?;
        let stock = self
            .store
            .summary_sums(&query(group, stock_spans.clone()))
            .await?;
        // Each case once in the total: the sum of the groups but in the staff grouping.
        let (total_flows, total_stock) = if group == SumGroup::Staff {
            let sum = |rows: Vec<SumRow>| rows.into_iter().next().map(|r| r.tally);
            (
                sum(self
                    .store
                    .summary_sums(&query(SumGroup::Total, flow_spans))
                    .await?),
                sum(self
                    .store
                    .summary_sums(&query(SumGroup::Total, stock_spans))
                    .await?),
            )
        } else {
            (None, None)
        };
        let mut groups: BTreeMap<String, Summed> = BTreeMap::new();
        let (mut all_flows, mut all_stock) = (Tally::default(), Tally::default());
        for (rows, is_flow) in [(flows, true), (stock, false)] {
            for r in rows {
                let g = groups.entry(r.code).or_insert_with(|| Summed {
                    name: r.name.clone(),
                    ..Summed::default()
                });
                if is_flow {
                    g.flows.add(&r.tally, 1);
                    all_flows.add(&r.tally, 1);
                } else {
                    g.stock.add(&r.tally, 1);
                    all_stock.add(&r.tally, 1);
                }
            }
        }
        let total = Counts::of_tallies(
            &total_flows.unwrap_or(all_flows),
            &total_stock.unwrap_or(all_stock),
        );
        let scope = StatisticsScope {
            jurisdiction: jurisdiction.to_string(),
            departments,
            from: period.from,
            to: period.to,
            from_ms: start_ms(period.from),
        };
        let volatile = self.store.summary_volatile(&scope).await?;
        let ids: Vec<i64> = volatile.iter().map(|c| c.id).collect();
        let mut staff_of: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        for (case, account) in self.store.staff_of_cases(&ids).await? {
            staff_of.entry(case).or_default().push(account);
        }
        let mut accounts: BTreeSet<i64> = staff_of.values().flatten().copied().collect();
        if group == SumGroup::Staff {
            accounts.extend(groups.keys().filter_map(|k| k.parse::<i64>().ok()));
        }
        let accounts: Vec<i64> = accounts.into_iter().collect();
        let staff = self.staff_keys(&accounts).await?;
        let org = self.org();
        let names = Names {
            org: &org,
            jurisdiction,
        };
        let summed: Vec<(Key, Counts)> = groups
            .into_iter()
            .filter(|(_, g)| Tally::touches(&g.flows, &g.stock))
            .filter_map(|(code, g)| {
                let key = match grouping {
                    Grouping::Item => Key::new(code, g.name),
                    Grouping::Department => names.department(&code),
                    Grouping::Window => names.window(&code),
                    // Accounts other than staff are not named in the staff grouping.
                    Grouping::Staff => staff.get(&code.parse::<i64>().ok()?)?.clone(),
                };
                Some((key, Counts::of_tallies(&g.flows, &g.stock)))
            })
            .collect();
        let mut cards_of = cards_by_case(self.store.cards_of_cases(&ids).await?);
        let calendar = self.calendar();
        let mut facts = Vec::with_capacity(volatile.len());
        for c in &volatile {
            facts.push(self.volatile_facts(
                c,
                &names,
                &staff,
                &staff_of,
                &mut cards_of,
                &calendar,
                period,
            )?);
        }
        let mut table = Table::assemble(grouping, period, summed, total, &facts);
        self.attach_rating_figures(&mut table, jurisdiction, &scope.departments, period)
            .await?;
        Ok(Statistics {
            jurisdiction: jurisdiction.to_string(),
            jurisdiction_name: self.statistics_jurisdiction_name(jurisdiction),
            departments: scope.departments,
            table,
        })
    }

    /// The facts of a volatile case as of the end of the period, as the recomputation reads them.
    #[allow(clippy::too_many_arguments)]
    fn volatile_facts(
        &self,
        c: &StatisticsCase,
        names: &Names,
        staff: &BTreeMap<i64, Key>,
        staff_of: &BTreeMap<i64, Vec<i64>>,
        cards_of: &mut BTreeMap<i64, Vec<CardFact>>,
        calendar: &Calendar,
        period: Period,
    ) -> Result<yiyin_domain::statistics::CaseFacts> {
        let belongs = names.belongs(c, staff_of.get(&c.id), staff);
        let cards = cards_of.remove(&c.id).unwrap_or_default();
        case_facts(c, None, calendar, period.to, belongs, cards)
    }
}
