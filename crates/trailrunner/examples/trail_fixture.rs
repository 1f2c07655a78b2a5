//! Writes a signed trail (hourly digests and log files) into a folder in `validate-logs --local-dir` format, and
//! its public key as `aws cloudtrail list-public-keys` output: test and benchmark data.
//!
//! ```text
//! cargo run --example trail_fixture -- DIR PUBLIC_KEYS_JSON [--hours 24] [--logs-per-hour 12]
//!     [--records-per-log 100] [--start 2024-03-01T00:00:31Z] [--bucket B] [--account-id A] [--trail T]
//!     [--region R] [--signing-key PKCS8_DER_FILE]
//! ```
//! Without `--signing-key` a new key pair is generated. It prints the trail ARN, start and end as `KEY=VALUE` lines.

#[path = "../tests/common/trail_fixture.rs"]
mod trail_fixture;

use std::path::PathBuf;

use trail_fixture::{public_keys_json, write_trail, FixtureSpec};
use trailrunner_trail_digest::{format_time, KeyPair};

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().ok_or("DIR missing")?);
    let keys_file = PathBuf::from(args.next().ok_or("PUBLIC_KEYS_JSON missing")?);
    let mut spec = FixtureSpec::small("2024-03-01T00:00:31Z".parse().expect("a time"));
    spec.hours = 24;
    spec.logs_per_hour = 12;
    spec.records_per_log = 100;
    let mut signing_key = None;
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        let number = || value.parse::<usize>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--hours" => spec.hours = number()?,
            "--logs-per-hour" => spec.logs_per_hour = number()?,
            "--records-per-log" => spec.records_per_log = number()?,
            "--start" => spec.start = value.parse().map_err(|e| format!("--start: {e}"))?,
            "--bucket" => spec.bucket = value,
            "--account-id" => spec.account_id = value,
            "--trail" => spec.trail = value,
            "--region" => spec.region = value,
            "--signing-key" => signing_key = Some(PathBuf::from(value)),
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    let key = match signing_key {
        Some(file) => {
            let der = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            KeyPair::from_pkcs8(&der).map_err(|e| format!("{}: {e}", file.display()))?
        }
        None => KeyPair::generate().map_err(|e| e.to_string())?,
    };
    let written = write_trail(&spec, &key, &dir).map_err(|e| e.to_string())?;
    std::fs::write(&keys_file, public_keys_json(&key, spec.start))
        .map_err(|e| format!("{}: {e}", keys_file.display()))?;
    println!("TRAIL_ARN={}", spec.trail_arn());
    println!("BUCKET={}", spec.bucket);
    println!("START={}", format_time(spec.start));
    println!("END={}", format_time(spec.end()));
    println!("DIGESTS={}", written.digest_keys.len());
    println!("LOG_FILES={}", written.log_keys.len());
    println!("BYTES={}", written.bytes);
    Ok(())
}
