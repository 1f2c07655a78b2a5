//! Multipart uploads: an upload is a row (key, and the content type, metadata and headers the final object keeps);
//! each part is a file written durably like an object's, named by a part row. Completing streams the listed parts
//! into one new object file, synced before one transaction commits the object row and removes the upload's rows;
//! the part files are removed after that commit. Aborting removes the rows, then the files. A crash leaves at most
//! files no row names, swept at open like any other.

use bytes::Bytes;
use jiff::Timestamp;
use md5::{Digest, Md5};
use rusqlite::Connection;

use super::{files, index, io_err, names, upload_index, Inner, LocalBuckets, LocalError};
use super::{ObjectMeta, PutOptions};

/// The smallest part but the last that `CompleteMultipartUpload` accepts.
pub const MIN_PART_BYTES: u64 = 5 * 1024 * 1024;
/// Part numbers run from 1 to this.
pub const MAX_PART_NUMBER: u32 = 10_000;

/// A multipart upload in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadRow {
    pub upload_id: String,
    pub key: String,
    pub initiated: Timestamp,
    pub content_type: Option<String>,
    pub metadata: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
}

/// An uploaded part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartRow {
    pub part_number: u32,
    pub size: u64,
    /// The hex MD5 of the part, in double quotes.
    pub etag: String,
    pub last_modified: Timestamp,
}

/// One page of an upload's parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartsPage {
    pub upload: UploadRow,
    pub parts: Vec<PartRow>,
    pub truncated: bool,
}

/// A `ListMultipartUploads` request, bounds already checked.
#[derive(Debug, Clone, Default)]
pub struct UploadsQuery {
    pub prefix: String,
    /// Exclusive, with `upload_id_marker`: uploads of this key after that id, then later keys.
    pub key_marker: Option<String>,
    pub upload_id_marker: Option<String>,
    pub max_uploads: usize,
}

/// One page of a bucket's uploads in progress.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UploadsPage {
    pub uploads: Vec<UploadRow>,
    pub truncated: bool,
}

/// A fresh upload id: 256 random bits, hex (unguessable; a part is addressed by bucket, key and this id).
fn new_upload_id() -> String {
    format!("{}{}", files::new_file_id(), files::new_file_id())
}

/// The multipart ETag: the MD5 of the concatenated binary MD5s of the parts, a dash, the number of parts.
pub fn multipart_etag<'a>(part_etags: impl IntoIterator<Item = &'a str>) -> String {
    let mut md5 = Md5::new();
    let mut count = 0usize;
    for etag in part_etags {
        md5.update(hex::decode(etag.trim_matches('"')).unwrap_or_default());
        count += 1;
    }
    format!("\"{}-{count}\"", hex::encode(md5.finalize()))
}

/// The upload `upload_id` of `key` in `bucket`: `NoSuchBucket`, or `NoSuchUpload` (also for another key's upload).
fn upload_of(
    conn: &Connection,
    bucket: &str,
    key: &str,
    upload_id: &str,
) -> Result<UploadRow, LocalError> {
    if index::bucket(conn, bucket)?.is_none() {
        return Err(LocalError::NoSuchBucket(bucket.to_string()));
    }
    upload_index::upload(conn, bucket, upload_id)?
        .filter(|u| u.key == key)
        .ok_or(LocalError::NoSuchUpload)
}

fn remove_files(inner: &Inner, bucket: &str, ids: &[String], what: &str) {
    let dir = inner.bucket_dir(bucket);
    for id in ids {
        if let Err(e) = files::remove_quietly(&dir.join(id)) {
            tracing::warn!(error = %e, "{what} not removed; swept at next start");
        }
    }
}

impl LocalBuckets {
    /// Start a multipart upload of `key`; `options` are kept for the object it completes into.
    pub async fn create_upload(
        &self,
        bucket: &str,
        key: &str,
        options: PutOptions,
    ) -> Result<UploadRow, LocalError> {
        names::check_key(key)?;
        let options = super::checked_options(options)?;
        let bucket = bucket.to_string();
        let row = UploadRow {
            upload_id: new_upload_id(),
            key: key.to_string(),
            initiated: self.inner.clock.now(),
            content_type: options.content_type,
            metadata: options.metadata,
            headers: options.headers,
        };
        self.blocking(move |inner| {
            let conn = inner.conn();
            if index::bucket(&conn, &bucket)?.is_none() {
                return Err(LocalError::NoSuchBucket(bucket));
            }
            upload_index::insert_upload(&conn, &bucket, &row)?;
            Ok(row)
        })
        .await
    }

    /// Store part `part_number` (1 to 10000) of an upload, replacing an earlier part of that number; returns once
    /// it is durable.
    pub async fn upload_part(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number: u32,
        body: Bytes,
    ) -> Result<PartRow, LocalError> {
        if !(1..=MAX_PART_NUMBER).contains(&part_number) {
            return Err(LocalError::InvalidArgument(format!(
                "Part number must be an integer between 1 and {MAX_PART_NUMBER}, inclusive"
            )));
        }
        let (bucket, key, upload_id) = (bucket.to_string(), key.to_string(), upload_id.to_string());
        let now = self.inner.clock.now();
        self.blocking(move |inner| {
            upload_of(&inner.conn(), &bucket, &key, &upload_id)?;
            let part = PartRow {
                part_number,
                size: body.len() as u64,
                etag: format!("\"{}\"", hex::encode(Md5::digest(&body))),
                last_modified: now,
            };
            let dir = inner.bucket_dir(&bucket);
            let id = files::new_file_id();
            if let Err(e) = files::write_durably(&dir, &id, &body) {
                upload_of(&inner.conn(), &bucket, &key, &upload_id)?;
                return Err(io_err("writing a part")(e));
            }
            let result = upload_index::put_part(&mut inner.conn(), &bucket, &upload_id, &part, &id);
            match result {
                Ok(old) => {
                    remove_files(inner, &bucket, old.as_slice(), "replaced part file");
                    Ok(part)
                }
                Err(e) => {
                    let _ = files::remove_quietly(&dir.join(&id));
                    Err(e)
                }
            }
        })
        .await
    }

