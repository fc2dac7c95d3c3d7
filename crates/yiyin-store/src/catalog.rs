//! Persistence of the catalog: drafts, published versions (never changed once written), the catalog as
//! of a date and the public changelog. The rules of publication are the domain's
//! (`yiyin_domain::catalog::next_version`, `retirement`); this module loads what they need and saves
//! what they return in one transaction.

use chrono::NaiveDate;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use yiyin_domain::calendar::{fmt_date, parse_date};
use yiyin_domain::catalog::{
    self, CatalogError, CatalogFile, ChangeKind, FieldChange, Item, ItemVersion,
};
use yiyin_domain::org::Jurisdiction;

use crate::{Result, Store, StoreError};

/// A draft being edited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub jurisdiction: String,
    pub item: Item,
    pub updated_at: i64,
    pub updated_by: String,
}

/// One entry of the public changelog: a version and what it changed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangelogEntry {
    pub version: ItemVersion,
    pub changes: Vec<FieldChange>,
}

/// How an import should land.
#[derive(Debug, Clone)]
pub enum ImportMode {
    /// As drafts, to be reviewed and published later.
    Drafts,
    /// Published at once with this effective date and note.
    Publish {
        effective_on: NaiveDate,
        note: String,
    },
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub drafts: usize,
    pub published: usize,
    pub unchanged: usize,
}

const VERSION_COLUMNS: &str = "jurisdiction, code, version, change_kind, effective_on, body, note, published_on, published_by";

fn version_from_row(row: &AnyRow) -> Result<ItemVersion> {
    let code: String = row.try_get("code")?;
    let corrupt = |what: &str| StoreError::Corrupt(format!("事项「{code}」的{what}"));
    let body: String = row.try_get("body")?;
    let change: String = row.try_get("change_kind")?;
    Ok(ItemVersion {
        jurisdiction: row.try_get("jurisdiction")?,
        version: u32::try_from(row.try_get::<i64, _>("version")?).map_err(|_| corrupt("版本号"))?,
        change: serde_json::from_value(serde_json::Value::String(change))
            .map_err(|_| corrupt("变更类型"))?,
        effective_on: parse_date(&row.try_get::<String, _>("effective_on")?)
            .map_err(|_| corrupt("生效日期"))?,
        item: serde_json::from_str(&body).map_err(|e| corrupt(&format!("内容：{e}")))?,
        note: row.try_get("note")?,
        published_on: parse_date(&row.try_get::<String, _>("published_on")?)
            .map_err(|_| corrupt("发布日期"))?,
        published_by: row.try_get("published_by")?,
        code,
    })
}

fn change_code(c: ChangeKind) -> &'static str {
    match c {
        ChangeKind::Added => "added",
        ChangeKind::Adjusted => "adjusted",
        ChangeKind::Retired => "retired",
    }
}

async fn history_in(
    conn: &mut AnyConnection,
    jurisdiction: &str,
    code: &str,
) -> Result<Vec<ItemVersion>> {
    let rows = sqlx::query(&format!(
        "SELECT {VERSION_COLUMNS} FROM catalog_versions WHERE jurisdiction = $1 AND code = $2 ORDER BY version"
    ))
    .bind(jurisdiction)
    .bind(code)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(version_from_row).collect()
}

async fn insert_version(conn: &mut AnyConnection, v: &ItemVersion) -> Result<()> {
    let result = sqlx::query(
        "INSERT INTO catalog_versions (jurisdiction, code, version, change_kind, effective_on, name,
           department, body, note, published_on, published_by, published_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&v.jurisdiction)
    .bind(&v.code)
    .bind(i64::from(v.version))
    .bind(change_code(v.change))
    .bind(fmt_date(v.effective_on))
    .bind(&v.item.name)
    .bind(&v.item.department)
    .bind(serde_json::to_string(&v.item).expect("item serialises"))
    .bind(&v.note)
    .bind(fmt_date(v.published_on))
    .bind(&v.published_by)
    .bind(chrono::Utc::now().timestamp_millis())
    .execute(&mut *conn)
    .await;
    match result {
        Ok(_) => Ok(()),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            Err(StoreError::Conflict(format!(
                "事项「{}」第{}版已由他人同时发布，请刷新后重试",
                v.item.name, v.version
            )))
        }
        Err(e) => Err(e.into()),
    }
}

async fn jurisdiction_in(conn: &mut AnyConnection, code: &str) -> Result<Jurisdiction> {
    let body: Option<String> = sqlx::query_scalar("SELECT body FROM jurisdictions WHERE code = $1")
        .bind(code)
        .fetch_optional(&mut *conn)
        .await?;
    let body = body.ok_or_else(|| StoreError::NotFound(format!("没有代码为「{code}」的县区")))?;
    serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(format!("县区「{code}」：{e}")))
}

fn rejected(e: CatalogError) -> StoreError {
    StoreError::Rejected(e.to_string())
}

impl Store {
    /// One jurisdiction of the organisation.
    pub async fn jurisdiction(&self, code: &str) -> Result<Jurisdiction> {
        let mut conn = self.reader().acquire().await?;
        jurisdiction_in(&mut conn, code).await
    }

