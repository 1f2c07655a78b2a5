//! A trail's bucket as files: hourly signed digests and gzip'd log files of App Runner records, written in
//! `validate-logs --local-dir` format (objects at their keys, digest metadata in `KEY.metadata.json`), with the public
//! key in `aws cloudtrail list-public-keys` format. Used by the integration tests and by
//! `cargo run --example trail_fixture` (the benchmark's and the moto test's data).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use base64::Engine;
use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use trailrunner_trail_digest::{
    format_time, unique_string, DigestPeriod, KeyPair, LogFile, PreviousDigest, TrailLocation,
};

/// What to generate.
#[derive(Debug, Clone)]
pub struct FixtureSpec {
    pub bucket: String,
    pub account_id: String,
    pub trail: String,
    pub region: String,
    /// The first digest period starts here; each period is one hour.
    pub start: Timestamp,
    pub hours: usize,
    pub logs_per_hour: usize,
    pub records_per_log: usize,
}

impl FixtureSpec {
    pub fn small(start: Timestamp) -> Self {
        FixtureSpec {
            bucket: "trail-bucket".into(),
            account_id: "111122223333".into(),
            trail: "my-trail".into(),
            region: "us-east-1".into(),
            start,
            hours: 3,
            logs_per_hour: 2,
            records_per_log: 5,
        }
    }

    pub fn trail_arn(&self) -> String {
        format!(
            "arn:aws:cloudtrail:{}:{}:trail/{}",
            self.region, self.account_id, self.trail
        )
    }

    pub fn end(&self) -> Timestamp {
        self.start + SignedDuration::from_hours(self.hours as i64)
    }
}

/// What was written: keys in delivery order.
#[derive(Debug, Clone, Default)]
pub struct Written {
    pub digest_keys: Vec<String>,
    pub log_keys: Vec<String>,
    pub bytes: u64,
}

/// One CloudTrail record of an App Runner call; `n` varies ids, names, addresses and parameters.
fn record(spec: &FixtureSpec, n: u64, at: Timestamp) -> Vec<u8> {
    let h = n.wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(17) ^ n;
    let operations = [
        ("DescribeService", true),
        ("ListServices", true),
        ("ListOperations", true),
        ("UpdateService", false),
        ("PauseService", false),
        ("CreateConnection", false),
    ];
    let (name, read_only) = operations[(h % operations.len() as u64) as usize];
    let user = format!("deployer-{}", h % 5);
    let service = format!("svc-{}", (h >> 8) % 40);
    let record = json!({
        "eventVersion": "1.11",
        "userIdentity": {
            "type": "IAMUser",
            "principalId": format!("AIDA{:016X}", (h >> 4) % 5 + 0x1000),
            "arn": format!("arn:aws:iam::{}:user/{user}", spec.account_id),
            "accountId": spec.account_id,
            "accessKeyId": format!("AKIA{:016X}", (h >> 12) % 7 + 0x2000),
            "userName": user,
        },
        "eventTime": format_time(at),
        "eventSource": "apprunner.amazonaws.com",
        "eventName": name,
        "awsRegion": spec.region,
        "sourceIPAddress": format!("198.51.{}.{}", (h >> 16) % 256, (h >> 24) % 256),
        "userAgent": "aws-cli/1.45.11 md/Botocore#1.43.11 ua/2.1 os/linux#6.1.0 md/arch#x86_64 lang/python#3.11.2",
        "requestParameters": {
            "serviceArn": format!("arn:aws:apprunner:{}:{}:service/{service}/{:032x}", spec.region, spec.account_id, h as u128 * 0x1_0001),
        },
        "responseElements": if read_only { serde_json::Value::Null } else { json!({"operationId": format!("{:032x}", h)}) },
        "requestID": uuid(h),
        "eventID": uuid(h ^ 0x5bd1_e995),
        "readOnly": read_only,
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": spec.account_id,
        "eventCategory": "Management",
        "tlsDetails": {
            "tlsVersion": "TLSv1.3",
            "cipherSuite": "TLS_AES_128_GCM_SHA256",
            "clientProvidedHostHeader": format!("apprunner.{}.amazonaws.com", spec.region),
        },
    });
    serde_json::to_vec(&record).expect("a record serialises")
}

