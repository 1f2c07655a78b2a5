//! Percent-encoding as SigV4 canonicalisation wants it (RFC 3986: everything but the unreserved
//! set `A-Z a-z 0-9 - . _ ~` becomes `%XX` with upper-case hex), plus path normalisation.
//!
//! Decoding rules (one place, so parsing and canonicalisation can never disagree):
//! - a `%` followed by two hex digits is the byte they spell; any other `%` is a literal `%`;
//! - in a query component `+` is a space (form encoding, as the AWS SDK for Rust, the Go SDK and
//!   Garage read it; botocore never sends a raw `+`, it always writes `%2B`);
//! - in a path `+` is a literal `+`.

use std::borrow::Cow;

use crate::sink::Sink;

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

pub(crate) fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// One decoded unit of `raw` at `i`: `(byte, was_escaped, bytes_consumed)`.
fn unit(raw: &[u8], i: usize, plus_is_space: bool) -> (u8, bool, usize) {
    let b = raw[i];
    if b == b'%' && i + 2 < raw.len() {
        if let (Some(h), Some(l)) = (hex_val(raw[i + 1]), hex_val(raw[i + 2])) {
            return ((h << 4) | l, true, 3);
        }
    }
    if b == b'+' && plus_is_space {
        return (b' ', false, 1);
    }
    (b, false, 1)
}

fn put_escaped(out: &mut impl Sink, b: u8) {
    out.put(&[
        b'%',
        HEX_UPPER[usize::from(b >> 4)],
        HEX_UPPER[usize::from(b & 15)],
    ]);
}

/// Write the canonical form of one query key or value.
pub(crate) fn canonical_query_component(raw: &str, out: &mut impl Sink) {
    let raw = raw.as_bytes();
    let mut i = 0;
    while i < raw.len() {
        let (b, _, n) = unit(raw, i, true);
        if is_unreserved(b) {
            out.put_byte(b);
        } else {
            put_escaped(out, b);
        }
        i += n;
    }
}

/// The canonical form of a query component, borrowing when `raw` already is canonical (as it is
/// for every SDK-produced query).
pub(crate) fn canonical_query_cow(raw: &str) -> Cow<'_, str> {
    if is_canonical(raw.as_bytes(), b"") {
        return Cow::Borrowed(raw);
    }
    let mut out = Vec::with_capacity(raw.len() + 8);
    canonical_query_component(raw, &mut out);
    // Only ASCII was written.
    Cow::Owned(String::from_utf8(out).unwrap_or_default())
}

/// Write the canonical (encode-once) form of a path: escapes are decoded and re-encoded in
/// canonical form, a literal `/` stays a separator, an escaped `%2F` stays escaped.
pub(crate) fn canonical_path(raw: &str, out: &mut impl Sink) {
    let raw = raw.as_bytes();
    let mut i = 0;
    while i < raw.len() {
        let (b, escaped, n) = unit(raw, i, false);
        if is_unreserved(b) || (b == b'/' && !escaped) {
            out.put_byte(b);
        } else {
            put_escaped(out, b);
        }
        i += n;
    }
}

/// Would [`canonical_path`] (`extra = b"/"`) or [`canonical_query_component`] (`extra = b""`)
/// write `raw` back unchanged?
pub(crate) fn is_canonical(raw: &[u8], extra: &[u8]) -> bool {
    let mut i = 0;
    while i < raw.len() {
        let c = raw[i];
        if c == b'%' {
            match (raw.get(i + 1), raw.get(i + 2)) {
                (Some(&h), Some(&l)) => {
                    let upper = |x: u8| x.is_ascii_digit() || (b'A'..=b'F').contains(&x);
                    if !upper(h) || !upper(l) {
                        return false;
                    }
                    // Both are valid hex digits here.
                    let v = (hex_val(h).unwrap_or(0) << 4) | hex_val(l).unwrap_or(0);
                    if is_unreserved(v) {
                        return false;
                    }
                    i += 3;
                }
                _ => return false,
            }
        } else if is_unreserved(c) || extra.contains(&c) {
            i += 1;
        } else {
            // Includes '+' (a space in a query, `%2B` canonically in a path).
            return false;
        }
    }
    true
}

/// Encode a path once more, leaving `/` alone: the second encoding of the non-S3 canonical URI.
/// Applied to an already-encoded path this turns every `%` into `%25`, which is exactly what the
/// AWS SDKs (botocore `quote(path, safe='/~')`, aws-sigv4 `PercentEncodingMode::Double`) do.
pub(crate) fn encode_path(raw: &[u8], out: &mut impl Sink) {
    let mut start = 0;
    for (i, &b) in raw.iter().enumerate() {
        if !(is_unreserved(b) || b == b'/') {
            out.put(&raw[start..i]);
            put_escaped(out, b);
            start = i + 1;
        }
    }
    out.put(&raw[start..]);
}

