//! Tests of the ticket's types, deadlines and state machine.

use serde_json::json;

use super::*;
use crate::calendar::Calendar;
use crate::refusal::Refusal;
use crate::testing::d;

fn cal() -> Calendar {
    Calendar::builtin()
}

/// A complaint (投诉, R = 10) registered 2025-03-03 (Monday).
fn complaint() -> Ticket {
    let t = TicketType::Complaint;
    Ticket::create(
        t,
        Urgency::Normal,
        Deadlines::ordinary(t),
        d("2025-03-03"),
        &cal(),
    )
    .unwrap()
}

fn run(t: &Ticket, steps: &[(&str, TicketAction)]) -> Result<Ticket, TicketError> {
    let mut t = t.clone();
    for (on, a) in steps {
        t = t.apply(a, d(on), &cal())?;
    }
    Ok(t)
}

fn dispatch() -> TicketAction {
    TicketAction::Dispatch {
        department: "县市场监督管理局".into(),
    }
}

fn extend(days: u32) -> TicketAction {
    TicketAction::Extend {
        days,
        approved_by: EXTENSION_APPROVER.into(),
    }
}

fn refusal(r: Result<Ticket, TicketError>) -> Refusal {
    match r {
        Err(TicketError::Refused(r)) => r,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn the_default_reply_limits_follow_part_4() {
    let r = |t: TicketType| Deadlines::ordinary(t).reply;
    assert_eq!(r(TicketType::Consultation), Some(3));
    assert_eq!(r(TicketType::Help), Some(5));
    assert_eq!(r(TicketType::Complaint), Some(10));
    assert_eq!(r(TicketType::Report), Some(10));
    assert_eq!(r(TicketType::Suggestion), Some(15));
    assert_eq!(r(TicketType::Praise), None);
}

#[test]
fn types_parse_from_chinese_and_code() {
    assert_eq!(TicketType::parse("举报"), Some(TicketType::Report));
    assert_eq!(
        TicketType::parse("suggestion"),
        Some(TicketType::Suggestion)
    );
    assert_eq!(TicketType::parse("催办"), None);
}

#[test]
fn refusing_leaves_the_ticket_unchanged() {
    let t = complaint();
    let before = t.clone();
    refusal(t.apply(&TicketAction::Sign {}, d("2025-03-04"), &cal()));
    assert_eq!(t, before);
}

#[test]
fn the_extension_counts_from_the_dispatch_and_stays_spent_after_rehandling() {
    // Dispatched Monday 2025-03-03 + 10 + 4 working days = 2025-03-21 (Friday).
    let t = run(
        &complaint(),
        &[
            ("2025-03-03", dispatch()),
            ("2025-03-04", TicketAction::Sign {}),
            ("2025-03-05", extend(4)),
        ],
    )
    .unwrap();
    assert_eq!(t.reply_due, Some(d("2025-03-21")));
    // Replied 03-20; unsatisfied callback Friday 03-21: reply due add(03-21, 10) without the
    // extension; Qingming (04-04) is a holiday in 2025, so the 10th working day is 04-07.
    let t = run(
        &t,
        &[
            ("2025-03-20", TicketAction::Reply {}),
            ("2025-03-21", TicketAction::Callback { satisfied: false }),
        ],
    )
    .unwrap();
    assert_eq!(t.state, TicketState::InProgress);
    assert_eq!(t.rehandled, 1);
    assert_eq!(t.reply_due, Some(d("2025-04-07")));
    assert_eq!(t.first_replied_on, Some(d("2025-03-20")));
    assert_eq!(t.replied_on, None);
    assert_eq!(t.extension_days, 4);
    let r = refusal(t.apply(&extend(2), d("2025-03-24"), &cal()));
    assert!(r.message.contains("只能申请一次"), "{}", r.message);
    // Not replied by the new due date: overdue the next day, not on it.
    assert!(!t.overdue(d("2025-04-07")));
    assert!(t.overdue(d("2025-04-08")));
}

#[test]
fn a_return_clears_the_dispatch_and_a_new_dispatch_starts_afresh() {
    let t = run(&complaint(), &[("2025-03-03", dispatch())]).unwrap();
    assert_eq!(t.return_due, Some(d("2025-03-05")));
    let back = t
        .apply(
            &TicketAction::Return {
                reason: "不属于本部门职责".into(),
            },
            d("2025-03-05"),
            &cal(),
        )
        .unwrap();
    assert_eq!(back.state, TicketState::PendingDispatch);
    assert_eq!((back.reply_due, back.dispatched_on), (None, None));
    assert!(!back.overdue(d("2025-12-31")));
    let again = back.apply(&dispatch(), d("2025-03-10"), &cal()).unwrap();
    assert_eq!(again.sign_due, Some(d("2025-03-11")));
    assert_eq!(again.return_due, Some(d("2025-03-12")));
    assert_eq!(again.reply_due, Some(d("2025-03-24")));
    assert_eq!(again.returned, 1);
}

#[test]
fn a_return_needs_a_reason() {
    let t = run(&complaint(), &[("2025-03-03", dispatch())]).unwrap();
    let r = refusal(t.apply(
        &TicketAction::Return { reason: " ".into() },
        d("2025-03-04"),
        &cal(),
    ));
    assert!(r.message.contains("理由"), "{}", r.message);
}

#[test]
fn an_extension_needs_the_manager_and_praise_needs_none() {
    let t = run(&complaint(), &[("2025-03-03", dispatch())]).unwrap();
    let head = TicketAction::Extend {
        days: 5,
        approved_by: "head".into(),
    };
    assert_eq!(
        refusal(t.apply(&head, d("2025-03-04"), &cal())).rule,
        "RC-extend"
    );
    let p = TicketType::Praise;
    let praise = Ticket::create(
        p,
        Urgency::Normal,
        Deadlines::ordinary(p),
        d("2025-03-03"),
        &cal(),
    )
    .unwrap()
    .apply(&dispatch(), d("2025-03-03"), &cal())
    .unwrap();
    assert_eq!(praise.reply_due, None);
    let r = refusal(praise.apply(&extend(5), d("2025-03-04"), &cal()));
    assert!(r.message.contains("表扬"), "{}", r.message);
}

#[test]
fn the_ticket_round_trips_through_serde() {
    let t = run(&complaint(), &[("2025-03-03", dispatch())]).unwrap();
    let text = serde_json::to_string(&t).unwrap();
    assert!(text.contains("\"dispatched\""), "{text}");
    assert_eq!(serde_json::from_str::<Ticket>(&text).unwrap(), t);
    let a: TicketAction =
        serde_json::from_value(json!({"action": "sign", "at": "2025-03-04"})).unwrap();
    assert_eq!(a, TicketAction::Sign {});
}
