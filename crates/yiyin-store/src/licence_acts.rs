//! The acts on licences after the decision, as rows: applications for change and renewal with their
//! due dates, decided acts (revocation, cancellation, withdrawal, rescission, expiry), proposals to
//! revoke. What an act is and does is decided by `yiyin_domain::licence`.

use chrono::NaiveDate;
use serde::Serialize;
use yiyin_domain::licence::{ActDetails, ActKind, ActState, PendingAct};

use crate::paging::{DueKey, after_key};
use crate::rows::{Statement, by_id, day, insert, record, select, sql};
use crate::{Missing, Result, Store, WriteTx};

record! {
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
        insert!("licence_acts", a;
            licence, case_id, jurisdiction, kind = a.kind.code(), state = a.state.code(),
            applied_on = day(a.applied_on), due_on = a.due_on.map(day),
            decided_on = a.decided_on.map(day), details = serde_json::to_string(a.details)?,
            created_by, created_at = a.at_ms;
            "RETURNING id")
        .scalar(&mut **self)
        .await
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
        sql!(
            "UPDATE licence_acts SET state = $1, decided_on = $2, details = $3 WHERE id = $4 AND state = $5";
            to.code(), day(on), serde_json::to_string(details)?, id, from.code()
        )
        .run_once(&mut **self, "licence act")
        .await
    }

    /// Records what an act issued: its document and the new version of the licence.
    pub async fn set_act_outcome(
        &mut self,
        id: i64,
        document: Option<i64>,
        new_licence: Option<&str>,
    ) -> Result<()> {
        sql!(
            "UPDATE licence_acts SET document_id = $1, new_licence = $2 WHERE id = $3";
            document, new_licence, id
        )
        .run(&mut **self)
        .await
    }

    /// Settles the open proposal to revoke a licence, if any, with the bureau's decision.
    pub async fn settle_proposals(
        &mut self,
        licence: &str,
        state: ActState,
        on: NaiveDate,
    ) -> Result<()> {
        sql!(
            "UPDATE licence_acts SET state = $1, decided_on = $2
             WHERE licence = $3 AND kind = 'revocation' AND state = 'proposed'";
            state.code(), day(on), licence
        )
        .run(&mut **self)
        .await
    }

    /// Whether a licence has an open proposal to revoke it.
    pub async fn has_open_proposal(&mut self, licence: &str) -> Result<bool> {
        let open: Option<i64> = sql!(
            "SELECT id FROM licence_acts WHERE licence = $1 AND kind = 'revocation' AND state = 'proposed'";
            licence
        )
        .optional_scalar(&mut **self)
        .await?;
        Ok(open.is_some())
    }
}

/// A page of the acts waiting for a decision.
#[derive(Debug, Clone)]
pub struct OpenActPage {
    pub acts: Vec<LicenceAct>,
    /// How many acts are waiting (on every page).
    pub count: i64,
    /// The last act's key, for the next page; None on the last page.
    pub next: Option<DueKey>,
}

impl Store {
    /// The acts on a licence, oldest first.
    pub async fn licence_acts(&self, identifier: &str) -> Result<Vec<LicenceAct>> {
        sql!(select::<LicenceAct>("licence_acts WHERE licence = $1 ORDER BY id"); identifier)
            .all(self.reader())
            .await
    }

    pub async fn licence_act(&self, id: i64) -> Result<LicenceAct> {
        by_id(self.reader(), "licence_acts", id, Missing::Act).await
    }

    /// The kind of the application (change or renewal) under review on a licence, if any.
    pub async fn pending_application(&self, identifier: &str) -> Result<Option<ActKind>> {
        let kind: Option<String> = sql!(
            "SELECT kind FROM licence_acts WHERE licence = $1 AND state = 'pending'";
            identifier
        )
        .optional_scalar(self.reader())
        .await?;
        Ok(kind.and_then(|k| ActKind::parse(&k)))
    }

    /// A jurisdiction's acts waiting for a decision, by due date: the first 500 (the overview
    /// reads them a page at a time, [`Store::open_act_page`]).
    pub async fn open_licence_acts(&self, jurisdiction: &str) -> Result<Vec<LicenceAct>> {
        Ok(self.open_act_page(jurisdiction, None, 500).await?.acts)
    }

    /// A page of a jurisdiction's acts waiting for a decision, by due date (one the calendar
    /// cannot compute yet last), after `after` (keyset pagination, [`crate::paging`]), with how
    /// many are waiting.
    pub async fn open_act_page(
        &self,
        jurisdiction: &str,
        after: Option<&DueKey>,
        limit: i64,
    ) -> Result<OpenActPage> {
        let limit = limit.clamp(1, 1000);
        let open = |q: &mut Statement<'_>| {
            q.push(" WHERE jurisdiction = ")
                .push_bind(jurisdiction.to_string())
                .push(" AND state IN ('proposed', 'pending')");
        };
        let mut q = Statement::new(select::<LicenceAct>("licence_acts"));
        open(&mut q);
        after_key(&mut q, None, after, limit + 1);
        let mut acts: Vec<LicenceAct> = q.all(self.reader()).await?;
        let next = if acts.len() as i64 > limit {
            acts.truncate(limit as usize);
            acts.last().map(|a| DueKey::of(0, a.due_on, a.id))
        } else {
            None
        };
        let mut q = Statement::new("SELECT COUNT(*) FROM licence_acts");
        open(&mut q);
        let count = q.scalar(self.reader()).await?;
        Ok(OpenActPage { acts, count, next })
    }

    /// Renewals under review whose decision date passed before `today` on licences still valid
    /// (to be deemed granted, Art. 50 para 2).
    pub async fn renewals_past_due(&self, today: NaiveDate, limit: i64) -> Result<Vec<i64>> {
        sql!(
            "SELECT id FROM licence_acts WHERE kind = 'renewal' AND state = 'pending' AND due_on < $1
               AND licence IN (SELECT identifier FROM licences WHERE status = 'valid') ORDER BY id LIMIT $2";
            day(today), limit
        )
        .scalars(self.reader())
        .await
    }
}
