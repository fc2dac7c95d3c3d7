//! Review to release: the procedure steps of the item (with two staff for verification, Art. 34 para
//! 3, and a presiding officer other than the reviewer at a hearing, Art. 48), the special procedures
//! that stop the clock (Art. 45), the one extension (Art. 42), the decision (Art. 37, 38), the
//! certificate (Art. 39, 44) and withdrawal of the application.

use chrono::NaiveDate;

use super::{
    Approver, Case, CaseState, Closing, Context, Decision, DocumentKind, EngineError, Extension,
    StepRecord, Suspension, SuspensionKind, refuse, require_reason,
};
use crate::calendar::fmt_date;
use crate::catalog::StepKind;

impl Case {
    /// The statutory time limit has not run out on `on`; otherwise an AL-12 refusal, its message
    /// given the date the limit ran out.
    fn require_within_statutory(
        &self,
        ctx: &Context,
        on: NaiveDate,
        message: impl FnOnce(String) -> String,
    ) -> Result<(), EngineError> {
        let due = self.statutory_due(ctx, on)?;
        if on > due {
            return refuse("AL-12", message(fmt_date(due)));
        }
        Ok(())
    }

    pub(super) fn complete_step(
        &mut self,
        ctx: &Context,
        on: NaiveDate,
        kind: StepKind,
        staff: &[String],
        opinion: &str,
    ) -> Result<Vec<DocumentKind>, EngineError> {
        if self.state != CaseState::Accepted {
            return refuse(
                "steps",
                format!("本件当前为「{}」，不能办理审查环节", self.state.label()),
            );
        }
        if let Some(waiting) = self.awaiting_confirmation() {
            return refuse(
                "AL-08",
                format!(
                    "「{}」已由{}记录，依据《行政许可法》第三十四条第三款须由另一名核查人员确认后，方可办理下一环节",
                    waiting.kind.label(),
                    waiting.staff.join("、")
                ),
            );
        }
        let Some(next) = self.next_step(ctx) else {
            return refuse("steps", "本事项的审查环节已全部完成，请作出决定");
        };
        if next.kind != kind {
            return refuse(
                "steps",
                format!(
                    "按本事项公布的程序清单，下一环节是「{}」，不能先办理「{}」",
                    next.name,
                    kind.label()
                ),
            );
        }
        let mut people: Vec<String> = staff.iter().map(|s| s.trim().to_string()).collect();
        people.retain(|s| !s.is_empty());
        people.sort();
        people.dedup();
        if people.is_empty() {
            return refuse("steps", "须记录办理该环节的工作人员");
        }
        if kind == StepKind::Hearing {
            let presiding = staff.first().map(|s| s.trim()).unwrap_or_default();
            let reviewers: Vec<&String> = self
                .steps
                .iter()
                .filter(|s| s.kind == StepKind::Review)
                .flat_map(|s| &s.staff)
                .collect();
            if reviewers.iter().any(|r| r.as_str() == presiding) {
                return refuse(
                    "AL-18",
                    "依据《行政许可法》第四十八条第一款第（三）项，听证主持人应为审查该申请的工作人员以外的人员",
                );
            }
        }
        if opinion.trim().is_empty() {
            return refuse("steps", "须填写本环节的办理意见");
        }
        self.steps.push(StepRecord {
            kind,
            on,
            staff: if kind == StepKind::Hearing {
                staff.iter().map(|s| s.trim().to_string()).collect()
            } else {
                people
            },
            opinion: opinion.trim().to_string(),
            // Art. 34 para 3: the verification counts once a second verifier confirms it.
            awaiting_confirmation: kind.needs_two_staff(),
        });
        Ok(vec![])
    }

    /// The second verifier confirms the verification the first recorded (Art. 34 para 3): a
    /// different person from those who recorded it.
    pub(super) fn confirm_verification(
        &mut self,
        kind: StepKind,
        staff: &str,
    ) -> Result<Vec<DocumentKind>, EngineError> {
        const ART34: &str = "依据《行政许可法》第三十四条第三款，对申请材料实质内容进行核实的，应当指派两名以上工作人员进行核查";
        if self.state != CaseState::Accepted {
            return refuse(
                "AL-08",
                format!("本件当前为「{}」，不能确认核查", self.state.label()),
            );
        }
        let Some(step) = self.steps.last_mut().filter(|s| s.awaiting_confirmation) else {
            return refuse("AL-08", "本件没有等待第二名核查人员确认的核查记录");
        };
        if step.kind != kind {
            return refuse(
                "AL-08",
                format!(
                    "等待确认的是「{}」，不是「{}」",
                    step.kind.label(),
                    kind.label()
                ),
            );
        }
        let staff = staff.trim();
        if staff.is_empty() {
            return refuse("AL-08", format!("{ART34}；须记录确认核查的第二名工作人员"));
        }
        if step.staff.iter().any(|s| s == staff) {
            return refuse(
                "AL-08",
                format!(
                    "{ART34}；确认核查的须是记录核查的{}以外的另一名工作人员",
                    step.staff.join("、")
                ),
            );
        }
        step.staff.push(staff.to_string());
        step.awaiting_confirmation = false;
        Ok(vec![])
    }

