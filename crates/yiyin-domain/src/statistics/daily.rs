//! The statistics summary's figures of a settled case ([`CaseFigures`]): every date its counts
//! fall on, as signed [`Tally`]s by day, so that a period's figures are sums of days.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::facts::promised_due_on;
use super::{Belongs, CardFact, CaseFacts, Key};
use crate::calendar::CalendarError;
use crate::engine::{Case, Context};
use crate::monitoring::{CardLimit, Efficiency};

/// The figures of one case kept in the statistics summary, read off the engine's case once when
/// it is written: every date its counts fall on, so that the summary adds them by day and a
/// period's figures are sums of days (see [`CaseFigures::tallies`]). Only a *settled* case has
/// them: one whose figures change with nothing recorded on it — a case waiting for acceptance
/// (deemed accepted by the passing of time, Art. 32(4)) or suspended (its due date moving every
/// day, Art. 45) — has none and is counted from its facts as of the end of each period asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseFigures {
    pub received_on: NaiveDate,
    pub accepted_on: Option<NaiveDate>,
    pub refused_on: Option<NaiveDate>,
    pub decided_on: Option<NaiveDate>,
    pub approved: Option<bool>,
    pub withdrawn_on: Option<NaiveDate>,
    pub promised_days: u32,
    pub statutory_days: u32,
    pub working_days_used: Option<u32>,
    pub efficiency: Option<Efficiency>,
    /// The first day the case is open and past its promised due date as the clock read it that
    /// day ([`CaseFacts::open_overdue_on`]); it stays so until it ends.
    pub overdue_from: Option<NaiveDate>,
    pub cards: Vec<CardFact>,
}

figures! {
    /// What the case's figures add on one day: the flows, and the changes of the stock (a case
    /// opens on its receipt, ends on its decision, refusal or withdrawal, falls overdue on its
    /// `overdue_from`). Signed, so that a case's old figures are taken away as its new ones are
    /// added.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub struct Tally: i64 {
        received,
        accepted,
        refused,
        decided,
        approved,
        denied,
        withdrawn,
        instant,
        early,
        on_time,
        late,
        working_days,
        working_days_cases,
        promised_days,
        statutory_days,
        cards_promised,
        cards_statutory,
        cards_certificate,
        cards_conduct,
        /// Every card, counted or not (a card alone makes a case count in its group).
        cards_all,
        opened,
        ended,
        overdue_in,
        overdue_out,
    }
}

impl Tally {
    /// Adds `sign` times another tally.
    pub fn add(&mut self, o: &Tally, sign: i64) {
        let mut v = self.values();
        for (a, b) in v.iter_mut().zip(o.values()) {
            *a += sign * b;
        }
        *self = Tally::from_values(v);
    }

    pub fn is_zero(&self) -> bool {
        self.values().iter().all(|v| *v == 0)
    }

    /// Whether a group with these flows over a period and this stock at its end has a case that
    /// counts in the period ([`CaseFacts::touches`]).
    pub fn touches(flows: &Tally, stock: &Tally) -> bool {
        flows.received
            + flows.accepted
            + flows.refused
            + flows.decided
            + flows.withdrawn
            + flows.cards_all
            > 0
            || stock.opened - stock.ended > 0
    }
}

