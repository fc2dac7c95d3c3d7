//! The requests centre (12345 工单) over HTTP, on both databases: the API refuses the wrong roles
//! before reading the request, shows the caller's data to the centre and the department holding
//! the ticket only, and runs the loop by the acts; the public form files a ticket anonymously with
//! a number and a query code to follow it, and the public intake is rate-limited per address; the
//! centre's and the department's pages work without JavaScript.

use serde_json::{Value, json};
use yiyin_domain::roles::Role;
use yiyin_store::Backend;
use yiyin_testkit::browser::{answered, urlencoded};
use yiyin_testkit::web::HANYIN;
use yiyin_testkit::{Api, PASSWORD, Setup, on_both};

on_both!(
    the_api_keeps_roles_and_callers_apart,
    the_public_form_files_and_follows_a_ticket,
    the_public_intake_is_rate_limited,
    the_centre_and_department_pages_run_the_loop,
    the_kpis_are_served_to_the_centre_and_refused_to_others,
    ticket_files_reach_their_readers_only,
);

fn call() -> Value {
    json!({
        "jurisdiction": HANYIN, "type": "投诉", "category": "food",
        "content": "超市出售过期酸奶", "location": "城关镇东街",
        "caller_name": "李华", "caller_phone": "13800001111"
    })
}

async fn handler(api: &Api, login: &str, department: &str) -> String {
    api.department_staff(login, Role::TicketHandler, department)
        .await
}

/// The tokens of the centre's agent and manager, 市场监管's ticket handler and a window clerk.
async fn staff(api: &Api) -> [String; 4] {
    [
        api.staff("hy.centre", Role::CentreAgent, HANYIN).await,
        api.staff("hy.centre.head", Role::CentreManager, HANYIN)
            .await,
        handler(api, "hy.handler", "shichang").await,
        api.staff("hy.clerk", Role::WindowClerk, HANYIN).await,
    ]
}

/// The public form (`/suqiu`) sent with a body of `content_type`; what it was answered.
async fn suqiu(api: &Api, content_type: &str, body: Vec<u8>) -> (u16, String, String) {
    let r = api
        .plain
        .post(api.url("/suqiu"))
        .header("content-type", content_type);
    answered(r.body(body).send().await.expect("the server answers")).await
}

/// The number and query code the page of a filed ticket shows.
fn filed(page: &str) -> (String, String) {
    let number = between(page, "工单编号：<strong>", "</strong>");
    (
        number.to_string(),
        between(page, "查询码：<strong>", "</strong>").to_string(),
    )
}

/// The [`call`] logged by the centre's agent: the API's answer (the ticket and its query code).
async fn logged(api: &Api, agent: &str) -> Value {
    api.by(agent)
        .post("/api/v1/tickets", call())
        .await
        .expect(201)
}

/// The path of a ticket's acts.
fn acts(id: i64) -> String {
    format!("/api/v1/tickets/{id}/act")
}

/// A ticket as the holder of `token` reads it (asserting it may).
async fn ticket(api: &Api, token: &str, id: i64) -> Value {
    api.by(token)
        .get(&format!("/api/v1/tickets/{id}"))
        .await
        .expect(200)
}

/// The centre's queue in 汉阴县 as its agent reads it.
async fn queue(api: &Api, agent: &str) -> Value {
    api.by(agent)
        .get("/api/v1/tickets/queue?jurisdiction=hanyin")
        .await
        .expect(200)
}

/// A ticket as the public follows it by number and query code.
async fn tracked(api: &Api, number: &str, code: &str) -> Value {
    api.anonymous()
        .get(&format!(
            "/api/v1/public/tickets/track?number={number}&code={code}"
        ))
        .await
        .expect(200)
}

/// The OpenAPI document, read by nobody.
async fn openapi(api: &Api) -> Value {
    api.anonymous()
        .get("/api/v1/openapi.json")
        .await
        .expect(200)
}

