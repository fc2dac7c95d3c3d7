//! The role matrix over HTTP, on both databases: every API endpoint that needs a role is asked by
//! one account of each staff role (汉阴县; the department roles of 市场监管), by an applicant and by
//! nobody, and answers each as the domain's matrix (`yiyin_domain::authz::role_may`) says — the
//! roles that may use it get its success (or, for a write sent an invalid body or a missing id, the
//! 422 or 404 of a caller whose role was admitted), every other role 403 and nobody 401. Writes are
//! sent bodies that would be refused as invalid, so the role gate is proven to come before the body
//! is read, and nothing is written (the rows of the tables they write are counted before and after).
//! Each row's admitted roles come from the operations of its gate; the few rules narrower than one
//! operation (the requests centre's KPIs, ticket registration, the applicant's own endpoints) are
//! written by hand with their reason. A failure lists every answer that differs: endpoint, caller,
//! status got and expected.

use serde_json::{Value, json};
use yiyin_domain::authz::{Operation, role_may};
use yiyin_domain::catalog::StepKind;
use yiyin_domain::roles::Role;
use yiyin_store::Backend;
use yiyin_testkit::app::grant;
use yiyin_testkit::web::HANYIN;
use yiyin_testkit::{Api, on_both};

on_both!(every_gated_endpoint_answers_each_role_as_the_matrix_says);

/// The department of the department-scoped roles (observer, supervisor, ticket handler).
const DEPARTMENT: &str = "shichang";

