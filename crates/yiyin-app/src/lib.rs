//! Yiyin's application layer: each use case once — receive an application, act on a case, apply for
//! and decide an act on a licence, acknowledge a push, record a finding, verify a commitment, run a
//! random inspection, render and verify a sealed document, package a closed case, log in, manage
//! accounts, edit the catalog and the organisation — for the JSON API, the pages, the CLI, the demo
//! loader and the background workers alike. A use case takes the authenticated [`Principal`] and
//! typed input, asks `yiyin_domain` what the law allows and what follows (its effects), carries the
//! effects out in one store transaction (composing and sealing documents, queueing pushes), and
//! returns typed output or one [`AppError`] with a stable code and a Chinese message.
//!
//! Reading order: [`error`], [`clock`], [`principal`], this module ([`App`]: what every use case
//! shares), [`seals`] (the keyring), [`issue`] (carrying out effects), then the use cases: [`cases`],
//! [`licences`], [`supervision`], [`inspections`], [`documents`], [`archive`], [`audit`],
//! [`accounts`], [`catalog`], [`admin`], [`monitoring`], [`ratings`], [`statistics`], [`tickets`], [`open_data`]; last the background [`workers`], the push [`delivery`] and the [`notifications`] (outbox, sender, message centre).

pub mod accounts;
pub mod admin;
pub mod agency;
pub mod archive;
pub mod audit;
mod audited_write;
pub mod bundles;
pub mod cases;
pub mod catalog;
pub mod clock;
pub mod delegation;
pub mod deliveries;
pub mod delivery;
pub mod documents;
pub mod drawing_reviews;
pub mod egress;
pub mod error;
pub mod forms;
pub mod hashing;
pub mod hearings;
pub mod identity;
pub mod inspections;
pub mod issue;
pub mod joint_visits;
pub mod licences;
pub mod monitoring;
pub mod notice_desk;
pub mod notifications;
pub mod open_data;
pub mod paging;
pub mod pending;
pub mod pools;
pub mod portal;
pub mod principal;
pub mod projects;
pub mod ratings;
pub mod redress;
pub mod reports;
pub mod seal_crls;
pub mod seals;
pub mod settings_sync;
pub mod sharing;
pub mod signer;
pub mod simulation;
pub mod sms_codes;
pub mod statistics;
pub mod supervision;
pub mod tickets;
pub mod totp;
pub mod transition;
pub mod users;
pub mod workers;

use std::sync::{Arc, RwLock};

use chrono::{DateTime, NaiveDate, Utc};
use yiyin_blobs::BlobStore;
use yiyin_domain::calendar::{Calendar, local_date};
use yiyin_domain::org::{Jurisdiction, Organisation};
use yiyin_search::{Hit, SearchIndex};
use yiyin_store::Store;

pub use clock::{Clock, FixedClock, OffsetClock, SystemClock};
pub use error::{AppError, Result};
pub use principal::Principal;
pub use seals::Keyring;

/// Percent-encodes a query value (RFC 3986 unreserved characters and `/` stay as they are).
pub fn encode_query(value: &str) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    const KEEP: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~')
        .remove(b'/');
    utf8_percent_encode(value, KEEP).to_string()
}

/// An address with query fields (name, value), each value trimmed and percent-encoded, empty ones
/// left out: how a list's next page, or a desk with its filters, is linked.
pub fn query_url(path: &str, fields: &[(&str, &str)]) -> String {
    let mut url = path.to_string();
    for (name, value) in fields.iter().filter(|(_, v)| !v.trim().is_empty()) {
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(name);
        url.push('=');
        url.push_str(&encode_query(value.trim()));
    }
    url
}

