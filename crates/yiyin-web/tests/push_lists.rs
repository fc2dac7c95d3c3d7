//! Pushes named, acknowledged by key, listed page by page, delivered per department — on both
//! databases: the signed body names the push by its key and its id; a department's system
//! acknowledges by key (its own pushes only; unknown keys reported and nothing done with them; a
//! second acknowledgement changes nothing; the same audited act as on the desk); the desk's and
//! the bureau's lists page with counts that match what can be listed (overdue ones too, and the
//! findings); and a
//! department whose system hangs delays no other department's deliveries, in this round or the
//! next.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use serde_json::{Value, json};
use yiyin_app::delivery::Deliveries;
use yiyin_app::supervision::WebhookInput;
use yiyin_domain::roles::Role;
use yiyin_domain::supervision::{PushKind, PushStatus};
use yiyin_store::Backend;
use yiyin_store::pushes::NewPush;
use yiyin_testkit::web::deny;
use yiyin_testkit::{Api, on_both};

on_both!(
    pushes_are_acknowledged_by_key,
    push_lists_page_with_counts_that_match,
    a_hung_department_delays_no_other
);

const JURISDICTION: &str = "hanyin";
/// The supervising department of HY-SC-001 in the fixture catalog.
const DEPARTMENT: &str = "shichang";
const ACKNOWLEDGE: &str = "/api/v1/supervision/pushes/acknowledge";

/// Denied applications, one push each to the department (no system: delivered to its desk);
/// returns each push as (case id, key, push id).
async fn denied(app: &Api, n: usize) -> Vec<(i64, String, i64)> {
    let desk = app.desk().await;
    let mut out = Vec::new();
    for i in 0..n {
        let id = app.branch_case(&desk.clerk, i).await;
        for (token, body) in desk.deciding(deny("经营场所不符合食品安全要求")) {
            app.act(token, id, body).await.expect(200);
        }
        for p in app.store.pushes_about(id).await.unwrap() {
            // The signed body names the push: its key and its id.
            let body: Value = serde_json::from_str(&p.payload).unwrap();
            assert_eq!(body["idempotency_key"], p.idempotency_key.as_str());
            assert_eq!(body["push_id"], p.id, "{body}");
            out.push((id, p.idempotency_key, p.id));
        }
    }
    assert_eq!(out.len(), n);
    out
}

