//! Open data (政务公开): the approvals a jurisdiction published — every licence it issued, each
//! version (a grant, a change, a renewal) as one row — for other departments and the public
//! platform to take, as JSON pages and as CSV. Anyone may read them; the web layer rate-limits the
//! reading.
//!
//! What a row shows is what 行政许可 publicity shows: the licence's number and name, the item,
//! the holder, the issuing authority, the dates and the status on the day it is read. A holder
//! that is an organisation is named with its unified social credit code; a person is never named
//! in full and never with an ID number (`王芳` → `王*`).

use serde::{Deserialize, Serialize};
use yiyin_domain::calendar::fmt_date;
use yiyin_domain::ids::mask_name;
use yiyin_domain::party::SubjectId;
use yiyin_domain::text::{TextKind, check};
use yiyin_store::licences::Licence;

use crate::App;
use crate::error::{AppError, Result};
use crate::statistics::{csv_text, parse_period, write_csv};

/// The most rows one page of JSON holds, and the default.
pub const PAGE_MAX: u32 = 1000;
/// The most rows one CSV file holds (a larger period is asked for in parts).
pub const CSV_MAX: u32 = 50_000;

/// What a listing of approvals asks for. Absent dates: from the first of January of this year to
/// today (at most five years).
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams, utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ApprovalsQuery {
    /// The jurisdiction (county) code.
    pub jurisdiction: String,
    /// The first issue date (YYYY-MM-DD); default: 1 January of this year.
    #[serde(default)]
    pub from: Option<String>,
    /// The last issue date (YYYY-MM-DD); default: today.
    #[serde(default)]
    pub to: Option<String>,
    /// JSON only: the `next` of the page before (the rows after it); absent for the first page.
    #[serde(default)]
    pub after: Option<i64>,
    /// JSON only: rows per page, 1 to 1000 (default 1000).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// One published approval: one version of a licence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Approval {
    /// The licence's number (its e-licence identifier).
    pub licence_number: String,
    /// The licence's name (许可证书名称).
    pub licence_name: String,
    /// 1 for the grant; each change or renewal issues the next version.
    pub version: i64,
    pub item_code: String,
    /// The item's name in today's catalog (empty for an item since retired).
    pub item_name: String,
    /// 法人及其他组织 or 自然人.
    pub holder_kind: String,
    /// An organisation's name; a person's surname with the rest hidden.
    pub holder: String,
    /// An organisation's unified social credit code; `null` for a person.
    pub holder_credit_code: Option<String>,
    /// The issuing authority (许可机关) and its credit code.
    pub authority: String,
    pub authority_credit_code: String,
    /// The decision and issue date (许可决定日期), YYYY-MM-DD.
    pub issued_on: String,
    /// The last day of validity; `null`: no end date.
    pub valid_until: Option<String>,
    /// The status today (有效, 已变更, 已延续, 已撤销, 已注销, 已失效, …).
    pub status: String,
}

/// One page of published approvals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Approvals {
    pub jurisdiction: String,
    pub jurisdiction_name: String,
    pub from: String,
    pub to: String,
    pub approvals: Vec<Approval>,
    /// Give it as `after` for the next page; `null` on the last page.
    pub next: Option<i64>,
}

/// The CSV's headings, in the order of [`Approval`]'s fields.
const HEADINGS: [&str; 13] = [
    "许可证号",
    "许可证书名称",
    "版本",
    "事项编码",
    "事项名称",
    "相对人类别",
    "行政相对人",
    "统一社会信用代码",
    "许可机关",
    "许可机关统一社会信用代码",
    "许可决定日期",
    "有效期至",
    "当前状态",
];

impl App {
    /// A page of the approvals a jurisdiction published in a period (see the module doc).
    pub async fn public_approvals(&self, q: &ApprovalsQuery) -> Result<Approvals> {
        let limit = match q.limit {
            None => PAGE_MAX,
            Some(n) if (1..=PAGE_MAX).contains(&n) => n,
            Some(_) => {
                return Err(AppError::field(
                    "limit",
                    format!("每页条数应在 1 到 {PAGE_MAX} 之间"),
                ));
            }
        };
        if q.after.is_some_and(|a| a < 0) {
            return Err(AppError::field("after", "after 应为上一页返回的 next"));
        }
        self.approvals(q, limit).await
    }

