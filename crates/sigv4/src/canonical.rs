//! The canonical request:
//!
//! ```text
//! METHOD \n CanonicalURI \n CanonicalQuery \n (name:value \n)* \n SignedHeaders \n PayloadHash
//! ```
//!
//! Everything that does not depend on the URI candidate is prepared once ([`Prepared`]); the
//! request is then streamed into a [`Sink`] without building it as a string.
//!
//! **URI candidates.** A client signs the canonical form of the path it sends. When the raw path
//! already is in canonical encoding (every SDK sends it that way) there is one candidate. When it
//! is not (say a raw `!` or a lower-case `%2f`), signers disagree: some sign the bytes as sent
//! (aws-sigv4 for S3), some re-encode canonically (the SigV4 specification, real S3). Then both
//! are tried. This is safe because both candidates percent-decode to the same path: whichever one
//! matches, the request the server acts on (the decoded path) is the one the signer signed.

use std::borrow::Cow;

use http::HeaderMap;

use crate::encode::{
    canonical_path, canonical_query_cow, encode_path, is_canonical, is_unreserved, normalize_path,
};
use crate::parse::{AuthMode, ParsedAuth, PayloadHash};
use crate::sink::{sha256_hex, Sink};
use crate::{RequestParts, UriEncoding};

pub(crate) const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// The request-wide parts of the canonical request.
pub(crate) struct Prepared<'r> {
    pub(crate) uris: [Option<Cow<'r, str>>; 2],
    query: Cow<'r, str>,
    payload: PayloadLine<'r>,
}

enum PayloadLine<'r> {
    Literal(&'r str),
    Hex([u8; 64]),
}

impl<'r> Prepared<'r> {
    pub(crate) fn new(req: &RequestParts<'r>, auth: &ParsedAuth<'r>, enc: UriEncoding) -> Self {
        let payload = match auth.payload {
            PayloadHash::Unsigned => PayloadLine::Literal(UNSIGNED_PAYLOAD),
            PayloadHash::Sha256(h) => PayloadLine::Literal(h),
            PayloadHash::Implicit
                if auth.mode == AuthMode::Presigned && enc == UriEncoding::Single =>
            {
                PayloadLine::Literal(UNSIGNED_PAYLOAD)
            }
            PayloadHash::Implicit => PayloadLine::Hex(sha256_hex(req.body)),
        };
        Self {
            uris: canonical_uris(req.path, enc),
            query: canonical_query(req.query, auth.mode == AuthMode::Presigned),
            payload,
        }
    }

    /// Stream the canonical request for URI candidate `uri` into `out`.
    pub(crate) fn write(
        &self,
        out: &mut impl Sink,
        uri: &str,
        method: &str,
        headers: &HeaderMap,
        signed_headers: &str,
    ) {
        out.put(method.as_bytes());
        out.put_byte(b'\n');
        out.put(uri.as_bytes());
        out.put_byte(b'\n');
        out.put(self.query.as_bytes());
        out.put_byte(b'\n');
        for name in signed_headers.split(';') {
            out.put(name.as_bytes());
            out.put_byte(b':');
            for (i, value) in headers.get_all(name).iter().enumerate() {
                if i > 0 {
                    out.put_byte(b',');
                }
                put_trimmed(out, value.as_bytes());
            }
            out.put_byte(b'\n');
        }
        out.put_byte(b'\n');
        out.put(signed_headers.as_bytes());
        out.put_byte(b'\n');
        match &self.payload {
            PayloadLine::Literal(s) => out.put(s.as_bytes()),
            PayloadLine::Hex(h) => out.put(h),
        }
    }
}

/// Header value with leading/trailing spaces removed and inner runs of spaces collapsed to one
/// (the "Trimall" of the specification; like S3 and aws-sigv4, only the space character counts).
fn put_trimmed(out: &mut impl Sink, v: &[u8]) {
    let mut first = true;
    for word in v.split(|&b| b == b' ').filter(|w| !w.is_empty()) {
        if !first {
            out.put_byte(b' ');
        }
        out.put(word);
        first = false;
    }
}

