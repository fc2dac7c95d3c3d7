//! The organisation: jurisdictions with their bureaus, departments, halls, windows, townships and
//! villages, kept one row per jurisdiction (its body as JSON, in the order given).

use yiyin_domain::org::{Jurisdiction, Organisation};

use crate::rows::{Statement, insert, sql};
use crate::{Missing, Result, Store, StoreError, WriteTx};

impl WriteTx {
    /// Saves the organisation (checked by the caller), replacing the jurisdictions it names.
    pub async fn save_organisation(&mut self, org: &Organisation, at_ms: i64) -> Result<()> {
        self.jurisdictions.clear();
        for (i, j) in org.jurisdictions.iter().enumerate() {
            insert!("jurisdictions", j;
                code, name, parent, position = i as i64, body = serde_json::to_string(j)?,
                updated_at = at_ms;
                "ON CONFLICT (code) DO UPDATE SET name = excluded.name, parent = excluded.parent,
                   position = excluded.position, body = excluded.body, updated_at = excluded.updated_at")
            .run(&mut **self)
            .await?;
        }
        self.setting_changed(crate::settings::ORGANISATION).await
    }

    /// A jurisdiction as this transaction sees it (read once a write).
    pub async fn jurisdiction(&mut self, code: &str) -> Result<Jurisdiction> {
        if let Some(j) = self.jurisdictions.get(code) {
            return Ok(j.clone());
        }
        let j = parse(code, body_of(code).optional_scalar(&mut **self).await?)?;
        self.jurisdictions.insert(code.to_string(), j.clone());
        Ok(j)
    }
}

/// The statement that reads a jurisdiction's body.
fn body_of(code: &str) -> Statement<'_> {
    sql!("SELECT body FROM jurisdictions WHERE code = $1"; code)
}

fn parse(code: &str, body: Option<String>) -> Result<Jurisdiction> {
    let body = body.ok_or_else(|| StoreError::NotFound(Missing::Jurisdiction(code.to_string())))?;
    serde_json::from_str(&body)
        .map_err(|e| StoreError::Corrupt(format!("jurisdiction {code}: {e}")))
}

impl Store {
    /// The whole organisation, in its order.
    pub async fn organisation(&self) -> Result<Organisation> {
        let rows: Vec<(String, Option<String>)> =
            sql!("SELECT code, body FROM jurisdictions ORDER BY position, code")
                .all(self.reader())
                .await?;
        let jurisdictions = rows
            .into_iter()
            .map(|(code, body)| parse(&code, body))
            .collect::<Result<Vec<_>>>()?;
        Ok(Organisation { jurisdictions })
    }

    pub async fn jurisdiction(&self, code: &str) -> Result<Jurisdiction> {
        parse(code, body_of(code).optional_scalar(self.reader()).await?)
    }

    /// How many jurisdictions are kept (none: a new database).
    pub async fn jurisdiction_count(&self) -> Result<i64> {
        sql!("SELECT COUNT(*) FROM jurisdictions")
            .scalar(self.reader())
            .await
    }
}
