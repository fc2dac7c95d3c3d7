//! The requests centre (12345 工单) as rows: the versioned category catalog (诉求分类 → department;
//! an edit adds a version, old versions stay), each jurisdiction's deadline matrix (JSON of the
//! domain's `DeadlineMatrix`), the tickets — the domain's `Ticket` kept whole in one column, the
//! columns the desks query kept in step with it in the same write, a version for optimistic
//! concurrency — and each ticket's history.
//!
//! Ticket numbers read `{case_prefix}-12345-{year}-{serial:06}` (for example
//! `HY-12345-2026-000001`), the serial counted per jurisdiction and year like case numbers.
//!
//! The caller's name and callback phone are columns of the ticket but are never read with it:
//! only [`Store::ticket_caller`] reads them, so that the application layer decides who sees them.

use chrono::NaiveDate;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use yiyin_domain::tickets::{Duty, Ticket, TicketState, TicketType, Urgency};

use crate::rows::{Column, Statement, coded, day, insert, record, select, sql};
use crate::{Result, Store, WriteTx};

fn read_type(row: &AnyRow, c: &str) -> std::result::Result<TicketType, sqlx::Error> {
    coded(row, c, TicketType::parse)
}

fn read_urgency(row: &AnyRow, c: &str) -> std::result::Result<Urgency, sqlx::Error> {
    coded(row, c, Urgency::parse)
}

fn read_state(row: &AnyRow, c: &str) -> std::result::Result<TicketState, sqlx::Error> {
    coded(row, c, TicketState::parse)
}

fn read_duty(row: &AnyRow, c: &str) -> std::result::Result<Duty, sqlx::Error> {
    coded(row, c, Duty::parse)
}

fn read_ticket(row: &AnyRow, c: &str) -> std::result::Result<Ticket, sqlx::Error> {
    let text = <String as Column>::get(row, c)?;
    serde_json::from_str(&text).map_err(|e| sqlx::Error::ColumnDecode {
        index: c.to_string(),
        source: e.to_string().into(),
    })
}

fn read_coordinate(row: &AnyRow, c: &str) -> std::result::Result<Option<f64>, sqlx::Error> {
    row.try_get::<Option<f64>, _>(c)
}

record! {
    /// A category of requests (诉求分类) in one version.
    #[derive(Debug, Clone, PartialEq, Serialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct TicketCategory {
        pub id: i64,
        pub jurisdiction: String,
        pub code: String,
        pub version: i64,
        pub name: String,
        /// The responsible department's code (派单目录).
        pub department: String,
        pub duty: Duty = read_duty,
        /// Offered at intake (a retired category keeps its versions, inactive).
        pub active: bool,
        /// Who saved the version (not published: the public reads the categories).
        #[serde(skip)]
        pub created_by: String,
        pub created_at: i64,
    }
}

/// A category version to add.
#[derive(Debug, Clone)]
pub struct NewCategory<'a> {
    pub jurisdiction: &'a str,
    pub code: &'a str,
    pub name: &'a str,
    pub department: &'a str,
    pub duty: Duty,
    pub active: bool,
    pub created_by: &'a str,
    pub created_at: i64,
}

record! {
    /// A ticket as the desks read it (without the caller's name and phone).
    #[derive(Debug, Clone, PartialEq, Serialize)]
    pub struct TicketRecord {
        pub id: i64,
        pub number: String,
        #[serde(skip)]
        pub query_code: String,
        pub jurisdiction: String,
        /// `hotline`, `portal`, `public` or `partner`.
        pub source: String,
        /// The partner application (Open311), for `partner` tickets.
        pub partner: Option<String>,
        pub ticket_type: TicketType = read_type,
        pub urgency: Urgency = read_urgency,
        pub category_code: String,
        pub category_version: i64,
        pub category_name: String,
        pub duty: Duty = read_duty,
        pub content: String,
        pub location: String,
        pub latitude: Option<f64> = read_coordinate,
        pub longitude: Option<f64> = read_coordinate,
        /// The applicant's account when filed on the portal.
        pub applicant_account: Option<i64>,
        pub state: TicketState = read_state,
        /// The department holding it.
        pub department: Option<String>,
        /// `return` (a return waits for arbitration) or `extension` (an extension waits for approval).
        pub awaiting: Option<String>,
        pub master_id: Option<i64>,
        /// The latest reply.
        pub reply: Option<String>,
        /// The latest callback's result (满意 / 基本满意 / 不满意).
        pub satisfaction: Option<String>,
        pub ticket: Ticket = read_ticket,
        pub version: i64,
        pub created_at: i64,
        pub updated_at: i64,
    }
}

