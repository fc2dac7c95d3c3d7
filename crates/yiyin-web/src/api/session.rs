//! Logging in and out, the current account, and applicant registration.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yiyin_app::App;
use yiyin_app::accounts::Registration;
use yiyin_app::totp::Enrolment;
use yiyin_store::accounts::Account;

use crate::auth::{Caller, SESSION_COOKIE, Signed, Via, cookie, session_cookie};
use crate::error::{ApiError, ApiResult, Body, ErrorBody};

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    /// Staff login name, or an applicant's ID number / credit code.
    pub login: String,
    pub password: String,
    /// The six-digit code of the authenticator app, for accounts with two-step verification
    /// (without it such an account is answered 401 `totp_required`).
    #[serde(default)]
    pub totp: Option<String>,
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
    /// The account holds a deciding or administrative role but has not enrolled two-step
    /// verification: the session carries none of those roles until `POST`/`PUT /api/v1/me/totp`.
    pub enrol_second_factor: bool,
}

/// Log in.
#[utoipa::path(post, path = "/api/v1/session", tag = "账号", request_body = LoginRequest,
    responses((status = 200, body = SessionInfo), (status = 401, body = ErrorBody)))]
pub async fn login(State(state): State<App>, Body(req): Body<LoginRequest>) -> ApiResult<Response> {
    let session = state
        .login(&req.login, &req.password, req.totp.as_deref())
        .await?
        .map_err(ApiError::Login)?;
    let max_age = (session.expires_at - state.now()).num_seconds();
    let body = SessionInfo {
        token: session.token.clone(),
        csrf_token: session.csrf.clone(),
        expires_at: session.expires_at.timestamp_millis(),
        enrol_second_factor: session.enrol_second_factor,
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

/// A phone to text a registration code to.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    /// A mainland mobile number (11 digits from 1).
    pub phone: String,
}

/// Text a registration code (短信验证码, valid 10 minutes) to a phone, before `POST
/// /api/v1/applicants` on a server that texts; one per phone a minute.
#[utoipa::path(post, path = "/api/v1/applicants/code", tag = "账号", request_body = CodeRequest,
    responses((status = 204), (status = 404, body = ErrorBody, description = "the server does not text (registration asks no code)"),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody),
        (status = 503, body = ErrorBody, description = "the SMS gateway did not take the text")))]
pub async fn registration_code(
    State(state): State<App>,
    Body(r): Body<CodeRequest>,
) -> ApiResult<StatusCode> {
    state.request_registration_code(&r.phone).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Log out everywhere (退出所有设备): every session of the account ends, this one included.
#[utoipa::path(delete, path = "/api/v1/me/sessions", tag = "账号",
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn logout_everywhere(call: Caller) -> ApiResult<Response> {
    call.app.end_all_sessions(&call.who).await?;
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut()
        .append(header::SET_COOKIE, session_cookie("", 0));
    Ok(resp)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordChange {
    pub old_password: String,
    /// Checked against the password policy; every session of the account ends.
    pub new_password: String,
}

/// Change one's own password; every session of the account ends (log in again).
#[utoipa::path(put, path = "/api/v1/me/password", tag = "账号", request_body = PasswordChange,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn change_password(
    call: Caller,
    Body(req): Body<PasswordChange>,
) -> ApiResult<StatusCode> {
    call.app
        .change_password(&call.who, &req.old_password, &req.new_password)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Start enrolling two-step verification: a new secret and its `otpauth://` URI (for a QR code).
#[utoipa::path(post, path = "/api/v1/me/totp", tag = "账号",
    responses((status = 200, body = Enrolment), (status = 409, body = ErrorBody)))]
pub async fn start_totp(call: Caller) -> ApiResult<Json<Enrolment>> {
    Ok(Json(call.app.start_totp(&call.who).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TotpCode {
    /// The six digits the authenticator app shows now.
    pub code: String,
}

/// Confirm two-step verification with a code of the secret offered; every later login asks for a
/// code.
#[utoipa::path(put, path = "/api/v1/me/totp", tag = "账号", request_body = TotpCode,
    responses((status = 204), (status = 422, body = ErrorBody)))]
pub async fn confirm_totp(call: Caller, Body(req): Body<TotpCode>) -> ApiResult<StatusCode> {
    call.app.confirm_totp(&call.who, &req.code).await?;
    Ok(StatusCode::NO_CONTENT)
}
