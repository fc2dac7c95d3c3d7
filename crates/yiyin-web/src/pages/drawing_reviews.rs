//! Central drawing review pages (集中图审): the bureau's list with its assignment form and the
//! system administrator's form to register an institution (`/work/drawing-reviews`); a review's
//! page with the institution reviewers' opinion form (`/work/drawing-reviews/{id}`); the builder's
//! page with the resubmission of revised drawings (`/my/drawing-reviews/{id}`); the certificate
//! (施工图审查合格书) to view and print (`…/{id}/certificate`). The use cases are
//! `yiyin_app::drawing_reviews`'s; a refusal shows the page again with the message naming the rule.

use askama::Template;
use yiyin_app::drawing_reviews::{
    AssignReview, NewInstitution, OpinionInput, ReviewLine, ReviewView,
};
use yiyin_app::projects::ProjectLine;
use yiyin_domain::authz::Operation;
use yiyin_domain::drawing_review::{
    AssignMethod, Certificate, DEFAULT_BUDGET_DAYS, Institution, Verdict, check_assigner,
};

use crate::auth::gate;
use crate::error::AppError;
use crate::pages::{
    Chrome, FieldErrors, FormData, Page, PageFor, PageResult, Path, Query, RawForm, UploadForm,
    render, settle,
};

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub jurisdiction: String,
    /// The page after this review (empty: the first page).
    pub after: String,
    pub notice: String,
}

/// Reviews a page of the list shows.
const REVIEWS_PAGE: i64 = 20;

#[derive(Template)]
#[template(path = "work/drawing_reviews.html")]
struct ListPage {
    chrome: Chrome,
    jurisdictions: Vec<(String, String)>,
    jurisdiction: String,
    institutions: Vec<Institution>,
    lines: Vec<ReviewLine>,
    /// How many reviews the reader may list.
    count: i64,
    /// The next page's cursor; None on the last page.
    next: Option<String>,
    /// Whether this is a later page.
    paged: bool,
    /// The projects the reader may assign a review of (the bureau's step owners only).
    projects: Vec<ProjectLine>,
    /// Whether the reader registers institutions (the system administrator).
    registers: bool,
    methods: Vec<(&'static str, &'static str)>,
    default_budget: u32,
    values: FormData,
    error: String,
}

async fn list_page(
    page: &Page,
    (jurisdiction, after): (&str, &str),
    values: FormData,
    error: String,
    notice: &str,
) -> PageResult {
    let jurisdictions = page.jurisdictions_for_any(&[
        Operation::ViewCase,
        Operation::Receive,
        Operation::ManageUsers,
    ]);
    let jurisdiction = Page::pick_jurisdiction(
        &jurisdictions,
        jurisdiction,
        "您无权查看施工图审查：仅限行政审批服务局工作人员、施工图审查机构和系统管理员",
    )?;
    let who = page.who();
    let registers = who
        .require_in(Operation::ManageUsers, &jurisdiction)
        .is_ok();
    let list = match page
        .app
        .drawing_review_list(who, &jurisdiction, after, Some(REVIEWS_PAGE))
        .await
    {
        Ok(list) => list,
        Err(AppError::Forbidden(_)) if registers => yiyin_app::paging::ListPage::default(),
        Err(e) => return Err(e.into()),
    };
    let projects = if check_assigner(&who.account.grants, &jurisdiction).is_ok() {
        page.app
            .project_list(who, &jurisdiction, "", None)
            .await?
            .items
    } else {
        vec![]
    };
    render(&ListPage {
        chrome: page.chrome(notice),
        institutions: page.app.drawing_institutions(&jurisdiction)?,
        jurisdictions,
        jurisdiction,
        lines: list.items,
        count: list.count,
        next: list.next,
        paged: !after.trim().is_empty(),
        projects,
        registers,
        methods: AssignMethod::options(),
        default_budget: DEFAULT_BUDGET_DAYS,
        values,
        error,
    })
}

/// The reviews of a jurisdiction (the bureau: all; an institution: its worklist), the bureau's
/// assignment form and the system administrator's registration form.
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

/// Assigns a project's review (the bureau): the project, rotation or draw, the budget.
pub async fn assign(page: PageFor<gate::Staff>, form: RawForm) -> PageResult {
    page.check_csrf(&form)?;
    let f = form.raw;
    let jurisdiction = f.get("jurisdiction");
    let result = async {
        let project_id = f
            .get("project_id")
            .parse()
            .map_err(|_| AppError::field("project_id", "请选择要审查施工图的项目"))?;
        let method = AssignMethod::parse(&f.get("method"))
            .ok_or_else(|| AppError::field("method", "请选择分派方式（轮候分派或随机抽取）"))?;
        let budget_days = match f.get("budget_days").trim() {
            "" => None,
            days => Some(
                days.parse()
                    .map_err(|_| AppError::field("budget_days", "审查时限应填写工作日天数"))?,
            ),
        };
        page.app
            .assign_drawing_review(
                page.who(),
                AssignReview {
                    project_id,
                    method,
                    budget_days,
                },
            )
            .await
    }
    .await;
    settle(
        result,
        |v| {
            (
                format!("/work/drawing-reviews/{}", v.id),
                format!("已分派给{}", v.review.institution.name),
            )
        },
        |e| async { list_page(&page, (&jurisdiction, ""), f.clone(), e, "").await },
    )
    .await
}

