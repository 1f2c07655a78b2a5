use std::sync::Arc;

use bytes::Bytes;
use trailrunner_api::sys::ManualClock;

use super::*;

const OWNER: &str = "123456789012";

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new("2026-03-01T12:00:00Z".parse().unwrap()))
}

fn open(dir: &Path) -> LocalBuckets {
    LocalBuckets::open(dir, clock()).unwrap()
}

async fn with_keys(store: &LocalBuckets, bucket: &str, keys: &[&str]) {
    store
        .create_bucket(bucket, OWNER, "us-east-1")
        .await
        .unwrap();
    for key in keys {
        store
            .put(
                bucket,
                key,
                Bytes::from(key.to_string()),
                PutOptions::default(),
            )
            .await
            .unwrap();
    }
}

fn query(prefix: &str, start: Option<&str>, delimiter: Option<&str>, max: usize) -> ListQuery {
    ListQuery {
        prefix: prefix.into(),
        start: start.map(Into::into),
        delimiter: delimiter.map(Into::into),
        max_keys: max,
    }
}

fn keys(page: &ListPage) -> Vec<&str> {
    page.objects.iter().map(|o| o.key.as_str()).collect()
}

#[tokio::test]
async fn objects_round_trip_with_etag_and_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    store
        .create_bucket("logs", OWNER, "eu-west-1")
        .await
        .unwrap();
    let options = PutOptions {
        content_type: Some("text/plain".into()),
        metadata: vec![("Signature".into(), "abc".into())],
        headers: vec![("content-encoding".into(), "gzip".into())],
    };
    let meta = store
        .put("logs", "a/b.txt", Bytes::from_static(b"hello"), options)
        .await
        .unwrap();
    assert_eq!(meta.etag, "\"5d41402abc4b2a76b9719d911017c592\"");
    let read = store.get("logs", "a/b.txt", None).await.unwrap();
    assert_eq!(read.body.as_ref(), b"hello");
    assert_eq!(
        read.meta.metadata,
        vec![("signature".to_string(), "abc".to_string())]
    );
    assert_eq!(read.meta.content_type.as_deref(), Some("text/plain"));
    assert_eq!(
        read.meta.headers,
        vec![("content-encoding".to_string(), "gzip".to_string())]
    );
    let part = store
        .get(
            "logs",
            "a/b.txt",
            Some(ByteRange::From {
                first: 1,
                last: Some(3),
            }),
        )
        .await
        .unwrap();
    assert_eq!(
        (part.body.as_ref(), part.range),
        (&b"ell"[..], Some((1, 3)))
    );
    let tail = store
        .get("logs", "a/b.txt", Some(ByteRange::Suffix(2)))
        .await
        .unwrap();
    assert_eq!(tail.body.as_ref(), b"lo");
    assert_eq!(
        store
            .get(
                "logs",
                "a/b.txt",
                Some(ByteRange::From {
                    first: 5,
                    last: None
                })
            )
            .await
            .unwrap_err(),
        LocalError::InvalidRange { size: 5 }
    );
    // The trait view of the bucket.
    let info = store.bucket("logs").await.unwrap().unwrap();
    assert_eq!(
        (info.region.as_str(), info.owner_account.as_deref()),
        ("eu-west-1", Some(OWNER))
    );
    assert!(info.policy_known && info.policy.is_none());
    // A key and a "folder" of the same name are independent objects.
    store
        .put("logs", "a", Bytes::from_static(b"x"), PutOptions::default())
        .await
        .unwrap();
    assert_eq!(
        store.get("logs", "a", None).await.unwrap().body.as_ref(),
        b"x"
    );
    assert_eq!(
        store
            .get("logs", "a/b.txt", None)
            .await
            .unwrap()
            .body
            .as_ref(),
        b"hello"
    );
}

