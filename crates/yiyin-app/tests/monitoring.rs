//! E-monitoring (电子监察) through the use cases, on both databases: the sweep issues a case's
//! yellow card on the first working day after its promised due date and not before, once however
//! often and however many servers sweep; a suspended case gets none; the desk shows the cards to
//! the discipline supervisor, the bureau head and the observer of the department, to nobody else;
//! a card is appealed once by those who decide its case and the appeal decided by the discipline
//! supervisor alone, the card staying as issued; every act is in the unbroken chain. A case whose
//! deadline reaches a year whose holiday data is not loaded shows provisional dates, gets no card,
//! and is named on the calendar administrator's warning, until the year is loaded and its dues are
//! computed and kept. The conduct sweep cards a review step left past its budget and a pushed
//! result the supervising department did not acknowledge in time (on that department), once each.
//! The desk filters by window (following a case handed over) and by staff member, counts what
//! matches, and pages by key through every card once, in order.

mod common;

use chrono::{Duration, NaiveDate};
use common::*;
use yiyin_app::Principal;
use yiyin_app::audit::verify_chain;
use yiyin_app::monitoring::CardQuery;
use yiyin_domain::engine::{Action, IntakeOutcome};
use yiyin_domain::monitoring::{CardColor, CardLimit};
use yiyin_domain::roles::Role;
use yiyin_store::monitoring::{AppealState, MonitoringCard};
use yiyin_testkit::{at, date};

on_both!(crate::common::run;
    a_late_case_gets_its_yellow_card_on_its_date_once,
    a_suspended_case_gets_no_card,
    a_card_is_appealed_once_and_decided_by_the_discipline_supervisor,
    a_case_reaching_a_year_not_loaded_is_provisional_until_the_year_is,
    a_corrected_year_recomputes_the_kept_dues_in_its_transaction,
    conduct_cards_come_for_a_step_over_budget_and_a_push_not_acknowledged,
    the_desk_filters_by_window_and_staff_pages_by_key_and_counts,
);

fn day(d: NaiveDate) -> String {
    yiyin_domain::calendar::fmt_date(d)
}

fn desk() -> CardQuery {
    CardQuery {
        jurisdiction: HANYIN.into(),
        ..CardQuery::default()
    }
}

/// HY-SC-001 accepted on 2025-03-03 and left undecided; returns its id and the dates of its
/// promised limit: the due date and the card's date (the next working day), read from its clock.
async fn late_case(w: &World, n: u32) -> (i64, NaiveDate, NaiveDate) {
    let c = w
        .receive_food(org(n), IntakeOutcome::Accept, "2025-03-03")
        .await;
    let cal = w.calendar();
    let due = c
        .clock(&cal, date("2025-03-03"))
        .unwrap()
        .promised_due
        .expect("a promised due date");
    let on = cal.add(due, 1).unwrap();
    assert!(on > due && on - due < Duration::days(5), "{due} {on}");
    (c.id, due, on)
}

/// The discipline supervisor (纪检监察人员) of 汉阴县.
async fn discipline(w: &World) -> Principal {
    w.t.staff("hy.jj.zhou", Role::DisciplineSupervisor, HANYIN, None)
        .await
}

/// The cards of the jurisdiction as `who`'s desk lists them.
async fn all_cards(w: &World, who: &Principal) -> Vec<MonitoringCard> {
    w.cards(who, &desk()).await.unwrap().cards
}

