//! The Open311 GeoReport v2 interface over HTTP, on both databases, checked against the published
//! specification (<http://wiki.open311.org/GeoReport_v2>) field by field, in JSON and in XML (read
//! by an independent XML parser): discovery, the services and a service's definition, a request
//! posted with a partner key issued by the centre's manager, the requests by filter, by id and by
//! token; the errors as the specification's array with 400, 403 and 404; the caller's name, phone
//! and e-mail never answered; a request posted here waits on the centre's queue. An independent
//! client library (PyPI's `georeport`, run by `tests/clients/open311_georeport.py`) reads back
//! what was posted, in JSON and in XML.

use chrono::DateTime;
use quick_xml::events::Event;
use serde_json::{Value, json};
use yiyin_domain::roles::Role;
use yiyin_store::Backend;
use yiyin_testkit::browser::answered;
use yiyin_testkit::web::HANYIN;
use yiyin_testkit::{Api, Setup, on_both};

on_both!(
    open311_answers_as_the_specification,
    open311_errors_are_the_specification_s,
    open311_posts_are_rate_limited,
    the_manager_issues_and_revokes_keys_on_a_page,
    an_independent_client_reads_what_was_posted,
);

const FORMATS: [&str; 2] = ["json", "xml"];

/// An answer: status, content type, and the body read as JSON (XML turned into the same shape).
struct Answer {
    status: u16,
    text: String,
    body: Value,
}

/// The XML elements whose children are a list (the specification's plural roots and lists).
const LISTS: [&str; 6] = [
    "service_requests",
    "services",
    "errors",
    "endpoints",
    "formats",
    "attributes",
];

/// Reads an XML document into JSON: an element of [`LISTS`] becomes an array of its children,
/// another element with children an object, a leaf its text. Returns the root's name and value.
fn xml_to_json(text: &str) -> (String, Value) {
    struct Open {
        name: String,
        text: String,
        children: Vec<(String, Value)>,
    }
    fn close(o: Open) -> (String, Value) {
        let value = if LISTS.contains(&o.name.as_str()) {
            Value::Array(o.children.into_iter().map(|(_, v)| v).collect())
        } else if o.children.is_empty() {
            Value::String(o.text)
        } else {
            let mut map = serde_json::Map::new();
            for (k, v) in o.children {
                assert!(map.insert(k.clone(), v).is_none(), "{k} repeated");
            }
            Value::Object(map)
        };
        (o.name, value)
    }
    let mut reader = quick_xml::Reader::from_str(text);
    let mut stack: Vec<Open> = Vec::new();
    let mut root = None;
    let name = |n: &str| n.to_string();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Decl(_) => {}
            Event::Start(e) => stack.push(Open {
                name: name(e.name().as_ref()),
                text: String::new(),
                children: Vec::new(),
            }),
            Event::Empty(e) => {
                let closed = close(Open {
                    name: name(e.name().as_ref()),
                    text: String::new(),
                    children: Vec::new(),
                });
                stack
                    .last_mut()
                    .expect("inside the root")
                    .children
                    .push(closed);
            }
            Event::Text(t) => {
                let top = stack.last_mut().expect("text inside the root");
                top.text.push_str(&t.xml10_content());
            }
            Event::GeneralRef(r) => {
                let top = stack.last_mut().expect("a reference inside the root");
                if r.is_char_ref() {
                    top.text.push(r.resolve_char_ref().unwrap().unwrap());
                } else {
                    let entity = r.xml10_content();
                    let resolved = quick_xml::escape::resolve_predefined_entity(&entity)
                        .unwrap_or_else(|| panic!("unknown entity {entity}"));
                    top.text.push_str(resolved);
                }
            }
            Event::End(_) => {
                let closed = close(stack.pop().expect("an open element"));
                match stack.last_mut() {
                    Some(parent) => parent.children.push(closed),
                    None => root = Some(closed),
                }
            }
            Event::Eof => break,
            other => panic!("unexpected XML: {other:?}"),
        }
    }
    root.expect("a root element")
}

