//! Answering reconsideration and litigation against the bureau's decisions (行政复议答复、行政诉讼应诉;
//! 汉阴: 配合省市建立健全行政复议应诉工作机制): the register of a jurisdiction with each entry's reply
//! deadline and its warning (due within 3 working days, overdue), registering a challenge, filing
//! the reply, recording the outcome — an outcome that revokes the decision revokes the licence
//! through the licence acts (`crate::licences`, with its sealed decision and push) — and the case's
//! archive package as the file for the reviewing body or court. The rules are
//! `yiyin_domain::redress`'s; every act is an audited event (of the case when the entry names one).
//! Who may: the operation `AnswerChallenges` (the bureau head) in the jurisdiction.

use serde::Serialize;
use serde_json::json;
use yiyin_domain::authz::Operation;
use yiyin_domain::calendar::fmt_date;
use yiyin_domain::licence::{ActRequest, LicenceStatus, RevocationGround};
use yiyin_domain::redress::{
    self, EntryFacts, LicenceEffect, RedressError, RegisterFacts, RegisterRequest, Urgency,
};
use yiyin_store::cases::CaseRecord;
use yiyin_store::events::NewEvent;
use yiyin_store::redress::{NewRedress, RedressEntry};
use yiyin_store::{Conflict, StoreError};

use crate::App;
use crate::error::{AppError, Result};
use crate::principal::Principal;

/// The event of a registration.
pub const REGISTER: &str = "register_redress";
/// The event of the reply filed.
pub const REPLY: &str = "file_redress_reply";
/// The event of the outcome recorded.
pub const OUTCOME: &str = "record_redress_outcome";
/// The event of the file (the case's archive package) taken for the reviewing body or court.
pub const FILE: &str = "download_redress_file";

impl From<RedressError> for AppError {
    fn from(e: RedressError) -> Self {
        match e {
            RedressError::Field { field, message } => AppError::field(field, message),
            RedressError::Refused(r) => AppError::Refused(r),
        }
    }
}

/// A register entry as shown, with its words and its warning.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RedressView {
    pub entry: RedressEntry,
    /// 行政复议 or 行政诉讼.
    pub kind_label: String,
    pub state_label: String,
    pub counting_label: String,
    /// 书面答复 or 答辩状.
    pub reply_word: String,
    /// The challenged case's number, if known.
    pub case_number: Option<String>,
    /// The responsible staff member's name.
    pub responsible_name: String,
    pub urgency: Urgency,
    pub urgency_label: String,
    /// The deadline's warning in words (empty once replied).
    pub warning: String,
    pub outcome_label: Option<String>,
    /// The outcome's legal basis.
    pub outcome_basis: Option<String>,
    /// Whether the case's archive package can be taken as the file (the case is closed).
    pub file_ready: bool,
}

/// The register of a jurisdiction.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RedressRegister {
    pub jurisdiction: String,
    pub entries: Vec<RedressView>,
    /// How many unanswered entries are due within 3 working days.
    pub due_soon: usize,
    /// How many unanswered entries are past their due date.
    pub overdue: usize,
}

/// The outcome of an entry as submitted.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutcomeRequest {
    /// upheld | changed | revoked | confirmed_illegal | redo | dismissed | withdrawn (or the Chinese
    /// word).
    pub outcome: String,
    /// The day the reviewing body or court decided (YYYY-MM-DD).
    pub decided_on: String,
}

/// The reply filed on an entry.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReplyRequest {
    /// The day the reply was filed (YYYY-MM-DD; empty: today).
    #[serde(default)]
    pub replied_on: String,
}

impl App {
    /// An entry, for the holder of the operation in its jurisdiction.
    async fn redress_for(&self, who: &Principal, id: i64) -> Result<RedressEntry> {
        let entry =
            self.store.redress(id).await?.ok_or_else(|| {
                AppError::NotFound(format!("没有编号为{id}的行政复议或行政诉讼登记"))
            })?;
        who.require_in(Operation::AnswerChallenges, &entry.jurisdiction)?;
        Ok(entry)
    }

