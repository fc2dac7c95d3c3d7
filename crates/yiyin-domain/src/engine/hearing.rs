//! Hearings (听证, Art. 46–48, 45; `contracts.md` §2b): the hearing on request — the notice of the
//! right to a hearing, the request within 5 working days of it (by the applicant or an interested
//! party, 利害关系人) — and the statutory hearing the bureau opens itself (Art. 46: a law requires it,
//! or the bureau deems the matter of major public interest; the catalog item declares it by a
//! hearing step in its procedure). Both follow the same dates: the hearing fixed within 20 working
//! days of the request (or the opening) and at least 7 working days ahead, announced publicly, held
//! on that date. The presiding officer (主持人) is not the case's reviewer, and a party may ask
//! for their recusal (回避), decided by the agency head (Art. 48 para 1 (3)). The record (听证笔录)
//! names the participants, each of whom signs it or whose refusal is noted (Art. 48 para 1 (5));
//! the decision waits for it and rests on it (Art. 48 para 2). From the request to the hearing the
//! case is suspended through the engine's one suspension record (kind 听证), so the clock counts
//! the hearing time out as it does every special procedure.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{
    Case, CaseState, Context, DocumentKind, EngineError, StepRecord, Suspension, SuspensionKind,
    refuse, require_reason,
};
use crate::calendar::fmt_date;
use crate::catalog::StepKind;

/// Working days after the notice within which a hearing may be requested (Art. 47).
pub const REQUEST_DAYS: u32 = 5;
/// Working days after the request within which the hearing is organised (Art. 47).
pub const ORGANISE_DAYS: u32 = 20;
/// Working days' notice of the hearing's time and place (Art. 48 para 1 (1)).
pub const NOTICE_DAYS: u32 = 7;

const ART46: &str = "《行政许可法》第四十六条";
const ART47: &str = "《行政许可法》第四十七条";
const ART48_1: &str = "《行政许可法》第四十八条第一款第（一）项";
const ART48_3: &str = "《行政许可法》第四十八条第一款第（三）项";
const ART48_5: &str = "《行政许可法》第四十八条第一款第（五）项";
const ART48_2: &str = "《行政许可法》第四十八条第二款";

/// One participant of a hearing (听证参加人) and their confirmation of the record (Art. 48 para 1
/// (5): 听证笔录应当交听证参加人确认无误后签字或者盖章).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Participant {
    pub name: String,
    /// 申请人, 利害关系人, 审查人员, 委托代理人, 证人 …
    pub role: String,
    /// Signed (or sealed) the record after confirming it.
    #[serde(default)]
    pub signed: bool,
    /// Why the participant did not sign, as noted on the record (拒绝签字的，记录在案).
    #[serde(default)]
    pub refusal: String,
}

impl Participant {
    /// Signed the record, or their refusal is noted on it.
    pub fn confirmed(&self) -> bool {
        self.signed || !self.refusal.trim().is_empty()
    }
}

/// A party's request that the presiding officer withdraw (回避申请, Art. 48 para 1 (3)) and the
/// agency head's decision on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Recusal {
    pub on: NaiveDate,
    /// Who asked (the applicant or an interested party).
    pub by: String,
    pub reason: String,
    /// The presiding officer asked to withdraw.
    pub officer: String,
    pub decided_on: Option<NaiveDate>,
    /// Whether the officer withdraws; None until decided.
    pub granted: Option<bool>,
    #[serde(default)]
    pub decision_reason: String,
}

/// A hearing: on request from the notice of the right to it (Art. 47–48), or statutory (Art. 46).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hearing {
    /// The day the applicant and interested parties were told of their right to a hearing (for a
    /// statutory hearing: the day the bureau opened it).
    pub notified_on: NaiveDate,
    /// add(notified_on, 5): the last day a hearing may be requested.
    pub request_due: NaiveDate,
    /// The day the hearing was requested (for a statutory hearing: opened).
    pub requested_on: Option<NaiveDate>,
    /// The day the hearing's date was fixed and the parties told of it.
    pub scheduled_on: Option<NaiveDate>,
    /// The date fixed for the hearing.
    pub date: Option<NaiveDate>,
    pub held_on: Option<NaiveDate>,
    /// What the hearing record (听证笔录) says.
    #[serde(default)]
    pub record: String,
    /// A hearing the law requires or the bureau deems of major public interest (Art. 46).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub statutory: bool,
    /// Why the hearing is held: the request's reason, or the statutory basis.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// Who asked for it (申请人, or an interested party by name); empty for a statutory hearing.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub requested_by: String,
    /// The presiding officer (听证主持人), as the staff account signs.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub presiding: String,
    /// Where the hearing is held.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub place: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recusals: Vec<Recusal>,
    /// The participants named in the record, with their signatures.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub participants: Vec<Participant>,
}

