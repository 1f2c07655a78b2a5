//! Dispatch of CloudTrail operations.

use std::sync::Arc;

use async_trait::async_trait;
use trailrunner_api::{
    ApiError, CallContext, Entropy, InvalidInput, Outcome, PageTokens, ServiceHandler,
};
use trailrunner_buckets::SharedBuckets;
use trailrunner_store::SharedStore;

use crate::public_keys::{self, PublicKeySource};
use crate::{errors, lookup, selectors, trail_queries, trail_status, trail_tags, trails};

/// The operations built so far (the compatibility table in the docs is generated from this).
pub const IMPLEMENTED: &[&str] = &[
    "LookupEvents",
    "CreateTrail",
    "UpdateTrail",
    "DeleteTrail",
    "DescribeTrails",
    "GetTrail",
    "GetTrailStatus",
    "StartLogging",
    "StopLogging",
    "ListTrails",
    "PutEventSelectors",
    "GetEventSelectors",
    "AddTags",
    "RemoveTags",
    "ListTags",
    "ListPublicKeys",
];

pub struct CloudTrailHandler {
    pub(crate) store: SharedStore,
    pub(crate) tokens: Arc<PageTokens>,
    /// Randomness for trail generations.
    pub(crate) entropy: Arc<dyn Entropy>,
    /// Where trails deliver: `CreateTrail` and `UpdateTrail` check the trail's bucket there.
    pub(crate) buckets: SharedBuckets,
    /// The digest-signing keys `ListPublicKeys` publishes.
    pub(crate) keys: Arc<dyn PublicKeySource>,
}

impl CloudTrailHandler {
    pub fn new(
        store: SharedStore,
        tokens: Arc<PageTokens>,
        entropy: Arc<dyn Entropy>,
        buckets: SharedBuckets,
        keys: Arc<dyn PublicKeySource>,
    ) -> Self {
        CloudTrailHandler {
            store,
            tokens,
            entropy,
            buckets,
            keys,
        }
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
            "CreateTrail" => trails::create_trail(self, ctx, input).await,
            "UpdateTrail" => trails::update_trail(self, ctx, input).await,
            "DeleteTrail" => trails::delete_trail(self, ctx, input).await,
            "DescribeTrails" => trail_queries::describe_trails(self, ctx, input).await,
            "GetTrail" => trail_queries::get_trail(self, ctx, input).await,
            "ListTrails" => trail_queries::list_trails(self, ctx, input).await,
            "GetTrailStatus" => trail_status::get_trail_status(self, ctx, input).await,
            "StartLogging" => trail_status::start_logging(self, ctx, input).await,
            "StopLogging" => trail_status::stop_logging(self, ctx, input).await,
            "PutEventSelectors" => selectors::put_event_selectors(self, ctx, input).await,
            "GetEventSelectors" => selectors::get_event_selectors(self, ctx, input).await,
            "AddTags" => trail_tags::add_tags(self, ctx, input).await,
            "RemoveTags" => trail_tags::remove_tags(self, ctx, input).await,
            "ListTags" => trail_tags::list_tags(self, ctx, input).await,
            "ListPublicKeys" => public_keys::list_public_keys(self, ctx, input).await,
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
        let member = first.split('.').next().unwrap_or_default();
        let code = match (operation, member) {
            ("LookupEvents", "maxResults") => "InvalidMaxResultsException",
            ("LookupEvents", "lookupAttributes") => "InvalidLookupAttributesException",
            ("LookupEvents", "eventCategory") => "InvalidEventCategoryException",
            ("LookupEvents", "nextToken") => "InvalidNextTokenException",
            ("LookupEvents", "startTime" | "endTime") => "InvalidTimeRangeException",
            ("ListPublicKeys", "startTime" | "endTime") => "InvalidTimeRangeException",
            (_, "tagsList") => "InvalidTagParameterException",
            ("PutEventSelectors", "eventSelectors" | "advancedEventSelectors") => {
                "InvalidEventSelectorsException"
            }
            _ => "InvalidParameterException",
        };
        errors::error(code, invalid.message)
    }
}
