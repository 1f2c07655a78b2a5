//! Reading a request body under a size limit.

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use trailrunner_api::ApiError;

/// The whole body, or `RequestEntityTooLarge` (413) past `limit` bytes. A declared `Content-Length` over the
/// limit is refused before reading anything.
pub(crate) async fn read(
    parts: &http::request::Parts,
    body: Incoming,
    limit: usize,
) -> Result<Bytes, ApiError> {
    let declared = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large(limit));
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e)
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            Err(too_large(limit))
        }
        Err(e) => Err(ApiError::client(
            "IncompleteBody",
            format!("The request body could not be read: {e}"),
        )),
    }
}

fn too_large(limit: usize) -> ApiError {
    ApiError::client(
        "RequestEntityTooLargeException",
        format!("Request body is larger than the limit of {limit} bytes."),
    )
    .with_status(413)
}