async fn a_late_case_gets_its_yellow_card_on_its_date_once(w: World) {
    let jj = discipline(&w).await;
    let (id, due, on) = late_case(&w, 1).await;
    // On the due date and the day before the card's date: nothing.
    assert_eq!(w.sweep_cards(at(&day(due))).await.unwrap(), 0);
    let eve = on - Duration::days(1);
    assert_eq!(w.sweep_cards(at(&day(eve))).await.unwrap(), 0);
    assert!(all_cards(&w, &jj).await.is_empty());

    // On the card's date: one yellow card for the promised limit.
    assert_eq!(w.sweep_cards(at(&day(on))).await.unwrap(), 1);
    let cards = all_cards(&w, &jj).await;
    assert_eq!(cards.len(), 1);
    let card = &cards[0];
    assert_eq!(card.case_id, id);
    assert_eq!(card.color, CardColor::Yellow);
    assert_eq!(card.card_limit, CardLimit::Promised);
    assert_eq!((card.card_on, card.due_on), (on, due));
    assert_eq!(card.department, "shichang");
    assert!(card.reason.contains("承诺办结"), "{}", card.reason);
    assert!(card.appeal_state.is_none());

    // Sweeping again, and two sweeps at once later, issue nothing new.
    assert_eq!(w.sweep_cards(at(&day(on))).await.unwrap(), 0);
    let later = at(&day(on + Duration::days(1)));
    let (a, b) = tokio::join!(w.sweep_cards(later), w.sweep_cards(later));
    assert_eq!(a.unwrap() + b.unwrap(), 0);
    assert_eq!(all_cards(&w, &jj).await, cards);

    // Past the statutory limit, two sweeps at once issue the red card once.
    let cal = w.calendar();
    let record = w.store.case(id).await.unwrap();
    let statutory = record
        .clock(&cal, on)
        .unwrap()
        .statutory_due
        .expect("a statutory due date");
    let red_on = cal.add(statutory, 1).unwrap();
    let (a, b) = tokio::join!(
        w.sweep_cards(at(&day(red_on))),
        w.sweep_cards(at(&day(red_on)))
    );
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    let cards = all_cards(&w, &jj).await;
    assert_eq!(cards.len(), 2);
    assert_eq!(
        (cards[0].color, cards[0].card_limit, cards[0].card_on),
        (CardColor::Red, CardLimit::Statutory, red_on)
    );

    // Each issue is an event of the case, and the chain holds.
    let events = w.store.case_events(id).await.unwrap();
    let issues: Vec<_> = events.iter().filter(|e| e.action == "card_issue").collect();
    assert_eq!(issues.len(), 2);
    assert!(
        issues[0].reason.contains("黄牌（承诺时限）"),
        "{}",
        issues[0].reason
    );
    let report = verify_chain(&w.store).await.unwrap();
    assert!(report.broken.is_none(), "{:?}", report.broken);
    assert!(report.altered.is_empty(), "{:?}", report.altered);
}

async fn a_suspended_case_gets_no_card(w: World) {
    let jj = discipline(&w).await;
    let (id, due, on) = late_case(&w, 2).await;
    // Suspended (technical testing) before the due date and still suspended on the card's date.
    let suspend = Action::Suspend {
        kind: "testing".into(),
        reason: "水质检测".into(),
        expected_days: Some(20),
    };
    w.act(id, suspend, &day(due - Duration::days(3))).await;
    assert_eq!(w.sweep_cards(at(&day(on))).await.unwrap(), 0);
    assert_eq!(
        w.sweep_cards(at(&day(on + Duration::days(7))))
            .await
            .unwrap(),
        0
    );
    assert!(all_cards(&w, &jj).await.is_empty());
    // A case the test did not suspend, received at the same time, does get its card.
    let (other, _, _) = late_case(&w, 3).await;
    assert_eq!(w.sweep_cards(at(&day(on))).await.unwrap(), 1);
    assert_eq!(all_cards(&w, &jj).await[0].case_id, other);
}

