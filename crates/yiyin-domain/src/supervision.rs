//! Approval–supervision separation (审管分离) as rules: what the bureau pushes to the supervising
//! department and by when the department must acknowledge it (签收); how a push that failed to reach
//! a department's system is retried before it becomes a dead letter; the findings a department
//! reports back (抄告); the verification of a licence granted on a commitment (告知承诺) and the
//! credit record a false commitment leaves, which bars the applicant from notify-and-commit until it
//! is repaired (国办发〔2020〕42号).

use std::time::Duration;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, CalendarError, fmt_date};
use crate::licence::ActKind;
use crate::refusal::{Refusal, refuse, require_text};

labelled_enum!(
    /// What a push tells the supervising department.
    PushKind {
        Approval = ("approval", "准予许可决定"),
        Denial = ("denial", "不予许可决定"),
        Certificate = ("certificate", "制发证件"),
        Change = ("change", "变更"),
        Renewal = ("renewal", "延续"),
        Revocation = ("revocation", "撤销"),
        Cancellation = ("cancellation", "注销"),
        Withdrawal = ("withdrawal", "撤回"),
        Rescission = ("rescission", "吊销"),
        Expiry = ("expiry", "有效期届满"),
    }
);

impl From<ActKind> for PushKind {
    fn from(kind: ActKind) -> Self {
        match kind {
            ActKind::Change => PushKind::Change,
            ActKind::Renewal => PushKind::Renewal,
            ActKind::Revocation => PushKind::Revocation,
            ActKind::Cancellation => PushKind::Cancellation,
            ActKind::Withdrawal => PushKind::Withdrawal,
            ActKind::Rescission => PushKind::Rescission,
            ActKind::Expiry => PushKind::Expiry,
        }
    }
}

labelled_enum!(
    /// Where a push stands.
    PushStatus {
        /// In the department's inbox; its system (if any) not reached yet.
        Pending = ("pending", "待送达"),
        /// Its system answered 2xx (or it has none: the inbox is the delivery).
        Delivered = ("delivered", "已送达"),
        /// Retries exhausted: on the dead-letter list until replayed.
        Dead = ("dead", "投递失败"),
    }
);

/// Working days within which a department acknowledges a push when its jurisdiction sets none.
pub const DEFAULT_ACK_DAYS: u32 = 2;

/// The date by which a push sent on `sent_on` must be acknowledged: `days` working days after.
pub fn ack_due(cal: &Calendar, sent_on: NaiveDate, days: u32) -> Result<NaiveDate, CalendarError> {
    cal.add(sent_on, days.max(1))
}

/// Whether an unacknowledged push raises the alarm today.
pub fn ack_overdue(due: NaiveDate, today: NaiveDate, acknowledged: bool) -> bool {
    !acknowledged && today > due
}

/// How a failed delivery is retried: after `base`, doubling each time up to `cap`; after
/// `max_attempts` failures the push is a dead letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub base: Duration,
    pub cap: Duration,
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base: Duration::from_secs(30),
            cap: Duration::from_secs(6 * 3600),
            max_attempts: 12,
        }
    }
}

impl RetryPolicy {
    /// The wait before the next attempt after `failures` failed ones; None when the push is dead.
    pub fn next_delay(&self, failures: u32) -> Option<Duration> {
        if failures >= self.max_attempts {
            return None;
        }
        let factor = 1u32
            .checked_shl(failures.saturating_sub(1))
            .unwrap_or(u32::MAX);
        Some(self.base.saturating_mul(factor).min(self.cap))
    }

    /// After one more failure of something tried `attempts` times before: when to try next (epoch
    /// milliseconds from `now_ms`), or None when it is exhausted (a dead letter). Shared by every
    /// outbox (pushes, notifications).
    pub fn after_failure(&self, attempts: i64, now_ms: i64) -> Option<i64> {
        let failures = u32::try_from(attempts.saturating_add(1)).unwrap_or(u32::MAX);
        self.next_delay(failures)
            .map(|d| now_ms.saturating_add(i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 2)))
    }
}

/// A delivery error as kept with a retried message: its first 500 characters.
pub fn kept_error(error: &str) -> String {
    error.chars().take(500).collect()
}

labelled_enum!(
    /// What a supervision check found (监管结果).
    FindingKind {
        Compliant = ("compliant", "检查合格"),
        Rectification = ("rectification", "责令整改"),
        Penalty = ("penalty", "行政处罚"),
        Referral = ("referral", "移送处理"),
        Other = ("other", "其他情况"),
    }
);

