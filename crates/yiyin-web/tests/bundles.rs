//! Bundles (一件事一次办, 并联审批; 《行政许可法》第二十六条、第四十二条第二款) against a real
//! server, on both databases: the catalog administrator publishes 「我要开餐馆」一件事 (the bureau's
//! 食品经营许可 led by 市场监管, and two resident departments' items) and the window may not; the
//! window receives it once (one number, every member item an ordinary case under it, numbered and
//! linked to the bundle) with one supplement notice for every member, the shared 营业执照 asked
//! for once; the member cases take their intake from the bundle and not on their own; each
//! resident department sees only its own member and the shared materials and reviews and decides
//! its member case through the ordinary case actions, in parallel, and not another's; the joint
//! clock is 45 working days from acceptance, caps every member case's clock, and only the county
//! government's head extends it, by 15 days at most, once (a member case is not extended on its
//! own); the release waits for every member case to end and a denied one does not hold back the
//! others (the bundle shows partial); the applicant tracks it by number.

use serde_json::{Value, json};
use yiyin_domain::roles::Role;
use yiyin_store::Backend;
use yiyin_testkit::browser::answered;
use yiyin_testkit::bundles::{
    BUNDLE, BUNDLES, PERSON, PERSON_PASSWORD, RECEIVE_PAGE, act, bundle_as, definition,
    departments, fields_of, intake, materials, member_case, members, person, publish_bundle,
    publish_residents, publish_tax_item, receipt_form, receipt_of, receive, supplement_and_accept,
    verified_person,
};
use yiyin_testkit::uploads::multipart_form;
use yiyin_testkit::web::{COMPANY_ID, Desk, HANYIN, approve, deny, review};
use yiyin_testkit::{Api, on_both};

on_both!(
    a_bundle_is_received_once_decided_in_parallel_and_released_once,
    a_bundle_left_without_an_intake_act_is_deemed_accepted_and_told_once,
    the_catalog_administrator_publishes_a_bundle_on_the_catalog_page,
    a_member_result_is_held_until_the_release_and_told_once,
    a_bundle_received_with_files_keeps_a_shared_material_once,
    the_bundles_list_reads_a_page_at_a_time_each_reader_its_own,
);

