//! Drafts of application forms (保存草稿): one per applicant account and catalog item, replaced at
//! each save and dropped with the application it became.

use crate::cases::FormData;
use crate::rows::{Json, record, select, sql};
use crate::{Result, Store, WriteTx};

record! {
    /// A saved draft of an application form.
    #[derive(Debug, Clone, PartialEq)]
    pub struct FormDraft {
        pub account_id: i64,
        pub jurisdiction: String,
        pub item_code: String,
        pub data: Json<FormData>,
        pub saved_at: i64,
    }
}

impl WriteTx {
    /// Saves the draft of an account's form for an item, replacing the one saved before.
    pub async fn save_form_draft(
        &mut self,
        account_id: i64,
        jurisdiction: &str,
        item_code: &str,
        data: &FormData,
        at_ms: i64,
    ) -> Result<()> {
        sql!(
            "INSERT INTO form_drafts (account_id, jurisdiction, item_code, data, saved_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (account_id, jurisdiction, item_code)
             DO UPDATE SET data = excluded.data, saved_at = excluded.saved_at";
            account_id, jurisdiction, item_code, serde_json::to_string(data)?, at_ms)
        .run(&mut **self)
        .await
    }

    /// Drops the draft of an account's form for an item (the application was received).
    pub async fn drop_form_draft(
        &mut self,
        account_id: i64,
        jurisdiction: &str,
        item_code: &str,
    ) -> Result<()> {
        sql!("DELETE FROM form_drafts WHERE account_id = $1 AND jurisdiction = $2 AND item_code = $3";
            account_id, jurisdiction, item_code)
        .run(&mut **self)
        .await
    }
}

impl Store {
    /// The draft an account saved of its form for an item, if any.
    pub async fn form_draft(
        &self,
        account_id: i64,
        jurisdiction: &str,
        item_code: &str,
    ) -> Result<Option<FormDraft>> {
        let from = "form_drafts WHERE account_id = $1 AND jurisdiction = $2 AND item_code = $3";
        sql!(select::<FormDraft>(from); account_id, jurisdiction, item_code)
            .optional(self.reader())
            .await
    }
}
