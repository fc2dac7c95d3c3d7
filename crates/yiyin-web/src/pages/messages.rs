//! The message centre (`/messages`, 消息中心) of any logged-in account — its in-site messages,
//! newest first, the unread marked, each opened (and so marked read) or marked read — and the
//! notification settings posted from the account page (`/account/notifications`: e-mail address,
//! SMS and e-mail on or off). Thin calls of `yiyin_app::notifications`.

use askama::Template;
use axum::response::IntoResponse;
use chrono::{TimeZone, Utc};
use serde::Deserialize;
use yiyin_app::notifications::NotificationSettings;
use yiyin_domain::notifications::NotificationKind;

use super::{Chrome, FieldErrors, Form, Page, PageResult, Query, RawForm, redirect_with, render};
use crate::error::AppError;
use crate::pages::Path;

/// A message as the list shows it.
struct Line {
    id: i64,
    kind: String,
    subject: String,
    body: String,
    at: String,
    unread: bool,
}

#[derive(Template)]
#[template(path = "account/messages.html")]
struct MessagesPage {
    chrome: Chrome,
    lines: Vec<Line>,
    unread: i64,
    unread_only: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MessagesQuery {
    /// `1`: only the unread.
    pub unread: String,
    pub notice: String,
}

pub(crate) fn when(ms: i64) -> String {
    Utc.timestamp_millis_opt(ms)
        .single()
        .map(|t| {
            t.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("CST"))
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

/// The message centre.
pub async fn messages_page(page: Page, Query(q): Query<MessagesQuery>) -> PageResult {
    let unread_only = q.unread == "1";
    let messages = page.app.messages(page.who(), unread_only, 200, 0).await?;
    let unread = page.app.unread_messages(page.who()).await?;
    let lines = messages
        .into_iter()
        .map(|m| Line {
            id: m.id,
            kind: NotificationKind::parse(&m.kind)
                .map(|k| k.label().to_string())
                .unwrap_or_default(),
            subject: m.subject,
            body: m.body,
            at: when(m.created_at),
            unread: m.read_at.is_none(),
        })
        .collect();
    render(&MessagesPage {
        chrome: page.chrome(&q.notice),
        lines,
        unread,
        unread_only,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReadForm {
    /// `1`: open the message's page after marking it read.
    open: String,
}

/// Marks a message read, then opens its page or returns to the list.
pub async fn read(page: Page, Path(id): Path<i64>, form: Form<ReadForm>) -> PageResult {
    page.check_csrf(&form)?;
    page.app.mark_message_read(page.who(), id).await?;
    if form.data.open == "1"
        && let Some(m) = page.app.store.message_of(id, page.account().id).await?
        && m.link.starts_with('/')
        && !m.link.starts_with("//")
    {
        return Ok(axum::response::Redirect::to(&m.link).into_response());
    }
    Ok(redirect_with("/messages", "已标记为已读"))
}

/// Marks every unread message read.
pub async fn read_all(page: Page, form: RawForm) -> PageResult {
    page.check_csrf(&form)?;
    for m in page.app.messages(page.who(), true, 200, 0).await? {
        page.app.mark_message_read(page.who(), m.id).await?;
    }
    Ok(redirect_with("/messages", "全部消息已标记为已读"))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NotificationsForm {
    email: String,
    /// A checkbox: present ("on") when ticked.
    sms: String,
    email_enabled: String,
}

/// Sets the account's e-mail address and channels; a refusal shows on the account page beside the
/// field.
pub async fn set_notifications(page: Page, form: Form<NotificationsForm>) -> PageResult {
    page.check_csrf(&form)?;
    let f = &form.data;
    let settings = NotificationSettings {
        email: f.email.clone(),
        sms: !f.sms.is_empty(),
        email_enabled: !f.email_enabled.is_empty(),
    };
    match page
        .app
        .set_notification_settings(page.who(), &settings)
        .await
    {
        Ok(_) => Ok(redirect_with("/account", "通知方式已保存")),
        Err(e @ AppError::Invalid { .. }) => {
            let mut errors = FieldErrors::default();
            errors.add_error(&e, "email");
            super::unprocessable(super::security::account_view(&page, "", None, errors).await)
        }
        Err(e) => Err(e.into()),
    }
}
