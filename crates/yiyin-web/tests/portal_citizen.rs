//! The portal a citizen expects, on both databases: verification by a number typed loosely (page and
//! API, one normalisation), the query code on the applicant's case page, Chinese answers to unknown
//! addresses; the county chosen once and kept, the 个人办事 and 法人办事 entrances, the county's
//! popular items, search in people's words and pinyin, blank forms and samples as PDFs; and the
//! window's look-up of a known applicant (API and intake form) with its denials.

use serde_json::{Value, json};
use yiyin_app::encode_query;
use yiyin_domain::roles::Role;
use yiyin_store::Backend;
use yiyin_testkit::web::{COMPANY_ID, HANYIN};
use yiyin_testkit::{Api, on_both};

on_both!(
    numbers_typed_loosely_verify_and_unknown_addresses_answer_in_chinese,
    the_portal_opens_on_my_county_and_finds_peoples_words,
    the_window_looks_up_a_known_applicant
);

/// The same number as people type it: other brackets, no 号, lower case, full-width, spaces.
fn loose_spellings(stored: &str) -> Vec<String> {
    let wide = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    char::from_u32(u32::from(c) + 0xFEE0).unwrap_or(c)
                } else {
                    c
                }
            })
            .collect()
    };
    let bare = stored.trim_end_matches('号');
    vec![
        stored.to_string(),
        bare.to_string(),
        stored.replace('〔', "[").replace('〕', "]"),
        bare.replace('〔', "(").replace('〕', ")").to_lowercase(),
        stored.replace('〔', "【").replace('〕', "】"),
        stored.replace('〔', "（").replace('〕', "）"),
        wide(stored),
        format!(" {} ", stored.replace('〕', " 〕 ").replace('〔', " 〔")),
        stored.replace(['〔', '〕'], ""),
    ]
}

async fn verified(app: &Api, number: &str) -> Value {
    app.anonymous()
        .get(&format!("/api/v1/verify?number={}", encode_query(number)))
        .await
        .expect(200)
}

