//! The register of e-licences: what verification shows of a licence, and the changes of its status.

use chrono::NaiveDate;
use serde::Serialize;
use sqlx::Row;
use yiyin_domain::calendar::{fmt_date, parse_date};
use yiyin_domain::licence::{LicenceStatus, status_on};

use crate::{Result, Store, StoreError};

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
    pub holder_id: String,
    pub issuer: String,
    pub issuer_credit_code: String,
    pub issued_on: String,
    pub valid_until: Option<String>,
    /// The status as recorded (valid, changed, revoked, cancelled); see [`Licence::status_on`].
    pub status: LicenceStatus,
    pub version: i64,
    pub document_id: Option<i64>,
    /// The supervising department's risk grading of the licensee (random inspections).
    pub risk: yiyin_domain::inspection::Risk,
    pub supervising_department: String,
}

impl Licence {
    /// The status on a date (a valid licence past its end date has expired).
    pub fn status_on(&self, today: NaiveDate) -> LicenceStatus {
        status_on(
            self.status,
            self.valid_until.as_deref().and_then(|d| parse_date(d).ok()),
            today,
        )
    }
}

const COLUMNS: &str = "id, identifier, case_id, jurisdiction, item_code, name, holder, holder_id, issuer, issuer_credit_code, issued_on, valid_until, status, version, document_id, risk, supervising_department";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Licence> {
    let status: String = r.try_get("status")?;
    Ok(Licence {
        id: r.try_get("id")?,
        identifier: r.try_get("identifier")?,
        case_id: r.try_get("case_id")?,
        jurisdiction: r.try_get("jurisdiction")?,
        item_code: r.try_get("item_code")?,
        name: r.try_get("name")?,
        holder: r.try_get("holder")?,
        holder_id: r.try_get("holder_id")?,
        issuer: r.try_get("issuer")?,
        issuer_credit_code: r.try_get("issuer_credit_code")?,
        issued_on: r.try_get("issued_on")?,
        valid_until: r.try_get("valid_until")?,
        status: LicenceStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("证照状态「{status}」")))?,
        version: r.try_get("version")?,
        document_id: r.try_get("document_id")?,
        risk: {
            let risk: String = r.try_get("risk")?;
            yiyin_domain::inspection::Risk::parse(&risk)
                .ok_or_else(|| StoreError::Corrupt(format!("风险等级「{risk}」")))?
        },
        supervising_department: r.try_get("supervising_department")?,
    })
}

/// A licence to enter in the register.
#[derive(Debug, Clone)]
pub struct NewLicence {
    pub identifier: String,
    pub case_id: i64,
    pub jurisdiction: String,
    pub item_code: String,
    pub name: String,
    pub holder: String,
    pub holder_id: String,
    pub issuer: String,
    pub issuer_credit_code: String,
    pub issued_on: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    pub version: i64,
    pub supervising_department: String,
}

/// Enters a licence in the register (inside the caller's transaction).
pub(crate) async fn insert_licence(
    tx: &mut sqlx::AnyConnection,
    l: &NewLicence,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO licences (identifier, case_id, jurisdiction, item_code, name, holder, holder_id, issuer,
           issuer_credit_code, issued_on, valid_until, status, version, updated_at, supervising_department)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'valid', $12, $13, $14)",
    )
    .bind(&l.identifier)
    .bind(l.case_id)
    .bind(&l.jurisdiction)
    .bind(&l.item_code)
    .bind(&l.name)
    .bind(&l.holder)
    .bind(&l.holder_id)
    .bind(&l.issuer)
    .bind(&l.issuer_credit_code)
    .bind(fmt_date(l.issued_on))
    .bind(l.valid_until.map(fmt_date))
    .bind(l.version)
    .bind(at.timestamp_millis())
    .bind(&l.supervising_department)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The serial and version inside an identifier (…{serial:08}{version:02}{check}).
pub fn serial_and_version(identifier: &str) -> Option<(u64, u32)> {
    let body = identifier.get(..identifier.len().checked_sub(1)?)?;
    let n = body.len();
    let version = body.get(n.checked_sub(2)?..)?.parse().ok()?;
    let serial = body.get(n.checked_sub(10)?..n - 2)?.parse().ok()?;
    Some((serial, version))
}

/// Sets a licence's recorded status inside a transaction.
pub(crate) async fn set_status_in(
    tx: &mut sqlx::AnyConnection,
    identifier: &str,
    status: LicenceStatus,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    sqlx::query("UPDATE licences SET status = $1, updated_at = $2 WHERE identifier = $3")
        .bind(status.code())
        .bind(at.timestamp_millis())
        .bind(identifier)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

impl Store {
    /// The licences issued on the cases an applicant's account filed, newest first (every version).
    pub async fn licences_of_account(&self, account: i64) -> Result<Vec<Licence>> {
        let cols: Vec<String> = COLUMNS.split(", ").map(|c| format!("l.{c}")).collect();
        sqlx::query(&format!(
            "SELECT {} FROM licences l JOIN cases c ON c.id = l.case_id WHERE c.applicant_account = $1
             ORDER BY l.id DESC LIMIT 500",
            cols.join(", ")
        ))
        .bind(account)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(from_row)
        .collect()
    }

    /// The newest version of the licence a case issued, if any.
    pub async fn licence_of_case(&self, case_id: i64) -> Result<Option<Licence>> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM licences WHERE case_id = $1 ORDER BY version DESC, id DESC LIMIT 1"
        ))
        .bind(case_id)
        .fetch_optional(self.reader())
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
    }

    pub async fn licence(&self, identifier: &str) -> Result<Option<Licence>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM licences WHERE identifier = $1"
        ))
        .bind(identifier.trim())
        .fetch_optional(self.reader())
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    pub async fn licences_of_case(&self, case_id: i64) -> Result<Vec<Licence>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM licences WHERE case_id = $1 ORDER BY id"
        ))
        .bind(case_id)
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// The licence a document records, if it is a licence.
    pub async fn licence_of_document(&self, document_id: i64) -> Result<Option<Licence>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM licences WHERE document_id = $1"
        ))
        .bind(document_id)
        .fetch_optional(self.reader())
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Records a new status of a licence.
    pub async fn set_licence_status(&self, identifier: &str, status: LicenceStatus) -> Result<()> {
        let r =
            sqlx::query("UPDATE licences SET status = $1, updated_at = $2 WHERE identifier = $3")
                .bind(status.code())
                .bind(chrono::Utc::now().timestamp_millis())
                .bind(identifier)
                .execute(self.writer())
                .await?;
        if r.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!(
                "没有证照编号为「{identifier}」的证照"
            )));
        }
        Ok(())
    }
}
