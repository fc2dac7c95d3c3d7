//! Tests of the statistics: exact figures of known cases, the rates' display, and the
//! properties every table keeps.

use proptest::prelude::*;

use super::*;
use crate::calendar::Calendar;
use crate::engine::{Action, ApplicantFacts, Case, Context, ItemRules};
use crate::monitoring::{CardLimit, Efficiency};
use crate::testing::d;

fn belongs(item: &str, dept: &str, window: &str, staff: &[&str]) -> Belongs {
    Belongs {
        item: Key::new(item, format!("事项{item}")),
        department: Key::new(dept, format!("部门{dept}")),
        window: Key::new(window, format!("窗口{window}")),
        staff: staff
            .iter()
            .map(|s| Key::new(*s, format!("人员{s}")))
            .collect(),
    }
}

/// A case received on `on`, nothing more, promised 5 of 20 days.
fn received(on: &str) -> CaseFacts {
    CaseFacts {
        belongs: belongs("I1", "D1", "W1", &["s1"]),
        received_on: d(on),
        accepted_on: None,
        refused_on: None,
        decided_on: None,
        approved: None,
        withdrawn_on: None,
        promised_days: 5,
        statutory_days: 20,
        working_days_used: None,
        efficiency: None,
        promised_due: None,
        cards: Vec::new(),
    }
}

fn decided(on: &str, decided: &str, class: Efficiency, approved: bool, days: u32) -> CaseFacts {
    CaseFacts {
        accepted_on: Some(d(on)),
        decided_on: Some(d(decided)),
        approved: Some(approved),
        efficiency: Some(class),
        working_days_used: Some(days),
        ..received(on)
    }
}

fn period(from: &str, to: &str) -> Period {
    Period::new(d(from), d(to)).unwrap()
}

#[test]
fn rates_are_exact_fractions_shown_to_one_decimal_place() {
    assert_eq!(Fraction::new(26, 27).percent(), "96.3%");
    assert_eq!(Fraction::new(1, 1).percent(), "100.0%");
    assert_eq!(Fraction::new(0, 5).percent(), "0.0%");
    assert_eq!(Fraction::new(0, 0).percent(), "—");
    assert_eq!(Fraction::new(0, 0).decimal(), "—");
    // Half up: 1/8 = 12.5% exactly; 1/16 = 6.25% → 6.3%; 25/2 = 12.5.
    assert_eq!(Fraction::new(1, 8).percent(), "12.5%");
    assert_eq!(Fraction::new(1, 16).percent(), "6.3%");
    assert_eq!(Fraction::new(25, 2).decimal(), "12.5");
    assert_eq!(Fraction::new(7, 3).decimal(), "2.3");
    assert_eq!(Fraction::new(3, 4).per_mille(), Some(750));
}

#[test]
fn a_period_ends_on_or_after_it_starts() {
    let err = Period::new(d("2025-03-02"), d("2025-03-01")).unwrap_err();
    assert!(
        err.contains("结束日期 2025-03-01 早于开始日期 2025-03-02"),
        "{err}"
    );
    assert!(period("2025-03-01", "2025-03-01").contains(d("2025-03-01")));
}

