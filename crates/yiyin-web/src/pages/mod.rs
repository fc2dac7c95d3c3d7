//! Server-rendered Chinese pages. Each handler gathers what its template shows and renders it;
//! templates live in `templates/` and escape everything they print. Pages work without JavaScript;
//! forms are plain POSTs carrying the CSRF token, and a failed form is shown again with what was
//! typed and a Chinese message beside each wrong field.
//!
//! Every handler of a logged-in user takes a [`Page`] (the application and who is asking); every
//! form is read by [`Form`] (typed, with the CSRF check) and ended by [`settle`] (success redirects
//! with a notice, a refusal shows the page again with the message and what was typed); every handler
//! calls the application layer for what it shows or does.
//!
//! Modules: [`portal`] (the public), [`account`] (log in, register), [`applicant`] (the applicant's
//! area), [`work`] (windows and back office), [`supervision`] (the bureau's and the departments'
//! supervision desks, licences), [`monitoring`] (the e-monitoring desk), [`audit`] (the event log and its chain), [`admin`] (catalog, users, organisation, calendar), [`docs`]
//! (printable documents), [`flash`] (notices only as the server set them, the Chinese 404 and error
//! pages in the logged-in frame).

pub mod account;
pub mod admin;
pub mod agency;
pub mod applicant;
pub mod audit;
pub mod bundles;
pub mod delegation;
pub mod deliveries;
pub mod docs;
pub mod drawing_reviews;
pub mod hearings;
pub mod identity;
pub mod messages;
pub mod monitoring;
pub mod partners;
pub mod pools;
pub mod portal;
pub mod projects;
pub mod ratings;
pub mod redress;
pub mod security;
pub mod simulation;
pub mod statistics;
pub mod supervision;
pub mod ticket_kpis;
pub mod tickets;
pub mod transition;
pub mod visits;
pub mod work;

pub mod flash;
pub(crate) mod form_fields;
mod forms;
mod org_view;

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use yiyin_app::{App, Principal};
use yiyin_domain::authz::{self, Operation};
use yiyin_domain::roles::Role;
use yiyin_store::accounts::Account;

pub use forms::{
    FieldErrors, FilesForm, Form, FormData, Path, Query, RawForm, UploadForm, is_refusal, settle,
    tell_back,
};

use crate::auth::{Gate, Gated, Signed, Viewer, With};
use crate::error::{ApiError, AppError, status_of};

/// The largest upload form (several materials of up to 10 MB each).
const UPLOAD_LIMIT: usize = 64 * 1024 * 1024;

