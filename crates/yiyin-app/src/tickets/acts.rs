//! The acts of the closed loop, each run through the domain's one state machine and written in
//! one transaction with its history entry and chained event: dispatch, arbitration of a return,
//! reassignment, sign, return, extension asked and decided, reply, callback, reminder and merge.

use serde_json::json;
use yiyin_domain::authz::Operation;
use yiyin_domain::calendar::{cst, local_date};
use yiyin_domain::text::{TextKind, check};
use yiyin_domain::tickets::{
    DuplicateFacts, EXTENSION_APPROVER, Satisfaction, TicketAction, TicketState,
    check_dispatch_target, check_duplicate,
};
use yiyin_store::tickets::{TicketChange, TicketRecord};

use super::{
    Access, Extra, TicketBrief, TicketView, given, handles, millis_date, record, required,
    ticket_error,
};
use crate::App;
use crate::error::{AppError, Result};
use crate::principal::Principal;

impl App {
    /// Applies an act to a ticket with the domain's state machine, writes the ticket, its history
    /// entry and the chained event in one transaction, and returns the ticket as `who` sees it.
    async fn act_on_ticket(
        &self,
        who: &Principal,
        rec: &TicketRecord,
        action: TicketAction,
        department: Option<&str>,
        note: &str,
        extra: Extra<'_>,
    ) -> Result<TicketView> {
        let at = self.now();
        let next = rec
            .ticket
            .apply_at(
                &action,
                at.with_timezone(&cst()).naive_local(),
                &self.calendar(),
            )
            .map_err(ticket_error)?;
        let actor = who.actor(&self.org());
        let mut tx = self.store.begin_write().await?;
        tx.update_ticket(
            rec.id,
            rec.version,
            &TicketChange {
                ticket: &next,
                master_id: extra.master_id,
                reply: extra.reply,
                satisfaction: extra.satisfaction,
                at_ms: at.timestamp_millis(),
            },
        )
        .await?;
        let head = (rec.id, rec.number.as_str(), rec.jurisdiction.as_str());
        record(
            &mut tx, head, &actor, at, &action, department, note, extra.data,
        )
        .await?;
        if let Some((stage, kept)) = &extra.files {
            super::attachments::attach_in(&mut tx, head, &actor, at, *stage, department, kept)
                .await?;
        }
        tx.commit().await?;
        let rec = self.ticket_record(rec.id).await?;
        // The actor may no longer hold the ticket (a return, a reassignment): the centre and the
        // department still see what they did, without the caller's data when it left them.
        let access = self.ticket_access(who, &rec).unwrap_or(Access::Applicant);
        self.ticket_as_seen(&rec, access, who.is_staff()).await
    }

    /// A dispatch target of the jurisdiction (a department, or a township for local work), checked
    /// against the category's duty.
    fn ticket_target(&self, rec: &TicketRecord, code: &str) -> Result<String> {
        check("department", code, TextKind::Short)?;
        let code = code.trim();
        if code.is_empty() {
            return Err(AppError::field("department", "请选择承办部门"));
        }
        let j = self.jurisdiction(&rec.jurisdiction)?;
        let township = j.township(code);
        let name = match (township, j.department(code)) {
            (Some(t), _) => t.government(),
            (None, Some(d)) if d.exists_on(self.today()) => d.name.clone(),
            _ => {
                return Err(AppError::field(
                    "department",
                    format!("{}没有代码为「{code}」的承办部门或镇", j.name),
                ));
            }
        };
        check_dispatch_target(rec.duty, &rec.category_name, &name, township.is_some())?;
        Ok(code.to_string())
    }

    /// 派单: the centre sends a ticket waiting for dispatch to a department (by default the one
    /// the category names). A returned ticket is the manager's to arbitrate.
    pub async fn dispatch_ticket(
        &self,
        who: &Principal,
        id: i64,
        department: Option<&str>,
    ) -> Result<TicketView> {
        let rec = self.ticket_record(id).await?;
        who.require_in(Operation::TakeTickets, &rec.jurisdiction)?;
        if rec.ticket.pending_return.is_some() {
            return Err(AppError::Forbidden(
                "该工单已被承办部门退回，须由诉求服务中心负责人仲裁后派单".into(),
            ));
        }
        let code = match given(department) {
            Some(d) => d.to_string(),
            None => self
                .store
                .ticket_category(&rec.jurisdiction, &rec.category_code)
                .await?
                .map(|c| c.department)
                .ok_or_else(|| AppError::field("department", "请选择承办部门"))?,
        };
        let code = self.ticket_target(&rec, &code)?;
        let action = TicketAction::Dispatch {
            department: code.clone(),
        };
        self.act_on_ticket(who, &rec, action, Some(&code), "", Extra::default())
            .await
    }

