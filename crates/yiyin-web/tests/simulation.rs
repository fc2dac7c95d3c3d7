//! Simulation mode (模拟运行) against a real server, on both databases: only the bureau head switches
//! it (others refused, bad item codes refused with nothing changed); a case received while it is on
//! is simulated for good — its licence is signed with the simulation seal and watermarked, and
//! verification says 模拟文书，不具法律效力; nothing is pushed to the supervising department, no
//! notice or message reaches the applicant, no licence is registered, and the statistics leave it
//! out; switching simulation off emits nothing for it afterwards, while a case received after that
//! is real and does all of these. Restricted to some items, only those are simulated. The
//! 模拟运行中 banner stands on every staff page of a jurisdiction in simulation (the shared layout),
//! and the monitoring sweeps issue no card on a simulated case while a real one past the same
//! limits gets its cards.

use serde_json::{Value, json};
use yiyin_domain::roles::Role;
use yiyin_store::Backend;
use yiyin_testkit::verify::last_document;
use yiyin_testkit::web::{Desk, HANYIN, approve, online};
use yiyin_testkit::{Api, Setup, assert_says, at, on_both};

on_both!(
    a_simulated_case_reaches_no_one_and_switching_off_emits_nothing,
    only_the_head_switches_and_only_listed_items_are_simulated,
    the_banner_is_on_every_staff_page_and_no_card_is_issued_on_a_simulated_case,
);

const SIMULATION: &str = "/api/v1/jurisdictions/hanyin/simulation";
const PERSON: &str = "11010519491231002X";
const STATISTICS: &str =
    "/api/v1/statistics?jurisdiction=hanyin&from=2025-09-01&to=2025-09-30&by=department";

/// The messages in an applicant's message centre about case `id`.
async fn messages_about(app: &Api, token: &str, id: i64) -> usize {
    let inbox = app.by(token).get("/api/v1/messages").await.expect(200);
    inbox["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| {
            m["case_id"] == id
                || m["link"]
                    .as_str()
                    .is_some_and(|l| l.ends_with(&format!("/{id}")))
        })
        .count()
}

/// Everything a case sent outside: (pushes, queued notices, messages to the applicant, licences).
async fn emitted(app: &Api, applicant: &str, id: i64) -> (usize, usize, usize, usize) {
    (
        app.store.pushes_about(id).await.unwrap().len(),
        app.store.outbox_of_case(id).await.unwrap().len(),
        messages_about(app, applicant, id).await,
        app.store.licences_of_case(id).await.unwrap().len(),
    )
}

/// An application filed online by `applicant` and taken to its licence by the desk: (id, the
/// case's last view).
async fn licensed(app: &Api, desk: &Desk, applicant: &str) -> (i64, Value) {
    let case = app
        .by(applicant)
        .post("/api/v1/cases", online(true))
        .await
        .expect(201);
    let id = case["id"].as_i64().expect("the case's id");
    let mut last = Value::Null;
    for (token, action) in desk.licensing(approve("符合条件")) {
        last = app.act(token, id, action).await.expect(200);
    }
    (id, last)
}

async fn received_in_statistics(app: &Api, head: &str) -> i64 {
    let s = app.by(head).get(STATISTICS).await.expect(200);
    s["table"]["total"]["counts"]["received"]
        .as_i64()
        .unwrap_or_else(|| panic!("{s}"))
}

