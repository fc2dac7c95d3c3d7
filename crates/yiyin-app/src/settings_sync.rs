//! Several app servers on one database: the settings each server keeps in memory (the calendar
//! years, the organisation with the seals it needs, the township delegations) follow the versions
//! the store raises when one is saved ([`yiyin_store::settings`]). A server compares them on use —
//! before each request on PostgreSQL (read with the request's session where it has one, by the
//! same statement), and in every minute's sweep — and rereads what changed, so a
//! calendar year, a department or a delegation saved on one server is used by every server at once,
//! without a restart. The catalog needs nothing of this: it is read from the store on use.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use yiyin_store::settings::{CALENDAR, DELEGATIONS, ORGANISATION};

use crate::App;
use crate::error::Result;

/// The versions of the settings this server last read.
#[derive(Debug, Clone, Default)]
pub(crate) struct Seen(Arc<Mutex<BTreeMap<String, i64>>>);

impl Seen {
    /// The versions as they stand in the store (read before the settings themselves, so that a
    /// change saved in between is read again on the next check).
    pub(crate) async fn read(store: &yiyin_store::Store) -> Result<Seen> {
        let versions = store.settings_versions().await?.into_iter().collect();
        Ok(Seen(Arc::new(Mutex::new(versions))))
    }

    fn get(&self, name: &str) -> Option<i64> {
        self.0.lock().expect("settings lock").get(name).copied()
    }

    fn set(&self, name: &str, version: i64) {
        self.0
            .lock()
            .expect("settings lock")
            .insert(name.to_string(), version);
    }
}

impl App {
    /// Rereads every setting changed in the store since this server last read it (on another
    /// server, or here). Returns the names of those reread.
    pub async fn sync_settings(&self) -> Result<Vec<String>> {
        let versions = self.store.settings_versions().await?;
        self.sync_settings_to(versions).await
    }

    /// Rereads every setting whose version in `versions` (as just read from the store) is not the
    /// one this server last read. Returns the names of those reread.
    async fn sync_settings_to(&self, versions: Vec<(String, i64)>) -> Result<Vec<String>> {
        let mut reread = Vec::new();
        for (name, version) in versions {
            if self.settings_seen.get(&name) == Some(version) {
                continue;
            }
            match name.as_str() {
                CALENDAR => {
                    let mut calendar = self.calendar();
                    crate::admin::load_calendar_years(&self.store, &mut calendar).await?;
                    *self.calendar.write().expect("calendar lock") = calendar;
                }
                ORGANISATION => {
                    self.reload_org().await?;
                    // A rename or an end saved on another server: the seals it made are used here.
                    self.refresh_seals().await?;
                }
                DELEGATIONS => self.reload_delegations().await?,
                _ => {}
            }
            self.settings_seen.set(&name, version);
            reread.push(name);
        }
        Ok(reread)
    }

    /// [`App::sync_settings`] where several servers may share the database (PostgreSQL); on
    /// SQLite one server holds the database and every change is made here. `read` carries the
    /// versions a request's session read brought with it
    /// ([`yiyin_store::accounts::SessionAccount::settings_versions`]): then no statement of its
    /// own; None reads them. A failure is logged: the settings in memory stay as they were.
    pub async fn sync_settings_if_shared(&self, read: Option<Vec<(String, i64)>>) {
        if self.store.backend() != yiyin_store::Backend::Postgres {
            return;
        }
        let synced = match read {
            Some(versions) => self.sync_settings_to(versions).await,
            None => self.sync_settings().await,
        };
        if let Err(e) = synced {
            tracing::warn!(error = %e, "settings not reread");
        }
    }
}
