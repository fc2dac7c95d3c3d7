//! The life of a licence after the decision, persisted: applications for change (Art. 49) and
//! renewal (Art. 50) with their own clock and decision; revocation (Art. 69), cancellation
//! (Art. 70) and withdrawal (Art. 8) decided by the bureau; rescission recorded for an enforcement
//! body; expiry and deemed renewal applied by the sweep. Each act is judged by
//! `yiyin_domain::licence`, is an event in the chain, issues its sealed document, changes what
//! verification shows, and is pushed to the supervising department.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::{AnyConnection, Row};
use yiyin_domain::calendar::{fmt_date, parse_date};
use yiyin_domain::documents::{
    ActFacts, DocumentRecord, licence_act_document, licence_version_document,
};
use yiyin_domain::engine::{DocumentKind, Refusal};
use yiyin_domain::licence::{
    self as rules, ActKind, CancellationGround, LicenceStatus, RevocationGround, WithdrawalBasis,
};
use yiyin_domain::supervision::{DEFAULT_ACK_DAYS, PushKind};

use crate::cases::{
    Actor, CaseEnv, CaseRecord, Issuer, jurisdiction_in, local_date, local_time, store_document,
};
use crate::events::{self, NewEvent};
use crate::licences::{Licence, NewLicence, insert_licence, serial_and_version, set_status_in};
use crate::{Result, Store, StoreError};

/// Where an act stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActState {
    /// A revocation the bureau must decide (opened by a false commitment).
    Proposed,
    /// A change or renewal under review.
    Pending,
    Granted,
    Denied,
    /// Renewal deemed granted (Art. 50 para 2).
    Deemed,
    /// Done (revocation, cancellation, withdrawal, rescission, expiry).
    Done,
    /// The bureau decided not to revoke (serious harm to the public interest, or an optional ground).
    Declined,
}

impl ActState {
    pub fn code(self) -> &'static str {
        match self {
            ActState::Proposed => "proposed",
            ActState::Pending => "pending",
            ActState::Granted => "granted",
            ActState::Denied => "denied",
            ActState::Deemed => "deemed",
            ActState::Done => "done",
            ActState::Declined => "declined",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ActState::Proposed => "待决定",
            ActState::Pending => "审查中",
            ActState::Granted => "已准予",
            ActState::Denied => "不予准予",
            ActState::Deemed => "视为准予",
            ActState::Done => "已办结",
            ActState::Declined => "决定不予撤销",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [
            ActState::Proposed,
            ActState::Pending,
            ActState::Granted,
            ActState::Denied,
            ActState::Deemed,
            ActState::Done,
            ActState::Declined,
        ]
        .into_iter()
        .find(|a| a.code() == s)
    }

    /// Whether the act still waits for a decision.
    pub fn open(self) -> bool {
        matches!(self, ActState::Proposed | ActState::Pending)
    }
}

/// An act on a licence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LicenceAct {
    pub id: i64,
    pub licence: String,
    pub case_id: i64,
    pub jurisdiction: String,
    pub kind: ActKind,
    pub state: ActState,
    pub applied_on: String,
    /// The date by which the agency decides (a change: the item's limit; a renewal: the expiry).
    pub due_on: Option<String>,
    pub decided_on: Option<String>,
    /// Grounds, reasons, compensation, changes asked for.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub details: Value,
    /// The new version a granted change or renewal issued.
    pub new_licence: Option<String>,
    pub document_id: Option<i64>,
    pub created_by: String,
}

/// What is asked of a licence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActRequest {
    /// The licensee applies to change licensed matters (Art. 49).
    ApplyChange { changes: String },
    /// The licensee applies for renewal (Art. 50).
    ApplyRenewal,
    /// The bureau decides on a revocation (Art. 69); `revoke: false` records a decision not to.
    Revoke {
        ground: RevocationGround,
        reason: String,
        serious_public_harm: bool,
        revoke: bool,
    },
    /// The bureau cancels (注销, Art. 70).
    Cancel {
        ground: CancellationGround,
        reason: String,
    },
    /// The bureau withdraws for the public interest (撤回, Art. 8).
    Withdraw {
        basis: WithdrawalBasis,
        public_interest: String,
        compensation: String,
    },
    /// An enforcement body rescinded the certificate as a penalty (吊销), recorded here.
    Rescind {
        penalty_decision: String,
        authority: String,
        reason: String,
    },
}

