//! A case's documents for the applicant who filed it and the staff whose duty covers it: the formal
//! A4 page (with the seal's image when sealed), the sealed PDF and OFD, and the sealed record (JSON).

use crate::pages::Path;
use askama::Template;
use yiyin_domain::calendar::fmt_date_cn;
use yiyin_domain::documents::DocumentRecord;

use super::{Page, PageResult, file_response, render};
use crate::error::AppError;

#[derive(Template)]
#[template(path = "docs/document.html")]
struct DocumentPage {
    doc: DocumentRecord,
    issued: String,
    /// The paragraph after which the numbered list goes.
    list_after: usize,
    /// The seal's image (SVG), when the document is sealed.
    seal_svg: String,
    case_id: i64,
    doc_id: i64,
    /// The case page the reader came from (the staff's or the applicant's): "返回" is a plain link.
    back: String,
    /// The document's verification code (empty before its PDF gave it one): the reader may see the
    /// case, so the verification link opens the full record.
    code: String,
    /// A simulated document (模拟运行): watermarked 模拟, of no legal effect.
    simulated: bool,
    /// A document waiting for the county's own e-seal system: what staff are told (the reason it
    /// is not sealed yet), or what the applicant is.
    seal_waiting: Option<String>,
}

/// A case's document as its reader may see it: `/cases/{id}/documents/{doc}`.
type DocPath = Path<(i64, i64)>;

/// The name a document's file is saved under.
fn saved_name(record: &DocumentRecord, extension: &str) -> String {
    format!("{}-{}.{extension}", record.title, record.case_number)
}

pub async fn document(page: Page, Path((id, doc)): DocPath) -> PageResult {
    let d = page.app.document_of(page.who(), id, doc).await?;
    let seal_svg = match d
        .sealed
        .as_deref()
        .and_then(|s| yiyin_seal::SealedDocument::from_json(s).ok())
    {
        Some(s) => yiyin_seal::drawing::svg(&yiyin_seal::drawing::draw(&s.seal.name, 160.0)),
        None => String::new(),
    };
    let simulated = page.app.case_simulated(id).await?;
    let seal_waiting = yiyin_app::documents::seal_waiting(&d, page.who().is_staff());
    render(&DocumentPage {
        seal_waiting,
        simulated,
        code: d.verification_code.clone().unwrap_or_default(),
        issued: fmt_date_cn(d.record.issued_on),
        list_after: d.record.list_after(),
        doc: d.record,
        seal_svg,
        case_id: id,
        doc_id: doc,
        back: if page.who().is_staff() {
            format!("/work/cases/{id}")
        } else {
            format!("/my/cases/{id}")
        },
    })
}

/// The sealed PDF.
pub async fn pdf(page: Page, Path((id, doc)): DocPath) -> PageResult {
    let d = page.app.document_of(page.who(), id, doc).await?;
    let bytes = page.app.pdf_of(&d).await?;
    let name = saved_name(&d.record, "pdf");
    Ok(file_response("application/pdf", &name, false, bytes))
}

/// The sealed OFD (GB/T 33190), beside the PDF.
pub async fn ofd(page: Page, Path((id, doc)): DocPath) -> PageResult {
    let d = page.app.document_of(page.who(), id, doc).await?;
    let bytes = page.app.ofd_of(&d).await?;
    let name = saved_name(&d.record, "ofd");
    Ok(file_response("application/ofd", &name, false, bytes))
}

/// The sealed record (JSON) with its signature, for offline verification (`yiyin verify`).
pub async fn json(page: Page, Path((id, doc)): DocPath) -> PageResult {
    let d = page.app.document_of(page.who(), id, doc).await?;
    let sealed = d
        .sealed
        .clone()
        .ok_or_else(|| AppError::Conflict("这份文书未加盖电子印章".into()))?;
    let name = saved_name(&d.record, "json");
    Ok(file_response(
        "application/json; charset=utf-8",
        &name,
        false,
        sealed.into_bytes(),
    ))
}
