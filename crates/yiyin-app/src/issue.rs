//! Carrying out what the domain decided, inside the use case's transaction: the events of a case's
//! transitions, its documents composed (`yiyin_domain::documents`) and sealed with the deciding
//! agency's seal (a licence entered in the register with its GB/T 36904 identifier first) — the one
//! sealing and keeping of every document of the register, a drawing review's certificate too — the
//! pushes to the supervising department (canonical payload, signed), the verification of a licence
//! granted on a commitment.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use yiyin_domain::calendar::{fmt_date, local_date, local_time};
use yiyin_domain::catalog::LicenceEntry;
use yiyin_domain::catalog::template::{self, TemplateFacts};
use yiyin_domain::documents::{DocContext, DocumentRecord, compose};
use yiyin_domain::drawing_review;
use yiyin_domain::engine::{Case, Clock, Context, DocumentKind, Effect};
use yiyin_domain::org::{Issuer, Jurisdiction};
use yiyin_domain::party::Actor;
use yiyin_domain::party::SubjectKind;
use yiyin_domain::supervision::{PushKind, ack_due};
use yiyin_store::WriteTx;
use yiyin_store::cases::CaseRecord;
use yiyin_store::documents::{DocumentOwner, NewDocument};
use yiyin_store::events::NewEvent;
use yiyin_store::licences::NewLicence;
use yiyin_store::pushes::NewPush;
use yiyin_store::verifications::NewTask;

use crate::App;
use crate::error::{AppError, Result};

/// The format tag of a push's payload.
pub const PUSH_FORMAT: &str = "yiyin-push/1";

/// One step of a case's history to write: its event and what it requires.
#[derive(Debug, Clone)]
pub struct Transition {
    pub action: String,
    pub reason: String,
    pub data: Value,
    pub effects: Vec<Effect>,
}

/// A push to queue: what happened, to whom, and whose seal signs it.
#[derive(Debug, Clone)]
pub struct PushOf<'a> {
    pub jurisdiction: &'a str,
    pub department: &'a str,
    pub kind: PushKind,
    pub case_id: Option<i64>,
    pub licence: Option<&'a str>,
    pub event_seq: i64,
    /// What happened (case number, item, holder, dates, document number …).
    pub facts: Value,
    /// The seal's holder: ('' for the bureau, or a resident department).
    pub seal_holder: &'a str,
}

impl App {
    /// The sealed form of a document (its JSON and the seal's id) with the holder's active seal;
    /// None when no seal is loaded for it (the document is kept unsealed).
    pub(crate) fn seal(
        &self,
        jurisdiction: &str,
        holder: &str,
        doc: &DocumentRecord,
        at: DateTime<Utc>,
    ) -> Result<Option<(String, i64)>> {
        let ring = self.keyring();
        let Some((record, key)) = ring.for_holder(jurisdiction, holder) else {
            return Ok(None);
        };
        let sealed = yiyin_seal::SealedDocument::seal(
            serde_json::to_value(doc).map_err(AppError::internal)?,
            crate::seals::info(record),
            key,
            &local_time(at),
        );
        Ok(Some((sealed.to_json(), record.id)))
    }

    /// Seals (when a seal is loaded) and keeps a document of a case issued by the event
    /// `event_seq`; returns its id.
    pub(crate) async fn keep_document(
        &self,
        tx: &mut WriteTx,
        record: &CaseRecord,
        seal_holder: &str,
        event_seq: i64,
        doc: &DocumentRecord,
        at: DateTime<Utc>,
    ) -> Result<i64> {
        // A simulated case's document is signed with the simulation seal, never a real one.
        let real_seal = self.conduct_in(tx, record.id).await?.real_seal;
        self.keep_sealed(
            tx,
            DocumentOwner::Case(record.id),
            (&record.jurisdiction, seal_holder),
            real_seal,
            event_seq,
            doc,
            at,
        )
        .await
    }

