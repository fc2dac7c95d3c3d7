//! Notifications (通知): the notices of a case's events written in the event's own transaction
//! (the in-site message straight into the applicant's inbox, SMS and e-mail into the outbox); the
//! staff's 即将超期 notices from the deadline sweep, and the window's notice of an application
//! submitted online (in the application's transaction); the sender that claims due outbox rows under a
//! lease, sends them (SMS through the configured HTTP gateway, [`App::send_sms`]; e-mail over
//! SMTP with `lettre`), marks them sent or retries them with back-off, and never loses one; the
//! message centre (list, unread count, mark read) and each account's e-mail address and channels.
//!
//! Delivery is at least once, never twice for one idempotency key on the gateway's side: a server
//! that dies between sending and marking leaves its lease to run out, and the row is sent again
//! with the same key, which the gateway drops (docs/notifications.md).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde::{Deserialize, Serialize};
use serde_json::json;
use yiyin_domain::authz::{Operation, allowed, role_may};
use yiyin_domain::calendar::local_date;
use yiyin_domain::engine::Clock;
use yiyin_domain::notifications::{
    About, Message, NotificationChannel, NotificationKind, Preferences, compose, deadline_notice,
    deadlines_near, event_key, near_key,
};
use yiyin_domain::roles::Role;
use yiyin_domain::supervision::RetryPolicy;
use yiyin_domain::text::{TextKind, check};
use yiyin_store::WriteTx;
use yiyin_store::cases::CaseRecord;
use yiyin_store::notifications::{InboxMessage, NewMessage, NewOutbox, OutboxRow};
use yiyin_store::outbox::Outbox;

use crate::App;
use crate::error::{AppError, Result};
use crate::issue::Transition;
use crate::principal::Principal;

/// How often the outbox is looked at.
pub const SEND_EVERY: Duration = Duration::from_secs(5);
/// How long a claimed notice is ours: the outboxes' one lease, well beyond `TIMEOUT`.
pub use crate::delivery::LEASE_MS;
/// How long the gateway or the mail server has to answer.
const TIMEOUT: Duration = Duration::from_secs(10);
/// How far ahead the deadline sweep looks for due dates (calendar days; the domain decides which
/// are near in working days).
const NEAR_HORIZON_DAYS: i64 = 7;

/// How the outbox is retried: from 30 s, doubling, up to an hour, for two days or so.
pub fn retry_policy() -> RetryPolicy {
    RetryPolicy {
        base: Duration::from_secs(30),
        cap: Duration::from_secs(3600),
        max_attempts: 60,
    }
}

/// How e-mail leaves: the SMTP server and the sender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    /// `none` (a trusted relay on the local network), `starttls` or `tls`.
    pub security: String,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The sender, as `一印 <noreply@example.gov.cn>` or a bare address.
    pub from: String,
}

/// The channels this server sends by; a channel not configured is not queued.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotifyConfig {
    /// The SMS gateway's address (POST JSON {to, text, key}).
    pub sms_url: Option<String>,
    pub smtp: Option<SmtpConfig>,
}

/// The configured senders.
#[derive(Debug, Clone, Default)]
pub struct Notifier {
    sms_url: Option<String>,
    http: Option<reqwest::Client>,
    smtp: Option<(AsyncSmtpTransport<Tokio1Executor>, Mailbox)>,
}

