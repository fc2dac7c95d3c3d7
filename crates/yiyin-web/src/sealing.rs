//! Sealed documents on the web: a document's PDF (rendered once from its sealed record and kept in
//! the blob store), and the verification of an uploaded PDF or JSON against the signature and the
//! registry — shared by the public page and the API.

use serde::Serialize;
use yiyin_domain::calendar::fmt_date;
use yiyin_store::cases::StoredDocument;
use yiyin_store::seals::RegistryCheck;

use crate::error::AppError;
use crate::pages::encode;
use crate::state::AppState;

/// The address a document's QR code leads to.
pub fn verify_url(state: &AppState, number: &str) -> String {
    format!("{}/verify?number={}", state.public_url, encode(number))
}

/// The PDF of a sealed document: from the blob store when rendered before, else rendered now (and
/// kept, so that every download is the same file).
pub async fn pdf_of(state: &AppState, doc: &StoredDocument) -> Result<Vec<u8>, AppError> {
    if let Some(digest) = &doc.pdf_digest {
        return Ok(state.blobs.get(digest).await?);
    }
    let sealed_json = doc.sealed.as_deref().ok_or_else(|| {
        AppError::Conflict(
            "这份文书未加盖电子印章（签发时电子印章未启用），不能生成电子文件".into(),
        )
    })?;
    let sealed = yiyin_seal::SealedDocument::from_json(sealed_json)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let (_, key) = state.keyring.by_id(sealed.seal.id).ok_or_else(|| {
        AppError::Unavailable("签发这份文书的印章密钥未加载，暂时不能生成电子文件".into())
    })?;
    let url = verify_url(state, &doc.record.number);
    let record = doc.record.clone();
    let key = key.clone();
    let pdf = tokio::task::spawn_blocking(move || yiyin_pdf::render(&sealed, &record, &url, &key))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let digest = state.blobs.put(&pdf).await?;
    state.store.set_document_pdf(doc.id, &digest).await?;
    Ok(pdf)
}

/// The outcome of verifying a file, as the public page and the API show it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
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
}

/// Verifies the bytes of an uploaded PDF or JSON.
pub async fn verify_bytes(state: &AppState, bytes: &[u8]) -> Result<Verdict, AppError> {
    let sealed = match yiyin_pdf::verify_any(bytes) {
        Ok(s) => s,
        Err(e) => {
            // Say which document it claims to be, if the record can be read.
            let claimed = yiyin_pdf::embedded_record(bytes).or_else(|| {
                std::str::from_utf8(bytes)
                    .ok()
                    .and_then(|t| yiyin_seal::SealedDocument::from_json(t).ok())
            });
            return Ok(Verdict {
                valid: false,
                signature_valid: false,
                problems: vec![e.to_string()],
                title: claimed
                    .as_ref()
                    .and_then(|c| c.document["title"].as_str().map(str::to_string)),
                number: claimed
                    .as_ref()
                    .and_then(|c| c.document["number"].as_str().map(str::to_string)),
                agency: None,
                recipient: None,
                issued_on: None,
                seal_name: claimed.as_ref().map(|c| c.seal.name.clone()),
                seal_id: None,
                signed_at: None,
                licence_identifier: None,
                licence_status: None,
                licence_valid_until: None,
            });
        }
    };
    let check: RegistryCheck = state.store.registry_check(&sealed, state.today()).await?;
    let problems = check.problems();
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
        licence_valid_until: check.licence.as_ref().and_then(|l| l.valid_until.clone()),
    })
}

/// The registered facts of a document looked up by number (the QR code's page).
pub async fn lookup(state: &AppState, number: &str) -> Result<Option<Verdict>, AppError> {
    // A document number, or a licence identifier (its document is the licence's current sealing).
    let doc = match state.store.document_by_number(number).await? {
        Some(doc) => doc,
        None => match state.store.licence(number).await? {
            Some(l) => match l.document_id {
                Some(id) => state.store.document(id).await?,
                None => return Ok(None),
            },
            None => return Ok(None),
        },
    };
    match doc.sealed.as_deref() {
        Some(json) => verify_bytes(state, json.as_bytes()).await.map(Some),
        None => Ok(Some(Verdict {
            valid: false,
            signature_valid: false,
            problems: vec!["这份文书签发时未加盖电子印章，请以纸质文书为准".into()],
            title: Some(doc.record.title.clone()),
            number: Some(doc.record.number.clone()),
            agency: Some(doc.record.agency.clone()),
            recipient: None,
            issued_on: Some(fmt_date(doc.record.issued_on)),
            seal_name: None,
            seal_id: None,
            signed_at: None,
            licence_identifier: None,
            licence_status: None,
            licence_valid_until: None,
        })),
    }
}
