//! The switch-over (划转) as rows: a jurisdiction's transfer plan and its batches, the earlier
//! numbers of cases migrated to the bureau (aliases), the observers (审批观察员) the source
//! departments named for the transition period, and their comments (评注) on cases.

use chrono::NaiveDate;
use yiyin_domain::catalog::HandlingMode;
use yiyin_domain::transition::{Batch, BatchStatus};

use crate::rows::{Json, day, insert, record, select, sql};
use crate::{Conflict, Result, Store, StoreError, WriteTx};

/// Reads a batch status column (the domain's labelled enum).
fn read_status(
    row: &sqlx::any::AnyRow,
    column: &str,
) -> std::result::Result<BatchStatus, sqlx::Error> {
    let text: String = <String as crate::rows::Column>::get(row, column)?;
    BatchStatus::parse(&text).ok_or_else(|| sqlx::Error::ColumnDecode {
        index: column.to_string(),
        source: format!("unknown code {text:?}").into(),
    })
}

record! {
    /// A jurisdiction's transfer plan.
    #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct PlanRow {
        pub jurisdiction: String,
        pub name: String,
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        pub approved_on: NaiveDate,
        /// Who approved it (the county government's decision, in words).
        pub approved_by: String,
        /// The last day of the transition period.
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        pub period_end: NaiveDate,
        pub created_by: i64,
        pub created_at: i64,
    }
}

record! {
    struct BatchRow {
        id: i64,
        name: String,
        items: Json<Vec<String>>,
        source_department: String,
        switch_date: NaiveDate,
        status: BatchStatus = read_status,
    }
}

impl From<BatchRow> for Batch {
    fn from(r: BatchRow) -> Batch {
        Batch {
            id: r.id,
            name: r.name,
            items: r.items.0,
            source_department: r.source_department,
            switch_date: r.switch_date,
            status: r.status,
        }
    }
}

record! {
    /// An observer named by a source department.
    #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct ObserverRow {
        pub id: i64,
        pub jurisdiction: String,
        pub department: String,
        pub account_id: i64,
        pub named_by: i64,
        pub named_at: i64,
    }
}

record! {
    /// An observer's comment (评注) on a case.
    #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct CaseComment {
        pub id: i64,
        pub case_id: i64,
        pub author: i64,
        pub author_name: String,
        /// The department the author observes for.
        pub department: String,
        pub body: String,
        pub created_at: i64,
    }
}

/// A new batch.
#[derive(Debug, Clone)]
pub struct NewBatch<'a> {
    pub jurisdiction: &'a str,
    pub name: &'a str,
    pub items: &'a [String],
    pub source_department: &'a str,
    pub switch_date: NaiveDate,
}

impl WriteTx {
    /// Sets a jurisdiction's plan (a new one, or its name, approval and period changed).
    #[allow(clippy::too_many_arguments)]
    pub async fn upsert_transfer_plan(
        &mut self,
        jurisdiction: &str,
        name: &str,
        approved_on: NaiveDate,
        approved_by: &str,
        period_end: NaiveDate,
        by: i64,
        at_ms: i64,
    ) -> Result<()> {
        let updated = sql!(
            "UPDATE transfer_plans SET name = $1, approved_on = $2, approved_by = $3,
                 period_end = $4 WHERE jurisdiction = $5";
            name, day(approved_on), approved_by, day(period_end), jurisdiction)
        .changed_one(&mut **self)
        .await?;
        if updated {
            return Ok(());
        }
        insert!("transfer_plans"; jurisdiction, name, approved_on = day(approved_on),
            approved_by, period_end = day(period_end), created_by = by, created_at = at_ms)
        .run(&mut **self)
        .await
    }

    /// Adds a batch; a second batch of the same name in the jurisdiction is [`Conflict::Taken`].
    pub async fn insert_transfer_batch(&mut self, b: &NewBatch<'_>) -> Result<i64> {
        let taken: Option<i64> = sql!(
            "SELECT id FROM transfer_batches WHERE jurisdiction = $1 AND name = $2";
            b.jurisdiction, b.name)
        .optional_scalar(&mut **self)
        .await?;
        if taken.is_some() {
            return Err(StoreError::Conflict(Conflict::Taken {
                what: "name",
                value: b.name.to_string(),
            }));
        }
        let items =
            serde_json::to_string(b.items).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        insert!("transfer_batches", b;
            jurisdiction, name, items = items, source_department,
            switch_date = day(b.switch_date), status = BatchStatus::Preparing.code();
            "RETURNING id")
        .scalar(&mut **self)
        .await
    }

    /// Marks a batch still being prepared as switched.
    pub async fn switch_transfer_batch(&mut self, id: i64, by: i64, at_ms: i64) -> Result<()> {
        sql!(
            "UPDATE transfer_batches SET status = $1, switched_by = $2, switched_at = $3
             WHERE id = $4 AND status = $5";
            BatchStatus::Switched.code(), by, at_ms, id, BatchStatus::Preparing.code())
        .run_once(&mut **self, "transfer_batch")
        .await
    }

