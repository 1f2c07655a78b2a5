//! Chains of digests and log files, intact and tampered with, validated as `aws cloudtrail validate-logs` would.

mod common;

use common::*;
use jiff::{SignedDuration, Timestamp};
use trailrunner_trail_digest::{
    check_log_file, plan, sha256_hex, validate, validate_parallel, ChainCheck, Counts, Digest,
    DigestOutcome, Entry, KeyPair, LogFileOutcome, PublicKeys, Report, SignedDigest, TrailLocation,
    ValidateError, ValidateOptions, ValidateRequest, BACKFILL_TIMESTAMP_METADATA,
};

const T0: &str = "2024-03-01T10:00:31Z";

fn hours(n: i64) -> SignedDuration {
    SignedDuration::from_hours(n)
}

/// Five hourly periods from T0 with 1, 2, 0, 4 and 5 log files (12 in all): the third delivered none.
fn five_hours() -> Trail {
    let mut trail = Trail::standard();
    trail.hours(t(T0), 5, |i| if i == 2 { 0 } else { i + 1 });
    trail
}

fn run_with(
    trail: &Trail,
    keys: &PublicKeys,
    start: Timestamp,
    end: Timestamp,
    chain: ChainCheck,
) -> Report {
    let request = ValidateRequest {
        location: &trail.location,
        source_region: None,
        start,
        end,
    };
    let source = trail.store.source();
    validate(
        &request,
        &trail.store.digests(),
        keys,
        &source,
        ValidateOptions { chain },
    )
    .unwrap()
}

fn run(trail: &Trail) -> Report {
    run_with(
        trail,
        &trail.public_keys(),
        t(T0),
        t(T0) + hours(5),
        ChainCheck::Strict,
    )
}

fn digest_outcomes(report: &Report) -> Vec<(String, DigestOutcome)> {
    report
        .entries
        .iter()
        .filter_map(|e| match e {
            Entry::Digest { key, outcome, .. } => Some((key.clone(), outcome.clone())),
            _ => None,
        })
        .collect()
}

fn log_outcomes(report: &Report) -> Vec<(String, LogFileOutcome)> {
    report
        .entries
        .iter()
        .filter_map(|e| match e {
            Entry::LogFile { key, outcome, .. } => Some((key.clone(), *outcome)),
            _ => None,
        })
        .collect()
}

fn counts(
    valid_digests: usize,
    invalid_digests: usize,
    valid_logs: usize,
    invalid_logs: usize,
) -> Counts {
    Counts {
        valid_digests,
        invalid_digests,
        valid_logs,
        invalid_logs,
        ..Counts::default()
    }
}

#[test]
fn intact_chain_with_an_empty_period_validates() {
    let trail = five_hours();
    assert!(trail.digests[2].digest.log_files.is_empty());
    assert_eq!(trail.digests[2].digest.newest_event_time, None);
    let report = run(&trail);
    assert_eq!(report.counts, counts(5, 0, 12, 0));
    assert!(report.is_valid());
    assert_eq!(report.exit_code(), 0);

    // newest digest first, each followed by its log files
    let keys: Vec<String> = digest_outcomes(&report)
        .into_iter()
        .map(|(k, o)| {
            assert_eq!(o, DigestOutcome::Valid);
            k
        })
        .collect();
    assert_eq!(
        keys,
        (0..5)
            .rev()
            .map(|i| trail.digest_key(i))
            .collect::<Vec<_>>()
    );
    assert!(
        matches!(&report.entries[1], Entry::LogFile { key, outcome: LogFileOutcome::Valid, .. } if *key == trail.log_keys[4][0])
    );
    assert!(log_outcomes(&report)
        .iter()
        .all(|(_, o)| *o == LogFileOutcome::Valid));
    assert_eq!(report.found_start, Some(t(T0)));
    assert_eq!(report.found_end, Some(t(T0) + hours(5)));

    let out = report.cli_transcript(
        "arn:aws:cloudtrail:us-east-1:111122223333:trail/my-trail",
        false,
    );
    assert_eq!(out.stderr, "");
    assert_eq!(
        out.stdout,
        "Validating log files for trail arn:aws:cloudtrail:us-east-1:111122223333:trail/my-trail between 2024-03-01T10:00:31Z and 2024-03-01T15:00:31Z\n\n\
         Results requested for 2024-03-01T10:00:31Z to 2024-03-01T15:00:31Z\n\
         Results found for 2024-03-01T10:00:31Z to 2024-03-01T15:00:31Z:\n\
         \n5/5 digest files valid\n12/12 log files valid\n"
    );
    let verbose = report.cli_transcript("arn", true).stdout;
    assert!(verbose.contains(&format!(
        "Digest file\ts3://{BUCKET}/{}\tvalid\n",
        trail.digest_key(4)
    )));
    assert!(verbose.contains(&format!(
        "Log file\ts3://{BUCKET}/{}\tvalid\n",
        trail.log_keys[0][0]
    )));
    assert!(verbose.contains("valid\n\nResults requested"));
}

