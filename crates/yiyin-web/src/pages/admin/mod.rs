//! Administration: the catalog editor (draft, check, publish with an effective date, retire — the
//! changelog follows by itself), staff accounts and roles, and the holiday calendar of new years.
//! Every page checks the role in the jurisdiction: catalog administrators for the catalog, system
//! administrators for accounts and the calendar.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use serde::Deserialize;
use yiyin_app::App;
use yiyin_app::accounts::NewStaff;
use yiyin_domain::authz::{self, Grant, Operation};
use yiyin_domain::org::Jurisdiction;
use yiyin_domain::roles::Role;
use yiyin_store::accounts::Account;

use super::{
    Chrome, FieldErrors, Form, FormData, PageError, PageResult, PageUser, redirect_with, render,
};
use crate::error::AppError;

mod catalog;

pub use catalog::{catalog, edit_form, new_form, publish, retire, save};

/// Every (code, label) of a labelled enum, for a form's select.
macro_rules! choices {
    ($t:ty) => {
        <$t>::options()
    };
}
pub(crate) use choices;

fn require_in(user: &PageUser, op: Operation, jurisdiction: &str) -> Result<(), PageError> {
    user.require_staff()?;
    Ok(user.who().require_in(op, jurisdiction)?)
}

/// The jurisdictions where the user holds a role that may do `op`.
fn jurisdictions_for(user: &PageUser, state: &App, op: Operation) -> Vec<(String, String)> {
    let org = state.org();
    let mut v: Vec<(String, String)> = user
        .account()
        .grants
        .iter()
        .filter(|g| authz::role_may(g.role, op))
        .filter_map(|g| {
            org.jurisdiction(&g.jurisdiction)
                .map(|j| (j.code.clone(), j.name.clone()))
        })
        .collect();
    v.sort();
    v.dedup();
    v
}

#[derive(Template)]
#[template(path = "admin/index.html")]
struct IndexPage {
    chrome: Chrome,
    catalogs: Vec<(String, String)>,
    users: Vec<(String, String)>,
    calendar_years: Vec<i32>,
}

pub async fn index(State(state): State<App>, user: PageUser) -> PageResult {
    user.require_staff()?;
    let catalogs = jurisdictions_for(&user, &state, Operation::ManageCatalog);
    let users = jurisdictions_for(&user, &state, Operation::ManageUsers);
    if catalogs.is_empty() && users.is_empty() {
        return Err(AppError::Forbidden(
            "无权访问管理功能：您的岗位没有目录管理或系统管理职责".into(),
        )
        .into());
    }
    render(&IndexPage {
        chrome: user.chrome(""),
        catalogs,
        users,
        calendar_years: state.calendar().years(),
    })
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    chrome: Chrome,
    j: Jurisdiction,
    accounts: Vec<Account>,
    roles: Vec<(&'static str, &'static str)>,
    f: FormData,
    errors: FieldErrors,
}

fn describe_grants(grants: &[Grant], jurisdiction: &str) -> String {
    grants
        .iter()
        .filter(|g| g.jurisdiction == jurisdiction)
        .map(|g| {
            let mut s = g.role.label().to_string();
            if let Some(d) = &g.department {
                s.push_str(&format!("（{d}）"));
            }
            if let Some(u) = &g.unit {
                s.push_str(&format!("@{u}"));
            }
            s
        })
        .collect::<Vec<_>>()
        .join("、")
}

impl UsersPage {
    fn grants_of(&self, a: &Account) -> String {
        describe_grants(&a.grants, &self.j.code)
    }
}

async fn users_page(
    state: &App,
    user: &PageUser,
    code: &str,
    f: FormData,
    errors: FieldErrors,
    notice: &str,
) -> PageResult {
    let j = state.store.jurisdiction(code).await?;
    let accounts = state.staff_of(user.who(), code).await?;
    render(&UsersPage {
        chrome: user.chrome(notice),
        j,
        accounts,
        roles: choices!(Role),
        f,
        errors,
    })
}

pub async fn users(
    State(state): State<App>,
    user: PageUser,
    Path(code): Path<String>,
    Query(n): Query<crate::pages::Notice>,
) -> PageResult {
    require_in(&user, Operation::ManageUsers, &code)?;
    users_page(
        &state,
        &user,
        &code,
        FormData::default(),
        FieldErrors::default(),
        &n.notice,
    )
    .await
}

/// A staff account as the users page's form sends it.
#[derive(Debug, Default, Deserialize)]
pub struct StaffForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    unit: String,
}

