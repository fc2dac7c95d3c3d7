//! Reading rows into typed records, once: [`Column`] decodes one column of either database into the
//! type the record holds — dates kept as `YYYY-MM-DD` text become `NaiveDate`, flags kept as 0/1
//! become `bool`, the labelled enums of the domain are parsed from their codes, JSON text is parsed —
//! and a column that does not decode is corrupt data, never a silent default. [`from_row!`] writes a
//! record's `sqlx::FromRow` from its field names. [`Filtered`] puts a query together from the
//! filters given, with placeholders both databases accept.

use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use sqlx::Row;
use sqlx::any::AnyRow;
use yiyin_domain::calendar::parse_date;

/// One column decoded into the type a record holds.
pub trait Column: Sized {
    fn get(row: &AnyRow, column: &str) -> Result<Self, sqlx::Error>;
}

fn corrupt(column: &str, what: impl std::fmt::Display) -> sqlx::Error {
    sqlx::Error::ColumnDecode {
        index: column.to_string(),
        source: what.to_string().into(),
    }
}

macro_rules! plain_columns {
    ($($t:ty),*) => {$(
        impl Column for $t {
            fn get(row: &AnyRow, column: &str) -> Result<Self, sqlx::Error> {
                row.try_get(column)
            }
        }
    )*};
}

plain_columns!(i64, String, Option<i64>, Option<String>);

impl Column for bool {
    /// Flags are kept as 0/1 on both databases.
    fn get(row: &AnyRow, column: &str) -> Result<Self, sqlx::Error> {
        Ok(row.try_get::<i64, _>(column)? != 0)
    }
}

impl Column for NaiveDate {
    fn get(row: &AnyRow, column: &str) -> Result<Self, sqlx::Error> {
        let text: String = row.try_get(column)?;
        parse_date(&text).map_err(|e| corrupt(column, e.0))
    }
}

impl Column for Option<NaiveDate> {
    fn get(row: &AnyRow, column: &str) -> Result<Self, sqlx::Error> {
        row.try_get::<Option<String>, _>(column)?
            .map(|text| parse_date(&text).map_err(|e| corrupt(column, e.0)))
            .transpose()
    }
}

/// A column of JSON text, parsed into `T`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned> Column for Json<T> {
    fn get(row: &AnyRow, column: &str) -> Result<Self, sqlx::Error> {
        let text: String = row.try_get(column)?;
        serde_json::from_str(&text)
            .map(Json)
            .map_err(|e| corrupt(column, e))
    }
}

impl<T: DeserializeOwned> Column for Option<Json<T>> {
    fn get(row: &AnyRow, column: &str) -> Result<Self, sqlx::Error> {
        row.try_get::<Option<String>, _>(column)?
            .map(|text| {
                serde_json::from_str(&text)
                    .map(Json)
                    .map_err(|e| corrupt(column, e))
            })
            .transpose()
    }
}

impl Column for serde_json::Value {
    fn get(row: &AnyRow, column: &str) -> Result<Self, sqlx::Error> {
        Json::<serde_json::Value>::get(row, column).map(|j| j.0)
    }
}

/// Parses a labelled enum of the domain from its stored code.
macro_rules! labelled_columns {
    ($($t:ty),* $(,)?) => {$(
        impl Column for $t {
            fn get(row: &AnyRow, column: &str) -> Result<Self, sqlx::Error> {
                let text: String = row.try_get(column)?;
                <$t>::parse(&text).ok_or_else(|| corrupt(column, format!("unknown code {text:?}")))
            }
        }
    )*};
}

labelled_columns!(
    yiyin_domain::engine::CaseState,
    yiyin_domain::catalog::HandlingMode,
    yiyin_domain::party::SubjectKind,
    yiyin_domain::party::Channel,
    yiyin_domain::roles::Role,
    yiyin_domain::licence::LicenceStatus,
    yiyin_domain::licence::ActKind,
    yiyin_domain::licence::ActState,
    yiyin_domain::supervision::PushKind,
    yiyin_domain::supervision::PushStatus,
    yiyin_domain::supervision::FindingKind,
    yiyin_domain::supervision::VerificationState,
    yiyin_domain::supervision::CreditKind,
    yiyin_domain::inspection::Risk,
    yiyin_domain::catalog::ChangeKind,
    crate::accounts::AccountKind,
);

/// `sqlx::FromRow` for a record whose fields are read by [`Column`] from the columns of the same
/// name (or the one given: `field = "column"`).
macro_rules! from_row {
    ($t:ident { $($field:ident $(= $column:literal)?),* $(,)? }) => {
        impl sqlx::FromRow<'_, sqlx::any::AnyRow> for $t {
            fn from_row(row: &sqlx::any::AnyRow) -> Result<Self, sqlx::Error> {
                Ok($t {
                    $($field: $crate::rows::Column::get(row, from_row!(@column $field $($column)?))?,)*
                })
            }
        }
    };
    (@column $field:ident) => { stringify!($field) };
    (@column $field:ident $column:literal) => { $column };
}
pub(crate) use from_row;

/// Milliseconds since the Unix epoch, the form timestamps are kept in.
pub fn millis(t: chrono::DateTime<chrono::Utc>) -> i64 {
    t.timestamp_millis()
}

/// A query put together from parts, its values bound to numbered placeholders (`$1`, `$2` …),
/// which both databases accept. (sqlx's `QueryBuilder` over `Any` writes `?`, which PostgreSQL
/// rejects.)
pub(crate) struct Filtered {
    sql: String,
    args: sqlx::any::AnyArguments<'static>,
    count: usize,
}

impl Filtered {
    pub(crate) fn new(sql: impl Into<String>) -> Self {
        Filtered {
            sql: sql.into(),
            args: Default::default(),
            count: 0,
        }
    }

    /// Appends SQL text.
    pub(crate) fn push(&mut self, sql: impl AsRef<str>) -> &mut Self {
        self.sql.push_str(sql.as_ref());
        self
    }

    /// Appends the next placeholder and binds a value to it.
    pub(crate) fn push_bind<T>(&mut self, value: T) -> &mut Self
    where
        T: 'static + Send + sqlx::Encode<'static, sqlx::Any> + sqlx::Type<sqlx::Any>,
    {
        use sqlx::Arguments;
        self.args
            .add(value)
            .expect("a value of a type both databases encode");
        self.count += 1;
        self.sql.push_str(&format!("${}", self.count));
        self
    }

    /// Runs the query and reads every row.
    pub(crate) async fn fetch_all<R>(self, pool: &sqlx::AnyPool) -> Result<Vec<R>, sqlx::Error>
    where
        R: for<'r> sqlx::FromRow<'r, AnyRow> + Send + Unpin,
    {
        sqlx::query_as_with(&self.sql, self.args)
            .fetch_all(pool)
            .await
    }
}

/// A date as kept in a column.
pub fn day(d: NaiveDate) -> String {
    yiyin_domain::calendar::fmt_date(d)
}
