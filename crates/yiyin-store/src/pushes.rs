//! The push queue of approval–supervision separation, as rows: each result in the supervising
//! department's inbox at once (its canonical payload and the seal's signature, made by the
//! application layer), its delivery to the department's system claimed with a lease, retried with
//! the domain's back-off and kept as a dead letter when exhausted; acknowledgements; the departments'
//! webhooks.

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Value;
use yiyin_domain::supervision::{PushKind, PushStatus, RetryPolicy, ack_overdue, kept_error};

use crate::rows::{Statement, WithLast, by_id, columns_of, day, insert, record, select, sql};
use crate::{Missing, Result, Store, StoreError, WriteTx};

record! {
    /// A push as stored.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct Push {
        pub id: i64,
        pub idempotency_key: String,
        pub jurisdiction: String,
        pub department: String,
        pub kind: PushKind,
        pub case_id: Option<i64>,
        pub licence: Option<String>,
        /// The canonical JSON the seal signed, exactly as delivered.
        pub payload: String,
        pub seal_id: Option<i64>,
        /// SM2 signature (DER, hex) over `payload`.
        pub signature: Option<String>,
        pub sent_on: NaiveDate,
        pub ack_due: Option<NaiveDate>,
        pub acknowledged_at: Option<i64>,
        pub acknowledged_by: Option<String>,
        pub status: PushStatus,
        pub attempts: i64,
        pub next_attempt_at: i64,
        pub last_error: String,
        pub delivered_at: Option<i64>,
    }
}

impl Push {
    /// Whether it is past its acknowledgement date unacknowledged.
    pub fn overdue(&self, today: NaiveDate) -> bool {
        self.ack_due
            .is_some_and(|due| ack_overdue(due, today, self.acknowledged_at.is_some()))
    }

    /// The payload as JSON.
    pub fn facts(&self) -> Value {
        serde_json::from_str(&self.payload).unwrap_or(Value::Null)
    }

    /// One text fact of the payload ("" when absent).
    pub fn fact(&self, key: &str) -> String {
        self.facts()
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    }
}

/// A push to queue, its payload canonical and signed.
#[derive(Debug, Clone)]
pub struct NewPush<'a> {
    pub idempotency_key: &'a str,
    pub jurisdiction: &'a str,
    pub department: &'a str,
    pub kind: PushKind,
    pub case_id: Option<i64>,
    pub licence: Option<&'a str>,
    pub event_seq: i64,
    pub payload: &'a str,
    pub seal_id: Option<i64>,
    pub signature: Option<&'a str>,
    pub sent_on: NaiveDate,
    pub ack_due: Option<NaiveDate>,
    pub at_ms: i64,
}

/// Which pushes to list.
#[derive(Debug, Clone, Default)]
pub struct PushFilter {
    pub jurisdiction: String,
    /// One department's (its inbox); None: all of the jurisdiction (the bureau's view).
    pub department: Option<String>,
    pub unacknowledged_only: bool,
    pub status: Option<PushStatus>,
    /// Only those unacknowledged past their acknowledgement date on this day.
    pub overdue_on: Option<NaiveDate>,
    /// Only those waiting for the signature of an external seal.
    pub awaiting_signature: bool,
    /// The page after this key (keyset pagination); None: the first page.
    pub after: Option<PushKey>,
    pub limit: i64,
}

/// Where a push stands in a list (unacknowledged first, then newest first): the key a page ends
/// with, from which the next one starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PushKey {
    pub acknowledged: bool,
    pub id: i64,
}

impl PushKey {
    pub fn of(p: &Push) -> Self {
        PushKey {
            acknowledged: p.acknowledged_at.is_some(),
            id: p.id,
        }
    }
}

/// A page of a push list: its pushes, how many the filter matches in all, and the key to start
/// the next page from (None on the last).
#[derive(Debug, Clone, Default)]
pub struct PushPage {
    pub pushes: Vec<Push>,
    pub count: i64,
    pub next: Option<PushKey>,
}

/// The order of a push list: unacknowledged first, then newest first.
const ACKNOWLEDGED_RANK: &str = "CASE WHEN acknowledged_at IS NULL THEN 0 ELSE 1 END";

