//! Cases through the application layer, on both databases: the lifecycle from receipt to the
//! certificate (each action by the role whose duty it is, with its events and documents), idempotent
//! receipt under concurrent retries, stale versions, deemed acceptance by the sweep (Art. 32(4)), no
//! approval outside the catalog, and who may receive, act on and see a case.

use yiyin_app::cases::{ActOn, Receive, Received, Worklist};
use yiyin_app::{AppError, Principal};
use yiyin_domain::authz::Grant;
use yiyin_domain::catalog::StepKind;
use yiyin_domain::engine::{Action, CaseState, IntakeOutcome};
use yiyin_domain::party::{Applicant, SubjectId};
use yiyin_domain::roles::Role;
use yiyin_store::cases::CaseRecord;
use yiyin_testkit::fixtures::{SUPPLEMENTED_DOCUMENTS, SUPPLEMENTED_TO_LICENCE};
use yiyin_testkit::{TestApp, at, date};

/// Every page of a worklist from the first, by the cursor each page gives: the pages' sizes and
/// the ids in the order listed.
async fn pages(t: &TestApp, who: &Principal, limit: i64) -> (Vec<usize>, Vec<i64>) {
    let (mut sizes, mut ids) = (Vec::new(), Vec::new());
    let mut after = String::new();
    loop {
        let q = Worklist {
            limit,
            after: after.clone(),
            ..Default::default()
        };
        let page = t.worklist(who, &q).await.unwrap();
        sizes.push(page.lines.len());
        ids.extend(page.lines.iter().map(|l| l.id));
        match page.next {
            Some(next) => after = next,
            None => return (sizes, ids),
        }
        assert!(sizes.len() < 50, "the pages end");
    }
}

yiyin_testkit::on_both!(yiyin_testkit::app::run;
    full_lifecycle_with_events_and_documents,
    idempotent_creation,
    stale_versions_conflict,
    deemed_acceptance_sweep,
    outside_the_catalog_is_refused,
    only_those_whose_duty_it_is_receive_and_act,
    applicants_apply_online_and_see_only_their_own,
    worklist_pages_go_through_every_case_the_reader_may_see_once,
);

/// The bureau's staff of 汉阴, one principal per role the lifecycle needs.
struct Staff {
    clerk: Principal,
    reviewer: Principal,
    chief: Principal,
}

async fn staff(t: &TestApp) -> Staff {
    Staff {
        clerk: t
            .staff_with(
                "hanyin.clerk",
                vec![Grant {
                    role: Role::WindowClerk,
                    jurisdiction: "hanyin".into(),
                    department: None,
                    unit: Some("w01".into()),
                }],
            )
            .await,
        reviewer: t
            .staff("hanyin.reviewer", Role::Reviewer, "hanyin", None)
            .await,
        chief: t
            .staff("hanyin.chief", Role::SectionChief, "hanyin", None)
            .await,
    }
}

fn applicant() -> Applicant {
    Applicant::new(
        "汉阴县月河餐饮有限公司",
        SubjectId::parse_any("91350100M000100Y43").unwrap(),
        "13800000000",
        None,
    )
}

/// An application for 食品经营许可 (HY-SC-001) at the window, received only.
fn application(materials: &[&str], key: Option<&str>) -> Receive {
    Receive {
        jurisdiction: "hanyin".into(),
        item_code: "HY-SC-001".into(),
        applicant: Some(applicant()),
        materials: materials.iter().map(|m| m.to_string()).collect(),
        attested: false,
        outcome: IntakeOutcome::Receive,
        idempotency_key: key.map(str::to_string),
        uploads: vec![],
        form: None,
        representation: Default::default(),
    }
}

async fn receive(t: &TestApp, who: &Principal, input: Receive) -> CaseRecord {
    t.receive(who, input).await.unwrap().record
}

