//! The sample catalog the tests publish (汉阴's 食品经营许可 HY-SC-001, an instant item, and a
//! green-list item HY-WG-001) and dates as the tests write them.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use yiyin_domain::calendar::parse_date;
use yiyin_domain::catalog::CatalogFile;

/// The sample catalog of 汉阴县.
pub fn catalog() -> CatalogFile {
    toml::from_str(include_str!("../fixtures/catalog.toml")).expect("the sample catalog")
}

pub fn date(text: &str) -> NaiveDate {
    parse_date(text).expect("a valid date")
}

/// 09:00 China Standard Time on a date.
pub fn at(text: &str) -> DateTime<Utc> {
    Utc.from_utc_datetime(&date(text).and_hms_opt(1, 0, 0).expect("valid time"))
}
