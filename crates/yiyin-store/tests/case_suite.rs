//! Cases, accounts and the event chain on both databases.

use chrono::{DateTime, TimeZone, Utc};
use yiyin_domain::authz::Grant;
use yiyin_domain::calendar::{Calendar, parse_date};
use yiyin_domain::catalog::{CatalogFile, StepKind};
use yiyin_domain::engine::{Action, ApplicantFacts, CaseState};
use yiyin_domain::roles::Role;
use yiyin_store::accounts::{LoginError, SubjectKind};
use yiyin_store::cases::{Actor, Applicant, CaseEnv, CaseFilter, Channel, NewCase};
use yiyin_store::catalog::ImportMode;
use yiyin_store::testing::TestDb;
use yiyin_store::{Backend, Store, StoreError, StoreOptions};

static FACTS: ApplicantFacts = ApplicantFacts {
    commitment_barred: None,
};

/// The environment of actions in these tests: the built-in calendar, no credit records, no seals.
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

fn clerk() -> Actor {
    Actor {
        name: "窗口 张敏".into(),
        account: None,
        channel: Channel::Window,
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
    full_lifecycle_with_events_and_documents,
    idempotent_creation,
    stale_versions_conflict,
    deemed_acceptance_sweep,
    outside_the_catalog_is_refused,
    chain_detects_tampering,
    accounts_sessions_and_lockout,
    concurrent_writes_commit_together_and_fail_alone,
);

fn new_case(key: Option<&str>) -> NewCase {
    NewCase {
        jurisdiction: "hanyin".into(),
        item_code: "HY-SC-001".into(),
        applicant: Applicant {
            kind: SubjectKind::Organisation,
            name: "汉阴县月河餐饮有限公司".into(),
            id_number: "91350100M000100Y43".into(),
            phone: "13800000000".into(),
            account: None,
        },
        materials: vec!["M1".into()],
        unit: "w01".into(),
        idempotency_key: key.map(str::to_string),
    }
}

async fn full_lifecycle_with_events_and_documents(store: Store) {
    let cal = Calendar::builtin();
    let (c, created) = store
        .create_case(&new_case(None), &clerk(), at("2025-03-03"), &env(&cal))
        .await
        .unwrap();
    assert!(created);
    assert!(c.number.starts_with("HY2025"), "{}", c.number);
    assert_eq!(c.state, CaseState::Received);
    assert_eq!(c.query_code.len(), 6);
    let steps: Vec<(&str, Action)> = vec![
        (
            "2025-03-04",
            Action::NotifySupplement {
                missing: vec!["M2".into()],
            },
        ),
        (
            "2025-03-05",
            Action::Supplement {
                materials: vec!["M2".into()],
            },
        ),
        ("2025-03-05", Action::Accept),
        (
            "2025-03-06",
            Action::CompleteStep {
                kind: StepKind::Review,
                staff: vec!["审查 李娜".into()],
                opinion: "材料真实，符合条件".into(),
            },
        ),
        (
            "2025-03-07",
            Action::Decide {
                approve: true,
                reason: "符合《食品安全法》第三十五条规定的条件".into(),
            },
        ),
        ("2025-03-10", Action::IssueCertificate),
    ];
    let mut version = c.version;
    let mut current = c;
    for (date, action) in steps {
        current = store
            .act(
                current.id,
                Some(version),
                &action,
                &clerk(),
                at(date),
                &env(&cal),
            )
            .await
            .unwrap();
        assert_eq!(current.version, version + 1);
        version = current.version;
    }
    assert_eq!(current.state, CaseState::CertificateIssued);
    let events = store.case_events(current.id).await.unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "receive",
            "notify_supplement",
            "supplement",
            "accept",
            "complete_step",
            "decide",
            "issue_certificate"
        ]
    );
    assert!(events.windows(2).all(|w| w[1].prev_hash == w[0].hash));
    let docs = store.case_documents(current.id).await.unwrap();
    let titles: Vec<&str> = docs.iter().map(|d| d.record.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "收件凭证",
            "补正材料通知书",
            "受理通知书",
            "准予行政许可决定书",
            "食品经营许可证"
        ]
    );
    assert!(docs[1].record.list.contains(&"营业执照".to_string()));
    let report = store.verify_chain().await.unwrap();
    assert_eq!(report.broken, None);
    assert_eq!(report.events, 7);
    // A refused action changes nothing.
    let err = store
        .act(
            current.id,
            None,
            &Action::Decide {
                approve: true,
                reason: String::new(),
            },
            &clerk(),
            at("2025-03-11"),
            &env(&cal),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Refused(_)), "{err}");
    assert_eq!(store.case(current.id).await.unwrap().version, version);
    assert_eq!(store.case_events(current.id).await.unwrap().len(), 7);
}

