//! Intake (Art. 32): the five outcomes of receiving an application — not needed, outside the powers,
//! on-the-spot correction, one-time supplement notice, acceptance — with acceptance on deferred
//! materials (容缺受理) and notify-and-commit (告知承诺); the applicant's attestation that the
//! materials are true (Art. 31); the window's outcome taken together with the receipt.

use chrono::NaiveDate;

use super::{
    Action, Case, CaseState, Closing, Context, Decision, Deferred, DocumentKind, EngineError,
    IntakeWindow, ItemRules, Notice, refuse, require_reason,
};
use crate::calendar::fmt_date;
use crate::refusal::Refusal;

const ART32_4: &str = "《行政许可法》第三十二条第一款第（四）项";

/// Art. 31: the applicant answers for the truth of the materials. An application is taken only with
/// the applicant's attestation (the box on the online form, the signature on the paper form).
pub fn check_attestation(attested: bool) -> Result<(), Refusal> {
    if attested {
        Ok(())
    } else {
        crate::refusal::refuse(
            "AL-06",
            "请确认申请材料真实有效：依据《行政许可法》第三十一条，申请人应当如实提交有关材料和反映真实情况，并对申请材料实质内容的真实性负责",
        )
    }
}

/// The outcome the window takes together with the receipt (前台综合受理: receive and decide the
/// Art. 32 outcome in one go).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntakeOutcome {
    /// Received only; the outcome follows within the notice window.
    Receive,
    Accept,
    /// The one-time notice of every required material not provided.
    Supplement,
    /// Acceptance with the required materials not provided deferred until `due` (容缺受理).
    Defer {
        due: NaiveDate,
    },
    /// Notify-and-commit (告知承诺): decided on the spot on the written commitment.
    Commitment {
        commitment: String,
    },
    Refuse {
        reason: String,
        redirect_to: Option<String>,
    },
    NotNeeded {
        reason: String,
    },
}

impl IntakeOutcome {
    /// The action that takes this outcome on an application received with `provided`; None when it
    /// is only received.
    pub fn action(&self, item: &ItemRules, provided: &[String]) -> Option<Action> {
        let missing = || -> Vec<String> {
            item.materials
                .iter()
                .filter(|m| m.required && !provided.contains(&m.code))
                .map(|m| m.code.clone())
                .collect()
        };
        Some(match self {
            IntakeOutcome::Receive => return None,
            IntakeOutcome::Accept => Action::Accept,
            IntakeOutcome::Supplement => Action::NotifySupplement { missing: missing() },
            IntakeOutcome::Defer { due } => Action::AcceptDeferred {
                deferred: missing(),
                due: Some(*due),
            },
            IntakeOutcome::Commitment { commitment } => Action::AcceptOnCommitment {
                commitment: commitment.clone(),
            },
            IntakeOutcome::Refuse {
                reason,
                redirect_to,
            } => Action::Refuse {
                reason: reason.clone(),
                redirect_to: redirect_to.clone(),
            },
            IntakeOutcome::NotNeeded { reason } => Action::NotNeeded {
                reason: reason.clone(),
            },
        })
    }

    /// The form field a refusal of this outcome is about, for showing it next to that field.
    pub fn field(&self) -> &'static str {
        match self {
            IntakeOutcome::Defer { .. } => "due",
            IntakeOutcome::Refuse { .. } | IntakeOutcome::NotNeeded { .. } => "reason",
            _ => "outcome",
        }
    }
}

impl Case {
    /// An Art. 32 outcome may be taken: the application is received and no outcome taken yet.
    fn require_intake_pending(&self, what: &str) -> Result<(), EngineError> {
        match self.state {
            CaseState::Received => Ok(()),
            CaseState::AwaitingSupplement => refuse(
                "AL-02",
                format!("已一次性告知补正，须待申请人提交补正材料后方可{what}"),
            ),
            _ => self.already_past_intake(what),
        }
    }

