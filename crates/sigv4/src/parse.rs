//! Reading the signature parameters out of a request: either the `Authorization` header or the
//! presigned-URL query parameters. Parsing is purely structural; scope, clock and signature are
//! checked by [`crate::verify`].

use std::borrow::Cow;

use http::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, DATE};
use jiff::Timestamp;

use crate::amzdate::{self, AmzDate};
use crate::encode::{canonical_query_cow, decode_query_value};
use crate::error::{clip, AuthError, AuthErrorKind};
use crate::RequestParts;

static X_AMZ_DATE: HeaderName = HeaderName::from_static("x-amz-date");
static X_AMZ_SECURITY_TOKEN: HeaderName = HeaderName::from_static("x-amz-security-token");
static X_AMZ_CONTENT_SHA256: HeaderName = HeaderName::from_static("x-amz-content-sha256");

/// The only algorithm accepted.
pub(crate) const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// Upper bound on `SignedHeaders` entries: SDKs sign fewer than 20; this keeps work bounded.
pub const MAX_SIGNED_HEADERS: usize = 64;
/// The longest `X-Amz-Expires` AWS allows: seven days.
pub const MAX_EXPIRES_SECS: u32 = 604_800;

/// Where the signature came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthMode {
    /// `Authorization: AWS4-HMAC-SHA256 ...`
    Header,
    /// `?X-Amz-Algorithm=...&X-Amz-Signature=...` (presigned URL).
    Presigned,
}

/// What the signer put on the payload line of the canonical request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadHash<'a> {
    /// Nothing stated: header mode hashes the body; presigned mode uses `UNSIGNED-PAYLOAD` for S3
    /// ([`crate::UriEncoding::Single`]) and the body's hash for other services (as botocore's
    /// `SigV4QueryAuth` and the Go SDK sign it).
    Implicit,
    /// `UNSIGNED-PAYLOAD`: the body is not covered by the signature.
    Unsigned,
    /// A hex SHA-256 the client declared; verify checks it against the body.
    Sha256(&'a str),
}

/// The parsed signature parameters. Borrowed from the request where possible.
#[derive(Clone)]
pub struct ParsedAuth<'a> {
    pub mode: AuthMode,
    pub access_key_id: &'a str,
    /// `yyyymmdd` as written in the credential scope (validated by `verify`).
    pub scope_date: &'a str,
    pub region: &'a str,
    pub service: &'a str,
    /// The fifth scope element; `verify` requires `aws4_request`.
    pub terminator: &'a str,
    /// From `X-Amz-Date` (header or query parameter), else the `Date` header.
    pub request_time: Timestamp,
    /// `X-Amz-Security-Token` header, or the decoded query parameter in presigned mode. A `Cow`
    /// because a presigned token arrives percent-encoded (session tokens contain `+ / =`).
    pub security_token: Option<Cow<'a, str>>,
    /// The `SignedHeaders` list (`;`-separated, lower case, contains `host`), decoded.
    pub signed_headers: Cow<'a, str>,
    /// The signature as supplied (hex, checked by `verify`).
    pub signature: &'a str,
    /// `X-Amz-Expires` (presigned only), 1..=604800.
    pub expires_secs: Option<u32>,
    /// The payload-hash mode the signer declared.
    pub payload: PayloadHash<'a>,
    pub(crate) amz_date: AmzDate,
}

impl ParsedAuth<'_> {
    /// The request time in SigV4 basic format (`yyyymmddThhmmssZ`), as used in the string to sign.
    pub fn amz_date(&self) -> &str {
        self.amz_date.as_str()
    }

    /// The signed header names, in the order given.
    pub fn signed_header_names(&self) -> impl Iterator<Item = &str> {
        self.signed_headers.split(';')
    }
}

