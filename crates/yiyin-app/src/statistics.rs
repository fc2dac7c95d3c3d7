//! The bureau's statistics (政务服务统计) as a use case: the figures of a period and jurisdiction
//! grouped by item, department, window or staff member ([`yiyin_domain::statistics`]), their
//! exports (`.xlsx` and CSV), and the public figures of a jurisdiction.
//!
//! Who reads them: the holders of [`Operation::ViewStatistics`] in the jurisdiction — the bureau
//! head, the discipline supervisor, the rating administrator and the centre manager see every
//! department; an observer (审批观察员) only the departments it watches. The public page shows
//! aggregate figures only, never by staff member.
//!
//! Where the figures come from: the tables staff and the public read are sums of the statistics
//! summary (`summary`), kept in the same transaction as every write that changes a case's figures;
//! a case whose figures move with time alone (waiting for acceptance, suspended) is counted from
//! its facts. [`App::statistics_from_events`] recomputes the same table case by case from the
//! event log alone (each case replayed through the engine from its recorded transitions, under
//! the item rules it was received under; its clock and efficiency class as of the end of the
//! period, as the monitoring reads them; the cards the monitoring issued; the staff accounts that
//! recorded a transition): the two agree on both databases.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};
use yiyin_domain::authz::{Operation, role_may};
use yiyin_domain::calendar::{Calendar, cst, fmt_date, local_date, parse_date};
use yiyin_domain::engine::{Action, ApplicantFacts, Case, Context};
use yiyin_domain::org::Organisation;
use yiyin_domain::ratings::Rates;
use yiyin_domain::roles::Role;
use yiyin_domain::statistics::{
    Belongs, CardFact, CaseFacts, Grouping, Key, Period, RatingFigures, Table,
};
use yiyin_domain::text::{TextKind, check};
use yiyin_store::events::Event;
use yiyin_store::statistics::{StatisticsCard, StatisticsCase, StatisticsScope};

use crate::App;
use crate::error::{AppError, Result};
use crate::principal::Principal;

mod summary;
pub use summary::SUMMARY_VERSION;

/// The longest period one table covers, in days (five years and a leap day).
pub const MAX_PERIOD_DAYS: i64 = 5 * 365 + 1;

/// What a statistics table is asked for. Absent dates: from the first of January of this year to
/// today; absent grouping: by department.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams, utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct StatisticsQuery {
    /// The jurisdiction (county) code.
    pub jurisdiction: String,
    /// The first day of the period (YYYY-MM-DD); default: 1 January of this year.
    #[serde(default)]
    pub from: Option<String>,
    /// The last day of the period (YYYY-MM-DD); default: today.
    #[serde(default)]
    pub to: Option<String>,
    /// `item`, `department`, `window` or `staff` (or 事项 / 部门 / 窗口 / 工作人员); default
    /// `department`.
    #[serde(default)]
    pub by: Option<String>,
}

/// A statistics table of a jurisdiction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Statistics {
    pub jurisdiction: String,
    pub jurisdiction_name: String,
    /// The departments the figures are limited to (an observer's); empty: every department.
    pub departments: Vec<String>,
    pub table: Table,
}

/// A value given, trimmed; None when empty.
fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl StatisticsQuery {
    /// The period and grouping asked for, each checked (Chinese errors naming the field).
    pub fn parse(&self, today: NaiveDate) -> Result<(String, Period, Grouping)> {
        for (field, value) in [
            ("jurisdiction", Some(&self.jurisdiction)),
            ("from", self.from.as_ref()),
            ("to", self.to.as_ref()),
            ("by", self.by.as_ref()),
        ] {
            check(field, value.map_or("", String::as_str), TextKind::Short)?;
        }
        let period = parse_period(&self.from, &self.to, today)?;
        let grouping = match given(&self.by) {
            None => Grouping::Department,
            Some(b) => AppError::choice::<Grouping>("by", b, |words| {
                format!("统计口径应为以下之一：{words}")
            })?,
        };
        Ok((self.jurisdiction.trim().to_string(), period, grouping))
    }
}

