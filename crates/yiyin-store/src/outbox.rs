//! The outboxes a background worker sends from — pushes to the supervising departments' systems
//! ([`crate::pushes`]) and notices to applicants ([`crate::notifications`]) — and the one way a
//! worker takes an entry for sending and records how it went: a lease, so that of several servers
//! only one sends an entry at a time, and the outcome under that lease.

use yiyin_domain::supervision::RetryPolicy;

use crate::rows::sql;
use crate::{Result, WriteTx};

/// An outbox a worker sends from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outbox {
    /// Pushes to the supervising departments' systems.
    Pushes,
    /// SMS and e-mail notices to applicants.
    Notices,
}

impl Outbox {
    /// Takes entry `$2` until `$1` when it is due at `$3` (not sent, not dead, past its back-off)
    /// and no other lease runs.
    fn claim_sql(self) -> &'static str {
        match self {
            Outbox::Pushes => {
                "UPDATE pushes SET lease_until = $1
                 WHERE id = $2 AND status = 'pending' AND next_attempt_at <= $3 AND lease_until <= $3"
            }
            Outbox::Notices => {
                "UPDATE notification_outbox SET lease_until = $1
                 WHERE id = $2 AND sent_at IS NULL AND dead = 0 AND next_attempt_at <= $3 AND lease_until <= $3"
            }
        }
    }
}

impl WriteTx {
    /// Takes an entry for sending until `now + lease_ms`: the lease (its end, in milliseconds) to
    /// hand back with the outcome, or None when the entry is not (or no longer) due — sent, dead,
    /// waiting out its back-off — or another server holds it. Leases only grow: a new one starts
    /// after the last ran out, so it names its holder. A server that dies while sending leaves the
    /// lease to run out, and the entry is sent again under its idempotency key (the receiver, the
    /// department's system or the SMS gateway, drops the repeat).
    pub async fn claim_lease(
        &mut self,
        outbox: Outbox,
        id: i64,
        now: i64,
        lease_ms: i64,
    ) -> Result<Option<i64>> {
        let lease = now + lease_ms.max(1);
        let claimed = sql!(outbox.claim_sql(); lease, id, now)
            .changed_one(&mut **self)
            .await?;
        Ok(claimed.then_some(lease))
    }

    /// Records how sending an entry under `lease` went: sent (never undone), or failed — retried
    /// after `policy`'s back-off, or kept dead when exhausted; a failure whose lease was taken over
    /// changes nothing.
    pub async fn settle(
        &mut self,
        outbox: Outbox,
        id: i64,
        lease: i64,
        now: i64,
        outcome: std::result::Result<(), &str>,
        policy: &RetryPolicy,
    ) -> Result<()> {
        match (outbox, outcome) {
            (Outbox::Pushes, Ok(())) => self.delivery_succeeded(id, now).await,
            (Outbox::Pushes, Err(error)) => self
                .delivery_failed(id, lease, now, error, policy)
                .await
                .map(drop),
            (Outbox::Notices, Ok(())) => self.notification_sent(id, now).await,
            (Outbox::Notices, Err(error)) => self
                .notification_failed(id, lease, now, error, policy)
                .await
                .map(drop),
        }
    }
}
