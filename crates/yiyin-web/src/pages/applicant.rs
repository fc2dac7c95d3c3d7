//! The applicant's area: my cases; applying online with the materials uploaded (type and size
//! checked, kept by content hash); a case's timeline and clock; answering a supplement notice by
//! uploading only what it asked for; downloading vouchers and results; withdrawing.

use crate::pages::{Path, Query};
use askama::Template;
use axum::extract::Multipart;
use serde::Deserialize;
use yiyin_app::accounts::random_token;
use yiyin_app::cases::{
    ActOn, ApplicantInput, CaseLine, Receive, ReceiveOptions, Upload, Worklist,
};
use yiyin_domain::calendar::fmt_date;
use yiyin_domain::catalog::{FormError, Item};
use yiyin_domain::engine::{Action, COMMITMENT_RULE, CaseState, IntakeOutcome, OnlineOffer};
use yiyin_domain::org::Jurisdiction;
use yiyin_store::pending_uploads::PendingUpload;

use super::form_fields::{FormView, read_form};
use super::work::CaseShown;
use super::{
    Chrome, FieldErrors, Form, FormData, Notice, Page, PageFor, PageResult, UploadForm,
    file_response, redirect_with, render, tell_back, unprocessable,
};
use crate::auth::gate;
use crate::error::AppError;

