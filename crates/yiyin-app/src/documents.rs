//! Sealed documents: a document's PDF (rendered once from its sealed record and kept in the blob
//! store, so every download is the same file), and the verification of a PDF or JSON — its
//! signature, the seal in the register, the document in the register, the licence's status today —
//! shared by the public page, the API and `yiyin verify --online`.
//!
//! Public lookups by number are minimal: document numbers follow the case numbers, so anyone can
//! enumerate them. By number alone a visitor learns whether the document is genuine and in force,
//! its kind, issuer and date, and the holder's name as announcements show it (a person's masked,
//! an organisation's in full: public registration data). The full record needs what only the
//! holder has: the file itself (uploaded), or the random verification code printed on the document
//! and carried by its QR code (or the case's query code).

use serde::Serialize;
use yiyin_domain::calendar::fmt_date;
use yiyin_domain::catalog::LicenceEntry;
use yiyin_domain::engine::DocumentKind;
use yiyin_domain::licence::LicenceStatus;
use yiyin_domain::party::SubjectKind;
use yiyin_domain::references::{self, Reference};
use yiyin_seal::SealedDocument;
use yiyin_store::Store;
use yiyin_store::documents::StoredDocument;
use yiyin_store::licences::Licence;
use yiyin_store::seals::SealRecord;

use crate::App;
use crate::error::{AppError, Result};
use crate::principal::Principal;

/// The outcome of verifying a file, as the public page and the API show it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Verdict {
    /// Genuine, untouched, signed by one of our seals, registered, and (for a licence) in force.
    pub valid: bool,
    /// Whether the signature (of the record, and of the PDF as a whole) is right.
    pub signature_valid: bool,
    /// Every reason it is not valid, in Chinese.
    pub problems: Vec<String>,
    pub title: Option<String>,
    pub number: Option<String>,
    pub agency: Option<String>,
    pub recipient: Option<String>,
    pub issued_on: Option<String>,
    pub seal_name: Option<String>,
    pub seal_id: Option<i64>,
    pub signed_at: Option<String>,
    pub licence_identifier: Option<String>,
    /// 有效、已变更、已撤销、已注销、已过期.
    pub licence_status: Option<String>,
    pub licence_valid_until: Option<String>,
    /// Whether this is the full record (the file, or the number with its verification code, was
    /// given); otherwise a person's name is masked.
    pub complete: bool,
    /// A licence's contents (证照模板), a person's name, ID number and address masked unless
    /// `complete`.
    pub contents: Vec<LicenceEntry>,
    /// A simulated document (模拟运行): signed with the simulation seal, of no legal effect.
    pub simulated: bool,
    /// For an OFD signed with a GB/T 38540 seal: the certificate chain, the signer's certificate
    /// first, up to the root (each in Chinese: subject, serial, validity, trust or revocation).
    pub certificate_chain: Vec<String>,
}

impl Verdict {
    fn invalid(problem: String) -> Self {
        Verdict {
            valid: false,
            signature_valid: false,
            problems: vec![problem],
            title: None,
            number: None,
            agency: None,
            recipient: None,
            issued_on: None,
            seal_name: None,
            seal_id: None,
            signed_at: None,
            licence_identifier: None,
            licence_status: None,
            licence_valid_until: None,
            contents: vec![],
            complete: true,
            simulated: false,
            certificate_chain: vec![],
        }
    }

    /// What a lookup by number alone may show: the recipient as public pages name a party of
    /// `kind`.
    fn masked(mut self, kind: SubjectKind) -> Self {
        self.recipient = self.recipient.map(|r| kind.public_name(&r));
        for entry in &mut self.contents {
            entry.value = entry.public_value();
        }
        self.complete = false;
        self
    }
}

/// A new document's verification code: 12 random characters without look-alikes (31^12, about
/// 2^59 possibilities), unrelated to its number.
pub fn verification_code() -> String {
    crate::accounts::random_code(12)
}

/// Whether `given` is the code printed on the document (or the query code of its case, if it has
/// one), ignoring case and spaces.
fn code_matches(given: &str, doc: &StoredDocument, query_code: Option<&str>) -> bool {
    let given = references::compact(given);
    !given.is_empty()
        && (doc.verification_code.as_deref() == Some(given.as_str())
            || query_code.is_some_and(|q| given == q.to_uppercase()))
}

