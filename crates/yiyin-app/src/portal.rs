//! The portal's use cases around the catalog: how often each item is applied for in its county
//! (the popular items of the portal's home, the ranking of search), the items of the 个人办事 and
//! 法人办事 entrances, and the window's look-up of an applicant already known to the jurisdiction
//! (so that the intake form is prefilled).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;

use serde::Serialize;
use serde_json::json;
use yiyin_domain::catalog::ItemVersion;
use yiyin_domain::party::{SubjectId, SubjectKind};
use yiyin_search::Popularity;
use yiyin_store::events::NewEvent;
use yiyin_store::statistics::{SumGroup, SumsQuery, cover};

use crate::App;
use crate::error::{AppError, Result};
use crate::principal::Principal;
use yiyin_domain::authz::Operation;

/// Popularity counts the cases received in this many days before today.
pub const POPULAR_DAYS: i64 = 365;

/// An item of a county's catalog with how often it was applied for.
#[derive(Debug, Clone)]
pub struct PopularItem {
    pub version: ItemVersion,
    /// Cases received in the last [`POPULAR_DAYS`] days.
    pub received: i64,
}

/// An applicant known to a jurisdiction, for prefilling the window's intake form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KnownApplicant {
    /// `person` or `organisation`.
    pub kind: String,
    /// 申请人姓名或单位名称
    pub name: String,
    /// 公民身份号码或统一社会信用代码
    pub id_number: String,
    /// 联系电话
    pub phone: String,
    /// Where it was found: `case` (the latest case of the jurisdiction under the identifier) or
    /// `account` (an applicant account registered with it).
    pub source: String,
    /// 法定代表人（负责人）, as the latest case recorded it (organisations; else empty).
    pub legal_representative: String,
}

/// How long a jurisdiction's counts of [`App::popularity`] are used before they are read again.
pub const POPULARITY_FRESH: Duration = Duration::from_secs(600);

/// The counts of popularity as last read, per jurisdiction: the portal's home and its search are
/// public pages, so a flood of them reads the summary at most every [`POPULARITY_FRESH`] per
/// server (and at once when the day changes), not once a request. One read at a time: the
/// requests that find the counts stale wait for it (a few of the summary's sums).
#[derive(Debug, Default)]
pub(crate) struct PopularityCounts(tokio::sync::Mutex<HashMap<String, Counted>>);

#[derive(Debug)]
struct Counted {
    today: NaiveDate,
    read_at: Instant,
    counts: Arc<Vec<(String, u64)>>,
}

impl App {
    /// Cases received per item in the last [`POPULAR_DAYS`] days, in `jurisdiction` or in every
    /// jurisdiction with a catalog; as counted at most [`POPULARITY_FRESH`] ago. A jurisdiction
    /// unknown to the organisation, or without a catalog, has no popular items.
    pub async fn popularity(&self, jurisdiction: Option<&str>) -> Result<Popularity> {
        // Only counties the organisation knows with a catalog are read: a public request naming
        // any other reads nothing (and nothing of it is kept).
        let codes: Vec<String> = self
            .org()
            .jurisdictions
            .iter()
            .filter(|j| j.has_catalog() && jurisdiction.is_none_or(|code| code == j.code))
            .map(|j| j.code.clone())
            .collect();
        let today = self.today();
        let mut counted = self.popular.0.lock().await;
        let mut out = HashMap::new();
        for j in codes {
            let counts = match counted.get(&j) {
                Some(c) if c.today == today && c.read_at.elapsed() < POPULARITY_FRESH => {
                    c.counts.clone()
                }
                _ => {
                    let counts = Arc::new(self.received_per_item(&j, today).await?);
                    counted.insert(
                        j.clone(),
                        Counted {
                            today,
                            read_at: Instant::now(),
                            counts: counts.clone(),
                        },
                    );
                    counts
                }
            };
            for (item, n) in counts.iter() {
                out.insert((j.clone(), item.clone()), *n);
            }
        }
        Ok(out)
    }

