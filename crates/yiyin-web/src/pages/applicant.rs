//! The applicant's area: my cases; applying online with the materials uploaded (type and size
//! checked, kept by content hash); a case's timeline and clock; answering a supplement notice by
//! uploading only what it asked for; downloading vouchers and results; withdrawing.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use yiyin_domain::calendar::fmt_date;
use yiyin_domain::catalog::Item;
use yiyin_domain::engine::{Action, Clock};
use yiyin_domain::org::Jurisdiction;
use yiyin_store::StoreError;
use yiyin_store::attachments::NewAttachment;
use yiyin_store::blobs::{MAX_FILE_BYTES, sniff};
use yiyin_store::cases::{Applicant, CaseRecord, NewCase};

use super::work::{DocLink, MaterialRow, TimelineRow};
use super::{Chrome, FieldErrors, FormData, PageResult, PageUser, redirect_with, render};
use crate::api::cases::{CaseLine, ListQuery, list_for};
use crate::error::AppError;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "applicant/my.html")]
struct MyPage {
    chrome: Chrome,
    lines: Vec<CaseLine>,
}

pub async fn my_cases(
    State(state): State<AppState>,
    user: PageUser,
    Query(n): Query<super::Notice>,
) -> PageResult {
    user.require_applicant()?;
    let list = ListQuery {
        mine: false,
        role: None,
        state: None,
        q: None,
        all: true,
        limit: Some(200),
        offset: None,
    };
    let lines = list_for(&state, &user.0, &list).await?;
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

async fn item_for(
    state: &AppState,
    code: &str,
    item: &str,
) -> Result<(Jurisdiction, Item), AppError> {
    let j = state.store.jurisdiction(code).await?;
    let v = state.store.active_item(code, item, state.today()).await?;
    Ok((j, v.item))
}

pub async fn apply_form(
    State(state): State<AppState>,
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
        key: yiyin_store::crypto::random_token(),
    })
}

