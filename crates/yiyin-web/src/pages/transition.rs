//! The switch-over pages (划转): the bureau head's `/work/transition` — the plan, each batch with
//! its readiness table (green/red lines and why), the switch button, the forms setting the plan,
//! adding a batch, naming an observer and migrating a case accepted before the switch — and the
//! observer's `/work/observe` — the cases of their department's former items, one case with every
//! event and document, and the comment form (评注). The use cases are `yiyin_app::transition`'s; a
//! refusal shows the page again with the message.

use askama::Template;
use serde::Deserialize;
use yiyin_app::transition::{
    BatchRequest, CommentRequest, MigrateRequest, ObservedCase, ObservedLine, ObserverRequest,
    PlanRequest, TransitionView,
};
use yiyin_domain::authz::Operation;

use crate::auth::gate;
use crate::error::AppError;
use crate::pages::{
    Chrome, Page, PageFor, PageResult, Path, Query, RawForm, encode, render, settle,
};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TransitionQuery {
    pub jurisdiction: String,
    pub notice: String,
}

#[derive(Template)]
#[template(path = "transition/desk.html")]
struct DeskPage {
    chrome: Chrome,
    jurisdictions: Vec<(String, String)>,
    jurisdiction: String,
    view: TransitionView,
    /// The jurisdiction's departments: (code, name).
    departments: Vec<(String, String)>,
    error: String,
}

#[derive(Template)]
#[template(path = "transition/observe.html")]
struct ObservePage {
    chrome: Chrome,
    jurisdiction: String,
    cases: Vec<ObservedLine>,
}

#[derive(Template)]
#[template(path = "transition/observed_case.html")]
struct ObservedCasePage {
    chrome: Chrome,
    jurisdiction: String,
    case: ObservedCase,
    error: String,
}

fn desk_url(jurisdiction: &str) -> String {
    format!("/work/transition?jurisdiction={}", encode(jurisdiction))
}

async fn desk_page(page: &Page, jurisdiction: &str, notice: &str, error: String) -> PageResult {
    let mine = page.jurisdictions_for(Operation::ManageTransition);
    let jurisdiction = Page::pick_jurisdiction(
        &mine,
        jurisdiction,
        "无权管理事项划转：您的岗位没有此项职责",
    )?;
    let view = page.app.transition(page.who(), &jurisdiction).await?;
    let today = page.app.today();
    let departments = page
        .app
        .jurisdiction(&jurisdiction)?
        .departments
        .iter()
        .map(|d| (d.code.clone(), d.name_on(today).to_string()))
        .collect();
    render(&DeskPage {
        departments,
        chrome: page.chrome(notice),
        jurisdictions: mine,
        jurisdiction,
        view,
        error,
    })
}

/// Ends an act of the desk: success redirects to the desk with the notice `ok` words; a refusal
/// shows the desk again with its message.
async fn settle_desk<T>(
    page: &Page,
    jurisdiction: &str,
    result: Result<T, AppError>,
    ok: impl FnOnce(T) -> String,
) -> PageResult {
    settle(
        result,
        |v| (desk_url(jurisdiction), ok(v)),
        |e| async move { desk_page(page, jurisdiction, "", e).await },
    )
    .await
}

/// The plan and its batches.
pub async fn desk(page: PageFor<gate::Transition>, Query(q): Query<TransitionQuery>) -> PageResult {
    desk_page(&page, &q.jurisdiction, &q.notice, String::new()).await
}

/// 制定或修改划转方案.
pub async fn set_plan(page: PageFor<gate::Transition>, form: RawForm) -> PageResult {
    page.check_csrf(&form)?;
    let f = &form.raw;
    let j = f.get("jurisdiction");
    let req = PlanRequest {
        name: f.get("name"),
        approved_on: f.get("approved_on"),
        approved_by: f.get("approved_by"),
        period_end: f.get("period_end"),
    };
    let result = page.app.set_transfer_plan(page.who(), &j, &req).await;
    settle_desk(&page, &j, result, |_| "已保存划转方案".to_string()).await
}

/// 新增划转批次.
pub async fn add_batch(page: PageFor<gate::Transition>, form: RawForm) -> PageResult {
    page.check_csrf(&form)?;
    let f = &form.raw;
    let j = f.get("jurisdiction");
    let req = BatchRequest {
        name: f.get("name"),
        items: f
            .get("items")
            .split([',', '，', '、', ' ', '\n'])
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        source_department: f.get("source_department"),
        switch_date: f.get("switch_date"),
    };
    let result = page.app.add_transfer_batch(page.who(), &j, &req).await;
    settle_desk(&page, &j, result, |b| {
        format!("已新增划转批次「{}」", b.batch.name)
    })
    .await
}

