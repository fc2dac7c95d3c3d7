//! Joint site inspection (联合踏勘) and joint final acceptance (联合验收): the bureau schedules one
//! visit, on a future working day, for every department concerned by a bundle (a project stage's
//! member cases); each department sends at least two of its own staff (real accounts holding a
//! grant in that department, assigned or drawn from a 踏勘人员库 — a draw's seed is published with
//! the schedule and the draw made afterwards, in a separate act, so that anyone can re-run it with
//! `yiyin draw --expert`); one of a department's sent staff
//! enters its opinion (合格, or 不合格 with numbered defects) on the visit date or by the next
//! working day; once every department has given its opinion the visit passes (all 合格) or fails
//! with the defects to fix, and a failed round is followed by a re-inspection (a new round linked
//! to it). A joint acceptance's record is the one 联合验收意见书 with every department's opinion.
//!
//! The rules come from the seed's plans: 汉阴 三（二） and 旬阳 三（二） (综合踏勘、联合验收),
//! 紫阳 二（四） (对踏勘验收，实行现场联合勘验). Persistence, notices and pages are the layers
//! above.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::authz::Grant;
use crate::calendar::{Calendar, fmt_date, fmt_date_cn};
use crate::notifications::{Message, NotificationKind};
use crate::pools::{self, PublishedDraw};
use crate::project::Stage;
use crate::refusal::{Refusal, refuse};

/// The plans the rules of joint visits come from, as refusals name them.
pub const PLANS: &str = "综合踏勘、联合验收机制（汉阴县、旬阳县试点方案三（二），紫阳县试点方案二（四）“对踏勘验收，实行现场联合勘验”）";

/// The fewest staff a department sends.
pub const MIN_STAFF: usize = 2;

/// Rule IDs of the refusals.
pub const RULE_DATE: &str = "JV-1";
pub const RULE_STAFF: &str = "JV-2";
pub const RULE_OPINION: &str = "JV-3";
pub const RULE_ROUND: &str = "JV-4";
pub const RULE_KIND: &str = "JV-5";

labelled_enum!(
    /// What a visit is: a joint site inspection before the decision, or the joint final
    /// acceptance of the 竣工验收 stage.
    VisitKind {
        Inspection = ("joint_inspection", "联合踏勘"),
        Acceptance = ("joint_acceptance", "联合验收"),
    }
);

labelled_enum!(
    /// A department's opinion.
    Verdict {
        Pass = ("pass", "合格"),
        Fail = ("fail", "不合格"),
    }
);

labelled_enum!(
    /// Where a visit stands.
    VisitState {
        Scheduled = ("scheduled", "待出具意见"),
        Passed = ("passed", "通过"),
        Failed = ("failed", "未通过（须整改复查）"),
    }
);

labelled_enum!(
    /// How a member of staff was sent.
    SentBy {
        Assigned = ("assigned", "指派"),
        Drawn = ("drawn", "从踏勘人员库随机抽取"),
    }
);

/// A member of staff a department sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Sent {
    pub account_id: i64,
    pub name: String,
    pub by: SentBy,
}

/// A draw from a 踏勘人员库 for a department: the pool, the seed and the members passed over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamDraw {
    pub pool_id: i64,
    pub seed: String,
    /// The pool members' ids (`E0001` …) left out for a tie with the applicant, met in the order.
    #[serde(default)]
    pub passed_over: Vec<String>,
    /// The draw as published with the schedule, before it was made: the department's eligible
    /// members of the pool, the exclusions, the count and the seed; its result once drawn. What
    /// `yiyin draw --expert` re-runs. (None on visits whose draw was made at scheduling, before
    /// seeds were published.)
    #[serde(default)]
    pub published: Option<PublishedDraw>,
}

impl TeamDraw {
    /// Whether the seed is published and the draw still to be made.
    pub fn pending(&self) -> bool {
        self.published.as_ref().is_some_and(|p| p.result.is_none())
    }

    /// How many the draw is to send (0 once made: the drawn are then among the staff).
    fn to_draw(&self) -> usize {
        match &self.published {
            Some(p) if p.result.is_none() => p.input.count,
            _ => 0,
        }
    }
}