    /// Moves a case to the bureau under a new number, keeping the old one as an alias; `version`
    /// is the case version read (a case changed meanwhile is a conflict).
    pub async fn migrate_case(
        &mut self,
        case_id: i64,
        version: i64,
        old_number: &str,
        new_number: &str,
        at_ms: i64,
    ) -> Result<()> {
        sql!(
            "UPDATE cases SET number = $1, handling_mode = $2, version = version + 1, updated_at = $3
             WHERE id = $4 AND version = $5";
            new_number, HandlingMode::Transferred.code(), at_ms, case_id, version)
        .run_once(&mut **self, "case")
        .await?;
        insert!("case_aliases"; number = old_number, case_id, created_at = at_ms)
            .run(&mut **self)
            .await
    }

    /// Names an observer; the same account twice in a jurisdiction is [`Conflict::Taken`].
    pub async fn insert_transition_observer(
        &mut self,
        jurisdiction: &str,
        department: &str,
        account_id: i64,
        by: i64,
        at_ms: i64,
    ) -> Result<i64> {
        let taken: Option<i64> = sql!(
            "SELECT id FROM transition_observers WHERE jurisdiction = $1 AND account_id = $2";
            jurisdiction, account_id)
        .optional_scalar(&mut **self)
        .await?;
        if taken.is_some() {
            return Err(StoreError::Conflict(Conflict::Taken {
                what: "account",
                value: account_id.to_string(),
            }));
        }
        insert!("transition_observers"; jurisdiction, department, account_id, named_by = by,
            named_at = at_ms; "RETURNING id")
        .scalar(&mut **self)
        .await
    }

    /// Keeps an observer's comment on a case.
    pub async fn insert_case_comment(
        &mut self,
        case_id: i64,
        author: i64,
        author_name: &str,
        department: &str,
        body: &str,
        at_ms: i64,
    ) -> Result<i64> {
        insert!("case_comments"; case_id, author, author_name, department, body,
            created_at = at_ms; "RETURNING id")
        .scalar(&mut **self)
        .await
    }
}

impl Store {
    /// A jurisdiction's transfer plan, if any.
    pub async fn transfer_plan(&self, jurisdiction: &str) -> Result<Option<PlanRow>> {
        sql!(select::<PlanRow>("transfer_plans WHERE jurisdiction = $1"); jurisdiction)
            .optional(self.reader())
            .await
    }

    /// A plan's batches, by switch date.
    pub async fn transfer_batches(&self, jurisdiction: &str) -> Result<Vec<Batch>> {
        let rows: Vec<BatchRow> = sql!(select::<BatchRow>(
            "transfer_batches WHERE jurisdiction = $1 ORDER BY switch_date, id"); jurisdiction)
        .all(self.reader())
        .await?;
        Ok(rows.into_iter().map(Batch::from).collect())
    }

    /// A batch with its jurisdiction.
    pub async fn transfer_batch(&self, id: i64) -> Result<Option<(String, Batch)>> {
        let j: Option<String> = sql!("SELECT jurisdiction FROM transfer_batches WHERE id = $1"; id)
            .optional_scalar(self.reader())
            .await?;
        let Some(j) = j else { return Ok(None) };
        let row: BatchRow = sql!(select::<BatchRow>("transfer_batches WHERE id = $1"); id)
            .one(self.reader())
            .await?;
        Ok(Some((j, row.into())))
    }

    /// The case an earlier number (alias) names.
    pub async fn case_by_alias(&self, number: &str) -> Result<Option<i64>> {
        sql!("SELECT case_id FROM case_aliases WHERE number = $1"; number.trim())
            .optional_scalar(self.reader())
            .await
    }

    /// A case's earlier numbers.
    pub async fn case_aliases(&self, case_id: i64) -> Result<Vec<String>> {
        sql!("SELECT number FROM case_aliases WHERE case_id = $1 ORDER BY created_at"; case_id)
            .scalars(self.reader())
            .await
    }

    /// The observers of a jurisdiction.
    pub async fn transition_observers(&self, jurisdiction: &str) -> Result<Vec<ObserverRow>> {
        sql!(select::<ObserverRow>(
            "transition_observers WHERE jurisdiction = $1 ORDER BY department, id"); jurisdiction)
        .all(self.reader())
        .await
    }

    /// The observer records of an account (one per jurisdiction at most).
    pub async fn observer_of(&self, account_id: i64) -> Result<Vec<ObserverRow>> {
        sql!(select::<ObserverRow>("transition_observers WHERE account_id = $1 ORDER BY id");
            account_id)
        .all(self.reader())
        .await
    }

    /// The comments on a case, oldest first.
    pub async fn case_comments(&self, case_id: i64) -> Result<Vec<CaseComment>> {
        sql!(select::<CaseComment>("case_comments WHERE case_id = $1 ORDER BY id"); case_id)
            .all(self.reader())
            .await
    }

    /// The ids of a jurisdiction's cases of a department's items among `codes`, newest first.
    pub async fn cases_of_items(
        &self,
        jurisdiction: &str,
        department: &str,
        codes: &[String],
    ) -> Result<Vec<i64>> {
        let mut out = Vec::new();
        for code in codes {
            let ids: Vec<i64> = sql!(
                "SELECT id FROM cases WHERE jurisdiction = $1 AND department = $2 AND item_code = $3";
                jurisdiction, department, code.as_str())
            .scalars(self.reader())
            .await?;
            out.extend(ids);
        }
        out.sort_unstable_by(|a, b| b.cmp(a));
        Ok(out)
    }
}
