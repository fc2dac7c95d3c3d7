//! Tickets of the requests centre (12345 工单, 民生和企业诉求服务中心): the ticket's types, urgency and
//! states, its deadlines as data (one row of the type × urgency matrix, defaults from `legal-rules.md`
//! Part 4), the closed loop as a pure state machine ([`Ticket::apply`]) whose dues are counted on the
//! working-day calendar, and the ticket rehearsal of `contracts.md` §2d ([`rehearse`]).
//!
//! The [`Ticket`] value is serde-serialisable so that the server's requests centre can store it and run
//! the same rules; this module does no I/O.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::calendar::{Calendar, CalendarError, fmt_date};
use crate::refusal::{Refusal, refuse, require_text};
use crate::rehearse::{RehearseError, ScriptEvent, event_at, until_date};

labelled_enum!(
    /// What a caller asks for (诉求类型); it sets the reply limit.
    TicketType {
        /// 咨询: a question.
        Consultation = ("consultation", "咨询"),
        /// 求助: a request for help.
        Help = ("help", "求助"),
        /// 投诉: a complaint.
        Complaint = ("complaint", "投诉"),
        /// 举报: a report of wrongdoing.
        Report = ("report", "举报"),
        /// 建议: a suggestion.
        Suggestion = ("suggestion", "建议"),
        /// 表扬: praise (no reply due).
        Praise = ("praise", "表扬"),
    }
);

impl TicketType {
    /// The default reply limit in working days (`legal-rules.md` Part 4); `None` for praise.
    pub fn default_reply_days(self) -> Option<u32> {
        match self {
            TicketType::Consultation => Some(3),
            TicketType::Help => Some(5),
            TicketType::Complaint | TicketType::Report => Some(10),
            TicketType::Suggestion => Some(15),
            TicketType::Praise => None,
        }
    }
}

labelled_enum!(
    /// How urgent a ticket is (紧急程度).
    Urgency {
        /// 一般: limits in working days.
        Normal = ("normal", "一般"),
        /// 紧急: limits in hours.
        Urgent = ("urgent", "紧急"),
    }
);

labelled_enum!(
    /// Where a ticket stands in the closed loop.
    TicketState {
        /// 待派单: registered (or returned), waiting for the centre to dispatch it.
        PendingDispatch = ("pending_dispatch", "待派单"),
        /// 已派单: dispatched, waiting for the department to sign for it.
        Dispatched = ("dispatched", "已派单"),
        /// 办理中: signed for (or handled again after an unsatisfied callback).
        InProgress = ("in_progress", "办理中"),
        /// 已答复: replied, waiting for the callback.
        Replied = ("replied", "已答复"),
        /// 已办结: the callback found the caller satisfied.
        Closed = ("closed", "已办结"),
    }
);

/// One row of the deadline matrix (type × urgency → limits), in working days counted with
/// [`Calendar::add`]. Every value is data a jurisdiction may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadlines {
    /// Dispatch by the centre, from registration.
    pub dispatch: u32,
    /// Signing by the department, from dispatch.
    pub sign: u32,
    /// Return (退单) allowed within this many working days of dispatch.
    pub return_within: u32,
    /// Reply, from dispatch (or from an unsatisfied callback); `None`: no reply due.
    pub reply: Option<u32>,
    /// Callback (回访), from the reply.
    pub callback: u32,
    /// The longest extension the centre's manager may grant, once.
    pub max_extension: u32,
}

impl Deadlines {
    /// Yiyin's defaults for an ordinary (一般) ticket of this type, `legal-rules.md` Part 4.
    pub fn ordinary(ticket_type: TicketType) -> Self {
        Deadlines {
            dispatch: 1,
            sign: 1,
            return_within: 2,
            reply: ticket_type.default_reply_days(),
            callback: 1,
            max_extension: 10,
        }
    }
}

