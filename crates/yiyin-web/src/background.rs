//! Background work beside the server: every minute, deem accepted the applications whose intake
//! window passed without an outcome (Art. 32(4)). Safe with several app servers: each case is
//! written under its version, once.

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

/// One sweep; errors are logged, never fatal.
pub async fn sweep_once(state: &AppState) -> usize {
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
