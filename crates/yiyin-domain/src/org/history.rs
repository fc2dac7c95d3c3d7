//! Time-aware names: the names a body carried before its current one, and which name is valid on a
//! date (what a document dated then prints). The same rule picks a department's relation to the
//! bureau on a date.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::sources::Source;

/// A name a body carried until a date (its current name is carried from `until` on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FormerName {
    pub name: String,
    /// The first day on which the name was no longer carried.
    pub until: NaiveDate,
    /// For a jurisdiction: its division code under that name (旬阳县 610928 → 旬阳市 610981).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub division_code: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Source>,
}

impl FormerName {
    /// The former name written on one line, as the organisation form shows and reads it:
    /// 「名称｜停用日期」, then the division code under that name if any, then each source
    /// (「种类：出处」), each after a further 「｜」.
    pub fn line(&self) -> String {
        let mut line = format!("{}｜{}", self.name, self.until);
        if !self.division_code.is_empty() {
            line.push_str(&format!("｜{}", self.division_code));
        }
        for s in &self.sources {
            line.push_str(&format!("｜{}", s.line()));
        }
        line
    }
}

/// The name valid on `date`: the earliest former name still carried then, else `current`.
/// `former` may be in any order.
pub fn name_on<'a>(current: &'a str, former: &'a [FormerName], date: NaiveDate) -> &'a str {
    in_force_on(former, |f| f.until, date).map_or(current, |f| f.name.as_str())
}

/// The entry of a history that is in force on `date`: of the entries that end (`until`) after
/// `date`, the one that ends first; `None` when the current value holds. `history` may be in any
/// order.
pub(super) fn in_force_on<T>(
    history: &[T],
    until: impl Fn(&T) -> NaiveDate,
    date: NaiveDate,
) -> Option<&T> {
    history
        .iter()
        .filter(|e| date < until(e))
        .min_by_key(|e| until(e))
}
#[cfg(test)]
mod tests {
    use crate::org::DepartmentRelation;
    use crate::org::fixtures::{date, renamed};

    #[test]
    fn names_relations_and_existence_follow_the_date() {
        let j = renamed();
        assert_eq!(j.name_on(date("2021-06-06")), "某某县");
        assert_eq!(j.name_on(date("2021-06-07")), "某某市");
        let b = j.bureau.as_ref().unwrap();
        assert_eq!(
            b.seal_name_on(date("2020-01-01")),
            "某某县行政审批服务局行政审批专用章"
        );
        assert_eq!(
            b.seal_name_on(date("2026-01-01")),
            "某某市行政审批服务局行政审批专用章"
        );
        let zr = j.department("zr").unwrap();
        assert_eq!(zr.name_on(date("2018-12-31")), "某某县国土资源局");
        assert_eq!(zr.name_on(date("2019-03-01")), "某某县自然资源局");
        assert_eq!(zr.name_on(date("2021-06-07")), "某某市自然资源局");
        assert_eq!(
            zr.relation_on(date("2019-02-28")),
            DepartmentRelation::Resident
        );
        assert_eq!(
            zr.relation_on(date("2019-03-01")),
            DepartmentRelation::Transferred
        );
        assert!(zr.exists_on(date("2023-12-31")));
        assert!(!zr.exists_on(date("2024-01-01")));
        assert_eq!(
            j.department_name_on("zr", date("2018-01-01")),
            "某某县国土资源局"
        );
        assert_eq!(
            j.department_name_on("", date("2018-01-01")),
            "某某县行政审批服务局"
        );
    }
}
