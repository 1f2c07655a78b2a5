//! Connection set-up and schema migrations.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};
use rusqlite_migration::{Migrations, M};

use super::Durability;
use crate::StoreError;

/// Address space mapped per connection (the OS page cache backs it; nothing is allocated up front).
const MMAP_BYTES: i64 = 16 * 1024 * 1024 * 1024;
/// Page cache per connection, in KiB.
const CACHE_KIB: i64 = 64 * 1024;

/// Migrations in order. Never edit a released one; append a new one.
fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(
            "CREATE TABLE resources (
            seq     INTEGER PRIMARY KEY AUTOINCREMENT,
            account TEXT NOT NULL,
            region  TEXT NOT NULL,
            kind    TEXT NOT NULL,
            id      TEXT NOT NULL,
            parent  TEXT,
            version INTEGER NOT NULL,
            doc     TEXT NOT NULL,
            UNIQUE (account, kind, region, id)
        );
        CREATE INDEX resources_by_kind ON resources (account, kind, region, seq);
        CREATE INDEX resources_by_parent ON resources (account, kind, region, parent, seq)
            WHERE parent IS NOT NULL;",
        ),
        // Audit events. `record` is opaque to the store (the recorder stores it compressed); `attrs` keeps the
        // event's attribute-index keys (little-endian i64s) so expiry can remove its index rows without decoding
        // the record. One attribute index serves all lookup attributes: its key is a stable hash of (account,
        // region, attribute, value), then time and seq, so a lookup is one range scan, newest first.
        M::up(
            "CREATE TABLE events (
                seq     INTEGER PRIMARY KEY AUTOINCREMENT,
                account TEXT NOT NULL,
                region  TEXT NOT NULL,
                t       INTEGER NOT NULL,
                attrs   BLOB NOT NULL,
                record  BLOB NOT NULL
            );
            CREATE INDEX events_by_time ON events (account, region, t, seq);
            CREATE TABLE event_attrs (
                h   INTEGER NOT NULL,
                t   INTEGER NOT NULL,
                seq INTEGER NOT NULL,
                PRIMARY KEY (h, t, seq)
            ) WITHOUT ROWID;",
        ),
        // The attribute index is built behind the commit path, in batches (`indexer.rs`): every event with
        // `seq <= indexed_upto` has its `event_attrs` rows; lookups scan the newer events directly. Everything
        // stored before this migration was indexed as it was committed.
        M::up(
            "CREATE TABLE event_index_state (
                id           INTEGER PRIMARY KEY CHECK (id = 1),
                indexed_upto INTEGER NOT NULL
            );
            INSERT INTO event_index_state (id, indexed_upto) SELECT 1, COALESCE(MAX(seq), 0) FROM events;",
        ),
    ])
}

pub(super) fn open_connection(
    path: &Path,
    durability: Durability,
    read_only: bool,
) -> Result<Connection, StoreError> {
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI
    };
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    if !read_only {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // A job with a precondition runs in a savepoint, and SQLite copies every page the job first touches into a
        // sub-journal; beyond 64 KiB that went to a temporary file, one `pwrite` per page (a quarter of the
        // writer's time under App Runner create/delete load, measured). In memory it is a copy.
        conn.pragma_update(None, "temp_store", "MEMORY")?;
    }
    let sync = match durability {
        Durability::Full => "FULL",
        Durability::Normal => "NORMAL",
    };
    conn.pragma_update(None, "synchronous", sync)?;
    // Event history grows to millions of rows and its attribute index is keyed by hash, so inserts and lookups touch
    // pages all over the file: map the file (no read syscall per page) and give each connection a larger cache.
    conn.pragma_update(None, "mmap_size", MMAP_BYTES)?;
    conn.pragma_update(None, "cache_size", -CACHE_KIB)?;
    // The bundled SQLite is built with STAT4, which expires a prepared statement whenever a parameter used in a
    // range constraint (`seq > ?`) is re-bound, so every cached statement was re-parsed and re-planned on every
    // call (16 µs instead of 4 µs per list query, measured). Plans here do not depend on parameter values: ask for
    // the query planner stability guarantee, which keeps cached statements prepared.
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

pub(super) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    migrations().to_latest(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        assert!(super::migrations().validate().is_ok());
    }
}
