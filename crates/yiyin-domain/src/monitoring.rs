//! E-monitoring (电子监察) on the case clock, as `contracts.md` §2a defines it: the efficiency class
//! of a decided case (即办 / 提前 / 按时 / 超期) and the yellow and red cards (黄牌 / 红牌) for the
//! promised limit, the statutory limit (Art. 42) and the certificate (Art. 44).
//!
//! Both are read from the engine's own case and clock as of a date, so `yiyin rehearse` and the
//! server's monitoring sweep apply the same rules:
//! - a card is dated add(due, 1), the first working day after the due date, where due is the
//!   case's `promised_due`, `statutory_due` or `certificate_due` as of that date (a suspension
//!   still running counts up to it);
//! - it is issued when that date is on or before the date read, the case was not decided (for the
//!   certificate: the certificate was not issued) and not withdrawn on or before the due date, and
//!   the case is not suspended on the card's date;
//! - instant items (即办件) get no decision cards; deciding after the due date does not remove a
//!   card.
//!
//! The cards are those due as of one date. A sweep that runs every day and keeps what it issued
//! also keeps a promised-limit card whose due a later extension or suspension moved; the
//! rehearsal reads the clock once, at `until`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

mod conduct;

pub use conduct::{conduct_cards, push_ack_card, redress_reply_card};

use crate::calendar::{CalendarError, fmt_date};
use crate::engine::{Case, CaseState, Clock, Closing, Context};

labelled_enum!(
    /// How a decided case kept its promised limit: the classes of the bureau's statistics; every
    /// decided case is in exactly one.
    Efficiency {
        /// An instant item (即办件), decided on the spot.
        Instant = ("instant", "即办"),
        /// Decided before the promised due date.
        Early = ("early", "提前"),
        /// Decided on the promised due date.
        OnTime = ("on_time", "按时"),
        /// Decided after the promised due date.
        Late = ("late", "超期"),
    }
);

labelled_enum!(
    /// The colour of a monitoring card: yellow for the promised limit, red for a limit of the law.
    CardColor {
        Yellow = ("yellow", "黄牌"),
        Red = ("red", "红牌"),
    }
);

labelled_enum!(
    /// The time limit a card was issued for.
    CardLimit {
        /// The bureau's promised limit (承诺时限).
        Promised = ("promised", "承诺时限"),
        /// The statutory decision limit (Art. 42).
        Statutory = ("statutory", "法定时限"),
        /// Issuing and delivering the certificate (Art. 44).
        Certificate = ("certificate", "制证送达时限"),
        /// A procedure step's own budget (程序清单), [`conduct`].
        Step = ("step", "环节时限"),
        /// The five days of intake (Art. 32), passed into a deemed acceptance, [`conduct`].
        Intake = ("intake", "受理审查时限"),
        /// A pushed result's acknowledgement by the supervising department, [`conduct`].
        PushAck = ("push_ack", "推送签收时限"),
        /// The reply to a reconsideration or a lawsuit (复议答复、应诉答辩), [`conduct`].
        RedressReply = ("redress_reply", "复议答复应诉时限"),
    }
);

/// A yellow or red card issued by the monitoring. `color`, `limit` and `on` are the fields of
/// `contracts.md` §2a; `due` and `reason` explain it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Card {
    pub color: CardColor,
    pub limit: CardLimit,
    /// The date the card is issued: the first working day after `due`.
    pub on: NaiveDate,
    /// The due date that passed.
    pub due: NaiveDate,
    /// Why, naming the rule, in Chinese.
    pub reason: String,
}

impl Card {
    /// The card as people read it: 「黄牌（承诺时限）」.
    pub fn title(&self) -> String {
        format!("{}（{}）", self.color.label(), self.limit.label())
    }
}

/// What the monitoring makes of a case as of a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Assessment {
    /// `None` until decided, and for refused and withdrawn cases.
    pub efficiency: Option<Efficiency>,
    /// In date order; on the same date, yellow first.
    pub cards: Vec<Card>,
}

/// The efficiency class and the cards of a case as of `as_of`.
pub fn assess(case: &Case, ctx: &Context, as_of: NaiveDate) -> Result<Assessment, CalendarError> {
    let clock = case.deadlines(ctx, as_of)?;
    assess_clock(case, ctx, &clock)
}