impl Notifier {
    /// The senders of a configuration, checked; Err in Chinese.
    pub fn new(config: &NotifyConfig) -> std::result::Result<Self, String> {
        let mut n = Notifier::default();
        if let Some(url) = &config.sms_url {
            let parsed = reqwest::Url::parse(url)
                .map_err(|_| format!("短信网关地址「{url}」不是有效的网址"))?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err(format!(
                    "短信网关地址「{url}」须以 http:// 或 https:// 开头"
                ));
            }
            n.sms_url = Some(url.clone());
            n.http = Some(
                reqwest::Client::builder()
                    .timeout(TIMEOUT)
                    .redirect(reqwest::redirect::Policy::none())
                    .user_agent(concat!("yiyin/", env!("CARGO_PKG_VERSION")))
                    .build()
                    .map_err(|e| format!("短信网关客户端无法创建：{e}"))?,
            );
        }
        if let Some(s) = &config.smtp {
            let from: Mailbox = s
                .from
                .parse()
                .map_err(|_| format!("发件人「{}」不是有效的电子邮件地址", s.from))?;
            let builder = match s.security.as_str() {
                "none" => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.host),
                "starttls" => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&s.host)
                    .map_err(|e| format!("邮件服务器「{}」无法使用：{e}", s.host))?,
                "tls" => AsyncSmtpTransport::<Tokio1Executor>::relay(&s.host)
                    .map_err(|e| format!("邮件服务器「{}」无法使用：{e}", s.host))?,
                other => {
                    return Err(format!(
                        "邮件加密方式「{other}」无效（可选：none、starttls、tls）"
                    ));
                }
            };
            let mut builder = builder.port(s.port).timeout(Some(TIMEOUT));
            if let (Some(u), Some(p)) = (&s.username, &s.password) {
                builder = builder.credentials(Credentials::new(u.clone(), p.clone()));
            }
            n.smtp = Some((builder.build(), from));
        }
        Ok(n)
    }

    /// Whether an SMS gateway is configured.
    pub(crate) fn has_sms(&self) -> bool {
        self.sms_url.is_some()
    }

    fn sends(&self, channel: NotificationChannel) -> bool {
        match channel {
            NotificationChannel::InSite => true,
            NotificationChannel::Sms => self.sms_url.is_some(),
            NotificationChannel::Email => self.smtp.is_some(),
        }
    }
}

/// Whether a text looks like an e-mail address lettre can send to.
pub fn valid_email(address: &str) -> bool {
    address.parse::<lettre::Address>().is_ok()
}

/// An account's notification settings as its page shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationSettings {
    /// The e-mail address ("" when none).
    pub email: String,
    /// SMS to the account's phone.
    pub sms: bool,
    /// E-mail to the address.
    pub email_enabled: bool,
}

/// One recipient of a notice and where it reaches them.
struct Recipient {
    /// `account:{id}` or `phone:{number}`: part of the idempotency key.
    key: String,
    account: Option<i64>,
    phone: String,
    email: String,
    prefs: Preferences,
}

/// A member of staff as a recipient: the account, its phone, and its e-mail and channels if set.
async fn staff_recipient(
    tx: &mut WriteTx,
    account: &yiyin_store::accounts::Account,
) -> Result<Recipient> {
    let prefs = tx.prefs_in_write(account.id).await?;
    Ok(Recipient {
        key: format!("account:{}", account.id),
        account: Some(account.id),
        phone: account.phone.clone(),
        email: prefs.as_ref().map(|p| p.email.clone()).unwrap_or_default(),
        prefs: prefs.as_ref().map(|p| p.preferences()).unwrap_or_default(),
    })
}

impl App {
    /// Sends by these channels from now on.
    pub fn with_notifier(mut self, notifier: Notifier) -> Self {
        self.notifier = Arc::new(notifier);
        self
    }

    /// Writes one notice to one recipient by every channel it wants and the server sends by.
    async fn notify(
        &self,
        tx: &mut WriteTx,
        to: &Recipient,
        message: &Message,
        case_id: i64,
        key_of: impl Fn(&str, NotificationChannel) -> String,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let channels = to.prefs.channels(
            to.account.is_some(),
            !to.phone.is_empty(),
            !to.email.is_empty(),
        );
        let at_ms = at.timestamp_millis();
        for channel in channels.into_iter().filter(|c| self.notifier.sends(*c)) {
            let key = key_of(&to.key, channel);
            match (channel, to.account) {
                (NotificationChannel::InSite, Some(account)) => {
                    tx.insert_message(&NewMessage {
                        idempotency_key: &key,
                        account_id: account,
                        kind: message.kind.code(),
                        case_id: Some(case_id),
                        subject: &message.subject,
                        body: &message.body,
                        link: &message.link,
                        at_ms,
                    })
                    .await?;
                }
                (NotificationChannel::InSite, None) => {}
                (NotificationChannel::Sms, _) => {
                    tx.enqueue_notification(&NewOutbox {
                        idempotency_key: &key,
                        account_id: to.account,
                        address: &to.phone,
                        channel: channel.code(),
                        kind: message.kind.code(),
                        case_id: Some(case_id),
                        subject: &message.subject,
                        body: &message.sms,
                        at_ms,
                    })
                    .await?;
                }
                (NotificationChannel::Email, _) => {
                    let body = format!(
                        "{}\n\n查看详情：{}{}\n\n（本邮件由一印审批平台自动发送，请勿直接回复。）",
                        message.body,
                        self.public_url(),
                        message.link
                    );
                    tx.enqueue_notification(&NewOutbox {
                        idempotency_key: &key,
                        account_id: to.account,
                        address: &to.email,
                        channel: channel.code(),
                        kind: message.kind.code(),
                        case_id: Some(case_id),
                        subject: &message.subject,
                        body: &body,
                        at_ms,
                    })
                    .await?;
                }
            }
        }
        Ok(())
    }

