//! Authentication strength and accountable user management through the application layer, on both
//! databases: every account and grant change is a chained event and the chain still verifies; a
//! system administrator's grant of a deciding role waits for the bureau head; a password reset and
//! "log out everywhere" end sessions; the password policy refuses in Chinese; deciding and
//! administrative roles need a TOTP code at login (and enrol before their role opens); idle sessions
//! end.

use chrono::Duration;
use yiyin_app::accounts::{LoginError, NewStaff, Registration};
use yiyin_app::users::Granted;
use yiyin_app::{AppError, Principal};
use yiyin_domain::authz::{Grant, Operation};
use yiyin_domain::roles::Role;
use yiyin_testkit::errors::{assert_forbidden, assert_invalid};
use yiyin_testkit::{PASSWORD, TOTP_SECRET, TestApp, at};

yiyin_testkit::on_both!(yiyin_testkit::app::run;
    account_changes_are_chained_events,
    an_administrators_grant_of_a_deciding_role_waits_for_the_head,
    the_head_may_reject_a_pending_grant,
    a_password_reset_ends_the_sessions,
    logging_out_everywhere_ends_every_session,
    the_password_policy_refuses_in_chinese,
    deciding_roles_need_the_second_factor,
    idle_sessions_end,
);

const HANYIN: &str = "hanyin";

fn grant(role: Role) -> Grant {
    Grant {
        role,
        jurisdiction: HANYIN.into(),
        department: None,
        unit: None,
    }
}

fn staff(login: &str, role: Role) -> NewStaff {
    NewStaff {
        login: login.into(),
        name: format!("测试{login}"),
        password: PASSWORD.into(),
        grants: vec![grant(role)],
    }
}

async fn admin(t: &TestApp) -> Principal {
    t.staff("hanyin.admin", Role::SystemAdmin, HANYIN, None)
        .await
}

fn code_now(t: &TestApp, secret: &str) -> String {
    t.totp_code(secret)
}

async fn account_changes_are_chained_events(t: TestApp) {
    let admin = admin(&t).await;
    let a = t
        .create_staff(&admin, &staff("hanyin.reviewer", Role::Reviewer))
        .await
        .unwrap();
    t.set_staff_active(&admin, HANYIN, a.id, false)
        .await
        .unwrap();
    t.set_staff_active(&admin, HANYIN, a.id, true)
        .await
        .unwrap();
    t.reset_password(&admin, HANYIN, a.id, "Xin-Mima-2025")
        .await
        .unwrap();
    let verifier = grant(Role::Verifier);
    assert_eq!(
        t.grant_role(&admin, a.id, verifier.clone()).await.unwrap(),
        Granted::Effective
    );
    t.revoke_role(&admin, a.id, verifier).await.unwrap();
    t.reset_totp(&admin, HANYIN, a.id).await.unwrap();
    for action in [
        "account_create",
        "account_disable",
        "account_enable",
        "password_reset",
        "grant_role",
        "revoke_role",
        "totp_reset",
    ] {
        assert!(t.logged(action).await >= 1, "{action} not in the chain");
    }
    // The events belong to the jurisdiction, name the administrator, and the chain verifies.
    let events = t.store.events_from(1, 1000).await.unwrap();
    let reset = events
        .iter()
        .find(|e| e.action == "password_reset")
        .unwrap();
    assert_eq!(reset.jurisdiction, HANYIN);
    assert_eq!(reset.actor_account, Some(admin.account.id));
    assert!(reset.case_id.is_none());
    let report = yiyin_app::audit::verify_chain(&t.store).await.unwrap();
    assert!(report.broken.is_none(), "{:?}", report.broken);
    assert!(report.altered.is_empty(), "{:?}", report.altered);
}

