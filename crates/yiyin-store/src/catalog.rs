//! Persistence of the catalog: drafts, published versions (never changed once written) and the
//! catalog as of a date. The rules of publication are the domain's; the application layer loads the
//! history through this module, asks the domain for the next version and inserts it in the same
//! transaction.

use chrono::NaiveDate;
use yiyin_domain::catalog::{self, ChangeKind, Item, ItemVersion};

use crate::rows::{Json, day, from_row};
use crate::{Conflict, Result, Store, StoreError, WriteTx};

/// A draft being edited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub jurisdiction: String,
    pub item: Item,
    pub updated_at: i64,
    pub updated_by: String,
}

struct DraftRow {
    jurisdiction: String,
    body: Json<Item>,
    updated_at: i64,
    updated_by: String,
}

from_row!(DraftRow {
    jurisdiction,
    body,
    updated_at,
    updated_by,
});

impl From<DraftRow> for Draft {
    fn from(r: DraftRow) -> Self {
        Draft {
            jurisdiction: r.jurisdiction,
            item: r.body.0,
            updated_at: r.updated_at,
            updated_by: r.updated_by,
        }
    }
}

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

from_row!(VersionRow {
    jurisdiction,
    code,
    version,
    change_kind,
    effective_on,
    body,
    note,
    published_on,
    published_by,
});

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

const VERSION_COLUMNS: &str = "jurisdiction, code, version, change_kind, effective_on, body, note, published_on, published_by";
const DRAFT_COLUMNS: &str = "jurisdiction, body, updated_at, updated_by";

impl WriteTx {
    /// Every published version of one item, oldest first, as this transaction sees them.
    pub async fn item_history(
        &mut self,
        jurisdiction: &str,
        code: &str,
    ) -> Result<Vec<ItemVersion>> {
        versions(
            sqlx::query_as(&format!(
                "SELECT {VERSION_COLUMNS} FROM catalog_versions WHERE jurisdiction = $1 AND code = $2 ORDER BY version"
            ))
            .bind(jurisdiction)
            .bind(code)
            .fetch_all(&mut **self)
            .await?,
        )
    }

    /// Writes a published version; a version of the same number published meanwhile is a conflict.
    pub async fn insert_version(&mut self, v: &ItemVersion, at_ms: i64) -> Result<()> {
        let result = sqlx::query(
            "INSERT INTO catalog_versions (jurisdiction, code, version, change_kind, effective_on, name,
               department, body, note, published_on, published_by, published_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(&v.jurisdiction)
        .bind(&v.code)
        .bind(i64::from(v.version))
        .bind(v.change.code())
        .bind(day(v.effective_on))
        .bind(&v.item.name)
        .bind(&v.item.department)
        .bind(serde_json::to_string(&v.item)?)
        .bind(&v.note)
        .bind(day(v.published_on))
        .bind(&v.published_by)
        .bind(at_ms)
        .execute(&mut **self)
        .await;
        match result {
            Ok(_) => Ok(()),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                Err(StoreError::Conflict(Conflict::Taken {
                    what: "item version",
                    value: format!("{}/{}/{}", v.jurisdiction, v.code, v.version),
                }))
            }
            Err(e) => Err(e.into()),
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
        sqlx::query(
            "INSERT INTO catalog_drafts (jurisdiction, code, name, body, updated_at, updated_by)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (jurisdiction, code) DO UPDATE SET name = excluded.name, body = excluded.body,
               updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        )
        .bind(jurisdiction)
        .bind(&item.code)
        .bind(&item.name)
        .bind(serde_json::to_string(item)?)
        .bind(at_ms)
        .bind(by)
        .execute(&mut **self)
        .await?;
        Ok(())
    }

    /// Removes a draft and returns its item, if there was one.
    pub async fn take_draft(&mut self, jurisdiction: &str, code: &str) -> Result<Option<Item>> {
        let draft: Option<DraftRow> = sqlx::query_as(&format!(
            "SELECT {DRAFT_COLUMNS} FROM catalog_drafts WHERE jurisdiction = $1 AND code = $2"
        ))
        .bind(jurisdiction)
        .bind(code)
        .fetch_optional(&mut **self)
        .await?;
        sqlx::query("DELETE FROM catalog_drafts WHERE jurisdiction = $1 AND code = $2")
            .bind(jurisdiction)
            .bind(code)
            .execute(&mut **self)
            .await?;
        Ok(draft.map(|d| d.body.0))
    }
}

impl Store {
    pub async fn drafts(&self, jurisdiction: &str) -> Result<Vec<Draft>> {
        let rows: Vec<DraftRow> = sqlx::query_as(&format!(
            "SELECT {DRAFT_COLUMNS} FROM catalog_drafts WHERE jurisdiction = $1 ORDER BY code"
        ))
        .bind(jurisdiction)
        .fetch_all(self.reader())
        .await?;
        Ok(rows.into_iter().map(Draft::from).collect())
    }

