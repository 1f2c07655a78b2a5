//! The index: bucket rows and object rows in one small SQLite database (`<root>/index.db`).
//!
//! Keys are stored as BLOBs, so SQLite compares them with `memcmp`: listing is in byte-wise ascending order of
//! the UTF-8 key, as S3 lists. A prefix is the range `[prefix, prefix ‖ 0xFF)`: no UTF-8 string contains the
//! byte 0xFF, so every key starting with `prefix` sorts before `prefix ‖ 0xFF` and nothing else in the range does.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use jiff::Timestamp;
use rusqlite::{params, Connection, OptionalExtension};

use super::{BucketRow, ListPage, ListQuery, LocalError, ObjectMeta};

const SCHEMA_VERSION: i64 = 2;

const SCHEMA: &str = "
CREATE TABLE buckets (
    name       TEXT PRIMARY KEY NOT NULL,
    owner      TEXT NOT NULL,
    region     TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    policy     TEXT
) WITHOUT ROWID;
CREATE TABLE objects (
    bucket       TEXT NOT NULL REFERENCES buckets(name),
    key          BLOB NOT NULL,
    file         TEXT NOT NULL,
    size         INTEGER NOT NULL,
    etag         TEXT NOT NULL,
    modified_ms  INTEGER NOT NULL,
    content_type TEXT,
    metadata     TEXT NOT NULL,
    headers      TEXT NOT NULL,
    PRIMARY KEY (bucket, key)
) WITHOUT ROWID;
";

/// Version 2: multipart uploads in progress and their parts (see [`super::uploads`]).
const SCHEMA_V2: &str = "
CREATE TABLE uploads (
    bucket       TEXT NOT NULL REFERENCES buckets(name),
    upload_id    TEXT NOT NULL,
    key          BLOB NOT NULL,
    initiated_ms INTEGER NOT NULL,
    content_type TEXT,
    metadata     TEXT NOT NULL,
    headers      TEXT NOT NULL,
    PRIMARY KEY (bucket, upload_id)
) WITHOUT ROWID;
CREATE INDEX uploads_by_key ON uploads (bucket, key, upload_id);
CREATE TABLE parts (
    bucket      TEXT NOT NULL,
    upload_id   TEXT NOT NULL,
    part_number INTEGER NOT NULL,
    file        TEXT NOT NULL,
    size        INTEGER NOT NULL,
    etag        TEXT NOT NULL,
    modified_ms INTEGER NOT NULL,
    PRIMARY KEY (bucket, upload_id, part_number),
    FOREIGN KEY (bucket, upload_id) REFERENCES uploads (bucket, upload_id) ON DELETE CASCADE
) WITHOUT ROWID;
";

pub(crate) fn open(path: &Path) -> Result<Connection, LocalError> {
    let conn = Connection::open(path).map_err(io)?;
    // One connection of one process uses the index: the file lock is taken once instead of twice per read (two
    // fcntl calls per request), and a second server on the same data dir is refused instead of interleaving.
    conn.pragma_update(None, "locking_mode", "EXCLUSIVE")
        .map_err(io)?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(io)?;
    // A call is answered only after its commit is on disk.
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(io)?;
    conn.pragma_update(None, "foreign_keys", "ON").map_err(io)?;
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(io)?;
    match version {
        0 => {
            conn.execute_batch(&format!(
                "BEGIN; {SCHEMA} {SCHEMA_V2} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
            ))
            .map_err(io)?;
        }
        // Forward from version 1 (objects only): the upload tables, in one transaction with the version.
        1 => {
            conn.execute_batch(&format!(
                "BEGIN; {SCHEMA_V2} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
            ))
            .map_err(io)?;
            tracing::info!("bucket index migrated to schema version {SCHEMA_VERSION}");
        }
        SCHEMA_VERSION => {}
        other => {
            return Err(LocalError::Io(format!(
            "bucket index schema version {other} is newer than this trailrunner ({SCHEMA_VERSION})"
        )))
        }
    }
    Ok(conn)
}

pub(crate) fn io(e: rusqlite::Error) -> LocalError {
    LocalError::Io(format!("bucket index: {e}"))
}

pub(crate) fn ts(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn bucket_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<BucketRow> {
    Ok(BucketRow {
        name: r.get(0)?,
        owner: r.get(1)?,
        region: r.get(2)?,
        created: ts(r.get(3)?),
        policy: r.get(4)?,
    })
}

pub(crate) fn bucket(conn: &Connection, name: &str) -> Result<Option<BucketRow>, LocalError> {
    conn.prepare_cached(
        "SELECT name, owner, region, created_ms, policy FROM buckets WHERE name = ?1",
    )
    .and_then(|mut s| s.query_row([name], bucket_from_row).optional())
    .map_err(io)
}

pub(crate) fn buckets_of(conn: &Connection, owner: &str) -> Result<Vec<BucketRow>, LocalError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT name, owner, region, created_ms, policy FROM buckets WHERE owner = ?1 ORDER BY name",
        )
        .map_err(io)?;
    let rows = stmt.query_map([owner], bucket_from_row).map_err(io)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(io)
}

