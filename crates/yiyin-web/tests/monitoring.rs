//! The monitoring desk over HTTP, on both databases: the API lists the cards the sweep issued to
//! the discipline supervisor, the bureau head and the department's observer, filters them, refuses
//! the window before reading the request; a card is appealed once by the section chief and the
//! appeal decided by the discipline supervisor alone; the `/monitoring` page shows the cards in
//! Chinese to the discipline supervisor and answers a window clerk 403.

use serde_json::{Value, json};
use yiyin_domain::roles::Role;
use yiyin_store::Backend;
use yiyin_testkit::browser::answered;
use yiyin_testkit::web::{HANYIN, approve, online};
use yiyin_testkit::{Api, Setup, at, on_both};

on_both!(
    the_api_lists_appeals_and_decides_cards,
    the_desk_page_shows_the_cards,
    the_statistics_api_answers_and_downloads,
    the_statistics_pages_draw_their_charts,
    open_data_publishes_the_approvals_masked,
    the_monthly_report_downloads_as_a_sealed_pdf,
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
    reply["cards"].as_array().expect("a page of cards").clone()
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
    // Pages by key with the count of all that match; by window and by staff member.
    let first = api
        .by(&jj)
        .get(&format!("{list}&limit=1"))
        .await
        .expect(200);
    assert_eq!(first["count"], 2);
    let next = first["next"].as_str().expect("a next page").to_string();
    let second = api
        .by(&jj)
        .get(&format!("{list}&limit=1&after={next}"))
        .await
        .expect(200);
    assert_eq!(second["count"], 2);
    assert!(second["next"].is_null());
    let mut paged = cards(first);
    paged.extend(cards(second));
    assert_eq!(paged, all);
    let online = api
        .by(&jj)
        .get(&format!("{list}&window=online"))
        .await
        .expect(200);
    assert_eq!(online["count"], 2);
    let elsewhere = api
        .by(&jj)
        .get(&format!("{list}&window=hy-nowhere"))
        .await
        .expect(200);
    assert_eq!(elsewhere["count"], 0);
    api.by(&jj)
        .get(&format!("{list}&staff=abc"))
        .await
        .refused(422, "账号编号");
    api.by(&clerk)
        .get(&format!("{list}&window=online"))
        .await
        .refused(403, "查看电子监察");
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
    for words in [
        "电子监察",
        "黄牌",
        "红牌",
        "承诺时限",
        "法定时限",
        "亮牌日",
        "窗口",
        "工作人员",
        "共 2 张",
    ] {
        assert!(page.contains(words), "«{words}» not on the page");
    }
    assert!(page.contains(&format!("/work/cases/{id}")));
    let (status, _) = api.page_text(&clerk, "/monitoring").await;
    assert_eq!(status, 403);

    // The head appeals the yellow card from the page: a reason is required, shown beside the field.
    api.staff("hy.head", Role::BureauHead, HANYIN).await;
    let list = "/api/v1/monitoring/cards?jurisdiction=hanyin&color=yellow";
    let card = api.by(&jj).get(list).await.expect(200)["cards"][0]["id"]
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

// ---------------------------------------------------------------------------------------------
// The bureau's statistics (政务服务统计) over HTTP: the API's table for those with the duty, its
// `.xlsx` and CSV downloads, the denials before the query is read; the `/statistics` page and the
// public page of the jurisdiction with their SVG charts.

/// The statistics of the late case's period (March and April 2025), by `by`.
fn statistics(path: &str, by: &str) -> String {
    format!("{path}?jurisdiction=hanyin&from=2025-03-01&to=2025-04-30&by={by}")
}

async fn the_statistics_api_answers_and_downloads(backend: Backend) {
    let (api, ..) = late(backend).await;
    // Read on the last day of the period (its end is never in the future): logged in again.
    api.clock.set(at("2025-04-30"));
    let [clerk, chief] = api.tokens(["hy.clerk", "hy.chief"]).await;
    let head = api.staff("hy.head", Role::BureauHead, HANYIN).await;
    let jj = api.staff("hy.jj", Role::DisciplineSupervisor, HANYIN).await;
    let other = api.observer("hy.gc2", "wenguang").await;
    let json = statistics("/api/v1/statistics", "department");

    // One case, accepted 03-03 and still open on 04-30, past both limits: two cards.
    let s = api.by(&head).get(&json).await.expect(200);
    let total = &s["table"]["total"]["counts"];
    assert_eq!(total["received"], 1);
    assert_eq!(total["accepted"], 1);
    assert_eq!(total["open"], 1);
    assert_eq!(total["open_overdue"], 1);
    assert_eq!(
        (
            total["cards_promised"].clone(),
            total["cards_statutory"].clone()
        ),
        (json!(1), json!(1))
    );
    assert_eq!(s["table"]["rows"][0]["key"]["code"], "shichang");
    assert_eq!(s["table"]["total"]["ratings"], Value::Null);
    let rates = &s["table"]["total"]["rates"];
    assert_eq!(rates["on_time"]["display"], "—");
    assert_eq!(
        rates["on_time_with_open"],
        json!({"numerator": 0, "denominator": 1, "display": "0.0%"})
    );
    assert_eq!(rates["compression"]["display"], "50.0%");
    assert_eq!(rates["good"], Value::Null);
    assert_eq!(api.by(&jj).get(&json).await.expect(200), s);
    // The observer of another department: nothing of 市场监管.
    let theirs = api.by(&other).get(&json).await.expect(200);
    assert_eq!(theirs["table"]["total"]["counts"]["received"], 0);
    assert_eq!(theirs["departments"], json!(["wenguang"]));

    // Refused before the query is read; bad input in Chinese.
    for path in [
        "/api/v1/statistics?from=x",
        "/api/v1/statistics.xlsx?from=x",
        "/api/v1/statistics.csv?by=x",
    ] {
        api.by(&clerk)
            .get(path)
            .await
            .refused(403, "查看政务服务统计");
        api.by(&chief).get(path).await.expect(403);
        api.anonymous().get(path).await.expect(401);
    }
    api.by(&head)
        .get(&statistics("/api/v1/statistics", "month"))
        .await
        .refused(422, "统计口径应为以下之一");
    api.by(&head)
        .get("/api/v1/statistics?jurisdiction=hanyin&from=2025-02-30")
        .await
        .refused(422, "YYYY-MM-DD");
    api.anonymous()
        .get(&statistics("/api/v1/public/statistics", "staff"))
        .await
        .refused(422, "仅供本局工作人员查看");
    let public = api
        .anonymous()
        .get(&statistics("/api/v1/public/statistics", "department"))
        .await
        .expect(200);
    assert_eq!(public["table"], s["table"]);

    // The workbook opens, with its sheet, headings and counts.
    let (status, bytes) = api
        .page(&head, &statistics("/api/v1/statistics.xlsx", "department"))
        .await;
    assert_eq!(status, 200);
    use calamine::Reader;
    let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(wb.sheet_names(), ["政务服务统计"]);
    let range = wb.worksheet_range("政务服务统计").unwrap();
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert!(
        rows[0][0].contains("政务服务统计（按部门，2025-03-01 至 2025-04-30）"),
        "{:?}",
        rows[0]
    );
    assert_eq!(rows[1][..4], ["部门编码", "部门", "收件", "受理"]);
    assert_eq!(rows[2][0], "shichang");
    assert_eq!(rows[2][2], "1");
    assert_eq!(rows[3][1], "合计");
    assert_eq!(rows.len(), 4);

    // The CSV: a byte-order mark, the headings, one row and the total.
    let (status, csv) = api
        .page_text(&head, &statistics("/api/v1/statistics.csv", "item"))
        .await;
    assert_eq!(status, 200);
    let csv = csv.trim_start_matches('\u{feff}');
    assert!(csv.starts_with("事项编码,事项,收件,受理,不予受理,办结,准予许可,不予许可,撤回,即办,提前,按时,超期,在办,在办超期"), "{csv}");
    assert!(csv.contains("好评率,差评整改率"), "{csv}");
    assert_eq!(csv.lines().count(), 3);
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .starts_with("HY-SC-001,食品经营许可,1,1,")
    );

    // The OpenAPI document describes the paths under their tag.
    let doc = api
        .anonymous()
        .get("/api/v1/openapi.json")
        .await
        .expect(200);
    for path in [
        "/api/v1/statistics",
        "/api/v1/statistics.xlsx",
        "/api/v1/statistics.csv",
        "/api/v1/public/statistics",
    ] {
        assert_eq!(
            doc["paths"][path]["get"]["tags"][0], "政务服务统计",
            "{path}"
        );
    }
    api.stop().await;
}

