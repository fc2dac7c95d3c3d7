//! The licence after the decision: the holder (or a window for them) applies for a change or
//! renewal; the bureau's section chiefs and head decide them, revoke, cancel, withdraw and record
//! rescissions; time expires licences and deems renewals granted. Each act is judged by
//! `yiyin_domain::licence`, and its effects — the status, the sealed decision, a new version of the
//! licence, the push — are carried out here in one transaction.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use yiyin_domain::authz::Operation;
use yiyin_domain::calendar::{Calendar, fmt_date, local_date};
use yiyin_domain::catalog::template;
use yiyin_domain::catalog::{LicenceEntry, LicenceTemplate};
use yiyin_domain::documents::{ActFacts, licence_act_document, licence_version_document};
use yiyin_domain::engine::DocumentKind;
use yiyin_domain::licence::{
    self, ActApplied, ActContext, ActKind, ActRequest, ActState, CancellationGround, ChangedField,
    LicenceEffect, LicenceFacts, LicenceStatus, RevocationGround, WithdrawalBasis,
};
use yiyin_domain::org::Issuer;
use yiyin_domain::party::{Actor, Channel};
use yiyin_store::WriteTx;
use yiyin_store::cases::CaseRecord;
use yiyin_store::events::NewEvent;
use yiyin_store::findings::{Finding, FindingFilter};
use yiyin_store::licence_acts::{LicenceAct, NewAct};
use yiyin_store::licences::{Licence, NewLicence, serial_and_version};
use yiyin_store::pushes::Push;
use yiyin_store::verifications::VerificationTask;

use crate::App;
use crate::error::{AppError, Result};
use crate::issue::PushOf;
use crate::principal::Principal;

fn yes() -> bool {
    true
}

/// An act on a licence as submitted (the API's JSON and the pages' forms).
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActInput {
    /// apply_change | apply_renewal | revoke | cancel | withdraw | rescind
    pub act: String,
    /// apply_change: the licensed matters to change and how.
    #[serde(default)]
    pub changes: String,
    /// apply_change: the licence's entries to show new values, by their key in the licence
    /// template (e.g. `premises`, `legal_representative`); blank values are left unchanged.
    #[serde(default)]
    pub fields: std::collections::BTreeMap<String, String>,
    /// revoke: a revocation ground code; cancel: a cancellation ground code.
    #[serde(default)]
    pub ground: String,
    /// revoke, cancel, rescind: the facts and reasons.
    #[serde(default)]
    pub reason: String,
    /// revoke: revocation would seriously harm the public interest (Art. 69 para 3).
    #[serde(default)]
    pub serious_public_harm: bool,
    /// revoke: false records a decision not to revoke on an optional ground.
    #[serde(default = "yes")]
    pub revoke: bool,
    /// withdraw: law_changed | circumstances_changed
    #[serde(default)]
    pub basis: String,
    /// withdraw: the public interest that requires it.
    #[serde(default)]
    pub public_interest: String,
    /// withdraw: the compensation decided for the licensee's losses.
    #[serde(default)]
    pub compensation: String,
    /// rescind: the penalty decision's number.
    #[serde(default)]
    pub penalty_decision: String,
    /// rescind: the enforcement body that decided it.
    #[serde(default)]
    pub authority: String,
}

