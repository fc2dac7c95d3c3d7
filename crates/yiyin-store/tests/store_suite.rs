//! The store's conformance suite, pure persistence: the migrations (applied once, checksummed, an
//! edited one stops the start), rows written and read back as they were (the organisation, calendar
//! years, catalog versions and drafts, cases, their keys and events), a corrupt column reported as
//! such, stale versions refused, and many writers at once committing together and failing alone
//! through SQLite's group commit without forking the event chain. Every test runs on SQLite and on
//! PostgreSQL, against a fresh database each time. What the law or a user's duty decides is tested
//! in `yiyin-app`.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use yiyin_domain::calendar::{Calendar, local_date};
use yiyin_domain::catalog::{ChangeKind, Item, ItemVersion};
use yiyin_domain::engine::{Action, ApplicantFacts, Case, CaseState, Context, ItemRules};
use yiyin_domain::org::Organisation;
use yiyin_domain::party::{Actor, Applicant, Channel, SubjectId, SubjectKind};
use yiyin_domain::roles::Role;
use yiyin_store::cases::{CaseBody, CaseFilter, CaseRecord, NewCaseRow};
use yiyin_store::events::{Event, GENESIS, NewEvent};
use yiyin_store::{Conflict, Missing, Store, StoreError, StoreOptions, WriteTx, migrate};
use yiyin_testkit::{TestDb, at, catalog, date};

/// A fresh migrated store with the built-in organisation, and its database for raw access.
struct Fixture {
    store: Store,
    db: Arc<TestDb>,
}

/// Runs `body` against a fresh store on the backend, then drops the database.
async fn run<F, Fut>(backend: yiyin_store::Backend, body: F)
where
    F: FnOnce(Fixture) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let db = Arc::new(TestDb::new(backend).await);
    let store = db.store(StoreOptions::default()).await;
    write(&store, async |tx| {
        tx.save_organisation(&Organisation::builtin(), 0).await
    })
    .await
    .unwrap();
    body(Fixture {
        store: store.clone(),
        db: db.clone(),
    })
    .await;
    store.close().await;
    Arc::try_unwrap(db)
        .expect("the test let go of its database")
        .drop_db()
        .await;
}

/// Writes in one transaction and commits it; an error rolls the whole write back.
async fn write<T>(
    store: &Store,
    body: impl AsyncFnOnce(&mut WriteTx) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let mut tx = store.begin_write().await?;
    let out = body(&mut tx).await?;
    tx.commit().await?;
    Ok(out)
}

yiyin_testkit::on_both!(crate::run;
    migrations_are_applied_once,
    edited_or_unknown_migrations_stop_the_start,
    organisation_round_trips,
    calendar_years_are_stored,
    catalog_versions_and_drafts_round_trip,
    cases_keys_and_events_round_trip,
    events_are_written_at_commit_with_the_rows_committed,
    a_corrupt_column_is_reported_never_defaulted,
    stale_versions_conflict,
    concurrent_writes_commit_together_and_fail_alone,
    a_groups_first_and_later_writes_roll_back_alone,
    redress_entries_round_trip_and_change_once,
    staff_are_read_with_their_grants_and_by_role,
    a_single_chain_is_split_into_chains_by_case,
);

async fn migrations_are_applied_once(f: Fixture) {
    let all: Vec<i64> = migrate::MIGRATIONS.iter().map(|m| m.0).collect();
    assert_eq!(migrate::applied(&f.store).await.unwrap(), all);
    assert_eq!(migrate::latest(), *all.last().unwrap());
    // A second server starting on the same database applies nothing again.
    let again = Store::connect(&f.db.url, StoreOptions::default())
        .await
        .unwrap();
    assert_eq!(migrate::applied(&again).await.unwrap(), all);
    again.close().await;
    f.store.ping().await.unwrap();
}

/// The recorded checksum of a migration.
async fn recorded_checksum(db: &TestDb, version: i64) -> Option<String> {
    use sqlx::Connection;
    let mut raw = db.raw().await;
    let checksum = sqlx::query_scalar("SELECT checksum FROM schema_migrations WHERE version = $1")
        .bind(version)
        .fetch_one(&mut raw)
        .await
        .unwrap();
    raw.close().await.unwrap();
    checksum
}

/// Connecting fails with a schema error; returns its message.
async fn schema_error(db: &TestDb) -> String {
    match Store::connect(&db.url, StoreOptions::default()).await {
        Err(StoreError::Schema(message)) => message,
        Err(other) => panic!("expected a schema error, got {other}"),
        Ok(_) => panic!("expected a schema error, the store connected"),
    }
}

