//! The seals in use: the keyring opened with the seal passphrase at start-up (every seal's key,
//! active or retired, so that old documents still render), the seals the organisation needs on a
//! day made, renamed or retired (the platform's, each bureau's, each resident department's, each
//! township government's with powers of its own), rotation, and the public facts of a seal.
//!
//! The local seal-making authority (制章机构): an SM2 root made once per installation (its key
//! encrypted with the seal passphrase like the seals'), a certificate and GB/T 38540 seal data
//! (`SES_Seal`) issued for every seal, and revocation of a seal's certificate, published in the
//! CRL (`yiyin_seal::authority`, `yiyin_seal::ses`).
//!
//! A seal kept in a county's own qualified e-seal system (外部签章系统, [`register_external`]): its
//! certificate and seal data made by the county's seal maker, its signatures made through the
//! system's signing interface (`crate::signer`); Yiyin holds no key for it, and trusts the county's
//! maker for what that seal signs.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use yiyin_domain::calendar::fmt_date;
use yiyin_domain::catalog::HandlingMode;
use yiyin_domain::org::{DepartmentRelation, Organisation, resident_seal_name};
use yiyin_domain::party::Actor;
use yiyin_seal::authority::Authority;
use yiyin_seal::{KeyError, SealInfo, SealKey, hex, unhex};
use yiyin_store::Store;
use yiyin_store::events::NewEvent;
use yiyin_store::seals::{NewSeal, PLATFORM, SealCertificate, SealRecord};

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
    authority: Option<Authority>,
    certificates: HashMap<i64, SealCertificate>,
    /// The seals signed through a county's own e-seal system (no key here).
    external: HashMap<i64, SealRecord>,
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

    /// The active seal of a holder when a county's own e-seal system signs for it (then
    /// [`Keyring::for_holder`] has none: Yiyin holds no key).
    pub fn external_for_holder(&self, jurisdiction: &str, department: &str) -> Option<&SealRecord> {
        self.active
            .get(&(jurisdiction.to_string(), department.to_string()))
            .and_then(|id| self.external.get(id))
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

    /// The seal-making authority (its root certificate and key).
    pub fn authority(&self) -> Option<&Authority> {
        self.authority.as_ref()
    }

    /// A seal's certificate and seal data (DER), as the authority issued them.
    pub fn certificate(&self, seal_id: i64) -> Option<(Vec<u8>, Vec<u8>)> {
        let c = self.certificates.get(&seal_id)?;
        Some((unhex(&c.certificate)?, unhex(&c.eseal)?))
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
            if !record.retired {
                ring.active.insert(
                    (record.jurisdiction.clone(), record.department.clone()),
                    record.id,
                );
            }
            if record.signer_url.is_some() {
                ring.external.insert(record.id, record);
                continue;
            }
            let key = open_key(&record, &encrypted, passphrase)?;
            ring.by_id.insert(record.id, (record, key));
        }
        ring.authority = open_authority(store, passphrase).await?;
        ring.certificates = store
            .seal_certificates()
            .await?
            .into_iter()
            .map(|c| (c.seal_id, c))
            .collect();
        Ok(ring)
    }
}

/// The authority's key and root certificate, opened with the passphrase, if made.
async fn open_authority(store: &Store, passphrase: &SecretString) -> Result<Option<Authority>> {
    let Some((record, encrypted)) = store.seal_authority().await? else {
        return Ok(None);
    };
    let key = SealKey::decrypt(&encrypted, passphrase.expose_secret()).map_err(|e| match e {
        KeyError::WrongPassphrase => {
            AppError::invalid(format!("印章口令错误：无法打开「{}」的根密钥", record.name))
        }
        other => AppError::internal(other),
    })?;
    let cert = unhex(&record.certificate)
        .ok_or_else(|| AppError::internal("root certificate is not hex"))?;
    Ok(Some(Authority { key, cert }))
}

