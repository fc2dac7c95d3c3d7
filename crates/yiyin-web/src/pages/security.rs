//! The account page (`/account`): changing one's own password, enrolling two-step verification (a
//! QR code of the `otpauth://` URI drawn as SVG, the secret in groups of four, confirmed with a
//! code), and logging out everywhere (退出所有设备). Thin calls of `yiyin_app::users` and
//! `yiyin_app::totp`.

use crate::pages::Query;
use askama::Template;
use axum::http::header;
use serde::Deserialize;
use yiyin_app::totp::Enrolment;

use super::{
    Chrome, FieldErrors, Form, Notice, Page, PageResult, RawForm, redirect_with, render,
    unprocessable,
};
use crate::auth::session_cookie;
use crate::error::AppError;

#[derive(Template)]
#[template(path = "account/security.html")]
struct AccountPage {
    chrome: Chrome,
    name: String,
    login: String,
    staff: bool,
    /// The account holds a role needing the second factor.
    needs_totp: bool,
    enrolled: bool,
    /// Must enrol before the role's work opens.
    must_enrol: bool,
    /// A secret being enrolled, with its QR code (SVG).
    enrolment: Option<(Enrolment, String)>,
    /// The e-mail address and notification channels (`/account/notifications`).
    notify: yiyin_app::notifications::NotificationSettings,
    errors: FieldErrors,
    /// The identity verified for an applicant's account, as a line (empty: not verified).
    identity_line: String,
    /// Whether the account may verify its identity through the unified identity platform.
    sso: bool,
}

/// An applicant's verified identity as the account page states it.
fn identity_line(a: &yiyin_store::accounts::Account) -> String {
    let Some(v) = &a.verified else {
        return String::new();
    };
    let at = chrono::DateTime::from_timestamp_millis(v.verified_at)
        .map(|t| {
            t.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8"))
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default();
    format!(
        "已实名核验：{}（证件号码 {}），{} 经统一身份认证平台（{}）核验",
        v.name,
        v.id_number.masked(),
        at,
        v.provider
    )
}

/// The QR code of a text, as an SVG element.
fn qr_svg(text: &str) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
        Err(_) => String::new(),
    }
}

pub(super) async fn account_view(
    page: &Page,
    notice: &str,
    enrolment: Option<Enrolment>,
    errors: FieldErrors,
) -> PageResult {
    let a = page.account();
    // The stored account: the session's lacks the grants waiting for the second factor.
    let stored = page.app.store.account(a.id).await?;
    let enrolled = page.app.totp_enrolled(a.id).await?;
    let notify = page.app.notification_settings(page.who()).await?;
    render(&AccountPage {
        chrome: page.chrome(notice),
        name: a.name.clone(),
        login: a.login.clone(),
        staff: a.is_staff(),
        needs_totp: yiyin_app::totp::needs_second_factor(&stored.grants),
        enrolled,
        must_enrol: page.user.session.enrol_second_factor,
        enrolment: enrolment.map(|e| {
            let svg = qr_svg(&e.uri);
            (e, svg)
        }),
        notify,
        errors,
        identity_line: identity_line(&stored),
        sso: page.app.identity_login_offered(),
    })
}

pub async fn account_page(page: Page, Query(n): Query<Notice>) -> PageResult {
    account_view(&page, &n.notice, None, FieldErrors::default()).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    old_password: String,
    new_password: String,
    new_password2: String,
}

/// Changes one's own password; every session ends, so the user logs in again.
pub async fn change_password(page: Page, form: Form<PasswordForm>) -> PageResult {
    page.check_csrf(&form)?;
    let f = &form.data;
    let mut errors = FieldErrors::default();
    if f.new_password != f.new_password2 {
        errors.add("new_password2", "两次输入的新密码不一致");
    } else {
        match page
            .app
            .change_password(page.who(), &f.old_password, &f.new_password)
            .await
        {
            Ok(()) => {
                let mut resp = redirect_with("/login", "密码已修改，请用新密码重新登录");
                resp.headers_mut()
                    .append(header::SET_COOKIE, session_cookie("", 0));
                return Ok(resp);
            }
            Err(AppError::Invalid { field, message }) => {
                let field = match field.as_deref() {
                    Some("password") | None => "new_password",
                    Some(other) => other,
                }
                .to_string();
                errors.add(&field, message)
            }
            Err(e) => return Err(e.into()),
        }
    }
    unprocessable(account_view(&page, "", None, errors).await)
}

/// Ends every session of the account (退出所有设备).
pub async fn logout_everywhere(page: Page, form: RawForm) -> PageResult {
    page.check_csrf(&form)?;
    page.app.end_all_sessions(page.who()).await?;
    let mut resp = redirect_with("/", "已在所有设备上退出登录");
    resp.headers_mut()
        .append(header::SET_COOKIE, session_cookie("", 0));
    Ok(resp)
}

/// Offers a new secret: the page shows its QR code and the secret to confirm.
pub async fn start_totp(page: Page, form: RawForm) -> PageResult {
    page.check_csrf(&form)?;
    let enrolment = page.app.start_totp(page.who()).await?;
    account_view(&page, "", Some(enrolment), FieldErrors::default()).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CodeForm {
    code: String,
}

/// Confirms the secret offered with a code; the user logs in again with the second factor.
pub async fn confirm_totp(page: Page, form: Form<CodeForm>) -> PageResult {
    page.check_csrf(&form)?;
    match page.app.confirm_totp(page.who(), &form.data.code).await {
        Ok(()) => Ok(redirect_with(
            "/account",
            "已启用两步验证：今后登录时须输入手机验证器显示的动态验证码",
        )),
        Err(e @ AppError::Invalid { .. }) => {
            let mut errors = FieldErrors::default();
            errors.add_error(&e, "code");
            unprocessable(account_view(&page, "", None, errors).await)
        }
        Err(e) => Err(e.into()),
    }
}
