//! The acts on licences after the decision, as rows: applications for change and renewal with their
//! due dates, decided acts (revocation, cancellation, withdrawal, rescission, expiry), proposals to
//! revoke. What an act is and does is decided by `yiyin_domain::licence`.

use chrono::NaiveDate;
use serde::Serialize;
use yiyin_domain::licence::{ActDetails, ActKind, ActState, PendingAct};

use crate::rows::{Json, day, from_row};
use crate::{Conflict, Missing, Result, Store, StoreError, WriteTx};

/// An act on a licence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LicenceAct {
    pub id: i64,
    pub licence: String,
    pub case_id: i64,
    pub jurisdiction: String,
    pub kind: ActKind,
    pub state: ActState,
    pub applied_on: NaiveDate,
    /// The date by which the agency decides (a change: the item's limit; a renewal: the expiry).
    pub due_on: Option<NaiveDate>,
    pub decided_on: Option<NaiveDate>,
    /// Grounds, reasons, compensation, changes asked for.
    pub details: ActDetails,
    /// The new version a granted change or renewal issued.
    pub new_licence: Option<String>,
    pub document_id: Option<i64>,
    pub created_by: String,
}

impl LicenceAct {
    /// The act as the domain judges a decision on it.
    pub fn pending(&self) -> PendingAct {
        PendingAct {
            kind: self.kind,
            state: self.state,
            due_on: self.due_on,
            details: self.details.clone(),
        }
    }
}

struct ActRow {
    id: i64,
    licence: String,
    case_id: i64,
    jurisdiction: String,
    kind: ActKind,
    state: ActState,
    applied_on: NaiveDate,
    due_on: Option<NaiveDate>,
    decided_on: Option<NaiveDate>,
    details: Json<ActDetails>,
    new_licence: Option<String>,
    document_id: Option<i64>,
    created_by: String,
}

from_row!(ActRow {
    id,
    licence,
    case_id,
    jurisdiction,
    kind,
    state,
    applied_on,
    due_on,
    decided_on,
    details,
    new_licence,
    document_id,
    created_by,
});

impl From<ActRow> for LicenceAct {
    fn from(r: ActRow) -> Self {
        LicenceAct {
            id: r.id,
            licence: r.licence,
            case_id: r.case_id,
            jurisdiction: r.jurisdiction,
            kind: r.kind,
            state: r.state,
            applied_on: r.applied_on,
            due_on: r.due_on,
            decided_on: r.decided_on,
            details: r.details.0,
            new_licence: r.new_licence,
            document_id: r.document_id,
            created_by: r.created_by,
        }
    }
}

const COLUMNS: &str = "id, licence, case_id, jurisdiction, kind, state, applied_on, due_on, decided_on, details, new_licence, document_id, created_by";

/// An act to record.
#[derive(Debug, Clone)]
pub struct NewAct<'a> {
    pub licence: &'a str,
    pub case_id: i64,
    pub jurisdiction: &'a str,
    pub kind: ActKind,
    pub state: ActState,
    pub applied_on: NaiveDate,
    pub due_on: Option<NaiveDate>,
    /// Decided now (None for an application or a proposal).
    pub decided_on: Option<NaiveDate>,
    pub details: &'a ActDetails,
    pub created_by: &'a str,
    pub at_ms: i64,
}