/// `FROM pushes WHERE …` of a filter (its key and limit aside).
fn push_where<'q>(q: &mut Statement<'q>, f: &'q PushFilter) {
    q.push(" FROM pushes WHERE jurisdiction = ")
        .push_bind(&f.jurisdiction);
    if let Some(d) = &f.department {
        q.push(" AND department = ").push_bind(d);
    }
    if let Some(s) = f.status {
        q.push(" AND status = ").push_bind(s.code());
    }
    if f.unacknowledged_only {
        q.push(" AND acknowledged_at IS NULL");
    }
    if let Some(today) = f.overdue_on {
        q.push(" AND acknowledged_at IS NULL AND ack_due < ")
            .push_bind(day(today));
    }
    if f.awaiting_signature {
        q.push(" AND signature IS NULL AND seal_id IS NOT NULL");
    }
}

/// The counts the bureau watches.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushCounts {
    pub unacknowledged: i64,
    pub overdue: i64,
    pub pending: i64,
    pub dead: i64,
}

/// The id drawn for a push about to be queued, and whether its department takes deliveries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PushSlot {
    pub id: i64,
    pub hooked: bool,
}

record! {
    /// A department's system.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct Webhook {
        pub jurisdiction: String,
        pub department: String,
        pub url: String,
        pub active: bool,
    }
}

