//! Warnings and cards on the ticket desks, "as in e-monitoring" (`monitoring.rs`, `legal-rules.md`
//! Part 4): each open ticket's traffic light for the due of its current step, and the card a passed
//! due earns. Pure: read from the ticket, the local time and the calendar.
//!
//! The current due is the step the state waits for: 待派单 → dispatch (派单); 已派单 → sign (签收)
//! and reply (答复), whichever is worse; 办理中 → reply; 已答复 → callback (回访). Closed and merged
//! tickets have no light.
//!
//! The rule, one for every step:
//! - 已超期（红灯）: the due has passed with the step not done — a working-day due from the day after
//!   its date, an hour due from the minute after its time (elapsed hours ignore the calendar);
//! - 即将超期（黄灯）: a working-day due 2 working days away or nearer, as the monitoring's yellow
//!   light, but never from the start of a limit: for a limit of n working days, from n − 1 working
//!   days before (a 1-day limit turns yellow on its due date); an hour due within the last quarter
//!   of its hours (30 minutes before a 2-hour due, 6 hours before a 24-hour reply due);
//! - 正常（绿灯）: otherwise.
//!
//! Cards ([`CARD_RULES`], data): a passed dispatch, sign or callback due earns a yellow card (黄牌,
//! the process was slow), a passed reply due a red card (红牌, the caller was not answered in
//! time). A working-day due's card is dated add(due, 1), the first working day after it (as the
//! monitoring's), and is shown from that date; an hour due's card is dated the day its hours ran
//! out and is shown as soon as they did. Cards follow the current step only: a card for a step
//! done late is not kept here (the statistics count lateness from the events).

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::{Ticket, TicketState};
use crate::calendar::{Calendar, CalendarError, fmt_date};
use crate::monitoring::CardColor;

labelled_enum!(
    /// The step a ticket's due is for.
    DueStep {
        /// 派单: the centre dispatches.
        Dispatch = ("dispatch", "派单"),
        /// 签收: the department signs for it.
        Sign = ("sign", "签收"),
        /// 答复: the department replies.
        Reply = ("reply", "答复"),
        /// 回访: the centre calls back.
        Callback = ("callback", "回访"),
    }
);

labelled_enum!(
    /// A ticket's traffic light on the desks.
    TicketLight {
        /// 正常: the current due is not near.
        Green = ("green", "正常"),
        /// 即将超期: the current due is near (黄灯).
        Yellow = ("yellow", "即将超期"),
        /// 已超期: the current due passed with the step not done (红灯).
        Red = ("red", "已超期"),
    }
);

/// The card each step's passed due earns: yellow for the process, red for the caller's answer.
pub const CARD_RULES: [(DueStep, CardColor); 4] = [
    (DueStep::Dispatch, CardColor::Yellow),
    (DueStep::Sign, CardColor::Yellow),
    (DueStep::Reply, CardColor::Red),
    (DueStep::Callback, CardColor::Yellow),
];

/// One due of a ticket, with how it is counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepDue {
    pub step: DueStep,
    /// The due date (the date part of an hour due).
    pub due: NaiveDate,
    /// The exact due time when the limit is in hours.
    pub due_at: Option<NaiveDateTime>,
    /// The limit: hours when `due_at` is set, else working days (a reply's extension included).
    pub limit: u32,
    /// How the due is counted, in Chinese.
    pub rule: String,
}

impl StepDue {
    /// The due as people read it: `2026-06-15 10:30` for an hour due, `2026-06-15` otherwise.
    pub fn shown(&self) -> String {
        match self.due_at {
            Some(at) => at.format("%Y-%m-%d %H:%M").to_string(),
            None => fmt_date(self.due),
        }
    }

    /// Whether the due has passed as of the local time `now`.
    pub fn passed(&self, now: NaiveDateTime) -> bool {
        match self.due_at {
            Some(at) => now > at,
            None => now.date() > self.due,
        }
    }
}