const COLUMNS: &str = "id, licence, case_id, jurisdiction, kind, state, applied_on, due_on, decided_on, details, new_licence, document_id, created_by";

fn from_row(r: &sqlx::any::AnyRow) -> Result<LicenceAct> {
    let kind: String = r.try_get("kind")?;
    let state: String = r.try_get("state")?;
    Ok(LicenceAct {
        id: r.try_get("id")?,
        licence: r.try_get("licence")?,
        case_id: r.try_get("case_id")?,
        jurisdiction: r.try_get("jurisdiction")?,
        kind: ActKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("证照事项「{kind}」")))?,
        state: ActState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("证照事项状态「{state}」")))?,
        applied_on: r.try_get("applied_on")?,
        due_on: r.try_get("due_on")?,
        decided_on: r.try_get("decided_on")?,
        details: serde_json::from_str(&r.try_get::<String, _>("details")?)?,
        new_licence: r.try_get("new_licence")?,
        document_id: r.try_get("document_id")?,
        created_by: r.try_get("created_by")?,
    })
}

#[allow(clippy::too_many_arguments)]
async fn insert_act(
    tx: &mut AnyConnection,
    licence: &str,
    case_id: i64,
    jurisdiction: &str,
    kind: ActKind,
    state: ActState,
    applied_on: NaiveDate,
    due_on: Option<NaiveDate>,
    details: &Value,
    actor: &Actor,
    at: DateTime<Utc>,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO licence_acts (licence, case_id, jurisdiction, kind, state, applied_on, due_on, details, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(licence)
    .bind(case_id)
    .bind(jurisdiction)
    .bind(kind.code())
    .bind(state.code())
    .bind(fmt_date(applied_on))
    .bind(due_on.map(fmt_date))
    .bind(serde_json::to_string(details)?)
    .bind(&actor.name)
    .bind(at.timestamp_millis())
    .fetch_one(&mut *tx)
    .await?)
}

/// Opens the revocation the bureau must decide when a commitment was found false (inside the
/// caller's transaction).
pub(crate) async fn propose_revocation(
    tx: &mut AnyConnection,
    licence: &str,
    case_id: i64,
    jurisdiction: &str,
    reason: &str,
    actor: &Actor,
    at: DateTime<Utc>,
) -> Result<()> {
    // The licence may have been changed or renewed since it was granted: what is revoked is the
    // version in force.
    let in_force: Option<String> = sqlx::query_scalar(
        "SELECT identifier FROM licences WHERE case_id = $1 AND status = 'valid' ORDER BY version DESC LIMIT 1",
    )
    .bind(case_id)
    .fetch_optional(&mut *tx)
    .await?;
    let licence = in_force.as_deref().unwrap_or(licence);
    let open: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM licence_acts WHERE licence = $1 AND kind = 'revocation' AND state = 'proposed'",
    )
    .bind(licence)
    .fetch_optional(&mut *tx)
    .await?;
    if open.is_some() {
        return Ok(());
    }
    let id = insert_act(
        tx,
        licence,
        case_id,
        jurisdiction,
        ActKind::Revocation,
        ActState::Proposed,
        local_date(at),
        None,
        &json!({"ground": RevocationGround::Fraud.code(), "reason": reason}),
        actor,
        at,
    )
    .await?;
    events::append(
        tx,
        &[NewEvent {
            case_id: Some(case_id),
            jurisdiction: jurisdiction.into(),
            at,
            actor: actor.name.clone(),
            actor_account: actor.account,
            channel: actor.channel.code().into(),
            action: "revocation_proposed".into(),
            reason: format!(
                "提请撤销证照{licence}（被许可人以欺骗手段取得行政许可的，应当予以撤销，《行政许可法》第六十九条第二款）：{reason}"
            ),
            data: json!({"act": id, "licence": licence}),
        }],
    )
    .await?;
    Ok(())
}

/// What an act's transaction needs of the licence: its register entry, its case and its issuer.
struct Subject {
    licence: Licence,
    record: CaseRecord,
}