/// A ticket to register.
#[derive(Debug, Clone)]
pub struct NewTicket<'a> {
    pub number: &'a str,
    pub query_code: &'a str,
    pub jurisdiction: &'a str,
    pub source: &'a str,
    pub partner: Option<&'a str>,
    pub category: &'a TicketCategory,
    pub content: &'a str,
    pub location: &'a str,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub caller_name: Option<&'a str>,
    pub caller_phone: Option<&'a str>,
    pub applicant_account: Option<i64>,
    pub ticket: &'a Ticket,
    pub at_ms: i64,
}

/// What changes on a ticket with an act.
#[derive(Debug, Clone)]
pub struct TicketChange<'a> {
    pub ticket: &'a Ticket,
    pub master_id: Option<i64>,
    pub reply: Option<&'a str>,
    pub satisfaction: Option<&'a str>,
    pub at_ms: i64,
}

/// What the queue columns say of a ticket's state.
fn awaiting(t: &Ticket) -> Option<&'static str> {
    if t.state == TicketState::PendingDispatch && t.pending_return.is_some() {
        Some("return")
    } else if t.extension_asked.is_some() {
        Some("extension")
    } else if t.caller_to_tell {
        Some("inform")
    } else {
        None
    }
}

record! {
    /// One entry of a ticket's history.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct TicketEvent {
        pub id: i64,
        pub ticket_id: i64,
        /// Milliseconds since the Unix epoch.
        pub at: i64,
        pub actor: String,
        pub actor_account: Option<i64>,
        pub action: String,
        /// The department concerned (dispatched to, returning, replying).
        pub department: Option<String>,
        pub note: String,
        /// JSON text of the details.
        pub data: String,
    }
}

/// An entry to add to a ticket's history.
#[derive(Debug, Clone)]
pub struct NewTicketEvent<'a> {
    pub ticket_id: i64,
    pub at: i64,
    pub actor: &'a str,
    pub actor_account: Option<i64>,
    pub action: &'a str,
    pub department: Option<&'a str>,
    pub note: &'a str,
    pub data: String,
}

/// Which tickets a desk lists. Empty and `None` do not filter.
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    pub jurisdiction: Option<String>,
    pub ids: Vec<i64>,
    pub states: Vec<TicketState>,
    pub department: Option<String>,
    pub applicant: Option<i64>,
    pub category: Option<String>,
    pub awaiting: Option<String>,
    /// Not waiting for this (no wait, or another).
    pub not_awaiting: Option<String>,
    /// Late as of this date: dispatch, reply or callback due before it and not done.
    pub overdue_on: Option<NaiveDate>,
    /// With `overdue_on`: these tickets too (the urgent ones due that day whose hour has passed,
    /// which only the application layer's clock can tell).
    pub overdue_also: Vec<i64>,
    /// The current step's due date (dispatch, reply or callback, by state) is this day.
    pub due_on: Option<NaiveDate>,
    pub urgency: Option<String>,
    /// The tickets after this one (a page of a list oldest first).
    pub after: Option<i64>,
    /// Urgent tickets ahead of the others (a desk's list, never paged by `after`).
    pub urgent_first: bool,
    /// Newest first (a page of a list newest first: `after` then reads the tickets before it).
    pub newest_first: bool,
    /// Registered at or after / before (milliseconds).
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub limit: i64,
}

