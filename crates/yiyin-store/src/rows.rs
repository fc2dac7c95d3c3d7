//! Reading rows into typed records and writing statements, once: [`Column`] decodes one column of
//! either database into the type the record holds — dates kept as `YYYY-MM-DD` text become
//! `NaiveDate`, flags kept as 0/1 become `bool`, the labelled enums of the domain are parsed from
//! their codes, JSON text is parsed — and a column that does not decode is corrupt data, never a
//! silent default. `record!` declares a record with its `sqlx::FromRow` and its columns from one
//! list of fields. `Statement` is a statement with its values, on placeholders both databases
//! accept: `sql!` writes one with its values in one call, `insert!` an `INSERT` from its columns
//! each beside its value; it reads rows as records or single values, and a missing row as
//! [`StoreError::NotFound`].

use std::borrow::Cow;

use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::error::BoxDynError;
use sqlx::{Any, Executor, Row};
use yiyin_domain::calendar::parse_date;

use crate::{Conflict, Missing, StoreError};

/// One column decoded into the type a record holds.
pub trait Column: Sized {
    fn get(row: &AnyRow, column: &str) -> Result<Self, sqlx::Error>;
}

pub(crate) fn corrupt(column: &str, what: impl std::fmt::Display) -> sqlx::Error {
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

/// Reads a labelled enum of the domain (or another coded value) from its stored code with `parse`.
pub(crate) fn coded<T>(
    row: &AnyRow,
    column: &str,
    parse: fn(&str) -> Option<T>,
) -> Result<T, sqlx::Error> {
    let text = <String as Column>::get(row, column)?;
    parse(&text).ok_or_else(|| corrupt(column, format!("unknown code {text:?}")))
}

/// Parses a labelled enum of the domain from its stored code.
macro_rules! labelled_columns {
    ($($t:ty),* $(,)?) => {$(
        impl $crate::rows::Column for $t {
            fn get(row: &sqlx::any::AnyRow, column: &str) -> Result<Self, sqlx::Error> {
                let text: String = sqlx::Row::try_get(row, column)?;
                <$t>::parse(&text).ok_or_else(|| {
                    $crate::rows::corrupt(column, format!("unknown code {text:?}"))
                })
            }
        }
    )*};
}
pub(crate) use labelled_columns;

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
    yiyin_domain::delivery::DeliveryMethod,
    yiyin_domain::delivery::ConsentChannel,
    yiyin_domain::redress::RedressKind,
    yiyin_domain::redress::RedressState,
    yiyin_domain::redress::CountingRule,
    yiyin_domain::redress::Outcome,
);

/// JSON text parsed into a type of the domain kept whole in one column.
macro_rules! json_columns {
    ($($t:ty),* $(,)?) => {$(
        impl Column for $t {
            fn get(row: &AnyRow, column: &str) -> Result<Self, sqlx::Error> {
                Json::<$t>::get(row, column).map(|j| j.0)
            }
        }
    )*};
}

json_columns!(
    serde_json::Value,
    Vec<serde_json::Value>,
    yiyin_domain::catalog::Item,
    yiyin_domain::documents::DocumentRecord,
    yiyin_domain::licence::ActDetails,
);

/// A record read from rows by [`record!`].
pub(crate) trait Record: for<'r> sqlx::FromRow<'r, AnyRow> + Send + Unpin {
    /// The columns it is read from, in the order of its fields: what a `SELECT` names.
    const COLUMNS: &'static str;
}

