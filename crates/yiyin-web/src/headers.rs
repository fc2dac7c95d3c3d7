//! The security headers of every answer, set in one place: a Content-Security-Policy allowing only
//! Yiyin's own scripts, styles and images (no inline script or style: the pages' behaviour lives
//! in `static/yiyin.js`), no framing, no sniffing, the referrer kept within the site, nothing
//! cached for a signed-in user or from the API, and — when the public address is `https://` —
//! HSTS and `Secure` cookies.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// Only Yiyin's own resources; inline SVG (seals, QR codes) is markup, not a resource.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// HSTS for a year, once the bureau serves Yiyin over HTTPS.
const HSTS: &str = "max-age=31536000";

/// Whether Yiyin is served over HTTPS, known from its public address (`--public-url`).
#[derive(Debug, Clone, Copy)]
pub struct Https(pub bool);

impl Https {
    pub fn of(public_url: &str) -> Self {
        Https(public_url.to_ascii_lowercase().starts_with("https://"))
    }
}

/// Whether the request is made by a signed-in user (a bearer token or a session cookie).
fn signed_in(headers: &HeaderMap) -> bool {
    headers.contains_key(header::AUTHORIZATION)
        || headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.contains(crate::auth::SESSION_COOKIE))
}

/// Middleware: sets the security headers on every answer.
pub async fn secure(State(https): State<Https>, req: Request, next: Next) -> Response {
    let private = req.uri().path().starts_with("/api/") || signed_in(req.headers());
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let mut set = |name: header::HeaderName, value: &'static str| {
        if !h.contains_key(&name) {
            h.insert(name, HeaderValue::from_static(value));
        }
    };
    set(header::CONTENT_SECURITY_POLICY, CSP);
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::REFERRER_POLICY, "same-origin");
    if private {
        set(header::CACHE_CONTROL, "no-store");
    }
    if https.0 {
        set(header::STRICT_TRANSPORT_SECURITY, HSTS);
        let cookies: Vec<HeaderValue> = h
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|c| match c.to_str() {
                Ok(s) if !s.to_ascii_lowercase().contains("; secure") => {
                    HeaderValue::from_str(&format!("{s}; Secure")).unwrap_or_else(|_| c.clone())
                }
                _ => c.clone(),
            })
            .collect();
        h.remove(header::SET_COOKIE);
        for c in cookies {
            h.append(header::SET_COOKIE, c);
        }
    }
    res
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body;
    use axum::http::Request;
    use axum::routing::get;
    use tower::ServiceExt;

    use super::*;

    async fn answer(https: bool, signed_in: bool) -> Response {
        let app = Router::new()
            .route(
                "/",
                get(|| async { ([(header::SET_COOKIE, "a=b; Path=/; HttpOnly")], "x") }),
            )
            .layer(axum::middleware::from_fn_with_state(Https(https), secure));
        let mut req = Request::get("/");
        if signed_in {
            req = req.header(header::COOKIE, format!("{}=t", crate::auth::SESSION_COOKIE));
        }
        app.oneshot(req.body(Body::empty()).unwrap()).await.unwrap()
    }

    #[tokio::test]
    async fn over_https_cookies_are_secure_and_hsts_is_sent() {
        let res = answer(true, true).await;
        let h = res.headers();
        assert_eq!(h[header::SET_COOKIE], "a=b; Path=/; HttpOnly; Secure");
        assert_eq!(h[header::STRICT_TRANSPORT_SECURITY], HSTS);
        assert_eq!(h[header::CACHE_CONTROL], "no-store");
        assert_eq!(h[header::CONTENT_SECURITY_POLICY], CSP);

        let res = answer(false, false).await;
        let h = res.headers();
        assert_eq!(h[header::SET_COOKIE], "a=b; Path=/; HttpOnly");
        assert!(!h.contains_key(header::STRICT_TRANSPORT_SECURITY));
        assert!(
            !h.contains_key(header::CACHE_CONTROL),
            "a public page may be cached"
        );
        assert!(Https::of("HTTPS://yiyin.hanyin.gov.cn").0);
        assert!(!Https::of("http://127.0.0.1:8080").0);
    }
}
