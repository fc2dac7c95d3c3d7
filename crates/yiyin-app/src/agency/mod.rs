//! Full agency service (全程代办, 帮办) use cases, once for the API and the pages: the agency
//! centre's service list (代办服务清单, published by the bureau head, shown publicly), the
//! applicant's agency mandates (授权委托: sign for a named agent of the jurisdiction, list, revoke),
//! the agent's worklist of the projects and cases carried under live mandates, and the rating of
//! the agency service (好差评, a rated subject of `crate::ratings`). The agent's acts for the
//! applicant are in [`acts`]: each one checked against the mandate (`yiyin_domain::agency`), then
//! done by the applicant's own use case with an acting-for principal, so that it is recorded as
//! the agent's, for the applicant. The service is free: nothing here ever charges.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;
use yiyin_domain::agency::{AgencyAct, Mandate, MandateState, MandateSubject, ServiceList};
use yiyin_domain::agent::MANDATE_NAME;
use yiyin_domain::authz::Operation;
use yiyin_domain::calendar::{fmt_date, parse_date};
use yiyin_domain::roles::Role;
use yiyin_store::accounts::Account;
use yiyin_store::agency::MandateRecord;
use yiyin_store::cases::CaseRecord;

use crate::App;
use crate::error::{AppError, Result};
use crate::principal::Principal;
use crate::ratings::{RateInput, Rated, given};
use yiyin_domain::ratings::RatingChannel;
use yiyin_store::ratings::{RatingRecord, SubjectId};

pub mod acts;

/// Event codes of the agency's acts.
pub const LIST: &str = "agency_list";
pub const SIGN: &str = "agency_mandate_sign";
pub const REVOKE: &str = "agency_mandate_revoke";

/// The service list as the public page shows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceListView {
    pub jurisdiction: String,
    pub jurisdiction_name: String,
    /// Always true: the service is free of charge (全程无偿代办).
    pub free: bool,
    pub list: ServiceList,
    /// When it was last published (milliseconds).
    pub updated_at: i64,
}

/// A mandate to sign, as a form or JSON sends it.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignMandate {
    /// The agent's login (代办员账号).
    pub agent: String,
    /// project（工程建设项目）or case（办件）.
    pub subject: String,
    /// The project's or the case's internal id.
    pub subject_id: i64,
    /// The acts allowed: fill_forms, upload_materials, receive_notices, pick_up_results (or
    /// their Chinese words).
    pub acts: Vec<String>,
    /// YYYY-MM-DD.
    pub starts_on: String,
    /// YYYY-MM-DD.
    pub ends_on: String,
}

/// A mandate as its applicant or its agent sees it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MandateView {
    pub id: i64,
    pub jurisdiction: String,
    pub subject: MandateSubject,
    pub subject_id: i64,
    pub subject_label: String,
    pub applicant_name: String,
    pub agent_name: String,
    pub acts: Vec<AgencyAct>,
    pub acts_label: String,
    pub starts_on: String,
    pub ends_on: String,
    pub revoked_on: Option<String>,
    pub state: MandateState,
    pub state_label: String,
    /// Whether the applicant rated the agency service (好差评).
    pub rated: bool,
}

/// A case an agent carries, as the worklist shows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CarriedCase {
    pub id: i64,
    pub number: String,
    pub item_name: String,
    pub state_label: String,
    /// The materials a supplement notice asks for and still waits for.
    pub asked: Vec<AskedMaterial>,
    /// Whether the case is a member of a bundle (a project's stage): its supplement is the
    /// bundle's, answered on the project's page.
    pub in_bundle: bool,
}

/// A material a case waits for from the applicant.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AskedMaterial {
    /// Its code in the item's list (the upload field is `file_<code>`).
    pub code: String,
    pub name: String,
}

/// A line of the agent's worklist: a mandate and the cases it covers.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgencyWork {
    pub mandate: MandateView,
    pub cases: Vec<CarriedCase>,
}

/// An agent a mandate may name: login and name.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentChoice {
    pub login: String,
    pub name: String,
}

