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

use crate::gzip::{gunzip_member, hash_gzip_member};
use crate::keys::{
    extract_digest_key_date, is_backfill_digest_key, DigestKeyMatcher, TrailLocation,
};
use crate::sign::{
    fingerprint, is_pkcs1_public_key, sha256_hex, verify_signature, KeyPair, VerifyError,
};
use crate::time::{format_key_time, format_time, parse_cli_date};
use crate::{BACKFILL_TIMESTAMP_METADATA, SIGNATURE_ALGORITHM_METADATA, SIGNATURE_METADATA};

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

/// How one digest fared. The `Display` text is what the CLI prints after `INVALID: `.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DigestOutcome {
    Valid,
    /// Listed or linked to, but not in the bucket (deleted).
    NotFound,
    /// Not gzip, not JSON, a required field missing, or a backfill digest without its timestamp metadata.
    InvalidFormat,
    /// `digestS3Bucket`/`digestS3Object` name another place than where the digest was found.
    Moved,
    /// No public key with the digest's fingerprint; `region` is the trail's home region.
    PublicKeyNotFound {
        fingerprint: String,
        region: String,
    },
    /// The signature does not verify, or the signature metadata is missing.
    SignatureFailed,
    /// The public key with this fingerprint is not DER PKCS#1.
    UnloadableKey {
        fingerprint: String,
    },
    /// [`ChainCheck::Strict`] only: validly signed, but not the digest that its successor (the digest at
    /// `newer_bucket`/`newer_key`) recorded as its previous one (signature or hash differ).
    ChainMismatch {
        newer_bucket: String,
        newer_key: String,
    },
    /// Anything else the CLI reports with Python's exception text (a signature that is not hex, a time that does
    /// not parse, JSON that is not an object).
    Other(String),
}

impl DigestOutcome {
    pub fn is_valid(&self) -> bool {
        matches!(self, DigestOutcome::Valid)
    }
}

impl fmt::Display for DigestOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DigestOutcome::Valid => f.write_str("valid"),
            DigestOutcome::NotFound => f.write_str("not found"),
            DigestOutcome::InvalidFormat => f.write_str("invalid format"),
            DigestOutcome::Moved => f.write_str("has been moved from its original location"),
            DigestOutcome::PublicKeyNotFound {
                fingerprint,
                region,
            } => {
                write!(
                    f,
                    "public key not found in region {region} for fingerprint {fingerprint}"
                )
            }
            DigestOutcome::SignatureFailed => f.write_str("signature verification failed"),
            DigestOutcome::UnloadableKey { fingerprint } => {
                write!(
                    f,
                    "Unable to load PKCS #1 key with fingerprint {fingerprint}"
                )
            }
            DigestOutcome::ChainMismatch {
                newer_bucket,
                newer_key,
            } => {
                write!(f, "does not match the previous digest recorded in s3://{newer_bucket}/{newer_key}")
            }
            DigestOutcome::Other(message) => f.write_str(message),
        }
    }
}

/// How one log file fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFileOutcome {
    Valid,
    /// The decompressed bytes do not hash to the digest's `hashValue` (changed or truncated).
    HashMismatch,
    NotFound,
    /// Not readable gzip, or the digest entry lacks `hashValue`.
    InvalidFormat,
}

impl LogFileOutcome {
    pub fn is_valid(self) -> bool {
        matches!(self, LogFileOutcome::Valid)
    }
}

impl fmt::Display for LogFileOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LogFileOutcome::Valid => "valid",
            LogFileOutcome::HashMismatch => "hash value doesn't match",
            LogFileOutcome::NotFound => "not found",
            LogFileOutcome::InvalidFormat => "invalid format",
        })
    }
}

/// One line of the result, in the order the CLI prints them (newest digest first, each valid digest followed by
/// its log files). `Display` gives the CLI's line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Digest {
        bucket: String,
        key: String,
        backfill: bool,
        outcome: DigestOutcome,
    },
    LogFile {
        bucket: String,
        key: String,
        outcome: LogFileOutcome,
    },
    /// No digest links `next_end` (the end of the next older listed digest) to `last_start` (the start of a
    /// starting digest): logging or validation was off in between. Not an error in the counts.
    Gap {
        backfill: bool,
        next_end: Timestamp,
        last_start: Timestamp,
    },
}

