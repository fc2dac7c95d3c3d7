use super::*;
use crate::calendar::Calendar;
use crate::roles::Role;
use crate::testing::d;

fn sent(id: i64) -> Sent {
    Sent {
        account_id: id,
        name: format!("人员{id}"),
        by: SentBy::Assigned,
    }
}

fn team(dept: &str, ids: &[i64]) -> Team {
    Team {
        department: dept.into(),
        department_name: format!("{dept}局"),
        staff: ids.iter().map(|i| sent(*i)).collect(),
        draw: None,
    }
}

fn concerned() -> Vec<(String, String)> {
    vec![
        ("zhujian".into(), "zhujian局".into()),
        ("xiaofang".into(), "xiaofang局".into()),
    ]
}

/// A visit on Wednesday 2025-03-05 by 住建 (1, 2) and 消防 (3, 4).
fn visit() -> Visit {
    Visit {
        kind: VisitKind::Acceptance,
        date: d("2025-03-05"),
        round: 1,
        teams: vec![team("zhujian", &[1, 2]), team("xiaofang", &[3, 4])],
        opinions: vec![],
    }
}

fn entry<'a>(
    dept: &'a str,
    verdict: Verdict,
    defects: &'a [String],
    by: i64,
    today: &str,
) -> OpinionEntry<'a> {
    OpinionEntry {
        department: dept,
        verdict,
        defects,
        account_id: by,
        today: d(today),
    }
}

#[test]
fn each_department_sends_at_least_two_of_its_own_staff() {
    let ok = [team("zhujian", &[1, 2]), team("xiaofang", &[3, 4, 5])];
    assert!(check_teams(&concerned(), &ok).is_ok());
    let one = [team("zhujian", &[1, 1]), team("xiaofang", &[3, 4])];
    let r = check_teams(&concerned(), &one).unwrap_err();
    assert_eq!(r.rule, RULE_STAFF);
    assert!(r.message.contains("至少 2 名"), "{}", r.message);
    let missing = [team("zhujian", &[1, 2])];
    assert!(
        check_teams(&concerned(), &missing)
            .unwrap_err()
            .message
            .contains("尚未派出")
    );
    let stranger = [
        team("zhujian", &[1, 2]),
        team("xiaofang", &[3, 4]),
        team("shuiwu", &[7, 8]),
    ];
    assert!(
        check_teams(&concerned(), &stranger)
            .unwrap_err()
            .message
            .contains("不办理")
    );
    let twice = [team("zhujian", &[1, 2]), team("xiaofang", &[2, 4])];
    assert!(
        check_teams(&concerned(), &twice)
            .unwrap_err()
            .message
            .contains("两个部门")
    );
}

#[test]
fn only_a_grant_in_the_department_serves_it() {
    let g = |role, dept: Option<&str>| Grant {
        role,
        jurisdiction: "hanyin".into(),
        department: dept.map(str::to_string),
        unit: None,
    };
    assert!(serves_department(
        &[g(Role::Inspector, Some("zhujian"))],
        "hanyin",
        "zhujian"
    ));
    assert!(!serves_department(
        &[g(Role::Inspector, Some("xiaofang"))],
        "hanyin",
        "zhujian"
    ));
    assert!(!serves_department(
        &[g(Role::Inspector, None)],
        "hanyin",
        "zhujian"
    ));
    assert!(!serves_department(
        &[g(Role::Observer, Some("zhujian"))],
        "hanyin",
        "zhujian"
    ));
    assert!(!serves_department(
        &[g(Role::Inspector, Some("zhujian"))],
        "xunyang",
        "zhujian"
    ));
}

#[test]
fn the_date_is_a_working_day_in_the_future() {
    let cal = Calendar::builtin();
    let today = d("2025-03-03");
    assert!(check_date(&cal, today, d("2025-03-05")).is_ok());
    assert!(
        check_date(&cal, today, today)
            .unwrap_err()
            .message
            .contains("以后")
    );
    // Saturday.
    let r = check_date(&cal, today, d("2025-03-08")).unwrap_err();
    assert_eq!(r.rule, RULE_DATE);
    assert!(r.message.contains("不是工作日"), "{}", r.message);
}