impl WriteTx {
    /// Draws the id of a push about to be queued (its payload names it, and is signed before it is
    /// queued) and reads whether its department takes deliveries (an active webhook), in one
    /// statement.
    pub async fn push_slot(&mut self, jurisdiction: &str, department: &str) -> Result<PushSlot> {
        let (id, hooked): (i64, i64) = if self.is_sqlite() {
            // One writer: the next id is the last one used (kept or not: AUTOINCREMENT's record),
            // plus one.
            sql!(
                "SELECT MAX(COALESCE((SELECT MAX(id) FROM pushes), 0),
                            COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'pushes'), 0)) + 1,
                        CASE WHEN EXISTS (SELECT 1 FROM webhooks
                            WHERE jurisdiction = $1 AND department = $2 AND active = 1) THEN 1 ELSE 0 END";
                jurisdiction, department
            )
            .one(&mut **self)
            .await?
        } else {
            sql!(
                "SELECT nextval(pg_get_serial_sequence('pushes', 'id')),
                        CASE WHEN EXISTS (SELECT 1 FROM webhooks
                            WHERE jurisdiction = $1 AND department = $2 AND active = 1) THEN 1 ELSE 0 END";
                jurisdiction, department
            )
            .one(&mut **self)
            .await?
        };
        Ok(PushSlot {
            id,
            hooked: hooked == 1,
        })
    }

    /// Queues a push under the id of its `slot`: pending delivery when the department has an active
    /// webhook, else delivered (its inbox is the delivery). A second push with the same key changes
    /// nothing. Returns the id of the push queued (None when its key was queued before).
    pub async fn enqueue_push(&mut self, slot: &PushSlot, p: &NewPush<'_>) -> Result<Option<i64>> {
        let status = if slot.hooked {
            PushStatus::Pending
        } else {
            PushStatus::Delivered
        };
        insert!("pushes", p;
            id = slot.id, idempotency_key, jurisdiction, department, kind = p.kind.code(), case_id,
            licence, event_seq, payload, seal_id, signature, sent_on = day(p.sent_on),
            ack_due = p.ack_due.map(day), status = status.code(), attempts = 0_i64,
            next_attempt_at = p.at_ms, lease_until = 0_i64, last_error = "",
            delivered_at = (status == PushStatus::Delivered).then_some(p.at_ms),
            created_at = p.at_ms;
            "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id")
        .optional_scalar(&mut **self)
        .await
    }

    /// Records the acknowledgement (签收) of a push; false when it was acknowledged already.
    pub async fn acknowledge_push(&mut self, id: i64, by: &str, at_ms: i64) -> Result<bool> {
        sql!(
            "UPDATE pushes SET acknowledged_at = $1, acknowledged_by = $2 WHERE id = $3 AND acknowledged_at IS NULL";
            at_ms, by, id
        )
        .changed_one(&mut **self)
        .await
    }

    /// The department's system took the push (answered 2xx). Whoever sent it, the push has
    /// arrived: it is delivered even if its lease ran out meanwhile, or another server's failure
    /// made it a dead letter; a later failure never undoes this.
    pub async fn delivery_succeeded(&mut self, id: i64, now: i64) -> Result<()> {
        sql!(
            "UPDATE pushes SET status = 'delivered', delivered_at = $1, attempts = attempts + 1, lease_until = 0, last_error = ''
             WHERE id = $2 AND status IN ('pending', 'dead')";
            now, id
        )
        .run(&mut **self)
        .await
    }

    /// A delivery under `lease` failed: retried after the policy's back-off, or a dead letter when
    /// exhausted. A failure whose lease ran out and was taken by another server changes nothing
    /// (that server reports its own outcome). Returns the push's status afterwards.
    pub async fn delivery_failed(
        &mut self,
        id: i64,
        lease: i64,
        now: i64,
        error: &str,
        policy: &RetryPolicy,
    ) -> Result<PushStatus> {
        let (current, attempts, leased): (String, i64, i64) =
            sql!("SELECT status, attempts, lease_until FROM pushes WHERE id = $1"; id)
                .found(&mut **self, Missing::Push(id))
                .await?;
        let current = parse_status(id, current)?;
        if current != PushStatus::Pending || leased != lease {
            return Ok(current);
        }
        let (status, next) = match policy.after_failure(attempts, now) {
            Some(next) => (PushStatus::Pending, next),
            None => (PushStatus::Dead, now),
        };
        let error = kept_error(error);
        let failed = sql!(
            "UPDATE pushes SET status = $1, attempts = attempts + 1, next_attempt_at = $2, lease_until = 0, last_error = $3
             WHERE id = $4 AND status = 'pending' AND lease_until = $5 AND attempts = $6";
            status.code(), next, &error, id, lease, attempts
        )
        .changed_one(&mut **self)
        .await?;
        if !failed {
            // Delivered by another server meanwhile.
            let now: String = sql!("SELECT status FROM pushes WHERE id = $1"; id)
                .scalar(&mut **self)
                .await?;
            return parse_status(id, now);
        }
        Ok(status)
    }

    /// Puts the external seal's signature (DER, hex) on a push waiting for it: from now on it is
    /// delivered as any other. False when it was signed already.
    pub async fn set_push_signature(&mut self, id: i64, signature: &str) -> Result<bool> {
        sql!(
            "UPDATE pushes SET signature = $1, last_error = '' WHERE id = $2 AND signature IS NULL";
            signature, id
        )
        .changed_one(&mut **self)
        .await
    }

    /// Records why a push waiting for its external seal's signature is not signed yet (Chinese),
    /// shown to staff as its last error; its attempts and back-off are untouched.
    pub async fn set_push_signing_problem(&mut self, id: i64, problem: &str) -> Result<()> {
        let problem = kept_error(problem);
        sql!(
            "UPDATE pushes SET last_error = $1 WHERE id = $2 AND signature IS NULL";
            &problem, id
        )
        .run(&mut **self)
        .await
    }

    /// Makes a dead letter pending again, attempts from zero, due now.
    pub async fn replay_push(&mut self, id: i64, now: i64) -> Result<()> {
        sql!(
            "UPDATE pushes SET status = 'pending', attempts = 0, next_attempt_at = $1, lease_until = 0 WHERE id = $2 AND status = 'dead'";
            now, id
        )
        .run_once(&mut **self, "push")
        .await
    }

    /// Sets (or removes, with an empty address) a department's system. An active one gets the
    /// pending pushes at once; without one the desk is the delivery: what waited (and the dead
    /// letters) is delivered there, with `desk_note` as its last error.
    pub async fn set_webhook(
        &mut self,
        jurisdiction: &str,
        department: &str,
        url: &str,
        active: bool,
        now: i64,
        desk_note: &str,
    ) -> Result<()> {
        sql!(
            "DELETE FROM webhooks WHERE jurisdiction = $1 AND department = $2";
            jurisdiction, department
        )
        .run(&mut **self)
        .await?;
        if !url.is_empty() {
            insert!("webhooks";
                jurisdiction, department, url, active = i64::from(active), updated_at = now)
            .run(&mut **self)
            .await?;
        }
        let pushes = if !url.is_empty() && active {
            // The pending pushes go to the new address at once, not after the back-off earned at
            // the old one.
            sql!(
                "UPDATE pushes SET next_attempt_at = $1
                 WHERE jurisdiction = $2 AND department = $3 AND status = 'pending' AND next_attempt_at > $1";
                now, jurisdiction, department
            )
        } else {
            sql!(
                "UPDATE pushes SET status = 'delivered', delivered_at = $1, lease_until = 0, last_error = $4
                 WHERE jurisdiction = $2 AND department = $3 AND status IN ('pending', 'dead')";
                now, jurisdiction, department, desk_note
            )
        };
        pushes.run(&mut **self).await
    }
}

