//! The request pipeline, one request at a time:
//!
//! ```text
//! request id ─► route (X-Amz-Target | awsQuery | REST) ─► body limit ─► SigV4 verify ─► caller
//!            ─► known operation? ─► decode ─► model constraints ─► service ─► commit change set
//!            ─► encode output, or render the error in the request's protocol ─► x-amzn-RequestId
//! ```
//!
//! Every failure on the way is an [`ApiError`] rendered by `trailrunner_wire::render` in the protocol the request
//! spoke; nothing here panics on input.

mod auth;
mod body;
mod invoke;
mod json_call;
mod query_call;
mod rest_call;
#[cfg(all(test, not(feature = "noop-recorder")))]
mod tests;

use std::net::SocketAddr;

use bytes::Bytes;
use http::Response;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::Request;
use trailrunner_api::ApiError;
use trailrunner_wire::{classify, Route};

use crate::state::AppState;

pub(crate) async fn handle(
    state: &AppState,
    peer: SocketAddr,
    req: Request<Incoming>,
) -> Response<Full<Bytes>> {
    let request_id = state.entropy.uuid();
    let received_at = state.clock.now();
    let (parts, body) = req.into_parts();
    let route = classify(&parts.method, &parts.headers, parts.uri.query());
    let response = match route {
        Route::Json {
            target_prefix,
            operation,
        } => {
            json_call::run(
                state,
                &request_id,
                peer,
                received_at,
                &parts,
                body,
                target_prefix,
                operation,
            )
            .await
        }
        Route::Query => query_call::run(state, &request_id, peer, received_at, &parts, body).await,
        Route::Rest => rest_call::run(state, &request_id, peer, received_at, &parts, body).await,
    };
    tracing::debug!(request_id, status = response.status().as_u16(), "answered");
    response.map(Full::new)
}

/// The `User-Agent` as CloudTrail keeps it: at most 1 KB, cut at a character boundary.
pub(crate) fn user_agent(headers: &http::HeaderMap) -> String {
    let raw = headers
        .get(http::header::USER_AGENT)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let mut ua = raw.unwrap_or_default();
    if ua.len() > 1024 {
        let mut cut = 1024;
        while !ua.is_char_boundary(cut) {
            cut -= 1;
        }
        ua.truncate(cut);
    }
    ua
}

/// What a service is told about an authenticated call.
pub(crate) fn call_context(
    state: &AppState,
    request_id: &str,
    peer: SocketAddr,
    now: jiff::Timestamp,
    parts: &http::request::Parts,
    who: auth::Authenticated,
) -> trailrunner_api::CallContext {
    trailrunner_api::CallContext {
        request_id: request_id.to_string(),
        caller: who.caller,
        region: who.region,
        source_ip: source_ip(state, peer.ip(), &parts.headers),
        user_agent: user_agent(&parts.headers),
        now,
    }
}

/// The caller's address as CloudTrail records it: the TCP peer, unless the peer is a trusted proxy, in which case
/// `X-Forwarded-For` is walked from the right past trusted proxies to the first address they did not add.
pub(crate) fn source_ip(
    state: &AppState,
    peer: std::net::IpAddr,
    headers: &http::HeaderMap,
) -> std::net::IpAddr {
    let trusted = |ip: std::net::IpAddr| state.trusted_proxies.iter().any(|net| net.contains(ip));
    if !trusted(peer) {
        return peer;
    }
    let mut chain: Vec<std::net::IpAddr> = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        let Ok(text) = value.to_str() else {
            return peer;
        };
        for part in text.split(',').take(64) {
            match part.trim().parse() {
                Ok(ip) => chain.push(ip),
                Err(_) => return peer,
            }
        }
    }
    let mut client = peer;
    for ip in chain.into_iter().rev() {
        client = ip;
        if !trusted(ip) {
            break;
        }
    }
    client
}

/// How many MiB of S3 request bodies may be held at once: four of the largest, and at least 256 MiB.
pub(crate) fn object_memory_permits(max_object_bytes: usize) -> usize {
    (max_object_bytes.div_ceil(rest_call::MIB) * 4).max(256)
}

pub(crate) fn unknown_operation(target: &str) -> ApiError {
    ApiError::client(
        "UnknownOperationException",
        format!("Unknown operation: {target}"),
    )
}
