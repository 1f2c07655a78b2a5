//! The single writer thread and its group commit.
//!
//! Callers hand a change set to the thread and wait for its answer. The thread takes every job that is already
//! waiting (up to `MAX_BATCH`), applies each inside its own savepoint of one `BEGIN IMMEDIATE` transaction, and
//! commits once: one disk sync for the whole group. A job whose precondition fails is rolled back to its
//! savepoint and answered `Conflict`; the others still commit. If the final `COMMIT` fails, every job of the group
//! is answered with that error, so no caller is ever told "done" for data that is not on disk.

use std::sync::mpsc;
use std::thread;

use rusqlite::Connection;
use tokio::sync::oneshot;

use std::sync::Arc;

use super::apply::{apply, expire_events, ApplyError};
use super::cache::ReadCache;
use crate::{ChangeSet, CommitError, CommitReceipt, StoreError};

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
    pub(super) fn start(conn: Connection, cache: Arc<ReadCache>) -> Result<Writer, StoreError> {
        let (jobs, rx) = mpsc::channel::<Job>();
        thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || run(conn, rx, &cache))
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

fn run(mut conn: Connection, rx: mpsc::Receiver<Job>, cache: &ReadCache) {
    // Ends when every sender is gone (the store was dropped) and the queue is drained.
    while let Ok(first) = rx.recv() {
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
        let size = batch.len();
        for (job, outcome) in batch.into_iter().zip(outcomes) {
            let answer = outcome.map(|done| match done {
                Done::Committed(_) => Done::Committed(CommitReceipt { batch_size: size }),
                other => other,
            });
            // The caller may have gone away (client disconnected); the data is committed all the same.
            let _ = job.reply.send(answer);
        }
    }
}

/// Run one statement through the statement cache: transaction control is executed for every job, and parsing
/// it each time (as `Connection::savepoint` does) was a measurable part of the writer's time.
fn control(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([])?;
    Ok(())
}

fn commit_batch(conn: &mut Connection, batch: &[Job]) -> Vec<Result<Done, CommitError>> {
    if let Err(e) = control(conn, "BEGIN IMMEDIATE") {
        let text = format!("cannot begin a transaction: {e}");
        return batch
            .iter()
            .map(|_| Err(CommitError::Store(StoreError::Other(text.clone()))))
            .collect();
    }
    let mut outcomes = Vec::with_capacity(batch.len());
    for job in batch {
        // Each job in its own savepoint: a failed precondition undoes that job only.
        let outcome = match control(conn, "SAVEPOINT job") {
            Err(e) => Err(CommitError::Store(e.into())),
            Ok(()) => match run_job(conn, &job.work) {
                Ok(done) => control(conn, "RELEASE job")
                    .map(|()| done)
                    .map_err(|e| CommitError::Store(e.into())),
                Err(err) => {
                    let undone = control(conn, "ROLLBACK TO job")
                        .and_then(|()| control(conn, "RELEASE job"));
                    match (err, undone) {
                        (_, Err(e)) => Err(CommitError::Store(e.into())),
                        (ApplyError::Conflict { kind, id }, Ok(())) => {
                            Err(CommitError::Conflict { kind, id })
                        }
                        (ApplyError::Sqlite(e), Ok(())) => Err(CommitError::Store(e.into())),
                    }
                }
            },
        };
        outcomes.push(outcome);
    }
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