fn uuid(h: u64) -> String {
    let a = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    let b = a.rotate_left(29).wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        b >> 52,
        b & 0xffff_ffff_ffff
    )
}

fn write(dir: &Path, key: &str, body: &[u8]) -> std::io::Result<()> {
    let file = dir.join(key);
    std::fs::create_dir_all(file.parent().expect("keys have folders"))?;
    std::fs::write(file, body)
}

/// Writes `spec`'s trail into `dir`, signed with `key`.
pub fn write_trail(spec: &FixtureSpec, key: &KeyPair, dir: &Path) -> std::io::Result<Written> {
    let location = TrailLocation::new(&spec.bucket, &spec.account_id, &spec.trail, &spec.region);
    let mut previous: Option<PreviousDigest> = None;
    let mut written = Written::default();
    let mut n = 0u64;
    for hour in 0..spec.hours {
        let start = spec.start + SignedDuration::from_hours(hour as i64);
        let end = start + SignedDuration::from_hours(1);
        let mut entries = Vec::new();
        for i in 0..spec.logs_per_hour {
            let delivered = start
                + SignedDuration::from_secs(
                    3600 * (i as i64 + 1) / (spec.logs_per_hour as i64 + 1),
                );
            let times: Vec<Timestamp> = (0..spec.records_per_log)
                .map(|j| delivered - SignedDuration::from_secs(300 - j as i64))
                .collect();
            let records: Vec<Vec<u8>> = times
                .iter()
                .map(|t| {
                    n += 1;
                    record(spec, n, *t)
                })
                .collect();
            let mut random = [0u8; 16];
            for (k, b) in random.iter_mut().enumerate() {
                *b = (n.wrapping_mul(31).wrapping_add(k as u64 * 7) % 251) as u8;
            }
            let log_key = location.log_file_key(&spec.region, delivered, &unique_string(random));
            let (oldest, newest) = (times[0], *times.last().unwrap_or(&times[0]));
            let log = LogFile::new(&spec.bucket, &log_key, &records, oldest, newest);
            write(dir, &log_key, &log.gzip)?;
            written.bytes += log.gzip.len() as u64;
            entries.push(log.entry);
            written.log_keys.push(log_key);
        }
        let period = DigestPeriod::new(
            &location,
            &spec.region,
            start,
            end,
            previous.take(),
            entries,
        );
        let signed = period.sign(key).map_err(std::io::Error::other)?;
        write(dir, signed.key(), &signed.gzip)?;
        let metadata = serde_json::to_vec(&signed.metadata()).expect("metadata serialises");
        write(dir, &format!("{}.metadata.json", signed.key()), &metadata)?;
        written.bytes += signed.gzip.len() as u64;
        previous = Some(signed.link());
        written.digest_keys.push(signed.key().to_owned());
    }
    Ok(written)
}

/// `key`'s public half as `aws cloudtrail list-public-keys` prints it, valid from a day before `from`.
pub fn public_keys_json(key: &KeyPair, from: Timestamp) -> Vec<u8> {
    let value = base64::engine::general_purpose::STANDARD.encode(key.public_key_der());
    let doc = json!({"PublicKeyList": [{
        "Value": value,
        "ValidityStartTime": format_time(from - SignedDuration::from_hours(24)),
        "ValidityEndTime": format_time(from + SignedDuration::from_hours(24 * 365)),
        "Fingerprint": key.fingerprint(),
    }]});
    serde_json::to_vec_pretty(&doc).expect("serialises")
}

/// Where a key would be in `dir`.
pub fn path_of(dir: &Path, key: &str) -> PathBuf {
    dir.join(key)
}
