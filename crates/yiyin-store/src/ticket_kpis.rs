//! What the requests centre's KPIs (诉求办理考核指标) read: the master tickets of a jurisdiction
//! that may have something to count in a period — each ticket's category and stored domain state,
//! and its history entries in order, from which the domain recomputes the KPIs. No rule is
//! applied here beyond choosing the rows.

use serde::Serialize;
use yiyin_domain::tickets::Ticket;

use crate::rows::{Column, record, select, sql};
use crate::tickets::TicketEvent;
use crate::{Result, Store};

fn read_ticket(row: &sqlx::any::AnyRow, c: &str) -> std::result::Result<Ticket, sqlx::Error> {
    let text = <String as Column>::get(row, c)?;
    serde_json::from_str(&text).map_err(|e| sqlx::Error::ColumnDecode {
        index: c.to_string(),
        source: e.to_string().into(),
    })
}

record! {
    /// A ticket as the KPIs read it: no content, no caller.
    #[derive(Debug, Clone, PartialEq, Serialize)]
    pub struct KpiTicketRow {
        pub id: i64,
        pub number: String,
        pub category_code: String,
        pub category_name: String,
        pub ticket: Ticket = read_ticket,
    }
}

/// How far before the period a closed ticket's last act may lie and still have a reply due date
/// in it (a due date is a few dozen working days after its round began): one year.
const CLOSED_MARGIN_MS: i64 = 366 * 86_400_000;

/// The rows a KPI read chooses (`$1` jurisdiction, `$2` registered before, `$3` closed tickets
/// last changed at or after).
const CHOSEN: &str = "tickets WHERE jurisdiction = $1 AND state <> 'merged' AND created_at < $2
       AND (state <> 'closed' OR updated_at >= $3)";

impl Store {
    /// The master tickets (merged duplicates left out) of `jurisdiction` registered before
    /// `until_ms` that are still open or changed at most a year before `since_ms`, by id, each with
    /// its history in order.
    pub async fn ticket_kpi_sources(
        &self,
        jurisdiction: &str,
        since_ms: i64,
        until_ms: i64,
    ) -> Result<Vec<(KpiTicketRow, Vec<TicketEvent>)>> {
        let closed_since = since_ms - CLOSED_MARGIN_MS;
        let tickets: Vec<KpiTicketRow> =
            sql!(select::<KpiTicketRow>(&format!("{CHOSEN} ORDER BY id"));
                jurisdiction, until_ms, closed_since)
            .all(self.reader())
            .await?;
        let events: Vec<TicketEvent> = sql!(select::<TicketEvent>(&format!(
            "ticket_events WHERE ticket_id IN (SELECT id FROM {CHOSEN}) ORDER BY ticket_id, id"
        )); jurisdiction, until_ms, closed_since)
        .all(self.reader())
        .await?;
        let mut out: Vec<(KpiTicketRow, Vec<TicketEvent>)> =
            tickets.into_iter().map(|t| (t, Vec::new())).collect();
        let mut i = 0;
        for e in events {
            while i < out.len() && out[i].0.id < e.ticket_id {
                i += 1;
            }
            if let Some((t, list)) = out.get_mut(i)
                && t.id == e.ticket_id
            {
                list.push(e);
            }
        }
        Ok(out)
    }
}
