//! The public portal: jurisdictions, each catalog (browsable by department, handling mode, class,
//! topic and service subject — the 个人办事 and 法人办事 entrances —, readable as of any date), each
//! item's service guide with its flowchart, and the changelog; the visitor's county, chosen once
//! and kept in a cookie, with its popular items on the home page.

use std::collections::BTreeSet;

use crate::pages::{Path, Query};
use askama::Template;
use axum::extract::Multipart;
use axum::http::{HeaderMap, HeaderValue};
use serde::Deserialize;
use yiyin_domain::calendar::{fmt_date, parse_date};
use yiyin_domain::catalog::{self, HandlingClass, HandlingMode, Item, ItemVersion};
use yiyin_domain::org::Jurisdiction;
use yiyin_domain::party::SubjectKind;

use super::{Chrome, Notice, PageResult, Visitor, render};
use crate::error::AppError;
use yiyin_app::App;
use yiyin_app::documents::Verdict;
use yiyin_app::portal::SheetKind;

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
    /// The visitor's county (chosen once, kept in a cookie), with its entrances and popular items.
    mine: Option<MyCounty>,
}

/// The visitor's county on the portal's home: the 个人办事 and 法人办事 entrances and its popular
/// items.
pub struct MyCounty {
    pub code: String,
    pub name: String,
    /// Items serving persons (个人办事) and organisations (法人办事).
    pub person_items: usize,
    pub organisation_items: usize,
    /// The most applied-for items: code, name, cases received in the last year.
    pub popular: Vec<(String, String, i64)>,
}

/// The cookie keeping the visitor's county (a jurisdiction's code), so that the portal opens on it.
pub const COUNTY_COOKIE: &str = "yiyin_j";

/// How long the county is kept: a year.
const COUNTY_MAX_AGE: u32 = 366 * 24 * 3600;

/// How many popular items the home shows.
const POPULAR_SHOWN: usize = 8;

/// The visitor's county from the cookie, if it names a jurisdiction with a catalog.
fn my_county(app: &App, headers: &HeaderMap) -> Option<Jurisdiction> {
    let code = crate::auth::cookie(headers, COUNTY_COOKIE)?;
    app.org()
        .jurisdictions
        .iter()
        .find(|j| j.code == code && j.has_catalog())
        .cloned()
}

