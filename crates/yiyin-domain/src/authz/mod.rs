//! Least privilege: which role may do what, in which scope.
//!
//! Every staff account holds [`Grant`]s: a role in a jurisdiction, for department roles also a
//! department. [`allowed`] decides one [`Operation`] on one [`Scope`] (the jurisdiction and departments a
//! case or catalog belongs to). Handlers ask it before every read and write; nothing else decides
//! access.
//!
//! * Bureau staff (grants without a department) handle the items transferred to the bureau and those
//!   delegated to townships; a resident department's staff (grants with that department) handle that
//!   department's resident items.
//! * A township's own powers (镇人民政府自有权限) are handled by that township's own staff alone (grants
//!   posted at its centre or village points), never by the bureau's; items the township centres only
//!   receive for the bureau (代收) are received there and decided by the bureau ([`Townships`]).
//! * Department supervisors see the results of the items they supervise; observers (审批观察员) watch the
//!   bureau's handling of their department's items; both are read-only.
//! * Discipline supervisors see everything in their jurisdiction and cannot be shut out.
//! * Grants never reach another jurisdiction.

use serde::{Deserialize, Serialize};

use crate::catalog::{HandlingMode, StepKind};
use crate::org::{Jurisdiction, Organisation};
use crate::roles::Role;

/// A role held in a jurisdiction (and, for department staff, a department).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Grant {
    pub role: Role,
    pub jurisdiction: String,
    /// The department the grant is limited to (resident department staff, supervisors, observers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// The window or township centre the account works at, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// What an operation applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub jurisdiction: String,
    /// The item's department (原审批部门 / approving department).
    pub department: String,
    pub supervising_department: String,
    pub handling_mode: HandlingMode,
    /// An instant item (即办件), which the window decides on the spot.
    pub instant: bool,
    /// The townships concerned and which staff are a township's rather than the bureau's.
    pub townships: Townships,
    /// For a delegated item (委托镇办理): the township entrusted with it where the case is
    /// handled (or the application received) today, by a delegation in force
    /// (`crate::delegation::entrustment`); `None`: no township is, and township staff are refused.
    pub entrusted: Option<crate::delegation::Entrusted>,
}

/// The townships a scope concerns: for a township's own power (`HandlingMode::Township`) the
/// government deciding the case (before receipt, those the item lists), whose own staff alone
/// handle it; for an item received at township centres (`HandlingMode::AcceptancePoint`) the
/// townships receiving it (a case: the one that received it).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Townships {
    /// Their governments' names, e.g. 「涧池镇人民政府」.
    pub governments: Vec<String>,
    /// Their own staff's units: the centres and their village points.
    pub units: Vec<String>,
    /// Every township unit of the jurisdiction: staff posted at one are a township's, not the
    /// bureau's.
    pub all_units: Vec<String>,
}

impl Townships {
    /// The townships `codes` of a jurisdiction (unknown codes are skipped: nobody is their staff).
    pub fn of(j: &Jurisdiction, codes: &[String]) -> Townships {
        let units = |t: &crate::org::TownshipCentre| {
            std::iter::once(t.code.clone())
                .chain(t.villages.iter().map(|v| v.code.clone()))
                .collect::<Vec<_>>()
        };
        let listed: Vec<_> = j
            .townships
            .iter()
            .filter(|t| codes.contains(&t.code))
            .collect();
        Townships {
            governments: listed.iter().map(|t| t.government()).collect(),
            units: listed.iter().flat_map(|t| units(t)).collect(),
            all_units: j.townships.iter().flat_map(units).collect(),
        }
    }

    /// Whether a grant's holder is posted at a township (not the bureau's staff).
    fn posts_at_township(&self, g: &Grant) -> bool {
        g.unit.as_ref().is_some_and(|u| self.all_units.contains(u))
    }

    /// Whether a grant's holder is one of these townships' own staff.
    fn own_staff(&self, g: &Grant) -> bool {
        g.unit.as_ref().is_some_and(|u| self.units.contains(u))
    }
}

