//! Bundles (一件事 / 联合办理, Art. 26, 42 para 2; `contracts.md` §2c): the items of several
//! departments applied for together, received, accepted, timed, suspended, extended and withdrawn as
//! ONE case of this engine, each member item then decided on its own, and every result handed out
//! at once (统一送达) when the last member is decided.
//!
//! A bundle is a [`Case`] under the item rules [`BundleRules::item`] derives from the bundle's
//! definition (joint handling: L = 45, P = the largest member promised limit, one extension of 15
//! approved by the government's head), so every rule of intake, suspension and extension is the
//! engine's own. This module adds only what a bundle has beyond one case: a decision per member
//! (checked by the engine's own `decide`), the bundle decided on its last member's decision day,
//! `release` once every member is decided, and each member's statutory due date
//! add(accepted_on, min(N, 45) + E + S). [`Bundle`] is serde-serialisable so that the server can
//! store it and run the same rules; this module does no I/O.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    Action, ApplicantFacts, Applied, Case, CaseState, Context, Decision, DeemedAcceptance,
    DocumentKind, Dues, Effect, EngineError, ItemRules, MaterialRule, in_order, refuse,
};
use crate::calendar::{Calendar, CalendarError, fmt_date};
use crate::text::{TextKind, check};

/// L of joint handling (联合办理): at most 45 working days (Art. 42 para 2).
pub const BUNDLE_LIMIT: u32 = 45;
/// The most member items one bundle may have.
pub const MAX_MEMBERS: usize = 50;
/// The longest member limit accepted in a definition, in working days (a guard against typing
/// errors; the bundle caps every member at [`BUNDLE_LIMIT`] anyway).
const MAX_MEMBER_DAYS: u32 = 365;

const ART26: &str = "《行政许可法》第二十六条";
const ART42_2: &str = "《行政许可法》第四十二条第二款";

/// The extension of joint handling (Art. 42 para 2): fifteen working days, once, approved by the
/// government's head. An extension asked for more days (or none) is refused naming the article.
pub const BUNDLE_EXTENSION: u32 = 15;

/// Checks the days of an extension asked for a bundle: at most [`BUNDLE_EXTENSION`].
pub fn check_extension_days(days: u32) -> Result<(), EngineError> {
    if days == 0 || days > BUNDLE_EXTENSION {
        return refuse(
            "AL-13",
            format!(
                "依据{ART42_2}，联合办理四十五日内不能办结的，经本级人民政府负责人批准可以延长十五日，不能延长{days}日"
            ),
        );
    }
    Ok(())
}

/// One member item of a bundle, with its own limits in working days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BundleMember {
    pub code: String,
    pub name: String,
    /// N: the member item's own statutory limit; within the bundle it counts as min(N, 45).
    pub statutory_days: u32,
    /// The member item's promised limit.
    pub promised_days: u32,
}

impl BundleMember {
    /// min(N, 45): the member's statutory limit inside the bundle (Art. 42 para 2).
    pub fn statutory_limit(&self) -> u32 {
        self.statutory_days.min(BUNDLE_LIMIT)
    }

    /// The member as people read it: 「B1（食品经营许可）」.
    pub fn title(&self) -> String {
        format!("{}（{}）", self.code, self.name)
    }
}

/// What a bundle is: its name, the materials of the one application, and its member items in
/// order (the `"bundle"` object of a rehearsal script).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BundleDef {
    pub name: String,
    #[serde(default)]
    pub materials: Vec<MaterialRule>,
    pub members: Vec<BundleMember>,
}

/// Why a bundle definition cannot be used: the field and what is wrong with it, in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}：{reason}")]
pub struct BundleDefError {
    /// The field at fault, e.g. `bundle.members[1].code`.
    pub field: String,
    pub reason: String,
}

fn def_error<T>(field: impl Into<String>, reason: impl Into<String>) -> Result<T, BundleDefError> {
    Err(BundleDefError {
        field: field.into(),
        reason: reason.into(),
    })
}

