//! Central drawing review (集中图审; 技术审查与行政审批相分离, 汉阴 三, 紫阳 二(五) 审查勘验管理服务中心):
//! the rules of a construction project's review of its construction drawings (施工图) by a technical
//! review institution outside the bureau.
//!
//! * **Institutions and their reviewers.** A technical review institution (施工图审查机构) is a
//!   department of the organisation with the relation
//!   [`DepartmentRelation::TechnicalInstitution`]: the system administrator registers it in its
//!   jurisdiction like any other body (it has a code, a name, a history, and gives opinions, never
//!   approves). Its reviewers are ordinary staff accounts holding the role `technical_reviewer`
//!   (技术审查人员) with a grant limited to the institution (`Grant::department` = the institution's
//!   code). That is the existing model for department staff, so nothing else changes: such a grant
//!   covers no case of the bureau (an institution has no items), and only such a grant writes the
//!   institution's opinions ([`check_reviewer`]); the bureau's own staff (grants without a
//!   department) who own the drawing-review step assign reviews ([`check_assigner`]) and never
//!   write an opinion.
//! * **Assignment.** By rotation (轮候: the next institution after the last one assigned, in the order
//!   of their codes) or by a reproducible draw (the expert pools' draw, [`crate::pools::draw`], one
//!   institution out of the jurisdiction's, its seed and input recorded so `yiyin draw --expert`
//!   re-runs it). A review has its own time budget in working days (default
//!   [`DEFAULT_BUDGET_DAYS`]).
//! * **Rounds.** The institution reviews the drawings and gives an opinion: pass (审查合格), or revise
//!   with numbered defects (numbers run on across rounds, so every defect keeps its number); the
//!   applicant resubmits revised drawings and the institution reviews again. After a pass, and only
//!   then, one review certificate (施工图审查合格书) is issued, with a number.
//! * **The certificate replaces separate reviews.** An approval item whose procedure has a drawing
//!   review step (消防设计审查, 人防工程 …) accepts the certificate: that step is satisfied by it
//!   ([`satisfied_steps`]), and a case of a project's stage that reaches it has it recorded as done
//!   by the certificate, in the institution's name ([`accept_certificate`]).
//! * **The certificate is a sealed document.** It is issued in the institution's name but sealed
//!   with the bureau's 行政审批专用章 (an institution has no seal of its own), and kept in the
//!   register of documents like a case's, bound to the review instead of a case
//!   ([`DrawingReview::certificate_record`]): its PDF and OFD verify on the public page.
//! * **Intermediary time.** The institution's time — from the assignment (or a resubmission) to its
//!   opinion, less the applicant's revision time between a revise opinion and the resubmission — is
//!   intermediary service time (中介服务), outside the statutory clock (《行政许可法》第四十五条之精神,
//!   国办发〔2019〕11号): [`DrawingReview::intermediary_periods`] feeds the project's total
//!   (`crate::project::stage_days`), and [`review_days`] counts it for the pages.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::authz::{Grant, Operation, role_may};
use crate::calendar::{Calendar, CalendarError, fmt_date_cn};
use crate::catalog::StepKind;
use crate::documents::DocumentRecord;
use crate::engine::{Case, CaseState, DocumentKind, ItemRules, StepRecord};
use crate::org::{DepartmentRelation, Jurisdiction};
use crate::pools::{ExpertDrawInput, PoolMember, PublishedDraw};
use crate::project::{GUOBAN_2019_11, Period};
use crate::refusal::{Refusal, refuse};
use crate::roles::Role;

/// The rule the refusals of this module name.
pub const RULE: &str = "drawing_review";

/// The principle the institution's work comes under.
pub const SEPARATION: &str = "技术审查与行政审批相分离";

/// The working days an institution has for a review when the bureau sets none.
pub const DEFAULT_BUDGET_DAYS: u32 = 10;

