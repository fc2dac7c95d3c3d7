//! Construction project pages (工程建设项目审批): the projects of a jurisdiction with the window's
//! registration form (`/work/projects`), a project's page (`/work/projects/{id}`) — every stage,
//! its bundle's items, cases and clocks, the working days used against the target, and the
//! window's form to receive the next stage (the materials an earlier stage gave marked, not asked
//! again) —, the builder's own pages (`/my/projects`, `/my/projects/{id}`, where it applies for
//! the next stage online and answers a stage's supplement notice, a file per material), and the
//! same project page for the agent who carries it under a mandate (`/work/agency/{mandate}/project`,
//! each act recorded as the agent's for the builder). The use cases are
//! `yiyin_app::projects`'s; a refusal shows the page again with the message naming the rule.

use askama::Template;
use yiyin_app::bundles::ReceiveBundle;
use yiyin_app::projects::{ApplyStage, ProjectLine, ProjectView, StageForm};
use yiyin_domain::authz::Operation;
use yiyin_domain::project::{InvestmentType, Project, Stage};

use crate::auth::gate;
use crate::error::AppError;
use crate::pages::applicant::read_multipart;
use crate::pages::bundles::intake_of;
use crate::pages::{
    Chrome, FieldErrors, FormData, Page, PageFor, PageResult, Path, Query, RawForm, UploadForm,
    render, settle,
};

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub jurisdiction: String,
    /// The page after this project (empty: the first page).
    pub after: String,
    pub notice: String,
}

/// Projects a page of the list shows.
const PROJECTS_PAGE: i64 = 20;

#[derive(Template)]
#[template(path = "work/projects.html")]
struct ListPage {
    chrome: Chrome,
    jurisdictions: Vec<(String, String)>,
    jurisdiction: String,
    lines: Vec<ProjectLine>,
    /// How many projects the jurisdiction has.
    count: i64,
    /// The next page's cursor; None on the last page.
    next: Option<String>,
    /// Whether this is a later page.
    paged: bool,
    /// Whether the reader registers projects (the window).
    registers: bool,
    investments: Vec<(&'static str, &'static str)>,
    values: FormData,
    error: String,
}

async fn list_page(
    page: &PageFor<gate::Staff>,
    (jurisdiction, after): (&str, &str),
    values: FormData,
    error: String,
    notice: &str,
) -> PageResult {
    let jurisdictions = page.jurisdictions_for_any(&[Operation::Receive, Operation::ViewCase]);
    let jurisdiction = if jurisdiction.is_empty() {
        jurisdictions
            .first()
            .map(|j| j.0.clone())
            .unwrap_or_default()
    } else {
        jurisdiction.to_string()
    };
    let list = page
        .app
        .project_list(page.who(), &jurisdiction, after, Some(PROJECTS_PAGE))
        .await?;
    let registers = page
        .who()
        .require_in(Operation::Receive, &jurisdiction)
        .is_ok();
    render(&ListPage {
        chrome: page.chrome(notice),
        jurisdictions,
        jurisdiction,
        lines: list.items,
        count: list.count,
        next: list.next,
        paged: !after.trim().is_empty(),
        registers,
        investments: InvestmentType::options(),
        values,
        error,
    })
}

/// The projects of a jurisdiction, and the window's registration form.
pub async fn list(page: PageFor<gate::Staff>, Query(q): Query<ListQuery>) -> PageResult {
    list_page(
        &page,
        (&q.jurisdiction, &q.after),
        FormData::default(),
        String::new(),
        &q.notice,
    )
    .await
}

