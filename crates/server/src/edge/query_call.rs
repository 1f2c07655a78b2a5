//! awsQuery requests (STS, later IAM): the service is the one the credential scope names.

use std::net::SocketAddr;

use bytes::Bytes;
use http::Response;
use hyper::body::Incoming;
use trailrunner_api::{ApiError, CallContext};
use trailrunner_wire::protocol::Family;
use trailrunner_wire::{query, query_input, render, Protocol};

use super::{auth, body, invoke, user_agent};
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
        let who = auth::authenticate(state, parts, &body, Family::Query, None, now).await?;
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
        let request = query::decode(parts.uri.query(), &body)?;
        let op = mounted.model.operation(&request.action).ok_or_else(|| {
            ApiError::client(
                "InvalidAction",
                format!(
                    "Could not find operation {} for version {}",
                    request.action, mounted.model.api_version
                ),
            )
        })?;
        if !mounted.handler.implements(op.name) {
            return Err(ApiError::not_implemented(op.name));
        }
        let input =
            query_input::to_json(mounted.model, mounted.model.input_of(op), &request.params)
                .map_err(|m| ApiError::client("ValidationError", m))?;
        invoke::check_input(mounted, op, &input)?;
        let ctx = CallContext {
            request_id: request_id.to_string(),
            caller: who.caller,
            region: who.region,
            source_ip: peer.ip(),
            user_agent: user_agent(&parts.headers),
            now,
        };
        let output = invoke::call(state, mounted, op, &ctx, &input).await?;
        Ok::<_, ApiError>((op.name, output))
    }
    .await;
    match (result, protocol) {
        (Ok((action, output)), Protocol::AwsQuery { xmlns }) => {
            query::success(xmlns, action, request_id, &output)
        }
        (Ok(_), _) => render::error(protocol, request_id, &ApiError::internal()),
        (Err(err), _) => render::error(protocol, request_id, &err),
    }
}