labelled_enum!(
    /// How a review was given to an institution.
    AssignMethod {
        Rotation = ("rotation", "轮候分派"),
        Draw = ("draw", "随机抽取"),
    }
);

labelled_enum!(
    /// An institution's opinion on one round of drawings.
    Verdict {
        Pass = ("pass", "审查合格"),
        Revise = ("revise", "修改后复审"),
    }
);

labelled_enum!(
    /// Where a review stands.
    ReviewState {
        UnderReview = ("under_review", "审查机构审查中"),
        Revising = ("revising", "待申请人修改图纸"),
        Passed = ("passed", "审查合格"),
    }
);

/// A technical review institution, as a review names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Institution {
    /// Its code in the organisation (a department of the jurisdiction).
    pub code: String,
    pub name: String,
}

/// The technical review institutions of a jurisdiction existing on a date, in the order of their
/// codes (the rotation's order).
pub fn institutions(j: &Jurisdiction, on: NaiveDate) -> Vec<Institution> {
    let mut out: Vec<Institution> = j
        .departments
        .iter()
        .filter(|d| d.relation == DepartmentRelation::TechnicalInstitution && d.exists_on(on))
        .map(|d| Institution {
            code: d.code.clone(),
            name: d.name.clone(),
        })
        .collect();
    out.sort_by(|a, b| a.code.cmp(&b.code));
    out
}

/// The institution whose reviewers a grant makes its holder, if any: `technical_reviewer` limited
/// to a department.
pub fn institution_of(g: &Grant) -> Option<&str> {
    (g.role == Role::TechnicalReviewer)
        .then_some(g.department.as_deref())
        .flatten()
}

/// Whether the holder of `grants` may assign drawing reviews in a jurisdiction: the bureau's own
/// staff (a grant without a department) whose role owns the drawing-review step.
pub fn check_assigner(grants: &[Grant], jurisdiction: &str) -> Result<(), Refusal> {
    if grants.iter().any(|g| {
        g.jurisdiction == jurisdiction
            && g.department.is_none()
            && role_may(g.role, Operation::Step(StepKind::DrawingReview))
    }) {
        return Ok(());
    }
    refuse(
        RULE,
        format!(
            "无权分派施工图审查：施工图审查由本县区行政审批服务局负责施工图审查环节的工作人员分派给施工图审查机构（{SEPARATION}）"
        ),
    )
}

/// Whether the holder of `grants` may give the opinion of `institution` in `jurisdiction`: only
/// that institution's own reviewers (module documentation) — never the bureau's staff, never another
/// institution's.
pub fn check_reviewer(
    grants: &[Grant],
    jurisdiction: &str,
    institution: &Institution,
) -> Result<(), Refusal> {
    if is_reviewer_of(grants, jurisdiction, &institution.code) {
        return Ok(());
    }
    refuse(
        RULE,
        format!(
            "依据{SEPARATION}的规定，施工图审查意见只能由承接本次审查的施工图审查机构「{}」的技术审查人员出具，您无权出具",
            institution.name
        ),
    )
}

/// Whether the holder of `grants` is a reviewer of the institution `code` of `jurisdiction`.
pub fn is_reviewer_of(grants: &[Grant], jurisdiction: &str, code: &str) -> bool {
    grants
        .iter()
        .any(|g| g.jurisdiction == jurisdiction && institution_of(g) == Some(code))
}

/// The institution a rotation gives: the one after `last` (the institution of the jurisdiction's
/// last review) in the order of codes, starting over after the last; the first when there was
/// none or it no longer exists.
pub fn rotate<'a>(
    institutions: &'a [Institution],
    last: Option<&str>,
) -> Result<&'a Institution, Refusal> {
    let first = institutions.first().ok_or_else(none_registered)?;
    let Some(last) = last else {
        return Ok(first);
    };
    Ok(institutions
        .iter()
        .find(|i| i.code.as_str() > last)
        .unwrap_or(first))
}

