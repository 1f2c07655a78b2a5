//! What every request can reach.

use std::sync::Arc;

use trailrunner_api::{Clock, Entropy};
use trailrunner_buckets::LocalBuckets;
use trailrunner_iam::{Authorizer, KeyRing};
use trailrunner_store::SharedStore;

use crate::registry::Registry;

pub(crate) struct AppState {
    pub(crate) store: SharedStore,
    pub(crate) keys: KeyRing,
    /// Identity-based policies, compiled and cached per identity.
    pub(crate) authz: Authorizer,
    pub(crate) registry: Registry,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) entropy: Arc<dyn Entropy>,
    pub(crate) max_body_bytes: usize,
    /// The embedded bucket store, served over the S3 API (`edge/rest_call.rs`).
    pub(crate) buckets: LocalBuckets,
    pub(crate) max_object_bytes: usize,
    /// S3 request bodies held in memory at once, in MiB permits (see `edge::rest_call`).
    pub(crate) object_memory: Arc<tokio::sync::Semaphore>,
    pub(crate) max_skew_secs: i64,
    pub(crate) trusted_proxies: Vec<crate::IpNet>,
}
