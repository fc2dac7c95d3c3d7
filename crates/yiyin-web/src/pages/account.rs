//! Logging in and out, and registering as an applicant, from pages. Forms of visitors without a
//! session carry a double-submit token (a cookie and a hidden field that must match).

use crate::pages::Query;
use askama::Template;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use yiyin_app::App;
use yiyin_app::accounts::{Registration, check_registration, random_token};

use super::{
    Chrome, FieldErrors, Form, Page, PageError, PageResult, RawForm, redirect_setting_cookie,
    redirect_with, render, unprocessable,
};
use crate::auth::{SESSION_COOKIE, cookie, session_cookie};
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

/// A form of a visitor without a session (log in, register), its token checked against the
/// visitor's cookie (double submit), with the application.
pub struct VisitorForm<T> {
    app: App,
    form: Form<T>,
}

impl<T: DeserializeOwned> FromRequest<App> for VisitorForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, app: &App) -> Result<Self, Self::Rejection> {
        let sent = cookie(req.headers(), FORM_COOKIE);
        let form = Form::<T>::from_request(req, app).await?;
        match sent {
            Some(t) if t == form.csrf => Ok(VisitorForm {
                app: app.clone(),
                form,
            }),
            _ => Err(PageError(AppError::Forbidden(
                "表单已过期，请刷新页面后重新提交".into(),
            ))
            .into_response()),
        }
    }
}

