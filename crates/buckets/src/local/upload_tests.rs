use std::sync::Arc;

use bytes::Bytes;
use md5::{Digest, Md5};
use trailrunner_api::sys::ManualClock;

use super::uploads::{multipart_etag, MIN_PART_BYTES};
use super::*;

const OWNER: &str = "123456789012";

fn open(dir: &Path) -> LocalBuckets {
    let clock = Arc::new(ManualClock::new("2026-03-01T12:00:00Z".parse().unwrap()));
    LocalBuckets::open(dir, clock).unwrap()
}

async fn with_bucket(dir: &Path) -> LocalBuckets {
    let store = open(dir);
    store
        .create_bucket("bkt", OWNER, "us-east-1")
        .await
        .unwrap();
    store
}

fn files_in(dir: &Path) -> usize {
    std::fs::read_dir(dir).unwrap().count()
}

fn big(fill: u8) -> Bytes {
    Bytes::from(vec![fill; MIN_PART_BYTES as usize])
}

#[tokio::test]
async fn complete_concatenates_parts_with_the_multipart_etag_and_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let store = with_bucket(dir.path()).await;
    store
        .put(
            "bkt",
            "k",
            Bytes::from_static(b"old"),
            PutOptions::default(),
        )
        .await
        .unwrap();
    let options = PutOptions {
        content_type: Some("text/csv".into()),
        metadata: vec![("Color".into(), "blue".into())],
        headers: vec![],
    };
    let up = store.create_upload("bkt", "k", options).await.unwrap();
    assert_eq!(up.upload_id.len(), 64);
    // Parts arrive out of order, and one is replaced.
    let p2 = store
        .upload_part("bkt", "k", &up.upload_id, 2, Bytes::from_static(b"tail"))
        .await
        .unwrap();
    store
        .upload_part("bkt", "k", &up.upload_id, 1, big(b'x'))
        .await
        .unwrap();
    let p1 = store
        .upload_part("bkt", "k", &up.upload_id, 1, big(b'a'))
        .await
        .unwrap();
    assert_eq!(
        p1.etag,
        format!("\"{}\"", hex::encode(Md5::digest(big(b'a'))))
    );
    let bucket_dir = dir.path().join("bkt");
    assert_eq!(files_in(&bucket_dir), 3); // the old object and two parts
    let meta = store
        .complete_upload(
            "bkt",
            "k",
            &up.upload_id,
            vec![
                (1, p1.etag.clone()),
                (2, p2.etag.trim_matches('"').to_string()),
            ],
        )
        .await
        .unwrap();
    let mut md5 = Md5::new();
    md5.update(Md5::digest(big(b'a')));
    md5.update(Md5::digest(b"tail"));
    assert_eq!(meta.etag, format!("\"{}-2\"", hex::encode(md5.finalize())));
    assert_eq!(
        meta.etag,
        multipart_etag([p1.etag.as_str(), p2.etag.as_str()])
    );
    let read = store.get("bkt", "k", None).await.unwrap();
    assert_eq!(read.meta.size, MIN_PART_BYTES + 4);
    assert_eq!(&read.body[..MIN_PART_BYTES as usize], &big(b'a')[..]);
    assert_eq!(&read.body[MIN_PART_BYTES as usize..], b"tail");
    assert_eq!(read.meta.content_type.as_deref(), Some("text/csv"));
    assert_eq!(read.meta.metadata, vec![("color".into(), "blue".into())]);
    // The parts and the replaced object are gone; the upload too.
    assert_eq!(files_in(&bucket_dir), 1);
    assert_eq!(
        store
            .list_parts("bkt", "k", &up.upload_id, 0, 10)
            .await
            .unwrap_err(),
        LocalError::NoSuchUpload
    );
}

