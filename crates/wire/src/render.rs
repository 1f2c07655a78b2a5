//! The one error renderer: an [`ApiError`] becomes a response in the protocol the request spoke.

use bytes::Bytes;
use http::Response;
use trailrunner_api::ApiError;

use crate::{json, query, rest_xml, Protocol};

pub fn error(protocol: Protocol, request_id: &str, err: &ApiError) -> Response<Bytes> {
    match protocol {
        Protocol::AwsJson10 | Protocol::AwsJson11 => json::error(protocol, request_id, err),
        Protocol::AwsQuery { xmlns } => query::error(xmlns, request_id, err),
        Protocol::RestXml => rest_xml::error(request_id, err),
    }
}
