//! Bundles in the catalog (一件事一次办, 并联审批; Art. 26, 42 para 2): a bundle's definition as the
//! catalog publishes it, versioned like items — its code, name, lead department (牵头部门), member
//! items (each keeping its own rules), the situations (情形) that add or drop members — and what
//! it resolves to for one application: the members chosen and the merged material list, a material
//! several members need asked for once. The bundle's clock and actions are
//! `crate::engine::Bundle`'s; this module only says what a bundle is made of.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{FieldError, Item, valid_code};
use crate::engine::{BundleDef, BundleMember, ItemRules, MaterialRule};
use crate::text::{TextKind, check};

/// A situation (情形) of an application that adds or drops member items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Situation {
    pub code: String,
    /// What the applicant is asked, e.g. 「经营场所涉及娱乐项目」.
    pub name: String,
    /// Member items the situation adds (codes of catalog items).
    #[serde(default)]
    pub adds: Vec<String>,
    /// Member items the situation drops.
    #[serde(default)]
    pub drops: Vec<String>,
}

/// A bundle as the catalog defines it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BundleSpec {
    pub code: String,
    pub name: String,
    /// The lead department (牵头部门), by its code.
    pub lead_department: String,
    /// The member items every application has (codes of catalog items), in order.
    pub members: Vec<String>,
    #[serde(default)]
    pub situations: Vec<Situation>,
}

/// One published version of a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BundleVersion {
    pub jurisdiction: String,
    pub code: String,
    pub version: u32,
    pub effective_on: NaiveDate,
    pub spec: BundleSpec,
    pub note: String,
    pub published_on: NaiveDate,
    pub published_by: String,
}

/// One material of the merged list: its code in the bundle, its name, and the members' own codes
/// for it (`(item code, material code)`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergedMaterial {
    pub code: String,
    pub name: String,
    pub members: Vec<(String, String)>,
}

/// What a bundle resolves to for one application: the engine's definition (members with their own
/// limits, the merged materials) and where each merged material comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolved {
    pub def: BundleDef,
    pub materials: Vec<MergedMaterial>,
    /// The situations chosen.
    pub situations: Vec<String>,
}

impl Resolved {
    /// A member item's own code for a merged material, if the member needs it.
    pub fn own_code(&self, item_code: &str, merged: &str) -> Option<String> {
        self.materials
            .iter()
            .find(|m| m.code == merged)?
            .members
            .iter()
            .find(|(i, _)| i == item_code)
            .map(|(_, c)| c.clone())
    }

    /// The merged materials a member item needs.
    pub fn materials_of(&self, item_code: &str) -> Vec<&MergedMaterial> {
        self.materials
            .iter()
            .filter(|m| m.members.iter().any(|(i, _)| i == item_code))
            .collect()
    }
}

fn err(field: impl Into<String>, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        message: message.into(),
    }
}

impl BundleSpec {
    /// Checks the definition against the catalog in force (`items`): a code and a name, a lead
    /// department that is one of the members' departments, members that are catalog items, not
    /// instant ones, each listed once, and situations adding or dropping only items.
    pub fn validate(&self, items: &[Item]) -> Result<(), FieldError> {
        if !valid_code(&self.code) {
            return Err(err(
                "code",
                "一件事编码只能由字母、数字和连字符组成，且不能为空",
            ));
        }
        if self.name.trim().is_empty() {
            return Err(err("name", "一件事名称不能为空"));
        }
        check("name", &self.name, TextKind::Name).map_err(|e| err(e.field, e.reason))?;
        if self.members.is_empty() {
            return Err(err("members", "一件事至少应包含一个成员事项"));
        }
        let known = |code: &str, field: &str| -> Result<&Item, FieldError> {
            items
                .iter()
                .find(|i| i.code == code)
                .ok_or_else(|| err(field, format!("事项「{code}」不在本县区现行的事项目录中")))
        };
        let mut seen: Vec<&str> = Vec::new();
        for (i, code) in self.members.iter().enumerate() {
            let field = format!("members[{i}]");
            let item = known(code, &field)?;
            if item.handling_class == super::HandlingClass::Instant {
                return Err(err(
                    field,
                    format!("事项「{}」是即办件，不能作为联合办理的成员事项", item.name),
                ));
            }
            if seen.contains(&code.as_str()) {
                return Err(err(field, format!("成员事项「{code}」重复")));
            }
            seen.push(code);
        }
        for (i, s) in self.situations.iter().enumerate() {
            let field = format!("situations[{i}]");
            if s.code.trim().is_empty() || s.name.trim().is_empty() {
                return Err(err(field, "情形应有编码和名称"));
            }
            for (j, code) in s.adds.iter().chain(&s.drops).enumerate() {
                let item = known(code, &format!("{field}.items[{j}]"))?;
                if item.handling_class == super::HandlingClass::Instant {
                    return Err(err(
                        field,
                        format!("事项「{}」是即办件，不能作为联合办理的成员事项", item.name),
                    ));
                }
            }
        }
        let departments: Vec<&str> = self
            .members
            .iter()
            .filter_map(|c| items.iter().find(|i| &i.code == c))
            .map(|i| i.department.as_str())
            .collect();
        if !departments.contains(&self.lead_department.as_str()) {
            return Err(err(
                "lead_department",
                format!(
                    "牵头部门「{}」应是成员事项的实施部门之一",
                    self.lead_department
                ),
            ));
        }
        Ok(())
    }

