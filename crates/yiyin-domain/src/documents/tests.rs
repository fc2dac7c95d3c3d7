//! The documents' wording: the lists, reasons and rights, the titles and citations by the item's
//! kind.

use super::*;
use crate::calendar::Calendar;
use crate::catalog::ItemKind;
use crate::engine::Case;
use crate::engine::{Action, ApplicantFacts, Context, MaterialRule};
use crate::testing::d;

fn item() -> ItemRules {
    ItemRules {
        name: "食品经营许可".into(),
        statutory_days: 20,
        promised_days: 10,
        instant: false,
        joint: false,
        green_list: false,
        materials: vec![
            MaterialRule {
                code: "M1".into(),
                name: "申请书".into(),
                deferrable: false,
                required: true,
                fetched: false,
            },
            MaterialRule {
                code: "M2".into(),
                name: "营业执照".into(),
                deferrable: true,
                required: true,
                fetched: false,
            },
            MaterialRule {
                code: "M3".into(),
                name: "经营场所证明".into(),
                deferrable: false,
                required: true,
                fetched: false,
            },
        ],
        steps: vec![],
        commitment_check_days: None,
        decider: None,
        extension_days: None,
        extension_basis: String::new(),
        limit_unit: Default::default(),
        limit_basis: String::new(),
        kind: crate::catalog::ItemKind::Licensing,
    }
}

/// Receives a case, applies the actions, and composes every document they call for.
fn compose_all(actions: &[(&str, Action)]) -> Vec<DocumentRecord> {
    compose_for(item(), actions)
}

/// The same for another item.
fn compose_for(it: ItemRules, actions: &[(&str, Action)]) -> Vec<DocumentRecord> {
    let cal = Calendar::builtin();
    let facts = ApplicantFacts::default();
    let ctx = Context {
        item: &it,
        calendar: &cal,
        applicant: &facts,
    };
    let mut docs = Vec::new();
    let r = Case::receive(&ctx, d("2025-03-03"), &["M1".to_string()]).unwrap();
    let mut case = r.case;
    for (date, a) in actions {
        let r = case.apply(&ctx, d(date), a).unwrap();
        let kinds = r.documents();
        case = r.case;
        for k in kinds {
            docs.push((k, case.clone()));
        }
    }
    let issuer = Issuer {
        agency: "汉阴县行政审批服务局".into(),
        seal: "汉阴县行政审批服务局行政审批专用章".into(),
        seal_holder: String::new(),
        number_prefix: "汉阴审批".into(),
        reconsideration_body: "汉阴县人民政府".into(),
        court: "汉阴县人民法院".into(),
        credit_code: String::new(),
    };
    docs.into_iter()
        .map(|(k, c)| {
            let clock = c.clock(&ctx, d("2025-03-20")).unwrap();
            let dctx = DocContext {
                case_number: "HY2025000001",
                query_code: "K7Q2MX",
                applicant: "汉阴县某某餐饮有限公司",
                applicant_is_person: false,
                item: &it,
                issuer: &issuer,
                clock: Some(&clock),
                result_name: "食品经营许可证",
                validity_years: Some(5),
            };
            compose(k, &c, &dctx, c.last_date())
        })
        .collect()
}

/// The paragraphs of the document of that kind, as one text.
fn text_of(docs: &[DocumentRecord], kind: DocumentKind) -> String {
    let doc = docs.iter().find(|d| d.kind == kind).unwrap();
    doc.paragraphs.join("")
}

#[test]
fn supplement_notice_lists_every_missing_item_once() {
    let docs = compose_all(&[(
        "2025-03-04",
        Action::NotifySupplement {
            missing: vec!["M2".into(), "M3".into()],
        },
    )]);
    let n = &docs[0];
    assert_eq!(n.title, "补正材料通知书");
    assert_eq!(n.list, vec!["营业执照", "经营场所证明"]);
    assert!(
        n.paragraphs
            .iter()
            .any(|p| p.contains("一次性告知") && p.contains("第三十二条第一款第（四）项"))
    );
    assert_eq!(n.number, "汉阴审批补字〔2025〕HY2025000001号");
}