fn none_registered() -> Refusal {
    Refusal::new(
        RULE,
        "本县区尚未登记施工图审查机构，不能分派施工图审查；请系统管理员先在组织机构中登记技术审查机构",
    )
}

/// The input of a draw of one institution for a review (`label`: the project code with the
/// review's serial, naming the random stream), with the seed published before the draw.
pub fn draw_input(institutions: &[Institution], label: &str, seed: &str) -> ExpertDrawInput {
    ExpertDrawInput {
        seed: seed.to_string(),
        case: label.to_string(),
        count: 1,
        members: institutions
            .iter()
            .map(|i| PoolMember {
                id: i.code.clone(),
                name: i.name.clone(),
                organisation: i.name.clone(),
                inside: false,
            })
            .collect(),
        exclusions: vec![],
    }
}

/// Draws one institution (the expert pools' draw): the same seed and institutions always give the
/// same one. Returns the published draw (input and result) and the institution drawn.
pub fn draw(
    institutions: &[Institution],
    label: &str,
    seed: &str,
) -> Result<(PublishedDraw, Institution), Refusal> {
    if institutions.is_empty() {
        return Err(none_registered());
    }
    let input = draw_input(institutions, label, seed);
    let result = crate::pools::draw(&input).map_err(|e| Refusal::new(RULE, e.to_string()))?;
    let code = &result.drawn[0].id;
    let drawn = institutions
        .iter()
        .find(|i| &i.code == code)
        .cloned()
        .expect("the drawn institution is one of those drawn from");
    Ok((
        PublishedDraw {
            input,
            result: Some(result),
        },
        drawn,
    ))
}

/// A file of drawings the applicant submitted (kept in the blob store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DrawingFile {
    pub name: String,
    /// The SM3 digest of its content in the blob store.
    pub digest: String,
}

/// A defect the institution found, numbered within the review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Defect {
    pub number: u32,
    pub text: String,
}

/// The institution's opinion on one round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Opinion {
    pub verdict: Verdict,
    pub defects: Vec<Defect>,
    pub summary: String,
    /// The reviewer who gave it (as the event log names staff).
    pub reviewer: String,
    pub given_on: NaiveDate,
}

/// One round: the drawings submitted (on the assignment's day for the first), and the opinion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Round {
    pub number: u32,
    pub submitted_on: NaiveDate,
    #[serde(default)]
    pub files: Vec<DrawingFile>,
    #[serde(default)]
    pub opinion: Option<Opinion>,
}

/// The review certificate (施工图审查合格书).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Certificate {
    pub title: String,
    /// 文号, e.g. 汉阴图审字〔2026〕第3号.
    pub number: String,
    pub project_code: String,
    pub project_name: String,
    /// The builder (建设单位).
    pub recipient: String,
    pub institution: String,
    pub issued_on: NaiveDate,
    pub paragraphs: Vec<String>,
}

/// The title of the certificate.
pub const CERTIFICATE_TITLE: &str = "施工图审查合格书";

/// A review of a project's construction drawings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DrawingReview {
    pub jurisdiction: String,
    pub project_id: i64,
    pub project_code: String,
    pub project_name: String,
    pub builder: String,
    pub institution: Institution,
    pub method: AssignMethod,
    /// The draw, when drawn: its seed and input, published, and its result.
    #[serde(default)]
    pub draw: Option<PublishedDraw>,
    /// The institution's time budget in working days.
    pub budget_days: u32,
    pub assigned_on: NaiveDate,
    pub assigned_by: String,
    pub rounds: Vec<Round>,
    #[serde(default)]
    pub certificate: Option<Certificate>,
}

/// Checks a time budget: 1 to 60 working days.
pub fn check_budget(days: u32) -> Result<u32, Refusal> {
    if (1..=60).contains(&days) {
        Ok(days)
    } else {
        refuse(RULE, "施工图审查时限应为 1 至 60 个工作日")
    }
}

