//! Bundle pages (一件事一次办, 并联审批): the worklist `/work/bundles` (the window, the government's
//! head and the lead department see every bundle, another department those with a member of
//! theirs) and a bundle's page `/work/bundles/{id}` — its members (a department sees only its own),
//! each linked to its own case, where its department reviews and decides it —, the shared
//! materials, the joint clock with every due date explained, its state and result — with the form
//! of the acts the reader may take on the bundle (the window's intake and release, the government
//! head's extension). The window receives a bundle on `/work/bundles/receive` (the bundle, its
//! situations, the applicant, the merged material list ticked or scanned once — a shared
//! material's file stored once for every member needing it —, the Art. 31 attestation) and
//! prints its one receipt voucher at `/work/bundles/{id}/receipt`. The use cases are
//! `yiyin_app::bundles`'s; a refusal shows the page again with the message.

use askama::Template;
use yiyin_app::bundles::{
    BundleAct, BundleIntake, BundleIntakeForm, BundleLine, BundleView, ReceiveBundle,
};
use yiyin_app::cases::ApplicantInput;
use yiyin_domain::authz::Operation;

use crate::auth::gate;
use crate::error::AppError;
use crate::pages::work::intake::{ACCEPT, SCAN_HINT};
use crate::pages::{
    Chrome, FieldErrors, FilesForm, FormData, PageFor, PageResult, Path, Query, RawForm,
    is_refusal, render, settle, unprocessable,
};
use yiyin_app::cases::Upload;
use yiyin_store::pending_uploads::PendingUpload;

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct DeskQuery {
    pub jurisdiction: String,
    /// The page after this bundle (empty: the first page).
    pub after: String,
    pub notice: String,
}

/// Bundles a page of the desk shows.
const BUNDLES_PAGE: i64 = 20;

#[derive(Template)]
#[template(path = "work/bundles.html")]
struct DeskPage {
    chrome: Chrome,
    jurisdictions: Vec<(String, String)>,
    jurisdiction: String,
    lines: Vec<BundleLine>,
    /// How many bundles the reader may see in the jurisdiction.
    count: i64,
    /// The next page's address; None on the last page.
    next: Option<String>,
    /// Whether this is a later page.
    paged: bool,
}

