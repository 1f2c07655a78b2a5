//! Where trails deliver: buckets.
//!
//! One trait, [`Buckets`], answers the two questions the rest of trailrunner asks of a bucket — does it exist
//! (and with which region, owner and policy), and put this object into it — whether the bucket lives in the
//! embedded bucket store (folders in the data dir, also served over the S3 REST API by the edge) or on an
//! external S3-compatible endpoint.

pub mod local;
pub mod s3;

use std::sync::Arc;

mod external;
mod router;

pub use external::{ExternalBuckets, ExternalEndpoint};
pub use router::BucketRouter;

use async_trait::async_trait;
use bytes::Bytes;

/// What CloudTrail needs to know about a bucket before delivering to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketInfo {
    pub name: String,
    /// The bucket's region (`GetBucketLocation`; `us-east-1` when created without a location constraint).
    pub region: String,
    /// The account that owns the bucket; `None` when the store cannot tell (external endpoints).
    pub owner_account: Option<String>,
    /// The bucket policy document, when one is set. `None` for external endpoints too, whose own access control
    /// governs (see [`BucketInfo::policy_known`]).
    pub policy: Option<String>,
    /// Whether `policy` is authoritative (the embedded store) or unknown (an external endpoint).
    pub policy_known: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum BucketError {
    #[error("The specified bucket does not exist: {0}")]
    NoSuchBucket(String),
    #[error("bucket store I/O failed: {0}")]
    Io(String),
    #[error("the S3 endpoint refused or failed: {0}")]
    Remote(String),
}

/// A bucket store trails can deliver to.
#[async_trait]
pub trait Buckets: Send + Sync + 'static {
    /// The bucket's facts, or `None` when no such bucket exists.
    async fn bucket(&self, name: &str) -> Result<Option<BucketInfo>, BucketError>;

    /// Write an object whole, replacing any object of the same key; returns once it is durable. `metadata` is
    /// user metadata without the `x-amz-meta-` prefix, names in lower case.
    async fn put_object(
        &self,
        bucket: &str,
        key: &str,
        body: Bytes,
        metadata: &[(String, String)],
    ) -> Result<(), BucketError>;
}

pub type SharedBuckets = Arc<dyn Buckets>;

pub use local::LocalBuckets;
