//! The e-archive: a closed case's package (its record, every sealed document as JSON and PDF, every
//! material, its events), built with `yiyin-archive`, signed by the seal that decided it, verified
//! before it is kept, stored in the blob store and registered; and the daily chain head signed by
//! the platform seal. The background worker builds both; a staff download builds a package on
//! demand when the worker has not reached the case yet.

use yiyin_domain::authz::Operation;
use yiyin_domain::calendar::{fmt_date, local_time};
use yiyin_store::Store;
use yiyin_store::archive::PublishedHead;
use yiyin_store::events::chain_root;

use crate::App;
use crate::error::{AppError, Result};
use crate::principal::Principal;

impl App {
    /// The package of a closed case: from the blob store when built before, else built now,
    /// verified, kept and registered. Returns (file name, bytes).
    pub async fn package_of(&self, case_id: i64) -> Result<(String, Vec<u8>)> {
        let record = self.store.case(case_id).await?;
        let name = format!("电子档案-{}.zip", record.number);
        if let Some(digest) = self.store.archive_of(case_id).await? {
            return Ok((name, self.blobs.get(&digest).await?));
        }
        if !record.case.is_closed() {
            return Err(AppError::Conflict(
                "办件尚未办结，办结后才生成电子档案包".into(),
            ));
        }
        let org = self.org();
        let j = org
            .jurisdiction(&record.jurisdiction)
            .ok_or_else(|| AppError::internal(format!("jurisdiction {}", record.jurisdiction)))?;
        let holder = yiyin_domain::org::Issuer::of(
            j,
            &record.department,
            record.handling_mode,
            &record.unit,
            self.today(),
        )
        .seal_holder;
        let ring = self.keyring();
        // A holder whose seal the county's own e-seal system keeps: the platform's seal signs the
        // package (the documents in it carry the holder's).
        let (seal, key) = ring
            .for_holder(&record.jurisdiction, &holder)
            .or_else(|| {
                ring.external_for_holder(&record.jurisdiction, &holder)
                    .and(ring.platform())
            })
            .ok_or_else(|| {
                AppError::Unavailable("签发机关的印章密钥未加载，暂时不能生成电子档案包".into())
            })?
            .clone();
        let (mut documents, mut unsealed) = (Vec::new(), Vec::new());
        for doc in self.store.case_documents(case_id).await? {
            let stem = format!("{}-{}", doc.record.number, doc.record.title);
            match &doc.sealed {
                Some(json) => {
                    documents.push((format!("{stem}.json"), json.clone().into_bytes()));
                    let pdf = self.pdf_of(&doc).await?;
                    documents.push((format!("{stem}.pdf"), pdf));
                    let ofd = self.ofd_of(&doc).await?;
                    documents.push((format!("{stem}.ofd"), ofd));
                }
                None if doc.seal_pending.is_some() => {
                    return Err(AppError::Unavailable(format!(
                        "文书《{}》（{}）尚待外部签章系统加盖电子印章，加盖后才生成电子档案包",
                        doc.record.title, doc.record.number
                    )));
                }
                // Issued before the seals were switched on: the unsealed record, as it was issued.
                None => unsealed.push((
                    format!("{stem}.json"),
                    serde_json::to_vec_pretty(&doc.record).map_err(AppError::internal)?,
                )),
            }
        }
        let mut materials = Vec::new();
        for a in self.store.attachments(case_id).await? {
            materials.push((
                format!("{}-{}", a.material_code, a.file_name),
                self.blobs.get(&a.digest).await?,
            ));
        }
        let contents = yiyin_archive::Contents {
            case_number: record.number.clone(),
            jurisdiction: record.jurisdiction.clone(),
            item: record.item_name.clone(),
            applicant: record.applicant.name.clone(),
            state: record.state.label().to_string(),
            case: serde_json::to_value(&record).map_err(AppError::internal)?,
            events: self.store.case_events(case_id).await?,
            documents,
            unsealed,
            materials,
        };
        let created_at = local_time(self.now());
        let info = crate::seals::info(&seal);
        let (bytes, report) = tokio::task::spawn_blocking(move || {
            let bytes = yiyin_archive::build(&contents, &info, &key, &created_at)?;
            // Never keep a package that would not verify.
            let report = yiyin_archive::verify(&bytes)?;
            Ok::<_, yiyin_archive::ArchiveError>((bytes, report))
        })
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
        let manifest = serde_json::to_vec(&report.manifest).map_err(AppError::internal)?;
        let digest = self.blobs.put(&bytes).await?;
        let mut tx = self.store.begin_write().await?;
        tx.save_archive(
            case_id,
            &digest,
            &yiyin_seal::sm3_hex(&manifest),
            self.now().timestamp_millis(),
        )
        .await?;
        tx.commit().await?;
        // Built at the same moment on another server too (a staff download beside the sweep): the
        // package registered first is the case's, and every server answers with it.
        match self.store.archive_of(case_id).await? {
            Some(kept) if kept != digest => Ok((name, self.blobs.get(&kept).await?)),
            _ => Ok((name, bytes)),
        }
    }