/// As [`assess`], from the case's clock already computed ([`Case::clock`] or [`Case::deadlines`]
/// of the same case; its `as_of` is the date read).
pub fn assess_clock(
    case: &Case,
    ctx: &Context,
    clock: &Clock,
) -> Result<Assessment, CalendarError> {
    Ok(Assessment {
        efficiency: efficiency(case, ctx, clock),
        cards: cards(case, ctx, clock)?,
    })
}

/// The efficiency class of a case given its clock: `None` until decided and for refused and
/// withdrawn cases; `instant` for an instant item; otherwise the decision date against the
/// promised due date.
pub fn efficiency(case: &Case, ctx: &Context, clock: &Clock) -> Option<Efficiency> {
    if matches!(case.state, CaseState::Refused | CaseState::Withdrawn) {
        return None;
    }
    let decided = case.decided_on?;
    if ctx.item.instant {
        return Some(Efficiency::Instant);
    }
    let due = clock.promised_due?;
    Some(match decided.cmp(&due) {
        std::cmp::Ordering::Less => Efficiency::Early,
        std::cmp::Ordering::Equal => Efficiency::OnTime,
        std::cmp::Ordering::Greater => Efficiency::Late,
    })
}

/// The cards of a case as of the clock's date, in date order (same date: yellow first).
pub fn cards(case: &Case, ctx: &Context, clock: &Clock) -> Result<Vec<Card>, CalendarError> {
    let withdrawn_on = match case.closing {
        Some(Closing::Withdrawn) => case.closed_on,
        _ => None,
    };
    let mut candidates = Vec::new();
    if !ctx.item.instant {
        if let Some(due) = clock.promised_due {
            candidates.push((CardColor::Yellow, CardLimit::Promised, due, case.decided_on));
        }
        if let Some(due) = clock.statutory_due {
            candidates.push((CardColor::Red, CardLimit::Statutory, due, case.decided_on));
        }
    }
    if let Some(due) = clock.certificate_due {
        candidates.push((
            CardColor::Red,
            CardLimit::Certificate,
            due,
            case.certificate_issued_on,
        ));
    }
    let mut out = Vec::new();
    for (color, limit, due, done_on) in candidates {
        let on = ctx.calendar.add(due, 1)?;
        let in_time = |d: Option<NaiveDate>| d.is_some_and(|d| d <= due);
        if on > clock.as_of || in_time(done_on) || in_time(withdrawn_on) {
            continue;
        }
        if suspended_on(case, on) {
            continue;
        }
        out.push(Card {
            color,
            limit,
            on,
            due,
            reason: reason(ctx, limit, due),
        });
    }
    out.sort_by_key(|c| (c.on, c.color, c.limit));
    Ok(out)
}

/// Whether the case is in a special procedure (Art. 45) on `day`: from the day it was suspended
/// until the day before it resumed (on the day it resumes, the case is under review again).
pub fn suspended_on(case: &Case, day: NaiveDate) -> bool {
    case.suspensions
        .iter()
        .any(|s| s.started_on <= day && s.ended_on.is_none_or(|end| day < end))
}

