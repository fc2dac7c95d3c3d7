//! The bureau's statistics (政务服务统计): from the facts of each case — read off the engine's case
//! and its clock, never re-derived — the figures of a period grouped by item, department, window
//! or staff member, with their rates as exact fractions and the columns every table, chart and
//! export shows.
//!
//! How a case counts in the period `from..=to`:
//! - the flows are counted by the date they happened: received (`received_on`), accepted
//!   (`accepted_on`), refused (Art. 32, and not needed: the closing date), decided (`decided_on`,
//!   split into approved and denied), withdrawn (the closing date); the efficiency classes
//!   (即办 / 提前 / 按时 / 超期, `contracts.md` §2a) and the working days used are those of the
//!   cases decided in the period, so the four classes always sum to the decided;
//! - the stock is read at the end of the period: a case is open when it was received on or before
//!   `to` and neither decided nor closed on or before `to`; it is open overdue when, besides, its
//!   promised due date (承诺办结期限, as its clock read it on `to`: a suspension or extension
//!   recorded later does not move it) is before `to` — it can no longer be decided on time;
//! - 承诺压缩比 is 1 − Σ promised / Σ statutory over the cases received in the period;
//! - cards count by the date they were issued.
//!
//! 按时办结率 is given both ways: (即办 + 提前 + 按时) / 办结, and the same over 办结 + open overdue.
//! Satisfaction (好评率, 差评整改率) comes from the ratings: a row's [`Row::ratings`] is `None`
//! until they are attached with [`Table::attach_ratings`], and shows 「—」.
//!
//! A case counts in the group of its item, its department and its window (the unit that received
//! it) once, so the totals of those groupings are the sums of their groups; in the staff grouping
//! a case counts for every staff member who acted on it, and the total counts it once.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::{CalendarError, fmt_date};
use crate::engine::{Case, Clock, Closing, Context};
use crate::monitoring::{CardLimit, Efficiency, efficiency};

labelled_enum!(
    /// How the rows of a statistics table are grouped.
    Grouping {
        /// By approval item (事项).
        Item = ("item", "事项"),
        /// By the department the item belongs to (审批部门).
        Department = ("department", "部门"),
        /// By the unit that received the case: a window of the hall, a township centre or a
        /// village point (受理窗口).
        Window = ("window", "窗口"),
        /// By staff member who acted on the case (工作人员): staff-only, never public.
        Staff = ("staff", "工作人员"),
    }
);

/// The period of a table, both dates included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// The period, or the Chinese reason it is not one.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Self, String> {
        if to < from {
            return Err(format!(
                "统计期间有误：结束日期 {} 早于开始日期 {}",
                fmt_date(to),
                fmt_date(from)
            ));
        }
        Ok(Period { from, to })
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.to
    }

    fn holds(&self, day: Option<NaiveDate>) -> bool {
        day.is_some_and(|d| self.contains(d))
    }

    /// 「2025-01-01 至 2025-12-31」.
    pub fn label(&self) -> String {
        format!("{} 至 {}", fmt_date(self.from), fmt_date(self.to))
    }
}

/// What a row is about: a code and the name people read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Key {
    pub code: String,
    pub name: String,
}

impl Key {
    pub fn new(code: impl Into<String>, name: impl Into<String>) -> Self {
        Key {
            code: code.into(),
            name: name.into(),
        }
    }
}

/// Who a case belongs to, for grouping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Belongs {
    pub item: Key,
    pub department: Key,
    pub window: Key,
    /// The staff members who acted on the case (each once).
    pub staff: Vec<Key>,
}

/// A card issued on a case: its limit (which gives its colour) and its date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardFact {
    pub limit: CardLimit,
    pub on: NaiveDate,
}

/// Everything the statistics need of one case, read as of the end of a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseFacts {
    pub belongs: Belongs,
    pub received_on: NaiveDate,
    pub accepted_on: Option<NaiveDate>,
    /// Refused under Art. 32 or found not to need a licence: the closing date.
    pub refused_on: Option<NaiveDate>,
    pub decided_on: Option<NaiveDate>,
    /// The decision: approved (准予) or denied (不予).
    pub approved: Option<bool>,
    pub withdrawn_on: Option<NaiveDate>,
    pub promised_days: u32,
    pub statutory_days: u32,
    /// Working days from acceptance to decision, suspensions (Art. 45) excluded; None until
    /// decided.
    pub working_days_used: Option<u32>,
    /// The efficiency class (`contracts.md` §2a); None until decided.
    pub efficiency: Option<Efficiency>,
    /// The promised due date as the clock read it at the end of the period (the suspensions and
    /// the extension as they stood that day).
    pub promised_due: Option<NaiveDate>,
    pub cards: Vec<CardFact>,
}