/// The canonical URI, plus an alternative when the raw path is not in canonical encoding.
fn canonical_uris(path: &str, enc: UriEncoding) -> [Option<Cow<'_, str>>; 2] {
    let path = if path.is_empty() { "/" } else { path };
    match enc {
        UriEncoding::Single => {
            if is_canonical(path.as_bytes(), b"/") {
                [Some(Cow::Borrowed(path)), None]
            } else {
                let mut canon = Vec::with_capacity(path.len() + 16);
                canonical_path(path, &mut canon);
                [Some(owned_ascii(canon)), Some(Cow::Borrowed(path))]
            }
        }
        UriEncoding::Double => {
            let normalized = normalize_path(path);
            let first = encode_twice_cow(normalized.clone());
            let second = if is_canonical(normalized.as_bytes(), b"/") {
                None
            } else {
                let mut canon = Vec::with_capacity(normalized.len() + 16);
                canonical_path(&normalized, &mut canon);
                let mut twice = Vec::with_capacity(canon.len() + 16);
                encode_path(&canon, &mut twice);
                Some(owned_ascii(twice))
            };
            [Some(first), second]
        }
    }
}

fn encode_twice_cow(p: Cow<'_, str>) -> Cow<'_, str> {
    if p.bytes().all(|b| is_unreserved(b) || b == b'/') {
        return p;
    }
    let mut out = Vec::with_capacity(p.len() + 16);
    encode_path(p.as_bytes(), &mut out);
    owned_ascii(out)
}

fn owned_ascii(v: Vec<u8>) -> Cow<'static, str> {
    // Callers only ever write ASCII here.
    Cow::Owned(String::from_utf8(v).unwrap_or_default())
}

/// Sorted `key=value` pairs in canonical encoding, `&`-joined. In presigned mode the
/// `X-Amz-Signature` parameter is left out (it cannot sign itself).
fn canonical_query(raw: Option<&str>, presigned: bool) -> Cow<'_, str> {
    let Some(raw) = raw.filter(|q| !q.is_empty()) else {
        return Cow::Borrowed("");
    };
    let mut pairs: Vec<(Cow<'_, str>, Cow<'_, str>)> = Vec::new();
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = canonical_query_cow(k);
        if presigned && k == "X-Amz-Signature" {
            continue;
        }
        pairs.push((k, canonical_query_cow(v)));
    }
    pairs.sort_unstable();
    let mut out = String::with_capacity(raw.len() + pairs.len() + 8);
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(raw: &str, presigned: bool) -> String {
        canonical_query(Some(raw), presigned).into_owned()
    }

    #[test]
    fn query_is_sorted_encoded_and_complete() {
        assert_eq!(q("b=2&a=1", false), "a=1&b=2");
        assert_eq!(q("a=2&a=1&a=10", false), "a=1&a=10&a=2");
        assert_eq!(q("acl", false), "acl=");
        assert_eq!(q("acl=", false), "acl=");
        assert_eq!(q("a=&&b", false), "a=&b=");
        assert_eq!(q("k=a+b&k2=a%2bb&k3=~%7e", false), "k=a%20b&k2=a%2Bb&k3=~~");
        assert_eq!(q("x=1=2", false), "x=1%3D2");
        // Sorting is on the encoded form: '%' (0x25) sorts before 'A'.
        assert_eq!(q("A=1&%21=2", false), "%21=2&A=1");
        assert_eq!(q("X-Amz-Signature=abc&X-Amz-Date=1", true), "X-Amz-Date=1");
        assert_eq!(
            q("X-Amz-Signature=abc&X-Amz-Date=1", false),
            "X-Amz-Date=1&X-Amz-Signature=abc"
        );
        assert_eq!(canonical_query(None, false), "");
        assert_eq!(canonical_query(Some(""), false), "");
    }

    #[test]
    fn uri_candidates() {
        let s = |p| canonical_uris(p, UriEncoding::Single);
        let d = |p| canonical_uris(p, UriEncoding::Double);
        assert_eq!(s("/b/a%20b"), [Some("/b/a%20b".into()), None]);
        assert_eq!(
            s("/b/a!b"),
            [Some("/b/a%21b".into()), Some("/b/a!b".into())]
        );
        assert_eq!(s(""), [Some("/".into()), None]);
        assert_eq!(s("/b/./c//"), [Some("/b/./c//".into()), None]);
        assert_eq!(d("/"), [Some("/".into()), None]);
        assert_eq!(d(""), [Some("/".into()), None]);
        assert_eq!(d("/a%20b/./c//d"), [Some("/a%2520b/c/d".into()), None]);
        assert_eq!(d("/a:b"), [Some("/a%3Ab".into()), Some("/a%253Ab".into())]);
    }

    #[test]
    fn trimall() {
        let t = |v: &[u8]| {
            let mut out = Vec::new();
            put_trimmed(&mut out, v);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(t(b"  a   b  c "), "a b c");
        assert_eq!(t(b"abc"), "abc");
        assert_eq!(t(b"   "), "");
        assert_eq!(t(b"a\tb"), "a\tb");
    }
}