async fn read(r: reqwest::Response, format: &str, root: &str) -> Answer {
    let status = r.status().as_u16();
    let kind = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let text = r.text().await.expect("a body");
    let body = if format == "xml" {
        assert!(kind.starts_with("text/xml"), "{kind}");
        assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>"));
        let (name, body) = xml_to_json(&text);
        let expected = if status >= 400 { "errors" } else { root };
        assert_eq!(name, expected, "the root element of {text}");
        body
    } else {
        assert!(kind.starts_with("application/json"), "{kind}");
        serde_json::from_str(&text).expect("JSON")
    };
    Answer { status, text, body }
}

/// A GET of `path` (`{f}` standing for the format), asserting it is answered (200).
async fn ok(api: &Api, path: &str, format: &str, root: &str) -> Answer {
    let answer = get(api, path, format, root).await;
    assert_eq!(answer.status, 200, "{path}: {}", answer.text);
    answer
}

async fn get(api: &Api, path: &str, format: &str, root: &str) -> Answer {
    let url = api.url(&format!("/open311/v2/{path}"));
    let url = url.replace("{f}", format);
    read(api.plain.get(url).send().await.unwrap(), format, root).await
}

/// The service requests by `query` (the jurisdiction and filters), in `format`.
async fn requests(api: &Api, query: &str, format: &str) -> Answer {
    let path = format!("requests.{{f}}?{query}");
    get(api, &path, format, "service_requests").await
}

/// The raw answer to a request posted in `format`.
async fn post_raw(api: &Api, format: &str, form: &impl serde::Serialize) -> reqwest::Response {
    let url = api.url(&format!("/open311/v2/requests.{format}"));
    api.plain
        .post(url)
        .form(form)
        .send()
        .await
        .expect("the server answers")
}

/// A partner's report (`service_code`, `description`) at 城关镇 in 汉阴县, signed with `key`.
fn report<'a>(
    key: &'a str,
    service_code: &'a str,
    description: &'a str,
) -> Vec<(&'static str, &'a str)> {
    vec![
        ("api_key", key),
        ("jurisdiction_id", HANYIN),
        ("service_code", service_code),
        ("description", description),
        ("address_string", "城关镇"),
    ]
}

async fn post(api: &Api, format: &str, form: &impl serde::Serialize) -> Answer {
    read(
        post_raw(api, format, form).await,
        format,
        "service_requests",
    )
    .await
}

/// A string field, present.
fn text<'a>(v: &'a Value, field: &str) -> &'a str {
    v[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} is a string in {v}"))
}

/// A datetime of the specification: ISO 8601 with its time zone, here +08:00.
fn datetime(v: &Value, field: &str) {
    let t = text(v, field);
    let parsed = DateTime::parse_from_rfc3339(t).unwrap_or_else(|_| panic!("{field}: {t}"));
    assert_eq!(parsed.offset().local_minus_utc(), 8 * 3600, "{field}: {t}");
}

/// A decimal degree: a number in JSON, its text in XML; absent as null or empty.
fn degrees(v: &Value, field: &str, xml: bool) -> Option<f64> {
    match (&v[field], xml) {
        (Value::Null, false) => None,
        (Value::String(s), true) if s.is_empty() => None,
        (Value::String(s), true) => Some(s.parse().expect("decimal degrees")),
        (n, false) => Some(n.as_f64().unwrap_or_else(|| panic!("{field} number: {n}"))),
        (other, _) => panic!("{field}: {other}"),
    }
}

/// Checks one service request against the specification; returns it.
fn request_conforms(v: &Value, xml: bool) -> &Value {
    const FIELDS: [&str; 17] = [
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
        "media_url",
    ];
    let keys: Vec<&String> = v.as_object().expect("a request object").keys().collect();
    for k in &keys {
        assert!(
            FIELDS.contains(&k.as_str()),
            "{k} is not a field of the specification"
        );
    }
    // The first eight fields and the address are strings, always present.
    for f in FIELDS[..8].iter().chain(&["address"]) {
        text(v, f);
    }
    assert!(["open", "closed"].contains(&text(v, "status")));
    datetime(v, "requested_datetime");
    datetime(v, "updated_datetime");
    match &v["expected_datetime"] {
        Value::Null => {}
        Value::String(s) if xml && s.is_empty() => {}
        _ => datetime(v, "expected_datetime"),
    }
    degrees(v, "lat", xml);
    degrees(v, "long", xml);
    v
}

