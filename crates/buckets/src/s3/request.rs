//! Reading an S3 request: the path-style address (`/<bucket>/<key>`), the query, and the headers operations use.
//!
//! Path and query are decoded with the rules the SigV4 canonicalisation uses (`%XX` everywhere; `+` is a space in
//! the query only), so the object a request acts on is the one its signature covers.

use std::borrow::Cow;

use http::HeaderMap;
use percent_encoding::percent_decode_str;
use trailrunner_api::ApiError;

use super::errors;
use crate::local::ByteRange;

/// Where a request is addressed (path style only: virtual-hosted-style requests are not recognised).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `/`: the service (ListBuckets).
    Service,
    /// `/<bucket>` or `/<bucket>/`.
    Bucket(String),
    /// `/<bucket>/<key>`.
    Object(String, String),
}

pub fn target(raw_path: &str) -> Result<Target, ApiError> {
    let decode = |s: &str| -> Result<String, ApiError> {
        percent_decode_str(s)
            .decode_utf8()
            .map(Cow::into_owned)
            .map_err(|_| errors::invalid_uri())
    };
    let rest = raw_path.strip_prefix('/').ok_or_else(errors::invalid_uri)?;
    if rest.is_empty() {
        return Ok(Target::Service);
    }
    match rest.split_once('/') {
        None | Some((_, "")) => Ok(Target::Bucket(decode(rest.trim_end_matches('/'))?)),
        Some((bucket, key)) => Ok(Target::Object(decode(bucket)?, decode(key)?)),
    }
}

/// The decoded query parameters, in order; a parameter without `=` has an empty value.
#[derive(Debug, Default)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

/// Query parameters that belong to SigV4 (presigned URLs), never to an operation.
fn is_auth_param(name: &str) -> bool {
    name.len() > 6 && name[..6].eq_ignore_ascii_case("x-amz-")
}

impl Query {
    pub fn parse(raw: Option<&str>) -> Self {
        let pairs = raw
            .map(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        Query { pairs }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn has(&self, name: &str) -> bool {
        self.pairs.iter().any(|(k, _)| k == name)
    }

    /// The first parameter an operation does not know: a sub-resource trailrunner does not implement (`acl`,
    /// `versioning`, `uploads`, …) or a parameter it would otherwise silently ignore. SigV4's own parameters
    /// and the SDKs' informational `x-id` are allowed everywhere.
    pub fn unknown(&self, known: &[&str]) -> Option<&str> {
        self.pairs
            .iter()
            .map(|(k, _)| k.as_str())
            .find(|k| !known.contains(k) && !is_auth_param(k) && *k != "x-id")
    }
}

/// A header's value as text, if present and visible ASCII (or UTF-8 for metadata).
pub fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| std::str::from_utf8(v.as_bytes()).ok())
}

/// `Range: bytes=a-b | bytes=a- | bytes=-n`. Anything else (several ranges, other units) is ignored, as S3
/// ignores a `Range` it cannot satisfy as one range (RFC 9110 allows a server to ignore it).
pub fn range(headers: &HeaderMap) -> Option<ByteRange> {
    let spec = header(headers, "range")?.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (first, last) = spec.split_once('-')?;
    let num = |s: &str| -> Option<u64> {
        let s = s.trim();
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    match (first.trim().is_empty(), last.trim().is_empty()) {
        (true, false) => Some(ByteRange::Suffix(num(last)?)),
        (false, true) => Some(ByteRange::From {
            first: num(first)?,
            last: None,
        }),
        (false, false) => {
            let (first, last) = (num(first)?, num(last)?);
            (last >= first).then_some(ByteRange::From {
                first,
                last: Some(last),
            })
        }
        (true, true) => None,
    }
}

/// `max-keys`: 0 to 1000 (larger values are cut to 1000, as S3 does); absent means 1000.
pub fn max_keys(query: &Query, name: &str) -> Result<usize, ApiError> {
    match query.get(name) {
        None => Ok(1000),
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .map(|n| n.min(1000) as usize)
            .ok_or_else(|| {
                errors::invalid_argument(format!(
                    "Provided {name} not an integer or within integer range"
                ))
            }),
    }
}

/// `encoding-type`: absent, or `url`.
pub fn url_encoding(query: &Query) -> Result<bool, ApiError> {
    match query.get("encoding-type") {
        None => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("url") => Ok(true),
        Some(_) => Err(errors::invalid_argument(
            "Invalid Encoding Method specified in Request",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_decode_to_bucket_and_key() {
        assert_eq!(target("/").unwrap(), Target::Service);
        assert_eq!(target("/b-1").unwrap(), Target::Bucket("b-1".into()));
        assert_eq!(target("/b-1/").unwrap(), Target::Bucket("b-1".into()));
        assert_eq!(
            target("/b-1/a%20b/c+d%2Fe").unwrap(),
            Target::Object("b-1".into(), "a b/c+d/e".into())
        );
        assert_eq!(
            target("/b-1/dir/").unwrap(),
            Target::Object("b-1".into(), "dir/".into())
        );
        assert!(target("/b-1/%FF").is_err());
    }

    #[test]
    fn ranges_and_queries() {
        let h = |v: &'static str| {
            let mut m = HeaderMap::new();
            m.insert("range", http::HeaderValue::from_static(v));
            m
        };
        assert_eq!(
            range(&h("bytes=0-9")),
            Some(ByteRange::From {
                first: 0,
                last: Some(9)
            })
        );
        assert_eq!(
            range(&h("bytes=5-")),
            Some(ByteRange::From {
                first: 5,
                last: None
            })
        );
        assert_eq!(range(&h("bytes=-3")), Some(ByteRange::Suffix(3)));
        assert_eq!(range(&h("bytes=9-1")), None);
        assert_eq!(range(&h("bytes=0-1,4-5")), None);
        assert_eq!(range(&h("items=0-1")), None);
        let q = Query::parse(Some(
            "prefix=a+b%2F&max-keys=5&X-Amz-Date=1&x-id=GetObject&acl",
        ));
        assert_eq!(q.get("prefix"), Some("a b/"));
        assert_eq!(q.unknown(&["prefix", "max-keys"]), Some("acl"));
        assert_eq!(max_keys(&q, "max-keys").unwrap(), 5);
        assert_eq!(
            max_keys(&Query::parse(Some("max-keys=5000")), "max-keys").unwrap(),
            1000
        );
        assert!(max_keys(&Query::parse(Some("max-keys=-1")), "max-keys").is_err());
    }
}
