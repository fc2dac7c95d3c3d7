//! The versions of the settings every app server keeps in memory (the calendar years, the
//! organisation, the township delegations): the write that changes a setting raises its version in
//! the same transaction, and each server compares the versions on use and rereads what changed, so
//! that a change saved on one server reaches the others without a restart.

use crate::rows::sql;
use crate::{Result, Store, WriteTx};

/// The calendar years uploaded (`calendar_years`).
pub const CALENDAR: &str = "calendar";
/// The organisation (`jurisdictions` and what they hold).
pub const ORGANISATION: &str = "organisation";
/// The township delegations.
pub const DELEGATIONS: &str = "delegations";

/// Every setting, in the order of [`versions_columns`].
pub const SETTINGS: [&str; 3] = [CALENDAR, ORGANISATION, DELEGATIONS];

/// The versions of [`SETTINGS`] as columns `setting_0`, `setting_1`, … of another statement (a
/// request's session read carries them: one statement instead of two a request).
pub(crate) fn versions_columns() -> String {
    SETTINGS
        .iter()
        .enumerate()
        .map(|(i, name)| {
            format!(
                "COALESCE((SELECT version FROM settings_versions WHERE name = '{name}'), 0) \
                 AS setting_{i}"
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The versions read by [`versions_columns`], by name.
pub(crate) fn versions_of(
    row: &sqlx::any::AnyRow,
) -> std::result::Result<Vec<(String, i64)>, sqlx::Error> {
    use crate::rows::Column;
    SETTINGS
        .iter()
        .enumerate()
        .map(|(i, name)| Ok((name.to_string(), i64::get(row, &format!("setting_{i}"))?)))
        .collect()
}

impl WriteTx {
    /// Raises the version of setting `name` (one of this module's names): every server rereads it.
    pub(crate) async fn setting_changed(&mut self, name: &str) -> Result<()> {
        sql!("UPDATE settings_versions SET version = version + 1 WHERE name = $1"; name)
            .run(&mut **self)
            .await
    }
}

impl Store {
    /// Every setting's version, by name.
    pub async fn settings_versions(&self) -> Result<Vec<(String, i64)>> {
        sql!("SELECT name, version FROM settings_versions ORDER BY name")
            .all(self.reader())
            .await
    }
}
