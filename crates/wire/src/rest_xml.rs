//! S3-style errors: `<Error><Code>…</Code><Message>…</Message><RequestId>…</RequestId></Error>`.

use bytes::Bytes;
use http::{header, Response, StatusCode};
use trailrunner_api::ApiError;

use crate::xml::XmlOut;
use crate::REQUEST_ID_HEADER;

pub fn error(request_id: &str, err: &ApiError) -> Response<Bytes> {
    let mut out = XmlOut::new();
    out.declaration();
    out.open("Error", None);
    out.text_element("Code", &err.code);
    out.text_element("Message", &err.message);
    out.text_element("RequestId", request_id);
    out.close("Error");
    let status = StatusCode::from_u16(err.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/xml")
        .header(REQUEST_ID_HEADER, request_id)
        .header("x-amz-request-id", request_id)
        .body(Bytes::from(out.finish()))
        .unwrap_or_else(|_| Response::new(Bytes::new()))
}
