//! Satisfaction ratings (好差评, 国办发〔2019〕51号; `legal-rules.md` Part 1 and Part 4): the five
//! levels and which are bad, the indicator options of good and bad ratings, the channels (一事一评
//! online after the result, 一次一评 at the window, by SMS link), what a rating may say, the
//! per-jurisdiction deadlines of the bad-rating loop, and that loop itself — the rectification task
//! (差评整改) — as a pure state machine whose dues are counted on the working-day calendar:
//!
//! - a bad rating opens a task with `rectify_due` = add(rated_on, rectify_days) and, for a named
//!   rater, `contact_due` = add(rated_on, contact_days);
//! - a named rater is contacted (核实) before the rectification; the rectification takes one
//!   outcome (立行立改 / 限期整改 / 解释说明) with its text;
//! - a named rating's task closes only by the callback (回访) recording the rater's view; an
//!   anonymous one closes with its rectification;
//! - the rated side may appeal (申诉复核) once while the task is open; the rating administrator
//!   decides it; an upheld appeal takes the rating out of the rates and closes the task, the rating
//!   itself is never deleted or changed.
//!
//! This module does no I/O; the application layer stores the [`Task`] and runs these rules.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, CalendarError};
use crate::refusal::{Refusal, refuse};

/// The policy every refusal of this module names.
pub const POLICY: &str = "国办发〔2019〕51号";
/// The most characters a rating's comment may have.
pub const COMMENT_MAX: usize = 500;
/// The most indicators one rating may tick.
pub const INDICATORS_MAX: usize = 8;

labelled_enum!(
    /// The five levels of a rating (评价等级); the last two are bad ratings (差评).
    Level {
        VerySatisfied = ("very_satisfied", "非常满意"),
        Satisfied = ("satisfied", "满意"),
        Basic = ("basic", "基本满意"),
        Dissatisfied = ("dissatisfied", "不满意"),
        VeryDissatisfied = ("very_dissatisfied", "非常不满意"),
    }
);

impl Level {
    /// Whether the level is a bad rating (差评): 不满意 and 非常不满意.
    pub fn is_bad(self) -> bool {
        matches!(self, Level::Dissatisfied | Level::VeryDissatisfied)
    }

    /// The indicators a rating of this level may tick: good ones for a good rating, bad ones for a
    /// bad rating.
    pub fn indicators(self) -> Vec<Indicator> {
        Indicator::ALL
            .iter()
            .copied()
            .filter(|i| i.is_bad() == self.is_bad())
            .collect()
    }
}

labelled_enum!(
    /// The indicator options (评价指标) a rater ticks: why a rating is good or bad.
    Indicator {
        /// 好评: the staff were courteous.
        AttitudeGood = ("attitude_good", "服务态度好"),
        /// 好评: handled quickly.
        Efficient = ("efficient", "办事效率高"),
        /// 好评: everything needed was told at once.
        ToldAtOnce = ("told_at_once", "一次性告知"),
        /// 好评: the procedure is simple.
        SimpleProcedure = ("simple_procedure", "办事流程简便"),
        /// 好评: handled in one trip or none.
        OneTrip = ("one_trip", "最多跑一次"),
        /// 好评: the hall and its facilities are convenient.
        GoodFacilities = ("good_facilities", "环境设施便利"),
        /// 差评: had to come many times.
        ManyTrips = ("many_trips", "多次跑"),
        /// 差评: the missing materials were not told at once.
        NotToldAtOnce = ("not_told_at_once", "不一次性告知"),
        /// 差评: the staff were rude.
        AttitudeBad = ("attitude_bad", "态度差"),
        /// 差评: finished after the promised limit.
        Overdue = ("overdue", "超时办结"),
        /// 差评: the procedure is cumbersome.
        Cumbersome = ("cumbersome", "流程繁琐"),
        /// 差评: the same materials were asked for again.
        RepeatedMaterials = ("repeated_materials", "材料重复提交"),
        /// 差评: fees or favours asked beyond the rules.
        Irregular = ("irregular", "乱收费或吃拿卡要"),
    }
);

