//! The notices that did not go out (通知发送监控), for a jurisdiction's system administrators: the
//! dead SMS and e-mail (retries spent) and those still retried, 50 a page, with the case, the
//! masked address and the last error; a dead one is sent again from here. Thin calls of
//! `yiyin_app::notice_desk`.

use askama::Template;
use yiyin_app::notice_desk::NoticeDesk;
use yiyin_domain::org::Jurisdiction;

use super::{Chrome, Page, PageFor, PageResult, redirect_with, render};
use crate::auth::gate;
use crate::pages::messages::when;
use crate::pages::{Path, Query, RawForm};

#[derive(Template)]
#[template(path = "admin/notices.html")]
struct NoticesPage {
    chrome: Chrome,
    j: Jurisdiction,
    desk: NoticeDesk,
    /// Notices a page shows.
    limit: i64,
    /// Whether this is a later page.
    paged: bool,
}

impl NoticesPage {
    fn when(&self, ms: &i64) -> String {
        when(*ms)
    }
}

fn notices_url(code: &str) -> String {
    format!("/admin/notices/{code}")
}

/// Notices a page of the desk shows.
const NOTICES_PAGE: i64 = 50;

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct NoticesQuery {
    pub notice: String,
    /// The page after this notice (empty: the first page).
    pub after: String,
}

pub async fn notices(
    page: Page,
    Path(code): Path<String>,
    Query(q): Query<NoticesQuery>,
) -> PageResult {
    let desk = page
        .app
        .failed_notices(page.who(), &code, &q.after, Some(NOTICES_PAGE))
        .await?;
    render(&NoticesPage {
        chrome: page.chrome(&q.notice),
        j: page.app.jurisdiction(&code)?,
        desk,
        limit: NOTICES_PAGE,
        paged: !q.after.trim().is_empty(),
    })
}

pub async fn resend(
    page: PageFor<gate::ManageNotifications>,
    Path((code, id)): Path<(String, i64)>,
    form: RawForm,
) -> PageResult {
    page.check_csrf(&form)?;
    let n = page.app.resend_notification(page.who(), id).await?;
    Ok(redirect_with(
        &notices_url(&code),
        &format!(
            "已重新发送办件 {} 的{}（{}），几秒钟内发出",
            n.case_number, n.kind_label, n.channel_label
        ),
    ))
}
