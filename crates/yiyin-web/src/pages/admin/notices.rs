//! The notices that did not go out (通知发送监控), for a jurisdiction's system administrators: the
//! dead SMS and e-mail (retries spent) and those still retried, with the case, the masked address
//! and the last error; a dead one is sent again from here. Thin calls of `yiyin_app::notice_desk`.

use askama::Template;
use yiyin_app::notice_desk::NoticeDesk;
use yiyin_domain::org::Jurisdiction;

use super::{Chrome, Notice, Page, PageFor, PageResult, redirect_with, render};
use crate::auth::gate;
use crate::pages::messages::when;
use crate::pages::{Path, Query, RawForm};

#[derive(Template)]
#[template(path = "admin/notices.html")]
struct NoticesPage {
    chrome: Chrome,
    j: Jurisdiction,
    desk: NoticeDesk,
    limit: i64,
}

impl NoticesPage {
    fn when(&self, ms: &i64) -> String {
        when(*ms)
    }
}

fn notices_url(code: &str) -> String {
    format!("/admin/notices/{code}")
}

pub async fn notices(page: Page, Path(code): Path<String>, Query(n): Query<Notice>) -> PageResult {
    let desk = page.app.failed_notices(page.who(), &code).await?;
    render(&NoticesPage {
        chrome: page.chrome(&n.notice),
        j: page.app.jurisdiction(&code)?,
        desk,
        limit: yiyin_app::notice_desk::NOTICE_DESK_LIMIT,
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