async fn pushes_are_acknowledged_by_key(backend: Backend) {
    let app = Api::spawn_sealed_quiet(backend, "2025-03-03").await;
    let pushes = denied(&app, 3).await;
    let [(case0, k0, _), (_, k1, id1), (case2, k2, id2)] = [0, 1, 2].map(|i| pushes[i].clone());
    let zhao = app.supervisor("hy.sc.zhao", DEPARTMENT).await;
    let li = app.supervisor("hy.wg.li", "wenguang").await;
    let reviewer = app
        .staff("hy.reviewer2", Role::Reviewer, JURISDICTION)
        .await;
    let head = app.staff("hy.head", Role::BureauHead, JURISDICTION).await;
    let acks = |case| {
        let (app, head) = (&app, &head);
        async move { app.event_count(head, case, "push_acknowledge").await }
    };

    // Refusals, each changing nothing: no supervision duty; nothing or too much asked.
    app.by(&reviewer)
        .post(ACKNOWLEDGE, json!({"keys": [k0]}))
        .await
        .expect(403);
    app.by(&zhao)
        .post(ACKNOWLEDGE, json!({"keys": []}))
        .await
        .refused(422, "请至少提供一个要签收的推送幂等键");
    let many: Vec<String> = (0..501).map(|i| format!("k{i}")).collect();
    app.by(&zhao)
        .post(ACKNOWLEDGE, json!({ "keys": many }))
        .await
        .refused(422, "一次最多签收 500 条推送");
    // Another department's keys are unknown to it: reported, not signed.
    let r = app
        .by(&li)
        .post(ACKNOWLEDGE, json!({"keys": [k0, k1]}))
        .await
        .expect(200);
    assert_eq!(r["unknown"], json!([k0, k1]), "{r}");
    assert_eq!(r["acknowledged"], json!([]));
    assert_eq!(r["pushes"], json!([]));
    assert_eq!(acks(case0).await, 0);

    // The department's system signs two and a key never sent: the unknown one is reported.
    let stray = "hanyin:denial:999999";
    let r = app
        .by(&zhao)
        .post(ACKNOWLEDGE, json!({"keys": [k0, stray, k1, k0]}))
        .await
        .expect(200);
    assert_eq!(r["acknowledged"], json!([k0, k1]), "{r}");
    assert_eq!(r["unknown"], json!([stray]));
    let signed: Vec<&Value> = r["pushes"].as_array().unwrap().iter().collect();
    assert_eq!(signed.len(), 2);
    assert_eq!(signed[1]["id"], id1);
    for p in &signed {
        assert!(p["acknowledged_at"].is_i64(), "{p}");
        assert!(!p["acknowledged_by"].as_str().unwrap().is_empty(), "{p}");
    }
    let first_at = signed[0]["acknowledged_at"].clone();
    assert_eq!(
        acks(case0).await,
        1,
        "audited like the desk's acknowledgement"
    );

    // Again: nothing changes, no second event.
    let r = app
        .by(&zhao)
        .post(ACKNOWLEDGE, json!({"keys": [k0]}))
        .await
        .expect(200);
    assert_eq!(r["acknowledged"], json!([]));
    assert_eq!(r["pushes"][0]["acknowledged_at"], first_at);
    assert_eq!(acks(case0).await, 1);

    // One act: signed on the desk by id, the key then changes nothing; and the other way round.
    app.by(&zhao)
        .post_empty(&format!("/api/v1/supervision/pushes/{id2}/acknowledge"))
        .await
        .expect(200);
    let r = app
        .by(&zhao)
        .post(ACKNOWLEDGE, json!({"keys": [k2]}))
        .await
        .expect(200);
    assert_eq!(r["acknowledged"], json!([]));
    assert_eq!(acks(case2).await, 1);
    let counts = app
        .store
        .push_counts(JURISDICTION, Some(DEPARTMENT), app.app.today())
        .await
        .unwrap();
    assert_eq!(counts.unacknowledged, 0);
    app.stop().await;
}

/// Every page of a list through the API, following `next`: (the pushes' ids, each page's count).
async fn every_page(app: &Api, token: &str, query: &str) -> (Vec<i64>, Vec<i64>) {
    every_page_of(app, token, "pushes", query).await
}

/// Every page of the findings of a list, two a page: the ids in order and the count each page gave.
async fn every_finding_page(app: &Api, token: &str, query: &str) -> (Vec<i64>, Vec<i64>) {
    every_page_of(app, token, "findings", query).await
}

/// Every page of `GET /api/v1/supervision/{list}` (whose rows are in the field of that name), two a
/// page: the ids in order and the count each page gave.
async fn every_page_of(app: &Api, token: &str, list: &str, query: &str) -> (Vec<i64>, Vec<i64>) {
    let (mut ids, mut counts) = (Vec::new(), Vec::new());
    let mut after = String::new();
    loop {
        let page = app
            .by(token)
            .get(&format!(
                "/api/v1/supervision/{list}?{query}&limit=2&after={after}"
            ))
            .await
            .expect(200);
        ids.extend(
            page[list]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["id"].as_i64().unwrap()),
        );
        counts.push(page["count"].as_i64().unwrap());
        match page["next"].as_str() {
            Some(next) => after = next.to_string(),
            None => return (ids, counts),
        }
    }
}

