//! Reads for the public portal and the window that span many cases: how often each item of a
//! jurisdiction is applied for (popular items, search ranking: the cases the statistics summary
//! counts from their facts; the settled ones are in its sums), and an applicant already known to a
//! jurisdiction by ID number or credit code (the window's look-up).

use chrono::NaiveDate;

use crate::rows::{day, record, sql};
use crate::{Result, Store};

record! {
    /// How many cases an item of a jurisdiction received.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ItemCount {
        pub item_code: String,
        pub received: i64,
    }
}

record! {
    /// An applicant as the latest case or account of their identifier recorded them.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct KnownApplicant {
        /// `person` or `organisation`.
        pub kind: String,
        pub name: String,
        pub id_number: String,
        pub phone: String,
        /// `case` or `account`: where it was found.
        pub source: String,
        /// The case it was found in (0 when found in an account).
        pub case_id: i64,
    }
}

impl Store {
    /// The cases each item of `jurisdiction` received since `since` (inclusive) that the
    /// statistics summary counts from their facts, not in its sums (waiting for acceptance or
    /// suspended: `volatile`), most first; items without any are absent. A range of the summary's
    /// index of such cases; with the sums of the settled ones it is every case received.
    pub async fn volatile_cases_per_item(
        &self,
        jurisdiction: &str,
        since: NaiveDate,
    ) -> Result<Vec<ItemCount>> {
        sql!(
            "SELECT item_code, COUNT(*) AS received FROM statistics_facts
             WHERE volatile = 1 AND jurisdiction = $1 AND received_on >= $2
             GROUP BY item_code ORDER BY received DESC, item_code";
            jurisdiction, day(since)
        )
        .all(self.reader())
        .await
    }

    /// The applicant with this citizen ID number or credit code as the latest case of
    /// `jurisdiction` filed under it recorded them, else as an applicant account registered with
    /// it records them; `None` when neither knows it.
    pub async fn known_applicant(
        &self,
        jurisdiction: &str,
        id_number: &str,
    ) -> Result<Option<KnownApplicant>> {
        let from_case: Option<KnownApplicant> = sql!(
            "SELECT applicant_kind AS kind, applicant_name AS name, applicant_id AS id_number,
                    applicant_phone AS phone, 'case' AS source, id AS case_id
             FROM cases WHERE jurisdiction = $1 AND applicant_id = $2
             ORDER BY id DESC LIMIT 1";
            jurisdiction, id_number
        )
        .optional(self.reader())
        .await?;
        if from_case.is_some() {
            return Ok(from_case);
        }
        sql!(
            "SELECT subject_kind AS kind, name, id_number, phone, 'account' AS source,
                    CAST(0 AS BIGINT) AS case_id FROM accounts
             WHERE kind = 'applicant' AND id_number = $1 AND subject_kind <> ''
             ORDER BY id DESC LIMIT 1";
            id_number
        )
        .optional(self.reader())
        .await
    }
}