/// A required one-line text: not blank, and of the characters and length of `kind`.
fn required_text(
    field: &str,
    value: &str,
    kind: TextKind,
    what: &str,
) -> Result<(), BundleDefError> {
    if value.trim().is_empty() {
        return def_error(field, format!("{what}不能为空"));
    }
    check(field, value, kind).map_err(|e| BundleDefError {
        field: e.field,
        reason: e.reason,
    })
}

impl BundleDef {
    /// Checks the definition: a name; materials with distinct, non-blank codes; at least one
    /// member, with distinct codes, a name, and limits of at least one working day, the promised
    /// limit within the member's statutory limit inside the bundle, min(N, 45).
    pub fn validate(&self) -> Result<(), BundleDefError> {
        required_text("bundle.name", &self.name, TextKind::Name, "一件事名称")?;
        let mut seen: Vec<&str> = Vec::new();
        for (i, m) in self.materials.iter().enumerate() {
            let field = format!("bundle.materials[{i}]");
            required_text(
                &format!("{field}.code"),
                &m.code,
                TextKind::Short,
                "材料编码",
            )?;
            check(&format!("{field}.name"), &m.name, TextKind::Name).map_err(|e| {
                BundleDefError {
                    field: e.field,
                    reason: e.reason,
                }
            })?;
            if seen.contains(&m.code.trim()) {
                return def_error(
                    format!("{field}.code"),
                    format!("材料编码「{}」重复", m.code.trim()),
                );
            }
            seen.push(m.code.trim());
        }
        if self.members.is_empty() {
            return def_error(
                "bundle.members",
                "一件事至少应包含一个成员事项（code、name、statutory_days、promised_days）",
            );
        }
        if self.members.len() > MAX_MEMBERS {
            return def_error(
                "bundle.members",
                format!("成员事项过多：最多{MAX_MEMBERS}个"),
            );
        }
        let mut codes: Vec<&str> = Vec::new();
        for (i, m) in self.members.iter().enumerate() {
            let field = format!("bundle.members[{i}]");
            required_text(
                &format!("{field}.code"),
                &m.code,
                TextKind::Short,
                "成员事项编码",
            )?;
            required_text(
                &format!("{field}.name"),
                &m.name,
                TextKind::Name,
                "成员事项名称",
            )?;
            if codes.contains(&m.code.trim()) {
                return def_error(
                    format!("{field}.code"),
                    format!(
                        "成员事项编码「{}」重复，每个成员事项的编码应唯一",
                        m.code.trim()
                    ),
                );
            }
            codes.push(m.code.trim());
            if m.statutory_days == 0 {
                return def_error(format!("{field}.statutory_days"), "法定时限至少为1个工作日");
            }
            if m.statutory_days > MAX_MEMBER_DAYS {
                return def_error(
                    format!("{field}.statutory_days"),
                    format!("法定时限过长（最多{MAX_MEMBER_DAYS}个工作日），请核对"),
                );
            }
            if m.promised_days == 0 {
                return def_error(
                    format!("{field}.promised_days"),
                    "承诺时限至少为1个工作日（联合办理的事项不能作为即办件）",
                );
            }
            if m.promised_days > m.statutory_limit() {
                return def_error(
                    format!("{field}.promised_days"),
                    format!(
                        "承诺时限（{}个工作日）不得超过该事项在一件事中的法定时限（{}个工作日；依据{ART42_2}，联合办理不超过{BUNDLE_LIMIT}个工作日）",
                        m.promised_days,
                        m.statutory_limit()
                    ),
                );
            }
        }
        Ok(())
    }

    /// The member with this code.
    pub fn member(&self, code: &str) -> Option<&BundleMember> {
        self.members.iter().find(|m| m.code == code)
    }

    /// Every member's code, for messages: 「B1、B2、B3」.
    fn codes(&self) -> String {
        self.members
            .iter()
            .map(|m| m.code.as_str())
            .collect::<Vec<_>>()
            .join("、")
    }
}

/// A checked bundle definition with the item rules the engine runs the bundle's case under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleRules {
    def: BundleDef,
    item: ItemRules,
}

