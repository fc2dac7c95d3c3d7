//! The application layer's one error type. Every error has a stable code and a Chinese message; a
//! refusal by the law also names its rule, bad input names its field. Errors of the layers below are
//! mapped here, once: the store's data terms become the user's words, and what the user should not
//! see (a database's message, a file path) is kept for the log.

use yiyin_domain::calendar::CalendarError;
use yiyin_domain::engine::{EngineError, Refusal};
use yiyin_domain::labels::Labelled;
use yiyin_store::{Conflict, Missing, StoreError};

#[derive(Debug, Clone, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    NotFound(String),
    /// Bad input: what was wrong, and the field when there is one.
    #[error("{message}")]
    Invalid {
        field: Option<String>,
        message: String,
    },
    /// An action the law (or a policy) forbids.
    #[error("{}", .0.message)]
    Refused(Refusal),
    #[error("{0}")]
    Conflict(String),
    #[error("请先登录")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    /// A deadline reaches a year the working-day calendar lacks.
    #[error("{0}")]
    CalendarMissing(String),
    /// Too many attempts: wait and try again.
    #[error("{0}")]
    TooMany(String),
    #[error("{0}")]
    Unavailable(String),
    /// Too many attempts from one address or on one login (throttled before any work is done).
    #[error("请求过于频繁，请稍后再试")]
    RateLimited { retry_after_secs: u64 },
    /// Every core is busy checking passwords and the wait ran out: the server is not down, just
    /// full.
    #[error("登录的人较多，服务器繁忙，请稍后再试")]
    Busy { retry_after_secs: u64 },
    #[error("服务器内部错误，请稍后重试；如持续出现请联系系统管理员")]
    Internal(String),
}

impl AppError {
    /// Bad input, not about one field.
    pub fn invalid(message: impl Into<String>) -> Self {
        AppError::Invalid {
            field: None,
            message: message.into(),
        }
    }

    /// Bad input in a field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid {
            field: Some(field.to_string()),
            message: message.into(),
        }
    }

    /// A field's choice among a labelled enum's values (its code or Chinese word); an unknown one is
    /// bad input in that field, `message` given the accepted words.
    pub fn choice<T: Labelled>(
        field: &str,
        text: &str,
        message: impl FnOnce(String) -> String,
    ) -> Result<T> {
        T::parse(text.trim()).ok_or_else(|| AppError::field(field, message(T::choices())))
    }

    pub fn internal(e: impl std::fmt::Display) -> Self {
        AppError::Internal(e.to_string())
    }

    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound(_) => "not_found",
            AppError::Invalid { .. } => "invalid_input",
            AppError::Refused(_) => "rule_refused",
            AppError::Conflict(_) => "conflict",
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden(_) => "forbidden",
            AppError::CalendarMissing(_) => "calendar_missing",
            AppError::TooMany(_) => "too_many_requests",
            AppError::Unavailable(_) => "unavailable",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::Busy { .. } => "busy",
            AppError::Internal(_) => "internal",
        }
    }

    /// How many seconds to wait before trying again (the `Retry-After` of a throttled or busy
    /// answer).
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            AppError::RateLimited { retry_after_secs } | AppError::Busy { retry_after_secs } => {
                Some(*retry_after_secs)
            }
            _ => None,
        }
    }

    /// What names the problem more precisely: the rule refused, or the field.
    pub fn details(&self) -> Vec<String> {
        match self {
            AppError::Refused(r) => vec![r.rule.clone()],
            AppError::Invalid { field: Some(f), .. } => vec![f.clone()],
            _ => vec![],
        }
    }
}

/// The user's words for a record that is not there.
fn missing(m: &Missing) -> String {
    match m {
        Missing::Jurisdiction(c) => format!("没有代码为「{c}」的县区"),
        Missing::Item { code, .. } => format!("没有编码为「{code}」的事项"),
        Missing::Draft { code, .. } => format!("事项「{code}」没有待发布的草稿"),
        Missing::Account(id) => format!("没有编号为{id}的账号"),
        Missing::Case(id) => format!("没有编号为{id}的办件"),
        Missing::Document(id) => format!("没有编号为{id}的文书"),
        Missing::Attachment(id) => format!("没有编号为{id}的附件"),
        Missing::Licence(id) => format!("没有证照编号为「{id}」的证照"),
        Missing::Act(id) => format!("没有编号为{id}的证照事项"),
        Missing::Push(id) => format!("没有编号为{id}的推送"),
        Missing::VerificationTask(id) => format!("没有编号为{id}的承诺核查任务"),
        Missing::CreditRecord(id) => format!("没有编号为{id}的信用记录"),
        Missing::Plan(id) => format!("没有编号为{id}的抽查计划"),
        Missing::Seal(id) => format!("没有编号为{id}的印章"),
    }
}

/// The user's words for a write that lost to another.
fn conflict(c: &Conflict) -> String {
    match c {
        Conflict::StaleCase {
            number,
            current,
            seen,
        } => format!(
            "办件{number}已被他人更新（当前第{current}版，您看到的是第{seen}版），请刷新后重试"
        ),
        Conflict::Changed("licence act") => "该事项已被他人办理，请刷新后重试".into(),
        Conflict::Changed("push") => "该推送已被他人重新投递，请刷新后查看".into(),
        Conflict::Changed("inspection plan") => "该计划刚被他人抽取".into(),
        Conflict::Changed("verification task") => "该核查任务已被他人更新，请刷新后重试".into(),
        Conflict::Changed("credit record") => "该信用记录已经修复".into(),
        Conflict::Changed(_) => "数据刚被他人更新，请刷新后重试".into(),
        Conflict::Taken {
            what: "login",
            value,
        } => format!("登录名「{value}」已被使用"),
        Conflict::Taken {
            what: "inspection result",
            ..
        } => "该检查对象的结果已经录入".into(),
        Conflict::Taken {
            what: "item version",
            ..
        } => "该事项的新版本已由他人同时发布，请刷新后重试".into(),
        Conflict::Taken { .. } => "该记录已存在".into(),
        Conflict::Commit(_) => "保存失败（数据库提交未完成），请重试".into(),
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(m) => AppError::NotFound(missing(&m)),
            StoreError::Conflict(c) => AppError::Conflict(conflict(&c)),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<Refusal> for AppError {
    fn from(r: Refusal) -> Self {
        AppError::Refused(r)
    }
}

impl From<yiyin_domain::text::TextError> for AppError {
    fn from(e: yiyin_domain::text::TextError) -> Self {
        AppError::Invalid {
            message: e.to_string(),
            field: Some(e.field),
        }
    }
}

impl From<CalendarError> for AppError {
    fn from(e: CalendarError) -> Self {
        AppError::CalendarMissing(e.to_string())
    }
}

impl From<EngineError> for AppError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Refused(r) => AppError::Refused(r),
            EngineError::Calendar(c) => c.into(),
        }
    }
}

impl From<yiyin_blobs::BlobError> for AppError {
    fn from(e: yiyin_blobs::BlobError) -> Self {
        use yiyin_blobs::BlobError as B;
        match e {
            B::NotFound(m) => AppError::NotFound(m),
            B::BadDigest(m) => AppError::invalid(m),
            B::Unavailable { .. } => {
                tracing::error!(error = %e, "blob store unavailable");
                AppError::Unavailable("文件存储暂时无法访问，请稍后重试".into())
            }
            other => AppError::Internal(other.to_string()),
        }
    }
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;
