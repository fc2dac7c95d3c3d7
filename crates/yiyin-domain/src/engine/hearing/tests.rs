//! The hearing engine's scenarios (Art. 46–48, 45; `contracts.md` §2b): the dates, the recusal,
//! the signed record, the clock, and the actions offered on each day.

use super::Participant;
use crate::calendar::Calendar;
use crate::catalog::StepKind;
use crate::engine::{
    Action, ApplicantFacts, Case, CaseState, Context, DocumentKind, EngineError, ItemRules,
};
use crate::testing::d;
use chrono::NaiveDate;

const PLAIN: &str = r#"{"name":"建设项目环境影响评价审批","statutory_days":20,"promised_days":10}"#;
const REVIEWED: &str = r#"{"name":"建设项目环境影响评价审批","statutory_days":20,"promised_days":10,
    "steps":[{"kind":"review","name":"审查","role":"reviewer","days":5},
             {"kind":"hearing","name":"听证","role":"section_chief","days":5},
             {"kind":"decision","name":"决定","role":"section_chief","days":1}]}"#;

struct World {
    item: ItemRules,
    cal: Calendar,
    facts: ApplicantFacts,
}

impl World {
    fn new(item: &str) -> Self {
        World {
            item: serde_json::from_str(item).unwrap(),
            cal: Calendar::builtin(),
            facts: ApplicantFacts::default(),
        }
    }
    fn ctx(&self) -> Context<'_> {
        Context {
            item: &self.item,
            calendar: &self.cal,
            applicant: &self.facts,
        }
    }
    /// Received and accepted on 2025-03-03 (a Monday; March 2025 has no holiday).
    fn accepted(&self) -> Case {
        let on = d("2025-03-03");
        let c = Case::receive(&self.ctx(), on, &[]).unwrap().case;
        c.apply(&self.ctx(), on, &Action::Accept).unwrap().case
    }
    fn apply(&self, c: &Case, on: &str, a: Action) -> Result<(Case, Vec<DocumentKind>), String> {
        match c.apply(&self.ctx(), d(on), &a) {
            Ok(applied) => {
                let docs = applied.documents();
                Ok((applied.case, docs))
            }
            Err(EngineError::Refused(r)) => Err(r.message),
            Err(e) => Err(e.to_string()),
        }
    }
    fn ok(&self, c: &Case, on: &str, a: Action) -> Case {
        self.apply(c, on, a).unwrap().0
    }
    fn refused(&self, c: &Case, on: &str, a: Action) -> String {
        self.apply(c, on, a).unwrap_err()
    }
}

fn schedule(on: &str, presiding: &str) -> Action {
    Action::ScheduleHearing {
        on: d(on),
        presiding: presiding.into(),
        place: "县政务服务中心三楼听证室".into(),
    }
}

/// Holding the hearing with a short record and these participants.
fn hold(participants: Vec<Participant>) -> Action {
    Action::HoldHearing {
        record: "笔录".into(),
        participants,
    }
}

fn person(name: &str, role: &str, signed: bool) -> Participant {
    Participant {
        name: name.into(),
        role: role.into(),
        signed,
        refusal: String::new(),
    }
}

fn decide() -> Action {
    Action::Decide {
        approve: true,
        reason: "经听证，申请符合法定条件".into(),
    }
}

fn date(c: &Case) -> Option<NaiveDate> {
    c.hearing.as_ref().and_then(|h| h.date)
}