/// Everything the use cases share: the store, the blob store, the working-day calendar (built-in
/// years plus uploaded ones), the organisation, the clock, the seals' keys and the public address.
/// Cheap to clone.
#[derive(Debug, Clone)]
pub struct App {
    pub store: Store,
    pub blobs: BlobStore,
    calendar: Arc<RwLock<Calendar>>,
    org: Arc<RwLock<Organisation>>,
    clock: Arc<dyn Clock>,
    /// The seals' keys; replaced when the seals change (a rename takes effect, a body ends).
    keyring: Arc<RwLock<Arc<Keyring>>>,
    /// The passphrase the keys were opened with, when the server keeps the seals in line with the
    /// organisation day by day ([`App::refresh_seals`]).
    seal_passphrase: Option<Arc<secrecy::SecretString>>,
    public_url: String,
    /// The search index of today's catalogs, with the (date, catalog size) it was built for.
    search: Arc<RwLock<Option<SearchKeyed>>>,
    /// How often each item was applied for, as last counted (`portal`).
    popular: Arc<portal::PopularityCounts>,
    idle: users::IdleTimeouts,
    /// The internal networks an administrator allows webhooks to reach (`egress`).
    webhook_allow: Arc<Vec<egress::IpNet>>,
    /// The real-name provider (统一身份认证, OpenID Connect), when configured (`identity`).
    identity_provider: Option<Arc<identity::Provider>>,
    /// The data-sharing endpoints of shared materials (免提交, `sharing`).
    sharing: Arc<sharing::DataSharing>,
    /// The SMS gateway and the mail server notices are sent through (`notifications`).
    notifier: Arc<notifications::Notifier>,
    /// The township delegations (`delegation`), read at start, after each change here and by every
    /// minute's sweep (a change on another server).
    delegations: Arc<RwLock<Vec<yiyin_domain::delegation::Delegation>>>,
    /// The versions of the settings above as last read (`settings_sync`).
    settings_seen: settings_sync::Seen,
}

type SearchKeyed = ((NaiveDate, i64), Arc<SearchIndex>);

impl App {
    /// The application over a store: loads the organisation (the built-in one into a new database)
    /// and the calendar years uploaded to it.
    pub async fn new(
        store: Store,
        mut calendar: Calendar,
        clock: Arc<dyn Clock>,
        blobs: BlobStore,
        keyring: Keyring,
        public_url: &str,
    ) -> Result<Self> {
        admin::init_organisation(&store).await?;
        let settings_seen = settings_sync::Seen::read(&store).await?;
        admin::load_calendar_years(&store, &mut calendar).await?;
        tickets::seed_categories(&store).await?;
        let org = store.organisation().await?;
        let delegations = store.delegations(None).await?;
        let app = App {
            store,
            blobs,
            calendar: Arc::new(RwLock::new(calendar)),
            org: Arc::new(RwLock::new(org)),
            clock,
            keyring: Arc::new(RwLock::new(Arc::new(keyring))),
            seal_passphrase: None,
            public_url: public_url.trim_end_matches('/').to_string(),
            search: Arc::new(RwLock::new(None)),
            popular: Arc::default(),
            idle: users::IdleTimeouts::default(),
            webhook_allow: Arc::default(),
            identity_provider: None,
            sharing: Arc::default(),
            notifier: Arc::default(),
            delegations: Arc::new(RwLock::new(delegations)),
            settings_seen,
        };
        // A statistics summary built under older rules, or never (cases from before it existed).
        app.rebuild_statistics_if_behind().await?;
        Ok(app)
    }

    /// Allows webhooks to reach these internal networks (by default only public addresses).
    pub fn allow_webhook_networks(mut self, networks: Vec<egress::IpNet>) -> Self {
        self.webhook_allow = Arc::new(networks);
        self
    }

