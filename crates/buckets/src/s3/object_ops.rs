//! Object operations: PutObject, GetObject (with `Range`, `If-Match`, `If-None-Match`, `If-Modified-Since`,
//! `If-Unmodified-Since` and the `response-*` overrides), HeadObject, DeleteObject, DeleteObjects. Requests with
//! `?uploads` or `?uploadId` go to [`super::multipart`].

use bytes::Bytes;
use http::{HeaderMap, Method, Response, StatusCode};
use jiff::Timestamp;
use trailrunner_api::ApiError;

use super::request::{self, header, Query};
use super::xml::{self, Xml};
use super::{arn, empty_response, errors, set_header, xml_response, S3Api, S3Request};
use super::{checksums, multipart};
use crate::local::{ObjectMeta, ObjectRead, PutOptions};

/// Headers S3 keeps with an object and returns on reads (besides `Content-Type` and user metadata).
const STORED_HEADERS: &[&str] = &[
    "cache-control",
    "content-disposition",
    "content-encoding",
    "content-language",
    "expires",
];

/// `GetObject`'s response header overrides (for presigned URLs).
const RESPONSE_OVERRIDES: &[(&str, &str)] = &[
    ("response-content-type", "content-type"),
    ("response-content-language", "content-language"),
    ("response-expires", "expires"),
    ("response-cache-control", "cache-control"),
    ("response-content-disposition", "content-disposition"),
    ("response-content-encoding", "content-encoding"),
];

/// Request headers that ask for something trailrunner does not do: refused rather than ignored.
const UNSUPPORTED_PUT_HEADERS: &[&str] = &[
    "x-amz-copy-source",
    "x-amz-tagging",
    "x-amz-server-side-encryption",
    "x-amz-server-side-encryption-customer-algorithm",
    "x-amz-website-redirect-location",
    "x-amz-object-lock-mode",
    "x-amz-object-lock-legal-hold",
    "if-match",
    "if-none-match",
];

pub(super) async fn dispatch(
    api: &S3Api<'_>,
    req: &S3Request<'_>,
    query: &Query,
    bucket: &str,
    key: &str,
) -> Result<Response<Bytes>, ApiError> {
    if query.has("uploads") || query.has("uploadId") {
        return multipart::dispatch(api, req, query, bucket, key).await;
    }
    let overrides: Vec<&str> = RESPONSE_OVERRIDES.iter().map(|(q, _)| *q).collect();
    let known: &[&str] = match *req.method {
        Method::GET | Method::HEAD => &overrides,
        _ => &[],
    };
    if let Some(name) = query.unknown(known) {
        return Err(errors::not_implemented(&format!("?{name}")));
    }
    match *req.method {
        Method::GET => get_object(api, req, query, bucket, key, false).await,
        Method::HEAD => get_object(api, req, query, bucket, key, true).await,
        Method::PUT => put_object(api, req, bucket, key).await,
        Method::DELETE => delete_object(api, req, bucket, key).await,
        _ => Err(errors::method_not_allowed()),
    }
}

/// Verify the body's integrity headers off the async workers (a CRC over 64 MiB takes a while).
pub(super) async fn verify_body(headers: &HeaderMap, body: &Bytes) -> Result<(), ApiError> {
    let (headers, body) = (headers.clone(), body.clone());
    tokio::task::spawn_blocking(move || checksums::verify_body(&headers, &body))
        .await
        .map_err(|e| ApiError::internal_from("verifying a checksum", &e))?
}

/// Refuse what a write asks for that trailrunner does not do (PutObject, CreateMultipartUpload).
pub(super) fn refuse_unsupported(headers: &HeaderMap) -> Result<(), ApiError> {
    for name in UNSUPPORTED_PUT_HEADERS {
        if headers.contains_key(*name) {
            return Err(errors::not_implemented(name));
        }
    }
    if header(headers, "x-amz-acl").is_some_and(|acl| acl != "private")
        || header(headers, "x-amz-storage-class").is_some_and(|c| c != "STANDARD")
    {
        return Err(errors::not_implemented(
            "object ACLs and storage classes other than private and STANDARD",
        ));
    }
    refuse_chunked(headers)
}