/// Declares a record read from rows, its fields listed once: the struct, its `sqlx::FromRow`, each
/// field read by [`Column`] from the column of the same name (or the one given:
/// `field: Type as "column"`; or by the function given, of [`Column::get`]'s signature:
/// `field: Type = read`), and its [`Record::COLUMNS`].
macro_rules! record {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $(
                $(#[$field_meta:meta])*
                $field_vis:vis $field:ident: $t:ty $(as $column:literal)? $(= $read:path)?
            ),*
            $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis struct $name {
            $($(#[$field_meta])* $field_vis $field: $t,)*
        }

        impl sqlx::FromRow<'_, sqlx::any::AnyRow> for $name {
            fn from_row(row: &sqlx::any::AnyRow) -> Result<Self, sqlx::Error> {
                Ok($name {
                    $($field: $crate::rows::record!(@read $($read)?)(
                        row,
                        $crate::rows::record!(@column $field $($column)?),
                    )?,)*
                })
            }
        }

        impl $crate::rows::Record for $name {
            const COLUMNS: &'static str =
                $crate::rows::list(concat!($(", ", $crate::rows::record!(@column $field $($column)?)),*));
        }
    };
    (@column $field:ident) => { stringify!($field) };
    (@column $field:ident $column:literal) => { $column };
    (@read) => { $crate::rows::Column::get };
    (@read $read:path) => { $read };
}
pub(crate) use record;

/// A list written `, a, b, c` by a macro, without its leading separator.
pub(crate) const fn list(written: &'static str) -> &'static str {
    match std::str::from_utf8(written.as_bytes().split_at(2).1) {
        Ok(list) => list,
        Err(_) => panic!("a list of column names"),
    }
}

/// `SELECT` the columns of `R` `FROM` the rest (a table, its conditions and order).
pub(crate) fn select<R: Record>(from: &str) -> String {
    format!("SELECT {} FROM {from}", R::COLUMNS)
}

/// The columns of `R` of the table named `alias` in a join.
pub(crate) fn columns_of<R: Record>(alias: &str) -> String {
    let columns: Vec<String> = R::COLUMNS
        .split(", ")
        .map(|c| format!("{alias}.{c}"))
        .collect();
    columns.join(", ")
}

/// The record of `R` with this id in `table`, or [`StoreError::NotFound`] with `missing(id)`.
pub(crate) async fn by_id<'c, R: Record>(
    executor: impl Executor<'c, Database = Any>,
    table: &str,
    id: i64,
    missing: fn(i64) -> Missing,
) -> crate::Result<R> {
    sql!(select::<R>(&format!("{table} WHERE id = $1")); id)
        .found(executor, missing(id))
        .await
}

/// A record and the column selected after its own (say, `SELECT <the record's columns>, url`).
pub(crate) struct WithLast<R, T>(pub R, pub T);

impl<R, T> From<WithLast<R, T>> for (R, T) {
    fn from(w: WithLast<R, T>) -> Self {
        (w.0, w.1)
    }
}

impl<R: Record, T: Column> sqlx::FromRow<'_, AnyRow> for WithLast<R, T> {
    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        use sqlx::Column as _;
        let last = row.columns().last().map_or("", |c| c.name());
        Ok(WithLast(R::from_row(row)?, T::get(row, last)?))
    }
}

/// Milliseconds since the Unix epoch, the form timestamps are kept in.
pub fn millis(t: chrono::DateTime<chrono::Utc>) -> i64 {
    t.timestamp_millis()
}

/// A statement with the values bound to its numbered placeholders (`$1`, `$2` …, which both
/// databases accept), in order: written whole by [`sql!`] or [`insert!`], or put together from parts
/// with [`Statement::push`] and [`Statement::push_bind`] (sqlx's `QueryBuilder` over `Any` writes
/// `?`, which PostgreSQL rejects). It runs on a pool (reads) or in a [`crate::WriteTx`] (`&mut **tx`),
/// and answers in the store's terms.
pub(crate) struct Statement<'q> {
    sql: Cow<'q, str>,
    /// The values bound so far; a value that failed to encode fails the statement when it runs, as
    /// sqlx's `bind` does.
    args: Result<AnyArguments<'q>, BoxDynError>,
    count: usize,
}

impl<'q> Statement<'q> {
    pub(crate) fn new(sql: impl Into<Cow<'q, str>>) -> Self {
        Statement {
            sql: sql.into(),
            args: Ok(AnyArguments::default()),
            count: 0,
        }
    }

    /// `INSERT INTO table (columns) VALUES ($1, $2 …) rest`, a placeholder for each column.
    pub(crate) fn insert(table: &str, columns: &str, rest: &str) -> Self {
        let values: Vec<String> = (1..=columns.split(", ").count())
            .map(|n| format!("${n}"))
            .collect();
        let rest = if rest.is_empty() {
            String::new()
        } else {
            format!(" {rest}")
        };
        Statement::new(format!(
            "INSERT INTO {table} ({columns}) VALUES ({}){rest}",
            values.join(", ")
        ))
    }

