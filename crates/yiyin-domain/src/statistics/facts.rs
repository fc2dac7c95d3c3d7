//! The facts of one case the statistics count, read off the engine's case and its clock as of the
//! end of a period (never re-derived), and the due date as it stood on a given day.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{Key, Period};
use crate::calendar::CalendarError;
use crate::engine::{Case, Clock, Closing, Context};
use crate::monitoring::{CardLimit, Efficiency, efficiency};

/// Who a case belongs to, for grouping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Belongs {
    pub item: Key,
    pub department: Key,
    pub window: Key,
    /// The staff members who acted on the case (each once).
    pub staff: Vec<Key>,
}

/// A card issued on a case: its limit (which gives its colour) and its date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardFact {
    pub limit: CardLimit,
    pub on: NaiveDate,
}

/// Everything the statistics need of one case, read as of the end of a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseFacts {
    pub belongs: Belongs,
    pub received_on: NaiveDate,
    pub accepted_on: Option<NaiveDate>,
    /// Refused under Art. 32 or found not to need a licence: the closing date.
    pub refused_on: Option<NaiveDate>,
    pub decided_on: Option<NaiveDate>,
    /// The decision: approved (准予) or denied (不予).
    pub approved: Option<bool>,
    pub withdrawn_on: Option<NaiveDate>,
    pub promised_days: u32,
    pub statutory_days: u32,
    /// Working days from acceptance to decision, suspensions (Art. 45) excluded; None until
    /// decided.
    pub working_days_used: Option<u32>,
    /// The efficiency class (`contracts.md` §2a); None until decided.
    pub efficiency: Option<Efficiency>,
    /// The promised due date as the clock read it at the end of the period (the suspensions and
    /// the extension as they stood that day).
    pub promised_due: Option<NaiveDate>,
    pub cards: Vec<CardFact>,
}

impl CaseFacts {
    /// The facts of a case from the engine's case (time applied up to the clock's date) and its
    /// clock as of the end of the period; `cards` are those the monitoring issued on it.
    pub fn of_case(
        case: &Case,
        ctx: &Context,
        clock: &Clock,
        belongs: Belongs,
        cards: Vec<CardFact>,
    ) -> Result<Self, CalendarError> {
        let closed_by = |want: fn(&Closing) -> bool| {
            case.closing
                .as_ref()
                .filter(|c| want(c))
                .and(case.closed_on)
        };
        let working_days_used = match (case.accepted_on, case.decided_on) {
            (Some(accepted), Some(decided)) => {
                let span = ctx.calendar.between(accepted, decided)?;
                let suspended = case.suspended_working_days(ctx.calendar, decided)?;
                Some(span.saturating_sub(suspended))
            }
            _ => None,
        };
        Ok(CaseFacts {
            belongs,
            received_on: case.received_on,
            accepted_on: case.accepted_on,
            refused_on: closed_by(|c| matches!(c, Closing::NotNeeded | Closing::Refused { .. })),
            decided_on: case.decided_on,
            approved: case.decision.as_ref().map(|d| d.approved),
            withdrawn_on: closed_by(|c| matches!(c, Closing::Withdrawn)),
            promised_days: ctx.item.promised_days,
            statutory_days: ctx.item.statutory_limit(),
            working_days_used,
            efficiency: efficiency(case, ctx, clock),
            promised_due: promised_due_on(case, ctx, clock.as_of)?,
            cards,
        })
    }

    /// Whether the case is open at the end of the day `on`: received, neither decided nor closed.
    pub fn open_on(&self, on: NaiveDate) -> bool {
        let done = |d: Option<NaiveDate>| d.is_some_and(|d| d <= on);
        self.received_on <= on
            && !done(self.decided_on)
            && !done(self.refused_on)
            && !done(self.withdrawn_on)
    }

    /// Whether the case is open on `on` and past its promised due date.
    pub fn open_overdue_on(&self, on: NaiveDate) -> bool {
        self.open_on(on) && self.promised_due.is_some_and(|due| on > due)
    }

    /// Whether the case counts at all in the period.
    pub fn touches(&self, p: &Period) -> bool {
        p.contains(self.received_on)
            || p.holds(self.accepted_on)
            || p.holds(self.refused_on)
            || p.holds(self.decided_on)
            || p.holds(self.withdrawn_on)
            || self.open_on(p.to)
            || self.cards.iter().any(|c| p.contains(c.on))
    }
}

/// The promised due date of a case as its clock read it at the end of `day` (the suspensions and
/// the extension as they stood that day); None before acceptance.
pub(super) fn promised_due_on(
    case: &Case,
    ctx: &Context,
    day: NaiveDate,
) -> Result<Option<NaiveDate>, CalendarError> {
    Ok(stood_on(case, day).dues(ctx, day)?.map(|d| d.promised))
}

/// The case's time limits as they stood at the end of `day`: a suspension begun later not yet
/// begun, one ended later still running, an extension granted later not yet granted — so that a
/// period in the past reads the due dates of its own end, not those moved since.
fn stood_on(case: &Case, day: NaiveDate) -> Case {
    let mut c = case.clone();
    c.suspensions.retain(|s| s.started_on <= day);
    for s in &mut c.suspensions {
        if s.ended_on.is_some_and(|end| end > day) {
            s.ended_on = None;
        }
    }
    if c.extension.as_ref().is_some_and(|e| e.on > day) {
        c.extension = None;
    }
    c
}