impl Store {
    async fn subject(&self, identifier: &str) -> Result<Subject> {
        let licence = self
            .licence(identifier)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("没有证照编号为「{identifier}」的证照")))?;
        let record = self.case(licence.case_id).await?;
        Ok(Subject { licence, record })
    }

    /// The acts on a licence, oldest first.
    pub async fn licence_acts(&self, identifier: &str) -> Result<Vec<LicenceAct>> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM licence_acts WHERE licence = $1 ORDER BY id"
        ))
        .bind(identifier)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(from_row)
        .collect()
    }

    pub async fn licence_act(&self, id: i64) -> Result<LicenceAct> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM licence_acts WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.reader())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("没有编号为{id}的证照事项")))?;
        from_row(&row)
    }

    /// A jurisdiction's acts waiting for a decision, by due date.
    pub async fn open_licence_acts(&self, jurisdiction: &str) -> Result<Vec<LicenceAct>> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM licence_acts WHERE jurisdiction = $1 AND state IN ('proposed', 'pending')
             ORDER BY CASE WHEN due_on IS NULL THEN 1 ELSE 0 END, due_on, id LIMIT 500"
        ))
        .bind(jurisdiction)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(from_row)
        .collect()
    }

    /// The licences of a holder, newest first.
    pub async fn licences_of_holder(&self, holder_id: &str) -> Result<Vec<Licence>> {
        self.licences_where("holder_id = $1", holder_id).await
    }

    /// Takes an act on a licence as of `at`. Refused acts change nothing and name the article.
    pub async fn act_on_licence(
        &self,
        identifier: &str,
        request: &ActRequest,
        actor: &Actor,
        at: DateTime<Utc>,
        env: &CaseEnv<'_>,
    ) -> Result<LicenceAct> {
        let Subject { licence, record } = self.subject(identifier).await?;
        let today = local_date(at);
        let status = licence.status_on(today);
        let refused = StoreError::Refused;
        let until = licence
            .valid_until
            .as_deref()
            .and_then(|d| parse_date(d).ok());
        let (kind, state, due, details, doc_kind): (
            ActKind,
            ActState,
            Option<NaiveDate>,
            Value,
            Option<DocumentKind>,
        ) = match request {
            ActRequest::ApplyChange { changes } => {
                rules::check_change(status).map_err(refused)?;
                if changes.trim().is_empty() {
                    return Err(StoreError::Rejected("请写明申请变更的事项".into()));
                }
                self.no_open_application(identifier).await?;
                let due = env.calendar.add(today, record.item.statutory_limit()).ok();
                (
                    ActKind::Change,
                    ActState::Pending,
                    due,
                    json!({"changes": changes.trim()}),
                    None,
                )
            }
            ActRequest::ApplyRenewal => {
                let by = rules::check_renewal(status, until, today).map_err(refused)?;
                self.no_open_application(identifier).await?;
                (
                    ActKind::Renewal,
                    ActState::Pending,
                    Some(by),
                    json!({}),
                    None,
                )
            }
            ActRequest::Revoke {
                ground,
                reason,
                serious_public_harm,
                revoke,
            } => {
                rules::check_revocation(status, *ground, *serious_public_harm, *revoke)
                    .map_err(refused)?;
                if reason.trim().is_empty() {
                    return Err(StoreError::Rejected(
                        "请写明撤销或不予撤销的事实和理由".into(),
                    ));
                }
                (
                    ActKind::Revocation,
                    if *revoke {
                        ActState::Done
                    } else {
                        ActState::Declined
                    },
                    None,
                    json!({"ground": ground.code(), "ground_label": ground.label(), "reason": reason.trim(),
                               "serious_public_harm": serious_public_harm, "consequence": revoke.then(|| ground.consequence())}),
                    revoke.then_some(DocumentKind::RevocationDecision),
                )
            }
            ActRequest::Cancel { ground, reason } => {
                let person = record.applicant.kind == crate::accounts::SubjectKind::Person;
                rules::check_cancellation(status, *ground, person).map_err(refused)?;
                (
                    ActKind::Cancellation,
                    ActState::Done,
                    None,
                    json!({"ground": ground.code(), "ground_label": ground.label(), "reason": reason.trim()}),
                    Some(DocumentKind::CancellationDecision),
                )
            }
            ActRequest::Withdraw {
                basis,
                public_interest,
                compensation,
            } => {
                rules::check_withdrawal(status, public_interest, compensation).map_err(refused)?;
                (
                    ActKind::Withdrawal,
                    ActState::Done,
                    None,
                    json!({"basis": basis.code(), "ground_label": basis.label(),
                               "public_interest": public_interest.trim(), "compensation": compensation.trim()}),
                    Some(DocumentKind::LicenceWithdrawalDecision),
                )
            }
            ActRequest::Rescind {
                penalty_decision,
                authority,
                reason,
            } => {
                rules::check_rescission(status, penalty_decision).map_err(refused)?;
                (
                    ActKind::Rescission,
                    ActState::Done,
                    None,
                    json!({"penalty_decision": penalty_decision.trim(), "authority": authority.trim(), "reason": reason.trim()}),
                    None,
                )
            }
        };
        let mut tx = self.begin_write().await?;
        // Someone else may have acted on the licence meanwhile: judge again on what is stored.
        let current: String =
            sqlx::query_scalar("SELECT status FROM licences WHERE identifier = $1")
                .bind(identifier)
                .fetch_one(&mut *tx)
                .await?;
        if current != licence.status.code() {
            return Err(StoreError::Conflict(
                "该证照刚被他人办理了其他事项，请刷新后重试".into(),
            ));
        }
        // A decision on a proposed revocation settles it.
        if kind == ActKind::Revocation {
            sqlx::query("UPDATE licence_acts SET state = $1, decided_on = $2 WHERE licence = $3 AND kind = 'revocation' AND state = 'proposed'")
                .bind(state.code())
                .bind(fmt_date(today))
                .bind(identifier)
                .execute(&mut *tx)
                .await?;
        }
        let id = insert_act(
            &mut tx,
            identifier,
            licence.case_id,
            &licence.jurisdiction,
            kind,
            state,
            today,
            due,
            &details,
            actor,
            at,
        )
        .await?;
        let new_status = match (kind, state) {
            (ActKind::Revocation, ActState::Done) => Some(LicenceStatus::Revoked),
            (ActKind::Cancellation, _) => Some(LicenceStatus::Cancelled),
            (ActKind::Withdrawal, _) => Some(LicenceStatus::Withdrawn),
            (ActKind::Rescission, _) => Some(LicenceStatus::Rescinded),
            _ => None,
        };
        if let Some(s) = new_status {
            set_status_in(&mut tx, identifier, s, at).await?;
        }
        let reason = act_reason(kind, state, &details);
        let seq = self
            .act_event(&mut tx, &licence, kind, id, &reason, actor, at)
            .await?;
        let document = match doc_kind {
            Some(k) => Some(
                self.issue_act_document(&mut tx, &licence, &record, k, id, &details, seq, at, env)
                    .await?,
            ),
            None => None,
        };
        if state != ActState::Pending && state != ActState::Declined {
            self.push_act(
                &mut tx,
                &licence,
                &record,
                kind,
                None,
                seq,
                &reason,
                document.as_ref(),
                at,
                env,
            )
            .await?;
        }
        if let Some((doc_id, _)) = &document {
            sqlx::query("UPDATE licence_acts SET document_id = $1, decided_on = $2 WHERE id = $3")
                .bind(doc_id)
                .bind(fmt_date(today))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        } else if !state.open() {
            sqlx::query("UPDATE licence_acts SET decided_on = $1 WHERE id = $2")
                .bind(fmt_date(today))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.licence_act(id).await
    }

    async fn no_open_application(&self, identifier: &str) -> Result<()> {
        let open: Option<String> = sqlx::query_scalar(
            "SELECT kind FROM licence_acts WHERE licence = $1 AND state = 'pending'",
        )
        .bind(identifier)
        .fetch_optional(self.reader())
        .await?;
        match open.and_then(|k| ActKind::parse(&k)) {
            Some(k) => Err(StoreError::Rejected(format!(
                "该证照已有正在审查的{}申请，请待其办结后再申请",
                k.label()
            ))),
            None => Ok(()),
        }
    }

    /// Decides a pending change or renewal: granted, a new version of the licence is issued (the old
    /// one is superseded); denied, a decision with reasons and the rights of appeal.
    #[allow(clippy::too_many_arguments)]
    pub async fn decide_licence_act(
        &self,
        act_id: i64,
        grant: bool,
        reason: &str,
        actor: &Actor,
        at: DateTime<Utc>,
        env: &CaseEnv<'_>,
    ) -> Result<LicenceAct> {
        self.settle_application(
            act_id,
            Some((grant, reason.trim().to_string())),
            actor,
            at,
            env,
        )
        .await
    }

    /// `decision`: Some((grant, reason)) decided by the bureau; None: deemed granted (Art. 50 para 2).
    async fn settle_application(
        &self,
        act_id: i64,
        decision: Option<(bool, String)>,
        actor: &Actor,
        at: DateTime<Utc>,
        env: &CaseEnv<'_>,
    ) -> Result<LicenceAct> {
        let act = self.licence_act(act_id).await?;
        if act.state != ActState::Pending || !matches!(act.kind, ActKind::Change | ActKind::Renewal)
        {
            return Err(StoreError::Rejected(format!(
                "该{}事项当前为“{}”，不能再作决定",
                act.kind.label(),
                act.state.label()
            )));
        }
        if let Some((false, reason)) = &decision
            && reason.is_empty()
        {
            return Err(StoreError::Rejected(
                "不予准予须说明理由（《行政许可法》第三十八条第二款）".into(),
            ));
        }
        let Subject { licence, record } = self.subject(&act.licence).await?;
        let today = local_date(at);
        let grant = decision.as_ref().is_none_or(|(g, _)| *g);
        let state = match &decision {
            None => ActState::Deemed,
            Some((true, _)) => ActState::Granted,
            Some((false, _)) => ActState::Denied,
        };
        // Only a licence still in force is changed or renewed; one revoked, cancelled, withdrawn or
        // rescinded meanwhile leaves the application to be denied.
        let in_force = if act.kind == ActKind::Change {
            licence.status_on(today)
        } else {
            licence.status
        };
        if grant && in_force != LicenceStatus::Valid {
            return Err(StoreError::Refused(Refusal {
                rule: "licence".into(),
                message: format!(
                    "证照当前状态为“{}”，不能准予{}，请作出不予准予的决定",
                    in_force.label(),
                    act.kind.label()
                ),
            }));
        }
        // Art. 50 para 2: undecided at the expiry, the renewal is deemed granted; the bureau can no
        // longer decide it (the sweep records it).
        if let (Some(_), ActKind::Renewal, LicenceStatus::Valid, Some(due)) = (
            &decision,
            act.kind,
            licence.status,
            act.due_on.as_deref().and_then(|d| parse_date(d).ok()),
        ) && rules::renewal_deemed(due, today)
        {
            return Err(StoreError::Refused(Refusal {
                rule: "AL-19".into(),
                message: format!(
                    "依据《行政许可法》第五十条第二款，行政机关应当在证照有效期届满（{}）前作出是否准予延续的决定；逾期未作决定的，视为准予延续，不能再作决定",
                    fmt_date(due)
                ),
            }));
        }
        let mut details = act.details.clone();
        details["decision_reason"] = json!(decision.as_ref().map(|(_, r)| r.clone()).unwrap_or_else(|| {
            format!(
                "本机关未在证照有效期届满（{}）前作出是否准予延续的决定，依据《行政许可法》第五十条第二款视为准予延续",
                act.due_on.clone().unwrap_or_default()
            )
        }));
        details["deemed"] = json!(decision.is_none());
        let mut tx = self.begin_write().await?;
        // Someone else may have acted on the licence meanwhile: judge again on what is stored.
        let current: String =
            sqlx::query_scalar("SELECT status FROM licences WHERE identifier = $1")
                .bind(&act.licence)
                .fetch_one(&mut *tx)
                .await?;
        if current != licence.status.code() {
            return Err(StoreError::Conflict(
                "该证照刚被他人办理了其他事项，请刷新后重试".into(),
            ));
        }
        let r = sqlx::query("UPDATE licence_acts SET state = $1, decided_on = $2, details = $3 WHERE id = $4 AND state = 'pending'")
            .bind(state.code())
            .bind(fmt_date(today))
            .bind(serde_json::to_string(&details)?)
            .bind(act_id)
            .execute(&mut *tx)
            .await?;
        if r.rows_affected() != 1 {
            return Err(StoreError::Conflict(
                "该事项已被他人办理，请刷新后重试".into(),
            ));
        }
        let reason = act_reason(act.kind, state, &details);
        let seq = self
            .act_event(&mut tx, &licence, act.kind, act_id, &reason, actor, at)
            .await?;
        let (document, new_identifier) = if grant {
            let (doc_id, doc, id) = self
                .issue_new_version(&mut tx, &licence, &record, &act, &details, seq, at, env)
                .await?;
            (Some((doc_id, doc)), Some(id))
        } else {
            let k = if act.kind == ActKind::Change {
                DocumentKind::ChangeDenial
            } else {
                DocumentKind::RenewalDenial
            };
            let d = self
                .issue_act_document(
                    &mut tx, &licence, &record, k, act_id, &details, seq, at, env,
                )
                .await?;
            (Some(d), None)
        };
        if let Some((doc_id, _)) = &document {
            sqlx::query("UPDATE licence_acts SET document_id = $1, new_licence = $2 WHERE id = $3")
                .bind(doc_id)
                .bind(&new_identifier)
                .bind(act_id)
                .execute(&mut *tx)
                .await?;
        }
        if grant {
            self.push_act(
                &mut tx,
                &licence,
                &record,
                act.kind,
                new_identifier.as_deref(),
                seq,
                &reason,
                document.as_ref(),
                at,
                env,
            )
            .await?;
        }
        tx.commit().await?;
        self.licence_act(act_id).await
    }

    /// What time does to licences, as of `at`: renewals undecided at expiry are deemed granted
    /// (Art. 50 para 2); licences past their end date without a renewal expire (and are pushed).
    /// Returns (deemed renewals, expiries). Safe on several servers: each is written once.
    pub async fn sweep_licences(
        &self,
        at: DateTime<Utc>,
        env: &CaseEnv<'_>,
    ) -> Result<(usize, usize)> {
        let today = local_date(at);
        let due: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM licence_acts WHERE kind = 'renewal' AND state = 'pending' AND due_on < $1
               AND licence IN (SELECT identifier FROM licences WHERE status = 'valid') ORDER BY id LIMIT 500",
        )
        .bind(fmt_date(today))
        .fetch_all(self.reader())
        .await?;
        let mut deemed = 0;
        for id in due {
            match self
                .settle_application(id, None, &Actor::system(), at, env)
                .await
            {
                Ok(_) => deemed += 1,
                Err(StoreError::Conflict(_) | StoreError::Rejected(_) | StoreError::Refused(_)) => {
                }
                Err(e) => return Err(e),
            }
        }
        let expired: Vec<String> = sqlx::query_scalar(
            "SELECT identifier FROM licences WHERE status = 'valid' AND valid_until IS NOT NULL AND valid_until < $1
               AND identifier NOT IN (SELECT licence FROM licence_acts WHERE kind = 'renewal' AND state = 'pending')
             ORDER BY id LIMIT 500",
        )
        .bind(fmt_date(today))
        .fetch_all(self.reader())
        .await?;
        let mut expiries = 0;
        for identifier in expired {
            let Subject { licence, record } = self.subject(&identifier).await?;
            let mut tx = self.begin_write().await?;
            let r = sqlx::query("UPDATE licences SET status = 'expired', updated_at = $1 WHERE identifier = $2 AND status = 'valid'")
                .bind(at.timestamp_millis())
                .bind(&identifier)
                .execute(&mut *tx)
                .await?;
            if r.rows_affected() != 1 {
                continue;
            }
            let details = json!({"valid_until": licence.valid_until});
            let id = insert_act(
                &mut tx,
                &identifier,
                licence.case_id,
                &licence.jurisdiction,
                ActKind::Expiry,
                ActState::Done,
                today,
                None,
                &details,
                &Actor::system(),
                at,
            )
            .await?;
            let reason = act_reason(ActKind::Expiry, ActState::Done, &details);
            let seq = self
                .act_event(
                    &mut tx,
                    &licence,
                    ActKind::Expiry,
                    id,
                    &reason,
                    &Actor::system(),
                    at,
                )
                .await?;
            self.push_act(
                &mut tx,
                &licence,
                &record,
                ActKind::Expiry,
                None,
                seq,
                &reason,
                None,
                at,
                env,
            )
            .await?;
            tx.commit().await?;
            expiries += 1;
        }
        Ok((deemed, expiries))
    }

    #[allow(clippy::too_many_arguments)]
    async fn act_event(
        &self,
        tx: &mut AnyConnection,
        licence: &Licence,
        kind: ActKind,
        act_id: i64,
        reason: &str,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<i64> {
        Ok(events::append(
            tx,
            &[NewEvent {
                case_id: Some(licence.case_id),
                jurisdiction: licence.jurisdiction.clone(),
                at,
                actor: actor.name.clone(),
                actor_account: actor.account,
                channel: actor.channel.code().into(),
                action: format!("licence_{}", kind.code()),
                reason: reason.to_string(),
                data: json!({"licence": licence.identifier, "act": act_id}),
            }],
        )
        .await?[0])
    }

    /// Composes, seals and stores the decision of an act. Returns (document id, document).
    #[allow(clippy::too_many_arguments)]
    async fn issue_act_document(
        &self,
        tx: &mut AnyConnection,
        licence: &Licence,
        record: &CaseRecord,
        kind: DocumentKind,
        act_id: i64,
        details: &Value,
        seq: i64,
        at: DateTime<Utc>,
        env: &CaseEnv<'_>,
    ) -> Result<(i64, DocumentRecord)> {
        let j = jurisdiction_in(tx, &record.jurisdiction).await?;
        let issuer = Issuer::of(&j, record);
        let text = |k: &str| details[k].as_str().unwrap_or_default().to_string();
        let reason = match kind {
            DocumentKind::LicenceWithdrawalDecision => text("public_interest"),
            DocumentKind::ChangeDenial | DocumentKind::RenewalDenial => text("decision_reason"),
            _ => text("reason"),
        };
        let consequence = match kind {
            DocumentKind::LicenceWithdrawalDecision => text("compensation"),
            _ => text("consequence"),
        };
        let doc = licence_act_document(
            &ActFacts {
                kind,
                agency: &issuer.agency,
                seal: &issuer.seal,
                number_prefix: &issuer.number_prefix,
                reconsideration_body: &issuer.reconsideration_body,
                court: &issuer.court,
                case_number: &record.number,
                holder: &licence.holder,
                item_name: &record.item_name,
                licence_name: &licence.name,
                licence: &licence.identifier,
                act_number: act_id,
                ground: &text("ground_label"),
                reason: &reason,
                consequence: &consequence,
            },
            local_date(at),
        );
        let seal = env
            .keyring
            .and_then(|k| k.for_holder(&record.jurisdiction, record.seal_holder()));
        let id = store_document(tx, record.id, seq, &doc, seal, &local_time(at), at).await?;
        Ok((id, doc))
    }

    /// Issues the new version of a licence for a granted (or deemed) change or renewal; the old one
    /// is superseded. Returns (document id, document, new identifier).
    #[allow(clippy::too_many_arguments)]
    async fn issue_new_version(
        &self,
        tx: &mut AnyConnection,
        licence: &Licence,
        record: &CaseRecord,
        act: &LicenceAct,
        details: &Value,
        seq: i64,
        at: DateTime<Utc>,
        env: &CaseEnv<'_>,
    ) -> Result<(i64, DocumentRecord, String)> {
        let j = jurisdiction_in(tx, &record.jurisdiction).await?;
        let issuer = Issuer::of(&j, record);
        let today = local_date(at);
        let (serial, version) = serial_and_version(&licence.identifier).ok_or_else(|| {
            StoreError::Corrupt(format!("证照编号「{}」无法解析", licence.identifier))
        })?;
        let identifier = yiyin_seal::licence::identifier(
            &licence.item_code,
            &licence.issuer_credit_code,
            serial,
            version + 1,
        );
        let old_until = licence
            .valid_until
            .as_deref()
            .and_then(|d| parse_date(d).ok());
        let (valid_until, note, superseded) = if act.kind == ActKind::Renewal {
            let years = record
                .validity_years
                .or_else(|| {
                    let from = parse_date(&licence.issued_on).ok()?;
                    let until = old_until?;
                    u32::try_from((until - from).num_days() / 365)
                        .ok()
                        .filter(|y| *y > 0)
                })
                .unwrap_or(1);
            let until = old_until.map(|u| rules::renewed_until(u, years));
            let note = if details["deemed"].as_bool() == Some(true) {
                "延续：依据《行政许可法》第五十条第二款视为准予延续".to_string()
            } else {
                "延续：准予延续有效期".to_string()
            };
            (until, note, LicenceStatus::Renewed)
        } else {
            (
                old_until,
                format!("变更：{}", details["changes"].as_str().unwrap_or_default()),
                LicenceStatus::Changed,
            )
        };
        insert_licence(
            tx,
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
                valid_until,
                version: i64::from(version) + 1,
                supervising_department: licence.supervising_department.clone(),
            },
            at,
        )
        .await?;
        set_status_in(tx, &licence.identifier, superseded, at).await?;
        let doc = licence_version_document(
            &licence.name,
            &licence.holder,
            &record.item_name,
            &record.number,
            &identifier,
            &licence.identifier,
            &note,
            valid_until,
            &issuer.agency,
            &issuer.seal,
            &issuer.number_prefix,
            act.id,
            today,
        );
        let seal = env
            .keyring
            .and_then(|k| k.for_holder(&record.jurisdiction, record.seal_holder()));
        let doc_id = store_document(tx, record.id, seq, &doc, seal, &local_time(at), at).await?;
        // The new version keeps the supervising department's risk grading of the licensee.
        sqlx::query("UPDATE licences SET document_id = $1, risk = $2 WHERE identifier = $3")
            .bind(doc_id)
            .bind(licence.risk.code())
            .bind(&identifier)
            .execute(&mut *tx)
            .await?;
        Ok((doc_id, doc, identifier))
    }

    /// Pushes an act to the supervising department.
    #[allow(clippy::too_many_arguments)]
    async fn push_act(
        &self,
        tx: &mut AnyConnection,
        licence: &Licence,
        record: &CaseRecord,
        kind: ActKind,
        new_licence: Option<&str>,
        seq: i64,
        reason: &str,
        document: Option<&(i64, DocumentRecord)>,
        at: DateTime<Utc>,
        env: &CaseEnv<'_>,
    ) -> Result<()> {
        let department = if licence.supervising_department.is_empty() {
            record.supervising_department.clone()
        } else {
            licence.supervising_department.clone()
        };
        if department.is_empty() {
            return Ok(());
        }
        let j = jurisdiction_in(tx, &record.jurisdiction).await?;
        let seal = env
            .keyring
            .and_then(|k| k.for_holder(&record.jurisdiction, record.seal_holder()));
        crate::supervision::enqueue(
            tx,
            crate::supervision::NewPush {
                jurisdiction: licence.jurisdiction.clone(),
                department,
                kind: PushKind::from(kind),
                case_id: Some(licence.case_id),
                licence: Some(licence.identifier.clone()),
                event_seq: seq,
                facts: json!({
                    "case_number": record.number,
                    "item_code": record.item_code,
                    "item_name": record.item_name,
                    "holder": licence.holder,
                    "holder_id": licence.holder_id,
                    "new_licence": new_licence,
                    "reason": reason,
                    "document_number": document.map(|(_, d)| d.number.clone()),
                    "valid_until": document.and_then(|(_, d)| d.valid_until).map(fmt_date),
                }),
                at,
                ack_due: env
                    .calendar
                    .add(local_date(at), j.push_ack_days.unwrap_or(DEFAULT_ACK_DAYS))
                    .ok(),
            },
            seal,
        )
        .await
    }

    async fn licences_where(&self, clause: &str, value: &str) -> Result<Vec<Licence>> {
        let ids: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT identifier FROM licences WHERE {clause} ORDER BY id DESC LIMIT 500"
        ))
        .bind(value)
        .fetch_all(self.reader())
        .await?;
        let mut out = Vec::new();
        for id in ids {
            if let Some(l) = self.licence(&id).await? {
                out.push(l);
            }
        }
        Ok(out)
    }
}

