//! The window's receipt voucher (收件凭证/受理回执) of a case, printable (A4, `@media print`): case
//! number and query code, item, applicant and who acted for it, the materials received with the
//! number of files scanned of each, the dates promised, and the window's contact.

use askama::Template;

use super::CaseShown;
use crate::auth::gate;
use crate::pages::{PageFor, PageResult, Path, render};

/// The hall the case was received at: (name, address, hours, phone), with the window's name.
pub struct Contact {
    pub hall: String,
    pub window: String,
    pub address: String,
    pub hours: String,
    pub phone: String,
}

/// A material received, as the voucher lists it.
pub struct ReceivedLine {
    pub code: String,
    pub name: String,
    /// The number of files scanned or uploaded of it.
    pub files: usize,
    /// Fetched from shared data (免提交), not handed in.
    pub fetched: bool,
}

#[derive(Template)]
#[template(path = "work/receipt.html")]
struct ReceiptPage {
    case: CaseShown,
    agency: String,
    received: Vec<ReceivedLine>,
    contact: Option<Contact>,
    printed_on: String,
}

/// The receipt voucher of a case, for staff whose duty covers it (the applicant's ID number as the
/// reader may see it).
pub async fn receipt(page: PageFor<gate::Staff>, Path(id): Path<i64>) -> PageResult {
    page.require_staff()?;
    let case = CaseShown::load(&page, id).await?;
    let org = page.app.org();
    let j = org.jurisdiction(&case.c.jurisdiction);
    let today = page.app.today();
    let agency = j.map(|j| j.name_on(today).to_string()).unwrap_or_default();
    // The window the case was received at, else the jurisdiction's first hall.
    let contact = j.and_then(|j| {
        let at = j.halls.iter().find_map(|h| {
            h.windows
                .iter()
                .find(|w| w.code == case.c.unit)
                .map(|w| (h, w.name.clone()))
        });
        at.or_else(|| j.halls.first().map(|h| (h, String::new())))
            .map(|(h, window)| Contact {
                hall: h.name.clone(),
                window,
                address: h.address.clone(),
                hours: h.hours.clone(),
                phone: h.phone.clone(),
            })
    });
    let received = case
        .materials
        .iter()
        .filter(|m| m.provided || !m.files.is_empty())
        .map(|m| ReceivedLine {
            code: m.code.clone(),
            name: m.name.clone(),
            files: m.files.len(),
            fetched: m.fetched && m.files.is_empty(),
        })
        .collect();
    render(&ReceiptPage {
        received,
        agency,
        contact,
        printed_on: yiyin_domain::calendar::fmt_date(today),
        case,
    })
}