/// Why a document has no seal yet, as its reader is told (None when sealed, or when it was never to
/// be): it waits for the county's own e-seal system. Staff learn the reason the last attempt failed
/// (or that signing is under way); the applicant only that the seal is on its way.
pub fn seal_waiting(doc: &StoredDocument, staff: bool) -> Option<String> {
    match (&doc.sealed, doc.seal_pending) {
        (None, Some(_)) if staff => Some(
            doc.seal_problem
                .clone()
                .unwrap_or_else(|| "正在请求外部签章系统签章，请稍后刷新".into()),
        ),
        (None, Some(_)) => Some("电子印章正在加盖，请稍后再下载电子文书".into()),
        _ => None,
    }
}

/// A document's sealed record; why there is none, in Chinese (never sealed, or still waiting for
/// the county's own e-seal system).
fn sealed_record(doc: &StoredDocument) -> Result<SealedDocument> {
    match (&doc.sealed, doc.seal_pending) {
        (Some(json), _) => SealedDocument::from_json(json).map_err(AppError::internal),
        (None, Some(_)) => Err(AppError::Unavailable(format!(
            "这份文书正在等待外部签章系统加盖电子印章，加盖后才能生成电子文件{}",
            doc.seal_problem
                .as_deref()
                .map(|p| format!("（{p}）"))
                .unwrap_or_default()
        ))),
        (None, None) => Err(AppError::Conflict(
            "这份文书未加盖电子印章（签发时电子印章未启用），不能生成电子文件".into(),
        )),
    }
}

/// What the register says of a sealed document.
#[derive(Debug, Clone)]
pub struct RegistryCheck {
    pub seal: Option<SealRecord>,
    pub document: Option<StoredDocument>,
    /// Whether the registered document of that number is this one.
    pub matches: bool,
    pub licence: Option<Licence>,
    pub licence_status: Option<LicenceStatus>,
    /// Whether the document must be in the register: every document of a case; not a monthly
    /// report (made on demand, bound to no case, trusted by its seal's signature alone).
    pub must_be_registered: bool,
}

impl RegistryCheck {
    /// Every reason the register gives for not trusting the document, in Chinese.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.seal.is_none() {
            out.push("签章所用的印章不是本平台登记的电子印章".to_string());
        }
        match &self.document {
            None if !self.must_be_registered => {}
            None => out.push("本平台没有登记这份文书".to_string()),
            Some(_) if !self.matches => out.push("与本平台登记的同文号文书内容不一致".to_string()),
            _ => {}
        }
        if let Some(status) = self.licence_status
            && status != LicenceStatus::Valid
        {
            out.push(format!("证照当前状态为“{}”，不再有效", status.label()));
        }
        out
    }
}

/// What the register says of a sealed document, as of `today` (the CLI's `yiyin verify --registry`
/// asks it of a store directly).
pub async fn registry_check(
    store: &Store,
    sealed: &SealedDocument,
    today: chrono::NaiveDate,
) -> Result<RegistryCheck> {
    let seal = store.seal_by_public_key(&sealed.seal.public_key).await?;
    let number = sealed.document["number"].as_str().unwrap_or_default();
    let document = store.document_by_number(number).await?;
    let matches = document
        .as_ref()
        .and_then(|d| d.sealed.as_deref())
        .and_then(|s| SealedDocument::from_json(s).ok())
        .is_some_and(|registered| &registered == sealed);
    let licence = match sealed.document["identifier"].as_str() {
        Some(id) => store.licence(id).await?,
        None => None,
    };
    let licence_status = licence.as_ref().map(|l| l.status_on(today));
    let must_be_registered = sealed.document["kind"].as_str() != Some("monthly_report");
    Ok(RegistryCheck {
        seal,
        document,
        matches,
        licence,
        licence_status,
        must_be_registered,
    })
}

impl App {
    /// The address a document's QR code leads to: its number and verification code.
    pub fn verify_url(&self, number: &str, code: &str) -> String {
        format!(
            "{}/verify?number={}&code={}",
            self.public_url(),
            crate::encode_query(number),
            crate::encode_query(code)
        )
    }

