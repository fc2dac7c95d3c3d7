//! Reconsideration and litigation against the bureau's decisions (行政复议、行政诉讼; 汉阴:
//! 配合省市建立健全行政复议应诉工作机制): the kinds of challenge, the statutory reply deadline with
//! its counting rule kept as data on each register entry (so that a correction of the rule is a
//! correction of data, never of code), the explanation of each deadline in Chinese, the outcomes and
//! their effect on the licence, the warnings on the deadlines, and the rules a register entry obeys.
//!
//! * 《中华人民共和国行政复议法》（2023年修订）第四十八条: the respondent files a written reply
//!   (书面答复) and its evidence within 10 days of receiving the copy of the application; its
//!   第八十八条 counts the law's 3-, 5-, 7- and 10-day periods as working days (不含法定休假日):
//!   due = `Calendar::add(received_on, 10)`.
//! * 《中华人民共和国行政诉讼法》第六十七条: the defendant files its evidence and defence (答辩状)
//!   within 15 days of receiving the copy of the complaint, counted as 《中华人民共和国民事诉讼法》
//!   第八十五条 counts periods: the first day is not counted, and a last day that is a legal holiday
//!   (法定休假日, weekends not declared working days included) moves to the first working day after
//!   it: due = received_on + 15 calendar days, moved forward to a working day if needed.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, CalendarError, fmt_date};
use crate::refusal::Refusal;
use crate::text::{TextKind, check};

/// The rule of a reconsideration's reply (《行政复议法》第四十八条).
pub const RULE_RECONSIDERATION: &str = "ARL-48";
/// The rule of a lawsuit's defence (《行政诉讼法》第六十七条).
pub const RULE_LITIGATION: &str = "ALL-67";

/// How many working days before its due date a reply is flagged as due soon (临期).
pub const WARN_WORKING_DAYS: u32 = 3;

labelled_enum!(
    /// What challenges a decision of the bureau.
    RedressKind {
        /// An application for administrative reconsideration (行政复议).
        Reconsideration = ("reconsideration", "行政复议"),
        /// An administrative lawsuit (行政诉讼).
        Litigation = ("litigation", "行政诉讼"),
    }
);

labelled_enum!(
    /// How a reply period is counted.
    CountingRule {
        /// The N-th working day after the day of receipt (法定休假日 not counted).
        WorkingDays = ("working_days", "按工作日计算（不含法定休假日）"),
        /// N calendar days after the day of receipt; a last day on a legal holiday moves to the
        /// first working day after it.
        CalendarDays = ("calendar_days", "按自然日计算（首日不计，期满日遇法定休假日顺延）"),
    }
);

labelled_enum!(
    /// Where a register entry stands.
    RedressState {
        /// Registered; the reply (答复 or 答辩) not yet filed.
        Registered = ("registered", "待答复"),
        /// The reply filed; waiting for the outcome.
        Replied = ("replied", "已答复，待结果"),
        /// The outcome recorded.
        Concluded = ("concluded", "已结案"),
    }
);

labelled_enum!(
    /// How a reconsideration or a lawsuit ended.
    Outcome {
        /// The decision is upheld (复议维持; a court dismisses the claim instead).
        Upheld = ("upheld", "维持"),
        /// The decision is changed.
        Changed = ("changed", "变更"),
        /// The decision is revoked.
        Revoked = ("revoked", "撤销"),
        /// The decision is confirmed illegal but left in force.
        ConfirmedIllegal = ("confirmed_illegal", "确认违法"),
        /// The decision is revoked and the bureau ordered to decide again.
        Redo = ("redo", "责令重作"),
        /// The application or the claim is dismissed.
        Dismissed = ("dismissed", "驳回"),
        /// The applicant or plaintiff withdrew.
        Withdrawn = ("withdrawn", "撤回"),
    }
);

labelled_enum!(
    /// How near its reply deadline an entry is.
    Urgency {
        /// More than [`WARN_WORKING_DAYS`] working days left.
        Normal = ("normal", "正常"),
        /// Due within [`WARN_WORKING_DAYS`] working days (or today).
        DueSoon = ("due_soon", "临期"),
        /// Past its due date without a reply.
        Overdue = ("overdue", "已逾期"),
        /// Replied or concluded: no deadline runs.
        Settled = ("settled", "已答复"),
    }
);