async fn a_bundle_is_received_once_decided_in_parallel_and_released_once(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    publish_residents(&app).await;
    let catalog_admin = app.staff("hy.catalog", Role::CatalogAdmin, HANYIN).await;
    let Desk {
        clerk,
        reviewer,
        chief,
    } = app.desk().await;
    let head = app.staff("hy.head", Role::BureauHead, HANYIN).await;
    let government = app.staff("hy.gov", Role::GovernmentHead, HANYIN).await;
    let [tax, tax_reviewer, land, land_reviewer] = departments(&app).await;

    // The catalog administrator publishes the bundle; the window may not; a member outside the
    // catalog is refused naming the field.
    app.by(&clerk).post(BUNDLES, definition()).await.expect(403);
    let mut bad = definition();
    bad["spec"]["members"][2] = json!("HY-XX-999");
    let publish = |body| app.by(&catalog_admin).post(BUNDLES, body);
    publish(bad).await.refused(422, "HY-XX-999");
    let v = publish(definition()).await.expect(201);
    assert_eq!(v["version"], 1);
    let listed = app.get_json(BUNDLES).await.expect(200);
    assert_eq!(listed[0]["spec"]["name"], "我要开餐馆");

    // Received once, with one supplement notice for every member: the shared 营业执照 (M2 of each
    // member) is one material, asked for once.
    let company =
        json!({"kind": "organisation", "name": "汉阴县月河餐饮有限公司", "id_number": COMPANY_ID});
    let all_but_the_licence = ["M1", "HY-SW-001/M1", "HY-GA-001/M1"];
    let body = intake(company, &all_but_the_licence, "notify_supplement");
    // Art. 31: received only on the applicant's attestation that the materials are true.
    let mut unattested = body.clone();
    unattested["attested"] = json!(false);
    let post = |body| app.by(&clerk).post("/api/v1/bundles", body);
    post(unattested).await.refused(422, "第三十一条");
    let mut unknown = body.clone();
    unknown["materials"] = json!(["M9"]);
    post(unknown).await.refused(422, "M9");
    let view = receive(&app, &clerk, body).await;
    let id = view["id"].as_i64().unwrap();
    let number = view["number"].as_str().unwrap().to_string();
    assert_eq!(view["state"], "awaiting_supplement");
    assert_eq!(members(&view), ["HY-SC-001", "HY-SW-001", "HY-GA-001"]);
    assert_eq!(
        materials(&view),
        ["M1", "M2", "HY-SW-001/M1", "HY-GA-001/M1"]
    );
    let shared = &view["materials"][1];
    assert_eq!(shared["shared"], true);
    assert_eq!(shared["provided"], false);
    assert_eq!(shared["members"].as_array().unwrap().len(), 3);
    // Every member item is an ordinary case under the bundle: its own number, the bundle's intake
    // state, its own materials, and the bundle named on it.
    let (sc_case, sc_number) = member_case(&view, "HY-SC-001");
    let (sw_case, sw_number) = member_case(&view, "HY-SW-001");
    let (ga_case, ga_number) = member_case(&view, "HY-GA-001");
    assert_ne!(sc_number, number);
    let member = app.case_view(&tax, sw_case).await;
    assert_eq!(member["bundle_id"], id);
    assert_eq!(member["state"], "awaiting_supplement");
    assert_eq!(member["item_code"], "HY-SW-001");
    assert_eq!(member["bundle"]["number"], number.as_str());
    // Its intake is the bundle's: not accepted, supplemented or decided on its own.
    app.act(&clerk, sc_case, json!({"action": "accept"}))
        .await
        .refused(422, "第二十六条");
    app.act(&tax, sw_case, approve("经审查"))
        .await
        .refused(422, "尚未受理");
    let html = app.page_ok(&tax, &format!("/work/cases/{sw_case}")).await;
    assert!(
        html.contains("所属一件事") && html.contains(&number),
        "{html}"
    );
    // Accepting is refused while the notice waits; the supplement then the acceptance.
    act(&app, &clerk, id, json!({"action": "accept"}))
        .await
        .expect(422);
    let accepted = supplement_and_accept(&app, &clerk, id).await;
    assert_eq!(accepted["state"], "accepted");
    assert_eq!(accepted["accepted_on"], "2025-03-03");
    // 45 working days from acceptance; every member's due within it.
    let due = accepted["clock"]["statutory_due"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        accepted["explanation"]
            .as_str()
            .unwrap()
            .contains("第四十二条第二款"),
        "{accepted}"
    );
    for m in accepted["members"].as_array().unwrap() {
        assert_eq!(m["state"], "accepted", "{m}");
        assert!(m["statutory_due"].as_str().unwrap() <= due.as_str(), "{m}");
    }
    let member = app.case_view(&tax, sw_case).await;
    assert_eq!(member["state"], "accepted");
    assert_eq!(member["case"]["accepted_on"], "2025-03-03");
    assert_eq!(member["case"]["joint_due"], due.as_str());
    assert!(
        member["clock"]["explanation"]
            .to_string()
            .contains("联合办理期限"),
        "{member}"
    );
    // The bundle issued one acceptance voucher; the member cases none of their own.
    assert!(
        fields_of(&member, "documents", "title")
            .iter()
            .all(|t| t != "受理通知书"),
        "{member}"
    );

    // Each resident department sees only its member and the shared materials.
    let seen = bundle_as(&app, &tax, id).await;
    assert_eq!(seen["whole"], false);
    assert_eq!(members(&seen), ["HY-SW-001"]);
    assert_eq!(materials(&seen), ["M2", "HY-SW-001/M1"]);
    let seen = bundle_as(&app, &land, id).await;
    assert_eq!(members(&seen), ["HY-GA-001"]);
    // The lead department's view (the bureau handles 市场监管's transferred item): the whole.
    let whole = bundle_as(&app, &chief, id).await;
    assert_eq!(whole["whole"], true);
    // The staff worklists label each member case with its bundle, linked; a department's lists
    // its own member only, so the label names no other department's member.
    let label = format!("所属一件事：<a href=\"/work/bundles/{id}\">我要开餐馆（{number}）</a>");
    for (token, path, own, others) in [
        (&tax_reviewer, "/work", &sw_number, [&ga_number, &sc_number]),
        (&tax, "/work?tab=all", &sw_number, [&ga_number, &sc_number]),
        (&land, "/work?tab=all", &ga_number, [&sw_number, &sc_number]),
    ] {
        let html = app.page_ok(token, path).await;
        assert!(html.contains(own.as_str()), "{path}: {html}");
        assert_eq!(html.matches(&label).count(), 1, "{path}: {html}");
        assert!(
            others.iter().all(|n| !html.contains(n.as_str())),
            "{path}: {html}"
        );
    }

    // Reviewed and decided in parallel through the ordinary case actions, each by its
    // department; not another's.
    app.act(&tax, ga_case, approve("经审查")).await.expect(403);
    app.acts_ok(vec![
        (&tax_reviewer, sw_case, review("符合条件")),
        (&tax, sw_case, approve("经审查")),
        (&land_reviewer, ga_case, review("不符合条件")),
        (&land, ga_case, deny("经营场所不符合特种行业治安要求")),
    ])
    .await;
    app.act(&land, ga_case, approve("经审查")).await.expect(422);
    // Release waits for every member.
    act(&app, &clerk, id, json!({"action": "release"}))
        .await
        .refused(422, "第二十六条");
    // A member case is not extended on its own.
    app.act(
        &head,
        sc_case,
        json!({"action": "extend", "reason": "需要现场核查", "approved_by": "head"}),
    )
    .await
    .refused(422, "一件事整体延长");

    // The extension: the county government's head only, 15 days at most, once.
    let extend =
        |days: u32| json!({"action": "extend", "reason": "需要联合现场踏勘", "days": days});
    act(&app, &clerk, id, extend(15))
        .await
        .refused(422, "人民政府负责人");
    act(&app, &head, id, extend(15))
        .await
        .refused(422, "人民政府负责人");
    act(&app, &government, id, extend(16))
        .await
        .refused(422, "第四十二条第二款");
    let extended = act(&app, &government, id, extend(15)).await.expect(200);
    assert_eq!(extended["clock"]["extension_days"], 15);
    let later = extended["clock"]["statutory_due"].as_str().unwrap();
    assert!(later > due.as_str(), "{later} after {due}");
    assert!(
        extended["explanation"]
            .as_str()
            .unwrap()
            .contains("延期 15 个工作日")
    );
    act(&app, &government, id, extend(15))
        .await
        .refused(422, "只能延长一次");
    // The member cases still open take the extension; the joint due date moves with it.
    let member = app.case_view(&chief, sc_case).await;
    assert_eq!(member["case"]["extension"]["days"], 15, "{member}");
    assert_eq!(member["case"]["joint_due"], later);
    assert!(member["clock"]["statutory_due"].as_str().unwrap() <= later);

    // The last member; the release at once, partial: the denied member held nothing back.
    app.acts_ok(vec![
        (&reviewer, sc_case, review("符合条件")),
        (&chief, sc_case, approve("符合条件")),
    ])
    .await;
    let ended = bundle_as(&app, &clerk, id).await;
    assert_eq!(ended["state"], "decided");
    assert_eq!(ended["result"], "partial");
    act(&app, &tax, id, json!({"action": "release"}))
        .await
        .expect(403);
    let released = act(&app, &clerk, id, json!({"action": "release"}))
        .await
        .expect(200);
    assert_eq!(released["state"], "released");
    assert_eq!(released["result"], "partial");
    assert!(
        released["state_label"]
            .as_str()
            .unwrap()
            .contains("部分准予")
    );
    let labels: Vec<&str> = released["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["status_label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["准予行政许可", "准予行政许可", "不予行政许可"]);
    act(&app, &clerk, id, json!({"action": "release"}))
        .await
        .refused(422, "不能再");
    // The member's own decision document is its case's, sealed like any case's.
    let member = app.case_view(&tax, sw_case).await;
    assert!(
        fields_of(&member, "documents", "title")
            .iter()
            .any(|t| t == "准予行政许可决定书"),
        "{member}"
    );

    // The pages: the tax office's shows its member only; the window's the whole bundle.
    let html = app.page_ok(&tax, &format!("/work/bundles/{id}")).await;
    assert!(
        html.contains("涉税事项办理") && !html.contains("特种行业许可"),
        "{html}"
    );
    let html = app.page_ok(&clerk, &format!("/work/bundles/{id}")).await;
    assert!(html.contains("已统一出件（部分准予）") && html.contains("特种行业许可"));
    let html = app
        .page_ok(&clerk, "/work/bundles?jurisdiction=hanyin")
        .await;
    assert!(html.contains(&number));

    // The worklists: the tax office sees the bundle, the applicant tracks it by number.
    let list = app
        .by(&tax)
        .get("/api/v1/bundles?jurisdiction=hanyin")
        .await
        .expect(200);
    assert_eq!(list[0]["number"], number.as_str());
    let tracked = app
        .get_json(&format!(
            "/api/v1/bundles/track?number={number}&id_number={COMPANY_ID}"
        ))
        .await
        .expect(200);
    assert_eq!(tracked["result"], "partial");
    assert_eq!(members(&tracked).len(), 3);
    app.get_json(&format!(
        "/api/v1/bundles/track?number={number}&id_number=91350100M000100Y00"
    ))
    .await
    .expect(404);
    // The public tracking page shows every member's state.
    let (status, html) = app
        .get_text(&format!("/track?number={number}&id_number={COMPANY_ID}"))
        .await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("特种行业许可")
            && html.contains("不予行政许可")
            && html.contains("已统一出件（部分准予）"),
        "{html}"
    );
    let (_, html) = app
        .get_text(&format!(
            "/track?number={number}&id_number=91350100M000100Y00"
        ))
        .await;
    assert!(html.contains("没有找到该一件事"), "{html}");

    receive_on_the_page(&app, &reviewer).await;
}

