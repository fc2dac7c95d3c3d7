//! Construction projects by stage (工程建设项目审批, 国办发〔2019〕11号): a project (its 立项 code,
//! name, builder, location, investment type) moves through the four stages 立项用地规划许可 →
//! 工程建设许可 → 施工许可 → 竣工验收 in order. This module owns the rules: the jurisdiction's
//! scheme (each stage's bundle, its milestone items and completion rule — all, or any one —, its
//! parallel items, the target of working days, 120 by default); a stage's end derived from its
//! member cases; that a stage is received only once and only after the one before it ended
//! (parallel items never block); the working days used across the project, excluding the time of
//! supplement, of the special procedures and expert review (Art. 45) and of intermediary services,
//! against the target; and which materials an earlier stage already gave (never asked again).
//! The stages' intake, clocks and decisions are the bundles' (`crate::engine::joint`).

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, CalendarError, fmt_date};
use crate::catalog::bundle::MergedMaterial;
use crate::engine::joint::MemberOutcome;
use crate::engine::{Case, CaseState};
use crate::ids::CreditCode;
use crate::refusal::{Refusal, refuse};

/// The policy the stage rules come from.
pub const GUOBAN_2019_11: &str =
    "《国务院办公厅关于全面开展工程建设项目审批制度改革的实施意见》（国办发〔2019〕11号）";

/// The target of working days for a project's whole approval when a jurisdiction sets none.
pub const DEFAULT_TARGET_DAYS: u32 = 120;

labelled_enum!(
    /// The four stages of a construction project's approval, in order.
    Stage {
        LandPlanning = ("land_planning", "立项用地规划许可"),
        Engineering = ("engineering", "工程建设许可"),
        Construction = ("construction", "施工许可"),
        Completion = ("completion", "竣工验收"),
    }
);

impl Stage {
    /// The stage's place, 1 to 4.
    pub fn number(self) -> usize {
        Stage::ALL.iter().position(|s| *s == self).unwrap_or(0) + 1
    }

    /// The stage before this one, if any.
    pub fn previous(self) -> Option<Stage> {
        Stage::ALL.get(self.number().checked_sub(2)?).copied()
    }
}

labelled_enum!(
    /// How a project is invested in.
    InvestmentType {
        Government = ("government", "政府投资"),
        Social = ("social", "社会投资"),
    }
);

labelled_enum!(
    /// When a stage ends: when all its milestone items end, or when any one of them does.
    Completion {
        All = ("all", "全部里程碑事项办结"),
        Any = ("any", "任一里程碑事项办结"),
    }
);

/// One stage as a jurisdiction configures it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StageConfig {
    pub stage: Stage,
    /// The bundle (一件事) of the catalog the stage is received as: one form, one intake.
    pub bundle_code: String,
    /// The milestone items (codes) whose end ends the stage.
    pub milestones: Vec<String>,
    pub completion: Completion,
    /// The parallel items (并行推进, codes): they run with the stage and never block it.
    #[serde(default)]
    pub parallel: Vec<String>,
}

/// A jurisdiction's scheme of construction projects: the four stages and the target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Scheme {
    /// The target of working days for the whole approval (default 120).
    #[serde(default = "default_target")]
    pub target_days: u32,
    pub stages: Vec<StageConfig>,
}

fn default_target() -> u32 {
    DEFAULT_TARGET_DAYS
}

/// A field and what is wrong with it, in Chinese.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

fn err(field: impl Into<String>, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        message: message.into(),
    }
}

