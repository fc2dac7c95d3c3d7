//! The pages as a browser sees them, against a real server on both databases: the Chinese 404 for
//! any unknown address (in the frame of whoever is logged in; JSON under `/api/`), notices only as
//! the server set them, worklists with their deadlines, and what each role is shown.

use serde_json::{Value, json};
use yiyin_domain::catalog::StepKind;
use yiyin_domain::roles::Role;
use yiyin_store::Backend;
use yiyin_testkit::fixtures::in_calendar_days;
use yiyin_testkit::web::{HANYIN, approve, online, review};
use yiyin_testkit::{Api, PASSWORD, on_both};

on_both!(
    dates_in_a_year_not_loaded_are_provisional_and_the_administrator_is_warned,
    unknown_addresses_answer_in_chinese,
    notices_are_only_what_the_server_set,
    worklists_show_the_deadline_now_and_how_late,
    worklists_go_a_page_at_a_time_and_list_the_finished,
    calendar_day_items_show_their_days_left_in_calendar_days,
    pushes_are_acknowledged_in_a_batch,
    the_head_does_not_do_the_review,
    seals_show_fingerprints_not_keys,
    no_extension_is_offered_past_the_limit,
    pages_work_without_script_and_on_phones,
    the_organisation_is_edited_on_a_form,
    the_item_page_draws_the_procedure_with_its_branches,
);

async fn unknown_addresses_answer_in_chinese(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;

    // A visitor: a Chinese page in the normal frame, with a 404 status.
    let (status, html) = app.get_text("/no/such/page").await;
    assert_eq!(status, 404);
    assert!(
        html.contains("页面不存在") && html.contains("返回首页"),
        "{html}"
    );
    assert!(
        html.contains("一印 · 政务服务") && html.contains("登录"),
        "{html}"
    );

    // A logged-in clerk keeps the header with their name and the workbench.
    let clerk = app.staff("hy.clerk", Role::WindowClerk, HANYIN).await;
    let (status, html) = app.page_text(&clerk, "/no/such/page").await;
    assert_eq!(status, 404);
    assert!(
        html.contains("测试窗口") && html.contains("工作台"),
        "{html}"
    );
    assert!(html.contains("退出"), "{html}");
    // So does any other error page, e.g. a case that does not exist.
    let (status, html) = app.page_text(&clerk, "/work/cases/999999").await;
    assert_eq!(status, 404);
    assert!(html.contains("测试窗口"), "{html}");

    // The API answers JSON, in Chinese.
    let r = app.anonymous().get("/api/v1/no-such-thing").await;
    let body = r.refused(404, "没有这个接口");
    assert_eq!(body["error"]["code"], "not_found");
    app.stop().await;
}

async fn notices_are_only_what_the_server_set(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;

    // A link carrying its own "official" text shows nothing of it.
    let bait = "/?notice=%E8%AF%B7%E8%87%B4%E7%94%B5400-123";
    let (status, html) = app.get_text(bait).await;
    assert_eq!(status, 200);
    assert!(!html.contains("请致电400-123"), "{html}");
    let (_, html) = app
        .get_text("/login?notice=%E8%AF%B7%E8%87%B4%E7%94%B5")
        .await;
    assert!(!html.contains("请致电"), "{html}");

    // Logging out: the next page says so, once.
    app.staff("hy.clerk", Role::WindowClerk, HANYIN).await;
    let csrf = app.browser_login("hy.clerk").await;
    let r = app.post_form("/logout", &[("csrf", csrf.as_str())]).await;
    assert!(r.status().is_redirection());
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert!(!location.contains("notice"), "{location}");
    let (_, html) = app.get_text(&location).await;
    assert!(html.contains("已退出登录"), "{html}");
    let (_, html) = app.get_text(&location).await;
    assert!(!html.contains("已退出登录"), "shown once: {html}");
    app.stop().await;
}

