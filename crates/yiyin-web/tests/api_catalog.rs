//! The public catalog API and pages against a real server, on both databases.

use yiyin_store::Backend;
use yiyin_testkit::fixtures::in_calendar_days;
use yiyin_testkit::{Api, on_both};

on_both!(
    healthz_answers_once_migrated,
    catalog_api_reads_any_date,
    errors_are_json_with_chinese_messages,
    openapi_document_describes_the_api,
    public_pages_render_in_chinese,
    the_national_list_report_is_for_the_catalog_administrator,
    the_catalog_administrator_sees_national_entries_and_sources,
    the_editor_and_the_guide_carry_each_items_limits,
);

async fn healthz_answers_once_migrated(backend: Backend) {
    let app = Api::spawn(backend, "2025-06-02").await;
    let body = app.get_json("/healthz").await.expect(200);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["schema"], yiyin_store::migrate::latest());
    assert_eq!(body["today"], "2025-06-02");
    app.stop().await;
}

async fn catalog_api_reads_any_date(backend: Backend) {
    let app = Api::spawn(backend, "2025-06-02").await;
    let list = app.get_json("/api/v1/jurisdictions").await.expect(200);
    assert_eq!(list.as_array().unwrap().len(), 5);
    let j = app.get_json("/api/v1/jurisdictions/gaoxin").await.body;
    assert_eq!(j["bureau"]["name"], "安康高新区行政审批服务局");

    // The testkit's sample catalog: HY-SC-001, HY-MZ-001 and the green-list HY-WG-001.
    let published = yiyin_testkit::catalog().items.len();
    assert_eq!(published, 3);
    let items = app
        .get_json("/api/v1/jurisdictions/hanyin/catalog")
        .await
        .expect(200);
    assert_eq!(items.as_array().unwrap().len(), published);
    let before = app
        .get_json("/api/v1/jurisdictions/hanyin/catalog?date=2024-12-31")
        .await
        .body;
    assert_eq!(before.as_array().unwrap().len(), 0);

    let item = app
        .get_json("/api/v1/jurisdictions/hanyin/catalog/HY-SC-001")
        .await
        .expect(200);
    assert_eq!(item["item"]["name"], "食品经营许可");
    assert_eq!(item["version"], 1);
    let versions = app
        .get_json("/api/v1/jurisdictions/hanyin/catalog/HY-SC-001/versions")
        .await
        .expect(200);
    assert_eq!(versions.as_array().unwrap().len(), 1);
    let log = app
        .get_json("/api/v1/jurisdictions/hanyin/changelog")
        .await
        .expect(200);
    assert_eq!(
        log.as_array().unwrap().len(),
        published,
        "one entry per item added"
    );
    app.stop().await;
}

async fn errors_are_json_with_chinese_messages(backend: Backend) {
    let app = Api::spawn(backend, "2025-06-02").await;
    for (path, status, says) in [
        ("/api/v1/jurisdictions/nowhere", 404, "nowhere"),
        (
            "/api/v1/jurisdictions/hanyin/catalog?date=2025-02-30",
            422,
            "不是有效日期",
        ),
        ("/api/v1/jurisdictions/hanyin/catalog/NOPE", 404, "NOPE"),
    ] {
        let body = app.get_json(path).await.refused(status, says);
        if status == 404 {
            assert_eq!(body["error"]["code"], "not_found");
        }
    }
    app.stop().await;
}

