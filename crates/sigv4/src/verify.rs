//! Scope, clock and signature checks.
//!
//! Order matters for cost, not for security: the cheap structural checks (scope, clock) run
//! before any hashing, the signature before the body-hash check (so an unauthenticated request
//! never makes the server hash a large body it was told the hash of).

use aws_lc_rs::{constant_time, hmac};
use jiff::Timestamp;

use crate::amzdate::format_secs;
use crate::canonical::Prepared;
use crate::error::{clip, AuthError, AuthErrorKind};
use crate::key::SigningKey;
use crate::parse::{AuthMode, ParsedAuth, PayloadHash, ALGORITHM};
use crate::sink::{sha256_hex, HashSink};
use crate::{Policy, RequestParts};

/// Scope and clock checks alone: no key needed. [`verify`] runs them first; a caller may run
/// them before looking up or deriving a key so that requests with a bogus scope never reach the
/// key cache.
pub fn precheck(auth: &ParsedAuth, now: Timestamp, policy: &Policy) -> Result<(), AuthError> {
    check_scope(auth, policy)?;
    check_clock(auth, now, policy)
}

/// Verify scope, clock and signature of `req` (as parsed into `auth`) with the derived `key`.
///
/// `key` must have been derived for `auth.scope_date`, `auth.region` and `auth.service` with the
/// secret of `auth.access_key_id`; `now` is the server's clock.
pub fn verify(
    req: &RequestParts,
    auth: &ParsedAuth,
    key: &SigningKey,
    now: Timestamp,
    policy: &Policy,
) -> Result<(), AuthError> {
    precheck(auth, now, policy)?;
    // Malformed signatures are simply signatures that do not match: the same answer, and no
    // hint to a prober about which part of its forgery was wrong.
    let provided = decode_signature(auth.signature).ok_or_else(AuthError::signature_mismatch)?;

    let prepared = Prepared::new(req, auth, policy.uri_encoding);
    let mut matched = false;
    for uri in prepared.uris.iter().flatten() {
        let mut sink = HashSink::new();
        prepared.write(
            &mut sink,
            uri,
            req.method,
            req.headers,
            &auth.signed_headers,
        );
        let expected = sign(key, auth, &sink.finish_hex());
        // Constant-time comparison: an early-exit `==` would leak, through response timing, how
        // many leading bytes of a guessed signature are right, letting an attacker forge a
        // signature for a request of its choosing byte by byte. The result is only combined
        // after the comparison, and every candidate is always computed.
        matched |= constant_time::verify_slices_are_equal(expected.as_ref(), &provided).is_ok();
    }
    if !matched {
        return Err(AuthError::signature_mismatch());
    }

    if let PayloadHash::Sha256(declared) = auth.payload {
        // The signature covers the declared hash; this ties the declared hash to the body that
        // actually arrived. Neither value is secret, so an ordinary comparison is fine.
        if !declared
            .as_bytes()
            .eq_ignore_ascii_case(&sha256_hex(req.body))
        {
            return Err(AuthError::content_sha256_mismatch());
        }
    }
    Ok(())
}

