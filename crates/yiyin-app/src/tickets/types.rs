//! The requests centre's typed inputs and outputs: where a ticket came from, the ticket to
//! register, the views of a ticket (for its readers, a desk's list, the public), the centre's
//! desk, a category to save and the filters of a search.

use serde::{Deserialize, Serialize};
use yiyin_domain::tickets::{Duty, LightReading, TicketState, TicketType, Urgency};

/// Where a ticket came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A call to the hotline, registered by an agent.
    Hotline,
    /// A logged-in applicant on the portal.
    Portal,
    /// The anonymous public form.
    Public,
    /// A partner application (Open311).
    Partner,
}

impl Source {
    pub fn code(self) -> &'static str {
        match self {
            Source::Hotline => "hotline",
            Source::Portal => "portal",
            Source::Public => "public",
            Source::Partner => "partner",
        }
    }
}

/// The Chinese word for a source code.
pub fn source_label(code: &str) -> &'static str {
    match code {
        "hotline" => "热线来电",
        "portal" => "网上申报",
        "public" => "公众诉求表单",
        "partner" => "合作应用",
        _ => "其他",
    }
}

/// A ticket to register.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketInput {
    /// The jurisdiction (county) code.
    pub jurisdiction: String,
    /// 诉求类型: 咨询, 求助, 投诉, 举报, 建议, 表扬 (or their codes).
    #[serde(rename = "type")]
    pub ticket_type: String,
    /// 紧急程度: 一般 (default) or 紧急.
    #[serde(default)]
    pub urgency: Option<String>,
    /// The category code (诉求分类).
    pub category: String,
    /// What the caller asks or reports.
    pub content: String,
    /// The address concerned.
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub latitude: Option<f64>,
    #[serde(default)]
    pub longitude: Option<f64>,
    /// The caller's name (optional: anonymous tickets are allowed).
    #[serde(default)]
    pub caller_name: Option<String>,
    /// The callback phone (required for hotline calls).
    #[serde(default)]
    pub caller_phone: Option<String>,
    /// The centre's answer at intake (直接答复), agents only.
    #[serde(default)]
    pub direct_reply: Option<String>,
}

/// A registered ticket: its view and the query code to follow it (given once).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Registered {
    pub ticket: TicketView,
    /// 查询码: with the number, follows the ticket on the public page.
    pub query_code: String,
}

/// The caller's data, for the centre and the department holding the ticket.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CallerView {
    pub name: Option<String>,
    pub phone: Option<String>,
}

/// One due of a ticket's clock, explained.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Due {
    /// 派单, 签收, 退单, 答复, 回访.
    pub what: String,
    /// YYYY-MM-DD (the date part of an hour due).
    pub due: String,
    /// YYYY-MM-DD HH:MM (China Standard Time) when the limit is in hours (urgent tickets).
    pub due_at: Option<String>,
    /// As shown: 「2026-06-15 10:30 前」 or 「2026-06-15 前」.
    pub shown: String,
    /// Whether the limit counts elapsed hours.
    pub in_hours: bool,
    /// How it is counted.
    pub rule: String,
    /// Whether it passed with the step not done.
    pub late: bool,
}

/// One entry of a ticket's history as shown.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketStep {
    /// YYYY-MM-DD HH:MM (China Standard Time).
    pub at: String,
    pub action: String,
    pub label: String,
    /// Who acted (staff readers only).
    pub actor: Option<String>,
    pub department: Option<String>,
    pub note: String,
}

/// A ticket as its readers see it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketView {
    pub id: i64,
    pub number: String,
    pub jurisdiction: String,
    pub source: String,
    pub source_label: String,
    #[serde(rename = "type")]
    pub ticket_type: TicketType,
    pub urgency: Urgency,
    pub category_code: String,
    pub category_name: String,
    pub duty: Duty,
    pub content: String,
    pub location: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub state: TicketState,
    pub state_label: String,
    pub department: Option<String>,
    pub department_name: Option<String>,
    /// `return` or `extension`: what waits for the centre's manager.
    pub awaiting: Option<String>,
    /// The return's reason waiting for arbitration.
    pub return_reason: Option<String>,
    /// The department that returned it last.
    pub returned_by: Option<String>,
    /// The extension (working days) asked for.
    pub extension_asked: Option<u32>,
    /// An extension was granted and the caller is still to be told of it (延期待告知).
    pub caller_to_tell: bool,
    pub extension_days: u32,
    pub rehandled: u32,
    pub returned: u32,
    pub reminders: u32,
    pub master_number: Option<String>,
    pub reply: Option<String>,
    pub satisfaction: Option<String>,
    pub created_on: String,
    pub overdue: bool,
    pub dues: Vec<Due>,
    /// 「紧急：按小时计」 when some limit counts elapsed hours.
    pub hours_hint: Option<String>,
    /// The desk's warning light and card for the current due (staff readers of an open ticket).
    pub light: Option<LightReading>,
    /// Only for the centre and the department holding the ticket.
    pub caller: Option<CallerView>,
    pub steps: Vec<TicketStep>,
    /// The files given at intake and the department's evidence (its readers only).
    pub attachments: Vec<super::TicketFile>,
}

