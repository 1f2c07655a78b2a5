//! STS: `GetCallerIdentity` now; the temporary-credential operations arrive with the identity work.

use async_trait::async_trait;
use serde_json::json;
use trailrunner_api::{ApiError, CallContext, Outcome, ServiceHandler};

/// The STS operations built so far (the compatibility table in the docs is generated from this).
pub const STS_IMPLEMENTED: &[&str] = &["GetCallerIdentity"];

pub struct StsHandler;

#[async_trait]
impl ServiceHandler for StsHandler {
    fn event_source(&self) -> &'static str {
        "sts.amazonaws.com"
    }

    fn implements(&self, operation: &str) -> bool {
        STS_IMPLEMENTED.contains(&operation)
    }

    async fn call(
        &self,
        ctx: &CallContext,
        operation: &str,
        _input: &serde_json::Value,
    ) -> Result<Outcome, ApiError> {
        match operation {
            "GetCallerIdentity" => Ok(Outcome::read(json!({
                "UserId": ctx.caller.principal_id,
                "Account": ctx.caller.account_id,
                "Arn": ctx.caller.arn,
            }))),
            other => Err(ApiError::not_implemented(other)),
        }
    }
}