impl Scheme {
    /// Checks the scheme: a target of 1 to 365 working days; the stages in order, each at most once
    /// (a stage not configured is not received until it is); each with a bundle, at least one milestone item, and no item both milestone and parallel.
    pub fn validate(&self) -> Result<(), FieldError> {
        if !(1..=365).contains(&self.target_days) {
            return Err(err("target_days", "审批时间目标应为 1 至 365 个工作日"));
        }
        let order: Vec<usize> = self.stages.iter().map(|s| s.stage.number()).collect();
        if order.is_empty() || order.windows(2).any(|w| w[0] >= w[1]) {
            return Err(err(
                "stages",
                format!(
                    "工程建设项目审批依次分为{}四个阶段：应按顺序配置，每个阶段至多一次（尚未配置的阶段不能收件）",
                    Stage::ALL
                        .iter()
                        .map(|s| s.label())
                        .collect::<Vec<_>>()
                        .join("、")
                ),
            ));
        }
        for (i, s) in self.stages.iter().enumerate() {
            let field = format!("stages[{i}]");
            if s.bundle_code.trim().is_empty() {
                return Err(err(
                    format!("{field}.bundle_code"),
                    format!("「{}」阶段应指定一件事", s.stage.label()),
                ));
            }
            if s.milestones.is_empty() {
                return Err(err(
                    format!("{field}.milestones"),
                    format!("「{}」阶段至少应有一个里程碑事项", s.stage.label()),
                ));
            }
            if let Some(both) = s.milestones.iter().find(|m| s.parallel.contains(m)) {
                return Err(err(
                    format!("{field}.parallel"),
                    format!("事项「{both}」不能既是里程碑事项又是并行推进事项"),
                ));
            }
        }
        Ok(())
    }

    /// The configuration of a stage.
    pub fn stage(&self, stage: Stage) -> Option<&StageConfig> {
        self.stages.iter().find(|s| s.stage == stage)
    }

    /// The stage a bundle is received as, if any.
    pub fn stage_of_bundle(&self, bundle_code: &str) -> Option<Stage> {
        self.stages
            .iter()
            .find(|s| s.bundle_code == bundle_code)
            .map(|s| s.stage)
    }
}

/// A construction project as registered at the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Project {
    /// The project code of the investment project online platform (项目代码, 立项代码), e.g.
    /// `2026-610921-48-01-000123`.
    pub code: String,
    pub name: String,
    /// The builder (建设单位).
    pub builder: String,
    /// The builder's unified social credit code.
    pub builder_code: String,
    pub location: String,
    pub investment: InvestmentType,
}

/// Whether a project code has the platform's shape: `YYYY-XXXXXX-XX-XX-XXXXXX` (year, division
/// code, industry, type, serial), digits only.
pub fn valid_project_code(code: &str) -> bool {
    let parts: Vec<&str> = code.split('-').collect();
    let lens = [4, 6, 2, 2, 6];
    parts.len() == lens.len()
        && parts
            .iter()
            .zip(lens)
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_digit()))
}

impl Project {
    /// Checks the registration: a project code of the platform's shape, a name, a builder with a
    /// valid unified social credit code, a location.
    pub fn validate(&self) -> Result<(), FieldError> {
        if !valid_project_code(self.code.trim()) {
            return Err(err(
                "code",
                "项目代码应为投资项目在线审批监管平台赋予的代码，格式如 2026-610921-48-01-000123",
            ));
        }
        if self.name.trim().is_empty() {
            return Err(err("name", "项目名称不能为空"));
        }
        if self.builder.trim().is_empty() {
            return Err(err("builder", "建设单位名称不能为空"));
        }
        CreditCode::parse(self.builder_code.trim())
            .map_err(|e| err("builder_code", format!("建设单位统一社会信用代码有误：{e}")))?;
        if self.location.trim().is_empty() {
            return Err(err("location", "建设地点不能为空"));
        }
        Ok(())
    }
}

/// The end of a member case: its decision's day, or the day it closed without one.
pub fn case_end(case: &Case) -> Option<NaiveDate> {
    if !MemberOutcome::of(case).ended() {
        return None;
    }
    case.decided_on.or(case.closed_on)
}

/// The milestone members of a stage among `members` (item code, case): the configured milestones
/// the bundle has; when situations dropped every one, the members that are not parallel items.
pub fn milestone_members<'a>(
    config: &StageConfig,
    members: &'a [(String, Case)],
) -> Vec<&'a (String, Case)> {
    let chosen: Vec<&(String, Case)> = members
        .iter()
        .filter(|(code, _)| config.milestones.contains(code))
        .collect();
    if !chosen.is_empty() {
        return chosen;
    }
    members
        .iter()
        .filter(|(code, _)| !config.parallel.contains(code))
        .collect()
}

