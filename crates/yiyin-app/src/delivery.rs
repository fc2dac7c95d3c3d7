//! Delivery of pushes to the departments' own systems (webhooks): every few seconds, the pushes due
//! are claimed (a lease, so that several servers never send one at once and a server that dies
//! mid-delivery only delays it), POSTed with their idempotency key and the seal's signature, and
//! marked delivered on a 2xx answer or retried with back-off (`RetryPolicy`) until they become dead
//! letters. Delivery is at least once; the receiver drops repeats by the `Idempotency-Key` header.
//!
//! Departments are served concurrently, at most [`PARALLEL_DEPARTMENTS`] at once, each one push at
//! a time in the order queued: a department whose system is slow or dead holds only its own turn,
//! and the rounds that follow serve the others while it waits.
//!
//! What is sent: the body is the push's canonical JSON exactly as signed — it names the push by its
//! `idempotency_key` and its `push_id`, which a department's system gives back to acknowledge it
//! (`POST /api/v1/supervision/pushes/acknowledge`); headers
//! `Idempotency-Key`, `X-Yiyin-Push-Kind`, `X-Yiyin-Seal-Id` and `X-Yiyin-Signature` (SM2 with SM3,
//! DER in hex, over the body; the seal's public key is at `/api/v1/seals`).

use std::collections::HashMap;
use std::time::Duration;

use tokio::task::JoinSet;
use yiyin_domain::supervision::RetryPolicy;
use yiyin_store::outbox::Outbox;
use yiyin_store::pushes::Push;

use crate::App;
use crate::error::Result;

/// How often the queue is looked at.
pub const DELIVER_EVERY: Duration = Duration::from_secs(5);
/// How long a claimed outbox entry (a push, a notice) is ours before another server may take it:
/// well beyond either's `TIMEOUT`, so that a live server always reports before its lease runs out.
pub const LEASE_MS: i64 = 60_000;
/// How long a department's system has to answer.
const TIMEOUT: Duration = Duration::from_secs(10);
/// How many departments are delivered to at once (by one server).
pub const PARALLEL_DEPARTMENTS: usize = 4;
/// How many of one department's pushes a round takes, oldest first.
const PER_DEPARTMENT: i64 = 50;
/// How many pushes a round looks at, of all departments.
const PER_ROUND: i64 = 1_000;

/// The HTTP client for deliveries. Redirects are not followed: a POST redirected would arrive as a
/// GET without its body, and its 2xx would mark delivered what never arrived; a 3xx is a failure.
pub fn client() -> reqwest::Client {
    builder().build().unwrap_or_default()
}

fn builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("yiyin/", env!("CARGO_PKG_VERSION")))
}

/// A client for one delivery to `url`: its host resolved now and every address checked
/// (`egress`), and the connection made only to those addresses — a name resolving elsewhere a
/// moment later (DNS rebinding) cannot turn the delivery towards an internal network.
async fn pinned(
    client: &reqwest::Client,
    url: &str,
    allow: &[crate::egress::IpNet],
) -> std::result::Result<reqwest::Client, String> {
    let Some((host, addrs)) = crate::egress::resolve_allowed(url, allow, false).await? else {
        return Err(format!("无法解析接收地址「{url}」"));
    };
    if host.parse::<std::net::IpAddr>().is_ok() {
        return Ok(client.clone());
    }
    builder()
        .resolve_to_addrs(&host, &addrs)
        .build()
        .map_err(|e| format!("投递失败：{e}"))
}

/// Runs deliveries until the task is dropped: every tick, the departments not being served start
/// their round; a department still busy (a slow system) keeps its turn without holding the tick.
pub async fn run(app: App) {
    let mut deliveries = Deliveries::new(client());
    let mut tick = tokio::time::interval(DELIVER_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        deliveries.start(&app).await;
    }
}

/// A department, as (jurisdiction, department).
type Department = (String, String);

/// The departments being delivered to: one task each, at most [`PARALLEL_DEPARTMENTS`].
pub struct Deliveries {
    client: reqwest::Client,
    running: JoinSet<usize>,
    /// The department of each task running.
    busy: HashMap<tokio::task::Id, Department>,
    delivered: usize,
}

impl Deliveries {
    pub fn new(client: reqwest::Client) -> Self {
        Deliveries {
            client,
            running: JoinSet::new(),
            busy: HashMap::new(),
            delivered: 0,
        }
    }

    /// Takes back the departments whose round ended.
    fn reap(&mut self) {
        while let Some(done) = self.running.try_join_next_with_id() {
            self.finished(done);
        }
    }

    fn finished(
        &mut self,
        done: std::result::Result<(tokio::task::Id, usize), tokio::task::JoinError>,
    ) {
        match done {
            Ok((id, delivered)) => {
                self.busy.remove(&id);
                self.delivered += delivered;
            }
            Err(e) => {
                // A round that panicked: its pushes wait out their leases, as after a crash.
                tracing::warn!(error = %e, "delivery round failed");
                self.busy.remove(&e.id());
            }
        }
    }