    /// The cases of each item of `jurisdiction` received from [`POPULAR_DAYS`] days before `today`
    /// to `today`, read off the statistics summary (a few of its sums, the volatile cases apart),
    /// never by counting the cases: simulated cases are not counted.
    async fn received_per_item(
        &self,
        jurisdiction: &str,
        today: NaiveDate,
    ) -> Result<Vec<(String, u64)>> {
        let since = today - chrono::Days::new(POPULAR_DAYS.unsigned_abs());
        let sums = self
            .store
            .summary_sums(&SumsQuery {
                jurisdiction: jurisdiction.to_string(),
                departments: vec![],
                group: SumGroup::Item,
                spans: cover(since, today),
            })
            .await?;
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        for r in sums {
            *counts.entry(r.code).or_default() += r.tally.received.unsigned_abs();
        }
        for c in self
            .store
            .volatile_cases_per_item(jurisdiction, since)
            .await?
        {
            *counts.entry(c.item_code).or_default() += c.received.unsigned_abs();
        }
        Ok(counts.into_iter().filter(|(_, n)| *n > 0).collect())
    }

    /// The items of a county's catalog in force today, the most applied for first (those never
    /// applied for after, in catalog order), at most `limit`; only those serving applicants of
    /// `subject` when given (the 个人办事 and 法人办事 entrances).
    pub async fn popular_items(
        &self,
        jurisdiction: &str,
        subject: Option<SubjectKind>,
        limit: usize,
    ) -> Result<Vec<PopularItem>> {
        let popularity = self.popularity(Some(jurisdiction)).await?;
        let mut items: Vec<PopularItem> = self
            .store
            .catalog_as_of(jurisdiction, self.today())
            .await?
            .into_iter()
            .filter(|v| subject.is_none_or(|k| v.item.subject.serves(k)))
            .map(|version| PopularItem {
                received: popularity
                    .get(&(jurisdiction.to_string(), version.code.clone()))
                    .map_or(0, |n| i64::try_from(*n).unwrap_or(i64::MAX)),
                version,
            })
            .collect();
        // Stable: items applied for equally keep the catalog's order.
        items.sort_by_key(|p| std::cmp::Reverse(p.received));
        items.truncate(limit);
        Ok(items)
    }

    /// The applicant with this citizen ID number or credit code as the jurisdiction knows them
    /// (its latest case under the identifier, else an applicant account registered with it), for
    /// the window to prefill the intake form. Window staff of the jurisdiction only; each look-up
    /// is recorded in the event log with what was asked and whether it was found.
    #[tracing::instrument(skip_all)]
    pub async fn look_up_applicant(
        &self,
        who: &Principal,
        jurisdiction: &str,
        id_number: &str,
    ) -> Result<Option<KnownApplicant>> {
        who.require_in(Operation::Receive, jurisdiction)?;
        let id = SubjectId::parse_any(id_number.trim()).map_err(|e| {
            AppError::field(
                "id_number",
                format!("请填写有效的公民身份号码或统一社会信用代码：{e}"),
            )
        })?;
        let known = self
            .store
            .known_applicant(jurisdiction, id.as_str())
            .await?;
        let legal_representative = match &known {
            Some(k) if k.case_id > 0 => {
                self.store
                    .case(k.case_id)
                    .await?
                    .representation
                    .legal_representative
            }
            _ => String::new(),
        };
        let found = known.map(|k| KnownApplicant {
            kind: if SubjectKind::parse(&k.kind).is_some() {
                k.kind
            } else {
                id.kind().code().to_string()
            },
            name: k.name,
            id_number: k.id_number,
            phone: k.phone,
            source: k.source,
            legal_representative,
        });
        let event = NewEvent::new(
            &who.actor_at(&self.org(), true),
            self.now(),
            jurisdiction,
            None,
            "look_up_applicant",
            format!(
                "窗口查询申请人（{}）：{}",
                id.masked(),
                if found.is_some() {
                    "已找到"
                } else {
                    "未找到"
                }
            ),
            json!({"id_number": id.as_str(), "found": found.is_some()}),
        );
        let mut tx = self.store.begin_write().await?;
        tx.append_events(std::slice::from_ref(&event)).await?;
        tx.commit().await?;
        Ok(found)
    }
}

