//! Accounts, their grants and their sessions, as rows. Staff log in with a login name; applicants
//! (persons and organisations) with their citizen ID number or unified social credit code. The
//! password hash, the session token's hash and the lock are computed by the application layer and
//! kept here; failed attempts are counted atomically in the write.

use serde::Serialize;
use yiyin_domain::authz::Grant;
use yiyin_domain::party::{SubjectId, SubjectKind};
use yiyin_domain::roles::Role;

use crate::rows::from_row;
use crate::{Conflict, Missing, Result, Store, StoreError, WriteTx};

/// Staff or applicant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    Staff,
    Applicant,
}

impl AccountKind {
    pub fn code(self) -> &'static str {
        match self {
            AccountKind::Staff => "staff",
            AccountKind::Applicant => "applicant",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "staff" => Some(AccountKind::Staff),
            "applicant" => Some(AccountKind::Applicant),
            _ => None,
        }
    }
}

/// An account with its grants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Account {
    pub id: i64,
    pub kind: AccountKind,
    pub login: String,
    pub name: String,
    pub subject_kind: Option<SubjectKind>,
    /// Citizen ID number or credit code (applicants).
    pub id_number: Option<SubjectId>,
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

struct AccountRow {
    id: i64,
    kind: AccountKind,
    login: String,
    name: String,
    subject_kind: String,
    id_number: String,
    phone: String,
    active: bool,
}

from_row!(AccountRow {
    id,
    kind,
    login,
    name,
    subject_kind,
    id_number,
    phone,
    active,
});

struct GrantRow {
    role: Role,
    jurisdiction: String,
    department: String,
    unit: String,
}

from_row!(GrantRow {
    role,
    jurisdiction,
    department,
    unit,
});

const ACCOUNT_COLUMNS: &str = "id, kind, login, name, subject_kind, id_number, phone, active";

/// What a login is checked against.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub id: i64,
    pub password_hash: String,
    pub active: bool,
    pub locked_until: i64,
}

from_row!(Credentials {
    id,
    password_hash,
    active,
    locked_until,
});

/// A new account's row.
#[derive(Debug, Clone)]
pub struct NewAccount<'a> {
    pub kind: AccountKind,
    pub login: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub subject: Option<&'a SubjectId>,
    pub phone: &'a str,
    pub created_at: i64,
}

/// A session as kept: the account, the CSRF token and the expiry.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub account_id: i64,
    pub csrf: String,
    pub expires_at: i64,
}

from_row!(SessionRow {
    account_id,
    csrf,
    expires_at,
});

impl WriteTx {
    /// Creates an account; a login already taken is a conflict.
    pub async fn insert_account(&mut self, a: &NewAccount<'_>) -> Result<i64> {
        let result = sqlx::query_scalar(
            "INSERT INTO accounts (kind, login, name, password_hash, subject_kind, id_number, phone, active, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8) RETURNING id",
        )
        .bind(a.kind.code())
        .bind(a.login)
        .bind(a.name)
        .bind(a.password_hash)
        .bind(a.subject.map(|s| s.kind().code()).unwrap_or(""))
        .bind(a.subject.map(|s| s.as_str()).unwrap_or(""))
        .bind(a.phone)
        .bind(a.created_at)
        .fetch_one(&mut **self)
        .await;
        match result {
            Ok(id) => Ok(id),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                Err(StoreError::Conflict(Conflict::Taken {
                    what: "login",
                    value: a.login.to_string(),
                }))
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn insert_grants(&mut self, account: i64, grants: &[Grant]) -> Result<()> {
        for g in grants {
            sqlx::query(
                "INSERT INTO account_roles (account_id, role, jurisdiction, department, unit) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(account)
            .bind(g.role.code())
            .bind(&g.jurisdiction)
            .bind(g.department.clone().unwrap_or_default())
            .bind(g.unit.clone().unwrap_or_default())
            .execute(&mut **self)
            .await?;
        }
        Ok(())
    }

    /// Counts a failed login in the write itself; returns the count now.
    pub async fn count_login_failure(&mut self, account: i64) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "UPDATE accounts SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins",
        )
        .bind(account)
        .fetch_one(&mut **self)
        .await?)
    }

    /// Locks an account until `until` (ms) and starts counting afresh.
    pub async fn lock_account(&mut self, account: i64, until: i64) -> Result<()> {
        sqlx::query("UPDATE accounts SET failed_logins = 0, locked_until = $1 WHERE id = $2")
            .bind(until)
            .bind(account)
            .execute(&mut **self)
            .await?;
        Ok(())
    }

