//! Throughput and latency of full case lifecycles through the HTTP API, on SQLite and PostgreSQL, and
//! the latency of a reviewer's worklist with a million cases in the store.
//!
//! ```sh
//! cargo bench -p yiyin-web --bench lifecycle                       # both databases, defaults
//! cargo bench -p yiyin-web --bench lifecycle -- --backend sqlite --lifecycles 2000 --concurrency 16 --worklist-cases 1000000
//! cargo bench -p yiyin-web --bench lifecycle -- --full-views   # every write answers with the whole case
//! cargo bench -p yiyin-web --bench lifecycle -- --backend postgres --servers 4 --worklist-cases 0
//! ```
//!
//! With the store filled, it also times a case as the reviewer reads it (the API's view and the
//! staff's page), the portal's catalog search, and prints the process's memory (`support::memory`).
//!
//! A lifecycle is five requests: receive (create), accept, review, decide, issue the certificate.
//! With `--servers N` (PostgreSQL), N app servers share the database and the blob folder, as behind
//! a load balancer: each request of a lifecycle goes to the next server in turn; at the end the
//! case numbers are checked unique and the audit chain verified.
//! Every event is durable: SQLite runs with `synchronous=FULL` (each commit on disk before the
//! answer), and every document is sealed (SM2-signed) as it is issued. PostgreSQL is the server at `YIYIN_TEST_POSTGRES_URL` (default 127.0.0.1:5432).

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sqlx::Connection;
use tokio::sync::Mutex;
use yiyin_store::{Backend, Durability, StoreOptions};
use yiyin_testkit::web::{Desk, actions, approve, intake_by};
use yiyin_testkit::{Api, Setup};

mod support;

struct Options {
    backends: Vec<Backend>,
    lifecycles: usize,
    concurrency: usize,
    worklist_cases: i64,
    full_views: bool,
    servers: usize,
}

fn options() -> Options {
    let args = support::Args::read();
    Options {
        backends: args.backends(),
        lifecycles: args.value("--lifecycles", 1000),
        concurrency: args.value("--concurrency", 16),
        worklist_cases: args.value("--worklist-cases", 1_000_000),
        full_views: args.flag("--full-views"),
        servers: args.value("--servers", 1).max(1),
    }
}

#[derive(Default)]
struct Samples(BTreeMap<&'static str, Vec<Duration>>);

impl Samples {
    fn add(&mut self, kind: &'static str, d: Duration) {
        self.0.entry(kind).or_default().push(d);
    }
}

fn pct(v: &mut [Duration], p: f64) -> f64 {
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i].as_secs_f64() * 1000.0
}

async fn timed(
    req: reqwest::RequestBuilder,
    samples: &Mutex<Samples>,
    kind: &'static str,
) -> Value {
    let start = Instant::now();
    let r = req.send().await.expect("request");
    let status = r.status();
    let body: Value = r.json().await.expect("json");
    samples.lock().await.add(kind, start.elapsed());
    assert!(status.is_success(), "{kind}: {status} {body}");
    body
}

/// One lifecycle: received at the window, then each step on the version it read; the `n`th
/// lifecycle's requests go to the servers in turn from the `n`th.
async fn lifecycle(
    servers: Arc<Vec<Api>>,
    n: usize,
    samples: Arc<Mutex<Samples>>,
    desk: Arc<Desk>,
) {
    let server = |step: usize| &servers[(n + step) % servers.len()];
    let intake = intake_by("压测餐饮有限公司", &["M1", "M2"]);
    let receive = server(0).request("POST", "/api/v1/cases", Some(&desk.clerk), Some(intake));
    let c = timed(receive, &samples, "receive").await;
    let id = c["id"].as_i64().unwrap();
    let kinds = ["accept", "review", "decide", "certificate"];
    let steps = desk.licensing(approve("符合条件"));
    for (version, ((token, mut action), kind)) in steps.into_iter().zip(kinds).enumerate() {
        action["version"] = json!(version + 1);
        let req = server(version + 1).request("POST", &actions(id), Some(token), Some(action));
        timed(req, &samples, kind).await;
    }
}

/// The app servers of a run: one on a fresh database with its seals, or `n` sharing one
/// PostgreSQL database, each making or opening the one set of seals as `yiyin serve` does.
async fn start(backend: Backend, n: usize, client: reqwest::Client) -> Vec<Api> {
    let options = StoreOptions {
        max_connections: 16,
        durability: Durability::Full,
    };
    let setup = Setup::new(backend, "2025-03-03").sealed().options(options);
    if n == 1 {
        return vec![Api::start(setup).await.with_plain(client)];
    }
    assert_eq!(
        backend,
        Backend::Postgres,
        "several servers share a PostgreSQL database"
    );
    let servers: Vec<Api> = Api::cluster(setup, n)
        .await
        .into_iter()
        .map(|s| s.with_plain(client.clone()))
        .collect();
    for s in &servers {
        s.app.refresh_seals().await.expect("seals");
    }
    servers[0].app.refresh_seals().await.expect("seals");
    servers
}