/// An act on a ticket, as the desks (and the rehearsal's events) give it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum TicketAction {
    /// 登记: the ticket is registered (only once, when it is created).
    Create {},
    /// 派单: the centre sends the ticket to a department.
    Dispatch { department: String },
    /// 签收: the department signs for it.
    Sign {},
    /// 退单: the department sends it back to the centre, with a reason.
    Return { reason: String },
    /// 延期: the reply limit is extended, once, with the centre manager's approval.
    Extend { days: u32, approved_by: String },
    /// 答复: the department replies to the caller.
    Reply {},
    /// 回访: the centre calls the caller back.
    Callback { satisfied: bool },
}

impl TicketAction {
    /// The action's code, as in the rehearsal's events.
    pub fn code(&self) -> &'static str {
        match self {
            TicketAction::Create {} => "create",
            TicketAction::Dispatch { .. } => "dispatch",
            TicketAction::Sign {} => "sign",
            TicketAction::Return { .. } => "return",
            TicketAction::Extend { .. } => "extend",
            TicketAction::Reply {} => "reply",
            TicketAction::Callback { .. } => "callback",
        }
    }

    /// The Chinese word users see.
    pub fn label(&self) -> &'static str {
        match self {
            TicketAction::Create {} => "登记",
            TicketAction::Dispatch { .. } => "派单",
            TicketAction::Sign {} => "签收",
            TicketAction::Return { .. } => "退单",
            TicketAction::Extend { .. } => "延期",
            TicketAction::Reply {} => "答复",
            TicketAction::Callback { .. } => "回访",
        }
    }
}

/// Why an act on a ticket was not applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TicketError {
    /// The rules forbid it (the refusal names the rule in Chinese).
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// A due date falls in a year the calendar has no data for.
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

/// The approver an extension needs.
pub const EXTENSION_APPROVER: &str = "manager";

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
}

impl Ticket {
    /// Registers a ticket on `on`: pending dispatch, dispatch due add(on, dispatch).
    pub fn create(
        ticket_type: TicketType,
        urgency: Urgency,
        deadlines: Deadlines,
        on: NaiveDate,
        calendar: &Calendar,
    ) -> Result<Ticket, CalendarError> {
        Ok(Ticket {
            ticket_type,
            urgency,
            deadlines,
            state: TicketState::PendingDispatch,
            created_on: on,
            dispatch_due: calendar.add(on, deadlines.dispatch)?,
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
        })
    }

