//! Cases (办件) as rows: the engine's case and the item rules it was received under kept as the
//! body, the columns queries need kept in step with it in the same write, readable numbers per
//! jurisdiction and year, idempotency keys of receipt, and the lists (worklists, an applicant's
//! cases, the public approvals). Optimistic concurrency: an update names the version it read; a case
//! changed meanwhile is a conflict, never a lost update.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use yiyin_domain::agent::Representation;
use yiyin_domain::authz::Scope;
use yiyin_domain::calendar::{Calendar, CalendarError};
use yiyin_domain::catalog::HandlingMode;
use yiyin_domain::engine::{ApplicantFacts, Case, CaseState, Clock, Context, ItemRules};
use yiyin_domain::org::Organisation;
use yiyin_domain::party::{Applicant, Channel, SubjectId, SubjectKind};
use yiyin_domain::roles::Role;

use crate::rows::{Json, Record, Statement, WithLast, by_id, day, insert, record, select, sql};
use crate::{Conflict, Missing, Result, Store, StoreError, WriteTx};

/// The member cases of a bundle, in the order received.
const BUNDLE_CASES: &str = "cases WHERE bundle_id = $1 ORDER BY id";

/// What is kept with the engine's case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseBody {
    pub case: Case,
    pub item: ItemRules,
    pub result_name: String,
    pub validity_years: Option<u32>,
    /// The application form's data as checked at receipt (absent: the item had no form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<FormData>,
    /// Who acts for the applicant (经办人/代理人, 法定代表人（负责人）); empty when the applicant
    /// acts in person.
    #[serde(default, skip_serializing_if = "Representation::is_empty")]
    pub representation: Representation,
}

/// An application form's data: each field's code and its value.
pub type FormData = serde_json::Map<String, serde_json::Value>;

/// A case as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseRecord {
    pub id: i64,
    pub jurisdiction: String,
    /// The readable number, unique per jurisdiction and year.
    pub number: String,
    #[serde(skip)]
    pub query_code: String,
    pub item_code: String,
    pub item_version: i64,
    pub item_name: String,
    pub department: String,
    pub supervising_department: String,
    pub handling_mode: HandlingMode,
    pub applicant: Applicant,
    pub channel: Channel,
    pub unit: String,
    pub state: CaseState,
    pub next_role: Option<Role>,
    /// Optimistic-concurrency version: name it when acting.
    pub version: i64,
    pub case: Case,
    pub item: ItemRules,
    pub result_name: String,
    #[serde(skip)]
    pub validity_years: Option<u32>,
    /// The application form's data (一张表单), by field code.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub form: Option<FormData>,
    /// Who acts for the applicant; shown through the case view, masked for those who only watch.
    #[serde(skip)]
    pub representation: Representation,
    /// The bundle (一件事) this case is a member item of, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bundle_id: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The lists' order: the statutory due date as stored (`9999-12-31` when there is none), then
    /// the id; a page's cursor ([`CaseFilter::after`]).
    #[serde(skip)]
    pub due_sort: String,
}

impl CaseRecord {
    /// The case's place in a list's order ([`CaseFilter::after`]): the statutory due date as
    /// stored, or for the intake queue the end of its intake window; then the id.
    pub fn list_key(&self, intake_queue: bool) -> (String, i64) {
        if intake_queue {
            (day(self.case.intake.due), self.id)
        } else {
            (self.due_sort.clone(), self.id)
        }
    }

    /// What authorisation judges an act on this case by: the township concerned is the one of the
    /// unit that received it (for a township's own power, the deciding township set at intake).
    pub fn scope(&self, org: &Organisation) -> Scope {
        let township: Vec<String> = org
            .jurisdiction(&self.jurisdiction)
            .and_then(|j| j.township_of_unit(&self.unit))
            .map(|t| t.code.clone())
            .into_iter()
            .collect();
        Scope::new(
            org,
            &self.jurisdiction,
            &self.department,
            &self.supervising_department,
            self.handling_mode,
            self.item.instant,
            &township,
        )
    }

