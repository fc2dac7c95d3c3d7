//! Forms of the pages: reading what was sent ([`Form`], typed, with its CSRF token and the fields as
//! sent; [`UploadForm`], an upload form whose token, its first field, is checked before any file
//! is read; [`FilesForm`], either, for forms that work with and without files), the errors shown beside their fields ([`FieldErrors`]), and how a form's act ends:
//! success redirects with a notice; a refusal shows the page again with the message and what was
//! typed ([`settle`]) or is told on the page the form came from ([`tell_back`]). A page's path
//! and query are read by [`Path`] and [`Query`], whose refusals are Chinese pages (a path that
//! names no record is the 404 page).

use std::future::Future;

use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use super::{PageError, PageResult, redirect_with, unprocessable};
use crate::error::AppError;

/// A page's path parameters (`/work/cases/{id}`): a value that does not parse (an id that is not a
/// number) names no page, and is answered with the Chinese 404 page saying which part is wrong.
#[derive(Debug, Clone, Copy, Default)]
pub struct Path<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        match crate::error::Path::<T>::from_request_parts(parts, state).await {
            Ok(crate::error::Path(v)) => Ok(Path(v)),
            Err(e) => Err(PageError(AppError::NotFound(format!(
                "您要找的页面不存在：{}",
                e.app()
            )))),
        }
    }
}

/// A page's query string (`?notice=…&limit=…`): a value of the wrong kind is a Chinese error page
/// naming the parameter.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        let crate::error::Query(v) =
            crate::error::Query::<T>::from_request_parts(parts, state).await?;
        Ok(Query(v))
    }
}

/// The fields of a submitted form, as sent (several values per name allowed).
#[derive(Debug, Clone, Default)]
pub struct FormData(pub Vec<(String, String)>);

impl FormData {
    /// The first value of a field, trimmed ("" when absent).
    pub fn get(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    }

    /// Every non-empty value of a field.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_string())
            .collect()
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }

    /// Whether `value` is one of the values sent for a field (a ticked box).
    pub fn ticked(&self, name: &str, value: &str) -> bool {
        self.0.iter().any(|(k, v)| k == name && v == value)
    }
}

/// The CSRF token of the session a [`super::Page`] was opened with, left in the request for the
/// form read after it.
#[derive(Debug, Clone)]
pub struct SessionToken(pub String);

/// A submitted form: its fields typed as `T` (repeated fields into a `Vec`), its CSRF token, and the
/// fields as sent, to show them again when the form is refused.
#[derive(Debug, Clone)]
pub struct Form<T> {
    pub csrf: String,
    pub data: T,
    pub raw: FormData,
}

impl<S: Send + Sync, T: DeserializeOwned> axum::extract::FromRequest<S> for Form<T> {
    type Rejection = Response;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        let unreadable = |detail: String| {
            PageError(AppError::invalid(format!(
                "表单内容无法识别，请返回重新填写（{detail}）"
            )))
            .into_response()
        };
        let session_token = req.extensions().get::<SessionToken>().cloned();
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| unreadable(e.body_text()))?;
        let pairs: Vec<(String, String)> =
            serde_html_form::from_bytes(&bytes).map_err(|e| unreadable(e.to_string()))?;
        // Authorisation before validation: a form of a logged-in page must carry the session's
        // token before its fields are judged.
        if let Some(SessionToken(expected)) = session_token {
            let sent = pairs
                .iter()
                .find(|(k, _)| k == "csrf")
                .map(|(_, v)| v.trim());
            if sent != Some(expected.as_str()) {
                return Err(
                    PageError(AppError::Forbidden(super::STALE_FORM.into())).into_response()
                );
            }
        }
        crate::input::check_pairs(&pairs).map_err(|e| PageError(e).into_response())?;
        let data: T = serde_html_form::from_bytes(&bytes).map_err(|e| unreadable(e.to_string()))?;
        let raw = FormData(pairs);
        Ok(Form {
            csrf: raw.get("csrf"),
            data,
            raw,
        })
    }
}

/// An upload form (multipart) of a logged-in page, its CSRF token checked before any file is read:
/// the token must be the form's first field (the templates open every upload form with
/// `m::csrf()`, and browsers send fields in the form's order). A form whose first field is not the
/// session's token, or that cannot be read as a multipart form at all, is refused as forged (403)
/// with nothing read beyond the token; the handler reads the remaining fields.
pub struct UploadForm(pub axum::extract::Multipart);

/// The most of a token field read: a session's token is far shorter.
const TOKEN_MAX: usize = 256;

