//! Group commit for SQLite's one writer. SQLite writes one transaction at a time, and with
//! `synchronous=FULL` each commit waits for the disk. When writes queue up, the writer runs them one
//! after another inside one transaction, each in its own savepoint (a failing write rolls back only
//! itself), and commits them together with one flush to disk. No write is answered before the
//! commit that holds it: what is acknowledged is on disk.
//!
//! The first write of a group opens no savepoint: what it undoes is the whole transaction. SQLite
//! keeps a savepoint's undo in a journal in memory that it walks from the start at the end of every
//! statement inside it, so a large write in one (a batch of generated cases, a catalog import)
//! slows with the square of its size; a large write that joins a group behind others still does.
//!
//! [`WriteTx`] is what the store's writes use: on PostgreSQL a plain transaction (many writers run at
//! once), on SQLite a member of the current group. Call [`WriteTx::commit`] to keep the writes;
//! dropping it (an error, a cancelled request) rolls back its own writes only.
//!
//! Who commits: a member that finishes while nobody else is waiting for the writer commits the
//! group (or when the group is full); otherwise it leaves the group open for the next member, who
//! will. A member that gives up does the same check, so a group is never left open.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::{Any, AnyConnection, AnyPool, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard, watch};

use crate::{Conflict, Result, StoreError};

/// The most writes committed together.
const MAX_GROUP: usize = 64;

/// The outcome of a group's commit, as its members learn it.
type Outcome = Option<std::result::Result<(), String>>;

#[derive(Debug)]
pub(crate) struct Group {
    pool: AnyPool,
    open: Arc<Mutex<Open>>,
    /// Writers waiting for the lock.
    waiting: AtomicUsize,
}

#[derive(Debug)]
struct Open {
    tx: Option<Transaction<'static, Any>>,
    /// Writes kept in the open transaction.
    members: usize,
    /// Whether the member holding the lock wrote in a savepoint of its own (not when it was the
    /// first of the group: it rolls back the whole transaction).
    savepoint: bool,
    /// Tells the members how their group's commit went.
    done: watch::Sender<Outcome>,
}

impl Open {
    fn start(&mut self, tx: Transaction<'static, Any>) {
        self.tx = Some(tx);
        self.members = 0;
        self.done = watch::channel(None).0;
    }
}

/// Counts a writer as waiting until it holds the lock. One that gives up before (a cancelled
/// request) may have been the member the group was left open for: it has the group settled.
struct Waiting {
    group: Arc<Group>,
    acquired: bool,
}

impl Drop for Waiting {
    fn drop(&mut self) {
        self.group.waiting.fetch_sub(1, Ordering::SeqCst);
        if !self.acquired {
            tokio::spawn(self.group.clone().settle());
        }
    }
}

impl Group {
    pub(crate) fn new(pool: AnyPool) -> Arc<Self> {
        Arc::new(Group {
            pool,
            open: Arc::new(Mutex::new(Open {
                tx: None,
                members: 0,
                savepoint: false,
                done: watch::channel(None).0,
            })),
            waiting: AtomicUsize::new(0),
        })
    }

    async fn join(self: &Arc<Self>) -> Result<OwnedMutexGuard<Open>> {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let mut waiting = Waiting {
            group: self.clone(),
            acquired: false,
        };
        let mut open = self.open.clone().lock_owned().await;
        waiting.acquired = true;
        drop(waiting);
        let started = async {
            if open.tx.is_none() {
                let tx = self.pool.begin().await?;
                open.start(tx);
            }
            // Others' writes are in the transaction: this one's are kept apart from them.
            open.savepoint = open.members > 0;
            if open.savepoint {
                let tx = open.tx.as_mut().expect("an open transaction");
                sqlx::query("SAVEPOINT yiyin_write")
                    .execute(&mut **tx)
                    .await?;
            }
            Ok::<_, StoreError>(())
        }
        .await;
        match started {
            Ok(()) => Ok(open),
            Err(e) => {
                // This writer will not be the one to commit what others left open.
                if self.should_commit(&open) {
                    let _ = Group::commit_group(&mut open).await;
                }
                Err(e)
            }
        }
    }

    /// Commits the open group if nobody else will.
    async fn settle(self: Arc<Self>) {
        let mut open = self.open.clone().lock_owned().await;
        if self.should_commit(&open) {
            let _ = Group::commit_group(&mut open).await;
        }
    }

    /// Whether the member now holding the lock should commit the group.
    fn should_commit(&self, open: &Open) -> bool {
        open.members > 0 && (self.waiting.load(Ordering::SeqCst) == 0 || open.members >= MAX_GROUP)
    }

    /// Commits the open group and tells its members. The commit runs in its own task, so that a
    /// cancelled request cannot leave it half done.
    async fn commit_group(open: &mut Open) -> std::result::Result<(), String> {
        let Some(tx) = open.tx.take() else {
            return Ok(());
        };
        let done = open.done.clone();
        let result = tokio::spawn(async move { tx.commit().await.map_err(|e| e.to_string()) })
            .await
            .unwrap_or_else(|e| Err(e.to_string()));
        let _ = done.send(Some(result.clone()));
        open.members = 0;
        result
    }

