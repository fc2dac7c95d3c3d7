//! The satisfaction-rating pages (好差评): the applicant's rating of a case (`/my/cases/{id}/rate`),
//! the rating of a closed requests-centre ticket by the applicant who filed it
//! (`/my/tickets/{id}/rate`) or with its number and query code (`/suqiu/rate`, no login, throttled
//! like the track page),
//! the window's rating link with its QR code (`/work/cases/{id}/rating-link`), the public tablet
//! and SMS page (`/rate/{token}`, no login), the ratings desk (`/ratings`, one rating at
//! `/ratings/{id}` with the bad-rating loop's forms and, for the rating administrator, the rater
//! and the deadlines) and the public page of a jurisdiction's rates and published rectifications
//! (`/j/{code}/ratings`). Who sees and does what is the application layer's
//! (`yiyin_app::ratings`).

use askama::Template;
use serde::Deserialize;
use yiyin_app::ratings::{
    Period, PublishedRectification, RateInput, RatingDetail, RatingQuery, RatingRates, RatingView,
    TaskInput, Visit, result_out,
};
use yiyin_domain::authz::Operation;
use yiyin_domain::ratings::{Indicator, Level, Outcome, RaterView, Rates, Settings, TaskState};
use yiyin_store::ratings::RatingRecord;

use crate::auth::gate;
use crate::error::AppError;
use crate::pages::{
    Chrome, FieldErrors, FormData, Notice, Page, PageFor, PageResult, Path, Query, RawForm,
    Visitor, is_refusal, label_of, redirect_with, refusal_shown, render, unprocessable,
};

/// The level and indicator options of a rating form (`templates/ratings/fields.html`).
pub struct RatingOptions {
    /// The five levels (code, label).
    pub levels: Vec<(&'static str, &'static str)>,
    /// The indicators of good ratings.
    pub good: Vec<(&'static str, &'static str)>,
    /// The indicators of bad ratings.
    pub bad: Vec<(&'static str, &'static str)>,
}

impl Default for RatingOptions {
    fn default() -> RatingOptions {
        let of = |bad: bool| {
            Indicator::ALL
                .iter()
                .filter(|i| i.is_bad() == bad)
                .map(|i| (i.code(), i.label()))
                .collect()
        };
        RatingOptions {
            levels: Level::options(),
            good: of(false),
            bad: of(true),
        }
    }
}

/// A rating form's fields as sent.
fn rate_input(form: &FormData) -> RateInput {
    RateInput {
        level: form.get("level"),
        indicators: form.all("indicators"),
        comment: form.get("comment"),
        named: form.get("named") == "true",
        name: form.get("name"),
        phone: form.get("phone"),
    }
}

/// The words of a rating's indicators.
fn indicator_words(r: &RatingRecord) -> String {
    r.indicators
        .iter()
        .map(|i| i.label())
        .collect::<Vec<_>>()
        .join("、")
}

#[derive(Template)]
#[template(path = "ratings/mine.html")]
struct MinePage {
    chrome: Chrome,
    case_id: i64,
    number: String,
    item_name: String,
    /// The result is out: the form may be shown.
    open: bool,
    rated: Option<RatingRecord>,
    rating_options: RatingOptions,
    error: String,
    errors: FieldErrors,
    rating_form: FormData,
}

async fn mine_page(
    page: &Page,
    id: i64,
    notice: &str,
    refused: Option<(AppError, FormData)>,
) -> PageResult {
    let rated = page.app.online_rating(page.who(), id).await?;
    let c = page.app.case_for(page.who(), id).await?;
    let mut errors = FieldErrors::default();
    let (error, form) = match refused {
        Some((e, form)) => {
            errors.add_error(&e, "level");
            (e.to_string(), form)
        }
        None => (String::new(), FormData::default()),
    };
    render(&MinePage {
        chrome: page.chrome(notice),
        case_id: id,
        number: c.number.clone(),
        item_name: c.item_name.clone(),
        open: result_out(c.state),
        rated,
        rating_options: RatingOptions::default(),
        error,
        errors,
        rating_form: form,
    })
}

