//! The single writer thread and its group commit.
//!
//! Callers hand a change set to the thread and wait for its answer. The thread takes every job that is already
//! waiting (up to `MAX_BATCH`), applies them in one `BEGIN IMMEDIATE` transaction, and commits once: one disk sync
//! for the whole group. A job with a precondition runs in its own savepoint; if the precondition fails it is
//! rolled back to it and answered `Conflict`, and the others still commit. If the final `COMMIT` fails, every job
//! of the group is answered with that error, so no caller is ever told "done" for data that is not on disk.
//!
//! Between groups the same thread builds Event history's attribute index (`indexer.rs`): when enough events
//! wait, or when no job has come for a moment.

use std::sync::mpsc;
use std::thread;

use rusqlite::Connection;
use tokio::sync::oneshot;

use std::sync::Arc;

use super::apply::{apply, expire_events, ApplyError};
use super::cache::ReadCache;
use super::indexer::{EventIndexing, Indexer};
use super::Durability;
use crate::{Change, ChangeSet, CommitError, CommitReceipt, Expect, StoreError};

const MAX_BATCH: usize = 512;

struct Job {
    work: Work,
    reply: oneshot::Sender<Result<Done, CommitError>>,
}

enum Work {
    Commit(ChangeSet),
    ExpireEvents { cutoff_ms: i64, limit: usize },
}

enum Done {
    Committed(CommitReceipt),
    Expired(u64),
}

pub(super) struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    pub(super) fn start(
        conn: Connection,
        cache: Arc<ReadCache>,
        indexing: EventIndexing,
        durability: Durability,
    ) -> Result<Writer, StoreError> {
        let index = Indexer::open(&conn, indexing, durability)?;
        let (jobs, rx) = mpsc::channel::<Job>();
        thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || run(conn, rx, &cache, index))
            .map_err(|e| StoreError::Other(format!("cannot start the writer thread: {e}")))?;
        Ok(Writer { jobs })
    }

    async fn submit(&self, work: Work) -> Result<Done, CommitError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job { work, reply })
            .map_err(|_| StoreError::WriterGone)?;
        answer.await.map_err(|_| StoreError::WriterGone)?
    }

    pub(super) async fn commit(&self, changes: ChangeSet) -> Result<CommitReceipt, CommitError> {
        match self.submit(Work::Commit(changes)).await? {
            Done::Committed(receipt) => Ok(receipt),
            Done::Expired(_) => {
                Err(StoreError::Other("writer answered the wrong job".into()).into())
            }
        }
    }

    pub(super) async fn expire_events(
        &self,
        cutoff_ms: i64,
        limit: usize,
    ) -> Result<u64, StoreError> {
        match self.submit(Work::ExpireEvents { cutoff_ms, limit }).await {
            Ok(Done::Expired(n)) => Ok(n),
            Ok(Done::Committed(_)) => {
                Err(StoreError::Other("writer answered the wrong job".into()))
            }
            Err(CommitError::Store(e)) => Err(e),
            Err(CommitError::Conflict { .. }) => {
                Err(StoreError::Other("expiry cannot conflict".into()))
            }
        }
    }
}

fn run(mut conn: Connection, rx: mpsc::Receiver<Job>, cache: &ReadCache, mut index: Indexer) {
    loop {
        // With events waiting for the index, a quiet moment is the time to build it.
        let first = match index.idle_deadline() {
            None => match rx.recv() {
                Ok(job) => job,
                Err(_) => break,
            },
            Some(idle) => match rx.recv_timeout(idle) {
                Ok(job) => job,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    index.run(&mut conn);
                    continue;
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            },
        };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let outcomes = commit_batch(&mut conn, &batch);
        // Readers must not be served a cached answer from before this commit once anyone hears "done".
        let changed_resources = batch.iter().zip(&outcomes).any(|(job, o)| {
            o.is_ok() && matches!(&job.work, Work::Commit(cs) if cs.changes_resources())
        });
        if changed_resources {
            cache.invalidate();
        }
        index.committed(
            batch
                .iter()
                .zip(&outcomes)
                .filter(|(_, o)| o.is_ok())
                .map(|(job, _)| match &job.work {
                    Work::Commit(cs) => cs.events.len(),
                    Work::ExpireEvents { .. } => 0,
                })
                .sum(),
        );
        let size = batch.len();
        for (job, outcome) in batch.into_iter().zip(outcomes) {
            let answer = outcome.map(|done| match done {
                Done::Committed(_) => Done::Committed(CommitReceipt { batch_size: size }),
                other => other,
            });
            // The caller may have gone away (client disconnected); the data is committed all the same.
            let _ = job.reply.send(answer);
        }
        // Under steady load the writer is never idle: keep the unindexed tail short all the same.
        while index.due() && index.run(&mut conn) {}
    }
    // Shutting down: leave the index complete for the next start.
    while index.idle_deadline().is_some() && index.run(&mut conn) {}
}