/// 切换: the batch to the bureau.
pub async fn switch(
    page: PageFor<gate::Transition>,
    Path(id): Path<i64>,
    form: RawForm,
) -> PageResult {
    page.check_csrf(&form)?;
    let j = form.raw.get("jurisdiction");
    let result = page.app.switch_batch(page.who(), &j, id).await;
    settle_desk(&page, &j, result, |b| {
        format!("批次「{}」已划转至行政审批服务局", b.batch.name)
    })
    .await
}

/// 模拟运行本批次: the batch's items received in simulation mode until the switch.
pub async fn simulate(
    page: PageFor<gate::Transition>,
    Path(id): Path<i64>,
    form: RawForm,
) -> PageResult {
    page.check_csrf(&form)?;
    let j = form.raw.get("jurisdiction");
    let result = page.app.simulate_batch(page.who(), &j, id).await;
    settle_desk(&page, &j, result, |v| {
        format!("本批次事项已进入模拟运行：{}", v.description)
    })
    .await
}

/// 指定审批观察员.
pub async fn name_observer(page: PageFor<gate::Transition>, form: RawForm) -> PageResult {
    page.check_csrf(&form)?;
    let f = &form.raw;
    let j = f.get("jurisdiction");
    let req = ObserverRequest {
        department: f.get("department"),
        account: f.get("account").trim().parse().unwrap_or(0),
    };
    let result = page.app.name_observer(page.who(), &j, &req).await;
    settle_desk(&page, &j, result, |_| "已指定审批观察员".to_string()).await
}

/// 迁移办件 by its number (or an alias).
pub async fn migrate(page: PageFor<gate::Transition>, form: RawForm) -> PageResult {
    page.check_csrf(&form)?;
    let f = &form.raw;
    let j = f.get("jurisdiction");
    let number = f.get("case_number");
    let result = match page.app.store.case_by_number(&number).await {
        Ok(Some(r)) => {
            page.app
                .migrate_case(
                    page.who(),
                    &j,
                    r.id,
                    &MigrateRequest {
                        reason: f.get("reason"),
                    },
                )
                .await
        }
        Ok(None) => Err(yiyin_app::error::AppError::field(
            "case_number",
            format!("没有编号为「{}」的办件", number.trim()),
        )),
        Err(e) => Err(e.into()),
    };
    settle_desk(&page, &j, result, |r| {
        format!("办件已迁移至行政审批服务局，新办件编号{}", r.number)
    })
    .await
}

/// The observer's list of cases.
pub async fn observe(page: PageFor<gate::Staff>, Query(q): Query<TransitionQuery>) -> PageResult {
    let mine = page.app.observer_jurisdictions(page.who()).await?;
    let jurisdiction = if mine.contains(&q.jurisdiction) {
        q.jurisdiction.clone()
    } else {
        mine.first()
            .cloned()
            .ok_or_else(|| AppError::Forbidden("无权访问：您不是划转过渡期的审批观察员".into()))?
    };
    let cases = page.app.observed_cases(page.who(), &jurisdiction).await?;
    render(&ObservePage {
        chrome: page.chrome(&q.notice),
        jurisdiction,
        cases,
    })
}

async fn observed_page(page: &Page, id: i64, notice: &str, error: String) -> PageResult {
    let case = page.app.observed_case(page.who(), id).await?;
    let jurisdiction = page
        .app
        .store
        .case(id)
        .await
        .map(|r| r.jurisdiction)
        .unwrap_or_default();
    render(&ObservedCasePage {
        chrome: page.chrome(notice),
        jurisdiction,
        case,
        error,
    })
}

/// One case for its observer.
pub async fn observed_case(
    page: PageFor<gate::Staff>,
    Path(id): Path<i64>,
    Query(q): Query<TransitionQuery>,
) -> PageResult {
    observed_page(&page, id, &q.notice, String::new()).await
}

/// 评注.
pub async fn comment(page: PageFor<gate::Staff>, Path(id): Path<i64>, form: RawForm) -> PageResult {
    page.check_csrf(&form)?;
    let req = CommentRequest {
        body: form.raw.get("body"),
    };
    let result = page.app.comment_case(page.who(), id, &req).await;
    settle(
        result,
        |_| (format!("/work/observe/{id}"), "已提交评注".to_string()),
        |e| async { observed_page(&page, id, "", e).await },
    )
    .await
}
