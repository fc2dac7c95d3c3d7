//! The requests centre (民生和企业诉求服务中心, 12345 工单) use cases: registering a ticket (by a
//! hotline agent with the caller's data, by a logged-in applicant on the portal, anonymously on the
//! public form, by a partner application), the closed loop run by the domain's one state machine
//! ([`Ticket::apply`]) — dispatch, sign, return and its arbitration, extension asked and decided,
//! reply, direct reply, callback, reminder (督办), reassignment (改派), merge (并单) — the desks'
//! lists, the category catalog and the deadline matrix.
//!
//! Who does what:
//! - the centre's agents ([`Operation::TakeTickets`]) register, dispatch, reassign, merge, answer
//!   directly and call back, in their jurisdiction;
//! - the centre's manager ([`Operation::ManageTickets`]) also arbitrates returns, decides
//!   extensions, reminds (督办) and edits the categories and the deadline matrix;
//! - a ticket handler ([`Operation::HandleTickets`], a grant with a department) signs, returns,
//!   asks for more time and replies — only on tickets dispatched to their own department;
//! - an applicant reads the tickets they filed; anyone follows a ticket with its number and query
//!   code.
//!
//! The caller's name and callback phone are shown only to the centre and to the department
//! holding the ticket. Each act writes the ticket, its history entry and a chained event in one
//! transaction.
//!
//! This module holds the helpers its parts share (text checks, who may see what, the history
//! entry and chained event of an act); the parts are: `types` (inputs and views), `categories`
//! (category catalog and deadline matrix), `register` (registration), `acts` (the acts of the
//! loop), `views` (reading a ticket, public views) and `desks` (the desks' lists).
//!
//! [`Ticket::apply`]: yiyin_domain::tickets::Ticket::apply
//! [`Operation::TakeTickets`]: yiyin_domain::authz::Operation::TakeTickets
//! [`Operation::ManageTickets`]: yiyin_domain::authz::Operation::ManageTickets
//! [`Operation::HandleTickets`]: yiyin_domain::authz::Operation::HandleTickets

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use yiyin_domain::calendar::local_date;
use yiyin_domain::party::Actor;
use yiyin_domain::roles::Role;
use yiyin_domain::text::{TextKind, check};
use yiyin_domain::tickets::{TicketAction, TicketError};
use yiyin_store::events::NewEvent;
use yiyin_store::tickets::NewTicketEvent;

use crate::error::{AppError, Result};
use crate::principal::Principal;

mod acts;
mod attachments;
mod categories;
mod desks;
mod kpis;
mod partners;
mod register;
mod types;
mod views;

pub use attachments::{FILES_PER_STAGE, FileStage, TicketFile};
pub use categories::seed_categories;
pub use desks::{MY_TICKETS_PAGE_MAX, QUEUE_LIST_MAX, TICKETS_PAGE_MAX};
pub use kpis::{KPI_SHEET, TicketKpiQuery, TicketKpis, kpi_export_name, kpis_to_xlsx};
pub use partners::{IssuedKey, PartnerFiled, PartnerService};
pub use types::{
    CallerView, CategoryInput, CentreQueue, DepartmentDesk, Due, PublicTicket, QueueCounts,
    Registered, Source, TicketBrief, TicketInput, TicketQuery, TicketStep, TicketView,
    source_label,
};

/// A text given, trimmed; None when empty.
fn given(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|s| !s.is_empty())
}

/// A required text of a kind, trimmed, in its field.
fn required(field: &str, value: &str, kind: TextKind, missing: &str) -> Result<String> {
    check(field, value, kind)?;
    let v = value.trim();
    if v.is_empty() {
        return Err(AppError::field(field, missing));
    }
    Ok(v.to_string())
}

/// A callback phone: 7 to 20 digits, `-` and `+` allowed.
fn phone(field: &str, value: Option<&str>) -> Result<Option<String>> {
    check(field, value.unwrap_or(""), TextKind::Short)?;
    let Some(p) = given(value) else {
        return Ok(None);
    };
    let digits = p.chars().filter(char::is_ascii_digit).count();
    if !p
        .chars()
        .all(|c| c.is_ascii_digit() || c == '-' || c == '+')
        || !(7..=20).contains(&digits)
    {
        return Err(AppError::field(
            field,
            "回电号码应为7至20位数字（可含“-”），例如 0915-5212345 或 13800000000",
        ));
    }
    Ok(Some(p.to_string()))
}

/// The domain's refusal or a calendar gap, in the application's terms.
fn ticket_error(e: TicketError) -> AppError {
    match e {
        TicketError::Refused(r) => AppError::Refused(r),
        TicketError::Calendar(c) => c.into(),
    }
}

fn millis_date(ms: i64) -> NaiveDate {
    local_date(DateTime::from_timestamp_millis(ms).unwrap_or_default())
}

fn minute(ms: i64) -> String {
    let t = DateTime::from_timestamp_millis(ms).unwrap_or_default() + chrono::Duration::hours(8);
    t.format("%Y-%m-%d %H:%M").to_string()
}

/// How a reader may see a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// The centre's agents and manager of the jurisdiction.
    Centre,
    /// The handler of the department holding the ticket.
    Handler,
    /// The applicant who filed it.
    Applicant,
}

impl Access {
    fn sees_caller(self) -> bool {
        matches!(self, Access::Centre | Access::Handler)
    }
}

/// Whether the account is a handler of `department` in `jurisdiction`.
fn handles(who: &Principal, jurisdiction: &str, department: Option<&str>) -> bool {
    who.is_staff()
        && department.is_some()
        && who.account.grants.iter().any(|g| {
            g.role == Role::TicketHandler
                && g.jurisdiction == jurisdiction
                && g.department.as_deref() == department
        })
}

/// Extra columns an act writes beside the ticket.
#[derive(Debug, Default)]
struct Extra<'a> {
    master_id: Option<i64>,
    reply: Option<&'a str>,
    satisfaction: Option<&'a str>,
    data: serde_json::Value,
    /// Files given with the act (the department's evidence with its reply).
    files: Option<(attachments::FileStage, attachments::KeptFiles)>,
}

/// The Chinese word of a history entry's action (the domain's table).
pub use yiyin_domain::tickets::history_label as action_label;

/// Writes a ticket's history entry and its chained event in the write `tx`.
#[allow(clippy::too_many_arguments)]
async fn record(
    tx: &mut yiyin_store::WriteTx,
    (id, number, jurisdiction): (i64, &str, &str),
    actor: &Actor,
    at: DateTime<Utc>,
    action: &TicketAction,
    department: Option<&str>,
    note: &str,
    data: serde_json::Value,
) -> Result<()> {
    tx.add_ticket_event(&NewTicketEvent {
        ticket_id: id,
        at: at.timestamp_millis(),
        actor: &actor.name,
        actor_account: actor.account,
        action: action.code(),
        department,
        note,
        data: data.to_string(),
    })
    .await?;
    let reason = if note.is_empty() {
        format!("工单{number}：{}", action.label())
    } else {
        format!("工单{number}：{}（{note}）", action.label())
    };
    let mut details = json!({"ticket": id, "number": number, "department": department});
    if let (Some(d), serde_json::Value::Object(extra)) = (details.as_object_mut(), data) {
        d.extend(extra);
    }
    let event = NewEvent::new(
        actor,
        at,
        jurisdiction,
        None,
        &format!("ticket_{}", action.code()),
        reason,
        details,
    );
    tx.append_events(&[event]).await?;
    Ok(())
}