/// The applicant's rating of their case: the form once the result is out, or the rating given.
pub async fn mine(
    page: PageFor<gate::Applicant>,
    Path(id): Path<i64>,
    Query(n): Query<Notice>,
) -> PageResult {
    mine_page(&page, id, &n.notice, None).await
}

/// Rating a ticket (诉求工单, 一事一评): by the applicant who filed it, or with its query code.
#[derive(Template)]
#[template(path = "ratings/ticket.html")]
struct TicketRatingPage {
    chrome: Chrome,
    /// The applicant's own ticket (logged in); otherwise followed with its query code.
    mine: bool,
    ticket_id: i64,
    number: String,
    /// The query code of the anonymous path, sent back with the form.
    code: String,
    category_name: String,
    state_label: String,
    /// Closed: the form may be shown.
    open: bool,
    /// Where the form posts.
    action: String,
    rated: Option<RatingRecord>,
    rating_options: RatingOptions,
    error: String,
    errors: FieldErrors,
    rating_form: FormData,
}

/// The number and query code of a ticket rated without logging in.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TrackedTicket {
    pub number: String,
    pub code: String,
}

/// The field errors and message of a refused rating form.
fn refused_form(refused: Option<(AppError, FormData)>) -> (String, FieldErrors, FormData) {
    let mut errors = FieldErrors::default();
    match refused {
        Some((e, form)) => {
            errors.add_error(&e, "level");
            (e.to_string(), errors, form)
        }
        None => (String::new(), errors, FormData::default()),
    }
}

async fn my_ticket_page(
    page: &Page,
    id: i64,
    notice: &str,
    refused: Option<(AppError, FormData)>,
) -> PageResult {
    let rated = page.app.ticket_rating(page.who(), id).await?;
    let t = page.app.ticket_view(page.who(), id).await?;
    let (error, errors, rating_form) = refused_form(refused);
    render(&TicketRatingPage {
        chrome: page.chrome(notice),
        mine: true,
        ticket_id: id,
        number: t.number,
        code: String::new(),
        category_name: t.category_name,
        state_label: t.state_label,
        open: t.state == yiyin_domain::tickets::TicketState::Closed,
        action: format!("/my/tickets/{id}/rate"),
        rated,
        rating_options: RatingOptions::default(),
        error,
        errors,
        rating_form,
    })
}

/// The applicant's rating of a ticket they filed: the form once it is closed, or the rating given.
pub async fn my_ticket(
    page: PageFor<gate::Applicant>,
    Path(id): Path<i64>,
    Query(n): Query<Notice>,
) -> PageResult {
    my_ticket_page(&page, id, &n.notice, None).await
}

/// The applicant rates a closed ticket they filed (一事一评).
pub async fn rate_my_ticket(
    page: PageFor<gate::Applicant>,
    Path(id): Path<i64>,
    form: RawForm,
) -> PageResult {
    page.check_csrf(&form)?;
    let form = form.raw;
    let result = page
        .app
        .rate_ticket(page.who(), id, &rate_input(&form))
        .await;
    let done = (format!("/my/tickets/{id}"), "感谢您的评价！评价已提交");
    ended(result, done, |e| {
        my_ticket_page(&page, id, "", Some((e, form)))
    })
    .await
}

async fn tracked_page(
    page: &Visitor,
    q: &TrackedTicket,
    notice: &str,
    refused: Option<(AppError, FormData)>,
) -> PageResult {
    let t = page.app.track_ticket(&q.number, &q.code).await?;
    let rated = page.app.tracked_ticket_rating(&q.number, &q.code).await?;
    let (error, errors, rating_form) = refused_form(refused);
    render(&TicketRatingPage {
        chrome: page.chrome(notice),
        mine: false,
        ticket_id: t.id,
        number: t.number,
        code: q.code.trim().to_string(),
        category_name: t.category_name,
        state_label: t.state_label,
        open: t.state == yiyin_domain::tickets::TicketState::Closed,
        action: "/suqiu/rate".into(),
        rated,
        rating_options: RatingOptions::default(),
        error,
        errors,
        rating_form,
    })
}

