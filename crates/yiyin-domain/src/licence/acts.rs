//! The acts on a licence as a state machine, like the case engine: [`apply`] judges a request on the
//! licence as it stands and returns what the act is (its state, due date, details and the reason the
//! event log shows) and its [`LicenceEffect`]s — the status the licence takes, the decision document,
//! a new version of the licence, the push to the supervising department; [`settle`] decides a pending
//! change or renewal (or records the renewal deemed granted, Art. 50 para 2); [`expiry`] is what the
//! end of the validity does by itself; [`propose_revocation`] opens the revocation a false commitment
//! calls for. The application layer carries the effects out, in order.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{
    ActKind, CancellationGround, LicenceStatus, RevocationGround, WithdrawalBasis,
    check_cancellation, check_change, check_renewal, check_rescission, check_revocation,
    check_withdrawal, renewal_deemed, renewed_until, status_on,
};
use crate::calendar::{Calendar, fmt_date};
use crate::engine::DocumentKind;
use crate::refusal::{Refusal, refuse, require_text};
use crate::supervision::PushKind;

labelled_enum!(
    /// Where an act on a licence stands.
    ActState {
        /// A revocation the bureau must decide (opened by a false commitment).
        Proposed = ("proposed", "待决定"),
        /// A change or renewal under review.
        Pending = ("pending", "审查中"),
        Granted = ("granted", "已准予"),
        Denied = ("denied", "不予准予"),
        /// Renewal deemed granted (Art. 50 para 2).
        Deemed = ("deemed", "视为准予"),
        /// Done (revocation, cancellation, withdrawal, rescission, expiry).
        Done = ("done", "已办结"),
        /// The bureau decided not to revoke (serious harm to the public interest, or an optional ground).
        Declined = ("declined", "决定不予撤销"),
    }
);

impl ActState {
    /// Whether the act still waits for a decision.
    pub fn open(self) -> bool {
        matches!(self, ActState::Proposed | ActState::Pending)
    }
}

/// What is asked of a licence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActRequest {
    /// The licensee applies to change licensed matters (Art. 49): described in words, and the
    /// licence's entries (证照模板 fields, by key) to show new values.
    ApplyChange {
        changes: String,
        fields: Vec<ChangedField>,
    },
    /// The licensee applies for renewal (Art. 50).
    ApplyRenewal,
    /// The bureau decides on a revocation (Art. 69); `revoke: false` records a decision not to.
    Revoke {
        ground: RevocationGround,
        reason: String,
        serious_public_harm: bool,
        revoke: bool,
    },
    /// The bureau cancels (注销, Art. 70).
    Cancel {
        ground: CancellationGround,
        reason: String,
    },
    /// The bureau withdraws for the public interest (撤回, Art. 8).
    Withdraw {
        basis: WithdrawalBasis,
        public_interest: String,
        compensation: String,
    },
    /// An enforcement body rescinded the certificate as a penalty (吊销), recorded here.
    Rescind {
        penalty_decision: String,
        authority: String,
        reason: String,
    },
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A licence entry a change sets: its key in the licence template and the new value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangedField {
    pub key: String,
    pub value: String,
}

/// The particulars of an act, as kept with it and shown on its decision (empty ones are left out).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActDetails {
    /// The changes applied for (Art. 49).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub changes: String,
    /// The licence entries the change sets (Art. 49), shown on the new version.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<ChangedField>,
    /// The ground's code (revocation, cancellation).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ground: String,
    /// The ground or basis in the law's words.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ground_label: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub serious_public_harm: bool,
    /// What the licensee is owed after a revocation (Art. 69 para 4, 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consequence: Option<String>,
    /// The basis of a withdrawal (Art. 8 para 2).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub basis: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub public_interest: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub compensation: String,
    /// The enforcement body's penalty decision (吊销).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub penalty_decision: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub authority: String,
    /// The reasons of the decision on a change or renewal.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub decision_reason: String,
    /// Renewal deemed granted (Art. 50 para 2).
    #[serde(default, skip_serializing_if = "is_false")]
    pub deemed: bool,
    /// The end of the validity that passed (expiry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
}