/// `who` takes an action on a case, naming the version read.
async fn act(
    t: &TestApp,
    who: &Principal,
    c: &CaseRecord,
    action: Action,
) -> Result<CaseRecord, AppError> {
    t.act(
        who,
        ActOn {
            case_id: c.id,
            version: Some(c.version),
            action,
            uploads: vec![],
        },
    )
    .await
}

fn review() -> Action {
    Action::CompleteStep {
        kind: StepKind::Review,
        staff: vec!["审查 李娜".into()],
        opinion: "材料真实，符合条件".into(),
    }
}

fn approve() -> Action {
    Action::Decide {
        approve: true,
        reason: "符合《食品安全法》第三十五条规定的条件".into(),
    }
}

/// The ids of every case, open or closed, on the account's worklist.
async fn worklist(t: &TestApp, who: &Principal) -> Vec<i64> {
    let everything = Worklist {
        all: true,
        limit: 10,
        ..Default::default()
    };
    let lines = t.worklist(who, &everything).await.unwrap().lines;
    lines.into_iter().map(|l| l.id).collect()
}

#[track_caller]
fn assert_forbidden<T: std::fmt::Debug>(result: Result<T, AppError>, says: &str) {
    match result {
        Err(AppError::Forbidden(m)) => assert!(m.contains(says), "{m}"),
        other => panic!("expected a refusal of authorisation, got {other:?}"),
    }
}

#[track_caller]
fn assert_refused<T: std::fmt::Debug>(result: Result<T, AppError>, says: &str) {
    match result {
        Err(AppError::Refused(r)) => assert!(r.message.contains(says), "{r:?}"),
        other => panic!("expected a refusal by the rules, got {other:?}"),
    }
}

async fn full_lifecycle_with_events_and_documents(t: TestApp) {
    let s = staff(&t).await;
    let received = t
        .receive(&s.clerk, application(&["M1"], None))
        .await
        .unwrap();
    assert!(received.created);
    let c = received.record;
    assert!(c.number.starts_with("HY2025"), "{}", c.number);
    assert_eq!(c.state, CaseState::Received);
    assert_eq!(c.query_code.len(), 6);
    assert_eq!(c.unit, "w01", "the clerk's window");
    assert_eq!(c.applicant, applicant());
    let steps: Vec<(&str, &Principal, Action)> = vec![
        (
            "2025-03-04",
            &s.clerk,
            Action::NotifySupplement {
                missing: vec!["M2".into()],
            },
        ),
        (
            "2025-03-05",
            &s.clerk,
            Action::Supplement {
                materials: vec!["M2".into()],
            },
        ),
        ("2025-03-05", &s.clerk, Action::Accept),
        ("2025-03-06", &s.reviewer, review()),
        ("2025-03-07", &s.chief, approve()),
        ("2025-03-10", &s.clerk, Action::IssueCertificate),
    ];
    let mut current = c;
    for (day, who, action) in steps {
        t.set_today(day);
        let next = act(&t, who, &current, action).await.unwrap();
        assert_eq!(next.version, current.version + 1);
        current = next;
    }
    assert_eq!(current.state, CaseState::CertificateIssued);
    assert_eq!(current.case.accepted_on, Some(date("2025-03-05")));
    assert_eq!(current.case.decided_on, Some(date("2025-03-07")));
    let events = t.store.case_events(current.id).await.unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, SUPPLEMENTED_TO_LICENCE);
    assert!(events.windows(2).all(|w| w[1].seq > w[0].seq));
    assert_eq!(events[4].actor, "测试hanyin.reviewer（审查人员）");
    assert_eq!(events[5].actor, "测试hanyin.chief（科室负责人）");
    assert_eq!(events[0].channel, "window");
    let docs = t.store.case_documents(current.id).await.unwrap();
    let titles: Vec<&str> = docs.iter().map(|d| d.record.title.as_str()).collect();
    assert_eq!(titles, SUPPLEMENTED_DOCUMENTS);
    assert!(docs[1].record.list.contains(&"营业执照".to_string()));
    let report = yiyin_app::audit::verify_chain(&t.store).await.unwrap();
    assert_eq!(report.broken, None);
    // The case's seven events, after the staff accounts' own (made and enrolled: audited too).
    let all = t.store.events_from(1, 1000).await.unwrap();
    assert_eq!(report.events as usize, all.len());
    assert_eq!(
        all.iter().filter(|e| e.case_id == Some(current.id)).count(),
        7
    );
    assert!(
        all.iter()
            .filter(|e| e.case_id.is_none())
            .all(|e| ["account_create", "totp_enrol"].contains(&e.action.as_str()))
    );
    // A refused action changes nothing.
    t.set_today("2025-03-11");
    let refused = t
        .act(
            &s.chief,
            ActOn {
                case_id: current.id,
                version: None,
                action: Action::Decide {
                    approve: true,
                    reason: String::new(),
                },
                uploads: vec![],
            },
        )
        .await;
    assert!(
        matches!(&refused, Err(e @ AppError::Refused(_)) if e.code() == "rule_refused"),
        "{refused:?}"
    );
    assert_eq!(
        t.store.case(current.id).await.unwrap().version,
        current.version
    );
    assert_eq!(t.store.case_events(current.id).await.unwrap().len(), 7);
}

