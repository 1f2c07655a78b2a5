//! awsJson requests (App Runner, CloudTrail).

use std::net::SocketAddr;

use bytes::Bytes;
use http::Response;
use hyper::body::Incoming;
use serde_json::Value;
use trailrunner_api::ApiError;
use trailrunner_wire::{json, render, Protocol};

use super::invoke::Call;
use super::{auth, body, unknown_operation};
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
        // A refusal attributable to the signer (inactive key, expired session) is recorded like a failed call.
        let (who, refusal) =
            match auth::authenticate(state, parts, &body, protocol.family(), expected, now).await {
                Ok(who) => (who, None),
                Err(auth::Refused {
                    error,
                    signer: Some(who),
                }) if mounted.is_some() => (who, Some(error)),
                Err(refused) => return Err(refused.error),
            };
        // Without a mounted service there is no event source to record under.
        let mounted =
            mounted.ok_or_else(|| unknown_operation(&format!("{target_prefix}.{operation}")))?;
        let ctx = super::call_context(state, request_id, peer, now, parts, who);
        let op = mounted.model.operation(operation);
        let call = Call {
            state,
            mounted,
            operation,
            op,
            ctx: &ctx,
        };
        let content_type = parts
            .headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        if let Some(refusal) = refusal {
            // The request parameters are recorded when the body decodes for a known operation.
            let input = op.and_then(|_| json::decode_body(content_type, &body).ok());
            return call.fail(input.as_ref(), refusal).await;
        }
        let Some(op) = op else {
            return call
                .fail(
                    None,
                    unknown_operation(&format!("{target_prefix}.{operation}")),
                )
                .await;
        };
        let input: Value = match json::decode_body(content_type, &body) {
            Ok(v) => v,
            Err(e) => return call.fail(None, e).await,
        };
        // An operation not built yet answers 501 before any validation, but its record still shows the request.
        if !mounted.handler.implements(op.name) {
            return call
                .fail(Some(&input), ApiError::not_implemented(op.name))
                .await;
        }
        if let Err(e) = call.check_input(op, &input) {
            return call.fail(Some(&input), e).await;
        }
        call.authorize(op, &input).await?;
        call.run(op, &input).await
    }
    .await;
    match result {
        Ok(output) => json::success(protocol, request_id, &output),
        Err(err) => render::error(protocol, request_id, &err),
    }
}