    pub fn context<'a>(&'a self, calendar: &'a Calendar, facts: &'a ApplicantFacts) -> Context<'a> {
        Context {
            item: &self.item,
            calendar,
            applicant: facts,
        }
    }

    /// The clock as of a date, with its explanation; time applied (a case whose intake window
    /// passed reads as deemed accepted even before the sweep writes it).
    pub fn clock(&self, calendar: &Calendar, today: NaiveDate) -> Result<Clock, CalendarError> {
        self.clock_as_of(calendar, today, true)
    }

    /// The same deadlines without the explanation, for lists.
    pub fn deadlines(&self, calendar: &Calendar, today: NaiveDate) -> Result<Clock, CalendarError> {
        self.clock_as_of(calendar, today, false)
    }

    fn clock_as_of(
        &self,
        calendar: &Calendar,
        today: NaiveDate,
        explain: bool,
    ) -> Result<Clock, CalendarError> {
        let facts = ApplicantFacts::default();
        let ctx = self.context(calendar, &facts);
        let case = match self.case.tick(today) {
            Some((c, _)) => c,
            None => self.case.clone(),
        };
        if explain {
            case.clock(&ctx, today)
        } else {
            case.deadlines(&ctx, today)
        }
    }
}

record! {
    struct CaseRow {
        id: i64,
        jurisdiction: String,
        number: String,
        query_code: String,
        item_code: String,
        item_version: i64,
        item_name: String,
        department: String,
        supervising_department: String,
        handling_mode: HandlingMode,
        applicant_account: Option<i64>,
        applicant_kind: SubjectKind,
        applicant_name: String,
        applicant_id: String,
        applicant_phone: String,
        channel: Channel,
        unit: String,
        state: CaseState,
        version: i64,
        body: Json<CaseBody>,
        bundle_id: Option<i64>,
        created_at: i64,
        updated_at: i64,
        due_sort: String,
    }
}

impl TryFrom<CaseRow> for CaseRecord {
    type Error = StoreError;

    fn try_from(r: CaseRow) -> Result<Self> {
        let body = r.body.0;
        let id_number = SubjectId::parse(r.applicant_kind, &r.applicant_id)
            .map_err(|e| StoreError::Corrupt(format!("case {} applicant id: {e}", r.id)))?;
        Ok(CaseRecord {
            next_role: body.case.next_role(&body.item),
            id: r.id,
            jurisdiction: r.jurisdiction,
            number: r.number,
            query_code: r.query_code,
            item_code: r.item_code,
            item_version: r.item_version,
            item_name: r.item_name,
            department: r.department,
            supervising_department: r.supervising_department,
            handling_mode: r.handling_mode,
            applicant: Applicant {
                kind: r.applicant_kind,
                name: r.applicant_name,
                id_number,
                phone: r.applicant_phone,
                account: r.applicant_account,
            },
            channel: r.channel,
            unit: r.unit,
            state: r.state,
            version: r.version,
            case: body.case,
            item: body.item,
            result_name: body.result_name,
            validity_years: body.validity_years,
            form: body.form,
            representation: body.representation,
            bundle_id: r.bundle_id,
            created_at: r.created_at,
            updated_at: r.updated_at,
            due_sort: r.due_sort,
        })
    }
}

/// The dates kept in columns for queries, from a case and its clock.
struct Columns {
    state: &'static str,
    closed: bool,
    next_role: String,
    intake_due: String,
    accepted_on: Option<String>,
    statutory_due: Option<String>,
    promised_due: Option<String>,
    decided_on: Option<String>,
    certificate_due: Option<String>,
    due_sort: String,
    deferred_due: Option<String>,
}

impl Columns {
    fn of(case: &Case, clock: Option<&Clock>, item: &ItemRules) -> Self {
        Columns {
            state: case.state.code(),
            closed: case.is_closed(),
            next_role: case
                .next_role(item)
                .map(|r| r.code().to_string())
                .unwrap_or_default(),
            intake_due: day(case.intake.due),
            accepted_on: case.accepted_on.map(day),
            statutory_due: clock.and_then(|c| c.statutory_due).map(day),
            promised_due: clock.and_then(|c| c.promised_due).map(day),
            decided_on: case.decided_on.map(day),
            certificate_due: clock.and_then(|c| c.certificate_due).map(day),
            due_sort: clock
                .and_then(|c| c.statutory_due)
                .map(day)
                .unwrap_or_else(|| "9999-12-31".into()),
            deferred_due: case
                .deferred
                .iter()
                .filter(|d| d.arrived_on.is_none())
                .map(|d| d.due)
                .min()
                .map(day),
        }
    }
}

