//! Accounts, their grants and their sessions, as rows. Staff log in with a login name; applicants
//! (persons and organisations) with their citizen ID number or unified social credit code. The
//! password hash, the session token's hash and the lock are computed by the application layer and
//! kept here; failed attempts are counted atomically in the write.

use std::collections::HashMap;

use serde::Serialize;
use yiyin_domain::authz::Grant;
use yiyin_domain::party::{SubjectId, SubjectKind};
use yiyin_domain::roles::Role;

use crate::rows::{Statement, by_id, insert, record, select, sql};
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

// Read from its stored code here, so that the row kernel need not know accounts.
crate::rows::labelled_columns!(AccountKind);

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
    /// The identity a real-name provider verified for the account (applicants), if any.
    pub verified: Option<crate::identities::VerifiedIdentity>,
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

    /// The ID number a real-name provider verified for the account, if any: the cases and
    /// licences under it are the account's.
    pub fn verified_id(&self) -> Option<&SubjectId> {
        self.verified.as_ref().map(|v| &v.id_number)
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }
}

record! {
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
}

record! {
    struct GrantRow {
        account_id: i64,
        role: Role,
        jurisdiction: String,
        department: String,
        unit: String,
    }
}

record! {
    /// What a login is checked against.
    #[derive(Debug, Clone)]
    pub struct Credentials {
        pub id: i64,
        pub password_hash: String,
        pub active: bool,
        pub locked_until: i64,
    }
}

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

record! {
    /// A session as kept: the account, the CSRF token and the expiry.
    #[derive(Debug, Clone)]
    pub struct SessionRow {
        pub account_id: i64,
        pub csrf: String,
        pub expires_at: i64,
        /// When the session last served a request (ms), for the idle timeout.
        pub last_seen: i64,
    }
}

/// A session with its account, as [`Store::session_account`] reads them.
#[derive(Debug, Clone)]
pub struct SessionAccount {
    pub session: SessionRow,
    pub account: Account,
    /// Whether the account enrolled a second factor.
    pub totp_enrolled: bool,
    /// Every setting's version, by name, read by the same statement
    /// ([`crate::settings::SETTINGS`]): a server that shares the database compares them on use.
    pub settings_versions: Vec<(String, i64)>,
}

/// A row of [`Store::session_account`]'s first statement: the session and its account, with one
/// of the account's grants (none when it has none).
struct SessionAccountRow {
    session: SessionRow,
    account: AccountRow,
    totp_enrolled: bool,
    has_identity: bool,
    grant: Option<GrantRow>,
    settings_versions: Vec<(String, i64)>,
}

impl sqlx::FromRow<'_, sqlx::any::AnyRow> for SessionAccountRow {
    fn from_row(row: &sqlx::any::AnyRow) -> std::result::Result<Self, sqlx::Error> {
        use crate::rows::Column;
        Ok(SessionAccountRow {
            session: SessionRow::from_row(row)?,
            account: AccountRow::from_row(row)?,
            totp_enrolled: bool::get(row, "totp_enrolled")?,
            has_identity: bool::get(row, "has_identity")?,
            settings_versions: crate::settings::versions_of(row)?,
            grant: match String::get(row, "g_role")?.as_str() {
                "" => None,
                _ => Some(GrantRow {
                    account_id: i64::get(row, "account_id")?,
                    role: Role::get(row, "g_role")?,
                    jurisdiction: String::get(row, "g_jurisdiction")?,
                    department: String::get(row, "g_department")?,
                    unit: String::get(row, "g_unit")?,
                }),
            },
        })
    }
}

impl WriteTx {
    /// Creates an account; a login already taken is a conflict.
    pub async fn insert_account(&mut self, a: &NewAccount<'_>) -> Result<i64> {
        let result = insert!("accounts", a;
            kind = a.kind.code(), login, name, password_hash,
            subject_kind = a.subject.map(|s| s.kind().code()).unwrap_or(""),
            id_number = a.subject.map(|s| s.as_str()).unwrap_or(""), phone, active = 1_i64,
            created_at;
            "RETURNING id")
        .scalar(&mut **self)
        .await;
        match result {
            Err(e) if e.is_unique_violation() => Err(StoreError::Conflict(Conflict::Taken {
                what: "login",
                value: a.login.to_string(),
            })),
            other => other,
        }
    }