/// A department's team at a visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Team {
    /// The department's code.
    pub department: String,
    pub department_name: String,
    pub staff: Vec<Sent>,
    #[serde(default)]
    pub draw: Option<TeamDraw>,
}

/// A department's opinion, entered by one of its sent staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Opinion {
    pub department: String,
    pub verdict: Verdict,
    /// The defects to fix, numbered in this order (none when 合格).
    #[serde(default)]
    pub defects: Vec<String>,
    pub by_account: i64,
    pub by_name: String,
    /// The day it was entered.
    pub on: NaiveDate,
}

/// A visit: its kind, date, round, the departments' teams and the opinions given so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Visit {
    pub kind: VisitKind,
    pub date: NaiveDate,
    /// 1 for the first visit, 2 for its re-inspection, …
    pub round: u32,
    pub teams: Vec<Team>,
    #[serde(default)]
    pub opinions: Vec<Opinion>,
}

/// Whether the holder of `grants` is staff of `department` in `jurisdiction`: a grant there
/// limited to that department (an observer only watches, and is not sent).
pub fn serves_department(grants: &[Grant], jurisdiction: &str, department: &str) -> bool {
    grants.iter().any(|g| {
        g.jurisdiction == jurisdiction
            && g.department.as_deref() == Some(department)
            && g.role != crate::roles::Role::Observer
    })
}

/// Whether a visit of `kind` may be held on a bundle that is `stage` of a project (or of none),
/// with `open` telling whether some member case is still undecided: a joint inspection comes
/// before the decision; a joint acceptance is the 竣工验收 stage's.
pub fn check_kind(kind: VisitKind, stage: Option<Stage>, open: bool) -> Result<(), Refusal> {
    match kind {
        VisitKind::Acceptance if stage != Some(Stage::Completion) => refuse(
            RULE_KIND,
            format!(
                "联合验收只用于工程建设项目的「{}」阶段（{PLANS}）；本一件事不是竣工验收阶段，请安排联合踏勘",
                Stage::Completion.label()
            ),
        ),
        VisitKind::Inspection if !open => refuse(
            RULE_KIND,
            format!("联合踏勘应在作出审批决定之前进行（{PLANS}）：本一件事的各事项均已办结"),
        ),
        _ => Ok(()),
    }
}

/// Whether a visit may be held on `date`, scheduled `today`: a working day after today.
pub fn check_date(cal: &Calendar, today: NaiveDate, date: NaiveDate) -> Result<(), Refusal> {
    if date <= today {
        return refuse(
            RULE_DATE,
            format!(
                "踏勘日期应为今天（{}）以后的日期，以便书面告知申请人（{PLANS}）",
                fmt_date(today)
            ),
        );
    }
    match cal.is_workday(date) {
        Ok(true) => Ok(()),
        Ok(false) => refuse(
            RULE_DATE,
            format!(
                "踏勘日期 {} 不是工作日（依工作日历），请选择工作日",
                fmt_date(date)
            ),
        ),
        Err(e) => refuse(RULE_DATE, format!("踏勘日期不能确定是否为工作日：{e}")),
    }
}

