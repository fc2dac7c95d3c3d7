//! Application forms (一张表单) as the use cases see them: the data an application brings checked
//! with the item's form (the same check for the online page, the window and the API), the first
//! values of an applicant's form (a saved draft, or what the profile and the latest licence
//! prefill), drafts saved per applicant and item, and a case's data as its page shows it.

use serde_json::Value;
use yiyin_domain::catalog::Item;
use yiyin_domain::catalog::form::{Form, FormError, Profile, ShownField};
use yiyin_domain::text::{self, TextKind};
use yiyin_store::cases::{CaseRecord, FormData};

use crate::App;
use crate::error::{AppError, Result};
use crate::principal::Principal;

/// The most bytes a form's data (or a draft) may take as JSON.
pub const MAX_FORM_BYTES: usize = 200_000;

/// Form data refused: each field's problem, the first field named (`form.<path>`).
pub fn form_error(problems: &[FormError]) -> AppError {
    AppError::Invalid {
        field: problems.first().map(|p| format!("form.{}", p.field)),
        message: format!(
            "申请表填写有误：{}",
            problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("；")
        ),
    }
}

/// The first values of an applicant's form.
#[derive(Debug, Clone, Default)]
pub struct FormStart {
    pub data: FormData,
    /// When the values are a draft saved then (milliseconds), if they are.
    pub draft_saved_at: Option<i64>,
}

fn too_large(data: &FormData) -> bool {
    serde_json::to_string(data).map_or(true, |s| s.len() > MAX_FORM_BYTES)
}

impl App {
    /// Every problem of `data` for the item's form (none when the item has no form).
    pub fn form_problems(&self, item: &Item, data: &FormData) -> Vec<FormError> {
        match &item.form {
            Some(form) => form.check(data, self.today()).err().unwrap_or_default(),
            None => vec![],
        }
    }

    /// The data an application brings, as kept with its case: checked with the item's form. Data
    /// for an item without a form is refused. Online the form must be filled in; a window may
    /// receive without it (the paper application form taken as a material).
    pub(crate) fn checked_form(
        &self,
        item: &Item,
        data: Option<FormData>,
        online: bool,
    ) -> Result<Option<FormData>> {
        let data = match data {
            Some(d) => d,
            None if online && item.form.is_some() => FormData::new(),
            None => return Ok(None),
        };
        if too_large(&data) {
            return Err(AppError::field("form", "申请表内容过多"));
        }
        match &item.form {
            None if data.is_empty() => Ok(None),
            None => Err(AppError::field(
                "form",
                format!("“{}”没有在线申请表，请不要提交表单内容", item.name),
            )),
            Some(form) => form
                .check(&data, self.today())
                .map(Some)
                .map_err(|p| form_error(&p)),
        }
    }

    /// The first values of the applicant's form for an item: the draft saved, or what the
    /// applicant's profile and latest licence prefill.
    pub async fn form_start(
        &self,
        who: &Principal,
        jurisdiction: &str,
        item: &Item,
    ) -> Result<FormStart> {
        who.require_applicant()?;
        let Some(form) = &item.form else {
            return Ok(FormStart::default());
        };
        let a = &who.account;
        if let Some(d) = self
            .store
            .form_draft(a.id, jurisdiction, &item.code)
            .await?
        {
            return Ok(FormStart {
                data: d.data.0,
                draft_saved_at: Some(d.saved_at),
            });
        }
        let licence = self.latest_licence_form(a.id).await?;
        let id = a
            .id_number
            .as_ref()
            .map(|i| i.as_str().to_string())
            .unwrap_or_default();
        Ok(FormStart {
            data: form.prefill(&Profile {
                name: &a.name,
                id_number: &id,
                phone: &a.phone,
                licence: licence.as_ref(),
            }),
            draft_saved_at: None,
        })
    }

    /// The form data of the newest licence issued on a case this account filed with a form.
    async fn latest_licence_form(&self, account: i64) -> Result<Option<FormData>> {
        for l in self
            .store
            .licences_of_account(account)
            .await?
            .iter()
            .take(20)
        {
            if let Some(f) = self.store.case(l.case_id).await?.form {
                return Ok(Some(f));
            }
        }
        Ok(None)
    }

    /// Saves the applicant's draft of the form for an item in force (保存草稿): incomplete data is
    /// kept as it is, but only the form's own fields, and every text within the limits of text.
    pub async fn save_form_draft(
        &self,
        who: &Principal,
        jurisdiction: &str,
        item_code: &str,
        data: FormData,
    ) -> Result<()> {
        who.require_applicant()?;
        let version = self.item_in_force(jurisdiction, item_code).await?;
        let Some(form) = &version.item.form else {
            return Err(AppError::field("form", "该事项没有在线申请表"));
        };
        let data = draft_fields(form, data)?;
        let mut tx = self.store.begin_write().await?;
        tx.save_form_draft(
            who.account.id,
            jurisdiction,
            item_code,
            &data,
            self.now().timestamp_millis(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A case's form data as its page shows it, labelled by the form of the item's version it was
    /// received under; identifiers and phones masked for a reader who sees the applicant masked.
    pub async fn case_form(&self, record: &CaseRecord, masked: bool) -> Result<Vec<ShownField>> {
        let Some(data) = &record.form else {
            return Ok(vec![]);
        };
        let history = self
            .store
            .item_history(&record.jurisdiction, &record.item_code)
            .await?;
        let form = history
            .iter()
            .find(|v| i64::from(v.version) == record.item_version)
            .and_then(|v| v.item.form.clone());
        Ok(form.map(|f| f.show(data, masked)).unwrap_or_default())
    }
}

/// A draft's data: only the form's fields, each text checked (a draft need not be complete).
fn draft_fields(form: &Form, data: FormData) -> Result<FormData> {
    if too_large(&data) {
        return Err(AppError::field("form", "草稿内容过多"));
    }
    fn texts(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(s) => out.push(s.clone()),
            Value::Array(a) => a.iter().for_each(|x| texts(x, out)),
            Value::Object(o) => o.values().for_each(|x| texts(x, out)),
            _ => {}
        }
    }
    let mut kept = FormData::new();
    for (k, v) in data {
        if form.field(&k).is_none() {
            continue;
        }
        let mut all = Vec::new();
        texts(&v, &mut all);
        for t in &all {
            text::check(&format!("form.{k}"), t, TextKind::Long)
                .map_err(|e| AppError::field(&e.field, e.to_string()))?;
        }
        kept.insert(k, v);
    }
    Ok(kept)
}