impl Indicator {
    /// Whether the indicator belongs to bad ratings.
    pub fn is_bad(self) -> bool {
        matches!(
            self,
            Indicator::ManyTrips
                | Indicator::NotToldAtOnce
                | Indicator::AttitudeBad
                | Indicator::Overdue
                | Indicator::Cumbersome
                | Indicator::RepeatedMaterials
                | Indicator::Irregular
        )
    }
}

labelled_enum!(
    /// How a rating was given.
    RatingChannel {
        /// 一事一评: the applicant rates the matter online once its result is out.
        Online = ("online", "网上评价（一事一评）"),
        /// 一次一评: the applicant rates the visit on the window's tablet.
        Window = ("window", "窗口评价（一次一评）"),
        /// By the link of an SMS sent after the visit.
        Sms = ("sms", "短信评价"),
    }
);

labelled_enum!(
    /// What a rating rates (评价对象): a case (办件) or a requests-centre ticket (诉求工单). Both
    /// run the same rules and the same bad-rating loop; only what is rated and who answers for it
    /// differ.
    Subject {
        /// A case, rated by its applicant (online after the result) or at a visit.
        Case = ("case", "办件"),
        /// A ticket of the requests centre (12345), rated online by its caller once closed.
        Ticket = ("ticket", "诉求工单"),
        /// The agency service (全程代办) under a mandate, rated online by the applicant who
        /// signed it (`crate::agency`).
        Agency = ("agency", "代办服务"),
    }
);

/// The rated side of a ticket answered at intake by the centre itself (直接答复): no department
/// handled it, the requests centre did.
pub const REQUESTS_CENTRE: &str = "requests_centre";
/// The requests centre's name, for [`REQUESTS_CENTRE`].
pub const REQUESTS_CENTRE_NAME: &str = "民生和企业诉求服务中心";

impl Subject {
    /// The channels a subject may be rated by: a ticket only online (一事一评, by its caller); a
    /// case online and at its visits.
    pub fn channels(self) -> &'static [RatingChannel] {
        match self {
            Subject::Case => RatingChannel::ALL,
            Subject::Ticket | Subject::Agency => &[RatingChannel::Online],
        }
    }
}

/// Whether a ticket may be rated now (一事一评 after the loop is closed, 国办发〔2019〕51号): only a
/// closed ticket (已办结, after the callback) is; a merged duplicate (已并单) is rated through its
/// master. Returns the rated side: the department that handled the ticket, or
/// [`REQUESTS_CENTRE`] for a ticket the centre answered at intake.
pub fn ticket_rated_side(
    state: crate::tickets::TicketState,
    department: Option<&str>,
) -> Result<String, Refusal> {
    use crate::tickets::TicketState;
    match state {
        TicketState::Closed => {}
        TicketState::Merged => {
            return refuse(
                POLICY,
                format!("该工单已并入其他工单（已并单），请对主工单进行“一事一评”（{POLICY}）"),
            );
        }
        other => {
            return refuse(
                POLICY,
                format!(
                    "工单尚未办结（当前状态：{}）：诉求工单的“一事一评”在回访办结后进行（{POLICY}）",
                    other.label()
                ),
            );
        }
    }
    Ok(department
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .unwrap_or(REQUESTS_CENTRE)
        .to_string())
}

/// A rating as given, before it is kept: the level, the indicators ticked and the comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Given {
    pub level: Level,
    pub indicators: Vec<Indicator>,
    pub comment: String,
}