impl CaseFacts {
    /// The facts of a case from the engine's case (time applied up to the clock's date) and its
    /// clock as of the end of the period; `cards` are those the monitoring issued on it.
    pub fn of_case(
        case: &Case,
        ctx: &Context,
        clock: &Clock,
        belongs: Belongs,
        cards: Vec<CardFact>,
    ) -> Result<Self, CalendarError> {
        let closed_by = |want: fn(&Closing) -> bool| {
            case.closing
                .as_ref()
                .filter(|c| want(c))
                .and(case.closed_on)
        };
        let working_days_used = match (case.accepted_on, case.decided_on) {
            (Some(accepted), Some(decided)) => {
                let span = ctx.calendar.between(accepted, decided)?;
                let suspended = case.suspended_working_days(ctx.calendar, decided)?;
                Some(span.saturating_sub(suspended))
            }
            _ => None,
        };
        Ok(CaseFacts {
            belongs,
            received_on: case.received_on,
            accepted_on: case.accepted_on,
            refused_on: closed_by(|c| matches!(c, Closing::NotNeeded | Closing::Refused { .. })),
            decided_on: case.decided_on,
            approved: case.decision.as_ref().map(|d| d.approved),
            withdrawn_on: closed_by(|c| matches!(c, Closing::Withdrawn)),
            promised_days: ctx.item.promised_days,
            statutory_days: ctx.item.statutory_limit(),
            working_days_used,
            efficiency: efficiency(case, ctx, clock),
            promised_due: promised_due_on(case, ctx, clock.as_of)?,
            cards,
        })
    }

    /// Whether the case is open at the end of the day `on`: received, neither decided nor closed.
    pub fn open_on(&self, on: NaiveDate) -> bool {
        let done = |d: Option<NaiveDate>| d.is_some_and(|d| d <= on);
        self.received_on <= on
            && !done(self.decided_on)
            && !done(self.refused_on)
            && !done(self.withdrawn_on)
    }

    /// Whether the case is open on `on` and past its promised due date.
    pub fn open_overdue_on(&self, on: NaiveDate) -> bool {
        self.open_on(on) && self.promised_due.is_some_and(|due| on > due)
    }

    /// Whether the case counts at all in the period.
    pub fn touches(&self, p: &Period) -> bool {
        p.contains(self.received_on)
            || p.holds(self.accepted_on)
            || p.holds(self.refused_on)
            || p.holds(self.decided_on)
            || p.holds(self.withdrawn_on)
            || self.open_on(p.to)
            || self.cards.iter().any(|c| p.contains(c.on))
    }
}

/// The promised due date of a case as its clock read it at the end of `day` (the suspensions and
/// the extension as they stood that day); None before acceptance.
fn promised_due_on(
    case: &Case,
    ctx: &Context,
    day: NaiveDate,
) -> Result<Option<NaiveDate>, CalendarError> {
    Ok(stood_on(case, day).dues(ctx, day)?.map(|d| d.promised))
}

/// The case's time limits as they stood at the end of `day`: a suspension begun later not yet
/// begun, one ended later still running, an extension granted later not yet granted — so that a
/// period in the past reads the due dates of its own end, not those moved since.
fn stood_on(case: &Case, day: NaiveDate) -> Case {
    let mut c = case.clone();
    c.suspensions.retain(|s| s.started_on <= day);
    for s in &mut c.suspensions {
        if s.ended_on.is_some_and(|end| end > day) {
            s.ended_on = None;
        }
    }
    if c.extension.as_ref().is_some_and(|e| e.on > day) {
        c.extension = None;
    }
    c
}

/// An exact fraction, shown to one decimal place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Fraction {
    pub numerator: u64,
    pub denominator: u64,
}

impl Fraction {
    pub fn new(numerator: u64, denominator: u64) -> Self {
        Fraction {
            numerator,
            denominator,
        }
    }