async fn a_card_is_appealed_once_and_decided_by_the_discipline_supervisor(w: World) {
    let (_, _, on) = late_case(&w, 4).await;
    assert_eq!(w.sweep_cards(at(&day(on))).await.unwrap(), 1);
    w.t.set_today(&day(on));
    let discipline =
        w.t.staff("hy.jj.zhou", Role::DisciplineSupervisor, HANYIN, None)
            .await;
    let observer =
        w.t.staff("hy.gc.wu", Role::Observer, HANYIN, Some("shichang"))
            .await;
    let other_observer =
        w.t.staff("hy.gc.zheng", Role::Observer, HANYIN, Some("wenguang"))
            .await;

    // The desk: the discipline supervisor, the head and the department's observer see the card;
    // another department's observer sees none; the window is refused.
    let seen = w.cards(&discipline, &desk()).await.unwrap().cards;
    assert_eq!(seen.len(), 1);
    let card = seen[0].clone();
    assert_eq!(w.cards(&w.head, &desk()).await.unwrap().cards, seen);
    assert_eq!(w.cards(&observer, &desk()).await.unwrap().cards, seen);
    assert!(
        w.cards(&other_observer, &desk())
            .await
            .unwrap()
            .cards
            .is_empty()
    );
    let denied = forbidden(w.cards(&w.clerk, &desk()).await);
    assert!(denied.contains("查看电子监察"), "{denied}");
    // Filters: by colour, by date, by appeal state.
    let red = CardQuery {
        color: Some("红牌".into()),
        ..desk()
    };
    assert!(w.cards(&discipline, &red).await.unwrap().cards.is_empty());
    let after = CardQuery {
        from: Some(day(on + Duration::days(1))),
        ..desk()
    };
    assert!(w.cards(&discipline, &after).await.unwrap().cards.is_empty());
    let bad = CardQuery {
        from: Some("2025年3月1日".into()),
        ..desk()
    };
    assert_invalid(w.cards(&discipline, &bad).await, "from", "YYYY-MM-DD");

    // The appeal: not by the window, the reviewer or the discipline supervisor; a reason needed.
    for who in [&w.clerk, &w.reviewer, &discipline] {
        assert_forbidden(w.appeal_card(who, card.id, "材料补正").await, "无权申诉");
    }
    assert_invalid(
        w.appeal_card(&w.chief, card.id, "  ").await,
        "reason",
        "申诉理由",
    );
    let appealed = w
        .appeal_card(&w.chief, card.id, "申请人补正材料期间系统未计入中止")
        .await
        .unwrap();
    assert_eq!(appealed.appeal_state, Some(AppealState::Pending));
    assert_eq!(appealed.appeal_filed_by, Some(w.name_of(&w.chief)));
    // One appeal per card, whoever files the second.
    assert_error(
        w.appeal_card(&w.head, card.id, "再次申诉").await,
        "conflict",
        "只能申诉一次",
    );
    let pending = CardQuery {
        appeal: Some("pending".into()),
        ..desk()
    };
    assert_eq!(w.cards(&discipline, &pending).await.unwrap().cards.len(), 1);

    // The decision: the discipline supervisor alone, with a reason.
    for who in [&w.head, &w.chief, &observer] {
        assert_forbidden(
            w.decide_appeal(who, card.id, true, "同意").await,
            "纪检监察人员",
        );
    }
    assert_invalid(
        w.decide_appeal(&discipline, card.id, false, "").await,
        "reason",
        "复核意见",
    );
    let decided = w
        .decide_appeal(&discipline, card.id, false, "中止未经审批，超期属实")
        .await
        .unwrap();
    assert_eq!(decided.appeal_state, Some(AppealState::Rejected));
    assert_eq!(
        decided.appeal_decision_reason.as_deref(),
        Some("中止未经审批，超期属实")
    );
    assert_error(
        w.decide_appeal(&discipline, card.id, true, "改判").await,
        "conflict",
        "已复核",
    );
    // The appeal filter reads the appeals in their state (migration 0043): the decided appeal
    // is listed and counted as rejected, no longer as pending, and not past its card's date.
    let in_state = |state: &str| CardQuery {
        appeal: Some(state.into()),
        ..desk()
    };
    let rejected = w.cards(&discipline, &in_state("rejected")).await.unwrap();
    assert_eq!((rejected.cards.len(), rejected.count), (1, 1));
    assert_eq!(rejected.cards[0].id, card.id);
    for (q, what) in [
        (in_state("pending"), "pending"),
        (in_state("none"), "none"),
        (
            CardQuery {
                from: Some(day(card.card_on + Duration::days(1))),
                ..in_state("rejected")
            },
            "after the card",
        ),
    ] {
        let page = w.cards(&discipline, &q).await.unwrap();
        assert_eq!((page.cards.len(), page.count), (0, 0), "{what}");
    }
    // The card is as issued: same colour, limit, dates and reason; still listed.
    let now = w.cards(&discipline, &desk()).await.unwrap().cards;
    assert_eq!(now.len(), 1);
    let kept = &now[0];
    assert_eq!(
        (
            kept.id,
            kept.color,
            kept.card_limit,
            kept.card_on,
            kept.due_on,
            &kept.reason
        ),
        (
            card.id,
            card.color,
            card.card_limit,
            card.card_on,
            card.due_on,
            &card.reason
        )
    );

    // Issue, appeal and decision are events of the case, in the unbroken chain.
    let actions: Vec<String> = w
        .store
        .case_events(card.case_id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .filter(|a| a.starts_with("card_"))
        .collect();
    assert_eq!(
        actions,
        ["card_issue", "card_appeal", "card_appeal_decision"]
    );
    let report = verify_chain(&w.store).await.unwrap();
    assert!(report.broken.is_none(), "{:?}", report.broken);
    assert!(report.altered.is_empty(), "{:?}", report.altered);
}

async fn a_case_reaching_a_year_not_loaded_is_provisional_until_the_year_is(w: World) {
    let admin = w.t.staff("hy.admin", Role::SystemAdmin, HANYIN, None).await;
    // Accepted on 2026-12-10: its statutory limit (20 working days) reaches 2027, not loaded.
    let c = w
        .receive_food(org(1), IntakeOutcome::Accept, "2026-12-10")
        .await;
    let waiting = w.store.open_cases_without_dues(10).await.unwrap();
    assert_eq!(waiting, vec![c.id], "nothing kept on a provisional date");
    let view = w
        .case_view(&w.clerk, w.store.case(c.id).await.unwrap())
        .await
        .unwrap();
    let note = view.clock_provisional.clone().expect("provisional");
    assert!(
        note.starts_with("暂定") && note.contains("2027年"),
        "{note}"
    );
    let clock = view.clock.expect("the provisional clock");
    // Weekends only: 2026-12-11 … 12-31 give 15 working days, 2027-01-01 … 01-07 five more.
    assert_eq!(clock.statutory_due, Some(date("2027-01-07")));
    assert_eq!(view.clock_error, None);

    // The administrator is told, with the number of cases; others may not read it.
    let outlook = w.calendar_outlook(&admin).await.unwrap();
    let missing: Vec<(i32, usize)> = outlook.missing.iter().map(|m| (m.year, m.cases)).collect();
    assert_eq!(missing, vec![(2027, 1)]);
    assert!(outlook.missing[0].warning().contains("1件在办办件"));
    assert!(w.calendar_outlook(&w.head).await.is_err());

    // No card on a provisional date, however late it gets.
    assert_eq!(w.sweep_cards(at("2027-01-20")).await.unwrap(), 0);

    // The year loaded (2027-01-01 a holiday): the dues are computed and kept at once, recorded in
    // the case's chain; the card follows on the official dates.
    w.t.set_today("2026-12-20");
    let text = r#"{"year":2027,"days":[{"name":"元旦","date":"2027-01-01","isOffDay":true}]}"#;
    w.upload_calendar(&admin, text).await.unwrap();
    assert!(
        w.store
            .open_cases_without_dues(10)
            .await
            .unwrap()
            .is_empty()
    );
    let kept = w.store.case(c.id).await.unwrap();
    let events = w.store.case_events(c.id).await.unwrap();
    let computed = events
        .iter()
        .find(|e| e.action == "dues_computed")
        .expect("recorded");
    assert!(
        computed.reason.contains("2027-01-08"),
        "{}",
        computed.reason
    );
    let view = w.case_view(&w.clerk, kept).await.unwrap();
    assert_eq!(view.clock_provisional, None);
    assert!(w.calendar_outlook(&admin).await.unwrap().missing.is_empty());
    assert!(w.sweep_cards(at("2027-01-20")).await.unwrap() > 0);
    let report = verify_chain(&w.store).await.unwrap();
    assert_eq!(report.broken, None);
    assert!(report.altered.is_empty(), "{:?}", report.altered);
}

/// The statutory due date kept on a case (what the sweeps and the desk read), as a write
/// transaction sees it; None: the case is not among the open cases with a due date.
async fn kept_statutory_due(w: &World, case_id: i64) -> Option<NaiveDate> {
    let mut tx = w.store.begin_write().await.unwrap();
    let kept = tx
        .open_cases_due_from(date("2024-01-01"), 0, 100)
        .await
        .unwrap();
    kept.into_iter()
        .find(|k| k.id == case_id)
        .and_then(|k| k.statutory_due)
}

async fn a_corrected_year_recomputes_the_kept_dues_in_its_transaction(w: World) {
    let admin = w.t.staff("hy.admin", Role::SystemAdmin, HANYIN, None).await;
    // Accepted on 2026-12-10: 20 working days reach into 2027, not loaded: provisional.
    let c = w
        .receive_food(org(1), IntakeOutcome::Accept, "2026-12-10")
        .await;
    assert_eq!(kept_statutory_due(&w, c.id).await, None);
    w.t.set_today("2026-12-20");
    // 2027 loaded with 元旦 on 01-01: 15 working days in 2026 (12-11 … 12-31), five more from
    // 01-04: the exact due date is Friday 2027-01-08, kept at once.
    let first = r#"{"year":2027,"days":[{"name":"元旦","date":"2027-01-01","isOffDay":true}]}"#;
    w.upload_calendar(&admin, first).await.unwrap();
    assert_eq!(kept_statutory_due(&w, c.id).await, Some(date("2027-01-08")));
    let view = w
        .case_view(&w.clerk, w.store.case(c.id).await.unwrap())
        .await
        .unwrap();
    assert_eq!(view.clock_provisional, None);
    assert_eq!(
        view.clock.and_then(|c| c.statutory_due),
        Some(date("2027-01-08"))
    );

    // Corrected: 01-04 and 01-05 are days off too. The kept due moves two working days, to
    // Tuesday 01-12, in the upload's transaction, with an event of the case naming both dates.
    let corrected = r#"{"year":2027,"days":[
        {"name":"元旦","date":"2027-01-01","isOffDay":true},
        {"name":"更正","date":"2027-01-04","isOffDay":true},
        {"name":"更正","date":"2027-01-05","isOffDay":true}]}"#;
    w.upload_calendar(&admin, corrected).await.unwrap();
    assert_eq!(kept_statutory_due(&w, c.id).await, Some(date("2027-01-12")));
    let events = w.store.case_events(c.id).await.unwrap();
    let reasons: Vec<&str> = events
        .iter()
        .filter(|e| e.action == "dues_computed")
        .map(|e| e.reason.as_str())
        .collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(
        reasons[1].contains("由 2027-01-08 改为 2027-01-12"),
        "{reasons:?}"
    );
    // Loading the same data again moves nothing and records nothing more.
    w.upload_calendar(&admin, corrected).await.unwrap();
    let again = w.store.case_events(c.id).await.unwrap();
    assert_eq!(
        again.iter().filter(|e| e.action == "dues_computed").count(),
        2
    );

    // The monitoring's next sweeps read the new date: no statutory card on 01-12, one after it,
    // on the corrected due date.
    let statutory = |cards: Vec<MonitoringCard>| {
        cards
            .into_iter()
            .find(|k| k.card_limit == CardLimit::Statutory)
    };
    w.sweep_cards(at("2027-01-12")).await.unwrap();
    assert_eq!(statutory(w.store.cards_of_case(c.id).await.unwrap()), None);
    w.sweep_cards(at("2027-01-13")).await.unwrap();
    let card = statutory(w.store.cards_of_case(c.id).await.unwrap()).expect("the red card");
    assert_eq!(card.due_on, date("2027-01-12"));
    let report = verify_chain(&w.store).await.unwrap();
    assert_eq!(report.broken, None);
    assert!(report.altered.is_empty(), "{:?}", report.altered);
}

