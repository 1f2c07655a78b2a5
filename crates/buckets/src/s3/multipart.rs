//! Multipart upload: CreateMultipartUpload (`POST /b/k?uploads`), UploadPart (`PUT /b/k?partNumber=N&uploadId=U`),
//! CompleteMultipartUpload (`POST /b/k?uploadId=U`), AbortMultipartUpload (`DELETE /b/k?uploadId=U`), ListParts
//! (`GET /b/k?uploadId=U`) and ListMultipartUploads (`GET /b?uploads`). The store does the work (see
//! `local::uploads`); each part is bounded by `max_object_bytes` like a PutObject body and verified the same way
//! (`Content-MD5`, `x-amz-checksum-*`). UploadPartCopy (`x-amz-copy-source`) is not implemented.

use bytes::Bytes;
use http::{Method, Response, StatusCode};
use trailrunner_api::ApiError;

use super::listing::{owner, url_encode};
use super::object_ops::{
    echo_checksums, put_options, refuse_chunked, refuse_unsupported, verify_body,
};
use super::request::{self, header, Query};
use super::xml::{self, Xml};
use super::{empty_response, errors, set_header, xml_response, S3Api, S3Request};
use crate::local::uploads::MAX_PART_NUMBER;
use crate::local::{LocalError, UploadRow, UploadsQuery};

pub(super) const LIST_UPLOADS_PARAMS: &[&str] = &[
    "uploads",
    "prefix",
    "key-marker",
    "upload-id-marker",
    "max-uploads",
    "encoding-type",
];

/// Route a request addressed to `/<bucket>/<key>` with `?uploads` or `?uploadId`.
pub(super) async fn dispatch(
    api: &S3Api<'_>,
    req: &S3Request<'_>,
    query: &Query,
    bucket: &str,
    key: &str,
) -> Result<Response<Bytes>, ApiError> {
    let only = |known: &[&str]| match query.unknown(known) {
        Some(name) => Err(errors::not_implemented(&format!("?{name}"))),
        None => Ok(()),
    };
    let upload_id = query.get("uploadId");
    match (req.method, upload_id) {
        (&Method::POST, None) => {
            only(&["uploads"])?;
            create(api, req, bucket, key).await
        }
        (&Method::POST, Some(id)) => {
            only(&["uploadId"])?;
            complete(api, req, bucket, key, id).await
        }
        (&Method::PUT, Some(id)) => {
            only(&["uploadId", "partNumber"])?;
            upload_part(api, req, query, bucket, key, id).await
        }
        (&Method::GET, Some(id)) => {
            only(&[
                "uploadId",
                "max-parts",
                "part-number-marker",
                "encoding-type",
            ])?;
            list_parts(api, req, query, bucket, key, id).await
        }
        (&Method::DELETE, Some(id)) => {
            only(&["uploadId"])?;
            abort(api, req, bucket, key, id).await
        }
        _ => Err(errors::method_not_allowed()),
    }
}

fn local(e: LocalError, req: &S3Request<'_>) -> ApiError {
    errors::from_local(e, &req.caller.account_id)
}

async fn create(
    api: &S3Api<'_>,
    req: &S3Request<'_>,
    bucket: &str,
    key: &str,
) -> Result<Response<Bytes>, ApiError> {
    refuse_unsupported(req.headers)?;
    api.permit(req.caller, "s3:PutObject", bucket, Some(key))
        .await?;
    let options = put_options(req.headers)?;
    let upload = api
        .store
        .create_upload(bucket, key, options)
        .await
        .map_err(|e| local(e, req))?;
    let mut x = Xml::document("InitiateMultipartUploadResult");
    x.text("Bucket", bucket)
        .text("Key", key)
        .text("UploadId", &upload.upload_id);
    Ok(xml_response(
        StatusCode::OK,
        x.finish("InitiateMultipartUploadResult"),
    ))
}

async fn upload_part(
    api: &S3Api<'_>,
    req: &S3Request<'_>,
    query: &Query,
    bucket: &str,
    key: &str,
    upload_id: &str,
) -> Result<Response<Bytes>, ApiError> {
    if req.headers.contains_key("x-amz-copy-source") {
        return Err(errors::not_implemented(
            "x-amz-copy-source (UploadPartCopy)",
        ));
    }
    refuse_chunked(req.headers)?;
    let part_number = query
        .get("partNumber")
        .and_then(|n| n.parse::<u32>().ok())
        .filter(|n| (1..=MAX_PART_NUMBER).contains(n))
        .ok_or_else(|| {
            errors::invalid_argument(format!(
                "Part number must be an integer between 1 and {MAX_PART_NUMBER}, inclusive"
            ))
        })?;
    if req.body.len() > api.max_object_bytes {
        return Err(errors::entity_too_large(api.max_object_bytes));
    }
    api.permit(req.caller, "s3:PutObject", bucket, Some(key))
        .await?;
    verify_body(req.headers, &req.body).await?;
    let part = api
        .store
        .upload_part(bucket, key, upload_id, part_number, req.body.clone())
        .await
        .map_err(|e| local(e, req))?;
    let mut resp = empty_response(StatusCode::OK);
    set_header(&mut resp, "etag", &part.etag);
    echo_checksums(&mut resp, req.headers);
    Ok(resp)
}

async fn complete(
    api: &S3Api<'_>,
    req: &S3Request<'_>,
    bucket: &str,
    key: &str,
    upload_id: &str,
) -> Result<Response<Bytes>, ApiError> {
    api.permit(req.caller, "s3:PutObject", bucket, Some(key))
        .await?;
    let parts = xml::complete_request(&req.body)?;
    let meta = api
        .store
        .complete_upload(bucket, key, upload_id, parts)
        .await
        .map_err(|e| local(e, req))?;
    let location = match header(req.headers, "host") {
        Some(host) => format!("http://{host}{}", req.path),
        None => req.path.to_string(),
    };
    let mut x = Xml::document("CompleteMultipartUploadResult");
    x.text("Location", &location)
        .text("Bucket", bucket)
        .text("Key", key)
        .text("ETag", &meta.etag);
    Ok(xml_response(
        StatusCode::OK,
        x.finish("CompleteMultipartUploadResult"),
    ))
}

