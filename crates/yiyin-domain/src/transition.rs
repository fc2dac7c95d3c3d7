//! The switch-over (划转) of items from the departments to the bureau, in batches (先易后难、分批集中),
//! and the transition period with the departments' observers (审批观察员; 紫阳: 方案获批后的前3个月
//! 为过渡期). This module owns the rules, free of I/O:
//!
//! * who handles an item of a batch on a day: its source department before the batch's switch date
//!   (or while the batch is not switched), the bureau on and after it ([`handler_on`]);
//! * the refusal of an application for a transferred item naming its old department as handler
//!   ([`check_handler`], 《行政许可法》第二十五条 and the pilot plan: 原审批部门不再行使审批权);
//! * a case keeps the authority (and seal) it was accepted under unless explicitly migrated
//!   ([`authority_kept`], [`check_migration`]);
//! * the readiness report of a batch, every line green before the bureau head may switch it
//!   ([`readiness`], [`check_switch`]);
//! * the transition period, three months from the plan's approval unless the plan sets its end,
//!   during which the observers named by the source departments may read and comment
//!   ([`default_period_end`], [`check_observer_access`]).

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::calendar::fmt_date_cn as fmt_date;
use crate::refusal::Refusal;
use crate::text::{self, TextKind};

/// The rule the switch-over refusals name.
pub const RULE: &str = "transition";

/// The law behind the switch-over, in the words the refusals use.
pub const BASIS: &str = "《行政许可法》第二十五条及相对集中行政许可权改革试点方案（对依法划转的事项，由行政审批服务局实施审批，原审批部门不再行使审批权）";

labelled_enum!(
    /// A batch's status.
    BatchStatus {
        /// 准备中: the source department still handles the items.
        Preparing = ("preparing", "准备中"),
        /// 已划转: the bureau handles the items from the switch date on.
        Switched = ("switched", "已划转"),
    }
);

/// A batch of the plan, as the rules read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Batch {
    pub id: i64,
    pub name: String,
    /// The catalog codes of its items.
    pub items: Vec<String>,
    /// The department the items come from (原审批部门), by code.
    pub source_department: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub switch_date: NaiveDate,
    pub status: BatchStatus,
}

impl Batch {
    /// Whether the bureau handles the batch's items on `day`: switched, and the switch date reached.
    pub fn transferred_on(&self, day: NaiveDate) -> bool {
        self.status == BatchStatus::Switched && day >= self.switch_date
    }
}

/// Who handles an item on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handler {
    /// The bureau (行政审批服务局), under its seal.
    Bureau,
    /// The source department, by code.
    Department(String),
}

/// The batch listing an item, if any.
pub fn batch_of<'a>(batches: &'a [Batch], item_code: &str) -> Option<&'a Batch> {
    batches
        .iter()
        .find(|b| b.items.iter().any(|c| c == item_code))
}

/// Who handles an item of the plan on `day`: `None` for an item no batch lists.
pub fn handler_on(batches: &[Batch], item_code: &str, day: NaiveDate) -> Option<Handler> {
    batch_of(batches, item_code).map(|b| {
        if b.transferred_on(day) {
            Handler::Bureau
        } else {
            Handler::Department(b.source_department.clone())
        }
    })
}

/// An application for an item received on `day`, naming `department` as its handler (the item
/// still listed as the department's resident item, or received by the department's own staff):
/// refused when a switched batch moved the item from that department to the bureau on or before
/// `day`. `department_name` is the department's name for the message.
pub fn check_handler(
    batches: &[Batch],
    item_code: &str,
    department: &str,
    department_name: &str,
    day: NaiveDate,
) -> Result<(), Refusal> {
    match batch_of(batches, item_code) {
        Some(b) if b.transferred_on(day) && b.source_department == department => Err(Refusal::new(
            RULE,
            format!(
                "事项{item_code}已随划转批次「{}」于{}划转至行政审批服务局，自该日起由行政审批服务局受理和审批，{department_name}不得再作为办理机关受理申请（依据{BASIS}）",
                b.name,
                fmt_date(b.switch_date)
            ),
        )),
        _ => Ok(()),
    }
}

/// Whether a case accepted (or, before acceptance, received) on `accepted_on` keeps the deciding
/// authority it was received under: every case does until it is explicitly migrated; the switch
/// never moves a case by itself. Returns the handler the case was received under, for the record.
pub fn authority_kept(batch: &Batch, accepted_on: NaiveDate) -> Handler {
    if batch.transferred_on(accepted_on) {
        Handler::Bureau
    } else {
        Handler::Department(batch.source_department.clone())
    }
}