/// What an outcome does to the licence the decision granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LicenceEffect {
    /// The decision no longer stands: the licence is revoked.
    Revoke,
    /// The decision is changed: the licence is changed as the decision says (through a change of
    /// the licence).
    Change,
    /// The licence stays as it is.
    Keep,
}

impl RedressKind {
    /// The statutory reply rule of this kind: the default a new register entry takes.
    pub fn reply_rule(self) -> ReplyRule {
        match self {
            RedressKind::Reconsideration => ReplyRule {
                counting: CountingRule::WorkingDays,
                days: 10,
                basis: "《中华人民共和国行政复议法》（2023年修订）第四十八条：被申请人应当自收到行政复议申请书副本或者行政复议申请笔录复印件之日起十日内，提出书面答复，并提交作出行政行为的证据、依据和其他有关材料；第八十八条：本法关于“十日”的规定是指工作日，不含法定休假日".into(),
            },
            RedressKind::Litigation => ReplyRule {
                counting: CountingRule::CalendarDays,
                days: 15,
                basis: "《中华人民共和国行政诉讼法》第六十七条：被告应当在收到起诉状副本之日起十五日内向人民法院提交作出行政行为的证据和所依据的规范性文件，并提出答辩状；期间依照《中华人民共和国民事诉讼法》第八十五条计算：期间开始的日不计算在期间内，期间届满的最后一日是法定休假日的，以法定休假日后的第一日为期间届满的日期".into(),
            },
        }
    }

    /// The rule code of this kind's refusals.
    pub fn rule(self) -> &'static str {
        match self {
            RedressKind::Reconsideration => RULE_RECONSIDERATION,
            RedressKind::Litigation => RULE_LITIGATION,
        }
    }

    /// What the bureau files: 书面答复 or 答辩状.
    pub fn reply_word(self) -> &'static str {
        match self {
            RedressKind::Reconsideration => "书面答复",
            RedressKind::Litigation => "答辩状",
        }
    }

    /// The copy whose receipt starts the period.
    pub fn copy_word(self) -> &'static str {
        match self {
            RedressKind::Reconsideration => "行政复议申请书副本",
            RedressKind::Litigation => "起诉状副本",
        }
    }

    /// Who challenges: 申请人 or 原告.
    pub fn challenger_word(self) -> &'static str {
        match self {
            RedressKind::Reconsideration => "申请人",
            RedressKind::Litigation => "原告",
        }
    }

    /// Who decides: 复议机关 or 人民法院.
    pub fn body_word(self) -> &'static str {
        match self {
            RedressKind::Reconsideration => "复议机关",
            RedressKind::Litigation => "人民法院",
        }
    }
}

impl Outcome {
    /// What the outcome does to the licence: a revoked decision (also when ordered to redo, which
    /// the law pairs with revocation) revokes the licence; a changed one changes it; the others
    /// leave it.
    pub fn licence_effect(self) -> LicenceEffect {
        match self {
            Outcome::Revoked | Outcome::Redo => LicenceEffect::Revoke,
            Outcome::Changed => LicenceEffect::Change,
            _ => LicenceEffect::Keep,
        }
    }

