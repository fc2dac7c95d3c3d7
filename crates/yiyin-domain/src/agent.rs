//! Who acts for an applicant (Art. 29: 申请人可以委托代理人提出行政许可申请): the agent
//! (经办人/代理人: name, citizen ID number, phone) and, for an organisation, its legal
//! representative (法定代表人（负责人）) — [`Representation`], kept with the case — and the rule that
//! an agent acting for an applicant needs the applicant's mandate (授权委托书)
//! ([`check_representation`]).
//! Readers who only watch a case see the agent masked ([`Representation::shown`]).

use serde::{Deserialize, Serialize};

use crate::catalog::Item;
use crate::ids::{CitizenId, mask_name, mask_phone};
use crate::party::{Applicant, SubjectId};
use crate::refusal::{Refusal, refuse};
use crate::text::{self, TextError, TextKind};

/// The rule an agent without a mandate breaks.
pub const MANDATE_RULE: &str = "AL-06-mandate";
/// The material code of a mandate the item's list does not name: a file kept under it, or the box
/// the window ticks when the paper mandate is handed in.
pub const MANDATE_MATERIAL: &str = "mandate";
/// What a mandate is called, in a material's name and on the pages.
pub const MANDATE_NAME: &str = "授权委托书";

/// The person who files the application for the applicant (经办人/代理人).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Agent {
    pub name: String,
    /// Citizen ID number (公民身份号码), checked (GB 11643).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id_number: CitizenId,
    #[serde(default)]
    pub phone: String,
}

impl Agent {
    /// An agent from what was typed; the error names its field (`agent_name`, `agent_id_number`,
    /// `agent_phone`).
    pub fn parse(
        name: &str,
        id_number: &str,
        phone: &str,
        today: chrono::NaiveDate,
    ) -> Result<Agent, TextError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(TextError {
                field: "agent_name".into(),
                reason: "经办人（代理人）姓名不能为空".into(),
            });
        }
        text::check("agent_name", name, TextKind::Name)?;
        text::check("agent_phone", phone.trim(), TextKind::Short)?;
        let id_error = |reason: String| TextError {
            field: "agent_id_number".into(),
            reason: format!("经办人（代理人）公民身份号码有误：{reason}"),
        };
        let id = CitizenId::parse(id_number).map_err(|e| id_error(e.to_string()))?;
        id.check_born_by(today)
            .map_err(|e| id_error(e.to_string()))?;
        Ok(Agent {
            name: name.to_string(),
            id_number: id,
            phone: phone.trim().to_string(),
        })
    }
}

/// Who acts for the applicant, as kept with the case.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Representation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<Agent>,
    /// An organisation's legal representative (法定代表人（负责人）); empty for a person.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub legal_representative: String,
    /// Whether the mandate was handed in (a file, the item's mandate material, or the paper one
    /// ticked at the window), as judged at receipt.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub mandate: bool,
}

/// The representation as a reader of the case is shown it: in full to those who handle the case;
/// the agent's name, ID number and phone masked for those who only watch it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RepresentationShown {
    pub agent_name: String,
    pub agent_id_number: String,
    pub agent_phone: String,
    pub legal_representative: String,
    /// Whether an agent (not the applicant itself) acts, so that a mandate was required.
    pub by_agent: bool,
    /// Whether the mandate (授权委托书) was handed in.
    pub mandate: bool,
}

impl RepresentationShown {
    pub fn is_empty(&self) -> bool {
        self.agent_name.is_empty() && self.legal_representative.is_empty()
    }
}

impl Representation {
    pub fn is_empty(&self) -> bool {
        self.agent.is_none() && self.legal_representative.is_empty()
    }

    /// Checks the legal representative's name (one line, at most 100 characters).
    pub fn check(&self) -> Result<(), TextError> {
        text::check(
            "legal_representative",
            &self.legal_representative,
            TextKind::Name,
        )
    }

    /// Whether someone other than the applicant acts for it: a person's agent who is not the person,
    /// an organisation's agent who is not its legal representative.
    pub fn by_agent(&self, applicant: &Applicant) -> bool {
        let Some(agent) = &self.agent else {
            return false;
        };
        match &applicant.id_number {
            SubjectId::Person(id) => *id != agent.id_number,
            SubjectId::Organisation(_) => agent.name != self.legal_representative.trim(),
        }
    }

    /// As shown: in full, or (`full` false) the agent's name, ID number and phone masked; the legal
    /// representative's name is public registration data of the organisation.
    pub fn shown(&self, applicant: &Applicant, full: bool) -> RepresentationShown {
        let (agent_name, agent_id_number, agent_phone) = match &self.agent {
            Some(a) if full => (
                a.name.clone(),
                a.id_number.as_str().to_string(),
                a.phone.clone(),
            ),
            Some(a) => (
                mask_name(&a.name),
                a.id_number.masked(),
                mask_phone(&a.phone),
            ),
            None => Default::default(),
        };
        RepresentationShown {
            agent_name,
            agent_id_number,
            agent_phone,
            legal_representative: self.legal_representative.clone(),
            by_agent: self.by_agent(applicant),
            mandate: self.mandate,
        }
    }
}

