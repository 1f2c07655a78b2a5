//! The embedded backend: one SQLite database in WAL mode.
//!
//! Writes go through a single writer thread that commits change sets in groups (one `fsync` for many calls,
//! each change set inside its own savepoint so one failed precondition does not undo the others). Reads use a
//! small pool of read-only connections and run inline: they are point lookups and short range scans over
//! indexes, cheaper than a hop to another thread. A generation-validated read cache ([`cache`]) answers repeated
//! reads without a read transaction.

mod apply;
mod cache;
mod feed;
mod indexer;
mod lookup;
mod reader;
mod schema;
mod writer;

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use rusqlite::{params, OptionalExtension};

use crate::{
    ChangeSet, CommitError, CommitReceipt, EventQuery, FeedEvent, ListQuery, Resource, ResourceKey,
    Store, StoreError, StoredEvent,
};
use cache::{CacheKey, Cached, ReadCache};
pub use indexer::EventIndexing;
use reader::ReaderPool;
use std::sync::Arc;
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
    readers: Arc<ReaderPool>,
    writer: Writer,
    cache: Arc<ReadCache>,
}

impl SqliteStore {
    /// Open (creating and migrating if needed) the database at `path`.
    pub fn open(path: &Path, durability: Durability) -> Result<SqliteStore, StoreError> {
        Self::open_with(path, durability, EventIndexing::default())
    }

