//! Pushes to a supervising department's own system, on both databases, against a real receiver:
//! results stream out while the receiver is killed mid-stream and comes back on the same port,
//! while Yiyin is restarted on its database with a push claimed but never reported (a crash
//! mid-delivery), and while the receiver takes pushes but answers 500, too late or with a redirect.
//! After deduplication by `Idempotency-Key` every result arrived exactly once and none is lost; every
//! body is the signed payload and verifies against the published seal; a push refused past the retry
//! policy is a dead letter until replayed, and is then delivered. Deliveries are driven by the test
//! (`App::deliver_once` and the fixed clock), never by the background loop.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use yiyin_app::Principal;
use yiyin_app::delivery::LEASE_MS;
use yiyin_app::supervision::WebhookInput;
use yiyin_domain::roles::Role;
use yiyin_domain::supervision::{PushStatus, RetryPolicy};
use yiyin_store::Backend;
use yiyin_store::outbox::Outbox;
use yiyin_store::pushes::{Push, PushFilter};
use yiyin_testkit::web::{Desk, approve, deny};
use yiyin_testkit::{Api, on_both};

on_both!(
    every_result_arrives_exactly_once,
    leases_and_outcomes_are_kept_straight,
    refused_pushes_become_dead_letters_and_replay
);

const JURISDICTION: &str = "hanyin";
/// The supervising department of HY-SC-001 in the fixture catalog.
const DEPARTMENT: &str = "shichang";

// ---------------------------------------------------------------------------------------------
// The department's system: records every request; can be told to misbehave, killed and revived on
// the same port.

#[derive(Debug, Clone)]
struct Received {
    key: String,
    kind: String,
    seal_id: Option<String>,
    signature: Option<String>,
    content_type: String,
    body: String,
}

/// How the receiver answers the next requests.
#[derive(Debug, Default)]
struct Behaviour {
    /// Take the push (record it), then answer 500: Yiyin must send it again.
    accept_then_fail: usize,
    /// Take the push, then answer too late for Yiyin's timeout.
    accept_too_late: usize,
    /// Answer 302 to a page that takes a GET: a client following it would lose the body.
    redirect: usize,
    /// Refuse these keys with 500 without taking them.
    refuse: HashSet<String>,
    /// Die after taking this many more pushes (the one that kills it is answered).
    die_after: Option<usize>,
}

#[derive(Default)]
struct Shared {
    log: Mutex<Vec<Received>>,
    refused: AtomicUsize,
    redirected_gets: AtomicUsize,
    behaviour: Mutex<Behaviour>,
    stop: Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
}

enum Answer {
    Take,
    TakeThenFail,
    TakeTooLate,
    Redirect,
    Refuse,
}

async fn hook(State(s): State<Arc<Shared>>, headers: HeaderMap, body: String) -> Response {
    let h = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let key = h("idempotency-key").unwrap_or_default();
    let answer = {
        let mut b = s.behaviour.lock().unwrap();
        if b.refuse.contains(&key) {
            Answer::Refuse
        } else if b.redirect > 0 {
            b.redirect -= 1;
            Answer::Redirect
        } else if b.accept_then_fail > 0 {
            b.accept_then_fail -= 1;
            Answer::TakeThenFail
        } else if b.accept_too_late > 0 {
            b.accept_too_late -= 1;
            Answer::TakeTooLate
        } else {
            Answer::Take
        }
    };
    match answer {
        Answer::Refuse => {
            s.refused.fetch_add(1, Ordering::SeqCst);
            return (StatusCode::INTERNAL_SERVER_ERROR, "系统维护中").into_response();
        }
        Answer::Redirect => {
            return (StatusCode::FOUND, [(header::LOCATION, "/moved")]).into_response();
        }
        _ => {}
    }
    s.log.lock().unwrap().push(Received {
        key,
        kind: h("x-yiyin-push-kind").unwrap_or_default(),
        seal_id: h("x-yiyin-seal-id"),
        signature: h("x-yiyin-signature"),
        content_type: h("content-type").unwrap_or_default(),
        body,
    });
    let die = {
        let mut b = s.behaviour.lock().unwrap();
        match b.die_after {
            Some(n) if n <= 1 => {
                b.die_after = None;
                true
            }
            Some(n) => {
                b.die_after = Some(n - 1);
                false
            }
            None => false,
        }
    };
    if die && let Some(stop) = s.stop.lock().unwrap().take() {
        let _ = stop.send(());
    }
    match answer {
        Answer::TakeThenFail => (StatusCode::INTERNAL_SERVER_ERROR, "入库失败").into_response(),
        Answer::TakeTooLate => {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            (StatusCode::OK, "已接收").into_response()
        }
        _ => (StatusCode::OK, "已接收").into_response(),
    }
}

