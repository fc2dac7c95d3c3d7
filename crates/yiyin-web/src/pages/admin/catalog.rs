//! The catalog editor: the catalog of a jurisdiction with its drafts, an item edited as a draft
//! (checked as it is saved), published with an effective date (the changelog follows by itself) or
//! retired.

use askama::Template;
use axum::extract::{Path, Query, State};
use yiyin_app::App;
use yiyin_domain::authz::Operation;
use yiyin_domain::calendar::{fmt_date, parse_date};
use yiyin_domain::catalog::{
    Faq, Fee, HandlingClass, HandlingMode, Item, ItemKind, ItemResult, ItemVersion, Material,
    MaterialForm, MaterialSource, Necessity, ResultKind, Step, StepKind, Subject, field_label,
};
use yiyin_domain::org::Jurisdiction;
use yiyin_domain::roles::Role;
use yiyin_store::catalog::Draft;

use super::{choices, require_in};
use crate::error::AppError;
use crate::pages::{
    Chrome, FieldErrors, Form, FormData, PageResult, PageUser, redirect_with, render,
};

pub struct CatalogRow {
    pub code: String,
    pub name: String,
    pub version: String,
    pub effective_on: String,
    pub draft: bool,
    pub draft_errors: usize,
}

#[derive(Template)]
#[template(path = "admin/catalog.html")]
struct CatalogAdminPage {
    chrome: Chrome,
    j: Jurisdiction,
    rows: Vec<CatalogRow>,
}

pub async fn catalog(
    State(state): State<App>,
    user: PageUser,
    Path(code): Path<String>,
    Query(n): Query<crate::pages::Notice>,
) -> PageResult {
    require_in(&user, Operation::ManageCatalog, &code)?;
    let j = state.store.jurisdiction(&code).await?;
    let today = state.today();
    let current = state.store.catalog_as_of(&code, today).await?;
    let drafts: Vec<Draft> = state.store.drafts(&code).await?;
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
        });
    }
    rows.sort_by(|a, b| a.code.cmp(&b.code));
    render(&CatalogAdminPage {
        chrome: user.chrome(&n.notice),
        j,
        rows,
    })
}

/// One row of the materials table of the editor.
pub struct MaterialInput {
    pub code: String,
    pub name: String,
    pub necessity: String,
    pub condition: String,
    pub form: String,
    pub copies: String,
    pub source: String,
    pub blank_form: String,
    pub sample: String,
    pub deferrable: bool,
    pub note: String,
}

pub struct StepInput {
    pub kind: String,
    pub name: String,
    pub role: String,
    pub days: String,
    pub standard: String,
}

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
    kinds: Vec<(&'static str, &'static str)>,
    modes: Vec<(&'static str, &'static str)>,
    classes: Vec<(&'static str, &'static str)>,
    subjects: Vec<(&'static str, &'static str)>,
    result_kinds: Vec<(&'static str, &'static str)>,
    necessities: Vec<(&'static str, &'static str)>,
    forms: Vec<(&'static str, &'static str)>,
    sources: Vec<(&'static str, &'static str)>,
    step_kinds: Vec<(&'static str, &'static str)>,
    roles: Vec<(&'static str, &'static str)>,
}

impl EditPage {
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

    fn delegated(&self, town: &str) -> bool {
        self.f
            .0
            .iter()
            .any(|(k, v)| k == "delegated_to" && v == town)
    }
}