#[derive(Template)]
#[template(path = "applicant/my.html")]
struct MyPage {
    chrome: Chrome,
    lines: Vec<CaseLine>,
    /// The next page's address; None on the last page.
    next: Option<String>,
    /// Whether this is a later page.
    paged: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MyCasesQuery {
    pub notice: String,
    /// The page after this cursor (empty: the first page).
    pub after: String,
}

/// The applicant's own cases, open and closed, the most urgent first, a page at a time.
pub async fn my_cases(page: Page, Query(q): Query<MyCasesQuery>) -> PageResult {
    page.require_applicant()?;
    let list = Worklist {
        all: true,
        limit: 100,
        after: q.after.clone(),
        ..Default::default()
    };
    let list = page.app.worklist(page.who(), &list).await?;
    render(&MyPage {
        chrome: page.chrome(&q.notice),
        lines: list.lines,
        next: list
            .next
            .map(|after| yiyin_app::query_url("/my", &[("after", &after)])),
        paged: !q.after.trim().is_empty(),
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
    /// Files kept from an earlier sending of this form (another file of it was refused).
    kept: Vec<PendingUpload>,
    /// The item's application form (no fields when it has none).
    application: FormView,
    /// When the values shown are a draft: when it was saved.
    draft_note: String,
    /// What applying online offers on the item: a commitment to sign (告知承诺), an instant decision.
    offer: OnlineOffer,
}

impl ApplyPage {
    /// The names of the files kept for a material.
    fn kept_of(&self, code: &str) -> Vec<&str> {
        kept_names(&self.kept, code)
    }

    /// The form of an item in force, with no error yet; `key` makes a retried submission one.
    async fn new(page: &Page, code: &str, item: &str, key: String) -> Result<ApplyPage, AppError> {
        let j = page.app.jurisdiction(code)?;
        let v = page.app.item_in_force(code, item).await?;
        Ok(ApplyPage {
            chrome: page.chrome(""),
            j,
            offer: OnlineOffer::of(&v.item),
            item: v.item,
            errors: FieldErrors::default(),
            general: String::new(),
            key,
            kept: Vec::new(),
            application: FormView::default(),
            draft_note: String::new(),
        })
    }

    /// The item's form with `data` in it and `problems` beside their fields.
    fn show_form(
        &mut self,
        data: &serde_json::Map<String, serde_json::Value>,
        problems: &[FormError],
    ) {
        if let Some(form) = &self.item.form {
            self.application = FormView::new(form, data, problems);
        }
    }
}

pub async fn apply_form(
    page: Page,
    Path((code, item)): Path<(String, String)>,
    Query(n): Query<Notice>,
) -> PageResult {
    page.require_applicant()?;
    let mut p = ApplyPage::new(&page, &code, &item, random_token()).await?;
    p.chrome = page.chrome(&n.notice);
    // A saved draft, or what the applicant's profile and latest licence fill in.
    let start = page.app.form_start(page.who(), &p.j.code, &p.item).await?;
    if let Some(at) = start.draft_saved_at {
        p.draft_note = format!(
            "已恢复您于{}保存的草稿（附件需重新选择）。",
            chrono::DateTime::from_timestamp_millis(at)
                .map(|t| {
                    t.with_timezone(&yiyin_domain::calendar::cst())
                        .format("%Y-%m-%d %H:%M")
                        .to_string()
                })
                .unwrap_or_default()
        );
    }
    p.show_form(&start.data, &[]);
    render(&p)
}

/// Reads the rest of an upload form, after its token ([`UploadForm`]): its text fields and its
/// files (empty file inputs are skipped). Too large or unknown files are reported per field.
pub(crate) async fn read_multipart(
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
        let name = field_name(&field);
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
    crate::input::check_pairs(&fields)?;
    Ok((FormData(fields), files))
}

/// A part's field name: `name="…"` as browsers send it, or `name*=utf-8''…` (RFC 5987,
/// percent-encoded) as some clients send a name with a character such as `/` — a bundle member's
/// material `file_HY-SW-001/M1` —, which the multipart parser does not read.
fn field_name(field: &axum::extract::multipart::Field<'_>) -> String {
    if let Some(name) = field.name() {
        return name.to_string();
    }
    field
        .headers()
        .get(axum::http::header::CONTENT_DISPOSITION)
        // The header as UTF-8: a file's name in it is sent unencoded.
        .and_then(|v| std::str::from_utf8(v.as_bytes()).ok())
        .and_then(|v| v.split(';').find_map(|p| p.trim().strip_prefix("name*=")))
        .and_then(|v| {
            let (charset, rest) = v.trim().split_once('\'')?;
            let (_, encoded) = rest.split_once('\'')?;
            charset.eq_ignore_ascii_case("utf-8").then_some(encoded)
        })
        .and_then(|encoded| {
            percent_encoding::percent_decode_str(encoded)
                .decode_utf8()
                .ok()
        })
        .map(|name| name.into_owned())
        .unwrap_or_default()
}

/// Applies online: the materials uploaded are the materials provided; the application and its files
/// are kept together, or not at all.
pub async fn apply(
    page: Page,
    Path((code, item_code)): Path<(String, String)>,
    UploadForm(mp): UploadForm,
) -> PageResult {
    page.require_applicant()?;
    let mut form_page = ApplyPage::new(&page, &code, &item_code, String::new()).await?;
    let (form, uploads) = read_multipart(mp, &mut form_page.errors).await?;
    form_page.key = form.get("key");
    let session = &page.user.session;
    // The application form's data, checked field by field as receiving checks it.
    let data = form_page.item.form.as_ref().map(|f| read_form(f, &form));
    if form.get("action") == "draft" {
        page.app
            .save_form_draft(
                page.who(),
                &form_page.j.code,
                &form_page.item.code,
                data.unwrap_or_default(),
            )
            .await?;
        return Ok(redirect_with(
            &format!("/apply/{}/{}", form_page.j.code, form_page.item.code),
            "草稿已保存，下次打开本事项的在线申请时自动恢复。",
        ));
    }
    if let Some(data) = &data {
        let problems = page.app.form_problems(&form_page.item, data);
        form_page.show_form(data, &problems);
        if !problems.is_empty() {
            form_page
                .errors
                .add("application", "申请表有填写不正确的地方");
        }
    }
    // Applying for an organisation, the account acts as its agent (经办人) with its mandate.
    let organisation = Some(form.get("org_credit_code"))
        .filter(|code| !code.is_empty())
        .and_then(|code| {
            let org = ApplicantInput {
                kind: "organisation".into(),
                name: form.get("org_name"),
                id_number: code,
                phone: String::new(),
            };
            org.parse()
                .map_err(|e| form_page.errors.add("org", e.to_string()))
                .ok()
        });
    if form_page.errors.is_empty() {
        // The files kept from an earlier sending of this form go with it, unless sent again.
        let kept = page
            .app
            .pending_for(session, &form_page.key, &uploads)
            .await?;
        let sent = uploads.clone();
        let uploads: Vec<Upload> = uploads.into_iter().chain(kept).collect();
        let receive = Receive {
            jurisdiction: form_page.j.code.clone(),
            item_code: form_page.item.code.clone(),
            applicant: organisation,
            materials: vec![],
            attested: !form.get("agree").is_empty(),
            outcome: match &form_page.offer.commitment {
                Some(commitment) if form.get("commitment") == "yes" => IntakeOutcome::Commitment {
                    commitment: commitment.clone(),
                },
                _ => IntakeOutcome::Receive,
            },
            idempotency_key: Some(form.get("key")),
            uploads,
            form: data,
            representation: yiyin_domain::agent::Representation {
                legal_representative: form.get("legal_representative"),
                ..Default::default()
            },
        };
        let options = ReceiveOptions {
            name_confirmation: None,
            consent_delivery: form.get("consent_delivery") == "yes",
        };
        let organisation_applied = receive.applicant.is_some();
        let received = page.app.receive_with(page.who(), receive, options).await;
        if received.is_ok() {
            page.app.drop_pending(session, &form_page.key).await?;
        } else {
            form_page.kept = page
                .app
                .keep_pending(session, &form_page.key, &sent)
                .await?;
        }
        match received {
            Ok(r) => {
                let told = if r.record.state == CaseState::CertificateIssued {
                    "已当场作出准予行政许可决定并制发证照，可在本页下载决定书和证照。"
                } else {
                    "窗口将在五个工作日内作出处理。"
                };
                return Ok(redirect_with(
                    &format!("/my/cases/{}", r.record.id),
                    &format!("申请已提交，办件编号 {}。{told}", r.record.number),
                ));
            }
            Err(e @ AppError::Refused(_)) if e.details().iter().any(|r| r == "AL-06") => {
                form_page.errors.add("agree", e.to_string())
            }
            Err(e @ AppError::Refused(_))
                if e.details()
                    .iter()
                    .any(|r| r == yiyin_domain::agent::MANDATE_RULE) =>
            {
                form_page.errors.add("file_mandate", e.to_string())
            }
            Err(e @ AppError::Forbidden(_)) if organisation_applied => {
                form_page.errors.add("org", e.to_string())
            }
            Err(e @ AppError::Refused(_)) if e.details().iter().any(|r| r == COMMITMENT_RULE) => {
                form_page.errors.add("commitment", e.to_string())
            }
            Err(e @ AppError::Invalid { field: Some(_), .. }) => {
                form_page.errors.add_error(&e, "files")
            }
            Err(e @ (AppError::Refused(_) | AppError::Invalid { .. })) => {
                form_page.general = e.to_string()
            }
            Err(e) => return Err(e.into()),
        }
    } else {
        // A file was refused: the others that passed are kept for this form in this session.
        form_page.kept = page
            .app
            .keep_pending(session, &form_page.key, &uploads)
            .await?;
    }
    unprocessable(render(&form_page))
}

#[derive(Template)]
#[template(path = "applicant/case.html")]
struct MyCasePage {
    chrome: Chrome,
    case: CaseShown,
    /// The materials the supplement notice asked for and that are still missing.
    asked: Vec<(String, String)>,
    can_withdraw: bool,
    /// Within the five working days after being told of the right to a hearing (Art. 47).
    can_request_hearing: bool,
    errors: FieldErrors,
    /// Files kept from a refused sending of the supplement form.
    kept: Vec<PendingUpload>,
    /// The applicant's online rating of the case (好差评), once given; the form's options and
    /// (empty) fields until then (`templates/ratings/fields.html`).
    rating: Option<yiyin_store::ratings::RatingRecord>,
    rating_options: super::ratings::RatingOptions,
    rating_form: FormData,
    /// Each decision's and licence's delivery (送达), and the consent to electronic delivery.
    deliveries: yiyin_app::deliveries::CaseDeliveries,
}

impl MyCasePage {
    /// The names of the files kept for a material.
    fn kept_of(&self, code: &str) -> Vec<&str> {
        kept_names(&self.kept, code)
    }
}

/// The names of the files kept for a material.
fn kept_names<'a>(kept: &'a [PendingUpload], code: &str) -> Vec<&'a str> {
    kept.iter()
        .filter(|k| k.material_code == code)
        .map(|k| k.file_name.as_str())
        .collect()
}

/// The applicant's case page; `errors` are those of a refused supplement, `kept` the files of it
/// that were kept.
async fn case_view(
    page: &Page,
    id: i64,
    notice: &str,
    errors: FieldErrors,
    kept: Vec<PendingUpload>,
) -> PageResult {
    page.require_applicant()?;
    let case = CaseShown::load(page, id).await?;
    let c = &case.c;
    let material = |code: &str| c.item.materials.iter().find(|m| m.code == code);
    let mut asked: Vec<(String, String)> = Vec::new();
    if c.state == CaseState::AwaitingSupplement
        && let Some(n) = c.case.notices.last()
    {
        for code in &n.missing {
            let name = material(code).map(|m| m.name.clone());
            asked.push((code.clone(), name.unwrap_or_default()));
        }
    }
    for d in c.case.deferred.iter().filter(|d| d.arrived_on.is_none()) {
        let name =
            material(&d.code).map(|m| format!("{}（容缺，应于{}前补交）", m.name, fmt_date(d.due)));
        asked.push((d.code.clone(), name.unwrap_or_default()));
    }
    render(&MyCasePage {
        chrome: page.chrome(notice),
        asked,
        can_withdraw: case.actions.iter().any(|a| a == "withdraw"),
        can_request_hearing: case.actions.iter().any(|a| a == "request_hearing"),
        errors,
        kept,
        rating: page.app.online_rating(page.who(), id).await?,
        rating_options: super::ratings::RatingOptions::default(),
        rating_form: FormData::default(),
        deliveries: page.app.case_deliveries(page.who(), id).await?,
        case,
    })
}

pub async fn case_page(
    page: PageFor<gate::Applicant>,
    Path(id): Path<i64>,
    Query(n): Query<Notice>,
) -> PageResult {
    case_view(&page, id, &n.notice, FieldErrors::default(), vec![]).await
}

/// The applicant's act on their case: done or refused (an error `told` accepts), it is told on the
/// case page.
async fn act_on_mine(
    page: &Page,
    id: i64,
    action: Action,
    uploads: Vec<Upload>,
    done: &str,
    told: impl FnOnce(&AppError) -> bool,
) -> PageResult {
    let on = ActOn {
        case_id: id,
        version: None,
        action,
        uploads,
    };
    let back = format!("/my/cases/{id}");
    let result = page.app.act(page.who(), on).await;
    tell_back(result, |_| (back.clone(), done.into()), told, &back, "")
}

/// Answers a supplement notice (or delivers deferred materials): only the asked materials are taken,
/// with their files, in one write.
pub async fn supplement(
    page: PageFor<gate::Applicant>,
    Path(id): Path<i64>,
    UploadForm(mp): UploadForm,
) -> PageResult {
    let c = page.app.case_for(page.who(), id).await?;
    let mut errors = FieldErrors::default();
    let (_, uploads) = read_multipart(mp, &mut errors).await?;
    let asked = c.case.asked_materials();
    let uploads: Vec<Upload> = uploads
        .into_iter()
        .filter(|u| asked.contains(&u.material))
        .collect();
    // Files kept from a refused sending belong to this form of this version of the case: once
    // the case moves on, they are not offered again.
    let key = format!("supplement-{id}-{}", c.version);
    let session = &page.user.session;
    if !errors.is_empty() {
        let kept = page.app.keep_pending(session, &key, &uploads).await?;
        return unprocessable(case_view(&page, id, "", errors, kept).await);
    }
    let kept = page.app.pending_for(session, &key, &uploads).await?;
    let uploads: Vec<Upload> = uploads.into_iter().chain(kept).collect();
    if uploads.is_empty() {
        errors.add("files", "请上传补正通知书所列的材料");
        return unprocessable(case_view(&page, id, "", errors, vec![]).await);
    }
    let mut materials: Vec<String> = uploads.iter().map(|u| u.material.clone()).collect();
    materials.sort();
    materials.dedup();
    act_on_mine(
        &page,
        id,
        Action::Supplement { materials },
        uploads,
        "补正材料已提交，窗口将在五个工作日内作出处理",
        |e| {
            matches!(
                e,
                AppError::Refused(_) | AppError::Conflict(_) | AppError::Invalid { .. }
            )
        },
    )
    .await
}

/// Asks for a hearing (Art. 47), within five working days of being told of the right; the hearing's
/// time is not counted in the review's limit (Art. 45).
pub async fn request_hearing(
    page: PageFor<gate::Applicant>,
    Path(id): Path<i64>,
    form: Form<ReasonForm>,
) -> PageResult {
    page.check_csrf(&form)?;
    let action = Action::RequestHearing {
        reason: form.data.reason.trim().to_string(),
        by: String::new(),
    };
    let done =
        "已提出听证申请；行政机关将在二十个工作日内组织听证，并于举行听证七日前通知您时间、地点";
    act_on_mine(&page, id, action, vec![], done, |e| {
        matches!(
            e,
            AppError::Refused(_) | AppError::Conflict(_) | AppError::Invalid { .. }
        )
    })
    .await
}

/// The reason given with a withdrawal or a hearing request (may be empty).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReasonForm {
    reason: String,
}

pub async fn withdraw(
    page: PageFor<gate::Applicant>,
    Path(id): Path<i64>,
    form: Form<ReasonForm>,
) -> PageResult {
    page.check_csrf(&form)?;
    let action = Action::Withdraw {
        reason: form.data.reason.trim().to_string(),
    };
    act_on_mine(&page, id, action, vec![], "申请已撤回", |e| {
        matches!(e, AppError::Refused(_) | AppError::Conflict(_))
    })
    .await
}

/// Downloads an attached file, for those who may see its case.
pub async fn file(page: Page, Path(id): Path<i64>) -> PageResult {
    let a = page.app.store.attachment(id).await?;
    let record = page.app.case_for(page.who(), a.case_id).await?;
    let what = format!("材料「{}」", a.file_name);
    page.app
        .require_identifying_file(page.who(), &record, &what)
        .await?;
    let bytes = page.app.blobs.get(&a.digest).await?;
    Ok(file_response(&a.content_type, &a.file_name, true, bytes))
}
