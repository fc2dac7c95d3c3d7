//! Delivery of a case's documents (送达, Art. 44), outside the case's state machine: the applicant's
//! consent to electronic delivery (online on their own case, or written and recorded by the window),
//! the delivery of each decision and licence (electronic when issued with consent, in the issuing
//! transaction; window collection and post recorded by the window roles of the case's
//! jurisdiction; a letter completed when its receipt comes back), and each document's status.
//! Every act is an audited event of the case (`consent_delivery`, `deliver_document`).

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::json;
use yiyin_domain::authz::Operation;
use yiyin_domain::calendar::{fmt_date, local_date};
use yiyin_domain::delivery::{
    self, ConsentChannel, Delivery, DeliveryError, DeliveryFacts, DeliveryMethod, DeliveryRequest,
};
use yiyin_domain::documents::DocumentRecord;
use yiyin_domain::party::{Actor, SubjectId};
use yiyin_store::WriteTx;
use yiyin_store::cases::CaseRecord;
use yiyin_store::deliveries::{DeliveryConsent, StoredDelivery};
use yiyin_store::documents::StoredDocument;
use yiyin_store::events::NewEvent;

use crate::App;
use crate::cases::views::shows_identifiers;
use crate::error::{AppError, Result};
use crate::principal::Principal;

/// The event of a delivery.
pub const DELIVER: &str = "deliver_document";
/// The event of the applicant's consent to electronic delivery.
pub const CONSENT: &str = "consent_delivery";

impl From<DeliveryError> for AppError {
    fn from(e: DeliveryError) -> Self {
        match e {
            DeliveryError::Field { field, message } => AppError::field(field, message),
            DeliveryError::Refused(r) => AppError::Refused(r),
        }
    }
}

/// The consent to electronic delivery as shown.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsentView {
    /// `online` or `written`.
    pub channel: String,
    /// 网上确认 or 书面同意.
    pub channel_label: String,
    /// When (RFC 3339).
    pub at: String,
}

/// A delivery as shown.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryView {
    pub id: i64,
    /// `electronic`, `window` or `post`.
    pub method: String,
    /// 电子送达, 窗口领取 or 邮寄送达.
    pub method_label: String,
    pub recipient: String,
    /// The collector's ID number (masked for a reader whose duty does not need it).
    pub recipient_id: String,
    pub signed_by: String,
    pub as_agent: bool,
    pub carrier: String,
    pub tracking_no: String,
    /// YYYY-MM-DD; None while a letter is on its way.
    pub delivered_on: Option<String>,
}

/// A document of the case that is delivered, with its delivery.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentDelivery {
    pub document_id: i64,
    pub kind: yiyin_domain::engine::DocumentKind,
    pub title: String,
    pub number: String,
    pub issued_on: String,
    /// 未送达, 邮寄在途 or 已送达.
    pub status: String,
    pub delivered: bool,
    pub delivery: Option<DeliveryView>,
}

/// The delivery of a case's documents.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseDeliveries {
    pub case_id: i64,
    pub consent: Option<ConsentView>,
    pub documents: Vec<DocumentDelivery>,
    /// Whether the reader may record deliveries (the window roles of the case's jurisdiction).
    pub may_record: bool,
    /// Whether the reader may give (applicant) or record (window) the consent now.
    pub may_consent: bool,
}

fn facts<'a>(
    doc: &'a StoredDocument,
    record: &'a CaseRecord,
    consent: bool,
    existing: Option<&StoredDelivery>,
    today: NaiveDate,
) -> DeliveryFacts<'a> {
    DeliveryFacts {
        document_kind: doc.record.kind,
        document_title: &doc.record.title,
        document_issued_on: doc.record.issued_on,
        applicant: &record.applicant.name,
        consent,
        existing: existing.map(|d| (d.method, d.delivered_on.is_some())),
        today,
    }
}

fn consent_view(c: &DeliveryConsent) -> ConsentView {
    ConsentView {
        channel: c.channel.code().into(),
        channel_label: c.channel.label().into(),
        at: DateTime::<Utc>::from_timestamp_millis(c.consented_at)
            .map(yiyin_domain::calendar::local_time)
            .unwrap_or_default(),
    }
}