async fn conduct_cards_come_for_a_step_over_budget_and_a_push_not_acknowledged(w: World) {
    let jj = discipline(&w).await;
    // HY-SC-001 accepted Monday 2025-03-03: its review (5 working days) is due Monday 03-10.
    let c = w
        .receive_food(org(5), IntakeOutcome::Accept, "2025-03-03")
        .await;
    assert_eq!(w.sweep_conduct_cards(at("2025-03-10")).await.unwrap(), 0);
    let (a, b) = tokio::join!(
        w.sweep_conduct_cards(at("2025-03-11")),
        w.sweep_conduct_cards(at("2025-03-11"))
    );
    assert_eq!(a.unwrap() + b.unwrap(), 1, "one card, however many sweep");
    let cards = all_cards(&w, &jj).await;
    assert_eq!(cards.len(), 1);
    let card = &cards[0];
    assert_eq!(card.case_id, c.id);
    assert_eq!(
        (card.color, card.card_limit, card.card_on),
        (CardColor::Yellow, CardLimit::Step, date("2025-03-11"))
    );
    assert_eq!(card.department, "shichang");
    assert!(
        card.reason.contains("环节超过预定办理时限"),
        "{}",
        card.reason
    );
    // Reviewed late, then decided: the card stays, and no second one comes.
    w.act(c.id, review(), "2025-03-12").await;
    assert_eq!(w.sweep_conduct_cards(at("2025-03-13")).await.unwrap(), 0);

    // A licence granted on 03-03: its pushes to 市场监管 are due for acknowledgement a few working
    // days later; not acknowledged, the department gets a yellow card the day after.
    let (licensed, _) = w.food_licence(org(6), "2025-03-03").await;
    let due = w
        .store
        .pushes_about(licensed.id)
        .await
        .unwrap()
        .iter()
        .filter_map(|p| p.ack_due)
        .min()
        .expect("a push with an acknowledgement due date");
    let on = w.calendar().add(due, 1).unwrap();
    assert_eq!(w.sweep_conduct_cards(at(&day(due))).await.unwrap(), 0);
    assert_eq!(w.sweep_conduct_cards(at(&day(on))).await.unwrap(), 1);
    assert_eq!(w.sweep_conduct_cards(at(&day(on))).await.unwrap(), 0);
    let cards = all_cards(&w, &jj).await;
    let ack = cards
        .iter()
        .find(|c| c.card_limit == CardLimit::PushAck)
        .expect("the acknowledgement card");
    assert_eq!(
        (ack.case_id, ack.color, ack.card_on),
        (licensed.id, CardColor::Yellow, on)
    );
    assert_eq!(ack.department, "shichang");
    assert!(ack.reason.contains("签收"), "{}", ack.reason);
    // The chain holds.
    let report = verify_chain(&w.store).await.unwrap();
    assert!(report.broken.is_none(), "{:?}", report.broken);
}