/// The bundles the reader may see in a jurisdiction, a page at a time.
pub async fn desk(page: PageFor<gate::Bundles>, Query(q): Query<DeskQuery>) -> PageResult {
    let jurisdictions = page.jurisdictions_for_any(&[Operation::ViewCase, Operation::ExtendBundle]);
    let jurisdiction = if q.jurisdiction.is_empty() {
        jurisdictions
            .first()
            .map(|j| j.0.clone())
            .unwrap_or_default()
    } else {
        q.jurisdiction.clone()
    };
    let list = page
        .app
        .bundle_list(page.who(), &jurisdiction, &q.after, Some(BUNDLES_PAGE))
        .await?;
    let next = list.next.map(|after| {
        yiyin_app::query_url(
            "/work/bundles",
            &[("jurisdiction", &jurisdiction), ("after", &after)],
        )
    });
    render(&DeskPage {
        chrome: page.chrome(&q.notice),
        lines: list.items,
        count: list.count,
        next,
        paged: !q.after.trim().is_empty(),
        jurisdictions,
        jurisdiction,
    })
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct BundleQuery {
    pub notice: String,
}

#[derive(Template)]
#[template(path = "work/bundle.html")]
struct BundlePage {
    chrome: Chrome,
    view: BundleView,
    /// Whether the reader's window schedules the bundle's joint visits.
    may_schedule: bool,
    error: String,
}

async fn bundle_page(
    page: &PageFor<gate::Bundles>,
    id: i64,
    notice: &str,
    error: String,
) -> PageResult {
    let view = page.app.bundle_view(page.who(), id).await?;
    render(&BundlePage {
        chrome: page.chrome(notice),
        may_schedule: view.state != "released" && page.app.may_schedule_visit(page.who(), &view),
        view,
        error,
    })
}

/// A bundle's page.
pub async fn show(
    page: PageFor<gate::Bundles>,
    Path(id): Path<i64>,
    Query(q): Query<BundleQuery>,
) -> PageResult {
    bundle_page(&page, id, &q.notice, String::new()).await
}

/// An intake form's applicant (of `kind`: the form's own field, or an organisation for a
/// project's stage) and the window's outcome.
pub(crate) fn intake_of(
    f: &FormData,
    kind: String,
) -> Result<(yiyin_domain::party::Applicant, BundleIntake), AppError> {
    let applicant = ApplicantInput {
        kind,
        name: f.get("name"),
        id_number: f.get("id_number"),
        phone: f.get("phone"),
    }
    .parse()?;
    let outcome = match f.get("outcome").as_str() {
        "" | "receive" => BundleIntake::Receive,
        "accept" => BundleIntake::Accept,
        "notify_supplement" => BundleIntake::NotifySupplement,
        _ => return Err(AppError::field("outcome", "请选择收件后的处理")),
    };
    Ok((applicant, outcome))
}

/// The act the form asks for: `action` (accept, notify_supplement, supplement, release, extend),
/// with `materials` (codes separated by spaces or commas), `reason` and `days`.
fn act_of(f: &FormData) -> Result<BundleAct, AppError> {
    let list = |s: String| -> Vec<String> {
        s.split(|c: char| c.is_whitespace() || c == ',' || c == '，' || c == '、')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    };
    Ok(match f.get("action").as_str() {
        "accept" => BundleAct::Accept,
        "notify_supplement" => BundleAct::NotifySupplement {
            missing: list(f.get("materials")),
        },
        "supplement" => BundleAct::Supplement {
            materials: list(f.get("materials")),
        },
        "release" => BundleAct::Release,
        "extend" => BundleAct::Extend {
            reason: f.get("reason"),
            days: f
                .get("days")
                .trim()
                .parse()
                .map_err(|_| AppError::field("days", "延长天数应为整数（工作日）"))?,
        },
        _ => return Err(AppError::field("action", "请选择要办理的操作")),
    })
}

/// Takes an act on the bundle.
pub async fn act(page: PageFor<gate::Bundles>, Path(id): Path<i64>, form: RawForm) -> PageResult {
    page.check_csrf(&form)?;
    let result = match act_of(&form.raw) {
        Ok(act) => page.app.act_on_bundle(page.who(), id, None, act).await,
        Err(e) => Err(e),
    };
    settle(
        result,
        |v| (format!("/work/bundles/{}", v.id), "已办理".to_string()),
        |e| async { bundle_page(&page, id, "", e).await },
    )
    .await
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct IntakeQuery {
    pub jurisdiction: String,
    pub bundle: String,
}

#[derive(Template)]
#[template(path = "work/bundle_intake.html")]
struct IntakePage {
    chrome: Chrome,
    jurisdictions: Vec<(String, String)>,
    jurisdiction: String,
    form: BundleIntakeForm,
    /// The situations chosen, by code.
    situations: Vec<String>,
    /// The fields as sent, to fill the form in again.
    values: FormData,
    error: String,
    /// A refused file's message, beside its material (`file_<code>`).
    errors: FieldErrors,
    /// The form's key: the files that passed are kept for it in this session when the form is
    /// refused, and sent with it again.
    key: String,
    kept: Vec<PendingUpload>,
}

impl IntakePage {
    fn chose(&self, situation: &str) -> bool {
        self.situations.iter().any(|s| s == situation)
    }

    /// The names of the files kept for a merged material.
    fn kept_of(&self, code: &str) -> Vec<&str> {
        self.kept
            .iter()
            .filter(|k| k.material_code == code)
            .map(|k| k.file_name.as_str())
            .collect()
    }
}

/// What the receipt form shows again besides the fields: the message, the files refused and kept.
#[derive(Default)]
struct Again {
    error: String,
    errors: FieldErrors,
    key: String,
    kept: Vec<PendingUpload>,
}

/// The window's receipt form of a bundle (一件事), filled in with `values` as sent.
async fn intake_page(
    page: &PageFor<gate::Receive>,
    (jurisdiction, bundle): (&str, &str),
    situations: Vec<String>,
    values: FormData,
    again: Again,
) -> PageResult {
    let jurisdictions = page.jurisdictions_for(Operation::Receive);
    let jurisdiction = if jurisdiction.is_empty() {
        jurisdictions
            .first()
            .map(|j| j.0.clone())
            .unwrap_or_default()
    } else {
        jurisdiction.to_string()
    };
    let form = page
        .app
        .bundle_intake_form(page.who(), &jurisdiction, bundle, &situations)
        .await?;
    render(&IntakePage {
        chrome: page.chrome(""),
        jurisdictions,
        jurisdiction,
        form,
        situations,
        values,
        error: again.error,
        errors: again.errors,
        key: if again.key.is_empty() {
            yiyin_app::accounts::random_token()
        } else {
            again.key
        },
        kept: again.kept,
    })
}

/// The window's receipt form of a bundle: choose the bundle, then its situations (情形).
pub async fn intake_form(page: PageFor<gate::Receive>, Query(q): Query<IntakeQuery>) -> PageResult {
    intake_page(
        &page,
        (&q.jurisdiction, &q.bundle),
        vec![],
        FormData::default(),
        Again::default(),
    )
    .await
}

/// The receipt form sent (with files, multipart, or without): `step=choose` lists the merged
/// materials for the situations chosen; otherwise the bundle is received once — the applicant, the
/// merged materials ticked (`material`) or scanned (`file_<code>`, a shared one once for every
/// member), the Art. 31 attestation (`attested=yes`) and the window's outcome — and the receipt
/// voucher follows. A refusal keeps nothing but the files that passed (kept for this form in this
/// session, sent with it again) and shows the form again.
pub async fn intake(page: PageFor<gate::Receive>, form: FilesForm) -> PageResult {
    let mut errors = FieldErrors::default();
    let (f, uploads) = form.read(Some(&page), &mut errors).await?;
    let (jurisdiction, bundle) = (f.get("jurisdiction"), f.get("bundle"));
    let situations = f.all("situation");
    let session = &page.user.session;
    let key = Some(f.get("key"))
        .filter(|k| !k.is_empty())
        .unwrap_or_else(yiyin_app::accounts::random_token);
    // Choosing the situations, or a file refused (type, size): the files that passed are kept.
    let refused_file = !errors.is_empty();
    if f.get("step") == "choose" || refused_file {
        let kept = page.app.keep_pending(session, &key, &uploads).await?;
        let error = if refused_file {
            "有文件未通过检查，请按提示重新选择；其他文件已保留".to_string()
        } else {
            String::new()
        };
        let shown = intake_page(
            &page,
            (&jurisdiction, &bundle),
            situations,
            f,
            Again {
                error,
                errors,
                key,
                kept,
            },
        )
        .await;
        return if refused_file {
            unprocessable(shown)
        } else {
            shown
        };
    }
    // The files kept from an earlier sending of this form go with it, unless sent again.
    let kept = page.app.pending_for(session, &key, &uploads).await?;
    let sent = uploads.clone();
    let uploads: Vec<Upload> = uploads.into_iter().chain(kept).collect();
    let result = async {
        let (applicant, outcome) = intake_of(&f, f.get("kind"))?;
        page.app
            .receive_bundle(
                page.who(),
                ReceiveBundle {
                    jurisdiction: jurisdiction.clone(),
                    bundle_code: bundle.clone(),
                    situations: situations.clone(),
                    applicant,
                    materials: f.all("material"),
                    outcome,
                    missing: vec![],
                    attested: f.ticked("attested", "yes"),
                    uploads,
                },
            )
            .await
    }
    .await;
    let kept = match &result {
        Ok(_) => {
            page.app.drop_pending(session, &key).await?;
            vec![]
        }
        Err(e) if is_refusal(e) => page.app.keep_pending(session, &key, &sent).await?,
        Err(_) => vec![],
    };
    settle(
        result,
        |v| {
            (
                format!("/work/bundles/{}/receipt", v.id),
                "已收件".to_string(),
            )
        },
        |e| async {
            intake_page(
                &page,
                (&jurisdiction, &bundle),
                situations.clone(),
                f.clone(),
                Again {
                    error: e,
                    errors: FieldErrors::default(),
                    key: key.clone(),
                    kept,
                },
            )
            .await
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "work/bundle_receipt.html")]
struct ReceiptPage {
    view: BundleView,
    agency: String,
}

/// The one receipt voucher of a bundle (收件凭证): its number, the applicant, every member item
/// with its own case number and department, the materials received.
pub async fn receipt(page: PageFor<gate::Bundles>, Path(id): Path<i64>) -> PageResult {
    let view = page.app.bundle_view(page.who(), id).await?;
    if !view.whole {
        return Err(AppError::Forbidden(
            "一件事的收件凭证由窗口出具，您只能查看本部门办理的成员事项".into(),
        )
        .into());
    }
    let agency = page
        .app
        .org()
        .jurisdiction(&view.jurisdiction)
        .map(|j| j.name_on(page.app.today()).to_string())
        .unwrap_or_default();
    render(&ReceiptPage { view, agency })
}
