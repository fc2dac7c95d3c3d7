//! The organisation of a jurisdiction on the administrator's page: what it is now (each body's
//! current and former names, how it is managed, ended bodies and their successors, where each
//! entry's facts come from, and plainly which entries are assumed for the demo), and the form a
//! system administrator edits it on — the jurisdiction's and the bureau's former names and sources,
//! each department's row (relation, management, batch, end and successor, former names, sources),
//! the halls' and townships' sources — or, advanced, the whole of it as TOML. Catalog administrators
//! read the page without the form. Whatever is sent is checked before anything is saved, by the one
//! use case; a bad line is refused beside its field, in Chinese, naming the line. The page also
//! lists the county's seals in use, each signed by Yiyin or by the county's own e-seal system
//! (外部签章系统), and a system administrator registers such a system for a seal there by
//! uploading its certificate and seal data ([`register_external_signer`]). For each external seal
//! it shows the state of its maker's revocation list (CRL: the address, the last accepted list's
//! dates, the last fetch, the last problem), and a system administrator gives a new address or list
//! there ([`set_seal_crl`]).

use crate::pages::{Path, Query};
use askama::Template;
use serde::Deserialize;
use yiyin_domain::authz::Operation;
use yiyin_domain::calendar::parse_date;
use yiyin_domain::ids::CreditCode;
use yiyin_domain::org::{
    Bureau, Department, DepartmentRelation, FormerName, Jurisdiction, Management,
};
use yiyin_domain::sources::Source;
use yiyin_store::seals::SealRecord;

use super::super::org_view::OrgView;
use super::{
    Chrome, FieldErrors, Form, Notice, Page, PageFor, PageResult, UploadForm, redirect_with,
    render, unprocessable,
};
use crate::auth::gate;
use crate::error::AppError;

#[derive(Template)]
#[template(path = "admin/org.html")]
struct OrgPage {
    chrome: Chrome,
    j: Jurisdiction,
    /// The organisation as it stands today, as read.
    view: OrgView,
    /// The user may edit (system administrator); a catalog administrator only reads.
    editable: bool,
    /// The jurisdiction's former names and sources, one a line.
    j_former: String,
    j_sources: String,
    /// The form: the bureau, the departments, the halls and the townships, one row each.
    bureau: BureauFields,
    rows: Vec<DepartmentRow>,
    halls: Vec<HallRow>,
    towns: Vec<TownRow>,
    relations: Vec<(&'static str, &'static str)>,
    managements: Vec<(&'static str, &'static str)>,
    /// The departments a department's duties can pass to: (code, name), '' for none.
    successors: Vec<(String, String)>,
    errors: FieldErrors,
    /// The advanced editor: the whole organisation of the jurisdiction as TOML.
    text: String,
    error: String,
    /// The county's seals in use, each signed by Yiyin or by its external e-seal system.
    seals: Vec<SealRow>,
    /// The seal whose external-signer form was refused (0: none), the refusal and the address
    /// as typed.
    seal_refused: i64,
    seal_error: String,
    seal_url: String,
    seal_crl_url: String,
    /// The seal whose CRL form was refused (0: none), the refusal and the address as typed.
    crl_refused: i64,
    crl_error: String,
    crl_url: String,
}

/// A seal in use as the page shows it, with its CRL's state when it is an external seal's
/// (the seal's fields read through, `s.name` in the template).
struct SealRow {
    seal: SealRecord,
    crl: Option<CrlView>,
}

impl std::ops::Deref for SealRow {
    type Target = SealRecord;
    fn deref(&self) -> &SealRecord {
        &self.seal
    }
}

/// An external seal's CRL as shown: '' where nothing is known.
struct CrlView {
    url: String,
    this_update: String,
    next_update: String,
    accepted_at: String,
    checked_at: String,
    problem: String,
}