async fn idempotent_creation(store: Store) {
    let cal = Calendar::builtin();
    let (a, first) = store
        .create_case(
            &new_case(Some("k-1")),
            &clerk(),
            at("2025-03-03"),
            &env(&cal),
        )
        .await
        .unwrap();
    let (b, second) = store
        .create_case(
            &new_case(Some("k-1")),
            &clerk(),
            at("2025-03-03"),
            &env(&cal),
        )
        .await
        .unwrap();
    assert!(first && !second);
    assert_eq!(a.id, b.id);
    // Concurrent retries of one submission still make one case.
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let store = store.clone();
        let cal = cal.clone();
        tasks.push(tokio::spawn(async move {
            store
                .create_case(
                    &new_case(Some("k-2")),
                    &clerk(),
                    at("2025-03-03"),
                    &env(&cal),
                )
                .await
                .unwrap()
                .0
                .id
        }));
    }
    let mut ids = Vec::new();
    for t in tasks {
        ids.push(t.await.unwrap());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(store.case_count().await.unwrap(), 2);
    assert!(store.verify_chain().await.unwrap().broken.is_none());
}

async fn stale_versions_conflict(store: Store) {
    let cal = Calendar::builtin();
    let mut c = new_case(None);
    c.materials = vec!["M1".into(), "M2".into()];
    let (c, _) = store
        .create_case(&c, &clerk(), at("2025-03-03"), &env(&cal))
        .await
        .unwrap();
    store
        .act(
            c.id,
            Some(c.version),
            &Action::Accept,
            &clerk(),
            at("2025-03-03"),
            &env(&cal),
        )
        .await
        .unwrap();
    let err = store
        .act(
            c.id,
            Some(c.version),
            &Action::Refuse {
                reason: "x".into(),
                redirect_to: None,
            },
            &clerk(),
            at("2025-03-03"),
            &env(&cal),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert!(err.to_string().contains("已被他人更新"));
}

async fn deemed_acceptance_sweep(store: Store) {
    let cal = Calendar::builtin();
    let (c, _) = store
        .create_case(&new_case(None), &clerk(), at("2025-09-26"), &env(&cal))
        .await
        .unwrap();
    assert_eq!(
        store
            .sweep_intake(at("2025-10-10"), &env(&cal))
            .await
            .unwrap(),
        0,
        "window still open"
    );
    // Two servers sweeping at once accept the case once.
    let e = env(&cal);
    let (a, b) = tokio::join!(
        store.sweep_intake(at("2025-10-13"), &e),
        store.sweep_intake(at("2025-10-13"), &e)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    let c = store.case(c.id).await.unwrap();
    assert_eq!(c.state, CaseState::Accepted);
    assert!(c.case.deemed_accepted);
    assert_eq!(c.case.accepted_on, parse_date("2025-09-26").ok());
    let events = store.case_events(c.id).await.unwrap();
    assert_eq!(events.last().unwrap().action, "deemed_accept");
    assert_eq!(events.last().unwrap().actor, "系统");
    let docs = store.case_documents(c.id).await.unwrap();
    assert!(
        docs.last()
            .unwrap()
            .record
            .paragraphs
            .join("")
            .contains("即为受理")
    );
}

async fn outside_the_catalog_is_refused(store: Store) {
    let cal = Calendar::builtin();
    let mut c = new_case(None);
    c.item_code = "HY-NOPE".into();
    let err = store
        .create_case(&c, &clerk(), at("2025-03-03"), &env(&cal))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("目录之外无审批"), "{err}");
    let err = store
        .create_case(&new_case(None), &clerk(), at("2024-12-31"), &env(&cal))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("目录之外无审批"), "{err}");
    let mut c = new_case(None);
    c.materials = vec!["M9".into()];
    let err = store
        .create_case(&c, &clerk(), at("2025-03-03"), &env(&cal))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("M9"), "{err}");
    assert_eq!(store.case_count().await.unwrap(), 0);
}