/// Art. 46: the bureau opens the hearing itself; the same 20- and 7-day rules count from the
/// opening; the announcement and the notice are issued at scheduling; no decision before the
/// hearing nor before every participant has signed the record.
#[test]
fn a_statutory_hearing_follows_the_dates_and_the_signed_record() {
    let w = World::new(PLAIN);
    let c = w.accepted();
    let msg = w.refused(&c, "2025-03-04", Action::OpenHearing { reason: " ".into() });
    assert!(msg.contains("第四十六条"), "{msg}");
    let (c, docs) = w
        .apply(
            &c,
            "2025-03-04",
            Action::OpenHearing {
                reason: "《某某条例》第十条规定应当听证".into(),
            },
        )
        .unwrap();
    assert_eq!(docs, vec![DocumentKind::SuspensionNotice]);
    assert_eq!(c.state, CaseState::Suspended);
    assert!(c.hearing.as_ref().unwrap().statutory);
    // An interested party joins the statutory hearing, not asks for another.
    let msg = w.refused(
        &c,
        "2025-03-05",
        Action::RequestHearing {
            reason: String::new(),
            by: "利害关系人 王五".into(),
        },
    );
    assert!(msg.contains("第四十六条"), "{msg}");
    // add(03-05, 7) = 03-14: 03-13 is too soon; add(03-04, 20) = 04-01: 04-02 too late.
    let msg = w.refused(
        &c,
        "2025-03-05",
        schedule("2025-03-13", "张主持（hy.head）"),
    );
    assert!(
        msg.contains("第四十八条第一款第（一）项") && msg.contains("2025-03-14"),
        "{msg}"
    );
    let msg = w.refused(
        &c,
        "2025-03-05",
        schedule("2025-04-02", "张主持（hy.head）"),
    );
    assert!(
        msg.contains("第四十七条") && msg.contains("2025-04-01"),
        "{msg}"
    );
    let (c, docs) = w
        .apply(
            &c,
            "2025-03-05",
            schedule("2025-03-14", "张主持（hy.head）"),
        )
        .unwrap();
    assert_eq!(
        docs,
        vec![
            DocumentKind::HearingNotice,
            DocumentKind::HearingAnnouncement
        ]
    );
    assert_eq!(date(&c), Some(d("2025-03-14")));
    let msg = w.refused(&c, "2025-03-10", decide());
    assert!(msg.contains("第四十八条第二款"), "{msg}");
    let msg = w.refused(&c, "2025-03-13", hold(vec![]));
    assert!(msg.contains("2025-03-14"), "{msg}");
    let c = w.ok(
        &c,
        "2025-03-14",
        Action::HoldHearing {
            record: "申请人陈述……利害关系人质证……".into(),
            participants: vec![
                person("陈某", "申请人", true),
                person("王五", "利害关系人", false),
            ],
        },
    );
    assert_eq!(c.state, CaseState::Accepted);
    assert_eq!(c.hearing_on(), Some(d("2025-03-14")));
    // The hearing time is not counted: 03-04 to 03-14 is 8 working days.
    let clock = c.clock(&w.ctx(), d("2025-03-14")).unwrap();
    assert_eq!(clock.suspended_days, 8);
    assert!(
        c.possible_actions(&w.item)
            .contains(&"confirm_hearing_record")
    );
    assert!(!c.possible_actions(&w.item).contains(&"decide"));
    let msg = w.refused(&c, "2025-03-17", decide());
    assert!(
        msg.contains("王五（利害关系人）") && msg.contains("第四十八条第一款第（五）项"),
        "{msg}"
    );
    let confirm = |signed: bool, refusal: &str| Action::ConfirmHearingRecord {
        name: "王五".into(),
        signed,
        refusal: refusal.into(),
    };
    let msg = w.refused(&c, "2025-03-17", confirm(false, ""));
    assert!(msg.contains("拒绝签字"), "{msg}");
    let c = w.ok(
        &c,
        "2025-03-17",
        confirm(false, "王五认为笔录遗漏其意见，拒绝签字"),
    );
    let msg = w.refused(&c, "2025-03-17", confirm(true, ""));
    assert!(msg.contains("已确认"), "{msg}");
    let (c, docs) = w.apply(&c, "2025-03-17", decide()).unwrap();
    assert_eq!(docs, vec![DocumentKind::DecisionLetter]);
    assert_eq!(c.state, CaseState::Decided);
}