    /// Applies `action` on date `at`, or refuses it with the rule; `self` is unchanged either way.
    pub fn apply(
        &self,
        action: &TicketAction,
        at: NaiveDate,
        calendar: &Calendar,
    ) -> Result<Ticket, TicketError> {
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
                require_text(department, "RC-dispatch", "派单须指明承办部门")?;
                t.state = TicketState::Dispatched;
                t.department = Some(department.trim().to_string());
                t.dispatched_on = Some(at);
                t.sign_due = Some(calendar.add(at, self.deadlines.sign)?);
                t.signed_on = None;
                t.return_due = Some(calendar.add(at, self.deadlines.return_within)?);
                t.round_start = Some(at);
                t.round_extension = self.extension_days;
                t.reply_due = t.reply_due_for_round(calendar)?;
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
                t.department = None;
                t.dispatched_on = None;
                t.sign_due = None;
                t.signed_on = None;
                t.return_due = None;
                t.reply_due = None;
                t.round_start = None;
            }
            TicketAction::Extend { days, approved_by } => {
                self.require_before_reply("延期", "RC-extend")?;
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
                if *days == 0 || *days > max {
                    refuse::<()>(
                        "RC-extend",
                        format!("延期只能申请一次，且不超过{max}个工作日（申请{days}个工作日）"),
                    )?;
                }
                if approved_by.trim() != EXTENSION_APPROVER {
                    refuse::<()>("RC-extend", "延期须经诉求服务中心负责人批准")?;
                }
                t.extension_days = *days;
                t.round_extension = *days;
                t.reply_due = t.reply_due_for_round(calendar)?;
            }
            TicketAction::Reply {} => {
                if state != TicketState::InProgress {
                    refuse::<()>(
                        "RC-order",
                        format!("答复须在承办部门签收之后、办理之中作出（当前状态：{now}）"),
                    )?;
                }
                t.state = TicketState::Replied;
                t.replied_on = Some(at);
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
                } else {
                    // 重办: a new clock from the callback; the extension spent stays spent.
                    t.state = TicketState::InProgress;
                    t.rehandled += 1;
                    t.replied_on = None;
                    t.callback_due = None;
                    t.round_start = Some(at);
                    t.round_extension = 0;
                    t.reply_due = t.reply_due_for_round(calendar)?;
                }
            }
        }
        Ok(t)
    }

    /// Whether the reply is late: not replied after the current reply due date as of `until`, or
    /// replied after it. A ticket with no reply due (praise, or pending dispatch) is never overdue.
    pub fn overdue(&self, until: NaiveDate) -> bool {
        let Some(due) = self.reply_due else {
            return false;
        };
        match self.replied_on {
            Some(replied) => replied > due,
            None => until > due,
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

/// The ticket a rehearsal script names.
#[derive(Debug, Deserialize)]
struct TicketSpec {
    #[serde(rename = "type")]
    ticket_type: TicketType,
    #[serde(default)]
    urgency: Option<Urgency>,
}

/// A ticket rehearsal script (`contracts.md` §2d).
#[derive(Debug, Deserialize)]
struct Script {
    ticket: TicketSpec,
    events: Vec<Value>,
    #[serde(default)]
    until: Option<String>,
}

/// A refused event of the rehearsal, as `refused_actions` lists it.
#[derive(Debug, Serialize)]
struct RefusedAction<'a> {
    index: usize,
    action: &'a str,
    reason: String,
    rule: String,
}

fn malformed(msg: impl Into<String>) -> RehearseError {
    RehearseError::Malformed(msg.into())
}

/// Runs a ticket rehearsal (`contracts.md` §2d): `input` is the script's JSON text, with a `ticket`
/// instead of an `item`. Returns the report; malformed input is an error (exit status 2 in the CLI).
pub fn rehearse(input: &str, calendar: &Calendar) -> Result<Value, RehearseError> {
    let script: Script = serde_json::from_str(input).map_err(|e| malformed(e.to_string()))?;
    let urgency = script.ticket.urgency.unwrap_or(Urgency::Normal);
    if urgency != Urgency::Normal {
        return Err(malformed(
            "紧急工单的时限按小时计算，推演只支持一般工单（urgency 应为「一般」）",
        ));
    }
    let deadlines = Deadlines::ordinary(script.ticket.ticket_type);
    let mut ticket: Option<Ticket> = None;
    let mut applied: Vec<Value> = Vec::new();
    let mut refused: Vec<RefusedAction> = Vec::new();
    let mut last_at: Option<DateTime<FixedOffset>> = None;

    for (index, raw) in script.events.iter().enumerate() {
        let ScriptEvent { obj, at_text, at } = event_at(index, raw, last_at)?;
        last_at = Some(at);
        let date = at.date_naive();
        let action: TicketAction = serde_json::from_value(raw.clone()).map_err(|e| {
            let name = obj.get("action").and_then(Value::as_str).unwrap_or("");
            malformed(format!("events[{index}]（{name}）：{e}"))
        })?;
        let outcome = match (&ticket, &action) {
            (None, TicketAction::Create {}) => Ticket::create(
                script.ticket.ticket_type,
                urgency,
                deadlines,
                date,
                calendar,
            )
            .map_err(TicketError::from),
            (None, _) => Err(Refusal::new("RC-order", "工单尚未登记，不能办理其他事项").into()),
            (Some(current), _) => current.apply(&action, date, calendar),
        };
        match outcome {
            Ok(next) => {
                let mut event = Map::new();
                event.insert("index".into(), json!(index));
                event.insert("action".into(), json!(action.code()));
                event.insert("label".into(), json!(action.label()));
                event.insert("at".into(), json!(at_text));
                event.insert("date".into(), json!(fmt_date(date)));
                for (k, v) in obj {
                    if k != "at" && k != "action" {
                        event.insert(k.clone(), v.clone());
                    }
                }
                applied.push(Value::Object(event));
                ticket = Some(next);
            }
            Err(TicketError::Refused(r)) => refused.push(RefusedAction {
                index,
                action: action.code(),
                reason: r.message,
                rule: r.rule,
            }),
            Err(TicketError::Calendar(e)) => return Err(e.into()),
        }
    }

    let Some(ticket) = ticket else {
        return Err(malformed("脚本中没有 create（登记工单）事件"));
    };
    let last_date = last_at.map_or(ticket.created_on, |a| a.date_naive());
    let until = until_date(script.until.as_deref(), last_date)?;
    let date = |d: Option<NaiveDate>| d.map(fmt_date).map_or(Value::Null, Value::String);
    Ok(json!({
        "state": ticket.state.code(),
        "state_label": ticket.state.label(),
        "type": ticket.ticket_type.label(),
        "urgency": ticket.urgency.label(),
        "department": ticket.department,
        "created_on": fmt_date(ticket.created_on),
        "dispatched_on": date(ticket.dispatched_on),
        "dispatch_due": fmt_date(ticket.dispatch_due),
        "sign_due": date(ticket.sign_due),
        "signed_on": date(ticket.signed_on),
        "return_due": date(ticket.return_due),
        "reply_due": date(ticket.reply_due),
        "replied_on": date(ticket.replied_on),
        "first_replied_on": date(ticket.first_replied_on),
        "callback_due": date(ticket.callback_due),
        "closed_on": date(ticket.closed_on),
        "extension_days": ticket.extension_days,
        "rehandled": ticket.rehandled,
        "returned": ticket.returned,
        "overdue": ticket.overdue(until),
        "refused_actions": refused,
        "events": applied,
        "until": fmt_date(until),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::d;

    fn cal() -> Calendar {
        Calendar::builtin()
    }

    /// A complaint (投诉, R = 10) registered 2025-03-03 (Monday).
    fn complaint() -> Ticket {
        let t = TicketType::Complaint;
        Ticket::create(
            t,
            Urgency::Normal,
            Deadlines::ordinary(t),
            d("2025-03-03"),
            &cal(),
        )
        .unwrap()
    }

    fn run(t: &Ticket, steps: &[(&str, TicketAction)]) -> Result<Ticket, TicketError> {
        let mut t = t.clone();
        for (on, a) in steps {
            t = t.apply(a, d(on), &cal())?;
        }
        Ok(t)
    }

    fn dispatch() -> TicketAction {
        TicketAction::Dispatch {
            department: "县市场监督管理局".into(),
        }
    }

    fn extend(days: u32) -> TicketAction {
        TicketAction::Extend {
            days,
            approved_by: EXTENSION_APPROVER.into(),
        }
    }

    fn refusal(r: Result<Ticket, TicketError>) -> Refusal {
        match r {
            Err(TicketError::Refused(r)) => r,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn the_default_reply_limits_follow_part_4() {
        let r = |t: TicketType| Deadlines::ordinary(t).reply;
        assert_eq!(r(TicketType::Consultation), Some(3));
        assert_eq!(r(TicketType::Help), Some(5));
        assert_eq!(r(TicketType::Complaint), Some(10));
        assert_eq!(r(TicketType::Report), Some(10));
        assert_eq!(r(TicketType::Suggestion), Some(15));
        assert_eq!(r(TicketType::Praise), None);
    }

    #[test]
    fn types_parse_from_chinese_and_code() {
        assert_eq!(TicketType::parse("举报"), Some(TicketType::Report));
        assert_eq!(
            TicketType::parse("suggestion"),
            Some(TicketType::Suggestion)
        );
        assert_eq!(TicketType::parse("催办"), None);
    }

    #[test]
    fn refusing_leaves_the_ticket_unchanged() {
        let t = complaint();
        let before = t.clone();
        refusal(t.apply(&TicketAction::Sign {}, d("2025-03-04"), &cal()));
        assert_eq!(t, before);
    }

    #[test]
    fn the_extension_counts_from_the_dispatch_and_stays_spent_after_rehandling() {
        // Dispatched Monday 2025-03-03 + 10 + 4 working days = 2025-03-21 (Friday).
        let t = run(
            &complaint(),
            &[
                ("2025-03-03", dispatch()),
                ("2025-03-04", TicketAction::Sign {}),
                ("2025-03-05", extend(4)),
            ],
        )
        .unwrap();
        assert_eq!(t.reply_due, Some(d("2025-03-21")));
        // Replied 03-20; unsatisfied callback Friday 03-21: reply due add(03-21, 10) without the
        // extension; Qingming (04-04) is a holiday in 2025, so the 10th working day is 04-07.
        let t = run(
            &t,
            &[
                ("2025-03-20", TicketAction::Reply {}),
                ("2025-03-21", TicketAction::Callback { satisfied: false }),
            ],
        )
        .unwrap();
        assert_eq!(t.state, TicketState::InProgress);
        assert_eq!(t.rehandled, 1);
        assert_eq!(t.reply_due, Some(d("2025-04-07")));
        assert_eq!(t.first_replied_on, Some(d("2025-03-20")));
        assert_eq!(t.replied_on, None);
        assert_eq!(t.extension_days, 4);
        let r = refusal(t.apply(&extend(2), d("2025-03-24"), &cal()));
        assert!(r.message.contains("只能申请一次"), "{}", r.message);
        // Not replied by the new due date: overdue the next day, not on it.
        assert!(!t.overdue(d("2025-04-07")));
        assert!(t.overdue(d("2025-04-08")));
    }

    #[test]
    fn a_return_clears_the_dispatch_and_a_new_dispatch_starts_afresh() {
        let t = run(&complaint(), &[("2025-03-03", dispatch())]).unwrap();
        assert_eq!(t.return_due, Some(d("2025-03-05")));
        let back = t
            .apply(
                &TicketAction::Return {
                    reason: "不属于本部门职责".into(),
                },
                d("2025-03-05"),
                &cal(),
            )
            .unwrap();
        assert_eq!(back.state, TicketState::PendingDispatch);
        assert_eq!((back.reply_due, back.dispatched_on), (None, None));
        assert!(!back.overdue(d("2025-12-31")));
        let again = back.apply(&dispatch(), d("2025-03-10"), &cal()).unwrap();
        assert_eq!(again.sign_due, Some(d("2025-03-11")));
        assert_eq!(again.return_due, Some(d("2025-03-12")));
        assert_eq!(again.reply_due, Some(d("2025-03-24")));
        assert_eq!(again.returned, 1);
    }

    #[test]
    fn a_return_needs_a_reason() {
        let t = run(&complaint(), &[("2025-03-03", dispatch())]).unwrap();
        let r = refusal(t.apply(
            &TicketAction::Return { reason: " ".into() },
            d("2025-03-04"),
            &cal(),
        ));
        assert!(r.message.contains("理由"), "{}", r.message);
    }

    #[test]
    fn an_extension_needs_the_manager_and_praise_needs_none() {
        let t = run(&complaint(), &[("2025-03-03", dispatch())]).unwrap();
        let head = TicketAction::Extend {
            days: 5,
            approved_by: "head".into(),
        };
        assert_eq!(
            refusal(t.apply(&head, d("2025-03-04"), &cal())).rule,
            "RC-extend"
        );
        let p = TicketType::Praise;
        let praise = Ticket::create(
            p,
            Urgency::Normal,
            Deadlines::ordinary(p),
            d("2025-03-03"),
            &cal(),
        )
        .unwrap()
        .apply(&dispatch(), d("2025-03-03"), &cal())
        .unwrap();
        assert_eq!(praise.reply_due, None);
        let r = refusal(praise.apply(&extend(5), d("2025-03-04"), &cal()));
        assert!(r.message.contains("表扬"), "{}", r.message);
    }

    #[test]
    fn the_ticket_round_trips_through_serde() {
        let t = run(&complaint(), &[("2025-03-03", dispatch())]).unwrap();
        let text = serde_json::to_string(&t).unwrap();
        assert!(text.contains("\"dispatched\""), "{text}");
        assert_eq!(serde_json::from_str::<Ticket>(&text).unwrap(), t);
        let a: TicketAction =
            serde_json::from_value(json!({"action": "sign", "at": "2025-03-04"})).unwrap();
        assert_eq!(a, TicketAction::Sign {});
    }
}

#[cfg(test)]
mod rehearsal_tests {
    use super::*;

    fn script(ticket: &str, events: &str) -> String {
        format!(r#"{{"ticket":{ticket},"events":[{events}]}}"#)
    }

    #[test]
    fn malformed_ticket_scripts_are_errors() {
        let t = r#"{"type":"投诉","urgency":"一般"}"#;
        let create = r#"{"at":"2025-03-04T09:00:00+08:00","action":"create"}"#;
        for (input, phrase) in [
            (script(r#"{"type":"催办"}"#, create), "催办"),
            (
                script(r#"{"type":"投诉","urgency":"紧急"}"#, create),
                "一般工单",
            ),
            (script(t, ""), "create"),
            (
                script(t, r#"{"at":"2025-03-04T09:00:00+08:00","action":"fly"}"#),
                "fly",
            ),
            (
                script(
                    t,
                    &format!(
                        r#"{create},{{"at":"2025-03-03T09:00:00+08:00","action":"dispatch","department":"x"}}"#
                    ),
                ),
                "时间顺序",
            ),
            (
                script(t, r#"{"at":"昨天","action":"create"}"#),
                "不是有效时间",
            ),
            (
                script(
                    t,
                    &format!(
                        r#"{create},{{"at":"2025-03-04T10:00:00+08:00","action":"dispatch"}}"#
                    ),
                ),
                "department",
            ),
            (
                format!(r#"{{"ticket":{t},"events":[{create}],"until":"2025-03-01"}}"#),
                "until",
            ),
        ] {
            let err = crate::rehearse::rehearse(&input, &Calendar::builtin())
                .unwrap_err()
                .to_string();
            assert!(err.contains("推演脚本格式错误"), "{input}: {err}");
            assert!(err.contains(phrase), "{input}: {err}");
        }
    }

    #[test]
    fn a_due_in_a_year_without_data_is_named() {
        let input = script(
            r#"{"type":"建议"}"#,
            r#"{"at":"2026-12-20T09:00:00+08:00","action":"create"},
               {"at":"2026-12-21T09:00:00+08:00","action":"dispatch","department":"县民政局"}"#,
        );
        let err = rehearse(&input, &Calendar::builtin()).unwrap_err();
        assert!(matches!(err, RehearseError::Calendar(_)), "{err}");
        assert!(err.to_string().contains("2027"), "{err}");
    }

    #[test]
    fn the_report_lists_applied_events_with_their_dates() {
        let input = script(
            r#"{"type":"咨询"}"#,
            r#"{"at":"2025-03-03T23:30:00Z","action":"create"},
               {"at":"2025-03-04T09:00:00+08:00","action":"sign"}"#,
        );
        let report = rehearse(&input, &Calendar::builtin()).unwrap();
        // 23:30 UTC on 03-03 is 07:30 on 03-04 in China Standard Time.
        assert_eq!(report["created_on"], "2025-03-04");
        assert_eq!(report["events"][0]["label"], "登记");
        assert_eq!(report["events"][0]["date"], "2025-03-04");
        assert_eq!(report["events"].as_array().unwrap().len(), 1);
        assert_eq!(report["refused_actions"][0]["index"], 1);
        assert_eq!(report["refused_actions"][0]["action"], "sign");
    }
}
