//! Golden vectors signed by botocore 1.43.11 (`tests/vectors/generate.py`): every one must parse
//! and verify, and our canonical request and string to sign must equal botocore's byte for byte.

mod common;

use common::{botocore_vectors, Request};
use trailrunner_sigv4::{canonical_request, parse, string_to_sign, AuthMode};

#[test]
fn every_botocore_vector_verifies() {
    let mut failures = Vec::new();
    for v in botocore_vectors() {
        let r = Request::from_vector(&v);
        if let Err(e) = r.check() {
            failures.push(format!("{}: {:?}: {}", v.name, e.kind(), e));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn canonical_request_and_string_to_sign_match_botocore() {
    for v in botocore_vectors() {
        let r = Request::from_vector(&v);
        let req = r.parts();
        let auth = parse(&req).unwrap_or_else(|e| panic!("{}: {e}", v.name));
        assert_eq!(
            canonical_request(&req, &auth, &r.policy()),
            v.botocore_canonical_request,
            "canonical request of {}",
            v.name
        );
        assert_eq!(
            string_to_sign(&req, &auth, &r.policy()),
            v.botocore_string_to_sign,
            "string to sign of {}",
            v.name
        );
    }
}

#[test]
fn vectors_cover_the_intended_shapes() {
    // Guards the generator: if a case silently changed shape, the other tests would prove less.
    let vs = botocore_vectors();
    let modes: Vec<(String, AuthMode, Option<String>)> = vs
        .iter()
        .map(|v| {
            let r = Request::from_vector(v);
            let req = r.parts();
            let a = parse(&req).unwrap();
            (
                v.name.clone(),
                a.mode.clone(),
                a.security_token.as_ref().map(|t| t.to_string()),
            )
        })
        .collect();
    let presigned = modes.iter().filter(|m| m.1 == AuthMode::Presigned).count();
    assert!(presigned >= 5, "{presigned} presigned vectors");
    let tokens = modes.iter().filter(|m| m.2.is_some()).count();
    assert_eq!(tokens, 3, "session-token vectors");
    // The presigned token arrives percent-encoded and is handed to the caller decoded.
    let t = modes
        .iter()
        .find(|m| m.0 == "s3-presigned-get-token-and-params")
        .and_then(|m| m.2.clone())
        .unwrap();
    assert_eq!(
        t,
        "FwoGZXIvYXdzEBYaDH+/token/with+plus/and=equals//////////wEaDExample=="
    );
    assert!(vs.iter().any(|v| v.uri_encoding == "Single"));
    assert!(vs.iter().any(|v| v.uri_encoding == "Double"));
}
