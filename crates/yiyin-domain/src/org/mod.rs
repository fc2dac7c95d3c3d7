//! The organisation: jurisdictions (安康市 and its four pilots), each with its approval bureau, its line
//! departments and how each relates to the bureau (transferred / resident / technical institution),
//! its service halls and windows, township convenience centres and village agency points.
//!
//! The four pilots' organisation, as their 2017 plans describe it, is built in (`data/org.toml`) and
//! loaded into a fresh database; it is data, edited by a system administrator, not code.
//!
//! Parts: `history` (names over time), `department`, `places` (halls, windows, township centres,
//! village points), `jurisdiction` (with its bureau), `issuer` (who issues a case's documents),
//! `check` (validation of an organisation file) and `builtin` (the pilots' data).

mod builtin;
mod check;
mod department;
#[cfg(test)]
mod fixtures;
mod history;
mod issuer;
mod jurisdiction;
mod places;

use serde::{Deserialize, Serialize};

pub use check::check_code;
pub use department::{Department, DepartmentRelation, FormerRelation, Management};
pub use history::{FormerName, name_on};
pub use issuer::{Issuer, resident_seal_name};
pub use jurisdiction::{Bureau, Jurisdiction, JurisdictionKind};
pub use places::{ServiceHall, TownshipCentre, VillagePoint, Window, WindowKind};

/// The whole organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Organisation {
    pub jurisdictions: Vec<Jurisdiction>,
}

/// Why an organisation file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("组织机构数据有误：{0}")]
pub struct OrgError(pub String);

impl Organisation {
    /// Reads an organisation file (`org.toml`) and checks it.
    pub fn from_toml(text: &str) -> Result<Self, OrgError> {
        let org: Organisation = toml::from_str(text).map_err(|e| OrgError(e.to_string()))?;
        org.check()?;
        Ok(org)
    }

    /// The jurisdiction of a code.
    pub fn jurisdiction(&self, code: &str) -> Option<&Jurisdiction> {
        self.jurisdictions.iter().find(|j| j.code == code)
    }
}
