//! Findings reported back by the supervising departments (抄告) through the use case, on both
//! databases: on a licence (holder and item from the register) or on an unlicensed business, by the
//! department that supervises the item only; what is refused and why; the findings filed by
//! licence, holder, item and department, on the department's desk, on the licensee's record and as
//! an event of the licence's case.

mod common;

use common::*;
use yiyin_app::supervision::FindingInput;
use yiyin_domain::supervision::FindingKind;
use yiyin_store::findings::{Finding, FindingFilter};
use yiyin_testkit::date;

on_both!(crate::common::run;
    findings_are_filed_by_licence_holder_item_and_department,
);

fn finding(licence: &str, department: &str, kind: &str, summary: &str) -> FindingInput {
    FindingInput {
        jurisdiction: HANYIN.into(),
        department: department.into(),
        licence: licence.into(),
        kind: kind.into(),
        summary: summary.into(),
        found_on: "2025-04-01".into(),
        ..Default::default()
    }
}

fn ids(v: Vec<Finding>) -> Vec<i64> {
    v.iter().map(|f| f.id).collect()
}

async fn findings_are_filed_by_licence_holder_item_and_department(w: World) {
    let (zhao, sun) = (w.wenguang_supervisor().await, w.shichang_supervisor().await);
    let (c, lic) = w.licensed(org(1), "2025-03-10").await;
    let (_, food) = w.food_licence(org(2), "2025-03-10").await;

    // On a licence: the holder and item come from the register.
    w.set_today("2025-04-01");
    let f1 = w
        .record_finding(
            &zhao,
            &finding(&lic, "wenguang", "rectification", "消防通道堵塞"),
        )
        .await
        .unwrap();
    assert_eq!(f1.holder_id, org(1).id_number.as_str());
    assert_eq!(f1.holder, org(1).name);
    assert_eq!(f1.item_code, "HY-WG-001");
    assert_eq!(f1.kind, FindingKind::Rectification);
    assert_eq!(f1.found_on, date("2025-04-01"));
    assert_eq!(f1.recorded_by, w.name_of(&zhao));
    assert!(f1.kind.adverse());
    // On a holder without a licence (unlicensed business).
    w.set_today("2025-04-02");
    let f2 = w
        .record_finding(
            &zhao,
            &FindingInput {
                holder_id: "92610921MA00000009".into(),
                holder: "汉阴县无名歌舞厅".into(),
                item_code: "HY-WG-001".into(),
                ..finding("", "wenguang", "penalty", "无证经营歌舞娱乐")
            },
        )
        .await
        .unwrap();
    assert_eq!(f2.licence, None);
    assert_eq!(f2.found_on, date("2025-04-01"));
    // The only desk of a supervisor is taken when none is named.
    w.set_today("2025-04-03");
    let f3 = w
        .record_finding(
            &sun,
            &FindingInput {
                jurisdiction: String::new(),
                department: String::new(),
                ..finding(&food, "", "compliant", "检查合格")
            },
        )
        .await
        .unwrap();
    assert_eq!(f3.department, "shichang");
    assert!(!f3.kind.adverse());

    // What is refused.
    let r = refused_saying(
        w.record_finding(&zhao, &finding(&lic, "wenguang", "other", "  "))
            .await,
        &["检查发现的情况"],
    );
    assert_eq!(r.rule, "finding");
    let tomorrow = FindingInput {
        found_on: "2025-04-04".into(),
        ..finding(&lic, "wenguang", "other", "明日检查")
    };
    // Only the department that supervises the item reports on it, only for its own desk.
    let refusals = [
        (
            finding("", "wenguang", "other", "无名"),
            "invalid_input",
            "证照编号",
        ),
        (
            finding("NOPE", "wenguang", "other", "x"),
            "not_found",
            "NOPE",
        ),
        (
            finding(&lic, "wenguang", "warning", "x"),
            "invalid_input",
            "warning",
        ),
        (tomorrow, "invalid_input", "不能晚于今天"),
        (
            finding(&food, "wenguang", "penalty", "越权抄告"),
            "forbidden",
            "不由本部门监管",
        ),
        (
            finding(&food, "shichang", "penalty", "越权抄告"),
            "forbidden",
            "不在您的监管职责范围内",
        ),
    ];
    for (input, code, says) in refusals {
        assert_error(w.record_finding(&zhao, &input).await, code, says);
    }
    // The bureau's staff have no desk.
    for who in [&w.clerk, &w.head] {
        let msg = forbidden(
            w.record_finding(who, &finding(&lic, "wenguang", "other", "窗口抄告"))
                .await,
        );
        assert!(msg.contains("没有监管部门职责"), "{msg}");
    }

    // Filters: each finds these findings, newest first.
    let filter = |set: &dyn Fn(&mut FindingFilter)| {
        let mut f = FindingFilter::default();
        set(&mut f);
        f
    };
    let s = |text: &str| Some(text.to_string());
    let filters = [
        (filter(&|f| f.licence = Some(lic.clone())), vec![f1.id]),
        (
            filter(&|f| f.holder_id = s(org(1).id_number.as_str())),
            vec![f1.id],
        ),
        (
            filter(&|f| f.holder_id = s("92610921MA00000009")),
            vec![f2.id],
        ),
        (
            filter(&|f| f.item_code = s("HY-WG-001")),
            vec![f2.id, f1.id],
        ),
        (filter(&|f| f.department = s("shichang")), vec![f3.id]),
        (
            filter(&|f| (f.jurisdiction, f.department) = (s(HANYIN), s("wenguang"))),
            vec![f2.id, f1.id],
        ),
        (filter(&|f| f.jurisdiction = s("ziyang")), vec![]),
    ];
    for (f, expected) in filters {
        assert_eq!(ids(w.store.findings(&f).await.unwrap()), expected, "{f:?}");
    }
    // The department's desk, the licence's page and the licensee's record show them.
    let desk = w.desk(&zhao, HANYIN, "wenguang").unwrap();
    assert_eq!(
        ids(w.inbox(&zhao, &desk, true).await.unwrap().findings),
        [f2.id, f1.id]
    );
    assert_eq!(
        ids(w.licence_view(&zhao, &lic).await.unwrap().findings),
        [f1.id]
    );
    let record = w
        .subject_view(&w.head, org(1).id_number.as_str(), "", None)
        .await
        .unwrap();
    assert_eq!(ids(record.findings), [f1.id]);
    assert_eq!(record.holder, org(1).name);
    let overview = w.overview(&w.head, HANYIN).await.unwrap();
    let items: Vec<(&str, usize, usize)> = overview
        .items
        .iter()
        .map(|i| (i.item_code.as_str(), i.findings, i.adverse))
        .collect();
    assert_eq!(items, [("HY-SC-001", 1, 0), ("HY-WG-001", 2, 2)]);
    // A finding on a licence is an event of its case.
    let events = w.store.case_events(c.id).await.unwrap();
    let e = events.iter().find(|e| e.action == "finding").unwrap();
    assert!(
        e.reason.contains("责令整改") && e.reason.contains("消防通道"),
        "{}",
        e.reason
    );
    assert_eq!(e.actor, w.name_of(&zhao));
    w.assert_chain_intact().await;
}
