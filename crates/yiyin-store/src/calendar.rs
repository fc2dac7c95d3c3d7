//! Holiday years uploaded by an administrator, added to the built-in calendar at start-up.

use sqlx::Row;
use yiyin_domain::calendar::Calendar;

use crate::{Result, Store, StoreError};

/// A stored year: (year, uploaded at millis, uploaded by).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredYear {
    pub year: i32,
    pub uploaded_at: i64,
    pub uploaded_by: String,
}

impl Store {
    /// Stores one holiday-cn `YEAR.json` after checking it; replaces an earlier upload of that year.
    pub async fn upload_calendar_year(&self, text: &str, by: &str) -> Result<i32> {
        let file =
            Calendar::parse_year_json(text).map_err(|e| StoreError::Rejected(e.to_string()))?;
        sqlx::query(
            "INSERT INTO calendar_years (year, body, uploaded_at, uploaded_by) VALUES ($1, $2, $3, $4)
             ON CONFLICT (year) DO UPDATE SET body = excluded.body, uploaded_at = excluded.uploaded_at,
               uploaded_by = excluded.uploaded_by",
        )
        .bind(i64::from(file.year))
        .bind(text)
        .bind(chrono::Utc::now().timestamp_millis())
        .bind(by)
        .execute(self.writer())
        .await?;
        Ok(file.year)
    }

    /// Adds the stored years to `calendar`.
    pub async fn load_calendar_years(&self, calendar: &mut Calendar) -> Result<Vec<StoredYear>> {
        let rows = sqlx::query(
            "SELECT year, body, uploaded_at, uploaded_by FROM calendar_years ORDER BY year",
        )
        .fetch_all(self.reader())
        .await?;
        let mut out = Vec::new();
        for row in rows {
            let body: String = row.try_get("body")?;
            let year = calendar
                .load_year_json(&body)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            out.push(StoredYear {
                year,
                uploaded_at: row.try_get("uploaded_at")?,
                uploaded_by: row.try_get("uploaded_by")?,
            });
        }
        Ok(out)
    }
}
