//! The catalog editor: the catalog of a jurisdiction with its drafts, an item edited as a draft
//! (checked as it is saved), published with an effective date (the changelog follows by itself) or
//! retired; the national list report (国家清单对照) beside it.

use crate::pages::{Path, Query};
use askama::Template;
use serde::Deserialize;
use yiyin_app::catalog::NationalReport;
use yiyin_domain::authz::Operation;
use yiyin_domain::calendar::{fmt_date, parse_date};
use yiyin_domain::catalog::{
    HandlingClass, HandlingMode, ItemKind, ItemVersion, LimitUnit, MaterialForm, MaterialSource,
    Necessity, ResultKind, StepKind, Subject,
};
use yiyin_domain::org::Jurisdiction;
use yiyin_domain::roles::Role;
use yiyin_domain::sources::{Source, is_assumed};
use yiyin_store::catalog::Draft;

use super::item_form::{
    MaterialInput, StepInput, item_from_form, item_to_form, problems_of, rows_from_form,
    sources_from_text,
};
use crate::auth::gate;
use crate::error::AppError;
use crate::pages::{
    Chrome, FieldErrors, Form, FormData, Notice, Page, PageFor, PageResult, RawForm, redirect_with,
    render, tell_back, unprocessable,
};

pub struct CatalogRow {
    pub code: String,
    pub name: String,
    pub version: String,
    pub effective_on: String,
    pub draft: bool,
    pub draft_errors: usize,
    /// Some of its facts are assumed for the demo (演示假定).
    pub assumed: bool,
}

#[derive(Template)]
#[template(path = "admin/catalog.html")]
struct CatalogAdminPage {
    chrome: Chrome,
    j: Jurisdiction,
    rows: Vec<CatalogRow>,
}

pub async fn catalog(page: Page, Path(code): Path<String>, Query(n): Query<Notice>) -> PageResult {
    page.require_in(Operation::ManageCatalog, &code)?;
    let store = &page.app.store;
    let j = store.jurisdiction(&code).await?;
    let current = store.catalog_as_of(&code, page.app.today()).await?;
    let drafts: Vec<Draft> = store.drafts(&code).await?;
    let mut rows: Vec<CatalogRow> = current
        .iter()
        .map(|v| CatalogRow {
            code: v.code.clone(),
            name: v.item.name.clone(),
            version: format!("第{}版", v.version),
            effective_on: fmt_date(v.effective_on),
            draft: drafts.iter().any(|d| d.item.code == v.code),
            draft_errors: drafts
                .iter()
                .find(|d| d.item.code == v.code)
                .map_or(0, |d| d.item.validate(&j).len()),
            assumed: is_assumed(&v.item.sources),
        })
        .collect();
    for d in drafts
        .iter()
        .filter(|d| !current.iter().any(|v| v.code == d.item.code))
    {
        rows.push(CatalogRow {
            code: d.item.code.clone(),
            name: d.item.name.clone(),
            version: "未公布".into(),
            effective_on: String::new(),
            draft: true,
            draft_errors: d.item.validate(&j).len(),
            assumed: is_assumed(&d.item.sources),
        });
    }
    rows.sort_by(|a, b| a.code.cmp(&b.code));
    render(&CatalogAdminPage {
        chrome: page.chrome(&n.notice),
        j,
        rows,
    })
}

#[derive(Template)]
#[template(path = "admin/national.html")]
struct NationalPage {
    chrome: Chrome,
    r: NationalReport,
    date: String,
}

/// The date a report is read at (`YYYY-MM-DD`, today when empty).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReportQuery {
    date: String,
}

/// The national list report (国家清单对照): licensing items in force without a national list
/// entry, and items assumed for the demo.
pub async fn national(
    page: Page,
    Path(code): Path<String>,
    Query(q): Query<ReportQuery>,
) -> PageResult {
    page.require_in(Operation::ManageCatalog, &code)?;
    let date = match q.date.trim() {
        "" => page.app.today(),
        t => parse_date(t).map_err(|e| AppError::invalid(format!("日期：{e}")))?,
    };
    let r = page.app.national_report(page.who(), &code, date).await?;
    render(&NationalPage {
        chrome: page.chrome(""),
        date: fmt_date(date),
        r,
    })
}

/// The (code, label) choices of a select.
type Choices = Vec<(&'static str, &'static str)>;

#[derive(Template)]
#[template(path = "admin/edit.html")]
struct EditPage {
    chrome: Chrome,
    j: Jurisdiction,
    /// Whether the item already exists (its code cannot change).
    existing: bool,
    f: FormData,
    materials: Vec<MaterialInput>,
    steps: Vec<StepInput>,
    errors: FieldErrors,
    /// Problems that block publication, in Chinese.
    problems: Vec<String>,
    published: Option<ItemVersion>,
    has_draft: bool,
    today: String,
    kinds: Choices,
    modes: Choices,
    classes: Choices,
    subjects: Choices,
    result_kinds: Choices,
    units: Choices,
    necessities: Choices,
    forms: Choices,
    sources: Choices,
    step_kinds: Choices,
    roles: Choices,
}

