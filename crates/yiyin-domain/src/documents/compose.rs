//! The documents of a case as the engine calls for them ([`compose`]): the vouchers, notices and
//! decisions of intake, special procedures and the result, worded for the item's kind — only an
//! administrative licence cites the Administrative Licensing Law.

use chrono::NaiveDate;

use super::hearing::{hearing_basis, hearing_paragraphs};
use super::{DocContext, DocumentRecord, finish, rights};
use crate::calendar::fmt_date_cn;
use crate::catalog::ItemKind;
use crate::engine::{Case, Closing, DocumentKind, ItemRules};

/// The words of a document that differ by the item's kind: `licensing` for an administrative
/// licence, `otherwise` for an item that is not one — a public service, a filing or another
/// approval is not handled under the Administrative Licensing Law, so its documents cite none of
/// that law's articles.
fn by_kind<'a>(item: &ItemRules, licensing: &'a str, otherwise: &'a str) -> &'a str {
    if item.kind == ItemKind::Licensing {
        licensing
    } else {
        otherwise
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
                    "本机关于{applied}收到你（单位）提交的“{name}”申请材料（清单附后）。本机关将在收到申请材料之日起五个工作日内（{}前）{}作出处理；逾期不告知补正的，自收到申请材料之日起即为受理。",
                    fmt_date_cn(case.supplement_notice_due),
                    by_kind(item, "依照《中华人民共和国行政许可法》第三十二条的规定", "")
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
                    "你（单位）于{applied}提出的“{name}”申请，本机关未在五个工作日内告知补正{}自收到申请材料之日（{}）起即为受理。",
                    by_kind(
                        item,
                        "。依照《中华人民共和国行政许可法》第三十二条第一款第（四）项的规定，",
                        "，"
                    ),
                    fmt_date_cn(accepted)
                ));
            } else {
                p.push(format!(
                    "你（单位）于{applied}提出的“{name}”申请，经审查，{}，受理日期为{}。",
                    by_kind(
                        item,
                        "申请事项属于本机关职权范围，申请材料齐全、符合法定形式。依照《中华人民共和国行政许可法》第三十二条第一款第（五）项的规定，决定予以受理",
                        "申请事项属于本机关职责范围，申请材料齐全，本机关已受理"
                    ),
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
                p.push(format!(
                    "本申请实行容缺受理。下列非核心材料请按承诺日期补交；材料补齐后方可领取{}：",
                    by_kind(item, "许可证件", "办理结果")
                ));
            }
            // What the statutory period ends in: a licensing decision, or the end of the handling
            // of an item that is not an administrative licence.
            let outcome = if item.kind == ItemKind::Licensing {
                "作出行政许可决定"
            } else {
                "办理完毕"
            };
            if item.instant {
                p.push(format!(
                    "本事项为即办件，本机关当场{}。",
                    by_kind(item, "作出决定", "办理")
                ));
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
                    "你（单位）于{applied}提出的“{name}”申请，经审查，申请材料不齐全或者不符合{}现一次性告知你（单位）需要补正的全部内容如下：",
                    by_kind(
                        item,
                        "法定形式。依照《中华人民共和国行政许可法》第三十二条第一款第（四）项的规定，",
                        "规定形式，"
                    )
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
                    "你（单位）于{applied}提出的“{name}”申请，经审查，申请事项依法不属于本机关职权范围，理由如下：{}。{}决定不予受理。{redirect}",
                    case.closing_reason.trim_end_matches('。'),
                    by_kind(
                        item,
                        "依照《中华人民共和国行政许可法》第三十二条第一款第（二）项的规定，",
                        "本机关"
                    )
                ),
                rights(ctx.issuer),
            ]
        }
        DocumentKind::NotNeededNotice => vec![
            format!("{}：", ctx.applicant),
            format!(
                "你（单位）于{applied}提出的“{name}”申请，经审查，该申请事项依法不需要{}，理由如下：{}。{}特此告知不予受理。",
                by_kind(item, "取得行政许可", "向本机关申请办理"),
                case.closing_reason.trim_end_matches('。'),
                by_kind(
                    item,
                    "依照《中华人民共和国行政许可法》第三十二条第一款第（一）项的规定，",
                    ""
                )
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
                format!(
                    "{}程序结束后恢复计算期限，本机关将及时告知办理进展。",
                    by_kind(
                        item,
                        "依照《中华人民共和国行政许可法》第四十五条的规定，上述程序所需时间不计算在行政许可期限内。",
                        "上述程序所需时间不计算在办理期限内。"
                    )
                ),
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
            // An item that is not a licence is extended under its own rule only, if it has one.
            let basis = match (item.kind, item.extension_days.is_some()) {
                (ItemKind::Licensing, true) => format!(
                    "依照{}及《中华人民共和国行政许可法》第四十二条的规定，审批",
                    item.extension_rule()
                ),
                (ItemKind::Licensing, false) => {
                    format!("依照《中华人民共和国行政许可法》{article}的规定，审批")
                }
                (_, true) => format!("依照{}的规定，办理", item.extension_rule()),
                (_, false) => "办理".to_string(),
            };
            vec![
                format!("{}：", ctx.applicant),
                format!(
                    "你（单位）申请的“{name}”（办件编号{}），因{}，在法定期限内不能作出决定。经{approver}批准，{basis}期限延长{}，延长后的法定期限届满日为{}。",
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
        // The monthly report and the drawing review certificate belong to no case:
        // `yiyin_app::reports` and `crate::drawing_review` compose them.
        DocumentKind::MonthlyReport | DocumentKind::DrawingCertificate => {
            vec![format!("{}：", ctx.applicant)]
        }
        DocumentKind::HearingRightNotice
        | DocumentKind::HearingNotice
        | DocumentKind::HearingAnnouncement => hearing_paragraphs(kind, case, ctx, issued_on),
    };
    finish(kind, ctx, issued_on, paragraphs, list)
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
