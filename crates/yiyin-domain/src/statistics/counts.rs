//! The counts of a group of cases over a period and the rates read off them: exact fractions
//! shown to one decimal place (按时办结率 both ways, 平均办理用时, 承诺压缩比, and 好评率 /
//! 差评整改率 from the ratings).

use serde::{Deserialize, Serialize};

use super::{CaseFacts, Period, Tally};
use crate::monitoring::{CardLimit, Efficiency};

/// An exact fraction, shown to one decimal place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Fraction {
    pub numerator: u64,
    pub denominator: u64,
}

impl Fraction {
    pub fn new(numerator: u64, denominator: u64) -> Self {
        Fraction {
            numerator,
            denominator,
        }
    }

    /// Tenths of the value times `scale`, rounded half up; None when the denominator is 0.
    fn tenths(self, scale: u64) -> Option<u128> {
        if self.denominator == 0 {
            return None;
        }
        let num = u128::from(self.numerator) * u128::from(scale) * 20;
        let den = u128::from(self.denominator);
        Some((num + den) / (2 * den))
    }

    fn one_decimal(tenths: Option<u128>, unit: &str) -> String {
        match tenths {
            None => "—".into(),
            Some(t) => format!("{}.{}{unit}", t / 10, t % 10),
        }
    }

    /// As a percentage to one decimal place, 「96.3%」, or 「—」 when the denominator is 0.
    pub fn percent(self) -> String {
        Self::one_decimal(self.tenths(100), "%")
    }

    /// As a number to one decimal place, 「12.5」, or 「—」 when the denominator is 0.
    pub fn decimal(self) -> String {
        Self::one_decimal(self.tenths(1), "")
    }

    /// Per mille, rounded half up (for bar lengths); None when the denominator is 0.
    pub fn per_mille(self) -> Option<u64> {
        self.tenths(100)
            .map(|t| u64::try_from(t).unwrap_or(u64::MAX))
    }
}

/// Satisfaction figures from the ratings (好差评), when attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RatingFigures {
    /// 好评率: good ratings over all ratings counted.
    pub good: Fraction,
    /// 差评整改率: bad ratings rectified over bad ratings.
    pub rectified: Fraction,
}

impl RatingFigures {
    /// The figures of a count of ratings; `None` when nothing was rated.
    pub fn of(rates: &crate::ratings::Rates) -> Option<RatingFigures> {
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        (rates.total > 0).then(|| RatingFigures {
            good: Fraction::new(n(rates.good), n(rates.total)),
            rectified: Fraction::new(n(rates.rectified), n(rates.bad)),
        })
    }
}

figures! {
    /// The counts of a row.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct Counts: u64 {
        received,
        accepted,
        refused,
        decided,
        approved,
        denied,
        withdrawn,
        /// 即办.
        instant,
        /// 提前.
        early,
        /// 按时.
        on_time,
        /// 超期.
        late,
        open,
        open_overdue,
        /// Σ working days used by the decided cases that have them.
        working_days,
        /// How many decided cases `working_days` sums.
        working_days_cases,
        /// Σ promised days of the cases received.
        promised_days,
        /// Σ statutory days of the cases received.
        statutory_days,
        /// 黄牌（承诺时限）.
        cards_promised,
        /// 红牌（法定时限）.
        cards_statutory,
        /// 红牌（制证送达时限）.
        cards_certificate,
        /// The conduct cards of the case's own work: 黄牌（环节时限） and 红牌（受理审查时限）. A
        /// push's acknowledgement card is the supervising department's, and the card of a late
        /// reply to a reconsideration or a lawsuit the bureau's answer to it: neither is counted
        /// with the case.
        #[serde(default)]
        cards_conduct,
    }
}

impl Counts {
    /// Adds one case's contribution to the period.
    pub fn add(&mut self, f: &CaseFacts, p: &Period) {
        let n = |b: bool| u64::from(b);
        if p.contains(f.received_on) {
            self.received += 1;
            self.promised_days += u64::from(f.promised_days);
            self.statutory_days += u64::from(f.statutory_days);
        }
        self.accepted += n(p.holds(f.accepted_on));
        self.refused += n(p.holds(f.refused_on));
        self.withdrawn += n(p.holds(f.withdrawn_on));
        if p.holds(f.decided_on) {
            self.decided += 1;
            self.approved += n(f.approved == Some(true));
            self.denied += n(f.approved == Some(false));
            match f.efficiency {
                Some(Efficiency::Instant) => self.instant += 1,
                Some(Efficiency::Early) => self.early += 1,
                Some(Efficiency::OnTime) => self.on_time += 1,
                Some(Efficiency::Late) => self.late += 1,
                None => {}
            }
            if let Some(w) = f.working_days_used {
                self.working_days += u64::from(w);
                self.working_days_cases += 1;
            }
        }
        self.open += n(f.open_on(p.to));
        self.open_overdue += n(f.open_overdue_on(p.to));
        for c in f.cards.iter().filter(|c| p.contains(c.on)) {
            match c.limit {
                CardLimit::Promised => self.cards_promised += 1,
                CardLimit::Statutory => self.cards_statutory += 1,
                CardLimit::Certificate => self.cards_certificate += 1,
                CardLimit::Step | CardLimit::Intake => self.cards_conduct += 1,
                CardLimit::PushAck | CardLimit::RedressReply => {}
            }
        }
    }