async fn push_lists_page_with_counts_that_match(backend: Backend) {
    let app = Api::spawn_sealed_quiet(backend, "2025-03-03").await;
    let pushes = denied(&app, 5).await;
    let mut newest_first: Vec<i64> = pushes.iter().map(|p| p.2).collect();
    newest_first.reverse();
    // A month on, every acknowledgement is overdue (the staff sign in afterwards).
    app.clock.set(app.app.now() + chrono::Duration::days(30));
    let zhao = app.supervisor("hy.sc.zhao", DEPARTMENT).await;
    let li = app.supervisor("hy.wg.li", "wenguang").await;
    let head = app.staff("hy.head", Role::BureauHead, JURISDICTION).await;
    app.by(&zhao)
        .post_empty(&format!(
            "/api/v1/supervision/pushes/{}/acknowledge",
            pushes[4].2
        ))
        .await
        .expect(200);

    // The desk: unacknowledged first, then all; every push once, the count on every page.
    let (ids, counts) = every_page(&app, &zhao, "list=all").await;
    let mut expected = newest_first[1..].to_vec();
    expected.push(newest_first[0]);
    assert_eq!(ids, expected, "unacknowledged first, then newest first");
    assert_eq!(counts, [5, 5, 5]);
    let (ids, counts) = every_page(&app, &zhao, "").await;
    assert_eq!(ids, newest_first[1..]);
    assert_eq!(counts, [4, 4]);
    let inbox = app
        .by(&zhao)
        .get("/api/v1/supervision/inbox")
        .await
        .expect(200);
    assert_eq!(inbox["pushes_count"], 4);
    assert_eq!(inbox["pushes"].as_array().unwrap().len(), 4);
    assert!(inbox["pushes_next"].is_null());

    // The bureau: the overdue ones, as many as its count says, all listed.
    let overview = app
        .by(&head)
        .get("/api/v1/supervision/overview?jurisdiction=hanyin")
        .await
        .expect(200);
    assert_eq!(overview["counts"]["overdue"], 4, "{}", overview["counts"]);
    assert_eq!(overview["overdue"].as_array().unwrap().len(), 4);
    let (ids, counts) = every_page(&app, &head, "jurisdiction=hanyin&list=overdue").await;
    assert_eq!(ids, newest_first[1..]);
    assert_eq!(counts, [4, 4]);
    let (ids, _) = every_page(
        &app,
        &head,
        "jurisdiction=hanyin&department=shichang&list=dead",
    )
    .await;
    assert!(ids.is_empty());

    // Refusals: another department's list, the bureau's list without the duty, bad input.
    app.by(&li)
        .get("/api/v1/supervision/pushes?jurisdiction=hanyin&department=shichang")
        .await
        .refused(403, "不在您的监管职责范围内");
    app.by(&zhao)
        .get("/api/v1/supervision/pushes?jurisdiction=hanyin")
        .await
        .refused(403, "无权查看审管推送");
    app.by(&zhao)
        .get("/api/v1/supervision/pushes?list=late")
        .await
        .refused(422, "推送列表「late」无效");
    app.by(&zhao)
        .get("/api/v1/supervision/pushes?after=x")
        .await
        .refused(422, "翻页位置无效");
    app.by(&zhao)
        .get("/api/v1/supervision/pushes?limit=101")
        .await
        .refused(422, "每页条数应在 1 至 100 之间");

    // The desk page pages too.
    let (status, html) = app.page_text(&zhao, "/supervision?all=1").await;
    assert_eq!(status, 200);
    assert!(html.contains("共 5 条"), "the count on the desk page");

    // The findings (抄告) page the same way: a department's and the jurisdiction's, newest
    // first, the count on every page, never cut at a fixed number.
    let mut found = Vec::new();
    // (Each department about an item it supervises: 审管分离.)
    for (who, item, i) in [
        (&zhao, "HY-SC-001", 0),
        (&li, "HY-WG-001", 1),
        (&zhao, "HY-SC-001", 2),
        (&zhao, "HY-SC-001", 3),
        (&li, "HY-WG-001", 4),
    ] {
        let finding = app
            .by(who)
            .post(
                "/api/v1/supervision/findings",
                json!({"holder_id": yiyin_testkit::web::COMPANY_ID, "holder": "汉阴县月河餐饮有限公司",
                       "item_code": item, "kind": "compliant", "summary": format!("第{i}次检查，证照齐全")}),
            )
            .await
            .expect(201);
        found.push((
            finding["id"].as_i64().unwrap(),
            finding["department"].clone(),
        ));
    }
    found.reverse();
    let of = |d: &str| -> Vec<i64> {
        found
            .iter()
            .filter(|f| d.is_empty() || f.1 == d)
            .map(|f| f.0)
            .collect()
    };
    let (ids, counts) = every_finding_page(&app, &zhao, "").await;
    assert_eq!(ids, of(DEPARTMENT));
    assert_eq!(counts, [3, 3]);
    let (ids, counts) = every_finding_page(&app, &head, "jurisdiction=hanyin").await;
    assert_eq!(ids, of(""));
    assert_eq!(counts, [5, 5, 5]);
    let (ids, _) = every_finding_page(&app, &head, "jurisdiction=hanyin&department=wenguang").await;
    assert_eq!(ids, of("wenguang"));
    app.by(&li)
        .get("/api/v1/supervision/findings?jurisdiction=hanyin&department=shichang")
        .await
        .refused(403, "不在您的监管职责范围内");
    app.by(&zhao)
        .get("/api/v1/supervision/findings?jurisdiction=hanyin")
        .await
        .refused(403, "无权查看监管抄告");
    app.by(&zhao)
        .get("/api/v1/supervision/findings?after=x")
        .await
        .refused(422, "翻页位置无效");
    app.by(&zhao)
        .get("/api/v1/supervision/findings?limit=0")
        .await
        .refused(422, "每页条数应在 1 至 100 之间");
    // The pages: the desk's second page of findings and the bureau's.
    let second = of(DEPARTMENT)[0];
    let (status, html) = app
        .page_text(&zhao, &format!("/supervision?findings_after={second}"))
        .await;
    assert_eq!(status, 200);
    assert!(
        html.contains("共 3 条") && html.contains("第2次检查") && !html.contains("第3次检查"),
        "{html}"
    );
    let (status, html) = app
        .page_text(
            &head,
            &format!(
                "/work/supervision?j=hanyin&list=findings&after={}",
                of("")[3]
            ),
        )
        .await;
    assert_eq!(status, 200);
    assert!(
        html.contains("共 5 条") && html.contains("第0次检查") && !html.contains("第1次检查"),
        "{html}"
    );
    app.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Two departments' systems: one answers at once, one holds every request until the other has
// received what the test waits for.

#[derive(Default)]
struct Arrivals {
    /// The idempotency keys received, in order.
    keys: Mutex<Vec<String>>,
}

#[derive(Clone)]
struct Hook {
    mine: Arc<Arrivals>,
    /// Hold each request until the other system has received this many (None: answer at once).
    hold_until: Option<(Arc<Arrivals>, usize)>,
    /// Whether the other system's arrivals came while a request here was held.
    saw: Arc<Mutex<Vec<usize>>>,
}

async fn receive(State(h): State<Hook>, headers: HeaderMap) -> &'static str {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    h.mine.keys.lock().unwrap().push(key);
    if let Some((other, n)) = &h.hold_until {
        // A safety bound well past Yiyin's own timeout, never reached when deliveries run side by
        // side: one at a time, this request would time out first, and the test fail.
        for _ in 0..6_000 {
            if other.keys.lock().unwrap().len() >= *n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        h.saw.lock().unwrap().push(other.keys.lock().unwrap().len());
    }
    "已接收"
}

async fn serve(hook: Hook) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(hook);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/hook")
}

