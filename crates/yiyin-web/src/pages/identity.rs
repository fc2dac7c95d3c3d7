//! Real-name login through the unified identity platform (统一身份认证): starting a login (from the
//! login page) or the binding of a password account's identity (from the account page), the
//! provider's callback, and the state cookie that ties the callback to the browser that started it.
//! The use cases are `yiyin_app::identity`'s.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use yiyin_app::App;
use yiyin_app::identity::{Finished, LOGIN_MINUTES};

use super::account::{NextQuery, safe_next};
use super::{Page, PageResult, Query, RawForm, redirect_setting_cookie, redirect_with};
use crate::auth::{cookie, session_cookie};
use crate::error::AppError;

/// The cookie keeping the state of a login under way, sent back only to the callback.
const STATE_COOKIE: &str = "yiyin_sso_state";

fn state_cookie(state: &str, max_age_secs: i64) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{STATE_COOKIE}={state}; Path=/login/sso; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}"
    ))
    .expect("state cookie is ASCII")
}

/// Sends the browser to the provider, keeping the state in a cookie.
fn to_provider(url: &str, state: &str) -> Response {
    let mut resp = Redirect::to(url).into_response();
    resp.headers_mut()
        .append(header::SET_COOKIE, state_cookie(state, LOGIN_MINUTES * 60));
    resp
}

/// 统一身份认证登录: to the provider, returning to `next` (a local path) afterwards.
pub async fn start(State(app): State<App>, Query(q): Query<NextQuery>) -> PageResult {
    let next = safe_next(q.next.trim());
    let (url, state) = app.start_identity_login(&next, None).await?;
    Ok(to_provider(&url, &state))
}

/// A logged-in applicant binds its account to its verified identity.
pub async fn bind(page: Page, form: RawForm) -> PageResult {
    page.check_csrf(&form)?;
    page.require_applicant()?;
    let (url, state) = page
        .app
        .start_identity_login("/account", Some(page.who()))
        .await?;
    Ok(to_provider(&url, &state))
}

/// The provider's answer.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Callback {
    code: String,
    state: String,
    error: String,
}

/// The callback: logged in (or the identity bound), back to where the user was going.
pub async fn callback(
    State(app): State<App>,
    headers: HeaderMap,
    Query(c): Query<Callback>,
) -> PageResult {
    if !c.error.is_empty() {
        return Err(AppError::invalid(if c.error == "access_denied" {
            "您已在统一身份认证平台取消登录授权".to_string()
        } else {
            "统一身份认证平台未能完成本次登录，请返回登录页重新登录".to_string()
        })
        .into());
    }
    let browser = cookie(&headers, STATE_COOKIE);
    let finished = app
        .finish_identity_login(c.state.trim(), browser.as_deref(), c.code.trim())
        .await?;
    let mut resp = match finished {
        Finished::LoggedIn { session, next } => {
            let target = if next.is_empty() {
                "/my".to_string()
            } else {
                next
            };
            let max_age = (session.expires_at - app.now()).num_seconds();
            redirect_setting_cookie(&target, session_cookie(&session.token, max_age))
        }
        Finished::Bound { next } => redirect_with(
            if next.is_empty() { "/account" } else { &next },
            "实名核验已完成：您名下的全部办件和证照已归集到本账号",
        ),
    };
    resp.headers_mut()
        .append(header::SET_COOKIE, state_cookie("", 0));
    Ok(resp)
}
