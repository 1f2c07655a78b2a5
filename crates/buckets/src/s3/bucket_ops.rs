//! Bucket operations: CreateBucket, HeadBucket, ListBuckets, DeleteBucket, GetBucketLocation, and the bucket
//! policy (`?policy`: Put, Get, Delete). Listings are in [`super::listing`], `DeleteObjects` in
//! [`super::object_ops`].

use bytes::Bytes;
use http::{Method, Response, StatusCode};
use trailrunner_api::ApiError;

use super::request::{header, Query};
use super::xml::{self, Xml};
use super::{
    arn, empty_response, errors, listing, multipart, object_ops, set_header, xml_response, S3Api,
    S3Request,
};

/// S3's limit on a bucket policy document.
const MAX_POLICY_BYTES: usize = 20 * 1024;

/// Route a request addressed to `/<bucket>` by method and sub-resource.
pub(super) async fn dispatch(
    api: &S3Api<'_>,
    req: &S3Request<'_>,
    query: &Query,
    bucket: &str,
) -> Result<Response<Bytes>, ApiError> {
    let only = |known: &[&str]| match query.unknown(known) {
        Some(name) => Err(errors::not_implemented(&format!("?{name}"))),
        None => Ok(()),
    };
    match *req.method {
        Method::GET if query.has("location") => {
            only(&["location"])?;
            get_bucket_location(api, req, bucket).await
        }
        Method::GET if query.has("policy") => {
            only(&["policy"])?;
            get_bucket_policy(api, req, bucket).await
        }
        Method::GET if query.has("uploads") => {
            only(multipart::LIST_UPLOADS_PARAMS)?;
            multipart::list_uploads(api, req, query, bucket).await
        }
        Method::GET if query.get("list-type") == Some("2") => {
            only(listing::V2_PARAMS)?;
            listing::list_objects_v2(api, req, query, bucket).await
        }
        Method::GET => {
            only(listing::V1_PARAMS)?;
            listing::list_objects(api, req, query, bucket).await
        }
        Method::HEAD => {
            only(&[])?;
            head_bucket(api, req, bucket).await
        }
        Method::PUT if query.has("policy") => {
            only(&["policy"])?;
            put_bucket_policy(api, req, bucket).await
        }
        Method::PUT => {
            only(&[])?;
            create_bucket(api, req, bucket).await
        }
        Method::DELETE if query.has("policy") => {
            only(&["policy"])?;
            delete_bucket_policy(api, req, bucket).await
        }
        Method::DELETE => {
            only(&[])?;
            delete_bucket(api, req, bucket).await
        }
        Method::POST if query.has("delete") => {
            only(&["delete"])?;
            object_ops::delete_objects(api, req, bucket).await
        }
        Method::POST => match query.unknown(&[]) {
            Some(name) => Err(errors::not_implemented(&format!("?{name}"))),
            None => Err(errors::method_not_allowed()),
        },
        _ => Err(errors::method_not_allowed()),
    }
}

fn is_region_name(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

async fn create_bucket(
    api: &S3Api<'_>,
    req: &S3Request<'_>,
    bucket: &str,
) -> Result<Response<Bytes>, ApiError> {
    if header(req.headers, "x-amz-acl").is_some_and(|acl| acl != "private")
        || header(req.headers, "x-amz-bucket-object-lock-enabled")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        return Err(errors::not_implemented(
            "bucket ACLs and Object Lock (only private buckets exist)",
        ));
    }
    api.allow(req.caller, "s3:CreateBucket", &arn(bucket, None))
        .await?;
    let illegal = |what: &str| {
        ApiError::client(
            "IllegalLocationConstraintException",
            format!(
                "The {what} location constraint is incompatible for the region specific endpoint this request was sent to."
            ),
        )
    };
    let region = match xml::location_constraint(&req.body)? {
        None if req.region != "us-east-1" => return Err(illegal("unspecified")),
        None => "us-east-1".to_string(),
        Some(c) if c == "EU" => "eu-west-1".to_string(),
        Some(c) if c == "us-east-1" || !is_region_name(&c) => {
            return Err(ApiError::client(
                "InvalidLocationConstraint",
                "The specified location-constraint is not valid",
            ))
        }
        Some(c) => c,
    };
    api.store
        .create_bucket(bucket, &req.caller.account_id, &region)
        .await
        .map_err(|e| errors::from_local(e, &req.caller.account_id))?;
    let mut resp = empty_response(StatusCode::OK);
    set_header(&mut resp, "location", &format!("/{bucket}"));
    Ok(resp)
}

async fn head_bucket(
    api: &S3Api<'_>,
    req: &S3Request<'_>,
    bucket: &str,
) -> Result<Response<Bytes>, ApiError> {
    let row = api
        .permit(req.caller, "s3:ListBucket", bucket, None)
        .await?;
    let mut resp = empty_response(StatusCode::OK);
    set_header(&mut resp, "x-amz-bucket-region", &row.region);
    set_header(&mut resp, "x-amz-access-point-alias", "false");
    Ok(resp)
}