async fn the_statistics_pages_draw_their_charts(backend: Backend) {
    let (api, ..) = late(backend).await;
    // Read on the last day of the period (its end is never in the future): logged in again.
    api.clock.set(at("2025-04-30"));
    let [clerk] = api.tokens(["hy.clerk"]).await;
    let head = api.staff("hy.head", Role::BureauHead, HANYIN).await;
    let (status, page) = api
        .page_text(&head, "/statistics?from=2025-03-01&to=2025-04-30&by=staff")
        .await;
    assert_eq!(status, 200, "{page}");
    for words in [
        "政务服务统计",
        "<svg",
        "办结件效率分类",
        "按时办结率",
        "在办超期",
        "承诺压缩比",
        "下载本表",
        "<td data-label=\"按时办结率\">—</td>",
        "<td data-label=\"收件\">1</td>",
        "statistics.xlsx?",
        "hy.clerk",
    ] {
        assert!(page.contains(words), "«{words}» not on the page");
    }
    let link = page.split("statistics.xlsx?").nth(1).unwrap_or_default();
    assert!(
        link.starts_with("jurisdiction=hanyin"),
        "{}",
        &link[..80.min(link.len())]
    );
    // Two charts drawn in the page, without script or outside asset.
    let charts: Vec<&str> = page
        .split("<svg")
        .skip(1)
        .map(|c| c.split("</svg>").next().unwrap_or_default())
        .collect();
    assert_eq!(charts.len(), 2, "{page}");
    for c in charts {
        assert!(!c.contains("script") && !c.contains("href"), "{c}");
        assert!(c.contains("<title") && c.contains("<desc"), "{c}");
    }
    assert!(page.contains("即办 0 · 提前 0 · 按时 0 · 超期 0"), "{page}");
    assert!(page.contains("—（无办结件）"), "{page}");
    let (status, page) = api
        .page_text(&head, "/statistics?from=2025-04-30&to=2025-03-01")
        .await;
    assert_eq!(status, 200);
    assert!(
        page.contains("结束日期 2025-03-01 早于开始日期 2025-04-30"),
        "{page}"
    );
    let (status, _) = api.page_text(&clerk, "/statistics").await;
    assert_eq!(status, 403);

    // The public page: aggregate figures and charts, no staff grouping, no names.
    let (status, page) = api
        .get_text("/j/hanyin/statistics?from=2025-03-01&to=2025-04-30")
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("<svg"), "{page}");
    assert!(
        page.contains("政务服务统计") && !page.contains("hy.clerk"),
        "{page}"
    );
    assert!(!page.contains("value=\"staff\""), "{page}");
    let (_, refused) = api.get_text("/j/hanyin/statistics?by=staff").await;
    assert!(refused.contains("仅供本局工作人员查看"), "{refused}");
    let (_, catalog) = api.get_text("/j/hanyin").await;
    assert!(catalog.contains("/j/hanyin/statistics"));
    api.stop().await;
}