async fn the_api_keeps_roles_and_callers_apart(backend: Backend) {
    let api = Api::start(Setup::new(backend, "2025-03-03").quiet()).await;
    let [agent, head, market, clerk] = staff(&api).await;
    let housing = handler(&api, "hy.zj", "zhujian").await;

    let created = logged(&api, &agent).await;
    let id = created["ticket"]["id"].as_i64().unwrap();
    let number = created["ticket"]["number"].as_str().unwrap().to_string();
    let code = created["query_code"].as_str().unwrap().to_string();
    assert_eq!(created["ticket"]["caller"]["phone"], "13800001111");
    api.by(&agent)
        .post(
            "/api/v1/tickets",
            json!({"jurisdiction": HANYIN, "type": "投诉", "category": "food", "content": "x"}),
        )
        .await
        .refused(422, "回电号码");

    // The wrong roles are refused before the request is read (even a malformed one).
    api.by(&clerk)
        .get("/api/v1/tickets/queue?nonsense=1")
        .await
        .refused(403, "受理和派发诉求工单");
    api.by(&clerk)
        .post(&acts(id), json!("not an object"))
        .await
        .refused(403, "查看诉求工单");
    api.by(&agent)
        .put("/api/v1/tickets/matrix?jurisdiction=hanyin", json!("x"))
        .await
        .refused(403, "管理诉求中心");
    api.by(&agent).get("/api/v1/tickets/desk").await.expect(403);
    api.anonymous()
        .get(&format!("/api/v1/tickets/{id}"))
        .await
        .expect(401);
    // Nor may a department read a ticket not dispatched to it.
    api.by(&market)
        .get(&format!("/api/v1/tickets/{id}"))
        .await
        .refused(403, "无权查看");

    let act = |body: Value| (acts(id), body);
    let (path, body) = act(json!({"action": "dispatch"}));
    let v = api.by(&agent).post(&path, body).await.expect(200);
    assert_eq!(v["department"], "shichang");
    let (path, body) = act(json!({"action": "sign"}));
    api.by(&housing)
        .post(&path, body.clone())
        .await
        .refused(403, "未派给您所在的部门");
    api.by(&market).post(&path, body).await.expect(200);
    let seen = ticket(&api, &market, id).await;
    assert_eq!(seen["caller"]["name"], "李华");
    let desk = api.list_page(Some(&market), "/api/v1/tickets/desk").await;
    assert_eq!((desk.ids(), desk.total()), (vec![id], Some(1)));
    let shown = serde_json::to_string(&desk.items).unwrap();
    assert!(!shown.contains("13800001111"), "{shown}");
    let page = api.page_ok(&market, "/tickets").await;
    assert!(page.contains("共 1 件"), "{page}");
    let (path, body) = act(json!({"action": "ask_extension", "days": 3, "reason": "送检"}));
    api.by(&market).post(&path, body).await.expect(200);
    let (path, body) = act(json!({"action": "decide_extension", "approve": true}));
    api.by(&agent)
        .post(&path, body.clone())
        .await
        .refused(403, "管理诉求中心");
    let v = api.by(&head).post(&path, body).await.expect(200);
    assert_eq!(v["extension_days"], 3);
    // The caller is told of the extension: the centre's page asks for it, the agent records it.
    assert_eq!(v["caller_to_tell"], true);
    let html = api.page_ok(&agent, &format!("/centre/tickets/{id}")).await;
    assert!(html.contains("记录已告知来电人"), "{html}");
    let queue = queue(&api, &agent).await;
    assert_eq!(queue["to_inform"][0]["id"], json!(id), "{queue}");
    let (path, body) = act(json!({"action": "inform", "note": "已电话告知延期3个工作日"}));
    api.by(&market)
        .post(&path, body.clone())
        .await
        .refused(403, "受理和派发诉求工单");
    let v = api.by(&agent).post(&path, body).await.expect(200);
    assert_eq!(v["caller_to_tell"], false);
    let (path, body) = act(json!({"action": "reply", "reply": "已下架并立案"}));
    api.by(&market).post(&path, body).await.expect(200);
    let (path, body) = act(json!({"action": "callback", "satisfaction": "满意"}));
    let v = api.by(&agent).post(&path, body).await.expect(200);
    assert_eq!(v["state"], "closed");

    // The public look-up and the lists never carry the caller's data.
    let tracked = tracked(&api, &number, &code).await;
    assert_eq!(tracked["reply"], "已下架并立案");
    let listed = api
        .by(&agent)
        .get("/api/v1/tickets?jurisdiction=hanyin&state=closed")
        .await
        .expect(200);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    for body in [tracked, listed] {
        let text = body.to_string();
        assert!(
            !text.contains("13800001111") && !text.contains("李华"),
            "{text}"
        );
    }
    let categories = api
        .anonymous()
        .get("/api/v1/tickets/categories?jurisdiction=hanyin")
        .await
        .expect(200);
    assert!(categories.to_string().contains("食品安全"));
    let doc = openapi(&api).await;
    assert!(doc["paths"]["/api/v1/tickets/{id}/act"].is_object());
    api.unbroken_chain(&api.staff("hy.jj", Role::DisciplineSupervisor, HANYIN).await)
        .await;
    api.stop().await;
}

