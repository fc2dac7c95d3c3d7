//! Approval–supervision separation on both databases: results pushed to the supervising department
//! and delivered to its system, findings reported back, commitments verified (告知承诺) with the
//! credit record a false one leaves, deferred materials (容缺), the acts on a licence after the
//! decision (change, renewal, revocation, cancellation, withdrawal, rescission, expiry) and random
//! inspections (双随机一公开). Each refusal is asserted by the article it names.

use std::collections::HashSet;
use std::fmt::Debug;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use yiyin_domain::authz::Grant;
use yiyin_domain::calendar::{Calendar, fmt_date, parse_date};
use yiyin_domain::catalog::{CatalogFile, StepKind};
use yiyin_domain::engine::{Action, ApplicantFacts, CaseState, DocumentKind, Refusal};
use yiyin_domain::inspection::{Risk, draw};
use yiyin_domain::licence::{
    ActKind, CancellationGround, LicenceStatus, RevocationGround, WithdrawalBasis,
};
use yiyin_domain::roles::Role;
use yiyin_domain::supervision::{
    CreditKind, FindingKind, PushKind, PushStatus, RetryPolicy, VerificationOutcome,
    VerificationState,
};
use yiyin_store::accounts::SubjectKind;
use yiyin_store::cases::{Actor, Applicant, CaseEnv, CaseRecord, Channel, NewCase};
use yiyin_store::catalog::ImportMode;
use yiyin_store::inspections::NewPlan;
use yiyin_store::licence_acts::{ActRequest, ActState, LicenceAct};
use yiyin_store::supervision::{FindingFilter, NewFinding, Push, PushFilter};
use yiyin_store::testing::TestDb;
use yiyin_store::{Backend, Store, StoreError, StoreOptions};

static FACTS: ApplicantFacts = ApplicantFacts {
    commitment_barred: None,
};

/// The environment of actions in these tests: the built-in calendar, no credit records given by the
/// caller (the store reads its own), no seals.
fn env(cal: &Calendar) -> CaseEnv<'_> {
    CaseEnv {
        calendar: cal,
        facts: &FACTS,
        keyring: None,
    }
}

/// 09:00 CST on a date.
fn at(date: &str) -> DateTime<Utc> {
    Utc.from_utc_datetime(&parse_date(date).unwrap().and_hms_opt(1, 0, 0).unwrap())
}

fn d(date: &str) -> NaiveDate {
    parse_date(date).unwrap()
}

fn actor(name: &str) -> Actor {
    Actor {
        name: name.into(),
        account: None,
        channel: Channel::Window,
    }
}

fn clerk() -> Actor {
    actor("窗口 张敏")
}

fn chief() -> Actor {
    actor("科长 王强")
}

fn supervisor() -> Actor {
    actor("监管 赵磊")
}

fn org(n: u32) -> Applicant {
    Applicant {
        kind: SubjectKind::Organisation,
        name: format!("汉阴县月河第{n}文化娱乐有限公司"),
        id_number: format!("91610921MA0{n:07}"),
        phone: "13800000000".into(),
        account: None,
    }
}

fn person(n: u32) -> Applicant {
    Applicant {
        kind: SubjectKind::Person,
        name: format!("王芳{n}"),
        id_number: format!("6124211990010{n:05}"),
        phone: "13900000000".into(),
        account: None,
    }
}

fn new_case(item: &str, applicant: Applicant, materials: &[&str]) -> NewCase {
    NewCase {
        jurisdiction: "hanyin".into(),
        item_code: item.into(),
        applicant,
        materials: materials.iter().map(|m| m.to_string()).collect(),
        unit: "w01".into(),
        idempotency_key: None,
    }
}

/// The refusal of a rule (never a plain rejection or another error).
fn refusal<T: Debug>(r: Result<T, StoreError>) -> Refusal {
    match r {
        Err(StoreError::Refused(r)) => r,
        other => panic!("expected a refusal naming its rule, got {other:?}"),
    }
}

/// The message of a rejected request.
fn rejected<T: Debug>(r: Result<T, StoreError>) -> String {
    match r {
        Err(StoreError::Rejected(m)) => m,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

async fn with_store<F, Fut>(backend: Backend, body: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let db = TestDb::new(backend).await.expect("create test database");
    let store = Store::connect(&db.url, StoreOptions::default())
        .await
        .expect("connect");
    store.init_organisation().await.unwrap();
    let file: CatalogFile = toml::from_str(include_str!("fixtures/catalog.toml")).unwrap();
    store
        .import_catalog(
            &file,
            &ImportMode::Publish {
                effective_on: parse_date("2025-01-01").unwrap(),
                note: String::new(),
            },
            parse_date("2025-01-01").unwrap(),
            "admin",
        )
        .await
        .unwrap();
    body(store.clone()).await;
    store.close().await;
    db.drop_db().await.unwrap();
}

macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::with_store(yiyin_store::Backend::Sqlite, super::$name).await; })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::with_store(yiyin_store::Backend::Postgres, super::$name).await; })*
        }
    };
}

on_both!(
    decisions_and_certificates_are_pushed_once,
    deliveries_retry_then_dead_letter_and_replay,
    findings_are_filed_by_licence_holder_item_and_department,
    false_commitments_bar_the_applicant_until_repaired,
    a_verification_period_beyond_the_calendar_is_not_guessed,
    a_false_commitment_reaches_the_licence_in_force,
    deferred_materials_warn_once_and_hold_the_certificate,
    change_granted_issues_a_new_version_and_denied_a_decision,
    change_needs_the_licence_in_force,
    renewal_is_applied_thirty_days_ahead_and_deemed_when_undecided,
    renewal_decided_in_time,
    unrenewed_licences_expire,
    revocation_follows_article_69,
    cancellation_follows_each_ground_of_article_70,
    withdrawal_needs_the_public_interest_and_compensation,
    rescission_is_recorded_for_the_enforcement_body,
    sealed_documents_and_signed_pushes_with_a_keyring,
    random_inspections_draw_reproducibly_with_recusal,
);

async fn act(store: &Store, cal: &Calendar, id: i64, action: Action, date: &str) -> CaseRecord {
    store
        .act(id, None, &action, &clerk(), at(date), &env(cal))
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", action.name()))
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
        reason: "符合法定条件、标准".into(),
    }
}

/// A one-year entertainment licence (HY-WG-001, supervised by 文广) granted the ordinary way on
/// `date`; returns its case and identifier.
async fn licensed(
    store: &Store,
    cal: &Calendar,
    applicant: Applicant,
    date: &str,
) -> (CaseRecord, String) {
    licensed_in(store, &env(cal), applicant, date).await
}

async fn licensed_in(
    store: &Store,
    env: &CaseEnv<'_>,
    applicant: Applicant,
    date: &str,
) -> (CaseRecord, String) {
    let (c, _) = store
        .create_case(
            &new_case("HY-WG-001", applicant, &["M1"]),
            &clerk(),
            at(date),
            env,
        )
        .await
        .unwrap();
    for action in [Action::Accept, approve(), Action::IssueCertificate] {
        store
            .act(c.id, None, &action, &clerk(), at(date), env)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", action.name()));
    }
    let c = store.case(c.id).await.unwrap();
    assert_eq!(c.state, CaseState::CertificateIssued);
    let l = store.licences_of_case(c.id).await.unwrap();
    (c, l[0].identifier.clone())
}

/// A five-year food licence (HY-SC-001, supervised by 市场监管) granted on `date`.
async fn food_licence(
    store: &Store,
    cal: &Calendar,
    applicant: Applicant,
    date: &str,
) -> (CaseRecord, String) {
    let (c, _) = store
        .create_case(
            &new_case("HY-SC-001", applicant, &["M1", "M2"]),
            &clerk(),
            at(date),
            &env(cal),
        )
        .await
        .unwrap();
    for action in [
        Action::Accept,
        review(),
        approve(),
        Action::IssueCertificate,
    ] {
        act(store, cal, c.id, action, date).await;
    }
    let l = store.licences_of_case(c.id).await.unwrap();
    (store.case(c.id).await.unwrap(), l[0].identifier.clone())
}

async fn on_licence(
    store: &Store,
    cal: &Calendar,
    licence: &str,
    request: ActRequest,
    date: &str,
) -> Result<LicenceAct, StoreError> {
    store
        .act_on_licence(licence, &request, &chief(), at(date), &env(cal))
        .await
}

async fn status(store: &Store, licence: &str) -> LicenceStatus {
    store.licence(licence).await.unwrap().unwrap().status
}

