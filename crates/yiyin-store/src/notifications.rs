//! Notifications as rows: the outbox of SMS and e-mail (written in the transaction of the event that
//! causes it, unique by idempotency key, claimed with a lease while it is sent, retried with the
//! domain's back-off, kept as a dead letter when exhausted, never deleted); the in-site inbox
//! (站内消息) with its read marks; each account's e-mail address and channel preferences; the open
//! cases with a due date coming close (the staff's 即将超期 notices).

use chrono::NaiveDate;
use serde::Serialize;
use yiyin_domain::notifications::Preferences;
use yiyin_domain::supervision::{RetryPolicy, kept_error};

use crate::rows::{Statement, WithLast, columns_of, day, insert, record, select, sql};
use crate::{Result, Store, WriteTx};

record! {
    /// A notice to send by SMS or e-mail, as kept.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
    pub struct OutboxRow {
        pub id: i64,
        pub idempotency_key: String,
        pub account_id: Option<i64>,
        /// The phone number or the e-mail address.
        pub address: String,
        /// `sms` or `email` (`yiyin_domain::notifications::NotificationChannel`).
        pub channel: String,
        pub kind: String,
        pub case_id: Option<i64>,
        pub subject: String,
        pub body: String,
        pub created_at: i64,
        pub attempts: i64,
        pub next_attempt_at: i64,
        pub lease_until: i64,
        pub sent_at: Option<i64>,
        pub dead: bool,
        pub last_error: String,
    }
}

record! {
    /// An in-site message.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct InboxMessage {
        pub id: i64,
        #[serde(skip)]
        pub account_id: i64,
        /// The notification kind's code (`supplement_notice` …).
        pub kind: String,
        pub case_id: Option<i64>,
        pub subject: String,
        pub body: String,
        /// The page to open, relative to the portal's address.
        pub link: String,
        /// Milliseconds since the epoch.
        pub created_at: i64,
        pub read_at: Option<i64>,
    }
}

record! {
    /// An account's e-mail address and channels.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
    pub struct PrefsRow {
        pub account_id: i64,
        pub email: String,
        pub sms: bool,
        pub email_enabled: bool,
    }
}

impl PrefsRow {
    pub fn preferences(&self) -> Preferences {
        Preferences {
            sms: self.sms,
            email: self.email_enabled,
        }
    }
}

/// A notice to queue.
#[derive(Debug, Clone)]
pub struct NewOutbox<'a> {
    pub idempotency_key: &'a str,
    pub account_id: Option<i64>,
    pub address: &'a str,
    pub channel: &'a str,
    pub kind: &'a str,
    pub case_id: Option<i64>,
    pub subject: &'a str,
    pub body: &'a str,
    pub at_ms: i64,
}

/// An in-site message to put in an inbox.
#[derive(Debug, Clone)]
pub struct NewMessage<'a> {
    pub idempotency_key: &'a str,
    pub account_id: i64,
    pub kind: &'a str,
    pub case_id: Option<i64>,
    pub subject: &'a str,
    pub body: &'a str,
    pub link: &'a str,
    pub at_ms: i64,
}

/// Who a case's notices go to: an applicant's account and its number, looked up in the write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reader {
    pub account_id: i64,
    pub phone: String,
    pub prefs: Option<PrefsRow>,
}

/// Where a page of failed notices ends, in the desk's order (the dead first, newest first): whether
/// the notice is dead, and its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoticeKey {
    pub dead: bool,
    pub id: i64,
}

impl NoticeKey {
    /// The key of a notice.
    pub fn of(row: &OutboxRow) -> NoticeKey {
        NoticeKey {
            dead: row.dead,
            id: row.id,
        }
    }

    /// The key as a client gives it back (`dead_id`, dead 1 or 0).
    pub fn cursor(&self) -> String {
        format!("{}_{}", i64::from(self.dead), self.id)
    }

    /// A key given back by a client; None when it is not one.
    pub fn parse(text: &str) -> Option<NoticeKey> {
        let (dead, id) = text.split_once('_')?;
        Some(NoticeKey {
            dead: match dead {
                "1" => true,
                "0" => false,
                _ => return None,
            },
            id: id.parse().ok().filter(|i: &i64| *i > 0)?,
        })
    }
}

impl WriteTx {
    /// Queues a notice; false when one with its key is queued already (nothing changes).
    pub async fn enqueue_notification(&mut self, n: &NewOutbox<'_>) -> Result<bool> {
        insert!("notification_outbox", n;
            idempotency_key, account_id, address, channel, kind, case_id, subject, body,
            created_at = n.at_ms, attempts = 0_i64, next_attempt_at = n.at_ms,
            lease_until = 0_i64, dead = 0_i64, last_error = "";
            "ON CONFLICT (idempotency_key) DO NOTHING")
        .changed_one(&mut **self)
        .await
    }

    /// Puts a message in an inbox; false when one with its key is there already.
    pub async fn insert_message(&mut self, m: &NewMessage<'_>) -> Result<bool> {
        insert!("messages", m;
            idempotency_key, account_id, kind, case_id, subject, body, link,
            created_at = m.at_ms;
            "ON CONFLICT (idempotency_key) DO NOTHING")
        .changed_one(&mut **self)
        .await
    }