#[tokio::test]
async fn complete_checks_the_part_list() {
    let dir = tempfile::tempdir().unwrap();
    let store = with_bucket(dir.path()).await;
    let up = store
        .create_upload("bkt", "k", PutOptions::default())
        .await
        .unwrap();
    let id = up.upload_id.as_str();
    let small = store
        .upload_part("bkt", "k", id, 1, Bytes::from_static(b"small"))
        .await
        .unwrap();
    let last = store
        .upload_part("bkt", "k", id, 2, Bytes::from_static(b"last"))
        .await
        .unwrap();
    let complete = |parts: Vec<(u32, String)>| store.complete_upload("bkt", "k", id, parts);
    assert_eq!(
        complete(vec![(1, small.etag.clone()), (2, last.etag.clone())])
            .await
            .unwrap_err(),
        LocalError::EntityTooSmall
    );
    assert_eq!(
        complete(vec![(1, last.etag.clone())]).await.unwrap_err(),
        LocalError::InvalidPart(1)
    );
    assert_eq!(
        complete(vec![(3, last.etag.clone())]).await.unwrap_err(),
        LocalError::InvalidPart(3)
    );
    assert_eq!(
        complete(vec![(2, last.etag.clone()), (1, small.etag.clone())])
            .await
            .unwrap_err(),
        LocalError::InvalidPartOrder
    );
    assert!(matches!(
        store
            .upload_part("bkt", "k", id, 10_001, Bytes::new())
            .await
            .unwrap_err(),
        LocalError::InvalidArgument(_)
    ));
    // Another key's address does not reach the upload.
    assert_eq!(
        store
            .upload_part("bkt", "other", id, 1, Bytes::new())
            .await
            .unwrap_err(),
        LocalError::NoSuchUpload
    );
    // The one part alone is fine (the last part may be small), and part 2 is discarded.
    let meta = complete(vec![(1, small.etag.clone())]).await.unwrap();
    assert!(meta.etag.ends_with("-1\""));
    assert_eq!(
        store.get("bkt", "k", None).await.unwrap().body.as_ref(),
        b"small"
    );
    assert_eq!(files_in(&dir.path().join("bkt")), 1);
}

#[tokio::test]
async fn abort_lists_and_delete_bucket_discard_uploads() {
    let dir = tempfile::tempdir().unwrap();
    let store = with_bucket(dir.path()).await;
    let a = store
        .create_upload("bkt", "x/a", PutOptions::default())
        .await
        .unwrap();
    let b = store
        .create_upload("bkt", "x/b", PutOptions::default())
        .await
        .unwrap();
    let c = store
        .create_upload("bkt", "y", PutOptions::default())
        .await
        .unwrap();
    for n in 1..=3 {
        store
            .upload_part("bkt", "x/a", &a.upload_id, n, Bytes::from(vec![n as u8; 3]))
            .await
            .unwrap();
    }
    let page = store
        .list_parts("bkt", "x/a", &a.upload_id, 1, 1)
        .await
        .unwrap();
    assert_eq!(page.parts.len(), 1);
    assert_eq!(page.parts[0].part_number, 2);
    assert!(page.truncated);
    let q = |prefix: &str, key_marker: Option<&str>, id_marker: Option<&str>, max| UploadsQuery {
        prefix: prefix.into(),
        key_marker: key_marker.map(Into::into),
        upload_id_marker: id_marker.map(Into::into),
        max_uploads: max,
    };
    let page = store
        .list_uploads("bkt", q("x/", None, None, 1))
        .await
        .unwrap();
    assert_eq!(page.uploads.len(), 1);
    assert_eq!(page.uploads[0].key, "x/a");
    assert!(page.truncated);
    let page = store
        .list_uploads("bkt", q("", Some("x/a"), Some(&a.upload_id), 10))
        .await
        .unwrap();
    let keys: Vec<&str> = page.uploads.iter().map(|u| u.key.as_str()).collect();
    assert_eq!(keys, ["x/b", "y"]);
    assert!(!page.truncated);

    store
        .abort_upload("bkt", "x/a", &a.upload_id)
        .await
        .unwrap();
    assert_eq!(
        store
            .abort_upload("bkt", "x/a", &a.upload_id)
            .await
            .unwrap_err(),
        LocalError::NoSuchUpload
    );
    assert_eq!(files_in(&dir.path().join("bkt")), 0);
    store
        .upload_part("bkt", "y", &c.upload_id, 1, Bytes::from_static(b"p"))
        .await
        .unwrap();
    // Uploads in progress do not keep a bucket (S3 deletes it and discards them); objects do.
    store
        .put("bkt", "o", Bytes::new(), PutOptions::default())
        .await
        .unwrap();
    assert!(matches!(
        store.delete_bucket("bkt").await.unwrap_err(),
        LocalError::BucketNotEmpty(_)
    ));
    store.delete("bkt", "o").await.unwrap();
    store.delete_bucket("bkt").await.unwrap();
    assert!(!dir.path().join("bkt").exists());
    store
        .create_bucket("bkt", OWNER, "us-east-1")
        .await
        .unwrap();
    assert_eq!(
        store
            .list_parts("bkt", "x/b", &b.upload_id, 0, 10)
            .await
            .unwrap_err(),
        LocalError::NoSuchUpload
    );
}