/// The size of a seal's picture in its seal data: 300 dpi at the seal's size on paper.
fn seal_picture(name: &str) -> Vec<u8> {
    let px = (yiyin_seal::authority::SEAL_SIZE_MM as f32 / 25.4 * 300.0).round() as u32;
    yiyin_ofd::raster::seal_png(name, px)
}

/// Makes the installation's seal-making authority if there is none yet (an SM2 root, valid from
/// the earliest seal's first day for thirty years, its key encrypted with the passphrase), and
/// issues a certificate and seal data to every seal that has none (seals made before the
/// authority, and each new one). Each act is an event. Returns how many were made.
pub async fn ensure_certificates(
    store: &Store,
    passphrase: &SecretString,
    today: NaiveDate,
) -> Result<usize> {
    let seals = store.seals().await?;
    let have: HashSet<i64> = store
        .seal_certificates()
        .await?
        .iter()
        .map(|c| c.seal_id)
        .collect();
    let missing: Vec<&SealRecord> = seals.iter().filter(|s| !have.contains(&s.id)).collect();
    if missing.is_empty() {
        return Ok(0);
    }
    let mut made = 0;
    let authority = match open_authority(store, passphrase).await? {
        Some(a) => a,
        None => {
            let org = store.organisation().await?;
            let root = org.jurisdictions.iter().find(|j| j.parent.is_none());
            let name = format!(
                "{}电子印章制作机构",
                root.map(|j| j.name_on(today).to_string())
                    .unwrap_or_else(|| "一印".into())
            );
            let from = seals
                .iter()
                .map(|s| s.valid_from.clone())
                .chain([fmt_date(today)])
                .min()
                .unwrap_or_else(|| fmt_date(today));
            let until =
                NaiveDate::from_ymd_opt(today.year() + 30, today.month(), today.day().min(28))
                    .unwrap_or(today);
            let authority =
                Authority::create(&name, &from, &fmt_date(until)).map_err(AppError::internal)?;
            let encrypted = authority
                .key
                .encrypt(passphrase.expose_secret())
                .map_err(|e| AppError::invalid(e.to_string()))?;
            let at = chrono::Utc::now();
            let mut tx = store.begin_write().await?;
            // Several servers starting together: the first makes the root, the others use it.
            tx.lock_seals().await?;
            if tx.has_seal_authority().await? {
                tx.rollback().await?;
                return Box::pin(ensure_certificates(store, passphrase, today)).await;
            }
            tx.insert_seal_authority(
                &name,
                &authority.key.public_hex(),
                &encrypted,
                &hex(&authority.cert),
                at.timestamp_millis(),
            )
            .await?;
            tx.append_events(&[NewEvent::new(
                &Actor::system(),
                at,
                root.map(|j| j.code.as_str()).unwrap_or_default(),
                None,
                "seal_authority_made",
                format!("建立本系统的电子印章制作机构「{name}」：生成 SM2 根密钥和根证书"),
                json!({"name": name, "public_key": authority.key.public_hex()}),
            )])
            .await?;
            tx.commit().await?;
            made += 1;
            authority
        }
    };
    for seal in missing {
        let issued = authority
            .issue(&info(seal), &seal_picture(&seal.name), &fmt_date(today))
            .map_err(AppError::internal)?;
        let at = chrono::Utc::now();
        let mut tx = store.begin_write().await?;
        tx.lock_seals().await?;
        if tx.has_seal_certificate(seal.id).await? {
            // Issued by another server meanwhile.
            tx.rollback().await?;
            continue;
        }
        tx.insert_seal_certificate(
            seal.id,
            &issued.serial,
            &hex(&issued.cert),
            &hex(&issued.eseal),
            at.timestamp_millis(),
        )
        .await?;
        tx.append_events(&[NewEvent::new(
            &Actor::system(),
            at,
            &seal.jurisdiction,
            None,
            "seal_certificate_issued",
            format!(
                "为印章「{}」（第{}号）签发 SM2 证书（序列号 {}，持有者「{}」，有效期 {} 至 {}）和电子印章数据（GB/T 38540）",
                seal.name, seal.id, issued.serial, seal.holder, seal.valid_from, seal.valid_until
            ),
            json!({"seal": seal.id, "serial": issued.serial}),
        )])
        .await?;
        tx.commit().await?;
        made += 1;
    }
    Ok(made)
}

