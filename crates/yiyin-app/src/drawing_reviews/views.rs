//! Reading drawing reviews: who sees a review (the bureau's staff of its jurisdiction, the assigned
//! institution's reviewers, the project's builder — who sees the institution, not the reviewer's
//! name), the review with its rounds, defects, certificate and days, the worklists, and the
//! certificate as a case of an item that accepts it shows it.

use serde::Serialize;
use yiyin_domain::catalog::StepKind;
use yiyin_domain::drawing_review::{Certificate, ReviewState, satisfied_steps};

use super::*;
use crate::paging::{ListPage, id_cursor, page_limit};

/// The most reviews a page of a jurisdiction's list holds (and how many when not said).
pub const REVIEW_PAGE: i64 = 200;

/// A review as its reader sees it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewView {
    pub id: i64,
    /// The version to name when acting on it.
    pub version: i64,
    pub review: DrawingReview,
    pub state: ReviewState,
    pub state_label: String,
    pub method_label: String,
    /// The institution's working days (intermediary time, outside the statutory clock) and the
    /// applicant's revision days, against the budget.
    pub days: ReviewDays,
    /// How the days are counted, in Chinese.
    pub days_explanation: String,
    /// Whether the reader may give the institution's opinion now.
    pub may_give_opinion: bool,
    /// Whether the reader may resubmit revised drawings now.
    pub may_resubmit: bool,
}

/// A line of a worklist.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewLine {
    pub id: i64,
    pub project_id: i64,
    pub project_code: String,
    pub project_name: String,
    pub institution: String,
    pub state: ReviewState,
    pub state_label: String,
    pub rounds: usize,
    pub institution_days: u32,
    pub budget_days: u32,
    pub certificate_number: Option<String>,
}

/// The certificate as a case shows it: the project's certificate, if issued, and the steps of the
/// case's item it satisfies (none: the item does not need a technical review of drawings).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseCertificate {
    pub case_id: i64,
    pub review_id: Option<i64>,
    pub certificate: Option<Certificate>,
    pub satisfied_steps: Vec<StepKind>,
    /// The institution's working days on the project's review (intermediary time).
    pub institution_days: u32,
    /// In Chinese, for the case page.
    pub note: String,
}

/// How a reader stands to a review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Reader {
    Bureau,
    Institution,
    Builder,
}

fn days_explanation(d: &ReviewDays) -> String {
    format!(
        "施工图审查机构用时 {} 个工作日（审查时限 {} 个工作日{}），属中介服务时间，不计入审批时限（《行政许可法》第四十五条、国办发〔2019〕11号）；申请人修改图纸 {} 个工作日不计入审查机构用时",
        d.institution,
        d.budget,
        if d.over { "，已超时" } else { "" },
        d.revision
    )
}

impl App {
    /// How a member of staff stands to a review.
    fn review_reader(&self, who: &Principal, record: &ReviewRecord) -> Result<Reader> {
        let r = &record.body.0;
        {
            let grants = &who.account.grants;
            if rules::is_reviewer_of(grants, &r.jurisdiction, &r.institution.code) {
                return Ok(Reader::Institution);
            }
            let bureau = grants
                .iter()
                .any(|g| g.jurisdiction == r.jurisdiction && g.department.is_none());
            if bureau
                && (who.require_in(Operation::ViewCase, &r.jurisdiction).is_ok()
                    || who.require_in(Operation::Receive, &r.jurisdiction).is_ok())
            {
                return Ok(Reader::Bureau);
            }
        }
        Err(AppError::Forbidden(
            "您无权查看该施工图审查：仅限本县区行政审批服务局工作人员和承接审查的施工图审查机构"
                .into(),
        ))
    }

    /// How a reader stands to a review (staff, or the project's builder); refused otherwise.
    pub(super) async fn review_reader_of(
        &self,
        who: &Principal,
        record: &ReviewRecord,
    ) -> Result<Reader> {
        if who.is_staff() {
            return self.review_reader(who, record);
        }
        let project = self.project_record(record.project_id).await?;
        if !crate::projects::builder_of(who, &project.builder_code) {
            return Err(AppError::Forbidden(
                "该工程建设项目不是您单位的项目，您无权查看其施工图审查".into(),
            ));
        }
        Ok(Reader::Builder)
    }

    /// A review as the reader may see it.
    pub async fn drawing_review_view(&self, who: &Principal, id: i64) -> Result<ReviewView> {
        let record = self.review_record(id).await?;
        let reader = self.review_reader_of(who, &record).await?;
        let mut review = record.body.0.clone();
        if reader == Reader::Builder {
            // The builder deals with the institution, not with its staff by name.
            for o in review.rounds.iter_mut().filter_map(|r| r.opinion.as_mut()) {
                o.reviewer = review.institution.name.clone();
            }
        }
        let days = self.review_days(&review)?;
        let state = review.state();
        Ok(ReviewView {
            id: record.id,
            version: record.version,
            state,
            state_label: state.label().to_string(),
            method_label: review.method.label().to_string(),
            days_explanation: days_explanation(&days),
            days,
            may_give_opinion: reader == Reader::Institution && state == ReviewState::UnderReview,
            may_resubmit: reader == Reader::Builder && state == ReviewState::Revising,
            review,
        })
    }