    pub async fn insert_grants(&mut self, account: i64, grants: &[Grant]) -> Result<()> {
        for g in grants {
            insert!("account_roles", g;
                account_id = account, role = g.role.code(), jurisdiction,
                department = g.department.clone().unwrap_or_default(),
                unit = g.unit.clone().unwrap_or_default())
            .run(&mut **self)
            .await?;
        }
        Ok(())
    }

    /// Counts a failed login in the write itself; returns the count now.
    pub async fn count_login_failure(&mut self, account: i64) -> Result<i64> {
        sql!(
            "UPDATE accounts SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins";
            account
        )
        .scalar(&mut **self)
        .await
    }

    /// Locks an account until `until` (ms) and starts counting afresh.
    pub async fn lock_account(&mut self, account: i64, until: i64) -> Result<()> {
        sql!(
            "UPDATE accounts SET failed_logins = 0, locked_until = $1 WHERE id = $2";
            until, account
        )
        .run(&mut **self)
        .await
    }

    /// A new password hash (and the account unlocked).
    pub async fn set_password_hash(&mut self, account: i64, hash: &str) -> Result<()> {
        sql!(
            "UPDATE accounts SET password_hash = $1, failed_logins = 0, locked_until = 0 WHERE id = $2";
            hash, account
        )
        .run(&mut **self)
        .await
    }

    pub async fn set_account_active(&mut self, account: i64, active: bool) -> Result<()> {
        sql!("UPDATE accounts SET active = $1 WHERE id = $2"; i64::from(active), account)
            .run(&mut **self)
            .await
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
        sql!("UPDATE accounts SET failed_logins = 0, locked_until = 0 WHERE id = $1"; account)
            .run(&mut **self)
            .await?;
        sql!("DELETE FROM sessions WHERE account_id = $1 AND expires_at < $2"; account, now)
            .run(&mut **self)
            .await?;
        insert!("sessions";
            token_hash, account_id = account, csrf, created_at = now, expires_at, last_seen = now)
        .run(&mut **self)
        .await
    }

    pub async fn close_session(&mut self, token_hash: &str) -> Result<()> {
        sql!("DELETE FROM sessions WHERE token_hash = $1"; token_hash)
            .run(&mut **self)
            .await
    }

    /// Ends every session of an account.
    pub async fn close_sessions_of(&mut self, account: i64) -> Result<()> {
        sql!("DELETE FROM sessions WHERE account_id = $1"; account)
            .run(&mut **self)
            .await
    }
}

/// How many accounts one query reads the grants (or identities) of.
pub(crate) const READ_CHUNK: usize = 500;

/// An account from its row, its grants' rows and its verified identity.
fn assemble(
    row: AccountRow,
    grants: Vec<GrantRow>,
    verified: Option<crate::identities::VerifiedIdentity>,
) -> Result<Account> {
    let subject_kind = SubjectKind::parse(&row.subject_kind);
    let id_number = match subject_kind {
        Some(kind) => Some(
            SubjectId::parse(kind, &row.id_number)
                .map_err(|e| StoreError::Corrupt(format!("account {} id number: {e}", row.id)))?,
        ),
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
        verified,
    })
}

impl Store {
    /// The accounts a statement reads, each with its grants and verified identity: the grants
    /// and identities of all of them read together, [`READ_CHUNK`] accounts a query.
    async fn accounts_read(&self, statement: Statement<'_>) -> Result<Vec<Account>> {
        let rows: Vec<AccountRow> = statement.all(self.reader()).await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut grants: HashMap<i64, Vec<GrantRow>> = HashMap::new();
        for chunk in ids.chunks(READ_CHUNK) {
            let mut q = Statement::new(select::<GrantRow>("account_roles WHERE account_id"));
            q.push_in(chunk);
            q.push(" ORDER BY account_id, jurisdiction, role");
            let found: Vec<GrantRow> = q.all(self.reader()).await?;
            for g in found {
                grants.entry(g.account_id).or_default().push(g);
            }
        }
        let mut identities = self.identities_of(&ids).await?;
        rows.into_iter()
            .map(|r| {
                let (g, v) = (
                    grants.remove(&r.id).unwrap_or_default(),
                    identities.remove(&r.id),
                );
                assemble(r, g, v)
            })
            .collect()
    }