/// A ticket's rating page with its number and query code (no login).
pub async fn tracked(page: Visitor, Query(q): Query<TrackedTicket>) -> PageResult {
    tracked_page(&page, &q, "", None).await
}

/// A closed ticket rated with its number and query code (no login; the code proves it).
pub async fn rate_tracked(page: Visitor, form: RawForm) -> PageResult {
    let form = form.raw;
    let q = TrackedTicket {
        number: form.get("number"),
        code: form.get("code"),
    };
    match page
        .app
        .rate_ticket_by_code(&q.number, &q.code, &rate_input(&form))
        .await
    {
        Ok(_) => tracked_page(&page, &q, "感谢您的评价！评价已提交", None).await,
        Err(e) if is_refusal(&e) => {
            unprocessable(tracked_page(&page, &q, "", Some((e, form))).await)
        }
        Err(e) => Err(e.into()),
    }
}

/// How a form ends: done, a redirect with its notice; refused (bad input, a rule, a conflict), the
/// page `again` shows with the error; anything else an error page.
async fn ended<T, Fut>(
    result: Result<T, AppError>,
    done: (String, &str),
    again: impl FnOnce(AppError) -> Fut,
) -> PageResult
where
    Fut: std::future::Future<Output = PageResult>,
{
    match result {
        Ok(_) => Ok(redirect_with(&done.0, done.1)),
        Err(e) if is_refusal(&e) => unprocessable(again(e).await),
        Err(e) => Err(e.into()),
    }
}

/// The applicant rates their case (一事一评).
pub async fn rate_mine(
    page: PageFor<gate::Applicant>,
    Path(id): Path<i64>,
    form: RawForm,
) -> PageResult {
    page.check_csrf(&form)?;
    let form = form.raw;
    let result = page
        .app
        .rate_online(page.who(), id, &rate_input(&form))
        .await;
    let done = (format!("/my/cases/{id}"), "感谢您的评价！评价已提交");
    ended(result, done, |e| mine_page(&page, id, "", Some((e, form)))).await
}

#[derive(Template)]
#[template(path = "ratings/link.html")]
struct LinkPage {
    chrome: Chrome,
    case_id: i64,
    url: String,
    channel: String,
    expires: String,
    /// The link's QR code, an SVG element.
    qr: String,
}

/// The QR code of a text, as an SVG element.
fn qr_svg(text: &str) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(240, 240)
            .quiet_zone(true)
            .build(),
        Err(_) => String::new(),
    }
}