/// The card of a passed due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketCard {
    pub color: CardColor,
    /// The color's word: 黄牌 or 红牌.
    pub color_label: String,
    /// The step whose due passed: dispatch, sign, reply, callback.
    pub step: DueStep,
    /// The date the card is issued.
    pub on: NaiveDate,
    /// Why, naming the rule, in Chinese.
    pub reason: String,
}

/// A ticket's light and, for a passed due, its card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LightReading {
    pub light: TicketLight,
    /// 正常, 即将超期 or 已超期.
    pub light_label: String,
    /// The step the light is for (none when nothing is due).
    pub step: Option<DueStep>,
    /// The due it is read against, as shown (`2026-06-15 10:30` or `2026-06-15`).
    pub due: Option<String>,
    /// Why, naming the due and the rule, in Chinese.
    pub reason: String,
    pub card: Option<TicketCard>,
}

/// The dues of a ticket, each with its rule, in the order of the loop (dispatch, sign, reply,
/// callback), whether done or not.
pub fn ticket_dues(t: &Ticket) -> Vec<StepDue> {
    let d = t.deadlines;
    let mut out = Vec::new();
    let hint = "（紧急：按小时计）";
    out.push(match (t.dispatch_due_at, d.dispatch_hours) {
        (Some(at), Some(h)) => StepDue {
            step: DueStep::Dispatch,
            due: at.date(),
            due_at: Some(at),
            limit: h,
            rule: format!("登记（或重办）后{h}小时内派单{hint}"),
        },
        _ => StepDue {
            step: DueStep::Dispatch,
            due: t.dispatch_due,
            due_at: None,
            limit: d.dispatch,
            rule: format!("登记（或重办）之日起{}个工作日内派单", d.dispatch),
        },
    });
    if let Some(due) = t.sign_due {
        out.push(match (t.sign_due_at, d.sign_hours) {
            (Some(at), Some(h)) => StepDue {
                step: DueStep::Sign,
                due: at.date(),
                due_at: Some(at),
                limit: h,
                rule: format!("派单后{h}小时内签收{hint}"),
            },
            _ => StepDue {
                step: DueStep::Sign,
                due,
                due_at: None,
                limit: d.sign,
                rule: format!("派单之日起{}个工作日内签收", d.sign),
            },
        });
    }
    if let Some(due) = t.reply_due {
        let mut step = match (t.reply_due_at, d.reply_hours) {
            (Some(at), Some(h)) => StepDue {
                step: DueStep::Reply,
                due: at.date(),
                due_at: Some(at),
                limit: h,
                rule: format!("自派单（或重办）起{h}小时内答复{hint}"),
            },
            _ => {
                let r = d.reply.unwrap_or(0);
                StepDue {
                    step: DueStep::Reply,
                    due,
                    due_at: None,
                    limit: r + t.round_extension,
                    rule: format!("自派单（或重办）之日起{r}个工作日内答复"),
                }
            }
        };
        if t.round_extension > 0 {
            step.rule
                .push_str(&format!("，经批准延期{}个工作日", t.round_extension));
        }
        out.push(step);
    }
    if let Some(due) = t.callback_due {
        out.push(StepDue {
            step: DueStep::Callback,
            due,
            due_at: None,
            limit: d.callback,
            rule: format!("答复之日起{}个工作日内回访", d.callback),
        });
    }
    out
}

/// The dues the ticket's state still waits for (see the module's doc); none when closed or merged.
pub fn open_dues(t: &Ticket) -> Vec<StepDue> {
    let wanted: &[DueStep] = match t.state {
        TicketState::PendingDispatch => &[DueStep::Dispatch],
        TicketState::Dispatched => &[DueStep::Sign, DueStep::Reply],
        TicketState::InProgress => &[DueStep::Reply],
        TicketState::Replied => &[DueStep::Callback],
        TicketState::Closed | TicketState::Merged => &[],
    };
    ticket_dues(t)
        .into_iter()
        .filter(|d| wanted.contains(&d.step))
        .collect()
}

/// The card a step's passed due earns ([`CARD_RULES`]).
pub fn card_color(step: DueStep) -> CardColor {
    CARD_RULES
        .iter()
        .find(|(s, _)| *s == step)
        .map_or(CardColor::Yellow, |(_, c)| *c)
}