impl Given {
    /// Checks a rating: indicators of its own kind (good for a good rating, bad for a bad one), at
    /// least one for a bad rating (what the rectification answers to), none twice, and a comment
    /// within [`COMMENT_MAX`] characters. Returns it with the comment trimmed.
    pub fn check(level: Level, indicators: &[Indicator], comment: &str) -> Result<Given, Refusal> {
        let comment = comment.trim();
        if comment.chars().count() > COMMENT_MAX {
            return refuse(POLICY, format!("评价内容过长：最多{COMMENT_MAX}个字符"));
        }
        let mut picked: Vec<Indicator> = Vec::new();
        for i in indicators {
            if i.is_bad() != level.is_bad() {
                return refuse(
                    POLICY,
                    format!(
                        "评价指标「{}」与评价等级「{}」不符：{}只能选择{}指标（{POLICY}）",
                        i.label(),
                        level.label(),
                        if level.is_bad() { "差评" } else { "好评" },
                        if level.is_bad() { "差评" } else { "好评" },
                    ),
                );
            }
            if !picked.contains(i) {
                picked.push(*i);
            }
        }
        if picked.len() > INDICATORS_MAX {
            return refuse(POLICY, format!("评价指标最多选择{INDICATORS_MAX}项"));
        }
        if level.is_bad() && picked.is_empty() {
            return refuse(
                POLICY,
                format!(
                    "差评须至少选择一项差评指标（如{}），以便核实整改（{POLICY}）",
                    Level::Dissatisfied
                        .indicators()
                        .iter()
                        .take(3)
                        .map(|i| i.label())
                        .collect::<Vec<_>>()
                        .join("、")
                ),
            );
        }
        Ok(Given {
            level,
            indicators: picked,
            comment: comment.to_string(),
        })
    }
}

/// The deadlines of the bad-rating loop in a jurisdiction, in working days (`legal-rules.md`
/// Part 4; each jurisdiction may change them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Settings {
    /// A named bad rating's rater is contacted within this many working days (default 1).
    pub contact_days: u32,
    /// A bad rating is rectified within this many working days (default 15).
    pub rectify_days: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            contact_days: 1,
            rectify_days: 15,
        }
    }
}

impl Settings {
    /// The most working days either deadline may be set to.
    pub const MAX_DAYS: u32 = 60;

    /// Checks the settings: each at least one working day and at most [`Self::MAX_DAYS`], the
    /// contact no later than the rectification.
    pub fn check(self) -> Result<Settings, Refusal> {
        for (name, days) in [
            ("联系时限", self.contact_days),
            ("整改时限", self.rectify_days),
        ] {
            if days == 0 || days > Self::MAX_DAYS {
                return refuse(
                    "一印规则（差评时限）",
                    format!("{name}应为1至{}个工作日", Self::MAX_DAYS),
                );
            }
        }
        if self.contact_days > self.rectify_days {
            return refuse(
                "一印规则（差评时限）",
                "联系时限不能长于整改时限：须先联系评价人核实，再在整改时限内完成整改",
            );
        }
        Ok(self)
    }
}

labelled_enum!(
    /// What a rectification did (整改方式).
    Outcome {
        /// Put right at once.
        Immediate = ("immediate", "立行立改"),
        /// Put right within a limit.
        WithinLimit = ("within_limit", "限期整改"),
        /// Explained: the rated work was right.
        Explained = ("explained", "解释说明"),
    }
);

labelled_enum!(
    /// What the rater said at the callback (回访).
    RaterView {
        Satisfied = ("satisfied", "满意"),
        Basic = ("basic", "基本满意"),
        Dissatisfied = ("dissatisfied", "不满意"),
    }
);

labelled_enum!(
    /// Where a rectification task stands.
    TaskState {
        /// 待整改: opened by the bad rating.
        Open = ("open", "待整改"),
        /// 申诉复核中: the rated side appealed; the rating administrator decides.
        Appealed = ("appealed", "申诉复核中"),
        /// 待回访: rectified; a named rater is still to be called back.
        AwaitingCallback = ("awaiting_callback", "待回访"),
        /// 已办结: rectified (and, for a named rater, called back).
        Closed = ("closed", "已办结"),
        /// 申诉成立: the appeal was upheld; the rating no longer counts in the rates.
        Excluded = ("excluded", "申诉成立（不计入）"),
    }
);

impl TaskState {
    /// Whether nothing more is done on the task.
    pub fn is_finished(self) -> bool {
        matches!(self, TaskState::Closed | TaskState::Excluded)
    }
}