impl std::fmt::Debug for ParsedAuth<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParsedAuth")
            .field("mode", &self.mode)
            .field("access_key_id", &self.access_key_id)
            .field("scope_date", &self.scope_date)
            .field("region", &self.region)
            .field("service", &self.service)
            .field("terminator", &self.terminator)
            .field("request_time", &self.request_time)
            .field(
                "security_token",
                &self
                    .security_token
                    .as_ref()
                    .map(|_| "HIDDEN_DUE_TO_SECURITY_REASONS"),
            )
            .field("signed_headers", &self.signed_headers)
            .field("signature", &self.signature)
            .field("expires_secs", &self.expires_secs)
            .field("payload", &self.payload)
            .finish()
    }
}

/// Read the signature parameters from `req`. Structural problems only; see [`crate::verify`].
pub fn parse<'a>(req: &RequestParts<'a>) -> Result<ParsedAuth<'a>, AuthError> {
    let q = match req.query {
        Some(query) if !query.is_empty() => QueryAuth::scan(query)?,
        _ => QueryAuth::default(),
    };
    let authorization = single_header(req.headers, &AUTHORIZATION)?;
    match (authorization, q.algorithm.is_some()) {
        (Some(_), true) => Err(AuthError::incomplete(
            // S3's InvalidArgument wording.
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, \
             Signature query string parameter or the Authorization header should be specified",
        )),
        (Some(value), false) => parse_header(req, value),
        (None, true) => parse_presigned(req, q),
        (None, false) if q.signature.is_some() || q.credential.is_some() => {
            Err(AuthError::incomplete(PRESIGN_REQUIRED))
        }
        (None, false) => Err(AuthError::missing()),
    }
}

const PRESIGN_REQUIRED: &str = "Query-string authentication version 4 requires the \
    X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, \
    and X-Amz-Expires parameters.";

/// At most one instance of a header; its value as visible ASCII.
fn single_header<'a>(
    headers: &'a HeaderMap,
    name: &HeaderName,
) -> Result<Option<&'a str>, AuthError> {
    let mut values = headers.get_all(name).iter();
    let Some(first) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(AuthError::incomplete(format!(
            "Only one '{name}' header is allowed"
        )));
    }
    header_str(first, name.as_str()).map(Some)
}

fn header_str<'a>(v: &'a HeaderValue, name: &str) -> Result<&'a str, AuthError> {
    v.to_str()
        .map_err(|_| AuthError::incomplete(format!("The '{name}' header is not valid ASCII")))
}

