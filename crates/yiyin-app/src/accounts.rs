//! Accounts and sessions: logging in (Argon2id off the async executor, never more hashing at once
//! than there are cores and a bounded wait for one; five failed attempts lock an account for fifteen
//! minutes, counted atomically; the message never says whether a login exists nor whether it is
//! locked), then the second factor of an enrolled account (`totp`); sessions of eight hours kept
//! only as the SM3 hash of their token, ended after a time without requests (`users::IdleTimeouts`);
//! applicants registering, staff accounts made and managed by the jurisdiction's system
//! administrators (or the server's command line), every password checked against the policy
//! (`yiyin_domain::password`) and every change a chained event (`users`).

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use serde_json::json;
use yiyin_domain::authz::{Grant, Operation};
use yiyin_domain::org::Organisation;
use yiyin_domain::party::Actor;
use yiyin_domain::party::{SubjectId, SubjectKind};
use yiyin_domain::password::{self, Holder};
use yiyin_domain::roles::Role;
use yiyin_domain::text::{self, TextKind};
use yiyin_store::accounts::{Account, AccountKind, NewAccount};
use yiyin_store::{Store, WriteTx};

use crate::App;
use crate::error::{AppError, Result};
use crate::principal::Principal;
use crate::users::{TOUCH_EVERY, account_events, events_in, grant_json};

/// Failed attempts before a lock.
pub const MAX_FAILURES: i64 = 5;
/// How long a lock lasts.
pub const LOCK_MINUTES: i64 = 15;
/// How long a session lasts.
pub const SESSION_HOURS: i64 = 8;

/// A logged-in session.
#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    pub csrf: String,
    pub account: Account,
    pub expires_at: DateTime<Utc>,
    /// The account holds a role needing the second factor but has not enrolled it: the session
    /// carries none of those grants until it does (see `totp`).
    pub enrol_second_factor: bool,
}

/// What every failed login is told, whether the login is unknown, the password wrong or the account
/// locked: the answer never says whether a login exists (nor whether it is locked).
/// Written once from [`MAX_FAILURES`] and [`LOCK_MINUTES`], so that it never says another rule than
/// the one applied.
pub static LOGIN_FAILED: LazyLock<String> = LazyLock::new(|| {
    format!("账号或密码错误（连续输错{MAX_FAILURES}次的账号将锁定{LOCK_MINUTES}分钟）")
});

/// Why a login failed. The message never says whether the login name exists: a wrong password, an
/// unknown login and a locked account read the same ([`LOGIN_FAILED`]) and cost the same one
/// Argon2id check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoginError {
    #[error("{}", *LOGIN_FAILED)]
    Wrong,
    /// Locked for this many more minutes (for the log; the user reads [`LOGIN_FAILED`]).
    #[error("{}", *LOGIN_FAILED)]
    Locked(i64),
    #[error("账号已停用，请联系系统管理员")]
    Inactive,
    /// The password was right; the account's second factor is asked for (API: 401 `totp_required`).
    #[error("请输入手机验证器显示的6位动态验证码（两步验证）")]
    TotpRequired,
    /// The code was wrong (counted as a failed attempt).
    #[error("动态验证码错误，请核对手机时间后重新输入")]
    TotpWrong,
    /// The code was right but used before (RFC 6238 5.2: each code once); not counted as a failed
    /// attempt, as the password was right and a replay guesses nothing.
    #[error("{}", crate::totp::CODE_USED)]
    TotpUsed,
}

/// An applicant's registration.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Registration {
    /// `person` (citizen ID number) or `organisation` (unified social credit code).
    pub kind: String,
    /// Name, or the organisation's name.
    pub name: String,
    /// Citizen ID number or unified social credit code: the login.
    pub id_number: String,
    pub phone: String,
    pub password: String,
    /// The SMS code (短信验证码) texted to `phone`: required when the server texts (an SMS gateway
    /// is configured; request one with `POST /api/v1/applicants/code`), ignored otherwise.
    #[serde(default)]
    pub code: String,
}