    pub(super) fn suspend(
        &mut self,
        ctx: &Context,
        on: NaiveDate,
        kind: &str,
        reason: &str,
        expected_days: Option<u32>,
    ) -> Result<Vec<DocumentKind>, EngineError> {
        let Some(kind) = SuspensionKind::parse(kind) else {
            return refuse(
                "AL-16",
                format!(
                    "依据《行政许可法》第四十五条，只有{}所需时间不计算在期限内；「{kind}」不能中止计时",
                    SuspensionKind::choices()
                ),
            );
        };
        match self.state {
            CaseState::Accepted => {}
            CaseState::Suspended => {
                return refuse("AL-16", "本件已在特别程序中，请先结束当前特别程序");
            }
            CaseState::Received | CaseState::AwaitingSupplement => {
                return refuse("AL-16", "申请尚未受理，期限尚未起算，不能启动特别程序");
            }
            _ => return refuse("AL-16", "本件已作出决定，不能再启动特别程序"),
        }
        require_reason(reason, "AL-16", "启动特别程序须写明理由")?;
        let Some(expected) = expected_days.filter(|d| *d > 0) else {
            return refuse(
                "AL-16",
                "依据《行政许可法》第四十五条，行政机关应当将特别程序所需时间书面告知申请人，请填写预计所需天数",
            );
        };
        self.require_within_statutory(ctx, on, |due| {
            format!(
                "法定期限已于 {due} 届满，不能再启动特别程序中止计时（《行政许可法》第四十二条、第四十五条）"
            )
        })?;
        self.suspensions.push(Suspension {
            kind,
            reason: reason.trim().to_string(),
            expected_days: expected,
            started_on: on,
            ended_on: None,
        });
        self.state = CaseState::Suspended;
        Ok(vec![DocumentKind::SuspensionNotice])
    }

    pub(super) fn extend(
        &mut self,
        ctx: &Context,
        on: NaiveDate,
        reason: &str,
        approved_by: &str,
    ) -> Result<Vec<DocumentKind>, EngineError> {
        if let Some(e) = &self.extension {
            return refuse(
                "AL-12",
                format!(
                    "依据《行政许可法》第四十二条，延期只能批准一次；本件已于 {} 延期",
                    fmt_date(e.on)
                ),
            );
        }
        if ctx.item.instant {
            return refuse(
                "AL-07",
                "即办件应当当场作出决定（《行政许可法》第三十四条第二款），不适用延期",
            );
        }
        if ctx.item.extension_barred() {
            return refuse(
                "AL-12",
                format!(
                    "依据{}，本事项的办理期限不得延长，不能延期",
                    ctx.item.extension_rule()
                ),
            );
        }
        match self.state {
            CaseState::Accepted | CaseState::Suspended => {}
            CaseState::Received | CaseState::AwaitingSupplement => {
                return refuse("AL-12", "申请尚未受理，审批期限尚未起算，不能延期");
            }
            _ => return refuse("AL-12", "本件已作出决定，无需延期"),
        }
        let (article, needed) = if ctx.item.joint {
            ("第四十二条第二款", Approver::GovernmentHead)
        } else {
            ("第四十二条第一款", Approver::Head)
        };
        // The article the extension rests on: the item's own law's, read with Art. 42.
        let cite = if ctx.item.extension_days.is_some() {
            format!("{}和《行政许可法》{article}", ctx.item.extension_rule())
        } else {
            format!("《行政许可法》{article}")
        };
        match Approver::parse(approved_by) {
            Some(a) if a == needed => {}
            _ => {
                return refuse(
                    if ctx.item.joint { "AL-13" } else { "AL-12" },
                    format!("依据{cite}，延期须经{}批准", needed.label()),
                );
            }
        }
        require_reason(
            reason,
            "AL-12",
            format!("依据{cite}，延期须将理由告知申请人，请填写延期理由"),
        )?;
        self.require_within_statutory(ctx, on, |due| {
            format!("依据{cite}，延期须在法定期限内批准；本件法定期限已于 {due} 届满")
        })?;
        self.extension = Some(Extension {
            on,
            days: ctx.item.extension_limit(),
            reason: reason.trim().to_string(),
            approved_by: needed,
        });
        Ok(vec![DocumentKind::ExtensionNotice])
    }

