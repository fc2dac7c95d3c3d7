//! The requests centre's KPIs (诉求办理考核指标, issue 15 item 4) per department or per category
//! (诉求分类) over a period, recomputed from each ticket's history: the acts are replayed through
//! the one state machine ([`Ticket::apply`]) on the working-day calendar, so every due is the one the
//! desks saw, and each KPI is an exact fraction (numerator and denominator), shown as a percentage
//! to one decimal place, 「—」 when nothing is counted.
//!
//! An urgent ticket whose limits are in hours is judged by the hour: its acts carry their local
//! time, and a signature or reply is on time when made by the due time; an open round is overdue
//! from the day after its due day, as [`Ticket::overdue`] has it.
//!
//! Only master tickets count: a merged duplicate (已并单) counts nowhere. Each count falls on one
//! day and is attributed to one department — the department holding the ticket at that act (a
//! direct reply at intake to the centre itself) — and to the ticket's category; a count is in the
//! period when its day is (both dates included). Definitions:
//!
//! - **按时签收率**: the signatures (签收) given in the period; on time when given by the sign due
//!   date of their dispatch (add(派单日, 签收时限)).
//! - **按时办结率**: the handling rounds (a dispatch, or a 重办 after an unsatisfied callback, up to
//!   the reply) whose reply due date (extension included) falls in the period; on time when
//!   replied by it. A round still open after its due date as of `as_of` counts as not on time (在办
//!   超期); a round still open and not yet due is not counted; a round ended by a return (退单) or a
//!   reassignment (改派) has no due to keep. Praise (表扬) has no reply due and is never counted.
//! - **先行联系率**: Yiyin records no separate act of contacting the caller, and the reply does not
//!   record one; the department's first contact with a ticket is its signature. So this counts the
//!   tickets first dispatched in the period: first contact in time when the first department it was
//!   sent to signed for it by that dispatch's sign due date. Returned, reassigned or merged before
//!   signing, or unsigned after the due date as of `as_of`, is not; unsigned before the due date is
//!   not counted yet.
//! - **满意率**: the callbacks (回访) in the period; satisfied when the caller answered 满意 or 基本满意.
//! - **实际解决率**: 国办发〔2020〕53号 counts a request as actually solved when it is closed without
//!   being handled again; so, the tickets closed (办结, a satisfied callback) in the period, solved
//!   when never handled again (重办).
//! - **重办率**: the replies (答复, or the centre's direct reply) given in the period; handled again
//!   when the callback that followed was 不满意.
//! - **退单率**: the dispatches (派单, 退单仲裁, 改派 — each sends the ticket to a department) in the
//!   period; returned when that department sent the ticket back (退单).

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::{Ticket, TicketAction, TicketError, TicketState};
use crate::calendar::{Calendar, fmt_date};
use crate::refusal::Refusal;
use crate::statistics::{Cell, Fraction, Key, Period, Rate};

labelled_enum!(
    /// How a KPI table is grouped.
    KpiGrouping {
        /// By the department holding the ticket at each act (承办部门).
        Department = ("department", "部门"),
        /// By the ticket's category (诉求分类).
        Category = ("category", "诉求分类", "分类"),
    }
);

/// The code and name of the centre's own row (direct replies at intake).
pub const CENTRE_CODE: &str = "centre";
pub const CENTRE_NAME: &str = "诉求服务中心（直接答复）";

/// One master ticket as the KPIs read it.
#[derive(Debug, Clone)]
pub struct KpiTicket {
    /// The readable number (named when the history does not replay).
    pub number: String,
    /// The ticket's category (诉求分类).
    pub category: Key,
    /// The ticket as stored: its type, urgency, limits and registration date start the replay,
    /// and its state must be the one the replay reaches.
    pub ticket: Ticket,
    /// The acts after registration, in order, each with its local time (China Standard Time).
    pub history: Vec<(NaiveDateTime, TicketAction)>,
}

/// The seven KPIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Measure {
    Sign,
    Reply,
    Contact,
    Satisfied,
    Solved,
    Rehandled,
    Returned,
}

