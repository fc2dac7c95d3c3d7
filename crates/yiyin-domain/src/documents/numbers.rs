//! Document numbers (文号): `{prefix}{word}字〔{year}〕{serial}号`, the word naming the document's
//! kind.

use chrono::NaiveDate;

use crate::catalog::ItemKind;
use crate::engine::DocumentKind;
use crate::org::Issuer;

/// The number of a document of `kind` the issuer issues for an item of `item_kind`:
/// `{prefix}{word}字〔{year}〕{serial}号`.
pub(super) fn doc_number(
    issuer: &Issuer,
    kind: DocumentKind,
    item_kind: ItemKind,
    issued_on: NaiveDate,
    serial: &str,
) -> String {
    format!(
        "{}{}字〔{}〕{serial}号",
        issuer.number_prefix,
        word(kind, item_kind),
        issued_on.format("%Y")
    )
}

/// The word of a document number: 许 (不许) only for a licensing decision; the result of an item that
/// is not an administrative licence has its own — 办 (不办) for a public service, 备 (不备) for a
/// filing, 批 (不批) for another approval.
fn word(kind: DocumentKind, item_kind: ItemKind) -> &'static str {
    match (kind, item_kind) {
        (_, ItemKind::Licensing) => licensing_word(kind),
        (DocumentKind::DecisionLetter, ItemKind::PublicService) => "办",
        (DocumentKind::DenialLetter, ItemKind::PublicService) => "不办",
        (DocumentKind::DecisionLetter, ItemKind::Filing) => "备",
        (DocumentKind::DenialLetter, ItemKind::Filing) => "不备",
        (DocumentKind::DecisionLetter, ItemKind::OtherApproval) => "批",
        (DocumentKind::DenialLetter, ItemKind::OtherApproval) => "不批",
        _ => licensing_word(kind),
    }
}

/// The word of a document number by the document's kind alone (as for a licence).
fn licensing_word(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::ReceiptVoucher => "收",
        DocumentKind::AcceptanceVoucher => "受",
        DocumentKind::SupplementNotice => "补",
        DocumentKind::RefusalDecision => "不受",
        DocumentKind::NotNeededNotice => "告",
        DocumentKind::SuspensionNotice => "中",
        DocumentKind::ExtensionNotice => "延",
        DocumentKind::DecisionLetter | DocumentKind::CommitmentDecision => "许",
        DocumentKind::DenialLetter => "不许",
        DocumentKind::Licence => "证",
        DocumentKind::WithdrawalConfirmation => "撤",
        DocumentKind::ChangeDenial => "不变",
        DocumentKind::RenewalDenial => "不续",
        DocumentKind::RevocationDecision => "撤销",
        DocumentKind::CancellationDecision => "注销",
        DocumentKind::LicenceWithdrawalDecision => "撤许",
        DocumentKind::MonthlyReport => "统",
        DocumentKind::HearingRightNotice => "听告",
        DocumentKind::HearingNotice => "听通",
        DocumentKind::HearingAnnouncement => "听公",
        DocumentKind::DrawingCertificate => "图审",
    }
}