/// A staff account to make.
#[derive(Debug, Clone)]
pub struct NewStaff {
    pub login: String,
    pub name: String,
    pub password: String,
    pub grants: Vec<Grant>,
}

fn random_bytes(n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).expect("the operating system's random source works");
    buf
}

/// A random token (session, CSRF, form keys): 32 bytes in hex.
pub fn random_token() -> String {
    yiyin_seal::hex(&random_bytes(32))
}

/// A random code of `len` characters from an alphabet without look-alikes (no 0/O, 1/I/L).
pub fn random_code(len: usize) -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    random_bytes(len)
        .into_iter()
        .map(|b| ALPHABET[(b as usize) % ALPHABET.len()] as char)
        .collect()
}

fn hash_now(password: &str) -> String {
    Argon2::default()
        .hash_password(password.as_bytes())
        .expect("argon2 hashing with default parameters")
        .to_string()
}

/// Whether a password matches an Argon2id PHC string (blocking: call off the async executor).
pub(crate) fn password_matches(password: &str, phc: &str) -> bool {
    verify_now(password, phc)
}

fn verify_now(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// An Argon2id PHC string for a password, computed off the async executor.
pub async fn hash_password(password: &str) -> Result<String> {
    let password = password.to_string();
    crate::hashing::run(move || hash_now(&password)).await
}

/// What an unknown login's password is checked against, so that it costs what a real check costs.
const NOBODY: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$0000000000000000000000000000000000000000000";

/// Checks a new password against the password policy (`yiyin_domain::password`).
pub fn check_password(password: &str, holder: &Holder<'_>) -> std::result::Result<(), String> {
    password::check(password, holder)
}

/// The password policy's view of an account.
fn holder(a: &Account) -> Holder<'_> {
    if a.is_staff() {
        Holder::staff(&a.login)
    } else {
        Holder::applicant(&a.login)
    }
}

/// Checks a staff login name: lower-case letters, digits, `.`, `-`, `_`; 3–40 characters.
pub fn check_login(login: &str) -> std::result::Result<(), String> {
    let ok = (3..=40).contains(&login.len())
        && login
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "登录名「{login}」无效：应为3至40位小写字母、数字、点、横线或下划线"
        ))
    }
}

pub(crate) fn token_hash(token: &str) -> String {
    yiyin_seal::sm3_hex(token.as_bytes())
}

/// Checks a registration: the identifier parsed, or every problem as (field, Chinese message).
pub fn check_registration(
    r: &Registration,
) -> std::result::Result<SubjectId, Vec<(&'static str, String)>> {
    let mut problems = Vec::new();
    let id = match SubjectKind::parse(&r.kind) {
        None => {
            problems.push((
                "kind",
                "申请人类型应为 person（自然人）或 organisation（法人和其他组织）".to_string(),
            ));
            None
        }
        Some(kind) => match SubjectId::parse(kind, &r.id_number) {
            Ok(id) => Some(id),
            Err(e) => {
                problems.push(("id_number", e.to_string()));
                None
            }
        },
    };
    if r.name.trim().is_empty() {
        problems.push(("name", "姓名或单位名称不能为空".into()));
    } else if let Err(e) = text::check("name", r.name.trim(), TextKind::Name) {
        problems.push(("name", e.to_string()));
    }
    let phone = r.phone.trim();
    if !(phone.len() == 11 && phone.starts_with('1') && phone.bytes().all(|b| b.is_ascii_digit())) {
        problems.push(("phone", "手机号码应为11位数字，以1开头".into()));
    }
    if let Err(e) = check_password(&r.password, &Holder::applicant(r.id_number.trim())) {
        problems.push(("password", e));
    }
    match id {
        Some(id) if problems.is_empty() => Ok(id),
        _ => Err(problems),
    }
}

