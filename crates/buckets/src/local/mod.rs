//! The embedded bucket store: buckets are folders under `<data_dir>/buckets/`, object contents are files in them
//! named by id (see [`files`]), and an SQLite index (`index.db`, see [`index`]) holds bucket facts (owner,
//! region, creation date, policy) and object rows (key, size, ETag, last-modified, content type, metadata).
//! Multipart uploads in progress are upload and part rows, their parts files like objects' (see [`uploads`]).
//!
//! **Durability and crash safety.** A write returns only once it is durable. An object's file is complete and
//! synced (and its folder entry too) before the index row naming it commits; the file of a replaced or deleted
//! version is removed after the commit. So a crash at any point leaves at most files that no row names, never a
//! row without its file; [`LocalBuckets::open`] sweeps such orphans (and folders of buckets whose row is gone or
//! never committed).
//!
//! **Concurrency.** One connection behind a mutex (its file lock taken once: no other process opens the index).
//! Index lookups and commits hold it briefly; object files are written without it. A read opens the object's file
//! while holding it, and a version's file is only removed while holding it, so a reader always gets the file its
//! row named (an open file stays readable after removal). Writes run on blocking threads; reads that only look
//! the index up (a bucket, an object's row and open file) run inline while the index is free, and a read of at
//! most 1 MiB from the page cache too: cheaper than the thread hop.

mod files;
mod index;
pub mod names;
#[cfg(test)]
mod tests;
mod upload_index;
#[cfg(test)]
mod upload_tests;
pub mod uploads;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use bytes::Bytes;
use jiff::Timestamp;
use md5::{Digest, Md5};
use rusqlite::Connection;
use trailrunner_api::Clock;

pub use files::Swept;
pub use uploads::{PartRow, PartsPage, UploadRow, UploadsPage, UploadsQuery};

use crate::{BucketError, BucketInfo, Buckets};

/// The index database's file name inside the store's folder.
pub const INDEX_FILE: &str = "index.db";

/// What the local store refuses, in S3's terms (the S3 layer maps each to its error code).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocalError {
    #[error("The specified bucket is not valid: {0}")]
    InvalidBucketName(String),
    #[error("The specified bucket does not exist: {0}")]
    NoSuchBucket(String),
    #[error("The requested bucket name is not available: {name}")]
    BucketExists { name: String, owner: String },
    #[error("The bucket you tried to delete is not empty: {0}")]
    BucketNotEmpty(String),
    #[error("The specified key does not exist.")]
    NoSuchKey,
    #[error("Your key is too long")]
    KeyTooLong,
    #[error("Your metadata headers exceed the maximum allowed metadata size")]
    MetadataTooLarge,
    #[error("{0}")]
    InvalidArgument(String),
    #[error("The requested range is not satisfiable")]
    InvalidRange { size: u64 },
    #[error("The specified multipart upload does not exist.")]
    NoSuchUpload,
    #[error("Part {0} could not be found or its ETag did not match.")]
    InvalidPart(u32),
    #[error("The list of parts was not in ascending order.")]
    InvalidPartOrder,
    #[error("Your proposed upload is smaller than the minimum allowed object size.")]
    EntityTooSmall,
    #[error("reading more than {max} bytes in one request is not supported")]
    ReadTooLarge { max: u64 },
    #[error("bucket store I/O failed: {0}")]
    Io(String),
}

impl From<LocalError> for BucketError {
    fn from(e: LocalError) -> Self {
        match e {
            LocalError::NoSuchBucket(name) => BucketError::NoSuchBucket(name),
            other => BucketError::Io(other.to_string()),
        }
    }
}

fn io_err(context: &str) -> impl Fn(std::io::Error) -> LocalError + '_ {
    move |e| LocalError::Io(format!("{context}: {e}"))
}

/// A bucket's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketRow {
    pub name: String,
    /// The owning account id.
    pub owner: String,
    /// The region it was created in (`us-east-1` without a `LocationConstraint`).
    pub region: String,
    pub created: Timestamp,
    pub policy: Option<String>,
}

