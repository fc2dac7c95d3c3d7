//! Throttling of attempts: logins, registrations, case tracking and document verification are
//! limited per client address and per login (the account name, the ID number registered, the case
//! number tracked), before any password is hashed or any record is looked up. An attempt over a
//! limit is answered 429 with a `Retry-After` header, in Chinese (JSON on the API, a page on the
//! pages). The limits are GCRA buckets of the `governor` crate, keyed in maps that are swept of
//! idle keys so that a flood of distinct addresses or logins cannot make them grow without bound.
//!
//! The client's address is the connection's peer; the last address of `X-Forwarded-For` (the one
//! the proxy in front added) is taken instead only when [`WebConfig::trust_forwarded_for`] says a
//! trusted reverse proxy stands in front — otherwise anyone could pick a fresh address per attempt.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::{ApiError, AppError};
use crate::pages::PageError;

/// The web layer's settings.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    pub limits: Limits,
    /// A trusted reverse proxy stands in front and sets `X-Forwarded-For`: the client's address is
    /// the last address it lists.
    pub trust_forwarded_for: bool,
    /// The demo's market-registration registry, served at `/demo/registry` only when the demo
    /// data is loaded (`demo_registry`).
    pub demo_registry: Option<std::sync::Arc<Vec<yiyin_domain::engine::SharedRecord>>>,
}

/// How many attempts are allowed: a steady rate per minute and a burst.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Attempts per minute from one client address (logins and registrations counted apart from
    /// tracking and verification look-ups).
    pub per_address_per_minute: u32,
    /// Attempts one client address may make at once before the rate applies.
    pub per_address_burst: u32,
    /// Attempts per minute on one login (account, ID number registered, case number tracked), from
    /// any address.
    pub per_login_per_minute: u32,
    pub per_login_burst: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            per_address_per_minute: 10,
            per_address_burst: 20,
            per_login_per_minute: 5,
            per_login_burst: 5,
        }
    }
}

impl Limits {
    /// Limits no test reaches by itself (for the test servers; a dedicated test lowers them).
    pub fn generous() -> Self {
        Limits {
            per_address_per_minute: 100_000,
            per_address_burst: 100_000,
            per_login_per_minute: 100_000,
            per_login_burst: 100_000,
        }
    }
}

/// What an attempt is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Attempt {
    Login,
    Register,
    Track,
    Verify,
    /// Anonymous ticket intake (诉求) on the public form or API.
    Intake,
    /// The public statistics and open data: each reads a period of up to five years.
    Report,
    /// An SMS code texted (registration) or tried (password reset), per phone.
    Code,
}

impl Attempt {
    /// The request's kind of attempt, if it is one: the throttled endpoints, in one place.
    fn of(method: &Method, path: &str, has_query: bool) -> Option<Attempt> {
        let post = method == Method::POST;
        let lookup = method == Method::GET && has_query;
        match path {
            "/api/v1/session" | "/login" if post => Some(Attempt::Login),
            // Real-name login: each start keeps a login under way, each callback asks the provider.
            "/login/sso" | "/login/sso/callback" if method == Method::GET => Some(Attempt::Login),
            "/api/v1/applicants" | "/register" if post => Some(Attempt::Register),
            "/register/code" | "/api/v1/applicants/code" | "/password/reset" if post => {
                Some(Attempt::Code)
            }
            // A recovery code is asked for a login (or a phone), like a login.
            "/password/forgot" if post => Some(Attempt::Login),
            "/api/v1/track" | "/api/v1/bundles/track" if method == Method::GET => {
                Some(Attempt::Track)
            }
            "/track" if lookup => Some(Attempt::Track),
            "/api/v1/verify" if post || method == Method::GET => Some(Attempt::Verify),
            "/verify" if post || lookup => Some(Attempt::Verify),
            "/api/v1/public/tickets" | "/suqiu" if post => Some(Attempt::Intake),
            "/api/v1/public/tickets/track" if method == Method::GET => Some(Attempt::Track),
            "/suqiu/track" if lookup => Some(Attempt::Track),
            // Rating a ticket with its query code looks the ticket up like the track page.
            "/suqiu/rate" if lookup || post => Some(Attempt::Track),
            // A partner application's Open311 request files a ticket like the public form.
            p if post && p.starts_with("/open311/v2/requests.") => Some(Attempt::Intake),
            "/api/v1/public/statistics"
            | "/api/v1/public/approvals"
            | "/api/v1/public/approvals.csv"
                if method == Method::GET =>
            {
                Some(Attempt::Report)
            }
            p if method == Method::GET && p.starts_with("/j/") && p.ends_with("/statistics") => {
                Some(Attempt::Report)
            }
            // A rating link's token is a secret looked up like a document: the same budget.
            p if p.starts_with("/rate/") || p.starts_with("/api/v1/ratings/visit/") => {
                Some(Attempt::Verify)
            }
            _ => None,
        }
    }