/// Checks a grant against the organisation: its jurisdiction and department exist, and the roles
/// of a department name it.
pub fn check_grant(org: &Organisation, g: &Grant) -> Result<()> {
    let j = org.jurisdiction(&g.jurisdiction).ok_or_else(|| {
        AppError::field(
            "jurisdiction",
            format!("没有代码为「{}」的县区", g.jurisdiction),
        )
    })?;
    if let Some(d) = &g.department
        && j.department(d).is_none()
    {
        return Err(AppError::field(
            "department",
            format!("{}没有代码为「{d}」的部门", j.name),
        ));
    }
    if matches!(
        g.role,
        Role::DepartmentSupervisor | Role::Observer | Role::TicketHandler
    ) && g.department.is_none()
    {
        return Err(AppError::field(
            "department",
            format!("{}须指定所属部门", g.role.label()),
        ));
    }
    Ok(())
}

/// Makes a staff account with its grants (checked against the organisation), as chained events.
/// `granter` is the grants of the administrator making it: a grant that does not take effect at
/// once by them (`authz::grant_takes_effect`) waits for the bureau head's confirmation; without
/// one (the server's command line, the demo loader) every grant takes effect at once.
pub async fn create_staff(
    store: &Store,
    new: &NewStaff,
    by: &Actor,
    granter: Option<&[Grant]>,
    at: DateTime<Utc>,
) -> Result<Account> {
    check_login(&new.login).map_err(|m| AppError::field("login", m))?;
    check_password(&new.password, &Holder::staff(&new.login))
        .map_err(|m| AppError::field("password", m))?;
    if new.name.trim().is_empty() {
        return Err(AppError::field("name", "姓名不能为空"));
    }
    text::check("name", new.name.trim(), TextKind::Name)?;
    if new.grants.is_empty() {
        return Err(AppError::field("role", "工作人员至少要有一个岗位"));
    }
    let org = store.organisation().await?;
    for g in &new.grants {
        check_grant(&org, g)?;
    }
    let (effective, pending): (Vec<Grant>, Vec<Grant>) = new
        .grants
        .iter()
        .cloned()
        .partition(|g| granter.is_none_or(|by| yiyin_domain::authz::grant_takes_effect(by, g)));
    let hash = hash_password(&new.password).await?;
    let mut tx = store.begin_write().await?;
    let id = tx
        .insert_account(&NewAccount {
            kind: AccountKind::Staff,
            login: &new.login,
            name: new.name.trim(),
            password_hash: &hash,
            subject: None,
            phone: "",
            created_at: at.timestamp_millis(),
        })
        .await
        .map_err(|e| match AppError::from(e) {
            AppError::Conflict(m) => AppError::field("login", m),
            other => other,
        })?;
    tx.insert_grants(id, &effective).await?;
    let mut jurisdictions: Vec<String> =
        new.grants.iter().map(|g| g.jurisdiction.clone()).collect();
    jurisdictions.sort();
    jurisdictions.dedup();
    tx.append_events(&events_in(
        by,
        at,
        &jurisdictions,
        "account_create",
        &format!("新增工作人员账号{}（{}）", new.login, new.name.trim()),
        json!({"account": id, "login": new.login,
            "grants": effective.iter().map(grant_json).collect::<Vec<_>>()}),
    ))
    .await?;
    for g in &pending {
        let pid = tx
            .insert_pending_grant(id, g, &by.name, at.timestamp_millis())
            .await?;
        tx.append_events(&events_in(
            by,
            at,
            std::slice::from_ref(&g.jurisdiction),
            "grant_pending",
            &format!(
                "申请授予{}岗位：{}（待局长确认）",
                new.name.trim(),
                g.role.label()
            ),
            json!({"account": id, "pending": pid, "grant": grant_json(g)}),
        ))
        .await?;
    }
    tx.commit().await?;
    Ok(store.account(id).await?)
}

