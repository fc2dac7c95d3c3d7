//! The agent's acts for the applicant under a mandate (代办): answer a supplement notice with
//! forms and materials, apply for a stage of the builder's project and answer the stage's
//! supplement notice, read the applicant's notices, confirm the pickup of the results. Each is
//! checked against the mandate first (`yiyin_domain::agency::check_act`: the agent's own mandate,
//! the applicant's own matter, the mandate's project or case, live, the act in scope) and then
//! done as the applicant's act — by the applicant's own use case where there is one
//! (`App::act`) — with an acting-for principal ([`crate::principal::ActingFor`]), so that the
//! event log records it as 「代办员 X 代 申请人 Y」 with the agent's account.

use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::json;
use yiyin_domain::agency::{AGENCY_RULE, AgencyAct, MandateSubject, Matter, check_act};
use yiyin_domain::authz::Operation;
use yiyin_domain::delivery;
use yiyin_domain::engine::Action;
use yiyin_domain::project::Stage;
use yiyin_domain::refusal::Refusal;
use yiyin_store::agency::MandateRecord;
use yiyin_store::cases::CaseRecord;
use yiyin_store::notifications::InboxMessage;

use crate::App;
use crate::bundles::BundleView;
use crate::cases::{ActOn, Upload};
use crate::error::{AppError, Result};
use crate::principal::{ActingFor, Principal};
use crate::projects::{ApplyStage, ProjectView, StageForm};

/// Event codes of the agent's own acts (a supplement is the case's own event).
pub const NOTICES_READ: &str = "agency_notices_read";
pub const PROJECT_READ: &str = "agency_project_read";
pub const PICKUP: &str = "agency_pickup";

/// A result the agent collected, as confirmed.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pickup {
    pub case_id: i64,
    pub number: String,
    /// The titles of the results collected.
    pub documents: Vec<String>,
    /// How it is recorded: 「代办员 X 代 申请人 Y」.
    pub recorded_as: String,
}

/// A material's file an agent sends through the API, its content in base64.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentFile {
    /// The material's code in the item's list.
    pub material: String,
    /// The file's name (PDF, JPG, PNG or OFD).
    pub name: String,
    pub content_base64: String,
}

impl AgentFile {
    /// The file as an upload, checked like any other (type and size).
    pub fn upload(&self) -> Result<Upload> {
        let field = format!("file_{}", self.material.trim());
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(self.content_base64.trim())
            .map_err(|_| AppError::field(&field, "文件内容应为 base64 编码"))?;
        let upload = Upload {
            material: self.material.trim().to_string(),
            name: self.name.trim().to_string(),
            bytes,
        };
        upload.check()?;
        Ok(upload)
    }
}

/// A project an agent carries, as the agent's project page shows it.
#[derive(Debug, Clone)]
pub struct AgentProject {
    pub mandate_id: i64,
    pub view: ProjectView,
    /// The form for the project's next stage, if a stage is left.
    pub form: Option<StageForm>,
    pub visits: Vec<crate::joint_visits::VisitLine>,
}

impl App {
    /// The mandate, checked for the agent's act on a case (or, `None`, on the mandate's matter as
    /// a whole), and the principal that does it for the applicant.
    async fn acting(
        &self,
        who: &Principal,
        mandate_id: i64,
        act: AgencyAct,
        case: Option<&CaseRecord>,
    ) -> Result<(MandateRecord, Principal)> {
        let r = self.mandate_record(mandate_id).await?;
        let m = &r.mandate;
        who.require_in(Operation::ActForApplicants, &m.jurisdiction)?;
        let applicant = Principal::new(self.store.account(m.applicant_account).await?);
        let matter = match case {
            None => Matter {
                applicant_matches: true,
                covered: true,
            },
            Some(c) => Matter {
                applicant_matches: applicant.is_applicant_of(c),
                covered: self.covers(&r, c).await?,
            },
        };
        check_act(m, who.account.id, act, matter, self.today()).map_err(AppError::Refused)?;
        let acting = Principal {
            account: applicant.account,
            acting: Some(ActingFor {
                agent_account: who.account.id,
                agent_name: who.account.name.clone(),
                mandate_id,
            }),
        };
        Ok((r, acting))
    }

