//! Satisfaction ratings (好差评) as rows: the ratings as given (never changed or deleted; one per
//! subject — a case or a requests-centre ticket — and channel online, one per visit token at the
//! window or by SMS), the rater's identity of
//! a named rating in its own table read only by [`Store::rater`] (the rating administrator's),
//! the rectification task of each bad rating with its steps, the bad-rating deadlines per
//! jurisdiction, the one-time rating tokens of a visit (kept as their SM3 only), and the counts
//! behind 好评率 and 差评整改率 ([`Store::rating_counts`]), which leave out ratings whose appeal was
//! upheld.

use chrono::NaiveDate;
use serde::Serialize;
use sqlx::any::AnyRow;
use yiyin_domain::labels::Labelled;
use yiyin_domain::ratings::{Indicator, Level, RatingChannel, Settings, Subject, Task, TaskState};

use crate::rows::{Column, Json, Statement, day, insert, record, select, sql};
use crate::{Conflict, Result, Store, StoreError, WriteTx};

/// Reads a labelled enum of the domain from its stored code.
fn labelled<T: Labelled>(row: &AnyRow, column: &str) -> std::result::Result<T, sqlx::Error> {
    let text = <String as Column>::get(row, column)?;
    T::parse(&text).ok_or_else(|| sqlx::Error::ColumnDecode {
        index: column.to_string(),
        source: format!("unknown code {text:?}").into(),
    })
}

fn read_channel(row: &AnyRow, column: &str) -> std::result::Result<RatingChannel, sqlx::Error> {
    labelled(row, column)
}

fn read_subject(row: &AnyRow, column: &str) -> std::result::Result<Subject, sqlx::Error> {
    labelled(row, column)
}

fn read_level(row: &AnyRow, column: &str) -> std::result::Result<Level, sqlx::Error> {
    labelled(row, column)
}

fn read_indicators(row: &AnyRow, column: &str) -> std::result::Result<Vec<Indicator>, sqlx::Error> {
    Json::<Vec<Indicator>>::get(row, column).map(|j| j.0)
}

fn read_task(row: &AnyRow, column: &str) -> std::result::Result<Option<Task>, sqlx::Error> {
    Option::<Json<Task>>::get(row, column).map(|t| t.map(|j| j.0))
}

fn read_state(row: &AnyRow, column: &str) -> std::result::Result<Option<TaskState>, sqlx::Error> {
    match <Option<String> as Column>::get(row, column)? {
        None => Ok(None),
        Some(_) => labelled(row, column).map(Some),
    }
}

record! {
    /// A rating with its rectification task, if it is a bad one — without the rater's identity.
    #[derive(Debug, Clone, PartialEq, Serialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct RatingRecord {
        pub id: i64,
        pub jurisdiction: String,
        /// What is rated: a case or a ticket.
        pub subject: Subject = read_subject,
        /// The rated case (a case's rating).
        pub case_id: Option<i64>,
        /// The rated ticket (a ticket's rating).
        pub ticket_id: Option<i64>,
        /// The rated agency mandate (the agency service's rating).
        pub mandate_id: Option<i64>,
        /// The rated subject's number: the case's, or the ticket's.
        pub case_number: String,
        /// The rated side: the department of the case's item (原审批部门), or the department
        /// that handled the ticket (`requests_centre` for one the centre answered at intake).
        pub department: String,
        /// The case's item, or the ticket's category (诉求分类).
        pub item_code: String,
        pub item_name: String,
        pub channel: RatingChannel = read_channel,
        pub level: Level = read_level,
        /// Whether the level is a bad rating (差评).
        pub bad: bool,
        pub indicators: Vec<Indicator> = read_indicators,
        pub comment: String,
        /// Whether the rater left a name and phone (实名); who they are is not here.
        pub named: bool,
        pub rated_on: NaiveDate,
        /// When it was given (milliseconds).
        pub rated_at: i64,
        pub task_state: Option<TaskState> = read_state,
        /// The rectification task of a bad rating.
        pub task: Option<Task> = read_task,
        /// The task's version: name it when acting.
        pub task_version: Option<i64>,
    }
}

record! {
    /// Who gave a named rating: for the rating administrator alone.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct Rater {
        pub rating_id: i64,
        /// The applicant's account when rated online.
        pub account: Option<i64>,
        pub name: String,
        pub phone: String,
    }
}

record! {
    /// One act on a rectification task.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct Step {
        pub id: i64,
        pub rating_id: i64,
        pub action: String,
        pub actor: String,
        pub detail: String,
        pub on_date: NaiveDate,
        pub at: i64,
    }
}

