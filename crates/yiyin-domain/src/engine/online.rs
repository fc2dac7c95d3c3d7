//! Online decisions on the spot (网上即时办结): which applications made online are decided at once,
//! without waiting for the window's five days, and the actions that decide them.
//!
//! - Notify-and-commit (告知承诺, 国办发〔2020〕42号《关于全面推行证明事项和涉企经营许可事项告知承诺制
//!   的指导意见》): an item on the green list, handled fully online (网上办理深度四级), is approved on
//!   the applicant's written commitment; the supervising department verifies the commitment
//!   afterwards, and a false commitment leads to revocation (《行政许可法》第六十九条) and a credit
//!   record. An applicant barred by an unrepaired credit record is refused by the engine itself.
//! - Instant items (即办件) handled fully online whose materials are complete (every required material
//!   provided, the shared ones fetched): 《行政许可法》第三十四条第二款 — 申请人提交的申请材料齐全、
//!   符合法定形式，能够当场作出决定的，应当当场作出书面的行政许可决定. The decision is the bureau's,
//!   taken by the system on its behalf; an item whose published procedure has a step beyond the
//!   review of the materials (verification, inspection, hearing …) needs a person and is received
//!   as usual, as is one with a material missing (the window then tells the applicant once what
//!   to supplement, Art. 32(4)).

use crate::catalog::{Item, StepKind};
use crate::refusal::{Refusal, refuse};

use super::{Action, DEFAULT_COMMITMENT_CHECK_DAYS, ItemRules};

/// 网上办理深度四级: handled fully online, no visit (全程网办).
pub const FULLY_ONLINE: u8 = 4;

/// The rule code of online notify-and-commit refusals (the engine's own for the green list).
pub const COMMITMENT_RULE: &str = "commitment";

const ART34_2: &str = "《行政许可法》第三十四条第二款";
const GUOBAN_42: &str = "国办发〔2020〕42号";

/// What an application made online gets at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnlinePath {
    /// Received; the window takes the Art. 32 outcome within five working days.
    Receive,
    /// Approved on the applicant's written commitment (告知承诺).
    Commitment,
    /// An instant item with complete materials, decided on the spot (Art. 34 para 2).
    Instant,
}

/// The working days within which the supervising department verifies a commitment on this item.
pub fn commitment_check_days(item: &ItemRules) -> u32 {
    item.commitment_check_days
        .unwrap_or(DEFAULT_COMMITMENT_CHECK_DAYS)
}

/// The standard commitment the applicant signs online (告知承诺书), for `item`.
pub fn commitment_text(item: &ItemRules) -> String {
    format!(
        "本人已知晓行政机关告知的「{}」全部许可条件和要求，承诺本人符合上述条件，所填写的信息和提交的材料真实、准确、有效，并愿意接受监管部门在作出决定后{}个工作日内的核查。如承诺不实，行政机关将依据《行政许可法》第六十九条撤销行政许可，并将失信情况记入信用记录，本人依法承担相应法律责任。",
        item.name,
        commitment_check_days(item)
    )
}

/// Whether an online applicant may choose notify-and-commit on this item (what the apply page
/// offers): on the green list and handled fully online.
pub fn offers_commitment(item: &ItemRules, online_depth: u8) -> bool {
    check_commitment(item, online_depth).is_ok()
}

/// Whether an instant item is decided online at once when its materials are complete (what the
/// item guide announces): handled fully online, and no step of its procedure before the decision
/// beyond the review of the materials.
pub fn decides_instantly(item: &ItemRules, online_depth: u8) -> bool {
    item.instant
        && online_depth >= FULLY_ONLINE
        && item.steps.iter().all(|s| s.kind == StepKind::Review)
}

/// What applying online offers on an item: the commitment to sign (notify-and-commit), with the
/// days of its verification; whether complete materials are decided at once. The apply page and the
/// item guide both show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnlineOffer {
    /// The standard commitment when the item offers online notify-and-commit.
    pub commitment: Option<String>,
    /// The working days within which the supervising department verifies a commitment.
    pub check_days: u32,
    /// An instant item handled fully online: complete materials are decided at once.
    pub instant: bool,
}

impl OnlineOffer {
    pub fn of(item: &Item) -> Self {
        let rules = ItemRules::from(item);
        OnlineOffer {
            commitment: offers_commitment(&rules, item.online_depth)
                .then(|| commitment_text(&rules)),
            check_days: commitment_check_days(&rules),
            instant: decides_instantly(&rules, item.online_depth),
        }
    }

    /// The words of the guide's tag; empty when nothing is decided at once online.
    pub fn label(&self) -> &'static str {
        if self.commitment.is_some() {
            "可网上告知承诺、即时办结"
        } else if self.instant {
            "全程网办，材料齐全即时办结"
        } else {
            ""
        }
    }
}