    pub(super) fn decide(
        &mut self,
        ctx: &Context,
        on: NaiveDate,
        approve: bool,
        reason: &str,
    ) -> Result<Vec<DocumentKind>, EngineError> {
        self.require_hearing_held()?;
        match self.state {
            CaseState::Accepted => {}
            CaseState::Received | CaseState::AwaitingSupplement => {
                return refuse(
                    "AL-02",
                    "依据《行政许可法》第三十二条、第三十七条，申请尚未受理，不得作出行政许可决定",
                );
            }
            CaseState::Suspended => {
                let s = self.suspensions.last().expect("suspended");
                return refuse(
                    "AL-16",
                    format!(
                        "本件正在进行{}，应在特别程序结束、恢复计时后作出决定",
                        s.kind.label()
                    ),
                );
            }
            _ => return refuse("decided", "本件已作出决定，不能重复决定"),
        }
        if let Some(next) = self.next_step(ctx) {
            return refuse(
                "steps",
                format!(
                    "按本事项公布的程序清单，「{}」环节尚未完成，不能作出决定",
                    next.name
                ),
            );
        }
        if !approve {
            require_reason(
                reason,
                "AL-10",
                "依据《行政许可法》第三十八条第二款，不予行政许可须说明理由，并告知申请人享有依法申请行政复议或者提起行政诉讼的权利",
            )?;
        }
        let heard =
            self.steps.iter().any(|s| s.kind == StepKind::Hearing) || self.hearing_on().is_some();
        if heard && reason.trim().is_empty() {
            return refuse(
                "AL-18",
                "依据《行政许可法》第四十八条第二款，行政机关应当根据听证笔录作出决定，请在决定理由中写明",
            );
        }
        self.decided_on = Some(on);
        self.decision = Some(Decision {
            approved: approve,
            reason: reason.trim().to_string(),
            on_commitment: false,
        });
        self.state = CaseState::Decided;
        if !approve {
            self.closed_on = Some(on);
        }
        Ok(vec![if approve {
            DocumentKind::DecisionLetter
        } else {
            DocumentKind::DenialLetter
        }])
    }

    pub(super) fn issue_certificate(
        &mut self,
        ctx: &Context,
        on: NaiveDate,
    ) -> Result<Vec<DocumentKind>, EngineError> {
        match (&self.state, &self.decision) {
            (CaseState::Decided, Some(d)) if d.approved => {}
            (CaseState::Decided, Some(_)) => {
                return refuse("AL-15", "本件决定不予行政许可，不能制发许可证件");
            }
            _ => {
                return refuse(
                    "AL-15",
                    "尚未作出准予行政许可的决定，不能制发证件（《行政许可法》第三十九条、第四十四条）",
                );
            }
        }
        let waiting: Vec<String> = self
            .deferred
            .iter()
            .filter(|d| d.arrived_on.is_none())
            .map(|d| d.code.clone())
            .collect();
        Self::refuse_listed(ctx, &waiting, "deferral", |names| {
            format!("容缺受理的材料 {names} 尚未补齐，补齐后方可发证")
        })?;
        self.certificate_issued_on = Some(on);
        self.state = CaseState::CertificateIssued;
        self.closed_on = Some(on);
        Ok(vec![DocumentKind::Licence])
    }

    pub(super) fn resume(&mut self, on: NaiveDate) -> Result<Vec<DocumentKind>, EngineError> {
        if self.state != CaseState::Suspended {
            return refuse("AL-16", "本件没有进行中的特别程序，无需恢复计时");
        }
        self.require_no_pending_hearing()?;
        let s = self.suspensions.last_mut().expect("suspended case has one");
        s.ended_on = Some(on);
        self.state = CaseState::Accepted;
        Ok(vec![])
    }

    pub(super) fn withdraw(
        &mut self,
        on: NaiveDate,
        reason: &str,
    ) -> Result<Vec<DocumentKind>, EngineError> {
        if matches!(self.state, CaseState::Decided) {
            return refuse(
                "AL-20",
                "行政许可决定已经作出，申请不能再撤回；如需放弃许可，请申请注销",
            );
        }
        self.close(on, Closing::Withdrawn, reason);
        Ok(vec![DocumentKind::WithdrawalConfirmation])
    }
}
