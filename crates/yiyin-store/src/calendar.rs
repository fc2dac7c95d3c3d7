//! The working-day calendar years uploaded by administrators (holiday-cn `YEAR.json`), kept as
//! their text; the built-in years are in the domain.

use crate::rows::from_row;
use crate::{Result, Store, WriteTx};

/// An uploaded year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredYear {
    pub year: i64,
    pub body: String,
    pub uploaded_at: i64,
    pub uploaded_by: String,
}

from_row!(StoredYear {
    year,
    body,
    uploaded_at,
    uploaded_by,
});

impl WriteTx {
    /// Keeps a year's file (checked by the caller), replacing an earlier upload of the same year.
    pub async fn save_calendar_year(
        &mut self,
        year: i32,
        text: &str,
        by: &str,
        at_ms: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO calendar_years (year, body, uploaded_at, uploaded_by) VALUES ($1, $2, $3, $4)
             ON CONFLICT (year) DO UPDATE SET body = excluded.body, uploaded_at = excluded.uploaded_at,
               uploaded_by = excluded.uploaded_by",
        )
        .bind(i64::from(year))
        .bind(text)
        .bind(at_ms)
        .bind(by)
        .execute(&mut **self)
        .await?;
        Ok(())
    }
}

impl Store {
    /// Every uploaded year, oldest first.
    pub async fn calendar_years(&self) -> Result<Vec<StoredYear>> {
        Ok(sqlx::query_as(
            "SELECT year, body, uploaded_at, uploaded_by FROM calendar_years ORDER BY year",
        )
        .fetch_all(self.reader())
        .await?)
    }
}