async fn edited_or_unknown_migrations_stop_the_start(f: Fixture) {
    let (version, name, sql) = migrate::MIGRATIONS[1];
    let expected = migrate::checksum(sql);
    assert_eq!(
        recorded_checksum(&f.db, version).await.as_deref(),
        Some(expected.as_str())
    );

    // Someone edited a released migration: the digest recorded when it was applied differs.
    f.db.tamper(&format!(
        "UPDATE schema_migrations SET checksum = '{}' WHERE version = {version}",
        "0".repeat(64)
    ))
    .await;
    let message = schema_error(&f.db).await;
    assert!(
        message.contains(&format!("第{version}号迁移")) && message.contains(name),
        "{message}"
    );
    assert!(message.contains("被修改"), "{message}");
    assert!(message.contains(&expected), "{message}");
    assert_eq!(
        format!("{}", StoreError::Schema(message.clone())),
        message,
        "shown to the operator as it is"
    );
    // Nothing was written: the tampered digest is still there, and the schema unchanged.
    assert_eq!(
        recorded_checksum(&f.db, version).await,
        Some("0".repeat(64))
    );
    let all: Vec<i64> = migrate::MIGRATIONS.iter().map(|m| m.0).collect();
    assert_eq!(migrate::applied(&f.store).await.unwrap(), all);

    // A database migrated before digests were kept gets them filled in at start-up.
    f.db.tamper(&format!(
        "UPDATE schema_migrations SET checksum = NULL WHERE version = {version}"
    ))
    .await;
    Store::connect(&f.db.url, StoreOptions::default())
        .await
        .unwrap()
        .close()
        .await;
    assert_eq!(
        recorded_checksum(&f.db, version).await.as_deref(),
        Some(expected.as_str())
    );

    // A migration this build does not know: the database was made by a newer Yiyin.
    let unknown = migrate::latest() + 1;
    f.db.tamper(&format!(
        "INSERT INTO schema_migrations (version, name, applied_at, checksum) VALUES ({unknown}, 'future', 0, 'x')"
    ))
    .await;
    let message = schema_error(&f.db).await;
    assert!(message.contains(&format!("第{unknown}号迁移")), "{message}");
    assert!(message.contains("更新版本"), "{message}");
}