    /// The notices of a case's events, in the events' transaction (`seqs` are the events' chain
    /// numbers, in the order of `transitions`): to the applicant's account (its own, or the one
    /// holding the applicant's ID number), else by SMS to the phone the case names.
    pub(crate) async fn notify_case_events(
        &self,
        tx: &mut WriteTx,
        record: &CaseRecord,
        clock: Option<&Clock>,
        transitions: &[Transition],
        seqs: &[i64],
        at: DateTime<Utc>,
    ) -> Result<()> {
        let mut to = None;
        for (t, seq) in transitions.iter().zip(seqs) {
            let Some(kind) = NotificationKind::of_event(&t.action) else {
                continue;
            };
            // A bundle's member case takes its receipt and intake from the bundle (一件事): the
            // applicant is told once, by the bundle's event (`notify_bundle_event`).
            if record.bundle_id.is_some() && t.data.get("bundle_id").is_some() {
                continue;
            }
            // Its decision and licence are told with the bundle's release (统一出件), once.
            if record.bundle_id.is_some()
                && matches!(
                    kind,
                    NotificationKind::Decision | NotificationKind::LicenceReady
                )
            {
                continue;
            }
            if to.is_none() {
                to = Some(
                    self.recipient(
                        tx,
                        record.applicant.account,
                        record.applicant.id_number.as_str(),
                        &record.applicant.phone,
                    )
                    .await?,
                );
            }
            let Some(to) = &to else { continue };
            let message = compose(
                kind,
                &About {
                    case_id: record.id,
                    number: &record.number,
                    item_name: &record.item_name,
                    case: &record.case,
                    item: &record.item,
                    clock,
                    reason: &t.reason,
                },
            );
            let seq = *seq;
            self.notify(tx, to, &message, record.id, |r, c| event_key(seq, r, c), at)
                .await?;
        }
        Ok(())
    }

    /// The applicant to notify: the account holding the applicant's ID number (its own account
    /// first), by its channels; else by SMS to the phone the application names.
    async fn recipient(
        &self,
        tx: &mut WriteTx,
        account: Option<i64>,
        id_number: &str,
        phone: &str,
    ) -> Result<Recipient> {
        Ok(match tx.notice_reader(account, id_number).await? {
            Some(r) => Recipient {
                key: format!("account:{}", r.account_id),
                account: Some(r.account_id),
                phone: if r.phone.is_empty() {
                    phone.to_string()
                } else {
                    r.phone.clone()
                },
                email: r
                    .prefs
                    .as_ref()
                    .map(|p| p.email.clone())
                    .unwrap_or_default(),
                prefs: r
                    .prefs
                    .as_ref()
                    .map(|p| p.preferences())
                    .unwrap_or_default(),
            },
            None => Recipient {
                key: format!("phone:{phone}"),
                account: None,
                phone: phone.to_string(),
                email: String::new(),
                prefs: Preferences::default(),
            },
        })
    }

