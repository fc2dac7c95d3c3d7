//! The window's intake form: find the item, fill in the applicant and who acts for it (经办人,
//! 法定代表人), tick the materials provided and scan their files (several per material), and take the Art. 32 outcome together with the receipt (前台综合受理); a refusal of any of it
//! keeps nothing and shows the form again with the reason beside its field.

use crate::pages::Query;
use askama::Template;
use serde::Deserialize;
use yiyin_app::accounts::random_token;
use yiyin_app::cases::{AgentInput, ApplicantInput, Receive, outcome_of, representation_of};
use yiyin_domain::authz::Operation;
use yiyin_domain::catalog::{FormError, Item};

use crate::auth::gate;
use crate::error::AppError;
use crate::pages::form_fields::{FormView, read_form};
use crate::pages::{
    Chrome, FieldErrors, FilesForm, FormData, Page, PageFor, PageResult, redirect_with, render,
    unprocessable,
};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct IntakeQuery {
    pub j: String,
    pub item: String,
    pub find: String,
}

#[derive(Template)]
#[template(path = "work/intake.html")]
struct IntakePage {
    chrome: Chrome,
    jurisdictions: Vec<(String, String)>,
    j: String,
    find: String,
    items: Vec<(String, String)>,
    item: Option<Item>,
    key: String,
    form: FormData,
    errors: FieldErrors,
    general: String,
    /// The item's application form (no fields when it has none), filled in as sent.
    application: FormView,
}

/// What a scan field accepts.
pub(crate) const ACCEPT: &str = ".pdf,.jpg,.jpeg,.png,.ofd,application/pdf,image/jpeg,image/png";
/// The hint beside a scan field before a file is chosen.
pub(crate) const SCAN_HINT: &str = "可选多个文件，单个不超过10MB";

impl IntakePage {
    /// The item's own mandate material (授权委托书), if it lists one.
    fn mandate_material(&self) -> Option<String> {
        self.item
            .as_ref()
            .and_then(yiyin_domain::agent::mandate_material)
            .map(str::to_string)
    }

    fn has_deferrable(&self) -> bool {
        self.item
            .as_ref()
            .is_some_and(|i| i.materials.iter().any(|m| m.deferrable))
    }

    fn outcome_is(&self, o: &str) -> bool {
        let chosen = self.form.get("outcome");
        if chosen.is_empty() {
            o == "accept"
        } else {
            chosen == o
        }
    }
}

/// The intake form; `form`, `errors` and `general` are a refused one's (what was typed, the message
/// beside each field, the message of the whole).
pub(super) async fn intake_page(
    page: &Page,
    q: &IntakeQuery,
    form: FormData,
    errors: FieldErrors,
    general: String,
    problems: &[FormError],
) -> PageResult {
    let jurisdictions = page.jurisdictions_for(Operation::Receive);
    if jurisdictions.is_empty() {
        return Err(AppError::Forbidden("无权收件：您的岗位没有窗口受理职责".into()).into());
    }
    let j = if jurisdictions.iter().any(|x| x.0 == q.j) {
        q.j.clone()
    } else {
        jurisdictions[0].0.clone()
    };
    let catalog = page.app.store.catalog_as_of(&j, page.app.today()).await?;
    let find = q.find.trim().to_string();
    let jurisdiction = page.app.jurisdiction(&j)?;
    // The items this window receives today: a township centre's include those delegated to its
    // township in force (Art. 24), a village point's none of the delegated ones (it takes them
    // for its township) — as the receipt itself decides.
    let items: Vec<(String, String)> = catalog
        .iter()
        .filter(|v| find.is_empty() || v.item.name.contains(&find) || v.item.code.contains(&find))
        .filter(|v| {
            page.app
                .receiving(page.who(), &jurisdiction, &v.item)
                .is_ok()
        })
        .map(|v| (v.item.code.clone(), v.item.name.clone()))
        .collect();
    let item = catalog
        .into_iter()
        .find(|v| v.item.code == q.item)
        .map(|v| v.item);
    let application = match item.as_ref().and_then(|i| i.form.as_ref()) {
        Some(f) => FormView::new(f, &read_form(f, &form), problems),
        None => FormView::default(),
    };
    render(&IntakePage {
        chrome: page.chrome(""),
        jurisdictions,
        j,
        find,
        items,
        item,
        key: if form.get("key").is_empty() {
            random_token()
        } else {
            form.get("key")
        },
        form,
        errors,
        general,
        application,
    })
}

pub async fn intake_form(page: Page, Query(q): Query<IntakeQuery>) -> PageResult {
    page.require_staff()?;
    intake_page(
        &page,
        &q,
        FormData::default(),
        FieldErrors::default(),
        String::new(),
        &[],
    )
    .await
}