impl Scope {
    /// The scope of an item, or of a case of it, in a jurisdiction of the organisation: `townships`
    /// are the codes of the townships concerned (see [`Townships`]; ignored for the other handling
    /// modes). The one constructor for items and cases.
    pub fn new(
        org: &Organisation,
        jurisdiction: &str,
        department: &str,
        supervising_department: &str,
        handling_mode: HandlingMode,
        instant: bool,
        townships: &[String],
    ) -> Scope {
        let concerned = matches!(
            handling_mode,
            HandlingMode::Township | HandlingMode::AcceptancePoint
        );
        Scope {
            jurisdiction: jurisdiction.to_string(),
            department: department.to_string(),
            supervising_department: supervising_department.to_string(),
            handling_mode,
            instant,
            townships: org
                .jurisdiction(jurisdiction)
                .map(|j| Townships::of(j, if concerned { townships } else { &[] }))
                .unwrap_or_default(),
            entrusted: None,
        }
    }

    /// The same scope with the township entrusted with a delegated item where it is handled today.
    pub fn with_entrusted(mut self, entrusted: Option<crate::delegation::Entrusted>) -> Scope {
        self.entrusted = entrusted;
        self
    }
}

/// Something a user may want to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// Read a case: its materials, timeline, clock and documents.
    ViewCase,
    /// Receive an application at a window (收件).
    Receive,
    /// Art. 32 outcomes at intake: supplement notice, on-the-spot correction, acceptance (also with
    /// deferred materials or on a commitment), refusal, not needed.
    Intake,
    /// A procedure step of this kind.
    Step(StepKind),
    /// Start or end a special procedure (Art. 45).
    Suspend,
    /// Approve the one extension (Art. 42): the agency head.
    Extend,
    /// Decide to approve or deny.
    Decide,
    /// Make and release the certificate.
    IssueCertificate,
    /// Record the applicant's withdrawal at the window.
    Withdraw,
    /// Read the audit log and check the event chain.
    Audit,
    /// Draft, publish and retire catalog items.
    ManageCatalog,
    /// Manage accounts, roles and the organisation.
    ManageUsers,
    /// Supervise the licensees of the items one's department supervises: acknowledge pushes (签收),
    /// report findings (抄告), verify commitments, grade risk, run random inspections.
    Supervise,
    /// Decide on a licence after the decision: changes and renewals, revocation, cancellation,
    /// withdrawal, and record a rescission.
    ActOnLicence,
    /// Oversee the pushes to the departments: their systems' addresses, dead letters and replay.
    ManagePushes,
    /// Oversee the notices to applicants and staff (SMS and e-mail): what failed, and sending a
    /// dead one again.
    ManageNotifications,
    /// Repair an applicant's credit record (信用修复), which lifts a bar on notify-and-commit.
    RepairCredit,
    /// Confirm a system administrator's grant of a deciding role (the bureau head).
    ConfirmGrants,
    /// Read the e-monitoring (电子监察) cards: the discipline supervisor, the observer (their
    /// department's) and the bureau head.
    Monitor,
    /// Rectify a bad satisfaction rating (差评整改): contact, rectify or explain, call back; the
    /// section chief and the bureau head of the rated work.
    Rectify,
    /// Decide rating appeals (申诉复核) and set the rating deadlines: the rating administrator.
    ManageRatings,
    /// Read the bureau's statistics (政务服务统计) and export them.
    ViewStatistics,
    /// Register, dispatch, answer directly and call back requests-centre tickets (12345 工单).
    TakeTickets,
    /// Run the requests centre: approve extensions, arbitrate returns, edit the deadlines, the
    /// categories and the Open311 partners.
    ManageTickets,
    /// Handle the tickets dispatched to one's department: sign, reply, return, ask for more time.
    HandleTickets,
    /// Answer reconsideration and litigation against the bureau's decisions (行政复议答复、行政诉讼
    /// 应诉): register them, file the reply, record the outcome and carry out its effect on the
    /// licence. The bureau head: the bureau's responsible person answers for its decisions
    /// (《行政诉讼法》第三条第三款, 行政机关负责人出庭应诉) and an outcome may revoke a licence.
    AnswerChallenges,
    /// Run the switch-over (划转): the transfer plan and its batches, their readiness, switching a
    /// batch, migrating a case accepted before the switch, naming the departments' observers. The
    /// bureau head.
    ManageTransition,
    /// Switch a jurisdiction, or some of its items, into and out of simulation mode (模拟运行): the
    /// bureau head.
    ManageSimulation,
    /// Entrust a township government with delegated items (委托, 《行政许可法》第二十四条) and
    /// revoke the delegation: the bureau head.
    Delegate,
    /// Approve the one extension of joint handling (一件事联合办理, Art. 42 para 2): the county
    /// government's head (本级人民政府负责人).
    ExtendBundle,
    /// Keep the expert and site-inspector pools (专家库、踏勘人员库): pools, members and their
    /// declared ties. The bureau head.
    ManagePools,
    /// Publish the agency centre's service list (代办服务清单, 全程代办): the bureau head, the
    /// centre being an internal institution of the bureau.
    ManageAgency,
    /// Act for applicants under their agency mandates (代办): the agency centre's agents.
    ActForApplicants,
}

