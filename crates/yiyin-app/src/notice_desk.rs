//! The notices that did not go out, as the system administrator oversees them (通知发送监控): the
//! SMS and e-mail about a jurisdiction's cases that failed — the dead ones (retries spent) and those
//! still retried — and sending a dead one again, a logged act. Nothing acknowledged is lost: a dead
//! notice stays in the outbox until it is sent again by hand.
//!
//! The desk shows what is needed to mend the sending and no more: the case, the kind, the channel,
//! the address masked, the attempts and the last error — never the text, which is the applicant's.

use serde::Serialize;
use serde_json::json;
use yiyin_domain::authz::Operation;
use yiyin_domain::notifications::{
    NotificationChannel, NotificationKind, check_resend, masked_address,
};
use yiyin_store::events::NewEvent;
use yiyin_store::notifications::{NoticeKey, OutboxRow};

use crate::App;
use crate::error::{AppError, Result};
use crate::paging::{bad_cursor, cut, page_limit};
use crate::principal::Principal;

/// The most notices a page of the desk lists.
pub const NOTICE_DESK_LIMIT: i64 = 200;

/// A notice that failed, as the desk shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FailedNotice {
    pub id: i64,
    pub case_id: Option<i64>,
    pub case_number: String,
    /// The notification kind's code (`supplement_notice` …) and its name.
    pub kind: String,
    pub kind_label: String,
    /// `sms` or `email`, and its name.
    pub channel: String,
    pub channel_label: String,
    /// The phone number or e-mail address, masked.
    pub address: String,
    pub attempts: i64,
    pub last_error: String,
    /// Milliseconds since the epoch.
    pub created_at: i64,
    /// When it is tried next (milliseconds since the epoch); meaningless once dead.
    pub next_attempt_at: i64,
    /// Its retries are spent: it goes again only when sent again by hand.
    pub dead: bool,
}

impl FailedNotice {
    fn of(row: OutboxRow, case_number: String) -> Self {
        let kind = NotificationKind::parse(&row.kind);
        let channel = NotificationChannel::parse(&row.channel);
        FailedNotice {
            id: row.id,
            case_id: row.case_id,
            case_number,
            kind_label: kind.map_or_else(|| row.kind.clone(), |k| k.label().to_string()),
            kind: row.kind,
            channel_label: channel.map_or_else(|| row.channel.clone(), |c| c.label().to_string()),
            address: masked_address(channel.unwrap_or(NotificationChannel::Sms), &row.address),
            channel: row.channel,
            attempts: row.attempts,
            last_error: row.last_error,
            created_at: row.created_at,
            next_attempt_at: row.next_attempt_at,
            dead: row.dead,
        }
    }
}

/// A jurisdiction's failed notices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoticeDesk {
    pub jurisdiction: String,
    /// How many are dead (retries spent) and how many are still retried.
    pub dead: i64,
    pub retrying: i64,
    /// The dead first, then the retried, newest first; a page of at most [`NOTICE_DESK_LIMIT`].
    pub notices: Vec<FailedNotice>,
    /// The cursor to give as `after` for the next page; None on the last page.
    pub next: Option<String>,
}

impl App {
    /// A page of the failed notices about a jurisdiction's cases, after the cursor `after` (empty:
    /// the first page), `limit` a page (1 to [`NOTICE_DESK_LIMIT`]): for those who manage the
    /// sending there.
    pub async fn failed_notices(
        &self,
        who: &Principal,
        jurisdiction: &str,
        after: &str,
        limit: Option<i64>,
    ) -> Result<NoticeDesk> {
        who.require_in(Operation::ManageNotifications, jurisdiction)?;
        let limit = page_limit(limit, NOTICE_DESK_LIMIT)?;
        let after = match after.trim() {
            "" => None,
            a => Some(NoticeKey::parse(a).ok_or_else(bad_cursor)?),
        };
        let (mut rows, dead, retrying) = self
            .store
            .failed_notifications(jurisdiction, after, limit + 1)
            .await?;
        let next = cut(&mut rows, limit, |(row, _)| NoticeKey::of(row).cursor());
        Ok(NoticeDesk {
            jurisdiction: jurisdiction.to_string(),
            dead,
            retrying,
            notices: rows
                .into_iter()
                .map(|(row, number)| FailedNotice::of(row, number))
                .collect(),
            next,
        })
    }

    /// Sends a dead notice again (attempts from zero, due now; the sender takes it within seconds):
    /// a logged act of one who manages the sending in its case's jurisdiction. A notice sent, or
    /// still retried, is refused.
    #[tracing::instrument(skip_all, fields(account = who.account.id))]
    pub async fn resend_notification(&self, who: &Principal, id: i64) -> Result<FailedNotice> {
        let missing = || AppError::NotFound("没有这条通知".into());
        let row = self.store.outbox_row(id).await?.ok_or_else(missing)?;
        let case = self.store.case(row.case_id.ok_or_else(missing)?).await?;
        who.require_in(Operation::ManageNotifications, &case.jurisdiction)?;
        check_resend(row.sent_at.is_some(), row.dead)?;
        let at = self.now();
        let mut tx = self.store.begin_write().await?;
        if !tx.resend_notification(id, at.timestamp_millis()).await? {
            // Sent again by someone else since it was read.
            return Err(AppError::Conflict(
                "该通知刚刚已被重新发送，请刷新后查看".into(),
            ));
        }
        tx.append_events(&[NewEvent::new(
            &who.actor(&self.org()),
            at,
            &case.jurisdiction,
            Some(case.id),
            "notification_resend",
            format!("重新发送通知（上次错误：{}）", row.last_error),
            json!({"notification": id, "key": row.idempotency_key, "channel": row.channel}),
        )])
        .await?;
        tx.commit().await?;
        let row = self.store.outbox_row(id).await?.ok_or_else(missing)?;
        Ok(FailedNotice::of(row, case.number))
    }
}
