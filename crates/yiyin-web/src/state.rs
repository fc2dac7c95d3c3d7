//! The state every handler shares: the store, the working-day calendar (built-in years plus uploaded
//! ones) and the clock. The clock is injectable so that tests and demos can run at any date.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, NaiveDate, Utc};
use yiyin_domain::calendar::Calendar;
use yiyin_domain::engine::Action;
use yiyin_domain::engine::ApplicantFacts;
use yiyin_domain::org::Organisation;
use yiyin_domain::rehearse::cst;
use yiyin_search::{Hit, SearchIndex};
use yiyin_store::blobs::BlobStore;
use yiyin_store::cases::{Actor, CaseEnv, CaseRecord, NewCase};
use yiyin_store::seals::Keyring;
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

/// A clock that starts at a given instant and runs from there (`yiyin serve --clock …`: a whole
/// server on a simulated date, for training and end-to-end tests).
#[derive(Debug)]
pub struct OffsetClock {
    start: DateTime<Utc>,
    boot: std::time::Instant,
}

impl OffsetClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        Self {
            start,
            boot: std::time::Instant::now(),
        }
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> DateTime<Utc> {
        self.start + chrono::Duration::from_std(self.boot.elapsed()).unwrap_or_default()
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
    /// The seals' keys, decrypted at start-up; documents are sealed as they are issued.
    pub keyring: Arc<Keyring>,
    /// The public address of the portal, for the QR codes of documents.
    pub public_url: String,
    /// The search index of today's catalogs, with the (date, catalog size) it was built for.
    search: Arc<RwLock<Option<SearchKeyed>>>,
}

type SearchKeyed = ((NaiveDate, i64), Arc<SearchIndex>);

impl AppState {
    /// The state for a store: loads the organisation.
    pub async fn load(
        store: Store,
        calendar: Calendar,
        clock: Arc<dyn Clock>,
        blobs: BlobStore,
        keyring: Keyring,
        public_url: &str,
    ) -> Result<Self, StoreError> {
        let org = store.organisation().await?;
        Ok(Self {
            store,
            calendar: Arc::new(RwLock::new(calendar)),
            clock,
            org: Arc::new(RwLock::new(org)),
            blobs,
            keyring: Arc::new(keyring),
            public_url: public_url.trim_end_matches('/').to_string(),
            search: Arc::new(RwLock::new(None)),
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

    /// Searches the catalogs in force today (names, topics, guides, materials and FAQs, with Chinese
    /// word segmentation). The index is rebuilt when the date or the catalog changes.
    pub async fn search(
        &self,
        jurisdiction: Option<&str>,
        query: &str,
        limit: usize,
    ) -> Result<Vec<Hit>, StoreError> {
        let key = (self.today(), self.store.catalog_version_count().await?);
        let current = self.search.read().expect("search lock").clone();
        let index = match current {
            Some((k, index)) if k == key => index,
            _ => {
                let mut versions = Vec::new();
                for j in self.org().jurisdictions.iter().filter(|j| j.has_catalog()) {
                    versions.extend(self.store.catalog_as_of(&j.code, key.0).await?);
                }
                let index = Arc::new(
                    SearchIndex::build(&versions)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                );
                *self.search.write().expect("search lock") = Some((key, index.clone()));
                index
            }
        };
        index
            .search(jurisdiction, query, limit)
            .map_err(|e| StoreError::Corrupt(e.to_string()))
    }

    /// The environment of case actions: this calendar, these facts, and the seals.
    pub fn env<'a>(&'a self, calendar: &'a Calendar, facts: &'a ApplicantFacts) -> CaseEnv<'a> {
        CaseEnv {
            calendar,
            facts,
            keyring: Some(&self.keyring),
        }
    }

    /// Takes an action on a case now, with the calendar, the applicant's facts and the seals.
    pub async fn act(
        &self,
        id: i64,
        version: Option<i64>,
        action: &Action,
        actor: &Actor,
    ) -> Result<CaseRecord, StoreError> {
        let calendar = self.calendar();
        let facts = ApplicantFacts::default();
        self.store
            .act(
                id,
                version,
                action,
                actor,
                self.now(),
                &self.env(&calendar, &facts),
            )
            .await
    }

    /// Receives an application now.
    pub async fn create_case(
        &self,
        new: &NewCase,
        actor: &Actor,
    ) -> Result<(CaseRecord, bool), StoreError> {
        let calendar = self.calendar();
        let facts = ApplicantFacts::default();
        self.store
            .create_case(new, actor, self.now(), &self.env(&calendar, &facts))
            .await
    }

    /// Deems accepted what the passing of time accepted (the background sweep).
    pub async fn sweep(&self) -> Result<usize, StoreError> {
        let calendar = self.calendar();
        let facts = ApplicantFacts::default();
        self.store
            .sweep_intake(self.now(), &self.env(&calendar, &facts))
            .await
    }

    /// What time does besides deemed acceptance: warnings for deferred materials not supplied,
    /// deemed renewals, expiries. Returns (warnings, deemed renewals, expiries).
    pub async fn sweep_time(&self) -> Result<(usize, usize, usize), StoreError> {
        let calendar = self.calendar();
        let facts = ApplicantFacts::default();
        let now = self.now();
        let warnings = self.store.sweep_deferred(now).await?;
        let (deemed, expiries) = self
            .store
            .sweep_licences(now, &self.env(&calendar, &facts))
            .await?;
        Ok((warnings, deemed, expiries))
    }

    /// A snapshot of the calendar.
    pub fn calendar(&self) -> Calendar {
        self.calendar.read().expect("calendar lock").clone()
    }
}