/// The current step's due date by state (dispatch, reply, callback), as SQL.
const CURRENT_DUE: &str = "CASE WHEN state = 'pending_dispatch' THEN dispatch_due \
     WHEN state IN ('dispatched', 'in_progress') THEN reply_due \
     WHEN state = 'replied' THEN callback_due END";

/// The conditions of a filter, after `WHERE 1 = 1` (neither its page nor its order).
fn push_filter<'q>(q: &mut Statement<'q>, f: &'q TicketFilter) {
    if let Some(j) = &f.jurisdiction {
        q.push(" AND jurisdiction = ").push_bind(j);
    }
    if !f.ids.is_empty() {
        q.push(" AND id");
        q.push_in(&f.ids);
    }
    if !f.states.is_empty() {
        let states: Vec<&'static str> = f.states.iter().map(|s| s.code()).collect();
        q.push(" AND state");
        q.push_in(&states);
    }
    if let Some(d) = &f.department {
        q.push(" AND department = ").push_bind(d);
    }
    if let Some(a) = f.applicant {
        q.push(" AND applicant_account = ").push_bind(a);
    }
    if let Some(c) = &f.category {
        q.push(" AND category_code = ").push_bind(c);
    }
    if let Some(a) = &f.awaiting {
        q.push(" AND awaiting = ").push_bind(a);
    }
    if let Some(a) = &f.not_awaiting {
        q.push(" AND (awaiting IS NULL OR awaiting <> ")
            .push_bind(a)
            .push(")");
    }
    if let Some(u) = &f.urgency {
        q.push(" AND urgency = ").push_bind(u);
    }
    if let Some(on) = f.due_on {
        q.push(format!(" AND {CURRENT_DUE} = ")).push_bind(day(on));
    }
    if let Some(on) = f.overdue_on {
        q.push(format!(" AND ({CURRENT_DUE} < ")).push_bind(day(on));
        if !f.overdue_also.is_empty() {
            q.push(" OR id");
            q.push_in(&f.overdue_also);
        }
        q.push(")");
    }
    if let Some(from) = f.from_ms {
        q.push(" AND created_at >= ").push_bind(from);
    }
    if let Some(to) = f.to_ms {
        q.push(" AND created_at < ").push_bind(to);
    }
}

impl WriteTx {
    /// The next serial of a jurisdiction's ticket numbers in a year.
    pub async fn next_ticket_number(&mut self, jurisdiction: &str, year: i32) -> Result<i64> {
        sql!(
            "INSERT INTO ticket_numbers (jurisdiction, year, next) VALUES ($1, $2, 1)
             ON CONFLICT (jurisdiction, year) DO UPDATE SET next = ticket_numbers.next + 1 RETURNING next";
            jurisdiction, i64::from(year)
        )
        .scalar(&mut **self)
        .await
    }

    /// Registers a ticket; returns its id.
    pub async fn insert_ticket(&mut self, n: &NewTicket<'_>) -> Result<i64> {
        let t = n.ticket;
        let c = n.category;
        insert!("tickets";
            number = n.number, query_code = n.query_code, jurisdiction = n.jurisdiction,
            source = n.source, partner = n.partner, ticket_type = t.ticket_type.code(),
            urgency = t.urgency.code(), category_code = &c.code, category_version = c.version,
            category_name = &c.name, duty = c.duty.code(), content = n.content,
            location = n.location, latitude = n.latitude, longitude = n.longitude,
            caller_name = n.caller_name, caller_phone = n.caller_phone,
            applicant_account = n.applicant_account, state = t.state.code(),
            department = t.department.as_deref(), awaiting = awaiting(t),
            dispatch_due = day(t.dispatch_due), reply_due = t.reply_due.map(day),
            callback_due = t.callback_due.map(day), ticket = json(t), version = 1_i64,
            created_at = n.at_ms, updated_at = n.at_ms;
            "RETURNING id")
        .scalar(&mut **self)
        .await
    }