record! {
    /// A one-time rating token of a visit, as kept (its SM3, never the token).
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct RatingToken {
        pub id: i64,
        pub case_id: i64,
        pub jurisdiction: String,
        pub channel: RatingChannel = read_channel,
        pub created_by: String,
        pub created_at: i64,
        pub expires_at: i64,
        pub used_at: Option<i64>,
    }
}

/// The subject a rating rates, by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectId {
    Case(i64),
    Ticket(i64),
    Mandate(i64),
}

impl SubjectId {
    pub fn subject(self) -> Subject {
        match self {
            SubjectId::Case(_) => Subject::Case,
            SubjectId::Ticket(_) => Subject::Ticket,
            SubjectId::Mandate(_) => Subject::Agency,
        }
    }

    fn case_id(self) -> Option<i64> {
        match self {
            SubjectId::Case(id) => Some(id),
            _ => None,
        }
    }

    fn ticket_id(self) -> Option<i64> {
        match self {
            SubjectId::Ticket(id) => Some(id),
            _ => None,
        }
    }

    fn mandate_id(self) -> Option<i64> {
        match self {
            SubjectId::Mandate(id) => Some(id),
            _ => None,
        }
    }

    /// The column naming the subject in `ratings`.
    fn column(self) -> &'static str {
        match self {
            SubjectId::Case(_) => "case_id",
            SubjectId::Ticket(_) => "ticket_id",
            SubjectId::Mandate(_) => "mandate_id",
        }
    }

    fn id(self) -> i64 {
        match self {
            SubjectId::Case(id) | SubjectId::Ticket(id) | SubjectId::Mandate(id) => id,
        }
    }
}

/// A rating to keep.
#[derive(Debug, Clone)]
pub struct NewRating<'a> {
    pub jurisdiction: &'a str,
    /// The rated case or ticket.
    pub subject: SubjectId,
    /// The subject's number.
    pub case_number: &'a str,
    pub department: &'a str,
    pub item_code: &'a str,
    pub item_name: &'a str,
    pub channel: RatingChannel,
    /// '' online; the token's id for a visit.
    pub visit_key: String,
    pub level: Level,
    pub indicators: &'a [Indicator],
    pub comment: &'a str,
    pub rated_on: NaiveDate,
    pub at_ms: i64,
    /// The rater of a named rating: (account, name, phone).
    pub rater: Option<(Option<i64>, &'a str, &'a str)>,
}

/// The ratings a reader may list in a jurisdiction; the default restricts nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingScope {
    /// Every rating of the jurisdiction.
    pub all: bool,
    /// The ratings (of any subject) of these departments.
    pub departments: Vec<String>,
    /// Every ticket's rating.
    pub all_tickets: bool,
    /// The tickets' ratings of these departments.
    pub ticket_departments: Vec<String>,
}

impl Default for RatingScope {
    fn default() -> Self {
        RatingScope {
            all: true,
            departments: Vec::new(),
            all_tickets: false,
            ticket_departments: Vec::new(),
        }
    }
}

impl RatingScope {
    /// Whether the scope covers a rating of this subject and department.
    pub fn covers(&self, subject: Subject, department: &str) -> bool {
        let d = department.to_string();
        self.all
            || self.departments.contains(&d)
            || (subject == Subject::Ticket
                && (self.all_tickets || self.ticket_departments.contains(&d)))
    }
}

/// Which ratings a desk lists. Empty and `None` do not filter.
#[derive(Debug, Clone, Default)]
pub struct RatingFilter {
    pub jurisdiction: String,
    /// What the reader may list (`all`: no restriction).
    pub scope: RatingScope,
    pub department: Option<String>,
    /// Only bad ratings.
    pub bad_only: bool,
    pub task_state: Option<TaskState>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub case_id: Option<i64>,
    pub subject: Option<Subject>,
    /// The page after this rating (keyset: its `rated_at` and id; None: the first page).
    pub after: Option<RatingKey>,
    pub limit: i64,
}

/// Where a page of ratings ends, in the desk's order (newest first): the rating's time and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RatingKey {
    pub rated_at: i64,
    pub id: i64,
}

impl RatingKey {
    /// The key of a rating.
    pub fn of(r: &RatingRecord) -> RatingKey {
        RatingKey {
            rated_at: r.rated_at,
            id: r.id,
        }
    }

