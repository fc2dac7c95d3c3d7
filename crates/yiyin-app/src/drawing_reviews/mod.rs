//! Central drawing review (集中图审; 技术审查与行政审批相分离), the use cases once for the API and
//! the pages: the system administrator registers a technical review institution (施工图审查机构) in
//! the organisation; the bureau assigns a project's review to an institution, by rotation or by a
//! reproducible draw (seed recorded), with its time budget; the institution's reviewers give their
//! opinions (pass, or revise with numbered defects); the builder resubmits revised drawings (the
//! uploads' checks and blob store); on a pass one review certificate (施工图审查合格书) is issued,
//! in the same write a sealed document of the register (the institution's name, the bureau's seal;
//! sealed and kept as a case's documents are, `App::keep_sealed`) whose PDF and OFD those who may
//! read the review download and anyone verifies, which the approval items that need a review of
//! drawings accept instead of separate reviews (a case of the project's stages at its drawing
//! review step has the step recorded as satisfied by it, `App::take_certificate`, when the
//! certificate is issued or when the case reaches the step); the institution's time is intermediary
//! time, outside the statutory clock, shown on the review, the case and the project (whose total
//! leaves it out). Every act is an audited event.
//!
//! Institutions are departments of the organisation with the relation `technical_institution`
//! and their reviewers staff accounts holding `technical_reviewer` limited to the institution
//! (see `yiyin_domain::drawing_review`); the rules are that module's.

use serde::Deserialize;
use serde_json::json;
use yiyin_domain::authz::Operation;
use yiyin_domain::catalog::HandlingMode;
use yiyin_domain::drawing_review::{
    self as rules, AssignMethod, DEFAULT_BUDGET_DAYS, DrawingFile, DrawingReview, Institution,
    ReviewDays, Round, Verdict,
};
use yiyin_domain::engine::ApplicantFacts;
use yiyin_domain::org::{Department, DepartmentRelation, Issuer};
use yiyin_domain::pools;
use yiyin_store::documents::{DocumentOwner, StoredDocument};
use yiyin_store::drawing_reviews::ReviewRecord;

use crate::App;
use crate::cases::Upload;
use crate::error::{AppError, Result};
use crate::principal::Principal;

mod views;

pub use views::{CaseCertificate, REVIEW_PAGE, ReviewLine, ReviewView};

/// Event codes of the drawing reviews' acts.
pub const REGISTER_INSTITUTION: &str = "drawing_institution_register";
pub const ASSIGN: &str = "drawing_review_assign";
pub const OPINION: &str = "drawing_review_opinion";
pub const RESUBMIT: &str = "drawing_review_resubmit";
pub const CERTIFICATE: &str = "drawing_review_certificate";
/// The event of a case whose drawing review step the project's certificate satisfied.
pub const CERTIFICATE_ACCEPTED: &str = "drawing_certificate_accepted";

/// A technical review institution to register.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewInstitution {
    /// Its code in the organisation (letters, digits, `-` and `_`).
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub note: String,
}

/// A review to assign.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssignReview {
    pub project_id: i64,
    pub method: AssignMethod,
    /// The institution's time budget in working days (default 10).
    #[serde(default)]
    pub budget_days: Option<u32>,
}

/// An institution's opinion.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpinionInput {
    /// The version of the review read.
    pub version: i64,
    pub verdict: Verdict,
    /// The defects, one a line (a revise opinion), numbered by the system.
    #[serde(default)]
    pub defects: Vec<String>,
    #[serde(default)]
    pub summary: String,
}

impl App {
    /// The technical review institutions of a jurisdiction today (any staff of it, or the public:
    /// the list is public organisation data).
    pub fn drawing_institutions(&self, jurisdiction: &str) -> Result<Vec<Institution>> {
        let j = self.jurisdiction(jurisdiction)?;
        Ok(rules::institutions(&j, self.today()))
    }