fn parse_header<'a>(req: &RequestParts<'a>, value: &'a str) -> Result<ParsedAuth<'a>, AuthError> {
    let hv = value.trim_matches([' ', '\t']);
    let (scheme, rest) = hv.split_once([' ', '\t']).unwrap_or((hv, ""));
    if scheme.is_empty() {
        return Err(AuthError::incomplete(
            "Authorization header requires 'Credential' parameter. Authorization header requires \
             'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. \
             Authorization=",
        ));
    }
    if scheme != ALGORITHM {
        return Err(if scheme.starts_with("AWS4-") {
            AuthError::unsupported(format!("Unsupported AWS 'algorithm': '{}'", clip(scheme)))
        } else {
            // S3's wording for SigV2 and other schemes.
            AuthError::unsupported(
                "The authorization mechanism you have provided is not supported. \
                 Please use AWS4-HMAC-SHA256.",
            )
        });
    }

    // SDKs write `Credential=..., SignedHeaders=..., Signature=...`; tolerate any mix of commas
    // and blanks between the parts (no value can contain either).
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for token in auth_tokens(rest) {
        let Some((key, val)) = token.split_once('=') else {
            return Err(AuthError::incomplete(format!(
                "'{}' not a valid key=value pair (missing equal-sign) in Authorization header: '{}'.",
                clip(token),
                clip(hv)
            )));
        };
        let slot = match key {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed,
            "Signature" => &mut signature,
            _ => continue,
        };
        if slot.replace(val).is_some() {
            return Err(AuthError::incomplete(format!(
                "Authorization header has a duplicate '{key}' parameter. Authorization={}",
                clip(hv)
            )));
        }
    }

    let date = header_date(req.headers)?;
    if credential.is_none() || signed.is_none() || signature.is_none() || date.is_none() {
        // AWS lists every missing piece, then echoes the header.
        let mut msg = String::new();
        for (missing, text) in [
            (credential.is_none(), "Authorization header requires 'Credential' parameter. "),
            (signature.is_none(), "Authorization header requires 'Signature' parameter. "),
            (signed.is_none(), "Authorization header requires 'SignedHeaders' parameter. "),
            (
                date.is_none(),
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ",
            ),
        ] {
            if missing {
                msg.push_str(text);
            }
        }
        msg.push_str("Authorization=");
        msg.push_str(clip(hv));
        return Err(AuthError::incomplete(msg));
    }
    let (Some(credential), Some(signed), Some(signature), Some((request_time, amz_date))) =
        (credential, signed, signature, date)
    else {
        return Err(AuthError::incomplete("Incomplete Authorization header"));
    };

    let [access_key_id, scope_date, region, service, terminator] = split_credential(credential)?;
    check_signed_headers(signed)?;
    let security_token = single_header(req.headers, &X_AMZ_SECURITY_TOKEN)?.map(Cow::Borrowed);
    let payload = match single_header(req.headers, &X_AMZ_CONTENT_SHA256)? {
        Some(v) => classify_payload(v)?,
        None => PayloadHash::Implicit,
    };
    Ok(ParsedAuth {
        mode: AuthMode::Header,
        access_key_id,
        scope_date,
        region,
        service,
        terminator,
        request_time,
        security_token,
        signed_headers: Cow::Borrowed(signed),
        signature,
        expires_secs: None,
        payload,
        amz_date,
    })
}

/// The `key=value` tokens of the Authorization header after the scheme: split on commas and
/// blanks, empty pieces dropped. Byte-wise (all separators are ASCII) because this runs on every
/// request.
fn auth_tokens(rest: &str) -> impl Iterator<Item = &str> {
    let sep = |b: u8| matches!(b, b',' | b' ' | b'\t');
    let bytes = rest.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() && sep(bytes[i]) {
            i += 1;
        }
        if i == bytes.len() {
            return None;
        }
        let start = i;
        while i < bytes.len() && !sep(bytes[i]) {
            i += 1;
        }
        rest.get(start..i)
    })
}

/// `X-Amz-Date`, else `Date`. `Ok(None)` when neither is present.
fn header_date(headers: &HeaderMap) -> Result<Option<(Timestamp, AmzDate)>, AuthError> {
    if let Some(v) = single_header(headers, &X_AMZ_DATE)? {
        return amzdate::parse_basic(v).map(Some).ok_or_else(|| {
            AuthError::incomplete(format!(
                "Date must be in ISO-8601 'basic format'. Got '{}'. See http://en.wikipedia.org/wiki/ISO_8601",
                clip(v)
            ))
        });
    }
    let Some(v) = single_header(headers, &DATE)? else {
        return Ok(None);
    };
    let bad = || {
        AuthError::incomplete(format!(
            "Date header must be an RFC 1123 date. Got '{}'.",
            clip(v)
        ))
    };
    let ts = amzdate::parse_http_date(v).ok_or_else(bad)?;
    let d = amzdate::from_timestamp(ts).ok_or_else(bad)?;
    Ok(Some((ts, d)))
}

