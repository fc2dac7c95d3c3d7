//! The e-archive on the server: a closed case's package (its record, every sealed document as JSON
//! and PDF, every material, its events) built with `yiyin-archive`, signed by the seal that decided
//! it, kept in the blob store and registered; and the daily chain head signed by the platform seal.
//! The background task calls both; the staff download builds a package on demand when the sweep has
//! not reached the case yet.

use yiyin_store::archive::PublishedHead;

use crate::error::AppError;
use crate::state::AppState;

/// The package of a closed case: from the blob store when built before, else built now, verified,
/// kept and registered. Returns (file name, bytes).
pub async fn package_of(state: &AppState, case_id: i64) -> Result<(String, Vec<u8>), AppError> {
    let record = state.store.case(case_id).await?;
    let name = format!("电子档案-{}.zip", record.number);
    if let Some(digest) = state.store.archive_of(case_id).await? {
        return Ok((name, state.blobs.get(&digest).await?));
    }
    if !record.case.is_closed() {
        return Err(AppError::Conflict(
            "办件尚未办结，办结后才生成电子档案包".into(),
        ));
    }
    let (seal, key) = state
        .keyring
        .for_holder(&record.jurisdiction, record.seal_holder())
        .ok_or_else(|| {
            AppError::Unavailable("签发机关的印章密钥未加载，暂时不能生成电子档案包".into())
        })?
        .clone();
    let (mut documents, mut unsealed) = (Vec::new(), Vec::new());
    for doc in state.store.case_documents(case_id).await? {
        let stem = format!("{}-{}", doc.record.number, doc.record.title);
        match &doc.sealed {
            Some(json) => {
                documents.push((format!("{stem}.json"), json.clone().into_bytes()));
                let pdf = crate::sealing::pdf_of(state, &doc).await?;
                documents.push((format!("{stem}.pdf"), pdf));
            }
            // Issued before the seals were switched on: the unsealed record, as it was issued.
            None => unsealed.push((
                format!("{stem}.json"),
                serde_json::to_vec_pretty(&doc.record)
                    .map_err(|e| AppError::Internal(e.to_string()))?,
            )),
        }
    }
    let mut materials = Vec::new();
    for a in state.store.attachments(case_id).await? {
        materials.push((
            format!("{}-{}", a.material_code, a.file_name),
            state.blobs.get(&a.digest).await?,
        ));
    }
    let contents = yiyin_archive::Contents {
        case_number: record.number.clone(),
        jurisdiction: record.jurisdiction.clone(),
        item: record.item_name.clone(),
        applicant: record.applicant.name.clone(),
        state: record.state.label().to_string(),
        case: serde_json::to_value(&record).map_err(|e| AppError::Internal(e.to_string()))?,
        events: state.store.case_events(case_id).await?,
        documents,
        unsealed,
        materials,
    };
    let created_at = yiyin_store::cases::local_time(state.now());
    let bytes = tokio::task::spawn_blocking(move || {
        let bytes = yiyin_archive::build(&contents, &seal.info(), &key, &created_at)?;
        // Never keep a package that would not verify.
        let report = yiyin_archive::verify(&bytes)?;
        Ok::<_, yiyin_archive::ArchiveError>((bytes, report))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
    .map_err(|e| AppError::Internal(e.to_string()))?;
    let (bytes, report) = bytes;
    let manifest =
        serde_json::to_vec(&report.manifest).map_err(|e| AppError::Internal(e.to_string()))?;
    let digest = state.blobs.put(&bytes).await?;
    state
        .store
        .save_archive(case_id, &digest, &yiyin_seal::sm3_hex(&manifest))
        .await?;
    Ok((name, bytes))
}

/// Builds the packages of up to `limit` closed cases that have none yet. Returns how many were built;
/// a case that fails is logged and tried again next time.
pub async fn archive_sweep(state: &AppState, limit: i64) -> Result<usize, AppError> {
    let mut built = 0;
    for id in state.store.cases_to_archive(limit).await? {
        match package_of(state, id).await {
            Ok(_) => built += 1,
            Err(e) => tracing::warn!(case = id, error = %e, "archive package not built"),
        }
    }
    Ok(built)
}

/// Publishes today's chain head with the platform seal, unless already published today.
pub async fn publish_head(state: &AppState) -> Result<Option<PublishedHead>, AppError> {
    let signed_at = yiyin_store::cases::local_time(state.now());
    Ok(state
        .store
        .publish_head(state.today(), &state.keyring, &signed_at)
        .await?)
}

/// The package as a download, for staff whose duty covers the case (the page and the API share it).
pub async fn download(
    state: &AppState,
    signed: &crate::auth::Signed,
    case_id: i64,
) -> Result<axum::response::Response, AppError> {
    let record = state.store.case(case_id).await?;
    signed.require(yiyin_domain::authz::Operation::ViewCase, &record.scope())?;
    let (name, bytes) = package_of(state, case_id).await?;
    Ok(crate::pages::file_response(
        "application/zip",
        &name,
        false,
        bytes,
    ))
}