/// The page's text between two markers.
fn between<'a>(page: &'a str, from: &str, to: &str) -> &'a str {
    let start = page
        .find(from)
        .unwrap_or_else(|| panic!("{from} not in {page}"))
        + from.len();
    let end = page[start..].find(to).expect("the end marker") + start;
    &page[start..end]
}

async fn the_public_form_files_and_follows_a_ticket(backend: Backend) {
    let api = Api::start(Setup::new(backend, "2025-03-03").quiet()).await;
    let (status, page) = api.get_text("/suqiu").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("我要反映") && page.contains("食品安全"),
        "{page}"
    );
    let form = "application/x-www-form-urlencoded";
    let post = |fields: Vec<(&str, &str)>| suqiu(&api, form, urlencoded(&fields).into_bytes());
    // Bad input is refused in Chinese and files nothing.
    let (status, page, _) = post(vec![
        ("jurisdiction", HANYIN),
        ("type", "投诉"),
        ("category", "food"),
        ("content", ""),
    ])
    .await;
    assert_eq!(status, 422);
    assert!(page.contains("请填写诉求内容"), "{page}");
    // Anonymous: no name, no phone.
    let (status, page, _) = post(vec![
        ("jurisdiction", HANYIN),
        ("type", "举报"),
        ("category", "food"),
        ("location", "城关镇西街"),
        ("content", "餐馆后厨卫生很差"),
    ])
    .await;
    assert_eq!(status, 200, "{page}");
    let (number, code) = filed(&page);
    assert!(number.starts_with("HY-12345-2025-"), "{number}");
    let (status, page) = api
        .get_text(&format!("/suqiu/track?number={number}&code={code}"))
        .await;
    assert_eq!(status, 200);
    assert!(
        page.contains("待派单") && page.contains("餐馆后厨卫生很差"),
        "{page}"
    );
    let (_, page) = api
        .get_text(&format!("/suqiu/track?number={number}&code=WRONG1"))
        .await;
    assert!(page.contains("工单编号或查询码不正确"), "{page}");
    // The centre sees it as anonymous.
    let agent = api.staff("hy.centre", Role::CentreAgent, HANYIN).await;
    let queue = queue(&api, &agent).await;
    let id = queue["pending"][0]["id"].as_i64().unwrap();
    let v = ticket(&api, &agent, id).await;
    assert_eq!(v["source"], "public");

    // A logged-in applicant files on the portal and reads the ticket on their page; nobody else
    // does, and the applicant sees no staff names.
    let person = api
        .register("person", "王芳", "11010519491231002X", PASSWORD)
        .await;
    let page = api.page_ok(&person, "/my/tickets").await;
    assert!(
        page.contains("我的诉求") && page.contains("提出新的诉求"),
        "{page}"
    );
    let csrf = api.browser_login("11010519491231002X").await;
    let fields = [
        ("csrf", csrf.as_str()),
        ("jurisdiction", HANYIN),
        ("type", "help"),
        ("category", "labour"),
        ("content", "工地拖欠工资三个月"),
        ("caller_phone", "13912345678"),
    ];
    let (status, page, location) = answered(api.post_form("/my/tickets", &fields).await).await;
    assert_eq!(status, 303, "{page}");
    assert!(location.starts_with("/my/tickets/"), "{location}");
    let page = api.page_ok(&person, &location).await;
    assert!(
        page.contains("工地拖欠工资三个月") && page.contains("网上申报"),
        "{page}"
    );
    let mine = api.list_page(Some(&person), "/api/v1/tickets/mine").await;
    assert_eq!(mine.total(), Some(1));
    assert_eq!(mine.next, None);
    let page = api.page_ok(&person, "/my/tickets").await;
    assert!(page.contains("共 1 件"), "{page}");
    assert!(
        !page.contains("测试") && !page.contains("value=\"dispatch\""),
        "{page}"
    );
    let id: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
    let other = api
        .register("person", "张三", "110101199003077774", PASSWORD)
        .await;
    let (status, _) = api.page_text(&other, &format!("/my/tickets/{id}")).await;
    assert_eq!(status, 403);
    let (status, _) = api
        .page_text(&person, &format!("/centre/tickets/{id}"))
        .await;
    assert_eq!(status, 403);
    assert!(
        v["caller"]["phone"].is_null() && v["caller"]["name"].is_null(),
        "{v}"
    );
    api.stop().await;
}

