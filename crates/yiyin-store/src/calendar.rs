//! The working-day calendar years uploaded by administrators (holiday-cn `YEAR.json`), kept as
//! their text; the built-in years are in the domain.

use crate::rows::{insert, record, select, sql};
use crate::{Result, Store, WriteTx};

record! {
    /// An uploaded year.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct StoredYear {
        pub year: i64,
        pub body: String,
        pub uploaded_at: i64,
        pub uploaded_by: String,
    }
}

impl WriteTx {
    /// Keeps a year's file (checked by the caller), replacing an earlier upload of the same year.
    pub async fn save_calendar_year(
        &mut self,
        year: i32,
        text: &str,
        by: &str,
        at_ms: i64,
    ) -> Result<()> {
        insert!("calendar_years";
            year = i64::from(year), body = text, uploaded_at = at_ms, uploaded_by = by;
            "ON CONFLICT (year) DO UPDATE SET body = excluded.body, uploaded_at = excluded.uploaded_at,
               uploaded_by = excluded.uploaded_by")
        .run(&mut **self)
        .await?;
        self.setting_changed(crate::settings::CALENDAR).await
    }
}

impl Store {
    /// Every uploaded year, oldest first.
    pub async fn calendar_years(&self) -> Result<Vec<StoredYear>> {
        sql!(select::<StoredYear>("calendar_years ORDER BY year"))
            .all(self.reader())
            .await
    }
}
