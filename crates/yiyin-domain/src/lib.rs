//! Yiyin's domain layer: the rules, free of I/O.
//!
//! Reading order for a newcomer:
//! 1. [`calendar`] — working days (Art. 82), the unit of every time limit.
//! 2. [`refusal`] — a refusal names the rule of `legal-rules.md` it applies, in Chinese.
//! 3. [`ids`] — citizen ID numbers and unified social credit codes; [`party`] — applicants, their
//!    identifiers once parsed, the channel a case came by, and who acts.
//! 4. [`org`] — jurisdictions, bureaus, departments, halls, windows, township and village points.
//! 5. [`roles`] — the staff roles; [`authz`] — which role may do what, in which scope.
//! 6. [`catalog`] — items with their implementation-list elements, versions and changelog.
//! 7. [`engine`] — the case engine: states, actions, the rule behind each refusal, the clock, and the
//!    effects each action calls for (documents, pushes, verifications).
//! 8. [`rehearse`] — running a scripted case on a simulated clock (`yiyin rehearse`); [`monitoring`] —
//!    e-monitoring on the case clock: efficiency classes and yellow and red cards.
//! 9. [`documents`] — the written documents the law requires, composed from a case.
//! 10. [`licence`] — the acts on a licence after the decision (Art. 8, 49, 50, 69, 70), a state
//!     machine returning its effects like the engine.
//! 11. [`supervision`] — pushes to the supervising department, findings, commitment verification,
//!     credit.
//! 12. [`inspection`] — the random draw of inspection targets and inspectors (双随机).
//! 13. [`text`] — which characters and how many any text from outside may have.
//! 14. [`ratings`] — satisfaction ratings (好差评) and the rectification of bad ratings.

#[macro_use]
pub mod labels;

pub mod agency;
pub mod agent;
pub mod authz;
pub mod calendar;
pub mod catalog;
pub mod delegation;
pub mod delivery;
pub mod documents;
pub mod drawing_review;
pub mod engine;
pub mod event_names;
pub mod identity;
pub mod ids;
pub mod inspection;
pub mod joint_visit;
pub mod licence;
pub mod monitoring;
pub mod notifications;
pub mod org;
pub mod party;
pub mod password;
pub mod pools;
pub mod project;
pub mod ratings;
pub mod redress;
pub mod references;
pub mod refusal;
pub mod rehearsal_report;
pub mod rehearse;
pub mod roles;
pub mod simulation;
pub mod sms_code;
pub mod sources;
pub mod statistics;
pub mod supervision;
pub mod text;
pub mod tickets;
pub mod transition;

/// Helpers shared by the unit tests of several modules.
#[cfg(test)]
pub(crate) mod testing {
    use chrono::NaiveDate;

    /// A date written `YYYY-MM-DD`.
    pub fn d(s: &str) -> NaiveDate {
        crate::calendar::parse_date(s).unwrap()
    }
}