impl Entry {
    /// Whether the CLI writes this line to stderr (always) rather than stdout (only with `--verbose`).
    pub fn is_error(&self) -> bool {
        match self {
            Entry::Digest { outcome, .. } => !outcome.is_valid(),
            Entry::LogFile { outcome, .. } => !outcome.is_valid(),
            Entry::Gap { .. } => true,
        }
    }
}

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Entry::Digest {
                bucket,
                key,
                backfill,
                outcome,
            } => {
                let tag = if *backfill { "(backfill) " } else { "" };
                let verdict = if outcome.is_valid() { "" } else { "INVALID: " };
                write!(
                    f,
                    "{tag}Digest file\ts3://{bucket}/{key}\t{verdict}{outcome}"
                )
            }
            Entry::LogFile {
                bucket,
                key,
                outcome,
            } => {
                let verdict = if outcome.is_valid() { "" } else { "INVALID: " };
                write!(f, "Log file\ts3://{bucket}/{key}\t{verdict}{outcome}")
            }
            Entry::Gap {
                backfill,
                next_end,
                last_start,
            } => {
                let tag = if *backfill { "(backfill) " } else { "" };
                write!(
                    f,
                    "{tag}No log files were delivered by CloudTrail between {} and {}",
                    format_time(*next_end),
                    format_time(*last_start)
                )
            }
        }
    }
}

/// The tallies of the CLI's summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub valid_digests: usize,
    pub invalid_digests: usize,
    pub valid_backfill_digests: usize,
    pub invalid_backfill_digests: usize,
    pub valid_logs: usize,
    pub invalid_logs: usize,
}

/// What the CLI would print, split by stream, and its exit status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliTranscript {
    pub stdout: String,
    pub stderr: String,
    pub exit_code: i32,
}

/// The result of a validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The requested range.
    pub start: Timestamp,
    pub end: Timestamp,
    pub entries: Vec<Entry>,
    pub counts: Counts,
    /// The span the valid digests covered, clipped to the requested range (the CLI's "Results found for").
    pub found_start: Option<Timestamp>,
    pub found_end: Option<Timestamp>,
}

impl Report {
    /// No invalid or missing digest or log file (gaps are not failures, as in the CLI).
    pub fn is_valid(&self) -> bool {
        let c = &self.counts;
        c.invalid_digests + c.invalid_backfill_digests + c.invalid_logs == 0
    }

    /// The CLI's exit status: 1 when anything is invalid, else 0.
    pub fn exit_code(&self) -> i32 {
        if self.is_valid() {
            0
        } else {
            1
        }
    }

    /// The summary block, from `Results requested for …` on.
    pub fn summary(&self) -> String {
        let c = &self.counts;
        let mut out = format!(
            "Results requested for {} to {}\n",
            format_time(self.start),
            format_time(self.end)
        );
        if c.valid_digests
            + c.valid_backfill_digests
            + c.invalid_digests
            + c.invalid_backfill_digests
            == 0
        {
            out.push_str("No digests found\n");
            return out;
        }
        match (self.found_start, self.found_end) {
            (Some(s), Some(e)) => out.push_str(&format!(
                "Results found for {} to {}:\n",
                format_time(s),
                format_time(e)
            )),
            _ => out.push_str("No valid digests found in range\n"),
        }
        for (valid, invalid, name) in [
            (c.valid_digests, c.invalid_digests, "digest"),
            (
                c.valid_backfill_digests,
                c.invalid_backfill_digests,
                "backfill digest",
            ),
            (c.valid_logs, c.invalid_logs, "log"),
        ] {
            let total = valid + invalid;
            if total > 0 {
                out.push_str(&format!("\n{valid}/{total} {name} files valid"));
                if invalid > 0 {
                    out.push_str(&format!(", {invalid}/{total} {name} files INVALID"));
                }
            }
        }
        out.push('\n');
        out
    }