/// A ticket in a desk's list (no caller data).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketBrief {
    pub id: i64,
    pub number: String,
    pub jurisdiction: String,
    #[serde(rename = "type")]
    pub ticket_type: TicketType,
    pub urgency: Urgency,
    pub category_name: String,
    pub content: String,
    pub location: String,
    pub state: TicketState,
    pub state_label: String,
    pub department: Option<String>,
    pub department_name: Option<String>,
    pub awaiting: Option<String>,
    pub created_on: String,
    /// The next due of the ticket's state (dispatch, reply or callback).
    pub next_due: Option<String>,
    /// The next due as shown: 「2026-06-15 10:30 前」 for an hour due, 「2026-06-15 前」 otherwise.
    pub next_due_shown: Option<String>,
    pub overdue: bool,
    /// The desk's warning light and card for the current due (staff desks only).
    pub light: Option<LightReading>,
}

/// The centre's desk.
#[derive(Debug, Clone, Serialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CentreQueue {
    /// 待派单 (returns waiting for arbitration excluded).
    pub pending: Vec<TicketBrief>,
    /// Past a due date, the step not done.
    pub overdue: Vec<TicketBrief>,
    /// 待回访.
    pub callbacks: Vec<TicketBrief>,
    /// Returns waiting for the manager's arbitration (managers only).
    pub returns: Vec<TicketBrief>,
    /// Extensions waiting for the manager's approval (managers only).
    pub extensions: Vec<TicketBrief>,
    /// Extensions granted whose caller has not yet been told (延期待告知).
    pub to_inform: Vec<TicketBrief>,
    /// How many tickets each list holds in all: a list shows its first [`QUEUE_LIST_MAX`] (the
    /// rest through the search, a page at a time).
    ///
    /// [`QUEUE_LIST_MAX`]: crate::tickets::QUEUE_LIST_MAX
    pub counts: QueueCounts,
}

/// The department desk: the tickets to sign, handle or reply, and how many there are in all (each
/// department's list shows its first [`QUEUE_LIST_MAX`]).
///
/// [`QUEUE_LIST_MAX`]: crate::tickets::QUEUE_LIST_MAX
#[derive(Debug, Clone, Serialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DepartmentDesk {
    pub tickets: Vec<TicketBrief>,
    pub count: i64,
}

/// How many tickets each list of the centre's desk holds.
#[derive(Debug, Clone, Copy, Serialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueueCounts {
    pub pending: i64,
    pub overdue: i64,
    pub callbacks: i64,
    pub returns: i64,
    pub extensions: i64,
    pub to_inform: i64,
}

/// A ticket followed with its number and query code (no caller data, no staff names).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicTicket {
    pub id: i64,
    pub number: String,
    pub jurisdiction: String,
    #[serde(rename = "type")]
    pub ticket_type: TicketType,
    pub category_code: String,
    pub category_name: String,
    pub content: String,
    pub location: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub state: TicketState,
    pub state_label: String,
    pub department_name: Option<String>,
    pub reply: Option<String>,
    /// The reply's due date (YYYY-MM-DD), if one is due.
    pub reply_due: Option<String>,
    /// An urgent ticket's reply due to the minute, RFC 3339 in China Standard Time
    /// (`2026-06-15T10:30:00+08:00`), when it is counted in hours.
    pub reply_due_at: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub steps: Vec<TicketStep>,
    /// How many files the ticket holds (the files themselves are for its readers only).
    pub attachment_count: i64,
}

/// A category version to save (诉求分类).
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryInput {
    pub jurisdiction: String,
    /// A stable code (letters, digits, `-`, `_`).
    pub code: String,
    pub name: String,
    /// The responsible department's code.
    pub department: String,
    /// `line` (部门职责) or `township` (属地职责).
    pub duty: String,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// The filters of a ticket search (all optional but the jurisdiction).
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams, utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct TicketQuery {
    pub jurisdiction: String,
    /// A state code or word (待派单 …).
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub department: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    /// `true`: only overdue tickets.
    #[serde(default)]
    pub overdue: Option<bool>,
    /// The page after this ticket: the `after` of the `Link: <…>; rel="next"` header of the page
    /// before (omitted: the first page).
    #[serde(default)]
    pub after: Option<String>,
    /// Tickets per page, 1 to 500 (default 500).
    #[serde(default)]
    pub limit: Option<i64>,
}