/// `AKID/yyyymmdd/region/service/aws4_request`. In a presigned URL the slashes usually arrive as
/// `%2F`; the elements themselves must need no decoding (access key ids, dates, regions and
/// service names are all plain ASCII tokens), which lets them be borrowed from the request.
fn split_credential(cred: &str) -> Result<[&str; 5], AuthError> {
    let bad = || {
        AuthError::incomplete(format!(
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{}'",
            clip(cred)
        ))
    };
    let mut parts = [""; 5];
    let mut n = 0;
    let mut rest = cred;
    loop {
        let b = rest.as_bytes();
        let (part, next) = match b.iter().position(|&c| c == b'/' || c == b'%') {
            Some(i) if b[i] == b'/' => (&rest[..i], Some(&rest[i + 1..])),
            Some(i) if b.len() >= i + 3 && b[i + 1] == b'2' && (b[i + 2] | 0x20) == b'f' => {
                (&rest[..i], Some(&rest[i + 3..]))
            }
            Some(_) => return Err(bad()),
            None => (rest, None),
        };
        if n == 5 || part.contains('+') {
            return Err(bad());
        }
        parts[n] = part;
        n += 1;
        match next {
            Some(r) => rest = r,
            None => break,
        }
    }
    if n != 5 || parts[0].is_empty() {
        return Err(bad());
    }
    Ok(parts)
}

/// Lower-case header-name tokens separated by `;`, bounded in number, each at most once,
/// including `host`.
///
/// Repeats are refused because each listed name makes the verifier hash every value of that
/// header: `x;x;x;...` would multiply the work on a large header by the list length.
fn check_signed_headers(list: &str) -> Result<(), AuthError> {
    let mut has_host = false;
    // Signers sort the list, which makes the repeat check a comparison with the previous name;
    // only an unsorted list pays for the pairwise check (at most 64 names).
    let mut sorted = true;
    let mut prev = "";
    for (i, name) in list.split(';').enumerate() {
        if i >= MAX_SIGNED_HEADERS {
            return Err(AuthError::incomplete(format!(
                "SignedHeaders lists more than {MAX_SIGNED_HEADERS} headers"
            )));
        }
        if name.is_empty() || !name.bytes().all(is_lower_tchar) {
            return Err(AuthError::incomplete(format!(
                "SignedHeaders must be ';'-separated lower-case header names, got '{}'",
                clip(list)
            )));
        }
        has_host |= name == "host";
        sorted &= i == 0 || name > prev;
        prev = name;
    }
    if !sorted {
        let names: Vec<&str> = list.split(';').collect();
        if (1..names.len()).any(|i| names[..i].contains(&names[i])) {
            return Err(AuthError::incomplete(format!(
                "SignedHeaders must not list a header twice, got '{}'",
                clip(list)
            )));
        }
    }
    if !has_host {
        return Err(AuthError::incomplete(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        ));
    }
    Ok(())
}

/// An RFC 9110 token character, upper-case letters excluded.
fn is_lower_tchar(b: u8) -> bool {
    matches!(b,
        b'a'..=b'z' | b'0'..=b'9'
        | b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_'
        | b'`' | b'|' | b'~')
}

fn classify_payload(v: &str) -> Result<PayloadHash<'_>, AuthError> {
    if v == "UNSIGNED-PAYLOAD" {
        Ok(PayloadHash::Unsigned)
    } else if v.starts_with("STREAMING-") {
        Err(AuthError::unsupported(format!(
            "x-amz-content-sha256 '{}' (chunked upload) is not supported; send the payload in one piece",
            clip(v)
        )))
    } else if v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(PayloadHash::Sha256(v))
    } else {
        Err(AuthError::new(
            AuthErrorKind::ContentSha256Mismatch,
            "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-<...>, or a valid sha256 value.",
        ))
    }
}

/// The presigned-URL parameters found in a query string (raw, still encoded).
#[derive(Default)]
struct QueryAuth<'a> {
    algorithm: Option<&'a str>,
    credential: Option<&'a str>,
    date: Option<&'a str>,
    expires: Option<&'a str>,
    signed_headers: Option<&'a str>,
    signature: Option<&'a str>,
    token: Option<&'a str>,
    content_sha256: Option<&'a str>,
}