    /// Refusal outcomes may also be taken while supplements are awaited.
    fn require_intake_open(&self, what: &str) -> Result<(), EngineError> {
        match self.state {
            CaseState::Received | CaseState::AwaitingSupplement => Ok(()),
            _ => self.already_past_intake(what),
        }
    }

    fn already_past_intake(&self, what: &str) -> Result<(), EngineError> {
        if self.deemed_accepted {
            refuse(
                "AL-03",
                format!(
                    "依据{ART32_4}，收到申请材料后五日内未告知补正的，自收到申请材料之日起即为受理；本件已于 {} 视为受理，不能再{what}",
                    fmt_date(self.accepted_on.expect("accepted"))
                ),
            )
        } else {
            refuse(
                "AL-02",
                format!(
                    "本件已{}，不能再{what}（《行政许可法》第三十二条规定的受理环节已经结束）",
                    self.state.label()
                ),
            )
        }
    }

    pub(super) fn notify_supplement(
        &mut self,
        ctx: &Context,
        on: NaiveDate,
        missing: &[String],
    ) -> Result<Vec<DocumentKind>, EngineError> {
        if self.state == CaseState::AwaitingSupplement {
            return refuse(
                "AL-05",
                format!(
                    "依据{ART32_4}，补正内容应当一次告知；本件已于 {} 告知补正，不得再次告知",
                    fmt_date(self.notices[0].on)
                ),
            );
        }
        self.require_intake_pending("告知补正")?;
        if missing.is_empty() {
            return refuse("AL-05", "补正告知须列明需要补正的全部材料");
        }
        if !ctx.item.materials.is_empty() {
            for code in missing {
                if ctx.item.material(code).is_none() {
                    return refuse(
                        "AL-26",
                        format!(
                            "材料「{code}」不在本事项公布的申请材料目录中；依据《行政许可法》第三十一条，不得要求申请人提交与申请事项无关的材料"
                        ),
                    );
                }
            }
        }
        self.refuse_asking_fetched(ctx, missing)?;
        if !self.intake.after_supplement {
            self.refuse_unresolved(ctx, "告知补正")?;
        }
        if self.intake.after_supplement {
            let first = &self.notices[0].missing;
            let new: Vec<&String> = missing.iter().filter(|m| !first.contains(m)).collect();
            if !new.is_empty() {
                return refuse(
                    "AL-05",
                    format!(
                        "依据{ART32_4}，补正内容应当一次告知；提交补正材料后再次告知的，只能是首次告知中仍缺少或仍不符合要求的材料，不能新增 {}",
                        new.iter()
                            .map(|c| ctx.item.material_name(c))
                            .collect::<Vec<_>>()
                            .join("、")
                    ),
                );
            }
        }
        let omitted: Vec<String> = ctx
            .item
            .materials
            .iter()
            .filter(|m| m.required && !m.deferrable)
            .filter(|m| !self.provided.contains(&m.code) && !missing.contains(&m.code))
            .map(|m| ctx.item.material_name(&m.code))
            .collect();
        if !omitted.is_empty() {
            return refuse(
                "AL-05",
                format!(
                    "依据{ART32_4}和第七十二条第（四）项，补正告知须一次告知需要补正的全部内容；还缺少 {}，请一并告知",
                    omitted.join("、")
                ),
            );
        }
        self.notices.push(Notice {
            on,
            missing: missing.to_vec(),
        });
        self.state = CaseState::AwaitingSupplement;
        Ok(vec![DocumentKind::SupplementNotice])
    }

    pub(super) fn supplement(
        &mut self,
        ctx: &Context,
        on: NaiveDate,
        materials: &[String],
    ) -> Result<Vec<DocumentKind>, EngineError> {
        if materials.is_empty() {
            return refuse("AL-02", "没有提交任何材料");
        }
        self.provided.extend(materials.iter().cloned());
        match self.state {
            CaseState::AwaitingSupplement => {
                self.state = CaseState::Received;
                self.intake = IntakeWindow {
                    opened_on: on,
                    due: ctx.calendar.add(on, 5)?,
                    after_supplement: true,
                };
            }
            CaseState::Received => {}
            _ => {
                for d in &mut self.deferred {
                    if d.arrived_on.is_none() && materials.contains(&d.code) {
                        d.arrived_on = Some(on);
                    }
                }
            }
        }
        Ok(vec![])
    }

