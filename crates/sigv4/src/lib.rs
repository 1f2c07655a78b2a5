//! AWS Signature Version 4 verification, server side.
//!
//! The caller's flow is
//!
//! ```text
//! parse(req) ─► look up the secret of auth.access_key_id ─► SigningKey::derive (cached)
//!            ─► verify(req, &auth, &key, now, &policy)
//! ```
//!
//! The crate does no I/O and never reads the clock: `now` is passed in, so tests pin it.
//!
//! What the caller owns:
//! - **Key cache.** `SigningKey::derive` costs four HMACs; cache keys per (access key id, scope
//!   date, region, service). Call [`precheck`] (scope and clock, no key needed) *before* deriving,
//!   so a request carrying an arbitrary date, region or service cannot add cache entries; bound
//!   the cache anyway.
//! - **Unknown access keys** and **security tokens**: [`ParsedAuth::security_token`] is handed over
//!   (decoded), and must be checked against the one issued with the access key.
//! - **Unsigned payloads.** [`ParsedAuth::payload`] is [`PayloadHash::Unsigned`] when the client
//!   chose `UNSIGNED-PAYLOAD`; refuse it where the body carries the request.
//! - **S3 vs the rest.** [`UriEncoding::Single`] for S3 (also selects `UNSIGNED-PAYLOAD` as the
//!   default payload of presigned URLs); [`UriEncoding::Double`] for every other service.
//! - **Decoding.** Interpret path and query with the rules the canonicalisation uses (`%XX`
//!   everywhere, `+` as a space in the query only), or the signed meaning and the acted-on meaning
//!   can differ.
//!
//! # Security reasoning
//!
//! - **What a valid signature proves.** The signature is an HMAC-SHA256, keyed with a key derived
//!   from the secret access key and the credential scope, over the canonical request: method,
//!   path, query, every header named in `SignedHeaders`, and the payload hash. A request that
//!   verifies was produced by a holder of the secret, and none of those parts was changed on the
//!   way. Headers *not* in `SignedHeaders` are not protected; `host` must be signed (else
//!   [`AuthErrorKind::Incomplete`]) so a request cannot be replayed against another virtual host.
//! - **One decoding, one meaning.** The canonical request is rebuilt from what arrived, never from
//!   what the client claims it sent. Path and query are canonicalised by decoding percent-escapes
//!   and re-encoding them in the one canonical form, so two spellings of the same request give the
//!   same canonical request and two different requests never do. Where signers disagree about a
//!   non-canonical path (see `canonical.rs`), every candidate we try decodes to the same path, so
//!   accepting any of them never accepts a request other than the one signed. The server must
//!   decode the path and query with the same rules (`%XX`; `+` is a space in the query only).
//! - **Constant-time comparison.** The computed signature is compared with
//!   `aws_lc_rs::constant_time::verify_slices_are_equal`, so response timing reveals nothing about
//!   how close a forged signature is. Malformed signatures (wrong length, not hex) get the same
//!   [`AuthErrorKind::SignatureMismatch`] answer as wrong ones.
//! - **Replay window.** A header-signed request is accepted only while its `X-Amz-Date` lies
//!   within `max_skew_secs` of `now` on either side; a presigned URL until `X-Amz-Date +
//!   X-Amz-Expires` (at most seven days), and never when dated more than the skew in the future.
//!   Inside the window a captured request can be replayed; idempotency is the caller's concern.
//! - **Scope.** The key is derived for (date, region, service); the scope date must equal the
//!   request date, the terminator must be `aws4_request`, and the service must be the one the
//!   request is routed to ([`Policy::expected_service`]), so a signature made for one service is
//!   useless against another.
//! - **Payload.** Without `x-amz-content-sha256` the body is hashed into the canonical request.
//!   With a declared hex hash, that hash is signed and then checked against the body. With
//!   `UNSIGNED-PAYLOAD` the body is *not* authenticated: [`ParsedAuth::payload`] tells the caller,
//!   which may refuse it for services where the body is the whole request (awsJson, awsQuery).
//!   `STREAMING-*` (chunked) payloads are refused as [`AuthErrorKind::Unsupported`].
//! - **Secrets.** The secret and derived keys never appear in a `Debug` print or an error message
//!   ([`SigningKey`]'s `Debug` is redacted, as is the security token in [`ParsedAuth`]'s).
//!   Transient copies of `"AWS4" + secret` are overwritten after use (best effort).
//! - **Bounded work, no panics.** Parsing is single-pass over input whose size the server already
//!   limits; `SignedHeaders` is capped at [`MAX_SIGNED_HEADERS`] names, none repeated (so no
//!   header is hashed twice); query sorting is `n log n`; at most two URI candidates are hashed.
//!   No input can make the crate panic (the parsers are property-tested with arbitrary input).

mod amzdate;
mod canonical;
mod encode;
mod error;
mod key;
mod parse;
mod sink;
mod verify;

pub use error::{AuthError, AuthErrorKind};
pub use key::SigningKey;
pub use parse::{parse, AuthMode, ParsedAuth, PayloadHash, MAX_EXPIRES_SECS, MAX_SIGNED_HEADERS};
pub use verify::{canonical_request, precheck, string_to_sign, verify};

/// Borrowed view of an incoming HTTP request.
#[derive(Clone, Copy, Debug)]
pub struct RequestParts<'a> {
    /// As received, e.g. `POST`.
    pub method: &'a str,
    /// Raw path as received, still percent-encoded, e.g. `/` or `/my-bucket/a%20b.txt`.
    pub path: &'a str,
    /// Raw query string without `?`, as received.
    pub query: Option<&'a str>,
    /// Must include `host` (for HTTP/2, insert it from the `:authority`).
    pub headers: &'a http::HeaderMap,
    pub body: &'a [u8],
}

/// How the canonical URI is formed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UriEncoding {
    /// Every service except S3: the path is normalised (`.`, `..`, `//`) and its encoded form
    /// encoded a second time.
    Double,
    /// S3: the path is used as it is, in canonical (encode-once) form, without normalisation.
    Single,
}

/// What the server expects of a request.
#[derive(Clone, Copy, Debug)]
pub struct Policy<'a> {
    /// Allowed distance between the request time and `now`, both directions (AWS: 900).
    pub max_skew_secs: i64,
    /// The service the request is routed to; the credential scope's service must equal it.
    pub expected_service: Option<&'a str>,
    pub uri_encoding: UriEncoding,
}