impl ActInput {
    /// The request, its choices parsed (an unknown one is bad input naming its field).
    pub fn request(&self) -> Result<ActRequest> {
        let reason = self.reason.trim().to_string();
        Ok(match self.act.trim() {
            "apply_change" => ActRequest::ApplyChange {
                changes: self.changes.trim().to_string(),
                fields: self
                    .fields
                    .iter()
                    .filter(|(_, v)| !v.trim().is_empty())
                    .map(|(k, v)| ChangedField {
                        key: k.trim().to_string(),
                        value: v.trim().to_string(),
                    })
                    .collect(),
            },
            "apply_renewal" => ActRequest::ApplyRenewal,
            "revoke" => ActRequest::Revoke {
                ground: AppError::choice::<RevocationGround>("ground", &self.ground, |choices| {
                    format!("请选择撤销事由（《行政许可法》第六十九条），可选：{choices}")
                })?,
                reason,
                serious_public_harm: self.serious_public_harm,
                revoke: self.revoke,
            },
            "cancel" => ActRequest::Cancel {
                ground: AppError::choice::<CancellationGround>(
                    "ground",
                    &self.ground,
                    |choices| format!("请选择注销情形（《行政许可法》第七十条），可选：{choices}"),
                )?,
                reason,
            },
            "withdraw" => ActRequest::Withdraw {
                basis: AppError::choice::<WithdrawalBasis>("basis", &self.basis, |choices| {
                    format!("请选择撤回依据（《行政许可法》第八条第二款），可选：{choices}")
                })?,
                public_interest: self.public_interest.trim().to_string(),
                compensation: self.compensation.trim().to_string(),
            },
            "rescind" => ActRequest::Rescind {
                penalty_decision: self.penalty_decision.trim().to_string(),
                authority: self.authority.trim().to_string(),
                reason,
            },
            other => {
                return Err(AppError::field(
                    "act",
                    format!(
                        "证照事项「{other}」无效，应为 apply_change、apply_renewal、revoke、cancel、withdraw 或 rescind"
                    ),
                ));
            }
        })
    }
}

/// A licence as its page shows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LicenceView {
    pub licence: Licence,
    /// The status today (a valid licence past its end date has expired).
    pub status_today: LicenceStatus,
    pub case_number: String,
    pub holder_id: String,
    pub acts: Vec<LicenceAct>,
    pub findings: Vec<Finding>,
    pub pushes: Vec<Push>,
    pub verification: Option<VerificationTask>,
    /// What the user may do on it now: apply_change, apply_renewal, decide, revoke, cancel,
    /// withdraw, rescind, finding, risk.
    pub may: Vec<String>,
    /// Its contents as its document shows them (证照模板; empty without a template).
    pub contents: Vec<LicenceEntry>,
    /// The keys of the entries a change may set.
    pub changeable: Vec<String>,
}

/// What acts on the licence a case granted are judged against besides the licence.
fn act_context<'a>(record: &CaseRecord, calendar: &'a Calendar) -> ActContext<'a> {
    ActContext {
        calendar,
        statutory_limit: record.item.statutory_limit(),
        validity_years: record.validity_years,
    }
}

/// Where an act is written: a new act, or the decision on one pending.
enum Target<'a> {
    New,
    Pending(&'a LicenceAct),
}

impl App {
    /// A licence and the case that granted it.
    pub async fn licence_and_case(&self, identifier: &str) -> Result<(Licence, CaseRecord)> {
        let licence = self.store.licence(identifier).await?.ok_or_else(|| {
            AppError::NotFound(format!("没有证照编号为「{}」的证照", identifier.trim()))
        })?;
        let record = self.store.case(licence.case_id).await?;
        Ok((licence, record))
    }

    async fn licence_facts(&self, licence: &Licence) -> Result<LicenceFacts> {
        Ok(LicenceFacts {
            status: licence.status,
            valid_until: licence.valid_until,
            issued_on: licence.issued_on,
            holder_is_person: licence.holder_id.is_person(),
            pending: self.store.pending_application(&licence.identifier).await?,
        })
    }