    /// 退单仲裁: the centre's manager sends a returned ticket back to the same department or to
    /// another.
    pub async fn arbitrate_return(
        &self,
        who: &Principal,
        id: i64,
        department: &str,
        note: &str,
    ) -> Result<TicketView> {
        let rec = self.ticket_record(id).await?;
        who.require_in(Operation::ManageTickets, &rec.jurisdiction)?;
        check("note", note, TextKind::Long)?;
        let code = self.ticket_target(&rec, department)?;
        let same = rec.ticket.returned_by.as_deref() == Some(code.as_str());
        let note = match (note.trim(), same) {
            ("", true) => "退单理由不成立，退回原承办部门".to_string(),
            ("", false) => "退单理由成立，改派其他部门".to_string(),
            (n, _) => n.to_string(),
        };
        let action = TicketAction::Arbitrate {
            department: code.clone(),
        };
        let data = json!({"same_department": same});
        let extra = Extra {
            data,
            ..Extra::default()
        };
        self.act_on_ticket(who, &rec, action, Some(&code), &note, extra)
            .await
    }

    /// 改派: the centre moves a dispatched ticket to another department, with a reason.
    pub async fn reassign_ticket(
        &self,
        who: &Principal,
        id: i64,
        department: &str,
        reason: &str,
    ) -> Result<TicketView> {
        let rec = self.ticket_record(id).await?;
        who.require_in(Operation::TakeTickets, &rec.jurisdiction)?;
        let reason = required("reason", reason, TextKind::Long, "请填写改派理由")?;
        let code = self.ticket_target(&rec, department)?;
        let action = TicketAction::Reassign {
            department: code.clone(),
            reason: reason.clone(),
        };
        self.act_on_ticket(who, &rec, action, Some(&code), &reason, Extra::default())
            .await
    }

    /// The ticket, for its department's handler alone.
    async fn ticket_of_handler(&self, who: &Principal, id: i64) -> Result<TicketRecord> {
        let rec = self.ticket_record(id).await?;
        if !handles(who, &rec.jurisdiction, rec.department.as_deref()) {
            return Err(AppError::Forbidden(
                "无权办理：该工单未派给您所在的部门".into(),
            ));
        }
        Ok(rec)
    }

    /// 签收: the department signs for a dispatched ticket.
    pub async fn sign_ticket(&self, who: &Principal, id: i64) -> Result<TicketView> {
        let rec = self.ticket_of_handler(who, id).await?;
        let dep = rec.department.clone();
        self.act_on_ticket(
            who,
            &rec,
            TicketAction::Sign {},
            dep.as_deref(),
            "",
            Extra::default(),
        )
        .await
    }

    /// 退单: the department sends the ticket back to the centre, with a reason, within the return
    /// limit.
    pub async fn return_ticket(
        &self,
        who: &Principal,
        id: i64,
        reason: &str,
    ) -> Result<TicketView> {
        let rec = self.ticket_of_handler(who, id).await?;
        let reason = required("reason", reason, TextKind::Long, "请填写退单理由")?;
        let dep = rec.department.clone();
        let action = TicketAction::Return {
            reason: reason.clone(),
        };
        self.act_on_ticket(who, &rec, action, dep.as_deref(), &reason, Extra::default())
            .await
    }

    /// 申请延期: the department asks for more time (once), with a reason.
    pub async fn ask_ticket_extension(
        &self,
        who: &Principal,
        id: i64,
        days: u32,
        reason: &str,
    ) -> Result<TicketView> {
        let rec = self.ticket_of_handler(who, id).await?;
        let reason = required("reason", reason, TextKind::Long, "请填写延期理由")?;
        let dep = rec.department.clone();
        let action = TicketAction::AskExtension {
            days,
            reason: reason.clone(),
        };
        let extra = Extra {
            data: json!({"days": days}),
            ..Extra::default()
        };
        self.act_on_ticket(who, &rec, action, dep.as_deref(), &reason, extra)
            .await
    }

