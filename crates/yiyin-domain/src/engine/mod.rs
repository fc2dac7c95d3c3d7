//! The case engine (办件引擎): the states of an application and every action of `legal-rules.md`, with
//! the rule that allows or forbids each one.
//!
//! The engine is pure: [`Case::receive`] starts a case, [`Case::apply`] takes an action on a date and
//! returns the new case and its [`Effect`]s — the written documents the law requires, the pushes to the
//! supervising department, the verification of a commitment — or a [`Refusal`] naming the rule that
//! forbids the action; [`Case::tick`] applies what the passing of time does by itself (deemed
//! acceptance, Art. 32(4)); [`Case::clock`] computes every deadline with its explanation. The server
//! and `yiyin rehearse` run the same code; the layers below only carry out the effects.
//!
//! Reading order: [`item`] (what the engine knows of an item), [`action`] (the actions), this module
//! (the case and the dispatch), [`intake`] (Art. 32), [`review`] (steps, special procedures, extension,
//! decision, certificate), [`hearing`] (hearings on request and statutory hearings, Art. 46–48), [`next`] (what can come
//! next and who does it), [`clock`] (every deadline),
//! [`effects`] (what an action asks the layers below to do), [`bundle`] (several items handled as
//! one case, 一件事 / 联合办理), [`joint`] (a bundle's member items as ordinary cases on the
//! server), [`sharing`] (materials fetched, not asked for: 免提交), [`online`]
//! (what an online application gets decided at once: 告知承诺, 即办件 fully online).

mod action;
mod bundle;
mod clock;
mod effects;
mod hearing;
mod intake;
mod item;
pub mod joint;
mod next;
mod offer;
mod online;
mod review;
mod sharing;

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, CalendarError, fmt_date};
use crate::catalog::StepKind;

pub use crate::refusal::Refusal;
pub use action::{Action, Approver, SuspensionKind, action_label};
pub use bundle::{
    BUNDLE_EXTENSION, BUNDLE_LIMIT, Bundle, BundleAction, BundleApplied, BundleDef, BundleDefError,
    BundleMember, BundleRules, MemberDecision, MemberStatus, check_extension_days,
};
pub use clock::{Clock, Dues, Light};
pub use effects::{DEFAULT_COMMITMENT_CHECK_DAYS, DocumentKind, Effect};
pub use hearing::{Hearing, Participant, Recusal, party_label};
pub use intake::{IntakeOutcome, check_attestation};
pub use item::{ItemRules, MaterialRule, StepRule};
pub use online::{
    COMMITMENT_RULE, FULLY_ONLINE, OnlineAct, OnlineOffer, OnlinePath, commitment_check_days,
    commitment_text, decides_instantly, offers_commitment, online_acts, online_path,
    system_actor_name,
};
pub use sharing::{Fallback, SharedRecord};

fn refuse<T>(rule: &str, message: impl Into<String>) -> Result<T, EngineError> {
    Err(EngineError::Refused(Refusal::new(rule, message)))
}

/// A case's record is appended in time order: an act dated before the last one is refused.
fn in_order(on: NaiveDate, last: NaiveDate) -> Result<(), EngineError> {
    if on < last {
        return refuse(
            "order",
            format!(
                "操作日期 {} 早于本件上一次办理日期 {}，办件记录只能按时间顺序追加",
                fmt_date(on),
                fmt_date(last)
            ),
        );
    }
    Ok(())
}

fn require_reason(reason: &str, rule: &str, message: impl Into<String>) -> Result<(), EngineError> {
    crate::refusal::require_text(reason, rule, message).map_err(EngineError::Refused)
}

/// Why the engine did not apply an action.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

labelled_enum!(
    /// The state of a case.
    CaseState {
        /// Received; an Art. 32 outcome is pending.
        Received = ("received", "已收件"),
        AwaitingSupplement = ("awaiting_supplement", "待补正"),
        /// Accepted, under review.
        Accepted = ("accepted", "已受理（审查中）"),
        Suspended = ("suspended", "特别程序（中止计时）"),
        Decided = ("decided", "已决定"),
        CertificateIssued = ("certificate_issued", "已制证"),
        /// Any Art. 32 refusal, or not needed.
        Refused = ("refused", "不予受理"),
        Withdrawn = ("withdrawn", "已撤回"),
    }
);