impl Operation {
    /// Every operation, for exhaustive tests and documentation.
    pub fn all() -> Vec<Operation> {
        let mut out = vec![Operation::ViewCase, Operation::Receive];
        out.extend(Operation::case_duties());
        out.extend([
            Operation::Audit,
            Operation::ManageCatalog,
            Operation::ManageUsers,
            Operation::Supervise,
            Operation::ActOnLicence,
            Operation::ManagePushes,
            Operation::ManageNotifications,
            Operation::RepairCredit,
            Operation::ConfirmGrants,
            Operation::Monitor,
            Operation::Rectify,
            Operation::ManageRatings,
            Operation::ViewStatistics,
            Operation::TakeTickets,
            Operation::ManageTickets,
            Operation::HandleTickets,
            Operation::AnswerChallenges,
            Operation::ManageTransition,
            Operation::ManageSimulation,
            Operation::Delegate,
            Operation::ExtendBundle,
            Operation::ManagePools,
            Operation::ManageAgency,
            Operation::ActForApplicants,
        ]);
        out
    }

    /// The duties of acting on a received case (every operation an action of the engine needs,
    /// [`operation_for`]): intake, suspension, extension, decision, certificate, withdrawal and
    /// each procedure step.
    pub fn case_duties() -> Vec<Operation> {
        let mut out = vec![
            Operation::Intake,
            Operation::Suspend,
            Operation::Extend,
            Operation::Decide,
            Operation::IssueCertificate,
            Operation::Withdraw,
        ];
        out.extend(StepKind::ALL.iter().map(|k| Operation::Step(*k)));
        out
    }