    /// The member item codes of an application in these situations: the bundle's members, those
    /// the situations add, less those they drop, in order, each once.
    pub fn members_for(&self, situations: &[String]) -> Result<Vec<String>, FieldError> {
        let mut out = self.members.clone();
        for code in situations {
            let s = self
                .situations
                .iter()
                .find(|s| &s.code == code)
                .ok_or_else(|| {
                    err(
                        "situations",
                        format!("一件事「{}」没有情形「{code}」", self.name),
                    )
                })?;
            for a in &s.adds {
                if !out.contains(a) {
                    out.push(a.clone());
                }
            }
            out.retain(|m| !s.drops.contains(m));
        }
        if out.is_empty() {
            return Err(err("situations", "所选情形去掉了全部成员事项"));
        }
        Ok(out)
    }

    /// Resolves the bundle for an application in `situations`, with the member items in force
    /// (`items` must hold each of them): each member keeps its own limits (its promised limit
    /// within min(N, 45), Art. 42 para 2); a material of the same name needed by several members is
    /// asked for once, under the first member's code (another member's material whose code is
    /// taken already is named `<item>/<code>`).
    pub fn resolve(&self, items: &[Item], situations: &[String]) -> Result<Resolved, FieldError> {
        let codes = self.members_for(situations)?;
        let mut members = Vec::new();
        let mut materials: Vec<MergedMaterial> = Vec::new();
        let mut rules: Vec<MaterialRule> = Vec::new();
        for code in &codes {
            let item = items.iter().find(|i| &i.code == code).ok_or_else(|| {
                err(
                    "members",
                    format!("事项「{code}」不在本县区现行的事项目录中"),
                )
            })?;
            let member = BundleMember {
                code: item.code.clone(),
                name: item.name.clone(),
                statutory_days: item.statutory_days,
                promised_days: 0,
            };
            members.push(BundleMember {
                promised_days: item.promised_days.clamp(1, member.statutory_limit()),
                ..member
            });
            for m in ItemRules::from(item).materials {
                if let Some(same) = materials.iter_mut().find(|x| x.name == m.name) {
                    same.members.push((item.code.clone(), m.code.clone()));
                    continue;
                }
                let merged = if materials.iter().any(|x| x.code == m.code) {
                    format!("{}/{}", item.code, m.code)
                } else {
                    m.code.clone()
                };
                materials.push(MergedMaterial {
                    code: merged.clone(),
                    name: m.name.clone(),
                    members: vec![(item.code.clone(), m.code.clone())],
                });
                rules.push(MaterialRule { code: merged, ..m });
            }
        }
        Ok(Resolved {
            def: BundleDef {
                name: self.name.trim().to_string(),
                materials: rules,
                members,
            },
            materials,
            situations: situations.to_vec(),
        })
    }
}

/// The version of a bundle in force on `date`: the latest effective by then.
pub fn bundle_in_force(history: &[BundleVersion], date: NaiveDate) -> Option<&BundleVersion> {
    history.iter().rev().find(|v| v.effective_on <= date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(code: &str, department: &str, materials: &[(&str, &str)]) -> Item {
        let mut i: Item = crate::catalog::tests::sample_item();
        i.code = code.into();
        i.department = department.into();
        let template = i.materials[0].clone();
        i.materials = materials
            .iter()
            .map(|(c, n)| super::super::Material {
                code: (*c).into(),
                name: (*n).into(),
                ..template.clone()
            })
            .collect();
        i
    }

    fn spec() -> BundleSpec {
        BundleSpec {
            code: "YJS-CY".into(),
            name: "我要开餐馆".into(),
            lead_department: "shichang".into(),
            members: vec!["A".into(), "B".into()],
            situations: vec![Situation {
                code: "S1".into(),
                name: "不设娱乐项目".into(),
                adds: vec![],
                drops: vec!["B".into()],
            }],
        }
    }

    #[test]
    fn a_material_needed_by_several_members_is_asked_once() {
        let items = vec![
            item("A", "shichang", &[("M1", "申请书"), ("M2", "营业执照")]),
            item(
                "B",
                "wenguang",
                &[("M1", "娱乐场所申请书"), ("M9", "营业执照")],
            ),
        ];
        spec().validate(&items).unwrap();
        let r = spec().resolve(&items, &[]).unwrap();
        let names: Vec<(&str, &str)> = r
            .materials
            .iter()
            .map(|m| (m.code.as_str(), m.name.as_str()))
            .collect();
        assert_eq!(
            names,
            vec![
                ("M1", "申请书"),
                ("M2", "营业执照"),
                ("B/M1", "娱乐场所申请书")
            ]
        );
        assert_eq!(r.materials[1].members.len(), 2);
        assert_eq!(r.materials_of("B").len(), 2);
        assert_eq!(r.own_code("B", "M2").as_deref(), Some("M9"));
        assert_eq!(r.own_code("B", "B/M1").as_deref(), Some("M1"));
        assert_eq!(r.own_code("A", "B/M1"), None);
        let only_a = spec().resolve(&items, &["S1".into()]).unwrap();
        assert_eq!(only_a.def.members.len(), 1);
        assert!(spec().resolve(&items, &["S9".into()]).is_err());
        let mut bad = spec();
        bad.lead_department = "minzheng".into();
        assert_eq!(bad.validate(&items).unwrap_err().field, "lead_department");
        bad = spec();
        bad.members.push("Z".into());
        assert!(bad.validate(&items).unwrap_err().message.contains("Z"));
    }
}
