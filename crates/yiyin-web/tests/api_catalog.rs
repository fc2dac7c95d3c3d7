//! The public catalog API and pages against a real server, on both databases.

use yiyin_store::Backend;
use yiyin_testkit::{Api, on_both};

on_both!(
    healthz_answers_once_migrated,
    catalog_api_reads_any_date,
    errors_are_json_with_chinese_messages,
    openapi_document_describes_the_api,
    public_pages_render_in_chinese,
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
        ("/j/hanyin", 200, &["食品经营许可", "汉阴县市场监管局"]),
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
