//! Approval–supervision separation through the API and the pages of a real server, on both
//! databases: the supervising department's inbox and acknowledgement, the alarm when it is late,
//! findings reported back and seen by the bureau, a revocation that verification shows at once and
//! that is pushed, random inspections published before the draw and re-runnable by anyone — and
//! every denial on the way (other departments, other roles, bad input).

use serde_json::{Value, json};
use yiyin_domain::party::SubjectId;
use yiyin_domain::roles::Role;
use yiyin_store::Backend;
use yiyin_testkit::web::{COMPANY_ID, Desk, HANYIN, approve};
use yiyin_testkit::{Api, PASSWORD, on_both};

on_both!(
    pushes_findings_and_licence_acts,
    random_inspections_are_published_then_drawn,
    the_holder_applies_for_a_change
);

async fn licence_of_case(app: &Api) -> String {
    let holder = SubjectId::parse_any(COMPANY_ID).unwrap();
    app.store
        .licences_of_holder(&holder)
        .await
        .unwrap()
        .first()
        .expect("a licence")
        .identifier
        .clone()
}

/// The kinds of the pushes in an inbox.
fn kinds(inbox: &Value) -> Vec<&str> {
    let pushes = inbox["pushes"].as_array().unwrap();
    pushes.iter().map(|p| p["kind"].as_str().unwrap()).collect()
}