    /// Seals and keeps a document in the register, a case's or a drawing review's certificate
    /// alike: with the active seal of `holder` (jurisdiction, '' for the bureau or a resident
    /// department's code) when `real_seal`, else with the simulation seal (模拟运行); unsealed when
    /// no seal is loaded, or waiting for the county's own e-seal system when the holder's seal is
    /// kept there. Returns its id.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn keep_sealed(
        &self,
        tx: &mut WriteTx,
        owner: DocumentOwner,
        (jurisdiction, seal_holder): (&str, &str),
        real_seal: bool,
        event_seq: i64,
        doc: &DocumentRecord,
        at: DateTime<Utc>,
    ) -> Result<i64> {
        let sealed = if real_seal {
            self.seal(jurisdiction, seal_holder, doc, at)?
        } else {
            Some((
                crate::simulation::seal_simulated(doc, at)?,
                crate::simulation::SEAL_ID,
            ))
        };
        let id = tx
            .insert_document(&NewDocument {
                owner,
                event_seq,
                record: doc,
                sealed: sealed.as_ref().map(|(s, id)| (s.as_str(), *id)),
                verification_code: &crate::documents::verification_code(),
                at_ms: at.timestamp_millis(),
            })
            .await?;
        // A seal kept in the county's own e-seal system signs it after the transaction (the
        // sealing worker, `crate::signer`): it waits for it.
        if sealed.is_none()
            && let Some(seal) = self
                .keyring()
                .external_for_holder(jurisdiction, seal_holder)
        {
            tx.set_document_seal_pending(id, seal.id).await?;
        }
        Ok(id)
    }

    /// Queues a push in the transaction: the payload in canonical JSON, signed by the seal of the
    /// agency that decided; acknowledgement due in the jurisdiction's working days. A second push of
    /// the same event changes nothing (its idempotency key).
    pub(crate) async fn push(
        &self,
        tx: &mut WriteTx,
        p: PushOf<'_>,
        j: &Jurisdiction,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let sent_on = local_date(at);
        // Unknown, never guessed, while the calendar lacks the year.
        let due = ack_due(&self.calendar(), sent_on, j.ack_days()).ok();
        let key = format!("{}:{}:{}", p.jurisdiction, p.kind.code(), p.event_seq);
        let mut payload = json!({
            "format": PUSH_FORMAT,
            "idempotency_key": key,
            "kind": p.kind.code(),
            "kind_label": p.kind.label(),
            "jurisdiction": p.jurisdiction,
            "department": p.department,
            "licence": p.licence,
            "sent_at": local_time(at),
            "ack_due": due.map(fmt_date),
        });
        if let (Some(obj), Value::Object(facts)) = (payload.as_object_mut(), p.facts) {
            for (k, v) in facts {
                obj.entry(k).or_insert(v);
            }
        }
        // The id drawn first, so that the signed payload names it; a push queued before (its key)
        // is left as it is.
        let slot = tx.push_slot(p.jurisdiction, p.department).await?;
        if let Some(obj) = payload.as_object_mut() {
            obj.insert("push_id".into(), json!(slot.id));
        }
        let canonical = String::from_utf8(yiyin_seal::canonical::canonical(&payload))
            .map_err(AppError::internal)?;
        // A seal kept in the county's own e-seal system signs it after the transaction (the
        // sealing worker, `crate::signer`): it waits unsigned, never delivered so.
        let ring = self.keyring();
        let (seal_id, signature) = match ring.for_holder(p.jurisdiction, p.seal_holder) {
            Some((record, key)) => (
                Some(record.id),
                Some(yiyin_seal::hex(&key.sign(canonical.as_bytes()))),
            ),
            None => (
                ring.external_for_holder(p.jurisdiction, p.seal_holder)
                    .map(|s| s.id),
                None,
            ),
        };
        tx.enqueue_push(
            &slot,
            &NewPush {
                idempotency_key: &key,
                jurisdiction: p.jurisdiction,
                department: p.department,
                kind: p.kind,
                case_id: p.case_id,
                licence: p.licence,
                event_seq: p.event_seq,
                payload: &canonical,
                seal_id,
                signature: signature.as_deref(),
                sent_on,
                ack_due: due,
                at_ms: at.timestamp_millis(),
            },
        )
        .await?;
        Ok(())
    }

    /// Writes a case's new state over `record` (under the version read), with its deadlines as of
    /// `at`, then records its transitions on the fresh row (see [`App::record_case`]). Returns the
    /// case as the write leaves it.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn update_case(
        &self,
        tx: &mut WriteTx,
        record: &CaseRecord,
        case: &Case,
        ctx: &Context<'_>,
        actor: &Actor,
        at: DateTime<Utc>,
        transitions: Vec<Transition>,
    ) -> Result<CaseRecord> {
        let clock = case.deadlines(ctx, local_date(at)).ok();
        let fresh = tx
            .update_case(record, case, clock.as_ref(), at.timestamp_millis())
            .await?;
        self.record_case(tx, &fresh, actor, at, clock.as_ref(), transitions)
            .await?;
        // Boxed: the future of a second case write would otherwise double this one's size on
        // every caller's stack.
        Ok(Box::pin(self.take_certificate(tx, &fresh, ctx, at))
            .await?
            .unwrap_or(fresh))
    }

    /// 集中图审: a case of a project's stage that now waits for a drawing review step takes the
    /// project's review certificate instead (`yiyin_domain::drawing_review::accept_certificate`),
    /// recorded by the system in the same write — whether the case reached the step after the
    /// certificate was issued, or the certificate was issued while the case waited at the step.
    /// Returns the case as written when it took the certificate.
    pub(crate) async fn take_certificate(
        &self,
        tx: &mut WriteTx,
        record: &CaseRecord,
        ctx: &Context<'_>,
        at: DateTime<Utc>,
    ) -> Result<Option<CaseRecord>> {
        let Some(bundle) = record.bundle_id else {
            return Ok(None);
        };
        if !drawing_review::waits_for_certificate(&record.case, ctx.item) {
            return Ok(None);
        }
        let Some(review) = tx.certified_review_of_bundle(bundle).await? else {
            return Ok(None);
        };
        let Some(certificate) = review.body.0.certificate.as_ref() else {
            return Ok(None);
        };
        let Some(case) =
            drawing_review::accept_certificate(&record.case, ctx.item, local_date(at), certificate)
        else {
            return Ok(None);
        };
        let step = case.steps.last().map(|s| s.kind);
        let transition = Transition {
            action: crate::drawing_reviews::CERTIFICATE_ACCEPTED.into(),
            reason: case
                .steps
                .last()
                .map(|s| s.opinion.clone())
                .unwrap_or_default(),
            data: json!({"review_id": review.id, "number": certificate.number,
                "step": step.map(|k| k.code()), "state": case.state.code()}),
            effects: vec![],
        };
        let clock = case.deadlines(ctx, local_date(at)).ok();
        let fresh = tx
            .update_case(record, &case, clock.as_ref(), at.timestamp_millis())
            .await?;
        self.record_case(
            tx,
            &fresh,
            &Actor::system(),
            at,
            clock.as_ref(),
            vec![transition],
        )
        .await?;
        Ok(Some(fresh))
    }

    /// Writes the transitions of a case (`record` is the case as it stands after them): their
    /// events, then each one's effects in order — documents composed from the case and sealed (a
    /// licence registered first, its identifier on it), pushes to the supervising department with
    /// what was just issued, the verification of a commitment.
    pub(crate) async fn record_case(
        &self,
        tx: &mut WriteTx,
        record: &CaseRecord,
        actor: &Actor,
        at: DateTime<Utc>,
        clock: Option<&Clock>,
        transitions: Vec<Transition>,
    ) -> Result<()> {
        // The organisation as this request judged the act by (current: `crate::settings_sync`).
        let j = &self.jurisdiction(&record.jurisdiction)?;
        let events: Vec<NewEvent> = transitions
            .iter()
            .map(|t| {
                NewEvent::new(
                    actor,
                    at,
                    &record.jurisdiction,
                    Some(record.id),
                    &t.action,
                    t.reason.clone(),
                    t.data.clone(),
                )
            })
            .collect();
        // A simulated case (模拟运行) reaches no one outside: no notice, delivery, push, task or
        // registered licence.
        let conduct = self.conduct_in(tx, record.id).await?;
        // The statistics summary, in this transaction; before the events are appended, so that
        // on PostgreSQL the chain head (locked by the first append until the commit) is held for
        // less.
        let acted = transitions
            .iter()
            .any(|t| crate::statistics::records_transition(&t.action, &t.data));
        self.keep_case_summary(tx, record, actor.account.filter(|_| acted))
            .await?;
        let seqs = tx.append_events(&events).await?;
        if conduct.notify_applicant {
            self.notify_case_events(tx, record, clock, &transitions, &seqs, at)
                .await?;
        }
        let issued_on = local_date(at);
        // The names valid on the day of issue (a body renamed since signs under its new name).
        let issuer = Issuer::of(
            j,
            &record.department,
            record.handling_mode,
            &record.unit,
            issued_on,
        );
        // A delegated case at an entrusted township: the delegating authority's name and seal,
        // the township named as entrusted (Art. 24).
        let (issuer, entrusted) = self.entrusted_issuer(j, record, issuer, issued_on);
        let ctx = DocContext {
            case_number: &record.number,
            query_code: &record.query_code,
            applicant: &record.applicant.name,
            applicant_is_person: record.applicant.id_number.is_person(),
            item: &record.item,
            issuer: &issuer,
            clock,
            result_name: &record.result_name,
            validity_years: record.validity_years,
        };
        for (t, seq) in transitions.iter().zip(seqs) {
            let mut last_doc: Option<DocumentRecord> = None;
            let mut licence: Option<String> = None;
            for effect in &t.effects {
                match effect {
                    Effect::Issue(kind) => {
                        let mut doc = compose(*kind, &record.case, &ctx, issued_on);
                        if let Some((e, clause)) = &entrusted
                            && crate::delegation::names_entrusted(*kind, e)
                        {
                            doc.paragraphs.push(clause.clone());
                        }
                        let identifier = if *kind == DocumentKind::Licence
                            && !conduct.publish_licence
                        {
                            doc.paragraphs.insert(
                                0,
                                format!("证照编号：无（{}）", yiyin_domain::simulation::NOT_LEGAL),
                            );
                            doc.contents = self
                                .licence_contents(tx, record, j, &issuer, &doc, None)
                                .await?;
                            None
                        } else if *kind == DocumentKind::Licence {
                            let id = self.register_licence(tx, record, &issuer, &doc, at).await?;
                            doc.paragraphs.insert(0, format!("证照编号：{id}"));
                            doc.identifier = Some(id.clone());
                            doc.contents = self
                                .licence_contents(tx, record, j, &issuer, &doc, None)
                                .await?;
                            Some(id)
                        } else {
                            None
                        };
                        let doc_id = self
                            .keep_document(tx, record, &issuer.seal_holder, seq, &doc, at)
                            .await?;
                        if let Some(id) = &identifier {
                            tx.set_licence_document(id, doc_id).await?;
                            licence = Some(id.clone());
                        }
                        // A bundle's member hands its results out with the bundle's release.
                        if conduct.notify_applicant && record.bundle_id.is_none() {
                            self.deliver_issued(tx, record, doc_id, &doc, at).await?;
                        }
                        last_doc = Some(doc);
                    }
                    Effect::Push(kind) => {
                        if record.supervising_department.is_empty() || !conduct.push {
                            continue;
                        }
                        let decision = record.case.decision.as_ref();
                        let facts = json!({
                            "case_number": record.number,
                            "item_code": record.item_code,
                            "item_name": record.item_name,
                            "holder": record.applicant.name,
                            "holder_id": record.applicant.id_number.as_str(),
                            "decided_on": record.case.decided_on.map(fmt_date),
                            "on_commitment": decision.is_some_and(|d| d.on_commitment),
                            "reason": decision.map(|d| d.reason.clone()).unwrap_or_default(),
                            "document_number": last_doc.as_ref().map(|d| d.number.clone()),
                            "valid_until": last_doc.as_ref().and_then(|d| d.valid_until).map(fmt_date),
                            "agency": issuer.agency,
                        });
                        self.push(
                            tx,
                            PushOf {
                                jurisdiction: &record.jurisdiction,
                                department: &record.supervising_department,
                                kind: *kind,
                                case_id: Some(record.id),
                                licence: licence.as_deref(),
                                event_seq: seq,
                                facts,
                                seal_holder: &issuer.seal_holder,
                            },
                            j,
                            at,
                        )
                        .await?;
                    }
                    Effect::OpenVerification { due } => {
                        let (Some(l), false) = (&licence, record.supervising_department.is_empty())
                        else {
                            continue;
                        };
                        tx.open_verification(&NewTask {
                            licence: l,
                            case_id: record.id,
                            jurisdiction: &record.jurisdiction,
                            department: &record.supervising_department,
                            holder_id: record.applicant.id_number.as_str(),
                            holder: &record.applicant.name,
                            item_name: &record.item_name,
                            due_on: *due,
                            at_ms: at.timestamp_millis(),
                        })
                        .await?;
                    }
                }
            }
        }
        Ok(())
    }

    /// The contents of a licence of the case (证照模板 filled from the application form, the
    /// decision and the catalog), empty when the item's result (in the version the case was
    /// received under) has no template. The signer is the official who decided the case as its
    /// events record them, or `signer` when given (a change decided later).
    pub(crate) async fn licence_contents(
        &self,
        tx: &mut WriteTx,
        record: &CaseRecord,
        j: &Jurisdiction,
        issuer: &Issuer,
        doc: &DocumentRecord,
        signer: Option<&str>,
    ) -> Result<Vec<LicenceEntry>> {
        let history = tx
            .item_history(&record.jurisdiction, &record.item_code)
            .await?;
        let Some(item) = history
            .into_iter()
            .find(|v| i64::from(v.version) == record.item_version)
            .map(|v| v.item)
        else {
            return Ok(vec![]);
        };
        let Some(template) = &item.result.template else {
            return Ok(vec![]);
        };
        let decider = match signer {
            Some(s) => s.to_string(),
            None => tx
                .case_events_in_tx(record.id)
                .await?
                .into_iter()
                .rev()
                .find(|e| matches!(e.action.as_str(), "decide" | "accept_on_commitment"))
                .map(|e| e.actor)
                .unwrap_or_default(),
        };
        let supervising = if record.supervising_department.is_empty() {
            String::new()
        } else {
            j.department_name_on(&record.supervising_department, doc.issued_on)
        };
        Ok(template::fill(
            template,
            &TemplateFacts {
                form: record.form.as_ref(),
                form_def: item.form.as_ref(),
                applicant_name: &record.applicant.name,
                applicant_id: record.applicant.id_number.as_str(),
                applicant_is_person: record.applicant.kind == SubjectKind::Person,
                identifier: doc.identifier.as_deref().unwrap_or_default(),
                issued_on: Some(doc.issued_on),
                valid_until: doc.valid_until,
                agency: &issuer.agency,
                signer: official_name(&decider),
                supervising_office: &supervising,
                item_phone: &item.phone,
            },
        ))
    }

    /// Enters the licence of a case in the register and returns its identifier (type code from the
    /// item, the issuer's credit code, the jurisdiction's next serial, version 1).
    async fn register_licence(
        &self,
        tx: &mut WriteTx,
        record: &CaseRecord,
        issuer: &Issuer,
        doc: &DocumentRecord,
        at: DateTime<Utc>,
    ) -> Result<String> {
        let serial = tx.next_licence_serial(&record.jurisdiction).await?;
        let identifier =
            yiyin_seal::licence::identifier(&record.item_code, &issuer.credit_code, serial, 1);
        tx.insert_licence(
            &NewLicence {
                identifier: identifier.clone(),
                case_id: record.id,
                jurisdiction: record.jurisdiction.clone(),
                item_code: record.item_code.clone(),
                name: record.result_name.clone(),
                holder: record.applicant.name.clone(),
                holder_id: record.applicant.id_number.clone(),
                issuer: issuer.agency.clone(),
                issuer_credit_code: issuer.credit_code.clone(),
                issued_on: doc.issued_on,
                valid_until: doc.valid_until,
                version: 1,
                supervising_department: record.supervising_department.clone(),
                risk: yiyin_domain::inspection::Risk::Medium,
            },
            at.timestamp_millis(),
        )
        .await?;
        Ok(identifier)
    }
}

/// An official's name as an event records its actor (张三（审批负责人） → 张三).
pub(crate) fn official_name(actor: &str) -> &str {
    actor.split(['（', '(']).next().unwrap_or(actor).trim()
}
