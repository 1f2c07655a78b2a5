//! Assembly of the trailrunner server: the listener with its limits and graceful shutdown, the request pipeline
//! (the edge), and the services mounted on it. No business logic lives here.

mod config;
mod edge;
mod listener;
mod registry;
mod retention;
mod state;

pub use config::{ExternalBucketsConfig, IpNet, ServerConfig};
pub use listener::{
    start, Running, StartError, BUCKETS_DIR, CREDENTIALS_FILE, DATABASE_FILE, ENDPOINT_FILE,
};
