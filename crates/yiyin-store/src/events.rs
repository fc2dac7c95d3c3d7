//! The system's append-only event log, hash-chained with SM3, and the state each event produced.
//!
//! Every change of a case (and every other act worth auditing) is an event appended in the same
//! transaction as the change. The log is [`CHAINS`] hash chains: a case's events go to the chain of
//! its id ([`chain_of`]), so that writes of different cases never queue behind one row. Each event's
//! hash is SM3 over the previous hash in its chain and the event's fields. An event is numbered
//! (`seq`, unique over every chain: a sequence on PostgreSQL, a counter on SQLite) when appended;
//! when its transaction commits it takes its place in its chain (`pos`) under that chain's head row,
//! locked for that moment only, so a chain never forks; the events of a write are written, hashed,
//! in a few statements for all of them. The chains' heads are combined into one root
//! ([`chain_root`]), which is what the platform seal signs each day. The application layer's audit
//! recomputes every link of every chain with [`Event::expected_hash`] and names the first broken one.
//!
//! Hash encodings are versioned: version 1 (events written before migration 6) joined the fields
//! with U+001F, so text could move across a separator; version 2 hashes a length-prefixed encoding
//! of every field and carries the **state digest**: SM3 over the canonical encoding of the event's
//! case row and that case's licence rows ([`state_digest`]) as its transaction commits them (the
//! states within a transaction are never seen by anyone). A transaction that had to write its
//! events before its end (it read them) gives the last event of each case it touched the digest of
//! the rows as committed, re-hashing the links after it. So the last event of every case (the last
//! in its chain's order) must match the case's rows now: a row changed behind Yiyin's back is found
//! by the audit.

use chrono::{DateTime, Utc};
use serde::Serialize;
use yiyin_domain::party::Actor;

use crate::rows::{Statement, record, select, sql};
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
        /// The chain the event is in (1 to [`CHAINS`]).
        #[serde(default = "first_chain")]
        pub chain: i64,
        /// The event's place in its chain (the events of a chain are numbered without gaps from
        /// the chain's base on; a case's events are in order by it).
        #[serde(default)]
        pub pos: i64,
        /// How the hash is computed: 1 (fields joined with U+001F; the events before migration 6)
        /// or 2 (length-prefixed fields, the state digest included).
        #[serde(default = "first_version")]
        pub hash_version: i64,
        /// (Version 2) SM3 of the canonical encoding of the case's rows after the event.
        #[serde(default)]
        pub state_digest: Option<String>,
    }
}

fn first_version() -> i64 {
    1
}

fn first_chain() -> i64 {
    1
}

/// How many hash chains the log has (the rows of `chain_head`, migration 46).
pub const CHAINS: i64 = 16;

/// The chain of an event: a case's by the case's id, the events of no case chain 1.
pub fn chain_of(case_id: Option<i64>) -> i64 {
    case_id.map_or(1, |id| 1 + id.rem_euclid(CHAINS))
}

record! {
    /// The head of one chain: its last event's number, position and hash, and the position before
    /// its first event.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct ChainHead {
        pub chain: i64 as "id",
        /// The number of the chain's last event (0: none yet).
        pub seq: i64,
        pub pos: i64,
        pub base: i64,
        pub hash: String,
    }
}

/// The root of the chains' heads, given in chain order as (chain, position, hash): SM3 over each
/// chain's number, position and hash (what the platform seal signs each day; any head rewritten
/// changes it).
pub fn chain_root<'a>(heads: impl IntoIterator<Item = (i64, i64, &'a str)>) -> String {
    let mut bytes = b"yiyin-chain-root/1".to_vec();
    for (chain, pos, hash) in heads {
        bytes.extend_from_slice(format!("|{chain}:{pos}:{hash}").as_bytes());
    }
    sm3_hex(&bytes)
}

/// The hash encoding of the events appended now.
pub const HASH_VERSION: i64 = 2;

/// The all-zero hash before the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

