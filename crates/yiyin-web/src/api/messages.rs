//! The message centre's API (站内消息) and each account's notification settings: any logged-in
//! account reads its own messages and marks them read, and sets its e-mail address and channels;
//! the system administrators see the notices that did not go out and send a dead one again. Thin
//! calls of `yiyin_app::notifications` and `yiyin_app::notice_desk`.

use axum::Json;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yiyin_app::notice_desk::{FailedNotice, NoticeDesk};
use yiyin_app::notifications::NotificationSettings;
use yiyin_store::notifications::InboxMessage;

use super::paging::PageQuery;
use crate::auth::{Caller, CallerFor, gate};
use crate::error::{ApiResult, Body, ErrorBody, Path, Query};

/// Which messages to list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct MessageQuery {
    /// Only the unread ones.
    pub unread: bool,
    /// At most this many (1–200, default 50).
    pub limit: Option<i64>,
    /// Skip this many (paging).
    pub offset: Option<i64>,
}

/// The account's messages with the count of the unread.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageList {
    /// How many messages are unread.
    pub unread: i64,
    /// Newest first.
    pub messages: Vec<InboxMessage>,
}

/// The logged-in account's in-site messages (站内消息), newest first, and how many are unread.
#[utoipa::path(get, path = "/api/v1/messages", tag = "账号", params(MessageQuery),
    responses((status = 200, body = MessageList), (status = 401, body = ErrorBody)))]
pub async fn list(call: Caller, Query(q): Query<MessageQuery>) -> ApiResult<Json<MessageList>> {
    let messages = call
        .app
        .messages(
            &call.who,
            q.unread,
            q.limit.unwrap_or(50),
            q.offset.unwrap_or(0),
        )
        .await?;
    let unread = call.app.unread_messages(&call.who).await?;
    Ok(Json(MessageList { unread, messages }))
}

/// Mark one of one's messages read (again: nothing changes); another account's is not found.
#[utoipa::path(post, path = "/api/v1/messages/{id}/read", tag = "账号",
    params(("id" = i64, Path, description = "消息编号")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn read(call: Caller, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    call.app.mark_message_read(&call.who, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The account's e-mail address and notification channels (站内消息 is always on).
#[utoipa::path(get, path = "/api/v1/me/notifications", tag = "账号",
    responses((status = 200, body = NotificationSettings), (status = 401, body = ErrorBody)))]
pub async fn settings(call: Caller) -> ApiResult<Json<NotificationSettings>> {
    Ok(Json(call.app.notification_settings(&call.who).await?))
}

/// Set the account's e-mail address and notification channels (SMS to the account's phone,
/// e-mail to the address).
#[utoipa::path(put, path = "/api/v1/me/notifications", tag = "账号",
    request_body = NotificationSettings,
    responses((status = 200, body = NotificationSettings), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn set_settings(
    call: Caller,
    Body(req): Body<NotificationSettings>,
) -> ApiResult<Json<NotificationSettings>> {
    Ok(Json(
        call.app.set_notification_settings(&call.who, &req).await?,
    ))
}

/// The notices (SMS and e-mail) about a jurisdiction's cases that did not go out: dead ones (retries
/// spent) first, then those still retried; addresses masked, texts not shown; a page at a time
/// (`next` is the `after` of the next page, none on the last). For the system administrators of
/// the jurisdiction.
#[utoipa::path(get, path = "/api/v1/jurisdictions/{code}/notifications/failed", tag = "账号",
    params(("code" = String, Path, description = "县区代码"), PageQuery),
    responses((status = 200, body = NoticeDesk), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn failed(
    call: CallerFor<gate::ManageNotifications>,
    Path(code): Path<String>,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<NoticeDesk>> {
    Ok(Json(
        call.app
            .failed_notices(&call.who, &code, &q.after, q.limit)
            .await?,
    ))
}

/// Send a dead notice again (its retries were spent): due at once, under its own key. Logged.
#[utoipa::path(post, path = "/api/v1/notifications/{id}/resend", tag = "账号",
    params(("id" = i64, Path, description = "通知编号")),
    responses((status = 200, body = FailedNotice), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn resend(
    call: CallerFor<gate::ManageNotifications>,
    Path(id): Path<i64>,
) -> ApiResult<Json<FailedNotice>> {
    Ok(Json(call.app.resend_notification(&call.who, id).await?))
}
