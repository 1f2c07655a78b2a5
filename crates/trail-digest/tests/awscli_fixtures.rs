//! Fixtures for cross-checking against the real AWS CLI (not part of the suite; run by hand):
//!
//! ```text
//! cargo test -p trailrunner-trail-digest --test awscli_fixtures -- --ignored --nocapture
//! .venv/bin/python crates/trail-digest/tests/awscli_crosscheck.py <the folder it printed>
//! ```
//!
//! Each scenario is a bucket's objects (bodies and metadata), the published keys, the validation range, and what
//! this crate predicts `aws cloudtrail validate-logs` prints (with and without `--verbose`) and exits with. The
//! script runs awscli's own command code over the same objects through in-memory S3 and CloudTrail stand-ins and
//! compares byte for byte.

mod common;

use base64::Engine as _;
use common::*;
use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use trailrunner_trail_digest::{
    format_time, validate, ChainCheck, Digest, DigestPeriod, KeyPair, LogFileEntry, SignedDigest,
    TrailLocation, ValidateOptions, ValidateRequest, BACKFILL_TIMESTAMP_METADATA,
};

const T0: &str = "2024-03-01T10:00:31Z";

fn hours(n: i64) -> SignedDuration {
    SignedDuration::from_hours(n)
}

struct Scenario {
    name: &'static str,
    trail: Trail,
    keys: Vec<(String, Vec<u8>)>,
    start: Timestamp,
    end: Timestamp,
    source_region: Option<String>,
}

impl Scenario {
    fn new(name: &'static str, trail: Trail) -> Self {
        let keys = vec![(
            trail.key.fingerprint().to_owned(),
            trail.key.public_key_der().to_vec(),
        )];
        Scenario {
            name,
            trail,
            keys,
            start: t(T0),
            end: t(T0) + hours(5),
            source_region: None,
        }
    }

    fn to_json(&self) -> serde_json::Value {
        let b64 = base64::engine::general_purpose::STANDARD;
        let loc = &self.trail.location;
        let arn = format!(
            "arn:aws:cloudtrail:{}:{}:trail/{}",
            loc.home_region, loc.account_id, loc.trail_name
        );
        let mut public_keys = trailrunner_trail_digest::PublicKeys::new();
        for (fp, der) in &self.keys {
            public_keys.insert(fp, der.clone());
        }
        let request = ValidateRequest {
            location: loc,
            source_region: self.source_region.as_deref(),
            start: self.start,
            end: self.end,
        };
        let source = self.trail.store.source();
        let report = validate(
            &request,
            &self.trail.store.digests(),
            &public_keys,
            &source,
            ValidateOptions {
                chain: ChainCheck::AwsCli,
            },
        )
        .unwrap();
        let transcript = |verbose| {
            let t = report.cli_transcript(&arn, verbose);
            json!({"stdout": t.stdout, "stderr": t.stderr, "exit_code": t.exit_code})
        };
        json!({
            "name": self.name,
            "trail_arn": arn,
            "bucket": loc.bucket,
            "prefix": loc.prefix,
            "organization_id": loc.organization_id,
            "account_id": loc.account_id,
            "source_region": self.source_region.clone().unwrap_or_else(|| loc.home_region.clone()),
            "start": format_time(self.start),
            "end": format_time(self.end),
            "public_keys": self.keys.iter().map(|(fp, der)| json!({"Fingerprint": fp, "Value": b64.encode(der)})).collect::<Vec<_>>(),
            "objects": self.trail.store.0.iter().map(|((bucket, key), o)| json!({
                "bucket": bucket, "key": key, "body": b64.encode(&o.body), "metadata": o.metadata,
            })).collect::<Vec<_>>(),
            "expected": {"verbose": transcript(true), "quiet": transcript(false)},
        })
    }
}

fn five_hours() -> Trail {
    let mut trail = Trail::standard();
    trail.hours(t(T0), 5, |i| if i == 2 { 0 } else { i + 1 });
    trail
}