    pub async fn draft(&self, jurisdiction: &str, code: &str) -> Result<Option<Draft>> {
        let row: Option<DraftRow> = sqlx::query_as(&format!(
            "SELECT {DRAFT_COLUMNS} FROM catalog_drafts WHERE jurisdiction = $1 AND code = $2"
        ))
        .bind(jurisdiction)
        .bind(code)
        .fetch_optional(self.reader())
        .await?;
        Ok(row.map(Draft::from))
    }

    /// How many versions all catalogs have published (changes whenever a catalog does).
    pub async fn catalog_version_count(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM catalog_versions")
            .fetch_one(self.reader())
            .await?)
    }

    /// How many versions a jurisdiction's catalog has ever published.
    pub async fn item_history_count(&self, jurisdiction: &str) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM catalog_versions WHERE jurisdiction = $1")
                .bind(jurisdiction)
                .fetch_one(self.reader())
                .await?,
        )
    }

    /// Every published version of one item, oldest first.
    pub async fn item_history(&self, jurisdiction: &str, code: &str) -> Result<Vec<ItemVersion>> {
        versions(
            sqlx::query_as(&format!(
                "SELECT {VERSION_COLUMNS} FROM catalog_versions WHERE jurisdiction = $1 AND code = $2 ORDER BY version"
            ))
            .bind(jurisdiction)
            .bind(code)
            .fetch_all(self.reader())
            .await?,
        )
    }

    /// One published version of an item.
    pub async fn item_version(
        &self,
        jurisdiction: &str,
        code: &str,
        version: u32,
    ) -> Result<Option<ItemVersion>> {
        let row: Option<VersionRow> = sqlx::query_as(&format!(
            "SELECT {VERSION_COLUMNS} FROM catalog_versions WHERE jurisdiction = $1 AND code = $2 AND version = $3"
        ))
        .bind(jurisdiction)
        .bind(code)
        .bind(i64::from(version))
        .fetch_optional(self.reader())
        .await?;
        row.map(ItemVersion::try_from).transpose()
    }

    /// The catalog of a jurisdiction as it stood on `date`, ordered by item code.
    pub async fn catalog_as_of(
        &self,
        jurisdiction: &str,
        date: NaiveDate,
    ) -> Result<Vec<ItemVersion>> {
        let all = versions(
            sqlx::query_as(&format!(
                "SELECT {VERSION_COLUMNS} FROM catalog_versions WHERE jurisdiction = $1 AND effective_on <= $2 ORDER BY code, version"
            ))
            .bind(jurisdiction)
            .bind(day(date))
            .fetch_all(self.reader())
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
        versions(
            sqlx::query_as(&format!(
                "SELECT {VERSION_COLUMNS} FROM catalog_versions WHERE jurisdiction = $1
                 ORDER BY published_at DESC, code, version DESC LIMIT $2"
            ))
            .bind(jurisdiction)
            .bind(limit)
            .fetch_all(self.reader())
            .await?,
        )
    }
}
