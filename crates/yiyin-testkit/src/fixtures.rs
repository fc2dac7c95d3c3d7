//! The sample catalog the tests publish (汉阴's 食品经营许可 HY-SC-001, an instant item, and a
//! green-list item HY-WG-001) and dates as the tests write them.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use yiyin_domain::calendar::parse_date;
use yiyin_domain::catalog::{CatalogFile, Item, LimitUnit};

/// The sample catalog of 汉阴县.
pub fn catalog() -> CatalogFile {
    toml::from_str(include_str!("../fixtures/catalog.toml")).expect("the sample catalog")
}

/// The sample catalog's item of `code`.
#[track_caller]
pub fn sample_item(code: &str) -> Item {
    catalog()
        .items
        .into_iter()
        .find(|i| i.code == code)
        .unwrap_or_else(|| panic!("no {code} in the sample catalog"))
}

/// Puts an item under a law of its own that counts its limits in calendar days: 60 statutory and
/// 30 promised days, `basis` (added to the item's legal bases) the basis of its limits.
pub fn in_calendar_days(item: &mut Item, basis: &str) {
    item.legal_basis.push(basis.into());
    item.statutory_days = 60;
    item.promised_days = 30;
    item.limit_unit = LimitUnit::CalendarDays;
    item.limit_basis = basis.into();
}

/// A date as the tests write it (`2025-03-03`).
pub fn date(text: &str) -> NaiveDate {
    parse_date(text).expect("a valid date")
}

/// 09:00 China Standard Time on a date.
pub fn at(text: &str) -> DateTime<Utc> {
    Utc.from_utc_datetime(&date(text).and_hms_opt(1, 0, 0).expect("valid time"))
}

/// The events of an application for HY-SC-001 received at the window with a material missing,
/// supplemented after the notice, accepted, reviewed, decided and licensed.
pub const SUPPLEMENTED_TO_LICENCE: [&str; 7] = [
    "receive",
    "notify_supplement",
    "supplement",
    "accept",
    "complete_step",
    "decide",
    "issue_certificate",
];

/// The documents issued on the way, in order.
pub const SUPPLEMENTED_DOCUMENTS: [&str; 5] = [
    "收件凭证",
    "补正材料通知书",
    "受理通知书",
    "准予行政许可决定书",
    "食品经营许可证",
];

/// Asserts that `text` says each of `phrases`.
#[track_caller]
pub fn assert_says(text: &str, phrases: &[&str]) {
    for phrase in phrases {
        assert!(text.contains(phrase), "«{phrase}» not in: {text}");
    }
}
