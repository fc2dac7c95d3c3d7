//! The verification of licences granted on a commitment (告知承诺): one task per licence, opened in
//! the transaction that issues it, with every outcome the supervising department recorded.

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Value;
use yiyin_domain::supervision::VerificationState;

use crate::rows::{by_id, day, insert, record, select, sql};
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

impl Store {
    /// A jurisdiction's (or one department's) tasks, open ones first, by due date.
    pub async fn verification_tasks(
        &self,
        jurisdiction: &str,
        department: Option<&str>,
    ) -> Result<Vec<VerificationTask>> {
        let from = "verification_tasks WHERE jurisdiction = $1 AND ($2 = '' OR department = $2)
             ORDER BY CASE WHEN state IN ('open', 'rectifying') THEN 0 ELSE 1 END, due_on, id LIMIT 500";
        sql!(select::<VerificationTask>(from); jurisdiction, department.unwrap_or(""))
            .all(self.reader())
            .await
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