/// Where the redirect points: takes a GET (with no body) and says yes.
async fn moved(State(s): State<Arc<Shared>>) -> &'static str {
    s.redirected_gets.fetch_add(1, Ordering::SeqCst);
    "ok"
}

struct Receiver {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Receiver {
    async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut r = Receiver {
            addr,
            shared: Arc::default(),
            task: None,
        };
        r.serve(listener);
        r
    }

    fn serve(&mut self, listener: tokio::net::TcpListener) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        *self.shared.stop.lock().unwrap() = Some(tx);
        let app = Router::new()
            .route("/hook", axum::routing::post(hook))
            .route("/moved", axum::routing::get(moved))
            .with_state(self.shared.clone());
        self.task = Some(tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await
                .unwrap();
        }));
    }

    fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    fn behave(&self, f: impl FnOnce(&mut Behaviour)) {
        f(&mut self.shared.behaviour.lock().unwrap());
    }

    /// Stops it: nothing listens on the port any more.
    async fn kill(&mut self) {
        if let Some(stop) = self.shared.stop.lock().unwrap().take() {
            let _ = stop.send(());
        }
        self.down().await;
    }

    /// Waits until it is down (after it killed itself).
    async fn down(&mut self) {
        if let Some(task) = self.task.take() {
            task.await.unwrap();
        }
    }

    /// Starts it again on the same port, with what it recorded before.
    async fn revive(&mut self) {
        assert!(self.task.is_none(), "the receiver is still up");
        let listener = tokio::net::TcpListener::bind(self.addr)
            .await
            .expect("the same port again");
        self.serve(listener);
    }

    fn received(&self) -> Vec<Received> {
        self.shared.log.lock().unwrap().clone()
    }

    fn times(&self, key: &str) -> usize {
        self.received().iter().filter(|r| r.key == key).count()
    }
}

/// Yiyin's delivery client for the test: a short timeout, no connection kept between deliveries (so
/// that a killed receiver is a refused connection, every time), redirects not followed like
/// `delivery::client()`.
fn test_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_millis(500))
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .build()
        .unwrap()
}

// ---------------------------------------------------------------------------------------------
// Results through the API.

struct Bureau {
    /// The staff who take the cases through their steps.
    desk: Desk,
    /// The bureau head, who sets the departments' systems and replays dead letters.
    head: Principal,
}

async fn bureau(app: &Api) -> Bureau {
    let desk = app.desk().await;
    app.staff("hy.head", Role::BureauHead, JURISDICTION).await;
    Bureau {
        desk,
        head: app.principal("hy.head").await,
    }
}

/// The head gives the department's system (at once due: the pushes waiting go there now).
async fn set_webhook(app: &Api, bureau: &Bureau, url: &str) {
    app.app
        .set_webhook(
            &bureau.head,
            &WebhookInput {
                jurisdiction: JURISDICTION.into(),
                department: DEPARTMENT.into(),
                url: url.into(),
                active: true,
            },
        )
        .await
        .unwrap();
}