#[tokio::test]
async fn replacing_and_deleting_leave_no_files_behind() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    store
        .create_bucket("b-1", OWNER, "us-east-1")
        .await
        .unwrap();
    for body in ["one", "two", "three"] {
        store
            .put("b-1", "k", Bytes::from(body), PutOptions::default())
            .await
            .unwrap();
    }
    assert_eq!(
        std::fs::read_dir(dir.path().join("b-1")).unwrap().count(),
        1
    );
    assert_eq!(
        store.get("b-1", "k", None).await.unwrap().body.as_ref(),
        b"three"
    );
    assert_eq!(
        store.delete_bucket("b-1").await.unwrap_err(),
        LocalError::BucketNotEmpty("b-1".into())
    );
    store.delete("b-1", "k").await.unwrap();
    store.delete("b-1", "k").await.unwrap();
    assert_eq!(
        store.get("b-1", "k", None).await.unwrap_err(),
        LocalError::NoSuchKey
    );
    assert_eq!(
        std::fs::read_dir(dir.path().join("b-1")).unwrap().count(),
        0
    );
    store.delete_bucket("b-1").await.unwrap();
    assert!(!dir.path().join("b-1").exists());
    assert_eq!(
        store
            .put("b-1", "k", Bytes::new(), PutOptions::default())
            .await
            .unwrap_err(),
        LocalError::NoSuchBucket("b-1".into())
    );
}

#[tokio::test]
async fn bucket_names_are_unique_across_owners() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    store
        .create_bucket("shared", OWNER, "us-east-1")
        .await
        .unwrap();
    assert_eq!(
        store
            .create_bucket("shared", "210987654321", "us-east-1")
            .await
            .unwrap_err(),
        LocalError::BucketExists {
            name: "shared".into(),
            owner: OWNER.into()
        }
    );
    assert!(matches!(
        store.create_bucket("Bad_Name", OWNER, "us-east-1").await,
        Err(LocalError::InvalidBucketName(_))
    ));
    store
        .create_bucket("another", "210987654321", "us-east-1")
        .await
        .unwrap();
    let mine: Vec<String> = store
        .list_buckets(OWNER)
        .await
        .unwrap()
        .into_iter()
        .map(|b| b.name)
        .collect();
    assert_eq!(mine, vec!["shared"]);
    store.set_policy("shared", Some("{}".into())).await.unwrap();
    assert_eq!(
        store
            .bucket_row("shared")
            .await
            .unwrap()
            .unwrap()
            .policy
            .as_deref(),
        Some("{}")
    );
    store.set_policy("shared", None).await.unwrap();
    assert_eq!(
        store.bucket_row("shared").await.unwrap().unwrap().policy,
        None
    );
    assert_eq!(
        store.set_policy("nope-nope", None).await.unwrap_err(),
        LocalError::NoSuchBucket("nope-nope".into())
    );
}

#[tokio::test]
async fn listing_is_bytewise_with_prefixes_markers_and_delimiters() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    // Byte order, not character or locale order: upper case before lower case, "é" (0xC3…) after "z".
    let all = [
        "B", "a", "a/1", "a/2", "a/b/3", "a0", "ab", "b/x", "é", "z/z",
    ];
    with_keys(&store, "list", &all).await;

    let page = store
        .list("list", query("", None, None, 1000))
        .await
        .unwrap();
    assert_eq!(
        keys(&page),
        ["B", "a", "a/1", "a/2", "a/b/3", "a0", "ab", "b/x", "z/z", "é"]
    );
    assert!(!page.truncated);

    let page = store
        .list("list", query("a/", None, None, 1000))
        .await
        .unwrap();
    assert_eq!(keys(&page), ["a/1", "a/2", "a/b/3"]);

    let page = store
        .list("list", query("", None, Some("/"), 1000))
        .await
        .unwrap();
    assert_eq!(keys(&page), ["B", "a", "a0", "ab", "é"]);
    assert_eq!(page.common_prefixes, ["a/", "b/", "z/"]);

    let page = store
        .list("list", query("a/", None, Some("/"), 1000))
        .await
        .unwrap();
    assert_eq!(keys(&page), ["a/1", "a/2"]);
    assert_eq!(page.common_prefixes, ["a/b/"]);

    // Paging with a delimiter: every entry exactly once, a common prefix counts as one entry.
    let mut seen = Vec::new();
    let mut start: Option<String> = None;
    loop {
        let page = store
            .list("list", query("", start.as_deref(), Some("/"), 2))
            .await
            .unwrap();
        assert!(page.objects.len() + page.common_prefixes.len() <= 2);
        seen.extend(page.objects.iter().map(|o| o.key.clone()));
        seen.extend(page.common_prefixes.iter().cloned());
        if !page.truncated {
            break;
        }
        start = page.next.clone();
    }
    seen.sort();
    assert_eq!(seen, ["B", "a", "a/", "a0", "ab", "b/", "z/", "é"]);

    // A marker is exclusive; one inside a rolled-up prefix skips that prefix.
    let page = store
        .list("list", query("", Some("a/1"), None, 3))
        .await
        .unwrap();
    assert_eq!(keys(&page), ["a/2", "a/b/3", "a0"]);
    assert!(page.truncated);
    assert_eq!(page.next.as_deref(), Some("a0"));
    let page = store
        .list("list", query("", Some("a/1"), Some("/"), 1000))
        .await
        .unwrap();
    assert_eq!(keys(&page), ["a0", "ab", "é"]);
    assert_eq!(page.common_prefixes, ["b/", "z/"]);
    // A marker before the prefix starts at the prefix.
    let page = store
        .list("list", query("b", Some("A"), None, 1000))
        .await
        .unwrap();
    assert_eq!(keys(&page), ["b/x"]);
    // max-keys 0 lists nothing and is not truncated.
    let page = store.list("list", query("", None, None, 0)).await.unwrap();
    assert!(page.objects.is_empty() && !page.truncated);
    // Exactly max-keys entries left: not truncated.
    let page = store
        .list("list", query("a/", None, None, 3))
        .await
        .unwrap();
    assert!(!page.truncated);
    assert_eq!(
        store
            .list("nope-nope", query("", None, None, 1))
            .await
            .unwrap_err(),
        LocalError::NoSuchBucket("nope-nope".into())
    );
}

