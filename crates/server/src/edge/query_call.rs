//! awsQuery requests (STS, later IAM): the service is the one the credential scope names.

use std::net::SocketAddr;

use bytes::Bytes;
use http::Response;
use hyper::body::Incoming;
use trailrunner_api::ApiError;
use trailrunner_wire::protocol::Family;
use trailrunner_wire::{query, query_input, render, Protocol};

use super::invoke::Call;
use super::{auth, body};
use crate::state::AppState;

/// Errors raised before the service is known are rendered with STS's namespace.
const DEFAULT_XMLNS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

pub(crate) async fn run(
    state: &AppState,
    request_id: &str,
    peer: SocketAddr,
    now: jiff::Timestamp,
    parts: &http::request::Parts,
    raw_body: Incoming,
) -> Response<Bytes> {
    let mut protocol = Protocol::AwsQuery {
        xmlns: DEFAULT_XMLNS,
    };
    let result = async {
        let body = body::read(parts, raw_body, state.max_body_bytes).await?;
        // A refusal attributable to the signer (inactive key, expired session) is recorded like a failed call,
        // when the service is served and the request names its action.
        let (who, refusal) =
            match auth::authenticate(state, parts, &body, Family::Query, None, now).await {
                Ok(who) => (who, None),
                Err(auth::Refused {
                    error,
                    signer: Some(who),
                }) if state.registry.query(&who.service).is_some() => (who, Some(error)),
                Err(refused) => return Err(refused.error),
            };
        let mounted = state.registry.query(&who.service).ok_or_else(|| {
            ApiError::client(
                "InvalidAction",
                format!(
                    "The service '{}' is not served by trailrunner.",
                    who.service
                ),
            )
        })?;
        protocol = mounted.protocol;
        let mut ctx = super::call_context(state, request_id, peer, now, parts, who);
        if let Some(region) = mounted.handler.home_region() {
            ctx.region = region.to_string();
        }
        // A body that does not decode names no action: a refusal is then answered unrecorded.
        let request = match query::decode(parts.uri.query(), &body) {
            Ok(request) => request,
            Err(e) => return Err(refusal.unwrap_or(e)),
        };
        let op = mounted.model.operation(&request.action);
        let call = Call {
            state,
            mounted,
            operation: &request.action,
            op,
            ctx: &ctx,
        };
        if let Some(refusal) = refusal {
            // The request parameters are recorded when they decode for a known operation.
            let input = op.and_then(|op| {
                query_input::to_json(mounted.model, mounted.model.input_of(op), &request.params)
                    .ok()
            });
            let action = op.map_or_else(|| request.action.clone(), |op| op.name.to_string());
            return call
                .fail(input.as_ref(), refusal)
                .await
                .map(|v| (action, v));
        }
        let Some(op) = op else {
            let err = ApiError::client(
                "InvalidAction",
                format!(
                    "Could not find operation {} for version {}",
                    request.action, mounted.model.api_version
                ),
            );
            return call
                .fail(None, err)
                .await
                .map(|v| (request.action.clone(), v));
        };
        let input = match query_input::to_json(
            mounted.model,
            mounted.model.input_of(op),
            &request.params,
        ) {
            Ok(v) => v,
            Err(m) => {
                let err = ApiError::client("ValidationError", m);
                return call.fail(None, err).await.map(|v| (op.name.to_string(), v));
            }
        };
        if !mounted.handler.implements(op.name) {
            let err = ApiError::not_implemented(op.name);
            return call
                .fail(Some(&input), err)
                .await
                .map(|v| (op.name.to_string(), v));
        }
        if let Err(e) = call.check_input(op, &input) {
            return call
                .fail(Some(&input), e)
                .await
                .map(|v| (op.name.to_string(), v));
        }
        call.authorize(op, &input).await?;
        let output = call.run(op, &input).await?;
        Ok::<_, ApiError>((op.name.to_string(), output))
    }
    .await;
    match (result, protocol) {
        (Ok((action, output)), Protocol::AwsQuery { xmlns }) => {
            query::success(xmlns, &action, request_id, &output)
        }
        (Ok(_), _) => render::error(protocol, request_id, &ApiError::internal()),
        (Err(err), _) => render::error(protocol, request_id, &err),
    }
}
