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
    /// Largest object the embedded bucket store accepts in one S3 PutObject, in bytes (held in memory while it
    /// is received).
    #[arg(long, env = "TRAILRUNNER_MAX_OBJECT_BYTES", default_value_t = 64 * 1024 * 1024)]
    max_object_bytes: usize,
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
    /// How long an App Runner service operation (and the other asynchronous transitions) takes: like `2s`,
    /// `100ms`, or `0`.
    #[arg(long, env = "TRAILRUNNER_LIFECYCLE_DELAY", default_value = "2s", value_parser = parse_span)]
    lifecycle_delay: Duration,
    /// An App Runner quota per account and region, `<name>=<n>`; repeatable. Names: services (default 30),
    /// connections (10), auto-scaling-configurations (10), observability-configurations (10), vpc-connectors
    /// (10), vpc-ingress-connections (1).
    #[arg(long = "quota", value_parser = parse_quota)]
    quotas: Vec<(String, usize)>,
    /// Seconds between a trail's log file deliveries (CloudTrail: about 5 minutes).
    #[arg(long, env = "TRAILRUNNER_DELIVERY_INTERVAL", default_value_t = 300,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    delivery_interval: u64,
    /// Seconds per digest period of trails with log file validation (CloudTrail: an hour).
    #[arg(long, env = "TRAILRUNNER_DIGEST_INTERVAL", default_value_t = 3600,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    digest_interval: u64,
    /// A bucket that lives on an external S3-compatible endpoint, `NAME=URL` (like
    /// `trail-logs=http://127.0.0.1:9000`); repeatable. Trails deliver to it there instead of the embedded store.
    #[arg(
        long = "external-bucket",
        env = "TRAILRUNNER_EXTERNAL_BUCKETS",
        value_delimiter = ',',
        value_name = "NAME=URL",
        value_parser = parse_external_bucket
    )]
    external_buckets: Vec<(String, String)>,
    /// Access key id the external buckets' requests are signed with.
    #[arg(long, env = "TRAILRUNNER_EXTERNAL_S3_ACCESS_KEY_ID")]
    external_s3_access_key_id: Option<String>,
    /// Secret of --external-s3-access-key-id. Prefer the environment variable: a flag is visible to other local
    /// users.
    #[arg(
        long,
        env = "TRAILRUNNER_EXTERNAL_S3_SECRET_ACCESS_KEY",
        hide_env_values = true
    )]
    external_s3_secret_access_key: Option<String>,
    /// Region the external buckets' requests are signed for.
    #[arg(
        long,
        env = "TRAILRUNNER_EXTERNAL_S3_REGION",
        default_value = "us-east-1"
    )]
    external_s3_region: String,
    /// How long a digest-signing key pair signs before a new one replaces it (both stay published by
    /// ListPublicKeys for their validity periods): like `30d`, `1h`; `0` never rotates.
    #[arg(long, env = "TRAILRUNNER_DIGEST_KEY_ROTATION", default_value = "30d", value_parser = parse_span)]
    digest_key_rotation: Duration,
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
    config.max_object_bytes = args.max_object_bytes;
    config.max_connections = args.max_connections;
    config.event_retention = args.event_retention;
    config.retention_sweep_interval = args.retention_sweep_interval;
    config.trusted_proxies = args.trusted_proxies;
    config.apprunner.lifecycle_delay = args.lifecycle_delay;
    config.delivery.delivery_interval = Duration::from_secs(args.delivery_interval);
    config.delivery.digest_interval = Duration::from_secs(args.digest_interval);
    config.delivery.key_rotation = Some(args.digest_key_rotation).filter(|d| !d.is_zero());
    config.external_buckets = external_buckets_config(
        args.external_buckets,
        args.external_s3_access_key_id,
        args.external_s3_secret_access_key,
        args.external_s3_region,
    )?;
    for (name, n) in &args.quotas {
        config
            .apprunner
            .quotas
            .set(name, *n)
            .map_err(anyhow::Error::msg)?;
    }
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

/// `90d`, `5m`, `30s`, `2h`, `250ms`, or plain seconds; zero allowed.
fn parse_span(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let n: u64 = number
        .parse()
        .map_err(|_| format!("not a duration: {text:?} (like 90d, 5m, 30s, 250ms)"))?;
    let millis = match unit {
        "ms" => n,
        "s" => n.saturating_mul(1000),
        "m" => n.saturating_mul(60_000),
        "h" => n.saturating_mul(3_600_000),
        "d" => n.saturating_mul(86_400_000),
        _ => return Err(format!("unknown unit in {text:?}: use ms, s, m, h or d")),
    };
    Ok(Duration::from_millis(millis))
}

/// A positive [`parse_span`].
fn parse_duration(text: &str) -> Result<Duration, String> {
    let span = parse_span(text)?;
    if span.is_zero() {
        return Err("a duration must be positive".into());
    }
    Ok(span)
}