async fn numbers_typed_loosely_verify_and_unknown_addresses_answer_in_chinese(backend: Backend) {
    let app = Api::spawn_sealed(backend, "2025-03-03").await;
    // An applicant applies online; the bureau grants the licence.
    let token = app
        .register("person", "王芳", "11010519491231002X", "wangfang2025a")
        .await;
    let (id, _, _) = app.licensed_case_filed_by(Some(&token)).await;
    let record = app.store.case(id).await.unwrap();
    let documents = app.store.case_documents(id).await.unwrap();
    let licence_doc = documents
        .iter()
        .find(|d| d.record.identifier.is_some())
        .expect("the licence's document");
    let identifier = licence_doc.record.identifier.clone().unwrap();
    let stored = licence_doc.record.number.clone();
    assert!(stored.contains('〔') && stored.ends_with('号'), "{stored}");

    for typed in loose_spellings(&stored) {
        let v = verified(&app, &typed).await;
        assert_eq!(v["number"], json!(stored), "{typed}: {v}");
        // The page reads it the same way.
        let (status, page) = app
            .get_text(&format!("/verify?number={}", encode_query(&typed)))
            .await;
        assert_eq!(status, 200, "{typed}");
        assert!(
            page.contains(&stored) && !page.contains("没有找到"),
            "{typed}"
        );
    }
    // Every other document of the case, by its own number loosely typed.
    for d in &documents {
        let typed = d.record.number.replace('〔', "[").replace('〕', "]");
        assert_eq!(
            verified(&app, &typed).await["number"],
            json!(d.record.number)
        );
    }
    // The licence identifier in lower case with spaces, and the bare case number: the licence.
    let spaced = format!("{} {}", &identifier[..8], &identifier[8..]).to_lowercase();
    assert_eq!(verified(&app, &spaced).await["number"], json!(stored));
    let case_number = format!(" {} ", record.number.to_lowercase());
    let v = verified(&app, &case_number).await;
    assert_eq!(v["number"], json!(stored), "{v}");
    // Typed loosely but not known: not found, in Chinese; nothing typed: a Chinese refusal.
    let unknown = stored.replace(&record.number, "HY2099999999");
    app.anonymous()
        .get(&format!("/api/v1/verify?number={}", encode_query(&unknown)))
        .await
        .refused(404, "没有找到");
    let (status, page) = app.get_text("/verify?number=HY2099999999").await;
    assert_eq!(status, 200);
    assert!(page.contains("没有找到文号为「HY2099999999」"), "{page}");

    // The query code on the applicant's own case page.
    let (status, page) = app.page_text(&token, &format!("/my/cases/{id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("查询码"), "{page}");
    assert!(
        page.contains(&format!("<strong>{}</strong>", record.query_code)),
        "{page}"
    );

    // Unknown addresses: a Chinese JSON error under /api/, a Chinese page elsewhere.
    for path in ["/api/v1/nothing-here", "/api/v2/cases"] {
        let r = app.anonymous().get(path).await;
        assert_eq!(r.status, 404, "{path}");
        let message = r.body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains("没有这个接口"), "{path}: {}", r.body);
    }
    for path in ["/no/such/page", "/j/hanyin/nothing"] {
        let (status, page) = app.get_text(path).await;
        assert_eq!(status, 404, "{path}");
        assert!(page.contains("页面不存在"), "{path}: {page}");
    }
    app.stop().await;
}

async fn the_portal_opens_on_my_county_and_finds_peoples_words(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    // Two applications for 食品经营许可: the county's most popular item.
    let desk = app.desk().await;
    app.received(&desk.clerk).await;
    app.received(&desk.clerk).await;

    // Before a county is chosen: the list of counties, each can be made mine.
    let (status, home) = app.get_text("/").await;
    assert_eq!(status, 200);
    assert!(!home.contains("我的县区："), "{home}");
    assert!(home.contains("/county?j=hanyin"), "{home}");
    // Choosing it: a cookie for a year, and the portal opens on it.
    let r = app.get("/county?j=hanyin").await;
    assert_eq!(r.status().as_u16(), 303);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.starts_with("yiyin_j=hanyin;") && cookie.contains("Max-Age=31622400"),
        "{cookie}"
    );
    assert_eq!(r.headers()["location"], "/");
    let (_, home) = app.get_text("/").await;
    assert!(home.contains("我的县区：汉阴县"), "{home}");
    assert!(home.contains("/j/hanyin?subject=person") && home.contains("个人办事"));
    assert!(home.contains("/j/hanyin?subject=organisation") && home.contains("法人办事"));
    let popular = &home[home.find("热门事项").expect("popular items")..];
    assert!(
        popular.find("食品经营许可").unwrap() < popular.find("社会团体成立登记").unwrap(),
        "{popular}"
    );
    assert!(popular.contains("近一年办件 2 件"), "{popular}");
    // An unknown county is refused; an empty one forgets the choice.
    let (status, page) = app.get_text("/county?j=nowhere").await;
    assert_eq!(status, 404, "{page}");
    let r = app.get("/county?j=").await;
    assert!(
        r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let (_, home) = app.get_text("/").await;
    assert!(!home.contains("我的县区："));

    // The entrances: items by service subject.
    let (_, people) = app.get_text("/j/hanyin?subject=person").await;
    assert!(people.contains("个人办事") && people.contains("食品经营许可"));
    assert!(
        !people.contains("社会团体成立登记"),
        "an organisation's item"
    );
    let (_, firms) = app.get_text("/j/hanyin?subject=organisation").await;
    assert!(firms.contains("法人办事") && firms.contains("社会团体成立登记"));
    assert!(firms.contains("食品经营许可"));
    let (status, page) = app.get_text("/j/hanyin?subject=martian").await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("服务对象只能是"), "{page}");

    // Search in people's words and in pinyin.
    for q in ["开饭店", "餐饮", "shipin", "spjy", "SPJY"] {
        let (status, page) = app
            .get_text(&format!("/search?j=hanyin&q={}", encode_query(q)))
            .await;
        assert_eq!(status, 200, "{q}");
        assert!(
            page.contains("/j/hanyin/items/HY-SC-001"),
            "{q} finds 食品经营许可: {page}"
        );
    }
    // A county the organisation does not know has nothing to find (and no counts are read).
    let (status, page) = app.get_text("/search?j=nowhere&q=%E9%A4%90%E9%A5%AE").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("找到 0 项"), "{page}");

    // Blank forms and samples from the guide, as PDFs; none where the guide publishes none.
    app.publish_variant("公布空白表格和示例样本", |item| {
        item.materials[0].blank_form = "食品经营许可申请书".into();
        item.materials[0].sample = "食品经营许可申请书填写示范".into();
    })
    .await;
    let (_, guide) = app.get_text("/j/hanyin/items/HY-SC-001").await;
    let blank = "/j/hanyin/items/HY-SC-001/materials/M1/blank";
    let sample = "/j/hanyin/items/HY-SC-001/materials/M1/sample";
    assert!(guide.contains(blank) && guide.contains(sample), "{guide}");
    for path in [blank, sample] {
        let r = app.get(path).await;
        assert_eq!(r.status().as_u16(), 200, "{path}");
        assert_eq!(r.headers()["content-type"], "application/pdf");
        let disposition = r.headers()["content-disposition"].to_str().unwrap();
        assert!(disposition.starts_with("attachment;"), "{disposition}");
        let bytes = r.bytes().await.unwrap();
        assert!(bytes.starts_with(b"%PDF-"), "{path}");
    }
    for path in [
        "/j/hanyin/items/HY-SC-001/materials/M2/blank",
        "/j/hanyin/items/HY-SC-001/materials/M9/sample",
    ] {
        let (status, page) = app.get_text(path).await;
        assert_eq!(status, 404, "{path}");
        assert!(page.contains("没有"), "{page}");
    }
    app.stop().await;
}

