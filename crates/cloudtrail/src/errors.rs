//! CloudTrail's errors. Its exception shapes have no members, so the body carries `message`.

use trailrunner_api::ApiError;

pub(crate) fn error(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::client(code, message)
}
