//! Everything the server is started with.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use trailrunner_store::sqlite::Durability;

#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    /// The region for requests that carry none (and what `trailrunner env` suggests).
    pub default_region: String,
    /// The account id for a new data dir; must match the stored one afterwards.
    pub account_id: Option<String>,
    /// Largest accepted request body for API calls.
    pub max_body_bytes: usize,
    /// Largest request body for the S3 API of the embedded bucket store (objects are held in memory while they
    /// are received).
    pub max_object_bytes: usize,
    /// Open connections at most; further clients wait in the accept queue.
    pub max_connections: usize,
    /// How far a request's signing time may be from the server clock.
    pub max_skew_secs: i64,
    pub durability: Durability,
    /// How long Event history keeps records (CloudTrail: 90 days).
    pub event_retention: Duration,
    /// How often expired records are swept.
    pub retention_sweep_interval: Duration,
    /// Peers whose `X-Forwarded-For` is believed (reverse proxies in front of trailrunner).
    pub trusted_proxies: Vec<IpNet>,
    /// App Runner quotas and lifecycle timing.
    pub apprunner: trailrunner_apprunner::AppRunnerConfig,
    /// Trail delivery and digest periods.
    pub delivery: trailrunner_delivery::DeliveryConfig,
    /// Buckets that live on external S3-compatible endpoints instead of the embedded store.
    pub external_buckets: ExternalBucketsConfig,
}

/// `--external-bucket NAME=URL` (repeatable) and the one set of credentials they are signed with. `Debug` never
/// shows the secret.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ExternalBucketsConfig {
    /// Bucket name → endpoint URL, in the order given.
    pub buckets: Vec<(String, String)>,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl std::fmt::Debug for ExternalBucketsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExternalBucketsConfig")
            .field("buckets", &self.buckets)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"** redacted **")
            .finish()
    }
}

impl ExternalBucketsConfig {
    /// `embedded` with the configured names routed to their endpoints (one client set per distinct URL), or
    /// `embedded` itself when none are configured.
    pub fn router(
        &self,
        embedded: trailrunner_buckets::SharedBuckets,
    ) -> trailrunner_buckets::SharedBuckets {
        use std::collections::HashMap;
        use trailrunner_buckets::{BucketRouter, ExternalBuckets, ExternalEndpoint, SharedBuckets};
        if self.buckets.is_empty() {
            return embedded;
        }
        let mut by_url: HashMap<&str, SharedBuckets> = HashMap::new();
        let mut router = BucketRouter::new(embedded);
        for (name, url) in &self.buckets {
            let store = by_url
                .entry(url.as_str())
                .or_insert_with(|| {
                    std::sync::Arc::new(ExternalBuckets::new(ExternalEndpoint {
                        url: url.clone(),
                        region: self.region.clone(),
                        access_key_id: self.access_key_id.clone(),
                        secret_access_key: self.secret_access_key.clone(),
                    }))
                })
                .clone();
            router = router.route(name, store);
        }
        router.shared()
    }
}

/// An address range (`10.0.0.0/8`, `::1/128`, or a bare address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl std::str::FromStr for IpNet {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr
            .trim()
            .parse()
            .map_err(|_| format!("not an IP address: {addr:?}"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("bad prefix length: {p:?}"))?,
        };
        Ok(IpNet { addr, prefix })
    }
}

impl ServerConfig {
    pub fn new(data_dir: PathBuf) -> Self {
        ServerConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 4566)),
            data_dir,
            default_region: "us-east-1".into(),
            account_id: None,
            max_body_bytes: 1024 * 1024,
            max_object_bytes: 64 * 1024 * 1024,
            max_connections: 4096,
            max_skew_secs: 15 * 60,
            durability: Durability::Full,
            event_retention: Duration::from_secs(90 * 24 * 3600),
            retention_sweep_interval: Duration::from_secs(300),
            apprunner: trailrunner_apprunner::AppRunnerConfig::default(),
            trusted_proxies: Vec::new(),
            delivery: trailrunner_delivery::DeliveryConfig::default(),
            external_buckets: ExternalBucketsConfig::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{ExternalBucketsConfig, IpNet};

    #[test]
    fn external_bucket_config_hides_the_secret() {
        let config = ExternalBucketsConfig {
            buckets: vec![("logs".into(), "http://127.0.0.1:9000".into())],
            region: "us-east-1".into(),
            access_key_id: "AKIAEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI".into(),
        };
        let text = format!("{config:?}");
        assert!(text.contains("logs") && text.contains("AKIAEXAMPLE"));
        assert!(!text.contains("wJalrXUtnFEMI"));
    }

    #[test]
    fn ranges_contain_what_they_should() {
        let net: IpNet = "10.1.0.0/16".parse().unwrap();
        assert!(net.contains("10.1.200.3".parse().unwrap()));
        assert!(!net.contains("10.2.0.1".parse().unwrap()));
        assert!(!net.contains("::1".parse().unwrap()));
        let one: IpNet = "127.0.0.1".parse().unwrap();
        assert!(one.contains("127.0.0.1".parse().unwrap()));
        assert!(!one.contains("127.0.0.2".parse().unwrap()));
        let all: IpNet = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("192.0.2.7".parse().unwrap()));
        let v6: IpNet = "fd00::/8".parse().unwrap();
        assert!(v6.contains("fd12::1".parse().unwrap()));
        assert!("10.0.0.0/33".parse::<IpNet>().is_err());
        assert!("nonsense".parse::<IpNet>().is_err());
    }
}
