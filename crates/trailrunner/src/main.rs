//! The `trailrunner` command: the server (`serve`) and client-side tools (`env`, `bench`, `events`,
//! `connections`). No business logic lives here: `serve` assembles the server crate, the others are clients of
//! the server's API.

mod bench;
mod client;
mod connections;
mod datadir;
mod env;
mod events;
mod serve;
mod validate_logs;

use clap::{Parser, Subcommand};

/// mimalloc instead of the system allocator: allocation was about a tenth of the server's CPU per request under
/// load with glibc malloc (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "trailrunner",
    version,
    about = "An App Runner control plane whose every call becomes a CloudTrail record"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server on the embedded default (SQLite and a local bucket folder in the data dir).
    Serve(serve::ServeArgs),
    /// Print `export` lines that point the AWS CLI, boto3 and the SDKs at a running server with root credentials.
    Env(env::EnvArgs),
    /// Load generator: correctly signed requests for one operation at a chosen concurrency.
    Bench(bench::BenchArgs),
    /// App Runner connection actions outside the API (completing a provider handshake).
    Connections(connections::ConnectionsArgs),
    /// Event history: look up recent API calls, or download a time range as a CloudTrail log file or CSV.
    Events(events::EventsArgs),
    /// Validate a trail's log files against its signed digests, like `aws cloudtrail validate-logs` (same
    /// arguments, output and exit status), from trailrunner's S3 API, another S3 endpoint or a local folder.
    ValidateLogs(validate_logs::ValidateLogsArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Env(args) => env::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Events(args) => events::run(args),
        Command::Connections(args) => connections::run(args),
        // Its own exit statuses: 1 for invalid files, 255 when it could not validate (as the AWS CLI).
        Command::ValidateLogs(args) => return validate_logs::main(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("trailrunner: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
