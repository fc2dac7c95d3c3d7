//! The public hearing announcements of a jurisdiction (听证公告, Art. 46, 48 para 1 (1), (2)):
//! `/j/{code}/hearings`, without sign-in. Each is the sealed announcement the engine issued when
//! the hearing was scheduled; no person is named in full (`yiyin_app::hearings`).

use askama::Template;
use yiyin_app::hearings::PublicHearing;

use crate::pages::{Chrome, PageResult, Path, Visitor, render};

#[derive(Template)]
#[template(path = "portal/hearings.html")]
struct HearingsPage {
    chrome: Chrome,
    code: String,
    name: String,
    hearings: Vec<PublicHearing>,
}

/// A jurisdiction's hearing announcements, the latest first (public).
pub async fn public(page: Visitor, Path(code): Path<String>) -> PageResult {
    let j = page.app.jurisdiction(&code)?;
    let hearings = page.app.public_hearings(&code).await?;
    render(&HearingsPage {
        chrome: page.chrome(""),
        code: j.code,
        name: j.name,
        hearings,
    })
}