async fn pushes_findings_and_licence_acts(backend: Backend) {
    let app = Api::spawn_sealed(backend, "2025-03-03").await;
    let (_, _, clerk) = app.licensed_case().await;
    let licence = licence_of_case(&app).await;
    let market = app.supervisor("hy.shichang", "shichang").await;
    let env = app.supervisor("hy.huanbao", "huanbao").await;
    app.staff("hy.head", Role::BureauHead, HANYIN).await;
    let inbox_of = |token: &str| {
        let app = &app;
        let token = token.to_string();
        async move { app.by(&token).get("/api/v1/supervision/inbox").await }
    };

    // The decision and the certificate are in the market department's inbox, not in another's.
    let inbox = inbox_of(&market).await.expect(200);
    let pushed = kinds(&inbox);
    assert_eq!(pushed.len(), 2, "{inbox}");
    assert!(pushed.contains(&"approval") && pushed.contains(&"certificate"));
    assert_eq!(inbox["counts"]["unacknowledged"], 2);
    let push_id = inbox["pushes"][0]["id"].as_i64().unwrap();
    let other = inbox_of(&env).await.expect(200);
    assert_eq!(other["pushes"].as_array().unwrap().len(), 0);
    let desk = inbox_of(&clerk).await;
    assert_eq!(desk.status, 403, "a window clerk has no desk");

    // Late: two working days pass without acknowledgement; both sides see the alarm.
    app.clock.set(yiyin_testkit::at("2025-03-10"));
    // Sessions ended overnight: everyone logs in again.
    let logins = [
        "hy.shichang",
        "hy.huanbao",
        "hy.head",
        "hy.chief",
        "hy.clerk",
    ];
    let [market, env, head, chief, clerk] = app.tokens(logins).await;
    let inbox = inbox_of(&market).await.body;
    assert_eq!(inbox["counts"]["overdue"], 2, "{inbox}");
    let overview = "/api/v1/supervision/overview?jurisdiction=";
    let overview = |j: &str| format!("{overview}{j}");
    let view = app.by(&head).get(&overview(HANYIN)).await.expect(200);
    assert_eq!(view["overdue"].as_array().unwrap().len(), 2);
    app.by(&clerk).get(&overview(HANYIN)).await.expect(403);
    let other_county = app.by(&head).get(&overview("ziyang")).await;
    assert_eq!(other_county.status, 403, "another county");

    // Only the supervising department acknowledges.
    let ack = format!("/api/v1/supervision/pushes/{push_id}/acknowledge");
    app.by(&env).post_empty(&ack).await.expect(403);
    let body = app.by(&market).post_empty(&ack).await.expect(200);
    assert!(body["acknowledged_by"].as_str().unwrap().contains("测试"));
    let inbox = inbox_of(&market).await.body;
    assert_eq!(inbox["counts"]["unacknowledged"], 1);

    // Findings come back; the bureau sees them on the licence and the licensee.
    let findings = "/api/v1/supervision/findings";
    let finding = json!({"licence": licence, "kind": "rectification", "summary": "后厨防蝇设施缺失，责令三日内整改"});
    let r = app.by(&env).post(findings, finding.clone()).await;
    assert_eq!(r.status, 403, "not the licence's supervisor: {}", r.body);
    let bad = json!({"licence": licence, "kind": "bad", "summary": "x"});
    app.by(&market)
        .post(findings, bad)
        .await
        .refused(422, "监管结果类型");
    let r = app
        .request("POST", findings, Some(&market), None)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let body: Value = r.json().await.unwrap();
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("不是有效的JSON"), "{body}");
    app.by(&market).post(findings, finding).await.expect(201);
    let licence_view = format!("/api/v1/licences/{licence}");
    let view = app.by(&head).get(&licence_view).await.expect(200);
    assert_eq!(view["findings"].as_array().unwrap().len(), 1);
    assert!(view["may"].as_array().unwrap().contains(&json!("revoke")));
    let r = app.by(&env).get(&licence_view).await;
    assert_eq!(r.status, 403, "another department's supervisor");
    let subject = format!("/api/v1/subjects/{COMPANY_ID}");
    let subject = app.by(&head).get(&subject).await.expect(200);
    assert_eq!(subject["findings"].as_array().unwrap().len(), 1);

    // The licensee's licences a page at a time, newest first: two more licensed.
    let [clerk_token, reviewer, chief_token] =
        app.tokens(["hy.clerk", "hy.reviewer", "hy.chief"]).await;
    let desk = Desk {
        clerk: clerk_token,
        reviewer,
        chief: chief_token,
    };
    for _ in 0..2 {
        let id = app.received(&desk.clerk).await;
        for (token, action) in desk.licensing(approve("符合条件")) {
            app.act(token, id, action).await.expect(200);
        }
    }
    let record = |query: &str| format!("/api/v1/subjects/{COMPANY_ID}?{query}");
    let ids = |v: &Value| -> Vec<i64> {
        let licences = v["licences"].as_array().expect("licences");
        licences.iter().map(|l| l["id"].as_i64().unwrap()).collect()
    };
    let first = app.by(&head).get(&record("limit=2")).await.expect(200);
    let next = first["licences_next"].as_str().expect("a next page");
    let second = app
        .by(&head)
        .get(&record(&format!("limit=2&after={next}")))
        .await
        .expect(200);
    assert!(second["licences_next"].is_null(), "{second}");
    let whole = app.by(&head).get(&record("")).await.expect(200);
    let mut paged = ids(&first);
    paged.extend(ids(&second));
    assert_eq!(paged.len(), 3, "{first} {second}");
    assert_eq!(paged, ids(&whole));
    assert!(
        paged.windows(2).all(|w| w[0] > w[1]),
        "newest first: {paged:?}"
    );
    app.by(&head)
        .get(&record("after=x"))
        .await
        .refused(422, "翻页位置无效");
    app.by(&head)
        .get(&record("limit=0"))
        .await
        .refused(422, "每页条数");
    let html = app
        .page_ok(&head, &format!("/work/subjects/{COMPANY_ID}"))
        .await;
    assert!(!html.contains("rel=\"next\""), "one page: {html}");

    // Revocation: not for supervisors or windows; for the bureau, with its article.
    let acts = format!("/api/v1/licences/{licence}/acts");
    let revoke = json!({"act": "revoke", "ground": "fraud", "reason": "提交虚假的场所证明"});
    for (who, token) in [("supervisor", &market), ("clerk", &clerk)] {
        let r = app.by(token).post(&acts, revoke.clone()).await;
        assert_eq!(r.status, 403, "{who}: {}", r.body);
    }
    let nonsense = json!({"act": "revoke", "ground": "nonsense", "reason": "x"});
    app.by(&chief)
        .post(&acts, nonsense)
        .await
        .refused(422, "第六十九条");
    let body = app.by(&chief).post(&acts, revoke).await.expect(201);
    assert_eq!(body["state"], "done");
    let verify = format!("/api/v1/verify?number={licence}");
    let verdict = app.anonymous().get(&verify).await.expect(200);
    assert_eq!(verdict["valid"], false, "{verdict}");
    assert_eq!(verdict["licence_status"], "已撤销", "{verdict}");
    let inbox = inbox_of(&market).await.body;
    assert!(kinds(&inbox).contains(&"revocation"), "{inbox}");
    // A revoked licence is not revoked again.
    let again = json!({"act": "revoke", "ground": "fraud", "reason": "再次"});
    app.by(&chief).post(&acts, again).await.expect(422);

    // The departments' systems: the head sets them; bad addresses and other roles are refused.
    let hooks = "/api/v1/supervision/webhooks";
    let hook = |url: &str| json!({"jurisdiction": HANYIN, "department": "shichang", "url": url});
    for (token, url, status) in [
        (&market, "http://127.0.0.1:9/", 403),
        (&head, "ftp://x", 422),
        (&head, "http://127.0.0.1:9/yiyin", 204),
    ] {
        app.by(token).put(hooks, hook(url)).await.expect(status);
    }
    let replay = format!("/api/v1/supervision/pushes/{push_id}/replay");
    let r = app.by(&head).post_empty(&replay).await;
    assert_eq!(r.status, 422, "only dead letters are replayed: {}", r.body);

    // The pages: the desk for the supervisor only, the bureau's view for the head.
    for (token, path, status, shows) in [
        (&market, "/supervision?all=1", 200, &["撤销", "已签收"][..]),
        (&clerk, "/supervision", 403, &[]),
        (&head, "/work/supervision", 200, &["后厨防蝇设施缺失"]),
        (&market, "/work/supervision", 403, &[]),
    ] {
        let (s, html) = app.page_text(token, path).await;
        assert_eq!(s, status, "{path}");
        for phrase in shows {
            assert!(html.contains(phrase), "{phrase}: {html}");
        }
    }
    app.stop().await;
}

