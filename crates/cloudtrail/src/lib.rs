//! CloudTrail (`com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.*`, awsJson 1.1).
//!
//! Event history (`LookupEvents`) is served from the records the edge commits with every call. Trails and digests
//! arrive with the trails work; until then those operations answer an explicit `NotImplementedException` (501).

mod errors;
mod handler;
mod lookup;
pub mod public_keys;
pub mod trail_rows;

pub use handler::{CloudTrailHandler, IMPLEMENTED};