#[tokio::test]
async fn open_sweeps_orphan_parts_and_keeps_live_ones() {
    let dir = tempfile::tempdir().unwrap();
    let up = {
        let store = with_bucket(dir.path()).await;
        let up = store
            .create_upload("bkt", "k", PutOptions::default())
            .await
            .unwrap();
        store
            .upload_part("bkt", "k", &up.upload_id, 1, Bytes::from_static(b"live"))
            .await
            .unwrap();
        up
    };
    // A part written but never committed, and one being written, as a crash would leave them.
    let bucket_dir = dir.path().join("bkt");
    std::fs::write(bucket_dir.join(files::new_file_id()), b"orphan").unwrap();
    std::fs::write(
        bucket_dir.join(format!("{}.tmp", files::new_file_id())),
        b"half",
    )
    .unwrap();
    assert_eq!(files_in(&bucket_dir), 3);
    let store = open(dir.path());
    assert_eq!(files_in(&bucket_dir), 1);
    let page = store
        .list_parts("bkt", "k", &up.upload_id, 0, 10)
        .await
        .unwrap();
    assert_eq!(page.parts.len(), 1);
    let meta = store
        .complete_upload(
            "bkt",
            "k",
            &up.upload_id,
            vec![(1, page.parts[0].etag.clone())],
        )
        .await
        .unwrap();
    assert_eq!(meta.size, 4);
    assert_eq!(
        store.get("bkt", "k", None).await.unwrap().body.as_ref(),
        b"live"
    );
}

#[tokio::test]
async fn a_version_1_index_is_migrated_forward() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = with_bucket(dir.path()).await;
        store
            .put(
                "bkt",
                "kept",
                Bytes::from_static(b"v1"),
                PutOptions::default(),
            )
            .await
            .unwrap();
    }
    // Make it what a version-1 trailrunner wrote: no upload tables.
    {
        let conn = rusqlite::Connection::open(dir.path().join(INDEX_FILE)).unwrap();
        conn.execute_batch("DROP TABLE parts; DROP TABLE uploads; PRAGMA user_version = 1;")
            .unwrap();
    }
    let store = open(dir.path());
    assert_eq!(
        store.get("bkt", "kept", None).await.unwrap().body.as_ref(),
        b"v1"
    );
    let up = store
        .create_upload("bkt", "new", PutOptions::default())
        .await
        .unwrap();
    store
        .upload_part("bkt", "new", &up.upload_id, 1, Bytes::from_static(b"p"))
        .await
        .unwrap();
    drop(store);
    let conn = rusqlite::Connection::open(dir.path().join(INDEX_FILE)).unwrap();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, 2);
}
