//! S3's error codes, messages and HTTP statuses (Amazon S3 API Reference, "Error responses"). Rendered by the
//! edge's one renderer (`trailrunner_wire::render`, restXml: `<Error><Code/><Message/><RequestId/></Error>`).

use trailrunner_api::{ApiError, Fault};

use crate::local::LocalError;

fn err(code: &'static str, status: u16, message: impl Into<String>) -> ApiError {
    ApiError::client(code, message).with_status(status)
}

pub fn invalid_uri() -> ApiError {
    err("InvalidURI", 400, "Couldn't parse the specified URI.")
}

pub fn invalid_argument(message: impl Into<String>) -> ApiError {
    err("InvalidArgument", 400, message)
}

pub fn invalid_request(message: impl Into<String>) -> ApiError {
    err("InvalidRequest", 400, message)
}

pub fn malformed_xml() -> ApiError {
    err(
        "MalformedXML",
        400,
        "The XML you provided was not well-formed or did not validate against our published schema",
    )
}

pub fn no_such_bucket() -> ApiError {
    err("NoSuchBucket", 404, "The specified bucket does not exist")
}

pub fn no_such_key() -> ApiError {
    err("NoSuchKey", 404, "The specified key does not exist.")
}

pub fn no_such_upload() -> ApiError {
    err(
        "NoSuchUpload",
        404,
        "The specified multipart upload does not exist. The upload ID may be invalid, or the upload may have \
         been aborted or completed.",
    )
}

pub fn access_denied() -> ApiError {
    err("AccessDenied", 403, "Access Denied")
}

pub fn method_not_allowed() -> ApiError {
    err(
        "MethodNotAllowed",
        405,
        "The specified method is not allowed against this resource.",
    )
}

/// A sub-resource, parameter or header trailrunner does not implement: an explicit 501, never a fake success.
pub fn not_implemented(what: &str) -> ApiError {
    err(
        "NotImplemented",
        501,
        format!(
            "A header or query you provided implies functionality that is not implemented: {what}"
        ),
    )
    .with_fault(Fault::Server)
}

pub fn bad_digest(what: &str) -> ApiError {
    err(
        "BadDigest",
        400,
        format!("The {what} you specified did not match the calculated checksum."),
    )
}

pub fn invalid_digest() -> ApiError {
    err(
        "InvalidDigest",
        400,
        "The Content-MD5 you specified is not valid.",
    )
}

pub fn precondition_failed() -> ApiError {
    err(
        "PreconditionFailed",
        412,
        "At least one of the pre-conditions you specified did not hold",
    )
}

/// `304 Not Modified` travels as an error (no body is sent with it).
pub fn not_modified() -> ApiError {
    err("NotModified", 304, "Not Modified")
}

pub fn entity_too_large(limit: usize) -> ApiError {
    err(
        "EntityTooLarge",
        400,
        format!("Your proposed upload exceeds the maximum allowed size of {limit} bytes"),
    )
}

pub fn no_such_bucket_policy() -> ApiError {
    err(
        "NoSuchBucketPolicy",
        404,
        "The bucket policy does not exist",
    )
}

pub fn malformed_policy(message: impl Into<String>) -> ApiError {
    err("MalformedPolicy", 400, message)
}

/// What the store refused, in S3's terms. `caller_account` tells `BucketAlreadyOwnedByYou` from
/// `BucketAlreadyExists`.
pub fn from_local(e: LocalError, caller_account: &str) -> ApiError {
    match e {
        LocalError::InvalidBucketName(_) => {
            err("InvalidBucketName", 400, "The specified bucket is not valid.")
        }
        LocalError::NoSuchBucket(_) => no_such_bucket(),
        LocalError::BucketExists { owner, .. } if owner == caller_account => err(
            "BucketAlreadyOwnedByYou",
            409,
            "Your previous request to create the named bucket succeeded and you already own it.",
        ),
        LocalError::BucketExists { .. } => err(
            "BucketAlreadyExists",
            409,
            "The requested bucket name is not available. The bucket namespace is shared by all users of the \
             system. Please select a different name and try again.",
        ),
        LocalError::BucketNotEmpty(_) => err(
            "BucketNotEmpty",
            409,
            "The bucket you tried to delete is not empty",
        ),
        LocalError::NoSuchKey => no_such_key(),
        LocalError::KeyTooLong => err("KeyTooLongError", 400, "Your key is too long"),
        LocalError::MetadataTooLarge => err(
            "MetadataTooLarge",
            400,
            "Your metadata headers exceed the maximum allowed metadata size",
        ),
        LocalError::InvalidArgument(message) => invalid_argument(message),
        LocalError::InvalidRange { .. } => {
            err("InvalidRange", 416, "The requested range is not satisfiable")
        }
        LocalError::NoSuchUpload => no_such_upload(),
        LocalError::ReadTooLarge { max } => err(
            "NotImplemented",
            501,
            format!(
                "trailrunner's bucket store answers at most {max} bytes per GetObject (--max-object-bytes); \
                 read larger objects with Range requests, as the AWS CLI and SDKs do"
            ),
        ),
        LocalError::InvalidPart(_) => err(
            "InvalidPart",
            400,
            "One or more of the specified parts could not be found. The part might not have been uploaded, \
             or the specified entity tag might not have matched the part's entity tag.",
        ),
        LocalError::InvalidPartOrder => err(
            "InvalidPartOrder",
            400,
            "The list of parts was not in ascending order. Parts must be ordered by part number.",
        ),
        LocalError::EntityTooSmall => err(
            "EntityTooSmall",
            400,
            "Your proposed upload is smaller than the minimum allowed object size.",
        ),
        LocalError::Io(cause) => {
            let mut e = ApiError::internal_from("bucket store", &cause);
            e.code = "InternalError".into();
            e.message = "We encountered an internal error. Please try again.".into();
            e
        }
    }
}
