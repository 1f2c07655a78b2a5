//! Scope, clock and comparison behaviour. Signature *correctness* against independent signers
//! is tested in `tests/` (botocore vectors, aws-sigv4, the CRT suite); here a request is signed
//! with the crate's own canonicalisation so the checks around it can be exercised precisely.

use super::*;
use crate::{parse, UriEncoding};
use http::{HeaderMap, HeaderValue};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const DATE: &str = "20240101T000000Z";
const ZEROS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn policy(service: Option<&str>) -> Policy<'_> {
    Policy {
        max_skew_secs: 900,
        expected_service: service,
        uri_encoding: UriEncoding::Double,
    }
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// A signed awsJson-style request (header mode) with the given credential and date.
fn signed(cred: &str, date: &str, body: &[u8]) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("host", HeaderValue::from_static("localhost:4566"));
    h.insert("x-amz-date", HeaderValue::from_str(date).unwrap());
    h.insert(
        "content-type",
        HeaderValue::from_static("application/x-amz-json-1.0"),
    );
    h.insert(
        "x-amz-target",
        HeaderValue::from_static("AppRunner.ListServices"),
    );
    let auth = |sig: &str| {
        HeaderValue::from_str(&format!(
            "AWS4-HMAC-SHA256 Credential={cred}, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature={sig}"
        ))
        .unwrap()
    };
    h.insert("authorization", auth(ZEROS));
    let sig = {
        let req = parts(&h, None, body);
        let a = parse(&req).unwrap();
        let key = SigningKey::derive(SECRET, a.scope_date, a.region, a.service);
        let prepared = Prepared::new(&req, &a, UriEncoding::Double);
        let mut sink = HashSink::new();
        prepared.write(&mut sink, "/", "POST", &h, &a.signed_headers);
        hex::encode(sign(&key, &a, &sink.finish_hex()).as_ref())
    };
    h.insert("authorization", auth(&sig));
    h
}

fn parts<'a>(h: &'a HeaderMap, query: Option<&'a str>, body: &'a [u8]) -> RequestParts<'a> {
    RequestParts {
        method: "POST",
        path: "/",
        query,
        headers: h,
        body,
    }
}

fn check(h: &HeaderMap, body: &[u8], now: &str, p: &Policy) -> Result<(), AuthError> {
    let req = parts(h, None, body);
    let a = parse(&req)?;
    let key = SigningKey::derive(SECRET, a.scope_date, a.region, a.service);
    verify(&req, &a, &key, ts(now), p)
}

const CRED: &str = "AKIDEXAMPLE/20240101/us-east-1/apprunner/aws4_request";

#[test]
fn accepts_a_good_request() {
    let h = signed(CRED, DATE, b"{}");
    check(
        &h,
        b"{}",
        "2024-01-01T00:00:00Z",
        &policy(Some("apprunner")),
    )
    .unwrap();
    check(&h, b"{}", "2024-01-01T00:00:00Z", &policy(None)).unwrap();
}

