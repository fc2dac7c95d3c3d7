//! The window's intake form: find the item, fill in the applicant, tick the materials provided,
//! and take the Art. 32 outcome together with the receipt (前台综合受理); a refusal of any of it
//! keeps nothing and shows the form again with the reason beside its field.

use crate::pages::Query;
use askama::Template;
use serde::Deserialize;
use yiyin_app::accounts::random_token;
use yiyin_app::cases::{Receive, item_scope};
use yiyin_domain::authz::Operation;
use yiyin_domain::catalog::{FormError, Item};

use crate::api::cases::{ApplicantInput, outcome_of};
use crate::auth::gate;
use crate::error::AppError;
use crate::pages::form_fields::{FormView, read_form};
use crate::pages::{
    Chrome, FieldErrors, Form, FormData, Page, PageFor, PageResult, redirect_with, render,
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

impl IntakePage {
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
    let org = page.app.org();
    let items: Vec<(String, String)> = catalog
        .iter()
        .filter(|v| find.is_empty() || v.item.name.contains(&find) || v.item.code.contains(&find))
        .filter(|v| {
            page.who()
                .require(Operation::Receive, &item_scope(&org, &j, &v.item))
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

/// The intake form as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct IntakeForm {
    j: String,
    item: String,
    key: String,
    kind: String,
    name: String,
    id_number: String,
    phone: String,
    materials: Vec<String>,
    outcome: String,
    due: String,
    reason: String,
    redirect_to: String,
    /// The clerk's reason for receiving an applicant whose ID number is on record under another
    /// name (`yiyin_domain::identity`).
    name_confirmation: String,
}

/// Receives an application at the window and takes its Art. 32 outcome in one go: nothing is kept
/// unless all of it is.
pub async fn intake(page: PageFor<gate::Receive>, form: Form<IntakeForm>) -> PageResult {
    page.require_staff()?;
    page.check_csrf(&form)?;
    let f = &form.data;
    let q = IntakeQuery {
        j: f.j.clone(),
        item: f.item.clone(),
        find: String::new(),
    };
    let mut errors = FieldErrors::default();
    let mut general = String::new();
    let applicant = ApplicantInput {
        kind: f.kind.clone(),
        name: f.name.clone(),
        id_number: f.id_number.clone(),
        phone: f.phone.clone(),
    }
    .parse()
    .map_err(|e| errors.add_error(&e, "name"))
    .ok();
    let outcome = outcome_of(&f.outcome, &f.due, &f.reason, &f.redirect_to)
        .map_err(|e| errors.add_error(&e, "outcome"))
        .ok();
    // The application form, when the clerk typed it in (a paper one may be taken as a material
    // instead): checked field by field as receiving checks it.
    let item = page.app.item_in_force(&f.j, &f.item).await.ok();
    let data = item
        .as_ref()
        .and_then(|v| v.item.form.as_ref())
        .map(|def| read_form(def, &form.raw))
        .filter(|d| !d.is_empty());
    let problems = match (&item, &data) {
        (Some(v), Some(d)) => page.app.form_problems(&v.item, d),
        _ => vec![],
    };
    if !problems.is_empty() {
        errors.add("application", "申请表有填写不正确的地方");
    }
    if let (Some(applicant), Some(outcome), true) = (applicant, outcome, problems.is_empty()) {
        let field = outcome.field();
        let receive = Receive {
            jurisdiction: f.j.clone(),
            item_code: f.item.clone(),
            applicant: Some(applicant),
            materials: f.materials.iter().map(|m| m.trim().to_string()).collect(),
            attested: true,
            outcome,
            idempotency_key: Some(f.key.clone()),
            uploads: vec![],
            form: data,
        };
        let confirmation = Some(f.name_confirmation.trim()).filter(|c| !c.is_empty());
        match page
            .app
            .receive_confirmed(page.who(), receive, confirmation)
            .await
        {
            Ok(r) => {
                return Ok(redirect_with(
                    &format!("/work/cases/{}", r.record.id),
                    &format!("已收件，办件编号 {}；请打印凭证交申请人", r.record.number),
                ));
            }
            Err(e @ AppError::Refused(_))
                if e.details()
                    .iter()
                    .any(|r| r == yiyin_domain::identity::NAME_RULE) =>
            {
                errors.add_error(&e, "name_confirmation")
            }
            Err(e @ AppError::Refused(_)) => errors.add_error(&e, field),
            Err(e @ (AppError::Invalid { .. } | AppError::CalendarMissing(_))) => {
                general = e.to_string()
            }
            Err(e) => return Err(e.into()),
        }
    }
    unprocessable(intake_page(&page, &q, form.raw, errors, general, &problems).await)
}