/// Registers a technical review institution (the system administrator).
pub async fn register(page: PageFor<gate::Staff>, form: RawForm) -> PageResult {
    page.check_csrf(&form)?;
    let f = form.raw;
    let jurisdiction = f.get("jurisdiction");
    let result = page
        .app
        .register_drawing_institution(
            page.who(),
            &jurisdiction,
            NewInstitution {
                code: f.get("code"),
                name: f.get("name"),
                note: f.get("note"),
            },
        )
        .await;
    settle(
        result,
        |i| {
            (
                format!("/work/drawing-reviews?jurisdiction={jurisdiction}"),
                format!("已登记施工图审查机构「{}」", i.name),
            )
        },
        |e| async { list_page(&page, (&jurisdiction, ""), f.clone(), e, "").await },
    )
    .await
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ReviewQuery {
    pub notice: String,
}

#[derive(Template)]
#[template(path = "work/drawing_review.html")]
struct ReviewPage {
    chrome: Chrome,
    view: ReviewView,
    /// Where the page is: `/work` for staff, `/my` for the builder.
    base: &'static str,
    verdicts: Vec<(&'static str, &'static str)>,
    values: FormData,
    error: String,
    errors: FieldErrors,
}

async fn review_page(
    page: &Page,
    id: i64,
    notice: &str,
    values: FormData,
    error: String,
    errors: FieldErrors,
) -> PageResult {
    let view = page.app.drawing_review_view(page.who(), id).await?;
    render(&ReviewPage {
        chrome: page.chrome(notice),
        view,
        base: if page.who().is_staff() {
            "/work"
        } else {
            "/my"
        },
        verdicts: Verdict::options(),
        values,
        error,
        errors,
    })
}

/// A review's page for staff (the institution's reviewers give their opinion here).
pub async fn show(
    page: PageFor<gate::Staff>,
    Path(id): Path<i64>,
    Query(q): Query<ReviewQuery>,
) -> PageResult {
    review_page(
        &page,
        id,
        &q.notice,
        FormData::default(),
        String::new(),
        FieldErrors::default(),
    )
    .await
}

/// The institution's opinion: pass, or revise with the defects one a line.
pub async fn opinion(page: PageFor<gate::Staff>, Path(id): Path<i64>, form: RawForm) -> PageResult {
    page.check_csrf(&form)?;
    let f = form.raw;
    let result = async {
        let verdict = Verdict::parse(&f.get("verdict"))
            .ok_or_else(|| AppError::field("verdict", "请选择审查结论"))?;
        let version = f
            .get("version")
            .parse()
            .map_err(|_| AppError::invalid("页面已过期，请刷新后重试"))?;
        page.app
            .give_drawing_opinion(
                page.who(),
                id,
                OpinionInput {
                    version,
                    verdict,
                    defects: f.get("defects").lines().map(str::to_string).collect(),
                    summary: f.get("summary"),
                },
            )
            .await
    }
    .await;
    settle(
        result,
        |v| {
            (
                format!("/work/drawing-reviews/{}", v.id),
                match &v.review.certificate {
                    Some(c) => format!("审查合格，已出具施工图审查合格书（{}）", c.number),
                    None => "审查意见已出具，等待建设单位修改图纸".to_string(),
                },
            )
        },
        |e| async { review_page(&page, id, "", f.clone(), e, FieldErrors::default()).await },
    )
    .await
}

/// A review's page for the project's builder (the resubmission form when asked to revise).
pub async fn mine(
    page: PageFor<gate::Applicant>,
    Path(id): Path<i64>,
    Query(q): Query<ReviewQuery>,
) -> PageResult {
    review_page(
        &page,
        id,
        &q.notice,
        FormData::default(),
        String::new(),
        FieldErrors::default(),
    )
    .await
}

/// The builder resubmits revised drawings (an upload form: PDF, JPG, PNG or OFD).
pub async fn resubmit(
    page: PageFor<gate::Applicant>,
    Path(id): Path<i64>,
    UploadForm(mp): UploadForm,
) -> PageResult {
    let mut errors = FieldErrors::default();
    let (fields, uploads) = super::applicant::read_multipart(mp, &mut errors).await?;
    if !errors.is_empty() {
        return crate::pages::unprocessable(
            review_page(&page, id, "", fields, String::new(), errors).await,
        );
    }
    let result = async {
        let version = fields
            .get("version")
            .parse()
            .map_err(|_| AppError::invalid("页面已过期，请刷新后重试"))?;
        page.app
            .resubmit_drawings(page.who(), id, version, uploads)
            .await
    }
    .await;
    settle(
        result,
        |v| {
            (
                format!("/my/drawing-reviews/{}", v.id),
                "修改后的施工图已提交，审查机构将重新审查".to_string(),
            )
        },
        |e| async { review_page(&page, id, "", fields.clone(), e, FieldErrors::default()).await },
    )
    .await
}

#[derive(Template)]
#[template(path = "work/drawing_certificate.html")]
struct CertificatePage {
    chrome: Chrome,
    id: i64,
    base: &'static str,
    certificate: Certificate,
}

async fn certificate_page(page: &Page, id: i64) -> PageResult {
    let view = page.app.drawing_review_view(page.who(), id).await?;
    let certificate = view.review.certificate.ok_or_else(|| {
        AppError::NotFound("本次施工图审查尚未审查合格，没有施工图审查合格书".into())
    })?;
    render(&CertificatePage {
        chrome: page.chrome(""),
        id,
        base: if page.who().is_staff() {
            "/work"
        } else {
            "/my"
        },
        certificate,
    })
}

/// The certificate, for staff who may read the review.
pub async fn certificate(page: PageFor<gate::Staff>, Path(id): Path<i64>) -> PageResult {
    certificate_page(&page, id).await
}

/// The certificate, for the project's builder.
pub async fn my_certificate(page: PageFor<gate::Applicant>, Path(id): Path<i64>) -> PageResult {
    certificate_page(&page, id).await
}
