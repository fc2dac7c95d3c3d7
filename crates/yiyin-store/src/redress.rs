//! The register of reconsideration and litigation against the bureau's decisions (行政复议、行政诉讼):
//! one row per challenge, with its reply period kept as data (counting rule, days, basis) and the
//! due date it gave, the reply filed and the outcome with its effect on the licence.

use chrono::NaiveDate;
use sqlx::any::AnyRow;
use yiyin_domain::redress::{CountingRule, Outcome, RedressKind, RedressState};

use crate::rows::{Column, day, insert, record, select, sql};
use crate::{Conflict, Result, Store, StoreError, WriteTx};

/// An outcome column: empty until the outcome is recorded.
fn read_outcome(row: &AnyRow, column: &str) -> std::result::Result<Option<Outcome>, sqlx::Error> {
    match <Option<String> as Column>::get(row, column)? {
        None => Ok(None),
        Some(code) => Outcome::parse(&code)
            .map(Some)
            .ok_or_else(|| sqlx::Error::ColumnDecode {
                index: column.to_string(),
                source: format!("unknown code {code:?}").into(),
            }),
    }
}

record! {
    /// A register entry.
    #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct RedressEntry {
        pub id: i64,
        pub jurisdiction: String,
        pub kind: RedressKind,
        /// The challenged case, if known.
        pub case_id: Option<i64>,
        /// The licence the challenged decision granted (empty when none).
        pub licence: String,
        /// The applicant for reconsideration or the plaintiff.
        pub applicant: String,
        /// The reviewing body or the court.
        pub body: String,
        pub file_number: String,
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        pub received_on: NaiveDate,
        pub counting_rule: CountingRule,
        pub period_days: i64,
        pub basis: String,
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        pub reply_due: NaiveDate,
        /// How the due date was counted, in Chinese.
        pub explanation: String,
        /// The staff account responsible for the reply.
        pub responsible: i64,
        pub state: RedressState,
        #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
        pub replied_on: Option<NaiveDate>,
        /// The reply was filed after its due date.
        pub replied_late: bool,
        pub outcome: Option<Outcome> = read_outcome,
        #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
        pub outcome_on: Option<NaiveDate>,
        /// What the outcome did to the licence, in Chinese.
        pub effect: String,
        /// The licence act that carried out the outcome (a revocation), if any.
        pub licence_act: Option<i64>,
        pub notes: String,
        pub registered_by: i64,
        pub registered_at: i64,
    }
}

/// A new register entry, as the application layer checked it.
#[derive(Debug, Clone)]
pub struct NewRedress<'a> {
    pub jurisdiction: &'a str,
    pub kind: RedressKind,
    pub case_id: Option<i64>,
    pub licence: &'a str,
    pub applicant: &'a str,
    pub body: &'a str,
    pub file_number: &'a str,
    pub received_on: NaiveDate,
    pub counting_rule: CountingRule,
    pub period_days: i64,
    pub basis: &'a str,
    pub reply_due: NaiveDate,
    pub explanation: &'a str,
    pub responsible: i64,
    pub notes: &'a str,
    pub registered_by: i64,
    pub registered_at: i64,
}

impl WriteTx {
    /// Registers an entry; returns its id. A second entry with the same body and file number in
    /// the jurisdiction is [`Conflict::Taken`].
    pub async fn insert_redress(&mut self, e: &NewRedress<'_>) -> Result<i64> {
        let taken: Option<i64> = sql!(
            "SELECT id FROM redress_entries WHERE jurisdiction = $1 AND body = $2 AND file_number = $3";
            e.jurisdiction, e.body, e.file_number)
        .optional_scalar(&mut **self)
        .await?;
        if taken.is_some() {
            return Err(StoreError::Conflict(Conflict::Taken {
                what: "file_number",
                value: e.file_number.to_string(),
            }));
        }
        insert!("redress_entries", e;
            jurisdiction, kind = e.kind.code(), case_id, licence, applicant, body, file_number,
            received_on = day(e.received_on), counting_rule = e.counting_rule.code(), period_days,
            basis, reply_due = day(e.reply_due), explanation, responsible,
            state = RedressState::Registered.code(), notes, registered_by, registered_at;
            "RETURNING id")
        .scalar(&mut **self)
        .await
    }

    /// Records the reply filed on an entry still waiting for it.
    pub async fn record_redress_reply(
        &mut self,
        id: i64,
        replied_on: NaiveDate,
        late: bool,
    ) -> Result<()> {
        sql!(
            "UPDATE redress_entries SET state = $1, replied_on = $2, replied_late = $3
             WHERE id = $4 AND state = $5";
            RedressState::Replied.code(), day(replied_on), i64::from(late), id,
            RedressState::Registered.code())
        .run_once(&mut **self, "redress_entry")
        .await
    }

    /// Records the outcome of an entry not yet concluded, with its effect on the licence.
    pub async fn record_redress_outcome(
        &mut self,
        id: i64,
        outcome: Outcome,
        outcome_on: NaiveDate,
        effect: &str,
        licence_act: Option<i64>,
    ) -> Result<()> {
        sql!(
            "UPDATE redress_entries SET state = $1, outcome = $2, outcome_on = $3, effect = $4,
                 licence_act = $5
             WHERE id = $6 AND state <> $7";
            RedressState::Concluded.code(), outcome.code(), day(outcome_on), effect, licence_act,
            id, RedressState::Concluded.code())
        .run_once(&mut **self, "redress_entry")
        .await
    }
}

impl Store {
    /// One register entry.
    pub async fn redress(&self, id: i64) -> Result<Option<RedressEntry>> {
        sql!(select::<RedressEntry>("redress_entries WHERE id = $1"); id)
            .optional(self.reader())
            .await
    }

    /// The register of a jurisdiction: open entries first by due date, then concluded ones, newest
    /// first.
    pub async fn redress_register(&self, jurisdiction: &str) -> Result<Vec<RedressEntry>> {
        sql!(select::<RedressEntry>(
            "redress_entries WHERE jurisdiction = $1
             ORDER BY CASE WHEN state = 'concluded' THEN 1 ELSE 0 END, reply_due, id DESC"); jurisdiction)
        .all(self.reader())
        .await
    }

    /// The entries of every jurisdiction whose reply was due before `today` and came late or has
    /// not come (the monitoring's reply cards), with a case, by id.
    pub async fn redress_replies_late(&self, today: NaiveDate) -> Result<Vec<RedressEntry>> {
        sql!(select::<RedressEntry>(
            "redress_entries WHERE case_id IS NOT NULL AND reply_due < $1
               AND (replied_on IS NULL OR replied_on > reply_due) ORDER BY id"); day(today))
        .all(self.reader())
        .await
    }

    /// The entries about a case.
    pub async fn redress_of_case(&self, case_id: i64) -> Result<Vec<RedressEntry>> {
        sql!(select::<RedressEntry>("redress_entries WHERE case_id = $1 ORDER BY id"); case_id)
            .all(self.reader())
            .await
    }
}
