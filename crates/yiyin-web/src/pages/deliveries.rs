//! The delivery forms (送达, Art. 44) of the case pages: on the staff page, recording a window
//! collection or a posting of a decision or licence, a letter's returned receipt, and the
//! applicant's written consent to electronic delivery; on the applicant's page, 「同意电子送达」.
//! The use cases are the application's (`yiyin_app::deliveries`); a refusal shows the staff case
//! page again with the message, or is told on the applicant's page.

use serde::Deserialize;
use yiyin_domain::delivery::DeliveryRequest;

use crate::auth::gate;
use crate::pages::work::case::case_page_for;
use crate::pages::{Form, PageFor, PageResult, Path, RawForm, settle, tell_back};

/// The delivery form of a document on the staff case page.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DeliveryForm {
    pub document_id: i64,
    pub method: String,
    pub recipient: String,
    pub recipient_id: String,
    pub signed_by: String,
    /// Ticked: the collector is an agent (代领).
    pub as_agent: String,
    pub carrier: String,
    pub tracking_no: String,
    pub delivered_on: String,
}

/// 登记送达: a window collection or a posting.
pub async fn record(
    page: PageFor<gate::Staff>,
    Path(id): Path<i64>,
    form: Form<DeliveryForm>,
) -> PageResult {
    page.check_csrf(&form)?;
    let f = &form.data;
    let req = DeliveryRequest {
        document_id: f.document_id,
        method: f.method.clone(),
        recipient: f.recipient.clone(),
        recipient_id: f.recipient_id.clone(),
        signed_by: f.signed_by.clone(),
        as_agent: !f.as_agent.trim().is_empty(),
        carrier: f.carrier.clone(),
        tracking_no: f.tracking_no.clone(),
        delivered_on: f.delivered_on.clone(),
    };
    let result = page.app.record_delivery(page.who(), id, &req).await;
    settle(
        result,
        |d| {
            let notice = match d.delivered_on {
                Some(_) => format!("已登记{}。", d.method.label()),
                None => "已登记邮寄，回执寄回后请登记送达日期。".to_string(),
            };
            (format!("/work/cases/{id}"), notice)
        },
        |e| case_page_for(&page, id, "", e, form.raw),
    )
    .await
}

/// The date on a posted letter's returned receipt.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ReceiptForm {
    pub delivered_on: String,
}

/// 登记回执: the letter is delivered on the receipt's date.
pub async fn receipt(
    page: PageFor<gate::Staff>,
    Path((id, delivery)): Path<(i64, i64)>,
    form: Form<ReceiptForm>,
) -> PageResult {
    page.check_csrf(&form)?;
    let result = page
        .app
        .record_delivery_receipt(page.who(), id, delivery, &form.data.delivered_on)
        .await;
    settle(
        result,
        |_| (format!("/work/cases/{id}"), "已登记邮寄送达日期。".into()),
        |e| case_page_for(&page, id, "", e, form.raw),
    )
    .await
}

/// 记录书面同意电子送达: the window records the applicant's written consent.
pub async fn staff_consent(
    page: PageFor<gate::Staff>,
    Path(id): Path<i64>,
    form: RawForm,
) -> PageResult {
    page.check_csrf(&form)?;
    let result = page.app.consent_electronic_delivery(page.who(), id).await;
    settle(
        result,
        |_| {
            let notice = "已记录申请人书面同意电子送达。".to_string();
            (format!("/work/cases/{id}"), notice)
        },
        |e| case_page_for(&page, id, "", e, Default::default()),
    )
    .await
}

/// 同意电子送达: the applicant consents on their own case.
pub async fn consent(
    page: PageFor<gate::Applicant>,
    Path(id): Path<i64>,
    form: RawForm,
) -> PageResult {
    page.check_csrf(&form)?;
    let back = format!("/my/cases/{id}");
    let result = page.app.consent_electronic_delivery(page.who(), id).await;
    tell_back(
        result,
        |_| {
            let notice = "您已同意电子送达，本件的决定书和证照作出后将以电子方式送达。";
            (back.clone(), notice.into())
        },
        |e| {
            matches!(
                e,
                yiyin_app::error::AppError::Conflict(_) | yiyin_app::error::AppError::Refused(_)
            )
        },
        &back,
        "",
    )
}
