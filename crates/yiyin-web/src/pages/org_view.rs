//! The organisation as people read it: each body under its current name, with its former names and
//! the month each stopped being carried, how it is managed, how it stands to the bureau today
//! (pending residence labelled), ended bodies with the body that took over their duties, and where
//! each entry's facts come from (shown to administrators). Shared by the public 机构概况 page and the
//! administrator's organisation page. It never carries internal codes: every body is named.

use chrono::{Datelike, NaiveDate};
use yiyin_domain::org::{Department, DepartmentRelation, FormerName, Jurisdiction};
use yiyin_domain::sources::{self, Source};

/// The words that mark an entry whose facts are assumed for the demo.
pub const ASSUMED_MARK: &str = "演示数据（假定）";

/// 「2019年3月」
pub fn month_label(date: NaiveDate) -> String {
    format!("{}年{}月", date.year(), date.month())
}

/// 「曾用名：汉阴县国土资源局（至2019年3月）、…」, oldest first; '' when there is none. A former
/// division code (a public code) is shown with the name.
pub fn former_label(former: &[FormerName]) -> String {
    if former.is_empty() {
        return String::new();
    }
    let mut former: Vec<&FormerName> = former.iter().collect();
    former.sort_by_key(|f| f.until);
    let names: Vec<String> = former
        .iter()
        .map(|f| {
            if f.division_code.is_empty() {
                format!("{}（至{}）", f.name, month_label(f.until))
            } else {
                format!(
                    "{}（区划代码{}，至{}）",
                    f.name,
                    f.division_code,
                    month_label(f.until)
                )
            }
        })
        .collect();
    format!("曾用名：{}", names.join("、"))
}

/// One body (the jurisdiction, its bureau, a department, a hall, a township) as shown.
#[derive(Debug, Clone, Default)]
pub struct Body {
    pub name: String,
    /// 「曾用名：…（至2019年3月）」 or ''.
    pub former: String,
    /// 「此前：待进驻大厅（暂在本部门办理）（至2026年5月）」 for a department whose relation to the
    /// bureau changed; ''.
    pub history: String,
    /// 「属地管理」, 「垂直管理」, 「双重管理」 for departments; '' otherwise.
    pub management: &'static str,
    /// 「已撤并，职责由…承继」 for an ended body; ''.
    pub ended: String,
    /// Waits to enter the hall (待进驻).
    pub pending: bool,
    /// The administrator's note (not shown to the public).
    pub note: String,
    /// Its sources, one line each (「公开文件：《…》」).
    pub sources: Vec<String>,
    /// Some source is an assumption made for the demo.
    pub assumed: bool,
}

impl Body {
    fn with_sources(mut self, s: &[Source]) -> Self {
        self.sources = s.iter().map(Source::line).collect();
        self.assumed = sources::is_assumed(s);
        self
    }
}

/// A group of departments of one relation to the bureau.
#[derive(Debug, Clone, Default)]
pub struct Group {
    pub title: &'static str,
    pub bodies: Vec<Body>,
}

/// A service hall and its windows (by name).
#[derive(Debug, Clone, Default)]
pub struct Hall {
    pub body: Body,
    pub address: String,
    pub hours: String,
    pub phone: String,
    pub windows: Vec<String>,
}

/// A township: its government (the authority), its convenience centre and village points (places).
#[derive(Debug, Clone, Default)]
pub struct Township {
    pub body: Body,
    pub centre: String,
    pub credit_code: String,
    pub villages: Vec<String>,
}

/// The whole of a jurisdiction's organisation as shown on `today`.
#[derive(Debug, Clone, Default)]
pub struct OrgView {
    pub jurisdiction: Body,
    pub bureau: Option<Body>,
    /// The departments that exist today, by relation.
    pub groups: Vec<Group>,
    /// The departments that no longer exist.
    pub ended: Vec<Body>,
    pub halls: Vec<Hall>,
    pub townships: Vec<Township>,
    /// The names of the entries whose facts are assumed for the demo.
    pub assumed: Vec<String>,
}

impl OrgView {
    pub fn of(j: &Jurisdiction, today: NaiveDate) -> Self {
        let mut view = OrgView {
            jurisdiction: Body {
                name: j.name.clone(),
                former: former_label(&j.former_names),
                ..Body::default()
            }
            .with_sources(&j.sources),
            bureau: j.bureau.as_ref().map(|b| {
                Body {
                    name: b.name.clone(),
                    former: former_label(&b.former_names),
                    ..Body::default()
                }
                .with_sources(&b.sources)
            }),
            ..OrgView::default()
        };
        for relation in DepartmentRelation::ALL {
            let bodies: Vec<Body> = j
                .departments
                .iter()
                .filter(|d| d.exists_on(today) && d.relation_on(today) == relation)
                .map(|d| department(j, d, today))
                .collect();
            if !bodies.is_empty() {
                view.groups.push(Group {
                    title: group_title(relation),
                    bodies,
                });
            }
        }
        view.ended = j
            .departments
            .iter()
            .filter(|d| !d.exists_on(today))
            .map(|d| department(j, d, today))
            .collect();
        view.halls = j
            .halls
            .iter()
            .map(|h| Hall {
                body: Body {
                    name: h.name.clone(),
                    ..Body::default()
                }
                .with_sources(&h.sources),
                address: h.address.clone(),
                hours: h.hours.clone(),
                phone: h.phone.clone(),
                windows: h
                    .windows
                    .iter()
                    .map(
                        |w| match w.department.as_deref().and_then(|d| j.department(d)) {
                            Some(d) if !w.name.contains(d.name.as_str()) => {
                                format!("{}（{}）", w.name, d.name)
                            }
                            _ => w.name.clone(),
                        },
                    )
                    .collect(),
            })
            .collect();
        view.townships = j
            .townships
            .iter()
            .map(|t| Township {
                body: Body {
                    name: t.government(),
                    ..Body::default()
                }
                .with_sources(&t.sources),
                centre: t.name(),
                credit_code: t.credit_code.clone(),
                villages: t.villages.iter().map(|v| v.name.clone()).collect(),
            })
            .collect();
        let all = std::iter::once(&view.jurisdiction)
            .chain(view.bureau.as_ref())
            .chain(view.groups.iter().flat_map(|g| &g.bodies))
            .chain(&view.ended)
            .chain(view.halls.iter().map(|h| &h.body))
            .chain(view.townships.iter().map(|t| &t.body));
        view.assumed = all.filter(|b| b.assumed).map(|b| b.name.clone()).collect();
        view
    }