#[test]
fn an_opinion_is_entered_on_the_day_or_the_next_working_day_by_the_departments_staff() {
    let cal = Calendar::builtin();
    let v = visit();
    let none: Vec<String> = vec![];
    // Before the visit, by another department's staff, too late: refused.
    let early = v
        .check_opinion(
            &cal,
            &entry("zhujian", Verdict::Pass, &none, 1, "2025-03-04"),
            "甲",
        )
        .unwrap_err();
    assert!(early.message.contains("之前"), "{}", early.message);
    let other = v
        .check_opinion(
            &cal,
            &entry("zhujian", Verdict::Pass, &none, 3, "2025-03-05"),
            "丙",
        )
        .unwrap_err();
    assert!(
        other.message.contains("派出的踏勘人员"),
        "{}",
        other.message
    );
    assert!(
        v.check_opinion(
            &cal,
            &entry("zhujian", Verdict::Pass, &none, 2, "2025-03-06"),
            "乙"
        )
        .is_ok()
    );
    let late = v
        .check_opinion(
            &cal,
            &entry("zhujian", Verdict::Pass, &none, 2, "2025-03-07"),
            "乙",
        )
        .unwrap_err();
    assert_eq!(late.rule, RULE_OPINION);
    assert!(late.message.contains("下一个工作日"), "{}", late.message);
    // A Friday visit: the next working day is Monday.
    let friday = Visit {
        date: d("2025-03-07"),
        ..visit()
    };
    assert_eq!(
        opinion_deadline(&cal, friday.date).unwrap(),
        d("2025-03-10")
    );
    assert!(
        friday
            .check_opinion(
                &cal,
                &entry("zhujian", Verdict::Pass, &none, 1, "2025-03-10"),
                "甲"
            )
            .is_ok()
    );
    // 不合格 needs defects; 合格 has none.
    let blank = vec!["  ".to_string()];
    assert!(
        v.check_opinion(
            &cal,
            &entry("zhujian", Verdict::Fail, &blank, 1, "2025-03-05"),
            "甲"
        )
        .is_err()
    );
    let some = vec!["消防通道被占用".to_string()];
    assert!(
        v.check_opinion(
            &cal,
            &entry("zhujian", Verdict::Pass, &some, 1, "2025-03-05"),
            "甲"
        )
        .is_err()
    );
}

#[test]
fn all_pass_passes_any_fail_fails_and_is_reinspected_once() {
    let cal = Calendar::builtin();
    let mut v = visit();
    let none: Vec<String> = vec![];
    let defects = vec![
        "疏散指示标志缺失".to_string(),
        "  ".into(),
        "灭火器过期".into(),
    ];
    assert!(check_reinspection(&cal, &v, false, d("2025-03-06")).is_err());
    // The window passed without every opinion: the round may be re-inspected.
    assert!(check_reinspection(&cal, &v, false, d("2025-03-07")).is_ok());
    let o = v
        .check_opinion(
            &cal,
            &entry("zhujian", Verdict::Pass, &none, 1, "2025-03-05"),
            "甲",
        )
        .unwrap();
    v.opinions.push(o);
    assert_eq!(v.state(), VisitState::Scheduled);
    assert!(
        v.check_opinion(
            &cal,
            &entry("zhujian", Verdict::Pass, &none, 2, "2025-03-05"),
            "乙"
        )
        .unwrap_err()
        .message
        .contains("已出具")
    );
    let o = v
        .check_opinion(
            &cal,
            &entry("xiaofang", Verdict::Fail, &defects, 3, "2025-03-06"),
            "丙",
        )
        .unwrap();
    assert_eq!(o.defects.len(), 2);
    v.opinions.push(o);
    assert_eq!(v.state(), VisitState::Failed);
    assert_eq!(
        v.defects(),
        vec![(
            "xiaofang局".to_string(),
            vec!["疏散指示标志缺失".to_string(), "灭火器过期".to_string()]
        )]
    );
    let record = v.record_text("某项目", "HY-1");
    assert!(record.starts_with("联合验收意见书"));
    assert!(record.contains("问题2：灭火器过期"), "{record}");
    assert!(record.contains("未通过"));
    assert!(check_reinspection(&cal, &v, false, d("2025-03-06")).is_ok());
    assert!(check_reinspection(&cal, &v, true, d("2025-03-06")).is_err());

    let mut passed = visit();
    for (dept, by) in [("zhujian", 1), ("xiaofang", 4)] {
        let o = passed
            .check_opinion(
                &cal,
                &entry(dept, Verdict::Pass, &none, by, "2025-03-05"),
                "甲",
            )
            .unwrap();
        passed.opinions.push(o);
    }
    assert_eq!(passed.state(), VisitState::Passed);
    assert!(
        passed
            .record_text("某项目", "HY-1")
            .contains("联合验收通过")
    );
    assert!(
        check_reinspection(&cal, &passed, false, d("2025-03-06"))
            .unwrap_err()
            .message
            .contains("无需复查")
    );
}

