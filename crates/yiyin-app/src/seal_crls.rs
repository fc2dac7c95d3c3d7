//! The revocation lists (CRL) of the county seal makers behind external seals (外部签章系统): a
//! county's system administrator gives, with the registration or later, the address Yiyin fetches
//! the maker's CRL from and/or a CRL file; every CRL is checked against the maker's certificate
//! (the one in the seal data registered: issuer, SM2/SM3, signature) and refused in Chinese when
//! it does not verify or is older than the one kept. The latest accepted is kept; when it lists the
//! seal's certificate, the certificate is marked revoked as Yiyin's own authority marks its own
//! (`crate::seals::revoke_certificate`), so that verification reports it in the same words. The
//! sealing worker (`crate::signer::run`) fetches the lists from their addresses every
//! [`CRL_EVERY`]; a fetch that fails leaves the kept list as it is, the reason recorded.

use std::time::Duration;

use chrono::Utc;
use serde_json::json;
use yiyin_domain::authz::Operation;
use yiyin_domain::party::Actor;
use yiyin_seal::authority::{CrlContents, read_crl};
use yiyin_seal::{hex, unhex};
use yiyin_store::Store;
use yiyin_store::events::NewEvent;
use yiyin_store::seals::{SealCertificate, SealCrl, SealRecord};

use crate::App;
use crate::error::{AppError, Result};
use crate::principal::Principal;
use crate::seals::Revocation;

/// How often the CRLs are fetched from their addresses.
pub const CRL_EVERY: Duration = Duration::from_secs(3600);
/// How long a CRL's address has to answer.
const TIMEOUT: Duration = Duration::from_secs(10);
/// The largest CRL taken (bytes).
const MAX_CRL: usize = 1 << 20;

/// Where an external seal's CRL comes from: the address to fetch it from, and/or a CRL as given
/// (DER, or Base64/PEM).
#[derive(Debug, Clone, Copy, Default)]
pub struct CrlSource<'a> {
    pub url: Option<&'a str>,
    pub crl: Option<&'a [u8]>,
}

impl CrlSource<'_> {
    /// Whether nothing is given (blank address, no file).
    pub fn is_empty(&self) -> bool {
        self.url.is_none_or(|u| u.trim().is_empty()) && self.crl.is_none_or(<[u8]>::is_empty)
    }
}

/// A CRL address, checked: `http://` or `https://` with a host.
fn check_url(url: &str) -> Result<String> {
    let url = url.trim();
    let ok = reqwest::Url::parse(url)
        .ok()
        .is_some_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
    if !ok {
        return Err(AppError::invalid(format!(
            "证书吊销列表地址「{url}」无效：应为 http:// 或 https:// 开头的地址"
        )));
    }
    Ok(url.to_string())
}

/// A CRL (DER, or Base64/PEM) checked against the maker's certificate: refused in Chinese when
/// it is not the maker's or does not verify.
pub fn check_crl(maker: &[u8], given: &[u8]) -> Result<(Vec<u8>, CrlContents)> {
    let der = crate::seals::der_from("证书吊销列表", given)?;
    let contents = read_crl(&der, maker).map_err(|e| {
        AppError::invalid(format!(
            "证书吊销列表未通过核验，未予采用（应由该印章的制章者签发）：{e}"
        ))
    })?;
    Ok((der, contents))
}

/// An external seal with its certificate and its maker's certificate (DER); refused for a seal
/// Yiyin signs itself (its own authority publishes that CRL).
async fn external(store: &Store, seal_id: i64) -> Result<(SealRecord, SealCertificate, Vec<u8>)> {
    let seal = store.seal(seal_id).await?;
    if seal.signer_url.is_none() {
        return Err(AppError::invalid(format!(
            "印章「{}」（第{seal_id}号）由本系统签章，其证书由本系统的制章机构吊销和发布：只能为外部签章系统的印章登记证书吊销列表",
            seal.name
        )));
    }
    let cert = crate::seals::certificate_of(store, seal_id)
        .await?
        .ok_or_else(|| {
            AppError::invalid(format!("外部签章系统的印章「{}」没有登记证书", seal.name))
        })?;
    let maker = unhex(&cert.eseal)
        .and_then(|e| yiyin_seal::ses::read_seal(&e).ok())
        .map(|s| s.maker_cert)
        .ok_or_else(|| AppError::internal("external seal data unreadable"))?;
    Ok((seal, cert, maker))
}