/// The form values of an item (for editing).
fn item_to_form(item: &Item) -> (FormData, Vec<MaterialInput>, Vec<StepInput>) {
    let mut f = vec![
        ("code", item.code.clone()),
        ("name", item.name.clone()),
        ("kind", item.kind.code().into()),
        ("department", item.department.clone()),
        (
            "supervising_department",
            item.supervising_department.clone(),
        ),
        ("handling_mode", item.handling_mode.code().into()),
        ("handling_class", item.handling_class.code().into()),
        ("subject", item.subject.code().into()),
        ("legal_basis", item.legal_basis.join("\n")),
        ("conditions", item.conditions.join("\n")),
        ("statutory_days", item.statutory_days.to_string()),
        ("promised_days", item.promised_days.to_string()),
        ("online_depth", item.online_depth.to_string()),
        ("visits", item.visits.to_string()),
        (
            "commitment_check_days",
            item.commitment_check_days
                .map(|d| d.to_string())
                .unwrap_or_default(),
        ),
        (
            "fees",
            item.fees
                .iter()
                .map(|x| format!("{}|{}|{}", x.name, x.standard, x.basis))
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        ("result_name", item.result.name.clone()),
        ("result_kind", item.result.kind.code().into()),
        ("result_sample", item.result.sample.clone()),
        (
            "validity_years",
            item.result
                .validity_years
                .map(|d| d.to_string())
                .unwrap_or_default(),
        ),
        ("topics", item.topics.join("、")),
        ("place", item.place.clone()),
        ("hours", item.hours.clone()),
        ("phone", item.phone.clone()),
        (
            "faq",
            item.faq
                .iter()
                .map(|q| format!("{}|{}", q.question, q.answer))
                .collect::<Vec<_>>()
                .join("\n"),
        ),
    ];
    for (flag, on) in [
        ("joint", item.joint),
        ("green_list", item.green_list),
        ("quantity_limited", item.quantity_limited),
    ] {
        if on {
            f.push((flag, "yes".into()));
        }
    }
    for t in &item.delegated_to {
        f.push(("delegated_to", t.clone()));
    }
    let form = FormData(f.into_iter().map(|(k, v)| (k.to_string(), v)).collect());
    let materials = item
        .materials
        .iter()
        .map(|m| MaterialInput {
            code: m.code.clone(),
            name: m.name.clone(),
            necessity: m.necessity.code().into(),
            condition: m.condition.clone(),
            form: m.form.code().into(),
            copies: m.copies.to_string(),
            source: m.source.code().into(),
            blank_form: m.blank_form.clone(),
            sample: m.sample.clone(),
            deferrable: m.deferrable,
            note: m.note.clone(),
        })
        .collect();
    let steps = item
        .steps
        .iter()
        .map(|s| StepInput {
            kind: s.kind.code().into(),
            name: s.name.clone(),
            role: s.role.code().into(),
            days: s.days.to_string(),
            standard: s.standard.clone(),
        })
        .collect();
    (form, materials, steps)
}

fn rows_from_form(f: &FormData) -> (Vec<MaterialInput>, Vec<StepInput>) {
    let mut materials = Vec::new();
    for i in 0..60 {
        let g = |n: &str| f.get(&format!("m_{n}_{i}"));
        if !f.has(&format!("m_code_{i}")) {
            break;
        }
        if g("code").is_empty() && g("name").is_empty() {
            continue;
        }
        materials.push(MaterialInput {
            code: g("code"),
            name: g("name"),
            necessity: g("necessity"),
            condition: g("condition"),
            form: g("form"),
            copies: g("copies"),
            source: g("source"),
            blank_form: g("blank_form"),
            sample: g("sample"),
            deferrable: !g("deferrable").is_empty(),
            note: g("note"),
        });
    }
    let mut steps = Vec::new();
    for i in 0..40 {
        let g = |n: &str| f.get(&format!("s_{n}_{i}"));
        if !f.has(&format!("s_name_{i}")) {
            break;
        }
        if g("name").is_empty() {
            continue;
        }
        steps.push(StepInput {
            kind: g("kind"),
            name: g("name"),
            role: g("role"),
            days: g("days"),
            standard: g("standard"),
        });
    }
    (materials, steps)
}

/// Builds an item from the editor's form. Number and choice errors are reported per field.
fn item_from_form(
    f: &FormData,
    materials: &[MaterialInput],
    steps: &[StepInput],
    errors: &mut FieldErrors,
) -> Item {
    let mut num = |field: &str| -> u32 {
        let t = f.get(field);
        if t.is_empty() {
            return 0;
        }
        t.parse().unwrap_or_else(|_| {
            errors.add(field, format!("「{t}」不是非负整数"));
            0
        })
    };
    let statutory_days = num("statutory_days");
    let promised_days = num("promised_days");
    let online_depth = num("online_depth").min(9) as u8;
    let visits = num("visits").min(9) as u8;
    let commitment_check_days = Some(num("commitment_check_days")).filter(|d| *d > 0);
    let validity_years = Some(num("validity_years")).filter(|d| *d > 0);
    let lines = |field: &str| -> Vec<String> {
        f.get(field)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    };
    let fees = lines("fees")
        .into_iter()
        .filter_map(|l| {
            let p: Vec<&str> = l.split(['|', '｜']).map(str::trim).collect();
            match p.as_slice() {
                [n, s, b] => Some(Fee {
                    name: n.to_string(),
                    standard: s.to_string(),
                    basis: b.to_string(),
                }),
                _ => {
                    errors.add("fees", format!("「{l}」应写成 名称|标准|依据"));
                    None
                }
            }
        })
        .collect();
    let faq = lines("faq")
        .into_iter()
        .filter_map(|l| match l.split_once(['|', '｜']) {
            Some((q, a)) => Some(Faq {
                question: q.trim().into(),
                answer: a.trim().into(),
            }),
            None => {
                errors.add("faq", format!("「{l}」应写成 问题|解答"));
                None
            }
        })
        .collect();
    let mut pick = |field: &str, label: &str, ok: bool| {
        if !ok {
            errors.add(field, format!("请选择{label}"));
        }
    };
    let kind = ItemKind::parse(&f.get("kind"));
    pick("kind", "事项类型", kind.is_some());
    let mode = HandlingMode::parse(&f.get("handling_mode"));
    pick("handling_mode", "办理方式", mode.is_some());
    let class = HandlingClass::parse(&f.get("handling_class"));
    pick("handling_class", "办件类型", class.is_some());
    let subject = Subject::parse(&f.get("subject"));
    pick("subject", "服务对象", subject.is_some());
    let result_kind = ResultKind::parse(&f.get("result_kind"));
    pick("result_kind", "结果类型", result_kind.is_some());
    let materials = materials
        .iter()
        .enumerate()
        .map(|(i, m)| Material {
            code: m.code.clone(),
            name: m.name.clone(),
            necessity: Necessity::parse(&m.necessity).unwrap_or(Necessity::Required),
            condition: m.condition.clone(),
            form: MaterialForm::parse(&m.form).unwrap_or(MaterialForm::Original),
            copies: m.copies.parse().unwrap_or_else(|_| {
                errors.add(
                    &format!("m_copies_{i}"),
                    format!("份数「{}」不是整数", m.copies),
                );
                0
            }),
            source: MaterialSource::parse(&m.source).unwrap_or(MaterialSource::Applicant),
            blank_form: m.blank_form.clone(),
            sample: m.sample.clone(),
            deferrable: m.deferrable,
            note: m.note.clone(),
        })
        .collect();
    let steps = steps
        .iter()
        .enumerate()
        .map(|(i, s)| Step {
            kind: StepKind::parse(&s.kind).unwrap_or(StepKind::Review),
            name: s.name.clone(),
            role: Role::parse(&s.role).unwrap_or(Role::Reviewer),
            days: s.days.parse().unwrap_or_else(|_| {
                errors.add(
                    &format!("s_days_{i}"),
                    format!("时限「{}」不是整数", s.days),
                );
                0
            }),
            standard: s.standard.clone(),
        })
        .collect();
    Item {
        code: f.get("code"),
        name: f.get("name"),
        kind: kind.unwrap_or(ItemKind::Licensing),
        department: f.get("department"),
        supervising_department: f.get("supervising_department"),
        handling_mode: mode.unwrap_or(HandlingMode::Transferred),
        handling_class: class.unwrap_or(HandlingClass::Promised),
        delegated_to: f.all("delegated_to"),
        subject: subject.unwrap_or(Subject::Both),
        legal_basis: lines("legal_basis"),
        conditions: lines("conditions"),
        materials,
        statutory_days,
        promised_days,
        joint: !f.get("joint").is_empty(),
        fees,
        online_depth,
        visits,
        green_list: !f.get("green_list").is_empty(),
        commitment_check_days,
        quantity_limited: !f.get("quantity_limited").is_empty(),
        steps,
        result: ItemResult {
            name: f.get("result_name"),
            kind: result_kind.unwrap_or(ResultKind::Licence),
            sample: f.get("result_sample"),
            validity_years,
        },
        topics: f
            .get("topics")
            .split(['、', '，', ',', '\n'])
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect(),
        place: f.get("place"),
        hours: f.get("hours"),
        phone: f.get("phone"),
        faq,
    }
}

/// The form field a validation error belongs to.
fn form_field(path: &str) -> String {
    let simple = |p: &str| match p {
        "result.name" => "result_name".to_string(),
        "result.validity_years" => "validity_years".to_string(),
        other => other.split('[').next().unwrap_or(other).to_string(),
    };
    for (prefix, short) in [("materials[", "m"), ("steps[", "s")] {
        if let Some(rest) = path.strip_prefix(prefix)
            && let Some((i, field)) = rest.split_once("].")
        {
            return format!("{short}_{field}_{i}");
        }
    }
    simple(path)
}

#[allow(clippy::too_many_arguments)]
fn edit_page(
    user: &PageUser,
    j: Jurisdiction,
    existing: bool,
    f: FormData,
    materials: Vec<MaterialInput>,
    steps: Vec<StepInput>,
    errors: FieldErrors,
    problems: Vec<String>,
    published: Option<ItemVersion>,
    has_draft: bool,
    today: String,
    notice: &str,
) -> EditPage {
    EditPage {
        chrome: user.chrome(notice),
        j,
        existing,
        f,
        materials,
        steps,
        errors,
        problems,
        published,
        has_draft,
        today,
        kinds: choices!(ItemKind),
        modes: choices!(HandlingMode),
        classes: choices!(HandlingClass),
        subjects: choices!(Subject),
        result_kinds: choices!(ResultKind),
        necessities: choices!(Necessity),
        forms: choices!(MaterialForm),
        sources: choices!(MaterialSource),
        step_kinds: choices!(StepKind),
        roles: Role::ALL
            .iter()
            .filter(|r| StepKind::ALL.iter().any(|k| r.can_own_step(*k)))
            .map(|r| (r.code(), r.label()))
            .collect(),
    }
}

fn problems_of(item: &Item, j: &Jurisdiction, errors: &mut FieldErrors) -> Vec<String> {
    item.validate(j)
        .into_iter()
        .map(|e| {
            errors.add(&form_field(&e.field), e.message.clone());
            format!("{}：{}", field_label(&e.field), e.message)
        })
        .collect()
}

pub async fn edit_form(
    State(state): State<App>,
    user: PageUser,
    Path((code, item_code)): Path<(String, String)>,
    Query(n): Query<crate::pages::Notice>,
) -> PageResult {
    require_in(&user, Operation::ManageCatalog, &code)?;
    let j = state.store.jurisdiction(&code).await?;
    let history = state.store.item_history(&code, &item_code).await?;
    let draft = state.store.draft(&code, &item_code).await?;
    let published = history.last().cloned();
    let item = match (&draft, &published) {
        (Some(d), _) => d.item.clone(),
        (None, Some(v)) => v.item.clone(),
        (None, None) => return Err(AppError::NotFound(format!("没有事项「{item_code}」")).into()),
    };
    let (f, materials, steps) = item_to_form(&item);
    let mut errors = FieldErrors::default();
    let problems = if draft.is_some() {
        problems_of(&item, &j, &mut errors)
    } else {
        vec![]
    };
    render(&edit_page(
        &user,
        j,
        true,
        f,
        materials,
        steps,
        errors,
        problems,
        published,
        draft.is_some(),
        fmt_date(state.today()),
        &n.notice,
    ))
}

pub async fn new_form(
    State(state): State<App>,
    user: PageUser,
    Path(code): Path<String>,
) -> PageResult {
    require_in(&user, Operation::ManageCatalog, &code)?;
    let j = state.store.jurisdiction(&code).await?;
    let hall = j.halls.first();
    let f = FormData(vec![
        ("kind".into(), "licensing".into()),
        ("handling_mode".into(), "transferred".into()),
        ("handling_class".into(), "promised".into()),
        ("subject".into(), "both".into()),
        ("statutory_days".into(), "20".into()),
        ("online_depth".into(), "3".into()),
        ("visits".into(), "1".into()),
        ("result_kind".into(), "licence".into()),
        (
            "place".into(),
            hall.map(|h| h.name.clone()).unwrap_or_default(),
        ),
        (
            "hours".into(),
            hall.map(|h| h.hours.clone()).unwrap_or_default(),
        ),
        (
            "phone".into(),
            hall.map(|h| h.phone.clone())
                .unwrap_or_else(|| "12345".into()),
        ),
    ]);
    let steps = vec![
        StepInput {
            kind: "acceptance".into(),
            name: "窗口受理".into(),
            role: "window_clerk".into(),
            days: "0".into(),
            standard: String::new(),
        },
        StepInput {
            kind: "review".into(),
            name: "审查".into(),
            role: "reviewer".into(),
            days: "3".into(),
            standard: String::new(),
        },
        StepInput {
            kind: "decision".into(),
            name: "决定".into(),
            role: "section_chief".into(),
            days: "1".into(),
            standard: String::new(),
        },
    ];
    render(&edit_page(
        &user,
        j,
        false,
        f,
        vec![],
        steps,
        FieldErrors::default(),
        vec![],
        None,
        false,
        fmt_date(state.today()),
        "",
    ))
}

/// Saves the editor's form as a draft (a draft may still have problems; they are listed).
pub async fn save(
    State(state): State<App>,
    user: PageUser,
    Path((code, item_code)): Path<(String, String)>,
    form: Form<serde::de::IgnoredAny>,
) -> PageResult {
    require_in(&user, Operation::ManageCatalog, &code)?;
    user.check_csrf(&form)?;
    let form = form.raw;
    let j = state.store.jurisdiction(&code).await?;
    let (materials, steps) = rows_from_form(&form);
    let mut errors = FieldErrors::default();
    let mut item = item_from_form(&form, &materials, &steps, &mut errors);
    let new = item_code == "_new";
    if !new {
        item.code = item_code.clone();
    }
    if errors.is_empty() {
        match state.save_draft(user.who(), &code, &item, new).await {
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
    let history = state.store.item_history(&code, &item.code).await?;
    let page = edit_page(
        &user,
        j,
        !new,
        form,
        materials,
        steps,
        errors,
        vec![],
        history.last().cloned(),
        false,
        fmt_date(state.today()),
        "",
    );
    let mut resp = render(&page)?;
    *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(resp)
}

/// A publication or retirement as its form sends it.
#[derive(Debug, Default, serde::Deserialize)]
pub struct EffectiveForm {
    #[serde(default)]
    effective_on: String,
    #[serde(default)]
    note: String,
}

/// Publishes the draft with an effective date.
pub async fn publish(
    State(state): State<App>,
    user: PageUser,
    Path((code, item_code)): Path<(String, String)>,
    form: Form<EffectiveForm>,
) -> PageResult {
    require_in(&user, Operation::ManageCatalog, &code)?;
    user.check_csrf(&form)?;
    let back = format!("/admin/catalog/{code}/edit/{item_code}");
    let effective = match parse_date(&form.data.effective_on) {
        Ok(d) => d,
        Err(e) => return Ok(redirect_with(&back, &format!("生效日期：{e}"))),
    };
    match state
        .publish_draft(
            user.who(),
            &code,
            &item_code,
            effective,
            form.data.note.trim(),
        )
        .await
    {
        Ok(v) => Ok(redirect_with(
            &format!("/admin/catalog/{code}"),
            &format!(
                "已公布「{}」第{}版（{}），{} 起施行；目录调整公告已更新",
                v.item.name,
                v.version,
                v.change.label(),
                fmt_date(v.effective_on)
            ),
        )),
        Err(
            e @ (AppError::Refused(_)
            | AppError::Invalid { .. }
            | AppError::NotFound(_)
            | AppError::Conflict(_)),
        ) => Ok(redirect_with(&back, &format!("未能公布：{e}"))),
        Err(e) => Err(e.into()),
    }
}

pub async fn retire(
    State(state): State<App>,
    user: PageUser,
    Path((code, item_code)): Path<(String, String)>,
    form: Form<EffectiveForm>,
) -> PageResult {
    require_in(&user, Operation::ManageCatalog, &code)?;
    user.check_csrf(&form)?;
    let back = format!("/admin/catalog/{code}/edit/{item_code}");
    let effective = match parse_date(&form.data.effective_on) {
        Ok(d) => d,
        Err(e) => return Ok(redirect_with(&back, &format!("生效日期：{e}"))),
    };
    match state
        .retire_item(
            user.who(),
            &code,
            &item_code,
            effective,
            form.data.note.trim(),
        )
        .await
    {
        Ok(v) => Ok(redirect_with(
            &format!("/admin/catalog/{code}"),
            &format!(
                "已取消「{}」，{} 起不再受理",
                v.item.name,
                fmt_date(v.effective_on)
            ),
        )),
        Err(e @ (AppError::Refused(_) | AppError::NotFound(_) | AppError::Invalid { .. })) => {
            Ok(redirect_with(&back, &format!("未能取消：{e}")))
        }
        Err(e) => Err(e.into()),
    }
}
