//! Storage of the full agency service (全程代办): the agency centre's service list of each
//! jurisdiction and the applicants' agency mandates (授权委托) with their revocation. Rules live in
//! `yiyin_domain::agency`; storage only here.

use chrono::NaiveDate;
use serde::Serialize;
use yiyin_domain::agency::{AgencyAct, Mandate, MandateSubject, ServiceList};

use crate::rows::{Json, day, insert, labelled_columns, record, select, sql};
use crate::{Result, Store, WriteTx};

labelled_columns!(MandateSubject);

record! {
    /// The service list as published.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ServiceListRecord {
        pub jurisdiction: String,
        pub body: Json<ServiceList>,
        pub updated_by: String,
        pub updated_at: i64,
    }
}

record! {
    /// A mandate as kept.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct MandateRow {
        pub id: i64,
        pub jurisdiction: String,
        pub applicant_account: i64,
        pub agent_account: i64,
        pub subject: MandateSubject,
        pub subject_id: i64,
        /// The project's or case's name and number when signed, as the lists show it.
        pub subject_label: String,
        pub acts: Json<Vec<AgencyAct>>,
        pub starts_on: NaiveDate,
        pub ends_on: NaiveDate,
        pub revoked_on: Option<NaiveDate>,
        pub created_at: i64,
    }
}

/// A mandate with its id and the label of what it is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MandateRecord {
    pub id: i64,
    pub subject_label: String,
    pub created_at: i64,
    pub mandate: Mandate,
}

impl From<MandateRow> for MandateRecord {
    fn from(r: MandateRow) -> Self {
        MandateRecord {
            id: r.id,
            subject_label: r.subject_label,
            created_at: r.created_at,
            mandate: Mandate {
                applicant_account: r.applicant_account,
                agent_account: r.agent_account,
                jurisdiction: r.jurisdiction,
                subject: r.subject,
                subject_id: r.subject_id,
                acts: r.acts.0,
                starts_on: r.starts_on,
                ends_on: r.ends_on,
                revoked_on: r.revoked_on,
            },
        }
    }
}

impl WriteTx {
    /// Publishes (or replaces) a jurisdiction's service list.
    pub async fn put_service_list(
        &mut self,
        jurisdiction: &str,
        list: &ServiceList,
        updated_by: &str,
        updated_at: i64,
    ) -> Result<()> {
        let body = serde_json::to_string(list)?;
        let changed = sql!(
            "UPDATE agency_service_lists SET body = $1, updated_by = $2, updated_at = $3
             WHERE jurisdiction = $4";
            body.as_str(), updated_by, updated_at, jurisdiction
        )
        .changed_one(&mut **self)
        .await?;
        if !changed {
            insert!("agency_service_lists"; jurisdiction, body = body.as_str(), updated_by, updated_at)
                .run(&mut **self)
                .await?;
        }
        Ok(())
    }

    /// Keeps a signed mandate; returns its id.
    pub async fn insert_mandate(
        &mut self,
        m: &Mandate,
        subject_label: &str,
        created_at: i64,
    ) -> Result<i64> {
        let acts: Vec<&str> = m.acts.iter().map(|a| a.code()).collect();
        insert!("agency_mandates";
            jurisdiction = m.jurisdiction.as_str(), applicant_account = m.applicant_account,
            agent_account = m.agent_account, subject = m.subject.code(), subject_id = m.subject_id,
            subject_label, acts = serde_json::to_string(&acts)?, starts_on = day(m.starts_on),
            ends_on = day(m.ends_on), created_at;
            "RETURNING id")
        .scalar(&mut **self)
        .await
    }

    /// Records a mandate's revocation, once (a second one changes nothing: `Conflict::Changed`).
    pub async fn revoke_mandate(&mut self, id: i64, on: NaiveDate, at: i64) -> Result<()> {
        sql!(
            "UPDATE agency_mandates SET revoked_on = $1, revoked_at = $2
             WHERE id = $3 AND revoked_on IS NULL";
            day(on), at, id
        )
        .run_once(&mut **self, "agency mandate")
        .await
    }
}

impl Store {
    pub async fn service_list(&self, jurisdiction: &str) -> Result<Option<ServiceListRecord>> {
        sql!(select::<ServiceListRecord>("agency_service_lists WHERE jurisdiction = $1"); jurisdiction)
            .optional(self.reader())
            .await
    }

    pub async fn mandate(&self, id: i64) -> Result<Option<MandateRecord>> {
        let row: Option<MandateRow> =
            sql!(select::<MandateRow>("agency_mandates WHERE id = $1"); id)
                .optional(self.reader())
                .await?;
        Ok(row.map(Into::into))
    }

    /// The mandates an applicant's account signed, newest first.
    pub async fn mandates_of_applicant(&self, account: i64) -> Result<Vec<MandateRecord>> {
        let rows: Vec<MandateRow> = sql!(
            select::<MandateRow>("agency_mandates WHERE applicant_account = $1 ORDER BY id DESC");
            account
        )
        .all(self.reader())
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// The mandates given to an agent's account, newest first.
    pub async fn mandates_of_agent(&self, account: i64) -> Result<Vec<MandateRecord>> {
        let rows: Vec<MandateRow> = sql!(
            select::<MandateRow>("agency_mandates WHERE agent_account = $1 ORDER BY id DESC");
            account
        )
        .all(self.reader())
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}