impl CaseState {
    /// Whether the case is finished (nothing more can happen to the application).
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            CaseState::CertificateIssued | CaseState::Refused | CaseState::Withdrawn
        )
    }
}

/// A notice of supplement (补正材料通知书).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notice {
    pub on: NaiveDate,
    pub missing: Vec<String>,
}

/// The current intake window: opened by receipt or by the arrival of supplements (Art. 32(4)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IntakeWindow {
    pub opened_on: NaiveDate,
    pub due: NaiveDate,
    pub after_supplement: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Deferred {
    pub code: String,
    pub due: NaiveDate,
    pub arrived_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Suspension {
    pub kind: SuspensionKind,
    pub reason: String,
    pub expected_days: u32,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Extension {
    pub on: NaiveDate,
    pub days: u32,
    pub reason: String,
    pub approved_by: Approver,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StepRecord {
    pub kind: StepKind,
    pub on: NaiveDate,
    pub staff: Vec<String>,
    pub opinion: String,
    /// A verification recorded by its first verifier that waits for a second, different verifier
    /// to confirm it (Art. 34 para 3); it does not count until confirmed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub awaiting_confirmation: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Decision {
    pub approved: bool,
    pub reason: String,
    /// Decided on the spot on a written commitment (告知承诺).
    #[serde(default)]
    pub on_commitment: bool,
}

/// How the application left intake without acceptance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Closing {
    /// Art. 32(1): no licence needed.
    NotNeeded,
    /// Art. 32(2): outside the agency's powers.
    Refused {
        redirect_to: Option<String>,
    },
    Withdrawn,
}

/// One application and everything the law cares about in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Case {
    pub state: CaseState,
    pub received_on: NaiveDate,
    /// Materials in hand.
    pub provided: BTreeSet<String>,
    /// add(received_on, 5): the first intake window's end (Art. 32(4)).
    pub supplement_notice_due: NaiveDate,
    pub intake: IntakeWindow,
    pub notices: Vec<Notice>,
    pub corrections: u32,
    pub accepted_on: Option<NaiveDate>,
    pub deemed_accepted: bool,
    pub deferred: Vec<Deferred>,
    /// Required materials the supplement notice did not ask for, missing when the case was accepted
    /// after every material the notice asked for had been supplied (Art. 32 para 1 (5): the
    /// omission is the agency's, Art. 72 (4)); acceptance cannot wait for them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_requested: Vec<String>,
    /// Fetched materials (免提交) the clerk asked of the applicant instead, with why (`sharing`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fallbacks: Vec<Fallback>,
    pub steps: Vec<StepRecord>,
    pub suspensions: Vec<Suspension>,
    pub extension: Option<Extension>,
    pub decided_on: Option<NaiveDate>,
    pub decision: Option<Decision>,
    pub certificate_issued_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    pub closing: Option<Closing>,
    pub closing_reason: String,
    /// The hearing on request (Art. 47–48), once the right to one has been notified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hearing: Option<Hearing>,
    /// A member case of a bundle (一件事): the bundle's joint statutory due date, which this case's
    /// own dues never pass (Art. 42 para 2); kept up to date by the bundle ([`joint`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub joint_due: Option<NaiveDate>,
}

/// The result of an applied action: the new case and what the layers below must carry out, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub case: Case,
    pub effects: Vec<Effect>,
}

impl Applied {
    /// The documents the action issues, in order.
    pub fn documents(&self) -> Vec<DocumentKind> {
        issued(&self.effects)
    }
}

/// The documents a list of effects issues, in order.
pub fn issued(effects: &[Effect]) -> Vec<DocumentKind> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Issue(k) => Some(*k),
            _ => None,
        })
        .collect()
}

/// What the passing of time did by itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeemedAcceptance {
    /// The acceptance date: the receipt (or supplement arrival) date, Art. 32(4).
    pub accepted_on: NaiveDate,
    /// The last day of the window that passed without an outcome.
    pub window_due: NaiveDate,
}

impl DeemedAcceptance {
    /// Why the case was accepted, for the event log.
    pub fn reason(&self) -> String {
        format!(
            "受理期限{}届满未告知补正，依据《行政许可法》第三十二条第一款第（四）项视为受理",
            fmt_date(self.window_due)
        )
    }