    /// Logins and registrations share one budget per address; look-ups another.
    fn class(self) -> Class {
        match self {
            Attempt::Login | Attempt::Register | Attempt::Code => Class::Auth,
            Attempt::Track | Attempt::Verify | Attempt::Intake | Attempt::Report => Class::Lookup,
        }
    }

    /// The field naming what is attempted on (throttled per login), if any.
    fn target_field(self) -> Option<&'static str> {
        match self {
            Attempt::Login => Some("login"),
            Attempt::Register => Some("id_number"),
            Attempt::Track => Some("number"),
            Attempt::Code => Some("phone"),
            Attempt::Verify | Attempt::Intake | Attempt::Report => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Class {
    Auth,
    Lookup,
}

/// A map of limiters is swept of idle keys at least this often (and each second while it holds
/// [`MAX_KEYS`] keys); while it still holds that many after a sweep, every attempt of its kind is
/// throttled — a flood of distinct keys costs a short wait, never the memory.
const SWEEP_EVERY: Duration = Duration::from_secs(10);
const MAX_KEYS: usize = 200_000;
/// The largest login or registration body read to find its login.
const MAX_BODY: usize = 64 * 1024;

/// One keyed limit, its map kept bounded.
struct Keyed<K: std::hash::Hash + Eq + Clone> {
    limiter: DefaultKeyedRateLimiter<K>,
    swept_ms: AtomicU64,
}

impl<K: std::hash::Hash + Eq + Clone> Keyed<K> {
    fn new(per_minute: u32, burst: u32) -> Self {
        let nz = |n: u32| NonZeroU32::new(n.max(1)).expect("at least one");
        Keyed {
            limiter: RateLimiter::keyed(Quota::per_minute(nz(per_minute)).allow_burst(nz(burst))),
            swept_ms: AtomicU64::new(0),
        }
    }

    /// Takes one attempt for `key`, or how long to wait.
    fn check(&self, key: &K, since: Instant) -> Result<(), Duration> {
        let now_ms = since.elapsed().as_millis() as u64;
        let last = self.swept_ms.load(Ordering::Relaxed);
        let since_sweep = now_ms.saturating_sub(last);
        let full = self.limiter.len() >= MAX_KEYS;
        if (since_sweep >= SWEEP_EVERY.as_millis() as u64 || full && since_sweep >= 1000)
            && self
                .swept_ms
                .compare_exchange(last, now_ms.max(1), Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        if self.limiter.len() >= MAX_KEYS {
            // Under a flood of distinct keys: refuse rather than grow.
            return Err(SWEEP_EVERY);
        }
        self.limiter
            .check_key(key)
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}

/// The limits in force, shared by every request.
pub struct Throttle {
    config: WebConfig,
    by_address: Keyed<(IpAddr, Class)>,
    by_login: Keyed<(Attempt, String)>,
    started: Instant,
}

impl std::fmt::Debug for Throttle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Throttle")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Throttle {
    pub fn new(config: WebConfig) -> Arc<Self> {
        let l = config.limits;
        Arc::new(Throttle {
            by_address: Keyed::new(l.per_address_per_minute, l.per_address_burst),
            by_login: Keyed::new(l.per_login_per_minute, l.per_login_burst),
            config,
            started: Instant::now(),
        })
    }

    /// The client's address: the peer's, or the last of `X-Forwarded-For` behind a trusted proxy.
    /// IPv6 addresses count by their /64 network (what one subscriber usually holds).
    fn client(&self, req: &Request) -> IpAddr {
        let peer = req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
        let forwarded = || {
            let value = req
                .headers()
                .get_all("x-forwarded-for")
                .iter()
                .next_back()?;
            let last = value.to_str().ok()?.rsplit(',').next()?.trim();
            last.parse::<IpAddr>()
                .ok()
                .or_else(|| last.parse::<SocketAddr>().ok().map(|s| s.ip()))
        };
        let ip = if self.config.trust_forwarded_for {
            forwarded().unwrap_or(peer)
        } else {
            peer
        };
        match ip.to_canonical() {
            IpAddr::V6(v6) => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
            v4 => v4,
        }
    }
}

/// The middleware: throttles the attempts, passes everything else through untouched.
pub async fn guard(State(throttle): State<Arc<Throttle>>, req: Request, next: Next) -> Response {
    // Programs are answered in JSON like the API; Open311 partners in the specification's error
    // array, in the format their address asks for.
    let path = req.uri().path().to_owned();
    let api = path.starts_with("/api/");
    let open311 = path.starts_with("/open311/");
    let Some(attempt) = Attempt::of(req.method(), req.uri().path(), req.uri().query().is_some())
    else {
        return next.run(req).await;
    };
    let answer = |e: AppError| {
        if open311 {
            crate::open311::refusal(&path, e)
        } else if api {
            ApiError::App(e).into_response()
        } else {
            PageError(e).into_response()
        }
    };
    let refuse = |wait: Duration| {
        tracing::warn!(?attempt, "attempt throttled");
        answer(AppError::RateLimited {
            retry_after_secs: wait.as_secs_f64().ceil().max(1.0) as u64,
        })
    };
    let address = throttle.client(&req);
    if let Err(wait) = throttle
        .by_address
        .check(&(address, attempt.class()), throttle.started)
    {
        return refuse(wait);
    }
    let Some(field) = attempt.target_field() else {
        return next.run(req).await;
    };
    let (req, target) = match target_of(req, field).await {
        Ok(found) => found,
        Err(e) => return answer(e),
    };
    if let Some(target) = target
        && let Err(wait) = throttle
            .by_login
            .check(&(attempt, target), throttle.started)
    {
        return refuse(wait);
    }
    next.run(req).await
}

/// The login an attempt names (from the query, the JSON body or the form), normalised, with the
/// request put back together for its handler.
async fn target_of(req: Request, field: &str) -> Result<(Request, Option<String>), AppError> {
    let normal = |v: &str| Some(v.trim().to_lowercase()).filter(|v| !v.is_empty());
    let pairs = |bytes: &[u8]| {
        serde_html_form::from_bytes::<Vec<(String, String)>>(bytes).unwrap_or_default()
    };
    if req.method() == Method::GET {
        let found = pairs(req.uri().query().unwrap_or("").as_bytes())
            .into_iter()
            .find(|(k, _)| k == field)
            .and_then(|(_, v)| normal(&v));
        return Ok((req, found));
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| AppError::invalid("请求体过大"))?;
    let json = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    let found = if json {
        serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .and_then(|v| v.get(field).and_then(|v| v.as_str()).and_then(normal))
    } else {
        pairs(&bytes)
            .into_iter()
            .find(|(k, _)| k == field)
            .and_then(|(_, v)| normal(&v))
    };
    Ok((
        Request::from_parts(parts, axum::body::Body::from(bytes)),
        found,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_attempts_are_throttled() {
        let get = Method::GET;
        let post = Method::POST;
        assert_eq!(
            Attempt::of(&post, "/api/v1/session", false),
            Some(Attempt::Login)
        );
        assert_eq!(Attempt::of(&Method::DELETE, "/api/v1/session", false), None);
        assert_eq!(Attempt::of(&post, "/login", false), Some(Attempt::Login));
        assert_eq!(Attempt::of(&get, "/login", true), None);
        assert_eq!(
            Attempt::of(&get, "/login/sso/callback", true),
            Some(Attempt::Login)
        );
        assert_eq!(Attempt::of(&get, "/login/sso", true), Some(Attempt::Login));
        assert_eq!(
            Attempt::of(&post, "/register", false),
            Some(Attempt::Register)
        );
        assert_eq!(Attempt::of(&get, "/track", false), None);
        // A bundle is tracked by its number and the applicant's ID number, like a case.
        assert_eq!(
            Attempt::of(&get, "/api/v1/bundles/track", false),
            Some(Attempt::Track)
        );
        assert_eq!(Attempt::of(&get, "/track", true), Some(Attempt::Track));
        // Rating a ticket with its query code: throttled like the track page.
        assert_eq!(
            Attempt::of(&post, "/suqiu/rate", false),
            Some(Attempt::Track)
        );
        assert_eq!(Attempt::of(&get, "/suqiu/rate", true), Some(Attempt::Track));
        assert_eq!(
            Attempt::of(&get, "/api/v1/verify", true),
            Some(Attempt::Verify)
        );
        assert_eq!(Attempt::of(&post, "/verify", false), Some(Attempt::Verify));
        assert_eq!(Attempt::of(&get, "/api/v1/cases", true), None);
        assert_eq!(
            Attempt::of(&post, "/open311/v2/requests.xml", false),
            Some(Attempt::Intake)
        );
        assert_eq!(Attempt::of(&get, "/open311/v2/requests.json", true), None);
        assert_eq!(
            Attempt::of(&get, "/api/v1/public/statistics", true),
            Some(Attempt::Report)
        );
        assert_eq!(
            Attempt::of(&get, "/j/hanyin/statistics", false),
            Some(Attempt::Report)
        );
        assert_eq!(Attempt::of(&get, "/j/hanyin/ratings", false), None);
    }

    #[test]
    fn a_flood_of_distinct_keys_stays_bounded() {
        let keyed: Keyed<u64> = Keyed::new(60, 1);
        let since = Instant::now();
        for key in 0..(MAX_KEYS as u64 + 10) {
            let _ = keyed.check(&key, since);
        }
        assert!(keyed.limiter.len() <= MAX_KEYS);
        assert!(
            keyed.check(&0, since).is_err(),
            "the first key used its burst"
        );
    }
}