impl Hearing {
    /// Requested (or opened) and not yet held: the decision waits for it (Art. 48 para 2).
    pub fn pending(&self) -> bool {
        self.requested_on.is_some() && self.held_on.is_none()
    }

    /// A recusal asked for and not yet decided.
    pub fn undecided_recusal(&self) -> Option<&Recusal> {
        self.recusals.iter().find(|r| r.granted.is_none())
    }

    /// The participants who have neither signed the record nor had a refusal noted.
    pub fn unconfirmed(&self) -> Vec<&Participant> {
        self.participants
            .iter()
            .filter(|p| !p.confirmed())
            .collect()
    }

    /// Held and every participant has signed (or their refusal is noted): the decision may rest on
    /// the record.
    pub fn record_complete(&self) -> bool {
        self.held_on.is_some() && self.unconfirmed().is_empty()
    }

    /// The record's reference, as the decision cites it: `{case number}听证笔录（{date}）`.
    pub fn record_reference(&self, case_number: &str) -> String {
        format!(
            "{case_number}号案件听证笔录（{}）",
            self.held_on.map(fmt_date).unwrap_or_default()
        )
    }

    /// Who asked for the hearing as a page names them ([`party_label`]); None for a statutory
    /// hearing, which no one asked for.
    pub fn requester(&self, applicant: &str) -> Option<String> {
        (!self.statutory && !self.requested_by.is_empty())
            .then(|| party_label(&self.requested_by, applicant))
    }

    /// 听证 or 依法听证, for notices.
    pub fn kind_label(&self) -> &'static str {
        if self.statutory {
            "依法组织的听证（《行政许可法》第四十六条）"
        } else {
            "依申请举行的听证（《行政许可法》第四十七条）"
        }
    }
}

/// A party to a hearing as recorded (`by` of a request or a recusal: 申请人, or an interested
/// party as the clerk wrote them) named for a page: the applicant with their name (「申请人
/// 某某公司」), an interested party marked as one (「利害关系人 王五」): only they may ask (Art. 47).
pub fn party_label(by: &str, applicant: &str) -> String {
    let by = by.trim();
    if by.is_empty() || by == "申请人" || by == applicant.trim() {
        format!("申请人 {}", applicant.trim())
    } else if by.starts_with("利害关系人") || by.starts_with("申请人") {
        by.to_string()
    } else {
        format!("利害关系人 {by}")
    }
}

/// The staff who reviewed the case (审查该行政许可申请的工作人员): everyone who signed a review step.
fn reviewers(case: &Case) -> Vec<&String> {
    case.steps
        .iter()
        .filter(|s| s.kind == StepKind::Review)
        .flat_map(|s| &s.staff)
        .collect()
}

/// The hearing's presiding officer is not one of the case's reviewers (Art. 48 para 1 (3)).
pub(super) fn require_not_reviewer(case: &Case, presiding: &str) -> Result<(), EngineError> {
    if reviewers(case)
        .iter()
        .any(|r| r.as_str() == presiding.trim())
    {
        return refuse(
            "AL-18",
            format!(
                "依据{ART48_3}，行政机关应当指定审查该行政许可申请的工作人员以外的人员为听证主持人；{} 审查过本件，不能主持听证",
                presiding.trim()
            ),
        );
    }
    Ok(())
}

impl Case {
    /// The date the requested hearing was held, if it was.
    pub fn hearing_on(&self) -> Option<NaiveDate> {
        self.hearing.as_ref().and_then(|h| h.held_on)
    }

    /// A requested hearing not yet held, if any.
    pub fn pending_hearing(&self) -> Option<&Hearing> {
        self.hearing.as_ref().filter(|h| h.pending())
    }

