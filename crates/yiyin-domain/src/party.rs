//! The parties to a case: who applies — a person by citizen ID number or an organisation by unified
//! social credit code ([`SubjectId`], parsed once and carried as such) — and who acts on it, through
//! which channel ([`Actor`], as the event log records it: only the window's acts at the window); the
//! applicant as a reader is shown them ([`ApplicantShown`]: ID number and phone masked for those who
//! only watch the case).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::{CitizenId, CreditCode, IdError};
use crate::text::{self, TextError, TextKind};

labelled_enum!(
    /// An applicant's (or licensee's) kind.
    SubjectKind {
        /// 自然人 (citizen ID number)
        Person = ("person", "自然人"),
        /// 法人和其他组织 (unified social credit code)
        Organisation = ("organisation", "法人和其他组织"),
    }
);

impl SubjectKind {
    /// A party's name as anonymous visitors see it (announcements, public verification): a
    /// person's masked (王芳 → 王*), an organisation's in full — its name is public registration
    /// data.
    pub fn public_name(self, name: &str) -> String {
        match self {
            SubjectKind::Person => crate::ids::mask_name(name),
            SubjectKind::Organisation => name.to_string(),
        }
    }
}

/// The identifier of an applicant or licensee: a valid citizen ID number or credit code.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SubjectId {
    Person(CitizenId),
    Organisation(CreditCode),
}

impl SubjectId {
    /// Parses the identifier of a subject of the given kind.
    pub fn parse(kind: SubjectKind, text: &str) -> Result<Self, IdError> {
        Ok(match kind {
            SubjectKind::Person => SubjectId::Person(CitizenId::parse(text)?),
            SubjectKind::Organisation => SubjectId::Organisation(CreditCode::parse(text)?),
        })
    }

    /// Parses either kind: a citizen ID number, else a credit code (for lookups by number).
    pub fn parse_any(text: &str) -> Result<Self, IdError> {
        CitizenId::parse(text).map(SubjectId::Person).or_else(|e| {
            CreditCode::parse(text)
                .map(SubjectId::Organisation)
                .map_err(|_| e)
        })
    }

    pub fn kind(&self) -> SubjectKind {
        match self {
            SubjectId::Person(_) => SubjectKind::Person,
            SubjectId::Organisation(_) => SubjectKind::Organisation,
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            SubjectId::Person(id) => id.as_str(),
            SubjectId::Organisation(code) => code.as_str(),
        }
    }

    pub fn is_person(&self) -> bool {
        matches!(self, SubjectId::Person(_))
    }

    /// The identifier as those whose duty does not need it see it: a citizen ID number masked
    /// ([`CitizenId::masked`]), a credit code in full — it is public registration data.
    pub fn masked(&self) -> String {
        match self {
            SubjectId::Person(id) => id.masked(),
            SubjectId::Organisation(code) => code.as_str().to_string(),
        }
    }
}

impl fmt::Display for SubjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for SubjectId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for SubjectId {
    /// Either kind, told apart by its check character.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        SubjectId::parse_any(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for SubjectId {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "公民身份号码（自然人）或统一社会信用代码（法人和其他组织），18位",
            ))
            .into()
    }
}
#[cfg(feature = "openapi")]
impl utoipa::ToSchema for SubjectId {}

/// The applicant of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Applicant {
    pub kind: SubjectKind,
    pub name: String,
    /// Citizen ID number or unified social credit code.
    pub id_number: SubjectId,
    pub phone: String,
    /// The applicant's account, when applying online.
    pub account: Option<i64>,
}

/// The applicant as a reader of the case is shown them: in full to those who handle the case, with
/// the citizen ID number and the phone masked to those who only watch its handling (observers,
/// discipline supervisors — `authz::sees_identifiers`) until they open them on purpose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApplicantShown {
    pub kind: SubjectKind,
    pub name: String,
    /// Citizen ID number or unified social credit code; a citizen ID number masked
    /// (`110*************2X`) when `masked`.
    pub id_number: String,
    /// The phone, masked (`138****5678`) when `masked`.
    pub phone: String,
    pub account: Option<i64>,
    /// Whether the ID number and the phone are masked (查看完整信息 shows them, recorded).
    pub masked: bool,
}

impl Applicant {
    /// The applicant as shown: in full, or with the ID number and the phone masked.
    pub fn shown(&self, full: bool) -> ApplicantShown {
        let masked = !full;
        ApplicantShown {
            kind: self.kind,
            name: self.name.clone(),
            id_number: if masked {
                self.id_number.masked()
            } else {
                self.id_number.as_str().to_string()
            },
            phone: if masked {
                crate::ids::mask_phone(&self.phone)
            } else {
                self.phone.clone()
            },
            account: self.account,
            masked,
        }
    }

