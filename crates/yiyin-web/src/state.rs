//! The state every handler shares: the store, the working-day calendar (built-in years plus uploaded
//! ones) and the clock. The clock is injectable so that tests and demos can run at any date.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, NaiveDate, Utc};
use yiyin_domain::calendar::Calendar;
use yiyin_domain::org::Organisation;
use yiyin_domain::rehearse::cst;
use yiyin_store::{Store, StoreError};

/// Where "now" comes from.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;
}

/// The machine's clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until moved (tests, rehearsal of a whole server).
#[derive(Debug)]
pub struct FixedClock(RwLock<DateTime<Utc>>);

impl FixedClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(RwLock::new(at))
    }

    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.write().expect("clock lock") = at;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.read().expect("clock lock")
    }
}

#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    pub calendar: Arc<RwLock<Calendar>>,
    pub clock: Arc<dyn Clock>,
    /// The organisation, cached; reloaded when an administrator changes it.
    pub org: Arc<RwLock<Organisation>>,
}

impl AppState {
    /// The state for a store: loads the organisation.
    pub async fn load(
        store: Store,
        calendar: Calendar,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, StoreError> {
        let org = store.organisation().await?;
        Ok(Self {
            store,
            calendar: Arc::new(RwLock::new(calendar)),
            clock,
            org: Arc::new(RwLock::new(org)),
        })
    }

    /// A snapshot of the organisation.
    pub fn org(&self) -> Organisation {
        self.org.read().expect("org lock").clone()
    }

    /// Reloads the organisation from the store.
    pub async fn reload_org(&self) -> Result<(), StoreError> {
        let org = self.store.organisation().await?;
        *self.org.write().expect("org lock") = org;
        Ok(())
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Today in China Standard Time.
    pub fn today(&self) -> NaiveDate {
        self.now().with_timezone(&cst()).date_naive()
    }

    /// A snapshot of the calendar.
    pub fn calendar(&self) -> Calendar {
        self.calendar.read().expect("calendar lock").clone()
    }
}