pub(super) async fn list_buckets(
    api: &S3Api<'_>,
    req: &S3Request<'_>,
    query: &Query,
) -> Result<Response<Bytes>, ApiError> {
    if let Some(name) = query.unknown(&[
        "prefix",
        "max-buckets",
        "continuation-token",
        "bucket-region",
    ]) {
        return Err(errors::not_implemented(&format!("?{name}")));
    }
    api.allow(req.caller, "s3:ListAllMyBuckets", "*").await?;
    let max = match query.get("max-buckets") {
        None => usize::MAX,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=10_000).contains(n))
            .ok_or_else(|| errors::invalid_argument("Max buckets must be between 1 and 10000"))?,
    };
    let after = query
        .get("continuation-token")
        .map(listing::decode_token)
        .transpose()?;
    let prefix = query.get("prefix").unwrap_or("");
    let region = query.get("bucket-region");
    let all = api
        .store
        .list_buckets(&req.caller.account_id)
        .await
        .map_err(|e| errors::from_local(e, &req.caller.account_id))?;
    let mut matching = all.into_iter().filter(|b| {
        b.name.starts_with(prefix)
            && region.is_none_or(|r| b.region == r)
            && after.as_deref().is_none_or(|a| b.name.as_str() > a)
    });
    let page: Vec<_> = matching.by_ref().take(max).collect();
    let more = matching.next().is_some();

    let mut x = Xml::document("ListAllMyBucketsResult");
    listing::owner(&mut x, &req.caller.account_id);
    x.open("Buckets");
    for b in &page {
        x.open("Bucket")
            .text("Name", &b.name)
            .text("CreationDate", &xml::timestamp(b.created))
            .text("BucketRegion", &b.region)
            .close("Bucket");
    }
    x.close("Buckets");
    if more {
        if let Some(last) = page.last() {
            x.text("ContinuationToken", &listing::encode_token(&last.name));
        }
    }
    if query.has("prefix") {
        x.text("Prefix", prefix);
    }
    Ok(xml_response(
        StatusCode::OK,
        x.finish("ListAllMyBucketsResult"),
    ))
}

async fn delete_bucket(
    api: &S3Api<'_>,
    req: &S3Request<'_>,
    bucket: &str,
) -> Result<Response<Bytes>, ApiError> {
    api.permit(req.caller, "s3:DeleteBucket", bucket, None)
        .await?;
    api.store
        .delete_bucket(bucket)
        .await
        .map_err(|e| errors::from_local(e, &req.caller.account_id))?;
    Ok(empty_response(StatusCode::NO_CONTENT))
}

async fn get_bucket_location(
    api: &S3Api<'_>,
    req: &S3Request<'_>,
    bucket: &str,
) -> Result<Response<Bytes>, ApiError> {
    let row = api
        .permit(req.caller, "s3:GetBucketLocation", bucket, None)
        .await?;
    // us-east-1 is the empty constraint.
    let constraint = if row.region == "us-east-1" {
        ""
    } else {
        row.region.as_str()
    };
    let mut doc = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    doc.push_str(&format!(
        "<LocationConstraint xmlns=\"{}\">{}</LocationConstraint>",
        xml::S3_NS,
        quick_xml::escape::escape(constraint)
    ));
    Ok(xml_response(StatusCode::OK, doc))
}

async fn put_bucket_policy(
    api: &S3Api<'_>,
    req: &S3Request<'_>,
    bucket: &str,
) -> Result<Response<Bytes>, ApiError> {
    api.permit(req.caller, "s3:PutBucketPolicy", bucket, None)
        .await?;
    if req.body.len() > MAX_POLICY_BYTES {
        return Err(errors::malformed_policy("Policies must be less than 20 KB"));
    }
    let text = std::str::from_utf8(&req.body).map_err(|_| {
        errors::malformed_policy("Policies must be valid JSON and the first byte must be '{'")
    })?;
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(doc)) => {
            if !doc.contains_key("Statement") {
                return Err(errors::malformed_policy("Missing required field Statement"));
            }
        }
        _ => {
            return Err(errors::malformed_policy(
                "Policies must be valid JSON and the first byte must be '{'",
            ))
        }
    }
    api.store
        .set_policy(bucket, Some(text.to_string()))
        .await
        .map_err(|e| errors::from_local(e, &req.caller.account_id))?;
    Ok(empty_response(StatusCode::NO_CONTENT))
}

async fn get_bucket_policy(
    api: &S3Api<'_>,
    req: &S3Request<'_>,
    bucket: &str,
) -> Result<Response<Bytes>, ApiError> {
    let row = api
        .permit(req.caller, "s3:GetBucketPolicy", bucket, None)
        .await?;
    let policy = row.policy.ok_or_else(errors::no_such_bucket_policy)?;
    let mut resp = Response::new(Bytes::from(policy));
    set_header(&mut resp, "content-type", "application/json");
    Ok(resp)
}

async fn delete_bucket_policy(
    api: &S3Api<'_>,
    req: &S3Request<'_>,
    bucket: &str,
) -> Result<Response<Bytes>, ApiError> {
    api.permit(req.caller, "s3:DeleteBucketPolicy", bucket, None)
        .await?;
    api.store
        .set_policy(bucket, None)
        .await
        .map_err(|e| errors::from_local(e, &req.caller.account_id))?;
    Ok(empty_response(StatusCode::NO_CONTENT))
}