    /// Tenths of the value times `scale`, rounded half up; None when the denominator is 0.
    fn tenths(self, scale: u64) -> Option<u128> {
        if self.denominator == 0 {
            return None;
        }
        let num = u128::from(self.numerator) * u128::from(scale) * 20;
        let den = u128::from(self.denominator);
        Some((num + den) / (2 * den))
    }

    fn one_decimal(tenths: Option<u128>, unit: &str) -> String {
        match tenths {
            None => "—".into(),
            Some(t) => format!("{}.{}{unit}", t / 10, t % 10),
        }
    }

    /// As a percentage to one decimal place, 「96.3%」, or 「—」 when the denominator is 0.
    pub fn percent(self) -> String {
        Self::one_decimal(self.tenths(100), "%")
    }

    /// As a number to one decimal place, 「12.5」, or 「—」 when the denominator is 0.
    pub fn decimal(self) -> String {
        Self::one_decimal(self.tenths(1), "")
    }

    /// Per mille, rounded half up (for bar lengths); None when the denominator is 0.
    pub fn per_mille(self) -> Option<u64> {
        self.tenths(100)
            .map(|t| u64::try_from(t).unwrap_or(u64::MAX))
    }
}

/// Satisfaction figures from the ratings (好差评), when attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RatingFigures {
    /// 好评率: good ratings over all ratings counted.
    pub good: Fraction,
    /// 差评整改率: bad ratings rectified over bad ratings.
    pub rectified: Fraction,
}

impl RatingFigures {
    /// The figures of a count of ratings; `None` when nothing was rated.
    pub fn of(rates: &crate::ratings::Rates) -> Option<RatingFigures> {
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        (rates.total > 0).then(|| RatingFigures {
            good: Fraction::new(n(rates.good), n(rates.total)),
            rectified: Fraction::new(n(rates.rectified), n(rates.bad)),
        })
    }
}

/// The counts of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Counts {
    pub received: u64,
    pub accepted: u64,
    pub refused: u64,
    pub decided: u64,
    pub approved: u64,
    pub denied: u64,
    pub withdrawn: u64,
    /// 即办.
    pub instant: u64,
    /// 提前.
    pub early: u64,
    /// 按时.
    pub on_time: u64,
    /// 超期.
    pub late: u64,
    pub open: u64,
    pub open_overdue: u64,
    /// Σ working days used by the decided cases that have them.
    pub working_days: u64,
    /// How many decided cases `working_days` sums.
    pub working_days_cases: u64,
    /// Σ promised days of the cases received.
    pub promised_days: u64,
    /// Σ statutory days of the cases received.
    pub statutory_days: u64,
    /// 黄牌（承诺时限）.
    pub cards_promised: u64,
    /// 红牌（法定时限）.
    pub cards_statutory: u64,
    /// 红牌（制证送达时限）.
    pub cards_certificate: u64,
    /// The conduct cards of the case's own work: 黄牌（环节时限） and 红牌（受理审查时限）. A push's
    /// acknowledgement card is the supervising department's, and the card of a late reply to a
    /// reconsideration or a lawsuit the bureau's answer to it: neither is counted with the case.
    #[serde(default)]
    pub cards_conduct: u64,
}

impl Counts {
    /// Adds one case's contribution to the period.
    pub fn add(&mut self, f: &CaseFacts, p: &Period) {
        let n = |b: bool| u64::from(b);
        if p.contains(f.received_on) {
            self.received += 1;
            self.promised_days += u64::from(f.promised_days);
            self.statutory_days += u64::from(f.statutory_days);
        }
        self.accepted += n(p.holds(f.accepted_on));
        self.refused += n(p.holds(f.refused_on));
        self.withdrawn += n(p.holds(f.withdrawn_on));
        if p.holds(f.decided_on) {
            self.decided += 1;
            self.approved += n(f.approved == Some(true));
            self.denied += n(f.approved == Some(false));
            match f.efficiency {
                Some(Efficiency::Instant) => self.instant += 1,
                Some(Efficiency::Early) => self.early += 1,
                Some(Efficiency::OnTime) => self.on_time += 1,
                Some(Efficiency::Late) => self.late += 1,
                None => {}
            }
            if let Some(w) = f.working_days_used {
                self.working_days += u64::from(w);
                self.working_days_cases += 1;
            }
        }
        self.open += n(f.open_on(p.to));
        self.open_overdue += n(f.open_overdue_on(p.to));
        for c in f.cards.iter().filter(|c| p.contains(c.on)) {
            match c.limit {
                CardLimit::Promised => self.cards_promised += 1,
                CardLimit::Statutory => self.cards_statutory += 1,
                CardLimit::Certificate => self.cards_certificate += 1,
                CardLimit::Step | CardLimit::Intake => self.cards_conduct += 1,
                CardLimit::PushAck | CardLimit::RedressReply => {}
            }
        }
    }