fn parse_day(field: &str, text: &str) -> Result<NaiveDate> {
    parse_date(text.trim())
        .map_err(|_| AppError::field(field, "请按“年-月-日”（如 2026-03-01）填写日期"))
}

/// Whether an account is an active agent of the jurisdiction.
fn is_agent_of(a: &Account, jurisdiction: &str) -> bool {
    a.active
        && a.is_staff()
        && a.grants
            .iter()
            .any(|g| g.role == Role::AgencyAgent && g.jurisdiction == jurisdiction)
}

impl App {
    /// A jurisdiction's service list (public), or `None` before the centre publishes one.
    pub async fn service_list(&self, jurisdiction: &str) -> Result<Option<ServiceListView>> {
        let j = self.jurisdiction(jurisdiction)?;
        Ok(self
            .store
            .service_list(jurisdiction)
            .await?
            .map(|r| ServiceListView {
                jurisdiction: j.code.clone(),
                jurisdiction_name: j.name.clone(),
                free: true,
                list: r.body.0,
                updated_at: r.updated_at,
            }))
    }

    /// Publishes a jurisdiction's service list (the bureau head, whose bureau the agency centre
    /// belongs to); an audited event. Bad input changes nothing.
    pub async fn put_service_list(
        &self,
        who: &Principal,
        jurisdiction: &str,
        list: ServiceList,
    ) -> Result<ServiceListView> {
        who.require_in(Operation::ManageAgency, jurisdiction)?;
        self.jurisdiction(jurisdiction)?;
        list.check()
            .map_err(|e| AppError::field(&e.field, e.reason))?;
        let list = list.trimmed();
        let mut w = self.audited_write(who).await?;
        w.tx.put_service_list(
            jurisdiction,
            &list,
            &who.account.name,
            w.at.timestamp_millis(),
        )
        .await?;
        let event = w.event(
            jurisdiction,
            None,
            LIST,
            format!(
                "发布《{}代办服务清单》，共{}项，全程无偿代办",
                list.centre,
                list.lines.len()
            ),
            json!({"lines": list.lines.len()}),
        );
        w.finish(event).await?;
        self.service_list(jurisdiction)
            .await?
            .ok_or_else(|| AppError::internal("service list vanished"))
    }

    /// The active agents of a jurisdiction, for the applicant to name one.
    pub async fn agency_agents(&self, jurisdiction: &str) -> Result<Vec<AgentChoice>> {
        self.jurisdiction(jurisdiction)?;
        Ok(self
            .store
            .staff_holding(jurisdiction, &[Role::AgencyAgent])
            .await?
            .into_iter()
            .filter(|a| is_agent_of(a, jurisdiction))
            .map(|a| AgentChoice {
                login: a.login,
                name: a.name,
            })
            .collect())
    }

