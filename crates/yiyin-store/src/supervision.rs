//! Persistence of approval–supervision separation: the push queue (each result in the supervising
//! department's inbox at once, and delivered at least once to its system with an idempotency key and
//! the bureau seal's signature, retried with back-off, dead letters kept for replay), the
//! departments' webhooks, acknowledgements, findings reported back, commitment verification tasks
//! and applicants' credit records. The rules are in `yiyin_domain::supervision`; every act here is
//! also an event in the hash chain.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::{AnyConnection, Row};
use yiyin_domain::calendar::{fmt_date, parse_date};
use yiyin_domain::engine::ApplicantFacts;
use yiyin_domain::supervision::{
    CreditKind, FindingKind, PushKind, PushStatus, RetryPolicy, VerificationOutcome,
    VerificationState, ack_overdue, commitment_barred, verify_commitment,
};
use yiyin_seal::SealKey;

use crate::cases::{Actor, local_date, local_time};
use crate::events::{self, NewEvent};
use crate::seals::SealRecord;
use crate::{Result, Store, StoreError};

/// The format tag of a push's payload.
pub const PUSH_FORMAT: &str = "yiyin-push/1";

/// A push to queue, inside the transaction of the event it reports.
#[derive(Debug, Clone)]
pub struct NewPush {
    pub jurisdiction: String,
    pub department: String,
    pub kind: PushKind,
    pub case_id: Option<i64>,
    pub licence: Option<String>,
    pub event_seq: i64,
    /// What happened (case number, item, holder, dates, document number …).
    pub facts: Value,
    pub at: DateTime<Utc>,
    pub ack_due: Option<NaiveDate>,
}

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
    pub sent_on: String,
    pub ack_due: Option<String>,
    pub acknowledged_at: Option<i64>,
    pub acknowledged_by: Option<String>,
    pub status: PushStatus,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: String,
    pub delivered_at: Option<i64>,
}

impl Push {
    /// Whether it is past its acknowledgement date unacknowledged.
    pub fn overdue(&self, today: NaiveDate) -> bool {
        self.ack_due
            .as_deref()
            .and_then(|d| parse_date(d).ok())
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

const PUSH_COLUMNS: &str = "id, idempotency_key, jurisdiction, department, kind, case_id, licence, payload, seal_id, signature, sent_on, ack_due, acknowledged_at, acknowledged_by, status, attempts, next_attempt_at, last_error, delivered_at";

fn push_from_row(r: &sqlx::any::AnyRow) -> Result<Push> {
    let kind: String = r.try_get("kind")?;
    let status: String = r.try_get("status")?;
    Ok(Push {
        id: r.try_get("id")?,
        idempotency_key: r.try_get("idempotency_key")?,
        jurisdiction: r.try_get("jurisdiction")?,
        department: r.try_get("department")?,
        kind: PushKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("推送类型「{kind}」")))?,
        case_id: r.try_get("case_id")?,
        licence: r.try_get("licence")?,
        payload: r.try_get("payload")?,
        seal_id: r.try_get("seal_id")?,
        signature: r.try_get("signature")?,
        sent_on: r.try_get("sent_on")?,
        ack_due: r.try_get("ack_due")?,
        acknowledged_at: r.try_get("acknowledged_at")?,
        acknowledged_by: r.try_get("acknowledged_by")?,
        status: PushStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("推送状态「{status}」")))?,
        attempts: r.try_get("attempts")?,
        next_attempt_at: r.try_get("next_attempt_at")?,
        last_error: r.try_get("last_error")?,
        delivered_at: r.try_get("delivered_at")?,
    })
}