/// Receives an application at the window and takes its Art. 32 outcome in one go, with the
/// materials scanned (several files per material, `file_<code>`; the mandate under
/// `file_mandate`) and who acts for the applicant: nothing is kept unless all of it is. Sent with
/// files (multipart) or without.
pub async fn intake(page: PageFor<gate::Receive>, form: FilesForm) -> PageResult {
    page.require_staff()?;
    let mut errors = FieldErrors::default();
    let (f, uploads) = form.read(Some(&page), &mut errors).await?;
    let q = IntakeQuery {
        j: f.get("j"),
        item: f.get("item"),
        find: String::new(),
    };
    let mut general = String::new();
    let applicant = ApplicantInput {
        kind: f.get("kind"),
        name: f.get("name"),
        id_number: f.get("id_number"),
        phone: f.get("phone"),
    }
    .parse()
    .map_err(|e| errors.add_error(&e, "name"))
    .ok();
    let agent = Some(AgentInput {
        name: f.get("agent_name"),
        id_number: f.get("agent_id_number"),
        phone: f.get("agent_phone"),
    })
    .filter(|a| !(a.name.is_empty() && a.id_number.is_empty() && a.phone.is_empty()));
    let representation = representation_of(
        agent.as_ref(),
        &f.get("legal_representative"),
        page.app.today(),
    )
    .map_err(|e| errors.add_error(&e, "agent_name"))
    .ok();
    let outcome = outcome_of(
        &f.get("outcome"),
        &f.get("due"),
        &f.get("reason"),
        &f.get("redirect_to"),
    )
    .map_err(|e| errors.add_error(&e, "outcome"))
    .ok();
    // The application form, when the clerk typed it in (a paper one may be taken as a material
    // instead): checked field by field as receiving checks it.
    let item = page.app.item_in_force(&q.j, &q.item).await.ok();
    let data = item
        .as_ref()
        .and_then(|v| v.item.form.as_ref())
        .map(|def| read_form(def, &f))
        .filter(|d| !d.is_empty());
    let problems = match (&item, &data) {
        (Some(v), Some(d)) => page.app.form_problems(&v.item, d),
        _ => vec![],
    };
    if !problems.is_empty() {
        errors.add("application", "申请表有填写不正确的地方");
    }
    // A refused file (type, size) refuses the whole intake: its message stands beside it.
    let files_ok = errors.is_empty();
    if let (Some(applicant), Some(representation), Some(outcome), true) =
        (applicant, representation, outcome, files_ok)
    {
        let field = outcome.field();
        let receive = Receive {
            jurisdiction: q.j.clone(),
            item_code: q.item.clone(),
            applicant: Some(applicant),
            materials: f.all("materials"),
            attested: true,
            outcome,
            idempotency_key: Some(f.get("key")),
            uploads,
            form: data,
            representation,
        };
        let confirmation = Some(f.get("name_confirmation")).filter(|c| !c.is_empty());
        match page
            .app
            .receive_confirmed(page.who(), receive, confirmation.as_deref())
            .await
        {
            Ok(r) => {
                return Ok(redirect_with(
                    &format!("/work/cases/{}", r.record.id),
                    &format!(
                        "已收件，办件编号 {}；请点击「打印收件凭证」交申请人",
                        r.record.number
                    ),
                ));
            }
            Err(e @ AppError::Refused(_))
                if e.details()
                    .iter()
                    .any(|r| r == yiyin_domain::identity::NAME_RULE) =>
            {
                errors.add_error(&e, "name_confirmation")
            }
            Err(e @ AppError::Refused(_))
                if e.details()
                    .iter()
                    .any(|r| r == yiyin_domain::agent::MANDATE_RULE) =>
            {
                errors.add_error(&e, "mandate")
            }
            Err(e @ AppError::Refused(_)) => errors.add_error(&e, field),
            Err(e @ AppError::Invalid { .. }) if beside_its_field(&e) => {
                errors.add_error(&e, "name")
            }
            Err(e @ (AppError::Invalid { .. } | AppError::CalendarMissing(_))) => {
                general = e.to_string()
            }
            Err(e) => return Err(e.into()),
        }
    }
    unprocessable(intake_page(&page, &q, f, errors, general, &problems).await)
}

/// Whether a refused input of the intake is shown beside its field (a file, the agent, the legal
/// representative) rather than above the form.
fn beside_its_field(e: &AppError) -> bool {
    matches!(e, AppError::Invalid { field: Some(f), .. }
        if f.starts_with("file_") || f.starts_with("agent_") || f == "legal_representative")
}
