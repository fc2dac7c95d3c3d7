//! The partner applications' keys of the Open311 GeoReport v2 interface, as rows: issued per
//! jurisdiction by the centre's manager, kept as their SM3 only, read back by that hash when a
//! partner files a request, listed and revoked by the manager.

use serde::Serialize;

use crate::rows::{insert, record, select, sql};
use crate::{Result, Store, WriteTx};

record! {
    /// A partner application's key, as kept (never the key itself).
    #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct PartnerKey {
        pub id: i64,
        pub jurisdiction: String,
        /// The partner application's name.
        pub name: String,
        /// Who issued the key.
        pub created_by: String,
        pub created_at: i64,
        pub revoked: bool,
    }
}

impl WriteTx {
    /// Keeps a new partner key by its hash. Returns its id.
    pub async fn insert_partner_key(
        &mut self,
        jurisdiction: &str,
        name: &str,
        key_hash: &str,
        created_by: &str,
        at_ms: i64,
    ) -> Result<i64> {
        insert!("open311_keys";
            jurisdiction, name, key_hash, created_by, created_at = at_ms, revoked = 0_i64)
        .run(&mut **self)
        .await?;
        sql!("SELECT id FROM open311_keys WHERE key_hash = $1"; key_hash)
            .scalar(&mut **self)
            .await
    }

    /// Revokes a partner key, once: a key already revoked is [`crate::Conflict::Changed`].
    pub async fn revoke_partner_key(&mut self, id: i64) -> Result<()> {
        sql!("UPDATE open311_keys SET revoked = 1 WHERE id = $1 AND revoked = 0"; id)
            .run_once(&mut **self, "partner key")
            .await
    }
}

impl Store {
    /// The partner key with this hash, if any (revoked or not).
    pub async fn partner_key(&self, key_hash: &str) -> Result<Option<PartnerKey>> {
        sql!(select::<PartnerKey>("open311_keys WHERE key_hash = $1"); key_hash)
            .optional(self.reader())
            .await
    }

    /// A partner key by id.
    pub async fn partner_key_by_id(&self, id: i64) -> Result<Option<PartnerKey>> {
        sql!(select::<PartnerKey>("open311_keys WHERE id = $1"); id)
            .optional(self.reader())
            .await
    }

    /// A jurisdiction's partner keys, newest first.
    pub async fn partner_keys(&self, jurisdiction: &str) -> Result<Vec<PartnerKey>> {
        sql!(select::<PartnerKey>(
            "open311_keys WHERE jurisdiction = $1 ORDER BY created_at DESC, id DESC"
        ); jurisdiction)
        .all(self.reader())
        .await
    }
}