/// `--external-bucket NAME=URL`: a valid bucket name and an http(s) URL without path.
fn parse_external_bucket(text: &str) -> Result<(String, String), String> {
    let (name, url) = text.split_once('=').ok_or_else(|| {
        format!("expected NAME=URL, like trail-logs=http://127.0.0.1:9000; got {text:?}")
    })?;
    let (name, url) = (name.trim(), url.trim().trim_end_matches('/'));
    let name_ok = (3..=63).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    if !name_ok {
        return Err(format!("{name:?} is not an S3 bucket name"));
    }
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or_else(|| format!("the endpoint of {name} must be an http:// or https:// URL"))?;
    if rest.is_empty() || rest.contains(['/', '?', '#']) {
        return Err(format!(
            "the endpoint of {name} must be scheme://host[:port], without a path (path-style requests add the bucket)"
        ));
    }
    Ok((name.to_owned(), url.to_owned()))
}

/// The external bucket settings; credentials are required once any bucket is external.
fn external_buckets_config(
    buckets: Vec<(String, String)>,
    access_key_id: Option<String>,
    secret_access_key: Option<String>,
    region: String,
) -> anyhow::Result<trailrunner_server::ExternalBucketsConfig> {
    let mut seen = std::collections::HashSet::new();
    for (name, _) in &buckets {
        if !seen.insert(name.as_str()) {
            anyhow::bail!("--external-bucket {name} is given twice");
        }
    }
    let (access_key_id, secret_access_key) = match (access_key_id, secret_access_key) {
        (Some(id), Some(secret)) => (id, secret),
        _ if buckets.is_empty() => (String::new(), String::new()),
        _ => anyhow::bail!(
            "--external-bucket needs --external-s3-access-key-id and --external-s3-secret-access-key \
             (or TRAILRUNNER_EXTERNAL_S3_ACCESS_KEY_ID and TRAILRUNNER_EXTERNAL_S3_SECRET_ACCESS_KEY)"
        ),
    };
    Ok(trailrunner_server::ExternalBucketsConfig {
        buckets,
        region,
        access_key_id,
        secret_access_key,
    })
}

/// `--quota <name>=<n>`.
fn parse_quota(text: &str) -> Result<(String, usize), String> {
    let (name, n) = text
        .split_once('=')
        .ok_or_else(|| format!("expected <name>=<number>, like services=100; got {text:?}"))?;
    let n = n
        .trim()
        .parse()
        .map_err(|_| format!("not a number in {text:?}"))?;
    trailrunner_apprunner::Quotas::default().set(name.trim(), n)?;
    Ok((name.trim().to_owned(), n))
}

#[cfg(test)]
mod tests {
    use super::{
        external_buckets_config, parse_duration, parse_external_bucket, parse_quota, parse_span,
    };
    use std::time::Duration;

    #[test]
    fn external_buckets() {
        assert_eq!(
            parse_external_bucket("trail-logs=http://127.0.0.1:9000/"),
            Ok(("trail-logs".into(), "http://127.0.0.1:9000".into()))
        );
        assert!(parse_external_bucket("trail-logs").is_err());
        assert!(parse_external_bucket("Bad_Name=http://h:1").is_err());
        assert!(parse_external_bucket("logs=ftp://h").is_err());
        assert!(parse_external_bucket("logs=http://h:1/logs").is_err());
        let one = vec![("logs".to_owned(), "http://h:1".to_owned())];
        assert!(external_buckets_config(one.clone(), None, None, "us-east-1".into()).is_err());
        assert!(external_buckets_config(
            vec![one[0].clone(), one[0].clone()],
            Some("a".into()),
            Some("b".into()),
            "us-east-1".into()
        )
        .is_err());
        let config =
            external_buckets_config(one, Some("a".into()), Some("b".into()), "eu-west-1".into())
                .unwrap();
        assert_eq!(config.region, "eu-west-1");
        assert!(
            external_buckets_config(Vec::new(), None, None, "us-east-1".into())
                .unwrap()
                .buckets
                .is_empty()
        );
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90d"), Ok(Duration::from_secs(90 * 86_400)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("7"), Ok(Duration::from_secs(7)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("3w").is_err());
        assert!(parse_duration("").is_err());
        assert_eq!(parse_span("0"), Ok(Duration::ZERO));
        assert_eq!(parse_span("250ms"), Ok(Duration::from_millis(250)));
    }

    #[test]
    fn quotas() {
        assert_eq!(parse_quota("services=100"), Ok(("services".into(), 100)));
        assert!(parse_quota("services").is_err());
        assert!(parse_quota("services=0").is_err());
        assert!(parse_quota("dragons=3").is_err());
    }
}
