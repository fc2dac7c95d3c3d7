//! Shared support for the application-layer tests of approval–supervision separation: the bureau's
//! staff as principals of their roles (each action taken by the role whose duty it is), the
//! departments' supervisors, applicants with valid identifiers, a case taken through to its
//! licence, the acts on a licence, and (from the testkit) matchers that name the kind of error a use
//! case returns.

// Each test file uses part of it.
#![allow(dead_code, unused_imports)]

use std::future::Future;
use std::ops::Deref;

use yiyin_app::cases::{ActOn, Receive};
use yiyin_app::supervision::{Inbox, VerificationInput};
use yiyin_app::{AppError, Principal};
use yiyin_domain::authz::{self, Grant};
use yiyin_domain::catalog::StepKind;
use yiyin_domain::engine::{Action, CaseState, DocumentKind, IntakeOutcome, Refusal};
use yiyin_domain::ids::{citizen_check_char, credit_check_char};
use yiyin_domain::licence::{
    ActRequest, CancellationGround, LicenceStatus, RevocationGround, WithdrawalBasis,
};
use yiyin_domain::party::{Applicant, SubjectId};
use yiyin_domain::roles::Role;
use yiyin_domain::supervision::PushKind;
use yiyin_store::Backend;
use yiyin_store::cases::CaseRecord;
use yiyin_store::credit::CreditRecord;
use yiyin_store::licence_acts::LicenceAct;
use yiyin_store::verifications::VerificationTask;
use yiyin_testkit::TestApp;

pub use yiyin_testkit::errors::*;
pub use yiyin_testkit::on_both;

pub const HANYIN: &str = "hanyin";

/// An organisation applicant: 汉阴县月河第n文化娱乐有限公司, with a valid credit code.
pub fn org(n: u32) -> Applicant {
    let first17 = format!("91610921MA0{n:06}");
    let code = format!("{first17}{}", credit_check_char(&first17));
    applicant(
        &format!("汉阴县月河第{n}文化娱乐有限公司"),
        &code,
        "13800000000",
    )
}

/// A citizen applicant: 王芳n, with a valid citizen ID number.
pub fn person(n: u32) -> Applicant {
    let first17 = format!("61242119900101{n:03}");
    let id = format!("{first17}{}", citizen_check_char(&first17));
    applicant(&format!("王芳{n}"), &id, "13900000000")
}

/// An applicant with a valid identifier (a credit code or a citizen ID number).
fn applicant(name: &str, id: &str, phone: &str) -> Applicant {
    let id = SubjectId::parse_any(id).unwrap_or_else(|e| panic!("{id}: {e:?}"));
    Applicant::new(name, id, phone, None)
}

/// Runs `body` in the bureau of a fresh unsealed application (`on_both!(crate::common::run; …)`).
pub async fn run<F, Fut>(backend: Backend, body: F)
where
    F: FnOnce(World) -> Fut,
    Fut: Future<Output = ()>,
{
    yiyin_testkit::app::run(backend, |t| async move { body(World::new(t).await).await }).await;
}

/// The same with the seals made: documents are sealed as they are issued.
pub async fn run_sealed<F, Fut>(backend: Backend, body: F)
where
    F: FnOnce(World) -> Fut,
    Fut: Future<Output = ()>,
{
    yiyin_testkit::app::run_sealed(backend, |t| async move { body(World::new(t).await).await })
        .await;
}