    /// The applicant signs a mandate for a named agent of the jurisdiction, for one of their own
    /// projects or cases; an audited event (of the case, for a case).
    pub async fn sign_mandate(&self, who: &Principal, input: &SignMandate) -> Result<MandateView> {
        who.require_applicant()?;
        let subject = MandateSubject::parse(&input.subject).ok_or_else(|| {
            AppError::field(
                "subject",
                format!("委托事项应为{}之一", MandateSubject::choices()),
            )
        })?;
        let (jurisdiction, label, case_id) = match subject {
            MandateSubject::Case => {
                let case = self.store.case(input.subject_id).await.map_err(|_| {
                    AppError::NotFound(format!("没有内部编号为 {} 的办件", input.subject_id))
                })?;
                if !who.is_applicant_of(&case) {
                    return Err(AppError::Forbidden(format!(
                        "只能为本人的办件签署{MANDATE_NAME}：这不是您本人的办件"
                    )));
                }
                let label = format!("办件 {} {}", case.number, case.item_name);
                (case.jurisdiction.clone(), label, Some(case.id))
            }
            MandateSubject::Project => {
                let view = self.project_view(who, input.subject_id).await?;
                let label = format!("项目 {} {}", view.project.code, view.project.name);
                (view.jurisdiction, label, None)
            }
        };
        let agent = match input.agent.trim() {
            "" => None,
            login => self.store.account_by_login(login).await?,
        }
        .filter(|a| is_agent_of(a, &jurisdiction))
        .ok_or_else(|| {
            AppError::field(
                "agent",
                format!(
                    "「{}」不是本县区全程代办服务中心在职代办员的账号，请从代办员名单中选择",
                    input.agent.trim()
                ),
            )
        })?;
        let mut acts = Vec::new();
        for a in &input.acts {
            acts.push(AgencyAct::parse(a).ok_or_else(|| {
                AppError::field(
                    "acts",
                    format!(
                        "代办权限「{a}」不是可选值（可选：{}）",
                        AgencyAct::choices()
                    ),
                )
            })?);
        }
        let mandate = Mandate {
            applicant_account: who.account.id,
            agent_account: agent.id,
            jurisdiction: jurisdiction.clone(),
            subject,
            subject_id: input.subject_id,
            acts,
            starts_on: parse_day("starts_on", &input.starts_on)?,
            ends_on: parse_day("ends_on", &input.ends_on)?,
            revoked_on: None,
        };
        mandate
            .check_new(self.today())
            .map_err(|e| AppError::field(&e.field, e.reason))?;
        let mut w = self.audited_write(who).await?;
        let id =
            w.tx.insert_mandate(&mandate, &label, w.at.timestamp_millis())
                .await?;
        let event = w.event(
            &jurisdiction,
            case_id,
            SIGN,
            format!(
                "申请人 {} 签署{MANDATE_NAME}，委托代办员 {} 代办{}（{}），委托期限 {} 至 {}，全程无偿代办",
                who.account.name,
                agent.name,
                label,
                mandate.acts_label(),
                fmt_date(mandate.starts_on),
                fmt_date(mandate.ends_on)
            ),
            json!({"mandate": id, "agent": agent.id, "subject": subject.code(),
                "subject_id": input.subject_id,
                "acts": mandate.acts.iter().map(|a| a.code()).collect::<Vec<_>>()}),
        );
        w.finish(event).await?;
        self.mandate_view(&self.mandate_record(id).await?).await
    }

    /// The applicant's mandates, newest first.
    pub async fn my_mandates(&self, who: &Principal) -> Result<Vec<MandateView>> {
        who.require_applicant()?;
        let mut out = Vec::new();
        for r in self.store.mandates_of_applicant(who.account.id).await? {
            out.push(self.mandate_view(&r).await?);
        }
        Ok(out)
    }

    /// The applicant revokes a mandate they signed, at any time, with effect the same day; an
    /// audited event. Another's mandate is not theirs to revoke.
    pub async fn revoke_mandate(&self, who: &Principal, id: i64) -> Result<MandateView> {
        who.require_applicant()?;
        let r = self.mandate_record(id).await?;
        if r.mandate.applicant_account != who.account.id {
            return Err(AppError::Forbidden(format!(
                "只能撤销本人签署的{MANDATE_NAME}"
            )));
        }
        let today = self.today();
        let revoked = r.mandate.revoke(today).map_err(AppError::Refused)?;
        let mut w = self.audited_write(who).await?;
        w.tx.revoke_mandate(id, today, w.at.timestamp_millis())
            .await
            .map_err(|_| AppError::Conflict(format!("该{MANDATE_NAME}已撤销，不能重复撤销")))?;
        let case_id = (revoked.subject == MandateSubject::Case).then_some(revoked.subject_id);
        let event = w.event(
            &revoked.jurisdiction,
            case_id,
            REVOKE,
            format!(
                "申请人 {} 撤销{MANDATE_NAME}（{}），自{}起代办员不得再代为办理",
                who.account.name,
                r.subject_label,
                fmt_date(today)
            ),
            json!({"mandate": id}),
        );
        w.finish(event).await?;
        self.mandate_view(&self.mandate_record(id).await?).await
    }

