//! Chains of digests and log files, intact and tampered with, validated as `aws cloudtrail validate-logs` would.

mod common;

use common::*;
use trailrunner_trail_digest::{
    check_log_file, plan, validate_parallel, ChainCheck, Digest, DigestOutcome, Entry,
    LogFileOutcome, ValidateOptions, ValidateRequest,
};

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
