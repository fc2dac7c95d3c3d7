//! Notifications (通知): which events of a case tell someone something, what each says, and by which
//! channels it goes. The kinds follow the event codes the engine's actions are recorded under
//! (`receive`, `notify_supplement`, `accept` …, `deemed_accept`); the staff's "deadline near" notice
//! (即将超期) follows the case's clock. Each kind has a Chinese template — a subject, a body with the
//! case number, the item, the statutory date where one applies, and a link to the case — and a short
//! text for SMS. In-site messages (站内消息) always go; SMS and e-mail as the account's preferences
//! say and where it has a number or an address. Idempotency keys are made here, so that one event
//! (or one due date) is told once per recipient and channel, however often it is looked at.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::fmt_date;
use crate::engine::{Case, Clock, ItemRules};
use crate::refusal::{Refusal, refuse};

labelled_enum!(
    /// What a notification tells.
    NotificationKind {
        Receipt = ("receipt", "收件通知"),
        SupplementNotice = ("supplement_notice", "补正告知"),
        Acceptance = ("acceptance", "受理通知"),
        RefusalToAccept = ("refusal_to_accept", "不予受理通知"),
        Suspension = ("suspension", "中止计时通知"),
        Extension = ("extension", "延期通知"),
        Decision = ("decision", "审批决定通知"),
        LicenceReady = ("licence_ready", "证照制发通知"),
        DeemedAcceptance = ("deemed_acceptance", "视为受理通知"),
        /// A bundle's results released at once (一件事统一出件, Art. 26).
        BundleRelease = ("bundle_release", "统一出件通知"),
        DeadlineNear = ("deadline_near", "即将超期提醒"),
        /// The date of a joint site inspection or acceptance (联合踏勘、联合验收), in writing.
        JointVisit = ("joint_visit", "联合踏勘验收通知"),
        /// To the window: an application submitted online waits for its Art. 32 act.
        OnlineApplication = ("online_application", "网上申请待处理提醒"),
    }
);

labelled_enum!(
    /// How a notification reaches its reader.
    NotificationChannel {
        InSite = ("in_site", "站内消息"),
        Sms = ("sms", "短信"),
        Email = ("email", "电子邮件"),
    }
);

impl NotificationKind {
    /// The kind an event of a case is told as; None for events nobody is notified of (steps,
    /// readings, hearings, supplements the applicant made themselves …).
    pub fn of_event(action: &str) -> Option<Self> {
        Some(match action {
            "receive" => NotificationKind::Receipt,
            "notify_supplement" => NotificationKind::SupplementNotice,
            "accept" | "accept_deferred" | "accept_on_commitment" => NotificationKind::Acceptance,
            "refuse" | "not_needed" => NotificationKind::RefusalToAccept,
            "suspend" => NotificationKind::Suspension,
            "extend" => NotificationKind::Extension,
            "decide" => NotificationKind::Decision,
            "issue_certificate" => NotificationKind::LicenceReady,
            "deemed_accept" => NotificationKind::DeemedAcceptance,
            "release" => NotificationKind::BundleRelease,
            _ => return None,
        })
    }
}

/// Which channels an account wants besides the in-site message (always on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Preferences {
    pub sms: bool,
    pub email: bool,
}

impl Default for Preferences {
    /// Both on: the statutory notices of a case are what an applicant waits for.
    fn default() -> Self {
        Preferences {
            sms: true,
            email: true,
        }
    }
}

impl Preferences {
    /// The channels a notification goes by: in-site always (when there is an account to hold it),
    /// SMS when wanted and a number is known, e-mail when wanted and an address is known.
    pub fn channels(
        &self,
        has_account: bool,
        has_phone: bool,
        has_email: bool,
    ) -> Vec<NotificationChannel> {
        let mut out = Vec::new();
        if has_account {
            out.push(NotificationChannel::InSite);
        }
        if self.sms && has_phone {
            out.push(NotificationChannel::Sms);
        }
        if self.email && has_email {
            out.push(NotificationChannel::Email);
        }
        out
    }
}

/// What a notification says, ready for every channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    pub kind: NotificationKind,
    pub subject: String,
    pub body: String,
    /// The short text of an SMS (with the signature 【一印】 the gateway adds no more).
    pub sms: String,
    /// The path of the page the reader opens (relative to the portal's address).
    pub link: String,
}

/// The case a notification is about.
#[derive(Debug, Clone, Copy)]
pub struct About<'a> {
    pub case_id: i64,
    pub number: &'a str,
    pub item_name: &'a str,
    pub case: &'a Case,
    pub item: &'a ItemRules,
    /// The clock after the event, when the calendar covers it.
    pub clock: Option<&'a Clock>,
    /// The reason the event carries (a refusal's, a suspension's …).
    pub reason: &'a str,
}

