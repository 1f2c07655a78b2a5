//! trailrunner-model: the wire shapes of the services trailrunner speaks.
//!
//! **Invariant: generated files are never hand-edited.** Everything under
//! `src/generated/` is written by `trailrunner-codegen` from the pinned models in
//! `models/*.json` (botocore 1.43.11 without prose); `cargo test -p trailrunner-codegen`
//! fails when regenerating would change them. Change the generator or the models and
//! run `cargo run -p trailrunner-codegen`, never the output.
//!
//! What is here:
//! - Static tables per service ([`apprunner()`], [`cloudtrail()`], [`sts()`], [`iam()`]):
//!   operations ([`Operation`]: input/output shapes, modeled errors, CloudTrail
//!   `readOnly`, sensitive member paths) and shapes ([`Shape`], [`ShapeKind`]) with
//!   their constraints.
//! - serde types for the awsJson services: [`apprunner::CreateServiceRequest`](mod@apprunner),
//!   [`cloudtrail::LookupEventsRequest`](mod@cloudtrail), ... (`Debug` never prints sensitive members).
//! - [`validate_input`]: the generic model-driven input validator (AWS-style messages).
//! - [`cloudtrail_view::render`]: the CloudTrail `requestParameters` /
//!   `responseElements` form of a request or response body.
//!
//! Sensitive path notation ([`Operation::sensitive_input_paths`]): PascalCase wire
//! member names joined by `.`; lists and map values add no segment; a path ends at the
//! hidden member (a sensitive value, or a list/map of sensitive values, hidden whole).

pub mod cloudtrail_view;
pub mod epoch;
mod generated;
pub mod pattern;
mod scalar;
pub mod service;
pub mod shape;
pub mod validate;
mod violation;

pub use pattern::{Pattern, PatternEngine};
pub use service::{Operation, Protocol, ServiceModel};
pub use shape::{ErrorInfo, Member, Shape, ShapeId, ShapeKind};
pub use validate::{validate_input, InputError, MAX_DEPTH};
pub use violation::{format_violations, Violation, MAX_LISTED_VIOLATIONS};

/// The text AWS puts in place of sensitive values (CloudTrail records, `Debug`).
pub const HIDDEN: &str = "HIDDEN_DUE_TO_SECURITY_REASONS";

/// App Runner 2020-05-15 (awsJson 1.0).
pub fn apprunner() -> &'static ServiceModel {
    &generated::apprunner_shapes::SERVICE
}

/// CloudTrail 2013-11-01 (awsJson 1.1).
pub fn cloudtrail() -> &'static ServiceModel {
    &generated::cloudtrail_shapes::SERVICE
}

/// STS 2011-06-15 (awsQuery).
pub fn sts() -> &'static ServiceModel {
    &generated::sts_shapes::SERVICE
}

/// IAM 2010-05-08 (awsQuery).
pub fn iam() -> &'static ServiceModel {
    &generated::iam_shapes::SERVICE
}

/// trailrunner's own operations (`models/trailrunner.json`): App Runner actions taken outside App Runner's public
/// API, like completing a connection's handshake with the repository provider.
pub fn trailrunner() -> &'static ServiceModel {
    &generated::trailrunner_shapes::SERVICE
}

/// All generated services, in a fixed order.
pub fn services() -> [&'static ServiceModel; 5] {
    [apprunner(), cloudtrail(), sts(), iam(), trailrunner()]
}

/// A service by its trailrunner id (`"apprunner"`, `"cloudtrail"`, `"sts"`, `"iam"`, `"trailrunner"`).
pub fn service(id: &str) -> Option<&'static ServiceModel> {
    services().into_iter().find(|s| s.id == id)
}

/// serde types of the App Runner wire shapes.
pub mod apprunner {
    pub use crate::generated::apprunner_types::*;
}

/// serde types of the CloudTrail wire shapes.
pub mod cloudtrail {
    pub use crate::generated::cloudtrail_types::*;
}