/// A quiet sealed server whose bureau gave the department's system (a receiver of its own), and the
/// test's delivery client.
async fn start(backend: Backend) -> (Api, Receiver, Bureau, reqwest::Client) {
    let app = Api::spawn_sealed_quiet(backend, "2025-03-03").await;
    let receiver = Receiver::start().await;
    let bureau = bureau(&app).await;
    set_webhook(&app, &bureau, &receiver.url()).await;
    (app, receiver, bureau, test_client())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Denied: one push (denial).
    Denied,
    /// Approved, certificate not yet issued: one push (approval).
    Approved,
    /// Approved and the licence issued: two pushes (approval, certificate).
    Licensed,
}

/// Takes an application through to `outcome`; returns the keys of the pushes it made.
async fn result(app: &Api, bureau: &Bureau, n: usize, outcome: Outcome) -> Vec<String> {
    let desk = &bureau.desk;
    let id = app.branch_case(&desk.clerk, n).await;
    let steps = match outcome {
        Outcome::Denied => desk.deciding(deny("经营场所不符合食品安全要求")),
        Outcome::Approved => desk.deciding(approve("符合条件")),
        Outcome::Licensed => desk.licensing(approve("符合条件")),
    };
    for (token, body) in steps {
        let r = app.act(token, id, body.clone()).await;
        assert_eq!(r.status, 200, "{body}: {}", r.body);
    }
    let pushes = app.store.pushes_about(id).await.unwrap();
    let kinds: Vec<&str> = pushes.iter().map(|p| p.kind.code()).collect();
    let expected: &[&str] = match outcome {
        Outcome::Denied => &["denial"],
        Outcome::Approved => &["approval"],
        Outcome::Licensed => &["approval", "certificate"],
    };
    assert_eq!(kinds, expected, "the pushes of case {id}");
    for p in &pushes {
        assert_eq!(p.status, PushStatus::Pending, "to be delivered: {p:?}");
        assert_eq!(p.department, DEPARTMENT);
    }
    pushes.into_iter().map(|p| p.idempotency_key).collect()
}

// ---------------------------------------------------------------------------------------------
// Looking at the queue.

async fn all_pushes(app: &Api) -> Vec<Push> {
    app.store
        .pushes(&PushFilter {
            jurisdiction: JURISDICTION.into(),
            department: Some(DEPARTMENT.into()),
            limit: 1000,
            ..PushFilter::default()
        })
        .await
        .unwrap()
}

async fn by_key(app: &Api, key: &str) -> Push {
    all_pushes(app)
        .await
        .into_iter()
        .find(|p| p.idempotency_key == key)
        .unwrap_or_else(|| panic!("no push {key}"))
}

async fn statuses(app: &Api, keys: &[String]) -> Vec<PushStatus> {
    let mut out = Vec::new();
    for k in keys {
        out.push(by_key(app, k).await.status);
    }
    out
}

/// Moves the clock on.
fn advance(app: &Api, ms: i64) {
    app.clock
        .set(app.app.now() + chrono::Duration::milliseconds(ms));
}

/// The server's delivery round, now by its clock.
async fn deliver(app: &Api, client: &reqwest::Client) -> usize {
    app.app.deliver_once(client).await
}

// What a server does with the queue, one transaction each (as `yiyin_app::delivery` does), for the
// races and crashes the tests stage by hand; all at the clock's now.

