//! The monthly report (政务服务月报) of a jurisdiction as a sealed PDF: the bureau's statistics of
//! one calendar month by department ([`App::statistics`], not recomputed here) — the flows, the
//! efficiency classes, 好评率 and 差评整改率 and the cards by kind — under a heading naming the
//! bureau, the month, the period and the day it was made, sealed with the bureau's electronic seal
//! (the same sealing as every document and the same PDF rendering and signature, whoever signs:
//! Yiyin with its own key, or the county's e-seal system through the signing adapter, asked at once
//! — [`App::signer_for`]; a report the county's system cannot sign now is refused with the reason).
//!
//! The report belongs to no case and is made on demand: it is not kept in the register of
//! documents. Its file verifies on the public verification page by its signature and the seal in
//! the register (see [`crate::documents::RegistryCheck`]).
//!
//! Who makes it: the holders of [`Operation::ViewStatistics`] over the whole jurisdiction (the
//! bureau head, the discipline supervisor, the rating administrator, the centre manager); an
//! observer limited to some departments is refused. Each report made is an audited event.

use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use serde_json::json;
use yiyin_domain::authz::Operation;
use yiyin_domain::calendar::{fmt_date, fmt_date_cn};
use yiyin_domain::documents::DocumentRecord;
use yiyin_domain::engine::DocumentKind;
use yiyin_domain::text::{TextKind, check};
use yiyin_store::events::NewEvent;

use crate::App;
use crate::error::{AppError, Result};
use crate::principal::Principal;
use crate::signer::{Signing, pdf_signed_by};
use crate::statistics::{Statistics, StatisticsQuery};

/// The event recording that a monthly report was made.
pub const MONTHLY_REPORT_MADE: &str = "monthly_report_made";

/// What a monthly report is asked for.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams, utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct MonthlyReportQuery {
    /// The jurisdiction (county) code.
    pub jurisdiction: String,
    /// The calendar month (YYYY-MM): a past month or the current one (to date).
    pub month: String,
}

/// The first day of the month `text` (YYYY-MM) and the last day the report covers: the month's
/// last day, or today for the current month. A month to come is refused (Chinese errors naming
/// the field `month`).
pub fn month_period(text: &str, today: NaiveDate) -> Result<(NaiveDate, NaiveDate)> {
    check("month", text, TextKind::Short)?;
    let text = text.trim();
    let bad = || AppError::field("month", "月份格式应为 YYYY-MM，例如 2025-03");
    let (y, m) = text.split_once('-').ok_or_else(bad)?;
    if y.len() != 4 || m.len() != 2 || !(y.chars().chain(m.chars())).all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let (year, month) = (
        y.parse::<i32>().map_err(|_| bad())?,
        m.parse::<u32>().map_err(|_| bad())?,
    );
    let first = NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(bad)?;
    if first > today {
        return Err(AppError::field(
            "month",
            format!(
                "只能生成已过去的月份或本月（截至今日）的月报：{text} 尚未到来（今天是 {}）",
                fmt_date(today)
            ),
        ));
    }
    let last = first
        .checked_add_months(chrono::Months::new(1))
        .and_then(|d| d.pred_opt())
        .ok_or_else(bad)?;
    Ok((first, last.min(today)))
}

/// The file name of a report: 「政务服务月报_汉阴县_2025-03.pdf」.
pub fn report_name(jurisdiction_name: &str, first: NaiveDate) -> String {
    format!(
        "政务服务月报_{jurisdiction_name}_{}-{:02}.pdf",
        first.year(),
        first.month()
    )
}

/// The lines of the report's table: one per department and the total last, each naming every
/// figure of the statistics table by its heading (「县市场监督管理局：收件 6，受理 5，……」).
pub fn report_lines(s: &Statistics) -> Vec<String> {
    let headings = s.table.headings();
    s.table
        .body()
        .iter()
        .map(|row| {
            let name = row.get(1).map(|c| c.text()).unwrap_or_default();
            let figures: Vec<String> = headings
                .iter()
                .zip(row.iter())
                .skip(2)
                .map(|(h, c)| format!("{h} {}", c.text()))
                .collect();
            format!("{name}：{}。", figures.join("，"))
        })
        .collect()
}

