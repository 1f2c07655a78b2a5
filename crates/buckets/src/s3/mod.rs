//! The S3 REST API of the embedded bucket store, path-style only (`/<bucket>` and `/<bucket>/<key>`; a
//! virtual-hosted-style request is read as path-style and so addresses the wrong bucket: configure clients
//! with path-style addressing, which botocore and the AWS CLI use for IP-address endpoints by themselves).
//!
//! The edge authenticates the request (SigV4, `s3` scope) and hands it here with the caller; this module
//! decides the operation, authorizes it, runs it against [`LocalBuckets`] and builds the HTTP response. Errors
//! are [`ApiError`]s with S3's codes, rendered by the edge's one renderer.
//!
//! **Authorization.** A bucket is usable by the principals of the account that owns it; another account's
//! callers get `AccessDenied` (bucket policies are stored and returned, not evaluated for REST calls). IAM users
//! and roles are also held to their identity-based policies through [`Authorize`], with action
//! `s3:<Action>` on `arn:aws:s3:::<bucket>` or `arn:aws:s3:::<bucket>/<key>` (`s3:ListBucket` for listings and
//! `HeadBucket`, `s3:GetObject` for `HeadObject`, `s3:DeleteObject` per key of `DeleteObjects`,
//! `s3:ListAllMyBuckets` on `*` for `ListBuckets`; multipart uploads: `s3:PutObject` to create, upload parts and
//! complete, `s3:AbortMultipartUpload`, `s3:ListMultipartUploadParts`, and `s3:ListBucketMultipartUploads` on the
//! bucket).
//!
//! S3 calls are not recorded as CloudTrail events: object calls are data events, which trails do not log by
//! default, and the bucket calls would need S3's model to be recorded like the other services.

mod bucket_ops;
mod checksums;
mod errors;
mod listing;
mod multipart;
mod object_ops;
mod request;
#[cfg(test)]
mod tests;
mod xml;

use async_trait::async_trait;
use bytes::Bytes;
use http::{HeaderValue, Method, Response, StatusCode};
use trailrunner_api::{ApiError, Caller};

use crate::local::{BucketRow, LocalBuckets};
use request::{Query, Target};

pub use checksums::Algorithm as ChecksumAlgorithm;

/// Identity-based policy checks, implemented by the server with its authorizer.
#[async_trait]
pub trait Authorize: Send + Sync {
    /// `Ok(())` when `caller` may do `action` (`s3:PutObject`) on `resource` (an S3 ARN, or `*`); otherwise the
    /// `AccessDenied` error to answer (or an internal error, failing closed).
    async fn authorize(
        &self,
        caller: &Caller,
        action: &str,
        resource: &str,
    ) -> Result<(), ApiError>;
}

/// One authenticated S3 request.
pub struct S3Request<'a> {
    pub method: &'a Method,
    /// The raw path, still percent-encoded.
    pub path: &'a str,
    /// The raw query, without `?`.
    pub query: Option<&'a str>,
    pub headers: &'a http::HeaderMap,
    pub body: Bytes,
    pub caller: &'a Caller,
    /// The region of the request's credential scope.
    pub region: &'a str,
}

/// The embedded store's S3 API.
pub struct S3Api<'a> {
    pub store: &'a LocalBuckets,
    pub authz: &'a dyn Authorize,
    /// The largest object accepted, for `EntityTooLarge`.
    pub max_object_bytes: usize,
}

/// The ARN of a bucket, or of an object in it.
pub fn arn(bucket: &str, key: Option<&str>) -> String {
    match key {
        Some(key) => format!("arn:aws:s3:::{bucket}/{key}"),
        None => format!("arn:aws:s3:::{bucket}"),
    }
}

impl S3Api<'_> {
    pub async fn handle(&self, req: S3Request<'_>) -> Result<Response<Bytes>, ApiError> {
        let query = Query::parse(req.query);
        match request::target(req.path)? {
            Target::Service => match *req.method {
                Method::GET => bucket_ops::list_buckets(self, &req, &query).await,
                _ => Err(errors::method_not_allowed()),
            },
            Target::Bucket(bucket) => bucket_ops::dispatch(self, &req, &query, &bucket).await,
            Target::Object(bucket, key) => {
                object_ops::dispatch(self, &req, &query, &bucket, &key).await
            }
        }
    }

    async fn allow(&self, caller: &Caller, action: &str, resource: &str) -> Result<(), ApiError> {
        self.authz.authorize(caller, action, resource).await
    }

    /// The caller may do `action` on the bucket (`key: None`) or one of its objects: the identity-based policies
    /// allow it and the caller's account owns the bucket. Returns the bucket.
    async fn permit(
        &self,
        caller: &Caller,
        action: &str,
        bucket: &str,
        key: Option<&str>,
    ) -> Result<BucketRow, ApiError> {
        self.allow(caller, action, &arn(bucket, key)).await?;
        self.owned_bucket(caller, bucket).await
    }

    /// The bucket, when it exists and the caller's account owns it: `NoSuchBucket`, else `AccessDenied`.
    async fn owned_bucket(&self, caller: &Caller, bucket: &str) -> Result<BucketRow, ApiError> {
        let row = self
            .store
            .bucket_row(bucket)
            .await
            .map_err(|e| errors::from_local(e, &caller.account_id))?
            .ok_or_else(errors::no_such_bucket)?;
        if row.owner != caller.account_id {
            return Err(errors::access_denied());
        }
        Ok(row)
    }
}

/// A response with S3's namespace-qualified XML body.
fn xml_response(status: StatusCode, body: String) -> Response<Bytes> {
    let mut resp = Response::new(Bytes::from(body));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml"),
    );
    resp
}

fn empty_response(status: StatusCode) -> Response<Bytes> {
    let mut resp = Response::new(Bytes::new());
    *resp.status_mut() = status;
    resp
}

/// Put a header whose value came from stored data; values that cannot be a header are left out.
fn set_header(resp: &mut Response<Bytes>, name: &str, value: &str) {
    if let (Ok(name), Ok(value)) = (
        http::HeaderName::from_bytes(name.as_bytes()),
        HeaderValue::from_str(value),
    ) {
        resp.headers_mut().insert(name, value);
    }
}
