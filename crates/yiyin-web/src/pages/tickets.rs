//! The requests centre's pages (诉求中心, 12345 工单): the centre's desk `/centre` (intake form,
//! dispatch queue, overdue tickets, callback desk; for the manager the returns to arbitrate, the
//! extensions to decide, the deadline matrix and the categories), a ticket's page with its clock
//! explained and the acts its reader may do in its state (`/centre/tickets/{id}` for the centre and
//! the departments, `/my/tickets/{id}` for the applicant who filed it), the department desk
//! `/tickets`, the applicant's tickets and form `/my/tickets`, and the public form `/suqiu` with
//! the look-up by number and query code. Who may do what is the application layer's
//! (`yiyin_app::tickets`); these handlers gather, render and pass forms on.

use askama::Template;
use serde::Deserialize;
use yiyin_app::cases::Upload;
use yiyin_app::tickets::{
    CategoryInput, CentreQueue, FILES_PER_STAGE, PublicTicket, Registered, TicketBrief,
    TicketInput, TicketView,
};
use yiyin_domain::authz::Operation;
use yiyin_domain::tickets::{
    DeadlineMatrix, Deadlines, Duty, Satisfaction, TicketState, TicketType, Urgency,
};
use yiyin_store::tickets::TicketCategory;

use crate::auth::gate;
use crate::error::AppError;
use crate::pages::{
    Chrome, FieldErrors, FormData, Page, PageError, PageFor, PageResult, Path, Query, RawForm,
    Visitor, file_response, render, settle,
};

/// The largest ticket form: its text and up to [`FILES_PER_STAGE`] files within the upload limit.
pub const TICKET_FORM_LIMIT: usize = FILES_PER_STAGE * yiyin_blobs::MAX_FILE_BYTES + 256 * 1024;

/// A ticket form as sent: urlencoded (no files), or multipart with files (`file_attachments`).
pub use super::forms::FilesForm as TicketForm;

/// The fields and files of a ticket form, and the first refused file (the act is then refused
/// whole, with the typed fields shown again). `page` checks a plain form's token; `None` for the
/// anonymous public form.
async fn read_ticket_form(
    page: Option<&Page>,
    form: TicketForm,
) -> Result<(FormData, Vec<Upload>, Option<AppError>), PageError> {
    let mut errors = FieldErrors::default();
    let (form, files) = form.read(page, &mut errors).await?;
    let refused = errors
        .0
        .first()
        .map(|(field, message)| AppError::field(field, message.clone()));
    Ok((form, files, refused))
}

type Options = Vec<(String, String)>;

fn options_of<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Options {
    all.iter()
        .map(|&v| (code(v).to_string(), label(v).to_string()))
        .collect()
}

fn types() -> Options {
    options_of(TicketType::ALL, TicketType::code, TicketType::label)
}

fn urgencies() -> Options {
    options_of(Urgency::ALL, Urgency::code, Urgency::label)
}

fn categories_of(list: &[TicketCategory]) -> Options {
    list.iter()
        .filter(|c| c.active)
        .map(|c| (c.code.clone(), c.name.clone()))
        .collect()
}

