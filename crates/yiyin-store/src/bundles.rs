//! Persistence of bundles (一件事): the catalog's bundle definitions, versioned (never changed once
//! written), and the bundles received — the bundle's one case of intake and of the joint clock
//! with its release (JSON; the members' decisions are their own cases', `cases.bundle_id`), the
//! definition resolved for the application, and its member items with their departments. The
//! rules are `yiyin_domain::catalog::bundle`'s and `yiyin_domain::engine`'s.

use chrono::NaiveDate;
use yiyin_domain::catalog::bundle::{BundleSpec, BundleVersion, Resolved};
use yiyin_domain::engine::joint::JointBundle;
use yiyin_domain::party::Applicant;

use crate::paging::IdPage;
use crate::rows::{Json, Statement, day, insert, record, select, sql};
use crate::{Conflict, Result, Store, StoreError, WriteTx};

record! {
    struct VersionRow {
        jurisdiction: String,
        code: String,
        version: i64,
        effective_on: NaiveDate,
        body: Json<BundleSpec>,
        note: String,
        published_on: NaiveDate,
        published_by: String,
    }
}

impl From<VersionRow> for BundleVersion {
    fn from(r: VersionRow) -> Self {
        BundleVersion {
            jurisdiction: r.jurisdiction,
            code: r.code,
            version: u32::try_from(r.version).unwrap_or(0),
            effective_on: r.effective_on,
            spec: r.body.0,
            note: r.note,
            published_on: r.published_on,
            published_by: r.published_by,
        }
    }
}

record! {
    /// A bundle received, as stored.
    #[derive(Debug, Clone)]
    pub struct BundleRecord {
        pub id: i64,
        pub jurisdiction: String,
        pub number: String,
        pub bundle_code: String,
        pub bundle_version: i64,
        pub name: String,
        pub lead_department: String,
        pub applicant: Json<BundleApplicant>,
        pub applicant_account: Option<i64>,
        pub resolved: Json<Resolved>,
        pub body: Json<JointBundle>,
        pub state: String,
        pub version: i64,
        pub received_at: i64,
        pub updated_at: i64,
    }
}

/// Which of a jurisdiction's bundles a reader may see, as the store filters them: every one
/// (`all`), or those led by one of the `leads` departments and those with a member item of one of
/// the `members` (department, handling mode); nothing listed reaches none.
#[derive(Debug, Clone, Default)]
pub struct BundleScope {
    pub all: bool,
    pub leads: Vec<String>,
    pub members: Vec<(String, String)>,
}

/// The conditions of a reader's bundles of a jurisdiction, after `WHERE `.
fn push_scope<'q>(q: &mut Statement<'q>, jurisdiction: &'q str, scope: &'q BundleScope) {
    q.push("jurisdiction = ").push_bind(jurisdiction);
    if scope.all {
        return;
    }
    q.push(" AND (1 = 0");
    if !scope.leads.is_empty() {
        q.push(" OR lead_department");
        q.push_in(&scope.leads);
    }
    // One member condition per handling mode, the departments of that mode listed.
    let mut modes: Vec<&str> = scope.members.iter().map(|(_, m)| m.as_str()).collect();
    modes.sort_unstable();
    modes.dedup();
    for mode in modes {
        let departments: Vec<&'q str> = scope
            .members
            .iter()
            .filter(|(_, m)| m == mode)
            .map(|(d, _)| d.as_str())
            .collect();
        q.push(" OR id IN (SELECT bundle_id FROM bundle_members WHERE handling_mode = ")
            .push_bind(mode)
            .push(" AND department");
        q.push_in(&departments);
        q.push(")");
    }
    q.push(")");
}

/// The applicant of a bundle as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BundleApplicant {
    /// `person` or `organisation`.
    pub kind: String,
    pub name: String,
    pub id_number: String,
    pub phone: String,
}

impl From<&Applicant> for BundleApplicant {
    fn from(a: &Applicant) -> Self {
        BundleApplicant {
            kind: a.kind.code().to_string(),
            name: a.name.clone(),
            id_number: a.id_number.as_str().to_string(),
            phone: a.phone.clone(),
        }
    }
}

