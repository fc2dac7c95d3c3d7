//! Who makes a seal's SM2 signatures, and the sealing of documents whose seal lives elsewhere.
//!
//! A [`SealSigner`] signs bytes for a seal. Two kinds: [`OwnSigner`], Yiyin signing with the seal
//! key it keeps (encrypted with the seal passphrase) — the default, and what every seal Yiyin made
//! uses — and [`HttpSigner`], a county's own qualified e-seal system (外部签章系统) signing through
//! its HTTP interface, so that the private key stays in the county's cryptographic module
//! (`docs/signing-adapter.md`: `POST {url}/sign` with the SM3 digest to sign, answered with the
//! DER SM2 signature and the signing certificate). The sealed record, the PDF and the OFD of a
//! document are made the same way with either: laid out here, their signing input signed by the
//! signer, the signature put in place.
//!
//! A document issued under an external seal is kept unsealed in the transaction that issues it
//! (nothing waits on the county's system while the database is held) and marked as waiting for its
//! seal; the sealing worker ([`run`], every few seconds) has it signed — record, PDF and OFD — keeps
//! the files in the blob store and records the sealed form, all in one write. When the county's
//! system is down, slow or answers wrongly, the document stays as it was, unsealed and waiting, the
//! reason in Chinese on it for staff, and the next round tries again.
//!
//! Pushes to supervising departments are signed the same way: one queued for a holder whose seal
//! is external waits unsigned (its seal named, no signature), is never delivered so, and the same
//! worker has its canonical payload signed and puts the signature on it — the same SM2 signature
//! (DER, hex, `X-Yiyin-Signature`) Yiyin's own seals make, so receivers verify it alike. A push that
//! cannot be signed yet keeps waiting, the reason in Chinese as its last error for staff. Monthly
//! reports are signed at once through [`App::signer_for`] (made on demand, kept nowhere): when the
//! county's system cannot sign, the report is refused with its reason. Every hour the same worker
//! fetches the county makers' revocation lists (`crate::seal_crls`).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chrono::Utc;
use serde_json::json;
use yiyin_domain::calendar::local_time;
use yiyin_domain::party::Actor;
use yiyin_seal::{SealKey, SealedDocument};
use yiyin_store::documents::StoredDocument;
use yiyin_store::events::NewEvent;
use yiyin_store::seals::SealRecord;

use crate::App;
use crate::error::{AppError, Result};

/// The algorithm of every signature (SM2 with SM3, GM/T 0009 default user ID).
pub const ALGORITHM: &str = "SM2-SM3";
/// How often the sealing worker looks for waiting documents.
pub const SEAL_EVERY: Duration = Duration::from_secs(5);
/// How long the county's system has to answer one signing request.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Documents sealed per round, so that a backlog never holds the worker for long.
const BATCH: i64 = 20;

/// What a signature is for, as the signing request names it (for the county system's records).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signing<'a> {
    /// A document of the register (its id).
    Document(i64),
    /// A push to a supervising department (its idempotency key).
    Push(&'a str),
    /// A monthly report (its number).
    Report(&'a str),
}

impl Signing<'_> {
    /// The request's `purpose`, `document_id` and `reference`.
    fn fields(&self) -> (&'static str, Option<i64>, Option<&str>) {
        match *self {
            Signing::Document(id) => ("document", Some(id), None),
            Signing::Push(key) => ("push", None, Some(key)),
            Signing::Report(number) => ("report", None, Some(number)),
        }
    }
}

/// What is to be signed: for which seal and what, and the bytes.
#[derive(Debug, Clone, Copy)]
pub struct SignRequest<'a> {
    pub seal_id: i64,
    pub what: Signing<'a>,
    /// The signing input: the canonical record, the PDF before its signature line, or the DER
    /// `TBS_Sign` of the OFD's seal.
    pub message: &'a [u8],
}

/// A signature on its way; Err is why there is none, in Chinese.
pub type SignFuture<'a> =
    Pin<Box<dyn Future<Output = std::result::Result<Vec<u8>, String>> + Send + 'a>>;