    /// The outcome's legal basis for a kind of challenge, as the page cites it.
    pub fn basis(self, kind: RedressKind) -> &'static str {
        use Outcome as O;
        match (kind, self) {
            (RedressKind::Reconsideration, O::Upheld) => "《行政复议法》第六十八条（决定维持）",
            (RedressKind::Reconsideration, O::Changed) => "《行政复议法》第六十三条（决定变更）",
            (RedressKind::Reconsideration, O::Revoked | O::Redo) => {
                "《行政复议法》第六十四条（决定撤销或者部分撤销，并可以责令重新作出行政行为）"
            }
            (RedressKind::Reconsideration, O::ConfirmedIllegal) => {
                "《行政复议法》第六十五条（确认违法）"
            }
            (RedressKind::Reconsideration, O::Dismissed) => {
                "《行政复议法》第六十九条（驳回行政复议请求）"
            }
            (RedressKind::Reconsideration, O::Withdrawn) => "申请人撤回行政复议申请，行政复议终止",
            (RedressKind::Litigation, O::Upheld) => {
                "行政诉讼不作维持判决，原告请求不成立的判决驳回诉讼请求（《行政诉讼法》第六十九条）"
            }
            (RedressKind::Litigation, O::Changed) => "《行政诉讼法》第七十七条（判决变更）",
            (RedressKind::Litigation, O::Revoked | O::Redo) => {
                "《行政诉讼法》第七十条（判决撤销或者部分撤销，并可以判决被告重新作出行政行为）"
            }
            (RedressKind::Litigation, O::ConfirmedIllegal) => {
                "《行政诉讼法》第七十四条（判决确认违法）"
            }
            (RedressKind::Litigation, O::Dismissed) => {
                "《行政诉讼法》第六十九条（判决驳回原告的诉讼请求）"
            }
            (RedressKind::Litigation, O::Withdrawn) => "《行政诉讼法》第六十二条（原告申请撤诉）",
        }
    }

    /// The effect on the licence in words.
    pub fn effect_words(self) -> &'static str {
        match self.licence_effect() {
            LicenceEffect::Revoke => "原许可决定被撤销，证照依决定撤销并推送监管部门",
            LicenceEffect::Change => {
                "原许可决定被变更，证照须按决定内容办理变更（在证照页以变更办理）"
            }
            LicenceEffect::Keep => "证照效力不受影响",
        }
    }
}

/// The reply period of a register entry: how it is counted, how many days, and its legal basis.
/// Kept with the entry, so that a correction of the rule is a correction of data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReplyRule {
    pub counting: CountingRule,
    pub days: u32,
    /// The articles the rule comes from, quoted.
    pub basis: String,
}

/// A reply deadline and how it was counted, in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Deadline {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub due: NaiveDate,
    pub explanation: String,
}

/// The day after `d`.
fn next(d: NaiveDate) -> NaiveDate {
    d.checked_add_days(Days::new(1))
        .expect("a date within range")
}

/// The reply deadline of a copy received on `received_on`, counted by `rule`, with its explanation.
pub fn reply_due(
    rule: &ReplyRule,
    received_on: NaiveDate,
    calendar: &Calendar,
) -> Result<Deadline, CalendarError> {
    let start = format!("收到之日（{}）不计入期间", fmt_date(received_on));
    match rule.counting {
        CountingRule::WorkingDays => {
            let due = calendar.add(received_on, rule.days)?;
            Ok(Deadline {
                due,
                explanation: format!(
                    "{start}，自次日起按工作日计算{}日（不含法定休假日）：{}；期限届满日为{}",
                    rule.days,
                    calendar.explain_span(received_on, due)?,
                    fmt_date(due)
                ),
            })
        }
        CountingRule::CalendarDays => {
            let nominal = received_on
                .checked_add_days(Days::new(u64::from(rule.days)))
                .expect("a date within range");
            let mut due = nominal;
            let mut skipped = Vec::new();
            loop {
                let kind = calendar.day_kind(due)?;
                if kind.is_workday() {
                    break;
                }
                skipped.push(format!("{}（{}）", fmt_date(due), kind.describe()));
                due = next(due);
            }
            let end = if skipped.is_empty() {
                format!("{}为工作日，不顺延", fmt_date(nominal))
            } else {
                format!(
                    "期满日落在法定休假日：{}，顺延至其后的第一个工作日{}",
                    skipped.join("、"),
                    fmt_date(due)
                )
            };
            Ok(Deadline {
                due,
                explanation: format!(
                    "{start}，自次日起按自然日计算{}日，至{}；{end}；期限届满日为{}",
                    rule.days,
                    fmt_date(nominal),
                    fmt_date(due)
                ),
            })
        }
    }
}

