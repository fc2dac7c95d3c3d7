//! The electronic seals of the bureaus, the resident departments and the platform: created on first
//! start, their private keys kept only encrypted; the [`Keyring`] holds the decrypted keys in memory
//! for signing, loaded with the passphrase given at start-up. Rotation retires a seal and makes a new
//! one; retired public keys stay published so that old documents still verify.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use sqlx::Row;
use yiyin_domain::calendar::fmt_date;
use yiyin_domain::org::{DepartmentRelation, Organisation};
use yiyin_seal::{KeyError, SealInfo, SealKey};

use crate::{Result, Store, StoreError};

/// The department code of the platform's own seal (which signs the published chain heads).
pub const PLATFORM: &str = "platform";

/// A seal as stored (its public part).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SealRecord {
    pub id: i64,
    pub jurisdiction: String,
    /// Empty for a bureau's seal; the department code for a resident department; `platform`.
    pub department: String,
    pub name: String,
    pub holder: String,
    /// SEC1 public key in hex.
    pub public_key: String,
    pub valid_from: String,
    pub valid_until: String,
    pub retired: bool,
}

impl SealRecord {
    pub fn info(&self) -> SealInfo {
        SealInfo {
            id: self.id,
            name: self.name.clone(),
            holder: self.holder.clone(),
            public_key: self.public_key.clone(),
            valid_from: self.valid_from.clone(),
            valid_until: self.valid_until.clone(),
        }
    }

    /// The seal's image (SVG).
    pub fn svg(&self) -> String {
        yiyin_seal::drawing::svg(&yiyin_seal::drawing::draw(&self.name, 160.0))
    }
}

/// The seals' decrypted keys: every seal by id (retired ones too, to render what they signed), and
/// the active seal of each holder (the only ones that sign anything new).
#[derive(Debug, Clone, Default)]
pub struct Keyring {
    by_id: HashMap<i64, (SealRecord, SealKey)>,
    active: HashMap<(String, String), i64>,
}

impl Keyring {
    /// The active seal of a holder (jurisdiction, department or "").
    pub fn for_holder(
        &self,
        jurisdiction: &str,
        department: &str,
    ) -> Option<&(SealRecord, SealKey)> {
        self.active
            .get(&(jurisdiction.to_string(), department.to_string()))
            .and_then(|id| self.by_id.get(id))
    }

    /// A seal by id, active or retired.
    pub fn by_id(&self, id: i64) -> Option<&(SealRecord, SealKey)> {
        self.by_id.get(&id)
    }

    /// The platform's seal.
    pub fn platform(&self) -> Option<&(SealRecord, SealKey)> {
        self.active
            .iter()
            .find(|((_, d), _)| d == PLATFORM)
            .and_then(|(_, id)| self.by_id.get(id))
    }

    pub fn len(&self) -> usize {
        self.active.len()
    }

    pub fn is_empty(&self) -> bool {
        self.active.is_empty()
    }
}

fn seal_from_row(r: &sqlx::any::AnyRow) -> Result<SealRecord> {
    Ok(SealRecord {
        id: r.try_get("id")?,
        jurisdiction: r.try_get("jurisdiction")?,
        department: r.try_get("department")?,
        name: r.try_get("name")?,
        holder: r.try_get("holder")?,
        public_key: r.try_get("public_key")?,
        valid_from: r.try_get("valid_from")?,
        valid_until: r.try_get("valid_until")?,
        retired: r.try_get::<Option<i64>, _>("retired_at")?.is_some(),
    })
}

const SEAL_COLUMNS: &str =
    "id, jurisdiction, department, name, holder, public_key, valid_from, valid_until, retired_at";

/// Who should hold a seal: (jurisdiction, department, seal name, holder name).
fn holders(org: &Organisation) -> Vec<(String, String, String, String)> {
    let mut out = Vec::new();
    if let Some(root) = org.jurisdictions.iter().find(|j| j.parent.is_none()) {
        out.push((
            root.code.clone(),
            PLATFORM.to_string(),
            format!("{}政务服务平台审计专用章", root.name),
            format!("{}政务服务平台", root.name),
        ));
    }
    for j in &org.jurisdictions {
        if let Some(b) = &j.bureau {
            out.push((
                j.code.clone(),
                String::new(),
                b.seal_name.clone(),
                b.name.clone(),
            ));
            for d in j
                .departments
                .iter()
                .filter(|d| d.relation == DepartmentRelation::Resident)
            {
                out.push((
                    j.code.clone(),
                    d.code.clone(),
                    format!("{}行政许可专用章", d.name),
                    d.name.clone(),
                ));
            }
        }
    }
    out
}

