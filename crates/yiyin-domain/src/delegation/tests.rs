use super::*;
use crate::authz::{Grant, Operation, Scope, allowed};
use crate::org::Organisation;
use crate::roles::Role;

fn d(s: &str) -> NaiveDate {
    crate::calendar::parse_date(s).unwrap()
}

fn hanyin() -> (Organisation, Jurisdiction) {
    let org = Organisation::builtin();
    let j = org.jurisdiction("hanyin").unwrap().clone();
    (org, j)
}

fn delegation(scope: DelegationScope) -> Delegation {
    Delegation {
        id: 1,
        jurisdiction: "hanyin".into(),
        delegator: Delegator::Bureau,
        township: "jianchi".into(),
        items: vec!["HY-SC-001".into()],
        scope,
        valid_from: d("2025-03-03"),
        valid_until: d("2025-12-31"),
        legal_basis: ART_24.into(),
        forward_days: DEFAULT_FORWARD_DAYS,
        notice_number: "汉审批委〔2025〕1号".into(),
        revoked_on: None,
        revoke_reason: String::new(),
    }
}

fn posted(role: Role, unit: &str) -> Vec<Grant> {
    vec![Grant {
        role,
        jurisdiction: "hanyin".into(),
        department: None,
        unit: Some(unit.into()),
    }]
}

fn delegated_scope(org: &Organisation, entrusted: Option<Entrusted>) -> Scope {
    Scope::new(
        org,
        "hanyin",
        "shichang",
        "shichang",
        HandlingMode::Delegated,
        false,
        &[],
    )
    .with_entrusted(entrusted)
}

#[test]
fn a_delegation_applies_from_its_first_to_its_last_day_and_not_after_revocation() {
    let (_, j) = hanyin();
    let mut all = vec![delegation(DelegationScope::IntakeAndDecision)];
    let at =
        |all: &[Delegation], unit: &str, day: &str| entrustment(all, &j, "HY-SC-001", unit, d(day));
    assert!(
        at(&all, "jianchi", "2025-03-02").is_none(),
        "the day before"
    );
    assert!(at(&all, "jianchi", "2025-03-03").is_some(), "the first day");
    assert!(at(&all, "jianchi", "2025-12-31").is_some(), "the last day");
    assert!(at(&all, "jianchi", "2026-01-01").is_none(), "the day after");
    // Its village point belongs to the township; another township and the county hall do not.
    let e = at(&all, "jianchi-v1", "2025-06-02").unwrap();
    assert_eq!(e.government, "涧池镇人民政府");
    assert!(at(&all, "puxi", "2025-06-02").is_none());
    assert!(at(&all, "w01", "2025-06-02").is_none());
    // Another item is not delegated.
    assert!(entrustment(&all, &j, "HY-SC-002", "jianchi", d("2025-06-02")).is_none());
    // Revoked on 06-10: the 9th still applies, the 10th no more.
    all[0].revoked_on = Some(d("2025-06-10"));
    assert!(at(&all, "jianchi", "2025-06-09").is_some());
    assert!(at(&all, "jianchi", "2025-06-10").is_none());
    assert_eq!(all[0].state_label(d("2025-06-10")), "已撤销");
    assert_eq!(all[0].state_label(d("2025-06-09")), "有效");
}