/// The day a stage ended, if it has: with `All`, when the last milestone item ended; with `Any`,
/// when the first did. Parallel items never count.
pub fn stage_end(config: &StageConfig, members: &[(String, Case)]) -> Option<NaiveDate> {
    let ends: Vec<Option<NaiveDate>> = milestone_members(config, members)
        .into_iter()
        .map(|(_, c)| case_end(c))
        .collect();
    if ends.is_empty() {
        return None;
    }
    match config.completion {
        Completion::All => ends
            .iter()
            .copied()
            .collect::<Option<Vec<_>>>()?
            .into_iter()
            .max(),
        Completion::Any => ends.into_iter().flatten().min(),
    }
}

labelled_enum!(
    /// Where a stage stands.
    StageState {
        NotStarted = ("not_started", "未开始"),
        InProgress = ("in_progress", "办理中"),
        Ended = ("ended", "已办结"),
    }
);

/// Whether the window may receive `stage` of a project whose stages stand as `ends` (for each
/// stage received: the stage and the day it ended, if it has): each stage once, and only after
/// the stage before it ended (its milestone items; parallel items never block).
pub fn check_receive(stage: Stage, ends: &[(Stage, Option<NaiveDate>)]) -> Result<(), Refusal> {
    if ends.iter().any(|(s, _)| *s == stage) {
        return refuse(
            "project_stage",
            format!(
                "本项目的「{}」阶段已经收件，一个阶段只收件一次（一张表单、一次收件，{GUOBAN_2019_11}）",
                stage.label()
            ),
        );
    }
    let Some(previous) = stage.previous() else {
        return Ok(());
    };
    match ends.iter().find(|(s, _)| *s == previous) {
        Some((_, Some(_))) => Ok(()),
        found => refuse(
            "project_stage",
            format!(
                "依据{GUOBAN_2019_11}，工程建设项目审批分为立项用地规划许可、工程建设许可、施工许可、竣工验收四个阶段，前一阶段的里程碑事项办结后方可进入下一阶段（并行推进事项不影响）：本项目「{}」阶段{}，不能受理「{}」阶段",
                previous.label(),
                if found.is_some() {
                    "尚未办结"
                } else {
                    "尚未收件"
                },
                stage.label()
            ),
        ),
    }
}

/// A period `(from, to]` of days not counted: the days after `from` up to and including `to`
/// (`None`: still running).
pub type Period = (NaiveDate, Option<NaiveDate>);

/// A milestone member's time in a stage: when it ended, and its periods outside the clock (the
/// special procedures and expert review, Art. 45; intermediary services).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MemberTime {
    pub end: Option<NaiveDate>,
    pub excluded: Vec<Period>,
}

/// A stage's time: received on `start`, ended on `end`; its supplement periods (the bundle's one
/// notice until the supplement arrived); its milestone members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageTime {
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub supplement: Vec<Period>,
    pub members: Vec<MemberTime>,
}

impl StageTime {
    /// A stage's time from its bundle's intake case and its milestone member cases (and their
    /// intermediary periods, if any), ended on `end`.
    pub fn of(
        bundle: &Case,
        end: Option<NaiveDate>,
        members: &[(&Case, Vec<Period>)],
    ) -> StageTime {
        StageTime {
            start: bundle.received_on,
            end,
            supplement: supplement_periods(bundle),
            members: members
                .iter()
                .map(|(c, intermediary)| MemberTime {
                    end: case_end(c),
                    excluded: c
                        .suspensions
                        .iter()
                        .map(|s| (s.started_on, s.ended_on))
                        .chain(intermediary.iter().copied())
                        .collect(),
                })
                .collect(),
        }
    }
}

/// The supplement periods of an intake case: from the (first) notice to the day the supplement
/// arrived (the intake window it reopened), or still running while the case awaits it.
pub fn supplement_periods(case: &Case) -> Vec<Period> {
    let Some(first) = case.notices.first() else {
        return vec![];
    };
    if case.intake.after_supplement && case.intake.opened_on >= first.on {
        vec![(first.on, Some(case.intake.opened_on))]
    } else if case.state == CaseState::AwaitingSupplement {
        vec![(first.on, None)]
    } else {
        vec![]
    }
}