    /// The agent's worklist: the mandates given to them, live ones first, each with the cases
    /// it covers.
    pub async fn agency_worklist(&self, who: &Principal) -> Result<Vec<AgencyWork>> {
        if !who.may_somewhere(Operation::ActForApplicants) {
            return Err(AppError::Forbidden(format!(
                "无权{}：仅限全程代办服务中心代办员",
                Operation::ActForApplicants.label()
            )));
        }
        let today = self.today();
        let mut out = Vec::new();
        for r in self.store.mandates_of_agent(who.account.id).await? {
            let cases = if r.mandate.state(today) == MandateState::Live {
                self.covered_cases(&r.mandate)
                    .await?
                    .into_iter()
                    .map(|c| CarriedCase {
                        id: c.id,
                        number: c.number.clone(),
                        item_name: c.item_name.clone(),
                        state_label: c.state.label().to_string(),
                        in_bundle: c.bundle_id.is_some(),
                        asked: c
                            .case
                            .asked_materials()
                            .into_iter()
                            .map(|code| {
                                let name = c
                                    .item
                                    .materials
                                    .iter()
                                    .find(|m| m.code == code)
                                    .map(|m| m.name.clone())
                                    .unwrap_or_else(|| code.clone());
                                AskedMaterial { code, name }
                            })
                            .collect(),
                    })
                    .collect()
            } else {
                vec![]
            };
            out.push(AgencyWork {
                mandate: self.mandate_view(&r).await?,
                cases,
            });
        }
        out.sort_by_key(|w| w.mandate.state != MandateState::Live);
        Ok(out)
    }

    /// The applicant who signed a mandate rates the agency service under it (好差评, 一事一评),
    /// once, once the mandate has come into force.
    pub async fn rate_agency(
        &self,
        who: &Principal,
        id: i64,
        input: &RateInput,
    ) -> Result<RatingRecord> {
        who.require_applicant()?;
        let r = self.mandate_record(id).await?;
        if r.mandate.applicant_account != who.account.id {
            return Err(AppError::Forbidden(
                "无权评价：只能评价本人委托的代办服务".into(),
            ));
        }
        let given = given(input)?;
        if r.mandate.state(self.today()) == MandateState::Pending {
            return Err(AppError::Refused(yiyin_domain::refusal::Refusal::new(
                yiyin_domain::ratings::POLICY,
                "委托尚未生效，代办服务开始后方可评价",
            )));
        }
        let a = &who.account;
        let rater = input
            .named
            .then(|| (Some(a.id), a.name.clone(), a.phone.clone()));
        self.keep_rating(
            &Rated::of_mandate(id, &r.mandate.jurisdiction, &r.subject_label),
            RatingChannel::Online,
            String::new(),
            &given,
            rater,
            None,
        )
        .await
    }

    pub(crate) async fn mandate_record(&self, id: i64) -> Result<MandateRecord> {
        self.store
            .mandate(id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("没有编号为 {id} 的{MANDATE_NAME}")))
    }

    async fn mandate_view(&self, r: &MandateRecord) -> Result<MandateView> {
        let m = &r.mandate;
        let state = m.state(self.today());
        let applicant = self.store.account(m.applicant_account).await?;
        let agent = self.store.account(m.agent_account).await?;
        let rated = self
            .store
            .online_rating_of(SubjectId::Mandate(r.id))
            .await?
            .is_some();
        Ok(MandateView {
            id: r.id,
            jurisdiction: m.jurisdiction.clone(),
            subject: m.subject,
            subject_id: m.subject_id,
            subject_label: r.subject_label.clone(),
            applicant_name: applicant.name,
            agent_name: agent.name,
            acts: m.acts.clone(),
            acts_label: m.acts_label(),
            starts_on: fmt_date(m.starts_on),
            ends_on: fmt_date(m.ends_on),
            revoked_on: m.revoked_on.map(fmt_date),
            state,
            state_label: state.label().to_string(),
            rated,
        })
    }

    /// The cases a mandate covers: its case, or every member case of its project's stages.
    pub(crate) async fn covered_cases(&self, m: &Mandate) -> Result<Vec<CaseRecord>> {
        Ok(match m.subject {
            MandateSubject::Case => vec![self.store.case(m.subject_id).await?],
            MandateSubject::Project => {
                let mut out = Vec::new();
                for link in self.store.project_stages(m.subject_id).await? {
                    out.extend(self.store.bundle_cases(link.id).await?);
                }
                out
            }
        })
    }
}