    /// The centre's manager grants or refuses the extension asked for (the caller is told at the
    /// callback; the reason is kept).
    pub async fn decide_ticket_extension(
        &self,
        who: &Principal,
        id: i64,
        approve: bool,
        reason: &str,
    ) -> Result<TicketView> {
        let rec = self.ticket_record(id).await?;
        who.require_in(Operation::ManageTickets, &rec.jurisdiction)?;
        check("reason", reason, TextKind::Long)?;
        let Some(days) = rec.ticket.extension_asked else {
            return Err(AppError::Conflict("该工单没有待审批的延期申请".into()));
        };
        let dep = rec.department.clone();
        if approve {
            let action = TicketAction::Extend {
                days,
                approved_by: EXTENSION_APPROVER.into(),
            };
            let note = match reason.trim() {
                "" => format!("同意延期{days}个工作日"),
                r => r.to_string(),
            };
            let extra = Extra {
                data: json!({"days": days}),
                ..Extra::default()
            };
            self.act_on_ticket(who, &rec, action, dep.as_deref(), &note, extra)
                .await
        } else {
            let reason = required("reason", reason, TextKind::Long, "请填写不予延期的理由")?;
            let action = TicketAction::DenyExtension {
                reason: reason.clone(),
            };
            self.act_on_ticket(who, &rec, action, dep.as_deref(), &reason, Extra::default())
                .await
        }
    }

    /// 答复: the department replies to the caller.
    pub async fn reply_ticket(&self, who: &Principal, id: i64, reply: &str) -> Result<TicketView> {
        self.reply_ticket_with_files(who, id, reply, &[]).await
    }

    /// 答复 with files: the department replies to the caller and gives its evidence of handling
    /// (photos, PDFs), kept with the reply or not at all.
    pub async fn reply_ticket_with_files(
        &self,
        who: &Principal,
        id: i64,
        reply: &str,
        files: &[crate::cases::Upload],
    ) -> Result<TicketView> {
        let rec = self.ticket_of_handler(who, id).await?;
        let reply = required("reply", reply, TextKind::Long, "请填写答复内容")?;
        let dep = rec.department.clone();
        let stage = super::FileStage::Reply;
        let files = if files.is_empty() {
            None
        } else {
            // Checked and kept before the act; the state machine still decides whether it runs.
            rec.ticket
                .apply(
                    &TicketAction::Reply {},
                    local_date(self.now()),
                    &self.calendar(),
                )
                .map_err(ticket_error)?;
            Some((
                stage,
                self.keep_ticket_files(stage, Some(rec.id), files).await?,
            ))
        };
        let extra = Extra {
            reply: Some(&reply),
            files,
            ..Extra::default()
        };
        self.act_on_ticket(
            who,
            &rec,
            TicketAction::Reply {},
            dep.as_deref(),
            &reply,
            extra,
        )
        .await
    }

    /// 回访: the centre calls the caller back; 不满意 (with the reason) sends the ticket to be handled
    /// again (重办) on a new clock.
    pub async fn callback_ticket(
        &self,
        who: &Principal,
        id: i64,
        satisfaction: &str,
        reason: &str,
    ) -> Result<TicketView> {
        let rec = self.ticket_record(id).await?;
        who.require_in(Operation::TakeTickets, &rec.jurisdiction)?;
        let s = AppError::choice::<Satisfaction>("satisfaction", satisfaction, |w| {
            format!("回访结果应为以下之一：{w}")
        })?;
        check("reason", reason, TextKind::Long)?;
        let reason = reason.trim();
        if !s.closes() && reason.is_empty() {
            return Err(AppError::field(
                "reason",
                "回访不满意的，请填写不满意的原因",
            ));
        }
        let note = if reason.is_empty() {
            s.label().to_string()
        } else {
            format!("{}：{reason}", s.label())
        };
        let action = TicketAction::Callback {
            satisfied: s.closes(),
        };
        let dep = rec.department.clone();
        let extra = Extra {
            satisfaction: Some(s.label()),
            data: json!({"satisfaction": s.code()}),
            ..Extra::default()
        };
        self.act_on_ticket(who, &rec, action, dep.as_deref(), &note, extra)
            .await
    }

