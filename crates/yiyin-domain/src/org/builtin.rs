//! The built-in organisation: 安康市 and the four pilots as their 2017 plans describe them
//! (`data/org.toml`), with the tests that hold the data to those plans.

use super::Organisation;

const BUILTIN_ORG: &str = include_str!("../../data/org.toml");

impl Organisation {
    /// 安康市 and the four pilots, as their plans describe them.
    pub fn builtin() -> Self {
        Self::from_toml(BUILTIN_ORG).expect("built-in organisation is valid")
    }
}

#[cfg(test)]
mod tests {
    use crate::org::fixtures::{day, now, plan_day};
    use crate::org::{DepartmentRelation, Issuer, JurisdictionKind, Management, Organisation};

    #[test]
    fn the_four_pilots_are_built_in() {
        let org = Organisation::builtin();
        for (code, name) in [
            ("ankang", "安康市"),
            ("hanyin", "汉阴县"),
            ("ziyang", "紫阳县"),
            ("xunyang", "旬阳市"),
            ("gaoxin", "安康高新区"),
        ] {
            let j = org.jurisdiction(code).unwrap();
            assert_eq!(j.name, name);
            assert_eq!(j.name_on(now()), name);
        }
        for code in ["hanyin", "ziyang", "xunyang", "gaoxin"] {
            let j = org.jurisdiction(code).unwrap();
            assert!(j.has_catalog());
            assert_eq!(j.parent.as_deref(), Some("ankang"));
            assert!(!j.halls.is_empty(), "{code}");
        }
        // The counties have township centres with village points; the zone's plan names no town
        // (its villages are managed by the zone directly), so it has none.
        for code in ["hanyin", "ziyang", "xunyang"] {
            let j = org.jurisdiction(code).unwrap();
            assert!(j.townships.iter().any(|t| !t.villages.is_empty()), "{code}");
        }
        assert!(org.jurisdiction("gaoxin").unwrap().townships.is_empty());
    }

    #[test]
    fn xunyang_became_a_county_level_city_in_2021() {
        let org = Organisation::builtin();
        let j = org.jurisdiction("xunyang").unwrap();
        assert_eq!(j.kind, JurisdictionKind::CountyCity);
        assert_eq!(
            (j.name.as_str(), j.division_code.as_str()),
            ("旬阳市", "610981")
        );
        assert_eq!(j.name_on(day(2020, 6, 1)), "旬阳县");
        assert_eq!(j.former_names[0].division_code, "610928");
        let b = j.bureau.as_ref().unwrap();
        assert_eq!(b.name_on(plan_day()), "旬阳县行政审批服务局");
        assert_eq!(
            b.seal_name_on(day(2020, 6, 1)),
            "旬阳县行政审批服务局行政审批专用章"
        );
        assert_eq!(b.seal_name_on(now()), "旬阳市行政审批服务局行政审批专用章");
        // Decisions are challenged before the bodies of the name valid on the decision's date.
        let mode = crate::catalog::HandlingMode::Transferred;
        let before = Issuer::of(j, "shichang", mode, "", day(2020, 6, 1));
        let after = Issuer::of(j, "shichang", mode, "", now());
        assert_eq!(
            (before.reconsideration_body.as_str(), before.court.as_str()),
            ("旬阳县人民政府", "旬阳县人民法院")
        );
        assert_eq!(
            (after.reconsideration_body.as_str(), after.court.as_str()),
            ("旬阳市人民政府", "旬阳市人民法院")
        );
        for d in j.departments.iter().filter(|d| d.exists_on(now())) {
            assert!(!d.name.contains("旬阳县"), "{}", d.name);
        }
        let market = j.department("shichang").unwrap();
        assert_eq!(market.name_on(day(2020, 6, 1)), "旬阳县市场监督管理局");
        assert_eq!(market.name_on(now()), "旬阳市市场监督管理局");
    }

