//! awsQuery (STS, IAM): form-encoded parameters in, XML out.

use bytes::Bytes;
use http::{header, Response, StatusCode};
use serde_json::Value;
use trailrunner_api::{ApiError, Fault};

use crate::xml::XmlOut;
use crate::REQUEST_ID_HEADER;

/// A decoded awsQuery request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryRequest {
    pub action: String,
    pub version: Option<String>,
    /// Every other parameter, flattened as sent (`Tags.member.1.Key=…`), in order.
    pub params: Vec<(String, String)>,
}

/// At most this many parameters per request; more is refused rather than parsed.
pub const MAX_PARAMS: usize = 1000;

/// Parameters come from the form body (POST) and the URL query (GET); both are merged, body last.
pub fn decode(url_query: Option<&str>, body: &[u8]) -> Result<QueryRequest, ApiError> {
    let mut action = None;
    let mut version = None;
    let mut params = Vec::new();
    let pairs = form_urlencoded::parse(url_query.unwrap_or("").as_bytes())
        .chain(form_urlencoded::parse(body));
    for (k, v) in pairs {
        if k.starts_with("X-Amz-") {
            continue; // presigned-URL authentication parameters, not operation input
        }
        match k.as_ref() {
            "Action" => action = Some(v.into_owned()),
            "Version" => version = Some(v.into_owned()),
            _ => {
                if params.len() >= MAX_PARAMS {
                    return Err(ApiError::client(
                        "ValidationError",
                        format!("Too many request parameters (the limit is {MAX_PARAMS})."),
                    ));
                }
                params.push((k.into_owned(), v.into_owned()));
            }
        }
    }
    let action = action
        .filter(|a| !a.is_empty())
        .ok_or_else(|| ApiError::client("MissingAction", "Missing Action"))?;
    Ok(QueryRequest {
        action,
        version,
        params,
    })
}

/// `<{Action}Response xmlns=…><{Action}Result>…</{Action}Result><ResponseMetadata><RequestId>…`.
pub fn success(xmlns: &str, action: &str, request_id: &str, result: &Value) -> Response<Bytes> {
    let mut out = XmlOut::new();
    let response = format!("{action}Response");
    out.open(&response, Some(xmlns));
    if let Value::Object(map) = result {
        let result_name = format!("{action}Result");
        if map.is_empty() {
            // Operations without output members still answer with the metadata only.
        } else {
            out.value(&result_name, result);
        }
    }
    out.open("ResponseMetadata", None);
    out.text_element("RequestId", request_id);
    out.close("ResponseMetadata");
    out.close(&response);
    respond(StatusCode::OK, request_id, out.finish())
}

/// `<ErrorResponse xmlns=…><Error><Type>Sender</Type><Code>…</Code><Message>…</Message></Error><RequestId>…`.
pub fn error(xmlns: &str, request_id: &str, err: &ApiError) -> Response<Bytes> {
    let mut out = XmlOut::new();
    out.open("ErrorResponse", Some(xmlns));
    out.open("Error", None);
    out.text_element(
        "Type",
        if err.fault == Fault::Client {
            "Sender"
        } else {
            "Receiver"
        },
    );
    out.text_element("Code", &err.code);
    out.text_element("Message", &err.message);
    out.close("Error");
    out.text_element("RequestId", request_id);
    out.close("ErrorResponse");
    let status = StatusCode::from_u16(err.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    respond(status, request_id, out.finish())
}

fn respond(status: StatusCode, request_id: &str, body: String) -> Response<Bytes> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/xml")
        .header(REQUEST_ID_HEADER, request_id)
        .body(Bytes::from(body))
        .unwrap_or_else(|_| Response::new(Bytes::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_form_bodies_and_skips_auth_params() {
        let q = decode(
            Some("X-Amz-Signature=abc"),
            b"Action=GetCallerIdentity&Version=2011-06-15&Name=a%20b",
        )
        .unwrap();
        assert_eq!(q.action, "GetCallerIdentity");
        assert_eq!(q.version.as_deref(), Some("2011-06-15"));
        assert_eq!(q.params, vec![("Name".to_string(), "a b".to_string())]);
        assert_eq!(
            decode(None, b"Version=1").unwrap_err().code,
            "MissingAction"
        );
    }

    #[test]
    fn renders_results_and_errors_as_xml() {
        let ns = "https://sts.amazonaws.com/doc/2011-06-15/";
        let body = serde_json::json!({"UserId": "a<b", "Account": "123456789012"});
        let resp = success(ns, "GetCallerIdentity", "rid", &body);
        let text = std::str::from_utf8(resp.body()).unwrap();
        assert_eq!(
            text,
            "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
             <GetCallerIdentityResult><UserId>a&lt;b</UserId><Account>123456789012</Account></GetCallerIdentityResult>\
             <ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></GetCallerIdentityResponse>"
        );
        let err = ApiError::client("InvalidClientTokenId", "bad").with_status(403);
        let resp = error(ns, "rid", &err);
        assert_eq!(resp.status(), 403);
        assert!(std::str::from_utf8(resp.body())
            .unwrap()
            .contains("<Code>InvalidClientTokenId</Code>"));
    }
}