pub fn router() -> Router<App> {
    Router::new()
        .route("/", get(portal::home))
        .route("/search", get(portal::search))
        .route("/county", get(portal::choose_county))
        .route("/announcements", get(portal::announcements))
        .route("/track", get(portal::track))
        .route(
            "/verify",
            get(portal::verify)
                .post(portal::verify_upload)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/j/{code}", get(portal::catalog))
        .route("/j/{code}/items/{item}", get(portal::item))
        .route(
            "/j/{code}/items/{item}/materials/{material}/blank",
            get(portal::blank_form),
        )
        .route(
            "/j/{code}/items/{item}/materials/{material}/sample",
            get(portal::sample),
        )
        .route("/j/{code}/changelog", get(portal::changelog))
        .route("/j/{code}/about", get(portal::about))
        .route("/login", get(account::login_form).post(account::login))
        .route("/login/sso", get(identity::start))
        .route("/login/sso/callback", get(identity::callback))
        .route("/account/identity", post(identity::bind))
        .route("/logout", post(account::logout))
        .route("/account", get(security::account_page))
        .route("/account/password", post(security::change_password))
        .route("/account/sessions", post(security::logout_everywhere))
        .route("/account/totp", post(security::start_totp))
        .route("/account/totp/confirm", post(security::confirm_totp))
        .route("/account/notifications", post(messages::set_notifications))
        .route("/messages", get(messages::messages_page))
        .route("/messages/read-all", post(messages::read_all))
        .route("/messages/{id}/read", post(messages::read))
        .route(
            "/register",
            get(account::register_form).post(account::register),
        )
        .route("/register/code", post(account::register_code))
        .route(
            "/password/forgot",
            get(account::forgot_form).post(account::forgot),
        )
        .route(
            "/password/reset",
            get(account::reset_form).post(account::reset),
        )
        .route("/my", get(applicant::my_cases))
        .route(
            "/apply/{code}/{item}",
            get(applicant::apply_form)
                .post(applicant::apply)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/my/cases/{id}", get(applicant::case_page))
        .route(
            "/my/cases/{id}/supplement",
            post(applicant::supplement).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/my/cases/{id}/withdraw", post(applicant::withdraw))
        .route("/my/cases/{id}/delivery-consent", post(deliveries::consent))
        .route("/my/cases/{id}/hearing", post(applicant::request_hearing))
        .route(
            "/my/cases/{id}/rate",
            get(ratings::mine).post(ratings::rate_mine),
        )
        .route("/work/cases/{id}/rating-link", post(ratings::open_link))
        .route(
            "/rate/{token}",
            get(ratings::tablet).post(ratings::rate_tablet),
        )
        .route("/ratings", get(ratings::desk))
        .route("/ratings/settings", post(ratings::set_settings))
        .route("/ratings/{id}", get(ratings::detail))
        .route("/ratings/{id}/act", post(ratings::act))
        .route("/j/{code}/ratings", get(ratings::public))
        .route("/j/{code}/hearings", get(hearings::public))
        .route("/files/{id}", get(applicant::file))
        .route("/work", get(work::worklist))
        .route("/work/queue", get(work::queue))
        .route(
            "/work/intake",
            get(work::intake_form)
                .post(work::intake)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/work/intake/lookup", post(work::look_up_applicant))
        .route("/work/head", get(work::head))
        .route("/work/redress", get(redress::desk).post(redress::register))
        .route(
            "/work/delegations",
            get(delegation::desk).post(delegation::create),
        )
        .route("/work/delegations/{id}/revoke", post(delegation::revoke))
        .route("/j/{code}/agency", get(agency::public))
        .route(
            "/work/agency/list",
            get(agency::list_form).post(agency::put_list),
        )
        .route("/my/mandates", get(agency::mandates).post(agency::sign))
        .route("/my/mandates/{id}/revoke", post(agency::revoke))
        .route("/my/mandates/{id}/rate", post(agency::rate))
        .route("/work/agency", get(agency::work))
        .route("/work/agency/{id}/notices", get(agency::notices))
        .route(
            "/work/agency/{id}/cases/{case}/supplement",
            post(agency::supplement).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            "/work/agency/{id}/cases/{case}/pickup",
            post(agency::pickup),
        )
        .route("/work/pools", get(pools::desk).post(pools::create))
        .route("/work/pools/{id}/members", post(pools::add_member))
        .route("/work/pool-members/{id}/ties", post(pools::declare_tie))
        .route("/work/cases/{id}/experts", get(pools::case))
        .route("/work/cases/{id}/experts/{what}", post(pools::act))
        .route("/my/cases/{id}/experts", get(pools::case))
        .route("/my/cases/{id}/experts/{what}", post(pools::act))
        .route(
            "/work/projects",
            get(projects::list).post(projects::register),
        )
        .route("/work/projects/{id}", get(projects::show))
        .route("/work/projects/{id}/stages", post(projects::receive_stage))
        .route("/my/projects", get(projects::mine))
        .route("/my/projects/{id}", get(projects::my_project))
        .route(
            "/my/projects/{id}/stages",
            post(projects::apply_stage).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            "/my/projects/{id}/bundles/{bundle}/supplement",
            post(projects::supplement_stage).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/work/agency/{id}/project", get(projects::agent_project))
        .route(
            "/work/agency/{id}/project/stages",
            post(projects::agent_apply_stage).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            "/work/agency/{id}/project/bundles/{bundle}/supplement",
            post(projects::agent_supplement_stage).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/work/visits", get(visits::desk).post(visits::schedule))
        .route("/work/visits/new", get(visits::new))
        .route("/work/visits/{id}", get(visits::show))
        .route("/work/visits/{id}/opinions", post(visits::opinion))
        .route("/work/visits/{id}/reinspection", post(visits::reinspect))
        .route("/work/visits/{id}/draw", post(visits::draw))
        .route("/work/visits/{id}/record", get(visits::record))
        .route("/my/visits/{id}", get(visits::mine))
        .route("/my/visits/{id}/record", get(visits::my_record))
        .route(
            "/work/drawing-reviews",
            get(drawing_reviews::list).post(drawing_reviews::assign),
        )
        .route(
            "/work/drawing-reviews/institutions",
            post(drawing_reviews::register),
        )
        .route("/work/drawing-reviews/{id}", get(drawing_reviews::show))
        .route(
            "/work/drawing-reviews/{id}/opinion",
            post(drawing_reviews::opinion),
        )
        .route(
            "/work/drawing-reviews/{id}/certificate",
            get(drawing_reviews::certificate),
        )
        .route("/my/drawing-reviews/{id}", get(drawing_reviews::mine))
        .route(
            "/my/drawing-reviews/{id}/resubmit",
            post(drawing_reviews::resubmit).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            "/my/drawing-reviews/{id}/certificate",
            get(drawing_reviews::my_certificate),
        )
        .route("/work/bundles", get(bundles::desk))
        .route(
            "/work/bundles/receive",
            get(bundles::intake_form)
                .post(bundles::intake)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/work/bundles/{id}/receipt", get(bundles::receipt))
        .route("/work/bundles/{id}", get(bundles::show))
        .route("/work/bundles/{id}/act", post(bundles::act))
        .route("/j/{code}/delegations", get(delegation::public))
        .route("/work/redress/{id}/reply", post(redress::reply))
        .route("/work/redress/{id}/outcome", post(redress::outcome))
        .route("/work/redress/{id}/file", get(redress::file))
        .route("/work/transition", get(transition::desk))
        .route("/work/transition/plan", post(transition::set_plan))
        .route("/work/transition/batches", post(transition::add_batch))
        .route(
            "/work/transition/batches/{id}/switch",
            post(transition::switch),
        )
        .route(
            "/work/transition/batches/{id}/simulate",
            post(transition::simulate),
        )
        .route(
            "/work/transition/observers",
            post(transition::name_observer),
        )
        .route("/work/transition/migrate", post(transition::migrate))
        .route("/work/observe", get(transition::observe))
        .route("/work/observe/{id}", get(transition::observed_case))
        .route("/work/observe/{id}/comments", post(transition::comment))
        .route("/work/cases/{id}", get(work::case_page))
        .route("/work/cases/{id}/act", post(work::act))
        .route(
            "/work/cases/{id}/supplement",
            post(work::supplement).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/work/cases/{id}/receipt", get(work::receipt))
        .route("/work/cases/{id}/reveal", post(work::reveal))
        .route("/work/cases/{id}/fetch-shared", post(work::shared::fetch))
        .route("/work/cases/{id}/fall-back", post(work::shared::fall_back))
        .route("/work/cases/{id}/archive", get(work::archive))
        .route("/work/cases/{id}/deliveries", post(deliveries::record))
        .route(
            "/work/cases/{id}/deliveries/consent",
            post(deliveries::staff_consent),
        )
        .route(
            "/work/cases/{id}/deliveries/{delivery}/receipt",
            post(deliveries::receipt),
        )
        .route("/monitoring", get(monitoring::desk))
        .route("/centre", get(tickets::centre))
        .route("/centre/kpis", get(ticket_kpis::kpis))
        .route(
            "/centre/tickets",
            post(tickets::intake).layer(DefaultBodyLimit::max(tickets::TICKET_FORM_LIMIT)),
        )
        .route("/centre/matrix", post(tickets::save_matrix))
        .route("/centre/categories", post(tickets::save_category))
        .route(
            "/centre/partners",
            get(partners::partners).post(partners::issue),
        )
        .route("/centre/partners/{id}/revoke", post(partners::revoke))
        .route("/centre/tickets/{id}", get(tickets::ticket))
        .route(
            "/centre/tickets/{id}/act",
            post(tickets::act).layer(DefaultBodyLimit::max(tickets::TICKET_FORM_LIMIT)),
        )
        .route("/centre/tickets/{id}/attachments/{aid}", get(tickets::file))
        .route("/tickets", get(tickets::desk))
        .route(
            "/my/tickets",
            get(tickets::my_tickets)
                .post(tickets::file_mine)
                .layer(DefaultBodyLimit::max(tickets::TICKET_FORM_LIMIT)),
        )
        .route("/my/tickets/{id}", get(tickets::my_ticket))
        .route("/my/tickets/{id}/attachments/{aid}", get(tickets::my_file))
        .route(
            "/my/tickets/{id}/rate",
            get(ratings::my_ticket).post(ratings::rate_my_ticket),
        )
        .route(
            "/suqiu/rate",
            get(ratings::tracked).post(ratings::rate_tracked),
        )
        .route(
            "/suqiu",
            get(tickets::public)
                .post(tickets::file_public)
                .layer(DefaultBodyLimit::max(tickets::TICKET_FORM_LIMIT)),
        )
        .route("/suqiu/track", get(tickets::track))
        .route("/statistics", get(statistics::desk))
        .route("/j/{code}/statistics", get(statistics::public))
        .route("/audit", get(audit::log))
        .route("/monitoring/cards/{id}/appeal", post(monitoring::appeal))
        .route("/monitoring/cards/{id}/decision", post(monitoring::decide))
        .route("/admin", get(admin::index))
        .route("/admin/catalog/{code}", get(admin::catalog))
        .route(
            "/admin/catalog/{code}/edit/{item}",
            get(admin::edit_form).post(admin::save),
        )
        .route("/admin/catalog/{code}/new", get(admin::new_form))
        .route("/admin/catalog/{code}/national", get(admin::national))
        .route(
            "/admin/catalog/{code}/bundles",
            get(admin::bundles::bundles).post(admin::bundles::publish),
        )
        .route(
            "/admin/catalog/{code}/project-scheme",
            get(admin::project_scheme::scheme).post(admin::project_scheme::save),
        )
        .route("/admin/catalog/{code}/publish/{item}", post(admin::publish))
        .route("/admin/catalog/{code}/retire/{item}", post(admin::retire))
        .route(
            "/admin/users/{code}",
            get(admin::users).post(admin::create_user),
        )
        .route("/admin/users/{code}/{id}", post(admin::user_action))
        .route("/admin/org/{code}", get(admin::org).post(admin::save_org))
        .route(
            "/admin/org/{code}/seals/{id}/external-signer",
            post(admin::register_external_signer),
        )
        .route(
            "/admin/org/{code}/seals/{id}/crl",
            post(admin::set_seal_crl),
        )
        .route("/admin/notices/{code}", get(admin::notices))
        .route(
            "/admin/simulation/{code}",
            get(simulation::show).post(simulation::set),
        )
        .route("/admin/notices/{code}/{id}/resend", post(admin::resend))
        .route(
            "/admin/calendar",
            get(admin::calendar).post(admin::upload_calendar),
        )
        .route("/cases/{id}/documents/{doc}", get(docs::document))
        .route("/cases/{id}/documents/{doc}/pdf", get(docs::pdf))
        .route("/cases/{id}/documents/{doc}/ofd", get(docs::ofd))
        .route("/cases/{id}/documents/{doc}/json", get(docs::json))
        .route("/seals", get(portal::seals))
        .route("/inspections", get(supervision::public_inspections))
        .route("/supervision", get(supervision::desk))
        .route(
            "/supervision/pushes/{id}/acknowledge",
            post(supervision::acknowledge),
        )
        .route(
            "/supervision/pushes/acknowledge",
            post(supervision::acknowledge_many),
        )
        .route("/supervision/findings", post(supervision::finding))
        .route(
            "/supervision/verifications/{id}",
            post(supervision::verification),
        )
        .route(
            "/supervision/inspections",
            get(supervision::inspections).post(supervision::publish_plan),
        )
        .route(
            "/supervision/inspections/{id}/draw",
            post(supervision::draw),
        )
        .route(
            "/supervision/inspections/{id}/cancel",
            post(supervision::cancel_plan),
        )
        .route(
            "/supervision/inspections/{id}/results",
            post(supervision::result),
        )
        .route("/supervision/ties", post(supervision::tie))
        .route("/work/supervision", get(supervision::bureau))
        .route(
            "/work/supervision/pushes/{id}/replay",
            post(supervision::replay),
        )
        .route("/work/supervision/webhooks", post(supervision::webhook))
        .route("/work/find", get(supervision::find))
        .route("/work/licences/{identifier}", get(supervision::licence))
        .route(
            "/work/licences/{identifier}/act",
            post(supervision::licence_act),
        )
        .route("/work/licences/{identifier}/risk", post(supervision::risk))
        .route("/work/licence-acts/{id}/decide", post(supervision::decide))
        .route("/work/subjects/{holder_id}", get(supervision::subject))
        .route("/work/credit/{id}/repair", post(supervision::repair))
        .route("/my/licences", get(supervision::my_licences))
        .route("/my/licences/{identifier}", get(supervision::licence))
        .route(
            "/my/licences/{identifier}/act",
            post(supervision::licence_act),
        )
}

/// A page's result: the rendered page, or the error rendered as a page.
pub type PageResult = Result<Response, PageError>;

/// An [`AppError`] shown as a page instead of JSON.
#[derive(Debug)]
pub struct PageError(pub AppError);

impl<E: Into<AppError>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        PageError(e.app())
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    title: String,
    message: String,
    /// Where the reader can put it right (the case page with its 查看完整信息 button), if anywhere.
    way: Option<(String, String)>,
}

/// The way out of a refusal that names it: a file refused until its case is opened on purpose
/// names the case page, where the reader opens it.
fn way_out(message: &str) -> Option<(String, String)> {
    if !message.starts_with(yiyin_app::cases::views::REVEAL_FIRST) {
        return None;
    }
    let at = message.find("/work/cases/")?;
    let path: String = message[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '/')
        .collect();
    Some((path, "前往办件页查看完整信息".to_string()))
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if matches!(self.0, AppError::Unauthorized) {
            return Redirect::to("/login").into_response();
        }
        // Rendered here without a frame; `flash::dress_errors` renders it again in the frame of
        // whoever is logged in.
        let mut resp = error_page(Chrome::default(), &self.0);
        resp.extensions_mut().insert(flash::Undressed(self.0));
        resp
    }
}

/// An error shown as a page in `chrome`, with its status.
pub fn error_page(chrome: Chrome, error: &AppError) -> Response {
    let status = status_of(error);
    let body = ApiError::App(error.clone()).body();
    let title = match status {
        StatusCode::NOT_FOUND => "页面不存在",
        StatusCode::FORBIDDEN => "无权访问",
        StatusCode::TOO_MANY_REQUESTS => "操作过于频繁",
        s if s.is_server_error() => "系统暂时不可用",
        _ => "请求有误",
    };
    let page = ErrorPage {
        chrome,
        title: title.to_string(),
        way: way_out(&body.error.message),
        message: body.error.message,
    };
    let mut resp = match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, body.error.code).into_response(),
    };
    crate::error::set_retry_after(&mut resp, error);
    resp
}

/// Renders a template into a 200 page.
pub fn render<T: Template>(t: &T) -> PageResult {
    t.render()
        .map(|html| Html(html).into_response())
        .map_err(|e| PageError(AppError::Internal(format!("模板渲染失败：{e}"))))
}

/// Whether a select's option is the current value: for the templates, which hold both as `&str` or
/// `String` alike.
pub fn chosen(code: &str, current: &str) -> bool {
    code == current
}

/// A list for a desk whose filters the user typed: a refusal of them (bad input) shows the empty
/// list with the refusal in Chinese; any other error answers the page.
pub fn refusal_shown<T: Default>(listed: Result<T, AppError>) -> Result<(T, String), PageError> {
    match listed {
        Ok(listed) => Ok((listed, String::new())),
        Err(e @ AppError::Invalid { .. }) => Ok((T::default(), e.to_string())),
        Err(e) => Err(e.into()),
    }
}

/// A page shown again because what was sent was refused: the same page, answered with 422.
pub fn unprocessable(page: PageResult) -> PageResult {
    let mut resp = page?;
    *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(resp)
}

/// What every page's frame shows: who is logged in, the navigation for their roles, the CSRF token
/// for forms and a one-line message after a redirect.
#[derive(Debug, Clone, Default)]
pub struct Chrome {
    pub user: Option<String>,
    pub staff: bool,
    pub admin: bool,
    /// Holds a window role (intake pages).
    pub clerk: bool,
    /// Holds the bureau head's role.
    pub head: bool,
    /// Supervises for a department (the supervision desk).
    pub supervisor: bool,
    /// Oversees supervision for the bureau (licence acts, the push queue).
    pub oversees: bool,
    /// Reads the e-monitoring desk (电子监察).
    pub monitor: bool,
    /// Reads the satisfaction ratings desk (好差评).
    pub ratings: bool,
    /// Reads the bureau's statistics (政务服务统计).
    pub statistics: bool,
    /// The requests centre's desk (诉求中心: agents and manager).
    pub centre: bool,
    /// A department's ticket desk (诉求承办).
    pub tickets: bool,
    /// Reads the requests centre's KPIs (诉求办理考核指标).
    pub ticket_kpis: bool,
    /// Reads the event log and checks its chain (审计).
    pub audit: bool,
    /// Carries applicants' matters under their mandates (代办员, 全程代办).
    pub agency: bool,
    /// Unread in-site messages (消息中心), shown beside the link in the header.
    pub unread: i64,
    /// The 模拟运行中 banner of a staff page: one line per jurisdiction of the user's running in
    /// simulation (`App::simulation_banner`), shown by the shared layout on every staff page.
    pub simulation: Vec<String>,
    pub csrf: String,
    pub notice: String,
}

impl Chrome {
    pub fn for_account(account: Option<&Account>, csrf: &str, notice: &str) -> Chrome {
        let holds = |role: Role| account.is_some_and(|a| a.has_role(role));
        let may = |op: Operation| {
            account.is_some_and(|a| a.grants.iter().any(|g| authz::role_may(g.role, op)))
        };
        Chrome {
            user: account.map(|a| a.name.clone()),
            staff: account.is_some_and(|a| a.is_staff()),
            // The head confirms grants of deciding roles from the administration page.
            admin: holds(Role::CatalogAdmin) || holds(Role::SystemAdmin) || holds(Role::BureauHead),
            clerk: holds(Role::WindowClerk),
            head: holds(Role::BureauHead),
            supervisor: holds(Role::DepartmentSupervisor),
            oversees: may(Operation::ActOnLicence) || may(Operation::ManagePushes),
            monitor: may(Operation::Monitor),
            ratings: may(Operation::ManageRatings)
                || may(Operation::Rectify)
                || may(Operation::Monitor)
                // Tickets' ratings: the handling departments and the centre's manager.
                || may(Operation::HandleTickets)
                || may(Operation::ManageTickets),
            statistics: may(Operation::ViewStatistics),
            centre: may(Operation::TakeTickets),
            tickets: may(Operation::HandleTickets),
            ticket_kpis: may(Operation::ManageTickets)
                || may(Operation::HandleTickets)
                || holds(Role::BureauHead)
                || holds(Role::DisciplineSupervisor),
            audit: may(Operation::Audit),
            agency: holds(Role::AgencyAgent),
            unread: 0,
            simulation: vec![],
            csrf: csrf.to_string(),
            notice: notice.to_string(),
        }
    }

    /// The frame of a visitor without a session: only its form token and the notice.
    pub fn anonymous(csrf: &str, notice: &str) -> Chrome {
        Chrome {
            csrf: csrf.to_string(),
            notice: notice.to_string(),
            ..Chrome::default()
        }
    }
}

/// The refusal of a form whose CSRF token is not the session's.
pub const STALE_FORM: &str = "表单已过期或来源不明（防伪令牌不符），请返回刷新页面后重新提交";

/// A public page: the application and whoever is asking (anyone, maybe not logged in).
pub type Visitor = With<Viewer>;

impl Visitor {
    /// The page frame for whoever is asking.
    pub fn chrome(&self, notice: &str) -> Chrome {
        match &self.who.0 {
            Some((s, _)) => Chrome::for_account(Some(&s.account), &s.csrf, notice),
            None => Chrome::anonymous("", notice),
        }
    }
}

/// A page for a logged-in user: the application and who is asking. Anonymous visitors are sent to
/// the login page, which brings them back.
pub struct Page {
    pub app: App,
    pub user: Signed,
    /// The account's unread messages when the page was asked for.
    pub unread: i64,
    /// The 模拟运行中 banner lines (staff only; see [`Chrome::simulation`]).
    pub simulation: Vec<String>,
}

impl FromRequestParts<App> for Page {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let viewer = Viewer::from_request_parts(parts, app)
            .await
            .map_err(|e| PageError::from(e).into_response())?;
        match viewer.0 {
            Some((session, via)) => {
                // A form read after this checks its token against the session's before its
                // fields: a forged or stale form is refused before it is validated.
                parts
                    .extensions
                    .insert(forms::SessionToken(session.csrf.clone()));
                // The header's count of unread messages; a failed read only hides the count.
                let unread = app
                    .store
                    .unread_messages(session.account.id)
                    .await
                    .unwrap_or(0);
                let user = Signed::new(session, via);
                // Every staff page of a jurisdiction in simulation says so; a failed read only
                // hides the banner.
                let simulation = if user.is_staff() {
                    app.simulation_banner(&user).await.unwrap_or_default()
                } else {
                    vec![]
                };
                Ok(Page {
                    app: app.clone(),
                    user,
                    unread,
                    simulation,
                })
            }
            None => {
                let next = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                Err(Redirect::to(&format!("/login?next={}", encode(next))).into_response())
            }
        }
    }
}

/// A page only some roles may use (see [`Gate`]): a user none of whose roles may do one of the
/// gate's operations anywhere is refused (403) before the form, path or query is read.
pub struct PageFor<G> {
    pub page: Page,
    gate: std::marker::PhantomData<G>,
}

impl<G: Gate> FromRequestParts<App> for PageFor<G> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let page = Page::from_request_parts(parts, app).await?;
        Gated::<G>::check(page.user.clone()).map_err(|e| PageError::from(e).into_response())?;
        Ok(PageFor {
            page,
            gate: std::marker::PhantomData,
        })
    }
}

impl<G> std::ops::Deref for PageFor<G> {
    type Target = Page;

    fn deref(&self) -> &Page {
        &self.page
    }
}

impl Page {
    pub fn chrome(&self, notice: &str) -> Chrome {
        Chrome {
            unread: self.unread,
            simulation: self.simulation.clone(),
            ..Chrome::for_account(Some(self.account()), &self.user.session.csrf, notice)
        }
    }

    pub fn account(&self) -> &Account {
        &self.user.session.account
    }

    /// The principal the use cases take.
    pub fn who(&self) -> &Principal {
        &self.user.principal
    }

    pub fn require_staff(&self) -> Result<(), PageError> {
        Ok(self.who().require_staff()?)
    }

    pub fn require_applicant(&self) -> Result<(), PageError> {
        Ok(self.who().require_applicant()?)
    }

    /// Staff who may do `op` in the jurisdiction.
    pub fn require_in(&self, op: Operation, jurisdiction: &str) -> Result<(), PageError> {
        self.require_staff()?;
        Ok(self.who().require_in(op, jurisdiction)?)
    }

    /// The jurisdictions (code, name) where the user may do any of `ops`: those of the first
    /// operation, then those only a later one adds, each group in code order.
    pub fn jurisdictions_for_any(&self, ops: &[Operation]) -> Vec<(String, String)> {
        let mut all: Vec<(String, String)> = vec![];
        for op in ops {
            for j in self.jurisdictions_for(*op) {
                if !all.contains(&j) {
                    all.push(j);
                }
            }
        }
        all
    }

    /// The jurisdictions (code, name) where the user holds a role that may do `op`.
    pub fn jurisdictions_for(&self, op: Operation) -> Vec<(String, String)> {
        let org = self.app.org();
        let mut v: Vec<(String, String)> = self
            .account()
            .grants
            .iter()
            .filter(|g| authz::role_may(g.role, op))
            .filter_map(|g| {
                org.jurisdiction(&g.jurisdiction)
                    .map(|j| (j.code.clone(), j.name.clone()))
            })
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// The jurisdiction a desk shows, of `mine` (code, name) where the user may act: `asked`
    /// when it is one of them, else the first; none is refused with `refusal`.
    pub fn pick_jurisdiction(
        mine: &[(String, String)],
        asked: &str,
        refusal: &str,
    ) -> Result<String, PageError> {
        if mine.iter().any(|j| j.0 == asked) {
            return Ok(asked.to_string());
        }
        mine.first()
            .map(|j| j.0.clone())
            .ok_or_else(|| AppError::Forbidden(refusal.into()).into())
    }

    /// Checks a form's CSRF token against the session.
    pub fn check_csrf<T>(&self, form: &Form<T>) -> Result<(), PageError> {
        self.check_token(&form.csrf)
    }

    /// Checks a CSRF token against the session.
    pub fn check_token(&self, csrf: &str) -> Result<(), PageError> {
        if csrf == self.user.session.csrf {
            Ok(())
        } else {
            Err(AppError::Forbidden(STALE_FORM.into()).into())
        }
    }
}

/// A file for the browser: shown (`inline`) or saved under its Chinese name; kept by no shared cache.
pub fn file_response(content_type: &str, name: &str, inline: bool, bytes: Vec<u8>) -> Response {
    let disposition = format!(
        "{}; filename*=UTF-8''{}",
        if inline { "inline" } else { "attachment" },
        encode(name)
    );
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response()
}

pub use yiyin_app::encode_query as encode;

/// The label of `code` among a page's (code, label) options (its departments, its jurisdictions),
/// or the code itself when it is not among them.
pub fn label_of(options: &[(String, String)], code: &str) -> String {
    let named = options.iter().find(|(c, _)| c == code);
    named.map_or_else(|| code.to_string(), |(_, label)| label.clone())
}

/// A redirect carrying a one-line notice shown on the next page.
///
/// The notice travels in a short-lived cookie, never in the address (see [`flash`]).
pub fn redirect_with(path: &str, notice: &str) -> Response {
    redirect_setting_cookie(path, flash::notice_cookie(notice))
}

/// A response that sets a cookie and redirects.
pub fn redirect_setting_cookie(path: &str, cookie: HeaderValue) -> Response {
    let mut resp = Redirect::to(path).into_response();
    resp.headers_mut().append(header::SET_COOKIE, cookie);
    resp
}

/// The `notice` query parameter of a page: only ever the notice the server set (see [`flash`]).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct Notice {
    pub notice: String,
}