/// Queues a push inside the caller's transaction: the payload signed by `seal`, pending delivery
/// when the department has an active webhook, else delivered (its inbox is the delivery). The key
/// makes a second queueing of the same result a no-op.
pub(crate) async fn enqueue(
    tx: &mut AnyConnection,
    p: NewPush,
    seal: Option<&(SealRecord, SealKey)>,
) -> Result<()> {
    let key = format!("{}:{}:{}", p.jurisdiction, p.kind.code(), p.event_seq);
    let mut payload = json!({
        "format": PUSH_FORMAT,
        "idempotency_key": key,
        "kind": p.kind.code(),
        "kind_label": p.kind.label(),
        "jurisdiction": p.jurisdiction,
        "department": p.department,
        "licence": p.licence,
        "sent_at": local_time(p.at),
        "ack_due": p.ack_due.map(fmt_date),
    });
    if let (Some(obj), Value::Object(facts)) = (payload.as_object_mut(), p.facts) {
        for (k, v) in facts {
            obj.entry(k).or_insert(v);
        }
    }
    let canonical = String::from_utf8(yiyin_seal::canonical::canonical(&payload))
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let (seal_id, signature) = match seal {
        Some((record, key)) => (
            Some(record.id),
            Some(yiyin_seal::hex(&key.sign(canonical.as_bytes()))),
        ),
        None => (None, None),
    };
    let hooked: Option<i64> = sqlx::query_scalar(
        "SELECT active FROM webhooks WHERE jurisdiction = $1 AND department = $2 AND active = 1",
    )
    .bind(&p.jurisdiction)
    .bind(&p.department)
    .fetch_optional(&mut *tx)
    .await?;
    let now = p.at.timestamp_millis();
    let status = if hooked.is_some() {
        PushStatus::Pending
    } else {
        PushStatus::Delivered
    };
    sqlx::query(
        "INSERT INTO pushes (idempotency_key, jurisdiction, department, kind, case_id, licence, event_seq, payload,
           seal_id, signature, sent_on, ack_due, status, attempts, next_attempt_at, lease_until, last_error,
           delivered_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 0, $14, 0, '', $15, $14)
         ON CONFLICT (idempotency_key) DO NOTHING",
    )
    .bind(&key)
    .bind(&p.jurisdiction)
    .bind(&p.department)
    .bind(p.kind.code())
    .bind(p.case_id)
    .bind(&p.licence)
    .bind(p.event_seq)
    .bind(&canonical)
    .bind(seal_id)
    .bind(signature)
    .bind(fmt_date(local_date(p.at)))
    .bind(p.ack_due.map(fmt_date))
    .bind(status.code())
    .bind(now)
    .bind((status == PushStatus::Delivered).then_some(now))
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Which pushes to list.
#[derive(Debug, Clone, Default)]
pub struct PushFilter {
    pub jurisdiction: String,
    /// One department's (its inbox); None: all of the jurisdiction (the bureau's view).
    pub department: Option<String>,
    pub unacknowledged_only: bool,
    pub status: Option<PushStatus>,
    pub limit: i64,
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

/// A department's system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Webhook {
    pub jurisdiction: String,
    pub department: String,
    pub url: String,
    pub active: bool,
}

/// A finding reported back by a department (抄告).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Finding {
    pub id: i64,
    pub jurisdiction: String,
    pub department: String,
    pub licence: Option<String>,
    pub holder_id: String,
    pub holder: String,
    pub item_code: String,
    pub kind: FindingKind,
    pub summary: String,
    pub found_on: String,
    pub recorded_by: String,
}

/// A finding to record.
#[derive(Debug, Clone)]
pub struct NewFinding {
    pub jurisdiction: String,
    pub department: String,
    /// The licence it concerns; or only the licensee (then `holder_id`, `holder`, `item_code`).
    pub licence: Option<String>,
    pub holder_id: String,
    pub holder: String,
    pub item_code: String,
    pub kind: FindingKind,
    pub summary: String,
    pub found_on: NaiveDate,
}

/// Which findings to list.
#[derive(Debug, Clone, Default)]
pub struct FindingFilter {
    pub jurisdiction: Option<String>,
    pub department: Option<String>,
    pub licence: Option<String>,
    pub holder_id: Option<String>,
    pub item_code: Option<String>,
}

/// The verification of a licence granted on a commitment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerificationTask {
    pub id: i64,
    pub licence: String,
    pub case_id: i64,
    pub jurisdiction: String,
    pub department: String,
    pub holder_id: String,
    pub holder: String,
    pub item_name: String,
    /// The verification period's end; None while the calendar lacks its year (never guessed).
    pub due_on: Option<String>,
    pub state: VerificationState,
    pub rectify_by: Option<String>,
    /// Every outcome recorded, oldest first: {outcome, by?, reason/note, on, actor}.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub outcomes: Vec<Value>,
}

/// A credit record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreditRecord {
    pub id: i64,
    pub holder_id: String,
    pub holder: String,
    pub jurisdiction: String,
    pub kind: CreditKind,
    pub reason: String,
    /// What it came from (a case number, a licence).
    pub source: String,
    pub created_at: i64,
    pub repaired_at: Option<i64>,
    pub repaired_by: Option<String>,
    pub repair_reason: Option<String>,
}

/// Who a finding is about, resolved from its licence or as given.
pub(crate) struct Resolved<'a> {
    pub holder_id: &'a str,
    pub holder: &'a str,
    pub item_code: &'a str,
    pub case_id: Option<i64>,
}

/// Writes a finding and its event inside the caller's transaction; returns its id.
pub(crate) async fn insert_finding(
    tx: &mut AnyConnection,
    f: &NewFinding,
    r: Resolved<'_>,
    actor: &Actor,
    at: DateTime<Utc>,
) -> Result<i64> {
    let Resolved {
        holder_id,
        holder,
        item_code,
        case_id,
    } = r;
    let seq = events::append(
            &mut *tx,
            &[side_event(
                case_id,
                &f.jurisdiction,
                actor,
                at,
                "finding",
                format!("{}：{}", f.kind.label(), f.summary.trim()),
                json!({"department": f.department, "licence": f.licence, "holder_id": holder_id, "kind": f.kind.code()}),
            )],
        )
        .await?[0];
    let id: i64 = sqlx::query_scalar(
            "INSERT INTO findings (jurisdiction, department, licence, holder_id, holder, item_code, kind, summary, found_on,
               recorded_by, event_seq, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        )
        .bind(&f.jurisdiction)
        .bind(&f.department)
        .bind(&f.licence)
        .bind(holder_id)
        .bind(holder)
        .bind(item_code)
        .bind(f.kind.code())
        .bind(f.summary.trim())
        .bind(fmt_date(f.found_on))
        .bind(&actor.name)
        .bind(seq)
        .bind(at.timestamp_millis())
        .fetch_one(&mut *tx)
        .await?;
    Ok(id)
}

