//! `trailrunner serve`: the server on the embedded default.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use trailrunner_api::{SystemClock, SystemEntropy};
use trailrunner_server::ServerConfig;

use crate::datadir;

#[derive(Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "TRAILRUNNER_BIND", default_value = "127.0.0.1:4566")]
    bind: SocketAddr,
    /// Where the database, credentials and bucket folders live; created on first start.
    #[arg(long, env = "TRAILRUNNER_DATA_DIR", default_value_os_t = datadir::default_dir())]
    data_dir: PathBuf,
    /// Region for requests that carry none.
    #[arg(long, env = "TRAILRUNNER_REGION", default_value = "us-east-1")]
    region: String,
    /// Account id of a new data dir (stored afterwards; a different value later is refused).
    #[arg(long, env = "TRAILRUNNER_ACCOUNT_ID")]
    account_id: Option<String>,
    /// Largest accepted API request body, in bytes.
    #[arg(long, env = "TRAILRUNNER_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    max_body_bytes: usize,
    /// Most connections served at once.
    #[arg(long, env = "TRAILRUNNER_MAX_CONNECTIONS", default_value_t = 4096)]
    max_connections: usize,
    /// Log filter (tracing's EnvFilter syntax).
    #[arg(long, env = "TRAILRUNNER_LOG", default_value = "info")]
    log: String,
}

pub(crate) fn run(args: ServeArgs) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_new(&args.log)?)
        .with_writer(std::io::stderr)
        .init();
    let mut config = ServerConfig::new(args.data_dir.clone());
    config.bind = args.bind;
    config.default_region = args.region;
    config.account_id = args.account_id;
    config.max_body_bytes = args.max_body_bytes;
    config.max_connections = args.max_connections;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let running =
            trailrunner_server::start(config, Arc::new(SystemClock), Arc::new(SystemEntropy))
                .await?;
        // These lines are the interface for people and scripts: the endpoint first, then the credentials' home.
        println!("trailrunner listening on {}", running.endpoint());
        println!(
            "account {}; root credentials in {}",
            running.root.account_id,
            running.credentials_file.display()
        );
        println!(
            "use it from a shell with: eval \"$(trailrunner env --data-dir {})\"",
            args.data_dir.display()
        );
        wait_for_signal().await?;
        tracing::info!("shutting down");
        running.shutdown().await;
        Ok(())
    })
}

async fn wait_for_signal() -> anyhow::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r?,
        _ = term.recv() => {}
    }
    Ok(())
}
