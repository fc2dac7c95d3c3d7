//! The seals in use: the keyring opened with the seal passphrase at start-up (every seal's key,
//! active or retired, so that old documents still render), the seals the organisation needs made
//! on first start (the platform's, each bureau's, each resident department's), rotation, and the
//! public facts of a seal.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use secrecy::{ExposeSecret, SecretString};
use yiyin_domain::calendar::fmt_date;
use yiyin_domain::org::{DepartmentRelation, Organisation};
use yiyin_seal::{KeyError, SealInfo, SealKey};
use yiyin_store::Store;
use yiyin_store::seals::{NewSeal, PLATFORM, SealRecord};

use crate::error::{AppError, Result};

/// The public facts of a seal, as documents carry them.
pub fn info(seal: &SealRecord) -> SealInfo {
    SealInfo {
        id: seal.id,
        name: seal.name.clone(),
        holder: seal.holder.clone(),
        public_key: seal.public_key.clone(),
        valid_from: seal.valid_from.clone(),
        valid_until: seal.valid_until.clone(),
    }
}

/// The seal's drawing, as SVG.
pub fn svg(seal: &SealRecord) -> String {
    yiyin_seal::drawing::svg(&yiyin_seal::drawing::draw(&seal.name, 160.0))
}

/// The seals' keys, opened with the passphrase.
#[derive(Debug, Clone, Default)]
pub struct Keyring {
    by_id: HashMap<i64, (SealRecord, SealKey)>,
    active: HashMap<(String, String), i64>,
}

impl Keyring {
    /// The active seal of a holder: a jurisdiction's bureau ('' department) or a resident
    /// department.
    pub fn for_holder(
        &self,
        jurisdiction: &str,
        department: &str,
    ) -> Option<&(SealRecord, SealKey)> {
        self.active
            .get(&(jurisdiction.to_string(), department.to_string()))
            .and_then(|id| self.by_id.get(id))
    }

    pub fn by_id(&self, id: i64) -> Option<&(SealRecord, SealKey)> {
        self.by_id.get(&id)
    }

    /// The platform's seal (signs the daily chain heads).
    pub fn platform(&self) -> Option<&(SealRecord, SealKey)> {
        self.active
            .iter()
            .find(|((_, d), _)| d == PLATFORM)
            .and_then(|(_, id)| self.by_id.get(id))
    }

    /// Active seals.
    pub fn len(&self) -> usize {
        self.active.len()
    }

    pub fn is_empty(&self) -> bool {
        self.active.is_empty()
    }

    /// Opens every seal's key with the passphrase.
    pub async fn open(store: &Store, passphrase: &SecretString) -> Result<Self> {
        let mut ring = Keyring::default();
        for (record, encrypted) in store.sealed_keys().await? {
            let key =
                SealKey::decrypt(&encrypted, passphrase.expose_secret()).map_err(|e| match e {
                    KeyError::WrongPassphrase => {
                        AppError::invalid(format!("印章口令错误：无法打开「{}」", record.name))
                    }
                    other => AppError::internal(other),
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
}

/// Who needs a seal: (jurisdiction, department code, seal name, holder name).
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

/// Makes a new seal's key, encrypted with the passphrase, and registers it (valid five years) in
/// the transaction; returns its id.
async fn make_seal(
    tx: &mut yiyin_store::WriteTx,
    (jurisdiction, department, name, holder): (&str, &str, &str, &str),
    passphrase: &SecretString,
    today: NaiveDate,
) -> Result<i64> {
    let key = SealKey::generate();
    let encrypted = key
        .encrypt(passphrase.expose_secret())
        .map_err(|e| AppError::invalid(e.to_string()))?;
    let until = NaiveDate::from_ymd_opt(today.year() + 5, today.month(), today.day().min(28))
        .unwrap_or(today);
    Ok(tx
        .insert_seal(&NewSeal {
            jurisdiction,
            department,
            name,
            holder,
            public_key: &key.public_hex(),
            encrypted_key: &encrypted,
            valid_from: &fmt_date(today),
            valid_until: &fmt_date(until),
            at_ms: chrono::Utc::now().timestamp_millis(),
        })
        .await?)
}

/// Makes the seals the organisation needs and does not have yet; returns how many were made.
pub async fn ensure_seals(
    store: &Store,
    passphrase: &SecretString,
    today: NaiveDate,
) -> Result<usize> {
    let org = store.organisation().await?;
    let existing = store.seals().await?;
    let mut made = 0;
    for (j, d, name, holder) in holders(&org) {
        if existing
            .iter()
            .any(|s| s.jurisdiction == j && s.department == d && !s.retired)
        {
            continue;
        }
        let mut tx = store.begin_write().await?;
        make_seal(&mut tx, (&j, &d, &name, &holder), passphrase, today).await?;
        tx.commit().await?;
        made += 1;
    }
    Ok(made)
}

/// Retires a seal and makes its successor for the same holder, atomically (what it signed still
/// verifies).
pub async fn rotate_seal(
    store: &Store,
    id: i64,
    passphrase: &SecretString,
    today: NaiveDate,
) -> Result<SealRecord> {
    let old = store.seal(id).await?;
    if old.retired {
        return Err(AppError::invalid(format!(
            "印章「{}」（第{id}号）已停用",
            old.name
        )));
    }
    // The passphrase must open the seals in use before a new one is made with it.
    Keyring::open(store, passphrase).await?;
    // Retired and replaced in one write: there is never a holder without an active seal.
    let mut tx = store.begin_write().await?;
    tx.retire_seal(id, chrono::Utc::now().timestamp_millis())
        .await?;
    let new = make_seal(
        &mut tx,
        (&old.jurisdiction, &old.department, &old.name, &old.holder),
        passphrase,
        today,
    )
    .await?;
    tx.commit().await?;
    Ok(store.seal(new).await?)
}
