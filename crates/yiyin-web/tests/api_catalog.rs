//! The public catalog API and pages against a real server, on both databases.

mod common;

use common::App;
use yiyin_store::Backend;
use yiyin_testkit::on_both;

on_both!(
    healthz_answers_once_migrated,
    catalog_api_reads_any_date,
    errors_are_json_with_chinese_messages,
    openapi_document_describes_the_api,
    public_pages_render_in_chinese,
);

async fn healthz_answers_once_migrated(backend: Backend) {
    let app = App::spawn(backend, "2025-06-02").await;
    let (status, body) = app.get_json("/healthz").await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["schema"], yiyin_store::migrate::latest());
    assert_eq!(body["today"], "2025-06-02");
    app.stop().await;
}

async fn catalog_api_reads_any_date(backend: Backend) {
    let app = App::spawn(backend, "2025-06-02").await;
    let (status, list) = app.get_json("/api/v1/jurisdictions").await;
    assert_eq!(status, 200);
    assert_eq!(list.as_array().unwrap().len(), 5);
    let (_, j) = app.get_json("/api/v1/jurisdictions/gaoxin").await;
    assert_eq!(j["bureau"]["name"], "安康高新区行政审批服务局");

    // The testkit's sample catalog: HY-SC-001, HY-MZ-001 and the green-list HY-WG-001.
    let published = yiyin_testkit::catalog().items.len();
    assert_eq!(published, 3);
    let (status, items) = app.get_json("/api/v1/jurisdictions/hanyin/catalog").await;
    assert_eq!(status, 200);
    assert_eq!(items.as_array().unwrap().len(), published);
    let (_, before) = app
        .get_json("/api/v1/jurisdictions/hanyin/catalog?date=2024-12-31")
        .await;
    assert_eq!(before.as_array().unwrap().len(), 0);

    let (status, item) = app
        .get_json("/api/v1/jurisdictions/hanyin/catalog/HY-SC-001")
        .await;
    assert_eq!(status, 200);
    assert_eq!(item["item"]["name"], "食品经营许可");
    assert_eq!(item["version"], 1);
    let (status, versions) = app
        .get_json("/api/v1/jurisdictions/hanyin/catalog/HY-SC-001/versions")
        .await;
    assert_eq!(status, 200);
    assert_eq!(versions.as_array().unwrap().len(), 1);
    let (status, log) = app.get_json("/api/v1/jurisdictions/hanyin/changelog").await;
    assert_eq!(status, 200);
    assert_eq!(
        log.as_array().unwrap().len(),
        published,
        "one entry per item added"
    );
    app.stop().await;
}

async fn errors_are_json_with_chinese_messages(backend: Backend) {
    let app = App::spawn(backend, "2025-06-02").await;
    let (status, body) = app.get_json("/api/v1/jurisdictions/nowhere").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "not_found");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("nowhere")
    );
    let (status, body) = app
        .get_json("/api/v1/jurisdictions/hanyin/catalog?date=2025-02-30")
        .await;
    assert_eq!(status, 422);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("不是有效日期")
    );
    let (status, body) = app
        .get_json("/api/v1/jurisdictions/hanyin/catalog/NOPE")
        .await;
    assert_eq!(status, 404);
    assert!(body["error"]["message"].as_str().unwrap().contains("NOPE"));
    app.stop().await;
}

async fn openapi_document_describes_the_api(backend: Backend) {
    let app = App::spawn(backend, "2025-06-02").await;
    let (status, doc) = app.get_json("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
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
    let app = App::spawn(backend, "2025-06-02").await;
    let (status, home) = app.get_text("/").await;
    assert_eq!(status, 200);
    assert!(home.contains("汉阴县") && home.contains("安康高新区"));
    let (status, page) = app.get_text("/j/hanyin").await;
    assert_eq!(status, 200);
    assert!(page.contains("食品经营许可") && page.contains("汉阴县市场监管局"));
    let (_, filtered) = app.get_text("/j/hanyin?dept=minzheng").await;
    assert!(filtered.contains("社会团体成立登记") && !filtered.contains("HY-SC-001"));
    let (status, guide) = app.get_text("/j/hanyin/items/HY-SC-001").await;
    assert_eq!(status, 200);
    for phrase in [
        "设定依据",
        "《中华人民共和国食品安全法》第三十五条",
        "申请材料",
        "可容缺",
        "办理流程",
        "汉阴县行政审批服务局",
    ] {
        assert!(guide.contains(phrase), "guide lacks {phrase}");
    }
    let (status, _) = app
        .get_text("/j/hanyin/items/HY-SC-001?date=2024-06-01")
        .await;
    assert_eq!(status, 404);
    let (status, log) = app.get_text("/j/hanyin/changelog").await;
    assert_eq!(status, 200);
    assert!(log.contains("新增"));
    let (status, css) = app.get_text("/static/yiyin.css").await;
    assert_eq!(status, 200);
    assert!(css.contains("--red"));
    app.stop().await;
}
