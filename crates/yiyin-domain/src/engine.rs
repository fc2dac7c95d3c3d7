//! The case engine (办件引擎): the states of an application and every action of `legal-rules.md`, with
//! the rule that allows or forbids each one.
//!
//! The engine is pure: [`Case::receive`] starts a case, [`Case::apply`] takes an action on a date and
//! returns the new case and the written documents the law requires, or a [`Refusal`] naming the rule
//! that forbids the action; [`Case::tick`] applies what the passing of time does by itself (deemed
//! acceptance, Art. 32(4)); [`Case::clock`] computes every deadline with its explanation. The server
//! and `yiyin rehearse` run the same code.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, CalendarError, fmt_date};
use crate::catalog::{HandlingClass, Item, Necessity, StepKind};
use crate::roles::Role;

/// What the engine needs to know of an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemRules {
    pub name: String,
    pub statutory_days: u32,
    pub promised_days: u32,
    #[serde(default)]
    pub instant: bool,
    #[serde(default)]
    pub joint: bool,
    #[serde(default)]
    pub green_list: bool,
    #[serde(default)]
    pub materials: Vec<MaterialRule>,
    /// The procedure steps between acceptance and decision that must be done, in order, before a
    /// decision. Empty: no step is enforced (as in a rehearsal without steps).
    #[serde(default)]
    pub steps: Vec<StepRule>,
    /// Who decides (the role of the item's decision step; section chief by default).
    #[serde(default)]
    pub decider: Option<Role>,
    /// For green-list items: the working days within which the supervising department verifies a
    /// commitment after the decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commitment_check_days: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MaterialRule {
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub deferrable: bool,
    /// Whether the application is incomplete without it (default: yes).
    #[serde(default = "yes")]
    pub required: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StepRule {
    pub kind: StepKind,
    pub name: String,
    pub role: Role,
    pub days: u32,
}

impl From<&Item> for ItemRules {
    fn from(item: &Item) -> Self {
        let decision = item
            .steps
            .iter()
            .position(|s| s.kind == StepKind::Decision)
            .unwrap_or(item.steps.len());
        ItemRules {
            name: item.name.clone(),
            statutory_days: item.statutory_days,
            promised_days: item.promised_days,
            instant: item.handling_class == HandlingClass::Instant,
            joint: item.joint,
            green_list: item.green_list,
            materials: item
                .materials
                .iter()
                .map(|m| MaterialRule {
                    code: m.code.clone(),
                    name: m.name.clone(),
                    deferrable: m.deferrable,
                    required: m.necessity == Necessity::Required,
                })
                .collect(),
            steps: item.steps[..decision]
                .iter()
                .filter(|s| s.kind != StepKind::Acceptance)
                .map(|s| StepRule {
                    kind: s.kind,
                    name: s.name.clone(),
                    role: s.role,
                    days: s.days,
                })
                .collect(),
            decider: item.steps.get(decision).map(|s| s.role),
            commitment_check_days: item.commitment_check_days,
        }
    }
}

impl ItemRules {
    /// L: the statutory limit in working days (45 for joint handling, Art. 42 para 2).
    pub fn statutory_limit(&self) -> u32 {
        if self.joint { 45 } else { self.statutory_days }
    }

    /// The one extension's length (Art. 42): 10 working days, 15 for joint handling.
    pub fn extension_limit(&self) -> u32 {
        if self.joint { 15 } else { 10 }
    }

    fn material(&self, code: &str) -> Option<&MaterialRule> {
        self.materials.iter().find(|m| m.code == code)
    }

    /// A material's name (its code when unnamed).
    pub fn material_name(&self, code: &str) -> String {
        match self.material(code) {
            Some(m) if !m.name.is_empty() => format!("{}（{}）", m.code, m.name),
            _ => code.to_string(),
        }
    }
}

labelled_enum!(
    /// The procedures whose time is not counted (Art. 45); no other reason stops the clock.
    SuspensionKind {
        Hearing = ("hearing", "听证"),
        Tendering = ("tendering", "招标"),
        Auction = ("auction", "拍卖"),
        Inspection = ("inspection", "检验"),
        Testing = ("testing", "检测"),
        Quarantine = ("quarantine", "检疫"),
        Appraisal = ("appraisal", "鉴定"),
        ExpertReview = ("expert_review", "专家评审"),
    }
);

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

/// Who approved an extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Approver {
    /// 本行政机关负责人
    Head,
    /// 本级人民政府负责人 (joint handling)
    GovernmentHead,
}

impl Approver {
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "head" | "本行政机关负责人" | "局长" => Some(Self::Head),
            "government_head" | "本级人民政府负责人" => Some(Self::GovernmentHead),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Head => "本行政机关负责人",
            Self::GovernmentHead => "本级人民政府负责人",
        }
    }
}

/// An action on a case. Field names are those of `contracts.md` §2.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    NotifySupplement {
        missing: Vec<String>,
    },
    Supplement {
        materials: Vec<String>,
    },
    Correct {
        #[serde(default)]
        note: String,
    },
    Accept,
    AcceptDeferred {
        deferred: Vec<String>,
        due: Option<NaiveDate>,
    },
    /// Notify-and-commit (告知承诺): accepted and approved on the spot on a written commitment.
    AcceptOnCommitment {
        #[serde(default)]
        commitment: String,
    },
    Refuse {
        #[serde(default)]
        reason: String,
        #[serde(default)]
        redirect_to: Option<String>,
    },
    NotNeeded {
        #[serde(default)]
        reason: String,
    },
    /// A procedure step (review, verification, inspection …) done by the named staff.
    CompleteStep {
        kind: StepKind,
        #[serde(default)]
        staff: Vec<String>,
        #[serde(default)]
        opinion: String,
    },
    Suspend {
        kind: String,
        #[serde(default)]
        reason: String,
        #[serde(default)]
        expected_days: Option<u32>,
    },
    Resume,
    Extend {
        #[serde(default)]
        reason: String,
        #[serde(default)]
        approved_by: String,
    },
    Decide {
        approve: bool,
        #[serde(default)]
        reason: String,
    },
    IssueCertificate,
    Withdraw {
        #[serde(default)]
        reason: String,
    },
}

