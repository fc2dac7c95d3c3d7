//! The ticket and its closed loop as a pure state machine: [`Ticket::create`] registers it and
//! [`Ticket::apply`] applies an act or refuses it with the rule, recomputing every due on the
//! working-day calendar.
//!
//! Urgent tickets whose limits are in hours ([`Deadlines::in_hours`]) also need the exact local time
//! (China Standard Time) of each act: [`Ticket::create_at`] and [`Ticket::apply_at`] take it, and the
//! ticket keeps `dispatch_due_at`, `sign_due_at` and `reply_due_at` beside the dates (the date fields
//! then hold the date part of the hour due, so lists sorted or filtered by date stay consistent).
//! An hour limit counts elapsed hours, whatever the calendar says (`legal-rules.md` Part 1). An
//! extension (in working days) of an urgent ticket moves its reply due by that many working days
//! from the date of the hour due, keeping its time of day: a reply due 2026-06-16 10:30 extended by
//! 3 working days is due 3 working days after 2026-06-16, at 10:30. The date-only [`Ticket::create`]
//! and [`Ticket::apply`] take the act at 00:00 of the day; ordinary tickets never use the time and
//! never get the hour fields, so they run exactly as before.

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

use super::{
    Deadlines, EXTENSION_APPROVER, TicketAction, TicketError, TicketState, TicketType, Urgency,
};
use crate::calendar::{Calendar, CalendarError, fmt_date};
use crate::refusal::{Refusal, refuse, require_text};

/// A ticket and its clock. Dues are recomputed by [`Ticket::apply`]; a field is `None` until the step
/// that sets it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    pub ticket_type: TicketType,
    pub urgency: Urgency,
    /// The limits this ticket runs on (fixed at registration).
    pub deadlines: Deadlines,
    pub state: TicketState,
    pub created_on: NaiveDate,
    /// add(created_on, dispatch).
    pub dispatch_due: NaiveDate,
    /// The department holding the ticket (none while pending dispatch).
    pub department: Option<String>,
    /// The date of the current dispatch.
    pub dispatched_on: Option<NaiveDate>,
    /// add(dispatched_on, sign).
    pub sign_due: Option<NaiveDate>,
    pub signed_on: Option<NaiveDate>,
    /// add(dispatched_on, return_within): the last day a return is allowed.
    pub return_due: Option<NaiveDate>,
    /// add(round start, R + E): the current reply due date; `None` for praise.
    pub reply_due: Option<NaiveDate>,
    /// The reply of the current handling round.
    pub replied_on: Option<NaiveDate>,
    /// The first reply ever given (kept when the ticket is handled again).
    pub first_replied_on: Option<NaiveDate>,
    /// add(replied_on, callback).
    pub callback_due: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    /// The extension granted (0 when none); once granted it stays spent.
    pub extension_days: u32,
    /// Times handled again (重办) after an unsatisfied callback.
    pub rehandled: u32,
    /// Times returned (退单) to the centre.
    pub returned: u32,
    /// Start of the current handling round: the dispatch date, or the date of an unsatisfied callback.
    pub round_start: Option<NaiveDate>,
    /// The extension days that count in the current round (the extension, except after 重办).
    pub round_extension: u32,
    /// The reason of a return (退单) waiting for the centre manager's arbitration.
    #[serde(default)]
    pub pending_return: Option<String>,
    /// The department that returned the ticket last.
    #[serde(default)]
    pub returned_by: Option<String>,
    /// The extension (days) the department asked for and the manager has not yet decided.
    #[serde(default)]
    pub extension_asked: Option<u32>,
    /// Times reminded (督办).
    #[serde(default)]
    pub reminders: u32,
    /// Times moved to another department (改派).
    #[serde(default)]
    pub reassigned: u32,
    /// Answered by the centre at intake (直接答复), not dispatched.
    #[serde(default)]
    pub direct: bool,
    /// The master ticket's number, once merged (并单).
    #[serde(default)]
    pub merged_into: Option<String>,
    /// An extension was granted and the caller has not yet been told of it (延期告知): the
    /// centre calls them and records it ([`TicketAction::Inform`]); the reply tells them anyway.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub caller_to_tell: bool,
    /// Hour limits only: the exact local time of registration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<NaiveDateTime>,
    /// Hour limits only: registration (or the unsatisfied callback of a direct reply) + dispatch
    /// hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispatch_due_at: Option<NaiveDateTime>,
    /// Hour limits only: the exact time of the current dispatch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispatched_at: Option<NaiveDateTime>,
    /// Hour limits only: dispatch + sign hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_due_at: Option<NaiveDateTime>,
    /// Hour limits only: the exact time of signing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_at: Option<NaiveDateTime>,
    /// Hour limits only: the exact start of the current handling round.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round_start_at: Option<NaiveDateTime>,
    /// Hour limits only: round start + reply hours, moved by the round's extension in working days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_due_at: Option<NaiveDateTime>,
    /// Hour limits only: the exact time of the reply of the current round.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replied_at: Option<NaiveDateTime>,
}

