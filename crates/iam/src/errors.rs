//! IAM's modeled errors (awsQuery: `<Error><Type>Sender</Type><Code>NoSuchEntity</Code>…`), with the HTTP
//! statuses of the model and IAM's message texts.

use trailrunner_api::ApiError;

pub(crate) fn no_such_entity(message: impl Into<String>) -> ApiError {
    ApiError::client("NoSuchEntity", message).with_status(404)
}

pub(crate) fn entity_already_exists(message: impl Into<String>) -> ApiError {
    ApiError::client("EntityAlreadyExists", message).with_status(409)
}

pub(crate) fn delete_conflict(message: impl Into<String>) -> ApiError {
    ApiError::client("DeleteConflict", message).with_status(409)
}

pub(crate) fn limit_exceeded(message: impl Into<String>) -> ApiError {
    ApiError::client("LimitExceeded", message).with_status(409)
}

pub(crate) fn malformed_policy(message: impl Into<String>) -> ApiError {
    ApiError::client("MalformedPolicyDocument", message)
}

pub(crate) fn invalid_input(message: impl Into<String>) -> ApiError {
    ApiError::client("InvalidInput", message)
}

pub(crate) fn password_policy(message: impl Into<String>) -> ApiError {
    ApiError::client("PasswordPolicyViolation", message)
}

/// Input breaking the model's constraints: IAM names this `ValidationError` (not `ValidationException`).
pub(crate) fn validation(message: impl Into<String>) -> ApiError {
    ApiError::client("ValidationError", message)
}

/// A required member the model cannot mark required (IAM's "Member must not be null" form).
pub(crate) fn missing(member: &str) -> ApiError {
    validation(format!(
        "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
    ))
}

pub(crate) fn store(context: &str, e: &dyn std::fmt::Display) -> ApiError {
    ApiError::internal_from(context, e)
}