async fn issue_key(api: &Api, manager: &str) -> String {
    let issued = api
        .by(manager)
        .post(
            "/api/v1/tickets/partners",
            json!({"jurisdiction": HANYIN, "name": "随手拍"}),
        )
        .await
        .expect(201);
    assert_eq!(issued["name"], "随手拍");
    issued["key"].as_str().unwrap().to_string()
}

/// The centre's manager (`hy.centre.head`) and a key it issued: (its token, the key).
async fn manager_and_key(api: &Api) -> (String, String) {
    let manager = api
        .staff("hy.centre.head", Role::CentreManager, HANYIN)
        .await;
    let key = issue_key(api, &manager).await;
    (manager, key)
}

async fn open311_answers_as_the_specification(backend: Backend) {
    let api = Api::spawn(backend, "2025-03-03").await;
    let manager = api
        .staff("hy.centre.head", Role::CentreManager, HANYIN)
        .await;
    let agent = api.staff("hy.centre", Role::CentreAgent, HANYIN).await;
    // Only the centre's manager issues keys.
    api.by(&agent)
        .post(
            "/api/v1/tickets/partners",
            json!({"jurisdiction": HANYIN, "name": "x"}),
        )
        .await
        .refused(403, "管理诉求中心");
    let key = issue_key(&api, &manager).await;
    let j = format!("jurisdiction_id={HANYIN}");
    let doc = api
        .anonymous()
        .get("/api/v1/openapi.json")
        .await
        .expect(200);
    assert!(doc["paths"]["/api/v1/tickets/partners"]["post"].is_object());

    for format in FORMATS {
        let xml = format == "xml";
        // Discovery.
        let d = ok(&api, "discovery.{f}", format, "discovery").await;
        datetime(&d.body, "changeset");
        text(&d.body, "contact");
        text(&d.body, "key_service");
        let endpoints = d.body["endpoints"].as_array().unwrap();
        assert_eq!(endpoints.len(), 1);
        let e = &endpoints[0];
        assert_eq!(
            text(e, "specification"),
            "http://wiki.open311.org/GeoReport_v2"
        );
        assert!(text(e, "url").ends_with("/open311/v2"));
        datetime(e, "changeset");
        assert_eq!(text(e, "type"), "production");
        assert_eq!(e["formats"], json!(["text/xml", "application/json"]));

        // Services: the categories of the jurisdiction.
        let s = ok(&api, &format!("services.{{f}}?{j}"), format, "services").await;
        let services = s.body.as_array().unwrap();
        assert!(!services.is_empty());
        let food = services
            .iter()
            .find(|s| s["service_code"] == "food")
            .expect("the food category");
        for f in [
            "service_code",
            "service_name",
            "description",
            "keywords",
            "group",
        ] {
            text(food, f);
        }
        assert_eq!(text(food, "service_name"), "食品安全");
        assert_eq!(text(food, "type"), "realtime");
        let metadata = if xml { json!("false") } else { json!(false) };
        assert_eq!(food["metadata"], metadata);
        let def = ok(
            &api,
            &format!("services/food.{{f}}?{j}"),
            format,
            "service_definition",
        )
        .await;
        assert_eq!(text(&def.body, "service_code"), "food");

        // A request posted by the partner, with the caller's data.
        let filed = post(
            &api,
            format,
            &[
                ("api_key", key.as_str()),
                ("jurisdiction_id", HANYIN),
                ("service_code", "food"),
                ("description", "超市出售过期酸奶 <含特殊字符 & 引号\">"),
                ("lat", "32.8335"),
                ("long", "109.3672"),
                ("address_string", "城关镇东街12号"),
                ("email", "zhangsan@example.com"),
                ("first_name", "三"),
                ("last_name", "张"),
                ("phone", "13900002222"),
            ],
        )
        .await;
        assert_eq!(filed.status, 200, "{}", filed.text);
        let list = filed.body.as_array().unwrap();
        assert_eq!(list.len(), 1);
        let r = &list[0];
        let id = text(r, "service_request_id").to_string();
        assert!(id.contains("-12345-"), "{id}");
        text(r, "service_notice");
        let token = text(r, "token").to_string();
        assert!(matches!(&r["account_id"], Value::Null) || r["account_id"] == "");
        for secret in ["张三", "13900002222", "zhangsan@example.com"] {
            assert!(!filed.text.contains(secret));
        }

        // The request by id: an array of one.
        let one = ok(
            &api,
            &format!("requests/{id}.{{f}}?{j}"),
            format,
            "service_requests",
        )
        .await;
        let one_list = one.body.as_array().unwrap();
        assert_eq!(one_list.len(), 1);
        let r = request_conforms(&one_list[0], xml);
        assert_eq!(text(r, "service_request_id"), id);
        assert_eq!(text(r, "status"), "open");
        assert_eq!(text(r, "status_notes"), "待派单");
        assert_eq!(text(r, "service_code"), "food");
        assert_eq!(text(r, "service_name"), "食品安全");
        assert_eq!(
            text(r, "description"),
            "超市出售过期酸奶 <含特殊字符 & 引号\">"
        );
        assert_eq!(text(r, "address"), "城关镇东街12号");
        assert_eq!(degrees(r, "lat", xml), Some(32.8335));
        assert_eq!(degrees(r, "long", xml), Some(109.3672));
        assert!(text(r, "requested_datetime").starts_with("2025-03-03T"));
        for secret in ["张三", "13900002222", "zhangsan@example.com"] {
            assert!(!one.text.contains(secret));
        }

        // The token leads to the request.
        let t = ok(
            &api,
            &format!("tokens/{token}.{{f}}?{j}"),
            format,
            "service_requests",
        )
        .await;
        assert_eq!(t.body[0]["service_request_id"], json!(id));
        assert_eq!(t.body[0]["token"], json!(token));

        // The requests by filter: the default window (90 days), status, service code, dates.
        let all = requests(&api, &j, format).await;
        assert_eq!(all.status, 200);
        let all = all.body.as_array().unwrap().clone();
        assert!(all.iter().any(|r| r["service_request_id"] == json!(id)));
        all.iter().for_each(|r| {
            request_conforms(r, xml);
        });
        let count = |q: String| {
            let (api, j, id) = (&api, &j, &id);
            async move {
                let a = requests(api, &format!("{j}&{q}"), format).await;
                assert_eq!(a.status, 200, "{q}: {}", a.text);
                a.body
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|r| r["service_request_id"] == json!(id))
                    .count()
            }
        };
        assert_eq!(count("status=open".into()).await, 1);
        assert_eq!(count("status=closed".into()).await, 0);
        assert_eq!(count("status=open,closed".into()).await, 1);
        assert_eq!(count("service_code=food".into()).await, 1);
        assert_eq!(count("service_code=housing,food".into()).await, 1);
        assert_eq!(count("service_code=housing".into()).await, 0);
        let window = "start_date=2025-03-01T00:00:00%2B08:00&end_date=2025-03-04T00:00:00%2B08:00";
        assert_eq!(count(window.into()).await, 1);
        assert_eq!(count("start_date=2025-03-04T00:00:00Z".into()).await, 0);
        assert_eq!(
            count("end_date=2025-03-02T23:59:59%2B08:00".into()).await,
            0
        );
        // The id list overrides the other filters.
        assert_eq!(
            count(format!("service_request_id={id},NOPE-1&status=closed")).await,
            1
        );
    }

    // Both requests wait on the centre's queue, each once, caller data kept for the centre.
    let queue = api
        .by(&agent)
        .get("/api/v1/tickets/queue?jurisdiction=hanyin")
        .await
        .expect(200);
    let pending = queue["pending"].as_array().unwrap();
    assert_eq!(pending.len(), 2);
    let id = pending[0]["id"].as_i64().unwrap();
    let seen = api
        .by(&agent)
        .get(&format!("/api/v1/tickets/{id}"))
        .await
        .expect(200);
    assert_eq!(seen["source"], "partner");
    assert_eq!(seen["caller"]["name"], "张三");
    assert_eq!(seen["caller"]["phone"], "13900002222");

    // Dispatched: the department is responsible, the reply due by the end of its day.
    let (first, second) = (
        pending[0]["number"].as_str().unwrap().to_string(),
        pending[1]["number"].as_str().unwrap().to_string(),
    );
    let dispatched = api
        .by(&agent)
        .post(
            &format!("/api/v1/tickets/{id}/act"),
            json!({"action": "dispatch"}),
        )
        .await
        .expect(200);
    let due = dispatched["dues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["what"] == "答复")
        .expect("a reply due")["due"]
        .as_str()
        .unwrap()
        .to_string();
    let department = dispatched["department_name"].as_str().unwrap().to_string();
    // The other is merged into it (并单): closed for Open311.
    let other = pending[1]["id"].as_i64().unwrap();
    api.by(&agent)
        .post(
            &format!("/api/v1/tickets/{other}/act"),
            json!({"action": "merge", "master": first}),
        )
        .await
        .expect(200);
    for format in FORMATS {
        let xml = format == "xml";
        let ids = format!("jurisdiction_id={HANYIN}&service_request_id={first},{second}");
        let a = requests(&api, &ids, format).await;
        let list = a.body.as_array().unwrap();
        assert_eq!(list.len(), 2);
        let by = |n: &str| {
            request_conforms(
                list.iter()
                    .find(|r| r["service_request_id"] == json!(n))
                    .unwrap(),
                xml,
            )
        };
        let r = by(&first);
        assert_eq!(text(r, "status"), "open");
        assert_eq!(text(r, "status_notes"), "已派单");
        assert_eq!(text(r, "agency_responsible"), department);
        assert_eq!(
            text(r, "expected_datetime"),
            format!("{due}T23:59:59+08:00")
        );
        let r = by(&second);
        assert_eq!(text(r, "status"), "closed");
        let closed = requests(
            &api,
            &format!("jurisdiction_id={HANYIN}&status=closed"),
            format,
        )
        .await;
        assert_eq!(closed.body.as_array().unwrap().len(), 1);
        assert_eq!(closed.body[0]["service_request_id"], json!(second));
    }
}