/// What an application submits: `item` with `materials`, for `applicant` at the window (or, without
/// one, by the applicant's own account online, attested as Art. 31 asks), taken as `outcome`.
pub fn submission(
    item: &str,
    applicant: Option<Applicant>,
    materials: &[&str],
    outcome: IntakeOutcome,
) -> Receive {
    Receive {
        jurisdiction: HANYIN.into(),
        item_code: item.into(),
        attested: applicant.is_none(),
        applicant,
        materials: materials.iter().map(|m| m.to_string()).collect(),
        outcome,
        idempotency_key: None,
        uploads: vec![],
        form: None,
        representation: Default::default(),
    }
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
        fields: vec![],
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

    /// 赵, a supervisor of 文广, the department that supervises HY-WG-001 (entertainment).
    pub async fn wenguang_supervisor(&self) -> Principal {
        self.supervisor("hy.wg.zhao", "wenguang").await
    }

    /// 孙, a supervisor of 市场监管, which supervises HY-SC-001 (food) and not HY-WG-001.
    pub async fn shichang_supervisor(&self) -> Principal {
        self.supervisor("hy.sc.sun", "shichang").await
    }

    /// Why an applicant may not use notify-and-commit, if it may not.
    pub async fn barred(&self, applicant: &Applicant) -> Option<String> {
        let facts = self.t.applicant_facts(applicant.id_number.as_str()).await;
        facts.unwrap().commitment_barred
    }

    /// The inbox of a department's desk as `who` sees it (`all`: the acknowledged too).
    pub async fn inbox_of(&self, who: &Principal, department: &str, all: bool) -> Inbox {
        let desk = self.t.desk(who, HANYIN, department).unwrap();
        self.t.inbox(who, &desk, all).await.unwrap()
    }

    /// An act on a licence refused by its rule, saying each of `phrases`.
    pub async fn refused_on(
        &self,
        licence: &str,
        request: ActRequest,
        day: &str,
        phrases: &[&str],
    ) -> Refusal {
        refused_saying(self.on_licence(licence, request, day).await, phrases)
    }

    /// The credit records of an applicant.
    pub async fn credits(&self, applicant: &Applicant) -> Vec<CreditRecord> {
        let id = applicant.id_number.as_str();
        self.t.store.credit_records(id).await.unwrap()
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
        let input = submission(item, Some(applicant), materials, outcome);
        self.t
            .receive(&self.clerk, input)
            .await
            .unwrap_or_else(|e| panic!("receive {item}: {e}"))
            .record
    }

    /// HY-SC-001 (食品经营许可) received at the window with both its materials on `day`.
    pub async fn receive_food(
        &self,
        applicant: Applicant,
        outcome: IntakeOutcome,
        day: &str,
    ) -> CaseRecord {
        self.receive("HY-SC-001", applicant, &["M1", "M2"], outcome, day)
            .await
    }

    /// HY-WG-001 (娱乐场所经营许可, on the green list) received at the window with its one material.
    pub async fn receive_green(
        &self,
        applicant: Applicant,
        outcome: IntakeOutcome,
        day: &str,
    ) -> CaseRecord {
        self.receive("HY-WG-001", applicant, &["M1"], outcome, day)
            .await
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
        self.green_licence(applicant, IntakeOutcome::Accept, approve(), day, day)
            .await
    }

    /// A five-year food licence (HY-SC-001, supervised by 市场监管) granted on `day`.
    pub async fn food_licence(&self, applicant: Applicant, day: &str) -> (CaseRecord, String) {
        let c = self
            .receive_food(applicant, IntakeOutcome::Accept, day)
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
        self.green_licence(applicant, IntakeOutcome::Receive, commit(), day, issued)
            .await
    }

    /// HY-WG-001 received on `day`, decided at once, its licence issued on `issued`.
    async fn green_licence(
        &self,
        applicant: Applicant,
        intake: IntakeOutcome,
        decision: Action,
        day: &str,
        issued: &str,
    ) -> (CaseRecord, String) {
        let c = self.receive_green(applicant, intake, day).await;
        self.act(c.id, decision, day).await;
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

    /// An act on a licence that must succeed.
    pub async fn acted(&self, licence: &str, request: ActRequest, day: &str) -> LicenceAct {
        let name = format!("{request:?}");
        self.on_licence(licence, request, day)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    /// A change applied for on `applied` and granted on `granted`; returns the new version's
    /// identifier.
    pub async fn changed(
        &self,
        licence: &str,
        changes: &str,
        applied: &str,
        granted: &str,
    ) -> String {
        let act = self.acted(licence, change(changes), applied).await;
        let decided = self
            .decide(act.id, true, "符合条件", granted)
            .await
            .unwrap();
        decided.new_licence.expect("a new version")
    }

    /// The supervising department records what its verification of a commitment found.
    pub async fn verify(
        &self,
        who: &Principal,
        task: i64,
        outcome: &str,
        by: &str,
        reason: &str,
    ) -> Result<VerificationTask, AppError> {
        let input = VerificationInput {
            outcome: outcome.into(),
            by: by.into(),
            reason: reason.into(),
        };
        self.t.record_verification(who, task, &input).await
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

    /// The full text of an act's stored document, asserted of its kind and to say each of
    /// `phrases`.
    pub async fn document_of(
        &self,
        id: Option<i64>,
        kind: DocumentKind,
        phrases: &[&str],
    ) -> String {
        let doc = self
            .t
            .store
            .document(id.expect("a document"))
            .await
            .unwrap();
        assert_eq!(doc.record.kind, kind);
        let text = doc.record.paragraphs.join("");
        yiyin_testkit::assert_says(&text, phrases);
        text
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
