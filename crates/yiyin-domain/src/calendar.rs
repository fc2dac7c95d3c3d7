//! The working-day calendar (《行政许可法》第八十二条).
//!
//! Owns the one definition of a working day used everywhere in Yiyin: Monday to Friday, minus the
//! State Council's holiday off-days, plus the weekend days it declares working days (调休上班).
//! Years come as data in the holiday-cn format; 2024–2026 are built in. A date in a year with no data
//! is an error naming the year — never a guess.
//!
//! * `add(D, N)` is the N-th working day strictly after `D` (day `D` itself never counts).
//! * `between(S, R)` is the number of working days `d` with `S < d <= R`.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use chrono::{DateTime, Datelike, Days, FixedOffset, NaiveDate, Utc, Weekday};
use serde::{Deserialize, Serialize};

/// The years whose data is compiled into Yiyin (`data/cn-calendar/YEAR.json`).
const BUILTIN: &[&str] = &[
    include_str!("../data/cn-calendar/2024.json"),
    include_str!("../data/cn-calendar/2025.json"),
    include_str!("../data/cn-calendar/2026.json"),
];

/// Errors of the calendar. Messages are shown to users as they are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error(
        "缺少{0}年的节假日数据，无法计算工作日；请由系统管理员导入{0}年的日历数据（holiday-cn 格式的 {0}.json）"
    )]
    MissingYear(i32),
    #[error("日历数据有误：{0}")]
    BadData(String),
}

/// What kind of day a date is, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum DayKind {
    /// An ordinary Monday–Friday.
    Workday,
    /// An ordinary Saturday or Sunday.
    Weekend,
    /// A statutory holiday off-day (including weekdays taken off in lieu).
    Holiday { name: String },
    /// A weekend day declared a working day (调休上班).
    AdjustedWorkday { name: String },
}

impl DayKind {
    pub fn is_workday(&self) -> bool {
        matches!(self, DayKind::Workday | DayKind::AdjustedWorkday { .. })
    }

    /// A short Chinese description, e.g. 「国庆节假期」 or 「周末」.
    pub fn describe(&self) -> String {
        match self {
            DayKind::Workday => "工作日".to_string(),
            DayKind::Weekend => "周末".to_string(),
            DayKind::Holiday { name } => format!("{name}假期"),
            DayKind::AdjustedWorkday { name } => format!("{name}调休上班"),
        }
    }
}

/// One year of data: the days that differ from the Monday–Friday rule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct YearData {
    special: HashMap<NaiveDate, (bool, String)>,
}

/// The holiday-cn file format: `{"year": 2025, "days": [{"name", "date", "isOffDay"}]}`.
#[derive(Debug, Deserialize, Serialize)]
pub struct YearFile {
    pub year: i32,
    pub days: Vec<YearFileDay>,
}

#[derive(Debug, Deserialize, Serialize)]
pub struct YearFileDay {
    pub name: String,
    pub date: String,
    #[serde(rename = "isOffDay")]
    pub is_off_day: bool,
}

/// The working-day calendar: a set of years with their holiday data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    years: BTreeMap<i32, YearData>,
}

impl Calendar {
    /// A calendar with no years at all.
    pub fn empty() -> Self {
        Self::default()
    }

    /// The calendar with the built-in years (2024–2026).
    pub fn builtin() -> Self {
        let mut cal = Self::empty();
        for text in BUILTIN {
            cal.load_year_json(text)
                .expect("built-in calendar data is valid");
        }
        cal
    }

