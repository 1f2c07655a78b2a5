//! Everything the server is started with.

use std::net::SocketAddr;
use std::path::PathBuf;

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
    /// Open connections at most; further clients wait in the accept queue.
    pub max_connections: usize,
    /// How far a request's signing time may be from the server clock.
    pub max_skew_secs: i64,
    pub durability: Durability,
}

impl ServerConfig {
    pub fn new(data_dir: PathBuf) -> Self {
        ServerConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 4566)),
            data_dir,
            default_region: "us-east-1".into(),
            account_id: None,
            max_body_bytes: 1024 * 1024,
            max_connections: 4096,
            max_skew_secs: 15 * 60,
            durability: Durability::Full,
        }
    }
}
