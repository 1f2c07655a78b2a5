//! CloudTrail log file integrity validation, as a pure library: object keys, log file bodies, signed digest files,
//! and validating a chain of them the way `aws cloudtrail validate-logs` (awscli 1.45.11) does. No HTTP, no S3,
//! no clock: callers bring the bytes and the times.
//!
//! # What a trail leaves in its bucket
//!
//! **Log files** ([`LogFile`]) are gzip'd UTF-8 JSON documents `{"Records":[…]}`. Their keys
//! ([`TrailLocation::log_file_key`]) live under `AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/` and carry the
//! delivery minute plus 16 random alphanumerics, so two deliveries never collide.
//!
//! **Digest files** ([`Digest`]) are gzip'd JSON too, one per trail, region and period (hourly at AWS), under
//! `AWSLogs/<account>/CloudTrail-Digest/<region>/…`, named after the period's *end* to the second
//! ([`TrailLocation::digest_key`]). A digest lists every log file delivered in its period with the SHA-256 of the
//! log's *decompressed* JSON, names itself (bucket and key, so it cannot be moved unnoticed), and points at the
//! previous digest by bucket, key, SHA-256 of its decompressed JSON and its signature. A digest is written even for
//! a period without log files, so silence is provable too; a "starting" digest (the first after validation or
//! logging was (re)enabled) has all five `previousDigest*` fields `null`.
//!
//! **The signature** is RSA PKCS#1 v1.5 with SHA-256 (Java's `SHA256withRSA`) over four lines joined by `\n`
//! ([`string_to_sign`]): the digest's end time, `bucket/key` of the digest, the hex SHA-256 of the digest's
//! decompressed JSON *exactly as stored*, and the previous digest's signature (the four letters `null` for a
//! starting digest). It is not inside the file: it travels as the object's user metadata `signature` (lower-case
//! hex) next to `signature-algorithm` = `SHA256withRSA` ([`SignedDigest::metadata`]). Because the previous
//! signature is signed in, each digest vouches for its whole past.
//!
//! **Public keys** ([`KeyPair`]) are published by `ListPublicKeys` as DER PKCS#1 `RSAPublicKey` bytes; a digest
//! names its key by fingerprint, the lower-case hex MD5 of those DER bytes ([`fingerprint`]).
//!
//! # Validation
//!
//! [`validate`] walks the digests newest first, following each digest's previous-digest link, checks every
//! digest (format, self-location, key, signature) and every log file a valid digest lists (present, gunzips, hash),
//! and returns a [`Report`] whose entries and counts are what the AWS CLI prints
//! ([`Report::cli_transcript`]). [`plan`] and [`check_log_file`] split the same work so that a caller can fetch and
//! hash log files concurrently in its own way.

mod format;
mod gzip;
mod keys;
mod sign;
mod time;
mod validate;

pub use format::{
    log_file_json, Digest, DigestPeriod, LogFile, LogFileEntry, PreviousDigest, SignedDigest,
};
pub use gzip::{gunzip_member, gzip, gzip_level, hash_gzip_member, InvalidGzip};
pub use keys::{
    extract_digest_key_date, is_backfill_digest_key, unique_string, DigestKeyMatcher, TrailLocation,
};
pub use sign::{
    fingerprint, is_pkcs1_public_key, sha256_hex, string_to_sign, verify_signature, KeyError,
    KeyPair, VerifyError,
};
pub use time::{format_key_time, format_time, parse_cli_date};
pub use validate::{
    check_log_file, check_log_hash, plan, validate, validate_parallel, ChainCheck, CliTranscript,
    Counts, DigestObject, DigestOutcome, Entry, ExpectedHash, LogFileCheck, LogFileOutcome,
    LogFileSource, Plan, PublicKeys, Report, ValidateError, ValidateOptions, ValidateRequest,
};

/// The `digestSignatureAlgorithm` value and the `signature-algorithm` metadata value.
pub const SIGNATURE_ALGORITHM: &str = "SHA256withRSA";
/// The `hashAlgorithm` / `previousDigestHashAlgorithm` value.
pub const HASH_ALGORITHM: &str = "SHA-256";
/// User-metadata name (without `x-amz-meta-`) of a digest's hex signature.
pub const SIGNATURE_METADATA: &str = "signature";
/// User-metadata name of the digest's signature algorithm.
pub const SIGNATURE_ALGORITHM_METADATA: &str = "signature-algorithm";
/// User-metadata name a backfill digest additionally carries (when it was generated).
pub const BACKFILL_TIMESTAMP_METADATA: &str = "backfill-generation-timestamp";
