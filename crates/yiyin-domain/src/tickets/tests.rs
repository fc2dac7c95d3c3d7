//! Tests of the ticket's types, deadlines and state machine.

use serde_json::json;

use super::*;
use crate::calendar::Calendar;
use crate::refusal::Refusal;
use crate::testing::d;

fn cal() -> Calendar {
    Calendar::builtin()
}

/// An ordinary ticket of type `t` registered 2025-03-03 (Monday).
pub(super) fn ticket(t: TicketType) -> Ticket {
    Ticket::create(
        t,
        Urgency::Normal,
        Deadlines::ordinary(t),
        d("2025-03-03"),
        &cal(),
    )
    .unwrap()
}

/// A complaint (投诉, R = 10) registered 2025-03-03 (Monday).
fn complaint() -> Ticket {
    ticket(TicketType::Complaint)
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

// ---- Urgent tickets: limits in elapsed hours (`legal-rules.md` Part 4) ----

fn dt(text: &str) -> chrono::NaiveDateTime {
    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
}

/// An urgent complaint registered at `at`, on Yiyin's urgent defaults.
fn urgent(at: &str) -> Ticket {
    let t = TicketType::Complaint;
    Ticket::create_at(t, Urgency::Urgent, Deadlines::urgent(t), dt(at), &cal()).unwrap()
}

fn run_at(t: &Ticket, steps: &[(&str, TicketAction)]) -> Result<Ticket, TicketError> {
    let mut t = t.clone();
    for (at, a) in steps {
        t = t.apply_at(a, dt(at), &cal())?;
    }
    Ok(t)
}

#[test]
fn the_urgent_defaults_are_in_hours_and_the_ordinary_ones_unchanged() {
    let u = Deadlines::urgent(TicketType::Suggestion);
    assert_eq!(
        (u.dispatch_hours, u.sign_hours, u.reply_hours),
        (Some(2), Some(2), Some(24))
    );
    assert_eq!((u.return_within, u.callback, u.max_extension), (2, 1, 10));
    assert_eq!(Deadlines::urgent(TicketType::Praise).reply_hours, None);
    let o = Deadlines::ordinary(TicketType::Complaint);
    assert!(!o.in_hours());
    assert_eq!(
        Deadlines::defaults(TicketType::Complaint, Urgency::Normal),
        o
    );
    // The ordinary row serialises exactly as before (no hour keys).
    assert_eq!(
        serde_json::to_value(o).unwrap(),
        json!({"dispatch": 1, "sign": 1, "return_within": 2, "reply": 10, "callback": 1, "max_extension": 10})
    );
}

#[test]
fn an_urgent_dispatch_is_due_two_elapsed_hours_after_registration() {
    let t = urgent("2025-03-03 10:30");
    assert_eq!(t.dispatch_due_at, Some(dt("2025-03-03 12:30")));
    assert_eq!(t.dispatch_due, d("2025-03-03"));
    assert_eq!(t.created_at, Some(dt("2025-03-03 10:30")));
    // Across midnight: 23:00 + 2 hours is 01:00 the next day.
    let late = urgent("2025-03-03 23:00");
    assert_eq!(late.dispatch_due_at, Some(dt("2025-03-04 01:00")));
    assert_eq!(late.dispatch_due, d("2025-03-04"));
    // Across a weekend: elapsed hours ignore the calendar (Friday 23:30 → Saturday 01:30).
    let friday = urgent("2025-03-07 23:30");
    assert_eq!(friday.dispatch_due_at, Some(dt("2025-03-08 01:30")));
}

#[test]
fn urgent_sign_and_reply_count_hours_from_the_dispatch_time() {
    let t = run_at(
        &urgent("2025-03-03 10:30"),
        &[("2025-03-03 12:30", dispatch())],
    )
    .unwrap();
    assert_eq!(t.dispatched_at, Some(dt("2025-03-03 12:30")));
    assert_eq!(t.sign_due_at, Some(dt("2025-03-03 14:30")));
    assert_eq!(t.sign_due, Some(d("2025-03-03")));
    assert_eq!(t.reply_due_at, Some(dt("2025-03-04 12:30")));
    assert_eq!(t.reply_due, Some(d("2025-03-04")));
    // The return window and the callback stay in working days.
    assert_eq!(t.return_due, Some(d("2025-03-05")));
    let signed = t
        .apply_at(&TicketAction::Sign {}, dt("2025-03-03 14:30"), &cal())
        .unwrap();
    assert_eq!(signed.signed_at, Some(dt("2025-03-03 14:30")));
    // A reply exactly at the 24th hour is on time; one minute later it is late.
    let on_time = signed
        .apply_at(&TicketAction::Reply {}, dt("2025-03-04 12:30"), &cal())
        .unwrap();
    assert!(!on_time.overdue_at(dt("2025-03-20 00:00")));
    assert!(!on_time.overdue(d("2025-03-20")));
    assert_eq!(on_time.callback_due, Some(d("2025-03-05")));
    let late = signed
        .apply_at(&TicketAction::Reply {}, dt("2025-03-04 12:31"), &cal())
        .unwrap();
    assert!(late.overdue_at(dt("2025-03-04 12:31")));
    assert!(late.overdue(d("2025-03-04")));
    // Not replied: late from the minute after the due, to the minute.
    assert!(!signed.overdue_at(dt("2025-03-04 12:30")));
    assert!(signed.overdue_at(dt("2025-03-04 12:31")));
    // As of a whole date, only after the due's date.
    assert!(!signed.overdue(d("2025-03-04")));
    assert!(signed.overdue(d("2025-03-05")));
}

#[test]
fn an_urgent_reply_due_crosses_a_weekend_in_elapsed_hours() {
    // Dispatched Friday 16:00: the reply is due Saturday 16:00, not on a working day.
    let t = run_at(
        &urgent("2025-03-07 15:00"),
        &[("2025-03-07 16:00", dispatch())],
    )
    .unwrap();
    assert_eq!(t.reply_due_at, Some(dt("2025-03-08 16:00")));
    assert_eq!(t.sign_due_at, Some(dt("2025-03-07 18:00")));
    assert!(t.overdue_at(dt("2025-03-08 16:01")));
}

#[test]
fn an_urgent_extension_moves_the_reply_due_by_working_days_keeping_the_time() {
    // Reply due Tuesday 2025-03-04 12:30; 3 working days later is Friday 03-07, still 12:30.
    let t = run_at(
        &urgent("2025-03-03 10:30"),
        &[
            ("2025-03-03 12:30", dispatch()),
            ("2025-03-03 13:00", TicketAction::Sign {}),
            ("2025-03-03 15:00", extend(3)),
        ],
    )
    .unwrap();
    assert_eq!(t.reply_due_at, Some(dt("2025-03-07 12:30")));
    assert_eq!(t.reply_due, Some(d("2025-03-07")));
    // Over a weekend: due Saturday 03-08 16:00, + 1 working day is Monday 03-10 16:00.
    let w = run_at(
        &urgent("2025-03-07 15:00"),
        &[
            ("2025-03-07 16:00", dispatch()),
            ("2025-03-07 17:00", extend(1)),
        ],
    )
    .unwrap();
    assert_eq!(w.reply_due_at, Some(dt("2025-03-10 16:00")));
}

#[test]
fn an_urgent_return_clears_the_hour_dues_and_rehandling_starts_a_new_hour_clock() {
    let t = run_at(
        &urgent("2025-03-03 10:30"),
        &[("2025-03-03 11:00", dispatch())],
    )
    .unwrap();
    let back = t
        .apply_at(
            &TicketAction::Return {
                reason: "不属于本部门职责".into(),
            },
            dt("2025-03-03 11:30"),
            &cal(),
        )
        .unwrap();
    assert_eq!((back.sign_due_at, back.reply_due_at), (None, None));
    assert_eq!(back.dispatched_at, None);
    let again = back
        .apply_at(
            &TicketAction::Arbitrate {
                department: "县住房和城乡建设局".into(),
            },
            dt("2025-03-03 16:00"),
            &cal(),
        )
        .unwrap();
    assert_eq!(again.sign_due_at, Some(dt("2025-03-03 18:00")));
    assert_eq!(again.reply_due_at, Some(dt("2025-03-04 16:00")));
    // Replied, then an unsatisfied callback: a new 24-hour clock from the callback.
    let redo = run_at(
        &again,
        &[
            ("2025-03-03 17:00", TicketAction::Sign {}),
            ("2025-03-04 09:00", TicketAction::Reply {}),
            (
                "2025-03-04 10:15",
                TicketAction::Callback { satisfied: false },
            ),
        ],
    )
    .unwrap();
    assert_eq!(redo.state, TicketState::InProgress);
    assert_eq!(redo.replied_at, None);
    assert_eq!(redo.reply_due_at, Some(dt("2025-03-05 10:15")));
    assert_eq!(redo.reply_due, Some(d("2025-03-05")));
}

#[test]
fn a_direct_reply_of_an_urgent_ticket_redispatches_in_hours_after_an_unsatisfied_callback() {
    let t = run_at(
        &urgent("2025-03-03 10:30"),
        &[
            ("2025-03-03 10:40", TicketAction::DirectReply {}),
            (
                "2025-03-03 23:30",
                TicketAction::Callback { satisfied: false },
            ),
        ],
    )
    .unwrap();
    assert_eq!(t.state, TicketState::PendingDispatch);
    assert_eq!(t.dispatch_due_at, Some(dt("2025-03-04 01:30")));
    assert_eq!(t.dispatch_due, d("2025-03-04"));
}

#[test]
fn ordinary_tickets_ignore_the_time_and_get_no_hour_fields() {
    let t = TicketType::Complaint;
    let timed = Ticket::create_at(
        t,
        Urgency::Normal,
        Deadlines::ordinary(t),
        dt("2025-03-03 17:45"),
        &cal(),
    )
    .unwrap();
    assert_eq!(timed, complaint());
    let a = run_at(&timed, &[("2025-03-03 17:50", dispatch())]).unwrap();
    let b = run(&complaint(), &[("2025-03-03", dispatch())]).unwrap();
    assert_eq!(a, b);
    let text = serde_json::to_string(&a).unwrap();
    assert!(!text.contains("_at"), "{text}");
    assert!(!text.contains("hours"), "{text}");
}

#[test]
fn an_urgent_ticket_stored_before_hours_existed_keeps_counting_in_working_days() {
    // A stored ticket (and its deadlines) without the hour keys reads back as working days.
    let mut v =
        serde_json::to_value(run(&complaint(), &[("2025-03-03", dispatch())]).unwrap()).unwrap();
    v["urgency"] = json!("urgent");
    let old: Ticket = serde_json::from_value(v).unwrap();
    assert!(!old.in_hours());
    assert_eq!(old.reply_due_at, None);
    let signed = old
        .apply_at(&TicketAction::Sign {}, dt("2025-03-04 09:00"), &cal())
        .unwrap();
    assert_eq!(signed.reply_due, Some(d("2025-03-17")));
    assert_eq!(signed.signed_at, None);
}

#[test]
fn an_urgent_ticket_round_trips_through_serde() {
    let t = run_at(
        &urgent("2025-03-03 10:30"),
        &[("2025-03-03 12:30", dispatch())],
    )
    .unwrap();
    let text = serde_json::to_string(&t).unwrap();
    assert!(
        text.contains("\"reply_due_at\":\"2025-03-04T12:30:00\""),
        "{text}"
    );
    assert_eq!(serde_json::from_str::<Ticket>(&text).unwrap(), t);
}
