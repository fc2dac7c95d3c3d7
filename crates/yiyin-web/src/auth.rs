//! Who is asking: the session behind a request (a cookie for browsers, `Authorization: Bearer` for API
//! clients), and the CSRF check for cookie-authenticated writes.
//!
//! Handlers take [`Viewer`] (anyone, maybe anonymous) or [`Signed`] (a logged-in account), alone or
//! [`With`] the application (a [`Caller`] of the API), and hand its [`Principal`] to the
//! application layer, which decides permissions. An endpoint only some roles may use takes a
//! [`CallerFor`] its [`Gate`] instead, so that a caller none of whose roles may do the operation
//! anywhere is refused (403) before the body, path or query is read: validation after
//! authorisation, never before (axum runs extractors in the order of the arguments, so the caller
//! comes first).
//!
//! The rule, for every endpoint and page: **role gates before parsing** — who is asking (401 when
//! nobody) and whether any of their roles may do the operation anywhere (403) are settled by the
//! first extractor, before the path, query or body is read, so a stranger learns nothing about the
//! input; a page form's CSRF token is checked before its fields (for an upload form, before any
//! file is read: the token is its first field). **Scope checks** (the department, the jurisdiction,
//! the applicant's own case) need the resource, so they run in the application layer right after
//! the path is parsed and the resource loaded — never after the body's content is validated.

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use yiyin_app::accounts::Session;
use yiyin_app::{App, AppError, Principal};
use yiyin_domain::authz::Operation;
use yiyin_store::accounts::Account;

use crate::error::ApiError;

pub const SESSION_COOKIE: &str = "yiyin_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// How the session reached us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Cookie,
    Bearer,
}

/// The requester, if logged in.
#[derive(Debug, Clone)]
pub struct Viewer(pub Option<(Session, Via)>);

/// A logged-in requester.
#[derive(Debug, Clone)]
pub struct Signed {
    pub session: Session,
    pub via: Via,
    pub principal: Principal,
}

/// The value of one cookie.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The `Set-Cookie` value of a session (the API's login and the pages' alike; an empty token with
/// no age ends it).
pub fn session_cookie(token: &str, max_age_secs: i64) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}"
    ))
    .expect("cookie is ASCII")
}

fn token_of(headers: &HeaderMap) -> Option<(String, Via)> {
    if let Some(auth) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        && let Some(t) = auth.strip_prefix("Bearer ")
    {
        return Some((t.trim().to_string(), Via::Bearer));
    }
    cookie(headers, SESSION_COOKIE).map(|t| (t, Via::Cookie))
}

/// Settles who is asking once, before any route (but for static assets): the session of the
/// request's token, read with the versions of the settings by one statement, is kept for the
/// extractors below; a request without a token has the settings compared on their own (on a
/// database several servers share, a setting saved on another server is used from this request
/// on: `yiyin_app::settings_sync`). A lookup that fails is left to the extractor, which repeats it
/// and answers with its error.
pub async fn settle(
    axum::extract::State(app): axum::extract::State<App>,
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if !req.uri().path().starts_with("/static/") {
        match token_of(req.headers()) {
            Some((token, via)) => {
                if let Ok(session) = app.session(&token).await {
                    req.extensions_mut()
                        .insert(Viewer(session.map(|s| (s, via))));
                }
            }
            None => app.sync_settings_if_shared(None).await,
        }
    }
    next.run(req).await
}

impl FromRequestParts<App> for Viewer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        if let Some(settled) = parts.extensions.get::<Viewer>() {
            return Ok(settled.clone());
        }
        let Some((token, via)) = token_of(&parts.headers) else {
            return Ok(Viewer(None));
        };
        let session = app.session(&token).await?;
        Ok(Viewer(session.map(|s| (s, via))))
    }
}

impl Viewer {
    /// The logged-in principal, if any.
    pub fn principal(&self) -> Option<Principal> {
        self.0
            .as_ref()
            .map(|(s, _)| Principal::new(s.account.clone()))
    }
}