impl<'a> QueryAuth<'a> {
    /// One pass over the query. Keys are compared in canonical form, the same form the canonical
    /// query string uses, so "which parameter is the signature" can never differ between the two.
    fn scan(query: &'a str) -> Result<Self, AuthError> {
        let mut q = Self::default();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (raw_key, val) = pair.split_once('=').unwrap_or((pair, ""));
            if !raw_key
                .as_bytes()
                .first()
                .is_some_and(|b| matches!(b, b'X' | b'x' | b'%'))
            {
                continue;
            }
            let key = canonical_query_cow(raw_key);
            let slot = match key.as_ref() {
                "X-Amz-Algorithm" => &mut q.algorithm,
                "X-Amz-Credential" => &mut q.credential,
                "X-Amz-Date" => &mut q.date,
                "X-Amz-Expires" => &mut q.expires,
                "X-Amz-SignedHeaders" => &mut q.signed_headers,
                "X-Amz-Signature" => &mut q.signature,
                "X-Amz-Security-Token" => &mut q.token,
                k if k.eq_ignore_ascii_case("x-amz-content-sha256") => &mut q.content_sha256,
                _ => continue,
            };
            if slot.replace(val).is_some() {
                return Err(AuthError::incomplete(format!(
                    "Query parameter '{}' must not be repeated",
                    clip(&key)
                )));
            }
        }
        Ok(q)
    }
}

fn parse_presigned<'a>(
    req: &RequestParts<'a>,
    q: QueryAuth<'a>,
) -> Result<ParsedAuth<'a>, AuthError> {
    let (
        Some(algorithm),
        Some(credential),
        Some(date),
        Some(expires),
        Some(signed),
        Some(signature),
    ) = (
        q.algorithm,
        q.credential,
        q.date,
        q.expires,
        q.signed_headers,
        q.signature,
    )
    else {
        return Err(AuthError::incomplete(PRESIGN_REQUIRED));
    };
    if canonical_query_cow(algorithm) != ALGORITHM {
        return Err(AuthError::unsupported(
            "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"",
        ));
    }
    let (request_time, amz_date) = amzdate::parse_basic(date).ok_or_else(|| {
        AuthError::incomplete(
            "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"",
        )
    })?;
    let expires_secs = parse_expires(expires)?;
    let [access_key_id, scope_date, region, service, terminator] = split_credential(credential)?;
    let signed_headers = decode_query_value(signed)
        .ok_or_else(|| AuthError::incomplete("X-Amz-SignedHeaders is not valid UTF-8"))?;
    check_signed_headers(&signed_headers)?;
    let security_token = match q.token {
        Some(t) => Some(
            decode_query_value(t)
                .ok_or_else(|| AuthError::incomplete("X-Amz-Security-Token is not valid UTF-8"))?,
        ),
        None => None,
    };
    let payload = match q.content_sha256 {
        Some(v) => classify_payload(v)?,
        None => match single_header(req.headers, &X_AMZ_CONTENT_SHA256)? {
            Some(v) => classify_payload(v)?,
            None => PayloadHash::Implicit,
        },
    };
    Ok(ParsedAuth {
        mode: AuthMode::Presigned,
        access_key_id,
        scope_date,
        region,
        service,
        terminator,
        request_time,
        security_token,
        signed_headers,
        signature,
        expires_secs: Some(expires_secs),
        payload,
        amz_date,
    })
}

/// S3's wording for each way `X-Amz-Expires` can be wrong.
fn parse_expires(raw: &str) -> Result<u32, AuthError> {
    if raw.is_empty() || raw.len() > 10 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AuthError::incomplete("X-Amz-Expires should be a number"));
    }
    let v: u64 = raw
        .parse()
        .map_err(|_| AuthError::incomplete("X-Amz-Expires should be a number"))?;
    if v == 0 {
        return Err(AuthError::incomplete(
            "X-Amz-Expires must be greater than 0",
        ));
    }
    if v > u64::from(MAX_EXPIRES_SECS) {
        return Err(AuthError::incomplete(
            "X-Amz-Expires must be less than a week (in seconds) that is 604800",
        ));
    }
    u32::try_from(v).map_err(|_| AuthError::incomplete("X-Amz-Expires should be a number"))
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