    /// 告知延期: the centre (an agent or the manager) records that the caller was told of the
    /// extension granted, and how; until then the ticket waits on the centre's queue.
    pub async fn inform_ticket_caller(
        &self,
        who: &Principal,
        id: i64,
        note: &str,
    ) -> Result<TicketView> {
        let rec = self.ticket_record(id).await?;
        who.require_in(Operation::TakeTickets, &rec.jurisdiction)?;
        let note = required("note", note, TextKind::Long, "请写明告知来电人的方式和情况")?;
        let action = TicketAction::Inform { note: note.clone() };
        let dep = rec.department.clone();
        self.act_on_ticket(who, &rec, action, dep.as_deref(), &note, Extra::default())
            .await
    }

    /// 督办: the centre's manager reminds the department holding the ticket (logged).
    pub async fn remind_ticket(&self, who: &Principal, id: i64, note: &str) -> Result<TicketView> {
        let rec = self.ticket_record(id).await?;
        who.require_in(Operation::ManageTickets, &rec.jurisdiction)?;
        let note = required("note", note, TextKind::Long, "请填写督办意见")?;
        let action = TicketAction::Remind { note: note.clone() };
        let dep = rec.department.clone();
        self.act_on_ticket(who, &rec, action, dep.as_deref(), &note, Extra::default())
            .await
    }

    /// 并单: the centre links a duplicate to its master (same caller phone, or same location and
    /// category, within the jurisdiction's merge window); only the master goes on.
    pub async fn merge_ticket(
        &self,
        who: &Principal,
        id: i64,
        master_number: &str,
    ) -> Result<TicketView> {
        let rec = self.ticket_record(id).await?;
        who.require_in(Operation::TakeTickets, &rec.jurisdiction)?;
        check("master", master_number, TextKind::Short)?;
        let master = self
            .store
            .ticket_by_number(master_number)
            .await?
            .filter(|m| m.jurisdiction == rec.jurisdiction)
            .ok_or_else(|| AppError::field("master", "本县区没有该编号的工单"))?;
        if master.state == TicketState::Merged {
            return Err(AppError::field(
                "master",
                "主工单本身已并入其他工单，请并入其主工单",
            ));
        }
        let matrix = self.ticket_matrix(&rec.jurisdiction).await?;
        let (_, dup_phone) = self.store.ticket_caller(rec.id).await?;
        let (_, master_phone) = self.store.ticket_caller(master.id).await?;
        fn facts<'a>(r: &'a TicketRecord, p: Option<&'a str>) -> DuplicateFacts<'a> {
            DuplicateFacts {
                number: &r.number,
                phone: p,
                location: &r.location,
                category: &r.category_code,
                created_on: millis_date(r.created_at),
            }
        }
        // Phones are compared but never named in the refusal.
        let d = facts(&rec, dup_phone.as_deref());
        let m = facts(&master, master_phone.as_deref());
        check_duplicate(&d, &m, matrix.merge_window_days)?;
        let action = TicketAction::Merge {
            master: master.number.clone(),
        };
        let note = format!("并入工单{}", master.number);
        let extra = Extra {
            master_id: Some(master.id),
            data: json!({"master": master.id}),
            ..Extra::default()
        };
        let dep = rec.department.clone();
        self.act_on_ticket(who, &rec, action, dep.as_deref(), &note, extra)
            .await
    }

    /// The open tickets the centre might merge this one into.
    pub async fn duplicate_candidates(&self, who: &Principal, id: i64) -> Result<Vec<TicketBrief>> {
        let rec = self.ticket_record(id).await?;
        who.require_in(Operation::TakeTickets, &rec.jurisdiction)?;
        let window = i64::from(
            self.ticket_matrix(&rec.jurisdiction)
                .await?
                .merge_window_days,
        );
        let (_, phone) = self.store.ticket_caller(rec.id).await?;
        let since = rec.created_at - window * 86_400_000;
        Ok(self
            .store
            .duplicate_candidates(
                &rec.jurisdiction,
                phone.as_deref(),
                &rec.location,
                &rec.category_code,
                since,
            )
            .await?
            .iter()
            .filter(|c| c.id != rec.id)
            .map(|c| self.ticket_brief(c))
            .collect())
    }
}