/// `at` plus `hours` elapsed hours.
fn plus_hours(at: NaiveDateTime, hours: u32) -> NaiveDateTime {
    at + Duration::hours(i64::from(hours))
}

impl Ticket {
    /// Registers a ticket on `on`: pending dispatch, dispatch due add(on, dispatch). Hour limits
    /// count from 00:00 of `on`; callers who know the time use [`Ticket::create_at`].
    pub fn create(
        ticket_type: TicketType,
        urgency: Urgency,
        deadlines: Deadlines,
        on: NaiveDate,
        calendar: &Calendar,
    ) -> Result<Ticket, CalendarError> {
        Self::create_at(
            ticket_type,
            urgency,
            deadlines,
            on.and_time(NaiveTime::MIN),
            calendar,
        )
    }

    /// Registers a ticket at the local time `at`: pending dispatch, dispatch due add(date, dispatch)
    /// or, with an hour limit, `at` + dispatch hours.
    pub fn create_at(
        ticket_type: TicketType,
        urgency: Urgency,
        deadlines: Deadlines,
        at: NaiveDateTime,
        calendar: &Calendar,
    ) -> Result<Ticket, CalendarError> {
        let on = at.date();
        let dispatch_due_at = deadlines.dispatch_hours.map(|h| plus_hours(at, h));
        let dispatch_due = match dispatch_due_at {
            Some(due) => due.date(),
            None => calendar.add(on, deadlines.dispatch)?,
        };
        Ok(Ticket {
            ticket_type,
            urgency,
            deadlines,
            state: TicketState::PendingDispatch,
            created_on: on,
            dispatch_due,
            department: None,
            dispatched_on: None,
            sign_due: None,
            signed_on: None,
            return_due: None,
            reply_due: None,
            replied_on: None,
            first_replied_on: None,
            callback_due: None,
            closed_on: None,
            extension_days: 0,
            rehandled: 0,
            returned: 0,
            round_start: None,
            round_extension: 0,
            pending_return: None,
            returned_by: None,
            extension_asked: None,
            reminders: 0,
            reassigned: 0,
            direct: false,
            merged_into: None,
            caller_to_tell: false,
            created_at: deadlines.in_hours().then_some(at),
            dispatch_due_at,
            dispatched_at: None,
            sign_due_at: None,
            signed_at: None,
            round_start_at: None,
            reply_due_at: None,
            replied_at: None,
        })
    }

    /// Applies `action` on date `at`, or refuses it with the rule; `self` is unchanged either way.
    /// The act is taken at 00:00 of that day (only hour limits use the time); callers who know
    /// the time use [`Ticket::apply_at`].
    pub fn apply(
        &self,
        action: &TicketAction,
        at: NaiveDate,
        calendar: &Calendar,
    ) -> Result<Ticket, TicketError> {
        self.apply_at(action, at.and_time(NaiveTime::MIN), calendar)
    }

    /// Whether the ticket counts some limit in hours (and so keeps the time of its acts).
    pub fn in_hours(&self) -> bool {
        self.deadlines.in_hours()
    }