async fn chain_detects_tampering(store: Store) {
    let cal = Calendar::builtin();
    for _ in 0..3 {
        let (c, _) = store
            .create_case(&new_case(None), &clerk(), at("2025-03-03"), &env(&cal))
            .await
            .unwrap();
        store
            .act(
                c.id,
                None,
                &Action::NotifySupplement {
                    missing: vec!["M2".into()],
                },
                &clerk(),
                at("2025-03-04"),
                &env(&cal),
            )
            .await
            .unwrap();
    }
    assert!(store.verify_chain().await.unwrap().broken.is_none());
    // Change one event's reason directly in the database.
    sqlx::query("UPDATE events SET reason = '改过' WHERE seq = 3")
        .execute(store.writer())
        .await
        .unwrap();
    let report = store.verify_chain().await.unwrap();
    let (seq, why) = report.broken.unwrap();
    assert_eq!(seq, 3);
    assert!(why.contains("被改动"), "{why}");
    // Deleting an event is found too.
    sqlx::query("UPDATE events SET reason = '' WHERE seq = 3")
        .execute(store.writer())
        .await
        .unwrap();
    assert!(store.verify_chain().await.unwrap().broken.is_none());
    sqlx::query("DELETE FROM events WHERE seq = 4")
        .execute(store.writer())
        .await
        .unwrap();
    let (seq, why) = store.verify_chain().await.unwrap().broken.unwrap();
    assert_eq!(seq, 4);
    assert!(why.contains("缺失"), "{why}");
}

