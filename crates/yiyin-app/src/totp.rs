//! The second factor (GB/T 22239-2019 8.1.4.1 d): time-based one-time passwords (RFC 6238, six
//! digits every 30 seconds, SHA-1 as every authenticator app reads it, one step of skew) for the
//! roles that decide or administer (`authz::needs_second_factor`).
//!
//! Enrolment: the account asks for a secret (kept as offered until confirmed), adds it to an
//! authenticator app from the QR code or the secret in groups of four, and confirms with a code.
//! Until then an account holding such a role may log in, but its session carries none of those
//! grants (it can reach its account page and nothing the role allows). A system administrator can
//! reset a lost second factor; both are chained events. Codes are checked against the clock's wall
//! time (the machine's, even on a server started on a simulated date), and each is accepted once
//! (RFC 6238 5.2): the account keeps the time step of the last code accepted, and a code of that
//! step or an earlier one is refused, so that a code seen over a shoulder or in transit cannot
//! open a second session.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use totp_rs::{Algorithm, Builder, Secret, Totp};
use yiyin_domain::authz::{self, Grant};
use yiyin_domain::party::Actor;
use yiyin_store::Store;
use yiyin_store::accounts::Account;

use crate::App;
use crate::error::{AppError, Result};
use crate::principal::Principal;
use crate::users::account_events;

/// The issuer an authenticator app shows beside the login.
pub const ISSUER: &str = "Yiyin";

/// A TOTP secret being enrolled: the secret (base32, and in groups of four for typing), and the
/// `otpauth://` URI a QR code carries.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Enrolment {
    pub secret: String,
    pub grouped: String,
    pub uri: String,
}

fn totp(secret: &str, login: &str) -> Result<Totp> {
    let bytes = Secret::try_from_base32(secret)
        .map_err(|e| AppError::internal(format!("TOTP secret: {e:?}")))?
        .as_bytes()
        .to_vec();
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_secret(bytes)
        .with_account_name(login.replace(':', "."))
        .with_issuer(Some(ISSUER))
        .build()
        .map_err(|e| AppError::internal(format!("TOTP: {e:?}")))
}

/// A new random secret (160 bits), base32.
pub fn new_secret() -> String {
    let mut buf = vec![0u8; 20];
    getrandom::fill(&mut buf).expect("the operating system's random source works");
    Secret::from(buf).to_base32()
}

fn seconds(at: DateTime<Utc>) -> u64 {
    at.timestamp().max(0) as u64
}

/// The code of a secret at an instant (for the tests and the demo's documentation).
pub fn code_at(secret: &str, at: DateTime<Utc>) -> Result<String> {
    Ok(totp(secret, "x")?.generate(seconds(at)).to_string())
}

/// The time step of a code (spaces ignored) if it is the secret's at `at`, give or take one step.
pub fn code_step(secret: &str, code: &str, at: DateTime<Utc>) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let step = totp(secret, "x").ok()?.check(&code, seconds(at))?;
    i64::try_from(step).ok()
}

/// What a code already used is answered (RFC 6238 5.2).
pub const CODE_USED: &str =
    "该动态验证码已使用过：每个验证码只能使用一次，请等待验证器显示新的验证码后再输入";

/// Records a code's step as used for the account; false if a code of this step or a later one
/// was used already (a replay).
async fn use_step(store: &Store, account: i64, step: i64) -> Result<bool> {
    let mut tx = store.begin_write().await?;
    let fresh = tx.use_totp_step(account, step).await?;
    tx.commit().await?;
    Ok(fresh)
}

/// The secret in groups of four, for typing.
pub fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether some grant of the account needs the second factor.
pub fn needs_second_factor(grants: &[Grant]) -> bool {
    grants.iter().any(|g| authz::needs_second_factor(g.role))
}