async fn run_backend(backend: Backend, o: &Options) {
    // Like an integration that only needs the next version, ask for the brief answer; with
    // --full-views every write answers with the whole case (clock explanations, timeline, documents).
    let mut headers = reqwest::header::HeaderMap::new();
    if !o.full_views {
        headers.insert("prefer", "return=minimal".parse().unwrap());
    }
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .default_headers(headers)
        .build()
        .unwrap();
    // The testkit's sample catalog; with the seals switched on, as in production: every document
    // is signed as it is issued.
    let servers = Arc::new(start(backend, o.servers, client).await);
    let api = &servers[0];
    let desk = Arc::new(api.desk().await);
    let samples = Arc::new(Mutex::new(Samples::default()));
    // Warm up.
    for n in 0..20 {
        let samples = Arc::new(Mutex::new(Samples::default()));
        lifecycle(servers.clone(), n, samples, desk.clone()).await;
    }
    let start = Instant::now();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..o.concurrency {
        let (servers, samples, desk, next) =
            (servers.clone(), samples.clone(), desk.clone(), next.clone());
        let total = o.lifecycles;
        workers.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if n >= total {
                    break;
                }
                lifecycle(servers.clone(), n, samples.clone(), desk.clone()).await;
            }
        }));
    }
    for w in workers {
        w.await.unwrap();
    }
    let elapsed = start.elapsed().as_secs_f64();
    let mut s = samples.lock().await;
    println!(
        "\n== {} — {} full lifecycles, {} concurrent clients, {} app server(s), {} answers",
        backend.label(),
        o.lifecycles,
        o.concurrency,
        o.servers,
        if o.full_views {
            "full"
        } else {
            "brief (Prefer: return=minimal)"
        }
    );
    println!(
        "throughput: {:.0} lifecycles/s, {:.0} requests/s",
        o.lifecycles as f64 / elapsed,
        o.lifecycles as f64 * 5.0 / elapsed
    );
    let mut all = Vec::new();
    for (kind, v) in s.0.iter_mut() {
        all.extend(v.iter().copied());
        println!(
            "  {kind:<12} p50 {:>6.1} ms   p99 {:>6.1} ms",
            pct(v, 0.5),
            pct(v, 0.99)
        );
    }
    println!(
        "  {:<12} p50 {:>6.1} ms   p99 {:>6.1} ms",
        "all",
        pct(&mut all, 0.5),
        pct(&mut all, 0.99)
    );
    drop(s);
    let report = yiyin_app::audit::verify_chain(&api.store).await.unwrap();
    assert!(report.broken.is_none(), "the chain verifies: {report:?}");
    let mut raw = api.db().raw().await;
    let (cases, numbers): (i64, i64) =
        sqlx::query_as("SELECT COUNT(*), COUNT(DISTINCT number) FROM cases")
            .fetch_one(&mut raw)
            .await
            .unwrap();
    raw.close().await.unwrap();
    assert_eq!(cases, numbers, "no case number twice");
    println!(
        "checked: {cases} cases, each number once; the audit chain verifies ({} events in {} chains)",
        report.events, report.chains
    );
    println!("after the lifecycles: {}", support::memory());

    if o.worklist_cases > 0 {
        worklist(api, &desk.reviewer, o.worklist_cases).await;
    }
    drop(desk);
    let Ok(servers) = Arc::try_unwrap(servers) else {
        panic!("the workers are done with the servers");
    };
    // The first owns the database: stopped last.
    for s in servers.into_iter().rev() {
        s.stop().await;
    }
}