    /// A licence with its acts, findings, pushes and commitment verification, and what the account
    /// may do on it now.
    pub async fn licence_view(&self, who: &Principal, identifier: &str) -> Result<LicenceView> {
        let (licence, record) = self.licence_and_case(identifier).await?;
        let scope = self.case_scope(&record);
        who.may_view(&record, &scope)?;
        let what = format!("电子证照 {}", licence.identifier);
        self.require_released(who, &record, DocumentKind::Licence, &what)
            .await?;
        let today = self.today();
        let status_today = licence.status_on(today);
        let staff = who.is_staff();
        let valid = status_today == LicenceStatus::Valid;
        let acts = self.store.licence_acts(&licence.identifier).await?;
        // One application at a time: none while a change or renewal is under review.
        let under_review = acts.iter().any(|a| a.state == ActState::Pending);
        let mut may = Vec::new();
        if valid
            && !under_review
            && (who.is_applicant_of(&record) || who.require(Operation::Receive, &scope).is_ok())
        {
            may.push("apply_change".to_string());
            if licence.valid_until.is_some() {
                may.push("apply_renewal".to_string());
            }
        }
        if staff && who.require(Operation::ActOnLicence, &scope).is_ok() {
            may.push("decide".into());
            if valid {
                may.extend(["revoke", "withdraw", "rescind"].map(String::from));
            }
            if status_today != LicenceStatus::Cancelled {
                may.push("cancel".into());
            }
        }
        if staff
            && who
                .require_supervision(&licence.jurisdiction, &licence.supervising_department)
                .is_ok()
        {
            may.extend(["finding", "risk"].map(String::from));
        }
        let (pushes, findings) = if staff {
            (
                self.store.pushes_about(licence.case_id).await?,
                self.store
                    .findings(&FindingFilter {
                        licence: Some(licence.identifier.clone()),
                        ..Default::default()
                    })
                    .await?,
            )
        } else {
            (vec![], vec![])
        };
        Ok(LicenceView {
            status_today,
            case_number: record.number.clone(),
            holder_id: licence.holder_id.to_string(),
            acts,
            findings,
            pushes,
            verification: self.store.verification_of(&licence.identifier).await?,
            may,
            contents: self.licence_entries(&licence).await?,
            changeable: self
                .licence_template(&record)
                .await?
                .map(|t| {
                    template::changeable(&t)
                        .into_iter()
                        .map(|f| f.key.clone())
                        .collect()
                })
                .unwrap_or_default(),
            licence,
        })
    }

    /// Takes an act on a licence: the holder (or a window for them) applies for a change or
    /// renewal; the bureau's section chiefs and head revoke, cancel, withdraw and record
    /// rescissions. A refused act changes nothing and names the article.
    #[tracing::instrument(skip_all, fields(licence = identifier))]
    pub async fn act_on_licence(
        &self,
        who: &Principal,
        identifier: &str,
        request: &ActRequest,
    ) -> Result<LicenceAct> {
        let (licence, record) = self.licence_and_case(identifier).await?;
        match request {
            ActRequest::ApplyChange { .. } | ActRequest::ApplyRenewal => {
                if !who.is_applicant_of(&record) {
                    if who.is_staff() {
                        who.require(Operation::Receive, &self.case_scope(&record))?;
                    } else {
                        return Err(AppError::Forbidden(
                            "无权申请：只有被许可人本人可以申请变更或延续".into(),
                        ));
                    }
                }
            }
            _ => who.require(Operation::ActOnLicence, &self.case_scope(&record))?,
        }
        let facts = self.licence_facts(&licence).await?;
        let calendar = self.calendar();
        let ctx = act_context(&record, &calendar);
        let at = self.now();
        let described;
        let request = match request {
            ActRequest::ApplyChange { changes, fields } if !fields.is_empty() => {
                described = ActRequest::ApplyChange {
                    changes: self
                        .check_entry_changes(&licence, &record, changes, fields)
                        .await?,
                    fields: fields.clone(),
                };
                &described
            }
            other => other,
        };
        let applied = licence::apply(&facts, request, local_date(at), &ctx)?;
        let actor = who.actor(&self.org());
        let id = self
            .write_act(&licence, &record, Target::New, applied, &actor, at)
            .await?;
        Ok(self.store.licence_act(id).await?)
    }

    /// Decides a pending change or renewal.
    #[tracing::instrument(skip_all, fields(account = who.account.id))]
    pub async fn decide_act(
        &self,
        who: &Principal,
        id: i64,
        grant: bool,
        reason: &str,
    ) -> Result<LicenceAct> {
        let act = self.store.licence_act(id).await?;
        let record = self.store.case(act.case_id).await?;
        who.require(Operation::ActOnLicence, &self.case_scope(&record))?;
        if act.kind == ActKind::Revocation {
            return Err(AppError::invalid(
                "撤销请以撤销决定办理：选择撤销事由，写明理由，并判断是否对公共利益造成重大损害（《行政许可法》第六十九条）",
            ));
        }
        let actor = who.actor(&self.org());
        self.settle(&act, Some((grant, reason)), &actor, self.now())
            .await
    }

