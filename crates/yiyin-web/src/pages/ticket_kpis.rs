//! The requests centre's KPI page (诉求办理考核指标, `/centre/kpis`): a form (period, grouping),
//! the table of the seven rates with their numerators and denominators, and the download of the
//! same table as `.xlsx` (the API's). Who sees which figures is the application layer's
//! (`yiyin_app::tickets::TicketKpis`).

use askama::Template;
use serde::Deserialize;
use yiyin_app::tickets::TicketKpiQuery;
use yiyin_domain::authz::Operation;
use yiyin_domain::calendar::fmt_date;
use yiyin_domain::tickets::kpis::{KpiGrouping, KpiRow, MEASURES};

use crate::auth::gate;
use crate::error::AppError;
use crate::pages::{Chrome, Page, PageFor, PageResult, Query, encode, render};

/// The form of the page, as the GET form sends it (empty: the default).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct KpiForm {
    pub jurisdiction: String,
    pub from: String,
    pub to: String,
    pub by: String,
}

/// One row as shown: the name, then per KPI the rate and its fraction.
pub struct ShownRow {
    pub name: String,
    pub cells: Vec<(String, String)>,
}

fn shown(r: &KpiRow) -> ShownRow {
    ShownRow {
        name: r.key.name.clone(),
        cells: r
            .rates
            .all()
            .iter()
            .map(|x| {
                (
                    x.display.clone(),
                    format!("{}/{}", x.numerator, x.denominator),
                )
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "tickets/kpis.html")]
struct KpiPage {
    chrome: Chrome,
    jurisdictions: Vec<(String, String)>,
    jurisdiction: String,
    jurisdiction_name: String,
    groupings: Vec<(&'static str, &'static str)>,
    /// The KPIs' names, in the columns' order.
    measures: Vec<&'static str>,
    title: String,
    grouping: String,
    rows: Vec<ShownRow>,
    /// The query string of the download (empty when there is no table).
    download: String,
    from: String,
    to: String,
    by: String,
    /// The department the figures are limited to (a handler's), if any.
    limited: String,
    /// Why the form was refused.
    error: String,
}

/// The KPIs of the centre of one of the user's jurisdictions.
pub async fn kpis(page: PageFor<gate::TicketKpis>, Query(q): Query<KpiForm>) -> PageResult {
    page.require_staff()?;
    let mut mine = Vec::new();
    for op in [
        Operation::ManageTickets,
        Operation::ViewStatistics,
        Operation::HandleTickets,
    ] {
        mine.extend(page.jurisdictions_for(op));
    }
    mine.sort();
    mine.dedup();
    let jurisdiction = Page::pick_jurisdiction(
        &mine,
        &q.jurisdiction,
        "无权查看诉求办理考核指标：您的岗位没有此项职责",
    )?;
    let some = |s: &str| Some(s.to_string());
    let query = TicketKpiQuery {
        jurisdiction: jurisdiction.clone(),
        from: some(&q.from),
        to: some(&q.to),
        by: some(&q.by),
    };
    let mut p = KpiPage {
        chrome: page.chrome(""),
        jurisdiction_name: crate::pages::label_of(&mine, &jurisdiction),
        jurisdictions: mine.clone(),
        jurisdiction: jurisdiction.clone(),
        groupings: KpiGrouping::options(),
        measures: MEASURES.iter().map(|m| m.0).collect(),
        title: String::new(),
        grouping: String::new(),
        rows: Vec::new(),
        download: String::new(),
        from: q.from.clone(),
        to: q.to.clone(),
        by: q.by.clone(),
        limited: String::new(),
        error: String::new(),
    };
    match page.app.ticket_kpis(page.who(), &query).await {
        Ok(k) => {
            let t = &k.table;
            p.title = t.title();
            p.grouping = t.grouping.label().to_string();
            p.rows = t
                .rows
                .iter()
                .chain(std::iter::once(&t.total))
                .map(shown)
                .collect();
            p.from = fmt_date(t.period.from);
            p.to = fmt_date(t.period.to);
            p.by = t.grouping.code().to_string();
            p.download = format!(
                "jurisdiction={}&from={}&to={}&by={}",
                encode(&jurisdiction),
                p.from,
                p.to,
                p.by
            );
            p.limited = k.department.map(|d| d.name).unwrap_or_default();
        }
        Err(e @ AppError::Invalid { .. }) => p.error = e.to_string(),
        Err(e) => return Err(e.into()),
    }
    render(&p)
}