/// Whether the teams cover the departments `concerned` (codes, with their names): one team for
/// each, none for another department, each with at least [`MIN_STAFF`] different staff, nobody
/// sent by two departments.
pub fn check_teams(concerned: &[(String, String)], teams: &[Team]) -> Result<(), Refusal> {
    let mut seen = BTreeSet::new();
    for t in teams {
        let Some((_, name)) = concerned.iter().find(|(c, _)| *c == t.department) else {
            return refuse(
                RULE_STAFF,
                format!(
                    "部门「{}」不办理本一件事的事项，不参加本次联合踏勘验收",
                    t.department_name
                ),
            );
        };
        if !seen.insert(t.department.as_str()) {
            return refuse(RULE_STAFF, format!("部门「{name}」的踏勘人员只能派出一次"));
        }
        let distinct: BTreeSet<i64> = t.staff.iter().map(|s| s.account_id).collect();
        let sent = distinct.len() + t.draw.as_ref().map_or(0, TeamDraw::to_draw);
        if sent < MIN_STAFF {
            return refuse(
                RULE_STAFF,
                format!(
                    "「{name}」应派出至少 {MIN_STAFF} 名本部门工作人员参加（{PLANS}），现仅 {sent} 名"
                ),
            );
        }
    }
    if let Some((_, name)) = concerned
        .iter()
        .find(|(c, _)| !teams.iter().any(|t| t.department == *c))
    {
        return refuse(
            RULE_STAFF,
            format!("联合踏勘验收由各相关部门一次共同进行（{PLANS}）：「{name}」尚未派出踏勘人员"),
        );
    }
    let mut everyone: Vec<(i64, &str)> = Vec::new();
    for t in teams {
        for s in &t.staff {
            if everyone
                .iter()
                .any(|(a, d)| *a == s.account_id && *d != t.department)
            {
                return refuse(
                    RULE_STAFF,
                    format!("工作人员「{}」不能同时代表两个部门", s.name),
                );
            }
            everyone.push((s.account_id, t.department.as_str()));
        }
    }
    Ok(())
}

/// The last day an opinion may be entered: the working day after the visit.
pub fn opinion_deadline(cal: &Calendar, date: NaiveDate) -> Result<NaiveDate, Refusal> {
    cal.add(date, 1)
        .map_err(|e| Refusal::new(RULE_OPINION, format!("不能确定意见录入期限：{e}")))
}

/// What an opinion's entry needs to be checked against.
pub struct OpinionEntry<'a> {
    pub department: &'a str,
    pub verdict: Verdict,
    pub defects: &'a [String],
    pub account_id: i64,
    pub today: NaiveDate,
}

impl Visit {
    fn team(&self, department: &str) -> Option<&Team> {
        self.teams.iter().find(|t| t.department == department)
    }

    /// Whether a team's draw has its seed published and is still to be made.
    pub fn draws_pending(&self) -> bool {
        self.teams
            .iter()
            .any(|t| t.draw.as_ref().is_some_and(TeamDraw::pending))
    }

    /// Makes every pending draw with its published seed, on `today` (not after the visit date):
    /// the drawn members, found as staff by `staff_of` (the member's id → account id and name;
    /// None when the member can no longer be sent), join their department's team. Refused when
    /// there is nothing to draw, the date has passed, or a drawn member cannot be sent.
    pub fn make_draws(
        &mut self,
        today: NaiveDate,
        mut staff_of: impl FnMut(&str) -> Option<(i64, String)>,
    ) -> Result<(), Refusal> {
        if !self.draws_pending() {
            return refuse(
                RULE_STAFF,
                "本次踏勘人员均已抽取或指派，不能再次抽取（同一种子的抽取结果可复核，不能重抽）",
            );
        }
        if today > self.date {
            return refuse(
                RULE_STAFF,
                format!(
                    "踏勘日期 {} 已过，不能再抽取踏勘人员；请在意见录入期限过后安排复查",
                    fmt_date(self.date)
                ),
            );
        }
        for team in &mut self.teams {
            let Some(draw) = team.draw.as_mut().filter(|d| d.pending()) else {
                continue;
            };
            let Some(published) = draw.published.as_mut() else {
                continue;
            };
            let result = pools::draw(&published.input).map_err(|e| {
                Refusal::new(
                    RULE_STAFF,
                    format!("为「{}」抽取踏勘人员：{e}", team.department_name),
                )
            })?;
            for member in &result.drawn {
                let Some((account_id, name)) = staff_of(&member.id) else {
                    return refuse(
                        RULE_STAFF,
                        format!(
                            "抽中的{}（{}）已不是「{}」的在岗工作人员，不能参加；请安排复查重新公布种子",
                            member.name, member.id, team.department_name
                        ),
                    );
                };
                if !team.staff.iter().any(|s| s.account_id == account_id) {
                    team.staff.push(Sent {
                        account_id,
                        name,
                        by: SentBy::Drawn,
                    });
                }
            }
            draw.seed = result.seed.clone();
            draw.passed_over = result.passed_over.clone();
            published.result = Some(result);
        }
        Ok(())
    }

