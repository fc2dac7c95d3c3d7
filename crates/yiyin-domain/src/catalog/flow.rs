//! The flowchart of an item's procedure (办理流程图) as data: the steps a case passes through, in the
//! words its timeline uses, with the branches the law opens at each — supplement and refusal at
//! intake (Art. 32), the special procedures whose time is not counted (Art. 45), the second
//! verifier of an on-site verification (Art. 34 para 3), extension (Art. 42) and refusal of the
//! licence (Art. 38). The pages draw it; nothing here is layout.

use serde::Serialize;

use super::{HandlingClass, Item, StepKind};
use crate::engine::{SuspensionKind, action_label};

/// Where a branch leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BranchOutcome {
    /// Back to the same step once the applicant has acted (supplement).
    Returns,
    /// The clock stops, then the case goes on (special procedures).
    Pauses,
    /// The case goes on along the main path, differently (extension, deferred materials).
    Continues,
    /// The case ends here (refusal).
    Ends,
}

impl BranchOutcome {
    pub fn code(self) -> &'static str {
        match self {
            Self::Returns => "returns",
            Self::Pauses => "pauses",
            Self::Continues => "continues",
            Self::Ends => "ends",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Returns => "补正后回到本环节",
            Self::Pauses => "中止计时，结束后继续",
            Self::Continues => "继续办理",
            Self::Ends => "办理终结",
        }
    }
}

/// A branch off a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlowBranch {
    /// The words of the case timeline for the act that opens the branch.
    pub label: String,
    /// What happens, with its article.
    pub note: String,
    pub outcome: BranchOutcome,
}

/// A step of the main path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlowStep {
    /// The words of the case timeline (收件, or the step kind: 审查, 现场踏勘, 决定 …).
    pub label: String,
    /// The item's own name for the step when it says more than `label` (else empty).
    pub name: String,
    /// Who does it.
    pub who: String,
    /// Working days budgeted (0 = the same day).
    pub days: u32,
    /// The item's standard for the step (审查标准), if any.
    pub standard: String,
    pub branches: Vec<FlowBranch>,
}

fn branch(label: &str, note: impl Into<String>, outcome: BranchOutcome) -> FlowBranch {
    FlowBranch {
        label: label.into(),
        note: note.into(),
        outcome,
    }
}

/// The flowchart of an item: receipt at the window, then the item's own steps, each with its
/// branches.
pub fn procedure_flow(item: &Item) -> Vec<FlowStep> {
    let mut intake = vec![
        branch(
            action_label("notify_supplement"),
            "材料不齐全或不符合法定形式的，当场或者在五个工作日内一次性告知需要补正的全部内容（《行政许可法》第三十二条第一款第四项）",
            BranchOutcome::Returns,
        ),
        branch(
            action_label("refuse"),
            "申请事项依法不属于本机关职权范围等情形的，作出不予受理决定并说明理由（《行政许可法》第三十二条）",
            BranchOutcome::Ends,
        ),
    ];
    if item.materials.iter().any(|m| m.deferrable) {
        intake.push(branch(
            action_label("accept_deferred"),
            "标明“可容缺”的非核心材料可先行受理、限期补交",
            BranchOutcome::Continues,
        ));
    }
    if item.green_list {
        intake.push(branch(
            action_label("accept_on_commitment"),
            "申请人自愿书面承诺符合条件的，当场办结，监管部门事后核查",
            BranchOutcome::Continues,
        ));
    }
    let mut flow = vec![FlowStep {
        label: action_label("receive").into(),
        name: String::new(),
        who: crate::roles::Role::WindowClerk.label().into(),
        days: 0,
        standard: String::new(),
        branches: intake,
    }];
    let decision_at = item
        .steps
        .iter()
        .rposition(|s| s.kind == StepKind::Decision)
        .or_else(|| item.steps.len().checked_sub(1));
    for (i, s) in item.steps.iter().enumerate() {
        let mut branches = Vec::new();
        match s.kind {
            StepKind::Verification | StepKind::SiteInspection => branches.push(branch(
                action_label("confirm_verification"),
                "核查须由两名以上工作人员进行，第二名核查人员确认后方为完成（《行政许可法》第三十四条第三款）",
                BranchOutcome::Continues,
            )),
            StepKind::Hearing => branches.push(suspension(SuspensionKind::Hearing)),
            StepKind::ExpertReview => branches.push(suspension(SuspensionKind::ExpertReview)),
            _ => {}
        }
        if Some(i) == decision_at {
            if item.handling_class != HandlingClass::Instant {
                branches.push(branch(
                    action_label("extend"),
                    item.extension_note(),
                    BranchOutcome::Continues,
                ));
            }
            branches.push(branch(
                "不予许可",
                "不符合法定条件、标准的，作出不予行政许可的书面决定，说明理由并告知申请行政复议或者提起行政诉讼的权利（《行政许可法》第三十八条第二款）",
                BranchOutcome::Ends,
            ));
        }
        let label = s.kind.label();
        flow.push(FlowStep {
            label: label.into(),
            name: if s.name == label {
                String::new()
            } else {
                s.name.clone()
            },
            who: s.role.label().into(),
            days: s.days,
            standard: s.standard.clone(),
            branches,
        });
    }
    flow
}