    /// Whether the mandate is for the case: the case itself, or a member case of a stage of its
    /// project.
    async fn covers(&self, r: &MandateRecord, case: &CaseRecord) -> Result<bool> {
        let m = &r.mandate;
        Ok(match m.subject {
            MandateSubject::Case => case.id == m.subject_id,
            MandateSubject::Project => match case.bundle_id {
                Some(b) => self
                    .store
                    .project_stages(m.subject_id)
                    .await?
                    .iter()
                    .any(|l| l.id == b),
                None => false,
            },
        })
    }

    /// The agent answers a supplement notice for the applicant (填写和提交表单; with files, also
    /// 上传申请材料): the applicant's own use case, recorded as the agent's act for the applicant.
    /// Any other action on a case is not the agent's to take.
    pub async fn agent_act(
        &self,
        who: &Principal,
        mandate_id: i64,
        input: ActOn,
    ) -> Result<CaseRecord> {
        if !matches!(input.action, Action::Supplement { .. }) {
            return Err(AppError::Refused(Refusal::new(
                AGENCY_RULE,
                format!(
                    "代办员不能代为{}：授权委托只包括填写和提交表单、上传申请材料、接收通知、领取办理结果，撤回申请、申请听证等须由申请人本人办理",
                    input.action.label()
                ),
            )));
        }
        let case = self.store.case(input.case_id).await?;
        let (_, acting) = self
            .acting(who, mandate_id, AgencyAct::FillForms, Some(&case))
            .await?;
        if !input.uploads.is_empty() {
            self.acting(who, mandate_id, AgencyAct::UploadMaterials, Some(&case))
                .await?;
        }
        self.act(&acting, input).await
    }

    /// The mandate, checked for an act on its project as a whole (a stage or a stage's bundle),
    /// and the principal that does it for the builder: a mandate for a case does not reach a
    /// project; files ask for the upload act too.
    async fn acting_on_project(
        &self,
        who: &Principal,
        mandate_id: i64,
        with_files: bool,
        bundle: Option<i64>,
    ) -> Result<(MandateRecord, Principal)> {
        let (r, acting) = self
            .acting(who, mandate_id, AgencyAct::FillForms, None)
            .await?;
        if with_files {
            self.acting(who, mandate_id, AgencyAct::UploadMaterials, None)
                .await?;
        }
        let m = &r.mandate;
        let covered = m.subject == MandateSubject::Project
            && match bundle {
                None => true,
                Some(b) => self
                    .store
                    .project_stages(m.subject_id)
                    .await?
                    .iter()
                    .any(|l| l.id == b),
            };
        if !covered {
            return Err(AppError::Refused(Refusal::new(
                AGENCY_RULE,
                format!(
                    "超出委托范围：该{}只授权代办所载明的{}，不包括本工程建设项目的申报",
                    yiyin_domain::agent::MANDATE_NAME,
                    m.subject.label()
                ),
            )));
        }
        Ok((r, acting))
    }

    /// The mandate's project as its builder sees it, for the agent who carries it: every stage,
    /// the form for the next stage, the joint visits; the reading is recorded.
    pub async fn agent_project(&self, who: &Principal, mandate_id: i64) -> Result<AgentProject> {
        let (r, acting) = self.acting_on_project(who, mandate_id, false, None).await?;
        let id = r.mandate.subject_id;
        let project = AgentProject {
            mandate_id,
            view: self.project_view(&acting, id).await?,
            form: self.stage_form(&acting, id).await?,
            visits: self.project_visits(&acting, id).await?,
        };
        let w = self.audited_write(&acting).await?;
        let event = w.event(
            &r.mandate.jurisdiction,
            None,
            PROJECT_READ,
            format!("查阅申请人的{}", r.subject_label),
            json!({"mandate": mandate_id, "project": id}),
        );
        w.finish(event).await?;
        Ok(project)
    }

