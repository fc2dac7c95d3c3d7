//! A bundle's member items as ordinary cases (一件事, 《行政许可法》第二十六条、第四十二条第二款), as
//! the server runs them: when the window receives a bundle, each member item becomes a case of this
//! engine under its own item rules, reviewed and decided by its own department like any case. What
//! stays the bundle's: the intake (one receipt, one supplement notice, one acceptance — the bundle's
//! own case, [`super::Bundle`]), the joint clock (45 working days from acceptance, one extension of
//! 15 approved by the government's head) and the release of every result at once.
//!
//! This module holds the rules between the two: a member case mirrors the bundle's intake
//! ([`Case::mirror_intake`]), takes the bundle's extension ([`Case::join_extension`]) and never runs
//! past its joint due date (`Case::joint_due`, applied by the clock); what a member case may do on
//! its own ([`member_may`]); a member's outcome ([`MemberOutcome`]); the bundle's result derived
//! from its members ([`joint_result`]) and its release ([`check_release`]); and whether a member
//! case's results (decision, licence) are out to its applicant yet ([`ResultRelease`]): held back
//! until the bundle's one release, for every way the applicant may reach them.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{Action, Case, CaseState, DocumentKind, Extension};
use crate::calendar::fmt_date;
use crate::refusal::Refusal;

const ART26: &str = "《行政许可法》第二十六条";
const ART42_2: &str = "《行政许可法》第四十二条第二款";

/// A bundle received on the server: its one case of intake and of the joint clock (the engine's
/// [`super::Bundle`] without decisions of its own: its members' decisions are their cases'), and
/// the day every result was released at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JointBundle {
    pub case: Case,
    #[serde(default)]
    pub released_on: Option<NaiveDate>,
}

impl JointBundle {
    /// The engine's bundle to take an intake act on (receipt, notice, supplement, acceptance,
    /// extension: `super::Bundle::apply` with a [`super::BundleAction::Case`]).
    pub fn engine(&self) -> super::Bundle {
        super::Bundle {
            case: self.case.clone(),
            decisions: vec![],
            released_on: self.released_on,
        }
    }
}

impl From<super::Bundle> for JointBundle {
    fn from(b: super::Bundle) -> Self {
        JointBundle {
            case: b.case,
            released_on: b.released_on,
        }
    }
}

impl Case {
    /// The member case after an act of the bundle's intake: while the member's own intake is
    /// pending, it takes the bundle's state of intake (received, awaiting supplement, accepted —
    /// deemed or not —, refused, withdrawn), its intake window, notices, acceptance and closing,
    /// so that time does to it what it does to the bundle; the materials in hand are translated by
    /// `own` (a merged code to the member's own code; `None`: the member does not need it). A member
    /// already accepted only takes the materials.
    pub fn mirror_intake(&self, bundle: &Case, own: impl Fn(&str) -> Option<String>) -> Case {
        let mut c = self.clone();
        let translate = |codes: &[String]| -> Vec<String> {
            let mut out: Vec<String> = codes.iter().filter_map(|m| own(m)).collect();
            out.dedup();
            out
        };
        c.provided
            .extend(bundle.provided.iter().filter_map(|m| own(m)));
        if !matches!(
            self.state,
            CaseState::Received | CaseState::AwaitingSupplement
        ) {
            return c;
        }
        c.state = match bundle.state {
            CaseState::Received | CaseState::AwaitingSupplement => bundle.state,
            CaseState::Refused | CaseState::Withdrawn => bundle.state,
            _ => CaseState::Accepted,
        };
        c.supplement_notice_due = bundle.supplement_notice_due;
        c.intake = bundle.intake.clone();
        c.notices = bundle
            .notices
            .iter()
            .map(|n| super::Notice {
                on: n.on,
                missing: translate(&n.missing),
            })
            .collect();
        c.corrections = bundle.corrections;
        c.accepted_on = bundle.accepted_on;
        c.deemed_accepted = bundle.deemed_accepted;
        c.not_requested = translate(&bundle.not_requested);
        c.closed_on = bundle.closed_on;
        c.closing = bundle.closing.clone();
        c.closing_reason = bundle.closing_reason.clone();
        c
    }