async fn idempotent_creation(t: TestApp) {
    let s = staff(&t).await;
    let mut submitted = Vec::new();
    for _ in 0..2 {
        let input = application(&["M1"], Some("k-1"));
        submitted.push(t.receive(&s.clerk, input).await.unwrap());
    }
    let [
        Received {
            record: a,
            created: first,
        },
        Received {
            record: b,
            created: second,
        },
    ] = submitted.try_into().unwrap();
    assert!(first && !second);
    assert_eq!(a.id, b.id);
    // Concurrent retries of one submission still make one case.
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let (t, clerk) = (t.clone(), s.clerk.clone());
        tasks.push(tokio::spawn(async move {
            t.receive(&clerk, application(&["M1"], Some("k-2")))
                .await
                .unwrap()
                .record
                .id
        }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.unwrap());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(t.store.case_count().await.unwrap(), 2);
    assert!(
        yiyin_app::audit::verify_chain(&t.store)
            .await
            .unwrap()
            .broken
            .is_none()
    );
    // A key is the submitter's own: another clerk's same key is another submission.
    let other = t
        .staff("hanyin.clerk2", Role::WindowClerk, "hanyin", None)
        .await;
    let c = receive(&t, &other, application(&["M1"], Some("k-1"))).await;
    assert_ne!(c.id, a.id);
    let bad = t.receive(&s.clerk, application(&["M1"], Some(" "))).await;
    assert!(
        matches!(&bad, Err(AppError::Invalid { field: Some(f), .. }) if f == "idempotency_key"),
        "{bad:?}"
    );
}

async fn stale_versions_conflict(t: TestApp) {
    let s = staff(&t).await;
    let c = receive(&t, &s.clerk, application(&["M1", "M2"], None)).await;
    act(&t, &s.clerk, &c, Action::Accept).await.unwrap();
    let err = act(
        &t,
        &s.clerk,
        &c,
        Action::Refuse {
            reason: "x".into(),
            redirect_to: None,
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(err, AppError::Conflict(_)), "{err:?}");
    assert_eq!(err.code(), "conflict");
    assert!(err.to_string().contains("已被他人更新"), "{err}");
    assert!(err.to_string().contains(&c.number), "{err}");
    let now = t.store.case(c.id).await.unwrap();
    assert_eq!(
        (now.state, now.version),
        (CaseState::Accepted, c.version + 1)
    );
}

async fn deemed_acceptance_sweep(t: TestApp) {
    let s = staff(&t).await;
    t.set_today("2025-09-26");
    let c = receive(&t, &s.clerk, application(&["M1"], None)).await;
    assert_eq!(
        t.sweep_intake(at("2025-10-10")).await.unwrap(),
        0,
        "window still open"
    );
    // Two servers sweeping at once accept the case once.
    let (a, b) = tokio::join!(
        t.sweep_intake(at("2025-10-13")),
        t.sweep_intake(at("2025-10-13"))
    );
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    let c = t.store.case(c.id).await.unwrap();
    assert_eq!(c.state, CaseState::Accepted);
    assert!(c.case.deemed_accepted);
    assert_eq!(c.case.accepted_on, Some(date("2025-09-26")));
    let events = t.store.case_events(c.id).await.unwrap();
    let last = events.last().unwrap();
    assert_eq!(
        (last.action.as_str(), last.actor.as_str()),
        ("deemed_accept", "系统")
    );
    assert!(last.reason.contains("第三十二条"), "{}", last.reason);
    let docs = t.store.case_documents(c.id).await.unwrap();
    assert!(
        docs.last()
            .unwrap()
            .record
            .paragraphs
            .join("")
            .contains("即为受理")
    );
    // Nothing more to do on the next sweep.
    assert_eq!(t.sweep_intake(at("2025-10-14")).await.unwrap(), 0);
}

async fn outside_the_catalog_is_refused(t: TestApp) {
    let s = staff(&t).await;
    let mut input = application(&["M1"], None);
    input.item_code = "HY-NOPE".into();
    assert_refused(t.receive(&s.clerk, input).await, "目录之外无审批");
    // Before the catalog's first publication took effect.
    t.set_today("2024-12-31");
    assert_refused(
        t.receive(&s.clerk, application(&["M1"], None)).await,
        "目录之外无审批",
    );
    t.set_today("2025-03-03");
    let err = t
        .receive(&s.clerk, application(&["M9"], None))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::Invalid { field: Some(f), message } if f == "materials" && message.contains("M9")),
        "{err:?}"
    );
    assert_eq!(t.store.case_count().await.unwrap(), 0);
}

