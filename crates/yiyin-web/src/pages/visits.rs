//! Joint site inspection and joint acceptance pages (联合踏勘、联合验收): the visits desk,
//! `/work/visits` — a jurisdiction's visits, 20 a page, and, for the window, the choice of a bundle to
//! schedule; the scheduling form `/work/visits/new?bundle=…` (kind, date, each department's staff
//! by login or a draw from a 踏勘人员库); a visit's page `/work/visits/{id}` with its teams,
//! opinions and defects, the sent staff's opinion form and the window's re-inspection form; the
//! joint record's download; and the applicant's `/my/visits/{id}`. The use cases are
//! `yiyin_app::joint_visits`'s; a refusal shows the page again with the message naming the rule.

use askama::Template;
use axum::response::Response;
use yiyin_app::joint_visits::{
    OpinionInput, Reinspect, ScheduleVisit, TeamInput, VisitForm, VisitLine, VisitView,
};
use yiyin_domain::authz::Operation;
use yiyin_domain::joint_visit::Verdict;

use crate::auth::gate;
use crate::error::AppError;
use crate::pages::{
    Chrome, FormData, Page, PageFor, PageResult, Path, Query, RawForm, file_response, render,
    settle,
};

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct DeskQuery {
    pub jurisdiction: String,
    /// The page after this visit (empty: the first page).
    pub after: String,
    pub notice: String,
}

/// Visits a page of the desk shows.
const VISITS_PAGE: i64 = 20;

#[derive(Template)]
#[template(path = "work/visits.html")]
struct DeskPage {
    chrome: Chrome,
    jurisdictions: Vec<(String, String)>,
    jurisdiction: String,
    lines: Vec<VisitLine>,
    /// How many visits the reader may see in the jurisdiction.
    count: i64,
    /// The next page's address; None on the last page.
    next: Option<String>,
    /// Whether this is a later page.
    paged: bool,
    /// The bundles the window may schedule for (id, label); empty for others.
    bundles: Vec<(i64, String)>,
}