impl CaseFigures {
    /// The figures of a settled case (None: not settled, see the type), with the cards issued
    /// on it.
    pub fn of(
        case: &Case,
        ctx: &Context,
        cards: Vec<CardFact>,
    ) -> Result<Option<CaseFigures>, CalendarError> {
        use crate::engine::CaseState;
        if case.state == CaseState::Received
            || case.suspensions.iter().any(|s| s.ended_on.is_none())
        {
            return Ok(None);
        }
        let as_of = case.last_date();
        let clock = case.deadlines(ctx, as_of)?;
        let no_one = Belongs {
            item: Key::new("", ""),
            department: Key::new("", ""),
            window: Key::new("", ""),
            staff: Vec::new(),
        };
        let f = CaseFacts::of_case(case, ctx, &clock, no_one, cards)?;
        // The first day open past the promised due date as read that day: that due date only
        // moves later as days pass (a suspension or extension recorded counts from its own day),
        // so no day before it can be overdue; once past it, the case stays overdue.
        let end = [f.decided_on, f.refused_on, f.withdrawn_on]
            .into_iter()
            .flatten()
            .min();
        let mut day = f.received_on;
        let mut overdue_from = None;
        for _ in 0..10_000 {
            if end.is_some_and(|e| e <= day) {
                break;
            }
            match promised_due_on(case, ctx, day)? {
                None => break,
                Some(due) if day > due => {
                    overdue_from = Some(day);
                    break;
                }
                Some(due) => match due.succ_opt() {
                    Some(next) => day = next,
                    None => break,
                },
            }
        }
        Ok(Some(CaseFigures {
            received_on: f.received_on,
            accepted_on: f.accepted_on,
            refused_on: f.refused_on,
            decided_on: f.decided_on,
            approved: f.approved,
            withdrawn_on: f.withdrawn_on,
            promised_days: f.promised_days,
            statutory_days: f.statutory_days,
            working_days_used: f.working_days_used,
            efficiency: f.efficiency,
            overdue_from,
            cards: f.cards,
        }))
    }

    /// The day the case stops being open: its decision, refusal or withdrawal.
    pub fn ended_on(&self) -> Option<NaiveDate> {
        [self.decided_on, self.refused_on, self.withdrawn_on]
            .into_iter()
            .flatten()
            .min()
    }

    /// What the case adds on each day: summed over the days of a period they give its flows, and
    /// over every day up to its end its stock, exactly as [`Counts::add`] counts the case's facts
    /// ([`Counts::of_tallies`]).
    pub fn tallies(&self) -> BTreeMap<NaiveDate, Tally> {
        let mut out: BTreeMap<NaiveDate, Tally> = BTreeMap::new();
        let mut on = |day: NaiveDate, f: &dyn Fn(&mut Tally)| f(out.entry(day).or_default());
        let as_i64 = |v: u32| i64::from(v);
        on(self.received_on, &|t| {
            t.received += 1;
            t.opened += 1;
            t.promised_days += as_i64(self.promised_days);
            t.statutory_days += as_i64(self.statutory_days);
        });
        if let Some(d) = self.accepted_on {
            on(d, &|t| t.accepted += 1);
        }
        if let Some(d) = self.refused_on {
            on(d, &|t| t.refused += 1);
        }
        if let Some(d) = self.withdrawn_on {
            on(d, &|t| t.withdrawn += 1);
        }
        if let Some(d) = self.decided_on {
            on(d, &|t| {
                t.decided += 1;
                match self.approved {
                    Some(true) => t.approved += 1,
                    Some(false) => t.denied += 1,
                    None => {}
                }
                match self.efficiency {
                    Some(Efficiency::Instant) => t.instant += 1,
                    Some(Efficiency::Early) => t.early += 1,
                    Some(Efficiency::OnTime) => t.on_time += 1,
                    Some(Efficiency::Late) => t.late += 1,
                    None => {}
                }
                if let Some(w) = self.working_days_used {
                    t.working_days += as_i64(w);
                    t.working_days_cases += 1;
                }
            });
        }
        let end = self.ended_on();
        if let Some(d) = end {
            on(d, &|t| t.ended += 1);
        }
        if let Some(from) = self.overdue_from.filter(|f| end.is_none_or(|e| *f < e)) {
            on(from, &|t| t.overdue_in += 1);
            if let Some(d) = end {
                on(d, &|t| t.overdue_out += 1);
            }
        }
        for c in &self.cards {
            on(c.on, &|t| {
                t.cards_all += 1;
                match c.limit {
                    CardLimit::Promised => t.cards_promised += 1,
                    CardLimit::Statutory => t.cards_statutory += 1,
                    CardLimit::Certificate => t.cards_certificate += 1,
                    CardLimit::Step | CardLimit::Intake => t.cards_conduct += 1,
                    CardLimit::PushAck | CardLimit::RedressReply => {}
                }
            });
        }
        out
    }
}