#[test]
fn skew_window_edges() {
    let h = signed(CRED, DATE, b"{}");
    let p = policy(Some("apprunner"));
    // Exactly at the edges: accepted.
    check(&h, b"{}", "2024-01-01T00:15:00Z", &p).unwrap();
    check(&h, b"{}", "2023-12-31T23:45:00Z", &p).unwrap();
    // One second, or one nanosecond, past them: rejected with AWS's wording.
    let e = check(&h, b"{}", "2024-01-01T00:15:01Z", &p).unwrap_err();
    assert_eq!(e.kind(), AuthErrorKind::Expired);
    assert_eq!(
        e.message(),
        "Signature expired: 20240101T000000Z is now earlier than 20240101T000001Z (20240101T001501Z - 15 min.)"
    );
    let e = check(&h, b"{}", "2024-01-01T00:15:00.000000001Z", &p).unwrap_err();
    assert_eq!(e.kind(), AuthErrorKind::Expired);
    let e = check(&h, b"{}", "2023-12-31T23:44:59Z", &p).unwrap_err();
    assert_eq!(e.kind(), AuthErrorKind::NotYetValid);
    assert_eq!(
        e.message(),
        "Signature not yet current: 20240101T000000Z is still later than 20231231T235959Z (20231231T234459Z + 15 min.)"
    );
    // A skew that is not whole minutes is shown in seconds; negative skew acts as zero.
    let odd = Policy {
        max_skew_secs: 30,
        ..p
    };
    let e = check(&h, b"{}", "2024-01-01T00:00:31Z", &odd).unwrap_err();
    assert!(
        e.message().ends_with("(20240101T000031Z - 30 sec.)"),
        "{}",
        e.message()
    );
    let zero = Policy {
        max_skew_secs: -5,
        ..p
    };
    check(&h, b"{}", "2024-01-01T00:00:00Z", &zero).unwrap();
    assert_eq!(
        check(&h, b"{}", "2024-01-01T00:00:01Z", &zero)
            .unwrap_err()
            .kind(),
        AuthErrorKind::Expired
    );
    // Extreme clocks and skews do not overflow.
    let huge = Policy {
        max_skew_secs: i64::MAX,
        ..p
    };
    check(&h, b"{}", "2024-01-01T00:00:00Z", &huge).unwrap();
    for now in [Timestamp::MIN, Timestamp::MAX] {
        let req = parts(&h, None, b"{}");
        let a = parse(&req).unwrap();
        let key = SigningKey::derive(SECRET, a.scope_date, a.region, a.service);
        assert!(verify(&req, &a, &key, now, &p).is_err());
        assert!(verify(&req, &a, &key, now, &huge).is_ok());
    }
}

#[test]
fn scope_checks_have_aws_wording() {
    let p = policy(Some("apprunner"));
    let now = "2024-01-01T00:00:00Z";

    let h = signed(
        "AKIDEXAMPLE/20240102/us-east-1/apprunner/aws4_request",
        DATE,
        b"",
    );
    let e = check(&h, b"", now, &p).unwrap_err();
    assert_eq!(e.kind(), AuthErrorKind::ScopeMismatch);
    assert_eq!(
        e.message(),
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20240102' != '20240101', from '20240101T000000Z'."
    );

    let h = signed(
        "AKIDEXAMPLE/20240101/us-east-1/cloudtrail/aws4_request",
        DATE,
        b"",
    );
    let e = check(&h, b"", now, &p).unwrap_err();
    assert_eq!(e.kind(), AuthErrorKind::ScopeMismatch);
    assert_eq!(
        e.message(),
        "Credential should be scoped to correct service: 'apprunner'. "
    );

    let h = signed(
        "AKIDEXAMPLE/20240101/us-east-1/apprunner/aws4_reques",
        DATE,
        b"",
    );
    let e = check(&h, b"", now, &p).unwrap_err();
    assert_eq!(e.kind(), AuthErrorKind::ScopeMismatch);
    assert_eq!(
        e.message(),
        "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4_reques'. "
    );

    for region in ["US-EAST-1", "us_east_1", "", "us.east", &"a".repeat(65)] {
        let h = signed(
            &format!("AKIDEXAMPLE/20240101/{region}/apprunner/aws4_request"),
            DATE,
            b"",
        );
        let e = check(&h, b"", now, &p).unwrap_err();
        assert_eq!(e.kind(), AuthErrorKind::ScopeMismatch, "{region:?}");
        assert_eq!(
            e.message(),
            "Credential should be scoped to a valid region. "
        );
    }

    let h = signed(
        "AKIDEXAMPLE/20240101/us-east-1/App_Runner/aws4_request",
        DATE,
        b"",
    );
    assert_eq!(
        check(&h, b"", now, &policy(None)).unwrap_err().kind(),
        AuthErrorKind::ScopeMismatch
    );
}