/// A case to write for the first time.
#[derive(Debug, Clone)]
pub struct NewCaseRow<'a> {
    pub jurisdiction: &'a str,
    pub number: &'a str,
    pub query_code: &'a str,
    pub item_code: &'a str,
    pub item_version: u32,
    pub item_name: &'a str,
    pub department: &'a str,
    pub supervising_department: &'a str,
    pub handling_mode: HandlingMode,
    pub applicant: &'a Applicant,
    pub channel: Channel,
    pub unit: &'a str,
    pub body: &'a CaseBody,
    /// The deadlines as of receipt (None while the calendar lacks a year).
    pub clock: Option<&'a Clock>,
    pub at_ms: i64,
}

/// The columns a new case row is written with, in the order [`push_case_values`] binds them: all
/// of the state encoding's but the id, which the database gives.
const CASE_INSERT_COLUMNS: &[&str] = crate::events::CASE_COLUMNS.split_at(1).1;

/// Binds the values of a new case row, in the order of [`CASE_INSERT_COLUMNS`].
fn push_case_values(q: &mut Statement<'_>, c: &NewCaseRow<'_>) -> Result<()> {
    let cols = Columns::of(&c.body.case, c.clock, &c.body.item);
    let a = c.applicant;
    let text = |v: &str| v.to_string();
    q.push_bind(text(c.jurisdiction)).push(", ");
    q.push_bind(text(c.number)).push(", ");
    q.push_bind(text(c.query_code)).push(", ");
    q.push_bind(text(c.item_code)).push(", ");
    q.push_bind(i64::from(c.item_version)).push(", ");
    q.push_bind(text(c.item_name)).push(", ");
    q.push_bind(text(c.department)).push(", ");
    q.push_bind(text(c.supervising_department)).push(", ");
    q.push_bind(c.handling_mode.code()).push(", ");
    q.push_bind(a.account).push(", ");
    q.push_bind(a.kind.code()).push(", ");
    q.push_bind(a.name.clone()).push(", ");
    q.push_bind(text(a.id_number.as_str())).push(", ");
    q.push_bind(a.phone.clone()).push(", ");
    q.push_bind(c.channel.code()).push(", ");
    q.push_bind(text(c.unit)).push(", ");
    q.push_bind(cols.state).push(", ");
    q.push_bind(i64::from(cols.closed)).push(", ");
    q.push_bind(cols.next_role).push(", ");
    q.push_bind(day(c.body.case.received_on)).push(", ");
    q.push_bind(cols.intake_due).push(", ");
    q.push_bind(cols.accepted_on).push(", ");
    q.push_bind(cols.statutory_due).push(", ");
    q.push_bind(cols.promised_due).push(", ");
    q.push_bind(cols.decided_on).push(", ");
    q.push_bind(cols.certificate_due).push(", ");
    q.push_bind(cols.due_sort).push(", ");
    q.push_bind(serde_json::to_string(c.body)?).push(", ");
    q.push_bind(1_i64).push(", ");
    q.push_bind(c.at_ms).push(", ");
    q.push_bind(c.at_ms).push(", ");
    q.push_bind(cols.deferred_due);
    Ok(())
}

/// Filters for listing cases; the caller narrows further by authorisation.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub jurisdictions: Vec<String>,
    /// Cases waiting for one of these roles (empty: whoever they wait for).
    pub next_roles: Vec<Role>,
    pub state: Option<CaseState>,
    pub open_only: bool,
    /// Only the finished cases: closed (issued, refused, withdrawn, denied) or decided with
    /// nothing left to do.
    pub finished_only: bool,
    /// Only the applications waiting for an intake outcome (received, or waiting for the
    /// applicant's supplement), in the order of their intake window's end, then the id: `after`
    /// is then that date and the id ([`CaseRecord::list_key`]).
    pub intake_queue: bool,
    /// Only the cases received at this window or centre.
    pub unit: Option<String>,
    pub applicant_account: Option<i64>,
    /// With `applicant_account`: also the cases under this (verified) ID number, whoever filed them.
    pub applicant_identity: Option<SubjectId>,
    /// Matches the case number, the applicant's name or the item's name.
    pub text: Option<String>,
    /// The page after this case of the list's order: its sort date and id
    /// ([`CaseRecord::list_key`]).
    pub after: Option<(String, i64)>,
    pub limit: i64,
    pub offset: i64,
}

