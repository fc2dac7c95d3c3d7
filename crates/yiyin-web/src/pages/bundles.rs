//! Bundle pages (一件事一次办, 并联审批): the worklist `/work/bundles` (the window, the government's
//! head and the lead department see every bundle, another department those with a member of
//! theirs) and a bundle's page `/work/bundles/{id}` — its members (a department sees only its own),
//! the shared materials, the joint clock with every due date explained, its state and result —
//! with the form of the acts the reader may take (the window's intake and release, a department's
//! decision on its member, the government head's extension). The use cases are
//! `yiyin_app::bundles`'s; a refusal shows the page again with the message.

use askama::Template;
use yiyin_app::bundles::{BundleAct, BundleLine, BundleView};
use yiyin_domain::authz::Operation;

use crate::auth::gate;
use crate::error::AppError;
use crate::pages::{Chrome, FormData, PageFor, PageResult, Path, Query, RawForm, render, settle};

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct DeskQuery {
    pub jurisdiction: String,
    pub notice: String,
}

#[derive(Template)]
#[template(path = "work/bundles.html")]
struct DeskPage {
    chrome: Chrome,
    jurisdictions: Vec<(String, String)>,
    jurisdiction: String,
    lines: Vec<BundleLine>,
}

/// The bundles the reader may see in a jurisdiction.
pub async fn desk(page: PageFor<gate::Bundles>, Query(q): Query<DeskQuery>) -> PageResult {
    let mut jurisdictions = page.jurisdictions_for(Operation::ViewCase);
    for j in page.jurisdictions_for(Operation::ExtendBundle) {
        if !jurisdictions.contains(&j) {
            jurisdictions.push(j);
        }
    }
    let jurisdiction = if q.jurisdiction.is_empty() {
        jurisdictions
            .first()
            .map(|j| j.0.clone())
            .unwrap_or_default()
    } else {
        q.jurisdiction.clone()
    };
    let lines = page.app.bundle_worklist(page.who(), &jurisdiction).await?;
    render(&DeskPage {
        chrome: page.chrome(&q.notice),
        jurisdictions,
        jurisdiction,
        lines,
    })
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct BundleQuery {
    pub notice: String,
}

#[derive(Template)]
#[template(path = "work/bundle.html")]
struct BundlePage {
    chrome: Chrome,
    view: BundleView,
    error: String,
}

async fn bundle_page(
    page: &PageFor<gate::Bundles>,
    id: i64,
    notice: &str,
    error: String,
) -> PageResult {
    let view = page.app.bundle_view(page.who(), id).await?;
    render(&BundlePage {
        chrome: page.chrome(notice),
        view,
        error,
    })
}

/// A bundle's page.
pub async fn show(
    page: PageFor<gate::Bundles>,
    Path(id): Path<i64>,
    Query(q): Query<BundleQuery>,
) -> PageResult {
    bundle_page(&page, id, &q.notice, String::new()).await
}

/// The act the form asks for: `action` (accept, supplement, release, extend, decide), with
/// `materials` (codes separated by spaces or commas), `member`, `approve` (yes/no), `reason` and
/// `days`.
fn act_of(f: &FormData) -> Result<BundleAct, AppError> {
    let list = |s: String| -> Vec<String> {
        s.split(|c: char| c.is_whitespace() || c == ',' || c == '，' || c == '、')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    };
    Ok(match f.get("action").as_str() {
        "accept" => BundleAct::Accept,
        "notify_supplement" => BundleAct::NotifySupplement {
            missing: list(f.get("materials")),
        },
        "supplement" => BundleAct::Supplement {
            materials: list(f.get("materials")),
        },
        "release" => BundleAct::Release,
        "extend" => BundleAct::Extend {
            reason: f.get("reason"),
            days: f
                .get("days")
                .trim()
                .parse()
                .map_err(|_| AppError::field("days", "延长天数应为整数（工作日）"))?,
        },
        "decide" => BundleAct::Decide {
            member: f.get("member"),
            approve: f.get("approve") == "yes",
            reason: f.get("reason"),
        },
        _ => return Err(AppError::field("action", "请选择要办理的操作")),
    })
}

/// Takes an act on the bundle.
pub async fn act(page: PageFor<gate::Bundles>, Path(id): Path<i64>, form: RawForm) -> PageResult {
    page.check_csrf(&form)?;
    let result = match act_of(&form.raw) {
        Ok(act) => page.app.act_on_bundle(page.who(), id, None, act).await,
        Err(e) => Err(e),
    };
    settle(
        result,
        |v| (format!("/work/bundles/{}", v.id), "已办理".to_string()),
        |e| async { bundle_page(&page, id, "", e).await },
    )
    .await
}
