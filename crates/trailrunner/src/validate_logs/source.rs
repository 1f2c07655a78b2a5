//! Where validate-logs reads a trail's objects from: an S3 endpoint (trailrunner's own S3 API, or any other) through
//! `object_store`, or a local folder.
//!
//! # The local folder format
//!
//! `--local-dir DIR` holds one bucket (the one `--s3-bucket` or the trail names): the object with key `K` is the file
//! `DIR/K` (what `aws s3 sync s3://BUCKET DIR` leaves), and its user metadata, when it has any, is the file
//! `DIR/K.metadata.json`: a JSON object from metadata name (without `x-amz-meta-`) to value, the `Metadata` member
//! that `aws s3api head-object` prints, e.g. `{"signature": "8a4f…", "signature-algorithm": "SHA256withRSA"}`.
//! Digest files need theirs (a digest without it fails as "signature verification failed", as on S3); log files
//! need none. Objects of other buckets are "not found", and so is any key that would leave `DIR`.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path as FsPath, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{anyhow, Context};
use futures_util::StreamExt;
use object_store::aws::AmazonS3;
use object_store::path::Path;
use object_store::{Attribute, ObjectStore, ObjectStoreExt};
use trailrunner_buckets::ExternalEndpoint;

use super::log_hash::{Corrupt, GzipMemberHasher};
use super::plain_s3::{self, PlainS3};

/// The suffix of a metadata sidecar file in a local folder.
pub(crate) const METADATA_SUFFIX: &str = ".metadata.json";

/// One object, whole, with its user metadata (names as the endpoint sent them, lower case over HTTP).
pub(crate) struct Fetched {
    pub(crate) body: Vec<u8>,
    pub(crate) metadata: BTreeMap<String, String>,
}

pub(crate) enum Source {
    S3(S3Source),
    Local(LocalSource),
}

impl Source {
    /// Keys under `prefix` (a folder: `prefix/…`) after `start_after`, ascending, while `more(key)` says so.
    pub(crate) async fn list(
        &self,
        bucket: &str,
        prefix: &str,
        start_after: &str,
        more: impl Fn(&str) -> bool,
    ) -> anyhow::Result<Vec<String>> {
        match self {
            Source::S3(s) => s.list(bucket, prefix, start_after, more).await,
            Source::Local(l) => l.list(bucket, prefix, start_after, more),
        }
    }

    /// An object whole (digests), or `None` when it does not exist.
    pub(crate) async fn get(&self, bucket: &str, key: &str) -> anyhow::Result<Option<Fetched>> {
        match self {
            Source::S3(s) => s.get(bucket, key).await,
            Source::Local(l) => l.get(bucket, key).await,
        }
    }

    /// A log file's hash, computed as it streams in, or `None` when it does not exist.
    pub(crate) async fn hash_log(
        &self,
        bucket: &str,
        key: &str,
    ) -> anyhow::Result<Option<Result<String, Corrupt>>> {
        match self {
            Source::S3(s) => s.hash_log(bucket, key).await,
            Source::Local(l) => l.hash_log(bucket, key).await,
        }
    }
}

/// An S3 endpoint, path-style: listed through `object_store` (one client per bucket); objects read through
/// [`PlainS3`] when the endpoint is plain HTTP, else through `object_store` too.
pub(crate) struct S3Source {
    endpoint: ExternalEndpoint,
    plain: Option<Box<PlainS3>>,
    stores: Mutex<HashMap<String, Arc<AmazonS3>>>,
}

/// The largest digest file read (a digest of an hour lists that hour's log files: kilobytes, rarely megabytes).
const MAX_DIGEST_BYTES: usize = 64 << 20;

impl S3Source {
    pub(crate) fn new(endpoint: ExternalEndpoint) -> Self {
        S3Source {
            plain: PlainS3::for_endpoint(&endpoint).map(Box::new),
            endpoint,
            stores: Mutex::new(HashMap::new()),
        }
    }

    fn store(&self, bucket: &str) -> anyhow::Result<Arc<AmazonS3>> {
        let mut stores = self.stores.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = stores.get(bucket) {
            return Ok(s.clone());
        }
        let store = Arc::new(self.endpoint.store(bucket).map_err(|e| anyhow!("{e}"))?);
        stores.insert(bucket.to_owned(), store.clone());
        Ok(store)
    }

