//! Tickets of the requests centre (12345 工单, 民生和企业诉求服务中心): the ticket's types, urgency and
//! states, its deadlines as data (one row of the type × urgency matrix, defaults from `legal-rules.md`
//! Part 4), the closed loop as a pure state machine ([`Ticket::apply`]) whose dues are counted on the
//! working-day calendar (elapsed hours for an urgent ticket's hour limits), the desks' warning
//! lights and cards ([`ticket_light`]), and the ticket rehearsal of `contracts.md` §2d
//! ([`rehearse`]).
//!
//! The [`Ticket`] value is serde-serialisable so that the server's requests centre can store it and run
//! the same rules; this module does no I/O.

mod checks;
pub mod kpis;
mod lights;
mod machine;
mod matrix;
mod rehearsal;
mod types;

pub use checks::{DuplicateFacts, Duty, check_dispatch_target, check_duplicate};
pub use lights::{
    CARD_RULES, DueStep, LightReading, StepDue, TicketCard, TicketLight, card_color,
    current_due_passed, open_dues, ticket_dues, ticket_light,
};
pub use machine::Ticket;
pub use matrix::{
    DEFAULT_MERGE_WINDOW_DAYS, DeadlineMatrix, MAX_REPLY_HOURS, MAX_STEP_HOURS, MatrixRow,
};
pub use rehearsal::rehearse;
pub use types::{
    Deadlines, EXTENSION_APPROVER, Satisfaction, TicketAction, TicketError, TicketState,
    TicketType, Urgency,
};

#[cfg(test)]
mod rehearsal_tests;
#[cfg(test)]
mod server_tests;
#[cfg(test)]
mod tests;

/// The Chinese word of a ticket's history entry by its action's code (the acts of
/// [`TicketAction`] and the attachment of files).
pub fn history_label(code: &str) -> &'static str {
    match code {
        "create" => "登记",
        "dispatch" => "派单",
        "sign" => "签收",
        "return" => "退单",
        "extend" => "延期",
        "reply" => "答复",
        "callback" => "回访",
        "direct_reply" => "直接答复",
        "reassign" => "改派",
        "arbitrate" => "退单仲裁",
        "ask_extension" => "申请延期",
        "deny_extension" => "不予延期",
        "remind" => "督办",
        "inform" => "告知延期",
        "merge" => "并单",
        "attach" => "上传附件",
        _ => "其他",
    }
}