/// The ticket a form describes.
fn input_of(form: &FormData, jurisdiction: &str) -> Result<TicketInput, AppError> {
    let number = |field: &str| -> Result<Option<f64>, AppError> {
        let v = form.get(field);
        if v.is_empty() {
            return Ok(None);
        }
        v.parse::<f64>()
            .map(Some)
            .map_err(|_| AppError::field(field, "坐标应为数字，例如 32.89"))
    };
    let some = |field: &str| Some(form.get(field)).filter(|v| !v.is_empty());
    Ok(TicketInput {
        jurisdiction: jurisdiction.to_string(),
        ticket_type: form.get("type"),
        urgency: some("urgency"),
        category: form.get("category"),
        content: form.get("content"),
        location: form.get("location"),
        latitude: number("latitude")?,
        longitude: number("longitude")?,
        caller_name: some("caller_name"),
        caller_phone: some("caller_phone"),
        direct_reply: some("direct_reply"),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CentreQuery {
    pub jurisdiction: String,
    pub notice: String,
}

#[derive(Template)]
#[template(path = "tickets/centre.html")]
struct CentrePage {
    chrome: Chrome,
    jurisdictions: Options,
    jurisdiction: String,
    queue: CentreQueue,
    manager: bool,
    types: Options,
    urgencies: Options,
    categories: Options,
    all_categories: Vec<TicketCategory>,
    departments: Options,
    duties: Options,
    matrix: DeadlineMatrix,
    error: String,
    form: FormData,
}

impl CentrePage {
    fn reply_days(&self, d: &Deadlines) -> String {
        d.reply.map(|r| r.to_string()).unwrap_or_default()
    }

    /// An hour limit of the matrix form (empty: counted in working days).
    fn hours(&self, h: &Option<u32>) -> String {
        h.map(|h| h.to_string()).unwrap_or_default()
    }

    fn department_name(&self, code: &str) -> String {
        crate::pages::label_of(&self.departments, code)
    }
}

/// The departments of a jurisdiction as options.
fn departments_of(page: &Page, jurisdiction: &str) -> Options {
    page.app
        .org()
        .jurisdiction(jurisdiction)
        .map(|j| {
            j.departments
                .iter()
                .filter(|d| d.ended_on.is_none())
                .map(|d| (d.code.clone(), d.name.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// The departments and townships a ticket may be dispatched to.
fn targets_of(page: &Page, jurisdiction: &str) -> Options {
    let mut v = departments_of(page, jurisdiction);
    if let Some(j) = page.app.org().jurisdiction(jurisdiction) {
        v.extend(j.townships.iter().map(|t| (t.code.clone(), t.government())));
    }
    v
}

async fn centre_page(
    page: &Page,
    jurisdiction: &str,
    notice: &str,
    failed: Option<(String, FormData)>,
) -> PageResult {
    let mine = page.jurisdictions_for(Operation::TakeTickets);
    let jurisdiction = Page::pick_jurisdiction(
        &mine,
        jurisdiction,
        "无权受理和派发诉求工单：您的岗位没有此项职责",
    )?;
    let who = page.who();
    let queue = page.app.centre_queue(who, &jurisdiction).await?;
    let manager = who
        .require_in(Operation::ManageTickets, &jurisdiction)
        .is_ok();
    let all_categories = page.app.ticket_categories(&jurisdiction).await?;
    let (error, form) = failed.unwrap_or_default();
    render(&CentrePage {
        chrome: page.chrome(notice),
        jurisdictions: mine.clone(),
        queue,
        manager,
        types: types(),
        urgencies: urgencies(),
        categories: categories_of(&all_categories),
        all_categories,
        departments: departments_of(page, &jurisdiction),
        duties: options_of(Duty::ALL, Duty::code, Duty::label),
        matrix: page.app.ticket_matrix(&jurisdiction).await?,
        jurisdiction,
        error,
        form,
    })
}

/// The centre's desk.
pub async fn centre(page: PageFor<gate::TakeTickets>, Query(q): Query<CentreQuery>) -> PageResult {
    centre_page(&page, &q.jurisdiction, &q.notice, None).await
}

fn centre_url(jurisdiction: &str) -> String {
    format!(
        "/centre?jurisdiction={}",
        crate::pages::encode(jurisdiction)
    )
}

/// Reads a ticket form sent by a staff member or a logged-in applicant and registers the ticket
/// with its files: the form as sent, the jurisdiction it names, and what came of it.
async fn register_from(
    page: &Page,
    form: TicketForm,
) -> Result<(FormData, String, Result<Registered, AppError>), PageError> {
    let (form, files, refused) = read_ticket_form(Some(page), form).await?;
    let j = form.get("jurisdiction");
    let result = match (refused, input_of(&form, &j)) {
        (Some(e), _) | (None, Err(e)) => Err(e),
        (None, Ok(input)) => {
            page.app
                .register_ticket_with_files(page.who(), &input, &files)
                .await
        }
    };
    Ok((form, j, result))
}

/// Register a hotline call from the centre's desk (with its files, if any).
pub async fn intake(page: PageFor<gate::TakeTickets>, form: TicketForm) -> PageResult {
    let (form, j, result) = register_from(&page, form).await?;
    settle(
        result,
        |r: Registered| {
            (
                format!("/centre/tickets/{}", r.ticket.id),
                format!("已登记工单 {}", r.ticket.number),
            )
        },
        |e| async move { centre_page(&page, &j, "", Some((e, form.clone()))).await },
    )
    .await
}

/// Save the deadline matrix (the manager), from the desk's matrix form.
pub async fn save_matrix(page: PageFor<gate::ManageTickets>, form: RawForm) -> PageResult {
    page.check_csrf(&form)?;
    let form = form.raw;
    let j = form.get("jurisdiction");
    let result = async {
        let mut m = page.app.ticket_matrix(&j).await?;
        let days = |field: String| -> Result<u32, AppError> {
            form.get(&field)
                .parse::<u32>()
                .map_err(|_| AppError::field(&field, "时限应为整数（工作日）"))
        };
        for row in m.rows.iter_mut() {
            let key = format!("{}_{}", row.ticket_type.code(), row.urgency.code());
            let d = &mut row.deadlines;
            d.dispatch = days(format!("{key}_dispatch"))?;
            d.sign = days(format!("{key}_sign"))?;
            d.return_within = days(format!("{key}_return"))?;
            d.callback = days(format!("{key}_callback"))?;
            d.max_extension = days(format!("{key}_extension"))?;
            // Urgent rows: hour limits (empty: counted in working days); bounded by the domain.
            if row.urgency == Urgency::Urgent {
                let hours = |field: String| -> Result<Option<u32>, AppError> {
                    match form.get(&field).trim() {
                        "" => Ok(None),
                        v => v.parse::<u32>().map(Some).map_err(|_| {
                            AppError::field(&field, "小时时限应为整数（小时）；按工作日计则留空")
                        }),
                    }
                };
                d.dispatch_hours = hours(format!("{key}_dispatch_hours"))?;
                d.sign_hours = hours(format!("{key}_sign_hours"))?;
                d.reply_hours = hours(format!("{key}_reply_hours"))?;
            }
            d.reply = if row.ticket_type == TicketType::Praise
                && form.get(&format!("{key}_reply")).is_empty()
            {
                None
            } else {
                Some(days(format!("{key}_reply"))?)
            };
        }
        m.merge_window_days = days("merge_window".into())?;
        page.app.save_ticket_matrix(page.who(), &j, &m).await
    }
    .await;
    let back = centre_url(&j);
    settle(
        result,
        move |_| (back, "已保存办理时限矩阵".into()),
        |e| async move { centre_page(&page, &j, "", Some((e, form.clone()))).await },
    )
    .await
}

/// Add a category or a new version of one (the manager).
pub async fn save_category(page: PageFor<gate::ManageTickets>, form: RawForm) -> PageResult {
    page.check_csrf(&form)?;
    let form = form.raw;
    let j = form.get("jurisdiction");
    let input = CategoryInput {
        jurisdiction: j.clone(),
        code: form.get("code"),
        name: form.get("name"),
        department: form.get("department"),
        duty: form.get("duty"),
        active: form.get("active") != "false",
    };
    let result = page.app.save_ticket_category(page.who(), &input).await;
    let back = centre_url(&j);
    settle(
        result,
        move |c| {
            (
                back,
                format!("已保存诉求分类「{}」第{}版", c.name, c.version),
            )
        },
        |e| async move { centre_page(&page, &j, "", Some((e, form.clone()))).await },
    )
    .await
}

#[derive(Template)]
#[template(path = "tickets/ticket.html")]
struct TicketPage {
    chrome: Chrome,
    t: TicketView,
    /// Where the page's forms post (empty for the applicant: no forms).
    act_url: String,
    /// Where the ticket's files are downloaded from (`…/attachments/{id}` follows).
    files_url: String,
    centre: bool,
    manager: bool,
    handler: bool,
    targets: Options,
    satisfactions: Options,
    candidates: Vec<TicketBrief>,
    /// The department the category names (派单目录), offered first for dispatch.
    suggested: String,
    error: String,
    form: FormData,
}

impl TicketPage {
    fn is(&self, s: &str) -> bool {
        self.t.state.code() == s
    }
}

async fn ticket_page(
    page: &Page,
    id: i64,
    notice: &str,
    failed: Option<(String, FormData)>,
) -> PageResult {
    let who = page.who();
    let t = page.app.ticket_view(who, id).await?;
    let j = t.jurisdiction.clone();
    let centre = who.is_staff() && who.require_in(Operation::TakeTickets, &j).is_ok();
    let manager = who.is_staff() && who.require_in(Operation::ManageTickets, &j).is_ok();
    let handler = who.is_staff() && !centre && t.caller.is_some();
    let candidates = if centre && t.state == TicketState::PendingDispatch {
        page.app.duplicate_candidates(who, id).await?
    } else {
        Vec::new()
    };
    let suggested = page
        .app
        .ticket_categories(&j)
        .await?
        .into_iter()
        .find(|c| c.code == t.category_code)
        .map(|c| c.department)
        .unwrap_or_default();
    let (error, form) = failed.unwrap_or_default();
    render(&TicketPage {
        suggested,
        chrome: page.chrome(notice),
        act_url: if who.is_staff() {
            format!("/centre/tickets/{id}/act")
        } else {
            String::new()
        },
        files_url: if who.is_staff() {
            format!("/centre/tickets/{id}/attachments")
        } else {
            format!("/my/tickets/{id}/attachments")
        },
        targets: targets_of(page, &j),
        satisfactions: options_of(Satisfaction::ALL, Satisfaction::code, Satisfaction::label),
        t,
        centre,
        manager,
        handler,
        candidates,
        error,
        form,
    })
}

/// A ticket, for the centre and the departments.
pub async fn ticket(
    page: PageFor<gate::Tickets>,
    Path(id): Path<i64>,
    Query(n): Query<crate::pages::Notice>,
) -> PageResult {
    ticket_page(&page, id, &n.notice, None).await
}

/// A ticket, for the applicant who filed it.
pub async fn my_ticket(
    page: PageFor<gate::Applicant>,
    Path(id): Path<i64>,
    Query(n): Query<crate::pages::Notice>,
) -> PageResult {
    ticket_page(&page, id, &n.notice, None).await
}

/// An act on a ticket from its page (the application layer decides whether the reader may); the
/// reply may carry the department's evidence (files).
pub async fn act(
    page: PageFor<gate::Tickets>,
    Path(id): Path<i64>,
    form: TicketForm,
) -> PageResult {
    let (form, files, refused) = read_ticket_form(Some(&page), form).await?;
    let (app, who) = (&page.app, page.who());
    let f = |k: &str| form.get(k);
    let result = match f("action").as_str() {
        _ if refused.is_some() => Err(refused.expect("a refused file")),
        "reply" => {
            app.reply_ticket_with_files(who, id, &f("reply"), &files)
                .await
        }
        _ if !files.is_empty() => Err(AppError::field(
            "file_attachments",
            "只有答复时可以上传办理佐证材料",
        )),
        "dispatch" => app.dispatch_ticket(who, id, Some(&f("department"))).await,
        "arbitrate" => {
            app.arbitrate_return(who, id, &f("department"), &f("note"))
                .await
        }
        "reassign" => {
            app.reassign_ticket(who, id, &f("department"), &f("reason"))
                .await
        }
        "sign" => app.sign_ticket(who, id).await,
        "return" => app.return_ticket(who, id, &f("reason")).await,
        "ask_extension" => match f("days").parse::<u32>() {
            Ok(days) => app.ask_ticket_extension(who, id, days, &f("reason")).await,
            Err(_) => Err(AppError::field("days", "延期天数应为整数（工作日）")),
        },
        "decide_extension" => {
            app.decide_ticket_extension(who, id, f("approve") == "true", &f("reason"))
                .await
        }
        "callback" => {
            app.callback_ticket(who, id, &f("satisfaction"), &f("reason"))
                .await
        }
        "remind" => app.remind_ticket(who, id, &f("note")).await,
        "inform" => app.inform_ticket_caller(who, id, &f("note")).await,
        "merge" => app.merge_ticket(who, id, &f("master")).await,
        other => Err(AppError::field("action", format!("未知的操作「{other}」"))),
    };
    let label = yiyin_app::tickets::action_label(&f("action"));
    settle(
        result,
        |v: TicketView| {
            // A department that gave the ticket up (it no longer sees the caller) goes back to
            // its desk; the centre always sees the caller.
            let back = if v.caller.is_some() {
                format!("/centre/tickets/{id}")
            } else {
                "/tickets".to_string()
            };
            (back, format!("已{label}：工单 {}", v.number))
        },
        |e| async move { ticket_page(&page, id, "", Some((e, form.clone()))).await },
    )
    .await
}

#[derive(Template)]
#[template(path = "tickets/list.html")]
struct ListPage {
    chrome: Chrome,
    title: String,
    intro: String,
    tickets: Vec<TicketBrief>,
    /// Where a ticket's page is: `/centre/tickets/` or `/my/tickets/`.
    base: String,
    /// The applicant's form (empty for the desk).
    form: Option<PublicForm>,
    /// How many tickets the list holds in all, and what the page says of the rest.
    count: i64,
    more: String,
    /// The next page's address (None on the last page) and the first page's on a later page.
    next: Option<String>,
    first: Option<String>,
}

/// The department desk.
pub async fn desk(
    page: PageFor<gate::HandleTickets>,
    Query(n): Query<crate::pages::Notice>,
) -> PageResult {
    let desk = page.app.department_desk(page.who()).await?;
    let more = if desk.count > desk.tickets.len() as i64 {
        format!(
            "，此处列出紧急的和最早的 {} 件，答复或退回后依次列出其余工单",
            desk.tickets.len()
        )
    } else {
        String::new()
    };
    render(&ListPage {
        chrome: page.chrome(&n.notice),
        title: "承办部门诉求工单".into(),
        intro: "派给本部门的工单：请在签收期限内签收；不属于本部门职责的，在退单期限内退回诉求服务中心并说明理由；按期答复，需要延期的申请一次。".into(),
        tickets: desk.tickets,
        base: "/centre/tickets/".into(),
        form: None,
        count: desk.count,
        more,
        next: None,
        first: None,
    })
}

/// The form of a new ticket as the public and applicants see it.
pub struct PublicForm {
    pub jurisdictions: Options,
    pub jurisdiction: String,
    pub types: Options,
    pub categories: Options,
    pub action: String,
    pub error: String,
    pub form: FormData,
    pub anonymous: bool,
}

async fn public_form(
    visitor: &yiyin_app::App,
    jurisdiction: &str,
    action: &str,
    anonymous: bool,
    failed: Option<(String, FormData)>,
) -> Result<PublicForm, AppError> {
    let org = visitor.org();
    let jurisdictions: Options = org
        .jurisdictions
        .iter()
        .filter(|j| j.has_catalog())
        .map(|j| (j.code.clone(), j.name.clone()))
        .collect();
    let jurisdiction = if jurisdictions.iter().any(|j| j.0 == jurisdiction) {
        jurisdiction.to_string()
    } else {
        jurisdictions
            .first()
            .map(|j| j.0.clone())
            .unwrap_or_default()
    };
    let categories = categories_of(&visitor.ticket_categories(&jurisdiction).await?);
    let (error, form) = failed.unwrap_or_default();
    Ok(PublicForm {
        jurisdictions,
        jurisdiction,
        types: types(),
        categories,
        action: action.into(),
        error,
        form,
        anonymous,
    })
}

/// Tickets a page of 我的诉求 shows.
const MY_TICKETS_PAGE: i64 = 50;

async fn my_tickets_page(
    page: &Page,
    q: &MyTicketsQuery,
    failed: Option<(String, FormData)>,
) -> PageResult {
    let list = page
        .app
        .my_tickets(page.who(), &q.after, Some(MY_TICKETS_PAGE))
        .await?;
    let jurisdiction = q.jurisdiction.as_str();
    let kept = |after: Option<&str>| {
        let mut fields = vec![("jurisdiction", jurisdiction)];
        fields.extend(after.map(|a| ("after", a)));
        yiyin_app::query_url("/my/tickets", &fields)
    };
    render(&ListPage {
        chrome: page.chrome(&q.notice),
        title: "我的诉求".into(),
        intro: "向民生和企业诉求服务中心（12345）反映咨询、求助、投诉、举报、建议或表扬；中心派单给主管部门办理并回访。".into(),
        tickets: list.items,
        base: "/my/tickets/".into(),
        form: Some(public_form(&page.app, jurisdiction, "/my/tickets", false, failed).await?),
        count: list.count,
        more: String::new(),
        next: list.next.as_deref().map(|a| kept(Some(a))),
        first: (!q.after.trim().is_empty()).then(|| kept(None)),
    })
}

/// The query of 我的诉求: the jurisdiction of the new ticket's form, the page after a ticket.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MyTicketsQuery {
    pub jurisdiction: String,
    pub after: String,
    pub notice: String,
}

/// The applicant's tickets, a page at a time, and the form of a new one.
pub async fn my_tickets(
    page: PageFor<gate::Applicant>,
    Query(q): Query<MyTicketsQuery>,
) -> PageResult {
    my_tickets_page(&page, &q, None).await
}

/// File a ticket as a logged-in applicant (with its files, if any).
pub async fn file_mine(page: PageFor<gate::Applicant>, form: TicketForm) -> PageResult {
    let (form, j, result) = register_from(&page, form).await?;
    settle(
        result,
        |r| {
            (
                format!("/my/tickets/{}", r.ticket.id),
                format!("已提交诉求，工单编号 {}", r.ticket.number),
            )
        },
        |e| async move {
            let q = MyTicketsQuery {
                jurisdiction: j,
                ..MyTicketsQuery::default()
            };
            my_tickets_page(&page, &q, Some((e, form.clone()))).await
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "tickets/public.html")]
struct PublicPage {
    chrome: Chrome,
    form: PublicForm,
    /// The ticket just filed: its number and query code.
    filed: Option<(String, String)>,
    found: Option<PublicTicket>,
    number: String,
    /// The query code a found ticket was looked up with (its rating form carries it on).
    code: String,
    lookup_error: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TrackQuery {
    pub jurisdiction: String,
    pub number: String,
    pub code: String,
    pub notice: String,
}

/// The public form (诉求) and the look-up.
pub async fn public(page: Visitor, Query(q): Query<TrackQuery>) -> PageResult {
    let form = public_form(&page.app, &q.jurisdiction, "/suqiu", true, None).await?;
    render(&PublicPage {
        chrome: page.chrome(&q.notice),
        form,
        filed: None,
        found: None,
        number: String::new(),
        code: String::new(),
        lookup_error: String::new(),
    })
}

/// File a ticket anonymously, with its files if any (rate-limited per address; the form's size
/// bounded by [`TICKET_FORM_LIMIT`]).
pub async fn file_public(page: Visitor, form: TicketForm) -> PageResult {
    let (form, files, refused) = read_ticket_form(None, form).await?;
    let j = form.get("jurisdiction");
    let result = match (refused, input_of(&form, &j)) {
        (Some(e), _) | (None, Err(e)) => Err(e),
        (None, Ok(mut input)) => {
            input.direct_reply = None;
            page.app
                .register_public_ticket_with_files(&input, &files)
                .await
        }
    };
    match result {
        Ok(r) => render(&PublicPage {
            chrome: page.chrome("已提交诉求，请记下工单编号和查询码"),
            form: public_form(&page.app, &j, "/suqiu", true, None).await?,
            filed: Some((r.ticket.number, r.query_code)),
            found: None,
            number: String::new(),
            code: String::new(),
            lookup_error: String::new(),
        }),
        Err(e) if crate::pages::is_refusal(&e) => {
            crate::pages::unprocessable(render(&PublicPage {
                chrome: page.chrome(""),
                form: public_form(&page.app, &j, "/suqiu", true, Some((e.to_string(), form)))
                    .await?,
                filed: None,
                found: None,
                number: String::new(),
                code: String::new(),
                lookup_error: String::new(),
            }))
        }
        Err(e) => Err(e.into()),
    }
}

/// Look a ticket up with its number and query code (rate-limited per address and number).
pub async fn track(page: Visitor, Query(q): Query<TrackQuery>) -> PageResult {
    let (found, lookup_error) = match page.app.track_ticket(&q.number, &q.code).await {
        Ok(t) => (Some(t), String::new()),
        Err(e @ (AppError::NotFound(_) | AppError::Invalid { .. })) => (None, e.to_string()),
        Err(e) => return Err(e.into()),
    };
    render(&PublicPage {
        chrome: page.chrome(""),
        form: public_form(&page.app, &q.jurisdiction, "/suqiu", true, None).await?,
        filed: None,
        code: if found.is_some() {
            q.code
        } else {
            String::new()
        },
        found,
        number: q.number,
        lookup_error,
    })
}

/// Downloads a ticket's file, for the centre and the department holding the ticket.
pub async fn file(page: PageFor<gate::Tickets>, Path((id, aid)): Path<(i64, i64)>) -> PageResult {
    let (f, bytes) = page.app.ticket_attachment(page.who(), id, aid).await?;
    Ok(file_response(&f.content_type, &f.file_name, false, bytes))
}

/// Downloads a file of a ticket the applicant filed.
pub async fn my_file(
    page: PageFor<gate::Applicant>,
    Path((id, aid)): Path<(i64, i64)>,
) -> PageResult {
    let (f, bytes) = page.app.ticket_attachment(page.who(), id, aid).await?;
    Ok(file_response(&f.content_type, &f.file_name, false, bytes))
}
