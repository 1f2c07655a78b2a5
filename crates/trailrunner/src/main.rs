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
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Env(args) => env::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Events(args) => events::run(args),
        Command::Connections(args) => connections::run(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("trailrunner: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
