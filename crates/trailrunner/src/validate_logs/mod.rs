//! `trailrunner validate-logs`: `aws cloudtrail validate-logs`, same arguments, checks, output and exit status, but
//! fast: the digest listing is read once, digests and log files are fetched concurrently (bounded), and log files
//! are hashed while they stream in.
//!
//! The trail comes from `DescribeTrails` (unless `--s3-bucket` says where its files are) and the keys from
//! `ListPublicKeys` (unless `--public-keys` gives a file), both through the signed client like every CLI command;
//! the files from trailrunner's S3 API at the same endpoint, another S3 endpoint (`--s3-endpoint`), or a folder
//! (`--local-dir`, format in [`source`]). Validation itself is `trail_digest`'s: [`plan`] walks the digests,
//! this module fetches and hashes the log files the plan lists, and the report prints as the CLI prints.

mod log_hash;
mod plain_s3;
mod source;
mod trail;

use std::collections::HashSet;
use std::future::Future;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, ValueEnum};
use futures_util::stream::{self, StreamExt};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use jiff::{SignedDuration, Timestamp};
use trailrunner_buckets::ExternalEndpoint;
use trailrunner_trail_digest::{
    extract_digest_key_date, format_key_time, plan, ChainCheck, DigestObject, DigestOutcome, Entry,
    LogFileOutcome, PublicKeys, Report, TrailLocation, ValidateOptions, ValidateRequest,
};

use crate::client::ConnectionArgs;
use source::{LocalSource, S3Source, Source};

/// Exit status when validation could not run (the AWS CLI's 255 for an escaped exception).
const EXIT_ERROR: u8 = 255;

#[derive(Args)]
#[command(after_help = AFTER_HELP)]
pub(crate) struct ValidateLogsArgs {
    /// The trail, as `arn:<partition>:cloudtrail:<region>:<account>:trail/<name>`.
    #[arg(long)]
    trail_arn: String,
    /// Validate log files delivered at or after this time (2024-03-01T10:00:00Z, 20240301T100000Z, 2024-03-01).
    #[arg(long, value_parser = trail::parse_time, allow_hyphen_values = true)]
    start_time: Timestamp,
    /// Up to this time (default: now).
    #[arg(long, value_parser = trail::parse_time, allow_hyphen_values = true)]
    end_time: Option<Timestamp>,
    /// The bucket holding the digests (default: the trail's, from DescribeTrails).
    #[arg(long)]
    s3_bucket: Option<String>,
    /// The trail's S3 key prefix, with --s3-bucket.
    #[arg(long)]
    s3_prefix: Option<String>,
    /// The account whose files to validate (default: the trail ARN's); needed for organization trails.
    #[arg(long)]
    account_id: Option<String>,
    /// Print every valid digest and log file too.
    #[arg(long)]
    verbose: bool,
    /// The region whose log files to validate (the AWS CLI's global --region); default: the trail's home region.
    #[arg(long)]
    source_region: Option<String>,
    /// Read the bucket from this S3 endpoint (http://host:port, path-style) instead of trailrunner's own S3 API;
    /// signed with --access-key-id/--secret-access-key (or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) and --region.
    #[arg(long, conflicts_with = "local_dir")]
    s3_endpoint: Option<String>,
    /// Read the bucket's objects from this folder instead of S3 (see below).
    #[arg(long, value_name = "DIR")]
    local_dir: Option<PathBuf>,
    /// The public keys as a file: what `aws cloudtrail list-public-keys` prints (instead of calling ListPublicKeys).
    #[arg(long, value_name = "FILE")]
    public_keys: Option<PathBuf>,
    /// Digests and log files fetched at once (default: 8 per core, 8 to 64). Raise it for a distant endpoint,
    /// where each request mostly waits.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    concurrency: Option<u16>,
    /// `strict` also checks that each digest is the one its successor's previousDigestSignature and
    /// previousDigestHashValue name (the AWS CLI follows the link by key only); `aws-cli` checks exactly what it does.
    #[arg(long, value_enum, default_value_t = Chain::Strict)]
    chain_check: Chain,
    #[command(flatten)]
    connection: ConnectionArgs,
}