#[test]
fn refusals_and_denials_state_reasons_and_rights() {
    let docs = compose_all(&[(
        "2025-03-03",
        Action::Refuse {
            reason: "该事项由市级部门实施".into(),
            redirect_to: Some("安康市市场监督管理局".into()),
        },
    )]);
    let text = docs[0].paragraphs.join("");
    for phrase in [
        "该事项由市级部门实施",
        "请向安康市市场监督管理局提出申请",
        "六十日内向汉阴县人民政府申请行政复议",
        "六个月内向汉阴县人民法院提起行政诉讼",
    ] {
        assert!(text.contains(phrase), "{phrase}: {text}");
    }
    let docs = compose_all(&[
        (
            "2025-03-04",
            Action::Supplement {
                materials: vec!["M2".into(), "M3".into()],
            },
        ),
        ("2025-03-04", Action::Accept),
        (
            "2025-03-10",
            Action::Decide {
                approve: false,
                reason: "经营场所与有毒有害场所的距离不符合要求".into(),
            },
        ),
    ]);
    let text = text_of(&docs, DocumentKind::DenialLetter);
    assert!(
        text.contains("第三十八条第二款") && text.contains("行政复议") && text.contains("行政诉讼"),
        "{text}"
    );
    let text = text_of(&docs, DocumentKind::AcceptanceVoucher);
    assert!(
        text.contains("（2025年4月1日前）作出行政许可决定"),
        "{text}"
    );
}

/// 城乡居民基本养老保险参保登记: a public service handled on the spot (即办).
fn public_service(instant: bool) -> ItemRules {
    ItemRules {
        name: "城乡居民基本养老保险参保登记".into(),
        statutory_days: if instant { 0 } else { 20 },
        promised_days: if instant { 0 } else { 5 },
        instant,
        kind: ItemKind::PublicService,
        ..item()
    }
}

fn decided(it: ItemRules, approve: bool) -> Vec<DocumentRecord> {
    let day = if it.instant {
        "2025-03-03"
    } else {
        "2025-03-05"
    };
    compose_for(
        it,
        &[
            (
                "2025-03-03",
                Action::Supplement {
                    materials: vec!["M2".into(), "M3".into()],
                },
            ),
            ("2025-03-03", Action::Accept),
            (
                day,
                Action::Decide {
                    approve,
                    reason: if approve {
                        "符合参保条件".into()
                    } else {
                        "已参加职工基本养老保险".into()
                    },
                },
            ),
        ],
    )
}

#[test]
fn a_public_service_ends_in_a_notice_of_completion_not_a_licensing_decision() {
    for instant in [true, false] {
        let docs = decided(public_service(instant), true);
        let doc = docs
            .iter()
            .find(|d| d.kind == DocumentKind::DecisionLetter)
            .expect("the result document");
        assert_eq!(doc.title, "办结通知书");
        let text = doc.paragraphs.join("");
        assert!(text.contains("符合参保条件"), "{text}");
        for wrong in ["行政许可", "第三十八条", "第四十条", "颁发"] {
            assert!(!text.contains(wrong), "{wrong}: {text}");
        }
        if instant {
            // Handled on the spot: no date to keep.
            assert!(
                text.contains("当场办结") && text.contains("当场交付"),
                "{text}"
            );
            assert!(!text.contains("前"), "no due date: {text}");
        } else {
            assert!(text.contains("2025年3月5日办结"), "{text}");
            // The acceptance voucher promises the end of the handling, not a licensing decision.
            let voucher = docs
                .iter()
                .find(|d| d.kind == DocumentKind::AcceptanceVoucher)
                .expect("the acceptance voucher")
                .paragraphs
                .join("");
            assert!(voucher.contains("办理完毕，并承诺"), "{voucher}");
            assert!(!voucher.contains("行政许可决定"), "{voucher}");
        }
        assert!(!text.contains("办结，已办理完毕"), "said once: {text}");
    }
    let docs = decided(public_service(true), false);
    let doc = docs
        .iter()
        .find(|d| d.kind == DocumentKind::DenialLetter)
        .expect("the refusal");
    assert_eq!(doc.title, "不予办理通知书");
    let text = doc.paragraphs.join("");
    assert!(
        text.contains("已参加职工基本养老保险") && text.contains("不予办理"),
        "{text}"
    );
    assert!(
        !text.contains("第三十八条") && text.contains("行政复议"),
        "{text}"
    );
}