    /// 「本页共 3 项机构信息为演示假定：…」, '' when nothing is assumed.
    pub fn assumed_summary(&self) -> String {
        if self.assumed.is_empty() {
            return String::new();
        }
        format!(
            "本页共 {} 项机构信息为演示假定（标有“{ASSUMED_MARK}”），上线前须以正式资料核实替换：{}。",
            self.assumed.len(),
            self.assumed.join("、")
        )
    }
}

fn group_title(r: DepartmentRelation) -> &'static str {
    match r {
        DepartmentRelation::Transferred => "审批权已划转审批局的部门（现负责监管）",
        DepartmentRelation::Resident => "进驻大厅审批的部门",
        DepartmentRelation::PendingResidence => "待进驻大厅的部门（暂在本部门办理）",
        DepartmentRelation::TechnicalInstitution => "技术审查机构",
        DepartmentRelation::ServiceUnit => "审批局内设服务机构",
        DepartmentRelation::CountyUnit => "县级服务机构（不属审批局）",
    }
}

fn department(j: &Jurisdiction, d: &Department, today: NaiveDate) -> Body {
    let ended = match (d.exists_on(today), d.ended_on) {
        (false, Some(end)) => {
            // A successor is named, never shown by its code.
            let heir = d
                .successor
                .as_deref()
                .and_then(|s| j.department(s))
                .map(|x| x.name.clone());
            match heir {
                Some(heir) => format!("已撤并，职责由{heir}承继（{}起）", month_label(end)),
                None => format!("已撤销（{}起）", month_label(end)),
            }
        }
        _ => String::new(),
    };
    let relation = d.relation_on(today);
    let mut before: Vec<_> = d.former_relations.iter().collect();
    before.sort_by_key(|f| f.until);
    let history = before
        .iter()
        .map(|f| format!("{}（至{}）", f.relation.label(), month_label(f.until)))
        .collect::<Vec<_>>();
    Body {
        name: d.name.clone(),
        former: former_label(&d.former_names),
        history: if history.is_empty() {
            String::new()
        } else {
            format!("此前：{}", history.join("、"))
        },
        management: d.management.label(),
        ended,
        pending: relation == DepartmentRelation::PendingResidence,
        note: d.note.clone(),
        ..Body::default()
    }
    .with_sources(&d.sources)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn former_names_read_with_the_month_they_ended() {
        let d = |y, m| NaiveDate::from_ymd_opt(y, m, 1).unwrap();
        let former = vec![
            FormerName {
                name: "汉阴县国土资源局".into(),
                until: d(2019, 3),
                division_code: String::new(),
                sources: vec![],
            },
            FormerName {
                name: "汉阴县国土局".into(),
                until: d(2010, 1),
                division_code: String::new(),
                sources: vec![],
            },
        ];
        assert_eq!(
            former_label(&former),
            "曾用名：汉阴县国土局（至2010年1月）、汉阴县国土资源局（至2019年3月）"
        );
        assert_eq!(former_label(&[]), "");
    }

    #[test]
    fn an_ended_department_names_its_successor_and_no_code() {
        let mut org = yiyin_domain::org::Organisation::builtin();
        let j = org
            .jurisdictions
            .iter_mut()
            .find(|j| j.code == "hanyin")
            .unwrap();
        let heir = j.departments[1].clone();
        let d = &mut j.departments[0];
        d.ended_on = NaiveDate::from_ymd_opt(2019, 3, 1);
        d.successor = Some(heir.code.clone());
        let today = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        let view = OrgView::of(j, today);
        assert_eq!(view.ended.len(), 1);
        assert_eq!(
            view.ended[0].ended,
            format!("已撤并，职责由{}承继（2019年3月起）", heir.name)
        );
        assert!(!view.ended[0].ended.contains(&heir.code));

        // A department that waited to enter the hall says so, by month.
        let d = &mut j.departments[1];
        d.relation = DepartmentRelation::Resident;
        d.former_relations = vec![yiyin_domain::org::FormerRelation {
            relation: DepartmentRelation::PendingResidence,
            until: NaiveDate::from_ymd_opt(2026, 5, 1).unwrap(),
            sources: vec![],
        }];
        let view = OrgView::of(j, today);
        let pending = view
            .groups
            .iter()
            .flat_map(|g| &g.bodies)
            .find(|b| b.name == heir.name)
            .unwrap();
        assert!(pending.pending, "before May it still waits");
        let later = OrgView::of(j, NaiveDate::from_ymd_opt(2026, 6, 1).unwrap());
        let resident = later
            .groups
            .iter()
            .flat_map(|g| &g.bodies)
            .find(|b| b.name == heir.name)
            .unwrap();
        assert!(!resident.pending);
        assert_eq!(
            resident.history,
            "此前：待进驻大厅（暂在本部门办理）（至2026年5月）"
        );
    }
}
