//! Validating a trail's digests and log files, as `aws cloudtrail validate-logs` (awscli 1.45.11) does.
//!
//! # The walk
//!
//! The CLI lists the digest keys of one trail and source region whose key time lies in `[start, end + 1 h]`
//! (listing from the key a digest ending a minute before `start` would have), then starts at the newest and walks
//! *backwards*: validate a digest, then follow its `previousDigestS3Bucket`/`previousDigestS3Object` link, until it
//! has validated a digest that starts before `start`. When a link is missing (a starting digest) and older listed
//! digests exist, it reports a gap ("No log files were delivered…") and continues with the next older listed key;
//! when a digest is missing or invalid it reports that and continues the same way. Backfill digests are walked
//! the same way afterwards, as a chain of their own.
//!
//! Each digest is checked, in this order: it exists ("not found"), it gunzips to JSON ("invalid format"), the
//! object has `signature` and `signature-algorithm` metadata ("signature verification failed"), backfill digests
//! have `backfill-generation-timestamp` ("invalid format"), the six fields the CLI needs are present ("invalid
//! format"), `digestS3Bucket`/`digestS3Object` name where it was found ("has been moved from its original
//! location"), its key fingerprint is known ("public key not found…"), the key is DER PKCS#1 ("Unable to load
//! PKCS #1 key…"), and the signature verifies. Only a valid digest's log files are checked: each must exist
//! ("not found"), gunzip ("invalid format") and hash, decompressed, to its `hashValue` ("hash value doesn't
//! match"). A log file listed by several digests is checked each time, as the CLI does.
//!
//! # Beyond the CLI
//!
//! The CLI follows links by key only and never compares a digest's `previousDigestSignature` and
//! `previousDigestHashValue` with the digest the link leads to. [`ChainCheck::Strict`] (the default) does: when a
//! validly signed digest does not match what its successor recorded about it, it is reported invalid
//! ([`DigestOutcome::ChainMismatch`]). [`ChainCheck::AwsCli`] leaves that out and reproduces the CLI exactly.
//!
//! Where the CLI would crash on malformed but validly signed content (a `logFiles` that is not a list, say), this
//! module is lenient; that content cannot occur without the signing key.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use crate::gzip::{gunzip_member, hash_gzip_member, InvalidGzip};
use crate::keys::{
    extract_digest_key_date, is_backfill_digest_key, DigestKeyMatcher, TrailLocation,
};
use crate::sign::{
    fingerprint, is_pkcs1_public_key, sha256_hex, verify_signature, KeyPair, VerifyError,
};
use crate::time::{format_key_time, format_time, parse_cli_date};
use crate::{BACKFILL_TIMESTAMP_METADATA, SIGNATURE_ALGORITHM_METADATA, SIGNATURE_METADATA};

mod report;
mod walk;

pub use report::*;
use walk::Walker;

/// A digest object as read from the bucket: the gzip bytes as stored and the user metadata (names without
/// `x-amz-meta-`, case-sensitive like botocore's `Metadata`: `signature`, not `Signature`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestObject {
    pub bucket: String,
    pub key: String,
    pub body: Vec<u8>,
    pub metadata: BTreeMap<String, String>,
}

/// Where log files come from: S3, a folder, memory. `None` means the object does not exist (S3's `NoSuchKey`);
/// other failures are the caller's to handle (the CLI aborts on them).
pub trait LogFileSource {
    fn get(&self, bucket: &str, key: &str) -> Option<Vec<u8>>;
}

impl<F> LogFileSource for F
where
    F: Fn(&str, &str) -> Option<Vec<u8>>,
{
    fn get(&self, bucket: &str, key: &str) -> Option<Vec<u8>> {
        self(bucket, key)
    }
}

impl LogFileSource for HashMap<(String, String), Vec<u8>> {
    fn get(&self, bucket: &str, key: &str) -> Option<Vec<u8>> {
        self.get(&(bucket.to_owned(), key.to_owned())).cloned()
    }
}

/// Public keys by fingerprint, as `ListPublicKeys` returned them (`Value` base64-decoded: DER bytes). The CLI asks
/// for the keys valid in `[start, end + 2 h]`; the caller decides which keys to put here.
#[derive(Debug, Clone, Default)]
pub struct PublicKeys(HashMap<String, Vec<u8>>);

impl PublicKeys {
    pub fn new() -> Self {
        Self::default()
    }

    /// A key under the fingerprint `ListPublicKeys` gave for it (not recomputed, as the CLI does not either).
    pub fn insert(&mut self, fingerprint: &str, der: Vec<u8>) {
        self.0.insert(fingerprint.to_owned(), der);
    }