    /// The key as a client gives it back (`rated_at_id`).
    pub fn cursor(&self) -> String {
        format!("{}_{}", self.rated_at, self.id)
    }

    /// A key given back by a client; None when it is not one.
    pub fn parse(text: &str) -> Option<RatingKey> {
        let (rated_at, id) = text.split_once('_')?;
        Some(RatingKey {
            rated_at: rated_at.parse().ok().filter(|t: &i64| *t >= 0)?,
            id: id.parse().ok().filter(|i: &i64| *i > 0)?,
        })
    }
}

record! {
    /// The counts behind 好评率 and 差评整改率 of one department.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct RatingCounts {
        pub department: String,
        pub good: i64,
        pub bad: i64,
        /// Bad ratings whose rectification is finished.
        pub rectified: i64,
    }
}

/// `department IN (..)` of a non-empty list.
fn push_list<'q>(q: &mut Statement<'q>, ds: &'q [String]) {
    q.push("department IN (");
    for (i, d) in ds.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.push_bind(d);
    }
    q.push(")");
}

impl WriteTx {
    /// Keeps a rating (and its rater, when named); a second rating of the same subject and
    /// channel (or visit) is [`Conflict::Taken`]. Returns its id.
    pub async fn insert_rating(&mut self, r: &NewRating<'_>) -> Result<i64> {
        let indicators: Vec<&str> = r.indicators.iter().map(|i| i.code()).collect();
        let inserted = insert!("ratings", r;
            jurisdiction, subject = r.subject.subject().code(), case_id = r.subject.case_id(),
            ticket_id = r.subject.ticket_id(), mandate_id = r.subject.mandate_id(), case_number, department, item_code, item_name,
            channel = r.channel.code(), visit_key = r.visit_key.as_str(), level = r.level.code(),
            bad = i64::from(r.level.is_bad()), indicators = serde_json::to_string(&indicators)?,
            comment, named = i64::from(r.rater.is_some()), rated_on = day(r.rated_on),
            rated_at = r.at_ms;
            "ON CONFLICT DO NOTHING")
        .changed_one(&mut **self)
        .await?;
        if !inserted {
            return Err(StoreError::Conflict(Conflict::Taken {
                what: "rating",
                value: r.case_number.to_string(),
            }));
        }
        let id: i64 = sql!(
            format!(
                "SELECT id FROM ratings WHERE {} = $1 AND channel = $2 AND visit_key = $3",
                r.subject.column()
            );
            r.subject.id(), r.channel.code(), r.visit_key.as_str()
        )
        .scalar(&mut **self)
        .await?;
        if let Some((account, name, phone)) = r.rater {
            insert!("rating_raters"; rating_id = id, account, name, phone)
                .run(&mut **self)
                .await?;
        }
        Ok(id)
    }

    /// Opens the rectification task of a bad rating.
    pub async fn insert_rectification(
        &mut self,
        rating_id: i64,
        jurisdiction: &str,
        department: &str,
        task: &Task,
        at_ms: i64,
    ) -> Result<()> {
        insert!("rectifications";
            rating_id, jurisdiction, department, state = task.state.code(),
            contact_due = task.contact_due.map(day), rectify_due = day(task.rectify_due),
            closed_on = task.closed_on.map(day), body = serde_json::to_string(task)?,
            version = 1_i64, updated_at = at_ms)
        .run(&mut **self)
        .await
    }

    /// Writes a task's new state over the version read; one changed meanwhile is
    /// [`Conflict::Changed`].
    pub async fn update_rectification(
        &mut self,
        rating_id: i64,
        version: i64,
        task: &Task,
        at_ms: i64,
    ) -> Result<()> {
        sql!(
            "UPDATE rectifications SET state = $1, contact_due = $2, rectify_due = $3,
               closed_on = $4, body = $5, version = version + 1, updated_at = $6
             WHERE rating_id = $7 AND version = $8";
            task.state.code(), task.contact_due.map(day), day(task.rectify_due),
            task.closed_on.map(day), serde_json::to_string(task)?, at_ms, rating_id, version
        )
        .run_once(&mut **self, "rectification")
        .await
    }

    /// Records one act on a task.
    pub async fn insert_rectification_step(
        &mut self,
        rating_id: i64,
        action: &str,
        actor: &str,
        detail: &str,
        on: NaiveDate,
        at_ms: i64,
    ) -> Result<()> {
        insert!("rectification_steps";
            rating_id, action, actor, detail, on_date = day(on), at = at_ms)
        .run(&mut **self)
        .await
    }

