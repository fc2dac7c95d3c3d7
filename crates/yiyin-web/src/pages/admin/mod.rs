//! Administration: the catalog editor (draft, check, publish with an effective date, retire — the
//! changelog follows by itself), its bundles (一件事, [`bundles`]) and the construction project
//! stages ([`project_scheme`]), staff accounts and roles, the holiday calendar of new years, and
//! the notices that did not go out. Every page checks the role in the jurisdiction: catalog
//! administrators for the catalog, system administrators for accounts, the calendar and notices.

use crate::pages::{Path, Query};
use askama::Template;
use serde::Deserialize;
use yiyin_app::accounts::NewStaff;
use yiyin_app::users::Granted;
use yiyin_domain::authz::{Grant, Operation};
use yiyin_domain::org::Jurisdiction;
use yiyin_domain::roles::Role;
use yiyin_store::account_security::PendingGrant;
use yiyin_store::accounts::Account;

use super::{
    Chrome, FieldErrors, Form, FormData, Notice, Page, PageFor, PageResult, UploadForm,
    redirect_with, render, tell_back, unprocessable,
};
use crate::auth::gate;
use crate::error::AppError;

pub mod bundles;
mod catalog;
mod item_form;
mod notices;
mod org;
pub mod project_scheme;

pub use catalog::{catalog, edit_form, national, new_form, publish, retire, save};
pub use notices::{notices, resend};
pub use org::{org, register_external_signer, save_org, set_seal_crl};

#[derive(Template)]
#[template(path = "admin/index.html")]
struct IndexPage {
    chrome: Chrome,
    catalogs: Vec<(String, String)>,
    users: Vec<(String, String)>,
    /// Where the user confirms grants of deciding roles (bureau head).
    confirms: Vec<(String, String)>,
    /// Where the user oversees the SMS and e-mail notices (system administrators).
    notices: Vec<(String, String)>,
    calendar_years: Vec<i32>,
    /// The calendar's warnings, for its administrator (years missing that open cases reach).
    calendar_warnings: Vec<String>,
}

/// The calendar's warnings for a system administrator; none for others.
async fn calendar_warnings(page: &Page) -> Result<Vec<String>, AppError> {
    if !page
        .account()
        .has_role(yiyin_domain::roles::Role::SystemAdmin)
    {
        return Ok(Vec::new());
    }
    let outlook = page.app.calendar_outlook(page.who()).await?;
    Ok(outlook.missing.iter().map(|m| m.warning()).collect())
}

