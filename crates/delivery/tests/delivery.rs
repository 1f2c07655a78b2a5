//! Delivery against the real SQLite store and the real embedded bucket store, with a pinned clock. Faults are
//! injected by a wrapper around the real bucket store that fails writes on demand, before or after writing.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use serde_json::{json, Value};
use trailrunner_api::sys::ManualClock;
use trailrunner_api::{Clock, SystemEntropy};
use trailrunner_buckets::{BucketError, BucketInfo, Buckets, LocalBuckets, SharedBuckets};
use trailrunner_cloudtrail::trail_rows::{
    trail_index_key, LoggingState, TrailIndexRow, TrailRow, TrailStatusRow, TRAIL_STATUS_KIND,
};
use trailrunner_delivery::{Delivery, DeliveryConfig, DigestKeys};
use trailrunner_store::sqlite::Durability;
use trailrunner_store::{ChangeSet, Expect, NewEvent, ResourceKey, SharedStore, SqliteStore};
use trailrunner_trail_digest::{gunzip_member, Digest};

const ACCOUNT: &str = "111122223333";
const BUCKET: &str = "trail-bucket";

/// Fails the next `fail_before` puts without writing, then the next `fail_after` puts after writing.
struct Flaky {
    inner: LocalBuckets,
    fail_before: AtomicU32,
    fail_after: AtomicU32,
}

#[async_trait]
impl Buckets for Flaky {
    async fn bucket(&self, name: &str) -> Result<Option<BucketInfo>, BucketError> {
        self.inner.bucket(name).await
    }

    async fn put_object(
        &self,
        bucket: &str,
        key: &str,
        body: Bytes,
        metadata: &[(String, String)],
    ) -> Result<(), BucketError> {
        if take(&self.fail_before) {
            return Err(BucketError::Remote("InternalError".into()));
        }
        self.inner.put_object(bucket, key, body, metadata).await?;
        if take(&self.fail_after) {
            return Err(BucketError::Remote("connection reset".into()));
        }
        Ok(())
    }
}