/// The period `from`–`to` a table or a listing is asked for (absent: this year to today), each
/// date checked, the end not after today and the span at most [`MAX_PERIOD_DAYS`] (Chinese errors
/// naming the field).
pub(crate) fn parse_period(
    from: &Option<String>,
    to: &Option<String>,
    today: NaiveDate,
) -> Result<Period> {
    let date = |field: &str, v: &Option<String>, default: NaiveDate| {
        given(v).map_or(Ok(default), |t| {
            parse_date(t)
                .map_err(|_| AppError::field(field, "日期格式应为 YYYY-MM-DD，例如 2025-03-01"))
        })
    };
    let year_start = NaiveDate::from_yo_opt(chrono::Datelike::year(&today), 1).unwrap_or(today);
    let first = date("from", from, year_start)?;
    let last = date("to", to, today)?;
    if last > today {
        // Open and overdue cases are read at the end of the period: not in the future.
        return Err(AppError::field(
            "to",
            format!("统计期间的结束日期不能晚于今天（{}）", fmt_date(today)),
        ));
    }
    let period = Period::new(first, last).map_err(|e| AppError::field("to", e))?;
    if (last - first).num_days() >= MAX_PERIOD_DAYS {
        return Err(AppError::field(
            "to",
            "统计期间过长：一张统计表最长五年，请缩短期间",
        ));
    }
    Ok(period)
}

/// The start of a local day, in milliseconds since the epoch.
pub(crate) fn start_ms(day: NaiveDate) -> i64 {
    day.and_time(NaiveTime::MIN)
        .and_local_timezone(cst())
        .single()
        .map_or(0, |t| t.timestamp_millis())
}

/// The names a table shows for the codes of a jurisdiction.
struct Names<'a> {
    org: &'a Organisation,
    jurisdiction: &'a str,
}

impl Names<'_> {
    fn department(&self, code: &str) -> Key {
        let name = self
            .org
            .jurisdiction(self.jurisdiction)
            .map_or_else(|| code.to_string(), |j| j.department_name(code));
        Key::new(code, name)
    }

    fn window(&self, code: &str) -> Key {
        if code.is_empty() {
            // Received online, or at the hall by a clerk whose grant names no window.
            return Key::new("", "网上申请及未指定窗口");
        }
        let j = self.org.jurisdiction(self.jurisdiction);
        let name = j
            .and_then(|j| {
                j.place_name(code)
                    .or_else(|| j.township(code).map(|t| t.name()))
            })
            .unwrap_or_else(|| code.to_string());
        Key::new(code, name)
    }

    /// The groups a case belongs to: its item, department and window, and the staff members of
    /// `acted` (account ids) that `staff` names.
    fn belongs<'s, S>(
        &self,
        c: &StatisticsCase,
        acted: Option<&'s S>,
        staff: &BTreeMap<i64, Key>,
    ) -> Belongs
    where
        &'s S: IntoIterator<Item = &'s i64>,
    {
        Belongs {
            item: Key::new(&c.item_code, &c.item_name),
            department: self.department(&c.department),
            window: self.window(&c.unit),
            staff: acted
                .into_iter()
                .flatten()
                .filter_map(|a| staff.get(a).cloned())
                .collect(),
        }
    }
}

/// The cards read, filed under their case.
fn cards_by_case(cards: impl IntoIterator<Item = StatisticsCard>) -> BTreeMap<i64, Vec<CardFact>> {
    let mut of: BTreeMap<i64, Vec<CardFact>> = BTreeMap::new();
    for c in cards {
        of.entry(c.case_id).or_default().push(CardFact {
            limit: c.card_limit,
            on: c.card_on,
        });
    }
    of
}

/// A transition of a case as its event records it.
enum Transition {
    /// Received with these materials.
    Receive(Vec<String>),
    /// Deemed accepted by the passing of time (Art. 32(4)).
    DeemedAccept,
    /// An action of the engine.
    Act(Action),
}

/// The transition an event of a case records, if it records one: the receipt, a deemed
/// acceptance, or an engine action under its own name.
fn transition(e: &Event) -> Option<Transition> {
    let data: serde_json::Value = serde_json::from_str(&e.data).ok()?;
    transition_in(&e.action, data)
}

