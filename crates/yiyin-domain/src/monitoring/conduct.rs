//! The monitoring's cards on the conduct of the work, beyond the decision and certificate limits
//! of `contracts.md` §2a (which [`super::cards`] issues and `yiyin rehearse` prints): the server's
//! sweep issues these too, by the same rules on every server.
//!
//! - **Step budget** (黄牌, 环节时限): a procedure step of the item's list (程序清单) not done within
//!   its own budget of working days, counted from the day the step before it was done (the first
//!   from acceptance), moved by any suspension (Art. 45) that began since. One card per case: the
//!   first step that overran (later steps start late because of it).
//! - **Intake** (红牌, 受理时限): the five days of Art. 32 para 1 (4) passed with no outcome, so the
//!   application was deemed accepted (视为受理) — a one-time notice given after them is refused by
//!   the engine, so the window's failure shows as this card instead.
//! - **Push acknowledgement** (黄牌, 推送签收时限, on the supervising department): a pushed result
//!   not acknowledged (签收) by its due date (`supervision::ack_due`).
//! - **Redress reply** (红牌, 复议答复应诉时限): the written reply to a reconsideration or the defence
//!   in a lawsuit not filed by its due date (`redress::reply_due`: 行政复议法 第四十八条, 行政诉讼法
//!   第六十七条) — a time limit of the law, so red.
//!
//! Refusals and denials without reasons cannot be made (the engine requires the reason, Art. 38
//! para 2), so they need no card. Every card is dated the first working day after the due date that
//! passed, as the §2a cards are.

use chrono::NaiveDate;

use super::{Card, CardColor, CardLimit, suspended_on};
use crate::calendar::{Calendar, CalendarError, fmt_date};
use crate::engine::{Case, Context};

/// The conduct cards of a case as of `as_of` (see the module's rules), in date order.
pub fn conduct_cards(
    case: &Case,
    ctx: &Context,
    as_of: NaiveDate,
) -> Result<Vec<Card>, CalendarError> {
    let mut out = Vec::new();
    if case.deemed_accepted {
        let due = case.supplement_notice_due;
        let on = ctx.calendar.add(due, 1)?;
        if on <= as_of {
            out.push(Card {
                color: CardColor::Red,
                limit: CardLimit::Intake,
                on,
                due,
                reason: format!(
                    "超过受理审查时限（《行政许可法》第三十二条第一款第（四）项）：收到申请材料后五日内（至 {}）未作出受理、不予受理或一次性告知补正的决定，申请被视为受理",
                    fmt_date(due)
                ),
            });
        }
    }
    if let Some(card) = step_card(case, ctx, as_of)? {
        out.push(card);
    }
    out.sort_by_key(|c| (c.on, c.color, c.limit));
    Ok(out)
}

/// The first step of the item's list that overran its budget, if any.
fn step_card(case: &Case, ctx: &Context, as_of: NaiveDate) -> Result<Option<Card>, CalendarError> {
    let Some(mut start) = case.accepted_on else {
        return Ok(None);
    };
    // A case closed (withdrawn, decided, refused) ends its steps: a step not done by then did not
    // overrun unless its due date came first.
    let ended = case.closed_on.or(case.decided_on);
    for rule in &ctx.item.steps {
        let done = case
            .steps
            .iter()
            .find(|s| s.kind == rule.kind && !s.awaiting_confirmation && s.on >= start)
            .map(|s| s.on);
        let moved: u32 = case
            .suspensions
            .iter()
            .filter(|s| s.started_on >= start)
            .map(|s| {
                let end = s.ended_on.unwrap_or(as_of.max(s.started_on));
                ctx.calendar.between(s.started_on, end)
            })
            .sum::<Result<u32, CalendarError>>()?;
        let due = ctx.calendar.add(start, rule.days + moved)?;
        let on = ctx.calendar.add(due, 1)?;
        let late = match done {
            Some(d) => d > due,
            // Not done: late unless the case ended by the due date, or stands suspended on the
            // card's date (the budget is moved again when it resumes).
            None => ended.is_none_or(|e| e > due) && !suspended_on(case, on),
        };
        if late && on <= as_of {
            let what = match done {
                Some(d) => format!("于 {} 办结", fmt_date(d)),
                None => "仍未办结".to_string(),
            };
            return Ok(Some(Card {
                color: CardColor::Yellow,
                limit: CardLimit::Step,
                on,
                due,
                reason: format!(
                    "“{}”环节超过预定办理时限（程序清单：{} 个工作日{}）：应于 {} 前办结，{what}",
                    rule.name,
                    rule.days,
                    if moved > 0 {
                        format!("，另计特别程序 {moved} 个工作日")
                    } else {
                        String::new()
                    },
                    fmt_date(due),
                ),
            }));
        }
        match done {
            Some(d) => start = d,
            // Not done and not late (yet): the steps after it have not started.
            None => return Ok(None),
        }
    }
    Ok(None)
}