impl<S: Send + Sync> axum::extract::FromRequest<S> for UploadForm {
    type Rejection = Response;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        let forged = || PageError(AppError::Forbidden(super::STALE_FORM.into())).into_response();
        let Some(SessionToken(expected)) = req.extensions().get::<SessionToken>().cloned() else {
            return Err(forged());
        };
        let mut mp = axum::extract::Multipart::from_request(req, state)
            .await
            .map_err(|_| forged())?;
        let mut sent = Vec::new();
        {
            let Ok(Some(mut field)) = mp.next_field().await else {
                return Err(forged());
            };
            if field.name() != Some("csrf") || field.file_name().is_some() {
                return Err(forged());
            }
            while let Some(chunk) = field.chunk().await.map_err(|_| forged())? {
                sent.extend_from_slice(&chunk);
                if sent.len() > TOKEN_MAX {
                    return Err(forged());
                }
            }
        }
        let sent = std::str::from_utf8(&sent).ok().map(str::trim);
        if sent != Some(expected.as_str()) {
            return Err(forged());
        }
        Ok(UploadForm(mp))
    }
}

/// A form that may carry files, as sent: urlencoded (no files), or multipart with files
/// (`file_<material>` fields). The multipart form of a logged-in page has its CSRF token checked
/// before any file is read ([`UploadForm`]); an anonymous public form has no session and no token.
pub enum FilesForm {
    Plain(RawForm),
    Upload(axum::extract::Multipart),
}

impl<S: Send + Sync> axum::extract::FromRequest<S> for FilesForm {
    type Rejection = Response;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Response> {
        let multipart = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        if !multipart {
            return RawForm::from_request(req, state)
                .await
                .map(FilesForm::Plain);
        }
        if req.extensions().get::<SessionToken>().is_some() {
            let UploadForm(mp) = UploadForm::from_request(req, state).await?;
            return Ok(FilesForm::Upload(mp));
        }
        axum::extract::Multipart::from_request(req, state)
            .await
            .map(FilesForm::Upload)
            .map_err(|e| {
                PageError(AppError::invalid(format!(
                    "上传内容无法读取：{}",
                    e.body_text()
                )))
                .into_response()
            })
    }
}

impl FilesForm {
    /// The fields and the files sent; a file refused (type, size) is left out and its message put
    /// beside its field in `errors`. `page` checks a plain form's token (`None`: an anonymous form).
    pub async fn read(
        self,
        page: Option<&super::Page>,
        errors: &mut FieldErrors,
    ) -> Result<(FormData, Vec<yiyin_app::cases::Upload>), PageError> {
        match self {
            FilesForm::Plain(form) => {
                if let Some(page) = page {
                    page.check_csrf(&form)?;
                }
                Ok((form.raw, Vec::new()))
            }
            FilesForm::Upload(mp) => Ok(super::applicant::read_multipart(mp, errors).await?),
        }
    }
}

/// A form whose fields the handler reads by name (a form with no fields beyond its token, or
/// echoed as typed).
pub type RawForm = Form<serde::de::IgnoredAny>;

/// Errors of a form, by field name, shown beside each field.
#[derive(Debug, Clone, Default)]
pub struct FieldErrors(pub Vec<(String, String)>);

impl FieldErrors {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push((field.to_string(), message.into()));
    }

    /// The message for a field ("" when none).
    pub fn of(&self, field: &str) -> String {
        self.0
            .iter()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join("；")
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Shows a refused input beside its field (`fallback` when it names none).
    pub fn add_error(&mut self, e: &AppError, fallback: &str) {
        let field = match e {
            AppError::Invalid { field: Some(f), .. } => f.as_str(),
            _ => fallback,
        };
        self.add(field, e.to_string());
    }
}

/// Whether an error is a refusal the sender can put right on the form (bad input, a rule of the
/// law, a stale version, a year the working-day calendar lacks) rather than an error page.
pub fn is_refusal(e: &AppError) -> bool {
    matches!(
        e,
        AppError::Invalid { .. }
            | AppError::Refused(_)
            | AppError::Conflict(_)
            | AppError::CalendarMissing(_)
    )
}

/// Ends a form's act: success redirects to the page `ok` names with its notice; a refusal
/// ([`is_refusal`]) shows the page `again` renders with the message (422); anything else is an
/// error page.
pub async fn settle<T, Fut>(
    result: Result<T, AppError>,
    ok: impl FnOnce(T) -> (String, String),
    again: impl FnOnce(String) -> Fut,
) -> PageResult
where
    Fut: Future<Output = PageResult>,
{
    match result {
        Ok(v) => {
            let (path, notice) = ok(v);
            Ok(redirect_with(&path, &notice))
        }
        Err(e) if is_refusal(&e) => unprocessable(again(e.to_string()).await),
        Err(e) => Err(PageError(e)),
    }
}

/// Ends an act whose refusal is told as a notice on the page the form came from: success redirects
/// to the page `ok` names with its notice; an error `told` accepts redirects to `back` with
/// `prefix` and its message; anything else is an error page.
pub fn tell_back<T>(
    result: Result<T, AppError>,
    ok: impl FnOnce(T) -> (String, String),
    told: impl FnOnce(&AppError) -> bool,
    back: &str,
    prefix: &str,
) -> PageResult {
    match result {
        Ok(v) => {
            let (path, notice) = ok(v);
            Ok(redirect_with(&path, &notice))
        }
        Err(e) if told(&e) => Ok(redirect_with(back, &format!("{prefix}{e}"))),
        Err(e) => Err(PageError(e)),
    }
}