/// The canonical request the server computes for `req` (the first URI candidate), for
/// diagnostics: S3 returns it in `SignatureDoesNotMatch` errors. Contains no secret.
pub fn canonical_request(req: &RequestParts, auth: &ParsedAuth, policy: &Policy) -> String {
    let prepared = Prepared::new(req, auth, policy.uri_encoding);
    let mut out = Vec::new();
    if let Some(uri) = prepared.uris.iter().flatten().next() {
        prepared.write(&mut out, uri, req.method, req.headers, &auth.signed_headers);
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The string to sign matching [`canonical_request`], for diagnostics. Contains no secret.
pub fn string_to_sign(req: &RequestParts, auth: &ParsedAuth, policy: &Policy) -> String {
    let creq = canonical_request(req, auth, policy);
    let hash = sha256_hex(creq.as_bytes());
    let mut out = String::with_capacity(160);
    for part in string_to_sign_parts(auth, &hash) {
        out.push_str(std::str::from_utf8(part).unwrap_or(""));
    }
    out
}

fn string_to_sign_parts<'a>(auth: &'a ParsedAuth, creq_hash: &'a [u8; 64]) -> [&'a [u8]; 13] {
    [
        ALGORITHM.as_bytes(),
        b"\n",
        auth.amz_date().as_bytes(),
        b"\n",
        auth.scope_date.as_bytes(),
        b"/",
        auth.region.as_bytes(),
        b"/",
        auth.service.as_bytes(),
        b"/",
        auth.terminator.as_bytes(),
        b"\n",
        creq_hash,
    ]
}

fn sign(key: &SigningKey, auth: &ParsedAuth, creq_hash: &[u8; 64]) -> hmac::Tag {
    let mut ctx = hmac::Context::with_key(key.hmac_key());
    for part in string_to_sign_parts(auth, creq_hash) {
        ctx.update(part);
    }
    ctx.sign()
}

fn decode_signature(sig: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(sig, &mut out).ok()?;
    Some(out)
}

const TERMINATOR: &str = "aws4_request";

fn check_scope(auth: &ParsedAuth, policy: &Policy) -> Result<(), AuthError> {
    if auth.terminator != TERMINATOR {
        return Err(AuthError::scope(format!(
            "Credential should be scoped with a valid terminator: 'aws4_request', not '{}'. ",
            clip(auth.terminator)
        )));
    }
    if auth.scope_date != auth.amz_date.date() {
        return Err(AuthError::scope(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}', from '{}'.",
            clip(auth.scope_date),
            auth.amz_date.date(),
            auth.amz_date()
        )));
    }
    if !is_scope_name(auth.region) {
        return Err(AuthError::scope(
            "Credential should be scoped to a valid region. ",
        ));
    }
    match policy.expected_service {
        Some(expected) if auth.service != expected => Err(AuthError::scope(format!(
            "Credential should be scoped to correct service: '{expected}'. "
        ))),
        None if !is_scope_name(auth.service) => Err(AuthError::scope(
            "Credential should be scoped to a valid service. ",
        )),
        _ => Ok(()),
    }
}

/// Region and service names: 1 to 64 of `a-z 0-9 -`.
fn is_scope_name(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn check_clock(auth: &ParsedAuth, now: Timestamp, policy: &Policy) -> Result<(), AuthError> {
    const NS: i128 = 1_000_000_000;
    let skew = i128::from(policy.max_skew_secs.max(0));
    let t = i128::from(auth.request_time.as_second());
    let n = now.as_nanosecond();
    let n_secs = now.as_second();
    let skew_secs = policy.max_skew_secs.max(0);
    // Only formatted on the error paths.
    let skew_text = || {
        if skew_secs % 60 == 0 {
            format!("{} min.", skew_secs / 60)
        } else {
            format!("{skew_secs} sec.")
        }
    };

    // Wording of AWS JSON/query services, e.g.
    // "Signature not yet current: 20181017T093750Z is still later than 20181017T093639Z
    //  (20181017T093139Z + 5 min.)"
    if t * NS > n + skew * NS {
        return Err(AuthError::new(
            AuthErrorKind::NotYetValid,
            format!(
                "Signature not yet current: {} is still later than {} ({} + {})",
                auth.amz_date(),
                format_secs(n_secs.saturating_add(skew_secs)),
                format_secs(n_secs),
                skew_text()
            ),
        ));
    }
    match auth.mode {
        // "Signature expired: 20140325T143453Z is now earlier than 20140325T143751Z
        //  (20140325T145251Z - 15 min.)"
        AuthMode::Header if t * NS < n - skew * NS => Err(AuthError::new(
            AuthErrorKind::Expired,
            format!(
                "Signature expired: {} is now earlier than {} ({} - {})",
                auth.amz_date(),
                format_secs(n_secs.saturating_sub(skew_secs)),
                format_secs(n_secs),
                skew_text()
            ),
        )),
        // S3 answers an expired presigned URL with AccessDenied "Request has expired" (its
        // documented wording, also used here for presigned requests to other services).
        AuthMode::Presigned if n > (t + i128::from(auth.expires_secs.unwrap_or(0))) * NS => Err(
            AuthError::new(AuthErrorKind::Expired, "Request has expired"),
        ),
        _ => Ok(()),
    }
}

#[cfg(test)]
#[path = "verify_tests.rs"]
mod tests;