/// The applicant's page of a case.
pub fn applicant_link(case_id: i64) -> String {
    format!("/my/cases/{case_id}")
}

/// The staff's page of a case.
pub fn staff_link(case_id: i64) -> String {
    format!("/work/cases/{case_id}")
}

fn date_or_pending(d: Option<NaiveDate>) -> String {
    d.map_or_else(|| "（待定）".to_string(), fmt_date)
}

/// The reason the act gave, or `absent` where it gave none.
fn reason_or<'a>(reason: &'a str, absent: &'a str) -> &'a str {
    if reason.is_empty() { absent } else { reason }
}

/// The applicant's notice of a case event.
pub fn compose(kind: NotificationKind, a: &About<'_>) -> Message {
    let head = format!("您申请的「{}」（办件编号 {}）", a.item_name, a.number);
    let statutory = a.clock.and_then(|c| c.statutory_due);
    let (detail, sms_detail) = match kind {
        NotificationKind::Receipt => {
            let due = a.clock.map(|c| c.intake_due).unwrap_or(a.case.intake.due);
            (
                format!(
                    "已于 {} 收件。本机关将于 {} 前作出是否受理的决定；逾期不告知补正的，自收到材料之日起即为受理（《行政许可法》第三十二条）。",
                    fmt_date(a.case.received_on),
                    fmt_date(due)
                ),
                format!("已收件，{}前决定是否受理", fmt_date(due)),
            )
        }
        NotificationKind::SupplementNotice => {
            let missing: Vec<String> = a
                .case
                .notices
                .last()
                .map(|n| n.missing.iter().map(|m| a.item.material_name(m)).collect())
                .unwrap_or_default();
            let list = if missing.is_empty() {
                "（见补正告知书）".to_string()
            } else {
                missing.join("、")
            };
            (
                format!(
                    "材料不齐全或不符合法定形式，现一次性告知您需要补正的全部内容：{list}。请登录后在办件页面提交补正材料；材料补齐后本机关将重新计算受理期限（《行政许可法》第三十二条第一款第（四）项）。"
                ),
                format!("需补正材料：{list}，请登录一印提交"),
            )
        }
        NotificationKind::Acceptance => (
            format!(
                "已于 {} 受理。法定办结期限为 {}。",
                date_or_pending(a.case.accepted_on),
                date_or_pending(statutory)
            ),
            format!("已受理，法定办结期限{}", date_or_pending(statutory)),
        ),
        NotificationKind::RefusalToAccept => (
            format!(
                "本机关决定不予受理。理由：{}。您可查看不予受理决定书，依法申请行政复议或者提起行政诉讼。",
                reason_or(a.reason, "见决定书")
            ),
            "不予受理，请登录一印查看决定书".to_string(),
        ),
        NotificationKind::Suspension => (
            format!(
                "因依法需要听证、招标、拍卖、检验、检测、检疫、鉴定或专家评审等，办理期限中止计算（《行政许可法》第四十五条），所需时间不计入办理期限。说明：{}。",
                reason_or(a.reason, "无")
            ),
            "办理期限中止计算，请登录一印查看".to_string(),
        ),
        NotificationKind::Extension => (
            format!(
                "经本机关负责人批准，办理期限延长，延长后的法定办结期限为 {}（《行政许可法》第四十二条）。理由：{}。",
                date_or_pending(statutory),
                reason_or(a.reason, "见延期告知书")
            ),
            format!("办理期限延长至{}", date_or_pending(statutory)),
        ),
        NotificationKind::Decision => {
            let approved = a.case.decision.as_ref().is_some_and(|d| d.approved);
            let outcome = if approved {
                "准予行政许可"
            } else {
                "不予行政许可"
            };
            (
                format!(
                    "本机关已于 {} 作出{}的决定。{}",
                    date_or_pending(a.case.decided_on),
                    outcome,
                    if approved {
                        "证照制发后将另行通知。"
                    } else {
                        "不予许可的理由见决定书；您可依法申请行政复议或者提起行政诉讼。"
                    }
                ),
                format!("已作出{outcome}决定"),
            )
        }
        NotificationKind::LicenceReady => (
            format!(
                "证照已于 {} 制发，可登录查看或下载电子证照，也可按约定方式领取（《行政许可法》第四十四条）。",
                date_or_pending(a.case.certificate_issued_on)
            ),
            "证照已制发，请登录一印查看".to_string(),
        ),
        NotificationKind::DeemedAcceptance => (
            format!(
                "本机关未在法定期限内作出是否受理的决定，依法自 {} 起视为受理（《行政许可法》第三十二条）。法定办结期限为 {}。",
                date_or_pending(a.case.accepted_on),
                date_or_pending(statutory)
            ),
            format!("已视为受理，法定办结期限{}", date_or_pending(statutory)),
        ),
        NotificationKind::BundleRelease => (
            format!(
                "各成员事项均已办结，办理结果（{}）现统一出件（《行政许可法》第二十六条）。请登录后在各成员事项的办件页面查看、下载决定书和电子证照，也可按约定方式到窗口一并领取。",
                reason_or(a.reason, "见各事项决定书")
            ),
            "办理结果已统一出件，请登录一印查看".to_string(),
        ),
        // Staff notices are composed by `deadline_notice`.
        NotificationKind::DeadlineNear => (String::new(), String::new()),
        // Joint visits' notices are composed by `crate::joint_visit::date_notice`.
        NotificationKind::JointVisit => (String::new(), String::new()),
        // The window's notice is composed by `online_application_notice`.
        NotificationKind::OnlineApplication => (String::new(), String::new()),
    };
    Message {
        kind,
        subject: format!("{}：{}", kind.label(), a.item_name),
        body: format!("{head}{detail}"),
        sms: format!("{}（{}）{}", a.item_name, a.number, sms_detail),
        link: applicant_link(a.case_id),
    }
}

