//! The catalog as use cases, on both databases: publication, adjustment and retirement read back as
//! of any date, the changelog of what changed, concurrent publications without gaps or duplicates,
//! imports that land whole or not at all, drafts kept until published, and only a jurisdiction's
//! catalog administrator editing its catalog. The tests work on 紫阳县's catalog, empty at the
//! start (汉阴's holds the sample catalog the test application publishes).

use chrono::NaiveDate;
use yiyin_app::catalog::{self, ImportMode};
use yiyin_app::{AppError, Principal};
use yiyin_domain::catalog::{CatalogFile, ChangeKind, Item, Publication};
use yiyin_domain::roles::Role;
use yiyin_testkit::errors::assert_forbidden;
use yiyin_testkit::{TestApp, date};

yiyin_testkit::on_both!(yiyin_testkit::app::run;
    publish_adjust_retire_and_read_back_any_date,
    changelog_says_what_changed,
    concurrent_publication_conflicts,
    import_is_all_or_nothing,
    drafts_are_kept_until_published,
    only_the_jurisdictions_catalog_administrator_edits_it,
);

const ZIYANG: &str = "ziyang";

/// The sample catalog, for 紫阳县.
fn ziyang_catalog() -> CatalogFile {
    let mut file = yiyin_testkit::catalog();
    file.jurisdiction = ZIYANG.into();
    file
}

/// 食品经营许可, the first item of the sample catalog.
fn item() -> Item {
    ziyang_catalog().items[0].clone()
}

/// The item with a shorter promised time and review step.
fn adjusted() -> Item {
    let mut it = item();
    it.promised_days = 5;
    it.steps[1].days = 2;
    it
}

async fn admin(t: &TestApp) -> Principal {
    t.staff("ziyang.catalog", Role::CatalogAdmin, ZIYANG, None)
        .await
}

/// Publishes an item in 紫阳 as the command line does, on a given day.
async fn publish(
    t: &TestApp,
    item: Item,
    effective: &str,
    today: &str,
    note: &str,
) -> Result<yiyin_domain::catalog::ItemVersion, AppError> {
    catalog::publish_item(
        &t.store,
        ZIYANG,
        item,
        Publication {
            effective_on: date(effective),
            today: date(today),
            note,
            by: "admin",
        },
    )
    .await
}

async fn as_of(t: &TestApp, jurisdiction: &str, day: &str) -> Vec<(String, u32, u32)> {
    let versions = t
        .store
        .catalog_as_of(jurisdiction, date(day))
        .await
        .unwrap();
    versions
        .into_iter()
        .map(|v| (v.code, v.version, v.item.promised_days))
        .collect()
}

#[track_caller]
fn assert_refused<T: std::fmt::Debug>(result: Result<T, AppError>, says: &str) {
    match result {
        Err(AppError::Refused(r)) => {
            assert_eq!(r.rule, "catalog");
            assert!(r.message.contains(says), "{}", r.message);
        }
        other => panic!("expected a refusal by the catalog's rules, got {other:?}"),
    }
}

async fn publish_adjust_retire_and_read_back_any_date(t: TestApp) {
    let admin = admin(&t).await;
    let v1 = publish(&t, item(), "2025-01-01", "2025-01-01", "")
        .await
        .unwrap();
    assert_eq!((v1.version, v1.change), (1, ChangeKind::Added));
    let v2 = publish(&t, adjusted(), "2025-03-01", "2025-02-01", "压缩承诺时限")
        .await
        .unwrap();
    assert_eq!((v2.version, v2.change), (2, ChangeKind::Adjusted));
    // Publishing with a date in the past is refused and changes nothing.
    let mut later = adjusted();
    later.promised_days = 4;
    later.steps[1].days = 1;
    assert_refused(
        publish(&t, later, "2025-02-15", "2025-03-10", "x").await,
        "不得早于今天",
    );
    // Nor may an adjustment go unexplained.
    let mut unexplained = adjusted();
    unexplained.promised_days = 6;
    assert_refused(
        publish(&t, unexplained, "2025-04-01", "2025-03-10", " ").await,
        "调整说明不能为空",
    );
    t.set_today("2025-05-01");
    let retired = t
        .retire_item(&admin, ZIYANG, &v1.code, date("2025-06-01"), "依法取消")
        .await
        .unwrap();
    assert_eq!((retired.version, retired.change), (3, ChangeKind::Retired));
    assert_eq!(retired.published_by, "测试ziyang.catalog");
    assert_refused(
        t.retire_item(&admin, ZIYANG, &v1.code, date("2025-07-01"), "再次取消")
            .await,
        "已取消",
    );

    let code = v1.code.clone();
    assert!(as_of(&t, ZIYANG, "2024-12-31").await.is_empty());
    assert_eq!(
        as_of(&t, ZIYANG, "2025-02-28").await,
        vec![(code.clone(), 1, item().promised_days)]
    );
    assert_eq!(
        as_of(&t, ZIYANG, "2025-03-01").await,
        vec![(code.clone(), 2, 5)]
    );
    assert!(as_of(&t, ZIYANG, "2025-06-01").await.is_empty());
    // Another jurisdiction's catalog is its own.
    assert!(as_of(&t, "xunyang", "2025-03-01").await.is_empty());
    assert!(
        as_of(&t, "hanyin", "2025-06-01")
            .await
            .contains(&(code.clone(), 1, 10))
    );

    // The item in force on a day, or no approval outside the catalog.
    t.set_today("2025-04-01");
    assert_eq!(t.item_in_force(ZIYANG, &code).await.unwrap().version, 2);
    t.set_today("2025-07-01");
    let err = t.item_in_force(ZIYANG, &code).await.unwrap_err();
    assert!(err.to_string().contains("目录之外无审批"), "{err}");
    assert_eq!(t.store.item_history(ZIYANG, &code).await.unwrap().len(), 3);
}