/// An uploaded file before it is stored.
struct Upload {
    material: String,
    name: String,
    bytes: Vec<u8>,
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
                return Err(AppError::bad_request(format!(
                    "上传内容无法读取（单个文件不得超过10MB）：{e}"
                )));
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        match field.file_name().map(str::to_string) {
            Some(file_name) => {
                let bytes = field.bytes().await.map_err(|e| {
                    AppError::bad_request(format!("文件「{file_name}」上传失败：{e}"))
                })?;
                if bytes.is_empty() && file_name.is_empty() {
                    continue;
                }
                let material = name.strip_prefix("file_").unwrap_or(&name).to_string();
                if bytes.len() > MAX_FILE_BYTES {
                    errors.add(
                        &name,
                        format!("文件「{file_name}」超过10MB，请压缩后再上传"),
                    );
                } else if sniff(&bytes).is_none() {
                    errors.add(
                        &name,
                        format!("文件「{file_name}」不是PDF、JPG、PNG或OFD文件"),
                    );
                } else {
                    files.push(Upload {
                        material,
                        name: file_name,
                        bytes: bytes.to_vec(),
                    });
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

async fn store_uploads(
    state: &AppState,
    case_id: i64,
    uploads: Vec<Upload>,
    by: &str,
) -> Result<(), AppError> {
    let mut records = Vec::new();
    for u in uploads {
        let digest = state.blobs.put(&u.bytes).await?;
        let (content_type, _) = sniff(&u.bytes).expect("checked on upload");
        records.push(NewAttachment {
            material_code: u.material,
            file_name: u
                .name
                .chars()
                .filter(|c| !c.is_control() && *c != '/' && *c != '\\')
                .take(120)
                .collect(),
            content_type: content_type.into(),
            size: u.bytes.len() as i64,
            digest,
        });
    }
    state
        .store
        .attach(case_id, &records, by, state.now().timestamp_millis())
        .await?;
    Ok(())
}

/// Applies online: the materials uploaded are the materials provided.
pub async fn apply(
    State(state): State<AppState>,
    user: PageUser,
    Path((code, item_code)): Path<(String, String)>,
    mp: Multipart,
) -> PageResult {
    user.require_applicant()?;
    let (j, item) = item_for(&state, &code, &item_code).await?;
    let mut errors = FieldErrors::default();
    let (form, uploads) = read_multipart(mp, &mut errors).await?;
    user.check_csrf(&form)?;
    if form.get("agree").is_empty() {
        errors.add(
            "agree",
            "请确认申请材料真实有效（《行政许可法》第三十一条）",
        );
    }
    if !errors.is_empty() {
        let page = ApplyPage {
            chrome: user.chrome(""),
            j,
            item,
            errors,
            general: String::new(),
            key: form.get("key"),
        };
        let mut resp = render(&page)?;
        *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(resp);
    }
    let account = user.account().clone();
    let mut materials: Vec<String> = uploads
        .iter()
        .map(|u| u.material.clone())
        .filter(|m| item.material(m).is_some())
        .collect();
    materials.sort();
    materials.dedup();
    let new = NewCase {
        jurisdiction: j.code.clone(),
        item_code: item.code.clone(),
        applicant: Applicant {
            kind: account
                .subject_kind
                .unwrap_or(yiyin_store::accounts::SubjectKind::Person),
            name: account.name.clone(),
            id_number: account.id_number.clone(),
            phone: account.phone.clone(),
            account: Some(account.id),
        },
        materials,
        unit: String::new(),
        idempotency_key: Some(format!("{}:{}", account.id, form.get("key"))),
    };
    let (case, created) = state.create_case(&new, &user.0.actor(&state.org())).await?;
    if created {
        store_uploads(
            &state,
            case.id,
            uploads
                .into_iter()
                .filter(|u| item.material(&u.material).is_some())
                .collect(),
            &account.name,
        )
        .await?;
    }
    Ok(redirect_with(
        &format!("/my/cases/{}", case.id),
        &format!(
            "申请已提交，办件编号 {}。窗口将在五个工作日内作出处理。",
            case.number
        ),
    ))
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

async fn my_case(state: &AppState, user: &PageUser, id: i64) -> Result<CaseRecord, AppError> {
    let c = state.store.case(id).await?;
    user.0.may_view(&c)?;
    Ok(c)
}

async fn case_view(
    state: &AppState,
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
        late: c.deferred_warnings(state.today()),
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
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Query(n): Query<super::Notice>,
) -> PageResult {
    case_view(&state, &user, id, &n.notice, FieldErrors::default()).await
}

/// Answers a supplement notice (or delivers deferred materials): only the asked materials are taken.
pub async fn supplement(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    mp: Multipart,
) -> PageResult {
    user.require_applicant()?;
    let c = my_case(&state, &user, id).await?;
    let mut errors = FieldErrors::default();
    let (form, uploads) = read_multipart(mp, &mut errors).await?;
    user.check_csrf(&form)?;
    let asked: Vec<String> = c
        .case
        .notices
        .last()
        .map(|n| n.missing.clone())
        .unwrap_or_default()
        .into_iter()
        .chain(
            c.case
                .deferred
                .iter()
                .filter(|d| d.arrived_on.is_none())
                .map(|d| d.code.clone()),
        )
        .collect();
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
    materials.dedup();
    let action = Action::Supplement { materials };
    let result = state
        .act(id, None, &action, &user.0.actor(&state.org()))
        .await;
    match result {
        Ok(_) => {
            store_uploads(&state, id, uploads, &user.account().name).await?;
            Ok(redirect_with(
                &format!("/my/cases/{id}"),
                "补正材料已提交，窗口将在五个工作日内作出处理",
            ))
        }
        Err(StoreError::Refused(r)) => Ok(redirect_with(&format!("/my/cases/{id}"), &r.message)),
        Err(e) => Err(e.into()),
    }
}

pub async fn withdraw(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    form: FormData,
) -> PageResult {
    user.require_applicant()?;
    user.check_csrf(&form)?;
    my_case(&state, &user, id).await?;
    let action = Action::Withdraw {
        reason: form.get("reason"),
    };
    match state
        .act(id, None, &action, &user.0.actor(&state.org()))
        .await
    {
        Ok(_) => Ok(redirect_with(&format!("/my/cases/{id}"), "申请已撤回")),
        Err(StoreError::Refused(r)) => Ok(redirect_with(&format!("/my/cases/{id}"), &r.message)),
        Err(e) => Err(e.into()),
    }
}

/// Downloads an attached file, for those who may see its case.
pub async fn file(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
) -> PageResult {
    let a = state.store.attachment(id).await?;
    let c = state.store.case(a.case_id).await?;
    user.0.may_view(&c)?;
    let bytes = state.blobs.get(&a.digest).await?;
    Ok(super::file_response(
        &a.content_type,
        &a.file_name,
        true,
        bytes,
    ))
}