/// The KPIs in order: (rate, what the numerator counts, what the denominator counts).
pub const MEASURES: [(&str, &str, &str); 7] = [
    ("按时签收率", "按时签收", "签收"),
    ("按时办结率", "按时答复", "到期应答复"),
    ("先行联系率", "时限内先行联系", "首次派单"),
    ("满意率", "满意及基本满意", "回访"),
    ("实际解决率", "一次解决", "办结"),
    ("重办率", "重办", "答复"),
    ("退单率", "退单", "派单"),
];

/// One count: a measure, the day it falls on, the department, whether it is a hit (on time,
/// satisfied, returned, …) and whether it is decided yet.
#[derive(Debug, Clone)]
struct Fact {
    measure: Measure,
    day: NaiveDate,
    department: Option<String>,
    hit: bool,
    decided: bool,
}

/// The replay of one ticket: the facts found and the open ends waiting for a later act.
#[derive(Default)]
struct Replay {
    facts: Vec<Fact>,
    /// The dispatch fact of the department holding the ticket (a return marks it).
    dispatch: Option<usize>,
    /// The first dispatch's first-contact fact, until that department signs or loses the ticket.
    contact: Option<usize>,
    dispatched_before: bool,
    /// The department of the handling round whose reply is due.
    round: Option<Option<String>>,
    /// The reply fact waiting for its callback.
    reply: Option<usize>,
}

impl Replay {
    fn push(&mut self, measure: Measure, day: NaiveDate, department: Option<String>) -> usize {
        self.facts.push(Fact {
            measure,
            day,
            department,
            hit: false,
            decided: true,
        });
        self.facts.len() - 1
    }

    fn settle(&mut self, slot: Option<usize>, hit: bool) {
        if let Some(i) = slot {
            self.facts[i].hit = hit;
            self.facts[i].decided = true;
        }
    }

    /// A dispatch (派单, 退单仲裁, 改派) to the department the ticket now holds.
    fn dispatched(&mut self, next: &Ticket, on: NaiveDate) {
        let dep = next.department.clone();
        self.dispatch = Some(self.push(Measure::Returned, on, dep.clone()));
        if !self.dispatched_before {
            self.dispatched_before = true;
            let i = self.push(Measure::Contact, on, dep.clone());
            self.facts[i].decided = false;
            self.contact = Some(i);
        }
        self.round = next.reply_due.map(|_| dep);
    }

    /// The department lost the ticket before replying (a return, a reassignment, a merge).
    fn lost(&mut self) {
        let c = self.contact.take();
        self.settle(c, false);
        self.round = None;
    }

    fn step(&mut self, before: &Ticket, next: &Ticket, action: &TicketAction, at: NaiveDateTime) {
        let on = at.date();
        let dep = before.department.clone();
        match action {
            TicketAction::Dispatch { .. } | TicketAction::Arbitrate { .. } => {
                self.dispatched(next, on);
            }
            TicketAction::Reassign { .. } => {
                self.lost();
                self.dispatched(next, on);
            }
            TicketAction::Sign {} => {
                let on_time = in_time(at, before.sign_due_at, before.sign_due);
                let i = self.push(Measure::Sign, on, dep);
                self.facts[i].hit = on_time;
                let c = self.contact.take();
                self.settle(c, on_time);
            }
            TicketAction::Return { .. } => {
                let d = self.dispatch.take();
                self.settle(d, true);
                self.lost();
            }
            TicketAction::Merge { .. } => self.lost(),
            TicketAction::Reply {} | TicketAction::DirectReply {} => {
                if let (Some(round), Some(due)) = (self.round.take(), before.reply_due) {
                    let i = self.push(Measure::Reply, due, round);
                    self.facts[i].hit = in_time(at, before.reply_due_at, Some(due));
                }
                self.reply = Some(self.push(Measure::Rehandled, on, dep));
            }
            TicketAction::Callback { satisfied } => {
                let i = self.push(Measure::Satisfied, on, dep.clone());
                self.facts[i].hit = *satisfied;
                let r = self.reply.take();
                self.settle(r, !*satisfied);
                if *satisfied {
                    let i = self.push(Measure::Solved, on, dep);
                    self.facts[i].hit = before.rehandled == 0;
                } else if next.state == TicketState::InProgress {
                    // 重办 by the same department on a new clock.
                    self.round = next.reply_due.map(|_| dep);
                }
            }
            TicketAction::Create {}
            | TicketAction::Extend { .. }
            | TicketAction::AskExtension { .. }
            | TicketAction::DenyExtension { .. }
            | TicketAction::Inform { .. }
            | TicketAction::Remind { .. } => {}
        }
    }

