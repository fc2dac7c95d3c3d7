//! Construction projects by stage (工程建设项目审批, 国办发〔2019〕11号), the use cases once for the
//! API and the pages: a jurisdiction's scheme of stages (each stage a bundle of the catalog, its
//! milestone and parallel items, its completion rule, the target of working days), registering a
//! project at the window, receiving a stage — through the bundles' one receipt
//! (`App::receive_bundle_as`), refused before the stage before it ended, the materials an earlier
//! stage gave counted as given —, and the project as staff and as its builder see it: every
//! stage, item and clock, and the working days used against the target. The rules are
//! `yiyin_domain::project`'s; a stage's intake, clocks and decisions are its bundle's
//! (`crate::bundles`).

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::json;
use yiyin_domain::authz::Operation;
use yiyin_domain::catalog::bundle::Resolved;
use yiyin_domain::engine::Case;
use yiyin_domain::party::{Applicant, SubjectId, SubjectKind};
use yiyin_domain::project::{
    Project, ProjectDays, Scheme, Stage, StageDays, StageState, StageTime, already_given,
    check_receive, milestone_members, project_days, stage_days, stage_end,
};
use yiyin_store::events::NewEvent;
use yiyin_store::projects::ProjectRecord;
use yiyin_store::{Conflict, StoreError, WriteTx};

use crate::App;
use crate::bundles::{BundleView, ReceiveBundle};
use crate::error::{AppError, Result};
use crate::principal::Principal;

/// Event codes of the projects' acts.
pub const SCHEME: &str = "project_scheme";
pub const REGISTER: &str = "project_register";

/// A stage applied for online by the builder (or its agent).
#[derive(Debug, Clone, Default)]
pub struct ApplyStage {
    /// The situations (情形) of the stage's bundle that apply, by code.
    pub situations: Vec<String>,
    /// The merged materials' files (`Upload::material`: the merged code), each counted as given.
    pub uploads: Vec<crate::cases::Upload>,
    /// Art. 31: the applicant attests that the materials are true; required.
    pub attested: bool,
}

/// A bundle received as a stage of a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageOf {
    pub project_id: i64,
    pub stage: Stage,
}

/// A stage as the project page shows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StageView {
    /// The stage's code and its place (1 to 4).
    pub stage: Stage,
    pub number: usize,
    pub label: String,
    pub bundle_code: String,
    pub completion_label: String,
    /// The milestone and parallel items configured (codes).
    pub milestones: Vec<String>,
    pub parallel: Vec<String>,
    pub state: StageState,
    pub state_label: String,
    pub ended_on: Option<chrono::NaiveDate>,
    /// The working days the stage used (none before it is received).
    pub days: Option<StageDays>,
    /// The stage's bundle — its number, members with their cases and clocks, the joint clock —
    /// once received.
    pub bundle: Option<BundleView>,
}

/// A material the project has given, by name, and the stage that took it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GivenMaterial {
    pub name: String,
    pub stage_label: String,
}

/// A project as its reader sees it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectView {
    pub id: i64,
    pub jurisdiction: String,
    pub project: Project,
    pub investment_label: String,
    pub stages: Vec<StageView>,
    /// The working days used in total against the target.
    pub days: ProjectDays,
    /// The next stage the window may receive, if any.
    pub next_stage: Option<Stage>,
    /// Why the next stage cannot be received yet, in Chinese (empty when it can).
    pub next_blocked: String,
    pub materials: Vec<GivenMaterial>,
    /// The project's central drawing reviews (集中图审), their institution time shown and left
    /// out of the total as intermediary time.
    pub drawing_reviews: Vec<crate::drawing_reviews::ReviewLine>,
}

/// A line of the projects' list.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectLine {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub builder: String,
    /// The stage in hand, in Chinese.
    pub stage_label: String,
    pub days_used: u32,
    pub target_days: u32,
}

/// A stage received, as read: its bundle id and member cases (item code, case).
struct Received {
    stage: Stage,
    bundle_id: i64,
    bundle_case: Case,
    members: Vec<(String, Case)>,
    resolved: Resolved,
}

fn refused(message: String) -> AppError {
    AppError::Refused(yiyin_domain::refusal::Refusal::new(
        "project_stage",
        message,
    ))
}