    pub fn label(self) -> String {
        match self {
            Operation::ViewCase => "查看办件".into(),
            Operation::Receive => "收件".into(),
            Operation::Intake => "受理审查".into(),
            Operation::Step(k) => format!("办理“{}”环节", k.label()),
            Operation::Suspend => "启动或结束特别程序".into(),
            Operation::Extend => "批准延期".into(),
            Operation::Decide => "作出许可决定".into(),
            Operation::IssueCertificate => "制证出件".into(),
            Operation::Withdraw => "办理撤回申请".into(),
            Operation::Audit => "查看审计日志".into(),
            Operation::ManageCatalog => "管理事项目录".into(),
            Operation::ManageUsers => "管理用户和组织机构".into(),
            Operation::Supervise => "办理监管事务".into(),
            Operation::ActOnLicence => "作出证照变更、延续、撤销、注销或撤回决定".into(),
            Operation::ManagePushes => "管理审管推送".into(),
            Operation::ManageNotifications => "管理短信和邮件通知的发送".into(),
            Operation::RepairCredit => "办理信用修复".into(),
            Operation::ConfirmGrants => "确认作出许可决定岗位的授权".into(),
            Operation::Monitor => "查看电子监察".into(),
            Operation::Rectify => "办理差评整改".into(),
            Operation::ManageRatings => "管理好差评".into(),
            Operation::ViewStatistics => "查看政务服务统计".into(),
            Operation::TakeTickets => "受理和派发诉求工单".into(),
            Operation::ManageTickets => "管理诉求中心".into(),
            Operation::HandleTickets => "承办诉求工单".into(),
            Operation::AnswerChallenges => "办理行政复议答复和行政诉讼应诉".into(),
            Operation::ManageTransition => "管理事项划转".into(),
            Operation::ManageSimulation => "管理模拟运行".into(),
            Operation::Delegate => "委托镇人民政府实施行政许可或撤销委托".into(),
            Operation::ExtendBundle => "批准一件事联合办理延期".into(),
            Operation::ManagePools => "管理专家库和踏勘人员库".into(),
            Operation::ManageAgency => "管理代办服务清单".into(),
            Operation::ActForApplicants => "受申请人委托代办".into(),
        }
    }
}

/// What a role may do, before scope is considered.
pub fn role_may(role: Role, op: Operation) -> bool {
    use Operation as O;
    use Role as R;
    use StepKind as K;
    match role {
        R::WindowClerk => matches!(
            op,
            O::ViewCase
                | O::Receive
                | O::Intake
                | O::IssueCertificate
                | O::Withdraw
                | O::Step(K::Acceptance | K::Certificate | K::Release)
        ),
        R::Reviewer => matches!(
            op,
            O::ViewCase
                | O::Suspend
                | O::Step(
                    K::Review
                        | K::PublicNotice
                        | K::ExpertReview
                        | K::TechnicalReview
                        | K::DrawingReview
                        | K::Certificate
                )
        ),
        R::Verifier => matches!(op, O::ViewCase | O::Step(K::Verification)),
        R::Inspector => matches!(op, O::ViewCase | O::Step(K::SiteInspection)),
        R::TechnicalReviewer => {
            matches!(
                op,
                O::ViewCase | O::Step(K::TechnicalReview | K::DrawingReview)
            )
        }
        R::SectionChief => matches!(
            op,
            O::ViewCase
                | O::Suspend
                | O::Decide
                | O::ActOnLicence
                | O::Rectify
                | O::Step(K::Review | K::PublicNotice | K::ExpertReview | K::Hearing | K::Decision)
        ),
        R::BureauHead => matches!(
            op,
            O::ViewCase
                | O::Suspend
                | O::Extend
                | O::Decide
                | O::Audit
                | O::ActOnLicence
                | O::ManagePushes
                | O::RepairCredit
                | O::ConfirmGrants
                | O::Monitor
                | O::Rectify
                | O::ViewStatistics
                | O::AnswerChallenges
                | O::ManageTransition
                | O::ManageSimulation
                | O::Delegate
                | O::ManagePools
                | O::ManageAgency
                // Not the review (审查): the head decides on it (职责分离, see `separated`).
                | O::Step(K::Hearing | K::Decision)
        ),
        R::DepartmentSupervisor => matches!(op, O::ViewCase | O::Supervise),
        R::Observer => matches!(op, O::ViewCase | O::Monitor | O::ViewStatistics),
        R::DisciplineSupervisor => {
            matches!(op, O::ViewCase | O::Audit | O::Monitor | O::ViewStatistics)
        }
        R::CatalogAdmin => op == O::ManageCatalog,
        R::SystemAdmin => matches!(
            op,
            O::ManageUsers | O::Audit | O::ManagePushes | O::ManageNotifications
        ),
        R::RatingAdmin => matches!(op, O::ManageRatings | O::ViewStatistics),
        R::CentreAgent => op == O::TakeTickets,
        R::CentreManager => matches!(op, O::TakeTickets | O::ManageTickets | O::ViewStatistics),
        R::TicketHandler => op == O::HandleTickets,
        R::GovernmentHead => op == O::ExtendBundle,
        R::AgencyAgent => op == O::ActForApplicants,
    }
}