/// The visits desk.
pub async fn desk(page: PageFor<gate::Visits>, Query(q): Query<DeskQuery>) -> PageResult {
    let jurisdictions = page.jurisdictions_for_any(&[Operation::Receive, Operation::ViewCase]);
    let jurisdiction = if jurisdictions.iter().any(|j| j.0 == q.jurisdiction) {
        q.jurisdiction.clone()
    } else {
        jurisdictions
            .first()
            .map(|j| j.0.clone())
            .unwrap_or_default()
    };
    let bundles = if page
        .who()
        .require_in(Operation::Receive, &jurisdiction)
        .is_ok()
    {
        page.app.visit_bundles(page.who(), &jurisdiction).await?
    } else {
        vec![]
    };
    let list = page
        .app
        .visit_list(page.who(), &jurisdiction, &q.after, Some(VISITS_PAGE))
        .await?;
    let next = list.next.map(|after| {
        yiyin_app::query_url(
            "/work/visits",
            &[("jurisdiction", &jurisdiction), ("after", &after)],
        )
    });
    render(&DeskPage {
        chrome: page.chrome(&q.notice),
        lines: list.items,
        count: list.count,
        next,
        paged: !q.after.trim().is_empty(),
        jurisdictions,
        jurisdiction,
        bundles,
    })
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewQuery {
    pub bundle: i64,
}

#[derive(Template)]
#[template(path = "work/visit_new.html")]
struct NewPage {
    chrome: Chrome,
    form: VisitForm,
    values: FormData,
    error: String,
}

impl NewPage {
    /// The logins sent for a department's team (the form shown again).
    fn logins(&self, department: &str) -> String {
        self.values.get(&format!("logins_{department}"))
    }
}

async fn new_page(page: &Page, bundle: i64, values: FormData, error: String) -> PageResult {
    render(&NewPage {
        chrome: page.chrome(""),
        form: page.app.visit_form(page.who(), bundle).await?,
        values,
        error,
    })
}

/// The scheduling form of a bundle (its window).
pub async fn new(page: PageFor<gate::Receive>, Query(q): Query<NewQuery>) -> PageResult {
    new_page(&page, q.bundle, FormData::default(), String::new()).await
}

/// The teams of a scheduling form: for each department (`department`), its logins
/// (`logins_{code}`, separated by spaces, commas or lines) or a 踏勘人员库 (`pool_{code}`).
fn teams_of(f: &FormData) -> Result<Vec<TeamInput>, AppError> {
    f.all("department")
        .into_iter()
        .map(|d| {
            let pool = f.get(&format!("pool_{d}"));
            let pool_id = if pool.is_empty() {
                None
            } else {
                Some(
                    pool.parse::<i64>()
                        .map_err(|_| AppError::field("pool_id", "请选择踏勘人员库"))?,
                )
            };
            let logins = f
                .get(&format!("logins_{d}"))
                .split(|c: char| c.is_whitespace() || c == ',' || c == '，' || c == '、')
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect();
            Ok(TeamInput {
                department: d,
                logins,
                pool_id,
                count: None,
            })
        })
        .collect()
}

/// Schedules a visit (the window); a refusal shows the form again as sent.
pub async fn schedule(page: PageFor<gate::Receive>, form: RawForm) -> PageResult {
    page.check_csrf(&form)?;
    let f = form.raw;
    let bundle: i64 = f.get("bundle_id").parse().unwrap_or_default();
    let result = async {
        let input = ScheduleVisit {
            bundle_id: bundle,
            kind: f.get("kind"),
            date: f.get("date"),
            teams: teams_of(&f)?,
        };
        page.app.schedule_visit(page.who(), &input).await
    }
    .await;
    settle(
        result,
        |v| {
            (
                format!("/work/visits/{}", v.id),
                format!("已安排{}并书面通知申请人", v.kind_label),
            )
        },
        |e| async { new_page(&page, bundle, f.clone(), e).await },
    )
    .await
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct VisitQuery {
    pub notice: String,
}

#[derive(Template)]
#[template(path = "work/visit.html")]
struct VisitPage {
    chrome: Chrome,
    view: VisitView,
    /// `/work` for staff, `/my` for the applicant.
    base: &'static str,
    verdicts: Vec<(&'static str, &'static str)>,
    /// The 踏勘人员库 for the re-inspection form (the window only).
    pools: Vec<(i64, String)>,
    values: FormData,
    error: String,
}

impl VisitPage {
    /// The logins sent for a department's team (the form shown again).
    fn logins(&self, department: &str) -> String {
        self.values.get(&format!("logins_{department}"))
    }
}

async fn visit_page(
    page: &Page,
    id: i64,
    notice: &str,
    values: FormData,
    error: String,
) -> PageResult {
    let view = page.app.visit_view(page.who(), id).await?;
    let pools = if view.may_reinspect {
        page.app.inspector_pools(&view.jurisdiction).await?
    } else {
        vec![]
    };
    render(&VisitPage {
        chrome: page.chrome(notice),
        view,
        base: if page.who().is_staff() {
            "/work"
        } else {
            "/my"
        },
        verdicts: Verdict::options(),
        pools,
        values,
        error,
    })
}

/// A visit's page for staff.
pub async fn show(
    page: PageFor<gate::Visits>,
    Path(id): Path<i64>,
    Query(q): Query<VisitQuery>,
) -> PageResult {
    visit_page(&page, id, &q.notice, FormData::default(), String::new()).await
}

/// A visit's page for its applicant.
pub async fn mine(
    page: PageFor<gate::Applicant>,
    Path(id): Path<i64>,
    Query(q): Query<VisitQuery>,
) -> PageResult {
    visit_page(&page, id, &q.notice, FormData::default(), String::new()).await
}

/// Enters a department's opinion (one of its sent staff): the verdict and the defects, one per
/// line.
pub async fn opinion(page: PageFor<gate::Staff>, Path(id): Path<i64>, form: RawForm) -> PageResult {
    page.check_csrf(&form)?;
    let f = form.raw;
    let input = OpinionInput {
        department: f.get("department"),
        verdict: f.get("verdict"),
        defects: f.get("defects").lines().map(str::to_string).collect(),
    };
    let result = page.app.record_visit_opinion(page.who(), id, &input).await;
    settle(
        result,
        |v| (format!("/work/visits/{}", v.id), "意见已录入".to_string()),
        |e| async { visit_page(&page, id, "", f.clone(), e).await },
    )
    .await
}

/// Schedules the re-inspection of a failed round (the window).
pub async fn reinspect(
    page: PageFor<gate::Receive>,
    Path(id): Path<i64>,
    form: RawForm,
) -> PageResult {
    page.check_csrf(&form)?;
    let f = form.raw;
    let result = async {
        let input = Reinspect {
            date: f.get("date"),
            teams: teams_of(&f)?,
        };
        page.app.reinspect_visit(page.who(), id, &input).await
    }
    .await;
    settle(
        result,
        |v| {
            (
                format!("/work/visits/{}", v.id),
                "已安排复查并书面通知申请人".to_string(),
            )
        },
        |e| async { visit_page(&page, id, "", f.clone(), e).await },
    )
    .await
}

/// Makes the visit's draws with the seeds published when it was scheduled (the window).
pub async fn draw(page: PageFor<gate::Receive>, Path(id): Path<i64>, form: RawForm) -> PageResult {
    page.check_csrf(&form)?;
    let result = page.app.draw_visit_teams(page.who(), id).await;
    settle(
        result,
        |v| {
            (
                format!("/work/visits/{}", v.id),
                "已按公布的随机种子抽取踏勘人员".to_string(),
            )
        },
        |e| async { visit_page(&page, id, "", FormData::default(), e).await },
    )
    .await
}

fn download((name, text): (String, String)) -> Response {
    file_response("text/plain; charset=utf-8", &name, false, text.into_bytes())
}

/// The joint record's download for staff.
pub async fn record(page: PageFor<gate::Visits>, Path(id): Path<i64>) -> PageResult {
    Ok(download(page.app.visit_record_file(page.who(), id).await?))
}

/// The joint record's download for the applicant.
pub async fn my_record(page: PageFor<gate::Applicant>, Path(id): Path<i64>) -> PageResult {
    Ok(download(page.app.visit_record_file(page.who(), id).await?))
}