/// RFC 3986 §5.2.4 dot-segment removal plus the AWS rule that empty segments (`//`) collapse,
/// applied to the raw (still encoded) path, exactly as the SDKs apply it before signing.
pub(crate) fn normalize_path(raw: &str) -> Cow<'_, str> {
    if raw.is_empty() {
        return Cow::Borrowed("/");
    }
    let needs_work = !raw.starts_with('/')
        || raw.contains("//")
        || raw.split('/').any(|s| s == "." || s == "..");
    if !needs_work {
        return Cow::Borrowed(raw);
    }
    let mut kept: Vec<&str> = Vec::new();
    for seg in raw.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                kept.pop();
            }
            s => kept.push(s),
        }
    }
    let mut out = String::with_capacity(raw.len() + 1);
    for seg in &kept {
        out.push('/');
        out.push_str(seg);
    }
    let trailing = ["/", "/.", "/..", ".", ".."]
        .iter()
        .any(|t| raw.ends_with(t) && (t.starts_with('/') || raw == *t));
    if out.is_empty() || (trailing && !out.ends_with('/')) {
        out.push('/');
    }
    Cow::Owned(out)
}

/// Fully decode a query value for the caller (security token, signed-headers list): `%XX` and
/// `+` as space. `None` when the result is not UTF-8.
pub(crate) fn decode_query_value(raw: &str) -> Option<Cow<'_, str>> {
    if !raw.bytes().any(|b| b == b'%' || b == b'+') {
        return Some(Cow::Borrowed(raw));
    }
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let (b, _, n) = unit(bytes, i, true);
        out.push(b);
        i += n;
    }
    String::from_utf8(out).ok().map(Cow::Owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(raw: &str) -> String {
        let mut v = Vec::new();
        canonical_path(raw, &mut v);
        String::from_utf8(v).unwrap()
    }

    fn query(raw: &str) -> String {
        let mut v = Vec::new();
        canonical_query_component(raw, &mut v);
        String::from_utf8(v).unwrap()
    }

    fn twice(raw: &str) -> String {
        let mut v = Vec::new();
        encode_path(raw.as_bytes(), &mut v);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn canonical_path_forms() {
        assert_eq!(path("/"), "/");
        assert_eq!(path("/a%20b"), "/a%20b");
        assert_eq!(path("/a%2fb"), "/a%2Fb");
        assert_eq!(path("/a%41b"), "/aAb");
        assert_eq!(path("/a+b"), "/a%2Bb");
        assert_eq!(path("/a:b!"), "/a%3Ab%21");
        assert_eq!(path("/100%"), "/100%25");
        assert_eq!(path("/%zz%4"), "/%25zz%254");
        assert_eq!(path("/caf\u{e9}"), "/caf%C3%A9");
        for p in ["/", "/a%20b", "/a%2Fb", "/x~y", "/%C3%A9"] {
            assert!(is_canonical(p.as_bytes(), b"/"), "{p}");
            assert_eq!(path(p), p);
        }
        for p in ["/a%2fb", "/a%41", "/a+b", "/a:b", "/100%", "/%4", "/a b"] {
            assert!(!is_canonical(p.as_bytes(), b"/"), "{p}");
            assert_ne!(path(p), p);
        }
    }

    #[test]
    fn canonical_query_forms() {
        assert_eq!(query("a+b"), "a%20b");
        assert_eq!(query("a%2Bb"), "a%2Bb");
        assert_eq!(query("a%2bb"), "a%2Bb");
        assert_eq!(query("~-._"), "~-._");
        assert_eq!(query("a/b=c"), "a%2Fb%3Dc");
        assert_eq!(query("%7E"), "~");
        assert_eq!(canonical_query_cow("abc%20"), Cow::Borrowed("abc%20"));
        assert_eq!(canonical_query_cow("a+b"), "a%20b");
        assert!(!is_canonical(b"a/b", b""));
    }

    #[test]
    fn double_encoding() {
        assert_eq!(twice("/"), "/");
        assert_eq!(twice("/a%20b/c"), "/a%2520b/c");
        assert_eq!(twice("/a:b"), "/a%3Ab");
        assert_eq!(twice("/~x"), "/~x");
    }

    #[test]
    fn normalization() {
        let cases = [
            ("", "/"),
            ("/", "/"),
            ("//", "/"),
            ("/a/b", "/a/b"),
            ("/a/b/", "/a/b/"),
            ("/a//b", "/a/b"),
            ("/a/./b", "/a/b"),
            ("/a/../b", "/b"),
            ("/../a", "/a"),
            ("/a/b/..", "/a/"),
            ("/a/b/.", "/a/b/"),
            ("/a/b/../", "/a/"),
            ("/..", "/"),
            ("/.", "/"),
            ("a/b", "/a/b"),
            ("/a/.../b", "/a/.../b"),
            ("/a/.b/", "/a/.b/"),
            ("/a/b/c/../../d", "/a/d"),
        ];
        for (raw, want) in cases {
            assert_eq!(normalize_path(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn decode_values() {
        assert_eq!(decode_query_value("abc").unwrap(), "abc");
        assert_eq!(decode_query_value("a%2Bb+c").unwrap(), "a+b c");
        assert_eq!(
            decode_query_value("host%3Bx-amz-date").unwrap(),
            "host;x-amz-date"
        );
        assert_eq!(decode_query_value("%").unwrap(), "%");
        assert!(decode_query_value("%FF").is_none());
    }
}
