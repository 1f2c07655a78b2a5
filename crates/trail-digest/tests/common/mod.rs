//! A trail writing into an in-memory bucket, period by period, for the integration tests.
#![allow(dead_code)]

mod run;

use std::collections::BTreeMap;

#[allow(unused_imports)] // not every test uses the runner
pub use run::*;

use jiff::{SignedDuration, Timestamp};
use trailrunner_trail_digest::{
    gunzip_member, gzip, DigestObject, DigestPeriod, KeyPair, LogFile, PreviousDigest, PublicKeys,
    SignedDigest, TrailLocation,
};

pub const ACCOUNT: &str = "111122223333";
pub const REGION: &str = "us-east-1";
pub const TRAIL: &str = "my-trail";
pub const BUCKET: &str = "trail-bucket";

pub fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// One stored object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    pub body: Vec<u8>,
    pub metadata: BTreeMap<String, String>,
}

/// A bucket (or several) in memory: (bucket, key) → object.
#[derive(Debug, Clone, Default)]
pub struct Store(pub BTreeMap<(String, String), Object>);

impl Store {
    pub fn put(
        &mut self,
        bucket: &str,
        key: &str,
        body: Vec<u8>,
        metadata: BTreeMap<String, String>,
    ) {
        self.0.insert(
            (bucket.to_owned(), key.to_owned()),
            Object { body, metadata },
        );
    }

    pub fn get(&self, bucket: &str, key: &str) -> Option<&Object> {
        self.0.get(&(bucket.to_owned(), key.to_owned()))
    }

    pub fn get_mut(&mut self, bucket: &str, key: &str) -> &mut Object {
        self.0
            .get_mut(&(bucket.to_owned(), key.to_owned()))
            .expect("object exists")
    }

    pub fn remove(&mut self, bucket: &str, key: &str) -> Object {
        self.0
            .remove(&(bucket.to_owned(), key.to_owned()))
            .expect("object exists")
    }

    /// Every digest object, as a validator's caller would list and fetch them.
    pub fn digests(&self) -> Vec<DigestObject> {
        self.0
            .iter()
            .filter(|((_, key), _)| key.contains("/CloudTrail-Digest/"))
            .map(|((bucket, key), o)| DigestObject {
                bucket: bucket.clone(),
                key: key.clone(),
                body: o.body.clone(),
                metadata: o.metadata.clone(),
            })
            .collect()
    }

    /// A log file source over this store.
    pub fn source(&self) -> impl Fn(&str, &str) -> Option<Vec<u8>> + Sync + '_ {
        move |bucket: &str, key: &str| self.get(bucket, key).map(|o| o.body.clone())
    }

    /// Rewrites the decompressed content of an object, keeping its metadata (a tampered file).
    pub fn edit_json(&mut self, bucket: &str, key: &str, edit: impl FnOnce(&mut Vec<u8>)) {
        let o = self.get_mut(bucket, key);
        let mut json = gunzip_member(&o.body).unwrap();
        edit(&mut json);
        o.body = gzip(&json);
    }
}