    /// Sets a jurisdiction's bad-rating deadlines.
    pub async fn set_rating_settings(
        &mut self,
        jurisdiction: &str,
        s: Settings,
        by: &str,
        at_ms: i64,
    ) -> Result<()> {
        sql!(
            "INSERT INTO rating_settings (jurisdiction, contact_days, rectify_days, updated_by, updated_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (jurisdiction) DO UPDATE SET contact_days = excluded.contact_days,
               rectify_days = excluded.rectify_days, updated_by = excluded.updated_by,
               updated_at = excluded.updated_at";
            jurisdiction, i64::from(s.contact_days), i64::from(s.rectify_days), by, at_ms
        )
        .run(&mut **self)
        .await
    }

    /// Keeps a one-time rating token (its SM3); returns its id.
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_rating_token(
        &mut self,
        token_hash: &str,
        case_id: i64,
        jurisdiction: &str,
        channel: RatingChannel,
        created_by: &str,
        at_ms: i64,
        expires_at: i64,
    ) -> Result<i64> {
        insert!("rating_tokens";
            token_hash, case_id, jurisdiction, channel = channel.code(), created_by,
            created_at = at_ms, expires_at)
        .run(&mut **self)
        .await?;
        sql!("SELECT id FROM rating_tokens WHERE token_hash = $1"; token_hash)
            .scalar(&mut **self)
            .await
    }

    /// Marks a token used, once: a token used meanwhile is [`Conflict::Changed`].
    pub async fn use_rating_token(&mut self, id: i64, at_ms: i64) -> Result<()> {
        sql!(
            "UPDATE rating_tokens SET used_at = $1 WHERE id = $2 AND used_at IS NULL";
            at_ms, id
        )
        .run_once(&mut **self, "rating token")
        .await
    }
}

impl Store {
    /// The ratings by filter, newest first, after the filter's key, at most its limit; without
    /// their raters.
    pub async fn ratings(&self, f: &RatingFilter) -> Result<Vec<RatingRecord>> {
        let mut q = Statement::new(select::<RatingRecord>("rating_desk WHERE "));
        push_filter(&mut q, f);
        if let Some(k) = &f.after {
            q.push(" AND (rated_at < ")
                .push_bind(k.rated_at)
                .push(" OR (rated_at = ")
                .push_bind(k.rated_at)
                .push(" AND id < ")
                .push_bind(k.id)
                .push("))");
        }
        q.push(" ORDER BY rated_at DESC, id DESC LIMIT ")
            .push_bind(f.limit.clamp(1, 1000));
        q.all(self.reader()).await
    }

    /// How many ratings the filter matches (its key and limit aside).
    pub async fn rating_count(&self, f: &RatingFilter) -> Result<i64> {
        let mut q = Statement::new("SELECT COUNT(*) FROM rating_desk WHERE ".to_string());
        push_filter(&mut q, f);
        q.scalar(self.reader()).await
    }
}

/// The conditions of a rating filter (its key and limit aside), after `WHERE `.
fn push_filter<'q>(q: &mut Statement<'q>, f: &'q RatingFilter) {
    q.push("jurisdiction = ");
    q.push_bind(&f.jurisdiction);
    let s = &f.scope;
    if !s.all {
        // (department IN (..) OR (subject = 'ticket' AND (TRUE | department IN (..)))), with
        // an empty list matching nothing.
        q.push(" AND (1 = 0");
        if !s.departments.is_empty() {
            q.push(" OR ");
            push_list(q, &s.departments);
        }
        if s.all_tickets {
            q.push(" OR subject = 'ticket'");
        } else if !s.ticket_departments.is_empty() {
            q.push(" OR (subject = 'ticket' AND ");
            push_list(q, &s.ticket_departments);
            q.push(")");
        }
        q.push(")");
    }
    if let Some(subject) = f.subject {
        q.push(" AND subject = ").push_bind(subject.code());
    }
    if let Some(d) = &f.department {
        q.push(" AND department = ").push_bind(d);
    }
    if f.bad_only {
        q.push(" AND bad = 1");
    }
    if let Some(s) = f.task_state {
        q.push(" AND task_state = ").push_bind(s.code());
    }
    if let Some(from) = f.from {
        q.push(" AND rated_on >= ").push_bind(day(from));
    }
    if let Some(to) = f.to {
        q.push(" AND rated_on <= ").push_bind(day(to));
    }
    if let Some(c) = f.case_id {
        q.push(" AND case_id = ").push_bind(c);
    }
}

