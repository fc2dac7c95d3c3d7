//! Shared data instead of copies (免提交; 《行政许可法》第三十三条: agencies share licensing
//! information): a material whose source is a department's shared data (部门共享) or Yiyin's own
//! licence register (证照库) is fetched, not asked of the applicant.
//!
//! The rules: a fetched material counts as provided for the one-time notice and for acceptance
//! ([`Case::record_fetched`] puts it among the materials in hand); a record counts only when it is
//! the applicant's and in force ([`SharedRecord::check`]); when the source cannot answer, the clerk
//! may fall back to asking the applicant, giving the reason ([`Case::fall_back`]); until then such
//! a material can neither be put in a supplement notice nor be missing at acceptance
//! ([`Case::unresolved_fetched`], enforced in `intake`).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{Case, CaseState, Context, EngineError, ItemRules, refuse, require_reason};
use crate::calendar::fmt_date;
use crate::text::{TextKind, check};

const ART33: &str = "《行政许可法》第三十三条";

/// A fetched material the clerk asks of the applicant instead, because its source could not
/// answer (共享调取不成，改由申请人提交).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Fallback {
    pub code: String,
    pub reason: String,
    pub on: NaiveDate,
}

/// A record a source answers with (the data-sharing contract's body, `docs/data-sharing.md`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SharedRecord {
    /// The holder's name (person or organisation).
    pub name: String,
    /// The holder's ID number or unified social credit code.
    pub id: String,
    /// What the record is (the kind asked for).
    pub kind: String,
    pub issued_by: String,
    #[serde(default)]
    pub valid_until: Option<NaiveDate>,
    /// The record's other contents, as the source gives them.
    #[serde(default)]
    pub fields: BTreeMap<String, serde_json::Value>,
    /// The document's number (营业执照的注册号、许可证编号).
    pub document_no: String,
}

impl SharedRecord {
    /// Whether the record may stand for the material of the applicant `holder_id` on `today`: the
    /// holder's own, in force, its texts clean. Otherwise why not, in Chinese.
    pub fn check(&self, holder_id: &str, today: NaiveDate) -> Result<(), String> {
        for (field, value, kind) in [
            ("name", &self.name, TextKind::Name),
            ("id", &self.id, TextKind::Short),
            ("kind", &self.kind, TextKind::Short),
            ("issued_by", &self.issued_by, TextKind::Name),
            ("document_no", &self.document_no, TextKind::Short),
        ] {
            check(field, value, kind).map_err(|e| format!("共享来源返回的记录{e}"))?;
        }
        if self.name.trim().is_empty() || self.document_no.trim().is_empty() {
            return Err("共享来源返回的记录缺少名称或证照编号".into());
        }
        if !self.id.trim().eq_ignore_ascii_case(holder_id.trim()) {
            return Err(
                "共享来源返回的记录不属于本申请人（证件号码或统一社会信用代码不一致）".into(),
            );
        }
        if let Some(until) = self.valid_until
            && until < today
        {
            return Err(format!(
                "共享来源返回的证照已于 {} 过期，不能作为申请材料",
                fmt_date(until)
            ));
        }
        Ok(())
    }
}

impl ItemRules {
    /// Whether the material `code` is fetched (部门共享 or 证照库), not asked of the applicant.
    pub fn is_fetched(&self, code: &str) -> bool {
        self.material(code).is_some_and(|m| m.fetched)
    }

    /// The codes of the materials fetched, not asked of the applicant.
    pub fn fetched_materials(&self) -> Vec<String> {
        self.materials
            .iter()
            .filter(|m| m.fetched)
            .map(|m| m.code.clone())
            .collect()
    }
}

impl Case {
    /// Whether the clerk fell back to asking the applicant for `code`.
    pub fn fallen_back(&self, code: &str) -> bool {
        self.fallbacks.iter().any(|f| f.code == code)
    }