    /// Applies `action` at the local time `moment`, or refuses it with the rule; `self` is
    /// unchanged either way.
    pub fn apply_at(
        &self,
        action: &TicketAction,
        moment: NaiveDateTime,
        calendar: &Calendar,
    ) -> Result<Ticket, TicketError> {
        let at = moment.date();
        let timed = self.in_hours().then_some(moment);
        let mut t = self.clone();
        let state = self.state;
        let now = state.label();
        match action {
            TicketAction::Create {} => {
                return Err(Refusal::new("RC-order", "工单已经登记，不能重复登记").into());
            }
            TicketAction::Dispatch { department } => {
                if state != TicketState::PendingDispatch {
                    refuse::<()>(
                        "RC-order",
                        format!("只有待派单的工单才能派单（当前状态：{now}）"),
                    )?;
                }
                t.dispatch_to(department, moment, calendar)?;
            }
            TicketAction::Sign {} => {
                if state != TicketState::Dispatched {
                    refuse::<()>(
                        "RC-order",
                        format!("只有已派单、待签收的工单才能签收（当前状态：{now}）"),
                    )?;
                }
                t.state = TicketState::InProgress;
                t.signed_on = Some(at);
                t.signed_at = timed;
            }
            TicketAction::Return { reason } => {
                self.require_before_reply("退单", "RC-return")?;
                let n = self.deadlines.return_within;
                if let Some(due) = self.return_due
                    && at > due
                {
                    refuse::<()>(
                        "RC-return",
                        format!(
                            "退单须在派单后{n}个工作日内（add(派单日, {n})，即 {} 及以前）提出，{} 已超过退单期限",
                            fmt_date(due),
                            fmt_date(at)
                        ),
                    )?;
                }
                require_text(reason, "RC-return", "退单须说明理由")?;
                t.state = TicketState::PendingDispatch;
                t.returned += 1;
                t.pending_return = Some(reason.trim().to_string());
                t.returned_by = self.department.clone();
                t.extension_asked = None;
                t.department = None;
                t.dispatched_on = None;
                t.sign_due = None;
                t.signed_on = None;
                t.return_due = None;
                t.reply_due = None;
                t.round_start = None;
                t.dispatched_at = None;
                t.sign_due_at = None;
                t.signed_at = None;
                t.round_start_at = None;
                t.reply_due_at = None;
            }
            TicketAction::Extend { days, approved_by } => {
                self.require_before_reply("延期", "RC-extend")?;
                self.require_extension_open(*days)?;
                if approved_by.trim() != EXTENSION_APPROVER {
                    refuse::<()>("RC-extend", "延期须经诉求服务中心负责人批准")?;
                }
                t.extension_days = *days;
                t.extension_asked = None;
                t.round_extension = *days;
                t.caller_to_tell = true;
                t.set_reply_due(calendar)?;
            }
            TicketAction::Reply {} => {
                if state != TicketState::InProgress {
                    refuse::<()>(
                        "RC-order",
                        format!("答复须在承办部门签收之后、办理之中作出（当前状态：{now}）"),
                    )?;
                }
                t.state = TicketState::Replied;
                t.caller_to_tell = false;
                t.replied_on = Some(at);
                t.replied_at = timed;
                t.first_replied_on.get_or_insert(at);
                t.callback_due = Some(calendar.add(at, self.deadlines.callback)?);
            }
            TicketAction::Callback { satisfied } => {
                if state != TicketState::Replied {
                    refuse::<()>(
                        "RC-order",
                        format!("回访须在答复之后进行（当前状态：{now}）"),
                    )?;
                }
                if *satisfied {
                    t.state = TicketState::Closed;
                    t.closed_on = Some(at);
                } else if self.department.is_none() {
                    // Answered at intake: handled again by a department, dispatched afresh.
                    t.state = TicketState::PendingDispatch;
                    t.rehandled += 1;
                    t.replied_on = None;
                    t.replied_at = None;
                    t.callback_due = None;
                    t.dispatch_due_at =
                        self.deadlines.dispatch_hours.map(|h| plus_hours(moment, h));
                    t.dispatch_due = match t.dispatch_due_at {
                        Some(due) => due.date(),
                        None => calendar.add(at, self.deadlines.dispatch)?,
                    };
                } else {
                    // 重办: a new clock from the callback; the extension spent stays spent.
                    t.state = TicketState::InProgress;
                    t.rehandled += 1;
                    t.replied_on = None;
                    t.replied_at = None;
                    t.callback_due = None;
                    t.round_start = Some(at);
                    t.round_start_at = timed;
                    t.round_extension = 0;
                    t.set_reply_due(calendar)?;
                }
            }
            TicketAction::DirectReply {} => {
                if state != TicketState::PendingDispatch || self.returned > 0 || self.rehandled > 0
                {
                    refuse::<()>(
                        "RC-direct",
                        format!(
                            "直接答复只能在登记时、派单之前作出（当前状态：{now}）；退单或重办的工单须派单办理"
                        ),
                    )?;
                }
                t.state = TicketState::Replied;
                t.direct = true;
                t.replied_on = Some(at);
                t.replied_at = timed;
                t.first_replied_on.get_or_insert(at);
                t.callback_due = Some(calendar.add(at, self.deadlines.callback)?);
            }
            TicketAction::Reassign { department, reason } => {
                self.require_before_reply("改派", "RC-reassign")?;
                require_text(reason, "RC-reassign", "改派须说明理由")?;
                if self.department.as_deref() == Some(department.trim()) {
                    refuse::<()>("RC-reassign", "改派须派给另一承办部门")?;
                }
                t.dispatch_to(department, moment, calendar)?;
                t.reassigned += 1;
            }
            TicketAction::Arbitrate { department } => {
                if state != TicketState::PendingDispatch || self.pending_return.is_none() {
                    refuse::<()>(
                        "RC-return",
                        format!("只有被退回、待仲裁的工单才需要退单仲裁（当前状态：{now}）"),
                    )?;
                }
                t.dispatch_to(department, moment, calendar)?;
            }
            TicketAction::AskExtension { days, reason } => {
                self.require_before_reply("申请延期", "RC-extend")?;
                self.require_extension_open(*days)?;
                if self.extension_asked.is_some() {
                    refuse::<()>("RC-extend", "已有延期申请等待诉求服务中心负责人审批")?;
                }
                require_text(reason, "RC-extend", "申请延期须说明理由")?;
                t.extension_asked = Some(*days);
            }
            TicketAction::DenyExtension { reason } => {
                if self.extension_asked.is_none() {
                    refuse::<()>("RC-extend", "该工单没有待审批的延期申请")?;
                }
                require_text(reason, "RC-extend", "不予延期须说明理由")?;
                t.extension_asked = None;
            }
            TicketAction::Inform { note } => {
                if !self.caller_to_tell {
                    refuse::<()>(
                        "RC-inform",
                        "该工单没有待告知来电人的延期：延期经批准后才需告知，答复即已告知",
                    )?;
                }
                require_text(note, "RC-inform", "须写明告知来电人的方式和情况")?;
                t.caller_to_tell = false;
            }
            TicketAction::Remind { note } => {
                self.require_before_reply("督办", "RC-remind")?;
                require_text(note, "RC-remind", "督办须写明督办意见")?;
                t.reminders += 1;
            }
            TicketAction::Merge { master } => {
                if !matches!(
                    state,
                    TicketState::PendingDispatch
                        | TicketState::Dispatched
                        | TicketState::InProgress
                ) {
                    refuse::<()>(
                        "RC-merge",
                        format!("并单须在答复之前进行（当前状态：{now}）"),
                    )?;
                }
                require_text(master, "RC-merge", "并单须指明主工单")?;
                t.state = TicketState::Merged;
                t.merged_into = Some(master.trim().to_string());
                t.closed_on = Some(at);
                t.extension_asked = None;
                t.pending_return = None;
            }
        }
        Ok(t)
    }

