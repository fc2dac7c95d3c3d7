//! The requests centre API (诉求中心, 12345 工单): registering tickets (hotline agents and logged-in
//! applicants; anonymously on the public intake, which is rate-limited), following one with its
//! number and query code, the desks' lists, the acts of the closed loop, the categories and the
//! deadline matrix. Rules and permissions live in `yiyin_app::tickets`; these handlers only
//! translate, each gated by role before its path, query or body is read (the public intake and
//! look-up excepted). The caller's name and phone are in a ticket's answer only for the centre and
//! the department holding it.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use yiyin_app::App;
use yiyin_app::tickets::{
    CategoryInput, CentreQueue, PublicTicket, Registered, TicketBrief, TicketFile, TicketInput,
    TicketQuery, TicketView,
};
use yiyin_domain::tickets::DeadlineMatrix;
use yiyin_store::tickets::TicketCategory;

use super::paging::{PageQuery, page_headers};
use crate::auth::{Caller, CallerFor, gate};
use crate::error::{ApiResult, Body, ErrorBody, Path, Query};

/// Register a ticket: a hotline call by a centre agent (callback phone required; `direct_reply`
/// answers at intake), or a request by a logged-in applicant on the portal.
#[utoipa::path(post, path = "/api/v1/tickets", tag = "诉求中心", request_body = TicketInput,
    responses((status = 201, body = Registered), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    call: CallerFor<gate::FileTicket>,
    Body(input): Body<TicketInput>,
) -> ApiResult<(StatusCode, Json<Registered>)> {
    let r = call.app.register_ticket(&call.who, &input).await?;
    Ok((StatusCode::CREATED, Json(r)))
}

/// Register a ticket without an account (the public form; name and phone optional). Limited per
/// client address. Keep the query code: with the number it follows the ticket.
#[utoipa::path(post, path = "/api/v1/public/tickets", tag = "诉求中心", request_body = TicketInput,
    responses((status = 201, body = Registered), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn create_public(
    State(app): State<App>,
    Body(input): Body<TicketInput>,
) -> ApiResult<(StatusCode, Json<Registered>)> {
    let mut r = app.register_public_ticket(&input).await?;
    // Whoever filed anonymously reads the ticket as the public does.
    r.ticket.caller = None;
    r.ticket.steps.iter_mut().for_each(|s| s.actor = None);
    Ok((StatusCode::CREATED, Json(r)))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct TrackTicket {
    /// 工单编号, e.g. HY-12345-2026-000001.
    pub number: String,
    /// 查询码 given at registration.
    pub code: String,
}

/// Follow a ticket with its number and query code (no caller data). Limited per client address.
#[utoipa::path(get, path = "/api/v1/public/tickets/track", tag = "诉求中心", params(TrackTicket),
    responses((status = 200, body = PublicTicket), (status = 404, body = ErrorBody)))]