/// The window opens a one-time rating link for the visit (请申请人评价): shown once, with its QR
/// code for the applicant's phone or the window's tablet.
pub async fn open_link(
    page: PageFor<gate::Receive>,
    Path(id): Path<i64>,
    form: RawForm,
) -> PageResult {
    page.check_csrf(&form)?;
    let link = page
        .app
        .open_rating_link(page.who(), id, &form.raw.get("channel"))
        .await?;
    let expires = chrono::DateTime::from_timestamp_millis(link.expires_at)
        .map(|t| {
            t.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8"))
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default();
    render(&LinkPage {
        chrome: page.chrome(""),
        case_id: id,
        qr: qr_svg(&link.url),
        channel: link.channel.label().to_string(),
        url: link.url,
        expires,
    })
}

#[derive(Template)]
#[template(path = "ratings/rate.html")]
struct TabletPage {
    chrome: Chrome,
    token: String,
    visit: Option<Visit>,
    /// The rating was given: thanks.
    done: bool,
    rating_options: RatingOptions,
    error: String,
    errors: FieldErrors,
    rating_form: FormData,
}

async fn tablet_page(
    page: &Visitor,
    token: &str,
    refused: Option<(AppError, FormData)>,
) -> PageResult {
    let visit = page.app.rating_visit(token).await?;
    let mut errors = FieldErrors::default();
    let (error, form) = match refused {
        Some((e, form)) => {
            errors.add_error(&e, "level");
            (e.to_string(), form)
        }
        None => (String::new(), FormData::default()),
    };
    render(&TabletPage {
        chrome: page.chrome(""),
        token: token.to_string(),
        visit: Some(visit),
        done: false,
        rating_options: RatingOptions::default(),
        error,
        errors,
        rating_form: form,
    })
}

/// The public rating page of a visit (the window's tablet, an SMS link): no login.
pub async fn tablet(page: Visitor, Path(token): Path<String>) -> PageResult {
    tablet_page(&page, &token, None).await
}

/// A visit rated through its link; the link is used up.
pub async fn rate_tablet(page: Visitor, Path(token): Path<String>, form: RawForm) -> PageResult {
    let form = form.raw;
    match page.app.rate_by_token(&token, &rate_input(&form)).await {
        Ok(_) => render(&TabletPage {
            chrome: page.chrome(""),
            token: String::new(),
            visit: None,
            done: true,
            rating_options: RatingOptions::default(),
            error: String::new(),
            errors: FieldErrors::default(),
            rating_form: FormData::default(),
        }),
        Err(e) if matches!(e, AppError::Invalid { .. } | AppError::Refused(_)) => {
            unprocessable(tablet_page(&page, &token, Some((e, form))).await)
        }
        Err(e) => Err(e.into()),
    }
}

/// The desk's filters, as the GET form sends them (empty: not filtered).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct DeskQuery {
    pub jurisdiction: String,
    pub department: String,
    pub bad: String,
    pub state: String,
    pub from: String,
    pub to: String,
    /// The page after this rating (empty: the first page).
    pub after: String,
    pub notice: String,
}

/// Ratings a page of the desk shows.
const DESK_PAGE: i64 = 50;

#[derive(Template)]
#[template(path = "ratings/desk.html")]
struct DeskPage {
    chrome: Chrome,
    jurisdictions: Vec<(String, String)>,
    jurisdiction: String,
    q: DeskQuery,
    departments: Vec<(String, String)>,
    states: Vec<(&'static str, &'static str)>,
    ratings: Vec<RatingView>,
    /// How many ratings the filter matches.
    count: i64,
    /// The next page's address (the filter kept); None on the last page.
    next: Option<String>,
    /// The names of the rated sides listed (departments, townships, the centre), by code.
    names: Vec<(String, String)>,
    error: String,
    /// The rating administrator: the deadlines' form.
    admin: bool,
    settings: Settings,
    errors: FieldErrors,
}

impl DeskPage {
    fn department_name(&self, code: &str) -> String {
        label_of(&self.names, code)
    }

    fn indicators(&self, r: &RatingRecord) -> String {
        indicator_words(r)
    }
}

/// The rated sides of a jurisdiction as (code, name): its departments, and the requests centre
/// (the rated side of a ticket it answered at intake).
fn departments_of(page: &Page, jurisdiction: &str) -> Vec<(String, String)> {
    rated_sides(page.app.org().jurisdiction(jurisdiction))
}

fn rated_sides(j: Option<&yiyin_domain::org::Jurisdiction>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = j
        .map(|j| {
            j.departments
                .iter()
                .map(|d| (d.code.clone(), d.name.clone()))
                .collect()
        })
        .unwrap_or_default();
    out.push((
        yiyin_domain::ratings::REQUESTS_CENTRE.to_string(),
        yiyin_domain::ratings::REQUESTS_CENTRE_NAME.to_string(),
    ));
    out
}

/// The jurisdictions where `page`'s user may read ratings, and the one shown.
fn desk_jurisdiction(
    page: &Page,
    wanted: &str,
) -> Result<(Vec<(String, String)>, String), AppError> {
    let mut mine = Vec::new();
    for op in RATING_READERS {
        mine.extend(page.jurisdictions_for(op));
    }
    mine.sort();
    mine.dedup();
    let Some(first) = mine.first() else {
        return Err(AppError::Forbidden(
            "无权查看好差评：您的岗位没有此项职责".into(),
        ));
    };
    let shown = if mine.iter().any(|j| j.0 == wanted) {
        wanted.to_string()
    } else {
        first.0.clone()
    };
    Ok((mine, shown))
}

/// The operations whose holders read the ratings.
const RATING_READERS: [Operation; 5] = [
    Operation::ManageRatings,
    Operation::Rectify,
    Operation::Monitor,
    Operation::HandleTickets,
    Operation::ManageTickets,
];

async fn desk_page(page: &Page, q: &DeskQuery, refused: Option<AppError>) -> PageResult {
    let (jurisdictions, jurisdiction) = desk_jurisdiction(page, &q.jurisdiction)?;
    let some = |s: &str| Some(s.to_string());
    let query = RatingQuery {
        jurisdiction: jurisdiction.clone(),
        department: some(&q.department),
        bad: Some(q.bad == "true"),
        state: some(&q.state),
        from: some(&q.from),
        to: some(&q.to),
        after: some(&q.after),
        limit: Some(DESK_PAGE),
    };
    let (list, error) = refusal_shown(page.app.rating_page(page.who(), &query).await)?;
    let next = list.next.as_ref().map(|after| {
        yiyin_app::query_url(
            "/ratings",
            &[
                ("jurisdiction", &jurisdiction),
                ("department", &q.department),
                ("bad", &q.bad),
                ("state", &q.state),
                ("from", &q.from),
                ("to", &q.to),
                ("after", after),
            ],
        )
    });
    let (ratings, count) = (list.items, list.count);
    let (_, admin) = page.app.rating_duties(page.who(), &jurisdiction);
    let mut errors = FieldErrors::default();
    if let Some(e) = &refused {
        errors.add_error(e, "contact_days");
    }
    let org = page.app.org();
    let j = org.jurisdiction(&jurisdiction);
    let names = ratings
        .iter()
        .map(|r| {
            let code = &r.rating.department;
            (code.clone(), yiyin_app::ratings::rated_side_name(j, code))
        })
        .collect();
    render(&DeskPage {
        names,
        chrome: page.chrome(&q.notice),
        departments: departments_of(page, &jurisdiction),
        settings: page.app.rating_settings(&jurisdiction).await?,
        jurisdictions,
        jurisdiction,
        q: q.clone(),
        states: TaskState::options(),
        ratings,
        count,
        next,
        error,
        admin,
        errors,
    })
}

/// The ratings desk.
pub async fn desk(page: PageFor<gate::RatingsDesk>, Query(q): Query<DeskQuery>) -> PageResult {
    desk_page(&page, &q, None).await
}

/// The rating administrator sets the jurisdiction's deadlines.
pub async fn set_settings(page: PageFor<gate::RatingsAdmin>, form: RawForm) -> PageResult {
    page.check_csrf(&form)?;
    let form = form.raw;
    let jurisdiction = form.get("jurisdiction");
    let days = |field: &str| {
        form.get(field)
            .parse::<u32>()
            .map_err(|_| AppError::field(field, "请填写1至60之间的工作日数"))
    };
    let result = match (days("contact_days"), days("rectify_days")) {
        (Ok(contact_days), Ok(rectify_days)) => {
            let s = Settings {
                contact_days,
                rectify_days,
            };
            page.app
                .set_rating_settings(page.who(), &jurisdiction, s)
                .await
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    let q = DeskQuery {
        jurisdiction: jurisdiction.clone(),
        ..DeskQuery::default()
    };
    let back = format!(
        "/ratings?jurisdiction={}",
        crate::pages::encode(&jurisdiction)
    );
    ended(
        result,
        (back, "差评时限已保存，适用于此后的差评"),
        |e| desk_page(&page, &q, Some(e)),
    )
    .await
}

#[derive(Template)]
#[template(path = "ratings/detail.html")]
struct DetailPage {
    chrome: Chrome,
    d: RatingDetail,
    department: String,
    indicators: String,
    outcomes: Vec<(&'static str, &'static str)>,
    views: Vec<(&'static str, &'static str)>,
    /// The rated side (section chief, bureau head) and the rating administrator.
    rectify: bool,
    admin: bool,
    /// The action whose form was refused, with the message and what was typed.
    failed: String,
    error: String,
    form: FormData,
}

impl DetailPage {
    fn may(&self, action: &str) -> bool {
        self.d.view.allowed.iter().any(|a| a == action)
    }
}

async fn detail_page(
    page: &Page,
    id: i64,
    notice: &str,
    refused: Option<(AppError, FormData)>,
) -> PageResult {
    let d = page.app.rating_detail(page.who(), id).await?;
    let (rectify, admin) = page
        .app
        .rating_duties(page.who(), &d.view.rating.jurisdiction);
    let (failed, error, form) = match refused {
        Some((e, form)) => (form.get("action"), e.to_string(), form),
        None => (String::new(), String::new(), FormData::default()),
    };
    render(&DetailPage {
        chrome: page.chrome(notice),
        department: yiyin_app::ratings::rated_side_name(
            page.app.org().jurisdiction(&d.view.rating.jurisdiction),
            &d.view.rating.department,
        ),
        indicators: indicator_words(&d.view.rating),
        outcomes: Outcome::options(),
        views: RaterView::options(),
        d,
        rectify,
        admin,
        failed,
        error,
        form,
    })
}

/// One rating with its steps and the forms of the bad-rating loop.
pub async fn detail(
    page: PageFor<gate::RatingsDesk>,
    Path(id): Path<i64>,
    Query(n): Query<Notice>,
) -> PageResult {
    detail_page(&page, id, &n.notice, None).await
}

/// An act on a bad rating's task, from its page.
pub async fn act(
    page: PageFor<gate::RatingsAct>,
    Path(id): Path<i64>,
    form: RawForm,
) -> PageResult {
    page.check_csrf(&form)?;
    let form = form.raw;
    let input = TaskInput {
        action: form.get("action"),
        version: form.get("version").parse().ok(),
        outcome: form.get("outcome"),
        view: form.get("view"),
        uphold: form.get("uphold") == "true",
        text: form.get("text"),
    };
    let result = page.app.act_on_rating(page.who(), id, &input).await;
    let done = result
        .as_ref()
        .ok()
        .and_then(|r| r.task_state)
        .map_or("已办理".to_string(), |s| {
            format!("已办理，当前状态：{}", s.label())
        });
    ended(result, (format!("/ratings/{id}"), &done), |e| {
        detail_page(&page, id, "", Some((e, form)))
    })
    .await
}

/// A published rectification as the public page shows it.
struct PublicRow {
    r: PublishedRectification,
    indicators: String,
}

#[derive(Template)]
#[template(path = "ratings/public.html")]
struct PublicPage {
    chrome: Chrome,
    code: String,
    name: String,
    rates: RatingRates,
    j: yiyin_domain::org::Jurisdiction,
    rows: Vec<PublicRow>,
    error: String,
}

impl PublicPage {
    fn percent(&self, rate: &Option<f64>) -> String {
        Rates::percent(*rate)
    }

    fn department_name(&self, code: &str) -> String {
        yiyin_app::ratings::rated_side_name(Some(&self.j), code)
    }
}

/// A jurisdiction's 好评率, 差评整改率 and published rectifications (public).
pub async fn public(
    page: Visitor,
    Path(code): Path<String>,
    Query(p): Query<Period>,
) -> PageResult {
    let j = page.app.jurisdiction(&code)?;
    let (rates, error) = match p.dates(page.app.today()) {
        Ok((from, to)) => match page.app.rating_rates(&code, from, to).await {
            Ok(r) => (r, String::new()),
            Err(e @ AppError::Invalid { .. }) => {
                let (from, to) = yiyin_app::ratings::year_to_date(page.app.today());
                (page.app.rating_rates(&code, from, to).await?, e.to_string())
            }
            Err(e) => return Err(e.into()),
        },
        Err(e) => {
            let (from, to) = yiyin_app::ratings::year_to_date(page.app.today());
            (page.app.rating_rates(&code, from, to).await?, e.to_string())
        }
    };
    let rows = page
        .app
        .published_rectifications(&code)
        .await?
        .into_iter()
        .map(|r| PublicRow {
            indicators: r
                .indicators
                .iter()
                .map(|i| i.label())
                .collect::<Vec<_>>()
                .join("、"),
            r,
        })
        .collect();
    render(&PublicPage {
        chrome: page.chrome(""),
        code: j.code.clone(),
        name: j.name.clone(),
        j,
        rates,
        rows,
        error,
    })
}
