//! The catalog as use cases: drafts saved by the catalog administrator, a draft or an item published
//! as the next version (the domain's rules of publication, judged on the history read in the same
//! transaction), an item retired from a date, a whole catalog file imported (every item lands or
//! none does), the public changelog with what each version changed, and the national list report
//! (licensing items without an entry in the national list, items assumed for the demo). The CLI
//! calls the functions on a store; the pages call the [`App`] methods, which check the
//! administrator's duty first.

use chrono::NaiveDate;
use serde::Serialize;
use yiyin_domain::authz::Operation;
use yiyin_domain::catalog::{
    self, CatalogError, CatalogFile, ChangeKind, FieldChange, Item, ItemKind, ItemVersion,
    Publication,
};
use yiyin_domain::refusal::Refusal;
use yiyin_domain::sources::{SourceKind, is_assumed};
use yiyin_store::{Store, WriteTx};

use crate::App;
use crate::error::{AppError, Result};
use crate::principal::Principal;

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

/// One entry of the public changelog: a version and what it changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangelogEntry {
    pub version: ItemVersion,
    pub changes: Vec<FieldChange>,
}

fn refused(e: CatalogError) -> AppError {
    AppError::Refused(Refusal::new("catalog", e.to_string()))
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Publishes `item` as its next version in the transaction; a version the domain refuses is the
/// inner error (nothing written).
async fn publish_in(
    tx: &mut WriteTx,
    jurisdiction: &str,
    item: Item,
    p: Publication<'_>,
) -> Result<std::result::Result<ItemVersion, CatalogError>> {
    let j = tx.jurisdiction(jurisdiction).await?;
    let history = tx.item_history(jurisdiction, &item.code).await?;
    match catalog::next_version(&history, &j, item, p) {
        Ok(v) => {
            tx.insert_version(&v, now_ms()).await?;
            Ok(Ok(v))
        }
        Err(e) => Ok(Err(e)),
    }
}

/// What an item is published with.
enum Content<'a> {
    /// The draft of the item with this code, consumed.
    Draft(&'a str),
    /// This content.
    Given(Box<Item>),
}

/// Publishes an item's next version in a transaction of its own; a version the domain refuses is
/// refused (nothing written, the draft kept).
async fn publish_committed(
    store: &Store,
    jurisdiction: &str,
    content: Content<'_>,
    p: Publication<'_>,
) -> Result<ItemVersion> {
    let mut tx = store.begin_write().await?;
    let item = match content {
        Content::Draft(code) => tx
            .take_draft(jurisdiction, code)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("事项「{code}」没有待发布的草稿")))?,
        Content::Given(item) => *item,
    };
    let v = publish_in(&mut tx, jurisdiction, item, p)
        .await?
        .map_err(refused)?;
    tx.commit().await?;
    Ok(v)
}

async fn save_draft_in(tx: &mut WriteTx, jurisdiction: &str, item: &Item, by: &str) -> Result<()> {
    if !catalog::valid_code(&item.code) {
        return Err(AppError::field(
            "code",
            "事项编码只能由字母、数字、-、_、. 组成，且不超过40个字符",
        ));
    }
    tx.save_draft(jurisdiction, item, by, now_ms()).await?;
    Ok(())
}

/// Saves (creates or replaces) the draft of an item. A draft may still fail validation.
pub async fn save_draft(store: &Store, jurisdiction: &str, item: &Item, by: &str) -> Result<()> {
    let mut tx = store.begin_write().await?;
    tx.jurisdiction(jurisdiction).await?;
    save_draft_in(&mut tx, jurisdiction, item, by).await?;
    tx.commit().await?;
    Ok(())
}

/// Publishes the draft of an item with an effective date; the draft is consumed.
pub async fn publish_draft(
    store: &Store,
    jurisdiction: &str,
    code: &str,
    p: Publication<'_>,
) -> Result<ItemVersion> {
    publish_committed(store, jurisdiction, Content::Draft(code), p).await
}

/// Publishes an item directly (a new version of it, or its first).
pub async fn publish_item(
    store: &Store,
    jurisdiction: &str,
    item: Item,
    p: Publication<'_>,
) -> Result<ItemVersion> {
    publish_committed(store, jurisdiction, Content::Given(Box::new(item)), p).await
}