async fn open311_posts_are_rate_limited(backend: Backend) {
    let low = Setup::tight_limits(2);
    let api = Api::start(Setup::new(backend, "2025-03-03").quiet().limits(low)).await;
    let (_, key) = manager_and_key(&api).await;
    let form = report(&key, "traffic", "路口信号灯故障");
    for n in 0..2 {
        assert_eq!(post(&api, "json", &form).await.status, 200, "#{n}");
    }
    let r = post_raw(&api, "json", &form).await;
    assert_eq!(r.status().as_u16(), 429);
    assert!(r.headers().contains_key("retry-after"));
    // The refusal is the specification's error array, in the format the address names.
    let errors: Value = r.json().await.unwrap();
    assert_eq!(errors[0]["code"], json!(429), "{errors}");
    assert!(
        errors[0]["description"].as_str().unwrap().contains("频繁"),
        "{errors}"
    );
    let r = post_raw(&api, "xml", &form).await;
    assert_eq!(r.status().as_u16(), 429);
    let xml = r.text().await.unwrap();
    assert!(xml.contains("<errors><error><code>429</code>"), "{xml}");
    // Reading is not held back.
    let list = requests(&api, &format!("jurisdiction_id={HANYIN}"), "json").await;
    assert_eq!(list.body.as_array().unwrap().len(), 2);
    api.stop().await;
}

