//! What can come next on a case and whose work it waits for: the pending procedure step, the actions
//! the state allows (before their particulars are judged), the role of the next step.

use super::{Case, CaseState, Context, ItemRules, StepRecord, StepRule};
use crate::roles::Role;

impl Case {
    pub fn next_step<'a>(&self, ctx: &Context<'a>) -> Option<&'a StepRule> {
        self.pending_step(ctx.item)
    }

    /// The next step still to be done before the decision, by the item's rules (a verification
    /// waiting for its second verifier is still to be done).
    pub fn pending_step<'a>(&self, item: &'a ItemRules) -> Option<&'a StepRule> {
        let done = self
            .steps
            .iter()
            .filter(|s| !s.awaiting_confirmation)
            .count();
        item.steps.get(done)
    }

    /// The verification recorded by its first verifier and waiting for a second one, if any.
    pub fn awaiting_confirmation(&self) -> Option<&StepRecord> {
        self.steps.last().filter(|s| s.awaiting_confirmation)
    }

    /// The actions that can come next in the case's state (before their particulars are judged), by
    /// their `contracts.md` names; for pages and the API to offer only what can be done now.
    pub fn possible_actions(&self, item: &ItemRules) -> Vec<&'static str> {
        if self.is_closed() {
            return vec![];
        }
        match self.state {
            CaseState::Received => {
                let mut v = vec![
                    "notify_supplement",
                    "correct",
                    "accept",
                    "refuse",
                    "not_needed",
                    "withdraw",
                    "supplement",
                ];
                if item.materials.iter().any(|m| m.deferrable) {
                    v.push("accept_deferred");
                }
                if item.green_list {
                    v.push("accept_on_commitment");
                }
                v
            }
            CaseState::AwaitingSupplement => vec!["supplement", "refuse", "not_needed", "withdraw"],
            CaseState::Accepted => {
                let mut v = Vec::new();
                let unsigned = self
                    .hearing
                    .as_ref()
                    .is_some_and(|h| h.held_on.is_some() && !h.record_complete());
                if self.awaiting_confirmation().is_some() {
                    v.push("confirm_verification");
                } else if self.pending_step(item).is_some() {
                    v.push("complete_step");
                } else if !unsigned {
                    v.push("decide");
                }
                if unsigned {
                    // The decision rests on the signed record (Art. 48 para 2).
                    v.push("confirm_hearing_record");
                }
                match &self.hearing {
                    None if !item.instant => v.extend(["notify_hearing_right", "open_hearing"]),
                    Some(h) if h.requested_on.is_none() => {
                        v.extend(["request_hearing", "open_hearing"])
                    }
                    _ => {}
                }
                if !item.instant {
                    v.push("suspend");
                    if self.extension.is_none() {
                        v.push("extend");
                    }
                }
                if self.deferred.iter().any(|d| d.arrived_on.is_none()) {
                    v.push("supplement");
                }
                v.push("withdraw");
                v
            }
            CaseState::Suspended => {
                let mut v = match self.pending_hearing() {
                    Some(h) if h.undecided_recusal().is_some() => vec!["decide_recusal"],
                    Some(h) if h.date.is_some() => {
                        let mut v = vec!["schedule_hearing", "hold_hearing"];
                        if !h.presiding.is_empty() {
                            v.push("request_recusal");
                        }
                        v
                    }
                    Some(_) => vec!["schedule_hearing"],
                    None => vec!["resume"],
                };
                v.push("withdraw");
                if self.extension.is_none() {
                    v.push("extend");
                }
                v
            }
            CaseState::Decided => {
                let mut v = vec!["issue_certificate"];
                if self.deferred.iter().any(|d| d.arrived_on.is_none()) {
                    v.push("supplement");
                }
                v
            }
            _ => vec![],
        }
    }

    /// The role whose work the case waits for, if any: the window at intake and release, the next
    /// step's role under review, the decider when the steps are done.
    pub fn next_role(&self, item: &ItemRules) -> Option<Role> {
        match self.state {
            CaseState::Received | CaseState::AwaitingSupplement => Some(Role::WindowClerk),
            CaseState::Accepted => Some(
                self.pending_step(item)
                    .map(|s| s.role)
                    .unwrap_or(item.decider.unwrap_or(Role::SectionChief)),
            ),
            CaseState::Suspended => Some(Role::Reviewer),
            CaseState::Decided if !self.is_closed() => Some(Role::WindowClerk),
            _ => None,
        }
    }

    /// The materials the applicant is asked for now: those of the last supplement notice, and the
    /// deferred ones not yet supplied (an applicant's upload of anything else is not taken).
    pub fn asked_materials(&self) -> Vec<String> {
        let mut asked: Vec<String> = self
            .notices
            .last()
            .map(|n| n.missing.clone())
            .unwrap_or_default();
        asked.extend(
            self.deferred
                .iter()
                .filter(|d| d.arrived_on.is_none())
                .map(|d| d.code.clone()),
        );
        asked
    }

    /// Whether the one extension (Art. 42) can still be granted: accepted or suspended, not an
    /// instant item, not extended before.
    pub fn extension_possible(&self, item: &ItemRules) -> bool {
        matches!(self.state, CaseState::Accepted | CaseState::Suspended)
            && self.extension.is_none()
            && !item.instant
    }
}