/// A credit record to write.
pub(crate) struct NewCredit<'a> {
    pub holder_id: &'a str,
    pub holder: &'a str,
    pub jurisdiction: &'a str,
    pub kind: CreditKind,
    pub reason: &'a str,
    pub source: &'a str,
}

/// Writes a credit record inside a transaction; a second one of the same kind and source is
/// ignored. Returns whether it was written.
pub(crate) async fn add_credit(
    tx: &mut AnyConnection,
    c: NewCredit<'_>,
    at: DateTime<Utc>,
) -> Result<bool> {
    let NewCredit {
        holder_id,
        holder,
        jurisdiction,
        kind,
        reason,
        source,
    } = c;
    let r = sqlx::query(
        "INSERT INTO credit_records (holder_id, holder, jurisdiction, kind, reason, source, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (kind, source) DO NOTHING",
    )
    .bind(holder_id)
    .bind(holder)
    .bind(jurisdiction)
    .bind(kind.code())
    .bind(reason)
    .bind(source)
    .bind(at.timestamp_millis())
    .execute(&mut *tx)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Creates the verification task of a licence granted on a commitment (inside the transaction that
/// issues it).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn open_verification(
    tx: &mut AnyConnection,
    licence: &str,
    case_id: i64,
    jurisdiction: &str,
    department: &str,
    holder_id: &str,
    holder: &str,
    item_name: &str,
    due_on: Option<NaiveDate>,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO verification_tasks (licence, case_id, jurisdiction, department, holder_id, holder, item_name,
           due_on, state, outcomes, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', '[]', $9) ON CONFLICT (licence) DO NOTHING",
    )
    .bind(licence)
    .bind(case_id)
    .bind(jurisdiction)
    .bind(department)
    .bind(holder_id)
    .bind(holder)
    .bind(item_name)
    .bind(due_on.map(fmt_date))
    .bind(at.timestamp_millis())
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// An event outside a case's own transitions (acknowledgements, findings, verifications, credit).
pub(crate) fn side_event(
    case_id: Option<i64>,
    jurisdiction: &str,
    actor: &Actor,
    at: DateTime<Utc>,
    action: &str,
    reason: String,
    data: Value,
) -> NewEvent {
    NewEvent {
        case_id,
        jurisdiction: jurisdiction.to_string(),
        at,
        actor: actor.name.clone(),
        actor_account: actor.account,
        channel: actor.channel.code().into(),
        action: action.into(),
        reason,
        data,
    }
}

const TASK_COLUMNS: &str = "id, licence, case_id, jurisdiction, department, holder_id, holder, item_name, due_on, state, rectify_by, outcomes";

fn task_from_row(r: &sqlx::any::AnyRow) -> Result<VerificationTask> {
    let state: String = r.try_get("state")?;
    Ok(VerificationTask {
        id: r.try_get("id")?,
        licence: r.try_get("licence")?,
        case_id: r.try_get("case_id")?,
        jurisdiction: r.try_get("jurisdiction")?,
        department: r.try_get("department")?,
        holder_id: r.try_get("holder_id")?,
        holder: r.try_get("holder")?,
        item_name: r.try_get("item_name")?,
        due_on: r.try_get("due_on")?,
        state: VerificationState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("核查状态「{state}」")))?,
        rectify_by: r.try_get("rectify_by")?,
        outcomes: serde_json::from_str(&r.try_get::<String, _>("outcomes")?)?,
    })
}

const FINDING_COLUMNS: &str = "id, jurisdiction, department, licence, holder_id, holder, item_code, kind, summary, found_on, recorded_by";

fn finding_from_row(r: &sqlx::any::AnyRow) -> Result<Finding> {
    let kind: String = r.try_get("kind")?;
    Ok(Finding {
        id: r.try_get("id")?,
        jurisdiction: r.try_get("jurisdiction")?,
        department: r.try_get("department")?,
        licence: r.try_get("licence")?,
        holder_id: r.try_get("holder_id")?,
        holder: r.try_get("holder")?,
        item_code: r.try_get("item_code")?,
        kind: FindingKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("监管结果类型「{kind}」")))?,
        summary: r.try_get("summary")?,
        found_on: r.try_get("found_on")?,
        recorded_by: r.try_get("recorded_by")?,
    })
}

const CREDIT_COLUMNS: &str = "id, holder_id, holder, jurisdiction, kind, reason, source, created_at, repaired_at, repaired_by, repair_reason";