/// An appeal (申诉复核) of a bad rating by the rated side, and its decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Appeal {
    pub filed_on: NaiveDate,
    pub reason: String,
    /// The state the task was in when appealed, to return to when the appeal is rejected.
    pub from: TaskState,
    /// `Some(true)`: upheld; `Some(false)`: rejected; `None`: pending.
    pub upheld: Option<bool>,
    pub decided_on: Option<NaiveDate>,
    pub decision_reason: Option<String>,
}

/// The rectification task of a bad rating (差评整改).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Task {
    pub state: TaskState,
    /// Whether the rater left a name and phone to be contacted (实名).
    pub named: bool,
    pub rated_on: NaiveDate,
    /// add(rated_on, contact_days), for a named rater only.
    pub contact_due: Option<NaiveDate>,
    /// add(rated_on, rectify_days).
    pub rectify_due: NaiveDate,
    pub contacted_on: Option<NaiveDate>,
    pub contact_note: Option<String>,
    pub rectified_on: Option<NaiveDate>,
    pub outcome: Option<Outcome>,
    pub rectification: Option<String>,
    pub callback_on: Option<NaiveDate>,
    pub callback_view: Option<RaterView>,
    pub callback_note: Option<String>,
    pub appeal: Option<Appeal>,
    pub closed_on: Option<NaiveDate>,
}

/// What is done on a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum TaskAction {
    /// The named rater was contacted to verify the complaint (核实).
    Contact { note: String },
    /// Rectified, explained or to be put right within a limit, with what was done.
    Rectify { outcome: Outcome, text: String },
    /// The rater called back (回访), with their view.
    Callback { view: RaterView, note: String },
    /// The rated side appeals the rating (申诉复核).
    Appeal { reason: String },
    /// The rating administrator decides the appeal.
    DecideAppeal { uphold: bool, reason: String },
}

impl TaskAction {
    /// The stable name of the action (its event).
    pub fn name(&self) -> &'static str {
        match self {
            TaskAction::Contact { .. } => "contact",
            TaskAction::Rectify { .. } => "rectify",
            TaskAction::Callback { .. } => "callback",
            TaskAction::Appeal { .. } => "appeal",
            TaskAction::DecideAppeal { .. } => "decide_appeal",
        }
    }

    /// The action's Chinese name.
    pub fn label(&self) -> &'static str {
        match self {
            TaskAction::Contact { .. } => "联系核实",
            TaskAction::Rectify { .. } => "整改",
            TaskAction::Callback { .. } => "回访",
            TaskAction::Appeal { .. } => "申诉",
            TaskAction::DecideAppeal { .. } => "申诉复核",
        }
    }

    /// Whether the action is the rating administrator's (the decision of an appeal) rather than
    /// the rated side's.
    pub fn is_administrators(&self) -> bool {
        matches!(self, TaskAction::DecideAppeal { .. })
    }
}

/// A text the action requires.
fn required(text: &str, what: &str) -> Result<String, Refusal> {
    let t = text.trim();
    if t.is_empty() {
        refuse(POLICY, format!("请填写{what}"))
    } else {
        Ok(t.to_string())
    }
}

impl Task {
    /// The task a bad rating given on `rated_on` opens, its dues counted on the working-day
    /// calendar with the jurisdiction's settings; `None` for a good rating.
    pub fn open(
        level: Level,
        named: bool,
        rated_on: NaiveDate,
        settings: Settings,
        calendar: &Calendar,
    ) -> Result<Option<Task>, CalendarError> {
        if !level.is_bad() {
            return Ok(None);
        }
        let contact_due = if named {
            Some(calendar.add(rated_on, settings.contact_days)?)
        } else {
            None
        };
        Ok(Some(Task {
            state: TaskState::Open,
            named,
            rated_on,
            contact_due,
            rectify_due: calendar.add(rated_on, settings.rectify_days)?,
            contacted_on: None,
            contact_note: None,
            rectified_on: None,
            outcome: None,
            rectification: None,
            callback_on: None,
            callback_view: None,
            callback_note: None,
            appeal: None,
            closed_on: None,
        }))
    }