async fn queue(app: &Api, department: &str, n: i64) -> String {
    let key = format!("{JURISDICTION}:test:{department}:{n}");
    let at = app.app.now();
    let mut tx = app.store.begin_write().await.unwrap();
    let slot = tx.push_slot(JURISDICTION, department).await.unwrap();
    tx.enqueue_push(
        &slot,
        &NewPush {
            idempotency_key: &key,
            jurisdiction: JURISDICTION,
            department,
            kind: PushKind::Denial,
            case_id: None,
            licence: None,
            event_seq: n,
            payload: "{}",
            seal_id: None,
            signature: None,
            sent_on: app.app.today(),
            ack_due: None,
            at_ms: at.timestamp_millis(),
        },
    )
    .await
    .unwrap()
    .expect("queued");
    tx.commit().await.unwrap();
    key
}

async fn a_hung_department_delays_no_other(backend: Backend) {
    let app = Api::spawn_sealed_quiet(backend, "2025-03-03").await;
    app.staff("hy.head", Role::BureauHead, JURISDICTION).await;
    let head = app.principal("hy.head").await;
    let fast = Arc::new(Arrivals::default());
    let slow = Arc::new(Arrivals::default());
    let saw = Arc::new(Mutex::new(Vec::new()));
    let fast_url = serve(Hook {
        mine: fast.clone(),
        hold_until: None,
        saw: saw.clone(),
    })
    .await;
    // The slow system holds its push until the fast one has had two: one of this round, one of
    // the next round, started while the slow push is still on its way.
    let slow_url = serve(Hook {
        mine: slow.clone(),
        hold_until: Some((fast.clone(), 2)),
        saw: saw.clone(),
    })
    .await;
    for (department, url) in [("wenguang", &slow_url), (DEPARTMENT, &fast_url)] {
        let input = WebhookInput {
            jurisdiction: JURISDICTION.into(),
            department: department.into(),
            url: url.clone(),
            active: true,
        };
        app.app.set_webhook(&head, &input).await.unwrap();
    }
    // The slow department's push is the oldest: one at a time, it would go first and hold the rest.
    let held = queue(&app, "wenguang", 1).await;
    let first = queue(&app, DEPARTMENT, 1).await;

    let client = yiyin_app::delivery::client();
    let mut deliveries = Deliveries::new(client);
    assert_eq!(
        deliveries.start(&app.app).await,
        2,
        "both departments start"
    );
    // The fast department's push arrives while the slow one is held.
    while fast.keys.lock().unwrap().is_empty() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(*slow.keys.lock().unwrap(), std::slice::from_ref(&held));
    // Another push for the fast department: the next round takes it although the slow department
    // is still busy (and not started twice).
    let second = queue(&app, DEPARTMENT, 2).await;
    loop {
        match deliveries.start(&app.app).await {
            0 => tokio::time::sleep(Duration::from_millis(10)).await,
            started => {
                assert_eq!(started, 1, "the slow department is not started twice");
                break;
            }
        }
    }
    assert_eq!(deliveries.finish().await, 3, "every push delivered");
    assert_eq!(*fast.keys.lock().unwrap(), [first, second]);
    assert_eq!(*slow.keys.lock().unwrap(), [held], "sent once");
    assert_eq!(
        *saw.lock().unwrap(),
        [2],
        "the fast department's two pushes arrived while the slow one was held"
    );
    let counts = app
        .store
        .push_counts(JURISDICTION, None, app.app.today())
        .await
        .unwrap();
    assert_eq!((counts.pending, counts.dead), (0, 0));
    let unsigned = app
        .store
        .pushes_awaiting_signature(Some(JURISDICTION), 10)
        .await
        .unwrap();
    assert!(
        unsigned.is_empty(),
        "nothing waits for a signature: {unsigned:?}"
    );
    let all = app
        .store
        .pushes(&yiyin_store::pushes::PushFilter {
            jurisdiction: JURISDICTION.into(),
            status: Some(PushStatus::Delivered),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    app.stop().await;
}