async fn openapi_document_describes_the_api(backend: Backend) {
    let app = Api::spawn(backend, "2025-06-02").await;
    let doc = app.get_json("/api/v1/openapi.json").await.expect(200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/healthz",
        "/api/v1/jurisdictions",
        "/api/v1/jurisdictions/{code}/catalog",
        "/api/v1/jurisdictions/{code}/changelog",
        "/api/v1/supervision/inbox",
        "/api/v1/licences/{identifier}/acts",
        "/api/v1/inspections",
        "/api/v1/jurisdictions/{code}/national-report",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
    assert!(doc["components"]["schemas"]["Item"].is_object());
    // Every schema the document refers to is in it.
    fn refs(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    match (k.as_str(), x.as_str()) {
                        ("$ref", Some(r)) => out.push(r.to_string()),
                        _ => refs(x, out),
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    for r in all {
        let name = r.trim_start_matches("#/components/schemas/");
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{r} is referred to but not described"
        );
    }
    app.stop().await;
}

async fn public_pages_render_in_chinese(backend: Backend) {
    let app = Api::spawn(backend, "2025-06-02").await;
    let guide = [
        "设定依据",
        "《中华人民共和国食品安全法》第三十五条",
        "申请材料",
        "可容缺",
        "办理流程",
        "汉阴县行政审批服务局",
    ];
    // (page, its status, what it shows)
    let pages: [(&str, u16, &[&str]); 6] = [
        ("/", 200, &["汉阴县", "安康高新区"]),
        ("/j/hanyin", 200, &["食品经营许可", "汉阴县市场监督管理局"]),
        ("/j/hanyin/items/HY-SC-001", 200, &guide),
        ("/j/hanyin/items/HY-SC-001?date=2024-06-01", 404, &[]),
        ("/j/hanyin/changelog", 200, &["新增"]),
        ("/static/yiyin.css", 200, &["--red"]),
    ];
    for (path, status, shows) in pages {
        let (s, text) = app.get_text(path).await;
        assert_eq!(s, status, "{path}");
        for phrase in shows {
            assert!(text.contains(phrase), "{path} lacks {phrase}");
        }
    }
    let (_, filtered) = app.get_text("/j/hanyin?dept=minzheng").await;
    assert!(filtered.contains("社会团体成立登记") && !filtered.contains("HY-SC-001"));
    app.stop().await;
}

/// Publishes today a new version of HY-SC-001 naming its national list entry, with a source
/// assumed for the demo.
async fn publish_national_entry(app: &Api) {
    use yiyin_domain::catalog::NationalRef;
    use yiyin_domain::sources::{Source, SourceKind};
    app.publish_variant("对应国家清单", |item| {
        item.national = Some(NationalRef {
            code: "00012345600Y".into(),
            name: "食品经营许可".into(),
        });
        item.sources = vec![
            Source {
                kind: SourceKind::Document,
                cite: "《中华人民共和国食品安全法》第三十五条".into(),
            },
            Source {
                kind: SourceKind::Assumed,
                cite: "承诺时限为演示假定".into(),
            },
        ];
    })
    .await;
}

async fn the_national_list_report_is_for_the_catalog_administrator(backend: Backend) {
    use yiyin_domain::roles::Role;
    let app = Api::spawn(backend, "2025-06-02").await;
    publish_national_entry(&app).await;
    let path = "/api/v1/jurisdictions/hanyin/national-report";

    // Not signed in: 401; signed in without the duty, or for another county: 403.
    app.anonymous().get(path).await.refused(401, "登录");
    let clerk = app.staff("hy.clerk", Role::WindowClerk, "hanyin").await;
    app.by(&clerk).get(path).await.refused(403, "管理事项目录");
    let ziyang = app.staff("zy.catalog", Role::CatalogAdmin, "ziyang").await;
    app.by(&ziyang).get(path).await.refused(403, "");

    let admin = app.staff("hy.catalog", Role::CatalogAdmin, "hanyin").await;
    let r = app.by(&admin).get(path).await.expect(200);
    assert_eq!(r["jurisdiction"], "hanyin");
    assert_eq!(r["date"], "2025-06-02");
    assert_eq!(
        (r["in_force"].as_u64(), r["licensing"].as_u64()),
        (Some(3), Some(3))
    );
    let codes = |list: &serde_json::Value| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|i| i["code"].as_str().unwrap().to_string())
            .collect()
    };
    // HY-SC-001 names its entry now; the two others do not.
    assert_eq!(codes(&r["without_national"]), ["HY-MZ-001", "HY-WG-001"]);
    assert_eq!(r["without_national"][0]["kind"], "licensing");
    assert_eq!(r["without_national"][0]["department_name"], "汉阴县民政局");
    assert_eq!(codes(&r["assumed"]), ["HY-SC-001"]);
    assert_eq!(r["assumed"][0]["assumed"][0], "承诺时限为演示假定");

    // The day before, the first version was in force: no item names its entry.
    let before = app
        .by(&admin)
        .get(&format!("{path}?date=2025-06-01"))
        .await
        .expect(200);
    assert_eq!(before["without_national"].as_array().unwrap().len(), 3);
    assert_eq!(before["assumed"].as_array().unwrap().len(), 0);
    app.by(&admin)
        .get(&format!("{path}?date=2025-02-30"))
        .await
        .refused(422, "不是有效日期");
    app.by(&admin)
        .get("/api/v1/jurisdictions/nowhere/national-report")
        .await
        .refused(403, "");
    app.stop().await;
}

