//! Yiyin's domain layer: the rules, free of I/O.
//!
//! Reading order for a newcomer:
//! 1. [`calendar`] — working days (Art. 82), the unit of every time limit.
//! 2. [`ids`] — citizen ID numbers and unified social credit codes.
//! 3. [`org`] — jurisdictions, bureaus, departments, halls, windows, township and village points.
//! 4. [`roles`] — the staff roles.
//! 5. [`catalog`] — items with their implementation-list elements, versions and changelog.
//! 6. [`engine`] — the case engine: states, actions, the rule behind each refusal, the clock.
//! 7. [`rehearse`] — running a scripted case on a simulated clock (`yiyin rehearse`).
//! 8. [`documents`] — the written documents the law requires, composed from a case.
//! 9. [`authz`] — which role may do what, in which scope.
//! 10. [`licence`] — the acts on a licence after the decision (Art. 8, 49, 50, 69, 70).
//! 11. [`supervision`] — pushes to the supervising department, findings, commitment verification, credit.
//! 12. [`inspection`] — the random draw of inspection targets and inspectors (双随机)

#[macro_use]
mod labels;

pub mod authz;
pub mod calendar;
pub mod catalog;
pub mod documents;
pub mod engine;
pub mod ids;
pub mod inspection;
pub mod licence;
pub mod org;
pub mod party;
pub mod refusal;
pub mod rehearse;
pub mod roles;
pub mod supervision;