    /// Adds the counts of another group of cases.
    pub fn merge(&mut self, o: &Counts) {
        let Counts {
            received,
            accepted,
            refused,
            decided,
            approved,
            denied,
            withdrawn,
            instant,
            early,
            on_time,
            late,
            open,
            open_overdue,
            working_days,
            working_days_cases,
            promised_days,
            statutory_days,
            cards_promised,
            cards_statutory,
            cards_certificate,
            cards_conduct,
        } = *o;
        self.received += received;
        self.accepted += accepted;
        self.refused += refused;
        self.decided += decided;
        self.approved += approved;
        self.denied += denied;
        self.withdrawn += withdrawn;
        self.instant += instant;
        self.early += early;
        self.on_time += on_time;
        self.late += late;
        self.open += open;
        self.open_overdue += open_overdue;
        self.working_days += working_days;
        self.working_days_cases += working_days_cases;
        self.promised_days += promised_days;
        self.statutory_days += statutory_days;
        self.cards_promised += cards_promised;
        self.cards_statutory += cards_statutory;
        self.cards_certificate += cards_certificate;
        self.cards_conduct += cards_conduct;
    }

    /// The counts of a period from the tallies summed over it (`flows`: the days `from..=to`) and
    /// over every day up to its end (`stock`: the cases open and open overdue at `to`), see
    /// [`CaseFigures::tallies`].
    pub fn of_tallies(flows: &Tally, stock: &Tally) -> Counts {
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        Counts {
            received: n(flows.received),
            accepted: n(flows.accepted),
            refused: n(flows.refused),
            decided: n(flows.decided),
            approved: n(flows.approved),
            denied: n(flows.denied),
            withdrawn: n(flows.withdrawn),
            instant: n(flows.instant),
            early: n(flows.early),
            on_time: n(flows.on_time),
            late: n(flows.late),
            open: n(stock.opened - stock.ended),
            open_overdue: n(stock.overdue_in - stock.overdue_out),
            working_days: n(flows.working_days),
            working_days_cases: n(flows.working_days_cases),
            promised_days: n(flows.promised_days),
            statutory_days: n(flows.statutory_days),
            cards_promised: n(flows.cards_promised),
            cards_statutory: n(flows.cards_statutory),
            cards_certificate: n(flows.cards_certificate),
            cards_conduct: n(flows.cards_conduct),
        }
    }

    /// The decided cases kept in time: 即办 + 提前 + 按时.
    pub fn timely(&self) -> u64 {
        self.instant + self.early + self.on_time
    }

    /// 按时办结率: (即办 + 提前 + 按时) / 办结.
    pub fn on_time_rate(&self) -> Fraction {
        Fraction::new(self.timely(), self.decided)
    }

    /// 按时办结率 counting the open overdue cases: (即办 + 提前 + 按时) / (办结 + 在办超期).
    pub fn on_time_rate_with_open(&self) -> Fraction {
        Fraction::new(self.timely(), self.decided + self.open_overdue)
    }

    /// 平均办理用时: working days used per decided case, suspensions excluded.
    pub fn average_working_days(&self) -> Fraction {
        Fraction::new(self.working_days, self.working_days_cases)
    }

    /// 承诺压缩比: 1 − Σ promised / Σ statutory.
    pub fn compression(&self) -> Fraction {
        Fraction::new(
            self.statutory_days.saturating_sub(self.promised_days),
            self.statutory_days,
        )
    }
}

/// A rate as an exact fraction with the display people read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rate {
    pub numerator: u64,
    pub denominator: u64,
    /// To one decimal place, 「96.3%」 (「—」 when the denominator is 0).
    pub display: String,
}

impl Rate {
    fn percent(f: Fraction) -> Rate {
        Rate {
            numerator: f.numerator,
            denominator: f.denominator,
            display: f.percent(),
        }
    }
}

