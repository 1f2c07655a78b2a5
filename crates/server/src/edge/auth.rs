//! From a signed request to an authenticated caller.

use trailrunner_api::{ApiError, Caller};
use trailrunner_sigv4::{AuthError, AuthErrorKind, PayloadHash, Policy, RequestParts, UriEncoding};
use trailrunner_wire::protocol::Family;

use crate::state::AppState;

/// Who signed, and the region their credential scope names.
pub(crate) struct Authenticated {
    pub(crate) caller: Caller,
    pub(crate) region: String,
    /// The credential scope's service (for awsQuery: which service is being called).
    pub(crate) service: String,
}

/// Verify the request's SigV4 signature. `expected_service`, when known, must equal the credential scope's.
///
/// Order matters: the scope and the clock are checked before the key is looked up and a signing key derived, so
/// a caller cannot make the server derive (and cache) keys for scopes it would refuse anyway.
pub(crate) async fn authenticate(
    state: &AppState,
    parts: &http::request::Parts,
    body: &[u8],
    family: Family,
    expected_service: Option<&str>,
    now: jiff::Timestamp,
) -> Result<Authenticated, ApiError> {
    let refuse = |e: &AuthError| trailrunner_wire::auth::from_sigv4(family, e);
    let request = RequestParts {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query(),
        headers: &parts.headers,
        body,
    };
    let parsed = trailrunner_sigv4::parse(&request).map_err(|e| refuse(&e))?;
    let policy = Policy {
        max_skew_secs: state.max_skew_secs,
        expected_service,
        uri_encoding: if family == Family::S3 {
            UriEncoding::Single
        } else {
            UriEncoding::Double
        },
    };
    trailrunner_sigv4::precheck(&parsed, now, &policy).map_err(|e| refuse(&e))?;
    // For awsJson and awsQuery the body is the whole request: an unsigned one would let anyone who saw a signed
    // request replay its headers with any body. Only S3 (object payloads) may leave the payload unsigned.
    if family != Family::S3 && matches!(parsed.payload, PayloadHash::Unsigned) {
        return Err(refuse(&AuthError::new(
            AuthErrorKind::Unsupported,
            "UNSIGNED-PAYLOAD is not accepted for this service: the request body must be signed.",
        )));
    }
    let key = state
        .keys
        .lookup(parsed.access_key_id)
        .await
        .map_err(|e| ApiError::internal_from("looking up an access key", &e))?
        .ok_or_else(|| trailrunner_wire::auth::unknown_access_key(family))?;
    let signing_key = key.signing_key(parsed.scope_date, parsed.region, parsed.service);
    trailrunner_sigv4::verify(&request, &parsed, &signing_key, now, &policy)
        .map_err(|e| refuse(&e))?;
    Ok(Authenticated {
        caller: key.caller.clone(),
        region: parsed.region.to_string(),
        service: parsed.service.to_string(),
    })
}