    /// The internal networks webhooks may reach.
    pub fn webhook_allow(&self) -> &[egress::IpNet] {
        &self.webhook_allow
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The wall-clock time (TOTP codes), see [`Clock::wall`].
    pub fn wall(&self) -> DateTime<Utc> {
        self.clock.wall()
    }

    /// Today in China Standard Time.
    pub fn today(&self) -> NaiveDate {
        local_date(self.now())
    }

    /// A snapshot of the calendar.
    pub fn calendar(&self) -> Calendar {
        self.calendar.read().expect("calendar lock").clone()
    }

    /// A snapshot of the organisation.
    pub fn org(&self) -> Organisation {
        self.org.read().expect("org lock").clone()
    }

    /// What authorisation judges an act on a case by, against the organisation as it stands
    /// (the township that decides a township's own power, the one that received an item for the
    /// bureau).
    pub fn case_scope(
        &self,
        record: &yiyin_store::cases::CaseRecord,
    ) -> yiyin_domain::authz::Scope {
        let org = self.org.read().expect("org lock");
        let scope = record.scope(&org);
        // A delegated item: the township entrusted where the case is, today (Art. 24).
        if record.handling_mode == yiyin_domain::catalog::HandlingMode::Delegated
            && let Some(j) = org.jurisdiction(&record.jurisdiction)
        {
            let entrusted = self.entrusted_at(j, &record.item_code, &record.unit);
            return scope.with_entrusted(entrusted);
        }
        scope
    }

    /// A jurisdiction of the organisation.
    pub fn jurisdiction(&self, code: &str) -> Result<Jurisdiction> {
        self.org()
            .jurisdiction(code)
            .cloned()
            .ok_or_else(|| AppError::NotFound(format!("没有代码为「{code}」的县区")))
    }

    /// A department's name as it reads today ('' code: the bureau's; an unknown jurisdiction or
    /// department stands for its code).
    pub fn department_name(&self, jurisdiction: &str, code: &str) -> String {
        self.org().jurisdiction(jurisdiction).map_or_else(
            || code.to_string(),
            |j| j.department_name_on(code, self.today()),
        )
    }

    /// The seals' keys as they stand.
    pub fn keyring(&self) -> Arc<Keyring> {
        self.keyring.read().expect("keyring lock").clone()
    }

    /// Keeps the passphrase of the seals, so that [`App::refresh_seals`] can make the seals the
    /// organisation comes to need (daily, and after the organisation is saved).
    pub fn with_seal_passphrase(mut self, passphrase: secrecy::SecretString) -> Self {
        self.seal_passphrase = Some(Arc::new(passphrase));
        self
    }

    /// Brings the seals in line with the organisation today ([`seals::ensure_seals`]: a renamed
    /// body's new seal, an ended body's seal retired) and reopens the keyring when the seals in
    /// use changed (here or on another server). Nothing without the passphrase. Returns how many
    /// seals were made or retired here.
    pub async fn refresh_seals(&self) -> Result<usize> {
        let Some(passphrase) = self.seal_passphrase.clone() else {
            return Ok(0);
        };
        let changed = seals::ensure_seals(&self.store, &passphrase, self.today()).await?;
        let active: std::collections::BTreeSet<i64> = self
            .store
            .seals()
            .await?
            .into_iter()
            .filter(|s| !s.retired)
            .map(|s| s.id)
            .collect();
        if active != self.keyring().active_ids() {
            let ring = Keyring::open(&self.store, &passphrase).await?;
            *self.keyring.write().expect("keyring lock") = Arc::new(ring);
        }
        Ok(changed)
    }

    /// The portal's address, for the QR codes of documents.
    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// Reloads the organisation from the store (after an administrator changed it).
    pub async fn reload_org(&self) -> Result<()> {
        let org = self.store.organisation().await?;
        *self.org.write().expect("org lock") = org;
        Ok(())
    }

    /// Searches the catalogs in force today (names, topics, guides, materials and FAQs, with Chinese
    /// word segmentation, synonyms and pinyin), ranked also by how often each item was applied for
    /// in its county ([`App::popularity`]). The index is rebuilt when the date or the catalog
    /// changes.
    pub async fn search(
        &self,
        jurisdiction: Option<&str>,
        query: &str,
        limit: usize,
    ) -> Result<Vec<Hit>> {
        let key = (self.today(), self.store.catalog_version_count().await?);
        let current = self.search.read().expect("search lock").clone();
        let index = match current {
            Some((k, index)) if k == key => index,
            _ => {
                let mut versions = Vec::new();
                for j in self.org().jurisdictions.iter().filter(|j| j.has_catalog()) {
                    versions.extend(self.store.catalog_as_of(&j.code, key.0).await?);
                }
                let index = Arc::new(SearchIndex::build(&versions).map_err(AppError::internal)?);
                *self.search.write().expect("search lock") = Some((key, index.clone()));
                index
            }
        };
        let popularity = self.popularity(jurisdiction).await?;
        index
            .search_ranked(jurisdiction, query, limit, &popularity)
            .map_err(AppError::internal)
    }
}