    pub(super) fn correct(&mut self) -> Result<Vec<DocumentKind>, EngineError> {
        self.require_intake_pending("当场更正")?;
        self.corrections += 1;
        Ok(vec![])
    }

    pub(super) fn refuse_application(
        &mut self,
        on: NaiveDate,
        reason: &str,
        redirect_to: Option<&str>,
    ) -> Result<Vec<DocumentKind>, EngineError> {
        self.require_intake_open("不予受理")?;
        require_reason(
            reason,
            "AL-26",
            "依据《行政许可法》第三十二条第一款第（二）项和第七十二条第（七）项，不予受理须说明理由",
        )?;
        self.close(
            on,
            Closing::Refused {
                redirect_to: redirect_to
                    .map(|r| r.trim().to_string())
                    .filter(|r| !r.is_empty()),
            },
            reason,
        );
        Ok(vec![DocumentKind::RefusalDecision])
    }

    pub(super) fn not_needed(
        &mut self,
        on: NaiveDate,
        reason: &str,
    ) -> Result<Vec<DocumentKind>, EngineError> {
        self.require_intake_open("告知不受理")?;
        require_reason(
            reason,
            "AL-02",
            "依据《行政许可法》第三十二条第一款第（一）项，告知申请人不受理须说明该事项依法不需要取得行政许可的理由",
        )?;
        self.close(on, Closing::NotNeeded, reason);
        Ok(vec![DocumentKind::NotNeededNotice])
    }

    /// The required materials not in hand, split into (core, deferrable).
    fn missing_materials(&self, ctx: &Context) -> (Vec<String>, Vec<String>) {
        let mut core = Vec::new();
        let mut deferrable = Vec::new();
        for m in ctx.item.materials.iter().filter(|m| m.required) {
            if !self.provided.contains(&m.code) {
                if m.deferrable {
                    deferrable.push(m.code.clone());
                } else {
                    core.push(m.code.clone());
                }
            }
        }
        (core, deferrable)
    }

    pub(super) fn names(ctx: &Context, codes: &[String]) -> String {
        codes
            .iter()
            .map(|c| ctx.item.material_name(c))
            .collect::<Vec<_>>()
            .join("、")
    }

    /// Refuses under `rule` when any material is listed in `codes`, the message naming them.
    pub(super) fn refuse_listed(
        ctx: &Context,
        codes: &[String],
        rule: &str,
        message: impl FnOnce(String) -> String,
    ) -> Result<(), EngineError> {
        if codes.is_empty() {
            Ok(())
        } else {
            refuse(rule, message(Self::names(ctx, codes)))
        }
    }

    /// Acceptance on `on` with the acceptance voucher.
    fn mark_accepted(&mut self, on: NaiveDate) -> Result<Vec<DocumentKind>, EngineError> {
        self.accepted_on = Some(on);
        self.state = CaseState::Accepted;
        Ok(vec![DocumentKind::AcceptanceVoucher])
    }