    /// Settles a pending application: decided by the bureau, or (None) deemed granted.
    async fn settle(
        &self,
        act: &LicenceAct,
        decision: Option<(bool, &str)>,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<LicenceAct> {
        let (licence, record) = self.licence_and_case(&act.licence).await?;
        let facts = self.licence_facts(&licence).await?;
        let calendar = self.calendar();
        let ctx = act_context(&record, &calendar);
        let applied = licence::settle(&act.pending(), &facts, decision, local_date(at), &ctx)?;
        self.write_act(&licence, &record, Target::Pending(act), applied, actor, at)
            .await?;
        Ok(self.store.licence_act(act.id).await?)
    }

    /// What time does to licences, as of `at`: renewals undecided at expiry are deemed granted
    /// (Art. 50 para 2); licences past their end date without a renewal expire (and are pushed).
    /// Returns (deemed renewals, expiries). Safe on several servers: each is written once.
    #[tracing::instrument(skip_all)]
    pub async fn sweep_licences(&self, at: DateTime<Utc>) -> Result<(usize, usize)> {
        let today = local_date(at);
        let mut deemed = 0;
        for id in self.store.renewals_past_due(today, 500).await? {
            let act = self.store.licence_act(id).await?;
            match self.settle(&act, None, &Actor::system(), at).await {
                Ok(_) => deemed += 1,
                Err(AppError::Conflict(_) | AppError::Refused(_) | AppError::Invalid { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        let mut expiries = 0;
        for identifier in self.store.licences_past_validity(today, 500).await? {
            let (licence, record) = self.licence_and_case(&identifier).await?;
            let facts = self.licence_facts(&licence).await?;
            let Some(applied) = licence::expiry(&facts, today) else {
                continue;
            };
            match self
                .write_act(
                    &licence,
                    &record,
                    Target::New,
                    applied,
                    &Actor::system(),
                    at,
                )
                .await
            {
                Ok(_) => expiries += 1,
                Err(AppError::Conflict(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok((deemed, expiries))
    }

    /// Opens the revocation the bureau must decide when a commitment was found false, on the
    /// version of the licence in force (inside the caller's transaction); once per licence.
    pub(crate) async fn propose_revocation(
        &self,
        tx: &mut WriteTx,
        task: &VerificationTask,
        reason: &str,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let (case_id, jurisdiction) = (task.case_id, task.jurisdiction.as_str());
        let in_force = tx.licence_in_force_of_case(case_id).await?;
        let licence = in_force.as_deref().unwrap_or(&task.licence);
        if tx.has_open_proposal(licence).await? {
            return Ok(());
        }
        let proposal = licence::propose_revocation(licence, reason);
        let id = tx
            .insert_act(&NewAct {
                licence,
                case_id,
                jurisdiction,
                kind: proposal.kind,
                state: proposal.state,
                applied_on: local_date(at),
                due_on: None,
                decided_on: None,
                details: &proposal.details,
                created_by: &actor.name,
                at_ms: at.timestamp_millis(),
            })
            .await?;
        tx.append_events(&[NewEvent::new(
            actor,
            at,
            jurisdiction,
            Some(case_id),
            "revocation_proposed",
            proposal.reason,
            json!({"act": id, "licence": licence}),
        )])
        .await?;
        Ok(())
    }

    /// The licence's contents as its document shows them (empty without a template).
    async fn licence_entries(&self, licence: &Licence) -> Result<Vec<LicenceEntry>> {
        Ok(match licence.document_id {
            Some(id) => self.store.document(id).await?.record.contents,
            None => vec![],
        })
    }

    /// The licence template of the item's result in the version the case was received under.
    async fn licence_template(&self, record: &CaseRecord) -> Result<Option<LicenceTemplate>> {
        Ok(self
            .store
            .item_version(
                &record.jurisdiction,
                &record.item_code,
                u32::try_from(record.item_version).unwrap_or_default(),
            )
            .await?
            .and_then(|v| v.item.result.template))
    }

    /// Checks the entries a change asks to set against the licence's contents and template (a bad
    /// key or value is bad input naming the field `fields`); returns the change described in words
    /// (`changes` as typed, or each entry's new value when none was typed).
    async fn check_entry_changes(
        &self,
        licence: &Licence,
        record: &CaseRecord,
        changes: &str,
        fields: &[ChangedField],
    ) -> Result<String> {
        let old = self.licence_entries(licence).await?;
        if old.is_empty() {
            return Err(AppError::field(
                "fields",
                "该证照没有按证照模板载明的栏目，请在“变更事项和内容”中写明变更内容",
            ));
        }
        let template = self.licence_template(record).await?;
        let pairs = entry_pairs(fields);
        let new = template::apply_changes(&old, &[], template.as_ref(), &pairs)
            .map_err(|m| AppError::field("fields", m))?;
        if !changes.trim().is_empty() {
            return Ok(changes.trim().to_string());
        }
        Ok(old
            .iter()
            .zip(&new)
            .filter(|(a, b)| a.value != b.value)
            .map(|(a, b)| format!("{}由“{}”变更为“{}”", a.label, a.value, b.value))
            .collect::<Vec<_>>()
            .join("；"))
    }

    /// Writes an act and carries out its effects in one transaction; returns the act's id. A
    /// licence acted on by someone else meanwhile is a conflict.
    async fn write_act(
        &self,
        licence: &Licence,
        record: &CaseRecord,
        target: Target<'_>,
        applied: ActApplied,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<i64> {
        let today = local_date(at);
        let at_ms = at.timestamp_millis();
        let changed = || AppError::Conflict("该证照刚被他人办理了其他事项，请刷新后重试".into());
        // A new version carries the contents over, with the entries the change sets.
        let old_entries = if applied
            .effects
            .iter()
            .any(|e| matches!(e, LicenceEffect::NewVersion { .. }))
        {
            self.licence_entries(licence).await?
        } else {
            vec![]
        };
        let mut tx = self.store.begin_write().await?;
        if tx.licence(&licence.identifier).await?.status != licence.status {
            return Err(changed());
        }
        let j = tx.jurisdiction(&record.jurisdiction).await?;
        let issuer = Issuer::of(
            &j,
            &record.department,
            record.handling_mode,
            &record.unit,
            today,
        );
        let decided_on = (!applied.state.open()).then_some(today);
        if applied.effects.contains(&LicenceEffect::SettleProposal) {
            tx.settle_proposals(&licence.identifier, applied.state, today)
                .await?;
        }
        let act_id = match target {
            Target::New => {
                tx.insert_act(&NewAct {
                    licence: &licence.identifier,
                    case_id: licence.case_id,
                    jurisdiction: &licence.jurisdiction,
                    kind: applied.kind,
                    state: applied.state,
                    applied_on: today,
                    due_on: applied.due_on,
                    decided_on,
                    details: &applied.details,
                    created_by: &actor.name,
                    at_ms,
                })
                .await?
            }
            Target::Pending(act) => {
                tx.decide_act(act.id, act.state, applied.state, today, &applied.details)
                    .await?;
                act.id
            }
        };
        let seq = tx
            .append_events(&[NewEvent::new(
                actor,
                at,
                &licence.jurisdiction,
                Some(licence.case_id),
                &format!("licence_{}", applied.kind.code()),
                applied.reason.clone(),
                json!({"licence": licence.identifier, "act": act_id}),
            )])
            .await?[0];
        let mut issued: Option<(i64, yiyin_domain::documents::DocumentRecord)> = None;
        let mut new_identifier: Option<String> = None;
        for effect in &applied.effects {
            match effect {
                LicenceEffect::SettleProposal => {}
                LicenceEffect::SetStatus(status) => {
                    if !tx
                        .set_licence_status(&licence.identifier, licence.status, *status, at_ms)
                        .await?
                    {
                        return Err(changed());
                    }
                }
                LicenceEffect::Issue(kind) => {
                    let (reason, consequence) = applied.details.decision_texts(*kind);
                    let doc = licence_act_document(
                        &ActFacts {
                            kind: *kind,
                            issuer: &issuer,
                            case_number: &record.number,
                            holder: &licence.holder,
                            item_name: &record.item_name,
                            licence_name: &licence.name,
                            licence: &licence.identifier,
                            act_number: act_id,
                            ground: &applied.details.ground_label,
                            reason,
                            consequence,
                        },
                        today,
                    );
                    let doc_id = self
                        .keep_document(&mut tx, record, &issuer.seal_holder, seq, &doc, at)
                        .await?;
                    tx.set_act_outcome(act_id, Some(doc_id), None).await?;
                    issued = Some((doc_id, doc));
                }
                LicenceEffect::NewVersion {
                    valid_until,
                    note,
                    superseded,
                } => {
                    let (serial, version) =
                        serial_and_version(&licence.identifier).ok_or_else(|| {
                            AppError::internal(format!(
                                "licence identifier {} unreadable",
                                licence.identifier
                            ))
                        })?;
                    let identifier = yiyin_seal::licence::identifier(
                        &licence.item_code,
                        &licence.issuer_credit_code,
                        serial,
                        version + 1,
                    );
                    tx.insert_licence(
                        &NewLicence {
                            identifier: identifier.clone(),
                            case_id: licence.case_id,
                            jurisdiction: licence.jurisdiction.clone(),
                            item_code: licence.item_code.clone(),
                            name: licence.name.clone(),
                            holder: licence.holder.clone(),
                            holder_id: licence.holder_id.clone(),
                            issuer: licence.issuer.clone(),
                            issuer_credit_code: licence.issuer_credit_code.clone(),
                            issued_on: today,
                            valid_until: *valid_until,
                            version: i64::from(version) + 1,
                            supervising_department: licence.supervising_department.clone(),
                            // The new version keeps the department's risk grading of the licensee.
                            risk: licence.risk,
                        },
                        at_ms,
                    )
                    .await?;
                    if !tx
                        .set_licence_status(&licence.identifier, licence.status, *superseded, at_ms)
                        .await?
                    {
                        return Err(changed());
                    }
                    let mut doc = licence_version_document(
                        &licence.name,
                        &licence.holder,
                        &record.item_name,
                        &record.number,
                        &identifier,
                        &licence.identifier,
                        note,
                        *valid_until,
                        &issuer,
                        act_id,
                        today,
                    );
                    if !old_entries.is_empty() {
                        let signer =
                            (actor.channel != Channel::System).then_some(actor.name.as_str());
                        let fresh = self
                            .licence_contents(&mut tx, record, &j, &issuer, &doc, signer)
                            .await?;
                        let template = tx
                            .item_history(&record.jurisdiction, &record.item_code)
                            .await?
                            .into_iter()
                            .find(|v| i64::from(v.version) == record.item_version)
                            .and_then(|v| v.item.result.template);
                        doc.contents = template::apply_changes(
                            &old_entries,
                            &fresh,
                            template.as_ref(),
                            &entry_pairs(&applied.details.fields),
                        )
                        .map_err(|m| AppError::field("fields", m))?;
                    }
                    let doc_id = self
                        .keep_document(&mut tx, record, &issuer.seal_holder, seq, &doc, at)
                        .await?;
                    tx.set_licence_document(&identifier, doc_id).await?;
                    tx.set_act_outcome(act_id, Some(doc_id), Some(&identifier))
                        .await?;
                    issued = Some((doc_id, doc));
                    new_identifier = Some(identifier);
                }
                LicenceEffect::Push(kind) => {
                    let department = if licence.supervising_department.is_empty() {
                        record.supervising_department.as_str()
                    } else {
                        licence.supervising_department.as_str()
                    };
                    if department.is_empty() {
                        continue;
                    }
                    let document = issued.as_ref().map(|(_, d)| d);
                    self.push(
                        &mut tx,
                        PushOf {
                            jurisdiction: &licence.jurisdiction,
                            department,
                            kind: *kind,
                            case_id: Some(licence.case_id),
                            licence: Some(&licence.identifier),
                            event_seq: seq,
                            facts: json!({
                                "case_number": record.number,
                                "item_code": record.item_code,
                                "item_name": record.item_name,
                                "holder": licence.holder,
                                "holder_id": licence.holder_id.as_str(),
                                "new_licence": new_identifier,
                                "reason": applied.reason,
                                "document_number": document.map(|d| d.number.clone()),
                                "valid_until": document.and_then(|d| d.valid_until).map(fmt_date),
                            }),
                            seal_holder: &issuer.seal_holder,
                        },
                        &j,
                        at,
                    )
                    .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(act_id)
    }
}

/// The entries a change sets, as (key, value) pairs.
fn entry_pairs(fields: &[ChangedField]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|f| (f.key.clone(), f.value.clone()))
        .collect()
}