#[test]
fn parallel_and_two_phase_agree_with_sequential() {
    let mut trail = five_hours();
    trail.store.remove(BUCKET, &trail.log_keys[3][1].clone());
    let expected = run(&trail);
    let request = ValidateRequest {
        location: &trail.location,
        source_region: None,
        start: t(T0),
        end: t(T0) + hours(5),
    };
    let digests = trail.store.digests();
    let source = trail.store.source();
    for threads in [0, 1, 3, 64] {
        let r = validate_parallel(
            &request,
            &digests,
            &trail.public_keys(),
            &source,
            ValidateOptions::default(),
            threads,
        );
        assert_eq!(r.unwrap(), expected);
    }
    let p = plan(
        &request,
        &digests,
        &trail.public_keys(),
        ValidateOptions::default(),
    )
    .unwrap();
    assert_eq!(p.checks().len(), 12);
    let outcomes = p
        .checks()
        .iter()
        .map(|c| {
            let (bucket, key) = c.location().unwrap();
            check_log_file(c, trail.store.get(bucket, key).map(|o| o.body.as_slice()))
        })
        .collect();
    assert_eq!(p.into_report(outcomes), expected);
}

#[test]
fn altered_log_file_is_a_hash_mismatch() {
    let mut trail = five_hours();
    let victim = trail.log_keys[1][0].clone();
    // one byte of the JSON changed, re-compressed: a valid gzip with other content
    trail.store.edit_json(BUCKET, &victim, |json| {
        let at = json.iter().position(|b| *b == b'L').unwrap(); // ListServices → DistServices
        json[at] = b'D';
    });
    let report = run(&trail);
    assert_eq!(report.counts, counts(5, 0, 11, 1));
    assert_eq!(report.exit_code(), 1);
    let bad: Vec<_> = log_outcomes(&report)
        .into_iter()
        .filter(|(_, o)| *o != LogFileOutcome::Valid)
        .collect();
    assert_eq!(bad, vec![(victim.clone(), LogFileOutcome::HashMismatch)]);
    let out = report.cli_transcript("arn", false);
    assert_eq!(
        out.stderr,
        format!("Log file\ts3://{BUCKET}/{victim}\tINVALID: hash value doesn't match\n\n")
    );
    assert!(out
        .stdout
        .ends_with("\n5/5 digest files valid\n11/12 log files valid, 1/12 log files INVALID\n"));
}

#[test]
fn flipped_byte_in_the_gzip_stream_is_invalid_format() {
    let mut trail = five_hours();
    let victim = trail.log_keys[4][2].clone();
    let body = &mut trail.store.get_mut(BUCKET, &victim).body;
    let n = body.len();
    body[n - 5] ^= 0x40; // inside the CRC-32/ISIZE trailer
    let report = run(&trail);
    assert_eq!(report.counts, counts(5, 0, 11, 1));
    assert!(log_outcomes(&report).contains(&(victim, LogFileOutcome::InvalidFormat)));
}

#[test]
fn truncated_log_file_is_a_hash_mismatch() {
    let mut trail = five_hours();
    let victim = trail.log_keys[0][0].clone();
    let body = &mut trail.store.get_mut(BUCKET, &victim).body;
    body.truncate(body.len() - 12);
    let report = run(&trail);
    assert!(log_outcomes(&report).contains(&(victim, LogFileOutcome::HashMismatch)));
}

#[test]
fn deleted_log_file_is_not_found() {
    let mut trail = five_hours();
    let victim = trail.log_keys[3][2].clone();
    trail.store.remove(BUCKET, &victim);
    let report = run(&trail);
    assert_eq!(report.counts, counts(5, 0, 11, 1));
    let bad: Vec<_> = log_outcomes(&report)
        .into_iter()
        .filter(|(_, o)| *o != LogFileOutcome::Valid)
        .collect();
    assert_eq!(bad, vec![(victim.clone(), LogFileOutcome::NotFound)]);
    assert_eq!(
        report.cli_transcript("arn", false).stderr,
        format!("Log file\ts3://{BUCKET}/{victim}\tINVALID: not found\n\n")
    );
}

