//! Delivery of a case's documents (送达, Art. 44 of the Administrative Licensing Law): how a decision
//! or a licence reaches the applicant — electronically (电子送达, only with the applicant's recorded
//! consent), collected at the window (窗口领取, the collector's name and ID checked and a receipt
//! signed, by the applicant or an agent) or by post (邮寄送达, carrier and tracking number; delivered
//! once the receipt comes back) — and the rules on a delivery: its date neither before the
//! document's date nor in the future, and one completed delivery per document. Kept outside the
//! case's state machine: a delivery changes no case state.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::fmt_date;
use crate::engine::DocumentKind;
use crate::party::SubjectId;
use crate::refusal::Refusal;
use crate::text::{TextKind, check};

/// The rule of Art. 44 in `legal-rules.md`.
pub const RULE: &str = "AL-15";

labelled_enum!(
    /// How a document is delivered.
    DeliveryMethod {
        Electronic = ("electronic", "电子送达"),
        Window = ("window", "窗口领取"),
        Post = ("post", "邮寄送达"),
    }
);

labelled_enum!(
    /// How the applicant's consent to electronic delivery was given.
    ConsentChannel {
        /// The applicant, online, on their own case.
        Online = ("online", "网上确认"),
        /// The applicant's written consent, recorded by the clerk at intake.
        Written = ("written", "书面同意"),
    }
);

/// Whether documents of this kind are delivered (送达) and tracked: the decisions and the licence.
pub fn is_delivered(kind: DocumentKind) -> bool {
    matches!(
        kind,
        DocumentKind::DecisionLetter
            | DocumentKind::DenialLetter
            | DocumentKind::CommitmentDecision
            | DocumentKind::Licence
            | DocumentKind::RefusalDecision
    )
}

/// A delivery as staff enter it (window collection or post; the API's body and the page's form
/// alike); electronic delivery is done by the system when the document is issued.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryRequest {
    /// The document delivered.
    pub document_id: i64,
    /// `electronic`, `window` or `post` (or the Chinese word).
    pub method: String,
    /// Window: the collector's name.
    #[serde(default)]
    pub recipient: String,
    /// Window: the collector's ID number, checked against the ID shown.
    #[serde(default)]
    pub recipient_id: String,
    /// Window: who signed the receipt (送达回证).
    #[serde(default)]
    pub signed_by: String,
    /// Window: whether the collector is the applicant's agent (代领).
    #[serde(default)]
    pub as_agent: bool,
    /// Post: the carrier (e.g. 中国邮政EMS).
    #[serde(default)]
    pub carrier: String,
    /// Post: the tracking number.
    #[serde(default)]
    pub tracking_no: String,
    /// The delivery date as typed (YYYY-MM-DD): window, the day collected (default today); post,
    /// the day on the returned receipt (empty while the letter is on its way).
    #[serde(default)]
    pub delivered_on: String,
}

/// A delivery date as typed (YYYY-MM-DD); None when empty.
pub fn parse_delivered_on(text: &str) -> Result<Option<NaiveDate>, DeliveryError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    crate::calendar::parse_date(t).map(Some).map_err(|_| {
        field(
            "delivered_on",
            format!("送达日期「{t}」格式有误，应为 YYYY-MM-DD"),
        )
    })
}

/// What a delivery is checked against.
#[derive(Debug, Clone)]
pub struct DeliveryFacts<'a> {
    pub document_kind: DocumentKind,
    pub document_title: &'a str,
    pub document_issued_on: NaiveDate,
    /// The applicant's name on the case.
    pub applicant: &'a str,
    /// Whether the applicant's consent to electronic delivery is recorded.
    pub consent: bool,
    /// The delivery already recorded for the document, if any: (method, delivered).
    pub existing: Option<(DeliveryMethod, bool)>,
    pub today: NaiveDate,
}