async fn changelog_says_what_changed(t: TestApp) {
    publish(&t, item(), "2025-01-01", "2025-01-01", "")
        .await
        .unwrap();
    publish(&t, adjusted(), "2025-03-01", "2025-02-01", "压缩承诺时限")
        .await
        .unwrap();
    let log = t.changelog(ZIYANG, 50).await.unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].version.version, 2, "newest first");
    assert_eq!(log[0].version.note, "压缩承诺时限");
    let labels: Vec<&str> = log[0].changes.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(labels, vec!["承诺时限", "办理环节"]);
    assert_eq!(log[0].changes[0].before.as_deref(), Some("10"));
    assert_eq!(log[0].changes[0].after.as_deref(), Some("5"));
    assert!(log[1].changes.is_empty());
    assert_eq!(t.changelog(ZIYANG, 1).await.unwrap().len(), 1);
}

async fn concurrent_publication_conflicts(t: TestApp) {
    let mut tasks = Vec::new();
    for i in 0..4 {
        let t = t.clone();
        tasks.push(tokio::spawn(async move {
            let mut it = item();
            it.promised_days = 10 - i;
            catalog::publish_item(
                &t.store,
                ZIYANG,
                it,
                Publication {
                    effective_on: date("2025-01-01"),
                    today: date("2025-01-01"),
                    note: "并发",
                    by: &format!("admin{i}"),
                },
            )
            .await
        }));
    }
    let mut ok = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => ok += 1,
            Err(AppError::Conflict(m)) => assert!(m.contains("同时发布"), "{m}"),
            Err(e @ AppError::Refused(_)) => assert_eq!(e.code(), "rule_refused"),
            Err(e) => panic!("{e:?}"),
        }
    }
    assert!(ok >= 1);
    let history = t.store.item_history(ZIYANG, &item().code).await.unwrap();
    assert_eq!(history.len(), ok);
    let versions: Vec<u32> = history.iter().map(|v| v.version).collect();
    assert_eq!(
        versions,
        (1..=history.len() as u32).collect::<Vec<_>>(),
        "no gaps, no duplicates"
    );
}

async fn import_is_all_or_nothing(t: TestApp) {
    let mut file = ziyang_catalog();
    let first = date("2025-01-01");
    let mode = ImportMode::Publish {
        effective_on: first,
        note: "首次公布".into(),
    };
    let import = |file: CatalogFile, mode: ImportMode, today: NaiveDate| {
        let store = t.store.clone();
        async move { catalog::import_catalog(&store, &file, &mode, today, "admin").await }
    };
    // The last item has an unknown department: nothing lands.
    let mut bad = file.items[0].clone();
    bad.code = "HY-BAD-1".into();
    bad.department = "nowhere".into();
    file.items.push(bad);
    let err = import(file.clone(), mode.clone(), first).await;
    assert_refused(err, "HY-BAD-1");
    assert!(as_of(&t, ZIYANG, "2025-01-01").await.is_empty());
    file.items.pop();
    let report = import(file.clone(), mode.clone(), first).await.unwrap();
    assert_eq!(report.published, file.items.len());
    assert_eq!(
        as_of(&t, ZIYANG, "2025-01-01").await.len(),
        file.items.len()
    );
    // Importing the same file again changes nothing.
    let again = import(file.clone(), mode, date("2025-01-02"))
        .await
        .unwrap();
    assert_eq!((again.published, again.unchanged), (0, file.items.len()));
    // As drafts: every item a draft, nothing published.
    let drafts = import(file.clone(), ImportMode::Drafts, first)
        .await
        .unwrap();
    assert_eq!(drafts.drafts, file.items.len());
    assert_eq!(
        t.store.drafts(ZIYANG).await.unwrap().len(),
        file.items.len()
    );
    assert_eq!(
        t.store.item_history_count(ZIYANG).await.unwrap(),
        file.items.len() as i64
    );
    // A jurisdiction that does not exist.
    let mut nowhere = file;
    nowhere.jurisdiction = "nowhere".into();
    let err = import(nowhere, ImportMode::Drafts, first)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::NotFound(m) if m.contains("nowhere")),
        "{err:?}"
    );
}