fn suspension(kind: SuspensionKind) -> FlowBranch {
    branch(
        action_label("suspend"),
        format!(
            "{}所需时间不计算在审批期限内，书面告知申请人（《行政许可法》第四十五条）",
            kind.label()
        ),
        BranchOutcome::Pauses,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Step;
    use crate::catalog::tests::sample_item;
    use crate::roles::Role;

    fn labels(steps: &[FlowStep]) -> Vec<&str> {
        steps.iter().map(|s| s.label.as_str()).collect()
    }

    fn branches(step: &FlowStep) -> Vec<(&str, BranchOutcome)> {
        step.branches
            .iter()
            .map(|b| (b.label.as_str(), b.outcome))
            .collect()
    }

    #[test]
    fn receipt_then_the_items_steps_with_the_branches_of_the_law() {
        let item = sample_item();
        let flow = procedure_flow(&item);
        assert_eq!(labels(&flow), ["收件", "受理", "审查", "决定"]);
        // Intake: supplement returns, refusal ends, a deferrable material may be accepted first.
        assert_eq!(
            branches(&flow[0]),
            [
                ("一次性告知补正", BranchOutcome::Returns),
                ("不予受理", BranchOutcome::Ends),
                ("容缺受理", BranchOutcome::Continues),
            ]
        );
        // The decision: one extension (Art. 42's 10 days), or the licence refused.
        assert_eq!(
            branches(&flow[3]),
            [
                ("延期", BranchOutcome::Continues),
                ("不予许可", BranchOutcome::Ends),
            ]
        );
        assert!(flow[3].branches[0].note.contains("10 个工作日"));
        assert!(flow[3].branches[1].note.contains("第三十八条"));
        assert!(flow[1].branches.is_empty() && flow[2].branches.is_empty());
    }

    #[test]
    fn on_site_verification_and_hearing_have_their_branches() {
        let mut item = sample_item();
        item.extension_days = Some(30);
        item.extension_basis = "《某条例》第十条".into();
        item.green_list = true;
        let step = |kind, name: &str, role| Step {
            kind,
            name: name.into(),
            role,
            days: 2,
            standard: String::new(),
        };
        item.steps.insert(
            2,
            step(StepKind::SiteInspection, "现场核查", Role::Inspector),
        );
        item.steps
            .insert(3, step(StepKind::Hearing, "听证", Role::SectionChief));
        let flow = procedure_flow(&item);
        assert_eq!(
            labels(&flow),
            ["收件", "受理", "审查", "现场踏勘", "听证", "决定"]
        );
        assert_eq!(flow[3].name, "现场核查", "the item's own name is kept");
        assert_eq!(flow[4].name, "", "not repeated when the same");
        assert_eq!(
            branches(&flow[3]),
            [("第二名核查人员确认核查", BranchOutcome::Continues)]
        );
        assert_eq!(
            branches(&flow[4]),
            [("启动特别程序（中止计时）", BranchOutcome::Pauses)]
        );
        assert!(flow[4].branches[0].note.starts_with("听证"));
        assert!(
            flow[0]
                .branches
                .iter()
                .any(|b| b.label == "告知承诺当场审批")
        );
        assert!(flow[5].branches[0].note.contains("30 个工作日"));
    }

    #[test]
    fn an_instant_item_has_no_extension() {
        let mut item = sample_item();
        item.handling_class = HandlingClass::Instant;
        let flow = procedure_flow(&item);
        let last = flow.last().unwrap();
        assert_eq!(branches(last), [("不予许可", BranchOutcome::Ends)]);
    }
}
