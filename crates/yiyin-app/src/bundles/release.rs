//! The release of a bundle's results to its applicant (统一出件, Art. 26): whether a member case's
//! results (its decision, its licence) are out yet — the one rule every way the applicant reaches a
//! result asks (the case view and pages, the document downloads, the licence view and list, public
//! verification with the query code, the case's tracking, electronic delivery) — and what the
//! release hands out at once: the electronic delivery of every member's results, and the one notice
//! of it. Staff see every result as issued. The rule is the domain's
//! ([`yiyin_domain::engine::joint::ResultRelease`]).

use yiyin_domain::engine::DocumentKind;
use yiyin_domain::engine::joint::{HELD_NOTICE, ResultRelease};

use super::*;

impl App {
    /// Whether a case's results are out to its applicant: outside a bundle always; a member case's
    /// once its bundle is released.
    pub async fn result_release(&self, record: &CaseRecord) -> Result<ResultRelease> {
        Ok(match record.bundle_id {
            None => ResultRelease::Own,
            Some(id) => ResultRelease::of(Some(
                self.store
                    .bundle(id)
                    .await?
                    .and_then(|b| b.body.0.released_on),
            )),
        })
    }

    /// The release as `who` meets it: staff see every result as issued (never held).
    pub async fn result_release_for(
        &self,
        who: &Principal,
        record: &CaseRecord,
    ) -> Result<ResultRelease> {
        if who.is_staff() {
            return Ok(ResultRelease::Own);
        }
        self.result_release(record).await
    }

    /// Refuses to hand `who` a result of `kind` (`what`: the document or licence, as they know it)
    /// held back until the bundle's release, naming the rule (403).
    pub async fn require_released(
        &self,
        who: &Principal,
        record: &CaseRecord,
        kind: DocumentKind,
        what: &str,
    ) -> Result<()> {
        if !self.result_release_for(who, record).await?.holds(kind) {
            return Ok(());
        }
        Err(AppError::Forbidden(
            self.held_refusal(record, what).await?.message,
        ))
    }

    /// The refusal to hand out a member's result (`what`) before its bundle's release, naming the
    /// bundle and the rule.
    pub(crate) async fn held_refusal(&self, record: &CaseRecord, what: &str) -> Result<Refusal> {
        let name = match record.bundle_id {
            Some(id) => self.bundle_ref(id).await?.map(|b| b.name),
            None => None,
        };
        Ok(ResultRelease::refusal(&name.unwrap_or_default(), what))
    }

    /// What the applicant of a case is told while its results are held (「一件事全部办结后统一
    /// 出件」), or None.
    pub(crate) fn held_notice(release: ResultRelease) -> Option<String> {
        release.held().then(|| HELD_NOTICE.to_string())
    }

    /// At the bundle's release, in its transaction: every member's results delivered
    /// electronically where the applicant consented to it on the member case (held back until
    /// now, see `App::deliver_issued`).
    pub(super) async fn deliver_released(
        &self,
        tx: &mut WriteTx,
        id: i64,
        at: DateTime<Utc>,
    ) -> Result<()> {
        for record in tx.bundle_cases(id).await? {
            if !self.conduct_in(tx, record.id).await?.notify_applicant {
                continue;
            }
            for doc in self.store.case_documents(record.id).await? {
                if ResultRelease::is_result(doc.record.kind) {
                    self.deliver_issued(tx, &record, doc.id, &doc.record, at)
                        .await?;
                }
            }
        }
        Ok(())
    }
}
