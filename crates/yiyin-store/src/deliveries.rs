//! Delivery of documents (送达, Art. 44): the applicant's consent to electronic delivery on a case
//! and the delivery of each document (one per document; a letter on its way is completed when its
//! receipt comes back).

use chrono::NaiveDate;
use yiyin_domain::delivery::{ConsentChannel, Delivery, DeliveryMethod};

use crate::rows::{day, insert, record, select, sql};
use crate::{Result, Store, WriteTx};

record! {
    /// The applicant's consent to electronic delivery on a case.
    #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
    pub struct DeliveryConsent {
        pub case_id: i64,
        pub channel: ConsentChannel,
        pub recorded_by: i64,
        pub consented_at: i64,
    }
}

record! {
    /// The delivery of a document.
    #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
    pub struct StoredDelivery {
        pub id: i64,
        pub case_id: i64,
        pub document_id: i64,
        pub method: DeliveryMethod,
        /// The case whose consent an electronic delivery relied on.
        pub consent_case: Option<i64>,
        pub recipient: String,
        pub recipient_id: String,
        pub signed_by: String,
        pub as_agent: bool,
        pub carrier: String,
        pub tracking_no: String,
        /// None while a letter is on its way.
        pub delivered_on: Option<NaiveDate>,
        pub recorded_by: i64,
        pub recorded_at: i64,
    }
}

impl WriteTx {
    /// Records the applicant's consent to electronic delivery on a case; false when consent was
    /// already recorded (the first stands).
    pub async fn record_delivery_consent(
        &mut self,
        case_id: i64,
        channel: ConsentChannel,
        recorded_by: i64,
        at_ms: i64,
    ) -> Result<bool> {
        sql!(
            "INSERT INTO delivery_consents (case_id, channel, recorded_by, consented_at)
             VALUES ($1, $2, $3, $4) ON CONFLICT (case_id) DO NOTHING";
            case_id, channel.code(), recorded_by, at_ms)
        .changed_one(&mut **self)
        .await
    }

    /// The consent on a case, read inside the transaction.
    pub async fn delivery_consent(&mut self, case_id: i64) -> Result<Option<DeliveryConsent>> {
        sql!(select::<DeliveryConsent>("delivery_consents WHERE case_id = $1"); case_id)
            .optional(&mut **self)
            .await
    }

    /// The delivery of a document, read inside the transaction.
    pub async fn delivery_of_document(
        &mut self,
        document_id: i64,
    ) -> Result<Option<StoredDelivery>> {
        sql!(select::<StoredDelivery>("deliveries WHERE document_id = $1"); document_id)
            .optional(&mut **self)
            .await
    }

    /// Records the delivery of a document; returns its id. A second delivery of the document is a
    /// conflict (one per document).
    pub async fn insert_delivery(
        &mut self,
        case_id: i64,
        document_id: i64,
        d: &Delivery,
        consent_case: Option<i64>,
        recorded_by: i64,
        at_ms: i64,
    ) -> Result<i64> {
        insert!("deliveries", d;
            case_id = case_id, document_id = document_id, method = d.method.code(),
            consent_case = consent_case, recipient = &d.recipient, recipient_id = &d.recipient_id,
            signed_by = &d.signed_by, as_agent = i64::from(d.as_agent), carrier = &d.carrier,
            tracking_no = &d.tracking_no, delivered_on = d.delivered_on.map(day),
            recorded_by = recorded_by, recorded_at = at_ms;
            "RETURNING id")
        .scalar(&mut **self)
        .await
    }

    /// Completes a letter on its way with the date on its returned receipt; false when it was no
    /// longer on its way.
    pub async fn complete_delivery(&mut self, id: i64, delivered_on: NaiveDate) -> Result<bool> {
        sql!(
            "UPDATE deliveries SET delivered_on = $1 WHERE id = $2 AND delivered_on IS NULL";
            day(delivered_on), id)
        .changed_one(&mut **self)
        .await
    }
}

impl Store {
    /// The applicant's consent to electronic delivery on a case, if given.
    pub async fn delivery_consent(&self, case_id: i64) -> Result<Option<DeliveryConsent>> {
        sql!(select::<DeliveryConsent>("delivery_consents WHERE case_id = $1"); case_id)
            .optional(self.reader())
            .await
    }

    /// The deliveries of a case's documents, oldest first.
    pub async fn case_deliveries(&self, case_id: i64) -> Result<Vec<StoredDelivery>> {
        sql!(select::<StoredDelivery>("deliveries WHERE case_id = $1 ORDER BY id"); case_id)
            .all(self.reader())
            .await
    }

    pub async fn delivery(&self, id: i64) -> Result<Option<StoredDelivery>> {
        sql!(select::<StoredDelivery>("deliveries WHERE id = $1"); id)
            .optional(self.reader())
            .await
    }
}
