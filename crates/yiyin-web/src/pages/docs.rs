//! Printable documents: a case's voucher, notice, decision or licence as a formal A4 page, for the
//! applicant who filed it and the staff whose duty covers it.

use askama::Template;
use axum::extract::{Path, State};
use yiyin_domain::calendar::fmt_date_cn;
use yiyin_domain::documents::DocumentRecord;

use super::{PageResult, render};
use crate::auth::Viewer;
use crate::error::AppError;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "docs/document.html")]
struct DocumentPage {
    doc: DocumentRecord,
    issued: String,
    /// The paragraph after which the numbered list goes.
    list_after: usize,
}

pub async fn document(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, doc)): Path<(i64, i64)>,
) -> PageResult {
    let Viewer(Some((session, via))) = viewer else {
        return Err(AppError::Unauthorized.into());
    };
    let signed = crate::auth::Signed { session, via };
    let record = state.store.case(id).await?;
    signed.may_view(&record)?;
    let d = state.store.document(doc).await?;
    if d.case_id != id {
        return Err(AppError::NotFound("没有这份文书".into()).into());
    }
    // The list follows the paragraph that introduces it (ending with a colon), else the last one.
    let paragraphs = &d.record.paragraphs;
    let list_after = paragraphs
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(_, p)| p.ends_with('：'))
        .map(|(i, _)| i + 1)
        .next_back()
        .unwrap_or(paragraphs.len());
    render(&DocumentPage {
        issued: fmt_date_cn(d.record.issued_on),
        doc: d.record,
        list_after,
    })
}
