//! The written documents the law requires, composed from a case in formal Chinese: receipt and
//! acceptance vouchers (Art. 32), the one-time supplement notice listing every missing item, the
//! refusal decision, suspension and extension notices (Art. 45, 42), the decision and denial letters
//! (Art. 38), the licence (Art. 39) and the withdrawal confirmation.
//!
//! Only an administrative licence (事项类型 行政许可) is decided by a licensing decision under
//! Art. 38: the result of a public service, a filing or another approval is titled and worded for
//! what it is ([`result_title`]) — a public service's 办结通知书 cites no Art. 38 and, when it is
//! handled on the spot (即办), sets no date.
//!
//! A [`DocumentRecord`] is the canonical content; rendering (HTML, PDF) and sealing happen elsewhere.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::fmt_date_cn;
use crate::catalog::{ItemKind, LicenceEntry};
use crate::engine::{Case, Clock, Closing, DocumentKind, ItemRules};
use crate::org::Issuer;

/// What a document needs besides the case.
#[derive(Debug, Clone)]
pub struct DocContext<'a> {
    pub case_number: &'a str,
    pub query_code: &'a str,
    pub applicant: &'a str,
    pub item: &'a ItemRules,
    /// The agency acting under its seal (the bureau, or a resident department): its seal, the
    /// short name used in document numbers (e.g. 汉阴审批), where its decisions are challenged.
    pub issuer: &'a Issuer,
    /// The case's clock; None when the calendar lacks a year the deadlines fall in.
    pub clock: Option<&'a Clock>,
    /// Whether the applicant is a person (whose name a public document masks).
    pub applicant_is_person: bool,
    /// The name of the licence or approval document the item results in.
    pub result_name: &'a str,
    pub validity_years: Option<u32>,
}

/// A composed document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentRecord {
    pub kind: DocumentKind,
    pub title: String,
    /// 文号, e.g. 汉阴审批受字〔2026〕HY2026000123号.
    pub number: String,
    pub case_number: String,
    pub recipient: String,
    pub issued_on: NaiveDate,
    pub agency: String,
    pub seal: String,
    /// The paragraphs, in order.
    pub paragraphs: Vec<String>,
    /// A numbered list the document refers to (missing materials, conditions …), if any.
    pub list: Vec<String>,
    /// For a licence: its e-licence identifier (GB/T 36904).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    /// For a licence: the last day it is valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<NaiveDate>,
    /// For a licence whose item's result has a template (证照模板): its contents, in the
    /// template's order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contents: Vec<LicenceEntry>,
}

impl DocumentRecord {
    /// How many paragraphs stand before the numbered list: the list follows the last paragraph
    /// after the first that introduces it (ending with a colon), else it comes last.
    pub fn list_after(&self) -> usize {
        self.paragraphs
            .iter()
            .enumerate()
            .skip(1)
            .filter(|(_, p)| p.ends_with('：'))
            .map(|(i, _)| i + 1)
            .next_back()
            .unwrap_or(self.paragraphs.len())
    }
}

const RIGHTS: &str = "如不服本决定，可以自收到本决定书之日起六十日内向{body}申请行政复议，也可以自收到本决定书之日起六个月内向{court}提起行政诉讼。";

/// The rights of reconsideration and litigation against the issuer's decision (Art. 38 para 2).
fn rights(issuer: &Issuer) -> String {
    RIGHTS
        .replace("{body}", &issuer.reconsideration_body)
        .replace("{court}", &issuer.court)
}

/// The number of a document of `kind` the issuer issues: `{prefix}{word}字〔{year}〕{serial}号`.
fn doc_number(issuer: &Issuer, kind: DocumentKind, issued_on: NaiveDate, serial: &str) -> String {
    format!(
        "{}{}字〔{}〕{serial}号",
        issuer.number_prefix,
        word(kind),
        issued_on.format("%Y")
    )
}

fn word(kind: DocumentKind) -> &'static str {
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
    }
}