fn check_commitment(item: &ItemRules, online_depth: u8) -> Result<(), Refusal> {
    if !item.green_list {
        return refuse(
            COMMITMENT_RULE,
            format!(
                "「{}」未列入告知承诺绿色清单，不能实行告知承诺审批（{GUOBAN_42}），请按一般程序申请",
                item.name
            ),
        );
    }
    if online_depth < FULLY_ONLINE {
        return refuse(
            COMMITMENT_RULE,
            format!(
                "「{}」的网上办理深度为{online_depth}级，未实行全程网办，不能在网上签署告知承诺书（{GUOBAN_42}）；请到窗口办理告知承诺，或按一般程序网上申请",
                item.name
            ),
        );
    }
    Ok(())
}

/// The path of an application made online with the materials `provided` (fetched ones included),
/// `commitment` when the applicant signed the commitment. A commitment on an item that does not
/// allow one is refused (nothing is received); otherwise an instant item handled fully online with
/// every required material is decided at once, and anything else is received.
pub fn online_path(
    item: &ItemRules,
    online_depth: u8,
    provided: &[String],
    commitment: bool,
) -> Result<OnlinePath, Refusal> {
    if commitment {
        check_commitment(item, online_depth)?;
        return Ok(OnlinePath::Commitment);
    }
    let complete = item
        .materials
        .iter()
        .filter(|m| m.required)
        .all(|m| provided.contains(&m.code));
    Ok(if complete && decides_instantly(item, online_depth) {
        OnlinePath::Instant
    } else {
        OnlinePath::Receive
    })
}

/// One act of an online decision, with the reason recorded for it (naming the rule).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnlineAct {
    pub action: Action,
    pub reason: String,
}

/// The name under which the system records the acts it takes for `agency` (the bureau, or the
/// department whose seal signs).
pub fn system_actor_name(agency: &str) -> String {
    format!("系统（代表{agency}）")
}

