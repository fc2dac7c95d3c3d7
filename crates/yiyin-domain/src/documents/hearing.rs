//! The hearing documents (Art. 46–48): the notice of the right to a hearing, the notice of the
//! hearing, the public announcement (names masked), and the sentence of a decision resting on the
//! hearing record.

use chrono::NaiveDate;

use super::DocContext;
use crate::calendar::fmt_date_cn;
use crate::engine::{Case, DocumentKind};

/// A person's name as a public page may show it (Art. 48 para 1 (2) holds the hearing in public;
/// personal names are masked there): an organisation's name in full, a person's masked.
fn public_name(name: &str, is_person: bool) -> String {
    if is_person {
        crate::ids::mask_name(name)
    } else {
        name.to_string()
    }
}

/// The name in a staff signature `姓名（登录名）`.
fn signer_name(signature: &str) -> &str {
    signature.split('（').next().unwrap_or(signature).trim()
}

/// The sentence of a decision made after a hearing citing its record (Art. 48 para 2).
pub(super) fn hearing_basis(case: &Case, ctx: &DocContext) -> Option<String> {
    let h = case.hearing.as_ref().filter(|h| h.held_on.is_some())?;
    Some(format!(
        "本机关于{}依法举行听证，本决定根据听证笔录（{}）作出（《中华人民共和国行政许可法》第四十八条第二款）。",
        h.held_on.map(fmt_date_cn).unwrap_or_default(),
        h.record_reference(ctx.case_number)
    ))
}

/// The hearing notices and the announcement (Art. 46–48).
pub(super) fn hearing_paragraphs(
    kind: DocumentKind,
    case: &Case,
    ctx: &DocContext,
    issued_on: NaiveDate,
) -> Vec<String> {
    let name = &ctx.item.name;
    let applied = fmt_date_cn(case.received_on);
    let Some(h) = case.hearing.as_ref() else {
        return vec![format!("{}：", ctx.applicant)];
    };
    let when = h.date.map(fmt_date_cn).unwrap_or_default();
    let place = if h.place.is_empty() {
        "本机关听证室".to_string()
    } else {
        h.place.clone()
    };
    match kind {
        DocumentKind::HearingRightNotice => vec![
            format!("{}及利害关系人：", ctx.applicant),
            format!(
                "{}于{applied}提出的“{name}”申请（办件编号{}），直接涉及申请人与他人之间的重大利益关系。依照《中华人民共和国行政许可法》第四十七条的规定，申请人、利害关系人享有要求听证的权利。",
                ctx.applicant, ctx.case_number
            ),
            format!(
                "如要求听证，请于{}前（被告知听证权利之日起五个工作日内）向本机关提出书面申请；本机关将在收到申请之日起二十个工作日内组织听证。逾期未提出的，视为放弃听证权利。申请人、利害关系人不承担组织听证的费用。",
                fmt_date_cn(h.request_due)
            ),
        ],
        DocumentKind::HearingNotice => vec![
            format!("{}及利害关系人：", ctx.applicant),
            format!(
                "关于{}提出的“{name}”申请（办件编号{}），本机关决定举行{}。现将有关事项通知如下：",
                ctx.applicant,
                ctx.case_number,
                h.kind_label()
            ),
            format!("听证时间：{when}"),
            format!("听证地点：{place}"),
            format!(
                "听证主持人：{}。申请人、利害关系人认为主持人与本行政许可事项有直接利害关系的，有权申请回避（《中华人民共和国行政许可法》第四十八条第一款第（三）项）。",
                signer_name(&h.presiding)
            ),
            "听证公开举行。听证时，审查本申请的工作人员提供审查意见的证据、理由，申请人、利害关系人可以提出证据，并进行申辩和质证。听证笔录交听证参加人确认无误后签字或者盖章。申请人、利害关系人不承担组织听证的费用。".into(),
            format!(
                "本通知于{}发出，不少于举行听证的七个工作日前（《中华人民共和国行政许可法》第四十八条第一款第（一）项）。",
                fmt_date_cn(issued_on)
            ),
        ],
        _ => vec![
            format!(
                "本机关定于{when}在{place}公开举行{}，听证事项为“{name}”申请（办件编号{}，申请人{}）。",
                h.kind_label(),
                ctx.case_number,
                public_name(ctx.applicant, ctx.applicant_is_person)
            ),
            format!(
                "听证主持人：{}。听证公开举行，公民、法人或者其他组织可以旁听。",
                crate::ids::mask_name(signer_name(&h.presiding))
            ),
            "特此公告（《中华人民共和国行政许可法》第四十六条、第四十八条第一款第（一）项、第（二）项）。".into(),
        ],
    }
}
