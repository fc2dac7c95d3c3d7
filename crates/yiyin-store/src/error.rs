//! The store's one error type. It says what happened in data terms — which record is missing, which
//! write lost a race, which column is corrupt — and never in the user's words: the application layer
//! maps each variant once to a stable code and a Chinese message.

use std::fmt;

/// What a lookup did not find.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Missing {
    Jurisdiction(String),
    Item { jurisdiction: String, code: String },
    Draft { jurisdiction: String, code: String },
    Account(i64),
    Case(i64),
    Document(i64),
    Attachment(i64),
    Licence(String),
    Act(i64),
    Push(i64),
    VerificationTask(i64),
    CreditRecord(i64),
    Plan(i64),
    Seal(i64),
}

impl fmt::Display for Missing {
    /// A plain description for logs (the application layer words it for users).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Missing::Jurisdiction(c) => write!(f, "jurisdiction {c}"),
            Missing::Item { jurisdiction, code } => write!(f, "item {jurisdiction}/{code}"),
            Missing::Draft { jurisdiction, code } => write!(f, "draft {jurisdiction}/{code}"),
            Missing::Account(id) => write!(f, "account {id}"),
            Missing::Case(id) => write!(f, "case {id}"),
            Missing::Document(id) => write!(f, "document {id}"),
            Missing::Attachment(id) => write!(f, "attachment {id}"),
            Missing::Licence(id) => write!(f, "licence {id}"),
            Missing::Act(id) => write!(f, "licence act {id}"),
            Missing::Push(id) => write!(f, "push {id}"),
            Missing::VerificationTask(id) => write!(f, "verification task {id}"),
            Missing::CreditRecord(id) => write!(f, "credit record {id}"),
            Missing::Plan(id) => write!(f, "inspection plan {id}"),
            Missing::Seal(id) => write!(f, "seal {id}"),
        }
    }
}

/// Which write lost to another one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    /// The case changed since the version the writer read.
    StaleCase {
        number: String,
        current: i64,
        seen: i64,
    },
    /// A record changed under the writer (someone else acted first); `what` names it.
    Changed(&'static str),
    /// A unique value is taken; `what` names the field.
    Taken { what: &'static str, value: String },
    /// A group commit failed (SQLite): nothing of it was kept.
    Commit(String),
}

/// The store's error.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database URL not recognised: {0}")]
    BadUrl(String),
    #[error("database: {0}")]
    Database(sqlx::Error),
    #[error("not found: {0}")]
    NotFound(Missing),
    #[error("conflict: {0:?}")]
    Conflict(Conflict),
    #[error("corrupt data: {0}")]
    Corrupt(String),
    /// A released migration was edited, or the database is newer than this build: the server must
    /// not start. The message is the operator's, in Chinese.
    #[error("{0}")]
    Schema(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::ColumnDecode { index, source } => {
                StoreError::Corrupt(format!("column {index}: {source}"))
            }
            sqlx::Error::Decode(source) => StoreError::Corrupt(source.to_string()),
            other => StoreError::Database(other),
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}

impl StoreError {
    /// Whether the error is a unique-constraint violation (someone else wrote first).
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(e)) => e.is_unique_violation(),
            StoreError::Conflict(Conflict::Taken { .. }) => true,
            _ => false,
        }
    }

    /// Whether another writer got there first (retrying may succeed).
    pub fn is_conflict(&self) -> bool {
        matches!(self, StoreError::Conflict(_)) || self.is_unique_violation()
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
