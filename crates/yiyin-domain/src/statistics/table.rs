//! A statistics table: its rows grouped by item, department, window or staff member, the total
//! counting every case once, and the headings and cells every page and export shows.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{CaseFacts, Counts, Grouping, Key, Period, Rate, Rates, RatingFigures};

/// One row of a table: a group and its figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Row {
    pub key: Key,
    pub counts: Counts,
    /// 好评率 and 差评整改率: None until the ratings are attached (shown 「—」).
    pub ratings: Option<RatingFigures>,
    /// The rates of `counts` and `ratings`.
    pub rates: Rates,
}

/// A cell of a table, for the exports (numbers stay numbers in a workbook).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Count(u64),
}

impl Cell {
    pub fn text(&self) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Count(n) => n.to_string(),
        }
    }
}

/// The column headings of a table after the group's code and name, in order.
pub const COLUMNS: [&str; 23] = [
    "收件",
    "受理",
    "不予受理",
    "办结",
    "准予许可",
    "不予许可",
    "撤回",
    "即办",
    "提前",
    "按时",
    "超期",
    "在办",
    "在办超期",
    "平均办理用时（工作日）",
    "按时办结率",
    "按时办结率（含在办超期）",
    "承诺压缩比",
    "好评率",
    "差评整改率",
    "黄牌（承诺时限）",
    "红牌（法定时限）",
    "红牌（制证送达时限）",
    "环节、受理审查监察牌",
];

impl Row {
    /// A row of these counts, without ratings yet.
    pub fn new(key: Key, counts: Counts) -> Row {
        Row {
            rates: Rates::of(&counts, None),
            key,
            counts,
            ratings: None,
        }
    }

    /// Sets the ratings of the row (None: not available) and its rates with them.
    pub fn set_ratings(&mut self, ratings: Option<RatingFigures>) {
        self.rates = Rates::of(&self.counts, ratings.as_ref());
        self.ratings = ratings;
    }

    /// The cells under [`COLUMNS`].
    pub fn cells(&self) -> Vec<Cell> {
        let c = &self.counts;
        let r = &self.rates;
        let rating = |rate: &Option<Rate>| {
            Cell::Text(
                rate.as_ref()
                    .map_or_else(|| "—".into(), |r| r.display.clone()),
            )
        };
        vec![
            Cell::Count(c.received),
            Cell::Count(c.accepted),
            Cell::Count(c.refused),
            Cell::Count(c.decided),
            Cell::Count(c.approved),
            Cell::Count(c.denied),
            Cell::Count(c.withdrawn),
            Cell::Count(c.instant),
            Cell::Count(c.early),
            Cell::Count(c.on_time),
            Cell::Count(c.late),
            Cell::Count(c.open),
            Cell::Count(c.open_overdue),
            Cell::Text(r.average_working_days.display.clone()),
            Cell::Text(r.on_time.display.clone()),
            Cell::Text(r.on_time_with_open.display.clone()),
            Cell::Text(r.compression.display.clone()),
            rating(&r.good),
            rating(&r.rectified),
            Cell::Count(c.cards_promised),
            Cell::Count(c.cards_statutory),
            Cell::Count(c.cards_certificate),
            Cell::Count(c.cards_conduct),
        ]
    }
}

/// The figures of a period, grouped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Table {
    pub grouping: Grouping,
    pub period: Period,
    /// By group code.
    pub rows: Vec<Row>,
    /// Every case counted once.
    pub total: Row,
}

impl Table {
    /// The table of the cases that touch the period, grouped.
    pub fn compute(grouping: Grouping, period: Period, facts: &[CaseFacts]) -> Self {
        Self::assemble(grouping, period, Vec::new(), Counts::default(), facts)
    }

    /// The table of counts already summed by group (`summed`, each group once, and their `total`)
    /// and of the cases of `facts` that touch the period, added as [`Table::compute`] adds them.
    pub fn assemble(
        grouping: Grouping,
        period: Period,
        summed: Vec<(Key, Counts)>,
        total: Counts,
        facts: &[CaseFacts],
    ) -> Self {
        let mut groups: BTreeMap<&str, (&Key, Counts)> = BTreeMap::new();
        for (key, counts) in &summed {
            groups
                .entry(key.code.as_str())
                .or_insert_with(|| (key, Counts::default()))
                .1
                .merge(counts);
        }
        let mut total = total;
        for f in facts.iter().filter(|f| f.touches(&period)) {
            total.add(f, &period);
            let keys: Vec<&Key> = match grouping {
                Grouping::Item => vec![&f.belongs.item],
                Grouping::Department => vec![&f.belongs.department],
                Grouping::Window => vec![&f.belongs.window],
                Grouping::Staff => f.belongs.staff.iter().collect(),
            };
            for key in keys {
                groups
                    .entry(key.code.as_str())
                    .or_insert_with(|| (key, Counts::default()))
                    .1
                    .add(f, &period);
            }
        }
        Table {
            grouping,
            period,
            rows: groups
                .into_values()
                .map(|(key, counts)| Row::new(key.clone(), counts))
                .collect(),
            total: Row::new(Key::new("", "合计"), total),
        }
    }

    /// Fills 好评率 and 差评整改率 of each row (by its key; the total's key code is empty) from
    /// the ratings, where they give figures.
    pub fn attach_ratings(&mut self, mut ratings: impl FnMut(&Key) -> Option<RatingFigures>) {
        for row in self.rows.iter_mut().chain(std::iter::once(&mut self.total)) {
            row.set_ratings(ratings(&row.key));
        }
    }

    /// The heading row: the group's code and name, then [`COLUMNS`].
    pub fn headings(&self) -> Vec<String> {
        [
            format!("{}编码", self.grouping.label()),
            self.grouping.label().to_string(),
        ]
        .into_iter()
        .chain(COLUMNS.iter().map(|c| c.to_string()))
        .collect()
    }

    /// Every row with its code and name first, the total last.
    pub fn body(&self) -> Vec<Vec<Cell>> {
        self.rows
            .iter()
            .chain(std::iter::once(&self.total))
            .map(|r| {
                [
                    Cell::Text(r.key.code.clone()),
                    Cell::Text(r.key.name.clone()),
                ]
                .into_iter()
                .chain(r.cells())
                .collect()
            })
            .collect()
    }

    /// The title of the table: 「政务服务统计（按部门，2025-01-01 至 2025-12-31）」.
    pub fn title(&self) -> String {
        format!(
            "政务服务统计（按{}，{}）",
            self.grouping.label(),
            self.period.label()
        )
    }
}
