//! REST requests: the S3 API of the embedded bucket store (`trailrunner_buckets::s3`). This adapter reads the
//! body (bounded by `max_object_bytes`), authenticates the request (SigV4 with S3's rules), lends the store the
//! edge's authorizer, and frames the answer: request id headers, and no body on `HEAD` or `304` answers.
//!
//! S3 calls are not recorded as CloudTrail events (object calls are data events, which trails do not log by
//! default).

use std::net::{IpAddr, SocketAddr};

use async_trait::async_trait;
use bytes::Bytes;
use http::{HeaderValue, Method, Response, StatusCode};
use hyper::body::Incoming;
use trailrunner_api::{ApiError, Caller};
use trailrunner_buckets::s3::{Authorize, S3Api, S3Request};
use trailrunner_wire::protocol::Family;
use trailrunner_wire::{render, Protocol};

use super::{auth, body};
use crate::state::AppState;

/// The unit of the S3 body memory budget.
pub(crate) const MIB: usize = 1024 * 1024;

pub(crate) async fn run(
    state: &AppState,
    request_id: &str,
    peer: SocketAddr,
    now: jiff::Timestamp,
    parts: &http::request::Parts,
    raw_body: Incoming,
) -> Response<Bytes> {
    let result: Result<Response<Bytes>, ApiError> = async {
        // Bodies are held whole in memory: each is bounded by `max_object_bytes`, and all of them together by the
        // `object_memory` budget, which a request takes its share of (what it declares, else the maximum) before
        // reading; requests past the budget wait for it.
        let declared = parts
            .headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(state.max_object_bytes)
            .min(state.max_object_bytes);
        let share = u32::try_from(declared.div_ceil(MIB).max(1)).unwrap_or(u32::MAX);
        let _memory = state
            .object_memory
            .acquire_many(share)
            .await
            .map_err(|_| ApiError::internal())?;
        let body = body::read(parts, raw_body, state.max_object_bytes)
            .await
            .map_err(|e| {
                if e.status == 413 {
                    ApiError::client(
                        "EntityTooLarge",
                        format!(
                            "Your proposed upload exceeds the maximum allowed size of {} bytes",
                            state.max_object_bytes
                        ),
                    )
                } else {
                    e
                }
            })?;
        if is_sigv2_query(parts.uri.query()) {
            // S3's answer in regions without Signature Version 2.
            return Err(ApiError::client(
                "InvalidRequest",
                "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.",
            ));
        }
        let who = auth::authenticate(state, parts, &body, Family::S3, Some("s3"), now)
            .await
            .map_err(|refused| refused.error)?;
        let authz = EdgeAuthorize {
            state,
            region: &who.region,
            source_ip: super::source_ip(state, peer.ip(), &parts.headers),
            now,
        };
        let api = S3Api {
            store: &state.buckets,
            authz: &authz,
            max_object_bytes: state.max_object_bytes,
        };
        api.handle(S3Request {
            method: &parts.method,
            path: parts.uri.path(),
            query: parts.uri.query(),
            headers: &parts.headers,
            body,
            caller: &who.caller,
            region: &who.region,
        })
        .await
    }
    .await;
    let mut response = match result {
        Ok(mut response) => {
            if let Ok(id) = HeaderValue::from_str(request_id) {
                response
                    .headers_mut()
                    .insert(trailrunner_wire::REQUEST_ID_HEADER, id.clone());
                response.headers_mut().insert("x-amz-request-id", id);
            }
            response
        }
        Err(err) => render::error(Protocol::RestXml, request_id, &err),
    };
    // A HEAD answer, and a 304, carry no body (the status and headers say everything); a successful HEAD keeps
    // the object's Content-Length.
    if parts.method == Method::HEAD || response.status() == StatusCode::NOT_MODIFIED {
        *response.body_mut() = Bytes::new();
    }
    response
}

/// A SigV2 presigned URL (`AWSAccessKeyId=…&Signature=…`), what botocore makes for S3 unless configured with
/// `signature_version="s3v4"`.
fn is_sigv2_query(query: Option<&str>) -> bool {
    let Some(query) = query else { return false };
    let has = |name: &str| query.split('&').any(|p| p.split('=').next() == Some(name));
    has("AWSAccessKeyId") && has("Signature")
}

/// The edge's identity-based policy check, lent to the bucket store's S3 API.
struct EdgeAuthorize<'a> {
    state: &'a AppState,
    region: &'a str,
    source_ip: IpAddr,
    now: jiff::Timestamp,
}

#[async_trait]
impl Authorize for EdgeAuthorize<'_> {
    async fn authorize(
        &self,
        caller: &Caller,
        action: &str,
        resource: &str,
    ) -> Result<(), ApiError> {
        let (service, operation) = action.split_once(':').unwrap_or(("s3", action));
        // The authorizer takes the resource from a `ResourceArn` member (see `trailrunner_iam::authorize`).
        let input = serde_json::json!({ "ResourceArn": resource });
        let request = trailrunner_iam::authorize::Request {
            service,
            operation,
            input: &input,
            region: self.region,
            source_ip: self.source_ip,
            now: self.now,
        };
        match self.state.authz.check(caller, &request).await {
            Ok(None) => Ok(()),
            Ok(Some(denied)) => Err(trailrunner_wire::auth::access_denied(
                Family::S3,
                denied.message,
            )),
            Err(e) => Err(ApiError::internal_from("reading the caller's policies", &e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::MIB;
    use crate::edge::object_memory_permits;

    #[test]
    fn the_body_budget_holds_four_of_the_largest_bodies_and_at_least_256_mib() {
        assert_eq!(object_memory_permits(64 * MIB), 256);
        assert_eq!(object_memory_permits(100 * MIB), 400);
        assert_eq!(object_memory_permits(100 * MIB + 1), 404);
        assert_eq!(object_memory_permits(1), 256);
    }
}
