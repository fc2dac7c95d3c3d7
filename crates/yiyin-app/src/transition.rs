//! The switch-over (划转) use cases: a jurisdiction's transfer plan and its batches, each batch's
//! readiness report and its switch by the bureau head, the migration of a case accepted before the
//! switch (new number, old number kept as an alias), the refusal at intake of an application for a
//! transferred item naming its old department ([`App::check_transition_handler`], the one hook in
//! `cases::intake`), and the transition period's observers (审批观察员): the head records the
//! observers each source department names; during the period they read every case of their
//! department's former items with its events and documents and leave comments (评注) the case's
//! handlers see; they change nothing, and every read and comment is an audited event. The rules
//! are `yiyin_domain::transition`'s. Who may manage: the operation `ManageTransition` (the bureau
//! head) in the jurisdiction.

use chrono::{DateTime, Utc};
use yiyin_domain::calendar::parse_date;
use yiyin_domain::refusal::Refusal;
use yiyin_store::WriteTx;
use yiyin_store::events::NewEvent;

use crate::App;
use crate::error::{AppError, Result};
use crate::principal::Principal;

mod batches;
mod observers;
mod views;

pub use views::{
    BatchItem, BatchRequest, BatchView, CommentRequest, MigrateRequest, ObservedCase, ObservedLine,
    ObserverRequest, ObserverView, PlanRequest, TransitionView,
};

/// The event of the plan set.
pub const PLAN: &str = "transfer_plan";
/// The event of a batch added.
pub const BATCH: &str = "transfer_batch";
/// The event of a batch switched.
pub const SWITCH: &str = "transfer_switch";
/// The event of a case migrated to the bureau.
pub const MIGRATE: &str = "transfer_migrate_case";
/// The event of an observer named.
pub const OBSERVER: &str = "transition_observer";
/// The event of an observer's read of a case.
pub const OBSERVER_READ: &str = "observer_read";
/// The event of an observer's comment.
pub const COMMENT: &str = "observer_comment";

fn refused(r: Refusal) -> AppError {
    AppError::Refused(r)
}

fn date_field(field: &str, value: &str, what: &str) -> Result<chrono::NaiveDate> {
    parse_date(value.trim())
        .map_err(|_| AppError::field(field, format!("{what}应为YYYY-MM-DD格式的日期")))
}

impl App {
    /// A switch-over act of `who` now in the jurisdiction (and on the case `case_id`, if any).
    fn transition_act<'a>(
        &'a self,
        who: &'a Principal,
        jurisdiction: &'a str,
        case_id: Option<i64>,
    ) -> Act<'a> {
        Act {
            app: self,
            who,
            jurisdiction,
            case_id,
            at: self.now(),
        }
    }
}

/// A switch-over act: who did it, when, in which jurisdiction and on which case; its writes and
/// its one event are committed together by [`Act::commit`].
struct Act<'a> {
    app: &'a App,
    who: &'a Principal,
    jurisdiction: &'a str,
    case_id: Option<i64>,
    at: DateTime<Utc>,
}

impl Act<'_> {
    /// Records the act's event — its action, summary and data — in `tx`, and commits it.
    async fn commit(
        &self,
        mut tx: WriteTx,
        action: &str,
        summary: String,
        data: serde_json::Value,
    ) -> Result<()> {
        let event = NewEvent::new(
            &self.who.actor(&self.app.org()),
            self.at,
            self.jurisdiction,
            self.case_id,
            action,
            summary,
            data,
        );
        tx.append_events(&[event]).await?;
        tx.commit().await?;
        Ok(())
    }
}
