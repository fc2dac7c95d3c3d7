//! The register of e-licences: every version of every licence with its identifier (GB/T 36904
//! structure), holder, issuer, validity, recorded status, sealing and risk grading; the serials of
//! identifiers per jurisdiction.

use chrono::NaiveDate;
use serde::Serialize;
use yiyin_domain::inspection::Risk;
use yiyin_domain::licence::{LicenceStatus, status_on};
use yiyin_domain::party::SubjectId;

use crate::rows::{day, from_row};
use crate::{Missing, Result, Store, StoreError, WriteTx};

/// A licence (one version of it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Licence {
    pub id: i64,
    /// The e-licence identifier (GB/T 36904 structure).
    pub identifier: String,
    pub case_id: i64,
    pub jurisdiction: String,
    pub item_code: String,
    pub name: String,
    pub holder: String,
    #[serde(skip)]
    pub holder_id: SubjectId,
    pub issuer: String,
    pub issuer_credit_code: String,
    pub issued_on: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    /// The status as recorded (valid, changed, revoked, cancelled); see [`Licence::status_on`].
    pub status: LicenceStatus,
    pub version: i64,
    pub document_id: Option<i64>,
    /// The supervising department's risk grading of the licensee (random inspections).
    pub risk: Risk,
    pub supervising_department: String,
}

impl Licence {
    /// The status on a date (a valid licence past its end date has expired).
    pub fn status_on(&self, today: NaiveDate) -> LicenceStatus {
        status_on(self.status, self.valid_until, today)
    }
}

struct LicenceRow {
    id: i64,
    identifier: String,
    case_id: i64,
    jurisdiction: String,
    item_code: String,
    name: String,
    holder: String,
    holder_id: String,
    issuer: String,
    issuer_credit_code: String,
    issued_on: NaiveDate,
    valid_until: Option<NaiveDate>,
    status: LicenceStatus,
    version: i64,
    document_id: Option<i64>,
    risk: Risk,
    supervising_department: String,
}

from_row!(LicenceRow {
    id,
    identifier,
    case_id,
    jurisdiction,
    item_code,
    name,
    holder,
    holder_id,
    issuer,
    issuer_credit_code,
    issued_on,
    valid_until,
    status,
    version,
    document_id,
    risk,
    supervising_department,
});

impl TryFrom<LicenceRow> for Licence {
    type Error = StoreError;

    fn try_from(r: LicenceRow) -> Result<Self> {
        Ok(Licence {
            holder_id: SubjectId::parse_any(&r.holder_id).map_err(|e| {
                StoreError::Corrupt(format!("licence {} holder id: {e}", r.identifier))
            })?,
            id: r.id,
            identifier: r.identifier,
            case_id: r.case_id,
            jurisdiction: r.jurisdiction,
            item_code: r.item_code,
            name: r.name,
            holder: r.holder,
            issuer: r.issuer,
            issuer_credit_code: r.issuer_credit_code,
            issued_on: r.issued_on,
            valid_until: r.valid_until,
            status: r.status,
            version: r.version,
            document_id: r.document_id,
            risk: r.risk,
            supervising_department: r.supervising_department,
        })
    }
}

fn licences(rows: Vec<LicenceRow>) -> Result<Vec<Licence>> {
    rows.into_iter().map(Licence::try_from).collect()
}

const COLUMNS: &str = "id, identifier, case_id, jurisdiction, item_code, name, holder, holder_id, issuer, issuer_credit_code, issued_on, valid_until, status, version, document_id, risk, supervising_department";

/// A licence to enter in the register.
#[derive(Debug, Clone)]
pub struct NewLicence {
    pub identifier: String,
    pub case_id: i64,
    pub jurisdiction: String,
    pub item_code: String,
    pub name: String,
    pub holder: String,
    pub holder_id: SubjectId,
    pub issuer: String,
    pub issuer_credit_code: String,
    pub issued_on: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    pub version: i64,
    pub supervising_department: String,
    pub risk: Risk,
}