impl BundleRules {
    /// Checks the definition ([`BundleDef::validate`]) and derives the case's item rules: joint
    /// handling (L = 45, an extension of 15 approved by the government's head, Art. 42 para 2),
    /// the promised limit Pmax (the largest member promised limit), the bundle's materials.
    pub fn new(def: BundleDef) -> Result<Self, BundleDefError> {
        def.validate()?;
        let promised = def
            .members
            .iter()
            .map(|m| m.promised_days)
            .max()
            .expect("validated: at least one member");
        let item = ItemRules {
            name: def.name.trim().to_string(),
            statutory_days: BUNDLE_LIMIT,
            promised_days: promised,
            instant: false,
            joint: true,
            green_list: false,
            materials: def.materials.clone(),
            steps: vec![],
            decider: None,
            commitment_check_days: None,
            extension_days: None,
            extension_basis: String::new(),
            limit_unit: Default::default(),
            limit_basis: String::new(),
            kind: crate::catalog::ItemKind::Licensing,
        };
        Ok(BundleRules { def, item })
    }

    pub fn def(&self) -> &BundleDef {
        &self.def
    }

    /// The item rules of the bundle's one case.
    pub fn item(&self) -> &ItemRules {
        &self.item
    }

    /// The engine context of the bundle's case.
    pub fn context<'a>(
        &'a self,
        calendar: &'a Calendar,
        applicant: &'a ApplicantFacts,
    ) -> Context<'a> {
        Context {
            item: &self.item,
            calendar,
            applicant,
        }
    }
}

/// One member's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberDecision {
    pub code: String,
    pub decided_on: NaiveDate,
    pub decision: Decision,
}

/// A bundle in progress: its one case, the members decided so far, and the day every result was
/// handed out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Bundle {
    /// The one case the engine runs: decided (on the last member's decision day) once every member
    /// is decided, approved when any member is approved.
    pub case: Case,
    /// The members' decisions, in the order they were made.
    pub decisions: Vec<MemberDecision>,
    /// The day every result was handed out at once (统一出件).
    pub released_on: Option<NaiveDate>,
}

/// An action on a bundle: a member's decision, the release, or an action on the bundle's case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BundleAction {
    /// Decides one member (`member`: its code; `None` when the action did not say which).
    Decide {
        member: Option<String>,
        approve: bool,
        reason: String,
    },
    /// Hands out every result at once, once every member is decided.
    Release,
    /// Any other action, on the bundle's one case.
    Case(Action),
}

/// The fields of a bundle's own actions as a script writes them.
#[derive(Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
enum OwnAction {
    Decide {
        #[serde(default)]
        member: Option<String>,
        approve: bool,
        #[serde(default)]
        reason: String,
    },
    Release {},
}

impl From<Action> for BundleAction {
    fn from(action: Action) -> Self {
        match action {
            Action::Decide { approve, reason } => BundleAction::Decide {
                member: None,
                approve,
                reason,
            },
            other => BundleAction::Case(other),
        }
    }
}

impl BundleAction {
    /// Reads an action from its JSON form (`{"action": "decide", "member": "B1", …}`).
    pub fn from_json(raw: &Value) -> Result<Self, serde_json::Error> {
        match raw.get("action").and_then(Value::as_str) {
            Some("decide" | "release") => Ok(match serde_json::from_value(raw.clone())? {
                OwnAction::Decide {
                    member,
                    approve,
                    reason,
                } => BundleAction::Decide {
                    member,
                    approve,
                    reason,
                },
                OwnAction::Release {} => BundleAction::Release,
            }),
            _ => serde_json::from_value::<Action>(raw.clone()).map(BundleAction::from),
        }
    }

    /// The action's Chinese name.
    pub fn label(&self) -> &'static str {
        match self {
            BundleAction::Decide { .. } => super::action_label("decide"),
            BundleAction::Release => super::action_label("release"),
            BundleAction::Case(a) => a.label(),
        }
    }
}

/// The result of an applied bundle action: the new bundle and what the layers below must carry out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleApplied {
    pub bundle: Bundle,
    pub effects: Vec<Effect>,
}

