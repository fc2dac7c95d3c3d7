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
    /// A failed login (wrong password, locked, inactive): 422 `login_failed`.
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
        AppError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
        AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::App(e) => status_of(e),
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
        (self.status(), Json(self.body())).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// A JSON request body whose rejection is a Chinese `invalid_input` error naming what was wrong
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
        use axum::extract::rejection::JsonRejection;
        let invalid = |m: String| ApiError::App(AppError::invalid(m));
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Body(v)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(invalid(
                "请求体应为JSON（请求头 Content-Type: application/json）".into(),
            )),
            Err(JsonRejection::JsonSyntaxError(e)) => {
                Err(invalid(format!("请求体不是有效的JSON：{}", e.body_text())))
            }
            Err(JsonRejection::JsonDataError(e)) => Err(invalid(format!(
                "请求体字段有误（缺少必填字段或类型不符）：{}",
                e.body_text()
            ))),
            Err(e) => Err(invalid(format!("请求体无法读取：{}", e.body_text()))),
        }
    }
}
