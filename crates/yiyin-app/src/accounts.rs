//! Accounts and sessions: logging in (Argon2id off the async executor, never more hashing at once
//! than there are cores; five failed attempts lock an account for fifteen minutes, counted
//! atomically; the message never says whether a login exists), sessions of eight hours kept only as
//! the SM3 hash of their token, applicants registering, staff accounts made and managed by the
//! jurisdiction's system administrators (or the server's command line).

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use yiyin_domain::authz::{Grant, Operation};
use yiyin_domain::party::{SubjectId, SubjectKind};
use yiyin_domain::roles::Role;
use yiyin_store::Store;
use yiyin_store::accounts::{Account, AccountKind, NewAccount};

use crate::App;
use crate::error::{AppError, Result};
use crate::principal::Principal;

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
}

/// Why a login failed. The message never says whether the login name exists.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoginError {
    #[error("账号或密码错误")]
    Wrong,
    #[error("密码连续错误次数过多，账号已锁定，请于{0}分钟后再试")]
    Locked(i64),
    #[error("账号已停用，请联系系统管理员")]
    Inactive,
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
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await
        .map_err(AppError::internal)
}

/// Checks a new password: at least 8 characters, with letters and digits.
pub fn check_password(password: &str) -> std::result::Result<(), String> {
    if password.chars().count() < 8 {
        return Err("密码至少8位".into());
    }
    if !password.chars().any(|c| c.is_ascii_digit()) || !password.chars().any(|c| c.is_alphabetic())
    {
        return Err("密码须同时包含字母和数字".into());
    }
    Ok(())
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

fn token_hash(token: &str) -> String {
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
    }
    let phone = r.phone.trim();
    if !(phone.len() == 11 && phone.starts_with('1') && phone.bytes().all(|b| b.is_ascii_digit())) {
        problems.push(("phone", "手机号码应为11位数字，以1开头".into()));
    }
    if let Err(e) = check_password(&r.password) {
        problems.push(("password", e));
    }
    match id {
        Some(id) if problems.is_empty() => Ok(id),
        _ => Err(problems),
    }
}

/// Makes a staff account with its grants (checked against the organisation).
pub async fn create_staff(store: &Store, new: &NewStaff, at: DateTime<Utc>) -> Result<Account> {
    check_login(&new.login).map_err(|m| AppError::field("login", m))?;
    check_password(&new.password).map_err(|m| AppError::field("password", m))?;
    if new.name.trim().is_empty() {
        return Err(AppError::field("name", "姓名不能为空"));
    }
    if new.grants.is_empty() {
        return Err(AppError::field("role", "工作人员至少要有一个岗位"));
    }
    let org = store.organisation().await?;
    for g in &new.grants {
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
        if matches!(g.role, Role::DepartmentSupervisor | Role::Observer) && g.department.is_none() {
            return Err(AppError::field(
                "department",
                format!("{}须指定所属部门", g.role.label()),
            ));
        }
    }
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
    tx.insert_grants(id, &new.grants).await?;
    tx.commit().await?;
    Ok(store.account(id).await?)
}

/// Sets a new password (and unlocks the account).
pub async fn set_password(store: &Store, account: i64, password: &str) -> Result<()> {
    check_password(password).map_err(|m| AppError::field("password", m))?;
    let hash = hash_password(password).await?;
    let mut tx = store.begin_write().await?;
    tx.set_password_hash(account, &hash).await?;
    tx.commit().await?;
    Ok(())
}

/// Disables (ending its sessions) or enables an account.
pub async fn set_active(store: &Store, account: i64, active: bool) -> Result<()> {
    let mut tx = store.begin_write().await?;
    tx.set_account_active(account, active).await?;
    if !active {
        tx.close_sessions_of(account).await?;
    }
    tx.commit().await?;
    Ok(())
}