impl ActDetails {
    /// The details of an act on a ground of the law (revocation, cancellation) with its facts.
    fn on_ground(code: &str, label: &str, reason: &str) -> Self {
        ActDetails {
            ground: code.into(),
            ground_label: label.into(),
            reason: reason.trim().to_string(),
            ..Default::default()
        }
    }

    /// What the decision document of an act says as its reasons and its consequence: a withdrawal
    /// states the public interest and the compensation; a denied change or renewal the reasons of the
    /// decision; a revocation or cancellation the facts, and (revocation) what the licensee is owed.
    pub fn decision_texts(&self, kind: DocumentKind) -> (&str, &str) {
        match kind {
            DocumentKind::LicenceWithdrawalDecision => (&self.public_interest, &self.compensation),
            DocumentKind::ChangeDenial | DocumentKind::RenewalDenial => (
                &self.decision_reason,
                self.consequence.as_deref().unwrap_or(""),
            ),
            _ => (&self.reason, self.consequence.as_deref().unwrap_or("")),
        }
    }
}

/// What an act needs to know of the licence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenceFacts {
    /// The status as recorded (a valid licence past its end date reads as expired on the day).
    pub status: LicenceStatus,
    pub valid_until: Option<NaiveDate>,
    pub issued_on: NaiveDate,
    /// Whether the licensee is a citizen (Art. 70 (2), (3)).
    pub holder_is_person: bool,
    /// The application (change or renewal) under review, if any: one at a time.
    pub pending: Option<ActKind>,
}

/// What acts are judged against besides the licence.
#[derive(Debug, Clone, Copy)]
pub struct ActContext<'a> {
    pub calendar: &'a Calendar,
    /// The item's statutory limit in working days: a change is decided within it (Art. 42, 49).
    pub statutory_limit: u32,
    /// The validity of a licence of the item, in years (a renewal adds it).
    pub validity_years: Option<u32>,
}

/// A pending application as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingAct {
    pub kind: ActKind,
    pub state: ActState,
    pub due_on: Option<NaiveDate>,
    pub details: ActDetails,
}

/// One thing an act requires beyond its own record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LicenceEffect {
    /// A decision on a proposed revocation settles the proposal.
    SettleProposal,
    /// The licence's recorded status becomes this.
    SetStatus(LicenceStatus),
    /// The act's decision document, sealed.
    Issue(DocumentKind),
    /// A new version of the licence (a granted or deemed change or renewal), the old one superseded.
    NewVersion {
        valid_until: Option<NaiveDate>,
        note: String,
        superseded: LicenceStatus,
    },
    /// Tell the supervising department.
    Push(PushKind),
}

/// The outcome of an act: the act as recorded and what must follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActApplied {
    pub kind: ActKind,
    pub state: ActState,
    /// The date by which the agency decides (a change: the item's limit; a renewal: the expiry).
    pub due_on: Option<NaiveDate>,
    pub details: ActDetails,
    /// Why, in Chinese, for the event log.
    pub reason: String,
    pub effects: Vec<LicenceEffect>,
}

impl ActApplied {
    fn new(kind: ActKind, state: ActState, due_on: Option<NaiveDate>, details: ActDetails) -> Self {
        let reason = act_reason(kind, state, &details);
        ActApplied {
            kind,
            state,
            due_on,
            details,
            reason,
            effects: vec![],
        }
    }

    /// An act done at once: the licence takes `status`, and the act issues its decision `document`
    /// if it has one.
    fn done(
        kind: ActKind,
        details: ActDetails,
        status: LicenceStatus,
        document: Option<DocumentKind>,
    ) -> Self {
        let mut act = ActApplied::new(kind, ActState::Done, None, details);
        act.effects.push(LicenceEffect::SetStatus(status));
        act.effects.extend(document.map(LicenceEffect::Issue));
        act
    }