    /// Leaves the group without keeping this member's writes.
    async fn abandon(self: Arc<Self>, mut open: OwnedMutexGuard<Open>) {
        if open.savepoint
            && let Some(tx) = open.tx.as_mut()
        {
            let undone = async {
                sqlx::query("ROLLBACK TO yiyin_write")
                    .execute(&mut **tx)
                    .await?;
                sqlx::query("RELEASE yiyin_write").execute(&mut **tx).await
            }
            .await;
            if let Err(e) = undone {
                // The transaction can no longer be trusted: fail the whole group.
                tracing::error!(error = %e, "group rollback failed");
                let done = open.done.clone();
                open.tx = None;
                open.members = 0;
                let _ = done.send(Some(Err(e.to_string())));
                return;
            }
        }
        if open.members == 0 {
            // Nobody else's writes are in it: end it.
            if let Some(tx) = open.tx.take() {
                let _ = tx.rollback().await;
            }
        } else if self.should_commit(&open) {
            let _ = Group::commit_group(&mut open).await;
        }
    }
}

/// A write transaction: plain (PostgreSQL) or a member of a group (SQLite).
pub struct WriteTx {
    inner: Inner,
    /// The events this transaction appended (written on commit) and the chains' heads it locked.
    pub(crate) chain: crate::events::ChainState,
    /// The statistics sums to add at commit ([`WriteTx::defer_summary_sums`]).
    pub(crate) deferred_sums: Vec<(
        crate::statistics::SumKey,
        chrono::NaiveDate,
        yiyin_domain::statistics::Tally,
    )>,
    /// Whether each case read so far was received in simulation (a case is marked once, at its
    /// receipt, and never unmarked): read once a write, however many of its steps ask.
    pub(crate) simulated: std::collections::HashMap<i64, bool>,
    /// The jurisdictions read so far, as this transaction sees them (read and parsed once a write;
    /// forgotten when the transaction saves the organisation).
    pub(crate) jurisdictions: std::collections::HashMap<String, yiyin_domain::org::Jurisdiction>,
}

enum Inner {
    Plain(Option<Transaction<'static, Any>>),
    Member {
        group: Arc<Group>,
        open: Option<OwnedMutexGuard<Open>>,
    },
}

impl WriteTx {
    pub(crate) async fn begin(pool: &AnyPool, group: Option<&Arc<Group>>) -> Result<Self> {
        Ok(WriteTx {
            chain: Default::default(),
            deferred_sums: Vec::new(),
            simulated: Default::default(),
            jurisdictions: Default::default(),
            inner: match group {
                None => Inner::Plain(Some(pool.begin().await?)),
                Some(g) => Inner::Member {
                    group: g.clone(),
                    open: Some(g.join().await?),
                },
            },
        })
    }

    /// Whether this write is on SQLite (a member of the one writer's group).
    pub(crate) fn is_sqlite(&self) -> bool {
        matches!(self.inner, Inner::Member { .. })
    }

    /// Keeps the writes; returns once they are on disk.
    pub async fn commit(mut self) -> Result<()> {
        self.write_deferred_sums().await?;
        self.finish_chain().await?;
        match &mut self.inner {
            Inner::Plain(tx) => {
                tx.take().expect("an open transaction").commit().await?;
                Ok(())
            }
            Inner::Member { group, open } => {
                let mut guard = open.take().expect("a member holds the lock");
                if guard.savepoint
                    && let Err(e) = sqlx::query("RELEASE yiyin_write")
                        .execute(&mut **guard.tx.as_mut().expect("an open transaction"))
                        .await
                {
                    tokio::spawn(group.clone().abandon(guard));
                    return Err(e.into());
                }
                guard.members += 1;
                let result = if group.should_commit(&guard) {
                    Group::commit_group(&mut guard).await
                } else {
                    let mut outcome = guard.done.subscribe();
                    drop(guard);
                    match outcome.wait_for(Option::is_some).await {
                        Ok(o) => o.clone().expect("a decided outcome"),
                        Err(_) => Err("the write group ended".into()),
                    }
                };
                result.map_err(|e| StoreError::Conflict(Conflict::Commit(e)))
            }
        }
    }

    /// Discards the writes. On SQLite, returns once the group it was in has committed, so that
    /// what the other members wrote (say, the same idempotency key) is visible to reads.
    pub async fn rollback(mut self) -> Result<()> {
        match &mut self.inner {
            Inner::Plain(tx) => {
                if let Some(tx) = tx.take() {
                    tx.rollback().await?;
                }
                Ok(())
            }
            Inner::Member { group, open } => {
                if let Some(guard) = open.take() {
                    let others = guard.members > 0;
                    let mut outcome = guard.done.subscribe();
                    group.clone().abandon(guard).await;
                    if others {
                        let _ = outcome.wait_for(Option::is_some).await;
                    }
                }
                Ok(())
            }
        }
    }
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        if let Inner::Member { group, open } = &mut self.inner
            && let Some(guard) = open.take()
        {
            tokio::spawn(group.clone().abandon(guard));
        }
    }
}

impl Deref for WriteTx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        match &self.inner {
            Inner::Plain(tx) => tx.as_ref().expect("an open transaction"),
            Inner::Member { open, .. } => open
                .as_ref()
                .and_then(|o| o.tx.as_ref())
                .expect("an open transaction"),
        }
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match &mut self.inner {
            Inner::Plain(tx) => tx.as_mut().expect("an open transaction"),
            Inner::Member { open, .. } => open
                .as_mut()
                .and_then(|o| o.tx.as_mut())
                .expect("an open transaction"),
        }
    }
}
