//! Running the validator over a test trail, and reading its report.

use super::*;
use jiff::{SignedDuration, Timestamp};
use trailrunner_trail_digest::{
    validate, ChainCheck, Counts, DigestOutcome, Entry, LogFileOutcome, PublicKeys, Report,
    ValidateOptions, ValidateRequest,
};

pub const T0: &str = "2024-03-01T10:00:31Z";

pub fn hours(n: i64) -> SignedDuration {
    SignedDuration::from_hours(n)
}

/// Five hourly periods from T0 with 1, 2, 0, 4 and 5 log files (12 in all): the third delivered none.
pub fn five_hours() -> Trail {
    let mut trail = Trail::standard();
    trail.hours(t(T0), 5, |i| if i == 2 { 0 } else { i + 1 });
    trail
}

pub fn run_with(
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

pub fn run(trail: &Trail) -> Report {
    run_with(
        trail,
        &trail.public_keys(),
        t(T0),
        t(T0) + hours(5),
        ChainCheck::Strict,
    )
}

pub fn digest_outcomes(report: &Report) -> Vec<(String, DigestOutcome)> {
    report
        .entries
        .iter()
        .filter_map(|e| match e {
            Entry::Digest { key, outcome, .. } => Some((key.clone(), outcome.clone())),
            _ => None,
        })
        .collect()
}

pub fn log_outcomes(report: &Report) -> Vec<(String, LogFileOutcome)> {
    report
        .entries
        .iter()
        .filter_map(|e| match e {
            Entry::LogFile { key, outcome, .. } => Some((key.clone(), *outcome)),
            _ => None,
        })
        .collect()
}

pub fn counts(
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