    /// The decision document the act issued, if any.
    pub fn document(&self) -> Option<DocumentKind> {
        self.effects.iter().find_map(|e| match e {
            LicenceEffect::Issue(k) => Some(*k),
            _ => None,
        })
    }
}

/// Only one change or renewal is under review at a time.
fn no_pending(facts: &LicenceFacts) -> Result<(), Refusal> {
    match facts.pending {
        Some(k) => refuse(
            "AL-20",
            format!("该证照已有正在审查的{}申请，请待其办结后再申请", k.label()),
        ),
        None => Ok(()),
    }
}

/// Judges a request on the licence as it stands on `today`.
pub fn apply(
    facts: &LicenceFacts,
    request: &ActRequest,
    today: NaiveDate,
    ctx: &ActContext,
) -> Result<ActApplied, Refusal> {
    let status = status_on(facts.status, facts.valid_until, today);
    let mut act = match request {
        ActRequest::ApplyChange { changes, fields } => {
            check_change(status)?;
            require_text(
                changes,
                "AL-20",
                "请写明申请变更的事项（《行政许可法》第四十九条）",
            )?;
            no_pending(facts)?;
            let due = ctx.calendar.add(today, ctx.statutory_limit).ok();
            let details = ActDetails {
                changes: changes.trim().to_string(),
                fields: fields.clone(),
                ..Default::default()
            };
            ActApplied::new(ActKind::Change, ActState::Pending, due, details)
        }
        ActRequest::ApplyRenewal => {
            let by = check_renewal(status, facts.valid_until, today)?;
            no_pending(facts)?;
            ActApplied::new(
                ActKind::Renewal,
                ActState::Pending,
                Some(by),
                ActDetails::default(),
            )
        }
        ActRequest::Revoke {
            ground,
            reason,
            serious_public_harm,
            revoke,
        } => {
            check_revocation(status, *ground, *serious_public_harm, *revoke)?;
            require_text(
                reason,
                "AL-22",
                "请写明撤销或不予撤销的事实和理由（《行政许可法》第六十九条）",
            )?;
            let details = ActDetails {
                serious_public_harm: *serious_public_harm,
                consequence: revoke.then(|| ground.consequence().to_string()),
                ..ActDetails::on_ground(ground.code(), ground.label(), reason)
            };
            let mut act = if *revoke {
                ActApplied::done(
                    ActKind::Revocation,
                    details,
                    LicenceStatus::Revoked,
                    Some(DocumentKind::RevocationDecision),
                )
            } else {
                ActApplied::new(ActKind::Revocation, ActState::Declined, None, details)
            };
            act.effects.insert(0, LicenceEffect::SettleProposal);
            act
        }
        ActRequest::Cancel { ground, reason } => {
            check_cancellation(status, *ground, facts.holder_is_person)?;
            ActApplied::done(
                ActKind::Cancellation,
                ActDetails::on_ground(ground.code(), ground.label(), reason),
                LicenceStatus::Cancelled,
                Some(DocumentKind::CancellationDecision),
            )
        }
        ActRequest::Withdraw {
            basis,
            public_interest,
            compensation,
        } => {
            check_withdrawal(status, public_interest, compensation)?;
            let details = ActDetails {
                basis: basis.code().into(),
                ground_label: basis.label().into(),
                public_interest: public_interest.trim().to_string(),
                compensation: compensation.trim().to_string(),
                ..Default::default()
            };
            ActApplied::done(
                ActKind::Withdrawal,
                details,
                LicenceStatus::Withdrawn,
                Some(DocumentKind::LicenceWithdrawalDecision),
            )
        }
        ActRequest::Rescind {
            penalty_decision,
            authority,
            reason,
        } => {
            check_rescission(status, penalty_decision)?;
            let details = ActDetails {
                penalty_decision: penalty_decision.trim().to_string(),
                authority: authority.trim().to_string(),
                reason: reason.trim().to_string(),
                ..Default::default()
            };
            ActApplied::done(ActKind::Rescission, details, LicenceStatus::Rescinded, None)
        }
    };
    if !matches!(act.state, ActState::Pending | ActState::Declined) {
        act.effects
            .push(LicenceEffect::Push(PushKind::from(act.kind)));
    }
    Ok(act)
}

