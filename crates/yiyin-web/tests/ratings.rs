//! Satisfaction ratings (好差评) over HTTP, on both databases: the API takes the applicant's online
//! rating after the result, hides the rater from the rated side, refuses the window and the
//! applicant before reading the request and the rated chief the appeal's decision, and is
//! described in the OpenAPI document; the window opens a one-time link whose public page takes a
//! rating without login, once; the public page shows the rates and the rectifications with the
//! rater's name masked. A closed ticket is rated from the track page with its query code (a wrong
//! code is refused and keeps nothing), once, and its bad rating reaches the desk of the department
//! that handled it, which rectifies it through the same API.

use serde_json::{Value, json};
use yiyin_domain::roles::Role;
use yiyin_store::Backend;
use yiyin_testkit::web::HANYIN;
use yiyin_testkit::{Api, PASSWORD, Setup, on_both};

on_both!(
    the_api_rates_after_the_result_and_refuses_before_reading,
    the_window_link_rates_a_visit_without_login_once,
    the_public_page_shows_rates_and_masked_rectifications,
    the_rating_page_is_throttled_per_address,
    a_closed_ticket_is_rated_on_the_track_page_with_its_query_code,
    the_applicant_rates_their_closed_ticket_and_the_desk_labels_it,
);

/// The applicant's full name (never on a public page, never shown to the rated side).
const NAME: &str = "王芳";

/// A server whose clock reads 2025-03-03, an applicant 王芳 with a decided and licensed HY-SC-001
/// case filed online. Returns the server, the applicant's, the clerk's and the chief's tokens and
/// the case id.
async fn decided(backend: Backend) -> (Api, String, String, String, i64) {
    let api = Api::start(Setup::new(backend, "2025-03-03").quiet()).await;
    let wang = api
        .register("person", NAME, "11010519491231002X", "wangfang2025a")
        .await;
    let (id, _, clerk) = api.licensed_case_filed_by(Some(&wang)).await;
    let chief = api.token("hy.chief", PASSWORD).await;
    (api, wang, clerk, chief, id)
}

fn bad_named() -> Value {
    json!({"level": "very_dissatisfied", "indicators": ["many_trips", "不一次性告知"],
           "comment": "材料没有一次性告知", "named": true})
}

