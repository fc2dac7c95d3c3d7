//! Receiving an application (收件), at a window or online, with the window's Art. 32 outcome taken in
//! the same write and the files uploaded with it: nothing is kept unless all of it is.

use chrono::Datelike;
use serde_json::json;
use yiyin_domain::agent::{self, Agent, Representation};
use yiyin_domain::authz::{Operation, Scope};
use yiyin_domain::calendar::local_date;
use yiyin_domain::catalog::{self, HandlingClass, Item};
use yiyin_domain::delivery::ConsentChannel;
use yiyin_domain::engine::{
    ApplicantFacts, Case, Context, IntakeOutcome, ItemRules, OnlineAct, check_attestation,
    online_acts, online_path, system_actor_name,
};
use yiyin_domain::identity;
use yiyin_domain::org::Organisation;
use yiyin_domain::org::{Issuer, Jurisdiction};
use yiyin_domain::party::{Actor, Applicant, Channel};
use yiyin_domain::refusal::Refusal;
use yiyin_domain::roles::Role;
use yiyin_store::cases::{CaseBody, CaseRecord, FormData, NewCaseRow};

use super::Upload;
use crate::App;
use crate::error::{AppError, Result};
use crate::issue::Transition;
use crate::principal::Principal;

/// An application to receive.
#[derive(Debug, Clone)]
pub struct Receive {
    pub jurisdiction: String,
    pub item_code: String,
    /// The applicant, for staff receiving at a window; ignored for an applicant applying online,
    /// whose account is the applicant.
    pub applicant: Option<Applicant>,
    /// Codes of the materials provided (with or without a file).
    pub materials: Vec<String>,
    /// Art. 31: the applicant attests that the materials are true (required online).
    pub attested: bool,
    /// The Art. 32 outcome the window takes with the receipt.
    pub outcome: IntakeOutcome,
    /// A retried submission with the same key finds the case it created.
    pub idempotency_key: Option<String>,
    /// Files of materials, uploaded or scanned with the application.
    pub uploads: Vec<Upload>,
    /// The application form's data (一张表单), checked with the item's form; none at a window that
    /// takes the paper application form.
    pub form: Option<FormData>,
    /// Who acts for the applicant (经办人/代理人, 法定代表人（负责人）), at a window. Online, an
    /// account applying for an organisation is its agent, under its verified identity.
    pub representation: Representation,
}

/// What may come with an application beyond its contents.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReceiveOptions<'a> {
    /// The clerk's reason for receiving an applicant whose ID number is on record under another
    /// name (see [`App::receive_confirmed`]).
    pub name_confirmation: Option<&'a str>,
    /// Online: the applicant consents to electronic delivery (电子送达) of the decisions and licence,
    /// recorded with the receipt (so that a licence decided at once is delivered at once).
    pub consent_delivery: bool,
}

/// A received application: the case, and whether this call created it (false: a retry).
#[derive(Debug, Clone)]
pub struct Received {
    pub record: CaseRecord,
    pub created: bool,
}

/// What authorisation judges receiving an item by: the townships concerned are those it lists
/// (a township's own power is received by their own staff; an item township centres receive for
/// the bureau, by theirs and the bureau's).
pub fn item_scope(org: &Organisation, jurisdiction: &str, item: &Item) -> Scope {
    Scope::new(
        org,
        jurisdiction,
        &item.department,
        &item.supervising_department,
        item.handling_mode,
        item.handling_class == HandlingClass::Instant,
        &item.delegated_to,
    )
}