impl EditPage {
    /// The editor of a new item with these fields and rows: no error, nothing published yet.
    fn new(
        page: &Page,
        j: Jurisdiction,
        (f, materials, steps): (FormData, Vec<MaterialInput>, Vec<StepInput>),
    ) -> EditPage {
        EditPage {
            chrome: page.chrome(""),
            j,
            existing: false,
            f,
            materials,
            steps,
            errors: FieldErrors::default(),
            problems: vec![],
            published: None,
            has_draft: false,
            today: fmt_date(page.app.today()),
            kinds: ItemKind::options(),
            modes: HandlingMode::options(),
            classes: HandlingClass::options(),
            subjects: Subject::options(),
            result_kinds: ResultKind::options(),
            units: LimitUnit::options(),
            necessities: Necessity::options(),
            forms: MaterialForm::options(),
            sources: MaterialSource::options(),
            step_kinds: StepKind::options(),
            roles: Role::ALL
                .iter()
                .filter(|r| StepKind::ALL.iter().any(|k| r.can_own_step(*k)))
                .map(|r| (r.code(), r.label()))
                .collect(),
        }
    }

    /// Indexes of the empty rows for new materials.
    fn extra_materials(&self) -> std::ops::Range<usize> {
        self.materials.len()..self.materials.len() + 3
    }

    /// Indexes of the empty rows for new steps.
    fn extra_steps(&self) -> std::ops::Range<usize> {
        self.steps.len()..self.steps.len() + 2
    }

    /// The error of a field of a material or step row (`m_copies`, 2 → `m_copies_2`).
    fn ferr(&self, prefix: &str, i: &usize) -> String {
        self.errors.of(&format!("{prefix}_{i}"))
    }

    /// The item's sources as the form holds them (lines that do not read are left out; they are
    /// named beside the field).
    fn source_list(&self) -> Vec<Source> {
        sources_from_text(&self.f.get("sources"), &mut FieldErrors::default())
    }

    /// Whether some of the item's facts are assumed for the demo.
    fn assumed(&self) -> bool {
        is_assumed(&self.source_list())
    }
}

pub async fn edit_form(
    page: Page,
    Path((code, item_code)): Path<(String, String)>,
    Query(n): Query<Notice>,
) -> PageResult {
    page.require_in(Operation::ManageCatalog, &code)?;
    let store = &page.app.store;
    let j = store.jurisdiction(&code).await?;
    let history = store.item_history(&code, &item_code).await?;
    let draft = store.draft(&code, &item_code).await?;
    let published = history.last().cloned();
    let item = match (&draft, &published) {
        (Some(d), _) => d.item.clone(),
        (None, Some(v)) => v.item.clone(),
        (None, None) => return Err(AppError::NotFound(format!("没有事项「{item_code}」")).into()),
    };
    let mut errors = FieldErrors::default();
    let problems = if draft.is_some() {
        problems_of(&item, &j, &mut errors)
    } else {
        vec![]
    };
    render(&EditPage {
        chrome: page.chrome(&n.notice),
        existing: true,
        errors,
        problems,
        published,
        has_draft: draft.is_some(),
        ..EditPage::new(&page, j, item_to_form(&item))
    })
}

/// A step of a new item's procedure, as first proposed.
fn step(kind: &str, name: &str, role: &str, days: &str) -> StepInput {
    StepInput {
        kind: kind.into(),
        name: name.into(),
        role: role.into(),
        days: days.into(),
        standard: String::new(),
    }
}

pub async fn new_form(page: Page, Path(code): Path<String>) -> PageResult {
    page.require_in(Operation::ManageCatalog, &code)?;
    let j = page.app.store.jurisdiction(&code).await?;
    let (place, hours, phone) = match j.halls.first() {
        Some(h) => (h.name.clone(), h.hours.clone(), h.phone.clone()),
        None => (String::new(), String::new(), "12345".to_string()),
    };
    let f = [
        ("kind", "licensing"),
        ("handling_mode", "transferred"),
        ("handling_class", "promised"),
        ("subject", "both"),
        ("statutory_days", "20"),
        ("online_depth", "3"),
        ("visits", "1"),
        ("result_kind", "licence"),
        ("place", &place),
        ("hours", &hours),
        ("phone", &phone),
    ]
    .map(|(k, v)| (k.to_string(), v.to_string()));
    let steps = vec![
        step("acceptance", "窗口受理", "window_clerk", "0"),
        step("review", "审查", "reviewer", "3"),
        step("decision", "决定", "section_chief", "1"),
    ];
    render(&EditPage::new(
        &page,
        j,
        (FormData(f.to_vec()), vec![], steps),
    ))
}

