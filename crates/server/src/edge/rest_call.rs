//! REST requests: the S3 API of the embedded bucket store. Authenticated like every request; the operations
//! arrive with the trails work, and until then every S3 request answers an explicit `NotImplemented` (501).

use std::net::SocketAddr;

use bytes::Bytes;
use http::Response;
use hyper::body::Incoming;
use trailrunner_api::ApiError;
use trailrunner_wire::protocol::Family;
use trailrunner_wire::{render, Protocol};

use super::{auth, body};
use crate::state::AppState;

pub(crate) async fn run(
    state: &AppState,
    request_id: &str,
    _peer: SocketAddr,
    now: jiff::Timestamp,
    parts: &http::request::Parts,
    raw_body: Incoming,
) -> Response<Bytes> {
    let result: Result<(), ApiError> = async {
        let body = body::read(parts, raw_body, state.max_body_bytes).await?;
        // S3 requests are not recorded yet (no S3 service is mounted), refusals included.
        auth::authenticate(state, parts, &body, Family::S3, Some("s3"), now)
            .await
            .map_err(|refused| refused.error)?;
        Err(ApiError::client(
            "NotImplemented",
            "The S3 API is not implemented by trailrunner yet.",
        )
        .with_status(501))
    }
    .await;
    let err = result.err().unwrap_or_else(ApiError::internal);
    render::error(Protocol::RestXml, request_id, &err)
}