/// Takes the next serial of a jurisdiction's case numbers in a year.
const NEXT_CASE_NUMBER: &str =
    "INSERT INTO case_numbers (jurisdiction, year, next) VALUES ($1, $2, 1)
     ON CONFLICT (jurisdiction, year) DO UPDATE SET next = case_numbers.next + 1 RETURNING next";

/// A case with whether it was received in simulation, by id.
fn case_marked() -> String {
    format!(
        "SELECT {}, CAST(CASE WHEN EXISTS (SELECT 1 FROM simulated_cases s \
           WHERE s.case_id = cases.id) THEN 1 ELSE 0 END AS BIGINT) AS simulated \
         FROM cases WHERE id = $1",
        CaseRow::COLUMNS
    )
}

/// A case read for a write that is to follow ([`Store::case_for_write`]).
#[derive(Debug, Clone)]
pub struct CaseForWrite {
    pub record: CaseRecord,
    /// Whether it was received in simulation (marked at receipt, never unmarked).
    simulated: bool,
}

impl Store {
    /// A case read before the write that changes it, with what that write will ask of it, so
    /// that the write need not read it again ([`WriteTx::case_read_before`]; a change made in
    /// between fails the write's update as stale).
    pub async fn case_for_write(&self, id: i64) -> Result<CaseForWrite> {
        let WithLast(row, simulated): WithLast<CaseRow, bool> = sql!(&case_marked(); id)
            .found(self.reader(), Missing::Case(id))
            .await?;
        Ok(CaseForWrite {
            record: row.try_into()?,
            simulated,
        })
    }

    /// PostgreSQL: the next serial of a jurisdiction's case numbers in a year, taken in a statement
    /// of its own before the write that uses it, so that the counter's row is locked for that
    /// statement only and receipts of a county do not wait for each other's whole write (a write
    /// that then fails leaves its number unused: the numbers stay unique and in order, with gaps).
    /// SQLite: None — its one writer takes the number in the write ([`WriteTx::next_case_number`]),
    /// with no lock to wait for and no flush of its own.
    pub async fn reserve_case_number(&self, jurisdiction: &str, year: i32) -> Result<Option<i64>> {
        if self.backend == crate::Backend::Sqlite {
            return Ok(None);
        }
        let next = sql!(NEXT_CASE_NUMBER; jurisdiction, i64::from(year))
            .scalar(&self.write)
            .await?;
        Ok(Some(next))
    }
}

impl WriteTx {
    /// The next serial of a jurisdiction's case numbers in a year, in this write.
    pub async fn next_case_number(&mut self, jurisdiction: &str, year: i32) -> Result<i64> {
        sql!(NEXT_CASE_NUMBER; jurisdiction, i64::from(year))
            .scalar(&mut **self)
            .await
    }

    /// Writes a new case at version 1; returns its id.
    pub async fn insert_case(&mut self, c: &NewCaseRow<'_>) -> Result<i64> {
        let ids = self.insert_cases(std::slice::from_ref(c)).await?;
        ids.into_iter()
            .next()
            .ok_or_else(|| StoreError::Corrupt("no id returned for a new case".into()))
    }

