//! Dispatch of CloudTrail operations.

use std::sync::Arc;

use async_trait::async_trait;
use trailrunner_api::{ApiError, CallContext, InvalidInput, Outcome, PageTokens, ServiceHandler};
use trailrunner_store::SharedStore;

use crate::{errors, lookup};

/// The operations built so far (the compatibility table in the docs is generated from this).
pub const IMPLEMENTED: &[&str] = &["LookupEvents"];

pub struct CloudTrailHandler {
    pub(crate) store: SharedStore,
    pub(crate) tokens: Arc<PageTokens>,
}

impl CloudTrailHandler {
    pub fn new(store: SharedStore, tokens: Arc<PageTokens>) -> Self {
        CloudTrailHandler { store, tokens }
    }
}

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
        ctx: &CallContext,
        operation: &str,
        input: &serde_json::Value,
    ) -> Result<Outcome, ApiError> {
        match operation {
            "LookupEvents" => lookup::lookup_events(self, ctx, input).await,
            other => Err(ApiError::not_implemented(other)),
        }
    }

    /// CloudTrail names the member that failed in the exception type.
    fn validation_error(&self, operation: &str, invalid: InvalidInput) -> ApiError {
        let first = invalid
            .paths
            .first()
            .map(String::as_str)
            .unwrap_or_default();
        let code = match (operation, first.split('.').next().unwrap_or_default()) {
            ("LookupEvents", "maxResults") => "InvalidMaxResultsException",
            ("LookupEvents", "lookupAttributes") => "InvalidLookupAttributesException",
            ("LookupEvents", "eventCategory") => "InvalidEventCategoryException",
            ("LookupEvents", "nextToken") => "InvalidNextTokenException",
            ("LookupEvents", "startTime" | "endTime") => "InvalidTimeRangeException",
            _ => "InvalidParameterException",
        };
        errors::error(code, invalid.message)
    }
}