pub async fn index(page: Page) -> PageResult {
    page.require_staff()?;
    let catalogs = page.jurisdictions_for(Operation::ManageCatalog);
    let users = page.jurisdictions_for(Operation::ManageUsers);
    let confirms = page.jurisdictions_for(Operation::ConfirmGrants);
    let notices = page.jurisdictions_for(Operation::ManageNotifications);
    if catalogs.is_empty() && users.is_empty() && confirms.is_empty() && notices.is_empty() {
        return Err(AppError::Forbidden(
            "无权访问管理功能：您的岗位没有目录管理或系统管理职责".into(),
        )
        .into());
    }
    render(&IndexPage {
        chrome: page.chrome(""),
        catalogs,
        users,
        confirms,
        notices,
        calendar_years: page.app.calendar().years(),
        calendar_warnings: calendar_warnings(&page).await?,
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
    /// Grants waiting for the bureau head's confirmation, with the account's name.
    pending: Vec<(PendingGrant, String)>,
    /// The user manages the jurisdiction's accounts (system administrator).
    manages: bool,
    /// The user confirms grants of deciding roles (bureau head).
    confirms: bool,
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

    /// An account's grants in the jurisdiction: (role code, department, unit, label).
    fn grant_rows(&self, a: &Account) -> Vec<(String, String, String, String)> {
        a.grants
            .iter()
            .filter(|g| g.jurisdiction == self.j.code)
            .map(|g| {
                (
                    g.role.code().to_string(),
                    g.department.clone().unwrap_or_default(),
                    g.unit.clone().unwrap_or_default(),
                    describe_grants(std::slice::from_ref(g), &self.j.code),
                )
            })
            .collect()
    }

    fn pending_label(&self, p: &PendingGrant) -> String {
        describe_grants(&[p.grant()], &self.j.code)
    }

    fn requested_at(&self, p: &PendingGrant) -> String {
        chrono::DateTime::from_timestamp_millis(p.requested_at)
            .map(|t| {
                t.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8"))
                    .format("%Y-%m-%d %H:%M")
                    .to_string()
            })
            .unwrap_or_default()
    }
}

/// The staff accounts of a jurisdiction; `f` and `errors` are a refused new account's.
async fn users_page(
    page: &Page,
    code: &str,
    notice: &str,
    f: FormData,
    errors: FieldErrors,
) -> PageResult {
    let j = page.app.store.jurisdiction(code).await?;
    let accounts = page.app.staff_of(page.who(), code).await?;
    let pending = page
        .app
        .pending_grants(page.who(), code)
        .await?
        .into_iter()
        .map(|p| {
            let name = accounts
                .iter()
                .find(|a| a.id == p.account_id)
                .map(|a| format!("{}（{}）", a.name, a.login))
                .unwrap_or_default();
            (p, name)
        })
        .collect();
    render(&UsersPage {
        chrome: page.chrome(notice),
        j,
        accounts,
        roles: Role::options(),
        f,
        errors,
        pending,
        manages: page.who().require_in(Operation::ManageUsers, code).is_ok(),
        confirms: page
            .who()
            .require_in(Operation::ConfirmGrants, code)
            .is_ok(),
    })
}

/// The accounts of a jurisdiction: for its system administrators, and for its bureau head (who
/// confirms the grants of deciding roles there).
pub async fn users(page: Page, Path(code): Path<String>, Query(n): Query<Notice>) -> PageResult {
    page.require_staff()?;
    users_page(
        &page,
        &code,
        &n.notice,
        FormData::default(),
        FieldErrors::default(),
    )
    .await
}

/// A staff account as the users page's form sends it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StaffForm {
    login: String,
    name: String,
    password: String,
    role: String,
    department: String,
    unit: String,
}

impl StaffForm {
    /// The new account, with its one role in the jurisdiction.
    fn staff(&self, role: Role, jurisdiction: &str) -> NewStaff {
        let given = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        NewStaff {
            login: self.login.trim().to_string(),
            name: self.name.trim().to_string(),
            password: self.password.clone(),
            grants: vec![Grant {
                role,
                jurisdiction: jurisdiction.to_string(),
                department: given(&self.department),
                unit: given(&self.unit),
            }],
        }
    }
}

pub async fn create_user(
    page: PageFor<gate::Accounts>,
    Path(code): Path<String>,
    form: Form<StaffForm>,
) -> PageResult {
    page.require_in(Operation::ManageUsers, &code)?;
    page.check_csrf(&form)?;
    let mut errors = FieldErrors::default();
    match Role::parse(&form.data.role) {
        None => errors.add("role", "请选择岗位"),
        Some(role) => {
            let new = form.data.staff(role, &code);
            match page.app.create_staff(page.who(), &new).await {
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
    unprocessable(users_page(&page, &code, "", form.raw, errors).await)
}

/// An administrator's act on an account (or the head's confirmation of a pending grant).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UserActionForm {
    op: String,
    password: String,
    role: String,
    department: String,
    unit: String,
    pending: i64,
}

impl UserActionForm {
    /// The grant the form names, in the jurisdiction.
    fn grant(&self, jurisdiction: &str) -> Result<Grant, AppError> {
        let given = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let role = Role::parse(&self.role).ok_or_else(|| AppError::field("role", "请选择岗位"))?;
        Ok(Grant {
            role,
            jurisdiction: jurisdiction.to_string(),
            department: given(&self.department),
            unit: given(&self.unit),
        })
    }
}

/// Disables, enables, resets the password or the second factor of an account of the
/// jurisdiction, grants or revokes a role, or (the head) confirms or rejects a pending grant. Each
/// use case checks who may.
pub async fn user_action(
    page: PageFor<gate::Accounts>,
    Path((code, id)): Path<(String, i64)>,
    form: Form<UserActionForm>,
) -> PageResult {
    page.check_csrf(&form)?;
    let (app, who) = (&page.app, page.who());
    let result = match form.data.op.as_str() {
        "disable" => app
            .set_staff_active(who, &code, id, false)
            .await
            .map(|a| format!("已停用 {}", a.login)),
        "enable" => app
            .set_staff_active(who, &code, id, true)
            .await
            .map(|a| format!("已启用 {}", a.login)),
        "password" => app
            .reset_password(who, &code, id, &form.data.password)
            .await
            .map(|a| format!("已重设 {} 的密码并解除锁定，其所有会话已结束", a.login)),
        "totp_reset" => app
            .reset_totp(who, &code, id)
            .await
            .map(|a| format!("已重置 {} 的两步验证，其下次登录时须重新绑定", a.login)),
        "grant" => match form.data.grant(&code) {
            Ok(g) => app.grant_role(who, id, g).await.map(|out| match out {
                Granted::Effective => "已授予岗位".to_string(),
                Granted::Pending { .. } => {
                    "已提交授权申请：作出许可决定的岗位须经局长确认后生效".to_string()
                }
            }),
            Err(e) => Err(e),
        },
        "revoke" => match form.data.grant(&code) {
            Ok(g) => app
                .revoke_role(who, id, g)
                .await
                .map(|a| format!("已撤销 {} 的岗位，其所有会话已结束", a.login)),
            Err(e) => Err(e),
        },
        "confirm" => app
            .confirm_grant(who, form.data.pending)
            .await
            .map(|a| format!("已确认 {} 的岗位授权", a.login)),
        "reject" => app
            .reject_grant(who, form.data.pending)
            .await
            .map(|a| format!("已拒绝 {} 的岗位授权申请", a.login)),
        _ => Err(AppError::field("op", "未知的操作")),
    };
    let back = format!("/admin/users/{code}");
    tell_back(
        result,
        |notice| (back.clone(), notice),
        |e| matches!(e, AppError::Invalid { .. }),
        &back,
        "未能办理：",
    )
}

#[derive(Template)]
#[template(path = "admin/calendar.html")]
struct CalendarPage {
    chrome: Chrome,
    years: Vec<i32>,
    warnings: Vec<String>,
    error: String,
}

pub async fn calendar(page: Page, Query(n): Query<Notice>) -> PageResult {
    render(&CalendarPage {
        chrome: page.chrome(&n.notice),
        years: page.app.calendar_years(page.who())?,
        warnings: calendar_warnings(&page).await?,
        error: String::new(),
    })
}

/// Uploads a holiday-cn `YEAR.json`: checked, stored, and used at once.
pub async fn upload_calendar(
    page: PageFor<gate::Calendar>,
    UploadForm(mut mp): UploadForm,
) -> PageResult {
    page.app.calendar_years(page.who())?;
    let mut text = String::new();
    while let Ok(Some(field)) = mp.next_field().await {
        if field.name() == Some("file") {
            text = String::from_utf8(field.bytes().await.map(|b| b.to_vec()).unwrap_or_default())
                .unwrap_or_default()
        }
    }
    let error = match page.app.upload_calendar(page.who(), &text).await {
        Ok(year) => {
            return Ok(redirect_with(
                "/admin/calendar",
                &format!("已导入{year}年节假日数据，立即生效"),
            ));
        }
        Err(e @ AppError::Invalid { .. }) => e.to_string(),
        Err(e) => return Err(e.into()),
    };
    unprocessable(render(&CalendarPage {
        chrome: page.chrome(""),
        years: page.app.calendar().years(),
        warnings: calendar_warnings(&page).await?,
        error,
    }))
}
