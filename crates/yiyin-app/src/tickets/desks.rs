//! The lists of the desks: the centre's desk, the department desk, an applicant's own tickets and
//! the search of a jurisdiction's tickets.
//!
//! The overdue lists read the current step's due as the domain does ([`current_due_passed`]): an
//! urgent ticket's hour dues to the minute. The store's date filter is asked for the tickets whose
//! due date is today or earlier (the date part of an hour due is stored), and the exact time then
//! decides; ordinary tickets are late, as before, from the day after their due date. Urgent
//! tickets come first in the centre's and the department's lists.
//!
//! [`current_due_passed`]: yiyin_domain::tickets::current_due_passed

use yiyin_domain::authz::Operation;
use yiyin_domain::roles::Role;
use yiyin_domain::text::{TextKind, check};
use yiyin_domain::tickets::{TicketState, Urgency, current_due_passed};
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
        let pending = urgent_first(pending);
        let overdue = self.overdue_now(
            list(TicketFilter {
                overdue_on: Some(self.overdue_candidates_on()),
                ..base.clone()
            })
            .await?,
        );
        let callbacks = list(TicketFilter {
            states: vec![TicketState::Replied],
            ..base.clone()
        })
        .await?;
        let to_inform = list(TicketFilter {
            awaiting: Some("inform".into()),
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
            to_inform: briefs(to_inform),
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
        out.sort_by_key(|b| b.urgency != Urgency::Urgent);
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
        // The warning lights and cards are the desks' business, not the applicant's.
        Ok(self
            .ticket_briefs(&f)
            .await?
            .into_iter()
            .map(|b| TicketBrief { light: None, ..b })
            .collect())
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
            overdue_on: q
                .overdue
                .unwrap_or(false)
                .then(|| self.overdue_candidates_on()),
            limit: 500,
            ..TicketFilter::default()
        };
        if f.overdue_on.is_none() {
            return self.ticket_briefs(&f).await;
        }
        let late = self.overdue_now(self.store.tickets(&f).await?);
        Ok(late.iter().map(|r| self.ticket_brief(r)).collect())
    }

    /// The date to ask the store's overdue filter with: tomorrow, so that it returns every ticket
    /// whose current due date is today or earlier (an urgent hour due today may have passed).
    fn overdue_candidates_on(&self) -> chrono::NaiveDate {
        self.today().succ_opt().unwrap_or_else(|| self.today())
    }

    /// The tickets whose current due has passed now (hour dues to the minute), urgent first.
    fn overdue_now(&self, candidates: Vec<TicketRecord>) -> Vec<TicketRecord> {
        let now = self.ticket_now();
        urgent_first(
            candidates
                .into_iter()
                .filter(|r| current_due_passed(&r.ticket, now))
                .collect(),
        )
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

/// Urgent tickets first, the order kept otherwise.
fn urgent_first(mut v: Vec<TicketRecord>) -> Vec<TicketRecord> {
    v.sort_by_key(|r| r.urgency != Urgency::Urgent);
    v
}
