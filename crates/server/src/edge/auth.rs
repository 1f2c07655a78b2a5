//! From a signed request to an authenticated caller.

use trailrunner_api::{ApiError, Caller, SessionOrigin};
use trailrunner_iam::{KeyEntry, TokenProblem};
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

/// A request that is not authenticated: the error to answer, and, when the refusal can be attributed, who signed.
///
/// A refusal is attributable when the signature verified with a key the server knows but the credentials are
/// refused: a deactivated (`Inactive`) access key, or temporary credentials past their expiration. The signature
/// proves the caller holds the secret, so the call is recorded in the key's account, under the key's identity,
/// with the error as `errorCode`. Unknown or deleted keys (no row, so no account), bad signatures and wrong
/// session tokens are not attributable and leave no record.
pub(crate) struct Refused {
    pub(crate) error: ApiError,
    pub(crate) signer: Option<Authenticated>,
}

impl From<ApiError> for Refused {
    fn from(error: ApiError) -> Self {
        Refused {
            error,
            signer: None,
        }
    }
}

/// Verify the request's SigV4 signature. `expected_service`, when known, must equal the credential scope's.
///
/// Order matters: the scope and the clock are checked before the key is looked up and a signing key derived, so
/// a caller cannot make the server derive (and cache) keys for scopes it would refuse anyway; and an inactive key
/// or an expired session is refused as attributable only after the signature verified, so a request with a
/// made-up signature cannot make a record appear in someone's account.
pub(crate) async fn authenticate(
    state: &AppState,
    parts: &http::request::Parts,
    body: &[u8],
    family: Family,
    expected_service: Option<&str>,
    now: jiff::Timestamp,
) -> Result<Authenticated, Refused> {
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
        ))
        .into());
    }
    let store_error =
        |e: &trailrunner_store::StoreError| ApiError::internal_from("looking up an access key", e);
    let (key, active) = match state
        .keys
        .lookup(parsed.access_key_id)
        .await
        .map_err(|e| store_error(&e))?
    {
        Some(key) => (key, true),
        None => (
            state
                .keys
                .lookup_inactive(parsed.access_key_id)
                .await
                .map_err(|e| store_error(&e))?
                .ok_or_else(|| trailrunner_wire::auth::unknown_access_key(family))?,
            false,
        ),
    };
    let signing_key = key.signing_key(parsed.scope_date, parsed.region, parsed.service);
    trailrunner_sigv4::verify(&request, &parsed, &signing_key, now, &policy)
        .map_err(|e| refuse(&e))?;
    // Only once the signature proves the caller holds the secret.
    let signer = || Authenticated {
        caller: key.caller.clone(),
        region: parsed.region.to_string(),
        service: parsed.service.to_string(),
    };
    if !active {
        // An inactive key cannot be used; the client gets the same error as for an unknown key.
        return Err(Refused {
            error: trailrunner_wire::auth::unknown_access_key(family),
            signer: Some(signer()),
        });
    }
    match credential_problem(
        &key,
        parsed.security_token.as_deref(),
        parsed.service,
        family,
        now,
    ) {
        Ok(()) => Ok(signer()),
        Err((error, Attribution::Signer)) => Err(Refused {
            error,
            signer: Some(signer()),
        }),
        Err((error, Attribution::None)) => Err(error.into()),
    }
}

/// Whether a credential refusal is recorded under the signer (see [`Refused`]).
enum Attribution {
    Signer,
    None,
}