    /// What is still open as of `as_of`: an unsigned first dispatch past its sign due date, a
    /// handling round past its reply due date.
    fn close(&mut self, last: &Ticket, as_of: NaiveDate) {
        if let (Some(i), Some(due)) = (self.contact, last.sign_due)
            && as_of > due
        {
            self.settle(Some(i), false);
        }
        if let (Some(round), Some(due)) = (self.round.take(), last.reply_due)
            && as_of > due
        {
            self.push(Measure::Reply, due, round);
        }
    }
}

/// Whether an act at `at` kept its due: the due time when the limit is in hours, else the due day.
fn in_time(at: NaiveDateTime, due_at: Option<NaiveDateTime>, due: Option<NaiveDate>) -> bool {
    match (due_at, due) {
        (Some(t), _) => at <= t,
        (None, Some(d)) => at.date() <= d,
        (None, None) => false,
    }
}

/// The facts of one ticket, replayed from its registration; a merged duplicate has none.
fn facts_of(
    k: &KpiTicket,
    as_of: NaiveDate,
    calendar: &Calendar,
) -> Result<Vec<Fact>, TicketError> {
    let stored = &k.ticket;
    if stored.state == TicketState::Merged {
        return Ok(Vec::new());
    }
    // A ticket with limits in hours kept the time of its registration; else the day is enough.
    let mut t = Ticket::create_at(
        stored.ticket_type,
        stored.urgency,
        stored.deadlines,
        stored
            .created_at
            .unwrap_or_else(|| stored.created_on.and_time(chrono::NaiveTime::MIN)),
        calendar,
    )?;
    let mut replay = Replay::default();
    for (on, action) in &k.history {
        if matches!(action, TicketAction::Create {}) {
            continue;
        }
        let next = t.apply_at(action, *on, calendar).map_err(|e| match e {
            TicketError::Refused(r) => TicketError::Refused(Refusal::new(
                "RC-kpi",
                format!(
                    "工单{}的办理记录无法重算（{} {}）：{}",
                    k.number,
                    fmt_date(on.date()),
                    action.label(),
                    r.message
                ),
            )),
            other => other,
        })?;
        replay.step(&t, &next, action, *on);
        t = next;
    }
    if (t.state, t.returned, t.rehandled) != (stored.state, stored.returned, stored.rehandled) {
        return Err(Refusal::new(
            "RC-kpi",
            format!(
                "工单{}的办理记录与其状态不符（记录重算为「{}」，工单为「{}」），无法计入考核指标",
                k.number,
                t.state.label(),
                stored.state.label()
            ),
        )
        .into());
    }
    replay.close(&t, as_of);
    Ok(replay.facts)
}

/// The counts of one row: per KPI, hits over counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Tally([Fraction; 7]);

impl Tally {
    fn add(&mut self, f: &Fact) {
        let slot = &mut self.0[f.measure as usize];
        slot.denominator += 1;
        if f.hit {
            slot.numerator += 1;
        }
    }
}

/// The seven KPIs of a row, each an exact fraction with its display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KpiRates {
    /// 按时签收率: signatures by the sign due date / signatures.
    pub on_time_sign: Rate,
    /// 按时办结率: rounds replied by the reply due date / rounds due (open overdue included).
    pub on_time_reply: Rate,
    /// 先行联系率: first dispatches signed by their sign due date / first dispatches.
    pub first_contact: Rate,
    /// 满意率: 满意 and 基本满意 / callbacks.
    pub satisfaction: Rate,
    /// 实际解决率: closed without 重办 / closed.
    pub solved: Rate,
    /// 重办率: replies followed by an unsatisfied callback / replies.
    pub rehandled: Rate,
    /// 退单率: dispatches returned / dispatches.
    pub returned: Rate,
}

fn rate(f: Fraction) -> Rate {
    Rate {
        numerator: f.numerator,
        denominator: f.denominator,
        display: f.percent(),
    }
}