/// Numbers the defects of a revise opinion, continuing after the `before` defects already
/// numbered: blank lines dropped, at least one left.
pub fn number_defects(before: u32, texts: &[String]) -> Result<Vec<Defect>, Refusal> {
    let texts = crate::text::listed_lines("defects", texts)
        .map_err(|t| Refusal::new(RULE, t.to_string()))?;
    if texts.is_empty() {
        return refuse(
            RULE,
            "要求修改图纸的审查意见应逐条列明问题（至少一条），申请人据此一次性修改",
        );
    }
    Ok(texts
        .into_iter()
        .zip(before + 1..)
        .map(|(text, number)| Defect { number, text })
        .collect())
}

impl DrawingReview {
    /// Where the review stands.
    pub fn state(&self) -> ReviewState {
        if self.certificate.is_some() {
            return ReviewState::Passed;
        }
        match self.rounds.last().and_then(|r| r.opinion.as_ref()) {
            Some(o) if o.verdict == Verdict::Revise => ReviewState::Revising,
            Some(_) => ReviewState::Passed,
            None => ReviewState::UnderReview,
        }
    }

    /// The defects numbered so far, in every round.
    pub fn defects(&self) -> u32 {
        self.rounds
            .iter()
            .filter_map(|r| r.opinion.as_ref())
            .map(|o| o.defects.len() as u32)
            .sum()
    }

    /// Records the institution's opinion on the round in hand: only while it is under review; a
    /// revise opinion lists its defects (numbered on from the last), a pass lists none.
    pub fn give_opinion(
        &mut self,
        verdict: Verdict,
        defects: &[String],
        summary: &str,
        reviewer: &str,
        on: NaiveDate,
    ) -> Result<(), Refusal> {
        if self.state() != ReviewState::UnderReview {
            return refuse(
                RULE,
                format!(
                    "本次施工图审查{}，不能再出具审查意见",
                    match self.state() {
                        ReviewState::Revising => "正等待申请人修改图纸后重新提交",
                        _ => "已经审查合格",
                    }
                ),
            );
        }
        let defects = match verdict {
            Verdict::Revise => number_defects(self.defects(), defects)?,
            Verdict::Pass => {
                if defects.iter().any(|d| !d.trim().is_empty()) {
                    return refuse(
                        RULE,
                        "审查合格的意见不应列出问题；图纸仍有问题的，应出具修改后复审的意见",
                    );
                }
                vec![]
            }
        };
        let round = self
            .rounds
            .last_mut()
            .expect("a review has its first round");
        round.opinion = Some(Opinion {
            verdict,
            defects,
            summary: summary.trim().to_string(),
            reviewer: reviewer.to_string(),
            given_on: on,
        });
        Ok(())
    }

    /// The applicant resubmits revised drawings: only after a revise opinion; at least one file.
    pub fn resubmit(&mut self, files: Vec<DrawingFile>, on: NaiveDate) -> Result<(), Refusal> {
        if self.state() != ReviewState::Revising {
            return refuse(
                RULE,
                "只有在审查机构出具修改后复审的意见后，才能提交修改后的施工图",
            );
        }
        if files.is_empty() {
            return refuse(RULE, "请上传修改后的施工图文件");
        }
        let number = self.rounds.len() as u32 + 1;
        self.rounds.push(Round {
            number,
            submitted_on: on,
            files,
            opinion: None,
        });
        Ok(())
    }