fn unconfigured(stage: Stage) -> AppError {
    refused(format!(
        "本县区尚未配置「{}」阶段的一件事，该阶段暂不能收件",
        stage.label()
    ))
}

impl App {
    /// A jurisdiction's scheme of stages (public), or the refusal when it has none.
    pub async fn project_scheme(&self, jurisdiction: &str) -> Result<Scheme> {
        self.jurisdiction(jurisdiction)?;
        self.store
            .project_scheme(jurisdiction)
            .await?
            .ok_or_else(|| {
                refused(
                    "本县区尚未配置工程建设项目审批阶段（各阶段的一件事、里程碑事项和审批时间目标），请先由事项目录管理员配置"
                        .to_string(),
                )
            })
    }

    /// Sets a jurisdiction's scheme of stages (the catalog administrator): each stage's bundle
    /// must be in the catalog in force; an audited event.
    pub async fn put_project_scheme(
        &self,
        who: &Principal,
        jurisdiction: &str,
        scheme: Scheme,
    ) -> Result<Scheme> {
        who.require_in(Operation::ManageCatalog, jurisdiction)?;
        self.jurisdiction(jurisdiction)?;
        scheme
            .validate()
            .map_err(|e| AppError::field(&e.field, e.message))?;
        let bundles = self.bundles_in_force(jurisdiction).await?;
        for (i, s) in scheme.stages.iter().enumerate() {
            if !bundles.iter().any(|b| b.code == s.bundle_code) {
                return Err(AppError::field(
                    &format!("stages[{i}].bundle_code"),
                    format!(
                        "一件事「{}」不在本县区现行的事项目录中，不能作为「{}」阶段",
                        s.bundle_code,
                        s.stage.label()
                    ),
                ));
            }
        }
        let at = self.now();
        let mut tx = self.store.begin_write().await?;
        tx.put_project_scheme(
            jurisdiction,
            &scheme,
            &who.account.name,
            at.timestamp_millis(),
        )
        .await?;
        tx.append_events(&[NewEvent::new(
            &who.actor(&self.org()),
            at,
            jurisdiction,
            None,
            SCHEME,
            format!(
                "配置工程建设项目审批阶段，审批时间目标 {} 个工作日",
                scheme.target_days
            ),
            json!({"scheme": scheme}),
        )])
        .await?;
        tx.commit().await?;
        Ok(scheme)
    }

    /// Registers a construction project at the window (the window clerk): its project code is
    /// registered once in the jurisdiction; an audited event.
    pub async fn register_project(
        &self,
        who: &Principal,
        jurisdiction: &str,
        project: Project,
    ) -> Result<ProjectView> {
        who.require_in(Operation::Receive, jurisdiction)?;
        self.jurisdiction(jurisdiction)?;
        self.project_scheme(jurisdiction).await?;
        project
            .validate()
            .map_err(|e| AppError::field(&e.field, e.message))?;
        let at = self.now();
        let mut tx = self.store.begin_write().await?;
        let id = tx
            .insert_project(
                jurisdiction,
                &project,
                who.account.id,
                at.timestamp_millis(),
            )
            .await
            .map_err(|e| match e {
                StoreError::Conflict(Conflict::Taken { .. }) => AppError::Conflict(format!(
                    "项目代码「{}」已在本县区登记，请在项目列表中查找该项目",
                    project.code.trim()
                )),
                other => other.into(),
            })?;
        tx.append_events(&[NewEvent::new(
            &who.actor_at(&self.org(), true),
            at,
            jurisdiction,
            None,
            REGISTER,
            format!(
                "登记工程建设项目「{}」（项目代码 {}），建设单位 {}",
                project.name.trim(),
                project.code.trim(),
                project.builder.trim()
            ),
            json!({"project_id": id, "code": project.code.trim(),
                "builder_code": project.builder_code.trim(),
                "investment": project.investment.code()}),
        )])
        .await?;
        tx.commit().await?;
        self.project_view(who, id).await
    }