fn delivery_view(d: &StoredDelivery, full: bool) -> DeliveryView {
    let recipient_id = if full || d.recipient_id.is_empty() {
        d.recipient_id.clone()
    } else {
        SubjectId::parse_any(&d.recipient_id)
            .map(|id| id.masked())
            .unwrap_or_else(|_| yiyin_domain::ids::mask_middle(&d.recipient_id, 3, 2))
    };
    DeliveryView {
        id: d.id,
        method: d.method.code().into(),
        method_label: d.method.label().into(),
        recipient: d.recipient.clone(),
        recipient_id,
        signed_by: d.signed_by.clone(),
        as_agent: d.as_agent,
        carrier: d.carrier.clone(),
        tracking_no: d.tracking_no.clone(),
        delivered_on: d.delivered_on.map(fmt_date),
    }
}

fn status(d: Option<&StoredDelivery>) -> &'static str {
    match d {
        None => "未送达",
        Some(d) if d.delivered_on.is_none() => "邮寄在途",
        Some(_) => "已送达",
    }
}

/// The event of a delivery recorded (or of a letter's receipt).
fn delivery_event(
    actor: &Actor,
    at: DateTime<Utc>,
    record: &CaseRecord,
    title: &str,
    id: i64,
    document_id: i64,
    d: &Delivery,
) -> NewEvent {
    let reason = match (d.method, d.delivered_on) {
        (DeliveryMethod::Post, None) => {
            format!("《{title}》邮寄送达：{}，单号{}", d.carrier, d.tracking_no)
        }
        (DeliveryMethod::Window, Some(on)) => format!(
            "《{title}》窗口领取，{}签收{}，送达日期{}",
            d.signed_by,
            if d.as_agent { "（代领）" } else { "" },
            fmt_date(on)
        ),
        (m, Some(on)) => format!("《{title}》{}，送达日期{}", m.label(), fmt_date(on)),
        (m, None) => format!("《{title}》{}", m.label()),
    };
    NewEvent::new(
        actor,
        at,
        &record.jurisdiction,
        Some(record.id),
        DELIVER,
        reason,
        json!({
            "delivery": id,
            "document": document_id,
            "method": d.method.code(),
            "signed_by": d.signed_by,
            "as_agent": d.as_agent,
            "carrier": d.carrier,
            "tracking_no": d.tracking_no,
            "delivered_on": d.delivered_on.map(fmt_date),
        }),
    )
}

/// Writes the consent to electronic delivery on a case with its event, in `tx` (the consent on its
/// own case page, or with an online application); false when consent was recorded before.
pub(crate) async fn record_consent(
    tx: &mut WriteTx,
    who: &Principal,
    org: &yiyin_domain::org::Organisation,
    record: &CaseRecord,
    channel: ConsentChannel,
    at: DateTime<Utc>,
) -> Result<bool> {
    if !tx
        .record_delivery_consent(record.id, channel, who.account.id, at.timestamp_millis())
        .await?
    {
        return Ok(false);
    }
    tx.append_events(&[NewEvent::new(
        &who.actor(org),
        at,
        &record.jurisdiction,
        Some(record.id),
        CONSENT,
        format!("申请人同意电子送达（{}）", channel.label()),
        json!({"channel": channel.code()}),
    )])
    .await?;
    Ok(true)
}

impl App {
    /// Whether the account records deliveries on the case: the window roles of its jurisdiction.
    fn require_window(&self, who: &Principal, record: &CaseRecord) -> Result<()> {
        if !who.is_staff() {
            return Err(AppError::Forbidden(
                "无权登记送达：仅限本辖区窗口工作人员".into(),
            ));
        }
        who.require(Operation::Receive, &self.case_scope(record))
    }