/// The rates of a row, as the API gives them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rates {
    /// 平均办理用时: working days used per decided case (display 「7.7」).
    pub average_working_days: Rate,
    /// 按时办结率: (即办 + 提前 + 按时) / 办结.
    pub on_time: Rate,
    /// 按时办结率 counting the open overdue: (即办 + 提前 + 按时) / (办结 + 在办超期).
    pub on_time_with_open: Rate,
    /// 承诺压缩比: 1 − Σ promised / Σ statutory.
    pub compression: Rate,
    /// 好评率: None until the ratings are attached.
    pub good: Option<Rate>,
    /// 差评整改率: None until the ratings are attached.
    pub rectified: Option<Rate>,
}

impl Rates {
    fn of(c: &Counts, ratings: Option<&RatingFigures>) -> Rates {
        let average = c.average_working_days();
        Rates {
            average_working_days: Rate {
                numerator: average.numerator,
                denominator: average.denominator,
                display: average.decimal(),
            },
            on_time: Rate::percent(c.on_time_rate()),
            on_time_with_open: Rate::percent(c.on_time_rate_with_open()),
            compression: Rate::percent(c.compression()),
            good: ratings.map(|r| Rate::percent(r.good)),
            rectified: ratings.map(|r| Rate::percent(r.rectified)),
        }
    }
}

/// One row of a table: a group and its figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Row {
    pub key: Key,
    pub counts: Counts,
    /// 好评率 and 差评整改率: None until the ratings are attached (shown 「—」).
    pub ratings: Option<RatingFigures>,
    /// The rates of `counts` and `ratings`.
    pub rates: Rates,
}

/// A cell of a table, for the exports (numbers stay numbers in a workbook).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Count(u64),
}

impl Cell {
    pub fn text(&self) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Count(n) => n.to_string(),
        }
    }
}

/// The column headings of a table after the group's code and name, in order.
pub const COLUMNS: [&str; 23] = [
    "收件",
    "受理",
    "不予受理",
    "办结",
    "准予许可",
    "不予许可",
    "撤回",
    "即办",
    "提前",
    "按时",
    "超期",
    "在办",
    "在办超期",
    "平均办理用时（工作日）",
    "按时办结率",
    "按时办结率（含在办超期）",
    "承诺压缩比",
    "好评率",
    "差评整改率",
    "黄牌（承诺时限）",
    "红牌（法定时限）",
    "红牌（制证送达时限）",
    "环节、受理审查监察牌",
];

impl Row {
    /// A row of these counts, without ratings yet.
    pub fn new(key: Key, counts: Counts) -> Row {
        Row {
            rates: Rates::of(&counts, None),
            key,
            counts,
            ratings: None,
        }
    }

    /// Sets the ratings of the row (None: not available) and its rates with them.
    pub fn set_ratings(&mut self, ratings: Option<RatingFigures>) {
        self.rates = Rates::of(&self.counts, ratings.as_ref());
        self.ratings = ratings;
    }

    /// The cells under [`COLUMNS`].
    pub fn cells(&self) -> Vec<Cell> {
        let c = &self.counts;
        let r = &self.rates;
        let rating = |rate: &Option<Rate>| {
            Cell::Text(
                rate.as_ref()
                    .map_or_else(|| "—".into(), |r| r.display.clone()),
            )
        };
        vec![
            Cell::Count(c.received),
            Cell::Count(c.accepted),
            Cell::Count(c.refused),
            Cell::Count(c.decided),
            Cell::Count(c.approved),
            Cell::Count(c.denied),
            Cell::Count(c.withdrawn),
            Cell::Count(c.instant),
            Cell::Count(c.early),
            Cell::Count(c.on_time),
            Cell::Count(c.late),
            Cell::Count(c.open),
            Cell::Count(c.open_overdue),
            Cell::Text(r.average_working_days.display.clone()),
            Cell::Text(r.on_time.display.clone()),
            Cell::Text(r.on_time_with_open.display.clone()),
            Cell::Text(r.compression.display.clone()),
            rating(&r.good),
            rating(&r.rectified),
            Cell::Count(c.cards_promised),
            Cell::Count(c.cards_statutory),
            Cell::Count(c.cards_certificate),
            Cell::Count(c.cards_conduct),
        ]
    }
}

/// The figures of a period, grouped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Table {
    pub grouping: Grouping,
    pub period: Period,
    /// By group code.
    pub rows: Vec<Row>,
    /// Every case counted once.
    pub total: Row,
}