/// A seal's certificate, if it has one.
pub(crate) async fn certificate_of(store: &Store, seal_id: i64) -> Result<Option<SealCertificate>> {
    Ok(store
        .seal_certificates()
        .await?
        .into_iter()
        .find(|c| c.seal_id == seal_id))
}

/// Revokes a seal's certificate (the key was compromised, the seal withdrawn): from now on the
/// CRL lists it and verification reports every document it signed as signed with a revoked
/// certificate. An audited act of the platform's administrator (the caller checks the role).
pub async fn revoke_certificate(
    store: &Store,
    actor: &Actor,
    seal_id: i64,
    reason: &str,
    today: NaiveDate,
) -> Result<SealCertificate> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::invalid("请填写吊销印章证书的理由"));
    }
    let seal = store.seal(seal_id).await?;
    let cert = certificate_of(store, seal_id).await?.ok_or_else(|| {
        AppError::invalid(format!("印章「{}」（第{seal_id}号）还没有证书", seal.name))
    })?;
    if let Some(on) = &cert.revoked_on {
        return Err(AppError::Conflict(format!(
            "印章「{}」的证书已于 {on} 吊销",
            seal.name
        )));
    }
    let at = chrono::Utc::now();
    let mut tx = store.begin_write().await?;
    let summary = format!(
        "吊销印章「{}」（第{seal_id}号）的证书（序列号 {}）：{reason}",
        seal.name, cert.serial
    );
    let details = json!({"seal": seal_id, "serial": cert.serial, "reason": reason});
    let revocation = Revocation {
        seal: &seal,
        on: &fmt_date(today),
        reason,
        summary,
        details,
    };
    revocation.write(&mut tx, actor, at).await?;
    tx.commit().await?;
    Ok(store
        .seal_certificate_by_serial(&cert.serial)
        .await?
        .unwrap_or(cert))
}

/// A seal certificate's revocation: on which day, why, and how the audited event says it.
pub(crate) struct Revocation<'a> {
    pub seal: &'a SealRecord,
    /// The day it takes effect (YYYY-MM-DD).
    pub on: &'a str,
    pub reason: &'a str,
    /// The event's summary (Chinese).
    pub summary: String,
    pub details: serde_json::Value,
}

impl Revocation<'_> {
    /// Marks the certificate revoked and records the audited event, in `tx`.
    pub(crate) async fn write(
        self,
        tx: &mut yiyin_store::WriteTx,
        actor: &Actor,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        tx.revoke_seal_certificate(self.seal.id, self.on, self.reason, at.timestamp_millis())
            .await?;
        tx.append_events(&[NewEvent::new(
            actor,
            at,
            &self.seal.jurisdiction,
            None,
            "seal_certificate_revoked",
            self.summary,
            self.details,
        )])
        .await?;
        Ok(())
    }
}

