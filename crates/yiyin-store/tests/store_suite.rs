//! The store's conformance suite: every test runs on SQLite and on PostgreSQL, against a fresh
//! database each time.

use chrono::NaiveDate;
use yiyin_domain::calendar::{Calendar, parse_date};
use yiyin_domain::catalog::{CatalogFile, ChangeKind, Item};
use yiyin_domain::org::Organisation;
use yiyin_store::catalog::ImportMode;
use yiyin_store::testing::TestDb;
use yiyin_store::{Backend, Store, StoreError, StoreOptions, migrate};

fn d(s: &str) -> NaiveDate {
    parse_date(s).unwrap()
}

/// Runs `body` against a fresh store on the backend, then drops the database.
async fn with_store<F, Fut>(backend: Backend, body: F)
where
    F: FnOnce(Store, String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let db = TestDb::new(backend).await.expect("create test database");
    let store = Store::connect(&db.url, StoreOptions::default())
        .await
        .expect("connect");
    store.init_organisation().await.unwrap();
    body(store.clone(), db.url.clone()).await;
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
    migrations_are_applied_once,
    organisation_round_trips,
    publish_adjust_retire_and_read_back_any_date,
    changelog_says_what_changed,
    concurrent_publication_conflicts,
    import_is_all_or_nothing,
    drafts_are_kept_until_published,
    calendar_years_are_stored,
);

async fn migrations_are_applied_once(store: Store, url: String) {
    let all: Vec<i64> = migrate::MIGRATIONS.iter().map(|m| m.0).collect();
    assert_eq!(migrate::applied(&store).await.unwrap(), all);
    // A second server starting on the same database applies nothing again.
    let again = Store::connect(&url, StoreOptions::default()).await.unwrap();
    assert_eq!(migrate::applied(&again).await.unwrap(), all);
    again.close().await;
    store.ping().await.unwrap();
}

async fn organisation_round_trips(store: Store, _url: String) {
    assert!(
        !store.init_organisation().await.unwrap(),
        "second init is a no-op"
    );
    let org = store.organisation().await.unwrap();
    assert_eq!(org, Organisation::builtin());
    let mut changed = org.clone();
    changed.jurisdictions[1].name = "汉阴县（改）".into();
    store.save_organisation(&changed).await.unwrap();
    assert_eq!(store.organisation().await.unwrap(), changed);
    let mut bad = changed.clone();
    bad.jurisdictions[1].parent = Some("nowhere".into());
    assert!(matches!(
        store.save_organisation(&bad).await,
        Err(StoreError::Rejected(_))
    ));
    assert_eq!(
        store.organisation().await.unwrap(),
        changed,
        "nothing changed"
    );
}

fn item() -> Item {
    let file: CatalogFile = toml::from_str(include_str!("fixtures/catalog.toml")).unwrap();
    file.items[0].clone()
}

async fn publish_adjust_retire_and_read_back_any_date(store: Store, _url: String) {
    let v1 = store
        .publish_item(
            "hanyin",
            item(),
            d("2025-01-01"),
            d("2025-01-01"),
            "",
            "admin",
        )
        .await
        .unwrap();
    assert_eq!((v1.version, v1.change), (1, ChangeKind::Added));
    let mut adjusted = item();
    adjusted.promised_days = 5;
    adjusted.steps[1].days = 2;
    let v2 = store
        .publish_item(
            "hanyin",
            adjusted.clone(),
            d("2025-03-01"),
            d("2025-02-01"),
            "压缩承诺时限",
            "admin",
        )
        .await
        .unwrap();
    assert_eq!(v2.version, 2);
    // Publishing with a date in the past is refused and changes nothing.
    let mut later = adjusted.clone();
    later.promised_days = 4;
    later.steps[1].days = 1;
    let err = store
        .publish_item(
            "hanyin",
            later,
            d("2025-02-15"),
            d("2025-03-10"),
            "x",
            "admin",
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("不得早于今天"), "{err}");
    store
        .retire_item(
            "hanyin",
            &v1.code,
            d("2025-06-01"),
            d("2025-05-01"),
            "依法取消",
            "admin",
        )
        .await
        .unwrap();

    assert!(
        store
            .catalog_as_of("hanyin", d("2024-12-31"))
            .await
            .unwrap()
            .is_empty()
    );
    let feb = store
        .catalog_as_of("hanyin", d("2025-02-28"))
        .await
        .unwrap();
    assert_eq!(feb.len(), 1);
    assert_eq!(feb[0].item.promised_days, item().promised_days);
    let march = store
        .catalog_as_of("hanyin", d("2025-03-01"))
        .await
        .unwrap();
    assert_eq!(march[0].item.promised_days, 5);
    assert!(
        store
            .catalog_as_of("hanyin", d("2025-06-01"))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .catalog_as_of("ziyang", d("2025-03-01"))
            .await
            .unwrap()
            .is_empty()
    );

    assert_eq!(
        store
            .active_item("hanyin", &v1.code, d("2025-04-01"))
            .await
            .unwrap()
            .version,
        2
    );
    let err = store
        .active_item("hanyin", &v1.code, d("2025-07-01"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("目录之外无审批"), "{err}");
    assert_eq!(
        store.item_history("hanyin", &v1.code).await.unwrap().len(),
        3
    );
}

async fn changelog_says_what_changed(store: Store, _url: String) {
    store
        .publish_item(
            "hanyin",
            item(),
            d("2025-01-01"),
            d("2025-01-01"),
            "",
            "admin",
        )
        .await
        .unwrap();
    let mut adjusted = item();
    adjusted.promised_days = 5;
    adjusted.steps[1].days = 2;
    store
        .publish_item(
            "hanyin",
            adjusted,
            d("2025-03-01"),
            d("2025-02-01"),
            "压缩承诺时限",
            "admin",
        )
        .await
        .unwrap();
    let log = store.changelog("hanyin", 50).await.unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].version.version, 2, "newest first");
    let labels: Vec<&str> = log[0].changes.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(labels, vec!["承诺时限", "办理环节"]);
    assert_eq!(log[0].changes[0].before.as_deref(), Some("10"));
    assert_eq!(log[0].changes[0].after.as_deref(), Some("5"));
    assert!(log[1].changes.is_empty());
}