async fn the_public_intake_is_rate_limited(backend: Backend) {
    let low = Setup::tight_limits(3);
    let api = Api::start(
        Setup::new(backend, "2025-03-03")
            .quiet()
            .limits(low)
            .trust_forwarded_for(),
    )
    .await;
    let send = |from: &str| {
        api.plain
            .post(api.url("/api/v1/public/tickets"))
            .header("x-forwarded-for", format!("203.0.113.9, {from}"))
            .json(&json!({"jurisdiction": HANYIN, "type": "建议", "category": "traffic", "content": "增设公交站"}))
            .send()
    };
    for n in 0..3 {
        let r = send("198.51.100.7").await.unwrap();
        assert_eq!(r.status().as_u16(), 201, "#{n}");
    }
    let r = send("198.51.100.7").await.unwrap();
    assert_eq!(r.status().as_u16(), 429);
    assert!(r.headers().contains_key("retry-after"));
    // Another address is not held back.
    assert_eq!(send("198.51.100.8").await.unwrap().status().as_u16(), 201);
    api.stop().await;
}

async fn the_centre_and_department_pages_run_the_loop(backend: Backend) {
    let api = Api::start(Setup::new(backend, "2025-03-03").quiet()).await;
    api.staff("hy.centre", Role::CentreAgent, HANYIN).await;
    handler(&api, "hy.handler", "shichang").await;
    let clerk = api.staff("hy.clerk", Role::WindowClerk, HANYIN).await;
    let (status, _) = api.page_text(&clerk, "/centre").await;
    assert_eq!(status, 403);
    let (status, _) = api.page_text(&clerk, "/tickets").await;
    assert_eq!(status, 403);

    let csrf = api.browser_login("hy.centre").await;
    let (status, page) = api.get_text("/centre").await;
    assert_eq!(status, 200);
    for words in ["来电登记", "待派单", "待回访", "超期工单", "诉求中心"] {
        assert!(page.contains(words), "«{words}» not on the page");
    }
    assert!(
        !page.contains("办理时限矩阵"),
        "the manager's forms only for the manager"
    );
    let intake = |phone: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("jurisdiction", HANYIN.to_string()),
            ("type", "complaint".to_string()),
            ("urgency", "normal".to_string()),
            ("category", "food".to_string()),
            ("caller_phone", phone.to_string()),
            ("location", "城关镇".to_string()),
            ("content", "过期食品".to_string()),
        ]
    };
    let (status, page, _) = answered(api.post_form("/centre/tickets", &intake("12")).await).await;
    assert_eq!(status, 422);
    assert!(
        page.contains("回电号码") && page.contains("过期食品"),
        "{page}"
    );
    let (status, _, location) = answered(
        api.post_form("/centre/tickets", &intake("13800001111"))
            .await,
    )
    .await;
    assert_eq!(status, 303);
    assert!(location.starts_with("/centre/tickets/"), "{location}");
    let (_, page) = api.get_text(&location).await;
    assert!(
        page.contains("13800001111"),
        "the centre sees the callback number: {page}"
    );
    assert!(
        page.contains("登记（或重办）之日起1个工作日内派单"),
        "{page}"
    );
    assert!(
        page.contains("<option value=\"shichang\" selected>"),
        "the category's department is offered first: {page}"
    );
    // The desk counts what each list holds: the one ticket waiting for dispatch.
    let (_, desk) = api.get_text("/centre").await;
    assert!(desk.contains("共 1 件"), "{desk}");
    let act = format!("{location}/act");
    for (department, status, meaning) in [
        (
            "chengguan",
            422,
            "a line department's work never goes to a township",
        ),
        ("shichang", 303, "dispatched to the category's department"),
    ] {
        let fields = [
            ("csrf", csrf.as_str()),
            ("action", "dispatch"),
            ("department", department),
        ];
        let (answer, _, _) = answered(api.post_form(&act, &fields).await).await;
        assert_eq!(answer, status, "{meaning}");
    }

    // The department signs and replies from its desk.
    let csrf = api.browser_login("hy.handler").await;
    let (status, page) = api.get_text("/tickets").await;
    assert_eq!(status, 200);
    assert!(page.contains("过期食品"), "{page}");
    let (_, page) = api.get_text(&location).await;
    assert!(page.contains("value=\"sign\""), "{page}");
    for fields in [
        vec![("action", "sign")],
        vec![("action", "reply"), ("reply", "已责令下架")],
    ] {
        let mut fields: Vec<(&str, &str)> = fields;
        fields.push(("csrf", csrf.as_str()));
        let (status, page, _) = answered(api.post_form(&act, &fields).await).await;
        assert_eq!(status, 303, "{page}");
    }
    let (_, page) = api.get_text(&location).await;
    assert!(
        page.contains("已答复") && page.contains("已责令下架"),
        "{page}"
    );

    // The manager edits the categories and the matrix from the desk.
    api.staff("hy.centre.head", Role::CentreManager, HANYIN)
        .await;
    let csrf = api.browser_login("hy.centre.head").await;
    let (status, page) = api.get_text("/centre").await;
    assert_eq!(status, 200);
    for words in [
        "办理时限矩阵",
        "诉求分类（派单目录）",
        "待仲裁的退单",
        "待审批的延期申请",
        "食品安全",
    ] {
        assert!(page.contains(words), "«{words}» not on the page");
    }
    let category = [
        ("csrf", csrf.as_str()),
        ("jurisdiction", HANYIN),
        ("code", "noise"),
        ("name", "噪声扰民"),
        ("department", "huanbao"),
        ("duty", "line"),
    ];
    let (status, _, _) = answered(api.post_form("/centre/categories", &category).await).await;
    assert_eq!(status, 303);
    let (_, page) = api.get_text("/centre").await;
    assert!(
        page.contains("噪声扰民") && page.contains("第1版"),
        "{page}"
    );
    let matrix = [
        ("csrf", csrf.as_str()),
        ("jurisdiction", HANYIN),
        ("merge_window", "5"),
    ];
    let (status, page, _) = answered(api.post_form("/centre/matrix", &matrix).await).await;
    assert_eq!(status, 422);
    assert!(page.contains("时限应为整数"), "{page}");
    api.stop().await;
}

