//! The requests centre's KPIs (诉求办理考核指标) as a use case: the seven rates of
//! [`yiyin_domain::tickets::kpis`] per department or per category over a period, recomputed from
//! each master ticket's history entries (replayed through the domain's state machine on the
//! working-day calendar, open tickets judged as of today), and their `.xlsx` export.
//!
//! Who reads them: the centre's manager, the bureau head and the discipline supervisor of the
//! jurisdiction see every department and category; a ticket handler sees only what their own
//! department did (its row, or the categories counted on its acts alone). Anyone else is refused.

use chrono::{DateTime, NaiveDateTime};
use serde::{Deserialize, Serialize};
use yiyin_domain::calendar::{cst, fmt_date};
use yiyin_domain::roles::Role;
use yiyin_domain::statistics::Key;
use yiyin_domain::text::{TextKind, check};
use yiyin_domain::tickets::kpis::{KpiGrouping, KpiQuery, KpiTable, KpiTicket, compute_kpis};
use yiyin_domain::tickets::{EXTENSION_APPROVER, TicketAction};
use yiyin_store::tickets::TicketEvent;

use super::ticket_error;
use crate::App;
use crate::error::{AppError, Result};
use crate::principal::Principal;
use crate::statistics::{StatisticsQuery, start_ms, workbook};

/// What a KPI table is asked for. Absent dates: from the first of January of this year to today;
/// absent grouping: by department.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams, utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct TicketKpiQuery {
    /// The jurisdiction (county) code.
    pub jurisdiction: String,
    /// The first day of the period (YYYY-MM-DD); default: 1 January of this year.
    #[serde(default)]
    pub from: Option<String>,
    /// The last day of the period (YYYY-MM-DD), not after today; default: today.
    #[serde(default)]
    pub to: Option<String>,
    /// `department` or `category` (or 部门 / 诉求分类); default `department`.
    #[serde(default)]
    pub by: Option<String>,
}

/// The KPIs of a jurisdiction and period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketKpis {
    pub jurisdiction: String,
    pub jurisdiction_name: String,
    /// The department the figures are limited to (a ticket handler's own), if any.
    pub department: Option<Key>,
    pub table: KpiTable,
}

/// The sheet of the workbook.
pub const KPI_SHEET: &str = "诉求考核指标";

/// The roles that read the whole jurisdiction's KPIs.
const READERS: [Role; 3] = [
    Role::CentreManager,
    Role::BureauHead,
    Role::DisciplineSupervisor,
];

/// The local time (China Standard Time) of an instant in milliseconds, as the acts were applied.
fn local_moment(ms: i64) -> NaiveDateTime {
    DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .with_timezone(&cst())
        .naive_local()
}

/// A history entry as the act it recorded; `None` for an entry that is no act of the loop.
fn act_of(e: &TicketEvent) -> Option<TicketAction> {
    let data: serde_json::Value = serde_json::from_str(&e.data).unwrap_or_default();
    let department = || e.department.clone().unwrap_or_default();
    let text = || {
        if e.note.trim().is_empty() {
            "（未记录）".to_string()
        } else {
            e.note.clone()
        }
    };
    let days = || {
        data.get("days")
            .and_then(serde_json::Value::as_u64)
            .and_then(|d| u32::try_from(d).ok())
            .unwrap_or(0)
    };
    Some(match e.action.as_str() {
        "create" => TicketAction::Create {},
        "dispatch" => TicketAction::Dispatch {
            department: department(),
        },
        "sign" => TicketAction::Sign {},
        "return" => TicketAction::Return { reason: text() },
        "extend" => TicketAction::Extend {
            days: days(),
            approved_by: EXTENSION_APPROVER.into(),
        },
        "reply" => TicketAction::Reply {},
        "callback" => TicketAction::Callback {
            satisfied: data.get("satisfaction").and_then(serde_json::Value::as_str)
                != Some("unsatisfied"),
        },
        "direct_reply" => TicketAction::DirectReply {},
        "reassign" => TicketAction::Reassign {
            department: department(),
            reason: text(),
        },
        "arbitrate" => TicketAction::Arbitrate {
            department: department(),
        },
        "ask_extension" => TicketAction::AskExtension {
            days: days(),
            reason: text(),
        },
        "deny_extension" => TicketAction::DenyExtension { reason: text() },
        "remind" => TicketAction::Remind { note: text() },
        "inform" => TicketAction::Inform { note: text() },
        "merge" => TicketAction::Merge {
            master: data
                .get("master")
                .map_or_else(|| "（未记录）".to_string(), ToString::to_string),
        },
        _ => return None,
    })
}