    /// Receives a stage of a project at the window, as its bundle: refused before the stage
    /// before it ended (its milestone items; parallel items never block) or when the stage was
    /// received already; the materials an earlier stage gave are counted as given, never asked
    /// again.
    pub async fn receive_stage(
        &self,
        who: &Principal,
        project_id: i64,
        stage: Stage,
        mut input: ReceiveBundle,
    ) -> Result<BundleView> {
        let record = self.project_record(project_id).await?;
        let scheme = self.project_scheme(&record.jurisdiction).await?;
        let config = scheme.stage(stage).ok_or_else(|| unconfigured(stage))?;
        input.jurisdiction = record.jurisdiction.clone();
        input.bundle_code = config.bundle_code.clone();
        self.receive_bundle_as(who, input, Some(StageOf { project_id, stage }))
            .await
    }

    /// The builder applies for a stage of its project online (网上申报), as the stage's bundle:
    /// each merged material delivered with its file (those an earlier stage gave count as given),
    /// the Art. 31 attestation; the bundle is received, and the window then accepts it or sends
    /// the one supplement notice (Art. 32; deemed accepted when it does not within five working
    /// days). The project's builder only (its account's credit code), or an agent acting for it
    /// under a mandate (`crate::agency`).
    pub async fn apply_stage(
        &self,
        who: &Principal,
        project_id: i64,
        stage: Stage,
        input: ApplyStage,
    ) -> Result<BundleView> {
        if who.is_staff() {
            return Err(AppError::Forbidden(
                "网上申报阶段由建设单位（或其代办员）办理；窗口收件请在项目页面的收件表单中办理"
                    .into(),
            ));
        }
        let record = self.project_record(project_id).await?;
        if !builder_of(who, &record.builder_code) {
            return Err(AppError::Forbidden(
                "该工程建设项目不是您单位的项目，您不能为其申报".into(),
            ));
        }
        let id = SubjectId::parse(SubjectKind::Organisation, record.builder_code.trim())
            .map_err(|e| AppError::field("builder_code", e.to_string()))?;
        let applicant = Applicant::new(
            &record.builder,
            id,
            &who.account.phone,
            Some(who.account.id),
        );
        self.receive_stage(
            who,
            project_id,
            stage,
            ReceiveBundle {
                jurisdiction: String::new(),
                bundle_code: String::new(),
                situations: input.situations,
                applicant,
                materials: vec![],
                outcome: crate::bundles::BundleIntake::Receive,
                missing: vec![],
                attested: input.attested,
                uploads: input.uploads,
            },
        )
        .await
    }