record! {
    /// A member item of a received bundle.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct BundleMemberRow {
        pub bundle_id: i64,
        pub item_code: String,
        pub item_version: i64,
        pub item_name: String,
        pub department: String,
        pub handling_mode: String,
    }
}

/// A bundle to write.
pub struct NewBundle<'a> {
    pub jurisdiction: &'a str,
    pub number: &'a str,
    pub bundle_code: &'a str,
    pub bundle_version: i64,
    pub name: &'a str,
    pub lead_department: &'a str,
    pub applicant: &'a Applicant,
    pub resolved: &'a Resolved,
    pub body: &'a JointBundle,
    /// The bundle's state code (its intake's, or `released`).
    pub state: &'a str,
    pub received_by: i64,
    pub at_ms: i64,
}

fn history_of<'q>(jurisdiction: &'q str, code: &'q str) -> crate::rows::Statement<'q> {
    let from = "bundle_versions WHERE jurisdiction = $1 AND code = $2 ORDER BY version";
    sql!(select::<VersionRow>(from); jurisdiction, code)
}

impl WriteTx {
    /// Every published version of a bundle, oldest first, as this transaction sees them.
    pub async fn bundle_history(
        &mut self,
        jurisdiction: &str,
        code: &str,
    ) -> Result<Vec<BundleVersion>> {
        let rows: Vec<VersionRow> = history_of(jurisdiction, code).all(&mut **self).await?;
        Ok(rows.into_iter().map(BundleVersion::from).collect())
    }

    /// Writes a published bundle version; one of the same number published meanwhile is a
    /// conflict.
    pub async fn insert_bundle_version(&mut self, v: &BundleVersion, at_ms: i64) -> Result<()> {
        let result = insert!("bundle_versions", v;
            jurisdiction, code, version = i64::from(v.version),
            effective_on = day(v.effective_on), name = &v.spec.name,
            lead_department = &v.spec.lead_department, body = serde_json::to_string(&v.spec)?,
            note, published_on = day(v.published_on), published_by, published_at = at_ms)
        .run(&mut **self)
        .await;
        match result {
            Err(e) if e.is_unique_violation() => Err(StoreError::Conflict(Conflict::Taken {
                what: "bundle version",
                value: format!("{}/{}/{}", v.jurisdiction, v.code, v.version),
            })),
            other => other,
        }
    }

    /// Writes a received bundle and its members; returns its id.
    pub async fn insert_bundle(
        &mut self,
        b: &NewBundle<'_>,
        members: &[BundleMemberRow],
    ) -> Result<i64> {
        let id: i64 = insert!("bundles", b;
            jurisdiction, number, bundle_code, bundle_version, name, lead_department,
            applicant = serde_json::to_string(&BundleApplicant::from(b.applicant))?,
            applicant_id = b.applicant.id_number.as_str(),
            applicant_account = b.applicant.account,
            resolved = serde_json::to_string(b.resolved)?,
            body = serde_json::to_string(b.body)?, state = b.state,
            version = 1_i64, received_by, received_at = b.at_ms, updated_at = b.at_ms;
            "RETURNING id")
        .scalar(&mut **self)
        .await?;
        for m in members {
            insert!("bundle_members", m;
                bundle_id = id, item_code, item_version, item_name, department, handling_mode)
            .run(&mut **self)
            .await?;
        }
        Ok(id)
    }

    /// Replaces a bundle's body and state if it is still at `version` (optimistic concurrency).
    pub async fn update_bundle(
        &mut self,
        id: i64,
        version: i64,
        body: &JointBundle,
        state: &str,
        at_ms: i64,
    ) -> Result<()> {
        sql!(
            "UPDATE bundles SET body = $1, state = $2, version = version + 1, updated_at = $3
             WHERE id = $4 AND version = $5";
            serde_json::to_string(body)?, state, at_ms, id, version)
        .run_once(&mut **self, "bundle")
        .await
    }
}

