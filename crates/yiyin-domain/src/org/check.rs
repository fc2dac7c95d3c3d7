//! Validation of an organisation file: codes unique and well formed, every reference resolving,
//! histories that hold together, and bounded texts.

use super::{DepartmentRelation, FormerName, Jurisdiction, OrgError, Organisation};
use crate::sources::Source;

impl Organisation {
    /// Checks that codes are unique and every reference resolves.
    pub fn check(&self) -> Result<(), OrgError> {
        let mut seen = std::collections::HashSet::new();
        for j in &self.jurisdictions {
            check_code(&j.code)?;
            if !seen.insert(j.code.as_str()) {
                return Err(OrgError(format!("县区代码「{}」重复", j.code)));
            }
        }
        for j in &self.jurisdictions {
            if let Some(p) = &j.parent
                && self.jurisdiction(p).is_none()
            {
                return Err(OrgError(format!("{}的上级「{p}」不存在", j.name)));
            }
            if let Some(days) = j.push_ack_days
                && !(1..=20).contains(&days)
            {
                return Err(OrgError(format!(
                    "{}的推送签收期限（push_ack_days）应为1至20个工作日，现为{days}",
                    j.name
                )));
            }
            let mut codes = std::collections::HashSet::new();
            let units = j
                .departments
                .iter()
                .map(|d| d.code.as_str())
                .chain(j.halls.iter().map(|h| h.code.as_str()))
                .chain(
                    j.halls
                        .iter()
                        .flat_map(|h| h.windows.iter().map(|w| w.code.as_str())),
                )
                .chain(j.townships.iter().map(|t| t.code.as_str()))
                .chain(
                    j.townships
                        .iter()
                        .flat_map(|t| t.villages.iter().map(|v| v.code.as_str())),
                );
            for code in units {
                check_code(code)?;
                if !codes.insert(code) {
                    return Err(OrgError(format!("{}内机构代码「{code}」重复", j.name)));
                }
            }
            for w in j.halls.iter().flat_map(|h| &h.windows) {
                if let Some(d) = &w.department
                    && j.department(d).is_none()
                {
                    return Err(OrgError(format!(
                        "{}窗口「{}」所属部门「{d}」不存在",
                        j.name, w.name
                    )));
                }
            }
            j.check_history()?;
        }
        Ok(())
    }
}

/// The longest former name, and the longest source citation, an organisation entry may carry.
const MAX_NAME_CHARS: usize = 100;
const MAX_CITE_CHARS: usize = 300;

impl Jurisdiction {
    /// Checks the history of the jurisdiction and of its bodies: former names and relations each
    /// with their own end date, successors that are departments of the same jurisdiction, ended
    /// bodies that no longer work from the hall, and bounded texts.
    fn check_history(&self) -> Result<(), OrgError> {
        check_former_names(&self.name, &self.former_names)?;
        check_sources(&self.name, &self.sources)?;
        if let Some(b) = &self.bureau {
            check_former_names(&b.name, &b.former_names)?;
            check_sources(&b.name, &b.sources)?;
        }
        for d in &self.departments {
            check_former_names(&d.name, &d.former_names)?;
            check_sources(&d.name, &d.sources)?;
            let mut untils = std::collections::HashSet::new();
            for r in &d.former_relations {
                if !untils.insert(r.until) {
                    return Err(OrgError(format!(
                        "{}有两项原与审批局关系的截止日期同为{}",
                        d.name, r.until
                    )));
                }
                check_sources(&d.name, &r.sources)?;
            }
            if let Some(s) = &d.successor
                && (s == &d.code || self.department(s).is_none())
            {
                return Err(OrgError(format!(
                    "{}的承继部门「{s}」不是{}的另一个部门",
                    d.name, self.name
                )));
            }
            if d.ended_on.is_some()
                && matches!(
                    d.relation,
                    DepartmentRelation::Resident | DepartmentRelation::PendingResidence
                )
            {
                return Err(OrgError(format!(
                    "{}已撤销（{}），不能再登记为「{}」",
                    d.name,
                    d.ended_on.map(|e| e.to_string()).unwrap_or_default(),
                    d.relation.label()
                )));
            }
        }
        for h in &self.halls {
            check_sources(&h.name, &h.sources)?;
        }
        for t in &self.townships {
            check_sources(&t.name(), &t.sources)?;
        }
        Ok(())
    }
}

