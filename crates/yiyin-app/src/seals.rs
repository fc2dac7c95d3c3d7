//! The seals in use: the keyring opened with the seal passphrase at start-up (every seal's key,
//! active or retired, so that old documents still render), the seals the organisation needs on a
//! day made, renamed or retired (the platform's, each bureau's, each resident department's, each
//! township government's with powers of its own), rotation, and the public facts of a seal.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use yiyin_domain::calendar::fmt_date;
use yiyin_domain::catalog::HandlingMode;
use yiyin_domain::org::{DepartmentRelation, Organisation, resident_seal_name};
use yiyin_domain::party::Actor;
use yiyin_seal::{KeyError, SealInfo, SealKey};
use yiyin_store::Store;
use yiyin_store::events::NewEvent;
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

    /// The ids of the active seals.
    pub fn active_ids(&self) -> std::collections::BTreeSet<i64> {
        self.active.values().copied().collect()
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
            let key = open_key(&record, &encrypted, passphrase)?;
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

/// Who needs a seal on `today`, under the names valid that day: (jurisdiction, holder code, seal
/// name, holder name). The platform, each bureau, each department working from the hall (or about
/// to) that still exists, each department that keeps items it decides in its own name (`own`:
/// (jurisdiction, department) of the resident-mode items in force, e.g. a transferred
/// department's 婚姻登记), and each township government holding powers of its own.
fn holders(
    org: &Organisation,
    own: &HashSet<(String, String)>,
    today: NaiveDate,
) -> Vec<(String, String, String, String)> {
    let mut out = Vec::new();
    if let Some(root) = org.jurisdictions.iter().find(|j| j.parent.is_none()) {
        let name = root.name_on(today);
        out.push((
            root.code.clone(),
            PLATFORM.to_string(),
            format!("{name}政务服务平台审计专用章"),
            format!("{name}政务服务平台"),
        ));
    }
    for j in &org.jurisdictions {
        if let Some(b) = &j.bureau {
            out.push((
                j.code.clone(),
                String::new(),
                b.seal_name_on(today),
                b.name_on(today).to_string(),
            ));
            for d in j.departments.iter().filter(|d| {
                d.exists_on(today)
                    && (matches!(
                        d.relation_on(today),
                        DepartmentRelation::Resident | DepartmentRelation::PendingResidence
                    ) || own.contains(&(j.code.clone(), d.code.clone())))
            }) {
                let name = d.name_on(today);
                out.push((
                    j.code.clone(),
                    d.code.clone(),
                    resident_seal_name(name),
                    name.to_string(),
                ));
            }
            for t in j.townships.iter().filter(|t| !t.credit_code.is_empty()) {
                let name = t.government();
                out.push((
                    j.code.clone(),
                    t.code.clone(),
                    resident_seal_name(&name),
                    name,
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

/// Brings the seals in line with the organisation on `today`: makes the seals it needs and does
/// not have yet; replaces, in one write, an active seal whose name is no longer the holder's (a
/// rename that took effect: the old seal is retired and still verifies what it signed); retires
/// the active seal of a body that no longer needs one (it ended, or left the hall). Each change is
/// an event. Returns how many seals were made or retired.
pub async fn ensure_seals(
    store: &Store,
    passphrase: &SecretString,
    today: NaiveDate,
) -> Result<usize> {
    let org = store.organisation().await?;
    let existing = store.seals().await?;
    let mut own = HashSet::new();
    for j in org.jurisdictions.iter().filter(|j| j.has_catalog()) {
        for item in crate::catalog::items_as_of(store, &j.code, today).await? {
            if item.handling_mode == HandlingMode::Resident {
                own.insert((j.code.clone(), item.department));
            }
        }
    }
    let needed = holders(&org, &own, today);
    let mut changed = 0;
    let mut checked = false;
    for (j, d, name, holder) in &needed {
        let active = existing
            .iter()
            .find(|s| &s.jurisdiction == j && &s.department == d && !s.retired);
        if active.is_some_and(|s| &s.name == name) {
            continue;
        }
        if !std::mem::replace(&mut checked, true) {
            check_passphrase(store, passphrase).await?;
        }
        let mut tx = store.begin_write().await?;
        let at = chrono::Utc::now();
        if let Some(old) = active {
            tx.retire_seal(old.id, at.timestamp_millis()).await?;
            changed += 1;
        }
        let id = make_seal(&mut tx, (j, d, name, holder), passphrase, today).await?;
        let (action, reason) = match active {
            Some(old) => (
                "seal_renamed",
                format!(
                    "「{}」更名，停用原印章「{}」（第{}号），启用新印章「{name}」（第{id}号）",
                    old.holder, old.name, old.id
                ),
            ),
            None => (
                "seal_made",
                format!("为「{holder}」制作电子印章「{name}」（第{id}号）"),
            ),
        };
        let data = json!({"seal": id, "retired": active.map(|s| s.id), "holder": d, "name": name});
        tx.append_events(&[NewEvent::new(
            &Actor::system(),
            at,
            j,
            None,
            action,
            reason,
            data,
        )])
        .await?;
        tx.commit().await?;
        changed += 1;
    }
    for old in existing.iter().filter(|s| {
        !s.retired
            && !needed
                .iter()
                .any(|(j, d, _, _)| *j == s.jurisdiction && *d == s.department)
    }) {
        if !std::mem::replace(&mut checked, true) {
            check_passphrase(store, passphrase).await?;
        }
        let mut tx = store.begin_write().await?;
        let at = chrono::Utc::now();
        tx.retire_seal(old.id, at.timestamp_millis()).await?;
        tx.append_events(&[NewEvent::new(
            &Actor::system(),
            at,
            &old.jurisdiction,
            None,
            "seal_retired",
            format!(
                "「{}」已撤销或不再以自己的名义审批，停用其印章「{}」（第{}号）",
                old.holder, old.name, old.id
            ),
            json!({"seal": old.id, "holder": old.department}),
        )])
        .await?;
        tx.commit().await?;
        changed += 1;
    }
    Ok(changed)
}

/// Checks that the passphrase opens the seals already made (one of them), so that no seal is
/// retired or made under a mistyped passphrase.
async fn check_passphrase(store: &Store, passphrase: &SecretString) -> Result<()> {
    if let Some((record, encrypted)) = store.sealed_keys().await?.into_iter().next() {
        open_key(&record, &encrypted, passphrase)?;
    }
    Ok(())
}

/// A seal's private key, decrypted with the passphrase.
fn open_key(record: &SealRecord, encrypted: &str, passphrase: &SecretString) -> Result<SealKey> {
    SealKey::decrypt(encrypted, passphrase.expose_secret()).map_err(|e| match e {
        KeyError::WrongPassphrase => {
            AppError::invalid(format!("印章口令错误：无法打开「{}」", record.name))
        }
        other => AppError::internal(other),
    })
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
    tx.append_events(&[NewEvent::new(
        &Actor::cli("命令行"),
        chrono::Utc::now(),
        &old.jurisdiction,
        None,
        "seal_rotated",
        format!("轮换印章「{}」：停用第{id}号，启用第{new}号", old.name),
        json!({"seal": new, "retired": id, "holder": old.department}),
    )])
    .await?;
    tx.commit().await?;
    Ok(store.seal(new).await?)
}