/// A visitor's form page (log in, register), its frame carrying the visitor's form token — a new
/// one, set as a cookie, when the visitor has none.
fn visitor_form<T: Template>(
    headers: &HeaderMap,
    notice: &str,
    page: impl FnOnce(Chrome) -> T,
) -> PageResult {
    let (token, set) = form_token(headers);
    let mut resp: Response = render(&page(Chrome::anonymous(&token, notice)))?;
    if let Some(c) = set {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(resp)
}

#[derive(Template)]
#[template(path = "account/login.html")]
struct LoginPage {
    chrome: Chrome,
    login: String,
    next: String,
    error: String,
    /// Whether 统一身份认证登录 is offered.
    sso: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NextQuery {
    pub next: String,
    pub notice: String,
}

/// Only local paths may be redirected to after login: a path starting with one `/`, without a
/// backslash (browsers read `/\host` as another site) or a control character.
pub(crate) fn safe_next(next: &str) -> String {
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

pub async fn login_form(
    axum::extract::State(app): axum::extract::State<App>,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> PageResult {
    visitor_form(&headers, &q.notice, |chrome| LoginPage {
        chrome,
        login: String::new(),
        next: safe_next(&q.next),
        error: String::new(),
        sso: app.identity_login_offered(),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    login: String,
    password: String,
    /// The code of two-step verification, for accounts that have enrolled it.
    totp: String,
    next: String,
}

pub async fn login(VisitorForm { app, form }: VisitorForm<LoginForm>) -> PageResult {
    let login = form.data.login.trim().to_string();
    let next = safe_next(form.data.next.trim());
    let totp = Some(form.data.totp.trim()).filter(|t| !t.is_empty());
    match app.login(&login, &form.data.password, totp).await? {
        Ok(session) => {
            // A role needing two-step verification opens only once it is enrolled.
            let target = if session.enrol_second_factor {
                "/account".to_string()
            } else if !next.is_empty() {
                next
            } else if session.account.is_staff() {
                "/work".to_string()
            } else {
                "/my".to_string()
            };
            let max_age = (session.expires_at - app.now()).num_seconds();
            Ok(redirect_setting_cookie(
                &target,
                session_cookie(&session.token, max_age),
            ))
        }
        Err(e) => unprocessable(render(&LoginPage {
            chrome: Chrome::anonymous(&form.csrf, ""),
            login,
            next,
            error: e.to_string(),
            sso: app.identity_login_offered(),
        })),
    }
}

pub async fn logout(page: Page, headers: HeaderMap, form: RawForm) -> PageResult {
    page.check_csrf(&form)?;
    if let Some(t) = cookie(&headers, SESSION_COOKIE) {
        page.app.logout(&t).await?;
    }
    let mut resp = redirect_with("/", "已退出登录");
    resp.headers_mut()
        .append(header::SET_COOKIE, session_cookie("", 0));
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
    next: String,
    /// Whether a 短信验证码 is asked (this server texts).
    sms: bool,
    errors: FieldErrors,
}

pub async fn register_form(
    axum::extract::State(app): axum::extract::State<App>,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> PageResult {
    visitor_form(&headers, "", |chrome| RegisterPage {
        chrome,
        kind: "person".into(),
        name: String::new(),
        id_number: String::new(),
        phone: String::new(),
        next: safe_next(&q.next),
        sms: app.sms_configured(),
        errors: FieldErrors::default(),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RegisterForm {
    kind: String,
    name: String,
    id_number: String,
    phone: String,
    password: String,
    password2: String,
    /// The 短信验证码 sent to the phone (when this server texts).
    code: String,
    next: String,
}

impl RegisterForm {
    /// The registration page again with what was typed (never the passwords).
    fn again(&self, app: &App, csrf: &str, notice: &str, errors: FieldErrors) -> RegisterPage {
        RegisterPage {
            chrome: Chrome::anonymous(csrf, notice),
            kind: self.kind.trim().to_string(),
            name: self.name.trim().to_string(),
            id_number: self.id_number.trim().to_string(),
            phone: self.phone.trim().to_string(),
            next: safe_next(self.next.trim()),
            sms: app.sms_configured(),
            errors,
        }
    }
}

/// 获取验证码 on the registration page: texts a code to the phone typed, and shows the page again.
pub async fn register_code(VisitorForm { app, form }: VisitorForm<RegisterForm>) -> PageResult {
    let f = &form.data;
    match app.request_registration_code(&f.phone).await {
        Ok(()) => render(&f.again(
            &app,
            &form.csrf,
            "验证码已发送到您的手机，10分钟内有效",
            FieldErrors::default(),
        )),
        Err(e @ (AppError::Invalid { .. } | AppError::TooMany(_) | AppError::Unavailable(_))) => {
            let mut errors = FieldErrors::default();
            errors.add_error(&e, "code");
            unprocessable(render(&f.again(&app, &form.csrf, "", errors)))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn register(VisitorForm { app, form }: VisitorForm<RegisterForm>) -> PageResult {
    let f = &form.data;
    let r = Registration {
        kind: f.kind.trim().to_string(),
        name: f.name.trim().to_string(),
        id_number: f.id_number.trim().to_string(),
        phone: f.phone.trim().to_string(),
        password: f.password.clone(),
        code: f.code.clone(),
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
        match app.register_and_log_in(&r).await {
            Ok(session) => {
                // Logged in at once, and back where the visitor was going.
                let next = safe_next(f.next.trim());
                let target = if next.is_empty() {
                    "/my".to_string()
                } else {
                    next
                };
                let max_age = (session.expires_at - app.now()).num_seconds();
                return Ok(redirect_setting_cookie(
                    &target,
                    session_cookie(&session.token, max_age),
                ));
            }
            Err(AppError::Conflict(m)) => errors.add("id_number", m),
            Err(e @ AppError::Invalid { .. }) => errors.add_error(&e, "code"),
            Err(e) => return Err(e.into()),
        }
    }
    unprocessable(render(&f.again(&app, &form.csrf, "", errors)))
}

#[derive(Template)]
#[template(path = "account/forgot.html")]
struct ForgotPage {
    chrome: Chrome,
    login: String,
    errors: FieldErrors,
}

/// 忘记密码: the login (or phone) to text a recovery code for.
pub async fn forgot_form(headers: HeaderMap) -> PageResult {
    visitor_form(&headers, "", |chrome| ForgotPage {
        chrome,
        login: String::new(),
        errors: FieldErrors::default(),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ForgotForm {
    login: String,
}

/// Texts a recovery code; the same answer whether the account exists or not.
pub async fn forgot(VisitorForm { app, form }: VisitorForm<ForgotForm>) -> PageResult {
    match app.request_recovery_code(&form.data.login).await {
        Ok(told) => Ok(redirect_with("/password/reset", told)),
        Err(e @ (AppError::Invalid { .. } | AppError::Unavailable(_))) => {
            let mut errors = FieldErrors::default();
            errors.add_error(&e, "login");
            unprocessable(render(&ForgotPage {
                chrome: Chrome::anonymous(&form.csrf, ""),
                login: form.data.login.trim().to_string(),
                errors,
            }))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "account/reset.html")]
struct ResetPage {
    chrome: Chrome,
    phone: String,
    errors: FieldErrors,
}

/// The phone, the code and the new password.
pub async fn reset_form(headers: HeaderMap, Query(q): Query<NextQuery>) -> PageResult {
    visitor_form(&headers, &q.notice, |chrome| ResetPage {
        chrome,
        phone: String::new(),
        errors: FieldErrors::default(),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ResetForm {
    phone: String,
    code: String,
    password: String,
    password2: String,
}

/// Sets the new password (every session of the account ends), then the login page.
pub async fn reset(VisitorForm { app, form }: VisitorForm<ResetForm>) -> PageResult {
    let f = &form.data;
    let mut errors = FieldErrors::default();
    if f.password != f.password2 {
        errors.add("password2", "两次输入的密码不一致");
    } else {
        match app
            .reset_password_with_code(&f.phone, &f.code, &f.password)
            .await
        {
            Ok(()) => {
                return Ok(redirect_with(
                    "/login",
                    "密码已重设，原有登录均已退出，请用新密码登录",
                ));
            }
            Err(e @ AppError::Invalid { .. }) => errors.add_error(&e, "code"),
            Err(e) => return Err(e.into()),
        }
    }
    unprocessable(render(&ResetPage {
        chrome: Chrome::anonymous(&form.csrf, ""),
        phone: f.phone.trim().to_string(),
        errors,
    }))
}
