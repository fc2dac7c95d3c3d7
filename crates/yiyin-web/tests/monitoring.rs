//! The monitoring desk over HTTP, on both databases: the API lists the cards the sweep issued to
//! the discipline supervisor, the bureau head and the department's observer, filters them, refuses
//! the window before reading the request; a card is appealed once by the section chief and the
//! appeal decided by the discipline supervisor alone; the `/monitoring` page shows the cards in
//! Chinese to the discipline supervisor and answers a window clerk 403.

use serde_json::{Value, json};
use yiyin_domain::roles::Role;
use yiyin_store::Backend;
use yiyin_testkit::browser::answered;
use yiyin_testkit::web::HANYIN;
use yiyin_testkit::{Api, Setup, at, on_both};

on_both!(
    the_api_lists_appeals_and_decides_cards,
    the_desk_page_shows_the_cards,
);

/// A server without background work (the test sweeps) whose clock reads 2025-03-03, with one
/// HY-SC-001 case accepted that day and never decided, swept on 2025-04-30: past its promised and
/// statutory limits, it has a yellow and a red card. Returns the server, the case id and the
/// bureau's tokens (clerk, chief).
async fn late(backend: Backend) -> (Api, i64, String, String) {
    let api = Api::start(Setup::new(backend, "2025-03-03").quiet()).await;
    let desk = api.desk().await;
    let id = api.received(&desk.clerk).await;
    api.act(&desk.clerk, id, json!({"action": "accept"}))
        .await
        .expect(200);
    assert_eq!(api.app.sweep_cards(at("2025-04-30")).await.unwrap(), 2);
    (api, id, desk.clerk, desk.chief)
}

fn cards(reply: Value) -> Vec<Value> {
    reply.as_array().expect("a list of cards").clone()
}

async fn the_api_lists_appeals_and_decides_cards(backend: Backend) {
    let (api, id, clerk, chief) = late(backend).await;
    let jj = api.staff("hy.jj", Role::DisciplineSupervisor, HANYIN).await;
    let head = api.staff("hy.head", Role::BureauHead, HANYIN).await;
    let observer = api.observer("hy.gc", "shichang").await;
    let other = api.observer("hy.gc2", "wenguang").await;
    let list = "/api/v1/monitoring/cards?jurisdiction=hanyin";

    let all = cards(api.by(&jj).get(list).await.expect(200));
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|c| c["case_id"] == id));
    assert_eq!(cards(api.by(&head).get(list).await.expect(200)), all);
    assert_eq!(cards(api.by(&observer).get(list).await.expect(200)), all);
    assert!(cards(api.by(&other).get(list).await.expect(200)).is_empty());
    let yellow = cards(
        api.by(&jj)
            .get(&format!("{list}&color=yellow"))
            .await
            .expect(200),
    );
    assert_eq!(yellow.len(), 1);
    assert_eq!(yellow[0]["limit"], "promised");
    api.by(&jj)
        .get(&format!("{list}&from=2025-13-01"))
        .await
        .refused(422, "YYYY-MM-DD");
    // The window is refused before its query is read (even a malformed one).
    api.by(&clerk)
        .get("/api/v1/monitoring/cards?from=x")
        .await
        .refused(403, "查看电子监察");
    api.anonymous().get(list).await.expect(401);

    // The appeal: the section chief, once, with a reason; the window is refused before the body.
    let card = yellow[0]["id"].as_i64().unwrap();
    let appeal = format!("/api/v1/monitoring/cards/{card}/appeal");
    api.by(&clerk)
        .post(&appeal, json!("not even an object"))
        .await
        .refused(403, "对监察牌提出申诉");
    api.by(&chief)
        .post(&appeal, json!({"reason": ""}))
        .await
        .refused(422, "申诉理由");
    let appealed = api
        .by(&chief)
        .post(&appeal, json!({"reason": "中止期间未计入"}))
        .await
        .expect(200);
    assert_eq!(appealed["appeal_state"], "pending");
    api.by(&chief)
        .post(&appeal, json!({"reason": "再次申诉"}))
        .await
        .refused(409, "只能申诉一次");

    // The decision: the discipline supervisor alone.
    let decision = format!("{appeal}/decision");
    api.by(&head)
        .post(&decision, json!({"uphold": true, "reason": "同意"}))
        .await
        .refused(403, "纪检监察人员");
    api.by(&clerk)
        .post(&decision, json!({"uphold": true, "reason": "同意"}))
        .await
        .expect(403);
    let decided = api
        .by(&jj)
        .post(
            &decision,
            json!({"uphold": true, "reason": "中止经审批，申诉成立"}),
        )
        .await
        .expect(200);
    assert_eq!(decided["appeal_state"], "upheld");
    assert_eq!(decided["color"], "yellow");
    assert_eq!(decided["on"], yellow[0]["on"]);
    // The card is still listed, as issued; the events are in the unbroken chain.
    assert_eq!(cards(api.by(&jj).get(list).await.expect(200)).len(), 2);
    let chain = api.unbroken_chain(&jj).await;
    assert!(chain.is_object(), "{chain}");
    api.stop().await;
}

