//! The embedded backend: one SQLite database in WAL mode.
//!
//! Writes go through a single writer thread that commits change sets in groups (one `fsync` for many calls,
//! each change set inside its own savepoint so one failed precondition does not undo the others). Reads use a
//! small pool of read-only connections and run inline: they are point lookups and short range scans over
//! indexes, cheaper than a hop to another thread.

mod apply;
mod reader;
mod schema;
mod writer;

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use rusqlite::{params, OptionalExtension};

use crate::{
    ChangeSet, CommitError, CommitReceipt, ListQuery, Resource, ResourceKey, Store, StoreError,
};
use reader::ReaderPool;
use writer::Writer;

/// How hard commits are pushed to disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// `synchronous=FULL`: a commit survives power loss. The default.
    Full,
    /// `synchronous=NORMAL`: survives a process crash, not power loss. For benchmarks and tests only.
    Normal,
}

pub struct SqliteStore {
    path: PathBuf,
    readers: ReaderPool,
    writer: Writer,
}

impl SqliteStore {
    /// Open (creating and migrating if needed) the database at `path`.
    pub fn open(path: &Path, durability: Durability) -> Result<SqliteStore, StoreError> {
        let mut conn = schema::open_connection(path, durability, false)?;
        schema::migrate(&mut conn)?;
        restrict_permissions(path);
        let writer = Writer::start(conn)?;
        let readers = ReaderPool::new(path.to_path_buf(), durability);
        Ok(SqliteStore {
            path: path.to_path_buf(),
            readers,
            writer,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The database holds secrets (access keys): only the owner may read it.
fn restrict_permissions(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
}

fn row_to_resource(row: &rusqlite::Row<'_>) -> rusqlite::Result<Resource> {
    Ok(Resource {
        seq: row.get(0)?,
        key: ResourceKey {
            account: row.get(1)?,
            region: row.get(2)?,
            kind: row.get(3)?,
            id: row.get(4)?,
        },
        parent: row.get(5)?,
        version: row.get(6)?,
        doc: row.get(7)?,
    })
}

const COLUMNS: &str = "seq, account, region, kind, id, parent, version, doc";

#[async_trait]
impl Store for SqliteStore {
    async fn get(&self, key: &ResourceKey) -> Result<Option<Resource>, StoreError> {
        self.readers.with(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM resources WHERE account = ?1 AND kind = ?2 AND region = ?3 AND id = ?4"
            ))?;
            Ok(stmt.query_row(params![key.account, key.kind, key.region, key.id], row_to_resource).optional()?)
        })
    }

    async fn list(&self, q: &ListQuery) -> Result<Vec<Resource>, StoreError> {
        let limit = i64::try_from(q.limit).unwrap_or(i64::MAX);
        let after = q.after_seq.unwrap_or(0);
        self.readers.with(|conn| {
            let rows = match &q.parent {
                None => {
                    let mut stmt = conn.prepare_cached(&format!(
                        "SELECT {COLUMNS} FROM resources WHERE account = ?1 AND kind = ?2 AND region = ?3 \
                         AND seq > ?4 ORDER BY seq LIMIT ?5"
                    ))?;
                    let rows = stmt.query_map(params![q.account, q.kind, q.region, after, limit], row_to_resource)?;
                    rows.collect::<Result<Vec<_>, _>>()?
                }
                Some(parent) => {
                    let mut stmt = conn.prepare_cached(&format!(
                        "SELECT {COLUMNS} FROM resources WHERE account = ?1 AND kind = ?2 AND region = ?3 \
                         AND parent = ?4 AND seq > ?5 ORDER BY seq LIMIT ?6"
                    ))?;
                    let rows = stmt
                        .query_map(params![q.account, q.kind, q.region, parent, after, limit], row_to_resource)?;
                    rows.collect::<Result<Vec<_>, _>>()?
                }
            };
            Ok(rows)
        })
    }

    async fn count(&self, account: &str, region: &str, kind: &str) -> Result<u64, StoreError> {
        self.readers.with(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT COUNT(*) FROM resources WHERE account = ?1 AND kind = ?2 AND region = ?3",
            )?;
            let n: i64 = stmt.query_row(params![account, kind, region], |r| r.get(0))?;
            Ok(u64::try_from(n).unwrap_or(0))
        })
    }

    async fn commit(&self, changes: ChangeSet) -> Result<CommitReceipt, CommitError> {
        self.writer.commit(changes).await
    }

    fn backend(&self) -> &'static str {
        "sqlite"
    }
}