/// The event's reason for an act, in Chinese.
fn act_reason(kind: ActKind, state: ActState, details: &Value) -> String {
    let t = |k: &str| details[k].as_str().unwrap_or_default();
    match (kind, state) {
        (ActKind::Change, ActState::Pending) => format!("申请变更：{}", t("changes")),
        (ActKind::Renewal, ActState::Pending) => "申请延续有效期（《行政许可法》第五十条）".into(),
        (ActKind::Change | ActKind::Renewal, ActState::Granted) => {
            format!("准予{}：{}", kind.label(), t("decision_reason"))
        }
        (ActKind::Renewal, ActState::Deemed) => t("decision_reason").to_string(),
        (_, ActState::Denied) => format!("不予{}：{}", kind.label(), t("decision_reason")),
        (ActKind::Revocation, ActState::Declined) => {
            format!("决定不予撤销（{}）：{}", t("ground_label"), t("reason"))
        }
        (ActKind::Revocation, _) => {
            format!("撤销行政许可（{}）：{}", t("ground_label"), t("reason"))
        }
        (ActKind::Cancellation, _) => {
            format!("注销行政许可（{}）：{}", t("ground_label"), t("reason"))
        }
        (ActKind::Withdrawal, _) => format!(
            "撤回行政许可（{}，公共利益：{}；补偿：{}）",
            t("ground_label"),
            t("public_interest"),
            t("compensation")
        ),
        (ActKind::Rescission, _) => format!(
            "{}吊销行政许可证件（{}）：{}",
            t("authority"),
            t("penalty_decision"),
            t("reason")
        ),
        (ActKind::Expiry, _) => format!(
            "证照有效期已于{}届满，未延续",
            details["valid_until"].as_str().unwrap_or_default()
        ),
        (k, s) => format!("{}：{}", k.label(), s.label()),
    }
}
