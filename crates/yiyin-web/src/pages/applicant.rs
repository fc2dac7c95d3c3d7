//! The applicant's area: my cases; applying online with the materials uploaded (type and size
//! checked, kept by content hash); a case's timeline and clock; answering a supplement notice by
//! uploading only what it asked for; downloading vouchers and results; withdrawing.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use serde::Deserialize;
use yiyin_app::App;
use yiyin_app::accounts::random_token;
use yiyin_app::cases::{ActOn, CaseLine, Receive, Upload, Worklist};
use yiyin_domain::calendar::fmt_date;
use yiyin_domain::catalog::Item;
use yiyin_domain::engine::{Action, Clock, IntakeOutcome};
use yiyin_domain::org::Jurisdiction;
use yiyin_store::cases::CaseRecord;

use super::work::{DocLink, MaterialRow, TimelineRow};
use super::{Chrome, FieldErrors, Form, FormData, PageResult, PageUser, redirect_with, render};
use crate::error::AppError;

#[derive(Template)]
#[template(path = "applicant/my.html")]
struct MyPage {
    chrome: Chrome,
    lines: Vec<CaseLine>,
}

pub async fn my_cases(
    State(state): State<App>,
    user: PageUser,
    Query(n): Query<super::Notice>,
) -> PageResult {
    user.require_applicant()?;
    let list = Worklist {
        all: true,
        limit: 200,
        ..Default::default()
    };
    let lines = state.worklist(user.who(), &list).await?;
    render(&MyPage {
        chrome: user.chrome(&n.notice),
        lines,
    })
}

#[derive(Template)]
#[template(path = "applicant/apply.html")]
struct ApplyPage {
    chrome: Chrome,
    j: Jurisdiction,
    item: Item,
    errors: FieldErrors,
    general: String,
    key: String,
}

async fn item_for(state: &App, code: &str, item: &str) -> Result<(Jurisdiction, Item), AppError> {
    let j = state.jurisdiction(code)?;
    let v = state.item_in_force(code, item).await?;
    Ok((j, v.item))
}

pub async fn apply_form(
    State(state): State<App>,
    user: PageUser,
    Path((code, item)): Path<(String, String)>,
) -> PageResult {
    user.require_applicant()?;
    let (j, item) = item_for(&state, &code, &item).await?;
    render(&ApplyPage {
        chrome: user.chrome(""),
        j,
        item,
        errors: FieldErrors::default(),
        general: String::new(),
        key: random_token(),
    })
}

/// Reads a multipart form: its text fields and its files (empty file inputs are skipped). Too large
/// or unknown files are reported per field.
async fn read_multipart(
    mut mp: Multipart,
    errors: &mut FieldErrors,
) -> Result<(FormData, Vec<Upload>), AppError> {
    let mut fields = Vec::new();
    let mut files = Vec::new();
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                return Err(AppError::invalid(format!(
                    "上传内容无法读取（单个文件不得超过10MB）：{e}"
                )));
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        match field.file_name().map(str::to_string) {
            Some(file_name) => {
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| AppError::invalid(format!("文件「{file_name}」上传失败：{e}")))?;
                if bytes.is_empty() && file_name.is_empty() {
                    continue;
                }
                let upload = Upload {
                    material: name.strip_prefix("file_").unwrap_or(&name).to_string(),
                    name: file_name,
                    bytes: bytes.to_vec(),
                };
                match upload.check() {
                    Ok(()) => files.push(upload),
                    Err(e) => errors.add_error(&e, &name),
                }
            }
            None => {
                let text = field.text().await.unwrap_or_default();
                fields.push((name, text));
            }
        }
    }
    Ok((FormData(fields), files))
}

/// Applies online: the materials uploaded are the materials provided; the application and its files
/// are kept together, or not at all.
pub async fn apply(
    State(state): State<App>,
    user: PageUser,
    Path((code, item_code)): Path<(String, String)>,
    mp: Multipart,
) -> PageResult {
    user.require_applicant()?;
    let (j, item) = item_for(&state, &code, &item_code).await?;
    let mut errors = FieldErrors::default();
    let (form, uploads) = read_multipart(mp, &mut errors).await?;
    user.check_token(&form.get("csrf"))?;
    let mut general = String::new();
    if errors.is_empty() {
        let received = state
            .receive(
                user.who(),
                Receive {
                    jurisdiction: j.code.clone(),
                    item_code: item.code.clone(),
                    applicant: None,
                    materials: vec![],
                    attested: !form.get("agree").is_empty(),
                    outcome: IntakeOutcome::Receive,
                    idempotency_key: Some(form.get("key")),
                    uploads,
                },
            )
            .await;
        match received {
            Ok(r) => {
                return Ok(redirect_with(
                    &format!("/my/cases/{}", r.record.id),
                    &format!(
                        "申请已提交，办件编号 {}。窗口将在五个工作日内作出处理。",
                        r.record.number
                    ),
                ));
            }
            Err(e @ AppError::Refused(_)) if e.details().iter().any(|r| r == "AL-06") => {
                errors.add("agree", e.to_string())
            }
            Err(e @ AppError::Invalid { field: Some(_), .. }) => errors.add_error(&e, "files"),
            Err(e @ (AppError::Refused(_) | AppError::Invalid { .. })) => general = e.to_string(),
            Err(e) => return Err(e.into()),
        }
    }
    let page = ApplyPage {
        chrome: user.chrome(""),
        j,
        item,
        errors,
        general,
        key: form.get("key"),
    };
    let mut resp = render(&page)?;
    *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(resp)
}

