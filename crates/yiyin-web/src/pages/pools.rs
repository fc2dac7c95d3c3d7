//! Expert pool pages (专家库、踏勘人员库): the pools desk, `/work/pools` — a jurisdiction's pools,
//! members and declared ties, with the bureau head's forms to create a pool, add a member and
//! record a tie; a case's expert draw for staff, `/work/cases/{id}/experts` (专家抽取: publish the
//! seed, draw, the excluded with their reasons, recusal, the applicant's objections and their
//! decision, start the review); and the applicant's, `/my/cases/{id}/experts` — the published seed,
//! the drawn members' masked names and the 申请回避 form before the review starts. The use cases
//! are `yiyin_app::pools`'s; a refusal shows the page again with the message.

use askama::Template;
use yiyin_app::pools::{DrawView, MemberInput, PoolInput, PoolView, TieInput};
use yiyin_domain::authz::Operation;
use yiyin_domain::pools::{PoolKind, TieKind};

use crate::auth::gate;
use crate::error::AppError;
use crate::pages::{
    Chrome, Page, PageFor, PageResult, Path, Query, RawForm, encode, render, settle,
};

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct DeskQuery {
    pub jurisdiction: String,
    pub notice: String,
}

#[derive(Template)]
#[template(path = "pools/desk.html")]
struct DeskPage {
    chrome: Chrome,
    jurisdictions: Vec<(String, String)>,
    jurisdiction: String,
    pools: Vec<PoolView>,
    manage: bool,
    kinds: Vec<(&'static str, &'static str)>,
    ties: Vec<(&'static str, &'static str)>,
    error: String,
}

fn desk_url(jurisdiction: &str) -> String {
    format!("/work/pools?jurisdiction={}", encode(jurisdiction))
}

impl DeskPage {
    fn tie_label(&self, code: &str) -> &'static str {
        TieKind::parse(code).map_or("利害关系", |k| k.label())
    }
}

async fn desk_page(page: &Page, jurisdiction: &str, notice: &str, error: String) -> PageResult {
    let mine = page.jurisdictions_for_any(&[Operation::ManagePools, Operation::Suspend]);
    let jurisdiction =
        Page::pick_jurisdiction(&mine, jurisdiction, "无权查看专家库：您的岗位没有此项职责")?;
    render(&DeskPage {
        chrome: page.chrome(notice),
        pools: page.app.pools_of(page.who(), &jurisdiction).await?,
        manage: page
            .who()
            .require_in(Operation::ManagePools, &jurisdiction)
            .is_ok(),
        jurisdictions: mine,
        jurisdiction,
        kinds: PoolKind::options(),
        ties: TieKind::options(),
        error,
    })
}

/// Ends a desk form: success goes back to the jurisdiction's desk with `done`'s notice, a refusal
/// shows the desk again with its message.
async fn settle_on_desk<T>(
    page: &Page,
    jurisdiction: &str,
    result: Result<T, AppError>,
    done: impl FnOnce(T) -> String,
) -> PageResult {
    settle(
        result,
        |v| (desk_url(jurisdiction), done(v)),
        |e| async move { desk_page(page, jurisdiction, "", e).await },
    )
    .await
}

/// The pools desk.
pub async fn desk(page: PageFor<gate::Pools>, Query(q): Query<DeskQuery>) -> PageResult {
    desk_page(&page, &q.jurisdiction, &q.notice, String::new()).await
}

/// 新建专家库.
pub async fn create(page: PageFor<gate::ManagePools>, form: RawForm) -> PageResult {
    page.check_csrf(&form)?;
    let f = &form.raw;
    let j = f.get("jurisdiction");
    let input = PoolInput {
        kind: f.get("kind"),
        name: f.get("name"),
        specialty: f.get("specialty"),
    };
    let result = page.app.create_pool(page.who(), &j, &input).await;
    settle_on_desk(&page, &j, result, |v| format!("已新建「{}」", v.pool.name)).await
}

/// 新增成员.
pub async fn add_member(
    page: PageFor<gate::ManagePools>,
    Path(id): Path<i64>,
    form: RawForm,
) -> PageResult {
    page.check_csrf(&form)?;
    let f = &form.raw;
    let j = f.get("jurisdiction");
    let input = MemberInput {
        login: f.get("login"),
        name: f.get("name"),
        organisation: f.get("organisation"),
        title: f.get("title"),
    };
    let result = page.app.add_pool_member(page.who(), id, &input).await;
    settle_on_desk(&page, &j, result, |v| {
        format!("已为「{}」新增成员", v.pool.name)
    })
    .await
}