/// Whether a role decides (作出许可决定): its grant by a system administrator waits for the bureau
/// head's confirmation (separation of duties, GB/T 22239-2019 8.1.4.2 d).
pub fn decides(role: Role) -> bool {
    role_may(role, Operation::Decide)
}

/// Whether a role needs a second factor (TOTP) to log in: the deciding roles and the
/// administrators (GB/T 22239-2019 8.1.4.1 d: two or more authentication techniques).
pub fn needs_second_factor(role: Role) -> bool {
    decides(role)
        || role_may(role, Operation::ManageUsers)
        || role_may(role, Operation::ManageCatalog)
}

/// Whether a grant made by the holder of `granter` takes effect at once: any grant of a role that
/// does not decide by whoever manages the jurisdiction's users, and a deciding role only when its
/// jurisdiction's bureau head grants it (a system administrator's grant stays pending until the
/// head confirms it).
pub fn grant_takes_effect(granter: &[Grant], grant: &Grant) -> bool {
    !decides(grant.role)
        || allowed_in(granter, Operation::ConfirmGrants, &grant.jurisdiction).is_ok()
}

/// Whether one grant covers the scope for its role, for an operation.
fn grant_covers(g: &Grant, op: Operation, scope: &Scope) -> bool {
    if g.jurisdiction != scope.jurisdiction {
        return false;
    }
    match g.role {
        Role::DisciplineSupervisor
        | Role::CatalogAdmin
        | Role::SystemAdmin
        | Role::RatingAdmin
        | Role::CentreAgent
        | Role::CentreManager
        | Role::GovernmentHead
        | Role::AgencyAgent => true,
        // A ticket handler acts for their department (the ticket's is checked where it is read).
        Role::Observer | Role::TicketHandler => g.department.as_deref() == Some(&scope.department),
        Role::DepartmentSupervisor => {
            g.department.as_deref() == Some(&scope.supervising_department)
        }
        _ => match (&g.department, scope.handling_mode) {
            // Bureau and township staff: the items under the bureau's seal (transferred); the
            // delegated ones, township staff only by a delegation in force (`delegation_rule`).
            (None, HandlingMode::Transferred) => true,
            (None, HandlingMode::Delegated) => delegation_rule(g, op, scope).is_none(),
            // A township's own power, and items township centres receive for the bureau: see
            // `township_rule`.
            (None, HandlingMode::Township | HandlingMode::AcceptancePoint) => {
                township_rule(g, op, scope).is_none()
            }
            // Resident department staff: their own department's resident items.
            (Some(d), HandlingMode::Resident) => *d == scope.department,
            _ => false,
        },
    }
}

