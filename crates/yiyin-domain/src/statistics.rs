//! The bureau's statistics (政务服务统计): from the facts of each case — read off the engine's case
//! and its clock, never re-derived — the figures of a period grouped by item, department, window
//! or staff member, with their rates as exact fractions and the columns every table, chart and
//! export shows.
//!
//! How a case counts in the period `from..=to`:
//! - the flows are counted by the date they happened: received (`received_on`), accepted
//!   (`accepted_on`), refused (Art. 32, and not needed: the closing date), decided (`decided_on`,
//!   split into approved and denied), withdrawn (the closing date); the efficiency classes
//!   (即办 / 提前 / 按时 / 超期, `contracts.md` §2a) and the working days used are those of the
//!   cases decided in the period, so the four classes always sum to the decided;
//! - the stock is read at the end of the period: a case is open when it was received on or before
//!   `to` and neither decided nor closed on or before `to`; it is open overdue when, besides, its
//!   promised due date (承诺办结期限, as its clock read it on `to`: a suspension or extension
//!   recorded later does not move it) is before `to` — it can no longer be decided on time;
//! - 承诺压缩比 is 1 − Σ promised / Σ statutory over the cases received in the period;
//! - cards count by the date they were issued.
//!
//! 按时办结率 is given both ways: (即办 + 提前 + 按时) / 办结, and the same over 办结 + open overdue.
//! Satisfaction (好评率, 差评整改率) comes from the ratings: a row's [`Row::ratings`] is `None`
//! until they are attached with [`Table::attach_ratings`], and shows 「—」.
//!
//! A case counts in the group of its item, its department and its window (the unit that received
//! it) once, so the totals of those groupings are the sums of their groups; in the staff grouping
//! a case counts for every staff member who acted on it, and the total counts it once.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::fmt_date;

labelled_enum!(
    /// How the rows of a statistics table are grouped.
    Grouping {
        /// By approval item (事项).
        Item = ("item", "事项"),
        /// By the department the item belongs to (审批部门).
        Department = ("department", "部门"),
        /// By the unit that received the case: a window of the hall, a township centre or a
        /// village point (受理窗口).
        Window = ("window", "窗口"),
        /// By staff member who acted on the case (工作人员): staff-only, never public.
        Staff = ("staff", "工作人员"),
    }
);

/// The period of a table, both dates included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// The period, or the Chinese reason it is not one.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Self, String> {
        if to < from {
            return Err(format!(
                "统计期间有误：结束日期 {} 早于开始日期 {}",
                fmt_date(to),
                fmt_date(from)
            ));
        }
        Ok(Period { from, to })
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.to
    }

    fn holds(&self, day: Option<NaiveDate>) -> bool {
        day.is_some_and(|d| self.contains(d))
    }

    /// 「2025-01-01 至 2025-12-31」.
    pub fn label(&self) -> String {
        format!("{} 至 {}", fmt_date(self.from), fmt_date(self.to))
    }
}

/// What a row is about: a code and the name people read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Key {
    pub code: String,
    pub name: String,
}

impl Key {
    pub fn new(code: impl Into<String>, name: impl Into<String>) -> Self {
        Key {
            code: code.into(),
            name: name.into(),
        }
    }
}

/// Declares a struct of figures of one type from its fields named once: the struct (each field
/// public, of that type), the names of its fields in order (`COLUMNS`), and its values as an
/// array in that order (`values`) and back (`from_values`).
macro_rules! figures {
    (
        $(#[$meta:meta])*
        pub struct $name:ident: $ty:ty {
            $($(#[$field_meta:meta])* $field:ident,)*
        }
    ) => {
        $(#[$meta])*
        pub struct $name {
            $($(#[$field_meta])* pub $field: $ty,)*
        }

        impl $name {
            /// How many values there are.
            pub const LEN: usize = [$(stringify!($field)),*].len();

            /// The names of the values, in the order of `values`.
            pub const COLUMNS: [&'static str; Self::LEN] = [$(stringify!($field)),*];

            /// The values, in the order of `COLUMNS`.
            pub fn values(&self) -> [$ty; Self::LEN] {
                [$(self.$field),*]
            }

            /// The figures of values in the order of `COLUMNS`.
            pub fn from_values(v: [$ty; Self::LEN]) -> $name {
                let [$($field),*] = v;
                $name { $($field),* }
            }
        }
    };
}

mod counts;
mod daily;
mod facts;
mod table;

pub use counts::{Counts, Fraction, Rate, Rates, RatingFigures};
pub use daily::{CaseFigures, Tally};
pub use facts::{Belongs, CardFact, CaseFacts};
pub use table::{COLUMNS, Cell, Row, Table};

#[cfg(test)]
mod tests;