    pub(crate) async fn project_record(&self, id: i64) -> Result<ProjectRecord> {
        self.store
            .project(id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("没有内部编号为 {id} 的工程建设项目")))
    }

    /// The stages of a project received so far, with their cases.
    async fn received_stages(&self, project_id: i64) -> Result<Vec<Received>> {
        let mut out = Vec::new();
        for link in self.store.project_stages(project_id).await? {
            let Some(stage) = Stage::parse(&link.project_stage) else {
                continue;
            };
            let record = self.bundle_record(link.id).await?;
            let cases = self.store.bundle_cases(link.id).await?;
            out.push(Received {
                stage,
                bundle_id: link.id,
                bundle_case: record.body.0.case.clone(),
                members: cases
                    .into_iter()
                    .map(|c| (c.item_code.clone(), c.case))
                    .collect(),
                resolved: record.resolved.0.clone(),
            });
        }
        Ok(out)
    }

    /// Before a stage's bundle is received (`crate::bundles`): the stage may be received now
    /// (the project's jurisdiction, the stage's bundle, the stage before it ended), and the
    /// merged materials an earlier stage already gave (codes), counted as given.
    pub(crate) async fn stage_intake(
        &self,
        of: &StageOf,
        jurisdiction: &str,
        bundle_code: &str,
        resolved: &Resolved,
    ) -> Result<Vec<String>> {
        let record = self.project_record(of.project_id).await?;
        let scheme = self.project_scheme(&record.jurisdiction).await?;
        let config = scheme
            .stage(of.stage)
            .ok_or_else(|| unconfigured(of.stage))?;
        if record.jurisdiction != jurisdiction || config.bundle_code != bundle_code {
            return Err(AppError::field(
                "bundle_code",
                format!(
                    "「{}」阶段应以一件事「{}」收件",
                    of.stage.label(),
                    config.bundle_code
                ),
            ));
        }
        let received = self.received_stages(of.project_id).await?;
        let ends: Vec<(Stage, Option<chrono::NaiveDate>)> = received
            .iter()
            .map(|r| {
                let end = scheme.stage(r.stage).and_then(|c| stage_end(c, &r.members));
                (r.stage, end)
            })
            .collect();
        check_receive(of.stage, &ends).map_err(AppError::Refused)?;
        let given = self.given_names(of.project_id, &received).await?;
        Ok(already_given(&resolved.materials, &given))
    }

    /// The names of the materials a project has given: those recorded at each receipt and those
    /// its stages' bundles hold now (supplements included).
    async fn given_names(
        &self,
        project_id: i64,
        received: &[Received],
    ) -> Result<BTreeSet<String>> {
        let mut given: BTreeSet<String> = self
            .store
            .project_materials(project_id)
            .await?
            .into_iter()
            .map(|m| m.name)
            .collect();
        for r in received {
            for m in &r.resolved.materials {
                if r.bundle_case.provided.contains(&m.code) {
                    given.insert(m.name.trim().to_string());
                }
            }
        }
        Ok(given)
    }

    /// After a stage's bundle is written (`crate::bundles`), in `tx`: the bundle marked as the
    /// stage (refused when the stage was taken meanwhile) and the materials it took recorded for
    /// the project.
    pub(crate) async fn link_stage(
        &self,
        tx: &mut WriteTx,
        of: &StageOf,
        bundle_id: i64,
        resolved: &Resolved,
        provided: &[String],
        at_ms: i64,
    ) -> Result<()> {
        let taken = tx.project_stages(of.project_id).await?;
        if taken.iter().any(|l| l.project_stage == of.stage.code()) {
            return Err(refused(format!(
                "本项目的「{}」阶段已经收件，一个阶段只收件一次",
                of.stage.label()
            )));
        }
        tx.set_bundle_project(bundle_id, of.project_id, of.stage.code())
            .await?;
        for m in resolved
            .materials
            .iter()
            .filter(|m| provided.contains(&m.code))
        {
            tx.add_project_material(
                of.project_id,
                m.name.trim(),
                of.stage.code(),
                bundle_id,
                at_ms,
            )
            .await?;
        }
        Ok(())
    }
}

mod views;
pub use views::PROJECT_PAGE;
pub(crate) use views::builder_of;

/// The window's form for a project's next stage: the stage, its bundle and the merged material
/// list, each material already given in an earlier stage marked (`provided`), not asked again.
#[derive(Debug, Clone, Serialize)]
pub struct StageForm {
    pub stage: Stage,
    pub bundle_name: String,
    pub materials: Vec<crate::bundles::MaterialLine>,
}

impl App {
    /// The form for a project's next stage, if a stage is left: the window clerk's to receive it,
    /// the builder's (or its agent's) to apply for it online.
    pub async fn stage_form(&self, who: &Principal, project_id: i64) -> Result<Option<StageForm>> {
        let record = self.project_record(project_id).await?;
        if who.is_staff() {
            who.require_in(Operation::Receive, &record.jurisdiction)?;
        } else if !builder_of(who, &record.builder_code) {
            return Err(AppError::Forbidden(
                "该工程建设项目不是您单位的项目，您不能为其申报".into(),
            ));
        }
        let scheme = self.project_scheme(&record.jurisdiction).await?;
        let received = self.received_stages(project_id).await?;
        let Some(config) = scheme
            .stages
            .iter()
            .find(|c| !received.iter().any(|r| r.stage == c.stage))
        else {
            return Ok(None);
        };
        let form = self
            .bundle_form(&record.jurisdiction, &config.bundle_code, &[])
            .await?;
        let given = self.given_names(project_id, &received).await?;
        Ok(Some(StageForm {
            stage: config.stage,
            bundle_name: form
                .chosen
                .map_or_else(|| config.bundle_code.clone(), |v| v.spec.name),
            materials: form
                .materials
                .into_iter()
                .map(|mut m| {
                    m.provided = given.contains(m.name.trim());
                    m
                })
                .collect(),
        }))
    }
}