    async fn redress_view(&self, entry: RedressEntry) -> Result<RedressView> {
        let calendar = self.calendar();
        let (urgency, warning) =
            redress::urgency(entry.state, entry.reply_due, self.today(), &calendar)?;
        let case = match entry.case_id {
            Some(id) => Some(self.store.case(id).await?),
            None => None,
        };
        let responsible_name = self.store.account(entry.responsible).await?.name;
        Ok(RedressView {
            kind_label: entry.kind.label().into(),
            state_label: entry.state.label().into(),
            counting_label: entry.counting_rule.label().into(),
            reply_word: entry.kind.reply_word().into(),
            case_number: case.as_ref().map(|c| c.number.clone()),
            responsible_name,
            urgency,
            urgency_label: urgency.label().into(),
            warning,
            outcome_label: entry.outcome.map(|o| o.label().to_string()),
            outcome_basis: entry.outcome.map(|o| o.basis(entry.kind).to_string()),
            file_ready: case.is_some_and(|c| c.case.is_closed()),
            entry,
        })
    }

    /// One entry with its deadline and warning.
    pub async fn redress_entry(&self, who: &Principal, id: i64) -> Result<RedressView> {
        let entry = self.redress_for(who, id).await?;
        self.redress_view(entry).await
    }

    /// The register of a jurisdiction: open entries by due date with their warnings, then the
    /// concluded ones.
    pub async fn redress_register(
        &self,
        who: &Principal,
        jurisdiction: &str,
    ) -> Result<RedressRegister> {
        who.require_in(Operation::AnswerChallenges, jurisdiction)?;
        let mut entries = Vec::new();
        for e in self.store.redress_register(jurisdiction).await? {
            entries.push(self.redress_view(e).await?);
        }
        let count = |u: Urgency| entries.iter().filter(|e| e.urgency == u).count();
        Ok(RedressRegister {
            jurisdiction: jurisdiction.to_string(),
            due_soon: count(Urgency::DueSoon),
            overdue: count(Urgency::Overdue),
            entries,
        })
    }

    /// The challenged case and licence a registration names: by licence, by case number, or both
    /// when they agree; each of the jurisdiction.
    async fn challenged(
        &self,
        jurisdiction: &str,
        req: &RegisterRequest,
    ) -> Result<(CaseRecord, String)> {
        let number = req.case_number.trim();
        let identifier = req.licence.trim();
        let by_number = if number.is_empty() {
            None
        } else {
            Some(
                self.store
                    .case_by_number(number)
                    .await?
                    .filter(|c| c.jurisdiction == jurisdiction)
                    .ok_or_else(|| {
                        AppError::field(
                            "case_number",
                            format!("本县区没有编号为「{number}」的办件"),
                        )
                    })?,
            )
        };
        if identifier.is_empty() {
            let Some(record) = by_number else {
                return Err(AppError::field(
                    "case_number",
                    "请填写被申请复议或被起诉的许可决定所属的办件编号或证照编号",
                ));
            };
            let licence = self
                .store
                .licence_of_case(record.id)
                .await?
                .map(|l| l.identifier)
                .unwrap_or_default();
            return Ok((record, licence));
        }
        let licence = self
            .store
            .licence(identifier)
            .await?
            .filter(|l| l.jurisdiction == jurisdiction)
            .ok_or_else(|| {
                AppError::field("licence", format!("本县区没有编号为「{identifier}」的证照"))
            })?;
        if let Some(record) = &by_number
            && record.id != licence.case_id
        {
            return Err(AppError::field(
                "licence",
                format!(
                    "证照「{identifier}」不是办件{}颁发的，请核对办件编号和证照编号",
                    record.number
                ),
            ));
        }
        let record = match by_number {
            Some(r) => r,
            None => self.store.case(licence.case_id).await?,
        };
        Ok((record, licence.identifier))
    }