/// Registers a project (the window): its project code, name, builder and credit code, location
/// and investment type; a refusal shows the form again as sent.
pub async fn register(page: PageFor<gate::Staff>, form: RawForm) -> PageResult {
    page.check_csrf(&form)?;
    let f = form.raw;
    let jurisdiction = f.get("jurisdiction");
    let result = async {
        let investment = InvestmentType::parse(&f.get("investment"))
            .ok_or_else(|| AppError::field("investment", "请选择投资类型（政府投资或社会投资）"))?;
        let project = Project {
            code: f.get("code"),
            name: f.get("name"),
            builder: f.get("builder"),
            builder_code: f.get("builder_code"),
            location: f.get("location"),
            investment,
        };
        page.app
            .register_project(page.who(), &jurisdiction, project)
            .await
    }
    .await;
    settle(
        result,
        |v| (format!("/work/projects/{}", v.id), "项目已登记".to_string()),
        |e| async { list_page(&page, (&jurisdiction, ""), f.clone(), e, "").await },
    )
    .await
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ProjectQuery {
    pub notice: String,
}

#[derive(Template)]
#[template(path = "work/project.html")]
struct ProjectPage {
    chrome: Chrome,
    view: ProjectView,
    /// The form for the next stage: the window's, or the builder's (or its agent's) online one.
    form: Option<StageForm>,
    /// Where the online forms post (`/my/projects/{id}` for the builder,
    /// `/work/agency/{mandate}/project` for its agent); empty for staff.
    online: String,
    /// Where the page is: `/work` for staff, `/my` for the builder, empty for an agent (no links
    /// to pages the agent has no access to).
    base: &'static str,
    /// The project's joint site inspections and acceptances (联合踏勘、联合验收).
    visits: Vec<yiyin_app::joint_visits::VisitLine>,
    values: FormData,
    /// The file fields in error (none: a refusal names its field in `error`).
    errors: FieldErrors,
    error: String,
}

impl ProjectPage {
    /// Whether an item is a parallel item (并行推进) of the stage numbered `number`.
    fn is_parallel(&self, number: &usize, code: &str) -> bool {
        self.view
            .stages
            .iter()
            .any(|s| s.number == *number && s.parallel.iter().any(|p| p == code))
    }
}

async fn project_page(
    page: &Page,
    id: i64,
    notice: &str,
    values: FormData,
    error: String,
) -> PageResult {
    let view = page.app.project_view(page.who(), id).await?;
    let staff = page.who().is_staff();
    let form = if !staff
        || page
            .who()
            .require_in(Operation::Receive, &view.jurisdiction)
            .is_ok()
    {
        page.app.stage_form(page.who(), id).await?
    } else {
        None
    };
    render(&ProjectPage {
        chrome: page.chrome(notice),
        form,
        online: if staff {
            String::new()
        } else {
            format!("/my/projects/{id}")
        },
        visits: page.app.project_visits(page.who(), id).await?,
        view,
        base: if staff { "/work" } else { "/my" },
        values,
        errors: FieldErrors::default(),
        error,
    })
}

/// The project a mandate is for, as its agent's page shows it: the builder's view with the online
/// forms posting under the mandate.
async fn agent_project_page(page: &Page, mandate: i64, notice: &str, error: String) -> PageResult {
    let p = page.app.agent_project(page.who(), mandate).await?;
    render(&ProjectPage {
        chrome: page.chrome(notice),
        view: p.view,
        form: p.form,
        online: format!("/work/agency/{mandate}/project"),
        visits: p.visits,
        base: "",
        values: FormData::default(),
        errors: FieldErrors::default(),
        error,
    })
}

/// The online stage application's fields, read from its multipart form: the stage, the Art. 31
/// attestation (`attested=yes`), a file per merged material (`file_<code>`).
async fn read_application(mp: axum::extract::Multipart) -> Result<(Stage, ApplyStage), AppError> {
    let mut errors = FieldErrors::default();
    let (fields, uploads) = read_multipart(mp, &mut errors).await?;
    if let Some((_, message)) = errors.0.first() {
        return Err(AppError::invalid(message.clone()));
    }
    let stage = Stage::parse(&fields.get("stage"))
        .ok_or_else(|| AppError::field("stage", "请选择要申报的阶段"))?;
    Ok((
        stage,
        ApplyStage {
            situations: vec![],
            uploads,
            attested: fields.get("attested") == "yes",
        },
    ))
}

/// The supplement's files, read from its multipart form (`file_<code>`): the materials they are
/// for are the ones delivered.
async fn read_supplement(
    mp: axum::extract::Multipart,
) -> Result<(Vec<String>, Vec<yiyin_app::cases::Upload>), AppError> {
    let mut errors = FieldErrors::default();
    let (_, uploads) = read_multipart(mp, &mut errors).await?;
    if let Some((_, message)) = errors.0.first() {
        return Err(AppError::invalid(message.clone()));
    }
    let mut materials: Vec<String> = uploads.iter().map(|u| u.material.clone()).collect();
    materials.sort();
    materials.dedup();
    Ok((materials, uploads))
}

/// 网上申报: the builder applies for its project's next stage, a file per material.
pub async fn apply_stage(
    page: PageFor<gate::Applicant>,
    Path(id): Path<i64>,
    UploadForm(mp): UploadForm,
) -> PageResult {
    let result = async {
        let (stage, input) = read_application(mp).await?;
        page.app.apply_stage(page.who(), id, stage, input).await
    }
    .await;
    settle(
        result,
        |v| {
            (
                format!("/my/projects/{id}"),
                format!(
                    "申报已提交，一件事办件编号 {}，窗口将在五个工作日内决定是否受理",
                    v.number
                ),
            )
        },
        |e| async { project_page(&page, id, "", FormData::default(), e).await },
    )
    .await
}

/// 补正材料: the builder answers a stage's one supplement notice, a file per material asked.
pub async fn supplement_stage(
    page: PageFor<gate::Applicant>,
    Path((id, bundle)): Path<(i64, i64)>,
    UploadForm(mp): UploadForm,
) -> PageResult {
    let result = async {
        let (materials, uploads) = read_supplement(mp).await?;
        page.app
            .supplement_bundle(page.who(), bundle, None, materials, uploads)
            .await
    }
    .await;
    settle(
        result,
        |_| (format!("/my/projects/{id}"), "补正材料已提交".to_string()),
        |e| async { project_page(&page, id, "", FormData::default(), e).await },
    )
    .await
}

/// The agent's page of the mandate's project.
pub async fn agent_project(
    page: PageFor<gate::ActForApplicants>,
    Path(mandate): Path<i64>,
    Query(q): Query<ProjectQuery>,
) -> PageResult {
    agent_project_page(&page, mandate, &q.notice, String::new()).await
}

/// 代为申报: the agent applies for the project's next stage for the builder.
pub async fn agent_apply_stage(
    page: PageFor<gate::ActForApplicants>,
    Path(mandate): Path<i64>,
    UploadForm(mp): UploadForm,
) -> PageResult {
    let result = async {
        let (stage, input) = read_application(mp).await?;
        page.app
            .agent_apply_stage(page.who(), mandate, stage, input)
            .await
    }
    .await;
    settle(
        result,
        |v| {
            (
                format!("/work/agency/{mandate}/project"),
                format!("已代建设单位提交申报，一件事办件编号 {}", v.number),
            )
        },
        |e| async { agent_project_page(&page, mandate, "", e).await },
    )
    .await
}

/// 代为补正: the agent answers a stage's one supplement notice for the builder.
pub async fn agent_supplement_stage(
    page: PageFor<gate::ActForApplicants>,
    Path((mandate, bundle)): Path<(i64, i64)>,
    UploadForm(mp): UploadForm,
) -> PageResult {
    let result = async {
        let (materials, uploads) = read_supplement(mp).await?;
        page.app
            .agent_supplement_bundle(page.who(), mandate, bundle, None, materials, uploads)
            .await
    }
    .await;
    settle(
        result,
        |_| {
            (
                format!("/work/agency/{mandate}/project"),
                "已代建设单位提交补正材料".to_string(),
            )
        },
        |e| async { agent_project_page(&page, mandate, "", e).await },
    )
    .await
}

/// A project's page, for staff of its jurisdiction.
pub async fn show(
    page: PageFor<gate::Staff>,
    Path(id): Path<i64>,
    Query(q): Query<ProjectQuery>,
) -> PageResult {
    project_page(&page, id, &q.notice, FormData::default(), String::new()).await
}

/// Receives the project's next stage at the window, as its bundle: the builder as the applicant,
/// the merged materials ticked (`material`; those an earlier stage gave count as given), the Art.
/// 31 attestation (`attested=yes`) and the window's outcome; the receipt voucher follows.
pub async fn receive_stage(
    page: PageFor<gate::Receive>,
    Path(id): Path<i64>,
    form: RawForm,
) -> PageResult {
    page.check_csrf(&form)?;
    let f = form.raw;
    let result = async {
        let stage = Stage::parse(&f.get("stage"))
            .ok_or_else(|| AppError::field("stage", "请选择要收件的阶段"))?;
        let (applicant, outcome) = intake_of(&f, "organisation".into())?;
        page.app
            .receive_stage(
                page.who(),
                id,
                stage,
                ReceiveBundle {
                    jurisdiction: String::new(),
                    bundle_code: String::new(),
                    situations: vec![],
                    applicant,
                    materials: f.all("material"),
                    outcome,
                    missing: vec![],
                    attested: f.get("attested") == "yes",
                    uploads: vec![],
                },
            )
            .await
    }
    .await;
    settle(
        result,
        |v| {
            (
                format!("/work/bundles/{}/receipt", v.id),
                "已收件".to_string(),
            )
        },
        |e| async { project_page(&page, id, "", f.clone(), e).await },
    )
    .await
}

#[derive(Template)]
#[template(path = "applicant/projects.html")]
struct MyListPage {
    chrome: Chrome,
    lines: Vec<ProjectLine>,
}

/// The projects of the applicant's own organisation.
pub async fn mine(page: PageFor<gate::Applicant>, Query(q): Query<ProjectQuery>) -> PageResult {
    let lines = page.app.my_projects(page.who()).await?;
    render(&MyListPage {
        chrome: page.chrome(&q.notice),
        lines,
    })
}

/// A project's page for its builder.
pub async fn my_project(
    page: PageFor<gate::Applicant>,
    Path(id): Path<i64>,
    Query(q): Query<ProjectQuery>,
) -> PageResult {
    project_page(&page, id, &q.notice, FormData::default(), String::new()).await
}