/// Why a grant without a department is kept from an operation by the townships' powers, naming
/// the rule: a township's own power (镇人民政府自有权限) is handled by that township government's own
/// staff alone; an item township centres only receive (代收) is received by the staff of the
/// townships it lists (and the bureau's), and everything after the receipt is the bureau's.
fn township_rule(g: &Grant, op: Operation, scope: &Scope) -> Option<String> {
    let t = &scope.townships;
    let governments = || {
        if t.governments.is_empty() {
            "所在镇人民政府".to_string()
        } else {
            t.governments.join("或")
        }
    };
    match scope.handling_mode {
        HandlingMode::Township if !t.own_staff(g) => Some(format!(
            "本事项为镇人民政府自有权限，由{}工作人员办理，您无权{}",
            governments(),
            op.label()
        )),
        HandlingMode::AcceptancePoint if t.posts_at_township(g) => {
            if !matches!(op, Operation::ViewCase | Operation::Receive) {
                Some(format!(
                    "本事项由行政审批服务局审批，镇便民服务中心只代收申请，无权{}",
                    op.label()
                ))
            } else if !t.own_staff(g) {
                Some(format!(
                    "本事项只由{}便民服务中心代收，您所在镇不代收本事项",
                    governments().replace("人民政府", "")
                ))
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Why a grant without a department is kept from an operation on a delegated item (委托镇办理),
/// naming Art. 24: the bureau's own staff handle it as their own (the delegating authority keeps
/// its power and supervises); a township's staff only while a delegation in force entrusts their
/// township with it, and only within its scope (仅受理: receiving and the intake outcome).
fn delegation_rule(g: &Grant, op: Operation, scope: &Scope) -> Option<String> {
    if scope.handling_mode != HandlingMode::Delegated || !scope.townships.posts_at_township(g) {
        return None;
    }
    let unit = g.unit.as_deref().unwrap_or_default();
    let entrusted = scope
        .entrusted
        .as_ref()
        .filter(|e| e.units.iter().any(|u| u == unit));
    let beyond_intake = !matches!(
        op,
        Operation::ViewCase | Operation::Receive | Operation::Intake | Operation::Withdraw
    );
    crate::delegation::township_refusal(entrusted, "您所在的镇人民政府", beyond_intake, &op.label())
}

/// Why a role is kept from an operation by separation of duties (职责分离), naming the rule: the
/// bureau head decides on the reviewer's review and approves extensions, and so does not do the
/// review step itself.
pub fn separated(role: Role, op: Operation) -> Option<&'static str> {
    match (role, op) {
        (Role::BureauHead, Operation::Step(StepKind::Review)) => Some(
            "局长不承担审查环节：依据审查与决定职责分离的规定，审查由审查人员完成并提出审查意见，局长据此作出决定，不得自审自批",
        ),
        _ => None,
    }
}

/// Why an operation is not allowed, in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Denied(pub String);

/// Whether a role may do an operation on this scope: its duties, plus — for instant items, decided
/// on the spot at the window (即收即办) — every step, the decision and the certificate for the window.
fn may_here(role: Role, op: Operation, scope: &Scope) -> bool {
    role_may(role, op)
        || (scope.instant
            && role == Role::WindowClerk
            && matches!(
                op,
                Operation::Step(_) | Operation::Decide | Operation::IssueCertificate
            ))
}

/// Decides one operation on one scope for the holder of `grants`.
pub fn allowed(grants: &[Grant], op: Operation, scope: &Scope) -> Result<(), Denied> {
    if grants
        .iter()
        .any(|g| may_here(g.role, op, scope) && grant_covers(g, op, scope))
    {
        return Ok(());
    }
    let in_jurisdiction = grants.iter().any(|g| g.jurisdiction == scope.jurisdiction);
    let separation = grants.iter().find_map(|g| separated(g.role, op));
    let township = grants
        .iter()
        .filter(|g| {
            g.jurisdiction == scope.jurisdiction
                && g.department.is_none()
                && may_here(g.role, op, scope)
        })
        .find_map(|g| township_rule(g, op, scope).or_else(|| delegation_rule(g, op, scope)));
    Err(Denied(
        if let (true, Some(rule)) = (in_jurisdiction, separation) {
            rule.to_string()
        } else if let Some(rule) = township {
            rule
        } else if !in_jurisdiction {
            "无权访问：该办件不属于您所在县区".to_string()
        } else if grants.iter().any(|g| role_may(g.role, op)) {
            "无权访问：该事项不在您的职责范围内（部门或办理方式不符）".to_string()
        } else {
            format!("无权{}：您的岗位没有此项职责", op.label())
        },
    ))
}

/// Whether a role's duty needs an applicant's full citizen ID number and phone (最小必要): those
/// who handle cases and the department supervisors who supervise the licensee do; observers and
/// discipline supervisors, who only watch the handling, see them masked unless they open them on
/// purpose (查看完整信息, recorded).
pub fn needs_identifiers(role: Role) -> bool {
    !matches!(role, Role::Observer | Role::DisciplineSupervisor)
}

/// Whether the holder of `grants` is shown the applicant's identifiers of a case in full: some
/// grant that reads the case is of a role whose duty needs them.
pub fn sees_identifiers(grants: &[Grant], scope: &Scope) -> bool {
    grants.iter().any(|g| {
        needs_identifiers(g.role)
            && may_here(g.role, Operation::ViewCase, scope)
            && grant_covers(g, Operation::ViewCase, scope)
    })
}

/// Whether an operation on a case is the window's (the window clerk's duties, and for an instant
/// item all that is decided on the spot): recorded at the window; every other is back-office work
/// (后台), never recorded as 窗口.
pub fn at_window(op: Operation, scope: &Scope) -> bool {
    op != Operation::ViewCase && may_here(Role::WindowClerk, op, scope)
}

/// Decides an operation that is not about a case (catalog, users, audit) in a jurisdiction.
pub fn allowed_in(grants: &[Grant], op: Operation, jurisdiction: &str) -> Result<(), Denied> {
    if grants
        .iter()
        .any(|g| g.jurisdiction == jurisdiction && role_may(g.role, op))
    {
        Ok(())
    } else if grants.iter().any(|g| g.jurisdiction == jurisdiction) {
        Err(Denied(format!("无权{}：您的岗位没有此项职责", op.label())))
    } else {
        Err(Denied("无权访问：不属于您所在县区".to_string()))
    }
}

/// The operation an action needs.
pub fn operation_for(action: &crate::engine::Action) -> Operation {
    use crate::engine::Action as A;
    let step = match action {
        A::CompleteStep { kind, .. } | A::ConfirmVerification { kind, .. } => Some(*kind),
        _ => None,
    };
    operation_named(action.name(), step).expect("every action of the engine has its operation")
}

/// The operation an action needs, by its `contracts.md` name (as the engine offers it); `step` is
/// the kind of the step a step action concerns (`complete_step`, `confirm_verification`: `None`
/// when there is no such step, and then no one may take it).
pub fn operation_named(name: &str, step: Option<StepKind>) -> Option<Operation> {
    Some(match name {
        "complete_step" | "confirm_verification" => Operation::Step(step?),
        // The notice of the right and the hearing's date are the reviewer's duty (the hearing
        // suspends the clock, Art. 45); the hearing itself is presided by another (Art. 48).
        "suspend" | "resume" | "notify_hearing_right" | "schedule_hearing" | "open_hearing" => {
            Operation::Suspend
        }
        // The record and its signatures are the presiding officer's (Art. 48 para 1 (5)).
        "hold_hearing" | "confirm_hearing_record" => Operation::Step(StepKind::Hearing),
        // A recusal is decided by the agency head (本行政机关负责人), who alone approves an
        // extension too.
        "decide_recusal" => Operation::Extend,
        "extend" => Operation::Extend,
        "decide" => Operation::Decide,
        "issue_certificate" => Operation::IssueCertificate,
        "withdraw" => Operation::Withdraw,
        // The intake outcomes; the hearing request is the applicant's, recorded by staff at the
        // window as the intake.
        "notify_supplement"
        | "supplement"
        | "correct"
        | "accept"
        | "accept_deferred"
        | "accept_on_commitment"
        | "refuse"
        | "not_needed"
        | "request_hearing"
        | "request_recusal" => Operation::Intake,
        _ => return None,
    })
}

/// Whether the applicant who filed a case may take the action themselves (answer a supplement
/// notice, deliver deferred materials, ask for a hearing, withdraw the application); the rest is
/// the agency's.
pub fn applicant_may(action: &crate::engine::Action) -> bool {
    applicant_may_named(action.name())
}

/// The same, by the action's `contracts.md` name.
pub fn applicant_may_named(name: &str) -> bool {
    matches!(
        name,
        "supplement" | "request_hearing" | "request_recusal" | "withdraw"
    )
}

#[cfg(test)]
mod tests;