async fn the_catalog_administrator_sees_national_entries_and_sources(backend: Backend) {
    use yiyin_domain::roles::Role;
    let app = Api::spawn(backend, "2025-06-02").await;
    publish_national_entry(&app).await;
    let admin = app.staff("hy.catalog", Role::CatalogAdmin, "hanyin").await;
    let page = |path: &'static str| {
        let (app, admin) = (&app, &admin);
        async move {
            let (status, html) = app.page_text(admin, path).await;
            assert_eq!(status, 200, "{path}: {html}");
            html
        }
    };

    // The catalog list links the report and marks the item with an assumed source.
    let html = page("/admin/catalog/hanyin").await;
    yiyin_testkit::assert_says(
        &html,
        &[
            r#"href="/admin/catalog/hanyin/national""#,
            "国家清单对照",
            "演示数据（假定）",
        ],
    );
    let html = page("/admin/catalog/hanyin/national").await;
    yiyin_testkit::assert_says(
        &html,
        &[
            "有效事项 3 项，其中行政许可事项 3 项",
            "未对应国家行政许可事项清单的行政许可事项（2项）",
            "社会团体成立登记",
            "娱乐场所经营许可",
            "含演示假定内容的事项（1项）",
            "承诺时限为演示假定",
        ],
    );
    // The editor shows the entry and each source, the assumption marked.
    let html = page("/admin/catalog/hanyin/edit/HY-SC-001").await;
    yiyin_testkit::assert_says(
        &html,
        &[
            "演示数据（假定）",
            r#"name="national_code" value="00012345600Y""#,
            r#"<td data-label="种类">公开文件</td><td data-label="出处">《中华人民共和国食品安全法》第三十五条</td>"#,
            r#"<span class="tag yellow">演示假定</span></td><td data-label="出处">承诺时限为演示假定</td>"#,
            // Powers go to township governments (authorities), not to their centres (places).
            "承接的镇人民政府",
            "涧池镇人民政府",
        ],
    );
    // The public guide names the national list entry.
    let (status, html) = app.get_text("/j/hanyin/items/HY-SC-001").await;
    assert_eq!(status, 200);
    yiyin_testkit::assert_says(
        &html,
        &["<dt>国家行政许可事项清单</dt><dd>00012345600Y 食品经营许可</dd>"],
    );
    // Staff without the duty are refused the report.
    let clerk = app.staff("hy.clerk", Role::WindowClerk, "hanyin").await;
    let (status, _) = app
        .page_text(&clerk, "/admin/catalog/hanyin/national")
        .await;
    assert_eq!(status, 403);

    // A source line the editor cannot read is named, and nothing is saved.
    let csrf = app.browser_login_totp("hy.catalog").await;
    let mut form = editor_form(
        &csrf,
        &[
            ("national_code", "00012345600Y"),
            ("national_name", "食品经营许可"),
            (
                "sources",
                "公开文件：《中华人民共和国食品安全法》第三十五条\n传说：某处",
            ),
        ],
    );
    let r = app
        .post_form("/admin/catalog/hanyin/edit/HY-SC-001", &form)
        .await;
    assert_eq!(r.status().as_u16(), 422);
    let html = r.text().await.unwrap();
    yiyin_testkit::assert_says(
        &html,
        &["第2行「传说：某处」应写成 种类：出处（种类为试点方案、公开文件、演示假定）"],
    );
    assert!(edited_draft(&app).await.is_none());
    // Read lines are kept in the draft, with the national entry.
    form.last_mut().unwrap().1 = "公开文件：《中华人民共和国食品安全法》第三十五条\n演示假定：批次";
    let r = app
        .post_form("/admin/catalog/hanyin/edit/HY-SC-001", &form)
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let draft = edited_draft(&app).await.unwrap();
    assert_eq!(draft.national.unwrap().code, "00012345600Y");
    let lines: Vec<String> = draft.sources.iter().map(|s| s.line()).collect();
    assert_eq!(
        lines,
        [
            "公开文件：《中华人民共和国食品安全法》第三十五条",
            "演示假定：批次"
        ]
    );
    app.stop().await;
}

/// The draft of HY-SC-001 the editor saved, if any.
async fn edited_draft(app: &Api) -> Option<yiyin_domain::catalog::Item> {
    let draft = app.store.draft("hanyin", "HY-SC-001").await.unwrap();
    draft.map(|d| d.item)
}