    pub(super) fn notify_hearing_right(
        &mut self,
        ctx: &Context,
        on: NaiveDate,
    ) -> Result<Vec<DocumentKind>, EngineError> {
        self.require_under_review("告知听证权利")?;
        if let Some(h) = &self.hearing {
            return refuse(
                "AL-17",
                format!(
                    "本件已于 {} 告知听证权利（{ART47}）",
                    fmt_date(h.notified_on)
                ),
            );
        }
        self.hearing = Some(Hearing {
            notified_on: on,
            request_due: ctx.calendar.add(on, REQUEST_DAYS)?,
            requested_on: None,
            scheduled_on: None,
            date: None,
            held_on: None,
            record: String::new(),
            statutory: false,
            reason: String::new(),
            requested_by: String::new(),
            presiding: String::new(),
            place: String::new(),
            recusals: vec![],
            participants: vec![],
        });
        Ok(vec![DocumentKind::HearingRightNotice])
    }

    /// The bureau opens a hearing the law requires or it deems of major public interest (Art. 46):
    /// announced publicly and held, with the dates of a hearing on request counted from the opening.
    pub(super) fn open_hearing(
        &mut self,
        ctx: &Context,
        on: NaiveDate,
        reason: &str,
    ) -> Result<Vec<DocumentKind>, EngineError> {
        if let Some(h) = &self.hearing
            && let Some(r) = h.requested_on
        {
            return refuse(
                "AL-17",
                format!("本件已于 {} 启动听证程序，不能重复组织听证", fmt_date(r)),
            );
        }
        self.require_under_review("组织听证")?;
        require_reason(
            reason,
            "AL-17",
            format!(
                "依据{ART46}，须写明应当听证的依据（法律、法规、规章的规定，或涉及公共利益的重大事项）"
            ),
        )?;
        let notified_on = self.hearing.as_ref().map_or(on, |h| h.notified_on);
        self.suspensions.push(Suspension {
            kind: SuspensionKind::Hearing,
            reason: format!("依法组织听证：{}", reason.trim()),
            expected_days: ORGANISE_DAYS,
            started_on: on,
            ended_on: None,
        });
        self.state = CaseState::Suspended;
        self.hearing = Some(Hearing {
            notified_on,
            request_due: ctx.calendar.add(notified_on, REQUEST_DAYS)?,
            requested_on: Some(on),
            scheduled_on: None,
            date: None,
            held_on: None,
            record: String::new(),
            statutory: true,
            reason: reason.trim().to_string(),
            requested_by: String::new(),
            presiding: String::new(),
            place: String::new(),
            recusals: vec![],
            participants: vec![],
        });
        Ok(vec![DocumentKind::SuspensionNotice])
    }

    pub(super) fn request_hearing(
        &mut self,
        on: NaiveDate,
        reason: &str,
        by: &str,
    ) -> Result<Vec<DocumentKind>, EngineError> {
        let Some(h) = self.hearing.as_ref() else {
            return refuse(
                "AL-17",
                format!(
                    "依据{ART47}，申请人、利害关系人在被告知听证权利之日起五日内提出听证申请；本件尚未告知听证权利"
                ),
            );
        };
        if h.statutory {
            return refuse(
                "AL-17",
                format!(
                    "本件已依{ART46}组织听证，申请人、利害关系人可作为听证参加人参加，无需另行申请"
                ),
            );
        }
        if let Some(r) = h.requested_on {
            return refuse("AL-17", format!("本件已于 {} 提出听证申请", fmt_date(r)));
        }
        if on > h.request_due {
            return refuse(
                "AL-17",
                format!(
                    "依据{ART47}，听证申请应在被告知听证权利之日起五日内提出；本件于 {} 告知，申请期限已于 {} 届满",
                    fmt_date(h.notified_on),
                    fmt_date(h.request_due)
                ),
            );
        }
        self.require_under_review("申请听证")?;
        let by = match by.trim() {
            "" => "申请人",
            b => b,
        };
        self.suspensions.push(Suspension {
            kind: SuspensionKind::Hearing,
            reason: format!("{by}申请听证"),
            expected_days: ORGANISE_DAYS,
            started_on: on,
            ended_on: None,
        });
        self.state = CaseState::Suspended;
        if let Some(h) = self.hearing.as_mut() {
            h.requested_on = Some(on);
            h.reason = reason.trim().to_string();
            h.requested_by = by.to_string();
        }
        Ok(vec![DocumentKind::SuspensionNotice])
    }

