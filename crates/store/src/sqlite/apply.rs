//! Applying one change set inside a savepoint.

use rusqlite::{params, OptionalExtension, Savepoint};

use crate::{Change, ChangeSet, Expect, ResourceKey};

pub(super) enum ApplyError {
    Conflict { kind: String, id: String },
    Sqlite(rusqlite::Error),
}

impl From<rusqlite::Error> for ApplyError {
    fn from(e: rusqlite::Error) -> Self {
        ApplyError::Sqlite(e)
    }
}

pub(super) fn apply(sp: &mut Savepoint<'_>, changes: &ChangeSet) -> Result<(), ApplyError> {
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
    Ok(())
}

fn current_version(sp: &Savepoint<'_>, key: &ResourceKey) -> Result<Option<i64>, rusqlite::Error> {
    let mut stmt = sp.prepare_cached(
        "SELECT version FROM resources WHERE account = ?1 AND kind = ?2 AND region = ?3 AND id = ?4",
    )?;
    stmt.query_row(params![key.account, key.kind, key.region, key.id], |r| {
        r.get(0)
    })
    .optional()
}

fn check(key: &ResourceKey, expect: Expect, current: Option<i64>) -> Result<(), ApplyError> {
    let ok = match expect {
        Expect::Any => true,
        Expect::Absent => current.is_none(),
        Expect::Version(v) => current == Some(v),
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
    sp: &mut Savepoint<'_>,
    key: &ResourceKey,
    parent: Option<&str>,
    doc: &str,
    expect: Expect,
) -> Result<(), ApplyError> {
    let current = current_version(sp, key)?;
    check(key, expect, current)?;
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
        Some(v) => {
            let mut stmt = sp.prepare_cached(
                "UPDATE resources SET parent = ?5, version = ?6, doc = ?7 \
                 WHERE account = ?1 AND kind = ?2 AND region = ?3 AND id = ?4",
            )?;
            stmt.execute(params![
                key.account,
                key.kind,
                key.region,
                key.id,
                parent,
                v + 1,
                doc
            ])?;
        }
    }
    Ok(())
}

fn delete(sp: &mut Savepoint<'_>, key: &ResourceKey, expect: Expect) -> Result<(), ApplyError> {
    let current = current_version(sp, key)?;
    check(key, expect, current)?;
    let mut stmt = sp.prepare_cached(
        "DELETE FROM resources WHERE account = ?1 AND kind = ?2 AND region = ?3 AND id = ?4",
    )?;
    stmt.execute(params![key.account, key.kind, key.region, key.id])?;
    Ok(())
}