#[test]
fn precheck_needs_no_key() {
    let h = signed(CRED, DATE, b"");
    let req = parts(&h, None, b"");
    let a = parse(&req).unwrap();
    precheck(&a, ts("2024-01-01T00:00:00Z"), &policy(Some("apprunner"))).unwrap();
    assert_eq!(
        precheck(&a, ts("2024-01-01T00:00:00Z"), &policy(Some("s3")))
            .unwrap_err()
            .kind(),
        AuthErrorKind::ScopeMismatch
    );
    assert_eq!(
        precheck(&a, ts("2024-01-02T00:00:00Z"), &policy(None))
            .unwrap_err()
            .kind(),
        AuthErrorKind::Expired
    );
}

#[test]
fn malformed_signatures_are_mismatches() {
    let good = signed(CRED, DATE, b"{}");
    let good_sig = good["authorization"]
        .to_str()
        .unwrap()
        .rsplit('=')
        .next()
        .unwrap()
        .to_string();
    let p = policy(Some("apprunner"));
    let now = "2024-01-01T00:00:00Z";
    // Upper-case hex is the same bytes.
    let mut h = good.clone();
    let upper = good["authorization"]
        .to_str()
        .unwrap()
        .replace(&good_sig, &good_sig.to_uppercase());
    h.insert("authorization", HeaderValue::from_str(&upper).unwrap());
    check(&h, b"{}", now, &p).unwrap();
    for bad in [
        String::new(),
        "00".into(),
        good_sig[..63].to_string(),
        format!("{good_sig}0"),
        format!("{good_sig}00"),
        format!("{}g", &good_sig[..63]),
        "zz".repeat(32),
    ] {
        let mut h = good.clone();
        let v = good["authorization"]
            .to_str()
            .unwrap()
            .replace(&good_sig, &bad);
        h.insert("authorization", HeaderValue::from_str(&v).unwrap());
        let e = check(&h, b"{}", now, &p).unwrap_err();
        assert_eq!(e.kind(), AuthErrorKind::SignatureMismatch, "{bad:?}");
        assert!(e
            .message()
            .starts_with("The request signature we calculated does not match"));
    }
}

#[test]
fn declared_content_hash_must_match_the_body() {
    // Sign with a declared body hash, then deliver another body: the signature still matches
    // (it covers the declared hash) but the body check catches the swap.
    let body = b"{\"a\":1}";
    let mut h = signed(CRED, DATE, body);
    let declared = crate::sink::sha256_hex(body);
    h.insert(
        "x-amz-content-sha256",
        HeaderValue::from_bytes(&declared).unwrap(),
    );
    let req = parts(&h, None, body);
    let a = parse(&req).unwrap();
    // Re-sign including the declared hash on the payload line.
    let key = SigningKey::derive(SECRET, a.scope_date, a.region, a.service);
    let prepared = Prepared::new(&req, &a, UriEncoding::Double);
    let mut sink = HashSink::new();
    prepared.write(&mut sink, "/", "POST", &h, &a.signed_headers);
    let sig = hex::encode(sign(&key, &a, &sink.finish_hex()).as_ref());
    let v = h["authorization"].to_str().unwrap();
    let v = format!("{}{sig}", &v[..v.len() - 64]);
    h.insert("authorization", HeaderValue::from_str(&v).unwrap());
    let p = policy(Some("apprunner"));
    check(&h, body, "2024-01-01T00:00:00Z", &p).unwrap();
    let e = check(&h, b"{\"a\":2}", "2024-01-01T00:00:00Z", &p).unwrap_err();
    assert_eq!(e.kind(), AuthErrorKind::ContentSha256Mismatch);
    assert_eq!(
        e.message(),
        "The provided 'x-amz-content-sha256' header does not match what was computed."
    );
}

#[test]
fn canonical_request_and_string_to_sign_are_exposed() {
    let h = signed(CRED, DATE, b"{}");
    let req = parts(&h, None, b"{}");
    let a = parse(&req).unwrap();
    let p = policy(Some("apprunner"));
    let creq = canonical_request(&req, &a, &p);
    assert_eq!(
        creq,
        "POST\n/\n\ncontent-type:application/x-amz-json-1.0\nhost:localhost:4566\n\
         x-amz-date:20240101T000000Z\nx-amz-target:AppRunner.ListServices\n\n\
         content-type;host;x-amz-date;x-amz-target\n\
         44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
    );
    let sts = string_to_sign(&req, &a, &p);
    let hash = hex::encode(aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        creq.as_bytes(),
    ));
    assert_eq!(
        sts,
        format!(
            "AWS4-HMAC-SHA256\n20240101T000000Z\n20240101/us-east-1/apprunner/aws4_request\n{hash}"
        )
    );
}