    pub(super) fn schedule_hearing(
        &mut self,
        ctx: &Context,
        on: NaiveDate,
        date: NaiveDate,
        presiding: &str,
        place: &str,
    ) -> Result<Vec<DocumentKind>, EngineError> {
        let Some(requested) = self.pending_hearing().and_then(|h| h.requested_on) else {
            return refuse("AL-17", "本件没有待举行的听证，不能安排听证");
        };
        if let Some(r) = self.pending_hearing().and_then(Hearing::undecided_recusal) {
            return refuse(
                "AL-18",
                format!(
                    "{} 于 {} 申请听证主持人回避，须由本行政机关负责人决定后再安排听证（{ART48_3}）",
                    r.by,
                    fmt_date(r.on)
                ),
            );
        }
        let latest = ctx.calendar.add(requested, ORGANISE_DAYS)?;
        if date > latest {
            return refuse(
                "AL-17",
                format!(
                    "依据{ART47}，行政机关应当在二十日内组织听证：本件于 {} 申请听证，听证日期不得晚于 {}",
                    fmt_date(requested),
                    fmt_date(latest)
                ),
            );
        }
        let earliest = ctx.calendar.add(on, NOTICE_DAYS)?;
        if date < earliest {
            return refuse(
                "AL-18",
                format!(
                    "依据{ART48_1}，行政机关应当于举行听证的七日前将举行听证的时间、地点通知申请人、利害关系人：{} 通知的，听证日期不得早于 {}",
                    fmt_date(on),
                    fmt_date(earliest)
                ),
            );
        }
        if !presiding.trim().is_empty() {
            require_not_reviewer(self, presiding)?;
        }
        let expected = ctx.calendar.between(requested, date)?;
        if let Some(s) = self.suspensions.last_mut() {
            s.expected_days = expected.max(1);
        }
        if let Some(h) = self.hearing.as_mut() {
            h.scheduled_on = Some(on);
            h.date = Some(date);
            if !presiding.trim().is_empty() {
                h.presiding = presiding.trim().to_string();
            }
            if !place.trim().is_empty() {
                h.place = place.trim().to_string();
            }
        }
        Ok(vec![
            DocumentKind::HearingNotice,
            DocumentKind::HearingAnnouncement,
        ])
    }

    /// A party asks the presiding officer to withdraw (Art. 48 para 1 (3)).
    pub(super) fn request_recusal(
        &mut self,
        on: NaiveDate,
        by: &str,
        reason: &str,
    ) -> Result<Vec<DocumentKind>, EngineError> {
        let Some(h) = self.pending_hearing() else {
            return refuse("AL-18", "本件没有待举行的听证，不能申请主持人回避");
        };
        if h.presiding.is_empty() {
            return refuse("AL-18", "本件听证尚未指定主持人，不能申请主持人回避");
        }
        if let Some(r) = h.undecided_recusal() {
            return refuse(
                "AL-18",
                format!("{} 于 {} 提出的回避申请尚待决定", r.by, fmt_date(r.on)),
            );
        }
        require_reason(
            reason,
            "AL-18",
            format!("依据{ART48_3}，申请回避须说明主持人与该行政许可事项有直接利害关系的理由"),
        )?;
        let by = match by.trim() {
            "" => "申请人",
            b => b,
        };
        let officer = h.presiding.clone();
        if let Some(h) = self.hearing.as_mut() {
            h.recusals.push(Recusal {
                on,
                by: by.to_string(),
                reason: reason.trim().to_string(),
                officer,
                decided_on: None,
                granted: None,
                decision_reason: String::new(),
            });
        }
        Ok(vec![])
    }

    /// The agency head decides a recusal: granted, with the new presiding officer; or refused, with
    /// the reason.
    pub(super) fn decide_recusal(
        &mut self,
        on: NaiveDate,
        granted: bool,
        presiding: &str,
        reason: &str,
    ) -> Result<Vec<DocumentKind>, EngineError> {
        let Some(r) = self.pending_hearing().and_then(Hearing::undecided_recusal) else {
            return refuse("AL-18", "本件没有待决定的回避申请");
        };
        let recused = r.officer.clone();
        if granted {
            let presiding = presiding.trim();
            if presiding.is_empty() {
                return refuse(
                    "AL-18",
                    format!("决定回避的，须同时指定新的听证主持人（{ART48_3}）"),
                );
            }
            if presiding == recused {
                return refuse(
                    "AL-18",
                    format!("{recused} 已决定回避，不能再主持本件听证（{ART48_3}）"),
                );
            }
            require_not_reviewer(self, presiding)?;
        } else {
            require_reason(reason, "AL-18", "驳回回避申请须说明理由")?;
        }
        let h = self.hearing.as_mut().expect("pending hearing");
        let r = h
            .recusals
            .iter_mut()
            .find(|r| r.granted.is_none())
            .expect("undecided recusal");
        r.decided_on = Some(on);
        r.granted = Some(granted);
        r.decision_reason = reason.trim().to_string();
        if granted {
            h.presiding = presiding.trim().to_string();
            // The parties and the public are told who presides now.
            return Ok(vec![
                DocumentKind::HearingNotice,
                DocumentKind::HearingAnnouncement,
            ]);
        }
        Ok(vec![])
    }

