//! The one-line notice shown after a redirect ("已受理", "已退出登录", a refusal told back), and the
//! frame of error pages.
//!
//! A notice is only ever text the server set: [`redirect_with`](super::redirect_with) puts it in a
//! short-lived cookie (a link cannot set one), and [`notices`] — a layer over every route — hands it
//! to the next page as its `notice` query parameter, in place of whatever the address carried, then
//! clears the cookie. A `?notice=` typed into an address (a phishing link showing "official" text)
//! is dropped before any handler reads it.
//!
//! [`dress_errors`] renders an error page (404, 403, 429, 500, …) again in the frame of whoever is
//! logged in, so a lost user keeps their header and navigation.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderValue, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use yiyin_app::App;

use super::{Chrome, PageError, error_page};
use crate::auth::{Viewer, cookie};
use crate::error::{ApiError, AppError};

/// The cookie carrying the notice to the next page.
pub const NOTICE_COOKIE: &str = "yiyin_notice";

/// The longest notice kept (a cookie holds about 4 KB; a Chinese character takes 9 bytes encoded).
const MAX_CHARS: usize = 300;

/// The `Set-Cookie` value carrying `notice` (empty and expired: clearing it).
pub fn notice_cookie(notice: &str) -> HeaderValue {
    let text: String = notice.chars().take(MAX_CHARS).collect();
    let max_age = if text.is_empty() { 0 } else { 300 };
    let value = format!(
        "{NOTICE_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}",
        yiyin_app::encode_query(&text)
    );
    HeaderValue::from_str(&value).expect("percent-encoded ASCII")
}

/// The query pairs of a request, without any `notice`, and with the server's notice when there is
/// one.
fn with_notice(query: Option<&str>, notice: Option<&str>) -> String {
    let mut pairs: Vec<(String, String)> = query
        .and_then(|q| serde_html_form::from_str(q).ok())
        .unwrap_or_default();
    pairs.retain(|(k, _)| k != "notice");
    if let Some(n) = notice.filter(|n| !n.is_empty()) {
        pairs.push(("notice".into(), n.to_string()));
    }
    serde_html_form::to_string(&pairs).unwrap_or_default()
}

/// The notice a cookie holds, decoded.
fn decode(raw: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_html_form::from_str(&format!("n={raw}")).ok()?;
    pairs.into_iter().next().map(|(_, v)| v)
}

/// The layer handing the server's notice to the next page (see the module's documentation).
pub async fn notices(mut req: Request, next: Next) -> Response {
    let flashed = cookie(req.headers(), NOTICE_COOKIE).and_then(|raw| decode(&raw));
    let query = req.uri().query();
    let sent = query.is_some_and(|q| q.contains("notice"));
    if sent || flashed.is_some() {
        let query = with_notice(query, flashed.as_deref());
        let path = req.uri().path();
        let uri = if query.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{query}")
        };
        if let Ok(uri) = uri.parse::<Uri>() {
            *req.uri_mut() = uri;
        }
    }
    let mut resp = next.run(req).await;
    // Shown once: cleared on the page that showed it (a redirect carries it on).
    if flashed.is_some() && !resp.status().is_redirection() {
        resp.headers_mut()
            .append(header::SET_COOKIE, notice_cookie(""));
    }
    resp
}

/// An error page rendered without the visitor's frame, to be dressed by [`dress_errors`].
#[derive(Debug, Clone)]
pub struct Undressed(pub AppError);

/// The layer rendering an error page again with the logged-in user's header (see the module's
/// documentation). The session is looked up only when an error page is answered.
pub async fn dress_errors(State(app): State<App>, req: Request, next: Next) -> Response {
    let headers = req.headers().clone();
    let resp = next.run(req).await;
    let Some(Undressed(error)) = resp.extensions().get::<Undressed>().cloned() else {
        return resp;
    };
    let (mut parts, _) = Request::new(()).into_parts();
    parts.headers = headers;
    let chrome = match Viewer::from_request_parts(&mut parts, &app).await {
        Ok(Viewer(Some((session, _)))) => {
            Chrome::for_account(Some(&session.account), &session.csrf, "")
        }
        _ => return resp,
    };
    let (mut head, _) = resp.into_parts();
    let dressed = error_page(chrome, &error);
    head.headers.remove(header::CONTENT_LENGTH);
    let (_, body) = dressed.into_parts();
    Response::from_parts(head, body)
}

/// Every address no route answers: a Chinese JSON error under `/api/`, a Chinese page elsewhere.
pub async fn not_found(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return ApiError::App(AppError::NotFound(
            "没有这个接口，请核对请求地址（接口说明见 /api/v1/openapi.json）".into(),
        ))
        .into_response();
    }
    PageError(AppError::NotFound(
        "您要找的页面不存在，可能地址有误或页面已移动。".into(),
    ))
    .into_response()
}
