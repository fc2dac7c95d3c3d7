//! The bureau's overview of supervision: acknowledgements per department, overdue ones, dead
//! letters and their replay, the departments' systems, licence acts waiting for a decision,
//! findings per item; and the search box that finds a licence or a licensee.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use serde::Deserialize;
use yiyin_app::App;
use yiyin_app::supervision::{Overview, WebhookInput};

use super::settle;
use crate::error::AppError;
use crate::pages::{Chrome, FormData, PageResult, PageUser, RawForm, redirect_with, render};

// ---- The bureau's overview ----

#[derive(Debug, Default, Deserialize)]
pub struct BureauQuery {
    #[serde(default)]
    pub j: String,
    #[serde(default)]
    pub notice: String,
}

#[derive(Template)]
#[template(path = "supervision/bureau.html")]
struct BureauPage {
    chrome: Chrome,
    jurisdictions: Vec<(String, String)>,
    o: Overview,
    departments: Vec<(String, String)>,
    may_manage: bool,
    error: String,
    form: FormData,
}

impl BureauPage {
    fn department_name(&self, code: &str) -> String {
        self.departments
            .iter()
            .find(|d| d.0 == code)
            .map(|d| d.1.clone())
            .unwrap_or_else(|| code.to_string())
    }

    fn typed(&self, field: &str) -> String {
        self.form.get(field)
    }
}

async fn bureau_page(
    state: &App,
    user: &PageUser,
    q: &BureauQuery,
    error: String,
    form: FormData,
) -> PageResult {
    user.require_staff()?;
    let mine = state.bureau_jurisdictions(user.who());
    let Some(first) = mine.first() else {
        return Err(AppError::Forbidden("无权查看审管推送：您的岗位没有此项职责".into()).into());
    };
    let j = if mine.contains(&q.j) {
        q.j.clone()
    } else {
        first.clone()
    };
    let o = state.overview(user.who(), &j).await?;
    let org = state.org();
    let departments = org
        .jurisdiction(&j)
        .map(|x| {
            x.departments
                .iter()
                .map(|d| (d.code.clone(), d.name.clone()))
                .collect()
        })
        .unwrap_or_default();
    render(&BureauPage {
        chrome: user.chrome(&q.notice),
        jurisdictions: mine
            .iter()
            .filter_map(|c| {
                org.jurisdiction(c)
                    .map(|x| (x.code.clone(), x.name.clone()))
            })
            .collect(),
        may_manage: user
            .who()
            .require_in(yiyin_domain::authz::Operation::ManagePushes, &j)
            .is_ok(),
        o,
        departments,
        error,
        form,
    })
}

pub async fn bureau(
    State(state): State<App>,
    user: PageUser,
    Query(q): Query<BureauQuery>,
) -> PageResult {
    bureau_page(&state, &user, &q, String::new(), FormData::default()).await
}

pub async fn replay(
    State(state): State<App>,
    user: PageUser,
    Path(id): Path<i64>,
    form: RawForm,
) -> PageResult {
    user.check_csrf(&form)?;
    let p = state.replay(user.who(), id).await?;
    Ok(redirect_with(
        &format!("/work/supervision?j={}", p.jurisdiction),
        "已重新投递；投递结果见推送状态",
    ))
}

pub async fn webhook(State(state): State<App>, user: PageUser, form: RawForm) -> PageResult {
    user.check_csrf(&form)?;
    let form = form.raw;
    let input = WebhookInput {
        jurisdiction: form.get("j"),
        department: form.get("department"),
        url: form.get("url"),
        active: true,
    };
    let q = BureauQuery {
        j: form.get("j"),
        notice: String::new(),
    };
    let result = state.set_webhook(user.who(), &input).await;
    let path = format!("/work/supervision?j={}", input.jurisdiction);
    settle(
        result,
        |_| {
            (
                path,
                if input.url.is_empty() {
                    "已停用该部门的系统推送；推送仍进入其监管工作台".into()
                } else {
                    "已保存；此后的推送将签章后投递到该地址".into()
                },
            )
        },
        |e| bureau_page(&state, &user, &q, e, form.clone()),
    )
    .await
}

/// Finds a licence or a licensee from the bureau page's search box.
#[derive(Debug, Default, Deserialize)]
pub struct FindQuery {
    #[serde(default)]
    pub q: String,
}

pub async fn find(
    State(state): State<App>,
    user: PageUser,
    Query(q): Query<FindQuery>,
) -> PageResult {
    user.require_staff()?;
    let text = q.q.trim();
    if text.is_empty() {
        return Err(AppError::invalid("请填写证照编号或被许可人的证件号码").into());
    }
    if state.store.licence(text).await?.is_some() {
        return Ok(axum::response::Redirect::to(&format!(
            "/work/licences/{}",
            crate::pages::encode(text)
        ))
        .into_response());
    }
    Ok(
        axum::response::Redirect::to(&format!("/work/subjects/{}", crate::pages::encode(text)))
            .into_response(),
    )
}