impl App {
    /// Where a member of staff receives an application for `item` in jurisdiction `j` and the
    /// scope they receive it in, or why they may not: the unit of their window grant (a township
    /// centre, a village point; '' for the county hall). A delegated item: a township's staff
    /// receive it only while a delegation in force entrusts their township (Art. 24); a village
    /// point only takes it for its township (代收, `App::take_at_village`), the case starting when
    /// the township receives it. The one answer the receipt and the window's list of items share.
    pub fn receiving(
        &self,
        who: &Principal,
        j: &Jurisdiction,
        item: &Item,
    ) -> Result<(String, Scope)> {
        let unit = who
            .account
            .grants
            .iter()
            .find(|g| g.jurisdiction == j.code && g.role == Role::WindowClerk)
            .and_then(|g| g.unit.clone())
            .unwrap_or_default();
        let delegated = item.handling_mode == catalog::HandlingMode::Delegated;
        let scope = item_scope(&self.org(), &j.code, item).with_entrusted(if delegated {
            self.entrusted_at(j, &item.code, &unit)
        } else {
            None
        });
        who.require(Operation::Receive, &scope)?;
        if delegated && j.township_of_unit(&unit).is_some_and(|t| t.code != unit) {
            return Err(AppError::Refused(Refusal::new(
                "delegation",
                "社区（村）代办点只代收代办：请登记代收，并在转交期限内转交镇便民服务中心，由镇便民服务中心收件受理",
            )));
        }
        Ok((unit, scope))
    }

    /// The item in force today, or the refusal of `catalog.md`: no approval outside the catalog.
    pub async fn item_in_force(
        &self,
        jurisdiction: &str,
        code: &str,
    ) -> Result<catalog::ItemVersion> {
        let history = self.store.item_history(jurisdiction, code).await?;
        catalog::active_version(&history, self.today())
            .cloned()
            .ok_or_else(|| {
                AppError::Refused(Refusal::new(
                    "catalog",
                    catalog::CatalogError::NotInCatalog(code.to_string()).to_string(),
                ))
            })
    }

    /// Receives an application (收件) and takes the window's outcome, in one write.
    pub async fn receive(&self, who: &Principal, input: Receive) -> Result<Received> {
        self.receive_confirmed(who, input, None).await
    }

    /// The same, with the clerk's reason for receiving an applicant whose ID number is on record
    /// under another name (`yiyin_domain::identity`: without it the window is warned and nothing is
    /// kept; the reason is recorded with the receipt).
    #[tracing::instrument(skip_all, fields(jurisdiction = %input.jurisdiction, item = %input.item_code))]
    pub async fn receive_confirmed(
        &self,
        who: &Principal,
        input: Receive,
        name_confirmation: Option<&str>,
    ) -> Result<Received> {
        let options = ReceiveOptions {
            name_confirmation,
            ..ReceiveOptions::default()
        };
        self.receive_with(who, input, options).await
    }