/// A due date of a case that comes close.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Near {
    /// `intake`, `promised`, `statutory` or `certificate`.
    pub limit: &'static str,
    pub label: &'static str,
    pub due: NaiveDate,
    /// Days left (in the limit's own unit): 0 on the due date itself.
    pub days_left: i64,
}

/// How many days before a due date the staff are told (the clock's own yellow light: two working
/// days before the promised date, the last working day of the intake window).
pub const NEAR_DAYS: i64 = 2;

/// The due dates of the clock that are near and not yet passed, one per limit.
pub fn deadlines_near(clock: &Clock) -> Vec<Near> {
    let mut out = Vec::new();
    let mut add = |limit, label, due: Option<NaiveDate>, left: Option<i64>, within: i64| {
        if let (Some(due), Some(left)) = (due, left)
            && (0..=within).contains(&left)
        {
            out.push(Near {
                limit,
                label,
                due,
                days_left: left,
            });
        }
    };
    add(
        "intake",
        "受理期限",
        Some(clock.intake_due),
        clock.intake_days_left,
        1,
    );
    add(
        "promised",
        "承诺办结时限",
        clock.promised_due,
        clock.promised_days_left,
        NEAR_DAYS,
    );
    add(
        "statutory",
        "法定办结时限",
        clock.statutory_due,
        clock.working_days_left,
        NEAR_DAYS,
    );
    add(
        "certificate",
        "发证期限",
        clock.certificate_due,
        clock.certificate_days_left,
        NEAR_DAYS,
    );
    out
}

/// The staff's notice of a due date near.
pub fn deadline_notice(case_id: i64, number: &str, item_name: &str, near: &Near) -> Message {
    let when = if near.days_left == 0 {
        "今日届满".to_string()
    } else {
        format!("还剩 {} 日", near.days_left)
    };
    Message {
        kind: NotificationKind::DeadlineNear,
        subject: format!("即将超期：{number} {}", near.label),
        body: format!(
            "办件 {number}（{item_name}）的{}为 {}，{when}，请及时办理，逾期将被电子监察记录。",
            near.label,
            fmt_date(near.due)
        ),
        sms: format!(
            "办件{number}{}{}届满（{when}），请及时办理",
            near.label,
            fmt_date(near.due)
        ),
        link: staff_link(case_id),
    }
}

/// The window's notice of an application submitted online (a case, or a bundle — 一件事 — with
/// its member items), opening `link`: the Art. 32 act is the window's, and a supplement notice not
/// given within five days counts the application as accepted from its receipt.
pub fn online_application_notice(number: &str, name: &str, applicant: &str, link: &str) -> Message {
    Message {
        kind: NotificationKind::OnlineApplication,
        subject: format!("网上申请待处理：{number} {name}"),
        body: format!(
            "{applicant}在网上提交了「{name}」的申请（办件编号 {number}），请及时审查，当场或者在五日内作出受理、不予受理或者一次性告知补正的决定；逾期不告知补正的，自收到申请材料之日起即为受理（《行政许可法》第三十二条）。"
        ),
        sms: format!("网上申请{number}（{name}）待处理，请在五日内审查"),
        link: link.to_string(),
    }
}