/// The serial and version inside an identifier (…{serial:08}{version:02}{check}).
pub fn serial_and_version(identifier: &str) -> Option<(u64, u32)> {
    let body = identifier.get(..identifier.len().checked_sub(1)?)?;
    let n = body.len();
    let version = body.get(n.checked_sub(2)?..)?.parse().ok()?;
    let serial = body.get(n.checked_sub(10)?..n - 2)?.parse().ok()?;
    Some((serial, version))
}

impl WriteTx {
    /// The next serial of a jurisdiction's licence identifiers.
    pub async fn next_licence_serial(&mut self, jurisdiction: &str) -> Result<u64> {
        let serial: i64 = sqlx::query_scalar(
            "INSERT INTO licence_serials (jurisdiction, next) VALUES ($1, 1)
             ON CONFLICT (jurisdiction) DO UPDATE SET next = licence_serials.next + 1 RETURNING next",
        )
        .bind(jurisdiction)
        .fetch_one(&mut **self)
        .await?;
        u64::try_from(serial).map_err(|_| StoreError::Corrupt(format!("licence serial {serial}")))
    }

    /// Enters a licence in the register, valid.
    pub async fn insert_licence(&mut self, l: &NewLicence, at_ms: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO licences (identifier, case_id, jurisdiction, item_code, name, holder, holder_id, issuer,
               issuer_credit_code, issued_on, valid_until, status, version, updated_at, supervising_department, risk)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'valid', $12, $13, $14, $15)",
        )
        .bind(&l.identifier)
        .bind(l.case_id)
        .bind(&l.jurisdiction)
        .bind(&l.item_code)
        .bind(&l.name)
        .bind(&l.holder)
        .bind(l.holder_id.as_str())
        .bind(&l.issuer)
        .bind(&l.issuer_credit_code)
        .bind(day(l.issued_on))
        .bind(l.valid_until.map(day))
        .bind(l.version)
        .bind(at_ms)
        .bind(&l.supervising_department)
        .bind(l.risk.code())
        .execute(&mut **self)
        .await?;
        Ok(())
    }

    /// Records the sealed document of a licence.
    pub async fn set_licence_document(&mut self, identifier: &str, document: i64) -> Result<()> {
        sqlx::query("UPDATE licences SET document_id = $1 WHERE identifier = $2")
            .bind(document)
            .bind(identifier)
            .execute(&mut **self)
            .await?;
        Ok(())
    }

    /// Changes a licence's recorded status from `from` to `to`; false when it was not `from` any
    /// more (another act changed it first: under concurrent writers exactly one wins).
    pub async fn set_licence_status(
        &mut self,
        identifier: &str,
        from: LicenceStatus,
        to: LicenceStatus,
        at_ms: i64,
    ) -> Result<bool> {
        let r = sqlx::query(
            "UPDATE licences SET status = $1, updated_at = $2 WHERE identifier = $3 AND status = $4",
        )
        .bind(to.code())
        .bind(at_ms)
        .bind(identifier)
        .bind(from.code())
        .execute(&mut **self)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Records the supervising department's risk grading of a licensee.
    pub async fn set_licence_risk(&mut self, identifier: &str, risk: Risk) -> Result<()> {
        sqlx::query("UPDATE licences SET risk = $1 WHERE identifier = $2")
            .bind(risk.code())
            .bind(identifier)
            .execute(&mut **self)
            .await?;
        Ok(())
    }

    /// A licence as this transaction sees it.
    pub async fn licence(&mut self, identifier: &str) -> Result<Licence> {
        let row: LicenceRow = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM licences WHERE identifier = $1"
        ))
        .bind(identifier)
        .fetch_optional(&mut **self)
        .await?
        .ok_or_else(|| StoreError::NotFound(Missing::Licence(identifier.to_string())))?;
        row.try_into()
    }

    /// The version in force of the licence a case issued (a change or renewal issues new ones).
    pub async fn licence_in_force_of_case(&mut self, case_id: i64) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT identifier FROM licences WHERE case_id = $1 AND status = 'valid' ORDER BY version DESC LIMIT 1",
        )
        .bind(case_id)
        .fetch_optional(&mut **self)
        .await?)
    }
}