    /// Writes new cases at version 1, several rows a statement (a bulk load); returns their ids
    /// in the order given.
    pub async fn insert_cases(&mut self, rows: &[NewCaseRow<'_>]) -> Result<Vec<i64>> {
        // Within SQLite's 256 values a statement; on PostgreSQL 500 rows (16 000 values).
        let per = if self.is_sqlite() {
            256 / CASE_INSERT_COLUMNS.len()
        } else {
            500
        };
        let mut ids = std::collections::HashMap::with_capacity(rows.len());
        for chunk in rows.chunks(per) {
            let mut q = Statement::new(format!(
                "INSERT INTO cases ({}) VALUES ",
                CASE_INSERT_COLUMNS.join(", ")
            ));
            for (i, c) in chunk.iter().enumerate() {
                q.push(if i > 0 { ", (" } else { "(" });
                push_case_values(&mut q, c)?;
                q.push(")");
            }
            q.push(" RETURNING id, jurisdiction, number");
            let written: Vec<(i64, String, String)> = q.all(&mut **self).await?;
            ids.extend(written.into_iter().map(|(id, j, n)| ((j, n), id)));
        }
        rows.iter()
            .map(|c| {
                ids.get(&(c.jurisdiction.to_string(), c.number.to_string()))
                    .copied()
                    .ok_or_else(|| StoreError::Corrupt(format!("no id returned for {}", c.number)))
            })
            .collect()
    }

    /// Keeps an idempotency key for a case; false when the key is taken already (another attempt
    /// with the same key won: roll back and read its case).
    pub async fn insert_case_key(&mut self, key: &str, case_id: i64, at_ms: i64) -> Result<bool> {
        let inserted = insert!("case_keys"; key, case_id, created_at = at_ms)
            .run(&mut **self)
            .await;
        match inserted {
            Ok(()) => Ok(true),
            Err(e) if e.is_unique_violation() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// A case as this transaction sees it.
    pub async fn case(&mut self, id: i64) -> Result<CaseRecord> {
        // With whether it was received in simulation, which the write will ask
        // ([`WriteTx::case_simulated`]; a case is marked at its receipt and never unmarked).
        let WithLast(row, simulated): WithLast<CaseRow, bool> = sql!(&case_marked(); id)
            .found(&mut **self, Missing::Case(id))
            .await?;
        self.simulated.insert(id, simulated);
        row.try_into()
    }

    /// A case read before this write began ([`Store::case_for_write`]), taken as the write's
    /// own read of it: the write's update of the case still checks that it is the version read.
    pub fn case_read_before(&mut self, read: &CaseForWrite) -> CaseRecord {
        self.simulated.insert(read.record.id, read.simulated);
        read.record.clone()
    }

    /// The member cases of a bundle (一件事) as this transaction sees them, in the order received.
    pub async fn bundle_cases(&mut self, bundle_id: i64) -> Result<Vec<CaseRecord>> {
        let rows: Vec<CaseRow> = sql!(select::<CaseRow>(BUNDLE_CASES); bundle_id)
            .all(&mut **self)
            .await?;
        rows.into_iter().map(CaseRecord::try_from).collect()
    }

    /// Marks a case as a member item of a bundle (一件事).
    pub async fn set_case_bundle(&mut self, case_id: i64, bundle_id: i64) -> Result<()> {
        sql!("UPDATE cases SET bundle_id = $1 WHERE id = $2"; bundle_id, case_id)
            .run_once(&mut **self, "case")
            .await
    }

    /// Writes the new state of a case read at `record.version`; a case changed meanwhile is a
    /// conflict. Returns the case as written (its new version).
    pub async fn update_case(
        &mut self,
        record: &CaseRecord,
        case: &Case,
        clock: Option<&Clock>,
        at_ms: i64,
    ) -> Result<CaseRecord> {
        let cols = Columns::of(case, clock, &record.item);
        let body = CaseBody {
            case: case.clone(),
            item: record.item.clone(),
            result_name: record.result_name.clone(),
            validity_years: record.validity_years,
            form: record.form.clone(),
            representation: record.representation.clone(),
        };
        // The row as written, read back by the same statement.
        let update = format!(
            "UPDATE cases SET state = $1, closed = $2, next_role = $3, intake_due = $4, accepted_on = $5,
               statutory_due = $6, promised_due = $7, decided_on = $8, certificate_due = $9, due_sort = $10,
               body = $11, version = version + 1, updated_at = $12, deferred_due = $15
             WHERE id = $13 AND version = $14 RETURNING {}",
            CaseRow::COLUMNS
        );
        let written: Option<CaseRow> = sql!(update;
            cols.state, i64::from(cols.closed), &cols.next_role, &cols.intake_due, cols.accepted_on,
            cols.statutory_due, cols.promised_due, cols.decided_on, cols.certificate_due,
            &cols.due_sort, serde_json::to_string(&body)?, at_ms, record.id, record.version,
            cols.deferred_due
        )
        .optional(&mut **self)
        .await?;
        match written {
            Some(row) => row.try_into(),
            None => Err(StoreError::Conflict(Conflict::StaleCase {
                number: record.number.clone(),
                current: record.version + 1,
                seen: record.version,
            })),
        }
    }
}

record! {
    /// The due dates kept on an open case, as a calendar correction reads them.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct StoredDues {
        pub id: i64,
        pub statutory_due: Option<NaiveDate>,
        pub promised_due: Option<NaiveDate>,
        pub certificate_due: Option<NaiveDate>,
    }
}

impl WriteTx {
    /// The open cases whose kept due dates a change of the calendar from `from` on may move: those
    /// without a statutory due date (it waited for a year) and those with a due date on or after
    /// `from`, by id after `after`, at most `limit`.
    pub async fn open_cases_due_from(
        &mut self,
        from: NaiveDate,
        after: i64,
        limit: i64,
    ) -> Result<Vec<StoredDues>> {
        sql!(
            select::<StoredDues>(
                "cases WHERE closed = 0 AND id > $1
                   AND (statutory_due IS NULL OR statutory_due >= $2 OR promised_due >= $2
                        OR certificate_due >= $2)
                 ORDER BY id LIMIT $3"
            );
            after, day(from), limit
        )
        .all(&mut **self)
        .await
    }
}

impl Store {
    /// The open cases without a stored statutory due date (not yet accepted, or their clock could
    /// not be computed for want of a year's holiday data), by id, at most `limit`.
    pub async fn open_cases_without_dues(&self, limit: i64) -> Result<Vec<i64>> {
        sql!(
            "SELECT id FROM cases WHERE closed = 0 AND statutory_due IS NULL ORDER BY id LIMIT $1";
            limit
        )
        .scalars(self.reader())
        .await
    }

    /// The cases a statement reads.
    async fn records_read(&self, statement: Statement<'_>) -> Result<Vec<CaseRecord>> {
        let rows: Vec<CaseRow> = statement.all(self.reader()).await?;
        rows.into_iter().map(CaseRecord::try_from).collect()
    }

    pub async fn case(&self, id: i64) -> Result<CaseRecord> {
        let row: CaseRow = by_id(self.reader(), "cases", id, Missing::Case).await?;
        row.try_into()
    }

    /// A case by its readable number, or by an earlier number it keeps as an alias (a case
    /// migrated to the bureau at the switch-over, `crate::transition`).
    pub async fn case_by_number(&self, number: &str) -> Result<Option<CaseRecord>> {
        let row: Option<CaseRow> =
            sql!(select::<CaseRow>("cases WHERE number = $1"); number.trim())
                .optional(self.reader())
                .await?;
        match row {
            Some(row) => Ok(Some(row.try_into()?)),
            None => match self.case_by_alias(number).await? {
                Some(id) => Ok(Some(self.case(id).await?)),
                None => Ok(None),
            },
        }
    }

    /// The case an idempotency key created, if any.
    pub async fn case_by_key(&self, key: &str) -> Result<Option<CaseRecord>> {
        let id: Option<i64> = sql!("SELECT case_id FROM case_keys WHERE key = $1"; key)
            .optional_scalar(self.reader())
            .await?;
        match id {
            Some(id) => Ok(Some(self.case(id).await?)),
            None => Ok(None),
        }
    }

    /// Cases by filter, the most urgent first (by statutory due date).
    /// The cases of these ids (in no particular order; ids of no case left out).
    pub async fn cases_by_ids(&self, ids: &[i64]) -> Result<Vec<CaseRecord>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let mut q = Statement::new(select::<CaseRow>("cases WHERE id IN ("));
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.push_bind(*id);
        }
        q.push(")");
        self.records_read(q).await
    }

