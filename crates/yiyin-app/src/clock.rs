//! Where "now" comes from: the machine's clock, a clock started at a given instant (a whole server on
//! a simulated date, for training and end-to-end tests), or one that stands still until moved.

use std::sync::RwLock;

use chrono::{DateTime, Utc};

/// Where "now" comes from.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;

    /// The time a person's authenticator app shows (TOTP codes): the machine's on a server started
    /// on a simulated date, else the same as [`Clock::now`].
    fn wall(&self) -> DateTime<Utc> {
        self.now()
    }
}

/// The machine's clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that starts at a given instant and runs from there (`yiyin serve --clock …`).
#[derive(Debug)]
pub struct OffsetClock {
    start: DateTime<Utc>,
    boot: std::time::Instant,
}

impl OffsetClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        Self {
            start,
            boot: std::time::Instant::now(),
        }
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> DateTime<Utc> {
        self.start + chrono::Duration::from_std(self.boot.elapsed()).unwrap_or_default()
    }

    fn wall(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until moved (tests, rehearsal of a whole server).
#[derive(Debug)]
pub struct FixedClock(RwLock<DateTime<Utc>>);

impl FixedClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(RwLock::new(at))
    }

    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.write().expect("clock lock") = at;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.read().expect("clock lock")
    }
}