/// Reads one due as of `now`: its light, the words saying why, and its card once issued.
fn read_due(
    d: &StepDue,
    now: NaiveDateTime,
    calendar: &Calendar,
) -> Result<LightReading, CalendarError> {
    let what = d.step.label();
    let shown = d.shown();
    let (light, reason) = if d.passed(now) {
        (
            TicketLight::Red,
            format!("{what}已超期：应于 {shown} 前{what}（{}）", d.rule),
        )
    } else {
        match d.due_at {
            Some(at) => {
                let left = (at - now).num_minutes();
                let warn_from = i64::from(d.limit) * 60 / 4;
                if left <= warn_from {
                    let left = format!("{}小时{}分钟", left / 60, left % 60);
                    (
                        TicketLight::Yellow,
                        format!(
                            "{what}时限即将届满：应于 {shown} 前{what}，还剩{left}（{}；最后四分之一时间内预警）",
                            d.rule
                        ),
                    )
                } else {
                    (
                        TicketLight::Green,
                        format!("{what}时限：{shown} 前（{}）", d.rule),
                    )
                }
            }
            None => {
                let left = calendar.between(now.date(), d.due)?;
                let warn_from = 2.min(d.limit.saturating_sub(1));
                if left <= warn_from {
                    (
                        TicketLight::Yellow,
                        format!(
                            "{what}时限即将届满：应于 {shown} 前{what}，还剩{left}个工作日（{}；届满前{warn_from}个工作日起预警）",
                            d.rule
                        ),
                    )
                } else {
                    (
                        TicketLight::Green,
                        format!("{what}时限：{shown} 前（{}）", d.rule),
                    )
                }
            }
        }
    };
    let card = if light == TicketLight::Red {
        let on = match d.due_at {
            Some(at) => Some(at.date()),
            None => {
                let on = calendar.add(d.due, 1)?;
                (now.date() >= on).then_some(on)
            }
        };
        on.map(|on| {
            let color = card_color(d.step);
            TicketCard {
                color,
                color_label: color.label().into(),
                step: d.step,
                on,
                reason: format!(
                    "{}：{what}超过时限（应于 {shown} 前{what}；{}），{} 亮牌",
                    color.label(),
                    d.rule,
                    fmt_date(on)
                ),
            }
        })
    } else {
        None
    };
    Ok(LightReading {
        light,
        light_label: light.label().into(),
        step: Some(d.step),
        due: Some(shown),
        reason,
        card,
    })
}

fn rank(l: TicketLight) -> u8 {
    match l {
        TicketLight::Green => 0,
        TicketLight::Yellow => 1,
        TicketLight::Red => 2,
    }
}

/// The ticket's light as of the local time `now`: the worst of its open dues (the earlier one on a
/// tie), green with no due; `None` for a closed or merged ticket.
pub fn ticket_light(
    t: &Ticket,
    now: NaiveDateTime,
    calendar: &Calendar,
) -> Result<Option<LightReading>, CalendarError> {
    if matches!(t.state, TicketState::Closed | TicketState::Merged) {
        return Ok(None);
    }
    let mut best: Option<LightReading> = None;
    for d in open_dues(t) {
        let r = read_due(&d, now, calendar)?;
        if best.as_ref().is_none_or(|b| rank(r.light) > rank(b.light)) {
            best = Some(r);
        }
    }
    Ok(Some(best.unwrap_or_else(|| LightReading {
        light: TicketLight::Green,
        light_label: TicketLight::Green.label().into(),
        step: None,
        due: None,
        reason: "当前没有待办时限".into(),
        card: None,
    })))
}