    /// Receives an application with its options. Online, an applicant may only apply, or apply on a
    /// written commitment (告知承诺); the decision an online application gets at once
    /// (`yiyin_domain::engine::online_path`: a commitment on a green-list item, an instant item
    /// handled fully online with complete materials) is taken in the same write as the receipt, by
    /// the system for the issuing agency, with the licence and its electronic delivery.
    pub async fn receive_with(
        &self,
        who: &Principal,
        input: Receive,
        options: ReceiveOptions<'_>,
    ) -> Result<Received> {
        let name_confirmation = options.name_confirmation;
        let key = match &input.idempotency_key {
            Some(k) if k.trim().is_empty() || k.chars().count() > 200 => {
                return Err(AppError::field("idempotency_key", "幂等键应为1至200个字符"));
            }
            Some(k) => Some(format!("{}:{k}", who.account.id)),
            None => None,
        };
        if let Some(k) = &key
            && let Some(existing) = self.store.case_by_key(k).await?
        {
            return Ok(Received {
                record: existing,
                created: false,
            });
        }
        let j = self.jurisdiction(&input.jurisdiction)?;
        let version = self
            .item_in_force(&input.jurisdiction, &input.item_code)
            .await?;
        let item = &version.item;
        // An item a switched batch moved to the bureau is no longer its old department's
        // (`crate::transition`).
        self.check_transition_handler(who, &input.jurisdiction, item)
            .await?;
        let (applicant, unit, channel_online, mut representation) = if who.is_staff() {
            let (unit, scope) = self.receiving(who, &j, item)?;
            // An outcome taken with the receipt is the intake's (an item township centres only
            // receive is accepted by the bureau).
            if !matches!(input.outcome, IntakeOutcome::Receive) {
                who.require(Operation::Intake, &scope)?;
            }
            let applicant = input
                .applicant
                .clone()
                .ok_or_else(|| AppError::field("applicant", "窗口收件须填写申请人信息"))?;
            (applicant, unit, false, input.representation.clone())
        } else {
            // The Art. 32 outcome is the window's: online, only the applicant's own choice of a
            // commitment is taken with the receipt.
            if !matches!(
                input.outcome,
                IntakeOutcome::Receive | IntakeOutcome::Commitment { .. }
            ) {
                return Err(AppError::Forbidden(
                    "网上申请只能提交申请或选择告知承诺；受理、补正告知、不予受理等由窗口工作人员依据《行政许可法》第三十二条作出".into(),
                ));
            }
            check_attestation(input.attested)?;
            let a = &who.account;
            let id = a.id_number.clone().ok_or_else(|| {
                AppError::Forbidden("该账号没有登记证件号码，不能网上申请".into())
            })?;
            match input
                .applicant
                .clone()
                .filter(|x| x.kind == yiyin_domain::party::SubjectKind::Organisation)
            {
                // Applying for an organisation, the account acts as its agent.
                Some(org) => {
                    let agent = match who.account.verified_id() {
                        Some(yiyin_domain::party::SubjectId::Person(id)) => Agent {
                            name: who
                                .account
                                .verified
                                .as_ref()
                                .map_or(a.name.clone(), |v| v.name.clone()),
                            id_number: id.clone(),
                            phone: a.phone.clone(),
                        },
                        _ => {
                            return Err(AppError::Forbidden(
                                "以单位名义网上申请的，须先完成个人实名认证，作为单位的经办人办理"
                                    .into(),
                            ));
                        }
                    };
                    let representation = Representation {
                        agent: Some(agent),
                        legal_representative: input.representation.legal_representative.clone(),
                        mandate: false,
                    };
                    (
                        Applicant::new(&org.name, org.id_number, &org.phone, Some(a.id)),
                        String::new(),
                        true,
                        representation,
                    )
                }
                None => (
                    Applicant::new(&a.name, id, &a.phone, Some(a.id)),
                    String::new(),
                    true,
                    Representation::default(),
                ),
            }
        };
        // A township's own power is decided by that township's government: the case belongs to it.
        let unit = if item.handling_mode == catalog::HandlingMode::Township {
            j.deciding_township(&item.delegated_to, &unit)
                .map_err(|m| AppError::Refused(Refusal::new("township", m)))?;
            if j.township_of_unit(&unit).is_some() {
                unit
            } else {
                item.delegated_to[0].clone()
            }
        } else {
            unit
        };
        if applicant.name.is_empty() {
            return Err(AppError::field("name", "申请人姓名或单位名称不能为空"));
        }
        applicant.check(self.today())?;
        representation.check()?;
        let form = self.checked_form(item, input.form.clone(), channel_online)?;
        let on_record = self.store.names_on_record(&applicant.id_number).await?;
        let intake = if who.is_staff() {
            identity::Intake::Window {
                confirmation: name_confirmation,
            }
        } else {
            identity::Intake::Online {
                verified: who.account.verified_id() == Some(&applicant.id_number),
            }
        };
        let name_check = identity::check_applicant_name(
            &applicant.id_number,
            &applicant.name,
            &on_record,
            intake,
        )?;
        // A mandate the item does not list is taken under its own code, outside the item's list.
        let mut materials = input.materials.clone();
        let mandate_ticked = materials.iter().any(|m| m == agent::MANDATE_MATERIAL);
        materials.retain(|m| m != agent::MANDATE_MATERIAL);
        for code in &materials {
            if item.material(code).is_none() {
                return Err(AppError::field(
                    "materials",
                    format!("材料编码「{code}」不在“{}”公布的申请材料目录中", item.name),
                ));
            }
        }
        // A material is provided by its file (online; at a window, the scanned one was received).
        let uploads: Vec<Upload> = input
            .uploads
            .into_iter()
            .filter(|u| {
                item.material(&u.material).is_some() || u.material == agent::MANDATE_MATERIAL
            })
            .collect();
        materials.extend(
            uploads
                .iter()
                .filter(|u| u.material != agent::MANDATE_MATERIAL)
                .map(|u| u.material.clone()),
        );
        materials.sort();
        materials.dedup();
        // Art. 29: whoever acts for the applicant hands in its mandate — at a window the paper one
        // (ticked) or its scan, online its file; refused, nothing is kept.
        let own_code = agent::mandate_material(item);
        let is_mandate = |code: &str| code == agent::MANDATE_MATERIAL || own_code == Some(code);
        representation.mandate = uploads.iter().any(|u| is_mandate(&u.material))
            || (!channel_online
                && (mandate_ticked || own_code.is_some_and(|c| materials.iter().any(|m| m == c))));
        agent::check_representation(&applicant, &representation, representation.mandate)
            .map_err(AppError::Refused)?;
        // Materials marked 部门共享 or 证照库 are fetched, not asked for (免提交).
        let fetches = self
            .fetch_materials(item, &applicant.id_number, &materials)
            .await;
        let attachments = self.keep_uploads(&uploads).await?;

        let rules = ItemRules::from(item);
        let calendar = self.calendar();
        let commitment = matches!(input.outcome, IntakeOutcome::Commitment { .. });
        // Notify-and-commit is barred by an unrepaired credit record (国办发〔2020〕42号).
        let facts = if commitment {
            self.applicant_facts(applicant.id_number.as_str()).await?
        } else {
            ApplicantFacts::default()
        };
        let ctx = Context {
            item: &rules,
            calendar: &calendar,
            applicant: &facts,
        };
        let at = self.now();
        let date = local_date(at);
        let mut received = Case::receive(&ctx, date, &materials)?;
        for f in fetches.iter().filter(|f| f.fetched()) {
            received.case.record_fetched(&ctx, &f.code)?;
        }
        let provided: Vec<String> = received.case.provided.iter().cloned().collect();
        // The outcome is judged before anything is written: refused, nothing is kept. At a window it
        // is the clerk's; online, the decision taken at once is the system's for the issuing agency.
        let (acts, decider) = if channel_online {
            let agency = Issuer::of(&j, &item.department, item.handling_mode, &unit, date).agency;
            let path = online_path(&rules, item.online_depth, &provided, commitment)?;
            let system = Actor {
                name: system_actor_name(&agency),
                account: None,
                channel: Channel::System,
            };
            (online_acts(&rules, path, &agency), system)
        } else {
            let act = input
                .outcome
                .action(&rules, &provided)
                .map(|action| OnlineAct {
                    reason: String::new(),
                    action,
                });
            (act.into_iter().collect(), who.actor_at(&self.org(), true))
        };
        let mut decided = received.case.clone();
        let mut outcome = Vec::new();
        for act in &acts {
            let applied = decided
                .apply(&ctx, date, &act.action)
                .map_err(|e| crate::sharing::explain(e.into(), &fetches))?;
            let mut transition = super::act::transition_of(&act.action, &applied);
            if !act.reason.is_empty() {
                transition.reason = act.reason.clone();
            }
            decided = applied.case;
            outcome.push(transition);
        }
        let body = CaseBody {
            case: received.case.clone(),
            item: rules.clone(),
            result_name: item.result.name.clone(),
            validity_years: item.result.validity_years,
            form,
            representation: representation.clone(),
        };
        // Receiving and the intake outcome taken with it are the window's acts.
        let actor = who.actor_at(&self.org(), true);
        let year = date.year();
        let reserved = self.store.reserve_case_number(&j.code, year).await?;
        let mut tx = self.store.begin_write().await?;
        let seq = match reserved {
            Some(seq) => seq,
            None => tx.next_case_number(&j.code, year).await?,
        };
        let number = j.case_number(year, seq);
        // A deadline in a year without calendar data is unknown until the year is added; the
        // application is received all the same.
        let clock = received.case.deadlines(&ctx, date).ok();
        let id = tx
            .insert_case(&NewCaseRow {
                jurisdiction: &j.code,
                number: &number,
                query_code: &crate::accounts::random_code(6),
                item_code: &item.code,
                item_version: version.version,
                item_name: &item.name,
                department: &item.department,
                supervising_department: &item.supervising_department,
                handling_mode: item.handling_mode,
                applicant: &applicant,
                channel: actor.channel,
                unit: &unit,
                body: &body,
                clock: clock.as_ref(),
                at_ms: at.timestamp_millis(),
            })
            .await?;
        if let Some(k) = &key
            && !tx.insert_case_key(k, id, at.timestamp_millis()).await?
        {
            // Another attempt with the same key won the race: keep its case, drop this one.
            tx.rollback().await?;
            let existing = self.store.case_by_key(k).await?.ok_or_else(|| {
                AppError::Conflict("同一幂等键的申请正在处理中，请稍后重试".into())
            })?;
            return Ok(Received {
                record: existing,
                created: false,
            });
        }
        // Simulation (模拟运行) is decided here, once: the case keeps the flag.
        let simulated = self
            .mark_if_simulated(&mut tx, &j.code, &item.code, id, at)
            .await?;
        tx.attach(id, &attachments, &actor.name, at.timestamp_millis())
            .await?;
        // The applicant's draft became this application.
        if channel_online {
            tx.drop_form_draft(who.account.id, &j.code, &item.code)
                .await?;
        }
        let (shared_rows, fetched) = crate::sharing::recorded(&fetches);
        tx.record_shared(id, &shared_rows, &actor.name, at.timestamp_millis())
            .await?;
        let record = tx.case(id).await?;
        let receipt = Transition {
            action: "receive".into(),
            reason: String::new(),
            data: json!({
                "materials": materials,
                "item_version": version.version,
                "number": number,
                "unit": unit,
                "state": record.state.code(),
                "by_agent": representation.by_agent(&applicant),
                "mandate": representation.mandate,
            }),
            effects: received.effects,
        };
        let mut transitions = vec![receipt];
        if simulated {
            transitions[0].data["simulated"] = json!(true);
        }
        if let identity::NameCheck::Confirmed { others, reason } = name_check {
            transitions.push(Transition {
                action: "applicant_name_confirmed".into(),
                reason: format!(
                    "证件号码已登记在{}名下，窗口核对后确认申请人为{}：{reason}",
                    others.join("、"),
                    applicant.name
                ),
                data: json!({"rule": identity::NAME_RULE, "names_on_record": others,
                    "name": applicant.name, "reason": reason}),
                effects: vec![],
            });
        }
        transitions.extend(fetched);
        self.record_case(&mut tx, &record, &actor, at, clock.as_ref(), transitions)
            .await?;
        if channel_online && options.consent_delivery {
            crate::deliveries::record_consent(
                &mut tx,
                who,
                &self.org(),
                &record,
                ConsentChannel::Online,
                at,
            )
            .await?;
        }
        if !outcome.is_empty() {
            self.update_case(&mut tx, &record, &decided, &ctx, &decider, at, outcome)
                .await?;
        } else if channel_online {
            // Applied for online: the item's window is told it waits for its Art. 32 act.
            let message = yiyin_domain::notifications::online_application_notice(
                &record.number,
                &record.item_name,
                &applicant.name,
                &yiyin_domain::notifications::staff_link(id),
            );
            self.tell_window(
                &mut tx,
                (&j.code, &self.case_scope(&record)),
                &message,
                id,
                &format!("online:case:{id}"),
                at,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(Received {
            record: self.store.case(id).await?,
            created: true,
        })
    }
}