    /// Registers a technical review institution in a jurisdiction's organisation (the system
    /// administrator): a department with the relation `technical_institution`; its reviewers are
    /// then granted `technical_reviewer` limited to it. An audited event.
    pub async fn register_drawing_institution(
        &self,
        who: &Principal,
        jurisdiction: &str,
        input: NewInstitution,
    ) -> Result<Institution> {
        who.require_in(Operation::ManageUsers, jurisdiction)?;
        let code = input.code.trim().to_string();
        let name = input.name.trim().to_string();
        yiyin_domain::org::check_code(&code).map_err(|e| AppError::field("code", e.0))?;
        if name.is_empty() {
            return Err(AppError::field("name", "施工图审查机构名称不能为空"));
        }
        let mut org = self.store.organisation().await?;
        let j = org
            .jurisdictions
            .iter_mut()
            .find(|j| j.code == jurisdiction)
            .ok_or_else(|| AppError::NotFound(format!("没有代码为「{jurisdiction}」的县区")))?;
        if j.departments.iter().any(|d| d.code == code) {
            return Err(AppError::field(
                "code",
                format!("代码「{code}」已被本县区的其他机构使用"),
            ));
        }
        j.departments.push(Department {
            code: code.clone(),
            name: name.clone(),
            relation: DepartmentRelation::TechnicalInstitution,
            management: Default::default(),
            batch: None,
            former_names: vec![],
            former_relations: vec![],
            ended_on: None,
            successor: None,
            note: input.note.trim().to_string(),
            sources: vec![],
        });
        let event = yiyin_store::events::NewEvent::new(
            &who.actor(&self.org()),
            self.now(),
            jurisdiction,
            None,
            REGISTER_INSTITUTION,
            format!("登记施工图审查机构「{name}」（代码 {code}）"),
            json!({"code": code, "name": name}),
        );
        crate::admin::save_organisation_with(&self.store, &org, &[event]).await?;
        self.reload_org().await?;
        Ok(Institution { code, name })
    }

    /// Assigns a project's drawing review to an institution by rotation or by draw (the bureau's
    /// staff who own the drawing-review step): one review per project; the draw's seed published
    /// with it. An audited event.
    pub async fn assign_drawing_review(
        &self,
        who: &Principal,
        input: AssignReview,
    ) -> Result<ReviewView> {
        who.require_staff()?;
        let project = self.project_record(input.project_id).await?;
        rules::check_assigner(&who.account.grants, &project.jurisdiction)
            .map_err(|r| AppError::Forbidden(r.message))?;
        let budget = rules::check_budget(input.budget_days.unwrap_or(DEFAULT_BUDGET_DAYS))
            .map_err(|r| AppError::field("budget_days", r.message))?;
        if let Some(r) = self
            .store
            .drawing_reviews_of_project(project.id)
            .await?
            .first()
        {
            return Err(AppError::Conflict(format!(
                "本项目的施工图审查已分派给「{}」（第 {} 号审查），一个项目集中审查一次，不能再分派",
                r.body.0.institution.name, r.id
            )));
        }
        let all = self.drawing_institutions(&project.jurisdiction)?;
        let today = self.today();
        let mut w = self.audited_write(who).await?;
        let (institution, draw) = match input.method {
            AssignMethod::Rotation => {
                let last = w.tx.last_drawing_institution(&project.jurisdiction).await?;
                (rules::rotate(&all, last.as_deref())?.clone(), None)
            }
            AssignMethod::Draw => {
                let label = format!("{}/施工图审查", project.code);
                let digest = pools::pool_digest(&rules::draw_input(&all, &label, "digest-only"));
                let seed = pools::seed_of(&label, &digest, &nonce());
                let (published, drawn) = rules::draw(&all, &label, &seed)?;
                (drawn, Some(published))
            }
        };
        let p = project.project();
        let review = DrawingReview {
            jurisdiction: project.jurisdiction.clone(),
            project_id: project.id,
            project_code: p.code.clone(),
            project_name: p.name.clone(),
            builder: p.builder.clone(),
            institution: institution.clone(),
            method: input.method,
            draw,
            budget_days: budget,
            assigned_on: today,
            assigned_by: w.actor.name.clone(),
            rounds: vec![Round {
                number: 1,
                submitted_on: today,
                files: vec![],
                opinion: None,
            }],
            certificate: None,
        };
        let id =
            w.tx.insert_drawing_review(&review, w.at.timestamp_millis())
                .await?;
        let event = w.event(
            &project.jurisdiction,
            None,
            ASSIGN,
            format!(
                "以{}方式将项目「{}」（项目代码 {}）的施工图审查分派给「{}」，审查时限 {budget} 个工作日",
                input.method.label(),
                p.name,
                p.code,
                institution.name
            ),
            json!({"review_id": id, "project_id": project.id, "institution": institution.code,
                "method": input.method.code(), "seed": review.draw.as_ref().map(|d| d.input.seed.clone())}),
        );
        w.finish(event).await?;
        self.drawing_review_view(who, id).await
    }