    /// Parses one holiday-cn `YEAR.json` text without adding it.
    pub fn parse_year_json(text: &str) -> Result<YearFile, CalendarError> {
        let file: YearFile = serde_json::from_str(text).map_err(|e| {
            CalendarError::BadData(format!(
                "不是 holiday-cn 格式的 JSON（应为 {{\"year\":…,\"days\":[{{\"name\",\"date\",\"isOffDay\"}}]}}）：{e}"
            ))
        })?;
        if !(1949..=2200).contains(&file.year) {
            return Err(CalendarError::BadData(format!(
                "年份 {} 不在合理范围内",
                file.year
            )));
        }
        let mut seen = HashMap::new();
        for (i, day) in file.days.iter().enumerate() {
            let date = parse_date(&day.date).map_err(|_| {
                CalendarError::BadData(format!(
                    "第{}条的日期「{}」不是 YYYY-MM-DD 格式的有效日期",
                    i + 1,
                    day.date
                ))
            })?;
            if date.year() != file.year {
                return Err(CalendarError::BadData(format!(
                    "第{}条的日期 {} 不属于 {} 年",
                    i + 1,
                    day.date,
                    file.year
                )));
            }
            if day.name.trim().is_empty() {
                return Err(CalendarError::BadData(format!(
                    "第{}条（{}）缺少节日名称",
                    i + 1,
                    day.date
                )));
            }
            if seen.insert(date, i).is_some() {
                return Err(CalendarError::BadData(format!(
                    "日期 {} 重复出现",
                    day.date
                )));
            }
        }
        Ok(file)
    }

    /// Adds (or replaces) one year from a holiday-cn `YEAR.json` text. Returns the year.
    pub fn load_year_json(&mut self, text: &str) -> Result<i32, CalendarError> {
        let file = Self::parse_year_json(text)?;
        let mut data = YearData::default();
        for day in file.days {
            let date = parse_date(&day.date).expect("validated above");
            data.special.insert(date, (day.is_off_day, day.name));
        }
        self.years.insert(file.year, data);
        Ok(file.year)
    }

    /// The years this calendar has data for, in order.
    pub fn years(&self) -> Vec<i32> {
        self.years.keys().copied().collect()
    }

    /// Whether the calendar has data for the year of `date`.
    pub fn covers(&self, date: NaiveDate) -> bool {
        self.years.contains_key(&date.year())
    }

    /// What kind of day `date` is.
    pub fn day_kind(&self, date: NaiveDate) -> Result<DayKind, CalendarError> {
        let year = self
            .years
            .get(&date.year())
            .ok_or(CalendarError::MissingYear(date.year()))?;
        Ok(match year.special.get(&date) {
            Some((true, name)) => DayKind::Holiday { name: name.clone() },
            Some((false, name)) if is_weekend(date) => {
                DayKind::AdjustedWorkday { name: name.clone() }
            }
            _ if is_weekend(date) => DayKind::Weekend,
            _ => DayKind::Workday,
        })
    }

    pub fn is_workday(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        Ok(self.day_kind(date)?.is_workday())
    }

    /// The `n`-th working day strictly after `date`; `add(date, 0)` is `date` itself.
    pub fn add(&self, date: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        self.require(date)?;
        let mut day = date;
        let mut left = n;
        while left > 0 {
            day = next_day(day);
            if self.is_workday(day)? {
                left -= 1;
            }
        }
        Ok(day)
    }

    /// The number of working days `d` with `start < d <= end` (0 when `end <= start`).
    pub fn between(&self, start: NaiveDate, end: NaiveDate) -> Result<u32, CalendarError> {
        self.require(start)?;
        self.require(end)?;
        let mut count = 0;
        let mut day = start;
        while day < end {
            day = next_day(day);
            if self.is_workday(day)? {
                count += 1;
            }
        }
        Ok(count)
    }

    /// Every day in `(start, end]` with its kind: the detail behind `between` and `add`, for the
    /// explanations a clerk reads.
    pub fn days_in(
        &self,
        start: NaiveDate,
        end: NaiveDate,
    ) -> Result<Vec<(NaiveDate, DayKind)>, CalendarError> {
        self.require(start)?;
        let mut out = Vec::new();
        let mut day = start;
        while day < end {
            day = next_day(day);
            out.push((day, self.day_kind(day)?));
        }
        Ok(out)
    }