impl Table {
    /// The table of the cases that touch the period, grouped.
    pub fn compute(grouping: Grouping, period: Period, facts: &[CaseFacts]) -> Self {
        Self::assemble(grouping, period, Vec::new(), Counts::default(), facts)
    }

    /// The table of counts already summed by group (`summed`, each group once, and their `total`)
    /// and of the cases of `facts` that touch the period, added as [`Table::compute`] adds them.
    pub fn assemble(
        grouping: Grouping,
        period: Period,
        summed: Vec<(Key, Counts)>,
        total: Counts,
        facts: &[CaseFacts],
    ) -> Self {
        let mut groups: BTreeMap<&str, (&Key, Counts)> = BTreeMap::new();
        for (key, counts) in &summed {
            groups
                .entry(key.code.as_str())
                .or_insert_with(|| (key, Counts::default()))
                .1
                .merge(counts);
        }
        let mut total = total;
        for f in facts.iter().filter(|f| f.touches(&period)) {
            total.add(f, &period);
            let keys: Vec<&Key> = match grouping {
                Grouping::Item => vec![&f.belongs.item],
                Grouping::Department => vec![&f.belongs.department],
                Grouping::Window => vec![&f.belongs.window],
                Grouping::Staff => f.belongs.staff.iter().collect(),
            };
            for key in keys {
                groups
                    .entry(key.code.as_str())
                    .or_insert_with(|| (key, Counts::default()))
                    .1
                    .add(f, &period);
            }
        }
        Table {
            grouping,
            period,
            rows: groups
                .into_values()
                .map(|(key, counts)| Row::new(key.clone(), counts))
                .collect(),
            total: Row::new(Key::new("", "合计"), total),
        }
    }

    /// Fills 好评率 and 差评整改率 of each row (by its key; the total's key code is empty) from
    /// the ratings, where they give figures.
    pub fn attach_ratings(&mut self, mut ratings: impl FnMut(&Key) -> Option<RatingFigures>) {
        for row in self.rows.iter_mut().chain(std::iter::once(&mut self.total)) {
            row.set_ratings(ratings(&row.key));
        }
    }

    /// The heading row: the group's code and name, then [`COLUMNS`].
    pub fn headings(&self) -> Vec<String> {
        [
            format!("{}编码", self.grouping.label()),
            self.grouping.label().to_string(),
        ]
        .into_iter()
        .chain(COLUMNS.iter().map(|c| c.to_string()))
        .collect()
    }

    /// Every row with its code and name first, the total last.
    pub fn body(&self) -> Vec<Vec<Cell>> {
        self.rows
            .iter()
            .chain(std::iter::once(&self.total))
            .map(|r| {
                [
                    Cell::Text(r.key.code.clone()),
                    Cell::Text(r.key.name.clone()),
                ]
                .into_iter()
                .chain(r.cells())
                .collect()
            })
            .collect()
    }

    /// The title of the table: 「政务服务统计（按部门，2025-01-01 至 2025-12-31）」.
    pub fn title(&self) -> String {
        format!(
            "政务服务统计（按{}，{}）",
            self.grouping.label(),
            self.period.label()
        )
    }
}

/// The figures of one case kept in the statistics summary, read off the engine's case once when
/// it is written: every date its counts fall on, so that the summary adds them by day and a
/// period's figures are sums of days (see [`CaseFigures::tallies`]). Only a *settled* case has
/// them: one whose figures change with nothing recorded on it — a case waiting for acceptance
/// (deemed accepted by the passing of time, Art. 32(4)) or suspended (its due date moving every
/// day, Art. 45) — has none and is counted from its facts as of the end of each period asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseFigures {
    pub received_on: NaiveDate,
    pub accepted_on: Option<NaiveDate>,
    pub refused_on: Option<NaiveDate>,
    pub decided_on: Option<NaiveDate>,
    pub approved: Option<bool>,
    pub withdrawn_on: Option<NaiveDate>,
    pub promised_days: u32,
    pub statutory_days: u32,
    pub working_days_used: Option<u32>,
    pub efficiency: Option<Efficiency>,
    /// The first day the case is open and past its promised due date as the clock read it that
    /// day ([`CaseFacts::open_overdue_on`]); it stays so until it ends.
    pub overdue_from: Option<NaiveDate>,
    pub cards: Vec<CardFact>,
}