impl App {
    /// The monthly report of a jurisdiction as a sealed PDF: (file name, bytes). Role checked
    /// first (the whole jurisdiction's statistics: an observer limited to departments is
    /// refused), then the month; the bureau's seal must be loaded. The making is an event.
    pub async fn monthly_report(
        &self,
        who: &Principal,
        jurisdiction: &str,
        month: &str,
    ) -> Result<(String, Vec<u8>)> {
        let jurisdiction = jurisdiction.trim();
        who.require_in(Operation::ViewStatistics, jurisdiction)?;
        if Self::statistics_limit(who, jurisdiction).is_some() {
            return Err(AppError::Forbidden(
                "月报是全县区各部门的统计，审批观察员只能查看所关注部门的统计，无权生成月报".into(),
            ));
        }
        let today = self.today();
        let (first, last) = month_period(month, today)?;
        let org = self.org();
        let j = org
            .jurisdiction(jurisdiction)
            .ok_or_else(|| AppError::NotFound(format!("没有代码为 {jurisdiction} 的县区")))?;
        let bureau = j.bureau.as_ref().ok_or_else(|| {
            AppError::invalid(format!("{}未设行政审批服务局，没有月报", j.name_on(today)))
        })?;
        let s = self
            .statistics(
                who,
                &StatisticsQuery {
                    jurisdiction: jurisdiction.to_string(),
                    from: Some(fmt_date(first)),
                    to: Some(fmt_date(last)),
                    by: Some("department".into()),
                },
            )
            .await?;
        let agency = bureau.name_on(today).to_string();
        let month_cn = format!("{}年{}月", first.year(), first.month());
        let prefix = if j.doc_prefix.is_empty() {
            format!("{}审批", j.name_on(today))
        } else {
            j.doc_prefix.clone()
        };
        let (seal, signer) = self.signer_for(jurisdiction, "")?.ok_or_else(|| {
            AppError::Unavailable(format!(
                "{agency}的电子印章未启用，暂时不能生成加盖电子印章的月报"
            ))
        })?;
        let to_date = if last
            < first
                .checked_add_months(chrono::Months::new(1))
                .and_then(|d| d.pred_opt())
                .unwrap_or(last)
        {
            "（本月截至制表之日）"
        } else {
            ""
        };
        let total = &s.table.total.counts;
        let record = DocumentRecord {
            kind: DocumentKind::MonthlyReport,
            title: format!("{agency}政务服务月报（{month_cn}）"),
            number: format!(
                "{prefix}统字〔{}〕{:02}号",
                first.year(),
                first.month()
            ),
            case_number: String::new(),
            recipient: s.jurisdiction_name.clone(),
            issued_on: today,
            agency: agency.clone(),
            seal: seal.name.clone(),
            paragraphs: vec![
                format!(
                    "统计期间：{}至{}{to_date}；制表日期：{}。",
                    fmt_date_cn(first),
                    fmt_date_cn(last),
                    fmt_date_cn(today)
                ),
                format!(
                    "本月{}共收件{}件，受理{}件，办结{}件，月末在办{}件（其中超期{}件）。各部门办件、办理效率、好差评及黄牌红牌情况如下：",
                    s.jurisdiction_name,
                    total.received,
                    total.accepted,
                    total.decided,
                    total.open,
                    total.open_overdue
                ),
                "说明：按时办结率为（即办＋提前＋按时）÷办结；好评率、差评整改率来自本月好差评；黄牌、红牌为电子监察本月发出的预警。"
                    .to_string(),
            ],
            list: report_lines(&s),
            identifier: None,
            valid_until: None,
            contents: vec![],
        };
        let at = self.now();
        let seal_id = seal.id;
        let number = record.number.clone();
        let what = Signing::Report(&number);
        let unsigned = |e: AppError| match e {
            AppError::Unavailable(why) if seal.signer_url.is_some() => AppError::Unavailable(
                format!("外部签章系统未能为月报加盖电子印章，暂时不能生成月报：{why}"),
            ),
            e => e,
        };
        let document = serde_json::to_value(&record).map_err(AppError::internal)?;
        let sealed = self
            .sealed_by(signer.as_ref(), &seal, what, document, at)
            .await
            .map_err(unsigned)?;
        let url = format!("{}/verify", self.public_url());
        let pdf = pdf_signed_by(signer.as_ref(), what, &sealed, &record, &url, "")
            .await
            .map_err(unsigned)?;
        let mut tx = self.store.begin_write().await?;
        tx.append_events(&[NewEvent::new(
            &who.actor(&org),
            at,
            jurisdiction,
            None,
            MONTHLY_REPORT_MADE,
            format!(
                "生成{}政务服务月报（{month_cn}），加盖电子印章",
                s.jurisdiction_name
            ),
            json!({
                "month": fmt_date(first).get(..7),
                "from": fmt_date(first),
                "to": fmt_date(last),
                "number": number,
                "seal": seal_id,
                "received": total.received,
            }),
        )])
        .await?;
        tx.commit().await?;
        Ok((report_name(&s.jurisdiction_name, first), pdf))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        yiyin_domain::calendar::parse_date(s).unwrap()
    }

    fn field_of(r: Result<(NaiveDate, NaiveDate)>) -> String {
        match r {
            Err(AppError::Invalid { field, .. }) => field.unwrap_or_default(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_month_is_a_past_month_or_this_month_to_date() {
        let today = day("2025-03-20");
        assert_eq!(
            month_period("2025-02", today).unwrap(),
            (day("2025-02-01"), day("2025-02-28"))
        );
        assert_eq!(
            month_period(" 2025-03 ", today).unwrap(),
            (day("2025-03-01"), day("2025-03-20"))
        );
        for bad in [
            "2025-04",
            "2025-13",
            "2025-3",
            "25-03",
            "2025/03",
            "",
            "二〇二五年三月",
        ] {
            assert_eq!(field_of(month_period(bad, today)), "month", "{bad}");
        }
        assert_eq!(field_of(month_period("2025-0\u{7}", today)), "month");
    }
}
