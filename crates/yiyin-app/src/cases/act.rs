//! Acting on a case: authorised by the account's duty (staff) or ownership (the applicant, who may
//! only supplement and withdraw), judged by the engine on the version read, written with its events,
//! documents and pushes in one transaction; and what time does by itself (deemed acceptance, Art.
//! 32(4); the warning of deferred materials not supplied, 容缺).

use chrono::{DateTime, Utc};
use serde_json::json;
use yiyin_domain::authz::{self, applicant_may};
use yiyin_domain::calendar::{fmt_date, local_date};
use yiyin_domain::engine::{Action, ApplicantFacts, Applied, DeemedAcceptance};
use yiyin_domain::party::Actor;
use yiyin_domain::supervision::{CreditKind, commitment_barred};
use yiyin_store::cases::CaseRecord;
use yiyin_store::credit::NewCredit;
use yiyin_store::events::NewEvent;

use super::Upload;
use crate::App;
use crate::error::{AppError, Result};
use crate::issue::Transition;
use crate::principal::Principal;

/// An action on a case, with the version read and the files it delivers.
#[derive(Debug, Clone)]
pub struct ActOn {
    pub case_id: i64,
    /// The version read (optimistic concurrency); None: the current one.
    pub version: Option<i64>,
    pub action: Action,
    /// Files of the materials a supplement delivers.
    pub uploads: Vec<Upload>,
}

/// The event of an applied action.
pub(crate) fn transition_of(action: &Action, applied: &Applied) -> Transition {
    let mut data = serde_json::to_value(action).unwrap_or_default();
    data["state"] = json!(applied.case.state.code());
    Transition {
        action: action.name().into(),
        reason: action.reason().to_string(),
        data,
        effects: applied.effects.clone(),
    }
}

fn deemed_transition(d: &DeemedAcceptance) -> Transition {
    Transition {
        action: "deemed_accept".into(),
        reason: d.reason(),
        data: json!({
            "accepted_on": fmt_date(d.accepted_on),
            "window_due": fmt_date(d.window_due),
            "state": "accepted",
        }),
        effects: d.effects(),
    }
}

impl App {
    /// What the engine must know of an applicant: whether an unrepaired credit record bars
    /// notify-and-commit.
    pub async fn applicant_facts(&self, holder_id: &str) -> Result<ApplicantFacts> {
        let unrepaired: Vec<(CreditKind, String)> = self
            .store
            .credit_records(holder_id)
            .await?
            .into_iter()
            .filter(|r| r.repaired_at.is_none())
            .map(|r| (r.kind, format!("{}，{}", r.source, r.reason)))
            .collect();
        Ok(ApplicantFacts {
            commitment_barred: commitment_barred(&unrepaired),
        })
    }

    /// Takes an action on a case now.
    #[tracing::instrument(skip_all, fields(case = input.case_id, action = input.action.name()))]
    pub async fn act(&self, who: &Principal, input: ActOn) -> Result<CaseRecord> {
        let current = self.store.case(input.case_id).await?;
        who.may_view(&current)?;
        if who.is_staff() {
            who.require(authz::operation_for(&input.action), &current.scope())?;
        } else if !applicant_may(&input.action) {
            return Err(AppError::Forbidden(format!(
                "申请人不能{}",
                input.action.label()
            )));
        }
        // An applicant's files are taken only for what is asked of them.
        let uploads = if who.is_staff() {
            input.uploads
        } else {
            let asked = current.case.asked_materials();
            input
                .uploads
                .into_iter()
                .filter(|u| asked.contains(&u.material))
                .collect()
        };
        let attachments = self.keep_uploads(&uploads).await?;
        let facts = if matches!(input.action, Action::AcceptOnCommitment { .. }) {
            self.applicant_facts(current.applicant.id_number.as_str())
                .await?
        } else {
            ApplicantFacts::default()
        };
        let actor = who.actor(&self.org());
        let at = self.now();
        let mut tx = self.store.begin_write().await?;
        let record = tx.case(input.case_id).await?;
        if let Some(v) = input.version
            && v != record.version
        {
            return Err(AppError::Conflict(format!(
                "办件{}已被他人更新（当前第{}版，您看到的是第{v}版），请刷新后重试",
                record.number, record.version
            )));
        }
        let calendar = self.calendar();
        let ctx = record.context(&calendar, &facts);
        let date = local_date(at);
        let mut transitions = Vec::new();
        let mut case = record.case.clone();
        if let Some((next, deemed)) = case.tick(date) {
            case = next;
            transitions.push(deemed_transition(&deemed));
        }
        let applied = case.apply(&ctx, date, &input.action)?;
        transitions.push(transition_of(&input.action, &applied));
        tx.attach(record.id, &attachments, &actor.name, at.timestamp_millis())
            .await?;
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
        tx.commit().await?;
        Ok(self.store.case(record.id).await?)
    }