    #[test]
    fn hanyin_has_the_fourteen_departments_its_plan_names() {
        let org = Organisation::builtin();
        let j = org.jurisdiction("hanyin").unwrap();
        // (the plan's word, the department, its name when the plan was issued, its name in 2026).
        // The plan abbreviates; the full 2017 names expand its words.
        let plan = [
            (
                "发改局",
                "fagai",
                "汉阴县发展和改革局",
                "汉阴县发展和改革局",
            ),
            ("教体局", "jiaoti", "汉阴县教育体育局", "汉阴县教育体育局"),
            ("民政局", "minzheng", "汉阴县民政局", "汉阴县民政局"),
            (
                "人社局",
                "renshe",
                "汉阴县人力资源和社会保障局",
                "汉阴县人力资源和社会保障局",
            ),
            ("国土局", "guotu", "汉阴县国土资源局", "汉阴县自然资源局"),
            (
                "环保局",
                "huanbao",
                "汉阴县环境保护局",
                "安康市生态环境局汉阴分局",
            ),
            (
                "住建局",
                "zhujian",
                "汉阴县住房和城乡建设局",
                "汉阴县住房和城乡建设局",
            ),
            ("交通局", "jiaotong", "汉阴县交通运输局", "汉阴县交通运输局"),
            ("水利局", "shuili", "汉阴县水利局", "汉阴县水利局"),
            (
                "农林科技局",
                "nonglin",
                "汉阴县农林科技局",
                "汉阴县农业农村局",
            ),
            (
                "文广旅游局",
                "wenguang",
                "汉阴县文化广电旅游局",
                "汉阴县文化和旅游广电局",
            ),
            (
                "卫计局",
                "weiji",
                "汉阴县卫生和计划生育局",
                "汉阴县卫生健康局",
            ),
            (
                "市场监管局",
                "shichang",
                "汉阴县市场监督管理局",
                "汉阴县市场监督管理局",
            ),
            (
                "安监局",
                "anjian",
                "汉阴县安全生产监督管理局",
                "汉阴县应急管理局",
            ),
        ];
        for (word, code, then, now_name) in plan {
            let d = j
                .department(code)
                .unwrap_or_else(|| panic!("missing {word}"));
            assert_eq!(d.name_on(plan_day()), then, "{word}");
            assert_eq!(d.name_on(now()), now_name, "{word}");
            assert_eq!(d.relation_on(plan_day()), DepartmentRelation::Transferred);
            assert!(
                d.sources
                    .iter()
                    .any(|s| s.kind == crate::sources::SourceKind::Seed && s.cite.contains(word)),
                "{word}: the plan's word is cited"
            );
        }
        // The environment office is now a branch of the city's bureau, managed from above.
        assert_eq!(
            j.department("huanbao").unwrap().management,
            Management::Vertical
        );
        // The vertically managed tax office works from the hall, as the plan says.
        let tax = j.department("shuiwu").unwrap();
        assert_eq!(
            (tax.relation, tax.management),
            (DepartmentRelation::Resident, Management::Vertical)
        );
    }

    #[test]
    fn gaoxin_has_both_groups_of_its_plan() {
        let org = Organisation::builtin();
        let j = org.jurisdiction("gaoxin").unwrap();
        let relation = |code: &str| {
            let d = j
                .department(code)
                .unwrap_or_else(|| panic!("missing {code}"));
            assert!(d.exists_on(plan_day()), "{code}");
            d.relation_on(plan_day())
        };
        let eight = [
            "jingfa",
            "chengguan",
            "huanbao",
            "jiaowen",
            "anjian",
            "budongchan",
            "gongshang",
            "shiyaojian",
        ];
        let seven = [
            "guihua", "guotu", "guoshui", "dishui", "shequ", "gongan", "xiaofang",
        ];
        for code in eight {
            assert_eq!(relation(code), DepartmentRelation::Transferred, "{code}");
        }
        for code in seven {
            assert_eq!(relation(code), DepartmentRelation::Resident, "{code}");
        }
        // The merged bodies ended, each with its successor; the plan's 民生服务中心 is a hall.
        for (code, heir) in [
            ("gongshang", "shichang"),
            ("shiyaojian", "shichang"),
            ("guoshui", "shuiwu"),
            ("dishui", "shuiwu"),
        ] {
            let d = j.department(code).unwrap();
            assert!(!d.exists_on(now()), "{code}");
            assert_eq!(d.successor.as_deref(), Some(heir));
        }
        assert!(j.halls.iter().any(|h| h.name == "安康高新区民生服务中心"));
        assert_eq!(
            j.department("xiaofang").unwrap().name_on(plan_day()),
            "高新区消防大队"
        );
    }