async fn random_inspections_are_published_then_drawn(backend: Backend) {
    let app = Api::spawn_sealed(backend, "2025-03-03").await;
    app.licensed_case().await;
    let licence = licence_of_case(&app).await;
    let a = app.supervisor("hy.sc1", "shichang").await;
    for login in ["hy.sc2", "hy.sc3"] {
        app.supervisor(login, "shichang").await;
    }
    let clerk = app.token("hy.clerk", PASSWORD).await;
    let risk = format!("/api/v1/licences/{licence}/risk");
    app.by(&clerk)
        .put(&risk, json!({"risk": "high"}))
        .await
        .expect(403);
    app.by(&a)
        .put(&risk, json!({"risk": "high"}))
        .await
        .expect(204);
    let tie = json!({"inspector": "hy.sc2", "holder_id": COMPANY_ID, "reason": "亲属在该公司任职"});
    app.by(&a)
        .post("/api/v1/inspections/ties", tie)
        .await
        .expect(204);
    let plan = json!({"title": "2025年一季度食品经营随机抽查", "risk": "high", "target_count": 1, "per_target": 2});
    let plans = "/api/v1/inspections";
    app.by(&clerk).post(plans, plan.clone()).await.expect(403);
    let empty = json!({"title": "x", "target_count": 0});
    app.by(&a).post(plans, empty).await.expect(422);
    let published = app.by(&a).post(plans, plan).await.expect(201);
    let id = published["id"].as_i64().unwrap();
    assert!(published["result"].is_null(), "published before the draw");
    // The public sees the pools and their digest before the draw; nobody knows the seed yet.
    assert_eq!(published["seed"], "");
    let digest = published["pools_digest"].as_str().unwrap().to_string();
    let (_, html) = app.get_text("/inspections").await;
    assert!(
        html.contains(&digest) && html.contains("待计划公布后"),
        "{html}"
    );
    // One open plan per department and item.
    let second = json!({"title": "重复计划", "risk": "high", "target_count": 1, "per_target": 2});
    app.by(&a).post(plans, second).await.refused(409, "未抽取");
    // The draw waits for the first chain head signed after the publication, which gives the seed.
    let draw = format!("/api/v1/inspections/{id}/draw");
    app.by(&a)
        .post_empty(&draw)
        .await
        .refused(422, "链头尚未产生");
    app.clock.set(yiyin_testkit::at("2025-03-04"));
    let head = app
        .app
        .publish_head()
        .await
        .unwrap()
        .expect("the day's head");
    // A day later: sessions are signed in afresh.
    let a = app.token("hy.sc1", PASSWORD).await;
    let clerk = app.token("hy.clerk", PASSWORD).await;
    let drawn = app.by(&a).post_empty(&draw).await.expect(200);
    assert_eq!(drawn["seed_source"]["hash"], head.hash.as_str());
    let seed = drawn["seed"].as_str().unwrap().to_string();
    let (_, html) = app.get_text("/inspections").await;
    assert!(html.contains(&seed) && html.contains(&head.hash), "{html}");
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
    let public = app.anonymous().get(&format!("{plans}/{id}")).await.body;
    let text = public.to_string();
    assert!(
        !text.contains(COMPANY_ID) && !text.contains("hy.sc") && !text.contains("亲属"),
        "no ID numbers, accounts or reasons of ties in public: {text}"
    );
    let input: yiyin_domain::inspection::DrawInput =
        serde_json::from_value(public["input"].clone()).unwrap();
    let again = yiyin_domain::inspection::draw(&input).unwrap();
    assert_eq!(serde_json::to_value(&again).unwrap(), public["result"]);
    let r = app.by(&a).post_empty(&draw).await;
    assert_eq!(r.status, 422, "drawn once");
    let result = json!({"licence": licence, "kind": "compliant", "summary": "证照齐全，现场整洁"});
    let results = format!("{plans}/{id}/results");
    app.by(&a).post(&results, result).await.expect(200);
    let (_, html) = app.get_text("/inspections").await;
    assert!(html.contains("证照齐全，现场整洁"), "{html}");
    // A plan cancelled before its draw stays public with its reason.
    let next = json!({"title": "2025年二季度食品经营随机抽查", "risk": "high", "target_count": 1, "per_target": 2});
    let next = app.by(&a).post(plans, next).await.expect(201);
    let cancel = format!("{plans}/{}/cancel", next["id"]);
    app.by(&clerk)
        .post(&cancel, json!({"reason": "x"}))
        .await
        .expect(403);
    app.by(&a)
        .post(&cancel, json!({"reason": "名录有误，重新公布"}))
        .await
        .expect(200);
    let (_, html) = app.get_text("/inspections").await;
    assert!(html.contains("名录有误，重新公布"), "{html}");
    assert!(html.contains("共 2 项抽查计划"), "{html}");
    // The public list pages: the count in `X-Total-Count`, the next page in `Link`.
    let first = app.list_page(None, &format!("{plans}?limit=1")).await;
    assert_eq!(
        (first.ids(), first.total()),
        (vec![next["id"].as_i64().unwrap()], Some(2))
    );
    let last = app.list_page(None, &first.next.expect("a next page")).await;
    assert_eq!(
        (last.ids(), last.total(), last.next),
        (vec![id], Some(2), None)
    );
    app.anonymous()
        .get(&format!("{plans}?after=x"))
        .await
        .refused(422, "翻页位置无效");
    app.stop().await;
}