    async fn list(
        &self,
        bucket: &str,
        prefix: &str,
        start_after: &str,
        more: impl Fn(&str) -> bool,
    ) -> anyhow::Result<Vec<String>> {
        let store = self.store(bucket)?;
        let prefix = Path::parse(prefix).with_context(|| format!("the prefix {prefix:?}"))?;
        let offset = Path::parse(start_after).unwrap_or_else(|_| Path::from(start_after));
        let mut listing = store.list_with_offset(Some(&prefix), &offset);
        let mut keys = Vec::new();
        while let Some(meta) = listing.next().await {
            let meta = meta.with_context(|| format!("listing s3://{bucket}/{prefix}/"))?;
            let key = meta.location.to_string();
            if !more(&key) {
                break;
            }
            keys.push(key);
        }
        Ok(keys)
    }

    /// `GET`; `Ok(None)` for a missing object.
    async fn open(
        &self,
        bucket: &str,
        key: &str,
    ) -> anyhow::Result<Option<object_store::GetResult>> {
        let Ok(path) = Path::parse(key) else {
            // Not a key object_store can address (empty segments, `.`/`..`): nothing a trail writes.
            return Ok(None);
        };
        match self.store(bucket)?.get(&path).await {
            Ok(result) => Ok(Some(result)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(anyhow!(e).context(format!("reading s3://{bucket}/{key}"))),
        }
    }

    async fn get(&self, bucket: &str, key: &str) -> anyhow::Result<Option<Fetched>> {
        if let Some(plain) = &self.plain {
            let Some(object) = plain.get(bucket, key).await? else {
                return Ok(None);
            };
            let body = plain_s3::read_all(object.body, MAX_DIGEST_BYTES)
                .await
                .with_context(|| format!("reading s3://{bucket}/{key}"))?;
            return Ok(Some(Fetched {
                body,
                metadata: object.metadata,
            }));
        }
        let Some(result) = self.open(bucket, key).await? else {
            return Ok(None);
        };
        let metadata = result
            .attributes
            .iter()
            .filter_map(|(name, value)| match name {
                Attribute::Metadata(name) => Some((name.to_string(), value.to_string())),
                _ => None,
            })
            .collect();
        let body = result
            .bytes()
            .await
            .with_context(|| format!("reading s3://{bucket}/{key}"))?;
        Ok(Some(Fetched {
            body: body.to_vec(),
            metadata,
        }))
    }

    async fn hash_log(
        &self,
        bucket: &str,
        key: &str,
    ) -> anyhow::Result<Option<Result<String, Corrupt>>> {
        if let Some(plain) = &self.plain {
            let Some(object) = plain.get(bucket, key).await? else {
                return Ok(None);
            };
            let mut body = object.body;
            let mut hasher = GzipMemberHasher::new();
            while let Some(data) = plain_s3::next_bytes(&mut body)
                .await
                .with_context(|| format!("reading s3://{bucket}/{key}"))?
            {
                hasher.update(&data);
            }
            return Ok(Some(hasher.finish()));
        }
        let Some(result) = self.open(bucket, key).await? else {
            return Ok(None);
        };
        let mut hasher = GzipMemberHasher::new();
        let mut stream = result.into_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.with_context(|| format!("reading s3://{bucket}/{key}"))?;
            hasher.update(&chunk);
        }
        Ok(Some(hasher.finish()))
    }
}

/// A folder holding one bucket's objects (see the module docs).
pub(crate) struct LocalSource {
    root: PathBuf,
    bucket: String,
}

impl LocalSource {
    pub(crate) fn new(root: PathBuf, bucket: String) -> anyhow::Result<Self> {
        if !root.is_dir() {
            anyhow::bail!("--local-dir {} is not a folder", root.display());
        }
        Ok(LocalSource { root, bucket })
    }

    /// The file of `key` in `bucket`, when it is this folder's bucket and the key stays inside it.
    fn file(&self, bucket: &str, key: &str) -> Option<PathBuf> {
        let safe = !key.is_empty()
            && !key.starts_with('/')
            && key
                .split('/')
                .all(|part| !part.is_empty() && part != "." && part != "..");
        (bucket == self.bucket && safe).then(|| self.root.join(key))
    }

