//! Demo data: realistic catalogs for the four pilot jurisdictions, as a county would publish them.
//!
//! The catalogs are TOML files in the documented catalog format (`docs/catalog-format.md`), one per
//! jurisdiction, compiled into the binary so that `yiyin demo` needs nothing beside it.

use yiyin_domain::catalog::CatalogFile;

/// The demo catalog files: (file name, TOML text).
pub const CATALOG_FILES: &[(&str, &str)] = &[
    ("hanyin.toml", include_str!("../data/catalog/hanyin.toml")),
    ("ziyang.toml", include_str!("../data/catalog/ziyang.toml")),
    ("xunyang.toml", include_str!("../data/catalog/xunyang.toml")),
    ("gaoxin.toml", include_str!("../data/catalog/gaoxin.toml")),
];

/// The demo catalogs, parsed.
pub fn catalogs() -> Vec<CatalogFile> {
    CATALOG_FILES
        .iter()
        .map(|(name, text)| {
            toml::from_str(text).unwrap_or_else(|e| panic!("demo catalog {name} is invalid: {e}"))
        })
        .collect()
}

/// The demo's market-registration registry: the 营业执照 of the demo organisations, which
/// `yiyin demo` serves at `/demo/registry` under the data-sharing contract (`docs/data-sharing.md`).
pub fn registry() -> Vec<yiyin_domain::engine::SharedRecord> {
    #[derive(serde::Deserialize)]
    struct Registry {
        records: Vec<yiyin_domain::engine::SharedRecord>,
    }
    let text = include_str!("../data/registry.toml");
    toml::from_str::<Registry>(text)
        .unwrap_or_else(|e| panic!("demo registry is invalid: {e}"))
        .records
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use yiyin_domain::catalog::{HandlingClass, HandlingMode};
    use yiyin_domain::org::{DepartmentRelation, Organisation};

    #[test]
    fn the_demo_registry_holds_the_demo_organisations_licences() {
        let records = registry();
        assert_eq!(records.len(), 3);
        let today = chrono::NaiveDate::from_ymd_opt(2026, 6, 15).unwrap();
        for r in &records {
            assert_eq!(r.kind, "营业执照");
            r.check(&r.id, today).unwrap();
            // A company names its legal representative; an individual business its operator.
            let head = if r.fields["类型"] == "个体工商户" {
                "经营者"
            } else {
                "法定代表人"
            };
            assert!(r.fields.contains_key(head), "{}", r.name);
        }
    }

    #[test]
    fn every_demo_item_is_valid() {
        let org = Organisation::builtin();
        let mut problems = Vec::new();
        for file in catalogs() {
            let j = org
                .jurisdiction(&file.jurisdiction)
                .expect("known jurisdiction");
            let mut codes = HashSet::new();
            for item in &file.items {
                assert!(
                    codes.insert(item.code.clone()),
                    "duplicate code {}",
                    item.code
                );
                for e in item.validate(j) {
                    problems.push(format!("{} {} {}: {e}", j.code, item.code, item.name));
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn demo_items_with_forms_have_licence_templates() {
        let with: Vec<String> = catalogs()
            .iter()
            .flat_map(|f| f.items.iter())
            .filter(|i| i.form.is_some() && i.result.template.is_some())
            .map(|i| i.code.clone())
            .collect();
        for code in ["HY-SC-001", "GX-SYJ-001", "ZY-SC-001", "XY-SC-002"] {
            assert!(with.iter().any(|c| c == code), "{code}: {with:?}");
        }
    }

    #[test]
    fn demo_catalogs_cover_what_the_issue_asks() {
        let org = Organisation::builtin();
        let files = catalogs();
        let total: usize = files.iter().map(|f| f.items.len()).sum();
        assert!(total >= 60, "only {total} items");
        let all: Vec<_> = files.iter().flat_map(|f| f.items.iter()).collect();
        for class in HandlingClass::ALL {
            assert!(all.iter().any(|i| i.handling_class == *class), "{class}");
        }
        for mode in HandlingMode::ALL {
            assert!(all.iter().any(|i| i.handling_mode == *mode), "{mode}");
        }
        assert!(all.iter().filter(|i| i.green_list).count() >= 3);
        assert!(
            all.iter()
                .filter(|i| i.materials.iter().any(|m| m.deferrable))
                .count()
                >= 3
        );
        assert!(all.iter().any(|i| i.joint));
        // Every approving department that exists today has at least one item (a body merged away
        // in the 2018–2019 reform has none: its successor carries its items).
        let today = chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        for file in &files {
            let j = org.jurisdiction(&file.jurisdiction).unwrap();
            for d in j.departments.iter().filter(|d| d.exists_on(today)) {
                if matches!(
                    d.relation_on(today),
                    DepartmentRelation::Transferred | DepartmentRelation::Resident
                ) {
                    assert!(
                        file.items.iter().any(|i| i.department == d.code),
                        "{} has no item for {}",
                        j.name,
                        d.name
                    );
                }
            }
        }
    }
}
