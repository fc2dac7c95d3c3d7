//! The ticket rehearsal of `contracts.md` §2d ([`rehearse`]): a script of events run through
//! [`Ticket::apply`], reported as JSON.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{Deadlines, Ticket, TicketAction, TicketError, TicketType, Urgency};
use crate::calendar::{Calendar, fmt_date};
use crate::refusal::Refusal;
use crate::rehearse::{RehearseError, ScriptEvent, event_at, until_date};

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
        if !action.in_rehearsal() {
            return Err(malformed(format!(
                "events[{index}]：推演不支持「{}」（{}），只支持 create、dispatch、sign、return、extend、reply、callback",
                action.code(),
                action.label()
            )));
        }
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