/// The window's receipt form: only the window opens it; the bundle chosen, then its situation
/// (不经营旅馆业 drops 特种行业许可), the applicant and the merged list once; refused without the
/// Art. 31 attestation, nothing kept; then received and accepted at once, with one receipt
/// voucher listing every member's own case number.
async fn receive_on_the_page(app: &Api, reviewer: &str) {
    let (status, _) = app
        .page_text(reviewer, "/work/bundles/receive?jurisdiction=hanyin")
        .await;
    assert_eq!(status, 403);
    let csrf = app.browser_login("hy.clerk").await;
    let (status, html, _) = receipt_form(app).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("营业执照（共用）") && html.contains("不经营旅馆业"),
        "{html}"
    );
    let base = vec![
        ("csrf", csrf.as_str()),
        ("jurisdiction", HANYIN),
        ("bundle", BUNDLE),
        ("situation", "S1"),
    ];
    let (status, html, _) = answered(
        app.post_form(
            RECEIVE_PAGE,
            &[base.clone(), vec![("step", "choose")]].concat(),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{html}");
    assert!(!html.contains("HY-GA-001/M1"), "{html}");
    let before = app.store.bundles(HANYIN, 100).await.unwrap().len();
    let mut fields = [
        base,
        vec![
            ("kind", "organisation"),
            ("name", "汉阴县月河餐饮有限公司"),
            ("id_number", COMPANY_ID),
            ("material", "M1"),
            ("material", "M2"),
            ("material", "HY-SW-001/M1"),
            ("outcome", "accept"),
            ("step", "receive"),
        ],
    ]
    .concat();
    let (status, html, _) = answered(app.post_form(RECEIVE_PAGE, &fields).await).await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("第三十一条"), "{html}");
    assert_eq!(app.store.bundles(HANYIN, 100).await.unwrap().len(), before);
    fields.push(("attested", "yes"));
    let (status, _, location) = answered(app.post_form(RECEIVE_PAGE, &fields).await).await;
    assert_eq!(status, 303, "{location}");
    let id = receipt_of(&location);
    let bundle = app.store.bundle(id).await.unwrap().unwrap();
    let cases = app.store.bundle_cases(id).await.unwrap();
    assert_eq!(cases.len(), 2);
    assert!(cases.iter().all(|c| c.state.code() == "accepted"));
    let (status, html, _) =
        answered(app.client.get(app.url(&location)).send().await.unwrap()).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("一件事收件凭证") && html.contains(&bundle.number),
        "{html}"
    );
    for c in &cases {
        assert!(
            html.contains(&c.number) && html.contains(&c.item_name),
            "{html}"
        );
    }
    assert!(!html.contains("特种行业许可"), "{html}");
}