    /// Registers a reconsideration or lawsuit: the challenged case (and its licence), the reply
    /// deadline counted by the kind's statutory rule (kept with the entry), the responsible staff.
    #[tracing::instrument(skip_all, fields(jurisdiction))]
    pub async fn register_redress(
        &self,
        who: &Principal,
        jurisdiction: &str,
        req: &RegisterRequest,
    ) -> Result<RedressView> {
        who.require_in(Operation::AnswerChallenges, jurisdiction)?;
        let (record, licence) = self.challenged(jurisdiction, req).await?;
        // The register is of the bureau's own decisions: the case must be within the head's scope
        // (not a resident department's item, whose department answers for it).
        who.require(Operation::AnswerChallenges, &self.case_scope(&record))?;
        let responsible = match self.store.account(req.responsible).await {
            Ok(a) => Some(a),
            Err(StoreError::NotFound(_)) => None,
            Err(e) => return Err(e.into()),
        }
        .filter(|a| {
            a.is_staff() && a.active && a.grants.iter().any(|g| g.jurisdiction == jurisdiction)
        });
        let Some(responsible) = responsible else {
            return Err(AppError::field(
                "responsible",
                "请选择本县区的一名工作人员作为承办人",
            ));
        };
        let at = self.now();
        let facts = RegisterFacts {
            decided_on: record.case.decided_on,
            today: self.today(),
        };
        let r = redress::check_registration(req, &facts, &self.calendar())?;
        let mut tx = self.store.begin_write().await?;
        let id = tx
            .insert_redress(&NewRedress {
                jurisdiction,
                kind: r.kind,
                case_id: Some(record.id),
                licence: &licence,
                applicant: &r.applicant,
                body: &r.body,
                file_number: &r.file_number,
                received_on: r.received_on,
                counting_rule: r.rule.counting,
                period_days: i64::from(r.rule.days),
                basis: &r.rule.basis,
                reply_due: r.deadline.due,
                explanation: &r.deadline.explanation,
                responsible: responsible.id,
                notes: &r.notes,
                registered_by: who.account.id,
                registered_at: at.timestamp_millis(),
            })
            .await
            .map_err(|e| match e {
                StoreError::Conflict(Conflict::Taken { value, .. }) => {
                    AppError::Conflict(format!("{}案号「{value}」已经登记，不能重复登记", r.body))
                }
                e => e.into(),
            })?;
        let reason = format!(
            "登记{}：{}{}，{}{}，本局于{}收到{}，{}期限{}，承办人{}",
            r.kind.label(),
            r.body,
            r.file_number,
            r.kind.challenger_word(),
            r.applicant,
            fmt_date(r.received_on),
            r.kind.copy_word(),
            r.kind.reply_word(),
            fmt_date(r.deadline.due),
            responsible.name
        );
        let event = NewEvent::new(
            &who.actor(&self.org()),
            at,
            jurisdiction,
            Some(record.id),
            REGISTER,
            reason,
            json!({
                "redress": id,
                "kind": r.kind.code(),
                "body": r.body,
                "file_number": r.file_number,
                "received_on": fmt_date(r.received_on),
                "counting_rule": r.rule.counting.code(),
                "period_days": r.rule.days,
                "reply_due": fmt_date(r.deadline.due),
                "responsible": responsible.id,
                "licence": licence,
            }),
        );
        tx.append_events(&[event]).await?;
        tx.commit().await?;
        self.redress_entry(who, id).await
    }

    fn entry_facts(&self, e: &RedressEntry) -> EntryFacts {
        EntryFacts {
            kind: e.kind,
            state: e.state,
            received_on: e.received_on,
            due: e.reply_due,
            today: self.today(),
        }
    }

    /// Records the reply (书面答复 or 答辩状) filed on `replied_on` (empty: today); one filed after
    /// its deadline is recorded as late.
    #[tracing::instrument(skip_all, fields(redress = id))]
    pub async fn file_redress_reply(
        &self,
        who: &Principal,
        id: i64,
        req: &ReplyRequest,
    ) -> Result<RedressView> {
        let entry = self.redress_for(who, id).await?;
        let (replied_on, late) = redress::check_reply(&self.entry_facts(&entry), &req.replied_on)?;
        let at = self.now();
        let mut tx = self.store.begin_write().await?;
        tx.record_redress_reply(id, replied_on, late).await?;
        let reason = format!(
            "{}{}：{}已提交{}{}",
            entry.body,
            entry.file_number,
            fmt_date(replied_on),
            entry.kind.reply_word(),
            if late {
                format!("（已超过期限{}）", fmt_date(entry.reply_due))
            } else {
                String::new()
            }
        );
        let event = NewEvent::new(
            &who.actor(&self.org()),
            at,
            &entry.jurisdiction,
            entry.case_id,
            REPLY,
            reason,
            json!({"redress": id, "replied_on": fmt_date(replied_on), "late": late}),
        );
        tx.append_events(&[event]).await?;
        tx.commit().await?;
        self.redress_entry(who, id).await
    }