/// Decides a pending change or renewal: `decision` is Some((grant, reason)) when the bureau decides,
/// None when the sweep records a renewal deemed granted at expiry (Art. 50 para 2). Granted, a new
/// version of the licence is issued (the old one superseded) and pushed; denied, a decision with
/// reasons and the rights of appeal.
pub fn settle(
    act: &PendingAct,
    facts: &LicenceFacts,
    decision: Option<(bool, &str)>,
    today: NaiveDate,
    ctx: &ActContext,
) -> Result<ActApplied, Refusal> {
    if act.state != ActState::Pending || !matches!(act.kind, ActKind::Change | ActKind::Renewal) {
        return refuse(
            "licence",
            format!(
                "该{}事项当前为“{}”，不能再作决定",
                act.kind.label(),
                act.state.label()
            ),
        );
    }
    if let Some((false, reason)) = decision {
        require_text(
            reason,
            "AL-10",
            "不予准予须说明理由（《行政许可法》第三十八条第二款）",
        )?;
    }
    let grant = decision.is_none_or(|(g, _)| g);
    // Only a licence still in force is changed or renewed; one revoked, cancelled, withdrawn or
    // rescinded meanwhile leaves the application to be denied.
    let in_force = if act.kind == ActKind::Change {
        status_on(facts.status, facts.valid_until, today)
    } else {
        facts.status
    };
    if grant && in_force != LicenceStatus::Valid {
        return refuse(
            "licence",
            format!(
                "证照当前状态为“{}”，不能准予{}，请作出不予准予的决定",
                in_force.label(),
                act.kind.label()
            ),
        );
    }
    // Art. 50 para 2: undecided at the expiry, the renewal is deemed granted; the bureau can no
    // longer decide it (the sweep records it).
    if let (Some(_), ActKind::Renewal, LicenceStatus::Valid, Some(due)) =
        (decision, act.kind, facts.status, act.due_on)
        && renewal_deemed(due, today)
    {
        return refuse(
            "AL-19",
            format!(
                "依据《行政许可法》第五十条第二款，行政机关应当在证照有效期届满（{}）前作出是否准予延续的决定；逾期未作决定的，视为准予延续，不能再作决定",
                fmt_date(due)
            ),
        );
    }
    let state = match decision {
        None => ActState::Deemed,
        Some((true, _)) => ActState::Granted,
        Some((false, _)) => ActState::Denied,
    };
    let mut details = act.details.clone();
    details.decision_reason = match decision {
        Some((_, reason)) => reason.trim().to_string(),
        None => format!(
            "本机关未在证照有效期届满（{}）前作出是否准予延续的决定，依据《行政许可法》第五十条第二款视为准予延续",
            act.due_on.map(fmt_date).unwrap_or_default()
        ),
    };
    details.deemed = decision.is_none();
    let mut out = ActApplied::new(act.kind, state, act.due_on, details);
    if grant {
        let (valid_until, note, superseded) = if act.kind == ActKind::Renewal {
            let years = ctx
                .validity_years
                .or_else(|| {
                    let until = facts.valid_until?;
                    u32::try_from((until - facts.issued_on).num_days() / 365)
                        .ok()
                        .filter(|y| *y > 0)
                })
                .unwrap_or(1);
            let note = if out.details.deemed {
                "延续：依据《行政许可法》第五十条第二款视为准予延续".to_string()
            } else {
                "延续：准予延续有效期".to_string()
            };
            (
                facts.valid_until.map(|u| renewed_until(u, years)),
                note,
                LicenceStatus::Renewed,
            )
        } else {
            (
                facts.valid_until,
                format!("变更：{}", out.details.changes),
                LicenceStatus::Changed,
            )
        };
        out.effects.extend([
            LicenceEffect::NewVersion {
                valid_until,
                note,
                superseded,
            },
            LicenceEffect::Push(PushKind::from(act.kind)),
        ]);
    } else {
        out.effects
            .push(LicenceEffect::Issue(if act.kind == ActKind::Change {
                DocumentKind::ChangeDenial
            } else {
                DocumentKind::RenewalDenial
            }));
    }
    Ok(out)
}