pub async fn track(
    State(app): State<App>,
    Query(q): Query<TrackTicket>,
) -> ApiResult<Json<PublicTicket>> {
    Ok(Json(app.track_ticket(&q.number, &q.code).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct JurisdictionParam {
    /// The jurisdiction (county) code.
    pub jurisdiction: String,
}

/// The current categories (诉求分类) of a jurisdiction, with their departments (public).
#[utoipa::path(get, path = "/api/v1/tickets/categories", tag = "诉求中心", params(JurisdictionParam),
    responses((status = 200, body = Vec<TicketCategory>), (status = 404, body = ErrorBody)))]
pub async fn categories(
    State(app): State<App>,
    Query(q): Query<JurisdictionParam>,
) -> ApiResult<Json<Vec<TicketCategory>>> {
    Ok(Json(app.ticket_categories(&q.jurisdiction).await?))
}

/// Add a category or a new version of one (the centre's manager); old versions stay.
#[utoipa::path(post, path = "/api/v1/tickets/categories", tag = "诉求中心", request_body = CategoryInput,
    responses((status = 201, body = TicketCategory), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn save_category(
    call: CallerFor<gate::ManageTickets>,
    Body(input): Body<CategoryInput>,
) -> ApiResult<(StatusCode, Json<TicketCategory>)> {
    let c = call.app.save_ticket_category(&call.who, &input).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

/// The deadline matrix (type × urgency → limits in working days) and merge window of a
/// jurisdiction, for the centre.
#[utoipa::path(get, path = "/api/v1/tickets/matrix", tag = "诉求中心", params(JurisdictionParam),
    responses((status = 200, body = DeadlineMatrix), (status = 403, body = ErrorBody)))]
pub async fn matrix(
    call: CallerFor<gate::TakeTickets>,
    Query(q): Query<JurisdictionParam>,
) -> ApiResult<Json<DeadlineMatrix>> {
    call.who
        .require_in(yiyin_domain::authz::Operation::TakeTickets, &q.jurisdiction)?;
    Ok(Json(call.app.ticket_matrix(&q.jurisdiction).await?))
}

/// Replace a jurisdiction's deadline matrix (the centre's manager); later tickets run on it.
#[utoipa::path(put, path = "/api/v1/tickets/matrix", tag = "诉求中心", params(JurisdictionParam),
    request_body = DeadlineMatrix,
    responses((status = 200, body = DeadlineMatrix), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn save_matrix(
    call: CallerFor<gate::ManageTickets>,
    Query(q): Query<JurisdictionParam>,
    Body(m): Body<DeadlineMatrix>,
) -> ApiResult<Json<DeadlineMatrix>> {
    Ok(Json(
        call.app
            .save_ticket_matrix(&call.who, &q.jurisdiction, &m)
            .await?,
    ))
}

/// Search a jurisdiction's tickets, oldest first, a page at a time: the centre sees all, a
/// handler their department's. `X-Total-Count` says how many match (the overdue ones exactly,
/// an urgent ticket's hour due to the minute), and the `Link` header (`rel="next"`) gives the
/// next page's address, with the filter kept, until the last page.
#[utoipa::path(get, path = "/api/v1/tickets", tag = "诉求中心", params(TicketQuery),
    responses((status = 200, body = Vec<TicketBrief>, headers(
        ("X-Total-Count" = i64, description = "符合条件的工单总数"),
        ("Link" = String, description = "下一页地址（rel=\"next\"），末页没有"),
    )), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    call: CallerFor<gate::Tickets>,
    Query(q): Query<TicketQuery>,
) -> ApiResult<(HeaderMap, Json<Vec<TicketBrief>>)> {
    let page = call.app.search_tickets(&call.who, &q).await?;
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let headers = page_headers(
        page.count,
        page.next.as_deref(),
        "/api/v1/tickets",
        &[
            ("jurisdiction", q.jurisdiction.clone()),
            ("state", text(&q.state)),
            ("department", text(&q.department)),
            ("category", text(&q.category)),
            (
                "overdue",
                q.overdue.map(|o| o.to_string()).unwrap_or_default(),
            ),
            ("limit", q.limit.map(|l| l.to_string()).unwrap_or_default()),
        ],
    );
    Ok((headers, Json(page.items)))
}

/// The centre's desk: waiting for dispatch, overdue, waiting for the callback; for the manager
/// also returns to arbitrate and extensions to decide.
#[utoipa::path(get, path = "/api/v1/tickets/queue", tag = "诉求中心", params(JurisdictionParam),
    responses((status = 200, body = CentreQueue), (status = 403, body = ErrorBody)))]
pub async fn queue(
    call: CallerFor<gate::TakeTickets>,
    Query(q): Query<JurisdictionParam>,
) -> ApiResult<Json<CentreQueue>> {
    Ok(Json(
        call.app.centre_queue(&call.who, &q.jurisdiction).await?,
    ))
}

/// The department desk: tickets dispatched to the handler's departments, to sign, handle, reply —
/// urgent ones first, then oldest first; each department's first 500. `X-Total-Count` says how
/// many there are in all (the rest through the search, a page at a time).
#[utoipa::path(get, path = "/api/v1/tickets/desk", tag = "诉求中心",
    responses((status = 200, body = Vec<TicketBrief>, headers(
        ("X-Total-Count" = i64, description = "待签收、办理或答复的工单总数"),
    )), (status = 403, body = ErrorBody)))]
pub async fn desk(
    call: CallerFor<gate::HandleTickets>,
) -> ApiResult<(HeaderMap, Json<Vec<TicketBrief>>)> {
    let desk = call.app.department_desk(&call.who).await?;
    let headers = page_headers(desk.count, None, "/api/v1/tickets/desk", &[]);
    Ok((headers, Json(desk.tickets)))
}