/// Whether an event of this action and data records a transition of its case (its actor then
/// counts in the staff grouping).
pub(crate) fn records_transition(action: &str, data: &serde_json::Value) -> bool {
    transition_in(action, data.clone()).is_some()
}

/// The transition an event's action and data record, if they record one.
fn transition_in(action: &str, data: serde_json::Value) -> Option<Transition> {
    data.get("state")?;
    match action {
        "receive" => Some(Transition::Receive(
            data.get("materials")
                .cloned()
                .and_then(|m| serde_json::from_value(m).ok())
                .unwrap_or_default(),
        )),
        "deemed_accept" => Some(Transition::DeemedAccept),
        name => serde_json::from_value::<Action>(data)
            .ok()
            .filter(|a| a.name() == name)
            .map(Transition::Act),
    }
}

/// The staff accounts that recorded a transition of each case, by case (accounts other than
/// staff are left out when their names are read).
fn actors(events: &[Event]) -> BTreeMap<i64, BTreeSet<i64>> {
    let mut out: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
    for e in events {
        let (Some(case), Some(account)) = (e.case_id, e.actor_account) else {
            continue;
        };
        if transition(e).is_some() {
            out.entry(case).or_default().insert(account);
        }
    }
    out
}

/// The engine's case replayed from its events: received, then each recorded transition applied
/// on the day it took effect, under the item rules the case was received under.
fn replay(id: i64, events: &[&Event], ctx: &Context) -> Result<Case> {
    let broken = |what: &str| {
        AppError::Internal(format!(
            "办件（编号 {id}）的事件记录无法重放（{what}），统计无法由事件日志重算"
        ))
    };
    let mut case: Option<Case> = None;
    for e in events {
        let Some(t) = transition(e) else {
            continue;
        };
        let on = chrono::DateTime::from_timestamp_millis(e.at)
            .map(local_date)
            .ok_or_else(|| broken("时间有误"))?;
        case = Some(match (t, case) {
            (Transition::Receive(materials), None) => Case::receive(ctx, on, &materials)?.case,
            (Transition::DeemedAccept, Some(c)) => c
                .tick(on)
                .map(|(c, _)| c)
                .ok_or_else(|| broken("视为受理不成立"))?,
            (Transition::Act(action), Some(c)) => c.apply(ctx, on, &action)?.case,
            (Transition::Receive(_), Some(_)) => return Err(broken("重复的收件事件")),
            (_, None) => return Err(broken("缺少收件事件")),
        });
    }
    case.ok_or_else(|| broken("缺少收件事件"))
}

impl App {
    /// The departments a reader of the statistics is limited to in a jurisdiction: an observer's
    /// own (None: not limited).
    pub(crate) fn statistics_limit(who: &Principal, jurisdiction: &str) -> Option<Vec<String>> {
        let mine: Vec<_> = who
            .account
            .grants
            .iter()
            .filter(|g| {
                g.jurisdiction == jurisdiction && role_may(g.role, Operation::ViewStatistics)
            })
            .collect();
        mine.iter()
            .all(|g| g.role == Role::Observer)
            .then(|| mine.iter().filter_map(|g| g.department.clone()).collect())
    }

    /// The statistics of a period for a reader of them: role checked first, then the input; an
    /// observer's limited to its departments.
    pub async fn statistics(&self, who: &Principal, q: &StatisticsQuery) -> Result<Statistics> {
        self.staff_statistics(who, q, false).await
    }

    /// The same table recomputed from the event log alone (see the module's documentation).
    pub async fn statistics_from_events(
        &self,
        who: &Principal,
        q: &StatisticsQuery,
    ) -> Result<Statistics> {
        self.staff_statistics(who, q, true).await
    }