/// A delivery that passed the rules, ready to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub method: DeliveryMethod,
    pub recipient: String,
    pub recipient_id: String,
    pub signed_by: String,
    pub as_agent: bool,
    pub carrier: String,
    pub tracking_no: String,
    /// None while a letter is on its way.
    pub delivered_on: Option<NaiveDate>,
}

/// Why a delivery was refused: bad input in a field, or a rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    #[error("{message}")]
    Field {
        field: &'static str,
        message: String,
    },
    #[error("{0}")]
    Refused(Refusal),
}

fn field(field: &'static str, message: impl Into<String>) -> DeliveryError {
    DeliveryError::Field {
        field,
        message: message.into(),
    }
}

fn refused(message: impl Into<String>) -> DeliveryError {
    DeliveryError::Refused(Refusal::new(RULE, message))
}

fn text(
    name: &'static str,
    label: &str,
    value: &str,
    kind: TextKind,
) -> Result<String, DeliveryError> {
    let value = value.trim();
    check(label, value, kind).map_err(|e| field(name, e.to_string()))?;
    if value.is_empty() {
        return Err(field(name, format!("请填写{label}")));
    }
    Ok(value.to_string())
}

/// Checks a tracking number: 6 to 40 letters, digits or hyphens.
fn tracking_no(value: &str) -> Result<String, DeliveryError> {
    let value = text("tracking_no", "邮件单号", value, TextKind::Short)?;
    let n = value.chars().count();
    if !(6..=40).contains(&n) || !value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(field(
            "tracking_no",
            "邮件单号应为6至40位字母、数字或连字符",
        ));
    }
    Ok(value.to_ascii_uppercase())
}

/// Checks a delivery date: not before the document's date, not in the future.
pub fn check_date(date: NaiveDate, facts: &DeliveryFacts<'_>) -> Result<(), DeliveryError> {
    if date < facts.document_issued_on {
        return Err(refused(format!(
            "送达日期{}早于《{}》的作出日期{}，不能登记（《行政许可法》第四十四条）",
            fmt_date(date),
            facts.document_title,
            fmt_date(facts.document_issued_on)
        )));
    }
    if date > facts.today {
        return Err(refused(format!(
            "送达日期{}晚于今天{}，不能登记尚未发生的送达",
            fmt_date(date),
            fmt_date(facts.today)
        )));
    }
    Ok(())
}

/// Checks a new delivery of a document against the rules; returns what to record.
pub fn check_delivery(
    req: &DeliveryRequest,
    facts: &DeliveryFacts<'_>,
) -> Result<Delivery, DeliveryError> {
    let method = DeliveryMethod::parse(&req.method).ok_or_else(|| {
        field(
            "method",
            format!("请选择送达方式（可选：{}）", DeliveryMethod::choices()),
        )
    })?;
    if !is_delivered(facts.document_kind) {
        return Err(field(
            "document_id",
            format!("《{}》不是需要送达登记的决定或证件", facts.document_title),
        ));
    }
    match facts.existing {
        Some((_, true)) => {
            return Err(refused(format!(
                "《{}》已经送达，每份文书只登记一次送达",
                facts.document_title
            )));
        }
        Some((m, false)) => {
            return Err(refused(format!(
                "《{}》已以{}方式寄出、尚未签收，请在回执寄回后登记送达日期",
                facts.document_title,
                m.label()
            )));
        }
        None => {}
    }
    let mut out = Delivery {
        method,
        recipient: String::new(),
        recipient_id: String::new(),
        signed_by: String::new(),
        as_agent: false,
        carrier: String::new(),
        tracking_no: String::new(),
        delivered_on: parse_delivered_on(&req.delivered_on)?,
    };
    match method {
        DeliveryMethod::Electronic => {
            if !facts.consent {
                return Err(refused(
                    "申请人未同意电子送达，不能采用电子送达；请改为窗口领取或邮寄送达（《行政许可法》第四十四条）",
                ));
            }
            out.recipient = facts.applicant.to_string();
            out.delivered_on = Some(out.delivered_on.unwrap_or(facts.today));
        }
        DeliveryMethod::Window => {
            out.recipient = text("recipient", "领取人姓名", &req.recipient, TextKind::Name)?;
            let id = text(
                "recipient_id",
                "领取人身份证件号码",
                &req.recipient_id,
                TextKind::Short,
            )?;
            out.recipient_id = SubjectId::parse_any(&id)
                .map_err(|e| field("recipient_id", format!("领取人身份证件号码有误：{e}")))?
                .as_str()
                .to_string();
            out.signed_by = text("signed_by", "签收人", &req.signed_by, TextKind::Name)?;
            out.as_agent = req.as_agent;
            if !req.as_agent && out.recipient != facts.applicant {
                return Err(field(
                    "recipient",
                    format!(
                        "领取人「{}」不是申请人「{}」本人；代领的，请注明代领并核验委托",
                        out.recipient, facts.applicant
                    ),
                ));
            }
            if out.signed_by != out.recipient {
                return Err(field(
                    "signed_by",
                    "送达回证应由领取人本人签收：签收人须与领取人一致",
                ));
            }
            out.delivered_on = Some(out.delivered_on.unwrap_or(facts.today));
        }
        DeliveryMethod::Post => {
            out.carrier = text("carrier", "邮寄单位", &req.carrier, TextKind::Name)?;
            out.tracking_no = tracking_no(&req.tracking_no)?;
            out.recipient = facts.applicant.to_string();
        }
    }
    if let Some(date) = out.delivered_on {
        check_date(date, facts)?;
    }
    Ok(out)
}

