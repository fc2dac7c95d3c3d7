//! The clock of a case (Art. 32, 42, 44, 45, 82): every deadline as of a date, with the explanation
//! a clerk reads (which days counted and why), the traffic light of e-monitoring and the warnings.
//! The decision limits count in the item's unit (working days unless its own law counts calendar
//! days, [`ItemRules::add_days`](super::ItemRules::add_days)); intake and certificate limits are
//! the Licensing Law's own, in working days. The days left to a decision limit (and how late,
//! 超期) count in the item's unit too; the yellow light stays 2 working days before the promised
//! due date (`legal-rules.md` Part 4).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{Case, CaseState, Context};
use crate::calendar::{Calendar, CalendarError, fmt_date};
use crate::catalog::LimitUnit;

const ART32_4: &str = "《行政许可法》第三十二条第一款第（四）项";

/// The decision limits of an accepted case as of a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dues {
    pub statutory: NaiveDate,
    pub promised: NaiveDate,
    /// S: days suspended (Art. 45) in the item's unit, counted up to the date for an ongoing
    /// suspension.
    pub suspended: u32,
    /// E: the extension granted (Art. 42), in the item's unit.
    pub extension: u32,
}

impl Case {
    /// The days suspended (Art. 45) in the item's unit, up to `as_of` for an ongoing suspension.
    pub fn suspended_days(&self, ctx: &Context, as_of: NaiveDate) -> Result<u32, CalendarError> {
        let mut total = 0;
        for s in &self.suspensions {
            let end = s.ended_on.unwrap_or(as_of.max(s.started_on));
            total += ctx.item.days_between(ctx.calendar, s.started_on, end)?;
        }
        Ok(total)
    }

    /// The working days suspended (Art. 45), whatever the item's unit.
    pub fn suspended_working_days(
        &self,
        cal: &Calendar,
        as_of: NaiveDate,
    ) -> Result<u32, CalendarError> {
        let mut total = 0;
        for s in &self.suspensions {
            let end = s.ended_on.unwrap_or(as_of.max(s.started_on));
            total += cal.between(s.started_on, end)?;
        }
        Ok(total)
    }

    pub fn extension_days(&self) -> u32 {
        self.extension.as_ref().map_or(0, |e| e.days)
    }

    /// The decision limits as of a date, once accepted: statutory_due = add(accepted, L + E + S) and
    /// promised_due = add(accepted, P + E + S) (Art. 42, 45), counted in the item's unit; an
    /// instant item's are its acceptance date (Art. 34 para 2). The one place these formulas are
    /// written.
    pub fn dues(&self, ctx: &Context, as_of: NaiveDate) -> Result<Option<Dues>, CalendarError> {
        let Some(accepted) = self.accepted_on else {
            return Ok(None);
        };
        let suspended = self.suspended_days(ctx, as_of)?;
        let extension = self.extension_days();
        if ctx.item.instant {
            return Ok(Some(Dues {
                statutory: accepted,
                promised: accepted,
                suspended,
                extension,
            }));
        }
        // A bundle's member case never runs past the bundle's joint clock (Art. 42 para 2).
        let add = |limit: u32| {
            ctx.item
                .add_days(ctx.calendar, accepted, limit + extension + suspended)
                .map(|d| self.joint_due.map_or(d, |j| d.min(j)))
        };
        Ok(Some(Dues {
            statutory: add(ctx.item.statutory_limit())?,
            promised: add(ctx.item.promised_days)?,
            suspended,
            extension,
        }))
    }

    /// The statutory due date of an accepted case as of a date.
    pub(super) fn statutory_due(
        &self,
        ctx: &Context,
        as_of: NaiveDate,
    ) -> Result<NaiveDate, CalendarError> {
        Ok(self
            .dues(ctx, as_of)?
            .expect("called after acceptance")
            .statutory)
    }

    /// Every deadline of the case as of `as_of`, with the explanation a clerk reads.
    pub fn clock(&self, ctx: &Context, as_of: NaiveDate) -> Result<Clock, CalendarError> {
        self.clock_with(ctx, as_of, true)
    }

    /// The deadlines without the explanation (for lists of many cases).
    pub fn deadlines(&self, ctx: &Context, as_of: NaiveDate) -> Result<Clock, CalendarError> {
        self.clock_with(ctx, as_of, false)
    }

