//! Acting on a case: authorised by the account's duty (staff) or ownership (the applicant, who may
//! only supplement, ask for a hearing and withdraw), judged by the engine on the version read,
//! written with its events, documents and pushes in one transaction; and what time does by itself
//! (deemed acceptance, Art. 32(4); the warning of deferred materials not supplied, 容缺).

use chrono::{DateTime, Utc};
use serde_json::json;
use yiyin_domain::authz::{self, applicant_may};
use yiyin_domain::calendar::{fmt_date, local_date};
use yiyin_domain::engine::{Action, ApplicantFacts, Applied, DeemedAcceptance, Participant};
use yiyin_domain::party::Actor;
use yiyin_domain::supervision::{CreditKind, commitment_barred};
use yiyin_domain::text::{self, TextKind};
use yiyin_store::cases::CaseRecord;
use yiyin_store::credit::NewCredit;
use yiyin_store::events::NewEvent;

use super::Upload;
use crate::App;
use crate::error::{AppError, Result};
use crate::issue::Transition;
use crate::principal::Principal;
use yiyin_domain::catalog::StepKind;
use yiyin_store::accounts::Account;

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
    let mut reason = action.reason().to_string();
    if matches!(action, Action::Accept) && !applied.case.not_requested.is_empty() {
        data["not_requested"] = json!(applied.case.not_requested);
        reason = format!(
            "申请人已按一次性告知提交全部补正材料，依据《行政许可法》第三十二条第一款第（五）项予以受理；补正告知未要求的材料 {} 不影响受理（未告知的责任在本机关，第七十二条第（四）项）",
            applied.case.not_requested.join("、")
        );
    }
    if let Action::CompleteStep { kind, staff, .. } = action
        && !staff.is_empty()
    {
        reason = format!(
            "{}：{}{}",
            if *kind == StepKind::Hearing {
                "听证主持人"
            } else {
                "办理人"
            },
            staff.join("、"),
            if reason.is_empty() {
                String::new()
            } else {
                format!("。{reason}")
            }
        );
    }
    if let Some(h) = applied.case.hearing.as_ref() {
        match action {
            Action::ScheduleHearing { .. } => {
                reason = format!(
                    "听证定于 {}，地点：{}，主持人：{}",
                    h.date.map(fmt_date).unwrap_or_default(),
                    if h.place.is_empty() {
                        "本机关听证室"
                    } else {
                        &h.place
                    },
                    h.presiding
                );
            }
            Action::DecideRecusal { granted, .. } => {
                reason = if *granted {
                    format!("准予回避，改由 {} 主持听证。{reason}", h.presiding)
                } else {
                    format!("驳回回避申请：{reason}")
                };
            }
            Action::HoldHearing { .. } => {
                let people: Vec<String> = h
                    .participants
                    .iter()
                    .map(|p| {
                        format!(
                            "{}（{}，{}）",
                            p.name,
                            p.role,
                            if p.signed {
                                "已签字".to_string()
                            } else if p.refusal.is_empty() {
                                "待签字".to_string()
                            } else {
                                format!("拒绝签字：{}", p.refusal)
                            }
                        )
                    })
                    .collect();
                reason = format!(
                    "主持人：{}；听证参加人：{}。{reason}",
                    h.presiding,
                    people.join("、")
                );
            }
            Action::ConfirmHearingRecord { name, signed, .. } => {
                reason = if *signed {
                    format!("{name} 确认听证笔录无误并签字")
                } else {
                    format!("{name} 拒绝签字，记录在案：{reason}")
                };
            }
            Action::Decide { .. } if h.held_on.is_some() => {
                data["hearing_record"] = json!(h.held_on.map(fmt_date));
                reason = format!(
                    "{reason}（根据 {} 听证笔录作出，《行政许可法》第四十八条第二款）",
                    h.held_on.map(fmt_date).unwrap_or_default()
                );
            }
            _ => {}
        }
    }
    if let Action::ConfirmVerification { staff, .. } = action {
        reason = format!("第二名核查人员 {staff} 确认核查（《行政许可法》第三十四条第三款）");
    }
    Transition {
        action: action.name().into(),
        reason,
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

/// How a staff account signs the steps it does: its name and its (unique) login, so that two
/// accounts are never taken for one (Art. 34 para 3, Art. 48).
pub(crate) fn signature(account: &Account) -> String {
    format!("{}（{}）", account.name, account.login)
}

/// The hearing record as the server takes it (Art. 48 para 1 (5)): its text, and every
/// participant by name and role.
fn hearing_record(record: &str, participants: &[Participant]) -> Result<()> {
    text::check("record", record, TextKind::Long)?;
    if record.trim().is_empty() {
        return Err(AppError::field(
            "record",
            "请填写听证笔录（《行政许可法》第四十八条第一款第（五）项：听证应当制作笔录）",
        ));
    }
    if participants.is_empty() {
        return Err(AppError::field(
            "participants",
            "请登记听证参加人及其签字确认情况（《行政许可法》第四十八条第一款第（五）项）",
        ));
    }
    for p in participants {
        text::check("participants.name", p.name.trim(), TextKind::Name)?;
        text::check("participants.role", p.role.trim(), TextKind::Name)?;
        text::check("participants.refusal", &p.refusal, TextKind::Long)?;
    }
    Ok(())
}

/// Who asks for a hearing or a recusal, as recorded: the applicant by default, or an interested
/// party named by staff.
fn party(by: &str) -> Result<String> {
    text::check("by", by.trim(), TextKind::Name)?;
    Ok(by.trim().to_string())
}

/// An applicant delivers a material only with its file, and only what is asked of them.
fn applicant_delivers(
    case: &CaseRecord,
    asked: &[String],
    materials: &[String],
    uploads: &[Upload],
) -> Result<()> {
    for code in materials {
        let name = case.item.material_name(code);
        if !asked.contains(code) {
            return Err(AppError::field(
                "materials",
                format!("材料 {name} 不是补正告知或容缺受理要求您提交的材料"),
            ));
        }
        if !uploads.iter().any(|u| &u.material == code) {
            return Err(AppError::field(
                &format!("file_{code}"),
                format!("请上传材料 {name} 的文件：申请人提交补正材料须附材料文件"),
            ));
        }
    }
    Ok(())
}

impl App {
    /// The action as the server records it: the staff who did a step are the signed-in account
    /// (a second verifier confirms with their own session, Art. 34 para 3); a hearing's presiding
    /// officer is a staff account of the case's jurisdiction, named by login (Art. 48).
    async fn signed_action(
        &self,
        who: &Principal,
        case: &CaseRecord,
        action: Action,
    ) -> Result<Action> {
        if !who.is_staff() {
            // The applicant asks in their own name (申请人).
            return Ok(match action {
                Action::RequestHearing { reason, .. } => Action::RequestHearing {
                    reason,
                    by: String::new(),
                },
                Action::RequestRecusal { reason, .. } => Action::RequestRecusal {
                    reason,
                    by: String::new(),
                },
                other => other,
            });
        }
        let me = signature(&who.account);
        Ok(match action {
            Action::CompleteStep {
                kind: StepKind::Hearing,
                staff,
                opinion,
            } => {
                let login = staff.first().map(|s| s.trim()).unwrap_or_default();
                let officer = match login {
                    "" => None,
                    l => self.store.account_by_login(l).await?,
                }
                .filter(|a| {
                    a.is_staff()
                        && a.active
                        && a.grants.iter().any(|g| g.jurisdiction == case.jurisdiction)
                })
                .ok_or_else(|| {
                    AppError::field(
                        "staff",
                        format!(
                            "听证主持人须从本辖区工作人员账号中选定（《行政许可法》第四十八条）；「{login}」不是本辖区在职工作人员的账号"
                        ),
                    )
                })?;
                Action::CompleteStep {
                    kind: StepKind::Hearing,
                    staff: vec![signature(&officer)],
                    opinion,
                }
            }
            Action::CompleteStep { kind, opinion, .. } => Action::CompleteStep {
                kind,
                staff: vec![me],
                opinion,
            },
            Action::ScheduleHearing {
                on,
                presiding,
                place,
            } => {
                // A first scheduling names the officer; a later one may keep them.
                let keep = case
                    .case
                    .hearing
                    .as_ref()
                    .is_some_and(|h| !h.presiding.is_empty())
                    && presiding.trim().is_empty();
                text::check("place", place.trim(), TextKind::Short)?;
                Action::ScheduleHearing {
                    on,
                    presiding: if keep {
                        String::new()
                    } else {
                        self.presiding_officer(case, &presiding).await?
                    },
                    place,
                }
            }
            Action::DecideRecusal {
                granted,
                presiding,
                reason,
            } => Action::DecideRecusal {
                granted,
                presiding: if granted {
                    self.presiding_officer(case, &presiding).await?
                } else {
                    String::new()
                },
                reason,
            },
            Action::HoldHearing {
                record,
                participants,
            } => {
                hearing_record(&record, &participants)?;
                Action::HoldHearing {
                    record,
                    participants,
                }
            }
            Action::RequestHearing { reason, by } => Action::RequestHearing {
                reason,
                by: party(&by)?,
            },
            Action::RequestRecusal { reason, by } => Action::RequestRecusal {
                reason,
                by: party(&by)?,
            },
            Action::ConfirmVerification { kind, .. } => {
                Action::ConfirmVerification { kind, staff: me }
            }
            other => other,
        })
    }

    /// A hearing's presiding officer named by login: an active staff account of the case's
    /// jurisdiction, recorded by its signature (the engine refuses the case's reviewers, Art. 48
    /// para 1 (3)).
    async fn presiding_officer(&self, case: &CaseRecord, login: &str) -> Result<String> {
        let login = login.trim();
        text::check("presiding", login, TextKind::Name)?;
        let officer = match login {
            "" => None,
            l => self.store.account_by_login(l).await?,
        }
        .filter(|a| {
            a.is_staff() && a.active && a.grants.iter().any(|g| g.jurisdiction == case.jurisdiction)
        })
        .ok_or_else(|| {
            AppError::field(
                "presiding",
                format!(
                    "听证主持人须从本辖区在职工作人员账号中指定（《行政许可法》第四十八条第一款第（三）项）；「{login}」不是本辖区在职工作人员的账号"
                ),
            )
        })?;
        Ok(signature(&officer))
    }

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
        let read = self.store.case_for_write(input.case_id).await?;
        let current = &read.record;
        let scope = self.case_scope(current);
        who.may_view(current, &scope)?;
        if who.is_staff() {
            who.require(authz::operation_for(&input.action), &scope)?;
        } else if !applicant_may(&input.action) {
            return Err(AppError::Forbidden(format!(
                "申请人不能{}",
                input.action.label()
            )));
        }
        // A bundle's member case: its intake and its extension are the bundle's (一件事).
        if let Some(bundle) = current.bundle_id {
            let name = self.store.bundle(bundle).await?.map(|b| b.name);
            yiyin_domain::engine::joint::member_may(
                &current.case,
                &input.action,
                name.as_deref().unwrap_or_default(),
            )
            .map_err(AppError::Refused)?;
        }
        // An applicant's files are taken only for what is asked of them, and a material is
        // delivered only with its file.
        let uploads = if who.is_staff() {
            input.uploads
        } else {
            let asked = current.case.asked_materials();
            let uploads: Vec<Upload> = input
                .uploads
                .into_iter()
                .filter(|u| asked.contains(&u.material))
                .collect();
            if let Action::Supplement { materials } = &input.action {
                applicant_delivers(current, &asked, materials, &uploads)?;
            }
            uploads
        };
        let action = self.signed_action(who, current, input.action).await?;
        let attachments = self.keep_uploads(&uploads).await?;
        let facts = if matches!(action, Action::AcceptOnCommitment { .. }) {
            self.applicant_facts(current.applicant.id_number.as_str())
                .await?
        } else {
            ApplicantFacts::default()
        };
        // Recorded at the window only for the window's own acts (review, verification and the
        // decision are back-office work).
        let at_window = authz::at_window(authz::operation_for(&action), &scope);
        let actor = who.actor_at(&self.org(), at_window);
        // At supplement, the shared materials not yet in hand are fetched again (免提交).
        let fetches = if matches!(action, Action::Supplement { .. }) {
            self.fetch_for_case(current).await?
        } else {
            vec![]
        };
        // The case as read above is the write's, unless another write changed it in between:
        // then the update finds it stale, and the act is tried once more on the case as it is.
        let mut stale_once = false;
        loop {
            let at = self.now();
            let mut tx = self.store.begin_write().await?;
            let record = if stale_once {
                tx.case(input.case_id).await?
            } else {
                tx.case_read_before(&read)
            };
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
            let mut applied = case.apply(&ctx, date, &action)?;
            transitions.push(transition_of(&action, &applied));
            for f in fetches.iter().filter(|f| f.fetched()) {
                applied.case.record_fetched(&ctx, &f.code)?;
            }
            let (shared_rows, fetched) = crate::sharing::recorded(&fetches);
            transitions.extend(fetched);
            tx.record_shared(record.id, &shared_rows, &actor.name, at.timestamp_millis())
                .await?;
            tx.attach(record.id, &attachments, &actor.name, at.timestamp_millis())
                .await?;
            let written = self
                .update_case(
                    &mut tx,
                    &record,
                    &applied.case,
                    &ctx,
                    &actor,
                    at,
                    transitions,
                )
                .await;
            match written {
                Err(AppError::Conflict(_)) if !stale_once => stale_once = true,
                written => {
                    let written = written?;
                    tx.commit().await?;
                    return Ok(written);
                }
            }
        }
    }

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
        let written = self
            .update_case(
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
        Ok(Some(written))
    }

    /// Deemed acceptance for every case whose intake window has passed (the background sweep), and
    /// for every bundle (一件事) with its member cases (`App::sweep_bundle_intake`). Safe on several
    /// servers at once: each case is written under its version, once.
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
        done += self.sweep_bundle_intake(at).await?;
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
