//! The ticket's vocabulary: its types, urgency, states and callback answers, one row of deadlines
//! (type × urgency → limits, defaults from `legal-rules.md` Part 4), the acts the desks and the
//! rehearsal give, and why an act is refused.

use serde::{Deserialize, Serialize};

use crate::calendar::CalendarError;
use crate::refusal::Refusal;

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
        /// 已并单: a duplicate, linked to its master ticket (only the master counts).
        Merged = ("merged", "已并单"),
    }
);

labelled_enum!(
    /// The caller's answer at the callback (回访).
    Satisfaction {
        /// 满意
        Satisfied = ("satisfied", "满意"),
        /// 基本满意
        Basic = ("basic", "基本满意"),
        /// 不满意: the ticket is handled again (重办).
        Unsatisfied = ("unsatisfied", "不满意"),
    }
);

impl Satisfaction {
    /// Whether the callback closes the ticket (满意 and 基本满意 do).
    pub fn closes(self) -> bool {
        self != Satisfaction::Unsatisfied
    }
}

/// One row of the deadline matrix (type × urgency → limits), in working days counted with
/// [`Calendar::add`]. Every value is data a jurisdiction may change.
///
/// An urgent (紧急) row may also carry hour limits (`legal-rules.md` Part 4: dispatch 2 hours, sign
/// 2 hours, reply 24 hours; "an hour limit counts elapsed hours"): when one is set it replaces the
/// working-day limit of the same step and is counted in elapsed hours from the exact time of the
/// act, whatever the calendar says. The return window, the callback and the extension stay in
/// working days. The hour fields are absent from rows stored before they existed (and from every
/// ordinary row), so such rows keep counting in working days.
///
/// [`Calendar::add`]: crate::calendar::Calendar::add
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// Urgent tickets: dispatch within this many elapsed hours of registration (replaces
    /// `dispatch`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispatch_hours: Option<u32>,
    /// Urgent tickets: sign within this many elapsed hours of dispatch (replaces `sign`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_hours: Option<u32>,
    /// Urgent tickets: reply within this many elapsed hours of dispatch (or of an unsatisfied
    /// callback), replacing `reply`; `None` for praise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_hours: Option<u32>,
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
            dispatch_hours: None,
            sign_hours: None,
            reply_hours: None,
        }
    }

    /// Yiyin's defaults for an urgent (紧急) ticket of this type, `legal-rules.md` Part 4: dispatch
    /// 2 hours, sign 2 hours, reply 24 hours (none for praise); the return window, the callback and
    /// the extension as for an ordinary ticket, in working days.
    pub fn urgent(ticket_type: TicketType) -> Self {
        let ordinary = Deadlines::ordinary(ticket_type);
        Deadlines {
            dispatch_hours: Some(2),
            sign_hours: Some(2),
            reply_hours: ordinary.reply.map(|_| 24),
            ..ordinary
        }
    }

    /// Yiyin's defaults for a type and urgency.
    pub fn defaults(ticket_type: TicketType, urgency: Urgency) -> Self {
        match urgency {
            Urgency::Normal => Deadlines::ordinary(ticket_type),
            Urgency::Urgent => Deadlines::urgent(ticket_type),
        }
    }

    /// Whether any limit is counted in hours.
    pub fn in_hours(&self) -> bool {
        self.dispatch_hours.is_some() || self.sign_hours.is_some() || self.reply_hours.is_some()
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
    /// 直接答复: the centre answers at intake, without dispatching (the server only).
    DirectReply {},
    /// 改派: the centre moves a dispatched ticket to another department, with a reason; the
    /// dispatch clock starts afresh (the server only).
    Reassign { department: String, reason: String },
    /// 退单仲裁: the centre's manager sends a returned ticket back to the same department or to
    /// another; the dispatch clock starts afresh (the server only).
    Arbitrate { department: String },
    /// 申请延期: the department asks for more time, with a reason (the server only).
    AskExtension { days: u32, reason: String },
    /// 不予延期: the centre's manager refuses the extension asked for (the server only).
    DenyExtension { reason: String },
    /// 告知延期: the centre tells the caller of a granted extension, with how (the server only).
    Inform { note: String },
    /// 督办: a logged reminder to the department holding the ticket (the server only).
    Remind { note: String },
    /// 并单: the ticket is a duplicate of `master` and is linked to it (the server only).
    Merge { master: String },
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
            TicketAction::DirectReply {} => "direct_reply",
            TicketAction::Reassign { .. } => "reassign",
            TicketAction::Arbitrate { .. } => "arbitrate",
            TicketAction::AskExtension { .. } => "ask_extension",
            TicketAction::DenyExtension { .. } => "deny_extension",
            TicketAction::Inform { .. } => "inform",
            TicketAction::Remind { .. } => "remind",
            TicketAction::Merge { .. } => "merge",
        }
    }

    /// Whether the rehearsal of `contracts.md` §2d knows the action (the others are the server's).
    pub fn in_rehearsal(&self) -> bool {
        matches!(
            self,
            TicketAction::Create {}
                | TicketAction::Dispatch { .. }
                | TicketAction::Sign {}
                | TicketAction::Return { .. }
                | TicketAction::Extend { .. }
                | TicketAction::Reply {}
                | TicketAction::Callback { .. }
        )
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
            TicketAction::DirectReply {} => "直接答复",
            TicketAction::Reassign { .. } => "改派",
            TicketAction::Arbitrate { .. } => "退单仲裁",
            TicketAction::AskExtension { .. } => "申请延期",
            TicketAction::DenyExtension { .. } => "不予延期",
            TicketAction::Inform { .. } => "告知延期",
            TicketAction::Remind { .. } => "督办",
            TicketAction::Merge { .. } => "并单",
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
