//! Where applications are received: service halls and their windows, township convenience centres
//! and their village agency points. Only a township government (named after its centre) can be an
//! authority; halls, windows and village points are places.

use serde::{Deserialize, Serialize};

use crate::sources::Source;

/// The kind of a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum WindowKind {
    /// 综合受理窗口
    Comprehensive,
    /// 部门进驻窗口
    Department,
    /// 统一出件窗口
    Release,
    /// 咨询导办 / 帮办代办
    Helpdesk,
}

impl WindowKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::Comprehensive => "综合受理窗口",
            Self::Department => "部门进驻窗口",
            Self::Release => "统一出件窗口",
            Self::Helpdesk => "咨询导办窗口",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Window {
    pub code: String,
    pub name: String,
    pub kind: WindowKind,
    /// For a department window, the resident department it serves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceHall {
    pub code: String,
    pub name: String,
    pub address: String,
    pub hours: String,
    pub phone: String,
    pub windows: Vec<Window>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Source>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VillagePoint {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TownshipCentre {
    pub code: String,
    /// The township (镇) name, e.g. 涧池镇.
    pub town: String,
    /// The township government's unified social credit code, when it holds powers of its own on
    /// Yiyin (own-power items are issued under its seal).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub credit_code: String,
    #[serde(default)]
    pub villages: Vec<VillagePoint>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Source>,
}

impl TownshipCentre {
    /// The place: 「涧池镇便民服务中心」.
    pub fn name(&self) -> String {
        format!("{}便民服务中心", self.town)
    }

    /// The authority: 「涧池镇人民政府」 (a township government, which can hold delegated powers
    /// and powers of its own; its convenience centre and village points are places, not
    /// authorities).
    pub fn government(&self) -> String {
        format!("{}人民政府", self.town)
    }
}

impl super::Organisation {
    /// The name of a place where applications are received (a window, a township centre or a
    /// village point) by its code in a jurisdiction; the code itself when it names none, empty for
    /// no place.
    pub fn unit_name(&self, jurisdiction: &str, unit: &str) -> String {
        if unit.is_empty() {
            return String::new();
        }
        let Some(j) = self.jurisdiction(jurisdiction) else {
            return unit.to_string();
        };
        j.halls
            .iter()
            .flat_map(|h| h.windows.iter())
            .find(|w| w.code == unit)
            .map(|w| w.name.clone())
            .or_else(|| j.township(unit).map(|t| t.name()))
            .or_else(|| {
                j.townships
                    .iter()
                    .flat_map(|t| t.villages.iter())
                    .find(|v| v.code == unit)
                    .map(|v| v.name.clone())
            })
            .unwrap_or_else(|| unit.to_string())
    }
}