impl WriteTx {
    pub async fn insert_act(&mut self, a: &NewAct<'_>) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO licence_acts (licence, case_id, jurisdiction, kind, state, applied_on, due_on, decided_on,
               details, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(a.licence)
        .bind(a.case_id)
        .bind(a.jurisdiction)
        .bind(a.kind.code())
        .bind(a.state.code())
        .bind(day(a.applied_on))
        .bind(a.due_on.map(day))
        .bind(a.decided_on.map(day))
        .bind(serde_json::to_string(a.details)?)
        .bind(a.created_by)
        .bind(a.at_ms)
        .fetch_one(&mut **self)
        .await?)
    }

    /// Decides a pending act (`from` is the state read); an act decided meanwhile is a conflict.
    pub async fn decide_act(
        &mut self,
        id: i64,
        from: ActState,
        to: ActState,
        on: NaiveDate,
        details: &ActDetails,
    ) -> Result<()> {
        let r = sqlx::query(
            "UPDATE licence_acts SET state = $1, decided_on = $2, details = $3 WHERE id = $4 AND state = $5",
        )
        .bind(to.code())
        .bind(day(on))
        .bind(serde_json::to_string(details)?)
        .bind(id)
        .bind(from.code())
        .execute(&mut **self)
        .await?;
        if r.rows_affected() != 1 {
            return Err(StoreError::Conflict(Conflict::Changed("licence act")));
        }
        Ok(())
    }

    /// Records what an act issued: its document and the new version of the licence.
    pub async fn set_act_outcome(
        &mut self,
        id: i64,
        document: Option<i64>,
        new_licence: Option<&str>,
    ) -> Result<()> {
        sqlx::query("UPDATE licence_acts SET document_id = $1, new_licence = $2 WHERE id = $3")
            .bind(document)
            .bind(new_licence)
            .bind(id)
            .execute(&mut **self)
            .await?;
        Ok(())
    }

    /// Settles the open proposal to revoke a licence, if any, with the bureau's decision.
    pub async fn settle_proposals(
        &mut self,
        licence: &str,
        state: ActState,
        on: NaiveDate,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE licence_acts SET state = $1, decided_on = $2
             WHERE licence = $3 AND kind = 'revocation' AND state = 'proposed'",
        )
        .bind(state.code())
        .bind(day(on))
        .bind(licence)
        .execute(&mut **self)
        .await?;
        Ok(())
    }

    /// Whether a licence has an open proposal to revoke it.
    pub async fn has_open_proposal(&mut self, licence: &str) -> Result<bool> {
        let open: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM licence_acts WHERE licence = $1 AND kind = 'revocation' AND state = 'proposed'",
        )
        .bind(licence)
        .fetch_optional(&mut **self)
        .await?;
        Ok(open.is_some())
    }
}

impl Store {
    /// The acts on a licence, oldest first.
    pub async fn licence_acts(&self, identifier: &str) -> Result<Vec<LicenceAct>> {
        let rows: Vec<ActRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM licence_acts WHERE licence = $1 ORDER BY id"
        ))
        .bind(identifier)
        .fetch_all(self.reader())
        .await?;
        Ok(rows.into_iter().map(LicenceAct::from).collect())
    }

    pub async fn licence_act(&self, id: i64) -> Result<LicenceAct> {
        let row: ActRow =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM licence_acts WHERE id = $1"))
                .bind(id)
                .fetch_optional(self.reader())
                .await?
                .ok_or(StoreError::NotFound(Missing::Act(id)))?;
        Ok(row.into())
    }

    /// The kind of the application (change or renewal) under review on a licence, if any.
    pub async fn pending_application(&self, identifier: &str) -> Result<Option<ActKind>> {
        let kind: Option<String> = sqlx::query_scalar(
            "SELECT kind FROM licence_acts WHERE licence = $1 AND state = 'pending'",
        )
        .bind(identifier)
        .fetch_optional(self.reader())
        .await?;
        Ok(kind.and_then(|k| ActKind::parse(&k)))
    }

    /// A jurisdiction's acts waiting for a decision, by due date.
    pub async fn open_licence_acts(&self, jurisdiction: &str) -> Result<Vec<LicenceAct>> {
        let rows: Vec<ActRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM licence_acts WHERE jurisdiction = $1 AND state IN ('proposed', 'pending')
             ORDER BY CASE WHEN due_on IS NULL THEN 1 ELSE 0 END, due_on, id LIMIT 500"
        ))
        .bind(jurisdiction)
        .fetch_all(self.reader())
        .await?;
        Ok(rows.into_iter().map(LicenceAct::from).collect())
    }

    /// Renewals under review whose decision date passed before `today` on licences still valid
    /// (to be deemed granted, Art. 50 para 2).
    pub async fn renewals_past_due(&self, today: NaiveDate, limit: i64) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM licence_acts WHERE kind = 'renewal' AND state = 'pending' AND due_on < $1
               AND licence IN (SELECT identifier FROM licences WHERE status = 'valid') ORDER BY id LIMIT $2",
        )
        .bind(day(today))
        .bind(limit)
        .fetch_all(self.reader())
        .await?)
    }
}
