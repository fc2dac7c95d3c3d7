//! The public portal: jurisdictions, each catalog (browsable by department, handling mode, class and
//! topic, readable as of any date), each item's service guide with its flowchart, and the changelog.

use std::collections::BTreeSet;

use askama::Template;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use yiyin_domain::calendar::{fmt_date, parse_date};
use yiyin_domain::catalog::{self, HandlingClass, HandlingMode, Item, ItemVersion};
use yiyin_domain::org::Jurisdiction;

use super::{Chrome, Notice, PageResult, chrome, render};
use crate::auth::Viewer;
use crate::error::AppError;
use yiyin_app::App;

pub struct JurisdictionCard {
    pub code: String,
    pub name: String,
    pub bureau: String,
    pub items: usize,
}

#[derive(Template)]
#[template(path = "portal/home.html")]
struct Home {
    chrome: Chrome,
    jurisdictions: Vec<JurisdictionCard>,
    /// Life events and business topics across the catalogs, with how many items each.
    topics: Vec<(String, usize)>,
}

async fn home_topics(state: &App) -> Result<Vec<(String, usize)>, AppError> {
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for j in state.org().jurisdictions.iter().filter(|j| j.has_catalog()) {
        for v in state.store.catalog_as_of(&j.code, state.today()).await? {
            for t in v.item.topics {
                *counts.entry(t).or_default() += 1;
            }
        }
    }
    let mut v: Vec<(String, usize)> = counts.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v.truncate(24);
    Ok(v)
}

