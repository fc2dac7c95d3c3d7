//! The rows of authentication strength and accountable user management: grants waiting for the
//! bureau head's confirmation, grants revoked, an account's TOTP secret (and the one offered at
//! enrolment), when a session last served a request. What they mean is decided by the application
//! layer.

use serde::Serialize;
use yiyin_domain::authz::Grant;
use yiyin_domain::roles::Role;

use crate::rows::{insert, record, select, sql};
use crate::{Result, Store, WriteTx};

record! {
    /// A grant of a deciding role waiting for the bureau head's confirmation.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct PendingGrant {
        pub id: i64,
        pub account_id: i64,
        pub role: Role,
        pub jurisdiction: String,
        pub department: String,
        pub unit: String,
        /// Who granted it (the event log's actor name).
        pub requested_by: String,
        /// Milliseconds since the Unix epoch.
        pub requested_at: i64,
    }
}

impl PendingGrant {
    /// The grant it will be once confirmed.
    pub fn grant(&self) -> Grant {
        Grant {
            role: self.role,
            jurisdiction: self.jurisdiction.clone(),
            department: (!self.department.is_empty()).then(|| self.department.clone()),
            unit: (!self.unit.is_empty()).then(|| self.unit.clone()),
        }
    }
}

impl WriteTx {
    /// Keeps a grant waiting for confirmation; returns its id.
    pub async fn insert_pending_grant(
        &mut self,
        account: i64,
        g: &Grant,
        requested_by: &str,
        requested_at: i64,
    ) -> Result<i64> {
        insert!("pending_grants";
            account_id = account, role = g.role.code(), jurisdiction = &g.jurisdiction,
            department = g.department.clone().unwrap_or_default(),
            unit = g.unit.clone().unwrap_or_default(), requested_by, requested_at;
            "RETURNING id")
        .scalar(&mut **self)
        .await
    }

    /// Removes a pending grant (confirmed or withdrawn); false if it was not there.
    pub async fn delete_pending_grant(&mut self, id: i64) -> Result<bool> {
        sql!("DELETE FROM pending_grants WHERE id = $1"; id)
            .changed_one(&mut **self)
            .await
    }

    /// Removes one grant of an account; false if the account did not hold it.
    pub async fn delete_grant(&mut self, account: i64, g: &Grant) -> Result<bool> {
        sql!("DELETE FROM account_roles WHERE account_id = $1 AND role = $2 AND jurisdiction = $3
              AND department = $4 AND unit = $5";
            account, g.role.code(), &g.jurisdiction, g.department.clone().unwrap_or_default(),
            g.unit.clone().unwrap_or_default())
        .changed_one(&mut **self)
        .await
    }

    /// Sets (or, with `""`, clears) an account's TOTP secret, and clears the one offered.
    pub async fn set_totp_secret(&mut self, account: i64, secret: &str) -> Result<()> {
        sql!("UPDATE accounts SET totp_secret = $1, totp_pending = '' WHERE id = $2"; secret, account)
            .run(&mut **self)
            .await
    }

    /// Records that a TOTP code of time step `step` was accepted for the account, unless one of
    /// that step or a later one was already: false then (a code replayed), and nothing changes.
    pub async fn use_totp_step(&mut self, account: i64, step: i64) -> Result<bool> {
        sql!("UPDATE accounts SET totp_step = $1 WHERE id = $2 AND totp_step < $1"; step, account)
            .changed_one(&mut **self)
            .await
    }

    /// Keeps the TOTP secret offered at enrolment until a code confirms it.
    pub async fn set_totp_pending(&mut self, account: i64, secret: &str) -> Result<()> {
        sql!("UPDATE accounts SET totp_pending = $1 WHERE id = $2"; secret, account)
            .run(&mut **self)
            .await
    }

    /// Records that a session served a request at `now` (ms).
    pub async fn touch_session(&mut self, token_hash: &str, now: i64) -> Result<()> {
        sql!("UPDATE sessions SET last_seen = $1 WHERE token_hash = $2"; now, token_hash)
            .run(&mut **self)
            .await
    }
}

impl Store {
    /// The grants of a jurisdiction waiting for confirmation, oldest first.
    pub async fn pending_grants_in(&self, jurisdiction: &str) -> Result<Vec<PendingGrant>> {
        let from = "pending_grants WHERE jurisdiction = $1 ORDER BY id";
        sql!(select::<PendingGrant>(from); jurisdiction)
            .all(self.reader())
            .await
    }

    /// The grants of an account waiting for confirmation.
    pub async fn pending_grants_of(&self, account: i64) -> Result<Vec<PendingGrant>> {
        let from = "pending_grants WHERE account_id = $1 ORDER BY id";
        sql!(select::<PendingGrant>(from); account)
            .all(self.reader())
            .await
    }

    /// A pending grant by its id.
    pub async fn pending_grant(&self, id: i64) -> Result<Option<PendingGrant>> {
        sql!(select::<PendingGrant>("pending_grants WHERE id = $1"); id)
            .optional(self.reader())
            .await
    }

    /// An account's TOTP secret and the one offered at enrolment (empty when none).
    pub async fn totp_secrets(&self, account: i64) -> Result<(String, String)> {
        sql!("SELECT totp_secret, totp_pending FROM accounts WHERE id = $1"; account)
            .one(self.reader())
            .await
    }
}