    /// Describes the days that `add(start, n)` skipped: e.g. 「跳过周末 4 天；国庆节假期 8 天」.
    pub fn explain_span(&self, start: NaiveDate, end: NaiveDate) -> Result<String, CalendarError> {
        let days = self.days_in(start, end)?;
        let mut weekend = 0;
        let mut adjusted: Vec<String> = Vec::new();
        let mut holidays: BTreeMap<String, (u32, NaiveDate, NaiveDate)> = BTreeMap::new();
        for (d, kind) in &days {
            match kind {
                DayKind::Weekend => weekend += 1,
                DayKind::Holiday { name } => {
                    let e = holidays.entry(name.clone()).or_insert((0, *d, *d));
                    e.0 += 1;
                    e.2 = *d;
                }
                DayKind::AdjustedWorkday { name } => {
                    adjusted.push(format!("{}（{}调休上班，计入）", fmt_date(*d), name))
                }
                DayKind::Workday => {}
            }
        }
        let working = days.iter().filter(|(_, k)| k.is_workday()).count();
        let mut parts = vec![format!(
            "{} 至 {} 共 {} 个自然日，其中工作日 {} 天",
            fmt_date(next_day(start)),
            fmt_date(end),
            days.len(),
            working
        )];
        if weekend > 0 {
            parts.push(format!("不计周末 {weekend} 天"));
        }
        for (name, (n, from, to)) in &holidays {
            parts.push(format!(
                "不计{name}假期 {n} 天（{}—{}）",
                fmt_date(*from),
                fmt_date(*to)
            ));
        }
        for a in adjusted {
            parts.push(a);
        }
        Ok(parts.join("；"))
    }

    /// This calendar with every year it lacks, from its first loaded year through `through`, filled
    /// by the Monday–Friday rule alone (no holidays, no adjusted working days): the deadlines shown
    /// as provisional (暂定) until a year's official data is loaded. No card is issued and nothing is
    /// stored on such a date. Returns the calendar and the years so filled.
    pub fn provisional_through(&self, through: i32) -> (Calendar, Vec<i32>) {
        let mut out = self.clone();
        let mut filled = Vec::new();
        if let Some(&first) = self.years.keys().next() {
            for year in first..=through {
                if let std::collections::btree_map::Entry::Vacant(e) = out.years.entry(year) {
                    e.insert(YearData::default());
                    filled.push(year);
                }
            }
        }
        (out, filled)
    }

    fn require(&self, date: NaiveDate) -> Result<(), CalendarError> {
        if self.covers(date) {
            Ok(())
        } else {
            Err(CalendarError::MissingYear(date.year()))
        }
    }
}

/// What a deadline computed on a provisional calendar ([`Calendar::provisional_through`]) says about
/// itself, naming the years it assumed.
pub fn provisional_note(years: &[i32]) -> String {
    let years: Vec<String> = years.iter().map(|y| format!("{y}年")).collect();
    format!(
        "暂定：{}的节假日数据尚未载入，涉及这些年份的期限暂按周一至周五为工作日推算（未计法定节假日和调休），待系统管理员载入后以正式日期为准；暂定日期不作为电子监察亮牌依据",
        years.join("、")
    )
}

/// China Standard Time (UTC+8): every date of the law is a local date there (`legal-rules.md` Part 1).
pub fn cst() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

/// The date of an instant in China Standard Time.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&cst()).date_naive()
}

/// An instant in China Standard Time, RFC 3339 to the second (how signatures and packages are dated).
pub fn local_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&cst())
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// Parses a `YYYY-MM-DD` date strictly (no other layout is accepted).
pub fn parse_date(text: &str) -> Result<NaiveDate, DateError> {
    let t = text.trim();
    let ok_shape = t.len() == 10
        && t.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !ok_shape {
        return Err(DateError(text.to_string()));
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| DateError(text.to_string()))
}

/// A text that is not a `YYYY-MM-DD` date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("「{0}」不是有效日期，日期格式应为 YYYY-MM-DD，例如 2025-10-09")]
pub struct DateError(pub String);