    fn clock_with(
        &self,
        ctx: &Context,
        as_of: NaiveDate,
        explain: bool,
    ) -> Result<Clock, CalendarError> {
        let cal = ctx.calendar;
        let item = ctx.item;
        let mut why = Why {
            enabled: explain,
            lines: Vec::new(),
        };
        why.add(|| {
            format!(
                "{} 收件；依据{ART32_4}，补正告知期限为收件后第5个工作日 {}（{}）",
                fmt_date(self.received_on),
                fmt_date(self.supplement_notice_due),
                cal.explain_span(self.received_on, self.supplement_notice_due)
                    .unwrap_or_default()
            )
        });
        for n in &self.notices {
            why.add(|| {
                format!(
                    "{} 一次性告知补正：{}",
                    fmt_date(n.on),
                    n.missing
                        .iter()
                        .map(|c| item.material_name(c))
                        .collect::<Vec<_>>()
                        .join("、")
                )
            });
        }
        if self.intake.after_supplement {
            why.add(|| {
                format!(
                    "{} 提交补正材料，重新起算五个工作日的受理期限，至 {}",
                    fmt_date(self.intake.opened_on),
                    fmt_date(self.intake.due)
                )
            });
        }
        let dues = self.dues(ctx, as_of)?;
        let suspended = dues.as_ref().map_or(0, |d| d.suspended);
        let suspended_working_days = if item.limit_unit.is_working() {
            suspended
        } else {
            self.suspended_working_days(cal, as_of)?
        };
        let extension = self.extension_days();
        let (mut statutory_due, mut promised_due) = (None, None);
        if let Some(acc) = self.accepted_on {
            if self.deemed_accepted {
                why.add(|| {
                    format!(
                        "受理期限 {} 届满未作处理，依据{ART32_4}视为受理，受理日期为{}之日 {}",
                        fmt_date(self.intake.due),
                        if self.intake.after_supplement {
                            "提交补正材料"
                        } else {
                            "收到申请材料"
                        },
                        fmt_date(acc)
                    )
                });
            } else {
                why.add(|| format!("{} 受理", fmt_date(acc)));
            }
            if item.instant {
                statutory_due = Some(acc);
                promised_due = Some(acc);
                why.add(|| "即办件应当当场作出书面决定（《行政许可法》第三十四条第二款），办结期限为受理当日".into());
            } else {
                let l = item.statutory_limit();
                let d = dues.as_ref().expect("accepted");
                let (sd, pd) = (d.statutory, d.promised);
                why.add(|| {
                    let basis = if item.joint {
                        "（联合办理，《行政许可法》第四十二条第二款）".to_string()
                    } else if !item.limit_unit.is_working() || !item.limit_basis.trim().is_empty() {
                        format!(
                            "（依据{}）",
                            if item.limit_basis.trim().is_empty() {
                                "本事项设定依据的特别规定"
                            } else {
                                item.limit_basis.trim()
                            }
                        )
                    } else {
                        String::new()
                    };
                    let mut parts = vec![format!("法定时限 {}{basis}", spaced(item, l))];
                    if extension > 0 {
                        let e = self.extension.as_ref().expect("extended");
                        parts.push(format!(
                            "延期 {}（{} 经{}批准，理由：{}{}）",
                            spaced(item, extension),
                            fmt_date(e.on),
                            e.approved_by.label(),
                            e.reason,
                            if item.extension_days.is_some() {
                                format!("；延期依据{}", item.extension_rule())
                            } else {
                                String::new()
                            }
                        ));
                    }
                    for s in &self.suspensions {
                        let end = s.ended_on.unwrap_or(as_of.max(s.started_on));
                        parts.push(format!(
                            "{}不计入 {}（{} 至 {}{}，《行政许可法》第四十五条）",
                            s.kind.label(),
                            spaced(
                                item,
                                item.days_between(cal, s.started_on, end)
                                    .unwrap_or_default()
                            ),
                            fmt_date(s.started_on),
                            fmt_date(end),
                            if s.ended_on.is_none() {
                                "，进行中"
                            } else {
                                ""
                            }
                        ));
                    }
                    let total = l + extension + suspended;
                    // A member case's own date, before the bundle's joint clock caps it.
                    let own = item.add_days(cal, acc, total).unwrap_or(sd);
                    format!(
                        "{}，合计 {}，自受理次日起算，法定期限届满日为 {}（{}）",
                        parts.join(" + "),
                        spaced(item, total),
                        fmt_date(own),
                        item.explain_period(cal, acc, total, own)
                    )
                });
                if let Some(joint) = self.joint_due {
                    why.add(|| {
                        format!(
                            "本件是一件事的成员事项，办理期限不得超过一件事的联合办理期限（《行政许可法》第四十二条第二款），一件事的法定期限届满日为 {}，本件法定期限届满日为 {}",
                            fmt_date(joint),
                            fmt_date(sd)
                        )
                    });
                }
                why.add(|| {
                    let total = item.promised_days + extension + suspended;
                    let rolled = if item.limit_unit.is_working() {
                        String::new()
                    } else {
                        format!(
                            "（时限单位依据{}；{}）",
                            item.limit_basis.trim(),
                            item.explain_period(cal, acc, total, pd)
                        )
                    };
                    format!(
                        "承诺时限 {}{}，承诺办结日为 {}{rolled}",
                        spaced(item, item.promised_days),
                        if extension + suspended > 0 {
                            format!(
                                "（另加延期 {}和特别程序 {}）",
                                spaced(item, extension),
                                spaced(item, suspended)
                            )
                        } else {
                            String::new()
                        },
                        fmt_date(pd)
                    )
                });
                statutory_due = Some(sd);
                promised_due = Some(pd);
            }
        }
        let mut certificate_due = None;
        if let (Some(d), Some(decision)) = (self.decided_on, &self.decision) {
            if decision.approved {
                let due = cal.add(d, 10)?;
                certificate_due = Some(due);
                why.add(|| format!(
                    "{} 作出准予许可决定；依据《行政许可法》第四十四条，应于决定后第10个工作日 {} 前颁发、送达许可证件",
                    fmt_date(d),
                    fmt_date(due)
                ));
            } else {
                why.add(|| format!("{} 作出不予许可决定", fmt_date(d)));
            }
        }
        let undecided = matches!(self.state, CaseState::Accepted | CaseState::Suspended);
        let overdue = match (statutory_due, self.decided_on) {
            (Some(due), Some(d)) => d > due,
            (Some(due), None) => undecided && as_of > due,
            _ => false,
        };
        let promised_overdue = match (promised_due, self.decided_on) {
            (Some(due), Some(d)) => d > due,
            (Some(due), None) => undecided && as_of > due,
            _ => false,
        };
        let certificate_overdue = match (certificate_due, self.certificate_issued_on) {
            (Some(due), Some(i)) => i > due,
            (Some(due), None) => as_of > due,
            _ => false,
        };
        if overdue {
            why.add(|| "已超过法定期限（《行政许可法》第四十二条、第七十四条第（二）项）".into());
        }
        // Working days to a date from today: negative when it has passed.
        let to = |due: NaiveDate| -> Result<i64, CalendarError> {
            Ok(if as_of <= due {
                cal.between(as_of, due)? as i64
            } else {
                -(cal.between(due, as_of)? as i64)
            })
        };
        // The days left to the decision limits, in the item's unit, while undecided.
        let left_to = |due: Option<NaiveDate>| -> Result<Option<i64>, CalendarError> {
            match (undecided, due) {
                (true, Some(due)) => Ok(Some(item.days_to(cal, as_of, due)?)),
                _ => Ok(None),
            }
        };
        let days_left = left_to(statutory_due)?;
        let promised_days_left = left_to(promised_due)?;
        let working_days_left = match (undecided, statutory_due) {
            (true, Some(due)) => Some(to(due)?),
            _ => None,
        };
        // The yellow light comes on 2 WORKING days before the promised due date whatever the
        // item's unit: `legal-rules.md` Part 4 (Monitoring) fixes this warning in working days.
        let promised_working_days_left = match (undecided, promised_due) {
            (true, Some(due)) => Some(to(due)?),
            _ => None,
        };
        let intake_days_left = match self.state {
            CaseState::Received => Some(to(self.intake.due)?),
            _ => None,
        };
        let certificate_days_left = match (certificate_due, self.certificate_issued_on) {
            (Some(due), None) => Some(to(due)?),
            _ => None,
        };
        let mut warnings = Vec::new();
        for d in &self.deferred {
            if d.arrived_on.is_none() && as_of > d.due {
                warnings.push(format!(
                    "容缺材料 {} 应于 {} 前补交，已逾期",
                    item.material_name(&d.code),
                    fmt_date(d.due)
                ));
            }
        }
        if self.state == CaseState::Received && as_of <= self.intake.due {
            let left = cal.between(as_of, self.intake.due)?;
            if left <= 1 {
                warnings.push(format!(
                    "受理期限 {} 即将届满，届满未处理将视为受理",
                    fmt_date(self.intake.due)
                ));
            }
        }
        if certificate_overdue {
            warnings.push("已超过发证期限（《行政许可法》第四十四条）".into());
        }
        let light = if overdue || certificate_overdue {
            Light::Red
        } else if promised_overdue
            || promised_working_days_left.is_some_and(|d| d <= 2)
            || !warnings.is_empty()
        {
            Light::Yellow
        } else {
            Light::Green
        };
        Ok(Clock {
            as_of,
            received_on: self.received_on,
            supplement_notice_due: self.supplement_notice_due,
            intake_due: self.intake.due,
            accepted_on: self.accepted_on,
            deemed_accepted: self.deemed_accepted,
            statutory_limit: item.statutory_limit(),
            statutory_due,
            promised_due,
            suspended_working_days,
            suspended_days: suspended,
            limit_unit: item.limit_unit,
            extension_days: extension,
            decided_on: self.decided_on,
            certificate_due,
            certificate_issued_on: self.certificate_issued_on,
            overdue,
            promised_overdue,
            certificate_overdue,
            days_left,
            promised_days_left,
            working_days_left,
            intake_days_left,
            certificate_days_left,
            light,
            warnings,
            explanation: why.lines,
        })
    }
}