const AFTER_HELP: &str = "\
Local folders: --local-dir DIR holds the objects of one bucket (--s3-bucket) at their keys, as
`aws s3 sync s3://BUCKET DIR` leaves them; a digest's user metadata is in KEY.metadata.json next to it, the
`Metadata` object that `aws s3api head-object` prints ({\"signature\": \"…\", \"signature-algorithm\": \"SHA256withRSA\"}).

Exit status: 0 when every digest and log file is valid, 1 when any is invalid or missing, 255 when validation
could not run (bad arguments, trail not found, no public keys, an S3 error other than a missing object).";

#[derive(Clone, Copy, ValueEnum)]
enum Chain {
    Strict,
    AwsCli,
}

pub(crate) fn main(args: ValidateLogsArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return fail(&anyhow::Error::from(e)),
    };
    match runtime.block_on(run(args)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => fail(&e),
    }
}

fn fail(e: &anyhow::Error) -> ExitCode {
    eprintln!("trailrunner validate-logs: {e:#}");
    ExitCode::from(EXIT_ERROR)
}

async fn run(args: ValidateLogsArgs) -> anyhow::Result<u8> {
    let start = args.start_time;
    let end = args.end_time.unwrap_or_else(Timestamp::now);
    if start > end {
        anyhow::bail!("Invalid time range specified: start-time must occur before end-time");
    }
    // Checked here rather than by clap, so that a bad ARN exits 255 like the CLI's ValueError.
    let arn = &trail::parse_trail_arn(&args.trail_arn).map_err(anyhow::Error::msg)?;
    // The API client only when something needs it: a folder with --s3-bucket and --public-keys needs no server.
    let needs_api = args.s3_bucket.is_none()
        || args.public_keys.is_none()
        || (args.local_dir.is_none() && args.s3_endpoint.is_none());
    let api = if needs_api {
        Some(args.connection.client()?)
    } else {
        None
    };
    let (bucket, prefix) = match &args.s3_bucket {
        Some(b) => (b.clone(), args.s3_prefix.clone()),
        None => {
            let api = api.as_ref().context("DescribeTrails needs the server")?;
            let t = trail::describe_trail(api, &arn.arn).await?;
            (t.bucket, t.prefix)
        }
    };
    let mut location = TrailLocation::new(
        &bucket,
        args.account_id.as_deref().unwrap_or(&arn.account_id),
        &arn.name,
        &arn.home_region,
    );
    location.prefix = prefix.filter(|p| !p.is_empty());
    let source = match (&args.local_dir, &args.s3_endpoint) {
        (Some(dir), _) => Source::Local(LocalSource::new(dir.clone(), bucket.clone())?),
        (None, explicit) => {
            let (endpoint, creds) = args.connection.resolve()?;
            Source::S3(S3Source::new(ExternalEndpoint {
                url: explicit.clone().unwrap_or(endpoint),
                region: args.connection.region.clone(),
                access_key_id: creds.access_key_id,
                secret_access_key: creds.secret_access_key,
            }))
        }
    };
    // Fetched while the digests are listed and fetched: neither needs the other until the plan.
    let keys = async {
        match (&args.public_keys, &api) {
            (Some(file), _) => trail::read_public_keys(file, start, end),
            (None, Some(api)) => trail::list_public_keys(api, start, end).await,
            (None, None) => unreachable!("needs_api covers a missing --public-keys"),
        }
    };
    let chain = match args.chain_check {
        Chain::Strict => ChainCheck::Strict,
        Chain::AwsCli => ChainCheck::AwsCli,
    };
    let request = ValidateRequest {
        location: &location,
        source_region: args.source_region.as_deref(),
        start,
        end,
    };
    let progress = progress_bar();
    let report = validate(
        &Arc::new(source),
        &request,
        keys,
        chain,
        args.concurrency
            .map_or_else(default_concurrency, usize::from),
        &progress,
    )
    .await;
    progress.finish_and_clear();
    let report = report?;
    let transcript = report.cli_transcript(&arn.arn, args.verbose);
    // The CLI interleaves the streams as it goes; here the header comes first, then the errors, then the rest.
    let (header, rest) = transcript
        .stdout
        .split_once("\n\n")
        .unwrap_or((transcript.stdout.as_str(), ""));
    let mut out = std::io::stdout().lock();
    write!(out, "{header}\n\n")?;
    out.flush()?;
    eprint!("{}", transcript.stderr);
    write!(out, "{rest}")?;
    out.flush()?;
    Ok(u8::try_from(transcript.exit_code).unwrap_or(1))
}

/// Fetches in flight when `--concurrency` is not given. On loopback or a LAN the fetches cost CPU rather than
/// waiting (gunzip and SHA-256 here, the S3 server's work there, often on the same machine), and more of them than
/// the cores can serve only add connections, buffers and task switches: on a 2-core machine, 16 validate a day of
/// logs from a local trailrunner ~25 % faster than 64 (BENCHMARKS.md).
fn default_concurrency() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    (8 * cores).clamp(8, 64)
}

