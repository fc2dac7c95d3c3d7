//! The role matrix and scope rules of [`super`], exhaustively.

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
        entrusted: None,
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
            &[
                O::ViewCase,
                O::Suspend,
                O::Decide,
                O::ActOnLicence,
                O::Rectify,
            ],
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
                O::Monitor,
                O::Rectify,
                O::ViewStatistics,
                O::AnswerChallenges,
                O::ManageTransition,
                O::ManageSimulation,
                O::Delegate,
                O::ManagePools,
                O::ManageAgency,
            ],
            &[K::Hearing, K::Decision],
        ),
        (
            Role::DepartmentSupervisor,
            &[O::ViewCase, O::Supervise],
            &[],
        ),
        (
            Role::Observer,
            &[O::ViewCase, O::Monitor, O::ViewStatistics],
            &[],
        ),
        (
            Role::DisciplineSupervisor,
            &[O::ViewCase, O::Audit, O::Monitor, O::ViewStatistics],
            &[],
        ),
        (Role::CatalogAdmin, &[O::ManageCatalog], &[]),
        (
            Role::SystemAdmin,
            &[
                O::ManageUsers,
                O::Audit,
                O::ManagePushes,
                O::ManageNotifications,
            ],
            &[],
        ),
        (
            Role::RatingAdmin,
            &[O::ManageRatings, O::ViewStatistics],
            &[],
        ),
        (Role::CentreAgent, &[O::TakeTickets], &[]),
        (
            Role::CentreManager,
            &[O::TakeTickets, O::ManageTickets, O::ViewStatistics],
            &[],
        ),
        (Role::TicketHandler, &[O::HandleTickets], &[]),
        (Role::GovernmentHead, &[O::ExtendBundle], &[]),
        (Role::AgencyAgent, &[O::ActForApplicants], &[]),
    ];
    assert_eq!(expected.len(), Role::ALL.len());
    let s = scope(HandlingMode::Transferred);
    for (role, duties, steps) in expected {
        // Supervisors and observers are scoped to a department.
        let dept = matches!(
            role,
            Role::DepartmentSupervisor | Role::Observer | Role::TicketHandler
        )
        .then_some("shichang");
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
    // The monitoring desk: an observer sees its own department's cards only.
    assert!(allowed(&observer, Operation::Monitor, &transferred).is_ok());
    let other_observer = [grant(Role::Observer, "hanyin", Some("gongan"))];
    assert!(allowed(&other_observer, Operation::Monitor, &transferred).is_err());
    assert!(allowed(&discipline, Operation::Monitor, &resident).is_ok());
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

#[test]
fn every_action_name_has_its_operation() {
    for name in crate::engine::Action::NAMES {
        let step = Some(StepKind::Verification);
        assert!(operation_named(name, step).is_some(), "{name}");
    }
    assert_eq!(operation_named("complete_step", None), None);
    assert_eq!(operation_named("no_such_action", None), None);
    assert_eq!(
        operation_named("hold_hearing", None),
        Some(Operation::Step(StepKind::Hearing))
    );
}