pub(crate) fn insert_bucket(conn: &Connection, row: &BucketRow) -> Result<(), LocalError> {
    conn.prepare_cached(
        "INSERT INTO buckets (name, owner, region, created_ms, policy) VALUES (?1, ?2, ?3, ?4, NULL)",
    )
    .and_then(|mut s| {
        s.execute(params![
            row.name,
            row.owner,
            row.region,
            row.created.as_millisecond()
        ])
    })
    .map(|_| ())
    .map_err(io)
}

/// Delete an empty bucket's row. `BucketNotEmpty` when it still holds objects; multipart uploads in progress do
/// not keep it (S3 deletes the bucket and discards them), their rows go with it and their part files with its folder.
pub(crate) fn delete_bucket(conn: &mut Connection, name: &str) -> Result<(), LocalError> {
    let tx = conn.transaction().map_err(io)?;
    let has_objects: bool = tx
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM objects WHERE bucket = ?1)",
            [name],
            |r| r.get(0),
        )
        .map_err(io)?;
    if has_objects {
        return Err(LocalError::BucketNotEmpty(name.to_string()));
    }
    tx.execute("DELETE FROM uploads WHERE bucket = ?1", [name])
        .map_err(io)?;
    let n = tx
        .execute("DELETE FROM buckets WHERE name = ?1", [name])
        .map_err(io)?;
    if n == 0 {
        return Err(LocalError::NoSuchBucket(name.to_string()));
    }
    tx.commit().map_err(io)
}

pub(crate) fn set_policy(
    conn: &Connection,
    name: &str,
    policy: Option<&str>,
) -> Result<(), LocalError> {
    let n = conn
        .prepare_cached("UPDATE buckets SET policy = ?2 WHERE name = ?1")
        .and_then(|mut s| s.execute(params![name, policy]))
        .map_err(io)?;
    if n == 0 {
        return Err(LocalError::NoSuchBucket(name.to_string()));
    }
    Ok(())
}

const OBJECT_COLUMNS: &str = "key, size, etag, modified_ms, content_type, metadata, file, headers";

fn object_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(ObjectMeta, String)> {
    let key: Vec<u8> = r.get(0)?;
    let size: i64 = r.get(1)?;
    let metadata: String = r.get(5)?;
    let metadata: Vec<(String, String)> = serde_json::from_str(&metadata).unwrap_or_default();
    let headers: String = r.get(7)?;
    let headers: Vec<(String, String)> = serde_json::from_str(&headers).unwrap_or_default();
    Ok((
        ObjectMeta {
            key: String::from_utf8_lossy(&key).into_owned(),
            size: u64::try_from(size).unwrap_or(0),
            etag: r.get(2)?,
            last_modified: ts(r.get(3)?),
            content_type: r.get(4)?,
            metadata,
            headers,
        },
        r.get(6)?,
    ))
}

/// An object's row and the id of its file.
pub(crate) fn object(
    conn: &Connection,
    bucket: &str,
    key: &str,
) -> Result<Option<(ObjectMeta, String)>, LocalError> {
    conn.prepare_cached(&format!(
        "SELECT {OBJECT_COLUMNS} FROM objects WHERE bucket = ?1 AND key = ?2"
    ))
    .and_then(|mut s| {
        s.query_row(params![bucket, key.as_bytes()], object_from_row)
            .optional()
    })
    .map_err(io)
}

/// Insert or replace an object's row; returns the file id of the version it replaced, if any.
pub(crate) fn put_object(
    conn: &mut Connection,
    bucket: &str,
    meta: &ObjectMeta,
    file: &str,
) -> Result<Option<String>, LocalError> {
    let tx = conn.transaction().map_err(io)?;
    let old = put_object_in(&tx, bucket, meta, file)?;
    tx.commit().map_err(io)?;
    Ok(old)
}

/// [`put_object`] inside a transaction the caller commits.
pub(crate) fn put_object_in(
    tx: &Connection,
    bucket: &str,
    meta: &ObjectMeta,
    file: &str,
) -> Result<Option<String>, LocalError> {
    let exists: bool = tx
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM buckets WHERE name = ?1)",
            [bucket],
            |r| r.get(0),
        )
        .map_err(io)?;
    if !exists {
        return Err(LocalError::NoSuchBucket(bucket.to_string()));
    }
    let old: Option<String> = tx
        .query_row(
            "SELECT file FROM objects WHERE bucket = ?1 AND key = ?2",
            params![bucket, meta.key.as_bytes()],
            |r| r.get(0),
        )
        .optional()
        .map_err(io)?;
    let encode = |v: &Vec<(String, String)>| {
        serde_json::to_string(v).map_err(|e| LocalError::Io(format!("encoding metadata: {e}")))
    };
    let (metadata, headers) = (encode(&meta.metadata)?, encode(&meta.headers)?);
    tx.execute(
        "INSERT OR REPLACE INTO objects (bucket, key, file, size, etag, modified_ms, content_type, metadata, headers) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            bucket,
            meta.key.as_bytes(),
            file,
            i64::try_from(meta.size).unwrap_or(i64::MAX),
            meta.etag,
            meta.last_modified.as_millisecond(),
            meta.content_type,
            metadata,
            headers
        ],
    )
    .map_err(io)?;
    Ok(old)
}