    async fn with_grants(&self, row: AccountRow) -> Result<Account> {
        let from = "account_roles WHERE account_id = $1 ORDER BY jurisdiction, role";
        let grants: Vec<GrantRow> = sql!(select::<GrantRow>(from); row.id)
            .all(self.reader())
            .await?;
        let verified = self.identity_of(row.id).await?;
        assemble(row, grants, verified)
    }

    pub async fn account(&self, id: i64) -> Result<Account> {
        let row: AccountRow = by_id(self.reader(), "accounts", id, Missing::Account).await?;
        self.with_grants(row).await
    }

    pub async fn account_by_login(&self, login: &str) -> Result<Option<Account>> {
        let row: Option<AccountRow> =
            sql!(select::<AccountRow>("accounts WHERE login = $1"); login)
                .optional(self.reader())
                .await?;
        match row {
            Some(r) => Ok(Some(self.with_grants(r).await?)),
            None => Ok(None),
        }
    }

    /// The active staff accounts holding one of `roles` in a jurisdiction (a grant in force, of
    /// any department or unit), each with all its grants: those who may be told of, or sent to,
    /// a piece of work there.
    pub async fn staff_holding(&self, jurisdiction: &str, roles: &[Role]) -> Result<Vec<Account>> {
        if roles.is_empty() {
            return Ok(Vec::new());
        }
        let codes: Vec<&'static str> = roles.iter().map(|r| r.code()).collect();
        let mut q = Statement::new(select::<AccountRow>(
            "accounts WHERE active = 1 AND id IN (SELECT account_id FROM account_roles WHERE jurisdiction = ",
        ));
        q.push_bind(jurisdiction).push(" AND role");
        q.push_in(&codes);
        q.push(") ORDER BY id");
        self.accounts_read(q).await
    }

    /// Staff accounts holding a role in a jurisdiction (or waiting for one to be confirmed).
    pub async fn staff_in(&self, jurisdiction: &str) -> Result<Vec<Account>> {
        let from = "accounts WHERE id IN
               (SELECT account_id FROM account_roles WHERE jurisdiction = $1)
            OR id IN (SELECT account_id FROM pending_grants WHERE jurisdiction = $1) ORDER BY id";
        self.accounts_read(sql!(select::<AccountRow>(from); jurisdiction))
            .await
    }

    /// What a login is checked against, if the login exists.
    pub async fn credentials(&self, login: &str) -> Result<Option<Credentials>> {
        sql!(select::<Credentials>("accounts WHERE login = $1"); login)
            .optional(self.reader())
            .await
    }

    /// A session by the hash of its token with its account, read as every request needs them:
    /// the session, the account, whether it enrolled a second factor and its grants in one
    /// statement (a row a grant) with the versions of the settings, and the verified identity in a
    /// second only where there is one.
    pub async fn session_account(&self, token_hash: &str) -> Result<Option<SessionAccount>> {
        let sql = format!(
            "SELECT {}, {}, \
               CAST(CASE WHEN a.totp_secret = '' THEN 0 ELSE 1 END AS BIGINT) AS totp_enrolled, \
               CAST(CASE WHEN EXISTS (SELECT 1 FROM account_identities i \
                 WHERE i.account_id = a.id) THEN 1 ELSE 0 END AS BIGINT) AS has_identity, \
               COALESCE(g.role, '') AS g_role, COALESCE(g.jurisdiction, '') AS g_jurisdiction, \
               COALESCE(g.department, '') AS g_department, COALESCE(g.unit, '') AS g_unit, {} \
             FROM sessions s JOIN accounts a ON a.id = s.account_id \
             LEFT JOIN account_roles g ON g.account_id = a.id \
             WHERE s.token_hash = $1 ORDER BY g.jurisdiction, g.role",
            crate::rows::columns_of::<SessionRow>("s"),
            crate::rows::columns_of::<AccountRow>("a"),
            crate::settings::versions_columns(),
        );
        let mut rows: Vec<SessionAccountRow> = sql!(&sql; token_hash).all(self.reader()).await?;
        let grants: Vec<GrantRow> = rows.iter_mut().filter_map(|r| r.grant.take()).collect();
        let Some(found) = rows.into_iter().next() else {
            return Ok(None);
        };
        let verified = match found.has_identity {
            true => self.identity_of(found.account.id).await?,
            false => None,
        };
        Ok(Some(SessionAccount {
            session: found.session,
            account: assemble(found.account, grants, verified)?,
            totp_enrolled: found.totp_enrolled,
            settings_versions: found.settings_versions,
        }))
    }
}