    /// The member case with the bundle's one extension (Art. 42 para 2: fifteen working days,
    /// approved by the government's head), unless it is closed or already has it.
    pub fn join_extension(&self, extension: &Extension) -> Case {
        let mut c = self.clone();
        if c.extension.is_none() && !c.is_closed() && c.accepted_on.is_some() {
            c.extension = Some(extension.clone());
        }
        c
    }
}

/// The actions (by name) that are the bundle's and never a member case's own: the intake (one
/// receipt, one supplement notice, one acceptance at the window, Art. 26) and the one extension
/// (Art. 42 para 2).
const BUNDLE_ONLY: &[&str] = &[
    "notify_supplement",
    "supplement",
    "correct",
    "accept",
    "accept_deferred",
    "accept_on_commitment",
    "refuse",
    "not_needed",
    "extend",
];

/// Whether a member case offers the action named `name` on its own (not one of the bundle's).
pub fn member_offers(name: &str) -> bool {
    !BUNDLE_ONLY.contains(&name)
}

/// Whether a member case (of the bundle named `bundle`) may take `action` on its own: not the
/// bundle's acts ([`member_offers`]), and nothing before the bundle is accepted.
pub fn member_may(case: &Case, action: &Action, bundle: &str) -> Result<(), Refusal> {
    if matches!(action, Action::Extend { .. }) {
        return crate::refusal::refuse(
            "AL-13",
            format!(
                "本件是一件事「{bundle}」的成员事项，不单独延期：依据{ART42_2}，联合办理四十五日内不能办结的，经本级人民政府负责人批准，一件事整体延长十五日"
            ),
        );
    }
    if !member_offers(action.name()) {
        return crate::refusal::refuse(
            "bundle",
            format!(
                "本件是一件事「{bundle}」的成员事项：依据{ART26}，收件、补正告知和受理由窗口对一件事统一办理，请在一件事中{}",
                action.label()
            ),
        );
    }
    if case.accepted_on.is_none() {
        return crate::refusal::refuse(
            "bundle",
            format!(
                "本件是一件事「{bundle}」的成员事项，一件事尚未受理（{}），受理后方可{}",
                case.state.label(),
                action.label()
            ),
        );
    }
    Ok(())
}

labelled_enum!(
    /// Where a member case stands in its bundle.
    MemberOutcome {
        /// Not yet decided.
        Pending = ("pending", "办理中"),
        Approved = ("approved", "准予行政许可"),
        Denied = ("denied", "不予行政许可"),
        /// Ended without a decision (the bundle not accepted, or withdrawn).
        Closed = ("closed", "已终止"),
    }
);

impl MemberOutcome {
    /// A member case's outcome.
    pub fn of(case: &Case) -> Self {
        match (&case.decision, case.state) {
            (Some(d), _) if d.approved => MemberOutcome::Approved,
            (Some(_), _) => MemberOutcome::Denied,
            (None, CaseState::Refused | CaseState::Withdrawn) => MemberOutcome::Closed,
            _ => MemberOutcome::Pending,
        }
    }

    /// Whether the member has ended (decided, or closed without a decision).
    pub fn ended(self) -> bool {
        self != MemberOutcome::Pending
    }
}

labelled_enum!(
    /// A bundle's result once every member has ended.
    JointResult {
        AllApproved = ("all_approved", "全部准予"),
        /// Some members approved, some not: the others are not held back (Art. 26).
        Partial = ("partial", "部分准予"),
        AllDenied = ("all_denied", "均未准予"),
    }
);

