//! A jurisdiction's deadline matrix (type × urgency → limits) and its merge window, as data, with
//! the bounds the centre may set them within.

use serde::{Deserialize, Serialize};

use super::{Deadlines, TicketType, Urgency};
use crate::refusal::{Refusal, refuse};

/// The most hours the centre may give an urgent ticket's dispatch or signing.
pub const MAX_STEP_HOURS: u32 = 48;

/// The most hours the centre may give an urgent ticket's reply (10 days of elapsed hours).
pub const MAX_REPLY_HOURS: u32 = 240;

/// Yiyin's default window for merging duplicates (并单), in calendar days (`legal-rules.md` Part 4).
pub const DEFAULT_MERGE_WINDOW_DAYS: u32 = 7;

/// One row of a jurisdiction's deadline matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MatrixRow {
    #[serde(rename = "type")]
    pub ticket_type: TicketType,
    pub urgency: Urgency,
    pub deadlines: Deadlines,
}

/// A jurisdiction's deadline matrix (type × urgency → limits) and its merge window, as data. The
/// limits are counted in working days on the calendar, except the hour limits an urgent row carries
/// (dispatch, sign, reply), which count elapsed hours (see [`Deadlines`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeadlineMatrix {
    pub rows: Vec<MatrixRow>,
    /// Duplicates are merged within this many calendar days of the master's registration.
    pub merge_window_days: u32,
}

impl Default for DeadlineMatrix {
    /// Yiyin's defaults: [`Deadlines::defaults`] for every type and urgency (hours for urgent
    /// tickets), a 7-day merge window.
    fn default() -> Self {
        let rows = TicketType::ALL
            .iter()
            .flat_map(|&t| {
                Urgency::ALL.iter().map(move |&u| MatrixRow {
                    ticket_type: t,
                    urgency: u,
                    deadlines: Deadlines::defaults(t, u),
                })
            })
            .collect();
        DeadlineMatrix {
            rows,
            merge_window_days: DEFAULT_MERGE_WINDOW_DAYS,
        }
    }
}

impl DeadlineMatrix {
    /// The limits of a type and urgency (Yiyin's default row when the matrix lacks it).
    pub fn deadlines(&self, ticket_type: TicketType, urgency: Urgency) -> Deadlines {
        self.rows
            .iter()
            .find(|r| r.ticket_type == ticket_type && r.urgency == urgency)
            .map_or_else(
                || Deadlines::defaults(ticket_type, urgency),
                |r| r.deadlines,
            )
    }

    /// Sets the limits of one type and urgency.
    pub fn set(&mut self, ticket_type: TicketType, urgency: Urgency, deadlines: Deadlines) {
        match self
            .rows
            .iter_mut()
            .find(|r| r.ticket_type == ticket_type && r.urgency == urgency)
        {
            Some(r) => r.deadlines = deadlines,
            None => self.rows.push(MatrixRow {
                ticket_type,
                urgency,
                deadlines,
            }),
        }
    }

    /// Refuses limits outside what the centre may set: each at least 1 working day (a reply limit
    /// none only for praise), at most 60; an extension at most 30; a merge window of 1 to 30 days.
    /// Hour limits only on urgent rows: dispatch and sign 1 to [`MAX_STEP_HOURS`] hours, reply 1 to
    /// [`MAX_REPLY_HOURS`] hours (none for praise).
    pub fn validate(&self) -> Result<(), Refusal> {
        let bad = |what: String| refuse::<()>("RC-matrix", what);
        for r in &self.rows {
            let d = r.deadlines;
            let name = format!("{}（{}）", r.ticket_type.label(), r.urgency.label());
            for (what, v) in [
                ("派单", d.dispatch),
                ("签收", d.sign),
                ("退单", d.return_within),
                ("回访", d.callback),
            ] {
                if !(1..=60).contains(&v) {
                    bad(format!("{name}的{what}时限应为1至60个工作日（现为{v}）"))?;
                }
            }
            match (d.reply, r.ticket_type) {
                (None, TicketType::Praise) => {}
                (None, _) => bad(format!("{name}须有答复时限"))?,
                (Some(v), _) if !(1..=60).contains(&v) => {
                    bad(format!("{name}的答复时限应为1至60个工作日（现为{v}）"))?
                }
                _ => {}
            }
            check_hours(r, &name)?;
            if d.max_extension > 30 {
                bad(format!(
                    "{name}的延期上限不得超过30个工作日（现为{}）",
                    d.max_extension
                ))?;
            }
        }
        if !(1..=30).contains(&self.merge_window_days) {
            bad(format!(
                "并单时间窗应为1至30个自然日（现为{}）",
                self.merge_window_days
            ))?;
        }
        Ok(())
    }
}

/// Refuses hour limits on an ordinary row, or outside their bounds on an urgent one.
fn check_hours(r: &MatrixRow, name: &str) -> Result<(), Refusal> {
    let d = r.deadlines;
    if r.urgency != Urgency::Urgent {
        if d.in_hours() {
            refuse::<()>(
                "RC-matrix",
                format!("{name}按工作日计算时限，不能设定小时时限；小时时限只适用于紧急工单"),
            )?;
        }
        return Ok(());
    }
    for (what, v) in [("派单", d.dispatch_hours), ("签收", d.sign_hours)] {
        if let Some(v) = v
            && !(1..=MAX_STEP_HOURS).contains(&v)
        {
            refuse::<()>(
                "RC-matrix",
                format!("{name}的{what}时限应为1至{MAX_STEP_HOURS}小时（现为{v}）"),
            )?;
        }
    }
    match (d.reply_hours, r.ticket_type) {
        (Some(_), TicketType::Praise) => refuse::<()>(
            "RC-matrix",
            format!("{name}没有答复期限，不能设定答复小时时限"),
        )?,
        (Some(v), _) if !(1..=MAX_REPLY_HOURS).contains(&v) => refuse::<()>(
            "RC-matrix",
            format!("{name}的答复时限应为1至{MAX_REPLY_HOURS}小时（现为{v}）"),
        )?,
        _ => {}
    }
    Ok(())
}
