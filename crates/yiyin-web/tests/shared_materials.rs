//! Shared data instead of copies (免提交), against a real server on both databases and a real
//! department registry: a Python `http.server` process under the data-sharing contract
//! (`tests/clients/sharing_registry.py`, `docs/data-sharing.md`).
//!
//! HY-SC-001's 营业执照 (M2) is published as 部门共享（免提交）: an online application without it is
//! received with the registry's record attached (source and time shown to the clerk, the reviewer
//! and the applicant) and accepted; with the registry down, the window's acceptance is refused in
//! Chinese, the clerk falls back to asking the applicant with a reason (recorded, audited, shown)
//! and the one-time notice lists it; an unknown credit code is the registry's 404; a 证照库
//! material resolves from a licence Yiyin issued, with no HTTP; the demo's own registry, mounted
//! only for the demo, answers the same contract.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::json;
use yiyin_domain::catalog::{Material, MaterialForm, MaterialSource, Necessity};
use yiyin_store::Backend;
use yiyin_testkit::browser::{answered, new_browser};
use yiyin_testkit::web::{COMPANY, COMPANY_ID, HANYIN, intake};
use yiyin_testkit::{Api, PASSWORD, Setup, on_both};

on_both!(
    an_online_application_without_the_licence_upload_is_accepted_with_the_fetched_record,
    with_the_registry_down_the_clerk_falls_back_with_a_reason,
    an_unknown_credit_code_is_not_found,
    a_licence_register_material_resolves_from_a_licence_yiyin_issued,
    the_demo_registry_resolves_the_demo_organisations_licence
);

const TODAY: &str = "2025-03-03";

/// The registry process, killed when dropped.
struct Registry {
    child: Child,
    base: String,
}

impl Registry {
    /// Starts the registry serving the business licence of the test company.
    fn start() -> Registry {
        let records = json!([{
            "name": COMPANY,
            "id": COMPANY_ID,
            "kind": "营业执照",
            "issued_by": "汉阴县市场监督管理局",
            "valid_until": null,
            "fields": {"法定代表人": "王芳", "住所": "汉阴县城关镇月河路18号"},
            "document_no": "610921600012345",
        }]);
        let file = std::env::temp_dir().join(format!(
            "yiyin-registry-{}-{}.json",
            std::process::id(),
            rand_suffix()
        ));
        std::fs::write(&file, records.to_string()).expect("records file");
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/clients/sharing_registry.py"
        );
        let mut child = Command::new("python3")
            .arg(script)
            .arg(&file)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 starts the registry");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the registry prints its port");
        let port: u16 = line.trim().parse().expect("a port");
        Registry {
            child,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        self.stop();
    }
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_nanos()
}

/// A server whose shared materials are fetched from `registry`, with HY-SC-001's 营业执照 published
/// as 部门共享（免提交）.
async fn server(backend: Backend, registry: &str) -> Api {
    let sharing = yiyin_app::sharing::DataSharing::default()
        .with(yiyin_app::sharing::SHARED, registry)
        .expect("an endpoint");
    let api = Api::start(Setup::new(backend, TODAY).sharing(sharing)).await;
    api.publish_variant("营业执照改为部门共享", |item| {
        let m2 = item
            .materials
            .iter_mut()
            .find(|m| m.code == "M2")
            .expect("M2");
        m2.source = MaterialSource::Shared;
        m2.form = MaterialForm::Electronic;
        m2.copies = 0;
    })
    .await;
    api
}

/// The fetch attempts of a case: (material, source, outcome, document number, problem).
async fn attempts(api: &Api, id: i64) -> Vec<(String, String, String, String, String)> {
    api.store
        .shared_materials(id)
        .await
        .unwrap()
        .into_iter()
        .map(|s| {
            (
                s.material_code,
                s.source,
                s.outcome,
                s.document_no,
                s.problem,
            )
        })
        .collect()
}

/// The actions of a case's events, in order.
async fn events(api: &Api, id: i64) -> Vec<(String, String)> {
    api.store
        .case_events(id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.reason))
        .collect()
}