async fn open311_errors_are_the_specification_s(backend: Backend) {
    let api = Api::spawn(backend, "2025-03-03").await;
    let (manager, key) = manager_and_key(&api).await;
    let j = format!("jurisdiction_id={HANYIN}");

    for format in FORMATS {
        let error = |a: &Answer, status: u16, phrase: &str| {
            assert_eq!(a.status, status, "{}", a.text);
            let list = a.body.as_array().expect("an array of errors");
            assert_eq!(list.len(), 1);
            let code = match &list[0]["code"] {
                Value::String(s) => s.parse::<u16>().unwrap(),
                n => n.as_u64().unwrap() as u16,
            };
            assert_eq!(code, status);
            let description = text(&list[0], "description");
            assert!(description.contains(phrase), "{description}");
        };
        let form = |key: &str| {
            report(key, "food", "路灯不亮")
                .into_iter()
                .map(|(k, v)| (k, v.to_string()))
                .collect::<Vec<_>>()
        };
        let leaked = key.as_str();

        // The key: missing, wrong, or of another jurisdiction.
        let mut without = form(leaked);
        without.remove(0);
        error(&post(&api, format, &without).await, 403, "api_key");
        error(
            &post(&api, format, &form("not-a-key")).await,
            403,
            "api_key",
        );
        let mut elsewhere = form(leaked);
        elsewhere[1].1 = "xunyang".into();
        error(&post(&api, format, &elsewhere).await, 403, "api_key");
        // The request itself.
        let mut unknown = form(leaked);
        unknown[2].1 = "nonsense".into();
        error(&post(&api, format, &unknown).await, 400, "诉求分类");
        let mut nowhere = form(leaked);
        nowhere.remove(4);
        error(&post(&api, format, &nowhere).await, 400, "位置");
        let mut bad_lat = form(leaked);
        bad_lat.push(("lat", "north".into()));
        error(&post(&api, format, &bad_lat).await, 400, "lat");
        let mut bad_mail = form(leaked);
        bad_mail.push(("email", "nobody".into()));
        error(&post(&api, format, &bad_mail).await, 400, "email");
        let mut bad_phone = form(leaked);
        bad_phone.push(("phone", "call me".into()));
        error(&post(&api, format, &bad_phone).await, 400, "回电号码");

        // Reading: the jurisdiction, the dates, the 90-day rule, the status, unknown objects.
        let g = |path: String| {
            let api = &api;
            async move { get(api, &path, format, "service_requests").await }
        };
        let window = |from: &str, to: &str| {
            format!(
                "requests.{{f}}?{j}&start_date={from}T00:00:00%2B08:00&end_date={to}T00:00:00%2B08:00"
            )
        };
        for (path, status, says) in [
            ("requests.{f}".to_string(), 400, "jurisdiction_id"),
            (
                format!("requests.{{f}}?{j}&start_date=2025-03-01"),
                400,
                "时区",
            ),
            (
                format!("requests.{{f}}?{j}&end_date=2025-03-01T08:00:00"),
                400,
                "时区",
            ),
            (window("2024-11-01", "2025-03-01"), 400, "90"),
            (window("2025-03-02", "2025-03-01"), 400, "早于"),
            (format!("requests.{{f}}?{j}&status=pending"), 400, "status"),
            (
                format!("requests/HY-12345-2025-999999.{{f}}?{j}"),
                404,
                "HY-12345-2025-999999",
            ),
            (format!("tokens/NOPE-ABCDEF.{{f}}?{j}"), 404, "token"),
            (format!("services/nonsense.{{f}}?{j}"), 404, "nonsense"),
            (
                "services.{f}?jurisdiction_id=nowhere".to_string(),
                404,
                "nowhere",
            ),
            (format!("nothing.{{f}}?{j}"), 404, "接口"),
        ] {
            error(&g(path).await, status, says);
        }
    }
    // A revoked key is refused; only the centre's manager lists and revokes keys.
    let agent = api.staff("hy.centre", Role::CentreAgent, HANYIN).await;
    api.by(&agent)
        .get("/api/v1/tickets/partners?jurisdiction=hanyin")
        .await
        .refused(403, "管理诉求中心");
    let keys = api
        .by(&manager)
        .get("/api/v1/tickets/partners?jurisdiction=hanyin")
        .await
        .expect(200);
    assert_eq!(keys.as_array().unwrap().len(), 1);
    assert_eq!(keys[0]["revoked"], false);
    assert!(!keys.to_string().contains(&key));
    let id = keys[0]["id"].as_i64().unwrap();
    let revoke = format!("/api/v1/tickets/partners/{id}/revoke");
    api.by(&agent)
        .post_empty(&revoke)
        .await
        .refused(403, "管理诉求中心");
    let revoked = api.by(&manager).post_empty(&revoke).await.expect(200);
    assert_eq!(revoked["revoked"], true);
    api.by(&manager)
        .post_empty(&revoke)
        .await
        .refused(409, "已停用");
    let refused = post(&api, "json", &report(&key, "food", "路灯不亮")).await;
    assert_eq!(refused.status, 403);
    assert_eq!(refused.body[0]["code"], 403);

    // Nothing was filed by the refused requests.
    let found = requests(&api, &j, "json").await;
    assert_eq!(found.body, json!([]));
}

