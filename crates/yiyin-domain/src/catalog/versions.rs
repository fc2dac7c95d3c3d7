//! The versions of an item: publication (new or adjusted), retirement, and the catalog as it stood
//! on any date. Published versions are never changed; outside the published catalog there is no
//! approval.

use std::collections::BTreeMap;

use super::validate::FieldError;
use super::*;
use crate::calendar::fmt_date;
use crate::org::Jurisdiction;

/// Why a publication or retirement is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    #[error(
        "生效日期 {effective} 早于发布日期 {today}：已公布的目录不能追溯修改，生效日期不得早于今天"
    )]
    EffectiveInPast { effective: String, today: String },
    #[error("生效日期 {effective} 早于该事项上一版本的生效日期 {previous}")]
    BeforePrevious { effective: String, previous: String },
    #[error("事项「{0}」已取消，不能再次取消")]
    AlreadyRetired(String),
    #[error("事项「{0}」尚未公布，不能取消")]
    NotPublished(String),
    #[error("事项「{code}」有{}处错误：{}", .errors.len(), .errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("；"))]
    Invalid {
        code: String,
        errors: Vec<FieldError>,
    },
    #[error(
        "事项「{0}」不在已公布的目录中或已取消（依据《行政许可法》第三十条及“目录之外无审批”的要求，不得受理目录以外的事项）"
    )]
    NotInCatalog(String),
    #[error("发布内容与当前版本完全相同，无需发布新版本")]
    Unchanged,
    #[error("调整说明不能为空，请写明为什么调整")]
    MissingNote,
}

/// When, why and by whom a version is published (or an item retired): the day it takes effect,
/// the day of publication, the administrator's note (required for an adjustment or a
/// retirement) and the administrator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Publication<'a> {
    pub effective_on: NaiveDate,
    pub today: NaiveDate,
    pub note: &'a str,
    pub by: &'a str,
}

/// Builds the next version of an item for publication (new or adjusted), checking the rules of a
/// versioned catalog. `history` is the item's existing versions in order.
pub fn next_version(
    history: &[ItemVersion],
    jurisdiction: &Jurisdiction,
    item: Item,
    p: Publication,
) -> Result<ItemVersion, CatalogError> {
    let mut errors = item.validate(jurisdiction);
    // The department must still exist when the version takes effect.
    if let Some(d) = jurisdiction.department(&item.department)
        && let Some(end) = d.ended_on.filter(|_| !d.exists_on(p.effective_on))
    {
        errors.push(FieldError {
            field: "department".into(),
            message: format!(
                "「{}」已于{}撤销，不能作为{}起施行的事项的实施部门{}",
                d.name,
                fmt_date(end),
                fmt_date(p.effective_on),
                d.successor
                    .as_deref()
                    .and_then(|s| jurisdiction.department(s))
                    .map(|s| format!("（其职责由「{}」承继）", s.name))
                    .unwrap_or_default()
            ),
        });
    }
    if !errors.is_empty() {
        return Err(CatalogError::Invalid {
            code: item.code.clone(),
            errors,
        });
    }
    let last = history.last();
    if last.is_some_and(|v| v.change != ChangeKind::Retired && v.item == item) {
        return Err(CatalogError::Unchanged);
    }
    check_dates(history, &p)?;
    let change = match last {
        None => ChangeKind::Added,
        Some(v) if v.change == ChangeKind::Retired => ChangeKind::Added,
        Some(_) => {
            if p.note.trim().is_empty() {
                return Err(CatalogError::MissingNote);
            }
            ChangeKind::Adjusted
        }
    };
    Ok(ItemVersion {
        jurisdiction: jurisdiction.code.clone(),
        code: item.code.clone(),
        version: last.map_or(1, |v| v.version + 1),
        change,
        effective_on: p.effective_on,
        item,
        note: p.note.trim().to_string(),
        published_on: p.today,
        published_by: p.by.to_string(),
    })
}

/// Builds the retirement version of an item.
pub fn retirement(history: &[ItemVersion], p: Publication) -> Result<ItemVersion, CatalogError> {
    let last = history
        .last()
        .ok_or_else(|| CatalogError::NotPublished(String::new()))?;
    if last.change == ChangeKind::Retired {
        return Err(CatalogError::AlreadyRetired(last.item.name.clone()));
    }
    if p.note.trim().is_empty() {
        return Err(CatalogError::MissingNote);
    }
    check_dates(history, &p)?;
    Ok(ItemVersion {
        version: last.version + 1,
        change: ChangeKind::Retired,
        effective_on: p.effective_on,
        note: p.note.trim().to_string(),
        published_on: p.today,
        published_by: p.by.to_string(),
        ..last.clone()
    })
}

fn check_dates(history: &[ItemVersion], p: &Publication) -> Result<(), CatalogError> {
    let (effective_on, today) = (p.effective_on, p.today);
    if effective_on < today {
        return Err(CatalogError::EffectiveInPast {
            effective: fmt_date(effective_on),
            today: fmt_date(today),
        });
    }
    if let Some(last) = history.last()
        && effective_on < last.effective_on
    {
        return Err(CatalogError::BeforePrevious {
            effective: fmt_date(effective_on),
            previous: fmt_date(last.effective_on),
        });
    }
    Ok(())
}

/// The version of one item in force on `date` (None if not yet published or retired by then).
/// `history` is the item's versions in order of publication.
pub fn active_version(history: &[ItemVersion], date: NaiveDate) -> Option<&ItemVersion> {
    history
        .iter()
        .rev()
        .find(|v| v.effective_on <= date)
        .filter(|v| v.change != ChangeKind::Retired)
}

/// The catalog as it stood on `date`: every item's version in force, ordered by item code.
pub fn as_of(versions: &[ItemVersion], date: NaiveDate) -> Vec<&ItemVersion> {
    let mut by_item: BTreeMap<&str, Vec<&ItemVersion>> = BTreeMap::new();
    for v in versions {
        by_item.entry(v.code.as_str()).or_default().push(v);
    }
    by_item
        .into_values()
        .filter_map(|mut vs| {
            vs.sort_by_key(|v| v.version);
            vs.into_iter()
                .rev()
                .find(|v| v.effective_on <= date)
                .filter(|v| v.change != ChangeKind::Retired)
        })
        .collect()
}