/// Composes the document of `kind` for the case as it stands after the action that required it.
pub fn compose(
    kind: DocumentKind,
    case: &Case,
    ctx: &DocContext,
    issued_on: NaiveDate,
) -> DocumentRecord {
    let item = ctx.item;
    let name = &item.name;
    let applied = fmt_date_cn(case.received_on);
    let mut list = Vec::new();
    let material = |code: &str| {
        item.materials
            .iter()
            .find(|m| m.code == code)
            .filter(|m| !m.name.is_empty())
            .map_or(code.to_string(), |m| m.name.clone())
    };
    let paragraphs: Vec<String> = match kind {
        DocumentKind::ReceiptVoucher => {
            list = case.provided.iter().map(|c| material(c)).collect();
            vec![
                format!("{}：", ctx.applicant),
                format!(
                    "本机关于{applied}收到你（单位）提交的“{name}”申请材料（清单附后）。本机关将在收到申请材料之日起五个工作日内（{}前）依照《中华人民共和国行政许可法》第三十二条的规定作出处理；逾期不告知补正的，自收到申请材料之日起即为受理。",
                    fmt_date_cn(case.supplement_notice_due)
                ),
                format!(
                    "办件编号：{}；查询码：{}。可凭办件编号和查询码在政务服务网站查询办理进度。",
                    ctx.case_number, ctx.query_code
                ),
            ]
        }
        DocumentKind::AcceptanceVoucher => {
            let accepted = case.accepted_on.unwrap_or(issued_on);
            let mut p = vec![format!("{}：", ctx.applicant)];
            if case.deemed_accepted {
                p.push(format!(
                    "你（单位）于{applied}提出的“{name}”申请，本机关未在五个工作日内告知补正。依照《中华人民共和国行政许可法》第三十二条第一款第（四）项的规定，自收到申请材料之日（{}）起即为受理。",
                    fmt_date_cn(accepted)
                ));
            } else {
                p.push(format!(
                    "你（单位）于{applied}提出的“{name}”申请，经审查，申请事项属于本机关职权范围，申请材料齐全、符合法定形式。依照《中华人民共和国行政许可法》第三十二条第一款第（五）项的规定，决定予以受理，受理日期为{}。",
                    fmt_date_cn(accepted)
                ));
            }
            if !case.deferred.is_empty() {
                list = case
                    .deferred
                    .iter()
                    .map(|d| {
                        format!(
                            "{}（承诺于{}前补交）",
                            material(&d.code),
                            fmt_date_cn(d.due)
                        )
                    })
                    .collect();
                p.push("本申请实行容缺受理。下列非核心材料请按承诺日期补交；材料补齐后方可领取许可证件：".into());
            }
            // What the statutory period ends in: a licensing decision, or the end of the handling
            // of an item that is not an administrative licence.
            let outcome = if item.kind == ItemKind::Licensing {
                "作出行政许可决定"
            } else {
                "办理完毕"
            };
            if item.instant {
                p.push("本事项为即办件，本机关当场作出决定。".into());
            } else if ctx.clock.is_none() {
                p.push(format!(
                    "本机关将在法定期限{}内{outcome}，并承诺在{}内办结；期限届满的具体日期将在国务院公布下一年度节假日安排后确定并告知。",
                    item.days_text(item.statutory_limit()),
                    item.days_text(item.promised_days)
                ));
            } else if let Some((sd, pd)) = ctx
                .clock
                .and_then(|c| Some((c.statutory_due?, c.promised_due?)))
            {
                p.push(format!(
                    "本机关将在法定期限{}内（{}前）{outcome}，并承诺在{}内（{}前）办结。依法需要听证、招标、拍卖、检验、检测、检疫、鉴定和专家评审的，所需时间不计算在上述期限内，本机关将书面告知。",
                    item.days_text(item.statutory_limit()),
                    fmt_date_cn(sd),
                    item.days_text(item.promised_days),
                    fmt_date_cn(pd)
                ));
            }
            p.push(format!(
                "办件编号：{}；查询码：{}。",
                ctx.case_number, ctx.query_code
            ));
            p
        }
        DocumentKind::SupplementNotice => {
            let notice = case
                .notices
                .last()
                .cloned()
                .unwrap_or_else(|| crate::engine::Notice {
                    on: issued_on,
                    missing: vec![],
                });
            list = notice.missing.iter().map(|c| material(c)).collect();
            vec![
                format!("{}：", ctx.applicant),
                format!(
                    "你（单位）于{applied}提出的“{name}”申请，经审查，申请材料不齐全或者不符合法定形式。依照《中华人民共和国行政许可法》第三十二条第一款第（四）项的规定，现一次性告知你（单位）需要补正的全部内容如下："
                ),
                "请补正上述全部材料后再次提交。本机关将自收到补正材料之日起五个工作日内作出处理。本通知所列即为需要补正的全部内容，本机关不再就本次申请的其他材料要求补正。".into(),
                format!("办件编号：{}；查询码：{}。", ctx.case_number, ctx.query_code),
            ]
        }
        DocumentKind::RefusalDecision => {
            let redirect = match &case.closing {
                Some(Closing::Refused {
                    redirect_to: Some(r),
                }) => format!("请向{r}提出申请。"),
                _ => String::new(),
            };
            vec![
                format!("{}：", ctx.applicant),
                format!(
                    "你（单位）于{applied}提出的“{name}”申请，经审查，申请事项依法不属于本机关职权范围，理由如下：{}。依照《中华人民共和国行政许可法》第三十二条第一款第（二）项的规定，决定不予受理。{redirect}",
                    case.closing_reason.trim_end_matches('。')
                ),
                rights(ctx.issuer),
            ]
        }
        DocumentKind::NotNeededNotice => vec![
            format!("{}：", ctx.applicant),
            format!(
                "你（单位）于{applied}提出的“{name}”申请，经审查，该申请事项依法不需要取得行政许可，理由如下：{}。依照《中华人民共和国行政许可法》第三十二条第一款第（一）项的规定，特此告知不予受理。",
                case.closing_reason.trim_end_matches('。')
            ),
        ],
        DocumentKind::SuspensionNotice => {
            let s = case.suspensions.last();
            let (kind_label, reason, days) = s.map_or(("", "", 0), |s| {
                (s.kind.label(), s.reason.as_str(), s.expected_days)
            });
            vec![
                format!("{}：", ctx.applicant),
                format!(
                    "你（单位）申请的“{name}”（办件编号{}），依法需要进行{kind_label}，理由：{}。预计所需时间为{}个工作日，自{}起计算。",
                    ctx.case_number,
                    reason.trim_end_matches('。'),
                    days,
                    fmt_date_cn(issued_on)
                ),
                "依照《中华人民共和国行政许可法》第四十五条的规定，上述程序所需时间不计算在行政许可期限内。程序结束后恢复计算期限，本机关将及时告知办理进展。".into(),
            ]
        }
        DocumentKind::ExtensionNotice => {
            let e = case.extension.as_ref();
            let (article, approver) = if item.joint {
                ("第四十二条第二款", "本级人民政府负责人")
            } else {
                ("第四十二条第一款", "本机关负责人")
            };
            // A special law's extension is granted under that law (Art. 42: 法律、法规另有规定的，
            // 依照其规定).
            let basis = if item.extension_days.is_some() {
                format!(
                    "{}及《中华人民共和国行政许可法》第四十二条",
                    item.extension_rule()
                )
            } else {
                format!("《中华人民共和国行政许可法》{article}")
            };
            vec![
                format!("{}：", ctx.applicant),
                format!(
                    "你（单位）申请的“{name}”（办件编号{}），因{}，在法定期限内不能作出决定。经{approver}批准，依照{basis}的规定，审批期限延长{}，延长后的法定期限届满日为{}。",
                    ctx.case_number,
                    e.map_or("", |e| e.reason.trim_end_matches('。')),
                    item.days_text(e.map_or(0, |e| e.days)),
                    ctx.clock
                        .and_then(|c| c.statutory_due)
                        .map(fmt_date_cn)
                        .unwrap_or_else(|| "待下一年度节假日安排公布后确定".into())
                ),
            ]
        }
        DocumentKind::DecisionLetter | DocumentKind::CommitmentDecision => {
            let reason = case
                .decision
                .as_ref()
                .map(|d| d.reason.clone())
                .unwrap_or_default();
            let mut p = vec![format!("{}：", ctx.applicant)];
            if kind == DocumentKind::DecisionLetter && item.kind != ItemKind::Licensing {
                p.extend(not_licence_result(case, ctx, &applied, true));
                return finish(kind, ctx, issued_on, p, list);
            }
            if kind == DocumentKind::CommitmentDecision {
                p.push(format!(
                    "你（单位）于{applied}提出的“{name}”申请，选择告知承诺方式办理。本机关已一次性书面告知许可条件、所需材料和虚假承诺的法律责任，你（单位）书面承诺已经符合许可条件。依照《中华人民共和国行政许可法》第三十四条第二款和告知承诺制的有关规定，当场决定准予行政许可。"
                ));
                p.push("本机关和监管部门将在规定期限内对承诺内容进行核查。经核查发现承诺不实的，依法撤销行政许可，并记入信用记录。".into());
            } else {
                p.push(format!(
                    "你（单位）于{applied}提出的“{name}”申请，本机关于{}受理。经审查，{}。依照《中华人民共和国行政许可法》第三十八条第一款的规定，决定准予行政许可。",
                    case.accepted_on.map(fmt_date_cn).unwrap_or_default(),
                    if reason.is_empty() { "申请人的申请符合法定条件、标准".to_string() } else { reason.trim_end_matches('。').to_string() }
                ));
            }
            p.extend(hearing_basis(case, ctx));
            p.push(match ctx.clock.and_then(|c| c.certificate_due) {
                Some(due) => format!(
                    "本机关将于{}前向你（单位）颁发、送达《{}》。",
                    fmt_date_cn(due),
                    ctx.result_name
                ),
                None => format!(
                    "本机关将自本决定作出之日起十个工作日内向你（单位）颁发、送达《{}》。",
                    ctx.result_name
                ),
            });
            p.push("本决定依照《中华人民共和国行政许可法》第四十条予以公开。".into());
            p
        }
        DocumentKind::DenialLetter if item.kind != ItemKind::Licensing => {
            let mut p = vec![format!("{}：", ctx.applicant)];
            p.extend(not_licence_result(case, ctx, &applied, false));
            p.push(rights(ctx.issuer));
            p
        }
        DocumentKind::DenialLetter => {
            let reason = case
                .decision
                .as_ref()
                .map(|d| d.reason.clone())
                .unwrap_or_default();
            vec![
                format!("{}：", ctx.applicant),
                format!(
                    "你（单位）于{applied}提出的“{name}”申请，本机关于{}受理。经审查，{}。依照《中华人民共和国行政许可法》第三十八条第二款的规定，决定不予行政许可。",
                    case.accepted_on.map(fmt_date_cn).unwrap_or_default(),
                    reason.trim_end_matches('。')
                ),
            ]
            .into_iter()
            .chain(hearing_basis(case, ctx))
            .chain([rights(ctx.issuer)])
            .collect()
        }
        DocumentKind::Licence => {
            let mut p = vec![
                format!("持证人：{}", ctx.applicant),
                format!("许可事项：{name}"),
                format!("发证日期：{}", fmt_date_cn(issued_on)),
            ];
            if let Some(y) = ctx.validity_years {
                let until = issued_on
                    .checked_add_months(chrono::Months::new(12 * y))
                    .and_then(|d| d.pred_opt())
                    .unwrap_or(issued_on);
                p.push(format!(
                    "有效期限：{}至{}",
                    fmt_date_cn(issued_on),
                    fmt_date_cn(until)
                ));
            }
            p.push(format!("办件编号：{}", ctx.case_number));
            p
        }
        DocumentKind::WithdrawalConfirmation => vec![
            format!("{}：", ctx.applicant),
            format!(
                "你（单位）于{applied}提出的“{name}”申请（办件编号{}），已于{}申请撤回{}。本机关终止办理该申请，已提交的申请材料可凭本确认书领回。",
                ctx.case_number,
                fmt_date_cn(issued_on),
                if case.closing_reason.is_empty() {
                    String::new()
                } else {
                    format!("，理由：{}", case.closing_reason.trim_end_matches('。'))
                }
            ),
        ],
        // The acts on a licence after the decision are composed by [`licence_act_document`].
        DocumentKind::ChangeDenial
        | DocumentKind::RenewalDenial
        | DocumentKind::RevocationDecision
        | DocumentKind::CancellationDecision
        | DocumentKind::LicenceWithdrawalDecision => vec![format!("{}：", ctx.applicant)],
        // The monthly report belongs to no case: `yiyin_app::reports` composes it.
        DocumentKind::MonthlyReport => vec![format!("{}：", ctx.applicant)],
        DocumentKind::HearingRightNotice
        | DocumentKind::HearingNotice
        | DocumentKind::HearingAnnouncement => hearing_paragraphs(kind, case, ctx, issued_on),
    };
    finish(kind, ctx, issued_on, paragraphs, list)
}

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