    /// The one notice of a bundle's intake event (一件事: received, supplement notice, accepted,
    /// deemed accepted …), in the event's transaction (`seq` is its chain number): to the
    /// applicant as for a case, about the bundle as a whole (`about` names the bundle, its case
    /// id is the member case the link opens — its page names the bundle). The member cases'
    /// mirrored events notify no one. Keyed by the event and `action` (a receipt taken with its
    /// acceptance or supplement notice is one event, told twice).
    pub(crate) async fn notify_bundle_event(
        &self,
        tx: &mut WriteTx,
        (account, id_number, phone): (Option<i64>, &str, &str),
        action: &str,
        about: &About<'_>,
        seq: i64,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let Some(kind) = NotificationKind::of_event(action) else {
            return Ok(());
        };
        let to = self.recipient(tx, account, id_number, phone).await?;
        let message = compose(kind, about);
        self.notify(
            tx,
            &to,
            &message,
            about.case_id,
            |r, c| format!("{}:{action}", event_key(seq, r, c)),
            at,
        )
        .await
    }

    /// A notice of the bureau's own act to an applicant (a joint visit's date or result, not a
    /// case event), in the act's transaction: to the applicant as for a case; keyed by `key` (one
    /// per act), the recipient and the channel.
    pub(crate) async fn notify_applicant(
        &self,
        tx: &mut WriteTx,
        (account, id_number, phone): (Option<i64>, &str, &str),
        message: &Message,
        case_id: i64,
        key: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let to = self.recipient(tx, account, id_number, phone).await?;
        self.notify_once(tx, &to, message, (case_id, key), at).await
    }

    /// A notice of one act to one recipient, keyed by the act's `key`, the recipient and the
    /// channel.
    async fn notify_once(
        &self,
        tx: &mut WriteTx,
        to: &Recipient,
        message: &Message,
        (case_id, key): (i64, &str),
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.notify(
            tx,
            to,
            message,
            case_id,
            |r, c| format!("{key}:{r}:{}", c.code()),
            at,
        )
        .await
    }

    /// Tells the window of an application submitted online (网上申请: a case, or a bundle by its
    /// first member `case_id`), in the application's transaction: every active member of staff
    /// who may receive in `scope` (the item's department, or the bundle's lead department) gets
    /// the notice (`yiyin_domain::notifications::online_application_notice`) in the message
    /// centre, once per application (`key`) and recipient. In-site only: the window works in
    /// Yiyin, and a text per application would drown its phones.
    pub(crate) async fn tell_window(
        &self,
        tx: &mut WriteTx,
        (jurisdiction, scope): (&str, &yiyin_domain::authz::Scope),
        message: &Message,
        case_id: i64,
        key: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let receivers: Vec<Role> = Role::ALL
            .iter()
            .copied()
            .filter(|r| role_may(*r, Operation::Receive))
            .collect();
        let window: Vec<_> = self
            .store
            .staff_holding(jurisdiction, &receivers)
            .await?
            .into_iter()
            .filter(|a| allowed(&a.grants, Operation::Receive, scope).is_ok())
            .collect();
        for account in &window {
            let to = Recipient {
                key: format!("account:{}", account.id),
                account: Some(account.id),
                phone: String::new(),
                email: String::new(),
                prefs: Preferences::default(),
            };
            self.notify_once(tx, &to, message, (case_id, key), at)
                .await?;
        }
        Ok(())
    }

    /// The staff's 即将超期 notices: each open case with a due date near tells the staff whose turn
    /// it is (the role it waits for, in the case's scope), once per due date, recipient and
    /// channel. Returns how many cases were looked at with a date near.
    pub async fn sweep_deadlines(&self, at: DateTime<Utc>) -> Result<usize> {
        let today = local_date(at);
        let until = today + chrono::Duration::days(NEAR_HORIZON_DAYS);
        let calendar = self.calendar();
        let mut after = 0;
        let mut told = 0;
        loop {
            let ids = self
                .store
                .cases_due_between(today, until, after, 500)
                .await?;
            let Some(&last) = ids.last() else {
                break;
            };
            after = last;
            for id in ids {
                let record = self.store.case(id).await?;
                let Some(role) = record.next_role else {
                    continue;
                };
                let Ok(clock) = record.deadlines(&calendar, today) else {
                    continue;
                };
                let near = deadlines_near(&clock);
                if near.is_empty() {
                    continue;
                }
                let scope = self.case_scope(&record);
                let staff: Vec<_> = self
                    .store
                    .staff_holding(&record.jurisdiction, &[role])
                    .await?
                    .into_iter()
                    .filter(|a| allowed(&a.grants, Operation::ViewCase, &scope).is_ok())
                    .collect();
                if staff.is_empty() {
                    continue;
                }
                let mut tx = self.store.begin_write().await?;
                for account in &staff {
                    let to = staff_recipient(&mut tx, account).await?;
                    for n in &near {
                        let message =
                            deadline_notice(record.id, &record.number, &record.item_name, n);
                        self.notify(
                            &mut tx,
                            &to,
                            &message,
                            record.id,
                            |r, c| near_key(record.id, n, r, c),
                            at,
                        )
                        .await?;
                    }
                }
                tx.commit().await?;
                told += 1;
            }
        }
        Ok(told)
    }

