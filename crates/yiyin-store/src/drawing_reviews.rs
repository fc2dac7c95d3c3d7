//! Storage of central drawing reviews (集中图审): each review kept whole as JSON (the domain's
//! `DrawingReview`: assignment, draw, rounds, opinions, certificate) beside the columns lists and the
//! rotation look up — the project, the institution, the state and the certificate's number. A write
//! names the version it read (optimistic concurrency). The rules are
//! `yiyin_domain::drawing_review`'s.

use yiyin_domain::drawing_review::DrawingReview;

use crate::paging::IdPage;
use crate::rows::{Json, insert, record, select, sql};
use crate::{Conflict, Result, Store, StoreError, WriteTx};

record! {
    /// A review as stored.
    #[derive(Debug, Clone)]
    pub struct ReviewRecord {
        pub id: i64,
        pub jurisdiction: String,
        pub project_id: i64,
        pub institution: String,
        pub state: String,
        pub body: Json<DrawingReview>,
        pub version: i64,
        pub created_at: i64,
        pub updated_at: i64,
    }
}

impl WriteTx {
    /// Writes a new review; returns its id.
    pub async fn insert_drawing_review(&mut self, r: &DrawingReview, at_ms: i64) -> Result<i64> {
        insert!("drawing_reviews";
            jurisdiction = &r.jurisdiction, project_id = r.project_id,
            institution = &r.institution.code, state = r.state().code(),
            body = serde_json::to_string(r)?, created_at = at_ms, updated_at = at_ms;
            "RETURNING id")
        .scalar(&mut **self)
        .await
    }

    /// Rewrites a review read at `version`: a conflict when someone wrote it meanwhile.
    pub async fn update_drawing_review(
        &mut self,
        id: i64,
        version: i64,
        r: &DrawingReview,
        at_ms: i64,
    ) -> Result<()> {
        let number = r.certificate.as_ref().map(|c| c.number.clone());
        sql!(
            "UPDATE drawing_reviews SET state = $1, body = $2, certificate_no = $3,
             version = version + 1, updated_at = $4 WHERE id = $5 AND version = $6";
            r.state().code(), serde_json::to_string(r)?, number, at_ms, id, version)
        .changed_one(&mut **self)
        .await?
        .then_some(())
        .ok_or(StoreError::Conflict(Conflict::Changed("drawing review")))
    }

    /// The institution of the jurisdiction's last review (the rotation's place), as this
    /// transaction sees it.
    pub async fn last_drawing_institution(&mut self, jurisdiction: &str) -> Result<Option<String>> {
        sql!("SELECT institution FROM drawing_reviews WHERE jurisdiction = $1
              ORDER BY id DESC LIMIT 1"; jurisdiction)
        .optional_scalar(&mut **self)
        .await
    }

    /// The review that issued the certificate of the project a bundle is a stage of, if issued,
    /// as this transaction sees it.
    pub async fn certified_review_of_bundle(
        &mut self,
        bundle_id: i64,
    ) -> Result<Option<ReviewRecord>> {
        let from = "drawing_reviews WHERE certificate_no IS NOT NULL
                    AND project_id = (SELECT project_id FROM bundles WHERE id = $1)
                    ORDER BY id LIMIT 1";
        sql!(select::<ReviewRecord>(from); bundle_id)
            .optional(&mut **self)
            .await
    }

    /// How many certificates the jurisdiction issued in a year (their numbers' serial).
    pub async fn drawing_certificates_in(&mut self, jurisdiction: &str, year: i32) -> Result<i64> {
        sql!("SELECT COUNT(*) FROM drawing_reviews WHERE jurisdiction = $1
              AND certificate_no LIKE $2"; jurisdiction, format!("%〔{year}〕%"))
        .scalar(&mut **self)
        .await
    }
}

impl Store {
    /// A review.
    pub async fn drawing_review(&self, id: i64) -> Result<Option<ReviewRecord>> {
        sql!(select::<ReviewRecord>("drawing_reviews WHERE id = $1"); id)
            .optional(self.reader())
            .await
    }

    /// The project a received bundle is a stage of, if any.
    pub async fn project_of_bundle(&self, bundle_id: i64) -> Result<Option<i64>> {
        let found: Option<Option<i64>> =
            sql!("SELECT project_id FROM bundles WHERE id = $1"; bundle_id)
                .optional_scalar(self.reader())
                .await?;
        Ok(found.flatten())
    }

    /// The reviews of a project, oldest first.
    pub async fn drawing_reviews_of_project(&self, project_id: i64) -> Result<Vec<ReviewRecord>> {
        sql!(select::<ReviewRecord>("drawing_reviews WHERE project_id = $1 ORDER BY id"); project_id)
            .all(self.reader())
            .await
    }

    /// A page of the reviews of a jurisdiction, newest first, before the review `after` (keyset
    /// pagination), `limit` a page (1 to 1 000), with how many there are; of one institution when
    /// `institution` is given.
    pub async fn drawing_review_page(
        &self,
        jurisdiction: &str,
        institution: Option<&str>,
        after: Option<i64>,
        limit: i64,
    ) -> Result<IdPage<ReviewRecord>> {
        let limit = limit.clamp(1, 1000);
        let filter = "jurisdiction = $1 AND ($2 = '' OR institution = $2)";
        let institution = institution.unwrap_or("");
        let rows: Vec<ReviewRecord> = sql!(
            select::<ReviewRecord>(&format!(
                "drawing_reviews WHERE {filter} AND id < $3 ORDER BY id DESC LIMIT $4"
            ));
            jurisdiction, institution, after.unwrap_or(i64::MAX), limit + 1)
        .all(self.reader())
        .await?;
        let count = sql!(format!("SELECT COUNT(*) FROM drawing_reviews WHERE {filter}");
            jurisdiction, institution)
        .scalar(self.reader())
        .await?;
        Ok(IdPage::cut(rows, limit, count, |r| r.id))
    }
}