impl Action {
    /// The action's name as in `contracts.md`.
    pub fn name(&self) -> &'static str {
        match self {
            Action::NotifySupplement { .. } => "notify_supplement",
            Action::Supplement { .. } => "supplement",
            Action::Correct { .. } => "correct",
            Action::Accept => "accept",
            Action::AcceptDeferred { .. } => "accept_deferred",
            Action::AcceptOnCommitment { .. } => "accept_on_commitment",
            Action::Refuse { .. } => "refuse",
            Action::NotNeeded { .. } => "not_needed",
            Action::CompleteStep { .. } => "complete_step",
            Action::Suspend { .. } => "suspend",
            Action::Resume => "resume",
            Action::Extend { .. } => "extend",
            Action::Decide { .. } => "decide",
            Action::IssueCertificate => "issue_certificate",
            Action::Withdraw { .. } => "withdraw",
        }
    }

    /// The action's Chinese name.
    pub fn label(&self) -> &'static str {
        action_label(self.name())
    }
}

/// The Chinese name of an action or event by its code.
pub fn action_label(name: &str) -> &'static str {
    match name {
        "receive" => "收件",
        "notify_supplement" => "一次性告知补正",
        "supplement" => "提交补正材料",
        "correct" => "当场更正",
        "accept" => "受理",
        "accept_deferred" => "容缺受理",
        "accept_on_commitment" => "告知承诺当场审批",
        "deemed_accept" => "视为受理",
        "refuse" => "不予受理",
        "not_needed" => "告知不受理（无需许可）",
        "complete_step" => "办理环节",
        "suspend" => "启动特别程序（中止计时）",
        "resume" => "特别程序结束（恢复计时）",
        "extend" => "延期",
        "decide" => "作出决定",
        "issue_certificate" => "制发证件",
        "withdraw" => "撤回申请",
        _ => "其他",
    }
}

/// An action the law forbids, with the rule and a Chinese message naming it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct Refusal {
    /// The rule's ID in `legal-rules.md` (e.g. `AL-12`) or the policy it comes from.
    pub rule: String,
    pub message: String,
}

fn refuse<T>(rule: &str, message: impl Into<String>) -> Result<T, EngineError> {
    Err(EngineError::Refused(Refusal {
        rule: rule.to_string(),
        message: message.into(),
    }))
}

/// Why the engine did not apply an action.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Calendar(#[from] CalendarError),
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
    pub steps: Vec<StepRecord>,
    pub suspensions: Vec<Suspension>,
    pub extension: Option<Extension>,
    pub decided_on: Option<NaiveDate>,
    pub decision: Option<Decision>,
    pub certificate_issued_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    pub closing: Option<Closing>,
    pub closing_reason: String,
}

/// A written document the law requires for an event (to be generated and sealed by the server).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum DocumentKind {
    /// 收件凭证
    ReceiptVoucher,
    /// 受理通知书 (Art. 32 para 2)
    AcceptanceVoucher,
    /// 补正材料通知书 (Art. 32(4))
    SupplementNotice,
    /// 不予受理决定书 (Art. 32(2), Art. 38)
    RefusalDecision,
    /// 不受理告知书 (Art. 32(1))
    NotNeededNotice,
    /// 特别程序告知书 (Art. 45)
    SuspensionNotice,
    /// 延期告知书 (Art. 42)
    ExtensionNotice,
    /// 准予行政许可决定书 (Art. 38 para 1)
    DecisionLetter,
    /// 不予行政许可决定书 (Art. 38 para 2)
    DenialLetter,
    /// 告知承诺书 and its decision
    CommitmentDecision,
    /// 行政许可证件 (Art. 39, 44)
    Licence,
    /// 撤回申请确认书
    WithdrawalConfirmation,
    /// 不予变更行政许可决定书 (Art. 49, 38)
    ChangeDenial,
    /// 不予延续行政许可决定书 (Art. 50, 38)
    RenewalDenial,
    /// 撤销行政许可决定书 (Art. 69)
    RevocationDecision,
    /// 注销行政许可决定书 (Art. 70)
    CancellationDecision,
    /// 撤回行政许可决定书 (Art. 8)
    LicenceWithdrawalDecision,
}

impl DocumentKind {
    pub fn title(self) -> &'static str {
        match self {
            Self::ReceiptVoucher => "收件凭证",
            Self::AcceptanceVoucher => "受理通知书",
            Self::SupplementNotice => "补正材料通知书",
            Self::RefusalDecision => "不予受理决定书",
            Self::NotNeededNotice => "不受理告知书",
            Self::SuspensionNotice => "特别程序告知书",
            Self::ExtensionNotice => "延长审批期限告知书",
            Self::DecisionLetter => "准予行政许可决定书",
            Self::DenialLetter => "不予行政许可决定书",
            Self::CommitmentDecision => "告知承诺审批决定书",
            Self::Licence => "行政许可证件",
            Self::WithdrawalConfirmation => "撤回申请确认书",
            Self::ChangeDenial => "不予变更行政许可决定书",
            Self::RenewalDenial => "不予延续行政许可决定书",
            Self::RevocationDecision => "撤销行政许可决定书",
            Self::CancellationDecision => "注销行政许可决定书",
            Self::LicenceWithdrawalDecision => "撤回行政许可决定书",
        }
    }
}