    /// Sends the ticket to `department` at `moment`: every due of the handling round starts
    /// afresh.
    fn dispatch_to(
        &mut self,
        department: &str,
        moment: NaiveDateTime,
        calendar: &Calendar,
    ) -> Result<(), TicketError> {
        require_text(department, "RC-dispatch", "派单须指明承办部门")?;
        let at = moment.date();
        let timed = self.in_hours().then_some(moment);
        self.state = TicketState::Dispatched;
        self.department = Some(department.trim().to_string());
        self.dispatched_on = Some(at);
        self.dispatched_at = timed;
        self.sign_due_at = self.deadlines.sign_hours.map(|h| plus_hours(moment, h));
        self.sign_due = Some(match self.sign_due_at {
            Some(due) => due.date(),
            None => calendar.add(at, self.deadlines.sign)?,
        });
        self.signed_on = None;
        self.signed_at = None;
        self.return_due = Some(calendar.add(at, self.deadlines.return_within)?);
        self.round_start = Some(at);
        self.round_start_at = timed;
        self.round_extension = self.extension_days;
        self.pending_return = None;
        self.extension_asked = None;
        self.set_reply_due(calendar)?;
        Ok(())
    }

    /// Sets the reply due of the current round: with an hour limit, round start + reply hours,
    /// moved by the round's extension in working days from that date (keeping the time of day);
    /// else add(round start, R + round extension).
    fn set_reply_due(&mut self, calendar: &Calendar) -> Result<(), CalendarError> {
        match (self.round_start_at, self.deadlines.reply_hours) {
            (Some(start), Some(h)) if self.round_start.is_some() => {
                let base = plus_hours(start, h);
                let date = calendar.add(base.date(), self.round_extension)?;
                self.reply_due_at = Some(date.and_time(base.time()));
                self.reply_due = Some(date);
            }
            _ => {
                self.reply_due_at = None;
                self.reply_due = self.reply_due_for_round(calendar)?;
            }
        }
        Ok(())
    }