/// A server claims a push: its lease, or None when not due or held by another.
async fn claim(app: &Api, id: i64) -> Option<i64> {
    let mut tx = app.store.begin_write().await.unwrap();
    let lease = tx
        .claim_lease(
            Outbox::Pushes,
            id,
            app.app.now().timestamp_millis(),
            LEASE_MS,
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    lease
}

/// A server reports a failed delivery under its lease; the push's status afterwards.
async fn failed(app: &Api, id: i64, lease: i64, error: &str, policy: &RetryPolicy) -> PushStatus {
    let mut tx = app.store.begin_write().await.unwrap();
    let status = tx
        .delivery_failed(id, lease, app.app.now().timestamp_millis(), error, policy)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    status
}

/// A server reports a delivery that succeeded at `at`.
async fn succeeded(app: &Api, id: i64, at: chrono::DateTime<chrono::Utc>) {
    let mut tx = app.store.begin_write().await.unwrap();
    tx.delivery_succeeded(id, at.timestamp_millis())
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// The first back-off of the policy Yiyin delivers with, plus a moment.
fn first_backoff_ms() -> i64 {
    let d = RetryPolicy::default().next_delay(1).unwrap();
    i64::try_from(d.as_millis()).unwrap() + 1
}

/// POSTs a push the way a Yiyin server does (a server that then dies before recording it).
async fn send_like_yiyin(client: &reqwest::Client, url: &str, p: &Push) -> u16 {
    client
        .post(url)
        .header("content-type", "application/json; charset=utf-8")
        .header("idempotency-key", &p.idempotency_key)
        .header("x-yiyin-push-kind", p.kind.code())
        .header("x-yiyin-seal-id", p.seal_id.unwrap().to_string())
        .header("x-yiyin-signature", p.signature.clone().unwrap())
        .body(p.payload.clone())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// What the receiver holds, deduplicated by key, is exactly what the store holds, every push
/// delivered; every request carries the signed payload and verifies against the published seal.
async fn assert_exactly_once(app: &Api, receiver: &Receiver) -> BTreeMap<String, usize> {
    let pushes = all_pushes(app).await;
    let received = receiver.received();
    let mut times: BTreeMap<String, usize> = BTreeMap::new();
    for r in &received {
        *times.entry(r.key.clone()).or_default() += 1;
    }
    let stored: BTreeSet<&str> = pushes.iter().map(|p| p.idempotency_key.as_str()).collect();
    let arrived: BTreeSet<&str> = times.keys().map(String::as_str).collect();
    let lost: Vec<_> = stored.difference(&arrived).collect();
    let extra: Vec<_> = arrived.difference(&stored).collect();
    assert!(lost.is_empty(), "lost: {lost:?}");
    assert!(extra.is_empty(), "never queued: {extra:?}");
    for p in &pushes {
        assert_eq!(
            p.status,
            PushStatus::Delivered,
            "{}: {}",
            p.idempotency_key,
            p.last_error
        );
        assert!(p.delivered_at.is_some() && p.attempts >= 1, "{p:?}");
    }

    // The seals as published.
    let seals = app.get_json("/api/v1/seals").await.expect(200);
    let keys: BTreeMap<String, String> = seals
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["id"].as_i64().unwrap().to_string(),
                s["public_key"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for r in &received {
        let p = pushes.iter().find(|p| p.idempotency_key == r.key).unwrap();
        assert_eq!(r.body, p.payload, "the body is the payload as signed");
        assert_eq!(r.kind, p.kind.code());
        assert!(r.content_type.starts_with("application/json"), "{r:?}");
        let body: Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(body["idempotency_key"], r.key.as_str());
        assert_eq!(body["push_id"], p.id, "the body names the push");
        assert_eq!(body["kind"], r.kind.as_str());
        assert_eq!(body["department"], DEPARTMENT);
        assert_eq!(body["format"], "yiyin-push/1");
        let seal = r.seal_id.as_deref().expect("the seal is named");
        assert_eq!(Some(seal.parse::<i64>().unwrap()), p.seal_id);
        let public = keys.get(seal).expect("a published seal");
        let sig = yiyin_seal::unhex(r.signature.as_deref().expect("signed")).unwrap();
        yiyin_seal::keys::verify(public, r.body.as_bytes(), &sig)
            .unwrap_or_else(|e| panic!("{}: {e}", r.key));
        // And the signature is over exactly these bytes.
        let changed = r.body.replacen("hanyin", "ziyang", 1);
        assert!(yiyin_seal::keys::verify(public, changed.as_bytes(), &sig).is_err());
    }
    times
}

// ---------------------------------------------------------------------------------------------

async fn every_result_arrives_exactly_once(backend: Backend) {
    let (mut app, mut receiver, bureau, client) = start(backend).await;
    let mut n = 0;
    let mut next = || {
        n += 1;
        n
    };

    // 1. All well: results stream out and arrive.
    let mut keys = Vec::new();
    for outcome in [
        Outcome::Licensed,
        Outcome::Denied,
        Outcome::Licensed,
        Outcome::Approved,
        Outcome::Licensed,
    ] {
        keys.extend(result(&app, &bureau, next(), outcome).await);
    }
    assert_eq!(keys.len(), 8);
    assert_eq!(deliver(&app, &client).await, 8);
    assert_eq!(deliver(&app, &client).await, 0, "nothing left");
    assert_eq!(receiver.received().len(), 8);

    // 2. The receiver takes two pushes but answers 500 (its database failed after the write):
    // Yiyin sends them again after the back-off — delivered twice, kept once.
    let batch = [
        result(&app, &bureau, next(), Outcome::Licensed).await,
        result(&app, &bureau, next(), Outcome::Licensed).await,
    ]
    .concat();
    receiver.behave(|b| b.accept_then_fail = 2);
    assert_eq!(deliver(&app, &client).await, 2);
    let failed: Vec<Push> = {
        let mut v = Vec::new();
        for k in &batch {
            let p = by_key(&app, k).await;
            if p.status == PushStatus::Pending {
                v.push(p);
            }
        }
        v
    };
    assert_eq!(failed.len(), 2);
    for p in &failed {
        assert_eq!(p.attempts, 1);
        assert!(p.last_error.contains("HTTP 500"), "{}", p.last_error);
        assert_eq!(
            p.next_attempt_at,
            app.app.now().timestamp_millis() + first_backoff_ms() - 1,
            "retried after the first back-off"
        );
    }
    assert_eq!(deliver(&app, &client).await, 0, "not before the back-off");
    advance(&app, first_backoff_ms());
    assert_eq!(deliver(&app, &client).await, 2);
    for p in &failed {
        assert_eq!(receiver.times(&p.idempotency_key), 2);
    }

    // 3. The receiver takes one and answers too late: Yiyin gave up waiting, sends it again.
    let late = result(&app, &bureau, next(), Outcome::Approved).await;
    receiver.behave(|b| b.accept_too_late = 1);
    assert_eq!(deliver(&app, &client).await, 0);
    let p = by_key(&app, &late[0]).await;
    assert_eq!(p.status, PushStatus::Pending);
    assert!(p.last_error.contains("超时"), "{}", p.last_error);
    advance(&app, first_backoff_ms());
    assert_eq!(deliver(&app, &client).await, 1);
    assert_eq!(receiver.times(&late[0]), 2);

    // 4. The receiver answers with a redirect: a POST followed as a GET would be "delivered"
    // without its body. Yiyin's own client must not follow it.
    let moved = result(&app, &bureau, next(), Outcome::Denied).await;
    receiver.behave(|b| b.redirect = 1);
    assert_eq!(deliver(&app, &yiyin_app::delivery::client()).await, 0);
    assert_eq!(receiver.shared.redirected_gets.load(Ordering::SeqCst), 0);
    let p = by_key(&app, &moved[0]).await;
    assert_eq!(p.status, PushStatus::Pending, "a redirect is no delivery");
    assert!(p.last_error.contains("HTTP 302"), "{}", p.last_error);
    advance(&app, first_backoff_ms());
    assert_eq!(deliver(&app, &client).await, 1);

    // 5. The receiver dies mid-stream: it takes two of a round, the rest cannot connect; results
    // keep coming while it is down.
    let round = [
        result(&app, &bureau, next(), Outcome::Licensed).await,
        result(&app, &bureau, next(), Outcome::Licensed).await,
    ]
    .concat();
    receiver.behave(|b| b.die_after = Some(2));
    let delivered = deliver(&app, &client).await;
    receiver.down().await;
    assert!(
        (2..4).contains(&delivered),
        "it died after two (a third may have been taken while it was dying): {delivered}"
    );
    let while_down = [
        result(&app, &bureau, next(), Outcome::Denied).await,
        result(&app, &bureau, next(), Outcome::Approved).await,
    ]
    .concat();
    assert_eq!(deliver(&app, &client).await, 0);
    let mut waiting = Vec::new();
    for k in round.iter().chain(&while_down) {
        let p = by_key(&app, k).await;
        if p.status == PushStatus::Pending {
            assert_eq!(p.attempts, 1, "{p:?}");
            waiting.push(p);
        }
    }
    assert!(waiting.len() >= 3, "{waiting:?}");
    assert!(
        waiting
            .iter()
            .any(|p| p.last_error.contains("无法连接对方系统")),
        "{waiting:?}"
    );

    // 6. The receiver comes back on the same port. A Yiyin server claims two pushes, sends one of
    // them, and dies before recording anything; Yiyin is restarted on its database.
    receiver.revive().await;
    advance(&app, first_backoff_ms());
    let sent = &waiting[0];
    let unsent = &waiting[1];
    let before = [sent, unsent].map(|p| receiver.times(&p.idempotency_key));
    assert!(claim(&app, sent.id).await.is_some());
    assert!(claim(&app, unsent.id).await.is_some());
    assert_eq!(send_like_yiyin(&client, &receiver.url(), sent).await, 200);
    app = app.restart().await;
    // The new server delivers everything else; the claimed two wait for their leases.
    assert_eq!(deliver(&app, &client).await, waiting.len() - 2);
    assert_eq!(
        statuses(
            &app,
            &[sent.idempotency_key.clone(), unsent.idempotency_key.clone()]
        )
        .await,
        [PushStatus::Pending, PushStatus::Pending]
    );
    advance(&app, LEASE_MS - 1000);
    assert_eq!(deliver(&app, &client).await, 0, "not while leased");
    advance(&app, 1000);
    assert_eq!(deliver(&app, &client).await, 2);
    assert_eq!(receiver.times(&sent.idempotency_key), before[0] + 2);
    assert_eq!(receiver.times(&unsent.idempotency_key), before[1] + 1);

    // 7. After the restart the stream goes on (the staff's sessions survived it). The receiver is
    // killed between rounds; the department gives its address again once it is back, and the
    // pushes waiting go there at once rather than after their back-off.
    let after = [
        result(&app, &bureau, next(), Outcome::Licensed).await,
        result(&app, &bureau, next(), Outcome::Denied).await,
    ]
    .concat();
    receiver.kill().await;
    assert_eq!(deliver(&app, &client).await, 0);
    assert_eq!(
        statuses(&app, &after).await,
        vec![PushStatus::Pending; after.len()]
    );
    receiver.revive().await;
    assert_eq!(deliver(&app, &client).await, 0, "still backing off");
    set_webhook(&app, &bureau, &receiver.url()).await;
    assert_eq!(deliver(&app, &client).await, after.len());

    // Every result arrived exactly once after deduplication; none lost; some more than once.
    let times = assert_exactly_once(&app, &receiver).await;
    assert!(times.len() >= 20, "a stream of results: {}", times.len());
    let repeated = times.values().filter(|&&t| t > 1).count();
    assert!(repeated >= 4, "at least once, not exactly once: {times:?}");
    assert_eq!(
        all_pushes(&app).await.len(),
        times.len(),
        "one push per result"
    );
    let counts = app
        .store
        .push_counts(JURISDICTION, Some(DEPARTMENT), app.app.today())
        .await
        .unwrap();
    assert_eq!((counts.pending, counts.dead), (0, 0), "{counts:?}");
    receiver.kill().await;
    app.stop().await;
}

/// The queue's bookkeeping when servers race or die: a failed delivery waits out its back-off even
/// for a server that listed it before; a server whose lease ran out cannot release the lease of the
/// server that took the push over, nor undo its delivery.
async fn leases_and_outcomes_are_kept_straight(backend: Backend) {
    let (app, receiver, bureau, client) = start(backend).await;
    let policy = RetryPolicy::default();
    let keys = [
        result(&app, &bureau, 1, Outcome::Denied).await,
        result(&app, &bureau, 2, Outcome::Denied).await,
        result(&app, &bureau, 3, Outcome::Denied).await,
        result(&app, &bureau, 4, Outcome::Denied).await,
    ]
    .concat();
    let [a, b, c, d] = [0, 1, 2, 3].map(|i| keys[i].clone());
    let id = |k: &str| {
        let app = &app;
        let k = k.to_string();
        async move { by_key(app, &k).await.id }
    };

    // A: one server lists it, another claims it and fails; the first's claim must wait for the
    // back-off.
    let (a_id, now) = (id(&a).await, app.app.now());
    let listed: Vec<i64> = app
        .store
        .due_deliveries(now.timestamp_millis(), 50, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|(p, _)| p.id)
        .collect();
    assert!(listed.contains(&a_id));
    let lease = claim(&app, a_id).await.unwrap();
    assert_eq!(
        failed(&app, a_id, lease, "无法连接对方系统", &policy).await,
        PushStatus::Pending
    );
    assert_eq!(
        claim(&app, a_id).await,
        None,
        "a failed push waits out its back-off"
    );

    // B: server 1 claims and hangs; its lease runs out and server 2 takes it over; server 1's late
    // failure changes nothing (no attempt counted, server 2's lease kept).
    let b_id = id(&b).await;
    let first = claim(&app, b_id).await.unwrap();
    assert_eq!(claim(&app, b_id).await, None, "held");
    advance(&app, LEASE_MS);
    let second = claim(&app, b_id).await.unwrap();
    assert!(second > first);
    assert_eq!(
        failed(&app, b_id, first, "超时", &policy).await,
        PushStatus::Pending
    );
    let pb = by_key(&app, &b).await;
    assert_eq!((pb.attempts, pb.last_error.as_str()), (0, ""), "{pb:?}");
    assert_eq!(claim(&app, b_id).await, None, "server 2 still holds it");
    // Server 2 dies too; after its lease the push is delivered.

    // D: server 1 claims, sends, and hangs before recording; its lease runs out, server 2 claims
    // and fails for the last time (a dead letter). Server 1's success then comes in: the push did
    // arrive, it is delivered, not a dead letter to be sent again.
    let d_id = id(&d).await;
    let slow = claim(&app, d_id).await.unwrap();
    let pd = by_key(&app, &d).await;
    assert_eq!(send_like_yiyin(&client, &receiver.url(), &pd).await, 200);
    advance(&app, LEASE_MS);
    let last = claim(&app, d_id).await.unwrap();
    let no_retry = RetryPolicy {
        max_attempts: 1,
        ..policy
    };
    assert_eq!(
        failed(&app, d_id, last, "无法连接对方系统", &no_retry).await,
        PushStatus::Dead
    );
    assert_ne!(slow, last);
    succeeded(&app, d_id, app.app.now()).await;
    assert_eq!(by_key(&app, &d).await.status, PushStatus::Delivered);

    // C: server 1 claims and hangs; server 2 delivers it after the lease; server 1's failure comes
    // last and must not undo the delivery.
    let c_id = id(&c).await;
    let stale = claim(&app, c_id).await.unwrap();
    advance(&app, LEASE_MS);
    // Due now: A (its back-off is over), B (server 2's lease ran out), C.
    assert_eq!(deliver(&app, &client).await, 3);
    assert_eq!(
        failed(&app, c_id, stale, "超时", &policy).await,
        PushStatus::Delivered
    );
    let pc = by_key(&app, &c).await;
    assert_eq!(pc.status, PushStatus::Delivered);
    assert_eq!((pc.attempts, pc.last_error.as_str()), (1, ""));
    // A late success is never lost either, and a second one changes nothing.
    let delivered_at = pc.delivered_at;
    succeeded(&app, c_id, app.app.now() + chrono::Duration::seconds(5)).await;
    assert_eq!(by_key(&app, &c).await.delivered_at, delivered_at);
    assert_eq!(
        claim(&app, c_id).await,
        None,
        "a delivered push is never claimed"
    );
    let times = assert_exactly_once(&app, &receiver).await;
    assert!(times.values().all(|&t| t == 1), "{times:?}");
    app.stop().await;
}

/// A push the department's system keeps refusing is retried with growing back-off and then kept as
/// a dead letter; replayed (a logged act), it is delivered.
async fn refused_pushes_become_dead_letters_and_replay(backend: Backend) {
    let (app, receiver, bureau, client) = start(backend).await;
    let refused = result(&app, &bureau, 1, Outcome::Denied).await.remove(0);
    let others = result(&app, &bureau, 2, Outcome::Licensed).await;
    receiver.behave(|b| {
        b.refuse.insert(refused.clone());
    });
    assert_eq!(deliver(&app, &client).await, others.len());

    let policy = RetryPolicy::default();
    let mut waits = Vec::new();
    loop {
        let p = by_key(&app, &refused).await;
        if p.status == PushStatus::Dead {
            break;
        }
        assert_eq!(p.status, PushStatus::Pending);
        assert!(p.last_error.contains("HTTP 500"), "{}", p.last_error);
        let wait = p.next_attempt_at - app.app.now().timestamp_millis();
        waits.push(wait);
        // Not a moment early.
        app.clock
            .set(chrono::DateTime::from_timestamp_millis(p.next_attempt_at - 1).unwrap());
        assert_eq!(deliver(&app, &client).await, 0);
        assert_eq!(by_key(&app, &refused).await.attempts, p.attempts);
        app.clock
            .set(chrono::DateTime::from_timestamp_millis(p.next_attempt_at).unwrap());
        assert_eq!(deliver(&app, &client).await, 0);
        assert!(waits.len() <= 20, "never dies: {waits:?}");
    }
    let expected: Vec<i64> = (1..policy.max_attempts)
        .map(|f| i64::try_from(policy.next_delay(f).unwrap().as_millis()).unwrap())
        .collect();
    assert_eq!(waits, expected, "the back-off of the policy");
    let dead = by_key(&app, &refused).await;
    assert_eq!(dead.attempts, i64::from(policy.max_attempts));
    assert_eq!(
        receiver.shared.refused.load(Ordering::SeqCst),
        policy.max_attempts as usize
    );
    let counts = app
        .store
        .push_counts(JURISDICTION, Some(DEPARTMENT), app.app.today())
        .await
        .unwrap();
    assert_eq!((counts.pending, counts.dead), (0, 1), "{counts:?}");
    // A dead letter is left alone until someone replays it.
    app.clock.set(app.app.now() + chrono::Duration::days(1));
    assert_eq!(deliver(&app, &client).await, 0);
    assert_eq!(receiver.times(&refused), 0);

    // The department fixed its system; the bureau replays the dead letter.
    receiver.behave(|b| b.refuse.clear());
    let err = app
        .app
        .replay(&bureau.head, by_key(&app, &others[0]).await.id)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("只有投递失败的推送"), "{err}");
    let replayed = app.app.replay(&bureau.head, dead.id).await.unwrap();
    assert_eq!(
        (replayed.status, replayed.attempts),
        (PushStatus::Pending, 0)
    );
    assert!(
        app.app.replay(&bureau.head, dead.id).await.is_err(),
        "replayed once"
    );
    assert_eq!(deliver(&app, &client).await, 1);
    assert_eq!(receiver.times(&refused), 1);
    let times = assert_exactly_once(&app, &receiver).await;
    assert!(times.values().all(|&t| t == 1), "{times:?}");
    app.stop().await;
}
