//! The organisation: jurisdictions with their bureaus, departments, halls, windows, townships and
//! villages, kept one row per jurisdiction (its body as JSON, in the order given).

use sqlx::Row;
use yiyin_domain::org::{Jurisdiction, Organisation};

use crate::{Missing, Result, Store, StoreError, WriteTx};

impl WriteTx {
    /// Saves the organisation (checked by the caller), replacing the jurisdictions it names.
    pub async fn save_organisation(&mut self, org: &Organisation, at_ms: i64) -> Result<()> {
        for (i, j) in org.jurisdictions.iter().enumerate() {
            sqlx::query(
                "INSERT INTO jurisdictions (code, name, parent, position, body, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (code) DO UPDATE SET name = excluded.name, parent = excluded.parent,
                   position = excluded.position, body = excluded.body, updated_at = excluded.updated_at",
            )
            .bind(&j.code)
            .bind(&j.name)
            .bind(j.parent.clone())
            .bind(i as i64)
            .bind(serde_json::to_string(j)?)
            .bind(at_ms)
            .execute(&mut **self)
            .await?;
        }
        Ok(())
    }

    /// A jurisdiction as this transaction sees it.
    pub async fn jurisdiction(&mut self, code: &str) -> Result<Jurisdiction> {
        let body: Option<String> =
            sqlx::query_scalar("SELECT body FROM jurisdictions WHERE code = $1")
                .bind(code)
                .fetch_optional(&mut **self)
                .await?;
        parse(code, body)
    }
}

fn parse(code: &str, body: Option<String>) -> Result<Jurisdiction> {
    let body = body.ok_or_else(|| StoreError::NotFound(Missing::Jurisdiction(code.to_string())))?;
    serde_json::from_str(&body)
        .map_err(|e| StoreError::Corrupt(format!("jurisdiction {code}: {e}")))
}

impl Store {
    /// The whole organisation, in its order.
    pub async fn organisation(&self) -> Result<Organisation> {
        let rows = sqlx::query("SELECT code, body FROM jurisdictions ORDER BY position, code")
            .fetch_all(self.reader())
            .await?;
        let jurisdictions = rows
            .iter()
            .map(|row| parse(&row.try_get::<String, _>("code")?, row.try_get("body")?))
            .collect::<Result<Vec<_>>>()?;
        Ok(Organisation { jurisdictions })
    }

    pub async fn jurisdiction(&self, code: &str) -> Result<Jurisdiction> {
        let body: Option<String> =
            sqlx::query_scalar("SELECT body FROM jurisdictions WHERE code = $1")
                .bind(code)
                .fetch_optional(self.reader())
                .await?;
        parse(code, body)
    }

    /// How many jurisdictions are kept (none: a new database).
    pub async fn jurisdiction_count(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM jurisdictions")
            .fetch_one(self.reader())
            .await?)
    }
}