async fn the_window_looks_up_a_known_applicant(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    let clerk = app.staff("hy.clerk", Role::WindowClerk, HANYIN).await;
    let reviewer = app.staff("hy.reviewer", Role::Reviewer, HANYIN).await;
    let other_clerk = app.staff("zy.clerk", Role::WindowClerk, "ziyang").await;
    let lookup = "/api/v1/jurisdictions/hanyin/applicants/lookup";
    let person = "11010519491231002X";

    // Known to nobody yet.
    app.by(&clerk)
        .post(lookup, json!({"id_number": COMPANY_ID}))
        .await
        .refused(404, "没有这个证件号码");
    // The company's walk-in case, and a person's account.
    app.received(&clerk).await;
    let applicant = app
        .register("person", "王芳", person, "wangfang2025a")
        .await;
    let found = app
        .by(&clerk)
        .post(lookup, json!({"id_number": COMPANY_ID}))
        .await
        .expect(200);
    assert_eq!(found["name"], "汉阴县月河餐饮有限公司");
    assert_eq!(found["kind"], "organisation");
    assert_eq!(found["source"], "case");
    let found = app
        .by(&clerk)
        .post(
            lookup,
            json!({"id_number": format!(" {} ", person.to_lowercase())}),
        )
        .await
        .expect(200);
    assert_eq!(found["name"], "王芳");
    assert_eq!(found["source"], "account");
    assert_eq!(found["phone"], "13912345678");
    // Refused: a number that is no ID, and everyone but the jurisdiction's window.
    app.by(&clerk)
        .post(lookup, json!({"id_number": "12345"}))
        .await
        .refused(422, "请填写有效的公民身份号码或统一社会信用代码");
    for (token, status) in [
        (Some(reviewer.as_str()), 403),
        (Some(applicant.as_str()), 403),
        (Some(other_clerk.as_str()), 403),
        (None, 401),
    ] {
        let r = match token {
            Some(t) => {
                app.by(t)
                    .post(lookup, json!({"id_number": COMPANY_ID}))
                    .await
            }
            None => {
                app.anonymous()
                    .post(lookup, json!({"id_number": COMPANY_ID}))
                    .await
            }
        };
        assert_eq!(r.status, status, "{token:?}: {}", r.body);
        assert!(!r.body.to_string().contains("汉阴县月河"), "{}", r.body);
    }
    // Each look-up by the window is recorded (three by the clerk; the refused ones are not).
    let events = app
        .store
        .jurisdiction_events(HANYIN, None, Some("look_up_applicant"), 1000)
        .await
        .unwrap()
        .len();
    assert_eq!(events, 3);

    // The intake form: the clerk types the number and asks; the applicant is filled in.
    let csrf = app.browser_login("hy.clerk").await;
    let form = |id: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("j", HANYIN.to_string()),
            ("item", "HY-SC-001".to_string()),
            ("known_id", id.to_string()),
        ]
    };
    let (_, intake) = app.get_text("/work/intake?j=hanyin&item=HY-SC-001").await;
    assert!(
        intake.contains("action=\"/work/intake/lookup\""),
        "{intake}"
    );
    let r = app
        .post_form("/work/intake/lookup", &form(COMPANY_ID))
        .await;
    assert_eq!(r.status().as_u16(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("value=\"汉阴县月河餐饮有限公司\""), "{page}");
    assert!(page.contains("value=\"organisation\" checked"), "{page}");
    assert!(page.contains(&format!("value=\"{COMPANY_ID}\"")), "{page}");
    let unknown = format!(
        "11010519800101001{}",
        yiyin_domain::ids::citizen_check_char("11010519800101001")
    );
    let r = app.post_form("/work/intake/lookup", &form(&unknown)).await;
    assert_eq!(r.status().as_u16(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("本县区没有这个证件号码的申请人记录"),
        "{page}"
    );
    assert!(page.contains(&format!("value=\"{unknown}\"")), "{page}");
    // A reviewer has no intake form to fill.
    let other = yiyin_testkit::browser::new_browser();
    let csrf = app
        .log_in_on(
            &other,
            json!({"login": "hy.reviewer", "password": yiyin_testkit::app::PASSWORD}),
        )
        .await;
    let r = other
        .post(app.url("/work/intake/lookup"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(yiyin_testkit::browser::urlencoded(&[
            ("csrf", csrf.as_str()),
            ("j", HANYIN),
            ("item", "HY-SC-001"),
            ("known_id", COMPANY_ID),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    app.stop().await;
}
