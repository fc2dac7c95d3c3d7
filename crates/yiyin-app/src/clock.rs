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

/// A clock that stands still until moved (tests, rehearsal of a whole server). Its wall time (the
/// authenticator's) is its time plus how far [`FixedClock::next_code_time`] moved it on, as each
/// TOTP code is accepted only once.
#[derive(Debug)]
pub struct FixedClock {
    now: RwLock<DateTime<Utc>>,
    /// How far the wall time is ahead of `now`, and the last wall time a code was asked for.
    wall: RwLock<(chrono::Duration, Option<DateTime<Utc>>)>,
}

impl FixedClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        Self {
            now: RwLock::new(at),
            wall: RwLock::new((chrono::Duration::zero(), None)),
        }
    }

    pub fn set(&self, at: DateTime<Utc>) {
        *self.now.write().expect("clock lock") = at;
    }

    /// The wall time of a fresh authenticator code: one TOTP step (30 s) after the last one asked
    /// for, and not before the wall time. The wall time moves there (as a person waits for the
    /// next code) while [`Clock::now`] stays.
    pub fn next_code_time(&self) -> DateTime<Utc> {
        let now = self.now();
        let mut wall = self.wall.write().expect("clock lock");
        let ahead = now + wall.0;
        let at = wall.1.map_or(ahead, |last| {
            ahead.max(last + chrono::Duration::seconds(30))
        });
        *wall = (at - now, Some(at));
        at
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.read().expect("clock lock")
    }

    fn wall(&self) -> DateTime<Utc> {
        self.now() + self.wall.read().expect("clock lock").0
    }
}