    #[test]
    fn xunyang_tax_offices_wait_for_the_bureau_building() {
        let org = Organisation::builtin();
        let j = org.jurisdiction("xunyang").unwrap();
        for code in ["guoshui", "dishui"] {
            let d = j.department(code).unwrap();
            assert_eq!(
                d.relation_on(plan_day()),
                DepartmentRelation::PendingResidence
            );
            assert_eq!(d.ended_on, Some(day(2018, 7, 20)));
            assert_eq!(d.successor.as_deref(), Some("shuiwu"));
        }
        let tax = j.department("shuiwu").unwrap();
        assert_eq!(tax.relation, DepartmentRelation::PendingResidence);
        assert_eq!(tax.name_on(day(2019, 1, 1)), "国家税务总局旬阳县税务局");
        // The hotline centre is the county's, beside the bureau; 国土 is dual-managed and resident.
        assert_eq!(
            j.department("suqiu").unwrap().relation,
            DepartmentRelation::CountyUnit
        );
        let land = j.department("guotu").unwrap();
        assert_eq!(
            (land.relation, land.management),
            (DepartmentRelation::Resident, Management::Dual)
        );
        assert!(j.department("gongan").is_some());
    }

    #[test]
    fn batches_are_given_only_where_a_document_states_them() {
        let org = Organisation::builtin();
        let batched: Vec<_> = org
            .jurisdictions
            .iter()
            .flat_map(|j| j.departments.iter().map(move |d| (j.code.as_str(), d)))
            .filter(|(_, d)| d.batch.is_some())
            .map(|(j, d)| (j, d.code.as_str(), d.batch))
            .collect();
        assert_eq!(batched, [("ziyang", "jiaotong", Some(3))]);
        let d = org
            .jurisdiction("ziyang")
            .unwrap()
            .department("jiaotong")
            .unwrap();
        assert!(
            d.sources
                .iter()
                .any(|s| s.cite.contains("紫政办发〔2021〕57号"))
        );
        assert_eq!(d.relation_on(day(2021, 1, 1)), DepartmentRelation::Resident);
        assert_eq!(d.relation_on(now()), DepartmentRelation::Transferred);
    }

    #[test]
    fn every_entry_says_where_it_comes_from() {
        let org = Organisation::builtin();
        for j in &org.jurisdictions {
            assert!(!j.sources.is_empty(), "{}", j.name);
            let Some(b) = &j.bureau else { continue };
            // Credit codes are placeholders: the bureau says so.
            assert!(crate::sources::is_assumed(&b.sources), "{}", b.name);
            for d in &j.departments {
                assert!(!d.sources.is_empty(), "{}", d.name);
            }
            for h in &j.halls {
                // Addresses, phones and window numbers are the demo's.
                assert!(crate::sources::is_assumed(&h.sources), "{}", h.name);
            }
            for t in &j.townships {
                assert!(!t.sources.is_empty(), "{}", t.town);
                if !t.credit_code.is_empty() || !t.villages.is_empty() {
                    assert!(crate::sources::is_assumed(&t.sources), "{}", t.town);
                }
            }
        }
    }

    #[test]
    fn resident_departments_have_a_window() {
        let org = Organisation::builtin();
        for j in org.jurisdictions.iter().filter(|j| j.has_catalog()) {
            for d in j.departments.iter().filter(|d| {
                d.exists_on(now()) && d.relation_on(now()) == DepartmentRelation::Resident
            }) {
                assert!(
                    j.halls
                        .iter()
                        .flat_map(|h| &h.windows)
                        .any(|w| w.department.as_deref() == Some(d.code.as_str())),
                    "{} has no window",
                    d.name
                );
            }
        }
    }
}