async fn the_manager_issues_and_revokes_keys_on_a_page(backend: Backend) {
    let api = Api::start(Setup::new(backend, "2025-03-03").quiet()).await;
    api.staff("hy.centre.head", Role::CentreManager, HANYIN)
        .await;
    let agent = api.staff("hy.centre", Role::CentreAgent, HANYIN).await;
    let (status, _) = api.page_text(&agent, "/centre/partners").await;
    assert_eq!(status, 403);

    let csrf = api.browser_login("hy.centre.head").await;
    let (status, page) = api.get_text("/centre?jurisdiction=hanyin").await;
    assert_eq!(status, 200);
    assert!(page.contains("/centre/partners?jurisdiction=hanyin"));
    let (status, page) = api.get_text("/centre/partners?jurisdiction=hanyin").await;
    assert_eq!(status, 200);
    assert!(page.contains("尚未签发密钥"), "{page}");
    let form = |name: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("jurisdiction", HANYIN.to_string()),
            ("name", name.to_string()),
        ]
    };
    let (status, page, _) = answered(api.post_form("/centre/partners", &form("")).await).await;
    assert_eq!(status, 422);
    assert!(page.contains("请填写合作应用名称"), "{page}");
    let (status, page, _) =
        answered(api.post_form("/centre/partners", &form("随手拍")).await).await;
    assert_eq!(status, 200);
    let key = page
        .split("<code id=\"issued-key\">")
        .nth(1)
        .and_then(|rest| rest.split("</code>").next())
        .expect("the key shown once")
        .to_string();
    assert_eq!(key.len(), 64);
    // The key works, and is never shown again.
    let filed = post(&api, "json", &report(&key, "traffic", "路口信号灯故障")).await;
    assert_eq!(filed.status, 200, "{}", filed.text);
    let (_, page) = api.get_text("/centre/partners?jurisdiction=hanyin").await;
    assert!(page.contains("随手拍") && page.contains("有效"));
    assert!(!page.contains(&key));
    let id = api.app.store.partner_keys(HANYIN).await.unwrap()[0].id;
    let (status, _, location) = answered(
        api.post_form(
            &format!("/centre/partners/{id}/revoke"),
            &[("csrf", csrf.clone()), ("jurisdiction", HANYIN.to_string())],
        )
        .await,
    )
    .await;
    assert_eq!(status, 303, "{location}");
    let (_, page) = api.get_text(&location).await;
    assert!(page.contains("已停用"), "{page}");
    api.stop().await;
}