#[test]
fn only_a_licence_is_decided_under_article_38() {
    let docs = decided(item(), true);
    let doc = docs
        .iter()
        .find(|d| d.kind == DocumentKind::DecisionLetter)
        .unwrap();
    assert_eq!(doc.title, "准予行政许可决定书");
    assert!(doc.paragraphs.join("").contains("第三十八条第一款"));
    assert_eq!(
        result_title(DocumentKind::DecisionLetter, ItemKind::Filing),
        "备案通知书"
    );
    assert_eq!(
        result_title(DocumentKind::DenialLetter, ItemKind::OtherApproval),
        "不予批准决定书"
    );
    assert_eq!(
        result_title(DocumentKind::AcceptanceVoucher, ItemKind::PublicService),
        "受理通知书"
    );
}

/// The document of that kind.
fn doc_of(docs: &[DocumentRecord], kind: DocumentKind) -> &DocumentRecord {
    docs.iter().find(|d| d.kind == kind).expect("the document")
}

/// A public service is not handled under the Administrative Licensing Law: its acceptance voucher
/// and its supplement notice cite none of Art. 32, and its result is numbered 办 (不办), not 许; a
/// licence's documents are as they were.
#[test]
fn a_public_service_cites_no_licensing_law_and_its_result_is_not_numbered_as_a_licence() {
    let docs = decided(public_service(false), true);
    let voucher = text_of(&docs, DocumentKind::AcceptanceVoucher);
    assert!(
        voucher.contains("申请材料齐全，本机关已受理，受理日期为2025年3月3日")
            && voucher.contains("（2025年3月10日前）办结"),
        "{voucher}"
    );
    for wrong in ["行政许可法", "第三十二条", "决定予以受理", "法定形式"] {
        assert!(!voucher.contains(wrong), "{wrong}: {voucher}");
    }
    assert_eq!(
        doc_of(&docs, DocumentKind::DecisionLetter).number,
        "汉阴审批办字〔2025〕HY2025000001号"
    );
    assert_eq!(
        doc_of(&docs, DocumentKind::AcceptanceVoucher).number,
        "汉阴审批受字〔2025〕HY2025000001号"
    );
    let docs = decided(public_service(true), false);
    assert_eq!(
        doc_of(&docs, DocumentKind::DenialLetter).number,
        "汉阴审批不办字〔2025〕HY2025000001号"
    );
    let voucher = text_of(&docs, DocumentKind::AcceptanceVoucher);
    assert!(voucher.contains("本机关当场办理"), "{voucher}");
    let docs = compose_for(
        public_service(false),
        &[(
            "2025-03-04",
            Action::NotifySupplement {
                missing: vec!["M2".into(), "M3".into()],
            },
        )],
    );
    let notice = text_of(&docs, DocumentKind::SupplementNotice);
    assert!(
        notice.contains("不符合规定形式，现一次性告知") && !notice.contains("行政许可法"),
        "{notice}"
    );
    // The other kinds that are not licences have their own words.
    let filing = ItemRules {
        kind: ItemKind::Filing,
        ..public_service(false)
    };
    let docs = decided(filing, true);
    assert_eq!(
        doc_of(&docs, DocumentKind::DecisionLetter).number,
        "汉阴审批备字〔2025〕HY2025000001号"
    );
}

/// A licence keeps its citations and its 许 numbers.
#[test]
fn a_licence_cites_article_32_and_is_numbered_as_a_licence() {
    let docs = decided(item(), true);
    let voucher = text_of(&docs, DocumentKind::AcceptanceVoucher);
    assert!(
        voucher.contains(
            "申请事项属于本机关职权范围，申请材料齐全、符合法定形式。依照《中华人民共和国行政许可法》第三十二条第一款第（五）项的规定，决定予以受理，受理日期为2025年3月3日。"
        ),
        "{voucher}"
    );
    assert_eq!(
        doc_of(&docs, DocumentKind::DecisionLetter).number,
        "汉阴审批许字〔2025〕HY2025000001号"
    );
    let docs = decided(item(), false);
    assert_eq!(
        doc_of(&docs, DocumentKind::DenialLetter).number,
        "汉阴审批不许字〔2025〕HY2025000001号"
    );
}