/// Seven late cases carded on one day: three reviewed by the reviewer, two handed over to a
/// window (one before the sweep, one after). The desk filters by window and staff member with
/// counts that match, and pages of three go through every card once, newest first.
async fn the_desk_filters_by_window_and_staff_pages_by_key_and_counts(w: World) {
    let mut ids = Vec::new();
    let mut on = None;
    for n in 1..=7 {
        let (id, _, card_on) = late_case(&w, n).await;
        ids.push(id);
        on = Some(card_on);
    }
    let on = on.unwrap();
    for id in &ids[..3] {
        w.act(*id, review(), "2025-03-04").await;
    }
    let window = "hy-hall-w9";
    let store = w.t.app.store.clone();
    let hand = |id: i64| {
        let store = store.clone();
        async move {
            let mut tx = store.begin_write().await.unwrap();
            tx.hand_case_to(id, window, 0).await.unwrap();
            tx.commit().await.unwrap();
        }
    };
    hand(ids[3]).await;
    assert_eq!(w.sweep_cards(at(&day(on))).await.unwrap(), 7);
    hand(ids[4]).await;
    w.t.set_today(&day(on));
    let jj = discipline(&w).await;
    let cases_of = |page: &yiyin_app::monitoring::CardPage| {
        let mut c: Vec<i64> = page.cards.iter().map(|c| c.case_id).collect();
        c.sort();
        c
    };

    // By window: the two handed over; `online`, the others; the count says as many.
    let by_window = |w: &str| CardQuery {
        window: Some(w.into()),
        ..desk()
    };
    let windowed = w.cards(&jj, &by_window(window)).await.unwrap();
    assert_eq!(cases_of(&windowed), [ids[3], ids[4]]);
    assert_eq!(windowed.count, 2);
    assert!(windowed.cards.iter().all(|c| c.unit == window));
    let online = w.cards(&jj, &by_window("online")).await.unwrap();
    assert_eq!(online.count, 5);
    assert_eq!(online.cards.len(), 5);

    // By staff member: the reviewer's three cases; the clerk received them all.
    let by_staff = |p: &Principal| CardQuery {
        staff: Some(p.account.id.to_string()),
        ..desk()
    };
    let reviewed = w.cards(&jj, &by_staff(&w.reviewer)).await.unwrap();
    assert_eq!(cases_of(&reviewed), ids[..3]);
    assert_eq!(reviewed.count, 3);
    let received = w.cards(&jj, &by_staff(&w.clerk)).await.unwrap();
    assert_eq!(cases_of(&received), ids);
    assert_eq!(received.count, 7);
    // Both filters at once, and with a date range past the cards: none.
    let both = CardQuery {
        window: Some(window.into()),
        ..by_staff(&w.reviewer)
    };
    assert_eq!(w.cards(&jj, &both).await.unwrap().count, 0);
    let later = CardQuery {
        from: Some(day(on + Duration::days(1))),
        ..by_staff(&w.clerk)
    };
    assert_eq!(w.cards(&jj, &later).await.unwrap().count, 0);
    // Two filters at once (each pair leads an index of its own, migration 0037): the page and
    // its count agree, and a pair that matches nothing counts nothing.
    let color = all_cards(&w, &jj).await[0].color.code().to_string();
    let other_color = if color == "red" { "yellow" } else { "red" };
    let pairs: [(CardQuery, usize); 13] = [
        (
            CardQuery {
                department: Some("shichang".into()),
                color: Some(color.clone()),
                ..desk()
            },
            7,
        ),
        (
            CardQuery {
                department: Some("shichang".into()),
                color: Some(other_color.into()),
                ..desk()
            },
            0,
        ),
        (
            CardQuery {
                department: Some("shichang".into()),
                window: Some(window.into()),
                ..desk()
            },
            2,
        ),
        (
            CardQuery {
                department: Some("wenguang".into()),
                item: Some("HY-SC-001".into()),
                ..desk()
            },
            0,
        ),
        (
            CardQuery {
                item: Some("HY-SC-001".into()),
                window: Some("online".into()),
                ..desk()
            },
            5,
        ),
        (
            CardQuery {
                window: Some(window.into()),
                color: Some(color.clone()),
                from: Some(day(on)),
                to: Some(day(on)),
                ..desk()
            },
            2,
        ),
        (
            CardQuery {
                color: Some(color.clone()),
                ..by_staff(&w.reviewer)
            },
            3,
        ),
        (
            CardQuery {
                color: Some(other_color.into()),
                ..by_staff(&w.clerk)
            },
            0,
        ),
        (
            CardQuery {
                department: Some("shichang".into()),
                to: Some(day(on)),
                ..by_staff(&w.clerk)
            },
            7,
        ),
        (
            CardQuery {
                department: Some("wenguang".into()),
                ..by_staff(&w.clerk)
            },
            0,
        ),
        // Staff member + item and staff member + window read the staff rows' own columns
        // (migration 0043); the window follows a hand-over made after the card was filed.
        (
            CardQuery {
                item: Some("HY-SC-001".into()),
                ..by_staff(&w.reviewer)
            },
            3,
        ),
        (
            CardQuery {
                item: Some("HY-WG-001".into()),
                ..by_staff(&w.clerk)
            },
            0,
        ),
        (
            CardQuery {
                window: Some(window.into()),
                ..by_staff(&w.clerk)
            },
            2,
        ),
    ];
    for (q, expected) in &pairs {
        let page = w.cards(&jj, q).await.unwrap();
        assert_eq!(page.cards.len(), *expected, "{q:?}");
        assert_eq!(page.count, *expected as i64, "{q:?}");
    }

    // Pages of three, without and with the staff filter: every card once, newest first, the
    // count on every page, no `next` on the last.
    for base in [desk(), by_staff(&w.clerk)] {
        let mut seen: Vec<MonitoringCard> = Vec::new();
        let mut after = None;
        let mut pages = 0;
        loop {
            let q = CardQuery {
                limit: Some(3),
                after: after.clone(),
                ..base.clone()
            };
            let page = w.cards(&jj, &q).await.unwrap();
            pages += 1;
            assert_eq!(page.count, 7);
            assert!(page.cards.len() <= 3);
            seen.extend(page.cards);
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        assert_eq!(pages, 3);
        let mut order: Vec<(NaiveDate, i64)> = seen.iter().map(|c| (c.card_on, c.id)).collect();
        let listed = order.clone();
        order.sort_by(|a, b| b.cmp(a));
        assert_eq!(listed, order, "newest first, then by id");
        order.dedup();
        assert_eq!(order.len(), 7, "no card twice, none lost");
        let mut cases: Vec<i64> = seen.iter().map(|c| c.case_id).collect();
        cases.sort();
        assert_eq!(cases, ids);
    }

    // An observer of another department: nothing, counted as nothing.
    let other =
        w.t.staff("hy.gc.zheng", Role::Observer, HANYIN, Some("wenguang"))
            .await;
    let none = w.cards(&other, &by_staff(&w.clerk)).await.unwrap();
    assert!(none.cards.is_empty() && none.count == 0);
    // The window clerk is refused the filters too; bad input is refused in Chinese.
    let denied = forbidden(w.cards(&w.clerk, &by_window(window)).await);
    assert!(denied.contains("查看电子监察"), "{denied}");
    let bad_staff = CardQuery {
        staff: Some("李娜".into()),
        ..desk()
    };
    assert_invalid(w.cards(&jj, &bad_staff).await, "staff", "账号编号");
    let bad_cursor = CardQuery {
        after: Some("第二页".into()),
        ..desk()
    };
    assert_invalid(w.cards(&jj, &bad_cursor).await, "after", "翻页位置无效");
    let bad_limit = CardQuery {
        limit: Some(0),
        ..desk()
    };
    assert_invalid(w.cards(&jj, &bad_limit).await, "limit", "每页张数");
}