impl App {
    /// Checks a password and opens a session; counts failures and locks after [`MAX_FAILURES`].
    #[tracing::instrument(skip_all)]
    pub async fn login(
        &self,
        login: &str,
        password: &str,
    ) -> Result<std::result::Result<Session, LoginError>> {
        let now = self.now();
        let now_ms = now.timestamp_millis();
        let credentials = self.store.credentials(login.trim()).await?;
        // Never more hashing at once than there are cores (each Argon2id takes 19 MiB): the rest wait.
        let _permit = self.hashing.acquire().await.map_err(AppError::internal)?;
        let Some(c) = credentials else {
            // Spend the same time as a real check, so that timing does not reveal the login exists.
            let _ = tokio::task::spawn_blocking(|| {
                verify_now(
                    "x",
                    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$0000000000000000000000000000000000000000000",
                )
            })
            .await;
            return Ok(Err(LoginError::Wrong));
        };
        if c.locked_until > now_ms {
            let minutes = ((c.locked_until - now_ms) as f64 / 60_000.0).ceil() as i64;
            return Ok(Err(LoginError::Locked(minutes.max(1))));
        }
        let pw = password.to_string();
        let hash = c.password_hash.clone();
        let ok = tokio::task::spawn_blocking(move || verify_now(&pw, &hash))
            .await
            .map_err(AppError::internal)?;
        if !ok {
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
            } else {
                LoginError::Wrong
            }));
        }
        if !c.active {
            return Ok(Err(LoginError::Inactive));
        }
        let token = random_token();
        let csrf = random_token();
        let expires_at = now + Duration::hours(SESSION_HOURS);
        let mut tx = self.store.begin_write().await?;
        tx.open_session(
            c.id,
            &token_hash(&token),
            &csrf,
            now_ms,
            expires_at.timestamp_millis(),
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(Session {
            token,
            csrf,
            account: self.store.account(c.id).await?,
            expires_at,
        }))
    }

    /// The session of a token, if it exists, has not expired and its account is active.
    pub async fn session(&self, token: &str) -> Result<Option<Session>> {
        let Some(row) = self.store.session(&token_hash(token)).await? else {
            return Ok(None);
        };
        let now = self.now();
        if row.expires_at <= now.timestamp_millis() {
            return Ok(None);
        }
        let account = self.store.account(row.account_id).await?;
        if !account.active {
            return Ok(None);
        }
        Ok(Some(Session {
            token: token.to_string(),
            csrf: row.csrf,
            account,
            expires_at: DateTime::from_timestamp_millis(row.expires_at).unwrap_or(now),
        }))
    }

    pub async fn logout(&self, token: &str) -> Result<()> {
        let mut tx = self.store.begin_write().await?;
        tx.close_session(&token_hash(token)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Registers an applicant (a person or an organisation); the ID number is the login.
    #[tracing::instrument(skip_all)]
    pub async fn register(&self, r: &Registration) -> Result<Account> {
        let id = check_registration(r).map_err(|problems| AppError::Invalid {
            field: problems.first().map(|(f, _)| f.to_string()),
            message: problems
                .iter()
                .map(|(_, m)| m.as_str())
                .collect::<Vec<_>>()
                .join("；"),
        })?;
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
        who.require_in(Operation::ManageUsers, jurisdiction)?;
        Ok(self.store.staff_in(jurisdiction).await?)
    }

    /// Makes a staff account in a jurisdiction the administrator manages.
    #[tracing::instrument(skip_all, fields(account = who.account.id))]
    pub async fn create_staff(&self, who: &Principal, new: &NewStaff) -> Result<Account> {
        for g in &new.grants {
            who.require_in(Operation::ManageUsers, &g.jurisdiction)?;
        }
        create_staff(&self.store, new, self.now()).await
    }

    /// An account of the jurisdiction, for its system administrators.
    async fn managed(&self, who: &Principal, jurisdiction: &str, id: i64) -> Result<Account> {
        who.require_in(Operation::ManageUsers, jurisdiction)?;
        let target = self.store.account(id).await?;
        if !target.grants.iter().any(|g| g.jurisdiction == jurisdiction) {
            return Err(AppError::Forbidden("无权管理其他县区的账号".into()));
        }
        Ok(target)
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
        set_active(&self.store, id, active).await?;
        Ok(target)
    }

    /// Resets a staff account's password (and unlocks it).
    #[tracing::instrument(skip_all, fields(account = who.account.id))]
    pub async fn reset_password(
        &self,
        who: &Principal,
        jurisdiction: &str,
        id: i64,
        password: &str,
    ) -> Result<Account> {
        let target = self.managed(who, jurisdiction, id).await?;
        set_password(&self.store, id, password).await?;
        Ok(target)
    }
}
