//! The typed input of receiving an application as a request sends it — the applicant, the agent who
//! files for it, the window's Art. 32 outcome in its form words — and its parsing into the domain's
//! types, once, for the JSON API and the pages alike. Every error names its field.

use serde::Deserialize;
use yiyin_domain::agent::{Agent, Representation};
use yiyin_domain::engine::IntakeOutcome;
use yiyin_domain::party::{Applicant, SubjectId, SubjectKind};

use crate::error::{AppError, Result};

// The applicant as sent: no doc comment on the type, whose OpenAPI schema carries none.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApplicantInput {
    /// `person` or `organisation`.
    pub kind: String,
    pub name: String,
    /// Citizen ID number (person) or unified social credit code (organisation).
    pub id_number: String,
    #[serde(default)]
    pub phone: String,
}

/// The person who files the application for the applicant (经办人/代理人).
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentInput {
    pub name: String,
    /// Citizen ID number (公民身份号码), checked.
    pub id_number: String,
    #[serde(default)]
    pub phone: String,
}

impl ApplicantInput {
    /// The applicant, its identifier parsed once; errors name their field.
    pub fn parse(&self) -> Result<Applicant> {
        let kind = SubjectKind::parse(&self.kind).ok_or_else(|| {
            AppError::field(
                "kind",
                "申请人类型应为 person（自然人）或 organisation（法人和其他组织）",
            )
        })?;
        let id = SubjectId::parse(kind, &self.id_number)
            .map_err(|e| AppError::field("id_number", e.to_string()))?;
        if self.name.trim().is_empty() {
            return Err(AppError::field("name", "申请人姓名或单位名称不能为空"));
        }
        Ok(Applicant::new(&self.name, id, &self.phone, None))
    }
}

/// Who acts for the applicant, from what was sent (the API's and the intake page's): the agent's
/// citizen ID number checked; errors name their field (`agent_name`, `agent_id_number`, …).
pub fn representation_of(
    agent: Option<&AgentInput>,
    legal_representative: &str,
    today: chrono::NaiveDate,
) -> Result<Representation> {
    let agent = agent
        .map(|a| Agent::parse(&a.name, &a.id_number, &a.phone, today))
        .transpose()?;
    Ok(Representation {
        agent,
        legal_representative: legal_representative.trim().to_string(),
        mandate: false,
    })
}

/// The window's Art. 32 outcome from its form words (the API's and the intake page's).
pub fn outcome_of(
    outcome: &str,
    due: &str,
    reason: &str,
    redirect_to: &str,
) -> Result<IntakeOutcome> {
    let reason = reason.trim().to_string();
    Ok(match outcome.trim() {
        "" | "receive" => IntakeOutcome::Receive,
        "accept" => IntakeOutcome::Accept,
        "supplement" => IntakeOutcome::Supplement,
        "defer" => IntakeOutcome::Defer {
            due: yiyin_domain::calendar::parse_date(due.trim())
                .map_err(|e| AppError::field("due", e.to_string()))?,
        },
        "commitment" => IntakeOutcome::Commitment {
            commitment: "申请人书面承诺符合许可条件".into(),
        },
        "refuse" => IntakeOutcome::Refuse {
            reason,
            redirect_to: Some(redirect_to.trim().to_string()).filter(|r| !r.is_empty()),
        },
        "not_needed" => IntakeOutcome::NotNeeded { reason },
        other => {
            return Err(AppError::field(
                "outcome",
                format!(
                    "受理结果「{other}」无效，应为 receive、accept、supplement、defer、commitment、refuse 或 not_needed"
                ),
            ));
        }
    })
}