#[test]
fn acceptance_is_the_completion_stages_and_inspection_comes_before_the_decision() {
    assert!(check_kind(VisitKind::Acceptance, Some(Stage::Completion), false).is_ok());
    assert_eq!(
        check_kind(VisitKind::Acceptance, Some(Stage::Construction), true)
            .unwrap_err()
            .rule,
        RULE_KIND
    );
    assert!(check_kind(VisitKind::Acceptance, None, true).is_err());
    assert!(check_kind(VisitKind::Inspection, None, true).is_ok());
    assert!(check_kind(VisitKind::Inspection, Some(Stage::LandPlanning), false).is_err());
}

#[test]
fn the_notice_names_the_date_and_departments() {
    let m = date_notice(&visit(), "某项目", "HY-1", "/my/projects/1");
    assert_eq!(m.subject, "联合验收日期通知：某项目");
    assert!(m.body.contains("2025年3月5日"), "{}", m.body);
    assert!(m.body.contains("zhujian局、xiaofang局"));
    let again = Visit {
        round: 2,
        ..visit()
    };
    assert!(
        date_notice(&again, "某项目", "HY-1", "")
            .body
            .contains("第2轮联合验收复查")
    );
}

/// 消防 (3, 4 assigned before) is to draw two of its pool's members E0011–E0014 instead: the
/// seed is published with the schedule, the team counts as sending two, no opinion is taken
/// before the draw, the draw is the seed's (re-run gives the same), once, and not after the date.
#[test]
fn a_team_drawn_from_a_pool_is_drawn_with_the_seed_published_before() {
    use crate::pools::{ExpertDrawInput, PoolMember, rerun};
    let cal = Calendar::builtin();
    let members = (11..=14)
        .map(|i| PoolMember {
            id: format!("E{i:04}"),
            name: format!("人员{i}"),
            organisation: "xiaofang局".into(),
            inside: true,
        })
        .collect();
    let input = ExpertDrawInput {
        seed: "a1b2c3".into(),
        case: "HY-YJS-2025-0001/xiaofang".into(),
        count: 2,
        members,
        exclusions: vec![],
    };
    let mut v = visit();
    v.teams[1].staff.clear();
    v.teams[1].draw = Some(TeamDraw {
        pool_id: 7,
        seed: input.seed.clone(),
        passed_over: vec![],
        published: Some(PublishedDraw {
            input: input.clone(),
            result: None,
        }),
    });
    assert!(check_teams(&concerned(), &v.teams).is_ok());
    assert!(v.draws_pending());
    let none: Vec<String> = vec![];
    let early = v
        .check_opinion(
            &cal,
            &entry("zhujian", Verdict::Pass, &none, 1, "2025-03-05"),
            "甲",
        )
        .unwrap_err();
    assert!(
        early.message.contains("尚未按公布的随机种子抽取"),
        "{}",
        early.message
    );
    // After the visit date: refused, nothing drawn.
    let mut late = v.clone();
    let refused = late.make_draws(d("2025-03-06"), |_| None).unwrap_err();
    assert!(refused.message.contains("已过"), "{}", refused.message);
    assert_eq!(late, v);
    // A drawn member no longer sendable: refused.
    let mut gone = v.clone();
    assert!(gone.make_draws(d("2025-03-04"), |_| None).is_err());
    // The draw: the members the seed gives, as staff; the result published with the input.
    let staff_of = |id: &str| Some((id[1..].parse::<i64>().unwrap(), format!("人员{id}")));
    v.make_draws(d("2025-03-04"), staff_of).unwrap();
    assert!(!v.draws_pending());
    let draw = v.teams[1].draw.as_ref().unwrap();
    let published = draw.published.as_ref().unwrap();
    let again = rerun(published).expect("the published draw re-runs to its result");
    let drawn: Vec<i64> = again
        .drawn
        .iter()
        .map(|m| m.id[1..].parse().unwrap())
        .collect();
    let sent: Vec<i64> = v.teams[1].staff.iter().map(|s| s.account_id).collect();
    assert_eq!((sent.len(), &sent), (2, &drawn));
    assert!(v.teams[1].staff.iter().all(|s| s.by == SentBy::Drawn));
    assert!(check_teams(&concerned(), &v.teams).is_ok());
    // Once only.
    let twice = v.make_draws(d("2025-03-04"), staff_of).unwrap_err();
    assert!(twice.message.contains("不能再次抽取"), "{}", twice.message);
}