/// An object's facts (everything but its contents).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectMeta {
    pub key: String,
    pub size: u64,
    /// The hex MD5 of the contents, in double quotes.
    pub etag: String,
    pub last_modified: Timestamp,
    pub content_type: Option<String>,
    /// User metadata (`x-amz-meta-<name>`), names in lower case, in the order given.
    pub metadata: Vec<(String, String)>,
    /// Other headers S3 keeps with an object and returns on reads (`Content-Encoding`, `Cache-Control`, …),
    /// names in lower case.
    pub headers: Vec<(String, String)>,
}

/// What a write says about the object besides its contents.
#[derive(Debug, Clone, Default)]
pub struct PutOptions {
    pub content_type: Option<String>,
    pub metadata: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
}

/// A byte range as requested (`Range: bytes=…`); resolved against the object's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// `bytes=first-` or `bytes=first-last` (inclusive).
    From { first: u64, last: Option<u64> },
    /// `bytes=-n`: the last `n` bytes.
    Suffix(u64),
}

impl ByteRange {
    /// The inclusive `(start, end)` this range selects of an object of `size` bytes.
    pub fn resolve(self, size: u64) -> Result<(u64, u64), LocalError> {
        let unsatisfiable = LocalError::InvalidRange { size };
        match self {
            _ if size == 0 => Err(unsatisfiable),
            ByteRange::From { first, last } => {
                if first >= size || last.is_some_and(|l| l < first) {
                    return Err(unsatisfiable);
                }
                Ok((first, last.unwrap_or(size - 1).min(size - 1)))
            }
            ByteRange::Suffix(0) => Err(unsatisfiable),
            ByteRange::Suffix(n) => Ok((size.saturating_sub(n), size - 1)),
        }
    }
}

/// An object read: its facts, the inclusive range returned (when one was asked for) and those bytes.
#[derive(Debug, Clone)]
pub struct ObjectRead {
    pub meta: ObjectMeta,
    pub range: Option<(u64, u64)>,
    pub body: Bytes,
}

/// A listing request, bounds already checked.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub prefix: String,
    /// Exclusive: list what comes after this key (or common prefix).
    pub start: Option<String>,
    pub delimiter: Option<String>,
    pub max_keys: usize,
}

/// One page of a listing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListPage {
    pub objects: Vec<ObjectMeta>,
    pub common_prefixes: Vec<String>,
    pub truncated: bool,
    /// The last key or common prefix on the page: where the next page starts (exclusive).
    pub next: Option<String>,
}

/// The embedded bucket store. Cheap to clone (shared inside).
#[derive(Clone)]
pub struct LocalBuckets {
    inner: Arc<Inner>,
}

struct Inner {
    root: PathBuf,
    conn: Mutex<Connection>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for LocalBuckets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalBuckets")
            .field("root", &self.inner.root)
            .finish()
    }
}

impl Inner {
    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave the connection inconsistent: every change is a transaction.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn bucket_dir(&self, bucket: &str) -> PathBuf {
        self.root.join(bucket)
    }
}

