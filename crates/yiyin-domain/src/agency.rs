//! Full agency service (全程代办, 帮办; 高新区 四(一)1、3: 全程代办服务中心, 《代办服务清单》,
//! 全程无偿代办): the agency centre's service list ([`ServiceList`]: which items and project stages
//! it carries, free of charge), the applicant's agency mandate ([`Mandate`]: 授权委托 for one named
//! agent, one project or one case, the acts it allows and its period, revocable at any time) and
//! the rules every agent's act is checked by ([`check_act`]): expired, not yet in force, revoked,
//! out of scope, another applicant's matter — each refusal in Chinese naming the rule.
//! The mandate's wording is the Art. 29 mandate's (`crate::agent::MANDATE_NAME`).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::agent::MANDATE_NAME;
use crate::calendar::fmt_date;
use crate::refusal::{Refusal, refuse};
use crate::text::{self, TextError, TextKind};

/// The rule an agent's act outside a live mandate breaks.
pub const AGENCY_RULE: &str = "agency-mandate";
/// The policy the agency service comes from.
pub const AGENCY_POLICY: &str =
    "《安康高新区政务服务代办工作暂行办法》和《安康高新区代办服务清单》（全程无偿代办）";
/// The longest period a mandate may run (one year and a day, so a yearly mandate fits).
pub const MAX_MANDATE_DAYS: i64 = 366;
/// The rated side of an agency service's rating (好差评): the agency centre.
pub const AGENCY_CENTRE: &str = "agency_centre";
/// The agency centre's name, for [`AGENCY_CENTRE`].
pub const AGENCY_CENTRE_NAME: &str = "全程代办服务中心";
/// The most lines a service list has.
pub const MAX_LIST_LINES: usize = 200;

labelled_enum!(
    /// An act an agency mandate may allow the agent.
    AgencyAct {
        /// Fill in and submit forms: answer a supplement notice (补正), deliver deferred materials.
        FillForms = ("fill_forms", "填写和提交表单"),
        /// Upload the materials' files with what is submitted.
        UploadMaterials = ("upload_materials", "上传申请材料"),
        /// Read the notices the bureau sends the applicant about the matter.
        ReceiveNotices = ("receive_notices", "接收通知"),
        /// Collect the results (证照、决定书) and confirm the pickup.
        PickUpResults = ("pick_up_results", "领取办理结果"),
    }
);

labelled_enum!(
    /// What a mandate is for.
    MandateSubject {
        Project = ("project", "工程建设项目"),
        Case = ("case", "办件"),
    }
);

labelled_enum!(
    /// A mandate's state on a day.
    MandateState {
        Pending = ("pending", "尚未生效"),
        Live = ("live", "有效"),
        Expired = ("expired", "已到期"),
        Revoked = ("revoked", "已撤销"),
    }
);

/// An agency mandate (授权委托): who gives it (the applicant's account), to whom (an agent's
/// account), for what (a project or a case), which acts, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Mandate {
    /// The applicant's account that signed it.
    pub applicant_account: i64,
    /// The agent's account.
    pub agent_account: i64,
    pub jurisdiction: String,
    pub subject: MandateSubject,
    /// The project's or the case's id.
    pub subject_id: i64,
    pub acts: Vec<AgencyAct>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// The day the applicant revoked it, if they did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_on: Option<NaiveDate>,
}

/// Why a mandate cannot be signed as asked: the field and the Chinese reason.
pub type MandateError = TextError;

fn field(name: &str, reason: impl Into<String>) -> MandateError {
    TextError {
        field: name.into(),
        reason: reason.into(),
    }
}

