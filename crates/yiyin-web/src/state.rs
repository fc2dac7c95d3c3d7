//! The state every handler shares: the store, the working-day calendar (built-in years plus uploaded
//! ones) and the clock. The clock is injectable so that tests and demos can run at any date.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, NaiveDate, Utc};
use yiyin_domain::calendar::Calendar;
use yiyin_domain::org::Organisation;
use yiyin_domain::rehearse::cst;
use yiyin_store::blobs::BlobStore;
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
    /// Where uploaded materials and generated files are kept.
    pub blobs: BlobStore,
}

impl AppState {
    /// The state for a store: loads the organisation.
    pub async fn load(
        store: Store,
        calendar: Calendar,
        clock: Arc<dyn Clock>,
        blobs: BlobStore,
    ) -> Result<Self, StoreError> {
        let org = store.organisation().await?;
        Ok(Self {
            store,
            calendar: Arc::new(RwLock::new(calendar)),
            clock,
            org: Arc::new(RwLock::new(org)),
            blobs,
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

    /// Searches the catalogs in force today (by name, guide and FAQ).
    pub async fn search(
        &self,
        jurisdiction: Option<&str>,
        query: &str,
        limit: usize,
    ) -> Result<Vec<SearchHit>, StoreError> {
        let mut hits = Vec::new();
        for j in self.org().jurisdictions.iter().filter(|j| j.has_catalog()) {
            if jurisdiction.is_some_and(|x| x != j.code) {
                continue;
            }
            for v in self.store.catalog_as_of(&j.code, self.today()).await? {
                let i = &v.item;
                let text = [
                    i.name.clone(),
                    i.topics.join(" "),
                    i.legal_basis.join(" "),
                    i.conditions.join(" "),
                    i.materials
                        .iter()
                        .map(|m| m.name.clone())
                        .collect::<Vec<_>>()
                        .join(" "),
                    i.faq
                        .iter()
                        .map(|f| format!("{} {}", f.question, f.answer))
                        .collect::<Vec<_>>()
                        .join(" "),
                ]
                .join(" ");
                if text.contains(query) {
                    hits.push(SearchHit {
                        jurisdiction: j.code.clone(),
                        code: i.code.clone(),
                        name: i.name.clone(),
                        score: if i.name.contains(query) { 2.0 } else { 1.0 },
                        snippet: String::new(),
                    });
                }
            }
        }
        hits.sort_by(|a, b| b.score.total_cmp(&a.score));
        hits.truncate(limit);
        Ok(hits)
    }

    /// A snapshot of the calendar.
    pub fn calendar(&self) -> Calendar {
        self.calendar.read().expect("calendar lock").clone()
    }
}

/// One search result.
#[derive(Debug, Clone)]
pub struct SearchHit {
    pub jurisdiction: String,
    pub code: String,
    pub name: String,
    pub score: f32,
    pub snippet: String,
}
