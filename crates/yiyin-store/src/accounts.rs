//! Accounts, roles and sessions.
//!
//! Staff log in with a login name; applicants (persons and organisations) with their citizen ID
//! number or unified social credit code. Passwords are argon2id hashes, computed off the async
//! executor. Five failed attempts lock an account for fifteen minutes. Sessions expire after eight
//! hours; the token is stored only as its SM3 hash, beside a CSRF token for forms.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sqlx::Row;
use yiyin_domain::authz::Grant;
use yiyin_domain::roles::Role;

use crate::crypto::{hash_password, random_token, sm3_hex, verify_password};
use crate::{Result, Store, StoreError};

/// Failed attempts before a lock.
pub const MAX_FAILURES: i64 = 5;
/// How long a lock lasts.
pub const LOCK_MINUTES: i64 = 15;
/// How long a session lasts.
pub const SESSION_HOURS: i64 = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    Staff,
    Applicant,
}

/// An applicant's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    /// 自然人 (citizen ID number)
    Person,
    /// 法人和其他组织 (unified social credit code)
    Organisation,
}

impl SubjectKind {
    pub fn code(self) -> &'static str {
        match self {
            SubjectKind::Person => "person",
            SubjectKind::Organisation => "organisation",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "person" => Some(SubjectKind::Person),
            "organisation" => Some(SubjectKind::Organisation),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Account {
    pub id: i64,
    pub kind: AccountKind,
    pub login: String,
    pub name: String,
    pub subject_kind: Option<SubjectKind>,
    /// Citizen ID number or credit code (applicants).
    pub id_number: String,
    pub phone: String,
    pub active: bool,
    pub grants: Vec<Grant>,
}

impl Account {
    pub fn is_staff(&self) -> bool {
        self.kind == AccountKind::Staff
    }

    /// The jurisdictions the account works in.
    pub fn jurisdictions(&self) -> Vec<String> {
        let mut j: Vec<String> = self.grants.iter().map(|g| g.jurisdiction.clone()).collect();
        j.sort();
        j.dedup();
        j
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }
}

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

async fn hash_blocking(password: String) -> String {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .expect("hashing task")
}

const ACCOUNT_COLUMNS: &str = "id, kind, login, name, subject_kind, id_number, phone, active";

impl Store {
    /// Creates a staff account with its grants.
    pub async fn create_staff(
        &self,
        login: &str,
        name: &str,
        password: &str,
        grants: &[Grant],
    ) -> Result<Account> {
        check_login(login).map_err(StoreError::Rejected)?;
        check_password(password).map_err(StoreError::Rejected)?;
        if name.trim().is_empty() {
            return Err(StoreError::Rejected("姓名不能为空".into()));
        }
        if grants.is_empty() {
            return Err(StoreError::Rejected("工作人员至少要有一个岗位".into()));
        }
        let org = self.organisation().await?;
        for g in grants {
            let j = org.jurisdiction(&g.jurisdiction).ok_or_else(|| {
                StoreError::Rejected(format!("没有代码为「{}」的县区", g.jurisdiction))
            })?;
            if let Some(d) = &g.department
                && j.department(d).is_none()
            {
                return Err(StoreError::Rejected(format!(
                    "{}没有代码为「{d}」的部门",
                    j.name
                )));
            }
            if matches!(g.role, Role::DepartmentSupervisor | Role::Observer)
                && g.department.is_none()
            {
                return Err(StoreError::Rejected(format!(
                    "{}须指定所属部门",
                    g.role.label()
                )));
            }
        }
        let hash = hash_blocking(password.to_string()).await;
        let mut tx = self.writer().begin().await?;
        let id: i64 = match sqlx::query_scalar(
            "INSERT INTO accounts (kind, login, name, password_hash, active, created_at)
             VALUES ('staff', $1, $2, $3, 1, $4) RETURNING id",
        )
        .bind(login)
        .bind(name.trim())
        .bind(hash)
        .bind(Utc::now().timestamp_millis())
        .fetch_one(&mut *tx)
        .await
        {
            Ok(id) => id,
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                return Err(StoreError::Conflict(format!("登录名「{login}」已被使用")));
            }
            Err(e) => return Err(e.into()),
        };
        for g in grants {
            sqlx::query(
                "INSERT INTO account_roles (account_id, role, jurisdiction, department, unit) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(g.role.code())
            .bind(&g.jurisdiction)
            .bind(g.department.clone().unwrap_or_default())
            .bind(g.unit.clone().unwrap_or_default())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.account(id).await
    }

    /// Registers an applicant; `id_number` is already validated (citizen ID or credit code) and is the
    /// login.
    pub async fn create_applicant(
        &self,
        subject: SubjectKind,
        id_number: &str,
        name: &str,
        phone: &str,
        password: &str,
    ) -> Result<Account> {
        check_password(password).map_err(StoreError::Rejected)?;
        if name.trim().is_empty() {
            return Err(StoreError::Rejected("姓名或单位名称不能为空".into()));
        }
        let hash = hash_blocking(password.to_string()).await;
        let id: i64 = match sqlx::query_scalar(
            "INSERT INTO accounts (kind, login, name, password_hash, subject_kind, id_number, phone, active, created_at)
             VALUES ('applicant', $1, $2, $3, $4, $5, $6, 1, $7) RETURNING id",
        )
        .bind(id_number)
        .bind(name.trim())
        .bind(hash)
        .bind(subject.code())
        .bind(id_number)
        .bind(phone.trim())
        .bind(Utc::now().timestamp_millis())
        .fetch_one(self.writer())
        .await
        {
            Ok(id) => id,
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                return Err(StoreError::Conflict(format!("证件号码「{id_number}」已经注册，请直接登录")));
            }
            Err(e) => return Err(e.into()),
        };
        self.account(id).await
    }

    pub async fn account(&self, id: i64) -> Result<Account> {
        let row = sqlx::query(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.reader())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("没有编号为{id}的账号")))?;
        self.account_from_row(&row).await
    }