/// Keeps an accepted CRL for the seal and, when it lists the seal's certificate not yet revoked,
/// revokes it (an event by `actor`). A list older than the one kept is refused. Returns whether
/// the certificate was revoked now.
async fn keep(
    store: &Store,
    actor: &Actor,
    (seal, cert, maker): (&SealRecord, &SealCertificate, &[u8]),
    der: &[u8],
    contents: &CrlContents,
) -> Result<bool> {
    if let Some(kept) = store.seal_crl(seal.id).await?
        && !kept.this_update.is_empty()
        && kept.this_update > contents.this_update
    {
        return Err(AppError::invalid(format!(
            "证书吊销列表（{} 签发）早于已采用的列表（{} 签发），未予采用",
            contents.this_update, kept.this_update
        )));
    }
    let maker_name = yiyin_seal::authority::read_certificate(maker)
        .map(|c| c.subject)
        .unwrap_or_default();
    let at = Utc::now();
    let mut tx = store.begin_write().await?;
    tx.keep_seal_crl(
        seal.id,
        &hex(der),
        &contents.this_update,
        at.timestamp_millis(),
    )
    .await?;
    let listed = contents
        .revoked
        .iter()
        .find(|(serial, _)| serial.eq_ignore_ascii_case(&cert.serial));
    let revoked = match listed {
        Some((_, on)) if cert.revoked_on.is_none() => {
            let reason = format!(
                "列入制章机构「{maker_name}」的证书吊销列表（{} 签发）",
                contents.this_update
            );
            let summary = format!(
                "外部签章系统的印章「{}」（第{}号）的证书（序列号 {}）已于 {on} 吊销：{reason}",
                seal.name, seal.id, cert.serial
            );
            let details = json!({"seal": seal.id, "serial": cert.serial, "reason": reason, "crl": contents.this_update});
            let revocation = Revocation {
                seal,
                on,
                reason: &reason,
                summary,
                details,
            };
            revocation.write(&mut tx, actor, at).await?;
            true
        }
        _ => false,
    };
    tx.commit().await?;
    Ok(revoked)
}

/// Registers where an external seal's CRL comes from and/or a CRL (checked first: bad input
/// changes nothing), in the name of `actor` (an audited event). The caller checks the role.
pub async fn set_crl(
    store: &Store,
    actor: &Actor,
    seal_id: i64,
    source: &CrlSource<'_>,
) -> Result<SealCrl> {
    if source.is_empty() {
        return Err(AppError::invalid(
            "请填写证书吊销列表地址或上传证书吊销列表文件",
        ));
    }
    let (seal, cert, maker) = external(store, seal_id).await?;
    let url = match source.url.filter(|u| !u.trim().is_empty()) {
        Some(u) => Some(check_url(u)?),
        None => None,
    };
    let crl = match source.crl.filter(|c| !c.is_empty()) {
        Some(c) => Some(check_crl(&maker, c)?),
        None => None,
    };
    let at = Utc::now();
    let mut tx = store.begin_write().await?;
    if let Some(url) = &url {
        tx.set_seal_crl_url(seal_id, url).await?;
    }
    tx.append_events(&[NewEvent::new(
        actor,
        at,
        &seal.jurisdiction,
        None,
        "seal_crl_registered",
        format!(
            "为外部签章系统的印章「{}」（第{seal_id}号）登记证书吊销列表{}{}",
            seal.name,
            url.as_ref()
                .map(|u| format!("地址 {u}"))
                .unwrap_or_default(),
            crl.as_ref()
                .map(|(_, c)| format!("（上传的列表 {} 签发，列明 {} 张证书）", c.this_update, c.revoked.len()))
                .unwrap_or_default()
        ),
        json!({"seal": seal_id, "url": url, "this_update": crl.as_ref().map(|(_, c)| c.this_update.clone())}),
    )])
    .await?;
    tx.commit().await?;
    if let Some((der, contents)) = &crl {
        keep(store, actor, (&seal, &cert, &maker), der, contents).await?;
    }
    Ok(store.seal_crl(seal_id).await?.unwrap_or(SealCrl {
        seal_id,
        url: String::new(),
        crl: String::new(),
        this_update: String::new(),
        accepted_at: None,
        checked_at: None,
        problem: String::new(),
    }))
}

/// What is known of an external seal's CRL, as the organisation page shows it.
#[derive(Debug, Clone, Default)]
pub struct CrlStatus {
    /// Where it is fetched from ('' when only uploaded).
    pub url: String,
    /// The latest accepted list's this-update and next-update days ('' none / not said).
    pub this_update: String,
    pub next_update: String,
    /// When the latest list was accepted and when its address was last fetched (ms).
    pub accepted_at: Option<i64>,
    pub checked_at: Option<i64>,
    /// Why the last fetch or list was not taken, in Chinese ('' none).
    pub problem: String,
}