    /// Records the institution's opinion on the round in hand (its own reviewers only); a pass
    /// issues the one review certificate in the same write. Audited events.
    pub async fn give_drawing_opinion(
        &self,
        who: &Principal,
        id: i64,
        input: OpinionInput,
    ) -> Result<ReviewView> {
        who.require_staff()?;
        let record = self.review_record(id).await?;
        let mut review = record.body.0.clone();
        rules::check_reviewer(
            &who.account.grants,
            &review.jurisdiction,
            &review.institution,
        )
        .map_err(|r| AppError::Forbidden(r.message))?;
        stale(&record, input.version)?;
        let today = self.today();
        let mut w = self.audited_write(who).await?;
        review.give_opinion(
            input.verdict,
            &input.defects,
            &input.summary,
            &w.actor.name,
            today,
        )?;
        let round = review.rounds.len();
        let mut events = vec![w.event(
            &review.jurisdiction,
            None,
            OPINION,
            format!(
                "「{}」出具第 {round} 轮施工图审查意见：{}{}",
                review.institution.name,
                input.verdict.label(),
                match review.rounds[round - 1].opinion.as_ref() {
                    Some(o) if !o.defects.is_empty() => format!("，问题 {} 条", o.defects.len()),
                    _ => String::new(),
                }
            ),
            json!({"review_id": id, "round": round, "verdict": input.verdict.code()}),
        )];
        let passed = input.verdict == Verdict::Pass;
        if passed {
            let year = today.format("%Y").to_string().parse().unwrap_or(0);
            let serial =
                w.tx.drawing_certificates_in(&review.jurisdiction, year)
                    .await?
                    + 1;
            let j = self.jurisdiction(&review.jurisdiction)?;
            let prefix = if j.doc_prefix.is_empty() {
                j.name.clone()
            } else {
                j.doc_prefix.clone()
            };
            let number = review
                .issue_certificate(&prefix, serial, today)?
                .number
                .clone();
            events.push(w.event(
                &review.jurisdiction,
                None,
                CERTIFICATE,
                format!(
                    "出具施工图审查合格书（{number}），项目「{}」",
                    review.project_name
                ),
                json!({"review_id": id, "number": number}),
            ));
        }
        w.tx.update_drawing_review(id, record.version, &review, w.at.timestamp_millis())
            .await?;
        let seqs = w.tx.append_events(&events).await?;
        if passed {
            // The certificate in the register, issued by its event: in the institution's name,
            // sealed with the bureau's 行政审批专用章 (an institution has no seal of its own).
            let j = self.jurisdiction(&review.jurisdiction)?;
            let bureau = Issuer::of(&j, "", HandlingMode::Transferred, "", today);
            let doc = review
                .certificate_record(&bureau.agency, &bureau.seal)
                .ok_or_else(|| AppError::internal("certificate not issued"))?;
            let seq = *seqs
                .last()
                .ok_or_else(|| AppError::internal("no certificate event"))?;
            self.keep_sealed(
                &mut w.tx,
                DocumentOwner::DrawingReview(id),
                (&review.jurisdiction, &bureau.seal_holder),
                true,
                seq,
                &doc,
                w.at,
            )
            .await?;
            // The cases of the project's stages waiting at their drawing review step take the
            // certificate now; those that reach it later take it then (`App::update_case`).
            let (calendar, facts) = (self.calendar(), ApplicantFacts::default());
            for stage in w.tx.project_stages(review.project_id).await? {
                for member in w.tx.bundle_cases(stage.id).await? {
                    let ctx = member.context(&calendar, &facts);
                    self.take_certificate(&mut w.tx, &member, &ctx, w.at)
                        .await?;
                }
            }
        }
        w.tx.commit().await?;
        self.drawing_review_view(who, id).await
    }

    /// The certificate of a review as the register keeps it (施工图审查合格书, sealed), for those
    /// who may read the review: the builder, the bureau's staff of its jurisdiction, the
    /// institution's reviewers.
    pub async fn drawing_certificate_document(
        &self,
        who: &Principal,
        id: i64,
    ) -> Result<StoredDocument> {
        let record = self.review_record(id).await?;
        self.review_reader_of(who, &record).await?;
        match self.store.drawing_review_document(id).await? {
            Some(doc) => Ok(doc),
            None if record.body.0.certificate.is_some() => Err(AppError::Conflict(
                "该施工图审查合格书出具于电子合格书启用之前，没有加盖电子印章的电子文件".into(),
            )),
            None => Err(AppError::NotFound(
                "本次施工图审查尚未审查合格，没有施工图审查合格书".into(),
            )),
        }
    }

