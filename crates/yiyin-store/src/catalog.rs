//! Persistence of the catalog: drafts, published versions (never changed once written) and the
//! catalog as of a date. The rules of publication are the domain's; the application layer loads the
//! history through this module, asks the domain for the next version and inserts it in the same
//! transaction.

use chrono::NaiveDate;
use yiyin_domain::catalog::{self, ChangeKind, Item, ItemVersion};

use crate::rows::{Json, Statement, day, insert, record, select, sql};
use crate::{Conflict, Result, Store, StoreError, WriteTx};

record! {
    /// A draft being edited.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Draft {
        pub jurisdiction: String,
        pub item: Item as "body",
        pub updated_at: i64,
        pub updated_by: String,
    }
}

record! {
    struct VersionRow {
        jurisdiction: String,
        code: String,
        version: i64,
        change_kind: ChangeKind,
        effective_on: NaiveDate,
        body: Json<Item>,
        note: String,
        published_on: NaiveDate,
        published_by: String,
    }
}

impl TryFrom<VersionRow> for ItemVersion {
    type Error = StoreError;

    fn try_from(r: VersionRow) -> Result<Self> {
        Ok(ItemVersion {
            version: u32::try_from(r.version).map_err(|_| {
                StoreError::Corrupt(format!("item {} version {}", r.code, r.version))
            })?,
            jurisdiction: r.jurisdiction,
            code: r.code,
            change: r.change_kind,
            effective_on: r.effective_on,
            item: r.body.0,
            note: r.note,
            published_on: r.published_on,
            published_by: r.published_by,
        })
    }
}

fn versions(rows: Vec<VersionRow>) -> Result<Vec<ItemVersion>> {
    rows.into_iter().map(ItemVersion::try_from).collect()
}

/// The published versions of one item, oldest first.
fn history<'q>(jurisdiction: &'q str, code: &'q str) -> Statement<'q> {
    let from = "catalog_versions WHERE jurisdiction = $1 AND code = $2 ORDER BY version";
    sql!(select::<VersionRow>(from); jurisdiction, code)
}

/// The draft of one item.
fn draft<'q>(jurisdiction: &'q str, code: &'q str) -> Statement<'q> {
    let from = "catalog_drafts WHERE jurisdiction = $1 AND code = $2";
    sql!(select::<Draft>(from); jurisdiction, code)
}

impl WriteTx {
    /// Every published version of one item, oldest first, as this transaction sees them.
    pub async fn item_history(
        &mut self,
        jurisdiction: &str,
        code: &str,
    ) -> Result<Vec<ItemVersion>> {
        versions(history(jurisdiction, code).all(&mut **self).await?)
    }

    /// Writes a published version; a version of the same number published meanwhile is a conflict.
    pub async fn insert_version(&mut self, v: &ItemVersion, at_ms: i64) -> Result<()> {
        let result = insert!("catalog_versions", v;
            jurisdiction, code, version = i64::from(v.version), change_kind = v.change.code(),
            effective_on = day(v.effective_on), name = &v.item.name,
            department = &v.item.department, body = serde_json::to_string(&v.item)?, note,
            published_on = day(v.published_on), published_by, published_at = at_ms)
        .run(&mut **self)
        .await;
        match result {
            Err(e) if e.is_unique_violation() => Err(StoreError::Conflict(Conflict::Taken {
                what: "item version",
                value: format!("{}/{}/{}", v.jurisdiction, v.code, v.version),
            })),
            other => other,
        }
    }

    /// Creates or replaces the draft of an item.
    pub async fn save_draft(
        &mut self,
        jurisdiction: &str,
        item: &Item,
        by: &str,
        at_ms: i64,
    ) -> Result<()> {
        insert!("catalog_drafts";
            jurisdiction, code = &item.code, name = &item.name,
            body = serde_json::to_string(item)?, updated_at = at_ms, updated_by = by;
            "ON CONFLICT (jurisdiction, code) DO UPDATE SET name = excluded.name, body = excluded.body,
               updated_at = excluded.updated_at, updated_by = excluded.updated_by")
        .run(&mut **self)
        .await
    }

    /// Removes a draft and returns its item, if there was one.
    pub async fn take_draft(&mut self, jurisdiction: &str, code: &str) -> Result<Option<Item>> {
        let draft: Option<Draft> = draft(jurisdiction, code).optional(&mut **self).await?;
        sql!(
            "DELETE FROM catalog_drafts WHERE jurisdiction = $1 AND code = $2";
            jurisdiction, code
        )
        .run(&mut **self)
        .await?;
        Ok(draft.map(|d| d.item))
    }
}

impl Store {
    pub async fn drafts(&self, jurisdiction: &str) -> Result<Vec<Draft>> {
        let from = "catalog_drafts WHERE jurisdiction = $1 ORDER BY code";
        sql!(select::<Draft>(from); jurisdiction)
            .all(self.reader())
            .await
    }

    pub async fn draft(&self, jurisdiction: &str, code: &str) -> Result<Option<Draft>> {
        draft(jurisdiction, code).optional(self.reader()).await
    }

    /// How many versions all catalogs have published (changes whenever a catalog does).
    pub async fn catalog_version_count(&self) -> Result<i64> {
        sql!("SELECT COUNT(*) FROM catalog_versions")
            .scalar(self.reader())
            .await
    }

    /// How many versions a jurisdiction's catalog has ever published.
    pub async fn item_history_count(&self, jurisdiction: &str) -> Result<i64> {
        sql!("SELECT COUNT(*) FROM catalog_versions WHERE jurisdiction = $1"; jurisdiction)
            .scalar(self.reader())
            .await
    }

    /// Every published version of one item, oldest first.
    pub async fn item_history(&self, jurisdiction: &str, code: &str) -> Result<Vec<ItemVersion>> {
        versions(history(jurisdiction, code).all(self.reader()).await?)
    }

    /// One published version of an item.
    pub async fn item_version(
        &self,
        jurisdiction: &str,
        code: &str,
        version: u32,
    ) -> Result<Option<ItemVersion>> {
        let from = "catalog_versions WHERE jurisdiction = $1 AND code = $2 AND version = $3";
        let row: Option<VersionRow> =
            sql!(select::<VersionRow>(from); jurisdiction, code, i64::from(version))
                .optional(self.reader())
                .await?;
        row.map(ItemVersion::try_from).transpose()
    }

    /// The catalog of a jurisdiction as it stood on `date`, ordered by item code.
    pub async fn catalog_as_of(
        &self,
        jurisdiction: &str,
        date: NaiveDate,
    ) -> Result<Vec<ItemVersion>> {
        let from = "catalog_versions WHERE jurisdiction = $1 AND effective_on <= $2 ORDER BY code, version";
        let all = versions(
            sql!(select::<VersionRow>(from); jurisdiction, day(date))
                .all(self.reader())
                .await?,
        )?;
        Ok(catalog::as_of(&all, date).into_iter().cloned().collect())
    }

    /// A jurisdiction's publications, newest first.
    pub async fn recent_versions(
        &self,
        jurisdiction: &str,
        limit: i64,
    ) -> Result<Vec<ItemVersion>> {
        let from = "catalog_versions WHERE jurisdiction = $1
                 ORDER BY published_at DESC, code, version DESC LIMIT $2";
        versions(
            sql!(select::<VersionRow>(from); jurisdiction, limit)
                .all(self.reader())
                .await?,
        )
    }
}
