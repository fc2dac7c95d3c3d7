//! What the switch-over use cases take and give: the requests of the plan, a batch, a migration,
//! an observer and a comment, and the views of the desk and of the observer.

use serde::{Deserialize, Serialize};
use yiyin_domain::calendar::fmt_date;
use yiyin_domain::transition::{Batch, ReadinessLine};
use yiyin_store::cases::CaseRecord;
use yiyin_store::events::Event;
use yiyin_store::transition::{CaseComment, ObserverRow, PlanRow};

/// The plan as submitted.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanRequest {
    pub name: String,
    /// The day the plan was approved (YYYY-MM-DD).
    pub approved_on: String,
    /// Who approved it (e.g. 县人民政府).
    pub approved_by: String,
    /// The last day of the transition period (YYYY-MM-DD); empty: three months from the approval.
    #[serde(default)]
    pub period_end: String,
}

/// A batch as submitted.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchRequest {
    pub name: String,
    /// The catalog codes of its items.
    pub items: Vec<String>,
    /// The source department's code.
    pub source_department: String,
    /// The switch date (YYYY-MM-DD).
    pub switch_date: String,
}

/// A case to migrate, with the reason.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MigrateRequest {
    pub reason: String,
}

/// An observer named by a source department.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ObserverRequest {
    /// The department's code.
    pub department: String,
    /// The observer's account id.
    pub account: i64,
}

/// An observer's comment.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommentRequest {
    pub body: String,
}

/// An item of a batch as shown.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchItem {
    pub code: String,
    /// Its name in the catalog (empty if not in the catalog).
    pub name: String,
}

/// A batch with its readiness report.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchView {
    pub batch: Batch,
    pub status_label: String,
    pub department_name: String,
    pub items: Vec<BatchItem>,
    pub readiness: Vec<ReadinessLine>,
    /// Every line green.
    pub ready: bool,
    /// The bureau handles its items today.
    pub transferred_today: bool,
}

/// An observer as shown.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ObserverView {
    pub observer: ObserverRow,
    pub name: String,
    pub department_name: String,
}

/// A jurisdiction's switch-over.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransitionView {
    pub jurisdiction: String,
    pub plan: Option<PlanRow>,
    /// Today is within the transition period.
    pub in_period: bool,
    pub batches: Vec<BatchView>,
    pub observers: Vec<ObserverView>,
}

/// A case as an observer sees it: its facts, every event and document, and the comments.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ObservedCase {
    /// Its number, item, applicant, state and receipt, as the observer's list shows them.
    #[serde(flatten)]
    pub line: ObservedLine,
    /// Its earlier numbers (a case migrated to the bureau).
    pub aliases: Vec<String>,
    pub item_code: String,
    pub events: Vec<Event>,
    pub documents: Vec<crate::cases::views::DocumentSummary>,
    pub comments: Vec<CaseComment>,
}

/// A line of the observer's list.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ObservedLine {
    pub id: i64,
    pub number: String,
    pub item_name: String,
    pub applicant: String,
    pub state_label: String,
    pub handling_label: String,
    pub received_on: String,
}

impl ObservedLine {
    /// The line of a case.
    pub fn of(r: &CaseRecord) -> ObservedLine {
        ObservedLine {
            id: r.id,
            number: r.number.clone(),
            item_name: r.item_name.clone(),
            applicant: r.applicant.name.clone(),
            state_label: r.state.label().into(),
            handling_label: r.handling_mode.label().into(),
            received_on: fmt_date(r.case.received_on),
        }
    }
}