/// How near its due date an unanswered entry is on `today`, with the words shown beside it.
pub fn urgency(
    state: RedressState,
    due: NaiveDate,
    today: NaiveDate,
    calendar: &Calendar,
) -> Result<(Urgency, String), CalendarError> {
    if state != RedressState::Registered {
        return Ok((Urgency::Settled, String::new()));
    }
    if today > due {
        let late = calendar.between(due, today)?;
        return Ok((
            Urgency::Overdue,
            format!(
                "已超过答复期限（{}）{late}个工作日，尚未登记答复",
                fmt_date(due)
            ),
        ));
    }
    let left = calendar.between(today, due)?;
    let words = if left == 0 {
        format!("今天（{}）是答复期限届满日", fmt_date(due))
    } else {
        format!("距答复期限（{}）还有{left}个工作日", fmt_date(due))
    };
    Ok((
        if left <= WARN_WORKING_DAYS {
            Urgency::DueSoon
        } else {
            Urgency::Normal
        },
        words,
    ))
}

/// Why a register act was refused: bad input in a field, or a rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RedressError {
    #[error("{message}")]
    Field {
        field: &'static str,
        message: String,
    },
    #[error("{0}")]
    Refused(Refusal),
}

impl From<CalendarError> for RedressError {
    fn from(e: CalendarError) -> Self {
        field("received_on", e.to_string())
    }
}

fn field(field: &'static str, message: impl Into<String>) -> RedressError {
    RedressError::Field {
        field,
        message: message.into(),
    }
}

fn refused(kind: RedressKind, message: impl Into<String>) -> RedressError {
    RedressError::Refused(Refusal::new(kind.rule(), message))
}

/// A text field: trimmed, checked, and required unless `optional`.
fn text(
    name: &'static str,
    label: &str,
    value: &str,
    kind: TextKind,
    optional: bool,
) -> Result<String, RedressError> {
    let value = value.trim();
    check(label, value, kind).map_err(|e| field(name, e.to_string()))?;
    if value.is_empty() && !optional {
        return Err(field(name, format!("请填写{label}")));
    }
    Ok(value.to_string())
}

/// A date typed YYYY-MM-DD.
fn date(name: &'static str, label: &str, value: &str) -> Result<NaiveDate, RedressError> {
    let t = value.trim();
    if t.is_empty() {
        return Err(field(name, format!("请填写{label}")));
    }
    crate::calendar::parse_date(t)
        .map_err(|_| field(name, format!("{label}「{t}」格式有误，应为 YYYY-MM-DD")))
}

/// A register entry as staff enter it (the API's body and the page's form alike).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterRequest {
    /// `reconsideration` or `litigation` (or 行政复议, 行政诉讼).
    pub kind: String,
    /// The number of the case whose decision is challenged (办件编号); this or `licence`.
    #[serde(default)]
    pub case_number: String,
    /// The identifier of the licence the decision granted (证照编号); this or `case_number`.
    #[serde(default)]
    pub licence: String,
    /// The applicant for reconsideration or the plaintiff.
    pub applicant: String,
    /// The reviewing body (复议机关) or the court.
    pub body: String,
    /// Its file number (案号).
    pub file_number: String,
    /// The day the copy of the application or complaint was received (YYYY-MM-DD).
    pub received_on: String,
    /// The staff account responsible for the reply.
    pub responsible: i64,
    #[serde(default)]
    pub notes: String,
}

/// What a registration is checked against besides its input.
#[derive(Debug, Clone)]
pub struct RegisterFacts {
    /// The day the challenged decision was made, if the case has one.
    pub decided_on: Option<NaiveDate>,
    pub today: NaiveDate,
}

/// A registration that passed the rules, ready to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub kind: RedressKind,
    pub applicant: String,
    pub body: String,
    pub file_number: String,
    pub received_on: NaiveDate,
    pub rule: ReplyRule,
    pub deadline: Deadline,
    pub notes: String,
}

/// The kind of a challenge as typed.
pub fn parse_kind(text: &str) -> Result<RedressKind, RedressError> {
    RedressKind::parse(text).ok_or_else(|| {
        field(
            "kind",
            format!("请选择类别（可选：{}）", RedressKind::choices()),
        )
    })
}