/// The authority's CRL (DER), signed by its root on `today`: every revoked seal certificate.
pub async fn crl(store: &Store, ring: &Keyring, today: NaiveDate) -> Result<Vec<u8>> {
    let authority = ring
        .authority()
        .ok_or_else(|| AppError::Unavailable("电子印章制作机构尚未建立".into()))?;
    // Only the certificates this authority issued (an external seal's is its maker's to revoke).
    let revoked: Vec<(String, String)> = store
        .seal_certificates()
        .await?
        .into_iter()
        .filter(|c| {
            unhex(&c.certificate).is_some_and(|der| {
                yiyin_seal::authority::check_issued(&der, &authority.cert).is_ok()
            })
        })
        .filter_map(|c| Some((c.serial, c.revoked_on?)))
        .collect();
    yiyin_seal::authority::crl(
        &authority.key,
        &authority.cert,
        &revoked,
        revoked.len() as u64 + 1,
        &fmt_date(today),
    )
    .map_err(AppError::internal)
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
            signer_url: None,
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
        // Under the lock, as the seals stand now: another server starting at the same moment
        // may have made this one already.
        tx.lock_seals().await?;
        let now = tx.seals_now().await?;
        let active = now
            .iter()
            .find(|s| &s.jurisdiction == j && &s.department == d && !s.retired);
        if active.is_some_and(|s| &s.name == name) {
            tx.rollback().await?;
            continue;
        }
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
        tx.lock_seals().await?;
        if !tx
            .seals_now()
            .await?
            .iter()
            .any(|s| s.id == old.id && !s.retired)
        {
            // Retired by another server meanwhile.
            tx.rollback().await?;
            continue;
        }
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
    ensure_certificates(store, passphrase, today).await?;
    Ok(changed)
}

/// Checks that the passphrase opens the seals already made (one of them), so that no seal is
/// retired or made under a mistyped passphrase.
async fn check_passphrase(store: &Store, passphrase: &SecretString) -> Result<()> {
    let keys = store.sealed_keys().await?.into_iter();
    if let Some((record, encrypted)) = keys.into_iter().find(|(r, _)| r.signer_url.is_none()) {
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
    ensure_certificates(store, passphrase, today).await?;
    Ok(store.seal(new).await?)
}

/// A seal kept in a county's own e-seal system, to register: the holder it seals for, its signing
/// interface, and the certificate and seal data (DER) the county's seal maker made.
#[derive(Debug, Clone)]
pub struct ExternalSeal<'a> {
    pub jurisdiction: &'a str,
    /// '' for the bureau, a department's or township's code.
    pub department: &'a str,
    /// The interface's base address (`http://…` or `https://…`; `/sign` is appended).
    pub url: &'a str,
    pub certificate: &'a [u8],
    pub eseal: &'a [u8],
}

/// The seal makers (their certificates, DER) of the external seals registered: the roots trusted
/// beside this installation's own for what those seals signed.
pub async fn external_makers(store: &Store) -> Result<Vec<Vec<u8>>> {
    let external: HashSet<i64> = store
        .seals()
        .await?
        .into_iter()
        .filter(|s| s.signer_url.is_some())
        .map(|s| s.id)
        .collect();
    Ok(store
        .seal_certificates()
        .await?
        .into_iter()
        .filter(|c| external.contains(&c.seal_id))
        .filter_map(|c| unhex(&c.eseal))
        .filter_map(|e| yiyin_seal::ses::read_seal(&e).ok())
        .map(|s| s.maker_cert)
        .collect())
}