#[test]
fn known_cases_give_exact_figures() {
    let p = period("2025-03-01", "2025-03-31");
    let mut refused = received("2025-03-03");
    refused.refused_on = Some(d("2025-03-04"));
    let mut withdrawn = received("2025-03-05");
    withdrawn.accepted_on = Some(d("2025-03-05"));
    withdrawn.withdrawn_on = Some(d("2025-03-06"));
    // Open at the end of March, promised due 03-20: open overdue.
    let mut overdue = received("2025-03-10");
    overdue.accepted_on = Some(d("2025-03-10"));
    overdue.promised_due = Some(d("2025-03-20"));
    overdue.cards = vec![CardFact {
        limit: CardLimit::Promised,
        on: d("2025-03-21"),
    }];
    // Received in February, decided in April: open on 03-31, not overdue (due in April).
    let mut carried = received("2025-02-20");
    carried.accepted_on = Some(d("2025-02-20"));
    carried.decided_on = Some(d("2025-04-02"));
    carried.promised_due = Some(d("2025-04-10"));
    let facts = vec![
        decided("2025-03-03", "2025-03-03", Efficiency::Instant, true, 0),
        decided("2025-03-03", "2025-03-05", Efficiency::Early, true, 2),
        decided("2025-03-03", "2025-03-10", Efficiency::OnTime, false, 5),
        decided("2025-03-03", "2025-03-12", Efficiency::Late, true, 7),
        refused,
        withdrawn,
        overdue,
        carried,
        // Entirely outside the period.
        decided("2025-05-01", "2025-05-02", Efficiency::Early, true, 1),
    ];
    let t = Table::compute(Grouping::Item, p, &facts);
    let c = t.total.counts;
    assert_eq!(
        (
            c.received,
            c.accepted,
            c.refused,
            c.decided,
            c.approved,
            c.denied,
            c.withdrawn
        ),
        (7, 6, 1, 4, 3, 1, 1)
    );
    assert_eq!((c.instant, c.early, c.on_time, c.late), (1, 1, 1, 1));
    assert_eq!((c.open, c.open_overdue), (2, 1));
    assert_eq!(c.on_time_rate(), Fraction::new(3, 4));
    assert_eq!(c.on_time_rate().percent(), "75.0%");
    assert_eq!(c.on_time_rate_with_open(), Fraction::new(3, 5));
    assert_eq!(c.average_working_days().decimal(), "3.5");
    // Seven cases received in March at 5 of 20 days: 1 − 35/140.
    assert_eq!(c.compression(), Fraction::new(105, 140));
    assert_eq!(c.compression().percent(), "75.0%");
    assert_eq!((c.cards_promised, c.cards_statutory), (1, 0));
    assert_eq!(t.rows.len(), 1);
    assert_eq!(t.rows[0].counts, c);
    let cells: Vec<String> = t.total.cells().iter().map(Cell::text).collect();
    assert_eq!(cells.len(), COLUMNS.len());
    assert_eq!(cells[13..17], ["3.5", "75.0%", "60.0%", "75.0%"]);
    // The rates as the API gives them: exact, with their display.
    assert_eq!(
        t.total.rates.on_time_with_open,
        Rate {
            numerator: 3,
            denominator: 5,
            display: "60.0%".into()
        }
    );
    assert_eq!(t.total.rates.average_working_days.display, "3.5");
    assert_eq!(
        (&t.total.rates.good, &t.total.rates.rectified),
        (&None, &None)
    );
    // No ratings attached yet: 「—」.
    assert_eq!(cells[17..19], ["—", "—"]);
    assert_eq!(t.headings()[..3], ["事项编码", "事项", "收件"]);
    assert_eq!(
        t.title(),
        "政务服务统计（按事项，2025-03-01 至 2025-03-31）"
    );
}

#[test]
fn the_staff_grouping_counts_a_case_for_each_member_and_the_total_once() {
    let mut both = decided("2025-03-03", "2025-03-05", Efficiency::Early, true, 2);
    both.belongs.staff = vec![Key::new("s1", "甲"), Key::new("s2", "乙")];
    let t = Table::compute(Grouping::Staff, period("2025-03-01", "2025-03-31"), &[both]);
    assert_eq!(t.rows.len(), 2);
    assert!(t.rows.iter().all(|r| r.counts.decided == 1));
    assert_eq!(t.total.counts.decided, 1);
}

#[test]
fn ratings_attach_by_key_and_show_as_rates() {
    let mut t = Table::compute(
        Grouping::Department,
        period("2025-03-01", "2025-03-31"),
        &[received("2025-03-03")],
    );
    t.attach_ratings(|k| {
        (k.code == "D1").then_some(RatingFigures {
            good: Fraction::new(9, 10),
            rectified: Fraction::new(1, 3),
        })
    });
    let cells: Vec<String> = t.rows[0].cells().iter().map(Cell::text).collect();
    assert_eq!(cells[17..19], ["90.0%", "33.3%"]);
    assert_eq!(
        t.rows[0].rates.good.as_ref().map(|r| r.display.as_str()),
        Some("90.0%")
    );
    assert_eq!(t.total.ratings, None);
}

fn item(statutory: u32, promised: u32) -> ItemRules {
    serde_json::from_value(serde_json::json!({
        "name": "测试事项", "statutory_days": statutory, "promised_days": promised
    }))
    .unwrap()
}

