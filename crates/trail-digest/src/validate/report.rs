//! What a validation found: the outcome of each digest and log file, in the CLI's print order, with the
//! counts, the summary and the CLI's transcript.

use super::*;

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