impl Store {
    pub async fn licence(&self, identifier: &str) -> Result<Option<Licence>> {
        let row: Option<LicenceRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM licences WHERE identifier = $1"
        ))
        .bind(identifier.trim())
        .fetch_optional(self.reader())
        .await?;
        row.map(Licence::try_from).transpose()
    }

    /// The licences issued on the cases an applicant's account filed, newest first (every version).
    pub async fn licences_of_account(&self, account: i64) -> Result<Vec<Licence>> {
        let cols: Vec<String> = COLUMNS.split(", ").map(|c| format!("l.{c}")).collect();
        licences(
            sqlx::query_as(&format!(
                "SELECT {} FROM licences l JOIN cases c ON c.id = l.case_id WHERE c.applicant_account = $1
                 ORDER BY l.id DESC LIMIT 500",
                cols.join(", ")
            ))
            .bind(account)
            .fetch_all(self.reader())
            .await?,
        )
    }

    /// The licences of a holder, newest first.
    pub async fn licences_of_holder(&self, holder: &SubjectId) -> Result<Vec<Licence>> {
        licences(
            sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM licences WHERE holder_id = $1 ORDER BY id DESC LIMIT 500"
            ))
            .bind(holder.as_str())
            .fetch_all(self.reader())
            .await?,
        )
    }

    /// The newest version of the licence a case issued, if any.
    pub async fn licence_of_case(&self, case_id: i64) -> Result<Option<Licence>> {
        let row: Option<LicenceRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM licences WHERE case_id = $1 ORDER BY version DESC, id DESC LIMIT 1"
        ))
        .bind(case_id)
        .fetch_optional(self.reader())
        .await?;
        row.map(Licence::try_from).transpose()
    }

    /// Every version of the licence a case issued, oldest first.
    pub async fn licences_of_case(&self, case_id: i64) -> Result<Vec<Licence>> {
        licences(
            sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM licences WHERE case_id = $1 ORDER BY id"
            ))
            .bind(case_id)
            .fetch_all(self.reader())
            .await?,
        )
    }

    /// The licence a document records, if it is a licence.
    pub async fn licence_of_document(&self, document_id: i64) -> Result<Option<Licence>> {
        let row: Option<LicenceRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM licences WHERE document_id = $1"
        ))
        .bind(document_id)
        .fetch_optional(self.reader())
        .await?;
        row.map(Licence::try_from).transpose()
    }

    /// Licences recorded valid whose validity ended before `today`, without a renewal under review.
    pub async fn licences_past_validity(
        &self,
        today: NaiveDate,
        limit: i64,
    ) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT identifier FROM licences WHERE status = 'valid' AND valid_until IS NOT NULL AND valid_until < $1
               AND identifier NOT IN (SELECT licence FROM licence_acts WHERE kind = 'renewal' AND state = 'pending')
             ORDER BY id LIMIT $2",
        )
        .bind(day(today))
        .bind(limit)
        .fetch_all(self.reader())
        .await?)
    }

    /// The licences in force a department supervises in a jurisdiction, optionally of one item and
    /// one risk class, by identifier (the pool of a random inspection).
    pub async fn supervised_licences(
        &self,
        jurisdiction: &str,
        department: &str,
        item_code: Option<&str>,
        risk: Option<Risk>,
        today: NaiveDate,
    ) -> Result<Vec<Licence>> {
        let all = licences(
            sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM licences
                 WHERE jurisdiction = $1 AND supervising_department = $2 AND status = 'valid'
                   AND ($3 = '' OR item_code = $3) AND ($4 = '' OR risk = $4)
                 ORDER BY identifier"
            ))
            .bind(jurisdiction)
            .bind(department)
            .bind(item_code.unwrap_or(""))
            .bind(risk.map(|r| r.code()).unwrap_or(""))
            .fetch_all(self.reader())
            .await?,
        )?;
        Ok(all
            .into_iter()
            .filter(|l| l.status_on(today) == LicenceStatus::Valid)
            .collect())
    }
}