    /// The delivery status of each decision and licence of a case, for those who may see it.
    pub async fn case_deliveries(&self, who: &Principal, case_id: i64) -> Result<CaseDeliveries> {
        let record = self.case_for(who, case_id).await?;
        let full = shows_identifiers(who, &self.case_scope(&record));
        let consent = self.store.delivery_consent(case_id).await?;
        let deliveries = self.store.case_deliveries(case_id).await?;
        // A bundle's member results are out with the bundle's release only (统一出件).
        let release = self.result_release_for(who, &record).await?;
        let documents = self
            .store
            .case_documents(case_id)
            .await?
            .into_iter()
            .filter(|d| delivery::is_delivered(d.record.kind) && !release.holds(d.record.kind))
            .map(|doc| {
                let d = deliveries.iter().find(|d| d.document_id == doc.id);
                DocumentDelivery {
                    document_id: doc.id,
                    kind: doc.record.kind,
                    title: doc.record.title.clone(),
                    number: doc.record.number.clone(),
                    issued_on: fmt_date(doc.record.issued_on),
                    status: status(d).into(),
                    delivered: d.is_some_and(|d| d.delivered_on.is_some()),
                    delivery: d.map(|d| delivery_view(d, full)),
                }
            })
            .collect();
        let may_record = self.require_window(who, &record).is_ok();
        let may_consent = consent.is_none() && (may_record || who.is_applicant_of(&record));
        Ok(CaseDeliveries {
            case_id,
            consent: consent.as_ref().map(consent_view),
            documents,
            may_record,
            may_consent,
        })
    }

    /// Records the applicant's consent to electronic delivery on their case: the applicant online,
    /// or the window recording the applicant's written consent. Consent given before stands.
    #[tracing::instrument(skip_all, fields(case = case_id))]
    pub async fn consent_electronic_delivery(
        &self,
        who: &Principal,
        case_id: i64,
    ) -> Result<CaseDeliveries> {
        let record = self.store.case(case_id).await?;
        let channel = if who.is_applicant_of(&record) {
            ConsentChannel::Online
        } else if who.is_staff() {
            self.require_window(who, &record)?;
            ConsentChannel::Written
        } else {
            return Err(AppError::Forbidden("无权操作：这不是您本人的办件".into()));
        };
        let at = self.now();
        let mut tx = self.store.begin_write().await?;
        if !record_consent(&mut tx, who, &self.org(), &record, channel, at).await? {
            return Err(AppError::Conflict(format!(
                "办件{}已记录同意电子送达",
                record.number
            )));
        }
        tx.commit().await?;
        self.case_deliveries(who, case_id).await
    }

    /// Records the delivery of a document of a case (window collection, post, or electronic with
    /// consent) by the window roles of the case's jurisdiction. A refused delivery changes nothing.
    #[tracing::instrument(skip_all, fields(case = case_id))]
    pub async fn record_delivery(
        &self,
        who: &Principal,
        case_id: i64,
        req: &DeliveryRequest,
    ) -> Result<StoredDelivery> {
        let record = self.store.case(case_id).await?;
        self.require_window(who, &record)?;
        let doc = self.case_document(&record, req.document_id).await?;
        // A bundle's member result is handed out with the bundle's release only (统一出件).
        if self.result_release(&record).await?.holds(doc.record.kind) {
            let what = format!("《{}》", doc.record.title);
            return Err(AppError::Refused(self.held_refusal(&record, &what).await?));
        }
        let at = self.now();
        let mut tx = self.store.begin_write().await?;
        let consent = tx.delivery_consent(case_id).await?;
        let existing = tx.delivery_of_document(doc.id).await?;
        let f = facts(
            &doc,
            &record,
            consent.is_some(),
            existing.as_ref(),
            local_date(at),
        );
        let d = delivery::check_delivery(req, &f)?;
        let consent_case = (d.method == DeliveryMethod::Electronic).then_some(case_id);
        let id = tx
            .insert_delivery(
                case_id,
                doc.id,
                &d,
                consent_case,
                who.account.id,
                at.timestamp_millis(),
            )
            .await?;
        self.delivery_recorded(tx, who, at, (&record, &doc), id, &d)
            .await
    }