async fn only_those_whose_duty_it_is_receive_and_act(t: TestApp) {
    const OTHER_COUNTY: &str = "不属于您所在县区";
    const NOT_MY_DUTY: &str = "您的岗位没有此项职责";
    let s = staff(&t).await;
    // A clerk of another jurisdiction neither receives nor acts on 汉阴's cases, nor sees them.
    let ziyang = t
        .staff("ziyang.clerk", Role::WindowClerk, "ziyang", None)
        .await;
    assert_forbidden(
        t.receive(&ziyang, application(&["M1"], None)).await,
        OTHER_COUNTY,
    );
    let c = receive(&t, &s.clerk, application(&["M1", "M2"], None)).await;
    assert_forbidden(act(&t, &ziyang, &c, Action::Accept).await, OTHER_COUNTY);
    assert_forbidden(t.case_for(&ziyang, c.id).await, OTHER_COUNTY);
    // Within 汉阴, each action is the duty of one role.
    assert_forbidden(
        t.receive(&s.reviewer, application(&["M1"], None)).await,
        "无权收件",
    );
    assert_forbidden(act(&t, &s.reviewer, &c, Action::Accept).await, NOT_MY_DUTY);
    let c = act(&t, &s.clerk, &c, Action::Accept).await.unwrap();
    assert_forbidden(act(&t, &s.clerk, &c, review()).await, NOT_MY_DUTY);
    let c = act(&t, &s.reviewer, &c, review()).await.unwrap();
    assert_forbidden(
        act(&t, &s.reviewer, &c, approve()).await,
        "无权作出许可决定",
    );
    // A resident department's staff do not handle the bureau's transferred items.
    let resident = t
        .staff(
            "hanyin.shichang",
            Role::SectionChief,
            "hanyin",
            Some("shichang"),
        )
        .await;
    assert_forbidden(
        act(&t, &resident, &c, approve()).await,
        "不在您的职责范围内",
    );
    let decided = act(&t, &s.chief, &c, approve()).await.unwrap();
    assert_eq!(decided.state, CaseState::Decided);
    // Nothing the refused attempts tried was written.
    let actions: Vec<String> = t
        .store
        .case_events(c.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, ["receive", "accept", "complete_step", "decide"]);
    assert_eq!(t.store.case_count().await.unwrap(), 1);
}

