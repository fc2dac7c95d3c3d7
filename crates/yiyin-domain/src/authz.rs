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
        }
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
    /// Repair an applicant's credit record (信用修复), which lifts a bar on notify-and-commit.
    RepairCredit,
    /// Confirm a system administrator's grant of a deciding role (the bureau head).
    ConfirmGrants,
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
            Operation::RepairCredit,
            Operation::ConfirmGrants,
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
            Operation::RepairCredit => "办理信用修复".into(),
            Operation::ConfirmGrants => "确认作出许可决定岗位的授权".into(),
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
                // Not the review (审查): the head decides on it (职责分离, see `separated`).
                | O::Step(K::Hearing | K::Decision)
        ),
        R::DepartmentSupervisor => matches!(op, O::ViewCase | O::Supervise),
        R::Observer => op == O::ViewCase,
        R::DisciplineSupervisor => matches!(op, O::ViewCase | O::Audit),
        R::CatalogAdmin => op == O::ManageCatalog,
        R::SystemAdmin => matches!(op, O::ManageUsers | O::Audit | O::ManagePushes),
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
        Role::DisciplineSupervisor | Role::CatalogAdmin | Role::SystemAdmin => true,
        Role::DepartmentSupervisor => {
            g.department.as_deref() == Some(&scope.supervising_department)
        }
        Role::Observer => g.department.as_deref() == Some(&scope.department),
        _ => match (&g.department, scope.handling_mode) {
            // Bureau and township staff: the items under the bureau's seal (transferred) and those
            // it delegated.
            (None, HandlingMode::Transferred | HandlingMode::Delegated) => true,
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
        .find_map(|g| township_rule(g, op, scope));
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

/// The operation an engine action needs.
pub fn operation_for(action: &crate::engine::Action) -> Operation {
    use crate::engine::Action as A;
    match action {
        A::NotifySupplement { .. }
        | A::Supplement { .. }
        | A::Correct { .. }
        | A::Accept
        | A::AcceptDeferred { .. }
        | A::AcceptOnCommitment { .. }
        | A::Refuse { .. }
        | A::NotNeeded { .. } => Operation::Intake,
        A::CompleteStep { kind, .. } | A::ConfirmVerification { kind, .. } => {
            Operation::Step(*kind)
        }
        A::Suspend { .. } | A::Resume => Operation::Suspend,
        A::Extend { .. } => Operation::Extend,
        A::Decide { .. } => Operation::Decide,
        A::IssueCertificate => Operation::IssueCertificate,
        A::Withdraw { .. } => Operation::Withdraw,
    }
}

/// Whether the applicant who filed a case may take the action themselves (answer a supplement
/// notice, deliver deferred materials, withdraw the application); the rest is the agency's.
pub fn applicant_may(action: &crate::engine::Action) -> bool {
    matches!(
        action,
        crate::engine::Action::Supplement { .. } | crate::engine::Action::Withdraw { .. }
    )
}

/// The same, by the action's `contracts.md` name.
pub fn applicant_may_named(name: &str) -> bool {
    matches!(name, "supplement" | "withdraw")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(role: Role, j: &str, dept: Option<&str>) -> Grant {
        Grant {
            role,
            jurisdiction: j.into(),
            department: dept.map(str::to_string),
            unit: None,
        }
    }

    fn scope(mode: HandlingMode) -> Scope {
        Scope {
            jurisdiction: "hanyin".into(),
            department: "shichang".into(),
            supervising_department: "shichang".into(),
            handling_mode: mode,
            instant: false,
            townships: Townships::default(),
        }
    }

    /// The whole matrix: every role × every operation, on a transferred item in its own
    /// jurisdiction, with the expected answer written out per role (its duties, then the steps it
    /// may take).
    #[test]
    fn role_matrix_is_exhaustive() {
        use Operation as O;
        use StepKind as K;
        let expected: &[(Role, &[Operation], &[StepKind])] = &[
            (
                Role::WindowClerk,
                &[
                    O::ViewCase,
                    O::Receive,
                    O::Intake,
                    O::IssueCertificate,
                    O::Withdraw,
                ],
                &[K::Acceptance, K::Certificate, K::Release],
            ),
            (
                Role::Reviewer,
                &[O::ViewCase, O::Suspend],
                &[
                    K::Review,
                    K::PublicNotice,
                    K::ExpertReview,
                    K::TechnicalReview,
                    K::DrawingReview,
                    K::Certificate,
                ],
            ),
            (Role::Verifier, &[O::ViewCase], &[K::Verification]),
            (Role::Inspector, &[O::ViewCase], &[K::SiteInspection]),
            (
                Role::TechnicalReviewer,
                &[O::ViewCase],
                &[K::TechnicalReview, K::DrawingReview],
            ),
            (
                Role::SectionChief,
                &[O::ViewCase, O::Suspend, O::Decide, O::ActOnLicence],
                &[
                    K::Review,
                    K::PublicNotice,
                    K::ExpertReview,
                    K::Hearing,
                    K::Decision,
                ],
            ),
            (
                Role::BureauHead,
                &[
                    O::ViewCase,
                    O::Suspend,
                    O::Extend,
                    O::Decide,
                    O::Audit,
                    O::ActOnLicence,
                    O::ManagePushes,
                    O::RepairCredit,
                    O::ConfirmGrants,
                ],
                &[K::Hearing, K::Decision],
            ),
            (
                Role::DepartmentSupervisor,
                &[O::ViewCase, O::Supervise],
                &[],
            ),
            (Role::Observer, &[O::ViewCase], &[]),
            (Role::DisciplineSupervisor, &[O::ViewCase, O::Audit], &[]),
            (Role::CatalogAdmin, &[O::ManageCatalog], &[]),
            (
                Role::SystemAdmin,
                &[O::ManageUsers, O::Audit, O::ManagePushes],
                &[],
            ),
        ];
        assert_eq!(expected.len(), Role::ALL.len());
        let s = scope(HandlingMode::Transferred);
        for (role, duties, steps) in expected {
            // Supervisors and observers are scoped to a department.
            let dept =
                matches!(role, Role::DepartmentSupervisor | Role::Observer).then_some("shichang");
            let own = [grant(*role, "hanyin", dept)];
            let other = [grant(*role, "ziyang", dept)];
            for op in Operation::all() {
                let want = match op {
                    O::Step(kind) => steps.contains(&kind),
                    _ => duties.contains(&op),
                };
                assert_eq!(allowed(&own, op, &s).is_ok(), want, "{role:?} {op:?}");
                assert!(
                    allowed(&other, op, &s).is_err(),
                    "{role:?} {op:?} across jurisdictions"
                );
                assert_eq!(
                    allowed_in(&own, op, "hanyin").is_ok(),
                    role_may(*role, op),
                    "{role:?} {op:?}"
                );
                assert!(allowed_in(&own, op, "ziyang").is_err());
            }
        }
    }

    #[test]
    fn department_scopes() {
        let resident = scope(HandlingMode::Resident);
        let transferred = scope(HandlingMode::Transferred);
        let bureau_reviewer = [grant(Role::Reviewer, "hanyin", None)];
        let dept_reviewer = [grant(Role::Reviewer, "hanyin", Some("shichang"))];
        let other_dept = [grant(Role::Reviewer, "hanyin", Some("gongan"))];
        let op = Operation::Step(StepKind::Review);
        assert!(allowed(&bureau_reviewer, op, &transferred).is_ok());
        assert!(allowed(&bureau_reviewer, op, &resident).is_err());
        assert!(allowed(&dept_reviewer, op, &resident).is_ok());
        assert!(allowed(&dept_reviewer, op, &transferred).is_err());
        assert!(allowed(&other_dept, op, &resident).is_err());
        let supervisor = [grant(Role::DepartmentSupervisor, "hanyin", Some("huanbao"))];
        assert!(allowed(&supervisor, Operation::ViewCase, &transferred).is_err());
        assert!(allowed(&supervisor, Operation::Supervise, &transferred).is_err());
        let own_supervisor = [grant(
            Role::DepartmentSupervisor,
            "hanyin",
            Some("shichang"),
        )];
        assert!(allowed(&own_supervisor, Operation::Supervise, &transferred).is_ok());
        assert!(allowed(&own_supervisor, Operation::ActOnLicence, &transferred).is_err());
        let observer = [grant(Role::Observer, "hanyin", Some("shichang"))];
        assert!(allowed(&observer, Operation::ViewCase, &transferred).is_ok());
        assert!(allowed(&observer, Operation::Decide, &transferred).is_err());
        let discipline = [grant(Role::DisciplineSupervisor, "hanyin", None)];
        assert!(allowed(&discipline, Operation::ViewCase, &resident).is_ok());
    }

    #[test]
    fn the_window_decides_instant_items() {
        let clerk = [grant(Role::WindowClerk, "hanyin", None)];
        let mut s = scope(HandlingMode::Transferred);
        assert!(allowed(&clerk, Operation::Decide, &s).is_err());
        s.instant = true;
        assert!(allowed(&clerk, Operation::Decide, &s).is_ok());
        assert!(allowed(&clerk, Operation::Step(StepKind::Review), &s).is_ok());
        assert!(allowed(&clerk, Operation::Extend, &s).is_err());
    }

    #[test]
    fn denials_say_why_in_chinese() {
        let s = scope(HandlingMode::Transferred);
        let e = allowed(
            &[grant(Role::Reviewer, "ziyang", None)],
            Operation::ViewCase,
            &s,
        )
        .unwrap_err();
        assert!(e.0.contains("不属于您所在县区"));
        let e = allowed(
            &[grant(Role::Reviewer, "hanyin", None)],
            Operation::Decide,
            &s,
        )
        .unwrap_err();
        assert!(e.0.contains("作出许可决定"), "{e}");
    }

    #[test]
    fn the_head_decides_but_does_not_review() {
        let s = scope(HandlingMode::Transferred);
        let head = [grant(Role::BureauHead, "hanyin", None)];
        assert!(allowed(&head, Operation::Decide, &s).is_ok());
        let e = allowed(&head, Operation::Step(StepKind::Review), &s).unwrap_err();
        assert!(
            e.0.contains("职责分离") && e.0.contains("局长不承担审查环节"),
            "{e}"
        );
        // A head who also holds the reviewer's post (a separate grant) may review.
        let both = [head[0].clone(), grant(Role::Reviewer, "hanyin", None)];
        assert!(allowed(&both, Operation::Step(StepKind::Review), &s).is_ok());
    }

    #[test]
    fn watchers_see_identifiers_masked_and_handlers_in_full() {
        let s = scope(HandlingMode::Transferred);
        let observer = grant(Role::Observer, "hanyin", Some("shichang"));
        let discipline = grant(Role::DisciplineSupervisor, "hanyin", None);
        assert!(!sees_identifiers(std::slice::from_ref(&observer), &s));
        assert!(!sees_identifiers(std::slice::from_ref(&discipline), &s));
        for role in [
            Role::WindowClerk,
            Role::Reviewer,
            Role::SectionChief,
            Role::BureauHead,
        ] {
            assert!(
                sees_identifiers(&[grant(role, "hanyin", None)], &s),
                "{role:?}"
            );
        }
        // A clerk of another county sees nothing at all, so not in full either.
        assert!(!sees_identifiers(
            &[grant(Role::WindowClerk, "ziyang", None)],
            &s
        ));
        // An observer who also handles the case sees it in full.
        assert!(sees_identifiers(
            &[observer, grant(Role::Reviewer, "hanyin", None)],
            &s
        ));
    }

    #[test]
    fn only_the_windows_duties_are_done_at_the_window() {
        let s = scope(HandlingMode::Transferred);
        assert!(at_window(Operation::Intake, &s));
        assert!(at_window(Operation::Step(StepKind::Release), &s));
        assert!(!at_window(Operation::Step(StepKind::Review), &s));
        assert!(!at_window(Operation::Step(StepKind::Verification), &s));
        assert!(!at_window(Operation::Decide, &s));
        assert!(!at_window(Operation::ViewCase, &s));
        // An instant item is decided on the spot at the window.
        let instant = Scope { instant: true, ..s };
        assert!(at_window(Operation::Decide, &instant));
    }

    fn posted(role: Role, unit: &str) -> Grant {
        Grant {
            unit: Some(unit.into()),
            ..grant(role, "hanyin", None)
        }
    }

    /// 汉阴县 with its townships, and a scope of an item of it concerning `townships`.
    fn township_scope(mode: HandlingMode, townships: &[&str]) -> Scope {
        let org = Organisation::builtin();
        let codes: Vec<String> = townships.iter().map(|t| t.to_string()).collect();
        Scope::new(&org, "hanyin", "zr", "zr", mode, false, &codes)
    }

    #[test]
    fn a_townships_own_power_is_its_own_staffs() {
        let s = township_scope(HandlingMode::Township, &["jianchi"]);
        assert_eq!(s.townships.governments, vec!["涧池镇人民政府".to_string()]);
        // The bureau's section chief and head may not decide a town's own power.
        for role in [Role::SectionChief, Role::BureauHead] {
            let e = allowed(&[grant(role, "hanyin", None)], Operation::Decide, &s).unwrap_err();
            assert!(
                e.0.contains("镇人民政府自有权限") && e.0.contains("涧池镇人民政府工作人员办理"),
                "{e}"
            );
        }
        let bureau_clerk = [posted(Role::WindowClerk, "w01")];
        assert!(allowed(&bureau_clerk, Operation::Receive, &s).is_err());
        assert!(allowed(&bureau_clerk, Operation::ViewCase, &s).is_err());
        // The township's own staff, at its centre or village points, handle it.
        assert!(
            allowed(
                &[posted(Role::WindowClerk, "jianchi")],
                Operation::Receive,
                &s
            )
            .is_ok()
        );
        assert!(
            allowed(
                &[posted(Role::WindowClerk, "jianchi-v1")],
                Operation::Intake,
                &s
            )
            .is_ok()
        );
        assert!(
            allowed(
                &[posted(Role::Reviewer, "jianchi")],
                Operation::Step(StepKind::Review),
                &s
            )
            .is_ok()
        );
        assert!(
            allowed(
                &[posted(Role::SectionChief, "jianchi")],
                Operation::Decide,
                &s
            )
            .is_ok()
        );
        // Still by duty: the township's clerk does not decide.
        assert!(
            allowed(
                &[posted(Role::WindowClerk, "jianchi")],
                Operation::Decide,
                &s
            )
            .is_err()
        );
        // Another township's staff may not.
        let e = allowed(&[posted(Role::SectionChief, "puxi")], Operation::Decide, &s).unwrap_err();
        assert!(e.0.contains("涧池镇人民政府"), "{e}");
        assert!(
            allowed(
                &[posted(Role::WindowClerk, "chengguan-v1")],
                Operation::Receive,
                &s
            )
            .is_err()
        );
        // Nor another county's staff of a township with the same code.
        assert!(
            allowed(
                &[Grant {
                    unit: Some("jianchi".into()),
                    ..grant(Role::SectionChief, "ziyang", None)
                }],
                Operation::Decide,
                &s
            )
            .is_err()
        );
        // Oversight is unchanged.
        assert!(
            allowed(
                &[grant(Role::DisciplineSupervisor, "hanyin", None)],
                Operation::ViewCase,
                &s
            )
            .is_ok()
        );
        assert!(
            allowed(
                &[grant(Role::DisciplineSupervisor, "hanyin", None)],
                Operation::Audit,
                &s
            )
            .is_ok()
        );
        assert!(
            allowed(
                &[grant(Role::Observer, "hanyin", Some("zr"))],
                Operation::ViewCase,
                &s
            )
            .is_ok()
        );
        assert!(
            allowed(
                &[grant(Role::Observer, "hanyin", Some("zr"))],
                Operation::Decide,
                &s
            )
            .is_err()
        );
        assert!(
            allowed(
                &[grant(Role::SystemAdmin, "hanyin", None)],
                Operation::Audit,
                &s
            )
            .is_ok()
        );
        // A scope naming no township of the jurisdiction leaves nobody to handle it.
        let none = township_scope(HandlingMode::Township, &["nowhere"]);
        assert!(
            allowed(
                &[posted(Role::SectionChief, "jianchi")],
                Operation::Decide,
                &none
            )
            .is_err()
        );
    }

    #[test]
    fn township_centres_receive_for_the_bureau_which_decides() {
        let s = township_scope(HandlingMode::AcceptancePoint, &["jianchi", "puxi"]);
        // The listed townships' clerks and the bureau's receive.
        for g in [
            posted(Role::WindowClerk, "jianchi"),
            posted(Role::WindowClerk, "jianchi-v1"),
            posted(Role::WindowClerk, "puxi"),
            posted(Role::WindowClerk, "w01"),
            grant(Role::WindowClerk, "hanyin", None),
        ] {
            assert!(
                allowed(std::slice::from_ref(&g), Operation::Receive, &s).is_ok(),
                "{g:?}"
            );
        }
        // Another township's clerk does not.
        let e = allowed(
            &[posted(Role::WindowClerk, "chengguan")],
            Operation::Receive,
            &s,
        )
        .unwrap_err();
        assert!(e.0.contains("代收"), "{e}");
        // After the receipt everything is the bureau's, even for a township official.
        let e = allowed(
            &[posted(Role::WindowClerk, "jianchi")],
            Operation::Intake,
            &s,
        )
        .unwrap_err();
        assert!(e.0.contains("只代收"), "{e}");
        assert!(
            allowed(
                &[posted(Role::SectionChief, "jianchi")],
                Operation::Decide,
                &s
            )
            .is_err()
        );
        assert!(
            allowed(
                &[grant(Role::SectionChief, "hanyin", None)],
                Operation::Decide,
                &s
            )
            .is_ok()
        );
        assert!(allowed(&[posted(Role::WindowClerk, "w01")], Operation::Intake, &s).is_ok());
        // The township that received a case still reads it.
        assert!(
            allowed(
                &[posted(Role::WindowClerk, "jianchi")],
                Operation::ViewCase,
                &s
            )
            .is_ok()
        );
    }
}
