//! Reading a request body under a size limit.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use trailrunner_api::ApiError;

/// How much of a refused body is still read and discarded before answering: a client that is still sending
/// when the connection closes with unread data gets a reset instead of the 413. Past this, the connection is
/// closed at once (the client gets a reset; the server spends nothing more).
const DRAIN_MAX: u64 = 16 * 1024 * 1024;
/// How long a refused body may take to drain.
const DRAIN_TIME: Duration = Duration::from_secs(5);

/// The whole body, or `RequestEntityTooLarge` (413) past `limit` bytes. A declared `Content-Length` over the
/// limit is refused without keeping anything.
pub(crate) async fn read(
    parts: &http::request::Parts,
    mut body: Incoming,
    limit: usize,
) -> Result<Bytes, ApiError> {
    let declared = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        if declared.is_some_and(|n| n <= DRAIN_MAX) {
            drain(&mut body, DRAIN_MAX).await;
        }
        return Err(too_large(limit));
    }
    let mut collected = bytes::BytesMut::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            ApiError::client(
                "IncompleteBody",
                format!("The request body could not be read: {e}"),
            )
        })?;
        if let Some(data) = frame.data_ref() {
            if collected.len() + data.len() > limit {
                drain(&mut body, DRAIN_MAX).await;
                return Err(too_large(limit));
            }
            collected.extend_from_slice(data);
        }
    }
    Ok(collected.freeze())
}

/// Read and drop up to `max` bytes of what is left of `body`, for at most [`DRAIN_TIME`].
async fn drain(body: &mut Incoming, max: u64) {
    let mut seen = 0u64;
    let _ = tokio::time::timeout(DRAIN_TIME, async {
        while let Some(Ok(frame)) = body.frame().await {
            if let Some(data) = frame.data_ref() {
                seen += data.len() as u64;
                if seen > max {
                    break;
                }
            }
        }
    })
    .await;
}

fn too_large(limit: usize) -> ApiError {
    ApiError::client(
        "RequestEntityTooLargeException",
        format!("Request body is larger than the limit of {limit} bytes."),
    )
    .with_status(413)
}
