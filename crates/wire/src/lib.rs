//! AWS wire protocols, knowing no service.
//!
//! - [`route`]: which protocol a request speaks (awsJson by `X-Amz-Target`, awsQuery by form body or `Action`,
//!   REST otherwise).
//! - [`json`] and [`query`]: decoding request bodies and framing responses for awsJson 1.0/1.1 and awsQuery.
//! - [`rest_xml`]: S3-style XML errors.
//! - [`render`]: the one place an [`ApiError`](trailrunner_api::ApiError) becomes bytes, per protocol.
//! - [`auth`]: signature failures as each protocol family names them.
//!
//! The route table of target prefixes is filled by the server at start-up; nothing here names a service.

pub mod auth;
pub mod json;
pub mod protocol;
pub mod query;
pub mod query_input;
pub mod render;
pub mod rest_xml;
pub mod route;
mod xml;

pub use protocol::Protocol;
pub use route::{classify, Route};

/// The response header carrying the request id (also the CloudTrail record's `requestID`).
pub const REQUEST_ID_HEADER: &str = "x-amzn-RequestId";