/// Sets a new password (checked against the policy), unlocks the account and ends all its
/// sessions, as a chained event.
pub async fn set_password(
    store: &Store,
    account: i64,
    password: &str,
    by: &Actor,
    at: DateTime<Utc>,
) -> Result<()> {
    let a = store.account(account).await?;
    check_password(password, &holder(&a)).map_err(|m| AppError::field("password", m))?;
    let hash = hash_password(password).await?;
    let mut tx = store.begin_write().await?;
    tx.set_password_hash(account, &hash).await?;
    tx.close_sessions_of(account).await?;
    let (action, reason) = if by.account == Some(account) {
        ("password_change", format!("{}修改密码", a.name))
    } else {
        ("password_reset", format!("重设{}的密码", a.name))
    };
    commit_account_change(tx, by, at, &a, action, reason).await
}

/// Records a change of an account in the chains of its jurisdictions and commits the write.
async fn commit_account_change(
    mut tx: WriteTx,
    by: &Actor,
    at: DateTime<Utc>,
    a: &Account,
    action: &str,
    reason: String,
) -> Result<()> {
    tx.append_events(&account_events(
        by,
        at,
        a,
        action,
        reason,
        json!({"account": a.id}),
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Disables (ending its sessions) or enables an account, as a chained event.
pub async fn set_active(
    store: &Store,
    account: i64,
    active: bool,
    by: &Actor,
    at: DateTime<Utc>,
) -> Result<()> {
    let a = store.account(account).await?;
    let mut tx = store.begin_write().await?;
    tx.set_account_active(account, active).await?;
    if !active {
        tx.close_sessions_of(account).await?;
    }
    let (action, reason) = if active {
        ("account_enable", format!("启用{}的账号", a.name))
    } else {
        ("account_disable", format!("停用{}的账号", a.name))
    };
    commit_account_change(tx, by, at, &a, action, reason).await
}

impl App {
    /// Checks a password (and the second factor of an enrolled account: `totp`) and opens a
    /// session; counts failures (a wrong code too) and locks after [`MAX_FAILURES`].
    #[tracing::instrument(skip_all)]
    pub async fn login(
        &self,
        login: &str,
        password: &str,
        totp: Option<&str>,
    ) -> Result<std::result::Result<Session, LoginError>> {
        let now = self.now();
        let now_ms = now.timestamp_millis();
        // The lock (see [`LOGIN_FAILED`]): each wrong password adds one to the account's count in
        // the write itself, so concurrent attempts are all counted; the one reaching MAX_FAILURES
        // locks the account, and the lock is read again after the slow check below, so attempts
        // already under way are refused too. An unknown login, a wrong password and a locked
        // account cost the same one check and read the same. As a lock shuts the owner out as well,
        // the web layer throttles attempts per client address before they reach this.
        let login = login.trim();
        let credentials = self.store.credentials(login).await?;
        let pw = password.to_string();
        let phc = credentials
            .as_ref()
            .map_or(NOBODY.to_string(), |c| c.password_hash.clone());
        let ok = crate::hashing::run(move || verify_now(&pw, &phc)).await?;
        let Some(c) = credentials else {
            return Ok(Err(LoginError::Wrong));
        };
        // Read again after the check: a lock set meanwhile by a concurrent attempt holds.
        let locked_until = self
            .store
            .credentials(login)
            .await?
            .map_or(c.locked_until, |again| again.locked_until);
        if locked_until > now_ms {
            let minutes = ((locked_until - now_ms) as f64 / 60_000.0).ceil() as i64;
            tracing::info!(account = c.id, minutes, "login to a locked account refused");
            return Ok(Err(LoginError::Locked(minutes.max(1))));
        }
        let second = if ok && c.active {
            self.second_factor_ok(c.id, totp).await?
        } else {
            Ok(())
        };
        let wrong_code = second == Err(LoginError::TotpWrong);
        if !ok || wrong_code {
            let mut tx = self.store.begin_write().await?;
            let failures = tx.count_login_failure(c.id).await?;
            let locked = failures >= MAX_FAILURES;
            if locked {
                tx.lock_account(
                    c.id,
                    now_ms + Duration::minutes(LOCK_MINUTES).num_milliseconds(),
                )
                .await?;
            }
            tx.commit().await?;
            return Ok(Err(if locked {
                LoginError::Locked(LOCK_MINUTES)
            } else if wrong_code {
                LoginError::TotpWrong
            } else {
                LoginError::Wrong
            }));
        }
        if !c.active {
            return Ok(Err(LoginError::Inactive));
        }
        if let Err(e) = second {
            return Ok(Err(e));
        }
        Ok(Ok(self.open_session_of(c.id).await?))
    }

    /// Opens a session of an account that has proven who it is (a password and its second factor,
    /// or the real-name provider: `identity`).
    pub(crate) async fn open_session_of(&self, account: i64) -> Result<Session> {
        let now = self.now();
        let token = random_token();
        let csrf = random_token();
        let expires_at = now + Duration::hours(SESSION_HOURS);
        let mut tx = self.store.begin_write().await?;
        tx.open_session(
            account,
            &token_hash(&token),
            &csrf,
            now.timestamp_millis(),
            expires_at.timestamp_millis(),
        )
        .await?;
        tx.commit().await?;
        let enrolled = self.totp_enrolled(account).await?;
        let (account, enrol_second_factor) =
            Self::second_factor_view(self.store.account(account).await?, enrolled);
        Ok(Session {
            token,
            csrf,
            account,
            expires_at,
            enrol_second_factor,
        })
    }

    /// The account as a session carries it: without the grants needing the second factor while
    /// it is not enrolled (and whether it must enrol).
    fn second_factor_view(mut account: Account, enrolled: bool) -> (Account, bool) {
        if enrolled || !crate::totp::needs_second_factor(&account.grants) {
            return (account, false);
        }
        account
            .grants
            .retain(|g| !yiyin_domain::authz::needs_second_factor(g.role));
        (account, true)
    }

    /// The session of a token, if it exists, has not expired nor gone idle longer than its
    /// account's idle timeout, and its account is active; records that it served a request.
    /// Where several servers share the database, this server's settings are first brought up to
    /// the versions read with the session ([`crate::settings_sync`]), so that the request is
    /// served with them.
    pub async fn session(&self, token: &str) -> Result<Option<Session>> {
        let hash = token_hash(token);
        let found = self.store.session_account(&hash).await?;
        self.sync_settings_if_shared(found.as_ref().map(|f| f.settings_versions.clone()))
            .await;
        let Some(found) = found else {
            return Ok(None);
        };
        let (row, account) = (found.session, found.account);
        let now = self.now();
        let now_ms = now.timestamp_millis();
        if row.expires_at <= now_ms {
            return Ok(None);
        }
        if !account.active {
            return Ok(None);
        }
        if now_ms - row.last_seen > self.idle_timeouts().of(&account).num_milliseconds() {
            let mut tx = self.store.begin_write().await?;
            tx.close_session(&hash).await?;
            tx.commit().await?;
            return Ok(None);
        }
        if now_ms - row.last_seen >= TOUCH_EVERY.num_milliseconds() {
            let mut tx = self.store.begin_write().await?;
            tx.touch_session(&hash, now_ms).await?;
            tx.commit().await?;
        }
        let (account, enrol_second_factor) = Self::second_factor_view(account, found.totp_enrolled);
        // An observer's grant ends with its jurisdiction's transition period.
        let account = self.without_lapsed_observer_grants(account).await?;
        Ok(Some(Session {
            token: token.to_string(),
            csrf: row.csrf,
            account,
            expires_at: DateTime::from_timestamp_millis(row.expires_at).unwrap_or(now),
            enrol_second_factor,
        }))
    }

    pub async fn logout(&self, token: &str) -> Result<()> {
        let mut tx = self.store.begin_write().await?;
        tx.close_session(&token_hash(token)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Makes an applicant's account (a person or an organisation; the ID number is the login)
    /// without the phone check: for trusted seeding (the demo) and for [`App::register`] once the
    /// phone's code is checked.
    #[tracing::instrument(skip_all)]
    pub async fn create_applicant(&self, r: &Registration) -> Result<Account> {
        let id = check_registration(r).map_err(|problems| AppError::Invalid {
            field: problems.first().map(|(f, _)| f.to_string()),
            message: problems
                .iter()
                .map(|(_, m)| m.as_str())
                .collect::<Vec<_>>()
                .join("；"),
        })?;
        if let SubjectId::Person(p) = &id {
            p.check_born_by(self.today())
                .map_err(|e| AppError::field("id_number", e.to_string()))?;
        }
        let hash = hash_password(&r.password).await?;
        let mut tx = self.store.begin_write().await?;
        let account = tx
            .insert_account(&NewAccount {
                kind: AccountKind::Applicant,
                login: id.as_str(),
                name: r.name.trim(),
                password_hash: &hash,
                subject: Some(&id),
                phone: r.phone.trim(),
                created_at: self.now().timestamp_millis(),
            })
            .await
            .map_err(|e| match AppError::from(e) {
                AppError::Conflict(_) => {
                    AppError::Conflict(format!("证件号码「{id}」已经注册，请直接登录"))
                }
                other => other,
            })?;
        tx.commit().await?;
        Ok(self.store.account(account).await?)
    }

    /// The staff of a jurisdiction, for its system administrators.
    pub async fn staff_of(&self, who: &Principal, jurisdiction: &str) -> Result<Vec<Account>> {
        self.require_user_view(who, jurisdiction)?;
        Ok(self.store.staff_in(jurisdiction).await?)
    }

    /// Makes a staff account in a jurisdiction the administrator manages.
    #[tracing::instrument(skip_all, fields(account = who.account.id))]
    pub async fn create_staff(&self, who: &Principal, new: &NewStaff) -> Result<Account> {
        for g in &new.grants {
            who.require_in(Operation::ManageUsers, &g.jurisdiction)?;
        }
        let by = who.actor(&self.org());
        create_staff(&self.store, new, &by, Some(&who.account.grants), self.now()).await
    }

    /// An account of the jurisdiction, for its system administrators.
    async fn managed(&self, who: &Principal, jurisdiction: &str, id: i64) -> Result<Account> {
        self.managed_account(who, jurisdiction, id).await
    }

    /// Disables (ending its sessions) or enables a staff account; an administrator cannot disable
    /// their own.
    #[tracing::instrument(skip_all, fields(account = who.account.id))]
    pub async fn set_staff_active(
        &self,
        who: &Principal,
        jurisdiction: &str,
        id: i64,
        active: bool,
    ) -> Result<Account> {
        let target = self.managed(who, jurisdiction, id).await?;
        if !active && target.id == who.account.id {
            return Err(AppError::invalid("不能停用自己的账号"));
        }
        set_active(&self.store, id, active, &who.actor(&self.org()), self.now()).await?;
        Ok(target)
    }

    /// Resets a staff account's password (unlocking it and ending all its sessions).
    #[tracing::instrument(skip_all, fields(account = who.account.id))]
    pub async fn reset_password(
        &self,
        who: &Principal,
        jurisdiction: &str,
        id: i64,
        password: &str,
    ) -> Result<Account> {
        let target = self.managed(who, jurisdiction, id).await?;
        set_password(
            &self.store,
            id,
            password,
            &who.actor(&self.org()),
            self.now(),
        )
        .await?;
        Ok(target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_login_message_states_the_lock_rule_applied() {
        let message = LoginError::Wrong.to_string();
        assert!(
            message.contains(&format!("连续输错{MAX_FAILURES}次")),
            "{message}"
        );
        assert!(
            message.contains(&format!("锁定{LOCK_MINUTES}分钟")),
            "{message}"
        );
        assert_eq!(LoginError::Locked(3).to_string(), message);
    }
}