async fn an_administrators_grant_of_a_deciding_role_waits_for_the_head(t: TestApp) {
    let admin = admin(&t).await;
    let head = t.staff("hanyin.head", Role::BureauHead, HANYIN, None).await;
    // A new account made a section chief by the administrator holds no role until confirmed.
    let chief = t
        .create_staff(&admin, &staff("hanyin.chief2", Role::SectionChief))
        .await
        .unwrap();
    assert!(chief.grants.is_empty(), "{:?}", chief.grants);
    assert!(
        Principal::new(chief.clone())
            .require_in(Operation::Decide, HANYIN)
            .is_err()
    );
    assert_eq!(t.logged("grant_pending").await, 1);
    // The administrator lists it among the staff, with its grant pending.
    let listed = t.staff_of(&admin, HANYIN).await.unwrap();
    assert!(listed.iter().any(|a| a.id == chief.id));
    let pending = t.pending_grants(&head, HANYIN).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(
        (pending[0].account_id, pending[0].role),
        (chief.id, Role::SectionChief)
    );
    // A reviewer made section chief too: pending, still only a reviewer.
    let reviewer = t
        .create_staff(&admin, &staff("hanyin.reviewer", Role::Reviewer))
        .await
        .unwrap();
    let out = t
        .grant_role(&admin, reviewer.id, grant(Role::SectionChief))
        .await
        .unwrap();
    let Granted::Pending { id: second } = out else {
        panic!("{out:?}")
    };
    let r = t.store.account(reviewer.id).await.unwrap();
    assert_eq!(r.grants, vec![grant(Role::Reviewer)]);
    // Neither the administrator nor another county's head confirms it.
    assert_forbidden(
        t.confirm_grant(&admin, pending[0].id).await,
        "无权确认作出许可决定岗位的授权",
    );
    let ziyang_head = t
        .staff("ziyang.head", Role::BureauHead, "ziyang", None)
        .await;
    assert_forbidden(
        t.confirm_grant(&ziyang_head, pending[0].id).await,
        "不属于您所在县区",
    );
    // The head confirms: the account decides from now on; it is a chained event.
    let confirmed = t.confirm_grant(&head, pending[0].id).await.unwrap();
    assert_eq!(confirmed.grants, vec![grant(Role::SectionChief)]);
    assert!(
        Principal::new(confirmed)
            .require_in(Operation::Decide, HANYIN)
            .is_ok()
    );
    assert_eq!(t.logged("grant_confirm").await, 1);
    assert!(matches!(
        t.confirm_grant(&head, pending[0].id).await,
        Err(AppError::NotFound(_))
    ));
    t.confirm_grant(&head, second).await.unwrap();
    // The head's own grant of a deciding role takes effect at once.
    let clerk = t
        .create_staff(&admin, &staff("hanyin.clerk", Role::WindowClerk))
        .await
        .unwrap();
    assert_eq!(
        t.grant_role(&head, clerk.id, grant(Role::SectionChief))
            .await
            .unwrap(),
        Granted::Effective
    );
    assert!(t.pending_grants(&head, HANYIN).await.unwrap().is_empty());
    let report = yiyin_app::audit::verify_chain(&t.store).await.unwrap();
    assert!(report.broken.is_none(), "{:?}", report.broken);
}

async fn the_head_may_reject_a_pending_grant(t: TestApp) {
    let admin = admin(&t).await;
    let head = t.staff("hanyin.head", Role::BureauHead, HANYIN, None).await;
    let reviewer = t
        .create_staff(&admin, &staff("hanyin.reviewer", Role::Reviewer))
        .await
        .unwrap();
    let Granted::Pending { id } = t
        .grant_role(&admin, reviewer.id, grant(Role::SectionChief))
        .await
        .unwrap()
    else {
        panic!("a section chief granted by the administrator waits for the head")
    };
    // Only the head of the jurisdiction rejects it.
    assert_forbidden(
        t.reject_grant(&admin, id).await,
        "无权确认作出许可决定岗位的授权",
    );
    let ziyang_head = t
        .staff("ziyang.head", Role::BureauHead, "ziyang", None)
        .await;
    assert_forbidden(t.reject_grant(&ziyang_head, id).await, "不属于您所在县区");
    assert_eq!(t.pending_grants(&head, HANYIN).await.unwrap().len(), 1);
    // The head rejects: the grant is withdrawn, the account keeps only its role, as a chained event.
    let rejected = t.reject_grant(&head, id).await.unwrap();
    assert_eq!(rejected.grants, vec![grant(Role::Reviewer)]);
    assert!(t.pending_grants(&head, HANYIN).await.unwrap().is_empty());
    assert_eq!(t.logged("grant_reject").await, 1);
    assert_eq!(t.logged("grant_confirm").await, 0);
    // Once settled it can be neither rejected again nor confirmed.
    assert!(matches!(
        t.reject_grant(&head, id).await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        t.confirm_grant(&head, id).await,
        Err(AppError::NotFound(_))
    ));
    let report = yiyin_app::audit::verify_chain(&t.store).await.unwrap();
    assert!(report.broken.is_none(), "{:?}", report.broken);
}