/// Why a case may not be migrated to the bureau, if so: it must be a case of an item of a batch
/// already switched, still handled by the source department, not closed; the reason is required.
pub fn check_migration(
    batch: Option<&Batch>,
    resident_of_source: bool,
    closed: bool,
    reason: &str,
    today: NaiveDate,
) -> Result<String, Refusal> {
    let Some(b) = batch else {
        return Err(Refusal::new(
            RULE,
            "该办件的事项不在划转方案的任何批次中，不能迁移至行政审批服务局办理",
        ));
    };
    if !b.transferred_on(today) {
        return Err(Refusal::new(
            RULE,
            format!(
                "批次「{}」尚未划转（划转日期{}，状态“{}”），该办件仍由原审批部门办理，不能迁移",
                b.name,
                fmt_date(b.switch_date),
                b.status.label()
            ),
        ));
    }
    if !resident_of_source {
        return Err(Refusal::new(RULE, "该办件已由行政审批服务局办理，无需迁移"));
    }
    if closed {
        return Err(Refusal::new(RULE, "该办件已办结，不能迁移"));
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Refusal::new(
            RULE,
            "迁移划转前受理的办件须写明理由：划转前受理的办件原则上由原审批部门按原时限办结",
        ));
    }
    text::check("reason", reason, TextKind::Long).map_err(|e| Refusal::new(RULE, e.to_string()))?;
    Ok(reason.to_string())
}

/// The default end of the transition period: the last day of the three months from the plan's
/// approval (紫阳: 方案获批后的前3个月为过渡期), e.g. approved 2026-01-10 → 2026-04-09.
pub fn default_period_end(approved_on: NaiveDate) -> NaiveDate {
    approved_on
        .checked_add_months(Months::new(3))
        .and_then(|d| d.pred_opt())
        .unwrap_or(approved_on)
}

/// Whether an account's general 审批观察员 grant (`Role::Observer`) in a jurisdiction has lapsed
/// on `day`: the observer watches the bureau during the transition (glossary: department staff
/// watching the bureau during the transition), so the grant ends with the period — from the day
/// after its last day it opens nothing, by any page or API, just as [`check_observer_access`]
/// closes the observer's own desk. `period_end`: the jurisdiction's plan's, None without a plan
/// (no period set, nothing lapses).
pub fn observer_grant_lapsed(period_end: Option<NaiveDate>, day: NaiveDate) -> bool {
    period_end.is_some_and(|end| day > end)
}

/// Whether an observer may read and comment on `day`: within the transition period, from the
/// plan's approval to its last day inclusive.
pub fn check_observer_access(
    approved_on: NaiveDate,
    period_end: NaiveDate,
    day: NaiveDate,
) -> Result<(), Refusal> {
    if day < approved_on {
        return Err(Refusal::new(
            RULE,
            format!(
                "过渡期自划转方案获批之日（{}）开始，审批观察员尚不能查看办件",
                fmt_date(approved_on)
            ),
        ));
    }
    if day > period_end {
        return Err(Refusal::new(
            RULE,
            format!(
                "过渡期已于{}结束，审批观察员的查看和评注权限随之终止",
                fmt_date(period_end)
            ),
        ));
    }
    Ok(())
}

/// The end of the period a plan sets: the one given, or the default; it may not end before the
/// approval.
pub fn check_period(
    approved_on: NaiveDate,
    period_end: Option<NaiveDate>,
) -> Result<NaiveDate, Refusal> {
    let end = period_end.unwrap_or_else(|| default_period_end(approved_on));
    if end < approved_on {
        return Err(Refusal::new(
            RULE,
            format!(
                "过渡期结束日期（{}）不能早于方案获批日期（{}）",
                fmt_date(end),
                fmt_date(approved_on)
            ),
        ));
    }
    Ok(end)
}

/// A checked name (of a plan or a batch).
pub fn check_name(field: &str, value: &str) -> Result<String, Refusal> {
    let v = value.trim();
    if v.is_empty() {
        return Err(Refusal::new(RULE, "请填写名称"));
    }
    text::check(field, v, TextKind::Name).map_err(|e| Refusal::new(RULE, e.to_string()))?;
    Ok(v.to_string())
}