impl BundleApplied {
    fn from_case(decisions: &[MemberDecision], released_on: Option<NaiveDate>, a: Applied) -> Self {
        BundleApplied {
            bundle: Bundle {
                case: a.case,
                decisions: decisions.to_vec(),
                released_on,
            },
            effects: a.effects,
        }
    }

    /// The documents the action issues, in order.
    pub fn documents(&self) -> Vec<DocumentKind> {
        super::issued(&self.effects)
    }
}

/// A member as of a date: what `contracts.md` §2c reports of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberStatus {
    pub code: String,
    pub name: String,
    /// `decided` once decided; before, `accepted` while the bundle is accepted (suspended
    /// included), else the bundle's own state (received, awaiting supplement, refused, withdrawn).
    pub state: CaseState,
    pub decision: Option<bool>,
    pub decided_on: Option<NaiveDate>,
    /// add(accepted_on, min(N, 45) + E + S), once the bundle is accepted.
    pub statutory_due: Option<NaiveDate>,
    /// How `statutory_due` was counted, in Chinese, once the bundle is accepted.
    pub explanation: Option<String>,
}

impl Bundle {
    /// Receipt of the bundle's one application with the materials provided (收件).
    pub fn receive(
        ctx: &Context,
        on: NaiveDate,
        materials: &[String],
    ) -> Result<BundleApplied, EngineError> {
        Ok(BundleApplied::from_case(
            &[],
            None,
            Case::receive(ctx, on, materials)?,
        ))
    }

    /// What the passing of time does by itself (deemed acceptance of the one case, Art. 32(4)).
    pub fn tick(&self, today: NaiveDate) -> Option<(Bundle, DeemedAcceptance)> {
        let (case, deemed) = self.case.tick(today)?;
        Some((
            Bundle {
                case,
                decisions: self.decisions.clone(),
                released_on: self.released_on,
            },
            deemed,
        ))
    }

    /// The member's decision, if made.
    pub fn decision_of(&self, code: &str) -> Option<&MemberDecision> {
        self.decisions.iter().find(|d| d.code == code)
    }

    /// The members not yet decided, in the definition's order.
    pub fn pending<'a>(&'a self, def: &'a BundleDef) -> impl Iterator<Item = &'a BundleMember> {
        def.members
            .iter()
            .filter(|m| self.decision_of(&m.code).is_none())
    }

    /// The latest date anything happened on the bundle.
    pub fn last_date(&self) -> NaiveDate {
        self.decisions
            .iter()
            .map(|d| d.decided_on)
            .chain(self.released_on)
            .fold(self.case.last_date(), NaiveDate::max)
    }

    /// Applies one action taken on date `on` (call [`Bundle::tick`] for `on` first). `ctx` is the
    /// context of `rules` ([`BundleRules::context`]).
    pub fn apply(
        &self,
        rules: &BundleRules,
        ctx: &Context,
        on: NaiveDate,
        action: &BundleAction,
    ) -> Result<BundleApplied, EngineError> {
        in_order(on, self.last_date())?;
        if let Some(released) = self.released_on {
            return refuse(
                "closed",
                format!(
                    "本件已于 {} 统一出件，一件事已办结，不能再{}",
                    fmt_date(released),
                    action.label()
                ),
            );
        }
        let case_action = match action {
            BundleAction::Decide {
                member,
                approve,
                reason,
            } => return self.decide(rules, ctx, on, member.as_deref(), *approve, reason),
            BundleAction::Release => return self.release(rules, ctx, on),
            BundleAction::Case(a) => a,
        };
        match case_action {
            Action::IssueCertificate => {
                return refuse(
                    "bundle",
                    format!(
                        "依据{ART26}，一件事统一送达办理结果：许可证件在全部成员事项作出决定后随「统一出件」一并送达，不单独制证"
                    ),
                );
            }
            Action::Extend { .. } => {
                if let Some(e) = &self.case.extension {
                    return refuse(
                        "AL-13",
                        format!(
                            "依据{ART42_2}，联合办理四十五日内不能办结的，经本级人民政府负责人批准可以延长十五日，只能延长一次；本件已于 {} 延期",
                            fmt_date(e.on)
                        ),
                    );
                }
            }
            Action::Withdraw { .. } => {
                if let Some(first) = self.decisions.first() {
                    return refuse(
                        "AL-20",
                        format!(
                            "成员事项 {}已于 {} 作出行政许可决定，一件事不能再整体撤回；如需放弃已取得的许可，请申请注销",
                            rules
                                .def
                                .member(&first.code)
                                .map_or(first.code.clone(), BundleMember::title),
                            fmt_date(first.decided_on)
                        ),
                    );
                }
            }
            _ => {}
        }
        let applied = self.case.apply(ctx, on, case_action)?;
        Ok(BundleApplied::from_case(
            &self.decisions,
            self.released_on,
            applied,
        ))
    }