async fn accounts_sessions_and_lockout(store: Store) {
    let grant = Grant {
        role: Role::Reviewer,
        jurisdiction: "hanyin".into(),
        department: None,
        unit: None,
    };
    let a = store
        .create_staff(
            "hanyin.reviewer",
            "李娜",
            "shenpi2025",
            std::slice::from_ref(&grant),
        )
        .await
        .unwrap();
    assert_eq!(a.grants, vec![grant.clone()]);
    assert!(
        store
            .create_staff(
                "hanyin.reviewer",
                "重名",
                "shenpi2025",
                std::slice::from_ref(&grant)
            )
            .await
            .unwrap_err()
            .is_unique_violation()
    );
    assert!(
        store
            .create_staff("x", "短", "shenpi2025", std::slice::from_ref(&grant))
            .await
            .is_err()
    );
    assert!(
        store
            .create_staff(
                "hanyin.weak",
                "弱",
                "password",
                std::slice::from_ref(&grant)
            )
            .await
            .unwrap_err()
            .to_string()
            .contains("字母和数字")
    );
    let now = at("2025-03-03");
    let s = store
        .login("hanyin.reviewer", "shenpi2025", now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.account.id, a.id);
    assert!(store.session(&s.token, now).await.unwrap().is_some());
    assert!(
        store
            .session(&s.token, now + chrono::Duration::hours(9))
            .await
            .unwrap()
            .is_none(),
        "expired"
    );
    store.logout(&s.token).await.unwrap();
    assert!(store.session(&s.token, now).await.unwrap().is_none());
    assert_eq!(
        store.login("nobody", "x", now).await.unwrap().unwrap_err(),
        LoginError::Wrong
    );
    for _ in 0..4 {
        assert_eq!(
            store
                .login("hanyin.reviewer", "wrong", now)
                .await
                .unwrap()
                .unwrap_err(),
            LoginError::Wrong
        );
    }
    assert!(matches!(
        store
            .login("hanyin.reviewer", "wrong", now)
            .await
            .unwrap()
            .unwrap_err(),
        LoginError::Locked(15)
    ));
    assert!(matches!(
        store
            .login("hanyin.reviewer", "shenpi2025", now)
            .await
            .unwrap()
            .unwrap_err(),
        LoginError::Locked(_)
    ));
    assert!(
        store
            .login(
                "hanyin.reviewer",
                "shenpi2025",
                now + chrono::Duration::minutes(16)
            )
            .await
            .unwrap()
            .is_ok()
    );
    let p = store
        .create_applicant(
            SubjectKind::Person,
            "11010519491231002X",
            "王芳",
            "13900000000",
            "wangfang123",
        )
        .await
        .unwrap();
    assert_eq!(p.login, "11010519491231002X");
    assert!(
        store
            .create_applicant(
                SubjectKind::Person,
                "11010519491231002X",
                "王芳",
                "",
                "wangfang123"
            )
            .await
            .is_err()
    );
    let listed = store
        .list_cases(&CaseFilter {
            applicant_account: Some(p.id),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(listed.is_empty());
}

/// Many writers at once (SQLite commits them in groups): each succeeds or fails on its own, a
/// cancelled writer loses only its own write, nobody waits forever, and the chain stays whole.
async fn concurrent_writes_commit_together_and_fail_alone(store: Store) {
    let cal = Calendar::builtin();
    let (c, _) = store
        .create_case(&new_case(None), &clerk(), at("2025-03-03"), &env(&cal))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..40 {
        let (store, cal) = (store.clone(), cal.clone());
        tasks.push(tokio::spawn(async move {
            if i % 4 == 0 {
                // All name the same version of one case: exactly one may win.
                store
                    .act(
                        c.id,
                        Some(c.version),
                        &Action::Correct {
                            note: format!("更正{i}"),
                        },
                        &clerk(),
                        at("2025-03-03"),
                        &env(&cal),
                    )
                    .await
                    .map(|_| "acted")
            } else {
                store
                    .create_case(&new_case(None), &clerk(), at("2025-03-03"), &env(&cal))
                    .await
                    .map(|_| "created")
            }
        }));
    }
    // Some requests are cancelled midway, as when a client goes away.
    for t in tasks.iter().skip(1).step_by(7) {
        t.abort();
    }
    let mut created = 0;
    let (mut acted, mut conflicts, mut cancelled) = (0, 0, 0);
    for t in tasks {
        match tokio::time::timeout(std::time::Duration::from_secs(30), t)
            .await
            .expect("no writer waits forever")
        {
            Ok(Ok("created")) => created += 1,
            Ok(Ok(_)) => acted += 1,
            Ok(Err(StoreError::Conflict(_))) => conflicts += 1,
            Ok(Err(e)) => panic!("{e}"),
            Err(e) if e.is_cancelled() => cancelled += 1,
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(
        acted,
        1.min(10 - conflicts),
        "one winner among those that ran"
    );
    assert_eq!(
        store.case_count().await.unwrap(),
        1 + created,
        "every acknowledged case is there, and no other"
    );
    assert!(created + acted + conflicts + cancelled == 40);
    let report = store.verify_chain().await.unwrap();
    assert!(report.broken.is_none(), "{report:?}");
    // The store still writes afterwards.
    store
        .create_case(&new_case(None), &clerk(), at("2025-03-03"), &env(&cal))
        .await
        .unwrap();
}