/// A checked comment (评注) of an observer.
pub fn check_comment(body: &str) -> Result<String, Refusal> {
    let v = body.trim();
    if v.is_empty() {
        return Err(Refusal::new(RULE, "请填写评注内容"));
    }
    text::check("body", v, TextKind::Long).map_err(|e| Refusal::new(RULE, e.to_string()))?;
    Ok(v.to_string())
}

labelled_enum!(
    /// What a readiness line checks.
    Check {
        Catalog = ("catalog", "目录事项已发布"),
        Materials = ("materials", "申请材料和表单齐全"),
        Procedure = ("procedure", "办理流程已绑定"),
        Seal = ("seal", "审批专用章可用"),
        Staff = ("staff", "岗位人员配备"),
        Limits = ("limits", "办理时限已设定"),
    }
);

/// The facts of one item the readiness report reads (gathered by the application layer).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ItemFacts {
    pub code: String,
    /// The item's name, if the catalog has it.
    pub name: Option<String>,
    /// The version in force on the switch date (or today, if later) lists it as transferred to
    /// the bureau.
    pub published_transferred: bool,
    /// The version found is of another handling mode (its label), for the explanation.
    pub published_mode: Option<String>,
    pub materials: usize,
    /// The item has an application form (一张表单); without one the application is a material.
    pub form: bool,
    pub steps: usize,
    /// A decision step is bound in the procedure.
    pub decision_step: bool,
    pub statutory_days: u32,
    pub promised_days: u32,
    pub instant: bool,
}

/// The jurisdiction-wide facts of the readiness report.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BureauFacts {
    /// The bureau's active seal, by name (None: no usable seal).
    pub seal: Option<String>,
    /// How many active bureau staff (grants without a department) hold each role.
    pub window_clerks: usize,
    pub reviewers: usize,
    pub deciders: usize,
}

/// One line of the readiness report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReadinessLine {
    pub check: Check,
    pub check_label: String,
    /// The item the line is about (empty for a line of the whole batch).
    pub item: String,
    pub green: bool,
    /// Why, in Chinese.
    pub explanation: String,
}

fn line(check: Check, item: &str, green: bool, explanation: String) -> ReadinessLine {
    ReadinessLine {
        check,
        check_label: check.label().into(),
        item: item.to_string(),
        green,
        explanation,
    }
}

/// The readiness report of a batch: per item the catalog entry, materials and form, procedure and
/// time limits; for the batch the bureau's seal and its staff in the roles the items need.
pub fn readiness(items: &[ItemFacts], bureau: &BureauFacts) -> Vec<ReadinessLine> {
    let mut out = Vec::new();
    for f in items {
        let who = match &f.name {
            Some(n) => format!("{}（{}）", n, f.code),
            None => f.code.clone(),
        };
        out.push(match (&f.name, f.published_transferred, &f.published_mode) {
            (None, _, _) => line(
                Check::Catalog,
                &f.code,
                false,
                format!("事项{}未在本县区目录中发布", f.code),
            ),
            (Some(_), true, _) => line(
                Check::Catalog,
                &f.code,
                true,
                format!("{who}已在目录中发布为“划转审批局”事项"),
            ),
            (Some(_), false, mode) => line(
                Check::Catalog,
                &f.code,
                false,
                format!(
                    "{who}在划转日期适用的目录版本中仍为“{}”，须发布办理方式为“划转审批局”的新版本",
                    mode.as_deref().unwrap_or("未知")
                ),
            ),
        });
        if f.name.is_none() {
            continue;
        }
        out.push(if f.materials == 0 {
            line(
                Check::Materials,
                &f.code,
                false,
                format!("{who}没有申请材料清单"),
            )
        } else {
            line(
                Check::Materials,
                &f.code,
                true,
                format!(
                    "{who}有{}项申请材料（均注明提交形式）{}",
                    f.materials,
                    if f.form {
                        "，已配置申请表单（一张表单）"
                    } else {
                        "，申请书按材料清单提交"
                    }
                ),
            )
        });
        out.push(if f.steps == 0 || !f.decision_step {
            line(
                Check::Procedure,
                &f.code,
                false,
                format!("{who}的办理流程未绑定或缺少决定环节"),
            )
        } else {
            line(
                Check::Procedure,
                &f.code,
                true,
                format!("{who}已绑定{}个环节的办理流程", f.steps),
            )
        });
        out.push(if f.statutory_days == 0 && !f.instant {
            line(
                Check::Limits,
                &f.code,
                false,
                format!("{who}未设定法定时限"),
            )
        } else if f.promised_days > f.statutory_days {
            line(
                Check::Limits,
                &f.code,
                false,
                format!(
                    "{who}的承诺时限（{}日）超过法定时限（{}日）",
                    f.promised_days, f.statutory_days
                ),
            )
        } else {
            line(
                Check::Limits,
                &f.code,
                true,
                format!(
                    "{who}法定时限{}日、承诺时限{}日",
                    f.statutory_days, f.promised_days
                ),
            )
        });
    }
    out.push(match &bureau.seal {
        Some(name) => line(
            Check::Seal,
            "",
            true,
            format!("行政审批专用章「{name}」可用"),
        ),
        None => line(
            Check::Seal,
            "",
            false,
            "行政审批服务局没有可用的审批专用章".into(),
        ),
    });
    let missing: Vec<&str> = [
        (bureau.window_clerks, "窗口受理人员"),
        (bureau.reviewers, "审查人员"),
        (bureau.deciders, "作出决定的人员（科室负责人或局长）"),
    ]
    .iter()
    .filter(|(n, _)| *n == 0)
    .map(|(_, r)| *r)
    .collect();
    out.push(if missing.is_empty() {
        line(
            Check::Staff,
            "",
            true,
            format!(
                "行政审批服务局有窗口受理人员{}名、审查人员{}名、决定人员{}名",
                bureau.window_clerks, bureau.reviewers, bureau.deciders
            ),
        )
    } else {
        line(
            Check::Staff,
            "",
            false,
            format!("行政审批服务局缺少{}", missing.join("、")),
        )
    });
    out
}