    /// What deemed acceptance requires: the acceptance voucher (Art. 32 para 2).
    pub fn effects(&self) -> Vec<Effect> {
        vec![Effect::Issue(DocumentKind::AcceptanceVoucher)]
    }
}

/// Facts about the applicant the engine needs (from the credit records).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplicantFacts {
    /// Why the applicant may not use notify-and-commit (serious bad credit record or an earlier false
    /// commitment not yet repaired), if so.
    pub commitment_barred: Option<String>,
}

/// Everything an action is judged against besides the case itself.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub item: &'a ItemRules,
    pub calendar: &'a Calendar,
    pub applicant: &'a ApplicantFacts,
}

impl Case {
    /// The deferred materials not supplied by their due date, as of `today` (the certificate waits
    /// for them).
    pub fn late_deferred(&self, today: NaiveDate) -> impl Iterator<Item = &Deferred> {
        self.deferred
            .iter()
            .filter(move |d| d.arrived_on.is_none() && d.due < today)
    }

    /// A warning for each deferred material not supplied by its due date, as of `today`: (material
    /// code, due date, message). The certificate waits for them (容缺受理).
    pub fn deferred_warnings(
        &self,
        item: &ItemRules,
        today: NaiveDate,
    ) -> Vec<(String, NaiveDate, String)> {
        self.late_deferred(today)
            .map(|d| {
                (
                    d.code.clone(),
                    d.due,
                    format!(
                        "容缺受理的材料“{}”应于{}前补交，已逾期未补交；补齐前不予发证",
                        item.material_name(&d.code),
                        fmt_date(d.due)
                    ),
                )
            })
            .collect()
    }

    /// Receipt of an application with the materials provided (收件).
    pub fn receive(
        ctx: &Context,
        on: NaiveDate,
        materials: &[String],
    ) -> Result<Applied, EngineError> {
        let due = ctx.calendar.add(on, 5)?;
        let case = Case {
            state: CaseState::Received,
            received_on: on,
            provided: materials.iter().cloned().collect(),
            supplement_notice_due: due,
            intake: IntakeWindow {
                opened_on: on,
                due,
                after_supplement: false,
            },
            notices: vec![],
            corrections: 0,
            accepted_on: None,
            deemed_accepted: false,
            deferred: vec![],
            not_requested: vec![],
            fallbacks: vec![],
            steps: vec![],
            suspensions: vec![],
            extension: None,
            decided_on: None,
            decision: None,
            certificate_issued_on: None,
            closed_on: None,
            closing: None,
            closing_reason: String::new(),
            hearing: None,
            joint_due: None,
        };
        Ok(Applied {
            case,
            effects: vec![Effect::Issue(DocumentKind::ReceiptVoucher)],
        })
    }

    /// What the passing of time does by itself up to `today`: when the intake window has passed with
    /// no outcome, the application is deemed accepted as of the window's opening (Art. 32(4)).
    pub fn tick(&self, today: NaiveDate) -> Option<(Case, DeemedAcceptance)> {
        if self.state != CaseState::Received || today <= self.intake.due {
            return None;
        }
        let mut case = self.clone();
        case.state = CaseState::Accepted;
        case.accepted_on = Some(self.intake.opened_on);
        case.deemed_accepted = true;
        Some((
            case,
            DeemedAcceptance {
                accepted_on: self.intake.opened_on,
                window_due: self.intake.due,
            },
        ))
    }