    /// Decides one member. The engine's own `decide` checks it on the bundle's case (accepted, not
    /// suspended, hearing held, reasons for a denial); the case itself is decided only with the
    /// last member, on that day, approved when any member is approved.
    fn decide(
        &self,
        rules: &BundleRules,
        ctx: &Context,
        on: NaiveDate,
        member: Option<&str>,
        approve: bool,
        reason: &str,
    ) -> Result<BundleApplied, EngineError> {
        let def = &rules.def;
        let Some(code) = member.map(str::trim).filter(|c| !c.is_empty()) else {
            return refuse(
                "bundle",
                format!(
                    "依据{ART26}，一件事由各成员事项分别作出决定：请用 member 写明决定的成员事项（{}）",
                    def.codes()
                ),
            );
        };
        let Some(m) = def.member(code) else {
            return refuse(
                "bundle",
                format!(
                    "一件事「{}」中没有编码为「{code}」的成员事项（成员事项：{}）",
                    def.name.trim(),
                    def.codes()
                ),
            );
        };
        if let Some(d) = self.decision_of(code) {
            return refuse(
                "decided",
                format!(
                    "成员事项 {}已于 {} 作出决定，同一事项不能重复决定",
                    m.title(),
                    fmt_date(d.decided_on)
                ),
            );
        }
        let checked = self.case.apply(
            ctx,
            on,
            &Action::Decide {
                approve,
                reason: reason.to_string(),
            },
        )?;
        let mut decisions = self.decisions.clone();
        decisions.push(MemberDecision {
            code: m.code.clone(),
            decided_on: on,
            decision: checked.case.decision.clone().expect("decided"),
        });
        let mut bundle = Bundle {
            case: self.case.clone(),
            decisions,
            released_on: None,
        };
        if bundle.pending(def).next().is_none() {
            let summary = def
                .members
                .iter()
                .filter_map(|m| {
                    let d = bundle.decision_of(&m.code)?;
                    Some(format!(
                        "{}{}",
                        m.title(),
                        if d.decision.approved {
                            "准予行政许可"
                        } else {
                            "不予行政许可"
                        }
                    ))
                })
                .collect::<Vec<_>>()
                .join("；");
            let any_approved = bundle.decisions.iter().any(|d| d.decision.approved);
            bundle.case = self
                .case
                .apply(
                    ctx,
                    on,
                    &Action::Decide {
                        approve: any_approved,
                        reason: format!("一件事各成员事项均已作出决定：{summary}"),
                    },
                )?
                .case;
        }
        Ok(BundleApplied {
            bundle,
            effects: checked.effects,
        })
    }