    /// Everything `aws cloudtrail validate-logs --trail-arn <trail_arn> [--verbose]` prints for this result, with
    /// the CLI's spacing (each error line is followed by a blank line on stderr).
    pub fn cli_transcript(&self, trail_arn: &str, verbose: bool) -> CliTranscript {
        let mut stdout = format!(
            "Validating log files for trail {trail_arn} between {} and {}\n\n",
            format_time(self.start),
            format_time(self.end)
        );
        let mut stderr = String::new();
        let mut last_double_space = true;
        for entry in &self.entries {
            if entry.is_error() {
                if !last_double_space {
                    stderr.push('\n');
                }
                stderr.push_str(&format!("{entry}\n\n"));
                last_double_space = true;
            } else if verbose {
                last_double_space = false;
                stdout.push_str(&format!("{entry}\n"));
            }
        }
        if !last_double_space {
            stdout.push('\n');
        }
        stdout.push_str(&self.summary());
        CliTranscript {
            stdout,
            stderr,
            exit_code: self.exit_code(),
        }
    }
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
    if !check.well_formed {
        return LogFileOutcome::InvalidFormat;
    }
    let Some(body) = body else {
        return LogFileOutcome::NotFound;
    };
    let Ok(hash) = hash_gzip_member(body) else {
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

/// What a digest said about its predecessor, checked when the walk reaches it ([`ChainCheck::Strict`]).
struct Link {
    newer_bucket: String,
    newer_key: String,
    signature: Option<Value>,
    hash_value: Option<Value>,
}

/// A digest that passed every check.
struct Loaded {
    data: serde_json::Map<String, Value>,
    start: Timestamp,
    end: Timestamp,
}

struct Walker<'a> {
    location: &'a TrailLocation,
    source_region: &'a str,
    matcher: DigestKeyMatcher,
    start: Timestamp,
    end: Timestamp,
    keys: &'a PublicKeys,
    strict: bool,
    by_location: HashMap<(&'a str, &'a str), &'a DigestObject>,
    by_bucket: HashMap<&'a str, Vec<&'a str>>,
    plan: Plan,
}

impl<'a> Walker<'a> {
    /// The CLI's listing of one bucket: matching keys with a key time in `[start, end + 1 h]`, ascending.
    fn listing(&self, bucket: &str, end: Timestamp, backfill: bool) -> Vec<&'a str> {
        let marker = self
            .location
            .digest_list_marker(self.source_region, self.start);
        let prefix = self.location.digest_prefix(self.source_region);
        let target_start = format_key_time(self.start);
        let target_end = format_key_time(end + SignedDuration::from_hours(1));
        let mut out = Vec::new();
        let Some(keys) = self.by_bucket.get(bucket) else {
            return out;
        };
        for &key in keys
            .iter()
            .filter(|k| ***k > *marker && k.starts_with(&prefix))
        {
            if !self.matcher.is_match(key) {
                continue;
            }
            let date = extract_digest_key_date(key).unwrap_or("");
            if date > target_end.as_str() {
                break;
            }
            if date < target_start.as_str() {
                continue;
            }
            if is_backfill_digest_key(key) == backfill {
                out.push(key);
            }
        }
        out
    }

    /// The CLI's `_get_last_digest`: pops the newest listed key, or the newest one older than `before`.
    fn next_older(
        list: &mut Vec<&'a str>,
        before: Option<&str>,
    ) -> Result<Option<(String, Timestamp)>, ValidateError> {
        let key_time = |key: &str| {
            let date = extract_digest_key_date(key).unwrap_or("");
            parse_cli_date(date).ok_or_else(|| ValidateError::UnparsableDigestKey(date.to_owned()))
        };
        let before = match before {
            None => {
                return match list.pop() {
                    Some(key) => Ok(Some((key.to_owned(), key_time(key)?))),
                    None => Ok(None),
                };
            }
            Some(before) => {
                if list.is_empty() {
                    return Ok(None);
                }
                key_time(before)?
            }
        };
        while let Some(key) = list.pop() {
            let t = key_time(key)?;
            if t < before {
                return Ok(Some((key.to_owned(), t)));
            }
        }
        Ok(None)
    }