/// Run one statement through the statement cache: transaction control is executed for every job, and parsing
/// it each time (as `Connection::savepoint` does) was a measurable part of the writer's time.
fn control(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([])?;
    Ok(())
}

fn commit_batch(conn: &mut Connection, batch: &[Job]) -> Vec<Result<Done, CommitError>> {
    // Most jobs cannot fail on their own (a call's record, a write without a precondition): they run without a
    // savepoint of their own, which spares SQLite from copying every page they touch into its sub-journal. If
    // one of them fails after all, the group is rolled back and run again with a savepoint around every job.
    match try_batch(conn, batch, false) {
        Some(outcomes) => outcomes,
        None => try_batch(conn, batch, true)
            .expect("with a savepoint per job, a job's failure is its own"),
    }
}

/// Whether a job can fail while the rest of its group commits (a precondition that may not hold).
fn may_conflict(job: &Job) -> bool {
    match &job.work {
        Work::Commit(changes) => changes.changes.iter().any(|c| match c {
            Change::Put { expect, .. } | Change::Delete { expect, .. } => *expect != Expect::Any,
        }),
        Work::ExpireEvents { .. } => false,
    }
}

/// Run one group in one transaction. `None`: a job without a savepoint failed, the transaction was rolled back,
/// and the group must be run again with `isolate_all`.
fn try_batch(
    conn: &mut Connection,
    batch: &[Job],
    isolate_all: bool,
) -> Option<Vec<Result<Done, CommitError>>> {
    if let Err(e) = control(conn, "BEGIN IMMEDIATE") {
        let text = format!("cannot begin a transaction: {e}");
        return Some(
            batch
                .iter()
                .map(|_| Err(CommitError::Store(StoreError::Other(text.clone()))))
                .collect(),
        );
    }
    let mut outcomes = Vec::with_capacity(batch.len());
    for job in batch {
        if !isolate_all && !may_conflict(job) {
            match run_job(conn, &job.work) {
                Ok(done) => outcomes.push(Ok(done)),
                Err(_) => {
                    let _ = conn.execute_batch("ROLLBACK");
                    return None;
                }
            }
            continue;
        }
        outcomes.push(run_isolated(conn, job));
    }
    Some(finish(conn, outcomes))
}

/// One job in its own savepoint: a failed precondition undoes that job only.
fn run_isolated(conn: &Connection, job: &Job) -> Result<Done, CommitError> {
    control(conn, "SAVEPOINT job").map_err(|e| CommitError::Store(e.into()))?;
    match run_job(conn, &job.work) {
        Ok(done) => control(conn, "RELEASE job")
            .map(|()| done)
            .map_err(|e| CommitError::Store(e.into())),
        Err(err) => {
            let undone =
                control(conn, "ROLLBACK TO job").and_then(|()| control(conn, "RELEASE job"));
            match (err, undone) {
                (_, Err(e)) => Err(CommitError::Store(e.into())),
                (ApplyError::Conflict { kind, id }, Ok(())) => {
                    Err(CommitError::Conflict { kind, id })
                }
                (ApplyError::Sqlite(e), Ok(())) => Err(CommitError::Store(e.into())),
            }
        }
    }
}

fn finish(
    conn: &mut Connection,
    outcomes: Vec<Result<Done, CommitError>>,
) -> Vec<Result<Done, CommitError>> {
    match control(conn, "COMMIT") {
        Ok(()) => outcomes,
        Err(e) => {
            tracing::error!(error = %e, "group commit failed; every call in the group fails");
            // Leave no half-open transaction behind for the next group.
            let _ = conn.execute_batch("ROLLBACK");
            outcomes
                .into_iter()
                .map(|_| {
                    Err(CommitError::Store(StoreError::Other(format!(
                        "commit failed: {e}"
                    ))))
                })
                .collect()
        }
    }
}

fn run_job(sp: &Connection, work: &Work) -> Result<Done, ApplyError> {
    match work {
        Work::Commit(changes) => {
            apply(sp, changes).map(|()| Done::Committed(CommitReceipt::default()))
        }
        Work::ExpireEvents { cutoff_ms, limit } => {
            Ok(Done::Expired(expire_events(sp, *cutoff_ms, *limit)?))
        }
    }
}