/// A body's former names: each named, bounded, ending on a day of its own.
fn check_former_names(body: &str, former: &[FormerName]) -> Result<(), OrgError> {
    let mut untils = std::collections::HashSet::new();
    for f in former {
        let name = f.name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
            return Err(OrgError(format!(
                "{body}的曾用名须填写，且不超过{MAX_NAME_CHARS}个字符"
            )));
        }
        if !f.division_code.is_empty()
            && (f.division_code.len() != 6 || !f.division_code.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(OrgError(format!(
                "{body}曾用名「{name}」的行政区划代码应为6位数字"
            )));
        }
        if !untils.insert(f.until) {
            return Err(OrgError(format!(
                "{body}有两个曾用名的停用日期同为{}，每个曾用名须有各自的停用日期",
                f.until
            )));
        }
        check_sources(body, &f.sources)?;
    }
    Ok(())
}

/// Sources: each cites something, within bounds.
fn check_sources(body: &str, sources: &[Source]) -> Result<(), OrgError> {
    for s in sources {
        let n = s.cite.trim().chars().count();
        if n == 0 || n > MAX_CITE_CHARS {
            return Err(OrgError(format!(
                "{body}的数据来源（{}）须写明出处，且不超过{MAX_CITE_CHARS}个字符",
                s.kind.label()
            )));
        }
    }
    Ok(())
}

/// Checks the code of a jurisdiction or of a unit in it (lower-case letters, digits, `-`, `_`).
pub fn check_code(code: &str) -> Result<(), OrgError> {
    let ok = !code.is_empty()
        && code.len() <= 40
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(OrgError(format!(
            "代码「{code}」只能由小写字母、数字、-、_ 组成，且不超过40个字符"
        )))
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::fixtures::{former, renamed};

    #[test]
    fn codes_are_lower_case_letters_digits_and_dashes() {
        assert!(check_code("fgj").is_ok());
        assert!(check_code("Bad Code").unwrap_err().0.contains("小写字母"));
    }

    #[test]
    fn bad_references_are_refused() {
        let text = r#"
[[jurisdictions]]
code = "x"
name = "某县"
kind = "county"
parent = "nowhere"
division_code = "610000"
"#;
        let err = Organisation::from_toml(text).unwrap_err().to_string();
        assert!(err.contains("nowhere"), "{err}");
    }

    #[test]
    fn acknowledgement_days_are_bounded() {
        let mut org = Organisation::builtin();
        org.jurisdictions[0].push_ack_days = Some(0);
        let err = org.check().unwrap_err().to_string();
        assert!(err.contains("推送签收期限"), "{err}");
        org.jurisdictions[0].push_ack_days = Some(3);
        assert!(org.check().is_ok());
    }

    #[test]
    fn histories_that_do_not_hold_together_are_refused() {
        let base = Organisation {
            jurisdictions: vec![renamed()],
        };
        assert!(base.check().is_ok());
        let refused = |change: &dyn Fn(&mut Jurisdiction), expect: &str| {
            let mut org = base.clone();
            change(&mut org.jurisdictions[0]);
            let err = org.check().unwrap_err().to_string();
            assert!(err.contains(expect), "{err}");
        };
        refused(
            &|j| {
                j.former_names.push(former("某某镇", "2021-06-07"));
            },
            "停用日期同为2021-06-07",
        );
        refused(
            &|j| j.departments[1].successor = Some("nowhere".into()),
            "承继部门「nowhere」",
        );
        refused(
            &|j| j.departments[1].successor = Some("zr".into()),
            "承继部门「zr」",
        );
        refused(
            &|j| j.departments[1].relation = DepartmentRelation::PendingResidence,
            "已撤销",
        );
        refused(
            &|j| {
                j.departments[0]
                    .former_names
                    .push(former(&"名".repeat(101), "2000-01-01"))
            },
            "曾用名须填写",
        );
        refused(
            &|j| j.former_names[0].division_code = "61".into(),
            "6位数字",
        );
        refused(
            &|j| {
                j.departments[0].sources.push(Source {
                    kind: crate::sources::SourceKind::Document,
                    cite: " ".into(),
                })
            },
            "须写明出处",
        );
    }
}
