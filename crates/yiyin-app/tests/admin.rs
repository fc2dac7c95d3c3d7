//! The system administrator's data through the application layer, on both databases: the
//! organisation checked before it is kept (and only by the jurisdiction's own administrator), and
//! working-day calendar years uploaded, checked, kept and used at once.

use yiyin_app::AppError;
use yiyin_app::admin;
use yiyin_domain::calendar::Calendar;
use yiyin_domain::org::Organisation;
use yiyin_domain::roles::Role;
use yiyin_testkit::errors::assert_forbidden;
use yiyin_testkit::{TestApp, date};

yiyin_testkit::on_both!(yiyin_testkit::app::run;
    the_organisation_is_checked_before_it_is_kept,
    calendar_years_are_uploaded_and_used,
);

async fn the_organisation_is_checked_before_it_is_kept(t: TestApp) {
    assert!(
        !admin::init_organisation(&t.store).await.unwrap(),
        "second init is a no-op"
    );
    assert_eq!(
        t.store.organisation().await.unwrap(),
        Organisation::builtin()
    );
    // An organisation that does not hold together is refused and nothing changes.
    let mut bad = Organisation::builtin();
    bad.jurisdictions[1].parent = Some("nowhere".into());
    let err = admin::save_organisation(&t.store, &bad).await.unwrap_err();
    assert!(matches!(err, AppError::Invalid { .. }), "{err:?}");
    assert_eq!(
        t.store.organisation().await.unwrap(),
        Organisation::builtin(),
        "nothing changed"
    );

    let sysadmin = t
        .staff("hanyin.admin", Role::SystemAdmin, "hanyin", None)
        .await;
    let mut hanyin = t.organisation_of(&sysadmin, "hanyin").await.unwrap();
    hanyin.name = "汉阴县（改）".into();
    t.save_jurisdiction(&sysadmin, "hanyin", hanyin.clone())
        .await
        .unwrap();
    assert_eq!(t.store.jurisdiction("hanyin").await.unwrap(), hanyin);
    assert_eq!(
        t.jurisdiction("hanyin").unwrap().name,
        "汉阴县（改）",
        "in use at once"
    );
    // The change is a privileged act: it is recorded in the jurisdiction's chain.
    assert_eq!(t.logged("org_save").await, 1);
    let report = yiyin_app::audit::verify_chain(&t.store).await.unwrap();
    assert!(report.broken.is_none(), "{report:?}");
    // Its code cannot change; a jurisdiction that does not hold together is refused.
    let mut renamed = hanyin.clone();
    renamed.code = "hanyin2".into();
    let err = t
        .save_jurisdiction(&sysadmin, "hanyin", renamed)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("县区代码不能修改"), "{err}");
    let mut orphan = hanyin.clone();
    orphan.parent = Some("nowhere".into());
    let err = t
        .save_jurisdiction(&sysadmin, "hanyin", orphan)
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Invalid { .. }), "{err:?}");
    // Only 汉阴's own system administrator reads or changes 汉阴's organisation.
    let ziyang = t
        .staff("ziyang.admin", Role::SystemAdmin, "ziyang", None)
        .await;
    let head = t
        .staff("hanyin.head", Role::BureauHead, "hanyin", None)
        .await;
    assert_forbidden(
        t.organisation_of(&ziyang, "hanyin").await,
        "不属于您所在县区",
    );
    let mut other = hanyin.clone();
    other.name = "他县所改".into();
    assert_forbidden(
        t.save_jurisdiction(&ziyang, "hanyin", other.clone()).await,
        "不属于您所在县区",
    );
    assert_forbidden(
        t.save_jurisdiction(&head, "hanyin", other).await,
        "无权管理用户和组织机构",
    );
    assert_eq!(t.store.jurisdiction("hanyin").await.unwrap(), hanyin);
    // 汉阴's catalog administrator reads it (with its sources) but cannot change it; the head
    // and another county's administrator do not read it.
    let catalog = t
        .staff("hanyin.catalog", Role::CatalogAdmin, "hanyin", None)
        .await;
    assert_eq!(
        t.organisation_to_read(&catalog, "hanyin").await.unwrap(),
        hanyin
    );
    assert!(t.organisation_of(&catalog, "hanyin").await.is_err());
    assert!(t.organisation_to_read(&head, "hanyin").await.is_err());
    assert_forbidden(
        t.organisation_to_read(&ziyang, "hanyin").await,
        "不属于您所在县区",
    );
}

async fn calendar_years_are_uploaded_and_used(t: TestApp) {
    let sysadmin = t
        .staff("hanyin.admin", Role::SystemAdmin, "hanyin", None)
        .await;
    let text = r#"{"year":2027,"days":[{"name":"元旦","date":"2027-01-01","isOffDay":true}]}"#;
    assert!(
        t.calendar().is_workday(date("2027-01-01")).is_err(),
        "no 2027 yet"
    );
    assert_eq!(t.upload_calendar(&sysadmin, text).await.unwrap(), 2027);
    assert!(
        !t.calendar().is_workday(date("2027-01-01")).unwrap(),
        "used at once"
    );
    assert!(t.calendar_years(&sysadmin).unwrap().contains(&2027));
    let err = t.upload_calendar(&sysadmin, "{}").await.unwrap_err();
    assert!(
        matches!(&err, AppError::Invalid { field: Some(f), .. } if f == "file"),
        "{err:?}"
    );
    // Only a system administrator maintains the calendar.
    let head = t
        .staff("hanyin.head", Role::BureauHead, "hanyin", None)
        .await;
    assert_forbidden(t.upload_calendar(&head, text).await, "仅限系统管理员");
    assert_forbidden(t.calendar_years(&head), "仅限系统管理员");
    // Kept: a server starting on the database loads it.
    let mut calendar = Calendar::builtin();
    let years = admin::load_calendar_years(&t.store, &mut calendar)
        .await
        .unwrap();
    assert_eq!(years, vec![2027]);
    assert!(!calendar.is_workday(date("2027-01-01")).unwrap());
    assert!(calendar.is_workday(date("2027-01-04")).unwrap());
}