impl LocalBuckets {
    /// Open (or create) the store in `root` (mode 0700), and sweep files a crash left behind.
    pub fn open(root: &Path, clock: Arc<dyn Clock>) -> Result<Self, LocalError> {
        std::fs::create_dir_all(root).map_err(io_err("creating the bucket folder"))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o700))
                .map_err(io_err("setting the bucket folder's mode"))?;
        }
        let conn = index::open(&root.join(INDEX_FILE))?;
        let live = index::live_files(&conn)?;
        let swept = files::sweep(root, &live).map_err(io_err("sweeping orphan files"))?;
        if swept != Swept::default() {
            tracing::info!(
                files = swept.files,
                folders = swept.folders,
                "bucket store: removed what an interrupted write left behind"
            );
        }
        Ok(LocalBuckets {
            inner: Arc::new(Inner {
                root: root.to_path_buf(),
                conn: Mutex::new(conn),
                clock,
            }),
        })
    }

    /// The folder the store lives in.
    pub fn root(&self) -> &Path {
        &self.inner.root
    }

    /// A short read of the index: inline when the index is free (a point lookup costs less than the hop to a
    /// blocking thread), on a blocking thread when a write holds it (its commit may wait for the disk).
    async fn lookup<T, F>(&self, f: F) -> Result<T, LocalError>
    where
        T: Send + 'static,
        F: FnOnce(&Inner, &Connection) -> Result<T, LocalError> + Send + 'static,
    {
        let f = match self.inner.conn.try_lock() {
            Ok(conn) => return f(&self.inner, &conn),
            Err(_) => f,
        };
        self.blocking(move |inner| f(inner, &inner.conn())).await
    }

    async fn blocking<T, F>(&self, f: F) -> Result<T, LocalError>
    where
        T: Send + 'static,
        F: FnOnce(&Inner) -> Result<T, LocalError> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || f(&inner))
            .await
            .map_err(|e| LocalError::Io(format!("bucket store task failed: {e}")))?
    }

    /// Create a bucket owned by `owner` in `region`. `BucketExists` (with the owner) when the name is taken.
    pub async fn create_bucket(
        &self,
        name: &str,
        owner: &str,
        region: &str,
    ) -> Result<BucketRow, LocalError> {
        names::check_bucket_name(name)?;
        let row = BucketRow {
            name: name.to_string(),
            owner: owner.to_string(),
            region: region.to_string(),
            created: self.inner.clock.now(),
            policy: None,
        };
        self.blocking(move |inner| {
            let conn = inner.conn();
            if let Some(existing) = index::bucket(&conn, &row.name)? {
                return Err(LocalError::BucketExists {
                    name: existing.name,
                    owner: existing.owner,
                });
            }
            // The folder first: a crash before the row commits leaves an empty folder, swept at open.
            files::create_bucket_dir(&inner.root, &inner.bucket_dir(&row.name))
                .map_err(io_err("creating a bucket folder"))?;
            index::insert_bucket(&conn, &row)?;
            Ok(row)
        })
        .await
    }

    /// A bucket's row, or `None`.
    pub async fn bucket_row(&self, name: &str) -> Result<Option<BucketRow>, LocalError> {
        if names::check_bucket_name(name).is_err() {
            return Ok(None);
        }
        let name = name.to_string();
        self.lookup(move |_, conn| index::bucket(conn, &name)).await
    }

    /// The buckets `owner` owns, by name.
    pub async fn list_buckets(&self, owner: &str) -> Result<Vec<BucketRow>, LocalError> {
        let owner = owner.to_string();
        self.blocking(move |inner| index::buckets_of(&inner.conn(), &owner))
            .await
    }

    /// Delete an empty bucket (`BucketNotEmpty` otherwise).
    pub async fn delete_bucket(&self, name: &str) -> Result<(), LocalError> {
        names::check_bucket_name(name).map_err(|_| LocalError::NoSuchBucket(name.to_string()))?;
        let name = name.to_string();
        self.blocking(move |inner| {
            let mut conn = inner.conn();
            index::delete_bucket(&mut conn, &name)?;
            // The row is gone; a folder left by a failure here is swept at the next open.
            let dir = inner.bucket_dir(&name);
            if let Err(e) = std::fs::remove_dir_all(&dir).and_then(|()| files::sync_dir(&inner.root)) {
                tracing::warn!(error = %e, dir = %dir.display(), "bucket folder not removed; swept at next start");
            }
            Ok(())
        })
        .await
    }

    /// Set (`Some`) or remove (`None`) a bucket's policy document.
    pub async fn set_policy(&self, name: &str, policy: Option<String>) -> Result<(), LocalError> {
        names::check_bucket_name(name).map_err(|_| LocalError::NoSuchBucket(name.to_string()))?;
        let name = name.to_string();
        self.blocking(move |inner| index::set_policy(&inner.conn(), &name, policy.as_deref()))
            .await
    }

    /// Write an object whole, replacing any object of the same key; returns once it is durable.
    pub async fn put(
        &self,
        bucket: &str,
        key: &str,
        body: Bytes,
        options: PutOptions,
    ) -> Result<ObjectMeta, LocalError> {
        names::check_key(key)?;
        let options = checked_options(options)?;
        let bucket = bucket.to_string();
        let mut meta = ObjectMeta {
            key: key.to_string(),
            size: body.len() as u64,
            etag: String::new(),
            last_modified: self.inner.clock.now(),
            content_type: options.content_type,
            metadata: options.metadata,
            headers: options.headers,
        };
        self.blocking(move |inner| {
            if index::bucket(&inner.conn(), &bucket)?.is_none() {
                return Err(LocalError::NoSuchBucket(bucket));
            }
            meta.etag = format!("\"{}\"", hex::encode(Md5::digest(&body)));
            let dir = inner.bucket_dir(&bucket);
            let id = files::new_file_id();
            if let Err(e) = files::write_durably(&dir, &id, &body) {
                // The bucket may have been deleted meanwhile.
                if index::bucket(&inner.conn(), &bucket)?.is_none() {
                    return Err(LocalError::NoSuchBucket(bucket));
                }
                return Err(io_err("writing an object")(e));
            }
            let mut conn = inner.conn();
            match index::put_object(&mut conn, &bucket, &meta, &id) {
                Ok(old) => {
                    if let Some(old) = old {
                        // Not durable by itself: if the removal is lost, the sweep finds the file again.
                        if let Err(e) = files::remove_quietly(&dir.join(old)) {
                            tracing::warn!(error = %e, "replaced object file not removed; swept at next start");
                        }
                    }
                    Ok(meta)
                }
                Err(e) => {
                    let _ = files::remove_quietly(&dir.join(&id));
                    Err(e)
                }
            }
        })
        .await
    }

    /// An object's facts, or `NoSuchBucket` / `NoSuchKey`.
    pub async fn head(&self, bucket: &str, key: &str) -> Result<ObjectMeta, LocalError> {
        let (bucket, key) = (bucket.to_string(), key.to_string());
        self.lookup(move |_, conn| found_object(conn, &bucket, &key).map(|(meta, _)| meta))
            .await
    }

    /// Read an object, or the part of it `range` selects.
    ///
    /// The lookup runs inline when the index is free, and so does reading a part of at most 1 MiB (trail
    /// validation fetches hundreds of small log files); larger reads go to a blocking thread.
    pub async fn get(
        &self,
        bucket: &str,
        key: &str,
        range: Option<ByteRange>,
    ) -> Result<ObjectRead, LocalError> {
        self.get_at_most(bucket, key, range, u64::MAX).await
    }

    /// [`LocalBuckets::get`], refusing (`ReadTooLarge`) to read more than `max` bytes: a read is held in memory
    /// whole, and a multipart upload can make an object of any size.
    pub async fn get_at_most(
        &self,
        bucket: &str,
        key: &str,
        range: Option<ByteRange>,
        max: u64,
    ) -> Result<ObjectRead, LocalError> {
        let (bucket, key) = (bucket.to_string(), key.to_string());
        let located = self
            .lookup(move |inner, conn| locate(inner, conn, &bucket, &key, range))
            .await?;
        if located.len > max {
            return Err(LocalError::ReadTooLarge { max });
        }
        if located.len <= INLINE_READ_BYTES {
            return located.read();
        }
        tokio::task::spawn_blocking(move || located.read())
            .await
            .map_err(|e| LocalError::Io(format!("bucket store task failed: {e}")))?
    }

    /// Delete an object; deleting a key that does not exist succeeds (S3 is idempotent here).
    pub async fn delete(&self, bucket: &str, key: &str) -> Result<(), LocalError> {
        let (bucket, key) = (bucket.to_string(), key.to_string());
        self.blocking(move |inner| {
            let conn = inner.conn();
            if index::bucket(&conn, &bucket)?.is_none() {
                return Err(LocalError::NoSuchBucket(bucket));
            }
            if let Some(id) = index::delete_object(&conn, &bucket, &key)? {
                if let Err(e) = files::remove_quietly(&inner.bucket_dir(&bucket).join(id)) {
                    tracing::warn!(error = %e, "deleted object file not removed; swept at next start");
                }
            }
            Ok(())
        })
        .await
    }

    /// One page of a bucket's objects (see [`ListQuery`]).
    pub async fn list(&self, bucket: &str, query: ListQuery) -> Result<ListPage, LocalError> {
        let bucket = bucket.to_string();
        self.blocking(move |inner| {
            let conn = inner.conn();
            if index::bucket(&conn, &bucket)?.is_none() {
                return Err(LocalError::NoSuchBucket(bucket));
            }
            index::list(&conn, &bucket, &query)
        })
        .await
    }
}