    fn list(
        &self,
        bucket: &str,
        prefix: &str,
        start_after: &str,
        more: impl Fn(&str) -> bool,
    ) -> anyhow::Result<Vec<String>> {
        let mut keys = Vec::new();
        if let Some(dir) = self.file(bucket, prefix) {
            collect_keys(&dir, prefix, &mut keys)?;
        }
        keys.retain(|k| k.as_str() > start_after);
        keys.sort_unstable(); // S3's order: UTF-8 bytes
        if let Some(stop) = keys.iter().position(|k| !more(k)) {
            keys.truncate(stop);
        }
        Ok(keys)
    }

    async fn get(&self, bucket: &str, key: &str) -> anyhow::Result<Option<Fetched>> {
        let Some(file) = self.file(bucket, key) else {
            return Ok(None);
        };
        tokio::task::spawn_blocking(move || read_with_metadata(&file)).await?
    }

    async fn hash_log(
        &self,
        bucket: &str,
        key: &str,
    ) -> anyhow::Result<Option<Result<String, Corrupt>>> {
        let Some(file) = self.file(bucket, key) else {
            return Ok(None);
        };
        tokio::task::spawn_blocking(move || hash_file(&file)).await?
    }
}

/// Every object key below `dir` (whose key is `prefix`), skipping metadata sidecars.
fn collect_keys(dir: &FsPath, prefix: &str, keys: &mut Vec<String>) -> anyhow::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(anyhow!(e).context(format!("listing {}", dir.display()))),
    };
    for entry in entries {
        let entry = entry.with_context(|| format!("listing {}", dir.display()))?;
        let Ok(name) = entry.file_name().into_string() else {
            continue; // not UTF-8: no S3 key
        };
        let key = format!("{prefix}/{name}");
        if entry.file_type()?.is_dir() {
            collect_keys(&entry.path(), &key, keys)?;
        } else if !name.ends_with(METADATA_SUFFIX) {
            keys.push(key);
        }
    }
    Ok(())
}

fn open_if_exists(file: &FsPath) -> anyhow::Result<Option<std::fs::File>> {
    match std::fs::File::open(file) {
        Ok(f) => Ok(Some(f)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(anyhow!(e).context(format!("reading {}", file.display()))),
    }
}

fn read_with_metadata(file: &FsPath) -> anyhow::Result<Option<Fetched>> {
    let Some(mut f) = open_if_exists(file)? else {
        return Ok(None);
    };
    let mut body = Vec::new();
    f.read_to_end(&mut body)
        .with_context(|| format!("reading {}", file.display()))?;
    let mut sidecar = file.as_os_str().to_owned();
    sidecar.push(METADATA_SUFFIX);
    let sidecar = PathBuf::from(sidecar);
    let metadata = match std::fs::read(&sidecar) {
        Ok(text) => {
            serde_json::from_slice::<BTreeMap<String, String>>(&text).with_context(|| {
                format!(
                    "{} is not a JSON object of metadata names to string values",
                    sidecar.display()
                )
            })?
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
        Err(e) => return Err(anyhow!(e).context(format!("reading {}", sidecar.display()))),
    };
    Ok(Some(Fetched { body, metadata }))
}

fn hash_file(file: &FsPath) -> anyhow::Result<Option<Result<String, Corrupt>>> {
    let Some(mut f) = open_if_exists(file)? else {
        return Ok(None);
    };
    // One read buffer per blocking thread, kept: a fresh one per file cost more (the kernel zeroing its pages)
    // than reading a typical log file.
    thread_local! {
        static BUF: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0u8; 128 * 1024]);
    }
    let mut hasher = GzipMemberHasher::new();
    BUF.with_borrow_mut(|buf| loop {
        let n = f
            .read(buf)
            .with_context(|| format!("reading {}", file.display()))?;
        if n == 0 {
            return anyhow::Ok(());
        }
        hasher.update(&buf[..n]);
    })?;
    Ok(Some(hasher.finish()))
}
