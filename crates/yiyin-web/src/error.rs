//! The web layer's error: the application layer's [`AppError`] with its HTTP status, answered as
//! `{"error": {"code", "message", "details"}}` by the API and rendered as a page by the pages
//! (`crate::pages::PageError`). Server errors are logged with their detail and shown without it.
//! Every JSON body goes through [`Body`], whose rejection is the same Chinese error naming what was
//! wrong.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
pub use yiyin_app::AppError;
use yiyin_app::accounts::LoginError;

/// An error answered over HTTP.
#[derive(Debug)]
pub enum ApiError {
    App(AppError),
    /// A failed login (wrong password or code, locked, inactive): 422 `login_failed`; the second
    /// factor asked for: 401 `totp_required`.
    Login(LoginError),
}

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError::App(e.into())
    }
}

/// The JSON body of an error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// A stable machine code, e.g. `not_found`, `invalid_input`, `rule_refused`.
    pub code: String,
    /// What went wrong, in Chinese.
    pub message: String,
    /// The rule refused, or the field at fault.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
}

/// The HTTP status of an application error.
pub fn status_of(e: &AppError) -> StatusCode {
    match e {
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::Invalid { .. } | AppError::Refused(_) | AppError::CalendarMissing(_) => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::Unauthorized => StatusCode::UNAUTHORIZED,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::TooMany(_) | AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::Unavailable(_) | AppError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::App(e) => status_of(e),
            ApiError::Login(LoginError::TotpRequired) => StatusCode::UNAUTHORIZED,
            ApiError::Login(_) => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    pub fn body(&self) -> ErrorBody {
        let (code, message, details) = match self {
            ApiError::App(e) => {
                if let AppError::Internal(detail) = e {
                    tracing::error!(%detail, "internal error");
                }
                (e.code(), e.to_string(), e.details())
            }
            ApiError::Login(e @ LoginError::TotpRequired) => {
                ("totp_required", e.to_string(), vec![])
            }
            ApiError::Login(e) => ("login_failed", e.to_string(), vec![]),
        };
        ErrorBody {
            error: ErrorDetail {
                code: code.to_string(),
                message,
                details,
            },
        }
    }

    /// The application error behind it (a failed login reads as unauthorised).
    pub fn app(&self) -> AppError {
        match self {
            ApiError::App(e) => e.clone(),
            ApiError::Login(e) => AppError::invalid(e.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (self.status(), Json(self.body())).into_response();
        if let ApiError::App(e) = &self {
            set_retry_after(&mut resp, e);
        }
        resp
    }
}

/// Sets `Retry-After` on the answer to a throttled or busy request (API and pages alike).
pub fn set_retry_after(resp: &mut Response, e: &AppError) {
    if let Some(secs) = e.retry_after() {
        resp.headers_mut()
            .insert(axum::http::header::RETRY_AFTER, secs.into());
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// A JSON request body whose rejection is a Chinese `invalid_input` error naming the field at fault
/// (axum's own rejection is English plain text). Every JSON endpoint takes its body through it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Body<T>(pub T);

impl<S, T> axum::extract::FromRequest<S> for Body<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase())
            .is_some_and(|v| v == "application/json" || v.ends_with("+json"));
        if !json {
            return Err(AppError::invalid(
                "请求体应为JSON（请求头 Content-Type: application/json）",
            )
            .into());
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| {
                AppError::invalid(if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    "请求体过大".to_string()
                } else {
                    "请求体无法读取".to_string()
                })
            })?;
        Ok(Body(parse_json(&bytes)?))
    }
}

/// A path's parameters (`/cases/{id}`), whose rejection is a Chinese `invalid_input` naming the
/// parameter (axum's own is English plain text).
#[derive(Debug, Clone, Copy, Default)]
pub struct Path<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for Path<T>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        use axum::extract::path::ErrorKind;
        use axum::extract::rejection::PathRejection;
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => Err(match e.into_kind() {
                ErrorKind::ParseErrorAtKey {
                    key,
                    value,
                    expected_type,
                } => AppError::field(
                    &key,
                    format!(
                        "路径参数「{key}」的值「{value}」应为{}",
                        kind_cn(expected_type)
                    ),
                ),
                ErrorKind::ParseErrorAtIndex {
                    value,
                    expected_type,
                    ..
                }
                | ErrorKind::ParseError {
                    value,
                    expected_type,
                } => AppError::field(
                    "路径",
                    format!("路径参数「{value}」应为{}", kind_cn(expected_type)),
                ),
                _ => AppError::field("路径", "路径参数无效"),
            }
            .into()),
            Err(_) => Err(AppError::field("路径", "路径参数无效").into()),
        }
    }
}

/// A query string (`?number=…`), whose rejection is a Chinese `invalid_input` naming the field.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for Query<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        serde_html_form::from_str(query).map(Query).map_err(|e| {
            match serde_error("", &e.to_string()) {
                AppError::Invalid { field: Some(f), .. } if f.is_empty() => AppError::field(
                    "查询参数",
                    "查询参数的取值格式不正确（数字、日期或可选值有误），请核对",
                ),
                other => other,
            }
            .into()
        })
    }
}

/// Parses a JSON body; a mistake is named by its field (`applicant.kind`, `materials[2]`) in
/// Chinese.
pub fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    // Every string and key passes the general rule of input first (a malformed body is told by the
    // typed parse below).
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) {
        crate::input::check_json(&value)?;
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        json_error(&path, e.inner())
    })?;
    de.end().map_err(|e| json_error(".", &e))?;
    Ok(value)
}

