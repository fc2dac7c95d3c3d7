//! The system's append-only event log, hash-chained with SM3.
//!
//! Every change of a case (and every other act worth auditing) is an event appended in the same
//! transaction as the change. Each event's hash is SM3 over the previous hash and the event's fields;
//! appending locks the single `chain_head` row, so concurrent writers (threads or app servers) queue
//! and the chain never forks. The application layer's audit recomputes every link with
//! [`Event::expected_hash`] and names the first broken one.

use chrono::{DateTime, Utc};
use serde::Serialize;
use yiyin_domain::party::Actor;

use crate::rows::{insert, record, select, sql};
use crate::{Result, Store, WriteTx};

/// An event to append.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub case_id: Option<i64>,
    pub jurisdiction: String,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub actor_account: Option<i64>,
    /// `window`, `online`, `township`, `village`, `system`, `cli` …
    pub channel: String,
    pub action: String,
    pub reason: String,
    pub data: serde_json::Value,
}

impl NewEvent {
    /// An event by `actor` at `at`.
    pub fn new(
        actor: &Actor,
        at: DateTime<Utc>,
        jurisdiction: &str,
        case_id: Option<i64>,
        action: &str,
        reason: impl Into<String>,
        data: serde_json::Value,
    ) -> Self {
        NewEvent {
            case_id,
            jurisdiction: jurisdiction.to_string(),
            at,
            actor: actor.name.clone(),
            actor_account: actor.account,
            channel: actor.channel.code().into(),
            action: action.into(),
            reason: reason.into(),
            data,
        }
    }
}

record! {
    /// A stored event.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct Event {
        pub seq: i64,
        pub case_id: Option<i64>,
        pub jurisdiction: String,
        /// Milliseconds since the Unix epoch.
        pub at: i64,
        pub actor: String,
        pub actor_account: Option<i64>,
        pub channel: String,
        pub action: String,
        pub reason: String,
        /// JSON text of the event's details.
        pub data: String,
        pub prev_hash: String,
        pub hash: String,
    }
}

/// The all-zero hash before the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

impl Event {
    /// The hash this event should have after `prev`: SM3 over the previous hash and every field,
    /// separated by the unit separator.
    pub fn expected_hash(&self, prev: &str) -> String {
        let opt = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
        let text = [
            prev,
            &self.seq.to_string(),
            &opt(self.case_id),
            &self.jurisdiction,
            &self.at.to_string(),
            &self.actor,
            &opt(self.actor_account),
            &self.channel,
            &self.action,
            &self.reason,
            &self.data,
        ]
        .join("\u{1f}");
        sm3_hex(text.as_bytes())
    }
}

fn sm3_hex(data: &[u8]) -> String {
    use sm3::Digest;
    sm3::Sm3::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl WriteTx {
    /// Appends events to the chain in this transaction; returns their sequence numbers.
    pub async fn append_events(&mut self, events: &[NewEvent]) -> Result<Vec<i64>> {
        append(self, events).await
    }
}

/// Appends events inside the caller's transaction; returns their sequence numbers.
async fn append(conn: &mut sqlx::AnyConnection, events: &[NewEvent]) -> Result<Vec<i64>> {
    if events.is_empty() {
        return Ok(vec![]);
    }
    // Taking the row lock first (an UPDATE) makes every appender wait for the one before it, on
    // PostgreSQL as on SQLite.
    sql!("UPDATE chain_head SET locked_at = $1 WHERE id = 1"; Utc::now().timestamp_millis())
        .run(&mut *conn)
        .await?;
    let (mut seq, mut prev): (i64, String) = sql!("SELECT seq, hash FROM chain_head WHERE id = 1")
        .one(&mut *conn)
        .await?;
    let mut out = Vec::with_capacity(events.len());
    for e in events {
        seq += 1;
        let mut stored = Event {
            seq,
            case_id: e.case_id,
            jurisdiction: e.jurisdiction.clone(),
            at: e.at.timestamp_millis(),
            actor: e.actor.clone(),
            actor_account: e.actor_account,
            channel: e.channel.clone(),
            action: e.action.clone(),
            reason: e.reason.clone(),
            data: serde_json::to_string(&e.data).expect("event data serialises"),
            prev_hash: prev.clone(),
            hash: String::new(),
        };
        stored.hash = stored.expected_hash(&prev);
        insert!("events", stored;
            seq, case_id, jurisdiction, at, actor, actor_account, channel, action, reason, data,
            prev_hash, hash)
        .run(&mut *conn)
        .await?;
        out.push(seq);
        prev = stored.hash;
    }
    sql!("UPDATE chain_head SET seq = $1, hash = $2 WHERE id = 1"; seq, &prev)
        .run(&mut *conn)
        .await?;
    Ok(out)
}

/// What a check of the chain found.
impl Store {
    /// The events of one case, in order.
    pub async fn case_events(&self, case_id: i64) -> Result<Vec<Event>> {
        sql!(select::<Event>("events WHERE case_id = $1 ORDER BY seq"); case_id)
            .all(self.reader())
            .await
    }

    /// Up to `limit` events from `seq` on, in order (for checking the chain page by page).
    pub async fn events_from(&self, seq: i64, limit: i64) -> Result<Vec<Event>> {
        sql!(select::<Event>("events WHERE seq >= $1 ORDER BY seq LIMIT $2"); seq, limit)
            .all(self.reader())
            .await
    }

    /// The head of the chain: (seq, hash) of the last event.
    pub async fn chain_head(&self) -> Result<(i64, String)> {
        sql!("SELECT seq, hash FROM chain_head WHERE id = 1")
            .one(self.reader())
            .await
    }

    /// The hash of the event `seq`, if it exists.
    pub async fn event_hash(&self, seq: i64) -> Result<Option<String>> {
        sql!("SELECT hash FROM events WHERE seq = $1"; seq)
            .optional_scalar(self.reader())
            .await
    }
}
