//! Trail delivery: what makes a trail a trail.
//!
//! A background worker ([`run`]) walks every trail that logs. For each, it reads the account's events from the
//! store's event feed after the trail's cursor, keeps what the trail selects, and writes gzip'd
//! `{"Records":[…]}` log files to the trail's bucket under CloudTrail's keys, about every `delivery_interval`
//! (CloudTrail: 5 minutes). With log file validation on, it also closes each region's digest period every
//! `digest_interval` (CloudTrail: an hour), writing a digest file that lists the period's log files, links to the
//! previous digest and is signed with the key pair kept in the data dir ([`DigestKeys`], published by
//! `ListPublicKeys`).
//!
//! Delivery is exactly once per trail (see [`state`]): a batch is planned durably before its objects are
//! written and acknowledged by the commit that moves the cursor, so a crash in between makes the worker write the
//! same bytes to the same keys again, never skip or duplicate a record. Failed writes are retried with backoff
//! and reported through the trail's status row (`GetTrailStatus`).

mod batch;
mod digest;
mod keys;
pub mod state;
mod worker;

pub use batch::LOG_GZIP_LEVEL;
pub use keys::{DigestKeys, KeyStoreError};
pub use worker::{run, Delivery, DeliveryConfig};

/// Why one trail's delivery step failed; the worker records it and retries later.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error(transparent)]
    Store(#[from] trailrunner_store::StoreError),
    #[error(transparent)]
    Bucket(#[from] trailrunner_buckets::BucketError),
    #[error("signing a digest failed: {0}")]
    Signing(String),
}
