//! trailrunner's own App Runner operations (`TrailRunner.*`, model `models/trailrunner.json`): actions App Runner
//! users take outside the public API, in the console or at a repository provider. Their calls are recorded as
//! App Runner events like every other call.

use std::sync::Arc;

use async_trait::async_trait;
use trailrunner_api::{ApiError, CallContext, InvalidInput, Outcome, ServiceHandler};

use crate::handler::AppRunnerHandler;
use crate::{connections, errors};

/// The operations of `models/trailrunner.json` that are built (all of them).
pub const CONSOLE_IMPLEMENTED: &[&str] = &["CompleteConnectionHandshake"];

/// Shares the App Runner handler's store, tokens and configuration.
pub struct ConsoleHandler {
    apprunner: Arc<AppRunnerHandler>,
}

impl ConsoleHandler {
    pub fn new(apprunner: Arc<AppRunnerHandler>) -> Self {
        ConsoleHandler { apprunner }
    }
}

#[async_trait]
impl ServiceHandler for ConsoleHandler {
    fn event_source(&self) -> &'static str {
        "apprunner.amazonaws.com"
    }

    fn implements(&self, operation: &str) -> bool {
        CONSOLE_IMPLEMENTED.contains(&operation)
    }

    async fn call(
        &self,
        ctx: &CallContext,
        operation: &str,
        input: &serde_json::Value,
    ) -> Result<Outcome, ApiError> {
        match operation {
            "CompleteConnectionHandshake" => {
                connections::complete_handshake(&self.apprunner, ctx, input).await
            }
            other => Err(ApiError::not_implemented(other)),
        }
    }

    fn validation_error(&self, _operation: &str, invalid: InvalidInput) -> ApiError {
        errors::invalid_request(invalid.message)
    }
}
