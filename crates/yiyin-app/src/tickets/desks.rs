//! The lists of the desks: the centre's desk, the department desk, an applicant's own tickets and
//! the search of a jurisdiction's tickets.
//!
//! The overdue lists read the current step's due as the domain does ([`current_due_passed`]): an
//! urgent ticket's hour dues to the minute. The store holds the date part of a due, so the urgent
//! tickets due today are read first and their hour decides; with them the store lists and counts
//! the late tickets exactly (ordinary tickets are late, as before, from the day after their due
//! date). Urgent tickets come first in the centre's and the department's lists; the search reads a
//! page at a time, oldest first.
//!
//! [`current_due_passed`]: yiyin_domain::tickets::current_due_passed

use yiyin_domain::authz::Operation;
use yiyin_domain::roles::Role;
use yiyin_domain::text::{TextKind, check};
use yiyin_domain::tickets::{TicketState, Urgency, current_due_passed};
use yiyin_store::tickets::{TicketFilter, TicketRecord};

use super::{CentreQueue, DepartmentDesk, QueueCounts, TicketBrief, TicketQuery, given};
use crate::App;
use crate::error::{AppError, Result};
use crate::paging::{ListPage, cut, id_cursor, page_limit};
use crate::principal::Principal;

/// The most tickets a page of the search may hold.
pub const TICKETS_PAGE_MAX: i64 = 500;

/// The most tickets a page of an applicant's own tickets may hold.
pub const MY_TICKETS_PAGE_MAX: i64 = 200;

/// The most tickets each list of the centre's desk (and of the department desk, each department)
/// shows (oldest first, urgent ones ahead); its
/// count says how many it holds in all.
pub const QUEUE_LIST_MAX: i64 = 500;