pub async fn create_user(
    State(state): State<App>,
    user: PageUser,
    Path(code): Path<String>,
    form: Form<StaffForm>,
) -> PageResult {
    require_in(&user, Operation::ManageUsers, &code)?;
    user.check_csrf(&form)?;
    let f = &form.data;
    let mut errors = FieldErrors::default();
    match Role::parse(&f.role) {
        None => errors.add("role", "请选择岗位"),
        Some(role) => {
            let new = NewStaff {
                login: f.login.trim().to_string(),
                name: f.name.trim().to_string(),
                password: f.password.clone(),
                grants: vec![Grant {
                    role,
                    jurisdiction: code.clone(),
                    department: Some(f.department.trim().to_string()).filter(|d| !d.is_empty()),
                    unit: Some(f.unit.trim().to_string()).filter(|u| !u.is_empty()),
                }],
            };
            match state.create_staff(user.who(), &new).await {
                Ok(a) => {
                    return Ok(redirect_with(
                        &format!("/admin/users/{code}"),
                        &format!("已创建账号 {}", a.login),
                    ));
                }
                Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
                    errors.add_error(&e, "login")
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    let mut resp = users_page(&state, &user, &code, form.raw, errors, "").await?;
    *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(resp)
}

/// An administrator's act on an account.
#[derive(Debug, Default, Deserialize)]
pub struct UserActionForm {
    #[serde(default)]
    op: String,
    #[serde(default)]
    password: String,
}

/// Disables, enables or resets the password of an account of the jurisdiction.
pub async fn user_action(
    State(state): State<App>,
    user: PageUser,
    Path((code, id)): Path<(String, i64)>,
    form: Form<UserActionForm>,
) -> PageResult {
    require_in(&user, Operation::ManageUsers, &code)?;
    user.check_csrf(&form)?;
    let back = format!("/admin/users/{code}");
    let result = match form.data.op.as_str() {
        "disable" => state
            .set_staff_active(user.who(), &code, id, false)
            .await
            .map(|a| format!("已停用 {}", a.login)),
        "enable" => state
            .set_staff_active(user.who(), &code, id, true)
            .await
            .map(|a| format!("已启用 {}", a.login)),
        "password" => state
            .reset_password(user.who(), &code, id, &form.data.password)
            .await
            .map(|a| format!("已重设 {} 的密码并解除锁定", a.login)),
        _ => Err(AppError::field("op", "未知的操作")),
    };
    match result {
        Ok(notice) => Ok(redirect_with(&back, &notice)),
        Err(e @ AppError::Invalid { .. }) => Ok(redirect_with(&back, &format!("未能办理：{e}"))),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "admin/calendar.html")]
struct CalendarPage {
    chrome: Chrome,
    years: Vec<i32>,
    error: String,
}

pub async fn calendar(
    State(state): State<App>,
    user: PageUser,
    Query(n): Query<crate::pages::Notice>,
) -> PageResult {
    render(&CalendarPage {
        chrome: user.chrome(&n.notice),
        years: state.calendar_years(user.who())?,
        error: String::new(),
    })
}

/// Uploads a holiday-cn `YEAR.json`: checked, stored, and used at once.
pub async fn upload_calendar(
    State(state): State<App>,
    user: PageUser,
    mut mp: Multipart,
) -> PageResult {
    state.calendar_years(user.who())?;
    let mut csrf = String::new();
    let mut text = String::new();
    while let Ok(Some(field)) = mp.next_field().await {
        match field.name() {
            Some("csrf") => csrf = field.text().await.unwrap_or_default(),
            Some("file") => {
                text =
                    String::from_utf8(field.bytes().await.map(|b| b.to_vec()).unwrap_or_default())
                        .unwrap_or_default()
            }
            _ => {}
        }
    }
    user.check_token(&csrf)?;
    let error = match state.upload_calendar(user.who(), &text).await {
        Ok(year) => {
            return Ok(redirect_with(
                "/admin/calendar",
                &format!("已导入{year}年节假日数据，立即生效"),
            ));
        }
        Err(e @ AppError::Invalid { .. }) => e.to_string(),
        Err(e) => return Err(e.into()),
    };
    let mut resp = render(&CalendarPage {
        chrome: user.chrome(""),
        years: state.calendar().years(),
        error,
    })?;
    *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(resp)
}

#[derive(Template)]
#[template(path = "admin/org.html")]
struct OrgPage {
    chrome: Chrome,
    j: Jurisdiction,
    text: String,
    error: String,
}

/// The organisation of a jurisdiction (bureau, departments, halls and windows, township centres and
/// village points), edited as TOML by a system administrator and checked before it is saved.
pub async fn org(
    State(state): State<App>,
    user: PageUser,
    Path(code): Path<String>,
    Query(n): Query<crate::pages::Notice>,
) -> PageResult {
    let j = state.organisation_of(user.who(), &code).await?;
    let text = toml::to_string_pretty(&j).map_err(AppError::internal)?;
    render(&OrgPage {
        chrome: user.chrome(&n.notice),
        j,
        text,
        error: String::new(),
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct OrgForm {
    #[serde(default)]
    text: String,
}

pub async fn save_org(
    State(state): State<App>,
    user: PageUser,
    Path(code): Path<String>,
    form: Form<OrgForm>,
) -> PageResult {
    let current = state.organisation_of(user.who(), &code).await?;
    user.check_csrf(&form)?;
    let text = form.data.text.clone();
    let error = match toml::from_str::<Jurisdiction>(&text) {
        Err(e) => format!("格式错误：{}", e.message()),
        Ok(j) => match state.save_jurisdiction(user.who(), &code, j).await {
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
    let mut resp = render(&OrgPage {
        chrome: user.chrome(""),
        j: current,
        text,
        error,
    })?;
    *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(resp)
}