/// Hands a holder's seal over to the county's own e-seal system (外部签章系统): checks the seal
/// data (GB/T 38540, signed by its maker, a CA), that the certificate is in it and issued by the
/// maker, that the seal is the holder's (the name of the seal in use, the holder as the
/// certificate's subject) and valid today; then retires the seal in use and registers the external
/// one in its place, in one write. From then on that holder's documents are signed through the
/// interface, and the county's maker is trusted for them. An audited act of the platform's
/// administrator (the caller checks the role). Bad input changes nothing.
pub async fn register_external(
    store: &Store,
    actor: &Actor,
    seal: &ExternalSeal<'_>,
    today: NaiveDate,
) -> Result<SealRecord> {
    let url = seal.url.trim();
    let parsed = reqwest::Url::parse(url).ok();
    if !parsed.as_ref().is_some_and(|u| {
        matches!(u.scheme(), "http" | "https") && u.host_str().is_some() && u.query().is_none()
    }) {
        return Err(AppError::invalid(format!(
            "外部签章系统的签章接口地址「{url}」无效：应为 http:// 或 https:// 开头、不带查询参数的地址"
        )));
    }
    let data = yiyin_seal::ses::read_seal(seal.eseal)
        .map_err(|e| AppError::invalid(format!("外部签章系统的电子印章数据无效：{e}")))?;
    if !data.maker.ca {
        return Err(AppError::invalid(format!(
            "电子印章数据的制章者证书「{}」不是 CA 证书，不能作为受信任的根",
            data.maker.subject
        )));
    }
    if !data.cert_list.iter().any(|c| c == seal.certificate) {
        return Err(AppError::invalid(
            "签章证书不在电子印章数据（SES_Seal）的证书列表中：不是这枚印章的证书",
        ));
    }
    let cert = yiyin_seal::authority::read_certificate(seal.certificate)
        .map_err(|e| AppError::invalid(e.to_string()))?;
    let in_use = store
        .seals()
        .await?
        .into_iter()
        .find(|s| {
            s.jurisdiction == seal.jurisdiction && s.department == seal.department && !s.retired
        })
        .ok_or_else(|| {
            AppError::invalid("该持章单位没有在用的电子印章，不能改由外部签章系统签章")
        })?;
    if in_use.department == PLATFORM {
        return Err(AppError::invalid(format!(
            "「{}」由本系统签署每日审计链头和电子档案包，不能改由外部签章系统签章",
            in_use.name
        )));
    }
    if data.name != in_use.name {
        return Err(AppError::invalid(format!(
            "外部签章系统的印章名称「{}」与持章单位在用的印章名称「{}」不一致",
            data.name, in_use.name
        )));
    }
    if cert.subject != in_use.holder {
        return Err(AppError::invalid(format!(
            "签章证书的持有者「{}」不是持章单位「{}」",
            cert.subject, in_use.holder
        )));
    }
    let day = fmt_date(today);
    if day < data.valid_start || day > data.valid_end {
        return Err(AppError::invalid(format!(
            "外部签章系统的印章今天不在有效期内（{} 至 {}）",
            data.valid_start, data.valid_end
        )));
    }
    if store.seal_by_public_key(&cert.public_key).await?.is_some() {
        return Err(AppError::Conflict(
            "这枚签章证书的公钥已登记在本系统的印章中".into(),
        ));
    }
    let at = chrono::Utc::now();
    let mut tx = store.begin_write().await?;
    tx.retire_seal(in_use.id, at.timestamp_millis()).await?;
    let id = tx
        .insert_seal(&NewSeal {
            jurisdiction: &in_use.jurisdiction,
            department: &in_use.department,
            name: &in_use.name,
            holder: &in_use.holder,
            public_key: &cert.public_key,
            encrypted_key: "",
            valid_from: &data.valid_start,
            valid_until: &data.valid_end,
            signer_url: Some(url),
            at_ms: at.timestamp_millis(),
        })
        .await?;
    tx.insert_seal_certificate(
        id,
        &cert.serial,
        &hex(seal.certificate),
        &hex(seal.eseal),
        at.timestamp_millis(),
    )
    .await?;
    tx.append_events(&[NewEvent::new(
        actor,
        at,
        &in_use.jurisdiction,
        None,
        "seal_external_registered",
        format!(
            "印章「{}」改由外部签章系统签章：停用第{}号，登记第{id}号（签章接口 {url}，证书序列号 {}，制章者「{}」）",
            in_use.name, in_use.id, cert.serial, data.maker.subject
        ),
        json!({"seal": id, "retired": in_use.id, "url": url, "serial": cert.serial}),
    )])
    .await?;
    tx.commit().await?;
    Ok(store.seal(id).await?)
}