    /// A key under its computed fingerprint.
    pub fn insert_der(&mut self, der: Vec<u8>) {
        self.0.insert(fingerprint(&der), der);
    }

    /// The public half of a signing key.
    pub fn insert_key(&mut self, key: &KeyPair) {
        self.insert(key.fingerprint(), key.public_key_der().to_vec());
    }

    pub fn get(&self, fingerprint: &str) -> Option<&[u8]> {
        self.0.get(fingerprint).map(Vec::as_slice)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

/// What to validate: the trail's files (bucket and prefix as the CLI resolved them) for one source region, over
/// `[start, end]`.
#[derive(Debug, Clone, Copy)]
pub struct ValidateRequest<'a> {
    pub location: &'a TrailLocation,
    /// The region whose logs to validate (the CLI's `--region`); `None` means the trail's home region.
    pub source_region: Option<&'a str>,
    pub start: Timestamp,
    pub end: Timestamp,
}

/// Whether chain links are compared beyond what the CLI checks (see the module docs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ChainCheck {
    #[default]
    Strict,
    AwsCli,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct ValidateOptions {
    pub chain: ChainCheck,
}

/// Failures that end a validation before any result, where the CLI exits 255.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidateError {
    #[error("Invalid time range specified: start-time must occur before end-time")]
    InvalidTimeRange,
    /// No public key at all (the CLI: `No public keys found between <start> and <end + 2 h>`).
    #[error("No public keys found between {} and {}", format_time(*start), format_time(*end))]
    NoPublicKeys { start: Timestamp, end: Timestamp },
    /// A listed digest key whose time part does not parse (the CLI crashes on it).
    #[error("Unable to parse date value: {0}")]
    UnparsableDigestKey(String),
}

/// What a digest says the hash of a log file is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpectedHash {
    Hex(String),
    /// `hashValue` is there but not a string: it can never match.
    NotAString,
    /// No `hashValue`: "invalid format".
    Missing,
}

/// A log file to fetch and check, as listed by a valid digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFileCheck {
    /// As printed (`s3Bucket`, `s3Object`).
    pub bucket: String,
    pub key: String,
    pub expected: ExpectedHash,
    /// Both `s3Bucket` and `s3Object` are strings.
    well_formed: bool,
}

impl LogFileCheck {
    /// Where to fetch the log file from; `None` when the digest entry does not say (check it with no body).
    pub fn location(&self) -> Option<(&str, &str)> {
        self.well_formed
            .then_some((self.bucket.as_str(), self.key.as_str()))
    }
}

/// Checks one log file's stored bytes (`None`: not found) against its digest entry.
pub fn check_log_file(check: &LogFileCheck, body: Option<&[u8]>) -> LogFileOutcome {
    check_log_hash(check, body.map(hash_gzip_member))
}

/// The same verdict from a hash computed elsewhere (say, while the file streamed in): `None` when the file was not
/// found, else what [`hash_gzip_member`] gives for its bytes.
pub fn check_log_hash(
    check: &LogFileCheck,
    hashed: Option<Result<String, InvalidGzip>>,
) -> LogFileOutcome {
    if !check.well_formed {
        return LogFileOutcome::InvalidFormat;
    }
    let Some(hashed) = hashed else {
        return LogFileOutcome::NotFound;
    };
    let Ok(hash) = hashed else {
        return LogFileOutcome::InvalidFormat;
    };
    match &check.expected {
        ExpectedHash::Missing => LogFileOutcome::InvalidFormat,
        ExpectedHash::NotAString => LogFileOutcome::HashMismatch,
        ExpectedHash::Hex(expected) if *expected == hash => LogFileOutcome::Valid,
        ExpectedHash::Hex(_) => LogFileOutcome::HashMismatch,
    }
}

/// The digest half of a validation, done; the log files still to check.
#[derive(Debug, Clone)]
pub struct Plan {
    report: Report,
    checks: Vec<LogFileCheck>,
    /// For each check, the index of its entry in `report.entries`.
    check_entries: Vec<usize>,
}

impl Plan {
    /// The log files to check, in report order.
    pub fn checks(&self) -> &[LogFileCheck] {
        &self.checks
    }