/// What a verified signature does not settle: the session token must be the one issued with a temporary key (and
/// absent for a long-term one), temporary credentials must not have expired (checked against `now`, the edge's
/// clock), and credentials from `GetSessionToken` or `GetFederationToken` cannot call IAM: without MFA, IAM does
/// not recognise them (STS API Reference, GetSessionToken and GetFederationToken, "Permissions").
///
/// Also tells whether a refusal is attributable: only expiry is (the right token, for credentials that existed
/// until their `Expiration`). A wrong or missing token is not: whoever sent it has not shown they hold the session.
fn credential_problem(
    key: &KeyEntry,
    token: Option<&str>,
    service: &str,
    family: Family,
    now: jiff::Timestamp,
) -> Result<(), (ApiError, Attribution)> {
    key.check_token(token, now)
        .map_err(|problem| match problem {
            TokenProblem::Invalid => (
                trailrunner_wire::auth::invalid_token(family),
                Attribution::None,
            ),
            TokenProblem::Expired => (
                trailrunner_wire::auth::expired_token(family),
                Attribution::Signer,
            ),
        })?;
    if service == "iam" {
        if let Some(session) = &key.caller.session {
            if session.origin != SessionOrigin::AssumeRole {
                return Err((
                    trailrunner_wire::auth::invalid_token(family),
                    Attribution::None,
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};
    use std::sync::Arc;

    use super::*;
    use trailrunner_api::sys::ManualClock;
    use trailrunner_api::{CallContext, CallerKind, Clock, ServiceHandler, SystemEntropy};
    use trailrunner_iam::{KeyRing, StsHandler};
    use trailrunner_store::sqlite::Durability;
    use trailrunner_store::{SharedStore, SqliteStore};

    const ACCT: &str = "123456789012";

    fn check_credentials(
        key: &KeyEntry,
        token: Option<&str>,
        service: &str,
        family: Family,
        now: jiff::Timestamp,
    ) -> Result<(), ApiError> {
        credential_problem(key, token, service, family, now).map_err(|(error, _)| error)
    }

    fn root_ctx(now: jiff::Timestamp) -> CallContext {
        CallContext {
            request_id: "r".into(),
            caller: Caller {
                kind: CallerKind::Root,
                account_id: ACCT.into(),
                principal_id: ACCT.into(),
                arn: format!("arn:aws:iam::{ACCT}:root"),
                access_key_id: "AKIAROOTROOTROOTROOT".into(),
                user_name: None,
                session: None,
            },
            region: "us-east-1".into(),
            source_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            user_agent: "test".into(),
            now,
        }
    }

    /// Issue credentials through STS at the clock's time, commit them, and resolve them like a request would.
    async fn issue(
        store: &SharedStore,
        keys: &KeyRing,
        clock: &ManualClock,
        operation: &str,
        input: serde_json::Value,
    ) -> (Arc<KeyEntry>, String) {
        let sts = StsHandler::new(store.clone(), Arc::new(SystemEntropy));
        let outcome = sts
            .call(&root_ctx(clock.now()), operation, &input)
            .await
            .unwrap();
        store.commit(outcome.changes).await.unwrap();
        let creds = &outcome.output["Credentials"];
        let id = creds["AccessKeyId"].as_str().unwrap();
        let entry = keys.lookup(id).await.unwrap().expect("issued key resolves");
        (entry, creds["SessionToken"].as_str().unwrap().to_string())
    }

    #[tokio::test]
    async fn temporary_credentials_expire_with_each_protocol_s_error() {
        let dir = tempfile::tempdir().unwrap();
        let store: SharedStore =
            Arc::new(SqliteStore::open(&dir.path().join("t.db"), Durability::Normal).unwrap());
        let keys = KeyRing::new(store.clone());
        let clock = ManualClock::new("2026-11-25T03:00:00Z".parse().unwrap());
        let (entry, token) = issue(
            &store,
            &keys,
            &clock,
            "GetSessionToken",
            serde_json::json!({"DurationSeconds": 900}),
        )
        .await;
        assert_eq!(entry.caller.kind, CallerKind::Root);
        let check = |token: Option<&str>, family, at: &str| {
            check_credentials(&entry, token, "sts", family, at.parse().unwrap())
                .map_err(|e| (e.code.to_string(), e.message.clone(), e.status))
        };
        let invalid = "The security token included in the request is invalid.".to_string();
        let expired = "The security token included in the request is expired".to_string();
        assert_eq!(
            check(Some(&token), Family::Query, "2026-11-25T03:14:59Z"),
            Ok(())
        );
        assert_eq!(
            check(Some("nope"), Family::Query, "2026-11-25T03:00:01Z"),
            Err(("InvalidClientTokenId".into(), invalid.clone(), 403))
        );
        assert_eq!(
            check(None, Family::Json, "2026-11-25T03:00:01Z"),
            Err(("UnrecognizedClientException".into(), invalid, 403))
        );
        assert_eq!(
            check(Some(&token), Family::Query, "2026-11-25T03:15:00Z"),
            Err(("ExpiredToken".into(), expired.clone(), 403))
        );
        assert_eq!(
            check(Some(&token), Family::Json, "2026-11-25T03:15:00Z"),
            Err(("ExpiredTokenException".into(), expired, 403))
        );
        // The same key, looked up again after expiry (from the cache), stays refused.
        let again = keys
            .lookup(&entry.caller.access_key_id)
            .await
            .unwrap()
            .unwrap();
        assert!(again
            .check_token(Some(&token), "2026-11-25T04:00:00Z".parse().unwrap())
            .is_err());
        // Session-token credentials may call STS but not IAM.
        assert!(check_credentials(
            &entry,
            Some(&token),
            "iam",
            Family::Query,
            "2026-11-25T03:01:00Z".parse().unwrap()
        )
        .is_err_and(|e| e.code == "InvalidClientTokenId"));

        // Root sessions are cut to one hour, whatever was asked.
        clock.set("2026-11-25T05:00:00Z".parse().unwrap());
        let (fed, token) = issue(
            &store,
            &keys,
            &clock,
            "GetFederationToken",
            serde_json::json!({"Name": "bob", "DurationSeconds": 129600}),
        )
        .await;
        assert_eq!(fed.caller.kind, CallerKind::FederatedUser);
        assert_eq!(
            fed.caller.session.as_ref().unwrap().expires_at,
            "2026-11-25T06:00:00Z".parse().unwrap()
        );
        let at = |s: &str| s.parse::<jiff::Timestamp>().unwrap();
        assert!(check_credentials(
            &fed,
            Some(&token),
            "apprunner",
            Family::Json,
            at("2026-11-25T05:59:59Z")
        )
        .is_ok());
        assert!(check_credentials(
            &fed,
            Some(&token),
            "apprunner",
            Family::Json,
            at("2026-11-25T06:00:00Z")
        )
        .is_err_and(|e| e.code == "ExpiredTokenException"));
    }
}
