//! The window's intake form: find the item, fill in the applicant, tick the materials provided,
//! and take the Art. 32 outcome together with the receipt (前台综合受理); a refusal of any of it
//! keeps nothing and shows the form again with the reason beside its field.

use askama::Template;
use axum::extract::{Query, State};
use serde::Deserialize;
use yiyin_app::App;
use yiyin_app::accounts::random_token;
use yiyin_app::cases::{Receive, item_scope};
use yiyin_domain::authz::{self, Operation};
use yiyin_domain::catalog::Item;

use crate::api::cases::{ApplicantInput, outcome_of};
use crate::error::AppError;
use crate::pages::{
    Chrome, FieldErrors, Form, FormData, PageResult, PageUser, redirect_with, render,
};

#[derive(Debug, Default, Deserialize)]
pub struct IntakeQuery {
    #[serde(default)]
    pub j: String,
    #[serde(default)]
    pub item: String,
    #[serde(default)]
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
}

impl IntakePage {
    fn checked(&self, code: &str) -> bool {
        self.form
            .0
            .iter()
            .any(|(k, v)| k == "materials" && v == code)
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

fn clerk_jurisdictions(user: &PageUser, state: &App) -> Vec<(String, String)> {
    let org = state.org();
    let mut v: Vec<(String, String)> = user
        .account()
        .grants
        .iter()
        .filter(|g| authz::role_may(g.role, Operation::Receive))
        .filter_map(|g| {
            org.jurisdiction(&g.jurisdiction)
                .map(|j| (j.code.clone(), j.name.clone()))
        })
        .collect();
    v.sort();
    v.dedup();
    v
}

async fn intake_page(
    state: &App,
    user: &PageUser,
    q: &IntakeQuery,
    form: FormData,
    errors: FieldErrors,
    general: String,
) -> PageResult {
    let jurisdictions = clerk_jurisdictions(user, state);
    if jurisdictions.is_empty() {
        return Err(AppError::Forbidden("无权收件：您的岗位没有窗口受理职责".into()).into());
    }
    let j = if jurisdictions.iter().any(|x| x.0 == q.j) {
        q.j.clone()
    } else {
        jurisdictions[0].0.clone()
    };
    let catalog = state.store.catalog_as_of(&j, state.today()).await?;
    let find = q.find.trim().to_string();
    let items: Vec<(String, String)> = catalog
        .iter()
        .filter(|v| find.is_empty() || v.item.name.contains(&find) || v.item.code.contains(&find))
        .filter(|v| {
            user.who()
                .require(Operation::Receive, &item_scope(&j, &v.item))
                .is_ok()
        })
        .map(|v| (v.item.code.clone(), v.item.name.clone()))
        .collect();
    let item = catalog
        .into_iter()
        .find(|v| v.item.code == q.item)
        .map(|v| v.item);
    render(&IntakePage {
        chrome: user.chrome(""),
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
    })
}

pub async fn intake_form(
    State(state): State<App>,
    user: PageUser,
    Query(q): Query<IntakeQuery>,
) -> PageResult {
    user.require_staff()?;
    intake_page(
        &state,
        &user,
        &q,
        FormData::default(),
        FieldErrors::default(),
        String::new(),
    )
    .await
}

/// The intake form as sent.
#[derive(Debug, Default, Deserialize)]
pub struct IntakeForm {
    #[serde(default)]
    j: String,
    #[serde(default)]
    item: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    materials: Vec<String>,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    due: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    redirect_to: String,
}

/// Receives an application at the window and takes its Art. 32 outcome in one go: nothing is kept
/// unless all of it is.
pub async fn intake(
    State(state): State<App>,
    user: PageUser,
    form: Form<IntakeForm>,
) -> PageResult {
    user.require_staff()?;
    user.check_csrf(&form)?;
    let f = &form.data;
    let q = IntakeQuery {
        j: f.j.clone(),
        item: f.item.clone(),
        find: String::new(),
    };
    let mut errors = FieldErrors::default();
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
    let (Some(applicant), Some(outcome)) = (applicant, outcome) else {
        return retry(&state, &user, &q, form.raw, errors, String::new()).await;
    };
    let field = outcome.field();
    let received = state
        .receive(
            user.who(),
            Receive {
                jurisdiction: f.j.clone(),
                item_code: f.item.clone(),
                applicant: Some(applicant),
                materials: f.materials.iter().map(|m| m.trim().to_string()).collect(),
                attested: true,
                outcome,
                idempotency_key: Some(f.key.clone()),
                uploads: vec![],
            },
        )
        .await;
    match received {
        Ok(r) => Ok(redirect_with(
            &format!("/work/cases/{}", r.record.id),
            &format!("已收件，办件编号 {}；请打印凭证交申请人", r.record.number),
        )),
        Err(e @ AppError::Refused(_)) => {
            errors.add_error(&e, field);
            retry(&state, &user, &q, form.raw, errors, String::new()).await
        }
        Err(e @ (AppError::Invalid { .. } | AppError::CalendarMissing(_))) => {
            retry(&state, &user, &q, form.raw, errors, e.to_string()).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn retry(
    state: &App,
    user: &PageUser,
    q: &IntakeQuery,
    form: FormData,
    errors: FieldErrors,
    general: String,
) -> PageResult {
    let mut resp = intake_page(state, user, q, form, errors, general).await?;
    *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(resp)
}