impl App {
    /// Whom `who` may read the KPIs of `jurisdiction` for: `None` every department, `Some` their
    /// own department only; refused otherwise.
    fn kpi_reader(&self, who: &Principal, jurisdiction: &str) -> Result<Option<String>> {
        who.require_staff()?;
        let grants = &who.account.grants;
        if grants
            .iter()
            .any(|g| g.jurisdiction == jurisdiction && READERS.contains(&g.role))
        {
            return Ok(None);
        }
        if let Some(dep) = grants
            .iter()
            .filter(|g| g.jurisdiction == jurisdiction && g.role == Role::TicketHandler)
            .find_map(|g| g.department.clone())
        {
            return Ok(Some(dep));
        }
        Err(AppError::Forbidden(
            "无权查看诉求办理考核指标：仅限本县区诉求服务中心负责人、局长、纪检监督员和诉求承办人员（只看本部门）"
                .into(),
        ))
    }

    /// The KPIs of a jurisdiction and period, by department or category.
    pub async fn ticket_kpis(&self, who: &Principal, q: &TicketKpiQuery) -> Result<TicketKpis> {
        check("by", q.by.as_deref().unwrap_or(""), TextKind::Short)?;
        let today = self.today();
        let (jurisdiction, period, _) = StatisticsQuery {
            jurisdiction: q.jurisdiction.clone(),
            from: q.from.clone(),
            to: q.to.clone(),
            by: None,
        }
        .parse(today)?;
        let grouping = match q.by.as_deref().map(str::trim).filter(|b| !b.is_empty()) {
            None => KpiGrouping::Department,
            Some(b) => AppError::choice::<KpiGrouping>("by", b, |words| {
                format!("统计口径应为以下之一：{words}")
            })?,
        };
        let only = self.kpi_reader(who, &jurisdiction)?;
        let j = self.jurisdiction(&jurisdiction)?;
        let until = period.to.succ_opt().unwrap_or(period.to);
        let sources = self
            .store
            .ticket_kpi_sources(&jurisdiction, start_ms(period.from), start_ms(until))
            .await?;
        let tickets: Vec<KpiTicket> = sources
            .into_iter()
            .map(|(row, events)| KpiTicket {
                number: row.number,
                category: Key::new(row.category_code, row.category_name),
                ticket: row.ticket,
                history: events
                    .iter()
                    .filter_map(|e| act_of(e).map(|a| (local_moment(e.at), a)))
                    .collect(),
            })
            .collect();
        let name = |code: &str| match j.township(code) {
            Some(t) => t.government(),
            None => j.department_name(code),
        };
        let table = compute_kpis(
            &tickets,
            &KpiQuery {
                period,
                as_of: today,
                grouping,
                department: only.as_deref(),
            },
            &name,
            &self.calendar(),
        )
        .map_err(ticket_error)?;
        Ok(TicketKpis {
            department: only.map(|d| Key::new(d.clone(), name(&d))),
            jurisdiction,
            jurisdiction_name: j.name.clone(),
            table,
        })
    }
}

/// The file name of an export: 「诉求考核指标_汉阴县_按部门_2025-01-01_2025-03-31.xlsx」.
pub fn kpi_export_name(k: &TicketKpis) -> String {
    let p = k.table.period;
    format!(
        "{KPI_SHEET}_{}_按{}_{}_{}.xlsx",
        k.jurisdiction_name,
        k.table.grouping.label(),
        fmt_date(p.from),
        fmt_date(p.to)
    )
}

/// The KPIs as an Excel workbook: one sheet with the title, the headings, every row (counts as
/// numbers, rates as shown) and the total last.
pub fn kpis_to_xlsx(k: &TicketKpis) -> Result<Vec<u8>> {
    let mut title = format!("{} {}", k.jurisdiction_name, k.table.title());
    if let Some(d) = &k.department {
        title.push_str(&format!("（仅{}）", d.name));
    }
    workbook(KPI_SHEET, &title, &k.table.headings(), &k.table.body())
}