/// What the case's figures add on one day: the flows, and the changes of the stock (a case opens
/// on its receipt, ends on its decision, refusal or withdrawal, falls overdue on its
/// `overdue_from`). Signed, so that a case's old figures are taken away as its new ones are added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Tally {
    pub received: i64,
    pub accepted: i64,
    pub refused: i64,
    pub decided: i64,
    pub approved: i64,
    pub denied: i64,
    pub withdrawn: i64,
    pub instant: i64,
    pub early: i64,
    pub on_time: i64,
    pub late: i64,
    pub working_days: i64,
    pub working_days_cases: i64,
    pub promised_days: i64,
    pub statutory_days: i64,
    pub cards_promised: i64,
    pub cards_statutory: i64,
    pub cards_certificate: i64,
    pub cards_conduct: i64,
    /// Every card, counted or not (a card alone makes a case count in its group).
    pub cards_all: i64,
    pub opened: i64,
    pub ended: i64,
    pub overdue_in: i64,
    pub overdue_out: i64,
}

impl Tally {
    /// The names of the values, in the order of [`Tally::values`] (the summary's columns).
    pub const COLUMNS: [&'static str; 24] = [
        "received",
        "accepted",
        "refused",
        "decided",
        "approved",
        "denied",
        "withdrawn",
        "instant",
        "early",
        "on_time",
        "late",
        "working_days",
        "working_days_cases",
        "promised_days",
        "statutory_days",
        "cards_promised",
        "cards_statutory",
        "cards_certificate",
        "cards_conduct",
        "cards_all",
        "opened",
        "ended",
        "overdue_in",
        "overdue_out",
    ];

    pub fn values(&self) -> [i64; 24] {
        [
            self.received,
            self.accepted,
            self.refused,
            self.decided,
            self.approved,
            self.denied,
            self.withdrawn,
            self.instant,
            self.early,
            self.on_time,
            self.late,
            self.working_days,
            self.working_days_cases,
            self.promised_days,
            self.statutory_days,
            self.cards_promised,
            self.cards_statutory,
            self.cards_certificate,
            self.cards_conduct,
            self.cards_all,
            self.opened,
            self.ended,
            self.overdue_in,
            self.overdue_out,
        ]
    }

    pub fn from_values(v: [i64; 24]) -> Tally {
        let [
            received,
            accepted,
            refused,
            decided,
            approved,
            denied,
            withdrawn,
            instant,
            early,
            on_time,
            late,
            working_days,
            working_days_cases,
            promised_days,
            statutory_days,
            cards_promised,
            cards_statutory,
            cards_certificate,
            cards_conduct,
            cards_all,
            opened,
            ended,
            overdue_in,
            overdue_out,
        ] = v;
        Tally {
            received,
            accepted,
            refused,
            decided,
            approved,
            denied,
            withdrawn,
            instant,
            early,
            on_time,
            late,
            working_days,
            working_days_cases,
            promised_days,
            statutory_days,
            cards_promised,
            cards_statutory,
            cards_certificate,
            cards_conduct,
            cards_all,
            opened,
            ended,
            overdue_in,
            overdue_out,
        }
    }

    /// Adds `sign` times another tally.
    pub fn add(&mut self, o: &Tally, sign: i64) {
        let mut v = self.values();
        for (a, b) in v.iter_mut().zip(o.values()) {
            *a += sign * b;
        }
        *self = Tally::from_values(v);
    }

    pub fn is_zero(&self) -> bool {
        self.values().iter().all(|v| *v == 0)
    }

    /// Whether a group with these flows over a period and this stock at its end has a case that
    /// counts in the period ([`CaseFacts::touches`]).
    pub fn touches(flows: &Tally, stock: &Tally) -> bool {
        flows.received
            + flows.accepted
            + flows.refused
            + flows.decided
            + flows.withdrawn
            + flows.cards_all
            > 0
            || stock.opened - stock.ended > 0
    }
}