    /// Issues the one review certificate, numbered `serial` in the year (`prefix`: the
    /// jurisdiction's short name, e.g. 汉阴): only after a pass, and only once.
    pub fn issue_certificate(
        &mut self,
        prefix: &str,
        serial: i64,
        on: NaiveDate,
    ) -> Result<&Certificate, Refusal> {
        if self.certificate.is_some() {
            return refuse(RULE, "本项目的施工图审查合格书已经出具，只出具一份");
        }
        let passed = self
            .rounds
            .last()
            .and_then(|r| r.opinion.as_ref())
            .filter(|o| o.verdict == Verdict::Pass);
        let Some(opinion) = passed else {
            return refuse(
                RULE,
                "施工图审查合格后方可出具施工图审查合格书：本项目尚未审查合格",
            );
        };
        let rounds = self.rounds.len();
        self.certificate = Some(Certificate {
            title: CERTIFICATE_TITLE.to_string(),
            number: format!("{prefix}图审字〔{}〕第{serial}号", on.format("%Y")),
            project_code: self.project_code.clone(),
            project_name: self.project_name.clone(),
            recipient: self.builder.clone(),
            institution: self.institution.name.clone(),
            issued_on: on,
            paragraphs: vec![
                format!(
                    "{}（项目代码 {}）的施工图设计文件，经{}审查{}，审查合格。",
                    self.project_name,
                    self.project_code,
                    self.institution.name,
                    if rounds > 1 {
                        format!("（共 {rounds} 轮，修改问题 {} 条均已整改）", self.defects())
                    } else {
                        String::new()
                    }
                ),
                format!(
                    "依据{SEPARATION}的规定和{GUOBAN_2019_11}，本合格书代替消防设计审查、人防工程设计审查等事项的技术审查，相关审批事项不再另行组织图纸技术审查。"
                ),
                if opinion.summary.is_empty() {
                    String::new()
                } else {
                    format!("审查意见：{}", opinion.summary)
                },
            ]
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect(),
        });
        Ok(self.certificate.as_ref().expect("just issued"))
    }

    /// The certificate as a document of the register (施工图审查合格书), None before it is issued:
    /// in the institution's name (its heading and signature), sealed with the seal named `seal`
    /// (the bureau's 行政审批专用章 of `bureau`: an institution has no seal of its own); the
    /// project, its 立项 code, the builder, the institution, the rounds, the day of the pass and the
    /// number, then the certificate's own paragraphs (the items it stands in for).
    pub fn certificate_record(&self, bureau: &str, seal: &str) -> Option<DocumentRecord> {
        let c = self.certificate.as_ref()?;
        let rounds = self.rounds.len();
        let mut paragraphs = vec![
            format!("{}：", c.recipient),
            format!("项目名称：{}", c.project_name),
            format!("项目代码（立项代码）：{}", c.project_code),
            format!("建设单位：{}", c.recipient),
            format!("施工图审查机构：{}", c.institution),
            format!(
                "审查轮次：共 {rounds} 轮{}",
                match self.defects() {
                    0 => String::new(),
                    n => format!("，修改问题 {n} 条均已整改"),
                }
            ),
            format!("审查合格日期：{}", fmt_date_cn(c.issued_on)),
            format!("合格书编号：{}", c.number),
        ];
        paragraphs.extend(c.paragraphs.iter().cloned());
        paragraphs.push(format!(
            "本合格书由{}出具，{bureau}加盖行政审批专用章；需要施工图技术审查的审批事项（消防设计审查、人防工程设计审查等）凭本合格书办理，不再另行审查。",
            c.institution
        ));
        Some(DocumentRecord {
            kind: DocumentKind::DrawingCertificate,
            title: c.title.clone(),
            number: c.number.clone(),
            case_number: String::new(),
            recipient: c.recipient.clone(),
            issued_on: c.issued_on,
            agency: c.institution.clone(),
            seal: seal.to_string(),
            paragraphs,
            list: vec![],
            identifier: None,
            valid_until: None,
            contents: vec![],
        })
    }

    /// The institution's periods (each `(from, to]`): from the assignment or a resubmission to its
    /// opinion, or still running (`None`) while it reviews. The applicant's revision time between
    /// a revise opinion and the resubmission is not the institution's.
    pub fn intermediary_periods(&self) -> Vec<Period> {
        self.rounds
            .iter()
            .map(|r| (r.submitted_on, r.opinion.as_ref().map(|o| o.given_on)))
            .collect()
    }

