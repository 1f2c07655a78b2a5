//! Authentication failures as each protocol family names them.
//!
//! The same failure has different codes per family: awsJson services answer `InvalidSignatureException`,
//! STS and IAM `SignatureDoesNotMatch`, S3 `SignatureDoesNotMatch` with its own messages.

use trailrunner_api::ApiError;
use trailrunner_sigv4::{AuthError, AuthErrorKind};

use crate::protocol::Family;

/// A signature that could not be parsed or verified.
pub fn from_sigv4(family: Family, err: &AuthError) -> ApiError {
    use AuthErrorKind as K;
    let msg = err.message().to_string();
    match family {
        Family::Json => match err.kind() {
            K::Missing => ApiError::client("MissingAuthenticationTokenException", msg).with_status(403),
            K::Incomplete => ApiError::client("IncompleteSignatureException", msg),
            K::Expired | K::NotYetValid => ApiError::client("InvalidSignatureException", msg),
            K::SignatureMismatch | K::ScopeMismatch | K::ContentSha256Mismatch => {
                ApiError::client("InvalidSignatureException", msg).with_status(403)
            }
            K::Unsupported => ApiError::client("InvalidSignatureException", msg),
        },
        Family::Query => match err.kind() {
            K::Missing => ApiError::client("MissingAuthenticationToken", "Request is missing Authentication Token")
                .with_status(403),
            K::Incomplete => ApiError::client("IncompleteSignature", msg),
            K::Unsupported => ApiError::client("IncompleteSignature", msg),
            K::Expired
            | K::NotYetValid
            | K::SignatureMismatch
            | K::ScopeMismatch
            | K::ContentSha256Mismatch => ApiError::client("SignatureDoesNotMatch", msg).with_status(403),
        },
        Family::S3 => match err.kind() {
            K::Missing => ApiError::client("AccessDenied", "Access Denied").with_status(403),
            K::Incomplete | K::ScopeMismatch => ApiError::client("AuthorizationHeaderMalformed", msg),
            K::Expired | K::NotYetValid => {
                if msg.starts_with("Request has expired") {
                    ApiError::client("AccessDenied", msg).with_status(403)
                } else {
                    ApiError::client(
                        "RequestTimeTooSkewed",
                        "The difference between the request time and the current time is too large.",
                    )
                    .with_status(403)
                }
            }
            K::SignatureMismatch => ApiError::client(
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
            )
            .with_status(403),
            K::ContentSha256Mismatch => ApiError::client(
                "XAmzContentSHA256Mismatch",
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
            ),
            K::Unsupported => ApiError::client("NotImplemented", msg).with_status(501),
        },
    }
}

/// A call the caller's policies do not allow. awsJson services answer `AccessDeniedException` with HTTP 400 (the
/// "Common Errors" every awsJson API reference lists; neither App Runner's nor CloudTrail's model gives it a
/// status); STS and IAM answer `AccessDenied` with HTTP 403, as they do on AWS. CloudTrail records both as
/// `AccessDenied` (see [`ACCESS_DENIED_RECORDED`]).
pub fn access_denied(family: Family, message: String) -> ApiError {
    match family {
        Family::Json => ApiError::client("AccessDeniedException", message),
        Family::Query | Family::S3 => ApiError::client("AccessDenied", message).with_status(403),
    }
}

/// The `errorCode` CloudTrail records for an authorization refusal, whatever the protocol's code.
pub const ACCESS_DENIED_RECORDED: &str = "AccessDenied";

/// The access key id in the credential is not one the server knows (or it was deactivated or deleted).
pub fn unknown_access_key(family: Family) -> ApiError {
    match family {
        Family::Json => ApiError::client(
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        )
        .with_status(403),
        Family::Query => ApiError::client(
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
        )
        .with_status(403),
        Family::S3 => ApiError::client(
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
        )
        .with_status(403),
    }
}

/// A security token that does not go with the access key: missing for temporary credentials, wrong, or sent with
/// a long-term key. STS and IAM (awsQuery) answer `InvalidClientTokenId`, awsJson services
/// `UnrecognizedClientException`, both "The security token included in the request is invalid."; S3 `InvalidToken`.
pub fn invalid_token(family: Family) -> ApiError {
    match family {
        Family::Json | Family::Query => unknown_access_key(family),
        Family::S3 => ApiError::client(
            "InvalidToken",
            "The provided token is malformed or otherwise invalid.",
        ),
    }
}

/// Temporary credentials past their expiration: `ExpiredToken` (awsQuery), `ExpiredTokenException` (awsJson),
/// "The security token included in the request is expired"; S3 `ExpiredToken`, "The provided token has expired.".
pub fn expired_token(family: Family) -> ApiError {
    const MESSAGE: &str = "The security token included in the request is expired";
    match family {
        Family::Json => ApiError::client("ExpiredTokenException", MESSAGE).with_status(403),
        Family::Query => ApiError::client("ExpiredToken", MESSAGE).with_status(403),
        Family::S3 => ApiError::client("ExpiredToken", "The provided token has expired."),
    }
}
