//! Server-rendered Chinese pages. Each handler gathers what its template shows and renders it;
//! templates live in `templates/` and escape everything they print.

pub mod docs;
pub mod portal;

use askama::Template;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use crate::error::AppError;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(portal::home))
        .route("/j/{code}", get(portal::catalog))
        .route("/j/{code}/items/{item}", get(portal::item))
        .route("/j/{code}/changelog", get(portal::changelog))
        .route("/cases/{id}/documents/{doc}", get(docs::document))
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

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    title: String,
    message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let body = self.0.body();
        let title = match self.0.status() {
            StatusCode::NOT_FOUND => "页面不存在",
            StatusCode::FORBIDDEN => "无权访问",
            StatusCode::UNAUTHORIZED => "请先登录",
            s if s.is_server_error() => "系统暂时不可用",
            _ => "请求有误",
        };
        let page = ErrorPage {
            title: title.to_string(),
            message: body.error.message,
        };
        match page.render() {
            Ok(html) => (self.0.status(), Html(html)).into_response(),
            Err(_) => (self.0.status(), body.error.code).into_response(),
        }
    }
}

/// Renders a template into a 200 page.
pub fn render<T: Template>(t: &T) -> PageResult {
    t.render()
        .map(|html| Html(html).into_response())
        .map_err(|e| PageError(AppError::Internal(format!("模板渲染失败：{e}"))))
}