pub async fn home(State(state): State<App>, viewer: Viewer, Query(n): Query<Notice>) -> PageResult {
    let org = state.store.organisation().await?;
    let today = state.today();
    let mut jurisdictions = Vec::new();
    for j in org.jurisdictions.iter().filter(|j| j.has_catalog()) {
        jurisdictions.push(JurisdictionCard {
            code: j.code.clone(),
            name: j.name.clone(),
            bureau: j
                .bureau
                .as_ref()
                .map(|b| b.name.clone())
                .unwrap_or_default(),
            items: state.store.catalog_as_of(&j.code, today).await?.len(),
        });
    }
    let topics = home_topics(&state).await?;
    render(&Home {
        chrome: chrome(&viewer, &n.notice),
        jurisdictions,
        topics,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct CatalogQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub dept: String,
    #[serde(default)]
    pub mode: String,
    #[serde(default)]
    pub class: String,
    #[serde(default)]
    pub topic: String,
    #[serde(default)]
    pub date: String,
}

pub struct Row {
    pub code: String,
    pub name: String,
    pub class: &'static str,
    pub mode: &'static str,
    pub promised: String,
    pub online: &'static str,
    pub green_list: bool,
    pub deferrable: bool,
}

pub struct Group {
    pub name: String,
    pub items: Vec<Row>,
}

#[derive(Template)]
#[template(path = "portal/catalog.html")]
struct CatalogPage {
    chrome: Chrome,
    j: Jurisdiction,
    bureau: String,
    date: String,
    /// The date asked for, empty when it is today.
    dated: String,
    total: usize,
    shown: usize,
    groups: Vec<Group>,
    departments: Vec<(String, String)>,
    modes: Vec<(&'static str, &'static str)>,
    classes: Vec<(&'static str, &'static str)>,
    topics: Vec<String>,
    q: String,
    dept: String,
    mode: String,
    class: String,
    topic: String,
}

/// The Chinese words for an online depth level.
pub fn online_label(depth: u8) -> &'static str {
    match depth {
        4 => "全程网办",
        3 => "网上预审",
        2 => "表格下载",
        _ => "信息公开",
    }
}

fn promised_label(item: &Item) -> String {
    if item.handling_class == HandlingClass::Instant {
        "即办".to_string()
    } else {
        format!("{} 个工作日", item.promised_days)
    }
}

async fn load_jurisdiction(state: &App, code: &str) -> Result<Jurisdiction, AppError> {
    let j = state.store.jurisdiction(code).await?;
    if !j.has_catalog() {
        return Err(AppError::NotFound(format!("{}不设本级事项目录", j.name)));
    }
    Ok(j)
}

fn date_param(state: &App, text: &str) -> Result<chrono::NaiveDate, AppError> {
    if text.trim().is_empty() {
        Ok(state.today())
    } else {
        parse_date(text).map_err(|e| AppError::invalid(e.to_string()))
    }
}

pub async fn catalog(
    State(state): State<App>,
    viewer: Viewer,
    Path(code): Path<String>,
    Query(q): Query<CatalogQuery>,
) -> PageResult {
    let j = load_jurisdiction(&state, &code).await?;
    let date = date_param(&state, &q.date)?;
    let versions = state.store.catalog_as_of(&code, date).await?;
    let total = versions.len();
    let needle = q.q.trim();
    let topics: BTreeSet<String> = versions
        .iter()
        .flat_map(|v| v.item.topics.iter().cloned())
        .collect();
    let matches = |i: &Item| {
        (needle.is_empty()
            || i.name.contains(needle)
            || i.code.contains(needle)
            || i.legal_basis.iter().any(|b| b.contains(needle)))
            && (q.dept.is_empty() || i.department == q.dept)
            && (q.mode.is_empty() || i.handling_mode.code() == q.mode)
            && (q.class.is_empty() || i.handling_class.code() == q.class)
            && (q.topic.is_empty() || i.topics.contains(&q.topic))
    };
    let mut groups: Vec<Group> = Vec::new();
    let mut shown = 0;
    for d in &j.departments {
        let items: Vec<Row> = versions
            .iter()
            .map(|v| &v.item)
            .filter(|i| i.department == d.code && matches(i))
            .map(|i| Row {
                code: i.code.clone(),
                name: i.name.clone(),
                class: i.handling_class.label(),
                mode: i.handling_mode.label(),
                promised: promised_label(i),
                online: online_label(i.online_depth),
                green_list: i.green_list,
                deferrable: i.materials.iter().any(|m| m.deferrable),
            })
            .collect();
        if !items.is_empty() {
            shown += items.len();
            groups.push(Group {
                name: d.name.clone(),
                items,
            });
        }
    }
    let page = CatalogPage {
        chrome: chrome(&viewer, ""),
        bureau: j
            .bureau
            .as_ref()
            .map(|b| b.name.clone())
            .unwrap_or_default(),
        date: fmt_date(date),
        dated: if date == state.today() {
            String::new()
        } else {
            fmt_date(date)
        },
        total,
        shown,
        groups,
        departments: j
            .departments
            .iter()
            .filter(|d| versions.iter().any(|v| v.item.department == d.code))
            .map(|d| (d.code.clone(), d.name.clone()))
            .collect(),
        modes: HandlingMode::options(),
        classes: HandlingClass::options(),
        topics: topics.into_iter().collect(),
        q: q.q.clone(),
        dept: q.dept.clone(),
        mode: q.mode.clone(),
        class: q.class.clone(),
        topic: q.topic.clone(),
        j,
    };
    render(&page)
}

#[derive(Template)]
#[template(path = "portal/item.html")]
struct ItemPage {
    chrome: Chrome,
    /// Whether the guide shown is today's (only then can one apply).
    current: bool,
    j: Jurisdiction,
    version: ItemVersion,
    item: Item,
    history: Vec<ItemVersion>,
    implementer: String,
    department: String,
    supervisor: String,
    fees: String,
    online: &'static str,
    townships: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct DateOnly {
    #[serde(default)]
    pub date: String,
}

pub async fn item(
    State(state): State<App>,
    viewer: Viewer,
    Path((code, item_code)): Path<(String, String)>,
    Query(q): Query<DateOnly>,
) -> PageResult {
    let j = load_jurisdiction(&state, &code).await?;
    let date = date_param(&state, &q.date)?;
    let history = state.store.item_history(&code, &item_code).await?;
    let version = catalog::active_version(&history, date)
        .cloned()
        .ok_or_else(|| {
            AppError::NotFound(format!(
                "{} {}目录中没有编码为「{item_code}」的事项（可能尚未公布或已取消）",
                fmt_date(date),
                j.name
            ))
        })?;
    let item = version.item.clone();
    let dept_name = |c: &str| j.department(c).map_or(c.to_string(), |d| d.name.clone());
    let bureau = j
        .bureau
        .as_ref()
        .map(|b| b.name.clone())
        .unwrap_or_default();
    let page = ItemPage {
        chrome: chrome(&viewer, ""),
        current: date == state.today(),
        implementer: match item.handling_mode {
            HandlingMode::Transferred => format!("{bureau}（行政审批专用章）"),
            HandlingMode::Resident => {
                format!("{}（进驻{}办事大厅）", dept_name(&item.department), j.name)
            }
            HandlingMode::Delegated => format!("{bureau}委托镇人民政府办理"),
        },
        department: dept_name(&item.department),
        supervisor: dept_name(&item.supervising_department),
        fees: item.fee_summary(),
        online: online_label(item.online_depth),
        townships: item
            .delegated_to
            .iter()
            .map(|t| j.township(t).map_or(t.clone(), |c| c.name()))
            .collect::<Vec<_>>()
            .join("、"),
        history,
        version,
        item,
        j,
    };
    render(&page)
}

pub struct ChangeRow {
    pub code: String,
    pub name: String,
    pub version: u32,
    pub kind: &'static str,
    pub css: &'static str,
    pub effective_on: String,
    /// The date at which the guide of this version can be read (the day before, for a retirement).
    pub link_date: String,
    pub published_on: String,
    pub note: String,
    pub changes: Vec<catalog::FieldChange>,
}

#[derive(Template)]
#[template(path = "portal/changelog.html")]
struct ChangelogPage {
    chrome: Chrome,
    j: Jurisdiction,
    entries: Vec<ChangeRow>,
}

pub async fn changelog(
    State(state): State<App>,
    viewer: Viewer,
    Path(code): Path<String>,
) -> PageResult {
    let j = load_jurisdiction(&state, &code).await?;
    let entries = state
        .changelog(&code, 200)
        .await?
        .into_iter()
        .map(|e| ChangeRow {
            code: e.version.code.clone(),
            name: e.version.item.name.clone(),
            version: e.version.version,
            kind: e.version.change.label(),
            css: match e.version.change {
                catalog::ChangeKind::Added => "green",
                catalog::ChangeKind::Adjusted => "",
                catalog::ChangeKind::Retired => "red",
            },
            effective_on: fmt_date(e.version.effective_on),
            link_date: fmt_date(match e.version.change {
                catalog::ChangeKind::Retired => e
                    .version
                    .effective_on
                    .pred_opt()
                    .unwrap_or(e.version.effective_on),
                _ => e.version.effective_on,
            }),
            published_on: fmt_date(e.version.published_on),
            note: e.version.note.clone(),
            changes: e.changes,
        })
        .collect();
    render(&ChangelogPage {
        chrome: chrome(&viewer, ""),
        j,
        entries,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub j: String,
}

pub struct SearchRow {
    pub jurisdiction: String,
    pub jurisdiction_name: String,
    pub code: String,
    pub name: String,
    pub snippet: String,
}

#[derive(Template)]
#[template(path = "portal/search.html")]
struct SearchPage {
    chrome: Chrome,
    q: String,
    j: String,
    jurisdictions: Vec<(String, String)>,
    rows: Vec<SearchRow>,
    searched: bool,
}

/// Chinese word search over item names, guides and FAQs.
pub async fn search(
    State(state): State<App>,
    viewer: Viewer,
    Query(q): Query<SearchQuery>,
) -> PageResult {
    let org = state.org();
    let query = q.q.trim().to_string();
    let hits = if query.is_empty() {
        vec![]
    } else {
        state
            .search(
                if q.j.is_empty() {
                    None
                } else {
                    Some(q.j.as_str())
                },
                &query,
                50,
            )
            .await?
    };
    let rows = hits
        .into_iter()
        .map(|h| SearchRow {
            jurisdiction_name: org
                .jurisdiction(&h.jurisdiction)
                .map(|j| j.name.clone())
                .unwrap_or_default(),
            jurisdiction: h.jurisdiction,
            code: h.code,
            name: h.name,
            snippet: h.snippet,
        })
        .collect();
    render(&SearchPage {
        chrome: chrome(&viewer, ""),
        searched: !query.is_empty(),
        q: query,
        j: q.j.clone(),
        jurisdictions: org
            .jurisdictions
            .iter()
            .filter(|j| j.has_catalog())
            .map(|j| (j.code.clone(), j.name.clone()))
            .collect(),
        rows,
    })
}

pub struct Approval {
    pub decided_on: String,
    pub number: String,
    pub item: String,
    pub licensee: String,
    pub result: String,
}

#[derive(Template)]
#[template(path = "portal/announcements.html")]
struct AnnouncementsPage {
    chrome: Chrome,
    j: String,
    jurisdictions: Vec<(String, String)>,
    rows: Vec<Approval>,
}

pub use yiyin_domain::ids::mask_name;

/// Approval announcements (《行政许可法》第四十条): the decisions granting licences, public.
pub async fn announcements(
    State(state): State<App>,
    viewer: Viewer,
    Query(q): Query<SearchQuery>,
) -> PageResult {
    let org = state.org();
    let jurisdictions: Vec<(String, String)> = org
        .jurisdictions
        .iter()
        .filter(|j| j.has_catalog())
        .map(|j| (j.code.clone(), j.name.clone()))
        .collect();
    let j = if q.j.is_empty() {
        jurisdictions[0].0.clone()
    } else {
        q.j.clone()
    };
    state.store.jurisdiction(&j).await?;
    let rows = state
        .store
        .approvals(&j, 200)
        .await?
        .into_iter()
        .map(|c| Approval {
            decided_on: c.case.decided_on.map(fmt_date).unwrap_or_default(),
            number: c.number.clone(),
            item: c.item_name.clone(),
            licensee: match c.applicant.kind {
                yiyin_domain::party::SubjectKind::Person => mask_name(&c.applicant.name),
                yiyin_domain::party::SubjectKind::Organisation => c.applicant.name.clone(),
            },
            result: c.result_name.clone(),
        })
        .collect();
    render(&AnnouncementsPage {
        chrome: chrome(&viewer, ""),
        j,
        jurisdictions,
        rows,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct TrackForm {
    #[serde(default)]
    pub number: String,
    #[serde(default)]
    pub code: String,
}

#[derive(Template)]
#[template(path = "portal/track.html")]
struct TrackPage {
    chrome: Chrome,
    number: String,
    code: String,
    error: String,
    result: Option<yiyin_app::cases::TrackView>,
}

/// Follow a case with its number and query code, without an account.
pub async fn track(
    State(state): State<App>,
    viewer: Viewer,
    Query(q): Query<TrackForm>,
) -> PageResult {
    let (mut error, mut result) = (String::new(), None);
    if !q.number.trim().is_empty() || !q.code.trim().is_empty() {
        if q.number.trim().is_empty() || q.code.trim().is_empty() {
            error = "请填写办件编号和查询码".into();
        } else {
            match state.track(&q.number, &q.code).await {
                Ok(v) => result = Some(v),
                Err(AppError::NotFound(m)) => error = m,
                Err(e) => return Err(e.into()),
            }
        }
    }
    render(&TrackPage {
        chrome: chrome(&viewer, ""),
        number: q.number.trim().to_string(),
        code: q.code.trim().to_string(),
        error,
        result,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct VerifyForm {
    #[serde(default)]
    pub number: String,
}

#[derive(Template)]
#[template(path = "portal/verify.html")]
struct VerifyPage {
    chrome: Chrome,
    number: String,
    error: String,
    verdict: Option<yiyin_app::documents::Verdict>,
}

/// Verify a document or licence: by its number (the QR code leads here), or by uploading its PDF or
/// JSON file.
pub async fn verify(
    State(state): State<App>,
    viewer: Viewer,
    Query(q): Query<VerifyForm>,
) -> PageResult {
    let number = q.number.trim().to_string();
    let (mut error, mut verdict) = (String::new(), None);
    if !number.is_empty() {
        match state.lookup(&number).await? {
            Some(v) => verdict = Some(v),
            None => error = format!("没有找到文号为「{number}」的文书或证照，请核对是否抄错"),
        }
    }
    render(&VerifyPage {
        chrome: chrome(&viewer, ""),
        number,
        error,
        verdict,
    })
}

pub async fn verify_upload(
    State(state): State<App>,
    viewer: Viewer,
    mut mp: axum::extract::Multipart,
) -> PageResult {
    let mut bytes = Vec::new();
    while let Ok(Some(field)) = mp.next_field().await {
        if field.name() == Some("file") {
            bytes = field.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
        }
    }
    let (error, verdict) = if bytes.is_empty() {
        ("请选择要核验的PDF或JSON文件".to_string(), None)
    } else {
        (String::new(), Some(state.verify_bytes(&bytes).await?))
    };
    render(&VerifyPage {
        chrome: chrome(&viewer, ""),
        number: String::new(),
        error,
        verdict,
    })
}

pub struct SealCard {
    pub name: String,
    pub holder: String,
    pub id: i64,
    pub valid: String,
    pub retired: bool,
    pub svg: String,
    pub public_key: String,
    pub pem: String,
}

#[derive(Template)]
#[template(path = "portal/seals.html")]
struct SealsPage {
    chrome: Chrome,
    seals: Vec<SealCard>,
    heads: Vec<yiyin_store::archive::PublishedHead>,
}

/// The published seals (with their public keys, retired ones too) and the daily signed chain heads.
pub async fn seals(State(state): State<App>, viewer: Viewer) -> PageResult {
    let seals = state
        .store
        .seals()
        .await?
        .into_iter()
        .map(|s| SealCard {
            svg: yiyin_app::seals::svg(&s),
            pem: yiyin_seal::keys::public_pem(&s.public_key).unwrap_or_default(),
            name: s.name,
            holder: s.holder,
            id: s.id,
            valid: format!("{} 至 {}", s.valid_from, s.valid_until),
            retired: s.retired,
            public_key: s.public_key,
        })
        .collect();
    let heads = state.store.published_heads(60).await?;
    render(&SealsPage {
        chrome: chrome(&viewer, ""),
        seals,
        heads,
    })
}