    /// Writes a ticket's new state over the version `seen`; a ticket changed meanwhile is
    /// [`crate::Conflict::Changed`] (`"ticket"`).
    pub async fn update_ticket(
        &mut self,
        id: i64,
        seen: i64,
        change: &TicketChange<'_>,
    ) -> Result<()> {
        let t = change.ticket;
        sql!(
            "UPDATE tickets SET state = $1, department = $2, awaiting = $3, dispatch_due = $4,
               reply_due = $5, callback_due = $6, ticket = $7, master_id = COALESCE($8, master_id),
               reply = COALESCE($9, reply), satisfaction = COALESCE($10, satisfaction),
               version = version + 1, updated_at = $11
             WHERE id = $12 AND version = $13";
            t.state.code(), t.department.as_deref(), awaiting(t), day(t.dispatch_due),
            t.reply_due.map(day), t.callback_due.map(day), json(t), change.master_id,
            change.reply, change.satisfaction, change.at_ms, id, seen
        )
        .run_once(&mut **self, "ticket")
        .await
    }

    /// Adds an entry to a ticket's history.
    pub async fn add_ticket_event(&mut self, e: &NewTicketEvent<'_>) -> Result<()> {
        insert!("ticket_events", e;
            ticket_id, at, actor, actor_account, action, department, note, data)
        .run(&mut **self)
        .await
    }

    /// Adds a version of a category (the first, or the next after the highest); returns its id.
    pub async fn add_ticket_category(&mut self, c: &NewCategory<'_>) -> Result<i64> {
        let version: i64 = sql!(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM ticket_categories
             WHERE jurisdiction = $1 AND code = $2";
            c.jurisdiction, c.code
        )
        .scalar(&mut **self)
        .await?;
        insert!("ticket_categories", c;
            jurisdiction, code, version = version, name, department, duty = c.duty.code(),
            active = i64::from(c.active), created_by, created_at;
            "RETURNING id")
        .scalar(&mut **self)
        .await
    }

    /// Adds the first version of a category unless it exists (seeding: several servers starting
    /// at once add it once); returns whether it was added here.
    pub async fn seed_ticket_category(&mut self, c: &NewCategory<'_>) -> Result<bool> {
        insert!("ticket_categories", c;
            jurisdiction, code, version = 1_i64, name, department, duty = c.duty.code(),
            active = i64::from(c.active), created_by, created_at;
            "ON CONFLICT (jurisdiction, code, version) DO NOTHING")
        .changed_one(&mut **self)
        .await
    }

    /// Saves a jurisdiction's deadline matrix (JSON), replacing the one kept.
    pub async fn save_ticket_matrix(
        &mut self,
        jurisdiction: &str,
        matrix: &str,
        by: &str,
        at_ms: i64,
    ) -> Result<()> {
        sql!(
            "INSERT INTO ticket_matrices (jurisdiction, matrix, updated_by, updated_at)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (jurisdiction) DO UPDATE SET matrix = excluded.matrix,
               updated_by = excluded.updated_by, updated_at = excluded.updated_at";
            jurisdiction, matrix, by, at_ms
        )
        .run(&mut **self)
        .await
    }
}

fn json(t: &Ticket) -> String {
    serde_json::to_string(t).expect("a ticket serialises")
}

impl Store {
    /// A ticket by id.
    pub async fn ticket(&self, id: i64) -> Result<Option<TicketRecord>> {
        sql!(select::<TicketRecord>("tickets WHERE id = $1"); id)
            .optional(self.reader())
            .await
    }

    /// A ticket by its readable number.
    pub async fn ticket_by_number(&self, number: &str) -> Result<Option<TicketRecord>> {
        sql!(select::<TicketRecord>("tickets WHERE number = $1"); number.trim())
            .optional(self.reader())
            .await
    }

    /// The caller's name and callback phone of a ticket.
    pub async fn ticket_caller(&self, id: i64) -> Result<(Option<String>, Option<String>)> {
        sql!("SELECT caller_name, caller_phone FROM tickets WHERE id = $1"; id)
            .one(self.reader())
            .await
    }

