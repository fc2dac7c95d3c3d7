//! The actions on a case, by their `contracts.md` names, with the Chinese words users see; the kinds
//! of special procedure that stop the clock (Art. 45); who may approve an extension (Art. 42).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::catalog::StepKind;

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

fn verification() -> StepKind {
    StepKind::Verification
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
    /// The second verifier's confirmation of an on-site verification recorded by the first (Art. 34
    /// para 3): the step counts only once a different person confirms it.
    ConfirmVerification {
        #[serde(default = "verification")]
        kind: StepKind,
        /// The confirming verifier (the server puts the signed-in account here).
        #[serde(default)]
        staff: String,
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
    /// The applicant and interested parties are told of their right to ask for a hearing (Art. 47).
    NotifyHearingRight,
    /// The applicant or an interested party asks for a hearing, within 5 working days of the notice.
    RequestHearing {
        #[serde(default)]
        reason: String,
        /// Who asks: the applicant (default) or an interested party (利害关系人), by name.
        #[serde(default)]
        by: String,
    },
    /// The bureau opens a hearing the law requires or it deems of major public interest (Art. 46),
    /// announced publicly; the dates of a hearing on request are counted from the opening.
    OpenHearing {
        /// The basis: the provision requiring the hearing, or the public interest at stake.
        #[serde(default)]
        reason: String,
    },
    /// The hearing's date is fixed and the parties told (Art. 47: within 20 working days of the
    /// request; Art. 48: at least 7 working days ahead).
    ScheduleHearing {
        /// The hearing date.
        on: NaiveDate,
        /// The presiding officer (主持人), not the case's reviewer (Art. 48 para 1 (3)); the
        /// server takes a staff account's login and records its signature.
        #[serde(default)]
        presiding: String,
        /// Where the hearing is held.
        #[serde(default)]
        place: String,
    },
    /// A party asks the presiding officer to withdraw (回避申请, Art. 48 para 1 (3)).
    RequestRecusal {
        #[serde(default)]
        reason: String,
        /// Who asks: the applicant (default) or an interested party, by name.
        #[serde(default)]
        by: String,
    },
    /// The agency head decides a recusal: granted, naming the new presiding officer, or refused
    /// with the reason.
    DecideRecusal {
        granted: bool,
        #[serde(default)]
        presiding: String,
        #[serde(default)]
        reason: String,
    },
    /// The hearing is held, on its scheduled date; `record` is the hearing record (听证笔录), with
    /// its participants and their signatures.
    HoldHearing {
        #[serde(default)]
        record: String,
        #[serde(default)]
        participants: Vec<super::hearing::Participant>,
    },
    /// A participant signs the hearing record, or their refusal to sign is noted (Art. 48 para 1
    /// (5)).
    ConfirmHearingRecord {
        /// The participant, as named in the record.
        name: String,
        #[serde(default)]
        signed: bool,
        #[serde(default)]
        refusal: String,
    },
}

impl Action {
    /// Every action's name as in `contracts.md` (what the API accepts).
    pub const NAMES: &'static [&'static str] = &[
        "notify_supplement",
        "supplement",
        "correct",
        "accept",
        "accept_deferred",
        "accept_on_commitment",
        "refuse",
        "not_needed",
        "complete_step",
        "confirm_verification",
        "suspend",
        "resume",
        "extend",
        "decide",
        "issue_certificate",
        "withdraw",
        "notify_hearing_right",
        "request_hearing",
        "schedule_hearing",
        "hold_hearing",
        "open_hearing",
        "request_recusal",
        "decide_recusal",
        "confirm_hearing_record",
    ];

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
            Action::ConfirmVerification { .. } => "confirm_verification",
            Action::Suspend { .. } => "suspend",
            Action::Resume => "resume",
            Action::Extend { .. } => "extend",
            Action::Decide { .. } => "decide",
            Action::IssueCertificate => "issue_certificate",
            Action::Withdraw { .. } => "withdraw",
            Action::NotifyHearingRight => "notify_hearing_right",
            Action::RequestHearing { .. } => "request_hearing",
            Action::ScheduleHearing { .. } => "schedule_hearing",
            Action::HoldHearing { .. } => "hold_hearing",
            Action::OpenHearing { .. } => "open_hearing",
            Action::RequestRecusal { .. } => "request_recusal",
            Action::DecideRecusal { .. } => "decide_recusal",
            Action::ConfirmHearingRecord { .. } => "confirm_hearing_record",
        }
    }

    /// The action's Chinese name.
    pub fn label(&self) -> &'static str {
        action_label(self.name())
    }

    /// The reason, opinion or note the action carries, for the event log ("" when none).
    pub fn reason(&self) -> &str {
        match self {
            Action::Refuse { reason, .. }
            | Action::NotNeeded { reason }
            | Action::Suspend { reason, .. }
            | Action::Extend { reason, .. }
            | Action::Decide { reason, .. }
            | Action::Withdraw { reason }
            | Action::RequestHearing { reason, .. }
            | Action::OpenHearing { reason }
            | Action::RequestRecusal { reason, .. }
            | Action::DecideRecusal { reason, .. } => reason,
            Action::HoldHearing { record, .. } => record,
            Action::ConfirmHearingRecord { refusal, .. } => refusal,
            Action::CompleteStep { opinion, .. } => opinion,
            Action::Correct { note } => note,
            _ => "",
        }
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
        "drawing_certificate_accepted" => "以施工图审查合格书代替图审环节",
        "confirm_verification" => "第二名核查人员确认核查",
        "suspend" => "启动特别程序（中止计时）",
        "resume" => "特别程序结束（恢复计时）",
        "extend" => "延期",
        "decide" => "作出决定",
        "issue_certificate" => "制发证件",
        "withdraw" => "撤回申请",
        "notify_hearing_right" => "告知听证权利",
        "request_hearing" => "申请听证",
        "schedule_hearing" => "安排听证",
        "hold_hearing" => "举行听证",
        "open_hearing" => "依法组织听证",
        "request_recusal" => "申请听证主持人回避",
        "decide_recusal" => "决定听证主持人回避",
        "confirm_hearing_record" => "听证笔录签字确认",
        "release" => "统一出件",
        "reveal_identifiers" => "查看申请人完整信息",
        "fetch_shared" => "共享调取材料（免提交）",
        "material_fallback" => "共享材料改由申请人提交",
        "monitoring_read" => "电子监察查阅办件",
        "deliver_document" => "送达文书",
        "consent_delivery" => "同意电子送达",
        "notification_resend" => "重新发送通知",
        _ => "其他",
    }
}