    /// A document of a case, for those who may see the case.
    pub async fn document_of(
        &self,
        who: &Principal,
        case_id: i64,
        doc: i64,
    ) -> Result<StoredDocument> {
        let record = self.case_for(who, case_id).await?;
        let d = self.store.document(doc).await?;
        if d.case_id != Some(case_id) {
            return Err(AppError::NotFound(format!(
                "办件{}没有编号为{doc}的文书",
                record.number
            )));
        }
        // A bundle's member result is out with the bundle's release only (统一出件).
        let what = format!("《{}》", d.record.title);
        self.require_released(who, &record, d.record.kind, &what)
            .await?;
        self.require_identifying_file(who, &record, &format!("文书{what}"))
            .await?;
        Ok(d)
    }

    /// The PDF of a sealed document: from the blob store when rendered before (or signed by an
    /// external e-seal system), else rendered and signed with the seal's key now (and kept, so
    /// that every download is the same file).
    pub async fn pdf_of(&self, doc: &StoredDocument) -> Result<Vec<u8>> {
        if let Some(digest) = &doc.pdf_digest {
            return Ok(self.blobs.get(digest).await?);
        }
        let sealed = sealed_record(doc)?;
        let ring = self.keyring();
        let key = if crate::simulation::is_simulated(&sealed) {
            crate::simulation::simulation_key()
        } else {
            &ring
                .by_id(sealed.seal.id)
                .ok_or_else(|| {
                    AppError::Unavailable(
                        "签发这份文书的印章密钥未加载，暂时不能生成电子文件".into(),
                    )
                })?
                .1
        };
        let code = self.code_of(doc).await?;
        let signer = crate::signer::OwnSigner(key.clone());
        let pdf = self.signed_pdf(&signer, &sealed, doc, &code).await?;
        let digest = self.blobs.put(&pdf).await?;
        let mut tx = self.store.begin_write().await?;
        tx.set_document_pdf(doc.id, &digest).await?;
        tx.commit().await?;
        // Rendered at the same moment on another server: the file registered first is the
        // document's (the same bytes when both rendered alike, kept once by their digest).
        match self.store.document(doc.id).await?.pdf_digest {
            Some(kept) if kept != digest => Ok(self.blobs.get(&kept).await?),
            _ => Ok(pdf),
        }
    }

    /// A document's verification code, given one now if it was issued before codes (before its
    /// first PDF or OFD carries it).
    pub(crate) async fn code_of(&self, doc: &StoredDocument) -> Result<String> {
        if let Some(code) = &doc.verification_code {
            return Ok(code.clone());
        }
        let mut tx = self.store.begin_write().await?;
        tx.set_document_code(doc.id, &verification_code()).await?;
        tx.commit().await?;
        self.store
            .document(doc.id)
            .await?
            .verification_code
            .ok_or_else(|| AppError::internal("verification code not kept"))
    }

    /// The OFD of a sealed document (GB/T 33190, signed as GM/T 0099 lays out): the same pages as
    /// its PDF, signed with the seal's key at the time the document was sealed. The signature is
    /// deterministic (SM2 with RFC 6979 nonces), so every download is the same file without
    /// keeping it. One signed by an external e-seal system (whose signatures need not be
    /// reproducible) is kept in the blob store and served from there.
    pub async fn ofd_of(&self, doc: &StoredDocument) -> Result<Vec<u8>> {
        if let Some(digest) = &doc.ofd_digest {
            return Ok(self.blobs.get(digest).await?);
        }
        let sealed = sealed_record(doc)?;
        let ring = self.keyring();
        let (_, key) = ring.by_id(sealed.seal.id).ok_or_else(|| {
            AppError::Unavailable("签发这份文书的印章密钥未加载，暂时不能生成电子文件".into())
        })?;
        let (cert, eseal) = ring.certificate(sealed.seal.id).ok_or_else(|| {
            AppError::Unavailable(
                "签发这份文书的印章还没有证书和电子印章数据，暂时不能生成电子文件".into(),
            )
        })?;
        let code = self.code_of(doc).await?;
        let signer = crate::signer::OwnSigner(key.clone());
        self.signed_ofd(&signer, (&cert, &eseal), &sealed, doc, &code)
            .await
    }

