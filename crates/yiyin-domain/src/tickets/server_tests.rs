//! Tests of the acts only the server's requests centre uses (direct reply, reassignment,
//! arbitration, extension asked and decided and the caller told of it, reminders, merges) and of the matrix and the
//! duplicate checks.

use super::tests::ticket;
use super::*;
use crate::calendar::Calendar;
use crate::testing::d;

fn cal() -> Calendar {
    Calendar::builtin()
}

fn go(t: &Ticket, on: &str, a: TicketAction) -> Result<Ticket, TicketError> {
    t.apply(&a, d(on), &cal())
}

fn rule(r: Result<Ticket, TicketError>) -> String {
    match r {
        Err(TicketError::Refused(r)) => r.rule,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn to(dep: &str) -> TicketAction {
    TicketAction::Dispatch {
        department: dep.into(),
    }
}

#[test]
fn a_direct_reply_only_at_intake_and_an_unsatisfied_callback_dispatches_it() {
    let t = go(
        &ticket(TicketType::Consultation),
        "2025-03-03",
        TicketAction::DirectReply {},
    )
    .unwrap();
    assert_eq!(t.state, TicketState::Replied);
    assert!(t.direct);
    assert_eq!(t.callback_due, Some(d("2025-03-04")));
    let again = go(
        &t,
        "2025-03-04",
        TicketAction::Callback { satisfied: false },
    )
    .unwrap();
    assert_eq!(again.state, TicketState::PendingDispatch);
    assert_eq!(again.rehandled, 1);
    assert_eq!(again.dispatch_due, d("2025-03-05"));
    assert_eq!(again.first_replied_on, Some(d("2025-03-03")));
    assert_eq!(
        rule(go(&again, "2025-03-04", TicketAction::DirectReply {})),
        "RC-direct"
    );
    let dispatched = go(&ticket(TicketType::Help), "2025-03-03", to("shichang")).unwrap();
    assert_eq!(
        rule(go(&dispatched, "2025-03-03", TicketAction::DirectReply {})),
        "RC-direct"
    );
}

#[test]
fn a_return_waits_for_arbitration_which_dispatches_afresh() {
    let t = go(&ticket(TicketType::Complaint), "2025-03-03", to("zhujian")).unwrap();
    assert_eq!(
        rule(go(
            &t,
            "2025-03-04",
            TicketAction::Arbitrate {
                department: "shichang".into()
            }
        )),
        "RC-return"
    );
    let back = go(
        &t,
        "2025-03-04",
        TicketAction::Return {
            reason: "非本部门职责".into(),
        },
    )
    .unwrap();
    assert_eq!(back.pending_return.as_deref(), Some("非本部门职责"));
    assert_eq!(back.returned_by.as_deref(), Some("zhujian"));
    let a = go(
        &back,
        "2025-03-05",
        TicketAction::Arbitrate {
            department: "shichang".into(),
        },
    )
    .unwrap();
    assert_eq!(a.state, TicketState::Dispatched);
    assert_eq!(a.department.as_deref(), Some("shichang"));
    assert_eq!(a.pending_return, None);
    assert_eq!(a.sign_due, Some(d("2025-03-06")));
    assert_eq!(a.reply_due, Some(d("2025-03-19")));
}

#[test]
fn a_reassignment_needs_another_department_and_a_reason() {
    let t = go(&ticket(TicketType::Help), "2025-03-03", to("zhujian")).unwrap();
    let same = TicketAction::Reassign {
        department: "zhujian".into(),
        reason: "x".into(),
    };
    assert_eq!(rule(go(&t, "2025-03-04", same)), "RC-reassign");
    let bare = TicketAction::Reassign {
        department: "jiaotong".into(),
        reason: " ".into(),
    };
    assert_eq!(rule(go(&t, "2025-03-04", bare)), "RC-reassign");
    let ok = TicketAction::Reassign {
        department: "jiaotong".into(),
        reason: "道路归交通".into(),
    };
    let r = go(&t, "2025-03-04", ok).unwrap();
    assert_eq!(
        (r.reassigned, r.department.as_deref()),
        (1, Some("jiaotong"))
    );
    assert_eq!(r.reply_due, Some(d("2025-03-11")));
}

#[test]
fn an_extension_is_asked_once_and_decided_by_the_manager() {
    let t = go(&ticket(TicketType::Complaint), "2025-03-03", to("shichang")).unwrap();
    let ask = |days| TicketAction::AskExtension {
        days,
        reason: "需现场核查".into(),
    };
    assert_eq!(rule(go(&t, "2025-03-04", ask(11))), "RC-extend");
    let asked = go(&t, "2025-03-04", ask(5)).unwrap();
    assert_eq!(asked.extension_asked, Some(5));
    assert_eq!(rule(go(&asked, "2025-03-04", ask(3))), "RC-extend");
    let denied = go(
        &asked,
        "2025-03-05",
        TicketAction::DenyExtension {
            reason: "可按期办结".into(),
        },
    )
    .unwrap();
    assert_eq!(denied.extension_asked, None);
    let granted = go(
        &asked,
        "2025-03-05",
        TicketAction::Extend {
            days: 5,
            approved_by: EXTENSION_APPROVER.into(),
        },
    )
    .unwrap();
    assert_eq!(granted.extension_asked, None);
    assert_eq!(granted.reply_due, Some(d("2025-03-24")));
    assert_eq!(rule(go(&granted, "2025-03-06", ask(2))), "RC-extend");
}

#[test]
fn the_caller_is_told_of_a_granted_extension_once() {
    let inform = |note: &str| TicketAction::Inform { note: note.into() };
    let t = go(&ticket(TicketType::Complaint), "2025-03-03", to("shichang")).unwrap();
    // Nothing to tell before an extension is granted.
    assert_eq!(
        rule(go(&t, "2025-03-04", inform("已电话告知"))),
        "RC-inform"
    );
    let t = go(&t, "2025-03-04", TicketAction::Sign {}).unwrap();
    let granted = go(
        &t,
        "2025-03-05",
        TicketAction::Extend {
            days: 5,
            approved_by: EXTENSION_APPROVER.into(),
        },
    )
    .unwrap();
    assert!(granted.caller_to_tell);
    // How the caller was told is required; once told, there is nothing more to tell.
    assert_eq!(rule(go(&granted, "2025-03-05", inform("  "))), "RC-inform");
    let told = go(&granted, "2025-03-05", inform("已电话告知延期原因和新期限")).unwrap();
    assert!(!told.caller_to_tell);
    assert_eq!(told.reply_due, granted.reply_due);
    assert_eq!(
        rule(go(&told, "2025-03-06", inform("再次告知"))),
        "RC-inform"
    );
    // The reply itself tells a caller not yet told.
    let replied = go(&granted, "2025-03-06", TicketAction::Reply {}).unwrap();
    assert!(!replied.caller_to_tell);
    // Stored tickets without the field read as told; a told ticket stores no field.
    let json = serde_json::to_string(&told).unwrap();
    assert!(!json.contains("caller_to_tell"), "{json}");
    let back: Ticket = serde_json::from_str(&json).unwrap();
    assert_eq!(back, told);
}

#[test]
fn a_reminder_is_counted_only_while_the_department_holds_the_ticket() {
    let t = ticket(TicketType::Help);
    let remind = || TicketAction::Remind {
        note: "请尽快办理".into(),
    };
    assert_eq!(rule(go(&t, "2025-03-03", remind())), "RC-remind");
    let t = go(&t, "2025-03-03", to("shichang")).unwrap();
    let t = go(&t, "2025-03-04", remind()).unwrap();
    assert_eq!(t.reminders, 1);
}

#[test]
fn a_merged_ticket_is_closed_linked_and_never_overdue() {
    let t = ticket(TicketType::Complaint);
    let m = go(
        &t,
        "2025-03-04",
        TicketAction::Merge {
            master: "HY-12345-2025-000001".into(),
        },
    )
    .unwrap();
    assert_eq!(m.state, TicketState::Merged);
    assert_eq!(m.merged_into.as_deref(), Some("HY-12345-2025-000001"));
    assert!(!m.overdue(d("2026-01-01")));
    assert_eq!(rule(go(&m, "2025-03-04", to("shichang"))), "RC-order");
}

#[test]
fn line_department_work_is_never_dispatched_to_a_township() {
    let r = check_dispatch_target(Duty::Line, "食品安全", "涧池镇", true).unwrap_err();
    assert_eq!(r.rule, "RC-township");
    assert!(r.message.contains("不得派给镇"), "{}", r.message);
    assert!(check_dispatch_target(Duty::Township, "村容村貌", "涧池镇", true).is_ok());
    assert!(check_dispatch_target(Duty::Line, "食品安全", "县市场监督管理局", false).is_ok());
}

#[test]
fn duplicates_are_the_same_caller_or_place_and_category_within_the_window() {
    let f = |n, phone, loc, cat, on| DuplicateFacts {
        number: n,
        phone,
        location: loc,
        category: cat,
        created_on: d(on),
    };
    let master = f("A", Some("13800000000"), "城关镇东街", "food", "2025-03-03");
    let w = DEFAULT_MERGE_WINDOW_DAYS;
    assert!(
        check_duplicate(
            &f("B", Some("13800000000"), "别处", "noise", "2025-03-10"),
            &master,
            w
        )
        .is_ok()
    );
    assert!(
        check_duplicate(
            &f("B", None, "城关镇东街", "food", "2025-03-05"),
            &master,
            w
        )
        .is_ok()
    );
    assert!(
        check_duplicate(
            &f("B", None, "城关镇东街", "noise", "2025-03-05"),
            &master,
            w
        )
        .is_err()
    );
    assert!(
        check_duplicate(
            &f("B", Some("13800000000"), "城关镇东街", "food", "2025-03-11"),
            &master,
            w
        )
        .is_err()
    );
    assert!(
        check_duplicate(
            &f("A", Some("13800000000"), "城关镇东街", "food", "2025-03-03"),
            &master,
            w
        )
        .is_err()
    );
}

#[test]
fn the_matrix_defaults_to_part_4_and_refuses_bad_limits() {
    let mut m = DeadlineMatrix::default();
    assert_eq!(m.rows.len(), 12);
    assert_eq!(
        m.deadlines(TicketType::Suggestion, Urgency::Urgent),
        Deadlines::urgent(TicketType::Suggestion)
    );
    assert_eq!(
        m.deadlines(TicketType::Suggestion, Urgency::Normal),
        Deadlines::ordinary(TicketType::Suggestion)
    );
    assert!(m.validate().is_ok());
    let mut d = Deadlines::ordinary(TicketType::Help);
    d.reply = Some(7);
    m.set(TicketType::Help, Urgency::Normal, d);
    assert_eq!(
        m.deadlines(TicketType::Help, Urgency::Normal).reply,
        Some(7)
    );
    d.sign = 0;
    m.set(TicketType::Help, Urgency::Normal, d);
    assert_eq!(m.validate().unwrap_err().rule, "RC-matrix");
    let m = DeadlineMatrix {
        merge_window_days: 0,
        ..DeadlineMatrix::default()
    };
    assert!(m.validate().is_err());
}

#[test]
fn server_actions_are_not_rehearsed() {
    let input = r#"{"ticket":{"type":"咨询"},"events":[{"at":"2025-03-03T09:00:00+08:00","action":"create"},{"at":"2025-03-03T10:00:00+08:00","action":"direct_reply"}]}"#;
    let err = rehearse(input, &cal()).unwrap_err().to_string();
    assert!(err.contains("推演不支持"), "{err}");
}

#[test]
fn the_matrix_bounds_hour_limits_and_keeps_them_to_urgent_rows() {
    let rule = |m: &DeadlineMatrix| m.validate().unwrap_err();
    let t = TicketType::Complaint;
    let mut m = DeadlineMatrix::default();
    let mut d = Deadlines::urgent(t);
    d.dispatch_hours = Some(MAX_STEP_HOURS);
    d.reply_hours = Some(MAX_REPLY_HOURS);
    m.set(t, Urgency::Urgent, d);
    assert!(m.validate().is_ok());
    d.sign_hours = Some(0);
    m.set(t, Urgency::Urgent, d);
    let r = rule(&m);
    assert_eq!(r.rule, "RC-matrix");
    assert!(
        r.message.contains("签收时限应为1至48小时（现为0）"),
        "{}",
        r.message
    );
    d.sign_hours = Some(2);
    d.reply_hours = Some(MAX_REPLY_HOURS + 1);
    m.set(t, Urgency::Urgent, d);
    assert!(rule(&m).message.contains("答复时限应为1至240小时"));
    // Hours only on urgent rows; praise has no reply to count.
    let mut m = DeadlineMatrix::default();
    m.set(t, Urgency::Normal, Deadlines::urgent(t));
    assert!(rule(&m).message.contains("小时时限只适用于紧急工单"));
    let mut m = DeadlineMatrix::default();
    let mut p = Deadlines::urgent(TicketType::Praise);
    p.reply_hours = Some(24);
    m.set(TicketType::Praise, Urgency::Urgent, p);
    assert!(rule(&m).message.contains("不能设定答复小时时限"));
    // A matrix stored before the hour limits existed reads back with working days only.
    let old: DeadlineMatrix = serde_json::from_str(
        r#"{"rows":[{"type":"complaint","urgency":"urgent","deadlines":{"dispatch":1,"sign":1,"return_within":2,"reply":10,"callback":1,"max_extension":10}}],"merge_window_days":7}"#,
    )
    .unwrap();
    assert!(!old.deadlines(t, Urgency::Urgent).in_hours());
    assert!(old.validate().is_ok());
}