async fn actions(store: &Store, case_id: i64) -> Vec<String> {
    store
        .case_events(case_id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

async fn push_kinds(store: &Store, case_id: i64) -> Vec<PushKind> {
    store
        .pushes_about(case_id)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.kind)
        .collect()
}

fn inbox(department: &str) -> PushFilter {
    PushFilter {
        jurisdiction: "hanyin".into(),
        department: Some(department.into()),
        limit: 100,
        ..Default::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Pushes

async fn decisions_and_certificates_are_pushed_once(store: Store) {
    let cal = Calendar::builtin();
    // Both decided on 2025-09-30, the last working day before the National Day holiday.
    let mut cases = Vec::new();
    for n in 1..=2 {
        let (c, _) = store
            .create_case(
                &new_case("HY-SC-001", org(n), &["M1", "M2"]),
                &clerk(),
                at("2025-09-26"),
                &env(&cal),
            )
            .await
            .unwrap();
        act(&store, &cal, c.id, Action::Accept, "2025-09-26").await;
        act(&store, &cal, c.id, review(), "2025-09-29").await;
        cases.push(c);
    }
    let a = act(&store, &cal, cases[0].id, approve(), "2025-09-30").await;
    let b = act(
        &store,
        &cal,
        cases[1].id,
        Action::Decide {
            approve: false,
            reason: "经营场所与食品品种不相适应".into(),
        },
        "2025-09-30",
    )
    .await;

    // The supervising department's inbox has both results at once.
    let pushes = store.pushes(&inbox("shichang")).await.unwrap();
    assert_eq!(
        pushes.iter().map(|p| p.kind).collect::<Vec<_>>(),
        [PushKind::Denial, PushKind::Approval]
    );
    let approval = pushes[1].clone();
    let denial = pushes[0].clone();
    assert_eq!(approval.case_id, Some(a.id));
    assert_eq!(denial.case_id, Some(b.id));
    assert_eq!(approval.department, "shichang");
    // Without a system of its own, the inbox is the delivery.
    assert_eq!(approval.status, PushStatus::Delivered);
    assert!(approval.delivered_at.is_some());
    assert_eq!(approval.sent_on, "2025-09-30");
    // Two working days, across the holiday.
    assert_eq!(approval.ack_due.as_deref(), Some("2025-10-10"));
    assert_eq!(approval.licence, None);
    let facts = approval.facts();
    assert_eq!(facts["format"], "yiyin-push/1");
    assert_eq!(facts["kind"], "approval");
    assert_eq!(facts["case_number"], a.number.as_str());
    assert_eq!(facts["holder_id"], a.applicant.id_number.as_str());
    assert_eq!(facts["decided_on"], "2025-09-30");
    assert_eq!(facts["on_commitment"], false);
    assert!(
        denial.facts()["reason"]
            .as_str()
            .unwrap()
            .contains("不相适应")
    );
    // The key names the event it reports.
    let decide_seq = store
        .case_events(a.id)
        .await
        .unwrap()
        .iter()
        .find(|e| e.action == "decide")
        .unwrap()
        .seq;
    assert_eq!(
        approval.idempotency_key,
        format!("hanyin:approval:{decide_seq}")
    );
    assert_eq!(facts["idempotency_key"], approval.idempotency_key.as_str());
    // Another department's inbox has none of it.
    assert!(store.pushes(&inbox("wenguang")).await.unwrap().is_empty());

    // The certificate is pushed with the licence.
    let a = act(&store, &cal, a.id, Action::IssueCertificate, "2025-10-09").await;
    let licence = store.licences_of_case(a.id).await.unwrap()[0].clone();
    assert_eq!(licence.supervising_department, "shichang");
    let about = store.pushes_about(a.id).await.unwrap();
    assert_eq!(
        about.iter().map(|p| p.kind).collect::<Vec<_>>(),
        [PushKind::Approval, PushKind::Certificate]
    );
    let certificate = about[1].clone();
    assert_eq!(
        certificate.licence.as_deref(),
        Some(licence.identifier.as_str())
    );
    // 2025-10-11 is a Saturday worked in lieu of the holiday.
    assert_eq!(certificate.ack_due.as_deref(), Some("2025-10-11"));
    assert_eq!(
        certificate.facts()["valid_until"],
        licence.valid_until.clone().unwrap().as_str()
    );

    // Never queued twice: a refused action and a stale retry queue nothing.
    let err = store
        .act(
            a.id,
            None,
            &Action::IssueCertificate,
            &clerk(),
            at("2025-10-10"),
            &env(&cal),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Refused(_)), "{err}");
    let err = store
        .act(
            b.id,
            Some(b.version - 1),
            &approve(),
            &clerk(),
            at("2025-10-10"),
            &env(&cal),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    let all = store
        .pushes(&PushFilter {
            jurisdiction: "hanyin".into(),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    let keys: HashSet<&str> = all.iter().map(|p| p.idempotency_key.as_str()).collect();
    assert_eq!(keys.len(), 3);

    // Overdue by the acknowledgement date.
    assert!(!approval.overdue(d("2025-10-10")));
    assert!(approval.overdue(d("2025-10-11")));
    assert!(!certificate.overdue(d("2025-10-11")));
    let counts = store
        .push_counts("hanyin", Some("shichang"), d("2025-10-11"))
        .await
        .unwrap();
    assert_eq!(
        (
            counts.unacknowledged,
            counts.overdue,
            counts.pending,
            counts.dead
        ),
        (3, 2, 0, 0)
    );

    // The department acknowledges (签收) once.
    let acked = store
        .acknowledge_push(approval.id, &supervisor(), at("2025-10-10"))
        .await
        .unwrap();
    assert!(acked.acknowledged_at.is_some());
    assert_eq!(acked.acknowledged_by.as_deref(), Some("监管 赵磊"));
    assert!(!acked.overdue(d("2025-10-11")));
    let again = store
        .acknowledge_push(approval.id, &actor("监管 另一人"), at("2025-10-11"))
        .await
        .unwrap();
    assert_eq!(again, acked, "a second acknowledgement changes nothing");
    let acks = actions(&store, a.id)
        .await
        .into_iter()
        .filter(|a| a == "push_acknowledge")
        .count();
    assert_eq!(acks, 1);
    let counts = store
        .push_counts("hanyin", Some("shichang"), d("2025-10-11"))
        .await
        .unwrap();
    assert_eq!((counts.unacknowledged, counts.overdue), (2, 1));
    assert_eq!(
        store
            .push_counts("hanyin", None, d("2025-10-11"))
            .await
            .unwrap(),
        counts
    );
    assert_eq!(
        store
            .push_counts("hanyin", Some("wenguang"), d("2025-10-11"))
            .await
            .unwrap(),
        Default::default()
    );
    let mut unacked = inbox("shichang");
    unacked.unacknowledged_only = true;
    let open: Vec<PushKind> = store
        .pushes(&unacked)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.kind)
        .collect();
    assert_eq!(open, [PushKind::Certificate, PushKind::Denial]);
    // The inbox lists the unacknowledged first.
    assert_eq!(
        store.pushes(&inbox("shichang")).await.unwrap()[2].id,
        approval.id
    );
    assert!(store.verify_chain().await.unwrap().broken.is_none());
}

async fn deliveries_retry_then_dead_letter_and_replay(store: Store) {
    let cal = Calendar::builtin();
    let admin = actor("管理员");
    let err = store
        .set_webhook(
            "hanyin",
            "shichang",
            "ftp://jg.example/push",
            true,
            &admin,
            at("2025-03-03"),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("http://"), "{err}");
    store
        .set_webhook(
            "hanyin",
            "shichang",
            "https://jg.hanyin.example/push",
            true,
            &admin,
            at("2025-03-03"),
        )
        .await
        .unwrap();
    let hooks = store.webhooks("hanyin").await.unwrap();
    assert_eq!(hooks.len(), 1);
    assert_eq!(hooks[0].url, "https://jg.hanyin.example/push");
    assert!(hooks[0].active);

    let (c, _) = store
        .create_case(
            &new_case("HY-SC-001", org(1), &["M1", "M2"]),
            &clerk(),
            at("2025-03-03"),
            &env(&cal),
        )
        .await
        .unwrap();
    act(&store, &cal, c.id, Action::Accept, "2025-03-03").await;
    act(&store, &cal, c.id, review(), "2025-03-04").await;
    act(&store, &cal, c.id, approve(), "2025-03-05").await;
    let p = store.pushes_about(c.id).await.unwrap()[0].clone();
    assert_eq!(p.status, PushStatus::Pending, "the department has a system");
    assert_eq!(p.attempts, 0);
    assert!(p.delivered_at.is_none());

    let now = at("2025-03-05") + Duration::minutes(1);
    let due = store.due_deliveries(now, 10).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].0.id, p.id);
    assert_eq!(due[0].1, "https://jg.hanyin.example/push");
    // One server takes it; another cannot within the lease.
    let lease = store
        .claim_delivery(p.id, now, 60_000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        store
            .claim_delivery(p.id, now + Duration::seconds(1), 60_000)
            .await
            .unwrap(),
        None
    );
    assert!(
        store
            .due_deliveries(now + Duration::seconds(1), 10)
            .await
            .unwrap()
            .is_empty()
    );
    // Failures back off, then the push is a dead letter.
    let policy = RetryPolicy {
        base: std::time::Duration::from_secs(10),
        cap: std::time::Duration::from_secs(20),
        max_attempts: 3,
    };
    assert_eq!(
        store
            .delivery_failed(p.id, lease, now, "HTTP 503", &policy)
            .await
            .unwrap(),
        PushStatus::Pending
    );
    let p1 = store.push(p.id).await.unwrap();
    assert_eq!(p1.attempts, 1);
    assert_eq!(p1.last_error, "HTTP 503");
    assert_eq!(
        p1.next_attempt_at,
        (now + Duration::seconds(10)).timestamp_millis()
    );
    assert!(
        store
            .due_deliveries(now + Duration::seconds(9), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let t2 = now + Duration::seconds(10);
    assert_eq!(store.due_deliveries(t2, 10).await.unwrap().len(), 1);
    let lease = store
        .claim_delivery(p.id, t2, 60_000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        store
            .delivery_failed(p.id, lease, t2, "连接超时", &policy)
            .await
            .unwrap(),
        PushStatus::Pending
    );
    assert_eq!(
        store.push(p.id).await.unwrap().next_attempt_at,
        (t2 + Duration::seconds(20)).timestamp_millis()
    );
    let t3 = t2 + Duration::seconds(20);
    let lease = store
        .claim_delivery(p.id, t3, 60_000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        store
            .delivery_failed(p.id, lease, t3, "HTTP 500", &policy)
            .await
            .unwrap(),
        PushStatus::Dead
    );
    let dead = store.push(p.id).await.unwrap();
    assert_eq!(dead.status, PushStatus::Dead);
    assert_eq!(dead.attempts, 3);
    assert!(
        store
            .due_deliveries(t3 + Duration::days(1), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let counts = store
        .push_counts("hanyin", Some("shichang"), d("2025-03-05"))
        .await
        .unwrap();
    assert_eq!((counts.pending, counts.dead), (0, 1));
    let mut filter = inbox("shichang");
    filter.status = Some(PushStatus::Dead);
    assert_eq!(store.pushes(&filter).await.unwrap().len(), 1);
    // Still in the inbox, whatever its system did.
    assert_eq!(store.pushes(&inbox("shichang")).await.unwrap().len(), 1);

    // Replayed by hand, it is pending again from zero attempts.
    let t4 = t3 + Duration::hours(1);
    let replayed = store.replay_push(p.id, &admin, t4).await.unwrap();
    assert_eq!(replayed.status, PushStatus::Pending);
    assert_eq!(replayed.attempts, 0);
    assert_eq!(replayed.next_attempt_at, t4.timestamp_millis());
    let msg = rejected(store.replay_push(p.id, &admin, t4).await);
    assert!(msg.contains("只有投递失败的推送可以重新投递"), "{msg}");
    assert!(actions(&store, c.id).await.contains(&"push_replay".into()));
    assert!(
        store
            .claim_delivery(p.id, t4, 60_000)
            .await
            .unwrap()
            .is_some()
    );
    store.delivery_succeeded(p.id, t4).await.unwrap();
    let delivered = store.push(p.id).await.unwrap();
    assert_eq!(delivered.status, PushStatus::Delivered);
    assert_eq!(delivered.delivered_at, Some(t4.timestamp_millis()));
    assert_eq!(delivered.last_error, "");
    let msg = rejected(store.replay_push(p.id, &admin, t4).await);
    assert!(msg.contains("已送达"), "{msg}");
    let counts = store
        .push_counts("hanyin", Some("shichang"), d("2025-03-05"))
        .await
        .unwrap();
    assert_eq!((counts.pending, counts.dead), (0, 0));

    // A push waiting for the system when the system is switched off is delivered to the desk,
    // and says so; without an active system, new pushes are delivered to the desk only.
    let c = act(&store, &cal, c.id, Action::IssueCertificate, "2025-03-06").await;
    let about = store.pushes_about(c.id).await.unwrap();
    assert_eq!(about[1].kind, PushKind::Certificate);
    assert_eq!(about[1].status, PushStatus::Pending);
    store
        .set_webhook(
            "hanyin",
            "shichang",
            "https://jg.hanyin.example/push",
            false,
            &admin,
            at("2025-03-06"),
        )
        .await
        .unwrap();
    let about = store.pushes_about(c.id).await.unwrap();
    assert_eq!(about[1].status, PushStatus::Delivered);
    assert!(
        about[1].last_error.contains("停用"),
        "{}",
        about[1].last_error
    );
    store
        .set_webhook("hanyin", "shichang", "", true, &admin, at("2025-03-06"))
        .await
        .unwrap();
    assert!(store.webhooks("hanyin").await.unwrap().is_empty());
    assert!(store.verify_chain().await.unwrap().broken.is_none());
}

// ---------------------------------------------------------------------------------------------
// Findings

async fn findings_are_filed_by_licence_holder_item_and_department(store: Store) {
    let cal = Calendar::builtin();
    let (c, lic) = licensed(&store, &cal, org(1), "2025-03-10").await;
    let (_, food) = food_licence(&store, &cal, org(2), "2025-03-10").await;
    let finding = |licence: Option<&str>, department: &str, kind, summary: &str| NewFinding {
        jurisdiction: "hanyin".into(),
        department: department.into(),
        licence: licence.map(str::to_string),
        holder_id: String::new(),
        holder: String::new(),
        item_code: String::new(),
        kind,
        summary: summary.into(),
        found_on: d("2025-04-01"),
    };
    // On a licence: the holder and item come from the register.
    let f1 = store
        .record_finding(
            &finding(
                Some(&lic),
                "wenguang",
                FindingKind::Rectification,
                "消防通道堵塞",
            ),
            &supervisor(),
            at("2025-04-01"),
        )
        .await
        .unwrap();
    assert_eq!(f1.holder_id, org(1).id_number);
    assert_eq!(f1.holder, org(1).name);
    assert_eq!(f1.item_code, "HY-WG-001");
    assert_eq!(f1.found_on, "2025-04-01");
    assert_eq!(f1.recorded_by, "监管 赵磊");
    assert!(f1.kind.adverse());
    // On a holder without a licence (unlicensed business).
    let mut unlicensed = finding(None, "wenguang", FindingKind::Penalty, "无证经营歌舞娱乐");
    unlicensed.holder_id = "92610921MA00000009".into();
    unlicensed.holder = "汉阴县无名歌舞厅".into();
    unlicensed.item_code = "HY-WG-001".into();
    let f2 = store
        .record_finding(&unlicensed, &supervisor(), at("2025-04-02"))
        .await
        .unwrap();
    assert_eq!(f2.licence, None);
    let f3 = store
        .record_finding(
            &finding(Some(&food), "shichang", FindingKind::Compliant, "检查合格"),
            &supervisor(),
            at("2025-04-03"),
        )
        .await
        .unwrap();
    assert!(!f3.kind.adverse());
    // What is refused.
    let msg = rejected(
        store
            .record_finding(
                &finding(Some(&lic), "wenguang", FindingKind::Other, "  "),
                &supervisor(),
                at("2025-04-03"),
            )
            .await,
    );
    assert!(msg.contains("检查发现的情况"), "{msg}");
    let msg = rejected(
        store
            .record_finding(
                &finding(None, "wenguang", FindingKind::Other, "无名"),
                &supervisor(),
                at("2025-04-03"),
            )
            .await,
    );
    assert!(msg.contains("证照编号"), "{msg}");
    let err = store
        .record_finding(
            &finding(Some("NOPE"), "wenguang", FindingKind::Other, "x"),
            &supervisor(),
            at("2025-04-03"),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");

    // Filters.
    let ids =
        |v: Vec<yiyin_store::supervision::Finding>| v.iter().map(|f| f.id).collect::<Vec<_>>();
    let by = |f: FindingFilter| {
        let store = store.clone();
        async move { ids(store.findings(&f).await.unwrap()) }
    };
    assert_eq!(
        by(FindingFilter {
            licence: Some(lic.clone()),
            ..Default::default()
        })
        .await,
        [f1.id]
    );
    assert_eq!(
        by(FindingFilter {
            holder_id: Some(org(1).id_number),
            ..Default::default()
        })
        .await,
        [f1.id]
    );
    assert_eq!(
        by(FindingFilter {
            holder_id: Some("92610921MA00000009".into()),
            ..Default::default()
        })
        .await,
        [f2.id]
    );
    assert_eq!(
        by(FindingFilter {
            item_code: Some("HY-WG-001".into()),
            ..Default::default()
        })
        .await,
        [f2.id, f1.id],
        "newest first"
    );
    assert_eq!(
        by(FindingFilter {
            department: Some("shichang".into()),
            ..Default::default()
        })
        .await,
        [f3.id]
    );
    assert_eq!(
        by(FindingFilter {
            jurisdiction: Some("hanyin".into()),
            department: Some("wenguang".into()),
            ..Default::default()
        })
        .await,
        [f2.id, f1.id]
    );
    assert_eq!(
        by(FindingFilter {
            jurisdiction: Some("ziyang".into()),
            ..Default::default()
        })
        .await,
        Vec::<i64>::new()
    );
    // A finding on a licence is an event of its case.
    let events = store.case_events(c.id).await.unwrap();
    let e = events.iter().find(|e| e.action == "finding").unwrap();
    assert!(e.reason.contains("责令整改") && e.reason.contains("消防通道"));
}

// ---------------------------------------------------------------------------------------------
// Notify-and-commit (告知承诺)

fn commit() -> Action {
    Action::AcceptOnCommitment {
        commitment: "本单位承诺已具备娱乐场所经营许可的全部条件，如有不实愿承担相应法律责任".into(),
    }
}

async fn false_commitments_bar_the_applicant_until_repaired(store: Store) {
    let cal = Calendar::builtin();
    // Only items on the green list.
    let (x, _) = store
        .create_case(
            &new_case("HY-SC-001", org(1), &["M1", "M2"]),
            &clerk(),
            at("2025-03-03"),
            &env(&cal),
        )
        .await
        .unwrap();
    let r = refusal(
        store
            .act(
                x.id,
                None,
                &commit(),
                &clerk(),
                at("2025-03-03"),
                &env(&cal),
            )
            .await,
    );
    assert!(
        r.message.contains("绿色清单") && r.message.contains("42号"),
        "{}",
        r.message
    );

    // Decided on the spot on the written commitment.
    let (c, _) = store
        .create_case(
            &new_case("HY-WG-001", org(1), &["M1"]),
            &clerk(),
            at("2025-03-03"),
            &env(&cal),
        )
        .await
        .unwrap();
    let c = act(&store, &cal, c.id, commit(), "2025-03-03").await;
    assert_eq!(c.state, CaseState::Decided);
    assert!(c.case.decision.as_ref().unwrap().on_commitment);
    let titles: Vec<String> = store
        .case_documents(c.id)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.record.title)
        .collect();
    assert!(
        titles.contains(&"告知承诺审批决定书".to_string()),
        "{titles:?}"
    );
    let pushes = store.pushes_about(c.id).await.unwrap();
    assert_eq!(pushes.len(), 1);
    assert_eq!(pushes[0].kind, PushKind::Approval);
    assert_eq!(pushes[0].department, "wenguang");
    assert_eq!(pushes[0].facts()["on_commitment"], true);

    // The licence issued, the supervising department verifies within the item's period.
    let c = act(&store, &cal, c.id, Action::IssueCertificate, "2025-03-04").await;
    let lic = store.licences_of_case(c.id).await.unwrap()[0]
        .identifier
        .clone();
    let task = store.verification_of(&lic).await.unwrap().unwrap();
    assert_eq!(task.state, VerificationState::Open);
    assert_eq!(
        task.due_on.as_deref(),
        Some("2025-03-17"),
        "10 working days after the decision"
    );
    assert_eq!(task.department, "wenguang");
    assert_eq!(task.holder_id, org(1).id_number);
    assert_eq!(task.case_id, c.id);
    assert_eq!(
        store
            .verification_tasks("hanyin", Some("wenguang"))
            .await
            .unwrap(),
        vec![task.clone()]
    );
    assert!(
        store
            .verification_tasks("hanyin", Some("shichang"))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .verification_tasks("hanyin", None)
            .await
            .unwrap()
            .len(),
        1
    );
    // An ordinary licence is not verified.
    let (_, ordinary) = licensed(&store, &cal, org(9), "2025-03-04").await;
    assert!(store.verification_of(&ordinary).await.unwrap().is_none());

    // Rectification: once, by a later date, with what is missing.
    let r = refusal(
        store
            .record_verification(
                task.id,
                &VerificationOutcome::Rectify {
                    by: d("2025-03-14"),
                    reason: "消防设施未配备".into(),
                },
                &supervisor(),
                at("2025-03-14"),
            )
            .await,
    );
    assert!(r.message.contains("应晚于今天"), "{}", r.message);
    let t = store
        .record_verification(
            task.id,
            &VerificationOutcome::Rectify {
                by: d("2025-04-15"),
                reason: "消防设施未配备".into(),
            },
            &supervisor(),
            at("2025-03-14"),
        )
        .await
        .unwrap();
    assert_eq!(t.state, VerificationState::Rectifying);
    assert_eq!(t.rectify_by.as_deref(), Some("2025-04-15"));
    let r = refusal(
        store
            .record_verification(
                task.id,
                &VerificationOutcome::Rectify {
                    by: d("2025-05-15"),
                    reason: "仍未配备".into(),
                },
                &supervisor(),
                at("2025-04-16"),
            )
            .await,
    );
    assert!(r.message.contains("一次"), "{}", r.message);
    let r = refusal(
        store
            .record_verification(
                task.id,
                &VerificationOutcome::False { reason: " ".into() },
                &supervisor(),
                at("2025-04-16"),
            )
            .await,
    );
    assert!(r.message.contains("事实和理由"), "{}", r.message);

    // A false commitment: a credit record, and a revocation for the bureau to decide.
    let t = store
        .record_verification(
            task.id,
            &VerificationOutcome::False {
                reason: "逾期未整改，消防设施仍未配备".into(),
            },
            &supervisor(),
            at("2025-04-16"),
        )
        .await
        .unwrap();
    assert_eq!(t.state, VerificationState::False);
    assert_eq!(t.outcomes.len(), 2);
    assert_eq!(t.outcomes[0]["outcome"], "rectify");
    assert_eq!(t.outcomes[1]["outcome"], "false");
    assert_eq!(t.outcomes[1]["on"], "2025-04-16");
    assert_eq!(t.outcomes[1]["actor"], "监管 赵磊");
    let r = refusal(
        store
            .record_verification(
                task.id,
                &VerificationOutcome::Fulfilled {
                    note: "补正".into(),
                },
                &supervisor(),
                at("2025-04-17"),
            )
            .await,
    );
    assert!(r.message.contains("已办结"), "{}", r.message);
    let credits = store.credit_records(&org(1).id_number).await.unwrap();
    assert_eq!(credits.len(), 1);
    assert_eq!(credits[0].kind, CreditKind::FalseCommitment);
    assert_eq!(credits[0].source, lic);
    assert!(credits[0].repaired_at.is_none());
    let acts = store.licence_acts(&lic).await.unwrap();
    assert_eq!(acts.len(), 1);
    assert_eq!(
        (acts[0].kind, acts[0].state),
        (ActKind::Revocation, ActState::Proposed)
    );
    assert_eq!(acts[0].details["ground"], "fraud");
    assert_eq!(
        store.open_licence_acts("hanyin").await.unwrap(),
        acts.clone()
    );
    let events = actions(&store, c.id).await;
    assert_eq!(
        events
            .iter()
            .filter(|a| *a == "commitment_verification")
            .count(),
        2
    );
    assert!(events.contains(&"revocation_proposed".to_string()));
    // The licence stays in force until the bureau decides.
    assert_eq!(status(&store, &lic).await, LicenceStatus::Valid);

    // Barred from notify-and-commit until the record is repaired.
    let facts = store.applicant_facts(&org(1).id_number).await.unwrap();
    assert!(facts.commitment_barred.unwrap().contains("虚假承诺"));
    let (c2, _) = store
        .create_case(
            &new_case("HY-WG-001", org(1), &["M1"]),
            &clerk(),
            at("2025-04-17"),
            &env(&cal),
        )
        .await
        .unwrap();
    let r = refusal(
        store
            .act(
                c2.id,
                None,
                &commit(),
                &clerk(),
                at("2025-04-17"),
                &env(&cal),
            )
            .await,
    );
    assert_eq!(r.rule, "commitment");
    assert!(
        r.message.contains("虚假承诺")
            && r.message.contains("42号")
            && r.message.contains("信用修复"),
        "{}",
        r.message
    );
    assert_eq!(store.case(c2.id).await.unwrap().version, c2.version);
    // Others are not barred.
    assert!(
        store
            .applicant_facts(&org(9).id_number)
            .await
            .unwrap()
            .commitment_barred
            .is_none()
    );

    // The repair is explicit, with its reason, and logged.
    let msg = rejected(
        store
            .repair_credit(credits[0].id, "  ", &actor("信用管理员"), at("2025-04-18"))
            .await,
    );
    assert!(msg.contains("信用修复须写明依据"), "{msg}");
    let repaired = store
        .repair_credit(
            credits[0].id,
            "已完成整改并作出信用承诺（汉信修〔2025〕3号）",
            &actor("信用管理员"),
            at("2025-04-18"),
        )
        .await
        .unwrap();
    assert!(repaired.repaired_at.is_some());
    assert_eq!(repaired.repaired_by.as_deref(), Some("信用管理员"));
    assert!(repaired.repair_reason.unwrap().contains("汉信修"));
    let msg = rejected(
        store
            .repair_credit(
                credits[0].id,
                "再次",
                &actor("信用管理员"),
                at("2025-04-18"),
            )
            .await,
    );
    assert!(msg.contains("已经修复"), "{msg}");
    let logged: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE action = 'credit_repair'")
            .fetch_one(store.reader())
            .await
            .unwrap();
    assert_eq!(logged, 1);
    assert!(
        store
            .applicant_facts(&org(1).id_number)
            .await
            .unwrap()
            .commitment_barred
            .is_none()
    );
    let c2 = act(&store, &cal, c2.id, commit(), "2025-04-18").await;
    assert_eq!(c2.state, CaseState::Decided);

    // The bureau revokes (Art. 69 para 2): the proposal is settled.
    let revoked = on_licence(
        &store,
        &cal,
        &lic,
        ActRequest::Revoke {
            ground: RevocationGround::Fraud,
            reason: "承诺不实，经核查消防设施未配备".into(),
            serious_public_harm: false,
            revoke: true,
        },
        "2025-04-21",
    )
    .await
    .unwrap();
    assert_eq!(revoked.state, ActState::Done);
    let acts = store.licence_acts(&lic).await.unwrap();
    assert_eq!(acts.len(), 2);
    assert!(acts.iter().all(|a| a.state == ActState::Done), "{acts:?}");
    assert!(store.open_licence_acts("hanyin").await.unwrap().is_empty());
    assert_eq!(status(&store, &lic).await, LicenceStatus::Revoked);

    // A commitment found true closes the task; nothing is recorded against the applicant.
    let (c3, _) = store
        .create_case(
            &new_case("HY-WG-001", person(3), &["M1"]),
            &clerk(),
            at("2025-04-21"),
            &env(&cal),
        )
        .await
        .unwrap();
    act(&store, &cal, c3.id, commit(), "2025-04-21").await;
    act(&store, &cal, c3.id, Action::IssueCertificate, "2025-04-21").await;
    let lic3 = store.licences_of_case(c3.id).await.unwrap()[0]
        .identifier
        .clone();
    let task3 = store.verification_of(&lic3).await.unwrap().unwrap();
    let t3 = store
        .record_verification(
            task3.id,
            &VerificationOutcome::Fulfilled {
                note: "现场核查，条件与承诺一致".into(),
            },
            &supervisor(),
            at("2025-04-25"),
        )
        .await
        .unwrap();
    assert_eq!(t3.state, VerificationState::Fulfilled);
    assert!(
        store
            .credit_records(&person(3).id_number)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.licence_acts(&lic3).await.unwrap().is_empty());
    assert!(store.verify_chain().await.unwrap().broken.is_none());
}

/// The licence granted on a commitment was changed before the verification found the commitment
/// false: the revocation proposed is of the version in force, and deciding it settles the proposal.
async fn a_false_commitment_reaches_the_licence_in_force(store: Store) {
    let cal = Calendar::builtin();
    let (c, _) = store
        .create_case(
            &new_case("HY-WG-001", org(1), &["M1"]),
            &clerk(),
            at("2025-03-03"),
            &env(&cal),
        )
        .await
        .unwrap();
    act(&store, &cal, c.id, commit(), "2025-03-03").await;
    act(&store, &cal, c.id, Action::IssueCertificate, "2025-03-03").await;
    let v1 = store.licences_of_case(c.id).await.unwrap()[0]
        .identifier
        .clone();
    let applied = on_licence(
        &store,
        &cal,
        &v1,
        ActRequest::ApplyChange {
            changes: "场所名称变更".into(),
        },
        "2025-03-04",
    )
    .await
    .unwrap();
    let v2 = store
        .decide_licence_act(
            applied.id,
            true,
            "符合条件",
            &chief(),
            at("2025-03-05"),
            &env(&cal),
        )
        .await
        .unwrap()
        .new_licence
        .unwrap();
    let task = store.verification_of(&v1).await.unwrap().unwrap();
    store
        .record_verification(
            task.id,
            &VerificationOutcome::False {
                reason: "场所不存在".into(),
            },
            &supervisor(),
            at("2025-03-10"),
        )
        .await
        .unwrap();
    let open = store.open_licence_acts("hanyin").await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].licence, v2, "the version in force");
    on_licence(
        &store,
        &cal,
        &v2,
        revoke(RevocationGround::Fraud, "承诺不实", false, true),
        "2025-03-11",
    )
    .await
    .unwrap();
    assert_eq!(status(&store, &v2).await, LicenceStatus::Revoked);
    assert!(store.open_licence_acts("hanyin").await.unwrap().is_empty());
}

// ---------------------------------------------------------------------------------------------
// Deferred materials (容缺受理)

async fn deferred_materials_warn_once_and_hold_the_certificate(store: Store) {
    let cal = Calendar::builtin();
    let mut cases = Vec::new();
    for n in 1..=2 {
        let (c, _) = store
            .create_case(
                &new_case("HY-SC-001", org(n), &["M1"]),
                &clerk(),
                at("2025-03-03"),
                &env(&cal),
            )
            .await
            .unwrap();
        cases.push(c);
    }
    let c = cases[0].clone();
    // Only non-core materials may be deferred.
    let r = refusal(
        store
            .act(
                c.id,
                None,
                &Action::AcceptDeferred {
                    deferred: vec!["M1".into()],
                    due: Some(d("2025-03-14")),
                },
                &clerk(),
                at("2025-03-03"),
                &env(&cal),
            )
            .await,
    );
    assert!(r.message.contains("非核心"), "{}", r.message);
    for c in &cases {
        act(
            &store,
            &cal,
            c.id,
            Action::AcceptDeferred {
                deferred: vec!["M2".into()],
                due: Some(d("2025-03-14")),
            },
            "2025-03-03",
        )
        .await;
        act(&store, &cal, c.id, review(), "2025-03-04").await;
        act(&store, &cal, c.id, approve(), "2025-03-05").await;
    }
    // The certificate waits for the materials.
    let r = refusal(
        store
            .act(
                c.id,
                None,
                &Action::IssueCertificate,
                &clerk(),
                at("2025-03-06"),
                &env(&cal),
            )
            .await,
    );
    assert_eq!(r.rule, "deferral");
    assert!(
        r.message.contains("营业执照") && r.message.contains("补齐后方可发证"),
        "{}",
        r.message
    );
    // The promised date itself is still in time.
    assert_eq!(store.sweep_deferred(at("2025-03-14")).await.unwrap(), 0);
    // Two servers sweeping at once warn once per case.
    let (a, b) = tokio::join!(
        store.sweep_deferred(at("2025-03-17")),
        store.sweep_deferred(at("2025-03-17"))
    );
    assert_eq!(a.unwrap() + b.unwrap(), 2);
    assert_eq!(
        store.sweep_deferred(at("2025-03-18")).await.unwrap(),
        0,
        "once, not twice"
    );
    let events = store.case_events(c.id).await.unwrap();
    let warnings: Vec<_> = events
        .iter()
        .filter(|e| e.action == "deferred_overdue")
        .collect();
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].actor, "系统");
    assert!(
        warnings[0].reason.contains("营业执照") && warnings[0].reason.contains("逾期未补交"),
        "{}",
        warnings[0].reason
    );
    // A warning on the applicant too, which bars nothing.
    let credits = store.credit_records(&org(1).id_number).await.unwrap();
    assert_eq!(credits.len(), 1);
    assert_eq!(credits[0].kind, CreditKind::DeferredOverdue);
    assert!(
        store
            .applicant_facts(&org(1).id_number)
            .await
            .unwrap()
            .commitment_barred
            .is_none()
    );
    // The materials arrive: the certificate is issued, and no more warnings.
    act(
        &store,
        &cal,
        c.id,
        Action::Supplement {
            materials: vec!["M2".into()],
        },
        "2025-03-18",
    )
    .await;
    let c = act(&store, &cal, c.id, Action::IssueCertificate, "2025-03-18").await;
    assert_eq!(c.state, CaseState::CertificateIssued);
    assert_eq!(store.licences_of_case(c.id).await.unwrap().len(), 1);
    assert_eq!(store.sweep_deferred(at("2025-03-19")).await.unwrap(), 0);
    assert_eq!(
        store
            .case_events(c.id)
            .await
            .unwrap()
            .iter()
            .filter(|e| e.action == "deferred_overdue")
            .count(),
        1
    );
}

// ---------------------------------------------------------------------------------------------
// Change (Art. 49)

async fn change_granted_issues_a_new_version_and_denied_a_decision(store: Store) {
    let cal = Calendar::builtin();
    let (c, lic) = licensed(&store, &cal, org(1), "2025-03-10").await;
    let v1 = store.licence(&lic).await.unwrap().unwrap();
    assert_eq!(v1.valid_until.as_deref(), Some("2026-03-09"));
    assert_eq!((v1.status, v1.version), (LicenceStatus::Valid, 1));
    store
        .set_licence_risk(&lic, Risk::High, &supervisor(), at("2025-04-20"))
        .await
        .unwrap();

    let msg = rejected(
        on_licence(
            &store,
            &cal,
            &lic,
            ActRequest::ApplyChange {
                changes: " ".into(),
            },
            "2025-06-02",
        )
        .await,
    );
    assert!(msg.contains("变更的事项"), "{msg}");
    let applied = on_licence(
        &store,
        &cal,
        &lic,
        ActRequest::ApplyChange {
            changes: "场所名称变更为“月河KTV”".into(),
        },
        "2025-06-02",
    )
    .await
    .unwrap();
    assert_eq!(
        (applied.kind, applied.state),
        (ActKind::Change, ActState::Pending)
    );
    assert_eq!(
        applied.due_on,
        Some(fmt_date(cal.add(d("2025-06-02"), 20).unwrap()))
    );
    assert_eq!(applied.decided_on, None);
    assert_eq!(store.open_licence_acts("hanyin").await.unwrap().len(), 1);
    // One application at a time.
    let msg =
        rejected(on_licence(&store, &cal, &lic, ActRequest::ApplyRenewal, "2025-06-03").await);
    assert!(msg.contains("正在审查的变更申请"), "{msg}");
    // A denial needs its reasons (Art. 38).
    let msg = rejected(
        store
            .decide_licence_act(
                applied.id,
                false,
                " ",
                &chief(),
                at("2025-06-05"),
                &env(&cal),
            )
            .await,
    );
    assert!(msg.contains("第三十八条"), "{msg}");

    // Granted: a new version, the old one superseded.
    let granted = store
        .decide_licence_act(
            applied.id,
            true,
            "变更事项符合法定条件",
            &chief(),
            at("2025-06-05"),
            &env(&cal),
        )
        .await
        .unwrap();
    assert_eq!(granted.state, ActState::Granted);
    assert_eq!(granted.decided_on.as_deref(), Some("2025-06-05"));
    let v2_id = granted.new_licence.clone().unwrap();
    assert_ne!(v2_id, lic);
    let v2 = store.licence(&v2_id).await.unwrap().unwrap();
    assert_eq!((v2.status, v2.version), (LicenceStatus::Valid, 2));
    assert_eq!(
        v2.valid_until, v1.valid_until,
        "a change keeps the validity"
    );
    assert_eq!(v2.issued_on, "2025-06-05");
    assert_eq!(v2.holder_id, v1.holder_id);
    assert_eq!(v2.case_id, c.id);
    assert_eq!(v2.supervising_department, "wenguang");
    assert_eq!(v2.risk, Risk::High, "the licensee's risk grading stays");
    assert_eq!(status(&store, &lic).await, LicenceStatus::Changed);
    let doc = store.document(granted.document_id.unwrap()).await.unwrap();
    assert_eq!(doc.record.kind, DocumentKind::Licence);
    assert_eq!(v2.document_id, Some(doc.id));
    assert_eq!(doc.record.identifier.as_deref(), Some(v2_id.as_str()));
    let text = doc.record.paragraphs.join("");
    assert!(
        text.contains("月河KTV") && text.contains(&format!("原证照编号{lic}")),
        "{text}"
    );
    let msg = rejected(
        store
            .decide_licence_act(
                applied.id,
                true,
                "再次",
                &chief(),
                at("2025-06-06"),
                &env(&cal),
            )
            .await,
    );
    assert!(msg.contains("不能再作决定"), "{msg}");
    // The old version is no longer the one in force.
    let r = refusal(
        on_licence(
            &store,
            &cal,
            &lic,
            ActRequest::ApplyChange {
                changes: "再变更".into(),
            },
            "2025-06-06",
        )
        .await,
    );
    assert!(r.message.contains("现行版本"), "{}", r.message);
    // Events and the push.
    let events = store.case_events(c.id).await.unwrap();
    let changes: Vec<_> = events
        .iter()
        .filter(|e| e.action == "licence_change")
        .collect();
    assert_eq!(changes.len(), 2);
    assert!(changes[0].reason.contains("申请变更"));
    assert!(changes[1].reason.contains("准予变更"));
    let pushes = store.pushes_about(c.id).await.unwrap();
    let change = pushes.last().unwrap();
    assert_eq!(change.kind, PushKind::Change);
    assert_eq!(change.licence.as_deref(), Some(lic.as_str()));
    assert_eq!(change.facts()["new_licence"], v2_id.as_str());

    // Denied: a decision with reasons and rights; the licence stays as it was.
    let applied = on_licence(
        &store,
        &cal,
        &v2_id,
        ActRequest::ApplyChange {
            changes: "经营面积增加至2000平方米".into(),
        },
        "2025-07-01",
    )
    .await
    .unwrap();
    let denied = store
        .decide_licence_act(
            applied.id,
            false,
            "新增场所未通过消防验收",
            &chief(),
            at("2025-07-03"),
            &env(&cal),
        )
        .await
        .unwrap();
    assert_eq!(denied.state, ActState::Denied);
    assert_eq!(denied.new_licence, None);
    let doc = store.document(denied.document_id.unwrap()).await.unwrap();
    assert_eq!(doc.record.kind, DocumentKind::ChangeDenial);
    assert_eq!(doc.record.title, "不予变更行政许可决定书");
    let text = doc.record.paragraphs.join("");
    assert!(
        text.contains("消防验收") && text.contains("第四十九条") && text.contains("行政复议"),
        "{text}"
    );
    assert_eq!(status(&store, &v2_id).await, LicenceStatus::Valid);
    assert_eq!(
        store.pushes_about(c.id).await.unwrap().len(),
        pushes.len(),
        "nothing changed, nothing pushed"
    );
    assert!(store.open_licence_acts("hanyin").await.unwrap().is_empty());
}

async fn change_needs_the_licence_in_force(store: Store) {
    let cal = Calendar::builtin();
    let change = || ActRequest::ApplyChange {
        changes: "法定代表人变更".into(),
    };
    // Revoked.
    let (_, lic) = licensed(&store, &cal, org(1), "2025-03-10").await;
    on_licence(
        &store,
        &cal,
        &lic,
        ActRequest::Revoke {
            ground: RevocationGround::Unqualified,
            reason: "申请人不具备申请资格".into(),
            serious_public_harm: false,
            revoke: true,
        },
        "2025-05-06",
    )
    .await
    .unwrap();
    let r = refusal(on_licence(&store, &cal, &lic, change(), "2025-05-07").await);
    assert!(
        r.message.contains("已撤销") && r.message.contains("变更"),
        "{}",
        r.message
    );
    // Past its end date, even before the sweep.
    let (_, lic2) = licensed(&store, &cal, org(2), "2025-03-10").await;
    let r = refusal(on_licence(&store, &cal, &lic2, change(), "2026-03-10").await);
    assert!(r.message.contains("已过期"), "{}", r.message);
    // Unknown.
    let err = on_licence(&store, &cal, "NOPE", change(), "2025-05-07")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    // Revoked while the change was under review: it cannot be granted any more.
    let (_, lic3) = licensed(&store, &cal, org(3), "2025-03-10").await;
    let pending = on_licence(&store, &cal, &lic3, change(), "2025-06-02")
        .await
        .unwrap();
    on_licence(
        &store,
        &cal,
        &lic3,
        ActRequest::Revoke {
            ground: RevocationGround::IllegalProcedure,
            reason: "未按规定进行现场核查".into(),
            serious_public_harm: false,
            revoke: true,
        },
        "2025-06-03",
    )
    .await
    .unwrap();
    let err = store
        .decide_licence_act(
            pending.id,
            true,
            "符合条件",
            &chief(),
            at("2025-06-04"),
            &env(&cal),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("已撤销"), "{err}");
    assert_eq!(status(&store, &lic3).await, LicenceStatus::Revoked);
    assert_eq!(
        store.licence_acts(&lic3).await.unwrap()[0].new_licence,
        None
    );
    // The bureau closes it with a denial.
    let denied = store
        .decide_licence_act(
            pending.id,
            false,
            "该证照已被撤销，变更申请不予准予",
            &chief(),
            at("2025-06-04"),
            &env(&cal),
        )
        .await
        .unwrap();
    assert_eq!(denied.state, ActState::Denied);
    assert_eq!(status(&store, &lic3).await, LicenceStatus::Revoked);
}

// ---------------------------------------------------------------------------------------------
// Renewal (Art. 50) and expiry

async fn renewal_is_applied_thirty_days_ahead_and_deemed_when_undecided(store: Store) {
    let cal = Calendar::builtin();
    // Valid until 2026-03-09: the renewal is applied for by 2026-02-07.
    let (c, lic) = licensed(&store, &cal, org(1), "2025-03-10").await;
    let (c2, lic2) = licensed(&store, &cal, org(2), "2025-03-10").await;
    let r = refusal(on_licence(&store, &cal, &lic, ActRequest::ApplyRenewal, "2026-02-08").await);
    assert_eq!(r.rule, "AL-19");
    assert!(
        r.message.contains("第五十条")
            && r.message.contains("三十日前")
            && r.message.contains("2026-02-07"),
        "{}",
        r.message
    );
    assert!(store.licence_acts(&lic).await.unwrap().is_empty());
    let applied = on_licence(&store, &cal, &lic, ActRequest::ApplyRenewal, "2026-02-06")
        .await
        .unwrap();
    assert_eq!(
        (applied.kind, applied.state),
        (ActKind::Renewal, ActState::Pending)
    );
    assert_eq!(applied.due_on.as_deref(), Some("2026-03-09"));
    let applied2 = on_licence(&store, &cal, &lic2, ActRequest::ApplyRenewal, "2026-02-07")
        .await
        .unwrap();

    // Undecided on the last day: nothing yet.
    assert_eq!(
        store
            .sweep_licences(at("2026-03-09"), &env(&cal))
            .await
            .unwrap(),
        (0, 0)
    );
    // The day after the expiry the bureau can no longer decide: the renewal is deemed granted.
    let r = refusal(
        store
            .decide_licence_act(
                applied2.id,
                false,
                "经营场所已不符合条件",
                &chief(),
                at("2026-03-10"),
                &env(&cal),
            )
            .await,
    );
    assert_eq!(r.rule, "AL-19");
    assert!(
        r.message.contains("第五十条第二款") && r.message.contains("视为准予延续"),
        "{}",
        r.message
    );
    assert_eq!(
        store.licence_act(applied2.id).await.unwrap().state,
        ActState::Pending
    );
    // Two servers sweeping at once deem each renewal once; nothing expires.
    let e = env(&cal);
    let (a, b) = tokio::join!(
        store.sweep_licences(at("2026-03-10"), &e),
        store.sweep_licences(at("2026-03-10"), &e)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!((a.0 + b.0, a.1 + b.1), (2, 0));
    let deemed = store.licence_act(applied.id).await.unwrap();
    assert_eq!(deemed.state, ActState::Deemed);
    assert_eq!(deemed.decided_on.as_deref(), Some("2026-03-10"));
    assert_eq!(deemed.details["deemed"], true);
    let v2_id = deemed.new_licence.clone().unwrap();
    let v2 = store.licence(&v2_id).await.unwrap().unwrap();
    assert_eq!(v2.status, LicenceStatus::Valid);
    assert_eq!(v2.version, 2);
    assert_eq!(v2.valid_until.as_deref(), Some("2027-03-09"));
    assert_eq!(status(&store, &lic).await, LicenceStatus::Renewed);
    let doc = store.document(deemed.document_id.unwrap()).await.unwrap();
    assert!(
        doc.record.paragraphs.join("").contains("视为准予延续"),
        "{:?}",
        doc.record.paragraphs
    );
    let events = store.case_events(c.id).await.unwrap();
    let last = events
        .iter()
        .rfind(|e| e.action == "licence_renewal")
        .unwrap();
    assert_eq!(last.actor, "系统");
    assert!(last.reason.contains("第五十条第二款"), "{}", last.reason);
    assert_eq!(
        push_kinds(&store, c.id).await,
        [PushKind::Approval, PushKind::Certificate, PushKind::Renewal]
    );
    assert_eq!(
        store.licence_act(applied2.id).await.unwrap().state,
        ActState::Deemed
    );
    assert_eq!(status(&store, &lic2).await, LicenceStatus::Renewed);
    assert_eq!(
        push_kinds(&store, c2.id).await.last(),
        Some(&PushKind::Renewal)
    );
    // Nothing more to sweep.
    assert_eq!(
        store
            .sweep_licences(at("2026-03-11"), &env(&cal))
            .await
            .unwrap(),
        (0, 0)
    );
    // The renewed licence is the one in force.
    assert_eq!(
        store
            .licence(&v2_id)
            .await
            .unwrap()
            .unwrap()
            .status_on(d("2026-03-11")),
        LicenceStatus::Valid
    );
    let r = refusal(on_licence(&store, &cal, &lic, ActRequest::ApplyRenewal, "2026-03-11").await);
    assert!(
        r.message.contains("重新申请") || r.message.contains("现行版本"),
        "{}",
        r.message
    );
    assert!(store.verify_chain().await.unwrap().broken.is_none());
}

async fn renewal_decided_in_time(store: Store) {
    let cal = Calendar::builtin();
    let (c, lic) = licensed(&store, &cal, org(1), "2025-03-10").await;
    let applied = on_licence(&store, &cal, &lic, ActRequest::ApplyRenewal, "2026-01-05")
        .await
        .unwrap();
    let granted = store
        .decide_licence_act(
            applied.id,
            true,
            "经审查仍符合许可条件",
            &chief(),
            at("2026-02-10"),
            &env(&cal),
        )
        .await
        .unwrap();
    assert_eq!(granted.state, ActState::Granted);
    let v2 = store
        .licence(granted.new_licence.as_deref().unwrap())
        .await
        .unwrap()
        .unwrap();
    // Renewed from the end of the old validity, not from the decision.
    assert_eq!(v2.valid_until.as_deref(), Some("2027-03-09"));
    assert_eq!(status(&store, &lic).await, LicenceStatus::Renewed);
    let doc = store.document(granted.document_id.unwrap()).await.unwrap();
    assert!(doc.record.paragraphs.join("").contains("准予延续有效期"));
    assert_eq!(
        push_kinds(&store, c.id).await.last(),
        Some(&PushKind::Renewal)
    );
    // Long-term licences need no renewal.
    let (soc, _) = store
        .create_case(
            &new_case("HY-MZ-001", org(5), &["M1"]),
            &clerk(),
            at("2025-03-10"),
            &env(&cal),
        )
        .await
        .unwrap();
    act(&store, &cal, soc.id, Action::Accept, "2025-03-10").await;
    act(&store, &cal, soc.id, approve(), "2025-03-10").await;
    act(&store, &cal, soc.id, Action::IssueCertificate, "2025-03-10").await;
    let forever = store.licences_of_case(soc.id).await.unwrap()[0]
        .identifier
        .clone();
    let r = refusal(
        on_licence(
            &store,
            &cal,
            &forever,
            ActRequest::ApplyRenewal,
            "2025-06-02",
        )
        .await,
    );
    assert!(r.message.contains("长期有效"), "{}", r.message);

    // Denied in time: a decision with reasons; the licence expires at its end.
    let (c2, lic2) = licensed(&store, &cal, org(2), "2025-03-10").await;
    let applied = on_licence(&store, &cal, &lic2, ActRequest::ApplyRenewal, "2026-01-05")
        .await
        .unwrap();
    let denied = store
        .decide_licence_act(
            applied.id,
            false,
            "场所位于新划定的禁止区域",
            &chief(),
            at("2026-03-09"),
            &env(&cal),
        )
        .await
        .unwrap();
    assert_eq!(denied.state, ActState::Denied);
    let doc = store.document(denied.document_id.unwrap()).await.unwrap();
    assert_eq!(doc.record.kind, DocumentKind::RenewalDenial);
    let text = doc.record.paragraphs.join("");
    assert!(
        text.contains("禁止区域") && text.contains("第五十条") && text.contains("行政诉讼"),
        "{text}"
    );
    assert_eq!(
        store
            .sweep_licences(at("2026-03-10"), &env(&cal))
            .await
            .unwrap(),
        (0, 1)
    );
    assert_eq!(status(&store, &lic2).await, LicenceStatus::Expired);
    assert_eq!(
        push_kinds(&store, c2.id).await.last(),
        Some(&PushKind::Expiry)
    );
}

async fn unrenewed_licences_expire(store: Store) {
    let cal = Calendar::builtin();
    let (c, lic) = licensed(&store, &cal, org(1), "2025-03-10").await;
    // Verification shows the expiry by date even before the sweep records it.
    let l = store.licence(&lic).await.unwrap().unwrap();
    assert_eq!(l.status_on(d("2026-03-09")), LicenceStatus::Valid);
    assert_eq!(l.status_on(d("2026-03-10")), LicenceStatus::Expired);
    assert_eq!(
        store
            .sweep_licences(at("2026-03-09"), &env(&cal))
            .await
            .unwrap(),
        (0, 0)
    );
    let e = env(&cal);
    let (a, b) = tokio::join!(
        store.sweep_licences(at("2026-03-10"), &e),
        store.sweep_licences(at("2026-03-10"), &e)
    );
    assert_eq!(a.unwrap().1 + b.unwrap().1, 1, "expired once");
    assert_eq!(status(&store, &lic).await, LicenceStatus::Expired);
    let acts = store.licence_acts(&lic).await.unwrap();
    assert_eq!(acts.len(), 1);
    assert_eq!(
        (acts[0].kind, acts[0].state),
        (ActKind::Expiry, ActState::Done)
    );
    let events = store.case_events(c.id).await.unwrap();
    let e = events.last().unwrap();
    assert_eq!(
        (e.action.as_str(), e.actor.as_str()),
        ("licence_expiry", "系统")
    );
    assert!(e.reason.contains("2026-03-09") && e.reason.contains("届满"));
    let pushes = store.pushes_about(c.id).await.unwrap();
    let expiry = pushes.last().unwrap();
    assert_eq!(expiry.kind, PushKind::Expiry);
    assert_eq!(expiry.department, "wenguang");
    assert_eq!(
        store
            .sweep_licences(at("2026-03-11"), &env(&cal))
            .await
            .unwrap(),
        (0, 0)
    );
    // Too late to renew; it is cancelled (Art. 70 (1)).
    let r = refusal(on_licence(&store, &cal, &lic, ActRequest::ApplyRenewal, "2026-03-11").await);
    assert!(r.message.contains("重新申请"), "{}", r.message);
    let cancelled = on_licence(
        &store,
        &cal,
        &lic,
        ActRequest::Cancel {
            ground: CancellationGround::Expired,
            reason: "有效期届满未申请延续".into(),
        },
        "2026-03-11",
    )
    .await
    .unwrap();
    assert_eq!(cancelled.state, ActState::Done);
    assert_eq!(status(&store, &lic).await, LicenceStatus::Cancelled);
}

// ---------------------------------------------------------------------------------------------
// Revocation (Art. 69), cancellation (Art. 70), withdrawal (Art. 8), rescission

fn revoke(ground: RevocationGround, reason: &str, harm: bool, revoke: bool) -> ActRequest {
    ActRequest::Revoke {
        ground,
        reason: reason.into(),
        serious_public_harm: harm,
        revoke,
    }
}

async fn revocation_follows_article_69(store: Store) {
    use RevocationGround as G;
    let cal = Calendar::builtin();
    let (c, lic) = licensed(&store, &cal, org(1), "2025-03-10").await;
    // Mandatory for fraud and bribery.
    for g in [G::Fraud, G::Bribery] {
        let r = refusal(
            on_licence(
                &store,
                &cal,
                &lic,
                revoke(g, "提交虚假场所证明", false, false),
                "2025-05-06",
            )
            .await,
        );
        assert_eq!(r.rule, "AL-22");
        assert!(
            r.message.contains("第六十九条第二款") && r.message.contains("应当予以撤销"),
            "{}",
            r.message
        );
    }
    // Barred where it would seriously harm the public interest.
    let r = refusal(
        on_licence(
            &store,
            &cal,
            &lic,
            revoke(G::Bribery, "行贿", true, true),
            "2025-05-06",
        )
        .await,
    );
    assert!(
        r.message.contains("第六十九条第三款") && r.message.contains("不予撤销"),
        "{}",
        r.message
    );
    let msg = rejected(
        on_licence(
            &store,
            &cal,
            &lic,
            revoke(G::IllegalProcedure, " ", false, true),
            "2025-05-06",
        )
        .await,
    );
    assert!(msg.contains("理由"), "{msg}");
    assert!(store.licence_acts(&lic).await.unwrap().is_empty());
    // The decision not to revoke is recorded.
    let declined = on_licence(
        &store,
        &cal,
        &lic,
        revoke(
            G::Fraud,
            "该场所承担全县唯一的应急避难功能，撤销将对公共利益造成重大损害",
            true,
            false,
        ),
        "2025-05-06",
    )
    .await
    .unwrap();
    assert_eq!(declined.state, ActState::Declined);
    assert_eq!(declined.document_id, None);
    assert_eq!(declined.decided_on.as_deref(), Some("2025-05-06"));
    assert_eq!(declined.details["serious_public_harm"], true);
    assert_eq!(status(&store, &lic).await, LicenceStatus::Valid);
    let events = store.case_events(c.id).await.unwrap();
    assert!(
        events.last().unwrap().reason.contains("决定不予撤销"),
        "{}",
        events.last().unwrap().reason
    );
    // An optional ground: the bureau may decide either way.
    let declined = on_licence(
        &store,
        &cal,
        &lic,
        revoke(G::IllegalProcedure, "程序瑕疵已补正", false, false),
        "2025-05-07",
    )
    .await
    .unwrap();
    assert_eq!(declined.state, ActState::Declined);
    assert_eq!(
        push_kinds(&store, c.id).await,
        [PushKind::Approval, PushKind::Certificate],
        "nothing changed, nothing pushed"
    );
    let done = on_licence(
        &store,
        &cal,
        &lic,
        revoke(G::Unqualified, "申请人不符合法定条件", false, true),
        "2025-05-08",
    )
    .await
    .unwrap();
    assert_eq!(done.state, ActState::Done);
    assert_eq!(status(&store, &lic).await, LicenceStatus::Revoked);
    let doc = store.document(done.document_id.unwrap()).await.unwrap();
    assert_eq!(doc.record.kind, DocumentKind::RevocationDecision);
    assert_eq!(doc.record.title, "撤销行政许可决定书");
    let text = doc.record.paragraphs.join("");
    assert!(
        text.contains("第六十九条") && text.contains("赔偿") && text.contains("不符合法定条件"),
        "{text}"
    );
    assert_eq!(
        push_kinds(&store, c.id).await.last(),
        Some(&PushKind::Revocation)
    );
    let r = refusal(
        on_licence(
            &store,
            &cal,
            &lic,
            revoke(G::Fraud, "欺骗", false, true),
            "2025-05-09",
        )
        .await,
    );
    assert!(r.message.contains("已撤销"), "{}", r.message);
    // Fraud: the licensee's gains are not protected.
    let (_, lic2) = licensed(&store, &cal, org(2), "2025-03-10").await;
    let done = on_licence(
        &store,
        &cal,
        &lic2,
        revoke(G::Fraud, "提交伪造的消防验收意见书", false, true),
        "2025-05-08",
    )
    .await
    .unwrap();
    let doc = store.document(done.document_id.unwrap()).await.unwrap();
    assert!(doc.record.paragraphs.join("").contains("不受保护"));
    assert_eq!(
        store.licence(&lic2).await.unwrap().unwrap().status,
        LicenceStatus::Revoked
    );
}

fn cancel(ground: CancellationGround, reason: &str) -> ActRequest {
    ActRequest::Cancel {
        ground,
        reason: reason.into(),
    }
}

async fn cancellation_follows_each_ground_of_article_70(store: Store) {
    use CancellationGround as G;
    let cal = Calendar::builtin();
    let (co, lo) = licensed(&store, &cal, org(1), "2025-03-10").await;
    let (cp, lp) = licensed(&store, &cal, person(2), "2025-03-10").await;
    // (1) not expired yet.
    let r = refusal(on_licence(&store, &cal, &lo, cancel(G::Expired, ""), "2025-05-06").await);
    assert_eq!(r.rule, "AL-23");
    assert!(r.message.contains("第七十条第（一）项"), "{}", r.message);
    // (2) only a citizen dies.
    let r = refusal(on_licence(&store, &cal, &lo, cancel(G::Died, ""), "2025-05-06").await);
    assert!(r.message.contains("第七十条第（二）项"), "{}", r.message);
    // (3) only an organisation terminates.
    let r = refusal(on_licence(&store, &cal, &lp, cancel(G::Terminated, ""), "2025-05-06").await);
    assert!(r.message.contains("第七十条第（三）项"), "{}", r.message);
    // (4) not revoked, withdrawn or rescinded.
    let r = refusal(on_licence(&store, &cal, &lo, cancel(G::Revoked, ""), "2025-05-06").await);
    assert!(r.message.contains("第七十条第（四）项"), "{}", r.message);
    assert!(store.licence_acts(&lo).await.unwrap().is_empty());

    // (2) and (3) on the right holders.
    let done = on_licence(
        &store,
        &cal,
        &lp,
        cancel(G::Died, "持证人已于2025年4月死亡"),
        "2025-05-06",
    )
    .await
    .unwrap();
    assert_eq!(
        (done.kind, done.state),
        (ActKind::Cancellation, ActState::Done)
    );
    assert_eq!(status(&store, &lp).await, LicenceStatus::Cancelled);
    let doc = store.document(done.document_id.unwrap()).await.unwrap();
    assert_eq!(doc.record.kind, DocumentKind::CancellationDecision);
    let text = doc.record.paragraphs.join("");
    assert!(text.contains("第七十条") && text.contains("死亡"), "{text}");
    let events = store.case_events(cp.id).await.unwrap();
    assert_eq!(events.last().unwrap().action, "licence_cancellation");
    assert!(events.last().unwrap().reason.contains("注销行政许可"));
    let r = refusal(on_licence(&store, &cal, &lp, cancel(G::OtherLegal, ""), "2025-05-07").await);
    assert!(r.message.contains("已经注销"), "{}", r.message);
    on_licence(
        &store,
        &cal,
        &lo,
        cancel(G::Terminated, "公司已注销登记"),
        "2025-05-06",
    )
    .await
    .unwrap();
    assert_eq!(status(&store, &lo).await, LicenceStatus::Cancelled);
    assert_eq!(
        push_kinds(&store, co.id).await.last(),
        Some(&PushKind::Cancellation)
    );

    // (4) after revocation, withdrawal or rescission.
    let mut n = 10;
    let ends = [
        revoke(RevocationGround::BeyondPowers, "超越法定职权", false, true),
        ActRequest::Withdraw {
            basis: WithdrawalBasis::LawChanged,
            public_interest: "地方性法规修改，该区域禁止设立娱乐场所".into(),
            compensation: "按评估价给予补偿".into(),
        },
        ActRequest::Rescind {
            penalty_decision: "汉文旅罚〔2025〕8号".into(),
            authority: "汉阴县文化和旅游局".into(),
            reason: "容留未成年人".into(),
        },
    ];
    for end in ends {
        n += 1;
        let (_, l) = licensed(&store, &cal, org(n), "2025-03-10").await;
        on_licence(&store, &cal, &l, end, "2025-05-06")
            .await
            .unwrap();
        on_licence(&store, &cal, &l, cancel(G::Revoked, ""), "2025-05-07")
            .await
            .unwrap();
        assert_eq!(status(&store, &l).await, LicenceStatus::Cancelled);
    }
    // (5) force majeure, (6) other legal grounds.
    for g in [G::ForceMajeure, G::OtherLegal] {
        n += 1;
        let (_, l) = licensed(&store, &cal, org(n), "2025-03-10").await;
        on_licence(
            &store,
            &cal,
            &l,
            cancel(g, "山洪冲毁经营场所"),
            "2025-07-10",
        )
        .await
        .unwrap();
        assert_eq!(status(&store, &l).await, LicenceStatus::Cancelled);
    }
    // (1) once past the end date, even before the sweep.
    n += 1;
    let (_, l) = licensed(&store, &cal, org(n), "2025-03-10").await;
    on_licence(&store, &cal, &l, cancel(G::Expired, ""), "2026-03-10")
        .await
        .unwrap();
    assert_eq!(status(&store, &l).await, LicenceStatus::Cancelled);
    // A cancelled licence is not expired by the sweep.
    assert_eq!(
        store
            .sweep_licences(at("2026-03-11"), &env(&cal))
            .await
            .unwrap()
            .1,
        0
    );
    assert!(store.verify_chain().await.unwrap().broken.is_none());
}

async fn withdrawal_needs_the_public_interest_and_compensation(store: Store) {
    let cal = Calendar::builtin();
    let (c, lic) = licensed(&store, &cal, org(1), "2025-03-10").await;
    let withdraw = |interest: &str, compensation: &str| ActRequest::Withdraw {
        basis: WithdrawalBasis::CircumstancesChanged,
        public_interest: interest.into(),
        compensation: compensation.into(),
    };
    let r = refusal(on_licence(&store, &cal, &lic, withdraw(" ", "补偿"), "2025-05-06").await);
    assert_eq!(r.rule, "AL-24");
    assert!(
        r.message.contains("第八条") && r.message.contains("公共利益"),
        "{}",
        r.message
    );
    let r = refusal(
        on_licence(
            &store,
            &cal,
            &lic,
            withdraw("饮用水水源保护", ""),
            "2025-05-06",
        )
        .await,
    );
    assert!(r.message.contains("补偿"), "{}", r.message);
    let done = on_licence(
        &store,
        &cal,
        &lic,
        withdraw(
            "该地块划入县城饮用水水源一级保护区",
            "按评估价补偿装修及设备损失人民币12万元",
        ),
        "2025-05-06",
    )
    .await
    .unwrap();
    assert_eq!(
        (done.kind, done.state),
        (ActKind::Withdrawal, ActState::Done)
    );
    assert_eq!(
        done.details["compensation"],
        "按评估价补偿装修及设备损失人民币12万元"
    );
    assert_eq!(status(&store, &lic).await, LicenceStatus::Withdrawn);
    let doc = store.document(done.document_id.unwrap()).await.unwrap();
    assert_eq!(doc.record.kind, DocumentKind::LicenceWithdrawalDecision);
    let text = doc.record.paragraphs.join("");
    assert!(
        text.contains("第八条第二款") && text.contains("人民币12万元") && text.contains("水源"),
        "{text}"
    );
    let events = store.case_events(c.id).await.unwrap();
    let e = events.last().unwrap();
    assert_eq!(e.action, "licence_withdrawal");
    assert!(e.reason.contains("补偿"), "{}", e.reason);
    assert_eq!(
        push_kinds(&store, c.id).await.last(),
        Some(&PushKind::Withdrawal)
    );
    let r = refusal(
        on_licence(
            &store,
            &cal,
            &lic,
            withdraw("再次", "无财产损失"),
            "2025-05-07",
        )
        .await,
    );
    assert!(r.message.contains("已撤回"), "{}", r.message);
}

async fn rescission_is_recorded_for_the_enforcement_body(store: Store) {
    let cal = Calendar::builtin();
    let (c, lic) = licensed(&store, &cal, org(1), "2025-03-10").await;
    let rescind = |number: &str| ActRequest::Rescind {
        penalty_decision: number.into(),
        authority: "汉阴县文化和旅游局".into(),
        reason: "多次容留未成年人".into(),
    };
    let r = refusal(on_licence(&store, &cal, &lic, rescind(" "), "2025-05-06").await);
    assert!(r.message.contains("行政处罚决定书文号"), "{}", r.message);
    let done = on_licence(
        &store,
        &cal,
        &lic,
        rescind("汉文旅罚〔2025〕8号"),
        "2025-05-06",
    )
    .await
    .unwrap();
    assert_eq!(
        (done.kind, done.state),
        (ActKind::Rescission, ActState::Done)
    );
    assert_eq!(done.decided_on.as_deref(), Some("2025-05-06"));
    assert_eq!(status(&store, &lic).await, LicenceStatus::Rescinded);
    let events = store.case_events(c.id).await.unwrap();
    let e = events.last().unwrap();
    assert_eq!(e.action, "licence_rescission");
    assert!(e.reason.contains("汉文旅罚〔2025〕8号"), "{}", e.reason);
    // The supervising department learns of it like of every other act.
    assert_eq!(
        push_kinds(&store, c.id).await.last(),
        Some(&PushKind::Rescission)
    );
    let r = refusal(on_licence(&store, &cal, &lic, rescind("再罚"), "2025-05-07").await);
    assert!(r.message.contains("已吊销"), "{}", r.message);
}

async fn sealed_documents_and_signed_pushes_with_a_keyring(store: Store) {
    let cal = Calendar::builtin();
    // Without a keyring: stored unsealed, pushed unsigned.
    let (c0, lic0) = licensed(&store, &cal, org(1), "2025-03-10").await;
    let done = on_licence(
        &store,
        &cal,
        &lic0,
        cancel(CancellationGround::Terminated, "公司解散"),
        "2025-05-06",
    )
    .await
    .unwrap();
    assert!(
        store
            .document(done.document_id.unwrap())
            .await
            .unwrap()
            .sealed
            .is_none()
    );
    let p: Push = store.pushes_about(c0.id).await.unwrap().pop().unwrap();
    assert_eq!((p.seal_id, p.signature), (None, None));

    // With one: every document sealed, every push signed by the bureau's seal.
    store
        .ensure_seals("yiyin-test-passphrase", d("2025-01-01"))
        .await
        .unwrap();
    let ring = store.keyring("yiyin-test-passphrase").await.unwrap();
    let e = CaseEnv {
        calendar: &cal,
        facts: &FACTS,
        keyring: Some(&ring),
    };
    let (c, lic) = licensed_in(&store, &e, org(2), "2025-03-10").await;
    let applied = store
        .act_on_licence(
            &lic,
            &ActRequest::ApplyChange {
                changes: "场所名称变更".into(),
            },
            &chief(),
            at("2025-05-06"),
            &e,
        )
        .await
        .unwrap();
    let granted = store
        .decide_licence_act(applied.id, true, "符合条件", &chief(), at("2025-05-07"), &e)
        .await
        .unwrap();
    let v2 = granted.new_licence.unwrap();
    store
        .act_on_licence(
            &v2,
            &ActRequest::Withdraw {
                basis: WithdrawalBasis::LawChanged,
                public_interest: "规划调整".into(),
                compensation: "按评估价补偿".into(),
            },
            &chief(),
            at("2025-05-08"),
            &e,
        )
        .await
        .unwrap();
    let docs = store.case_documents(c.id).await.unwrap();
    assert!(docs.len() >= 6, "{}", docs.len());
    for doc in &docs {
        let sealed = doc
            .sealed
            .as_deref()
            .unwrap_or_else(|| panic!("{} unsealed", doc.record.title));
        let sealed = yiyin_seal::SealedDocument::from_json(sealed).unwrap();
        sealed.verify().unwrap();
    }
    let bureau = ring.for_holder("hanyin", "").unwrap().0.clone();
    let pushes = store.pushes_about(c.id).await.unwrap();
    assert_eq!(
        pushes.iter().map(|p| p.kind).collect::<Vec<_>>(),
        [
            PushKind::Approval,
            PushKind::Certificate,
            PushKind::Change,
            PushKind::Withdrawal
        ]
    );
    for p in &pushes {
        assert_eq!(p.seal_id, Some(bureau.id));
        let sig = yiyin_seal::unhex(p.signature.as_deref().unwrap()).unwrap();
        yiyin_seal::keys::verify(&bureau.public_key, p.payload.as_bytes(), &sig).unwrap();
        // The payload is exactly what was signed.
        let mut tampered = p.payload.clone();
        tampered.push(' ');
        assert!(yiyin_seal::keys::verify(&bureau.public_key, tampered.as_bytes(), &sig).is_err());
    }
}

// ---------------------------------------------------------------------------------------------
// Random inspections (双随机一公开)

async fn random_inspections_draw_reproducibly_with_recusal(store: Store) {
    let cal = Calendar::builtin();
    let mut food = Vec::new();
    for n in 1..=4 {
        food.push(food_licence(&store, &cal, org(n), "2025-03-10").await.1);
    }
    let (_, other) = licensed(&store, &cal, org(9), "2025-03-10").await;
    for l in &food[..3] {
        store
            .set_licence_risk(l, Risk::High, &supervisor(), at("2025-04-20"))
            .await
            .unwrap();
    }
    assert_eq!(
        store.licence(&food[0]).await.unwrap().unwrap().risk,
        Risk::High
    );
    assert_eq!(
        store.licence(&food[3]).await.unwrap().unwrap().risk,
        Risk::Medium
    );
    let plan = |count: usize| NewPlan {
        jurisdiction: "hanyin".into(),
        department: "shichang".into(),
        title: "2025年第二季度食品经营高风险主体双随机抽查".into(),
        item_code: "HY-SC-001".into(),
        risk: Some(Risk::High),
        target_count: count,
        per_target: 2,
    };
    let officer = actor("市场监管局 孙科长");
    // No inspectors yet.
    let msg = rejected(
        store
            .publish_inspection_plan(&plan(2), &officer, at("2025-04-01"))
            .await,
    );
    assert!(msg.contains("检查人员不足"), "{msg}");
    let grant = |department: &str| Grant {
        role: Role::DepartmentSupervisor,
        jurisdiction: "hanyin".into(),
        department: Some(department.into()),
        unit: None,
    };
    for (login, name) in [
        ("hanyin.sc.zhao", "赵磊"),
        ("hanyin.sc.qian", "钱敏"),
        ("hanyin.sc.sun", "孙杰"),
    ] {
        store
            .create_staff(login, name, "jiancha2025", &[grant("shichang")])
            .await
            .unwrap();
    }
    store
        .create_staff("hanyin.wg.li", "李文", "jiancha2025", &[grant("wenguang")])
        .await
        .unwrap();
    // Too few licensees in the pool.
    let msg = rejected(
        store
            .publish_inspection_plan(&plan(4), &officer, at("2025-04-01"))
            .await,
    );
    assert!(
        msg.contains("抽取数量 4 无效") && msg.contains("共有 3 个"),
        "{msg}"
    );
    let mut untitled = plan(2);
    untitled.title = " ".into();
    assert!(
        rejected(
            store
                .publish_inspection_plan(&untitled, &officer, at("2025-04-01"))
                .await
        )
        .contains("计划名称")
    );
    // A declared tie: 赵磊 recuses from the first licensee.
    let tied_holder = org(1).id_number;
    assert!(
        rejected(
            store
                .declare_tie(
                    "hanyin",
                    "hanyin.sc.zhao",
                    &tied_holder,
                    " ",
                    &officer,
                    at("2025-04-01")
                )
                .await
        )
        .contains("回避事由")
    );
    store
        .declare_tie(
            "hanyin",
            "hanyin.sc.zhao",
            &tied_holder,
            "配偶在该企业任职",
            &officer,
            at("2025-04-01"),
        )
        .await
        .unwrap();
    assert_eq!(store.inspection_ties("hanyin").await.unwrap().len(), 1);

    // Published with its pools and seed, before the draw.
    let published = store
        .publish_inspection_plan(&plan(3), &officer, at("2025-04-01"))
        .await
        .unwrap();
    let mut pool: Vec<&str> = published
        .input
        .targets
        .iter()
        .map(|t| t.id.as_str())
        .collect();
    pool.sort();
    let mut high: Vec<&str> = food[..3].iter().map(String::as_str).collect();
    high.sort();
    assert_eq!(pool, high, "high-risk food licensees only");
    let mut inspectors: Vec<&str> = published
        .input
        .inspectors
        .iter()
        .map(|i| i.id.as_str())
        .collect();
    inspectors.sort();
    assert_eq!(
        inspectors,
        ["hanyin.sc.qian", "hanyin.sc.sun", "hanyin.sc.zhao"]
    );
    assert_eq!(published.input.ties.len(), 1);
    assert_eq!(published.seed, published.input.seed);
    assert_eq!(published.seed.len(), 32);
    assert!(published.drawn_at.is_none() && published.result.is_none());
    // Nothing is recorded for a plan not drawn.
    let msg = rejected(
        store
            .record_inspection_result(
                published.id,
                &food[0],
                FindingKind::Compliant,
                "合格",
                &officer,
                at("2025-04-02"),
            )
            .await,
    );
    assert!(msg.contains("不是本计划抽中的检查对象"), "{msg}");

    // The draw: anyone can re-run it from what was published.
    let drawn = store
        .draw_inspection_plan(published.id, &officer, at("2025-04-02"))
        .await
        .unwrap();
    let result = drawn.result.clone().unwrap();
    assert_eq!(result, draw(&published.input).unwrap());
    assert_eq!(result.seed, published.seed);
    assert_eq!(result.picks.len(), 3);
    for pick in &result.picks {
        assert_eq!(pick.inspectors.len(), 2);
        if pick.target.holder_id == tied_holder {
            // 赵磊 recuses: the other two go, whatever the shuffle.
            let mut team: Vec<&str> = pick.inspectors.iter().map(|i| i.id.as_str()).collect();
            team.sort();
            assert_eq!(team, ["hanyin.sc.qian", "hanyin.sc.sun"], "{pick:?}");
            assert!(
                pick.recused.iter().all(|r| r == "hanyin.sc.zhao"),
                "{pick:?}"
            );
        } else {
            assert!(pick.recused.is_empty());
        }
    }
    let msg = rejected(
        store
            .draw_inspection_plan(published.id, &officer, at("2025-04-03"))
            .await,
    );
    assert!(msg.contains("已经抽取"), "{msg}");

    // Results: only for a drawn target, once, each also a finding.
    let msg = rejected(
        store
            .record_inspection_result(
                published.id,
                &other,
                FindingKind::Compliant,
                "合格",
                &officer,
                at("2025-04-10"),
            )
            .await,
    );
    assert!(msg.contains("不是本计划抽中的检查对象"), "{msg}");
    let msg = rejected(
        store
            .record_inspection_result(
                published.id,
                &food[3],
                FindingKind::Compliant,
                "合格",
                &officer,
                at("2025-04-10"),
            )
            .await,
    );
    assert!(msg.contains("不是本计划抽中的检查对象"), "{msg}");
    let with_result = store
        .record_inspection_result(
            published.id,
            &food[0],
            FindingKind::Rectification,
            "冷藏设施温度超标",
            &officer,
            at("2025-04-10"),
        )
        .await
        .unwrap();
    assert_eq!(with_result.results.len(), 1);
    assert_eq!(with_result.results[0].kind, FindingKind::Rectification);
    assert_eq!(with_result.results[0].recorded_on, "2025-04-10");
    let findings = store
        .findings(&FindingFilter {
            licence: Some(food[0].clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].department, "shichang");
    assert_eq!(findings[0].holder_id, tied_holder);
    assert!(findings[0].summary.contains("双随机抽查"));
    let msg = rejected(
        store
            .record_inspection_result(
                published.id,
                &food[0],
                FindingKind::Compliant,
                "复查合格",
                &officer,
                at("2025-04-11"),
            )
            .await,
    );
    assert!(msg.contains("已经录入"), "{msg}");
    assert_eq!(
        store
            .findings(&FindingFilter {
                licence: Some(food[0].clone()),
                ..Default::default()
            })
            .await
            .unwrap()
            .len(),
        1
    );
    let plans = store
        .inspection_plans(Some("hanyin"), Some("shichang"))
        .await
        .unwrap();
    assert_eq!(plans.len(), 1);
    assert_eq!(plans[0].results.len(), 1);
    assert!(
        store
            .inspection_plans(Some("hanyin"), Some("wenguang"))
            .await
            .unwrap()
            .is_empty()
    );

    // Only a licence in force is graded; one no longer in force leaves the pool.
    on_licence(
        &store,
        &cal,
        &food[1],
        revoke(RevocationGround::Unqualified, "不符合法定条件", false, true),
        "2025-04-15",
    )
    .await
    .unwrap();
    let msg = rejected(
        store
            .set_licence_risk(&food[1], Risk::Low, &supervisor(), at("2025-04-20"))
            .await,
    );
    assert!(msg.contains("只能对有效的证照"), "{msg}");
    let next = store
        .publish_inspection_plan(&plan(2), &officer, at("2025-04-16"))
        .await
        .unwrap();
    assert!(next.input.targets.iter().all(|t| t.id != food[1]));
    assert_eq!(next.input.targets.len(), 2);
    assert_ne!(next.seed, published.seed);
    assert!(store.verify_chain().await.unwrap().broken.is_none());
}

async fn a_verification_period_beyond_the_calendar_is_not_guessed(store: Store) {
    let cal = Calendar::builtin();
    let (c, _) = store
        .create_case(
            &new_case("HY-WG-001", org(5), &["M1"]),
            &clerk(),
            at("2026-12-21"),
            &env(&cal),
        )
        .await
        .unwrap();
    let c = act(&store, &cal, c.id, commit(), "2026-12-21").await;
    let c = act(&store, &cal, c.id, Action::IssueCertificate, "2026-12-22").await;
    let lic = store.licences_of_case(c.id).await.unwrap()[0]
        .identifier
        .clone();
    // Ten working days from 2026-12-21 reach into 2027, which the built-in calendar lacks.
    let task = store.verification_of(&lic).await.unwrap().unwrap();
    assert_eq!(task.due_on, None);
    assert_eq!(task.state, VerificationState::Open);
}
