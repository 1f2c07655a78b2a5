//! Which digests the walk visits: the time range, other trails, prefixes, moved chains, backfill digests and
//! CLI-level failures.

mod common;

use common::*;
use jiff::SignedDuration;
use trailrunner_trail_digest::{
    sha256_hex, validate, ChainCheck, Counts, Digest, Entry, KeyPair, LogFileOutcome, PublicKeys,
    SignedDigest, TrailLocation, ValidateError, ValidateOptions, ValidateRequest,
    BACKFILL_TIMESTAMP_METADATA,
};

#[test]
fn the_range_limits_the_walk() {
    let trail = five_hours();
    let keys = trail.public_keys();
    // from the middle of hour 2: digests 4, 3, 2 are walked, and 2 (which starts before the range) ends the walk
    let report = run_with(
        &trail,
        &keys,
        t(T0) + hours(2) + SignedDuration::from_mins(10),
        t(T0) + hours(5),
        ChainCheck::Strict,
    );
    let walked: Vec<String> = digest_outcomes(&report)
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(
        walked,
        vec![
            trail.digest_key(4),
            trail.digest_key(3),
            trail.digest_key(2)
        ]
    );
    assert_eq!(
        report.found_start,
        Some(t(T0) + hours(2) + SignedDuration::from_mins(10))
    );
    // up to hour 2: digests ending up to end + 1 h are listed, so digest 2 (ending at T0+3h) is the newest walked
    let report = run_with(&trail, &keys, t(T0), t(T0) + hours(2), ChainCheck::Strict);
    let walked: Vec<String> = digest_outcomes(&report)
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(
        walked,
        vec![
            trail.digest_key(2),
            trail.digest_key(1),
            trail.digest_key(0)
        ]
    );
    assert_eq!(report.found_end, Some(t(T0) + hours(2)));
    // before anything was delivered
    let report = run_with(
        &trail,
        &keys,
        t(T0) - hours(30),
        t(T0) - hours(20),
        ChainCheck::Strict,
    );
    assert!(report.entries.is_empty());
    assert!(report
        .cli_transcript("arn", false)
        .stdout
        .ends_with("No digests found\n"));
}

#[test]
fn other_trails_regions_and_buckets_are_ignored() {
    let mut trail = five_hours();
    // another trail's digest and another region's digest in the same bucket, and a digest in another bucket
    let mut other = Trail::new(
        TrailLocation::new(BUCKET, ACCOUNT, "other-trail", REGION),
        KeyPair::generate().unwrap(),
    );
    other.hours(t(T0), 1, |_| 1);
    let mut west = Trail::standard();
    west.region = "us-west-2".into();
    west.hours(t(T0), 1, |_| 1);
    let mut elsewhere = Trail::new(
        TrailLocation::new("other-bucket", ACCOUNT, TRAIL, REGION),
        KeyPair::generate().unwrap(),
    );
    elsewhere.hours(t(T0) + hours(5), 1, |_| 1);
    for s in [&other.store, &west.store, &elsewhere.store] {
        trail.store.0.extend(s.0.clone());
    }
    assert_eq!(run(&trail).counts, counts(5, 0, 12, 0));
}

#[test]
fn prefix_organization_and_source_region() {
    let location = TrailLocation::new(BUCKET, ACCOUNT, TRAIL, REGION)
        .with_prefix("logs/ct")
        .with_organization("o-aa111bb222");
    let mut trail = Trail::new(location, KeyPair::generate().unwrap());
    trail.region = "eu-west-1".into();
    trail.hours(t(T0), 3, |i| i);
    assert!(trail
        .digest_key(0)
        .starts_with("logs/ct/AWSLogs/o-aa111bb222/111122223333/CloudTrail-Digest/eu-west-1/"));
    assert!(trail
        .digest_key(0)
        .contains("_CloudTrail-Digest_eu-west-1_my-trail_us-east-1_"));
    let source = trail.store.source();
    let digests = trail.store.digests();
    let keys = trail.public_keys();
    let mut request = ValidateRequest {
        location: &trail.location,
        source_region: Some("eu-west-1"),
        start: t(T0),
        end: t(T0) + hours(3),
    };
    let report = validate(
        &request,
        &digests,
        &keys,
        &source,
        ValidateOptions::default(),
    )
    .unwrap();
    assert_eq!(report.counts, counts(3, 0, 3, 0));
    request.source_region = None; // the home region has no digests
    let report = validate(
        &request,
        &digests,
        &keys,
        &source,
        ValidateOptions::default(),
    )
    .unwrap();
    assert_eq!(report.counts, Counts::default());
}

#[test]
fn a_chain_that_moves_to_another_bucket_is_followed() {
    let mut trail = Trail::standard();
    trail.location.bucket = "old-bucket".into();
    trail.hours(t(T0), 2, |_| 1);
    trail.location.bucket = BUCKET.into();
    trail.period(t(T0) + hours(2), t(T0) + hours(3), 1, 1);
    let report = run_with(
        &trail,
        &trail.public_keys(),
        t(T0),
        t(T0) + hours(3),
        ChainCheck::Strict,
    );
    assert_eq!(report.counts, counts(3, 0, 3, 0));
    assert!(matches!(&report.entries[2], Entry::Digest { bucket, .. } if bucket == "old-bucket"));
}

