//! The titles of a case's documents by the item's kind ([`result_title`]): a licensing decision
//! only for an administrative licence.

use crate::catalog::ItemKind;
use crate::engine::DocumentKind;

/// The title of a case's document of `kind` for an item of `item_kind`: a decision or denial
/// letter is a licensing decision (准予/不予行政许可决定书, Art. 38) only for a 行政许可; a public
/// service ends in a 办结通知书 (or 不予办理通知书), a filing in a 备案通知书 (不予备案通知书),
/// another approval in a 审批决定书 (不予批准决定书).
pub fn result_title(kind: DocumentKind, item_kind: ItemKind) -> &'static str {
    match (kind, item_kind) {
        (_, ItemKind::Licensing) => kind.title(),
        (DocumentKind::DecisionLetter, ItemKind::PublicService) => "办结通知书",
        (DocumentKind::DenialLetter, ItemKind::PublicService) => "不予办理通知书",
        (DocumentKind::DecisionLetter, ItemKind::Filing) => "备案通知书",
        (DocumentKind::DenialLetter, ItemKind::Filing) => "不予备案通知书",
        (DocumentKind::DecisionLetter, ItemKind::OtherApproval) => "审批决定书",
        (DocumentKind::DenialLetter, ItemKind::OtherApproval) => "不予批准决定书",
        _ => kind.title(),
    }
}
