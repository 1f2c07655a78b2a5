//! Event history lookups: newest first, by time or by one attribute.
//!
//! A time query reads `events_by_time`, which SQLite keeps with every insert. An attribute query reads
//! `event_attrs` up to `indexed_upto` and scans the few newer events that the indexer has not reached yet
//! (`indexer.rs`), then merges the two.

use rusqlite::{params, Connection};

use super::indexer::{indexed_upto, unpack};
use crate::{attr_hash, EventQuery, StoreError, StoredEvent};

const EVENTS_BY_TIME_SQL: &str = "SELECT seq, t, record FROM events \
     WHERE account = ?1 AND region = ?2 AND t BETWEEN ?3 AND ?4 AND (t, seq) < (?5, ?6) \
     ORDER BY t DESC, seq DESC LIMIT ?7";
const EVENTS_BY_ATTR_SQL: &str =
    "SELECT e.seq, e.t, e.record FROM event_attrs a JOIN events e ON e.seq = a.seq \
     WHERE a.h = ?1 AND a.t BETWEEN ?2 AND ?3 AND (a.t, a.seq) < (?4, ?5) AND a.seq <= ?6 \
     AND e.account = ?7 AND e.region = ?8 \
     ORDER BY a.t DESC, a.seq DESC LIMIT ?9";
/// The unindexed tail, read by `seq` alone (the unary `+` keeps SQLite from choosing `events_by_time`, which
/// would scan the account's whole history); `instr` skips rows whose packed hashes cannot hold the key.
const UNINDEXED_SQL: &str = "SELECT seq, t, attrs, record FROM events \
     WHERE seq > ?1 AND +account = ?2 AND +region = ?3 AND +t BETWEEN ?4 AND ?5 AND (+t, seq) < (?6, ?7) \
     AND instr(attrs, ?8) > 0";

pub(super) fn lookup_events(
    conn: &Connection,
    q: &EventQuery,
) -> Result<Vec<StoredEvent>, StoreError> {
    let (before_t, before_seq) = q.before.unwrap_or((i64::MAX, i64::MAX));
    let limit = i64::try_from(q.limit).unwrap_or(i64::MAX);
    let to_event = |r: &rusqlite::Row<'_>| {
        Ok(StoredEvent {
            seq: r.get(0)?,
            time_ms: r.get(1)?,
            record: r.get(2)?,
        })
    };
    let Some((attr, value)) = &q.attr else {
        let mut stmt = conn.prepare_cached(EVENTS_BY_TIME_SQL)?;
        let rows = stmt.query_map(
            params![q.account, q.region, q.start_ms, q.end_ms, before_t, before_seq, limit],
            to_event,
        )?;
        return Ok(rows.collect::<Result<Vec<_>, _>>()?);
    };
    let h = attr_hash(&q.account, &q.region, *attr, value);
    // Everything up to `upto` is in the index; the tail is read first and may include events committed since,
    // which the index query then leaves out (`a.seq <= upto`), so no event is returned twice or missed.
    let upto = indexed_upto(conn)?;
    let mut found = Vec::new();
    {
        let mut stmt = conn.prepare_cached(UNINDEXED_SQL)?;
        let mut rows = stmt.query(params![
            upto,
            q.account,
            q.region,
            q.start_ms,
            q.end_ms,
            before_t,
            before_seq,
            h.to_le_bytes().to_vec()
        ])?;
        while let Some(row) = rows.next()? {
            let attrs = row.get_ref(2)?.as_blob().map_err(rusqlite::Error::from)?;
            if unpack(attrs).any(|k| k == h) {
                found.push(StoredEvent {
                    seq: row.get(0)?,
                    time_ms: row.get(1)?,
                    record: row.get(3)?,
                });
            }
        }
    }
    {
        let mut stmt = conn.prepare_cached(EVENTS_BY_ATTR_SQL)?;
        let rows = stmt.query_map(
            params![
                h, q.start_ms, q.end_ms, before_t, before_seq, upto, q.account, q.region, limit
            ],
            to_event,
        )?;
        for row in rows {
            found.push(row?);
        }
    }
    found.sort_unstable_by_key(|e| std::cmp::Reverse((e.time_ms, e.seq)));
    found.truncate(q.limit);
    Ok(found)
}