impl Store {
    /// Every seal, active and retired.
    pub async fn seals(&self) -> Result<Vec<SealRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {SEAL_COLUMNS} FROM seals ORDER BY jurisdiction, department, id"
        ))
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(seal_from_row).collect()
    }

    pub async fn seal(&self, id: i64) -> Result<SealRecord> {
        let row = sqlx::query(&format!("SELECT {SEAL_COLUMNS} FROM seals WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.reader())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("没有编号为{id}的印章")))?;
        seal_from_row(&row)
    }

    /// Creates the seals that should exist and do not (five years' validity from `today`). Returns
    /// how many were made.
    pub async fn ensure_seals(&self, passphrase: &str, today: NaiveDate) -> Result<usize> {
        let org = self.organisation().await?;
        let existing = self.seals().await?;
        let mut made = 0;
        for (j, d, name, holder) in holders(&org) {
            if existing
                .iter()
                .any(|s| s.jurisdiction == j && s.department == d && !s.retired)
            {
                continue;
            }
            self.create_seal(&j, &d, &name, &holder, passphrase, today)
                .await?;
            made += 1;
        }
        Ok(made)
    }

    async fn create_seal(
        &self,
        j: &str,
        d: &str,
        name: &str,
        holder: &str,
        passphrase: &str,
        today: NaiveDate,
    ) -> Result<SealRecord> {
        let key = SealKey::generate();
        let encrypted = key
            .encrypt(passphrase)
            .map_err(|e| StoreError::Rejected(e.to_string()))?;
        let until = NaiveDate::from_ymd_opt(today.year() + 5, today.month(), today.day().min(28))
            .unwrap_or(today);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO seals (jurisdiction, department, name, holder, public_key, encrypted_key, valid_from, valid_until, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(j)
        .bind(d)
        .bind(name)
        .bind(holder)
        .bind(key.public_hex())
        .bind(encrypted)
        .bind(fmt_date(today))
        .bind(fmt_date(until))
        .bind(chrono::Utc::now().timestamp_millis())
        .fetch_one(self.writer())
        .await?;
        self.seal(id).await
    }

    /// Retires a seal and makes its successor for the same holder.
    pub async fn rotate_seal(
        &self,
        id: i64,
        passphrase: &str,
        today: NaiveDate,
    ) -> Result<SealRecord> {
        let old = self.seal(id).await?;
        if old.retired {
            return Err(StoreError::Rejected(format!(
                "印章「{}」（第{id}号）已停用",
                old.name
            )));
        }
        // The passphrase must open the old key before a new one is made with it.
        self.keyring(passphrase).await?;
        sqlx::query("UPDATE seals SET retired_at = $1 WHERE id = $2")
            .bind(chrono::Utc::now().timestamp_millis())
            .bind(id)
            .execute(self.writer())
            .await?;
        self.create_seal(
            &old.jurisdiction,
            &old.department,
            &old.name,
            &old.holder,
            passphrase,
            today,
        )
        .await
    }

    /// Decrypts the active seals' keys with the passphrase.
    pub async fn keyring(&self, passphrase: &str) -> Result<Keyring> {
        let rows = sqlx::query(&format!("SELECT {SEAL_COLUMNS}, encrypted_key FROM seals"))
            .fetch_all(self.reader())
            .await?;
        let mut ring = Keyring::default();
        for r in &rows {
            let record = seal_from_row(r)?;
            let encrypted: String = r.try_get("encrypted_key")?;
            let key = SealKey::decrypt(&encrypted, passphrase).map_err(|e| match e {
                KeyError::WrongPassphrase => {
                    StoreError::Rejected(format!("印章口令错误：无法打开「{}」", record.name))
                }
                other => StoreError::Corrupt(other.to_string()),
            })?;
            if !record.retired {
                ring.active.insert(
                    (record.jurisdiction.clone(), record.department.clone()),
                    record.id,
                );
            }
            ring.by_id.insert(record.id, (record, key));
        }
        Ok(ring)
    }

    /// The seal whose public key signed something, if it is one of ours.
    pub async fn seal_by_public_key(&self, public_key: &str) -> Result<Option<SealRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {SEAL_COLUMNS} FROM seals WHERE public_key = $1"
        ))
        .bind(public_key)
        .fetch_optional(self.reader())
        .await?;
        row.as_ref().map(seal_from_row).transpose()
    }
}

/// What the registry says of a sealed document whose signature verified.
#[derive(Debug, Clone)]
pub struct RegistryCheck {
    /// The seal, if the public key is one of ours.
    pub seal: Option<SealRecord>,
    /// The document registered under the same number, if any.
    pub document: Option<crate::cases::StoredDocument>,
    /// Whether the registered document's sealed form is exactly the one checked.
    pub matches: bool,
    pub licence: Option<crate::licences::Licence>,
    pub licence_status: Option<yiyin_domain::licence::LicenceStatus>,
}

impl RegistryCheck {
    /// Every reason the document should not be trusted, in Chinese (empty: it is genuine and in force).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.seal.is_none() {
            out.push("签章所用的印章不是本平台登记的电子印章".to_string());
        }
        match &self.document {
            None => out.push("本平台没有登记这份文书".to_string()),
            Some(_) if !self.matches => out.push("与本平台登记的同文号文书内容不一致".to_string()),
            _ => {}
        }
        if let Some(status) = self.licence_status
            && status != yiyin_domain::licence::LicenceStatus::Valid
        {
            out.push(format!("证照当前状态为“{}”，不再有效", status.label()));
        }
        out
    }
}

impl Store {
    /// Checks a sealed document (its signature already verified) against the registry: our seal,
    /// the document registered under its number, and — for a licence — its status on `today`.
    pub async fn registry_check(
        &self,
        sealed: &yiyin_seal::SealedDocument,
        today: NaiveDate,
    ) -> Result<RegistryCheck> {
        let seal = self.seal_by_public_key(&sealed.seal.public_key).await?;
        let number = sealed.document["number"].as_str().unwrap_or_default();
        let document = self.document_by_number(number).await?;
        let matches = document
            .as_ref()
            .and_then(|d| d.sealed.as_deref())
            .and_then(|s| yiyin_seal::SealedDocument::from_json(s).ok())
            .is_some_and(|registered| &registered == sealed);
        let licence = match sealed.document["identifier"].as_str() {
            Some(id) => self.licence(id).await?,
            None => None,
        };
        let licence_status = licence.as_ref().map(|l| l.status_on(today));
        Ok(RegistryCheck {
            seal,
            document,
            matches,
            licence,
            licence_status,
        })
    }
}