#[test]
fn aws_documentation_get_vanilla() {
    // The "get-vanilla" case of the AWS SigV4 test suite (published with the SigV4 docs).
    let mut h = HeaderMap::new();
    h.insert("host", HeaderValue::from_static("example.amazonaws.com"));
    h.insert("x-amz-date", HeaderValue::from_static("20150830T123600Z"));
    h.insert(
        "authorization",
        HeaderValue::from_static(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
         SignedHeaders=host;x-amz-date, \
         Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        ),
    );
    let req = RequestParts {
        method: "GET",
        path: "/",
        query: None,
        headers: &h,
        body: b"",
    };
    let a = parse(&req).unwrap();
    let key = SigningKey::derive(SECRET, a.scope_date, a.region, a.service);
    let p = Policy {
        max_skew_secs: 900,
        expected_service: Some("service"),
        uri_encoding: UriEncoding::Double,
    };
    verify(&req, &a, &key, ts("2015-08-30T12:36:00Z"), &p).unwrap();
    let other = SigningKey::derive("not the secret", a.scope_date, a.region, a.service);
    assert_eq!(
        verify(&req, &a, &other, ts("2015-08-30T12:36:00Z"), &p)
            .unwrap_err()
            .kind(),
        AuthErrorKind::SignatureMismatch
    );
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1500))]

        /// Arbitrary paths, queries, header values, bodies and signed-header lists: verify
        /// always answers, never panics, and never accepts a made-up signature.
        #[test]
        fn verify_never_panics(
            path in "[ -~é☃]{0,60}",
            query in proptest::option::of("[ -~é]{0,80}"),
            extra in proptest::collection::vec(("x-[a-z]{1,6}", "[ -~]{0,20}"), 0..6),
            signed_extra in proptest::collection::vec("x-[a-z]{1,6}", 0..6),
            body in proptest::collection::vec(any::<u8>(), 0..64),
            sig in "[0-9a-fA-Fg]{0,70}",
            sha in proptest::option::of("[0-9a-f]{64}|UNSIGNED-PAYLOAD"),
            single in any::<bool>(),
            date in "2024010[1-2]T00000[0-9]Z",
        ) {
            let mut h = HeaderMap::new();
            h.insert("host", HeaderValue::from_static("localhost"));
            h.insert("x-amz-date", HeaderValue::from_str(&date).unwrap());
            for (k, v) in &extra {
                h.append(http::HeaderName::from_bytes(k.as_bytes()).unwrap(), HeaderValue::from_str(v).unwrap());
            }
            if let Some(s) = &sha {
                h.insert("x-amz-content-sha256", HeaderValue::from_str(s).unwrap());
            }
            let mut names = vec!["host".to_string(), "x-amz-date".to_string()];
            names.extend(signed_extra);
            names.sort();
            names.dedup();
            h.insert("authorization", HeaderValue::from_str(&format!(
                "AWS4-HMAC-SHA256 Credential={CRED}, SignedHeaders={}, Signature={sig}",
                names.join(";")
            )).unwrap());
            let req = RequestParts { method: "PUT", path: &path, query: query.as_deref(), headers: &h, body: &body };
            let p = Policy {
                max_skew_secs: 900,
                expected_service: None,
                uri_encoding: if single { UriEncoding::Single } else { UriEncoding::Double },
            };
            if let Ok(a) = parse(&req) {
                let key = SigningKey::derive(SECRET, a.scope_date, a.region, a.service);
                prop_assert!(verify(&req, &a, &key, ts("2024-01-01T00:00:00Z"), &p).is_err());
                let _ = canonical_request(&req, &a, &p);
                let _ = string_to_sign(&req, &a, &p);
            }
        }
    }
}