fn scenarios() -> Vec<Scenario> {
    let mut out = vec![Scenario::new("intact", five_hours())];

    let mut trail = five_hours();
    let victim = trail.log_keys[1][0].clone();
    trail.store.edit_json(BUCKET, &victim, |json| {
        let at = json.iter().position(|b| *b == b'L').unwrap();
        json[at] = b'D';
    });
    out.push(Scenario::new("log-altered", trail));

    let mut trail = five_hours();
    trail.store.remove(BUCKET, &trail.log_keys[3][2].clone());
    out.push(Scenario::new("log-deleted", trail));

    let mut trail = five_hours();
    let victim = trail.log_keys[4][2].clone();
    let body = &mut trail.store.get_mut(BUCKET, &victim).body;
    let n = body.len();
    body[n - 5] ^= 0x40;
    out.push(Scenario::new("log-gzip-crc", trail));

    let mut trail = five_hours();
    let victim = trail.log_keys[0][0].clone();
    let body = &mut trail.store.get_mut(BUCKET, &victim).body;
    body.truncate(body.len() - 12);
    out.push(Scenario::new("log-truncated", trail));

    let mut trail = five_hours();
    let victim = trail.digest_key(3);
    trail.store.edit_json(BUCKET, &victim, |json| {
        let mut d = Digest::from_json(json).unwrap();
        d.log_files.pop();
        *json = d.to_json();
    });
    out.push(Scenario::new("digest-altered", trail));

    let mut trail = five_hours();
    trail.store.remove(BUCKET, &trail.digest_key(2));
    out.push(Scenario::new("digest-deleted", trail));

    let mut trail = five_hours();
    let victim = trail.digest_key(1);
    trail.store.remove(BUCKET, &victim);
    trail.store.remove(BUCKET, &trail.log_keys[4][0].clone());
    trail
        .store
        .edit_json(BUCKET, &trail.digest_key(3), |json| json.push(b'\n'));
    out.push(Scenario::new("several-at-once", trail));

    let mut trail = Trail::standard();
    trail.hours(t(T0), 2, |_| 1);
    trail.restart();
    trail.period(t(T0) + hours(3), t(T0) + hours(4), 1, 2);
    trail.period(t(T0) + hours(4), t(T0) + hours(5), 0, 0);
    out.push(Scenario::new("restart-gap", trail));

    let trail = five_hours();
    let mut s = Scenario::new("key-not-published", trail);
    let other = KeyPair::generate().unwrap();
    s.keys = vec![(
        other.fingerprint().to_owned(),
        other.public_key_der().to_vec(),
    )];
    out.push(s);

    let mut trail = five_hours();
    let intruder = KeyPair::generate().unwrap();
    let original = trail.digests[1].clone();
    let forged =
        SignedDigest::sign_bytes(original.digest.clone(), original.json.clone(), &intruder)
            .unwrap();
    trail.store.put(
        BUCKET,
        original.key(),
        forged.gzip.clone(),
        forged.metadata(),
    );
    out.push(Scenario::new("signed-by-another-key", trail));

    let trail = five_hours();
    let mut s = Scenario::new("spki-key", trail);
    let mut spki = vec![
        0x30, 0x82, 0x01, 0x22, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01,
        0x01, 0x01, 0x05, 0x00, 0x03, 0x82, 0x01, 0x0f, 0x00,
    ];
    spki.extend_from_slice(s.trail.key.public_key_der());
    s.keys[0].1 = spki;
    out.push(s);

    let mut trail = five_hours();
    let o = trail
        .store
        .get(BUCKET, &trail.digest_key(4))
        .unwrap()
        .clone();
    let fake_key = trail.location.digest_key(
        REGION,
        t(T0) + hours(5) + SignedDuration::from_mins(30),
        false,
    );
    trail.store.put(BUCKET, &fake_key, o.body, o.metadata);
    out.push(Scenario::new("digest-moved", trail));

    let mut trail = five_hours();
    trail
        .store
        .get_mut(BUCKET, &trail.digest_key(4))
        .metadata
        .remove("signature-algorithm");
    let meta = &mut trail.store.get_mut(BUCKET, &trail.digest_key(3)).metadata;
    let sig = meta.remove("signature").unwrap();
    meta.insert("Signature".into(), sig);
    out.push(Scenario::new("metadata-missing-or-capitalised", trail));

    let mut trail = five_hours();
    trail.store.get_mut(BUCKET, &trail.digest_key(4)).body = b"not gzip".to_vec();
    trail.store.edit_json(BUCKET, &trail.digest_key(3), |json| {
        *json = b"[1,2]".to_vec()
    });
    trail.store.edit_json(BUCKET, &trail.digest_key(2), |json| {
        let mut v: serde_json::Value = serde_json::from_slice(json).unwrap();
        v.as_object_mut().unwrap().remove("previousDigestSignature");
        *json = serde_json::to_vec(&v).unwrap();
    });
    trail
        .store
        .get_mut(BUCKET, &trail.digest_key(1))
        .metadata
        .insert("signature".into(), "abc".into());
    trail
        .store
        .get_mut(BUCKET, &trail.digest_key(0))
        .metadata
        .insert("signature".into(), "zz".into());
    out.push(Scenario::new("garbage-digests", trail));

    let mut s = Scenario::new("range-from-the-middle", five_hours());
    s.start = t(T0) + hours(2) + SignedDuration::from_mins(10);
    out.push(s);
    let mut s = Scenario::new("range-to-the-middle", five_hours());
    s.end = t(T0) + hours(2);
    out.push(s);
    let mut s = Scenario::new("range-before-anything", five_hours());
    s.start = t(T0) - hours(30);
    s.end = t(T0) - hours(20);
    out.push(s);

    // a validly re-signed predecessor: the CLI accepts it (the strict check would not)
    let mut trail = five_hours();
    let original = trail.digests[2].clone();
    let mut digest = original.digest.clone();
    digest.log_files.push(LogFileEntry::new(
        BUCKET,
        "AWSLogs/planted.json.gz",
        b"x",
        t(T0),
        t(T0),
    ));
    let json = digest.to_json();
    let replaced = SignedDigest::sign_bytes(digest, json, &trail.key).unwrap();
    trail.store.put(
        BUCKET,
        original.key(),
        replaced.gzip.clone(),
        replaced.metadata(),
    );
    out.push(Scenario::new("resigned-predecessor", trail));

    let mut trail = five_hours();
    let log = trail.log_keys[0][0].clone();
    let body =
        trailrunner_trail_digest::gunzip_member(&trail.store.get(BUCKET, &log).unwrap().body)
            .unwrap();
    for (i, with_timestamp) in [(1, true), (3, false)] {
        let end = t(T0) + hours(i);
        let key = trail.location.digest_key(REGION, end, true);
        let period = DigestPeriod {
            account_id: ACCOUNT.into(),
            bucket: BUCKET.into(),
            key: key.clone(),
            start: end - hours(1),
            end,
            previous: None,
            log_files: vec![LogFileEntry::new(BUCKET, &log, &body, t(T0), t(T0))],
        };
        let signed = period.sign(&trail.key).unwrap();
        let mut metadata = signed.metadata();
        if with_timestamp {
            metadata.insert(
                BACKFILL_TIMESTAMP_METADATA.into(),
                "2024-03-02T00:00:00Z".into(),
            );
        }
        trail.store.put(BUCKET, &key, signed.gzip.clone(), metadata);
    }
    out.push(Scenario::new("backfill", trail));

    let location = TrailLocation::new(BUCKET, ACCOUNT, TRAIL, REGION).with_prefix("logs/ct");
    let mut trail = Trail::new(location, KeyPair::generate().unwrap());
    trail.region = "eu-west-1".into();
    trail.hours(t(T0), 5, |i| i % 3);
    let mut s = Scenario::new("prefix-and-source-region", trail);
    s.source_region = Some("eu-west-1".into());
    out.push(s);

    let location =
        TrailLocation::new(BUCKET, ACCOUNT, TRAIL, REGION).with_organization("o-aa111bb222");
    let mut trail = Trail::new(location, KeyPair::generate().unwrap());
    trail.hours(t(T0), 5, |i| i % 2);
    trail.store.remove(BUCKET, &trail.log_keys[3][0].clone());
    out.push(Scenario::new("organization-trail", trail));

    out
}

#[test]
#[ignore = "writes fixtures for tests/awscli_crosscheck.py; run by hand"]
fn write_awscli_fixtures() {
    let dir = std::env::var("TRAIL_DIGEST_FIXTURES")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| {
            std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("awscli-fixtures")
        });
    std::fs::create_dir_all(&dir).unwrap();
    for s in scenarios() {
        let path = dir.join(format!("{}.json", s.name));
        std::fs::write(&path, serde_json::to_vec_pretty(&s.to_json()).unwrap()).unwrap();
    }
    println!("fixtures written to {}", dir.display());
}