#[test]
fn facts_are_read_off_the_engine_case_and_its_clock() {
    let (cal, facts, it) = (Calendar::builtin(), ApplicantFacts::default(), item(20, 5));
    let ctx = Context {
        item: &it,
        calendar: &cal,
        applicant: &facts,
    };
    // Accepted Monday 2025-03-03, suspended Wed 03-05 until Mon 03-10 (3 working days), decided
    // Fri 03-14: 9 working days after acceptance, 3 suspended → 6 used; promised due moved from
    // 03-10 to 03-13 (5 + 3 working days after 03-03), so deciding on 03-14 is late.
    let suspend: Action = serde_json::from_value(serde_json::json!({
        "action": "suspend", "kind": "testing", "reason": "水质检测", "expected_days": 5
    }))
    .unwrap();
    let mut case = Case::receive(&ctx, d("2025-03-03"), &[]).unwrap().case;
    for (on, action) in [
        ("2025-03-03", Action::Accept),
        ("2025-03-05", suspend),
        ("2025-03-10", Action::Resume),
        (
            "2025-03-14",
            Action::Decide {
                approve: false,
                reason: "不符合条件".into(),
            },
        ),
    ] {
        case = case.apply(&ctx, d(on), &action).unwrap().case;
    }
    let clock = case.deadlines(&ctx, d("2025-03-31")).unwrap();
    let f = CaseFacts::of_case(
        &case,
        &ctx,
        &clock,
        belongs("I1", "D1", "W1", &[]),
        Vec::new(),
    )
    .unwrap();
    assert_eq!(f.working_days_used, Some(6));
    assert_eq!(f.promised_due, Some(d("2025-03-13")));
    assert_eq!(f.efficiency, Some(Efficiency::Late));
    assert_eq!(f.approved, Some(false));
    assert_eq!((f.refused_on, f.withdrawn_on), (None, None));
    assert!(f.open_on(d("2025-03-13")) && !f.open_on(d("2025-03-14")));
    // Open on its promised due date is not yet overdue; decided the day after, it never was.
    assert!(!f.open_overdue_on(d("2025-03-13")) && !f.open_overdue_on(d("2025-03-14")));
    let undecided = CaseFacts {
        decided_on: None,
        approved: None,
        ..f.clone()
    };
    assert!(undecided.open_overdue_on(d("2025-03-14")));
    assert_eq!((f.promised_days, f.statutory_days), (5, 20));
}

#[test]
fn a_past_period_reads_the_due_dates_of_its_own_end() {
    let (cal, facts, it) = (Calendar::builtin(), ApplicantFacts::default(), item(20, 5));
    let ctx = Context {
        item: &it,
        calendar: &cal,
        applicant: &facts,
    };
    // Accepted Monday 2025-03-03 (promised due 03-10), suspended only on 03-12, resumed 03-17.
    let suspend: Action = serde_json::from_value(serde_json::json!({
        "action": "suspend", "kind": "testing", "reason": "水质检测", "expected_days": 5
    }))
    .unwrap();
    let mut case = Case::receive(&ctx, d("2025-03-03"), &[]).unwrap().case;
    for (on, action) in [
        ("2025-03-03", Action::Accept),
        ("2025-03-12", suspend),
        ("2025-03-17", Action::Resume),
    ] {
        case = case.apply(&ctx, d(on), &action).unwrap().case;
    }
    let facts_on = |day: &str| {
        let clock = case.deadlines(&ctx, d(day)).unwrap();
        CaseFacts::of_case(&case, &ctx, &clock, belongs("I1", "D1", "W1", &[]), vec![]).unwrap()
    };
    // On 03-11 the case was past its due date of 03-10: the later suspension does not move it.
    let early = facts_on("2025-03-11");
    assert_eq!(early.promised_due, Some(d("2025-03-10")));
    assert!(early.open_overdue_on(d("2025-03-11")));
    // On 03-14, suspended since 03-12 (2 working days so far): due 03-12.
    assert_eq!(facts_on("2025-03-14").promised_due, Some(d("2025-03-12")));
    // Read today, the whole suspension (03-12 to 03-17, 3 working days) counts: due 03-13.
    assert_eq!(facts_on("2025-03-31").promised_due, Some(d("2025-03-13")));
}

fn date_in(days: std::ops::Range<u32>) -> impl Strategy<Value = NaiveDate> {
    days.prop_map(|n| d("2025-01-01") + chrono::Days::new(u64::from(n)))
}