/// Art. 47: an interested party asks within 5 working days of the notice, on the same dates.
#[test]
fn an_interested_party_requests_within_five_days() {
    let w = World::new(PLAIN);
    let c = w.accepted();
    let (c, docs) = w
        .apply(&c, "2025-03-04", Action::NotifyHearingRight)
        .unwrap();
    assert_eq!(docs, vec![DocumentKind::HearingRightNotice]);
    let request = Action::RequestHearing {
        reason: "项目距住宅过近".into(),
        by: "利害关系人 王五".into(),
    };
    // add(03-04, 5) = 03-11.
    let msg = w.refused(&c, "2025-03-12", request.clone());
    assert!(
        msg.contains("第四十七条") && msg.contains("2025-03-11"),
        "{msg}"
    );
    let c = w.ok(&c, "2025-03-11", request);
    let h = c.hearing.as_ref().unwrap();
    assert_eq!(h.requested_by, "利害关系人 王五");
    assert!(!h.statutory);
    assert_eq!(
        c.suspensions.last().unwrap().reason,
        "利害关系人 王五申请听证"
    );
    // add(03-11, 20) = 04-09 (清明 04-04 is a holiday) is the latest date.
    let msg = w.refused(
        &c,
        "2025-03-12",
        schedule("2025-04-10", "张主持（hy.head）"),
    );
    assert!(msg.contains("2025-04-09"), "{msg}");
    let c = w.ok(
        &c,
        "2025-03-12",
        schedule("2025-04-09", "张主持（hy.head）"),
    );
    assert_eq!(date(&c), Some(d("2025-04-09")));
}

/// Art. 48 para 1 (3): the reviewer may not preside, at scheduling nor after a recusal; a
/// party's recusal request waits for the agency head, and the hearing waits for the decision.
#[test]
fn the_presiding_officer_is_not_the_reviewer_and_may_be_recused() {
    let w = World::new(REVIEWED);
    let c = w.accepted();
    let c = w.ok(
        &c,
        "2025-03-04",
        Action::CompleteStep {
            kind: StepKind::Review,
            staff: vec!["李审（hy.reviewer）".into()],
            opinion: "材料齐全，拟听证".into(),
        },
    );
    let c = w.ok(&c, "2025-03-04", Action::NotifyHearingRight);
    let c = w.ok(
        &c,
        "2025-03-05",
        Action::RequestHearing {
            reason: String::new(),
            by: String::new(),
        },
    );
    let msg = w.refused(
        &c,
        "2025-03-05",
        schedule("2025-03-14", "李审（hy.reviewer）"),
    );
    assert!(msg.contains("第四十八条第一款第（三）项"), "{msg}");
    let c = w.ok(
        &c,
        "2025-03-05",
        schedule("2025-03-14", "张主持（hy.chief）"),
    );
    let recusal = Action::RequestRecusal {
        reason: "主持人系申请人的近亲属".into(),
        by: "利害关系人 王五".into(),
    };
    let c = w.ok(&c, "2025-03-06", recusal.clone());
    assert_eq!(
        c.possible_actions(&w.item),
        vec!["decide_recusal", "withdraw", "extend"]
    );
    let msg = w.refused(&c, "2025-03-06", recusal);
    assert!(msg.contains("尚待决定"), "{msg}");
    let held = hold(vec![person("陈某", "申请人", true)]);
    let decide_recusal = |granted: bool, presiding: &str, reason: &str| Action::DecideRecusal {
        granted,
        presiding: presiding.into(),
        reason: reason.into(),
    };
    for (presiding, words) in [
        ("", "新的听证主持人"),
        ("张主持（hy.chief）", "已决定回避"),
        ("李审（hy.reviewer）", "第四十八条第一款第（三）项"),
    ] {
        let msg = w.refused(&c, "2025-03-07", decide_recusal(true, presiding, ""));
        assert!(msg.contains(words), "{presiding}: {msg}");
    }
    let msg = w.refused(&c, "2025-03-07", decide_recusal(false, "", ""));
    assert!(msg.contains("理由"), "{msg}");
    let (c, docs) = w
        .apply(
            &c,
            "2025-03-07",
            decide_recusal(true, "赵主持（hy.head）", "理由成立"),
        )
        .unwrap();
    assert_eq!(
        docs,
        vec![
            DocumentKind::HearingNotice,
            DocumentKind::HearingAnnouncement
        ]
    );
    let h = c.hearing.as_ref().unwrap();
    assert_eq!(h.presiding, "赵主持（hy.head）");
    assert_eq!(h.recusals[0].granted, Some(true));
    assert_eq!(h.recusals[0].officer, "张主持（hy.chief）");
    let c = w.ok(&c, "2025-03-14", held);
    // The held hearing completes the item's hearing step, presided by the officer named.
    let step = c.steps.last().unwrap();
    assert_eq!(step.kind, StepKind::Hearing);
    assert_eq!(step.staff, vec!["赵主持（hy.head）".to_string()]);
    assert!(c.possible_actions(&w.item).contains(&"complete_step"));
}