async fn the_holder_applies_for_a_change(backend: Backend) {
    let app = Api::spawn_sealed(backend, "2025-03-03").await;
    let me = app.company().await;
    let other = app.other_company().await;
    app.licensed_case_filed_by(Some(&me)).await;
    let licence = licence_of_case(&app).await;
    let chief = app.token("hy.chief", PASSWORD).await;

    // The holder sees the licence among their own, and may apply; another applicant may not.
    let (s, mine) = app.page_text(&me, "/my/licences").await;
    assert_eq!(s, 200);
    assert!(mine.contains(&licence));
    let licence_view = format!("/api/v1/licences/{licence}");
    let view = app.by(&me).get(&licence_view).await.expect(200);
    let may = view["may"].as_array().unwrap();
    assert!(may.contains(&json!("apply_change")));
    assert!(!may.contains(&json!("revoke")));
    app.by(&other).get(&licence_view).await.expect(403);
    let acts = format!("{licence_view}/acts");
    let change = json!({"act": "apply_change", "changes": "经营场所由城关镇东大街12号变更为城关镇东大街18号"});
    app.by(&other).post(&acts, change.clone()).await.expect(403);
    let blank = json!({"act": "apply_change", "changes": " "});
    app.by(&me).post(&acts, blank).await.expect(422);
    let revoke = json!({"act": "revoke", "ground": "fraud", "reason": "x"});
    let r = app.by(&me).post(&acts, revoke).await;
    assert_eq!(r.status, 403, "the holder does not revoke: {}", r.body);
    let act = app.by(&me).post(&acts, change).await.expect(201);
    assert_eq!(act["state"], "pending");
    let decide = format!("/api/v1/licence-acts/{}/decision", act["id"]);
    let r = app.by(&me).post(&decide, json!({"grant": true})).await;
    assert_eq!(r.status, 403, "the holder does not decide");
    let granted = json!({"grant": true, "reason": "符合法定条件"});
    let decided = app.by(&chief).post(&decide, granted).await.expect(200);
    assert_eq!(decided["state"], "granted");
    let new = decided["new_licence"].as_str().unwrap().to_string();
    assert_ne!(new, licence);
    let verify = |number: &str| format!("/api/v1/verify?number={number}");
    let old = app.anonymous().get(&verify(&licence)).await.body;
    assert_eq!(old["licence_status"], "已变更", "{old}");
    let fresh = app.anonymous().get(&verify(&new)).await.body;
    assert_eq!(fresh["valid"], true, "{fresh}");
    // The holder's licences a page at a time, every version newest first: the new one, then the
    // one it changed; another applicant has none.
    let first = app
        .list_page(Some(&me), "/api/v1/my/licences?limit=1")
        .await;
    assert_eq!(first.total(), Some(2), "{:?}", first.items);
    assert_eq!(first.items[0]["identifier"], new.as_str());
    let next = first.next.expect("a next page");
    assert!(next.contains("limit=1"), "{next}");
    let last = app.list_page(Some(&me), &next).await;
    assert_eq!((last.items.len(), last.next), (1, None));
    assert_eq!(last.items[0]["identifier"], licence.as_str());
    let none = app.list_page(Some(&other), "/api/v1/my/licences").await;
    assert_eq!((none.items.len(), none.total()), (0, Some(0)));
    app.by(&me)
        .get("/api/v1/my/licences?limit=0")
        .await
        .refused(422, "1 至 200");
    let (_, mine) = app.page_text(&me, "/my/licences").await;
    assert!(mine.contains("共 2 张证照"), "{mine}");
    app.stop().await;
}