impl Store {
    /// Every published version of a bundle, oldest first.
    pub async fn bundle_history(
        &self,
        jurisdiction: &str,
        code: &str,
    ) -> Result<Vec<BundleVersion>> {
        let rows: Vec<VersionRow> = history_of(jurisdiction, code).all(self.reader()).await?;
        Ok(rows.into_iter().map(BundleVersion::from).collect())
    }

    /// Every published version of every bundle of a jurisdiction, by code then version.
    pub async fn bundle_versions(&self, jurisdiction: &str) -> Result<Vec<BundleVersion>> {
        let from = "bundle_versions WHERE jurisdiction = $1 ORDER BY code, version";
        let rows: Vec<VersionRow> = sql!(select::<VersionRow>(from); jurisdiction)
            .all(self.reader())
            .await?;
        Ok(rows.into_iter().map(BundleVersion::from).collect())
    }

    /// A received bundle.
    pub async fn bundle(&self, id: i64) -> Result<Option<BundleRecord>> {
        sql!(select::<BundleRecord>("bundles WHERE id = $1"); id)
            .optional(self.reader())
            .await
    }

    /// A received bundle by its number.
    pub async fn bundle_by_number(&self, number: &str) -> Result<Option<BundleRecord>> {
        sql!(select::<BundleRecord>("bundles WHERE number = $1"); number)
            .optional(self.reader())
            .await
    }

    /// The member items of a bundle, in the order written.
    pub async fn bundle_members(&self, bundle_id: i64) -> Result<Vec<BundleMemberRow>> {
        let from = "bundle_members WHERE bundle_id = $1 ORDER BY item_code";
        sql!(select::<BundleMemberRow>(from); bundle_id)
            .all(self.reader())
            .await
    }

    /// The bundles of a jurisdiction, newest first (at most `limit`).
    pub async fn bundles(&self, jurisdiction: &str, limit: i64) -> Result<Vec<BundleRecord>> {
        let from = "bundles WHERE jurisdiction = $1 ORDER BY id DESC LIMIT $2";
        sql!(select::<BundleRecord>(from); jurisdiction, limit)
            .all(self.reader())
            .await
    }

    /// A page of the bundles of a jurisdiction a reader may see (`scope`), newest first: those
    /// before the bundle `after` (None: the first page), at most `limit` (1 to 1000), and how
    /// many the reader may see in all.
    pub async fn bundle_page(
        &self,
        jurisdiction: &str,
        scope: &BundleScope,
        after: Option<i64>,
        limit: i64,
    ) -> Result<IdPage<BundleRecord>> {
        let limit = limit.clamp(1, 1000);
        let mut q = Statement::new(select::<BundleRecord>("bundles WHERE "));
        push_scope(&mut q, jurisdiction, scope);
        q.push(" AND id < ")
            .push_bind(after.unwrap_or(i64::MAX))
            .push(" ORDER BY id DESC LIMIT ")
            .push_bind(limit + 1);
        let rows = q.all(self.reader()).await?;
        let mut count = Statement::new("SELECT COUNT(*) FROM bundles WHERE ");
        push_scope(&mut count, jurisdiction, scope);
        let count = count.scalar(self.reader()).await?;
        Ok(IdPage::cut(rows, limit, count, |r| r.id))
    }

    /// The bundles received whose intake has had no act yet (state `received`), oldest first (at
    /// most `limit`): those the intake sweep looks at for deemed acceptance (Art. 32).
    pub async fn bundles_received(&self, limit: i64) -> Result<Vec<i64>> {
        sql!("SELECT id FROM bundles WHERE state = 'received' ORDER BY id LIMIT $1"; limit)
            .scalars(self.reader())
            .await
    }

    /// The bundles an applicant's account applied for, newest first.
    pub async fn bundles_of_account(&self, account: i64) -> Result<Vec<BundleRecord>> {
        let from = "bundles WHERE applicant_account = $1 ORDER BY id DESC";
        sql!(select::<BundleRecord>(from); account)
            .all(self.reader())
            .await
    }
}
