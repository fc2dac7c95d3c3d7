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