impl Event {
    /// The hash this event should have after `prev`, in the encoding of its `hash_version`
    /// (an encoding this build does not know gives an empty hash, which never matches).
    pub fn expected_hash(&self, prev: &str) -> String {
        match self.hash_version {
            1 => self.hash_v1(prev),
            2 => self.hash_v2(prev),
            _ => String::new(),
        }
    }

    /// Version 1: SM3 over the previous hash and every field, separated by the unit separator.
    fn hash_v1(&self, prev: &str) -> String {
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

    /// Version 2: SM3 over a tag and every field length-prefixed (absent fields marked apart from
    /// empty ones), the state digest included.
    fn hash_v2(&self, prev: &str) -> String {
        let num = |v: i64| Some(v.to_string());
        let fields: [Option<String>; 12] = [
            Some(prev.to_string()),
            num(self.seq),
            self.case_id.map(|v| v.to_string()),
            Some(self.jurisdiction.clone()),
            num(self.at),
            Some(self.actor.clone()),
            self.actor_account.map(|v| v.to_string()),
            Some(self.channel.clone()),
            Some(self.action.clone()),
            Some(self.reason.clone()),
            Some(self.data.clone()),
            self.state_digest.clone(),
        ];
        let mut bytes = b"yiyin-event/2".to_vec();
        for field in &fields {
            match field {
                None => bytes.push(0),
                Some(text) => {
                    bytes.push(1);
                    bytes.extend_from_slice(&(text.len() as u64).to_be_bytes());
                    bytes.extend_from_slice(text.as_bytes());
                }
            }
        }
        sm3_hex(&bytes)
    }
}

/// The columns of a case row in the state encoding (version 1 of the encoding: a column added by a
/// later migration joins a new version, so old digests stay checkable). A new case row is written
/// with all of them but the id ([`crate::cases`]).
pub(crate) const CASE_COLUMNS: &[&str] = &[
    "id",
    "jurisdiction",
    "number",
    "query_code",
    "item_code",
    "item_version",
    "item_name",
    "department",
    "supervising_department",
    "handling_mode",
    "applicant_account",
    "applicant_kind",
    "applicant_name",
    "applicant_id",
    "applicant_phone",
    "channel",
    "unit",
    "state",
    "closed",
    "next_role",
    "received_on",
    "intake_due",
    "accepted_on",
    "statutory_due",
    "promised_due",
    "decided_on",
    "certificate_due",
    "due_sort",
    "body",
    "version",
    "created_at",
    "updated_at",
    "deferred_due",
];

/// The columns of a licence row in the state encoding.
const LICENCE_COLUMNS: &[&str] = &[
    "id",
    "identifier",
    "case_id",
    "jurisdiction",
    "item_code",
    "name",
    "holder",
    "holder_id",
    "issuer",
    "issuer_credit_code",
    "issued_on",
    "valid_until",
    "status",
    "version",
    "document_id",
    "updated_at",
    "risk",
    "supervising_department",
];

/// One row read as text: each column's name and value.
type TextRow = Vec<(String, Option<String>)>;

/// The rows of cases and of their licences, every column as text: one statement for both
/// tables (their columns side by side, the shorter list padded), each case's row then its
/// licences in id order.
async fn state_rows(
    conn: &mut sqlx::AnyConnection,
    ids: &[i64],
) -> Result<(Vec<(i64, TextRow)>, Vec<(i64, TextRow)>)> {
    use sqlx::Row;
    let width = CASE_COLUMNS.len().max(LICENCE_COLUMNS.len());
    let list = |columns: &[&str]| -> String {
        let mut out: Vec<String> = columns
            .iter()
            .map(|c| format!("CAST({c} AS TEXT)"))
            .collect();
        out.resize(width, "CAST(NULL AS TEXT)".into());
        out.join(", ")
    };
    let placeholders: Vec<String> = (1..=ids.len()).map(|n| format!("${n}")).collect();
    let placeholders = placeholders.join(", ");
    // `part` 0: the case's row; 1: a licence of it. `k` orders licences by id.
    let query = format!(
        "SELECT CAST(0 AS BIGINT) AS part, id AS case_key, id AS k, {} FROM cases \
           WHERE id IN ({placeholders}) \
         UNION ALL \
         SELECT CAST(1 AS BIGINT), case_id, id, {} FROM licences WHERE case_id IN ({placeholders}) \
         ORDER BY part, case_key, k",
        list(CASE_COLUMNS),
        list(LICENCE_COLUMNS),
    );
    let rows = ids
        .iter()
        .fold(sqlx::query(&query), |q, id| q.bind(*id))
        .fetch_all(&mut *conn)
        .await?;
    let (mut cases, mut licences) = (Vec::new(), Vec::new());
    for row in &rows {
        let part: i64 = row.try_get(0)?;
        let case: i64 = row.try_get(1)?;
        let columns = if part == 0 {
            CASE_COLUMNS
        } else {
            LICENCE_COLUMNS
        };
        let values = columns
            .iter()
            .enumerate()
            .map(|(i, c)| Ok((c.to_string(), row.try_get::<Option<String>, _>(i + 3)?)))
            .collect::<std::result::Result<Vec<_>, sqlx::Error>>()?;
        if part == 0 {
            cases.push((case, values));
        } else {
            licences.push((case, values));
        }
    }
    Ok((cases, licences))
}

/// At most this many cases' rows read in one statement: SQLite binds slowly past a few hundred
/// values (see the statistics' multi-row statements).
fn ids_per_statement(conn: &sqlx::AnyConnection) -> usize {
    if conn.backend_name() == "SQLite" {
        256
    } else {
        2000
    }
}

/// The SM3 digest of a case's state: the canonical encoding (JSON arrays of column names and
/// values as text, in a fixed order) of its case row and its licence rows in id order. None when
/// the case row does not exist.
pub async fn state_digest(conn: &mut sqlx::AnyConnection, case_id: i64) -> Result<Option<String>> {
    Ok(state_digests(conn, &[case_id])
        .await?
        .remove(&case_id)
        .flatten())
}

/// [`state_digest`] of several cases at once, a few statements for all (every id given is a key).
pub async fn state_digests(
    conn: &mut sqlx::AnyConnection,
    case_ids: &[i64],
) -> Result<std::collections::HashMap<i64, Option<String>>> {
    let mut out: std::collections::HashMap<i64, Option<String>> =
        case_ids.iter().map(|id| (*id, None)).collect();
    let per = ids_per_statement(conn);
    for chunk in case_ids.chunks(per) {
        let (cases, rows) = state_rows(conn, chunk).await?;
        let mut licences: std::collections::HashMap<i64, Vec<TextRow>> = Default::default();
        for (case, row) in rows {
            licences.entry(case).or_default().push(row);
        }
        for (id, case) in cases {
            let licences = licences.remove(&id).unwrap_or_default();
            let encoding = serde_json::to_vec(&("yiyin-state/1", case, licences))?;
            out.insert(id, Some(sm3_hex(&encoding)));
        }
    }
    Ok(out)
}

fn sm3_hex(data: &[u8]) -> String {
    use sm3::Digest;
    sm3::Sm3::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl WriteTx {
    /// Appends events to the log in this transaction; returns their numbers. The events are
    /// numbered now (no lock is taken) and written, each in its case's chain, hashed with the
    /// digests of their cases' rows as committed, when the transaction commits (or earlier, when
    /// the transaction reads events).
    pub async fn append_events(&mut self, events: &[NewEvent]) -> Result<Vec<i64>> {
        if events.is_empty() {
            return Ok(vec![]);
        }
        let seqs = self.draw_event_numbers(events.len()).await?;
        for (e, seq) in events.iter().zip(&seqs) {
            self.chain.pending.push(Event {
                seq: *seq,
                case_id: e.case_id,
                jurisdiction: e.jurisdiction.clone(),
                at: e.at.timestamp_millis(),
                actor: e.actor.clone(),
                actor_account: e.actor_account,
                channel: e.channel.clone(),
                action: e.action.clone(),
                reason: e.reason.clone(),
                data: serde_json::to_string(&e.data).expect("event data serialises"),
                prev_hash: String::new(),
                hash: String::new(),
                chain: chain_of(e.case_id),
                pos: 0,
                hash_version: HASH_VERSION,
                state_digest: None,
            });
        }
        Ok(seqs)
    }

    /// `n` new event numbers, in increasing order: from the sequence on PostgreSQL (no lock held
    /// past the statement), from the counter on SQLite (whose one writer takes it in turn).
    async fn draw_event_numbers(&mut self, n: usize) -> Result<Vec<i64>> {
        let n = i64::try_from(n).expect("a count of events fits");
        if self.is_sqlite() {
            let last: i64 = sql!(
                "UPDATE event_seqs SET last = last + $1 WHERE id = 1 RETURNING last"; n
            )
            .scalar(&mut **self)
            .await?;
            Ok((last - n + 1..=last).collect())
        } else {
            let mut seqs: Vec<i64> =
                sql!("SELECT nextval('event_seqs') FROM generate_series(1, $1)"; n)
                    .scalars(&mut **self)
                    .await?;
            seqs.sort_unstable();
            Ok(seqs)
        }
    }

    /// The events of a case as this transaction sees them, oldest first: those written, then
    /// those this transaction appended, which have no place in the chain nor hash until it commits
    /// (so reading them takes no lock of the chain).
    pub async fn case_events_in_tx(&mut self, case_id: i64) -> Result<Vec<Event>> {
        let mut events: Vec<Event> =
            sql!(select::<Event>("events WHERE case_id = $1 ORDER BY pos"); case_id)
                .all(&mut **self)
                .await?;
        events.extend(
            self.chain
                .pending
                .iter()
                .filter(|e| e.case_id == Some(case_id))
                .cloned(),
        );
        Ok(events)
    }

    /// Writes the events appended and not yet written (so that a read in this transaction sees
    /// them), each case's with the digest of its rows now, linked to its chain; the heads of the
    /// chains not held yet are locked first, in chain order, and each moves to its last event.
    /// At commit every write takes its chains in that one order, so writes never wait for each
    /// other in a circle; a write that had events written before its end (only a read of a range
    /// of cases' events asks it, and the summary's rebuild that reads so appends none) could take
    /// a lower chain after a higher one, which PostgreSQL would answer by failing one of the two.
    pub(crate) async fn write_pending_events(&mut self) -> Result<()> {
        if self.chain.pending.is_empty() {
            return Ok(());
        }
        let mut events = std::mem::take(&mut self.chain.pending);
        let chains: std::collections::BTreeSet<i64> = events.iter().map(|e| e.chain).collect();
        for chain in &chains {
            if !self.chain.heads.contains_key(chain) {
                // Taking the row lock (an UPDATE) makes every writer of this chain wait for the
                // one before it to commit; the head is read by the same statement.
                let head: ChainHead = sql!(
                    "UPDATE chain_head SET locked_at = $1 WHERE id = $2
                     RETURNING id, seq, pos, base, hash";
                    Utc::now().timestamp_millis(), *chain
                )
                .one(&mut **self)
                .await?;
                self.chain.heads.insert(*chain, head);
            }
        }
        let cases: Vec<i64> = events
            .iter()
            .filter_map(|e| e.case_id)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let digests = state_digests(self, &cases).await?;
        for e in &mut events {
            let head = self
                .chain
                .heads
                .get_mut(&e.chain)
                .expect("the chain's head is locked");
            e.state_digest = e.case_id.and_then(|id| digests.get(&id).cloned().flatten());
            e.pos = head.pos + 1;
            e.prev_hash = head.hash.clone();
            e.hash = e.expected_hash(&head.hash);
            head.pos = e.pos;
            head.seq = e.seq;
            head.hash = e.hash.clone();
            self.chain.written_from.entry(e.chain).or_insert(e.pos);
        }
        let heads: Vec<ChainHead> = chains
            .iter()
            .map(|chain| self.chain.heads[chain].clone())
            .collect();
        insert_events(self, &events, &heads).await
    }

    /// Before the transaction commits: writes its pending events; in each chain where it wrote
    /// some earlier (its cases' rows may have changed since), settles the chain from the first it
    /// wrote ([`settle`]).
    pub(crate) async fn finish_chain(&mut self) -> Result<()> {
        let written_before = self.chain.written_from.clone();
        self.write_pending_events().await?;
        for (chain, from) in written_before {
            settle(self, chain, from).await?;
        }
        Ok(())
    }
}

/// The chains as one write transaction holds them, from its first write of events to its commit.
#[derive(Debug, Default)]
pub(crate) struct ChainState {
    /// The heads of the chains this transaction locked, as it moved them.
    heads: std::collections::BTreeMap<i64, ChainHead>,
    /// Events appended and numbered, not yet hashed nor written.
    pending: Vec<Event>,
    /// In each chain this transaction wrote events to, the position of the first.
    written_from: std::collections::BTreeMap<i64, i64>,
}

/// Before a transaction that wrote events in `chain` from position `from` on commits, when it
/// wrote some before its last writes (a read of the events of a range of cases in the transaction
/// asked for them): gives the last
/// event of each case the digest of the case's rows as they are now (after every write of the
/// transaction), and re-hashes the links from there to the chain's head. The transaction holds the
/// chain's head since it first wrote to it, so every event from `from` on is its own.
pub(crate) async fn settle(conn: &mut sqlx::AnyConnection, chain: i64, from: i64) -> Result<()> {
    let mut events: Vec<Event> = sql!(
        select::<Event>("events WHERE chain = $1 AND pos >= $2 ORDER BY pos"); chain, from
    )
    .all(&mut *conn)
    .await?;
    let Some(first) = events.first() else {
        return Ok(());
    };
    let mut last = std::collections::HashMap::new();
    for (i, e) in events.iter().enumerate() {
        if let Some(case) = e.case_id {
            last.insert(case, i);
        }
    }
    let cases: Vec<i64> = last.keys().copied().collect();
    let mut digests = state_digests(conn, &cases).await?;
    let mut prev = first.prev_hash.clone();
    let mut rewritten = false;
    for (i, e) in events.iter_mut().enumerate() {
        let mut changed = e.prev_hash != prev;
        if let Some(case) = e.case_id
            && last.get(&case) == Some(&i)
        {
            let now = digests.remove(&case).flatten();
            changed |= now != e.state_digest;
            e.state_digest = now;
        }
        if changed && e.hash_version == HASH_VERSION {
            e.prev_hash = prev.clone();
            e.hash = e.expected_hash(&prev);
            sql!(
                "UPDATE events SET prev_hash = $1, state_digest = $2, hash = $3 WHERE seq = $4";
                &e.prev_hash, &e.state_digest, &e.hash, e.seq
            )
            .run(&mut *conn)
            .await?;
            rewritten = true;
        }
        prev = e.hash.clone();
    }
    if rewritten {
        sql!("UPDATE chain_head SET hash = $1 WHERE id = $2"; &prev, chain)
            .run(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Inserts hashed events, several rows a statement (within SQLite's 256 values a statement; on
/// PostgreSQL 500 rows, 7 000 values, far below its limit), and moves the chains' `heads` to them.
/// On PostgreSQL the heads move in the statement of the last rows (a data-modifying `WITH`): the
/// heads are held from their lock to the commit, one round trip shorter.
async fn insert_events(
    conn: &mut sqlx::AnyConnection,
    rows: &[Event],
    heads: &[ChainHead],
) -> Result<()> {
    let postgres = conn.backend_name() != "SQLite";
    let per = if postgres { 500 } else { 256 / 16 };
    let chunks: Vec<&[Event]> = rows.chunks(per).collect();
    for (n, chunk) in chunks.iter().enumerate() {
        let with_heads = postgres && n + 1 == chunks.len();
        let mut q = Statement::new(if with_heads { "WITH e AS (" } else { "" });
        q.push(
            "INSERT INTO events (seq, case_id, jurisdiction, at, actor, actor_account, channel, \
             action, reason, data, prev_hash, hash, chain, pos, hash_version, state_digest) \
             VALUES ",
        );
        for (i, e) in chunk.iter().enumerate() {
            q.push(if i > 0 { ", (" } else { "(" });
            q.push_bind(e.seq).push(", ");
            q.push_bind(e.case_id).push(", ");
            q.push_bind(e.jurisdiction.clone()).push(", ");
            q.push_bind(e.at).push(", ");
            q.push_bind(e.actor.clone()).push(", ");
            q.push_bind(e.actor_account).push(", ");
            q.push_bind(e.channel.clone()).push(", ");
            q.push_bind(e.action.clone()).push(", ");
            q.push_bind(e.reason.clone()).push(", ");
            q.push_bind(e.data.clone()).push(", ");
            q.push_bind(e.prev_hash.clone()).push(", ");
            q.push_bind(e.hash.clone()).push(", ");
            q.push_bind(e.chain).push(", ");
            q.push_bind(e.pos).push(", ");
            q.push_bind(e.hash_version).push(", ");
            q.push_bind(e.state_digest.clone()).push(")");
        }
        if with_heads {
            q.push(
                ") UPDATE chain_head AS h SET seq = v.seq, pos = v.pos, hash = v.hash FROM (VALUES ",
            );
            for (i, head) in heads.iter().enumerate() {
                q.push(if i > 0 { ", (CAST(" } else { "(CAST(" });
                q.push_bind(head.chain).push(" AS BIGINT), CAST(");
                q.push_bind(head.seq).push(" AS BIGINT), CAST(");
                q.push_bind(head.pos).push(" AS BIGINT), CAST(");
                q.push_bind(head.hash.clone()).push(" AS TEXT))");
            }
            q.push(") AS v (id, seq, pos, hash) WHERE h.id = v.id");
        }
        q.run(&mut *conn).await?;
    }
    if !postgres {
        for head in heads {
            sql!(
                "UPDATE chain_head SET seq = $1, pos = $2, hash = $3 WHERE id = $4";
                head.seq, head.pos, &head.hash, head.chain
            )
            .run(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

impl Store {
    /// The events of one case, in order.
    pub async fn case_events(&self, case_id: i64) -> Result<Vec<Event>> {
        sql!(select::<Event>("events WHERE case_id = $1 ORDER BY pos"); case_id)
            .all(self.reader())
            .await
    }

    /// Up to `limit` events of `chain` after the position `after`, in the chain's order (for
    /// checking a chain page by page).
    pub async fn chain_events(&self, chain: i64, after: i64, limit: i64) -> Result<Vec<Event>> {
        sql!(select::<Event>(
            "events WHERE chain = $1 AND pos > $2 ORDER BY pos LIMIT $3"
        ); chain, after, limit)
        .all(self.reader())
        .await
    }

    /// Up to `limit` events from the number `seq` on, by number.
    pub async fn events_from(&self, seq: i64, limit: i64) -> Result<Vec<Event>> {
        sql!(select::<Event>("events WHERE seq >= $1 ORDER BY seq LIMIT $2"); seq, limit)
            .all(self.reader())
            .await
    }

    /// The events of a jurisdiction, newest first: up to `limit` before `before` (a sequence number;
    /// `None`: from the head), only those of `action` when given (for the audit page).
    pub async fn jurisdiction_events(
        &self,
        jurisdiction: &str,
        before: Option<i64>,
        action: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Event>> {
        let before = before.unwrap_or(i64::MAX);
        let action = action.unwrap_or("");
        sql!(select::<Event>(
            "events WHERE jurisdiction = $1 AND seq < $2 AND ($3 = '' OR action = $3)
             ORDER BY seq DESC LIMIT $4"
        ); jurisdiction, before, action, limit)
        .all(self.reader())
        .await
    }

    /// The heads of the chains now, in chain order (read in one statement: one moment of all).
    pub async fn chain_heads_now(&self) -> Result<Vec<ChainHead>> {
        sql!(select::<ChainHead>("chain_head ORDER BY id"))
            .all(self.reader())
            .await
    }

    /// The first event (by number) outside every chain's checked range: in no chain, at or below
    /// its chain's base, or after its chain's head — an event no head covers was written behind
    /// Yiyin's back. (seq, chain, pos).
    pub async fn stray_event(&self) -> Result<Option<(i64, i64, i64)>> {
        sql!(
            "SELECT e.seq, e.chain, e.pos FROM events e LEFT JOIN chain_head h ON h.id = e.chain
             WHERE h.id IS NULL OR e.pos <= h.base OR e.pos > h.pos ORDER BY e.seq LIMIT 1"
        )
        .optional(self.reader())
        .await
    }

    /// Every case with its last event, if it has any: (case id, case number, the event's sequence
    /// number, hash version and state digest), in case order (for the audit of the rows).
    #[allow(clippy::type_complexity)]
    pub async fn case_heads(
        &self,
    ) -> Result<Vec<(i64, String, Option<i64>, Option<i64>, Option<String>)>> {
        sql!(
            "SELECT c.id, c.number, e.seq, e.hash_version, e.state_digest FROM cases c
             LEFT JOIN events e ON e.case_id = c.id
               AND e.pos = (SELECT MAX(pos) FROM events WHERE case_id = c.id)
             ORDER BY c.id"
        )
        .all(self.reader())
        .await
    }

    /// The digest of a case's rows as they are now (see [`state_digest`]).
    pub async fn case_state_digest(&self, case_id: i64) -> Result<Option<String>> {
        let mut conn = self.reader().acquire().await?;
        state_digest(&mut conn, case_id).await
    }

    /// The hash of the event at `pos` in `chain`, if there is one.
    pub async fn event_hash_at(&self, chain: i64, pos: i64) -> Result<Option<String>> {
        sql!("SELECT hash FROM events WHERE chain = $1 AND pos = $2"; chain, pos)
            .optional_scalar(self.reader())
            .await
    }

    /// The hash of the event `seq`, if it exists.
    pub async fn event_hash(&self, seq: i64) -> Result<Option<String>> {
        sql!("SELECT hash FROM events WHERE seq = $1"; seq)
            .optional_scalar(self.reader())
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(version: i64, actor: &str, channel: &str) -> Event {
        Event {
            seq: 7,
            case_id: Some(3),
            jurisdiction: "hanyin".into(),
            at: 1_780_000_000_000,
            actor: actor.into(),
            actor_account: Some(2),
            channel: channel.into(),
            action: "accept".into(),
            reason: String::new(),
            data: "{}".into(),
            prev_hash: GENESIS.into(),
            hash: String::new(),
            chain: 4,
            pos: 7,
            hash_version: version,
            state_digest: (version == 2).then(|| "ab".repeat(32)),
        }
    }

    /// Text moved across the old separator (from the action into the reason): in encoding 1 the two
    /// events hash alike (an event could be rewritten with the chain intact); in encoding 2 not.
    #[test]
    fn text_cannot_move_across_fields() {
        let mut a = event(1, "张敏", "window");
        a.action = "a\u{1f}b".into();
        a.reason = "c".into();
        let mut b = a.clone();
        b.action = "a".into();
        b.reason = "b\u{1f}c".into();
        assert_eq!(a.expected_hash(GENESIS), b.expected_hash(GENESIS));
        let (mut x, mut y) = (a, b);
        x.hash_version = 2;
        y.hash_version = 2;
        x.state_digest = y.state_digest.clone();
        assert_ne!(x.expected_hash(GENESIS), y.expected_hash(GENESIS));
        // An absent field and an empty one differ; the state digest is covered.
        let with = event(2, "张敏", "window");
        let mut without = with.clone();
        without.state_digest = None;
        let mut empty = with.clone();
        empty.state_digest = Some(String::new());
        assert_ne!(with.expected_hash(GENESIS), without.expected_hash(GENESIS));
        assert_ne!(without.expected_hash(GENESIS), empty.expected_hash(GENESIS));
        // An unknown encoding never matches.
        assert_eq!(event(3, "张敏", "window").expected_hash(GENESIS), "");
    }
}
