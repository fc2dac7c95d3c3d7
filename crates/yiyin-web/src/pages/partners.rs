//! The centre manager's page of partner applications, `/centre/partners`: the Open311 keys issued
//! in a jurisdiction (never the keys themselves), the form issuing a key — shown once, on the page
//! that answers the form — and revoking one. Who may is the application layer's
//! (`yiyin_app::tickets`, the centre's manager only).

use askama::Template;
use serde::Deserialize;
use yiyin_app::tickets::IssuedKey;
use yiyin_domain::authz::Operation;
use yiyin_store::open311::PartnerKey;

use crate::auth::gate;
use crate::pages::{
    Chrome, Page, PageFor, PageResult, Path, Query, RawForm, encode, render, settle,
};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PartnersQuery {
    pub jurisdiction: String,
    pub notice: String,
}

#[derive(Template)]
#[template(path = "tickets/partners.html")]
struct PartnersPage {
    chrome: Chrome,
    jurisdictions: Vec<(String, String)>,
    jurisdiction: String,
    /// The keys issued, with their issue time in Beijing time.
    keys: Vec<(PartnerKey, String)>,
    /// A key just issued, shown this once.
    issued: Option<IssuedKey>,
    error: String,
    name: String,
}

fn partners_url(jurisdiction: &str) -> String {
    format!("/centre/partners?jurisdiction={}", encode(jurisdiction))
}

/// The issue time of a key, in Beijing time.
fn issued_at(ms: i64) -> String {
    let t = chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default()
        + chrono::Duration::hours(8);
    t.format("%Y-%m-%d %H:%M").to_string()
}

async fn partners_page(
    page: &Page,
    jurisdiction: &str,
    notice: &str,
    issued: Option<IssuedKey>,
    failed: Option<(String, String)>,
) -> PageResult {
    let mine = page.jurisdictions_for(Operation::ManageTickets);
    let jurisdiction = Page::pick_jurisdiction(
        &mine,
        jurisdiction,
        "无权管理诉求中心：您的岗位没有此项职责",
    )?;
    let keys = page
        .app
        .partner_keys(page.who(), &jurisdiction)
        .await?
        .into_iter()
        .map(|k| {
            let at = issued_at(k.created_at);
            (k, at)
        })
        .collect();
    let (error, name) = failed.unwrap_or_default();
    render(&PartnersPage {
        chrome: page.chrome(notice),
        jurisdictions: mine,
        jurisdiction,
        keys,
        issued,
        error,
        name,
    })
}

/// The partner applications of a jurisdiction.
pub async fn partners(
    page: PageFor<gate::ManageTickets>,
    Query(q): Query<PartnersQuery>,
) -> PageResult {
    partners_page(&page, &q.jurisdiction, &q.notice, None, None).await
}

/// Issues a key: the answer shows it once.
pub async fn issue(page: PageFor<gate::ManageTickets>, form: RawForm) -> PageResult {
    page.check_csrf(&form)?;
    let form = form.raw;
    let j = form.get("jurisdiction");
    let name = form.get("name");
    match page.app.issue_partner_key(page.who(), &j, &name).await {
        Ok(issued) => partners_page(&page, &j, "已签发密钥", Some(issued), None).await,
        Err(e) => {
            let again = partners_page(&page, &j, "", None, Some((e.to_string(), name.clone())));
            settle(
                Err::<(), _>(e),
                |_| (String::new(), String::new()),
                |_| again,
            )
            .await
        }
    }
}

/// Revokes a key.
pub async fn revoke(
    page: PageFor<gate::ManageTickets>,
    Path(id): Path<i64>,
    form: RawForm,
) -> PageResult {
    page.check_csrf(&form)?;
    let j = form.raw.get("jurisdiction");
    let result = page.app.revoke_partner_key(page.who(), id).await;
    settle(
        result,
        |k| {
            (
                partners_url(&k.jurisdiction),
                format!("已停用合作应用「{}」的密钥", k.name),
            )
        },
        |e| async move { partners_page(&page, &j, "", None, Some((e, String::new()))).await },
    )
    .await
}
