//! Logging in and out, the current account, and applicant registration.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yiyin_domain::ids::{CitizenId, CreditCode};
use yiyin_store::accounts::{Account, SubjectKind};

use crate::auth::{SESSION_COOKIE, Signed, Via, cookie};
use crate::error::{ApiResult, AppError};
use crate::state::AppState;

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
    responses((status = 200, body = SessionInfo), (status = 401, body = crate::error::ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    Json(req): Json<LoginRequest>,
) -> ApiResult<Response> {
    let session = state
        .store
        .login(&req.login, &req.password, state.now())
        .await?
        .map_err(|e| AppError::BadRequest {
            code: "login_failed",
            message: e.to_string(),
            details: vec![],
        })?;
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
    responses((status = 204), (status = 401, body = crate::error::ErrorBody)))]
pub async fn logout(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let token = match signed.via {
        Via::Cookie => cookie(&headers, SESSION_COOKIE).unwrap_or_default(),
        Via::Bearer => signed.session.token.clone(),
    };
    state.store.logout(&token).await?;
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut()
        .append(header::SET_COOKIE, session_cookie("", 0));
    Ok(resp)
}

/// The logged-in account.
#[utoipa::path(get, path = "/api/v1/me", tag = "账号",
    responses((status = 200, body = Account), (status = 401, body = crate::error::ErrorBody)))]
pub async fn me(signed: Signed) -> Json<Account> {
    Json(signed.session.account)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Registration {
    /// `person` (citizen ID number) or `organisation` (unified social credit code).
    pub kind: String,
    /// Name, or the organisation's name.
    pub name: String,
    /// Citizen ID number or unified social credit code: the login.
    pub id_number: String,
    pub phone: String,
    pub password: String,
}

/// Validates a registration's identity fields; every problem, in Chinese.
pub fn check_registration(r: &Registration) -> Result<(SubjectKind, String), Vec<String>> {
    let mut problems = Vec::new();
    let kind = SubjectKind::parse(&r.kind);
    let mut id = String::new();
    match kind {
        None => problems
            .push("申请人类型应为 person（自然人）或 organisation（法人和其他组织）".to_string()),
        Some(SubjectKind::Person) => match CitizenId::parse(&r.id_number) {
            Ok(v) => id = v.to_string(),
            Err(e) => problems.push(e.to_string()),
        },
        Some(SubjectKind::Organisation) => match CreditCode::parse(&r.id_number) {
            Ok(v) => id = v.to_string(),
            Err(e) => problems.push(e.to_string()),
        },
    }
    if r.name.trim().is_empty() {
        problems.push("姓名或单位名称不能为空".into());
    }
    let phone = r.phone.trim();
    if !(phone.len() == 11 && phone.starts_with('1') && phone.bytes().all(|b| b.is_ascii_digit())) {
        problems.push("手机号码应为11位数字，以1开头".into());
    }
    if let Err(e) = yiyin_store::accounts::check_password(&r.password) {
        problems.push(e);
    }
    match (kind, problems.is_empty()) {
        (Some(k), true) => Ok((k, id)),
        _ => Err(problems),
    }
}

/// Register as an applicant (person or organisation).
#[utoipa::path(post, path = "/api/v1/applicants", tag = "账号", request_body = Registration,
    responses((status = 201, body = Account), (status = 409, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    Json(r): Json<Registration>,
) -> ApiResult<(StatusCode, Json<Account>)> {
    let (kind, id) = check_registration(&r).map_err(|details| AppError::BadRequest {
        code: "invalid_input",
        message: details.join("；"),
        details,
    })?;
    let account = state
        .store
        .create_applicant(kind, &id, &r.name, &r.phone, &r.password)
        .await?;
    Ok((StatusCode::CREATED, Json(account)))
}