/// The requests centre's KPIs over HTTP: the JSON and the workbook for the manager, a handler's
/// own row, the denials before the query is read, bad input in Chinese, the page and its link.
async fn the_kpis_are_served_to_the_centre_and_refused_to_others(backend: Backend) {
    let api = Api::start(Setup::new(backend, "2025-03-03").quiet()).await;
    let [agent, head, market, clerk] = staff(&api).await;
    // One ticket through the loop on Monday: dispatched, signed, replied, closed satisfied.
    let created = logged(&api, &agent).await;
    let id = created["ticket"]["id"].as_i64().unwrap();
    let path = acts(id);
    for (who, body) in [
        (&agent, json!({"action": "dispatch"})),
        (&market, json!({"action": "sign"})),
        (&market, json!({"action": "reply", "reply": "已下架"})),
        (
            &agent,
            json!({"action": "callback", "satisfaction": "满意"}),
        ),
    ] {
        api.by(who).post(&path, body).await.expect(200);
    }
    let query = "jurisdiction=hanyin&from=2025-03-01&to=2025-03-03";
    let k = api
        .by(&head)
        .get(&format!("/api/v1/tickets/kpis?{query}&by=department"))
        .await
        .expect(200);
    let total = &k["table"]["total"]["rates"];
    let shown = |name: &str| total[name]["display"].as_str().unwrap().to_string();
    assert_eq!(shown("on_time_sign"), "100.0%");
    assert_eq!(shown("first_contact"), "100.0%");
    assert_eq!(shown("satisfaction"), "100.0%");
    assert_eq!(shown("solved"), "100.0%");
    assert_eq!(shown("rehandled"), "0.0%");
    assert_eq!(shown("returned"), "0.0%");
    // The reply is due on 03-17, after the period: not counted yet.
    assert_eq!(shown("on_time_reply"), "—");
    assert_eq!(total["rehandled"]["denominator"], 1);
    assert_eq!(k["table"]["rows"][0]["key"]["name"], "汉阴县市场监督管理局");
    // A handler: their own department only.
    let mine = api
        .by(&market)
        .get(&format!("/api/v1/tickets/kpis?{query}&by=category"))
        .await
        .expect(200);
    assert_eq!(mine["department"]["code"], "shichang");
    assert_eq!(mine["table"]["rows"][0]["key"]["code"], "food");
    // Refused before the query is read; bad input in Chinese.
    for path in [
        "/api/v1/tickets/kpis?by=x",
        "/api/v1/tickets/kpis.xlsx?from=x",
    ] {
        api.by(&clerk)
            .get(path)
            .await
            .refused(403, "查看诉求办理考核指标");
        api.anonymous().get(path).await.expect(401);
    }
    api.by(&agent)
        .get(&format!("/api/v1/tickets/kpis?{query}"))
        .await
        .refused(403, "诉求办理考核指标");
    api.by(&head)
        .get(&format!("/api/v1/tickets/kpis?{query}&by=week"))
        .await
        .refused(422, "统计口径");
    api.by(&head)
        .get("/api/v1/tickets/kpis?jurisdiction=hanyin&from=2025-3-1x")
        .await
        .refused(422, "日期格式");
    // The workbook.
    let (status, bytes) = api
        .page(&head, &format!("/api/v1/tickets/kpis.xlsx?{query}"))
        .await;
    assert_eq!(status, 200);
    use calamine::Reader;
    let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(wb.sheet_names(), ["诉求考核指标"]);
    let range = wb.worksheet_range("诉求考核指标").unwrap();
    let row: Vec<String> = range
        .rows()
        .nth(2)
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(
        row[..5],
        ["shichang", "汉阴县市场监督管理局", "1", "1", "100.0%"]
    );
    let doc = openapi(&api).await;
    assert!(doc["paths"]["/api/v1/tickets/kpis"].is_object());
    assert!(doc["paths"]["/api/v1/tickets/kpis.xlsx"].is_object());

    // The page, linked from the centre's desk; refused to an applicant.
    let page = api.page_ok(&head, "/centre").await;
    assert!(page.contains("/centre/kpis?jurisdiction=hanyin"), "{page}");
    let page = api
        .page_ok(&head, &format!("/centre/kpis?{query}&by=department"))
        .await;
    for words in [
        "诉求办理考核指标（按部门，2025-03-01 至 2025-03-03）",
        "汉阴县市场监督管理局",
        "100.0%",
        "/api/v1/tickets/kpis.xlsx?jurisdiction=hanyin",
        "<td data-label=\"按时签收率\">100.0%",
        "<td data-label=\"退单率\">0.0%",
    ] {
        assert!(page.contains(words), "«{words}» not on the page");
    }
    let page = api.page_ok(&head, "/centre/kpis?by=week").await;
    assert!(page.contains("统计条件有误"), "{page}");
    let applicant = api
        .register("person", "赵六", "610921199001010012", "zhaoliu2025a")
        .await;
    let (status, _) = api.page_text(&applicant, "/centre/kpis").await;
    assert_eq!(status, 403);
    let (status, _) = api.page_text(&clerk, "/centre/kpis").await;
    assert_eq!(status, 403);
    api.stop().await;
}