async fn organisation_round_trips(f: Fixture) {
    let store = &f.store;
    assert_eq!(store.jurisdiction_count().await.unwrap(), 5);
    let org = store.organisation().await.unwrap();
    assert_eq!(org, Organisation::builtin(), "kept in the order given");
    let mut changed = org.clone();
    changed.jurisdictions[1].name = "汉阴县（改）".into();
    write(store, async |tx| {
        tx.save_organisation(&changed, 1).await?;
        assert_eq!(
            tx.jurisdiction("hanyin").await?.name,
            "汉阴县（改）",
            "the transaction sees its own write"
        );
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!(store.organisation().await.unwrap(), changed);
    assert_eq!(
        store.jurisdiction("hanyin").await.unwrap(),
        changed.jurisdictions[1]
    );
    // A write rolled back keeps nothing.
    let mut other = changed.clone();
    other.jurisdictions[1].name = "不保存".into();
    let mut tx = store.begin_write().await.unwrap();
    tx.save_organisation(&other, 2).await.unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(store.organisation().await.unwrap(), changed);
    assert!(matches!(
        store.jurisdiction("nowhere").await,
        Err(StoreError::NotFound(Missing::Jurisdiction(c))) if c == "nowhere"
    ));
}

async fn calendar_years_are_stored(f: Fixture) {
    let store = &f.store;
    let first = r#"{"year":2027,"days":[{"name":"元旦","date":"2027-01-01","isOffDay":true}]}"#;
    let second = r#"{"year":2027,"days":[]}"#;
    let older = r#"{"year":2026,"days":[]}"#;
    write(store, async |tx| {
        tx.save_calendar_year(2027, first, "admin", 10).await?;
        tx.save_calendar_year(2026, older, "admin", 11).await
    })
    .await
    .unwrap();
    // A second upload of a year replaces the first.
    write(store, async |tx| {
        tx.save_calendar_year(2027, second, "admin2", 12).await
    })
    .await
    .unwrap();
    let years = store.calendar_years().await.unwrap();
    let kept: Vec<(i64, &str, i64, &str)> = years
        .iter()
        .map(|y| {
            (
                y.year,
                y.body.as_str(),
                y.uploaded_at,
                y.uploaded_by.as_str(),
            )
        })
        .collect();
    assert_eq!(
        kept,
        vec![(2026, older, 11, "admin"), (2027, second, 12, "admin2")],
        "oldest first, as uploaded"
    );
}

/// The first item of the sample catalog (食品经营许可).
fn item() -> Item {
    catalog().items[0].clone()
}

fn version(n: u32, change: ChangeKind, effective: &str, item: Item) -> ItemVersion {
    ItemVersion {
        jurisdiction: "hanyin".into(),
        code: item.code.clone(),
        version: n,
        change,
        effective_on: date(effective),
        item,
        note: format!("第{n}版"),
        published_on: date("2025-01-01"),
        published_by: "admin".into(),
    }
}

async fn catalog_versions_and_drafts_round_trip(f: Fixture) {
    let store = &f.store;
    let mut adjusted = item();
    adjusted.promised_days = 5;
    let v1 = version(1, ChangeKind::Added, "2025-01-01", item());
    let v2 = version(2, ChangeKind::Adjusted, "2025-03-01", adjusted);
    let v3 = version(3, ChangeKind::Retired, "2025-06-01", v2.item.clone());
    for (v, ms) in [(&v1, 1), (&v2, 2), (&v3, 3)] {
        write(store, async |tx| tx.insert_version(v, ms).await)
            .await
            .unwrap();
    }
    let code = &v1.code;
    assert_eq!(
        store.item_history("hanyin", code).await.unwrap(),
        vec![v1.clone(), v2.clone(), v3.clone()]
    );
    assert_eq!(
        store.item_version("hanyin", code, 2).await.unwrap(),
        Some(v2.clone())
    );
    assert_eq!(store.item_version("hanyin", code, 4).await.unwrap(), None);
    assert_eq!(
        store.recent_versions("hanyin", 2).await.unwrap(),
        vec![v3.clone(), v2.clone()],
        "newest first"
    );
    assert_eq!(store.item_history_count("hanyin").await.unwrap(), 3);
    assert_eq!(store.catalog_version_count().await.unwrap(), 3);
    let as_of = |d: &'static str| async move { store.catalog_as_of("hanyin", date(d)).await };
    assert!(as_of("2024-12-31").await.unwrap().is_empty());
    assert_eq!(as_of("2025-02-28").await.unwrap(), vec![v1.clone()]);
    assert_eq!(as_of("2025-03-01").await.unwrap(), vec![v2.clone()]);
    assert!(as_of("2025-06-01").await.unwrap().is_empty(), "retired");
    assert!(
        store
            .catalog_as_of("ziyang", date("2025-03-01"))
            .await
            .unwrap()
            .is_empty()
    );

    // A version of the same number written meanwhile is a conflict; nothing of the write is kept.
    let mut tx = store.begin_write().await.unwrap();
    let err = tx.insert_version(&v2, 4).await.unwrap_err();
    assert!(err.is_unique_violation() && err.is_conflict(), "{err}");
    assert!(
        matches!(&err, StoreError::Conflict(Conflict::Taken { what: "item version", value })
            if value == "hanyin/HY-SC-001/2"),
        "{err}"
    );
    drop(tx);
    assert_eq!(store.item_history("hanyin", code).await.unwrap().len(), 3);

    // Drafts: saved, replaced, taken once.
    let mut draft = item();
    draft.code = "HY-DRAFT-1".into();
    draft.promised_days = 99;
    write(store, async |tx| {
        tx.save_draft("hanyin", &draft, "editor", 5).await
    })
    .await
    .unwrap();
    draft.promised_days = 8;
    write(store, async |tx| {
        tx.save_draft("hanyin", &draft, "editor2", 6).await
    })
    .await
    .unwrap();
    let drafts = store.drafts("hanyin").await.unwrap();
    assert_eq!(drafts.len(), 1);
    assert_eq!(
        (
            &drafts[0].item,
            drafts[0].updated_at,
            drafts[0].updated_by.as_str()
        ),
        (&draft, 6, "editor2")
    );
    assert!(store.drafts("ziyang").await.unwrap().is_empty());
    write(store, async |tx| {
        assert_eq!(
            tx.take_draft("hanyin", &draft.code).await?,
            Some(draft.clone())
        );
        assert_eq!(tx.take_draft("hanyin", &draft.code).await?, None);
        Ok(())
    })
    .await
    .unwrap();
    assert!(store.draft("hanyin", &draft.code).await.unwrap().is_none());
}

// ---------------------------------------------------------------------------------------------
// Cases as rows

/// The window clerk's event on a case of Hanyin.
fn event(at: DateTime<Utc>, case: i64, action: &str, reason: &str, data: Value) -> NewEvent {
    let clerk = Actor {
        name: "窗口 张敏".into(),
        account: None,
        channel: Channel::Window,
    };
    NewEvent::new(&clerk, at, "hanyin", Some(case), action, reason, data)
}

fn applicant() -> Applicant {
    Applicant::new(
        "汉阴县月河餐饮有限公司",
        SubjectId::parse(SubjectKind::Organisation, "91350100M000100Y43").unwrap(),
        "13800000000",
        None,
    )
}

fn rules() -> ItemRules {
    ItemRules::from(&item())
}

/// Asks the engine, for the sample item with the built-in calendar.
fn engine<R>(f: impl FnOnce(&Context) -> R) -> R {
    let (rules, calendar, facts) = (rules(), Calendar::builtin(), ApplicantFacts::default());
    f(&Context {
        item: &rules,
        calendar: &calendar,
        applicant: &facts,
    })
}

/// The engine's case received on `at` with the first material.
fn received(at: DateTime<Utc>) -> Case {
    engine(|ctx| {
        Case::receive(ctx, local_date(at), &["M1".to_string()])
            .unwrap()
            .case
    })
}

/// Writes a case received at `at` with its event, and its idempotency key if given; returns its id.
async fn insert_case(
    store: &Store,
    at: DateTime<Utc>,
    key: Option<&str>,
) -> Result<i64, StoreError> {
    write(store, async |tx| insert_case_in(tx, at, key).await).await
}

/// [`insert_case`] in a transaction the caller commits or rolls back.
async fn insert_case_in(
    tx: &mut WriteTx,
    at: DateTime<Utc>,
    key: Option<&str>,
) -> Result<i64, StoreError> {
    let item = item();
    let case = received(at);
    let body = CaseBody {
        case: case.clone(),
        item: rules(),
        result_name: item.result.name.clone(),
        validity_years: item.result.validity_years,
        form: None,
        representation: Default::default(),
    };
    let applicant = applicant();
    {
        let seq = tx.next_case_number("hanyin", 2025).await?;
        let number = format!("HY2025{seq:06}");
        let id = tx
            .insert_case(&NewCaseRow {
                jurisdiction: "hanyin",
                number: &number,
                query_code: "ABC234",
                item_code: &item.code,
                item_version: 1,
                item_name: &item.name,
                department: &item.department,
                supervising_department: &item.supervising_department,
                handling_mode: item.handling_mode,
                applicant: &applicant,
                channel: Channel::Window,
                unit: "w01",
                body: &body,
                clock: None,
                at_ms: at.timestamp_millis(),
            })
            .await?;
        if let Some(k) = key {
            assert!(tx.insert_case_key(k, id, at.timestamp_millis()).await?);
        }
        let received = event(at, id, "receive", "", json!({"number": number}));
        tx.append_events(&[received]).await?;
        Ok(id)
    }
}

/// Writes a correction of the case as read in `record`, with its event; returns the new version.
async fn correct(store: &Store, record: &CaseRecord, note: &str) -> Result<i64, StoreError> {
    let at = at("2025-03-03");
    let action = Action::Correct { note: note.into() };
    let case = engine(|ctx| {
        record
            .case
            .apply(ctx, local_date(at), &action)
            .unwrap()
            .case
    });
    write(store, async |tx| {
        let version = tx
            .update_case(record, &case, None, at.timestamp_millis())
            .await?
            .version;
        let corrected = event(at, record.id, action.name(), note, json!({}));
        tx.append_events(&[corrected]).await?;
        Ok(version)
    })
    .await
}

/// Recomputes every link of every event chain: whole, each ending at its head, every event in
/// the chain of its case, the numbers unique; returns how many events there are.
async fn assert_chain_whole(store: &Store) -> i64 {
    let heads = store.chain_heads_now().await.unwrap();
    assert_eq!(heads.len() as i64, yiyin_store::events::CHAINS);
    let mut seqs = std::collections::BTreeSet::new();
    for head in &heads {
        let events: Vec<Event> = store.chain_events(head.chain, 0, 100_000).await.unwrap();
        let mut prev = GENESIS.to_string();
        let mut pos = head.base;
        for e in &events {
            // (The events before the log was split are chain 1's, below the others' base.)
            assert!(
                e.chain == yiyin_store::events::chain_of(e.case_id) || e.pos <= heads[1].base,
                "{e:?}"
            );
            assert_eq!(e.pos, pos + 1, "no gaps in chain {}", head.chain);
            assert_eq!(e.prev_hash, prev, "event {} links to the one before", e.seq);
            assert_eq!(e.expected_hash(&prev), e.hash, "event {} unchanged", e.seq);
            assert!(seqs.insert(e.seq), "event {} numbered once", e.seq);
            prev = e.hash.clone();
            pos = e.pos;
        }
        assert_eq!((head.pos, &head.hash), (pos, &prev), "chain {}", head.chain);
        assert_eq!(head.seq, events.last().map_or(0, |e| e.seq));
    }
    let all = store.events_from(0, 100_000).await.unwrap();
    assert_eq!(all.len(), seqs.len(), "every event is in a chain");
    seqs.len() as i64
}

/// A write's events are numbered when appended and written when it commits, each with the digest
/// of its case's rows as committed; a write that reads its events first has them written then, and
/// the last of its case brought up to the rows it committed.
async fn events_are_written_at_commit_with_the_rows_committed(f: Fixture) {
    let store = &f.store;
    let now = at("2025-03-03");
    let id = insert_case(store, now, None).await.unwrap();
    let record = store.case(id).await.unwrap();
    let action = Action::Correct {
        note: "更正".into(),
    };
    let case = engine(|ctx| {
        record
            .case
            .apply(ctx, local_date(now), &action)
            .unwrap()
            .case
    });
    let seqs = write(store, async |tx| {
        // Appended before the case's row changes: a case's events read in the write include it,
        // not yet placed nor hashed; read with a range of cases, it is written (and hashed) first.
        let first = tx
            .append_events(&[event(now, id, "note", "先记", json!({}))])
            .await?;
        let seen = tx.case_events_in_tx(id).await?;
        assert_eq!(seen.last().map(|e| e.seq), first.first().copied());
        assert!(seen.last().unwrap().hash.is_empty(), "pending");
        let seen = tx.events_of_case_range(id, id).await?;
        assert_eq!(seen.last().map(|e| e.seq), first.first().copied());
        assert!(!seen.last().unwrap().hash.is_empty(), "written, hashed");
        // The case's row changes after its last event was written.
        tx.update_case(&record, &case, None, now.timestamp_millis())
            .await?;
        // Another event, of no case, after it.
        let other = tx
            .append_events(&[NewEvent {
                case_id: None,
                ..event(now, id, "settings", "", json!({}))
            }])
            .await?;
        Ok((first[0], other[0]))
    })
    .await
    .unwrap();
    assert_eq!(seqs.1, seqs.0 + 1, "numbered in order");
    assert_chain_whole(store).await;
    let events = store.case_events(id).await.unwrap();
    let last = events.last().unwrap();
    assert_eq!(last.seq, seqs.0);
    assert_eq!(
        last.state_digest,
        store.case_state_digest(id).await.unwrap(),
        "the last event carries the rows as committed"
    );
    // A write that appends before it changes the case: its events carry the rows it committed,
    // written in one pass.
    let record = store.case(id).await.unwrap();
    let again = Action::Correct {
        note: "再更正".into(),
    };
    let case = engine(|ctx| {
        record
            .case
            .apply(ctx, local_date(now), &again)
            .unwrap()
            .case
    });
    write(store, async |tx| {
        tx.append_events(&[event(now, id, again.name(), "再更正", json!({}))])
            .await?;
        tx.update_case(&record, &case, None, now.timestamp_millis())
            .await?;
        Ok(())
    })
    .await
    .unwrap();
    assert_chain_whole(store).await;
    let events = store.case_events(id).await.unwrap();
    assert_eq!(
        events.last().unwrap().state_digest,
        store.case_state_digest(id).await.unwrap()
    );
    // A write that appends and then fails leaves no event and the head as it was.
    let head = store.chain_heads_now().await.unwrap();
    let failed: Result<(), StoreError> = write(store, async |tx| {
        tx.append_events(&[event(now, id, "note", "不留", json!({}))])
            .await?;
        Err(StoreError::Corrupt("试验".into()))
    })
    .await;
    assert!(failed.is_err());
    assert_eq!(store.chain_heads_now().await.unwrap(), head);
    assert_chain_whole(store).await;
}

async fn cases_keys_and_events_round_trip(f: Fixture) {
    let store = &f.store;
    let now = at("2025-03-03");
    let id = insert_case(store, now, Some("k-1")).await.unwrap();
    let c = store.case(id).await.unwrap();
    assert_eq!(c.number, "HY2025000001");
    assert_eq!(c.version, 1);
    assert_eq!(c.state, CaseState::Received);
    assert_eq!(c.case, received(now));
    assert_eq!(c.item, rules());
    assert_eq!(c.applicant, applicant());
    assert_eq!((c.channel, c.unit.as_str()), (Channel::Window, "w01"));
    assert_eq!(
        (c.created_at, c.updated_at),
        (now.timestamp_millis(), now.timestamp_millis())
    );
    assert_eq!(
        store.case_by_number(" HY2025000001 ").await.unwrap(),
        Some(c.clone())
    );
    assert_eq!(store.case_by_key("k-1").await.unwrap(), Some(c.clone()));
    assert_eq!(store.case_by_key("k-2").await.unwrap(), None);
    assert!(matches!(
        store.case(id + 100).await,
        Err(StoreError::NotFound(Missing::Case(n))) if n == id + 100
    ));
    // A key is kept once: a second attempt with it learns so and keeps nothing.
    let mut tx = store.begin_write().await.unwrap();
    assert!(!tx.insert_case_key("k-1", id, 0).await.unwrap());
    tx.rollback().await.unwrap();
    // Numbers count on per jurisdiction and year.
    let second = insert_case(store, now, None).await.unwrap();
    assert_eq!(store.case(second).await.unwrap().number, "HY2025000002");
    assert_eq!(store.case_count().await.unwrap(), 2);
    // Lists by every filter at once, with the values bound on either database.
    let listed = |f: CaseFilter| async move {
        let cases = store.list_cases(&f).await.unwrap();
        cases.into_iter().map(|c| c.id).collect::<Vec<_>>()
    };
    let all = CaseFilter {
        jurisdictions: vec!["hanyin".into(), "ziyang".into()],
        state: Some(CaseState::Received),
        open_only: true,
        text: Some("月河".into()),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(listed(all.clone()).await, vec![id, second]);
    assert_eq!(
        listed(CaseFilter {
            offset: 1,
            ..all.clone()
        })
        .await,
        vec![second]
    );
    assert_eq!(
        listed(CaseFilter {
            text: Some("HY2025000002".into()),
            ..all.clone()
        })
        .await,
        vec![second]
    );
    // A page after a case of the list's order (its sort date, then the id).
    let first = store.case(id).await.unwrap();
    assert_eq!(
        listed(CaseFilter {
            after: Some((first.due_sort.clone(), id)),
            ..all.clone()
        })
        .await,
        vec![second]
    );
    assert_eq!(
        listed(CaseFilter {
            after: Some(("0000-01-01".into(), 0)),
            ..all.clone()
        })
        .await,
        vec![id, second]
    );
    // The intake queue, by the end of the intake window, then the id; at one window.
    assert_eq!(
        listed(CaseFilter {
            intake_queue: true,
            unit: Some(first.unit.clone()),
            after: Some(first.list_key(true)),
            ..all.clone()
        })
        .await,
        vec![second]
    );
    // Waiting for one of several roles.
    let waiting = first.next_role.expect("a received case waits for someone");
    assert_eq!(
        listed(CaseFilter {
            next_roles: vec![Role::SectionChief, waiting],
            ..all.clone()
        })
        .await,
        vec![id, second]
    );
    for nothing in [
        CaseFilter {
            jurisdictions: vec!["ziyang".into()],
            ..all.clone()
        },
        CaseFilter {
            applicant_account: Some(1),
            ..all.clone()
        },
        CaseFilter {
            next_roles: vec![Role::SectionChief],
            ..all.clone()
        },
        CaseFilter {
            finished_only: true,
            open_only: false,
            ..all.clone()
        },
        CaseFilter {
            intake_queue: true,
            unit: Some("no-such-window".into()),
            ..all.clone()
        },
        CaseFilter {
            after: Some((first.due_sort.clone(), second)),
            ..all.clone()
        },
    ] {
        assert!(listed(nothing).await.is_empty());
    }

    let v = correct(store, &c, "更正地址").await.unwrap();
    assert_eq!(v, 2);
    let updated = store.case(id).await.unwrap();
    assert_eq!(updated.version, 2);
    assert_eq!(updated.case.corrections, 1);
    let events = store.case_events(id).await.unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["receive", "correct"]);
    assert_eq!(events[1].reason, "更正地址");
    assert_eq!(
        (events[0].actor.as_str(), events[0].channel.as_str()),
        ("窗口 张敏", "window")
    );
    assert_eq!(assert_chain_whole(store).await, 3);
}

async fn a_corrupt_column_is_reported_never_defaulted(f: Fixture) {
    let id = insert_case(&f.store, at("2025-03-03"), None).await.unwrap();
    // Each change spoils one column (and mends the one spoiled before); the error names it.
    for (change, named) in [
        ("state = 'nonsense'", &["state", "nonsense"][..]),
        ("state = 'received', applicant_id = '12345'", &["applicant"]),
        (
            "applicant_id = '91350100M000100Y43', body = '{}'",
            &["body"],
        ),
    ] {
        f.db.tamper(&format!("UPDATE cases SET {change} WHERE id = {id}"))
            .await;
        let err = f.store.case(id).await.unwrap_err();
        assert!(
            matches!(&err, StoreError::Corrupt(m) if named.iter().all(|n| m.contains(n))),
            "{err}"
        );
    }
}

async fn stale_versions_conflict(f: Fixture) {
    let store = &f.store;
    let id = insert_case(store, at("2025-03-03"), None).await.unwrap();
    let read = store.case(id).await.unwrap();
    assert_eq!(correct(store, &read, "第一次").await.unwrap(), 2);
    // A second writer that read version 1 loses, and none of its write is kept.
    let err = correct(store, &read, "第二次").await.unwrap_err();
    assert!(
        matches!(
            &err,
            StoreError::Conflict(Conflict::StaleCase { number, current: 2, seen: 1 })
                if number == "HY2025000001"
        ),
        "{err}"
    );
    assert!(err.is_conflict());
    let now = store.case(id).await.unwrap();
    assert_eq!(now.version, 2);
    assert_eq!(now.case.corrections, 1);
    assert_eq!(store.case_events(id).await.unwrap()[1].reason, "第一次");
    assert_eq!(store.case_events(id).await.unwrap().len(), 2);
    // A case read for a write (`case_for_write`) and changed by another before that write: the
    // write that takes the read as its own finds it stale, and keeps nothing.
    let before = store.case_for_write(id).await.unwrap();
    assert_eq!(before.record.version, 2);
    assert_eq!(correct(store, &before.record, "第三次").await.unwrap(), 3);
    let at = at("2025-03-03");
    let err = write(store, async |tx| {
        let record = tx.case_read_before(&before);
        assert!(!tx.case_simulated(id).await?);
        tx.update_case(&record, &record.case, None, at.timestamp_millis())
            .await
            .map(|r| r.version)
    })
    .await
    .unwrap_err();
    assert!(
        matches!(
            &err,
            StoreError::Conflict(Conflict::StaleCase {
                current: 3,
                seen: 2,
                ..
            })
        ),
        "{err}"
    );
    assert_eq!(store.case(id).await.unwrap().version, 3);
    assert_chain_whole(store).await;
}

/// Many writers at once (SQLite commits them in groups): each succeeds or fails on its own, a
/// cancelled writer loses only its own write (or, cancelled after handing its write to the commit,
/// has it kept whole: as when a client goes away after sending), nobody waits forever, and the
/// chain stays whole.
async fn concurrent_writes_commit_together_and_fail_alone(f: Fixture) {
    let store = &f.store;
    let id = insert_case(store, at("2025-03-03"), None).await.unwrap();
    let read = store.case(id).await.unwrap();
    let correcting = |i: usize| i.is_multiple_of(4);
    let mut tasks = Vec::new();
    for i in 0..40 {
        let (store, read) = (store.clone(), read.clone());
        tasks.push(tokio::spawn(async move {
            if correcting(i) {
                // All name the same version of one case: exactly one may win.
                correct(&store, &read, &format!("更正{i}"))
                    .await
                    .map(|_| "acted")
            } else {
                insert_case(&store, at("2025-03-03"), Some(&format!("key-{i}")))
                    .await
                    .map(|_| "created")
            }
        }));
    }
    // Some requests are cancelled midway, as when a client goes away.
    for t in tasks.iter().skip(1).step_by(7) {
        t.abort();
    }
    let (mut created, mut acted, mut conflicts) = (0_i64, 0_i64, 0_i64);
    let (mut cancelled_creates, mut cancelled_corrections) = (0_i64, 0_i64);
    for (i, t) in tasks.into_iter().enumerate() {
        match tokio::time::timeout(std::time::Duration::from_secs(30), t)
            .await
            .expect("no writer waits forever")
        {
            Ok(Ok("created")) => created += 1,
            Ok(Ok(_)) => acted += 1,
            Ok(Err(StoreError::Conflict(Conflict::StaleCase { .. }))) => conflicts += 1,
            Ok(Err(e)) => panic!("{e}"),
            Err(e) if e.is_cancelled() && correcting(i) => cancelled_corrections += 1,
            Err(e) if e.is_cancelled() => cancelled_creates += 1,
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(acted + conflicts + cancelled_corrections, 10);
    assert_eq!(created + cancelled_creates, 30);
    // One correction at most landed: the one acknowledged, or else perhaps a cancelled one; when
    // one was refused as stale, another landed.
    let corrected = store.case(id).await.unwrap().version - 1;
    assert!(acted <= 1, "one winner among those that ran");
    assert!(corrected == acted || (acted == 0 && corrected == 1 && cancelled_corrections > 0));
    if conflicts > 0 {
        assert_eq!(corrected, 1, "a stale correction lost to one that landed");
    }
    // Every acknowledged case is there; a cancelled one perhaps, whole; no other.
    let cases = store.case_count().await.unwrap();
    assert!(
        (1 + created..=1 + created + cancelled_creates).contains(&cases),
        "every acknowledged case is there, and no other: {cases} cases, {created} acknowledged"
    );
    // Every case has its receipt event, and the one case its one correction at most.
    let events = assert_chain_whole(store).await;
    assert_eq!(events, cases + corrected);
    // The store still writes afterwards.
    insert_case(store, at("2025-03-03"), None).await.unwrap();
    assert_chain_whole(store).await;
}

/// A group's first write (no savepoint of its own on SQLite) and a later one each roll back alone:
/// the first's rollback leaves the next writer a clean transaction, a later member's rollback
/// leaves the first's write to be committed.
async fn a_groups_first_and_later_writes_roll_back_alone(f: Fixture) {
    let store = &f.store;
    let before = store.case_count().await.unwrap();
    for first_keeps in [true, false] {
        let (first_key, second_key) = (
            format!("first-{first_keeps}"),
            format!("second-{first_keeps}"),
        );
        let mut first = store.begin_write().await.unwrap();
        insert_case_in(&mut first, at("2025-03-03"), Some(&first_key))
            .await
            .unwrap();
        // A second writer queues behind the first and joins its group (on SQLite).
        let second = {
            let (store, key) = (store.clone(), second_key.clone());
            tokio::spawn(async move {
                let mut tx = store.begin_write().await?;
                insert_case_in(&mut tx, at("2025-03-03"), Some(&key)).await?;
                if first_keeps {
                    tx.rollback().await
                } else {
                    tx.commit().await
                }
            })
        };
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        if first_keeps {
            first.commit().await.unwrap();
        } else {
            first.rollback().await.unwrap();
        }
        second.await.unwrap().unwrap();
        let (landed, undone) = if first_keeps {
            (first_key, second_key)
        } else {
            (second_key, first_key)
        };
        assert!(
            store.case_by_key(&landed).await.unwrap().is_some(),
            "the kept write landed"
        );
        assert!(
            store.case_by_key(&undone).await.unwrap().is_none(),
            "the write rolled back left nothing"
        );
    }
    assert_eq!(store.case_count().await.unwrap(), before + 2);
    assert_chain_whole(store).await;
}

/// A register entry of reconsideration (行政复议) is kept with its counting rule as data, read back as
/// written, its file number taken once per body; the reply and the outcome are each written once.
async fn redress_entries_round_trip_and_change_once(f: Fixture) {
    use yiyin_domain::redress::{CountingRule, Outcome, RedressKind, RedressState};
    use yiyin_store::accounts::{AccountKind, NewAccount};
    use yiyin_store::redress::NewRedress;
    let head = write(&f.store, async |tx| {
        tx.insert_account(&NewAccount {
            kind: AccountKind::Staff,
            login: "hy.head",
            name: "局长",
            password_hash: "x",
            subject: None,
            phone: "",
            created_at: 0,
        })
        .await
    })
    .await
    .unwrap();
    let new = NewRedress {
        jurisdiction: "hanyin",
        kind: RedressKind::Reconsideration,
        case_id: None,
        licence: "",
        applicant: "汉阴县某某商贸有限公司",
        body: "汉阴县人民政府",
        file_number: "汉政复〔2025〕1号",
        received_on: date("2025-09-30"),
        counting_rule: CountingRule::WorkingDays,
        period_days: 10,
        basis: "《行政复议法》第四十八条",
        reply_due: date("2025-10-21"),
        explanation: "按工作日计算",
        responsible: head,
        notes: "",
        registered_by: head,
        registered_at: 1,
    };
    let id = write(&f.store, async |tx| tx.insert_redress(&new).await)
        .await
        .unwrap();
    let e = f.store.redress(id).await.unwrap().expect("the entry");
    assert_eq!(
        (e.kind, e.counting_rule, e.period_days, e.reply_due, e.state),
        (
            RedressKind::Reconsideration,
            CountingRule::WorkingDays,
            10,
            date("2025-10-21"),
            RedressState::Registered
        )
    );
    assert_eq!((e.case_id, e.outcome, e.replied_on), (None, None, None));
    let again = write(&f.store, async |tx| tx.insert_redress(&new).await).await;
    assert!(
        matches!(again, Err(StoreError::Conflict(Conflict::Taken { .. }))),
        "{again:?}"
    );
    write(&f.store, async |tx| {
        tx.record_redress_reply(id, date("2025-10-20"), false).await
    })
    .await
    .unwrap();
    let twice = write(&f.store, async |tx| {
        tx.record_redress_reply(id, date("2025-10-20"), false).await
    })
    .await;
    assert!(matches!(twice, Err(StoreError::Conflict(_))), "{twice:?}");
    write(&f.store, async |tx| {
        tx.record_redress_outcome(
            id,
            Outcome::Revoked,
            date("2025-11-03"),
            "证照已撤销",
            Some(7),
        )
        .await
    })
    .await
    .unwrap();
    let twice = write(&f.store, async |tx| {
        tx.record_redress_outcome(id, Outcome::Upheld, date("2025-11-03"), "", None)
            .await
    })
    .await;
    assert!(matches!(twice, Err(StoreError::Conflict(_))), "{twice:?}");
    let e = f.store.redress(id).await.unwrap().unwrap();
    assert_eq!(
        (
            e.state,
            e.outcome,
            e.outcome_on,
            e.licence_act,
            e.replied_on
        ),
        (
            RedressState::Concluded,
            Some(Outcome::Revoked),
            Some(date("2025-11-03")),
            Some(7),
            Some(date("2025-10-20"))
        )
    );
    assert_eq!(f.store.redress_register("hanyin").await.unwrap().len(), 1);
    assert!(f.store.redress_register("ziyang").await.unwrap().is_empty());
}

/// Staff accounts are read back each with its own grants (read for all of them together), and by
/// role: those holding one of the roles in the jurisdiction, active only, with every grant they
/// hold; a pending grant is not held.
async fn staff_are_read_with_their_grants_and_by_role(f: Fixture) {
    use yiyin_domain::authz::Grant;
    use yiyin_store::accounts::{AccountKind, NewAccount};
    let store = &f.store;
    let grant = |role, department: Option<&str>| Grant {
        role,
        jurisdiction: "hanyin".into(),
        department: department.map(str::to_string),
        unit: None,
    };
    let mut ids = Vec::new();
    for (login, grants) in [
        ("clerk", vec![grant(Role::WindowClerk, None)]),
        (
            "both",
            vec![
                grant(Role::Reviewer, Some("shichang")),
                grant(Role::WindowClerk, Some("shichang")),
            ],
        ),
        ("chief", vec![grant(Role::SectionChief, None)]),
        ("gone", vec![grant(Role::WindowClerk, None)]),
    ] {
        let id = write(store, async |tx| {
            let id = tx
                .insert_account(&NewAccount {
                    kind: AccountKind::Staff,
                    login,
                    name: login,
                    password_hash: "!",
                    subject: None,
                    phone: "",
                    created_at: 1,
                })
                .await?;
            tx.insert_grants(id, &grants).await?;
            Ok(id)
        })
        .await
        .unwrap();
        ids.push((id, grants));
    }
    write(store, async |tx| {
        tx.set_account_active(ids[3].0, false).await
    })
    .await
    .unwrap();
    let all = store.staff_in("hanyin").await.unwrap();
    assert_eq!(all.len(), 4);
    for ((id, grants), account) in ids.iter().zip(&all) {
        assert_eq!(account.id, *id);
        let mut expected = grants.clone();
        expected.sort_by(|a, b| a.role.code().cmp(b.role.code()));
        assert_eq!(&account.grants, &expected, "{}", account.login);
    }
    let clerks = store
        .staff_holding("hanyin", &[Role::WindowClerk])
        .await
        .unwrap();
    let logins: Vec<&str> = clerks.iter().map(|a| a.login.as_str()).collect();
    assert_eq!(logins, ["clerk", "both"], "active holders only, in order");
    assert_eq!(clerks[1].grants.len(), 2, "with every grant they hold");
    let none = store.staff_holding("ziyang", &[Role::WindowClerk]).await;
    assert!(none.unwrap().is_empty());
    assert!(store.staff_holding("hanyin", &[]).await.unwrap().is_empty());
}

/// A database written before the event log was split (migration 46): its one chain becomes chain 1
/// at the same numbers and positions, the other chains start after it, and new events continue the
/// numbering; the chains are whole and a case's events stay in order across the change.
async fn a_single_chain_is_split_into_chains_by_case(f: Fixture) {
    let db = TestDb::new(f.db.backend).await;
    let mut raw = db.raw().await;
    migrate::apply_up_to(&mut raw, db.backend, 45)
        .await
        .unwrap();
    let now = at("2025-03-03");
    let mut prev = GENESIS.to_string();
    for (seq, case_id) in [(1, None), (2, Some(5)), (3, Some(5))] {
        let mut e = Event {
            seq,
            case_id,
            jurisdiction: "hanyin".into(),
            at: now.timestamp_millis(),
            actor: "张敏".into(),
            actor_account: None,
            channel: "window".into(),
            action: "note".into(),
            reason: format!("旧事件{seq}"),
            data: "{}".into(),
            prev_hash: prev.clone(),
            hash: String::new(),
            chain: 0,
            pos: 0,
            hash_version: 2,
            state_digest: None,
        };
        e.hash = e.expected_hash(&prev);
        sqlx::query(
            "INSERT INTO events (seq, case_id, jurisdiction, at, actor, actor_account, channel, \
             action, reason, data, prev_hash, hash, hash_version, state_digest) \
             VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, $8, $9, $10, $11, 2, NULL)",
        )
        .bind(e.seq)
        .bind(e.case_id)
        .bind(e.jurisdiction.clone())
        .bind(e.at)
        .bind(e.actor.clone())
        .bind(e.channel.clone())
        .bind(e.action.clone())
        .bind(e.reason.clone())
        .bind(e.data.clone())
        .bind(e.prev_hash.clone())
        .bind(e.hash.clone())
        .execute(&mut raw)
        .await
        .unwrap();
        prev = e.hash;
    }
    sqlx::query("UPDATE chain_head SET seq = 3, hash = $1 WHERE id = 1")
        .bind(prev.clone())
        .execute(&mut raw)
        .await
        .unwrap();
    sqlx::Connection::close(raw).await.unwrap();

    let store = db.store(StoreOptions::default()).await;
    let heads = store.chain_heads_now().await.unwrap();
    assert_eq!(heads.len(), 16);
    assert_eq!((heads[0].seq, heads[0].pos, heads[0].base), (3, 3, 0));
    assert_eq!(heads[0].hash, prev, "the old chain is chain 1");
    assert!(
        heads[1..]
            .iter()
            .all(|h| (h.seq, h.pos, h.base, h.hash.as_str()) == (0, 3, 3, GENESIS)),
        "{heads:?}"
    );
    assert_eq!(assert_chain_whole(&store).await, 3);
    // New events: case 5's go to its own chain after the old ones, the others' continue chain 1.
    let seqs = write(&store, async |tx| {
        tx.append_events(&[
            event(now, 5, "note", "新事件", json!({})),
            NewEvent {
                case_id: None,
                ..event(now, 5, "settings", "", json!({}))
            },
        ])
        .await
    })
    .await
    .unwrap();
    assert_eq!(seqs, [4, 5], "the numbering continues");
    assert_eq!(assert_chain_whole(&store).await, 5);
    let five: Vec<(i64, i64, i64)> = store
        .case_events(5)
        .await
        .unwrap()
        .iter()
        .map(|e| (e.seq, e.chain, e.pos))
        .collect();
    assert_eq!(five, [(2, 1, 2), (3, 1, 3), (4, 6, 4)]);
    let heads = store.chain_heads_now().await.unwrap();
    assert_eq!((heads[0].seq, heads[0].pos), (5, 4));
    assert_eq!((heads[5].seq, heads[5].pos), (4, 4));
    store.close().await;
    db.drop_db().await;
}