    /// Complete an upload from `parts` (number and ETag, ascending): their contents, concatenated, become the
    /// object `key` (replacing any), durable before this returns. Parts not listed are discarded.
    pub async fn complete_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        parts: Vec<(u32, String)>,
    ) -> Result<ObjectMeta, LocalError> {
        if parts.is_empty() {
            return Err(LocalError::InvalidArgument(
                "You must specify at least one part".into(),
            ));
        }
        if parts.windows(2).any(|w| w[0].0 >= w[1].0) {
            return Err(LocalError::InvalidPartOrder);
        }
        let (bucket, key, upload_id) = (bucket.to_string(), key.to_string(), upload_id.to_string());
        let now = self.inner.clock.now();
        self.blocking(move |inner| {
            // Check the list and open the part files with the index held: a part's file is only removed with it
            // held, so each file opened is the one its row names.
            let (upload, sources, etags) = {
                let conn = inner.conn();
                let upload = upload_of(&conn, &bucket, &key, &upload_id)?;
                let stored = upload_index::parts(&conn, &bucket, &upload_id, 0, usize::MAX)?;
                let dir = inner.bucket_dir(&bucket);
                let mut sources = Vec::with_capacity(parts.len());
                let mut etags = Vec::with_capacity(parts.len());
                for (i, (number, etag)) in parts.iter().enumerate() {
                    let found = stored.iter().find(|(p, _)| p.part_number == *number);
                    let Some((part, file)) = found
                        .filter(|(p, _)| p.etag.trim_matches('"') == etag.trim().trim_matches('"'))
                    else {
                        return Err(LocalError::InvalidPart(*number));
                    };
                    if i + 1 < parts.len() && part.size < MIN_PART_BYTES {
                        return Err(LocalError::EntityTooSmall);
                    }
                    let opened =
                        std::fs::File::open(dir.join(file)).map_err(io_err("opening a part"))?;
                    sources.push((opened, part.size));
                    etags.push(part.etag.clone());
                }
                (upload, sources, etags)
            };
            let meta = ObjectMeta {
                key: key.clone(),
                size: sources.iter().map(|(_, size)| size).sum(),
                etag: multipart_etag(etags.iter().map(String::as_str)),
                last_modified: now,
                content_type: upload.content_type,
                metadata: upload.metadata,
                headers: upload.headers,
            };
            let dir = inner.bucket_dir(&bucket);
            let id = files::new_file_id();
            if let Err(e) =
                files::write_durably_with(&dir, &id, |out| files::concatenate(out, sources))
            {
                upload_of(&inner.conn(), &bucket, &key, &upload_id)?;
                return Err(io_err("writing a completed object")(e));
            }
            let committed = (|| {
                let mut conn = inner.conn();
                let tx = conn.transaction().map_err(index::io)?;
                let part_files = upload_index::remove_upload(&tx, &bucket, &upload_id)?
                    .ok_or(LocalError::NoSuchUpload)?;
                let old = index::put_object_in(&tx, &bucket, &meta, &id)?;
                tx.commit().map_err(index::io)?;
                Ok::<_, LocalError>((part_files, old))
            })();
            match committed {
                Ok((part_files, old)) => {
                    remove_files(inner, &bucket, &part_files, "part file");
                    remove_files(inner, &bucket, old.as_slice(), "replaced object file");
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

    /// Abort an upload: its parts are discarded.
    pub async fn abort_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<(), LocalError> {
        let (bucket, key, upload_id) = (bucket.to_string(), key.to_string(), upload_id.to_string());
        self.blocking(move |inner| {
            let part_files = {
                let mut conn = inner.conn();
                upload_of(&conn, &bucket, &key, &upload_id)?;
                let tx = conn.transaction().map_err(index::io)?;
                let part_files = upload_index::remove_upload(&tx, &bucket, &upload_id)?
                    .ok_or(LocalError::NoSuchUpload)?;
                tx.commit().map_err(index::io)?;
                part_files
            };
            remove_files(inner, &bucket, &part_files, "part file");
            Ok(())
        })
        .await
    }

    /// Up to `max` parts of an upload numbered above `after`.
    pub async fn list_parts(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        after: u32,
        max: usize,
    ) -> Result<PartsPage, LocalError> {
        let (bucket, key, upload_id) = (bucket.to_string(), key.to_string(), upload_id.to_string());
        self.blocking(move |inner| {
            let conn = inner.conn();
            let upload = upload_of(&conn, &bucket, &key, &upload_id)?;
            let mut parts: Vec<PartRow> =
                upload_index::parts(&conn, &bucket, &upload_id, after, max.saturating_add(1))?
                    .into_iter()
                    .map(|(p, _)| p)
                    .collect();
            let truncated = parts.len() > max;
            parts.truncate(max);
            Ok(PartsPage {
                upload,
                parts,
                truncated,
            })
        })
        .await
    }

    /// One page of a bucket's uploads in progress.
    pub async fn list_uploads(
        &self,
        bucket: &str,
        query: UploadsQuery,
    ) -> Result<UploadsPage, LocalError> {
        let bucket = bucket.to_string();
        self.blocking(move |inner| {
            let conn = inner.conn();
            if index::bucket(&conn, &bucket)?.is_none() {
                return Err(LocalError::NoSuchBucket(bucket));
            }
            upload_index::list_uploads(&conn, &bucket, &query)
        })
        .await
    }
}
