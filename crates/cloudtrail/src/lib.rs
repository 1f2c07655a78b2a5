//! CloudTrail (`com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.*`, awsJson 1.1).
//!
//! Event history (`LookupEvents`), trails and digests arrive with the recording and trail work; until then every
//! operation of the model answers an explicit `NotImplementedException` (HTTP 501).

use async_trait::async_trait;
use trailrunner_api::{ApiError, CallContext, Outcome, ServiceHandler};

/// The operations built so far (the compatibility table in the docs is generated from this).
pub const IMPLEMENTED: &[&str] = &[];

pub struct CloudTrailHandler;

#[async_trait]
impl ServiceHandler for CloudTrailHandler {
    fn event_source(&self) -> &'static str {
        "cloudtrail.amazonaws.com"
    }

    fn implements(&self, operation: &str) -> bool {
        IMPLEMENTED.contains(&operation)
    }

    async fn call(
        &self,
        _ctx: &CallContext,
        operation: &str,
        _input: &serde_json::Value,
    ) -> Result<Outcome, ApiError> {
        Err(ApiError::not_implemented(operation))
    }

    fn validation_error(&self, message: String) -> ApiError {
        ApiError::client("InvalidParameterException", message)
    }
}