/// A push's status as kept.
fn parse_status(id: i64, status: String) -> Result<PushStatus> {
    PushStatus::parse(&status)
        .ok_or_else(|| StoreError::Corrupt(format!("push {id} status {status}")))
}

impl Store {
    /// Pushes by filter, unacknowledged first, then newest first; from the filter's key on, at
    /// most its limit (1 to 1,000).
    pub async fn pushes(&self, f: &PushFilter) -> Result<Vec<Push>> {
        let limit = f.limit.clamp(1, 1000);
        let mut q = Statement::new(format!("SELECT {}", columns_of::<Push>("pushes")));
        push_where(&mut q, f);
        if let Some(k) = f.after {
            let rank = i64::from(k.acknowledged);
            q.push(format!(" AND ({ACKNOWLEDGED_RANK} > "))
                .push_bind(rank);
            q.push(format!(" OR ({ACKNOWLEDGED_RANK} = "))
                .push_bind(rank)
                .push(" AND id < ")
                .push_bind(k.id)
                .push("))");
        }
        q.push(format!(" ORDER BY {ACKNOWLEDGED_RANK}, id DESC LIMIT "))
            .push_bind(limit);
        q.all(self.reader()).await
    }

    /// A page of pushes by filter (see [`Store::pushes`]), with how many match in all and the key
    /// of the next page.
    pub async fn push_page(&self, f: &PushFilter) -> Result<PushPage> {
        // One more than the page is read, to know whether another follows.
        let limit = f.limit.clamp(1, 999);
        let mut pushes = self
            .pushes(&PushFilter {
                limit: limit + 1,
                ..f.clone()
            })
            .await?;
        let next = if pushes.len() as i64 > limit {
            pushes.truncate(limit as usize);
            pushes.last().map(PushKey::of)
        } else {
            None
        };
        let mut q = Statement::new("SELECT COUNT(*)");
        push_where(&mut q, f);
        Ok(PushPage {
            pushes,
            count: q.scalar(self.reader()).await?,
            next,
        })
    }