    fn walk(&mut self, backfill: bool) -> Result<(), ValidateError> {
        let mut bucket = self.location.bucket.clone();
        let mut list = self.listing(&bucket, self.end, backfill);
        let mut current = Self::next_older(&mut list, None)?;
        let mut last_start = current.as_ref().map(|(_, end)| *end);
        let mut link: Option<Link> = None;
        while let Some((key, _)) = current.take() {
            if last_start.is_none_or(|ls| self.start > ls) {
                break;
            }
            match self.load(&bucket, &key, backfill, link.take()) {
                Ok(loaded) => {
                    last_start = Some(loaded.start);
                    self.record_valid(&bucket, &key, backfill, &loaded);
                    let prev_bucket = loaded
                        .data
                        .get("previousDigestS3Bucket")
                        .filter(|v| !v.is_null());
                    let prev_key = loaded
                        .data
                        .get("previousDigestS3Object")
                        .filter(|v| !v.is_null());
                    match (prev_bucket, prev_key) {
                        (Some(pb), Some(pk)) => {
                            link = Some(Link {
                                newer_bucket: bucket.clone(),
                                newer_key: key.clone(),
                                signature: loaded.data.get("previousDigestSignature").cloned(),
                                hash_value: loaded.data.get("previousDigestHashValue").cloned(),
                            });
                            let pb = py_str(pb);
                            current = Some((py_str(pk), loaded.end));
                            if pb != bucket {
                                bucket = pb;
                                list = self.listing(&bucket, loaded.end, backfill);
                            }
                        }
                        _ => {
                            current = Self::next_older(&mut list, Some(&key))?;
                            if let Some((_, next_end)) = &current {
                                self.plan.report.entries.push(Entry::Gap {
                                    backfill,
                                    next_end: *next_end,
                                    last_start: loaded.start,
                                });
                            }
                        }
                    }
                }
                Err(outcome) => {
                    if backfill {
                        self.plan.report.counts.invalid_backfill_digests += 1;
                    } else {
                        self.plan.report.counts.invalid_digests += 1;
                    }
                    self.plan.report.entries.push(Entry::Digest {
                        bucket: bucket.clone(),
                        key: key.clone(),
                        backfill,
                        outcome,
                    });
                    current = Self::next_older(&mut list, Some(&key))?;
                }
            }
        }
        Ok(())
    }

    fn record_valid(&mut self, bucket: &str, key: &str, backfill: bool, loaded: &Loaded) {
        let report = &mut self.plan.report;
        if backfill {
            report.counts.valid_backfill_digests += 1;
        } else {
            report.counts.valid_digests += 1;
        }
        let earliest = loaded.start.max(self.start);
        if report.found_start.is_none_or(|f| earliest < f) {
            report.found_start = Some(earliest);
        }
        let latest = loaded.end.min(self.end);
        if report.found_end.is_none_or(|f| latest > f) {
            report.found_end = Some(latest);
        }
        report.entries.push(Entry::Digest {
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            backfill,
            outcome: DigestOutcome::Valid,
        });
        let Some(Value::Array(log_files)) = loaded.data.get("logFiles") else {
            return;
        };
        for log in log_files {
            let field = |name: &str| log.get(name);
            let (bucket, key) = (field("s3Bucket"), field("s3Object"));
            let well_formed = matches!(
                (bucket, key),
                (Some(Value::String(_)), Some(Value::String(_)))
            );
            let render = |v: Option<&Value>| v.map_or_else(|| "None".to_owned(), py_str);
            let expected = match field("hashValue") {
                None => ExpectedHash::Missing,
                Some(Value::String(h)) => ExpectedHash::Hex(h.clone()),
                Some(_) => ExpectedHash::NotAString,
            };
            let check = LogFileCheck {
                bucket: render(bucket),
                key: render(key),
                expected,
                well_formed,
            };
            self.plan.check_entries.push(report.entries.len());
            report.entries.push(Entry::LogFile {
                bucket: check.bucket.clone(),
                key: check.key.clone(),
                outcome: LogFileOutcome::InvalidFormat,
            });
            self.plan.checks.push(check);
        }
    }