#[tokio::test]
async fn orphans_are_swept_at_open_and_rows_keep_their_files() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = open(dir.path());
        with_keys(&store, "keep", &["x", "y"]).await;
    }
    // What a crash can leave: a temporary file, a complete file whose row never committed, and the folder of a
    // bucket whose row never committed.
    let bucket = dir.path().join("keep");
    std::fs::write(
        bucket.join(format!("{}.tmp", files::new_file_id())),
        b"partial",
    )
    .unwrap();
    std::fs::write(bucket.join(files::new_file_id()), b"uncommitted").unwrap();
    std::fs::create_dir(dir.path().join("never-made")).unwrap();
    std::fs::write(
        dir.path().join("never-made").join(files::new_file_id()),
        b"z",
    )
    .unwrap();
    // Something that is not ours is left alone.
    std::fs::write(bucket.join("README"), b"hands off").unwrap();

    let store = open(dir.path());
    let mut left: Vec<String> = std::fs::read_dir(&bucket)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(left.len(), 3, "{left:?}");
    assert!(left.contains(&"README".to_string()));
    assert!(!dir.path().join("never-made").exists());
    assert_eq!(
        store.get("keep", "x", None).await.unwrap().body.as_ref(),
        b"x"
    );
    assert_eq!(
        store.get("keep", "y", None).await.unwrap().body.as_ref(),
        b"y"
    );
    // The name of the swept folder can be created afresh.
    store
        .create_bucket("never-made", OWNER, "us-east-1")
        .await
        .unwrap();
}

#[tokio::test]
async fn inputs_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    store
        .create_bucket("bounds", OWNER, "us-east-1")
        .await
        .unwrap();
    let put = |key: String, metadata: Vec<(String, String)>| {
        let store = store.clone();
        async move {
            store
                .put(
                    "bounds",
                    &key,
                    Bytes::new(),
                    PutOptions {
                        metadata,
                        ..Default::default()
                    },
                )
                .await
        }
    };
    assert_eq!(
        put("k".repeat(1025), vec![]).await.unwrap_err(),
        LocalError::KeyTooLong
    );
    assert_eq!(
        put("k".into(), vec![("m".into(), "v".repeat(2048))])
            .await
            .unwrap_err(),
        LocalError::MetadataTooLarge
    );
    let meta = put("k".repeat(1024), vec![("m".into(), "v".repeat(2047))])
        .await
        .unwrap();
    assert_eq!(meta.size, 0);
    assert_eq!(meta.etag, "\"d41d8cd98f00b204e9800998ecf8427e\"");
    let empty = store.get("bounds", &"k".repeat(1024), None).await.unwrap();
    assert!(empty.body.is_empty() && empty.range.is_none());
}
