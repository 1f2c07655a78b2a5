//! Running an operation: the model's constraints, the service, and the commit of what it changed.

use serde_json::Value;
use trailrunner_api::{ApiError, CallContext};
use trailrunner_model::Operation;
use trailrunner_store::CommitError;

use crate::registry::Mounted;
use crate::state::AppState;

/// How often a call is re-run when its change set lost a race (a precondition failed because another call
/// committed first). Each run re-reads the state, so the retry sees the winner's changes.
const MAX_ATTEMPTS: u32 = 5;

/// Check `input` against the operation's input shape (structure, types, then constraints).
pub(crate) fn check_input(
    mounted: &Mounted,
    op: &Operation,
    input: &Value,
) -> Result<(), ApiError> {
    use trailrunner_model::{format_violations, validate_input, InputError};
    match validate_input(mounted.model, op, input) {
        Ok(()) => Ok(()),
        Err(InputError::Serialization(message)) => {
            Err(ApiError::client("SerializationException", message))
        }
        Err(InputError::Constraints(violations)) => Err(mounted
            .handler
            .validation_error(format_violations(&violations))),
    }
}

/// Call the service and make its changes durable before anything is answered.
pub(crate) async fn call(
    state: &AppState,
    mounted: &Mounted,
    op: &Operation,
    ctx: &CallContext,
    input: &Value,
) -> Result<Value, ApiError> {
    let mut attempt = 1;
    loop {
        let outcome = mounted.handler.call(ctx, op.name, input).await?;
        if outcome.changes.is_empty() {
            return Ok(outcome.output);
        }
        match state.store.commit(outcome.changes).await {
            Ok(_) => return Ok(outcome.output),
            Err(CommitError::Conflict { kind, id }) if attempt < MAX_ATTEMPTS => {
                tracing::debug!(
                    kind,
                    id,
                    attempt,
                    "change set lost a race; re-running the call"
                );
                attempt += 1;
            }
            Err(CommitError::Conflict { kind, id }) => {
                return Err(ApiError::client(
                    "ConflictException",
                    format!("The {kind} {id} is being changed by another request; try again."),
                )
                .with_status(409))
            }
            Err(CommitError::Store(e)) => {
                return Err(ApiError::internal_from("committing a change set", &e))
            }
        }
    }
}
