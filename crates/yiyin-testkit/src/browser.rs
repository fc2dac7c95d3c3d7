//! A test server as a browser uses it: a client of its own that keeps cookies, logs in and keeps
//! the session's CSRF token, posts the pages' forms and hand-made bodies (multipart uploads cut
//! short, say), and reads what it was answered: the status, the page and where it redirects.

use serde_json::{Value, json};

use crate::app::{PASSWORD, TOTP_SECRET};
use crate::web::Api;

/// A new browser: it keeps cookies and does not follow redirects.
pub fn new_browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client")
}

/// What a browser was answered: the status, the page (empty when it is not text) and where it
/// redirects (empty when it does not).
pub async fn answered(r: reqwest::Response) -> (u16, String, String) {
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .map(|v| v.to_str().expect("a readable location").to_string())
        .unwrap_or_default();
    (status, r.text().await.unwrap_or_default(), location)
}

/// The case a redirect after applying or receiving names (`/my/cases/{id}` or `/work/cases/{id}`,
/// with a query or without).
#[track_caller]
pub fn case_of(location: &str) -> i64 {
    location
        .strip_prefix("/my/cases/")
        .or_else(|| location.strip_prefix("/work/cases/"))
        .and_then(|rest| rest.split('?').next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("a case page: {location}"))
}

/// Opens a page with `browser` (the cookie it sets is kept); returns the page and the token of
/// its form (`name="csrf"`).
pub async fn form_page(browser: &reqwest::Client, url: &str) -> (String, String) {
    let html = browser
        .get(url)
        .send()
        .await
        .expect("the server answers")
        .text()
        .await
        .expect("a page");
    let token = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a form token")
        .to_string();
    (html, token)
}

/// A form's fields as a browser sends them (`application/x-www-form-urlencoded`).
pub fn urlencoded<K: AsRef<str>, V: AsRef<str>>(fields: &[(K, V)]) -> String {
    fn escape(text: &str) -> String {
        let mut out = String::new();
        for byte in text.bytes() {
            match byte {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                    out.push(byte as char)
                }
                b' ' => out.push('+'),
                _ => out.push_str(&format!("%{byte:02X}")),
            }
        }
        out
    }
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", escape(k.as_ref()), escape(v.as_ref())))
        .collect::<Vec<_>>()
        .join("&")
}

impl Api {
    /// Logs `login` in with the test password on the cookie client, as a browser does; returns
    /// the session's CSRF token.
    pub async fn browser_login(&self, login: &str) -> String {
        self.browser_login_with(json!({"login": login, "password": PASSWORD}))
            .await
    }

    /// The same with a fresh code of [`TOTP_SECRET`], for the roles that need the second factor.
    pub async fn browser_login_totp(&self, login: &str) -> String {
        let code = self.totp_code(TOTP_SECRET);
        self.browser_login_with(json!({"login": login, "password": PASSWORD, "totp": code}))
            .await
    }

    /// Logs in on the cookie client with these credentials; returns the session's CSRF token.
    pub async fn browser_login_with(&self, credentials: Value) -> String {
        self.log_in_on(&self.client, credentials).await
    }

    /// Logs in on `browser` (one of [`new_browser`]'s) with these credentials, asserting that the
    /// login succeeds; returns the session's CSRF token.
    pub async fn log_in_on(&self, browser: &reqwest::Client, credentials: Value) -> String {
        let r = browser
            .post(self.url("/api/v1/session"))
            .json(&credentials)
            .send()
            .await
            .expect("the server answers");
        assert_eq!(r.status().as_u16(), 200, "login {credentials}");
        let session: Value = r.json().await.expect("a session");
        session["csrf_token"]
            .as_str()
            .expect("a CSRF token")
            .to_string()
    }

    /// Posts a form of `fields` (urlencoded) as a visitor without a session (the plain client);
    /// returns the status and the page.
    pub async fn post_form_plain<K: AsRef<str>, V: AsRef<str>>(
        &self,
        path: &str,
        fields: &[(K, V)],
    ) -> (u16, String) {
        let r = self
            .plain
            .post(self.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(urlencoded(fields))
            .send()
            .await
            .expect("the server answers");
        (r.status().as_u16(), r.text().await.unwrap_or_default())
    }

    /// Posts a form of `fields` (urlencoded) with the cookie client; returns the answer as it came.
    pub async fn post_form<K: AsRef<str>, V: AsRef<str>>(
        &self,
        path: &str,
        fields: &[(K, V)],
    ) -> reqwest::Response {
        let form = "application/x-www-form-urlencoded";
        self.post_as_sent(path, form, urlencoded(fields)).await
    }

    /// Posts `body` as it is, of `content_type` (a urlencoded form written by hand, a multipart
    /// body cut short), with the cookie client; returns status, page and where it redirects.
    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> (u16, String, String) {
        answered(self.post_as_sent(path, content_type, body).await).await
    }

    /// As [`Self::post_raw`] for a body the server should refuse without reading: `None` when the
    /// server answered and closed the connection while the body was still being written (the
    /// client then fails writing, before it can read the answer: a refusal all the same).
    pub async fn post_unread(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> Option<(u16, String, String)> {
        let sent = self
            .client
            .post(self.url(path))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await;
        match sent {
            Ok(r) => Some(answered(r).await),
            Err(e) if e.is_request() && !e.is_timeout() && !e.is_connect() => None,
            Err(e) => panic!("the server answers: {e:?}"),
        }
    }

    async fn post_as_sent(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("the server answers")
    }
}
