//! Accountable user management (GB/T 22239-2019 level 3: separation of duties, security audit):
//! every change of an account or of its grants is a chained event of the jurisdiction concerned, so
//! that `yiyin audit verify` covers it; a system administrator's grant of a deciding role waits for
//! the bureau head's confirmation (`authz::grant_takes_effect`); a user changes their own password
//! and ends all their sessions (退出所有设备); sessions end after a time without requests.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::json;
use yiyin_domain::authz::{self, Grant, Operation};
use yiyin_domain::party::Actor;
use yiyin_store::account_security::PendingGrant;
use yiyin_store::accounts::Account;
use yiyin_store::events::NewEvent;

use crate::App;
use crate::error::{AppError, Result};
use crate::principal::Principal;

/// How long a session may go without a request before it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdleTimeouts {
    pub staff: Duration,
    pub applicant: Duration,
}

impl Default for IdleTimeouts {
    /// Staff: 30 minutes; applicants: 2 hours (both within the eight hours a session lasts).
    fn default() -> Self {
        IdleTimeouts {
            staff: Duration::minutes(30),
            applicant: Duration::hours(2),
        }
    }
}

impl IdleTimeouts {
    pub fn of(&self, account: &Account) -> Duration {
        if account.is_staff() {
            self.staff
        } else {
            self.applicant
        }
    }
}

/// A session's last request is written again only after this long (not at every request).
pub const TOUCH_EVERY: Duration = Duration::seconds(60);

/// One event per jurisdiction (case-less, so the chain of the jurisdiction records it).
pub(crate) fn events_in(
    by: &Actor,
    at: DateTime<Utc>,
    jurisdictions: &[String],
    action: &str,
    reason: &str,
    data: serde_json::Value,
) -> Vec<NewEvent> {
    jurisdictions
        .iter()
        .map(|j| NewEvent::new(by, at, j, None, action, reason, data.clone()))
        .collect()
}

/// The events of a change of an account: one in each jurisdiction it holds a grant in (none for
/// an applicant).
pub(crate) fn account_events(
    by: &Actor,
    at: DateTime<Utc>,
    account: &Account,
    action: &str,
    reason: String,
    data: serde_json::Value,
) -> Vec<NewEvent> {
    events_in(by, at, &account.jurisdictions(), action, &reason, data)
}

/// A grant as the event log records it.
pub(crate) fn grant_json(g: &Grant) -> serde_json::Value {
    json!({"role": g.role.code(), "jurisdiction": g.jurisdiction,
        "department": g.department, "unit": g.unit})
}

/// What became of a grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum Granted {
    /// In effect at once.
    Effective,
    /// Waiting for the bureau head's confirmation.
    Pending { id: i64 },
}

impl App {
    /// Sets the idle timeouts of sessions.
    pub fn with_idle_timeouts(mut self, idle: IdleTimeouts) -> Self {
        self.idle = idle;
        self
    }

    pub fn idle_timeouts(&self) -> IdleTimeouts {
        self.idle
    }

    /// Who may see a jurisdiction's accounts: its system administrators, and its bureau head (who
    /// confirms grants of deciding roles).
    pub(crate) fn require_user_view(&self, who: &Principal, jurisdiction: &str) -> Result<()> {
        who.require_in(Operation::ManageUsers, jurisdiction)
            .or_else(|e| {
                who.require_in(Operation::ConfirmGrants, jurisdiction)
                    .map_err(|_| e)
            })
    }

    /// An account of the jurisdiction (holding or waiting for a grant there), for its system
    /// administrators.
    pub(crate) async fn managed_account(
        &self,
        who: &Principal,
        jurisdiction: &str,
        id: i64,
    ) -> Result<Account> {
        who.require_in(Operation::ManageUsers, jurisdiction)?;
        let target = self.store.account(id).await?;
        let pending = self.store.pending_grants_of(id).await?;
        if !target.grants.iter().any(|g| g.jurisdiction == jurisdiction)
            && !pending.iter().any(|p| p.jurisdiction == jurisdiction)
        {
            return Err(AppError::Forbidden("无权管理其他县区的账号".into()));
        }
        Ok(target)
    }

    /// Grants a role to a staff account of the jurisdiction: at once, unless a system administrator
    /// grants a deciding role (then pending until the bureau head confirms). A bureau head may grant
    /// the deciding roles of their jurisdiction, at once.
    #[tracing::instrument(skip_all, fields(account = who.account.id))]
    pub async fn grant_role(&self, who: &Principal, id: i64, grant: Grant) -> Result<Granted> {
        let j = grant.jurisdiction.clone();
        let head =
            who.require_in(Operation::ConfirmGrants, &j).is_ok() && authz::decides(grant.role);
        let target = if head {
            let t = self.store.account(id).await?;
            if !t.is_staff() {
                return Err(AppError::invalid("只能给工作人员账号授予岗位"));
            }
            t
        } else {
            self.managed_account(who, &j, id).await?
        };
        crate::accounts::check_grant(&self.org(), &grant)?;
        if target.grants.contains(&grant) {
            return Err(AppError::Conflict(format!(
                "{}已有该岗位：{}",
                target.name,
                grant.role.label()
            )));
        }
        let actor = who.actor(&self.org());
        let at = self.now();
        let mut tx = self.store.begin_write().await?;
        let out = if authz::grant_takes_effect(&who.account.grants, &grant) {
            tx.insert_grants(id, std::slice::from_ref(&grant)).await?;
            tx.append_events(&events_in(
                &actor,
                at,
                std::slice::from_ref(&j),
                "grant_role",
                &format!("授予{}岗位：{}", target.name, grant.role.label()),
                json!({"account": id, "grant": grant_json(&grant)}),
            ))
            .await?;
            Granted::Effective
        } else {
            let pid = tx
                .insert_pending_grant(id, &grant, &actor.name, at.timestamp_millis())
                .await?;
            tx.append_events(&events_in(
                &actor,
                at,
                std::slice::from_ref(&j),
                "grant_pending",
                &format!(
                    "申请授予{}岗位：{}（待局长确认）",
                    target.name,
                    grant.role.label()
                ),
                json!({"account": id, "pending": pid, "grant": grant_json(&grant)}),
            ))
            .await?;
            Granted::Pending { id: pid }
        };
        tx.commit().await?;
        Ok(out)
    }

