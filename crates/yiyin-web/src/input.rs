//! The one gate of input: every string of every request — the percent-decoded path and query
//! ([`check_uri`], a middleware before any route), each value and key of a JSON body
//! ([`check_json`], in [`crate::error::Body`]) and each field of a page form or multipart form
//! ([`check_pairs`], in [`crate::pages::forms::Form`]) — passes the general rule of
//! [`yiyin_domain::text`] once, on both databases alike, before it reaches the application. A
//! refusal is a Chinese `invalid_input` naming the field; nothing is stored. Fields whose type
//! knows more (names, findings) are checked again by their stricter kind in the application.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;
use yiyin_domain::text::{TextKind, check};

use crate::error::{ApiError, AppError};

/// Checks one value of the request under the general rule.
fn check_value(field: &str, value: &str) -> Result<(), AppError> {
    Ok(check(field, value, TextKind::Any)?)
}

/// Checks every key and string of a JSON value, naming each by its path (`applicant.name`,
/// `materials[2]`).
pub fn check_json(value: &serde_json::Value) -> Result<(), AppError> {
    fn walk(v: &serde_json::Value, path: &mut String) -> Result<(), AppError> {
        match v {
            serde_json::Value::String(s) => {
                check_value(if path.is_empty() { "." } else { path }, s)
            }
            serde_json::Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    walk(item, path)?;
                    path.truncate(len);
                }
                Ok(())
            }
            serde_json::Value::Object(map) => {
                for (k, item) in map {
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    // A key is shown as sent only once it is known to be clean.
                    check_value(if len == 0 { "字段名" } else { &path[..len] }, k)?;
                    path.push_str(k);
                    walk(item, path)?;
                    path.truncate(len);
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
    walk(value, &mut String::new())
}

/// Checks every name and value of a form.
pub fn check_pairs(pairs: &[(String, String)]) -> Result<(), AppError> {
    for (name, value) in pairs {
        check_value("字段名", name)?;
        check_value(name, value)?;
    }
    Ok(())
}

/// The percent-decoded path and query pairs of a request, each checked; an undecodable one is
/// refused as well.
fn check_target(uri: &axum::http::Uri) -> Result<(), AppError> {
    let path = percent_decode_str(uri.path())
        .decode_utf8()
        .map_err(|_| AppError::field("路径", "「路径」不是有效的UTF-8文本"))?;
    check_value("路径", &path)?;
    if let Some(query) = uri.query() {
        let pairs: Vec<(String, String)> = serde_html_form::from_str(query)
            .map_err(|_| AppError::field("查询参数", "「查询参数」无法识别"))?;
        for (name, value) in &pairs {
            check_value("查询参数", name)?;
            check_value(name, value)?;
        }
    }
    Ok(())
}

/// Middleware: refuses a request whose path or query carries a character or length the general
/// rule forbids — as JSON under `/api/`, as a page elsewhere.
pub async fn check_uri(req: Request, next: Next) -> Response {
    match check_target(req.uri()) {
        Ok(()) => next.run(req).await,
        Err(e) if req.uri().path().starts_with("/api/") => ApiError::App(e).into_response(),
        Err(e) => crate::pages::PageError(e).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(uri: &str) -> String {
        match check_target(&uri.parse().unwrap()) {
            Err(AppError::Invalid { message, .. }) => message,
            other => panic!("{uri}: {other:?}"),
        }
    }

    #[test]
    fn the_decoded_path_and_query_are_checked() {
        assert!(refused("/j/%00").starts_with("「路径」含有不允许的控制字符（U+0000）"));
        assert!(refused("/api/v1/verify?number=%00").starts_with("「number」含有"));
        assert!(refused("/api/v1/verify?number=a%E2%80%AEb").contains("文字方向"));
        assert!(refused("/j/%FF").contains("UTF-8"));
        check_target(&"/api/v1/verify?number=%E5%BC%A0%20x+y".parse().unwrap()).unwrap();
    }

    #[test]
    fn json_values_and_keys_are_named_by_their_path() {
        let v =
            serde_json::json!({"applicant": {"name": "张\u{0}三"}, "materials": ["a", "\u{202E}"]});
        let Err(AppError::Invalid { field, .. }) = check_json(&v) else {
            panic!()
        };
        assert_eq!(field.as_deref(), Some("applicant.name"));
        let v = serde_json::json!({"materials": ["a", "b\u{202E}"]});
        let Err(AppError::Invalid { field, .. }) = check_json(&v) else {
            panic!()
        };
        assert_eq!(field.as_deref(), Some("materials[1]"));
    }
}
