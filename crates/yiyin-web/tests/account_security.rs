//! Authentication strength and user management through the API and the pages, on both databases:
//! the login's second factor (401 `totp_required`, a wrong code refused, the right one accepted),
//! enrolment, logging out everywhere, the password policy on a password change, and the bureau
//! head confirming an administrator's grant of a deciding role on the users page.

use serde_json::{Value, json};
use yiyin_domain::roles::Role;
use yiyin_store::Backend;
use yiyin_testkit::web::HANYIN;
use yiyin_testkit::{Api, PASSWORD, TOTP_SECRET, on_both};

on_both!(
    the_login_asks_for_the_second_factor,
    logging_out_everywhere_and_changing_the_password,
    the_head_confirms_grants_on_the_users_page,
);

fn code(app: &Api, secret: &str) -> String {
    app.totp_code(secret)
}

async fn login(app: &Api, login: &str, totp: Option<&str>) -> (u16, Value) {
    let mut body = json!({"login": login, "password": PASSWORD});
    if let Some(t) = totp {
        body["totp"] = json!(t);
    }
    let r = app.anonymous().post("/api/v1/session", body).await;
    (r.status, r.body)
}

async fn the_login_asks_for_the_second_factor(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    app.staff("hy.chief", Role::SectionChief, HANYIN).await;
    let (status, body) = login(&app, "hy.chief", None).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"]["code"], "totp_required", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("动态验证码")
    );
    let right = code(&app, TOTP_SECRET);
    let wrong = if right == "123456" {
        "654321"
    } else {
        "123456"
    };
    let (status, body) = login(&app, "hy.chief", Some(wrong)).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("动态验证码错误")
    );
    let (status, body) = login(&app, "hy.chief", Some(&right)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["enrol_second_factor"], false);
    // A code opens one session only (RFC 6238 5.2): replayed, it is refused in Chinese.
    let (status, body) = login(&app, "hy.chief", Some(&right)).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("该动态验证码已使用过"),
        "{body}"
    );
    assert_eq!(
        login(&app, "hy.chief", Some(&code(&app, TOTP_SECRET)))
            .await
            .0,
        200
    );
    // An administrator made without a second factor enrols through the API; until then its
    // session carries no administrative role.
    app.staff("hy.admin", Role::SystemAdmin, HANYIN).await;
    let admin = app.principal("hy.admin").await;
    app.app
        .reset_totp(&admin, HANYIN, admin.account.id)
        .await
        .unwrap();
    let (status, body) = login(&app, "hy.admin", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["enrol_second_factor"], true);
    let token = body["token"].as_str().unwrap().to_string();
    let (status, _) = app.page_text(&token, "/admin/users/hanyin").await;
    assert_eq!(status, 403, "no administrative role before enrolment");
    let offered = app
        .by(&token)
        .post_empty("/api/v1/me/totp")
        .await
        .expect(200);
    let secret = offered["secret"].as_str().unwrap().to_string();
    assert!(
        offered["uri"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/")
    );
    app.by(&token)
        .put("/api/v1/me/totp", json!({"code": "000000x"}))
        .await
        .refused(422, "动态验证码不正确");
    let r = app
        .by(&token)
        .put("/api/v1/me/totp", json!({"code": code(&app, &secret)}))
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let (status, _) = app.page_text(&token, "/admin/users/hanyin").await;
    assert_eq!(status, 200, "the role opens once enrolled");
    let (status, _) = login(&app, "hy.admin", Some(&code(&app, &secret))).await;
    assert_eq!(status, 200);
    app.stop().await;
}

async fn logging_out_everywhere_and_changing_the_password(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    let first = app.staff("hy.reviewer", Role::Reviewer, HANYIN).await;
    let second = app.token("hy.reviewer", PASSWORD).await;
    app.by(&first).get("/api/v1/me").await.expect(200);
    let r = app
        .send("DELETE", "/api/v1/me/sessions", Some(&first), None)
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    app.by(&first).get("/api/v1/me").await.expect(401);
    app.by(&second).get("/api/v1/me").await.expect(401);
    assert!(
        app.app
            .store
            .events_from(1, 1000)
            .await
            .unwrap()
            .iter()
            .any(|e| e.action == "sessions_end")
    );
    let token = app.token("hy.reviewer", PASSWORD).await;
    app.by(&token)
        .put(
            "/api/v1/me/password",
            json!({"old_password": PASSWORD, "new_password": "hy.reviewer2025!"}),
        )
        .await
        .refused(422, "不得包含登录名");
    app.by(&token)
        .put(
            "/api/v1/me/password",
            json!({"old_password": PASSWORD, "new_password": "Admin@123"}),
        )
        .await
        .refused(422, "常见弱密码");
    let r = app
        .by(&token)
        .put(
            "/api/v1/me/password",
            json!({"old_password": PASSWORD, "new_password": "Xin-Mima-2025"}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    app.by(&token).get("/api/v1/me").await.expect(401);
    app.token("hy.reviewer", "Xin-Mima-2025").await;
    app.stop().await;
}

async fn the_head_confirms_grants_on_the_users_page(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    app.staff("hy.admin", Role::SystemAdmin, HANYIN).await;
    app.staff("hy.head", Role::BureauHead, HANYIN).await;
    let admin = app.principal("hy.admin").await;
    let made = app
        .app
        .create_staff(
            &admin,
            &yiyin_app::accounts::NewStaff {
                login: "hy.chief2".into(),
                name: "新科长".into(),
                password: PASSWORD.into(),
                grants: vec![yiyin_testkit::app::grant(Role::SectionChief, HANYIN, None)],
            },
        )
        .await
        .unwrap();
    // The administrator sees the grant waiting; the head sees it with a confirm button.
    let (_, admin_session) = login(&app, "hy.admin", Some(&code(&app, TOTP_SECRET))).await;
    let admin_token = admin_session["token"].as_str().unwrap();
    let (status, page) = app.page_text(admin_token, "/admin/users/hanyin").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("待确认的岗位授权") && page.contains("待局长确认"),
        "{page}"
    );
    assert!(!page.contains("确认授权</button>") && !page.contains("拒绝</button>"));
    let (_, head_session) = login(&app, "hy.head", Some(&code(&app, TOTP_SECRET))).await;
    let head_token = head_session["token"].as_str().unwrap();
    let csrf = head_session["csrf_token"].as_str().unwrap();
    let (status, page) = app.page_text(head_token, "/admin/users/hanyin").await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("确认授权</button>") && page.contains("拒绝</button>"),
        "{page}"
    );
    assert!(
        !page.contains("创建账号"),
        "the head does not manage accounts"
    );
    let (status, index) = app.page_text(head_token, "/admin").await;
    assert_eq!(status, 200);
    assert!(
        index.contains("/admin/users/hanyin") && !index.contains("节假日数据"),
        "{index}"
    );
    let pending = app.app.store.pending_grants_in(HANYIN).await.unwrap();
    let r = app
        .plain
        .post(app.url(&format!("/admin/users/hanyin/{}", made.id)))
        .bearer_auth(head_token)
        .form(&[
            ("csrf", csrf.to_string()),
            ("op", "confirm".into()),
            ("pending", pending[0].id.to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "{}",
        r.status()
    );
    let chief = app.principal("hy.chief2").await;
    assert!(chief.account.has_role(Role::SectionChief));
    assert!(
        app.app
            .store
            .pending_grants_in(HANYIN)
            .await
            .unwrap()
            .is_empty()
    );
    app.stop().await;
}