impl FromRequestParts<App> for Signed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let Viewer(v) = Viewer::from_request_parts(parts, app).await?;
        let (session, via) = v.ok_or(AppError::Unauthorized)?;
        // Browsers send cookies by themselves: a write with a cookie must also carry the CSRF token.
        let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if via == Via::Cookie && unsafe_method {
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            if sent != Some(session.csrf.as_str()) {
                return Err(AppError::Forbidden(
                    "请求缺少有效的防伪令牌（X-CSRF-Token），请刷新页面后重试".into(),
                )
                .into());
            }
        }
        Ok(Signed::new(session, via))
    }
}

impl Signed {
    pub fn new(session: Session, via: Via) -> Self {
        let principal = Principal::new(session.account.clone());
        Signed {
            session,
            via,
            principal,
        }
    }

    pub fn account(&self) -> &Account {
        &self.session.account
    }
}

impl std::ops::Deref for Signed {
    type Target = Principal;

    fn deref(&self) -> &Principal {
        &self.principal
    }
}

/// The application together with who is asking (`T`: a [`Viewer`] or a [`Signed`]), for handlers
/// that need both.
pub struct With<T> {
    pub app: App,
    pub who: T,
}

impl<T: FromRequestParts<App>> FromRequestParts<App> for With<T> {
    type Rejection = T::Rejection;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        Ok(With {
            app: app.clone(),
            who: T::from_request_parts(parts, app).await?,
        })
    }
}

/// A call of a logged-in API client: the application and who is calling.
pub type Caller = With<Signed>;

/// The operations an endpoint's callers must be able to do somewhere (any one of them): a coarse
/// gate before the request is read; the application layer still checks the scope.
pub trait Gate {
    const OPS: &'static [Operation] = &[];
    /// What the refusal says the caller may not do, when the operations' labels would not say it.
    const WHAT: Option<&'static str> = None;

    /// Whether the principal passes: by default, some role of theirs may do one of the operations
    /// somewhere. The gates of whole areas (staff pages, the applicant's pages) say it otherwise.
    fn admit(principal: &Principal) -> Result<(), AppError> {
        if Self::OPS.iter().any(|op| principal.may_somewhere(*op)) {
            return Ok(());
        }
        let what = match Self::WHAT {
            Some(what) => what.to_string(),
            None => Self::OPS
                .iter()
                .map(|op| op.label())
                .collect::<Vec<_>>()
                .join("或"),
        };
        Err(AppError::Forbidden(format!(
            "无权{what}：您的岗位没有此项职责"
        )))
    }
}

/// A logged-in requester some of whose roles may do one of `G`'s operations somewhere.
pub struct Gated<G> {
    pub signed: Signed,
    gate: PhantomData<G>,
}

impl<G: Gate> FromRequestParts<App> for Gated<G> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        Self::check(Signed::from_request_parts(parts, app).await?)
    }
}

impl<G: Gate> Gated<G> {
    /// The signed requester, if one of its roles may do one of `G`'s operations somewhere.
    pub fn check(signed: Signed) -> Result<Self, ApiError> {
        G::admit(&signed.principal)?;
        Ok(Gated {
            signed,
            gate: PhantomData,
        })
    }
}

impl<G> std::ops::Deref for Gated<G> {
    type Target = Signed;

    fn deref(&self) -> &Signed {
        &self.signed
    }
}

/// A call of a logged-in API client whose roles pass the gate `G`.
pub type CallerFor<G> = With<Gated<G>>;

/// The gates of the endpoints only some roles may use.
pub mod gate {
    use super::{AppError, Gate, Operation, Principal};