/// The body of the result of an item that is not an administrative licence, granted or not:
/// what was asked, the outcome in its own words and, when granted, how the result reaches the
/// applicant — on the spot for an item handled on the spot (即办), with no statutory date. No
/// Art. 38 (nor Art. 40's publication of licensing decisions) is cited.
fn not_licence_result(case: &Case, ctx: &DocContext, applied: &str, granted: bool) -> Vec<String> {
    let item = ctx.item;
    let name = &item.name;
    let reason = case
        .decision
        .as_ref()
        .map(|d| d.reason.trim_end_matches('。').to_string())
        .unwrap_or_default();
    let decided = case
        .decided_on
        .map(fmt_date_cn)
        .unwrap_or_else(|| "当日".to_string());
    let mut p = Vec::new();
    if granted {
        // What was done beyond 办结 (a public service's 办结 says it all).
        let (done, default_reason) = match item.kind {
            ItemKind::Filing => ("，予以备案", "备案材料齐全"),
            ItemKind::OtherApproval => ("，决定予以批准", "申请符合规定的条件"),
            _ => ("", "申请符合办理条件"),
        };
        let reason = if reason.is_empty() {
            default_reason.to_string()
        } else {
            reason
        };
        p.push(if item.instant {
            format!("你（单位）于{applied}提出的“{name}”申请，经审核，{reason}，本机关已当场办结{done}。")
        } else {
            format!("你（单位）于{applied}提出的“{name}”申请，经审核，{reason}，本机关于{decided}办结{done}。")
        });
        p.push(if item.instant {
            format!(
                "办理结果（{}）当场交付，可凭办件编号查询。",
                ctx.result_name
            )
        } else {
            format!(
                "办理结果（{}）将按你（单位）选择的方式送达，可凭办件编号查询。",
                ctx.result_name
            )
        });
    } else {
        let refused = match item.kind {
            ItemKind::Filing => "不予备案",
            ItemKind::OtherApproval => "决定不予批准",
            _ => "不予办理",
        };
        p.push(format!(
            "你（单位）于{applied}提出的“{name}”申请，经审核，{}，本机关{refused}。",
            if reason.is_empty() {
                "申请不符合办理条件".to_string()
            } else {
                reason
            }
        ));
    }
    p.push(format!(
        "办件编号：{}；查询码：{}。",
        ctx.case_number, ctx.query_code
    ));
    p
}