impl Store {
    /// One rating with its task.
    pub async fn rating(&self, id: i64) -> Result<Option<RatingRecord>> {
        sql!(select::<RatingRecord>("rating_desk WHERE id = $1"); id)
            .optional(self.reader())
            .await
    }

    /// The rating of a case or ticket online (its one 一事一评), if given.
    pub async fn online_rating_of(&self, subject: SubjectId) -> Result<Option<RatingRecord>> {
        sql!(
            select::<RatingRecord>(&format!(
                "rating_desk WHERE {} = $1 AND channel = 'online'",
                subject.column()
            ));
            subject.id()
        )
        .optional(self.reader())
        .await
    }

    /// Who gave a named rating. Only the rating administrator's use case calls this.
    pub async fn rater(&self, rating_id: i64) -> Result<Option<Rater>> {
        sql!(select::<Rater>("rating_raters WHERE rating_id = $1"); rating_id)
            .optional(self.reader())
            .await
    }

    /// The acts on a task, in order.
    pub async fn rectification_steps(&self, rating_id: i64) -> Result<Vec<Step>> {
        sql!(select::<Step>("rectification_steps WHERE rating_id = $1 ORDER BY id"); rating_id)
            .all(self.reader())
            .await
    }

    /// A jurisdiction's bad-rating deadlines (Yiyin's defaults when none were set).
    pub async fn rating_settings(&self, jurisdiction: &str) -> Result<Settings> {
        let row: Option<(i64, i64)> = sql!(
            "SELECT contact_days, rectify_days FROM rating_settings WHERE jurisdiction = $1";
            jurisdiction
        )
        .optional(self.reader())
        .await?;
        let days =
            |n: i64| u32::try_from(n).map_err(|_| StoreError::Corrupt(format!("rating days {n}")));
        match row {
            None => Ok(Settings::default()),
            Some((c, r)) => Ok(Settings {
                contact_days: days(c)?,
                rectify_days: days(r)?,
            }),
        }
    }

    /// The token with this SM3, if any.
    pub async fn rating_token(&self, token_hash: &str) -> Result<Option<RatingToken>> {
        sql!(select::<RatingToken>("rating_tokens WHERE token_hash = $1"); token_hash)
            .optional(self.reader())
            .await
    }

    /// The counts behind 好评率 and 差评整改率 of the ratings given in a jurisdiction from `from`
    /// to `to` (inclusive), per department of the rated item, ratings whose appeal was upheld left
    /// out (they stay on record). For the statistics: sum the rows for the jurisdiction.
    pub async fn rating_counts(
        &self,
        jurisdiction: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<RatingCounts>> {
        sql!(
            "SELECT r.department,
               COALESCE(SUM(CASE WHEN r.bad = 0 THEN 1 ELSE 0 END), 0) AS good,
               COALESCE(SUM(CASE WHEN r.bad = 1 THEN 1 ELSE 0 END), 0) AS bad,
               COALESCE(SUM(CASE WHEN t.state = 'closed' THEN 1 ELSE 0 END), 0) AS rectified
             FROM ratings r LEFT JOIN rectifications t ON t.rating_id = r.id
             WHERE r.jurisdiction = $1 AND r.rated_on >= $2 AND r.rated_on <= $3
               AND (t.state IS NULL OR t.state <> 'excluded')
             GROUP BY r.department ORDER BY r.department";
            jurisdiction, day(from), day(to)
        )
        .all(self.reader())
        .await
    }

    /// The finished rectifications of a jurisdiction (not those of an upheld appeal), newest
    /// first, with the rater's name of a named rating for the caller to mask before publishing.
    pub async fn finished_rectifications(
        &self,
        jurisdiction: &str,
        limit: i64,
    ) -> Result<Vec<(RatingRecord, Option<String>)>> {
        let columns: Vec<String> = crate::rows::columns_of::<RatingRecord>("d")
            .split(", ")
            .map(str::to_string)
            .collect();
        let rows: Vec<crate::rows::WithLast<RatingRecord, Option<String>>> = sql!(
            format!(
                "SELECT {}, p.name FROM rating_desk d LEFT JOIN rating_raters p ON p.rating_id = d.id
                 WHERE d.jurisdiction = $1 AND d.task_state = 'closed'
                 ORDER BY d.rated_at DESC, d.id DESC LIMIT $2",
                columns.join(", ")
            );
            jurisdiction, limit.clamp(1, 500)
        )
        .all(self.reader())
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}
