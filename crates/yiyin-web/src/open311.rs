//! The Open311 GeoReport v2 interface of the requests centre, at `/open311/v2/`, as the published
//! specification (<http://wiki.open311.org/GeoReport_v2>) defines it, in JSON and XML alike:
//!
//! - `discovery.{json,xml}`;
//! - `services.{json,xml}`: the jurisdiction's 诉求分类 as services (`service_code` is the category
//!   code, `group` its responsible department). No service has attributes (`metadata` is always
//!   `false`), so `services/{service_code}.{json,xml}` answers a definition with an empty list of
//!   attributes for a known code, 404 for another;
//! - `POST requests.{json,xml}` (form-encoded, `api_key` required: keys are issued per partner
//!   application by the centre's manager). The caller's `first_name`/`last_name` and `phone` are
//!   kept as the ticket's caller data and never returned; `email` is checked but not kept (a
//!   ticket's caller data are a name and a callback phone). A ticket filed here is a 求助;
//! - `GET requests.{json,xml}` (`service_request_id` — a comma list that overrides the other
//!   filters —, `service_code`, `status`, `start_date`/`end_date` in ISO 8601 with a time zone; by
//!   default the last 90 days, and a span over 90 days is refused), `requests/{id}.{json,xml}`
//!   (an array of one) and `tokens/{token}.{json,xml}` (the token returned by the POST: the
//!   ticket's number and query code joined by `-`).
//!
//! `jurisdiction_id` (the county's code, e.g. `hanyin`) is required everywhere but discovery: the
//! interface serves every pilot. `service_request_id` is the ticket number, `status` `open` or
//! `closed` with the Chinese state in `status_notes`, `agency_responsible` the department holding
//! the ticket, `expected_datetime` the reply's due time (an urgent ticket's, counted in hours) or
//! the end of its due day. Datetimes are ISO 8601 with
//! `+08:00`. Errors are the specification's array of `{code, description}` (descriptions in
//! Chinese) with the same HTTP status.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Duration, FixedOffset, NaiveDate};
use serde_json::{Map, Value, json};
use yiyin_app::App;
use yiyin_app::error::AppError;
use yiyin_app::tickets::{PartnerService, PublicTicket, TicketInput};
use yiyin_domain::tickets::TicketState;
use yiyin_store::tickets::TicketFilter;

/// The specification this interface follows.
const SPECIFICATION: &str = "http://wiki.open311.org/GeoReport_v2";
/// When this interface last changed (discovery's `changeset`).
const CHANGESET: &str = "2026-11-28T00:00:00+08:00";
/// The longest span of `start_date`/`end_date`, and the default window.
const MAX_DAYS: i64 = 90;
/// The most requests one answer lists.
const LIMIT: i64 = 1000;

/// The Open311 routes (merged beside the API).
pub fn router() -> Router<App> {
    Router::new()
        .route("/open311/v2/{file}", get(top).post(post_top))
        .route("/open311/v2/{dir}/{file}", get(nested))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Xml,
}