    /// Refuses an extension of `days` unless one may still be granted (`legal-rules.md` Part 4).
    fn require_extension_open(&self, days: u32) -> Result<(), Refusal> {
        let max = self.deadlines.max_extension;
        if self.deadlines.reply.is_none() {
            refuse::<()>(
                "RC-extend",
                format!("{}类工单没有答复期限，无需延期", self.ticket_type.label()),
            )?;
        }
        if self.extension_days > 0 {
            refuse::<()>(
                "RC-extend",
                format!(
                    "延期只能申请一次，且不超过{max}个工作日；本工单已延期{}个工作日",
                    self.extension_days
                ),
            )?;
        }
        if days == 0 || days > max {
            refuse::<()>(
                "RC-extend",
                format!("延期只能申请一次，且不超过{max}个工作日（申请{days}个工作日）"),
            )?;
        }
        Ok(())
    }

    /// Whether the reply is late: not replied after the current reply due date as of `until`, or
    /// replied after it. A ticket with no reply due (praise, or pending dispatch) is never overdue.
    /// With a reply due in hours, a reply is late when given after the due time; an open one is
    /// late as of a whole date only after the due's date (use [`Ticket::overdue_at`] for the
    /// exact time).
    pub fn overdue(&self, until: NaiveDate) -> bool {
        if self.state == TicketState::Merged {
            return false;
        }
        if let Some(due) = self.reply_due_at {
            return match self.replied_at {
                Some(replied) => replied > due,
                None => until > due.date(),
            };
        }
        let Some(due) = self.reply_due else {
            return false;
        };
        match self.replied_on {
            Some(replied) => replied > due,
            None => until > due,
        }
    }

    /// Whether the reply is late as of the local time `now`: with a reply due in hours, not replied
    /// and `now` after the due time, or replied after it; else as [`Ticket::overdue`] on `now`'s
    /// date.
    pub fn overdue_at(&self, now: NaiveDateTime) -> bool {
        if self.state == TicketState::Merged {
            return false;
        }
        match self.reply_due_at {
            Some(due) => match self.replied_at {
                Some(replied) => replied > due,
                None => now > due,
            },
            None => self.overdue(now.date()),
        }
    }

    /// add(round start, R + round extension), or `None` when no reply is due.
    fn reply_due_for_round(&self, calendar: &Calendar) -> Result<Option<NaiveDate>, CalendarError> {
        match (self.round_start, self.deadlines.reply) {
            (Some(start), Some(r)) => Ok(Some(calendar.add(start, r + self.round_extension)?)),
            _ => Ok(None),
        }
    }

    /// Refuses `what` unless the ticket is with a department and not yet replied.
    fn require_before_reply(&self, what: &str, rule: &str) -> Result<(), Refusal> {
        match self.state {
            TicketState::Dispatched | TicketState::InProgress => Ok(()),
            s => refuse(
                rule,
                format!(
                    "{what}须在派单之后、答复之前提出（当前状态：{}）",
                    s.label()
                ),
            ),
        }
    }
}
