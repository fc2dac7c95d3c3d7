//! Approval–supervision separation through the API and the pages of a real server, on both
//! databases: the supervising department's inbox and acknowledgement, the alarm when it is late,
//! findings reported back and seen by the bureau, a revocation that verification shows at once and
//! that is pushed, random inspections published before the draw and re-runnable by anyone — and
//! every denial on the way (other departments, other roles, bad input).

mod common;

use common::{App, licensed_case, licensed_case_filed_by};
use serde_json::{Value, json};
use yiyin_domain::party::SubjectId;
use yiyin_domain::roles::Role;
use yiyin_store::Backend;
use yiyin_testkit::on_both;

on_both!(
    pushes_findings_and_licence_acts,
    random_inspections_are_published_then_drawn,
    the_holder_applies_for_a_change
);

async fn licence_of_case(app: &App) -> String {
    let holder = SubjectId::parse_any("91350100M000100Y43").unwrap();
    app.store
        .licences_of_holder(&holder)
        .await
        .unwrap()
        .first()
        .expect("a licence")
        .identifier
        .clone()
}

async fn pushes_findings_and_licence_acts(backend: Backend) {
    let app = App::spawn_sealed(backend, "2025-03-03").await;
    let (_, _, clerk) = licensed_case(&app).await;
    let licence = licence_of_case(&app).await;
    let market = app
        .staff(
            "hy.shichang",
            Role::DepartmentSupervisor,
            "hanyin",
            Some("shichang"),
        )
        .await;
    let env = app
        .staff(
            "hy.huanbao",
            Role::DepartmentSupervisor,
            "hanyin",
            Some("huanbao"),
        )
        .await;
    app.staff("hy.head", Role::BureauHead, "hanyin", None).await;

    // The decision and the certificate are in the market department's inbox, not in another's.
    let (s, inbox) = app
        .call("GET", "/api/v1/supervision/inbox", Some(&market), None)
        .await;
    assert_eq!(s, 200, "{inbox}");
    let kinds: Vec<&str> = inbox["pushes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.len(), 2, "{inbox}");
    assert!(kinds.contains(&"approval") && kinds.contains(&"certificate"));
    assert_eq!(inbox["counts"]["unacknowledged"], 2);
    let push_id = inbox["pushes"][0]["id"].as_i64().unwrap();
    let (s, other) = app
        .call("GET", "/api/v1/supervision/inbox", Some(&env), None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(other["pushes"].as_array().unwrap().len(), 0);
    let (s, _) = app
        .call("GET", "/api/v1/supervision/inbox", Some(&clerk), None)
        .await;
    assert_eq!(s, 403, "a window clerk has no desk");

    // Late: two working days pass without acknowledgement; both sides see the alarm.
    app.clock.set(yiyin_testkit::at("2025-03-10"));
    // Sessions ended overnight: everyone logs in again.
    let [market, env, head, chief, clerk] = [
        "hy.shichang",
        "hy.huanbao",
        "hy.head",
        "hy.chief",
        "hy.clerk",
    ]
    .map(|login| {
        let app = &app;
        async move { app.token(login, "ceshi2025").await }
    });
    let (market, env, head, chief, clerk) = (
        market.await,
        env.await,
        head.await,
        chief.await,
        clerk.await,
    );
    let (_, inbox) = app
        .call("GET", "/api/v1/supervision/inbox", Some(&market), None)
        .await;
    assert_eq!(inbox["counts"]["overdue"], 2, "{inbox}");
    let (s, overview) = app
        .call(
            "GET",
            "/api/v1/supervision/overview?jurisdiction=hanyin",
            Some(&head),
            None,
        )
        .await;
    assert_eq!(s, 200, "{overview}");
    assert_eq!(overview["overdue"].as_array().unwrap().len(), 2);
    let (s, _) = app
        .call(
            "GET",
            "/api/v1/supervision/overview?jurisdiction=hanyin",
            Some(&clerk),
            None,
        )
        .await;
    assert_eq!(s, 403);
    let (s, _) = app
        .call(
            "GET",
            "/api/v1/supervision/overview?jurisdiction=ziyang",
            Some(&head),
            None,
        )
        .await;
    assert_eq!(s, 403, "another county");

    // Only the supervising department acknowledges.
    let ack = format!("/api/v1/supervision/pushes/{push_id}/acknowledge");
    let (s, body) = app.call("POST", &ack, Some(&env), None).await;
    assert_eq!(s, 403, "{body}");
    let (s, body) = app.call("POST", &ack, Some(&market), None).await;
    assert_eq!(s, 200, "{body}");
    assert!(body["acknowledged_by"].as_str().unwrap().contains("测试"));
    let (_, inbox) = app
        .call("GET", "/api/v1/supervision/inbox", Some(&market), None)
        .await;
    assert_eq!(inbox["counts"]["unacknowledged"], 1);

    // Findings come back; the bureau sees them on the licence and the licensee.
    let finding = json!({"licence": licence, "kind": "rectification", "summary": "后厨防蝇设施缺失，责令三日内整改"});
    let (s, body) = app
        .call(
            "POST",
            "/api/v1/supervision/findings",
            Some(&env),
            Some(finding.clone()),
        )
        .await;
    assert_eq!(s, 403, "not the licence's supervisor: {body}");
    let (s, body) = app
        .call(
            "POST",
            "/api/v1/supervision/findings",
            Some(&market),
            Some(json!({"licence": licence, "kind": "bad", "summary": "x"})),
        )
        .await;
    assert_eq!(s, 422);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("监管结果类型")
    );
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/supervision/findings"))
        .bearer_auth(&market)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("不是有效的JSON"),
        "{body}"
    );
    let (s, body) = app
        .call(
            "POST",
            "/api/v1/supervision/findings",
            Some(&market),
            Some(finding),
        )
        .await;
    assert_eq!(s, 201, "{body}");
    let (s, view) = app
        .call(
            "GET",
            &format!("/api/v1/licences/{licence}"),
            Some(&head),
            None,
        )
        .await;
    assert_eq!(s, 200, "{view}");
    assert_eq!(view["findings"].as_array().unwrap().len(), 1);
    assert!(view["may"].as_array().unwrap().contains(&json!("revoke")));
    let (s, _) = app
        .call(
            "GET",
            &format!("/api/v1/licences/{licence}"),
            Some(&env),
            None,
        )
        .await;
    assert_eq!(s, 403, "another department's supervisor");
    let (s, subject) = app
        .call(
            "GET",
            "/api/v1/subjects/91350100M000100Y43",
            Some(&head),
            None,
        )
        .await;
    assert_eq!(s, 200, "{subject}");
    assert_eq!(subject["findings"].as_array().unwrap().len(), 1);

    // Revocation: not for supervisors or windows; for the bureau, with its article.
    let revoke = json!({"act": "revoke", "ground": "fraud", "reason": "提交虚假的场所证明"});
    for (who, token) in [("supervisor", &market), ("clerk", &clerk)] {
        let (s, body) = app
            .call(
                "POST",
                &format!("/api/v1/licences/{licence}/acts"),
                Some(token),
                Some(revoke.clone()),
            )
            .await;
        assert_eq!(s, 403, "{who}: {body}");
    }
    let (s, body) = app
        .call(
            "POST",
            &format!("/api/v1/licences/{licence}/acts"),
            Some(&chief),
            Some(json!({"act": "revoke", "ground": "nonsense", "reason": "x"})),
        )
        .await;
    assert_eq!(s, 422);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("第六十九条")
    );
    let (s, body) = app
        .call(
            "POST",
            &format!("/api/v1/licences/{licence}/acts"),
            Some(&chief),
            Some(revoke),
        )
        .await;
    assert_eq!(s, 201, "{body}");
    assert_eq!(body["state"], "done");
    let (s, verdict) = app
        .call(
            "GET",
            &format!("/api/v1/verify?number={licence}"),
            None,
            None,
        )
        .await;
    assert_eq!(s, 200, "{verdict}");
    assert_eq!(verdict["valid"], false, "{verdict}");
    assert_eq!(verdict["licence_status"], "已撤销", "{verdict}");
    let (_, inbox) = app
        .call("GET", "/api/v1/supervision/inbox", Some(&market), None)
        .await;
    assert!(
        inbox["pushes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["kind"] == "revocation"),
        "{inbox}"
    );
    // A revoked licence is not revoked again.
    let (s, body) = app
        .call(
            "POST",
            &format!("/api/v1/licences/{licence}/acts"),
            Some(&chief),
            Some(json!({"act": "revoke", "ground": "fraud", "reason": "再次"})),
        )
        .await;
    assert_eq!(s, 422, "{body}");

    // The departments' systems: the head sets them; bad addresses and other roles are refused.
    let hook = |url: &str| json!({"jurisdiction": "hanyin", "department": "shichang", "url": url});
    let (s, _) = app
        .call(
            "PUT",
            "/api/v1/supervision/webhooks",
            Some(&market),
            Some(hook("http://127.0.0.1:9/")),
        )
        .await;
    assert_eq!(s, 403);
    let (s, body) = app
        .call(
            "PUT",
            "/api/v1/supervision/webhooks",
            Some(&head),
            Some(hook("ftp://x")),
        )
        .await;
    assert_eq!(s, 422, "{body}");
    let (s, body) = app
        .call(
            "PUT",
            "/api/v1/supervision/webhooks",
            Some(&head),
            Some(hook("http://127.0.0.1:9/yiyin")),
        )
        .await;
    assert_eq!(s, 204, "{body}");
    let (s, body) = app
        .call(
            "POST",
            &format!("/api/v1/supervision/pushes/{push_id}/replay"),
            Some(&head),
            None,
        )
        .await;
    assert_eq!(s, 422, "only dead letters are replayed: {body}");

    // The pages: the desk for the supervisor only, the bureau's view for the head.
    let page = |token: String, path: &'static str| {
        let app = &app;
        async move {
            let r = reqwest::Client::new()
                .get(app.url(path))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let (s, html) = page(market.clone(), "/supervision?all=1").await;
    assert_eq!(s, 200);
    assert!(html.contains("撤销") && html.contains("已签收"), "{html}");
    let (s, _) = page(clerk.clone(), "/supervision").await;
    assert_eq!(s, 403);
    let (s, html) = page(head.clone(), "/work/supervision").await;
    assert_eq!(s, 200);
    assert!(html.contains("后厨防蝇设施缺失"), "{html}");
    let (s, _) = page(market.clone(), "/work/supervision").await;
    assert_eq!(s, 403);
    app.stop().await;
}

async fn random_inspections_are_published_then_drawn(backend: Backend) {
    let app = App::spawn_sealed(backend, "2025-03-03").await;
    licensed_case(&app).await;
    let licence = licence_of_case(&app).await;
    let a = app
        .staff(
            "hy.sc1",
            Role::DepartmentSupervisor,
            "hanyin",
            Some("shichang"),
        )
        .await;
    app.staff(
        "hy.sc2",
        Role::DepartmentSupervisor,
        "hanyin",
        Some("shichang"),
    )
    .await;
    app.staff(
        "hy.sc3",
        Role::DepartmentSupervisor,
        "hanyin",
        Some("shichang"),
    )
    .await;
    let clerk = app.token("hy.clerk", "ceshi2025").await;
    let (s, _) = app
        .call(
            "PUT",
            &format!("/api/v1/licences/{licence}/risk"),
            Some(&clerk),
            Some(json!({"risk": "high"})),
        )
        .await;
    assert_eq!(s, 403);
    let (s, body) = app
        .call(
            "PUT",
            &format!("/api/v1/licences/{licence}/risk"),
            Some(&a),
            Some(json!({"risk": "high"})),
        )
        .await;
    assert_eq!(s, 204, "{body}");
    let (s, _) = app
        .call(
            "POST",
            "/api/v1/inspections/ties",
            Some(&a),
            Some(json!({"inspector": "hy.sc2", "holder_id": "91350100M000100Y43", "reason": "亲属在该公司任职"})),
        )
        .await;
    assert_eq!(s, 204);
    let plan = json!({"title": "2025年一季度食品经营随机抽查", "risk": "high", "target_count": 1, "per_target": 2});
    let (s, _) = app
        .call(
            "POST",
            "/api/v1/inspections",
            Some(&clerk),
            Some(plan.clone()),
        )
        .await;
    assert_eq!(s, 403);
    let (s, body) = app
        .call(
            "POST",
            "/api/v1/inspections",
            Some(&a),
            Some(json!({"title": "x", "target_count": 0})),
        )
        .await;
    assert_eq!(s, 422, "{body}");
    let (s, published) = app
        .call("POST", "/api/v1/inspections", Some(&a), Some(plan))
        .await;
    assert_eq!(s, 201, "{published}");
    let id = published["id"].as_i64().unwrap();
    assert!(published["result"].is_null(), "published before the draw");
    let seed = published["seed"].as_str().unwrap().to_string();
    // The public sees the seed and the pools before the draw.
    let html = reqwest::get(app.url("/inspections"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(&seed));
    let (s, drawn) = app
        .call(
            "POST",
            &format!("/api/v1/inspections/{id}/draw"),
            Some(&a),
            None,
        )
        .await;
    assert_eq!(s, 200, "{drawn}");
    let picks = drawn["result"]["picks"].as_array().unwrap();
    assert_eq!(picks.len(), 1);
    let inspectors: Vec<&str> = picks[0]["inspectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert!(
        !inspectors.contains(&"hy.sc2"),
        "the tied inspector recuses"
    );
    // Anyone re-runs the draw from what was published and gets the same result.
    let (_, public) = app
        .call("GET", &format!("/api/v1/inspections/{id}"), None, None)
        .await;
    let text = public.to_string();
    assert!(
        !text.contains("91350100M000100Y43") && !text.contains("hy.sc") && !text.contains("亲属"),
        "no ID numbers, accounts or reasons of ties in public: {text}"
    );
    let input: yiyin_domain::inspection::DrawInput =
        serde_json::from_value(public["input"].clone()).unwrap();
    let again = yiyin_domain::inspection::draw(&input).unwrap();
    assert_eq!(serde_json::to_value(&again).unwrap(), public["result"]);
    let (s, _) = app
        .call(
            "POST",
            &format!("/api/v1/inspections/{id}/draw"),
            Some(&a),
            None,
        )
        .await;
    assert_eq!(s, 422, "drawn once");
    let (s, body) = app
        .call(
            "POST",
            &format!("/api/v1/inspections/{id}/results"),
            Some(&a),
            Some(json!({"licence": licence, "kind": "compliant", "summary": "证照齐全，现场整洁"})),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    let html = reqwest::get(app.url("/inspections"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("证照齐全，现场整洁"), "{html}");
    app.stop().await;
}

async fn the_holder_applies_for_a_change(backend: Backend) {
    let app = App::spawn_sealed(backend, "2025-03-03").await;
    let register = |name: &str, id: &str, password: &str| json!({"kind": "organisation", "name": name, "id_number": id, "phone": "13912345678", "password": password});
    let (s, _) = app
        .call(
            "POST",
            "/api/v1/applicants",
            None,
            Some(register(
                "汉阴县月河餐饮有限公司",
                "91350100M000100Y43",
                "yuehe2025a",
            )),
        )
        .await;
    assert_eq!(s, 201);
    let me = app.token("91350100M000100Y43", "yuehe2025a").await;
    app.call(
        "POST",
        "/api/v1/applicants",
        None,
        Some(register("某公司", "916100002205253740", "gongsi2025a")),
    )
    .await;
    let other = app.token("916100002205253740", "gongsi2025a").await;
    licensed_case_filed_by(&app, Some(&me)).await;
    let licence = licence_of_case(&app).await;
    let chief = app.token("hy.chief", "ceshi2025").await;

    // The holder sees the licence among their own, and may apply; another applicant may not.
    let r = reqwest::Client::new()
        .get(app.url("/my/licences"))
        .bearer_auth(&me)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.text().await.unwrap().contains(&licence));
    let (s, view) = app
        .call(
            "GET",
            &format!("/api/v1/licences/{licence}"),
            Some(&me),
            None,
        )
        .await;
    assert_eq!(s, 200, "{view}");
    assert!(
        view["may"]
            .as_array()
            .unwrap()
            .contains(&json!("apply_change"))
    );
    assert!(!view["may"].as_array().unwrap().contains(&json!("revoke")));
    let (s, _) = app
        .call(
            "GET",
            &format!("/api/v1/licences/{licence}"),
            Some(&other),
            None,
        )
        .await;
    assert_eq!(s, 403);
    let acts = format!("/api/v1/licences/{licence}/acts");
    let change = json!({"act": "apply_change", "changes": "经营场所由城关镇东大街12号变更为城关镇东大街18号"});
    let (s, _) = app
        .call("POST", &acts, Some(&other), Some(change.clone()))
        .await;
    assert_eq!(s, 403);
    let (s, body) = app
        .call(
            "POST",
            &acts,
            Some(&me),
            Some(json!({"act": "apply_change", "changes": " "})),
        )
        .await;
    assert_eq!(s, 422, "{body}");
    let (s, body) = app
        .call(
            "POST",
            &acts,
            Some(&me),
            Some(json!({"act": "revoke", "ground": "fraud", "reason": "x"})),
        )
        .await;
    assert_eq!(s, 403, "the holder does not revoke: {body}");
    let (s, act) = app.call("POST", &acts, Some(&me), Some(change)).await;
    assert_eq!(s, 201, "{act}");
    assert_eq!(act["state"], "pending");
    let decide = format!("/api/v1/licence-acts/{}/decision", act["id"]);
    let (s, _) = app
        .call("POST", &decide, Some(&me), Some(json!({"grant": true})))
        .await;
    assert_eq!(s, 403, "the holder does not decide");
    let (s, decided) = app
        .call(
            "POST",
            &decide,
            Some(&chief),
            Some(json!({"grant": true, "reason": "符合法定条件"})),
        )
        .await;
    assert_eq!(s, 200, "{decided}");
    assert_eq!(decided["state"], "granted");
    let new = decided["new_licence"].as_str().unwrap().to_string();
    assert_ne!(new, licence);
    let (_, old) = app
        .call(
            "GET",
            &format!("/api/v1/verify?number={licence}"),
            None,
            None,
        )
        .await;
    assert_eq!(old["licence_status"], "已变更", "{old}");
    let (_, fresh) = app
        .call("GET", &format!("/api/v1/verify?number={new}"), None, None)
        .await;
    assert_eq!(fresh["valid"], true, "{fresh}");
    app.stop().await;
}