fn credit_from_row(r: &sqlx::any::AnyRow) -> Result<CreditRecord> {
    let kind: String = r.try_get("kind")?;
    Ok(CreditRecord {
        id: r.try_get("id")?,
        holder_id: r.try_get("holder_id")?,
        holder: r.try_get("holder")?,
        jurisdiction: r.try_get("jurisdiction")?,
        kind: CreditKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("信用记录类型「{kind}」")))?,
        reason: r.try_get("reason")?,
        source: r.try_get("source")?,
        created_at: r.try_get("created_at")?,
        repaired_at: r.try_get("repaired_at")?,
        repaired_by: r.try_get("repaired_by")?,
        repair_reason: r.try_get("repair_reason")?,
    })
}

impl Store {
    /// Pushes by filter, newest first (unacknowledged first in an inbox).
    pub async fn pushes(&self, f: &PushFilter) -> Result<Vec<Push>> {
        let mut sql = format!("SELECT {PUSH_COLUMNS} FROM pushes WHERE jurisdiction = $1");
        let mut binds = vec![f.jurisdiction.clone()];
        if let Some(d) = &f.department {
            binds.push(d.clone());
            sql.push_str(&format!(" AND department = ${}", binds.len()));
        }
        if let Some(s) = f.status {
            binds.push(s.code().to_string());
            sql.push_str(&format!(" AND status = ${}", binds.len()));
        }
        if f.unacknowledged_only {
            sql.push_str(" AND acknowledged_at IS NULL");
        }
        sql.push_str(&format!(
            " ORDER BY CASE WHEN acknowledged_at IS NULL THEN 0 ELSE 1 END, id DESC LIMIT {}",
            f.limit.clamp(1, 1000)
        ));
        let mut q = sqlx::query(&sql);
        for b in &binds {
            q = q.bind(b.clone());
        }
        q.fetch_all(self.reader())
            .await?
            .iter()
            .map(push_from_row)
            .collect()
    }