/// 申报利害关系.
pub async fn declare_tie(
    page: PageFor<gate::ManagePools>,
    Path(id): Path<i64>,
    form: RawForm,
) -> PageResult {
    page.check_csrf(&form)?;
    let f = &form.raw;
    let j = f.get("jurisdiction");
    let input = TieInput {
        holder_id: f.get("holder_id"),
        kind: f.get("kind"),
        note: f.get("note"),
    };
    let result = page.app.declare_pool_tie(page.who(), id, &input).await;
    settle_on_desk(&page, &j, result, |_| "已记录申报的利害关系".into()).await
}

#[derive(Template)]
#[template(path = "pools/case.html")]
struct CasePage {
    chrome: Chrome,
    id: i64,
    number: String,
    draw: Option<DrawView>,
    pools: Vec<PoolView>,
    /// Staff (who act on the draw) or the applicant (who may object).
    staff: bool,
    error: String,
}

impl CasePage {
    fn drawn(&self) -> Vec<yiyin_domain::pools::PoolMember> {
        self.draw
            .as_ref()
            .and_then(|d| d.published.result.as_ref())
            .map(|r| r.drawn.clone())
            .unwrap_or_default()
    }

    fn kind_label(&self, code: &str) -> &'static str {
        yiyin_domain::pools::ExclusionKind::parse(code).map_or("回避", |k| k.label())
    }

    fn decision_label(&self, code: &str) -> &'static str {
        match code {
            "upheld" => "成立",
            "rejected" => "不成立",
            _ => "待处理",
        }
    }
}

fn case_url(page: &Page, id: i64) -> String {
    if page.who().is_staff() {
        format!("/work/cases/{id}/experts")
    } else {
        format!("/my/cases/{id}/experts")
    }
}

async fn case_page(page: &Page, id: i64, notice: &str, error: String) -> PageResult {
    let record = page.app.case_for(page.who(), id).await?;
    let draw = match page.app.expert_draw(page.who(), id).await {
        Ok(d) => Some(d),
        Err(AppError::NotFound(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let staff = page.who().is_staff();
    let pools = if staff && draw.is_none() {
        page.app
            .pools_of(page.who(), &record.jurisdiction)
            .await
            .unwrap_or_default()
    } else {
        vec![]
    };
    render(&CasePage {
        chrome: page.chrome(notice),
        id,
        number: record.number,
        draw,
        pools,
        staff,
        error,
    })
}

/// A case's expert draw, for staff and for its applicant.
pub async fn case(page: Page, Path(id): Path<i64>, Query(q): Query<DeskQuery>) -> PageResult {
    case_page(&page, id, &q.notice, String::new()).await
}

/// The acts of the case's draw from its page: seed, draw, recusal, decision, start (staff) and
/// objection (the applicant).
pub async fn act(page: Page, Path((id, what)): Path<(i64, String)>, form: RawForm) -> PageResult {
    page.check_csrf(&form)?;
    let f = &form.raw;
    let app = &page.app;
    let who = page.who();
    let number = |field: &str| f.get(field).trim().parse::<i64>().unwrap_or(0);
    let result = match what.as_str() {
        "seed" => {
            let count = usize::try_from(number("count")).unwrap_or(0);
            app.publish_expert_seed(who, id, number("pool_id"), count)
                .await
        }
        "draw" => app.draw_case_experts(who, id).await,
        "recusal" => {
            app.recuse_expert(who, id, &f.get("member"), &f.get("reason"))
                .await
        }
        "objection" => {
            app.object_to_expert(who, id, &f.get("member"), &f.get("reason"))
                .await
        }
        "decision" => {
            let uphold = f.get("uphold") == "1";
            app.decide_expert_objection(who, id, number("objection"), uphold, &f.get("reason"))
                .await
        }
        "start" => {
            let days = u32::try_from(number("expected_days")).unwrap_or(0);
            app.start_expert_review(who, id, days).await
        }
        _ => Err(AppError::NotFound("没有这项操作".into())),
    };
    settle(
        result,
        |_| (case_url(&page, id), "已办理".into()),
        |e| async { case_page(&page, id, "", e).await },
    )
    .await
}
