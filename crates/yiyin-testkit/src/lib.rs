//! Yiyin's shared test support, compiled only into tests and benchmarks (a dev-dependency; the
//! binary never contains it): [`db`] makes a fresh database of either backend and drops it after;
//! [`app`] runs the application layer on it with a clock the test moves and accounts for every
//! role; [`errors`] asserts what a use case refused and why; [`server`] serves it on a random
//! port, restartable on the same database; [`fixtures`] has the sample catalog and dates; [`web`]
//! is a client of the server's HTTP API with the cases every suite takes through it, and
//! [`browser`] the same server as a browser uses it (a session's CSRF token, forms, uploads);
//! [`scale`] fills a store with cases at scale for the statistics benchmark.
//! [`on_both!`] declares a test once per backend.

pub mod app;
pub mod browser;
pub mod bundles;
pub mod db;
pub mod errors;
pub mod fixtures;
pub mod processes;
pub mod reads;
pub mod scale;
pub mod server;
pub mod tickets;
pub mod uploads;
pub mod verify;
pub mod web;

pub use app::TestApp;
pub use app::{PASSPHRASE, PASSWORD, TOTP_SECRET};
pub use db::TestDb;
pub use fixtures::{assert_says, at, catalog, date};
pub use server::{Setup, TestServer};
pub use web::{Api, Reply};
pub use yiyin_pdf::testing::pdf_text;

/// Declares each test once per backend. With a runner, `on_both!(yiyin_testkit::app::run; a, b)`
/// calls `run(backend, a)` for `async fn a(t: TestApp)`; without, `on_both!(a, b)` calls
/// `a(backend)` for `async fn a(backend: Backend)`.
#[macro_export]
macro_rules! on_both {
    ($runner:path; $($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { $runner(yiyin_store::Backend::Sqlite, super::$name).await; })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { $runner(yiyin_store::Backend::Postgres, super::$name).await; })*
        }
    };
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(yiyin_store::Backend::Sqlite).await; })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(yiyin_store::Backend::Postgres).await; })*
        }
    };
}