/// The result of an applied action: the new case and the documents to issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub case: Case,
    pub documents: Vec<DocumentKind>,
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

const ART32_4: &str = "《行政许可法》第三十二条第一款第（四）项";

impl Case {
    /// The deferred materials not supplied by their due date, as of `today` (the certificate waits
    /// for them).
    pub fn late_deferred(&self, today: NaiveDate) -> impl Iterator<Item = &Deferred> {
        self.deferred
            .iter()
            .filter(move |d| d.arrived_on.is_none() && d.due < today)
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
            steps: vec![],
            suspensions: vec![],
            extension: None,
            decided_on: None,
            decision: None,
            certificate_issued_on: None,
            closed_on: None,
            closing: None,
            closing_reason: String::new(),
        };
        Ok(Applied {
            case,
            documents: vec![DocumentKind::ReceiptVoucher],
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
        if on < self.last_date() {
            return refuse(
                "order",
                format!(
                    "操作日期 {} 早于本件上一次办理日期 {}，办件记录只能按时间顺序追加",
                    fmt_date(on),
                    fmt_date(self.last_date())
                ),
            );
        }
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
            Action::Correct { .. } => {
                c.require_intake_pending("当场更正")?;
                c.corrections += 1;
                vec![]
            }
            Action::Accept => c.accept(ctx, on)?,
            Action::AcceptDeferred { deferred, due } => {
                c.accept_deferred(ctx, on, deferred, *due)?
            }
            Action::AcceptOnCommitment { .. } => c.accept_on_commitment(ctx, on)?,
            Action::Refuse {
                reason,
                redirect_to,
            } => {
                c.require_intake_open("不予受理")?;
                require_reason(
                    reason,
                    "AL-26",
                    "依据《行政许可法》第三十二条第一款第（二）项和第七十二条第（七）项，不予受理须说明理由",
                )?;
                c.close(
                    on,
                    Closing::Refused {
                        redirect_to: redirect_to.clone().filter(|r| !r.trim().is_empty()),
                    },
                    reason,
                );
                vec![DocumentKind::RefusalDecision]
            }
            Action::NotNeeded { reason } => {
                c.require_intake_open("告知不受理")?;
                require_reason(
                    reason,
                    "AL-02",
                    "依据《行政许可法》第三十二条第一款第（一）项，告知申请人不受理须说明该事项依法不需要取得行政许可的理由",
                )?;
                c.close(on, Closing::NotNeeded, reason);
                vec![DocumentKind::NotNeededNotice]
            }
            Action::CompleteStep {
                kind,
                staff,
                opinion,
            } => c.complete_step(ctx, on, *kind, staff, opinion)?,
            Action::Suspend {
                kind,
                reason,
                expected_days,
            } => c.suspend(ctx, on, kind, reason, *expected_days)?,
            Action::Resume => {
                if c.state != CaseState::Suspended {
                    return refuse("AL-16", "本件没有进行中的特别程序，无需恢复计时");
                }
                let s = c.suspensions.last_mut().expect("suspended case has one");
                s.ended_on = Some(on);
                c.state = CaseState::Accepted;
                vec![]
            }
            Action::Extend {
                reason,
                approved_by,
            } => c.extend(ctx, on, reason, approved_by)?,
            Action::Decide { approve, reason } => c.decide(ctx, on, *approve, reason)?,
            Action::IssueCertificate => c.issue_certificate(ctx)?,
            Action::Withdraw { reason } => {
                if matches!(c.state, CaseState::Decided) {
                    return refuse(
                        "AL-20",
                        "行政许可决定已经作出，申请不能再撤回；如需放弃许可，请申请注销",
                    );
                }
                c.close(on, Closing::Withdrawn, reason);
                vec![DocumentKind::WithdrawalConfirmation]
            }
        };
        if matches!(action, Action::IssueCertificate) {
            c.certificate_issued_on = Some(on);
            c.state = CaseState::CertificateIssued;
            c.closed_on = Some(on);
        }
        Ok(Applied {
            case: c,
            documents: docs,
        })
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

    /// An Art. 32 outcome may be taken: the application is received and no outcome taken yet.
    fn require_intake_pending(&self, what: &str) -> Result<(), EngineError> {
        match self.state {
            CaseState::Received => Ok(()),
            CaseState::AwaitingSupplement => refuse(
                "AL-02",
                format!("已一次性告知补正，须待申请人提交补正材料后方可{what}"),
            ),
            _ => self.already_past_intake(what),
        }
    }

    /// Refusal outcomes may also be taken while supplements are awaited.
    fn require_intake_open(&self, what: &str) -> Result<(), EngineError> {
        match self.state {
            CaseState::Received | CaseState::AwaitingSupplement => Ok(()),
            _ => self.already_past_intake(what),
        }
    }

    fn already_past_intake(&self, what: &str) -> Result<(), EngineError> {
        if self.deemed_accepted {
            refuse(
                "AL-03",
                format!(
                    "依据{ART32_4}，收到申请材料后五日内未告知补正的，自收到申请材料之日起即为受理；本件已于 {} 视为受理，不能再{what}",
                    fmt_date(self.accepted_on.expect("accepted"))
                ),
            )
        } else {
            refuse(
                "AL-02",
                format!(
                    "本件已{}，不能再{what}（《行政许可法》第三十二条规定的受理环节已经结束）",
                    self.state.label()
                ),
            )
        }
    }

    fn notify_supplement(
        &mut self,
        ctx: &Context,
        on: NaiveDate,
        missing: &[String],
    ) -> Result<Vec<DocumentKind>, EngineError> {
        if self.state == CaseState::AwaitingSupplement {
            return refuse(
                "AL-05",
                format!(
                    "依据{ART32_4}，补正内容应当一次告知；本件已于 {} 告知补正，不得再次告知",
                    fmt_date(self.notices[0].on)
                ),
            );
        }
        self.require_intake_pending("告知补正")?;
        if missing.is_empty() {
            return refuse("AL-05", "补正告知须列明需要补正的全部材料");
        }
        if !ctx.item.materials.is_empty() {
            for code in missing {
                if ctx.item.material(code).is_none() {
                    return refuse(
                        "AL-26",
                        format!(
                            "材料「{code}」不在本事项公布的申请材料目录中；依据《行政许可法》第三十一条，不得要求申请人提交与申请事项无关的材料"
                        ),
                    );
                }
            }
        }
        if self.intake.after_supplement {
            let first = &self.notices[0].missing;
            let new: Vec<&String> = missing.iter().filter(|m| !first.contains(m)).collect();
            if !new.is_empty() {
                return refuse(
                    "AL-05",
                    format!(
                        "依据{ART32_4}，补正内容应当一次告知；提交补正材料后再次告知的，只能是首次告知中仍缺少或仍不符合要求的材料，不能新增 {}",
                        new.iter()
                            .map(|c| ctx.item.material_name(c))
                            .collect::<Vec<_>>()
                            .join("、")
                    ),
                );
            }
        }
        let omitted: Vec<String> = ctx
            .item
            .materials
            .iter()
            .filter(|m| m.required && !m.deferrable)
            .filter(|m| !self.provided.contains(&m.code) && !missing.contains(&m.code))
            .map(|m| ctx.item.material_name(&m.code))
            .collect();
        if !omitted.is_empty() {
            return refuse(
                "AL-05",
                format!(
                    "依据{ART32_4}和第七十二条第（四）项，补正告知须一次告知需要补正的全部内容；还缺少 {}，请一并告知",
                    omitted.join("、")
                ),
            );
        }
        self.notices.push(Notice {
            on,
            missing: missing.to_vec(),
        });
        self.state = CaseState::AwaitingSupplement;
        Ok(vec![DocumentKind::SupplementNotice])
    }

    fn supplement(
        &mut self,
        ctx: &Context,
        on: NaiveDate,
        materials: &[String],
    ) -> Result<Vec<DocumentKind>, EngineError> {
        if materials.is_empty() {
            return refuse("AL-02", "没有提交任何材料");
        }
        self.provided.extend(materials.iter().cloned());
        match self.state {
            CaseState::AwaitingSupplement => {
                self.state = CaseState::Received;
                self.intake = IntakeWindow {
                    opened_on: on,
                    due: ctx.calendar.add(on, 5)?,
                    after_supplement: true,
                };
            }
            CaseState::Received => {}
            _ => {
                for d in &mut self.deferred {
                    if d.arrived_on.is_none() && materials.contains(&d.code) {
                        d.arrived_on = Some(on);
                    }
                }
            }
        }
        Ok(vec![])
    }

    /// The required materials not in hand, split into (core, deferrable).
    fn missing_materials(&self, ctx: &Context) -> (Vec<String>, Vec<String>) {
        let mut core = Vec::new();
        let mut deferrable = Vec::new();
        for m in ctx.item.materials.iter().filter(|m| m.required) {
            if !self.provided.contains(&m.code) {
                if m.deferrable {
                    deferrable.push(m.code.clone());
                } else {
                    core.push(m.code.clone());
                }
            }
        }
        (core, deferrable)
    }

    fn names(ctx: &Context, codes: &[String]) -> String {
        codes
            .iter()
            .map(|c| ctx.item.material_name(c))
            .collect::<Vec<_>>()
            .join("、")
    }

    fn accept(&mut self, ctx: &Context, on: NaiveDate) -> Result<Vec<DocumentKind>, EngineError> {
        self.require_intake_pending("受理")?;
        let (core, deferrable) = self.missing_materials(ctx);
        if !core.is_empty() {
            return refuse(
                "AL-02",
                format!(
                    "依据《行政许可法》第三十二条第一款第（五）项，申请材料齐全、符合法定形式方可受理；尚缺 {}，应一次性告知补正",
                    Self::names(ctx, &core)
                ),
            );
        }
        if !deferrable.is_empty() {
            return refuse(
                "AL-02",
                format!(
                    "尚缺 {}：这些材料可以容缺，请选择容缺受理并约定补交日期，或一次性告知补正",
                    Self::names(ctx, &deferrable)
                ),
            );
        }
        self.accepted_on = Some(on);
        self.state = CaseState::Accepted;
        Ok(vec![DocumentKind::AcceptanceVoucher])
    }

    fn accept_deferred(
        &mut self,
        ctx: &Context,
        on: NaiveDate,
        deferred: &[String],
        due: Option<NaiveDate>,
    ) -> Result<Vec<DocumentKind>, EngineError> {
        self.require_intake_pending("容缺受理")?;
        const RULE: &str = "容缺受理只适用于事项标明为非核心（可容缺）的材料";
        if deferred.is_empty() {
            return refuse("deferral", "容缺受理须列明容缺的材料");
        }
        for code in deferred {
            match ctx.item.material(code) {
                Some(m) if m.deferrable => {
                    if self.provided.contains(code) {
                        return refuse(
                            "deferral",
                            format!("材料 {} 已经提交，无需容缺", ctx.item.material_name(code)),
                        );
                    }
                }
                _ => {
                    return refuse(
                        "deferral",
                        format!(
                            "{RULE}；{} 不是本事项可容缺的材料，缺少该材料应一次性告知补正",
                            ctx.item.material_name(code)
                        ),
                    );
                }
            }
        }
        let Some(due) = due else {
            return refuse("deferral", "容缺受理须由申请人书面承诺补交材料的日期");
        };
        if due <= on {
            return refuse(
                "deferral",
                format!("容缺材料的补交日期 {} 应晚于受理日期", fmt_date(due)),
            );
        }
        let (core, _) = self.missing_materials(ctx);
        if !core.is_empty() {
            return refuse(
                "AL-02",
                format!(
                    "{RULE}；核心材料 {} 尚未提交，不能容缺受理，应一次性告知补正",
                    Self::names(ctx, &core)
                ),
            );
        }
        self.deferred = deferred
            .iter()
            .map(|code| Deferred {
                code: code.clone(),
                due,
                arrived_on: None,
            })
            .collect();
        self.accepted_on = Some(on);
        self.state = CaseState::Accepted;
        Ok(vec![DocumentKind::AcceptanceVoucher])
    }

    fn accept_on_commitment(
        &mut self,
        ctx: &Context,
        on: NaiveDate,
    ) -> Result<Vec<DocumentKind>, EngineError> {
        if !ctx.item.green_list {
            return refuse(
                "commitment",
                "本事项未列入告知承诺绿色清单，不能实行告知承诺审批（国办发〔2020〕42号）",
            );
        }
        if let Some(why) = &ctx.applicant.commitment_barred {
            return refuse(
                "commitment",
                format!(
                    "申请人{why}，在信用修复前不能适用告知承诺（国办发〔2020〕42号），请按一般程序申请"
                ),
            );
        }
        self.require_intake_pending("告知承诺审批")?;
        self.accepted_on = Some(on);
        self.decided_on = Some(on);
        self.decision = Some(Decision {
            approved: true,
            reason: "申请人书面承诺符合许可条件，依告知承诺制当场作出准予许可决定".into(),
            on_commitment: true,
        });
        self.state = CaseState::Decided;
        Ok(vec![
            DocumentKind::AcceptanceVoucher,
            DocumentKind::CommitmentDecision,
        ])
    }

    /// The next step still to be done before the decision, if the item has steps.
    pub fn next_step<'a>(&self, ctx: &Context<'a>) -> Option<&'a StepRule> {
        self.pending_step(ctx.item)
    }

    /// The next step still to be done before the decision, by the item's rules.
    pub fn pending_step<'a>(&self, item: &'a ItemRules) -> Option<&'a StepRule> {
        item.steps.get(self.steps.len())
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
                if self.pending_step(item).is_some() {
                    v.push("complete_step");
                } else {
                    v.push("decide");
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
                let mut v = vec!["resume", "withdraw"];
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

    fn complete_step(
        &mut self,
        ctx: &Context,
        on: NaiveDate,
        kind: StepKind,
        staff: &[String],
        opinion: &str,
    ) -> Result<Vec<DocumentKind>, EngineError> {
        if self.state != CaseState::Accepted {
            return refuse(
                "steps",
                format!("本件当前为「{}」，不能办理审查环节", self.state.label()),
            );
        }
        let Some(next) = self.next_step(ctx) else {
            return refuse("steps", "本事项的审查环节已全部完成，请作出决定");
        };
        if next.kind != kind {
            return refuse(
                "steps",
                format!(
                    "按本事项公布的程序清单，下一环节是「{}」，不能先办理「{}」",
                    next.name,
                    kind.label()
                ),
            );
        }
        let mut people: Vec<String> = staff.iter().map(|s| s.trim().to_string()).collect();
        people.retain(|s| !s.is_empty());
        people.sort();
        people.dedup();
        if people.is_empty() {
            return refuse("steps", "须记录办理该环节的工作人员");
        }
        if matches!(kind, StepKind::Verification | StepKind::SiteInspection) && people.len() < 2 {
            return refuse(
                "AL-08",
                "依据《行政许可法》第三十四条第三款，对申请材料实质内容进行核实的，应当指派两名以上工作人员进行核查",
            );
        }
        if kind == StepKind::Hearing {
            let presiding = staff.first().map(|s| s.trim()).unwrap_or_default();
            let reviewers: Vec<&String> = self
                .steps
                .iter()
                .filter(|s| s.kind == StepKind::Review)
                .flat_map(|s| &s.staff)
                .collect();
            if reviewers.iter().any(|r| r.as_str() == presiding) {
                return refuse(
                    "AL-18",
                    "依据《行政许可法》第四十八条第一款第（三）项，听证主持人应为审查该申请的工作人员以外的人员",
                );
            }
        }
        if opinion.trim().is_empty() {
            return refuse("steps", "须填写本环节的办理意见");
        }
        self.steps.push(StepRecord {
            kind,
            on,
            staff: if kind == StepKind::Hearing {
                staff.iter().map(|s| s.trim().to_string()).collect()
            } else {
                people
            },
            opinion: opinion.trim().to_string(),
        });
        Ok(vec![])
    }

    fn suspend(
        &mut self,
        ctx: &Context,
        on: NaiveDate,
        kind: &str,
        reason: &str,
        expected_days: Option<u32>,
    ) -> Result<Vec<DocumentKind>, EngineError> {
        let Some(kind) = SuspensionKind::parse(kind) else {
            return refuse(
                "AL-16",
                format!(
                    "依据《行政许可法》第四十五条，只有{}所需时间不计算在期限内；「{kind}」不能中止计时",
                    SuspensionKind::choices()
                ),
            );
        };
        match self.state {
            CaseState::Accepted => {}
            CaseState::Suspended => {
                return refuse("AL-16", "本件已在特别程序中，请先结束当前特别程序");
            }
            CaseState::Received | CaseState::AwaitingSupplement => {
                return refuse("AL-16", "申请尚未受理，期限尚未起算，不能启动特别程序");
            }
            _ => return refuse("AL-16", "本件已作出决定，不能再启动特别程序"),
        }
        require_reason(reason, "AL-16", "启动特别程序须写明理由")?;
        let Some(expected) = expected_days.filter(|d| *d > 0) else {
            return refuse(
                "AL-16",
                "依据《行政许可法》第四十五条，行政机关应当将特别程序所需时间书面告知申请人，请填写预计所需天数",
            );
        };
        let due = self.statutory_due(ctx, on)?;
        if on > due {
            return refuse(
                "AL-12",
                format!(
                    "法定期限已于 {} 届满，不能再启动特别程序中止计时（《行政许可法》第四十二条、第四十五条）",
                    fmt_date(due)
                ),
            );
        }
        self.suspensions.push(Suspension {
            kind,
            reason: reason.trim().to_string(),
            expected_days: expected,
            started_on: on,
            ended_on: None,
        });
        self.state = CaseState::Suspended;
        Ok(vec![DocumentKind::SuspensionNotice])
    }

    fn extend(
        &mut self,
        ctx: &Context,
        on: NaiveDate,
        reason: &str,
        approved_by: &str,
    ) -> Result<Vec<DocumentKind>, EngineError> {
        if let Some(e) = &self.extension {
            return refuse(
                "AL-12",
                format!(
                    "依据《行政许可法》第四十二条，延期只能批准一次；本件已于 {} 延期",
                    fmt_date(e.on)
                ),
            );
        }
        if ctx.item.instant {
            return refuse(
                "AL-07",
                "即办件应当当场作出决定（《行政许可法》第三十四条第二款），不适用延期",
            );
        }
        match self.state {
            CaseState::Accepted | CaseState::Suspended => {}
            CaseState::Received | CaseState::AwaitingSupplement => {
                return refuse("AL-12", "申请尚未受理，审批期限尚未起算，不能延期");
            }
            _ => return refuse("AL-12", "本件已作出决定，无需延期"),
        }
        let (article, needed) = if ctx.item.joint {
            ("第四十二条第二款", Approver::GovernmentHead)
        } else {
            ("第四十二条第一款", Approver::Head)
        };
        match Approver::parse(approved_by) {
            Some(a) if a == needed => {}
            _ => {
                return refuse(
                    if ctx.item.joint { "AL-13" } else { "AL-12" },
                    format!(
                        "依据《行政许可法》{article}，延期须经{}批准",
                        needed.label()
                    ),
                );
            }
        }
        require_reason(
            reason,
            "AL-12",
            format!("依据《行政许可法》{article}，延期须将理由告知申请人，请填写延期理由"),
        )?;
        let due = self.statutory_due(ctx, on)?;
        if on > due {
            return refuse(
                "AL-12",
                format!(
                    "依据《行政许可法》{article}，延期须在法定期限内批准；本件法定期限已于 {} 届满",
                    fmt_date(due)
                ),
            );
        }
        self.extension = Some(Extension {
            on,
            days: ctx.item.extension_limit(),
            reason: reason.trim().to_string(),
            approved_by: needed,
        });
        Ok(vec![DocumentKind::ExtensionNotice])
    }

    fn decide(
        &mut self,
        ctx: &Context,
        on: NaiveDate,
        approve: bool,
        reason: &str,
    ) -> Result<Vec<DocumentKind>, EngineError> {
        match self.state {
            CaseState::Accepted => {}
            CaseState::Received | CaseState::AwaitingSupplement => {
                return refuse(
                    "AL-02",
                    "依据《行政许可法》第三十二条、第三十七条，申请尚未受理，不得作出行政许可决定",
                );
            }
            CaseState::Suspended => {
                let s = self.suspensions.last().expect("suspended");
                return refuse(
                    "AL-16",
                    format!(
                        "本件正在进行{}，应在特别程序结束、恢复计时后作出决定",
                        s.kind.label()
                    ),
                );
            }
            _ => return refuse("decided", "本件已作出决定，不能重复决定"),
        }
        if let Some(next) = self.next_step(ctx) {
            return refuse(
                "steps",
                format!(
                    "按本事项公布的程序清单，「{}」环节尚未完成，不能作出决定",
                    next.name
                ),
            );
        }
        if !approve {
            require_reason(
                reason,
                "AL-10",
                "依据《行政许可法》第三十八条第二款，不予行政许可须说明理由，并告知申请人享有依法申请行政复议或者提起行政诉讼的权利",
            )?;
        }
        if self.steps.iter().any(|s| s.kind == StepKind::Hearing) && reason.trim().is_empty() {
            return refuse(
                "AL-18",
                "依据《行政许可法》第四十八条第二款，行政机关应当根据听证笔录作出决定，请在决定理由中写明",
            );
        }
        self.decided_on = Some(on);
        self.decision = Some(Decision {
            approved: approve,
            reason: reason.trim().to_string(),
            on_commitment: false,
        });
        self.state = CaseState::Decided;
        if !approve {
            self.closed_on = Some(on);
        }
        Ok(vec![if approve {
            DocumentKind::DecisionLetter
        } else {
            DocumentKind::DenialLetter
        }])
    }

    fn issue_certificate(&self, ctx: &Context) -> Result<Vec<DocumentKind>, EngineError> {
        match (&self.state, &self.decision) {
            (CaseState::Decided, Some(d)) if d.approved => {}
            (CaseState::Decided, Some(_)) => {
                return refuse("AL-15", "本件决定不予行政许可，不能制发许可证件");
            }
            _ => {
                return refuse(
                    "AL-15",
                    "尚未作出准予行政许可的决定，不能制发证件（《行政许可法》第三十九条、第四十四条）",
                );
            }
        }
        let waiting: Vec<String> = self
            .deferred
            .iter()
            .filter(|d| d.arrived_on.is_none())
            .map(|d| d.code.clone())
            .collect();
        if !waiting.is_empty() {
            return refuse(
                "deferral",
                format!(
                    "容缺受理的材料 {} 尚未补齐，补齐后方可发证",
                    Self::names(ctx, &waiting)
                ),
            );
        }
        Ok(vec![DocumentKind::Licence])
    }

    /// Working days suspended up to `as_of` (an ongoing suspension counts up to `as_of`).
    pub fn suspended_days(&self, cal: &Calendar, as_of: NaiveDate) -> Result<u32, CalendarError> {
        let mut total = 0;
        for s in &self.suspensions {
            let end = s.ended_on.unwrap_or(as_of.max(s.started_on));
            total += cal.between(s.started_on, end)?;
        }
        Ok(total)
    }

    pub fn extension_days(&self) -> u32 {
        self.extension.as_ref().map_or(0, |e| e.days)
    }

    /// add(accepted, L + E + S) as of a date; None before acceptance.
    fn statutory_due(&self, ctx: &Context, as_of: NaiveDate) -> Result<NaiveDate, CalendarError> {
        let accepted = self.accepted_on.expect("called after acceptance");
        if ctx.item.instant {
            return Ok(accepted);
        }
        let s = self.suspended_days(ctx.calendar, as_of)?;
        ctx.calendar.add(
            accepted,
            ctx.item.statutory_limit() + self.extension_days() + s,
        )
    }

    /// Every deadline of the case as of `as_of`, with the explanation a clerk reads.
    pub fn clock(&self, ctx: &Context, as_of: NaiveDate) -> Result<Clock, CalendarError> {
        self.clock_with(ctx, as_of, true)
    }

    /// The deadlines without the explanation (for lists of many cases).
    pub fn deadlines(&self, ctx: &Context, as_of: NaiveDate) -> Result<Clock, CalendarError> {
        self.clock_with(ctx, as_of, false)
    }

    fn clock_with(
        &self,
        ctx: &Context,
        as_of: NaiveDate,
        explain: bool,
    ) -> Result<Clock, CalendarError> {
        let cal = ctx.calendar;
        let item = ctx.item;
        let mut why = Why {
            enabled: explain,
            lines: Vec::new(),
        };
        why.add(|| {
            format!(
                "{} 收件；依据{ART32_4}，补正告知期限为收件后第5个工作日 {}（{}）",
                fmt_date(self.received_on),
                fmt_date(self.supplement_notice_due),
                cal.explain_span(self.received_on, self.supplement_notice_due)
                    .unwrap_or_default()
            )
        });
        for n in &self.notices {
            why.add(|| {
                format!(
                    "{} 一次性告知补正：{}",
                    fmt_date(n.on),
                    n.missing
                        .iter()
                        .map(|c| item.material_name(c))
                        .collect::<Vec<_>>()
                        .join("、")
                )
            });
        }
        if self.intake.after_supplement {
            why.add(|| {
                format!(
                    "{} 提交补正材料，重新起算五个工作日的受理期限，至 {}",
                    fmt_date(self.intake.opened_on),
                    fmt_date(self.intake.due)
                )
            });
        }
        let suspended = self.suspended_days(cal, as_of)?;
        let extension = self.extension_days();
        let (mut statutory_due, mut promised_due) = (None, None);
        if let Some(acc) = self.accepted_on {
            if self.deemed_accepted {
                why.add(|| {
                    format!(
                        "受理期限 {} 届满未作处理，依据{ART32_4}视为受理，受理日期为{}之日 {}",
                        fmt_date(self.intake.due),
                        if self.intake.after_supplement {
                            "提交补正材料"
                        } else {
                            "收到申请材料"
                        },
                        fmt_date(acc)
                    )
                });
            } else {
                why.add(|| format!("{} 受理", fmt_date(acc)));
            }
            if item.instant {
                statutory_due = Some(acc);
                promised_due = Some(acc);
                why.add(|| "即办件应当当场作出书面决定（《行政许可法》第三十四条第二款），办结期限为受理当日".into());
            } else {
                let l = item.statutory_limit();
                let sd = cal.add(acc, l + extension + suspended)?;
                let pd = cal.add(acc, item.promised_days + extension + suspended)?;
                why.add(|| {
                    let mut parts = vec![format!(
                        "法定时限 {l} 个工作日{}",
                        if item.joint {
                            "（联合办理，《行政许可法》第四十二条第二款）"
                        } else {
                            ""
                        }
                    )];
                    if extension > 0 {
                        let e = self.extension.as_ref().expect("extended");
                        parts.push(format!(
                            "延期 {extension} 个工作日（{} 经{}批准，理由：{}）",
                            fmt_date(e.on),
                            e.approved_by.label(),
                            e.reason
                        ));
                    }
                    for s in &self.suspensions {
                        let end = s.ended_on.unwrap_or(as_of.max(s.started_on));
                        parts.push(format!(
                            "{}不计入 {} 个工作日（{} 至 {}{}，《行政许可法》第四十五条）",
                            s.kind.label(),
                            cal.between(s.started_on, end).unwrap_or_default(),
                            fmt_date(s.started_on),
                            fmt_date(end),
                            if s.ended_on.is_none() {
                                "，进行中"
                            } else {
                                ""
                            }
                        ));
                    }
                    format!(
                        "{}，合计 {} 个工作日，自受理次日起算，法定期限届满日为 {}（{}）",
                        parts.join(" + "),
                        l + extension + suspended,
                        fmt_date(sd),
                        cal.explain_span(acc, sd).unwrap_or_default()
                    )
                });
                why.add(|| {
                    format!(
                        "承诺时限 {} 个工作日{}，承诺办结日为 {}",
                        item.promised_days,
                        if extension + suspended > 0 {
                            format!("（另加延期 {extension} 日和特别程序 {suspended} 日）")
                        } else {
                            String::new()
                        },
                        fmt_date(pd)
                    )
                });
                statutory_due = Some(sd);
                promised_due = Some(pd);
            }
        }
        let mut certificate_due = None;
        if let (Some(d), Some(decision)) = (self.decided_on, &self.decision) {
            if decision.approved {
                let due = cal.add(d, 10)?;
                certificate_due = Some(due);
                why.add(|| format!(
                    "{} 作出准予许可决定；依据《行政许可法》第四十四条，应于决定后第10个工作日 {} 前颁发、送达许可证件",
                    fmt_date(d),
                    fmt_date(due)
                ));
            } else {
                why.add(|| format!("{} 作出不予许可决定", fmt_date(d)));
            }
        }
        let undecided = matches!(self.state, CaseState::Accepted | CaseState::Suspended);
        let overdue = match (statutory_due, self.decided_on) {
            (Some(due), Some(d)) => d > due,
            (Some(due), None) => undecided && as_of > due,
            _ => false,
        };
        let promised_overdue = match (promised_due, self.decided_on) {
            (Some(due), Some(d)) => d > due,
            (Some(due), None) => undecided && as_of > due,
            _ => false,
        };
        let certificate_overdue = match (certificate_due, self.certificate_issued_on) {
            (Some(due), Some(i)) => i > due,
            (Some(due), None) => as_of > due,
            _ => false,
        };
        if overdue {
            why.add(|| "已超过法定期限（《行政许可法》第四十二条、第七十四条第（二）项）".into());
        }
        let days_left = match (undecided, statutory_due) {
            (true, Some(due)) if as_of <= due => Some(cal.between(as_of, due)? as i64),
            (true, Some(due)) => Some(-(cal.between(due, as_of)? as i64)),
            _ => None,
        };
        let promised_days_left = match (undecided, promised_due) {
            (true, Some(due)) if as_of <= due => Some(cal.between(as_of, due)? as i64),
            (true, Some(due)) => Some(-(cal.between(due, as_of)? as i64)),
            _ => None,
        };
        let mut warnings = Vec::new();
        for d in &self.deferred {
            if d.arrived_on.is_none() && as_of > d.due {
                warnings.push(format!(
                    "容缺材料 {} 应于 {} 前补交，已逾期",
                    item.material_name(&d.code),
                    fmt_date(d.due)
                ));
            }
        }
        if self.state == CaseState::Received && as_of <= self.intake.due {
            let left = cal.between(as_of, self.intake.due)?;
            if left <= 1 {
                warnings.push(format!(
                    "受理期限 {} 即将届满，届满未处理将视为受理",
                    fmt_date(self.intake.due)
                ));
            }
        }
        if certificate_overdue {
            warnings.push("已超过发证期限（《行政许可法》第四十四条）".into());
        }
        let light = if overdue || certificate_overdue {
            Light::Red
        } else if promised_overdue
            || promised_days_left.is_some_and(|d| d <= 2)
            || !warnings.is_empty()
        {
            Light::Yellow
        } else {
            Light::Green
        };
        Ok(Clock {
            as_of,
            received_on: self.received_on,
            supplement_notice_due: self.supplement_notice_due,
            intake_due: self.intake.due,
            accepted_on: self.accepted_on,
            deemed_accepted: self.deemed_accepted,
            statutory_limit: item.statutory_limit(),
            statutory_due,
            promised_due,
            suspended_working_days: suspended,
            extension_days: extension,
            decided_on: self.decided_on,
            certificate_due,
            certificate_issued_on: self.certificate_issued_on,
            overdue,
            promised_overdue,
            certificate_overdue,
            days_left,
            promised_days_left,
            light,
            warnings,
            explanation: why.lines,
        })
    }
}