    /// Who reads a case's notices, with their phone and preferences: the active account that filed
    /// it, or else the active applicant account whose verified identity the case is under.
    pub async fn notice_reader(
        &mut self,
        account: Option<i64>,
        id_number: &str,
    ) -> Result<Option<Reader>> {
        let found: Option<(i64, String)> = match account {
            Some(id) => {
                sql!("SELECT id, phone FROM accounts WHERE id = $1 AND active = 1"; id)
                    .optional(&mut **self)
                    .await?
            }
            None => {
                // Only an identity a provider verified (一人一档): an ID number typed at
                // registration receives nothing about someone else's case.
                sql!(
                    "SELECT a.id, a.phone FROM accounts a
                     JOIN account_identities i ON i.account_id = a.id
                     WHERE a.kind = 'applicant' AND i.id_number = $1 AND a.active = 1";
                    id_number
                )
                .optional(&mut **self)
                .await?
            }
        };
        let Some((account_id, phone)) = found else {
            return Ok(None);
        };
        let prefs = self.prefs_in_write(account_id).await?;
        Ok(Some(Reader {
            account_id,
            phone,
            prefs,
        }))
    }

    /// An account's preferences as they stand in this write.
    pub async fn prefs_in_write(&mut self, account: i64) -> Result<Option<PrefsRow>> {
        sql!(select::<PrefsRow>("notification_prefs WHERE account_id = $1"); account)
            .optional(&mut **self)
            .await
    }

    /// Sets an account's e-mail address and channels.
    pub async fn set_notification_prefs(
        &mut self,
        account: i64,
        email: &str,
        prefs: Preferences,
        at_ms: i64,
    ) -> Result<()> {
        insert!("notification_prefs";
            account_id = account, email, sms = i64::from(prefs.sms),
            email_enabled = i64::from(prefs.email), updated_at = at_ms;
            "ON CONFLICT (account_id) DO UPDATE SET email = excluded.email, sms = excluded.sms, email_enabled = excluded.email_enabled, updated_at = excluded.updated_at")
        .run(&mut **self)
        .await
    }

    /// Marks a message of the account read; false when it is not the account's or was read.
    pub async fn mark_message_read(&mut self, id: i64, account: i64, at_ms: i64) -> Result<bool> {
        sql!(
            "UPDATE messages SET read_at = $1 WHERE id = $2 AND account_id = $3 AND read_at IS NULL";
            at_ms, id, account
        )
        .changed_one(&mut **self)
        .await
    }

    /// The notice went out: sent, whoever sent it; never undone.
    pub async fn notification_sent(&mut self, id: i64, now: i64) -> Result<()> {
        sql!(
            "UPDATE notification_outbox SET sent_at = $1, attempts = attempts + 1, lease_until = 0, last_error = '', dead = 0
             WHERE id = $2 AND sent_at IS NULL";
            now, id
        )
        .run(&mut **self)
        .await
    }

    /// Sending under `lease` failed: retried after the back-off, or kept dead when exhausted. A
    /// failure whose lease was taken over changes nothing. Returns whether it is dead now.
    pub async fn notification_failed(
        &mut self,
        id: i64,
        lease: i64,
        now: i64,
        error: &str,
        policy: &RetryPolicy,
    ) -> Result<bool> {
        let Some(attempts): Option<i64> = sql!(
            "SELECT attempts FROM notification_outbox WHERE id = $1 AND sent_at IS NULL AND dead = 0 AND lease_until = $2";
            id, lease
        )
        .optional_scalar(&mut **self)
        .await?
        else {
            return Ok(false);
        };
        let (dead, next) = match policy.after_failure(attempts, now) {
            Some(next) => (false, next),
            None => (true, now),
        };
        let error = kept_error(error);
        sql!(
            "UPDATE notification_outbox SET attempts = attempts + 1, next_attempt_at = $1, lease_until = 0, last_error = $2, dead = $3
             WHERE id = $4 AND sent_at IS NULL AND lease_until = $5";
            next, &error, i64::from(dead), id, lease
        )
        .run(&mut **self)
        .await?;
        Ok(dead)
    }

    /// Makes a dead notice due again now, its attempts from zero (sent again under its own key, so
    /// the SMS gateway still drops a repeat); false when it is not dead.
    pub async fn resend_notification(&mut self, id: i64, now: i64) -> Result<bool> {
        sql!(
            "UPDATE notification_outbox SET dead = 0, attempts = 0, next_attempt_at = $1, lease_until = 0
             WHERE id = $2 AND dead = 1 AND sent_at IS NULL";
            now, id
        )
        .changed_one(&mut **self)
        .await
    }
}

