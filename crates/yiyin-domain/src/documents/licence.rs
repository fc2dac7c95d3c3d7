//! The documents of acts on a licence after its decision: denials of a change or renewal,
//! revocation, cancellation and withdrawal ([`licence_act_document`]), and the new version of a
//! licence a granted change or renewal issues ([`licence_version_document`]).

use chrono::NaiveDate;

use super::{DocumentRecord, doc_number, rights};
use crate::calendar::fmt_date_cn;
use crate::catalog::ItemKind;
use crate::engine::DocumentKind;
use crate::org::Issuer;

/// What a document about an act on a licence says.
#[derive(Debug, Clone)]
pub struct ActFacts<'a> {
    pub kind: DocumentKind,
    /// The agency acting under its seal, its seal, the prefix of its document numbers, where its
    /// decisions are challenged.
    pub issuer: &'a Issuer,
    /// The case the licence was granted in.
    pub case_number: &'a str,
    pub holder: &'a str,
    pub item_name: &'a str,
    /// The licence's name (营业执照, 食品经营许可证 …) and identifier.
    pub licence_name: &'a str,
    pub licence: &'a str,
    /// The act's own number, making the document number unique (e.g. the act's id).
    pub act_number: i64,
    /// The ground in the law's words (撤销、注销) or the basis (撤回).
    pub ground: &'a str,
    /// The facts and reasons.
    pub reason: &'a str,
    /// Revocation: what the licensee is owed; withdrawal: the compensation decided.
    pub consequence: &'a str,
}

/// Composes the decision on an act on a licence: denial of a change or renewal, revocation,
/// cancellation or withdrawal, each with its article, reasons and (when it burdens the licensee) the
/// right to reconsideration and litigation.
pub fn licence_act_document(f: &ActFacts, issued_on: NaiveDate) -> DocumentRecord {
    let rights = rights(f.issuer);
    let what = format!("“{}”（证照编号{}）", f.licence_name, f.licence);
    let reason = f.reason.trim().trim_end_matches('。');
    let paragraphs = match f.kind {
        DocumentKind::ChangeDenial => vec![
            format!("{}：", f.holder),
            format!(
                "你（单位）申请变更{what}。经审查，申请变更的事项不符合法定条件、标准，理由如下：{reason}。依据《中华人民共和国行政许可法》第三十八条第二款、第四十九条的规定，本机关决定不予变更。原证照继续有效。"
            ),
            rights,
        ],
        DocumentKind::RenewalDenial => vec![
            format!("{}：", f.holder),
            format!(
                "你（单位）申请延续{what}的有效期。经审查，理由如下：{reason}。依据《中华人民共和国行政许可法》第三十八条第二款、第五十条的规定，本机关决定不予延续。该证照有效期届满后应当依法办理注销。"
            ),
            rights,
        ],
        DocumentKind::RevocationDecision => vec![
            format!("{}：", f.holder),
            format!(
                "本机关于办件{}中准予你（单位）的{}许可{what}，经查存在以下情形：{}。事实和理由：{reason}。",
                f.case_number, f.item_name, f.ground
            ),
            format!(
                "依据《中华人民共和国行政许可法》第六十九条的规定，本机关决定撤销该行政许可，并依照第七十条第（四）项的规定办理注销。{}。",
                f.consequence.trim_end_matches('。')
            ),
            rights,
        ],
        DocumentKind::CancellationDecision => vec![
            format!("{}：", f.holder),
            format!(
                "{what}因{}，依据《中华人民共和国行政许可法》第七十条的规定，本机关决定予以注销。{}",
                f.ground,
                if reason.is_empty() {
                    String::new()
                } else {
                    format!("具体情况：{reason}。")
                }
            ),
            rights,
        ],
        DocumentKind::LicenceWithdrawalDecision => vec![
            format!("{}：", f.holder),
            format!(
                "因{}，为了公共利益的需要（{reason}），依据《中华人民共和国行政许可法》第八条第二款的规定，本机关决定撤回{what}。",
                f.ground
            ),
            format!(
                "由此给你（单位）造成的财产损失，本机关依法给予补偿：{}。",
                f.consequence.trim_end_matches('。')
            ),
            rights,
        ],
        other => vec![format!("{}：", f.holder), other.title().to_string()],
    };
    DocumentRecord {
        kind: f.kind,
        title: f.kind.title().to_string(),
        number: doc_number(
            f.issuer,
            f.kind,
            ItemKind::Licensing,
            issued_on,
            &format!("{}-{}", f.case_number, f.act_number),
        ),
        case_number: f.case_number.to_string(),
        recipient: f.holder.to_string(),
        issued_on,
        agency: f.issuer.agency.clone(),
        seal: f.issuer.seal.clone(),
        paragraphs,
        list: vec![],
        identifier: None,
        valid_until: None,
        contents: vec![],
    }
}

/// The licence issued by a granted change or renewal: a new version with its own identifier.
#[allow(clippy::too_many_arguments)]
pub fn licence_version_document(
    licence_name: &str,
    holder: &str,
    item_name: &str,
    case_number: &str,
    identifier: &str,
    previous: &str,
    note: &str,
    valid_until: Option<NaiveDate>,
    issuer: &Issuer,
    act_number: i64,
    issued_on: NaiveDate,
) -> DocumentRecord {
    let mut paragraphs = vec![
        format!("证照编号：{identifier}"),
        format!("持证人：{holder}"),
        format!("许可事项：{item_name}"),
        format!("发证日期：{}", fmt_date_cn(issued_on)),
    ];
    if let Some(until) = valid_until {
        paragraphs.push(format!(
            "有效期限：{}至{}",
            fmt_date_cn(issued_on),
            fmt_date_cn(until)
        ));
    }
    paragraphs.push(format!(
        "{note}（原证照编号{previous}，自本证发证之日起失效）"
    ));
    paragraphs.push(format!("办件编号：{case_number}"));
    DocumentRecord {
        kind: DocumentKind::Licence,
        title: licence_name.to_string(),
        number: doc_number(
            issuer,
            DocumentKind::Licence,
            ItemKind::Licensing,
            issued_on,
            &format!("{case_number}-{act_number}"),
        ),
        case_number: case_number.to_string(),
        recipient: holder.to_string(),
        issued_on,
        agency: issuer.agency.clone(),
        seal: issuer.seal.clone(),
        paragraphs,
        list: vec![],
        identifier: Some(identifier.to_string()),
        valid_until,
        contents: vec![],
    }
}
