//! Township delegation pages (委托实施, 《行政许可法》第二十四条): the public page of a jurisdiction's
//! delegations, `/j/{code}/delegations` — each township centre's delegated items in force and every
//! published notice (委托书) — and the bureau head's desk, `/work/delegations`, to entrust a township
//! and revoke a delegation (its open cases handed back to the bureau). The use cases are
//! `yiyin_app::delegation`'s; a refusal shows the desk again with the message and what was typed.

use askama::Template;
use yiyin_app::delegation::{DelegationNotice, DelegationView};
use yiyin_domain::authz::Operation;
use yiyin_domain::calendar::parse_date;
use yiyin_domain::delegation::{DelegationRequest, DelegationScope, Delegator};

use crate::auth::gate;
use crate::error::AppError;
use crate::pages::{
    Chrome, FormData, Page, PageFor, PageResult, Path, Query, RawForm, Visitor, encode, render,
    settle,
};

#[derive(Template)]
#[template(path = "delegation/public.html")]
struct PublicPage {
    chrome: Chrome,
    code: String,
    name: String,
    delegations: Vec<DelegationView>,
    notices: Vec<DelegationNotice>,
}

/// A jurisdiction's delegations and their notices (public): the township centres' delegated items.
pub async fn public(page: Visitor, Path(code): Path<String>) -> PageResult {
    let j = page.app.jurisdiction(&code)?;
    let delegations = page.app.delegations_of(&code).await?;
    let mut notices = Vec::new();
    for d in &delegations {
        notices.push(page.app.delegation_notice(&code, d.delegation.id).await?);
    }
    render(&PublicPage {
        chrome: page.chrome(""),
        code: j.code,
        name: j.name,
        delegations,
        notices,
    })
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct DeskQuery {
    pub jurisdiction: String,
    pub notice: String,
}

#[derive(Template)]
#[template(path = "delegation/desk.html")]
struct DeskPage {
    chrome: Chrome,
    jurisdictions: Vec<(String, String)>,
    jurisdiction: String,
    delegations: Vec<DelegationView>,
    townships: Vec<(String, String)>,
    delegators: Vec<(&'static str, &'static str)>,
    scopes: Vec<(&'static str, &'static str)>,
    error: String,
    failed: String,
    typed: FormData,
    today: String,
}

fn desk_url(jurisdiction: &str) -> String {
    format!("/work/delegations?jurisdiction={}", encode(jurisdiction))
}

async fn desk_page(
    page: &Page,
    jurisdiction: &str,
    notice: &str,
    failed: Option<(String, String, FormData)>,
) -> PageResult {
    let mine = page.jurisdictions_for(Operation::Delegate);
    let Some(first) = mine.first() else {
        return Err(AppError::Forbidden(
            "无权委托镇人民政府实施行政许可或撤销委托：您的岗位没有此项职责".into(),
        )
        .into());
    };
    let jurisdiction = if mine.iter().any(|j| j.0 == jurisdiction) {
        jurisdiction.to_string()
    } else {
        first.0.clone()
    };
    let j = page.app.jurisdiction(&jurisdiction)?;
    let (error, which, typed) = failed.unwrap_or_default();
    render(&DeskPage {
        chrome: page.chrome(notice),
        jurisdictions: mine,
        delegations: page.app.delegations_of(&jurisdiction).await?,
        townships: j
            .townships
            .iter()
            .map(|t| (t.code.clone(), t.government()))
            .collect(),
        jurisdiction,
        delegators: Delegator::options(),
        scopes: DelegationScope::options(),
        error,
        failed: which,
        typed,
        today: yiyin_domain::calendar::fmt_date(page.app.today()),
    })
}

/// The head's desk.
pub async fn desk(page: PageFor<gate::Delegate>, Query(q): Query<DeskQuery>) -> PageResult {
    desk_page(&page, &q.jurisdiction, &q.notice, None).await
}

fn date_of(field: &str, text: &str) -> Result<chrono::NaiveDate, AppError> {
    parse_date(text.trim()).map_err(|e| AppError::field(field, e.to_string()))
}

/// 设立委托.
pub async fn create(page: PageFor<gate::Delegate>, form: RawForm) -> PageResult {
    page.check_csrf(&form)?;
    let f = &form.raw;
    let j = f.get("jurisdiction");
    let result = async {
        let req = DelegationRequest {
            delegator: AppError::choice("delegator", &f.get("delegator"), |c| {
                format!("委托机关应为{c}")
            })?,
            township: f.get("township"),
            items: f
                .get("items")
                .split([',', '，', ' ', '\n'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            scope: AppError::choice("scope", &f.get("scope"), |c| format!("委托范围应为{c}"))?,
            valid_from: date_of("valid_from", &f.get("valid_from"))?,
            valid_until: date_of("valid_until", &f.get("valid_until"))?,
            legal_basis: f.get("legal_basis"),
            forward_days: f.get("forward_days").trim().parse().ok(),
            notice_number: f.get("notice_number"),
        };
        page.app.create_delegation(page.who(), &j, &req).await
    }
    .await;
    settle(
        result,
        |v| {
            (
                desk_url(&j),
                format!("已委托{}（{}）", v.government, v.delegation.notice_number),
            )
        },
        |e| async { desk_page(&page, &j, "", Some((e, "create".into(), form.raw.clone()))).await },
    )
    .await
}

/// 撤销委托.
pub async fn revoke(
    page: PageFor<gate::Delegate>,
    Path(id): Path<i64>,
    form: RawForm,
) -> PageResult {
    page.check_csrf(&form)?;
    let j = form.raw.get("jurisdiction");
    let result = page
        .app
        .revoke_delegation(page.who(), &j, id, &form.raw.get("reason"))
        .await;
    settle(
        result,
        |r| {
            (
                desk_url(&j),
                format!(
                    "已撤销对{}的委托，交回办件{}件",
                    r.view.government,
                    r.handed_back.len()
                ),
            )
        },
        |e| async { desk_page(&page, &j, "", Some((e, id.to_string(), form.raw.clone()))).await },
    )
    .await
}
