//! The lists of the desks: the centre's desk, the department desk, an applicant's own tickets and
//! the search of a jurisdiction's tickets.

use yiyin_domain::authz::Operation;
use yiyin_domain::roles::Role;
use yiyin_domain::text::{TextKind, check};
use yiyin_domain::tickets::TicketState;
use yiyin_store::tickets::{TicketFilter, TicketRecord};

use super::{CentreQueue, TicketBrief, TicketQuery, given};
use crate::App;
use crate::error::{AppError, Result};
use crate::principal::Principal;

impl App {
    /// The centre's desk of a jurisdiction: waiting for dispatch, overdue, waiting for the callback;
    /// for the manager also the returns to arbitrate and the extensions to decide.
    pub async fn centre_queue(&self, who: &Principal, jurisdiction: &str) -> Result<CentreQueue> {
        check("jurisdiction", jurisdiction, TextKind::Short)?;
        who.require_in(Operation::TakeTickets, jurisdiction)?;
        let manager = who
            .require_in(Operation::ManageTickets, jurisdiction)
            .is_ok();
        let base = TicketFilter {
            jurisdiction: Some(jurisdiction.to_string()),
            limit: 500,
            ..TicketFilter::default()
        };
        let list = |f: TicketFilter| async move { self.store.tickets(&f).await };
        let briefs =
            |v: Vec<TicketRecord>| v.iter().map(|r| self.ticket_brief(r)).collect::<Vec<_>>();
        let pending = list(TicketFilter {
            states: vec![TicketState::PendingDispatch],
            ..base.clone()
        })
        .await?
        .into_iter()
        .filter(|r| r.awaiting.as_deref() != Some("return"))
        .collect();
        let overdue = list(TicketFilter {
            overdue_on: Some(self.today()),
            ..base.clone()
        })
        .await?;
        let callbacks = list(TicketFilter {
            states: vec![TicketState::Replied],
            ..base.clone()
        })
        .await?;
        let (returns, extensions) = if manager {
            (
                list(TicketFilter {
                    awaiting: Some("return".into()),
                    ..base.clone()
                })
                .await?,
                list(TicketFilter {
                    awaiting: Some("extension".into()),
                    ..base.clone()
                })
                .await?,
            )
        } else {
            (Vec::new(), Vec::new())
        };
        Ok(CentreQueue {
            pending: briefs(pending),
            overdue: briefs(overdue),
            callbacks: briefs(callbacks),
            returns: briefs(returns),
            extensions: briefs(extensions),
        })
    }

    /// The department desk: the tickets dispatched to the handler's departments, still to sign,
    /// handle or reply.
    pub async fn department_desk(&self, who: &Principal) -> Result<Vec<TicketBrief>> {
        who.require_staff()?;
        let mine: Vec<_> = who
            .account
            .grants
            .iter()
            .filter(|g| g.role == Role::TicketHandler)
            .filter_map(|g| Some((g.jurisdiction.clone(), g.department.clone()?)))
            .collect();
        if mine.is_empty() {
            return Err(AppError::Forbidden(
                "无权承办诉求工单：您的岗位没有此项职责".into(),
            ));
        }
        let mut out = Vec::new();
        for (j, d) in mine {
            let f = TicketFilter {
                jurisdiction: Some(j),
                department: Some(d),
                states: vec![TicketState::Dispatched, TicketState::InProgress],
                limit: 500,
                ..TicketFilter::default()
            };
            out.extend(self.ticket_briefs(&f).await?);
        }
        Ok(out)
    }

    /// The tickets an applicant filed on the portal.
    pub async fn my_tickets(&self, who: &Principal) -> Result<Vec<TicketBrief>> {
        who.require_applicant()?;
        let f = TicketFilter {
            applicant: Some(who.account.id),
            limit: 200,
            ..TicketFilter::default()
        };
        self.ticket_briefs(&f).await
    }

    /// A search of a jurisdiction's tickets: the centre sees all; a handler only their department's.
    pub async fn search_tickets(
        &self,
        who: &Principal,
        q: &TicketQuery,
    ) -> Result<Vec<TicketBrief>> {
        for (field, v) in [
            ("jurisdiction", Some(&q.jurisdiction)),
            ("state", q.state.as_ref()),
            ("department", q.department.as_ref()),
            ("category", q.category.as_ref()),
        ] {
            check(field, v.map_or("", String::as_str), TextKind::Short)?;
        }
        let j = q.jurisdiction.trim();
        let mut department = given(q.department.as_deref()).map(str::to_string);
        if who.require_in(Operation::TakeTickets, j).is_err() {
            let own: Vec<String> = who
                .account
                .grants
                .iter()
                .filter(|g| g.role == Role::TicketHandler && g.jurisdiction == j)
                .filter_map(|g| g.department.clone())
                .collect();
            match (&department, own.as_slice()) {
                (_, []) => {
                    who.require_in(Operation::TakeTickets, j)?;
                }
                (Some(d), _) if !own.contains(d) => {
                    return Err(AppError::Forbidden("无权查看其他部门的工单".into()));
                }
                (None, [first, ..]) => department = Some(first.clone()),
                _ => {}
            }
        }
        let states = match given(q.state.as_deref()) {
            None => Vec::new(),
            Some(s) => vec![AppError::choice::<TicketState>("state", s, |w| {
                format!("工单状态应为以下之一：{w}")
            })?],
        };
        let f = TicketFilter {
            jurisdiction: Some(j.to_string()),
            states,
            department,
            category: given(q.category.as_deref()).map(str::to_string),
            overdue_on: q.overdue.unwrap_or(false).then(|| self.today()),
            limit: 500,
            ..TicketFilter::default()
        };
        self.ticket_briefs(&f).await
    }

    /// The tickets a filter reads, as the lists show them.
    async fn ticket_briefs(&self, f: &TicketFilter) -> Result<Vec<TicketBrief>> {
        Ok(self
            .store
            .tickets(f)
            .await?
            .iter()
            .map(|r| self.ticket_brief(r))
            .collect())
    }
}