    async fn staff_statistics(
        &self,
        who: &Principal,
        q: &StatisticsQuery,
        from_events: bool,
    ) -> Result<Statistics> {
        who.require_in(Operation::ViewStatistics, q.jurisdiction.trim())?;
        let (jurisdiction, period, grouping) = q.parse(self.today())?;
        match Self::statistics_limit(who, &jurisdiction) {
            // An observer watching no department: nothing to count.
            Some(departments) if departments.is_empty() => {
                Ok(self.empty_statistics(&jurisdiction, period, grouping))
            }
            limit => {
                let departments = limit.unwrap_or_default();
                if from_events {
                    self.compute_statistics(&jurisdiction, departments, period, grouping, true)
                        .await
                } else {
                    self.summed_statistics(&jurisdiction, departments, period, grouping)
                        .await
                }
            }
        }
    }

    /// The public figures of a jurisdiction (no staff grouping): for its public page and open
    /// data. Only a jurisdiction of the organisation has them.
    pub async fn public_statistics(&self, q: &StatisticsQuery) -> Result<Statistics> {
        let (jurisdiction, period, grouping) = q.parse(self.today())?;
        if grouping == Grouping::Staff {
            return Err(AppError::field(
                "by",
                "按工作人员的统计仅供本局工作人员查看，公开统计可按事项、部门或窗口",
            ));
        }
        if self.org().jurisdiction(&jurisdiction).is_none() {
            return Err(AppError::NotFound(format!(
                "没有代码为 {jurisdiction} 的县区"
            )));
        }
        self.summed_statistics(&jurisdiction, Vec::new(), period, grouping)
            .await
    }

    fn empty_statistics(
        &self,
        jurisdiction: &str,
        period: Period,
        grouping: Grouping,
    ) -> Statistics {
        Statistics {
            jurisdiction: jurisdiction.to_string(),
            jurisdiction_name: self.statistics_jurisdiction_name(jurisdiction),
            departments: Vec::new(),
            table: Table::compute(grouping, period, &[]),
        }
    }

    /// The staff grouping's key of each account: its login, shown as 「name（login）」.
    pub(crate) async fn staff_keys(&self, accounts: &[i64]) -> Result<BTreeMap<i64, Key>> {
        Ok(self
            .store
            .staff_names(accounts)
            .await?
            .into_iter()
            .map(|s| {
                (
                    s.id,
                    Key::new(s.login.clone(), format!("{}（{}）", s.name, s.login)),
                )
            })
            .collect())
    }

    fn statistics_jurisdiction_name(&self, code: &str) -> String {
        let today = self.today();
        self.org()
            .jurisdiction(code)
            .map_or_else(|| code.to_string(), |j| j.name_on(today).to_string())
    }

    async fn compute_statistics(
        &self,
        jurisdiction: &str,
        departments: Vec<String>,
        period: Period,
        grouping: Grouping,
        from_events: bool,
    ) -> Result<Statistics> {
        let scope = StatisticsScope {
            jurisdiction: jurisdiction.to_string(),
            departments,
            from: period.from,
            to: period.to,
            from_ms: start_ms(period.from),
        };
        let cases = self.store.statistics_cases(&scope).await?;
        let cards = self.store.statistics_cards(&scope).await?;
        // The events name the staff who acted and are what a recomputation replays; the other
        // groupings of the stored cases do without them.
        let events = if from_events || grouping == Grouping::Staff {
            self.store.statistics_events(&scope).await?
        } else {
            Vec::new()
        };
        let acted = actors(&events);
        let accounts: Vec<i64> = acted
            .values()
            .flatten()
            .copied()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let staff = self.staff_keys(&accounts).await?;
        let mut cards_of = cards_by_case(cards);
        let mut events_of: BTreeMap<i64, Vec<&Event>> = BTreeMap::new();
        if from_events {
            for e in &events {
                if let Some(c) = e.case_id {
                    events_of.entry(c).or_default().push(e);
                }
            }
        }
        let org = self.org();
        let names = Names {
            org: &org,
            jurisdiction,
        };
        let calendar = self.calendar();
        let mut facts = Vec::with_capacity(cases.len());
        for c in &cases {
            let belongs = names.belongs(c, acted.get(&c.id), &staff);
            let cards = cards_of.remove(&c.id).unwrap_or_default();
            // Recomputing, a case without events is an error of the log, never read off its row.
            let replayed = from_events.then(|| events_of.get(&c.id).map_or(&[][..], Vec::as_slice));
            facts.push(case_facts(
                c, replayed, &calendar, period.to, belongs, cards,
            )?);
        }
        let mut table = Table::compute(grouping, period, &facts);
        self.attach_rating_figures(&mut table, jurisdiction, &scope.departments, period)
            .await?;
        Ok(Statistics {
            jurisdiction: jurisdiction.to_string(),
            jurisdiction_name: self.statistics_jurisdiction_name(jurisdiction),
            departments: scope.departments,
            table,
        })
    }