    pub async fn push(&self, id: i64) -> Result<Push> {
        let row = sqlx::query(&format!("SELECT {PUSH_COLUMNS} FROM pushes WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.reader())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("没有编号为{id}的推送")))?;
        push_from_row(&row)
    }

    /// The pushes of a case or a licence, oldest first.
    pub async fn pushes_about(&self, case_id: i64) -> Result<Vec<Push>> {
        sqlx::query(&format!(
            "SELECT {PUSH_COLUMNS} FROM pushes WHERE case_id = $1 ORDER BY id"
        ))
        .bind(case_id)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(push_from_row)
        .collect()
    }

    /// The counts of a jurisdiction's (or one department's) pushes on `today`.
    pub async fn push_counts(
        &self,
        jurisdiction: &str,
        department: Option<&str>,
        today: NaiveDate,
    ) -> Result<PushCounts> {
        let dept_clause = if department.is_some() {
            " AND department = $3"
        } else {
            " AND $3 = $3"
        };
        let row = sqlx::query(&format!(
            "SELECT
               SUM(CASE WHEN acknowledged_at IS NULL THEN 1 ELSE 0 END) AS unacknowledged,
               SUM(CASE WHEN acknowledged_at IS NULL AND ack_due < $2 THEN 1 ELSE 0 END) AS overdue,
               SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END) AS pending,
               SUM(CASE WHEN status = 'dead' THEN 1 ELSE 0 END) AS dead
             FROM pushes WHERE jurisdiction = $1{dept_clause}"
        ))
        .bind(jurisdiction)
        .bind(fmt_date(today))
        .bind(department.unwrap_or(""))
        .fetch_one(self.reader())
        .await?;
        let n = |c: &str| -> Result<i64> { Ok(row.try_get::<Option<i64>, _>(c)?.unwrap_or(0)) };
        Ok(PushCounts {
            unacknowledged: n("unacknowledged")?,
            overdue: n("overdue")?,
            pending: n("pending")?,
            dead: n("dead")?,
        })
    }

    /// The department acknowledges (签收) a push. A second acknowledgement changes nothing.
    pub async fn acknowledge_push(
        &self,
        id: i64,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<Push> {
        let push = self.push(id).await?;
        if push.acknowledged_at.is_some() {
            return Ok(push);
        }
        let mut tx = self.begin_write().await?;
        let r = sqlx::query(
            "UPDATE pushes SET acknowledged_at = $1, acknowledged_by = $2 WHERE id = $3 AND acknowledged_at IS NULL",
        )
        .bind(at.timestamp_millis())
        .bind(&actor.name)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() == 1 {
            events::append(
                &mut tx,
                &[side_event(
                    push.case_id,
                    &push.jurisdiction,
                    actor,
                    at,
                    "push_acknowledge",
                    format!("{}签收{}推送", push.department, push.kind.label()),
                    json!({"push": id, "key": push.idempotency_key}),
                )],
            )
            .await?;
        }
        tx.commit().await?;
        self.push(id).await
    }

    /// Pushes due for delivery to a department's system at `now`, with the system's address.
    pub async fn due_deliveries(
        &self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<(Push, String)>> {
        let rows = sqlx::query(&format!(
            "SELECT {cols}, w.url AS url FROM pushes p JOIN webhooks w
               ON w.jurisdiction = p.jurisdiction AND w.department = p.department AND w.active = 1
             WHERE p.status = 'pending' AND p.next_attempt_at <= $1 AND p.lease_until <= $1
             ORDER BY p.next_attempt_at, p.id LIMIT $2",
            cols = PUSH_COLUMNS
                .split(", ")
                .map(|c| format!("p.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .bind(now.timestamp_millis())
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| Ok((push_from_row(r)?, r.try_get("url")?)))
            .collect()
    }

    /// Takes a push for delivery until `now + lease_ms`: returns the lease (its end, in
    /// milliseconds) to hand back with a failure, or None when the push is not (or no longer) due —
    /// delivered, dead, waiting out its back-off — or another server has it. A server that dies
    /// while delivering leaves the lease to run out, and the push is delivered again (the receiver
    /// deduplicates by the idempotency key).
    pub async fn claim_delivery(
        &self,
        id: i64,
        now: DateTime<Utc>,
        lease_ms: i64,
    ) -> Result<Option<i64>> {
        let now = now.timestamp_millis();
        // Leases only grow: a new one starts after the last ran out, so it names its holder.
        let lease = now + lease_ms.max(1);
        let r = sqlx::query(
            "UPDATE pushes SET lease_until = $1
             WHERE id = $2 AND status = 'pending' AND next_attempt_at <= $3 AND lease_until <= $3",
        )
        .bind(lease)
        .bind(id)
        .bind(now)
        .execute(self.writer())
        .await?;
        Ok((r.rows_affected() == 1).then_some(lease))
    }

    /// The department's system took the push (answered 2xx). Whoever sent it, the push has
    /// arrived: it is delivered even if its lease ran out meanwhile, or another server's failure
    /// made it a dead letter; a later failure never undoes this.
    pub async fn delivery_succeeded(&self, id: i64, now: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "UPDATE pushes SET status = 'delivered', delivered_at = $1, attempts = attempts + 1, lease_until = 0, last_error = ''
             WHERE id = $2 AND status IN ('pending', 'dead')",
        )
        .bind(now.timestamp_millis())
        .bind(id)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// A delivery under `lease` (from [`Store::claim_delivery`]) failed: retried after the policy's
    /// back-off, or a dead letter when exhausted. A failure whose lease ran out and was taken by
    /// another server changes nothing (that server reports its own outcome). Returns the push's
    /// status afterwards.
    pub async fn delivery_failed(
        &self,
        id: i64,
        lease: i64,
        now: DateTime<Utc>,
        error: &str,
        policy: &RetryPolicy,
    ) -> Result<PushStatus> {
        // Read where the claim was written: the attempts counted must be the latest.
        let row = sqlx::query("SELECT status, attempts, lease_until FROM pushes WHERE id = $1")
            .bind(id)
            .fetch_optional(self.writer())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("没有编号为{id}的推送")))?;
        let current: String = row.try_get("status")?;
        let current = PushStatus::parse(&current)
            .ok_or_else(|| StoreError::Corrupt(format!("推送状态「{current}」")))?;
        let attempts: i64 = row.try_get("attempts")?;
        if current != PushStatus::Pending || row.try_get::<i64, _>("lease_until")? != lease {
            return Ok(current);
        }
        let failures = u32::try_from(attempts + 1).unwrap_or(u32::MAX);
        let (status, next) = match policy.next_delay(failures) {
            Some(d) => (
                PushStatus::Pending,
                now.timestamp_millis() + i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 2),
            ),
            None => (PushStatus::Dead, now.timestamp_millis()),
        };
        let error: String = error.chars().take(500).collect();
        let r = sqlx::query(
            "UPDATE pushes SET status = $1, attempts = attempts + 1, next_attempt_at = $2, lease_until = 0, last_error = $3
             WHERE id = $4 AND status = 'pending' AND lease_until = $5 AND attempts = $6",
        )
        .bind(status.code())
        .bind(next)
        .bind(&error)
        .bind(id)
        .bind(lease)
        .bind(attempts)
        .execute(self.writer())
        .await?;
        if r.rows_affected() != 1 {
            // Delivered by another server meanwhile.
            return Ok(self.push(id).await?.status);
        }
        if status == PushStatus::Dead {
            tracing::warn!(push = id, error = %error, "push is a dead letter");
        }
        Ok(status)
    }

    /// Sends a dead letter again (a logged act): pending, attempts from zero, due now.
    pub async fn replay_push(&self, id: i64, actor: &Actor, at: DateTime<Utc>) -> Result<Push> {
        let push = self.push(id).await?;
        if push.status != PushStatus::Dead {
            return Err(StoreError::Rejected(format!(
                "该推送当前为“{}”，只有投递失败的推送可以重新投递",
                push.status.label()
            )));
        }
        let mut tx = self.begin_write().await?;
        let r = sqlx::query(
            "UPDATE pushes SET status = 'pending', attempts = 0, next_attempt_at = $1, lease_until = 0 WHERE id = $2 AND status = 'dead'",
        )
        .bind(at.timestamp_millis())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() != 1 {
            return Err(StoreError::Conflict(
                "该推送已被他人重新投递，请刷新后查看".into(),
            ));
        }
        events::append(
            &mut tx,
            &[side_event(
                push.case_id,
                &push.jurisdiction,
                actor,
                at,
                "push_replay",
                format!("重新投递推送（上次错误：{}）", push.last_error),
                json!({"push": id, "key": push.idempotency_key}),
            )],
        )
        .await?;
        tx.commit().await?;
        self.push(id).await
    }

    /// Sets (or removes, with an empty address) a department's system. Pending pushes follow, due
    /// at once.
    pub async fn set_webhook(
        &self,
        jurisdiction: &str,
        department: &str,
        url: &str,
        active: bool,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let url = url.trim();
        if !(url.is_empty() || url.starts_with("http://") || url.starts_with("https://")) {
            return Err(StoreError::Rejected(format!(
                "接收地址「{url}」无效：应以 http:// 或 https:// 开头"
            )));
        }
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM webhooks WHERE jurisdiction = $1 AND department = $2")
            .bind(jurisdiction)
            .bind(department)
            .execute(&mut *tx)
            .await?;
        if !url.is_empty() {
            sqlx::query(
                "INSERT INTO webhooks (jurisdiction, department, url, active, updated_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(jurisdiction)
            .bind(department)
            .bind(url)
            .bind(i64::from(active))
            .bind(at.timestamp_millis())
            .execute(&mut *tx)
            .await?;
            if active {
                // The pending pushes go to the new address at once, not after the back-off
                // earned at the old one.
                sqlx::query(
                    "UPDATE pushes SET next_attempt_at = $1
                     WHERE jurisdiction = $2 AND department = $3 AND status = 'pending' AND next_attempt_at > $1",
                )
                .bind(at.timestamp_millis())
                .bind(jurisdiction)
                .bind(department)
                .execute(&mut *tx)
                .await?;
            }
        }
        if url.is_empty() || !active {
            // Without a system the department's desk is the delivery: what waited for the old
            // address (and its dead letters) is delivered there, and says so.
            sqlx::query(
                "UPDATE pushes SET status = 'delivered', delivered_at = $1, lease_until = 0,
                   last_error = '该部门已停用系统对接，以监管工作台送达'
                 WHERE jurisdiction = $2 AND department = $3 AND status IN ('pending', 'dead')",
            )
            .bind(at.timestamp_millis())
            .bind(jurisdiction)
            .bind(department)
            .execute(&mut *tx)
            .await?;
        }
        events::append(
            &mut tx,
            &[side_event(
                None,
                jurisdiction,
                actor,
                at,
                "webhook_set",
                if url.is_empty() {
                    format!("取消{department}的推送接收地址")
                } else {
                    format!("设置{department}的推送接收地址")
                },
                json!({"department": department, "url": url, "active": active}),
            )],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn webhooks(&self, jurisdiction: &str) -> Result<Vec<Webhook>> {
        sqlx::query(
            "SELECT jurisdiction, department, url, active FROM webhooks WHERE jurisdiction = $1 ORDER BY department",
        )
        .bind(jurisdiction)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(|r| {
            Ok(Webhook {
                jurisdiction: r.try_get("jurisdiction")?,
                department: r.try_get("department")?,
                url: r.try_get("url")?,
                active: r.try_get::<i64, _>("active")? == 1,
            })
        })
        .collect()
    }

    /// Records a finding (抄告) and returns it.
    pub async fn record_finding(
        &self,
        f: &NewFinding,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<Finding> {
        if f.summary.trim().is_empty() {
            return Err(StoreError::Rejected("请填写检查发现的情况".into()));
        }
        let (holder_id, holder, item_code, case_id) = match &f.licence {
            Some(id) => {
                let l = self
                    .licence(id)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("没有证照编号为「{id}」的证照")))?;
                if l.jurisdiction != f.jurisdiction {
                    return Err(StoreError::Rejected("该证照不属于本县区".into()));
                }
                (l.holder_id, l.holder, l.item_code, Some(l.case_id))
            }
            None => {
                if f.holder_id.trim().is_empty() || f.holder.trim().is_empty() {
                    return Err(StoreError::Rejected(
                        "请填写证照编号，或被检查人的名称和证件号码".into(),
                    ));
                }
                (
                    f.holder_id.trim().to_string(),
                    f.holder.trim().to_string(),
                    f.item_code.trim().to_string(),
                    None,
                )
            }
        };
        let mut tx = self.begin_write().await?;
        let id = insert_finding(
            &mut tx,
            f,
            Resolved {
                holder_id: &holder_id,
                holder: &holder,
                item_code: &item_code,
                case_id,
            },
            actor,
            at,
        )
        .await?;
        tx.commit().await?;
        let row = sqlx::query(&format!(
            "SELECT {FINDING_COLUMNS} FROM findings WHERE id = $1"
        ))
        .bind(id)
        .fetch_one(self.reader())
        .await?;
        finding_from_row(&row)
    }

    /// Findings by filter, newest first.
    pub async fn findings(&self, f: &FindingFilter) -> Result<Vec<Finding>> {
        let mut sql = format!("SELECT {FINDING_COLUMNS} FROM findings WHERE 1 = 1");
        let mut binds = Vec::new();
        for (col, v) in [
            ("jurisdiction", &f.jurisdiction),
            ("department", &f.department),
            ("licence", &f.licence),
            ("holder_id", &f.holder_id),
            ("item_code", &f.item_code),
        ] {
            if let Some(v) = v {
                binds.push(v.clone());
                sql.push_str(&format!(" AND {col} = ${}", binds.len()));
            }
        }
        sql.push_str(" ORDER BY id DESC LIMIT 500");
        let mut q = sqlx::query(&sql);
        for b in &binds {
            q = q.bind(b.clone());
        }
        q.fetch_all(self.reader())
            .await?
            .iter()
            .map(finding_from_row)
            .collect()
    }

    /// A department's verification tasks (open ones first, by due date).
    pub async fn verification_tasks(
        &self,
        jurisdiction: &str,
        department: Option<&str>,
    ) -> Result<Vec<VerificationTask>> {
        let rows = sqlx::query(&format!(
            "SELECT {TASK_COLUMNS} FROM verification_tasks WHERE jurisdiction = $1 AND ($2 = '' OR department = $2)
             ORDER BY CASE WHEN state IN ('open', 'rectifying') THEN 0 ELSE 1 END, due_on, id LIMIT 500"
        ))
        .bind(jurisdiction)
        .bind(department.unwrap_or(""))
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(task_from_row).collect()
    }

    pub async fn verification_task(&self, id: i64) -> Result<VerificationTask> {
        let row = sqlx::query(&format!(
            "SELECT {TASK_COLUMNS} FROM verification_tasks WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.reader())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("没有编号为{id}的承诺核查任务")))?;
        task_from_row(&row)
    }

    /// The verification task of a licence, if it was granted on a commitment.
    /// The commitment verification of a licence: of any version of it (a change or renewal
    /// issues a new version; the task stays with the case that granted on the commitment).
    pub async fn verification_of(&self, licence: &str) -> Result<Option<VerificationTask>> {
        let row = sqlx::query(&format!(
            "SELECT {TASK_COLUMNS} FROM verification_tasks
             WHERE case_id = (SELECT case_id FROM licences WHERE identifier = $1) ORDER BY id LIMIT 1"
        ))
        .bind(licence)
        .fetch_optional(self.reader())
        .await?;
        row.as_ref().map(task_from_row).transpose()
    }

    /// Records what the department found. A false commitment writes a credit record that bars the
    /// applicant from notify-and-commit, and opens the revocation the bureau must decide (Art. 69
    /// para 2: obtained by deception).
    pub async fn record_verification(
        &self,
        id: i64,
        outcome: &VerificationOutcome,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<VerificationTask> {
        let task = self.verification_task(id).await?;
        let today = local_date(at);
        let state = verify_commitment(task.state, outcome, today).map_err(StoreError::Refused)?;
        let department = self
            .organisation()
            .await?
            .jurisdiction(&task.jurisdiction)
            .and_then(|j| j.department(&task.department).map(|d| d.name.clone()))
            .unwrap_or_else(|| task.department.clone());
        let mut outcomes = task.outcomes.clone();
        let mut entry = serde_json::to_value(outcome)?;
        entry["on"] = json!(fmt_date(today));
        entry["actor"] = json!(actor.name);
        outcomes.push(entry);
        let rectify_by = match outcome {
            VerificationOutcome::Rectify { by, .. } => Some(fmt_date(*by)),
            _ => task.rectify_by.clone(),
        };
        let mut tx = self.begin_write().await?;
        let r = sqlx::query(
            "UPDATE verification_tasks SET state = $1, rectify_by = $2, outcomes = $3, updated_at = $4
             WHERE id = $5 AND state = $6",
        )
        .bind(state.code())
        .bind(&rectify_by)
        .bind(serde_json::to_string(&outcomes)?)
        .bind(at.timestamp_millis())
        .bind(id)
        .bind(task.state.code())
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() != 1 {
            return Err(StoreError::Conflict(
                "该核查任务已被他人更新，请刷新后重试".into(),
            ));
        }
        let reason = match outcome {
            VerificationOutcome::Fulfilled { note } => format!("承诺属实：{note}"),
            VerificationOutcome::Rectify { by, reason } => {
                format!("责令于{}前整改：{reason}", fmt_date(*by))
            }
            VerificationOutcome::False { reason } => format!("承诺不实：{reason}"),
        };
        events::append(
            &mut tx,
            &[side_event(
                Some(task.case_id),
                &task.jurisdiction,
                actor,
                at,
                "commitment_verification",
                reason.clone(),
                json!({"task": id, "licence": task.licence, "state": state.code()}),
            )],
        )
        .await?;
        if state == VerificationState::False {
            add_credit(
                &mut tx,
                NewCredit {
                    holder_id: &task.holder_id,
                    holder: &task.holder,
                    jurisdiction: &task.jurisdiction,
                    kind: CreditKind::FalseCommitment,
                    reason: &reason,
                    source: &task.licence,
                },
                at,
            )
            .await?;
            crate::licence_acts::propose_revocation(
                &mut tx,
                &task.licence,
                task.case_id,
                &task.jurisdiction,
                &format!("{department}核查认定{reason}"),
                actor,
                at,
            )
            .await?;
        }
        tx.commit().await?;
        self.verification_task(id).await
    }

    /// An applicant's credit records, newest first.
    pub async fn credit_records(&self, holder_id: &str) -> Result<Vec<CreditRecord>> {
        sqlx::query(&format!(
            "SELECT {CREDIT_COLUMNS} FROM credit_records WHERE holder_id = $1 ORDER BY id DESC"
        ))
        .bind(holder_id)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(credit_from_row)
        .collect()
    }

    pub async fn credit_record(&self, id: i64) -> Result<CreditRecord> {
        let row = sqlx::query(&format!(
            "SELECT {CREDIT_COLUMNS} FROM credit_records WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.reader())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("没有编号为{id}的信用记录")))?;
        credit_from_row(&row)
    }

    /// Repairs a credit record (信用修复): an explicit act with its reason, logged.
    pub async fn repair_credit(
        &self,
        id: i64,
        reason: &str,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<CreditRecord> {
        if reason.trim().is_empty() {
            return Err(StoreError::Rejected(
                "信用修复须写明依据（如整改完成、信用承诺、修复决定文号）".into(),
            ));
        }
        let record = self.credit_record(id).await?;
        if record.repaired_at.is_some() {
            return Err(StoreError::Rejected("该信用记录已经修复".into()));
        }
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE credit_records SET repaired_at = $1, repaired_by = $2, repair_reason = $3 WHERE id = $4 AND repaired_at IS NULL",
        )
        .bind(at.timestamp_millis())
        .bind(&actor.name)
        .bind(reason.trim())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        events::append(
            &mut tx,
            &[side_event(
                None,
                &record.jurisdiction,
                actor,
                at,
                "credit_repair",
                format!(
                    "修复{}的信用记录（{}）：{}",
                    record.holder,
                    record.kind.label(),
                    reason.trim()
                ),
                json!({"credit": id, "holder_id": record.holder_id}),
            )],
        )
        .await?;
        tx.commit().await?;
        let row = sqlx::query(&format!(
            "SELECT {CREDIT_COLUMNS} FROM credit_records WHERE id = $1"
        ))
        .bind(id)
        .fetch_one(self.reader())
        .await?;
        credit_from_row(&row)
    }

    /// What the engine must know of an applicant: whether an unrepaired record bars
    /// notify-and-commit.
    pub async fn applicant_facts(&self, holder_id: &str) -> Result<ApplicantFacts> {
        let unrepaired: Vec<(CreditKind, String)> = self
            .credit_records(holder_id)
            .await?
            .into_iter()
            .filter(|r| r.repaired_at.is_none())
            .map(|r| (r.kind, format!("{}，{}", r.source, r.reason)))
            .collect();
        Ok(ApplicantFacts {
            commitment_barred: commitment_barred(&unrepaired),
        })
    }

    /// Deferred materials not supplied by their date (容缺): a warning on the case (an event) and on
    /// the applicant (a credit record that does not bar anything), once per case and material.
    /// Returns how many warnings were written.
    pub async fn sweep_deferred(&self, at: DateTime<Utc>) -> Result<usize> {
        let today = fmt_date(local_date(at));
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM cases WHERE closed = 0 AND deferred_due IS NOT NULL AND deferred_due < $1 ORDER BY id LIMIT 500",
        )
        .bind(&today)
        .fetch_all(self.reader())
        .await?;
        let mut written = 0;
        for id in ids {
            let record = self.case(id).await?;
            let late = record.deferred_warnings(local_date(at));
            if late.is_empty() {
                continue;
            }
            let mut tx = self.begin_write().await?;
            let mut events_out = Vec::new();
            for (code, due, reason) in late {
                let source = format!("{}:{}", record.number, code);
                if add_credit(
                    &mut tx,
                    NewCredit {
                        holder_id: &record.applicant.id_number,
                        holder: &record.applicant.name,
                        jurisdiction: &record.jurisdiction,
                        kind: CreditKind::DeferredOverdue,
                        reason: &reason,
                        source: &source,
                    },
                    at,
                )
                .await?
                {
                    events_out.push(side_event(
                        Some(id),
                        &record.jurisdiction,
                        &Actor::system(),
                        at,
                        "deferred_overdue",
                        reason,
                        json!({"material": code, "due": fmt_date(due)}),
                    ));
                }
            }
            written += events_out.len();
            events::append(&mut tx, &events_out).await?;
            tx.commit().await?;
        }
        Ok(written)
    }
}
