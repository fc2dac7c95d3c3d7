//! Fixtures shared by the unit tests of the organisation's modules: dates, and a jurisdiction with a
//! history of renamings.

use chrono::NaiveDate;

use super::{FormerName, Jurisdiction, Organisation};

/// A date from its year, month and day.
pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The date of 安政办发〔2017〕144号.
pub fn plan_day() -> NaiveDate {
    day(2017, 12, 15)
}

/// A day in 2026, when every renaming the data knows of has happened.
pub fn now() -> NaiveDate {
    day(2026, 6, 1)
}

pub use crate::testing::d as date;

/// A former name carried until `until` (`YYYY-MM-DD`), with no division code or source.
pub fn former(name: &str, until: &str) -> FormerName {
    FormerName {
        name: name.into(),
        until: date(until),
        division_code: String::new(),
        sources: vec![],
    }
}

/// A county renamed on 2021-06-07 (县 → 市), its bureau with it, a department renamed twice
/// (the former names listed out of order), which left the hall on 2019-03-01 and ended on
/// 2024-01-01; and a township holding powers of its own.
pub fn renamed() -> Jurisdiction {
    let text = r#"
[[jurisdictions]]
code = "x"
name = "某某市"
kind = "county"
division_code = "610981"
reconsideration_body = "某某市人民政府"
court = "某某市人民法院"
former_names = [{ name = "某某县", until = "2021-06-07", division_code = "610928" }]

[jurisdictions.bureau]
name = "某某市行政审批服务局"
credit_code = "11610981MB0000000X"
seal_name = "某某市行政审批服务局行政审批专用章"
former_names = [{ name = "某某县行政审批服务局", until = "2021-06-07" }]

[[jurisdictions.departments]]
code = "ga"
name = "某某市公安局"
relation = "resident"
former_names = [{ name = "某某县公安局", until = "2021-06-07" }]

[[jurisdictions.departments]]
code = "zr"
name = "某某市自然资源局"
relation = "transferred"
former_names = [
  { name = "某某县国土资源局", until = "2019-03-01" },
  { name = "某某县自然资源局", until = "2021-06-07" },
]
former_relations = [{ relation = "resident", until = "2019-03-01" }]
ended_on = "2024-01-01"
successor = "ga"

[[jurisdictions.townships]]
code = "jc"
town = "涧池镇"
credit_code = "11610921MB0000001X"
villages = [{ code = "jc-v1", name = "涧池镇仁和村代办点" }]
"#;
    let org = Organisation::from_toml(text).unwrap();
    org.jurisdictions[0].clone()
}