    /// Fills 好评率 and 差评整改率 from the ratings of the period ([`App::rating_rates`]): each
    /// department's row in the department grouping, and the total (of the departments read, when
    /// the reader is limited to some).
    async fn attach_rating_figures(
        &self,
        table: &mut Table,
        jurisdiction: &str,
        departments: &[String],
        period: Period,
    ) -> Result<()> {
        let rates = self
            .rating_rates(jurisdiction, period.from, period.to)
            .await?;
        let total = if departments.is_empty() {
            rates.total
        } else {
            let mine = rates
                .departments
                .iter()
                .filter(|d| departments.contains(&d.department));
            let (good, bad, rectified) = mine.fold((0, 0, 0), |(g, b, r), d| {
                (g + d.rates.good, b + d.rates.bad, r + d.rates.rectified)
            });
            Rates::of(good, bad, rectified)
        };
        let by_department = table.grouping == Grouping::Department;
        table.attach_ratings(|key| {
            if key.code.is_empty() {
                RatingFigures::of(&total)
            } else if by_department {
                rates
                    .departments
                    .iter()
                    .find(|d| d.department == key.code)
                    .and_then(|d| RatingFigures::of(&d.rates))
            } else {
                None
            }
        });
        Ok(())
    }
}

/// The facts of one case as of `to`: from the engine's case kept with the row, or replayed from
/// its events when they are given.
fn case_facts(
    c: &StatisticsCase,
    events: Option<&[&Event]>,
    calendar: &Calendar,
    to: NaiveDate,
    belongs: Belongs,
    cards: Vec<CardFact>,
) -> Result<CaseFacts> {
    let facts = ApplicantFacts::default();
    let ctx = Context {
        item: &c.body.0.item,
        calendar,
        applicant: &facts,
    };
    let case = match events {
        Some(events) => replay(c.id, events, &ctx)?,
        None => c.body.0.case.clone(),
    };
    // Time applied as the case views apply it (deemed acceptance, Art. 32(4)).
    let case = case.tick(to).map_or(case, |(next, _)| next);
    let clock = case.deadlines(&ctx, to)?;
    CaseFacts::of_case(&case, &ctx, &clock, belongs, cards).map_err(AppError::from)
}

/// The file name of an export: 「政务服务统计_汉阴县_按部门_2025-01-01_2025-12-31.xlsx」.
pub fn export_name(s: &Statistics, extension: &str) -> String {
    let p = s.table.period;
    format!(
        "政务服务统计_{}_按{}_{}_{}.{extension}",
        s.jurisdiction_name,
        s.table.grouping.label(),
        fmt_date(p.from),
        fmt_date(p.to)
    )
}

/// The table as CSV (UTF-8 with a byte-order mark, so that spreadsheet programs read the Chinese):
/// the headings, every row, the total last.
pub fn to_csv(s: &Statistics) -> Result<Vec<u8>> {
    write_csv(
        "统计表",
        s.table.headings(),
        s.table
            .body()
            .iter()
            .map(|row| row.iter().map(csv_cell).collect()),
    )
}