/// The record of a composed document: its title, number, issuer and seal.
fn finish(
    kind: DocumentKind,
    ctx: &DocContext,
    issued_on: NaiveDate,
    paragraphs: Vec<String>,
    list: Vec<String>,
) -> DocumentRecord {
    let title = if kind == DocumentKind::Licence {
        ctx.result_name.to_string()
    } else {
        result_title(kind, ctx.item.kind).to_string()
    };
    DocumentRecord {
        kind,
        title,
        number: doc_number(ctx.issuer, kind, issued_on, ctx.case_number),
        case_number: ctx.case_number.to_string(),
        recipient: match kind {
            DocumentKind::HearingAnnouncement => "社会公众".to_string(),
            DocumentKind::HearingRightNotice | DocumentKind::HearingNotice => {
                format!("{}及利害关系人", ctx.applicant)
            }
            _ => ctx.applicant.to_string(),
        },
        issued_on,
        agency: ctx.issuer.agency.clone(),
        seal: ctx.issuer.seal.clone(),
        paragraphs,
        list,
        identifier: None,
        valid_until: match kind {
            DocumentKind::Licence => ctx.validity_years.and_then(|y| {
                issued_on
                    .checked_add_months(chrono::Months::new(12 * y))
                    .and_then(|d| d.pred_opt())
            }),
            _ => None,
        },
        contents: vec![],
    }
}

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
fn hearing_basis(case: &Case, ctx: &DocContext) -> Option<String> {
    let h = case.hearing.as_ref().filter(|h| h.held_on.is_some())?;
    Some(format!(
        "本机关于{}依法举行听证，本决定根据听证笔录（{}）作出（《中华人民共和国行政许可法》第四十八条第二款）。",
        h.held_on.map(fmt_date_cn).unwrap_or_default(),
        h.record_reference(ctx.case_number)
    ))
}

/// The hearing notices and the announcement (Art. 46–48).
fn hearing_paragraphs(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Calendar;
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
            text.contains("第三十八条第二款")
                && text.contains("行政复议")
                && text.contains("行政诉讼"),
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
}
