//! The bureau head's page of reconsideration and litigation (行政复议答复、行政诉讼应诉),
//! `/work/redress`: the register of a jurisdiction with each entry's reply deadline, how it was
//! counted and its warning (临期, 已逾期), the form registering a challenge, each entry's forms for
//! the reply filed and the outcome (a revoked decision revokes the licence), and the challenged
//! case's archive package as the file. The use cases are `yiyin_app::redress`'s; a refusal shows the
//! page again with the message and what was typed.

use askama::Template;
use serde::Deserialize;
use yiyin_app::redress::{OutcomeRequest, RedressRegister, ReplyRequest};
use yiyin_domain::authz::Operation;
use yiyin_domain::redress::{Outcome, RedressKind, RegisterRequest};

use crate::auth::gate;
use crate::pages::{
    Chrome, FormData, Page, PageFor, PageResult, Path, Query, RawForm, encode, render, settle,
};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RedressQuery {
    pub jurisdiction: String,
    pub notice: String,
}

#[derive(Template)]
#[template(path = "redress/desk.html")]
struct RedressPage {
    chrome: Chrome,
    jurisdictions: Vec<(String, String)>,
    jurisdiction: String,
    register: RedressRegister,
    /// The staff who may be named responsible: (account id, name).
    staff: Vec<(i64, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    outcomes: Vec<(&'static str, &'static str)>,
    /// The refusal of the last form, and which form (`register` or an entry's id).
    error: String,
    failed: String,
    /// What was typed in the refused form.
    typed: FormData,
    today: String,
}

fn desk_url(jurisdiction: &str) -> String {
    format!("/work/redress?jurisdiction={}", encode(jurisdiction))
}

/// Renders the page of `jurisdiction` (or the first the account answers for).
async fn desk_page(
    page: &Page,
    jurisdiction: &str,
    notice: &str,
    failed: Option<(String, String, FormData)>,
) -> PageResult {
    let mine = page.jurisdictions_for(Operation::AnswerChallenges);
    let jurisdiction = Page::pick_jurisdiction(
        &mine,
        jurisdiction,
        "无权办理行政复议答复和行政诉讼应诉：您的岗位没有此项职责",
    )?;
    let register = page.app.redress_register(page.who(), &jurisdiction).await?;
    let staff = page.app.redress_staff(page.who(), &jurisdiction).await?;
    let (error, which, typed) = failed.unwrap_or_default();
    render(&RedressPage {
        chrome: page.chrome(notice),
        jurisdictions: mine,
        jurisdiction,
        register,
        staff,
        kinds: RedressKind::options(),
        outcomes: Outcome::options(),
        error,
        failed: which,
        typed,
        today: yiyin_domain::calendar::fmt_date(page.app.today()),
    })
}

/// The register.
pub async fn desk(page: PageFor<gate::Redress>, Query(q): Query<RedressQuery>) -> PageResult {
    desk_page(&page, &q.jurisdiction, &q.notice, None).await
}

/// 登记: a reconsideration or a lawsuit.
pub async fn register(page: PageFor<gate::Redress>, form: RawForm) -> PageResult {
    page.check_csrf(&form)?;
    let f = &form.raw;
    let j = f.get("jurisdiction");
    let req = RegisterRequest {
        kind: f.get("kind"),
        case_number: f.get("case_number"),
        licence: f.get("licence"),
        applicant: f.get("applicant"),
        body: f.get("body"),
        file_number: f.get("file_number"),
        received_on: f.get("received_on"),
        responsible: f.get("responsible").parse().unwrap_or(0),
        notes: f.get("notes"),
    };
    let result = page.app.register_redress(page.who(), &j, &req).await;
    settle(
        result,
        |v| {
            (
                desk_url(&j),
                format!(
                    "已登记{}{}，{}期限{}",
                    v.entry.body,
                    v.entry.file_number,
                    v.reply_word,
                    yiyin_domain::calendar::fmt_date(v.entry.reply_due)
                ),
            )
        },
        |e| async {
            desk_page(
                &page,
                &j,
                "",
                Some((e, "register".into(), form.raw.clone())),
            )
            .await
        },
    )
    .await
}

/// 登记已提交答复.
pub async fn reply(page: PageFor<gate::Redress>, Path(id): Path<i64>, form: RawForm) -> PageResult {
    page.check_csrf(&form)?;
    let j = form.raw.get("jurisdiction");
    let req = ReplyRequest {
        replied_on: form.raw.get("replied_on"),
    };
    let result = page.app.file_redress_reply(page.who(), id, &req).await;
    settle(
        result,
        |v| {
            let late = if v.entry.replied_late {
                "（逾期）"
            } else {
                ""
            };
            (
                desk_url(&v.entry.jurisdiction),
                format!(
                    "已登记{}{}的{}{late}",
                    v.entry.body, v.entry.file_number, v.reply_word
                ),
            )
        },
        |e| async { desk_page(&page, &j, "", Some((e, id.to_string(), form.raw.clone()))).await },
    )
    .await
}

/// 记录结果.
pub async fn outcome(
    page: PageFor<gate::Redress>,
    Path(id): Path<i64>,
    form: RawForm,
) -> PageResult {
    page.check_csrf(&form)?;
    let j = form.raw.get("jurisdiction");
    let req = OutcomeRequest {
        outcome: form.raw.get("outcome"),
        decided_on: form.raw.get("decided_on"),
    };
    let result = page.app.record_redress_outcome(page.who(), id, &req).await;
    settle(
        result,
        |v| {
            (
                desk_url(&v.entry.jurisdiction),
                format!(
                    "已记录{}{}的结果：{}；{}",
                    v.entry.body,
                    v.entry.file_number,
                    v.outcome_label.clone().unwrap_or_default(),
                    v.entry.effect
                ),
            )
        },
        |e| async { desk_page(&page, &j, "", Some((e, id.to_string(), form.raw.clone()))).await },
    )
    .await
}

/// The challenged case's archive package, as the file for the reviewing body or court.
pub async fn file(page: PageFor<gate::Redress>, Path(id): Path<i64>) -> PageResult {
    let (name, bytes) = page.app.redress_file(page.who(), id).await?;
    Ok(crate::pages::file_response(
        "application/zip",
        &name,
        false,
        bytes,
    ))
}