    pub(super) fn accept(
        &mut self,
        ctx: &Context,
        on: NaiveDate,
    ) -> Result<Vec<DocumentKind>, EngineError> {
        self.require_intake_pending("受理")?;
        if !self.intake.after_supplement {
            self.refuse_unresolved(ctx, "受理")?;
        }
        let (mut core, mut deferrable) = self.missing_materials(ctx);
        // Art. 32 para 1 (5): once the applicant has supplied everything the notice asked for, the
        // application is accepted; a material the notice did not ask for is the agency's omission
        // (Art. 72 (4)) and is recorded, not asked for again.
        if self.intake.after_supplement {
            let requested: Vec<&String> = self.notices.iter().flat_map(|n| &n.missing).collect();
            let unasked = |code: &String| !requested.contains(&code);
            let mut not_requested: Vec<String> = core
                .iter()
                .chain(&deferrable)
                .filter(|c| unasked(c))
                .cloned()
                .collect();
            core.retain(|c| !unasked(c));
            deferrable.retain(|c| !unasked(c));
            if core.is_empty() && deferrable.is_empty() {
                not_requested.sort();
                self.not_requested = not_requested;
            }
        }
        Self::refuse_listed(ctx, &core, "AL-02", |names| {
            format!(
                "依据《行政许可法》第三十二条第一款第（五）项，申请材料齐全、符合法定形式方可受理；尚缺 {names}，应一次性告知补正"
            )
        })?;
        Self::refuse_listed(ctx, &deferrable, "AL-02", |names| {
            format!(
                "尚缺 {names}：这些材料可以容缺，请选择容缺受理并约定补交日期，或一次性告知补正"
            )
        })?;
        self.mark_accepted(on)
    }

    pub(super) fn accept_deferred(
        &mut self,
        ctx: &Context,
        on: NaiveDate,
        deferred: &[String],
        due: Option<NaiveDate>,
    ) -> Result<Vec<DocumentKind>, EngineError> {
        self.require_intake_pending("容缺受理")?;
        const RULE: &str = "容缺受理只适用于事项标明为非核心（可容缺）的材料";
        if deferred.is_empty() {
            return refuse("deferral", "容缺受理须列明容缺的材料");
        }
        for code in deferred {
            match ctx.item.material(code) {
                Some(m) if m.deferrable => {
                    if self.provided.contains(code) {
                        return refuse(
                            "deferral",
                            format!("材料 {} 已经提交，无需容缺", ctx.item.material_name(code)),
                        );
                    }
                }
                _ => {
                    return refuse(
                        "deferral",
                        format!(
                            "{RULE}；{} 不是本事项可容缺的材料，缺少该材料应一次性告知补正",
                            ctx.item.material_name(code)
                        ),
                    );
                }
            }
        }
        let Some(due) = due else {
            return refuse("deferral", "容缺受理须由申请人书面承诺补交材料的日期");
        };
        if due <= on {
            return refuse(
                "deferral",
                format!("容缺材料的补交日期 {} 应晚于受理日期", fmt_date(due)),
            );
        }
        if !self.intake.after_supplement {
            self.refuse_unresolved(ctx, "容缺受理")?;
        }
        let (core, _) = self.missing_materials(ctx);
        Self::refuse_listed(ctx, &core, "AL-02", |names| {
            format!("{RULE}；核心材料 {names} 尚未提交，不能容缺受理，应一次性告知补正")
        })?;
        self.deferred = deferred
            .iter()
            .map(|code| Deferred {
                code: code.clone(),
                due,
                arrived_on: None,
            })
            .collect();
        self.mark_accepted(on)
    }

    pub(super) fn accept_on_commitment(
        &mut self,
        ctx: &Context,
        on: NaiveDate,
    ) -> Result<Vec<DocumentKind>, EngineError> {
        if !ctx.item.green_list {
            return refuse(
                "commitment",
                "本事项未列入告知承诺绿色清单，不能实行告知承诺审批（国办发〔2020〕42号）",
            );
        }
        if let Some(why) = &ctx.applicant.commitment_barred {
            return refuse(
                "commitment",
                format!(
                    "申请人{why}，在信用修复前不能适用告知承诺（国办发〔2020〕42号），请按一般程序申请"
                ),
            );
        }
        self.require_intake_pending("告知承诺审批")?;
        self.accepted_on = Some(on);
        self.decided_on = Some(on);
        self.decision = Some(Decision {
            approved: true,
            reason: "申请人书面承诺符合许可条件，依告知承诺制当场作出准予许可决定".into(),
            on_commitment: true,
        });
        self.state = CaseState::Decided;
        Ok(vec![
            DocumentKind::AcceptanceVoucher,
            DocumentKind::CommitmentDecision,
        ])
    }
}