async fn the_desk_page_shows_the_cards(backend: Backend) {
    let (api, id, clerk, _) = late(backend).await;
    let jj = api.staff("hy.jj", Role::DisciplineSupervisor, HANYIN).await;
    let (status, page) = api.page_text(&jj, "/monitoring").await;
    assert_eq!(status, 200, "{page}");
    for words in ["电子监察", "黄牌", "红牌", "承诺时限", "法定时限", "亮牌日"] {
        assert!(page.contains(words), "«{words}» not on the page");
    }
    assert!(page.contains(&format!("/work/cases/{id}")));
    let (status, _) = api.page_text(&clerk, "/monitoring").await;
    assert_eq!(status, 403);

    // The head appeals the yellow card from the page: a reason is required, shown beside the field.
    api.staff("hy.head", Role::BureauHead, HANYIN).await;
    let list = "/api/v1/monitoring/cards?jurisdiction=hanyin&color=yellow";
    let card = api.by(&jj).get(list).await.expect(200)[0]["id"]
        .as_i64()
        .unwrap();
    let csrf = api.browser_login_totp("hy.head").await;
    let (status, page, _) = answered(api.get("/monitoring?jurisdiction=hanyin").await).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("/appeal\"") && !page.contains("/decision\""),
        "{page}"
    );
    let appeal = format!("/monitoring/cards/{card}/appeal");
    let fields = |reason: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("jurisdiction", HANYIN.to_string()),
            ("color", "yellow".to_string()),
            ("reason", reason.to_string()),
        ]
    };
    let (status, page, _) = answered(api.post_form(&appeal, &fields("")).await).await;
    assert_eq!(status, 422);
    assert!(page.contains("请填写申诉理由"), "{page}");
    let (status, _, location) =
        answered(api.post_form(&appeal, &fields("中止期间未计入")).await).await;
    assert_eq!(status, 303);
    assert_eq!(location, "/monitoring?jurisdiction=hanyin&color=yellow");

    // The discipline supervisor decides it from the page; the card stays, annotated.
    let csrf = api.browser_login("hy.jj").await;
    let (_, page, _) = answered(api.get("/monitoring").await).await;
    assert!(
        page.contains("待复核") && page.contains("/decision\""),
        "{page}"
    );
    assert!(!page.contains("/appeal\""), "{page}");
    let decision = [
        ("csrf", csrf.as_str()),
        ("jurisdiction", HANYIN),
        ("uphold", "false"),
        ("reason", "中止未经审批，超期属实"),
    ];
    let decided = format!("/monitoring/cards/{card}/decision");
    let (status, _, _) = answered(api.post_form(&decided, &decision).await).await;
    assert_eq!(status, 303);
    let (_, page, _) = answered(api.get("/monitoring").await).await;
    assert!(page.contains("中止未经审批，超期属实") && !page.contains("/decision\""));
    assert!(page.contains("黄牌") && page.contains("红牌"));
    api.stop().await;
}
