//! Accounts and sessions through the application layer, on both databases: staff accounts made by
//! the jurisdiction's system administrator (and only theirs), logins checked and locked after five
//! failures for fifteen minutes, sessions that expire after eight hours or end at logout or when the
//! account is disabled, and applicants registering with their ID number as the login.

use chrono::Duration;
use yiyin_app::accounts::{LoginError, NewStaff, Registration, Session};
use yiyin_app::cases::Worklist;
use yiyin_app::{AppError, Principal};
use yiyin_domain::authz::Grant;
use yiyin_domain::party::SubjectKind;
use yiyin_domain::roles::Role;
use yiyin_store::accounts::{Account, AccountKind};
use yiyin_testkit::errors::{assert_forbidden, assert_invalid};
use yiyin_testkit::{TestApp, at};

yiyin_testkit::on_both!(yiyin_testkit::app::run;
    staff_accounts_are_checked_and_made_by_their_administrator,
    sessions_and_lockout,
    disabled_accounts_cannot_log_in,
    applicants_register_with_their_id_number,
);

fn reviewer_grant() -> Grant {
    Grant {
        role: Role::Reviewer,
        jurisdiction: "hanyin".into(),
        department: None,
        unit: None,
    }
}

fn new_staff(login: &str, name: &str, password: &str) -> NewStaff {
    NewStaff {
        login: login.into(),
        name: name.into(),
        password: password.into(),
        grants: vec![reviewer_grant()],
    }
}

async fn sysadmin(t: &TestApp, jurisdiction: &str) -> Principal {
    t.staff(
        &format!("{jurisdiction}.admin"),
        Role::SystemAdmin,
        jurisdiction,
        None,
    )
    .await
}

async fn login(t: &TestApp, login: &str, password: &str) -> Result<Session, LoginError> {
    t.login(login, password, None).await.unwrap()
}

/// 汉阴's administrator, and the reviewer 李娜 it made.
async fn reviewer_made(t: &TestApp) -> (Principal, Account) {
    let admin = sysadmin(t, "hanyin").await;
    let reviewer = new_staff("hanyin.reviewer", "李娜", "Shenpi-Li25");
    let a = t.create_staff(&admin, &reviewer).await.unwrap();
    (admin, a)
}

async fn staff_accounts_are_checked_and_made_by_their_administrator(t: TestApp) {
    let (admin, a) = reviewer_made(&t).await;
    assert_eq!(a.grants, vec![reviewer_grant()]);
    assert_eq!((a.kind, a.name.as_str()), (AccountKind::Staff, "李娜"));
    assert!(a.active && a.id_number.is_none());
    // (login, name, password, the field refused, what it says)
    for (login, name, password, field, says) in [
        (
            "hanyin.reviewer",
            "重名",
            "Shenpi-Li25",
            "login",
            "已被使用",
        ),
        ("x", "短", "Shenpi-Li25", "login", "无效"),
        ("hanyin.weak", "弱", "password", "password", "至少三类"),
        ("hanyin.short", "短", "a1", "password", "至少10位"),
    ] {
        let made = t
            .create_staff(&admin, &new_staff(login, name, password))
            .await;
        assert_invalid(made, field, says);
    }
    let mut nowhere = new_staff("hanyin.dept", "部门", "Shenpi-Li25");
    nowhere.grants[0].department = Some("nowhere".into());
    assert_invalid(
        t.create_staff(&admin, &nowhere).await,
        "department",
        "nowhere",
    );
    let mut supervisor = new_staff("hanyin.sup", "监管", "Shenpi-Li25");
    supervisor.grants[0].role = Role::DepartmentSupervisor;
    assert_invalid(
        t.create_staff(&admin, &supervisor).await,
        "department",
        "须指定所属部门",
    );
    // Only the jurisdiction's own system administrator makes its accounts.
    let ziyang_admin = sysadmin(&t, "ziyang").await;
    assert_forbidden(
        t.create_staff(
            &ziyang_admin,
            &new_staff("hanyin.other", "他县", "Shenpi-Li25"),
        )
        .await,
        "不属于您所在县区",
    );
    let reviewer = Principal::new(a.clone());
    assert_forbidden(
        t.create_staff(&reviewer, &new_staff("hanyin.self", "自建", "Shenpi-Li25"))
            .await,
        "无权管理用户和组织机构",
    );
    assert_forbidden(
        t.staff_of(&ziyang_admin, "hanyin").await,
        "不属于您所在县区",
    );
    let logins: Vec<String> = t
        .staff_of(&admin, "hanyin")
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.login)
        .collect();
    assert!(
        logins.contains(&"hanyin.reviewer".to_string()),
        "{logins:?}"
    );
    assert!(
        !logins
            .iter()
            .any(|l| l == "hanyin.other" || l == "hanyin.self")
    );
}

