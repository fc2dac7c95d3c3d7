//! Delivery of pushes to the departments' own systems (webhooks): every few seconds, the pushes due
//! are claimed (a lease, so that several servers never send one at once and a server that dies
//! mid-delivery only delays it), POSTed with their idempotency key and the seal's signature, and
//! marked delivered on a 2xx answer or retried with back-off (`RetryPolicy`) until they become dead
//! letters. Delivery is at least once; the receiver drops repeats by the `Idempotency-Key` header.
//!
//! What is sent: the body is the push's canonical JSON exactly as signed; headers
//! `Idempotency-Key`, `X-Yiyin-Push-Kind`, `X-Yiyin-Seal-Id` and `X-Yiyin-Signature` (SM2 with SM3,
//! DER in hex, over the body; the seal's public key is at `/api/v1/seals`).

use std::time::Duration;

use yiyin_domain::supervision::RetryPolicy;

use crate::state::AppState;

/// How often the queue is looked at.
pub const DELIVER_EVERY: Duration = Duration::from_secs(5);
/// How long a claimed push is ours before another server may take it: well beyond `TIMEOUT`, so
/// that a live server always reports before its lease runs out.
pub const LEASE_MS: i64 = 60_000;
/// How long a department's system has to answer.
const TIMEOUT: Duration = Duration::from_secs(10);

/// The HTTP client for deliveries. Redirects are not followed: a POST redirected would arrive as a
/// GET without its body, and its 2xx would mark delivered what never arrived; a 3xx is a failure.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("yiyin/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_default()
}

/// Runs deliveries until the task is dropped.
pub async fn run(state: AppState) {
    let client = client();
    let mut tick = tokio::time::interval(DELIVER_EVERY);
    // After a long round (slow receivers), wait a whole interval rather than catch up in a burst.
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        deliver_once(&state, &client).await;
    }
}

/// Delivers what is due now; returns how many were delivered. Errors are logged, never fatal.
pub async fn deliver_once(state: &AppState, client: &reqwest::Client) -> usize {
    let policy = RetryPolicy::default();
    let due = match state.store.due_deliveries(state.now(), 50).await {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(error = %e, "push queue unreadable");
            return 0;
        }
    };
    let mut delivered = 0;
    for (push, url) in due {
        let lease = match state
            .store
            .claim_delivery(push.id, state.now(), LEASE_MS)
            .await
        {
            Ok(Some(lease)) => lease,
            Ok(None) => continue,
            Err(e) => {
                tracing::warn!(push = push.id, error = %e, "push not claimed");
                continue;
            }
        };
        let mut request = client
            .post(&url)
            .header("content-type", "application/json; charset=utf-8")
            .header("idempotency-key", &push.idempotency_key)
            .header("x-yiyin-push-kind", push.kind.code())
            .body(push.payload.clone());
        if let (Some(seal), Some(sig)) = (push.seal_id, &push.signature) {
            request = request
                .header("x-yiyin-seal-id", seal.to_string())
                .header("x-yiyin-signature", sig);
        }
        // Bounded even if the client has no timeout of its own: the answer must come within the
        // lease.
        let outcome = match tokio::time::timeout(TIMEOUT, request.send()).await {
            Err(_) => Err("对方系统超时未应答".to_string()),
            Ok(Ok(r)) if r.status().is_success() => Ok(()),
            Ok(Ok(r)) => Err(format!("对方系统返回 HTTP {}", r.status().as_u16())),
            Ok(Err(e)) if e.is_timeout() => Err("对方系统超时未应答".to_string()),
            Ok(Err(e)) if e.is_connect() => Err("无法连接对方系统".to_string()),
            Ok(Err(e)) => Err(format!("投递失败：{e}")),
        };
        let now = state.now();
        let written = match outcome {
            Ok(()) => {
                delivered += 1;
                state.store.delivery_succeeded(push.id, now).await
            }
            Err(error) => state
                .store
                .delivery_failed(push.id, lease, now, &error, &policy)
                .await
                .map(|_| ()),
        };
        if let Err(e) = written {
            // The lease runs out and the push is sent again: at least once.
            tracing::warn!(push = push.id, error = %e, "delivery outcome not recorded");
        }
    }
    delivered
}