impl FindingKind {
    /// Whether the finding is a problem (counted against the licensee and the item).
    pub fn adverse(self) -> bool {
        !matches!(self, FindingKind::Compliant | FindingKind::Other)
    }
}

labelled_enum!(
    /// Where the verification of a commitment stands.
    VerificationState {
        Open = ("open", "待核查"),
        Rectifying = ("rectifying", "限期整改"),
        Fulfilled = ("fulfilled", "承诺属实"),
        False = ("false", "承诺不实"),
    }
);

/// What the supervising department found when verifying a commitment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum VerificationOutcome {
    /// The conditions are met as promised.
    Fulfilled { note: String },
    /// Not yet met: rectify by a date.
    Rectify { by: NaiveDate, reason: String },
    /// The commitment was false (or not rectified): the licence is to be revoked and a credit
    /// record written.
    False { reason: String },
}

/// What a verification outcome requires beyond the task's new state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerificationEffect {
    /// A record in the applicant's credit file.
    Credit { kind: CreditKind, reason: String },
    /// The revocation the bureau must decide (Art. 69 para 2: obtained by deception).
    ProposeRevocation { reason: String },
}

/// A recorded verification outcome: the task's new state, the event's reason and what follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub state: VerificationState,
    pub reason: String,
    pub effects: Vec<VerificationEffect>,
}

/// Records an outcome on a verification task in `state`, as of `today`, by the department named
/// `department`. A false commitment writes a credit record that bars the applicant from
/// notify-and-commit, and proposes the revocation of the licence (国办发〔2020〕42号; Art. 69 para 2).
pub fn record_verification(
    state: VerificationState,
    outcome: &VerificationOutcome,
    today: NaiveDate,
    department: &str,
) -> Result<Verified, Refusal> {
    let new_state = verify_commitment(state, outcome, today)?;
    let reason = match outcome {
        VerificationOutcome::Fulfilled { note } => format!("承诺属实：{note}"),
        VerificationOutcome::Rectify { by, reason } => {
            format!("责令于{}前整改：{reason}", fmt_date(*by))
        }
        VerificationOutcome::False { reason } => format!("承诺不实：{reason}"),
    };
    let effects = if new_state == VerificationState::False {
        vec![
            VerificationEffect::Credit {
                kind: CreditKind::FalseCommitment,
                reason: reason.clone(),
            },
            VerificationEffect::ProposeRevocation {
                reason: format!("{department}核查认定{reason}"),
            },
        ]
    } else {
        vec![]
    };
    Ok(Verified {
        state: new_state,
        reason,
        effects,
    })
}

/// Records an outcome on a verification task in `state`, as of `today`; returns the new state.
pub fn verify_commitment(
    state: VerificationState,
    outcome: &VerificationOutcome,
    today: NaiveDate,
) -> Result<VerificationState, Refusal> {
    use VerificationState as S;
    if matches!(state, S::Fulfilled | S::False) {
        return refuse(
            "commitment",
            format!("该承诺核查已办结（{}），不能再次认定", state.label()),
        );
    }
    match outcome {
        VerificationOutcome::Fulfilled { .. } => Ok(S::Fulfilled),
        VerificationOutcome::Rectify { by, reason } => {
            if state == S::Rectifying {
                return refuse(
                    "commitment",
                    "已责令限期整改一次；整改期满应认定承诺属实或不实（国办发〔2020〕42号）",
                );
            }
            if reason.trim().is_empty() {
                return refuse("commitment", "责令整改须写明不符合的条件");
            }
            if *by <= today {
                return refuse("commitment", format!("整改期限{}应晚于今天", fmt_date(*by)));
            }
            Ok(S::Rectifying)
        }
        VerificationOutcome::False { reason } => {
            if reason.trim().is_empty() {
                return refuse("commitment", "认定承诺不实须写明事实和理由");
            }
            Ok(S::False)
        }
    }
}

labelled_enum!(
    /// A record in an applicant's credit file kept by the platform.
    CreditKind {
        FalseCommitment = ("false_commitment", "虚假承诺"),
        SeriousBadCredit = ("serious_bad_credit", "严重失信"),
        DeferredOverdue = ("deferred_overdue", "容缺材料逾期未补交"),
        Warning = ("warning", "警告"),
    }
);

impl CreditKind {
    /// Whether an unrepaired record of this kind bars notify-and-commit.
    pub fn bars_commitment(self) -> bool {
        matches!(
            self,
            CreditKind::FalseCommitment | CreditKind::SeriousBadCredit
        )
    }
}