    /// A closed case's package, for staff whose duty covers the case.
    pub async fn download_package(
        &self,
        who: &Principal,
        case_id: i64,
    ) -> Result<(String, Vec<u8>)> {
        let record = self.store.case(case_id).await?;
        who.require(Operation::ViewCase, &self.case_scope(&record))?;
        self.require_identifying_file(who, &record, "电子档案包")
            .await?;
        self.package_of(case_id).await
    }

    /// Builds the packages of up to `limit` closed cases that have none yet and whose turn has
    /// come. Each is taken with a lease, so that several servers never build the same package; a
    /// case that fails is logged, kept with its error and tried again after a back-off
    /// ([`archive_retry_after`]) while the sweep moves on to the next. Returns how many were built.
    #[tracing::instrument(skip_all)]
    pub async fn archive_sweep(&self, limit: i64) -> Result<usize> {
        let mut built = 0;
        let now = self.now().timestamp_millis();
        for id in self.store.cases_to_archive(now, limit).await? {
            let lease = self.now().timestamp_millis() + ARCHIVE_LEASE_MS;
            let mut tx = self.store.begin_write().await?;
            let claimed = tx
                .claim_archive(id, self.now().timestamp_millis(), lease)
                .await?;
            tx.commit().await?;
            if !claimed {
                continue;
            }
            match self.package_of(id).await {
                Ok(_) => built += 1,
                Err(e) => {
                    let attempts = self.store.archive_attempts(id).await?.map_or(0, |a| a.0);
                    let retry = self.now().timestamp_millis() + archive_retry_after(attempts + 1);
                    tracing::warn!(case = id, attempts = attempts + 1, error = %e, "archive package not built");
                    let mut tx = self.store.begin_write().await?;
                    tx.archive_failed(id, lease, retry, &e.to_string()).await?;
                    tx.commit().await?;
                }
            }
        }
        Ok(built)
    }

    /// Publishes today's chain head with the platform seal, unless already published today.
    #[tracing::instrument(skip_all)]
    pub async fn publish_head(&self) -> Result<Option<PublishedHead>> {
        publish_head(&self.store, &self.keyring(), self.now()).await
    }
}

/// How long a server holds a case whose package it builds: another takes the case over after this
/// when the server stopped meanwhile.
const ARCHIVE_LEASE_MS: i64 = 10 * 60 * 1000;

/// How long after its `attempts`-th failure a case's package is tried again (milliseconds): a
/// minute, doubled at each failure, at most a day.
pub fn archive_retry_after(attempts: i64) -> i64 {
    const MINUTE: i64 = 60 * 1000;
    const DAY: i64 = 24 * 60 * MINUTE;
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    (MINUTE << doublings).min(DAY)
}

/// Publishes the chain head of the day of `at` with the platform seal, unless published already
/// (the CLI's `yiyin audit verify --head` calls it without a server).
pub async fn publish_head(
    store: &Store,
    keyring: &crate::Keyring,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Option<PublishedHead>> {
    let day = fmt_date(yiyin_domain::calendar::local_date(at));
    if store.head_published(&day).await? {
        return Ok(None);
    }
    let Some((seal, key)) = keyring.platform() else {
        return Ok(None);
    };
    let heads = store.chain_heads_now().await?;
    let seq = heads.iter().map(|h| h.seq).max().unwrap_or(0);
    let hash = chain_root(heads.iter().map(|h| (h.chain, h.pos, h.hash.as_str())));
    let signature = yiyin_seal::hex(&key.sign(&PublishedHead::message(&day, seq, &hash)));
    let head = PublishedHead {
        day,
        seq,
        hash,
        signed_at: local_time(at),
        seal_id: seal.id,
        signature,
    };
    let mut tx = store.begin_write().await?;
    let inserted = tx.insert_head(&head, &heads).await?;
    tx.commit().await?;
    Ok(inserted.then_some(head))
}

#[cfg(test)]
mod tests {
    use super::archive_retry_after;

    #[test]
    fn archive_retries_back_off_from_a_minute_to_a_day() {
        assert_eq!(archive_retry_after(1), 60_000);
        assert_eq!(archive_retry_after(2), 120_000);
        assert_eq!(archive_retry_after(5), 16 * 60_000);
        assert_eq!(archive_retry_after(12), 24 * 60 * 60_000);
        assert_eq!(archive_retry_after(i64::MAX), 24 * 60 * 60_000);
        assert_eq!(archive_retry_after(0), 60_000);
    }
}
