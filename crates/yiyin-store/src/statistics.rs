//! The rows the bureau's statistics (政务服务统计) are computed from: the cases of a jurisdiction
//! that may count in a period (with the engine's case and the item rules kept in their body), the
//! monitoring cards issued on them, their events (the staff who acted; and the log the figures are
//! recomputed from) and the names of the staff accounts. The figures themselves are the domain's
//! (`yiyin_domain::statistics`).
//!
//! A case may count in the period `from..=to` when it was received on or before `to` and is open,
//! or was last written on or after the start of `from`, or has a card dated on or after `from`:
//! every date a case's figures depend on is written with the case, so this is a superset of the
//! cases that count, and the domain keeps the exact ones. A case received in simulation never counts.

use chrono::NaiveDate;
use yiyin_domain::labels::Labelled;
use yiyin_domain::monitoring::CardLimit;

use crate::cases::CaseBody;
use crate::events::Event;
use crate::rows::{Column, Json, Statement, columns_of, day, record, select};
use crate::{Result, Store};

/// Which cases a statistics query reads.
#[derive(Debug, Clone)]
pub struct StatisticsScope {
    pub jurisdiction: String,
    /// Only the cases of these departments (an observer's); empty: every department.
    pub departments: Vec<String>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The start of `from` in local time, in milliseconds since the epoch.
    pub from_ms: i64,
}

record! {
    /// A case as the statistics read it.
    #[derive(Debug, Clone)]
    pub struct StatisticsCase {
        pub id: i64,
        pub item_code: String,
        pub item_name: String,
        pub department: String,
        /// The unit that received the case (a hall window, a township centre, a village point).
        pub unit: String,
        pub body: Json<CaseBody>,
    }
}

fn read_limit(
    row: &sqlx::any::AnyRow,
    column: &str,
) -> std::result::Result<CardLimit, sqlx::Error> {
    let text = <String as Column>::get(row, column)?;
    <CardLimit as Labelled>::parse(&text).ok_or_else(|| sqlx::Error::ColumnDecode {
        index: column.to_string(),
        source: format!("unknown card limit {text:?}").into(),
    })
}

record! {
    /// A card issued on a case, as the statistics count it.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct StatisticsCard {
        pub case_id: i64,
        pub card_limit: CardLimit = read_limit,
        pub card_on: NaiveDate,
    }
}

record! {
    /// A staff account as a statistics row names it.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct StaffName {
        pub id: i64,
        pub name: String,
        pub login: String,
    }
}

/// Appends the condition choosing the cases that may count (see the module's documentation) on
/// the columns of `cases` named with `prefix` (`""` or `"c."`).
fn candidates(q: &mut Statement<'_>, s: &StatisticsScope, prefix: &str) {
    q.push(format!(" {prefix}jurisdiction = "))
        .push_bind(s.jurisdiction.clone());
    q.push(format!(" AND {prefix}received_on <= "))
        .push_bind(day(s.to));
    q.push(format!(
        " AND ({prefix}closed = 0 OR {prefix}updated_at >= "
    ))
    .push_bind(s.from_ms);
    q.push(format!(
        " OR {prefix}id IN (SELECT case_id FROM monitoring_cards WHERE jurisdiction = "
    ))
    .push_bind(s.jurisdiction.clone())
    .push(" AND card_on >= ")
    .push_bind(day(s.from))
    .push("))");
    // A case received in simulation (模拟运行) never counts (`yiyin_domain::simulation::Conduct`).
    q.push(format!(
        " AND {prefix}id NOT IN (SELECT case_id FROM simulated_cases)"
    ));
    if !s.departments.is_empty() {
        q.push(format!(" AND {prefix}department IN ("));
        for (i, d) in s.departments.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.push_bind(d.clone());
        }
        q.push(")");
    }
}

impl Store {
    /// The cases that may count in the period, by id.
    pub async fn statistics_cases(&self, s: &StatisticsScope) -> Result<Vec<StatisticsCase>> {
        let mut q = Statement::new(select::<StatisticsCase>("cases WHERE"));
        candidates(&mut q, s, "");
        q.push(" ORDER BY id");
        q.all(self.reader()).await
    }

    /// The cards issued on those cases, by case and date.
    pub async fn statistics_cards(&self, s: &StatisticsScope) -> Result<Vec<StatisticsCard>> {
        let mut q = Statement::new(format!(
            "SELECT {} FROM monitoring_cards m JOIN cases c ON c.id = m.case_id WHERE",
            columns_of::<StatisticsCard>("m")
        ));
        candidates(&mut q, s, "c.");
        q.push(" ORDER BY m.case_id, m.card_on, m.id");
        q.all(self.reader()).await
    }

    /// The events of those cases, in the order of the chain.
    pub async fn statistics_events(&self, s: &StatisticsScope) -> Result<Vec<Event>> {
        let mut q = Statement::new(format!(
            "SELECT {} FROM events e JOIN cases c ON c.id = e.case_id WHERE",
            columns_of::<Event>("e")
        ));
        candidates(&mut q, s, "c.");
        q.push(" ORDER BY e.seq");
        q.all(self.reader()).await
    }

    /// The staff accounts among `ids` with their names, by id (other accounts are left out).
    pub async fn staff_names(&self, ids: &[i64]) -> Result<Vec<StaffName>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = Statement::new(select::<StaffName>(
            "accounts WHERE kind = 'staff' AND id IN (",
        ));
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.push_bind(*id);
        }
        q.push(") ORDER BY id");
        q.all(self.reader()).await
    }
}
