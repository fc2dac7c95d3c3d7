//! Three app servers on one PostgreSQL database and one shared blob folder, started at the same
//! moment, as an operator runs a province behind a load balancer (issue 17, part 5): one set of
//! seals; receipts on every server at once without a duplicate case number; every document and
//! archive package downloadable, the same file, from every server; a calendar year loaded on one
//! server used by the others without a restart; the archiving sweep of three servers building each
//! package once and going past a case it cannot archive yet, which it archives later; the audit
//! chain verifying at the end. PostgreSQL only: several servers share a PostgreSQL database
//! (a SQLite file belongs to one server).

use std::collections::{BTreeMap, HashSet};

use serde_json::Value;
use yiyin_domain::roles::Role;
use yiyin_store::Backend;
use yiyin_testkit::server::Setup;
use yiyin_testkit::web::{Api, HANYIN, approve};

/// Runs `f` on every server at the same moment; the answers in the servers' order.
async fn on_each<T, F, Fut>(servers: &[Api], f: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(yiyin_app::App) -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    let started: Vec<_> = servers
        .iter()
        .map(|s| tokio::spawn(f(s.app.clone())))
        .collect();
    let mut out = Vec::new();
    for s in started {
        out.push(s.await.expect("the task ends"));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_servers_on_one_database() {
    let servers = Api::cluster(
        Setup::new(Backend::Postgres, "2025-03-03").sealed().quiet(),
        3,
    )
    .await;
    let first = &servers[0];

    // Seals: the three servers make what they find missing at the same moment; one set is made.
    let made = on_each(&servers, |app| async move {
        app.refresh_seals().await.expect("seals")
    })
    .await;
    assert!(made.iter().sum::<usize>() > 0, "seals were made");
    let seals = first.store.seals().await.expect("seals");
    let mut active: BTreeMap<(String, String), usize> = BTreeMap::new();
    for s in seals.iter().filter(|s| !s.retired) {
        *active
            .entry((s.jurisdiction.clone(), s.department.clone()))
            .or_default() += 1;
    }
    assert!(
        active.values().all(|n| *n == 1),
        "one active seal per holder: {active:?}"
    );
    assert_eq!(seals.len(), active.len(), "no seal made twice and retired");
    let mut raw = first.db().raw().await;
    let roots: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM seal_authority")
        .fetch_one(&mut raw)
        .await
        .expect("roots");
    assert_eq!(roots, 1, "one seal authority");
    for s in &servers {
        // Each server opened the set the first made (refreshed once more to see the others').
        s.app.refresh_seals().await.expect("seals");
        assert_eq!(
            s.app.keyring().active_ids(),
            servers[0].app.keyring().active_ids()
        );
    }

    // Receipts on the three servers at once: no case number twice.
    let desk = first.desk().await;
    let mut receiving = Vec::new();
    for s in &servers {
        for _ in 0..4 {
            let (client, base, clerk) = (s.plain.clone(), s.base.clone(), desk.clerk.clone());
            // One applicant (one credit code, one name): the receipts race only for case numbers.
            let body = yiyin_testkit::web::intake_by("多服务器测试公司", &["M1", "M2"]);
            receiving.push(tokio::spawn(async move {
                let r = client
                    .post(format!("{base}/api/v1/cases"))
                    .bearer_auth(clerk)
                    .json(&body)
                    .send()
                    .await
                    .expect("the server answers");
                let status = r.status().as_u16();
                let answer = r.json::<Value>().await.expect("JSON");
                assert_eq!(status, 201, "{answer}");
                answer
            }));
        }
    }
    let mut cases = Vec::new();
    for r in receiving {
        cases.push(r.await.expect("a receipt"));
    }
    let numbers: HashSet<&str> = cases
        .iter()
        .map(|c| c["number"].as_str().expect("a number"))
        .collect();
    assert_eq!(numbers.len(), cases.len(), "no duplicate case number");

    // Each case to its licence, each step on another server than the one before.
    let ids: Vec<i64> = cases
        .iter()
        .map(|c| c["id"].as_i64().expect("an id"))
        .collect();
    for (n, id) in ids.iter().enumerate() {
        for (k, (token, action)) in desk.licensing(approve("符合条件")).into_iter().enumerate()
        {
            servers[(n + k) % 3]
                .act(token, *id, action)
                .await
                .expect(200);
        }
    }

    // Every document, rendered at the same moment by the three servers the first time it is asked
    // for, downloadable from every server, the same file.
    let mut documents = Vec::new();
    for id in &ids {
        let case = first
            .by(&desk.clerk)
            .get(&format!("/api/v1/cases/{id}"))
            .await
            .expect(200);
        for d in case["documents"].as_array().expect("documents") {
            documents.push((*id, d["id"].as_i64().expect("a document id")));
        }
    }
    assert!(
        documents.len() >= ids.len() * 2,
        "documents issued: {documents:?}"
    );
    for (id, doc) in &documents {
        let path = format!("/cases/{id}/documents/{doc}/pdf");
        let mut asking = Vec::new();
        for s in &servers {
            let (client, url, clerk) = (s.plain.clone(), s.url(&path), desk.clerk.clone());
            asking.push(tokio::spawn(async move {
                let r = client
                    .get(url)
                    .bearer_auth(clerk)
                    .send()
                    .await
                    .expect("an answer");
                (
                    r.status().as_u16(),
                    r.bytes().await.expect("a body").to_vec(),
                )
            }));
        }
        let mut files = Vec::new();
        for a in asking {
            let (status, body) = a.await.expect("a download");
            assert_eq!(status, 200, "{path}");
            files.push(body);
        }
        for s in &servers {
            let (status, again) = s.page(&desk.clerk, &path).await;
            assert_eq!(status, 200, "{path} from {}", s.base);
            assert_eq!(again, files[0], "{path}: the same file from every server");
        }
        assert!(
            files.iter().all(|f| *f == files[0]),
            "{path}: one rendering kept"
        );
    }

    // A calendar year loaded on one server is used by the others at once, without a restart:
    // from a signed-in request on (the versions read with its session), and from an anonymous one.
    let admin = first.staff("hy.admin", Role::SystemAdmin, HANYIN).await;
    let year = r#"{"year":2031,"days":[{"name":"元旦","date":"2031-01-01","isOffDay":true}]}"#;
    let principal = first.principal("hy.admin").await;
    servers[0]
        .app
        .upload_calendar(&principal, year)
        .await
        .expect("the year");
    let new_year_known = |s: &Api| {
        s.app
            .calendar()
            .is_workday(yiyin_testkit::fixtures::date("2031-01-01"))
            .is_ok_and(|workday| !workday)
    };
    let (status, page) = servers[1].page_text(&admin, "/admin/calendar").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("2031年"), "{}: {page}", servers[1].base);
    assert!(new_year_known(&servers[1]));
    let anonymous = reqwest::get(servers[2].url("/healthz"))
        .await
        .expect("the server answers");
    assert_eq!(anonymous.status(), 200);
    assert!(new_year_known(&servers[2]), "an anonymous request rereads");
    let (status, page) = servers[2].page_text(&admin, "/admin/calendar").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("2031年"), "{}: {page}", servers[2].base);

    // Archiving: one closed case cannot be archived now (its licence's file is missing from the
    // blob store); the three sweeps, at once, go past it and build every other package once.
    let broken_case = ids[0];
    let broken_doc = documents
        .iter()
        .filter(|(case, _)| *case == broken_case)
        .map(|(_, doc)| *doc)
        .next_back()
        .expect("its licence");
    let kept: String = sqlx::query_scalar(&format!(
        "SELECT pdf_digest FROM documents WHERE id = {broken_doc}"
    ))
    .fetch_one(&mut raw)
    .await
    .expect("the file's digest");
    let missing = "0".repeat(64);
    first
        .db()
        .tamper(&format!(
            "UPDATE documents SET pdf_digest = '{missing}' WHERE id = {broken_doc}"
        ))
        .await;
    let mut built = 0;
    loop {
        let round: usize = on_each(&servers, |app| async move {
            app.archive_sweep(2).await.expect("a sweep")
        })
        .await
        .into_iter()
        .sum();
        if round == 0 {
            break;
        }
        built += round;
    }
    assert_eq!(
        built,
        ids.len() - 1,
        "each other package built once, by one server"
    );
    let (attempts, error) = first
        .store
        .archive_attempts(broken_case)
        .await
        .expect("attempts")
        .expect("tried");
    assert_eq!(attempts, 1);
    assert!(error.contains(&missing), "the failure is kept: {error}");
    assert!(
        first
            .store
            .archive_of(broken_case)
            .await
            .expect("archive")
            .is_none()
    );
    // Its file back, and its back-off over: archived by the next sweep.
    first
        .db()
        .tamper(&format!(
            "UPDATE documents SET pdf_digest = '{kept}' WHERE id = {broken_doc}"
        ))
        .await;
    let wait = yiyin_app::archive::archive_retry_after(1);
    first
        .clock
        .set(first.app.now() + chrono::Duration::milliseconds(wait));
    let late: usize = on_each(&servers, |app| async move {
        app.archive_sweep(2).await.expect("a sweep")
    })
    .await
    .into_iter()
    .sum();
    assert_eq!(late, 1, "the case archived after its back-off, once");
    for id in &ids {
        assert!(
            first
                .store
                .archive_of(*id)
                .await
                .expect("archive")
                .is_some(),
            "case {id} archived"
        );
        let path = format!("/api/v1/cases/{id}/archive");
        let (status, package) = servers[0].page(&desk.clerk, &path).await;
        assert_eq!(status, 200, "{path}");
        for s in &servers[1..] {
            assert_eq!(
                s.page(&desk.clerk, &path).await,
                (200, package.clone()),
                "{path} from {}",
                s.base
            );
        }
    }

    // The chain, written by three servers, verifies.
    let discipline = first
        .staff("hy.discipline", Role::DisciplineSupervisor, HANYIN)
        .await;
    servers[2].unbroken_chain(&discipline).await;
    drop(raw);
    let mut servers = servers;
    let owner = servers.remove(0);
    for s in servers {
        s.stop().await;
    }
    owner.stop().await;
}