/// The bundle's result from its members' outcomes; `None` while any member is pending.
pub fn joint_result(outcomes: &[MemberOutcome]) -> Option<JointResult> {
    if outcomes.is_empty() || outcomes.iter().any(|o| !o.ended()) {
        return None;
    }
    let approved = outcomes
        .iter()
        .filter(|o| **o == MemberOutcome::Approved)
        .count();
    Some(if approved == outcomes.len() {
        JointResult::AllApproved
    } else if approved == 0 {
        JointResult::AllDenied
    } else {
        JointResult::Partial
    })
}

/// Whether the bundle's results may be released at once now (统一出件, Art. 26): the bundle
/// accepted, not released before, and every member ended — a denied member does not hold back the
/// others. `members`: each member's title and outcome.
pub fn check_release(
    bundle: &Case,
    released_on: Option<NaiveDate>,
    members: &[(String, MemberOutcome)],
) -> Result<JointResult, Refusal> {
    if let Some(on) = released_on {
        return crate::refusal::refuse(
            "closed",
            format!("本件已于 {} 统一出件，不能再次出件", fmt_date(on)),
        );
    }
    if bundle.accepted_on.is_none() {
        return crate::refusal::refuse(
            "bundle",
            format!("一件事尚未受理（{}），不能统一出件", bundle.state.label()),
        );
    }
    let pending: Vec<&str> = members
        .iter()
        .filter(|(_, o)| !o.ended())
        .map(|(t, _)| t.as_str())
        .collect();
    if !pending.is_empty() {
        return crate::refusal::refuse(
            "bundle",
            format!(
                "依据{ART26}，一件事的办理结果统一送达；成员事项 {} 尚未办结，全部成员事项办结后方可统一出件",
                pending.join("、")
            ),
        );
    }
    let outcomes: Vec<MemberOutcome> = members.iter().map(|(_, o)| *o).collect();
    joint_result(&outcomes).ok_or_else(|| Refusal::new("bundle", "一件事没有成员事项，不能出件"))
}

/// What the applicant of a member case is told while its results wait for the bundle's release.
pub const HELD_NOTICE: &str = "一件事全部办结后统一出件";

/// Whether a case's results are out to its applicant (统一出件, Art. 26): a case outside any
/// bundle hands its results out as it issues them; a bundle's member case holds them back until
/// the bundle is released, at one window, once every member has ended (a denied member holds
/// nothing back: the others are released with it). Staff see every result as issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultRelease {
    /// Not a member of a bundle: its results are out as issued.
    Own,
    /// A member of a bundle not yet released: its results are held back.
    Held,
    /// A member of a bundle released on that day.
    Released { on: NaiveDate },
}

impl ResultRelease {
    /// The release of a case's results: `bundle` is `None` outside a bundle, else the day its
    /// bundle was released (`None` before).
    pub fn of(bundle: Option<Option<NaiveDate>>) -> Self {
        match bundle {
            None => ResultRelease::Own,
            Some(None) => ResultRelease::Held,
            Some(Some(on)) => ResultRelease::Released { on },
        }
    }

    /// Whether a document of this kind is a result of the case (its decision or licence), the
    /// documents a bundle releases at once.
    pub fn is_result(kind: DocumentKind) -> bool {
        matches!(
            kind,
            DocumentKind::DecisionLetter
                | DocumentKind::DenialLetter
                | DocumentKind::CommitmentDecision
                | DocumentKind::Licence
        )
    }

    /// Whether the results are held back from the applicant now.
    pub fn held(self) -> bool {
        self == ResultRelease::Held
    }

    /// Whether a document of this kind is held back from the applicant now.
    pub fn holds(self, kind: DocumentKind) -> bool {
        self.held() && Self::is_result(kind)
    }

    /// The refusal to hand out a held result (`what`: the document or licence asked for, named
    /// as the applicant knows it) to the applicant, naming the rule.
    pub fn refusal(bundle: &str, what: &str) -> Refusal {
        Refusal::new(
            "bundle",
            format!(
                "依据{ART26}，{HELD_NOTICE}：一件事「{bundle}」尚有成员事项未办结或尚未统一出件，{what}暂不能查看或下载"
            ),
        )
    }