async fn worklists_show_the_deadline_now_and_how_late(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    let desk = app.desk().await;
    let received = app.receive(&desk.clerk, &["M1", "M2"]).await;
    let decided = app.receive(&desk.clerk, &["M1", "M2"]).await;
    let id = decided["id"].as_i64().unwrap();
    for (token, action) in desk.deciding(approve("符合条件")) {
        app.act(token, id, action).await.expect(200);
    }
    let number = |case: &Value| case["number"].as_str().unwrap().to_string();
    let row_of = |html: &str, number: &str| -> String {
        let at = html
            .find(number)
            .unwrap_or_else(|| panic!("{number} not in {html}"));
        let start = html[..at].rfind("<tr").unwrap();
        let end = html[at..].find("</tr>").unwrap() + at;
        html[start..end].to_string()
    };

    // The received application: the end of its intake window (Art. 32), days left as text.
    let (status, html) = app.page_text(&desk.clerk, "/work?tab=all").await;
    assert_eq!(status, 200, "{html}");
    let row = row_of(&html, &number(&received));
    assert!(row.contains("受理期限 2025-03-10"), "{row}");
    // The granted one: the certificate's due date (Art. 44: ten working days).
    let row = row_of(&html, &number(&decided));
    assert!(row.contains("发证期限 2025-03-17"), "{row}");
    // Every light says its colour in words for screen readers.
    assert!(
        html.contains(r#"<span class="sr-only">正常</span>"#),
        "{html}"
    );

    // Three working days after the certificate's due date (Art. 44: working days): 超期3个工作日.
    app.clock.set(yiyin_testkit::at("2025-03-20"));
    let [clerk] = app.tokens(["hy.clerk"]).await;
    let (_, html) = app.page_text(&clerk, "/work?tab=all").await;
    let row = row_of(&html, &number(&decided));
    assert!(row.contains("超期3个工作日"), "{row}");
    assert!(
        row.contains(r#"<span class="sr-only">超期</span>"#),
        "{row}"
    );
    app.stop().await;
}

/// An item whose own law counts calendar days: the intake heading, the worklist and the case page
/// give its limits and the days left with the unit, counting every day across the National Day
/// holiday; the yellow light stays 2 working days before the promised due date.
async fn calendar_day_items_show_their_days_left_in_calendar_days(backend: Backend) {
    let app = Api::spawn(backend, "2025-09-01").await;
    let basis = "《某省食品经营许可管理办法》第二十条";
    app.publish_variant("时限按特别规定", |item| {
        in_calendar_days(item, basis)
    })
    .await;
    let desk = app.desk().await;
    let (_, html) = app
        .page_text(&desk.clerk, "/work/intake?j=hanyin&item=HY-SC-001")
        .await;
    assert!(html.contains("法定60日/承诺30日（自然日）"), "{html}");
    let case = app.receive(&desk.clerk, &["M1", "M2"]).await;
    let id = case["id"].as_i64().unwrap();
    app.act(&desk.clerk, id, json!({"action": "accept"}))
        .await
        .expect(200);
    let number = case["number"].as_str().unwrap();

    // 2025-09-29: 32 days to 2025-10-31, holiday included (19 of them working days); the
    // promised due date (the 30th day, 10-01, moved past the holiday to 10-09) is 2 working days
    // away: yellow.
    app.clock.set(yiyin_testkit::at("2025-09-29"));
    let [clerk] = app.tokens(["hy.clerk"]).await;
    let (_, html) = app.page_text(&clerk, "/work?tab=all").await;
    let at = html.find(number).unwrap_or_else(|| panic!("{html}"));
    let row = &html[html[..at].rfind("<tr").unwrap()..at + html[at..].find("</tr>").unwrap()];
    assert!(row.contains("法定期限 2025-10-31"), "{row}");
    assert!(row.contains("剩余32日（自然日）"), "{row}");
    assert!(!row.contains("工作日"), "{row}");
    assert!(
        row.contains(r#"<span class="sr-only">预警</span>"#),
        "{row}"
    );
    let (_, html) = app.page_text(&clerk, &format!("/work/cases/{id}")).await;
    assert!(
        html.contains("<dt>法定期限剩余</dt><dd>剩余32日（自然日）</dd>"),
        "{html}"
    );

    // Past the limit: 超期 in calendar days too.
    app.clock.set(yiyin_testkit::at("2025-11-04"));
    let [clerk] = app.tokens(["hy.clerk"]).await;
    let (_, html) = app.page_text(&clerk, &format!("/work/cases/{id}")).await;
    assert!(html.contains("超期4日（自然日）"), "{html}");
    app.stop().await;
}

async fn pushes_are_acknowledged_in_a_batch(backend: Backend) {
    let app = Api::spawn_sealed(backend, "2025-03-03").await;
    app.licensed_case().await;
    let market = app.supervisor("hy.shichang", "shichang").await;
    let env = app.supervisor("hy.huanbao", "huanbao").await;
    let inbox_of_market = || async {
        app.by(&market)
            .get("/api/v1/supervision/inbox")
            .await
            .expect(200)
    };
    let inbox = inbox_of_market().await;
    let ids: Vec<i64> = inbox["pushes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 2, "{inbox}");
    let batch = "/api/v1/pushes/acknowledge";

    // Another department may sign none of them; nothing is signed.
    app.by(&env)
        .post(batch, json!({"ids": ids}))
        .await
        .expect(403);
    // Nothing chosen, or a push that does not exist: refused, nothing signed.
    app.by(&market)
        .post(batch, json!({"ids": []}))
        .await
        .refused(422, "请至少选择");
    app.by(&market)
        .post(batch, json!({"ids": [ids[0], 999_999]}))
        .await
        .expect(404);
    let inbox = inbox_of_market().await;
    assert_eq!(inbox["counts"]["unacknowledged"], 2, "{inbox}");

    // The desk offers the batch; the department signs the first through the API, the second on
    // the page.
    let (_, html) = app.page_text(&market, "/supervision").await;
    assert!(
        html.contains("批量签收") && html.contains(r#"name="ids""#),
        "{html}"
    );
    let signed = app
        .by(&market)
        .post(batch, json!({"ids": [ids[0], ids[0]]}))
        .await
        .expect(200);
    assert_eq!(signed.as_array().unwrap().len(), 1, "{signed}");
    assert!(signed[0]["acknowledged_by"].is_string(), "{signed}");
    let csrf = app.browser_login("hy.shichang").await;
    let form = [
        ("csrf", csrf.as_str()),
        ("j", HANYIN),
        ("d", "shichang"),
        ("ids", &ids[0].to_string()),
        ("ids", &ids[1].to_string()),
    ];
    let r = app
        .post_form("/supervision/pushes/acknowledge", &form)
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let (_, html) = app.get_text(&location).await;
    assert!(html.contains("已签收 2 条推送"), "{html}");
    let inbox = inbox_of_market().await;
    assert_eq!(inbox["counts"]["unacknowledged"], 0, "{inbox}");
    // Each signature is an audited event, once per push.
    let case_id = signed[0]["case_id"].as_i64().unwrap();
    let events = app.store.case_events(case_id).await.unwrap();
    let signatures = events.iter().filter(|e| e.action == "push_acknowledge");
    assert_eq!(signatures.count(), 2);
    app.stop().await;
}

/// The head decides on the review and does not do it; the head's page lists a case among the
/// decisions waiting for the head from its review to the decision.
async fn the_head_does_not_do_the_review(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    let desk = app.desk().await;
    let head = app.staff("hy.head", Role::BureauHead, HANYIN).await;
    // The item as decided by the head (局长).
    app.publish_variant("由局长作出决定", |item| {
        for step in &mut item.steps {
            if step.kind == StepKind::Decision {
                step.role = Role::BureauHead;
            }
        }
    })
    .await;
    let id = app.received(&desk.clerk).await;
    app.act(&desk.clerk, id, json!({"action": "accept"}))
        .await
        .expect(200);
    // Separation of duties: the head decides on the review, and does not do it.
    app.act(&head, id, review("符合条件"))
        .await
        .refused(403, "职责分离");
    // The head's page lists it among the decisions waiting for the head once reviewed only.
    let number = app.case_view(&head, id).await["number"]
        .as_str()
        .unwrap()
        .to_string();
    let waiting = |html: &str| {
        let (from, to) = (html.find("待局长作出决定"), html.find("临近法定期限"));
        html[from.expect("the decisions")..to.expect("the next panel")].contains(&number)
    };
    assert!(!waiting(&app.page_ok(&head, "/work/head").await));
    app.act(&desk.reviewer, id, review("符合条件"))
        .await
        .expect(200);
    let html = app.page_ok(&head, "/work/head").await;
    assert!(waiting(&html), "{html}");
    assert!(!html.contains("其余请在"), "no more than listed: {html}");
    app.act(&head, id, approve("符合条件")).await.expect(200);
    assert!(!waiting(&app.page_ok(&head, "/work/head").await));
    app.stop().await;
}

async fn seals_show_fingerprints_not_keys(backend: Backend) {
    let app = Api::spawn_sealed(backend, "2025-03-03").await;
    let seals = app.store.seals().await.unwrap();
    let seal = seals.first().expect("a seal");
    let (status, html) = app.get_text("/seals").await;
    assert_eq!(status, 200);
    let fingerprint = yiyin_seal::keys::fingerprint(&seal.public_key);
    assert!(
        html.contains("公钥指纹") && html.contains(&fingerprint),
        "{html}"
    );
    assert!(!html.contains(&seal.public_key), "no raw hex key: {html}");
    assert!(!html.contains("yiyin audit verify"), "{html}");
    app.stop().await;
}

async fn no_extension_is_offered_past_the_limit(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    let desk = app.desk().await;
    app.staff("hy.head", Role::BureauHead, HANYIN).await;
    let [head] = app.tokens(["hy.head"]).await;
    let id = app.receive(&desk.clerk, &["M1", "M2"]).await["id"]
        .as_i64()
        .unwrap();
    app.act(&desk.clerk, id, json!({"action": "accept"}))
        .await
        .expect(200);
    let offered = |case: &Value| -> Vec<String> {
        let actions = case["allowed_actions"].as_array().unwrap();
        actions
            .iter()
            .map(|a| a.as_str().unwrap().to_string())
            .collect()
    };
    let path = format!("/api/v1/cases/{id}");
    let case = app.by(&head).get(&path).await.expect(200);
    assert!(offered(&case).contains(&"extend".to_string()), "{case}");
    let (_, html) = app.page_text(&head, &format!("/work/cases/{id}")).await;
    assert!(html.contains("value=\"extend\""), "{html}");

    // Past the statutory limit (20 working days from 2025-03-03), the engine would refuse an
    // extension (Art. 42): neither the API nor the page offers it.
    app.clock.set(yiyin_testkit::at("2025-04-15"));
    let [head] = app.tokens(["hy.head"]).await;
    let case = app.by(&head).get(&path).await.expect(200);
    assert!(!offered(&case).contains(&"extend".to_string()), "{case}");
    let (_, html) = app.page_text(&head, &format!("/work/cases/{id}")).await;
    assert!(!html.contains("value=\"extend\""), "{html}");
    let extend = json!({"action": "extend", "reason": "情况复杂", "approved_by": "head"});
    app.act(&head, id, extend).await.refused(422, "第四十二条");
    app.stop().await;
}

async fn pages_work_without_script_and_on_phones(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    let applicant = app
        .register("person", "张三", "610921199001011234", "Yy-9f3kQ7w2z!")
        .await;
    // Our own Chinese file button, not the browser's English one, on every page with a file.
    let own_pickers = |html: &str| {
        let files = html.matches(r#"type="file""#).count();
        files > 0
            && html.matches(r#"type="file" class="file-input""#).count() == files
            && html.contains("选择文件")
    };
    let (status, html) = app.page_text(&applicant, "/apply/hanyin/HY-SC-001").await;
    assert_eq!(status, 200, "{html}");
    assert!(own_pickers(&html), "{html}");
    let html = app.client.get(app.url("/verify")).send().await.unwrap();
    let html = html.text().await.unwrap();
    assert!(own_pickers(&html), "the public verification page: {html}");
    let admin = app.staff("hy.admin", Role::SystemAdmin, HANYIN).await;
    let (status, html) = app.page_text(&admin, "/admin/calendar").await;
    assert_eq!(status, 200, "{html}");
    assert!(own_pickers(&html), "the calendar upload: {html}");

    // A document's 返回 and 打印 are links that work without the script.
    let desk = app.desk().await;
    let case = app.receive(&desk.clerk, &["M1", "M2"]).await;
    let id = case["id"].as_i64().unwrap();
    let doc = case["documents"][0]["id"].as_i64().unwrap();
    let (status, html) = app
        .page_text(&desk.clerk, &format!("/cases/{id}/documents/{doc}"))
        .await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains(&format!(r#"<a href="/work/cases/{id}">返回办件</a>"#)),
        "{html}"
    );
    assert!(
        html.contains(&format!(
            r#"href="/cases/{id}/documents/{doc}/pdf" data-print"#
        )),
        "{html}"
    );
    assert!(
        !html.contains("history.back") && !html.contains("onclick"),
        "{html}"
    );

    // Phone width: every worklist cell names its column.
    let (_, html) = app.page_text(&desk.clerk, "/work?tab=all").await;
    assert!(html.contains(r#"<td data-label="办件编号">"#), "{html}");
    app.stop().await;
}

/// The organisation form of a jurisdiction, as the built-in organisation fills it, with `change`
/// applied to the departments' rows (code, name, relation, batch, note, management, ended_on,
/// successor, former names, sources) and `extra` to the other fields.
fn org_form_with(
    csrf: &str,
    change: impl Fn(usize, &mut [String; 10]),
    extra: impl Fn(&mut Vec<(String, String)>),
) -> Vec<(String, String)> {
    let org = yiyin_domain::org::Organisation::builtin();
    let j = org.jurisdiction(HANYIN).unwrap();
    let b = j.bureau.as_ref().unwrap();
    let former = |f: &[yiyin_domain::org::FormerName]| {
        f.iter()
            .map(yiyin_domain::org::FormerName::line)
            .collect::<Vec<_>>()
            .join("\n")
    };
    let sources = |s: &[yiyin_domain::sources::Source]| {
        s.iter().map(|s| s.line()).collect::<Vec<_>>().join("\n")
    };
    let mut form = vec![
        ("csrf".to_string(), csrf.to_string()),
        ("j_former".into(), former(&j.former_names)),
        ("j_sources".into(), sources(&j.sources)),
        ("bureau_name".into(), b.name.clone()),
        ("bureau_credit_code".into(), b.credit_code.clone()),
        ("bureau_seal_name".into(), b.seal_name.clone()),
        ("bureau_former".into(), former(&b.former_names)),
        ("bureau_sources".into(), sources(&b.sources)),
    ];
    for (i, d) in j.departments.iter().enumerate() {
        let mut row = [
            d.code.clone(),
            d.name.clone(),
            d.relation.code().to_string(),
            d.batch.map(|b| b.to_string()).unwrap_or_default(),
            d.note.clone(),
            d.management.code().to_string(),
            d.ended_on.map(|e| e.to_string()).unwrap_or_default(),
            d.successor.clone().unwrap_or_default(),
            former(&d.former_names),
            sources(&d.sources),
        ];
        change(i, &mut row);
        for (name, value) in [
            "code",
            "name",
            "relation",
            "batch",
            "note",
            "management",
            "ended_on",
            "successor",
            "former",
            "sources",
        ]
        .into_iter()
        .zip(row)
        {
            form.push((name.into(), value));
        }
    }
    for h in &j.halls {
        form.push(("hall_code".into(), h.code.clone()));
        form.push(("hall_sources".into(), sources(&h.sources)));
    }
    for t in &j.townships {
        form.push(("town_code".into(), t.code.clone()));
        form.push(("town_credit_code".into(), t.credit_code.clone()));
        form.push(("town_sources".into(), sources(&t.sources)));
    }
    extra(&mut form);
    form
}

/// [`org_form_with`] changing only departments' rows.
fn org_form(csrf: &str, change: impl Fn(usize, &mut [String; 10])) -> Vec<(String, String)> {
    org_form_with(csrf, change, |_| {})
}

/// Sets the value of the first field named `name` of a form.
fn set_field(form: &mut [(String, String)], name: &str, value: &str) {
    let field = form.iter_mut().find(|(n, _)| n == name).unwrap();
    field.1 = value.to_string();
}

async fn the_organisation_is_edited_on_a_form(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    let org = yiyin_domain::org::Organisation::builtin();
    let j = org.jurisdiction(HANYIN).unwrap();
    let first = j.departments[0].name.clone();
    let hall = j.halls[0].name.clone();
    let post = |form: Vec<(String, String)>| {
        let app = &app;
        async move {
            let r = app.post_form("/admin/org/hanyin", &form).await;
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };

    // A clerk is refused the page and the form, and nothing changes.
    app.staff("hy.clerk", Role::WindowClerk, HANYIN).await;
    let csrf = app.browser_login("hy.clerk").await;
    let (status, _) = app.get_text("/admin/org/hanyin").await;
    assert_eq!(status, 403);
    let (status, _) = post(org_form(&csrf, |i, row| {
        if i == 0 {
            row[1] = "被篡改的部门".into();
        }
    }))
    .await;
    assert_eq!(status, 403);

    // The administrator sees the bureau and the departments on a form, TOML as the advanced way.
    app.staff("hy.admin", Role::SystemAdmin, HANYIN).await;
    let csrf = app.browser_login_totp("hy.admin").await;
    let (status, html) = app.get_text("/admin/org/hanyin").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains(r#"name="bureau_name""#), "{html}");
    assert!(
        html.contains(&format!(r#"name="name" value="{first}""#)),
        "{html}"
    );
    assert!(!html.contains("被篡改的部门"), "{html}");
    assert!(html.contains("以 TOML 全文编辑"), "{html}");

    // 添加一行 shows the form again with one more empty row, saving nothing.
    let rows = html.matches(r#"name="code""#).count();
    let mut adding = org_form(&csrf, |_, _| {});
    adding.push(("add".into(), "1".into()));
    let (status, html) = post(adding).await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(html.matches(r#"name="code""#).count(), rows + 1, "{html}");
    assert!(html.contains(r#"name="code" value="""#), "{html}");

    // A bad code and an empty name: Chinese errors beside the fields, nothing saved.
    let (status, html) = post(org_form(&csrf, |i, row| match i {
        0 => row[1] = "汉阴县发展和改革局（改名）".into(),
        1 => row[0] = "Bad Code".into(),
        2 => row[1] = String::new(),
        _ => {}
    }))
    .await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("只能由小写字母、数字"), "{html}");
    assert!(html.contains("请填写部门名称"), "{html}");
    assert!(
        html.contains(r#"value="Bad Code" aria-label="第2行代码" aria-invalid="true""#),
        "{html}"
    );
    let (_, html) = app.get_text("/admin/org/hanyin").await;
    assert!(
        !html.contains("（改名）") && !html.contains("Bad Code"),
        "{html}"
    );

    // The administrator renames the first department: saved, and halls and windows are kept.
    let (status, html) = post(org_form(&csrf, |i, row| {
        if i == 0 {
            row[1] = "汉阴县发展和改革局（改名）".into();
        }
    }))
    .await;
    assert_eq!(status, 303, "{html}");
    let (_, html) = app.get_text("/admin/org/hanyin").await;
    assert!(html.contains("组织机构已保存"), "{html}");
    assert!(
        html.contains(r#"name="name" value="汉阴县发展和改革局（改名）""#),
        "{html}"
    );
    let saved = app.store.organisation().await.unwrap();
    let hanyin = saved.jurisdiction(HANYIN).unwrap();
    assert_eq!(hanyin.departments[0].name, "汉阴县发展和改革局（改名）");
    assert_eq!(hanyin.departments.len(), j.departments.len());
    assert_eq!(hanyin.halls[0].name, hall);

    the_organisation_carries_its_history_and_sources(&app, &csrf, post).await;
    app.stop().await;
}

/// Former names, management, an ended department and its successor, sources and a township's
/// credit code, saved through the form: bad lines refused beside their fields with nothing saved,
/// good ones read back on the administrator's page, on the public 机构概况 page (which shows no
/// internal code), and to the catalog administrator (who reads the page without the form).
async fn the_organisation_carries_its_history_and_sources<F, Fut>(app: &Api, csrf: &str, post: F)
where
    F: Fn(Vec<(String, String)>) -> Fut,
    Fut: std::future::Future<Output = (u16, String)>,
{
    let org = yiyin_domain::org::Organisation::builtin();
    let j = org.jurisdiction(HANYIN).unwrap();
    let (second, third) = (&j.departments[1], &j.departments[2]);
    let town = j.townships[0].clone();
    let first17 = "11610921000000001";
    let credit = format!("{first17}{}", yiyin_domain::ids::credit_check_char(first17));
    let change = |i: usize, row: &mut [String; 10]| match i {
        0 => {
            row[5] = "vertical".into();
            row[8] = "汉阴县发展计划局｜2019-03-01".into();
            row[9] = "公开文件：《汉阴县机构改革实施方案》\n演示假定：曾用名为演示假定".into();
        }
        1 => {
            row[6] = "2020-01-01".into();
            row[7] = third.code.clone();
        }
        _ => {}
    };
    let extra = |form: &mut Vec<(String, String)>| {
        set_field(form, "j_former", "汉阴古县｜2000-01-01｜610921");
        set_field(form, "bureau_sources", "试点方案：汉阴县方案");
        set_field(form, "town_credit_code", &credit);
        set_field(form, "town_sources", "演示假定：镇的信用代码为演示假定");
    };
    let before = app.store.organisation().await.unwrap();

    // A bad date in a former name, a bad source line, a bad credit code: refused beside each
    // field in Chinese, naming the line, and nothing saved.
    let (status, html) = post(org_form_with(
        csrf,
        |i, row| {
            change(i, row);
            match i {
                0 => row[8] = "汉阴县发展计划局｜2019-13-01".into(),
                2 => row[9] = "试点方案：汉阴县方案\n传说：某处".into(),
                _ => {}
            }
        },
        |form| {
            extra(form);
            set_field(form, "town_credit_code", "12345");
        },
    ))
    .await;
    assert_eq!(status, 422, "{html}");
    assert!(
        html.contains("曾用名第1行的停用日期「2019-13-01」不是有效日期"),
        "{html}"
    );
    assert!(
        html.contains("数据来源第2行「传说：某处」无法识别"),
        "{html}"
    );
    assert!(
        html.contains(r#"aria-label="第1行曾用名" aria-invalid="true""#),
        "{html}"
    );
    assert!(
        html.contains("统一社会信用代码应为18位，实际为5位"),
        "{html}"
    );
    assert_eq!(app.store.organisation().await.unwrap(), before);

    // A successor without an end date is refused too.
    let (status, html) = post(org_form(csrf, |i, row| {
        if i == 1 {
            row[7] = third.code.clone();
        }
    }))
    .await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("须同时填写撤并日期"), "{html}");
    assert_eq!(app.store.organisation().await.unwrap(), before);

    // Saved, it round-trips: the form shows again what was sent.
    let (status, html) = post(org_form_with(csrf, change, extra)).await;
    assert_eq!(status, 303, "{html}");
    let saved = app.store.organisation().await.unwrap();
    let hanyin = saved.jurisdiction(HANYIN).unwrap();
    let d0 = &hanyin.departments[0];
    assert_eq!(d0.management, yiyin_domain::org::Management::Vertical);
    assert_eq!(d0.former_names.len(), 1);
    assert_eq!(d0.former_names[0].name, "汉阴县发展计划局");
    assert_eq!(d0.former_names[0].until.to_string(), "2019-03-01");
    assert_eq!(
        d0.sources.iter().map(|s| s.line()).collect::<Vec<_>>(),
        [
            "公开文件：《汉阴县机构改革实施方案》",
            "演示假定：曾用名为演示假定"
        ]
    );
    let d1 = &hanyin.departments[1];
    assert_eq!(
        d1.ended_on.map(|e| e.to_string()).as_deref(),
        Some("2020-01-01")
    );
    assert_eq!(d1.successor.as_deref(), Some(third.code.as_str()));
    assert_eq!(hanyin.former_names[0].division_code, "610921");
    assert_eq!(hanyin.bureau.as_ref().unwrap().sources.len(), 1);
    assert_eq!(hanyin.townships[0].credit_code, credit);
    assert_eq!(hanyin.townships[0].sources.len(), 1);
    let (_, html) = app.get_text("/admin/org/hanyin").await;
    assert!(
        html.contains("汉阴县发展计划局｜2019-03-01</textarea>"),
        "{html}"
    );
    assert!(
        html.contains(r#"<option value="vertical" selected>垂直管理</option>"#),
        "{html}"
    );

    // The administrator's page: names over time, management, sources, the illustrative parts
    // (how many entries are assumed, ours among them).
    let assumed = {
        use yiyin_domain::sources::is_assumed;
        let lists = std::iter::once(&hanyin.sources)
            .chain(hanyin.bureau.iter().map(|b| &b.sources))
            .chain(hanyin.departments.iter().map(|d| &d.sources))
            .chain(hanyin.halls.iter().map(|h| &h.sources))
            .chain(hanyin.townships.iter().map(|t| &t.sources));
        lists.filter(|sources| is_assumed(sources)).count()
    };
    assert!(assumed >= 2, "{assumed}");
    for words in [
        "曾用名：汉阴县发展计划局（至2019年3月）",
        "垂直管理",
        "公开文件：《汉阴县机构改革实施方案》",
        "演示数据（假定）",
        &format!("本页共 {assumed} 项机构信息为演示假定"),
        &format!("已撤并，职责由{}承继（2020年1月起）", third.name),
        "曾用名：汉阴古县（区划代码610921，至2000年1月）",
    ] {
        assert!(html.contains(words), "{words}: {html}");
    }

    // The public page: the same history in names only, no internal code anywhere.
    let (status, html) = app.get_text("/j/hanyin/about").await;
    assert_eq!(status, 200, "{html}");
    for words in [
        "汉阴县机构概况",
        "曾用名：汉阴县发展计划局（至2019年3月）",
        &format!("{}</strong>：已撤并，职责由{}承继", second.name, third.name),
        &town.government(),
        "演示数据（假定）",
    ] {
        assert!(html.contains(words), "{words}: {html}");
    }
    let codes: Vec<&str> = hanyin
        .departments
        .iter()
        .map(|d| d.code.as_str())
        .chain(hanyin.halls.iter().map(|h| h.code.as_str()))
        .chain(
            hanyin
                .halls
                .iter()
                .flat_map(|h| h.windows.iter().map(|w| w.code.as_str())),
        )
        .chain(hanyin.townships.iter().map(|t| t.code.as_str()))
        .chain(
            hanyin
                .townships
                .iter()
                .flat_map(|t| t.villages.iter().map(|v| v.code.as_str())),
        )
        .collect();
    let tokens: std::collections::HashSet<&str> = html
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .collect();
    for code in codes {
        assert!(
            !tokens.contains(code),
            "internal code {code} on the public page: {html}"
        );
    }
    assert!(
        !html.contains("公开文件：《汉阴县机构改革实施方案》"),
        "{html}"
    );

    // The catalog administrator reads the page, sources included, without the form.
    app.staff("hy.catalog", Role::CatalogAdmin, HANYIN).await;
    app.browser_login_totp("hy.catalog").await;
    let (status, html) = app.get_text("/admin/org/hanyin").await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("公开文件：《汉阴县机构改革实施方案》"),
        "{html}"
    );
    assert!(!html.contains(r#"name="bureau_name""#), "{html}");
    let (status, _) = post(org_form(csrf, |_, _| {})).await;
    assert_eq!(status, 403);
}

async fn the_item_page_draws_the_procedure_with_its_branches(backend: Backend) {
    use yiyin_domain::catalog::{Step, StepKind};
    let app = Api::spawn(backend, "2025-03-03").await;
    // A new version of HY-SC-001 with an on-site verification before the decision.
    app.publish_variant("增加现场核查", |item| {
        let decision = item
            .steps
            .iter()
            .position(|s| s.kind == StepKind::Decision)
            .unwrap();
        item.steps.insert(
            decision,
            Step {
                kind: StepKind::SiteInspection,
                name: "经营场所现场核查".into(),
                role: Role::Inspector,
                days: 2,
                standard: String::new(),
            },
        );
    })
    .await;

    let (status, html) = app.get_text("/j/hanyin/items/HY-SC-001").await;
    assert_eq!(status, 200, "{html}");
    // The steps in the words of the case timeline, the item's own name beside.
    for words in [
        "收件",
        "受理",
        "审查",
        "现场踏勘",
        "（经营场所现场核查）",
        "决定",
    ] {
        assert!(html.contains(words), "{words}: {html}");
    }
    // The branches: supplement, refusal at intake, the second verifier, extension, refusal.
    for words in [
        r#"<li class="branch returns"><strong>一次性告知补正</strong>"#,
        r#"<li class="branch ends"><strong>不予受理</strong>"#,
        r#"<li class="branch continues"><strong>第二名核查人员确认核查</strong>"#,
        r#"<li class="branch continues"><strong>延期</strong>"#,
        r#"<li class="branch ends"><strong>不予许可</strong>"#,
        "第三十四条第三款",
    ] {
        assert!(html.contains(words), "{words}: {html}");
    }
    // Drawn with classes only: no inline style or script.
    assert!(
        !html.contains("style=\"") && !html.contains("<script>"),
        "{html}"
    );
    app.stop().await;
}

async fn dates_in_a_year_not_loaded_are_provisional_and_the_administrator_is_warned(
    backend: Backend,
) {
    let app = Api::spawn(backend, "2026-12-10").await;
    let desk = app.desk().await;
    let mut body = yiyin_testkit::web::intake(&["M1", "M2"]);
    body["outcome"] = json!("accept");
    let case = app
        .by(&desk.clerk)
        .post("/api/v1/cases", body)
        .await
        .expect(201);
    let id = case["id"].as_i64().unwrap();
    assert!(
        case["clock_provisional"]
            .as_str()
            .unwrap()
            .contains("2027年"),
        "{case}"
    );
    // The case page marks the clock 暂定 and says why; so does the public follow-up.
    let (status, html) = app
        .page_text(&desk.clerk, &format!("/work/cases/{id}"))
        .await;
    assert_eq!(status, 200);
    assert!(
        html.contains(">暂定<") && html.contains("2027年的节假日数据尚未载入"),
        "{html}"
    );
    let rec = app.store.case(id).await.unwrap();
    let track = format!("/track?number={}&code={}", rec.number, rec.query_code);
    let html = app.client.get(app.url(&track)).send().await.unwrap();
    let html = html.text().await.unwrap();
    assert!(html.contains("2027年的节假日数据尚未载入"), "{html}");
    // The system administrator's pages warn, with the number of cases waiting.
    let admin = app.staff("hy.admin", Role::SystemAdmin, HANYIN).await;
    for page in ["/admin", "/admin/calendar"] {
        let (status, html) = app.page_text(&admin, page).await;
        assert_eq!(status, 200, "{html}");
        assert!(
            html.contains("已有1件在办办件的期限落入2027年"),
            "{page}: {html}"
        );
    }
    app.stop().await;
}

/// The address an HTML page links as its next page (`rel="next"`).
fn next_href(html: &str) -> Option<String> {
    let at = html.find(r#" rel="next""#)?;
    let start = html[..at].rfind(r#"href=""#)? + r#"href=""#.len();
    Some(
        html[start..at - 1]
            .replace("&#38;", "&")
            .replace("&amp;", "&"),
    )
}

/// A worklist longer than a page, through the API (the `Link` header's cursor, the other filters
/// kept), on the workbench (下一页, 回到第一页) and in the intake queue: every case once, in order;
/// a made-up cursor refused in Chinese; the 已办结 tab lists the finished cases only; an
/// applicant's 我的办件 a page at a time.
async fn worklists_go_a_page_at_a_time_and_list_the_finished(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    let desk = app.desk().await;
    let mut ids = Vec::new();
    let mut numbers = Vec::new();
    for _ in 0..101 {
        let c = app.receive(&desk.clerk, &["M1", "M2"]).await;
        ids.push(c["id"].as_i64().unwrap());
        numbers.push(c["number"].as_str().unwrap().to_string());
    }
    // The API.
    let first = app
        .list_page(Some(&desk.clerk), "/api/v1/cases?limit=60")
        .await;
    assert_eq!(first.ids(), ids[..60]);
    let next = first.next.expect("a next page");
    assert!(
        next.contains("limit=60") && next.contains("after="),
        "{next}"
    );
    let last = app.list_page(Some(&desk.clerk), &next).await;
    assert_eq!(last.ids(), ids[60..]);
    assert!(last.next.is_none(), "the last page links none");
    app.by(&desk.clerk)
        .get("/api/v1/cases?after=2025-03-03")
        .await
        .refused(422, "翻页位置无效");
    // The workbench: a hundred a page.
    let html = app.page_ok(&desk.clerk, "/work?tab=all").await;
    assert!(html.contains("本页 100 件"), "{html}");
    assert!(html.contains(&numbers[99]) && !html.contains(&numbers[100]));
    assert!(!html.contains("回到第一页"), "{html}");
    let next = next_href(&html).expect("下一页");
    assert!(next.starts_with("/work?tab=all&after="), "{next}");
    let html = app.page_ok(&desk.clerk, &next).await;
    assert!(
        html.contains("本页 1 件") && html.contains("回到第一页"),
        "{html}"
    );
    assert!(html.contains(&numbers[100]) && !html.contains(&numbers[0]));
    assert!(next_href(&html).is_none(), "{html}");
    // 待受理队列: the same 101 applications, in the order their intake windows end.
    let html = app.page_ok(&desk.clerk, "/work/queue").await;
    assert!(html.contains("本页 100 件，按受理期限先后排列"), "{html}");
    assert!(html.contains(&numbers[0]) && html.contains(&numbers[99]));
    assert!(!html.contains(&numbers[100]), "{html}");
    let next = next_href(&html).expect("下一页");
    assert!(next.starts_with("/work/queue?after="), "{next}");
    let html = app.page_ok(&desk.clerk, &next).await;
    assert!(html.contains(&numbers[100]) && !html.contains(&numbers[99]));
    assert!(
        html.contains("回到第一页") && next_href(&html).is_none(),
        "{html}"
    );
    let (status, html) = app
        .page_text(&desk.clerk, "/work/queue?after=nonsense")
        .await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("翻页位置无效"), "{html}");

    // 已办结: the case licensed is listed there, the open ones are not.
    for (token, action) in desk.licensing(approve("符合条件")) {
        app.act(token, ids[0], action).await.expect(200);
    }
    let html = app.page_ok(&desk.clerk, "/work?tab=closed").await;
    assert!(html.contains(&numbers[0]), "{html}");
    assert!(!html.contains(&numbers[1]) && !html.contains(&numbers[100]));

    // 我的办件: an applicant's own cases, a hundred a page.
    let me = app
        .register("person", "王芳", "11010519491231002X", PASSWORD)
        .await;
    let mut mine = Vec::new();
    for _ in 0..101 {
        let c = app
            .by(&me)
            .post("/api/v1/cases", online(true))
            .await
            .expect(201);
        mine.push(c["number"].as_str().unwrap().to_string());
    }
    let html = app.page_ok(&me, "/my").await;
    assert!(
        html.contains("本页 100 件") && html.contains(&mine[99]),
        "{html}"
    );
    assert!(!html.contains(&mine[100]) && !html.contains(&numbers[0]));
    let next = next_href(&html).expect("下一页");
    assert!(next.starts_with("/my?after="), "{next}");
    let html = app.page_ok(&me, &next).await;
    assert!(
        html.contains(&mine[100]) && !html.contains(&mine[0]),
        "{html}"
    );
    assert!(html.contains(r#"<a href="/my">回到第一页</a>"#), "{html}");
    assert!(next_href(&html).is_none(), "{html}");
    app.stop().await;
}