fn mix(mut z: u64) -> u64 {
    // splitmix64: stable pseudo-random ids without a dependency
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn uuid(seed: u64) -> String {
    let (a, b) = (mix(seed), mix(seed ^ 0x5555));
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}

/// A record shaped like CloudTrail's for an App Runner call, with per-record ids, addresses and parameters so that
/// log files compress about as well as real ones.
pub fn record(n: usize, event_time: Timestamp) -> Vec<u8> {
    let r = mix(n as u64);
    let names = [
        "ListServices",
        "DescribeService",
        "ListOperations",
        "UpdateService",
        "CreateConnection",
    ];
    let agents = [
        "aws-cli/1.45.11 md/Botocore#1.43.11 ua/2.1 os/linux#6.1 md/arch#x86_64 lang/python#3.11.7",
        "aws-sdk-go-v2/1.36.3 ua/2.1 os/linux lang/go#1.24.1 md/GOOS#linux md/GOARCH#amd64 api/apprunner#1.32.0",
        "Boto3/1.38.0 md/Botocore#1.43.11 ua/2.1 os/macos#24.4.0 md/arch#arm64 lang/python#3.12.9",
    ];
    format!(
        r#"{{"eventVersion":"1.11","userIdentity":{{"type":"IAMUser","principalId":"AIDA{pid:016X}","arn":"arn:aws:iam::{ACCOUNT}:user/user-{u}","accountId":"{ACCOUNT}","accessKeyId":"AKIA{ak:016X}","userName":"user-{u}"}},"eventTime":"{time}","eventSource":"apprunner.amazonaws.com","eventName":"{name}","awsRegion":"{REGION}","sourceIPAddress":"{ip1}.{ip2}.{ip3}.{ip4}","userAgent":"{agent}","requestParameters":{{"serviceArn":"arn:aws:apprunner:{REGION}:{ACCOUNT}:service/svc-{svc}/{sid:032x}","maxResults":{max}}},"responseElements":null,"requestID":"{req}","eventID":"{evt}","readOnly":{ro},"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"{ACCOUNT}","eventCategory":"Management","tlsDetails":{{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"apprunner.{REGION}.amazonaws.com"}}}}"#,
        pid = mix(r % 7) >> 1,
        ak = mix(r % 13) >> 1,
        u = r % 7,
        time = trailrunner_trail_digest::format_time(event_time),
        name = names[(r % 5) as usize],
        ip1 = 10 + r % 200,
        ip2 = (r >> 8) % 256,
        ip3 = (r >> 16) % 256,
        ip4 = (r >> 24) % 256,
        agent = agents[((r >> 32) % 3) as usize],
        svc = (r >> 40) % 50,
        sid = mix((r >> 40) % 50) as u128 * 0x1_0000_0001,
        max = (r >> 48) % 100 + 1,
        req = uuid(r),
        evt = uuid(r ^ 0xabcdef),
        ro = r % 5 < 3,
    )
    .into_bytes()
}

/// A trail delivering log files and hourly digests into a store.
pub struct Trail {
    pub location: TrailLocation,
    pub region: String,
    pub key: KeyPair,
    pub store: Store,
    pub previous: Option<PreviousDigest>,
    pub digests: Vec<SignedDigest>,
    pub log_keys: Vec<Vec<String>>,
    records: usize,
}

impl Trail {
    pub fn new(location: TrailLocation, key: KeyPair) -> Self {
        Trail {
            location,
            region: REGION.to_owned(),
            key,
            store: Store::default(),
            previous: None,
            digests: Vec::new(),
            log_keys: Vec::new(),
            records: 0,
        }
    }

    pub fn standard() -> Self {
        Self::new(
            TrailLocation::new(BUCKET, ACCOUNT, TRAIL, REGION),
            KeyPair::generate().unwrap(),
        )
    }

    pub fn public_keys(&self) -> PublicKeys {
        let mut keys = PublicKeys::new();
        keys.insert_key(&self.key);
        keys
    }

    /// Delivers `logs` log files of `records_per_log` records during `start..end`, then the period's digest.
    pub fn period(
        &mut self,
        start: Timestamp,
        end: Timestamp,
        logs: usize,
        records_per_log: usize,
    ) -> &SignedDigest {
        let mut entries = Vec::new();
        let mut keys = Vec::new();
        let span = end.duration_since(start);
        for i in 0..logs {
            let delivered =
                start + span * i32::try_from(i + 1).unwrap() / i32::try_from(logs + 1).unwrap();
            let records: Vec<Vec<u8>> = (0..records_per_log)
                .map(|j| {
                    self.records += 1;
                    record(
                        self.records,
                        delivered - SignedDuration::from_secs(60 + j as i64),
                    )
                })
                .collect();
            let oldest = delivered
                - SignedDuration::from_secs(60 + records_per_log.saturating_sub(1) as i64);
            let newest = delivered - SignedDuration::from_secs(60);
            let mut unique = [0u8; 16];
            for (k, b) in unique.iter_mut().enumerate() {
                *b = (self.records * 31 + k * 7 + i) as u8;
            }
            let key = self.location.log_file_key(
                &self.region,
                delivered,
                &trailrunner_trail_digest::unique_string(unique),
            );
            let lf = LogFile::new(&self.location.bucket, &key, &records, oldest, newest);
            self.store.put(
                &self.location.bucket,
                &key,
                lf.gzip.clone(),
                BTreeMap::new(),
            );
            entries.push(lf.entry);
            keys.push(key);
        }
        let period = DigestPeriod::new(
            &self.location,
            &self.region,
            start,
            end,
            self.previous.take(),
            entries,
        );
        let signed = period.sign(&self.key).unwrap();
        self.store.put(
            signed.bucket(),
            signed.key(),
            signed.gzip.clone(),
            signed.metadata(),
        );
        self.previous = Some(signed.link());
        self.digests.push(signed);
        self.log_keys.push(keys);
        self.digests.last().unwrap()
    }

    /// `n` contiguous hourly periods from `t0`, with `logs(i)` log files in period `i`.
    pub fn hours(&mut self, t0: Timestamp, n: usize, logs: impl Fn(usize) -> usize) {
        for i in 0..n {
            let start = t0 + SignedDuration::from_hours(i as i64);
            self.period(start, start + SignedDuration::from_hours(1), logs(i), 3);
        }
    }

    /// Logging stopped and restarted: the next digest is a starting digest.
    pub fn restart(&mut self) {
        self.previous = None;
    }

    pub fn digest_key(&self, i: usize) -> String {
        self.digests[i].key().to_owned()
    }
}