/// PyPI's `georeport` (installed by `scripts/test`), a GeoReport v2 client that knows nothing of
/// Yiyin, reads the services, a service's definition and the posted requests by id, by status and
/// one by one, in JSON and in XML. The library cannot post; the requests are posted here. A
/// machine without the library fails this test; it is never skipped.
async fn an_independent_client_reads_what_was_posted(backend: Backend) {
    let api = Api::spawn(backend, "2025-03-03").await;
    let (_, key) = manager_and_key(&api).await;
    let mut ids = Vec::new();
    for description in ["路口信号灯故障", "人行道井盖缺失"] {
        let filed = post(
            &api,
            "json",
            &[
                report(&key, "traffic", description),
                vec![
                    ("first_name", "明"),
                    ("last_name", "李"),
                    ("phone", "13800000000"),
                ],
            ]
            .concat(),
        )
        .await;
        assert_eq!(filed.status, 200, "{}", filed.text);
        ids.push(text(&filed.body[0], "service_request_id").to_string());
    }
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/clients/open311_georeport.py"
    );
    let root = api.url("/open311/v2");
    let ids = ids.join(",");
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3")
            .args([script, root.as_str(), HANYIN, "traffic", ids.as_str()])
            .output()
    })
    .await
    .unwrap()
    .expect("python3 runs");
    let out = String::from_utf8_lossy(&output.stdout);
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && out.trim() == "ok",
        "the georeport client (pip install georeport==0.3.1) failed:\n{out}\n{err}"
    );
    api.stop().await;
}