/// The most urgent tickets of one list due on one day that the overdue filter looks at (their
/// hour decides; a county has a handful a day).
const URGENT_DUE_TODAY_MAX: i64 = 1000;

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
            limit: QUEUE_LIST_MAX,
            urgent_first: true,
            ..TicketFilter::default()
        };
        // Each list and how many it holds in all.
        let list = |f: TicketFilter| async move {
            let count = self.store.ticket_count(&f).await?;
            let rows = self.store.tickets(&f).await?;
            Ok::<_, AppError>((count, rows))
        };
        let briefs =
            |v: Vec<TicketRecord>| v.iter().map(|r| self.ticket_brief(r)).collect::<Vec<_>>();
        let (pending_count, pending) = list(TicketFilter {
            states: vec![TicketState::PendingDispatch],
            not_awaiting: Some("return".into()),
            ..base.clone()
        })
        .await?;
        let (overdue_count, overdue) = list(self.overdue(base.clone()).await?).await?;
        let (callbacks_count, callbacks) = list(TicketFilter {
            states: vec![TicketState::Replied],
            ..base.clone()
        })
        .await?;
        let (to_inform_count, to_inform) = list(TicketFilter {
            awaiting: Some("inform".into()),
            ..base.clone()
        })
        .await?;
        let ((returns_count, returns), (extensions_count, extensions)) = if manager {
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
            ((0, Vec::new()), (0, Vec::new()))
        };
        Ok(CentreQueue {
            pending: briefs(pending),
            overdue: briefs(overdue),
            callbacks: briefs(callbacks),
            returns: briefs(returns),
            extensions: briefs(extensions),
            to_inform: briefs(to_inform),
            counts: QueueCounts {
                pending: pending_count,
                overdue: overdue_count,
                callbacks: callbacks_count,
                returns: returns_count,
                extensions: extensions_count,
                to_inform: to_inform_count,
            },
        })
    }

    /// The department desk: the tickets dispatched to the handler's departments, still to sign,
    /// handle or reply, urgent ones first then oldest first: of each department its first
    /// [`QUEUE_LIST_MAX`], with how many each holds in all (the rest through the search, a page
    /// at a time).
    pub async fn department_desk(&self, who: &Principal) -> Result<DepartmentDesk> {
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
        let mut desk = DepartmentDesk::default();
        for (j, d) in mine {
            let f = TicketFilter {
                jurisdiction: Some(j),
                department: Some(d),
                states: vec![TicketState::Dispatched, TicketState::InProgress],
                limit: QUEUE_LIST_MAX,
                urgent_first: true,
                ..TicketFilter::default()
            };
            desk.count += self.store.ticket_count(&f).await?;
            desk.tickets.extend(self.ticket_briefs(&f).await?);
        }
        desk.tickets.sort_by_key(|b| b.urgency != Urgency::Urgent);
        Ok(desk)
    }

    /// The tickets an applicant filed on the portal, newest first, a page at a time: those before
    /// the ticket `after` (empty: the first page), `limit` a page (1 to [`MY_TICKETS_PAGE_MAX`]),
    /// with how many it filed in all.
    pub async fn my_tickets(
        &self,
        who: &Principal,
        after: &str,
        limit: Option<i64>,
    ) -> Result<ListPage<TicketBrief>> {
        who.require_applicant()?;
        let limit = page_limit(limit, MY_TICKETS_PAGE_MAX)?;
        let f = TicketFilter {
            applicant: Some(who.account.id),
            after: id_cursor(after)?,
            newest_first: true,
            limit: limit + 1,
            ..TicketFilter::default()
        };
        let count = self.store.ticket_count(&f).await?;
        let mut rows = self.ticket_briefs(&f).await?;
        let next = cut(&mut rows, limit, |b| b.id.to_string());
        // The warning lights and cards are the desks' business, not the applicant's.
        let items = rows
            .into_iter()
            .map(|b| TicketBrief { light: None, ..b })
            .collect();
        Ok(ListPage { items, count, next })
    }

    /// A search of a jurisdiction's tickets, oldest first, a page at a time: the centre sees all;
    /// a handler only their department's. Those after the ticket `q.after` (none: the first
    /// page), `q.limit` a page (1 to [`TICKETS_PAGE_MAX`]), with how many match in all.
    pub async fn search_tickets(
        &self,
        who: &Principal,
        q: &TicketQuery,
    ) -> Result<ListPage<TicketBrief>> {
        for (field, v) in [
            ("jurisdiction", Some(&q.jurisdiction)),
            ("state", q.state.as_ref()),
            ("department", q.department.as_ref()),
            ("category", q.category.as_ref()),
        ] {
            check(field, v.map_or("", String::as_str), TextKind::Short)?;
        }
        let limit = page_limit(q.limit, TICKETS_PAGE_MAX)?;
        let after = id_cursor(q.after.as_deref().unwrap_or(""))?;
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
        let mut f = TicketFilter {
            jurisdiction: Some(j.to_string()),
            states,
            department,
            category: given(q.category.as_deref()).map(str::to_string),
            limit: limit + 1,
            ..TicketFilter::default()
        };
        if q.overdue.unwrap_or(false) {
            f = self.overdue(f).await?;
        }
        let count = self.store.ticket_count(&f).await?;
        let mut rows = self.store.tickets(&TicketFilter { after, ..f }).await?;
        let next = cut(&mut rows, limit, |r| r.id.to_string());
        Ok(ListPage {
            items: rows.iter().map(|r| self.ticket_brief(r)).collect(),
            count,
            next,
        })
    }

    /// The filter `f` kept to the tickets late now, as the domain reads a due
    /// ([`current_due_passed`]): those whose current due date was before today, and of the urgent
    /// tickets due today (an hour due) those whose hour has passed. The store lists and counts
    /// them exactly, so a desk's count is what it can list.
    async fn overdue(&self, f: TicketFilter) -> Result<TicketFilter> {
        let today = self.today();
        let due_today = self
            .store
            .tickets(&TicketFilter {
                due_on: Some(today),
                urgency: Some(Urgency::Urgent.code().to_string()),
                after: None,
                limit: URGENT_DUE_TODAY_MAX,
                ..f.clone()
            })
            .await?;
        let now = self.ticket_now();
        Ok(TicketFilter {
            overdue_on: Some(today),
            overdue_also: due_today
                .iter()
                .filter(|r| current_due_passed(&r.ticket, now))
                .map(|r| r.id)
                .collect(),
            ..f
        })
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
