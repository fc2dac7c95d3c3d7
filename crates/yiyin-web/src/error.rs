//! The web layer's one error type. Every error has an HTTP status, a stable machine code and a Chinese
//! message; API handlers answer `{"error": {"code", "message", "details"}}`, pages render the message.
//! Server errors are logged with their detail and shown to the user without it.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use yiyin_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    NotFound(String),
    #[error("{message}")]
    BadRequest {
        code: &'static str,
        message: String,
        details: Vec<String>,
    },
    #[error("{0}")]
    Conflict(String),
    #[error("请先登录")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Unavailable(String),
    #[error("服务器内部错误，请稍后重试；如持续出现请联系系统管理员")]
    Internal(String),
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
    /// Each problem when there are several (e.g. every bad field).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
}

impl AppError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        AppError::BadRequest {
            code: "invalid_input",
            message: message.into(),
            details: vec![],
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::BadRequest { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound(_) => "not_found",
            AppError::BadRequest { code, .. } => code,
            AppError::Conflict(_) => "conflict",
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden(_) => "forbidden",
            AppError::Unavailable(_) => "unavailable",
            AppError::Internal(_) => "internal",
        }
    }

    pub fn body(&self) -> ErrorBody {
        if let AppError::Internal(detail) = self {
            tracing::error!(%detail, "internal error");
        }
        ErrorBody {
            error: ErrorDetail {
                code: self.code().to_string(),
                message: self.to_string(),
                details: match self {
                    AppError::BadRequest { details, .. } => details.clone(),
                    _ => vec![],
                },
            },
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(m) => AppError::NotFound(m),
            StoreError::Rejected(m) => AppError::BadRequest {
                code: "rule_refused",
                message: m,
                details: vec![],
            },
            StoreError::Conflict(m) => AppError::Conflict(m),
            StoreError::Refused(r) => AppError::BadRequest {
                code: "rule_refused",
                message: r.message,
                details: vec![r.rule],
            },
            StoreError::Calendar(c) => AppError::BadRequest {
                code: "calendar_missing",
                message: c.to_string(),
                details: vec![],
            },
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        (self.status(), Json(self.body())).into_response()
    }
}

pub type ApiResult<T> = Result<T, AppError>;

/// A JSON request body whose rejection is a Chinese `invalid_input` error naming what was wrong
/// (axum's own rejection is English plain text).
#[derive(Debug, Clone, Copy, Default)]
pub struct Body<T>(pub T);

impl<S, T> axum::extract::FromRequest<S> for Body<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        use axum::extract::rejection::JsonRejection;
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Body(v)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(AppError::bad_request(
                "请求体应为JSON（请求头 Content-Type: application/json）",
            )),
            Err(JsonRejection::JsonSyntaxError(e)) => Err(AppError::bad_request(format!(
                "请求体不是有效的JSON：{}",
                e.body_text()
            ))),
            Err(JsonRejection::JsonDataError(e)) => Err(AppError::bad_request(format!(
                "请求体字段有误（缺少必填字段或类型不符）：{}",
                e.body_text()
            ))),
            Err(e) => Err(AppError::bad_request(format!(
                "请求体无法读取：{}",
                e.body_text()
            ))),
        }
    }
}