/// `n` days in the item's unit as the explanation writes them: 「20 个工作日」, 「60 个自然日」.
fn spaced(item: &super::ItemRules, n: u32) -> String {
    format!("{n} 个{}", item.limit_unit.label())
}

/// The explanation of a clock, built only when asked for.
struct Why {
    enabled: bool,
    lines: Vec<String>,
}

impl Why {
    fn add(&mut self, line: impl FnOnce() -> String) {
        if self.enabled {
            self.lines.push(line());
        }
    }
}

/// The traffic light of e-monitoring: green, yellow (promised limit 2 working days away or passed,
/// or a warning), red (statutory limit passed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Light {
    Green,
    Yellow,
    Red,
}

impl Light {
    pub fn label(self) -> &'static str {
        match self {
            Light::Green => "正常",
            Light::Yellow => "预警",
            Light::Red => "超期",
        }
    }
}

/// Every deadline of a case as of a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Clock {
    pub as_of: NaiveDate,
    pub received_on: NaiveDate,
    pub supplement_notice_due: NaiveDate,
    /// The current intake window's end (after supplements: add(arrival, 5)).
    pub intake_due: NaiveDate,
    pub accepted_on: Option<NaiveDate>,
    pub deemed_accepted: bool,
    pub statutory_limit: u32,
    pub statutory_due: Option<NaiveDate>,
    pub promised_due: Option<NaiveDate>,
    pub suspended_working_days: u32,
    /// The days suspended in the item's unit (`limit_unit`): the S of the decision limits.
    #[serde(default)]
    pub suspended_days: u32,
    /// The unit of `statutory_limit`, `extension_days` and `suspended_days`.
    #[serde(default)]
    pub limit_unit: LimitUnit,
    /// The extension granted, in the item's unit.
    pub extension_days: u32,
    pub decided_on: Option<NaiveDate>,
    pub certificate_due: Option<NaiveDate>,
    pub certificate_issued_on: Option<NaiveDate>,
    pub overdue: bool,
    pub promised_overdue: bool,
    pub certificate_overdue: bool,
    /// Days left to the statutory due date in the item's unit (`limit_unit`: working days, or
    /// calendar days where the item's own law counts them; negative when overdue: 超期 N 日),
    /// while undecided.
    pub days_left: Option<i64>,
    /// Days left to the promised due date, in the item's unit as `days_left`.
    pub promised_days_left: Option<i64>,
    /// Working days left to the statutory due date whatever the item's unit (negative when
    /// overdue), while undecided: the working days the staff have left to act (an extension is
    /// approved on a working day before the limit). Equal to `days_left` for working-day items.
    #[serde(default)]
    pub working_days_left: Option<i64>,
    /// Working days left to the intake window's end (negative when past), while received and
    /// not yet accepted.
    pub intake_days_left: Option<i64>,
    /// Working days left to the certificate's due date (negative when overdue), while a granted
    /// licence waits for its certificate.
    pub certificate_days_left: Option<i64>,
    pub light: Light,
    pub warnings: Vec<String>,
    pub explanation: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::Light;
    use crate::calendar::Calendar;
    use crate::engine::{Action, ApplicantFacts, Case, Context, ItemRules};
    use crate::testing::d;

    /// The clock on `as_of` of a case accepted on 2025-09-01 for a 60/30-day item in `unit`.
    fn clock_on(unit: &str, as_of: &str) -> super::Clock {
        let item: ItemRules = serde_json::from_str(&format!(
            r#"{{"name":"x","statutory_days":60,"promised_days":30,"limit_unit":"{unit}","limit_basis":"《中华人民共和国居民身份证法》第十二条"}}"#
        ))
        .unwrap();
        let (cal, facts) = (Calendar::builtin(), ApplicantFacts::default());
        let ctx = Context {
            item: &item,
            calendar: &cal,
            applicant: &facts,
        };
        let on = d("2025-09-01");
        let case = Case::receive(&ctx, on, &[]).unwrap().case;
        let case = case.apply(&ctx, on, &Action::Accept).unwrap().case;
        case.deadlines(&ctx, d(as_of)).unwrap()
    }

    #[test]
    fn calendar_day_items_count_the_days_left_in_calendar_days_across_a_holiday() {
        // Statutory: 60 days after 2025-09-01 is Friday 2025-10-31. Promised: the 30th day,
        // 2025-10-01, falls in the National Day holiday (10-01 to 10-08) and moves to 10-09.
        let k = clock_on("calendar_days", "2025-09-29");
        assert_eq!(k.statutory_due, Some(d("2025-10-31")));
        assert_eq!(k.promised_due, Some(d("2025-10-09")));
        // Every day counts: 32 days to 10-31 and 10 to 10-09, holiday included ...
        assert_eq!(k.days_left, Some(32));
        assert_eq!(k.promised_days_left, Some(10));
        // ... while only 19 of them are working days (09-30, 10-09 to 10-11 with Saturday 10-11
        // a working day, then three full weeks).
        assert_eq!(k.working_days_left, Some(19));
        // The yellow light stays 2 working days before the promised due date (legal-rules
        // Part 4): 09-30 and 10-09 are the only working days left.
        assert_eq!(k.light, Light::Yellow);
        // Three days earlier four working days remain (Sunday 09-28 is a working day): green.
        let k = clock_on("calendar_days", "2025-09-26");
        assert_eq!((k.promised_days_left, k.light), (Some(13), Light::Green));

        // Past the limit: 超期 4 calendar days on 2025-11-04, two of them working days.
        let k = clock_on("calendar_days", "2025-11-04");
        assert_eq!(k.days_left, Some(-4));
        assert_eq!(k.working_days_left, Some(-2));
        assert_eq!(k.light, Light::Red);
        assert_eq!(
            k.limit_unit.days_left(k.days_left.unwrap()),
            "超期4日（自然日）"
        );
    }

    #[test]
    fn working_day_items_count_working_days_left() {
        let k = clock_on("working_days", "2025-09-29");
        // 60 working days after 2025-09-01 (the holiday skipped) is 2025-11-28.
        assert_eq!(k.statutory_due, Some(d("2025-11-28")));
        assert_eq!(k.days_left, Some(39));
        assert_eq!(k.days_left, k.working_days_left);
        assert_eq!(
            k.limit_unit.days_left(k.days_left.unwrap()),
            format!("剩余{}个工作日", k.days_left.unwrap())
        );
    }
}