    /// Hands out every result at once (Art. 26: 统一送达). Refused until every member is
    /// decided; when any member is approved, the certificates go out with it (the engine's
    /// certificate, Art. 44, with its checks).
    fn release(
        &self,
        rules: &BundleRules,
        ctx: &Context,
        on: NaiveDate,
    ) -> Result<BundleApplied, EngineError> {
        if matches!(self.case.state, CaseState::Refused | CaseState::Withdrawn) {
            return refuse(
                "closed",
                format!("本件已办结（{}），不能统一出件", self.case.state.label()),
            );
        }
        let pending: Vec<String> = self.pending(&rules.def).map(BundleMember::title).collect();
        if !pending.is_empty() {
            return refuse(
                "bundle",
                format!(
                    "依据{ART26}，一件事的办理结果统一送达；成员事项 {} 尚未作出决定，全部成员事项作出决定后方可统一出件",
                    pending.join("、")
                ),
            );
        }
        let approved = self.case.decision.as_ref().is_some_and(|d| d.approved);
        let mut out = if approved {
            BundleApplied::from_case(
                &self.decisions,
                None,
                self.case.apply(ctx, on, &Action::IssueCertificate)?,
            )
        } else {
            BundleApplied {
                bundle: self.clone(),
                effects: vec![],
            }
        };
        out.bundle.released_on = Some(on);
        Ok(out)
    }

    /// Every member as of `as_of`, in the definition's order: state, decision and statutory due
    /// date add(accepted_on, min(N, 45) + E + S), with the bundle's E and S.
    pub fn members(
        &self,
        def: &BundleDef,
        ctx: &Context,
        as_of: NaiveDate,
    ) -> Result<Vec<MemberStatus>, CalendarError> {
        let dues = self.case.dues(ctx, as_of)?;
        let undecided = match self.case.state {
            CaseState::Received
            | CaseState::AwaitingSupplement
            | CaseState::Refused
            | CaseState::Withdrawn => self.case.state,
            _ => CaseState::Accepted,
        };
        def.members
            .iter()
            .map(|m| {
                let decided = self.decision_of(&m.code);
                let (statutory_due, explanation) = match (self.case.accepted_on, &dues) {
                    (Some(accepted), Some(d)) => {
                        let due = ctx
                            .calendar
                            .add(accepted, m.statutory_limit() + d.extension + d.suspended)?;
                        (Some(due), Some(member_explanation(m, d, due)))
                    }
                    _ => (None, None),
                };
                Ok(MemberStatus {
                    code: m.code.clone(),
                    name: m.name.clone(),
                    state: if decided.is_some() {
                        CaseState::Decided
                    } else {
                        undecided
                    },
                    decision: decided.map(|d| d.decision.approved),
                    decided_on: decided.map(|d| d.decided_on),
                    statutory_due,
                    explanation,
                })
            })
            .collect()
    }
}