/// A hearing's hold waits for the undecided recusal.
#[test]
fn no_hearing_while_a_recusal_waits() {
    let w = World::new(PLAIN);
    let c = w.accepted();
    let c = w.ok(
        &c,
        "2025-03-04",
        Action::OpenHearing {
            reason: "涉及重大公共利益".into(),
        },
    );
    let c = w.ok(
        &c,
        "2025-03-04",
        schedule("2025-03-13", "张主持（hy.head）"),
    );
    let c = w.ok(
        &c,
        "2025-03-10",
        Action::RequestRecusal {
            reason: "有利害关系".into(),
            by: String::new(),
        },
    );
    let msg = w.refused(&c, "2025-03-13", hold(vec![]));
    assert!(msg.contains("回避"), "{msg}");
    let c = w.ok(
        &c,
        "2025-03-11",
        Action::DecideRecusal {
            granted: false,
            presiding: String::new(),
            reason: "所称利害关系不成立".into(),
        },
    );
    let c = w.ok(&c, "2025-03-13", hold(vec![person("陈某", "申请人", true)]));
    assert!(c.hearing.as_ref().unwrap().record_complete());
    let c = w.ok(&c, "2025-03-14", decide());
    assert_eq!(c.state, CaseState::Decided);
}

/// The hearing actions a case offers on `on`.
fn offered_hearing_actions(w: &World, c: &Case, on: &str) -> Vec<&'static str> {
    const HEARING: [&str; 8] = [
        "notify_hearing_right",
        "open_hearing",
        "request_hearing",
        "schedule_hearing",
        "request_recusal",
        "decide_recusal",
        "hold_hearing",
        "confirm_hearing_record",
    ];
    let c = c.tick(d(on)).map_or(c.clone(), |(c, _)| c);
    c.offered_actions(&w.ctx(), d(on))
        .into_iter()
        .filter(|a| HEARING.contains(a))
        .collect()
}

