//! App Runner's modeled errors. Their shapes carry a `Message` member, so the body uses that spelling (botocore
//! fills the modeled `Message` field only from a capital-M key).

use trailrunner_api::ApiError;

pub(crate) fn invalid_request(message: impl Into<String>) -> ApiError {
    ApiError::client("InvalidRequestException", message).with_message_member("Message")
}

pub(crate) fn resource_not_found(message: impl Into<String>) -> ApiError {
    ApiError::client("ResourceNotFoundException", message).with_message_member("Message")
}

pub(crate) fn invalid_state(message: impl Into<String>) -> ApiError {
    ApiError::client("InvalidStateException", message).with_message_member("Message")
}

pub(crate) fn quota_exceeded(message: impl Into<String>) -> ApiError {
    ApiError::client("ServiceQuotaExceededException", message).with_message_member("Message")
}
