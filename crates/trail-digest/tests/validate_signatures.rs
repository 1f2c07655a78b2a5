//! Digest signatures, public keys, metadata and malformed digests, as `aws cloudtrail validate-logs` reports them.

mod common;

use common::*;
use jiff::SignedDuration;
use trailrunner_trail_digest::{ChainCheck, DigestOutcome, KeyPair, PublicKeys, SignedDigest};

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