async fn applicants_apply_online_and_see_only_their_own(t: TestApp) {
    let s = staff(&t).await;
    let wang = t.applicant("11010519491231002X", "王芳").await;
    let li = t
        .applicant("91350100M000100Y43", "汉阴县月河餐饮有限公司")
        .await;
    let online = |attested: bool| Receive {
        applicant: None,
        attested,
        ..application(&["M1"], None)
    };
    // Art. 31: online, the applicant attests that the materials are true.
    assert_refused(t.receive(&wang, online(false)).await, "第三十一条");
    let c = receive(&t, &wang, online(true)).await;
    assert_eq!(c.applicant.name, "王芳");
    assert_eq!(c.applicant.account, Some(wang.account.id));
    assert_eq!(c.applicant.id_number.as_str(), "11010519491231002X");
    assert_eq!(
        t.store.case_events(c.id).await.unwrap()[0].channel,
        "online"
    );
    assert_eq!(t.case_for(&wang, c.id).await.unwrap().id, c.id);
    assert_eq!(t.case_for(&s.clerk, c.id).await.unwrap().id, c.id);
    // Another applicant neither sees nor acts on it; the applicant only supplements and withdraws.
    assert_forbidden(t.case_for(&li, c.id).await, "不是您本人的办件");
    assert_forbidden(
        act(
            &t,
            &li,
            &c,
            Action::Withdraw {
                reason: "撤回".into(),
            },
        )
        .await,
        "不是您本人的办件",
    );
    assert_forbidden(act(&t, &wang, &c, Action::Accept).await, "申请人不能");
    assert_eq!(worklist(&t, &wang).await, vec![c.id]);
    assert!(worklist(&t, &li).await.is_empty());
}

/// A worklist a page at a time: each page is full but the last, the pages together list every case
/// the reader may see once and in the list's order — for a reader who may see all of a
/// jurisdiction's cases and one who may see one department's only (their duty filtered case by
/// case, the page filled from later batches); a cursor not given by the server is refused.
async fn worklist_pages_go_through_every_case_the_reader_may_see_once(t: TestApp) {
    let s = staff(&t).await;
    // 食品经营许可 (市场监管) and 社会团体成立登记 (民政), interleaved.
    let mut all = Vec::new();
    let mut civil = Vec::new();
    for civil_affairs in [false, false, true, false, false, true, false, false, true] {
        let input = if civil_affairs {
            Receive {
                item_code: "HY-MZ-001".into(),
                ..application(&["M1"], None)
            }
        } else {
            application(&["M1", "M2"], None)
        };
        let c = receive(&t, &s.clerk, input).await;
        all.push(c.id);
        if civil_affairs {
            civil.push(c.id);
        }
    }
    // Received and not accepted: no statutory due date yet, so in the order received.
    assert_eq!(
        pages(&t, &s.reviewer, 4).await,
        (vec![4, 4, 1], all.clone())
    );
    assert_eq!(pages(&t, &s.reviewer, 9).await, (vec![9], all.clone()));
    let observer = t
        .staff(
            "hanyin.observer.mz",
            Role::Observer,
            "hanyin",
            Some("minzheng"),
        )
        .await;
    assert_eq!(
        pages(&t, &observer, 1).await,
        (vec![1, 1, 1], civil.clone())
    );
    assert_eq!(pages(&t, &observer, 2).await, (vec![2, 1], civil));
    // A cursor the server did not give.
    for bad in ["x", "2025-13-01.5", "2025-03-03.0", "2025-03-03"] {
        let q = Worklist {
            limit: 2,
            after: bad.into(),
            ..Default::default()
        };
        match t.worklist(&s.reviewer, &q).await {
            Err(AppError::Invalid { field, message }) => {
                assert_eq!(field.as_deref(), Some("after"));
                assert!(message.contains("翻页位置无效"), "{message}");
            }
            other => panic!("a bad cursor was taken: {other:?}"),
        }
    }
}