/// Saves the editor's form as a draft (a draft may still have problems; they are listed).
pub async fn save(
    page: PageFor<gate::ManageCatalog>,
    Path((code, item_code)): Path<(String, String)>,
    form: RawForm,
) -> PageResult {
    let page = page.page;
    page.require_in(Operation::ManageCatalog, &code)?;
    page.check_csrf(&form)?;
    let form = form.raw;
    let j = page.app.store.jurisdiction(&code).await?;
    let (materials, steps) = rows_from_form(&form);
    let mut errors = FieldErrors::default();
    let mut item = item_from_form(&form, &materials, &steps, &mut errors);
    let new = item_code == "_new";
    if !new {
        item.code = item_code.clone();
    }
    if errors.is_empty() {
        match page.app.save_draft(page.who(), &code, &item, new).await {
            Ok(()) => {
                let problems = item.validate(&j).len();
                let notice = if problems == 0 {
                    "草稿已保存，检查通过，可以公布".to_string()
                } else {
                    format!("草稿已保存；还有 {problems} 处问题，修改后方可公布")
                };
                return Ok(redirect_with(
                    &format!("/admin/catalog/{code}/edit/{}", item.code),
                    &notice,
                ));
            }
            Err(e @ AppError::Invalid { .. }) => errors.add_error(&e, "code"),
            Err(e) => return Err(e.into()),
        }
    }
    let history = page.app.store.item_history(&code, &item.code).await?;
    unprocessable(render(&EditPage {
        existing: !new,
        errors,
        published: history.last().cloned(),
        ..EditPage::new(&page, j, (form, materials, steps))
    }))
}

/// A publication or retirement as its form sends it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EffectiveForm {
    effective_on: String,
    note: String,
}

/// What happens to an item from the form's effective date.
#[derive(Debug, Clone, Copy)]
enum Dated {
    Publish,
    Retire,
}

impl Dated {
    /// The notice of success.
    fn done(self, v: &ItemVersion) -> String {
        match self {
            Dated::Publish => format!(
                "已公布「{}」第{}版（{}），{} 起施行；目录调整公告已更新",
                v.item.name,
                v.version,
                v.change.label(),
                fmt_date(v.effective_on)
            ),
            Dated::Retire => format!(
                "已取消「{}」，{} 起不再受理",
                v.item.name,
                fmt_date(v.effective_on)
            ),
        }
    }

    /// Whether an error is told on the item's editor (others are error pages).
    fn told(self, e: &AppError) -> bool {
        match self {
            Dated::Publish => matches!(
                e,
                AppError::Refused(_)
                    | AppError::Invalid { .. }
                    | AppError::NotFound(_)
                    | AppError::Conflict(_)
            ),
            Dated::Retire => matches!(
                e,
                AppError::Refused(_) | AppError::NotFound(_) | AppError::Invalid { .. }
            ),
        }
    }

    /// The words before a refusal told on the editor.
    fn failed(self) -> &'static str {
        match self {
            Dated::Publish => "未能公布：",
            Dated::Retire => "未能取消：",
        }
    }
}

/// Publishes the draft, or retires the item, from the form's date. Success returns to the catalog;
/// a bad date or a refusal is told on the item's editor.
async fn dated(
    page: Page,
    (code, item_code): (String, String),
    form: Form<EffectiveForm>,
    what: Dated,
) -> PageResult {
    page.require_in(Operation::ManageCatalog, &code)?;
    page.check_csrf(&form)?;
    let back = format!("/admin/catalog/{code}/edit/{item_code}");
    let effective = match parse_date(&form.data.effective_on) {
        Ok(d) => d,
        Err(e) => return Ok(redirect_with(&back, &format!("生效日期：{e}"))),
    };
    let (app, who, note) = (&page.app, page.who(), form.data.note.trim());
    let result = match what {
        Dated::Publish => {
            app.publish_draft(who, &code, &item_code, effective, note)
                .await
        }
        Dated::Retire => {
            app.retire_item(who, &code, &item_code, effective, note)
                .await
        }
    };
    tell_back(
        result,
        |v| (format!("/admin/catalog/{code}"), what.done(&v)),
        |e| what.told(e),
        &back,
        what.failed(),
    )
}

/// Publishes the draft with an effective date.
pub async fn publish(
    page: PageFor<gate::ManageCatalog>,
    Path(item): Path<(String, String)>,
    form: Form<EffectiveForm>,
) -> PageResult {
    dated(page.page, item, form, Dated::Publish).await
}

/// Retires the item from an effective date.
pub async fn retire(
    page: PageFor<gate::ManageCatalog>,
    Path(item): Path<(String, String)>,
    form: Form<EffectiveForm>,
) -> PageResult {
    dated(page.page, item, form, Dated::Retire).await
}