/// Who an endpoint admits.
#[derive(Debug, Clone, Copy)]
enum Who {
    /// Staff some of whose roles may do one of these operations somewhere (the domain's matrix).
    Ops(&'static [Operation]),
    /// These roles only: written by hand where the endpoint's rule is narrower than one operation
    /// of the matrix (the reason is given at the row).
    Roles(&'static [Role]),
    /// Applicants only, never staff.
    Applicant,
    /// Applicants, and staff some of whose roles may do one of these operations.
    ApplicantOr(&'static [Operation]),
}

/// What is sent as the body.
#[derive(Debug, Clone, Copy)]
enum Sent {
    /// No body.
    Nothing,
    /// A JSON string where an object is expected: refused as invalid (422) once admitted.
    Invalid,
    /// This JSON: an object of the right shape whose content is refused (422) once admitted.
    Json(&'static str),
}

/// One endpoint: method, path (with its query), body, the status of an admitted caller, who is
/// admitted.
struct Row {
    method: &'static str,
    path: &'static str,
    sent: Sent,
    admitted: u16,
    who: Who,
}

const fn get(path: &'static str, who: Who) -> Row {
    Row {
        method: "GET",
        path,
        sent: Sent::Nothing,
        admitted: 200,
        who,
    }
}

/// A GET of an object that does not exist: an admitted caller is told 404.
const fn get_missing(path: &'static str, who: Who) -> Row {
    Row {
        method: "GET",
        path,
        sent: Sent::Nothing,
        admitted: 404,
        who,
    }
}

/// A write with an invalid body: an admitted caller is told 422.
const fn invalid(method: &'static str, path: &'static str, who: Who) -> Row {
    Row {
        method,
        path,
        sent: Sent::Invalid,
        admitted: 422,
        who,
    }
}

/// A write without a body on an object that does not exist: an admitted caller is told 404.
const fn missing(path: &'static str, who: Who) -> Row {
    Row {
        method: "POST",
        path,
        sent: Sent::Nothing,
        admitted: 404,
        who,
    }
}

use Operation as O;

const STATISTICS: Who = Who::Ops(&[O::ViewStatistics]);
const MONITOR: Who = Who::Ops(&[O::Monitor]);
const SUPERVISE: Who = Who::Ops(&[O::Supervise]);
const MANAGE_PUSHES: Who = Who::Ops(&[O::ManagePushes]);
const MANAGE_TICKETS: Who = Who::Ops(&[O::ManageTickets]);
const TAKE_TICKETS: Who = Who::Ops(&[O::TakeTickets]);
const MANAGE_RATINGS: Who = Who::Ops(&[O::ManageRatings]);
const REDRESS: Who = Who::Ops(&[O::AnswerChallenges]);
const TRANSITION: Who = Who::Ops(&[O::ManageTransition]);
/// The ratings desk: the rating administrator, those who rectify, the monitors, and for tickets'
/// ratings the handling departments and the centre's manager.
const RATINGS_DESK: Who = Who::Ops(&[
    O::ManageRatings,
    O::Rectify,
    O::Monitor,
    O::HandleTickets,
    O::ManageTickets,
]);
/// The bad-rating loop: the same without the monitors, who only watch.
const RATINGS_ACT: Who = Who::Ops(&[
    O::Rectify,
    O::ManageRatings,
    O::HandleTickets,
    O::ManageTickets,
]);
/// The agency centre's service list: the bureau head.
const AGENCY_LIST: Who = Who::Ops(&[O::ManageAgency]);
/// The agents' acts under mandates.
const AGENCY_AGENT: Who = Who::Ops(&[O::ActForApplicants]);
/// The tickets: the centre's agents and manager and the handling departments.
const TICKETS: Who = Who::Ops(&[O::TakeTickets, O::ManageTickets, O::HandleTickets]);
/// The requests centre's KPIs, by hand: narrower than the statistics readers — the centre's
/// manager, the bureau head and the discipline supervisor read all, a ticket handler their own
/// department's (`yiyin_app::tickets` `kpi_reader`); the observer and the rating administrator,
/// who read the bureau's statistics, do not read the centre's.
const TICKET_KPIS: Who = Who::Roles(&[
    Role::CentreManager,
    Role::BureauHead,
    Role::DisciplineSupervisor,
    Role::TicketHandler,
]);

/// Every API endpoint that needs a role.
fn rows() -> Vec<Row> {
    vec![
        // 政务服务统计
        get("/api/v1/statistics?jurisdiction=hanyin", STATISTICS),
        get("/api/v1/statistics.xlsx?jurisdiction=hanyin", STATISTICS),
        get("/api/v1/statistics.csv?jurisdiction=hanyin", STATISTICS),
        // The monthly report, by hand: the statistics readers of the whole jurisdiction, not an
        // observer limited to departments (`yiyin_app::reports`); a month that is not one: 422.
        Row {
            method: "GET",
            path: "/api/v1/statistics/monthly.pdf?jurisdiction=hanyin&month=x",
            sent: Sent::Nothing,
            admitted: 422,
            who: Who::Roles(&[
                Role::BureauHead,
                Role::DisciplineSupervisor,
                Role::RatingAdmin,
                Role::CentreManager,
            ]),
        },
        // 电子监察
        get("/api/v1/monitoring/cards?jurisdiction=hanyin", MONITOR),
        invalid(
            "POST",
            "/api/v1/monitoring/cards/999999/appeal",
            // Those who decide cases appeal their cards.
            Who::Ops(&[O::Decide]),
        ),
        invalid(
            "POST",
            "/api/v1/monitoring/cards/999999/appeal/decision",
            MONITOR,
        ),
        // 好差评
        get("/api/v1/ratings?jurisdiction=hanyin", RATINGS_DESK),
        get_missing("/api/v1/ratings/999999", RATINGS_DESK),
        invalid("POST", "/api/v1/ratings/999999/actions", RATINGS_ACT),
        get("/api/v1/ratings/settings/hanyin", MANAGE_RATINGS),
        invalid("PUT", "/api/v1/ratings/settings/hanyin", MANAGE_RATINGS),
        // The window opens a one-time rating link for the applicant at the counter.
        invalid(
            "POST",
            "/api/v1/ratings/cases/999999/link",
            Who::Ops(&[O::Receive]),
        ),
        // The window looks up an applicant its jurisdiction knows, to prefill the intake form.
        invalid(
            "POST",
            "/api/v1/jurisdictions/hanyin/applicants/lookup",
            Who::Ops(&[O::Receive]),
        ),
        invalid("POST", "/api/v1/ratings/cases/999999", Who::Applicant),
        invalid("POST", "/api/v1/ratings/tickets/999999", Who::Applicant),
        // 诉求中心
        get("/api/v1/tickets/queue?jurisdiction=hanyin", TAKE_TICKETS),
        get("/api/v1/tickets/desk", Who::Ops(&[O::HandleTickets])),
        get("/api/v1/tickets/mine", Who::Applicant),
        get("/api/v1/tickets?jurisdiction=hanyin", TICKETS),
        invalid("POST", "/api/v1/tickets/999999/act", TICKETS),
        get("/api/v1/tickets/kpis?jurisdiction=hanyin", TICKET_KPIS),
        get("/api/v1/tickets/kpis.xlsx?jurisdiction=hanyin", TICKET_KPIS),
        get(
            "/api/v1/tickets/partners?jurisdiction=hanyin",
            MANAGE_TICKETS,
        ),
        invalid("POST", "/api/v1/tickets/partners", MANAGE_TICKETS),
        missing("/api/v1/tickets/partners/999999/revoke", MANAGE_TICKETS),
        invalid("POST", "/api/v1/tickets/categories", MANAGE_TICKETS),
        get("/api/v1/tickets/matrix?jurisdiction=hanyin", TAKE_TICKETS),
        invalid(
            "PUT",
            "/api/v1/tickets/matrix?jurisdiction=hanyin",
            MANAGE_TICKETS,
        ),
        // 审计
        get("/api/v1/audit/chain", Who::Ops(&[O::Audit])),
        get_missing("/api/v1/cases/999999/archive", Who::Ops(&[O::ViewCase])),
        invalid(
            "POST",
            "/api/v1/seals/999999/external-signer",
            Who::Ops(&[O::ManageUsers]),
        ),
        invalid(
            "POST",
            "/api/v1/seals/999999/crl",
            Who::Ops(&[O::ManageUsers]),
        ),
        missing(
            "/api/v1/cases/999999/shared-materials/fetch",
            Who::Ops(&[O::Intake]),
        ),
        invalid(
            "POST",
            "/api/v1/cases/999999/shared-materials/fallback",
            Who::Ops(&[O::Intake]),
        ),
        // 目录
        get(
            "/api/v1/jurisdictions/hanyin/national-report",
            Who::Ops(&[O::ManageCatalog]),
        ),
        // 监管
        get(
            "/api/v1/supervision/inbox?jurisdiction=hanyin&department=shichang",
            SUPERVISE,
        ),
        get(
            "/api/v1/supervision/overview?jurisdiction=hanyin",
            Who::Ops(&[O::ActOnLicence, O::ManagePushes]),
        ),
        missing("/api/v1/supervision/pushes/999999/acknowledge", SUPERVISE),
        invalid("POST", "/api/v1/pushes/acknowledge", SUPERVISE),
        invalid("POST", "/api/v1/supervision/pushes/acknowledge", SUPERVISE),
        // A department's list: its supervisors, and the bureau of its jurisdiction.
        get(
            "/api/v1/supervision/pushes?jurisdiction=hanyin&department=shichang",
            Who::Ops(&[O::Supervise, O::ActOnLicence, O::ManagePushes]),
        ),
        get(
            "/api/v1/supervision/pushes?jurisdiction=hanyin&list=overdue",
            Who::Ops(&[O::ActOnLicence, O::ManagePushes]),
        ),
        missing("/api/v1/supervision/pushes/999999/replay", MANAGE_PUSHES),
        // The findings' and the verification tasks' lists: as the push lists.
        get(
            "/api/v1/supervision/findings?jurisdiction=hanyin&department=shichang",
            Who::Ops(&[O::Supervise, O::ActOnLicence, O::ManagePushes]),
        ),
        get(
            "/api/v1/supervision/findings?jurisdiction=hanyin",
            Who::Ops(&[O::ActOnLicence, O::ManagePushes]),
        ),
        get(
            "/api/v1/supervision/verifications?jurisdiction=hanyin&department=shichang",
            Who::Ops(&[O::Supervise, O::ActOnLicence, O::ManagePushes]),
        ),
        get(
            "/api/v1/supervision/verifications?jurisdiction=hanyin",
            Who::Ops(&[O::ActOnLicence, O::ManagePushes]),
        ),
        get(
            "/api/v1/licence-acts?jurisdiction=hanyin",
            Who::Ops(&[O::ActOnLicence, O::ManagePushes]),
        ),
        // 通知发送
        get(
            "/api/v1/jurisdictions/hanyin/notifications/failed",
            Who::Ops(&[O::ManageNotifications]),
        ),
        missing(
            "/api/v1/notifications/999999/resend",
            Who::Ops(&[O::ManageNotifications]),
        ),
        invalid("PUT", "/api/v1/supervision/webhooks", MANAGE_PUSHES),
        invalid("POST", "/api/v1/supervision/findings", SUPERVISE),
        invalid(
            "POST",
            "/api/v1/supervision/verifications/999999",
            SUPERVISE,
        ),
        invalid(
            "POST",
            "/api/v1/licence-acts/999999/decision",
            Who::Ops(&[O::ActOnLicence]),
        ),
        invalid(
            "POST",
            "/api/v1/credit-records/999999/repair",
            Who::Ops(&[O::RepairCredit]),
        ),
        invalid("POST", "/api/v1/inspections", SUPERVISE),
        missing("/api/v1/inspections/999999/draw", SUPERVISE),
        invalid("POST", "/api/v1/inspections/999999/cancel", SUPERVISE),
        invalid("POST", "/api/v1/inspections/999999/results", SUPERVISE),
        invalid("POST", "/api/v1/inspections/ties", SUPERVISE),
        invalid("PUT", "/api/v1/licences/HY-NONE/risk", SUPERVISE),
        // 复议应诉: the bureau head.
        get("/api/v1/redress?jurisdiction=hanyin", REDRESS),
        invalid("POST", "/api/v1/redress?jurisdiction=hanyin", REDRESS),
        get_missing("/api/v1/redress/999999", REDRESS),
        invalid("POST", "/api/v1/redress/999999/reply", REDRESS),
        invalid("POST", "/api/v1/redress/999999/outcome", REDRESS),
        get_missing("/api/v1/redress/999999/file", REDRESS),
        // 事项划转: the bureau head (the observers' own reads are checked by the use cases).
        get("/api/v1/jurisdictions/hanyin/transition", TRANSITION),
        invalid("PUT", "/api/v1/jurisdictions/hanyin/transition", TRANSITION),
        invalid(
            "POST",
            "/api/v1/jurisdictions/hanyin/transition/batches",
            TRANSITION,
        ),
        get_missing(
            "/api/v1/jurisdictions/hanyin/transition/batches/999999/readiness",
            TRANSITION,
        ),
        missing(
            "/api/v1/jurisdictions/hanyin/transition/batches/999999/switch",
            TRANSITION,
        ),
        invalid(
            "POST",
            "/api/v1/jurisdictions/hanyin/transition/cases/999999/migrate",
            TRANSITION,
        ),
        invalid(
            "POST",
            "/api/v1/jurisdictions/hanyin/transition/observers",
            TRANSITION,
        ),
        // 模拟运行: the bureau head switches it.
        invalid(
            "PUT",
            "/api/v1/jurisdictions/hanyin/simulation",
            Who::Ops(&[O::ManageSimulation]),
        ),
        // 委托: the bureau head entrusts and revokes; village points take and township centres
        // receive (the receiving roles); the forwardings are read by those who read cases.
        invalid(
            "POST",
            "/api/v1/jurisdictions/hanyin/delegations",
            Who::Ops(&[O::Delegate]),
        ),
        invalid(
            "POST",
            "/api/v1/jurisdictions/hanyin/delegations/999999/revoke",
            Who::Ops(&[O::Delegate]),
        ),
        invalid(
            "POST",
            "/api/v1/jurisdictions/hanyin/forwardings",
            Who::Ops(&[O::Receive]),
        ),
        invalid(
            "POST",
            "/api/v1/jurisdictions/hanyin/forwardings/999999/receive",
            Who::Ops(&[O::Receive]),
        ),
        get(
            "/api/v1/jurisdictions/hanyin/townships/jianchi/forwardings",
            Who::Ops(&[O::ViewCase]),
        ),
        // 一件事: the catalog administrator publishes a bundle; the window receives one; those who
        // read cases and the county government's head read them and act on them (the application
        // layer checks each act: intake and release the window's, the extension the government
        // head's; a member's decision is its own case's).
        invalid(
            "POST",
            "/api/v1/jurisdictions/hanyin/bundles",
            Who::Ops(&[O::ManageCatalog]),
        ),
        invalid("POST", "/api/v1/bundles", Who::Ops(&[O::Receive])),
        get(
            "/api/v1/bundles?jurisdiction=hanyin",
            Who::Ops(&[O::ViewCase, O::ExtendBundle]),
        ),
        get_missing(
            "/api/v1/bundles/999999",
            Who::Ops(&[O::ViewCase, O::ExtendBundle]),
        ),
        invalid(
            "POST",
            "/api/v1/bundles/999999/actions",
            Who::Ops(&[O::ViewCase, O::ExtendBundle]),
        ),
        // 全程代办: the bureau head publishes the service list; the applicant signs, lists, revokes
        // and rates mandates (choosing among the county's agents); the agents act under them (the
        // application layer checks each mandate).
        invalid("PUT", "/api/v1/agency/lists/hanyin", AGENCY_LIST),
        get("/api/v1/agency/agents/hanyin", Who::Applicant),
        get("/api/v1/agency/mandates", Who::Applicant),
        invalid("POST", "/api/v1/agency/mandates", Who::Applicant),
        missing("/api/v1/agency/mandates/999999/revoke", Who::Applicant),
        invalid(
            "POST",
            "/api/v1/agency/mandates/999999/rating",
            Who::Applicant,
        ),
        get("/api/v1/agency/work", AGENCY_AGENT),
        get_missing("/api/v1/agency/mandates/999999/notices", AGENCY_AGENT),
        invalid(
            "POST",
            "/api/v1/agency/mandates/999999/cases/999999/supplement",
            AGENCY_AGENT,
        ),
        missing(
            "/api/v1/agency/mandates/999999/cases/999999/pickup",
            AGENCY_AGENT,
        ),
        get_missing("/api/v1/agency/mandates/999999/project", AGENCY_AGENT),
        invalid(
            "POST",
            "/api/v1/agency/mandates/999999/stages/land_planning",
            AGENCY_AGENT,
        ),
        invalid(
            "POST",
            "/api/v1/agency/mandates/999999/bundles/999999/supplement",
            AGENCY_AGENT,
        ),
        // The builder applies for its project's stages online and answers a bundle's supplement
        // notice (the application layer checks the project and the bundle are its own).
        invalid(
            "POST",
            "/api/v1/my/projects/999999/stages/land_planning",
            Who::Applicant,
        ),
        invalid(
            "POST",
            "/api/v1/my/bundles/999999/supplement",
            Who::Applicant,
        ),
        // 专家库: the bureau head keeps the pools; those who start special procedures read them and
        // act on a case's expert draw (the application layer checks the case's scope).
        get(
            "/api/v1/jurisdictions/hanyin/pools",
            Who::Ops(&[O::ManagePools, O::Suspend]),
        ),
        invalid(
            "POST",
            "/api/v1/jurisdictions/hanyin/pools",
            Who::Ops(&[O::ManagePools]),
        ),
        invalid(
            "POST",
            "/api/v1/pools/999999/members",
            Who::Ops(&[O::ManagePools]),
        ),
        invalid(
            "POST",
            "/api/v1/pool-members/999999/ties",
            Who::Ops(&[O::ManagePools]),
        ),
        invalid(
            "POST",
            "/api/v1/cases/999999/expert-draw/seed",
            Who::Ops(&[O::Suspend]),
        ),
        missing(
            "/api/v1/cases/999999/expert-draw/draw",
            Who::Ops(&[O::Suspend]),
        ),
        // 施工图审查 (集中图审): the system administrator registers institutions; the roles owning
        // the drawing-review step assign reviews and give opinions (the application layer narrows
        // each to the bureau's own staff or the institution's own reviewers); those who read or
        // receive cases list them; the builder alone resubmits drawings.
        invalid(
            "POST",
            "/api/v1/jurisdictions/hanyin/drawing-institutions",
            Who::Ops(&[O::ManageUsers]),
        ),
        invalid(
            "POST",
            "/api/v1/drawing-reviews",
            Who::Ops(&[O::Step(StepKind::DrawingReview)]),
        ),
        get(
            "/api/v1/drawing-reviews?jurisdiction=hanyin",
            Who::Ops(&[O::ViewCase, O::Receive]),
        ),
        invalid(
            "POST",
            "/api/v1/drawing-reviews/999999/opinions",
            Who::Ops(&[O::Step(StepKind::DrawingReview)]),
        ),
        missing(
            "/api/v1/drawing-reviews/999999/resubmissions?name=a.pdf&version=1",
            Who::Applicant,
        ),
        // The certificate's sealed PDF and OFD: the builder (an applicant) or those who read
        // drawing reviews (the application layer checks the review).
        get_missing(
            "/api/v1/drawing-reviews/999999/certificate.pdf",
            Who::ApplicantOr(&[O::ViewCase, O::Receive]),
        ),
        get_missing(
            "/api/v1/drawing-reviews/999999/certificate.ofd",
            Who::ApplicantOr(&[O::ViewCase, O::Receive]),
        ),
        // 联合踏勘验收: the window schedules and re-inspects (the application layer checks the
        // bundle's lead department); those who read or receive cases read visits; any member of
        // staff may send an opinion (the application layer admits only the staff sent); the
        // applicant reads its own.
        invalid("POST", "/api/v1/visits", Who::Ops(&[O::Receive])),
        get(
            "/api/v1/visits?jurisdiction=hanyin",
            Who::Ops(&[O::ViewCase, O::Receive]),
        ),
        get_missing(
            "/api/v1/visits/999999",
            Who::Ops(&[O::ViewCase, O::Receive]),
        ),
        get_missing(
            "/api/v1/visits/999999/record",
            Who::Ops(&[O::ViewCase, O::Receive]),
        ),
        invalid(
            "POST",
            "/api/v1/visits/999999/opinions",
            Who::Roles(Role::ALL),
        ),
        invalid(
            "POST",
            "/api/v1/visits/999999/reinspection",
            Who::Ops(&[O::Receive]),
        ),
        missing("/api/v1/visits/999999/draw", Who::Ops(&[O::Receive])),
        get("/api/v1/my/visits", Who::Applicant),
        get_missing("/api/v1/my/visits/999999", Who::Applicant),
        get_missing("/api/v1/my/visits/999999/record", Who::Applicant),
        get("/api/v1/my/licences", Who::Applicant),
        // Tickets are registered by the centre's agents (hotline) and by applicants (portal); the
        // gate admits them alone before the body is read, and the body here is refused for its
        // content (no callback phone for a hotline call, no type or category for a portal
        // request) once admitted.
        Row {
            method: "POST",
            path: "/api/v1/tickets",
            sent: Sent::Json(
                r#"{"jurisdiction": "hanyin", "type": "", "category": "", "content": ""}"#,
            ),
            admitted: 422,
            who: Who::ApplicantOr(&[O::TakeTickets]),
        },
        // The same with a body that is not even an object: the gate answers before it is read.
        Row {
            method: "POST",
            path: "/api/v1/tickets",
            sent: Sent::Json(r#"["不是对象"]"#),
            admitted: 422,
            who: Who::ApplicantOr(&[O::TakeTickets]),
        },
    ]
}

/// Who asks.
#[derive(Debug, Clone)]
enum Caller {
    Staff(Role),
    Applicant,
    Anonymous,
}

impl Caller {
    fn name(&self) -> String {
        match self {
            Caller::Staff(role) => format!("{} ({})", role.code(), role.label()),
            Caller::Applicant => "applicant".into(),
            Caller::Anonymous => "anonymous".into(),
        }
    }
}

/// The status the caller must get from the endpoint.
fn expected(row: &Row, caller: &Caller) -> u16 {
    let admitted = match (caller, row.who) {
        (Caller::Anonymous, _) => return 401,
        (Caller::Applicant, who) => matches!(who, Who::Applicant | Who::ApplicantOr(_)),
        (Caller::Staff(role), Who::Ops(ops) | Who::ApplicantOr(ops)) => {
            ops.iter().any(|op| role_may(*role, *op))
        }
        (Caller::Staff(role), Who::Roles(roles)) => roles.contains(role),
        (Caller::Staff(_), Who::Applicant) => false,
    };
    if admitted { row.admitted } else { 403 }
}

/// The tables the writes above would write: their rows are counted before and after.
const WRITTEN: [&str; 31] = [
    "events",
    "agency_service_lists",
    "agency_mandates",
    "joint_visits",
    "bundle_versions",
    "bundles",
    "transfer_plans",
    "transfer_batches",
    "transition_observers",
    "case_aliases",
    "simulation_settings",
    "delegations",
    "village_forwardings",
    "redress_entries",
    "card_appeals",
    "rectification_steps",
    "rating_settings",
    "rating_tokens",
    "ratings",
    "tickets",
    "ticket_categories",
    "ticket_matrices",
    "ticket_events",
    "open311_keys",
    "webhooks",
    "findings",
    "licence_acts",
    "credit_records",
    "inspection_plans",
    "inspection_ties",
    "inspection_results",
];

async fn counts(api: &Api) -> Vec<(&'static str, i64)> {
    let mut conn = api.db().raw().await;
    let mut out = Vec::new();
    for table in WRITTEN {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("count {table}: {e}"));
        out.push((table, n));
    }
    out
}

async fn every_gated_endpoint_answers_each_role_as_the_matrix_says(backend: Backend) {
    let api = Api::spawn(backend, "2025-03-03").await;
    let mut callers: Vec<(Caller, Option<String>)> = Vec::new();
    for role in Role::ALL {
        let login = format!("hy.{}", role.code());
        let department = matches!(
            role,
            Role::Observer | Role::DepartmentSupervisor | Role::TicketHandler
        )
        .then_some(DEPARTMENT);
        let token = api
            .staff_with(&login, grant(*role, HANYIN, department))
            .await;
        callers.push((Caller::Staff(*role), Some(token)));
    }
    let applicant = api
        .register("person", "张三", "11010519491231002X", "Zs-2025-safe!")
        .await;
    callers.push((Caller::Applicant, Some(applicant)));
    callers.push((Caller::Anonymous, None));

    let before = counts(&api).await;
    let mut wrong = Vec::new();
    let rows = rows();
    for row in &rows {
        // One endpoint asked by every caller at once.
        let asks: Vec<_> = callers
            .iter()
            .map(|(_, token)| {
                let body = match row.sent {
                    Sent::Nothing => None,
                    Sent::Invalid => Some(json!("不是对象")),
                    Sent::Json(text) => Some(serde_json::from_str(text).expect("a JSON body")),
                };
                let req = api.request(row.method, row.path, token.as_deref(), body);
                tokio::spawn(async move {
                    let r = req.send().await.expect("the server answers");
                    let status = r.status().as_u16();
                    let text = r.text().await.unwrap_or_default();
                    (status, text)
                })
            })
            .collect();
        for ((caller, _), ask) in callers.iter().zip(asks) {
            let (got, text) = ask.await.expect("the request ran");
            let want = expected(row, caller);
            let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            let message = body["error"]["message"].as_str().unwrap_or_default();
            if got != want {
                let shown: String = text.chars().take(200).collect();
                wrong.push(format!(
                    "{} {} as {}: got {got}, expected {want} ({shown})",
                    row.method,
                    row.path,
                    caller.name()
                ));
            } else if got == 403
                && !message
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
            {
                wrong.push(format!(
                    "{} {} as {}: 403 without a Chinese reason: {text}",
                    row.method,
                    row.path,
                    caller.name()
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} answers differ from the role matrix:\n{}",
        wrong.len(),
        rows.len() * callers.len(),
        wrong.join("\n")
    );
    // Each row admits some caller and each account is refused somewhere: no row and no account
    // proves only one side.
    for row in &rows {
        assert!(
            callers
                .iter()
                .any(|(c, _)| expected(row, c) == row.admitted),
            "{} {} admits nobody",
            row.method,
            row.path
        );
    }
    for (caller, _) in &callers {
        let statuses: Vec<u16> = rows.iter().map(|r| expected(r, caller)).collect();
        if let Caller::Staff(_) | Caller::Applicant = caller {
            assert!(statuses.contains(&403), "{} refused nowhere", caller.name());
        }
    }
    assert_eq!(
        counts(&api).await,
        before,
        "a refused or invalid write changed a table"
    );
    api.stop().await;
}
