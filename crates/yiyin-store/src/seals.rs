//! The electronic seals as rows: each holder's (the platform, a bureau, a resident department)
//! seals with their public key, validity and retirement, and the private key encrypted with the
//! seal passphrase. Making, opening and using keys is the application layer's (with `yiyin-seal`).

use serde::Serialize;
use sqlx::any::AnyRow;

use crate::rows::{Column, Record, WithLast, by_id, insert, record, select, sql};
use crate::{Missing, Result, Store, WriteTx};

/// The holder code of the platform's own seal (signs the daily chain heads).
pub const PLATFORM: &str = "platform";

record! {
    /// A seal as registered (its private key never leaves the keyring).
    #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct SealRecord {
        pub id: i64,
        pub jurisdiction: String,
        /// '' for the bureau's seal, a department's code for a resident department's, `platform`.
        pub department: String,
        pub name: String,
        pub holder: String,
        pub public_key: String,
        pub valid_from: String,
        pub valid_until: String,
        pub retired: bool as "retired_at" = retired,
        /// The signing interface of the county's own e-seal system that signs for this seal (外部
        /// 签章系统); None when Yiyin signs with its own key.
        pub signer_url: Option<String>,
    }
}

/// Whether a seal is retired: it has a time of retirement.
fn retired(row: &AnyRow, column: &str) -> Result<bool, sqlx::Error> {
    Ok(Option::<i64>::get(row, column)?.is_some())
}

/// A seal to register.
#[derive(Debug, Clone)]
pub struct NewSeal<'a> {
    pub jurisdiction: &'a str,
    pub department: &'a str,
    pub name: &'a str,
    pub holder: &'a str,
    pub public_key: &'a str,
    pub encrypted_key: &'a str,
    pub valid_from: &'a str,
    pub valid_until: &'a str,
    /// An external seal's signing interface (its `encrypted_key` is then empty).
    pub signer_url: Option<&'a str>,
    pub at_ms: i64,
}

impl WriteTx {
    pub async fn insert_seal(&mut self, s: &NewSeal<'_>) -> Result<i64> {
        insert!("seals", s;
            jurisdiction, department, name, holder, public_key, encrypted_key, valid_from,
            valid_until, signer_url, created_at = s.at_ms;
            "RETURNING id")
        .scalar(&mut **self)
        .await
    }

    /// Retires a seal in use (it still verifies what it signed).
    pub async fn retire_seal(&mut self, id: i64, at_ms: i64) -> Result<()> {
        sql!("UPDATE seals SET retired_at = $1 WHERE id = $2 AND retired_at IS NULL"; at_ms, id)
            .run_once(&mut **self, "seal")
            .await
    }

    /// Holds the making of seals until this transaction ends, so that several app servers starting
    /// together make one set: on PostgreSQL a transaction's advisory lock; on SQLite the one writer
    /// holds it already.
    pub async fn lock_seals(&mut self) -> Result<()> {
        if (**self).backend_name() == "PostgreSQL" {
            sql!("SELECT pg_advisory_xact_lock($1)"; SEALS_LOCK)
                .run(&mut **self)
                .await?;
        }
        Ok(())
    }

    /// Whether the seal authority is made, as this transaction sees it.
    pub async fn has_seal_authority(&mut self) -> Result<bool> {
        let id: Option<i64> = sql!("SELECT id FROM seal_authority ORDER BY id LIMIT 1")
            .optional_scalar(&mut **self)
            .await?;
        Ok(id.is_some())
    }

    /// Whether a seal has its certificate, as this transaction sees it.
    pub async fn has_seal_certificate(&mut self, seal_id: i64) -> Result<bool> {
        let id: Option<i64> =
            sql!("SELECT seal_id FROM seal_certificates WHERE seal_id = $1"; seal_id)
                .optional_scalar(&mut **self)
                .await?;
        Ok(id.is_some())
    }

    /// Every seal, as this transaction sees it (after [`WriteTx::lock_seals`]: as it stands).
    pub async fn seals_now(&mut self) -> Result<Vec<SealRecord>> {
        let from = "seals ORDER BY jurisdiction, department, id";
        sql!(select::<SealRecord>(from)).all(&mut **self).await
    }
}