    /// Records the outcome and carries out its effect on the licence: a revoked decision (also
    /// revoked with an order to redo) revokes the licence still in force through the licence acts
    /// (its sealed decision and push), under 《行政许可法》第六十九条's "other lawful grounds"
    /// with the reviewing body's or court's decision as the reason; a changed one is recorded for
    /// a change of the licence; the others leave it. A refused outcome changes nothing.
    ///
    /// The revocation is its own transaction (the licence acts' one use case) and comes first: if
    /// it is refused, no outcome is recorded; the outcome's record then names the act.
    #[tracing::instrument(skip_all, fields(redress = id))]
    pub async fn record_redress_outcome(
        &self,
        who: &Principal,
        id: i64,
        req: &OutcomeRequest,
    ) -> Result<RedressView> {
        let entry = self.redress_for(who, id).await?;
        let (outcome, decided_on) =
            redress::check_outcome(&self.entry_facts(&entry), &req.outcome, &req.decided_on)?;
        let mut act_id = None;
        let effect = match (outcome.licence_effect(), entry.licence.is_empty()) {
            (_, true) => "未关联证照".to_string(),
            (LicenceEffect::Revoke, false) => {
                let (licence, _) = self.licence_and_case(&entry.licence).await?;
                let status = licence.status_on(self.today());
                if status == LicenceStatus::Valid {
                    let reason = format!(
                        "{}就{}案（{}）{}{}原许可决定（{}），依法撤销本证照",
                        entry.body,
                        entry.kind.label(),
                        entry.file_number,
                        if entry.kind == redress::RedressKind::Litigation {
                            "判决"
                        } else {
                            "决定"
                        },
                        outcome.label(),
                        outcome.basis(entry.kind)
                    );
                    let act = self
                        .act_on_licence(
                            who,
                            &entry.licence,
                            &ActRequest::Revoke {
                                ground: RevocationGround::OtherLegal,
                                reason,
                                serious_public_harm: false,
                                revoke: true,
                            },
                        )
                        .await?;
                    act_id = Some(act.id);
                    format!("{}；证照{}已撤销", outcome.effect_words(), entry.licence)
                } else {
                    format!(
                        "{}；证照{}已处于“{}”状态，无需再撤销",
                        outcome.effect_words(),
                        entry.licence,
                        status.label()
                    )
                }
            }
            (_, false) => outcome.effect_words().to_string(),
        };
        let at = self.now();
        let mut tx = self.store.begin_write().await?;
        tx.record_redress_outcome(id, outcome, decided_on, &effect, act_id)
            .await?;
        let reason = format!(
            "{}{}{}结果：{}（{}，{}）；{}",
            entry.body,
            entry.file_number,
            entry.kind.label(),
            outcome.label(),
            fmt_date(decided_on),
            outcome.basis(entry.kind),
            effect
        );
        let event = NewEvent::new(
            &who.actor(&self.org()),
            at,
            &entry.jurisdiction,
            entry.case_id,
            OUTCOME,
            reason,
            json!({
                "redress": id,
                "outcome": outcome.code(),
                "decided_on": fmt_date(decided_on),
                "licence": entry.licence,
                "licence_act": act_id,
            }),
        );
        tx.append_events(&[event]).await?;
        tx.commit().await?;
        self.redress_entry(who, id).await
    }

    /// The file for the reviewing body or court: the challenged case's archive package (its
    /// record, sealed documents, materials and events), taken with one click. The taking is an
    /// audited event.
    #[tracing::instrument(skip_all, fields(redress = id))]
    pub async fn redress_file(&self, who: &Principal, id: i64) -> Result<(String, Vec<u8>)> {
        let entry = self.redress_for(who, id).await?;
        let Some(case_id) = entry.case_id else {
            return Err(AppError::NotFound(
                "该登记未关联办件，没有可提取的电子档案".into(),
            ));
        };
        let (name, bytes) = self.package_of(case_id).await?;
        let mut tx = self.store.begin_write().await?;
        let event = NewEvent::new(
            &who.actor(&self.org()),
            self.now(),
            &entry.jurisdiction,
            Some(case_id),
            FILE,
            format!(
                "为{}{}{}提取办件电子档案包作为答复材料",
                entry.body,
                entry.file_number,
                entry.kind.label()
            ),
            json!({"redress": id, "file": name}),
        );
        tx.append_events(&[event]).await?;
        tx.commit().await?;
        Ok((format!("{}-{name}", entry.kind.label()), bytes))
    }

    /// The staff of a jurisdiction who may be named responsible, as (account id, name), for the
    /// register's form.
    pub async fn redress_staff(
        &self,
        who: &Principal,
        jurisdiction: &str,
    ) -> Result<Vec<(i64, String)>> {
        who.require_in(Operation::AnswerChallenges, jurisdiction)?;
        Ok(self
            .store
            .staff_in(jurisdiction)
            .await?
            .into_iter()
            .filter(|a| a.is_staff() && a.active)
            .map(|a| (a.id, a.name))
            .collect())
    }
}