/// On stderr, only when it is a terminal.
fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {msg:>12} [{bar:40}] {pos}/{len} ({per_sec}, {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// Lists, fetches the digests, plans, fetches and hashes the log files, and returns the report.
async fn validate(
    source: &Arc<Source>,
    request: &ValidateRequest<'_>,
    keys: impl Future<Output = anyhow::Result<PublicKeys>>,
    chain: ChainCheck,
    concurrency: usize,
    progress: &ProgressBar,
) -> anyhow::Result<Report> {
    let location = request.location;
    let region = request.source_region.unwrap_or(&location.home_region);
    let matcher = location.digest_key_matcher(region);
    let last = format_key_time(request.end + SignedDuration::from_hours(1));
    progress.set_message("listing");
    let mut tried: HashSet<(String, String)> = HashSet::new();
    let listed_digests = async {
        // The CLI stops at the first matching key past end + 1 h; keys that do not match are skipped, not a stop.
        let listed = source
            .list(
                &location.bucket,
                &location.digest_prefix(region),
                &location.digest_list_marker(region, request.start),
                |key| {
                    !matcher.is_match(key)
                        || extract_digest_key_date(key).unwrap_or("") <= last.as_str()
                },
            )
            .await?;
        let wanted: Vec<(String, String)> = listed
            .into_iter()
            .filter(|k| matcher.is_match(k))
            .map(|k| (location.bucket.clone(), k))
            .collect();
        progress.set_message("digests");
        fetch_digests(source, wanted, &mut tried, concurrency, progress).await
    };
    let (keys, mut digests) = tokio::try_join!(keys, listed_digests)?;
    let keys = &keys;
    let options = ValidateOptions { chain };
    // A link can lead outside the listing (another bucket, an older key): fetch what the walk missed and re-plan.
    let plan = loop {
        let plan = plan(request, &digests, keys, options)?;
        let missing: Vec<(String, String)> = plan_missing(&plan)
            .into_iter()
            .filter(|loc| !tried.contains(loc))
            .collect();
        if missing.is_empty() {
            break plan;
        }
        digests.extend(fetch_digests(source, missing, &mut tried, concurrency, progress).await?);
    };
    progress.set_message("log files");
    let checks = plan.checks();
    progress.inc_length(checks.len() as u64);
    let mut outcomes = vec![None; checks.len()];
    // Each check is a task of its own, so gunzip and hashing spread over every core (polled inside one stream,
    // they would all run on the thread that polls it).
    let mut results = stream::iter(checks.iter().cloned().enumerate())
        .map(|(i, check)| {
            let source = source.clone();
            tokio::spawn(async move {
                let fetched = match check.location() {
                    Some((bucket, key)) => source.hash_log(bucket, key).await?,
                    None => None,
                };
                anyhow::Ok((i, log_hash::outcome(&check, fetched)))
            })
        })
        .buffer_unordered(concurrency);
    while let Some(result) = results.next().await {
        let (i, outcome) = result??;
        outcomes[i] = Some(outcome);
        progress.inc(1);
    }
    drop(results);
    let outcomes = outcomes
        .into_iter()
        .map(|o| o.expect("every check ran"))
        .collect();
    Ok(plan.into_report(outcomes))
}

/// Digests the plan reported "not found" (read from a report with placeholder log outcomes: the digest entries do
/// not depend on them).
fn plan_missing(plan: &trailrunner_trail_digest::Plan) -> Vec<(String, String)> {
    let placeholder = vec![LogFileOutcome::Valid; plan.checks().len()];
    plan.clone()
        .into_report(placeholder)
        .entries
        .into_iter()
        .filter_map(|e| match e {
            Entry::Digest {
                bucket,
                key,
                outcome: DigestOutcome::NotFound,
                ..
            } => Some((bucket, key)),
            _ => None,
        })
        .collect()
}

async fn fetch_digests(
    source: &Source,
    locations: Vec<(String, String)>,
    tried: &mut HashSet<(String, String)>,
    concurrency: usize,
    progress: &ProgressBar,
) -> anyhow::Result<Vec<DigestObject>> {
    progress.inc_length(locations.len() as u64);
    tried.extend(locations.iter().cloned());
    let mut fetched = stream::iter(locations)
        .map(|(bucket, key)| async move {
            let object = source.get(&bucket, &key).await?;
            anyhow::Ok(object.map(|o| DigestObject {
                bucket,
                key,
                body: o.body,
                metadata: o.metadata,
            }))
        })
        .buffer_unordered(concurrency);
    let mut digests = Vec::new();
    while let Some(result) = fetched.next().await {
        digests.extend(result?);
        progress.inc(1);
    }
    Ok(digests)
}