    /// The tickets by filter, oldest first (urgent ones ahead when asked), at most `limit` (1 to
    /// 1000).
    pub async fn tickets(&self, f: &TicketFilter) -> Result<Vec<TicketRecord>> {
        let mut q = Statement::new(select::<TicketRecord>("tickets WHERE 1 = 1"));
        push_filter(&mut q, f);
        if let Some(after) = f.after {
            q.push(if f.newest_first {
                " AND id < "
            } else {
                " AND id > "
            })
            .push_bind(after);
        }
        if f.urgent_first {
            q.push(" ORDER BY CASE WHEN urgency = 'urgent' THEN 0 ELSE 1 END, id");
        } else if f.newest_first {
            q.push(" ORDER BY id DESC");
        } else {
            q.push(" ORDER BY id");
        }
        q.push(" LIMIT ").push_bind(f.limit.clamp(1, 1000));
        q.all(self.reader()).await
    }

    /// How many tickets the filter matches (its `after` and `limit` left out).
    pub async fn ticket_count(&self, f: &TicketFilter) -> Result<i64> {
        let mut q = Statement::new("SELECT COUNT(*) FROM tickets WHERE 1 = 1");
        push_filter(&mut q, f);
        q.scalar(self.reader()).await
    }

    /// The open tickets of a jurisdiction registered since `since_ms` with the same caller phone
    /// or the same location and category (candidates for merging, 并单), newest first.
    pub async fn duplicate_candidates(
        &self,
        jurisdiction: &str,
        phone: Option<&str>,
        location: &str,
        category: &str,
        since_ms: i64,
    ) -> Result<Vec<TicketRecord>> {
        sql!(select::<TicketRecord>(
            "tickets WHERE jurisdiction = $1 AND created_at >= $2 AND state <> 'merged'
               AND ((caller_phone IS NOT NULL AND caller_phone = $3)
                 OR (location <> '' AND location = $4 AND category_code = $5))
             ORDER BY id DESC LIMIT 20");
            jurisdiction, since_ms, phone, location, category
        )
        .all(self.reader())
        .await
    }

    /// A ticket's history, in order.
    pub async fn ticket_events(&self, id: i64) -> Result<Vec<TicketEvent>> {
        sql!(select::<TicketEvent>("ticket_events WHERE ticket_id = $1 ORDER BY id"); id)
            .all(self.reader())
            .await
    }

    /// The categories of a jurisdiction: the current version of each code (with `all_versions`,
    /// every version), by code.
    pub async fn ticket_categories(
        &self,
        jurisdiction: &str,
        all_versions: bool,
    ) -> Result<Vec<TicketCategory>> {
        let from = if all_versions {
            "ticket_categories WHERE jurisdiction = $1 ORDER BY code, version"
        } else {
            "ticket_categories c WHERE jurisdiction = $1 AND version = (SELECT MAX(version)
               FROM ticket_categories v WHERE v.jurisdiction = c.jurisdiction AND v.code = c.code)
             ORDER BY code"
        };
        sql!(select::<TicketCategory>(from); jurisdiction)
            .all(self.reader())
            .await
    }

    /// The current version of a category.
    pub async fn ticket_category(
        &self,
        jurisdiction: &str,
        code: &str,
    ) -> Result<Option<TicketCategory>> {
        sql!(select::<TicketCategory>(
            "ticket_categories WHERE jurisdiction = $1 AND code = $2 ORDER BY version DESC LIMIT 1");
            jurisdiction, code.trim()
        )
        .optional(self.reader())
        .await
    }

    /// A jurisdiction's deadline matrix (JSON), if one was saved.
    pub async fn ticket_matrix(&self, jurisdiction: &str) -> Result<Option<String>> {
        sql!("SELECT matrix FROM ticket_matrices WHERE jurisdiction = $1"; jurisdiction)
            .optional_scalar(self.reader())
            .await
    }
}
