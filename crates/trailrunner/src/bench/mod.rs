//! `trailrunner bench`: a load generator sending correctly signed requests for one operation.
//!
//! Each of `--concurrency` connections runs a closed loop (send, wait for the answer, send again) for
//! `--duration` seconds; latencies go into per-connection HDR histograms that are merged at the end. Signing uses
//! the official `aws-sigv4` crate; because a signature only depends on the request and its second
//! (`X-Amz-Date`), each connection re-signs once per second and sends that real signed request until the second
//! changes, so the generator's own cost stays far below the server's. Every request is still verified by the
//! server in full.
//!
//! `--trivial` measures the generator's own ceiling against a built-in server that answers every request with
//! `{}` at once; `--yardstick` measures the reference of issue 4's goal, a built-in minimal server that verifies
//! each signature and group-commits one row per request to SQLite with full sync before answering;
//! `--emit-wrk FILE` writes a wrk script replaying one signed request, to cross-check the figures with an
//! independent client (the request stays valid for the server's 15-minute skew window).

mod client;
mod pairs;
mod report;
mod signer;
mod trivial;
mod yardstick;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Args;

use crate::datadir;

#[derive(Args, Clone)]
pub(crate) struct BenchArgs {
    /// The operation, as `<service>:<Operation>`: `apprunner:ListServices`, `sts:GetCallerIdentity`, …
    #[arg(long, default_value = "apprunner:ListServices")]
    pub(crate) operation: String,
    /// The JSON request body (awsJson services) or form parameters (awsQuery services, without Action/Version).
    #[arg(long, default_value = "{}")]
    pub(crate) body: String,
    /// Connections, each with one request in flight.
    #[arg(long, default_value_t = 64)]
    pub(crate) concurrency: usize,
    /// Seconds of measurement.
    #[arg(long, default_value_t = 10.0)]
    pub(crate) duration: f64,
    /// Seconds of warm-up before measuring.
    #[arg(long, default_value_t = 1.0)]
    pub(crate) warmup: f64,
    /// The server's data dir (root credentials, endpoint).
    #[arg(long, env = "TRAILRUNNER_DATA_DIR", default_value_os_t = datadir::default_dir())]
    pub(crate) data_dir: PathBuf,
    /// Endpoint URL; default: the one the last `serve` of the data dir listened on.
    #[arg(long, env = "TRAILRUNNER_ENDPOINT")]
    pub(crate) endpoint: Option<String>,
    /// Region of the credential scope.
    #[arg(long, default_value = "us-east-1")]
    pub(crate) region: String,
    /// Benchmark the generator itself against a built-in trivial server (its ceiling on this machine).
    #[arg(long)]
    pub(crate) trivial: bool,
    /// Benchmark a built-in minimal server that verifies each request's signature and group-commits one row per
    /// request to SQLite (WAL, synchronous=FULL) before answering: what recording is measured against.
    #[arg(long, conflicts_with = "trivial")]
    pub(crate) yardstick: bool,
    /// Write a wrk Lua script replaying one signed request of this operation, then exit.
    #[arg(long)]
    pub(crate) emit_wrk: Option<PathBuf>,
    /// A multi-call scenario instead of one operation: `create-delete` runs App Runner CreateService/DeleteService
    /// pairs (run the server with a short --lifecycle-delay and a large --quota services=N).
    #[arg(long, value_parser = ["create-delete"])]
    pub(crate) scenario: Option<String>,
    /// create-delete: how long after its create a service's delete is first tried.
    #[arg(long, default_value_t = 0.05)]
    pub(crate) grace: f64,
    /// Client threads (default: the number of cores).
    #[arg(long)]
    pub(crate) threads: Option<usize>,
}

pub(crate) fn run(args: BenchArgs) -> anyhow::Result<()> {
    let operation = signer::Operation::parse(&args.operation, &args.body)?;
    let threads = args.threads.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()?;
    let mut _yardstick = None;
    let (endpoint, credentials, _trivial) = if args.trivial {
        let server = trivial::start()?;
        (
            server.endpoint(),
            signer::Credentials::placeholder(),
            Some(server),
        )
    } else if args.yardstick {
        let credentials = signer::Credentials::placeholder();
        let server = yardstick::start(&credentials)?;
        let endpoint = server.endpoint();
        _yardstick = Some(server);
        (endpoint, credentials, None)
    } else {
        let creds = datadir::read_credentials(&args.data_dir)
            .context("reading the server's root credentials")?;
        (
            datadir::endpoint(&args.data_dir, args.endpoint.as_deref()),
            signer::Credentials {
                access_key_id: creds.access_key_id,
                secret_access_key: creds.secret_access_key,
            },
            None,
        )
    };
    let target = client::Target::new(&endpoint, operation, credentials, args.region.clone())?;
    if let Some(path) = &args.emit_wrk {
        let script = target.wrk_script()?;
        std::fs::write(path, script).with_context(|| format!("writing {}", path.display()))?;
        eprintln!(
            "wrote {} (valid for 15 minutes): wrk -t2 -c{} -d10s -s {} {endpoint}",
            path.display(),
            args.concurrency,
            path.display()
        );
        return Ok(());
    }
    if args.scenario.is_some() {
        let outcome = runtime.block_on(pairs::run(
            target,
            args.concurrency.max(1),
            Duration::from_secs_f64(args.warmup.max(0.0)),
            Duration::from_secs_f64(args.duration.max(0.1)),
            Duration::from_secs_f64(args.grace.max(0.0)),
        ))?;
        println!(
            "{}",
            report::render(&args, &endpoint, threads, &outcome.calls)
        );
        let secs = outcome.calls.elapsed.as_secs_f64();
        println!(
            "pairs        {} CreateService/DeleteService pairs ({:.0} pairs/s)",
            outcome.pairs,
            outcome.pairs as f64 / secs
        );
        return Ok(());
    }
    let outcome = runtime.block_on(client::run(
        target,
        args.concurrency.max(1),
        Duration::from_secs_f64(args.warmup.max(0.0)),
        Duration::from_secs_f64(args.duration.max(0.1)),
    ))?;
    println!("{}", report::render(&args, &endpoint, threads, &outcome));
    Ok(())
}
