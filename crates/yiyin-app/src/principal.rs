//! Who asks: the authenticated account behind a use case, what it may do where (asked of
//! `yiyin_domain::authz`, never decided here), and how its acts are recorded.

use std::collections::BTreeSet;

use yiyin_domain::authz::{self, Operation, Scope};
use yiyin_domain::org::Organisation;
use yiyin_domain::party::{Actor, Channel};
use yiyin_store::accounts::Account;
use yiyin_store::cases::CaseRecord;

use crate::error::{AppError, Result};
use crate::supervision::department_scope;

/// An authenticated account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub account: Account,
    /// When an agency agent (代办员) does the applicant's act under a live mandate: the agent.
    /// `account` is then the applicant's, so the applicant's use cases judge the act as theirs,
    /// and the act is recorded as the agent's, for the applicant ([`Self::actor`]). Only
    /// `crate::agency` builds one, after checking the mandate.
    pub acting: Option<ActingFor>,
}

/// The agent doing an applicant's act under a mandate (`crate::agency`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActingFor {
    pub agent_account: i64,
    pub agent_name: String,
    pub mandate_id: i64,
}

impl Principal {
    pub fn new(account: Account) -> Self {
        Principal {
            account,
            acting: None,
        }
    }

    pub fn is_staff(&self) -> bool {
        self.account.is_staff()
    }

    /// How the event log records this account's acts: the name with the roles, and where (the
    /// unit of a staff grant: a township centre or a village agency point; otherwise the back
    /// office — only the window's own acts are recorded at the window, see [`Self::actor_at`]).
    pub fn actor(&self, org: &Organisation) -> Actor {
        self.actor_at(org, false)
    }

    /// The same for an act done at the window or not (`authz::at_window`): a hall's staff are
    /// recorded at the window for the window's acts, in the back office for the others.
    pub fn actor_at(&self, org: &Organisation, at_window: bool) -> Actor {
        let a = &self.account;
        if let Some(agent) = &self.acting {
            return Actor {
                name: yiyin_domain::agency::acting_name(&agent.agent_name, &a.name),
                account: Some(agent.agent_account),
                channel: Channel::Online,
            };
        }
        if !a.is_staff() {
            return Actor {
                name: format!("申请人 {}", a.name),
                account: Some(a.id),
                channel: Channel::Online,
            };
        }
        let roles: BTreeSet<&str> = a.grants.iter().map(|g| g.role.label()).collect();
        let channel = a
            .grants
            .iter()
            .find_map(|g| {
                let unit = g.unit.as_deref()?;
                let j = org.jurisdiction(&g.jurisdiction)?;
                Some(if j.township(unit).is_some() {
                    Channel::Township
                } else if j
                    .townships
                    .iter()
                    .any(|t| t.villages.iter().any(|v| v.code == unit))
                {
                    Channel::Village
                } else {
                    Channel::Window
                })
            })
            .unwrap_or(Channel::Window)
            .for_act(at_window);
        Actor {
            name: format!(
                "{}（{}）",
                a.name,
                roles.into_iter().collect::<Vec<_>>().join("、")
            ),
            account: Some(a.id),
            channel,
        }
    }

    /// Only staff may do an operation at all.
    fn require_staff_for(&self, op: Operation) -> Result<()> {
        if self.is_staff() {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "无权{}：仅限工作人员",
                op.label()
            )))
        }
    }

    /// Staff permission for an operation on a scope.
    pub fn require(&self, op: Operation, scope: &Scope) -> Result<()> {
        self.require_staff_for(op)?;
        authz::allowed(&self.account.grants, op, scope).map_err(|d| AppError::Forbidden(d.0))
    }

    /// Staff permission for an operation anywhere in a jurisdiction.
    pub fn require_in(&self, op: Operation, jurisdiction: &str) -> Result<()> {
        self.require_staff_for(op)?;
        authz::allowed_in(&self.account.grants, op, jurisdiction)
            .map_err(|d| AppError::Forbidden(d.0))
    }

    /// Permission to supervise for a department in a jurisdiction (its pushes, findings,
    /// commitment checks, licensees' risk and random inspections).
    pub fn require_supervision(&self, jurisdiction: &str, department: &str) -> Result<()> {
        self.require(
            Operation::Supervise,
            &department_scope(jurisdiction, department),
        )
    }

    /// Whether some grant's role may do the operation somewhere.
    pub fn may_somewhere(&self, op: Operation) -> bool {
        self.is_staff()
            && self
                .account
                .grants
                .iter()
                .any(|g| authz::role_may(g.role, op))
    }

    /// The jurisdictions where the account's roles may do the operation.
    pub fn jurisdictions_for(&self, op: Operation) -> Vec<String> {
        let mut v: Vec<String> = self
            .account
            .grants
            .iter()
            .filter(|g| authz::role_may(g.role, op))
            .map(|g| g.jurisdiction.clone())
            .collect();
        v.sort();
        v.dedup();
        v
    }

    pub fn require_staff(&self) -> Result<()> {
        if self.is_staff() {
            Ok(())
        } else {
            Err(AppError::Forbidden("此页面仅限工作人员".into()))
        }
    }

    pub fn require_applicant(&self) -> Result<()> {
        if self.is_staff() {
            Err(AppError::Forbidden("此功能仅供申请人本人使用".into()))
        } else {
            Ok(())
        }
    }

    /// Whether this is the applicant of the case: the account that filed it, or the account whose
    /// verified identity (一人一档) the case is under, whoever filed it (walk-in, agent). An ID number
    /// typed at registration and never verified gives nothing.
    pub fn is_applicant_of(&self, case: &CaseRecord) -> bool {
        !self.is_staff()
            && (case.applicant.account == Some(self.account.id)
                || self
                    .account
                    .verified_id()
                    .is_some_and(|id| *id == case.applicant.id_number))
    }

    /// Whether the account may read a case: the applicant who filed it, or staff whose duty covers it.
    pub fn may_view(&self, case: &CaseRecord, scope: &Scope) -> Result<()> {
        if self.is_staff() {
            self.require(Operation::ViewCase, scope)
        } else if self.is_applicant_of(case) {
            Ok(())
        } else {
            Err(AppError::Forbidden("无权访问：这不是您本人的办件".into()))
        }
    }
}