impl Mandate {
    /// Checks a mandate to be signed on `today`: at least one act, none twice; a period starting
    /// today or later, ending on or after its start, at most [`MAX_MANDATE_DAYS`] long.
    pub fn check_new(&self, today: NaiveDate) -> Result<(), MandateError> {
        if self.acts.is_empty() {
            return Err(field(
                "acts",
                format!("{MANDATE_NAME}须写明委托代办的事项（至少选择一项代办权限）"),
            ));
        }
        let mut seen = self.acts.clone();
        seen.sort();
        seen.dedup();
        if seen.len() != self.acts.len() {
            return Err(field("acts", "代办权限不能重复"));
        }
        if self.starts_on < today {
            return Err(field(
                "starts_on",
                format!("委托期限的起始日期不能早于今天（{}）", fmt_date(today)),
            ));
        }
        if self.ends_on < self.starts_on {
            return Err(field("ends_on", "委托期限的截止日期不能早于起始日期"));
        }
        if (self.ends_on - self.starts_on).num_days() >= MAX_MANDATE_DAYS {
            return Err(field(
                "ends_on",
                format!("委托期限最长{MAX_MANDATE_DAYS}天，期满后可重新签署"),
            ));
        }
        if self.agent_account == self.applicant_account {
            return Err(field("agent", "不能委托本人代办"));
        }
        Ok(())
    }

    /// The mandate's state on a day.
    pub fn state(&self, on: NaiveDate) -> MandateState {
        if self.revoked_on.is_some() {
            MandateState::Revoked
        } else if on < self.starts_on {
            MandateState::Pending
        } else if on > self.ends_on {
            MandateState::Expired
        } else {
            MandateState::Live
        }
    }

    /// Whether the mandate allows the act (ignoring its period).
    pub fn allows(&self, act: AgencyAct) -> bool {
        self.acts.contains(&act)
    }

    /// The acts, in Chinese, joined.
    pub fn acts_label(&self) -> String {
        self.acts
            .iter()
            .map(|a| a.label())
            .collect::<Vec<_>>()
            .join("、")
    }

    /// Revokes the mandate on a day: the applicant may at any time; revoked once.
    pub fn revoke(&self, on: NaiveDate) -> Result<Mandate, Refusal> {
        if let Some(d) = self.revoked_on {
            return refuse(
                AGENCY_RULE,
                format!("该{MANDATE_NAME}已于{}撤销，不能重复撤销", fmt_date(d)),
            );
        }
        Ok(Mandate {
            revoked_on: Some(on),
            ..self.clone()
        })
    }
}

/// The matter an agent wants to act on: the applicant's account that owns it, and whether the
/// mandate's subject covers it (the case itself; for a project, any case of its stages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Matter {
    /// Whether the matter belongs to the mandate's applicant.
    pub applicant_matches: bool,
    /// Whether the matter is the mandate's project or case (or a case of its project).
    pub covered: bool,
}

/// Whether the agent `agent_account` may do `act` on the matter under the mandate on `on`, or the
/// refusal naming the rule: another agent's mandate, another applicant's matter, a matter the
/// mandate is not for, revoked, not yet in force, expired, an act out of scope.
pub fn check_act(
    mandate: &Mandate,
    agent_account: i64,
    act: AgencyAct,
    matter: Matter,
    on: NaiveDate,
) -> Result<(), Refusal> {
    if mandate.agent_account != agent_account {
        return refuse(
            AGENCY_RULE,
            format!("该{MANDATE_NAME}不是委托给您的，您不能据此代办"),
        );
    }
    if !matter.applicant_matches {
        return refuse(
            AGENCY_RULE,
            format!(
                "不能代办其他申请人的事项：{MANDATE_NAME}只授权代办委托人本人的事项（《中华人民共和国行政许可法》第二十九条）"
            ),
        );
    }
    if !matter.covered {
        return refuse(
            AGENCY_RULE,
            format!(
                "超出委托范围：该{MANDATE_NAME}只授权代办所载明的{}，不包括本事项",
                mandate.subject.label()
            ),
        );
    }
    match mandate.state(on) {
        MandateState::Revoked => {
            return refuse(
                AGENCY_RULE,
                format!(
                    "委托已撤销：申请人已于{}撤销{MANDATE_NAME}，代办员不能再代为办理",
                    mandate.revoked_on.map(fmt_date).unwrap_or_default()
                ),
            );
        }
        MandateState::Pending => {
            return refuse(
                AGENCY_RULE,
                format!(
                    "委托尚未生效：{MANDATE_NAME}的委托期限自{}起",
                    fmt_date(mandate.starts_on)
                ),
            );
        }
        MandateState::Expired => {
            return refuse(
                AGENCY_RULE,
                format!(
                    "委托已到期：{MANDATE_NAME}的委托期限已于{}届满，请申请人重新签署",
                    fmt_date(mandate.ends_on)
                ),
            );
        }
        MandateState::Live => {}
    }
    if !mandate.allows(act) {
        return refuse(
            AGENCY_RULE,
            format!(
                "超出委托权限：{MANDATE_NAME}未授权「{}」（授权的代办事项：{}）",
                act.label(),
                mandate.acts_label()
            ),
        );
    }
    Ok(())
}

