//! The verification of licences granted on a commitment (告知承诺): one task per licence, opened in
//! the transaction that issues it, with every outcome the supervising department recorded.

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Value;
use yiyin_domain::supervision::VerificationState;

use crate::paging::{DueKey, after_key};
use crate::rows::{Statement, by_id, day, insert, record, select, sql};
use crate::{Missing, Result, Store, WriteTx};

record! {
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
}

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
        insert!("verification_tasks", t;
            licence, case_id, jurisdiction, department, holder_id, holder, item_name,
            due_on = t.due_on.map(day), state = "open", outcomes = "[]", updated_at = t.at_ms;
            "ON CONFLICT (licence) DO NOTHING")
        .run(&mut **self)
        .await
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
        sql!(
            "UPDATE verification_tasks SET state = $1, rectify_by = $2, outcomes = $3, updated_at = $4
             WHERE id = $5 AND state = $6";
            state.code(), rectify_by.map(day), serde_json::to_string(outcomes)?, at_ms, task.id,
            task.state.code()
        )
        .run_once(&mut **self, "verification task")
        .await
    }
}

/// The rank of a task in its lists: open ones (待核查, 限期整改) first.
const TASK_RANK: &str = "CASE WHEN state IN ('open', 'rectifying') THEN 0 ELSE 1 END";

/// A task's key in its lists (see [`crate::paging`]).
fn task_key(t: &VerificationTask) -> DueKey {
    let closed = !matches!(
        t.state,
        VerificationState::Open | VerificationState::Rectifying
    );
    DueKey::of(i64::from(closed), t.due_on, t.id)
}

/// A page of tasks.
#[derive(Debug, Clone)]
pub struct TaskPage {
    pub tasks: Vec<VerificationTask>,
    /// How many tasks the list holds (on every page).
    pub count: i64,
    /// The last task's key, for the next page; None on the last page.
    pub next: Option<DueKey>,
}

/// Appends the list's conditions to a statement on `verification_tasks`.
fn task_where(q: &mut Statement<'_>, jurisdiction: &str, department: Option<&str>) {
    q.push(" WHERE jurisdiction = ")
        .push_bind(jurisdiction.to_string());
    if let Some(d) = department {
        q.push(" AND department = ").push_bind(d.to_string());
    }
}

impl Store {
    /// A jurisdiction's (or one department's) tasks, open ones first, by due date: the first
    /// 500 (the desks read theirs a page at a time, [`Store::verification_page`]).
    pub async fn verification_tasks(
        &self,
        jurisdiction: &str,
        department: Option<&str>,
    ) -> Result<Vec<VerificationTask>> {
        Ok(self
            .verification_page(jurisdiction, department, None, 500)
            .await?
            .tasks)
    }

    /// A page of a jurisdiction's (or one department's) tasks, open ones first, then by due date,
    /// after `after` (keyset pagination, [`crate::paging`]), with how many the list holds.
    pub async fn verification_page(
        &self,
        jurisdiction: &str,
        department: Option<&str>,
        after: Option<&DueKey>,
        limit: i64,
    ) -> Result<TaskPage> {
        let limit = limit.clamp(1, 1000);
        let mut q = Statement::new(select::<VerificationTask>("verification_tasks"));
        task_where(&mut q, jurisdiction, department);
        after_key(&mut q, Some(TASK_RANK), after, limit + 1);
        let mut tasks: Vec<VerificationTask> = q.all(self.reader()).await?;
        let next = if tasks.len() as i64 > limit {
            tasks.truncate(limit as usize);
            tasks.last().map(task_key)
        } else {
            None
        };
        let mut q = Statement::new("SELECT COUNT(*) FROM verification_tasks");
        task_where(&mut q, jurisdiction, department);
        let count = q.scalar(self.reader()).await?;
        Ok(TaskPage { tasks, count, next })
    }

    pub async fn verification_task(&self, id: i64) -> Result<VerificationTask> {
        by_id(
            self.reader(),
            "verification_tasks",
            id,
            Missing::VerificationTask,
        )
        .await
    }

    /// The commitment verification of a licence: of any version of it (a change or renewal issues
    /// a new version; the task stays with the case that granted on the commitment).
    pub async fn verification_of(&self, licence: &str) -> Result<Option<VerificationTask>> {
        let from = "verification_tasks
             WHERE case_id = (SELECT case_id FROM licences WHERE identifier = $1) ORDER BY id LIMIT 1";
        sql!(select::<VerificationTask>(from); licence)
            .optional(self.reader())
            .await
    }
}
