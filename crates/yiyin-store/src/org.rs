//! Persistence of the organisation: one row per jurisdiction holding its JSON.

use sqlx::Row;
use yiyin_domain::org::{Jurisdiction, Organisation};

use crate::{Result, Store, StoreError};

impl Store {
    /// Writes the whole organisation (inserting or replacing each jurisdiction) after checking it.
    pub async fn save_organisation(&self, org: &Organisation) -> Result<()> {
        org.check()
            .map_err(|e| StoreError::Rejected(e.to_string()))?;
        let now = chrono::Utc::now().timestamp_millis();
        let mut tx = self.writer().begin().await?;
        for (i, j) in org.jurisdictions.iter().enumerate() {
            let body = serde_json::to_string(j).expect("jurisdiction serialises");
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
            .bind(body)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Loads the organisation, in its order.
    pub async fn organisation(&self) -> Result<Organisation> {
        let rows = sqlx::query("SELECT code, body FROM jurisdictions ORDER BY position, code")
            .fetch_all(self.reader())
            .await?;
        let mut jurisdictions = Vec::with_capacity(rows.len());
        for row in rows {
            let code: String = row.try_get("code")?;
            let body: String = row.try_get("body")?;
            let j: Jurisdiction = serde_json::from_str(&body)
                .map_err(|e| StoreError::Corrupt(format!("县区「{code}」的组织机构数据：{e}")))?;
            jurisdictions.push(j);
        }
        Ok(Organisation { jurisdictions })
    }

    /// Loads the organisation into an empty database (the four pilots, built in). Returns whether it
    /// did anything.
    pub async fn init_organisation(&self) -> Result<bool> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jurisdictions")
            .fetch_one(self.reader())
            .await?;
        if count > 0 {
            return Ok(false);
        }
        self.save_organisation(&Organisation::builtin()).await?;
        Ok(true)
    }
}