    /// What the register says of a sealed document, as of today.
    pub async fn registry_check(&self, sealed: &SealedDocument) -> Result<RegistryCheck> {
        registry_check(&self.store, sealed, self.today()).await
    }

    /// Verifies the bytes of an uploaded PDF or JSON.
    #[tracing::instrument(skip_all)]
    pub async fn verify_bytes(&self, bytes: &[u8]) -> Result<Verdict> {
        let sealed = match yiyin_ofd::verify_any(bytes) {
            Ok(s) => s,
            Err(e) => {
                // Say which document it claims to be, if the record can be read.
                let claimed = yiyin_ofd::embedded_record_any(bytes).or_else(|| {
                    std::str::from_utf8(bytes)
                        .ok()
                        .and_then(|t| SealedDocument::from_json(t).ok())
                });
                let mut v = Verdict::invalid(e.to_string());
                if let Some(c) = claimed {
                    v.title = c.document["title"].as_str().map(str::to_string);
                    v.number = c.document["number"].as_str().map(str::to_string);
                    v.seal_name = Some(c.seal.name.clone());
                }
                return Ok(v);
            }
        };
        // A simulated document (模拟运行) is genuine as a rehearsal and nothing more.
        let simulated = crate::simulation::is_simulated(&sealed);
        let check = self.registry_check(&sealed).await?;
        let mut problems = if simulated {
            vec![yiyin_domain::simulation::NOT_LEGAL.to_string()]
        } else {
            check.problems()
        };
        // An OFD's seal: its certificate chain up to the trusted root, and revocation.
        let mut certificate_chain = Vec::new();
        if yiyin_ofd::is_ofd(bytes)
            && let Ok((_, signature)) = yiyin_ofd::verify_report(bytes)
            && let Some(ses) = &signature.seal
        {
            let (chain, chain_problems) = self::certificate_chain(&self.store, ses).await?;
            certificate_chain = chain;
            problems.extend(chain_problems);
        }
        let field = |k: &str| sealed.document[k].as_str().map(str::to_string);
        Ok(Verdict {
            valid: problems.is_empty(),
            signature_valid: true,
            problems,
            title: field("title"),
            number: field("number"),
            agency: field("agency"),
            recipient: field("recipient"),
            issued_on: field("issued_on"),
            seal_name: Some(sealed.seal.name.clone()),
            seal_id: Some(sealed.seal.id),
            signed_at: Some(sealed.signed_at.clone()),
            licence_identifier: check.licence.as_ref().map(|l| l.identifier.clone()),
            licence_status: check.licence_status.map(|s| s.label().to_string()),
            licence_valid_until: check
                .licence
                .as_ref()
                .and_then(|l| l.valid_until.map(fmt_date)),
            complete: true,
            contents: serde_json::from_value(sealed.document["contents"].clone())
                .unwrap_or_default(),
            simulated,
            certificate_chain,
        })
    }