    /// A new password hash (and the account unlocked).
    pub async fn set_password_hash(&mut self, account: i64, hash: &str) -> Result<()> {
        sqlx::query("UPDATE accounts SET password_hash = $1, failed_logins = 0, locked_until = 0 WHERE id = $2")
            .bind(hash)
            .bind(account)
            .execute(&mut **self)
            .await?;
        Ok(())
    }

    pub async fn set_account_active(&mut self, account: i64, active: bool) -> Result<()> {
        sqlx::query("UPDATE accounts SET active = $1 WHERE id = $2")
            .bind(i64::from(active))
            .bind(account)
            .execute(&mut **self)
            .await?;
        Ok(())
    }

    /// Opens a session (its token kept only as a hash); clears the account's failures and its
    /// expired sessions.
    pub async fn open_session(
        &mut self,
        account: i64,
        token_hash: &str,
        csrf: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        sqlx::query("UPDATE accounts SET failed_logins = 0, locked_until = 0 WHERE id = $1")
            .bind(account)
            .execute(&mut **self)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND expires_at < $2")
            .bind(account)
            .bind(now)
            .execute(&mut **self)
            .await?;
        sqlx::query("INSERT INTO sessions (token_hash, account_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(token_hash)
            .bind(account)
            .bind(csrf)
            .bind(now)
            .bind(expires_at)
            .execute(&mut **self)
            .await?;
        Ok(())
    }

    pub async fn close_session(&mut self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&mut **self)
            .await?;
        Ok(())
    }

    /// Ends every session of an account.
    pub async fn close_sessions_of(&mut self, account: i64) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE account_id = $1")
            .bind(account)
            .execute(&mut **self)
            .await?;
        Ok(())
    }
}

impl Store {
    async fn with_grants(&self, row: AccountRow) -> Result<Account> {
        let grants: Vec<GrantRow> = sqlx::query_as(
            "SELECT role, jurisdiction, department, unit FROM account_roles WHERE account_id = $1 ORDER BY jurisdiction, role",
        )
        .bind(row.id)
        .fetch_all(self.reader())
        .await?;
        let subject_kind = SubjectKind::parse(&row.subject_kind);
        let id_number =
            match subject_kind {
                Some(kind) => Some(SubjectId::parse(kind, &row.id_number).map_err(|e| {
                    StoreError::Corrupt(format!("account {} id number: {e}", row.id))
                })?),
                None => None,
            };
        Ok(Account {
            id: row.id,
            kind: row.kind,
            login: row.login,
            name: row.name,
            subject_kind,
            id_number,
            phone: row.phone,
            active: row.active,
            grants: grants
                .into_iter()
                .map(|g| Grant {
                    role: g.role,
                    jurisdiction: g.jurisdiction,
                    department: (!g.department.is_empty()).then_some(g.department),
                    unit: (!g.unit.is_empty()).then_some(g.unit),
                })
                .collect(),
        })
    }

    pub async fn account(&self, id: i64) -> Result<Account> {
        let row: AccountRow = sqlx::query_as(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.reader())
        .await?
        .ok_or(StoreError::NotFound(Missing::Account(id)))?;
        self.with_grants(row).await
    }

    pub async fn account_by_login(&self, login: &str) -> Result<Option<Account>> {
        let row: Option<AccountRow> = sqlx::query_as(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE login = $1"
        ))
        .bind(login)
        .fetch_optional(self.reader())
        .await?;
        match row {
            Some(r) => Ok(Some(self.with_grants(r).await?)),
            None => Ok(None),
        }
    }

    /// Staff accounts holding a role in a jurisdiction.
    pub async fn staff_in(&self, jurisdiction: &str) -> Result<Vec<Account>> {
        let rows: Vec<AccountRow> = sqlx::query_as(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id IN
               (SELECT account_id FROM account_roles WHERE jurisdiction = $1) ORDER BY id"
        ))
        .bind(jurisdiction)
        .fetch_all(self.reader())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(self.with_grants(r).await?);
        }
        Ok(out)
    }

    /// What a login is checked against, if the login exists.
    pub async fn credentials(&self, login: &str) -> Result<Option<Credentials>> {
        Ok(sqlx::query_as(
            "SELECT id, password_hash, active, locked_until FROM accounts WHERE login = $1",
        )
        .bind(login)
        .fetch_optional(self.reader())
        .await?)
    }

    /// A session by the hash of its token.
    pub async fn session(&self, token_hash: &str) -> Result<Option<SessionRow>> {
        Ok(sqlx::query_as(
            "SELECT account_id, csrf, expires_at FROM sessions WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(self.reader())
        .await?)
    }
}