    /// Saves (creates or replaces) the draft of an item. Drafts may still fail validation.
    pub async fn save_draft(&self, jurisdiction: &str, item: &Item, by: &str) -> Result<()> {
        let mut conn = self.writer().acquire().await?;
        jurisdiction_in(&mut conn, jurisdiction).await?;
        save_draft_in(&mut conn, jurisdiction, item, by).await
    }

    pub async fn drafts(&self, jurisdiction: &str) -> Result<Vec<Draft>> {
        let rows = sqlx::query(
            "SELECT jurisdiction, body, updated_at, updated_by FROM catalog_drafts WHERE jurisdiction = $1 ORDER BY code",
        )
        .bind(jurisdiction)
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(draft_from_row).collect()
    }

    pub async fn draft(&self, jurisdiction: &str, code: &str) -> Result<Option<Draft>> {
        let row = sqlx::query(
            "SELECT jurisdiction, body, updated_at, updated_by FROM catalog_drafts WHERE jurisdiction = $1 AND code = $2",
        )
        .bind(jurisdiction)
        .bind(code)
        .fetch_optional(self.reader())
        .await?;
        row.as_ref().map(draft_from_row).transpose()
    }

    pub async fn delete_draft(&self, jurisdiction: &str, code: &str) -> Result<bool> {
        let r = sqlx::query("DELETE FROM catalog_drafts WHERE jurisdiction = $1 AND code = $2")
            .bind(jurisdiction)
            .bind(code)
            .execute(self.writer())
            .await?;
        Ok(r.rows_affected() > 0)
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
        let mut conn = self.reader().acquire().await?;
        history_in(&mut conn, jurisdiction, code).await
    }

    /// Publishes the draft of an item with an effective date; the draft is consumed.
    pub async fn publish_draft(
        &self,
        jurisdiction: &str,
        code: &str,
        effective_on: NaiveDate,
        today: NaiveDate,
        note: &str,
        by: &str,
    ) -> Result<ItemVersion> {
        let mut tx = self.writer().begin().await?;
        let body: Option<String> = sqlx::query_scalar(
            "SELECT body FROM catalog_drafts WHERE jurisdiction = $1 AND code = $2",
        )
        .bind(jurisdiction)
        .bind(code)
        .fetch_optional(&mut *tx)
        .await?;
        let body =
            body.ok_or_else(|| StoreError::NotFound(format!("事项「{code}」没有待发布的草稿")))?;
        let item: Item = serde_json::from_str(&body)
            .map_err(|e| StoreError::Corrupt(format!("草稿「{code}」：{e}")))?;
        let version =
            publish_in(&mut tx, jurisdiction, item, effective_on, today, note, by).await?;
        sqlx::query("DELETE FROM catalog_drafts WHERE jurisdiction = $1 AND code = $2")
            .bind(jurisdiction)
            .bind(code)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(version)
    }

    /// Publishes an item directly (a new version of it, or its first).
    pub async fn publish_item(
        &self,
        jurisdiction: &str,
        item: Item,
        effective_on: NaiveDate,
        today: NaiveDate,
        note: &str,
        by: &str,
    ) -> Result<ItemVersion> {
        let mut tx = self.writer().begin().await?;
        let v = publish_in(&mut tx, jurisdiction, item, effective_on, today, note, by).await?;
        tx.commit().await?;
        Ok(v)
    }

    /// Retires an item from an effective date.
    pub async fn retire_item(
        &self,
        jurisdiction: &str,
        code: &str,
        effective_on: NaiveDate,
        today: NaiveDate,
        note: &str,
        by: &str,
    ) -> Result<ItemVersion> {
        let mut tx = self.writer().begin().await?;
        let history = history_in(&mut tx, jurisdiction, code).await?;
        if history.is_empty() {
            return Err(StoreError::NotFound(format!(
                "事项「{code}」尚未公布，不能取消"
            )));
        }
        let v = catalog::retirement(&history, effective_on, today, note, by).map_err(rejected)?;
        insert_version(&mut tx, &v).await?;
        tx.commit().await?;
        Ok(v)
    }

    /// The catalog of a jurisdiction as it stood on `date`, ordered by item code.
    pub async fn catalog_as_of(
        &self,
        jurisdiction: &str,
        date: NaiveDate,
    ) -> Result<Vec<ItemVersion>> {
        let rows = sqlx::query(&format!(
            "SELECT {VERSION_COLUMNS} FROM catalog_versions WHERE jurisdiction = $1 AND effective_on <= $2 ORDER BY code, version"
        ))
        .bind(jurisdiction)
        .bind(fmt_date(date))
        .fetch_all(self.reader())
        .await?;
        let versions: Vec<ItemVersion> =
            rows.iter().map(version_from_row).collect::<Result<_>>()?;
        Ok(catalog::as_of(&versions, date)
            .into_iter()
            .cloned()
            .collect())
    }

