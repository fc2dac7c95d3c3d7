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
}

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