/// What the end of the validity does by itself: a licence in force past its end date, with no
/// renewal under review, expires (and the supervising department is told). None when it does not.
pub fn expiry(facts: &LicenceFacts, today: NaiveDate) -> Option<ActApplied> {
    let until = facts.valid_until?;
    if facts.status != LicenceStatus::Valid
        || today <= until
        || facts.pending == Some(ActKind::Renewal)
    {
        return None;
    }
    let details = ActDetails {
        valid_until: Some(fmt_date(until)),
        ..Default::default()
    };
    let mut act = ActApplied::done(ActKind::Expiry, details, LicenceStatus::Expired, None);
    act.effects.push(LicenceEffect::Push(PushKind::Expiry));
    Some(act)
}

/// The revocation the bureau must decide when the supervising department found a commitment false:
/// obtained by deception, it must be revoked (Art. 69 para 2) unless that would seriously harm the
/// public interest.
pub fn propose_revocation(licence: &str, reason: &str) -> ActApplied {
    let ground = RevocationGround::Fraud;
    let details = ActDetails {
        ground: ground.code().into(),
        reason: reason.to_string(),
        ..Default::default()
    };
    let mut act = ActApplied::new(ActKind::Revocation, ActState::Proposed, None, details);
    act.reason = format!(
        "提请撤销证照{licence}（被许可人以欺骗手段取得行政许可的，应当予以撤销，《行政许可法》第六十九条第二款）：{reason}"
    );
    act
}

/// The event's reason for an act, in Chinese.
fn act_reason(kind: ActKind, state: ActState, d: &ActDetails) -> String {
    match (kind, state) {
        (ActKind::Change, ActState::Pending) => format!("申请变更：{}", d.changes),
        (ActKind::Renewal, ActState::Pending) => "申请延续有效期（《行政许可法》第五十条）".into(),
        (ActKind::Change | ActKind::Renewal, ActState::Granted) => {
            format!("准予{}：{}", kind.label(), d.decision_reason)
        }
        (ActKind::Renewal, ActState::Deemed) => d.decision_reason.clone(),
        (_, ActState::Denied) => format!("不予{}：{}", kind.label(), d.decision_reason),
        (ActKind::Revocation, ActState::Declined) => {
            format!("决定不予撤销（{}）：{}", d.ground_label, d.reason)
        }
        (ActKind::Revocation, _) => format!("撤销行政许可（{}）：{}", d.ground_label, d.reason),
        (ActKind::Cancellation, _) => format!("注销行政许可（{}）：{}", d.ground_label, d.reason),
        (ActKind::Withdrawal, _) => format!(
            "撤回行政许可（{}，公共利益：{}；补偿：{}）",
            d.ground_label, d.public_interest, d.compensation
        ),
        (ActKind::Rescission, _) => format!(
            "{}吊销行政许可证件（{}）：{}",
            d.authority, d.penalty_decision, d.reason
        ),
        (ActKind::Expiry, _) => format!(
            "证照有效期已于{}届满，未延续",
            d.valid_until.clone().unwrap_or_default()
        ),
        (k, s) => format!("{}：{}", k.label(), s.label()),
    }
}