    /// The version of an item in force on `date`; an error naming the rule when there is none
    /// (no approval outside the catalog).
    pub async fn active_item(
        &self,
        jurisdiction: &str,
        code: &str,
        date: NaiveDate,
    ) -> Result<ItemVersion> {
        let history = self.item_history(jurisdiction, code).await?;
        catalog::active_version(&history, date)
            .cloned()
            .ok_or_else(|| rejected(CatalogError::NotInCatalog(code.to_string())))
    }

    /// The public changelog of a jurisdiction, newest publication first, each with what it changed.
    pub async fn changelog(&self, jurisdiction: &str, limit: i64) -> Result<Vec<ChangelogEntry>> {
        let rows = sqlx::query(&format!(
            "SELECT {VERSION_COLUMNS} FROM catalog_versions WHERE jurisdiction = $1
             ORDER BY published_at DESC, code, version DESC LIMIT $2"
        ))
        .bind(jurisdiction)
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let v = version_from_row(row)?;
            let changes = if v.change == ChangeKind::Adjusted {
                let previous: Option<String> = sqlx::query_scalar(
                    "SELECT body FROM catalog_versions WHERE jurisdiction = $1 AND code = $2 AND version = $3",
                )
                .bind(jurisdiction)
                .bind(&v.code)
                .bind(i64::from(v.version) - 1)
                .fetch_optional(self.reader())
                .await?;
                match previous {
                    Some(body) => {
                        let old: Item = serde_json::from_str(&body)
                            .map_err(|e| StoreError::Corrupt(format!("事项「{}」：{e}", v.code)))?;
                        catalog::diff_items(&old, &v.item)
                    }
                    None => vec![],
                }
            } else {
                vec![]
            };
            out.push(ChangelogEntry {
                version: v,
                changes,
            });
        }
        Ok(out)
    }

    /// Imports a catalog file in one transaction: every item lands, or none does. Items whose
    /// published content would not change are counted and skipped.
    pub async fn import_catalog(
        &self,
        file: &CatalogFile,
        mode: &ImportMode,
        today: NaiveDate,
        by: &str,
    ) -> Result<ImportReport> {
        let mut tx = self.writer().begin().await?;
        jurisdiction_in(&mut tx, &file.jurisdiction).await?;
        let mut report = ImportReport::default();
        let mut problems = Vec::new();
        for item in &file.items {
            match mode {
                ImportMode::Drafts => {
                    save_draft_in(&mut tx, &file.jurisdiction, item, by).await?;
                    report.drafts += 1;
                }
                ImportMode::Publish { effective_on, note } => {
                    match publish_in(
                        &mut tx,
                        &file.jurisdiction,
                        item.clone(),
                        *effective_on,
                        today,
                        note,
                        by,
                    )
                    .await
                    {
                        Ok(_) => report.published += 1,
                        Err(StoreError::Rejected(msg))
                            if msg == CatalogError::Unchanged.to_string() =>
                        {
                            report.unchanged += 1
                        }
                        Err(StoreError::Rejected(msg)) => {
                            problems.push(format!("事项「{}」{}：{msg}", item.code, item.name))
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
        }
        if !problems.is_empty() {
            tx.rollback().await?;
            return Err(StoreError::Rejected(format!(
                "导入未执行，{}处问题：\n{}",
                problems.len(),
                problems.join("\n")
            )));
        }
        tx.commit().await?;
        Ok(report)
    }
}

fn draft_from_row(row: &AnyRow) -> Result<Draft> {
    let body: String = row.try_get("body")?;
    Ok(Draft {
        jurisdiction: row.try_get("jurisdiction")?,
        item: serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(format!("草稿：{e}")))?,
        updated_at: row.try_get("updated_at")?,
        updated_by: row.try_get("updated_by")?,
    })
}

async fn save_draft_in(
    conn: &mut AnyConnection,
    jurisdiction: &str,
    item: &Item,
    by: &str,
) -> Result<()> {
    if !catalog::valid_code(&item.code) {
        return Err(StoreError::Rejected(
            "事项编码只能由字母、数字、-、_、. 组成，且不超过40个字符".into(),
        ));
    }
    sqlx::query(
        "INSERT INTO catalog_drafts (jurisdiction, code, name, body, updated_at, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (jurisdiction, code) DO UPDATE SET name = excluded.name, body = excluded.body,
           updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )
    .bind(jurisdiction)
    .bind(&item.code)
    .bind(&item.name)
    .bind(serde_json::to_string(item).expect("item serialises"))
    .bind(chrono::Utc::now().timestamp_millis())
    .bind(by)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn publish_in(
    conn: &mut AnyConnection,
    jurisdiction: &str,
    item: Item,
    effective_on: NaiveDate,
    today: NaiveDate,
    note: &str,
    by: &str,
) -> Result<ItemVersion> {
    let j = jurisdiction_in(conn, jurisdiction).await?;
    let history = history_in(conn, jurisdiction, &item.code).await?;
    let v = catalog::next_version(&history, &j, item, effective_on, today, note, by)
        .map_err(rejected)?;
    insert_version(conn, &v).await?;
    Ok(v)
}