/// A CSV file of `what` (UTF-8 with a byte-order mark, so that a spreadsheet reads the Chinese):
/// the headings, then the rows as given.
pub(crate) fn write_csv(
    what: &str,
    headings: Vec<String>,
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Result<Vec<u8>> {
    let fail = |e: String| AppError::Internal(format!("{what}导出 CSV 失败：{e}"));
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    w.write_record(headings).map_err(|e| fail(e.to_string()))?;
    for row in rows {
        w.write_record(row).map_err(|e| fail(e.to_string()))?;
    }
    w.into_inner().map_err(|e| fail(e.to_string()))
}

/// A text as a CSV cell: one a spreadsheet would take for a formula (beginning with `=`, `+`,
/// `-` or `@`) is kept as text by a leading apostrophe.
pub(crate) fn csv_text(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

/// A cell of a table as CSV text (numbers as they are, texts through [`csv_text`]).
fn csv_cell(cell: &yiyin_domain::statistics::Cell) -> String {
    match cell {
        yiyin_domain::statistics::Cell::Text(t) => csv_text(t),
        _ => cell.text(),
    }
}

/// The name of the workbook's sheet.
pub const SHEET: &str = "政务服务统计";

/// The table as an Excel workbook: one sheet with the title, the headings, every row (counts as
/// numbers) and the total last.
pub fn to_xlsx(s: &Statistics) -> Result<Vec<u8>> {
    let title = format!("{} {}", s.jurisdiction_name, s.table.title());
    workbook(SHEET, &title, &s.table.headings(), &s.table.body())
}

/// A workbook of one sheet named `sheet`: the title (bold) in the first row, the headings (bold)
/// in the second, then every row (counts as numbers, texts as they are).
pub(crate) fn workbook(
    sheet: &str,
    title: &str,
    headings: &[String],
    body: &[Vec<yiyin_domain::statistics::Cell>],
) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    use yiyin_domain::statistics::Cell;
    let fail =
        |e: rust_xlsxwriter::XlsxError| AppError::Internal(format!("统计表导出 Excel 失败：{e}"));
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet().set_name(sheet).map_err(fail)?;
    ws.write_string_with_format(0, 0, title, &bold)
        .map_err(fail)?;
    for (c, h) in headings.iter().enumerate() {
        let c = u16::try_from(c).map_err(|_| AppError::Internal("统计表列数过多".into()))?;
        ws.write_string_with_format(1, c, h, &bold).map_err(fail)?;
    }
    for (r, row) in body.iter().enumerate() {
        let r = u32::try_from(r + 2).map_err(|_| AppError::Internal("统计表行数过多".into()))?;
        for (c, cell) in row.iter().enumerate() {
            let c = u16::try_from(c).map_err(|_| AppError::Internal("统计表列数过多".into()))?;
            match cell {
                // Counts are far below 2^53: exact as numbers.
                #[allow(clippy::cast_precision_loss)]
                Cell::Count(n) => ws.write_number(r, c, *n as f64),
                Cell::Text(t) => ws.write_string(r, c, t),
            }
            .map_err(fail)?;
        }
    }
    wb.save_to_buffer().map_err(fail)
}

/// A labelled choice for forms: every grouping a reader may pick (the public: no staff).
pub fn groupings(public: bool) -> Vec<(&'static str, &'static str)> {
    Grouping::ALL
        .iter()
        .filter(|g| !(public && **g == Grouping::Staff))
        .map(|g| (g.code(), g.label()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use yiyin_domain::statistics::Cell;

    #[test]
    fn a_csv_text_is_never_a_formula() {
        assert_eq!(csv_cell(&Cell::Text("=1+1".into())), "'=1+1");
        assert_eq!(csv_cell(&Cell::Text("@SUM(A1)".into())), "'@SUM(A1)");
        assert_eq!(csv_cell(&Cell::Text("—".into())), "—");
        assert_eq!(csv_cell(&Cell::Text("96.3%".into())), "96.3%");
        assert_eq!(csv_cell(&Cell::Count(7)), "7");
    }

    #[test]
    fn a_query_is_checked_field_by_field() {
        let today = NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
        let q = StatisticsQuery {
            jurisdiction: " hanyin ".into(),
            by: Some("事项".into()),
            ..StatisticsQuery::default()
        };
        let (j, p, g) = q.parse(today).unwrap();
        assert_eq!((j.as_str(), g), ("hanyin", Grouping::Item));
        assert_eq!(p.label(), "2025-01-01 至 2025-06-30");
        let bad = StatisticsQuery {
            to: Some("2025-06-31".into()),
            ..q
        };
        match bad.parse(today) {
            Err(AppError::Invalid { field, .. }) => assert_eq!(field.as_deref(), Some("to")),
            other => panic!("{other:?}"),
        }
    }
}
