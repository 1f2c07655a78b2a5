//! The index rows of multipart uploads in progress (schema version 2): one `uploads` row per upload (key and what
//! the final object keeps: content type, metadata, headers) and one `parts` row per uploaded part, naming its file.
//! Part rows go with their upload row (`ON DELETE CASCADE`); upload rows go with their bucket's row.

use rusqlite::{params, Connection, OptionalExtension};

use super::index::{io, ts};
use super::uploads::{PartRow, UploadRow, UploadsPage, UploadsQuery};
use super::LocalError;

const UPLOAD_COLUMNS: &str = "upload_id, key, initiated_ms, content_type, metadata, headers";

fn upload_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<UploadRow> {
    let key: Vec<u8> = r.get(1)?;
    let decode = |s: String| serde_json::from_str(&s).unwrap_or_default();
    Ok(UploadRow {
        upload_id: r.get(0)?,
        key: String::from_utf8_lossy(&key).into_owned(),
        initiated: ts(r.get(2)?),
        content_type: r.get(3)?,
        metadata: decode(r.get(4)?),
        headers: decode(r.get(5)?),
    })
}

fn part_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(PartRow, String)> {
    let number: i64 = r.get(0)?;
    let size: i64 = r.get(1)?;
    Ok((
        PartRow {
            part_number: u32::try_from(number).unwrap_or(0),
            size: u64::try_from(size).unwrap_or(0),
            etag: r.get(2)?,
            last_modified: ts(r.get(3)?),
        },
        r.get(4)?,
    ))
}

fn encode(v: &[(String, String)]) -> Result<String, LocalError> {
    serde_json::to_string(v).map_err(|e| LocalError::Io(format!("encoding metadata: {e}")))
}

pub(crate) fn insert_upload(
    conn: &Connection,
    bucket: &str,
    row: &UploadRow,
) -> Result<(), LocalError> {
    conn.execute(
        "INSERT INTO uploads (bucket, upload_id, key, initiated_ms, content_type, metadata, headers) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            bucket,
            row.upload_id,
            row.key.as_bytes(),
            row.initiated.as_millisecond(),
            row.content_type,
            encode(&row.metadata)?,
            encode(&row.headers)?
        ],
    )
    .map(|_| ())
    .map_err(io)
}

/// An upload's row, or `None`.
pub(crate) fn upload(
    conn: &Connection,
    bucket: &str,
    upload_id: &str,
) -> Result<Option<UploadRow>, LocalError> {
    conn.prepare_cached(&format!(
        "SELECT {UPLOAD_COLUMNS} FROM uploads WHERE bucket = ?1 AND upload_id = ?2"
    ))
    .and_then(|mut s| {
        s.query_row(params![bucket, upload_id], upload_from_row)
            .optional()
    })
    .map_err(io)
}

/// Insert or replace a part's row; returns the file of the part it replaced. `NoSuchUpload` when the upload is
/// gone (completed or aborted meanwhile).
pub(crate) fn put_part(
    conn: &mut Connection,
    bucket: &str,
    upload_id: &str,
    part: &PartRow,
    file: &str,
) -> Result<Option<String>, LocalError> {
    let tx = conn.transaction().map_err(io)?;
    if upload(&tx, bucket, upload_id)?.is_none() {
        return Err(LocalError::NoSuchUpload);
    }
    let old: Option<String> = tx
        .query_row(
            "SELECT file FROM parts WHERE bucket = ?1 AND upload_id = ?2 AND part_number = ?3",
            params![bucket, upload_id, part.part_number],
            |r| r.get(0),
        )
        .optional()
        .map_err(io)?;
    tx.execute(
        "INSERT OR REPLACE INTO parts (bucket, upload_id, part_number, file, size, etag, modified_ms) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            bucket,
            upload_id,
            part.part_number,
            file,
            i64::try_from(part.size).unwrap_or(i64::MAX),
            part.etag,
            part.last_modified.as_millisecond()
        ],
    )
    .map_err(io)?;
    tx.commit().map_err(io)?;
    Ok(old)
}

/// Up to `limit` parts numbered above `after`, ascending, with their files.
pub(crate) fn parts(
    conn: &Connection,
    bucket: &str,
    upload_id: &str,
    after: u32,
    limit: usize,
) -> Result<Vec<(PartRow, String)>, LocalError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT part_number, size, etag, modified_ms, file FROM parts \
             WHERE bucket = ?1 AND upload_id = ?2 AND part_number > ?3 ORDER BY part_number LIMIT ?4",
        )
        .map_err(io)?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = stmt
        .query_map(params![bucket, upload_id, after, limit], part_from_row)
        .map_err(io)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(io)
}

/// Delete an upload's row and its parts' rows (in the caller's transaction); returns the part files, or `None`
/// when there is no such upload.
pub(crate) fn remove_upload(
    conn: &Connection,
    bucket: &str,
    upload_id: &str,
) -> Result<Option<Vec<String>>, LocalError> {
    if upload(conn, bucket, upload_id)?.is_none() {
        return Ok(None);
    }
    let files = parts(conn, bucket, upload_id, 0, usize::MAX)?
        .into_iter()
        .map(|(_, file)| file)
        .collect();
    conn.execute(
        "DELETE FROM uploads WHERE bucket = ?1 AND upload_id = ?2",
        params![bucket, upload_id],
    )
    .map_err(io)?;
    Ok(Some(files))
}

/// One page of a bucket's uploads in progress, by key (byte-wise) and then upload id.
pub(crate) fn list_uploads(
    conn: &Connection,
    bucket: &str,
    q: &UploadsQuery,
) -> Result<UploadsPage, LocalError> {
    let prefix = q.prefix.as_bytes().to_vec();
    let mut end = prefix.clone();
    end.push(0xFF);
    let key_marker = q.key_marker.as_deref().unwrap_or("").as_bytes().to_vec();
    // Without an upload-id marker, listing resumes after every upload of the key marker.
    let id_marker = match (&q.key_marker, &q.upload_id_marker) {
        (Some(_), Some(id)) => Some(id.as_str()),
        _ => None,
    };
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {UPLOAD_COLUMNS} FROM uploads WHERE bucket = ?1 AND key >= ?2 AND key < ?3 \
             AND (key > ?4 OR (key = ?4 AND ?5 IS NOT NULL AND upload_id > ?5) OR ?6) \
             ORDER BY key, upload_id LIMIT ?7"
        ))
        .map_err(io)?;
    let want = i64::try_from(q.max_uploads.saturating_add(1)).unwrap_or(i64::MAX);
    let mut uploads = stmt
        .query_map(
            params![
                bucket,
                prefix,
                end,
                key_marker,
                id_marker,
                q.key_marker.is_none(),
                want
            ],
            upload_from_row,
        )
        .map_err(io)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(io)?;
    let truncated = uploads.len() > q.max_uploads;
    uploads.truncate(q.max_uploads);
    Ok(UploadsPage { uploads, truncated })
}