async fn my_county_view(app: &App, j: &Jurisdiction) -> Result<MyCounty, AppError> {
    let catalog = app.store.catalog_as_of(&j.code, app.today()).await?;
    let serving = |k: SubjectKind| catalog.iter().filter(|v| v.item.subject.serves(k)).count();
    Ok(MyCounty {
        code: j.code.clone(),
        name: j.name.clone(),
        person_items: serving(SubjectKind::Person),
        organisation_items: serving(SubjectKind::Organisation),
        popular: app
            .popular_items(&j.code, None, POPULAR_SHOWN)
            .await?
            .into_iter()
            .map(|p| {
                (
                    p.version.code.clone(),
                    p.version.item.name.clone(),
                    p.received,
                )
            })
            .collect(),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CountyForm {
    pub j: String,
}

/// Chooses the visitor's county (`?j=hanyin`; empty: forget it) and opens the portal on it. No
/// login needed: the choice is kept in a cookie for a year.
pub async fn choose_county(page: Visitor, Query(q): Query<CountyForm>) -> PageResult {
    let code = q.j.trim();
    let value = if code.is_empty() {
        format!("{COUNTY_COOKIE}=; Path=/; SameSite=Lax; HttpOnly; Max-Age=0")
    } else {
        load_jurisdiction(&page.app, code).await?;
        format!("{COUNTY_COOKIE}={code}; Path=/; SameSite=Lax; HttpOnly; Max-Age={COUNTY_MAX_AGE}")
    };
    let cookie = HeaderValue::from_str(&value)
        .map_err(|_| AppError::invalid("县区代码有误，请从列表中选择"))?;
    Ok(super::redirect_setting_cookie("/", cookie))
}

async fn home_topics(app: &App) -> Result<Vec<(String, usize)>, AppError> {
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for j in app.org().jurisdictions.iter().filter(|j| j.has_catalog()) {
        for v in app.store.catalog_as_of(&j.code, app.today()).await? {
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

pub async fn home(page: Visitor, headers: HeaderMap, Query(n): Query<Notice>) -> PageResult {
    let org = page.app.store.organisation().await?;
    let mine = match my_county(&page.app, &headers) {
        Some(j) => Some(my_county_view(&page.app, &j).await?),
        None => None,
    };
    let today = page.app.today();
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
            items: page.app.store.catalog_as_of(&j.code, today).await?.len(),
        });
    }
    let topics = home_topics(&page.app).await?;
    render(&Home {
        chrome: page.chrome(&n.notice),
        jurisdictions,
        topics,
        mine,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CatalogQuery {
    pub q: String,
    pub dept: String,
    pub mode: String,
    pub class: String,
    pub topic: String,
    pub date: String,
    /// `person` (个人办事) or `organisation` (法人办事): only the items serving them.
    pub subject: String,
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
    subject: String,
    /// 个人办事 or 法人办事 when the catalog is shown for one of them.
    entrance: &'static str,
}

/// The portal's entrance for applicants of `kind`.
fn entrance_label(kind: SubjectKind) -> &'static str {
    match kind {
        SubjectKind::Person => "个人办事",
        SubjectKind::Organisation => "法人办事",
    }
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
        format!("{} 个{}", item.promised_days, item.limit_unit.label())
    }
}

async fn load_jurisdiction(app: &App, code: &str) -> Result<Jurisdiction, AppError> {
    let j = app.store.jurisdiction(code).await?;
    if !j.has_catalog() {
        return Err(AppError::NotFound(format!("{}不设本级事项目录", j.name)));
    }
    Ok(j)
}

fn date_param(app: &App, text: &str) -> Result<chrono::NaiveDate, AppError> {
    if text.trim().is_empty() {
        Ok(app.today())
    } else {
        parse_date(text).map_err(|e| AppError::invalid(e.to_string()))
    }
}

pub async fn catalog(
    page: Visitor,
    Path(code): Path<String>,
    Query(q): Query<CatalogQuery>,
) -> PageResult {
    let j = load_jurisdiction(&page.app, &code).await?;
    let date = date_param(&page.app, &q.date)?;
    let versions = page.app.store.catalog_as_of(&code, date).await?;
    let total = versions.len();
    let needle = q.q.trim();
    let subject = match q.subject.as_str() {
        "" => None,
        code => Some(SubjectKind::parse(code).ok_or_else(|| {
            AppError::invalid("服务对象只能是 person（个人办事）或 organisation（法人办事）")
        })?),
    };
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
            && subject.is_none_or(|k| i.subject.serves(k))
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
    render(&CatalogPage {
        chrome: page.chrome(""),
        bureau: j
            .bureau
            .as_ref()
            .map(|b| b.name.clone())
            .unwrap_or_default(),
        date: fmt_date(date),
        dated: if date == page.app.today() {
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
        subject: q.subject.clone(),
        entrance: subject.map_or("", entrance_label),
        j,
    })
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
    /// The other departments of a joint item, by name.
    joint_departments: String,
    /// The flowchart of the item's procedure, with its branches.
    flow: Vec<yiyin_domain::catalog::FlowStep>,
    /// What applying online decides at once (告知承诺, 即办).
    online_offer: yiyin_domain::engine::OnlineOffer,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DateOnly {
    pub date: String,
}

pub async fn item(
    page: Visitor,
    Path((code, item_code)): Path<(String, String)>,
    Query(q): Query<DateOnly>,
) -> PageResult {
    let j = load_jurisdiction(&page.app, &code).await?;
    let date = date_param(&page.app, &q.date)?;
    let history = page.app.store.item_history(&code, &item_code).await?;
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
    render(&ItemPage {
        chrome: page.chrome(""),
        current: date == page.app.today(),
        implementer: match item.handling_mode {
            HandlingMode::Transferred => format!("{bureau}（行政审批专用章）"),
            HandlingMode::Resident => {
                format!("{}（进驻{}办事大厅）", dept_name(&item.department), j.name)
            }
            HandlingMode::Delegated => format!("{bureau}委托镇人民政府办理"),
            HandlingMode::Township => "所在镇人民政府（本镇权限）".to_string(),
            HandlingMode::AcceptancePoint => format!("{bureau}（镇便民服务中心代收）"),
        },
        department: dept_name(&item.department),
        supervisor: dept_name(&item.supervising_department),
        fees: item.fee_summary(),
        online: online_label(item.online_depth),
        flow: yiyin_domain::catalog::procedure_flow(&item),
        online_offer: yiyin_domain::engine::OnlineOffer::of(&item),
        townships: item
            .delegated_to
            .iter()
            .map(|t| j.township(t).map_or(t.clone(), |c| c.name()))
            .collect::<Vec<_>>()
            .join("、"),
        joint_departments: std::iter::once(&item.department)
            .chain(&item.joint_departments)
            .map(|d| dept_name(d))
            .collect::<Vec<_>>()
            .join("、"),
        history,
        version,
        item,
        j,
    })
}

/// A material's blank form (空白表格) as a PDF, free of charge (Art. 58).
pub async fn blank_form(
    page: Visitor,
    Path((code, item_code, material)): Path<(String, String, String)>,
) -> PageResult {
    material_sheet(page, (code, item_code, material), SheetKind::Blank).await
}

/// A material's filled-in sample (示例样本) as a PDF.
pub async fn sample(
    page: Visitor,
    Path((code, item_code, material)): Path<(String, String, String)>,
) -> PageResult {
    material_sheet(page, (code, item_code, material), SheetKind::Sample).await
}

async fn material_sheet(
    page: Visitor,
    (code, item_code, material): (String, String, String),
    kind: SheetKind,
) -> PageResult {
    load_jurisdiction(&page.app, &code).await?;
    let (name, bytes) = page
        .app
        .material_sheet(&code, &item_code, &material, kind)
        .await?;
    Ok(super::file_response("application/pdf", &name, false, bytes))
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

#[derive(Template)]
#[template(path = "portal/about.html")]
struct AboutPage {
    chrome: Chrome,
    j: Jurisdiction,
    view: super::org_view::OrgView,
    date: String,
}

/// About the jurisdiction (机构概况): its bureau, its departments by their relation to the bureau
/// (each under its current name, with its former names and how it is managed; ended ones with their
/// successor), its halls and windows, its township governments and their convenience centres. Names
/// only, never internal codes.
pub async fn about(page: Visitor, Path(code): Path<String>) -> PageResult {
    let j = load_jurisdiction(&page.app, &code).await?;
    let today = page.app.today();
    render(&AboutPage {
        chrome: page.chrome(""),
        view: super::org_view::OrgView::of(&j, today),
        date: fmt_date(today),
        j,
    })
}

pub async fn changelog(page: Visitor, Path(code): Path<String>) -> PageResult {
    let j = load_jurisdiction(&page.app, &code).await?;
    let entries = page
        .app
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
        chrome: page.chrome(""),
        j,
        entries,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SearchQuery {
    pub q: String,
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
pub async fn search(page: Visitor, Query(q): Query<SearchQuery>) -> PageResult {
    let org = page.app.org();
    let query = q.q.trim().to_string();
    let hits = if query.is_empty() {
        vec![]
    } else {
        page.app
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
        chrome: page.chrome(""),
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
pub async fn announcements(page: Visitor, Query(q): Query<SearchQuery>) -> PageResult {
    let org = page.app.org();
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
    page.app.store.jurisdiction(&j).await?;
    let rows = page
        .app
        .store
        .approvals(&j, 200)
        .await?
        .into_iter()
        .map(|c| Approval {
            decided_on: c.case.decided_on.map(fmt_date).unwrap_or_default(),
            number: c.number.clone(),
            item: c.item_name.clone(),
            licensee: c.applicant.kind.public_name(&c.applicant.name),
            result: c.result_name.clone(),
        })
        .collect();
    render(&AnnouncementsPage {
        chrome: page.chrome(""),
        j,
        jurisdictions,
        rows,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TrackForm {
    pub number: String,
    pub code: String,
    /// A bundle (一件事) is tracked by its number and the applicant's ID number.
    pub id_number: String,
}

#[derive(Template)]
#[template(path = "portal/track.html")]
struct TrackPage {
    chrome: Chrome,
    number: String,
    code: String,
    error: String,
    result: Option<yiyin_app::cases::TrackView>,
    /// The bundle tracked, with each member's state.
    bundle: Option<yiyin_app::bundles::BundleView>,
}

/// Follow a case with its number and query code, or a bundle (一件事) with its number and the
/// applicant's ID number, without an account (the lookups share the track page's rate limit).
pub async fn track(page: Visitor, Query(q): Query<TrackForm>) -> PageResult {
    let (mut error, mut result, mut bundle) = (String::new(), None, None);
    if !q.id_number.trim().is_empty() {
        if q.number.trim().is_empty() {
            error = "请填写一件事的办件编号和申请人证件号码".into();
        } else {
            match page.app.track_bundle(&q.number, &q.id_number).await {
                Ok(v) => bundle = Some(v),
                Err(AppError::NotFound(m)) => error = m,
                Err(e) => return Err(e.into()),
            }
        }
    } else if !q.number.trim().is_empty() || !q.code.trim().is_empty() {
        if q.number.trim().is_empty() || q.code.trim().is_empty() {
            error = "请填写办件编号和查询码".into();
        } else {
            match page.app.track(&q.number, &q.code).await {
                Ok(v) => result = Some(v),
                Err(AppError::NotFound(m)) => error = m,
                Err(e) => return Err(e.into()),
            }
        }
    }
    render(&TrackPage {
        chrome: page.chrome(""),
        number: q.number.trim().to_string(),
        code: q.code.trim().to_string(),
        error,
        result,
        bundle,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct VerifyForm {
    pub number: String,
    /// The verification code printed on the document (the QR code carries it).
    pub code: String,
}

#[derive(Template)]
#[template(path = "portal/verify.html")]
struct VerifyPage {
    chrome: Chrome,
    number: String,
    code: String,
    error: String,
    verdict: Option<Verdict>,
}

impl VerifyPage {
    /// The page with a verdict, or why there is none.
    fn of(
        page: &Visitor,
        (number, code): (String, String),
        (error, verdict): (String, Option<Verdict>),
    ) -> PageResult {
        render(&VerifyPage {
            chrome: page.chrome(""),
            number,
            code,
            error,
            verdict,
        })
    }
}

/// Verify a document or licence: by its number (the QR code leads here with its verification code;
/// without the code the facts are minimal and a person's name masked), or by uploading its PDF or
/// JSON file.
pub async fn verify(page: Visitor, Query(q): Query<VerifyForm>) -> PageResult {
    let number = q.number.trim().to_string();
    let code = q.code.trim().to_string();
    let found = if number.is_empty() {
        (String::new(), None)
    } else {
        match page
            .app
            .lookup(&number, Some(code.as_str()).filter(|c| !c.is_empty()))
            .await
        {
            Ok(Some(v)) => (String::new(), Some(v)),
            Ok(None) => (
                format!("没有找到文号为「{number}」的文书或证照，请核对是否抄错"),
                None,
            ),
            Err(e @ AppError::Invalid { .. }) => (e.to_string(), None),
            Err(e) => return Err(e.into()),
        }
    };
    VerifyPage::of(&page, (number, code), found)
}

pub async fn verify_upload(page: Visitor, mut mp: Multipart) -> PageResult {
    let mut bytes = Vec::new();
    while let Ok(Some(field)) = mp.next_field().await {
        if field.name() == Some("file") {
            bytes = field.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
        }
    }
    let found = if bytes.is_empty() {
        ("请选择要核验的PDF或JSON文件".to_string(), None)
    } else {
        (String::new(), Some(page.app.verify_bytes(&bytes).await?))
    };
    VerifyPage::of(&page, (String::new(), String::new()), found)
}

pub struct SealCard {
    pub name: String,
    pub holder: String,
    pub id: i64,
    pub valid: String,
    pub retired: bool,
    pub svg: String,
    /// The public key's short fingerprint (公钥指纹).
    pub fingerprint: String,
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
pub async fn seals(page: Visitor) -> PageResult {
    let seals = page
        .app
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
            fingerprint: yiyin_seal::keys::fingerprint(&s.public_key),
        })
        .collect();
    let heads = page.app.store.published_heads(60).await?;
    render(&SealsPage {
        chrome: page.chrome(""),
        seals,
        heads,
    })
}