#[test]
fn altered_digest_fails_its_signature_and_hides_its_logs() {
    let mut trail = five_hours();
    let victim = trail.digest_key(3);
    // drop the digest's last log file from its list: a forger hiding a log file
    trail.store.edit_json(BUCKET, &victim, |json| {
        let mut d = Digest::from_json(json).unwrap();
        d.log_files.pop();
        *json = d.to_json();
    });
    let report = run(&trail);
    // digest 3 is invalid; its 4 log files are not checked; the walk continues at digest 2 (from the listing)
    assert_eq!(report.counts, counts(4, 1, 8, 0));
    let outcomes = digest_outcomes(&report);
    assert_eq!(
        outcomes[1],
        (victim.clone(), DigestOutcome::SignatureFailed)
    );
    assert_eq!(outcomes.len(), 5);
    let out = report.cli_transcript("arn", true);
    assert_eq!(
        out.stderr,
        format!(
            "\nDigest file\ts3://{BUCKET}/{victim}\tINVALID: signature verification failed\n\n"
        )
    );
    assert!(out
        .stdout
        .ends_with("\n4/5 digest files valid, 1/5 digest files INVALID\n8/8 log files valid\n"));
}

#[test]
fn altering_a_digest_byte_for_byte_equivalent_json_still_fails() {
    // The signature covers the stored bytes, not the meaning: re-serialising with a space breaks it.
    let mut trail = five_hours();
    let victim = trail.digest_key(0);
    trail
        .store
        .edit_json(BUCKET, &victim, |json| json.insert(1, b' '));
    let report = run(&trail);
    assert_eq!(
        digest_outcomes(&report)[4],
        (victim, DigestOutcome::SignatureFailed)
    );
}

#[test]
fn deleted_digest_breaks_the_chain_and_is_not_found() {
    let mut trail = five_hours();
    let victim = trail.digest_key(2);
    trail.store.remove(BUCKET, &victim);
    let report = run(&trail);
    assert_eq!(report.counts, counts(4, 1, 12, 0));
    assert_eq!(
        digest_outcomes(&report)[2],
        (victim.clone(), DigestOutcome::NotFound)
    );
    assert_eq!(
        report.cli_transcript("arn", false).stderr,
        format!("Digest file\ts3://{BUCKET}/{victim}\tINVALID: not found\n\n")
    );
}

#[test]
fn deleted_newest_digest_goes_unnoticed_like_in_the_cli() {
    // Nothing links to the newest digest: the walk simply starts at the newest one still listed.
    let mut trail = five_hours();
    trail.store.remove(BUCKET, &trail.digest_key(4));
    let report = run(&trail);
    assert_eq!(report.counts, counts(4, 0, 7, 0));
}

#[test]
fn restarted_chain_reports_a_gap_not_an_error() {
    let mut trail = Trail::standard();
    trail.hours(t(T0), 2, |_| 1);
    trail.restart();
    // logging was off for an hour, then a starting digest
    trail.period(t(T0) + hours(3), t(T0) + hours(4), 1, 2);
    assert_eq!(trail.digests[2].digest.previous_digest_signature, None);
    let report = run_with(
        &trail,
        &trail.public_keys(),
        t(T0),
        t(T0) + hours(4),
        ChainCheck::Strict,
    );
    assert_eq!(report.counts, counts(3, 0, 3, 0));
    assert!(report.is_valid());
    let gap = Entry::Gap {
        backfill: false,
        next_end: t(T0) + hours(2),
        last_start: t(T0) + hours(3),
    };
    assert_eq!(report.entries[2], gap);
    assert_eq!(
        report.cli_transcript("arn", false).stderr,
        "No log files were delivered by CloudTrail between 2024-03-01T12:00:31Z and 2024-03-01T13:00:31Z\n\n"
    );
}

#[test]
fn a_key_that_is_not_published_is_reported_by_fingerprint() {
    let trail = five_hours();
    let mut keys = PublicKeys::new();
    keys.insert_key(&KeyPair::generate().unwrap());
    let report = run_with(&trail, &keys, t(T0), t(T0) + hours(5), ChainCheck::Strict);
    assert_eq!(report.counts, counts(0, 5, 0, 0));
    let expected = DigestOutcome::PublicKeyNotFound {
        fingerprint: trail.key.fingerprint().to_owned(),
        region: REGION.to_owned(),
    };
    assert!(digest_outcomes(&report).iter().all(|(_, o)| *o == expected));
    let out = report.cli_transcript("arn", false);
    assert!(out.stderr.contains(&format!(
        "INVALID: public key not found in region us-east-1 for fingerprint {}\n",
        trail.key.fingerprint()
    )));
    assert!(out.stdout.ends_with(
        "No valid digests found in range\n\n0/5 digest files valid, 5/5 digest files INVALID\n"
    ));
}