    /// The registered facts of a document looked up by number or licence identifier (the QR
    /// code's page): minimal, a person's name masked, unless `code` is the document's verification
    /// code (or its case's query code).
    ///
    /// The number may be typed loosely (spaces, any brackets around the year, with or without 号,
    /// full-width, any case) or be the bare case number (then the case's licence, else its latest
    /// decision, else its latest document): [`references::parse`] reads it.
    #[tracing::instrument(skip_all)]
    pub async fn lookup(&self, number: &str, code: Option<&str>) -> Result<Option<Verdict>> {
        let reference = references::parse(number).map_err(|e| AppError::invalid(e.to_string()))?;
        let doc = match reference {
            None => return Ok(None),
            Some(Reference::Document(n)) => match self.store.document_by_number(&n).await? {
                Some(doc) => doc,
                None => return Ok(None),
            },
            Some(Reference::Licence(id)) => match self.store.licence(&id).await? {
                Some(Licence {
                    document_id: Some(doc),
                    ..
                }) => self.store.document(doc).await?,
                _ => return Ok(None),
            },
            Some(Reference::Case(n)) => match self.store.case_by_number(&n).await? {
                Some(case) => match self.case_reference_document(case.id).await? {
                    Some(doc) => doc,
                    None => return Ok(None),
                },
                None => return Ok(None),
            },
        };
        // A case's document: its query code opens it too, the applicant's name masked as the
        // case's announcements mask it. A drawing review's certificate (施工图审查合格书, bound to
        // no case) names its builder, an organisation (a credit code), in full.
        let (query_code, holder) = match doc.case_id {
            Some(case_id) => {
                let case = self.store.case(case_id).await?;
                // A bundle's member result not released yet is in no one's hands (统一出件).
                if self.result_release(&case).await?.holds(doc.record.kind) {
                    return Ok(None);
                }
                (Some(case.query_code), case.applicant.kind)
            }
            None => (None, SubjectKind::Organisation),
        };
        let verdict = match doc.sealed.as_deref() {
            Some(json) => self.verify_bytes(json.as_bytes()).await?,
            None => {
                let mut v =
                    Verdict::invalid("这份文书签发时未加盖电子印章，请以纸质文书为准".into());
                v.title = Some(doc.record.title.clone());
                v.number = Some(doc.record.number.clone());
                v.agency = Some(doc.record.agency.clone());
                v.recipient = Some(doc.record.recipient.clone());
                v.issued_on = Some(fmt_date(doc.record.issued_on));
                v.contents = doc.record.contents.clone();
                v
            }
        };
        Ok(Some(
            if code.is_some_and(|c| code_matches(c, &doc, query_code.as_deref())) {
                verdict
            } else {
                verdict.masked(holder)
            },
        ))
    }

    /// The document a bare case number stands for: the case's licence (the newest version), else
    /// its latest decision, else its latest document.
    async fn case_reference_document(&self, case_id: i64) -> Result<Option<StoredDocument>> {
        let docs = self.store.case_documents(case_id).await?;
        let rank = |d: &StoredDocument| match d.record.kind {
            DocumentKind::Licence => 2,
            DocumentKind::DecisionLetter | DocumentKind::CommitmentDecision => 1,
            _ => 0,
        };
        Ok(docs.into_iter().max_by_key(|d| (rank(d), d.id)))
    }
}

/// The chain of an OFD's seal certificate, in Chinese, and what is wrong with it: the maker's
/// certificate must be this installation's root, the signer's must not be revoked.
pub async fn certificate_chain(
    store: &Store,
    ses: &yiyin_seal::ses::SesCheck,
) -> Result<(Vec<String>, Vec<String>)> {
    let mut problems = Vec::new();
    let root = store.seal_authority().await?;
    let trusted = root.as_ref().is_some_and(|(a, _)| {
        yiyin_seal::unhex(&a.certificate).as_deref() == Some(&ses.maker_cert[..])
    }) || crate::seals::external_makers(store)
        .await?
        .contains(&ses.maker_cert);
    let revoked = store
        .seal_certificate_by_serial(&ses.signer.serial)
        .await?
        .filter(|c| {
            trusted
                && c.revoked_on.is_some()
                && yiyin_seal::unhex(&c.certificate).as_deref() == Some(&ses.signer_cert[..])
        });
    let s = &ses.signer;
    let mut signer = format!(
        "印章证书：{}（序列号 {}，有效期 {} 至 {}，由「{}」签发）",
        s.subject, s.serial, s.not_before, s.not_after, s.issuer
    );
    if let Some(c) = &revoked {
        let on = c.revoked_on.clone().unwrap_or_default();
        signer.push_str(&format!("——已于 {on} 吊销"));
        problems.push(format!(
            "印章证书（序列号 {}）已于 {on} 被制章机构吊销：{}",
            s.serial,
            c.revocation_reason.clone().unwrap_or_default()
        ));
    }
    let m = &ses.maker;
    let mut maker = format!(
        "根证书：{}（制章机构，有效期 {} 至 {}）",
        m.subject, m.not_before, m.not_after
    );
    if trusted {
        maker.push_str("——受信任");
    } else {
        maker.push_str("——不受信任");
        problems.push(
            "印章证书链不能追溯到本系统受信任的根证书：不是本系统制章机构或已登记的外部签章系统制作的印章"
                .into(),
        );
    }
    Ok((vec![signer, maker], problems))
}
