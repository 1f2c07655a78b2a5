//! awsJson 1.0 / 1.1: request bodies in, response bodies out.

use bytes::Bytes;
use http::{header, Response, StatusCode};
use serde_json::Value;
use trailrunner_api::ApiError;

use crate::{Protocol, REQUEST_ID_HEADER};

/// Decode an awsJson request body into a JSON object.
///
/// Bad framing answers `SerializationException` (400): a content type that is not JSON, bytes that are not JSON,
/// or JSON that is not an object. An empty body counts as `{}`. Nesting is bounded by serde_json's recursion
/// limit (128), so no input can exhaust the stack.
pub fn decode_body(content_type: Option<&str>, body: &[u8]) -> Result<Value, ApiError> {
    check_content_type(content_type)?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Default::default()));
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::client(
            "SerializationException",
            format!("Could not parse the request body as JSON: {e}"),
        )
    })?;
    if !value.is_object() {
        return Err(ApiError::client(
            "SerializationException",
            "The request body must be a JSON object (Start of structure or map expected).",
        ));
    }
    Ok(value)
}

fn check_content_type(content_type: Option<&str>) -> Result<(), ApiError> {
    let essence = content_type.map(|ct| {
        ct.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    });
    match essence.as_deref() {
        Some("application/x-amz-json-1.0" | "application/x-amz-json-1.1" | "application/json") => Ok(()),
        Some(other) => Err(ApiError::client(
            "SerializationException",
            format!("Unsupported Content-Type '{other}': awsJson requests must be sent as application/x-amz-json-1.0 or application/x-amz-json-1.1."),
        )),
        None => Err(ApiError::client(
            "SerializationException",
            "Missing Content-Type: awsJson requests must be sent as application/x-amz-json-1.0 or application/x-amz-json-1.1.",
        )),
    }
}

/// A 200 response carrying `body`.
pub fn success(protocol: Protocol, request_id: &str, body: &Value) -> Response<Bytes> {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    respond(
        StatusCode::OK,
        protocol,
        request_id,
        Bytes::from(bytes),
        None,
    )
}

/// The awsJson error body: `{"__type": code, "message"|"Message": text}`, plus `x-amzn-ErrorType`, which some
/// SDKs read before the body.
pub fn error(protocol: Protocol, request_id: &str, err: &ApiError) -> Response<Bytes> {
    let mut body = serde_json::Map::with_capacity(2);
    body.insert("__type".into(), Value::String(err.code.to_string()));
    body.insert(
        err.message_member.into(),
        Value::String(err.message.clone()),
    );
    let bytes = serde_json::to_vec(&Value::Object(body)).unwrap_or_default();
    let status = StatusCode::from_u16(err.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    respond(
        status,
        protocol,
        request_id,
        Bytes::from(bytes),
        Some(&err.code),
    )
}

fn respond(
    status: StatusCode,
    protocol: Protocol,
    request_id: &str,
    body: Bytes,
    error_type: Option<&str>,
) -> Response<Bytes> {
    let mut builder = Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, protocol.content_type())
        .header(REQUEST_ID_HEADER, request_id);
    if let Some(code) = error_type {
        builder = builder.header("x-amzn-ErrorType", code);
    }
    builder
        .body(body)
        .unwrap_or_else(|_| Response::new(Bytes::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_objects_and_empty_bodies() {
        let ct = Some("application/x-amz-json-1.0");
        assert_eq!(decode_body(ct, b"").unwrap(), serde_json::json!({}));
        assert_eq!(
            decode_body(ct, br#"{"MaxResults": 3}"#).unwrap(),
            serde_json::json!({"MaxResults": 3})
        );
    }

    #[test]
    fn rejects_bad_framing_with_serialization_exception() {
        let ct = Some("application/x-amz-json-1.1");
        for body in [&b"{"[..], b"[1,2]", b"\"x\"", b"{\"a\":}", &[0xff, 0xfe]] {
            assert_eq!(
                decode_body(ct, body).unwrap_err().code,
                "SerializationException"
            );
        }
        assert_eq!(
            decode_body(Some("text/plain"), b"{}").unwrap_err().code,
            "SerializationException"
        );
        assert_eq!(
            decode_body(None, b"{}").unwrap_err().code,
            "SerializationException"
        );
        let deep = "[".repeat(100_000);
        let deep = format!("{{\"a\":{deep}");
        assert_eq!(
            decode_body(ct, deep.as_bytes()).unwrap_err().code,
            "SerializationException"
        );
    }

    #[test]
    fn error_body_uses_the_errors_message_member() {
        let err = ApiError::client("ResourceNotFoundException", "Service not found")
            .with_message_member("Message");
        let resp = error(Protocol::AwsJson10, "rid", &err);
        assert_eq!(resp.status(), 400);
        assert_eq!(
            resp.headers()["x-amzn-ErrorType"],
            "ResourceNotFoundException"
        );
        assert_eq!(resp.headers()[REQUEST_ID_HEADER], "rid");
        let body: Value = serde_json::from_slice(resp.body()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"__type": "ResourceNotFoundException", "Message": "Service not found"})
        );
    }
}