/// Which sheet of a material the guide offers: its blank form or its filled-in sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetKind {
    /// 空白表格
    Blank,
    /// 示例样本
    Sample,
}

impl App {
    /// The blank form or the sample of a material of an item in force today, as a PDF (unsealed:
    /// no document of the bureau), with the name it is saved under. Not found when the guide
    /// publishes none for the material.
    pub async fn material_sheet(
        &self,
        jurisdiction: &str,
        item_code: &str,
        material_code: &str,
        kind: SheetKind,
    ) -> Result<(String, Vec<u8>)> {
        let j = self.store.jurisdiction(jurisdiction).await?;
        let version = self.item_in_force(jurisdiction, item_code).await?;
        let item = &version.item;
        let material = item
            .materials
            .iter()
            .find(|m| m.code == material_code)
            .ok_or_else(|| {
                AppError::NotFound(format!(
                    "事项「{}」没有编码为「{material_code}」的申请材料",
                    item.name
                ))
            })?;
        let none =
            |what: &str| AppError::NotFound(format!("申请材料「{}」没有公布{what}", material.name));
        let form_name = if material.blank_form.is_empty() {
            material.name.clone()
        } else {
            material.blank_form.clone()
        };
        let sample = match kind {
            SheetKind::Blank if material.blank_form.is_empty() => return Err(none("空白表格")),
            SheetKind::Sample if material.sample.is_empty() => return Err(none("示例样本")),
            SheetKind::Blank => None,
            SheetKind::Sample => Some(material.sample.as_str()),
        };
        let agency = j
            .bureau
            .as_ref()
            .map_or_else(|| j.name.clone(), |b| b.name.clone());
        let example = |text: &str| match kind {
            SheetKind::Blank => String::new(),
            SheetKind::Sample => format!("示例：{text}"),
        };
        let organisation = item.subject.serves(SubjectKind::Organisation)
            && !item.subject.serves(SubjectKind::Person);
        let mut rows = vec![
            ("申请事项".to_string(), item.name.clone()),
            (
                "申请人姓名或单位名称".to_string(),
                example(if organisation {
                    "某某有限公司"
                } else {
                    "张某某"
                }),
            ),
            (
                "公民身份号码或统一社会信用代码".to_string(),
                example("按身份证或营业执照填写，18位"),
            ),
        ];
        if item.subject.serves(SubjectKind::Organisation) {
            rows.push((
                "法定代表人（负责人）".to_string(),
                example("与营业执照一致"),
            ));
        }
        rows.extend([
            (
                "住所（地址）".to_string(),
                example("某某镇某某村（社区）某某号"),
            ),
            (
                "经办人（代理人）及身份证号码".to_string(),
                example("本人办理的可不填；委托他人办理的附授权委托书"),
            ),
            ("联系电话".to_string(), example("手机号码")),
            (
                "申请内容".to_string(),
                sample.map(str::to_string).unwrap_or_default(),
            ),
        ]);
        let title = match kind {
            SheetKind::Blank => form_name.clone(),
            SheetKind::Sample => format!("{form_name}（示例样本）"),
        };
        let subtitle = format!("{} · {}（{}）", j.name, item.name, item.code);
        let foot = format!(
            "本表格由{agency}免费提供（《中华人民共和国行政许可法》第五十八条）。可在政务服务网「办事指南」下载，或到政务服务大厅窗口领取。"
        );
        let pdf = yiyin_pdf::render_sheet(&yiyin_pdf::Sheet {
            agency: &agency,
            title: &title,
            subtitle: &subtitle,
            sample,
            rows: &rows,
            foot: &foot,
        })
        .map_err(AppError::internal)?;
        let saved = match kind {
            SheetKind::Blank => format!("{form_name}（空白表格）.pdf"),
            SheetKind::Sample => format!("{form_name}（示例样本）.pdf"),
        };
        Ok((saved, pdf))
    }
}
