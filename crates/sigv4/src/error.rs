//! The one error type of the crate.
//!
//! Every rejection carries an [`AuthErrorKind`] (what the wire layer maps to an AWS error code and
//! HTTP status) and a message worded the way AWS words it, so that a real client shows its user a
//! familiar text. Messages never contain secret material: at most they echo what the client itself
//! sent (dates, scope elements, the Authorization header, which holds no secret).

/// What went wrong, coarse enough for the wire layer to pick the AWS error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthErrorKind {
    /// No `Authorization` header and no `X-Amz-Algorithm`/`X-Amz-Signature` query parameter
    /// (AWS: `MissingAuthenticationTokenException`, "Missing Authentication Token").
    Missing,
    /// Malformed or incomplete `Authorization` header or presigned parameters
    /// (AWS: `IncompleteSignatureException`; S3: `AuthorizationHeaderMalformed`,
    /// `AuthorizationQueryParametersError`).
    Incomplete,
    /// The signature we computed differs from the one supplied (AWS: `InvalidSignatureException`;
    /// S3: `SignatureDoesNotMatch`).
    SignatureMismatch,
    /// Request time older than `now - skew`, or a presigned URL past `X-Amz-Expires`.
    Expired,
    /// Request time later than `now + skew`.
    NotYetValid,
    /// Credential scope is wrong: date, region, service or terminator.
    ScopeMismatch,
    /// `x-amz-content-sha256` is not a usable value, or is a hash that differs from the body's
    /// (S3: `XAmzContentSHA256Mismatch` / `InvalidArgument`).
    ContentSha256Mismatch,
    /// Well-formed but not supported here: another algorithm, SigV2, `STREAMING-*` payloads.
    Unsupported,
}

/// A rejected request. `Display` is the AWS-style message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct AuthError {
    kind: AuthErrorKind,
    message: String,
}

impl AuthError {
    pub fn new(kind: AuthErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// The category of the failure.
    pub fn kind(&self) -> AuthErrorKind {
        self.kind
    }

    /// The AWS-style message, suitable for the `message` member of the error response.
    pub fn message(&self) -> &str {
        &self.message
    }

    pub(crate) fn missing() -> Self {
        Self::new(AuthErrorKind::Missing, "Missing Authentication Token")
    }

    pub(crate) fn incomplete(message: impl Into<String>) -> Self {
        Self::new(AuthErrorKind::Incomplete, message)
    }

    pub(crate) fn unsupported(message: impl Into<String>) -> Self {
        Self::new(AuthErrorKind::Unsupported, message)
    }

    pub(crate) fn scope(message: impl Into<String>) -> Self {
        Self::new(AuthErrorKind::ScopeMismatch, message)
    }

    /// The wording AWS JSON and query services use for `InvalidSignatureException`.
    pub(crate) fn signature_mismatch() -> Self {
        Self::new(
            AuthErrorKind::SignatureMismatch,
            "The request signature we calculated does not match the signature you provided. \
             Check your AWS Secret Access Key and signing method. \
             Consult the service documentation for details.",
        )
    }

    /// S3's `XAmzContentSHA256Mismatch` wording.
    pub(crate) fn content_sha256_mismatch() -> Self {
        Self::new(
            AuthErrorKind::ContentSha256Mismatch,
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
        )
    }
}

/// Echo client input in a message without letting a huge header make a huge message.
pub(crate) fn clip(s: &str) -> &str {
    const MAX: usize = 256;
    if s.len() <= MAX {
        return s;
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_the_message() {
        let e = AuthError::missing();
        assert_eq!(e.to_string(), "Missing Authentication Token");
        assert_eq!(e.kind(), AuthErrorKind::Missing);
        assert_eq!(e.message(), "Missing Authentication Token");
    }

    #[test]
    fn clip_respects_char_boundaries() {
        let long = "é".repeat(300);
        let c = clip(&long);
        assert!(c.len() <= 256);
        assert!(long.starts_with(c));
        assert_eq!(clip("short"), "short");
    }
}