/// The catalog editor's form for HY-SC-001 (食品经营许可, transferred, promised, a licence), the
/// session's `csrf` first, then `fields`.
fn editor_form<'a>(csrf: &'a str, fields: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("csrf", csrf),
        ("code", "HY-SC-001"),
        ("name", "食品经营许可"),
        ("kind", "licensing"),
        ("handling_mode", "transferred"),
        ("handling_class", "promised"),
        ("subject", "both"),
        ("result_kind", "licence"),
    ];
    form.extend_from_slice(fields);
    form
}

/// The catalog editor carries the limit unit, its basis, the extension (0 = none) and the joint
/// departments into the draft; the public guide shows each limit with its unit and basis.
async fn the_editor_and_the_guide_carry_each_items_limits(backend: Backend) {
    use yiyin_domain::catalog::LimitUnit;
    use yiyin_domain::roles::Role;
    let app = Api::spawn(backend, "2025-06-02").await;
    let admin = app.staff("hy.catalog", Role::CatalogAdmin, "hanyin").await;
    let (status, html) = app
        .page_text(&admin, "/admin/catalog/hanyin/edit/HY-SC-001")
        .await;
    assert_eq!(status, 200, "{html}");
    yiyin_testkit::assert_says(
        &html,
        &[
            r#"<select name="limit_unit""#,
            r#"<option value="calendar_days">自然日</option>"#,
            r#"name="limit_basis""#,
            r#"<input type="checkbox" name="joint_departments" value="zhujian">"#,
            "依法不得延期的填0",
        ],
    );
    let csrf = app.browser_login_totp("hy.catalog").await;
    let mut form = editor_form(
        &csrf,
        &[
            ("statutory_days", "60"),
            ("promised_days", "30"),
            ("limit_unit", "小时"),
            ("limit_basis", "《某省食品经营许可管理办法》第二十条"),
            ("extension_days", "0"),
            ("extension_basis", "《某省食品经营许可管理办法》第二十条"),
            ("joint", "yes"),
            ("joint_departments", "zhujian"),
            ("joint_departments", "weiji"),
        ],
    );
    let edit = "/admin/catalog/hanyin/edit/HY-SC-001";
    // A unit that is not one is named, and nothing is saved.
    let r = app.post_form(edit, &form).await;
    assert_eq!(r.status().as_u16(), 422);
    yiyin_testkit::assert_says(&r.text().await.unwrap(), &["请选择时限单位"]);
    assert!(edited_draft(&app).await.is_none());
    form.retain(|(k, _)| *k != "limit_unit");
    form.push(("limit_unit", "calendar_days"));
    let r = app.post_form(edit, &form).await;
    assert_eq!(r.status().as_u16(), 303);
    let draft = edited_draft(&app).await.unwrap();
    assert_eq!(draft.limit_unit, LimitUnit::CalendarDays);
    assert_eq!(draft.limit_basis, "《某省食品经营许可管理办法》第二十条");
    assert_eq!(draft.extension_days, Some(0));
    assert_eq!(draft.joint_departments, ["zhujian", "weiji"]);
    // The editor shows them back, and the problem that blocks publication (the basis is not
    // among the item's legal bases).
    let (_, html) = app
        .page_text(&admin, "/admin/catalog/hanyin/edit/HY-SC-001")
        .await;
    yiyin_testkit::assert_says(
        &html,
        &[
            r#"<option value="calendar_days" selected>自然日</option>"#,
            r#"value="zhujian" checked>"#,
            "时限依据：所依据的《某省食品经营许可管理办法》不在本事项的设定依据中",
        ],
    );

    // Published with its own law's limits, the guide shows each with its unit and basis.
    let basis = "《某省食品经营许可管理办法》第二十条";
    app.publish_variant("时限按特别规定", |item| {
        in_calendar_days(item, basis);
        item.extension_days = Some(0);
        item.extension_basis = basis.into();
    })
    .await;
    let (status, html) = app.get_text("/j/hanyin/items/HY-SC-001").await;
    assert_eq!(status, 200);
    yiyin_testkit::assert_says(
        &html,
        &[
            "<dt>法定办结时限</dt><dd>60日（自然日，依据《某省食品经营许可管理办法》第二十条）</dd>",
            "<dt>承诺办结时限</dt><dd>30日（自然日）</dd>",
            "<dt>延期</dt><dd>不得延期（依据：《某省食品经营许可管理办法》第二十条）</dd>",
        ],
    );
    app.stop().await;
}
