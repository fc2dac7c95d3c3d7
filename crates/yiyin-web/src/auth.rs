//! Who is asking: the session behind a request (a cookie for browsers, `Authorization: Bearer` for API
//! clients), and the CSRF check for cookie-authenticated writes.
//!
//! Handlers take [`Viewer`] (anyone, maybe anonymous) or [`Signed`] (a logged-in account) and ask
//! `yiyin_domain::authz` what that account may do; nothing here decides permissions.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use yiyin_domain::authz::{self, Operation, Scope};
use yiyin_domain::org::Organisation;
use yiyin_store::accounts::{Account, Session};
use yiyin_store::cases::{Actor, CaseRecord, Channel};

use crate::error::AppError;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "yiyin_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// How the session reached us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Cookie,
    Bearer,
}

/// The requester, if logged in.
#[derive(Debug, Clone)]
pub struct Viewer(pub Option<(Session, Via)>);

/// A logged-in requester.
#[derive(Debug, Clone)]
pub struct Signed {
    pub session: Session,
    pub via: Via,
}

/// The value of one cookie.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn token_of(headers: &HeaderMap) -> Option<(String, Via)> {
    if let Some(auth) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        && let Some(t) = auth.strip_prefix("Bearer ")
    {
        return Some((t.trim().to_string(), Via::Bearer));
    }
    cookie(headers, SESSION_COOKIE).map(|t| (t, Via::Cookie))
}

impl<S> FromRequestParts<S> for Viewer
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let Some((token, via)) = token_of(&parts.headers) else {
            return Ok(Viewer(None));
        };
        let session = state.store.session(&token, state.now()).await?;
        Ok(Viewer(session.map(|s| (s, via))))
    }
}

impl<S> FromRequestParts<S> for Signed
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Viewer(v) = Viewer::from_request_parts(parts, state).await?;
        let (session, via) = v.ok_or(AppError::Unauthorized)?;
        // Browsers send cookies by themselves: a write with a cookie must also carry the CSRF token.
        let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if via == Via::Cookie && unsafe_method {
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            if sent != Some(session.csrf.as_str()) {
                return Err(AppError::Forbidden(
                    "请求缺少有效的防伪令牌（X-CSRF-Token），请刷新页面后重试".into(),
                ));
            }
        }
        Ok(Signed { session, via })
    }
}

impl Signed {
    pub fn account(&self) -> &Account {
        &self.session.account
    }

    /// The actor recorded in events: the name and the roles, and the channel (the account's unit: a
    /// hall window, a township centre or a village agency point).
    pub fn actor(&self, org: &Organisation) -> Actor {
        let a = self.account();
        if a.is_staff() {
            let roles: Vec<&str> = a
                .grants
                .iter()
                .map(|g| g.role.label())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            let channel = a
                .grants
                .iter()
                .find_map(|g| {
                    let unit = g.unit.as_deref()?;
                    let j = org.jurisdiction(&g.jurisdiction)?;
                    Some(if j.township(unit).is_some() {
                        Channel::Township
                    } else if j
                        .townships
                        .iter()
                        .any(|t| t.villages.iter().any(|v| v.code == unit))
                    {
                        Channel::Village
                    } else {
                        Channel::Window
                    })
                })
                .unwrap_or(Channel::Window);
            Actor {
                name: format!("{}（{}）", a.name, roles.join("、")),
                account: Some(a.id),
                channel,
            }
        } else {
            Actor {
                name: format!("申请人 {}", a.name),
                account: Some(a.id),
                channel: Channel::Online,
            }
        }
    }

    /// Staff permission for an operation on a scope.
    pub fn require(&self, op: Operation, scope: &Scope) -> Result<(), AppError> {
        let a = self.account();
        if !a.is_staff() {
            return Err(AppError::Forbidden(format!(
                "无权{}：仅限工作人员",
                op.label()
            )));
        }
        authz::allowed(&a.grants, op, scope).map_err(|d| AppError::Forbidden(d.0))
    }

    /// Whether the account may read a case: the applicant who filed it, or staff whose duty covers it.
    pub fn may_view(&self, case: &CaseRecord) -> Result<(), AppError> {
        let a = self.account();
        if a.is_staff() {
            self.require(Operation::ViewCase, &case.scope())
        } else if case.applicant.account == Some(a.id) {
            Ok(())
        } else {
            Err(AppError::Forbidden("无权访问：这不是您本人的办件".into()))
        }
    }
}