/// The CRL status of the external seal `seal_id`; None when no CRL was ever registered for it.
/// The next-update day is read from the kept list (verified again against the maker).
pub async fn status(store: &Store, seal_id: i64) -> Result<Option<CrlStatus>> {
    let Some(kept) = store.seal_crl(seal_id).await? else {
        return Ok(None);
    };
    let next_update = match unhex(&kept.crl).filter(|d| !d.is_empty()) {
        Some(der) => {
            let (_, _, maker) = external(store, seal_id).await?;
            read_crl(&der, &maker)
                .ok()
                .and_then(|c| c.next_update)
                .unwrap_or_default()
        }
        None => String::new(),
    };
    Ok(Some(CrlStatus {
        url: kept.url,
        this_update: kept.this_update,
        next_update,
        accepted_at: kept.accepted_at,
        checked_at: kept.checked_at,
        problem: kept.problem,
    }))
}

/// Checks a CRL source given with a registration before anything is registered: the address, and
/// the CRL against the maker in the seal data (DER) given.
pub fn check_source(eseal: &[u8], source: &CrlSource<'_>) -> Result<()> {
    if let Some(u) = source.url.filter(|u| !u.trim().is_empty()) {
        check_url(u)?;
    }
    if let Some(c) = source.crl.filter(|c| !c.is_empty()) {
        let maker = yiyin_seal::ses::read_seal(eseal)
            .map_err(|e| AppError::invalid(format!("外部签章系统的电子印章数据无效：{e}")))?
            .maker_cert;
        check_crl(&maker, c)?;
    }
    Ok(())
}

/// Fetches a CRL from its address; Err is why not, in Chinese.
async fn fetch(client: &reqwest::Client, url: &str) -> std::result::Result<Vec<u8>, String> {
    let answer = match tokio::time::timeout(TIMEOUT, client.get(url).timeout(TIMEOUT).send()).await
    {
        Err(_) => return Err("证书吊销列表地址超时未应答".into()),
        Ok(Err(e)) if e.is_timeout() => return Err("证书吊销列表地址超时未应答".into()),
        Ok(Err(e)) if e.is_connect() => return Err(format!("无法连接证书吊销列表地址（{url}）")),
        Ok(Err(e)) => return Err(format!("获取证书吊销列表失败：{e}")),
        Ok(Ok(r)) => r,
    };
    if !answer.status().is_success() {
        return Err(format!(
            "证书吊销列表地址返回 HTTP {}",
            answer.status().as_u16()
        ));
    }
    match tokio::time::timeout(TIMEOUT, answer.bytes()).await {
        Ok(Ok(b)) if b.len() <= MAX_CRL => Ok(b.to_vec()),
        Ok(Ok(_)) => Err("证书吊销列表过大".into()),
        _ => Err("证书吊销列表的应答不完整或超时".into()),
    }
}

impl App {
    /// A system administrator of the seal's county registers where the external seal's CRL comes
    /// from and/or uploads one ([`set_crl`]).
    #[tracing::instrument(skip_all, fields(account = who.account.id, seal = seal_id))]
    pub async fn set_seal_crl(
        &self,
        who: &Principal,
        seal_id: i64,
        source: &CrlSource<'_>,
    ) -> Result<SealCrl> {
        let seal = self.store.seal(seal_id).await?;
        who.require_in(Operation::ManageUsers, &seal.jurisdiction)?;
        set_crl(&self.store, &who.actor(&self.org()), seal_id, source).await
    }

    /// One round of the CRL worker: fetches every external seal's CRL from its address, keeps a
    /// newer one that verifies (revoking the seal's certificate when listed) and records a
    /// failure's reason on the list. Returns how many certificates were revoked.
    pub async fn refresh_seal_crls(&self) -> Result<usize> {
        let client = crate::signer::HttpSigner::client();
        let mut revoked = 0;
        for kept in self.store.seal_crls().await? {
            if kept.url.is_empty() {
                continue;
            }
            let outcome: Result<Option<bool>> = async {
                let bytes = fetch(&client, &kept.url)
                    .await
                    .map_err(AppError::Unavailable)?;
                if unhex(&kept.crl).as_deref() == Some(&bytes[..]) {
                    return Ok(None);
                }
                let (seal, cert, maker) = external(&self.store, kept.seal_id).await?;
                let (der, contents) = check_crl(&maker, &bytes)?;
                keep(
                    &self.store,
                    &Actor::system(),
                    (&seal, &cert, &maker),
                    &der,
                    &contents,
                )
                .await
                .map(Some)
            }
            .await;
            let problem = match outcome {
                Ok(Some(now_revoked)) => {
                    revoked += usize::from(now_revoked);
                    continue;
                }
                Ok(None) => String::new(),
                Err(e) => {
                    tracing::warn!(seal = kept.seal_id, error = %e, "CRL not taken");
                    e.to_string()
                }
            };
            let mut tx = self.store.begin_write().await?;
            tx.seal_crl_checked(kept.seal_id, &problem, Utc::now().timestamp_millis())
                .await?;
            tx.commit().await?;
        }
        Ok(revoked)
    }
}
