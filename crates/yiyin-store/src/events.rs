//! The system's append-only event log, hash-chained with SM3.
//!
//! Every change of a case (and every other act worth auditing) is an event appended in the same
//! transaction as the change. Each event's hash is SM3 over the previous hash and the event's fields;
//! appending locks the single `chain_head` row, so concurrent writers (threads or app servers) queue
//! and the chain never forks. [`Store::verify_chain`] recomputes every link and names the first
//! broken one.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::crypto::sm3_hex;
use crate::{Result, Store, StoreError};

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

/// Appends events inside the caller's transaction; returns their sequence numbers.
pub async fn append(conn: &mut AnyConnection, events: &[NewEvent]) -> Result<Vec<i64>> {
    if events.is_empty() {
        return Ok(vec![]);
    }
    // Taking the row lock first (an UPDATE) makes every appender wait for the one before it, on
    // PostgreSQL as on SQLite.
    sqlx::query("UPDATE chain_head SET locked_at = $1 WHERE id = 1")
        .bind(Utc::now().timestamp_millis())
        .execute(&mut *conn)
        .await?;
    let row = sqlx::query("SELECT seq, hash FROM chain_head WHERE id = 1")
        .fetch_one(&mut *conn)
        .await?;
    let mut seq: i64 = row.try_get("seq")?;
    let mut prev: String = row.try_get("hash")?;
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
        sqlx::query(
            "INSERT INTO events (seq, case_id, jurisdiction, at, actor, actor_account, channel, action, reason, data, prev_hash, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(stored.seq)
        .bind(stored.case_id)
        .bind(&stored.jurisdiction)
        .bind(stored.at)
        .bind(&stored.actor)
        .bind(stored.actor_account)
        .bind(&stored.channel)
        .bind(&stored.action)
        .bind(&stored.reason)
        .bind(&stored.data)
        .bind(&stored.prev_hash)
        .bind(&stored.hash)
        .execute(&mut *conn)
        .await?;
        out.push(seq);
        prev = stored.hash;
    }
    sqlx::query("UPDATE chain_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(seq)
        .bind(&prev)
        .execute(&mut *conn)
        .await?;
    Ok(out)
}

fn event_from_row(row: &sqlx::any::AnyRow) -> Result<Event> {
    Ok(Event {
        seq: row.try_get("seq")?,
        case_id: row.try_get("case_id")?,
        jurisdiction: row.try_get("jurisdiction")?,
        at: row.try_get("at")?,
        actor: row.try_get("actor")?,
        actor_account: row.try_get("actor_account")?,
        channel: row.try_get("channel")?,
        action: row.try_get("action")?,
        reason: row.try_get("reason")?,
        data: row.try_get("data")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

const EVENT_COLUMNS: &str = "seq, case_id, jurisdiction, at, actor, actor_account, channel, action, reason, data, prev_hash, hash";

/// What a check of the chain found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChainReport {
    pub events: i64,
    pub head_seq: i64,
    pub head_hash: String,
    /// The first broken link: its sequence number and what is wrong, in Chinese.
    pub broken: Option<(i64, String)>,
}

impl Store {
    /// The events of one case, in order.
    pub async fn case_events(&self, case_id: i64) -> Result<Vec<Event>> {
        let rows = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE case_id = $1 ORDER BY seq"
        ))
        .bind(case_id)
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(event_from_row).collect()
    }

    /// Recomputes every link of the chain, in pages, and names the first broken one: a changed
    /// event (its hash no longer matches), a deleted or inserted one (a gap or a prev-hash that does
    /// not point at its predecessor), or a head that does not match the last event.
    pub async fn verify_chain(&self) -> Result<ChainReport> {
        let head = sqlx::query("SELECT seq, hash FROM chain_head WHERE id = 1")
            .fetch_one(self.reader())
            .await?;
        let head_seq: i64 = head.try_get("seq")?;
        let head_hash: String = head.try_get("hash")?;
        let mut prev = GENESIS.to_string();
        let mut expected_seq = 1;
        let mut count = 0;
        let mut broken = None;
        'pages: loop {
            let rows = sqlx::query(&format!(
                "SELECT {EVENT_COLUMNS} FROM events WHERE seq >= $1 ORDER BY seq LIMIT 5000"
            ))
            .bind(expected_seq)
            .fetch_all(self.reader())
            .await?;
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                let e = event_from_row(row)?;
                count += 1;
                if e.seq != expected_seq {
                    broken = Some((
                        expected_seq,
                        format!(
                            "第{expected_seq}号事件缺失（已被删除），下一条为第{}号",
                            e.seq
                        ),
                    ));
                    break 'pages;
                }
                if e.prev_hash != prev {
                    broken = Some((
                        e.seq,
                        format!(
                            "第{}号事件记录的前一哈希与第{}号事件的哈希不一致（其前的事件被删除或改动）",
                            e.seq,
                            e.seq - 1
                        ),
                    ));
                    break 'pages;
                }
                if e.expected_hash(&prev) != e.hash {
                    broken = Some((
                        e.seq,
                        format!("第{}号事件的内容与其哈希不符（事件被改动）", e.seq),
                    ));
                    break 'pages;
                }
                prev = e.hash;
                expected_seq += 1;
            }
        }
        if broken.is_none() {
            if expected_seq - 1 != head_seq {
                broken = Some((
                    expected_seq,
                    format!(
                        "链头记录共有{head_seq}条事件，实际只有{}条（末尾的事件被删除）",
                        expected_seq - 1
                    ),
                ));
            } else if prev != head_hash {
                broken = Some((head_seq, "链头哈希与最后一条事件的哈希不一致".to_string()));
            }
        }
        Ok(ChainReport {
            events: count,
            head_seq,
            head_hash,
            broken,
        })
    }

    /// Appends events in their own transaction (acts that change no case).
    pub async fn append_events(&self, events: &[NewEvent]) -> Result<Vec<i64>> {
        let mut tx = self.writer().begin().await?;
        let seqs = append(&mut tx, events).await?;
        tx.commit().await?;
        Ok(seqs)
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}