/// The card of a push not acknowledged (签收) by its due date, as of `as_of`: dated the first
/// working day after `ack_due`, unless it was acknowledged on or before the due date.
pub fn push_ack_card(
    cal: &Calendar,
    ack_due: NaiveDate,
    acknowledged_on: Option<NaiveDate>,
    as_of: NaiveDate,
    department_name: &str,
) -> Result<Option<Card>, CalendarError> {
    if acknowledged_on.is_some_and(|d| d <= ack_due) {
        return Ok(None);
    }
    let on = cal.add(ack_due, 1)?;
    if on > as_of {
        return Ok(None);
    }
    let what = match acknowledged_on {
        Some(d) => format!("于 {} 签收", fmt_date(d)),
        None => "仍未签收".to_string(),
    };
    Ok(Some(Card {
        color: CardColor::Yellow,
        limit: CardLimit::PushAck,
        on,
        due: ack_due,
        reason: format!(
            "{department_name}超过审批结果签收时限（审管衔接）：推送应于 {} 前签收，{what}",
            fmt_date(ack_due)
        ),
    }))
}

/// The card of a reply to a reconsideration or a lawsuit not filed by its due date, as of
/// `as_of`: dated the first working day after `reply_due`, unless the reply was filed on or before
/// it. `what` names the proceeding and the reply (行政复议书面答复, 行政诉讼答辩状) and `basis` its law.
pub fn redress_reply_card(
    cal: &Calendar,
    reply_due: NaiveDate,
    replied_on: Option<NaiveDate>,
    as_of: NaiveDate,
    what: &str,
    basis: &str,
) -> Result<Option<Card>, CalendarError> {
    if replied_on.is_some_and(|d| d <= reply_due) {
        return Ok(None);
    }
    let on = cal.add(reply_due, 1)?;
    if on > as_of {
        return Ok(None);
    }
    let done = match replied_on {
        Some(d) => format!("于 {} 提交", fmt_date(d)),
        None => "仍未提交".to_string(),
    };
    Ok(Some(Card {
        color: CardColor::Red,
        limit: CardLimit::RedressReply,
        on,
        due: reply_due,
        reason: format!(
            "超过{what}期限（{basis}）：应于 {} 前提交，{done}",
            fmt_date(reply_due)
        ),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Action, ApplicantFacts, ItemRules};
    use crate::testing::d;

    /// An item of 20/10 days with a review of 2 working days and a technical review of 3.
    fn item() -> ItemRules {
        serde_json::from_value(serde_json::json!({
            "name": "测试事项", "statutory_days": 20, "promised_days": 10,
            "steps": [
                {"kind": "review", "name": "审查", "role": "reviewer", "days": 2},
                {"kind": "technical_review", "name": "技术审查", "role": "technical_reviewer", "days": 3}
            ]
        }))
        .unwrap()
    }

    fn step(kind: &str) -> Action {
        serde_json::from_value(serde_json::json!({
            "action": "complete_step", "kind": kind, "staff": ["甲"], "opinion": "符合"
        }))
        .unwrap()
    }

    fn suspend() -> Action {
        serde_json::from_value(serde_json::json!({
            "action": "suspend", "kind": "testing", "reason": "水质检测", "expected_days": 5
        }))
        .unwrap()
    }

    /// Received and accepted Monday 2025-03-03, then the actions in order.
    fn run(ctx: &Context, actions: &[(&str, Action)]) -> Case {
        let on = d("2025-03-03");
        let mut case = Case::receive(ctx, on, &[]).unwrap().case;
        case = case.apply(ctx, on, &Action::Accept).unwrap().case;
        for (date, action) in actions {
            case = case.apply(ctx, d(date), action).unwrap().case;
        }
        case
    }

    fn kinds(cards: &[Card]) -> Vec<(CardLimit, NaiveDate)> {
        cards.iter().map(|c| (c.limit, c.on)).collect()
    }

    #[test]
    fn a_step_over_its_budget_gets_a_yellow_card_the_day_after() {
        let (cal, facts, it) = (Calendar::builtin(), ApplicantFacts::default(), item());
        let ctx = Context {
            item: &it,
            calendar: &cal,
            applicant: &facts,
        };
        // The review is due Wednesday 03-05 (2 working days after acceptance): no card that day.
        let open = run(&ctx, &[]);
        assert!(
            conduct_cards(&open, &ctx, d("2025-03-05"))
                .unwrap()
                .is_empty()
        );
        let cards = conduct_cards(&open, &ctx, d("2025-03-06")).unwrap();
        assert_eq!(kinds(&cards), vec![(CardLimit::Step, d("2025-03-06"))]);
        assert_eq!(cards[0].color, CardColor::Yellow);
        assert!(
            cards[0].reason.contains("“审查”环节"),
            "{}",
            cards[0].reason
        );
        assert!(cards[0].reason.contains("仍未办结"), "{}", cards[0].reason);
        // Done on its due date: none; the technical review then runs from 03-05 to 03-10.
        let in_time = run(&ctx, &[("2025-03-05", step("review"))]);
        assert!(
            conduct_cards(&in_time, &ctx, d("2025-03-10"))
                .unwrap()
                .is_empty()
        );
        let cards = conduct_cards(&in_time, &ctx, d("2025-03-11")).unwrap();
        assert_eq!(kinds(&cards), vec![(CardLimit::Step, d("2025-03-11"))]);
        assert!(cards[0].reason.contains("技术审查"), "{}", cards[0].reason);
        // Done a day late: the card stays, saying when it was done.
        let late = run(&ctx, &[("2025-03-06", step("review"))]);
        let cards = conduct_cards(&late, &ctx, d("2025-03-06")).unwrap();
        assert_eq!(kinds(&cards), vec![(CardLimit::Step, d("2025-03-06"))]);
        assert!(
            cards[0].reason.contains("于 2025-03-06 办结"),
            "{}",
            cards[0].reason
        );
    }

    #[test]
    fn a_suspension_moves_the_step_budget_and_no_card_is_given_while_suspended() {
        let (cal, facts, it) = (Calendar::builtin(), ApplicantFacts::default(), item());
        let ctx = Context {
            item: &it,
            calendar: &cal,
            applicant: &facts,
        };
        // Suspended Tuesday 03-04, still suspended: no card on any later day.
        let suspended = run(&ctx, &[("2025-03-04", suspend())]);
        assert!(
            conduct_cards(&suspended, &ctx, d("2025-03-20"))
                .unwrap()
                .is_empty()
        );
        // Resumed Monday 03-10: four working days suspended (03-05 … 03-10), so the review is
        // due 03-11 and the card comes on 03-12.
        let resumed = run(
            &ctx,
            &[("2025-03-04", suspend()), ("2025-03-10", Action::Resume)],
        );
        assert!(
            conduct_cards(&resumed, &ctx, d("2025-03-11"))
                .unwrap()
                .is_empty()
        );
        let cards = conduct_cards(&resumed, &ctx, d("2025-03-12")).unwrap();
        assert_eq!(kinds(&cards), vec![(CardLimit::Step, d("2025-03-12"))]);
        assert!(
            cards[0].reason.contains("另计特别程序 4 个工作日"),
            "{}",
            cards[0].reason
        );
    }

    #[test]
    fn a_withdrawal_before_the_step_is_due_gives_no_card() {
        let (cal, facts, it) = (Calendar::builtin(), ApplicantFacts::default(), item());
        let ctx = Context {
            item: &it,
            calendar: &cal,
            applicant: &facts,
        };
        let withdraw: Action = serde_json::from_value(
            serde_json::json!({"action": "withdraw", "reason": "申请人撤回"}),
        )
        .unwrap();
        let case = run(&ctx, &[("2025-03-04", withdraw)]);
        assert!(
            conduct_cards(&case, &ctx, d("2025-03-20"))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn a_deemed_acceptance_is_a_red_card_of_the_intake() {
        let (cal, facts, it) = (Calendar::builtin(), ApplicantFacts::default(), item());
        let ctx = Context {
            item: &it,
            calendar: &cal,
            applicant: &facts,
        };
        // Received Monday 03-03 with nothing done: the five days end Monday 03-10.
        let received = Case::receive(&ctx, d("2025-03-03"), &[]).unwrap().case;
        let (deemed, _) = received.tick(d("2025-03-11")).expect("deemed accepted");
        assert!(deemed.deemed_accepted);
        let cards = conduct_cards(&deemed, &ctx, d("2025-03-11")).unwrap();
        let intake: Vec<_> = cards
            .iter()
            .filter(|c| c.limit == CardLimit::Intake)
            .collect();
        assert_eq!(intake.len(), 1, "{cards:?}");
        assert_eq!(
            (intake[0].color, intake[0].on),
            (CardColor::Red, d("2025-03-11"))
        );
        assert!(
            intake[0].reason.contains("第三十二条"),
            "{}",
            intake[0].reason
        );
    }

    #[test]
    fn a_push_not_acknowledged_in_time_is_a_yellow_card_on_the_department() {
        let cal = Calendar::builtin();
        let due = d("2025-03-05");
        assert_eq!(
            push_ack_card(&cal, due, None, d("2025-03-05"), "市场监管局").unwrap(),
            None
        );
        let card = push_ack_card(&cal, due, None, d("2025-03-06"), "市场监管局")
            .unwrap()
            .expect("a card");
        assert_eq!(
            (card.color, card.limit, card.on),
            (CardColor::Yellow, CardLimit::PushAck, d("2025-03-06"))
        );
        assert!(card.reason.starts_with("市场监管局"), "{}", card.reason);
        assert_eq!(
            push_ack_card(&cal, due, Some(due), d("2025-03-20"), "市场监管局").unwrap(),
            None
        );
        let late = push_ack_card(
            &cal,
            due,
            Some(d("2025-03-07")),
            d("2025-03-20"),
            "市场监管局",
        )
        .unwrap()
        .expect("a card for the late acknowledgement");
        assert!(
            late.reason.contains("于 2025-03-07 签收"),
            "{}",
            late.reason
        );
    }

    #[test]
    fn a_reply_not_filed_in_time_is_a_red_card() {
        let cal = Calendar::builtin();
        let due = d("2025-10-21");
        let card = |replied: Option<&str>, as_of: &str| {
            redress_reply_card(
                &cal,
                due,
                replied.map(d),
                d(as_of),
                "行政复议书面答复",
                "复议法第四十八条",
            )
            .unwrap()
        };
        assert_eq!(card(None, "2025-10-21"), None);
        let late = card(None, "2025-10-22").expect("a card");
        assert_eq!(
            (late.color, late.limit, late.on),
            (CardColor::Red, CardLimit::RedressReply, d("2025-10-22"))
        );
        assert!(late.reason.contains("仍未提交"), "{}", late.reason);
        assert_eq!(card(Some("2025-10-21"), "2025-11-30"), None);
        let filed_late = card(Some("2025-10-23"), "2025-11-30").expect("a card");
        assert!(
            filed_late.reason.contains("于 2025-10-23 提交"),
            "{}",
            filed_late.reason
        );
    }
}