async fn a_simulated_case_reaches_no_one_and_switching_off_emits_nothing(backend: Backend) {
    let app = Api::spawn_sealed(backend, "2025-09-30").await;
    let head = app.staff("hy.head", Role::BureauHead, HANYIN).await;
    let applicant = app
        .seeded_applicant("person", "王芳", PERSON, "Wangfang2025")
        .await;

    let on = app
        .by(&head)
        .put(
            SIMULATION,
            json!({"enabled": true, "reason": "上线前试运行"}),
        )
        .await
        .expect(200);
    assert_eq!(on["enabled"], true, "{on}");
    assert_eq!(on["items"], json!([]));
    assert_eq!(on["description"], "模拟运行（全部事项）");

    // A case filed online and taken to its licence while simulation is on.
    let desk = app.desk().await;
    let clerk = desk.clerk.clone();
    let (sim, c) = licensed(&app, &desk, &applicant).await;
    assert!(app.store.is_simulated(sim).await.unwrap());
    assert_eq!(c["state"], "certificate_issued", "{c}");
    assert_eq!(emitted(&app, &applicant, sim).await, (0, 0, 0, 0));

    // Its licence: signed with the simulation seal, watermarked, and verification says it has no
    // legal effect.
    let licence_doc = last_document(&c);
    let document = |format: &str| format!("/cases/{sim}/documents/{licence_doc}{format}");
    let (status, pdf) = app.page(&clerk, &document("/pdf")).await;
    assert_eq!(status, 200);
    let sealed = yiyin_pdf::verify(&pdf).expect("the file itself is intact");
    assert!(yiyin_pdf::is_simulated(&sealed));
    assert_eq!(sealed.seal.name, yiyin_domain::simulation::SEAL_NAME);
    assert_eq!(yiyin_pdf::simulation_watermark(&sealed).len(), 2);
    assert!(
        app.store
            .seal_by_public_key(&sealed.seal.public_key)
            .await
            .unwrap()
            .is_none()
    );
    let v = app.verdict(pdf.clone()).await;
    assert_eq!(v["valid"], false, "{v}");
    assert_eq!(v["simulated"], true, "{v}");
    assert_eq!(v["problems"], json!(["模拟文书，不具法律效力"]), "{v}");
    assert_eq!(
        v["licence_identifier"],
        Value::Null,
        "no licence registered: {v}"
    );
    let page = app.page_ok(&clerk, &document("")).await;
    assert_says(&page, &["模拟文书，不具法律效力", "class=\"watermark\""]);
    let (_, case_page) = app.page_text(&clerk, &format!("/work/cases/{sim}")).await;
    assert_says(&case_page, &["模拟运行中"]);
    let (_, worklist) = app.page_text(&clerk, "/work").await;
    assert_says(&worklist, &["模拟运行中"]);

    // Not counted in the statistics.
    assert_eq!(received_in_statistics(&app, &head).await, 0);

    // Switched off: nothing is emitted for the simulated case, which stays simulated.
    let off = app
        .by(&head)
        .put(SIMULATION, json!({"enabled": false, "reason": "正式上线"}))
        .await
        .expect(200);
    assert_eq!(off["enabled"], false);
    assert_eq!(off["simulated_cases"], 1);
    app.app.send_notifications_once().await;
    assert_eq!(emitted(&app, &applicant, sim).await, (0, 0, 0, 0));
    assert!(app.store.is_simulated(sim).await.unwrap());
    let v = app.verdict(pdf).await;
    assert_eq!(v["simulated"], true, "{v}");
    let (_, worklist) = app.page_text(&clerk, "/work").await;
    assert!(!worklist.contains("模拟运行中"), "no banner once off");

    // A case received now is real: pushed, told, licensed, counted.
    let (real, rc) = licensed(&app, &desk, &applicant).await;
    assert!(!app.store.is_simulated(real).await.unwrap());
    let (pushes, _, messages, licences) = emitted(&app, &applicant, real).await;
    assert!(
        pushes > 0 && messages > 0 && licences == 1,
        "{pushes} {messages} {licences}"
    );
    let real_doc = last_document(&rc);
    let (_, real_pdf) = app
        .page(&clerk, &format!("/cases/{real}/documents/{real_doc}/pdf"))
        .await;
    let v = app.verdict(real_pdf).await;
    assert_eq!(
        (v["valid"].clone(), v["simulated"].clone()),
        (json!(true), json!(false)),
        "{v}"
    );
    assert_eq!(received_in_statistics(&app, &head).await, 1);

    // Both switches are in the event log, by the head, with the reason.
    let sets: Vec<String> = app
        .store
        .events_from(0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "simulation_set")
        .map(|e| e.reason)
        .collect();
    assert_eq!(sets.len(), 2, "{sets:?}");
    assert_says(
        &sets[0],
        &["正式运行改为模拟运行（全部事项）", "上线前试运行"],
    );
    assert_says(&sets[1], &["改为正式运行", "正式上线"]);
}

