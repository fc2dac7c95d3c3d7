//! The window's look-up of an applicant already known to the jurisdiction: above the intake form the
//! clerk types the ID number or credit code and asks 查找并填入; the intake form comes back with the
//! applicant's kind, name, ID, phone and an organisation's legal representative filled in from the
//! latest case under that identifier (or the applicant's account). A form of its own (not a second button of the intake form, which Enter
//! would press), a server round trip that works without JavaScript; the API offers the same
//! look-up as JSON (`/api/v1/jurisdictions/{code}/applicants/lookup`).

use serde::Deserialize;

use super::intake::{IntakeQuery, intake_page};
use crate::auth::gate;
use crate::error::AppError;
use crate::pages::{FieldErrors, Form, PageFor, PageResult, unprocessable};

/// The look-up form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LookUpForm {
    j: String,
    item: String,
    /// The ID number or credit code to look up (named apart from the intake form's `id_number`).
    known_id: String,
}

/// The intake form again, the applicant filled in when the jurisdiction knows the identifier, or
/// with the reason beside the ID field when it does not.
pub async fn look_up_applicant(page: PageFor<gate::Receive>, form: Form<LookUpForm>) -> PageResult {
    page.require_staff()?;
    page.check_csrf(&form)?;
    let f = &form.data;
    let q = IntakeQuery {
        j: f.j.clone(),
        item: f.item.clone(),
        find: String::new(),
    };
    // The intake form shows the number looked up in its own ID field.
    let mut raw = form.raw.clone();
    raw.0
        .push(("id_number".to_string(), f.known_id.trim().to_string()));
    let mut errors = FieldErrors::default();
    match page
        .app
        .look_up_applicant(page.who(), &f.j, &f.known_id)
        .await
    {
        Ok(Some(k)) => {
            raw.0.retain(|(name, _)| {
                !matches!(
                    name.as_str(),
                    "kind" | "name" | "id_number" | "phone" | "legal_representative"
                )
            });
            for (name, value) in [
                ("kind", k.kind),
                ("name", k.name),
                ("id_number", k.id_number),
                ("phone", k.phone),
                ("legal_representative", k.legal_representative),
            ] {
                raw.0.push((name.to_string(), value));
            }
            return intake_page(&page, &q, raw, errors, String::new(), &[]).await;
        }
        Ok(None) => errors.add(
            "id_number",
            "本县区没有这个证件号码的申请人记录，请按申请人的证件填写",
        ),
        Err(e @ AppError::Invalid { .. }) => errors.add("id_number", e.to_string()),
        Err(e) => return Err(e.into()),
    }
    unprocessable(intake_page(&page, &q, raw, errors, String::new(), &[]).await)
}
