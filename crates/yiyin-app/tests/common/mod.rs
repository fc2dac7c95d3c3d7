//! Shared support for the application-layer tests of approval–supervision separation: the bureau's
//! staff as principals of their roles (each action taken by the role whose duty it is), the
//! departments' supervisors, applicants with valid identifiers, a case taken through to its
//! licence, the acts on a licence, and matchers that name the kind of error a use case returns.

#![allow(dead_code)]

use std::fmt::Debug;
use std::ops::Deref;

use yiyin_app::cases::{ActOn, Receive};
use yiyin_app::{AppError, Principal};
use yiyin_domain::authz::{self, Grant};
use yiyin_domain::catalog::StepKind;
use yiyin_domain::engine::{Action, CaseState, IntakeOutcome, Refusal};
use yiyin_domain::ids::{citizen_check_char, credit_check_char};
use yiyin_domain::licence::{
    ActRequest, CancellationGround, LicenceStatus, RevocationGround, WithdrawalBasis,
};
use yiyin_domain::party::{Applicant, SubjectId};
use yiyin_domain::roles::Role;
use yiyin_domain::supervision::PushKind;
use yiyin_store::cases::CaseRecord;
use yiyin_store::licence_acts::LicenceAct;
use yiyin_testkit::TestApp;

pub use yiyin_testkit::on_both;

pub const HANYIN: &str = "hanyin";

/// An organisation applicant: 汉阴县月河第n文化娱乐有限公司, with a valid credit code.
pub fn org(n: u32) -> Applicant {
    let first17 = format!("91610921MA0{n:06}");
    let code = format!("{first17}{}", credit_check_char(&first17));
    Applicant::new(
        &format!("汉阴县月河第{n}文化娱乐有限公司"),
        SubjectId::parse_any(&code).expect("a valid credit code"),
        "13800000000",
        None,
    )
}

/// A citizen applicant: 王芳n, with a valid citizen ID number.
pub fn person(n: u32) -> Applicant {
    let first17 = format!("61242119900101{n:03}");
    let id = format!("{first17}{}", citizen_check_char(&first17));
    Applicant::new(
        &format!("王芳{n}"),
        SubjectId::parse_any(&id).expect("a valid citizen ID number"),
        "13900000000",
        None,
    )
}

pub fn review() -> Action {
    Action::CompleteStep {
        kind: StepKind::Review,
        staff: vec!["审查 李娜".into()],
        opinion: "材料真实，符合条件".into(),
    }
}

pub fn approve() -> Action {
    Action::Decide {
        approve: true,
        reason: "符合法定条件、标准".into(),
    }
}

pub fn deny(reason: &str) -> Action {
    Action::Decide {
        approve: false,
        reason: reason.into(),
    }
}

/// The written commitment of notify-and-commit (告知承诺).
pub fn commit() -> Action {
    Action::AcceptOnCommitment {
        commitment: "本单位承诺已具备娱乐场所经营许可的全部条件，如有不实愿承担相应法律责任".into(),
    }
}

pub fn revoke(ground: RevocationGround, reason: &str, harm: bool, revoke: bool) -> ActRequest {
    ActRequest::Revoke {
        ground,
        reason: reason.into(),
        serious_public_harm: harm,
        revoke,
    }
}

pub fn cancel(ground: CancellationGround, reason: &str) -> ActRequest {
    ActRequest::Cancel {
        ground,
        reason: reason.into(),
    }
}

pub fn change(changes: &str) -> ActRequest {
    ActRequest::ApplyChange {
        changes: changes.into(),
    }
}

pub fn withdraw(basis: WithdrawalBasis, interest: &str, compensation: &str) -> ActRequest {
    ActRequest::Withdraw {
        basis,
        public_interest: interest.into(),
        compensation: compensation.into(),
    }
}

// ---------------------------------------------------------------------------------------------
// What a use case answered

/// The refusal of a rule (never bad input, a denial or another error).
pub fn refused<T: Debug>(r: Result<T, AppError>) -> Refusal {
    match r {
        Err(AppError::Refused(r)) => r,
        other => panic!("expected a refusal naming its rule, got {other:?}"),
    }
}