/// Whether the current step's due has passed as of `now` (the desks' overdue lists): the dispatch
/// while waiting for dispatch, the reply while with the department, the callback after the reply —
/// as the store's date filter, but with hour dues to the minute.
pub fn current_due_passed(t: &Ticket, now: NaiveDateTime) -> bool {
    let step = match t.state {
        TicketState::PendingDispatch => DueStep::Dispatch,
        TicketState::Dispatched | TicketState::InProgress => DueStep::Reply,
        TicketState::Replied => DueStep::Callback,
        TicketState::Closed | TicketState::Merged => return false,
    };
    open_dues(t).iter().any(|d| d.step == step && d.passed(now))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Calendar;
    use crate::testing::d;
    use crate::tickets::{Deadlines, TicketAction, TicketType, Urgency};

    fn cal() -> Calendar {
        Calendar::builtin()
    }

    fn dt(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
    }

    fn dispatch() -> TicketAction {
        TicketAction::Dispatch {
            department: "县市场监督管理局".into(),
        }
    }

    fn ticket(urgency: Urgency, at: &str) -> Ticket {
        let t = TicketType::Complaint;
        Ticket::create_at(t, urgency, Deadlines::defaults(t, urgency), dt(at), &cal()).unwrap()
    }

    fn light(t: &Ticket, now: &str) -> LightReading {
        ticket_light(t, dt(now), &cal()).unwrap().unwrap()
    }

    #[test]
    fn an_urgent_dispatch_turns_yellow_in_its_last_half_hour_and_red_a_minute_late() {
        let t = ticket(Urgency::Urgent, "2025-03-03 10:30");
        assert_eq!(light(&t, "2025-03-03 11:59").light, TicketLight::Green);
        let y = light(&t, "2025-03-03 12:00");
        assert_eq!(y.light, TicketLight::Yellow);
        assert!(y.reason.contains("2025-03-03 12:30"), "{}", y.reason);
        assert!(y.reason.contains("紧急：按小时计"), "{}", y.reason);
        // Exactly at the 2nd hour: still on time.
        let at = light(&t, "2025-03-03 12:30");
        assert_eq!((at.light, at.card.clone()), (TicketLight::Yellow, None));
        let r = light(&t, "2025-03-03 12:31");
        assert_eq!(r.light, TicketLight::Red);
        assert_eq!(r.step, Some(DueStep::Dispatch));
        assert!(r.reason.contains("派单已超期"), "{}", r.reason);
        let card = r.card.unwrap();
        assert_eq!((card.color, card.on), (CardColor::Yellow, d("2025-03-03")));
        assert!(card.reason.starts_with("黄牌"), "{}", card.reason);
        assert!(current_due_passed(&t, dt("2025-03-03 12:31")));
        assert!(!current_due_passed(&t, dt("2025-03-03 12:30")));
    }

    #[test]
    fn urgent_hours_cross_midnight_and_weekends_without_the_calendar() {
        let t = ticket(Urgency::Urgent, "2025-03-07 23:30");
        assert_eq!(light(&t, "2025-03-08 01:30").light, TicketLight::Yellow);
        let r = light(&t, "2025-03-08 01:31");
        assert_eq!(r.light, TicketLight::Red);
        assert_eq!(r.due.as_deref(), Some("2025-03-08 01:30"));
        assert_eq!(r.card.unwrap().on, d("2025-03-08"));
    }

    #[test]
    fn a_dispatched_urgent_ticket_shows_the_worse_of_sign_and_reply() {
        let t = ticket(Urgency::Urgent, "2025-03-03 10:30")
            .apply_at(&dispatch(), dt("2025-03-03 12:00"), &cal())
            .unwrap();
        assert_eq!(light(&t, "2025-03-03 12:10").light, TicketLight::Green);
        let r = light(&t, "2025-03-03 14:01");
        assert_eq!((r.light, r.step), (TicketLight::Red, Some(DueStep::Sign)));
        assert_eq!(r.card.unwrap().color, CardColor::Yellow);
        // The overdue lists follow the reply, not the signing.
        assert!(!current_due_passed(&t, dt("2025-03-03 14:01")));
        let signed = t
            .apply_at(&TicketAction::Sign {}, dt("2025-03-03 13:00"), &cal())
            .unwrap();
        // 24 hours: yellow from 6 hours before the due.
        assert_eq!(light(&signed, "2025-03-04 05:59").light, TicketLight::Green);
        assert_eq!(
            light(&signed, "2025-03-04 06:00").light,
            TicketLight::Yellow
        );
        let late = light(&signed, "2025-03-04 12:01");
        assert_eq!(
            (late.light, late.step),
            (TicketLight::Red, Some(DueStep::Reply))
        );
        let card = late.card.unwrap();
        assert_eq!((card.color, card.step), (CardColor::Red, DueStep::Reply));
        assert!(card.reason.starts_with("红牌"), "{}", card.reason);
        assert!(current_due_passed(&signed, dt("2025-03-04 12:01")));
    }

    #[test]
    fn ordinary_dues_warn_in_working_days_and_cards_wait_for_the_next_working_day() {
        // Dispatch due 2025-03-04 (1 working day): yellow on the due date only.
        let t = ticket(Urgency::Normal, "2025-03-03 09:00");
        assert_eq!(light(&t, "2025-03-03 23:59").light, TicketLight::Green);
        assert_eq!(light(&t, "2025-03-04 00:00").light, TicketLight::Yellow);
        let r = light(&t, "2025-03-05 00:00");
        assert_eq!(r.light, TicketLight::Red);
        assert_eq!(r.due.as_deref(), Some("2025-03-04"));
        assert_eq!(r.card.unwrap().on, d("2025-03-05"));
        // Reply due 2025-03-17 (10 working days): yellow from 2 working days before.
        let t = t
            .apply(&dispatch(), d("2025-03-03"), &cal())
            .unwrap()
            .apply(&TicketAction::Sign {}, d("2025-03-03"), &cal())
            .unwrap();
        assert_eq!(light(&t, "2025-03-12 10:00").light, TicketLight::Green);
        assert_eq!(light(&t, "2025-03-13 10:00").light, TicketLight::Yellow);
        assert_eq!(light(&t, "2025-03-17 23:59").light, TicketLight::Yellow);
        let r = light(&t, "2025-03-18 08:00");
        assert_eq!(r.light, TicketLight::Red);
        assert_eq!(r.card.unwrap().color, CardColor::Red);
        assert!(current_due_passed(&t, dt("2025-03-18 08:00")));
        assert!(!current_due_passed(&t, dt("2025-03-17 23:59")));
    }

    #[test]
    fn an_ordinary_card_due_on_a_friday_is_shown_from_monday() {
        // Registered Thursday 2025-03-06: dispatch due Friday 03-07.
        let t = ticket(Urgency::Normal, "2025-03-06 09:00");
        let sat = light(&t, "2025-03-08 10:00");
        assert_eq!((sat.light, sat.card), (TicketLight::Red, None));
        assert_eq!(
            light(&t, "2025-03-10 08:00").card.unwrap().on,
            d("2025-03-10")
        );
    }

    #[test]
    fn closed_tickets_have_no_light_and_praise_in_progress_is_green() {
        let t = ticket(Urgency::Normal, "2025-03-03 09:00")
            .apply(&TicketAction::DirectReply {}, d("2025-03-03"), &cal())
            .unwrap()
            .apply(
                &TicketAction::Callback { satisfied: true },
                d("2025-03-04"),
                &cal(),
            )
            .unwrap();
        assert_eq!(
            ticket_light(&t, dt("2025-04-01 00:00"), &cal()).unwrap(),
            None
        );
        let p = TicketType::Praise;
        let praise = Ticket::create(
            p,
            Urgency::Urgent,
            Deadlines::urgent(p),
            d("2025-03-03"),
            &cal(),
        )
        .unwrap()
        .apply(&dispatch(), d("2025-03-03"), &cal())
        .unwrap()
        .apply(&TicketAction::Sign {}, d("2025-03-03"), &cal())
        .unwrap();
        let g = light(&praise, "2025-06-01 00:00");
        assert_eq!((g.light, g.step), (TicketLight::Green, None));
    }

    #[test]
    fn the_card_rules_are_yellow_for_the_process_and_red_for_the_reply() {
        assert_eq!(card_color(DueStep::Dispatch), CardColor::Yellow);
        assert_eq!(card_color(DueStep::Sign), CardColor::Yellow);
        assert_eq!(card_color(DueStep::Reply), CardColor::Red);
        assert_eq!(card_color(DueStep::Callback), CardColor::Yellow);
    }
}