    /// Binds a value to the next placeholder, already written.
    pub(crate) fn bind<T>(mut self, value: T) -> Self
    where
        T: 'q + sqlx::Encode<'q, Any> + sqlx::Type<Any>,
    {
        self.add(value);
        self
    }

    /// Appends SQL text.
    pub(crate) fn push(&mut self, sql: impl AsRef<str>) -> &mut Self {
        self.sql.to_mut().push_str(sql.as_ref());
        self
    }

    /// Appends the next placeholder and binds a value to it.
    pub(crate) fn push_bind<T>(&mut self, value: T) -> &mut Self
    where
        T: 'q + sqlx::Encode<'q, Any> + sqlx::Type<Any>,
    {
        self.add(value);
        let placeholder = format!("${}", self.count);
        self.push(placeholder)
    }

    /// Appends ` IN ($…)`, a placeholder bound to each of `values`.
    pub(crate) fn push_in<T>(&mut self, values: &[T]) -> &mut Self
    where
        T: Clone + 'q + sqlx::Encode<'q, Any> + sqlx::Type<Any>,
    {
        self.push(" IN (");
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.push_bind(v.clone());
        }
        self.push(")")
    }

    fn add<T>(&mut self, value: T)
    where
        T: 'q + sqlx::Encode<'q, Any> + sqlx::Type<Any>,
    {
        use sqlx::Arguments;
        self.count += 1;
        if let Ok(args) = &mut self.args
            && let Err(e) = args.add(value)
        {
            self.args = Err(e);
        }
    }

    /// The SQL and its values, or the error of a value that did not encode.
    fn parts(self) -> crate::Result<(Cow<'q, str>, AnyArguments<'q>)> {
        match self.args {
            Ok(args) => Ok((self.sql, args)),
            Err(e) => Err(sqlx::Error::Encode(e).into()),
        }
    }

    /// Runs it; returns how many rows it changed.
    async fn rows_changed<'c, E>(self, executor: E) -> crate::Result<u64>
    where
        E: Executor<'c, Database = Any>,
    {
        let (sql, args) = self.parts()?;
        let done = sqlx::query_with(&sql, args).execute(executor).await?;
        Ok(done.rows_affected())
    }

    /// Runs it.
    pub(crate) async fn run<'c, E>(self, executor: E) -> crate::Result<()>
    where
        E: Executor<'c, Database = Any>,
    {
        self.rows_changed(executor).await.map(drop)
    }

    /// Runs it; returns whether it changed exactly one row (an insert not ignored on conflict, an
    /// update of a row still as read).
    pub(crate) async fn changed_one<'c, E>(self, executor: E) -> crate::Result<bool>
    where
        E: Executor<'c, Database = Any>,
    {
        Ok(self.rows_changed(executor).await? == 1)
    }

    /// Runs an update of one row as read; a row no longer as read (another writer changed it
    /// first) is [`Conflict::Changed`] naming `what`.
    pub(crate) async fn run_once<'c, E>(self, executor: E, what: &'static str) -> crate::Result<()>
    where
        E: Executor<'c, Database = Any>,
    {
        if !self.changed_one(executor).await? {
            return Err(StoreError::Conflict(Conflict::Changed(what)));
        }
        Ok(())
    }

    /// The one row it reads (none is an error of the database).
    pub(crate) async fn one<'c, R, E>(self, executor: E) -> crate::Result<R>
    where
        R: for<'r> sqlx::FromRow<'r, AnyRow> + Send + Unpin,
        E: Executor<'c, Database = Any>,
    {
        let (sql, args) = self.parts()?;
        Ok(sqlx::query_as_with(&sql, args).fetch_one(executor).await?)
    }

    /// The row it reads, if any.
    pub(crate) async fn optional<'c, R, E>(self, executor: E) -> crate::Result<Option<R>>
    where
        R: for<'r> sqlx::FromRow<'r, AnyRow> + Send + Unpin,
        E: Executor<'c, Database = Any>,
    {
        let (sql, args) = self.parts()?;
        Ok(sqlx::query_as_with(&sql, args)
            .fetch_optional(executor)
            .await?)
    }

    /// The row it reads, or [`StoreError::NotFound`] naming what is missing.
    pub(crate) async fn found<'c, R, E>(self, executor: E, missing: Missing) -> crate::Result<R>
    where
        R: for<'r> sqlx::FromRow<'r, AnyRow> + Send + Unpin,
        E: Executor<'c, Database = Any>,
    {
        self.optional(executor)
            .await?
            .ok_or(StoreError::NotFound(missing))
    }

    /// Every row it reads.
    pub(crate) async fn all<'c, R, E>(self, executor: E) -> crate::Result<Vec<R>>
    where
        R: for<'r> sqlx::FromRow<'r, AnyRow> + Send + Unpin,
        E: Executor<'c, Database = Any>,
    {
        let (sql, args) = self.parts()?;
        Ok(sqlx::query_as_with(&sql, args).fetch_all(executor).await?)
    }

    /// The one value it reads (the first column of the one row).
    pub(crate) async fn scalar<'c, T, E>(self, executor: E) -> crate::Result<T>
    where
        (T,): for<'r> sqlx::FromRow<'r, AnyRow>,
        T: Send + Unpin,
        E: Executor<'c, Database = Any>,
    {
        Ok(self.one::<(T,), E>(executor).await?.0)
    }

    /// The value it reads, if a row is found.
    pub(crate) async fn optional_scalar<'c, T, E>(self, executor: E) -> crate::Result<Option<T>>
    where
        (T,): for<'r> sqlx::FromRow<'r, AnyRow>,
        T: Send + Unpin,
        E: Executor<'c, Database = Any>,
    {
        Ok(self.optional::<(T,), E>(executor).await?.map(|v| v.0))
    }

    /// The value of each row it reads.
    pub(crate) async fn scalars<'c, T, E>(self, executor: E) -> crate::Result<Vec<T>>
    where
        (T,): for<'r> sqlx::FromRow<'r, AnyRow>,
        T: Send + Unpin,
        E: Executor<'c, Database = Any>,
    {
        let rows = self.all::<(T,), E>(executor).await?;
        Ok(rows.into_iter().map(|v| v.0).collect())
    }
}