/// `Content-Encoding: aws-chunked` bodies are not decoded: refused.
pub(super) fn refuse_chunked(headers: &HeaderMap) -> Result<(), ApiError> {
    let content_encoding = header(headers, "content-encoding").unwrap_or("");
    if content_encoding
        .split(',')
        .any(|e| e.trim().eq_ignore_ascii_case("aws-chunked"))
    {
        return Err(errors::not_implemented(
            "Content-Encoding: aws-chunked (send the payload in one piece)",
        ));
    }
    Ok(())
}

/// What a write's headers say about the object besides its contents: content type, user metadata, stored headers.
pub(super) fn put_options(req_headers: &HeaderMap) -> Result<PutOptions, ApiError> {
    let mut metadata = Vec::new();
    let mut headers = Vec::new();
    for (name, value) in req_headers {
        let Ok(value) = std::str::from_utf8(value.as_bytes()) else {
            return Err(errors::invalid_argument(format!(
                "The value of header {name} is not valid UTF-8"
            )));
        };
        if let Some(meta) = name.as_str().strip_prefix("x-amz-meta-") {
            metadata.push((meta.to_string(), value.to_string()));
        } else if STORED_HEADERS.contains(&name.as_str()) {
            headers.push((name.as_str().to_string(), value.to_string()));
        }
    }
    Ok(PutOptions {
        content_type: header(req_headers, "content-type")
            .filter(|c| !c.is_empty())
            .map(str::to_string),
        metadata,
        headers,
    })
}

/// Echo the checksum headers that were verified, as S3 does.
pub(super) fn echo_checksums(resp: &mut Response<Bytes>, headers: &HeaderMap) {
    for algorithm in checksums::Algorithm::ALL {
        if let Some(v) = header(headers, algorithm.header()) {
            set_header(resp, algorithm.header(), v);
        }
    }
}

async fn put_object(
    api: &S3Api<'_>,
    req: &S3Request<'_>,
    bucket: &str,
    key: &str,
) -> Result<Response<Bytes>, ApiError> {
    refuse_unsupported(req.headers)?;
    if req.body.len() > api.max_object_bytes {
        return Err(errors::entity_too_large(api.max_object_bytes));
    }
    api.permit(req.caller, "s3:PutObject", bucket, Some(key))
        .await?;
    verify_body(req.headers, &req.body).await?;
    let options = put_options(req.headers)?;
    let meta = api
        .store
        .put(bucket, key, req.body.clone(), options)
        .await
        .map_err(|e| errors::from_local(e, &req.caller.account_id))?;
    let mut resp = empty_response(StatusCode::OK);
    set_header(&mut resp, "etag", &meta.etag);
    echo_checksums(&mut resp, req.headers);
    Ok(resp)
}

/// An HTTP date (`If-Modified-Since`); an unreadable one is ignored, as RFC 9110 says.
fn http_date(headers: &HeaderMap, name: &str) -> Option<Timestamp> {
    let v = header(headers, name)?;
    jiff::fmt::rfc2822::parse(v).ok().map(|z| z.timestamp())
}

fn http_date_text(t: Timestamp) -> String {
    t.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// `If-Match`, `If-Unmodified-Since`, `If-None-Match`, `If-Modified-Since`, in RFC 9110's order.
fn check_conditions(headers: &HeaderMap, meta: &ObjectMeta) -> Result<(), ApiError> {
    let etag_in = |list: &str| {
        list.split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| {
                t == "*" || t == meta.etag || t.trim_matches('"') == meta.etag.trim_matches('"')
            })
    };
    // HTTP dates have whole seconds.
    let modified =
        Timestamp::from_second(meta.last_modified.as_second()).unwrap_or(meta.last_modified);
    let fail = errors::precondition_failed;
    if let Some(list) = header(headers, "if-match") {
        if !etag_in(list) {
            return Err(fail());
        }
    } else if let Some(t) = http_date(headers, "if-unmodified-since") {
        if modified > t {
            return Err(fail());
        }
    }
    if let Some(list) = header(headers, "if-none-match") {
        if etag_in(list) {
            return Err(errors::not_modified());
        }
    } else if let Some(t) = http_date(headers, "if-modified-since") {
        if modified <= t {
            return Err(errors::not_modified());
        }
    }
    Ok(())
}