    /// Starts a round for each department with pushes due and not being served, while fewer than
    /// [`PARALLEL_DEPARTMENTS`] run; returns how many started. The departments with the oldest
    /// pushes go first.
    pub async fn start(&mut self, app: &App) -> usize {
        self.reap();
        let due = match app
            .store
            .due_deliveries(app.now().timestamp_millis(), PER_DEPARTMENT, PER_ROUND)
            .await
        {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(error = %e, "push queue unreadable");
                return 0;
            }
        };
        // Grouped by department, in the order the queue gave (departments are contiguous).
        let mut groups: Vec<(Department, Vec<(Push, String)>)> = Vec::new();
        for (push, url) in due {
            let department = (push.jurisdiction.clone(), push.department.clone());
            match groups.last_mut() {
                Some((d, list)) if *d == department => list.push((push, url)),
                _ => groups.push((department, vec![(push, url)])),
            }
        }
        let mut started = 0;
        for (department, pushes) in groups {
            if self.running.len() >= PARALLEL_DEPARTMENTS {
                break;
            }
            if self.busy.values().any(|d| *d == department) {
                continue;
            }
            let (app, client) = (app.clone(), self.client.clone());
            let task = self
                .running
                .spawn(async move { app.deliver_in_order(&client, pushes).await });
            self.busy.insert(task.id(), department);
            started += 1;
        }
        started
    }

    /// Waits for every round started; returns how many pushes they delivered (since the last
    /// call).
    pub async fn finish(&mut self) -> usize {
        while let Some(done) = self.running.join_next_with_id().await {
            self.finished(done);
        }
        std::mem::take(&mut self.delivered)
    }
}

/// Sends one push; Err is the failure in Chinese.
async fn send(client: &reqwest::Client, push: &Push, url: &str) -> std::result::Result<(), String> {
    let mut request = client
        .post(url)
        .header("content-type", "application/json; charset=utf-8")
        .header("idempotency-key", &push.idempotency_key)
        .header("x-yiyin-push-kind", push.kind.code())
        .body(push.payload.clone());
    if let (Some(seal), Some(sig)) = (push.seal_id, &push.signature) {
        request = request
            .header("x-yiyin-seal-id", seal.to_string())
            .header("x-yiyin-signature", sig);
    }
    // Bounded even if the client has no timeout of its own: the answer must come within the lease.
    match tokio::time::timeout(TIMEOUT, request.send()).await {
        Err(_) => Err("对方系统超时未应答".to_string()),
        Ok(Ok(r)) if r.status().is_success() => Ok(()),
        Ok(Ok(r)) => Err(format!("对方系统返回 HTTP {}", r.status().as_u16())),
        Ok(Err(e)) if e.is_timeout() => Err("对方系统超时未应答".to_string()),
        Ok(Err(e)) if e.is_connect() => Err("无法连接对方系统".to_string()),
        Ok(Err(e)) => Err(format!("投递失败：{e}")),
    }
}

impl App {
    /// Takes an outbox entry for sending under a lease (None: not due, or another server has it).
    pub(crate) async fn claim_outbox(&self, outbox: Outbox, id: i64) -> Result<Option<i64>> {
        let mut tx = self.store.begin_write().await?;
        let lease = tx
            .claim_lease(outbox, id, self.now().timestamp_millis(), LEASE_MS)
            .await?;
        tx.commit().await?;
        Ok(lease)
    }

    /// Records how sending an outbox entry under `lease` went, retried by the outbox's own policy.
    pub(crate) async fn settle_outbox(
        &self,
        outbox: Outbox,
        id: i64,
        lease: i64,
        outcome: std::result::Result<(), String>,
    ) -> Result<()> {
        let policy = match outbox {
            Outbox::Pushes => RetryPolicy::default(),
            Outbox::Notices => crate::notifications::retry_policy(),
        };
        let now = self.now().timestamp_millis();
        let mut tx = self.store.begin_write().await?;
        tx.settle(
            outbox,
            id,
            lease,
            now,
            outcome.as_ref().map_err(String::as_str).copied(),
            &policy,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Delivers what is due now, the departments concurrently (at most [`PARALLEL_DEPARTMENTS`]
    /// at once; the others wait for the next round), and waits for all; returns how many were
    /// delivered. Errors are logged, never fatal.
    pub async fn deliver_once(&self, client: &reqwest::Client) -> usize {
        let mut deliveries = Deliveries::new(client.clone());
        deliveries.start(self).await;
        deliveries.finish().await
    }

    /// Delivers one department's pushes one at a time, in order; returns how many were delivered.
    async fn deliver_in_order(&self, client: &reqwest::Client, due: Vec<(Push, String)>) -> usize {
        let mut delivered = 0;
        for (push, url) in due {
            let lease = match self.claim_outbox(Outbox::Pushes, push.id).await {
                Ok(Some(lease)) => lease,
                Ok(None) => continue,
                Err(e) => {
                    tracing::warn!(push = push.id, error = %e, "push not claimed");
                    continue;
                }
            };
            let outcome = match pinned(client, &url, self.webhook_allow()).await {
                Ok(client) => send(&client, &push, &url).await,
                Err(e) => Err(e),
            };
            if outcome.is_ok() {
                delivered += 1;
            }
            if let Err(e) = self
                .settle_outbox(Outbox::Pushes, push.id, lease, outcome)
                .await
            {
                // The lease runs out and the push is sent again: at least once.
                tracing::warn!(push = push.id, error = %e, "delivery outcome not recorded");
            }
        }
        delivered
    }
}