#[test]
fn backfill_digests_are_a_chain_of_their_own() {
    let mut trail = five_hours();
    let log = trail.log_keys[0][0].clone();
    let body =
        trailrunner_trail_digest::gunzip_member(&trail.store.get(BUCKET, &log).unwrap().body)
            .unwrap();
    let end = t(T0) + hours(1);
    let key = trail.location.digest_key(REGION, end, true);
    let period = trailrunner_trail_digest::DigestPeriod {
        account_id: ACCOUNT.into(),
        bucket: BUCKET.into(),
        key: key.clone(),
        start: t(T0),
        end,
        previous: None,
        log_files: vec![trailrunner_trail_digest::LogFileEntry::new(
            BUCKET,
            &log,
            &body,
            t(T0),
            t(T0),
        )],
    };
    let signed = period.sign(&trail.key).unwrap();
    let mut metadata = signed.metadata();
    metadata.insert(
        BACKFILL_TIMESTAMP_METADATA.into(),
        "2024-03-02T00:00:00Z".into(),
    );
    trail.store.put(BUCKET, &key, signed.gzip.clone(), metadata);
    let report = run(&trail);
    assert_eq!(
        report.counts,
        Counts {
            valid_digests: 5,
            valid_backfill_digests: 1,
            valid_logs: 13,
            ..Counts::default()
        }
    );
    assert_eq!(
        report.entries.last().unwrap().to_string(),
        format!("Log file\ts3://{BUCKET}/{log}\tvalid")
    );
    let out = report.cli_transcript("arn", true);
    assert!(out.stdout.contains(&format!(
        "(backfill) Digest file\ts3://{BUCKET}/{key}\tvalid\n"
    )));
    assert!(out.stdout.ends_with(
        "\n5/5 digest files valid\n1/1 backfill digest files valid\n13/13 log files valid\n"
    ));

    // without its timestamp metadata it is "invalid format"
    trail
        .store
        .put(BUCKET, &key, signed.gzip.clone(), signed.metadata());
    let report = run(&trail);
    assert_eq!(report.counts.invalid_backfill_digests, 1);
    assert!(report
        .cli_transcript("arn", false)
        .stderr
        .contains(&format!(
            "(backfill) Digest file\ts3://{BUCKET}/{key}\tINVALID: invalid format\n\n"
        )));
}

#[test]
fn cli_level_failures() {
    let trail = five_hours();
    let request = ValidateRequest {
        location: &trail.location,
        source_region: None,
        start: t(T0),
        end: t(T0) - hours(1),
    };
    let source = trail.store.source();
    let e = validate(
        &request,
        &trail.store.digests(),
        &trail.public_keys(),
        &source,
        ValidateOptions::default(),
    );
    assert_eq!(e.unwrap_err(), ValidateError::InvalidTimeRange);
    let request = ValidateRequest {
        end: t(T0) + hours(1),
        ..request
    };
    let e = validate(
        &request,
        &trail.store.digests(),
        &PublicKeys::new(),
        &source,
        ValidateOptions::default(),
    );
    assert_eq!(
        e.unwrap_err().to_string(),
        "No public keys found between 2024-03-01T10:00:31Z and 2024-03-01T13:00:31Z"
    );
}

#[test]
fn a_log_entry_without_hash_is_invalid_format_and_any_source_works() {
    let mut trail = Trail::standard();
    trail.hours(t(T0), 1, |_| 2);
    let key = trail.digest_key(0);
    let mut v: serde_json::Value = serde_json::from_slice(&trail.digests[0].json).unwrap();
    v["logFiles"][0]
        .as_object_mut()
        .unwrap()
        .remove("hashValue");
    v["logFiles"][1]["hashValue"] = serde_json::Value::from(sha256_hex(b"other").to_uppercase());
    let json = serde_json::to_vec(&v).unwrap();
    let d = Digest::from_json(&json).unwrap_or_else(|_| trail.digests[0].digest.clone());
    let resigned = SignedDigest::sign_bytes(d, json, &trail.key).unwrap();
    trail
        .store
        .put(BUCKET, &key, resigned.gzip.clone(), resigned.metadata());
    let request = ValidateRequest {
        location: &trail.location,
        source_region: None,
        start: t(T0),
        end: t(T0) + hours(1),
    };
    // a HashMap source
    let map: std::collections::HashMap<(String, String), Vec<u8>> = trail
        .store
        .0
        .iter()
        .map(|(k, o)| (k.clone(), o.body.clone()))
        .collect();
    let report = validate(
        &request,
        &trail.store.digests(),
        &trail.public_keys(),
        &map,
        ValidateOptions::default(),
    )
    .unwrap();
    assert_eq!(
        log_outcomes(&report)
            .into_iter()
            .map(|(_, o)| o)
            .collect::<Vec<_>>(),
        vec![LogFileOutcome::InvalidFormat, LogFileOutcome::HashMismatch]
    );
}