/// Why the applicant may not use notify-and-commit, from their unrepaired credit records
/// (kind, what happened), if so: a phrase the engine completes as "申请人…，在信用修复前不能适用告知承诺".
pub fn commitment_barred(unrepaired: &[(CreditKind, String)]) -> Option<String> {
    let bars: Vec<String> = unrepaired
        .iter()
        .filter(|(k, _)| k.bars_commitment())
        .map(|(k, why)| format!("{}：{why}", k.label()))
        .collect();
    (!bars.is_empty()).then(|| format!("有未修复的信用记录（{}）", bars.join("；")))
}

/// A credit record is repaired (信用修复) explicitly, once, on a stated basis.
pub fn check_repair(already_repaired: bool, basis: &str) -> Result<(), Refusal> {
    if already_repaired {
        return refuse("credit", "该信用记录已经修复");
    }
    require_text(
        basis,
        "credit",
        "信用修复须写明依据（如整改完成、信用承诺、修复决定文号）",
    )
}

/// Only a dead letter is sent again by hand.
pub fn check_replay(status: PushStatus) -> Result<(), Refusal> {
    if status == PushStatus::Dead {
        Ok(())
    } else {
        refuse(
            "push",
            format!(
                "该推送当前为“{}”，只有投递失败的推送可以重新投递",
                status.label()
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::d;

    #[test]
    fn acknowledgement_is_due_in_working_days() {
        let cal = Calendar::builtin();
        // Sent on the Friday before the 2025 National Day holiday.
        assert_eq!(ack_due(&cal, d("2025-09-26"), 2).unwrap(), d("2025-09-29"));
        assert_eq!(ack_due(&cal, d("2025-09-30"), 2).unwrap(), d("2025-10-10"));
        assert!(!ack_overdue(d("2025-10-10"), d("2025-10-10"), false));
        assert!(ack_overdue(d("2025-10-10"), d("2025-10-11"), false));
        assert!(!ack_overdue(d("2025-10-10"), d("2025-10-11"), true));
    }

    #[test]
    fn retries_back_off_then_die() {
        let p = RetryPolicy::default();
        assert_eq!(p.next_delay(1), Some(Duration::from_secs(30)));
        assert_eq!(p.next_delay(2), Some(Duration::from_secs(60)));
        assert_eq!(p.next_delay(5), Some(Duration::from_secs(480)));
        assert_eq!(p.next_delay(11), Some(Duration::from_secs(6 * 3600)));
        assert_eq!(p.next_delay(12), None);
        assert_eq!(p.after_failure(0, 1_000), Some(31_000));
        assert_eq!(p.after_failure(11, 1_000), None);
    }

    #[test]
    fn verification_outcomes() {
        use VerificationState as S;
        let today = d("2026-06-15");
        let fulfilled = VerificationOutcome::Fulfilled {
            note: "现场核查符合".into(),
        };
        assert_eq!(
            verify_commitment(S::Open, &fulfilled, today),
            Ok(S::Fulfilled)
        );
        let rectify = VerificationOutcome::Rectify {
            by: d("2026-06-30"),
            reason: "消毒设施未配备".into(),
        };
        assert_eq!(
            verify_commitment(S::Open, &rectify, today),
            Ok(S::Rectifying)
        );
        let twice = verify_commitment(S::Rectifying, &rectify, today).unwrap_err();
        assert!(twice.message.contains("一次"));
        let past = VerificationOutcome::Rectify {
            by: today,
            reason: "x".into(),
        };
        assert!(verify_commitment(S::Open, &past, today).is_err());
        let false_ = VerificationOutcome::False {
            reason: "场所不存在".into(),
        };
        assert_eq!(
            verify_commitment(S::Rectifying, &false_, today),
            Ok(S::False)
        );
        assert!(verify_commitment(S::False, &fulfilled, today).is_err());
        let empty = VerificationOutcome::False { reason: " ".into() };
        assert!(verify_commitment(S::Open, &empty, today).is_err());
    }

    #[test]
    fn false_commitments_bar_until_repaired() {
        assert_eq!(commitment_barred(&[]), None);
        assert_eq!(
            commitment_barred(&[(CreditKind::DeferredOverdue, "HY2026000001".into())]),
            None
        );
        let why =
            commitment_barred(&[(CreditKind::FalseCommitment, "HY2026000002".into())]).unwrap();
        assert_eq!(why, "有未修复的信用记录（虚假承诺：HY2026000002）");
    }
}