/// Checks a registration: the fields, the date of receipt neither in the future nor before the
/// decision challenged; the reply deadline counted by the kind's statutory rule.
pub fn check_registration(
    req: &RegisterRequest,
    facts: &RegisterFacts,
    calendar: &Calendar,
) -> Result<Registration, RedressError> {
    let kind = parse_kind(&req.kind)?;
    let challenger = format!("{}姓名或名称", kind.challenger_word());
    let applicant = text(
        "applicant",
        &challenger,
        &req.applicant,
        TextKind::Name,
        false,
    )?;
    let body = text("body", kind.body_word(), &req.body, TextKind::Name, false)?;
    let file_number = text(
        "file_number",
        "案号",
        &req.file_number,
        TextKind::Short,
        false,
    )?;
    let notes = text("notes", "备注", &req.notes, TextKind::Long, true)?;
    let received_on = date(
        "received_on",
        &format!("收到{}的日期", kind.copy_word()),
        &req.received_on,
    )?;
    if received_on > facts.today {
        return Err(refused(
            kind,
            format!(
                "收到{}的日期{}晚于今天{}，不能登记尚未收到的副本；答复期限自实际收到之日起计算",
                kind.copy_word(),
                fmt_date(received_on),
                fmt_date(facts.today)
            ),
        ));
    }
    if let Some(decided) = facts.decided_on
        && received_on < decided
    {
        return Err(refused(
            kind,
            format!(
                "收到{}的日期{}早于被申请的许可决定作出之日{}，请核对日期",
                kind.copy_word(),
                fmt_date(received_on),
                fmt_date(decided)
            ),
        ));
    }
    let rule = kind.reply_rule();
    let deadline = reply_due(&rule, received_on, calendar)?;
    Ok(Registration {
        kind,
        applicant,
        body,
        file_number,
        received_on,
        rule,
        deadline,
        notes,
    })
}

/// Where an entry stands, as the rules of its later acts need it.
#[derive(Debug, Clone)]
pub struct EntryFacts {
    pub kind: RedressKind,
    pub state: RedressState,
    pub received_on: NaiveDate,
    pub due: NaiveDate,
    pub today: NaiveDate,
}

/// Checks the filing of the reply on `replied_on` (typed; empty is today): once, before the
/// outcome, not before the copy was received nor in the future. Returns the date and whether it
/// was filed after the deadline (recorded as late, never refused: the fact is what it is).
pub fn check_reply(
    facts: &EntryFacts,
    replied_on: &str,
) -> Result<(NaiveDate, bool), RedressError> {
    let kind = facts.kind;
    let replied_on = if replied_on.trim().is_empty() {
        facts.today
    } else {
        date(
            "replied_on",
            &format!("提交{}的日期", kind.reply_word()),
            replied_on,
        )?
    };
    match facts.state {
        RedressState::Registered => {}
        RedressState::Replied => {
            return Err(refused(
                kind,
                format!("该案已登记提交{}，不能重复登记", kind.reply_word()),
            ));
        }
        RedressState::Concluded => {
            return Err(refused(
                kind,
                format!("该案已结案，不能再登记{}", kind.reply_word()),
            ));
        }
    }
    if replied_on < facts.received_on {
        return Err(refused(
            kind,
            format!(
                "提交{}的日期{}早于收到{}的日期{}",
                kind.reply_word(),
                fmt_date(replied_on),
                kind.copy_word(),
                fmt_date(facts.received_on)
            ),
        ));
    }
    if replied_on > facts.today {
        return Err(refused(
            kind,
            format!(
                "提交{}的日期{}晚于今天{}，不能登记尚未发生的答复",
                kind.reply_word(),
                fmt_date(replied_on),
                fmt_date(facts.today)
            ),
        ));
    }
    Ok((replied_on, replied_on > facts.due))
}

