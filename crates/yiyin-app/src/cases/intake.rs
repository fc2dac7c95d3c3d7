//! Receiving an application (收件), at a window or online, with the window's Art. 32 outcome taken in
//! the same write and the files uploaded with it: nothing is kept unless all of it is.

use chrono::Datelike;
use serde_json::json;
use yiyin_domain::authz::{Operation, Scope};
use yiyin_domain::calendar::local_date;
use yiyin_domain::catalog::{self, HandlingClass, Item};
use yiyin_domain::engine::{
    ApplicantFacts, Case, Context, IntakeOutcome, ItemRules, check_attestation,
};
use yiyin_domain::identity;
use yiyin_domain::org::Organisation;
use yiyin_domain::party::Applicant;
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
        let (applicant, unit, channel_online) = if who.is_staff() {
            let scope = item_scope(&self.org(), &input.jurisdiction, item);
            who.require(Operation::Receive, &scope)?;
            // An outcome taken with the receipt is the intake's (an item township centres only
            // receive is accepted by the bureau).
            if !matches!(input.outcome, IntakeOutcome::Receive) {
                who.require(Operation::Intake, &scope)?;
            }
            let applicant = input
                .applicant
                .clone()
                .ok_or_else(|| AppError::field("applicant", "窗口收件须填写申请人信息"))?;
            let unit = who
                .account
                .grants
                .iter()
                .find(|g| g.jurisdiction == input.jurisdiction && g.role == Role::WindowClerk)
                .and_then(|g| g.unit.clone())
                .unwrap_or_default();
            (applicant, unit, false)
        } else {
            check_attestation(input.attested)?;
            let a = &who.account;
            let id = a.id_number.clone().ok_or_else(|| {
                AppError::Forbidden("该账号没有登记证件号码，不能网上申请".into())
            })?;
            (
                Applicant::new(&a.name, id, &a.phone, Some(a.id)),
                String::new(),
                true,
            )
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
        let mut materials = input.materials.clone();
        for code in &materials {
            if item.material(code).is_none() {
                return Err(AppError::field(
                    "materials",
                    format!("材料编码「{code}」不在“{}”公布的申请材料目录中", item.name),
                ));
            }
        }
        // Online, a material is provided by its file.
        let uploads: Vec<Upload> = input
            .uploads
            .into_iter()
            .filter(|u| item.material(&u.material).is_some())
            .collect();
        if channel_online {
            materials.extend(uploads.iter().map(|u| u.material.clone()));
        }
        materials.sort();
        materials.dedup();
        // Materials marked 部门共享 or 证照库 are fetched, not asked for (免提交).
        let fetches = self
            .fetch_materials(item, &applicant.id_number, &materials)
            .await;
        let attachments = self.keep_uploads(&uploads).await?;

        let rules = ItemRules::from(item);
        let calendar = self.calendar();
        let facts = ApplicantFacts::default();
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
        // The outcome is judged before anything is written: refused, nothing is kept.
        let outcome = match input.outcome.action(&rules, &provided) {
            Some(action) => {
                let applied = received
                    .case
                    .apply(&ctx, date, &action)
                    .map_err(|e| crate::sharing::explain(e.into(), &fetches))?;
                Some((action, applied))
            }
            None => None,
        };
        let body = CaseBody {
            case: received.case.clone(),
            item: rules.clone(),
            result_name: item.result.name.clone(),
            validity_years: item.result.validity_years,
            form,
        };
        // Receiving and the intake outcome taken with it are the window's acts.
        let actor = who.actor_at(&self.org(), true);
        let mut tx = self.store.begin_write().await?;
        let j = tx.jurisdiction(&input.jurisdiction).await?;
        let year = date.year();
        let seq = tx.next_case_number(&j.code, year).await?;
        let prefix = if j.case_prefix.is_empty() {
            j.code.to_uppercase()
        } else {
            j.case_prefix.clone()
        };
        let number = format!("{prefix}{year}{seq:06}");
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
            }),
            effects: received.effects,
        };
        let mut transitions = vec![receipt];
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
        if let Some((action, applied)) = outcome {
            let transitions = vec![super::act::transition_of(&action, &applied)];
            self.update_case(
                &mut tx,
                &record,
                &applied.case,
                &ctx,
                &actor,
                at,
                transitions,
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