/// The advisory lock number of the making of seals (`pg_advisory_xact_lock`).
const SEALS_LOCK: i64 = 0x5969_5345;

impl Store {
    /// Every seal, active and retired.
    pub async fn seals(&self) -> Result<Vec<SealRecord>> {
        let from = "seals ORDER BY jurisdiction, department, id";
        sql!(select::<SealRecord>(from)).all(self.reader()).await
    }

    pub async fn seal(&self, id: i64) -> Result<SealRecord> {
        by_id(self.reader(), "seals", id, Missing::Seal).await
    }

    pub async fn seal_by_public_key(&self, public_key: &str) -> Result<Option<SealRecord>> {
        sql!(select::<SealRecord>("seals WHERE public_key = $1"); public_key)
            .optional(self.reader())
            .await
    }

    /// Every seal with its encrypted private key (to open the keyring; empty for an external
    /// seal).
    pub async fn sealed_keys(&self) -> Result<Vec<(SealRecord, String)>> {
        let select = format!(
            "SELECT {}, encrypted_key FROM seals ORDER BY id",
            SealRecord::COLUMNS
        );
        let rows: Vec<WithLast<SealRecord, String>> = sql!(select).all(self.reader()).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}

/// The installation's seal-making authority (制章机构): its root certificate (DER, hex) and
/// public key; the private key stays encrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealAuthority {
    pub id: i64,
    pub name: String,
    pub public_key: String,
    pub certificate: String,
}

/// A seal's certificate as registered: serial (hex), the certificate and its SES_Seal (DER,
/// hex), and its revocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealCertificate {
    pub seal_id: i64,
    pub serial: String,
    pub certificate: String,
    pub eseal: String,
    pub revoked_on: Option<String>,
    pub revocation_reason: Option<String>,
}

impl WriteTx {
    /// Registers the installation's authority (once).
    pub async fn insert_seal_authority(
        &mut self,
        name: &str,
        public_key: &str,
        encrypted_key: &str,
        certificate: &str,
        at_ms: i64,
    ) -> Result<i64> {
        insert!("seal_authority";
            name, public_key, encrypted_key, certificate, created_at = at_ms;
            "RETURNING id")
        .scalar(&mut **self)
        .await
    }

    /// Registers a seal's certificate and SES_Seal.
    pub async fn insert_seal_certificate(
        &mut self,
        seal_id: i64,
        serial: &str,
        certificate: &str,
        eseal: &str,
        at_ms: i64,
    ) -> Result<()> {
        insert!("seal_certificates";
            seal_id, serial, certificate, eseal, issued_at = at_ms)
        .run(&mut **self)
        .await
    }

    /// Revokes a seal's certificate (once).
    pub async fn revoke_seal_certificate(
        &mut self,
        seal_id: i64,
        on: &str,
        reason: &str,
        at_ms: i64,
    ) -> Result<()> {
        let update = "UPDATE seal_certificates SET revoked_at = $1, revoked_on = $2, \
             revocation_reason = $3 WHERE seal_id = $4 AND revoked_at IS NULL";
        sql!(update; at_ms, on, reason, seal_id)
            .run_once(&mut **self, "seal certificate")
            .await
    }
}

impl Store {
    /// The authority with its encrypted private key, if made.
    pub async fn seal_authority(&self) -> Result<Option<(SealAuthority, String)>> {
        let select = "SELECT id, name, public_key, certificate, encrypted_key \
             FROM seal_authority ORDER BY id LIMIT 1";
        let row: Option<(i64, String, String, String, String)> =
            sql!(select).optional(self.reader()).await?;
        Ok(row.map(|(id, name, public_key, certificate, encrypted)| {
            (
                SealAuthority {
                    id,
                    name,
                    public_key,
                    certificate,
                },
                encrypted,
            )
        }))
    }