/// The tickets the logged-in applicant filed, newest first, a page at a time. `X-Total-Count`
/// says how many, and the `Link` header (`rel="next"`) gives the next page's address until the
/// last page.
#[utoipa::path(get, path = "/api/v1/tickets/mine", tag = "诉求中心", params(PageQuery),
    responses((status = 200, body = Vec<TicketBrief>, headers(
        ("X-Total-Count" = i64, description = "工单总数"),
        ("Link" = String, description = "下一页地址（rel=\"next\"），末页没有"),
    )), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn mine(
    call: CallerFor<gate::Applicant>,
    Query(q): Query<PageQuery>,
) -> ApiResult<(HeaderMap, Json<Vec<TicketBrief>>)> {
    let page = call.app.my_tickets(&call.who, &q.after, q.limit).await?;
    let limit = q.limit.map(|l| l.to_string()).unwrap_or_default();
    let headers = page_headers(
        page.count,
        page.next.as_deref(),
        "/api/v1/tickets/mine",
        &[("limit", limit)],
    );
    Ok((headers, Json(page.items)))
}

/// A ticket with its clock and history: for the centre and the department holding it (with the
/// caller's data), or the applicant who filed it.
#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "诉求中心",
    params(("id" = i64, Path, description = "工单编号（内部）")),
    responses((status = 200, body = TicketView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(call: Caller, Path(id): Path<i64>) -> ApiResult<Json<TicketView>> {
    Ok(Json(call.app.ticket_view(&call.who, id).await?))
}

/// An act on a ticket.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum TicketAct {
    /// 派单 (centre); `department` defaults to the category's.
    Dispatch {
        #[serde(default)]
        department: Option<String>,
    },
    /// 退单仲裁 (manager): back to the same department or to another.
    Arbitrate {
        department: String,
        #[serde(default)]
        note: String,
    },
    /// 改派 (centre).
    Reassign { department: String, reason: String },
    /// 签收 (the department).
    Sign,
    /// 退单 (the department), with a reason.
    Return { reason: String },
    /// 申请延期 (the department).
    AskExtension { days: u32, reason: String },
    /// 延期审批 (manager).
    DecideExtension {
        approve: bool,
        #[serde(default)]
        reason: String,
    },
    /// 答复 (the department).
    Reply { reply: String },
    /// 回访 (centre): 满意, 基本满意 or 不满意 (with the reason).
    Callback {
        satisfaction: String,
        #[serde(default)]
        reason: String,
    },
    /// 告知延期 (centre): how the caller was told of the extension granted.
    Inform { note: String },
    /// 督办 (manager).
    Remind { note: String },
    /// 并单 (centre): the master's number.
    Merge { master: String },
}

/// Act on a ticket (the closed loop); each act is allowed to its role, in its state, and recorded.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/act", tag = "诉求中心",
    params(("id" = i64, Path, description = "工单编号（内部）")), request_body = TicketAct,
    responses((status = 200, body = TicketView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn act(
    call: CallerFor<gate::Tickets>,
    Path(id): Path<i64>,
    Body(act): Body<TicketAct>,
) -> ApiResult<Json<TicketView>> {
    let (app, who) = (&call.app, &call.who);
    let view = match act {
        TicketAct::Dispatch { department } => {
            app.dispatch_ticket(who, id, department.as_deref()).await
        }
        TicketAct::Arbitrate { department, note } => {
            app.arbitrate_return(who, id, &department, &note).await
        }
        TicketAct::Reassign { department, reason } => {
            app.reassign_ticket(who, id, &department, &reason).await
        }
        TicketAct::Sign => app.sign_ticket(who, id).await,
        TicketAct::Return { reason } => app.return_ticket(who, id, &reason).await,
        TicketAct::AskExtension { days, reason } => {
            app.ask_ticket_extension(who, id, days, &reason).await
        }
        TicketAct::DecideExtension { approve, reason } => {
            app.decide_ticket_extension(who, id, approve, &reason).await
        }
        TicketAct::Reply { reply } => app.reply_ticket(who, id, &reply).await,
        TicketAct::Callback {
            satisfaction,
            reason,
        } => app.callback_ticket(who, id, &satisfaction, &reason).await,
        TicketAct::Inform { note } => app.inform_ticket_caller(who, id, &note).await,
        TicketAct::Remind { note } => app.remind_ticket(who, id, &note).await,
        TicketAct::Merge { master } => app.merge_ticket(who, id, &master).await,
    }?;
    Ok(Json(view))
}

/// The file sent to a ticket.
#[derive(Debug, Deserialize, IntoParams)]
pub struct FileName {
    /// The file's name, e.g. 现场照片.jpg.
    pub name: String,
}

/// The files of a ticket (given at intake and the department's evidence), for those who may read
/// the ticket: the centre, the department holding it, the applicant who filed it.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/attachments", tag = "诉求中心",
    params(("id" = i64, Path, description = "工单编号（内部）")),
    responses((status = 200, body = Vec<TicketFile>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn attachments(call: Caller, Path(id): Path<i64>) -> ApiResult<Json<Vec<TicketFile>>> {
    Ok(Json(call.app.ticket_files(&call.who, id).await?))
}

/// Add a file (PDF, JPG, PNG or OFD, at most 10 MB; at most 5 per ticket and stage) sent as the
/// request body: the centre or the applicant who filed the ticket add to its own files, the
/// department holding it adds evidence of its handling. Answers all the ticket's files.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/attachments", tag = "诉求中心",
    params(("id" = i64, Path, description = "工单编号（内部）"), FileName),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "文件内容"),
    responses((status = 201, body = Vec<TicketFile>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn attach(
    call: Caller,
    Path(id): Path<i64>,
    Query(q): Query<FileName>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Vec<TicketFile>>)> {
    let upload = yiyin_app::cases::Upload {
        material: "attachments".into(),
        name: q.name,
        bytes: body.to_vec(),
    };
    let files = call.app.add_ticket_files(&call.who, id, &[upload]).await?;
    Ok((StatusCode::CREATED, Json(files)))
}

/// Download a file of a ticket, for those who may read the ticket.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/attachments/{aid}", tag = "诉求中心",
    params(("id" = i64, Path, description = "工单编号（内部）"), ("aid" = i64, Path, description = "附件编号")),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn attachment(call: Caller, Path((id, aid)): Path<(i64, i64)>) -> ApiResult<Response> {
    let (f, bytes) = call.app.ticket_attachment(&call.who, id, aid).await?;
    Ok(crate::pages::file_response(
        &f.content_type,
        &f.file_name,
        false,
        bytes,
    ))
}