async fn get_object(
    api: &S3Api<'_>,
    req: &S3Request<'_>,
    query: &Query,
    bucket: &str,
    key: &str,
    head: bool,
) -> Result<Response<Bytes>, ApiError> {
    api.permit(req.caller, "s3:GetObject", bucket, Some(key))
        .await?;
    let account = &req.caller.account_id;
    let range = request::range(req.headers);
    let read = if head {
        let meta = api
            .store
            .head(bucket, key)
            .await
            .map_err(|e| errors::from_local(e, account))?;
        let range = range
            .map(|r| r.resolve(meta.size))
            .transpose()
            .map_err(|e| errors::from_local(e, account))?;
        ObjectRead {
            meta,
            range,
            body: Bytes::new(),
        }
    } else {
        api.store
            .get_at_most(bucket, key, range, api.max_object_bytes as u64)
            .await
            .map_err(|e| errors::from_local(e, account))?
    };
    check_conditions(req.headers, &read.meta)?;
    let meta = &read.meta;
    let length = match read.range {
        Some((start, end)) => end - start + 1,
        None => meta.size,
    };
    let mut resp = Response::new(read.body);
    set_header(
        &mut resp,
        "content-type",
        meta.content_type
            .as_deref()
            .unwrap_or("binary/octet-stream"),
    );
    set_header(&mut resp, "content-length", &length.to_string());
    set_header(&mut resp, "etag", &meta.etag);
    set_header(
        &mut resp,
        "last-modified",
        &http_date_text(meta.last_modified),
    );
    set_header(&mut resp, "accept-ranges", "bytes");
    for (name, value) in &meta.headers {
        set_header(&mut resp, name, value);
    }
    for (name, value) in &meta.metadata {
        set_header(&mut resp, &format!("x-amz-meta-{name}"), value);
    }
    for (param, name) in RESPONSE_OVERRIDES {
        if let Some(v) = query.get(param) {
            set_header(&mut resp, name, v);
        }
    }
    if let Some((start, end)) = read.range {
        *resp.status_mut() = StatusCode::PARTIAL_CONTENT;
        set_header(
            &mut resp,
            "content-range",
            &format!("bytes {start}-{end}/{}", meta.size),
        );
    }
    Ok(resp)
}

async fn delete_object(
    api: &S3Api<'_>,
    req: &S3Request<'_>,
    bucket: &str,
    key: &str,
) -> Result<Response<Bytes>, ApiError> {
    api.permit(req.caller, "s3:DeleteObject", bucket, Some(key))
        .await?;
    api.store
        .delete(bucket, key)
        .await
        .map_err(|e| errors::from_local(e, &req.caller.account_id))?;
    Ok(empty_response(StatusCode::NO_CONTENT))
}

/// `POST /<bucket>?delete`: up to 1000 keys; each is authorized (`s3:DeleteObject`) and reported on its own.
pub(super) async fn delete_objects(
    api: &S3Api<'_>,
    req: &S3Request<'_>,
    bucket: &str,
) -> Result<Response<Bytes>, ApiError> {
    let has_checksum = req.headers.contains_key("content-md5")
        || checksums::Algorithm::ALL
            .iter()
            .any(|a| req.headers.contains_key(a.header()));
    if !has_checksum {
        return Err(errors::invalid_request(
            "Missing required header for this request: Content-MD5",
        ));
    }
    verify_body(req.headers, &req.body).await?;
    let (keys, quiet) = xml::delete_request(&req.body)?;
    api.owned_bucket(req.caller, bucket).await?;
    let mut x = Xml::document("DeleteResult");
    for key in &keys {
        let outcome = match api
            .allow(req.caller, "s3:DeleteObject", &arn(bucket, Some(key)))
            .await
        {
            Ok(()) => api
                .store
                .delete(bucket, key)
                .await
                .map_err(|e| errors::from_local(e, &req.caller.account_id)),
            Err(e) => Err(e),
        };
        match outcome {
            Ok(()) if quiet => {}
            Ok(()) => {
                x.open("Deleted").text("Key", key).close("Deleted");
            }
            Err(e) => {
                x.open("Error")
                    .text("Key", key)
                    .text("Code", &e.code)
                    .text("Message", &e.message)
                    .close("Error");
            }
        }
    }
    Ok(xml_response(StatusCode::OK, x.finish("DeleteResult")))
}