    /// Completes a letter on its way with the date on its returned receipt.
    #[tracing::instrument(skip_all, fields(case = case_id, delivery = delivery_id))]
    pub async fn record_delivery_receipt(
        &self,
        who: &Principal,
        case_id: i64,
        delivery_id: i64,
        delivered_on: &str,
    ) -> Result<StoredDelivery> {
        let record = self.store.case(case_id).await?;
        self.require_window(who, &record)?;
        let Some(delivered_on) = delivery::parse_delivered_on(delivered_on)? else {
            return Err(AppError::field("delivered_on", "请填写回执上的送达日期"));
        };
        let stored = self
            .store
            .delivery(delivery_id)
            .await?
            .filter(|d| d.case_id == case_id)
            .ok_or_else(|| {
                AppError::NotFound(format!(
                    "办件{}没有编号为{delivery_id}的送达记录",
                    record.number
                ))
            })?;
        let doc = self.case_document(&record, stored.document_id).await?;
        let at = self.now();
        let mut tx = self.store.begin_write().await?;
        let existing = tx.delivery_of_document(doc.id).await?;
        let f = facts(&doc, &record, false, existing.as_ref(), local_date(at));
        delivery::check_receipt(delivered_on, &f)?;
        if !tx.complete_delivery(stored.id, delivered_on).await? {
            return Err(AppError::Conflict("该邮件已登记送达".into()));
        }
        let d = Delivery {
            method: stored.method,
            recipient: stored.recipient.clone(),
            recipient_id: stored.recipient_id.clone(),
            signed_by: stored.signed_by.clone(),
            as_agent: stored.as_agent,
            carrier: stored.carrier.clone(),
            tracking_no: stored.tracking_no.clone(),
            delivered_on: Some(delivered_on),
        };
        self.delivery_recorded(tx, who, at, (&record, &doc), stored.id, &d)
            .await
    }

    /// Records a delivery's audited event in `tx`, commits, and reads the delivery back.
    async fn delivery_recorded(
        &self,
        mut tx: WriteTx,
        who: &Principal,
        at: DateTime<Utc>,
        (record, doc): (&CaseRecord, &StoredDocument),
        id: i64,
        d: &Delivery,
    ) -> Result<StoredDelivery> {
        let actor = who.actor(&self.org());
        let event = delivery_event(&actor, at, record, &doc.record.title, id, doc.id, d);
        tx.append_events(&[event]).await?;
        tx.commit().await?;
        self.store
            .delivery(id)
            .await?
            .ok_or_else(|| AppError::internal("delivery vanished"))
    }

    /// A document of the case, or not found.
    async fn case_document(&self, record: &CaseRecord, id: i64) -> Result<StoredDocument> {
        match self.store.document(id).await {
            Ok(d) if d.case_id == Some(record.id) => Ok(d),
            _ => Err(AppError::field(
                "document_id",
                format!("办件{}没有编号为{id}的文书", record.number),
            )),
        }
    }

    /// Delivers a decision or licence just issued electronically, in the issuing transaction, when
    /// the applicant consented to electronic delivery on the case (the notifications outbox tells
    /// the applicant). Nothing when there is no consent or the document is not delivered.
    pub(crate) async fn deliver_issued(
        &self,
        tx: &mut WriteTx,
        record: &CaseRecord,
        document_id: i64,
        doc: &DocumentRecord,
        at: DateTime<Utc>,
    ) -> Result<()> {
        if !delivery::is_delivered(doc.kind) || tx.delivery_consent(record.id).await?.is_none() {
            return Ok(());
        }
        let d = Delivery {
            method: DeliveryMethod::Electronic,
            recipient: record.applicant.name.clone(),
            recipient_id: String::new(),
            signed_by: String::new(),
            as_agent: false,
            carrier: String::new(),
            tracking_no: String::new(),
            delivered_on: Some(local_date(at)),
        };
        let id = tx
            .insert_delivery(
                record.id,
                document_id,
                &d,
                Some(record.id),
                0,
                at.timestamp_millis(),
            )
            .await?;
        tx.append_events(&[delivery_event(
            &Actor::system(),
            at,
            record,
            &doc.title,
            id,
            document_id,
            &d,
        )])
        .await?;
        Ok(())
    }
}