    /// Every approval of a jurisdiction in a period as CSV (at most [`CSV_MAX`] rows; a longer
    /// listing is refused and asked for in shorter periods).
    pub async fn public_approvals_csv(&self, q: &ApprovalsQuery) -> Result<(Approvals, Vec<u8>)> {
        let mut page = self
            .approvals(
                &ApprovalsQuery {
                    after: None,
                    ..q.clone()
                },
                CSV_MAX + 1,
            )
            .await?;
        if page.approvals.len() > CSV_MAX as usize {
            return Err(AppError::field(
                "to",
                format!("该期间的许可超过 {CSV_MAX} 条，请缩短期间分段下载"),
            ));
        }
        page.next = None;
        let rows = page.approvals.iter().map(|a| {
            [
                &a.licence_number,
                &a.licence_name,
                &a.version.to_string(),
                &a.item_code,
                &a.item_name,
                &a.holder_kind,
                &a.holder,
                a.holder_credit_code.as_deref().unwrap_or(""),
                &a.authority,
                &a.authority_credit_code,
                &a.issued_on,
                a.valid_until.as_deref().unwrap_or(""),
                &a.status,
            ]
            .into_iter()
            .map(csv_text)
            .collect()
        });
        let bytes = write_csv(
            "许可公示",
            HEADINGS.iter().map(|h| h.to_string()).collect(),
            rows,
        )?;
        Ok((page, bytes))
    }

    async fn approvals(&self, q: &ApprovalsQuery, limit: u32) -> Result<Approvals> {
        for (field, value) in [
            ("jurisdiction", Some(&q.jurisdiction)),
            ("from", q.from.as_ref()),
            ("to", q.to.as_ref()),
        ] {
            check(field, value.map_or("", String::as_str), TextKind::Short)?;
        }
        let today = self.today();
        let code = q.jurisdiction.trim();
        let org = self.org();
        let Some(jurisdiction) = org.jurisdiction(code) else {
            return Err(AppError::NotFound(format!("没有代码为 {code} 的县区")));
        };
        let period = parse_period(&q.from, &q.to, today)?;
        let rows = self
            .store
            .licences_issued(
                code,
                period.from,
                period.to,
                q.after.unwrap_or(0),
                i64::from(limit) + 1,
            )
            .await?;
        let names: std::collections::HashMap<String, String> = self
            .store
            .catalog_as_of(code, today)
            .await?
            .into_iter()
            .map(|v| (v.item.code, v.item.name))
            .collect();
        let more = rows.len() > limit as usize;
        let shown = &rows[..rows.len().min(limit as usize)];
        Ok(Approvals {
            jurisdiction: code.to_string(),
            jurisdiction_name: jurisdiction.name_on(today).to_string(),
            from: fmt_date(period.from),
            to: fmt_date(period.to),
            next: more.then(|| shown.last().map_or(0, |l| l.id)),
            approvals: shown.iter().map(|l| approval(l, &names, today)).collect(),
        })
    }
}

/// A licence version as it is published.
fn approval(
    l: &Licence,
    names: &std::collections::HashMap<String, String>,
    today: chrono::NaiveDate,
) -> Approval {
    let (holder_kind, holder, holder_credit_code) = match &l.holder_id {
        SubjectId::Organisation(code) => (
            "法人及其他组织",
            l.holder.clone(),
            Some(code.as_str().to_string()),
        ),
        SubjectId::Person(_) => ("自然人", mask_name(&l.holder), None),
    };
    Approval {
        licence_number: l.identifier.clone(),
        licence_name: l.name.clone(),
        version: l.version,
        item_code: l.item_code.clone(),
        item_name: names.get(&l.item_code).cloned().unwrap_or_default(),
        holder_kind: holder_kind.to_string(),
        holder,
        holder_credit_code,
        authority: l.issuer.clone(),
        authority_credit_code: l.issuer_credit_code.clone(),
        issued_on: fmt_date(l.issued_on),
        valid_until: l.valid_until.map(fmt_date),
        status: l.status_on(today).label().to_string(),
    }
}
