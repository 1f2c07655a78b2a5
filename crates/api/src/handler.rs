//! What a service implements, and what it is given.

use std::net::IpAddr;

use async_trait::async_trait;
use trailrunner_store::ChangeSet;

use crate::{ApiError, Caller};

/// Everything a service may know about the call besides its input.
#[derive(Debug, Clone)]
pub struct CallContext {
    /// Also the `x-amzn-RequestId` of the response and the record's `requestID`.
    pub request_id: String,
    pub caller: Caller,
    /// The region of the request's credential scope.
    pub region: String,
    pub source_ip: IpAddr,
    pub user_agent: String,
    /// The time the edge accepted the call; services use it instead of reading the clock.
    pub now: jiff::Timestamp,
}

/// A resource a call names (CloudTrail `resources`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceRef {
    pub arn: String,
    pub account_id: String,
    /// Like `AWS::AppRunner::Service`.
    pub resource_type: String,
}

/// A successful call's result.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The response body in wire member names (an object; `{}` for operations without output).
    pub output: serde_json::Value,
    /// What must become durable before the response is sent.
    pub changes: ChangeSet,
    pub resources: Vec<ResourceRef>,
}

impl Outcome {
    /// A read-only result: nothing to write.
    pub fn read(output: serde_json::Value) -> Self {
        Outcome {
            output,
            changes: ChangeSet::new(),
            resources: Vec::new(),
        }
    }
}

/// One AWS service (App Runner, CloudTrail, STS, …).
#[async_trait]
pub trait ServiceHandler: Send + Sync + 'static {
    /// The CloudTrail `eventSource`, e.g. `apprunner.amazonaws.com`.
    fn event_source(&self) -> &'static str;

    /// For a global service (IAM): the region its calls are recorded in, whatever region the client signed for.
    /// `None` (the default): the region of the request's credential scope.
    fn home_region(&self) -> Option<&'static str> {
        None
    }

    /// Whether `operation` (a name from this service's model) is built. The edge answers
    /// [`ApiError::not_implemented`] for the others before decoding anything, and the compatibility table in the
    /// docs is generated from this.
    fn implements(&self, operation: &str) -> bool;

    /// Run `operation` with its decoded `input`. Only operations of the model that [`Self::implements`] reach here.
    async fn call(
        &self,
        ctx: &CallContext,
        operation: &str,
        input: &serde_json::Value,
    ) -> Result<Outcome, ApiError>;

    /// The error this service answers when input breaks the model's constraints (lengths, patterns, ranges,
    /// required members). `invalid.message` is already in AWS's "N validation error(s) detected: …" form;
    /// `invalid.paths` names the offending members (lowerCamelCase, e.g. `maxResults`) for services whose
    /// errors depend on which member failed.
    fn validation_error(&self, _operation: &str, invalid: InvalidInput) -> ApiError {
        ApiError::client("ValidationException", invalid.message)
    }
}

/// Input that broke the model's constraints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidInput {
    pub message: String,
    pub paths: Vec<String>,
}