/// A write's options as stored: metadata names in lower case, sizes checked.
fn checked_options(options: PutOptions) -> Result<PutOptions, LocalError> {
    let metadata: Vec<(String, String)> = options
        .metadata
        .into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect();
    names::check_metadata(&metadata)?;
    if options
        .content_type
        .as_ref()
        .is_some_and(|c| c.len() > names::MAX_CONTENT_TYPE_BYTES)
    {
        return Err(LocalError::InvalidArgument(
            "Content-Type is too long.".into(),
        ));
    }
    Ok(PutOptions {
        metadata,
        ..options
    })
}

/// Parts of at most this size are read inline by [`LocalBuckets::get`].
const INLINE_READ_BYTES: u64 = 1024 * 1024;

/// An object found in the index, its file open.
struct Located {
    meta: ObjectMeta,
    file: std::fs::File,
    range: Option<(u64, u64)>,
    start: u64,
    len: u64,
}

impl Located {
    fn read(self) -> Result<ObjectRead, LocalError> {
        let body = files::read_range(self.file, self.start, self.len)
            .map_err(io_err("reading an object"))?;
        Ok(ObjectRead {
            meta: self.meta,
            range: self.range,
            body: Bytes::from(body),
        })
    }
}

/// An object's index row, or why there is none: `NoSuchBucket` or `NoSuchKey`. The bucket is looked up only when
/// the object is not found: an object's row exists only in an existing bucket (and a bucket with objects cannot be
/// deleted), so a read that finds it costs one query.
fn found_object(
    conn: &Connection,
    bucket: &str,
    key: &str,
) -> Result<(ObjectMeta, String), LocalError> {
    if let Some(found) = index::object(conn, bucket, key)? {
        return Ok(found);
    }
    if index::bucket(conn, bucket)?.is_none() {
        return Err(LocalError::NoSuchBucket(bucket.to_string()));
    }
    Err(LocalError::NoSuchKey)
}