prop_compose! {
    fn any_facts()(
        group in 0..4u32,
        staff in proptest::collection::btree_set(0..4u32, 0..3),
        received in date_in(0..60),
        accept_after in proptest::option::of(0..10u32),
        outcome in 0..5u32,
        outcome_after in 0..40u32,
        class in proptest::sample::select(Efficiency::ALL.to_vec()),
        due_after in 0..30u32,
        promised in 0..20u32,
        extra in 0..20u32,
        cards in proptest::collection::vec((proptest::sample::select(vec![
            CardLimit::Promised, CardLimit::Statutory, CardLimit::Certificate]), 0..80u32), 0..3),
    ) -> CaseFacts {
        let at = |n: u32| received + chrono::Days::new(u64::from(n));
        let accepted = accept_after.map(at);
        let end = accepted.map(|a| a + chrono::Days::new(u64::from(outcome_after)));
        let mut f = received_case(received);
        f.belongs = belongs(&format!("I{group}"), &format!("D{}", group % 2), &format!("W{}", group % 3),
            &staff.iter().map(|s| format!("s{s}")).collect::<Vec<_>>().iter().map(String::as_str).collect::<Vec<_>>());
        f.accepted_on = accepted;
        f.promised_days = promised;
        f.statutory_days = promised + extra;
        f.promised_due = accepted.map(|a| a + chrono::Days::new(u64::from(due_after)));
        match (outcome, accepted) {
            (0, _) => f.refused_on = Some(at(outcome_after % 5)),
            (1, _) => f.withdrawn_on = Some(at(outcome_after)),
            (2 | 3, Some(_)) => {
                f.decided_on = end;
                f.approved = Some(outcome == 2);
                f.efficiency = Some(class);
                f.working_days_used = Some(outcome_after);
            }
            _ => {}
        }
        f.cards = cards.into_iter().map(|(limit, n)| CardFact { limit, on: at(n) }).collect();
        f
    }
}

fn received_case(on: NaiveDate) -> CaseFacts {
    received(&crate::calendar::fmt_date(on))
}

proptest! {
    #[test]
    fn tables_keep_their_sums(
        facts in proptest::collection::vec(any_facts(), 0..30),
        from in date_in(0..90),
        len in 0..60u32,
    ) {
        let p = Period::new(from, from + chrono::Days::new(u64::from(len))).unwrap();
        let mut totals = Vec::new();
        for g in [Grouping::Item, Grouping::Department, Grouping::Window] {
            let t = Table::compute(g, p, &facts);
            let c = t.total.counts;
            // The four classes sum to the decided, which are approved or denied.
            prop_assert_eq!(c.instant + c.early + c.on_time + c.late, c.decided);
            prop_assert_eq!(c.approved + c.denied, c.decided);
            prop_assert!(c.open_overdue <= c.open);
            prop_assert!(c.timely() <= c.decided);
            // The total is the sum of the groups, field by field.
            let mut sum = Counts::default();
            for r in &t.rows {
                let r = r.counts;
                sum.received += r.received; sum.accepted += r.accepted; sum.refused += r.refused;
                sum.decided += r.decided; sum.approved += r.approved; sum.denied += r.denied;
                sum.withdrawn += r.withdrawn; sum.instant += r.instant; sum.early += r.early;
                sum.on_time += r.on_time; sum.late += r.late; sum.open += r.open;
                sum.open_overdue += r.open_overdue; sum.working_days += r.working_days;
                sum.working_days_cases += r.working_days_cases;
                sum.promised_days += r.promised_days; sum.statutory_days += r.statutory_days;
                sum.cards_promised += r.cards_promised; sum.cards_statutory += r.cards_statutory;
                sum.cards_certificate += r.cards_certificate; sum.cards_conduct += r.cards_conduct;
            }
            prop_assert_eq!(sum, c);
            totals.push(c);
        }
        // Every grouping has the same total, and so has the staff grouping.
        prop_assert!(totals.windows(2).all(|w| w[0] == w[1]));
        prop_assert_eq!(Table::compute(Grouping::Staff, p, &facts).total.counts, totals[0]);
        // Counting case by case over the whole list gives the same received.
        let received = facts.iter().filter(|f| p.contains(f.received_on)).count() as u64;
        prop_assert_eq!(totals[0].received, received);
    }
}