    /// The agent applies for a stage of the mandate's project for the builder (填写和提交表单,
    /// with files 上传申请材料): the builder's own use case (`App::apply_stage`), recorded as the
    /// agent's act for the builder.
    pub async fn agent_apply_stage(
        &self,
        who: &Principal,
        mandate_id: i64,
        stage: Stage,
        input: ApplyStage,
    ) -> Result<BundleView> {
        let (r, acting) = self
            .acting_on_project(who, mandate_id, !input.uploads.is_empty(), None)
            .await?;
        self.apply_stage(&acting, r.mandate.subject_id, stage, input)
            .await
    }

    /// The agent answers a stage's one supplement notice for the builder: the builder's own use
    /// case (`App::supplement_bundle`), recorded as the agent's act for the builder.
    pub async fn agent_supplement_bundle(
        &self,
        who: &Principal,
        mandate_id: i64,
        bundle_id: i64,
        version: Option<i64>,
        materials: Vec<String>,
        uploads: Vec<Upload>,
    ) -> Result<BundleView> {
        let (_, acting) = self
            .acting_on_project(who, mandate_id, !uploads.is_empty(), Some(bundle_id))
            .await?;
        self.supplement_bundle(&acting, bundle_id, version, materials, uploads)
            .await
    }

    /// The applicant's notices about the mandate's cases, for the agent (接收通知); the reading is
    /// recorded.
    pub async fn agent_notices(
        &self,
        who: &Principal,
        mandate_id: i64,
    ) -> Result<Vec<InboxMessage>> {
        let (r, acting) = self
            .acting(who, mandate_id, AgencyAct::ReceiveNotices, None)
            .await?;
        let cases: Vec<i64> = self
            .covered_cases(&r.mandate)
            .await?
            .iter()
            .map(|c| c.id)
            .collect();
        let notices: Vec<InboxMessage> = self
            .messages(&acting, false, 200, 0)
            .await?
            .into_iter()
            .filter(|m| m.case_id.is_some_and(|c| cases.contains(&c)))
            .collect();
        let w = self.audited_write(&acting).await?;
        let event = w.event(
            &r.mandate.jurisdiction,
            None,
            NOTICES_READ,
            format!("查阅申请人关于{}的通知{}条", r.subject_label, notices.len()),
            json!({"mandate": mandate_id, "notices": notices.len()}),
        );
        w.finish(event).await?;
        Ok(notices)
    }

    /// The agent confirms collecting a case's results for the applicant (领取办理结果): only results
    /// issued and released (a bundle's member results with the bundle's release); recorded on the
    /// case as the agent's act for the applicant.
    pub async fn agent_pickup(
        &self,
        who: &Principal,
        mandate_id: i64,
        case_id: i64,
    ) -> Result<Pickup> {
        let case = self.store.case(case_id).await?;
        let (_, acting) = self
            .acting(who, mandate_id, AgencyAct::PickUpResults, Some(&case))
            .await?;
        let release = self.result_release(&case).await?;
        let documents: Vec<String> = self
            .store
            .case_documents(case_id)
            .await?
            .into_iter()
            .filter(|d| delivery::is_delivered(d.record.kind) && !release.holds(d.record.kind))
            .map(|d| d.record.title)
            .collect();
        if documents.is_empty() {
            return Err(AppError::Refused(Refusal::new(
                AGENCY_RULE,
                format!(
                    "办件{}尚无可领取的办理结果（决定书或证照出具后方可代为领取）",
                    case.number
                ),
            )));
        }
        let w = self.audited_write(&acting).await?;
        let recorded_as = w.actor.name.clone();
        let event = w.event(
            &case.jurisdiction,
            Some(case.id),
            PICKUP,
            format!("{recorded_as} 领取办理结果：《{}》", documents.join("》《")),
            json!({"mandate": mandate_id, "documents": documents}),
        );
        w.finish(event).await?;
        Ok(Pickup {
            case_id,
            number: case.number,
            documents,
            recorded_as,
        })
    }
}