/// Look an object up and open its file, with the index connection held: a version's file is only removed with it
/// held, so the file opened is the one the row names (an open file stays readable after removal).
fn locate(
    inner: &Inner,
    conn: &Connection,
    bucket: &str,
    key: &str,
    range: Option<ByteRange>,
) -> Result<Located, LocalError> {
    let (meta, id) = found_object(conn, bucket, key)?;
    let file = std::fs::File::open(inner.bucket_dir(bucket).join(id))
        .map_err(io_err("opening an object"))?;
    let resolved = range.map(|r| r.resolve(meta.size)).transpose()?;
    let (start, end) = resolved.unwrap_or((0, meta.size.saturating_sub(1)));
    let len = if meta.size == 0 { 0 } else { end - start + 1 };
    Ok(Located {
        meta,
        file,
        range: resolved,
        start,
        len,
    })
}

#[async_trait]
impl Buckets for LocalBuckets {
    async fn bucket(&self, name: &str) -> Result<Option<BucketInfo>, BucketError> {
        Ok(self.bucket_row(name).await?.map(|row| BucketInfo {
            name: row.name,
            region: row.region,
            owner_account: Some(row.owner),
            policy: row.policy,
            policy_known: true,
        }))
    }

    async fn put_object(
        &self,
        bucket: &str,
        key: &str,
        body: Bytes,
        metadata: &[(String, String)],
    ) -> Result<(), BucketError> {
        let options = PutOptions {
            metadata: metadata.to_vec(),
            ..PutOptions::default()
        };
        self.put(bucket, key, body, options).await?;
        Ok(())
    }
}