#[test]
fn township_staff_act_only_within_a_delegation_in_force_and_its_scope() {
    let (org, j) = hanyin();
    let day = d("2025-06-02");
    let town_chief = posted(Role::SectionChief, "jianchi");
    let town_clerk = posted(Role::WindowClerk, "jianchi");
    let bureau_chief = posted(Role::SectionChief, "w01");

    // Intake only: the township receives and accepts, but may not decide.
    let intake = [delegation(DelegationScope::Intake)];
    let scope = delegated_scope(&org, entrustment(&intake, &j, "HY-SC-001", "jianchi", day));
    allowed(&town_clerk, Operation::Receive, &scope).unwrap();
    allowed(&town_clerk, Operation::Intake, &scope).unwrap();
    let e = allowed(&town_chief, Operation::Decide, &scope)
        .unwrap_err()
        .0;
    assert!(e.contains("第二十四条") && e.contains("仅受理"), "{e}");
    // The bureau decides its own delegated items.
    allowed(&bureau_chief, Operation::Decide, &scope).unwrap();

    // Intake and decision: the township decides.
    let full = [delegation(DelegationScope::IntakeAndDecision)];
    let scope = delegated_scope(&org, entrustment(&full, &j, "HY-SC-001", "jianchi", day));
    allowed(&town_chief, Operation::Decide, &scope).unwrap();
    // Another township's staff are not entrusted.
    let e = allowed(
        &posted(Role::SectionChief, "puxi"),
        Operation::Decide,
        &scope,
    )
    .unwrap_err()
    .0;
    assert!(e.contains("第二十四条"), "{e}");

    // Outside the period: refused, naming Art. 24.
    let after = delegated_scope(
        &org,
        entrustment(&full, &j, "HY-SC-001", "jianchi", d("2026-01-05")),
    );
    let e = allowed(&town_clerk, Operation::Receive, &after)
        .unwrap_err()
        .0;
    assert!(e.contains("第二十四条") && e.contains("已期满"), "{e}");
    allowed(&bureau_chief, Operation::Decide, &after).unwrap();
}

#[test]
fn a_delegated_decision_is_in_the_delegators_name_and_names_the_township() {
    let (_, j) = hanyin();
    let day = d("2025-06-02");
    let all = [delegation(DelegationScope::IntakeAndDecision)];
    let e = entrustment(&all, &j, "HY-SC-001", "jianchi", day).unwrap();
    let bureau = Issuer::of(&j, "shichang", HandlingMode::Delegated, "jianchi", day);
    let issuer = issuer_for(bureau.clone(), &e, &j, day);
    assert_eq!(issuer.agency, "汉阴县行政审批服务局");
    assert_eq!(issuer.seal, bureau.seal);
    assert_eq!(issuer.seal_holder, "");
    let clause = entrusted_clause(&e, &j, day, ItemKind::Licensing);
    assert_eq!(
        clause,
        "本文书由涧池镇人民政府受汉阴县行政审批服务局委托，依照《中华人民共和国行政许可法》第二十四条的规定，以汉阴县行政审批服务局名义作出。受委托机关：涧池镇人民政府。"
    );
    // A public service is entrusted without the licensing law's Art. 24.
    assert_eq!(
        entrusted_clause(&e, &j, day, ItemKind::PublicService),
        "本文书由涧池镇人民政府受汉阴县行政审批服务局委托办理，以汉阴县行政审批服务局名义作出。受委托机关：涧池镇人民政府。"
    );
    // Delegated by the county government: its name and seal.
    let mut by_government = all.clone();
    by_government[0].delegator = Delegator::CountyGovernment;
    let e = entrustment(&by_government, &j, "HY-SC-001", "jianchi", day).unwrap();
    let issuer = issuer_for(bureau, &e, &j, day);
    assert_eq!(issuer.agency, "汉阴县人民政府");
    assert_eq!(issuer.seal, "汉阴县人民政府行政许可专用章");
    assert!(entrusted_clause(&e, &j, day, ItemKind::Licensing).contains("受汉阴县人民政府委托"));
}

#[test]
fn a_village_point_forwards_within_a_working_day_and_the_clock_waits_for_the_township() {
    let cal = Calendar::builtin();
    // Taken on Friday 2025-03-07: due at the township on Monday 03-10.
    let due = forwarding_due(&cal, d("2025-03-07"), DEFAULT_FORWARD_DAYS).unwrap();
    assert_eq!(due, d("2025-03-10"));
    assert!(!forwarding_late(due, d("2025-03-10")));
    assert!(forwarding_late(due, d("2025-03-11")));
    let w = forwarding_warning(due, d("2025-03-11"), true).unwrap();
    assert!(w.contains("逾期转交") && w.contains("2025-03-10"), "{w}");
    assert!(forwarding_warning(due, d("2025-03-10"), false).is_none());
    // The case starts the day the township receives it: its Art. 32 window and its time limit
    // run from then, not from the village point's day.
    let rules = crate::engine::ItemRules::from(&crate::catalog::tests::sample_item());
    let facts = crate::engine::ApplicantFacts::default();
    let ctx = crate::engine::Context {
        item: &rules,
        calendar: &cal,
        applicant: &facts,
    };
    let received = crate::engine::Case::receive(&ctx, d("2025-03-11"), &[]).unwrap();
    assert_eq!(received.case.received_on, d("2025-03-11"));
}