    pub(super) fn hold_hearing(
        &mut self,
        ctx: &Context,
        on: NaiveDate,
        record: &str,
        participants: &[Participant],
    ) -> Result<Vec<DocumentKind>, EngineError> {
        let Some(h) = self.pending_hearing() else {
            return refuse("AL-18", "本件没有待举行的听证，不能举行听证");
        };
        let Some(date) = h.date else {
            return refuse(
                "AL-18",
                format!("依据{ART48_1}，听证的时间、地点须于七日前通知；本件尚未安排听证日期"),
            );
        };
        if on != date {
            return refuse(
                "AL-18",
                format!(
                    "依据{ART48_1}，听证应按通知的时间举行：本件听证定于 {}，不能在 {} 举行",
                    fmt_date(date),
                    fmt_date(on)
                ),
            );
        }
        if let Some(r) = h.undecided_recusal() {
            return refuse(
                "AL-18",
                format!(
                    "{} 申请听证主持人回避，本行政机关负责人决定前不能举行听证（{ART48_3}）",
                    r.by
                ),
            );
        }
        let mut people = Vec::new();
        for p in participants {
            let (name, role) = (p.name.trim(), p.role.trim());
            if name.is_empty() || role.is_empty() {
                return refuse(
                    "AL-18",
                    format!("听证笔录须写明每名听证参加人的姓名和身份（{ART48_5}）"),
                );
            }
            if people.iter().any(|q: &Participant| q.name == name) {
                return refuse("AL-18", format!("听证参加人 {name} 重复登记"));
            }
            people.push(Participant {
                name: name.to_string(),
                role: role.to_string(),
                signed: p.signed,
                refusal: if p.signed {
                    String::new()
                } else {
                    p.refusal.trim().to_string()
                },
            });
        }
        let presiding = h.presiding.clone();
        if let Some(s) = self.suspensions.last_mut() {
            s.ended_on = Some(on);
        }
        self.state = CaseState::Accepted;
        if let Some(h) = self.hearing.as_mut() {
            h.held_on = Some(on);
            h.record = record.trim().to_string();
            h.participants = people;
        }
        // A statutory hearing held when the item's procedure waits for its hearing step completes
        // that step, presided by the officer named (the catalog's declaration of the hearing).
        if !presiding.is_empty()
            && self.awaiting_confirmation().is_none()
            && self
                .pending_step(ctx.item)
                .is_some_and(|s| s.kind == StepKind::Hearing)
        {
            self.steps.push(StepRecord {
                kind: StepKind::Hearing,
                on,
                staff: vec![presiding],
                opinion: match record.trim() {
                    "" => "举行听证".to_string(),
                    r => r.to_string(),
                },
                awaiting_confirmation: false,
            });
        }
        Ok(vec![])
    }

    /// A participant signs the record after the hearing, or their refusal to sign is noted (Art. 48
    /// para 1 (5)).
    pub(super) fn confirm_hearing_record(
        &mut self,
        name: &str,
        signed: bool,
        refusal: &str,
    ) -> Result<Vec<DocumentKind>, EngineError> {
        let Some(h) = self.hearing.as_mut().filter(|h| h.held_on.is_some()) else {
            return refuse("AL-18", "本件尚未举行听证，没有可确认的听证笔录");
        };
        if self.decided_on.is_some() {
            return refuse("decided", "本件已作出决定，听证笔录不能再变更");
        }
        let Some(p) = h.participants.iter_mut().find(|p| p.name == name.trim()) else {
            return refuse(
                "AL-18",
                format!("{} 不是听证笔录记载的听证参加人", name.trim()),
            );
        };
        if p.confirmed() {
            return refuse("AL-18", format!("听证参加人 {} 已确认听证笔录", p.name));
        }
        if !signed && refusal.trim().is_empty() {
            return refuse(
                "AL-18",
                format!("依据{ART48_5}，听证参加人未签字的，须记明拒绝签字的情况"),
            );
        }
        p.signed = signed;
        p.refusal = if signed {
            String::new()
        } else {
            refusal.trim().to_string()
        };
        Ok(vec![])
    }

