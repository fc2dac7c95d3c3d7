//! The rows of SMS one-time codes (`sms_codes`, migration 0022): one per phone and purpose, the
//! code kept only as its hash. What a code means and when it is refused is decided by
//! `yiyin_domain::sms_code` and the application layer.

use crate::rows::{insert, record, select, sql};
use crate::{Result, Store, WriteTx};

record! {
    /// A code sent to a phone.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct SmsCode {
        pub phone: String,
        pub purpose: String,
        pub code_hash: String,
        /// The account a recovery code resets (0 for registration).
        pub account_id: i64,
        pub created_at: i64,
        pub expires_at: i64,
        pub tries: i64,
        pub used_at: Option<i64>,
    }
}

impl WriteTx {
    /// Keeps a new code for a phone and purpose, replacing the one there was.
    pub async fn put_sms_code(&mut self, c: &SmsCode) -> Result<()> {
        sql!("DELETE FROM sms_codes WHERE phone = $1 AND purpose = $2"; &c.phone, &c.purpose)
            .run(&mut **self)
            .await?;
        insert!("sms_codes", c;
            phone = &c.phone, purpose = &c.purpose, code_hash = &c.code_hash,
            account_id = c.account_id, created_at = c.created_at, expires_at = c.expires_at,
            tries = c.tries, used_at = c.used_at)
        .run(&mut **self)
        .await
    }

    /// Counts one wrong try of the code that has `tries` tries so far; false if it changed meanwhile.
    pub async fn add_sms_code_try(
        &mut self,
        phone: &str,
        purpose: &str,
        tries: i64,
    ) -> Result<bool> {
        sql!("UPDATE sms_codes SET tries = tries + 1
              WHERE phone = $1 AND purpose = $2 AND tries = $3 AND used_at IS NULL";
            phone, purpose, tries)
        .changed_one(&mut **self)
        .await
    }

    /// Marks a code used, once: false if it was used (or replaced) meanwhile.
    pub async fn use_sms_code(
        &mut self,
        phone: &str,
        purpose: &str,
        code_hash: &str,
        at: i64,
    ) -> Result<bool> {
        sql!("UPDATE sms_codes SET used_at = $1
              WHERE phone = $2 AND purpose = $3 AND code_hash = $4 AND used_at IS NULL";
            at, phone, purpose, code_hash)
        .changed_one(&mut **self)
        .await
    }
}

impl Store {
    /// The code of a phone and purpose, if any.
    pub async fn sms_code(&self, phone: &str, purpose: &str) -> Result<Option<SmsCode>> {
        let from = "sms_codes WHERE phone = $1 AND purpose = $2";
        sql!(select::<SmsCode>(from); phone, purpose)
            .optional(self.reader())
            .await
    }

    /// When the last code was made for a phone, whatever its purpose.
    pub async fn last_sms_code_at(&self, phone: &str) -> Result<Option<i64>> {
        sql!("SELECT MAX(created_at) FROM sms_codes WHERE phone = $1"; phone)
            .optional_scalar::<Option<i64>, _>(self.reader())
            .await
            .map(Option::flatten)
    }

    /// The active applicant accounts with a phone number.
    pub async fn applicants_with_phone(&self, phone: &str) -> Result<Vec<i64>> {
        sql!("SELECT id FROM accounts WHERE phone = $1 AND kind = 'applicant' AND active = 1
              ORDER BY id"; phone)
        .scalars(self.reader())
        .await
    }
}