    /// Revokes a role of an account of the jurisdiction; its sessions end (so that none keeps the
    /// role).
    #[tracing::instrument(skip_all, fields(account = who.account.id))]
    pub async fn revoke_role(&self, who: &Principal, id: i64, grant: Grant) -> Result<Account> {
        let target = self.managed_account(who, &grant.jurisdiction, id).await?;
        if target.id == who.account.id && grant.role == yiyin_domain::roles::Role::SystemAdmin {
            return Err(AppError::invalid("不能撤销自己的系统管理员岗位"));
        }
        let mut tx = self.store.begin_write().await?;
        if !tx.delete_grant(id, &grant).await? {
            return Err(AppError::NotFound(format!(
                "{}没有该岗位：{}",
                target.name,
                grant.role.label()
            )));
        }
        tx.close_sessions_of(id).await?;
        tx.append_events(&events_in(
            &who.actor(&self.org()),
            self.now(),
            std::slice::from_ref(&grant.jurisdiction),
            "revoke_role",
            &format!("撤销{}岗位：{}", target.name, grant.role.label()),
            json!({"account": id, "grant": grant_json(&grant)}),
        ))
        .await?;
        tx.commit().await?;
        Ok(self.store.account(id).await?)
    }

    /// The grants of a jurisdiction waiting for confirmation, for its administrators and its head.
    pub async fn pending_grants(
        &self,
        who: &Principal,
        jurisdiction: &str,
    ) -> Result<Vec<PendingGrant>> {
        self.require_user_view(who, jurisdiction)?;
        Ok(self.store.pending_grants_in(jurisdiction).await?)
    }

    /// The bureau head confirms a pending grant of their jurisdiction: it takes effect at once.
    #[tracing::instrument(skip_all, fields(account = who.account.id))]
    pub async fn confirm_grant(&self, who: &Principal, pending: i64) -> Result<Account> {
        self.settle_grant(who, pending, true).await
    }

    /// The bureau head rejects a pending grant of their jurisdiction: it is withdrawn and the
    /// account keeps the roles it had.
    #[tracing::instrument(skip_all, fields(account = who.account.id))]
    pub async fn reject_grant(&self, who: &Principal, pending: i64) -> Result<Account> {
        self.settle_grant(who, pending, false).await
    }

    /// Confirms or rejects a pending grant, once, as a chained event (`grant_confirm` or
    /// `grant_reject`).
    async fn settle_grant(&self, who: &Principal, pending: i64, confirm: bool) -> Result<Account> {
        let p = self.store.pending_grant(pending).await?.ok_or_else(|| {
            AppError::NotFound("没有这项待确认的授权（可能已被确认或拒绝）".into())
        })?;
        who.require_in(Operation::ConfirmGrants, &p.jurisdiction)?;
        let target = self.store.account(p.account_id).await?;
        let grant = p.grant();
        let mut tx = self.store.begin_write().await?;
        if !tx.delete_pending_grant(p.id).await? {
            return Err(AppError::Conflict("这项授权已被确认或拒绝".into()));
        }
        let (action, verb) = if confirm {
            ("grant_confirm", "确认授予")
        } else {
            ("grant_reject", "拒绝授予")
        };
        if confirm && !target.grants.contains(&grant) {
            tx.insert_grants(p.account_id, std::slice::from_ref(&grant))
                .await?;
        }
        tx.append_events(&events_in(
            &who.actor(&self.org()),
            self.now(),
            std::slice::from_ref(&p.jurisdiction),
            action,
            &format!(
                "{verb}{}岗位：{}（{}申请）",
                target.name,
                grant.role.label(),
                p.requested_by
            ),
            json!({"account": p.account_id, "pending": p.id, "grant": grant_json(&grant)}),
        ))
        .await?;
        tx.commit().await?;
        Ok(self.store.account(p.account_id).await?)
    }

    /// The logged-in account changes its own password (the old one checked); every session of the
    /// account ends, this one included.
    #[tracing::instrument(skip_all, fields(account = who.account.id))]
    pub async fn change_password(&self, who: &Principal, old: &str, new: &str) -> Result<()> {
        let login = who.account.login.clone();
        let ok = match self.store.credentials(&login).await? {
            Some(c) => {
                let old = old.to_string();
                crate::hashing::run(move || {
                    crate::accounts::password_matches(&old, &c.password_hash)
                })
                .await?
            }
            None => false,
        };
        if !ok {
            return Err(AppError::field("old_password", "原密码不正确"));
        }
        crate::accounts::set_password(
            &self.store,
            who.account.id,
            new,
            &who.actor(&self.org()),
            self.now(),
        )
        .await
    }

    /// Ends every session of the logged-in account (退出所有设备).
    #[tracing::instrument(skip_all, fields(account = who.account.id))]
    pub async fn end_all_sessions(&self, who: &Principal) -> Result<()> {
        let mut tx = self.store.begin_write().await?;
        tx.close_sessions_of(who.account.id).await?;
        tx.append_events(&account_events(
            &who.actor(&self.org()),
            self.now(),
            &who.account,
            "sessions_end",
            format!("{}退出所有设备", who.account.name),
            json!({"account": who.account.id}),
        ))
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