    /// Sends one SMS through the configured gateway: POST JSON `{to, text, key}` with the key also
    /// as `Idempotency-Key`; the gateway sends a key once. Err in Chinese (not configured, refused,
    /// unreachable). Reusable by any use case that texts someone.
    pub async fn send_sms(
        &self,
        to: &str,
        text: &str,
        key: &str,
    ) -> std::result::Result<(), String> {
        let (Some(url), Some(http)) = (&self.notifier.sms_url, &self.notifier.http) else {
            return Err("未配置短信网关".into());
        };
        let request = http
            .post(url)
            .header("content-type", "application/json; charset=utf-8")
            .header("idempotency-key", key)
            .body(json!({"to": to, "text": text, "key": key}).to_string());
        match tokio::time::timeout(TIMEOUT, request.send()).await {
            Err(_) => Err("短信网关超时未应答".into()),
            Ok(Ok(r)) if r.status().is_success() => Ok(()),
            Ok(Ok(r)) => Err(format!("短信网关返回 HTTP {}", r.status().as_u16())),
            Ok(Err(e)) if e.is_timeout() => Err("短信网关超时未应答".into()),
            Ok(Err(e)) if e.is_connect() => Err("无法连接短信网关".into()),
            Ok(Err(e)) => Err(format!("短信发送失败：{e}")),
        }
    }

    /// Sends one e-mail over SMTP; its Message-ID is made from the key, so that a repeat after a
    /// crash can be recognised by the reader's mail system.
    async fn send_email(&self, row: &OutboxRow) -> std::result::Result<(), String> {
        let Some((transport, from)) = &self.notifier.smtp else {
            return Err("未配置邮件服务器".into());
        };
        let to: Mailbox = row
            .address
            .parse()
            .map_err(|_| format!("收件地址「{}」无效", row.address))?;
        let digest = yiyin_seal::sm3_hex(row.idempotency_key.as_bytes());
        let domain = from.email.domain().to_string();
        let email = lettre::Message::builder()
            .from(from.clone())
            .to(to)
            .subject(&row.subject)
            .message_id(Some(format!("<{digest}@{domain}>")))
            .header(ContentType::TEXT_PLAIN)
            .body(row.body.clone())
            .map_err(|e| format!("邮件无法生成：{e}"))?;
        match tokio::time::timeout(TIMEOUT, transport.send(email)).await {
            Err(_) => Err("邮件服务器超时未应答".into()),
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(format!("邮件发送失败：{e}")),
        }
    }