    /// Whether the named rater is still to be contacted after the contact due date, on `today`.
    pub fn contact_overdue(&self, today: NaiveDate) -> bool {
        self.contacted_on.is_none()
            && !self.state.is_finished()
            && self.contact_due.is_some_and(|due| today > due)
    }

    /// Whether the rectification is still to be done after its due date, on `today`.
    pub fn rectify_overdue(&self, today: NaiveDate) -> bool {
        self.rectified_on.is_none() && !self.state.is_finished() && today > self.rectify_due
    }

    /// Whether the rectification was (or is being) late: done after the due date, or not done
    /// and past it on `today`.
    pub fn late(&self, today: NaiveDate) -> bool {
        match self.rectified_on {
            Some(on) => on > self.rectify_due,
            None => self.rectify_overdue(today),
        }
    }

    /// The actions the rules allow now (names of [`TaskAction::name`]), for the forms offered.
    pub fn allowed(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        match self.state {
            TaskState::Open => {
                if self.named && self.contacted_on.is_none() {
                    out.push("contact");
                } else {
                    out.push("rectify");
                }
                if self.appeal.is_none() {
                    out.push("appeal");
                }
            }
            TaskState::AwaitingCallback => {
                out.push("callback");
                if self.appeal.is_none() {
                    out.push("appeal");
                }
            }
            TaskState::Appealed => out.push("decide_appeal"),
            TaskState::Closed | TaskState::Excluded => {}
        }
        out
    }

    /// Applies one action on `on`: the new task, or the refusal naming the rule.
    pub fn apply(&self, on: NaiveDate, action: &TaskAction) -> Result<Task, Refusal> {
        let mut t = self.clone();
        if self.state.is_finished() {
            return refuse(
                POLICY,
                format!(
                    "该差评整改状态为“{}”，不能再{}",
                    self.state.label(),
                    action.label()
                ),
            );
        }
        if self.state == TaskState::Appealed && !action.is_administrators() {
            return refuse(
                POLICY,
                format!("该差评正在申诉复核中，复核决定作出前不能{}", action.label()),
            );
        }
        match action {
            TaskAction::Contact { note } => {
                if !self.named {
                    return refuse(
                        POLICY,
                        "匿名评价没有留下联系方式，无需也无法联系评价人；请直接整改",
                    );
                }
                if self.contacted_on.is_some() {
                    return refuse(POLICY, "已联系过评价人，不能重复登记");
                }
                t.contacted_on = Some(on);
                t.contact_note = Some(required(note, "联系核实情况")?);
            }
            TaskAction::Rectify { outcome, text } => {
                if self.state != TaskState::Open {
                    return refuse(POLICY, "该差评已整改，不能重复整改");
                }
                if self.named && self.contacted_on.is_none() {
                    return refuse(
                        POLICY,
                        format!(
                            "实名差评须先联系评价人核实情况（{POLICY}：实名差评{}前联系），再整改",
                            self.contact_due
                                .map(crate::calendar::fmt_date)
                                .unwrap_or_default()
                        ),
                    );
                }
                t.outcome = Some(*outcome);
                t.rectification = Some(required(text, "整改情况或解释说明")?);
                t.rectified_on = Some(on);
                if self.named {
                    t.state = TaskState::AwaitingCallback;
                } else {
                    t.state = TaskState::Closed;
                    t.closed_on = Some(on);
                }
            }
            TaskAction::Callback { view, note } => {
                if !self.named {
                    return refuse(POLICY, "匿名评价无法回访评价人");
                }
                if self.state != TaskState::AwaitingCallback {
                    return refuse(POLICY, "整改完成后才能回访评价人：请先登记整改情况");
                }
                t.callback_on = Some(on);
                t.callback_view = Some(*view);
                t.callback_note = Some(note.trim().to_string());
                t.state = TaskState::Closed;
                t.closed_on = Some(on);
            }
            TaskAction::Appeal { reason } => {
                if self.appeal.is_some() {
                    return refuse(POLICY, "每条差评只能申诉一次");
                }
                t.appeal = Some(Appeal {
                    filed_on: on,
                    reason: required(reason, "申诉理由")?,
                    from: self.state,
                    upheld: None,
                    decided_on: None,
                    decision_reason: None,
                });
                t.state = TaskState::Appealed;
            }
            TaskAction::DecideAppeal { uphold, reason } => {
                let Some(appeal) = t.appeal.as_mut().filter(|a| a.upheld.is_none()) else {
                    return refuse(POLICY, "该差评没有待复核的申诉");
                };
                appeal.upheld = Some(*uphold);
                appeal.decided_on = Some(on);
                appeal.decision_reason = Some(required(reason, "复核意见")?);
                if *uphold {
                    t.state = TaskState::Excluded;
                    t.closed_on = Some(on);
                } else {
                    t.state = appeal.from;
                }
            }
        }
        Ok(t)
    }
}