/// Art. 32: a bundle received without an intake act for 5 working days is deemed accepted by the
/// background sweep from the day it was received, with its joint due date, mirrored onto every
/// member case (whose own sweep leaves them to the bundle); the applicant is told once per
/// bundle, not once per member; her own case pages and list name the bundle of a member case.
async fn a_bundle_left_without_an_intake_act_is_deemed_accepted_and_told_once(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    publish_bundle(&app).await;
    let clerk = app.staff("hy.clerk", Role::WindowClerk, HANYIN).await;
    // 王芳 has an account, her identity verified: her cases are hers to see and to be told of.
    let applicant = verified_person(&app).await;

    // Received on Monday 3 March with every material and no intake act.
    let view = receive(&app, &clerk, intake(person(), &EVERY_MATERIAL, "receive")).await;
    let id = view["id"].as_i64().unwrap();
    let number = view["number"].as_str().unwrap().to_string();
    assert_eq!(view["state"], "received");
    let cases: Vec<i64> = view["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["case_id"].as_i64().unwrap())
        .collect();
    assert_eq!(cases.len(), 3);
    // One receipt notice for the bundle, none for its member cases.
    assert_eq!(app.inbox(&applicant).await, ["收件通知：我要开餐馆"]);

    // The window's 5 working days end on Monday 10 March: nothing is deemed before it passes.
    app.clock.set(yiyin_testkit::fixtures::at("2025-03-10"));
    assert_eq!(app.app.sweep_intake(app.app.now()).await.unwrap(), 0);
    // (The sessions ended meanwhile.)
    let [clerk] = app.tokens(["hy.clerk"]).await;
    let still = bundle_as(&app, &clerk, id).await;
    assert_eq!(still["state"], "received");

    // On the 11th the sweep deems the bundle accepted from the day of receipt (the member cases
    // are not swept on their own: only the bundle counts).
    app.clock.set(yiyin_testkit::fixtures::at("2025-03-11"));
    assert_eq!(app.app.sweep_intake(app.app.now()).await.unwrap(), 1);
    let [clerk] = app.tokens(["hy.clerk"]).await;
    let applicant = app.token(PERSON, PERSON_PASSWORD).await;
    let deemed = bundle_as(&app, &clerk, id).await;
    assert_eq!(deemed["state"], "accepted", "{deemed}");
    assert_eq!(deemed["accepted_on"], "2025-03-03", "{deemed}");
    // 45 working days from 3 March (清明 4 April, 劳动节 1–5 May, 27 April worked).
    assert_eq!(deemed["clock"]["statutory_due"], "2025-05-08", "{deemed}");
    // Each member case, as she reads it.
    for case in &cases {
        let member = app.case_view(&applicant, *case).await;
        assert_eq!(member["state"], "accepted", "{member}");
        assert_eq!(member["case"]["accepted_on"], "2025-03-03", "{member}");
        assert_eq!(member["case"]["deemed_accepted"], true, "{member}");
        assert_eq!(member["case"]["joint_due"], "2025-05-08", "{member}");
        assert!(
            member["clock"]["statutory_due"].as_str().unwrap() <= "2025-05-08",
            "{member}"
        );
        assert!(
            fields_of(&member, "events", "action")
                .iter()
                .any(|a| a == "deemed_accept"),
            "{member}"
        );
    }
    // Once: a second sweep finds nothing.
    assert_eq!(app.app.sweep_intake(app.app.now()).await.unwrap(), 0);
    // Told once more, for the bundle.
    assert_eq!(
        app.inbox(&applicant).await,
        ["视为受理通知：我要开餐馆", "收件通知：我要开餐馆"]
    );

    // Her pages: the list labels each member case with its bundle, the case page names it.
    let html = app.page_ok(&applicant, "/my").await;
    let label = format!("所属一件事：我要开餐馆（{number}）");
    assert_eq!(html.matches(&label).count(), 3, "{html}");
    let html = app
        .page_ok(&applicant, &format!("/my/cases/{}", cases[1]))
        .await;
    assert!(html.contains(&label), "{html}");

    // Another bundle of hers, received with one supplement notice for every member, supplemented
    // and accepted: one notice of each for the bundle, none for its three member cases.
    let materials = ["M1", "HY-SW-001/M1", "HY-GA-001/M1"];
    let second = receive(
        &app,
        &clerk,
        intake(person(), &materials, "notify_supplement"),
    )
    .await;
    let second = second["id"].as_i64().unwrap();
    supplement_and_accept(&app, &clerk, second).await;
    assert_eq!(
        app.inbox(&applicant).await,
        [
            "受理通知：我要开餐馆",
            "补正告知：我要开餐馆",
            "收件通知：我要开餐馆",
            "视为受理通知：我要开餐馆",
            "收件通知：我要开餐馆",
        ]
    );
}

/// The catalog administrator publishes a bundle from the catalog editor (`publish_bundle`), the
/// members ticked among the items in force; the window may neither open the page nor publish; a
/// member outside the catalog or a malformed situation is refused with the form again, nothing
/// kept.
async fn the_catalog_administrator_publishes_a_bundle_on_the_catalog_page(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    publish_tax_item(&app).await;
    app.staff("hy.catalog", Role::CatalogAdmin, HANYIN).await;
    let clerk = app.staff("hy.clerk", Role::WindowClerk, HANYIN).await;
    let page = "/admin/catalog/hanyin/bundles";
    let (status, _) = app.page_text(&clerk, page).await;
    assert_eq!(status, 403);
    let form = |csrf: &str, member: &'static str, situations: &'static str| {
        [
            ("csrf", csrf),
            ("bundle_code", BUNDLE),
            ("name", "我要开餐馆"),
            ("lead_department", "shichang"),
            ("member", "HY-SC-001"),
            ("member", member),
            ("situations", situations),
            ("effective_on", "2025-03-03"),
            ("note", "一件事一次办"),
        ]
        .map(|(k, v)| (k, v.to_string()))
        .to_vec()
    };
    let csrf = app.browser_login("hy.clerk").await;
    let (status, html, _) = send(&app, form(&csrf, "HY-SW-001", "")).await;
    assert_eq!(status, 403, "{html}");
    assert!(published(&app).await.is_empty());

    let csrf = app.browser_login_totp("hy.catalog").await;
    let (status, html, _) = answered(app.client.get(app.url(page)).send().await.unwrap()).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("涉税事项办理（HY-SW-001）") && html.contains("本县区目录中暂无一件事"),
        "{html}"
    );
    let (status, html, _) = send(&app, form(&csrf, "HY-XX-999", "")).await;
    assert_eq!(status, 422, "{html}");
    assert!(
        html.contains("HY-XX-999") && html.contains("未能公布"),
        "{html}"
    );
    let (status, html, _) = send(&app, form(&csrf, "HY-SW-001", "S1")).await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("情形第1行格式不正确"), "{html}");
    assert!(published(&app).await.is_empty());
    let (status, _, location) = send(
        &app,
        form(&csrf, "HY-SW-001", "S1|不办理税务登记|HY-SW-001"),
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(location, page);
    assert_eq!(published(&app).await, [(BUNDLE.to_string(), 1)]);
    let (_, html, _) = answered(app.client.get(app.url(page)).send().await.unwrap()).await;
    assert!(
        html.contains("我要开餐馆") && html.contains("第1版") && html.contains("不办理税务登记"),
        "{html}"
    );
    let v = &app.store.bundle_versions(HANYIN).await.unwrap()[0];
    assert_eq!(v.spec.members, ["HY-SC-001", "HY-SW-001"]);
    assert_eq!(v.spec.situations[0].drops, ["HY-SW-001"]);
}