/// The approvals published as open data: a company's licence with its name and credit code, a
/// person's with the surname only and no ID number, as JSON pages and as CSV; bad input refused in
/// Chinese; the paths in the OpenAPI; the public statistics page links them.
async fn open_data_publishes_the_approvals_masked(backend: Backend) {
    let api = Api::spawn(backend, "2025-03-03").await;
    let desk = api.desk().await;
    let person = api
        .register("person", "王芳", "11010519491231002X", "wangfang2025")
        .await;
    let company = api.received(&desk.clerk).await;
    let personal = api
        .by(&person)
        .post("/api/v1/cases", online(true))
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    for id in [company, personal] {
        for (token, action) in desk.licensing(approve("符合条件")) {
            api.act(token, id, action).await.expect(200);
        }
    }
    let number = async |case: i64| api.licence_of(case).await.identifier;
    let q = "jurisdiction=hanyin&from=2025-01-01&to=2025-03-03";
    let page = api
        .anonymous()
        .get(&format!("/api/v1/public/approvals?{q}"))
        .await
        .expect(200);
    assert_eq!(page["jurisdiction_name"], "汉阴县");
    assert_eq!(page["next"], Value::Null);
    let rows = page["approvals"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{page}");
    let org = &rows[0];
    assert_eq!(org["holder_kind"], "法人及其他组织");
    assert_eq!(org["holder"], "汉阴县月河餐饮有限公司");
    assert_eq!(org["holder_credit_code"], "91350100M000100Y43");
    assert_eq!(org["item_code"], "HY-SC-001");
    assert_eq!(org["item_name"], "食品经营许可");
    assert_eq!(org["issued_on"], "2025-03-03");
    assert_eq!(org["status"], "有效");
    assert_eq!(org["version"], 1);
    let one = &rows[1];
    assert_eq!(one["holder_kind"], "自然人");
    assert_eq!(one["holder"], "王*");
    assert_eq!(one["holder_credit_code"], Value::Null);
    let text = page.to_string();
    assert!(!text.contains("王芳") && !text.contains("11010519491231002X"));
    assert_eq!(org["licence_number"], number(company).await.as_str());
    assert_eq!(one["licence_number"], number(personal).await.as_str());

    // A page at a time: `next` is the `after` of the next page.
    let first = api
        .anonymous()
        .get(&format!("/api/v1/public/approvals?{q}&limit=1"))
        .await
        .expect(200);
    assert_eq!(first["approvals"].as_array().unwrap().len(), 1);
    let after = first["next"].as_i64().expect("a next page");
    let second = api
        .anonymous()
        .get(&format!(
            "/api/v1/public/approvals?{q}&limit=1&after={after}"
        ))
        .await
        .expect(200);
    assert_eq!(second["approvals"][0], rows[1]);
    assert_eq!(second["next"], Value::Null);
    // A period before the licences: none.
    let none = api
        .anonymous()
        .get("/api/v1/public/approvals?jurisdiction=hanyin&from=2024-01-01&to=2024-12-31")
        .await
        .expect(200);
    assert_eq!(none["approvals"], json!([]));

    // The CSV: a byte-order mark, the headings, the two rows, the person masked.
    let r = api.get(&format!("/api/v1/public/approvals.csv?{q}")).await;
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = r.text().await.unwrap();
    assert!(csv.starts_with('\u{feff}'));
    let csv = csv.trim_start_matches('\u{feff}');
    assert!(csv.starts_with("许可证号,许可证书名称,版本,事项编码,事项名称,相对人类别,行政相对人,统一社会信用代码,许可机关"), "{csv}");
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(csv.contains(",自然人,王*,,"), "{csv}");
    assert!(!csv.contains("王芳") && !csv.contains("11010519491231002X"));

    // Bad input: Chinese, naming the field; an unknown county: 404.
    for (path, status, phrase) in [
        (
            "/api/v1/public/approvals?jurisdiction=hanyin&from=2025-13-01",
            422,
            "YYYY-MM-DD",
        ),
        (
            "/api/v1/public/approvals?jurisdiction=hanyin&to=2099-01-01",
            422,
            "不能晚于今天",
        ),
        (
            "/api/v1/public/approvals?jurisdiction=hanyin&limit=0",
            422,
            "每页条数",
        ),
        (
            "/api/v1/public/approvals?jurisdiction=hanyin&limit=5000",
            422,
            "每页条数",
        ),
        (
            "/api/v1/public/approvals?jurisdiction=hanyin&after=-1",
            422,
            "next",
        ),
        (
            "/api/v1/public/approvals?jurisdiction=nowhere",
            404,
            "没有代码为 nowhere 的县区",
        ),
        (
            "/api/v1/public/approvals.csv?jurisdiction=hanyin&from=2020-01-01&to=2025-03-03",
            422,
            "五年",
        ),
    ] {
        api.anonymous().get(path).await.refused(status, phrase);
    }

    // The OpenAPI describes both paths; the public statistics page links them.
    let doc = api
        .anonymous()
        .get("/api/v1/openapi.json")
        .await
        .expect(200);
    for path in ["/api/v1/public/approvals", "/api/v1/public/approvals.csv"] {
        assert_eq!(doc["paths"][path]["get"]["tags"][0], "政务公开", "{path}");
    }
    let (status, html) = api.get_text("/j/hanyin/statistics").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("/api/v1/public/approvals.csv?jurisdiction=hanyin"),
        "{html}"
    );
    api.stop().await;
}