/// Retires an item from an effective date.
pub async fn retire_item(
    store: &Store,
    jurisdiction: &str,
    code: &str,
    p: Publication<'_>,
) -> Result<ItemVersion> {
    let mut tx = store.begin_write().await?;
    let history = tx.item_history(jurisdiction, code).await?;
    if history.is_empty() {
        return Err(AppError::NotFound(format!(
            "事项「{code}」尚未公布，不能取消"
        )));
    }
    let v = catalog::retirement(&history, p).map_err(refused)?;
    tx.insert_version(&v, now_ms()).await?;
    tx.commit().await?;
    Ok(v)
}

/// Imports a catalog file in one transaction: every item lands, or none does. Items whose
/// published content would not change are counted and skipped.
pub async fn import_catalog(
    store: &Store,
    file: &CatalogFile,
    mode: &ImportMode,
    today: NaiveDate,
    by: &str,
) -> Result<ImportReport> {
    let mut tx = store.begin_write().await?;
    tx.jurisdiction(&file.jurisdiction).await?;
    let mut report = ImportReport::default();
    let mut problems = Vec::new();
    for item in &file.items {
        match mode {
            ImportMode::Drafts => {
                save_draft_in(&mut tx, &file.jurisdiction, item, by).await?;
                report.drafts += 1;
            }
            ImportMode::Publish { effective_on, note } => {
                let p = Publication {
                    effective_on: *effective_on,
                    today,
                    note,
                    by,
                };
                match publish_in(&mut tx, &file.jurisdiction, item.clone(), p).await? {
                    Ok(_) => report.published += 1,
                    Err(CatalogError::Unchanged) => report.unchanged += 1,
                    Err(e) => problems.push(format!("事项「{}」{}：{e}", item.code, item.name)),
                }
            }
        }
    }
    if !problems.is_empty() {
        tx.rollback().await?;
        return Err(AppError::Refused(Refusal::new(
            "catalog",
            format!(
                "导入未执行，{}处问题：\n{}",
                problems.len(),
                problems.join("\n")
            ),
        )));
    }
    tx.commit().await?;
    Ok(report)
}

/// The items of a jurisdiction's catalog in force on a date.
pub async fn items_as_of(store: &Store, jurisdiction: &str, on: NaiveDate) -> Result<Vec<Item>> {
    let versions = store.catalog_as_of(jurisdiction, on).await?;
    Ok(versions.into_iter().map(|v| v.item).collect())
}

/// The public changelog of a jurisdiction, newest publication first, each with what it changed.
pub async fn changelog(
    store: &Store,
    jurisdiction: &str,
    limit: i64,
) -> Result<Vec<ChangelogEntry>> {
    let mut out = Vec::new();
    for v in store.recent_versions(jurisdiction, limit).await? {
        let changes = if v.change == ChangeKind::Adjusted && v.version > 1 {
            match store
                .item_version(jurisdiction, &v.code, v.version - 1)
                .await?
            {
                Some(old) => catalog::diff_items(&old.item, &v.item),
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

/// An item named by the national list report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportedItem {
    /// 事项编码
    pub code: String,
    pub name: String,
    /// The department's code and its name on the report's date.
    pub department: String,
    pub department_name: String,
    pub kind: ItemKind,
    /// The version in force on the report's date.
    pub version: u32,
    /// What was assumed for the demo (the cites of its 演示假定 sources; empty for the items
    /// without a national entry that assume nothing).
    pub assumed: Vec<String>,
}

/// The national list report (国家事项清单对照): a jurisdiction's items in force on a date that are
/// licensing items without an entry in the national list of licensing items, and, separately, the
/// items whose facts are partly assumed for the demo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NationalReport {
    pub jurisdiction: String,
    pub jurisdiction_name: String,
    pub date: NaiveDate,
    /// How many items are in force on the date.
    pub in_force: usize,
    /// How many of them are licensing items.
    pub licensing: usize,
    /// Licensing items without a national list entry (行政许可事项未对应国家清单).
    pub without_national: Vec<ReportedItem>,
    /// Items with a source assumed for the demo (演示假定), whatever their kind.
    pub assumed: Vec<ReportedItem>,
}

/// The national list report of a jurisdiction's catalog in force on `date`.
pub async fn national_report(
    store: &Store,
    jurisdiction: &str,
    date: NaiveDate,
) -> Result<NationalReport> {
    let j = store.jurisdiction(jurisdiction).await?;
    let versions = store.catalog_as_of(jurisdiction, date).await?;
    let reported = |v: &ItemVersion| {
        let i = &v.item;
        ReportedItem {
            code: i.code.clone(),
            name: i.name.clone(),
            department: i.department.clone(),
            department_name: j
                .department(&i.department)
                .map_or_else(|| i.department.clone(), |d| d.name_on(date).to_string()),
            kind: i.kind,
            version: v.version,
            assumed: i
                .sources
                .iter()
                .filter(|s| s.kind == SourceKind::Assumed)
                .map(|s| s.cite.clone())
                .collect(),
        }
    };
    let licensing = versions
        .iter()
        .filter(|v| v.item.kind == ItemKind::Licensing)
        .count();
    Ok(NationalReport {
        jurisdiction: j.code.clone(),
        jurisdiction_name: j.name_on(date).to_string(),
        date,
        in_force: versions.len(),
        licensing,
        without_national: versions
            .iter()
            .filter(|v| v.item.kind == ItemKind::Licensing && v.item.national.is_none())
            .map(reported)
            .collect(),
        assumed: versions
            .iter()
            .filter(|v| is_assumed(&v.item.sources))
            .map(reported)
            .collect(),
    })
}

/// The jurisdiction's catalog administrator may edit its catalog: their name, as the author of
/// what they write.
fn catalog_admin<'a>(who: &'a Principal, jurisdiction: &str) -> Result<&'a str> {
    who.require_in(Operation::ManageCatalog, jurisdiction)?;
    Ok(&who.account.name)
}