#[test]
fn requests_are_checked_and_the_entrusted_body_may_not_redelegate() {
    let (_, j) = hanyin();
    let today = d("2025-03-03");
    let mut item = crate::catalog::tests::sample_item();
    item.handling_mode = HandlingMode::Delegated;
    item.delegated_to = vec!["jianchi".into()];
    let req = DelegationRequest {
        delegator: Delegator::Bureau,
        township: "jianchi".into(),
        items: vec!["HY-SC-001".into()],
        scope: DelegationScope::IntakeAndDecision,
        valid_from: today,
        valid_until: d("2025-12-31"),
        legal_basis: ART_24.into(),
        forward_days: None,
        notice_number: "汉审批委〔2025〕1号".into(),
    };
    let ok = check_request(&req, &j, std::slice::from_ref(&item), today).unwrap();
    assert_eq!(ok.forward_days, DEFAULT_FORWARD_DAYS);
    let fields = |r: DelegationRequest, items: &[Item]| -> Vec<String> {
        check_request(&r, &j, items, today)
            .unwrap_err()
            .into_iter()
            .map(|(f, m)| format!("{f}:{m}"))
            .collect()
    };
    // A village point is a place, not an authority.
    let e = fields(
        DelegationRequest {
            township: "jianchi-v1".into(),
            ..req.clone()
        },
        std::slice::from_ref(&item),
    );
    assert!(
        e[0].starts_with("township:") && e[0].contains("代办点"),
        "{e:?}"
    );
    // An item the catalog does not declare delegated to the township.
    let mut transferred = item.clone();
    transferred.handling_mode = HandlingMode::Transferred;
    transferred.delegated_to = vec![];
    let e = fields(req.clone(), std::slice::from_ref(&transferred));
    assert!(e[0].contains("未声明委托镇办理"), "{e:?}");
    // A period backwards, in the past; a bad forwarding deadline; control characters.
    let e = fields(
        DelegationRequest {
            valid_from: d("2025-03-01"),
            valid_until: d("2025-02-01"),
            forward_days: Some(0),
            legal_basis: "依据\u{0}".into(),
            ..req.clone()
        },
        std::slice::from_ref(&item),
    );
    for f in [
        "valid_until:",
        "valid_from:",
        "forward_days:",
        "legal_basis:",
    ] {
        assert!(e.iter().any(|m| m.starts_with(f)), "{f} {e:?}");
    }
    let e = refuse_redelegation(Some("涧池镇人民政府")).unwrap_err();
    assert!(e.contains("不得再委托"), "{e}");
    refuse_redelegation(None).unwrap();
}

#[test]
fn the_notice_names_the_parties_scope_period_and_basis() {
    let (_, j) = hanyin();
    let mut del = delegation(DelegationScope::IntakeAndDecision);
    let p = notice(&del, &j, &[("HY-SC-001".into(), "食品经营许可".into())]).join("\n");
    for s in [
        "涧池镇人民政府：",
        "汉阴县行政审批服务局委托你镇",
        "1. 食品经营许可（HY-SC-001）",
        "委托范围：受理和决定",
        "自2025年3月3日起至2025年12月31日止",
        "1个工作日内转交",
        "不得再委托",
        "汉审批委〔2025〕1号",
    ] {
        assert!(p.contains(s), "{s}\n{p}");
    }
    del.revoked_on = Some(d("2025-06-10"));
    del.revoke_reason = "镇承接能力不足".into();
    let p = notice(&del, &j, &[]).join("\n");
    assert!(
        p.contains("已于2025年6月10日撤销，理由：镇承接能力不足"),
        "{p}"
    );
}