async fn only_the_head_switches_and_only_listed_items_are_simulated(backend: Backend) {
    let app = Api::spawn(backend, "2025-09-30").await;
    let head = app.staff("hy.head", Role::BureauHead, HANYIN).await;
    let desk = app.desk().await;
    let chief = &desk.chief;

    // Not the clerk's nor the chief's to switch, nor anybody's without a login; another county's
    // head is refused too.
    let body = json!({"enabled": true});
    app.by(&desk.clerk)
        .put(SIMULATION, body.clone())
        .await
        .refused(403, "管理模拟运行");
    app.by(chief)
        .put(SIMULATION, body.clone())
        .await
        .expect(403);
    app.anonymous()
        .put(SIMULATION, body.clone())
        .await
        .expect(401);
    app.anonymous().get(SIMULATION).await.expect(401);
    app.by(&head)
        .put("/api/v1/jurisdictions/ziyang/simulation", body.clone())
        .await
        .expect(403);
    // The staff of the county read it.
    let v = app.by(&desk.clerk).get(SIMULATION).await.expect(200);
    assert_eq!(v["enabled"], false);
    assert_eq!(v["description"], "正式运行");

    // Bad input: refused, nothing changes.
    for (bad, phrase) in [
        (
            json!({"enabled": true, "items": ["HY-NOPE-999"]}),
            "HY-NOPE-999",
        ),
        (json!({"enabled": true, "items": [""]}), "不能为空"),
        (json!({"enabled": true, "items": ["HY\u{0007}"]}), "items"),
        (json!({"enabled": "yes"}), ""),
    ] {
        let r = app.by(&head).put(SIMULATION, bad.clone()).await;
        assert_eq!(r.status, 422, "{bad}: {}", r.body);
        assert!(r.body.to_string().contains(phrase), "{bad}: {}", r.body);
    }
    assert_eq!(
        app.by(&head).get(SIMULATION).await.expect(200)["enabled"],
        false
    );
    assert!(app.store.simulation(HANYIN).await.unwrap().is_none());

    // Only another item is simulated: HY-SC-001 stays real.
    let other = app
        .store
        .catalog_as_of(HANYIN, app.app.today())
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.item.code)
        .find(|c| c != "HY-SC-001")
        .expect("another item");
    let v = app
        .by(&head)
        .put(
            SIMULATION,
            json!({"enabled": true, "items": [other.clone()], "reason": "第一批"}),
        )
        .await
        .expect(200);
    assert_eq!(v["items"], json!([other]));
    let real = app.received(&desk.clerk).await;
    assert!(!app.store.is_simulated(real).await.unwrap());
    // The same item listed: simulated.
    app.by(&head)
        .put(SIMULATION, json!({"enabled": true, "items": ["HY-SC-001"]}))
        .await
        .expect(200);
    let sim = app.received(&desk.clerk).await;
    assert!(app.store.is_simulated(sim).await.unwrap());
    // The receipt records it.
    let c = app
        .by(&desk.clerk)
        .get(&format!("/api/v1/cases/{sim}"))
        .await
        .expect(200);
    let receipt = c["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "receive")
        .cloned()
        .unwrap();
    let data: Value = match &receipt["data"] {
        Value::String(text) => serde_json::from_str(text).unwrap(),
        other => other.clone(),
    };
    assert_eq!(data["simulated"], true, "{receipt}");

    // The head's page shows the mode and switches it; the clerk may not open it.
    let page = app.page_ok(&head, "/admin/simulation/hanyin").await;
    assert_says(&page, &["模拟运行中", "HY-SC-001", "模拟办件"]);
    let (status, _) = app.page_text(&desk.clerk, "/admin/simulation/hanyin").await;
    assert_eq!(status, 403);
}

async fn the_banner_is_on_every_staff_page_and_no_card_is_issued_on_a_simulated_case(
    backend: Backend,
) {
    // A server without background work: the test sweeps.
    let app = Api::start(Setup::new(backend, "2025-03-03").quiet()).await;
    let head = app.staff("hy.head", Role::BureauHead, HANYIN).await;
    let desk = app.desk().await;
    app.by(&head)
        .put(
            SIMULATION,
            json!({"enabled": true, "reason": "上线前试运行"}),
        )
        .await
        .expect(200);

    // The banner, from the shared layout, on staff pages beyond the work list, case and admin.
    for (token, path) in [
        (&desk.clerk, "/work/intake"),
        (&desk.clerk, "/account"),
        (&desk.chief, "/messages"),
        (&head, "/work/delegations"),
    ] {
        let (status, html) = app.page_text(token, path).await;
        assert_eq!(status, 200, "{path}: {html}");
        assert!(html.contains("模拟运行中：汉阴县"), "{path}: {html}");
    }
    // Once: the work list shows it from the layout, not twice.
    let (_, worklist) = app.page_text(&desk.clerk, "/work").await;
    assert_eq!(
        worklist.matches("模拟运行中：汉阴县").count(),
        1,
        "{worklist}"
    );

    // A case accepted in simulation, never decided.
    let sim = app.received(&desk.clerk).await;
    app.act(&desk.clerk, sim, json!({"action": "accept"}))
        .await
        .expect(200);
    assert!(app.store.is_simulated(sim).await.unwrap());
    app.by(&head)
        .put(SIMULATION, json!({"enabled": false, "reason": "正式上线"}))
        .await
        .expect(200);
    let (_, page) = app.page_text(&desk.clerk, "/work/intake").await;
    assert!(!page.contains("模拟运行中：汉阴县"), "no banner once off");
    // A real case accepted the same day, never decided.
    let real = app.received(&desk.clerk).await;
    app.act(&desk.clerk, real, json!({"action": "accept"}))
        .await
        .expect(200);

    // Swept past both limits: the real case has its yellow and red cards, the simulated none —
    // neither from the limits' sweep nor from the conduct sweep.
    assert_eq!(app.app.sweep_cards(at("2025-04-30")).await.unwrap(), 2);
    app.app.sweep_conduct_cards(at("2025-04-30")).await.unwrap();
    assert!(app.store.cards_of_case(real).await.unwrap().len() >= 2);
    assert!(app.store.cards_of_case(sim).await.unwrap().is_empty());
    assert_eq!(app.event_count(&head, sim, "card_issue").await, 0);
}