impl App {
    /// Saves a draft for the jurisdiction's catalog administrator; a new item's code must be free.
    #[tracing::instrument(skip_all, fields(account = who.account.id))]
    pub async fn save_draft(
        &self,
        who: &Principal,
        jurisdiction: &str,
        item: &Item,
        new: bool,
    ) -> Result<()> {
        let by = catalog_admin(who, jurisdiction)?;
        if new
            && (!self
                .store
                .item_history(jurisdiction, &item.code)
                .await?
                .is_empty()
                || self.store.draft(jurisdiction, &item.code).await?.is_some())
        {
            return Err(AppError::field(
                "code",
                format!("事项编码「{}」已存在", item.code),
            ));
        }
        save_draft(&self.store, jurisdiction, item, by).await
    }

    /// A publication made today.
    pub fn publication<'a>(
        &self,
        effective_on: NaiveDate,
        note: &'a str,
        by: &'a str,
    ) -> Publication<'a> {
        Publication {
            effective_on,
            today: self.today(),
            note,
            by,
        }
    }

    /// Publishes a draft for the jurisdiction's catalog administrator.
    #[tracing::instrument(skip_all, fields(account = who.account.id))]
    pub async fn publish_draft(
        &self,
        who: &Principal,
        jurisdiction: &str,
        code: &str,
        effective_on: NaiveDate,
        note: &str,
    ) -> Result<ItemVersion> {
        let by = catalog_admin(who, jurisdiction)?;
        let p = self.publication(effective_on, note, by);
        let version = publish_draft(&self.store, jurisdiction, code, p).await?;
        // A department that now decides an item in its own name needs its seal before the first
        // case is decided, not at the next minute's sweep.
        self.refresh_seals().await?;
        Ok(version)
    }

    /// Retires an item for the jurisdiction's catalog administrator.
    #[tracing::instrument(skip_all, fields(account = who.account.id))]
    pub async fn retire_item(
        &self,
        who: &Principal,
        jurisdiction: &str,
        code: &str,
        effective_on: NaiveDate,
        note: &str,
    ) -> Result<ItemVersion> {
        let by = catalog_admin(who, jurisdiction)?;
        let p = self.publication(effective_on, note, by);
        retire_item(&self.store, jurisdiction, code, p).await
    }

    /// The national list report, for the jurisdiction's catalog administrator.
    #[tracing::instrument(skip_all, fields(account = who.account.id))]
    pub async fn national_report(
        &self,
        who: &Principal,
        jurisdiction: &str,
        date: NaiveDate,
    ) -> Result<NationalReport> {
        catalog_admin(who, jurisdiction)?;
        national_report(&self.store, jurisdiction, date).await
    }

    /// The public changelog.
    pub async fn changelog(&self, jurisdiction: &str, limit: i64) -> Result<Vec<ChangelogEntry>> {
        changelog(&self.store, jurisdiction, limit).await
    }
}