    /// A page of the reviews of a jurisdiction as the reader may list them — the bureau's staff
    /// all of them, an institution's reviewers their institution's —, newest first, after the
    /// review `after` ('': the first page), `limit` a page (1 to [`REVIEW_PAGE`], that many when
    /// not given), with how many the reader may list.
    pub async fn drawing_review_list(
        &self,
        who: &Principal,
        jurisdiction: &str,
        after: &str,
        limit: Option<i64>,
    ) -> Result<ListPage<ReviewLine>> {
        who.require_staff()?;
        self.jurisdiction(jurisdiction)?;
        let grants = &who.account.grants;
        let institution = grants
            .iter()
            .filter(|g| g.jurisdiction == jurisdiction)
            .find_map(rules::institution_of)
            .map(str::to_string);
        if institution.is_none()
            && who.require_in(Operation::ViewCase, jurisdiction).is_err()
            && who.require_in(Operation::Receive, jurisdiction).is_err()
        {
            return Err(AppError::Forbidden("您无权查看本县区的施工图审查".into()));
        }
        let page = self
            .store
            .drawing_review_page(
                jurisdiction,
                institution.as_deref(),
                id_cursor(after)?,
                page_limit(limit, REVIEW_PAGE)?,
            )
            .await?;
        Ok(ListPage {
            items: page
                .rows
                .iter()
                .map(|r| self.review_line(r))
                .collect::<Result<_>>()?,
            count: page.count,
            next: page.next.map(|id| id.to_string()),
        })
    }

    /// The reviews of a project (its page): as the reader may see the project.
    pub async fn project_drawing_reviews(
        &self,
        who: &Principal,
        project_id: i64,
    ) -> Result<Vec<ReviewView>> {
        let mut out = Vec::new();
        for r in self.store.drawing_reviews_of_project(project_id).await? {
            out.push(self.drawing_review_view(who, r.id).await?);
        }
        Ok(out)
    }

    pub(crate) fn review_line(&self, r: &ReviewRecord) -> Result<ReviewLine> {
        let review = &r.body.0;
        let days = self.review_days(review)?;
        let state = review.state();
        Ok(ReviewLine {
            id: r.id,
            project_id: review.project_id,
            project_code: review.project_code.clone(),
            project_name: review.project_name.clone(),
            institution: review.institution.name.clone(),
            state,
            state_label: state.label().to_string(),
            rounds: review.rounds.len(),
            institution_days: days.institution,
            budget_days: review.budget_days,
            certificate_number: review.certificate.as_ref().map(|c| c.number.clone()),
        })
    }

    /// The certificate as a case shows it (whoever may read the case): the certificate of the
    /// project whose stage the case is a member of, and the steps of its item it satisfies.
    pub async fn case_drawing_certificate(
        &self,
        who: &Principal,
        case_id: i64,
    ) -> Result<CaseCertificate> {
        let case = self.store.case(case_id).await?;
        who.may_view(&case, &self.case_scope(&case))?;
        let steps: Vec<StepKind> = case.item.steps.iter().map(|s| s.kind).collect();
        let satisfied = satisfied_steps(&steps);
        let project = match case.bundle_id {
            Some(b) => self.store.project_of_bundle(b).await?,
            None => None,
        };
        let reviews = match project {
            Some(p) => self.store.drawing_reviews_of_project(p).await?,
            None => vec![],
        };
        let passed = reviews.iter().find(|r| r.body.0.certificate.is_some());
        let institution_days = match reviews.first() {
            Some(r) => self.review_days(&r.body.0)?.institution,
            None => 0,
        };
        let certificate = passed.and_then(|r| r.body.0.certificate.clone());
        let note = match (&certificate, satisfied.is_empty()) {
            (_, true) => "本事项不需要施工图技术审查".to_string(),
            (Some(c), false) => format!(
                "本项目已取得{}（{}，{}出具），本事项的{}环节以该合格书代替，不再另行审查；审查机构用时 {institution_days} 个工作日为中介服务时间，不计入审批时限",
                c.title,
                c.number,
                c.institution,
                satisfied
                    .iter()
                    .map(|k| format!("“{}”", k.label()))
                    .collect::<Vec<_>>()
                    .join("、")
            ),
            (None, false) => {
                "本事项需要施工图技术审查：本项目尚未取得施工图审查合格书（集中图审）".to_string()
            }
        };
        Ok(CaseCertificate {
            case_id,
            review_id: passed.or(reviews.first()).map(|r| r.id),
            satisfied_steps: if certificate.is_some() {
                satisfied
            } else {
                vec![]
            },
            certificate,
            institution_days,
            note,
        })
    }
}