impl CrlView {
    fn of(s: yiyin_app::seal_crls::CrlStatus) -> Self {
        let when = |ms: Option<i64>| ms.map(crate::pages::messages::when).unwrap_or_default();
        Self {
            url: s.url,
            this_update: s.this_update,
            next_update: s.next_update,
            accepted_at: when(s.accepted_at),
            checked_at: when(s.checked_at),
            problem: s.problem,
        }
    }
}

/// The bureau's fields as shown on the form.
#[derive(Debug, Clone, Default)]
struct BureauFields {
    name: String,
    credit_code: String,
    seal_name: String,
    former: String,
    sources: String,
}

/// A department's row of the form, as shown (or as sent), with the errors beside its fields.
#[derive(Debug, Clone, Default)]
struct DepartmentRow {
    code: String,
    name: String,
    relation: String,
    management: String,
    batch: String,
    ended_on: String,
    successor: String,
    former: String,
    sources: String,
    note: String,
    /// Ticked 「删除」: the row goes when the form is saved.
    removed: bool,
    e_code: String,
    e_name: String,
    e_relation: String,
    e_management: String,
    e_batch: String,
    e_ended_on: String,
    e_successor: String,
    e_former: String,
    e_sources: String,
}

impl DepartmentRow {
    fn of(d: &Department) -> Self {
        Self {
            code: d.code.clone(),
            name: d.name.clone(),
            relation: d.relation.code().into(),
            management: d.management.code().into(),
            batch: d.batch.map(|b| b.to_string()).unwrap_or_default(),
            ended_on: d.ended_on.map(|e| e.to_string()).unwrap_or_default(),
            successor: d.successor.clone().unwrap_or_default(),
            former: former_lines(&d.former_names),
            sources: source_lines(&d.sources),
            note: d.note.clone(),
            ..Self::default()
        }
    }

    fn has_errors(&self) -> bool {
        [
            &self.e_code,
            &self.e_name,
            &self.e_relation,
            &self.e_management,
            &self.e_batch,
            &self.e_ended_on,
            &self.e_successor,
            &self.e_former,
            &self.e_sources,
        ]
        .iter()
        .any(|e| !e.is_empty())
    }
}

/// A service hall's row: its sources (the rest is edited as TOML).
#[derive(Debug, Clone, Default)]
struct HallRow {
    code: String,
    name: String,
    sources: String,
    e_sources: String,
}

/// A township's row: its government's credit code and its sources.
#[derive(Debug, Clone, Default)]
struct TownRow {
    code: String,
    name: String,
    credit_code: String,
    sources: String,
    e_credit_code: String,
    e_sources: String,
}