/// 好评率 and 差评整改率 of a set of ratings, from their counts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rates {
    /// Every rating counted (those of an upheld appeal left out).
    pub total: i64,
    /// Of them, good ratings (非常满意, 满意, 基本满意).
    pub good: i64,
    /// Of them, bad ratings.
    pub bad: i64,
    /// Of the bad ones, those whose rectification is finished (closed).
    pub rectified: i64,
    /// good / total, `None` without ratings.
    pub good_rate: Option<f64>,
    /// rectified / bad, `None` without bad ratings.
    pub rectify_rate: Option<f64>,
}

impl Rates {
    /// The rates of these counts.
    pub fn of(good: i64, bad: i64, rectified: i64) -> Rates {
        let ratio = |a: i64, b: i64| (b > 0).then(|| a as f64 / b as f64);
        Rates {
            total: good + bad,
            good,
            bad,
            rectified,
            good_rate: ratio(good, good + bad),
            rectify_rate: ratio(rectified, bad),
        }
    }

    /// A rate as people read it: 「96.5%」, or 「—」 when there is nothing to count.
    pub fn percent(rate: Option<f64>) -> String {
        match rate {
            Some(r) => format!("{:.1}%", r * 100.0),
            None => "—".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::d;

    fn bad_task(named: bool, on: &str) -> Task {
        Task::open(
            Level::Dissatisfied,
            named,
            d(on),
            Settings::default(),
            &Calendar::builtin(),
        )
        .unwrap()
        .expect("a bad rating opens a task")
    }

    #[test]
    fn dues_are_working_days_and_skip_the_national_day_holiday() {
        // Rated on Tuesday 2025-09-30, the eve of 国庆节、中秋节 (1–8 October off, Saturday
        // 11 October worked): contact by Thursday 9 October, rectify by 28 October.
        let t = bad_task(true, "2025-09-30");
        assert_eq!(t.contact_due, Some(d("2025-10-09")));
        assert_eq!(t.rectify_due, d("2025-10-28"));
        assert_eq!(t.state, TaskState::Open);
        // Anonymous: no contact due.
        let anon = bad_task(false, "2025-09-30");
        assert_eq!(anon.contact_due, None);
        assert_eq!(anon.rectify_due, d("2025-10-28"));
        // A Friday rating: contact on Monday.
        assert_eq!(
            bad_task(true, "2025-03-07").contact_due,
            Some(d("2025-03-10"))
        );
        // The jurisdiction's own settings.
        let s = Settings {
            contact_days: 2,
            rectify_days: 5,
        };
        let t = Task::open(
            Level::VeryDissatisfied,
            true,
            d("2025-09-30"),
            s,
            &Calendar::builtin(),
        )
        .unwrap()
        .unwrap();
        assert_eq!(t.contact_due, Some(d("2025-10-10")));
        // 9 and 10 October, Saturday 11 October (worked), 13 and 14 October.
        assert_eq!(t.rectify_due, d("2025-10-14"));
        // Good ratings open nothing.
        assert!(
            Task::open(Level::Basic, true, d("2025-09-30"), s, &Calendar::builtin())
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn overdue_is_after_the_due_date_until_done() {
        let t = bad_task(true, "2025-09-30");
        assert!(!t.contact_overdue(d("2025-10-09")));
        assert!(t.contact_overdue(d("2025-10-10")));
        assert!(!t.rectify_overdue(d("2025-10-28")));
        assert!(t.rectify_overdue(d("2025-10-29")));
        let contacted = t
            .apply(
                d("2025-10-09"),
                &TaskAction::Contact {
                    note: "已电话联系".into(),
                },
            )
            .unwrap();
        assert!(!contacted.contact_overdue(d("2025-12-01")));
    }

    #[test]
    fn a_named_rating_closes_only_by_the_callback() {
        let t = bad_task(true, "2025-03-03");
        let rectify = TaskAction::Rectify {
            outcome: Outcome::Immediate,
            text: "已调整窗口排班".into(),
        };
        let r = t.apply(d("2025-03-04"), &rectify).unwrap_err();
        assert!(r.message.contains("先联系评价人"), "{}", r.message);
        let callback = TaskAction::Callback {
            view: RaterView::Satisfied,
            note: String::new(),
        };
        assert!(t.apply(d("2025-03-04"), &callback).is_err());
        let t = t
            .apply(
                d("2025-03-04"),
                &TaskAction::Contact {
                    note: "已电话核实".into(),
                },
            )
            .unwrap();
        assert_eq!(t.allowed(), vec!["rectify", "appeal"]);
        let t = t.apply(d("2025-03-05"), &rectify).unwrap();
        assert_eq!(t.state, TaskState::AwaitingCallback);
        assert!(t.closed_on.is_none());
        assert!(t.apply(d("2025-03-05"), &rectify).is_err());
        let t = t.apply(d("2025-03-06"), &callback).unwrap();
        assert_eq!(t.state, TaskState::Closed);
        assert_eq!(t.closed_on, Some(d("2025-03-06")));
        let r = t.apply(d("2025-03-07"), &callback).unwrap_err();
        assert!(r.message.contains("已办结"), "{}", r.message);
    }

    #[test]
    fn an_anonymous_rating_closes_with_its_rectification() {
        let t = bad_task(false, "2025-03-03");
        let r = t
            .apply(d("2025-03-04"), &TaskAction::Contact { note: "x".into() })
            .unwrap_err();
        assert!(r.message.contains("匿名"), "{}", r.message);
        let r = t
            .apply(
                d("2025-03-04"),
                &TaskAction::Rectify {
                    outcome: Outcome::Explained,
                    text: "  ".into(),
                },
            )
            .unwrap_err();
        assert!(r.message.contains("请填写"), "{}", r.message);
        let t = t
            .apply(
                d("2025-03-04"),
                &TaskAction::Rectify {
                    outcome: Outcome::Explained,
                    text: "依法需现场核查，已向申请人说明".into(),
                },
            )
            .unwrap();
        assert_eq!(t.state, TaskState::Closed);
    }

    #[test]
    fn an_appeal_pauses_the_task_and_its_decision_excludes_or_resumes() {
        let t = bad_task(true, "2025-03-03");
        let appeal = TaskAction::Appeal {
            reason: "评价人反映的问题不属于本部门".into(),
        };
        let t = t.apply(d("2025-03-04"), &appeal).unwrap();
        assert_eq!(t.state, TaskState::Appealed);
        assert_eq!(t.allowed(), vec!["decide_appeal"]);
        let r = t
            .apply(d("2025-03-04"), &TaskAction::Contact { note: "x".into() })
            .unwrap_err();
        assert!(r.message.contains("申诉复核中"), "{}", r.message);
        // Rejected: back to where it was, and no second appeal.
        let rejected = t
            .apply(
                d("2025-03-05"),
                &TaskAction::DecideAppeal {
                    uphold: false,
                    reason: "问题属实".into(),
                },
            )
            .unwrap();
        assert_eq!(rejected.state, TaskState::Open);
        assert!(rejected.apply(d("2025-03-05"), &appeal).is_err());
        assert!(
            rejected
                .apply(
                    d("2025-03-05"),
                    &TaskAction::DecideAppeal {
                        uphold: true,
                        reason: "再议".into()
                    }
                )
                .is_err()
        );
        // Upheld: excluded and finished.
        let upheld = t
            .apply(
                d("2025-03-05"),
                &TaskAction::DecideAppeal {
                    uphold: true,
                    reason: "恶意差评".into(),
                },
            )
            .unwrap();
        assert_eq!(upheld.state, TaskState::Excluded);
        assert!(upheld.state.is_finished());
    }

    #[test]
    fn a_rating_ticks_indicators_of_its_own_kind() {
        let g = Given::check(
            Level::Satisfied,
            &[Indicator::Efficient, Indicator::Efficient],
            " 好 ",
        )
        .unwrap();
        assert_eq!(g.indicators, vec![Indicator::Efficient]);
        assert_eq!(g.comment, "好");
        let r = Given::check(Level::Satisfied, &[Indicator::AttitudeBad], "").unwrap_err();
        assert!(r.message.contains("不符"), "{}", r.message);
        let r = Given::check(Level::VeryDissatisfied, &[], "").unwrap_err();
        assert!(r.message.contains("至少选择一项"), "{}", r.message);
        assert!(Given::check(Level::Dissatisfied, &[Indicator::ManyTrips], "").is_ok());
        let r = Given::check(Level::Basic, &[], &"字".repeat(COMMENT_MAX + 1)).unwrap_err();
        assert!(r.message.contains("过长"), "{}", r.message);
        assert_eq!(
            Level::ALL.iter().filter(|l| l.is_bad()).count(),
            2,
            "不满意 and 非常不满意"
        );
    }

    #[test]
    fn only_a_closed_ticket_is_rated_and_its_department_answers_for_it() {
        use crate::tickets::TicketState;
        assert_eq!(
            ticket_rated_side(TicketState::Closed, Some("zhujian")).unwrap(),
            "zhujian"
        );
        // Answered at intake by the centre: the centre is the rated side.
        assert_eq!(
            ticket_rated_side(TicketState::Closed, None).unwrap(),
            REQUESTS_CENTRE
        );
        for s in [
            TicketState::PendingDispatch,
            TicketState::Dispatched,
            TicketState::InProgress,
            TicketState::Replied,
        ] {
            let r = ticket_rated_side(s, Some("zhujian")).unwrap_err();
            assert!(r.message.contains("尚未办结"), "{}", r.message);
            assert!(r.message.contains("一事一评"), "{}", r.message);
            assert_eq!(r.rule, POLICY);
        }
        let r = ticket_rated_side(TicketState::Merged, Some("zhujian")).unwrap_err();
        assert!(r.message.contains("主工单"), "{}", r.message);
        assert_eq!(Subject::Ticket.channels(), &[RatingChannel::Online]);
        assert_eq!(Subject::Case.channels().len(), 3);
        assert_eq!(Subject::parse("ticket"), Some(Subject::Ticket));
        assert_eq!(Subject::Ticket.label(), "诉求工单");
    }

    #[test]
    fn settings_are_checked_and_rates_computed() {
        assert!(Settings::default().check().is_ok());
        assert!(
            Settings {
                contact_days: 0,
                rectify_days: 15
            }
            .check()
            .is_err()
        );
        assert!(
            Settings {
                contact_days: 5,
                rectify_days: 3
            }
            .check()
            .is_err()
        );
        let r = Rates::of(3, 1, 1);
        assert_eq!(r.total, 4);
        assert_eq!(Rates::percent(r.good_rate), "75.0%");
        assert_eq!(Rates::percent(r.rectify_rate), "100.0%");
        assert_eq!(Rates::percent(Rates::of(0, 0, 0).good_rate), "—");
    }
}