    /// Applies one action taken on date `on`. Call [`Case::tick`] for `on` first.
    pub fn apply(
        &self,
        ctx: &Context,
        on: NaiveDate,
        action: &Action,
    ) -> Result<Applied, EngineError> {
        let mut c = self.clone();
        in_order(on, self.last_date())?;
        if self.is_closed() {
            return refuse(
                "closed",
                format!(
                    "本件已办结（{}），不能再{}",
                    self.state.label(),
                    action.label()
                ),
            );
        }
        let docs = match action {
            Action::NotifySupplement { missing } => c.notify_supplement(ctx, on, missing)?,
            Action::Supplement { materials } => c.supplement(ctx, on, materials)?,
            Action::Correct { .. } => c.correct()?,
            Action::Accept => c.accept(ctx, on)?,
            Action::AcceptDeferred { deferred, due } => {
                c.accept_deferred(ctx, on, deferred, *due)?
            }
            Action::AcceptOnCommitment { .. } => c.accept_on_commitment(ctx, on)?,
            Action::Refuse {
                reason,
                redirect_to,
            } => c.refuse_application(on, reason, redirect_to.as_deref())?,
            Action::NotNeeded { reason } => c.not_needed(on, reason)?,
            Action::CompleteStep {
                kind,
                staff,
                opinion,
            } => c.complete_step(ctx, on, *kind, staff, opinion)?,
            Action::ConfirmVerification { kind, staff } => c.confirm_verification(*kind, staff)?,
            Action::Suspend {
                kind,
                reason,
                expected_days,
            } => c.suspend(ctx, on, kind, reason, *expected_days)?,
            Action::Resume => c.resume(on)?,
            Action::Extend {
                reason,
                approved_by,
            } => c.extend(ctx, on, reason, approved_by)?,
            Action::Decide { approve, reason } => c.decide(ctx, on, *approve, reason)?,
            Action::IssueCertificate => c.issue_certificate(ctx, on)?,
            Action::Withdraw { reason } => c.withdraw(on, reason)?,
            Action::NotifyHearingRight => c.notify_hearing_right(ctx, on)?,
            Action::RequestHearing { reason, by } => c.request_hearing(on, reason, by)?,
            Action::OpenHearing { reason } => c.open_hearing(ctx, on, reason)?,
            Action::ScheduleHearing {
                on: date,
                presiding,
                place,
            } => c.schedule_hearing(ctx, on, *date, presiding, place)?,
            Action::RequestRecusal { reason, by } => c.request_recusal(on, by, reason)?,
            Action::DecideRecusal {
                granted,
                presiding,
                reason,
            } => c.decide_recusal(on, *granted, presiding, reason)?,
            Action::HoldHearing {
                record,
                participants,
            } => c.hold_hearing(ctx, on, record, participants)?,
            Action::ConfirmHearingRecord {
                name,
                signed,
                refusal,
            } => c.confirm_hearing_record(name, *signed, refusal)?,
        };
        let mut effects: Vec<Effect> = docs.into_iter().map(Effect::Issue).collect();
        effects.extend(effects::consequences(&c, ctx, action));
        Ok(Applied { case: c, effects })
    }

    /// Whether nothing more can happen to the application: certificate issued, refused, withdrawn or
    /// denied.
    pub fn is_closed(&self) -> bool {
        self.state.is_closed() || self.decision.as_ref().is_some_and(|d| !d.approved)
    }

    /// The latest date anything happened on this case.
    pub fn last_date(&self) -> NaiveDate {
        let mut dates = vec![self.received_on, self.intake.opened_on];
        dates.extend(self.notices.iter().map(|n| n.on));
        dates.extend(self.steps.iter().map(|s| s.on));
        dates.extend(
            self.suspensions
                .iter()
                .flat_map(|s| [Some(s.started_on), s.ended_on])
                .flatten(),
        );
        dates.extend(self.extension.as_ref().map(|e| e.on));
        dates.extend(self.decided_on);
        dates.extend(self.certificate_issued_on);
        dates.extend(self.closed_on);
        dates.extend(self.deferred.iter().filter_map(|d| d.arrived_on));
        if let Some(h) = &self.hearing {
            dates.push(h.notified_on);
            dates.extend(h.scheduled_on);
            dates.extend(h.held_on);
            for r in &h.recusals {
                dates.push(r.on);
                dates.extend(r.decided_on);
            }
        }
        if !self.deemed_accepted {
            dates.extend(self.accepted_on);
        }
        dates.into_iter().max().expect("non-empty")
    }

    fn close(&mut self, on: NaiveDate, closing: Closing, reason: &str) {
        self.state = match closing {
            Closing::Withdrawn => CaseState::Withdrawn,
            _ => CaseState::Refused,
        };
        self.closed_on = Some(on);
        self.closing = Some(closing);
        self.closing_reason = reason.trim().to_string();
    }
}
