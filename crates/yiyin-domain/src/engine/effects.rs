//! What an applied action asks the layers below to carry out: the written documents the law requires
//! (each sealed), the push of a result to the supervising department (审管分离), and the verification
//! of a licence granted on a commitment (告知承诺). The engine decides them; the application layer
//! only does them, in order.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{Action, Case, Context};
use crate::supervision::PushKind;

/// Working days within which the supervising department verifies a commitment when the item sets
/// none (国办发〔2020〕42号 leaves the period to each item).
pub const DEFAULT_COMMITMENT_CHECK_DAYS: u32 = 20;

/// One thing an action requires beyond the new state of the case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Compose, seal and keep this written document (a licence also enters the licence register).
    Issue(DocumentKind),
    /// Tell the item's supervising department at once (审批结果推送), with what was issued before it.
    Push(PushKind),
    /// The supervising department verifies the commitment behind the licence just issued, by `due`
    /// (unknown while the calendar lacks the year: never guessed).
    OpenVerification { due: Option<NaiveDate> },
}

/// The effects that follow from an action beyond its documents: the pushes of results and the
/// commitment verification. `case` is the case after the action.
pub(super) fn consequences(case: &Case, ctx: &Context, action: &Action) -> Vec<Effect> {
    let decision = case.decision.as_ref();
    match action {
        Action::Decide { .. } | Action::AcceptOnCommitment { .. } => decision
            .map(|d| {
                Effect::Push(if d.approved {
                    PushKind::Approval
                } else {
                    PushKind::Denial
                })
            })
            .into_iter()
            .collect(),
        Action::IssueCertificate => {
            let mut out = vec![Effect::Push(PushKind::Certificate)];
            if let (Some(d), Some(on)) = (decision, case.decided_on)
                && d.on_commitment
            {
                let days = ctx
                    .item
                    .commitment_check_days
                    .unwrap_or(DEFAULT_COMMITMENT_CHECK_DAYS);
                out.push(Effect::OpenVerification {
                    due: ctx.calendar.add(on, days).ok(),
                });
            }
            out
        }
        _ => vec![],
    }
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
    /// 政务服务月报: the bureau's monthly statistics of a jurisdiction, bound to no case.
    MonthlyReport,
    /// 听证告知书: the right to ask for a hearing, to the applicant and interested parties (Art. 47)
    HearingRightNotice,
    /// 听证通知书: the hearing's time, place and presiding officer, to the parties (Art. 48 para 1
    /// (1), (3))
    HearingNotice,
    /// 听证公告: the public announcement of the hearing (Art. 46, 48 para 1 (1), (2)); personal
    /// names masked, it is published on the public page
    HearingAnnouncement,
    /// 施工图审查合格书: a project's drawing review certificate, issued in the technical review
    /// institution's name on a pass and sealed with the bureau's seal, bound to no case (composed
    /// by `crate::drawing_review`; never an effect of a case).
    DrawingCertificate,
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
            Self::MonthlyReport => "政务服务月报",
            Self::HearingRightNotice => "听证告知书",
            Self::HearingNotice => "听证通知书",
            Self::HearingAnnouncement => "听证公告",
            Self::DrawingCertificate => "施工图审查合格书",
        }
    }
}