async fn abort(
    api: &S3Api<'_>,
    req: &S3Request<'_>,
    bucket: &str,
    key: &str,
    upload_id: &str,
) -> Result<Response<Bytes>, ApiError> {
    api.permit(req.caller, "s3:AbortMultipartUpload", bucket, Some(key))
        .await?;
    api.store
        .abort_upload(bucket, key, upload_id)
        .await
        .map_err(|e| local(e, req))?;
    Ok(empty_response(StatusCode::NO_CONTENT))
}

/// A bounded integer parameter (`max-parts`, `max-uploads`): 0 to 1000, larger values cut to 1000.
fn bounded(query: &Query, name: &str) -> Result<usize, ApiError> {
    request::max_keys(query, name)
}

fn initiator_and_owner(x: &mut Xml, account: &str) {
    x.open("Initiator")
        .text("ID", account)
        .text("DisplayName", account)
        .close("Initiator");
    owner(x, account);
}

async fn list_parts(
    api: &S3Api<'_>,
    req: &S3Request<'_>,
    query: &Query,
    bucket: &str,
    key: &str,
    upload_id: &str,
) -> Result<Response<Bytes>, ApiError> {
    let max = bounded(query, "max-parts")?;
    let marker = match query.get("part-number-marker") {
        None | Some("") => 0,
        Some(v) => v.parse::<u32>().map_err(|_| {
            errors::invalid_argument(
                "Provided part-number-marker not an integer or within integer range",
            )
        })?,
    };
    let encode = request::url_encoding(query)?;
    let row = api
        .permit(req.caller, "s3:ListMultipartUploadParts", bucket, Some(key))
        .await?;
    let page = api
        .store
        .list_parts(bucket, key, upload_id, marker, max)
        .await
        .map_err(|e| local(e, req))?;
    let mut x = Xml::document("ListPartsResult");
    x.text("Bucket", bucket)
        .text(
            "Key",
            &if encode {
                url_encode(key)
            } else {
                key.to_string()
            },
        )
        .text("UploadId", upload_id)
        .text("PartNumberMarker", &marker.to_string());
    if let Some(last) = page.parts.last() {
        x.text("NextPartNumberMarker", &last.part_number.to_string());
    }
    x.text("MaxParts", &max.to_string())
        .text("IsTruncated", if page.truncated { "true" } else { "false" });
    for part in &page.parts {
        x.open("Part")
            .text("PartNumber", &part.part_number.to_string())
            .text("LastModified", &xml::timestamp(part.last_modified))
            .text("ETag", &part.etag)
            .text("Size", &part.size.to_string())
            .close("Part");
    }
    initiator_and_owner(&mut x, &row.owner);
    x.text("StorageClass", "STANDARD");
    Ok(xml_response(StatusCode::OK, x.finish("ListPartsResult")))
}

/// `GET /<bucket>?uploads`: prefix, `key-marker`/`upload-id-marker` paging, `max-uploads`; uploads are listed by
/// key, then upload id (S3 lists one key's uploads by initiation time). No `delimiter`.
pub(super) async fn list_uploads(
    api: &S3Api<'_>,
    req: &S3Request<'_>,
    query: &Query,
    bucket: &str,
) -> Result<Response<Bytes>, ApiError> {
    let max = bounded(query, "max-uploads")?;
    let encode = request::url_encoding(query)?;
    let enc = |s: &str| if encode { url_encode(s) } else { s.to_string() };
    let row = api
        .permit(req.caller, "s3:ListBucketMultipartUploads", bucket, None)
        .await?;
    let q = UploadsQuery {
        prefix: query.get("prefix").unwrap_or("").to_string(),
        key_marker: query
            .get("key-marker")
            .filter(|m| !m.is_empty())
            .map(str::to_string),
        upload_id_marker: query
            .get("upload-id-marker")
            .filter(|m| !m.is_empty())
            .map(str::to_string),
        max_uploads: max,
    };
    let page = api
        .store
        .list_uploads(bucket, q.clone())
        .await
        .map_err(|e| local(e, req))?;
    let mut x = Xml::document("ListMultipartUploadsResult");
    x.text("Bucket", bucket)
        .text("KeyMarker", &enc(q.key_marker.as_deref().unwrap_or("")))
        .text(
            "UploadIdMarker",
            q.upload_id_marker.as_deref().unwrap_or(""),
        );
    if let Some(last) = page.uploads.last().filter(|_| page.truncated) {
        x.text("NextKeyMarker", &enc(&last.key))
            .text("NextUploadIdMarker", &last.upload_id);
    }
    if encode {
        x.text("EncodingType", "url");
    }
    x.text("MaxUploads", &max.to_string())
        .text("IsTruncated", if page.truncated { "true" } else { "false" });
    for UploadRow {
        upload_id,
        key,
        initiated,
        ..
    } in &page.uploads
    {
        x.open("Upload")
            .text("Key", &enc(key))
            .text("UploadId", upload_id);
        initiator_and_owner(&mut x, &row.owner);
        x.text("StorageClass", "STANDARD")
            .text("Initiated", &xml::timestamp(*initiated))
            .close("Upload");
    }
    x.text("Prefix", &enc(&q.prefix));
    Ok(xml_response(
        StatusCode::OK,
        x.finish("ListMultipartUploadsResult"),
    ))
}