async fn sessions_and_lockout(t: TestApp) {
    let (_, a) = reviewer_made(&t).await;
    let now = at("2025-03-03");
    let s = login(&t, "hanyin.reviewer", "Shenpi-Li25").await.unwrap();
    assert_eq!(s.account.id, a.id);
    assert_eq!(s.expires_at, now + Duration::hours(8));
    assert_ne!(s.token, s.csrf);
    let found = t.session(&s.token).await.unwrap().expect("a session");
    assert_eq!(
        (found.account.id, found.csrf.as_str()),
        (a.id, s.csrf.as_str())
    );
    assert!(t.session("not-a-token").await.unwrap().is_none());
    t.set_now(now + Duration::hours(9));
    assert!(t.session(&s.token).await.unwrap().is_none(), "expired");
    t.set_now(now);
    t.logout(&s.token).await.unwrap();
    assert!(t.session(&s.token).await.unwrap().is_none());
    assert_eq!(
        login(&t, "nobody", "x").await.unwrap_err(),
        LoginError::Wrong
    );
    for _ in 0..4 {
        assert_eq!(
            login(&t, "hanyin.reviewer", "wrong").await.unwrap_err(),
            LoginError::Wrong
        );
    }
    assert_eq!(
        login(&t, "hanyin.reviewer", "wrong").await.unwrap_err(),
        LoginError::Locked(15)
    );
    assert!(matches!(
        login(&t, "hanyin.reviewer", "Shenpi-Li25")
            .await
            .unwrap_err(),
        LoginError::Locked(_)
    ));
    assert_eq!(
        LoginError::Locked(15).to_string(),
        LoginError::Wrong.to_string(),
        "a locked account reads as a wrong password or an unknown login"
    );
    t.set_now(now + Duration::minutes(16));
    assert!(login(&t, "hanyin.reviewer", "Shenpi-Li25").await.is_ok());
}

async fn disabled_accounts_cannot_log_in(t: TestApp) {
    let admin = sysadmin(&t, "hanyin").await;
    let a = t
        .create_staff(&admin, &new_staff("hanyin.reviewer", "李娜", "Shenpi-Li25"))
        .await
        .unwrap();
    let s = login(&t, "hanyin.reviewer", "Shenpi-Li25").await.unwrap();
    // Another jurisdiction's administrator cannot disable it; its own cannot disable themselves.
    let ziyang_admin = sysadmin(&t, "ziyang").await;
    assert_forbidden(
        t.set_staff_active(&ziyang_admin, "hanyin", a.id, false)
            .await,
        "不属于您所在县区",
    );
    assert_forbidden(
        t.set_staff_active(&ziyang_admin, "ziyang", a.id, false)
            .await,
        "无权管理其他县区的账号",
    );
    let err = t
        .set_staff_active(&admin, "hanyin", admin.account.id, false)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("不能停用自己的账号"), "{err}");
    assert!(t.session(&s.token).await.unwrap().is_some());
    t.set_staff_active(&admin, "hanyin", a.id, false)
        .await
        .unwrap();
    assert!(t.session(&s.token).await.unwrap().is_none(), "sessions end");
    assert_eq!(
        login(&t, "hanyin.reviewer", "Shenpi-Li25")
            .await
            .unwrap_err(),
        LoginError::Inactive
    );
    t.set_staff_active(&admin, "hanyin", a.id, true)
        .await
        .unwrap();
    // A reset password replaces the old one.
    t.reset_password(&admin, "hanyin", a.id, "Xin-Mima-2025")
        .await
        .unwrap();
    assert_eq!(
        login(&t, "hanyin.reviewer", "Shenpi-Li25")
            .await
            .unwrap_err(),
        LoginError::Wrong
    );
    assert!(login(&t, "hanyin.reviewer", "Xin-Mima-2025").await.is_ok());
}

fn registration(kind: &str, id_number: &str, phone: &str) -> Registration {
    Registration {
        kind: kind.into(),
        name: "王芳".into(),
        id_number: id_number.into(),
        phone: phone.into(),
        password: "wangfang123".into(),
        code: String::new(),
    }
}

async fn applicants_register_with_their_id_number(t: TestApp) {
    let p = t
        .register(&registration("person", "11010519491231002x", "13900000000"))
        .await
        .unwrap();
    assert_eq!(p.login, "11010519491231002X");
    assert_eq!(p.kind, AccountKind::Applicant);
    assert_eq!(p.subject_kind, Some(SubjectKind::Person));
    assert_eq!(
        p.id_number.as_ref().map(|id| id.as_str()),
        Some("11010519491231002X")
    );
    assert!(p.grants.is_empty());
    let again = t
        .register(&registration("person", "11010519491231002X", "13900000000"))
        .await
        .unwrap_err();
    assert!(
        matches!(&again, AppError::Conflict(m) if m.contains("已经注册")),
        "{again:?}"
    );
    // (kind, ID number, phone, the field refused, what it says); a credit code is an
    // organisation's, not a person's.
    for (kind, id_number, phone, field, says) in [
        (
            "person",
            "110105194912310021",
            "13900000000",
            "id_number",
            "校验码错误",
        ),
        ("person", "11010519491231002X", "", "phone", "手机号码"),
        (
            "person",
            "91350100M000100Y43",
            "13900000000",
            "id_number",
            "公民身份号码",
        ),
        (
            "company",
            "91350100M000100Y43",
            "13900000000",
            "kind",
            "申请人类型",
        ),
    ] {
        let registered = t.register(&registration(kind, id_number, phone)).await;
        assert_invalid(registered, field, says);
    }
    let s = login(&t, "11010519491231002X", "wangfang123")
        .await
        .unwrap();
    assert_eq!(s.account.id, p.id);
    // A new applicant has no cases, and is no staff.
    let applicant = Principal::new(p);
    let everything = Worklist {
        all: true,
        limit: 10,
        ..Default::default()
    };
    assert!(
        t.worklist(&applicant, &everything)
            .await
            .unwrap()
            .lines
            .is_empty()
    );
    assert_forbidden(applicant.require_staff(), "仅限工作人员");
}
