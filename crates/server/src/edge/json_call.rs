//! awsJson requests (App Runner, CloudTrail).

use std::net::SocketAddr;

use bytes::Bytes;
use http::Response;
use hyper::body::Incoming;
use trailrunner_api::{ApiError, CallContext};
use trailrunner_wire::{json, render, Protocol};

use super::{auth, body, invoke, unknown_operation, user_agent};
use crate::state::AppState;

#[allow(clippy::too_many_arguments)]
pub(crate) async fn run(
    state: &AppState,
    request_id: &str,
    peer: SocketAddr,
    now: jiff::Timestamp,
    parts: &http::request::Parts,
    raw_body: Incoming,
    target_prefix: &str,
    operation: &str,
) -> Response<Bytes> {
    let mounted = state.registry.json(target_prefix);
    let protocol = mounted.map(|m| m.protocol).unwrap_or(Protocol::AwsJson11);
    let result = async {
        let body = body::read(parts, raw_body, state.max_body_bytes).await?;
        let expected = mounted.map(|m| m.model.signing_name);
        let who = auth::authenticate(state, parts, &body, protocol.family(), expected, now).await?;
        let target = format!("{target_prefix}.{operation}");
        let mounted = mounted.ok_or_else(|| unknown_operation(&target))?;
        let op = mounted
            .model
            .operation(operation)
            .ok_or_else(|| unknown_operation(&target))?;
        if !mounted.handler.implements(op.name) {
            return Err(ApiError::not_implemented(op.name));
        }
        let content_type = parts
            .headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        let input = json::decode_body(content_type, &body)?;
        invoke::check_input(mounted, op, &input)?;
        let ctx = CallContext {
            request_id: request_id.to_string(),
            caller: who.caller,
            region: who.region,
            source_ip: peer.ip(),
            user_agent: user_agent(&parts.headers),
            now,
        };
        invoke::call(state, mounted, op, &ctx, &input).await
    }
    .await;
    match result {
        Ok(output) => json::success(protocol, request_id, &output),
        Err(err) => render::error(protocol, request_id, &err),
    }
}