async fn a_password_reset_ends_the_sessions(t: TestApp) {
    let admin = admin(&t).await;
    let a = t
        .create_staff(&admin, &staff("hanyin.reviewer", Role::Reviewer))
        .await
        .unwrap();
    let s = t
        .login("hanyin.reviewer", PASSWORD, None)
        .await
        .unwrap()
        .unwrap();
    assert!(t.session(&s.token).await.unwrap().is_some());
    t.reset_password(&admin, HANYIN, a.id, "Xin-Mima-2025")
        .await
        .unwrap();
    assert!(t.session(&s.token).await.unwrap().is_none(), "ended");
}

async fn logging_out_everywhere_ends_every_session(t: TestApp) {
    let me = t.applicant("11010519491231002X", "王芳").await;
    t.applicant("91350100M000100Y43", "某公司").await;
    let login = |l: &'static str| {
        let t = t.clone();
        async move { t.login(l, PASSWORD, None).await.unwrap().unwrap() }
    };
    let (a, b) = (
        login("11010519491231002X").await,
        login("11010519491231002X").await,
    );
    let theirs = login("91350100M000100Y43").await;
    t.end_all_sessions(&me).await.unwrap();
    assert!(t.session(&a.token).await.unwrap().is_none());
    assert!(t.session(&b.token).await.unwrap().is_none());
    assert!(
        t.session(&theirs.token).await.unwrap().is_some(),
        "others keep theirs"
    );
    // A password change ends them too, and checks the old password.
    let c = login("11010519491231002X").await;
    assert_invalid(
        t.change_password(&me, "wrong", "Wang-Fang-88").await,
        "old_password",
        "原密码不正确",
    );
    t.change_password(&me, PASSWORD, "Wang-Fang-88")
        .await
        .unwrap();
    assert!(t.session(&c.token).await.unwrap().is_none());
    assert!(
        t.login("11010519491231002X", "Wang-Fang-88", None)
            .await
            .unwrap()
            .is_ok()
    );
}

async fn the_password_policy_refuses_in_chinese(t: TestApp) {
    let admin = admin(&t).await;
    // (password, what the refusal says)
    for (password, says) in [
        ("Ab-1", "工作人员密码至少10位"),
        ("shenpi20251", "至少三类"),
        ("Hanyin.New-2025", "不得包含登录名"),
        ("Admin@12345", "常见弱密码"),
    ] {
        let mut new = staff("hanyin.new", Role::Reviewer);
        new.password = password.into();
        assert_invalid(t.create_staff(&admin, &new).await, "password", says);
    }
    let a = t
        .create_staff(&admin, &staff("hanyin.new", Role::Reviewer))
        .await
        .unwrap();
    assert_invalid(
        t.reset_password(&admin, HANYIN, a.id, "P@ssw0rd").await,
        "password",
        "密码不符合安全要求",
    );
    let register = |password: &str| Registration {
        kind: "person".into(),
        name: "王芳".into(),
        id_number: "11010519491231002X".into(),
        phone: "13900000000".into(),
        password: password.into(),
        code: String::new(),
    };
    for (password, says) in [
        ("woaini1314", "常见弱密码"),
        ("wf91231002x", "不得包含证件号码"),
        ("abcdefghij", "至少两类"),
    ] {
        assert_invalid(t.register(&register(password)).await, "password", says);
    }
    let me = Principal::new(t.register(&register("wangfang123")).await.unwrap());
    assert_invalid(
        t.change_password(&me, "wangfang123", "12345678").await,
        "password",
        "常见弱密码",
    );
}