    /// The pushes with these idempotency keys (those that exist), in no particular order.
    pub async fn pushes_by_keys(&self, keys: &[String]) -> Result<Vec<Push>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = Statement::new(select::<Push>("pushes WHERE idempotency_key IN ("));
        for (i, k) in keys.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.push_bind(k);
        }
        q.push(")");
        q.all(self.reader()).await
    }

    pub async fn push(&self, id: i64) -> Result<Push> {
        by_id(self.reader(), "pushes", id, Missing::Push).await
    }

    /// The pushes of a case (and its licences), oldest first.
    pub async fn pushes_about(&self, case_id: i64) -> Result<Vec<Push>> {
        sql!(select::<Push>("pushes WHERE case_id = $1 ORDER BY id"); case_id)
            .all(self.reader())
            .await
    }

    /// The counts of a jurisdiction's (or one department's) pushes on `today`.
    pub async fn push_counts(
        &self,
        jurisdiction: &str,
        department: Option<&str>,
        today: NaiveDate,
    ) -> Result<PushCounts> {
        let counts: (Option<i64>, Option<i64>, Option<i64>, Option<i64>) = sql!(
            "SELECT
               SUM(CASE WHEN acknowledged_at IS NULL THEN 1 ELSE 0 END) AS unacknowledged,
               SUM(CASE WHEN acknowledged_at IS NULL AND ack_due < $2 THEN 1 ELSE 0 END) AS overdue,
               SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END) AS pending,
               SUM(CASE WHEN status = 'dead' THEN 1 ELSE 0 END) AS dead
             FROM pushes WHERE jurisdiction = $1 AND ($3 = '' OR department = $3)";
            jurisdiction, day(today), department.unwrap_or("")
        )
        .one(self.reader())
        .await?;
        let (unacknowledged, overdue, pending, dead) = counts;
        Ok(PushCounts {
            unacknowledged: unacknowledged.unwrap_or(0),
            overdue: overdue.unwrap_or(0),
            pending: pending.unwrap_or(0),
            dead: dead.unwrap_or(0),
        })
    }

    /// Pushes due for delivery to a department's system at `now`, with the system's address: at
    /// most `per_department` of each department (its oldest first), so that a department with a
    /// long backlog (its system down) never hides the others' pushes; at most `limit` in all,
    /// the departments with the oldest pushes first. Ordered by department, then by id.
    pub async fn due_deliveries(
        &self,
        now: i64,
        per_department: i64,
        limit: i64,
    ) -> Result<Vec<(Push, String)>> {
        let select = format!(
            "SELECT {}, d.url AS url FROM (
               SELECT p.*, w.url AS url,
                 ROW_NUMBER() OVER (PARTITION BY p.jurisdiction, p.department ORDER BY p.id) AS n,
                 MIN(p.id) OVER (PARTITION BY p.jurisdiction, p.department) AS first_id
               FROM pushes p JOIN webhooks w
                 ON w.jurisdiction = p.jurisdiction AND w.department = p.department AND w.active = 1
               WHERE p.status = 'pending' AND p.next_attempt_at <= $1 AND p.lease_until <= $1
                 AND (p.signature IS NOT NULL OR p.seal_id IS NULL)
             ) d WHERE d.n <= $2
             ORDER BY d.first_id, d.id LIMIT $3",
            columns_of::<Push>("d")
        );
        let due: Vec<WithLast<Push, String>> = sql!(select; now, per_department.max(1), limit)
            .all(self.reader())
            .await?;
        Ok(due.into_iter().map(Into::into).collect())
    }

    /// The pushes of cases whose acknowledgement came late or has not come (due before `today`),
    /// acknowledged (if at all) at or after `acknowledged_since` (epoch milliseconds): those the
    /// monitoring's acknowledgement cards can still concern. Paged by id after `after`.
    pub async fn pushes_acknowledged_late(
        &self,
        today: NaiveDate,
        acknowledged_since: i64,
        after: i64,
        limit: i64,
    ) -> Result<Vec<Push>> {
        let from = "pushes WHERE case_id IS NOT NULL AND ack_due IS NOT NULL AND ack_due < $1
             AND (acknowledged_at IS NULL OR acknowledged_at >= $2) AND id > $3 ORDER BY id LIMIT $4";
        sql!(select::<Push>(from); day(today), acknowledged_since, after, limit)
            .all(self.reader())
            .await
    }

    /// Pushes waiting for the signature of an external seal (外部签章系统): queued with the seal
    /// and no signature, oldest first; of one jurisdiction, or of all with None.
    pub async fn pushes_awaiting_signature(
        &self,
        jurisdiction: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Push>> {
        let from = "pushes WHERE signature IS NULL AND seal_id IS NOT NULL
             AND ($1 = '' OR jurisdiction = $1) ORDER BY id LIMIT $2";
        sql!(select::<Push>(from); jurisdiction.unwrap_or(""), limit.clamp(1, 1000))
            .all(self.reader())
            .await
    }

    pub async fn webhooks(&self, jurisdiction: &str) -> Result<Vec<Webhook>> {
        let from = "webhooks WHERE jurisdiction = $1 ORDER BY department";
        sql!(select::<Webhook>(from); jurisdiction)
            .all(self.reader())
            .await
    }
}