/// `YYYY-MM-DD`.
pub fn fmt_date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// `2025年10月9日`, the form used in formal documents.
pub fn fmt_date_cn(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

fn next_day(d: NaiveDate) -> NaiveDate {
    d.checked_add_days(Days::new(1)).expect("date in range")
}

impl fmt::Display for DayKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::d;
    use proptest::prelude::*;

    /// Checks `add(from, days) == to` for each (from, days, to) on the built-in calendar.
    fn assert_adds(cases: &[(&str, u32, &str)]) {
        let cal = Calendar::builtin();
        for &(from, days, to) in cases {
            assert_eq!(cal.add(d(from), days).unwrap(), d(to), "{from} + {days}");
        }
    }

    #[test]
    fn a_provisional_year_counts_weekends_only_and_says_so() {
        let cal = Calendar::builtin();
        // 2026-12-10 + 20 working days reaches into 2027, which is not loaded.
        assert_eq!(
            cal.add(d("2026-12-10"), 20),
            Err(CalendarError::MissingYear(2027))
        );
        let (provisional, filled) = cal.provisional_through(2027);
        assert_eq!(filled, vec![2027]);
        // 2026-12-11 … 12-31: 15 working days; then 2027-01-01 (a Friday, New Year's Day, counted
        // as provisional) … 01-07: 5 more.
        assert_eq!(
            provisional.add(d("2026-12-10"), 20).unwrap(),
            d("2027-01-07")
        );
        assert_eq!(
            provisional.day_kind(d("2027-01-02")).unwrap(),
            DayKind::Weekend
        );
        // The loaded years are untouched, and nothing is filled when nothing is missing.
        assert_eq!(
            provisional.day_kind(d("2026-10-01")).unwrap().describe(),
            "国庆节假期"
        );
        assert!(cal.provisional_through(2026).1.is_empty());
        assert!(
            provisional_note(&filled).contains("2027年")
                && provisional_note(&filled).starts_with("暂定")
        );
    }

    #[test]
    fn examples_of_legal_rules_part_1() {
        assert_adds(&[
            ("2025-09-26", 5, "2025-10-10"),
            ("2026-02-13", 5, "2026-02-27"),
            ("2026-01-01", 5, "2026-01-08"),
            ("2024-12-31", 20, "2025-02-05"),
        ]);
    }

    #[test]
    fn contract_example_dates() {
        // The rehearsal example of contracts.md §2.
        assert_adds(&[
            ("2025-10-09", 35, "2025-11-26"),
            ("2025-10-09", 25, "2025-11-12"),
            ("2025-11-05", 10, "2025-11-19"),
        ]);
        let cal = Calendar::builtin();
        assert_eq!(cal.between(d("2025-10-13"), d("2025-10-20")).unwrap(), 5);
    }

    #[test]
    fn adjusted_weekend_days_are_working_days() {
        let cal = Calendar::builtin();
        assert!(cal.is_workday(d("2025-09-28")).unwrap()); // Sunday, 国庆节调休
        assert!(cal.is_workday(d("2026-02-14")).unwrap()); // Saturday, 春节调休
        assert!(!cal.is_workday(d("2025-10-08")).unwrap()); // Wednesday off
        assert!(!cal.is_workday(d("2025-11-29")).unwrap()); // plain Saturday
        assert!(cal.is_workday(d("2025-11-28")).unwrap());
        assert_eq!(
            cal.day_kind(d("2025-10-01")).unwrap(),
            DayKind::Holiday {
                name: "国庆节、中秋节".into()
            }
        );
    }

    #[test]
    fn the_start_day_never_counts() {
        let cal = Calendar::builtin();
        // A filing on a holiday starts the count on the next working day.
        assert_eq!(cal.add(d("2025-10-01"), 1).unwrap(), d("2025-10-09"));
        assert_eq!(cal.between(d("2025-10-01"), d("2025-10-09")).unwrap(), 1);
        assert_eq!(cal.between(d("2025-10-09"), d("2025-10-09")).unwrap(), 0);
        assert_eq!(cal.between(d("2025-10-10"), d("2025-10-09")).unwrap(), 0);
    }

    #[test]
    fn unknown_years_are_errors_naming_the_year() {
        let cal = Calendar::builtin();
        assert_eq!(
            cal.is_workday(d("2023-06-01")),
            Err(CalendarError::MissingYear(2023))
        );
        assert_eq!(
            cal.add(d("2026-12-20"), 20),
            Err(CalendarError::MissingYear(2027))
        );
        let msg = cal.add(d("2026-12-20"), 20).unwrap_err().to_string();
        assert!(msg.contains("2027"), "{msg}");
    }

    #[test]
    fn a_year_can_be_added_as_data() {
        let mut cal = Calendar::builtin();
        let y = cal
            .load_year_json(
                r#"{"year":2027,"days":[{"name":"元旦","date":"2027-01-01","isOffDay":true}]}"#,
            )
            .unwrap();
        assert_eq!(y, 2027);
        assert!(!cal.is_workday(d("2027-01-01")).unwrap());
        assert!(cal.is_workday(d("2027-01-04")).unwrap());
    }

    #[test]
    fn bad_year_files_are_refused_with_reasons() {
        let mut cal = Calendar::empty();
        for (text, needle) in [
            ("{", "holiday-cn"),
            (
                r#"{"year":2027,"days":[{"name":"元旦","date":"2027-13-01","isOffDay":true}]}"#,
                "2027-13-01",
            ),
            (
                r#"{"year":2027,"days":[{"name":"元旦","date":"2028-01-01","isOffDay":true}]}"#,
                "不属于",
            ),
            (
                r#"{"year":2027,"days":[{"name":"元旦","date":"2027-01-01","isOffDay":true},{"name":"元旦","date":"2027-01-01","isOffDay":true}]}"#,
                "重复",
            ),
        ] {
            let err = cal.load_year_json(text).unwrap_err().to_string();
            assert!(err.contains(needle), "{err}");
        }
        assert!(cal.years().is_empty());
    }

    #[test]
    fn explanation_names_holidays_and_adjusted_days() {
        let cal = Calendar::builtin();
        let text = cal.explain_span(d("2025-09-26"), d("2025-10-10")).unwrap();
        assert!(text.contains("不计国庆节、中秋节假期 8 天"), "{text}");
        assert!(
            text.contains("2025-09-28（国庆节、中秋节调休上班，计入）"),
            "{text}"
        );
        assert!(text.contains("工作日 5 天"), "{text}");
    }

    #[test]
    fn strict_date_parsing() {
        assert!(parse_date("2025-1-01").is_err());
        assert!(parse_date("2025/01/01").is_err());
        assert!(parse_date("2025-02-29").is_err());
        assert_eq!(parse_date(" 2024-02-29 ").unwrap(), d("2024-02-29"));
    }

    fn any_date() -> impl Strategy<Value = NaiveDate> {
        (0i64..(366 * 3 - 60)).prop_map(|o| d("2024-01-01") + chrono::Duration::days(o))
    }

    proptest! {
        #[test]
        fn add_and_between_agree(start in any_date(), n in 1u32..40) {
            let cal = Calendar::builtin();
            let end = cal.add(start, n).unwrap();
            prop_assert_eq!(cal.between(start, end).unwrap(), n);
        }

        #[test]
        fn add_is_strictly_increasing_in_n(start in any_date(), n in 1u32..40) {
            let cal = Calendar::builtin();
            prop_assert!(cal.add(start, n).unwrap() < cal.add(start, n + 1).unwrap());
            prop_assert!(cal.add(start, n).unwrap() > start);
        }

        #[test]
        fn every_result_is_a_working_day(start in any_date(), n in 1u32..40) {
            let cal = Calendar::builtin();
            prop_assert!(cal.is_workday(cal.add(start, n).unwrap()).unwrap());
        }

        #[test]
        fn between_round_trips_on_working_days(a in any_date(), b in any_date()) {
            let cal = Calendar::builtin();
            let (s, r) = if a <= b { (a, b) } else { (b, a) };
            let n = cal.between(s, r).unwrap();
            if cal.is_workday(r).unwrap() && n > 0 {
                prop_assert_eq!(cal.add(s, n).unwrap(), r);
            }
            let listed = cal.days_in(s, r).unwrap().iter().filter(|(_, k)| k.is_workday()).count();
            prop_assert_eq!(listed as u32, n);
        }
    }
}
