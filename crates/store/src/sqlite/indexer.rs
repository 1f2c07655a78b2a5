//! The attribute index of Event history, built behind the commit path.
//!
//! A call's commit writes only its event row (the attribute hashes ride along in the row's `attrs` column). The
//! writer thread turns the newest events into `event_attrs` rows later, many events at a time: sorted by key, a
//! batch lands on few pages, and it needs no disk sync of its own (the index is derived data; the next durable
//! commit syncs it, and after a crash the batch is simply built again). `event_index_state.indexed_upto` says how
//! far the index reaches; lookups scan the events after it directly (`lookup.rs`), so an event is found from the
//! moment its call is answered.

use std::time::{Duration, Instant};

use rusqlite::{params, Connection};

use super::Durability;
use crate::StoreError;

/// When the writer builds the index.
#[derive(Debug, Clone, Copy)]
pub struct EventIndexing {
    /// Index as soon as this many events wait (also the most events one batch takes), so lookups never scan more
    /// than about this many unindexed events.
    pub batch: usize,
    /// Index whatever waits once the writer has had nothing to commit for this long.
    pub idle: Duration,
    /// After a failed batch, wait this long before the next attempt (a failing disk is not retried in a tight loop).
    pub retry: Duration,
}

impl Default for EventIndexing {
    fn default() -> Self {
        EventIndexing {
            batch: 1024,
            idle: Duration::from_millis(50),
            retry: Duration::from_secs(5),
        }
    }
}

/// The writer's view of the index: how many committed events are not yet in it.
pub(super) struct Indexer {
    policy: EventIndexing,
    durability: Durability,
    /// An estimate (counted from committed change sets); the batch itself reads the exact tail.
    waiting: usize,
    /// After a failed batch, no new attempt before this.
    retry_at: Option<Instant>,
}

impl Indexer {
    pub(super) fn open(
        conn: &Connection,
        policy: EventIndexing,
        durability: Durability,
    ) -> Result<Indexer, StoreError> {
        let upto = indexed_upto(conn)?;
        let mut stmt = conn.prepare_cached("SELECT COUNT(*) FROM events WHERE seq > ?1")?;
        let waiting: i64 = stmt.query_row(params![upto], |r| r.get(0))?;
        Ok(Indexer {
            policy: EventIndexing {
                batch: policy.batch.max(1),
                ..policy
            },
            durability,
            waiting: usize::try_from(waiting).unwrap_or(0),
            retry_at: None,
        })
    }

    /// How long the writer may wait for work before it should index instead (`None`: nothing to index).
    pub(super) fn idle_deadline(&self) -> Option<Duration> {
        let backoff = self.retry_at.map_or(Duration::ZERO, |at| {
            at.saturating_duration_since(Instant::now())
        });
        (self.waiting > 0).then_some(self.policy.idle.max(backoff))
    }

    pub(super) fn committed(&mut self, events: usize) {
        self.waiting = self.waiting.saturating_add(events);
    }

    /// Whether enough events wait that the writer should index them now, busy or not.
    pub(super) fn due(&self) -> bool {
        self.waiting >= self.policy.batch && self.retry_at.is_none_or(|at| Instant::now() >= at)
    }

    /// Index up to one batch of waiting events in a transaction of its own. A failure is logged and leaves the
    /// events waiting (lookups still find them); the next batch tries again. Returns whether it succeeded.
    pub(super) fn run(&mut self, conn: &mut Connection) -> bool {
        match index_batch(conn, self.policy.batch, self.durability) {
            Ok((indexed, more)) => {
                self.waiting = if more {
                    self.waiting.saturating_sub(indexed).max(1)
                } else {
                    0
                };
                self.retry_at = None;
                true
            }
            Err(e) => {
                tracing::error!(error = %e, retry = ?self.policy.retry, "building the event attribute index failed");
                self.retry_at = Some(Instant::now() + self.policy.retry);
                false
            }
        }
    }
}

pub(super) fn indexed_upto(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT indexed_upto FROM event_index_state WHERE id = 1")?
        .query_row([], |r| r.get(0))
}

/// Index the oldest `limit` unindexed events; returns how many, and whether more are waiting.
fn index_batch(
    conn: &mut Connection,
    limit: usize,
    durability: Durability,
) -> rusqlite::Result<(usize, bool)> {
    if durability == Durability::Normal {
        return index_in_transaction(conn, limit);
    }
    // Derived data: no sync at commit (`NORMAL` still syncs around checkpoints, so a checkpoint never depends on
    // unsynced pages). Durable commits that follow sync these pages with their own.
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    let outcome = index_in_transaction(conn, limit);
    // Never go on committing calls without `FULL`: a writer that cannot restore it stops (every call then fails).
    conn.pragma_update(None, "synchronous", "FULL")
        .expect("cannot restore synchronous=FULL after building the event index");
    outcome
}

fn index_in_transaction(conn: &mut Connection, limit: usize) -> rusqlite::Result<(usize, bool)> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let upto = indexed_upto(&tx)?;
    let mut keys: Vec<(i64, i64, i64)> = Vec::with_capacity(limit.min(4096) * 6);
    let mut last = upto;
    let mut read = 0usize;
    let mut more = false;
    {
        let mut stmt = tx.prepare_cached(
            "SELECT seq, t, attrs FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?;
        // One row beyond the batch tells whether more are waiting.
        let mut rows = stmt.query(params![
            upto,
            i64::try_from(limit.saturating_add(1)).unwrap_or(i64::MAX)
        ])?;
        while let Some(row) = rows.next()? {
            if read == limit {
                more = true;
                break;
            }
            let seq: i64 = row.get(0)?;
            let t: i64 = row.get(1)?;
            keys.extend(unpack(row.get_ref(2)?.as_blob()?).map(|h| (h, t, seq)));
            last = seq;
            read += 1;
        }
    }
    // In key order, consecutive inserts land on the same leaf page.
    keys.sort_unstable();
    {
        let mut insert =
            tx.prepare_cached("INSERT OR IGNORE INTO event_attrs (h, t, seq) VALUES (?1, ?2, ?3)")?;
        for (h, t, seq) in &keys {
            insert.execute(params![h, t, seq])?;
        }
        tx.prepare_cached("UPDATE event_index_state SET indexed_upto = ?1 WHERE id = 1")?
            .execute(params![last])?;
    }
    tx.commit()?;
    Ok((read, more))
}

/// The attribute hashes packed in an event row's `attrs` column (little-endian i64s).
pub(super) fn unpack(attrs: &[u8]) -> impl Iterator<Item = i64> + '_ {
    attrs.chunks_exact(8).map(|chunk| {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(chunk);
        i64::from_le_bytes(bytes)
    })
}