    /// Adds the counts of another group of cases.
    pub fn merge(&mut self, o: &Counts) {
        let mut v = self.values();
        for (a, b) in v.iter_mut().zip(o.values()) {
            *a += b;
        }
        *self = Counts::from_values(v);
    }

    /// The counts of a period from the tallies summed over it (`flows`: the days `from..=to`) and
    /// over every day up to its end (`stock`: the cases open and open overdue at `to`), see
    /// [`CaseFigures::tallies`].
    pub fn of_tallies(flows: &Tally, stock: &Tally) -> Counts {
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        Counts {
            received: n(flows.received),
            accepted: n(flows.accepted),
            refused: n(flows.refused),
            decided: n(flows.decided),
            approved: n(flows.approved),
            denied: n(flows.denied),
            withdrawn: n(flows.withdrawn),
            instant: n(flows.instant),
            early: n(flows.early),
            on_time: n(flows.on_time),
            late: n(flows.late),
            open: n(stock.opened - stock.ended),
            open_overdue: n(stock.overdue_in - stock.overdue_out),
            working_days: n(flows.working_days),
            working_days_cases: n(flows.working_days_cases),
            promised_days: n(flows.promised_days),
            statutory_days: n(flows.statutory_days),
            cards_promised: n(flows.cards_promised),
            cards_statutory: n(flows.cards_statutory),
            cards_certificate: n(flows.cards_certificate),
            cards_conduct: n(flows.cards_conduct),
        }
    }

    /// The decided cases kept in time: 即办 + 提前 + 按时.
    pub fn timely(&self) -> u64 {
        self.instant + self.early + self.on_time
    }

    /// 按时办结率: (即办 + 提前 + 按时) / 办结.
    pub fn on_time_rate(&self) -> Fraction {
        Fraction::new(self.timely(), self.decided)
    }

    /// 按时办结率 counting the open overdue cases: (即办 + 提前 + 按时) / (办结 + 在办超期).
    pub fn on_time_rate_with_open(&self) -> Fraction {
        Fraction::new(self.timely(), self.decided + self.open_overdue)
    }

    /// 平均办理用时: working days used per decided case, suspensions excluded.
    pub fn average_working_days(&self) -> Fraction {
        Fraction::new(self.working_days, self.working_days_cases)
    }

    /// 承诺压缩比: 1 − Σ promised / Σ statutory.
    pub fn compression(&self) -> Fraction {
        Fraction::new(
            self.statutory_days.saturating_sub(self.promised_days),
            self.statutory_days,
        )
    }
}

/// A rate as an exact fraction with the display people read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rate {
    pub numerator: u64,
    pub denominator: u64,
    /// To one decimal place, 「96.3%」 (「—」 when the denominator is 0).
    pub display: String,
}

impl Rate {
    fn percent(f: Fraction) -> Rate {
        Rate {
            numerator: f.numerator,
            denominator: f.denominator,
            display: f.percent(),
        }
    }
}

/// The rates of a row, as the API gives them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rates {
    /// 平均办理用时: working days used per decided case (display 「7.7」).
    pub average_working_days: Rate,
    /// 按时办结率: (即办 + 提前 + 按时) / 办结.
    pub on_time: Rate,
    /// 按时办结率 counting the open overdue: (即办 + 提前 + 按时) / (办结 + 在办超期).
    pub on_time_with_open: Rate,
    /// 承诺压缩比: 1 − Σ promised / Σ statutory.
    pub compression: Rate,
    /// 好评率: None until the ratings are attached.
    pub good: Option<Rate>,
    /// 差评整改率: None until the ratings are attached.
    pub rectified: Option<Rate>,
}

impl Rates {
    pub(super) fn of(c: &Counts, ratings: Option<&RatingFigures>) -> Rates {
        let average = c.average_working_days();
        Rates {
            average_working_days: Rate {
                numerator: average.numerator,
                denominator: average.denominator,
                display: average.decimal(),
            },
            on_time: Rate::percent(c.on_time_rate()),
            on_time_with_open: Rate::percent(c.on_time_rate_with_open()),
            compression: Rate::percent(c.compression()),
            good: ratings.map(|r| Rate::percent(r.good)),
            rectified: ratings.map(|r| Rate::percent(r.rectified)),
        }
    }
}