    /// The sealed PDF of a review's certificate: (file name, bytes), as [`App::pdf_of`] gives a
    /// case's documents (rendered once, then kept).
    pub async fn drawing_certificate_pdf(
        &self,
        who: &Principal,
        id: i64,
    ) -> Result<(String, Vec<u8>)> {
        let doc = self.drawing_certificate_document(who, id).await?;
        Ok((certificate_file_name(&doc, "pdf"), self.pdf_of(&doc).await?))
    }

    /// The sealed OFD of a review's certificate (GB/T 33190): (file name, bytes).
    pub async fn drawing_certificate_ofd(
        &self,
        who: &Principal,
        id: i64,
    ) -> Result<(String, Vec<u8>)> {
        let doc = self.drawing_certificate_document(who, id).await?;
        Ok((certificate_file_name(&doc, "ofd"), self.ofd_of(&doc).await?))
    }

    /// The builder resubmits revised drawings after a revise opinion (the uploads' checks: PDF,
    /// JPG, PNG or OFD, at most 10 MB each). An audited event.
    pub async fn resubmit_drawings(
        &self,
        who: &Principal,
        id: i64,
        version: i64,
        files: Vec<Upload>,
    ) -> Result<ReviewView> {
        who.require_applicant()?;
        let record = self.review_record(id).await?;
        let project = self.project_record(record.project_id).await?;
        if !crate::projects::builder_of(who, &project.builder_code) {
            return Err(AppError::Forbidden(
                "该工程建设项目不是您单位的项目，不能提交修改后的施工图".into(),
            ));
        }
        stale(&record, version)?;
        for f in &files {
            f.check()?;
        }
        let mut kept = Vec::new();
        for f in &files {
            kept.push(DrawingFile {
                name: f.name.clone(),
                digest: self.blobs.put(&f.bytes).await?,
            });
        }
        let mut review = record.body.0.clone();
        review.resubmit(kept, self.today())?;
        let w = self.audited_write(who).await?;
        let event = w.event(
            &review.jurisdiction,
            None,
            RESUBMIT,
            format!(
                "建设单位提交修改后的施工图（第 {} 轮，{} 个文件），项目「{}」",
                review.rounds.len(),
                files.len(),
                review.project_name
            ),
            json!({"review_id": id, "round": review.rounds.len()}),
        );
        let mut w = w;
        w.tx.update_drawing_review(id, record.version, &review, w.at.timestamp_millis())
            .await?;
        w.finish(event).await?;
        self.drawing_review_view(who, id).await
    }

    pub(crate) async fn review_record(&self, id: i64) -> Result<ReviewRecord> {
        self.store
            .drawing_review(id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("没有第 {id} 号施工图审查")))
    }

    /// The working days of a review as of today.
    fn review_days(&self, review: &DrawingReview) -> Result<ReviewDays> {
        rules::review_days(&self.calendar(), review, self.today()).map_err(|e| AppError::Invalid {
            field: None,
            message: e.to_string(),
        })
    }

    /// The institution's periods of a project's reviews (intermediary time, outside the clock).
    pub(crate) async fn project_intermediary(
        &self,
        project_id: i64,
    ) -> Result<Vec<yiyin_domain::project::Period>> {
        Ok(self
            .store
            .drawing_reviews_of_project(project_id)
            .await?
            .iter()
            .flat_map(|r| r.body.0.intermediary_periods())
            .collect())
    }
}

/// The name a certificate's file is saved under.
fn certificate_file_name(doc: &StoredDocument, extension: &str) -> String {
    format!("{}-{}.{extension}", doc.record.title, doc.record.number)
}

fn stale(record: &ReviewRecord, version: i64) -> Result<()> {
    if record.version == version {
        Ok(())
    } else {
        Err(AppError::Conflict(
            "本次施工图审查已被他人更新，请刷新页面后重新操作".into(),
        ))
    }
}

/// A random nonce from the operating system (hex), for a draw's seed.
fn nonce() -> String {
    let mut nonce = [0u8; 16];
    getrandom::fill(&mut nonce).expect("the operating system's random source works");
    nonce.iter().map(|b| format!("{b:02x}")).collect()
}
