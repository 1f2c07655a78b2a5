//! CloudTrail (`com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.*`, awsJson 1.1).
//!
//! Event history (`LookupEvents`) is served from the records the edge commits with every call. Trails (create,
//! update, delete, describe, status, logging, event selectors, tags) and the digest keys (`ListPublicKeys`) are
//! kept as rows the delivery worker reads (`trail_rows`); delivery itself is not part of this crate.

mod bucket_policy;
mod errors;
mod handler;
#[cfg(test)]
mod handler_tests;
mod lookup;
pub mod public_keys;
mod selectors;
mod trail_lookup;
mod trail_names;
mod trail_queries;
pub mod trail_rows;
mod trail_settings;
mod trail_status;
mod trail_tags;
mod trails;

pub use handler::{CloudTrailHandler, IMPLEMENTED};