    /// The required fetched materials neither in hand nor asked of the applicant instead: the
    /// one-time notice and acceptance wait for them.
    pub fn unresolved_fetched(&self, item: &ItemRules) -> Vec<String> {
        item.materials
            .iter()
            .filter(|m| m.required && m.fetched)
            .filter(|m| !self.provided.contains(&m.code) && !self.fallen_back(&m.code))
            .map(|m| m.code.clone())
            .collect()
    }

    /// A record fetched for the material `code`: it counts as provided.
    pub fn record_fetched(&mut self, ctx: &Context, code: &str) -> Result<(), EngineError> {
        if !ctx.item.is_fetched(code) {
            return refuse(
                "sharing",
                format!(
                    "{} 不是本事项标明由部门共享或证照库获取的材料",
                    ctx.item.material_name(code)
                ),
            );
        }
        if self.is_closed() {
            return refuse(
                "closed",
                format!("本件已办结（{}），不能再调取材料", self.state.label()),
            );
        }
        self.provided.insert(code.to_string());
        Ok(())
    }

    /// The clerk asks the applicant for the fetched material `code` because its source could not
    /// answer; the reason is recorded. Only before the Art. 32 outcome (the one-time notice then
    /// lists it).
    pub fn fall_back(
        &mut self,
        ctx: &Context,
        on: NaiveDate,
        code: &str,
        reason: &str,
    ) -> Result<(), EngineError> {
        if !ctx.item.is_fetched(code) {
            return refuse(
                "sharing",
                format!(
                    "{} 本来就由申请人提交，无须改由申请人提交",
                    ctx.item.material_name(code)
                ),
            );
        }
        if self.state != CaseState::Received {
            return refuse(
                "sharing",
                format!(
                    "本件已{}，只有在作出受理决定或一次性告知补正之前，才能改由申请人提交共享材料",
                    self.state.label()
                ),
            );
        }
        if self.provided.contains(code) {
            return refuse(
                "sharing",
                format!(
                    "{} 已经通过共享取得，依据{ART33}不得再要求申请人提交",
                    ctx.item.material_name(code)
                ),
            );
        }
        if self.fallen_back(code) {
            return refuse(
                "sharing",
                format!("{} 已改由申请人提交", ctx.item.material_name(code)),
            );
        }
        require_reason(
            reason,
            "sharing",
            "共享来源无法提供时改由申请人提交，须说明原因",
        )?;
        check("reason", reason, TextKind::Long).map_err(|e| {
            EngineError::Refused(crate::refusal::Refusal::new("sharing", e.to_string()))
        })?;
        self.fallbacks.push(Fallback {
            code: code.to_string(),
            reason: reason.trim().to_string(),
            on,
        });
        Ok(())
    }

    /// Refuses while a required fetched material is neither fetched nor asked of the applicant.
    pub(super) fn refuse_unresolved(&self, ctx: &Context, what: &str) -> Result<(), EngineError> {
        Self::refuse_listed(
            ctx,
            &self.unresolved_fetched(ctx.item),
            "sharing",
            |names| {
                format!(
                    "{names} 由部门共享或证照库调取（免提交），尚未取得，不能{what}；请重新调取，或在共享来源无法提供时填写原因改由申请人提交"
                )
            },
        )
    }

    /// Refuses a notice that asks the applicant for a fetched material not fallen back.
    pub(super) fn refuse_asking_fetched(
        &self,
        ctx: &Context,
        missing: &[String],
    ) -> Result<(), EngineError> {
        let asked: Vec<String> = missing
            .iter()
            .filter(|c| ctx.item.is_fetched(c) && !self.fallen_back(c))
            .cloned()
            .collect();
        Self::refuse_listed(ctx, &asked, "sharing", |names| {
            format!(
                "{names} 由部门共享或证照库调取，依据{ART33}不得要求申请人提交；共享来源无法提供的，须先填写原因改由申请人提交"
            )
        })
    }
}

#[cfg(test)]
mod tests;