/// The message of bad input.
pub fn invalid<T: Debug>(r: Result<T, AppError>) -> String {
    match r {
        Err(AppError::Invalid { message, .. }) => message,
        other => panic!("expected bad input, got {other:?}"),
    }
}

/// The message of a denial: the account's role or scope does not reach.
pub fn forbidden<T: Debug>(r: Result<T, AppError>) -> String {
    match r {
        Err(AppError::Forbidden(m)) => m,
        other => panic!("expected a denial, got {other:?}"),
    }
}

pub fn not_found<T: Debug>(r: Result<T, AppError>) -> String {
    match r {
        Err(AppError::NotFound(m)) => m,
        other => panic!("expected not found, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// The bureau and the departments

/// The application with the bureau of 汉阴县 staffed: a window clerk, a reviewer, a section chief and
/// the bureau head, each a principal of that one role.
pub struct World {
    pub t: TestApp,
    /// 窗口受理人员: receives, takes the intake outcomes, issues certificates, applies for a
    /// licensee at the window.
    pub clerk: Principal,
    pub reviewer: Principal,
    /// 科室负责人: decides cases and the acts on licences.
    pub chief: Principal,
    /// 局长: besides, the pushes' systems and dead letters, credit repair, the audit.
    pub head: Principal,
}

impl Deref for World {
    type Target = TestApp;
    fn deref(&self) -> &TestApp {
        &self.t
    }
}

impl World {
    pub async fn new(t: TestApp) -> World {
        let clerk = t.staff("hy.clerk", Role::WindowClerk, HANYIN, None).await;
        let reviewer = t.staff("hy.reviewer", Role::Reviewer, HANYIN, None).await;
        let chief = t.staff("hy.chief", Role::SectionChief, HANYIN, None).await;
        let head = t.staff("hy.head", Role::BureauHead, HANYIN, None).await;
        World {
            t,
            clerk,
            reviewer,
            chief,
            head,
        }
    }

    /// A supervisor (监管部门人员) of a department of 汉阴县.
    pub async fn supervisor(&self, login: &str, department: &str) -> Principal {
        self.t
            .staff(login, Role::DepartmentSupervisor, HANYIN, Some(department))
            .await
    }

    /// The member of the bureau's staff whose duty an action is.
    pub fn staff_for(&self, action: &Action) -> &Principal {
        let op = authz::operation_for(action);
        [&self.clerk, &self.reviewer, &self.chief, &self.head]
            .into_iter()
            .find(|p| {
                p.account
                    .grants
                    .iter()
                    .any(|g: &Grant| authz::role_may(g.role, op))
            })
            .unwrap_or_else(|| panic!("nobody at the bureau may {}", action.name()))
    }

    /// The name under which a principal's acts are recorded.
    pub fn name_of(&self, who: &Principal) -> String {
        who.actor(&self.org()).name
    }

    /// Received at the window on `day`, with the window's outcome taken at once.
    pub async fn receive(
        &self,
        item: &str,
        applicant: Applicant,
        materials: &[&str],
        outcome: IntakeOutcome,
        day: &str,
    ) -> CaseRecord {
        self.t.set_today(day);
        self.t
            .receive(
                &self.clerk,
                Receive {
                    jurisdiction: HANYIN.into(),
                    item_code: item.into(),
                    applicant: Some(applicant),
                    materials: materials.iter().map(|m| m.to_string()).collect(),
                    attested: false,
                    outcome,
                    idempotency_key: None,
                    uploads: vec![],
                },
            )
            .await
            .unwrap_or_else(|e| panic!("receive {item}: {e}"))
            .record
    }

    /// An action on `day` by `who`, on the version read (None: the current one).
    pub async fn try_act_as(
        &self,
        who: &Principal,
        id: i64,
        version: Option<i64>,
        action: Action,
        day: &str,
    ) -> Result<CaseRecord, AppError> {
        self.t.set_today(day);
        self.t
            .act(
                who,
                ActOn {
                    case_id: id,
                    version,
                    action,
                    uploads: vec![],
                },
            )
            .await
    }

    /// An action on `day` by the member of staff whose duty it is.
    pub async fn try_act(
        &self,
        id: i64,
        action: Action,
        day: &str,
    ) -> Result<CaseRecord, AppError> {
        let who = self.staff_for(&action).clone();
        self.try_act_as(&who, id, None, action, day).await
    }

    pub async fn act(&self, id: i64, action: Action, day: &str) -> CaseRecord {
        let name = action.name();
        self.try_act(id, action, day)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    /// A one-year entertainment licence (HY-WG-001, supervised by 文广) granted the ordinary way on
    /// `day`; returns its case and identifier.
    pub async fn licensed(&self, applicant: Applicant, day: &str) -> (CaseRecord, String) {
        let c = self
            .receive("HY-WG-001", applicant, &["M1"], IntakeOutcome::Accept, day)
            .await;
        self.act(c.id, approve(), day).await;
        self.issued(c.id, day).await
    }

    /// A five-year food licence (HY-SC-001, supervised by 市场监管) granted on `day`.
    pub async fn food_licence(&self, applicant: Applicant, day: &str) -> (CaseRecord, String) {
        let c = self
            .receive(
                "HY-SC-001",
                applicant,
                &["M1", "M2"],
                IntakeOutcome::Accept,
                day,
            )
            .await;
        self.act(c.id, review(), day).await;
        self.act(c.id, approve(), day).await;
        self.issued(c.id, day).await
    }

    /// Notify-and-commit on HY-WG-001: decided on the commitment on `day`, the licence issued on
    /// `issued`.
    pub async fn committed(
        &self,
        applicant: Applicant,
        day: &str,
        issued: &str,
    ) -> (CaseRecord, String) {
        let c = self
            .receive("HY-WG-001", applicant, &["M1"], IntakeOutcome::Receive, day)
            .await;
        self.act(c.id, commit(), day).await;
        self.issued(c.id, issued).await
    }

    /// Issues the certificate of a decided case; returns the case and its licence's identifier.
    pub async fn issued(&self, id: i64, day: &str) -> (CaseRecord, String) {
        let c = self.act(id, Action::IssueCertificate, day).await;
        assert_eq!(c.state, CaseState::CertificateIssued);
        (c, self.licence_of(id).await)
    }

    /// The identifier of the (first) licence of a case.
    pub async fn licence_of(&self, case_id: i64) -> String {
        self.t.store.licences_of_case(case_id).await.unwrap()[0]
            .identifier
            .clone()
    }

    /// An act on a licence on `day`: applications at the window (for the holder), decisions by the
    /// section chief.
    pub async fn on_licence(
        &self,
        licence: &str,
        request: ActRequest,
        day: &str,
    ) -> Result<LicenceAct, AppError> {
        let who = match request {
            ActRequest::ApplyChange { .. } | ActRequest::ApplyRenewal => &self.clerk,
            _ => &self.chief,
        };
        self.on_licence_as(who, licence, request, day).await
    }

    pub async fn on_licence_as(
        &self,
        who: &Principal,
        licence: &str,
        request: ActRequest,
        day: &str,
    ) -> Result<LicenceAct, AppError> {
        self.t.set_today(day);
        self.t.act_on_licence(who, licence, &request).await
    }

    /// The section chief decides a pending change or renewal on `day`.
    pub async fn decide(
        &self,
        act: i64,
        grant: bool,
        reason: &str,
        day: &str,
    ) -> Result<LicenceAct, AppError> {
        self.t.set_today(day);
        self.t.decide_act(&self.chief, act, grant, reason).await
    }

    /// The licence's status as recorded.
    pub async fn status(&self, licence: &str) -> LicenceStatus {
        self.t.store.licence(licence).await.unwrap().unwrap().status
    }

    /// The actions of a case's events, oldest first.
    pub async fn actions(&self, case_id: i64) -> Vec<String> {
        self.t
            .store
            .case_events(case_id)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect()
    }

    pub async fn push_kinds(&self, case_id: i64) -> Vec<PushKind> {
        self.t
            .store
            .pushes_about(case_id)
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.kind)
            .collect()
    }

    /// The full text of a stored document.
    pub async fn document_text(&self, id: i64) -> String {
        self.t
            .store
            .document(id)
            .await
            .unwrap()
            .record
            .paragraphs
            .join("")
    }

    /// The bureau head's audit finds the event chain whole.
    pub async fn assert_chain_intact(&self) {
        let report = self.t.audit_chain(&self.head).await.unwrap();
        assert!(report.broken.is_none(), "{:?}", report.broken);
    }
}