impl CaseFigures {
    /// The figures of a settled case (None: not settled, see the type), with the cards issued
    /// on it.
    pub fn of(
        case: &Case,
        ctx: &Context,
        cards: Vec<CardFact>,
    ) -> Result<Option<CaseFigures>, CalendarError> {
        use crate::engine::CaseState;
        if case.state == CaseState::Received
            || case.suspensions.iter().any(|s| s.ended_on.is_none())
        {
            return Ok(None);
        }
        let as_of = case.last_date();
        let clock = case.deadlines(ctx, as_of)?;
        let no_one = Belongs {
            item: Key::new("", ""),
            department: Key::new("", ""),
            window: Key::new("", ""),
            staff: Vec::new(),
        };
        let f = CaseFacts::of_case(case, ctx, &clock, no_one, cards)?;
        // The first day open past the promised due date as read that day: that due date only
        // moves later as days pass (a suspension or extension recorded counts from its own day),
        // so no day before it can be overdue; once past it, the case stays overdue.
        let end = [f.decided_on, f.refused_on, f.withdrawn_on]
            .into_iter()
            .flatten()
            .min();
        let mut day = f.received_on;
        let mut overdue_from = None;
        for _ in 0..10_000 {
            if end.is_some_and(|e| e <= day) {
                break;
            }
            match promised_due_on(case, ctx, day)? {
                None => break,
                Some(due) if day > due => {
                    overdue_from = Some(day);
                    break;
                }
                Some(due) => match due.succ_opt() {
                    Some(next) => day = next,
                    None => break,
                },
            }
        }
        Ok(Some(CaseFigures {
            received_on: f.received_on,
            accepted_on: f.accepted_on,
            refused_on: f.refused_on,
            decided_on: f.decided_on,
            approved: f.approved,
            withdrawn_on: f.withdrawn_on,
            promised_days: f.promised_days,
            statutory_days: f.statutory_days,
            working_days_used: f.working_days_used,
            efficiency: f.efficiency,
            overdue_from,
            cards: f.cards,
        }))
    }

    /// The day the case stops being open: its decision, refusal or withdrawal.
    pub fn ended_on(&self) -> Option<NaiveDate> {
        [self.decided_on, self.refused_on, self.withdrawn_on]
            .into_iter()
            .flatten()
            .min()
    }

    /// What the case adds on each day: summed over the days of a period they give its flows, and
    /// over every day up to its end its stock, exactly as [`Counts::add`] counts the case's facts
    /// ([`Counts::of_tallies`]).
    pub fn tallies(&self) -> BTreeMap<NaiveDate, Tally> {
        let mut out: BTreeMap<NaiveDate, Tally> = BTreeMap::new();
        let mut on = |day: NaiveDate, f: &dyn Fn(&mut Tally)| f(out.entry(day).or_default());
        let as_i64 = |v: u32| i64::from(v);
        on(self.received_on, &|t| {
            t.received += 1;
            t.opened += 1;
            t.promised_days += as_i64(self.promised_days);
            t.statutory_days += as_i64(self.statutory_days);
        });
        if let Some(d) = self.accepted_on {
            on(d, &|t| t.accepted += 1);
        }
        if let Some(d) = self.refused_on {
            on(d, &|t| t.refused += 1);
        }
        if let Some(d) = self.withdrawn_on {
            on(d, &|t| t.withdrawn += 1);
        }
        if let Some(d) = self.decided_on {
            on(d, &|t| {
                t.decided += 1;
                match self.approved {
                    Some(true) => t.approved += 1,
                    Some(false) => t.denied += 1,
                    None => {}
                }
                match self.efficiency {
                    Some(Efficiency::Instant) => t.instant += 1,
                    Some(Efficiency::Early) => t.early += 1,
                    Some(Efficiency::OnTime) => t.on_time += 1,
                    Some(Efficiency::Late) => t.late += 1,
                    None => {}
                }
                if let Some(w) = self.working_days_used {
                    t.working_days += as_i64(w);
                    t.working_days_cases += 1;
                }
            });
        }
        let end = self.ended_on();
        if let Some(d) = end {
            on(d, &|t| t.ended += 1);
        }
        if let Some(from) = self.overdue_from.filter(|f| end.is_none_or(|e| *f < e)) {
            on(from, &|t| t.overdue_in += 1);
            if let Some(d) = end {
                on(d, &|t| t.overdue_out += 1);
            }
        }
        for c in &self.cards {
            on(c.on, &|t| {
                t.cards_all += 1;
                match c.limit {
                    CardLimit::Promised => t.cards_promised += 1,
                    CardLimit::Statutory => t.cards_statutory += 1,
                    CardLimit::Certificate => t.cards_certificate += 1,
                    CardLimit::Step | CardLimit::Intake => t.cards_conduct += 1,
                    CardLimit::PushAck | CardLimit::RedressReply => {}
                }
            });
        }
        out
    }
}

#[cfg(test)]
mod tests;