    /// [`SqliteStore::open`] with a chosen schedule for building Event history's attribute index.
    pub fn open_with(
        path: &Path,
        durability: Durability,
        indexing: EventIndexing,
    ) -> Result<SqliteStore, StoreError> {
        let mut conn = schema::open_connection(path, durability, false)?;
        schema::migrate(&mut conn)?;
        restrict_permissions(path);
        let cache = Arc::new(ReadCache::new());
        let writer = Writer::start(conn, cache.clone(), indexing, durability)?;
        let readers = Arc::new(ReaderPool::new(path.to_path_buf(), durability));
        Ok(SqliteStore {
            path: path.to_path_buf(),
            readers,
            writer,
            cache,
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

// Statements are constants so the per-connection statement cache is hit without building a string per call.
const GET_SQL: &str = "SELECT seq, account, region, kind, id, parent, version, doc FROM resources \
                       WHERE account = ?1 AND kind = ?2 AND region = ?3 AND id = ?4";
const LIST_SQL: &str = "SELECT seq, account, region, kind, id, parent, version, doc FROM resources \
                        WHERE account = ?1 AND kind = ?2 AND region = ?3 AND seq > ?4 ORDER BY seq LIMIT ?5";
const LIST_BY_PARENT_SQL: &str = "SELECT seq, account, region, kind, id, parent, version, doc FROM resources \
                                  WHERE account = ?1 AND kind = ?2 AND region = ?3 AND parent = ?4 AND seq > ?5 \
                                  ORDER BY seq LIMIT ?6";
const LIST_DESC_SQL: &str = "SELECT seq, account, region, kind, id, parent, version, doc FROM resources \
                             WHERE account = ?1 AND kind = ?2 AND region = ?3 AND seq < ?4 ORDER BY seq DESC LIMIT ?5";
const LIST_BY_PARENT_DESC_SQL: &str = "SELECT seq, account, region, kind, id, parent, version, doc FROM resources \
                                       WHERE account = ?1 AND kind = ?2 AND region = ?3 AND parent = ?4 \
                                       AND seq < ?5 ORDER BY seq DESC LIMIT ?6";

#[async_trait]
impl Store for SqliteStore {
    async fn get(&self, key: &ResourceKey) -> Result<Option<Resource>, StoreError> {
        let cache_key = CacheKey::Get(key.clone());
        if let Some(Cached::One(hit)) = self.cache.get(&cache_key) {
            return Ok(hit);
        }
        let generation = self.cache.generation();
        let found = self.readers.with(|conn| {
            let mut stmt = conn.prepare_cached(GET_SQL)?;
            Ok(stmt
                .query_row(
                    params![key.account, key.kind, key.region, key.id],
                    row_to_resource,
                )
                .optional()?)
        })?;
        self.cache
            .put(cache_key, generation, Cached::One(found.clone()));
        Ok(found)
    }

    async fn list(&self, q: &ListQuery) -> Result<Vec<Resource>, StoreError> {
        let cache_key = CacheKey::List(q.clone());
        if let Some(Cached::Many(hit)) = self.cache.get(&cache_key) {
            return Ok(hit);
        }
        let generation = self.cache.generation();
        let limit = i64::try_from(q.limit).unwrap_or(i64::MAX);
        let (after, list_sql, by_parent_sql) = if q.newest_first {
            (
                q.after_seq.unwrap_or(i64::MAX),
                LIST_DESC_SQL,
                LIST_BY_PARENT_DESC_SQL,
            )
        } else {
            (q.after_seq.unwrap_or(0), LIST_SQL, LIST_BY_PARENT_SQL)
        };
        let rows = self.readers.with(|conn| {
            let rows = match &q.parent {
                None => {
                    let mut stmt = conn.prepare_cached(list_sql)?;
                    let rows = stmt.query_map(
                        params![q.account, q.kind, q.region, after, limit],
                        row_to_resource,
                    )?;
                    rows.collect::<Result<Vec<_>, _>>()?
                }
                Some(parent) => {
                    let mut stmt = conn.prepare_cached(by_parent_sql)?;
                    let rows = stmt.query_map(
                        params![q.account, q.kind, q.region, parent, after, limit],
                        row_to_resource,
                    )?;
                    rows.collect::<Result<Vec<_>, _>>()?
                }
            };
            Ok(rows)
        })?;
        self.cache
            .put(cache_key, generation, Cached::Many(rows.clone()));
        Ok(rows)
    }

    async fn count(&self, account: &str, region: &str, kind: &str) -> Result<u64, StoreError> {
        let cache_key = CacheKey::Count {
            account: account.into(),
            region: region.into(),
            kind: kind.into(),
        };
        if let Some(Cached::Count(n)) = self.cache.get(&cache_key) {
            return Ok(n);
        }
        let generation = self.cache.generation();
        let n = self.readers.with(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT COUNT(*) FROM resources WHERE account = ?1 AND kind = ?2 AND region = ?3",
            )?;
            let n: i64 = stmt.query_row(params![account, kind, region], |r| r.get(0))?;
            Ok(u64::try_from(n).unwrap_or(0))
        })?;
        self.cache.put(cache_key, generation, Cached::Count(n));
        Ok(n)
    }

    async fn commit(&self, changes: ChangeSet) -> Result<CommitReceipt, CommitError> {
        // Nothing to make durable: no transaction, no trip through the writer.
        if changes.is_empty() {
            return Ok(CommitReceipt::default());
        }
        self.writer.commit(changes).await
    }

    async fn lookup_events(&self, query: &EventQuery) -> Result<Vec<StoredEvent>, StoreError> {
        // A lookup may scan many index entries: run it on the blocking pool, not on a request worker.
        let readers = self.readers.clone();
        let query = query.clone();
        tokio::task::spawn_blocking(move || {
            readers.with(|conn| lookup::lookup_events(conn, &query))
        })
        .await
        .map_err(|e| StoreError::Other(format!("event lookup task failed: {e}")))?
    }

    async fn expire_events(&self, cutoff_ms: i64, limit: usize) -> Result<u64, StoreError> {
        self.writer.expire_events(cutoff_ms, limit).await
    }

    async fn last_event_seq(&self) -> Result<i64, StoreError> {
        self.readers.with(feed::last_event_seq)
    }

    async fn events_after(
        &self,
        account: &str,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<FeedEvent>, StoreError> {
        let readers = self.readers.clone();
        let account = account.to_string();
        tokio::task::spawn_blocking(move || {
            readers.with(|conn| feed::events_after(conn, &account, after_seq, limit))
        })
        .await
        .map_err(|e| StoreError::Other(format!("event feed task failed: {e}")))?
    }

    fn backend(&self) -> &'static str {
        "sqlite"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn cached_list_statements_are_not_reprepared() {
        // Guards the QPSG setting in `schema::open_connection`: without it, every re-bind of `seq > ?` makes
        // SQLite re-parse and re-plan the statement.
        let dir = std::env::temp_dir().join(format!("trailrunner-qpsg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let store = SqliteStore::open(&dir.join("t.db"), Durability::Normal).unwrap();
        for after in 0..50 {
            let q = ListQuery {
                account: "a".into(),
                region: "r".into(),
                kind: "k".into(),
                parent: None,
                after_seq: Some(after),
                limit: 10,
                newest_first: false,
            };
            store.list(&q).await.unwrap();
        }
        let reprepares = store
            .readers
            .with(|conn| {
                Ok(conn
                    .prepare_cached(LIST_SQL)?
                    .get_status(rusqlite::StatementStatus::RePrepare))
            })
            .unwrap();
        assert_eq!(reprepares, 0);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