/// Makes a seal's SM2 signatures (DER, SM3 over Z ‖ message).
pub trait SealSigner: Send + Sync {
    fn sign<'a>(&'a self, request: SignRequest<'a>) -> SignFuture<'a>;
}

/// Yiyin's own signer: the seal key it keeps.
#[derive(Debug, Clone)]
pub struct OwnSigner(pub SealKey);

impl SealSigner for OwnSigner {
    fn sign<'a>(&'a self, request: SignRequest<'a>) -> SignFuture<'a> {
        Box::pin(async move { Ok(self.0.sign(request.message)) })
    }
}

/// A county's own e-seal system, reached over HTTP (`docs/signing-adapter.md`).
#[derive(Debug, Clone)]
pub struct HttpSigner {
    client: reqwest::Client,
    /// The interface's base address (`…/sign` is appended).
    url: String,
    /// The seal's public key (hex, SEC1) and certificate (DER) as registered.
    public_key: String,
    certificate: Vec<u8>,
}

/// The answer of the signing interface.
#[derive(Debug, serde::Deserialize)]
struct SignAnswer {
    signature: String,
    certificate: String,
}

impl HttpSigner {
    /// The signer of an external seal: its interface, public key and certificate as registered.
    pub fn new(client: reqwest::Client, url: &str, public_key: &str, certificate: &[u8]) -> Self {
        HttpSigner {
            client,
            url: url.trim_end_matches('/').to_string(),
            public_key: public_key.to_string(),
            certificate: certificate.to_vec(),
        }
    }

    /// The HTTP client for signing requests: the deliveries' (a bound on each request, no
    /// redirects followed: a POST redirected would lose its body).
    pub fn client() -> reqwest::Client {
        crate::delivery::client()
    }

    async fn request(&self, request: SignRequest<'_>) -> std::result::Result<Vec<u8>, String> {
        let digest = yiyin_seal::keys::digest_to_sign(&self.public_key, request.message)
            .map_err(|e| format!("印章公钥无效：{e}"))?;
        let (purpose, document_id, reference) = request.what.fields();
        let body = json!({
            "seal_id": request.seal_id,
            "algorithm": ALGORITHM,
            "data_hash": yiyin_seal::hex(&digest),
            "purpose": purpose,
            "document_id": document_id,
            "reference": reference,
        });
        let send = self
            .client
            .post(format!("{}/sign", self.url))
            .timeout(TIMEOUT)
            .header("content-type", "application/json; charset=utf-8")
            .body(body.to_string())
            .send();
        let answer = match tokio::time::timeout(TIMEOUT, send).await {
            Err(_) => return Err("外部签章系统超时未应答".into()),
            Ok(Err(e)) if e.is_timeout() => return Err("外部签章系统超时未应答".into()),
            Ok(Err(e)) if e.is_connect() => {
                return Err(format!("无法连接外部签章系统（{}）", self.url));
            }
            Ok(Err(e)) => return Err(format!("请求外部签章系统失败：{e}")),
            Ok(Ok(r)) => r,
        };
        let status = answer.status();
        let text = match tokio::time::timeout(TIMEOUT, answer.text()).await {
            Ok(Ok(text)) => text,
            _ => return Err("外部签章系统的应答不完整或超时".into()),
        };
        if !status.is_success() {
            // The interface answers errors as JSON with a message; show it when it has one.
            let message = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v["message"].as_str().map(str::to_string))
                .unwrap_or_default();
            return Err(format!(
                "外部签章系统拒绝签章（HTTP {}）{}",
                status.as_u16(),
                if message.is_empty() {
                    String::new()
                } else {
                    format!("：{message}")
                }
            ));
        }
        let answer: SignAnswer = serde_json::from_str(&text).map_err(|_| {
            "外部签章系统的应答不是约定的 JSON（signature、certificate）".to_string()
        })?;
        let (Ok(signature), Ok(certificate)) =
            (B64.decode(answer.signature), B64.decode(answer.certificate))
        else {
            return Err("外部签章系统的应答中签名或证书不是 Base64".into());
        };
        if certificate != self.certificate {
            return Err("外部签章系统签章所用的证书与本系统登记的印章证书不一致".into());
        }
        yiyin_seal::keys::verify(&self.public_key, request.message, &signature)
            .map_err(|e| format!("外部签章系统返回的签名无效：{e}"))?;
        Ok(signature)
    }
}