async fn deciding_roles_need_the_second_factor(t: TestApp) {
    // The testkit enrols the chief with its test secret.
    t.staff("hanyin.chief", Role::SectionChief, HANYIN, None)
        .await;
    let login = |code: Option<String>| {
        let t = t.clone();
        async move {
            t.login("hanyin.chief", PASSWORD, code.as_deref())
                .await
                .unwrap()
        }
    };
    assert_eq!(login(None).await.unwrap_err(), LoginError::TotpRequired);
    assert_eq!(
        LoginError::TotpRequired.to_string(),
        "请输入手机验证器显示的6位动态验证码（两步验证）"
    );
    let right = code_now(&t, TOTP_SECRET);
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    assert_eq!(
        login(Some(wrong.into())).await.unwrap_err(),
        LoginError::TotpWrong
    );
    let s = login(Some(right.clone())).await.unwrap();
    assert!(!s.enrol_second_factor);
    assert!(s.account.has_role(Role::SectionChief));
    // Each code opens one session (RFC 6238 5.2): the same code again is refused, and so is the
    // one of the step before; the next code is accepted.
    let used = login(Some(right)).await.unwrap_err();
    assert_eq!(used, LoginError::TotpUsed);
    assert!(used.to_string().contains("只能使用一次"), "{used}");
    let earlier = yiyin_app::totp::code_at(TOTP_SECRET, t.wall() - Duration::seconds(30)).unwrap();
    assert_eq!(
        login(Some(earlier)).await.unwrap_err(),
        LoginError::TotpUsed
    );
    assert!(login(Some(code_now(&t, TOTP_SECRET))).await.is_ok());
    // A reviewer needs none.
    t.staff("hanyin.reviewer", Role::Reviewer, HANYIN, None)
        .await;
    assert!(
        t.login("hanyin.reviewer", PASSWORD, None)
            .await
            .unwrap()
            .is_ok()
    );
    // A section chief not yet enrolled logs in, but its session holds no deciding role until it
    // enrols with a code of the secret offered.
    let admin = admin(&t).await;
    let head = t.staff("hanyin.head", Role::BureauHead, HANYIN, None).await;
    let new = t
        .create_staff(&admin, &staff("hanyin.chief2", Role::SectionChief))
        .await
        .unwrap();
    let pending = t.pending_grants(&head, HANYIN).await.unwrap();
    t.confirm_grant(&head, pending[0].id).await.unwrap();
    let s = t
        .login("hanyin.chief2", PASSWORD, None)
        .await
        .unwrap()
        .unwrap();
    assert!(s.enrol_second_factor);
    assert!(!s.account.has_role(Role::SectionChief));
    let who = Principal::new(s.account.clone());
    assert!(who.require_in(Operation::Decide, HANYIN).is_err());
    let offered = t.start_totp(&who).await.unwrap();
    assert!(
        offered.uri.starts_with("otpauth://totp/"),
        "{}",
        offered.uri
    );
    assert_invalid(
        t.confirm_totp(&who, "000000x").await,
        "code",
        "动态验证码不正确",
    );
    t.confirm_totp(&who, &code_now(&t, &offered.secret))
        .await
        .unwrap();
    let again = t.session(&s.token).await.unwrap().unwrap();
    assert!(!again.enrol_second_factor);
    assert!(again.account.has_role(Role::SectionChief));
    assert!(t.logged("totp_enrol").await >= 1);
    assert_eq!(
        t.login("hanyin.chief2", PASSWORD, None)
            .await
            .unwrap()
            .unwrap_err(),
        LoginError::TotpRequired
    );
    // The administrator resets it (a lost phone): its sessions end.
    t.reset_totp(&admin, HANYIN, new.id).await.unwrap();
    assert!(t.session(&s.token).await.unwrap().is_none());
}

async fn idle_sessions_end(t: TestApp) {
    t.staff("hanyin.reviewer", Role::Reviewer, HANYIN, None)
        .await;
    t.applicant("11010519491231002X", "王芳").await;
    let now = at("2025-03-03");
    let staff = t
        .login("hanyin.reviewer", PASSWORD, None)
        .await
        .unwrap()
        .unwrap();
    let applicant = t
        .login("11010519491231002X", PASSWORD, None)
        .await
        .unwrap()
        .unwrap();
    // Requests keep a session alive.
    t.set_now(now + Duration::minutes(25));
    assert!(t.session(&staff.token).await.unwrap().is_some());
    t.set_now(now + Duration::minutes(50));
    assert!(t.session(&staff.token).await.unwrap().is_some());
    // Thirty minutes without one end a staff session; an applicant's lasts longer.
    t.set_now(now + Duration::minutes(81));
    assert!(t.session(&staff.token).await.unwrap().is_none(), "idle");
    assert!(t.session(&applicant.token).await.unwrap().is_some());
    t.set_now(now + Duration::minutes(81 + 121));
    assert!(t.session(&applicant.token).await.unwrap().is_none());
}
