//! The background work beside the server: every minute, reread the calendar years, the organisation
//! and the township delegations changed since last read ([`crate::settings_sync`]),
//! bring the seals in line with the
//! organisation (a rename or an end taking effect that day), deem accepted the applications whose intake
//! window passed without an outcome (Art. 32(4)), a bundle (一件事) with its member cases; warn of deferred materials not supplied by their
//! date; deem granted the renewals undecided at expiry (Art. 50) and expire licences past their end;
//! build the archive packages of closed cases; issue the monitoring cards due
//! ([`crate::monitoring`]); publish the day's signed chain head. Every few
//! seconds, deliver the pushes due ([`crate::delivery`]), have the documents waiting for a county's own
//! e-seal system signed ([`crate::signer`]) and send the notices due
//! ([`crate::notifications`]; the staff's 即将超期 notices are written by the minute's sweep). Safe with several app servers: each case
//! is written under its version, once; a package and a day's head are registered once; a push is
//! claimed with a lease, and so is the
//! building of a package (a case that fails is tried again after a back-off, the others go on).

use std::time::Duration;

use crate::App;

/// How often the sweeps run.
pub const SWEEP_EVERY: Duration = Duration::from_secs(60);
/// Packages built per sweep, so that a backlog never holds the worker for long.
const ARCHIVE_BATCH: i64 = 50;

/// The background tasks of a server; they stop when this is dropped.
#[derive(Debug)]
pub struct Workers {
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Workers {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Starts the sweeps and the deliveries.
pub fn spawn(app: &App) -> Workers {
    let sweeps = {
        let app = app.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(SWEEP_EVERY);
            loop {
                tick.tick().await;
                sweep_once(&app).await;
            }
        })
    };
    let deliveries = {
        let app = app.clone();
        tokio::spawn(crate::delivery::run(app))
    };
    let notices = {
        let app = app.clone();
        tokio::spawn(crate::notifications::run(app))
    };
    let sealing = {
        let app = app.clone();
        tokio::spawn(crate::signer::run(app))
    };
    Workers {
        tasks: vec![sweeps, deliveries, notices, sealing],
    }
}

/// One round of every sweep; errors are logged, never fatal. Returns the cases deemed accepted.
pub async fn sweep_once(app: &App) -> usize {
    let now = app.now();
    // The settings each server keeps in memory: a change made on another server reaches this one
    // (before each request too, on PostgreSQL: `settings_sync`).
    if let Err(e) = app.sync_settings().await {
        tracing::warn!(error = %e, "settings reread failed");
    }
    // Then the seals: a rename effective today signs today's documents under the new name.
    match app.refresh_seals().await {
        Ok(n) if n > 0 => tracing::info!(seals = n, "seals made or retired"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "seal refresh failed"),
    }
    let deemed = match app.sweep_intake(now).await {
        Ok(n) => {
            if n > 0 {
                tracing::info!(cases = n, "deemed accepted");
            }
            n
        }
        Err(e) => {
            tracing::warn!(error = %e, "intake sweep failed");
            0
        }
    };
    match app.archive_sweep(ARCHIVE_BATCH).await {
        Ok(n) if n > 0 => tracing::info!(cases = n, "archive packages built"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "archive sweep failed"),
    }
    match app.sweep_deferred(now).await {
        Ok(n) if n > 0 => tracing::info!(warnings = n, "deferred materials overdue"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "deferral sweep failed"),
    }
    match app.sweep_cards(now).await {
        Ok(n) if n > 0 => tracing::info!(cards = n, "monitoring cards issued"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "monitoring sweep failed"),
    }
    match app.sweep_conduct_cards(now).await {
        Ok(n) if n > 0 => tracing::info!(cards = n, "conduct cards issued"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "conduct monitoring sweep failed"),
    }
    match app.sweep_deadlines(now).await {
        Ok(n) if n > 0 => tracing::info!(cases = n, "deadline notices written"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "deadline sweep failed"),
    }
    match app.sweep_licences(now).await {
        Ok((d, e)) if d + e > 0 => {
            tracing::info!(deemed_renewals = d, expiries = e, "licence sweep")
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "licence sweep failed"),
    }
    match app.publish_head().await {
        Ok(Some(head)) => tracing::info!(day = %head.day, seq = head.seq, "chain head published"),
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, "chain head not published"),
    }
    deemed
}