/// The monthly report (政务服务月报) over HTTP: the bureau head downloads the current month to
/// date as a PDF sealed with the bureau's seal (its text carries the month's figures, its file
/// verifies), the statistics page offers it; a clerk and an observer limited to a department are
/// refused, a month to come is refused in Chinese, the path is in the OpenAPI under its tag.
async fn the_monthly_report_downloads_as_a_sealed_pdf(backend: Backend) {
    let api = Api::start(Setup::new(backend, "2025-03-03").sealed().quiet()).await;
    let desk = api.desk().await;
    let id = api.received(&desk.clerk).await;
    api.act(&desk.clerk, id, json!({"action": "accept"}))
        .await
        .expect(200);
    let head = api.staff("hy.head", Role::BureauHead, HANYIN).await;
    let observer = api.observer("hy.gc2", "wenguang").await;
    let path = "/api/v1/statistics/monthly.pdf?jurisdiction=hanyin&month=2025-03";

    let (status, pdf) = api.page(&head, path).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&pdf));
    assert!(pdf.starts_with(b"%PDF-"));
    let text = yiyin_testkit::pdf_text(&pdf);
    assert!(
        text.contains("行政审批服务局政务服务月报（2025年3月）"),
        "{text}"
    );
    assert!(
        text.contains("2025年3月1日至2025年3月3日（本月截至制表之日）"),
        "{text}"
    );
    assert!(text.contains("合计：收件1，受理1"), "{text}");
    let verdict = api.app.verify_bytes(&pdf).await.unwrap();
    assert!(verdict.valid, "{:?}", verdict.problems);

    // Refused: a clerk before the query is read, an observer of one department, a month to come.
    api.by(&desk.clerk)
        .get("/api/v1/statistics/monthly.pdf?jurisdiction=hanyin&month=x")
        .await
        .refused(403, "查看政务服务统计");
    api.by(&observer).get(path).await.refused(403, "审批观察员");
    api.anonymous().get(path).await.expect(401);
    api.by(&head)
        .get("/api/v1/statistics/monthly.pdf?jurisdiction=hanyin&month=2025-04")
        .await
        .refused(422, "尚未到来");

    // The head's statistics page offers it; the observer's does not.
    let (status, page) = api.page_text(&head, "/statistics").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("下载月报（PDF，含电子印章）"), "{page}");
    assert!(
        page.contains("action=\"/api/v1/statistics/monthly.pdf\""),
        "{page}"
    );
    let (_, theirs) = api.page_text(&observer, "/statistics").await;
    assert!(!theirs.contains("下载月报"));

    let doc = api
        .anonymous()
        .get("/api/v1/openapi.json")
        .await
        .expect(200);
    assert_eq!(
        doc["paths"]["/api/v1/statistics/monthly.pdf"]["get"]["tags"][0],
        "政务服务统计"
    );
    api.stop().await;
}