impl Store {
    /// The notices due for sending, oldest first.
    pub async fn due_notifications(&self, now: i64, limit: i64) -> Result<Vec<OutboxRow>> {
        sql!(
            select::<OutboxRow>(
                "notification_outbox WHERE sent_at IS NULL AND dead = 0 AND next_attempt_at <= $1 AND lease_until <= $1 ORDER BY id LIMIT $2"
            );
            now, limit
        )
        .all(self.reader())
        .await
    }

    /// One notice of the outbox.
    pub async fn outbox_row(&self, id: i64) -> Result<Option<OutboxRow>> {
        sql!(select::<OutboxRow>("notification_outbox WHERE id = $1"); id)
            .optional(self.reader())
            .await
    }

    /// A page of the notices about a jurisdiction's cases that failed and are not sent — the dead
    /// ones first, then those still retried, newest first — after the notice `after` in that
    /// order (keyset pagination), `limit` a page (1 to 1 000), each with its case's number; and
    /// how many such notices there are of each (dead, retried), beyond the page.
    pub async fn failed_notifications(
        &self,
        jurisdiction: &str,
        after: Option<NoticeKey>,
        limit: i64,
    ) -> Result<(Vec<(OutboxRow, String)>, i64, i64)> {
        const FAILED: &str = "FROM notification_outbox o JOIN cases c ON c.id = o.case_id
             WHERE c.jurisdiction = $1 AND o.sent_at IS NULL AND (o.dead = 1 OR o.attempts > 0)";
        let mut listed = Statement::new(format!(
            "SELECT {}, c.number AS case_number {FAILED}",
            columns_of::<OutboxRow>("o")
        ))
        .bind(jurisdiction);
        if let Some(k) = after {
            let dead = i64::from(k.dead);
            listed
                .push(" AND (o.dead < ")
                .push_bind(dead)
                .push(" OR (o.dead = ")
                .push_bind(dead)
                .push(" AND o.id < ")
                .push_bind(k.id)
                .push("))");
        }
        listed
            .push(" ORDER BY o.dead DESC, o.id DESC LIMIT ")
            .push_bind(limit.clamp(1, 1000));
        let rows: Vec<WithLast<OutboxRow, String>> = listed.all(self.reader()).await?;
        // SUM of an integer literal, not of the BIGINT column (NUMERIC on PostgreSQL).
        let counted = format!(
            "SELECT SUM(CASE WHEN o.dead = 1 THEN 1 ELSE 0 END) AS dead, COUNT(*) AS failing {FAILED}"
        );
        let (dead, failing): (Option<i64>, i64) =
            sql!(counted; jurisdiction).one(self.reader()).await?;
        let dead = dead.unwrap_or(0);
        Ok((
            rows.into_iter().map(Into::into).collect(),
            dead,
            failing - dead,
        ))
    }

    /// The notices queued about a case, in order.
    pub async fn outbox_of_case(&self, case_id: i64) -> Result<Vec<OutboxRow>> {
        sql!(select::<OutboxRow>("notification_outbox WHERE case_id = $1 ORDER BY id"); case_id)
            .all(self.reader())
            .await
    }

    /// An account's messages, newest first.
    pub async fn messages_of(
        &self,
        account: i64,
        unread_only: bool,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<InboxMessage>> {
        let filter = if unread_only {
            " AND read_at IS NULL"
        } else {
            ""
        };
        sql!(
            select::<InboxMessage>(&format!(
                "messages WHERE account_id = $1{filter} ORDER BY id DESC LIMIT $2 OFFSET $3"
            ));
            account, limit, offset
        )
        .all(self.reader())
        .await
    }

    /// One message of the account (None when there is none, or it is another's).
    pub async fn message_of(&self, id: i64, account: i64) -> Result<Option<InboxMessage>> {
        sql!(select::<InboxMessage>("messages WHERE id = $1 AND account_id = $2"); id, account)
            .optional(self.reader())
            .await
    }

    /// How many messages of the account are unread.
    pub async fn unread_messages(&self, account: i64) -> Result<i64> {
        sql!("SELECT COUNT(*) FROM messages WHERE account_id = $1 AND read_at IS NULL"; account)
            .scalar(self.reader())
            .await
    }

    /// An account's preferences, if it set them.
    pub async fn notification_prefs(&self, account: i64) -> Result<Option<PrefsRow>> {
        sql!(select::<PrefsRow>("notification_prefs WHERE account_id = $1"); account)
            .optional(self.reader())
            .await
    }

    /// Open cases with a due date between `from` and `until` (inclusive), for the deadline notices.
    pub async fn cases_due_between(
        &self,
        from: NaiveDate,
        until: NaiveDate,
        after: i64,
        limit: i64,
    ) -> Result<Vec<i64>> {
        sql!(
            "SELECT id FROM cases WHERE closed = 0 AND id > $3 AND (
                 (intake_due >= $1 AND intake_due <= $2 AND accepted_on IS NULL)
              OR (promised_due >= $1 AND promised_due <= $2)
              OR (statutory_due >= $1 AND statutory_due <= $2)
              OR (certificate_due >= $1 AND certificate_due <= $2))
             ORDER BY id LIMIT $4";
            day(from), day(until), after, limit
        )
        .scalars(self.reader())
        .await
    }
}