    /// Applies what the passing of time does (deemed acceptance) to one case; None if nothing.
    pub async fn apply_time(&self, id: i64, at: DateTime<Utc>) -> Result<Option<CaseRecord>> {
        let mut tx = self.store.begin_write().await?;
        let record = tx.case(id).await?;
        let Some((next, deemed)) = record.case.tick(local_date(at)) else {
            return Ok(None);
        };
        let calendar = self.calendar();
        let facts = ApplicantFacts::default();
        let ctx = record.context(&calendar, &facts);
        let transitions = vec![deemed_transition(&deemed)];
        self.update_case(
            &mut tx,
            &record,
            &next,
            &ctx,
            &Actor::system(),
            at,
            transitions,
        )
        .await?;
        tx.commit().await?;
        Ok(Some(self.store.case(id).await?))
    }

    /// Deemed acceptance for every case whose intake window has passed (the background sweep). Safe
    /// on several servers at once: each case is written under its version, once.
    #[tracing::instrument(skip_all)]
    pub async fn sweep_intake(&self, at: DateTime<Utc>) -> Result<usize> {
        let mut done = 0;
        for id in self.store.cases_past_intake(local_date(at), 1000).await? {
            match self.apply_time(id, at).await {
                Ok(Some(_)) => done += 1,
                Ok(None) | Err(AppError::Conflict(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(done)
    }

    /// Deferred materials not supplied by their date (容缺): a warning on the case (an event) and on
    /// the applicant (a credit record that bars nothing), once per case and material. Returns how
    /// many warnings were written.
    #[tracing::instrument(skip_all)]
    pub async fn sweep_deferred(&self, at: DateTime<Utc>) -> Result<usize> {
        let today = local_date(at);
        let mut written = 0;
        for id in self.store.cases_with_late_deferrals(today, 500).await? {
            let record = self.store.case(id).await?;
            let late = record.case.deferred_warnings(&record.item, today);
            if late.is_empty() {
                continue;
            }
            let mut tx = self.store.begin_write().await?;
            let mut events = Vec::new();
            for (code, due, reason) in late {
                let source = format!("{}:{}", record.number, code);
                let new = tx
                    .add_credit(&NewCredit {
                        holder_id: record.applicant.id_number.as_str(),
                        holder: &record.applicant.name,
                        jurisdiction: &record.jurisdiction,
                        kind: CreditKind::DeferredOverdue,
                        reason: &reason,
                        source: &source,
                        at_ms: at.timestamp_millis(),
                    })
                    .await?;
                if new {
                    events.push(NewEvent::new(
                        &Actor::system(),
                        at,
                        &record.jurisdiction,
                        Some(id),
                        "deferred_overdue",
                        reason,
                        json!({"material": code, "due": fmt_date(due)}),
                    ));
                }
            }
            written += events.len();
            tx.append_events(&events).await?;
            tx.commit().await?;
        }
        Ok(written)
    }
}
