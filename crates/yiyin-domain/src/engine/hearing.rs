//! Hearings on request (听证, Art. 47–48, 45; `contracts.md` §2b): the notice of the right to a
//! hearing, the request within 5 working days of it, the hearing date fixed within 20 working days
//! of the request and at least 7 working days ahead, and the hearing held on that date. From the
//! request to the hearing the case is suspended through the engine's one suspension record (kind
//! 听证), so the clock counts the hearing time out as it does every special procedure.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{
    Case, CaseState, Context, DocumentKind, EngineError, Suspension, SuspensionKind, refuse,
};
use crate::calendar::fmt_date;

/// Working days after the notice within which a hearing may be requested (Art. 47).
pub const REQUEST_DAYS: u32 = 5;
/// Working days after the request within which the hearing is organised (Art. 47).
pub const ORGANISE_DAYS: u32 = 20;
/// Working days' notice of the hearing's time and place (Art. 48 para 1 (1)).
pub const NOTICE_DAYS: u32 = 7;

const ART47: &str = "《行政许可法》第四十七条";
const ART48_1: &str = "《行政许可法》第四十八条第一款第（一）项";

/// A hearing on request, from the notice of the right to it (Art. 47–48).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hearing {
    /// The day the applicant and interested parties were told of their right to a hearing.
    pub notified_on: NaiveDate,
    /// add(notified_on, 5): the last day a hearing may be requested.
    pub request_due: NaiveDate,
    pub requested_on: Option<NaiveDate>,
    /// The day the hearing's date was fixed and the parties told of it.
    pub scheduled_on: Option<NaiveDate>,
    /// The date fixed for the hearing.
    pub date: Option<NaiveDate>,
    pub held_on: Option<NaiveDate>,
    /// What the hearing record (听证笔录) says, in short.
    #[serde(default)]
    pub record: String,
}

impl Hearing {
    /// Requested and not yet held: the decision waits for it (Art. 48 para 2).
    pub fn pending(&self) -> bool {
        self.requested_on.is_some() && self.held_on.is_none()
    }
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
        });
        Ok(vec![])
    }

    pub(super) fn request_hearing(
        &mut self,
        on: NaiveDate,
    ) -> Result<Vec<DocumentKind>, EngineError> {
        let Some(h) = self.hearing.as_ref() else {
            return refuse(
                "AL-17",
                format!(
                    "依据{ART47}，申请人、利害关系人在被告知听证权利之日起五日内提出听证申请；本件尚未告知听证权利"
                ),
            );
        };
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
        self.suspensions.push(Suspension {
            kind: SuspensionKind::Hearing,
            reason: "申请人、利害关系人申请听证".into(),
            expected_days: ORGANISE_DAYS,
            started_on: on,
            ended_on: None,
        });
        self.state = CaseState::Suspended;
        if let Some(h) = self.hearing.as_mut() {
            h.requested_on = Some(on);
        }
        Ok(vec![DocumentKind::SuspensionNotice])
    }

    pub(super) fn schedule_hearing(
        &mut self,
        ctx: &Context,
        on: NaiveDate,
        date: NaiveDate,
    ) -> Result<Vec<DocumentKind>, EngineError> {
        let Some(requested) = self.pending_hearing().and_then(|h| h.requested_on) else {
            return refuse("AL-17", "本件没有待举行的听证申请，不能安排听证");
        };
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
        let expected = ctx.calendar.between(requested, date)?;
        if let Some(s) = self.suspensions.last_mut() {
            s.expected_days = expected.max(1);
        }
        if let Some(h) = self.hearing.as_mut() {
            h.scheduled_on = Some(on);
            h.date = Some(date);
        }
        Ok(vec![])
    }

    pub(super) fn hold_hearing(
        &mut self,
        on: NaiveDate,
        record: &str,
    ) -> Result<Vec<DocumentKind>, EngineError> {
        let Some(h) = self.pending_hearing() else {
            return refuse("AL-18", "本件没有待举行的听证申请，不能举行听证");
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
        if let Some(s) = self.suspensions.last_mut() {
            s.ended_on = Some(on);
        }
        self.state = CaseState::Accepted;
        if let Some(h) = self.hearing.as_mut() {
            h.held_on = Some(on);
            h.record = record.trim().to_string();
        }
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

    /// The decision waits for a requested hearing (Art. 48 para 2: it rests on the hearing record).
    pub(super) fn require_hearing_held(&self) -> Result<(), EngineError> {
        match self.pending_hearing() {
            Some(h) => refuse(
                "AL-18",
                format!(
                    "依据《行政许可法》第四十八条第二款，行政机关应当根据听证笔录作出行政许可决定；本件于 {} 申请的听证尚未举行，不能作出决定",
                    h.requested_on.map(fmt_date).unwrap_or_default()
                ),
            ),
            None => Ok(()),
        }
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

    /// Whether a hearing may be requested on `on` (for the page to offer it).
    pub(super) fn may_request_hearing(&self, on: NaiveDate) -> bool {
        self.clone().request_hearing(on).is_ok()
    }

    /// Whether the hearing may be held on `on` (for the page to offer it).
    pub(super) fn may_hold_hearing(&self, on: NaiveDate) -> bool {
        self.clone().hold_hearing(on, "").is_ok()
    }
}
