//! Background work beside the server, every minute: deem accepted the applications whose intake
//! window passed without an outcome (Art. 32(4)); warn of deferred materials not supplied by their
//! date; deem granted the renewals undecided at expiry (Art. 50) and expire licences past their end;
//! build the archive packages of closed cases; publish the day's signed chain head. (Pushes are
//! delivered by [`crate::delivery`], every few seconds.) Safe with several app servers: each case is written under its
//! version, once; a package and a day's head are registered once.

use std::time::Duration;

use crate::state::AppState;

/// How often the sweep runs.
pub const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// Runs the sweeps until the task is dropped.
pub async fn run(state: AppState) {
    let mut tick = tokio::time::interval(SWEEP_EVERY);
    loop {
        tick.tick().await;
        sweep_once(&state).await;
    }
}

/// Packages built per sweep, so that a backlog never holds the task for long.
const ARCHIVE_BATCH: i64 = 50;

/// One round of every sweep; errors are logged, never fatal. Returns the cases deemed accepted.
pub async fn sweep_once(state: &AppState) -> usize {
    let deemed = intake_sweep(state).await;
    match crate::archiving::archive_sweep(state, ARCHIVE_BATCH).await {
        Ok(n) if n > 0 => tracing::info!(cases = n, "archive packages built"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "archive sweep failed"),
    }
    match state.sweep_time().await {
        Ok((warnings, deemed_renewals, expiries)) => {
            if warnings + deemed_renewals + expiries > 0 {
                tracing::info!(
                    warnings,
                    deemed_renewals,
                    expiries,
                    "licence and deferral sweep"
                );
            }
        }
        Err(e) => tracing::warn!(error = %e, "licence and deferral sweep failed"),
    }
    match crate::archiving::publish_head(state).await {
        Ok(Some(head)) => tracing::info!(day = %head.day, seq = head.seq, "chain head published"),
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, "chain head not published"),
    }
    deemed
}

async fn intake_sweep(state: &AppState) -> usize {
    match state.sweep().await {
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
    }
}
