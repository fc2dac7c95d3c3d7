//! The public side of hearings (听证, Art. 46–48): the hearing announcements (听证公告) of a
//! jurisdiction, as the sealed documents the engine issued when each hearing was scheduled, for
//! the public page. They name no person in full (the applicant who is a person and the presiding
//! officer are masked when composed); what a hearing is and its dates are the engine's
//! (`yiyin_domain::engine::hearing`), its acts the case's (`cases::act`).

use chrono::NaiveDate;
use serde::Serialize;
use yiyin_domain::engine::DocumentKind;

use crate::App;
use crate::error::Result;

/// How many announcements the public page lists.
const LISTED: i64 = 200;

/// One hearing announcement as the public sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicHearing {
    /// 文号 of the announcement.
    pub number: String,
    pub title: String,
    pub agency: String,
    pub issued_on: NaiveDate,
    /// The announcement's text, in order.
    pub paragraphs: Vec<String>,
}

impl App {
    /// The hearing announcements of a jurisdiction, the latest first; for a hearing announced
    /// again (rescheduled), only its latest announcement. Public: no sign-in.
    pub async fn public_hearings(&self, jurisdiction: &str) -> Result<Vec<PublicHearing>> {
        self.jurisdiction(jurisdiction)?;
        let docs = self
            .store
            .jurisdiction_documents(jurisdiction, DocumentKind::HearingAnnouncement, LISTED)
            .await?;
        let mut seen = std::collections::BTreeSet::new();
        Ok(docs
            .into_iter()
            .filter(|d| seen.insert(d.case_id))
            .map(|d| PublicHearing {
                number: d.record.number,
                title: d.record.title,
                agency: d.record.agency,
                issued_on: d.record.issued_on,
                paragraphs: d.record.paragraphs,
            })
            .collect())
    }
}
