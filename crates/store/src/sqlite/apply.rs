//! Applying one change set inside a savepoint.

use rusqlite::{params, Connection, OptionalExtension};

use super::indexer::unpack;
use crate::{attr_hash, Change, ChangeSet, Expect, NewEvent, ResourceKey};

pub(super) enum ApplyError {
    Conflict { kind: String, id: String },
    Sqlite(rusqlite::Error),
}

impl From<rusqlite::Error> for ApplyError {
    fn from(e: rusqlite::Error) -> Self {
        ApplyError::Sqlite(e)
    }
}

pub(super) fn apply(sp: &Connection, changes: &ChangeSet) -> Result<(), ApplyError> {
    for change in &changes.changes {
        match change {
            Change::Put {
                key,
                parent,
                doc,
                expect,
            } => put(sp, key, parent.as_deref(), doc, *expect)?,
            Change::Delete { key, expect } => delete(sp, key, *expect)?,
        }
    }
    for event in &changes.events {
        append_event(sp, event)?;
    }
    Ok(())
}

/// The event row only: its attribute-index rows are written later, in batches, by `indexer.rs`.
fn append_event(sp: &Connection, event: &NewEvent) -> Result<(), rusqlite::Error> {
    let packed: Vec<u8> = event
        .attrs
        .iter()
        .flat_map(|(attr, value)| {
            attr_hash(&event.account, &event.region, *attr, value).to_le_bytes()
        })
        .collect();
    let mut insert = sp.prepare_cached(
        "INSERT INTO events (account, region, t, attrs, record) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    insert.execute(params![
        event.account,
        event.region,
        event.time_ms,
        packed,
        event.record
    ])?;
    Ok(())
}

/// Remove up to `limit` of the oldest events whose time is before `cutoff_ms`, with their index rows.
///
/// Events are visited in insertion order, which follows time up to the small reordering of one group commit, and
/// the scan stops at the first event that is not yet due, so expiry never reads more than it deletes.
pub(super) fn expire_events(
    sp: &Connection,
    cutoff_ms: i64,
    limit: usize,
) -> Result<u64, rusqlite::Error> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let due: Vec<(i64, i64, Vec<u8>)> = {
        let mut stmt =
            sp.prepare_cached("SELECT seq, t, attrs FROM events ORDER BY seq LIMIT ?1")?;
        let rows = stmt.query_map(params![limit], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        let mut due = Vec::new();
        for row in rows {
            let (seq, t, attrs): (i64, i64, Vec<u8>) = row?;
            if t >= cutoff_ms {
                break;
            }
            due.push((seq, t, attrs));
        }
        due
    };
    let mut del_attr =
        sp.prepare_cached("DELETE FROM event_attrs WHERE h = ?1 AND t = ?2 AND seq = ?3")?;
    let mut del_event = sp.prepare_cached("DELETE FROM events WHERE seq = ?1")?;
    for (seq, t, attrs) in &due {
        for h in unpack(attrs) {
            del_attr.execute(params![h, t, seq])?;
        }
        del_event.execute(params![seq])?;
    }
    Ok(due.len() as u64)
}

/// The row as it stands: found through the `(account, kind, region, id)` index once, then written through its
/// `seq` (an integer key), so an update or delete does not search the long text index a second time.
struct Current {
    seq: i64,
    version: i64,
    parent: Option<String>,
}

fn current(sp: &Connection, key: &ResourceKey) -> Result<Option<Current>, rusqlite::Error> {
    let mut stmt = sp.prepare_cached(
        "SELECT seq, version, parent FROM resources \
         WHERE account = ?1 AND kind = ?2 AND region = ?3 AND id = ?4",
    )?;
    stmt.query_row(params![key.account, key.kind, key.region, key.id], |r| {
        Ok(Current {
            seq: r.get(0)?,
            version: r.get(1)?,
            parent: r.get(2)?,
        })
    })
    .optional()
}

fn check(key: &ResourceKey, expect: Expect, current: Option<&Current>) -> Result<(), ApplyError> {
    let ok = match expect {
        Expect::Any => true,
        Expect::Absent => current.is_none(),
        Expect::Version(v) => current.map(|c| c.version) == Some(v),
    };
    if ok {
        Ok(())
    } else {
        Err(ApplyError::Conflict {
            kind: key.kind.clone(),
            id: key.id.clone(),
        })
    }
}

fn put(
    sp: &Connection,
    key: &ResourceKey,
    parent: Option<&str>,
    doc: &str,
    expect: Expect,
) -> Result<(), ApplyError> {
    let current = current(sp, key)?;
    check(key, expect, current.as_ref())?;
    match current {
        None => {
            let mut stmt = sp.prepare_cached(
                "INSERT INTO resources (account, region, kind, id, parent, version, doc) \
                 VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6)",
            )?;
            stmt.execute(params![
                key.account,
                key.region,
                key.kind,
                key.id,
                parent,
                doc
            ])?;
        }
        // Setting `parent` rewrites the row's entry in the parent index even when the value stays: only when it
        // changes.
        Some(c) if c.parent.as_deref() == parent => {
            let mut stmt =
                sp.prepare_cached("UPDATE resources SET version = ?2, doc = ?3 WHERE seq = ?1")?;
            stmt.execute(params![c.seq, c.version + 1, doc])?;
        }
        Some(c) => {
            let mut stmt = sp.prepare_cached(
                "UPDATE resources SET parent = ?2, version = ?3, doc = ?4 WHERE seq = ?1",
            )?;
            stmt.execute(params![c.seq, parent, c.version + 1, doc])?;
        }
    }
    Ok(())
}

fn delete(sp: &Connection, key: &ResourceKey, expect: Expect) -> Result<(), ApplyError> {
    let current = current(sp, key)?;
    check(key, expect, current.as_ref())?;
    if let Some(c) = current {
        let mut stmt = sp.prepare_cached("DELETE FROM resources WHERE seq = ?1")?;
        stmt.execute(params![c.seq])?;
    }
    Ok(())
}
