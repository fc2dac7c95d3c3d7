//! A flood of anonymous logins (300 at once, each a different login that does not exist, from one
//! address whose limit is raised so that every one is hashed) leaves the server up and its memory
//! bounded: password hashing waits for a free core (a busy server answers 503, never 500) instead
//! of running 300 Argon2id checks of 19 MiB each at once. A test binary of its own, so that nothing
//! else runs in the process whose memory it reads.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use serde_json::json;
use yiyin_store::Backend;
use yiyin_testkit::{Api, Setup};

/// The most the flood may add to the process's resident memory.
const CEILING_MIB: u64 = 400;

/// The process's resident memory (the test server runs in this process), in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_anonymous_logins_leaves_the_server_up_and_its_memory_bounded() {
    let app = Api::start(Setup::new(Backend::Sqlite, "2025-03-03").quiet()).await;
    // Warm up: one login hashed, the pools open.
    let warm = app
        .anonymous()
        .post(
            "/api/v1/session",
            json!({"login": "warm.up", "password": "x"}),
        )
        .await;
    assert_eq!(warm.status, 422);
    let baseline = rss_kib();

    let peak = Arc::new(AtomicU64::new(baseline));
    let flooding = Arc::new(AtomicBool::new(true));
    let watcher = {
        let (peak, flooding) = (peak.clone(), flooding.clone());
        tokio::spawn(async move {
            while flooding.load(Ordering::Relaxed) {
                peak.fetch_max(rss_kib(), Ordering::Relaxed);
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        })
    };

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let mut logins = tokio::task::JoinSet::new();
    for n in 0..300 {
        let req = client
            .post(app.url("/api/v1/session"))
            .json(&json!({"login": format!("flood.{n}"), "password": "guess2025"}));
        logins.spawn(async move {
            let r = req.send().await.expect("the server answers");
            let status = r.status().as_u16();
            let body: serde_json::Value = r.json().await.unwrap_or_default();
            (status, body)
        });
    }
    let (mut refused, mut busy) = (0, 0);
    while let Some(done) = logins.join_next().await {
        let (status, body) = done.unwrap();
        match status {
            422 => {
                assert_eq!(body["error"]["code"], "login_failed", "{body}");
                refused += 1;
            }
            503 => {
                assert_eq!(body["error"]["code"], "busy", "{body}");
                assert!(
                    body["error"]["message"]
                        .as_str()
                        .unwrap()
                        .contains("服务器繁忙"),
                    "{body}"
                );
                busy += 1;
            }
            other => panic!("a login of the flood answered {other}: {body}"),
        }
    }
    flooding.store(false, Ordering::Relaxed);
    watcher.await.unwrap();
    let peak = peak.load(Ordering::Relaxed).max(rss_kib());

    // The server is still up.
    let health = app.anonymous().get("/healthz").await;
    assert_eq!(health.status, 200, "{}", health.body);

    let grown_mib = peak.saturating_sub(baseline) / 1024;
    eprintln!(
        "login flood: {refused} refused, {busy} busy; RSS baseline {} MiB, peak {} MiB (+{grown_mib} MiB)",
        baseline / 1024,
        peak / 1024
    );
    assert!(refused > 0, "some logins were checked");
    assert!(
        grown_mib < CEILING_MIB,
        "the flood grew the memory by {grown_mib} MiB (ceiling {CEILING_MIB} MiB)"
    );
    app.stop().await;
}