/// The acts that take the path, in order, each recorded as the system acting for `agency`; none for
/// a plain receipt. The licence follows the approval at once (sealed as at the window).
pub fn online_acts(item: &ItemRules, path: OnlinePath, agency: &str) -> Vec<OnlineAct> {
    let act = |action: Action, reason: String| OnlineAct { action, reason };
    match path {
        OnlinePath::Receive => vec![],
        OnlinePath::Commitment => {
            let rule = format!(
                "申请人在网上签署告知承诺书，{agency}依告知承诺制（{GUOBAN_42}）当场作出准予行政许可决定；监管部门在{}个工作日内核查承诺内容，承诺不实的依据《行政许可法》第六十九条撤销许可",
                commitment_check_days(item)
            );
            vec![
                act(
                    Action::AcceptOnCommitment {
                        commitment: commitment_text(item),
                    },
                    rule.clone(),
                ),
                act(
                    Action::IssueCertificate,
                    format!("告知承诺审批当场制发许可证件：{rule}"),
                ),
            ]
        }
        OnlinePath::Instant => {
            let rule = format!(
                "全程网办即办事项，申请材料齐全、符合法定形式，能够当场作出决定，依据{ART34_2}由{agency}当场作出书面的行政许可决定"
            );
            let mut acts = vec![act(
                Action::Accept,
                format!(
                    "申请材料齐全、符合法定形式，依据《行政许可法》第三十二条第一款第（五）项当场受理（{rule}）"
                ),
            )];
            for s in &item.steps {
                acts.push(act(
                    Action::CompleteStep {
                        kind: s.kind,
                        staff: vec![system_actor_name(agency)],
                        opinion: "系统核验：申请材料齐全（部门共享材料已调取），符合法定形式"
                            .into(),
                    },
                    format!("{}：{rule}", s.name),
                ));
            }
            acts.push(act(
                Action::Decide {
                    approve: true,
                    reason: rule.clone(),
                },
                rule.clone(),
            ));
            acts.push(act(
                Action::IssueCertificate,
                format!("准予许可后当场制发许可证件：{rule}"),
            ));
            acts
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Calendar;
    use crate::engine::{ApplicantFacts, Case, CaseState, Context, DocumentKind, Effect};
    use crate::testing::d;

    fn item(extra: &str) -> ItemRules {
        serde_json::from_str(&format!(
            r#"{{"name":"人力资源服务许可","statutory_days":20,"promised_days":0,
            "materials":[{{"code":"M1","name":"申请书"}},{{"code":"M2","name":"营业执照","fetched":true}},
            {{"code":"M3","name":"其他","required":false}}]{extra}}}"#
        ))
        .unwrap()
    }

    fn green() -> ItemRules {
        item(r#","green_list":true,"commitment_check_days":20"#)
    }

    fn instant() -> ItemRules {
        item(
            r#","instant":true,"steps":[{"kind":"review","name":"审查","role":"window_clerk","days":0}]"#,
        )
    }

    fn codes(c: &[&str]) -> Vec<String> {
        c.iter().map(|s| s.to_string()).collect()
    }

    /// Runs the acts of `path` through the engine and returns the final case and every effect.
    fn run(item: &ItemRules, path: OnlinePath, facts: &ApplicantFacts) -> (Case, Vec<Effect>) {
        let cal = Calendar::builtin();
        let ctx = Context {
            item,
            calendar: &cal,
            applicant: facts,
        };
        let on = d("2025-03-03");
        let mut case = Case::receive(&ctx, on, &codes(&["M1", "M2"])).unwrap().case;
        let mut effects = vec![];
        for a in online_acts(item, path, "某县行政审批服务局") {
            let applied = case.apply(&ctx, on, &a.action).unwrap();
            effects.extend(applied.effects);
            case = applied.case;
        }
        (case, effects)
    }

    #[test]
    fn a_commitment_is_only_for_green_list_items_handled_fully_online() {
        let refused = online_path(&item(""), 4, &[], true).unwrap_err();
        assert_eq!(refused.rule, COMMITMENT_RULE);
        assert!(
            refused.message.contains("未列入告知承诺绿色清单"),
            "{refused}"
        );
        assert!(refused.message.contains("国办发〔2020〕42号"), "{refused}");
        let shallow = online_path(&green(), 3, &[], true).unwrap_err();
        assert!(shallow.message.contains("未实行全程网办"), "{shallow}");
        assert_eq!(
            online_path(&green(), 4, &[], true),
            Ok(OnlinePath::Commitment)
        );
        assert!(offers_commitment(&green(), 4));
        assert!(!offers_commitment(&green(), 3));
        assert!(!offers_commitment(&item(""), 4));
        let text = commitment_text(&green());
        assert!(
            text.contains("第六十九条") && text.contains("20个工作日"),
            "{text}"
        );
    }

    #[test]
    fn an_instant_fully_online_item_with_complete_materials_is_decided_at_once() {
        let all = codes(&["M1", "M2"]);
        assert_eq!(
            online_path(&instant(), 4, &all, false),
            Ok(OnlinePath::Instant)
        );
        // A required material missing: received, the window tells what to supplement.
        assert_eq!(
            online_path(&instant(), 4, &codes(&["M1"]), false),
            Ok(OnlinePath::Receive)
        );
        // Not fully online, or not an instant item, or a step needing a person: received.
        assert_eq!(
            online_path(&instant(), 3, &all, false),
            Ok(OnlinePath::Receive)
        );
        assert_eq!(
            online_path(&item(""), 4, &all, false),
            Ok(OnlinePath::Receive)
        );
        let inspected = item(
            r#","instant":true,"steps":[{"kind":"site_inspection","name":"现场踏勘","role":"window_clerk","days":0}]"#,
        );
        assert!(!decides_instantly(&inspected, 4));
        assert_eq!(
            online_path(&inspected, 4, &all, false),
            Ok(OnlinePath::Receive)
        );
    }

    #[test]
    fn the_instant_acts_end_in_a_licence_by_the_system_for_the_bureau() {
        let (case, effects) = run(&instant(), OnlinePath::Instant, &ApplicantFacts::default());
        assert_eq!(case.state, CaseState::CertificateIssued);
        let decision = case.decision.unwrap();
        assert!(decision.approved && !decision.on_commitment);
        assert!(
            decision.reason.contains("第三十四条第二款"),
            "{}",
            decision.reason
        );
        assert!(effects.contains(&Effect::Issue(DocumentKind::DecisionLetter)));
        assert!(effects.contains(&Effect::Issue(DocumentKind::Licence)));
        assert!(case.steps[0].staff[0].contains("系统（代表某县行政审批服务局）"));
        assert!(
            !effects
                .iter()
                .any(|e| matches!(e, Effect::OpenVerification { .. }))
        );
    }

    #[test]
    fn the_commitment_acts_open_the_verification_and_a_barred_applicant_is_refused() {
        let (case, effects) = run(&green(), OnlinePath::Commitment, &ApplicantFacts::default());
        assert_eq!(case.state, CaseState::CertificateIssued);
        assert!(case.decision.unwrap().on_commitment);
        assert!(effects.contains(&Effect::Issue(DocumentKind::Licence)));
        assert!(effects.contains(&Effect::OpenVerification {
            due: Some(d("2025-03-31"))
        }));
        let barred = ApplicantFacts {
            commitment_barred: Some("有虚假承诺记录".into()),
        };
        let cal = Calendar::builtin();
        let item = green();
        let ctx = Context {
            item: &item,
            calendar: &cal,
            applicant: &barred,
        };
        let on = d("2025-03-03");
        let case = Case::receive(&ctx, on, &[]).unwrap().case;
        let first = &online_acts(&item, OnlinePath::Commitment, "局")[0];
        let refused = case.apply(&ctx, on, &first.action).unwrap_err().to_string();
        assert!(refused.contains("不能适用告知承诺"), "{refused}");
    }
}