    /// The state the applicant is shown of a member case while its results are held: an ended
    /// case reads 「已办结，一件事全部办结后统一出件」 rather than 已决定 or 已制证; `None` when
    /// the case's own label stands.
    pub fn applicant_state(self, state: CaseState) -> Option<String> {
        (self.held() && matches!(state, CaseState::Decided | CaseState::CertificateIssued))
            .then(|| format!("已办结，{HELD_NOTICE}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Calendar;
    use crate::engine::{
        Action, ApplicantFacts, Approver, BundleDef, BundleRules, Context, ItemRules, MaterialRule,
    };
    use crate::testing::d;

    fn member_rules(statutory: u32) -> ItemRules {
        let mut r = BundleRules::new(def()).unwrap().item().clone();
        r.joint = false;
        r.statutory_days = statutory;
        r.promised_days = 10;
        r.materials = vec![MaterialRule {
            code: "A1".into(),
            ..r.materials[0].clone()
        }];
        r
    }

    fn def() -> BundleDef {
        serde_json::from_value(serde_json::json!({
            "name": "我要开餐馆",
            "materials": [{"code": "M1", "name": "申请表"}, {"code": "M2", "name": "营业执照"}],
            "members": [
                {"code": "B1", "name": "食品经营许可", "statutory_days": 20, "promised_days": 10},
                {"code": "B2", "name": "公共场所卫生许可", "statutory_days": 60, "promised_days": 30},
            ]
        }))
        .unwrap()
    }

    /// The member's own code for a merged one: M1 is the member's A1; M2 it does not need.
    fn own(code: &str) -> Option<String> {
        (code == "M1").then(|| "A1".to_string())
    }

    #[test]
    fn a_member_mirrors_the_intake_and_never_passes_the_joint_clock() {
        let cal = Calendar::builtin();
        let facts = ApplicantFacts::default();
        let rules = BundleRules::new(def()).unwrap();
        let bctx = rules.context(&cal, &facts);
        let long = member_rules(60);
        let mctx = Context {
            item: &long,
            calendar: &cal,
            applicant: &facts,
        };
        let on = d("2025-03-03");
        let bundle = super::super::Bundle::receive(&bctx, on, &["M1".into()])
            .unwrap()
            .bundle;
        let member = Case::receive(&mctx, on, &[]).unwrap().case;
        let member = member.mirror_intake(&bundle.case, own);
        assert_eq!(member.provided.iter().collect::<Vec<_>>(), ["A1"]);
        // One supplement notice for the bundle: the member waits with it, its own code only.
        let noticed = bundle
            .case
            .apply(
                &bctx,
                on,
                &Action::NotifySupplement {
                    missing: vec!["M2".into()],
                },
            )
            .unwrap()
            .case;
        let waiting = member.mirror_intake(&noticed, own);
        assert_eq!(waiting.state, CaseState::AwaitingSupplement);
        assert!(waiting.notices[0].missing.is_empty());
        assert_eq!(waiting.tick(d("2025-04-30")), None);
        let supplied = noticed
            .apply(
                &bctx,
                d("2025-03-04"),
                &Action::Supplement {
                    materials: vec!["M2".into()],
                },
            )
            .unwrap()
            .case;
        // Time deems both accepted on the same day.
        let waiting = waiting.mirror_intake(&supplied, own);
        let deemed_bundle = supplied.tick(d("2025-03-20")).unwrap().0;
        let deemed_member = waiting.tick(d("2025-03-20")).unwrap().0;
        assert_eq!(deemed_member.accepted_on, deemed_bundle.accepted_on);
        let accepted = supplied
            .apply(&bctx, d("2025-03-05"), &Action::Accept)
            .unwrap()
            .case;
        let mut member = waiting.mirror_intake(&accepted, own);
        assert_eq!(member.state, CaseState::Accepted);
        assert_eq!(member.accepted_on, Some(d("2025-03-05")));

        // The joint due date caps the member's 60 days at the bundle's 45.
        let joint = accepted.dues(&bctx, d("2025-03-05")).unwrap().unwrap();
        let own_due = member.dues(&mctx, d("2025-03-05")).unwrap().unwrap();
        assert!(own_due.statutory > joint.statutory);
        member.joint_due = Some(joint.statutory);
        let capped = member.dues(&mctx, d("2025-03-05")).unwrap().unwrap();
        assert_eq!(capped.statutory, joint.statutory);
        let clock = member.clock(&mctx, d("2025-03-05")).unwrap();
        assert!(
            clock
                .explanation
                .iter()
                .any(|l| l.contains("第四十二条第二款")),
            "{:?}",
            clock.explanation
        );
        // A member's own suspension does not carry it past the bundle either.
        let suspended = member
            .apply(
                &mctx,
                d("2025-03-06"),
                &Action::Suspend {
                    kind: "expert_review".into(),
                    reason: "专家评审".into(),
                    expected_days: Some(10),
                },
            )
            .unwrap()
            .case;
        let later = suspended.dues(&mctx, d("2025-04-30")).unwrap().unwrap();
        assert_eq!(later.statutory, joint.statutory);
        // A shorter member keeps its own date; the bundle's extension moves both.
        let short = member_rules(20);
        let sctx = Context {
            item: &short,
            calendar: &cal,
            applicant: &facts,
        };
        let mut short_member = member.clone();
        let own20 = short_member.dues(&sctx, d("2025-03-05")).unwrap().unwrap();
        assert!(own20.statutory < joint.statutory);
        let extension = Extension {
            on: d("2025-03-10"),
            days: 15,
            reason: "联合踏勘".into(),
            approved_by: Approver::GovernmentHead,
        };
        short_member = short_member.join_extension(&extension);
        short_member.joint_due = Some(cal.add(d("2025-03-05"), 60).unwrap());
        let extended = short_member.dues(&sctx, d("2025-03-10")).unwrap().unwrap();
        assert_eq!(extended.statutory, cal.add(d("2025-03-05"), 35).unwrap());
        // Once only.
        let again = short_member.join_extension(&Extension {
            days: 10,
            ..extension
        });
        assert_eq!(again.extension.unwrap().days, 15);
    }

    #[test]
    fn a_member_takes_only_its_own_review_and_decision() {
        let cal = Calendar::builtin();
        let facts = ApplicantFacts::default();
        let rules = member_rules(20);
        let ctx = Context {
            item: &rules,
            calendar: &cal,
            applicant: &facts,
        };
        let received = Case::receive(&ctx, d("2025-03-03"), &["A1".into()])
            .unwrap()
            .case;
        let decide = Action::Decide {
            approve: true,
            reason: "符合条件".into(),
        };
        let early = member_may(&received, &decide, "我要开餐馆").unwrap_err();
        assert!(early.message.contains("尚未受理"), "{early:?}");
        let accepted = received
            .apply(&ctx, d("2025-03-03"), &Action::Accept)
            .unwrap()
            .case;
        assert!(member_may(&accepted, &decide, "我要开餐馆").is_ok());
        assert!(!member_offers("accept") && member_offers("decide"));
        let r = member_may(&accepted, &Action::Accept, "我要开餐馆").unwrap_err();
        assert!(r.message.contains("第二十六条"), "{r:?}");
        let extend = Action::Extend {
            reason: "x".into(),
            approved_by: "head".into(),
        };
        let r = member_may(&accepted, &extend, "我要开餐馆").unwrap_err();
        assert_eq!(r.rule, "AL-13");
        assert!(r.message.contains("第四十二条第二款"));
        assert_eq!(MemberOutcome::of(&accepted), MemberOutcome::Pending);
        let denied = accepted
            .apply(
                &ctx,
                d("2025-03-04"),
                &Action::Decide {
                    approve: false,
                    reason: "不符合条件".into(),
                },
            )
            .unwrap()
            .case;
        assert_eq!(MemberOutcome::of(&denied), MemberOutcome::Denied);
    }

    #[test]
    fn the_release_waits_for_every_member_and_a_denied_one_holds_nothing_back() {
        use MemberOutcome::*;
        assert_eq!(joint_result(&[Approved, Pending]), None);
        assert_eq!(joint_result(&[]), None);
        assert_eq!(
            joint_result(&[Approved, Approved]),
            Some(JointResult::AllApproved)
        );
        assert_eq!(
            joint_result(&[Approved, Denied]),
            Some(JointResult::Partial)
        );
        assert_eq!(
            joint_result(&[Closed, Approved]),
            Some(JointResult::Partial)
        );
        assert_eq!(
            joint_result(&[Denied, Closed]),
            Some(JointResult::AllDenied)
        );
        let cal = Calendar::builtin();
        let facts = ApplicantFacts::default();
        let rules = BundleRules::new(def()).unwrap();
        let ctx = rules.context(&cal, &facts);
        let received =
            super::super::Bundle::receive(&ctx, d("2025-03-03"), &["M1".into(), "M2".into()])
                .unwrap()
                .bundle
                .case;
        let members = |a, b| {
            vec![
                ("B1（食品经营许可）".to_string(), a),
                ("B2（公共场所卫生许可）".to_string(), b),
            ]
        };
        let r = check_release(&received, None, &members(Approved, Denied)).unwrap_err();
        assert!(r.message.contains("尚未受理"), "{r:?}");
        let accepted = received
            .apply(&ctx, d("2025-03-03"), &Action::Accept)
            .unwrap()
            .case;
        let r = check_release(&accepted, None, &members(Approved, Pending)).unwrap_err();
        assert!(
            r.message.contains("B2（公共场所卫生许可）") && r.message.contains("第二十六条"),
            "{r:?}"
        );
        assert_eq!(
            check_release(&accepted, None, &members(Approved, Denied)),
            Ok(JointResult::Partial)
        );
        let r = check_release(&accepted, Some(d("2025-03-20")), &members(Approved, Denied))
            .unwrap_err();
        assert!(r.message.contains("不能再次出件"));
    }

    #[test]
    fn a_member_result_is_out_only_with_the_bundle_release() {
        let own = ResultRelease::of(None);
        let held = ResultRelease::of(Some(None));
        let out = ResultRelease::of(Some(Some(d("2025-04-01"))));
        assert_eq!(own, ResultRelease::Own);
        assert_eq!(
            out,
            ResultRelease::Released {
                on: d("2025-04-01")
            }
        );
        for kind in [
            DocumentKind::DecisionLetter,
            DocumentKind::DenialLetter,
            DocumentKind::CommitmentDecision,
            DocumentKind::Licence,
        ] {
            assert!(held.holds(kind), "{kind:?}");
            assert!(!own.holds(kind) && !out.holds(kind), "{kind:?}");
        }
        // The intake's and the procedure's notices are never held: they are the bundle's or the
        // member's own steps, not its result.
        for kind in [
            DocumentKind::AcceptanceVoucher,
            DocumentKind::SuspensionNotice,
            DocumentKind::HearingNotice,
        ] {
            assert!(!held.holds(kind), "{kind:?}");
        }
        assert_eq!(
            held.applicant_state(CaseState::CertificateIssued)
                .as_deref(),
            Some("已办结，一件事全部办结后统一出件")
        );
        assert_eq!(held.applicant_state(CaseState::Accepted), None);
        assert_eq!(out.applicant_state(CaseState::CertificateIssued), None);
        let r = ResultRelease::refusal("我要开餐馆", "《食品经营许可证》");
        assert!(
            r.message.contains("第二十六条") && r.message.contains("统一出件"),
            "{r:?}"
        );
    }
}