/// Why a card was issued, naming the rule.
fn reason(ctx: &Context, limit: CardLimit, due: NaiveDate) -> String {
    let due = fmt_date(due);
    match limit {
        CardLimit::Promised => {
            format!("超过承诺办结时限：承诺办结期限 {due} 届满仍未办结")
        }
        CardLimit::Statutory => {
            let article = if ctx.item.joint {
                "《行政许可法》第四十二条第二款"
            } else {
                "《行政许可法》第四十二条"
            };
            let basis = ctx.item.limit_basis.trim();
            let rule = if basis.is_empty() {
                article.to_string()
            } else {
                format!("{basis}、{article}")
            };
            format!("超过法定办理时限（{rule}）：法定期限 {due} 届满仍未作出行政许可决定")
        }
        CardLimit::Certificate => format!(
            "超过制证送达时限（《行政许可法》第四十四条）：发证期限 {due} 届满仍未颁发、送达许可证件"
        ),
        // Issued with their own reasons by [`conduct`], never here.
        CardLimit::Step | CardLimit::Intake | CardLimit::PushAck | CardLimit::RedressReply => {
            String::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Calendar;
    use crate::engine::{Action, ApplicantFacts, ItemRules};
    use crate::testing::d;

    fn item(statutory: u32, promised: u32) -> ItemRules {
        serde_json::from_value(serde_json::json!({
            "name": "测试事项", "statutory_days": statutory, "promised_days": promised
        }))
        .unwrap()
    }

    /// A case received and accepted on `on`, then the actions in order.
    fn run(ctx: &Context, on: &str, actions: &[(&str, Action)]) -> Case {
        let mut case = Case::receive(ctx, d(on), &[]).unwrap().case;
        case = case.apply(ctx, d(on), &Action::Accept).unwrap().case;
        for (date, action) in actions {
            case = case.apply(ctx, d(date), action).unwrap().case;
        }
        case
    }

    fn suspend() -> Action {
        serde_json::from_value(serde_json::json!({
            "action": "suspend", "kind": "testing", "reason": "水质检测", "expected_days": 5
        }))
        .unwrap()
    }

    #[test]
    fn a_case_is_suspended_from_the_day_it_stops_until_the_day_before_it_resumes() {
        let (cal, facts, it) = (Calendar::builtin(), ApplicantFacts::default(), item(20, 5));
        let ctx = Context {
            item: &it,
            calendar: &cal,
            applicant: &facts,
        };
        // Accepted Monday 2025-03-03, suspended Wednesday 03-05, resumed Monday 03-10.
        let case = run(
            &ctx,
            "2025-03-03",
            &[("2025-03-05", suspend()), ("2025-03-10", Action::Resume)],
        );
        let on = |s: &str| suspended_on(&case, d(s));
        assert!(!on("2025-03-04"));
        assert!(on("2025-03-05"));
        assert!(on("2025-03-07"));
        assert!(!on("2025-03-10"));
        // Still running: suspended on every later day.
        let open = run(&ctx, "2025-03-03", &[("2025-03-05", suspend())]);
        assert!(suspended_on(&open, d("2025-12-31")));
        assert!(!suspended_on(&open, d("2025-03-04")));
    }

    #[test]
    fn equal_limits_give_yellow_before_red_on_the_same_day() {
        let (cal, facts, it) = (Calendar::builtin(), ApplicantFacts::default(), item(5, 5));
        let ctx = Context {
            item: &it,
            calendar: &cal,
            applicant: &facts,
        };
        // Accepted Monday 2025-03-03: both limits end on Monday 03-10 (5 working days), so both
        // cards are dated Tuesday 03-11.
        let case = run(&ctx, "2025-03-03", &[]);
        let a = assess(&case, &ctx, d("2025-03-11")).unwrap();
        let got: Vec<_> = a.cards.iter().map(|c| (c.color, c.limit, c.on)).collect();
        assert_eq!(
            got,
            vec![
                (CardColor::Yellow, CardLimit::Promised, d("2025-03-11")),
                (CardColor::Red, CardLimit::Statutory, d("2025-03-11")),
            ]
        );
        assert_eq!(a.cards[0].title(), "黄牌（承诺时限）");
        assert!(
            a.cards[1].reason.contains("第四十二条"),
            "{}",
            a.cards[1].reason
        );
        assert_eq!(a.efficiency, None);
        // The day before, nothing yet.
        assert!(
            assess(&case, &ctx, d("2025-03-10"))
                .unwrap()
                .cards
                .is_empty()
        );
    }

    #[test]
    fn codes_and_labels() {
        assert_eq!(serde_json::to_value(Efficiency::OnTime).unwrap(), "on_time");
        assert_eq!(
            Efficiency::ALL
                .iter()
                .map(|e| e.label())
                .collect::<Vec<_>>(),
            ["即办", "提前", "按时", "超期"]
        );
        assert_eq!(CardColor::Red.label(), "红牌");
        assert_eq!(
            serde_json::to_value(CardLimit::Certificate).unwrap(),
            "certificate"
        );
    }
}