/// Whether the bureau head may switch a batch: it is still being prepared and every readiness
/// line is green; otherwise refused, listing the red lines.
pub fn check_switch(batch: &Batch, lines: &[ReadinessLine]) -> Result<(), Refusal> {
    if batch.status == BatchStatus::Switched {
        return Err(Refusal::new(
            RULE,
            format!("批次「{}」已经划转", batch.name),
        ));
    }
    let red: Vec<String> = lines
        .iter()
        .filter(|l| !l.green)
        .map(|l| format!("{}：{}", l.check_label, l.explanation))
        .collect();
    if red.is_empty() {
        Ok(())
    } else {
        Err(Refusal::new(
            RULE,
            format!(
                "批次「{}」尚未就绪，不能划转；未通过的检查项：{}",
                batch.name,
                red.join("；")
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::d;

    fn batch(status: BatchStatus) -> Batch {
        Batch {
            id: 1,
            name: "第一批".into(),
            items: vec!["A1".into()],
            source_department: "scj".into(),
            switch_date: d("2026-03-02"),
            status,
        }
    }

    #[test]
    fn the_bureau_handles_from_the_switch_date_on() {
        let b = [batch(BatchStatus::Switched)];
        assert_eq!(
            handler_on(&b, "A1", d("2026-03-01")),
            Some(Handler::Department("scj".into()))
        );
        assert_eq!(handler_on(&b, "A1", d("2026-03-02")), Some(Handler::Bureau));
        assert_eq!(handler_on(&b, "B9", d("2026-03-02")), None);
        // Not switched: the department still handles it after the date.
        let p = [batch(BatchStatus::Preparing)];
        assert_eq!(
            handler_on(&p, "A1", d("2026-03-05")),
            Some(Handler::Department("scj".into()))
        );
    }

    #[test]
    fn the_old_department_is_refused_on_the_switch_date_not_the_day_before() {
        let b = [batch(BatchStatus::Switched)];
        assert!(check_handler(&b, "A1", "scj", "县市场监管局", d("2026-03-01")).is_ok());
        let e = check_handler(&b, "A1", "scj", "县市场监管局", d("2026-03-02")).unwrap_err();
        assert!(e.message.contains("第一批"), "{e}");
        assert!(e.message.contains("2026年3月2日"), "{e}");
        assert!(e.message.contains("第二十五条"), "{e}");
        assert!(e.message.contains("县市场监管局"), "{e}");
        // Another department, or an item of no batch: not this rule's business.
        assert!(check_handler(&b, "A1", "zjj", "县住建局", d("2026-03-02")).is_ok());
        assert!(check_handler(&b, "B9", "scj", "县市场监管局", d("2026-03-02")).is_ok());
    }

    #[test]
    fn a_case_accepted_the_day_before_the_switch_keeps_its_authority() {
        let b = batch(BatchStatus::Switched);
        assert_eq!(
            authority_kept(&b, d("2026-03-01")),
            Handler::Department("scj".into())
        );
        assert_eq!(authority_kept(&b, d("2026-03-02")), Handler::Bureau);
        // Migration only of such a case, with a reason, after the switch.
        assert!(
            check_migration(Some(&b), true, false, "原部门人员已划转", d("2026-03-02")).is_ok()
        );
        assert!(check_migration(Some(&b), true, false, " ", d("2026-03-02")).is_err());
        assert!(check_migration(Some(&b), true, false, "理由", d("2026-03-01")).is_err());
        assert!(check_migration(Some(&b), false, false, "理由", d("2026-03-02")).is_err());
        assert!(check_migration(Some(&b), true, true, "理由", d("2026-03-02")).is_err());
        assert!(check_migration(None, true, false, "理由", d("2026-03-02")).is_err());
    }

    #[test]
    fn the_transition_period_is_three_months_and_ends_on_its_last_day() {
        let approved = d("2026-01-10");
        let end = default_period_end(approved);
        assert_eq!(end, d("2026-04-09"));
        assert!(check_observer_access(approved, end, d("2026-01-10")).is_ok());
        assert!(check_observer_access(approved, end, d("2026-04-09")).is_ok());
        let e = check_observer_access(approved, end, d("2026-04-10")).unwrap_err();
        assert!(e.message.contains("2026年4月9日"), "{e}");
        assert!(check_observer_access(approved, end, d("2026-01-09")).is_err());
        // The general 审批观察员 grant ends with the period; without a plan nothing lapses.
        assert!(!observer_grant_lapsed(Some(end), d("2026-04-09")));
        assert!(observer_grant_lapsed(Some(end), d("2026-04-10")));
        assert!(!observer_grant_lapsed(None, d("2030-01-01")));
        // End of month: 11-30 + 3 months = 02-28 (no 02-30), the day before is 02-27.
        assert_eq!(default_period_end(d("2025-11-30")), d("2026-02-27"));
        assert_eq!(check_period(approved, None).unwrap(), end);
        assert!(check_period(approved, Some(d("2026-01-09"))).is_err());
    }

    fn ready_item() -> ItemFacts {
        ItemFacts {
            code: "A1".into(),
            name: Some("食品经营许可".into()),
            published_transferred: true,
            published_mode: None,
            materials: 3,
            form: true,
            steps: 3,
            decision_step: true,
            statutory_days: 20,
            promised_days: 10,
            instant: false,
        }
    }

    fn staffed() -> BureauFacts {
        BureauFacts {
            seal: Some("某县行政审批服务局行政审批专用章".into()),
            window_clerks: 2,
            reviewers: 1,
            deciders: 1,
        }
    }

    #[test]
    fn a_batch_switches_only_when_every_line_is_green() {
        let b = batch(BatchStatus::Preparing);
        let green = readiness(&[ready_item()], &staffed());
        assert!(green.iter().all(|l| l.green), "{green:?}");
        assert!(check_switch(&b, &green).is_ok());

        let mut item = ready_item();
        item.published_transferred = false;
        item.published_mode = Some("部门进驻".into());
        item.promised_days = 30;
        let mut bureau = staffed();
        bureau.seal = None;
        bureau.reviewers = 0;
        let red = readiness(&[item], &bureau);
        let reds: Vec<_> = red.iter().filter(|l| !l.green).map(|l| l.check).collect();
        assert_eq!(
            reds,
            vec![Check::Catalog, Check::Limits, Check::Seal, Check::Staff]
        );
        let e = check_switch(&b, &red).unwrap_err();
        assert!(e.message.contains("部门进驻"), "{e}");
        assert!(e.message.contains("审查人员"), "{e}");
        assert!(e.message.contains("审批专用章"), "{e}");
        // An item missing from the catalog is one red line.
        let missing = ItemFacts {
            code: "Z9".into(),
            ..ItemFacts::default()
        };
        let lines = readiness(&[missing], &staffed());
        assert_eq!(lines.iter().filter(|l| !l.green).count(), 1);
        // Already switched: refused.
        assert!(check_switch(&batch(BatchStatus::Switched), &green).is_err());
    }

    #[test]
    fn names_and_comments_are_checked() {
        assert!(check_name("name", "  ").is_err());
        assert!(check_name("name", "第一\u{202e}批").is_err());
        assert_eq!(check_name("name", " 第一批 ").unwrap(), "第一批");
        assert!(check_comment("").is_err());
        assert!(check_comment("请注意核对法定代表人签字").is_ok());
    }
}