    /// Whether an account is among the staff sent.
    pub fn sends(&self, account_id: i64) -> bool {
        self.teams
            .iter()
            .any(|t| t.staff.iter().any(|s| s.account_id == account_id))
    }

    /// The departments whose staff include an account.
    pub fn departments_of(&self, account_id: i64) -> Vec<&Team> {
        self.teams
            .iter()
            .filter(|t| t.staff.iter().any(|s| s.account_id == account_id))
            .collect()
    }

    /// Checks an opinion and returns it as recorded (defects cleaned): from one of the
    /// department's sent staff, once per department, on the visit date or by the next working day;
    /// 不合格 with at least one defect, 合格 with none.
    pub fn check_opinion(
        &self,
        cal: &Calendar,
        e: &OpinionEntry<'_>,
        by_name: &str,
    ) -> Result<Opinion, Refusal> {
        let Some(team) = self.team(e.department) else {
            return refuse(RULE_OPINION, "该部门不参加本次联合踏勘验收");
        };
        if self.draws_pending() {
            return refuse(
                RULE_OPINION,
                "踏勘人员尚未按公布的随机种子抽取，抽取后才能录入意见",
            );
        }
        if !team.staff.iter().any(|s| s.account_id == e.account_id) {
            return refuse(
                RULE_OPINION,
                format!(
                    "「{}」的意见只能由该部门派出的踏勘人员录入（{PLANS}）",
                    team.department_name
                ),
            );
        }
        if self.opinions.iter().any(|o| o.department == e.department) {
            return refuse(
                RULE_OPINION,
                format!(
                    "「{}」已出具本轮意见，一个部门每轮只出具一次意见",
                    team.department_name
                ),
            );
        }
        if e.today < self.date {
            return refuse(
                RULE_OPINION,
                format!(
                    "踏勘日期为 {}，现场踏勘之前不能录入意见",
                    fmt_date(self.date)
                ),
            );
        }
        let deadline = opinion_deadline(cal, self.date)?;
        if e.today > deadline {
            return refuse(
                RULE_OPINION,
                format!(
                    "各部门意见应在现场踏勘当日或下一个工作日内录入（{PLANS}）：踏勘日期 {}，录入期限至 {} 已过",
                    fmt_date(self.date),
                    fmt_date(deadline)
                ),
            );
        }
        let defects = crate::text::listed_lines("defects", e.defects)
            .map_err(|t| Refusal::new(RULE_OPINION, t.to_string()))?;
        match (e.verdict, defects.is_empty()) {
            (Verdict::Fail, true) => {
                return refuse(RULE_OPINION, "意见为不合格的，应逐条列明需要整改的问题");
            }
            (Verdict::Pass, false) => {
                return refuse(
                    RULE_OPINION,
                    "意见为合格的，不应列出整改问题；存在问题的请出具不合格意见",
                );
            }
            _ => {}
        }
        Ok(Opinion {
            department: e.department.to_string(),
            verdict: e.verdict,
            defects,
            by_account: e.account_id,
            by_name: by_name.to_string(),
            on: e.today,
        })
    }

    /// Where the visit stands: pending until every department has given its opinion; then
    /// passed when all are 合格, failed otherwise.
    pub fn state(&self) -> VisitState {
        if self
            .teams
            .iter()
            .any(|t| !self.opinions.iter().any(|o| o.department == t.department))
        {
            VisitState::Scheduled
        } else if self.opinions.iter().all(|o| o.verdict == Verdict::Pass) {
            VisitState::Passed
        } else {
            VisitState::Failed
        }
    }

    /// The defects to fix, by department (name, defects), in the teams' order.
    pub fn defects(&self) -> Vec<(String, Vec<String>)> {
        self.teams
            .iter()
            .filter_map(|t| {
                let o = self
                    .opinions
                    .iter()
                    .find(|o| o.department == t.department)?;
                (o.verdict == Verdict::Fail).then(|| (t.department_name.clone(), o.defects.clone()))
            })
            .collect()
    }