const BOUNDARY: &str = "yiyin-ticket-files-7f3a";

/// A multipart body: text fields, then files (field `file_attachments`).
fn multipart_form(fields: &[(&str, &str)], files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, value) in fields {
        out.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (file, bytes) in files {
        out.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file_attachments\"; \
                 filename=\"{file}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        out.extend_from_slice(bytes);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    out
}

/// Files sent with the public form through the real server: the public learns only a count; the
/// centre and the department holding the ticket download them (API and pages), another
/// department, another applicant and nobody are refused; a bad file is refused in Chinese and
/// files nothing; the API adds a file and refuses a wrong one.
async fn ticket_files_reach_their_readers_only(backend: Backend) {
    let api = Api::start(Setup::new(backend, "2025-03-03").quiet()).await;
    let photo: &[u8] = b"\x89PNG\r\n\x1a\nshelf-photo";
    let fields = [
        ("jurisdiction", HANYIN),
        ("type", "投诉"),
        ("category", "food"),
        ("location", "城关镇东街"),
        ("content", "超市出售过期酸奶"),
    ];
    let multipart = format!("multipart/form-data; boundary={BOUNDARY}");
    let post = |body: Vec<u8>| suqiu(&api, &multipart, body);
    // A wrong kind of file refuses the whole form, in Chinese; nothing is filed.
    let text: &[u8] = "纯文本".as_bytes();
    let (status, page, _) = post(multipart_form(&fields, &[("说明.txt", text)])).await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("不是PDF、JPG、PNG或OFD文件"), "{page}");
    assert!(!page.contains("工单编号：<strong>"), "{page}");
    // With a photo: filed.
    let (status, page, _) = post(multipart_form(&fields, &[("货架.png", photo)])).await;
    assert_eq!(status, 200, "{page}");
    let (number, code) = filed(&page);
    let (_, page) = api
        .get_text(&format!("/suqiu/track?number={number}&code={code}"))
        .await;
    assert!(page.contains("附件：1个"), "{page}");
    assert!(!page.contains("货架.png"), "{page}");
    let tracked = tracked(&api, &number, &code).await;
    assert_eq!(tracked["attachment_count"], 1);
    let id = tracked["id"].as_i64().unwrap();

    let agent = api.staff("hy.centre", Role::CentreAgent, HANYIN).await;
    let market = handler(&api, "hy.handler", "shichang").await;
    let housing = handler(&api, "hy.zj", "zhujian").await;
    let listed = api
        .by(&agent)
        .get(&format!("/api/v1/tickets/{id}/attachments"))
        .await
        .expect(200);
    assert_eq!(listed[0]["file_name"], "货架.png");
    assert_eq!(listed[0]["content_type"], "image/png");
    let aid = listed[0]["id"].as_i64().unwrap();
    let file = format!("/api/v1/tickets/{id}/attachments/{aid}");
    let download = |token: Option<&str>| {
        let req = api.request("GET", &file, token, None);
        async move {
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.bytes().await.unwrap().to_vec())
        }
    };
    let (status, bytes) = download(Some(&agent)).await;
    assert_eq!((status, bytes.as_slice()), (200, photo));
    // Not the department before it holds the ticket, nor another department, an applicant who
    // did not file it, or nobody.
    assert_eq!(download(Some(&market)).await.0, 403);
    api.by(&agent)
        .post(&acts(id), json!({"action": "dispatch"}))
        .await
        .expect(200);
    assert_eq!(download(Some(&market)).await, (200, photo.to_vec()));
    let (status, body) = download(Some(&housing)).await;
    assert_eq!(status, 403);
    assert!(String::from_utf8_lossy(&body).contains("无权查看"));
    let citizen = api
        .register("person", "赵六", "610921199001010012", PASSWORD)
        .await;
    assert_eq!(download(Some(&citizen)).await.0, 403);
    assert_eq!(download(None).await.0, 401);
    api.by(&housing)
        .get(&format!("/api/v1/tickets/{id}/attachments"))
        .await
        .refused(403, "无权查看");

    // The department adds its evidence through the API; a wrong file is refused.
    let add = |token: &str, name: &str, body: Vec<u8>| {
        api.request(
            "POST",
            &format!(
                "/api/v1/tickets/{id}/attachments?name={}",
                yiyin_app::encode_query(name)
            ),
            Some(token),
            None,
        )
        .header("content-type", "application/octet-stream")
        .body(body)
        .send()
    };
    let r = add(&market, "现场.pdf", b"%PDF-1.4\n%%EOF\n".to_vec())
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let all: Value = r.json().await.unwrap();
    assert_eq!(all.as_array().unwrap().len(), 2);
    assert_eq!(all[1]["stage"], "reply");
    let r = add(&market, "说明.txt", "纯文本".as_bytes().to_vec())
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("不是PDF、JPG、PNG或OFD文件")
    );
    assert_eq!(
        add(&housing, "x.png", photo.to_vec())
            .await
            .unwrap()
            .status()
            .as_u16(),
        403
    );

    // The centre's page lists the files and serves them; the department's link too.
    let page = api.page_ok(&agent, &format!("/centre/tickets/{id}")).await;
    let link = format!("/centre/tickets/{id}/attachments/{aid}");
    assert!(page.contains(&link) && page.contains("货架.png"), "{page}");
    assert_eq!(api.page(&agent, &link).await, (200, photo.to_vec()));
    assert_eq!(api.page(&market, &link).await, (200, photo.to_vec()));
    assert_eq!(api.page(&housing, &link).await.0, 403);
    assert_ne!(api.page(&citizen, &link).await.0, 200);

    // A logged-in applicant's form carries a file; they download it from their ticket's page,
    // but not another ticket's file through their own page.
    let csrf = api.browser_login("610921199001010012").await;
    let contract: &[u8] = b"%PDF-1.4\n% contract\n%%EOF\n";
    let mut mine = vec![("csrf", csrf.as_str())];
    mine.extend_from_slice(&fields);
    let send_mine = |fields: &[(&str, &str)]| {
        let body = multipart_form(fields, &[("合同.pdf", contract)]);
        api.post_raw("/my/tickets", &multipart, body)
    };
    let (status, _, location) = send_mine(&mine).await;
    assert_eq!(status, 303, "{location}");
    assert!(location.starts_with("/my/tickets/"), "{location}");
    let path = location.split('?').next().unwrap().to_string();
    let r = api.get(&location).await;
    let page = r.text().await.unwrap();
    let link = format!("{path}/attachments/");
    let own = between(&page, &link, "\"").to_string();
    assert!(page.contains("合同.pdf"), "{page}");
    let r = api.get(&format!("{link}{own}")).await;
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), contract);
    let r = api
        .get(&format!("/my/tickets/{id}/attachments/{aid}"))
        .await;
    assert_eq!(r.status().as_u16(), 403);
    // A multipart form whose first field is not the session's token is refused unread.
    let (status, _, _) = send_mine(&fields).await;
    assert_eq!(status, 403);
}
