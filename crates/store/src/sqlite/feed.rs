//! The event feed: events in commit order, for trail delivery.

use rusqlite::{params, Connection};

use crate::{FeedEvent, StoreError};

pub(super) fn last_event_seq(conn: &Connection) -> Result<i64, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT COALESCE(MAX(seq), 0) FROM events")?;
    Ok(stmt.query_row([], |r| r.get(0))?)
}

pub(super) fn events_after(
    conn: &Connection,
    account: &str,
    after_seq: i64,
    limit: usize,
) -> Result<Vec<FeedEvent>, StoreError> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut stmt = conn.prepare_cached(
        "SELECT seq, region, t, record FROM events WHERE seq > ?1 AND account = ?2 ORDER BY seq LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![after_seq, account, limit], |r| {
        Ok(FeedEvent {
            seq: r.get(0)?,
            region: r.get(1)?,
            time_ms: r.get(2)?,
            record: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}
