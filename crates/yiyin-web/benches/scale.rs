//! The statistics and the monitoring desk at scale, on SQLite and PostgreSQL: fills a fresh store
//! with generated cases (`yiyin_testkit::scale`: the four pilot jurisdictions, their events and
//! cards, the statistics summary rebuilt through its one code path), then times, through the use
//! cases the API and the pages call, the statistics of one jurisdiction-year in each grouping, the
//! year to date, the portal's catalog search (ranked by the counts of the year, read off the summary),
//! and the monitoring desk's first page with and without filters (one, two and
//! three at once, the staff member's with another, the appeals). Prints each figure (median and
//! slowest of the runs, and how many cards the filter matches) with the machine's description.
//!
//! ```sh
//! cargo bench -p yiyin-web --bench scale -- --backend sqlite --cases 1000000
//! cargo bench -p yiyin-web --bench scale -- --backend postgres --cases 10000000 --runs 20
//! ```
//!
//! PostgreSQL is the server at `YIYIN_TEST_POSTGRES_URL` (default 127.0.0.1:5432); the benchmark
//! works in a database of its own, dropped at the end.

use std::time::{Duration, Instant};

use yiyin_app::Principal;
use yiyin_app::monitoring::CardQuery;
use yiyin_app::statistics::StatisticsQuery;
use yiyin_domain::calendar::parse_date;
use yiyin_domain::roles::Role;
use yiyin_store::Backend;
use yiyin_testkit::scale::{Scale, Staffed, fill};
use yiyin_testkit::{TestApp, TestDb};

mod support;

const JURISDICTIONS: [&str; 4] = ["hanyin", "ziyang", "xunyang", "gaoxin"];
/// The benchmark's today: cases are received from 2024-01-02 (the first year of the built-in
/// calendar) to this day (early enough that no open case's deadline reaches 2027, a year the
/// built-in calendar lacks).
const TODAY: &str = "2026-08-31";

struct Options {
    backends: Vec<Backend>,
    cases: u64,
    runs: usize,
}

fn options() -> Options {
    let args = support::Args::read();
    Options {
        backends: args.backends(),
        cases: args.value("--cases", 10_000_000),
        runs: args.value("--runs", 11),
    }
}

/// The machine: CPU model and count, memory, kernel.
fn machine() -> String {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let cpu = read("/proc/cpuinfo")
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map_or_else(|| "unknown CPU".to_string(), |m| m.trim().to_string());
    let mem = read("/proc/meminfo")
        .lines()
        .find(|l| l.starts_with("MemTotal"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|k| k.parse::<u64>().ok())
        .map_or(0, |k| k / 1024 / 1024);
    let kernel = read("/proc/sys/kernel/osrelease");
    format!(
        "{cpu}, {} logical CPUs, {mem} GiB memory, Linux {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        kernel.trim()
    )
}

/// Median and slowest of `runs` runs of `f`, in milliseconds; `f` checks its own answer.
async fn time<F, Fut>(runs: usize, mut f: F) -> (f64, f64)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut v: Vec<Duration> = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        f().await;
        v.push(t.elapsed());
    }
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (ms(v[v.len() / 2]), ms(v[v.len() - 1]))
}

