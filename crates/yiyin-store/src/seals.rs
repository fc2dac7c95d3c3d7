//! The electronic seals as rows: each holder's (the platform, a bureau, a resident department)
//! seals with their public key, validity and retirement, and the private key encrypted with the
//! seal passphrase. Making, opening and using keys is the application layer's (with `yiyin-seal`).

use serde::Serialize;

use crate::rows::from_row;
use crate::{Conflict, Missing, Result, Store, StoreError, WriteTx};

/// The holder code of the platform's own seal (signs the daily chain heads).
pub const PLATFORM: &str = "platform";

/// A seal as registered (its private key never leaves the keyring).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SealRecord {
    pub id: i64,
    pub jurisdiction: String,
    /// '' for the bureau's seal, a department's code for a resident department's, `platform`.
    pub department: String,
    pub name: String,
    pub holder: String,
    pub public_key: String,
    pub valid_from: String,
    pub valid_until: String,
    pub retired: bool,
}

struct SealRow {
    id: i64,
    jurisdiction: String,
    department: String,
    name: String,
    holder: String,
    public_key: String,
    valid_from: String,
    valid_until: String,
    retired_at: Option<i64>,
}

from_row!(SealRow {
    id,
    jurisdiction,
    department,
    name,
    holder,
    public_key,
    valid_from,
    valid_until,
    retired_at,
});

impl From<SealRow> for SealRecord {
    fn from(r: SealRow) -> Self {
        SealRecord {
            id: r.id,
            jurisdiction: r.jurisdiction,
            department: r.department,
            name: r.name,
            holder: r.holder,
            public_key: r.public_key,
            valid_from: r.valid_from,
            valid_until: r.valid_until,
            retired: r.retired_at.is_some(),
        }
    }
}

/// A seal with its encrypted private key.
struct KeyRow {
    seal: SealRow,
    encrypted_key: String,
}

impl sqlx::FromRow<'_, sqlx::any::AnyRow> for KeyRow {
    fn from_row(row: &sqlx::any::AnyRow) -> Result<Self, sqlx::Error> {
        Ok(KeyRow {
            seal: SealRow::from_row(row)?,
            encrypted_key: crate::rows::Column::get(row, "encrypted_key")?,
        })
    }
}

const COLUMNS: &str =
    "id, jurisdiction, department, name, holder, public_key, valid_from, valid_until, retired_at";

/// A seal to register.
#[derive(Debug, Clone)]
pub struct NewSeal<'a> {
    pub jurisdiction: &'a str,
    pub department: &'a str,
    pub name: &'a str,
    pub holder: &'a str,
    pub public_key: &'a str,
    pub encrypted_key: &'a str,
    pub valid_from: &'a str,
    pub valid_until: &'a str,
    pub at_ms: i64,
}

impl WriteTx {
    pub async fn insert_seal(&mut self, s: &NewSeal<'_>) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO seals (jurisdiction, department, name, holder, public_key, encrypted_key, valid_from, valid_until, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(s.jurisdiction)
        .bind(s.department)
        .bind(s.name)
        .bind(s.holder)
        .bind(s.public_key)
        .bind(s.encrypted_key)
        .bind(s.valid_from)
        .bind(s.valid_until)
        .bind(s.at_ms)
        .fetch_one(&mut **self)
        .await?)
    }

    /// Retires a seal in use (it still verifies what it signed).
    pub async fn retire_seal(&mut self, id: i64, at_ms: i64) -> Result<()> {
        let r =
            sqlx::query("UPDATE seals SET retired_at = $1 WHERE id = $2 AND retired_at IS NULL")
                .bind(at_ms)
                .bind(id)
                .execute(&mut **self)
                .await?;
        if r.rows_affected() != 1 {
            return Err(StoreError::Conflict(Conflict::Changed("seal")));
        }
        Ok(())
    }
}

impl Store {
    /// Every seal, active and retired.
    pub async fn seals(&self) -> Result<Vec<SealRecord>> {
        let rows: Vec<SealRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM seals ORDER BY jurisdiction, department, id"
        ))
        .fetch_all(self.reader())
        .await?;
        Ok(rows.into_iter().map(SealRecord::from).collect())
    }

    pub async fn seal(&self, id: i64) -> Result<SealRecord> {
        let row: SealRow = sqlx::query_as(&format!("SELECT {COLUMNS} FROM seals WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.reader())
            .await?
            .ok_or(StoreError::NotFound(Missing::Seal(id)))?;
        Ok(row.into())
    }

    pub async fn seal_by_public_key(&self, public_key: &str) -> Result<Option<SealRecord>> {
        let row: Option<SealRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM seals WHERE public_key = $1"
        ))
        .bind(public_key)
        .fetch_optional(self.reader())
        .await?;
        Ok(row.map(SealRecord::from))
    }

    /// Every seal with its encrypted private key (to open the keyring).
    pub async fn sealed_keys(&self) -> Result<Vec<(SealRecord, String)>> {
        let rows: Vec<KeyRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS}, encrypted_key FROM seals ORDER BY id"
        ))
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| (r.seal.into(), r.encrypted_key))
            .collect())
    }
}