async fn drafts_are_kept_until_published(t: TestApp) {
    let admin = admin(&t).await;
    let today = date("2025-03-03");
    let mut draft = item();
    draft.promised_days = 99; // invalid: a draft may be, a publication may not
    t.save_draft(&admin, ZIYANG, &draft, true).await.unwrap();
    assert_eq!(t.store.drafts(ZIYANG).await.unwrap().len(), 1);
    // A new item's code must be free.
    let err = t
        .save_draft(&admin, ZIYANG, &draft, true)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::Invalid { field: Some(f), message } if f == "code" && message.contains("已存在")),
        "{err:?}"
    );
    assert_refused(
        t.publish_draft(&admin, ZIYANG, &draft.code, today, "")
            .await,
        "承诺时限",
    );
    assert!(
        t.store.draft(ZIYANG, &draft.code).await.unwrap().is_some(),
        "draft kept"
    );
    t.save_draft(&admin, ZIYANG, &item(), false).await.unwrap();
    let v = t
        .publish_draft(&admin, ZIYANG, &draft.code, today, "")
        .await
        .unwrap();
    assert_eq!(v.published_by, "测试ziyang.catalog");
    assert_eq!((v.version, v.published_on), (1, today));
    assert!(t.store.draft(ZIYANG, &draft.code).await.unwrap().is_none());
    let err = t
        .publish_draft(&admin, ZIYANG, &draft.code, today, "")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::NotFound(m) if m.contains("没有待发布的草稿")),
        "{err:?}"
    );
    // A code that is not one.
    let mut odd = item();
    odd.code = "有 空格".into();
    let err = t.save_draft(&admin, ZIYANG, &odd, true).await.unwrap_err();
    assert!(
        matches!(&err, AppError::Invalid { field: Some(f), .. } if f == "code"),
        "{err:?}"
    );
}

async fn only_the_jurisdictions_catalog_administrator_edits_it(t: TestApp) {
    let admin = admin(&t).await;
    let hanyin_admin = t
        .staff("hanyin.catalog", Role::CatalogAdmin, "hanyin", None)
        .await;
    let clerk = t
        .staff("ziyang.clerk", Role::WindowClerk, ZIYANG, None)
        .await;
    let today = date("2025-03-03");
    // Another jurisdiction's catalog administrator, and a clerk of this one, are refused.
    // Another county's administrator and a clerk, and what each is told.
    let others = [
        (&hanyin_admin, "不属于您所在县区"),
        (&clerk, "无权管理事项目录"),
    ];
    let code = &item().code;
    for (who, says) in others {
        assert_forbidden(t.save_draft(who, ZIYANG, &item(), true).await, says);
    }
    assert!(t.store.drafts(ZIYANG).await.unwrap().is_empty());
    t.save_draft(&admin, ZIYANG, &item(), true).await.unwrap();
    for (who, says) in others {
        assert_forbidden(t.publish_draft(who, ZIYANG, code, today, "").await, says);
    }
    assert!(t.store.draft(ZIYANG, code).await.unwrap().is_some());
    t.publish_draft(&admin, ZIYANG, code, today, "")
        .await
        .unwrap();
    let retire_on = date("2025-06-01");
    for (who, says) in others {
        let retired = t.retire_item(who, ZIYANG, code, retire_on, "取消").await;
        assert_forbidden(retired, says);
    }
    // Nor may 紫阳's administrator edit 汉阴's catalog.
    assert_forbidden(
        t.retire_item(&admin, "hanyin", &item().code, retire_on, "取消")
            .await,
        "不属于您所在县区",
    );
    assert_eq!(
        t.store
            .item_history(ZIYANG, &item().code)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        t.store
            .item_history("hanyin", &item().code)
            .await
            .unwrap()
            .len(),
        1
    );
}