    /// The report, given one outcome per [`Plan::checks`] entry, in the same order.
    ///
    /// # Panics
    /// If the number of outcomes differs from the number of checks.
    pub fn into_report(mut self, outcomes: Vec<LogFileOutcome>) -> Report {
        assert_eq!(
            outcomes.len(),
            self.checks.len(),
            "one outcome per log file check"
        );
        for (entry_index, outcome) in self.check_entries.iter().zip(outcomes) {
            if let Entry::LogFile { outcome: slot, .. } = &mut self.report.entries[*entry_index] {
                *slot = outcome;
            }
            if outcome.is_valid() {
                self.report.counts.valid_logs += 1;
            } else {
                self.report.counts.invalid_logs += 1;
            }
        }
        self.report
    }
}

/// Validates digests and log files: [`plan`], then every log file fetched from `logs` and checked in order.
///
/// `digests` are the digest objects of the bucket(s), as listed and fetched by the caller; listing the trail's
/// digest prefix ([`TrailLocation::digest_prefix`]) from [`TrailLocation::digest_list_marker`] fetches what the
/// CLI would. Extra objects are ignored; a digest that a link or the listing needs but that is absent counts as
/// deleted.
pub fn validate<S: LogFileSource + ?Sized>(
    request: &ValidateRequest<'_>,
    digests: &[DigestObject],
    keys: &PublicKeys,
    logs: &S,
    options: ValidateOptions,
) -> Result<Report, ValidateError> {
    let plan = plan(request, digests, keys, options)?;
    let outcomes = plan
        .checks
        .iter()
        .map(|check| {
            let body = check
                .location()
                .and_then(|(bucket, key)| logs.get(bucket, key));
            check_log_file(check, body.as_deref())
        })
        .collect();
    Ok(plan.into_report(outcomes))
}

/// [`validate`] with the log files fetched and hashed on `threads` threads (0: one per CPU). Same result.
pub fn validate_parallel<S: LogFileSource + Sync + ?Sized>(
    request: &ValidateRequest<'_>,
    digests: &[DigestObject],
    keys: &PublicKeys,
    logs: &S,
    options: ValidateOptions,
    threads: usize,
) -> Result<Report, ValidateError> {
    let plan = plan(request, digests, keys, options)?;
    let threads = if threads == 0 {
        std::thread::available_parallelism().map_or(1, usize::from)
    } else {
        threads
    }
    .min(plan.checks.len().max(1));
    let next = AtomicUsize::new(0);
    let checks = &plan.checks;
    let mut outcomes = vec![LogFileOutcome::NotFound; checks.len()];
    let parts: Vec<Vec<(usize, LogFileOutcome)>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(check) = checks.get(i) else { break };
                        let body = check
                            .location()
                            .and_then(|(bucket, key)| logs.get(bucket, key));
                        done.push((i, check_log_file(check, body.as_deref())));
                    }
                    done
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("log file worker panicked"))
            .collect()
    });
    for (i, outcome) in parts.into_iter().flatten() {
        outcomes[i] = outcome;
    }
    Ok(plan.into_report(outcomes))
}

/// Walks and checks the digests (signatures, chain, format) without touching log files; see [`Plan`].
pub fn plan(
    request: &ValidateRequest<'_>,
    digests: &[DigestObject],
    keys: &PublicKeys,
    options: ValidateOptions,
) -> Result<Plan, ValidateError> {
    if request.start > request.end {
        return Err(ValidateError::InvalidTimeRange);
    }
    if keys.is_empty() {
        return Err(ValidateError::NoPublicKeys {
            start: request.start,
            end: request.end + SignedDuration::from_hours(2),
        });
    }
    let source_region = request
        .source_region
        .unwrap_or(&request.location.home_region);
    let mut by_location: HashMap<(&str, &str), &DigestObject> = HashMap::new();
    let mut by_bucket: HashMap<&str, Vec<&str>> = HashMap::new();
    for d in digests {
        if by_location
            .insert((d.bucket.as_str(), d.key.as_str()), d)
            .is_none()
        {
            by_bucket
                .entry(d.bucket.as_str())
                .or_default()
                .push(d.key.as_str());
        }
    }
    for keys in by_bucket.values_mut() {
        keys.sort_unstable(); // S3 lists in UTF-8 byte order
    }
    let mut walker = Walker {
        location: request.location,
        source_region,
        matcher: request.location.digest_key_matcher(source_region),
        start: request.start,
        end: request.end,
        keys,
        strict: options.chain == ChainCheck::Strict,
        by_location,
        by_bucket,
        plan: Plan {
            report: Report {
                start: request.start,
                end: request.end,
                entries: Vec::new(),
                counts: Counts::default(),
                found_start: None,
                found_end: None,
            },
            checks: Vec::new(),
            check_entries: Vec::new(),
        },
    };
    walker.walk(false)?;
    walker.walk(true)?;
    Ok(walker.plan)
}