    pub async fn account_by_login(&self, login: &str) -> Result<Option<Account>> {
        let row = sqlx::query(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE login = $1"
        ))
        .bind(login)
        .fetch_optional(self.reader())
        .await?;
        match row {
            Some(r) => Ok(Some(self.account_from_row(&r).await?)),
            None => Ok(None),
        }
    }

    /// Staff accounts holding a role in a jurisdiction.
    pub async fn staff_in(&self, jurisdiction: &str) -> Result<Vec<Account>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT DISTINCT account_id FROM account_roles WHERE jurisdiction = $1 ORDER BY account_id",
        )
        .bind(jurisdiction)
        .fetch_all(self.reader())
        .await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.account(id).await?);
        }
        Ok(out)
    }

    async fn account_from_row(&self, row: &sqlx::any::AnyRow) -> Result<Account> {
        let id: i64 = row.try_get("id")?;
        let kind = match row.try_get::<String, _>("kind")?.as_str() {
            "staff" => AccountKind::Staff,
            _ => AccountKind::Applicant,
        };
        let roles = sqlx::query(
            "SELECT role, jurisdiction, department, unit FROM account_roles WHERE account_id = $1 ORDER BY jurisdiction, role",
        )
        .bind(id)
        .fetch_all(self.reader())
        .await?;
        let mut grants = Vec::with_capacity(roles.len());
        for r in roles {
            let role: String = r.try_get("role")?;
            let department: String = r.try_get("department")?;
            let unit: String = r.try_get("unit")?;
            grants.push(Grant {
                role: Role::parse(&role)
                    .ok_or_else(|| StoreError::Corrupt(format!("未知岗位「{role}」")))?,
                jurisdiction: r.try_get("jurisdiction")?,
                department: (!department.is_empty()).then_some(department),
                unit: (!unit.is_empty()).then_some(unit),
            });
        }
        Ok(Account {
            id,
            kind,
            login: row.try_get("login")?,
            name: row.try_get("name")?,
            subject_kind: SubjectKind::parse(&row.try_get::<String, _>("subject_kind")?),
            id_number: row.try_get("id_number")?,
            phone: row.try_get("phone")?,
            active: row.try_get::<i64, _>("active")? != 0,
            grants,
        })
    }

    /// Checks a password and opens a session; counts failures and locks after [`MAX_FAILURES`].
    pub async fn login(
        &self,
        login: &str,
        password: &str,
        now: DateTime<Utc>,
    ) -> Result<std::result::Result<Session, LoginError>> {
        let row = sqlx::query("SELECT id, password_hash, active, failed_logins, locked_until FROM accounts WHERE login = $1")
            .bind(login.trim())
            .fetch_optional(self.reader())
            .await?;
        let Some(row) = row else {
            // Spend the same time as a real check, so that timing does not reveal the login exists.
            let _ = tokio::task::spawn_blocking(|| verify_password("x", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$0000000000000000000000000000000000000000000")).await;
            return Ok(Err(LoginError::Wrong));
        };
        let id: i64 = row.try_get("id")?;
        let hash: String = row.try_get("password_hash")?;
        let active = row.try_get::<i64, _>("active")? != 0;
        let locked_until: i64 = row.try_get("locked_until")?;
        let now_ms = now.timestamp_millis();
        if locked_until > now_ms {
            let minutes = ((locked_until - now_ms) as f64 / 60_000.0).ceil() as i64;
            return Ok(Err(LoginError::Locked(minutes.max(1))));
        }
        let pw = password.to_string();
        let ok = tokio::task::spawn_blocking(move || verify_password(&pw, &hash))
            .await
            .expect("verify task");
        if !ok {
            let failures: i64 = row.try_get::<i64, _>("failed_logins")? + 1;
            let lock = if failures >= MAX_FAILURES {
                now_ms + Duration::minutes(LOCK_MINUTES).num_milliseconds()
            } else {
                0
            };
            sqlx::query("UPDATE accounts SET failed_logins = $1, locked_until = $2 WHERE id = $3")
                .bind(if lock > 0 { 0 } else { failures })
                .bind(lock)
                .bind(id)
                .execute(self.writer())
                .await?;
            return Ok(Err(if lock > 0 {
                LoginError::Locked(LOCK_MINUTES)
            } else {
                LoginError::Wrong
            }));
        }
        if !active {
            return Ok(Err(LoginError::Inactive));
        }
        let token = random_token();
        let csrf = random_token();
        let expires_at = now + Duration::hours(SESSION_HOURS);
        let mut tx = self.writer().begin().await?;
        sqlx::query("UPDATE accounts SET failed_logins = 0, locked_until = 0 WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND expires_at < $2")
            .bind(id)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO sessions (token_hash, account_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(sm3_hex(token.as_bytes()))
            .bind(id)
            .bind(&csrf)
            .bind(now_ms)
            .bind(expires_at.timestamp_millis())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Ok(Session {
            token,
            csrf,
            account: self.account(id).await?,
            expires_at,
        }))
    }

    /// The session of a token, if it exists and has not expired.
    pub async fn session(&self, token: &str, now: DateTime<Utc>) -> Result<Option<Session>> {
        let row =
            sqlx::query("SELECT account_id, csrf, expires_at FROM sessions WHERE token_hash = $1")
                .bind(sm3_hex(token.as_bytes()))
                .fetch_optional(self.reader())
                .await?;
        let Some(row) = row else { return Ok(None) };
        let expires: i64 = row.try_get("expires_at")?;
        if expires <= now.timestamp_millis() {
            return Ok(None);
        }
        let account = self.account(row.try_get("account_id")?).await?;
        if !account.active {
            return Ok(None);
        }
        Ok(Some(Session {
            token: token.to_string(),
            csrf: row.try_get("csrf")?,
            account,
            expires_at: DateTime::from_timestamp_millis(expires).unwrap_or(now),
        }))
    }

    pub async fn logout(&self, token: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(sm3_hex(token.as_bytes()))
            .execute(self.writer())
            .await?;
        Ok(())
    }

    /// Sets a new password (and unlocks the account).
    pub async fn set_password(&self, account_id: i64, password: &str) -> Result<()> {
        check_password(password).map_err(StoreError::Rejected)?;
        let hash = hash_blocking(password.to_string()).await;
        sqlx::query("UPDATE accounts SET password_hash = $1, failed_logins = 0, locked_until = 0 WHERE id = $2")
            .bind(hash)
            .bind(account_id)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    pub async fn set_active(&self, account_id: i64, active: bool) -> Result<()> {
        sqlx::query("UPDATE accounts SET active = $1 WHERE id = $2")
            .bind(i64::from(active))
            .bind(account_id)
            .execute(self.writer())
            .await?;
        if !active {
            sqlx::query("DELETE FROM sessions WHERE account_id = $1")
                .bind(account_id)
                .execute(self.writer())
                .await?;
        }
        Ok(())
    }
}