/// Sets an account's secret at once (the server's command line and the demo loader, which
/// documents its fixed secret), as a chained event.
pub async fn enrol(
    store: &Store,
    account: &Account,
    secret: &str,
    by: &Actor,
    at: DateTime<Utc>,
) -> Result<()> {
    Secret::try_from_base32(secret).map_err(|_| AppError::field("secret", "密钥应为Base32编码"))?;
    let mut tx = store.begin_write().await?;
    tx.set_totp_secret(account.id, secret).await?;
    tx.append_events(&account_events(
        by,
        at,
        account,
        "totp_enrol",
        format!("{}启用两步验证", account.name),
        json!({"account": account.id}),
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}

impl App {
    /// Offers a new secret to the logged-in staff account (replacing one offered before); an
    /// enrolled account must first have its second factor reset by a system administrator.
    #[tracing::instrument(skip_all, fields(account = who.account.id))]
    pub async fn start_totp(&self, who: &Principal) -> Result<Enrolment> {
        who.require_staff()?;
        let (enrolled, _) = self.store.totp_secrets(who.account.id).await?;
        if !enrolled.is_empty() {
            return Err(AppError::Conflict(
                "已启用两步验证；如需更换手机，请联系系统管理员重置".into(),
            ));
        }
        let secret = new_secret();
        let uri = totp(&secret, &who.account.login)?
            .to_url()
            .map_err(|e| AppError::internal(format!("TOTP URI: {e:?}")))?;
        let mut tx = self.store.begin_write().await?;
        tx.set_totp_pending(who.account.id, &secret).await?;
        tx.commit().await?;
        Ok(Enrolment {
            grouped: grouped(&secret),
            secret,
            uri,
        })
    }

    /// Confirms the secret offered with a code from the app; the second factor is then required at
    /// every login.
    #[tracing::instrument(skip_all, fields(account = who.account.id))]
    pub async fn confirm_totp(&self, who: &Principal, code: &str) -> Result<()> {
        who.require_staff()?;
        let (_, pending) = self.store.totp_secrets(who.account.id).await?;
        if pending.is_empty() {
            return Err(AppError::invalid("请先生成两步验证密钥"));
        }
        let Some(step) = code_step(&pending, code, self.wall()) else {
            return Err(AppError::field(
                "code",
                "动态验证码不正确：请核对手机时间，输入验证器当前显示的6位数字",
            ));
        };
        if !use_step(&self.store, who.account.id, step).await? {
            return Err(AppError::field("code", CODE_USED));
        }
        let account = self.store.account(who.account.id).await?;
        enrol(
            &self.store,
            &account,
            &pending,
            &who.actor(&self.org()),
            self.now(),
        )
        .await
    }

    /// Whether an account has enrolled its second factor.
    pub async fn totp_enrolled(&self, account: i64) -> Result<bool> {
        Ok(!self.store.totp_secrets(account).await?.0.is_empty())
    }

    /// Checks the second factor of a login whose password was right: `Ok(true)` when none is needed
    /// (or not yet enrolled), or the code is right and not used before (its step is then recorded).
    pub(crate) async fn second_factor_ok(
        &self,
        account: i64,
        code: Option<&str>,
    ) -> Result<std::result::Result<(), crate::accounts::LoginError>> {
        use crate::accounts::LoginError;
        let (secret, _) = self.store.totp_secrets(account).await?;
        if secret.is_empty() {
            return Ok(Ok(()));
        }
        let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) else {
            return Ok(Err(LoginError::TotpRequired));
        };
        let Some(step) = code_step(&secret, code, self.wall()) else {
            return Ok(Err(LoginError::TotpWrong));
        };
        if !use_step(&self.store, account, step).await? {
            return Ok(Err(LoginError::TotpUsed));
        }
        Ok(Ok(()))
    }

    /// A system administrator resets an account's second factor (a lost phone); its sessions end
    /// and it enrols again at its next login.
    #[tracing::instrument(skip_all, fields(account = who.account.id))]
    pub async fn reset_totp(
        &self,
        who: &Principal,
        jurisdiction: &str,
        id: i64,
    ) -> Result<Account> {
        let target = self.managed_account(who, jurisdiction, id).await?;
        let mut tx = self.store.begin_write().await?;
        tx.set_totp_secret(id, "").await?;
        tx.close_sessions_of(id).await?;
        tx.append_events(&account_events(
            &who.actor(&self.org()),
            self.now(),
            &target,
            "totp_reset",
            format!("重置{}的两步验证", target.name),
            json!({"account": id}),
        ))
        .await?;
        tx.commit().await?;
        Ok(target)
    }
}