    /// The joint record (联合踏勘记录, or for a joint acceptance the 联合验收意见书) as text:
    /// the project, the date and round, each department's staff and opinion with its numbered
    /// defects, and the conclusion.
    pub fn record_text(&self, subject: &str, number: &str) -> String {
        let title = match self.kind {
            VisitKind::Inspection => "联合踏勘记录",
            VisitKind::Acceptance => "联合验收意见书",
        };
        let mut out = format!(
            "{title}\n\n项目（一件事）：{subject}\n办件编号：{number}\n{}日期：{}（第{}轮）\n\n",
            self.kind.label(),
            fmt_date_cn(self.date),
            self.round
        );
        for (i, t) in self.teams.iter().enumerate() {
            let names: Vec<&str> = t.staff.iter().map(|s| s.name.as_str()).collect();
            out.push_str(&format!(
                "{}、{}（参加人员：{}）\n",
                i + 1,
                t.department_name,
                names.join("、")
            ));
            match self.opinions.iter().find(|o| o.department == t.department) {
                None => out.push_str("   意见：尚未出具\n"),
                Some(o) => {
                    out.push_str(&format!(
                        "   意见：{}（{} 录入，{}）\n",
                        o.verdict.label(),
                        o.by_name,
                        fmt_date(o.on)
                    ));
                    for (n, d) in o.defects.iter().enumerate() {
                        out.push_str(&format!("   问题{}：{d}\n", n + 1));
                    }
                }
            }
        }
        out.push_str(&format!(
            "\n结论：{}\n",
            match self.state() {
                VisitState::Scheduled => "各部门意见尚未全部出具。".to_string(),
                VisitState::Passed => format!("各部门意见均为合格，{}通过。", self.kind.label()),
                VisitState::Failed => format!(
                    "{}未通过。请建设单位按上列问题整改完毕后申请复查。",
                    self.kind.label()
                ),
            }
        ));
        out
    }
}

/// Whether a re-inspection may follow `previous` (whether one follows it already; today): a
/// failed round, or one whose opinion window passed without every department's opinion (a
/// department that gave none did not find the work 合格) — and only once.
pub fn check_reinspection(
    cal: &Calendar,
    previous: &Visit,
    followed: bool,
    today: NaiveDate,
) -> Result<(), Refusal> {
    if followed {
        return refuse(
            RULE_ROUND,
            format!("第{}轮已安排复查，不能重复安排", previous.round),
        );
    }
    match previous.state() {
        VisitState::Failed => Ok(()),
        VisitState::Passed => refuse(
            RULE_ROUND,
            format!(
                "第{}轮{}已通过，无需复查",
                previous.round,
                previous.kind.label()
            ),
        ),
        VisitState::Scheduled => {
            let deadline = opinion_deadline(cal, previous.date)?;
            if today > deadline {
                Ok(())
            } else {
                refuse(
                    RULE_ROUND,
                    format!(
                        "第{}轮各部门意见尚未全部出具（录入期限至 {}），只有未通过或逾期未出具全部意见的{}才安排复查（{PLANS}）",
                        previous.round,
                        fmt_date(deadline),
                        previous.kind.label()
                    ),
                )
            }
        }
    }
}

/// The written notice of the date to the applicant, opening `link` (the project's page, or the
/// bundle's).
pub fn date_notice(visit: &Visit, subject: &str, number: &str, link: &str) -> Message {
    let departments: Vec<&str> = visit
        .teams
        .iter()
        .map(|t| t.department_name.as_str())
        .collect();
    let what = if visit.round > 1 {
        format!("第{}轮{}复查", visit.round, visit.kind.label())
    } else {
        visit.kind.label().to_string()
    };
    Message {
        kind: NotificationKind::JointVisit,
        subject: format!("{what}日期通知：{subject}"),
        body: format!(
            "您申请的「{subject}」（办件编号 {number}）定于 {} 进行{what}，参加部门：{}。请届时到场配合，并备齐有关资料。",
            fmt_date_cn(visit.date),
            departments.join("、")
        ),
        sms: format!(
            "{subject}（{number}）定于{}{what}，请到场配合",
            fmt_date(visit.date)
        ),
        link: link.to_string(),
    }
}

#[cfg(test)]
mod tests;