/// A certificate or seal data as given (`what` names it in the refusal): DER as it is, or the same
/// in Base64, with or without PEM armour (`-----BEGIN …-----`).
pub fn der_from(what: &str, given: &[u8]) -> Result<Vec<u8>> {
    use base64::Engine;
    if given.first() == Some(&0x30) {
        return Ok(given.to_vec());
    }
    let text = std::str::from_utf8(given).map_err(|_| {
        AppError::invalid(format!("{what}既不是 DER 编码，也不是 Base64 或 PEM 文本"))
    })?;
    let body: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("-----"))
        .flat_map(str::chars)
        .filter(|c| !c.is_whitespace())
        .collect();
    if body.is_empty() {
        return Err(AppError::invalid(format!("{what}为空")));
    }
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(|_| AppError::invalid(format!("{what}不是有效的 Base64 或 PEM 文本")))
}

/// [`register_external`] for the seal numbered `id` (as `yiyin seal list` and `/api/v1/seals` show
/// it): its holder's seal goes over to the county's e-seal system at `url`, with where its maker's
/// CRL comes from and/or a CRL if given (`crl`, checked before anything is registered, then kept
/// by `crate::seal_crls::set_crl`). Only a seal in use can: a retired one is refused, as is a
/// number no seal has. The one use case for the API, the page and the CLI (the caller checks the
/// role).
#[allow(clippy::too_many_arguments)]
pub async fn register_external_for(
    store: &Store,
    actor: &Actor,
    id: i64,
    url: &str,
    certificate: &[u8],
    eseal: &[u8],
    crl: &crate::seal_crls::CrlSource<'_>,
    today: NaiveDate,
) -> Result<SealRecord> {
    let seal = store.seal(id).await?;
    if seal.retired {
        return Err(AppError::invalid(format!(
            "印章「{}」（第{id}号）已停用：只能为在用的印章登记外部签章系统",
            seal.name
        )));
    }
    let external = ExternalSeal {
        jurisdiction: &seal.jurisdiction,
        department: &seal.department,
        url,
        certificate,
        eseal,
    };
    crate::seal_crls::check_source(eseal, crl)?;
    let registered = register_external(store, actor, &external, today).await?;
    if !crl.is_empty() {
        crate::seal_crls::set_crl(store, actor, registered.id, crl).await?;
    }
    Ok(registered)
}

impl crate::App {
    /// The authority's CRL as of today ([`crl`]).
    pub async fn seal_crl(&self) -> Result<Vec<u8>> {
        crl(&self.store, &self.keyring(), self.today()).await
    }

    /// The authority's root certificate (DER).
    pub async fn seal_root_certificate(&self) -> Result<Vec<u8>> {
        self.store
            .seal_authority()
            .await?
            .and_then(|(a, _)| unhex(&a.certificate))
            .ok_or_else(|| AppError::Unavailable("电子印章制作机构尚未建立".into()))
    }

    /// A system administrator of the seal's jurisdiction hands the seal numbered `id` over to the
    /// county's own e-seal system ([`register_external_for`]), with where its maker's CRL comes
    /// from if given (checked before anything is registered, `crate::seal_crls`); the seals in use
    /// are reloaded, so that the holder's next documents are signed through the interface.
    #[tracing::instrument(skip_all, fields(account = who.account.id, seal = id))]
    pub async fn register_external_signer(
        &self,
        who: &crate::principal::Principal,
        id: i64,
        url: &str,
        certificate: &[u8],
        eseal: &[u8],
        crl: &crate::seal_crls::CrlSource<'_>,
    ) -> Result<SealRecord> {
        let seal = self.store.seal(id).await?;
        who.require_in(
            yiyin_domain::authz::Operation::ManageUsers,
            &seal.jurisdiction,
        )?;
        let registered = register_external_for(
            &self.store,
            &who.actor(&self.org()),
            id,
            url,
            certificate,
            eseal,
            crl,
            self.today(),
        )
        .await?;
        self.refresh_seals().await?;
        Ok(registered)
    }
}