/// The versions of the bundles published in 汉阴县: (code, version).
async fn published(app: &Api) -> Vec<(String, u32)> {
    app.store
        .bundle_versions(HANYIN)
        .await
        .unwrap()
        .into_iter()
        .map(|v| (v.code, v.version))
        .collect()
}

/// The catalog's bundle form sent by the logged-in browser.
async fn send(app: &Api, fields: Vec<(&'static str, String)>) -> (u16, String, String) {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    answered(
        app.post_form("/admin/catalog/hanyin/bundles", &fields)
            .await,
    )
    .await
}

/// The titles of a case's documents as `token` reads them, and the case itself.
async fn titles(app: &Api, token: &str, case: i64) -> (Vec<String>, Value) {
    let c = app.case_view(token, case).await;
    (fields_of(&c, "documents", "title"), c)
}

/// A document's id in a case as staff read it.
fn document_id(case: &Value, title: &str) -> i64 {
    case["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["title"] == title)
        .and_then(|d| d["id"].as_i64())
        .unwrap_or_else(|| panic!("no {title} in {case}"))
}

/// Art. 26 (统一出件): a member's results (its decision, its licence) stay with the bureau until the
/// bundle is released at the window, once every member has ended: until then the applicant does not
/// see them listed, cannot download them (403, naming the rule) nor open the licence, finds it
/// missing from her licences and is shown 「一件事全部办结后统一出件」, while staff see them; she
/// is not told of each member's decision. Release is refused while a member is pending; a denied
/// member holds nothing back (partial); the release is one audited event and one notice, and every
/// result is hers at once.
async fn a_member_result_is_held_until_the_release_and_told_once(backend: Backend) {
    let app = Api::spawn_sealed(backend, "2025-03-03").await;
    publish_bundle(&app).await;
    let Desk {
        clerk,
        reviewer,
        chief,
    } = app.desk().await;
    let [tax, tax_reviewer, land, land_reviewer] = departments(&app).await;
    let applicant = verified_person(&app).await;
    let view = receive(&app, &clerk, intake(person(), &EVERY_MATERIAL, "accept")).await;
    let id = view["id"].as_i64().unwrap();
    let (sc_case, _) = member_case(&view, "HY-SC-001");
    let (sw_case, _) = member_case(&view, "HY-SW-001");
    let (ga_case, _) = member_case(&view, "HY-GA-001");

    // The bureau's member is decided and its licence issued; the tax office's approved.
    app.acts_ok(vec![
        (&reviewer, sc_case, review("符合条件")),
        (&chief, sc_case, approve("符合条件")),
        (&clerk, sc_case, json!({"action": "issue_certificate"})),
        (&tax_reviewer, sw_case, review("符合条件")),
        (&tax, sw_case, approve("经审查")),
    ])
    .await;
    // Staff see the results as issued.
    let (staff_titles, staff_case) = titles(&app, &clerk, sc_case).await;
    assert!(
        staff_titles.iter().any(|t| t == "准予行政许可决定书"),
        "{staff_titles:?}"
    );
    let decision = document_id(&staff_case, "准予行政许可决定书");
    let licence_doc = staff_case["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| {
            !["准予行政许可决定书", "受理通知书", "收件凭证"]
                .contains(&d["title"].as_str().unwrap())
        })
        .and_then(|d| d["id"].as_i64())
        .expect("the licence document");
    let licence = app.licence_of(sc_case).await;
    app.by(&clerk)
        .get(&format!("/api/v1/cases/{sc_case}/documents/{decision}"))
        .await
        .expect(200);

    // The applicant: not listed, not downloadable, not in her licences; told to wait.
    let (held, c) = titles(&app, &applicant, sc_case).await;
    assert!(!held.iter().any(|t| t == "准予行政许可决定书"), "{held:?}");
    assert_eq!(c["result_held"], "一件事全部办结后统一出件", "{c}");
    assert_eq!(c["state_label"], "已办结，一件事全部办结后统一出件", "{c}");
    for doc in [decision, licence_doc] {
        app.by(&applicant)
            .get(&format!("/api/v1/cases/{sc_case}/documents/{doc}"))
            .await
            .refused(403, "统一出件");
        let (status, html) = app
            .page_text(&applicant, &format!("/cases/{sc_case}/documents/{doc}/pdf"))
            .await;
        assert_eq!(status, 403, "{html}");
        assert!(html.contains("第二十六条"), "{html}");
    }
    app.by(&applicant)
        .get(&format!("/api/v1/licences/{}", licence.identifier))
        .await
        .refused(403, "统一出件");
    let html = app.page_ok(&applicant, "/my/licences").await;
    assert!(!html.contains(&licence.identifier), "{html}");
    let html = app
        .page_ok(&applicant, &format!("/my/cases/{sc_case}"))
        .await;
    assert!(
        html.contains("一件事全部办结后统一出件")
            && !html.contains("已制证")
            && !html.contains(&licence.identifier),
        "{html}"
    );
    let (_, html) = app.page_text(&applicant, "/my").await;
    assert!(html.contains("已办结，一件事全部办结后统一出件"), "{html}");
    // Nor is the number with the case's query code a way round it.
    let query_code = app.store.case(sc_case).await.unwrap().query_code;
    let decision_number = staff_case["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == decision)
        .and_then(|d| d["number"].as_str())
        .unwrap()
        .to_string();
    assert!(
        app.app
            .lookup(&decision_number, Some(&query_code))
            .await
            .unwrap()
            .is_none()
    );

    // The release waits for the pending member, naming it and the rule.
    act(&app, &clerk, id, json!({"action": "release"}))
        .await
        .refused(422, "第二十六条");
    app.acts_ok(vec![
        (&land_reviewer, ga_case, review("不符合条件")),
        (&land, ga_case, deny("经营场所不符合特种行业治安要求")),
    ])
    .await;
    // Every member ended: still held until the window releases.
    app.by(&applicant)
        .get(&format!("/api/v1/cases/{sc_case}/documents/{decision}"))
        .await
        .expect(403);
    // No notice of any member's decision or licence: they are told with the release.
    let told = app.inbox(&applicant).await;
    assert!(
        told.iter()
            .all(|t| !t.starts_with("审批决定通知") && !t.starts_with("证照制发通知")),
        "{told:?}"
    );
    let released = act(&app, &clerk, id, json!({"action": "release"}))
        .await
        .expect(200);
    assert_eq!(released["state"], "released");
    assert_eq!(released["result"], "partial");

    // Out at once: listed, downloadable, in her licences; the denied member's letter too.
    let (out, c) = titles(&app, &applicant, sc_case).await;
    assert!(out.iter().any(|t| t == "准予行政许可决定书"), "{out:?}");
    assert!(c["result_held"].is_null(), "{c}");
    app.by(&applicant)
        .get(&format!("/api/v1/cases/{sc_case}/documents/{decision}"))
        .await
        .expect(200);
    let (status, pdf) = app
        .page(
            &applicant,
            &format!("/cases/{sc_case}/documents/{decision}/pdf"),
        )
        .await;
    assert_eq!(status, 200);
    assert!(pdf.starts_with(b"%PDF"));
    app.by(&applicant)
        .get(&format!("/api/v1/licences/{}", licence.identifier))
        .await
        .expect(200);
    let (_, html) = app.page_text(&applicant, "/my/licences").await;
    assert!(html.contains(&licence.identifier), "{html}");
    let (denied, _) = titles(&app, &applicant, ga_case).await;
    assert!(
        denied.iter().any(|t| t == "不予行政许可决定书"),
        "{denied:?}"
    );
    // Told once, for the bundle.
    let told = app.inbox(&applicant).await;
    assert_eq!(
        told.iter()
            .filter(|t| t.starts_with("统一出件通知"))
            .count(),
        1,
        "{told:?}"
    );
    assert_eq!(told[0], "统一出件通知：我要开餐馆");
    // One audited event of the release, by the window.
    let events = app.store.events_from(0, 10_000).await.unwrap();
    let releases: Vec<_> = events
        .iter()
        .filter(|e| e.action == "bundle_act" && e.data.contains("\"release\""))
        .collect();
    assert_eq!(releases.len(), 1, "{releases:?}");
    assert!(releases[0].reason.contains("统一出件"), "{:?}", releases[0]);
    assert!(releases[0].actor_account.is_some());
}

/// Every material of 「我要开餐馆」, the shared 营业执照 (M2) once.
const EVERY_MATERIAL: [&str; 4] = ["M1", "M2", "HY-SW-001/M1", "HY-GA-001/M1"];

const SCAN: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

/// The window's receipt form sent with scanned files (multipart): each merged material's file
/// counts as provided; the shared 营业执照 is stored once and linked to every member needing it,
/// under each member's own code; each department sees its member's files and the shared one,
/// a department outside the bundle none; a refused file keeps the others for the form. The member
/// cases waiting for intake, then overdue, carry their bundle's label on the window's queue and on
/// the bureau head's page.
async fn a_bundle_received_with_files_keeps_a_shared_material_once(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    publish_bundle(&app).await;
    app.staff("hy.clerk", Role::WindowClerk, HANYIN).await;
    app.staff("hy.head", Role::BureauHead, HANYIN).await;
    departments(&app).await;
    let csrf = app.browser_login("hy.clerk").await;
    let (status, html, _) = receipt_form(&app).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("name=\"file_M2\""), "{html}");
    let send = |fields: Vec<(&'static str, String)>,
                files: Vec<(&'static str, &'static str, &'static [u8])>| {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let files: Vec<_> = files
            .iter()
            .map(|(material, name, bytes)| (format!("file_{material}"), *name, *bytes))
            .collect();
        app.post_multipart(&app.client, RECEIVE_PAGE, multipart_form(&fields, &files))
    };
    let fields = |csrf: &str| {
        [
            ("csrf", csrf),
            ("key", "bundle-form-1"),
            ("jurisdiction", HANYIN),
            ("bundle", BUNDLE),
            ("situation", "S1"),
            ("kind", "organisation"),
            ("name", "汉阴县月河餐饮有限公司"),
            ("id_number", COMPANY_ID),
            ("material", "M1"),
            ("outcome", "receive"),
            ("attested", "yes"),
            ("step", "receive"),
        ]
        .map(|(k, v)| (k, v.to_string()))
        .to_vec()
    };
    // A file that is no PDF, JPG, PNG or OFD is refused beside its material; nothing received,
    // the file that passed kept for the form.
    let before = app.store.bundles(HANYIN, 100).await.unwrap().len();
    let (status, html, _) = send(
        fields(&csrf),
        vec![
            ("M2", "营业执照.pdf", SCAN),
            ("HY-SW-001/M1", "涉税.exe", b"MZ not a scan"),
        ],
    )
    .await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("已保留：营业执照.pdf"), "{html}");
    assert_eq!(app.store.bundles(HANYIN, 100).await.unwrap().len(), before);
    // Sent again with the tax form's scan: the kept 营业执照 goes with it.
    let (status, html, location) = send(
        fields(&csrf),
        vec![("HY-SW-001/M1", "涉税事项申请表.pdf", SCAN)],
    )
    .await;
    assert_eq!(status, 303, "{html}");
    let id = receipt_of(&location);
    let view = app
        .app
        .bundle_view(&app.principal("hy.clerk").await, id)
        .await
        .unwrap();
    let provided: Vec<(&str, bool)> = view
        .materials
        .iter()
        .map(|m| (m.code.as_str(), m.provided))
        .collect();
    assert_eq!(
        provided,
        [("M1", true), ("M2", true), ("HY-SW-001/M1", true)],
        "{provided:?}"
    );
    let cases = app.store.bundle_cases(id).await.unwrap();
    let case_of = |item: &str| cases.iter().find(|c| c.item_code == item).unwrap().id;
    let (sc, sw) = (case_of("HY-SC-001"), case_of("HY-SW-001"));
    let sc_files = app.store.attachments(sc).await.unwrap();
    let sw_files = app.store.attachments(sw).await.unwrap();
    // The shared licence scan: one stored file, linked to both members under their own codes.
    let shared_sc: Vec<_> = sc_files
        .iter()
        .filter(|f| f.file_name == "营业执照.pdf")
        .collect();
    let shared_sw: Vec<_> = sw_files
        .iter()
        .filter(|f| f.file_name == "营业执照.pdf")
        .collect();
    assert_eq!(
        (shared_sc.len(), shared_sw.len()),
        (1, 1),
        "{sc_files:?} {sw_files:?}"
    );
    assert_eq!(shared_sc[0].digest, shared_sw[0].digest);
    assert!(app.app.blobs.get(&shared_sc[0].digest).await.is_ok());
    // Each member holds its own files and the shared one, not another member's.
    assert!(sw_files.iter().any(|f| f.file_name == "涉税事项申请表.pdf"));
    assert!(!sc_files.iter().any(|f| f.file_name == "涉税事项申请表.pdf"));
    assert_eq!(sc_files.len(), 1, "{sc_files:?}");
    // The tax office takes the shared file and its own; 公安 (outside this bundle: its member
    // was dropped by the situation) takes neither.
    let [tax, land, clerk] = app.tokens(["sw.chief", "ga.chief", "hy.clerk"]).await;
    for f in &sw_files {
        let (status, _) = app.page_text(&tax, &format!("/files/{}", f.id)).await;
        assert_eq!(status, 200, "{f:?}");
        let (status, _) = app.page_text(&land, &format!("/files/{}", f.id)).await;
        assert_eq!(status, 403, "{f:?}");
    }
    let (status, _) = app
        .page_text(&tax, &format!("/files/{}", shared_sc[0].id))
        .await;
    assert_eq!(status, 403);
    app.by(&land)
        .get(&format!("/api/v1/bundles/{id}"))
        .await
        .expect(403);

    // The window's queue labels the member cases waiting for intake with their bundle.
    let label = format!(
        "所属一件事：<a href=\"/work/bundles/{id}\">我要开餐馆（{}）</a>",
        view.number
    );
    let html = app.page_ok(&clerk, "/work/queue").await;
    assert_eq!(html.matches(&label).count(), 2, "{html}");
    // Accepted, then past the joint due date: the head's page labels the overdue members.
    act(&app, &clerk, id, json!({"action": "accept"}))
        .await
        .expect(200);
    app.clock.set(yiyin_testkit::fixtures::at("2025-07-01"));
    let [head] = app.tokens(["hy.head"]).await;
    let html = app.page_ok(&head, "/work/head").await;
    assert!(html.matches(&label).count() >= 1, "{html}");
}