/// One line of the agency centre's service list: an item of the catalog or a stage of the
/// construction projects, and what the centre does for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceLine {
    /// The item's or the stage's name as published (e.g. 「施工许可」).
    pub name: String,
    /// What the centre does (e.g. 「全程代办：填表、送件、领证」); may be empty.
    #[serde(default)]
    pub service: String,
}

/// The agency centre's service list (代办服务清单): what it carries, free of charge.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceList {
    /// The centre's name (e.g. 「汉阴县全程代办服务中心」).
    pub centre: String,
    /// Where and how to reach it (address, phone), as published.
    #[serde(default)]
    pub contact: String,
    pub lines: Vec<ServiceLine>,
}

impl ServiceList {
    /// Checks the list: the centre named, at least one line, each named once, every text within
    /// its kind. No fee is ever listed: the service is free (全程无偿代办).
    pub fn check(&self) -> Result<(), TextError> {
        if self.centre.trim().is_empty() {
            return Err(field("centre", "请填写代办服务中心的名称"));
        }
        text::check("centre", self.centre.trim(), TextKind::Name)?;
        text::check("contact", self.contact.trim(), TextKind::Short)?;
        if self.lines.is_empty() {
            return Err(field("lines", "代办服务清单至少应有一项代办事项"));
        }
        if self.lines.len() > MAX_LIST_LINES {
            return Err(field(
                "lines",
                format!("代办服务清单最多{MAX_LIST_LINES}项"),
            ));
        }
        let mut names = std::collections::BTreeSet::new();
        for (i, l) in self.lines.iter().enumerate() {
            let name = l.name.trim();
            if name.is_empty() {
                return Err(field(&format!("lines[{i}].name"), "代办事项名称不能为空"));
            }
            text::check(&format!("lines[{i}].name"), name, TextKind::Short)?;
            text::check(
                &format!("lines[{i}].service"),
                l.service.trim(),
                TextKind::Short,
            )?;
            if !names.insert(name.to_string()) {
                return Err(field(
                    &format!("lines[{i}].name"),
                    format!("代办事项「{name}」重复"),
                ));
            }
        }
        Ok(())
    }

    /// The list as kept: texts trimmed.
    pub fn trimmed(&self) -> ServiceList {
        ServiceList {
            centre: self.centre.trim().into(),
            contact: self.contact.trim().into(),
            lines: self
                .lines
                .iter()
                .map(|l| ServiceLine {
                    name: l.name.trim().into(),
                    service: l.service.trim().into(),
                })
                .collect(),
        }
    }
}

/// How an agent's act is recorded: 「代办员 X 代 申请人 Y」.
pub fn acting_name(agent: &str, applicant: &str) -> String {
    format!("代办员 {agent} 代 申请人 {applicant}")
}

#[cfg(test)]
mod tests;
