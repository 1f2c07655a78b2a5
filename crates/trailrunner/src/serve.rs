//! `trailrunner serve`: the server on the embedded default.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use trailrunner_api::{SystemClock, SystemEntropy};
use trailrunner_server::{IpNet, ServerConfig};

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
    /// How long Event history keeps records: a number with a unit, `s`, `m`, `h` or `d`.
    #[arg(long, env = "TRAILRUNNER_EVENT_RETENTION", default_value = "90d", value_parser = parse_duration)]
    event_retention: Duration,
    /// How often records past the retention are removed.
    #[arg(long, env = "TRAILRUNNER_RETENTION_SWEEP_INTERVAL", default_value = "5m", value_parser = parse_duration)]
    retention_sweep_interval: Duration,
    /// A reverse proxy (address or CIDR range) whose X-Forwarded-For header is believed; repeatable.
    #[arg(
        long = "trusted-proxy",
        env = "TRAILRUNNER_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    trusted_proxies: Vec<IpNet>,
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
    config.event_retention = args.event_retention;
    config.retention_sweep_interval = args.retention_sweep_interval;
    config.trusted_proxies = args.trusted_proxies;
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

/// `90d`, `5m`, `30s`, `2h`, or plain seconds.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let n: u64 = number
        .parse()
        .map_err(|_| format!("not a duration: {text:?} (like 90d, 5m, 30s)"))?;
    let secs = match unit {
        "s" => n,
        "m" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        "d" => n.saturating_mul(86_400),
        _ => return Err(format!("unknown unit in {text:?}: use s, m, h or d")),
    };
    if secs == 0 {
        return Err("a duration must be positive".into());
    }
    Ok(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90d"), Ok(Duration::from_secs(90 * 86_400)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("7"), Ok(Duration::from_secs(7)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("3w").is_err());
        assert!(parse_duration("").is_err());
    }
}