async fn an_online_application_without_the_licence_upload_is_accepted_with_the_fetched_record(
    backend: Backend,
) {
    let registry = Registry::start();
    let api = server(backend, &registry.base).await;
    let desk = api.desk().await;
    let company = api
        .register("organisation", COMPANY, COMPANY_ID, "yuehe2025a")
        .await;
    // The form says it is fetched, not asked for.
    let (_, form) = api.page_text(&company, "/apply/hanyin/HY-SC-001").await;
    assert!(
        form.contains("部门共享（免提交）：提交后由本平台调取，无需上传"),
        "{form}"
    );
    let case = api
        .by(&company)
        .post(
            "/api/v1/cases",
            json!({"jurisdiction": HANYIN, "item_code": "HY-SC-001", "materials": ["M1"], "attested": true}),
        )
        .await
        .expect(201);
    let id = case["id"].as_i64().unwrap();
    let shared = &case["shared_materials"][0];
    assert_eq!(shared["source"], "shared", "{case}");
    assert_eq!(shared["outcome"], "fetched");
    assert_eq!(shared["document_no"], "610921600012345");
    assert!(
        shared["record"]
            .as_str()
            .unwrap()
            .contains("汉阴县市场监督管理局")
    );
    let provided: Vec<&str> = case["case"]["provided"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        provided,
        ["M1", "M2"],
        "the fetched licence counts as provided"
    );
    assert_eq!(
        attempts(&api, id).await,
        [(
            "M2".into(),
            "shared".into(),
            "fetched".into(),
            "610921600012345".into(),
            String::new()
        )]
    );
    let fetched = events(&api, id).await;
    assert!(
        fetched.iter().any(|(a, r)| a == "fetch_shared"
            && r.contains("营业执照：已从部门共享数据接口调取")
            && r.contains("610921600012345")),
        "{fetched:?}"
    );
    // Accepted without the applicant ever giving it.
    let accepted = api
        .act(&desk.clerk, id, json!({"action": "accept"}))
        .await
        .expect(200);
    assert_eq!(accepted["state"], "accepted");
    // The clerk, the reviewer and the applicant see its source and time.
    for token in [&desk.clerk, &desk.reviewer] {
        let (status, page) = api.page_text(token, &format!("/work/cases/{id}")).await;
        assert_eq!(status, 200);
        assert!(page.contains("✓ 已收（免提交）"), "{page}");
        assert!(
            page.contains("共享调取：部门共享数据接口，2025-03-03"),
            "{page}"
        );
        assert!(
            page.contains("汉阴县市场监督管理局，编号 610921600012345"),
            "{page}"
        );
    }
    let (status, page) = api.page_text(&company, &format!("/my/cases/{id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("营业执照（免提交）"), "{page}");
    assert!(
        page.contains("共享调取：部门共享数据接口，2025-03-03"),
        "{page}"
    );
    api.stop().await;
}

async fn with_the_registry_down_the_clerk_falls_back_with_a_reason(backend: Backend) {
    let mut registry = Registry::start();
    let api = server(backend, &registry.base).await;
    registry.stop();
    let desk = api.desk().await;
    // Accepting at the window while the registry is down: refused, in Chinese, nothing kept.
    let mut accept = intake(&["M1"]);
    accept["outcome"] = json!("accept");
    let refused = api.by(&desk.clerk).post("/api/v1/cases", accept).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let message = refused.body["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.contains("营业执照"), "{message}");
    assert!(message.contains("尚未取得，不能受理"), "{message}");
    assert!(message.contains("共享接口无法连接"), "{message}");
    assert!(message.contains("改由申请人提交"), "{message}");
    assert!(
        api.store.case_events(1).await.unwrap().is_empty(),
        "nothing kept"
    );
    // Received only: the attempt is recorded, and the notice cannot ask for it yet.
    let id = api.receive(&desk.clerk, &["M1"]).await["id"]
        .as_i64()
        .unwrap();
    let tried = attempts(&api, id).await;
    assert_eq!(tried.len(), 1);
    assert_eq!(tried[0].2, "unavailable");
    assert_eq!(tried[0].4, "共享接口无法连接");
    let notice = json!({"action": "notify_supplement", "missing": ["M2"]});
    let refused = api.act(&desk.clerk, id, notice.clone()).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("不得要求申请人提交"),
        "{}",
        refused.body
    );
    // The clerk's case page says why and offers both ways on.
    let (_, page) = api
        .page_text(&desk.clerk, &format!("/work/cases/{id}"))
        .await;
    assert!(page.contains("待调取（免提交）"), "{page}");
    assert!(page.contains("共享接口无法连接"), "{page}");
    assert!(page.contains("改由申请人提交的原因"), "{page}");
    // The fallback through the case page's form: a reason is required; a reviewer may not.
    let clerk = new_browser();
    let csrf = api
        .log_in_on(&clerk, json!({"login": "hy.clerk", "password": PASSWORD}))
        .await;
    let path = format!("/work/cases/{id}/fall-back");
    let post = |client: &reqwest::Client, fields: Vec<(&'static str, String)>| {
        let client = client.clone();
        let url = api.url(&path);
        async move { answered(client.post(url).form(&fields).send().await.expect("answer")).await }
    };
    let (status, page, _) = post(
        &clerk,
        vec![
            ("csrf", csrf.clone()),
            ("material", "M2".into()),
            ("reason", "  ".into()),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(page.contains("须说明原因"), "{page}");
    let reviewer = new_browser();
    let reviewer_csrf = api
        .log_in_on(
            &reviewer,
            json!({"login": "hy.reviewer", "password": PASSWORD}),
        )
        .await;
    let (status, _, _) = post(
        &reviewer,
        vec![
            ("csrf", reviewer_csrf.clone()),
            ("material", "M2".into()),
            ("reason", "接口停机".into()),
        ],
    )
    .await;
    assert_eq!(
        status, 403,
        "a reviewer does not take the intake's decisions"
    );
    let (status, _, _) = answered(
        reviewer
            .post(api.url(&format!("/work/cases/{id}/fetch-shared")))
            .form(&[("csrf", reviewer_csrf.as_str())])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 403, "a reviewer does not fetch for the intake");
    assert!(api.store.case(id).await.unwrap().case.fallbacks.is_empty());
    // Fetching again while the registry is still down records another failed attempt.
    let fetch_path = format!("/work/cases/{id}/fetch-shared");
    let (status, _, location) = answered(
        clerk
            .post(api.url(&fetch_path))
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 303, "{location}");
    assert_eq!(attempts(&api, id).await.len(), 2);
    // The same through the API: the clerk fetches again (another attempt recorded); a reviewer
    // may not; a fallback without a reason is refused and changes nothing.
    let fetch_api = format!("/api/v1/cases/{id}/shared-materials/fetch");
    let view = api.by(&desk.clerk).post_empty(&fetch_api).await.expect(200);
    assert_eq!(view["id"], id);
    assert_eq!(attempts(&api, id).await.len(), 3);
    api.by(&desk.reviewer)
        .post_empty(&fetch_api)
        .await
        .expect(403);
    let fallback_api = format!("/api/v1/cases/{id}/shared-materials/fallback");
    let refused = api
        .by(&desk.clerk)
        .post(&fallback_api, json!({"material": "M2", "reason": " "}))
        .await
        .expect(422);
    assert!(refused.to_string().contains("须说明原因"), "{refused}");
    api.by(&desk.reviewer)
        .post(
            &fallback_api,
            json!({"material": "M2", "reason": "接口停机"}),
        )
        .await
        .expect(403);
    assert!(api.store.case(id).await.unwrap().case.fallbacks.is_empty());
    let reason = "市场监管共享接口停机维护，当日无法调取";
    let (status, _, location) = post(
        &clerk,
        vec![
            ("csrf", csrf.clone()),
            ("material", "M2".into()),
            ("reason", reason.into()),
        ],
    )
    .await;
    assert_eq!(status, 303, "{location}");
    let record = api.store.case(id).await.unwrap();
    assert_eq!(record.case.fallbacks.len(), 1);
    assert_eq!(record.case.fallbacks[0].reason, reason);
    assert!(
        events(&api, id)
            .await
            .iter()
            .any(|(a, r)| a == "material_fallback" && r.contains(reason))
    );
    let (_, page) = api
        .page_text(&desk.clerk, &format!("/work/cases/{id}"))
        .await;
    assert!(
        page.contains(&format!("改由申请人提交，原因：{reason}")),
        "{page}"
    );
    // Now the one-time notice lists it, and the applicant supplies it.
    let noticed = api.act(&desk.clerk, id, notice).await.expect(200);
    assert_eq!(noticed["state"], "awaiting_supplement");
    api.stop().await;
}

async fn an_unknown_credit_code_is_not_found(backend: Backend) {
    let registry = Registry::start();
    let api = server(backend, &registry.base).await;
    let desk = api.desk().await;
    let other = "916100002205253740";
    let body = json!({
        "jurisdiction": HANYIN,
        "item_code": "HY-SC-001",
        "applicant": {"kind": "organisation", "name": "陕西秦巴茶业有限公司", "id_number": other},
        "materials": ["M1"],
    });
    let id = api
        .by(&desk.clerk)
        .post("/api/v1/cases", body)
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    let tried = attempts(&api, id).await;
    assert_eq!(tried.len(), 1);
    assert_eq!(tried[0].2, "not_found");
    assert_eq!(tried[0].4, "共享来源中没有该申请人的记录");
    let refused = api.act(&desk.clerk, id, json!({"action": "accept"})).await;
    assert_eq!(refused.status, 422);
    assert!(
        !api.store
            .case(id)
            .await
            .unwrap()
            .case
            .provided
            .contains("M2")
    );
    api.stop().await;
}

async fn a_licence_register_material_resolves_from_a_licence_yiyin_issued(backend: Backend) {
    let registry = Registry::start();
    let api = server(backend, &registry.base).await;
    // A licence issued to the company by Yiyin.
    let (first, _, clerk) = api.licensed_case().await;
    let licence = api.licence_of(first).await;
    // The item now asks for the applicant's 食品经营许可证, from Yiyin's own licence register.
    api.publish_variant("增加证照库材料", |item| {
        item.materials.push(Material {
            code: "M3".into(),
            name: "食品经营许可证".into(),
            necessity: Necessity::Required,
            condition: String::new(),
            form: MaterialForm::Electronic,
            copies: 0,
            source: MaterialSource::LicenceRegister,
            blank_form: String::new(),
            sample: String::new(),
            deferrable: false,
            note: String::new(),
        });
    })
    .await;
    let case = api.receive(&clerk, &["M1", "M2"]).await;
    let id = case["id"].as_i64().unwrap();
    let tried = attempts(&api, id).await;
    assert!(
        tried.contains(&(
            "M3".into(),
            "licence_register".into(),
            "fetched".into(),
            licence.identifier.clone(),
            String::new()
        )),
        "{tried:?}"
    );
    assert!(
        api.store
            .case(id)
            .await
            .unwrap()
            .case
            .provided
            .contains("M3")
    );
    api.act(&clerk, id, json!({"action": "accept"}))
        .await
        .expect(200);
    let (_, page) = api.page_text(&clerk, &format!("/work/cases/{id}")).await;
    assert!(page.contains("共享调取：本平台证照库"), "{page}");
    assert!(page.contains(&licence.identifier), "{page}");
    // Another applicant holds no such licence: not found, and acceptance waits.
    let body = json!({
        "jurisdiction": HANYIN,
        "item_code": "HY-SC-001",
        "applicant": {"kind": "organisation", "name": "某公司", "id_number": "916100002205253740"},
        "materials": ["M1", "M2"],
    });
    let other = api.by(&clerk).post("/api/v1/cases", body).await.expect(201)["id"]
        .as_i64()
        .unwrap();
    let tried = attempts(&api, other).await;
    assert_eq!(tried.len(), 1);
    assert_eq!(tried[0].2, "not_found");
    assert!(
        tried[0]
            .4
            .contains("本平台证照库中没有申请人有效的「食品经营许可证」")
    );
    let refused = api.act(&clerk, other, json!({"action": "accept"})).await;
    assert_eq!(refused.status, 422);
    api.stop().await;
}

async fn the_demo_registry_resolves_the_demo_organisations_licence(backend: Backend) {
    // Mounted only for the demo.
    let plain = Api::spawn(backend, TODAY).await;
    let path =
        format!("/demo/registry/records/{COMPANY_ID}?kind=%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7");
    assert_eq!(plain.get(&path).await.status().as_u16(), 404);
    plain.stop().await;
    let mut setup = Setup::new(backend, TODAY);
    setup.web.demo_registry = Some(std::sync::Arc::new(yiyin_demo::registry()));
    let demo = Api::start(setup).await;
    let found = demo.get(&path).await;
    assert_eq!(found.status().as_u16(), 200);
    let record: serde_json::Value = found.json().await.unwrap();
    assert_eq!(record["name"], "安康市月河餐饮有限公司");
    assert_eq!(record["kind"], "营业执照");
    let unknown = demo
        .get("/demo/registry/records/916100002205253741?kind=%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7")
        .await;
    assert_eq!(unknown.status().as_u16(), 404);
    // An application whose 营业执照 is 部门共享 resolves it there.
    let api = server(backend, &demo.url("/demo/registry")).await;
    let desk = api.desk().await;
    let id = api.receive(&desk.clerk, &["M1"]).await["id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        attempts(&api, id).await,
        [(
            "M2".into(),
            "shared".into(),
            "fetched".into(),
            COMPANY_ID.into(),
            String::new()
        )]
    );
    api.act(&desk.clerk, id, json!({"action": "accept"}))
        .await
        .expect(200);
    api.stop().await;
    demo.stop().await;
}