fn take(counter: &AtomicU32) -> bool {
    counter
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

struct World {
    _dir: tempfile::TempDir,
    store: SharedStore,
    local: LocalBuckets,
    flaky: Arc<Flaky>,
    clock: Arc<ManualClock>,
    delivery: Delivery,
    now_ms: i64,
}

impl World {
    async fn new(validation: bool) -> World {
        let dir = tempfile::tempdir().unwrap();
        let store: SharedStore =
            Arc::new(SqliteStore::open(&dir.path().join("db"), Durability::Normal).unwrap());
        let now_ms = 1_764_000_000_000;
        let clock = Arc::new(ManualClock::new(
            jiff::Timestamp::from_millisecond(now_ms).unwrap(),
        ));
        let local = LocalBuckets::open(&dir.path().join("buckets"), clock.clone()).unwrap();
        local
            .create_bucket(BUCKET, ACCOUNT, "us-east-1")
            .await
            .unwrap();
        let flaky = Arc::new(Flaky {
            inner: local.clone(),
            fail_before: AtomicU32::new(0),
            fail_after: AtomicU32::new(0),
        });
        let keys = Arc::new(DigestKeys::open(dir.path(), now_ms).unwrap());
        let delivery = Delivery {
            store: store.clone(),
            buckets: flaky.clone() as SharedBuckets,
            keys,
            clock: clock.clone(),
            entropy: Arc::new(SystemEntropy),
            config: DeliveryConfig {
                delivery_interval: Duration::from_secs(60),
                digest_interval: Duration::from_secs(600),
                batch_events: 50,
                key_rotation: Some(Duration::from_secs(900)),
            },
        };
        let world = World {
            _dir: dir,
            store,
            local,
            flaky,
            clock,
            delivery,
            now_ms,
        };
        world.put_trail(validation).await;
        world
    }

    fn trail(&self, validation: bool) -> TrailRow {
        let mut trail = TrailRow::new(
            "t",
            &format!("arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/t"),
            ACCOUNT,
            "us-east-1",
            "gen-1",
            BUCKET,
        );
        trail.log_file_validation_enabled = validation;
        trail.logging = LoggingState {
            is_logging: true,
            epoch: 1,
            start_after_seq: 0,
            start_logging_time_ms: Some(self_now()),
            stop_logging_time_ms: None,
        };
        trail
    }

    async fn put_trail(&self, validation: bool) {
        let trail = self.trail(validation);
        let mut changes = ChangeSet::new();
        changes.put(
            trail.key(),
            None,
            serde_json::to_string(&trail).unwrap(),
            Expect::Any,
        );
        let index = TrailIndexRow {
            account: ACCOUNT.into(),
            home_region: "us-east-1".into(),
        };
        changes.put(
            trail_index_key(&trail.trail_arn),
            None,
            serde_json::to_string(&index).unwrap(),
            Expect::Any,
        );
        self.store.commit(changes).await.unwrap();
    }

    async fn record(&self, n: usize, region: &str, read_only: bool) -> Vec<String> {
        let mut changes = ChangeSet::new();
        let mut ids = Vec::new();
        for i in 0..n {
            let id = uuid(i, region, read_only);
            let record = json!({
                "eventVersion": "1.11", "eventTime": "2025-11-24T15:00:00Z",
                "eventSource": "apprunner.amazonaws.com", "eventName": if read_only { "ListServices" } else { "CreateConnection" },
                "awsRegion": region, "readOnly": read_only, "eventID": id, "eventCategory": "Management",
            });
            changes.append_event(NewEvent {
                account: ACCOUNT.into(),
                region: region.into(),
                time_ms: self.clock.now().as_millisecond(),
                record: trailrunner_audit::codec::compress(record.to_string().as_bytes()),
                attrs: vec![],
            });
            ids.push(id);
        }
        self.store.commit(changes).await.unwrap();
        ids
    }

    fn advance(&mut self, secs: i64) {
        self.now_ms += secs * 1000;
        self.clock
            .set(jiff::Timestamp::from_millisecond(self.now_ms).unwrap());
    }

    async fn step(&self) -> Result<(), trailrunner_delivery::DeliveryError> {
        let trail = trailrunner_cloudtrail::trail_rows::all_trails(&self.store)
            .await
            .unwrap()
            .pop()
            .unwrap();
        self.delivery.step(&trail).await
    }

    async fn objects(&self, prefix: &str) -> HashMap<String, Vec<u8>> {
        let page = self
            .local
            .list(
                BUCKET,
                trailrunner_buckets::local::ListQuery {
                    prefix: prefix.into(),
                    max_keys: 1000,
                    start: None,
                    delimiter: None,
                },
            )
            .await
            .unwrap();
        let mut out = HashMap::new();
        for o in page.objects {
            let read = self.local.get(BUCKET, &o.key, None).await.unwrap();
            out.insert(o.key.clone(), gunzip_member(&read.body).unwrap());
        }
        out
    }

    async fn delivered_ids(&self) -> Vec<String> {
        let files = self
            .objects(&format!("AWSLogs/{ACCOUNT}/CloudTrail/"))
            .await;
        let mut ids = Vec::new();
        for json in files.values() {
            let doc: Value = serde_json::from_slice(json).unwrap();
            for r in doc["Records"].as_array().unwrap() {
                ids.push(r["eventID"].as_str().unwrap().to_owned());
            }
        }
        ids.sort();
        ids
    }

    async fn status(&self) -> TrailStatusRow {
        let key = ResourceKey::new(
            ACCOUNT,
            "us-east-1",
            TRAIL_STATUS_KIND,
            format!("arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/t"),
        );
        let row = self.store.get(&key).await.unwrap().unwrap();
        serde_json::from_str(&row.doc).unwrap()
    }
}

fn self_now() -> i64 {
    1_764_000_000_000
}

fn uuid(i: usize, region: &str, read_only: bool) -> String {
    format!("{region}-{read_only}-{i:05}-{}", rand_suffix())
}

fn rand_suffix() -> u64 {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    N.fetch_add(1, Ordering::SeqCst)
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[tokio::test]
async fn delivers_every_selected_record_once_in_batches() {
    let w = World::new(false).await;
    let mut ids = w.record(120, "us-east-1", false).await;
    w.record(5, "eu-west-1", false).await; // another region: not this single-region trail's
    w.step().await.unwrap();
    let files = w
        .objects(&format!("AWSLogs/{ACCOUNT}/CloudTrail/us-east-1/"))
        .await;
    assert_eq!(
        files.len(),
        3,
        "120 events in batches of 50 make three files"
    );
    assert_eq!(w.delivered_ids().await, sorted(ids.clone()));
    w.step().await.unwrap();
    assert_eq!(
        w.delivered_ids().await,
        sorted(ids.clone()),
        "nothing new, nothing again"
    );
    ids.extend(w.record(3, "us-east-1", true).await);
    w.step().await.unwrap();
    assert_eq!(
        w.delivered_ids().await.len(),
        120,
        "the delivery interval has not passed"
    );
    let mut w = w;
    w.advance(61);
    w.step().await.unwrap();
    assert_eq!(w.delivered_ids().await, sorted(ids));
    assert_eq!(w.status().await.latest_delivery_time_ms, Some(w.now_ms));
}

#[tokio::test]
async fn a_failed_write_is_reported_and_retried_to_the_same_key() {
    let mut w = World::new(false).await;
    let ids = w.record(10, "us-east-1", false).await;
    w.flaky.fail_before.store(1, Ordering::SeqCst);
    assert!(w.step().await.is_err());
    let status = w.status().await;
    assert_eq!(
        status.latest_delivery_error.as_deref(),
        Some("InternalError")
    );
    assert_eq!(status.latest_delivery_attempt_succeeded, Some(false));
    assert!(w.delivered_ids().await.is_empty());
    w.step().await.unwrap(); // backing off: nothing happens yet
    assert!(w.delivered_ids().await.is_empty());
    w.advance(3);
    w.step().await.unwrap();
    assert_eq!(w.delivered_ids().await, sorted(ids));
    assert_eq!(w.status().await.latest_delivery_error, None);
}

#[tokio::test]
async fn a_write_that_landed_but_was_not_acknowledged_is_redone_not_duplicated() {
    let mut w = World::new(false).await;
    let ids = w.record(30, "us-east-1", false).await;
    w.flaky.fail_after.store(1, Ordering::SeqCst); // written, then "the process died"
    assert!(w.step().await.is_err());
    let first: Vec<String> = w.objects("AWSLogs/").await.into_keys().collect();
    assert_eq!(first.len(), 1);
    w.advance(3);
    w.step().await.unwrap();
    let after: Vec<String> = w.objects("AWSLogs/").await.into_keys().collect();
    assert_eq!(after, first, "the redo wrote the planned key again");
    assert_eq!(w.delivered_ids().await, sorted(ids));
}

#[tokio::test]
async fn digests_chain_periods_and_list_the_periods_log_files() {
    let mut w = World::new(true).await;
    w.record(4, "us-east-1", false).await;
    w.step().await.unwrap();
    w.advance(601);
    w.step().await.unwrap(); // closes the first period
    w.advance(601);
    w.step().await.unwrap(); // an empty period still gets its digest
    let digests = w
        .objects(&format!("AWSLogs/{ACCOUNT}/CloudTrail-Digest/us-east-1/"))
        .await;
    assert_eq!(digests.len(), 2);
    let mut parsed: Vec<Digest> = digests
        .values()
        .map(|j| Digest::from_json(j).unwrap())
        .collect();
    parsed.sort_by(|a, b| a.digest_end_time.cmp(&b.digest_end_time));
    assert_eq!(parsed[0].previous_digest_signature, None);
    assert_eq!(parsed[0].log_files.len(), 1);
    assert_eq!(parsed[1].log_files.len(), 0);
    assert_eq!(parsed[1].digest_start_time, parsed[0].digest_end_time);
    assert_eq!(
        parsed[1].previous_digest_s3_object.as_deref(),
        Some(parsed[0].digest_s3_object.as_str())
    );
    assert!(w.status().await.latest_digest_delivery_time_ms.is_some());
}

#[tokio::test]
async fn a_rotated_key_signs_the_next_digests_and_both_stay_published() {
    use trailrunner_cloudtrail::public_keys::PublicKeySource;
    let mut w = World::new(true).await;
    w.step().await.unwrap();
    w.advance(601);
    w.step().await.unwrap(); // first digest, first key
    assert!(
        !w.delivery.rotate_key_if_due().await.unwrap(),
        "not due yet"
    );
    w.advance(400); // the key is 1,001 s old: past the 900 s rotation
    assert!(w.delivery.rotate_key_if_due().await.unwrap());
    w.advance(300);
    w.step().await.unwrap(); // second digest, second key
    let published = w.delivery.keys.published_keys();
    assert_eq!(published.len(), 2);
    assert_eq!(
        published[0].valid_until_ms,
        Some(published[1].valid_from_ms)
    );
    let digests = w
        .objects(&format!("AWSLogs/{ACCOUNT}/CloudTrail-Digest/us-east-1/"))
        .await;
    let mut parsed: Vec<Digest> = digests
        .values()
        .map(|j| Digest::from_json(j).unwrap())
        .collect();
    parsed.sort_by(|a, b| a.digest_end_time.cmp(&b.digest_end_time));
    let used: Vec<&str> = parsed
        .iter()
        .map(|d| d.digest_public_key_fingerprint.as_str())
        .collect();
    assert_eq!(
        used,
        [
            published[0].fingerprint.as_str(),
            published[1].fingerprint.as_str()
        ]
    );
}
