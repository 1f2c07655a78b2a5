//! Delivery throughput: records per second from the store's event feed to gzip log files in the embedded bucket
//! store, and records per CPU-second of the whole process (the "per core" figure).
//!
//! `cargo bench -p trailrunner-delivery --bench throughput [-- <events>]` (default 200,000 events). The store is
//! filled first (not timed) with realistic ~1 KB records, compressed the way the recorder stores them; then one
//! trail with log file validation drains the whole backlog.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use trailrunner_api::{SystemClock, SystemEntropy};
use trailrunner_buckets::{LocalBuckets, SharedBuckets};
use trailrunner_cloudtrail::trail_rows::{trail_index_key, LoggingState, TrailIndexRow, TrailRow};
use trailrunner_delivery::{Delivery, DeliveryConfig, DigestKeys};
use trailrunner_store::sqlite::Durability;
use trailrunner_store::{ChangeSet, Expect, NewEvent, SharedStore, SqliteStore};

const ACCOUNT: &str = "111122223333";

fn record(i: usize) -> Vec<u8> {
    let r = json!({
        "eventVersion": "1.11",
        "userIdentity": {
            "type": "IAMUser", "principalId": "AIDAEXAMPLEUSERID12345", "arn": format!("arn:aws:iam::{ACCOUNT}:user/deployer"),
            "accountId": ACCOUNT, "accessKeyId": "AKIAEXAMPLEKEY123456", "userName": "deployer"
        },
        "eventTime": "2026-11-25T06:00:00Z",
        "eventSource": "apprunner.amazonaws.com",
        "eventName": if i % 5 == 0 { "CreateConnection" } else { "ListServices" },
        "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.17",
        "userAgent": "aws-cli/1.45.11 md/Botocore#1.43.11 ua/2.1 os/linux#6.1.0 md/arch#x86_64 lang/python#3.11.7 md/pyimpl#CPython m/b,Z cfg/retry-mode#legacy botocore/1.43.11",
        "requestParameters": if i % 5 == 0 { json!({"connectionName": format!("conn-{i}"), "providerType": "GITHUB"}) } else { json!({"maxResults": 20}) },
        "responseElements": if i % 5 == 0 { json!({"connection": {"connectionName": format!("conn-{i}"), "connectionArn": format!("arn:aws:apprunner:us-east-1:{ACCOUNT}:connection/conn-{i}/0123456789abcdef0123456789abcdef"), "providerType": "GITHUB", "status": "PENDING_HANDSHAKE", "createdAt": "2026-11-25T06:00:00.000Z"}}) } else { serde_json::Value::Null },
        "requestID": format!("{:08x}-1111-4222-8333-{:012x}", i, i),
        "eventID": format!("{:08x}-aaaa-4bbb-8ccc-{:012x}", i, i),
        "readOnly": i % 5 != 0,
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Management",
        "tlsDetails": {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256", "clientProvidedHostHeader": "apprunner.us-east-1.amazonaws.com"}
    });
    trailrunner_audit::codec::compress(r.to_string().as_bytes())
}

/// User plus system CPU time of this process (`/proc/self/stat`, clock ticks of 10 ms).
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or_default();
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 of the full line, 11 and 12 after the command name.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

fn main() {
    let events: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(200_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let dir = tempfile::tempdir().unwrap();
        let store: SharedStore =
            Arc::new(SqliteStore::open(&dir.path().join("db"), Durability::Full).unwrap());
        for chunk in 0..events.div_ceil(1000) {
            let mut changes = ChangeSet::new();
            for i in chunk * 1000..((chunk + 1) * 1000).min(events) {
                changes.append_event(NewEvent {
                    account: ACCOUNT.into(),
                    region: "us-east-1".into(),
                    time_ms: 1_764_050_400_000 + i as i64,
                    record: record(i),
                    attrs: vec![],
                });
            }
            store.commit(changes).await.unwrap();
        }
        let clock = Arc::new(SystemClock);
        let local = LocalBuckets::open(&dir.path().join("buckets"), clock.clone()).unwrap();
        local.create_bucket("bench-bucket", ACCOUNT, "us-east-1").await.unwrap();
        for (name, selectors) in [
            ("all-management-events", None),
            ("with-event-selectors", Some(json!([{"ReadWriteType": "All", "ExcludeManagementEventSources": ["kms.amazonaws.com"]}]))),
        ] {
        let mut trail = TrailRow::new(
            name,
            &format!("arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/{name}"),
            ACCOUNT,
            "us-east-1",
            "g",
            "bench-bucket",
        );
        trail.s3_key_prefix = Some(format!("trail-{name}"));
        trail.log_file_validation_enabled = true;
        trail.event_selectors = selectors;
        trail.logging = LoggingState {
            is_logging: true,
            epoch: 1,
            start_after_seq: 0,
            start_logging_time_ms: None,
            stop_logging_time_ms: None,
        };
        let mut changes = ChangeSet::new();
        changes.put(trail.key(), None, serde_json::to_string(&trail).unwrap(), Expect::Any);
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
        store.commit(changes).await.unwrap();
        let delivery = Delivery {
            store: store.clone(),
            buckets: Arc::new(local.clone()) as SharedBuckets,
            keys: Arc::new(DigestKeys::open(dir.path(), 0).unwrap()),
            clock: clock.clone(),
            entropy: Arc::new(SystemEntropy),
            config: DeliveryConfig::default(),
        };
        let (cpu0, t0) = (cpu_time(), Instant::now());
        delivery.step(&trail).await.unwrap();
        let (cpu, wall) = (cpu_time() - cpu0, t0.elapsed());
        let page = local
            .list(
                "bench-bucket",
                trailrunner_buckets::local::ListQuery {
                    prefix: format!("trail-{name}/AWSLogs/"),
                    start: None,
                    delimiter: None,
                    max_keys: 1000,
                },
            )
            .await
            .unwrap();
        let bytes: u64 = page.objects.iter().map(|o| o.size).sum();
        println!(
            "{name}: delivered {events} records in {} files ({:.1} MB gzip) in {:.3} s: {:.0} records/s wall, \
             {:.0} records per CPU-second (CPU {:.3} s)",
            page.objects.len(),
            bytes as f64 / 1e6,
            wall.as_secs_f64(),
            events as f64 / wall.as_secs_f64(),
            events as f64 / cpu.as_secs_f64().max(0.001),
            cpu.as_secs_f64()
        );
        }
    });
}