    pub fn new(name: &str, id: SubjectId, phone: &str, account: Option<i64>) -> Self {
        Applicant {
            kind: id.kind(),
            name: name.trim().to_string(),
            id_number: id,
            phone: phone.trim().to_string(),
            account,
        }
    }

    /// Checks what the applicant's fields may hold (a one-line name of at most 100 characters, a
    /// short phone number) and that a person was born by `today` (GB 11643); the error names the
    /// field (`name`, `phone`, `id_number`).
    pub fn check(&self, today: chrono::NaiveDate) -> Result<(), TextError> {
        text::check("name", &self.name, TextKind::Name)?;
        text::check("phone", &self.phone, TextKind::Short)?;
        if let SubjectId::Person(id) = &self.id_number {
            id.check_born_by(today).map_err(|e| TextError {
                field: "id_number".into(),
                reason: e.to_string(),
            })?;
        }
        Ok(())
    }
}

labelled_enum!(
    /// How an act reached the bureau.
    Channel {
        /// A hall window.
        Window = ("window", "窗口"),
        /// The bureau's (or a department's) back office: review, verification, decision and every
        /// other act not done at a window (前台受理、后台审批).
        Office = ("office", "后台办理"),
        /// The applicant online.
        Online = ("online", "网上"),
        Township = ("township", "镇便民服务中心"),
        Village = ("village", "村（社区）代办点"),
        /// The passing of time.
        System = ("system", "系统"),
        /// An administrator on the server.
        Cli = ("cli", "命令行"),
    }
);

impl Channel {
    /// Where an act took place, for staff working at `self`: the window's own acts at the window
    /// (at the hall's window when the account names none), every other act of the hall's staff in
    /// the back office — review, verification, decision are never recorded as 窗口. A township
    /// centre or a village point stays where it is.
    pub fn for_act(self, at_window: bool) -> Channel {
        match self {
            Channel::Window | Channel::Office if at_window => Channel::Window,
            Channel::Window | Channel::Office => Channel::Office,
            other => other,
        }
    }
}

/// Who acts, as the event log records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The name with the roles, e.g. 张三（窗口受理人员）.
    pub name: String,
    pub account: Option<i64>,
    pub channel: Channel,
}

impl Actor {
    /// The passing of time (sweeps).
    pub fn system() -> Self {
        Actor {
            name: "系统".into(),
            account: None,
            channel: Channel::System,
        }
    }

    /// An administrator at the server's command line.
    pub fn cli(name: &str) -> Self {
        Actor {
            name: name.to_string(),
            account: None,
            channel: Channel::Cli,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_ids_parse_by_kind_and_either_way() {
        let p = SubjectId::parse(SubjectKind::Person, "11010519491231002x").unwrap();
        assert_eq!(p.as_str(), "11010519491231002X");
        assert_eq!(p.kind(), SubjectKind::Person);
        let o = SubjectId::parse_any("91350100M000100Y43").unwrap();
        assert_eq!(o.kind(), SubjectKind::Organisation);
        assert!(SubjectId::parse(SubjectKind::Organisation, "11010519491231002X").is_err());
        let json = serde_json::to_string(&o).unwrap();
        assert_eq!(json, "\"91350100M000100Y43\"");
        assert_eq!(serde_json::from_str::<SubjectId>(&json).unwrap(), o);
    }

    #[test]
    fn watchers_see_a_persons_number_and_phone_masked() {
        let id = SubjectId::parse(SubjectKind::Person, "11010519491231002X").unwrap();
        let a = Applicant::new("王芳", id, "13812345678", None);
        let masked = a.shown(false);
        assert_eq!(masked.id_number, "110*************2X");
        assert_eq!(masked.phone, "138****5678");
        assert_eq!(masked.name, "王芳");
        assert!(masked.masked);
        let full = a.shown(true);
        assert_eq!(
            (full.id_number.as_str(), full.phone.as_str(), full.masked),
            ("11010519491231002X", "13812345678", false)
        );
        // A credit code is public registration data.
        let o = SubjectId::parse_any("91350100M000100Y43").unwrap();
        assert_eq!(o.masked(), "91350100M000100Y43");
    }

    #[test]
    fn only_the_windows_acts_are_at_the_window() {
        assert_eq!(Channel::Window.for_act(true), Channel::Window);
        assert_eq!(Channel::Window.for_act(false), Channel::Office);
        assert_eq!(Channel::Office.for_act(true), Channel::Window);
        assert_eq!(Channel::Township.for_act(false), Channel::Township);
        assert_eq!(Channel::Online.for_act(false), Channel::Online);
    }
}
