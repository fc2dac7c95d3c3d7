//! The bureau's overview of supervision: acknowledgements per department, overdue ones, dead
//! letters and their replay, the departments' systems, licence acts waiting for a decision,
//! findings per item; and the search box that finds a licence or a licensee.

use crate::pages::{Path, Query};
use askama::Template;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use yiyin_app::supervision::{Overview, PushListQuery, SupervisionListQuery, WebhookInput};

use crate::auth::gate;
use crate::error::AppError;
use crate::pages::{
    Chrome, FormData, Page, PageFor, PageResult, RawForm, encode, redirect_with, render, settle,
};

// ---- The bureau's overview ----

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BureauQuery {
    pub j: String,
    pub notice: String,
    /// A list paged on (overdue, dead, unsigned, acts or findings) and the cursor of its page.
    pub list: String,
    pub after: String,
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
        crate::pages::label_of(&self.departments, code)
    }
}

/// The overview's address for a jurisdiction.
fn bureau_url(jurisdiction: &str) -> String {
    format!("/work/supervision?j={jurisdiction}")
}

async fn bureau_page(page: &Page, q: &BureauQuery, error: String, form: FormData) -> PageResult {
    page.require_staff()?;
    let mine = page.app.bureau_jurisdictions(page.who());
    let Some(first) = mine.first() else {
        return Err(AppError::Forbidden("无权查看审管推送：您的岗位没有此项职责".into()).into());
    };
    let j = if mine.contains(&q.j) {
        q.j.clone()
    } else {
        first.clone()
    };
    let mut o = page.app.overview(page.who(), &j).await?;
    if !q.after.trim().is_empty() {
        let later = SupervisionListQuery {
            jurisdiction: j.clone(),
            after: q.after.clone(),
            ..Default::default()
        };
        let who = page.who();
        match q.list.as_str() {
            "acts" => {
                let more = page.app.open_act_list(who, &later).await?;
                (o.open_acts, o.open_acts_count, o.open_acts_next) =
                    (more.acts, more.count, more.next);
            }
            "findings" => {
                let more = page.app.finding_list(who, &later).await?;
                (o.findings, o.findings_count, o.findings_next) =
                    (more.findings, more.count, more.next);
            }
            list => {
                let more = page
                    .app
                    .push_list(
                        who,
                        &PushListQuery {
                            jurisdiction: j.clone(),
                            list: list.to_string(),
                            after: q.after.clone(),
                            ..Default::default()
                        },
                    )
                    .await?;
                let (pushes, next) = match list {
                    "dead" => (&mut o.dead, &mut o.dead_next),
                    "unsigned" => (&mut o.unsigned, &mut o.unsigned_next),
                    _ => (&mut o.overdue, &mut o.overdue_next),
                };
                (*pushes, *next) = (more.pushes, more.next);
            }
        }
    }
    let org = page.app.org();
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
        chrome: page.chrome(&q.notice),
        jurisdictions: mine
            .iter()
            .filter_map(|c| {
                org.jurisdiction(c)
                    .map(|x| (x.code.clone(), x.name.clone()))
            })
            .collect(),
        may_manage: page
            .who()
            .require_in(yiyin_domain::authz::Operation::ManagePushes, &j)
            .is_ok(),
        o,
        departments,
        error,
        form,
    })
}

pub async fn bureau(page: Page, Query(q): Query<BureauQuery>) -> PageResult {
    bureau_page(&page, &q, String::new(), FormData::default()).await
}

pub async fn replay(
    page: PageFor<gate::ManagePushes>,
    Path(id): Path<i64>,
    form: RawForm,
) -> PageResult {
    page.check_csrf(&form)?;
    let p = page.app.replay(page.who(), id).await?;
    Ok(redirect_with(
        &bureau_url(&p.jurisdiction),
        "已重新投递；投递结果见推送状态",
    ))
}

pub async fn webhook(page: Page, form: RawForm) -> PageResult {
    page.check_csrf(&form)?;
    let form = form.raw;
    let input = WebhookInput {
        jurisdiction: form.get("j"),
        department: form.get("department"),
        url: form.get("url"),
        active: true,
    };
    let result = page.app.set_webhook(page.who(), &input).await;
    let notice = if input.url.is_empty() {
        "已停用该部门的系统推送；推送仍进入其监管工作台"
    } else {
        "已保存；此后的推送将签章后投递到该地址"
    };
    let q = BureauQuery {
        j: input.jurisdiction,
        ..Default::default()
    };
    settle(
        result,
        |_| (bureau_url(&q.j), notice.into()),
        |e| bureau_page(&page, &q, e, form),
    )
    .await
}

/// Finds a licence or a licensee from the bureau page's search box.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FindQuery {
    pub q: String,
}

pub async fn find(page: Page, Query(q): Query<FindQuery>) -> PageResult {
    page.require_staff()?;
    let text = q.q.trim();
    if text.is_empty() {
        return Err(AppError::invalid("请填写证照编号或被许可人的证件号码").into());
    }
    let kind = if page.app.store.licence(text).await?.is_some() {
        "licences"
    } else {
        "subjects"
    };
    Ok(Redirect::to(&format!("/work/{kind}/{}", encode(text))).into_response())
}