/// Checks the date on a returned postal receipt for a letter on its way.
pub fn check_receipt(date: NaiveDate, facts: &DeliveryFacts<'_>) -> Result<(), DeliveryError> {
    match facts.existing {
        Some((DeliveryMethod::Post, false)) => check_date(date, facts),
        Some((_, true)) => Err(refused(format!(
            "《{}》已经送达，每份文书只登记一次送达",
            facts.document_title
        ))),
        _ => Err(refused(format!(
            "《{}》没有在途的邮寄送达，无需登记回执",
            facts.document_title
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        crate::calendar::parse_date(s).unwrap()
    }

    fn facts() -> DeliveryFacts<'static> {
        DeliveryFacts {
            document_kind: DocumentKind::Licence,
            document_title: "食品经营许可证",
            document_issued_on: d("2026-03-02"),
            applicant: "张三",
            consent: false,
            existing: None,
            today: d("2026-03-05"),
        }
    }

    fn window() -> DeliveryRequest {
        DeliveryRequest {
            document_id: 1,
            method: "window".into(),
            recipient: "张三".into(),
            recipient_id: "11010519491231002X".into(),
            signed_by: "张三".into(),
            ..Default::default()
        }
    }

    #[test]
    fn electronic_needs_consent_and_names_art_44() {
        let req = DeliveryRequest {
            method: "电子送达".into(),
            ..Default::default()
        };
        let Err(DeliveryError::Refused(r)) = check_delivery(&req, &facts()) else {
            panic!("electronic without consent accepted");
        };
        assert!(r.message.contains("第四十四条"), "{}", r.message);
        let ok = check_delivery(
            &req,
            &DeliveryFacts {
                consent: true,
                ..facts()
            },
        )
        .unwrap();
        assert_eq!(ok.method, DeliveryMethod::Electronic);
        assert_eq!(ok.delivered_on, Some(d("2026-03-05")));
        assert_eq!(ok.recipient, "张三");
    }

    #[test]
    fn window_collection_checks_collector_and_signer() {
        let ok = check_delivery(&window(), &facts()).unwrap();
        assert_eq!(ok.signed_by, "张三");
        assert!(!ok.as_agent);
        // Someone else without being marked an agent.
        let other = DeliveryRequest {
            recipient: "李四".into(),
            signed_by: "李四".into(),
            ..window()
        };
        assert!(matches!(
            check_delivery(&other, &facts()),
            Err(DeliveryError::Field {
                field: "recipient",
                ..
            })
        ));
        let agent = DeliveryRequest {
            as_agent: true,
            ..other
        };
        assert!(check_delivery(&agent, &facts()).unwrap().as_agent);
        // A bad ID number, a missing signer.
        let bad_id = DeliveryRequest {
            recipient_id: "123".into(),
            ..window()
        };
        assert!(matches!(
            check_delivery(&bad_id, &facts()),
            Err(DeliveryError::Field {
                field: "recipient_id",
                ..
            })
        ));
        let unsigned = DeliveryRequest {
            signed_by: " ".into(),
            ..window()
        };
        assert!(matches!(
            check_delivery(&unsigned, &facts()),
            Err(DeliveryError::Field {
                field: "signed_by",
                ..
            })
        ));
    }

    #[test]
    fn post_needs_carrier_and_a_clean_tracking_number() {
        let req = DeliveryRequest {
            method: "post".into(),
            carrier: "中国邮政EMS".into(),
            tracking_no: "ea123456789cn".into(),
            ..Default::default()
        };
        let ok = check_delivery(&req, &facts()).unwrap();
        assert_eq!(ok.tracking_no, "EA123456789CN");
        assert_eq!(ok.delivered_on, None);
        for bad in ["12345", "EA1234\u{0}567", "EA 123 456", "单号123456"] {
            let r = DeliveryRequest {
                tracking_no: bad.into(),
                ..req.clone()
            };
            assert!(
                matches!(
                    check_delivery(&r, &facts()),
                    Err(DeliveryError::Field {
                        field: "tracking_no",
                        ..
                    })
                ),
                "{bad:?} accepted"
            );
        }
        let no_carrier = DeliveryRequest {
            carrier: String::new(),
            ..req
        };
        assert!(check_delivery(&no_carrier, &facts()).is_err());
    }

    #[test]
    fn dates_neither_before_the_document_nor_in_the_future() {
        let early = DeliveryRequest {
            delivered_on: "2026-03-01".into(),
            ..window()
        };
        let Err(DeliveryError::Refused(r)) = check_delivery(&early, &facts()) else {
            panic!("early date accepted");
        };
        assert!(r.message.contains("早于"), "{}", r.message);
        let future = DeliveryRequest {
            delivered_on: "2026-03-06".into(),
            ..window()
        };
        assert!(matches!(
            check_delivery(&future, &facts()),
            Err(DeliveryError::Refused(_))
        ));
        let same_day = DeliveryRequest {
            delivered_on: "2026-03-02".into(),
            ..window()
        };
        assert!(check_delivery(&same_day, &facts()).is_ok());
    }

    #[test]
    fn one_completed_delivery_per_document() {
        let done = DeliveryFacts {
            existing: Some((DeliveryMethod::Window, true)),
            ..facts()
        };
        assert!(matches!(
            check_delivery(&window(), &done),
            Err(DeliveryError::Refused(_))
        ));
        assert!(check_receipt(d("2026-03-04"), &done).is_err());
        let posted = DeliveryFacts {
            existing: Some((DeliveryMethod::Post, false)),
            ..facts()
        };
        assert!(matches!(
            check_delivery(&window(), &posted),
            Err(DeliveryError::Refused(_))
        ));
        assert!(check_receipt(d("2026-03-04"), &posted).is_ok());
        assert!(check_receipt(d("2026-03-01"), &posted).is_err());
        assert!(check_receipt(d("2026-03-04"), &facts()).is_err());
    }

    #[test]
    fn only_decisions_and_licences_are_delivered() {
        let notice = DeliveryFacts {
            document_kind: DocumentKind::ReceiptVoucher,
            ..facts()
        };
        assert!(check_delivery(&window(), &notice).is_err());
        assert!(matches!(
            check_delivery(
                &DeliveryRequest {
                    method: "飞鸽".into(),
                    ..window()
                },
                &facts()
            ),
            Err(DeliveryError::Field {
                field: "method",
                ..
            })
        ));
    }
}