    /// Every seal's certificate.
    pub async fn seal_certificates(&self) -> Result<Vec<SealCertificate>> {
        let rows: Vec<CertificateRow> = sql!(format!(
            "SELECT {CERTIFICATE_COLUMNS} FROM seal_certificates ORDER BY seal_id"
        ))
        .all(self.reader())
        .await?;
        Ok(rows.into_iter().map(certificate).collect())
    }

    /// A certificate by its serial (hex).
    pub async fn seal_certificate_by_serial(
        &self,
        serial: &str,
    ) -> Result<Option<SealCertificate>> {
        let select =
            format!("SELECT {CERTIFICATE_COLUMNS} FROM seal_certificates WHERE serial = $1");
        let row: Option<CertificateRow> = sql!(select; serial).optional(self.reader()).await?;
        Ok(row.map(certificate))
    }
}

const CERTIFICATE_COLUMNS: &str =
    "seal_id, serial, certificate, eseal, revoked_on, revocation_reason";
type CertificateRow = (i64, String, String, String, Option<String>, Option<String>);

fn certificate(
    (seal_id, serial, certificate, eseal, revoked_on, revocation_reason): CertificateRow,
) -> SealCertificate {
    SealCertificate {
        seal_id,
        serial,
        certificate,
        eseal,
        revoked_on,
        revocation_reason,
    }
}

record! {
    /// The revocation list of an external seal's maker (外部签章系统的证书吊销列表), as kept.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct SealCrl {
        pub seal_id: i64,
        /// Where it is fetched from ('' when only uploaded).
        pub url: String,
        /// The latest CRL accepted (DER, hex; '' none yet).
        #[serde(skip)]
        pub crl: String,
        /// The day the latest CRL was issued ('' none yet).
        pub this_update: String,
        pub accepted_at: Option<i64>,
        pub checked_at: Option<i64>,
        /// Why the last fetch failed, in Chinese ('' when it did not).
        pub problem: String,
    }
}

impl WriteTx {
    /// Sets where an external seal's CRL is fetched from ('' none), keeping the CRL accepted.
    pub async fn set_seal_crl_url(&mut self, seal_id: i64, url: &str) -> Result<()> {
        sql!(
            "INSERT INTO seal_crls (seal_id, url) VALUES ($1, $2)
             ON CONFLICT (seal_id) DO UPDATE SET url = $2, problem = ''";
            seal_id, url
        )
        .run(&mut **self)
        .await
    }

    /// Keeps a CRL accepted for an external seal (checked by the caller), issued on `this_update`.
    pub async fn keep_seal_crl(
        &mut self,
        seal_id: i64,
        crl: &str,
        this_update: &str,
        at_ms: i64,
    ) -> Result<()> {
        sql!(
            "INSERT INTO seal_crls (seal_id, crl, this_update, accepted_at, checked_at) VALUES ($1, $2, $3, $4, $4)
             ON CONFLICT (seal_id) DO UPDATE SET crl = $2, this_update = $3, accepted_at = $4, checked_at = $4, problem = ''";
            seal_id, crl, this_update, at_ms
        )
        .run(&mut **self)
        .await
    }

    /// Records the outcome of a fetch of an external seal's CRL that brought nothing new: '' when
    /// it was fetched, else why not (in Chinese).
    pub async fn seal_crl_checked(
        &mut self,
        seal_id: i64,
        problem: &str,
        at_ms: i64,
    ) -> Result<()> {
        sql!(
            "UPDATE seal_crls SET problem = $1, checked_at = $2 WHERE seal_id = $3";
            problem, at_ms, seal_id
        )
        .run(&mut **self)
        .await
    }
}

impl Store {
    /// The CRLs of the external seals, by seal.
    pub async fn seal_crls(&self) -> Result<Vec<SealCrl>> {
        sql!(select::<SealCrl>("seal_crls ORDER BY seal_id"))
            .all(self.reader())
            .await
    }

    /// The CRL of one external seal, if any.
    pub async fn seal_crl(&self, seal_id: i64) -> Result<Option<SealCrl>> {
        sql!(select::<SealCrl>("seal_crls WHERE seal_id = $1"); seal_id)
            .optional(self.reader())
            .await
    }
}