/// How a member's statutory due date was counted: its limit (capped at 45, Art. 42 para 2), the
/// bundle's extension and suspended days, the date.
fn member_explanation(m: &BundleMember, d: &Dues, due: NaiveDate) -> String {
    let mut parts = vec![format!("法定时限 {} 个工作日", m.statutory_days)];
    if m.statutory_days > BUNDLE_LIMIT {
        parts.push(format!(
            "联合办理不超过{BUNDLE_LIMIT}个工作日（{ART42_2}），按 {BUNDLE_LIMIT} 个工作日计"
        ));
    }
    if d.extension > 0 {
        parts.push(format!("一件事延期 {} 个工作日", d.extension));
    }
    if d.suspended > 0 {
        parts.push(format!(
            "特别程序 {} 个工作日不计入（《行政许可法》第四十五条）",
            d.suspended
        ));
    }
    format!(
        "成员事项 {}：{}，合计 {} 个工作日，自一件事受理次日起算，届满日为 {}",
        m.title(),
        parts.join("，"),
        m.statutory_limit() + d.extension + d.suspended,
        fmt_date(due)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::d;

    fn def() -> BundleDef {
        serde_json::from_value(serde_json::json!({
            "name": "开办餐馆一件事",
            "materials": [{"code": "M1", "name": "申请表"}],
            "members": [
                {"code": "B1", "name": "食品经营许可", "statutory_days": 20, "promised_days": 10},
                {"code": "B2", "name": "公共场所卫生许可", "statutory_days": 60, "promised_days": 30},
            ]
        }))
        .unwrap()
    }

    fn decide(member: &str, approve: bool) -> BundleAction {
        BundleAction::Decide {
            member: Some(member.into()),
            approve,
            reason: "审查意见".into(),
        }
    }

    #[test]
    fn definitions_are_checked_with_chinese_reasons() {
        let rules = BundleRules::new(def()).unwrap();
        assert_eq!(rules.item().promised_days, 30);
        assert_eq!(rules.item().statutory_limit(), 45);
        assert_eq!(rules.item().extension_limit(), 15);
        assert_eq!(rules.def().members[1].statutory_limit(), 45);

        let broken = |f: &dyn Fn(&mut BundleDef)| {
            let mut x = def();
            f(&mut x);
            BundleRules::new(x).unwrap_err()
        };
        let e = broken(&|x| x.members[1].code = "B1".into());
        assert_eq!(e.field, "bundle.members[1].code");
        assert!(e.reason.contains("重复"), "{e}");
        assert!(broken(&|x| x.members.clear()).reason.contains("至少"));
        assert!(
            broken(&|x| x.members[0].statutory_days = 0)
                .reason
                .contains("至少为1个工作日")
        );
        assert!(
            broken(&|x| x.members[0].promised_days = 0)
                .reason
                .contains("承诺时限")
        );
        // 50 promised days exceed the 45 of joint handling, though within the member's own 60.
        let e = broken(&|x| x.members[1].promised_days = 50);
        assert!(e.reason.contains("第四十二条第二款"), "{e}");
        assert!(
            broken(&|x| x.name = " ".into())
                .reason
                .contains("名称不能为空")
        );
        assert!(
            broken(&|x| x.members[0].name = "a\u{0}b".into())
                .reason
                .contains("控制字符")
        );
        assert!(
            broken(&|x| x.materials.push(x.materials[0].clone()))
                .reason
                .contains("重复")
        );
    }

    #[test]
    fn members_are_decided_once_and_the_bundle_with_the_last() {
        let (cal, facts) = (Calendar::builtin(), ApplicantFacts::default());
        let rules = BundleRules::new(def()).unwrap();
        let ctx = rules.context(&cal, &facts);
        let on = d("2025-03-03");
        let mut b = Bundle::receive(&ctx, on, &["M1".into()]).unwrap().bundle;
        let step = |b: &Bundle, date: &str, a: BundleAction| b.apply(&rules, &ctx, d(date), &a);
        b = step(&b, "2025-03-03", Action::Accept.into())
            .unwrap()
            .bundle;
        b = step(&b, "2025-03-10", decide("B1", true)).unwrap().bundle;
        assert_eq!(b.case.state, CaseState::Accepted);
        assert_eq!(b.case.decided_on, None);
        let again = step(&b, "2025-03-11", decide("B1", false)).unwrap_err();
        assert!(matches!(again, EngineError::Refused(r) if r.rule == "decided"));
        let early = step(&b, "2025-03-11", BundleAction::Release).unwrap_err();
        assert!(
            matches!(&early, EngineError::Refused(r) if r.message.contains("B2（公共场所卫生许可）")),
            "{early:?}"
        );
        let applied = step(&b, "2025-03-12", decide("B2", false)).unwrap();
        assert_eq!(applied.documents(), vec![DocumentKind::DenialLetter]);
        b = applied.bundle;
        assert_eq!(b.case.state, CaseState::Decided);
        assert_eq!(b.case.decided_on, Some(d("2025-03-12")));
        assert!(b.case.decision.as_ref().unwrap().approved);
        let released = step(&b, "2025-03-13", BundleAction::Release).unwrap();
        assert_eq!(released.documents(), vec![DocumentKind::Licence]);
        assert_eq!(released.bundle.released_on, Some(d("2025-03-13")));
        let members = released
            .bundle
            .members(rules.def(), &ctx, d("2025-03-13"))
            .unwrap();
        assert_eq!(
            members
                .iter()
                .map(|m| (m.decision, m.decided_on))
                .collect::<Vec<_>>(),
            vec![
                (Some(true), Some(d("2025-03-10"))),
                (Some(false), Some(d("2025-03-12")))
            ]
        );
        // The bundle survives storage as JSON.
        let stored: Bundle =
            serde_json::from_str(&serde_json::to_string(&released.bundle).unwrap()).unwrap();
        assert_eq!(stored, released.bundle);
    }
}