    pub async fn list_cases(&self, f: &CaseFilter) -> Result<Vec<CaseRecord>> {
        let mut q = Statement::new(select::<CaseRow>("cases WHERE 1 = 1"));
        if !f.jurisdictions.is_empty() {
            q.push(" AND jurisdiction IN (");
            for (i, j) in f.jurisdictions.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.push_bind(j);
            }
            q.push(")");
        }
        if !f.next_roles.is_empty() {
            q.push(" AND next_role IN (");
            for (i, r) in f.next_roles.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.push_bind(r.code());
            }
            q.push(")");
        }
        if let Some(s) = f.state {
            q.push(" AND state = ").push_bind(s.code());
        }
        if f.open_only {
            q.push(" AND closed = 0");
        }
        if f.finished_only {
            q.push(" AND (closed = 1 OR (state = 'decided' AND next_role = ''))");
        }
        if f.intake_queue {
            q.push(" AND state IN ('received', 'awaiting_supplement')");
        }
        if let Some(unit) = &f.unit {
            q.push(" AND unit = ").push_bind(unit.clone());
        }
        // due_sort is the statutory due date, or 9999-12-31 when there is none: the same order,
        // served by the worklist indexes; the intake queue's by `cases_intake`.
        let order = if f.intake_queue {
            "intake_due"
        } else {
            "due_sort"
        };
        if let Some((due, id)) = &f.after {
            q.push(format!(" AND ({order}, id) > ("))
                .push_bind(due.clone())
                .push(", ")
                .push_bind(*id)
                .push(")");
        }
        if let Some(t) = f.text.as_ref().map(|t| t.trim()).filter(|t| !t.is_empty()) {
            let like = format!("%{t}%");
            q.push(" AND (number LIKE ")
                .push_bind(like.clone())
                .push(" OR id IN (SELECT case_id FROM case_aliases WHERE number LIKE ")
                .push_bind(like.clone())
                .push(")")
                .push(" OR applicant_name LIKE ")
                .push_bind(like.clone())
                .push(" OR item_name LIKE ")
                .push_bind(like)
                .push(")");
        }
        match (f.applicant_account, &f.applicant_identity) {
            (Some(a), Some(id)) => {
                q.push(" AND (applicant_account = ")
                    .push_bind(a)
                    .push(" OR (applicant_id = ")
                    .push_bind(id.as_str().to_string())
                    .push(" AND applicant_kind = ")
                    .push_bind(id.kind().code())
                    .push("))");
            }
            (Some(a), None) => {
                q.push(" AND applicant_account = ").push_bind(a);
            }
            _ => {}
        }
        q.push(format!(" ORDER BY {order}, id LIMIT "))
            .push_bind(f.limit.clamp(1, 1000))
            .push(" OFFSET ")
            .push_bind(f.offset.max(0));
        self.records_read(q).await
    }

    /// The latest approval decisions of a jurisdiction (Art. 40: decisions are public), newest first.
    pub async fn approvals(&self, jurisdiction: &str, limit: i64) -> Result<Vec<CaseRecord>> {
        let from = "cases WHERE jurisdiction = $1 AND decided_on IS NOT NULL
                 AND state IN ('decided', 'certificate_issued')
                 AND id NOT IN (SELECT case_id FROM simulated_cases)
                 ORDER BY decided_on DESC, id DESC LIMIT $2";
        let all = self
            .records_read(sql!(select::<CaseRow>(from); jurisdiction, limit))
            .await?;
        Ok(all
            .into_iter()
            .filter(|c| c.case.decision.as_ref().is_some_and(|d| d.approved))
            .collect())
    }

    /// The member cases of a bundle (一件事), in the order received.
    pub async fn bundle_cases(&self, bundle_id: i64) -> Result<Vec<CaseRecord>> {
        self.records_read(sql!(select::<CaseRow>(BUNDLE_CASES); bundle_id))
            .await
    }

    /// Received cases whose intake window ended before `today` (for deemed acceptance).
    pub async fn cases_past_intake(&self, today: NaiveDate, limit: i64) -> Result<Vec<i64>> {
        sql!(
            "SELECT id FROM cases WHERE state = 'received' AND intake_due < $1 AND bundle_id IS NULL
             ORDER BY id LIMIT $2";
            day(today), limit
        )
        .scalars(self.reader())
        .await
    }

    /// Open cases with a deferred material due before `today` and not supplied.
    pub async fn cases_with_late_deferrals(
        &self,
        today: NaiveDate,
        limit: i64,
    ) -> Result<Vec<i64>> {
        sql!(
            "SELECT id FROM cases WHERE closed = 0 AND deferred_due IS NOT NULL AND deferred_due < $1 ORDER BY id LIMIT $2";
            day(today), limit
        )
        .scalars(self.reader())
        .await
    }

    /// How many cases the store holds (for benchmarks and statistics).
    pub async fn case_count(&self) -> Result<i64> {
        sql!("SELECT COUNT(*) FROM cases")
            .scalar(self.reader())
            .await
    }
}
