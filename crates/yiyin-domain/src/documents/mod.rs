//! The written documents the law requires, composed from a case in formal Chinese: receipt and
//! acceptance vouchers (Art. 32), the one-time supplement notice listing every missing item, the
//! refusal decision, suspension and extension notices (Art. 45, 42), the decision and denial letters
//! (Art. 38), the licence (Art. 39) and the withdrawal confirmation.
//!
//! Only an administrative licence (事项类型 行政许可) is decided by a licensing decision under
//! Art. 38: the result of a public service, a filing or another approval is titled and worded for
//! what it is ([`result_title`]) — a public service's 办结通知书 cites no Art. 38 and, when it is
//! handled on the spot (即办), sets no date.
//!
//! A [`DocumentRecord`] is the canonical content; rendering (HTML, PDF) and sealing happen elsewhere.

//!
//! The module's parts: [`compose`] (the case's documents, in `compose.rs`), the hearing notices
//! (`hearing.rs`), the acts on a licence ([`licence_act_document`], in `licence.rs`), document
//! numbers (`numbers.rs`) and titles ([`result_title`], in `titles.rs`); this file holds the record,
//! the rights of redress every burdening decision states and the assembly of a record.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::catalog::LicenceEntry;
use crate::engine::{Clock, DocumentKind, ItemRules};
use crate::org::Issuer;

mod compose;
mod hearing;
mod licence;
mod numbers;
mod titles;

pub use compose::compose;
pub use licence::{ActFacts, licence_act_document, licence_version_document};
pub use titles::result_title;

use numbers::doc_number;

/// What a document needs besides the case.
#[derive(Debug, Clone)]
pub struct DocContext<'a> {
    pub case_number: &'a str,
    pub query_code: &'a str,
    pub applicant: &'a str,
    pub item: &'a ItemRules,
    /// The agency acting under its seal (the bureau, or a resident department): its seal, the
    /// short name used in document numbers (e.g. 汉阴审批), where its decisions are challenged.
    pub issuer: &'a Issuer,
    /// The case's clock; None when the calendar lacks a year the deadlines fall in.
    pub clock: Option<&'a Clock>,
    /// Whether the applicant is a person (whose name a public document masks).
    pub applicant_is_person: bool,
    /// The name of the licence or approval document the item results in.
    pub result_name: &'a str,
    pub validity_years: Option<u32>,
}

/// A composed document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentRecord {
    pub kind: DocumentKind,
    pub title: String,
    /// 文号, e.g. 汉阴审批受字〔2026〕HY2026000123号.
    pub number: String,
    pub case_number: String,
    pub recipient: String,
    pub issued_on: NaiveDate,
    pub agency: String,
    pub seal: String,
    /// The paragraphs, in order.
    pub paragraphs: Vec<String>,
    /// A numbered list the document refers to (missing materials, conditions …), if any.
    pub list: Vec<String>,
    /// For a licence: its e-licence identifier (GB/T 36904).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    /// For a licence: the last day it is valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<NaiveDate>,
    /// For a licence whose item's result has a template (证照模板): its contents, in the
    /// template's order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contents: Vec<LicenceEntry>,
}

impl DocumentRecord {
    /// How many paragraphs stand before the numbered list: the list follows the last paragraph
    /// after the first that introduces it (ending with a colon), else it comes last.
    pub fn list_after(&self) -> usize {
        self.paragraphs
            .iter()
            .enumerate()
            .skip(1)
            .filter(|(_, p)| p.ends_with('：'))
            .map(|(i, _)| i + 1)
            .next_back()
            .unwrap_or(self.paragraphs.len())
    }
}

const RIGHTS: &str = "如不服本决定，可以自收到本决定书之日起六十日内向{body}申请行政复议，也可以自收到本决定书之日起六个月内向{court}提起行政诉讼。";

/// The rights of reconsideration and litigation against the issuer's decision (Art. 38 para 2).
fn rights(issuer: &Issuer) -> String {
    RIGHTS
        .replace("{body}", &issuer.reconsideration_body)
        .replace("{court}", &issuer.court)
}

/// The record of a composed document: its title, number, issuer and seal.
fn finish(
    kind: DocumentKind,
    ctx: &DocContext,
    issued_on: NaiveDate,
    paragraphs: Vec<String>,
    list: Vec<String>,
) -> DocumentRecord {
    let title = if kind == DocumentKind::Licence {
        ctx.result_name.to_string()
    } else {
        result_title(kind, ctx.item.kind).to_string()
    };
    DocumentRecord {
        kind,
        title,
        number: doc_number(ctx.issuer, kind, ctx.item.kind, issued_on, ctx.case_number),
        case_number: ctx.case_number.to_string(),
        recipient: match kind {
            DocumentKind::HearingAnnouncement => "社会公众".to_string(),
            DocumentKind::HearingRightNotice | DocumentKind::HearingNotice => {
                format!("{}及利害关系人", ctx.applicant)
            }
            _ => ctx.applicant.to_string(),
        },
        issued_on,
        agency: ctx.issuer.agency.clone(),
        seal: ctx.issuer.seal.clone(),
        paragraphs,
        list,
        identifier: None,
        valid_until: match kind {
            DocumentKind::Licence => ctx.validity_years.and_then(|y| {
                issued_on
                    .checked_add_months(chrono::Months::new(12 * y))
                    .and_then(|d| d.pred_opt())
            }),
            _ => None,
        },
        contents: vec![],
    }
}

#[cfg(test)]
mod tests;