/// The idempotency key of a case event's notice to one recipient by one channel: the chain's
/// event sequence names the event once and for all.
pub fn event_key(event_seq: i64, recipient: &str, channel: NotificationChannel) -> String {
    format!("event:{event_seq}:{recipient}:{}", channel.code())
}

/// The idempotency key of a due date's notice: one per case, limit, due date, recipient and
/// channel (a due date moved by an extension is told again).
pub fn near_key(
    case_id: i64,
    near: &Near,
    recipient: &str,
    channel: NotificationChannel,
) -> String {
    format!(
        "near:{case_id}:{}:{}:{recipient}:{}",
        near.limit,
        fmt_date(near.due),
        channel.code()
    )
}

/// A notice's address as those who oversee the sending see it: a phone number masked in its middle
/// (138****5678), an e-mail address with its local part masked but for its ends (w******g@qq.com).
pub fn masked_address(channel: NotificationChannel, address: &str) -> String {
    match channel {
        NotificationChannel::Email => match address.trim().rsplit_once('@') {
            Some((local, domain)) => format!("{}@{domain}", crate::ids::mask_middle(local, 1, 1)),
            None => crate::ids::mask_middle(address, 1, 1),
        },
        _ => crate::ids::mask_phone(address),
    }
}

/// Only a notice whose retries are spent (a dead letter) is sent again by hand: one that went out
/// would reach its reader twice, one still retried goes by itself.
pub fn check_resend(sent: bool, dead: bool) -> Result<(), Refusal> {
    if sent {
        refuse("notification", "该通知已发送成功，不能重复发送")
    } else if !dead {
        refuse(
            "notification",
            "该通知仍在自动重试中，只有重试用尽、发送失败的通知可以重新发送",
        )
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Calendar;
    use crate::engine::{Action, ApplicantFacts, Context};
    use crate::testing::d;

    fn item() -> ItemRules {
        serde_json::from_str(
            r#"{"name":"食品经营许可","statutory_days":20,"promised_days":10,
                "materials":[{"code":"M1","name":"营业执照","required":true},{"code":"M2","name":"场所平面图","required":true}]}"#,
        )
        .unwrap()
    }

    #[test]
    fn events_map_to_kinds_and_others_are_silent() {
        assert_eq!(
            NotificationKind::of_event("notify_supplement"),
            Some(NotificationKind::SupplementNotice)
        );
        assert_eq!(
            NotificationKind::of_event("accept_deferred"),
            Some(NotificationKind::Acceptance)
        );
        assert_eq!(
            NotificationKind::of_event("issue_certificate"),
            Some(NotificationKind::LicenceReady)
        );
        assert_eq!(
            NotificationKind::of_event("deemed_accept"),
            Some(NotificationKind::DeemedAcceptance)
        );
        for silent in [
            "supplement",
            "complete_step",
            "reveal_identifiers",
            "card_issue",
        ] {
            assert_eq!(NotificationKind::of_event(silent), None, "{silent}");
        }
    }

    #[test]
    fn in_site_always_others_as_preferred_and_reachable() {
        use NotificationChannel::*;
        let all = Preferences::default();
        assert_eq!(all.channels(true, true, true), vec![InSite, Sms, Email]);
        assert_eq!(all.channels(true, false, true), vec![InSite, Email]);
        assert_eq!(all.channels(false, true, false), vec![Sms]);
        let quiet = Preferences {
            sms: false,
            email: false,
        };
        assert_eq!(quiet.channels(true, true, true), vec![InSite]);
    }

    #[test]
    fn supplement_notice_names_every_missing_material_and_the_case() {
        let (item, cal, facts) = (item(), Calendar::builtin(), ApplicantFacts::default());
        let ctx = Context {
            item: &item,
            calendar: &cal,
            applicant: &facts,
        };
        let on = d("2025-09-01");
        let case = Case::receive(&ctx, on, &["M1".into()]).unwrap().case;
        let case = case
            .apply(
                &ctx,
                on,
                &Action::NotifySupplement {
                    missing: vec!["M2".into()],
                },
            )
            .unwrap()
            .case;
        let clock = case.deadlines(&ctx, on).unwrap();
        let m = compose(
            NotificationKind::SupplementNotice,
            &About {
                case_id: 7,
                number: "HY-2025-000007",
                item_name: "食品经营许可",
                case: &case,
                item: &item,
                clock: Some(&clock),
                reason: "",
            },
        );
        assert_eq!(m.subject, "补正告知：食品经营许可");
        assert!(m.body.contains("HY-2025-000007"), "{}", m.body);
        assert!(m.body.contains("M2（场所平面图）"), "{}", m.body);
        assert!(!m.body.contains("营业执照"), "{}", m.body);
        assert!(m.sms.contains("M2（场所平面图）"));
        assert_eq!(m.link, "/my/cases/7");
    }

    #[test]
    fn receipt_and_acceptance_carry_the_statutory_dates() {
        let (item, cal, facts) = (item(), Calendar::builtin(), ApplicantFacts::default());
        let ctx = Context {
            item: &item,
            calendar: &cal,
            applicant: &facts,
        };
        let on = d("2025-09-01");
        let received = Case::receive(&ctx, on, &["M1".into(), "M2".into()])
            .unwrap()
            .case;
        let clock = received.deadlines(&ctx, on).unwrap();
        let about = |case, clock| About {
            case_id: 1,
            number: "N1",
            item_name: "食品经营许可",
            case,
            item: &item,
            clock,
            reason: "",
        };
        let m = compose(NotificationKind::Receipt, &about(&received, Some(&clock)));
        assert!(m.body.contains(&fmt_date(clock.intake_due)), "{}", m.body);
        let accepted = received.apply(&ctx, on, &Action::Accept).unwrap().case;
        let clock = accepted.deadlines(&ctx, on).unwrap();
        let due = clock.statutory_due.expect("statutory due once accepted");
        let m = compose(
            NotificationKind::Acceptance,
            &about(&accepted, Some(&clock)),
        );
        assert!(m.body.contains(&fmt_date(due)), "{}", m.body);
        assert!(m.sms.contains(&fmt_date(due)));
        // Without a clock (the calendar lacks the year) the date is pending, never guessed.
        let m = compose(NotificationKind::Acceptance, &about(&accepted, None));
        assert!(m.body.contains("（待定）"), "{}", m.body);
    }

    #[test]
    fn deadlines_near_only_within_the_window_and_not_past() {
        let (item, cal, facts) = (item(), Calendar::builtin(), ApplicantFacts::default());
        let ctx = Context {
            item: &item,
            calendar: &cal,
            applicant: &facts,
        };
        let on = d("2025-09-01");
        let case = Case::receive(&ctx, on, &["M1".into(), "M2".into()])
            .unwrap()
            .case
            .apply(&ctx, on, &Action::Accept)
            .unwrap()
            .case;
        let early = case.deadlines(&ctx, on).unwrap();
        assert!(deadlines_near(&early).is_empty());
        let promised = early.promised_due.unwrap();
        let on_due = case.deadlines(&ctx, promised).unwrap();
        let near = deadlines_near(&on_due);
        assert_eq!(near.len(), 1, "{near:?}");
        assert_eq!((near[0].limit, near[0].days_left), ("promised", 0));
        let m = deadline_notice(3, "N3", "食品经营许可", &near[0]);
        assert!(m.body.contains("今日届满"), "{}", m.body);
        assert_eq!(m.link, "/work/cases/3");
        let after = cal.add(promised, 1).unwrap();
        let past = case.deadlines(&ctx, after).unwrap();
        assert!(deadlines_near(&past).iter().all(|n| n.limit != "promised"));
        // Keys differ per limit, due date, recipient and channel, and are stable.
        let k = near_key(3, &near[0], "account:5", NotificationChannel::Sms);
        assert_eq!(
            k,
            near_key(3, &near[0], "account:5", NotificationChannel::Sms)
        );
        assert_ne!(
            k,
            near_key(3, &near[0], "account:6", NotificationChannel::Sms)
        );
        assert_ne!(
            k,
            near_key(3, &near[0], "account:5", NotificationChannel::Email)
        );
    }

    #[test]
    fn addresses_are_masked_and_only_dead_letters_are_sent_again() {
        assert_eq!(
            masked_address(NotificationChannel::Sms, "13912345678"),
            "139****5678"
        );
        assert_eq!(
            masked_address(NotificationChannel::Email, "wangfang@example.cn"),
            "w******g@example.cn"
        );
        assert_eq!(
            masked_address(NotificationChannel::Email, "wf@example.cn"),
            "**@example.cn"
        );
        assert!(check_resend(false, true).is_ok());
        assert!(
            check_resend(true, false)
                .unwrap_err()
                .message
                .contains("已发送成功")
        );
        assert!(
            check_resend(false, false)
                .unwrap_err()
                .message
                .contains("自动重试")
        );
    }
}