/// Each hearing action is offered only on a day the engine would take it: no request before the
/// notice or after its 5 days, no new date once no day within the 20 days is 7 days ahead (so
/// not on the hearing day fixed at the last possible date), no hearing but on its day, nothing
/// but the head's decision while a recusal waits, the signatures before the decision.
#[test]
fn hearing_actions_are_offered_only_when_the_engine_would_take_them() {
    let w = World::new(PLAIN);
    let c = w.accepted();
    assert_eq!(
        offered_hearing_actions(&w, &c, "2025-03-04"),
        ["notify_hearing_right", "open_hearing"]
    );
    let c = w.ok(&c, "2025-03-04", Action::NotifyHearingRight);
    assert_eq!(
        offered_hearing_actions(&w, &c, "2025-03-05"),
        ["request_hearing", "open_hearing"]
    );
    // add(03-04, 5) = 03-11: the right has lapsed the day after.
    assert_eq!(
        offered_hearing_actions(&w, &c, "2025-03-12"),
        ["open_hearing"]
    );
    let request = Action::RequestHearing {
        reason: String::new(),
        by: String::new(),
    };
    let c = w.ok(&c, "2025-03-05", request);
    assert_eq!(
        offered_hearing_actions(&w, &c, "2025-03-05"),
        ["schedule_hearing"]
    );
    // Fixed for the last day the 20 days allow: add(03-05, 20).
    let last = w.cal.add(d("2025-03-05"), 20).unwrap();
    let c = w.ok(
        &c,
        "2025-03-05",
        schedule(&last.to_string(), "张主持（hy.head）"),
    );
    // A new date may still be fixed while one 7 days ahead is within the 20 days.
    let mut day = d("2025-03-06");
    while day <= last {
        let offered = offered_hearing_actions(&w, &c, &day.to_string());
        let fits = w.cal.add(day, 7).unwrap() <= last;
        assert_eq!(
            offered.contains(&"schedule_hearing"),
            fits,
            "{day}: {offered:?}"
        );
        assert_eq!(
            offered.contains(&"schedule_hearing"),
            w.apply(
                &c,
                &day.to_string(),
                schedule(&w.cal.add(day, 7).unwrap().to_string(), "")
            )
            .is_ok(),
            "{day}: the offer is the engine's answer"
        );
        assert_eq!(offered.contains(&"hold_hearing"), day == last, "{day}");
        assert!(offered.contains(&"request_recusal"), "{day}: {offered:?}");
        day = w.cal.add(day, 1).unwrap();
    }
    // On the hearing day: held, not fixed again.
    assert_eq!(
        offered_hearing_actions(&w, &c, &last.to_string()),
        ["hold_hearing", "request_recusal"]
    );
    // A recusal waits for the head: nothing else is offered.
    let c = w.ok(
        &c,
        &last.to_string(),
        Action::RequestRecusal {
            by: "利害关系人 王五".into(),
            reason: "主持人系申请人的近亲属".into(),
        },
    );
    assert_eq!(
        offered_hearing_actions(&w, &c, &last.to_string()),
        ["decide_recusal"]
    );
    let c = w.ok(
        &c,
        &last.to_string(),
        Action::DecideRecusal {
            granted: false,
            presiding: String::new(),
            reason: "所称亲属关系不存在".into(),
        },
    );
    let c = w.ok(
        &c,
        &last.to_string(),
        Action::HoldHearing {
            record: "申请人陈述，利害关系人质证".into(),
            participants: vec![
                person("陈某", "申请人", true),
                person("王五", "利害关系人", false),
            ],
        },
    );
    let next = w.cal.add(last, 1).unwrap().to_string();
    assert_eq!(
        offered_hearing_actions(&w, &c, &next),
        ["confirm_hearing_record"]
    );
    assert!(!c.offered_actions(&w.ctx(), d(&next)).contains(&"decide"));
    let c = w.ok(
        &c,
        &next,
        Action::ConfirmHearingRecord {
            name: "王五".into(),
            signed: true,
            refusal: String::new(),
        },
    );
    assert!(offered_hearing_actions(&w, &c, &next).is_empty());
    assert!(c.offered_actions(&w.ctx(), d(&next)).contains(&"decide"));
}

/// The hearing box names who asked: the applicant by name, an interested party as one.
#[test]
fn a_hearing_names_who_asked_for_it() {
    use super::party_label;
    let firm = "汉阴县某某有限公司";
    assert_eq!(party_label("申请人", firm), "申请人 汉阴县某某有限公司");
    assert_eq!(party_label("", firm), "申请人 汉阴县某某有限公司");
    assert_eq!(party_label(firm, firm), "申请人 汉阴县某某有限公司");
    assert_eq!(party_label("利害关系人 王五", firm), "利害关系人 王五");
    assert_eq!(party_label("王五", firm), "利害关系人 王五");
    let w = World::new(PLAIN);
    let c = w.ok(&w.accepted(), "2025-03-04", Action::NotifyHearingRight);
    let asked = w.ok(
        &c,
        "2025-03-05",
        Action::RequestHearing {
            reason: String::new(),
            by: String::new(),
        },
    );
    let h = asked.hearing.as_ref().unwrap();
    assert_eq!(
        h.requester(firm).as_deref(),
        Some("申请人 汉阴县某某有限公司")
    );
    let opened = w.ok(
        &c,
        "2025-03-05",
        Action::OpenHearing {
            reason: "涉及公共利益".into(),
        },
    );
    assert_eq!(opened.hearing.as_ref().unwrap().requester(firm), None);
}