/// The explanation of a clock, built only when asked for.
struct Why {
    enabled: bool,
    lines: Vec<String>,
}

impl Why {
    fn add(&mut self, line: impl FnOnce() -> String) {
        if self.enabled {
            self.lines.push(line());
        }
    }
}

fn require_reason(reason: &str, rule: &str, message: impl Into<String>) -> Result<(), EngineError> {
    if reason.trim().is_empty() {
        refuse(rule, message)
    } else {
        Ok(())
    }
}

/// The traffic light of e-monitoring: green, yellow (promised limit near or passed, or a warning),
/// red (statutory limit passed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Light {
    Green,
    Yellow,
    Red,
}

impl Light {
    pub fn label(self) -> &'static str {
        match self {
            Light::Green => "正常",
            Light::Yellow => "预警",
            Light::Red => "超期",
        }
    }
}

/// Every deadline of a case as of a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Clock {
    pub as_of: NaiveDate,
    pub received_on: NaiveDate,
    pub supplement_notice_due: NaiveDate,
    /// The current intake window's end (after supplements: add(arrival, 5)).
    pub intake_due: NaiveDate,
    pub accepted_on: Option<NaiveDate>,
    pub deemed_accepted: bool,
    pub statutory_limit: u32,
    pub statutory_due: Option<NaiveDate>,
    pub promised_due: Option<NaiveDate>,
    pub suspended_working_days: u32,
    pub extension_days: u32,
    pub decided_on: Option<NaiveDate>,
    pub certificate_due: Option<NaiveDate>,
    pub certificate_issued_on: Option<NaiveDate>,
    pub overdue: bool,
    pub promised_overdue: bool,
    pub certificate_overdue: bool,
    /// Working days left to the statutory due date (negative when overdue), while undecided.
    pub days_left: Option<i64>,
    pub promised_days_left: Option<i64>,
    pub light: Light,
    pub warnings: Vec<String>,
    pub explanation: Vec<String>,
}