#[test]
fn a_digest_signed_by_another_key_fails_verification() {
    let mut trail = five_hours();
    // re-sign digest 1 with a key of its own but keep claiming the published fingerprint
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
    let report = run(&trail);
    assert_eq!(
        digest_outcomes(&report)[3],
        (original.key().to_owned(), DigestOutcome::SignatureFailed)
    );
    assert_eq!(report.counts, counts(4, 1, 10, 0));
}

#[test]
fn a_published_key_that_is_not_pkcs1_cannot_be_loaded() {
    let trail = five_hours();
    // the same key as X.509 SubjectPublicKeyInfo under its real fingerprint
    let mut spki = vec![
        0x30, 0x82, 0x01, 0x22, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01,
        0x01, 0x01, 0x05, 0x00, 0x03, 0x82, 0x01, 0x0f, 0x00,
    ];
    spki.extend_from_slice(trail.key.public_key_der());
    let mut keys = PublicKeys::new();
    keys.insert(trail.key.fingerprint(), spki);
    let report = run_with(&trail, &keys, t(T0), t(T0) + hours(5), ChainCheck::Strict);
    let expected = DigestOutcome::UnloadableKey {
        fingerprint: trail.key.fingerprint().to_owned(),
    };
    assert!(digest_outcomes(&report).iter().all(|(_, o)| *o == expected));
    assert!(report
        .cli_transcript("arn", false)
        .stderr
        .contains("INVALID: Unable to load PKCS #1 key with fingerprint "));
}

#[test]
fn a_copied_digest_has_moved() {
    let mut trail = five_hours();
    // digest 4's object copied over a key of a later hour: it names its original place
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
    let report = run(&trail);
    assert_eq!(
        digest_outcomes(&report)[0],
        (fake_key, DigestOutcome::Moved)
    );
    assert_eq!(report.counts, counts(5, 1, 12, 0));
}

#[test]
fn missing_signature_metadata_fails_verification() {
    let mut trail = five_hours();
    let key = trail.digest_key(4);
    trail
        .store
        .get_mut(BUCKET, &key)
        .metadata
        .remove("signature-algorithm");
    let mut capitalised = trail
        .store
        .get(BUCKET, &trail.digest_key(3))
        .unwrap()
        .metadata
        .clone();
    let sig = capitalised.remove("signature").unwrap();
    capitalised.insert("Signature".into(), sig);
    trail.store.get_mut(BUCKET, &trail.digest_key(3)).metadata = capitalised;
    let report = run(&trail);
    assert_eq!(
        digest_outcomes(&report)[0],
        (key, DigestOutcome::SignatureFailed)
    );
    assert_eq!(
        digest_outcomes(&report)[1],
        (trail.digest_key(3), DigestOutcome::SignatureFailed)
    );
}

#[test]
fn garbage_digests_are_invalid_format_or_python_errors() {
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
    let report = run(&trail);
    let outcomes: Vec<DigestOutcome> = digest_outcomes(&report)
        .into_iter()
        .map(|(_, o)| o)
        .collect();
    assert_eq!(
        outcomes,
        vec![
            DigestOutcome::InvalidFormat,
            DigestOutcome::Other("list indices must be integers or slices, not str".into()),
            DigestOutcome::InvalidFormat,
            DigestOutcome::Other("Odd-length string".into()),
            DigestOutcome::Other("Non-hexadecimal digit found".into()),
        ]
    );
    assert_eq!(report.counts, counts(0, 5, 0, 0));
    assert!(report
        .cli_transcript("arn", false)
        .stdout
        .contains("No valid digests found in range\n"));
}

#[test]
fn strict_chain_check_catches_a_resigned_predecessor() {
    // The producer's key re-signs digest 2 with a different log list. Its signature is valid and the CLI follows
    // links by key only, so it accepts it; the strict check sees that digest 3 recorded another digest 2.
    let mut trail = five_hours();
    let original = trail.digests[2].clone();
    let mut digest = original.digest.clone();
    digest
        .log_files
        .push(trailrunner_trail_digest::LogFileEntry::new(
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

    let strict = run(&trail);
    assert_eq!(
        digest_outcomes(&strict)[2],
        (
            original.key().to_owned(),
            DigestOutcome::ChainMismatch {
                newer_bucket: BUCKET.to_owned(),
                newer_key: trail.digest_key(3)
            }
        )
    );
    assert_eq!(strict.counts, counts(4, 1, 12, 0));

    let cli = run_with(
        &trail,
        &trail.public_keys(),
        t(T0),
        t(T0) + hours(5),
        ChainCheck::AwsCli,
    );
    assert!(digest_outcomes(&cli)
        .iter()
        .all(|(_, o)| *o == DigestOutcome::Valid));
    assert_eq!(
        cli.counts,
        counts(5, 0, 12, 1),
        "the planted log file is then checked, and missing"
    );
}

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
