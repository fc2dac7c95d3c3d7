//! Logging in and out, and registering as an applicant, from pages. Forms of visitors without a
//! session carry a double-submit token (a cookie and a hidden field that must match).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use yiyin_app::App;
use yiyin_app::accounts::{Registration, check_registration, random_token};

use super::{
    Chrome, FieldErrors, Form, PageResult, PageUser, RawForm, redirect_setting_cookie,
    redirect_with, render,
};
use crate::api::session::session_cookie;
use crate::auth::{SESSION_COOKIE, cookie};
use crate::error::AppError;

const FORM_COOKIE: &str = "yiyin_form";

/// The visitor's form token: the cookie's, or a new one (with the cookie to set).
fn form_token(headers: &HeaderMap) -> (String, Option<HeaderValue>) {
    match cookie(headers, FORM_COOKIE).filter(|t| t.len() == 64) {
        Some(t) => (t, None),
        None => {
            let t = random_token();
            let c = HeaderValue::from_str(&format!(
                "{FORM_COOKIE}={t}; Path=/; HttpOnly; SameSite=Lax"
            ))
            .expect("ascii");
            (t, Some(c))
        }
    }
}

fn check_form_token<T>(headers: &HeaderMap, form: &Form<T>) -> Result<(), AppError> {
    match cookie(headers, FORM_COOKIE) {
        Some(t) if t == form.csrf => Ok(()),
        _ => Err(AppError::Forbidden(
            "表单已过期，请刷新页面后重新提交".into(),
        )),
    }
}

fn with_cookie(mut resp: Response, c: Option<HeaderValue>) -> Response {
    if let Some(c) = c {
        resp.headers_mut().append(axum::http::header::SET_COOKIE, c);
    }
    resp
}

#[derive(Template)]
#[template(path = "account/login.html")]
struct LoginPage {
    chrome: Chrome,
    login: String,
    next: String,
    error: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    pub next: String,
    #[serde(default)]
    pub notice: String,
}

/// Only local paths may be redirected to after login: a path starting with one `/`, without a
/// backslash (browsers read `/\host` as another site) or a control character.
fn safe_next(next: &str) -> String {
    if next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control)
    {
        next.to_string()
    } else {
        String::new()
    }
}

pub async fn login_form(headers: HeaderMap, Query(q): Query<NextQuery>) -> PageResult {
    let (token, set) = form_token(&headers);
    let page = LoginPage {
        chrome: Chrome {
            csrf: token,
            notice: q.notice.clone(),
            ..Chrome::default()
        },
        login: String::new(),
        next: safe_next(&q.next),
        error: String::new(),
    };
    Ok(with_cookie(render(&page)?, set))
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

pub async fn login(
    State(state): State<App>,
    headers: HeaderMap,
    form: Form<LoginForm>,
) -> PageResult {
    check_form_token(&headers, &form)?;
    let login = form.data.login.trim().to_string();
    let next = safe_next(form.data.next.trim());
    match state.login(&login, &form.data.password).await? {
        Ok(session) => {
            let target = if !next.is_empty() {
                next
            } else if session.account.is_staff() {
                "/work".to_string()
            } else {
                "/my".to_string()
            };
            let max_age = (session.expires_at - state.now()).num_seconds();
            Ok(redirect_setting_cookie(
                &target,
                session_cookie(&session.token, max_age),
            ))
        }
        Err(e) => {
            let page = LoginPage {
                chrome: Chrome {
                    csrf: form.csrf.clone(),
                    ..Chrome::default()
                },
                login,
                next,
                error: e.to_string(),
            };
            let mut resp = render(&page)?;
            *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
    }
}

pub async fn logout(
    State(state): State<App>,
    user: PageUser,
    headers: HeaderMap,
    form: RawForm,
) -> PageResult {
    user.check_csrf(&form)?;
    if let Some(t) = cookie(&headers, SESSION_COOKIE) {
        state.logout(&t).await?;
    }
    let mut resp = redirect_with("/", "已退出登录");
    resp.headers_mut()
        .append(axum::http::header::SET_COOKIE, session_cookie("", 0));
    Ok(resp)
}

#[derive(Template)]
#[template(path = "account/register.html")]
struct RegisterPage {
    chrome: Chrome,
    kind: String,
    name: String,
    id_number: String,
    phone: String,
    errors: FieldErrors,
}

pub async fn register_form(headers: HeaderMap) -> PageResult {
    let (token, set) = form_token(&headers);
    let page = RegisterPage {
        chrome: Chrome {
            csrf: token,
            ..Chrome::default()
        },
        kind: "person".into(),
        name: String::new(),
        id_number: String::new(),
        phone: String::new(),
        errors: FieldErrors::default(),
    };
    Ok(with_cookie(render(&page)?, set))
}

#[derive(Debug, Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password2: String,
}

pub async fn register(
    State(state): State<App>,
    headers: HeaderMap,
    form: Form<RegisterForm>,
) -> PageResult {
    check_form_token(&headers, &form)?;
    let f = &form.data;
    let r = Registration {
        kind: f.kind.trim().to_string(),
        name: f.name.trim().to_string(),
        id_number: f.id_number.trim().to_string(),
        phone: f.phone.trim().to_string(),
        password: f.password.clone(),
    };
    let mut errors = FieldErrors::default();
    if f.password != f.password2 {
        errors.add("password2", "两次输入的密码不一致");
    }
    if let Err(problems) = check_registration(&r) {
        for (field, message) in problems {
            errors.add(field, message);
        }
    }
    if errors.is_empty() {
        match state.register(&r).await {
            Ok(_) => return Ok(redirect_with("/login", "注册成功，请用证件号码和密码登录")),
            Err(AppError::Conflict(m)) => errors.add("id_number", m),
            Err(e) => return Err(e.into()),
        }
    }
    let page = RegisterPage {
        chrome: Chrome {
            csrf: form.csrf.clone(),
            ..Chrome::default()
        },
        kind: r.kind,
        name: r.name,
        id_number: r.id_number,
        phone: r.phone,
        errors,
    };
    let mut resp = render(&page)?.into_response();
    *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(resp)
}