    /// Sends what is due in the outbox now; returns how many went out. Errors are logged, never
    /// fatal.
    pub async fn send_notifications_once(&self) -> usize {
        let now = self.now().timestamp_millis();
        let due = match self.store.due_notifications(now, 50).await {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(error = %e, "notification outbox unreadable");
                return 0;
            }
        };
        let mut sent = 0;
        for row in due {
            let lease = match self.claim_outbox(Outbox::Notices, row.id).await {
                Ok(Some(lease)) => lease,
                Ok(None) => continue,
                Err(e) => {
                    tracing::warn!(notice = row.id, error = %e, "notice not claimed");
                    continue;
                }
            };
            let outcome = match NotificationChannel::parse(&row.channel) {
                Some(NotificationChannel::Sms) => {
                    self.send_sms(&row.address, &row.body, &row.idempotency_key)
                        .await
                }
                Some(NotificationChannel::Email) => self.send_email(&row).await,
                _ => Err(format!("未知的通知渠道「{}」", row.channel)),
            };
            if outcome.is_ok() {
                sent += 1;
            }
            if let Err(error) = &outcome {
                tracing::info!(notice = row.id, error = %error, "notice not sent; retried later");
            }
            if let Err(e) = self
                .settle_outbox(Outbox::Notices, row.id, lease, outcome)
                .await
            {
                // The lease runs out and the notice is sent again under its key: at least once.
                tracing::warn!(notice = row.id, error = %e, "notice outcome not recorded");
            }
        }
        sent
    }

    /// The account's messages, newest first.
    pub async fn messages(
        &self,
        who: &Principal,
        unread_only: bool,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<InboxMessage>> {
        Ok(self
            .store
            .messages_of(
                who.account.id,
                unread_only,
                limit.clamp(1, 200),
                offset.max(0),
            )
            .await?)
    }

    /// How many of the account's messages are unread.
    pub async fn unread_messages(&self, who: &Principal) -> Result<i64> {
        Ok(self.store.unread_messages(who.account.id).await?)
    }

    /// Marks one of the account's messages read (again: nothing changes); another's is not found.
    pub async fn mark_message_read(&self, who: &Principal, id: i64) -> Result<()> {
        let mut tx = self.store.begin_write().await?;
        let changed = tx
            .mark_message_read(id, who.account.id, self.now().timestamp_millis())
            .await?;
        tx.commit().await?;
        if changed {
            return Ok(());
        }
        if self.store.message_of(id, who.account.id).await?.is_some() {
            Ok(())
        } else {
            Err(AppError::NotFound("没有这条消息".into()))
        }
    }

    /// The account's e-mail address and channels.
    pub async fn notification_settings(&self, who: &Principal) -> Result<NotificationSettings> {
        let prefs = self.store.notification_prefs(who.account.id).await?;
        let p = prefs.as_ref().map(|p| p.preferences()).unwrap_or_default();
        Ok(NotificationSettings {
            email: prefs.map(|p| p.email).unwrap_or_default(),
            sms: p.sms,
            email_enabled: p.email,
        })
    }

    /// Sets the account's e-mail address and channels (the in-site message is always on); an
    /// address that is not one is refused, and e-mail wanted without an address too. Recorded.
    #[tracing::instrument(skip_all, fields(account = who.account.id))]
    pub async fn set_notification_settings(
        &self,
        who: &Principal,
        settings: &NotificationSettings,
    ) -> Result<NotificationSettings> {
        let email = settings.email.trim();
        check("email", email, TextKind::Short)?;
        if !email.is_empty() && !valid_email(email) {
            return Err(AppError::field(
                "email",
                format!("「{email}」不是有效的电子邮件地址（应如 name@example.com）"),
            ));
        }
        if settings.email_enabled && email.is_empty() {
            return Err(AppError::field("email", "开启邮件通知须填写电子邮件地址"));
        }
        let prefs = Preferences {
            sms: settings.sms,
            email: settings.email_enabled,
        };
        let now = self.now();
        let mut tx = self.store.begin_write().await?;
        tx.set_notification_prefs(who.account.id, email, prefs, now.timestamp_millis())
            .await?;
        tx.append_events(&crate::users::account_events(
            &who.actor(&self.org()),
            now,
            &who.account,
            "notification_prefs",
            format!(
                "{}设置通知方式：短信{}，邮件{}",
                who.account.name,
                if prefs.sms { "开" } else { "关" },
                if prefs.email { "开" } else { "关" }
            ),
            json!({"account": who.account.id, "sms": prefs.sms, "email": prefs.email,
                "has_address": !email.is_empty()}),
        ))
        .await?;
        tx.commit().await?;
        self.notification_settings(who).await
    }
}

/// Runs the sender until the task is dropped.
pub async fn run(app: App) {
    let mut tick = tokio::time::interval(SEND_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        app.send_notifications_once().await;
    }
}