fn json_error(path: &str, e: &serde_json::Error) -> AppError {
    use serde_json::error::Category;
    if !matches!(e.classify(), Category::Data) {
        return AppError::invalid(format!(
            "请求体不是有效的JSON（第{}行第{}列）",
            e.line(),
            e.column()
        ));
    }
    let text = e.to_string();
    let text = text
        .rsplit_once(" at line ")
        .map_or(text.as_str(), |(t, _)| t);
    serde_error(path, text)
}

/// A data error of serde (a missing or unknown field, a wrong type or value), in Chinese naming the
/// field at `path`.
fn serde_error(path: &str, text: &str) -> AppError {
    let quoted = |t: &str| t.split('`').nth(1).unwrap_or("").to_string();
    let at = |name: &str| match path {
        "." | "" => name.to_string(),
        p if name.is_empty() => p.to_string(),
        p => format!("{p}.{name}"),
    };
    let (field, message) = if text.starts_with("missing field") {
        let f = at(&quoted(text));
        (f.clone(), format!("缺少必填字段「{f}」"))
    } else if text.starts_with("unknown field") {
        let f = at(&quoted(text));
        (f.clone(), format!("不认识的字段「{f}」"))
    } else if text.starts_with("unknown variant") {
        let f = at("");
        let options = text
            .split("expected ")
            .nth(1)
            .unwrap_or("")
            .trim_start_matches("one of ")
            .replace('`', "")
            .replace(" or ", "、")
            .replace(", ", "、");
        (
            f.clone(),
            format!("「{f}」的取值「{}」无效，可选：{options}", quoted(text)),
        )
    } else if let Some(expected) = text
        .strip_prefix("invalid type: ")
        .or_else(|| text.strip_prefix("invalid value: "))
        .and_then(|t| t.split(", expected ").nth(1))
    {
        let f = at("");
        (f.clone(), format!("「{f}」应为{}", kind_cn(expected)))
    } else if text.starts_with("invalid length") {
        let f = at("");
        (f.clone(), format!("「{f}」的项数不符"))
    } else {
        // A message of our own types (identifiers, codes), already in Chinese.
        let f = at("");
        (f.clone(), format!("「{f}」：{text}"))
    };
    AppError::Invalid {
        field: Some(field),
        message,
    }
}

/// What serde expected, in Chinese.
fn kind_cn(expected: &str) -> &'static str {
    let e = expected.trim();
    if e.contains("string") || e == "a character" {
        "文本"
    } else if e.contains("bool") {
        "true 或 false"
    } else if e.contains("integer")
        || e.starts_with('i') && e[1..].parse::<u32>().is_ok()
        || e.starts_with('u') && e[1..].parse::<u32>().is_ok()
    {
        "整数"
    } else if e.contains("f64") || e.contains("f32") || e.contains("number") {
        "数字"
    } else if e.contains("sequence") || e.contains("array") || e.contains("tuple") {
        "列表"
    } else if e.contains("map") || e.starts_with("struct") {
        "对象"
    } else {
        "符合要求的值"
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Request {
        applicant: Applicant,
        #[serde(default)]
        materials: Vec<String>,
        count: Option<u32>,
        status: Option<yiyin_domain::licence::LicenceStatus>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Applicant {
        kind: Kind,
        name: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Person,
        Organisation,
    }

    fn refused(body: &str) -> (Option<String>, String) {
        match parse_json::<Request>(body.as_bytes()) {
            Err(AppError::Invalid { field, message }) => (field, message),
            other => panic!("{body}: {other:?}"),
        }
    }

    #[test]
    fn a_bad_body_is_named_by_its_field_in_chinese() {
        let cases = [
            (
                r#"{"applicant": {"kind": "person"}}"#,
                "applicant.name",
                "缺少必填字段「applicant.name」",
            ),
            (
                r#"{"applicant": {"kind": "robot", "name": "张三"}}"#,
                "applicant.kind",
                "「applicant.kind」的取值「robot」无效，可选：person、organisation",
            ),
            (
                r#"{"applicant": {"kind": "person", "name": "张三"}, "count": "三"}"#,
                "count",
                "「count」应为整数",
            ),
            (
                r#"{"applicant": {"kind": "person", "name": "张三"}, "materials": [1]}"#,
                "materials[0]",
                "「materials[0]」应为文本",
            ),
            (
                r#"{"applicant": {"kind": "person", "name": "张三"}, "status": "gone"}"#,
                "status",
                "有效",
            ),
            (r#"{}"#, "applicant", "缺少必填字段「applicant」"),
        ];
        for (body, field, phrase) in cases {
            let (f, m) = refused(body);
            assert_eq!(f.as_deref(), Some(field), "{body}: {m}");
            assert!(m.contains(phrase), "{body}: {m}");
            assert!(!m.is_ascii(), "{body}: {m}");
        }
    }

    #[test]
    fn broken_json_says_where() {
        for body in [
            r#"{"applicant": "#,
            r#"{"applicant": {"kind": "person", "name": "张三"}} x"#,
            "not json",
        ] {
            let (field, message) = refused(body);
            assert!(
                message.starts_with("请求体不是有效的JSON（第1行第"),
                "{body}: {message}"
            );
            assert!(field.is_none() || field.as_deref() == Some("."), "{body}");
        }
    }
}