    /// The applicant's revision periods: from a revise opinion to the resubmission (or running).
    pub fn revision_periods(&self) -> Vec<Period> {
        self.rounds
            .iter()
            .filter_map(|r| r.opinion.as_ref().filter(|o| o.verdict == Verdict::Revise))
            .enumerate()
            .map(|(i, o)| {
                (
                    o.given_on,
                    self.rounds.get(i + 1).map(|next| next.submitted_on),
                )
            })
            .collect()
    }
}

/// A review's time in working days as of a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewDays {
    /// The institution's working days (intermediary time, outside the statutory clock).
    pub institution: u32,
    /// The applicant's working days revising the drawings.
    pub revision: u32,
    pub budget: u32,
    /// Whether the institution is past its budget.
    pub over: bool,
}

/// Counts a review's working days as of `as_of`.
pub fn review_days(
    cal: &Calendar,
    review: &DrawingReview,
    as_of: NaiveDate,
) -> Result<ReviewDays, CalendarError> {
    let institution = period_days(cal, &review.intermediary_periods(), as_of)?;
    Ok(ReviewDays {
        institution,
        revision: period_days(cal, &review.revision_periods(), as_of)?,
        budget: review.budget_days,
        over: institution > review.budget_days,
    })
}

/// The working days in periods `(from, to]` (to `as_of` while running).
fn period_days(cal: &Calendar, periods: &[Period], as_of: NaiveDate) -> Result<u32, CalendarError> {
    let mut n = 0;
    for (from, to) in periods {
        let mut day = *from;
        let end = to.unwrap_or(as_of);
        while day < end {
            day = day.succ_opt().unwrap_or(end);
            if cal.is_workday(day)? {
                n += 1;
            }
        }
    }
    Ok(n)
}

/// The steps of an item's procedure that a review certificate satisfies: its drawing review
/// steps (消防设计审查、人防工程施工图审查 … accept the certificate instead of separate reviews). A
/// technical review of another kind (an environmental evaluation, a consultancy's assessment) is
/// not a review of the drawings and stays the item's own. Empty: the item does not need it.
pub fn satisfied_steps(steps: &[StepKind]) -> Vec<StepKind> {
    steps
        .iter()
        .copied()
        .filter(|k| *k == StepKind::DrawingReview)
        .collect()
}

/// Whether a case, accepted, waits for a step the project's certificate satisfies (its next step
/// is a drawing review, and no verification waits for its second verifier).
pub fn waits_for_certificate(case: &Case, item: &ItemRules) -> bool {
    case.state == CaseState::Accepted
        && case.awaiting_confirmation().is_none()
        && case
            .pending_step(item)
            .is_some_and(|s| !satisfied_steps(&[s.kind]).is_empty())
}

/// The case with its next step recorded as satisfied by the project's review certificate on `on`
/// (集中图审: the approval item accepts the certificate instead of a separate review), in the
/// institution's name, with the certificate's number as its opinion; `None` when the case does
/// not wait for such a step ([`waits_for_certificate`]).
pub fn accept_certificate(
    case: &Case,
    item: &ItemRules,
    on: NaiveDate,
    certificate: &Certificate,
) -> Option<Case> {
    if !waits_for_certificate(case, item) {
        return None;
    }
    let step = case.pending_step(item)?;
    let mut accepted = case.clone();
    accepted.steps.push(StepRecord {
        kind: step.kind,
        on,
        staff: vec![certificate.institution.clone()],
        opinion: format!(
            "以{}（{}，{}出具）代替「{}」，不再另行审查",
            certificate.title, certificate.number, certificate.institution, step.name
        ),
        awaiting_confirmation: false,
    });
    Some(accepted)
}

/// Whether a step of a case is satisfied by a certificate issued for its project.
pub fn step_satisfied(kind: StepKind, certificate: Option<&Certificate>) -> bool {
    certificate.is_some() && !satisfied_steps(&[kind]).is_empty()
}

#[cfg(test)]
mod tests;