impl SealSigner for HttpSigner {
    fn sign<'a>(&'a self, request: SignRequest<'a>) -> SignFuture<'a> {
        Box::pin(self.request(request))
    }
}

/// Runs the sealing worker until the task is dropped.
pub async fn run(app: App) {
    let mut tick = tokio::time::interval(SEAL_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut crls_fetched: Option<tokio::time::Instant> = None;
    loop {
        tick.tick().await;
        if crls_fetched.is_none_or(|at| at.elapsed() >= crate::seal_crls::CRL_EVERY) {
            crls_fetched = Some(tokio::time::Instant::now());
            match app.refresh_seal_crls().await {
                Ok(n) if n > 0 => tracing::info!(revoked = n, "external seal certificates revoked"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "CRL refresh failed"),
            }
        }
        match app.seal_waiting().await {
            Ok(n) if n > 0 => tracing::info!(documents = n, "documents sealed externally"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "external sealing failed"),
        }
        match app.sign_waiting_pushes().await {
            Ok(n) if n > 0 => tracing::info!(pushes = n, "pushes signed externally"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "external push signing failed"),
        }
    }
}

/// A seal's certificate and seal data (`SES_Seal`), DER.
type Certified = (Vec<u8>, Vec<u8>);

/// A signing failure as the application reports it.
fn sign_err(problem: String) -> AppError {
    AppError::Unavailable(problem)
}

impl App {
    /// A document's PDF signed by `signer` (`yiyin_pdf::render`'s file).
    pub(crate) async fn signed_pdf(
        &self,
        signer: &dyn SealSigner,
        sealed: &SealedDocument,
        doc: &StoredDocument,
        code: &str,
    ) -> Result<Vec<u8>> {
        let url = self.verify_url(&doc.record.number, code);
        let what = Signing::Document(doc.id);
        pdf_signed_by(signer, what, sealed, &doc.record, &url, code).await
    }

    /// A record sealed by `signer` with `seal` at `at`: its canonical form signed, the signature
    /// checked. Documents, monthly reports: the same sealing whoever signs.
    pub(crate) async fn sealed_by(
        &self,
        signer: &dyn SealSigner,
        seal: &SealRecord,
        what: Signing<'_>,
        document: serde_json::Value,
        at: chrono::DateTime<Utc>,
    ) -> Result<SealedDocument> {
        let record = SealedDocument::unsigned(document, crate::seals::info(seal), &local_time(at));
        let signature = signer
            .sign(SignRequest {
                seal_id: seal.id,
                what,
                message: &record.signed_bytes(),
            })
            .await
            .map_err(sign_err)?;
        let record = record.with_signature(&signature);
        record
            .verify()
            .map_err(|e| AppError::Unavailable(e.to_string()))?;
        Ok(record)
    }

    /// The active seal of a holder and who signs for it: Yiyin with the key it keeps, or the
    /// county's e-seal system through its interface. None when the holder has no seal loaded.
    pub(crate) fn signer_for(
        &self,
        jurisdiction: &str,
        holder: &str,
    ) -> Result<Option<(SealRecord, Box<dyn SealSigner>)>> {
        let ring = self.keyring();
        if let Some((seal, key)) = ring.for_holder(jurisdiction, holder) {
            return Ok(Some((seal.clone(), Box::new(OwnSigner(key.clone())))));
        }
        let Some(seal) = ring.external_for_holder(jurisdiction, holder).cloned() else {
            return Ok(None);
        };
        Ok(self
            .external_signer(&seal)?
            .map(|(signer, _)| (seal, Box::new(signer) as Box<dyn SealSigner>)))
    }
}

/// Renders a sealed record with its verification line (`url`, `code`) off the async threads:
/// `render` is the PDF's or the OFD's.
async fn render_blocking<T, E>(
    sealed: &SealedDocument,
    record: &yiyin_domain::documents::DocumentRecord,
    url: String,
    code: &str,
    render: impl FnOnce(
        &SealedDocument,
        &yiyin_domain::documents::DocumentRecord,
        &yiyin_pdf::Verification<'_>,
    ) -> std::result::Result<T, E>
    + Send
    + 'static,
) -> Result<T>
where
    T: Send + 'static,
    E: std::fmt::Display + Send + 'static,
{
    let (s, record, c) = (sealed.clone(), record.clone(), code.to_string());
    tokio::task::spawn_blocking(move || {
        let verification = yiyin_pdf::Verification {
            url: &url,
            code: &c,
        };
        render(&s, &record, &verification)
    })
    .await
    .map_err(AppError::internal)?
    .map_err(AppError::internal)
}

/// A record's PDF, its signing input signed by `signer` (`yiyin_pdf::render`'s file).
pub(crate) async fn pdf_signed_by(
    signer: &dyn SealSigner,
    what: Signing<'_>,
    sealed: &SealedDocument,
    record: &yiyin_domain::documents::DocumentRecord,
    url: &str,
    code: &str,
) -> Result<Vec<u8>> {
    let pdf = render_blocking(sealed, record, url.to_string(), code, |s, record, v| {
        yiyin_pdf::render_unsigned(s, record, v)
    })
    .await?;
    let signature = signer
        .sign(SignRequest {
            seal_id: sealed.seal.id,
            what,
            message: &pdf,
        })
        .await
        .map_err(sign_err)?;
    Ok(yiyin_pdf::with_signature(pdf, &signature))
}

impl App {
    /// A document's OFD signed by `signer` with the seal's certificate and seal data (DER), at the
    /// time the record was sealed (`yiyin_ofd::render`'s file).
    pub(crate) async fn signed_ofd(
        &self,
        signer: &dyn SealSigner,
        (cert, eseal): (&[u8], &[u8]),
        sealed: &SealedDocument,
        doc: &StoredDocument,
        code: &str,
    ) -> Result<Vec<u8>> {
        let url = self.verify_url(&doc.record.number, code);
        let e = eseal.to_vec();
        let unsigned = render_blocking(sealed, &doc.record, url, code, move |s, record, v| {
            yiyin_ofd::prepare(s, record, v, &e, &s.signed_at)
        })
        .await?;
        let signature = signer
            .sign(SignRequest {
                seal_id: sealed.seal.id,
                what: Signing::Document(doc.id),
                message: unsigned.to_sign(),
            })
            .await
            .map_err(sign_err)?;
        unsigned
            .finish(cert, &signature)
            .map_err(AppError::internal)
    }

    /// The signer of an external seal, with its certificate and seal data; None for a seal Yiyin
    /// signs itself.
    fn external_signer(&self, seal: &SealRecord) -> Result<Option<(HttpSigner, Certified)>> {
        let Some(url) = &seal.signer_url else {
            return Ok(None);
        };
        let (cert, eseal) = self.keyring().certificate(seal.id).ok_or_else(|| {
            AppError::Unavailable(format!(
                "外部签章系统的印章「{}」没有登记证书和电子印章数据",
                seal.name
            ))
        })?;
        let signer = HttpSigner::new(HttpSigner::client(), url, &seal.public_key, &cert);
        Ok(Some((signer, (cert, eseal))))
    }

    /// One round of the sealing worker: has every waiting document signed by its external seal.
    /// A document the county's system cannot sign now keeps waiting with the reason on it.
    /// Returns how many were sealed.
    pub async fn seal_waiting(&self) -> Result<usize> {
        let mut sealed = 0;
        for doc in self.store.documents_awaiting_seal(BATCH).await? {
            match self.seal_externally(&doc).await {
                Ok(()) => sealed += 1,
                Err(e) => {
                    let problem = format!("外部签章系统尚未加盖电子印章：{e}");
                    tracing::warn!(document = doc.id, %problem, "not sealed yet");
                    if doc.seal_problem.as_deref() != Some(problem.as_str()) {
                        let mut tx = self.store.begin_write().await?;
                        tx.set_document_seal_problem(doc.id, &problem).await?;
                        tx.commit().await?;
                    }
                }
            }
        }
        Ok(sealed)
    }

    /// One round of push signing: has every push waiting for its external seal's signature signed
    /// (its canonical payload, exactly as delivered) and the signature put on it, after which the
    /// delivery worker sends it. One the county's system cannot sign now keeps waiting, the reason
    /// as its last error. Returns how many were signed.
    pub async fn sign_waiting_pushes(&self) -> Result<usize> {
        let mut signed = 0;
        for push in self.store.pushes_awaiting_signature(None, BATCH).await? {
            let Some(seal_id) = push.seal_id else {
                continue;
            };
            let outcome: Result<Vec<u8>> = async {
                let seal = self.store.seal(seal_id).await?;
                let (signer, _) = self.external_signer(&seal)?.ok_or_else(|| {
                    AppError::Conflict(format!("印章「{}」不是外部签章系统的印章", seal.name))
                })?;
                signer
                    .sign(SignRequest {
                        seal_id,
                        what: Signing::Push(&push.idempotency_key),
                        message: push.payload.as_bytes(),
                    })
                    .await
                    .map_err(sign_err)
            }
            .await;
            let mut tx = self.store.begin_write().await?;
            match outcome {
                Ok(signature) => {
                    if tx
                        .set_push_signature(push.id, &yiyin_seal::hex(&signature))
                        .await?
                    {
                        signed += 1;
                    }
                }
                Err(e) => {
                    let problem = format!("等待外部签章系统签名：{e}");
                    tracing::warn!(push = push.id, %problem, "push not signed yet");
                    tx.set_push_signing_problem(push.id, &problem).await?;
                }
            }
            tx.commit().await?;
        }
        Ok(signed)
    }

    /// Has a waiting document signed by its external seal: the record, the PDF and the OFD, the
    /// files kept, then everything recorded at once.
    async fn seal_externally(&self, doc: &StoredDocument) -> Result<()> {
        let seal_id = doc
            .seal_pending
            .ok_or_else(|| AppError::internal("document not waiting"))?;
        let seal = self.store.seal(seal_id).await?;
        let (signer, (cert, eseal)) = self.external_signer(&seal)?.ok_or_else(|| {
            AppError::Conflict(format!("印章「{}」不是外部签章系统的印章", seal.name))
        })?;
        let at = Utc::now();
        let document = serde_json::to_value(&doc.record).map_err(AppError::internal)?;
        let record = self
            .sealed_by(&signer, &seal, Signing::Document(doc.id), document, at)
            .await?;
        let code = self.code_of(doc).await?;
        let pdf = self.signed_pdf(&signer, &record, doc, &code).await?;
        let ofd = self
            .signed_ofd(&signer, (&cert, &eseal), &record, doc, &code)
            .await?;
        let (pdf_digest, ofd_digest) = (self.blobs.put(&pdf).await?, self.blobs.put(&ofd).await?);
        // A case's document, or a drawing review's certificate (bound to no case).
        let (jurisdiction, whose, data) = match (doc.case_id, doc.drawing_review_id) {
            (Some(case_id), _) => {
                let case = self.store.case(case_id).await?;
                (
                    case.jurisdiction,
                    format!("办件{}的文书", case.number),
                    json!({"case": case_id, "document": doc.id, "seal": seal_id}),
                )
            }
            (None, Some(review)) => (
                self.review_record(review).await?.body.0.jurisdiction,
                format!("第 {review} 号施工图审查的"),
                json!({"drawing_review": review, "document": doc.id, "seal": seal_id}),
            ),
            (None, None) => return Err(AppError::internal("document bound to nothing")),
        };
        let mut tx = self.store.begin_write().await?;
        tx.set_document_sealed(doc.id, &record.to_json(), seal_id, &pdf_digest, &ofd_digest)
            .await?;
        tx.append_events(&[NewEvent::new(
            &Actor::system(),
            at,
            &jurisdiction,
            None,
            "document_sealed_externally",
            format!(
                "外部签章系统为{whose}《{}》（{}）加盖电子印章「{}」",
                doc.record.title, doc.record.number, seal.name
            ),
            data,
        )])
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
