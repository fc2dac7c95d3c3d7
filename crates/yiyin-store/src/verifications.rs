//! The verification of licences granted on a commitment (告知承诺): one task per licence, opened in
//! the transaction that issues it, with every outcome the supervising department recorded.

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Value;
use yiyin_domain::supervision::VerificationState;

use crate::rows::{Json, day, from_row};
use crate::{Conflict, Missing, Result, Store, StoreError, WriteTx};

/// The verification of a licence granted on a commitment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerificationTask {
    pub id: i64,
    pub licence: String,
    pub case_id: i64,
    pub jurisdiction: String,
    pub department: String,
    pub holder_id: String,
    pub holder: String,
    pub item_name: String,
    /// The verification period's end; None while the calendar lacks its year (never guessed).
    pub due_on: Option<NaiveDate>,
    pub state: VerificationState,
    pub rectify_by: Option<NaiveDate>,
    /// Every outcome recorded, oldest first: {outcome, by?, reason/note, on, actor}.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub outcomes: Vec<Value>,
}

struct TaskRow {
    id: i64,
    licence: String,
    case_id: i64,
    jurisdiction: String,
    department: String,
    holder_id: String,
    holder: String,
    item_name: String,
    due_on: Option<NaiveDate>,
    state: VerificationState,
    rectify_by: Option<NaiveDate>,
    outcomes: Json<Vec<Value>>,
}

from_row!(TaskRow {
    id,
    licence,
    case_id,
    jurisdiction,
    department,
    holder_id,
    holder,
    item_name,
    due_on,
    state,
    rectify_by,
    outcomes,
});

impl From<TaskRow> for VerificationTask {
    fn from(r: TaskRow) -> Self {
        VerificationTask {
            id: r.id,
            licence: r.licence,
            case_id: r.case_id,
            jurisdiction: r.jurisdiction,
            department: r.department,
            holder_id: r.holder_id,
            holder: r.holder,
            item_name: r.item_name,
            due_on: r.due_on,
            state: r.state,
            rectify_by: r.rectify_by,
            outcomes: r.outcomes.0,
        }
    }
}

const COLUMNS: &str = "id, licence, case_id, jurisdiction, department, holder_id, holder, item_name, due_on, state, rectify_by, outcomes";

/// A task to open.
#[derive(Debug, Clone)]
pub struct NewTask<'a> {
    pub licence: &'a str,
    pub case_id: i64,
    pub jurisdiction: &'a str,
    pub department: &'a str,
    pub holder_id: &'a str,
    pub holder: &'a str,
    pub item_name: &'a str,
    pub due_on: Option<NaiveDate>,
    pub at_ms: i64,
}

impl WriteTx {
    /// Opens the verification of a licence (once per licence).
    pub async fn open_verification(&mut self, t: &NewTask<'_>) -> Result<()> {
        sqlx::query(
            "INSERT INTO verification_tasks (licence, case_id, jurisdiction, department, holder_id, holder, item_name,
               due_on, state, outcomes, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', '[]', $9) ON CONFLICT (licence) DO NOTHING",
        )
        .bind(t.licence)
        .bind(t.case_id)
        .bind(t.jurisdiction)
        .bind(t.department)
        .bind(t.holder_id)
        .bind(t.holder)
        .bind(t.item_name)
        .bind(t.due_on.map(day))
        .bind(t.at_ms)
        .execute(&mut **self)
        .await?;
        Ok(())
    }

    /// Records an outcome on a task read in state `from`; a task changed meanwhile is a conflict.
    pub async fn update_verification(
        &mut self,
        task: &VerificationTask,
        state: VerificationState,
        rectify_by: Option<NaiveDate>,
        outcomes: &[Value],
        at_ms: i64,
    ) -> Result<()> {
        let r = sqlx::query(
            "UPDATE verification_tasks SET state = $1, rectify_by = $2, outcomes = $3, updated_at = $4
             WHERE id = $5 AND state = $6",
        )
        .bind(state.code())
        .bind(rectify_by.map(day))
        .bind(serde_json::to_string(outcomes)?)
        .bind(at_ms)
        .bind(task.id)
        .bind(task.state.code())
        .execute(&mut **self)
        .await?;
        if r.rows_affected() != 1 {
            return Err(StoreError::Conflict(Conflict::Changed("verification task")));
        }
        Ok(())
    }
}

impl Store {
    /// A jurisdiction's (or one department's) tasks, open ones first, by due date.
    pub async fn verification_tasks(
        &self,
        jurisdiction: &str,
        department: Option<&str>,
    ) -> Result<Vec<VerificationTask>> {
        let rows: Vec<TaskRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM verification_tasks WHERE jurisdiction = $1 AND ($2 = '' OR department = $2)
             ORDER BY CASE WHEN state IN ('open', 'rectifying') THEN 0 ELSE 1 END, due_on, id LIMIT 500"
        ))
        .bind(jurisdiction)
        .bind(department.unwrap_or(""))
        .fetch_all(self.reader())
        .await?;
        Ok(rows.into_iter().map(VerificationTask::from).collect())
    }

    pub async fn verification_task(&self, id: i64) -> Result<VerificationTask> {
        let row: TaskRow = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM verification_tasks WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.reader())
        .await?
        .ok_or(StoreError::NotFound(Missing::VerificationTask(id)))?;
        Ok(row.into())
    }

    /// The commitment verification of a licence: of any version of it (a change or renewal issues
    /// a new version; the task stays with the case that granted on the commitment).
    pub async fn verification_of(&self, licence: &str) -> Result<Option<VerificationTask>> {
        let row: Option<TaskRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM verification_tasks
             WHERE case_id = (SELECT case_id FROM licences WHERE identifier = $1) ORDER BY id LIMIT 1"
        ))
        .bind(licence)
        .fetch_optional(self.reader())
        .await?;
        Ok(row.map(VerificationTask::from))
    }
}
