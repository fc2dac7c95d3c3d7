//! Verified identities (一人一档): the identity a real-name provider verified for an applicant
//! account (one account per verified ID number and per provider subject), the logins through the
//! provider under way (taken once by their callback), and the names an ID number is on record under
//! (the name check at intake).

use serde::Serialize;
use yiyin_domain::party::{SubjectId, SubjectKind};

use crate::rows::{Statement, insert, record, select, sql};
use crate::{Conflict, Result, Store, StoreError, WriteTx};

/// The identity a provider verified for an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerifiedIdentity {
    /// Citizen ID number or unified social credit code, as verified.
    pub id_number: SubjectId,
    /// The name (or the organisation's name), as verified.
    pub name: String,
    /// The provider that verified it (its issuer).
    pub provider: String,
    /// When it was verified (ms).
    pub verified_at: i64,
}

record! {
    struct IdentityRow {
        account_id: i64,
        subject_kind: SubjectKind,
        id_number: String,
        name: String,
        provider: String,
        verified_at: i64,
    }
}

impl IdentityRow {
    fn identity(self) -> Result<VerifiedIdentity> {
        let id_number = SubjectId::parse(self.subject_kind, &self.id_number)
            .map_err(|e| StoreError::Corrupt(format!("verified identity: {e}")))?;
        Ok(VerifiedIdentity {
            id_number,
            name: self.name,
            provider: self.provider,
            verified_at: self.verified_at,
        })
    }
}

/// An identity to bind to an account.
#[derive(Debug, Clone)]
pub struct NewIdentity<'a> {
    pub id_number: &'a SubjectId,
    pub name: &'a str,
    pub provider: &'a str,
    pub provider_subject: &'a str,
    pub verified_at: i64,
}

record! {
    /// A login through the provider under way.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct IdentityLogin {
        pub nonce: String,
        pub pkce_verifier: String,
        /// The local path to return to.
        pub next_path: String,
        /// The account binding its identity; 0 when logging in.
        pub bind_account: i64,
        pub created_at: i64,
    }
}

impl WriteTx {
    /// Binds a verified identity to an account, and makes the account's name and ID number the
    /// verified ones. An ID number or a provider subject already bound to another account is a
    /// conflict.
    pub async fn bind_identity(&mut self, account: i64, i: &NewIdentity<'_>) -> Result<()> {
        let result = insert!("account_identities", i;
            account_id = account, subject_kind = i.id_number.kind().code(),
            id_number = i.id_number.as_str(), name, provider, provider_subject, verified_at)
        .run(&mut **self)
        .await;
        match result {
            Err(e) if e.is_unique_violation() => {
                return Err(StoreError::Conflict(Conflict::Taken {
                    what: "identity",
                    value: i.id_number.masked(),
                }));
            }
            other => other?,
        }
        sql!("UPDATE accounts SET name = $1, subject_kind = $2, id_number = $3 WHERE id = $4";
            i.name, i.id_number.kind().code(), i.id_number.as_str(), account)
        .run(&mut **self)
        .await
    }

    /// Keeps a login under way (and forgets those started before `stale_before`, ms).
    pub async fn insert_identity_login(
        &mut self,
        state_hash: &str,
        login: &IdentityLogin,
        stale_before: i64,
    ) -> Result<()> {
        sql!("DELETE FROM identity_logins WHERE created_at < $1"; stale_before)
            .run(&mut **self)
            .await?;
        insert!("identity_logins", login;
            state_hash = state_hash, nonce, pkce_verifier, next_path, bind_account, created_at)
        .run(&mut **self)
        .await
    }

    /// Takes the login under way of a state: it is gone afterwards, so a replayed callback finds
    /// nothing.
    pub async fn take_identity_login(&mut self, state_hash: &str) -> Result<Option<IdentityLogin>> {
        let found =
            sql!(select::<IdentityLogin>("identity_logins WHERE state_hash = $1"); state_hash)
                .optional(&mut **self)
                .await?;
        if found.is_some()
            && !sql!("DELETE FROM identity_logins WHERE state_hash = $1"; state_hash)
                .changed_one(&mut **self)
                .await?
        {
            // Another callback took it first.
            return Ok(None);
        }
        Ok(found)
    }
}

impl Store {
    /// The identity verified for an account, if any.
    pub async fn identity_of(&self, account: i64) -> Result<Option<VerifiedIdentity>> {
        let row: Option<IdentityRow> =
            sql!(select::<IdentityRow>("account_identities WHERE account_id = $1"); account)
                .optional(self.reader())
                .await?;
        row.map(IdentityRow::identity).transpose()
    }

    /// The identities verified for these accounts, by account (one query per
    /// [`crate::accounts::READ_CHUNK`] accounts).
    pub(crate) async fn identities_of(
        &self,
        accounts: &[i64],
    ) -> Result<std::collections::HashMap<i64, VerifiedIdentity>> {
        let mut out = std::collections::HashMap::new();
        for chunk in accounts.chunks(crate::accounts::READ_CHUNK) {
            let mut q =
                Statement::new(select::<IdentityRow>("account_identities WHERE account_id"));
            q.push_in(chunk);
            let rows: Vec<IdentityRow> = q.all(self.reader()).await?;
            for row in rows {
                out.insert(row.account_id, row.identity()?);
            }
        }
        Ok(out)
    }

    /// The account a provider's subject is bound to.
    pub async fn account_of_provider_subject(
        &self,
        provider: &str,
        subject: &str,
    ) -> Result<Option<i64>> {
        sql!("SELECT account_id FROM account_identities WHERE provider = $1 AND provider_subject = $2";
            provider, subject)
        .optional_scalar(self.reader())
        .await
    }

    /// The account a verified ID number is bound to.
    pub async fn account_of_verified_id(&self, id: &SubjectId) -> Result<Option<i64>> {
        sql!("SELECT account_id FROM account_identities WHERE id_number = $1"; id.as_str())
            .optional_scalar(self.reader())
            .await
    }

    /// The names an ID number is on record under: its applicants' names on earlier cases and the
    /// name a provider verified for it.
    pub async fn names_on_record(&self, id: &SubjectId) -> Result<Vec<String>> {
        let mut names: Vec<String> = sql!(
            "SELECT DISTINCT applicant_name FROM cases WHERE applicant_id = $1 AND applicant_kind = $2
             UNION SELECT name FROM account_identities WHERE id_number = $1";
            id.as_str(), id.kind().code())
        .scalars(self.reader())
        .await?;
        names.sort();
        names.dedup();
        Ok(names)
    }
}