#[derive(Template)]
#[template(path = "applicant/case.html")]
struct MyCasePage {
    chrome: Chrome,
    /// The licence the case issued (its newest version), if any.
    licence: Option<String>,
    /// Deferred materials past their date: (code, due, warning).
    late: Vec<(String, chrono::NaiveDate, String)>,
    c: CaseRecord,
    clock: Option<Clock>,
    materials: Vec<MaterialRow>,
    timeline: Vec<TimelineRow>,
    documents: Vec<DocLink>,
    /// The materials the supplement notice asked for and that are still missing.
    asked: Vec<(String, String)>,
    can_withdraw: bool,
    errors: FieldErrors,
}

async fn my_case(state: &App, user: &PageUser, id: i64) -> Result<CaseRecord, AppError> {
    state.case_for(user.who(), id).await
}

async fn case_view(
    state: &App,
    user: &PageUser,
    id: i64,
    notice: &str,
    errors: FieldErrors,
) -> PageResult {
    user.require_applicant()?;
    let c = my_case(state, user, id).await?;
    let files = state.store.attachments(id).await?;
    let events = state.store.case_events(id).await?;
    let clock = c.clock(&state.calendar(), state.today()).ok();
    let documents = DocLink::of_case(state, id).await?;
    let possible = c.case.possible_actions(&c.item);
    let waiting_supplement = c.state == yiyin_domain::engine::CaseState::AwaitingSupplement;
    let mut asked: Vec<(String, String)> = Vec::new();
    if waiting_supplement && let Some(n) = c.case.notices.last() {
        asked = n
            .missing
            .iter()
            .map(|code| {
                (
                    code.clone(),
                    c.item
                        .materials
                        .iter()
                        .find(|m| &m.code == code)
                        .map(|m| m.name.clone())
                        .unwrap_or_default(),
                )
            })
            .collect();
    }
    for d in c.case.deferred.iter().filter(|d| d.arrived_on.is_none()) {
        asked.push((
            d.code.clone(),
            c.item
                .materials
                .iter()
                .find(|m| m.code == d.code)
                .map(|m| format!("{}（容缺，应于{}前补交）", m.name, fmt_date(d.due)))
                .unwrap_or_default(),
        ));
    }
    let licence = state
        .store
        .licence_of_case(c.id)
        .await?
        .map(|l| l.identifier);
    render(&MyCasePage {
        licence,
        late: c.case.deferred_warnings(&c.item, state.today()),
        chrome: user.chrome(notice),
        materials: super::work::material_rows(&c, &files),
        timeline: super::work::timeline(&events),
        clock,
        documents,
        asked,
        can_withdraw: possible.contains(&"withdraw"),
        errors,
        c,
    })
}

pub async fn case_page(
    State(state): State<App>,
    user: PageUser,
    Path(id): Path<i64>,
    Query(n): Query<super::Notice>,
) -> PageResult {
    case_view(&state, &user, id, &n.notice, FieldErrors::default()).await
}

/// Answers a supplement notice (or delivers deferred materials): only the asked materials are taken,
/// with their files, in one write.
pub async fn supplement(
    State(state): State<App>,
    user: PageUser,
    Path(id): Path<i64>,
    mp: Multipart,
) -> PageResult {
    user.require_applicant()?;
    let c = my_case(&state, &user, id).await?;
    let mut errors = FieldErrors::default();
    let (form, uploads) = read_multipart(mp, &mut errors).await?;
    user.check_token(&form.get("csrf"))?;
    let asked = c.case.asked_materials();
    let uploads: Vec<Upload> = uploads
        .into_iter()
        .filter(|u| asked.contains(&u.material))
        .collect();
    if uploads.is_empty() && errors.is_empty() {
        errors.add("files", "请上传补正通知书所列的材料");
    }
    if !errors.is_empty() {
        let mut resp = case_view(&state, &user, id, "", errors).await?;
        *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(resp);
    }
    let mut materials: Vec<String> = uploads.iter().map(|u| u.material.clone()).collect();
    materials.sort();
    materials.dedup();
    let result = state
        .act(
            user.who(),
            ActOn {
                case_id: id,
                version: None,
                action: Action::Supplement { materials },
                uploads,
            },
        )
        .await;
    match result {
        Ok(_) => Ok(redirect_with(
            &format!("/my/cases/{id}"),
            "补正材料已提交，窗口将在五个工作日内作出处理",
        )),
        Err(e @ (AppError::Refused(_) | AppError::Conflict(_) | AppError::Invalid { .. })) => {
            Ok(redirect_with(&format!("/my/cases/{id}"), &e.to_string()))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct WithdrawForm {
    #[serde(default)]
    reason: String,
}

pub async fn withdraw(
    State(state): State<App>,
    user: PageUser,
    Path(id): Path<i64>,
    form: Form<WithdrawForm>,
) -> PageResult {
    user.require_applicant()?;
    user.check_csrf(&form)?;
    let action = Action::Withdraw {
        reason: form.data.reason.trim().to_string(),
    };
    let result = state
        .act(
            user.who(),
            ActOn {
                case_id: id,
                version: None,
                action,
                uploads: vec![],
            },
        )
        .await;
    match result {
        Ok(_) => Ok(redirect_with(&format!("/my/cases/{id}"), "申请已撤回")),
        Err(e @ (AppError::Refused(_) | AppError::Conflict(_))) => {
            Ok(redirect_with(&format!("/my/cases/{id}"), &e.to_string()))
        }
        Err(e) => Err(e.into()),
    }
}

/// Downloads an attached file, for those who may see its case.
pub async fn file(State(state): State<App>, user: PageUser, Path(id): Path<i64>) -> PageResult {
    let a = state.store.attachment(id).await?;
    state.case_for(user.who(), a.case_id).await?;
    let bytes = state.blobs.get(&a.digest).await?;
    Ok(super::file_response(
        &a.content_type,
        &a.file_name,
        true,
        bytes,
    ))
}