fn within(day: NaiveDate, (from, to): Period, as_of: NaiveDate) -> bool {
    day > from && day <= to.unwrap_or(as_of)
}

/// A stage's working days, counted as of a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StageDays {
    /// Working days from receipt to the end (or the date).
    pub elapsed: u32,
    /// Of which awaiting the applicant's supplement.
    pub supplement: u32,
    /// Of which every open milestone item was in a special procedure, expert review or an
    /// intermediary service (Art. 45).
    pub suspended: u32,
    /// The working days used: elapsed less the two.
    pub used: u32,
}

/// The working days used by a stage as of `as_of`: the working days after its receipt up to its
/// end (or `as_of`), less the days awaiting supplement and the days on which every milestone
/// item still open was outside the clock (a special procedure, expert review, an intermediary
/// service — Art. 45). Parallel items never count.
pub fn stage_days(
    cal: &Calendar,
    t: &StageTime,
    as_of: NaiveDate,
) -> Result<StageDays, CalendarError> {
    let mut out = StageDays::default();
    for day in working_days(cal, t.start, t.end.unwrap_or(as_of).max(t.start))? {
        out.elapsed += 1;
        if t.supplement.iter().any(|p| within(day, *p, as_of)) {
            out.supplement += 1;
            continue;
        }
        let open: Vec<&MemberTime> = t
            .members
            .iter()
            .filter(|m| m.end.is_none_or(|e| e >= day))
            .collect();
        if !open.is_empty()
            && open
                .iter()
                .all(|m| m.excluded.iter().any(|p| within(day, *p, as_of)))
        {
            out.suspended += 1;
        }
    }
    out.used = out.elapsed - out.supplement - out.suspended;
    Ok(out)
}

/// The working days after `from` up to and including `to`.
fn working_days(
    cal: &Calendar,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<NaiveDate>, CalendarError> {
    let mut out = Vec::new();
    let mut day = from;
    while day < to {
        day = day.succ_opt().unwrap_or(day);
        if cal.is_workday(day)? {
            out.push(day);
        }
    }
    Ok(out)
}

/// The project's working days as of a date: per stage and in total, against the target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectDays {
    pub stages: Vec<StageDays>,
    pub used: u32,
    pub supplement: u32,
    pub suspended: u32,
    pub target: u32,
    /// Working days left to the target (0 when it is passed).
    pub left: u32,
    pub over: bool,
    /// How the total is counted, in Chinese.
    pub explanation: String,
}

/// The working days a project used across its stages as of `as_of`, against `target`.
pub fn project_days(
    cal: &Calendar,
    stages: &[StageTime],
    target: u32,
    as_of: NaiveDate,
) -> Result<ProjectDays, CalendarError> {
    let days = stages
        .iter()
        .map(|t| stage_days(cal, t, as_of))
        .collect::<Result<Vec<_>, _>>()?;
    let used = days.iter().map(|d| d.used).sum();
    let supplement = days.iter().map(|d| d.supplement).sum();
    let suspended = days.iter().map(|d| d.suspended).sum();
    Ok(ProjectDays {
        explanation: format!(
            "截至 {}，各阶段自收件次日起至阶段办结之日的工作日合计 {used} 个，目标 {target} 个工作日；不计入申请人补正材料的 {supplement} 个工作日，以及听证、检验检测、鉴定、专家评审等特别程序和中介服务的 {suspended} 个工作日（《行政许可法》第四十五条）；并行推进事项不占用阶段时间",
            fmt_date(as_of)
        ),
        stages: days,
        used,
        supplement,
        suspended,
        target,
        left: target.saturating_sub(used),
        over: used > target,
    })
}

/// The materials of a stage's merged list (codes) that an earlier stage of the project already
/// gave (`given`: their names): never asked for again within the project.
pub fn already_given(materials: &[MergedMaterial], given: &BTreeSet<String>) -> Vec<String> {
    materials
        .iter()
        .filter(|m| given.contains(m.name.trim()))
        .map(|m| m.code.clone())
        .collect()
}

#[cfg(test)]
mod tests;
