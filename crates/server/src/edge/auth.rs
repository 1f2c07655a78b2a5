//! From a signed request to an authenticated caller.

use trailrunner_api::{ApiError, Caller};
use trailrunner_sigv4::{Policy, RequestParts, UriEncoding};
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
pub(crate) async fn authenticate(
    state: &AppState,
    parts: &http::request::Parts,
    body: &[u8],
    family: Family,
    expected_service: Option<&str>,
    now: jiff::Timestamp,
) -> Result<Authenticated, ApiError> {
    let request = RequestParts {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query(),
        headers: &parts.headers,
        body,
    };
    let parsed = trailrunner_sigv4::parse(&request)
        .map_err(|e| trailrunner_wire::auth::from_sigv4(family, &e))?;
    let key = state
        .keys
        .lookup(parsed.access_key_id)
        .await
        .map_err(|e| ApiError::internal_from("looking up an access key", &e))?
        .ok_or_else(|| trailrunner_wire::auth::unknown_access_key(family))?;
    let signing_key = key.signing_key(parsed.scope_date, parsed.region, parsed.service);
    let policy = Policy {
        max_skew_secs: state.max_skew_secs,
        expected_service,
        uri_encoding: if family == Family::S3 {
            UriEncoding::Single
        } else {
            UriEncoding::Double
        },
    };
    trailrunner_sigv4::verify(&request, &parsed, &signing_key, now, &policy)
        .map_err(|e| trailrunner_wire::auth::from_sigv4(family, &e))?;
    Ok(Authenticated {
        caller: key.caller.clone(),
        region: parsed.region.to_string(),
        service: parsed.service.to_string(),
    })
}