impl KpiRates {
    fn of(t: &Tally) -> KpiRates {
        let [a, b, c, d, e, f, g] = t.0;
        KpiRates {
            on_time_sign: rate(a),
            on_time_reply: rate(b),
            first_contact: rate(c),
            satisfaction: rate(d),
            solved: rate(e),
            rehandled: rate(f),
            returned: rate(g),
        }
    }

    /// The rates in the order of [`MEASURES`].
    pub fn all(&self) -> [&Rate; 7] {
        [
            &self.on_time_sign,
            &self.on_time_reply,
            &self.first_contact,
            &self.satisfaction,
            &self.solved,
            &self.rehandled,
            &self.returned,
        ]
    }
}

/// One row: a department or category and its KPIs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KpiRow {
    pub key: Key,
    pub rates: KpiRates,
}

impl KpiRow {
    /// The cells after the code and name: per KPI, the numerator, the denominator and the rate.
    pub fn cells(&self) -> Vec<Cell> {
        let mut out = vec![
            Cell::Text(self.key.code.clone()),
            Cell::Text(self.key.name.clone()),
        ];
        for r in self.rates.all() {
            out.push(Cell::Count(r.numerator));
            out.push(Cell::Count(r.denominator));
            out.push(Cell::Text(r.display.clone()));
        }
        out
    }
}

/// A KPI table: the rows by code, and the total of every count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KpiTable {
    pub period: Period,
    /// The day open tickets are judged on (the end of the period, or today if earlier).
    pub as_of: NaiveDate,
    pub grouping: KpiGrouping,
    pub rows: Vec<KpiRow>,
    pub total: KpiRow,
}

impl KpiTable {
    /// 「诉求办理考核指标（按部门，2025-01-01 至 2025-03-31）」.
    pub fn title(&self) -> String {
        format!(
            "诉求办理考核指标（按{}，{}）",
            self.grouping.label(),
            self.period.label()
        )
    }

    /// The column headings: the group's code and name, then per KPI its numerator, denominator
    /// and rate.
    pub fn headings(&self) -> Vec<String> {
        let mut h = vec![
            format!("{}代码", self.grouping.label()),
            self.grouping.label().to_string(),
        ];
        for (rate, num, den) in MEASURES {
            h.push(format!("{num}（件）"));
            h.push(format!("{den}（件）"));
            h.push(rate.to_string());
        }
        h
    }

    /// Every row's cells, the total last.
    pub fn body(&self) -> Vec<Vec<Cell>> {
        self.rows
            .iter()
            .chain(std::iter::once(&self.total))
            .map(KpiRow::cells)
            .collect()
    }
}

/// What a KPI table is asked for.
#[derive(Debug, Clone, Copy)]
pub struct KpiQuery<'a> {
    pub period: Period,
    /// The day open tickets are judged on: an open round counts as overdue when its due date is
    /// before it.
    pub as_of: NaiveDate,
    pub grouping: KpiGrouping,
    /// Count only what this department did (a ticket handler's own row).
    pub department: Option<&'a str>,
}