    macro_rules! gates {
        ($($(#[$doc:meta])* $name:ident => [$($op:expr),+] $($what:literal)?;)+) => {$(
            $(#[$doc])*
            pub struct $name;
            impl Gate for $name {
                const OPS: &'static [Operation] = &[$($op),+];
                $(const WHAT: Option<&'static str> = Some($what);)?
            }
        )+};
    }

    gates! {
        /// Supervising for a department: pushes, findings, commitment checks, risk, inspections.
        Supervise => [Operation::Supervise];
        /// The bureau's oversight of pushes: webhooks, dead letters, replay.
        ManagePushes => [Operation::ManagePushes];
        /// Overseeing the SMS and e-mail notices: failed ones, sending a dead one again.
        ManageNotifications => [Operation::ManageNotifications];
        /// The bureau's overview: who acts on licences or oversees pushes.
        Bureau => [Operation::ActOnLicence, Operation::ManagePushes];
        /// Deciding on licence changes and renewals, revocations and the like.
        ActOnLicence => [Operation::ActOnLicence];
        /// Reading the audit log.
        Audit => [Operation::Audit];
        /// Reading cases as staff (their archive packages).
        ViewCase => [Operation::ViewCase];
        /// Receiving applications at a window.
        Receive => [Operation::Receive];
        /// The intake's decisions on a received case (shared materials fetched or asked for).
        Intake => [Operation::Intake];
        /// Managing accounts and roles, or confirming a grant of a deciding role (the bureau head).
        Accounts => [Operation::ManageUsers, Operation::ConfirmGrants];
        /// Reading the e-monitoring desk (电子监察) and deciding card appeals (the application
        /// layer admits only the discipline supervisor to the decision).
        Monitor => [Operation::Monitor];
        /// Appealing a monitoring card: those who decide cases.
        AppealCard => [Operation::Decide] "对监察牌提出申诉";
        /// Reading the bureau's statistics (政务服务统计) and their exports.
        ViewStatistics => [Operation::ViewStatistics];
        /// Repairing a credit record.
        RepairCredit => [Operation::RepairCredit];
        /// Managing a jurisdiction's catalog (the national list report).
        ManageCatalog => [Operation::ManageCatalog];
        /// Editing a jurisdiction's organisation: the system administrators.
        Organisation => [Operation::ManageUsers];
        /// Handing a seal over to the county's own e-seal system: the system administrators (who
        /// keep the organisation and its seals).
        ExternalSigner => [Operation::ManageUsers] "为印章登记外部签章系统";
        /// Registering the CRL of an external seal's maker: the system administrators.
        SealCrl => [Operation::ManageUsers] "登记外部签章系统的证书吊销列表";
        /// Maintaining the working-day calendar: the system administrators (who manage users).
        Calendar => [Operation::ManageUsers] "维护节假日数据";
        /// The requests centre's tickets: its agents and manager, and the departments' handlers
        /// (the application layer checks the jurisdiction and the department).
        Tickets => [Operation::TakeTickets, Operation::ManageTickets, Operation::HandleTickets] "查看诉求工单";
        /// Taking calls and dispatching tickets: the centre's agents and manager.
        TakeTickets => [Operation::TakeTickets];
        /// Running the requests centre: its manager.
        ManageTickets => [Operation::ManageTickets];
        /// Handling tickets for a department.
        HandleTickets => [Operation::HandleTickets];
        /// The requests centre's KPIs: the centre's manager, the bureau's statistics readers and the
        /// departments' handlers (the application layer admits the manager, the head, the
        /// discipline supervisor and a handler for their own department).
        TicketKpis => [Operation::ManageTickets, Operation::ViewStatistics, Operation::HandleTickets] "查看诉求办理考核指标";
        /// Answering reconsideration and litigation (行政复议答复、行政诉讼应诉): the bureau head.
        Redress => [Operation::AnswerChallenges];
        /// Entrusting a township with delegated items and revoking it (委托): the bureau head.
        Delegate => [Operation::Delegate];
        /// Running the switch-over (划转): the bureau head.
        Transition => [Operation::ManageTransition];
        /// Switching simulation mode (模拟运行) on and off: the bureau head.
        Simulation => [Operation::ManageSimulation];
        /// Reading the ratings desk (好差评): the rating administrator, the rectifiers, the
        /// monitoring roles, and the requests centre's manager and the departments' handlers (the
        /// ratings of tickets).
        RatingsDesk => [Operation::ManageRatings, Operation::Rectify, Operation::Monitor, Operation::HandleTickets, Operation::ManageTickets] "查看好差评";
        /// Acting on a bad rating: the rectifiers and the rating administrator (and, for a
        /// ticket's, its department's handler and the centre's manager).
        RatingsAct => [Operation::Rectify, Operation::ManageRatings, Operation::HandleTickets, Operation::ManageTickets] "办理差评整改";
        /// Setting a jurisdiction's rating deadlines: the rating administrator.
        RatingsAdmin => [Operation::ManageRatings];
        /// Reading and acting on bundles (一件事): those who read cases and the county government's
        /// head (the application layer checks each act and which members a department sees).
        Bundles => [Operation::ViewCase, Operation::ExtendBundle] "办理一件事";
        /// Publishing the agency centre's service list (代办服务清单): the bureau head.
        ManageAgency => [Operation::ManageAgency];
        /// Acting for applicants under their mandates (代办): the agency centre's agents (the
        /// application layer checks each mandate).
        ActForApplicants => [Operation::ActForApplicants];
        /// Keeping the expert and site-inspector pools (专家库): the bureau head.
        ManagePools => [Operation::ManagePools];
        /// Reading the pools: the bureau head and those who start special procedures (who choose a
        /// pool for a case's draw).
        Pools => [Operation::ManagePools, Operation::Suspend] "查看专家库";
        /// A case's expert draw (seed, draw, recusal, objection decision, start of the review):
        /// those who start special procedures (the application layer checks the case's scope).
        ExpertDraw => [Operation::Suspend] "办理专家抽取";
        /// Reading joint visits (联合踏勘、联合验收): those who read cases or receive them (the
        /// application layer checks the visit's bundle, or that the reader was sent).
        Visits => [Operation::ViewCase, Operation::Receive] "查看联合踏勘验收";
        /// Reading drawing reviews (集中图审): those who read cases or receive them, the
        /// institutions' reviewers among them (the application layer shows an institution its own).
        DrawingReviews => [Operation::ViewCase, Operation::Receive] "查看施工图审查";
        /// Assigning a drawing review and giving an institution's opinion: the roles owning the
        /// drawing-review step (the application layer admits the bureau's own staff to the
        /// assignment and the institution's own reviewers to the opinion).
        DrawingReview => [Operation::Step(yiyin_domain::catalog::StepKind::DrawingReview)] "办理施工图审查";
    }

    /// The back office: any staff account (the application layer checks the operation and scope).
    pub struct Staff;
    impl Gate for Staff {
        fn admit(principal: &Principal) -> Result<(), AppError> {
            principal.require_staff()
        }
    }

    /// Registering a ticket: an applicant on the portal, or the centre's agents and manager (who
    /// take calls); refused before the body is read.
    pub struct FileTicket;
    impl Gate for FileTicket {
        fn admit(principal: &Principal) -> Result<(), AppError> {
            if principal.require_applicant().is_ok() {
                return Ok(());
            }
            TakeTickets::admit(principal)
        }
    }

    /// Downloading a drawing review's certificate (施工图审查合格书): the project's builder (an
    /// applicant), or those who read drawing reviews (the application layer checks the review).
    pub struct DrawingCertificate;
    impl Gate for DrawingCertificate {
        fn admit(principal: &Principal) -> Result<(), AppError> {
            if principal.require_applicant().is_ok() {
                return Ok(());
            }
            DrawingReviews::admit(principal)
        }
    }

    /// The applicant's own pages: any account that is not staff (the application layer checks
    /// that the case or licence is theirs).
    pub struct Applicant;
    impl Gate for Applicant {
        fn admit(principal: &Principal) -> Result<(), AppError> {
            principal.require_applicant()
        }
    }
}