/// Former names written one a line ([`FormerName::line`]).
fn former_lines(former: &[FormerName]) -> String {
    former
        .iter()
        .map(FormerName::line)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Reads what [`former_lines`] writes (a half-width 「|」 also separates); `division` allows a
/// division code. The error names the line.
fn parse_former(text: &str, current: &str, division: bool) -> Result<Vec<FormerName>, String> {
    let mut former = Vec::new();
    for (n, line) in numbered_lines(text) {
        let mut parts = line.split(['｜', '|']).map(str::trim);
        let name = parts.next().unwrap_or_default();
        let Some(until) = parts.next() else {
            return Err(format!(
                "第{n}行「{line}」应写作“名称｜停用日期”，如“汉阴县国土资源局｜2019-03-01”"
            ));
        };
        if name.is_empty() {
            return Err(format!("第{n}行「{line}」缺少曾用名"));
        }
        if name == current {
            return Err(format!("第{n}行的曾用名「{name}」与现名相同"));
        }
        let until = parse_date(until).map_err(|_| {
            format!("第{n}行的停用日期「{until}」不是有效日期，应写作如 2019-03-01")
        })?;
        let mut f = FormerName {
            name: name.to_string(),
            until,
            division_code: String::new(),
            sources: Vec::new(),
        };
        for part in parts.filter(|p| !p.is_empty()) {
            if division && f.division_code.is_empty() && is_division_code(part) {
                f.division_code = part.to_string();
            } else if let Some(s) = Source::parse_line(part) {
                f.sources.push(s);
            } else if division {
                return Err(format!(
                    "第{n}行的「{part}」既不是6位行政区划代码，也不是“种类：出处”形式的来源"
                ));
            } else {
                return Err(format!(
                    "第{n}行的「{part}」不是“种类：出处”形式的来源（种类为试点方案、公开文件或演示假定）"
                ));
            }
        }
        former.push(f);
    }
    Ok(former)
}

fn is_division_code(s: &str) -> bool {
    s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Sources written one a line as 「种类：出处」.
fn source_lines(sources: &[Source]) -> String {
    sources
        .iter()
        .map(Source::line)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Reads what [`source_lines`] writes; the error names the line.
fn parse_sources(text: &str) -> Result<Vec<Source>, String> {
    numbered_lines(text)
        .map(|(n, line)| {
            Source::parse_line(line).ok_or_else(|| {
                format!(
                    "第{n}行「{line}」无法识别：应写作“种类：出处”，种类为试点方案、公开文件或演示假定"
                )
            })
        })
        .collect()
}

/// The non-blank lines of a text box, trimmed, with their numbers (counted from 1, blank lines
/// included, as the user sees them).
fn numbered_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty())
}

impl OrgPage {
    fn new(
        chrome: Chrome,
        j: Jurisdiction,
        today: chrono::NaiveDate,
        editable: bool,
        seals: Vec<SealRow>,
    ) -> Result<Self, AppError> {
        let text = toml::to_string_pretty(&j).map_err(AppError::internal)?;
        let bureau = j
            .bureau
            .as_ref()
            .map(|b| BureauFields {
                name: b.name.clone(),
                credit_code: b.credit_code.clone(),
                seal_name: b.seal_name.clone(),
                former: former_lines(&b.former_names),
                sources: source_lines(&b.sources),
            })
            .unwrap_or_default();
        Ok(Self {
            chrome,
            view: OrgView::of(&j, today),
            editable,
            j_former: former_lines(&j.former_names),
            j_sources: source_lines(&j.sources),
            bureau,
            rows: j.departments.iter().map(DepartmentRow::of).collect(),
            halls: j
                .halls
                .iter()
                .map(|h| HallRow {
                    code: h.code.clone(),
                    name: h.name.clone(),
                    sources: source_lines(&h.sources),
                    ..HallRow::default()
                })
                .collect(),
            towns: j
                .townships
                .iter()
                .map(|t| TownRow {
                    code: t.code.clone(),
                    name: t.government(),
                    credit_code: t.credit_code.clone(),
                    sources: source_lines(&t.sources),
                    ..TownRow::default()
                })
                .collect(),
            relations: DepartmentRelation::ALL
                .iter()
                .map(|r| (r.code(), r.label()))
                .collect(),
            managements: Management::ALL
                .iter()
                .map(|m| (m.code(), m.label()))
                .collect(),
            successors: std::iter::once((String::new(), "（无）".to_string()))
                .chain(
                    j.departments
                        .iter()
                        .map(|d| (d.code.clone(), d.name.clone())),
                )
                .collect(),
            errors: FieldErrors::default(),
            j,
            text,
            error: String::new(),
            seals,
            seal_refused: 0,
            seal_error: String::new(),
            seal_url: String::new(),
            seal_crl_url: String::new(),
            crl_refused: 0,
            crl_error: String::new(),
            crl_url: String::new(),
        })
    }
}

/// The seals in use of the jurisdiction `code` (the seal list is public), by holder, each external
/// seal with its CRL's state.
async fn seals_in_use(page: &Page, code: &str) -> Result<Vec<SealRow>, AppError> {
    let mut rows = Vec::new();
    for seal in page.app.store.seals().await? {
        if seal.jurisdiction != code || seal.retired {
            continue;
        }
        let crl = match seal.signer_url {
            Some(_) => yiyin_app::seal_crls::status(&page.app.store, seal.id)
                .await?
                .map(CrlView::of),
            None => None,
        };
        rows.push(SealRow { seal, crl });
    }
    Ok(rows)
}

/// The organisation of a jurisdiction: read by its catalog administrators, edited by its system
/// administrators on a form or (advanced) as TOML. Either way it is checked before it is saved, by
/// the one use case.
pub async fn org(page: Page, Path(code): Path<String>, Query(n): Query<Notice>) -> PageResult {
    let j = page.app.organisation_to_read(page.who(), &code).await?;
    let editable = page.who().require_in(Operation::ManageUsers, &code).is_ok();
    let seals = seals_in_use(&page, &code).await?;
    render(&OrgPage::new(
        page.chrome(&n.notice),
        j,
        page.app.today(),
        editable,
        seals,
    )?)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OrgForm {
    /// `toml` for the advanced editor; the form otherwise.
    mode: String,
    text: String,
    j_former: String,
    j_sources: String,
    bureau_name: String,
    bureau_credit_code: String,
    bureau_seal_name: String,
    bureau_former: String,
    bureau_sources: String,
    code: Vec<String>,
    name: Vec<String>,
    relation: Vec<String>,
    management: Vec<String>,
    batch: Vec<String>,
    ended_on: Vec<String>,
    successor: Vec<String>,
    former: Vec<String>,
    sources: Vec<String>,
    note: Vec<String>,
    /// The indexes of the rows ticked 「删除」.
    remove: Vec<String>,
    hall_code: Vec<String>,
    hall_sources: Vec<String>,
    town_code: Vec<String>,
    town_credit_code: Vec<String>,
    town_sources: Vec<String>,
    /// The 「添加一行」 button: shows the form again with an empty row, saving nothing.
    add: String,
}

pub async fn save_org(
    page: PageFor<gate::Organisation>,
    Path(code): Path<String>,
    form: Form<OrgForm>,
) -> PageResult {
    let page = page.page;
    let current = page.app.organisation_of(page.who(), &code).await?;
    page.check_csrf(&form)?;
    let f = &form.data;
    let today = page.app.today();
    if f.mode == "toml" {
        return save_org_toml(page, &code, current, f.text.clone()).await;
    }
    let seals = seals_in_use(&page, &code).await?;
    let mut shown = OrgPage::new(page.chrome(""), current.clone(), today, true, seals)?;
    let cell = |v: &[String], i: usize| v.get(i).map(|s| s.trim().to_string()).unwrap_or_default();
    shown.j_former = f.j_former.trim().into();
    shown.j_sources = f.j_sources.trim().into();
    shown.bureau = BureauFields {
        name: f.bureau_name.trim().into(),
        credit_code: f.bureau_credit_code.trim().into(),
        seal_name: f.bureau_seal_name.trim().into(),
        former: f.bureau_former.trim().into(),
        sources: f.bureau_sources.trim().into(),
    };
    shown.rows = (0..f.code.len())
        .map(|i| DepartmentRow {
            code: cell(&f.code, i),
            name: cell(&f.name, i),
            relation: cell(&f.relation, i),
            management: cell(&f.management, i),
            batch: cell(&f.batch, i),
            ended_on: cell(&f.ended_on, i),
            successor: cell(&f.successor, i),
            former: cell(&f.former, i),
            sources: cell(&f.sources, i),
            note: cell(&f.note, i),
            removed: f.remove.iter().any(|r| r == &i.to_string()),
            ..DepartmentRow::default()
        })
        .collect();
    for (i, hall) in f.hall_code.iter().enumerate() {
        if let Some(row) = shown.halls.iter_mut().find(|h| &h.code == hall) {
            row.sources = cell(&f.hall_sources, i);
        }
    }
    for (i, town) in f.town_code.iter().enumerate() {
        if let Some(row) = shown.towns.iter_mut().find(|t| &t.code == town) {
            row.credit_code = cell(&f.town_credit_code, i);
            row.sources = cell(&f.town_sources, i);
        }
    }
    if !f.add.is_empty() {
        shown.rows.push(DepartmentRow {
            relation: DepartmentRelation::Resident.code().into(),
            management: Management::Local.code().into(),
            ..DepartmentRow::default()
        });
        return render(&shown);
    }
    let mut j = current;
    match org_from_form(&mut shown, &mut j) {
        false => return unprocessable(render(&shown)),
        true => match page.app.save_jurisdiction(page.who(), &code, j).await {
            Ok(()) => {
                return Ok(redirect_with(
                    &format!("/admin/org/{code}"),
                    "组织机构已保存",
                ));
            }
            Err(e @ AppError::Invalid { .. }) => shown.errors.add_error(&e, "departments"),
            Err(e) => return Err(e.into()),
        },
    }
    unprocessable(render(&shown))
}

/// Puts what the form says into the jurisdiction; marks each bad value beside its field (and then
/// answers false, the jurisdiction to be dropped).
fn org_from_form(shown: &mut OrgPage, j: &mut Jurisdiction) -> bool {
    fn read<T>(errors: &mut FieldErrors, field: &str, result: Result<T, String>) -> Option<T> {
        result.map_err(|e| errors.add(field, e)).ok()
    }
    let errors = &mut shown.errors;
    let j_former = read(
        errors,
        "j_former",
        parse_former(&shown.j_former, &j.name, true),
    );
    let j_sources = read(errors, "j_sources", parse_sources(&shown.j_sources));
    let b = &shown.bureau;
    let b_former = read(
        errors,
        "bureau_former",
        parse_former(&b.former, &b.name, false),
    );
    let b_sources = read(errors, "bureau_sources", parse_sources(&b.sources));
    if let (Some(former), Some(sources)) = (j_former, j_sources) {
        j.former_names = former;
        j.sources = sources;
    }
    if b.name.is_empty() && b.credit_code.is_empty() && b.seal_name.is_empty() && j.bureau.is_none()
    {
        j.bureau = None;
    } else if b.name.is_empty() {
        shown.errors.add("bureau_name", "请填写审批局名称");
    } else if let (Some(former_names), Some(sources)) = (b_former, b_sources) {
        j.bureau = Some(Bureau {
            name: b.name.clone(),
            credit_code: b.credit_code.clone(),
            seal_name: b.seal_name.clone(),
            former_names,
            sources,
        });
    }
    let mut ok = shown.errors.is_empty();

    let kept: Vec<String> = shown
        .rows
        .iter()
        .filter(|r| !r.removed)
        .map(|r| r.code.clone())
        .collect();
    let mut departments = Vec::new();
    let mut seen: Vec<(String, usize)> = Vec::new();
    for (i, row) in shown.rows.iter_mut().enumerate() {
        if row.removed {
            continue;
        }
        if let Some(d) = department_of_row(row, &seen, &kept, j) {
            departments.push(d);
        }
        seen.push((row.code.clone(), i));
        ok &= !row.has_errors();
    }
    j.departments = departments;

    for row in &mut shown.halls {
        match parse_sources(&row.sources) {
            Ok(sources) => {
                if let Some(h) = j.halls.iter_mut().find(|h| h.code == row.code) {
                    h.sources = sources;
                }
            }
            Err(e) => {
                row.e_sources = e;
                ok = false;
            }
        }
    }
    for row in &mut shown.towns {
        let Some(t) = j.townships.iter_mut().find(|t| t.code == row.code) else {
            continue;
        };
        // A code already saved stands as it is; a new one must be a valid credit code.
        if !row.credit_code.is_empty() && row.credit_code != t.credit_code {
            match CreditCode::parse(&row.credit_code) {
                Ok(c) => row.credit_code = c.as_str().to_string(),
                Err(e) => row.e_credit_code = e.to_string(),
            }
        }
        match parse_sources(&row.sources) {
            Ok(sources) => t.sources = sources,
            Err(e) => row.e_sources = e,
        }
        if row.e_credit_code.is_empty() && row.e_sources.is_empty() {
            t.credit_code = row.credit_code.clone();
        } else {
            ok = false;
        }
    }
    ok
}

/// The department a row of the form describes (what the form does not show, its former
/// relations, kept from the saved entry), or None with the errors beside the row's fields.
/// `seen` are the codes of the rows above, `kept` those of every row not removed.
fn department_of_row(
    row: &mut DepartmentRow,
    seen: &[(String, usize)],
    kept: &[String],
    j: &Jurisdiction,
) -> Option<Department> {
    if let Err(e) = yiyin_domain::org::check_code(&row.code) {
        row.e_code = e.0;
    } else if let Some((_, n)) = seen.iter().find(|(c, _)| c == &row.code) {
        row.e_code = format!("代码「{}」与第{}行重复", row.code, n + 1);
    }
    if row.name.is_empty() {
        row.e_name = "请填写部门名称".into();
    }
    let relation = DepartmentRelation::from_code(&row.relation);
    if relation.is_none() {
        row.e_relation = "请选择与审批局的关系".into();
    }
    let management = Management::from_code(&row.management);
    if management.is_none() {
        row.e_management = "请选择管理体制（属地、垂直或双重管理）".into();
    }
    let batch = match row.batch.as_str() {
        "" => None,
        s => match s.parse::<u8>() {
            Ok(n) if n >= 1 => Some(n),
            _ => {
                row.e_batch = "划转批次应为正整数（1为第一批），不分批的留空".into();
                None
            }
        },
    };
    let ended_on = match row.ended_on.as_str() {
        "" => None,
        s => match parse_date(s) {
            Ok(d) => Some(d),
            Err(_) => {
                row.e_ended_on = format!("撤并日期「{s}」不是有效日期，应写作如 2019-03-01");
                None
            }
        },
    };
    let successor = Some(row.successor.clone()).filter(|s| !s.is_empty());
    if let Some(s) = &successor {
        if s == &row.code {
            row.e_successor = "承继部门不能是本部门".into();
        } else if !kept.contains(s) {
            row.e_successor = format!("承继部门「{s}」不在本表中（或已勾选删除）");
        } else if row.ended_on.is_empty() {
            row.e_successor = "填写承继部门的，须同时填写撤并日期".into();
        }
    }
    let former = parse_former(&row.former, &row.name, false)
        .map_err(|e| row.e_former = e)
        .ok();
    let sources = parse_sources(&row.sources)
        .map_err(|e| row.e_sources = e)
        .ok();
    if row.has_errors() {
        return None;
    }
    let former_relations = j
        .department(&row.code)
        .map(|d| d.former_relations.clone())
        .unwrap_or_default();
    Some(Department {
        code: row.code.clone(),
        name: row.name.clone(),
        relation: relation?,
        management: management?,
        batch,
        former_names: former?,
        former_relations,
        ended_on,
        successor,
        note: row.note.clone(),
        sources: sources?,
    })
}

/// The advanced editor: the whole jurisdiction as TOML.
async fn save_org_toml(page: Page, code: &str, current: Jurisdiction, text: String) -> PageResult {
    let error = match toml::from_str::<Jurisdiction>(&text) {
        Err(e) => format!("格式错误：{}", e.message()),
        Ok(j) => match page.app.save_jurisdiction(page.who(), code, j).await {
            Ok(()) => {
                return Ok(redirect_with(
                    &format!("/admin/org/{code}"),
                    "组织机构已保存",
                ));
            }
            Err(e @ AppError::Invalid { .. }) => e.to_string(),
            Err(e) => return Err(e.into()),
        },
    };
    let seals = seals_in_use(&page, code).await?;
    let mut shown = OrgPage::new(page.chrome(""), current, page.app.today(), true, seals)?;
    shown.text = text;
    shown.error = error;
    unprocessable(render(&shown))
}

/// The external-signer form as sent: the interface's address, and the certificate and the seal
/// data as uploaded (DER or PEM files).
#[derive(Debug, Default)]
struct ExternalSignerForm {
    url: String,
    certificate: Vec<u8>,
    seal_data: Vec<u8>,
    /// The CRL's address and file (optional).
    crl_url: String,
    crl: Vec<u8>,
}

impl ExternalSignerForm {
    /// Reads the rest of the form after its token ([`UploadForm`]); unknown fields are ignored.
    async fn read(mut mp: axum::extract::Multipart) -> Result<Self, AppError> {
        let unreadable = |e: axum::extract::multipart::MultipartError| {
            AppError::invalid(format!("上传内容无法读取：{}", e.body_text()))
        };
        let mut form = Self::default();
        while let Some(field) = mp.next_field().await.map_err(unreadable)? {
            let name = field.name().unwrap_or_default().to_string();
            let bytes = field.bytes().await.map_err(unreadable)?.to_vec();
            match name.as_str() {
                "url" => {
                    let url = String::from_utf8(bytes)
                        .map_err(|_| AppError::invalid("签章接口地址不是有效的文本"))?;
                    crate::input::check_pairs(&[(name, url.clone())])?;
                    form.url = url.trim().to_string();
                }
                "crl_url" => {
                    let url = String::from_utf8(bytes)
                        .map_err(|_| AppError::invalid("证书吊销列表地址不是有效的文本"))?;
                    crate::input::check_pairs(&[(name, url.clone())])?;
                    form.crl_url = url.trim().to_string();
                }
                "crl" => form.crl = bytes,
                "certificate" => form.certificate = bytes,
                "seal_data" => form.seal_data = bytes,
                _ => {}
            }
        }
        Ok(form)
    }
}

/// A system administrator of the county hands the seal numbered `id` over to the county's own
/// e-seal system: the certificate and seal data uploaded (DER or PEM, read as the API and the CLI
/// read them) are checked by the one use case; a refusal shows the page again beside the seal's
/// form, in Chinese, with nothing changed.
pub async fn register_external_signer(
    page: PageFor<gate::ExternalSigner>,
    Path((code, id)): Path<(String, i64)>,
    UploadForm(mp): UploadForm,
) -> PageResult {
    use yiyin_app::seals::der_from;
    let page = page.page;
    let (_, current) = county_seal(&page, &code, id).await?;
    let (mut url, mut crl_url) = (String::new(), String::new());
    let result = async {
        let form = ExternalSignerForm::read(mp).await?;
        (url, crl_url) = (form.url, form.crl_url);
        let certificate = der_from("签章证书文件", &form.certificate)?;
        let eseal = der_from("电子印章数据文件", &form.seal_data)?;
        let crl = yiyin_app::seal_crls::CrlSource {
            url: Some(crl_url.as_str()),
            crl: Some(form.crl.as_slice()),
        };
        page.app
            .register_external_signer(page.who(), id, &url, &certificate, &eseal, &crl)
            .await
    }
    .await;
    let error = match result {
        Ok(registered) => {
            return Ok(redirect_with(
                &format!("/admin/org/{code}"),
                &format!(
                    "已为印章「{}」登记外部签章系统（新印章第{}号），此后的文书经 {} 签章",
                    registered.name,
                    registered.id,
                    registered.signer_url.unwrap_or_default()
                ),
            ));
        }
        Err(e) if crate::pages::is_refusal(&e) => e.to_string(),
        Err(e) => return Err(e.into()),
    };
    refused_beside_seal(&page, &code, current, |shown| {
        shown.seal_refused = id;
        shown.seal_error = error;
        shown.seal_url = url;
        shown.seal_crl_url = crl_url;
    })
    .await
}

/// A system administrator of the county gives the CRL of an external seal's maker: a new address
/// and/or a list file (DER or PEM), sent on the seal's CRL form and checked by the one use case
/// (`App::set_seal_crl`, as the API does); a refusal shows the page again beside that form, in
/// Chinese, with nothing changed.
pub async fn set_seal_crl(
    page: PageFor<gate::SealCrl>,
    Path((code, id)): Path<(String, i64)>,
    UploadForm(mp): UploadForm,
) -> PageResult {
    let page = page.page;
    let (seal, current) = county_seal(&page, &code, id).await?;
    let mut url = String::new();
    let result = async {
        let form = ExternalSignerForm::read(mp).await?;
        url = form.crl_url;
        let source = yiyin_app::seal_crls::CrlSource {
            url: Some(url.as_str()),
            crl: Some(form.crl.as_slice()),
        };
        page.app.set_seal_crl(page.who(), id, &source).await
    }
    .await;
    let error = match result {
        Ok(kept) => {
            let mut said = format!("已为印章「{}」登记证书吊销列表", seal.name);
            if !kept.this_update.is_empty() {
                said += &format!("，已采用的列表签发于 {}", kept.this_update);
            }
            return Ok(redirect_with(&format!("/admin/org/{code}"), &said));
        }
        Err(e) if crate::pages::is_refusal(&e) => e.to_string(),
        Err(e) => return Err(e.into()),
    };
    refused_beside_seal(&page, &code, current, |shown| {
        shown.crl_refused = id;
        shown.crl_error = error;
        shown.crl_url = url;
    })
    .await
}

/// The seal numbered `id` of the county `code` (not found when another county's), with the county
/// as its administrator may see it.
async fn county_seal(
    page: &Page,
    code: &str,
    id: i64,
) -> Result<(SealRecord, Jurisdiction), AppError> {
    let seal = page.app.store.seal(id).await?;
    if seal.jurisdiction != code {
        return Err(AppError::NotFound(format!("本县区没有第{id}号印章")));
    }
    let current = page.app.organisation_of(page.who(), code).await?;
    Ok((seal, current))
}

/// The county's page again after a refused seal form: `mark` says which form, with its message
/// and what was sent.
async fn refused_beside_seal(
    page: &Page,
    code: &str,
    current: Jurisdiction,
    mark: impl FnOnce(&mut OrgPage),
) -> PageResult {
    let seals = seals_in_use(page, code).await?;
    let mut shown = OrgPage::new(page.chrome(""), current, page.app.today(), true, seals)?;
    mark(&mut shown);
    unprocessable(render(&shown))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn former_names_read_back_from_their_lines() {
        let text = "旬阳县｜2021-06-01｜610928｜公开文件：民政部关于陕西省撤销旬阳县设立县级旬阳市的批复\n\n旬阳古县|2000-01-01";
        let former = parse_former(text, "旬阳市", true).unwrap();
        assert_eq!(former.len(), 2);
        assert_eq!(former[0].division_code, "610928");
        assert_eq!(former[0].sources.len(), 1);
        assert_eq!(
            parse_former(&former_lines(&former), "旬阳市", true),
            Ok(former)
        );
    }

    #[test]
    fn bad_lines_are_named() {
        let err = parse_former("甲局｜2019-03-01\n乙局｜2019-13-01", "丙局", false).unwrap_err();
        assert!(
            err.starts_with("第2行的停用日期「2019-13-01」不是有效日期"),
            "{err}"
        );
        let err = parse_former("甲局", "丙局", false).unwrap_err();
        assert!(err.contains("应写作“名称｜停用日期”"), "{err}");
        let err = parse_former("甲局｜2019-03-01｜610928", "丙局", false).unwrap_err();
        assert!(err.contains("不是“种类：出处”形式的来源"), "{err}");
        let err = parse_sources("试点方案：汉阴县方案\n传说：某处").unwrap_err();
        assert!(err.starts_with("第2行「传说：某处」无法识别"), "{err}");
        assert_eq!(parse_sources(" \n").unwrap(), vec![]);
    }
}
