//! Logging in and out, the current account, and applicant registration.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yiyin_app::App;
use yiyin_app::accounts::Registration;
use yiyin_store::accounts::Account;

use crate::auth::{Caller, SESSION_COOKIE, Signed, Via, cookie};
use crate::error::{ApiError, ApiResult, Body, ErrorBody};

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    /// Staff login name, or an applicant's ID number / credit code.
    pub login: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionInfo {
    pub account: Account,
    /// Send as `Authorization: Bearer <token>` from API clients (browsers get a cookie).
    pub token: String,
    /// Send as `X-CSRF-Token` with every write made with the cookie.
    pub csrf_token: String,
    /// Milliseconds since the Unix epoch.
    pub expires_at: i64,
}

/// The `Set-Cookie` value of a session.
pub fn session_cookie(token: &str, max_age_secs: i64) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}"
    ))
    .expect("cookie is ASCII")
}

/// Log in.
#[utoipa::path(post, path = "/api/v1/session", tag = "账号", request_body = LoginRequest,
    responses((status = 200, body = SessionInfo), (status = 401, body = ErrorBody)))]
pub async fn login(State(state): State<App>, Body(req): Body<LoginRequest>) -> ApiResult<Response> {
    let session = state
        .login(&req.login, &req.password)
        .await?
        .map_err(ApiError::Login)?;
    let max_age = (session.expires_at - state.now()).num_seconds();
    let body = SessionInfo {
        token: session.token.clone(),
        csrf_token: session.csrf.clone(),
        expires_at: session.expires_at.timestamp_millis(),
        account: session.account,
    };
    let mut resp = Json(body).into_response();
    resp.headers_mut()
        .append(header::SET_COOKIE, session_cookie(&session.token, max_age));
    Ok(resp)
}

/// Log out.
#[utoipa::path(delete, path = "/api/v1/session", tag = "账号",
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn logout(call: Caller, headers: HeaderMap) -> ApiResult<Response> {
    let token = match call.who.via {
        Via::Cookie => cookie(&headers, SESSION_COOKIE).unwrap_or_default(),
        Via::Bearer => call.who.session.token.clone(),
    };
    call.app.logout(&token).await?;
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut()
        .append(header::SET_COOKIE, session_cookie("", 0));
    Ok(resp)
}

/// The logged-in account.
#[utoipa::path(get, path = "/api/v1/me", tag = "账号",
    responses((status = 200, body = Account), (status = 401, body = ErrorBody)))]
pub async fn me(signed: Signed) -> Json<Account> {
    Json(signed.session.account)
}

/// Register as an applicant (person or organisation).
#[utoipa::path(post, path = "/api/v1/applicants", tag = "账号", request_body = Registration,
    responses((status = 201, body = Account), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn register(
    State(state): State<App>,
    Body(r): Body<Registration>,
) -> ApiResult<(StatusCode, Json<Account>)> {
    let account = state.register(&r).await?;
    Ok((StatusCode::CREATED, Json(account)))
}