/// The bundles list reads a page at a time, newest first, each reader the bundles it may open:
/// the window every one; a resident department those with a member item of its own (公安 only the
/// bundle whose situation kept 特种行业许可); a department with no member none.
async fn the_bundles_list_reads_a_page_at_a_time_each_reader_its_own(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    publish_bundle(&app).await;
    let Desk { clerk, .. } = app.desk().await;
    let [_, tax, _, police] = departments(&app).await;
    let stranger =
        yiyin_testkit::bundles::department_staff(&app, "zj.reviewer", Role::Reviewer, "zhujian")
            .await;
    let company =
        json!({"kind": "organisation", "name": "汉阴县月河餐饮有限公司", "id_number": COMPANY_ID});
    let mut ids = Vec::new();
    for situations in [json!([]), json!(["S1"]), json!(["S1"])] {
        let mut body = intake(company.clone(), &["M1", "M2", "HY-SW-001/M1"], "receive");
        body["situations"] = situations;
        ids.push(receive(&app, &clerk, body).await["id"].as_i64().unwrap());
    }
    let (all, gongan) = (&ids, ids[0]);
    let list = |token: &str, query: &str| {
        let path = format!("/api/v1/bundles?jurisdiction=hanyin{query}");
        let token = token.to_string();
        let app = &app;
        async move { app.list_page(Some(&token), &path).await }
    };
    let first = list(&clerk, "&limit=2").await;
    assert_eq!(
        (first.ids(), first.total()),
        (vec![all[2], all[1]], Some(3))
    );
    let next = first.next.expect("a next page");
    assert!(next.contains("limit=2"), "{next}");
    let last = app.list_page(Some(&clerk), &next).await;
    assert_eq!(
        (last.ids(), last.total(), last.next),
        (vec![all[0]], Some(3), None)
    );
    let theirs = list(&tax, "").await;
    assert_eq!(
        (theirs.ids(), theirs.total()),
        (vec![all[2], all[1], all[0]], Some(3))
    );
    let theirs = list(&police, "").await;
    assert_eq!((theirs.ids(), theirs.total()), (vec![gongan], Some(1)));
    let none = list(&stranger, "").await;
    assert_eq!((none.ids(), none.total()), (vec![], Some(0)));
    for (query, phrase) in [("after=x", "翻页位置无效"), ("limit=201", "1 至 200")] {
        app.by(&clerk)
            .get(&format!("/api/v1/bundles?jurisdiction=hanyin&{query}"))
            .await
            .refused(422, phrase);
    }
    // The desk: 公安 counts its one bundle; the window all three.
    let html = app
        .page_ok(&police, "/work/bundles?jurisdiction=hanyin")
        .await;
    assert!(html.contains("共 1 个一件事"), "{html}");
    let html = app
        .page_ok(&clerk, "/work/bundles?jurisdiction=hanyin")
        .await;
    assert!(html.contains("共 3 个一件事"), "{html}");
}