/// The code of the item's own material that is a mandate (its name says 授权委托书), if it lists one;
/// else the mandate is taken under [`MANDATE_MATERIAL`].
pub fn mandate_material(item: &Item) -> Option<&str> {
    item.materials
        .iter()
        .find(|m| m.name.contains(MANDATE_NAME))
        .map(|m| m.code.as_str())
}

/// Art. 29 with the bureau's intake rule: whoever acts for an applicant other than itself (a
/// person's agent, an organisation's agent who is not its legal representative — an organisation
/// acts through one or the other) needs the applicant's mandate (授权委托书), handed in at the
/// window or uploaded (`mandate`). An application naming no agent is the applicant's own (for an
/// organisation: its legal representative's, named or not).
pub fn check_representation(
    applicant: &Applicant,
    rep: &Representation,
    mandate: bool,
) -> Result<(), Refusal> {
    if rep.by_agent(applicant) && !mandate {
        return refuse(
            MANDATE_RULE,
            "经办人（代理人）代为申请的，须提交申请人签署的授权委托书（《中华人民共和国行政许可法》第二十九条：申请人可以委托代理人提出行政许可申请）：请上传授权委托书，或在窗口收取原件后勾选",
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::CreditCode;
    use crate::testing::d;

    const PERSON: &str = "11010519491231002X";
    const OTHER: &str = "610921199001011234";

    fn person() -> Applicant {
        Applicant::new(
            "王芳",
            SubjectId::Person(CitizenId::parse(PERSON).unwrap()),
            "13812345678",
            None,
        )
    }

    fn organisation() -> Applicant {
        Applicant::new(
            "汉阴县好味餐饮有限公司",
            SubjectId::Organisation(CreditCode::parse("91350100M000100Y43").unwrap()),
            "",
            None,
        )
    }

    fn agent(name: &str, id: &str) -> Option<Agent> {
        Some(Agent::parse(name, id, "13900000000", d("2026-01-01")).unwrap())
    }

    #[test]
    fn a_person_applying_in_person_needs_no_mandate() {
        let none = Representation::default();
        assert!(check_representation(&person(), &none, false).is_ok());
        // The person named as their own agent is still the applicant.
        let own = Representation {
            agent: agent("王芳", PERSON),
            ..Default::default()
        };
        assert!(!own.by_agent(&person()));
        assert!(check_representation(&person(), &own, false).is_ok());
    }

    #[test]
    fn an_agent_without_a_mandate_is_refused_naming_the_rule() {
        let rep = Representation {
            agent: agent("李强", OTHER),
            ..Default::default()
        };
        let e = check_representation(&person(), &rep, false).unwrap_err();
        assert_eq!(e.rule, MANDATE_RULE);
        assert!(e.message.contains("授权委托书"), "{}", e.message);
        assert!(e.message.contains("第二十九条"), "{}", e.message);
        assert!(check_representation(&person(), &rep, true).is_ok());
    }

    #[test]
    fn an_organisation_acts_through_its_legal_representative_or_an_agent() {
        assert!(check_representation(&organisation(), &Representation::default(), false).is_ok());
        let in_person = Representation {
            agent: None,
            legal_representative: "张伟".into(),
            ..Default::default()
        };
        assert!(check_representation(&organisation(), &in_person, false).is_ok());
        // The legal representative named as the one at the window acts in their own capacity.
        let himself = Representation {
            agent: agent("张伟", OTHER),
            legal_representative: "张伟".into(),
            ..Default::default()
        };
        assert!(check_representation(&organisation(), &himself, false).is_ok());
        let through_agent = Representation {
            agent: agent("李强", OTHER),
            legal_representative: "张伟".into(),
            ..Default::default()
        };
        assert_eq!(
            check_representation(&organisation(), &through_agent, false)
                .unwrap_err()
                .rule,
            MANDATE_RULE
        );
        assert!(check_representation(&organisation(), &through_agent, true).is_ok());
    }

    #[test]
    fn an_agent_is_parsed_with_a_checked_citizen_id() {
        let e = Agent::parse("李强", "610921199001011235", "", d("2026-01-01")).unwrap_err();
        assert_eq!(e.field, "agent_id_number");
        assert!(e.reason.contains("经办人"), "{}", e.reason);
        let e = Agent::parse(" ", OTHER, "", d("2026-01-01")).unwrap_err();
        assert_eq!(e.field, "agent_name");
        let e = Agent::parse("李\u{202E}强", OTHER, "", d("2026-01-01")).unwrap_err();
        assert_eq!(e.field, "agent_name");
    }

    #[test]
    fn watchers_see_the_agent_masked() {
        let rep = Representation {
            agent: agent("李强", OTHER),
            legal_representative: "张伟".into(),
            ..Default::default()
        };
        let masked = rep.shown(&organisation(), false);
        assert_eq!(masked.agent_name, "李*");
        assert_eq!(masked.agent_id_number, "610*************34");
        assert_eq!(masked.agent_phone, "139****0000");
        assert!(masked.by_agent);
        let full = rep.shown(&organisation(), true);
        assert_eq!(full.agent_id_number, OTHER);
    }
}