async fn run_backend(backend: Backend, o: &Options) {
    let db = TestDb::new(backend).await;
    let t = TestApp::on(&db, TODAY, false).await;
    let mut staffed = Vec::new();
    for j in JURISDICTIONS {
        let mut accounts = Vec::new();
        for n in 0..12 {
            let p = t
                .staff(&format!("{j}.bench{n}"), Role::Reviewer, j, None)
                .await;
            accounts.push((p.account.id, p.account.name.clone()));
        }
        staffed.push(Staffed {
            jurisdiction: j.into(),
            accounts,
        });
    }
    let scale = Scale {
        cases: o.cases,
        from: parse_date("2024-01-02").expect("a date"),
        to: parse_date(TODAY).expect("a date"),
        seed: 2017,
        batch: 5000,
    };
    let started = Instant::now();
    let made = fill(&t.app, &staffed, &scale).await.expect("generated");
    println!(
        "{backend:?}: generated {} cases, {} events, {} cards in {:.0} s (of which the summary's rebuild {:.0} s)",
        made.cases,
        made.events,
        made.cards,
        started.elapsed().as_secs_f64(),
        made.rebuilt_in.as_secs_f64()
    );
    if backend == Backend::Postgres {
        db.tamper("ANALYZE").await;
    }
    let head: Principal = t
        .staff("bench.head", Role::BureauHead, "hanyin", None)
        .await;
    let year = |by: &str| StatisticsQuery {
        jurisdiction: "hanyin".into(),
        from: Some("2025-01-01".into()),
        to: Some("2025-12-31".into()),
        by: Some(by.into()),
    };
    for by in ["department", "item", "window", "staff"] {
        let q = year(by);
        let (p50, max) = time(o.runs, || async {
            let s = t.statistics(&head, &q).await.expect("statistics");
            assert!(s.table.total.counts.received > 0);
        })
        .await;
        println!(
            "  statistics hanyin 2025 by {by:<10}  median {p50:>7.1} ms   slowest {max:>7.1} ms"
        );
    }
    let to_date = StatisticsQuery {
        jurisdiction: "hanyin".into(),
        ..StatisticsQuery::default()
    };
    let (p50, max) = time(o.runs, || async {
        t.statistics(&head, &to_date).await.expect("statistics");
    })
    .await;
    println!(
        "  statistics hanyin year to date        median {p50:>7.1} ms   slowest {max:>7.1} ms"
    );
    // The portal's search over every county, ranked by how often each item was applied for in
    // the year: the first reads those counts off the summary for the four counties; the others
    // use them (read again at most every ten minutes).
    let search = || async {
        let hits = t.app.search(None, "食品经营", 50).await.expect("search");
        assert!(!hits.is_empty(), "the search finds 食品经营许可");
    };
    let first = Instant::now();
    search().await;
    println!(
        "  catalog search, first (counts read)  {:>7.1} ms",
        first.elapsed().as_secs_f64() * 1000.0
    );
    let (p50, max) = time(o.runs, search).await;
    println!(
        "  catalog search                        median {p50:>7.1} ms   slowest {max:>7.1} ms"
    );
    let desk = |f: fn(&mut CardQuery)| {
        let mut q = CardQuery {
            jurisdiction: "hanyin".into(),
            ..CardQuery::default()
        };
        f(&mut q);
        q
    };
    let window = t
        .app
        .org()
        .jurisdiction("hanyin")
        .and_then(|j| j.halls.first())
        .and_then(|h| h.windows.first())
        .map(|w| w.code.clone())
        .expect("a window in 汉阴");
    let staff_id = staffed[0].accounts[0].0.to_string();
    // An item of 市场监管 in 汉阴, for the filters with an item.
    let item = yiyin_demo::catalogs()
        .into_iter()
        .filter(|c| c.jurisdiction == "hanyin")
        .flat_map(|c| c.items)
        .find(|i| i.department == "shichang")
        .map(|i| i.code)
        .expect("an item of 市场监管 in 汉阴");
    let desks: [(&str, CardQuery); 14] = [
        ("no filter", desk(|_| {})),
        (
            "department",
            desk(|q| q.department = Some("shichang".into())),
        ),
        (
            "red, 2025",
            desk(|q| {
                q.color = Some("red".into());
                q.from = Some("2025-01-01".into());
                q.to = Some("2025-12-31".into());
            }),
        ),
        (
            "one day",
            desk(|q| {
                q.from = Some("2025-06-16".into());
                q.to = Some("2025-06-16".into());
            }),
        ),
        (
            "dept + red",
            desk(|q| {
                q.department = Some("shichang".into());
                q.color = Some("red".into());
            }),
        ),
        (
            "window + 2025",
            CardQuery {
                window: Some(window.clone()),
                from: Some("2025-01-01".into()),
                to: Some("2025-12-31".into()),
                ..desk(|_| {})
            },
        ),
        (
            "staff + 2025",
            CardQuery {
                staff: Some(staff_id.clone()),
                from: Some("2025-01-01".into()),
                to: Some("2025-12-31".into()),
                ..desk(|_| {})
            },
        ),
        (
            "staff + red",
            CardQuery {
                staff: Some(staff_id.clone()),
                color: Some("red".into()),
                ..desk(|_| {})
            },
        ),
        (
            "staff + item",
            CardQuery {
                staff: Some(staff_id.clone()),
                item: Some(item.clone()),
                ..desk(|_| {})
            },
        ),
        (
            "dept+window+red",
            CardQuery {
                department: Some("shichang".into()),
                window: Some(window.clone()),
                color: Some("red".into()),
                ..desk(|_| {})
            },
        ),
        (
            "item+red+2025",
            CardQuery {
                item: Some(item.clone()),
                color: Some("red".into()),
                from: Some("2025-01-01".into()),
                to: Some("2025-12-31".into()),
                ..desk(|_| {})
            },
        ),
        (
            "appeals pending",
            desk(|q| q.appeal = Some("pending".into())),
        ),
        (
            "appeals rejected",
            desk(|q| q.appeal = Some("rejected".into())),
        ),
        (
            "dept + appeals",
            desk(|q| {
                q.department = Some("shichang".into());
                q.appeal = Some("pending".into());
            }),
        ),
    ];
    for (what, q) in &desks {
        let page = t.cards(&head, q).await.expect("cards");
        let (p50, max) = time(o.runs, || async {
            t.cards(&head, q).await.expect("cards");
        })
        .await;
        println!(
            "  monitoring desk, first page, {what:<16}  median {p50:>7.1} ms   slowest {max:>7.1} ms   ({} cards match)",
            page.count
        );
    }
    drop(t);
    db.drop_db().await;
}

fn main() {
    let o = options();
    println!("machine: {}", machine());
    println!(
        "cases: {} over the four pilot jurisdictions, received 2024-01-02 to {TODAY}",
        o.cases
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    for b in o.backends.clone() {
        rt.block_on(run_backend(b, &o));
    }
}