/// Seeds the store up to `total` cases, copying a real case row with varied numbers, jurisdictions,
/// roles and due dates, then times the reviewer's worklist.
async fn worklist(api: &Api, reviewer: &str, total: i64) {
    let store = &api.store;
    let have = store.case_count().await.unwrap();
    let add = (total - have).max(0);
    let template: i64 = {
        let mut conn = api.db().raw().await;
        let id = sqlx::query_scalar("SELECT MIN(id) FROM cases")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
        id
    };
    let start = Instant::now();
    let columns = "jurisdiction, number, query_code, item_code, item_version, item_name, department, supervising_department, handling_mode, applicant_account, applicant_kind, applicant_name, applicant_id, applicant_phone, channel, unit, state, closed, next_role, received_on, intake_due, accepted_on, statutory_due, promised_due, decided_on, certificate_due, due_sort, body, version, created_at, updated_at";
    let chunk = 100_000;
    let mut done = 0;
    while done < add {
        let n = chunk.min(add - done);
        let (from, to) = (done + 1, done + n);
        let copies = |day: &str| {
            format!(
                "INSERT INTO cases ({columns})
                 SELECT CASE i % 4 WHEN 0 THEN 'hanyin' WHEN 1 THEN 'ziyang' WHEN 2 THEN 'xunyang' ELSE 'gaoxin' END,
                   'BENCH' || i, t.query_code, t.item_code, t.item_version, t.item_name, t.department, t.supervising_department,
                   t.handling_mode, t.applicant_account, t.applicant_kind, t.applicant_name, t.applicant_id, t.applicant_phone,
                   t.channel, t.unit, t.state, CASE WHEN i % 3 = 0 THEN 1 ELSE 0 END,
                   CASE i % 5 WHEN 0 THEN 'reviewer' WHEN 1 THEN 'window_clerk' WHEN 2 THEN 'verifier' WHEN 3 THEN 'section_chief' ELSE '' END,
                   t.received_on, t.intake_due, t.accepted_on, t.statutory_due, t.promised_due, t.decided_on, t.certificate_due,
                   {day}, t.body, t.version, t.created_at, t.updated_at"
            )
        };
        let template = format!("(SELECT * FROM cases WHERE id = {template}) t");
        let sql = match store.backend() {
            Backend::Sqlite => format!(
                "WITH RECURSIVE s(i) AS (SELECT {from} UNION ALL SELECT i + 1 FROM s WHERE i < {to})
                 {} FROM s, {template}",
                copies("printf('2025-%02d-%02d', 1 + (i * 7) % 12, 1 + (i * 13) % 28)")
            ),
            Backend::Postgres => format!(
                "{} FROM generate_series({from}::bigint, {to}::bigint) AS i, {template}",
                copies(
                    "'2025-' || lpad((1 + (i * 7) % 12)::text, 2, '0') || '-' || lpad((1 + (i * 13) % 28)::text, 2, '0')"
                )
            ),
        };
        api.db().tamper(&sql).await;
        done += n;
    }
    if store.backend() == Backend::Postgres {
        api.db().tamper("ANALYZE cases").await;
    }
    println!(
        "seeded {add} cases in {:.1} s ({} in the store)",
        start.elapsed().as_secs_f64(),
        store.case_count().await.unwrap()
    );
    // The first page, then the tenth (reached by the cursor of each page before).
    let mut path = "/api/v1/cases?mine=true".to_string();
    for page in [1, 10] {
        let mut v = Vec::new();
        let mut next = String::new();
        for _ in 0..200 {
            let t = Instant::now();
            let (list, link) = worklist_page(api, reviewer, &path).await;
            assert_eq!(list.len(), 50);
            v.push(t.elapsed());
            next = link;
        }
        println!(
            "reviewer worklist, page {page} (50 of {total} cases): p50 {:.1} ms, p99 {:.1} ms",
            pct(&mut v, 0.5),
            pct(&mut v, 0.99)
        );
        path = next;
        for _ in page + 1..10 {
            path = worklist_page(api, reviewer, &path).await.1;
        }
    }
    // A case as the reviewer reads it (the API's view with every deadline explained, and the
    // staff's page), and the portal's search over every county (the first after start reads how
    // often each item was applied for; the others use those counts).
    let view = format!("/api/v1/cases/{template}");
    let page = format!("/work/cases/{template}");
    for (what, path) in [("case view (API)", &view), ("case page (HTML)", &page)] {
        let v = times(200, || async {
            let (status, _) = api.page(reviewer, path).await;
            assert_eq!(status, 200, "{path}");
        })
        .await;
        report(&format!("{what}, {total} cases in the store"), v);
    }
    let search = "/search?q=%E9%A3%9F%E5%93%81%E7%BB%8F%E8%90%A5";
    let search_once = || async {
        let (status, page) = api.get_text(search).await;
        assert_eq!(status, 200);
        assert!(page.contains("食品经营许可"), "the search finds the item");
    };
    let first = Instant::now();
    search_once().await;
    println!(
        "catalog search, first after start (counts read): {:.1} ms",
        first.elapsed().as_secs_f64() * 1000.0
    );
    report("catalog search", times(200, search_once).await);
    println!("with the store filled: {}", support::memory());
}

/// The durations of `n` runs of `f`, one after another.
async fn times<F: Future<Output = ()>>(n: usize, f: impl Fn() -> F) -> Vec<Duration> {
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        f().await;
        v.push(t.elapsed());
    }
    v
}

fn report(what: &str, mut v: Vec<Duration>) {
    println!(
        "{what}: p50 {:.1} ms, p99 {:.1} ms",
        pct(&mut v, 0.5),
        pct(&mut v, 0.99)
    );
}

/// A page of a worklist and the path of the next (its `Link` header).
async fn worklist_page(api: &Api, token: &str, path: &str) -> (Vec<Value>, String) {
    let r = api
        .request("GET", path, Some(token), None)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let link = r.headers()["link"].to_str().unwrap().to_string();
    let next = link[1..link.find('>').unwrap()].to_string();
    (r.json().await.unwrap(), next)
}

fn main() {
    let o = options();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    for b in o.backends.clone() {
        rt.block_on(run_backend(b, &o));
    }
}