/// A [`Statement`] and its values in one call: `sql!("… WHERE a = $1 AND b = $2"; a, b)`, the
/// values in the order of their placeholders.
macro_rules! sql {
    ($sql:expr $(; $($value:expr),+ $(,)?)?) => {
        $crate::rows::Statement::new($sql)$($(.bind($value))+)?
    };
}
pub(crate) use sql;

/// An `INSERT` written from its columns, each beside its value, and what follows the values:
/// `insert!("table"; a = x, b; "RETURNING id")`. A column alone takes the variable of its name, as
/// in a struct expression; after `"table", row` it takes the field of its name of the parameter
/// struct `row`, so that a struct's fields and the columns they fill are listed once.
macro_rules! insert {
    ($table:literal, $row:ident; $($column:ident $(= $value:expr)?),+ $(,)? $(; $rest:literal)?) => {
        $crate::rows::insert!(@build $table [$($rest)?] $($column = $crate::rows::insert!(@field $row $column $($value)?)),+)
    };
    ($table:literal; $($column:ident $(= $value:expr)?),+ $(,)? $(; $rest:literal)?) => {
        $crate::rows::insert!(@build $table [$($rest)?] $($column = $crate::rows::insert!(@var $column $($value)?)),+)
    };
    (@build $table:literal [$($rest:literal)?] $($column:ident = $value:expr),+) => {
        $crate::rows::Statement::insert(
            $table,
            $crate::rows::list(concat!($(", ", stringify!($column)),+)),
            concat!("" $(, $rest)?),
        )
        $(.bind($value))+
    };
    (@field $row:ident $column:ident) => { &$row.$column };
    (@field $row:ident $column:ident $value:expr) => { $value };
    (@var $column:ident) => { $column };
    (@var $column:ident $value:expr) => { $value };
}
pub(crate) use insert;

/// A date as kept in a column.
pub fn day(d: NaiveDate) -> String {
    yiyin_domain::calendar::fmt_date(d)
}