/// Delete an object's row; returns its file id when there was one.
pub(crate) fn delete_object(
    conn: &Connection,
    bucket: &str,
    key: &str,
) -> Result<Option<String>, LocalError> {
    conn.prepare_cached("DELETE FROM objects WHERE bucket = ?1 AND key = ?2 RETURNING file")
        .and_then(|mut s| {
            s.query_row(params![bucket, key.as_bytes()], |r| r.get(0))
                .optional()
        })
        .map_err(io)
}

/// Every bucket and the file ids its rows name (for the sweep at open).
pub(crate) fn live_files(
    conn: &Connection,
) -> Result<HashMap<String, HashSet<String>>, LocalError> {
    let mut live: HashMap<String, HashSet<String>> = HashMap::new();
    let mut stmt = conn.prepare("SELECT name FROM buckets").map_err(io)?;
    for name in stmt.query_map([], |r| r.get::<_, String>(0)).map_err(io)? {
        live.entry(name.map_err(io)?).or_default();
    }
    let mut stmt = conn
        .prepare("SELECT bucket, file FROM objects UNION ALL SELECT bucket, file FROM parts")
        .map_err(io)?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .map_err(io)?;
    for row in rows {
        let (bucket, file) = row.map_err(io)?;
        live.entry(bucket).or_default().insert(file);
    }
    Ok(live)
}

/// Where a listing scan resumes.
enum Resume {
    /// Keys strictly after this one.
    After(Vec<u8>),
    /// This key and those after it.
    AtOrAfter(Vec<u8>),
}

/// The exclusive upper bound of the keys starting with `prefix` (see the module documentation).
fn prefix_end(prefix: &[u8]) -> Vec<u8> {
    let mut end = prefix.to_vec();
    end.push(0xFF);
    end
}

/// One page of a listing, in byte-wise key order. With a delimiter, the keys that contain it after the prefix
/// are rolled up into one common prefix each: the scan finds the first such key, reports its common prefix and
/// seeks past every key sharing it, so a page costs one index seek per entry, however many keys a prefix holds.
/// `start` is exclusive (`marker`, `start-after`, a continuation token); a common prefix at or before it has
/// been reported already and is skipped.
pub(crate) fn list(conn: &Connection, bucket: &str, q: &ListQuery) -> Result<ListPage, LocalError> {
    let prefix = q.prefix.as_bytes();
    let end = prefix_end(prefix);
    let start = q.start.as_deref().map(str::as_bytes);
    let delimiter = q
        .delimiter
        .as_deref()
        .filter(|d| !d.is_empty())
        .map(str::as_bytes);
    let mut from = match start {
        Some(s) if s >= prefix => Resume::After(s.to_vec()),
        _ => Resume::AtOrAfter(prefix.to_vec()),
    };
    let mut page = ListPage::default();
    let mut count = 0usize;
    let mut after = conn
        .prepare_cached(&format!(
            "SELECT {OBJECT_COLUMNS} FROM objects WHERE bucket = ?1 AND key > ?2 AND key < ?3 \
             ORDER BY key LIMIT ?4"
        ))
        .map_err(io)?;
    let mut at_or_after = conn
        .prepare_cached(&format!(
            "SELECT {OBJECT_COLUMNS} FROM objects WHERE bucket = ?1 AND key >= ?2 AND key < ?3 \
             ORDER BY key LIMIT ?4"
        ))
        .map_err(io)?;
    'scan: loop {
        // One more than fits, to tell whether the listing is truncated.
        let want = i64::try_from(q.max_keys - count + 1).unwrap_or(i64::MAX);
        let (stmt, cursor) = match &from {
            Resume::After(k) => (&mut after, k.as_slice()),
            Resume::AtOrAfter(k) => (&mut at_or_after, k.as_slice()),
        };
        let rows = stmt
            .query_map(params![bucket, cursor, end, want], object_from_row)
            .map_err(io)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(io)?;
        let exhausted = (rows.len() as i64) < want;
        for (meta, _file) in rows {
            if count == q.max_keys {
                page.truncated = q.max_keys > 0;
                break 'scan;
            }
            let key = meta.key.as_bytes();
            if let Some(delim) = delimiter {
                if let Some(at) = find(&key[prefix.len()..], delim) {
                    let common = &key[..prefix.len() + at + delim.len()];
                    let next = Resume::AtOrAfter(prefix_end(common));
                    if start.is_none_or(|s| common > s) {
                        let common = String::from_utf8_lossy(common).into_owned();
                        page.next = Some(common.clone());
                        page.common_prefixes.push(common);
                        count += 1;
                    }
                    from = next;
                    continue 'scan;
                }
            }
            from = Resume::After(key.to_vec());
            page.next = Some(meta.key.clone());
            page.objects.push(meta);
            count += 1;
        }
        if exhausted {
            break;
        }
    }
    Ok(page)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || needle.len() > haystack.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}