/// The KPIs of `tickets` by `q.grouping`; `department_name` names a department's code. A history
/// that does not replay to its ticket's state is refused (`RC-kpi`, naming the ticket).
pub fn compute_kpis(
    tickets: &[KpiTicket],
    q: &KpiQuery<'_>,
    department_name: &dyn Fn(&str) -> String,
    calendar: &Calendar,
) -> Result<KpiTable, TicketError> {
    let mut groups: BTreeMap<Key, Tally> = BTreeMap::new();
    let mut total = Tally::default();
    for k in tickets {
        for f in facts_of(k, q.as_of, calendar)? {
            if !f.decided || !q.period.contains(f.day) {
                continue;
            }
            if q.department.is_some() && f.department.as_deref() != q.department {
                continue;
            }
            let key = match q.grouping {
                KpiGrouping::Category => k.category.clone(),
                KpiGrouping::Department => match f.department.as_deref() {
                    Some(d) => Key::new(d, department_name(d)),
                    None => Key::new(CENTRE_CODE, CENTRE_NAME),
                },
            };
            groups.entry(key).or_default().add(&f);
            total.add(&f);
        }
    }
    Ok(KpiTable {
        period: q.period,
        as_of: q.as_of,
        grouping: q.grouping,
        rows: groups
            .into_iter()
            .map(|(key, t)| KpiRow {
                key,
                rates: KpiRates::of(&t),
            })
            .collect(),
        total: KpiRow {
            key: Key::new("", "合计"),
            rates: KpiRates::of(&total),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::d;
    use crate::tickets::{Deadlines, TicketType, Urgency};

    fn cal() -> Calendar {
        Calendar::builtin()
    }

    fn to(dep: &str) -> TicketAction {
        TicketAction::Dispatch {
            department: dep.into(),
        }
    }

    fn callback(satisfied: bool) -> TicketAction {
        TicketAction::Callback { satisfied }
    }

    /// A ticket registered on `created` and run through `acts`, as the store keeps it.
    fn run(
        number: &str,
        ty: TicketType,
        category: &str,
        created: &str,
        acts: Vec<(&str, TicketAction)>,
    ) -> KpiTicket {
        let mut t = Ticket::create(
            ty,
            Urgency::Normal,
            Deadlines::ordinary(ty),
            d(created),
            &cal(),
        )
        .unwrap();
        let mut history = Vec::new();
        for (on, a) in acts {
            t = t.apply(&a, d(on), &cal()).unwrap();
            history.push((d(on).and_time(chrono::NaiveTime::MIN), a));
        }
        KpiTicket {
            number: number.into(),
            category: Key::new(category, format!("分类{category}")),
            ticket: t,
            history,
        }
    }

    /// The tickets of the scenario (2025, the built-in calendar: 04-04 to 04-06 and 05-01 to
    /// 05-05 are holidays, Sunday 04-27 is a working day).
    fn tickets() -> Vec<KpiTicket> {
        use TicketAction as A;
        vec![
            // Registered on Thursday 04-03; the sign due is Monday 04-07 (Friday 04-04 is 清明),
            // the reply due add(04-03, 10) = 04-18. Unsatisfied on 04-17: handled again with a
            // reply due add(04-17, 10) = 04-30 (Sunday 04-27 counts), replied late on 05-06.
            run(
                "T1",
                TicketType::Complaint,
                "food",
                "2025-04-03",
                vec![
                    ("2025-04-03", to("shichang")),
                    ("2025-04-07", A::Sign {}),
                    ("2025-04-16", A::Reply {}),
                    ("2025-04-17", callback(false)),
                    ("2025-05-06", A::Reply {}),
                    ("2025-05-07", callback(true)),
                ],
            ),
            // Returned by the first department, arbitrated to another which signs late (due
            // 04-10, signed 04-11) and has not replied by its due add(04-09, 5) = 04-16.
            run(
                "T2",
                TicketType::Help,
                "road",
                "2025-04-07",
                vec![
                    ("2025-04-07", to("shichang")),
                    (
                        "2025-04-08",
                        A::Return {
                            reason: "非本部门职责".into(),
                        },
                    ),
                    (
                        "2025-04-09",
                        A::Arbitrate {
                            department: "zhujian".into(),
                        },
                    ),
                    ("2025-04-11", A::Sign {}),
                ],
            ),
            // Praise: signed on the day, no reply due ever.
            run(
                "T3",
                TicketType::Praise,
                "food",
                "2025-04-07",
                vec![("2025-04-07", to("shichang")), ("2025-04-07", A::Sign {})],
            ),
            // A merged duplicate counts nowhere.
            run(
                "T4",
                TicketType::Complaint,
                "food",
                "2025-04-07",
                vec![
                    ("2025-04-07", to("shichang")),
                    (
                        "2025-04-08",
                        A::Merge {
                            master: "T1".into(),
                        },
                    ),
                ],
            ),
            // Answered by the centre at intake and closed at the callback.
            run(
                "T5",
                TicketType::Consultation,
                "consult",
                "2025-04-08",
                vec![
                    ("2025-04-08", A::DirectReply {}),
                    ("2025-04-09", callback(true)),
                ],
            ),
            // Dispatched on 04-21 and never signed: sign due 04-22; reply due add(04-21, 10) =
            // 05-07 (Sunday 04-27 counts, the May holidays do not).
            run(
                "T6",
                TicketType::Complaint,
                "food",
                "2025-04-21",
                vec![("2025-04-21", to("shichang"))],
            ),
        ]
    }

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn an_urgent_ticket_is_judged_by_the_hour() {
        use TicketAction as A;
        // Urgent: sign within 2 hours, reply within 24 hours of the dispatch at 09:30. Signed at
        // 13:00 the same day: late by the hour though on the due day; replied the next morning at
        // 09:00, before 09:30: on time.
        let ty = TicketType::Complaint;
        let acts = vec![
            (at("2025-04-07 09:30"), to("shichang")),
            (at("2025-04-07 13:00"), A::Sign {}),
            (at("2025-04-08 09:00"), A::Reply {}),
        ];
        let mut t = Ticket::create_at(
            ty,
            Urgency::Urgent,
            Deadlines::urgent(ty),
            at("2025-04-07 09:00"),
            &cal(),
        )
        .unwrap();
        for (when, a) in &acts {
            t = t.apply_at(a, *when, &cal()).unwrap();
        }
        assert_eq!(t.sign_due, Some(d("2025-04-07")));
        let k = KpiTicket {
            number: "U".into(),
            category: Key::new("food", "食品安全"),
            ticket: t,
            history: acts,
        };
        let q = KpiQuery {
            period: Period::new(d("2025-04-01"), d("2025-04-30")).unwrap(),
            as_of: d("2025-04-30"),
            grouping: KpiGrouping::Department,
            department: None,
        };
        let table = compute_kpis(&[k], &q, &names, &cal()).unwrap();
        assert_eq!(
            fractions(&table.total),
            ["0/1", "1/1", "0/1", "0/0", "0/0", "0/1", "0/1"]
        );
    }

    fn names(code: &str) -> String {
        format!("部门{code}")
    }

    fn table(from: &str, until: &str, by: KpiGrouping, dep: Option<&str>) -> KpiTable {
        let q = KpiQuery {
            period: Period::new(d(from), d(until)).unwrap(),
            as_of: d("2025-05-09"),
            grouping: by,
            department: dep,
        };
        compute_kpis(&tickets(), &q, &names, &cal()).unwrap()
    }

    /// A row's seven KPIs as 「n/d」.
    fn fractions(row: &KpiRow) -> Vec<String> {
        row.rates
            .all()
            .iter()
            .map(|r| format!("{}/{}", r.numerator, r.denominator))
            .collect()
    }

    fn row<'a>(t: &'a KpiTable, code: &str) -> &'a KpiRow {
        t.rows
            .iter()
            .find(|r| r.key.code == code)
            .unwrap_or_else(|| panic!("no row {code} in {:?}", t.rows))
    }

    #[test]
    fn the_dues_of_the_scenario_follow_the_calendar() {
        let t = tickets();
        let t1 = &t[0].ticket;
        assert_eq!(t1.state, TicketState::Closed);
        assert_eq!(t1.first_replied_on, Some(d("2025-04-16")));
        assert_eq!(t1.reply_due, Some(d("2025-04-30")));
        assert_eq!(t[1].ticket.reply_due, Some(d("2025-04-16")));
        assert_eq!(t[1].ticket.sign_due, Some(d("2025-04-10")));
        assert_eq!(t[5].ticket.sign_due, Some(d("2025-04-22")));
        assert_eq!(t[5].ticket.reply_due, Some(d("2025-05-07")));
    }

    #[test]
    fn kpis_by_department_in_april() {
        let t = table("2025-04-01", "2025-04-30", KpiGrouping::Department, None);
        assert_eq!(
            t.rows
                .iter()
                .map(|r| r.key.code.as_str())
                .collect::<Vec<_>>(),
            [CENTRE_CODE, "shichang", "zhujian"]
        );
        let m = row(&t, "shichang");
        assert_eq!(m.key.name, "部门shichang");
        // 签收 2/2 (T1 on 04-07 by its due after the holiday, T3); 办结 1/2 (T1's first round
        // on time, its second round due 04-30 replied 05-06); 先行联系 2/4 (T1, T3; T2 returned
        // unsigned, T6 unsigned past 04-22); 满意 0/1; 解决 none closed in April; 重办 1/1 (T1's
        // first reply); 退单 1/4 (T2 of T1, T2, T3, T6; T4 merged counts nowhere).
        assert_eq!(
            fractions(m),
            ["2/2", "1/2", "2/4", "0/1", "0/0", "1/1", "1/4"]
        );
        assert_eq!(m.rates.solved.display, "—");
        assert_eq!(m.rates.first_contact.display, "50.0%");
        // The other department: the arbitrated dispatch, a late signature, a round overdue open.
        assert_eq!(
            fractions(row(&t, "zhujian")),
            ["0/1", "0/1", "0/0", "0/0", "0/0", "0/0", "0/1"]
        );
        let c = row(&t, CENTRE_CODE);
        assert_eq!(c.key.name, CENTRE_NAME);
        assert_eq!(
            fractions(c),
            ["0/0", "0/0", "0/0", "1/1", "1/1", "0/1", "0/0"]
        );
        assert_eq!(
            fractions(&t.total),
            ["2/3", "1/3", "2/4", "1/2", "1/1", "1/2", "1/5"]
        );
        let shown: Vec<&str> = t.total.rates.all().map(|r| r.display.as_str()).to_vec();
        assert_eq!(
            shown,
            [
                "66.7%", "33.3%", "50.0%", "50.0%", "100.0%", "50.0%", "20.0%"
            ]
        );
    }

    #[test]
    fn kpis_by_category_and_for_one_department() {
        let t = table("2025-04-01", "2025-04-30", KpiGrouping::Category, None);
        assert_eq!(
            t.rows
                .iter()
                .map(|r| r.key.code.as_str())
                .collect::<Vec<_>>(),
            ["consult", "food", "road"]
        );
        assert_eq!(
            fractions(row(&t, "food")),
            ["2/2", "1/2", "2/3", "0/1", "0/0", "1/1", "0/3"]
        );
        assert_eq!(
            fractions(row(&t, "road")),
            ["0/1", "0/1", "0/1", "0/0", "0/0", "0/0", "1/2"]
        );
        // A department's own counts only: the centre's and the other department's are left out.
        let mine = table(
            "2025-04-01",
            "2025-04-30",
            KpiGrouping::Category,
            Some("shichang"),
        );
        assert_eq!(
            fractions(row(&mine, "road")),
            ["0/0", "0/0", "0/1", "0/0", "0/0", "0/0", "1/1"]
        );
        assert!(mine.rows.iter().all(|r| r.key.code != "consult"));
        let dep = table(
            "2025-04-01",
            "2025-04-30",
            KpiGrouping::Department,
            Some("shichang"),
        );
        assert_eq!(dep.rows.len(), 1);
        assert_eq!(dep.rows[0].rates, dep.total.rates);
    }

    #[test]
    fn may_counts_what_falls_in_may_and_open_overdue_rounds() {
        let t = table("2025-05-01", "2025-05-09", KpiGrouping::Department, None);
        // T1 replied on 05-06 (then closed after a 重办: not solved at once); T6's round due 05-07
        // is open and overdue on 05-09.
        assert_eq!(
            fractions(row(&t, "shichang")),
            ["0/0", "0/1", "0/0", "1/1", "0/1", "0/1", "0/0"]
        );
    }

    #[test]
    fn an_open_ticket_is_counted_only_once_its_due_has_passed() {
        let t6 = vec![tickets().remove(5)];
        let q = |as_of: &str| KpiQuery {
            period: Period::new(d("2025-04-01"), d("2025-05-31")).unwrap(),
            as_of: d(as_of),
            grouping: KpiGrouping::Department,
            department: None,
        };
        let on = |as_of: &str| {
            let t = compute_kpis(&t6, &q(as_of), &names, &cal()).unwrap();
            fractions(&t.total)
        };
        // On the sign due date nothing is late yet; the day after, first contact failed; the
        // reply is overdue only after 05-07.
        assert_eq!(
            on("2025-04-22"),
            ["0/0", "0/0", "0/0", "0/0", "0/0", "0/0", "0/1"]
        );
        assert_eq!(
            on("2025-04-23"),
            ["0/0", "0/0", "0/1", "0/0", "0/0", "0/0", "0/1"]
        );
        assert_eq!(
            on("2025-05-07"),
            ["0/0", "0/0", "0/1", "0/0", "0/0", "0/0", "0/1"]
        );
        assert_eq!(
            on("2025-05-08"),
            ["0/0", "0/1", "0/1", "0/0", "0/0", "0/0", "0/1"]
        );
    }

    #[test]
    fn an_extension_moves_the_reply_due_and_a_reassignment_drops_the_round() {
        use TicketAction as A;
        // Dispatched 04-07 (reply due add(04-07, 5) = 04-14), extended by 3 (due 04-17), replied
        // 04-16: on time. The other ticket is reassigned before its reply: only the second round.
        let extended = run(
            "E",
            TicketType::Help,
            "road",
            "2025-04-07",
            vec![
                ("2025-04-07", to("zhujian")),
                ("2025-04-07", A::Sign {}),
                (
                    "2025-04-08",
                    A::Extend {
                        days: 3,
                        approved_by: "manager".into(),
                    },
                ),
                ("2025-04-16", A::Reply {}),
            ],
        );
        assert_eq!(extended.ticket.reply_due, Some(d("2025-04-17")));
        let moved = run(
            "R",
            TicketType::Help,
            "road",
            "2025-04-07",
            vec![
                ("2025-04-07", to("zhujian")),
                (
                    "2025-04-08",
                    A::Reassign {
                        department: "jiaotong".into(),
                        reason: "属交通部门".into(),
                    },
                ),
                ("2025-04-08", A::Sign {}),
                ("2025-04-10", A::Reply {}),
            ],
        );
        let q = KpiQuery {
            period: Period::new(d("2025-04-01"), d("2025-04-30")).unwrap(),
            as_of: d("2025-04-30"),
            grouping: KpiGrouping::Department,
            department: None,
        };
        let t = compute_kpis(&[extended, moved], &q, &names, &cal()).unwrap();
        assert_eq!(
            fractions(row(&t, "zhujian")),
            ["1/1", "1/1", "1/2", "0/0", "0/0", "0/1", "0/2"]
        );
        assert_eq!(
            fractions(row(&t, "jiaotong")),
            ["1/1", "1/1", "0/0", "0/0", "0/0", "0/1", "0/1"]
        );
    }

    #[test]
    fn a_history_that_does_not_replay_to_the_ticket_is_refused() {
        let mut t = tickets().remove(0);
        t.history.truncate(3);
        let q = KpiQuery {
            period: Period::new(d("2025-04-01"), d("2025-04-30")).unwrap(),
            as_of: d("2025-04-30"),
            grouping: KpiGrouping::Department,
            department: None,
        };
        match compute_kpis(std::slice::from_ref(&t), &q, &names, &cal()) {
            Err(TicketError::Refused(r)) => {
                assert_eq!(r.rule, "RC-kpi");
                assert!(r.message.contains("工单T1"), "{}", r.message);
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        // An act the machine refuses names the ticket, the date and the act.
        t.history = vec![(at("2025-04-03 09:00"), TicketAction::Sign {})];
        match compute_kpis(&[t], &q, &names, &cal()) {
            Err(TicketError::Refused(r)) => {
                assert!(r.message.contains("2025-04-03 签收"), "{}", r.message)
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn the_table_has_three_columns_per_kpi() {
        let t = table("2025-04-01", "2025-04-30", KpiGrouping::Department, None);
        let h = t.headings();
        assert_eq!(h.len(), 2 + 3 * 7);
        assert_eq!(
            h[..5],
            [
                "部门代码",
                "部门",
                "按时签收（件）",
                "签收（件）",
                "按时签收率"
            ]
        );
        let body = t.body();
        assert_eq!(body.len(), t.rows.len() + 1);
        assert_eq!(body.last().unwrap()[1].text(), "合计");
        assert!(body.iter().all(|r| r.len() == h.len()));
        assert_eq!(KpiGrouping::parse("分类"), Some(KpiGrouping::Category));
        assert!(t.title().contains("按部门，2025-04-01 至 2025-04-30"));
    }
}