async fn the_api_rates_after_the_result_and_refuses_before_reading(backend: Backend) {
    let (api, wang, clerk, chief, id) = decided(backend).await;
    let admin = api.staff("hy.rating", Role::RatingAdmin, HANYIN).await;
    // A case of the same applicant still at receipt: no rating yet.
    let open = api
        .by(&wang)
        .post(
            "/api/v1/cases",
            json!({"jurisdiction": HANYIN, "item_code": "HY-SC-001", "materials": ["M1", "M2"], "attested": true}),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    api.by(&wang)
        .post(&format!("/api/v1/ratings/cases/{open}"), bad_named())
        .await
        .refused(422, "一事一评");

    let rate = format!("/api/v1/ratings/cases/{id}");
    // Staff are refused before the body is read.
    api.by(&clerk)
        .post(&rate, json!("not even an object"))
        .await
        .expect(403);
    api.by(&wang)
        .post(&rate, json!({"level": "很好"}))
        .await
        .refused(422, "评价等级");
    let rating = api.by(&wang).post(&rate, bad_named()).await.expect(200);
    assert_eq!(rating["level"], "very_dissatisfied");
    assert_eq!(rating["task_state"], "open");
    api.by(&wang)
        .post(&rate, bad_named())
        .await
        .refused(409, "已经评价过");
    let rid = rating["id"].as_i64().unwrap();

    // The list: the rated chief sees it without the rater; the window and the applicant are
    // refused before the query is read; nobody logged in, 401.
    let list = "/api/v1/ratings?jurisdiction=hanyin&bad=true";
    let seen = api.by(&chief).get(list).await.expect(200);
    assert_eq!(seen.as_array().unwrap().len(), 1);
    // A page at a time: the count in `X-Total-Count`, no next page; a cursor not given back, 422.
    let page = api.list_page(Some(&chief), list).await;
    assert_eq!((page.total(), page.next), (Some(1), None));
    api.by(&chief)
        .get(&format!("{list}&after=x"))
        .await
        .refused(422, "翻页位置无效");
    let text = seen.to_string();
    assert!(
        !text.contains(NAME) && !text.contains("13912345678"),
        "{text}"
    );
    assert!(
        api.by(&chief)
            .get(&format!("/api/v1/ratings/{rid}"))
            .await
            .expect(200)["rater"]
            .is_null()
    );
    api.by(&clerk)
        .get("/api/v1/ratings?from=x")
        .await
        .refused(403, "查看好差评");
    api.by(&wang).get(list).await.expect(403);
    api.anonymous().get(list).await.expect(401);
    api.by(&chief)
        .get("/api/v1/ratings?jurisdiction=hanyin&from=2025-13-01")
        .await
        .refused(422, "YYYY-MM-DD");
    // The rating administrator sees who rated.
    let detail = api
        .by(&admin)
        .get(&format!("/api/v1/ratings/{rid}"))
        .await
        .expect(200);
    assert_eq!(detail["rater"]["name"], NAME);
    // The same on the pages: the desk and the rating's page, the rater for the administrator only.
    let (status, desk) = api.page_text(&chief, "/ratings?jurisdiction=hanyin").await;
    assert_eq!(status, 200);
    assert!(
        desk.contains("非常不满意") && desk.contains("好差评"),
        "{desk}"
    );
    assert!(!desk.contains(NAME), "{desk}");
    let (_, page) = api.page_text(&chief, &format!("/ratings/{rid}")).await;
    assert!(page.contains("联系核实") && !page.contains(NAME), "{page}");
    let (_, page) = api.page_text(&admin, &format!("/ratings/{rid}")).await;
    assert!(page.contains(NAME), "{page}");
    let (status, _) = api.page_text(&clerk, "/ratings").await;
    assert_eq!(status, 403);

    // The loop: the window is refused before the body; the chief cannot decide an appeal.
    let acts = format!("/api/v1/ratings/{rid}/actions");
    api.by(&clerk)
        .post(&acts, json!("x"))
        .await
        .refused(403, "办理差评整改");
    api.by(&chief)
        .post(&acts, json!({"action": "appeal", "text": "不属于本部门"}))
        .await
        .expect(200);
    api.by(&chief)
        .post(
            &acts,
            json!({"action": "decide_appeal", "uphold": true, "text": "自己复核"}),
        )
        .await
        .refused(403, "好差评管理员");
    let decided = api
        .by(&admin)
        .post(
            &acts,
            json!({"action": "decide_appeal", "uphold": false, "text": "问题属实"}),
        )
        .await
        .expect(200);
    assert_eq!(decided["task_state"], "open");

    // The deadlines: the rating administrator alone.
    let settings = "/api/v1/ratings/settings/hanyin";
    api.by(&chief)
        .put(settings, json!({"contact_days": 2, "rectify_days": 10}))
        .await
        .expect(403);
    api.by(&admin)
        .put(settings, json!({"contact_days": 0, "rectify_days": 10}))
        .await
        .refused(422, "联系时限");
    let s = api
        .by(&admin)
        .put(settings, json!({"contact_days": 2, "rectify_days": 10}))
        .await
        .expect(200);
    assert_eq!(s["rectify_days"], 10);

    // Described in the OpenAPI document under its tag.
    let doc = api.get_json("/api/v1/openapi.json").await.expect(200);
    for path in [
        "/api/v1/ratings",
        "/api/v1/ratings/{id}/actions",
        "/api/v1/ratings/visit/{token}",
        "/api/v1/ratings/rates/{jurisdiction}",
    ] {
        let ops = &doc["paths"][path];
        assert!(ops.is_object(), "{path} missing");
    }
    assert_eq!(doc["paths"]["/api/v1/ratings"]["get"]["tags"][0], "好差评");
}

/// The one-time token in a page showing a rating link.
fn token_in(page: &str) -> String {
    let at = page.find("/rate/").expect("a rating link") + "/rate/".len();
    page[at..at + 64].to_string()
}

async fn the_window_link_rates_a_visit_without_login_once(backend: Backend) {
    let (api, wang, clerk, _, id) = decided(backend).await;
    // The staff case page offers the link to the window; the applicant's page offers 评价.
    let (status, page) = api.page_text(&clerk, &format!("/work/cases/{id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("生成评价链接"), "{page}");
    let (_, mine) = api.page_text(&wang, &format!("/my/cases/{id}")).await;
    assert!(
        mine.contains(&format!("action=\"/my/cases/{id}/rate\"")),
        "{mine}"
    );
    assert!(
        mine.contains("非常不满意") && mine.contains("办事效率高"),
        "{mine}"
    );
    let (status, form) = api.page_text(&wang, &format!("/my/cases/{id}/rate")).await;
    assert_eq!(status, 200);
    assert!(
        form.contains("非常不满意") && form.contains("多次跑"),
        "{form}"
    );

    // The window clerk opens the link from the case page (a form with the session's token).
    let csrf = api.browser_login("hy.clerk").await;
    let r = api
        .post_form(
            &format!("/work/cases/{id}/rating-link"),
            &[("csrf", csrf.as_str()), ("channel", "window")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 200);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("<svg") && page.contains("只能使用一次"),
        "{page}"
    );
    let token = token_in(&page);

    // The tablet: no login.
    let tablet = format!("/rate/{token}");
    let r = api.plain.get(api.url(&tablet)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("政务服务评价") && page.contains("食品经营许可"),
        "{page}"
    );
    let visitor = &api;
    let post = |fields: Vec<(&'static str, &'static str)>| {
        let tablet = tablet.clone();
        async move { visitor.post_form_plain(&tablet, &fields).await }
    };
    let (status, page) = post(vec![("level", "very_dissatisfied")]).await;
    assert_eq!(status, 422);
    assert!(page.contains("至少选择一项"), "{page}");
    let (status, page) = post(vec![
        ("level", "dissatisfied"),
        ("indicators", "attitude_bad"),
        ("name", "李四"),
        ("phone", "abc"),
    ])
    .await;
    assert_eq!(status, 422);
    assert!(page.contains("联系电话应为"), "{page}");
    let (status, page) = post(vec![
        ("level", "dissatisfied"),
        ("indicators", "attitude_bad"),
        ("comment", "窗口人员态度冷淡"),
        ("name", "李四"),
        ("phone", "13700000000"),
    ])
    .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("感谢您的评价"), "{page}");
    // Used up.
    let r = api.plain.get(api.url(&tablet)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let (status, _) = post(vec![("level", "satisfied")]).await;
    assert_eq!(status, 404);
    let ratings = api
        .app
        .store
        .ratings(&yiyin_store::ratings::RatingFilter {
            jurisdiction: HANYIN.into(),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(ratings.len(), 1);
    assert!(ratings[0].named);
}

async fn the_public_page_shows_rates_and_masked_rectifications(backend: Backend) {
    let (api, wang, _, chief, id) = decided(backend).await;
    let rid = api
        .by(&wang)
        .post(&format!("/api/v1/ratings/cases/{id}"), bad_named())
        .await
        .expect(200)["id"]
        .as_i64()
        .unwrap();
    // The case page now shows the rating given instead of the form.
    let (_, mine) = api.page_text(&wang, &format!("/my/cases/{id}")).await;
    assert!(
        mine.contains("您已于") && !mine.contains("提交评价"),
        "{mine}"
    );
    let acts = format!("/api/v1/ratings/{rid}/actions");
    for body in [
        json!({"action": "contact", "text": "已电话联系核实"}),
        json!({"action": "rectify", "outcome": "immediate", "text": "已将一次性告知清单上墙"}),
        json!({"action": "callback", "view": "satisfied", "text": ""}),
    ] {
        api.by(&chief).post(&acts, body).await.expect(200);
    }
    let rates = api
        .get_json("/api/v1/ratings/rates/hanyin?from=2025-01-01&to=2025-12-31")
        .await
        .expect(200);
    assert_eq!(rates["total"]["bad"], 1);
    assert_eq!(rates["total"]["rectify_rate"], 1.0);
    let (status, page) = api
        .get_text("/j/hanyin/ratings?from=2025-01-01&to=2025-12-31")
        .await;
    assert_eq!(status, 200);
    for phrase in [
        "好评率",
        "差评整改率",
        "100.0%",
        "王*",
        "已将一次性告知清单上墙",
        "立行立改",
    ] {
        assert!(page.contains(phrase), "«{phrase}» not in {page}");
    }
    assert!(!page.contains(NAME), "the full name is on the public page");
    let published = api
        .get_json("/api/v1/ratings/rectifications/hanyin")
        .await
        .expect(200);
    assert_eq!(published[0]["rater"], "王*");
    assert_eq!(published[0]["outcome"], "immediate");
    assert!(!published.to_string().contains(NAME), "{published}");
    // The catalog page links to it.
    let (_, catalog) = api.get_text("/j/hanyin").await;
    assert!(catalog.contains("/j/hanyin/ratings"), "{catalog}");
}

async fn the_rating_page_is_throttled_per_address(backend: Backend) {
    let limits = yiyin_web::Limits {
        per_address_per_minute: 1,
        per_address_burst: 2,
        ..yiyin_web::Limits::generous()
    };
    let api = Api::start(Setup::new(backend, "2025-03-03").quiet().limits(limits)).await;
    let guess = format!("/rate/{}", "0".repeat(64));
    let status = |r: reqwest::Response| r.status().as_u16();
    assert_eq!(
        status(api.plain.get(api.url(&guess)).send().await.unwrap()),
        404
    );
    assert_eq!(
        status(api.plain.get(api.url(&guess)).send().await.unwrap()),
        404
    );
    let r = api.plain.get(api.url(&guess)).send().await.unwrap();
    assert_eq!(status(r), 429);
    let api_guess = format!("/api/v1/ratings/visit/{}", "1".repeat(64));
    api.anonymous().get(&api_guess).await.expect(429);
}

async fn a_closed_ticket_is_rated_on_the_track_page_with_its_query_code(backend: Backend) {
    let api = Api::start(Setup::new(backend, "2025-03-03").quiet()).await;
    let agent = api.staff("hy.centre", Role::CentreAgent, HANYIN).await;
    let market = api
        .department_staff("hy.sc", Role::TicketHandler, "shichang")
        .await;
    let housing = api
        .department_staff("hy.zj", Role::TicketHandler, "zhujian")
        .await;
    let created = api
        .by(&agent)
        .post(
            "/api/v1/tickets",
            json!({"jurisdiction": HANYIN, "type": "投诉", "category": "food",
                   "content": "超市出售过期酸奶", "location": "城关镇东街",
                   "caller_phone": "13800001111"}),
        )
        .await
        .expect(201);
    let id = created["ticket"]["id"].as_i64().unwrap();
    let number = created["ticket"]["number"].as_str().unwrap().to_string();
    let code = created["query_code"].as_str().unwrap().to_string();
    let act = format!("/api/v1/tickets/{id}/act");
    api.by(&agent)
        .post(&act, json!({"action": "dispatch"}))
        .await
        .expect(200);
    api.by(&market)
        .post(&act, json!({"action": "sign"}))
        .await
        .expect(200);
    api.by(&market)
        .post(&act, json!({"action": "reply", "reply": "已下架"}))
        .await
        .expect(200);

    let visitor = &api;
    let post = |fields: Vec<(&'static str, String)>| async move {
        visitor.post_form_plain("/suqiu/rate", &fields).await
    };
    let bad = |code: &str| {
        vec![
            ("number", number.clone()),
            ("code", code.to_string()),
            ("level", "dissatisfied".to_string()),
            ("indicators", "many_trips".to_string()),
            ("comment", "打了三次电话才处理".to_string()),
        ]
    };
    // Replied, not yet closed: no rating form, and a rating is refused by the rule.
    let (_, page) = api
        .get_text(&format!("/suqiu/track?number={number}&code={code}"))
        .await;
    assert!(!page.contains("评价本次诉求办理"), "{page}");
    let (status, page) = post(bad(&code)).await;
    assert_eq!(status, 422);
    assert!(page.contains("尚未办结"), "{page}");
    api.by(&agent)
        .post(&act, json!({"action": "callback", "satisfaction": "满意"}))
        .await
        .expect(200);

    // Closed: the track page offers the rating.
    let (_, page) = api
        .get_text(&format!("/suqiu/track?number={number}&code={code}"))
        .await;
    assert!(page.contains("评价本次诉求办理"), "{page}");
    let (status, page) = api
        .get_text(&format!("/suqiu/rate?number={number}&code={code}"))
        .await;
    assert_eq!(status, 200);
    assert!(
        page.contains("食品安全") && page.contains("提交评价"),
        "{page}"
    );
    // A wrong query code: refused on the page and the form, nothing kept.
    let (status, page) = api
        .get_text(&format!("/suqiu/rate?number={number}&code=WRONG1"))
        .await;
    assert_eq!(status, 404);
    assert!(page.contains("工单编号或查询码不正确"), "{page}");
    let (status, page) = post(bad("WRONG1")).await;
    assert_eq!(status, 404);
    assert!(page.contains("工单编号或查询码不正确"), "{page}");
    let (status, page) = post(vec![
        ("number", number.clone()),
        ("code", code.clone()),
        ("level", "very_dissatisfied".into()),
    ])
    .await;
    assert_eq!(status, 422);
    assert!(page.contains("至少选择一项"), "{page}");
    let admin = api.staff("hy.rating", Role::RatingAdmin, HANYIN).await;
    let listed = api
        .by(&admin)
        .get("/api/v1/ratings?jurisdiction=hanyin")
        .await
        .expect(200);
    assert_eq!(listed.as_array().unwrap().len(), 0, "{listed}");

    let (status, page) = post(bad(&code)).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("感谢您的评价") && page.contains("待整改"),
        "{page}"
    );
    // Once.
    let (status, page) = post(bad(&code)).await;
    assert_eq!(status, 422);
    assert!(page.contains("已经评价过"), "{page}");

    // The desk of the department that handled it, labelled as a ticket; not another's.
    let listed = api
        .by(&market)
        .get("/api/v1/ratings?jurisdiction=hanyin")
        .await
        .expect(200);
    let rows = listed.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{listed}");
    assert_eq!(rows[0]["subject"], "ticket");
    assert_eq!(rows[0]["case_number"], number.as_str());
    assert_eq!(rows[0]["department"], "shichang");
    assert!(!listed.to_string().contains("13800001111"), "{listed}");
    let rid = rows[0]["id"].as_i64().unwrap();
    let empty = api
        .by(&housing)
        .get("/api/v1/ratings?jurisdiction=hanyin")
        .await
        .expect(200);
    assert_eq!(empty.as_array().unwrap().len(), 0, "{empty}");
    let rectify = json!({"action": "rectify", "outcome": "immediate", "text": "已约谈并复查"});
    let path = format!("/api/v1/ratings/{rid}/actions");
    api.by(&housing)
        .post(&path, rectify.clone())
        .await
        .refused(403, "承办");
    let done = api.by(&market).post(&path, rectify).await.expect(200);
    assert_eq!(done["task_state"], "closed");
    // The public page counts it for the department.
    let (status, page) = api
        .get_text("/j/hanyin/ratings?from=2025-03-01&to=2025-03-31")
        .await;
    assert_eq!(status, 200);
    assert!(
        page.contains("汉阴县市场监督管理局") && page.contains("已约谈并复查"),
        "{page}"
    );
}

async fn the_applicant_rates_their_closed_ticket_and_the_desk_labels_it(backend: Backend) {
    let api = Api::start(Setup::new(backend, "2025-03-03").quiet()).await;
    let wang = api
        .register("person", NAME, "11010519491231002X", "wangfang2025a")
        .await;
    let li = api
        .register("person", "李四", "110105194912310038", "lisi2025abc")
        .await;
    let agent = api.staff("hy.centre", Role::CentreAgent, HANYIN).await;
    let market = api
        .department_staff("hy.sc", Role::TicketHandler, "shichang")
        .await;
    let created = api
        .by(&wang)
        .post(
            "/api/v1/tickets",
            json!({"jurisdiction": HANYIN, "type": "投诉", "category": "food",
                   "content": "超市出售过期酸奶", "location": "城关镇东街"}),
        )
        .await
        .expect(201);
    let id = created["ticket"]["id"].as_i64().unwrap();
    let number = created["ticket"]["number"].as_str().unwrap().to_string();
    let act = format!("/api/v1/tickets/{id}/act");
    let rate = format!("/api/v1/ratings/tickets/{id}");
    let bad = json!({"level": "dissatisfied", "indicators": ["overdue"], "comment": "答复太慢"});
    for (who, body) in [
        (&agent, json!({"action": "dispatch"})),
        (&market, json!({"action": "sign"})),
        (&market, json!({"action": "reply", "reply": "已下架"})),
    ] {
        api.by(who).post(&act, body).await.expect(200);
    }
    api.by(&wang)
        .post(&rate, bad.clone())
        .await
        .refused(422, "尚未办结");
    api.by(&agent)
        .post(
            &act,
            json!({"action": "callback", "satisfaction": "基本满意"}),
        )
        .await
        .expect(200);

    // The ticket's page offers the rating to its applicant.
    let (status, page) = api.page_text(&wang, &format!("/my/tickets/{id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!("/my/tickets/{id}/rate")), "{page}");
    let (status, page) = api
        .page_text(&wang, &format!("/my/tickets/{id}/rate"))
        .await;
    assert_eq!(status, 200);
    assert!(
        page.contains("提交评价") && page.contains(&number),
        "{page}"
    );
    // Someone else, or staff: refused before anything is kept.
    let (status, _) = api.page_text(&li, &format!("/my/tickets/{id}/rate")).await;
    assert_eq!(status, 403);
    api.by(&li)
        .post(&rate, bad.clone())
        .await
        .refused(403, "本人");
    api.by(&agent).post(&rate, bad.clone()).await.expect(403);

    let r = api.by(&wang).post(&rate, bad.clone()).await.expect(200);
    assert_eq!(r["subject"], "ticket");
    assert_eq!(r["task_state"], "open");
    api.by(&wang)
        .post(&rate, bad)
        .await
        .refused(409, "已经评价过");
    let (_, page) = api
        .page_text(&wang, &format!("/my/tickets/{id}/rate"))
        .await;
    assert!(page.contains("已于") && page.contains("待整改"), "{page}");

    // The rating desk labels it a ticket with its number and the handling department.
    let (status, page) = api.page_text(&market, "/ratings?jurisdiction=hanyin").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("诉求工单")
            && page.contains("href=\"/ratings\"")
            && page.contains(&number)
            && page.contains("汉阴县市场监督管理局"),
        "{page}"
    );
    let rid = r["id"].as_i64().unwrap();
    let (status, page) = api.page_text(&market, &format!("/ratings/{rid}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("诉求工单编号") && page.contains(&number),
        "{page}"
    );
    // A clerk of the window has no part in it.
    let clerk = api.staff("hy.clerk", Role::WindowClerk, HANYIN).await;
    let (status, _) = api.page_text(&clerk, &format!("/ratings/{rid}")).await;
    assert_eq!(status, 403);
}