    /// Refuses a special procedure's ending by `resume` while a requested hearing waits: that
    /// suspension ends when the hearing is held.
    pub(super) fn require_no_pending_hearing(&self) -> Result<(), EngineError> {
        match self.pending_hearing() {
            Some(h) => refuse(
                "AL-18",
                format!(
                    "本件已于 {} 申请听证，听证举行后方恢复计时（《行政许可法》第四十五条、第四十八条）",
                    h.requested_on.map(fmt_date).unwrap_or_default()
                ),
            ),
            None => Ok(()),
        }
    }

    /// The decision waits for a requested hearing and its signed record (Art. 48 para 2: it rests
    /// on the hearing record).
    pub(super) fn require_hearing_held(&self) -> Result<(), EngineError> {
        if let Some(h) = self.pending_hearing() {
            return refuse(
                "AL-18",
                format!(
                    "依据{ART48_2}，行政机关应当根据听证笔录作出行政许可决定；本件于 {} 申请的听证尚未举行，不能作出决定",
                    h.requested_on.map(fmt_date).unwrap_or_default()
                ),
            );
        }
        if let Some(h) = self.hearing.as_ref().filter(|h| h.held_on.is_some()) {
            let waiting: Vec<String> = h
                .unconfirmed()
                .iter()
                .map(|p| format!("{}（{}）", p.name, p.role))
                .collect();
            if !waiting.is_empty() {
                return refuse(
                    "AL-18",
                    format!(
                        "依据{ART48_2}，行政机关应当根据听证笔录作出决定；听证笔录尚未经 {} 确认签字（{ART48_5}），不能作出决定",
                        waiting.join("、")
                    ),
                );
            }
        }
        Ok(())
    }

    /// Accepted, under review and not in another special procedure: the case a hearing notice or
    /// request can concern (Art. 47: before the decision).
    fn require_under_review(&self, what: &str) -> Result<(), EngineError> {
        match self.state {
            CaseState::Accepted => Ok(()),
            CaseState::Received | CaseState::AwaitingSupplement => {
                refuse("AL-17", format!("申请尚未受理，不能{what}（{ART47}）"))
            }
            CaseState::Suspended => {
                let s = self.suspensions.last().expect("suspended");
                refuse(
                    "AL-17",
                    format!(
                        "本件正在进行{}，请在特别程序结束、恢复计时后{what}",
                        s.kind.label()
                    ),
                )
            }
            _ => refuse(
                "AL-17",
                format!("依据{ART47}，听证在作出行政许可决定前进行；本件已作出决定，不能{what}"),
            ),
        }
    }

    /// Whether the hearing action `name` would be accepted on `on` whatever its particulars, for
    /// the page to offer it ([`Case::offered_actions`]): a dry run of the engine's own rule on a
    /// copy of the case, with particulars that pass the rule's other checks — the earliest date a
    /// hearing may be fixed for (`add(on, 7)`), a reason, the first participant still to sign.
    /// None when `name` is no hearing action.
    pub(super) fn may_take_hearing_action(
        &self,
        ctx: &Context,
        name: &str,
        on: NaiveDate,
    ) -> Option<bool> {
        let mut c = self.clone();
        let reason = "理由";
        let accepted = match name {
            "notify_hearing_right" => c.notify_hearing_right(ctx, on).is_ok(),
            "open_hearing" => c.open_hearing(ctx, on, reason).is_ok(),
            "request_hearing" => c.request_hearing(on, "", "").is_ok(),
            "schedule_hearing" => ctx
                .calendar
                .add(on, NOTICE_DAYS)
                .is_ok_and(|earliest| c.schedule_hearing(ctx, on, earliest, "", "").is_ok()),
            "request_recusal" => c.request_recusal(on, "", reason).is_ok(),
            "decide_recusal" => c.decide_recusal(on, false, "", reason).is_ok(),
            "hold_hearing" => c.hold_hearing(ctx, on, "", &[]).is_ok(),
            "confirm_hearing_record" => {
                let first = self
                    .hearing
                    .as_ref()
                    .and_then(|h| h.unconfirmed().first().map(|p| p.name.clone()));
                first.is_some_and(|n| c.confirm_hearing_record(&n, true, "").is_ok())
            }
            _ => return None,
        };
        Some(accepted)
    }
}

#[cfg(test)]
mod tests;