/// Checks an outcome decided on `decided_on` (typed): once, not before the entry was registered
/// (the copy received) nor in the future, and one the kind of challenge knows (a court does not
/// uphold, 《行政诉讼法》第六十九条). Returns the outcome and its date.
pub fn check_outcome(
    facts: &EntryFacts,
    outcome: &str,
    decided_on: &str,
) -> Result<(Outcome, NaiveDate), RedressError> {
    let kind = facts.kind;
    let outcome = Outcome::parse(outcome).ok_or_else(|| {
        field(
            "outcome",
            format!("请选择结果（可选：{}）", Outcome::choices()),
        )
    })?;
    let decided_on = date("decided_on", "结果作出日期", decided_on)?;
    if facts.state == RedressState::Concluded {
        return Err(refused(
            kind,
            "该案已记录结果，不能重复记录；如结果有误请在备注中说明并联系系统管理员",
        ));
    }
    if decided_on < facts.received_on {
        return Err(refused(
            kind,
            format!(
                "结果作出日期{}早于收到{}的日期{}：案件登记之前不能有结果",
                fmt_date(decided_on),
                kind.copy_word(),
                fmt_date(facts.received_on)
            ),
        ));
    }
    if decided_on > facts.today {
        return Err(refused(
            kind,
            format!(
                "结果作出日期{}晚于今天{}，不能登记尚未作出的结果",
                fmt_date(decided_on),
                fmt_date(facts.today)
            ),
        ));
    }
    if kind == RedressKind::Litigation && outcome == Outcome::Upheld {
        return Err(refused(
            kind,
            "依据《行政诉讼法》第六十九条，人民法院对原告请求不成立的判决驳回诉讼请求，不作“维持”判决；请选择“驳回”",
        ));
    }
    Ok((outcome, decided_on))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::d;

    fn cal() -> Calendar {
        Calendar::builtin()
    }

    #[test]
    fn a_reconsideration_received_before_national_day_is_due_ten_working_days_later() {
        // 2025-09-30 (Tue) received; 10-01..10-08 off; 09-28 and 10-11 adjusted working days.
        // Working days after: 10-09 (1), 10-10 (2), 10-11 Sat adjusted (3), 10-13 .. 10-17 (4–8),
        // 10-20 (9), 10-21 (10).
        let rule = RedressKind::Reconsideration.reply_rule();
        let dl = reply_due(&rule, d("2025-09-30"), &cal()).unwrap();
        assert_eq!(dl.due, d("2025-10-21"));
        assert!(
            dl.explanation.contains("不计国庆节、中秋节假期"),
            "{}",
            dl.explanation
        );
        assert!(dl.explanation.contains("2025-10-11"), "{}", dl.explanation);
        assert!(dl.explanation.contains("不含法定休假日"));
    }

    #[test]
    fn a_lawsuit_ending_in_the_holiday_moves_to_the_first_working_day_after_it() {
        // 2025-09-20 + 15 = 2025-10-05, inside the National Day holiday: moved to 10-09.
        let rule = RedressKind::Litigation.reply_rule();
        let dl = reply_due(&rule, d("2025-09-20"), &cal()).unwrap();
        assert_eq!(dl.due, d("2025-10-09"));
        assert!(dl.explanation.contains("2025-10-05"), "{}", dl.explanation);
        assert!(
            dl.explanation
                .contains("顺延至其后的第一个工作日2025-10-09")
        );
    }

    #[test]
    fn a_lawsuit_ending_on_a_weekend_moves_to_monday_and_a_weekday_stays() {
        let rule = RedressKind::Litigation.reply_rule();
        // 2025-03-07 (Fri) + 15 = 2025-03-22 (Sat): Monday 03-24.
        let dl = reply_due(&rule, d("2025-03-07"), &cal()).unwrap();
        assert_eq!(dl.due, d("2025-03-24"));
        assert!(
            dl.explanation.contains("2025-03-22（周末）"),
            "{}",
            dl.explanation
        );
        // 2025-03-03 (Mon) + 15 = 2025-03-18 (Tue): not moved, weekends inside counted.
        let dl = reply_due(&rule, d("2025-03-03"), &cal()).unwrap();
        assert_eq!(dl.due, d("2025-03-18"));
        assert!(dl.explanation.contains("不顺延"));
    }

    #[test]
    fn an_adjusted_working_weekend_day_ends_a_lawsuit_period() {
        // 2025-09-13 + 15 = 2025-09-28, a Sunday declared a working day: not moved.
        let rule = RedressKind::Litigation.reply_rule();
        assert_eq!(
            reply_due(&rule, d("2025-09-13"), &cal()).unwrap().due,
            d("2025-09-28")
        );
    }

    #[test]
    fn the_rule_is_data_a_corrected_period_counts_as_stored() {
        let mut rule = RedressKind::Reconsideration.reply_rule();
        rule.days = 5;
        assert_eq!(
            reply_due(&rule, d("2025-03-07"), &cal()).unwrap().due,
            d("2025-03-14")
        );
        rule.counting = CountingRule::CalendarDays;
        // 03-07 + 5 = 03-12 (Wed).
        assert_eq!(
            reply_due(&rule, d("2025-03-07"), &cal()).unwrap().due,
            d("2025-03-12")
        );
    }

    #[test]
    fn a_year_without_data_is_named() {
        let rule = RedressKind::Reconsideration.reply_rule();
        let e = reply_due(&rule, d("2023-12-28"), &cal()).unwrap_err();
        assert!(e.to_string().contains("2023"));
    }

    #[test]
    fn urgency_warns_three_working_days_ahead_and_flags_overdue() {
        let c = cal();
        let due = d("2025-03-14"); // Friday
        let (u, _) = urgency(RedressState::Registered, due, d("2025-03-07"), &c).unwrap();
        assert_eq!(u, Urgency::Normal);
        let (u, w) = urgency(RedressState::Registered, due, d("2025-03-11"), &c).unwrap();
        assert_eq!(u, Urgency::DueSoon);
        assert!(w.contains("还有3个工作日"), "{w}");
        let (u, w) = urgency(RedressState::Registered, due, due, &c).unwrap();
        assert_eq!(u, Urgency::DueSoon);
        assert!(w.contains("届满日"));
        let (u, w) = urgency(RedressState::Registered, due, d("2025-03-18"), &c).unwrap();
        assert_eq!(u, Urgency::Overdue);
        assert!(w.contains("2个工作日"), "{w}");
        let (u, _) = urgency(RedressState::Replied, due, d("2025-03-18"), &c).unwrap();
        assert_eq!(u, Urgency::Settled);
    }

    fn request() -> RegisterRequest {
        RegisterRequest {
            kind: "行政复议".into(),
            case_number: "X".into(),
            licence: String::new(),
            applicant: "汉阴县某某商贸有限公司".into(),
            body: "汉阴县人民政府".into(),
            file_number: "汉政复〔2025〕3号".into(),
            received_on: "2025-03-07".into(),
            responsible: 1,
            notes: String::new(),
        }
    }

    fn facts() -> RegisterFacts {
        RegisterFacts {
            decided_on: Some(d("2025-03-03")),
            today: d("2025-03-10"),
        }
    }

    #[test]
    fn a_registration_is_checked_and_counted() {
        let r = check_registration(&request(), &facts(), &cal()).unwrap();
        assert_eq!(r.kind, RedressKind::Reconsideration);
        assert_eq!(r.rule.counting, CountingRule::WorkingDays);
        assert_eq!(r.rule.days, 10);
        assert_eq!(r.deadline.due, d("2025-03-21"));
    }

    #[test]
    fn registrations_in_the_future_before_the_decision_or_with_bad_fields_are_refused() {
        let c = cal();
        let mut future = request();
        future.received_on = "2025-03-11".into();
        let e = check_registration(&future, &facts(), &c).unwrap_err();
        assert!(matches!(&e, RedressError::Refused(r) if r.rule == RULE_RECONSIDERATION));
        assert!(e.to_string().contains("晚于今天"), "{e}");
        let mut early = request();
        early.received_on = "2025-03-01".into();
        let e = check_registration(&early, &facts(), &c).unwrap_err();
        assert!(e.to_string().contains("早于被申请的许可决定"), "{e}");
        let mut kind = request();
        kind.kind = "申诉".into();
        assert!(matches!(
            check_registration(&kind, &facts(), &c),
            Err(RedressError::Field { field: "kind", .. })
        ));
        let mut name = request();
        name.applicant = "某\u{202E}公司".into();
        assert!(matches!(
            check_registration(&name, &facts(), &c),
            Err(RedressError::Field {
                field: "applicant",
                ..
            })
        ));
        let mut blank = request();
        blank.file_number = " ".into();
        let e = check_registration(&blank, &facts(), &c).unwrap_err();
        assert!(e.to_string().contains("请填写案号"));
        let mut bad = request();
        bad.received_on = "2025/03/07".into();
        assert!(matches!(
            check_registration(&bad, &facts(), &c),
            Err(RedressError::Field {
                field: "received_on",
                ..
            })
        ));
    }

    fn entry(kind: RedressKind, state: RedressState) -> EntryFacts {
        EntryFacts {
            kind,
            state,
            received_on: d("2025-03-07"),
            due: d("2025-03-21"),
            today: d("2025-03-25"),
        }
    }

    #[test]
    fn a_reply_is_filed_once_before_the_outcome_and_a_late_one_is_marked() {
        let open = entry(RedressKind::Reconsideration, RedressState::Registered);
        assert_eq!(
            check_reply(&open, "2025-03-20").unwrap(),
            (d("2025-03-20"), false)
        );
        assert_eq!(check_reply(&open, "").unwrap(), (d("2025-03-25"), true));
        assert!(
            check_reply(&open, "2025-03-06")
                .unwrap_err()
                .to_string()
                .contains("早于")
        );
        assert!(
            check_reply(&open, "2025-03-26")
                .unwrap_err()
                .to_string()
                .contains("晚于今天")
        );
        let replied = entry(RedressKind::Reconsideration, RedressState::Replied);
        assert!(
            check_reply(&replied, "")
                .unwrap_err()
                .to_string()
                .contains("不能重复")
        );
        let done = entry(RedressKind::Litigation, RedressState::Concluded);
        let e = check_reply(&done, "").unwrap_err();
        assert!(matches!(&e, RedressError::Refused(r) if r.rule == RULE_LITIGATION));
        assert!(e.to_string().contains("答辩状"));
    }

    #[test]
    fn an_outcome_is_recorded_once_after_registration_and_courts_do_not_uphold() {
        let open = entry(RedressKind::Reconsideration, RedressState::Registered);
        assert_eq!(
            check_outcome(&open, "撤销", "2025-03-24").unwrap(),
            (Outcome::Revoked, d("2025-03-24"))
        );
        assert_eq!(
            check_outcome(&open, "upheld", "2025-03-24").unwrap().0,
            Outcome::Upheld
        );
        let e = check_outcome(&open, "revoked", "2025-03-01").unwrap_err();
        assert!(e.to_string().contains("案件登记之前不能有结果"), "{e}");
        assert!(check_outcome(&open, "revoked", "2025-03-26").is_err());
        assert!(matches!(
            check_outcome(&open, "改判", "2025-03-24"),
            Err(RedressError::Field {
                field: "outcome",
                ..
            })
        ));
        let done = entry(RedressKind::Reconsideration, RedressState::Concluded);
        assert!(
            check_outcome(&done, "dismissed", "2025-03-24")
                .unwrap_err()
                .to_string()
                .contains("不能重复记录")
        );
        let suit = entry(RedressKind::Litigation, RedressState::Replied);
        let e = check_outcome(&suit, "维持", "2025-03-24").unwrap_err();
        assert!(e.to_string().contains("第六十九条"), "{e}");
        assert!(check_outcome(&suit, "驳回", "2025-03-24").is_ok());
    }

    #[test]
    fn revocation_and_redo_revoke_the_licence_a_change_changes_it() {
        assert_eq!(Outcome::Revoked.licence_effect(), LicenceEffect::Revoke);
        assert_eq!(Outcome::Redo.licence_effect(), LicenceEffect::Revoke);
        assert_eq!(Outcome::Changed.licence_effect(), LicenceEffect::Change);
        for o in [
            Outcome::Upheld,
            Outcome::ConfirmedIllegal,
            Outcome::Dismissed,
            Outcome::Withdrawn,
        ] {
            assert_eq!(o.licence_effect(), LicenceEffect::Keep);
        }
        for kind in RedressKind::ALL {
            for o in Outcome::ALL {
                assert!(!o.basis(*kind).is_empty());
            }
        }
    }
}