async fn concurrent_publication_conflicts(store: Store, _url: String) {
    let mut tasks = Vec::new();
    for i in 0..4 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut it = item();
            it.promised_days = 10 - i;
            store
                .publish_item(
                    "hanyin",
                    it,
                    d("2025-01-01"),
                    d("2025-01-01"),
                    "并发",
                    &format!("admin{i}"),
                )
                .await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(e) => assert!(
                e.is_unique_violation() || matches!(e, StoreError::Rejected(_)),
                "{e}"
            ),
        }
    }
    assert!(ok >= 1);
    let history = store.item_history("hanyin", &item().code).await.unwrap();
    let versions: Vec<u32> = history.iter().map(|v| v.version).collect();
    assert_eq!(
        versions,
        (1..=history.len() as u32).collect::<Vec<_>>(),
        "no gaps, no duplicates"
    );
}

async fn import_is_all_or_nothing(store: Store, _url: String) {
    let mut file: CatalogFile = toml::from_str(include_str!("fixtures/catalog.toml")).unwrap();
    let mode = ImportMode::Publish {
        effective_on: d("2025-01-01"),
        note: "首次公布".into(),
    };
    // The second item has an unknown department: nothing lands.
    let mut bad = file.items[0].clone();
    bad.code = "HY-BAD-1".into();
    bad.department = "nowhere".into();
    file.items.push(bad);
    let err = store
        .import_catalog(&file, &mode, d("2025-01-01"), "admin")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("HY-BAD-1"), "{err}");
    assert!(
        store
            .catalog_as_of("hanyin", d("2025-01-01"))
            .await
            .unwrap()
            .is_empty()
    );
    file.items.pop();
    let report = store
        .import_catalog(&file, &mode, d("2025-01-01"), "admin")
        .await
        .unwrap();
    assert_eq!(report.published, file.items.len());
    // Importing the same file again changes nothing.
    let again = store
        .import_catalog(&file, &mode, d("2025-01-02"), "admin")
        .await
        .unwrap();
    assert_eq!((again.published, again.unchanged), (0, file.items.len()));
}

async fn drafts_are_kept_until_published(store: Store, _url: String) {
    let mut draft = item();
    draft.promised_days = 99; // invalid: a draft may be, a publication may not
    store.save_draft("hanyin", &draft, "editor").await.unwrap();
    assert_eq!(store.drafts("hanyin").await.unwrap().len(), 1);
    let err = store
        .publish_draft(
            "hanyin",
            &draft.code,
            d("2025-01-01"),
            d("2025-01-01"),
            "",
            "chief",
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("承诺时限"), "{err}");
    assert!(
        store.draft("hanyin", &draft.code).await.unwrap().is_some(),
        "draft kept"
    );
    store.save_draft("hanyin", &item(), "editor").await.unwrap();
    let v = store
        .publish_draft(
            "hanyin",
            &draft.code,
            d("2025-01-01"),
            d("2025-01-01"),
            "",
            "chief",
        )
        .await
        .unwrap();
    assert_eq!(v.published_by, "chief");
    assert!(store.draft("hanyin", &draft.code).await.unwrap().is_none());
}

async fn calendar_years_are_stored(store: Store, _url: String) {
    let y = store
        .upload_calendar_year(
            r#"{"year":2027,"days":[{"name":"元旦","date":"2027-01-01","isOffDay":true}]}"#,
            "admin",
        )
        .await
        .unwrap();
    assert_eq!(y, 2027);
    assert!(store.upload_calendar_year("{}", "admin").await.is_err());
    let mut cal = Calendar::builtin();
    let years = store.load_calendar_years(&mut cal).await.unwrap();
    assert_eq!(years.len(), 1);
    assert!(!cal.is_workday(d("2027-01-01")).unwrap());
}