    /// The CLI's `_load_and_validate_digest` (plus the start time its loop parses, and the strict link check).
    fn load(
        &self,
        bucket: &str,
        key: &str,
        backfill: bool,
        link: Option<Link>,
    ) -> Result<Loaded, DigestOutcome> {
        let object = self
            .by_location
            .get(&(bucket, key))
            .ok_or(DigestOutcome::NotFound)?;
        let inflated = gunzip_member(&object.body).map_err(|_| DigestOutcome::InvalidFormat)?;
        let text = std::str::from_utf8(&inflated).map_err(|_| DigestOutcome::InvalidFormat)?;
        let value: Value = serde_json::from_str(text).map_err(|_| DigestOutcome::InvalidFormat)?;
        let metadata = &object.metadata;
        let (Some(signature), Some(_)) = (
            metadata.get(SIGNATURE_METADATA),
            metadata.get(SIGNATURE_ALGORITHM_METADATA),
        ) else {
            return Err(DigestOutcome::SignatureFailed);
        };
        let data = match value {
            Value::Object(map) => map,
            Value::Array(_) => {
                return Err(DigestOutcome::Other(
                    "list indices must be integers or slices, not str".into(),
                ))
            }
            other => {
                return Err(DigestOutcome::Other(format!(
                    "'{}' object does not support item assignment",
                    py_type(&other)
                )))
            }
        };
        if backfill && !metadata.contains_key(BACKFILL_TIMESTAMP_METADATA) {
            return Err(DigestOutcome::InvalidFormat);
        }
        const REQUIRED: [&str; 6] = [
            "digestPublicKeyFingerprint",
            "digestS3Bucket",
            "digestS3Object",
            "previousDigestSignature",
            "digestEndTime",
            "digestStartTime",
        ];
        if REQUIRED.iter().any(|k| !data.contains_key(*k)) {
            return Err(DigestOutcome::InvalidFormat);
        }
        if data["digestS3Bucket"].as_str() != Some(bucket)
            || data["digestS3Object"].as_str() != Some(key)
        {
            return Err(DigestOutcome::Moved);
        }

        let fp = &data["digestPublicKeyFingerprint"];
        if let Value::Array(_) | Value::Object(_) = fp {
            return Err(DigestOutcome::Other(format!(
                "unhashable type: '{}'",
                py_type(fp)
            )));
        }
        let public_key = fp.as_str().and_then(|f| self.keys.get(f));
        if public_key.is_none() && backfill {
            // The CLI fetches keys for the backfill generation time here, so that time must parse.
            parse_date(&Value::String(
                metadata[BACKFILL_TIMESTAMP_METADATA].clone(),
            ))?;
        }
        let fingerprint = py_str(fp);
        let Some(public_key) = public_key else {
            return Err(DigestOutcome::PublicKeyNotFound {
                fingerprint,
                region: self.location.home_region.clone(),
            });
        };
        if !is_pkcs1_public_key(public_key) {
            return Err(DigestOutcome::UnloadableKey { fingerprint });
        }
        let previous_signature = match &data["previousDigestSignature"] {
            Value::Null => "null".to_owned(),
            v => py_str(v),
        };
        let to_sign = format!(
            "{}\n{}/{}\n{}\n{}",
            py_str(&data["digestEndTime"]),
            py_str(&data["digestS3Bucket"]),
            py_str(&data["digestS3Object"]),
            sha256_hex(&inflated),
            previous_signature
        );
        let signature_bytes = unhexlify(signature)?;
        match verify_signature(public_key, to_sign.as_bytes(), &signature_bytes) {
            Ok(()) => {}
            Err(VerifyError::UnloadableKey) => {
                return Err(DigestOutcome::UnloadableKey { fingerprint })
            }
            Err(VerifyError::BadSignature) => return Err(DigestOutcome::SignatureFailed),
        }
        let end = parse_date(&data["digestEndTime"])?;
        let start = parse_date(&data["digestStartTime"])?;

        if let (true, Some(link)) = (self.strict, link) {
            let same = |recorded: &Option<Value>, actual: &str| {
                recorded
                    .as_ref()
                    .and_then(Value::as_str)
                    .is_some_and(|r| r.eq_ignore_ascii_case(actual))
            };
            if !same(&link.signature, signature) || !same(&link.hash_value, &sha256_hex(&inflated))
            {
                return Err(DigestOutcome::ChainMismatch {
                    newer_bucket: link.newer_bucket,
                    newer_key: link.newer_key,
                });
            }
        }
        Ok(Loaded { data, start, end })
    }
}

/// `binascii.unhexlify`, with its error texts.
fn unhexlify(s: &str) -> Result<Vec<u8>, DigestOutcome> {
    if s.len() % 2 == 1 {
        return Err(DigestOutcome::Other("Odd-length string".into()));
    }
    hex::decode(s).map_err(|_| DigestOutcome::Other("Non-hexadecimal digit found".into()))
}

/// The CLI's `parse_date` on a JSON value, with its error texts.
fn parse_date(v: &Value) -> Result<Timestamp, DigestOutcome> {
    match v {
        Value::String(s) => parse_cli_date(s)
            .ok_or_else(|| DigestOutcome::Other(format!("Unable to parse date value: {s}"))),
        other => Err(DigestOutcome::Other(format!(
            "Parser must be a string or character stream, not {}",
            py_type(other)
        ))),
    }
}

/// Python's type name of a decoded JSON value.
fn py_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// `str()` of a decoded JSON value, as an f-string renders it (close enough for non-strings, which only appear in
/// content nobody signed).
fn py_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        other => other.to_string(),
    }
}