/// An answer's element: a value, or a list of elements named `child` in XML.
enum Field {
    V(Value),
    List(&'static str, Vec<Field>),
    Obj(Vec<(&'static str, Field)>),
}

impl Field {
    fn json(&self) -> Value {
        match self {
            Field::V(v) => v.clone(),
            Field::List(_, items) => Value::Array(items.iter().map(Field::json).collect()),
            Field::Obj(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(k, f)| ((*k).to_string(), f.json()))
                    .collect::<Map<_, _>>(),
            ),
        }
    }

    fn xml(&self, name: &str, out: &mut String) {
        out.push('<');
        out.push_str(name);
        out.push('>');
        match self {
            Field::V(Value::Null) => {}
            Field::V(Value::String(s)) => escape(s, out),
            Field::V(v) => escape(&v.to_string(), out),
            Field::List(child, items) => items.iter().for_each(|i| i.xml(child, out)),
            Field::Obj(fields) => fields.iter().for_each(|(k, f)| f.xml(k, out)),
        }
        out.push_str("</");
        out.push_str(name);
        out.push('>');
    }
}

/// Escapes text for an XML element, leaving out the characters XML 1.0 cannot carry.
fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
}

fn s(text: impl Into<String>) -> Field {
    Field::V(Value::String(text.into()))
}

/// An answer: its HTTP status and its root element (a list in JSON).
fn answer(status: StatusCode, format: Format, root: &'static str, body: Field) -> Response {
    match format {
        Format::Json => (
            status,
            [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
            body.json().to_string(),
        )
            .into_response(),
        Format::Xml => {
            let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
            body.xml(root, &mut out);
            (
                status,
                [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
                out,
            )
                .into_response()
        }
    }
}

/// An error of the specification: `[{code, description}]` with the same HTTP status.
struct Failure(StatusCode, String);

impl Failure {
    fn bad(description: impl Into<String>) -> Self {
        Failure(StatusCode::BAD_REQUEST, description.into())
    }

    fn not_found(description: impl Into<String>) -> Self {
        Failure(StatusCode::NOT_FOUND, description.into())
    }

    fn answer(self, format: Format) -> Response {
        let error = Field::Obj(vec![
            ("code", Field::V(json!(self.0.as_u16()))),
            ("description", s(self.1)),
        ]);
        answer(self.0, format, "errors", Field::List("error", vec![error]))
    }
}

impl From<AppError> for Failure {
    fn from(e: AppError) -> Self {
        let status = match &e {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Forbidden(_) | AppError::Unauthorized => StatusCode::FORBIDDEN,
            AppError::Invalid { .. } | AppError::Refused(_) | AppError::Conflict(_) => {
                StatusCode::BAD_REQUEST
            }
            AppError::TooMany(_) | AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) | AppError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::CalendarMissing(_) | AppError::Internal(_) => {
                tracing::error!(error = %e, "Open311 request failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        Failure(status, e.to_string())
    }
}

type Outcome = Result<Response, Failure>;

/// An error raised before an Open311 handler runs (the throttle's refusal, for one), answered as
/// the specification's array in the format the address asks for (JSON when it names none), with
/// `Retry-After` when the caller is asked to wait.
pub fn refusal(path: &str, e: AppError) -> Response {
    let format = path
        .rsplit('/')
        .next()
        .and_then(split)
        .map_or(Format::Json, |(_, format)| format);
    let mut response = Failure::from(e.clone()).answer(format);
    crate::error::set_retry_after(&mut response, &e);
    response
}

/// A file name's stem and format (`services.json` → `services`, JSON).
fn split(file: &str) -> Option<(&str, Format)> {
    let (stem, ext) = file.rsplit_once('.')?;
    match ext {
        "json" => Some((stem, Format::Json)),
        "xml" => Some((stem, Format::Xml)),
        _ => None,
    }
}

/// Answers an address without a known format.
fn no_format() -> Response {
    Failure::not_found("没有这个接口：地址须以 .json 或 .xml 结尾").answer(Format::Json)
}

fn unknown(format: Format) -> Response {
    Failure::not_found("没有这个接口，请核对请求地址（见 discovery）").answer(format)
}

/// The parameters of a query or form body.
struct Params(Vec<(String, String)>);

impl Params {
    fn parse(bytes: &[u8]) -> Result<Params, Failure> {
        serde_html_form::from_bytes::<Vec<(String, String)>>(bytes)
            .map(Params)
            .map_err(|_| Failure::bad("参数格式有误，无法识别"))
    }

    /// A parameter given, trimmed (the last when repeated); None when empty.
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    fn jurisdiction(&self) -> Result<&str, Failure> {
        self.get("jurisdiction_id")
            .ok_or_else(|| Failure::bad("须提供 jurisdiction_id（县区代码，例如 hanyin）"))
    }
}

async fn top(
    State(app): State<App>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let Some((stem, format)) = split(&file) else {
        return no_format();
    };
    let result = async {
        let p = Params::parse(query.unwrap_or_default().as_bytes())?;
        match stem {
            "discovery" => Ok(discovery(&app, format)),
            "services" => services(&app, &p, format).await,
            "requests" => requests(&app, &p, format).await,
            _ => Ok(unknown(format)),
        }
    }
    .await;
    result.unwrap_or_else(|f| f.answer(format))
}

async fn post_top(State(app): State<App>, Path(file): Path<String>, body: Bytes) -> Response {
    let Some((stem, format)) = split(&file) else {
        return no_format();
    };
    if stem != "requests" {
        return unknown(format);
    }
    let result = async {
        let p = Params::parse(&body)?;
        post_request(&app, &p, format).await
    }
    .await;
    result.unwrap_or_else(|f| f.answer(format))
}

async fn nested(
    State(app): State<App>,
    Path((dir, file)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    let Some((stem, format)) = split(&file) else {
        return no_format();
    };
    let result = async {
        let p = Params::parse(query.unwrap_or_default().as_bytes())?;
        let j = p.jurisdiction()?;
        match dir.as_str() {
            "services" => service_definition(&app, j, stem, format).await,
            "requests" => {
                let found = app.partner_tickets_by_number(j, &[stem]).await?;
                if found.is_empty() {
                    return Err(Failure::not_found(format!("没有编号为{stem}的工单")));
                }
                Ok(request_list(&found, format))
            }
            "tokens" => {
                let t = app.partner_ticket_by_token(j, stem).await?;
                let item = Field::Obj(vec![
                    ("service_request_id", s(t.number)),
                    ("token", s(stem)),
                ]);
                Ok(answer(
                    StatusCode::OK,
                    format,
                    "service_requests",
                    Field::List("request", vec![item]),
                ))
            }
            _ => Ok(unknown(format)),
        }
    }
    .await;
    result.unwrap_or_else(|f| f.answer(format))
}

fn discovery(app: &App, format: Format) -> Response {
    let url = format!("{}/open311/v2", app.public_url().trim_end_matches('/'));
    let endpoint = Field::Obj(vec![
        ("specification", s(SPECIFICATION)),
        ("url", s(url)),
        ("changeset", s(CHANGESET)),
        ("type", s("production")),
        (
            "formats",
            Field::List("format", vec![s("text/xml"), s("application/json")]),
        ),
    ]);
    let body = Field::Obj(vec![
        ("changeset", s(CHANGESET)),
        ("contact", s("各县区民生和企业诉求服务中心（12345）")),
        (
            "key_service",
            s("合作应用的 api_key 由所在县区诉求服务中心负责人签发"),
        ),
        ("endpoints", Field::List("endpoint", vec![endpoint])),
    ]);
    answer(StatusCode::OK, format, "discovery", body)
}

fn service(c: &PartnerService) -> Field {
    Field::Obj(vec![
        ("service_code", s(&c.code)),
        ("service_name", s(&c.name)),
        (
            "description",
            s(format!("{}（主管部门：{}）", c.name, c.department_name)),
        ),
        ("metadata", Field::V(Value::Bool(false))),
        ("type", s("realtime")),
        ("keywords", s(format!("{},{}", c.name, c.department_name))),
        ("group", s(&c.department_name)),
    ])
}

async fn services(app: &App, p: &Params, format: Format) -> Outcome {
    let list = app.partner_services(p.jurisdiction()?).await?;
    Ok(answer(
        StatusCode::OK,
        format,
        "services",
        Field::List("service", list.iter().map(service).collect()),
    ))
}

async fn service_definition(app: &App, j: &str, code: &str, format: Format) -> Outcome {
    let list = app.partner_services(j).await?;
    let Some(c) = list.iter().find(|c| c.code == code) else {
        return Err(Failure::not_found(format!("没有代码为「{code}」的服务")));
    };
    let body = Field::Obj(vec![
        ("service_code", s(&c.code)),
        ("attributes", Field::List("attribute", Vec::new())),
    ]);
    Ok(answer(StatusCode::OK, format, "service_definition", body))
}

/// China Standard Time, in which every datetime is given.
fn cst() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8")
}

/// A moment (milliseconds) in ISO 8601 with `+08:00`.
fn stamp(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .with_timezone(&cst())
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

fn closed(state: TicketState) -> bool {
    matches!(state, TicketState::Closed | TicketState::Merged)
}

fn notice(t: &PublicTicket) -> String {
    match (&t.reply_due, closed(t.state)) {
        (_, true) => "诉求已办结".into(),
        (Some(due), false) => format!("承办部门应于{due}前答复"),
        (None, false) => "诉求服务中心将尽快派单办理".into(),
    }
}

fn request(t: &PublicTicket) -> Field {
    // An urgent ticket's reply is due to the minute; another's by the end of its due day.
    let expected = t.reply_due_at.clone().or_else(|| {
        t.reply_due
            .as_deref()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .map(|d| format!("{}T23:59:59+08:00", d.format("%Y-%m-%d")))
    });
    let notes = match &t.reply {
        Some(reply) => format!("{}。答复：{reply}", t.state_label),
        None => t.state_label.clone(),
    };
    let coordinate = |c: Option<f64>| Field::V(c.map_or(Value::Null, |c| json!(c)));
    Field::Obj(vec![
        ("service_request_id", s(&t.number)),
        ("status", s(if closed(t.state) { "closed" } else { "open" })),
        ("status_notes", s(notes)),
        ("service_name", s(&t.category_name)),
        ("service_code", s(&t.category_code)),
        ("description", s(&t.content)),
        (
            "agency_responsible",
            s(t.department_name.as_deref().unwrap_or("诉求服务中心")),
        ),
        ("service_notice", s(notice(t))),
        ("requested_datetime", s(stamp(t.created_at))),
        ("updated_datetime", s(stamp(t.updated_at))),
        (
            "expected_datetime",
            Field::V(expected.map_or(Value::Null, Value::String)),
        ),
        ("address", s(&t.location)),
        ("lat", coordinate(t.latitude)),
        ("long", coordinate(t.longitude)),
        ("media_url", Field::V(Value::Null)),
    ])
}

fn request_list(list: &[PublicTicket], format: Format) -> Response {
    answer(
        StatusCode::OK,
        format,
        "service_requests",
        Field::List("request", list.iter().map(request).collect()),
    )
}

/// A datetime parameter: ISO 8601 with a time zone (a `+` sent unencoded reads as a space).
fn datetime(name: &str, value: Option<&str>) -> Result<Option<DateTime<FixedOffset>>, Failure> {
    let Some(v) = value else { return Ok(None) };
    let v = v.replace(' ', "+");
    DateTime::parse_from_rfc3339(&v)
        .or_else(|_| DateTime::parse_from_str(&v, "%Y-%m-%dT%H:%M:%S%z"))
        .map(Some)
        .map_err(|_| {
            Failure::bad(format!(
                "{name} 须为带时区的 ISO 8601 时间，例如 2026-11-28T09:00:00+08:00"
            ))
        })
}

async fn requests(app: &App, p: &Params, format: Format) -> Outcome {
    let j = p.jurisdiction()?;
    if let Some(ids) = p.get("service_request_id") {
        let numbers: Vec<&str> = ids
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .collect();
        if numbers.len() > LIMIT as usize {
            return Err(Failure::bad(format!(
                "service_request_id 一次最多{LIMIT}个"
            )));
        }
        let found = app.partner_tickets_by_number(j, &numbers).await?;
        return Ok(request_list(&found, format));
    }
    let mut states = Vec::new();
    let (mut open, mut done) = (false, false);
    for status in p.get("status").unwrap_or("").split(',').map(str::trim) {
        match status {
            "" => {}
            "open" => open = true,
            "closed" => done = true,
            other => {
                return Err(Failure::bad(format!(
                    "status 应为 open 或 closed，而不是「{other}」"
                )));
            }
        }
    }
    if open != done {
        states = [
            TicketState::PendingDispatch,
            TicketState::Dispatched,
            TicketState::InProgress,
            TicketState::Replied,
            TicketState::Closed,
            TicketState::Merged,
        ]
        .into_iter()
        .filter(|s| closed(*s) == done)
        .collect();
    }
    let start = datetime("start_date", p.get("start_date"))?;
    let end = datetime("end_date", p.get("end_date"))?;
    let span = Duration::days(MAX_DAYS);
    let (start, end) = match (start, end) {
        (Some(s), Some(e)) => (s, e),
        (Some(s), None) => (s, s + span),
        (None, Some(e)) => (e - span, e),
        (None, None) => {
            let now = app.now().with_timezone(&cst());
            (now - span, now)
        }
    };
    if end < start {
        return Err(Failure::bad("end_date 不能早于 start_date"));
    }
    if end - start > span {
        return Err(Failure::bad(format!(
            "start_date 至 end_date 的跨度不能超过{MAX_DAYS}天"
        )));
    }
    let codes: Vec<&str> = p
        .get("service_code")
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    let filter = |category: Option<&str>| TicketFilter {
        states: states.clone(),
        category: category.map(str::to_string),
        from_ms: Some(start.timestamp_millis()),
        to_ms: Some(end.timestamp_millis() + 1),
        limit: LIMIT,
        ..TicketFilter::default()
    };
    let mut found = Vec::new();
    if codes.is_empty() {
        found = app.partner_tickets(j, &filter(None)).await?;
    } else {
        for code in codes {
            found.extend(app.partner_tickets(j, &filter(Some(code))).await?);
        }
        found.sort_by_key(|t| t.id);
        found.dedup_by_key(|t| t.id);
        found.truncate(LIMIT as usize);
    }
    Ok(request_list(&found, format))
}

async fn post_request(app: &App, p: &Params, format: Format) -> Outcome {
    let Some(key) = p.get("api_key") else {
        return Err(Failure(StatusCode::FORBIDDEN, "须提供 api_key".into()));
    };
    let j = p.jurisdiction()?;
    let service_code = p
        .get("service_code")
        .ok_or_else(|| Failure::bad("须提供 service_code（诉求分类代码）"))?;
    let coordinate = |name: &str| -> Result<Option<f64>, Failure> {
        p.get(name)
            .map(|v| {
                v.parse::<f64>()
                    .map_err(|_| Failure::bad(format!("{name} 须为十进制度数")))
            })
            .transpose()
    };
    let (lat, long) = (coordinate("lat")?, coordinate("long")?);
    let address = p.get("address_string").or(p.get("address_id"));
    if (lat.is_none() || long.is_none()) && address.is_none() {
        return Err(Failure::bad("须提供位置：lat 和 long，或 address_string"));
    }
    let description = p
        .get("description")
        .ok_or_else(|| Failure::bad("须提供 description（诉求内容）"))?;
    if let Some(email) = p.get("email") {
        let (user, domain) = email.split_once('@').unwrap_or_default();
        if email.chars().count() > 254
            || user.is_empty()
            || !domain.contains('.')
            || email.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(Failure::bad("email 格式有误"));
        }
    }
    let name = format!(
        "{}{}",
        p.get("last_name").unwrap_or(""),
        p.get("first_name").unwrap_or("")
    );
    let input = TicketInput {
        jurisdiction: j.to_string(),
        ticket_type: "help".into(),
        urgency: None,
        category: service_code.to_string(),
        content: description.to_string(),
        location: address.unwrap_or("").to_string(),
        latitude: lat,
        longitude: long,
        caller_name: Some(name).filter(|n| !n.is_empty()),
        caller_phone: p.get("phone").map(str::to_string),
        direct_reply: None,
    };
    let filed = app.file_partner_ticket(key, &input).await?;
    let item = Field::Obj(vec![
        ("service_request_id", s(&filed.ticket.number)),
        ("token", s(&filed.token)),
        ("service_notice", s(notice(&filed.ticket))),
        ("account_id", Field::V(Value::Null)),
    ]);
    Ok(answer(
        StatusCode::OK,
        format,
        "service_requests",
        Field::List("request", vec![item]),
    ))
}
