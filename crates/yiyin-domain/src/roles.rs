//! The roles of `product.md` and what each may own in an item's procedure (责任清单).
//!
//! Which role may take which action on which case, in which scope, is decided in the authorisation
//! module; this module only names the roles.

use serde::{Deserialize, Serialize};

use crate::catalog::StepKind;

labelled_enum!(
    /// A staff role. Every account holds one or more roles, each scoped to a jurisdiction and, for
    /// department roles, a department.
    Role {
        WindowClerk = ("window_clerk", "窗口受理人员"),
        Reviewer = ("reviewer", "审查人员"),
        Verifier = ("verifier", "核查人员"),
        Inspector = ("inspector", "踏勘人员"),
        TechnicalReviewer = ("technical_reviewer", "技术审查人员"),
        SectionChief = ("section_chief", "科室负责人"),
        BureauHead = ("bureau_head", "局长"),
        DepartmentSupervisor = ("department_supervisor", "监管部门人员"),
        Observer = ("observer", "审批观察员"),
        DisciplineSupervisor = ("discipline_supervisor", "纪检监察人员"),
        CatalogAdmin = ("catalog_admin", "目录管理员"),
        SystemAdmin = ("system_admin", "系统管理员"),
        RatingAdmin = ("rating_admin", "好差评管理员"),
        CentreAgent = ("centre_agent", "诉求中心话务员"),
        CentreManager = ("centre_manager", "诉求中心负责人"),
        TicketHandler = ("ticket_handler", "诉求承办人员"),
        GovernmentHead = ("government_head", "县人民政府负责人"),
        /// The agency centre's agent (全程代办服务中心代办员), acting for applicants under their
        /// agency mandates (`crate::agency`).
        AgencyAgent = ("agency_agent", "代办员"),
    }
);

impl Role {
    /// Whether this role may be made responsible for a step of that kind.
    pub fn can_own_step(self, kind: StepKind) -> bool {
        use Role::*;
        use StepKind as K;
        match kind {
            K::Acceptance | K::Release => self == WindowClerk,
            K::Certificate => matches!(self, WindowClerk | Reviewer),
            K::Review | K::PublicNotice | K::ExpertReview => {
                matches!(self, Reviewer | SectionChief)
            }
            K::Verification => self == Verifier,
            K::SiteInspection => self == Inspector,
            K::TechnicalReview | K::DrawingReview => matches!(self, TechnicalReviewer | Reviewer),
            K::Hearing | K::Decision => matches!(self, SectionChief | BureauHead),
        }
    }
}
