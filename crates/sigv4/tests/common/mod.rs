//! Shared by the integration tests: the botocore vectors and an owned request type.
#![allow(dead_code)]

use base64::Engine;
use http::{HeaderMap, HeaderName, HeaderValue};
use jiff::Timestamp;
use serde::Deserialize;
use trailrunner_sigv4::{parse, verify, AuthError, Policy, RequestParts, SigningKey, UriEncoding};

#[derive(Debug, Clone, Deserialize)]
pub struct Vector {
    pub name: String,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body_b64: String,
    pub secret_access_key: String,
    pub service: String,
    pub uri_encoding: String,
    pub now: String,
    pub botocore_canonical_request: String,
    pub botocore_string_to_sign: String,
}

#[derive(Deserialize)]
struct File {
    botocore_version: String,
    vectors: Vec<Vector>,
}

/// Every vector botocore produced (see `tests/vectors/generate.py`).
pub fn botocore_vectors() -> Vec<Vector> {
    let file: File = serde_json::from_str(include_str!("../vectors/botocore.json"))
        .expect("tests/vectors/botocore.json parses");
    assert_eq!(file.botocore_version, "1.43.11");
    // A truncated or emptied file must not make the suites pass vacuously.
    assert!(
        file.vectors.len() >= 27,
        "only {} vectors",
        file.vectors.len()
    );
    file.vectors
}

/// A request as the server would hold it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub secret: String,
    pub service: String,
    pub encoding: UriEncoding,
    pub now: Timestamp,
}

impl Request {
    pub fn from_vector(v: &Vector) -> Self {
        let mut headers = HeaderMap::new();
        for (k, val) in &v.headers {
            headers.append(
                HeaderName::from_bytes(k.as_bytes()).expect("header name"),
                HeaderValue::from_str(val).expect("header value"),
            );
        }
        Self {
            method: v.method.clone(),
            path: v.path.clone(),
            query: v.query.clone(),
            headers,
            body: base64::engine::general_purpose::STANDARD
                .decode(&v.body_b64)
                .expect("body base64"),
            secret: v.secret_access_key.clone(),
            service: v.service.clone(),
            encoding: match v.uri_encoding.as_str() {
                "Single" => UriEncoding::Single,
                "Double" => UriEncoding::Double,
                other => panic!("unknown encoding {other}"),
            },
            now: v.now.parse().expect("now"),
        }
    }

    pub fn parts(&self) -> RequestParts<'_> {
        RequestParts {
            method: &self.method,
            path: &self.path,
            query: self.query.as_deref(),
            headers: &self.headers,
            body: &self.body,
        }
    }

    pub fn policy(&self) -> Policy<'_> {
        Policy {
            max_skew_secs: 900,
            expected_service: Some(&self.service),
            uri_encoding: self.encoding,
        }
    }

    /// The full server-side flow: parse, derive with `secret`, verify at `now`.
    pub fn check_with(&self, secret: &str, now: Timestamp) -> Result<(), AuthError> {
        let req = self.parts();
        let auth = parse(&req)?;
        let key = SigningKey::derive(secret, auth.scope_date, auth.region, auth.service);
        verify(&req, &auth, &key, now, &self.policy())
    }

    pub fn check(&self) -> Result<(), AuthError> {
        self.check_with(&self.secret, self.now)
    }
}
