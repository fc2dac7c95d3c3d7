//! Reading tickets: who may see a ticket and how, the ticket as its readers see it (its dues
//! explained, its history), a desk's brief of it, and the public views followed with the query
//! code or given to partner applications.

use chrono::NaiveDateTime;
use yiyin_domain::authz::Operation;
use yiyin_domain::calendar::{cst, fmt_date};
use yiyin_domain::org::Jurisdiction;
use yiyin_domain::text::{TextKind, check};
use yiyin_domain::tickets::{
    DueStep, LightReading, StepDue, Ticket, TicketState, ticket_dues, ticket_light,
};
use yiyin_store::tickets::{TicketFilter, TicketRecord};

use super::{
    Access, CallerView, Due, PublicTicket, TicketBrief, TicketStep, TicketView, action_label,
    handles, millis_date, minute, source_label,
};
use crate::App;
use crate::error::{AppError, Result};
use crate::principal::Principal;

impl App {
    pub(super) async fn ticket_record(&self, id: i64) -> Result<TicketRecord> {
        self.store
            .ticket(id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("没有编号为{id}的工单")))
    }

    /// How `who` may read the ticket, or why not.
    pub(super) fn ticket_access(&self, who: &Principal, rec: &TicketRecord) -> Result<Access> {
        if who.is_staff() {
            let j = &rec.jurisdiction;
            if who.require_in(Operation::TakeTickets, j).is_ok()
                || who.require_in(Operation::ManageTickets, j).is_ok()
            {
                return Ok(Access::Centre);
            }
            if handles(who, j, rec.department.as_deref()) {
                return Ok(Access::Handler);
            }
            Err(AppError::Forbidden(
                "无权查看该工单：工单只由诉求服务中心和承办部门查看".into(),
            ))
        } else if rec.applicant_account == Some(who.account.id) {
            Ok(Access::Applicant)
        } else {
            Err(AppError::Forbidden(
                "无权查看：这不是您本人提出的诉求".into(),
            ))
        }
    }

    /// A ticket, for the centre, the department holding it (both with the caller's data) or the
    /// applicant who filed it.
    pub async fn ticket_view(&self, who: &Principal, id: i64) -> Result<TicketView> {
        let rec = self.ticket_record(id).await?;
        let access = self.ticket_access(who, &rec)?;
        self.ticket_as_seen(&rec, access, who.is_staff()).await
    }

    /// The name of the department or township of the jurisdiction that handles a ticket, if any.
    fn ticket_handler_name(j: Option<&Jurisdiction>, code: Option<&str>) -> Option<String> {
        let code = code?;
        let Some(j) = j else {
            return Some(code.to_string());
        };
        if let Some(t) = j.township(code) {
            return Some(t.government());
        }
        Some(j.department_name(code))
    }

    /// A ticket's dues, explained: dispatch, sign, return, reply, callback; an urgent ticket's hour
    /// dues with their time and the 「紧急：按小时计」 hint.
    fn ticket_dues(rec: &TicketRecord, now: NaiveDateTime) -> Vec<Due> {
        let t = &rec.ticket;
        let open = !matches!(t.state, TicketState::Closed | TicketState::Merged);
        let mut out = Vec::new();
        let due_of = |d: &StepDue, done: bool| Due {
            what: d.step.label().into(),
            due: fmt_date(d.due),
            due_at: d.due_at.map(|_| d.shown()),
            shown: format!("{} 前", d.shown()),
            in_hours: d.due_at.is_some(),
            rule: d.rule.clone(),
            late: !done && d.passed(now),
        };
        for d in ticket_dues(t) {
            let done = match d.step {
                DueStep::Dispatch => t.state != TicketState::PendingDispatch || !open,
                DueStep::Sign => t.signed_on.is_some() || t.state != TicketState::Dispatched,
                DueStep::Reply => {
                    !matches!(t.state, TicketState::Dispatched | TicketState::InProgress)
                }
                DueStep::Callback => t.state != TicketState::Replied,
            };
            out.push(due_of(&d, done));
            if d.step == DueStep::Sign
                && let Some(due) = t.return_due
            {
                out.push(Due {
                    what: "退单".into(),
                    due: fmt_date(due),
                    due_at: None,
                    shown: format!("{} 前", fmt_date(due)),
                    in_hours: false,
                    rule: format!(
                        "如非本部门职责，须在派单之日起{}个工作日内退回中心并说明理由",
                        t.deadlines.return_within
                    ),
                    late: false,
                });
            }
        }
        out
    }

    /// The next due of the ticket's state: dispatch, reply (or sign when no reply is due),
    /// callback.
    fn ticket_next_due(t: &Ticket) -> Option<StepDue> {
        let dues = ticket_dues(t);
        let find = |s: DueStep| dues.iter().find(|d| d.step == s).cloned();
        match t.state {
            TicketState::PendingDispatch => find(DueStep::Dispatch),
            TicketState::Dispatched | TicketState::InProgress => {
                find(DueStep::Reply).or_else(|| find(DueStep::Sign))
            }
            TicketState::Replied => find(DueStep::Callback),
            TicketState::Closed | TicketState::Merged => None,
        }
    }

    /// Whether the ticket is late as of the local time `now` (hour dues to the minute).
    fn ticket_late(t: &Ticket, now: NaiveDateTime) -> bool {
        match t.state {
            TicketState::Closed | TicketState::Merged => false,
            _ => t.overdue_at(now) || Self::ticket_next_due(t).is_some_and(|d| d.passed(now)),
        }
    }

    /// The local time now (China Standard Time), as the ticket clock reads it.
    pub(super) fn ticket_now(&self) -> NaiveDateTime {
        self.now().with_timezone(&cst()).naive_local()
    }

    /// The desk's light of a ticket now; none when closed, merged or beyond the calendar's data.
    fn ticket_light_now(&self, t: &Ticket) -> Option<LightReading> {
        ticket_light(t, self.ticket_now(), &self.calendar())
            .ok()
            .flatten()
    }

    pub(super) fn ticket_brief(&self, rec: &TicketRecord) -> TicketBrief {
        let org = self.org();
        let j = org.jurisdiction(&rec.jurisdiction);
        let now = self.ticket_now();
        let next = Self::ticket_next_due(&rec.ticket);
        TicketBrief {
            id: rec.id,
            number: rec.number.clone(),
            jurisdiction: rec.jurisdiction.clone(),
            ticket_type: rec.ticket_type,
            urgency: rec.urgency,
            category_name: rec.category_name.clone(),
            content: rec.content.clone(),
            location: rec.location.clone(),
            state: rec.state,
            state_label: rec.state.label().into(),
            department: rec.department.clone(),
            department_name: Self::ticket_handler_name(j, rec.department.as_deref()),
            awaiting: rec.awaiting.clone(),
            created_on: fmt_date(millis_date(rec.created_at)),
            next_due: next.as_ref().map(|d| fmt_date(d.due)),
            next_due_shown: next.as_ref().map(|d| format!("{} 前", d.shown())),
            overdue: Self::ticket_late(&rec.ticket, now),
            light: self.ticket_light_now(&rec.ticket),
        }
    }

    async fn ticket_steps(&self, id: i64, staff: bool) -> Result<Vec<TicketStep>> {
        let org = self.org();
        let rec = self.ticket_record(id).await?;
        let j = org.jurisdiction(&rec.jurisdiction);
        Ok(self
            .store
            .ticket_events(id)
            .await?
            .into_iter()
            .map(|e| TicketStep {
                at: minute(e.at),
                label: action_label(&e.action).into(),
                action: e.action,
                actor: staff.then_some(e.actor),
                department: Self::ticket_handler_name(j, e.department.as_deref()),
                note: e.note,
            })
            .collect())
    }

    pub(super) async fn ticket_as_seen(
        &self,
        rec: &TicketRecord,
        access: Access,
        staff: bool,
    ) -> Result<TicketView> {
        let org = self.org();
        let j = org.jurisdiction(&rec.jurisdiction);
        let t = &rec.ticket;
        let caller = if access.sees_caller() {
            let (name, phone) = self.store.ticket_caller(rec.id).await?;
            Some(CallerView { name, phone })
        } else {
            None
        };
        let master_number = match rec.master_id {
            Some(m) => Some(self.ticket_record(m).await?.number),
            None => None,
        };
        let now = self.ticket_now();
        Ok(TicketView {
            id: rec.id,
            number: rec.number.clone(),
            jurisdiction: rec.jurisdiction.clone(),
            source: rec.source.clone(),
            source_label: source_label(&rec.source).into(),
            ticket_type: rec.ticket_type,
            urgency: rec.urgency,
            category_code: rec.category_code.clone(),
            category_name: rec.category_name.clone(),
            duty: rec.duty,
            content: rec.content.clone(),
            location: rec.location.clone(),
            latitude: rec.latitude,
            longitude: rec.longitude,
            state: rec.state,
            state_label: rec.state.label().into(),
            department: rec.department.clone(),
            department_name: Self::ticket_handler_name(j, rec.department.as_deref()),
            awaiting: rec.awaiting.clone(),
            return_reason: t.pending_return.clone(),
            returned_by: t.returned_by.clone(),
            extension_asked: t.extension_asked,
            caller_to_tell: t.caller_to_tell,
            extension_days: t.extension_days,
            rehandled: t.rehandled,
            returned: t.returned,
            reminders: t.reminders,
            master_number,
            reply: rec.reply.clone(),
            satisfaction: rec.satisfaction.clone(),
            created_on: fmt_date(t.created_on),
            overdue: Self::ticket_late(t, now),
            dues: Self::ticket_dues(rec, now),
            hours_hint: t.in_hours().then(|| "紧急：按小时计".to_string()),
            light: if staff && access != Access::Applicant {
                self.ticket_light_now(t)
            } else {
                None
            },
            caller,
            steps: self.ticket_steps(rec.id, staff).await?,
            attachments: self.ticket_files_of(rec.id, staff).await?,
        })
    }
    /// Follows a ticket with its number and query code, without an account.
    pub async fn track_ticket(&self, number: &str, code: &str) -> Result<PublicTicket> {
        check("number", number, TextKind::Short)?;
        check("code", code, TextKind::Short)?;
        let not_found = || AppError::NotFound("工单编号或查询码不正确".into());
        let rec = self
            .store
            .ticket_by_number(number)
            .await?
            .ok_or_else(not_found)?;
        if !rec.query_code.eq_ignore_ascii_case(code.trim()) {
            return Err(not_found());
        }
        self.public_ticket(&rec).await
    }

    /// A ticket as the public (and partner applications) may see it: no caller data, no staff.
    pub async fn public_ticket(&self, rec: &TicketRecord) -> Result<PublicTicket> {
        let org = self.org();
        let j = org.jurisdiction(&rec.jurisdiction);
        Ok(PublicTicket {
            id: rec.id,
            number: rec.number.clone(),
            jurisdiction: rec.jurisdiction.clone(),
            ticket_type: rec.ticket_type,
            category_code: rec.category_code.clone(),
            category_name: rec.category_name.clone(),
            content: rec.content.clone(),
            location: rec.location.clone(),
            latitude: rec.latitude,
            longitude: rec.longitude,
            state: rec.state,
            state_label: rec.state.label().into(),
            department_name: Self::ticket_handler_name(j, rec.department.as_deref()),
            reply: rec.reply.clone(),
            reply_due: rec.ticket.reply_due.map(fmt_date),
            reply_due_at: rec
                .ticket
                .reply_due_at
                .and_then(|at| at.and_local_timezone(cst()).single())
                .map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, false)),
            created_at: rec.created_at,
            updated_at: rec.updated_at,
            steps: self.ticket_steps(rec.id, false).await?,
            attachment_count: self.store.ticket_attachment_total(rec.id).await?,
        })
    }

    /// The tickets by filter as the public sees them (for partner interfaces).
    pub async fn public_tickets(&self, filter: &TicketFilter) -> Result<Vec<PublicTicket>> {
        let mut out = Vec::new();
        for rec in self.store.tickets(filter).await? {
            out.push(self.public_ticket(&rec).await?);
        }
        Ok(out)
    }

    /// One ticket as the public sees it, by id.
    pub async fn public_ticket_by_id(&self, id: i64) -> Result<PublicTicket> {
        let rec = self.ticket_record(id).await?;
        self.public_ticket(&rec).await
    }
}
