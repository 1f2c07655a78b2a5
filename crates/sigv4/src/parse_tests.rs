//! Parsing edge cases: each gets its specific error kind, none panics.

use super::*;
use http::HeaderMap;

const CRED: &str = "AKIDEXAMPLE/20240101/us-east-1/apprunner/aws4_request";
const SIG: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.append(
            http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            http::HeaderValue::from_str(v).unwrap(),
        );
    }
    h
}

fn run<'a>(h: &'a HeaderMap, query: Option<&'a str>) -> Result<ParsedAuth<'a>, AuthError> {
    parse(&RequestParts {
        method: "GET",
        path: "/",
        query,
        headers: h,
        body: b"",
    })
}

fn kind(h: &HeaderMap, query: Option<&str>) -> AuthErrorKind {
    match run(h, query) {
        Ok(a) => panic!("unexpectedly parsed: {a:?}"),
        Err(e) => e.kind(),
    }
}

fn auth_header(v: &str) -> HeaderMap {
    headers(&[
        ("host", "example.com"),
        ("x-amz-date", "20240101T000000Z"),
        ("authorization", v),
    ])
}

fn good_header() -> String {
    format!("AWS4-HMAC-SHA256 Credential={CRED}, SignedHeaders=host;x-amz-date, Signature={SIG}")
}

#[test]
fn nothing_is_missing() {
    let h = headers(&[("host", "x")]);
    assert_eq!(kind(&h, None), AuthErrorKind::Missing);
    assert_eq!(kind(&h, Some("")), AuthErrorKind::Missing);
    assert_eq!(kind(&h, Some("a=1&b")), AuthErrorKind::Missing);
    let e = run(&h, None).unwrap_err();
    assert_eq!(e.message(), "Missing Authentication Token");
}

#[test]
fn well_formed_header_parses() {
    let h = auth_header(&good_header());
    let a = run(&h, None).unwrap();
    assert_eq!(a.mode, AuthMode::Header);
    assert_eq!(a.access_key_id, "AKIDEXAMPLE");
    assert_eq!(a.scope_date, "20240101");
    assert_eq!(a.region, "us-east-1");
    assert_eq!(a.service, "apprunner");
    assert_eq!(a.terminator, "aws4_request");
    assert_eq!(a.amz_date(), "20240101T000000Z");
    assert_eq!(a.request_time.to_string(), "2024-01-01T00:00:00Z");
    assert_eq!(
        a.signed_header_names().collect::<Vec<_>>(),
        ["host", "x-amz-date"]
    );
    assert_eq!(a.signature, SIG);
    assert_eq!(a.security_token, None);
    assert_eq!(a.payload, PayloadHash::Implicit);
    assert_eq!(a.expires_secs, None);
}

#[test]
fn header_separator_variations_are_tolerated() {
    for v in [
        format!("AWS4-HMAC-SHA256 Credential={CRED},SignedHeaders=host,Signature={SIG}"),
        format!("AWS4-HMAC-SHA256   Credential={CRED} ,  SignedHeaders=host ,Signature={SIG},"),
        format!("AWS4-HMAC-SHA256 Credential={CRED} SignedHeaders=host Signature={SIG}"),
        format!("AWS4-HMAC-SHA256 Signature={SIG}, Credential={CRED}, SignedHeaders=host"),
        format!("AWS4-HMAC-SHA256\tCredential={CRED},\tSignedHeaders=host, Signature={SIG}"),
    ] {
        let h = auth_header(&v);
        let a = run(&h, None).unwrap_or_else(|e| panic!("{v}: {e}"));
        assert_eq!(a.signature, SIG);
        assert_eq!(&*a.signed_headers, "host");
    }
}

#[test]
fn missing_parts_are_incomplete_and_listed() {
    let h = auth_header(&format!(
        "AWS4-HMAC-SHA256 SignedHeaders=host, Signature={SIG}"
    ));
    let e = run(&h, None).unwrap_err();
    assert_eq!(e.kind(), AuthErrorKind::Incomplete);
    assert!(e
        .message()
        .starts_with("Authorization header requires 'Credential' parameter. "));
    assert!(e
        .message()
        .contains("Authorization=AWS4-HMAC-SHA256 SignedHeaders=host"));

    let h = auth_header("AWS4-HMAC-SHA256");
    let e = run(&h, None).unwrap_err();
    assert_eq!(e.kind(), AuthErrorKind::Incomplete);
    for part in ["'Credential'", "'Signature'", "'SignedHeaders'"] {
        assert!(e.message().contains(part), "{}", e.message());
    }

    let h = auth_header(&format!(
        "AWS4-HMAC-SHA256 Credential={CRED}, SignedHeaders=host"
    ));
    assert_eq!(kind(&h, None), AuthErrorKind::Incomplete);
    let h = auth_header(&format!(
        "AWS4-HMAC-SHA256 Credential={CRED}, Signature={SIG}"
    ));
    assert_eq!(kind(&h, None), AuthErrorKind::Incomplete);
    let h = auth_header("");
    assert_eq!(kind(&h, None), AuthErrorKind::Incomplete);
    let h = auth_header("   ");
    assert_eq!(kind(&h, None), AuthErrorKind::Incomplete);
}

#[test]
fn missing_date_is_incomplete() {
    let h = headers(&[("host", "x"), ("authorization", &good_header())]);
    let e = run(&h, None).unwrap_err();
    assert_eq!(e.kind(), AuthErrorKind::Incomplete);
    assert!(e
        .message()
        .contains("requires existence of either a 'X-Amz-Date' or a 'Date' header"));
}

#[test]
fn bad_dates_are_incomplete() {
    for d in [
        "2024-01-01T00:00:00Z",
        "20240101T000000",
        "20240101",
        "20241301T000000Z",
        "20240132T000000Z",
        "20240101T250000Z",
        "Mon, 01 Jan 2024 00:00:00 GMT",
        "",
        "20240101T000000Z ",
    ] {
        let h = headers(&[
            ("host", "x"),
            ("x-amz-date", d),
            ("authorization", &good_header()),
        ]);
        let e = run(&h, None).unwrap_err();
        assert_eq!(e.kind(), AuthErrorKind::Incomplete, "{d:?}");
        if !d.is_empty() && !d.ends_with(' ') {
            assert!(
                e.message().contains("ISO-8601 'basic format'"),
                "{}",
                e.message()
            );
        }
    }
    let h = headers(&[
        ("host", "x"),
        ("date", "not a date"),
        ("authorization", &good_header()),
    ]);
    assert_eq!(kind(&h, None), AuthErrorKind::Incomplete);
}

#[test]
fn date_header_is_the_fallback() {
    let h = headers(&[
        ("host", "x"),
        ("date", "Mon, 01 Jan 2024 00:00:00 GMT"),
        ("authorization", &good_header()),
    ]);
    let a = run(&h, None).unwrap();
    assert_eq!(a.amz_date(), "20240101T000000Z");
    // X-Amz-Date wins over Date.
    let h = headers(&[
        ("host", "x"),
        ("date", "Tue, 02 Jan 2024 00:00:00 GMT"),
        ("x-amz-date", "20240101T000000Z"),
        ("authorization", &good_header()),
    ]);
    assert_eq!(run(&h, None).unwrap().amz_date(), "20240101T000000Z");
}

#[test]
fn signed_headers_must_include_host() {
    let v =
        format!("AWS4-HMAC-SHA256 Credential={CRED}, SignedHeaders=x-amz-date, Signature={SIG}");
    let e = run(&auth_header(&v), None).unwrap_err();
    assert_eq!(e.kind(), AuthErrorKind::Incomplete);
    assert_eq!(
        e.message(),
        "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
    );
    let v = format!("AWS4-HMAC-SHA256 Credential={CRED}, SignedHeaders=, Signature={SIG}");
    assert_eq!(kind(&auth_header(&v), None), AuthErrorKind::Incomplete);
    // "hostx" and "Host" are not host.
    for list in [
        "hostx",
        "Host",
        "host;;x-amz-date",
        ";host",
        "host;",
        "host;x y",
        "host;é",
    ] {
        let v =
            format!("AWS4-HMAC-SHA256 Credential={CRED}, SignedHeaders={list}, Signature={SIG}");
        if let Ok(hv) = http::HeaderValue::from_str(&v) {
            let h = headers(&[("host", "x"), ("x-amz-date", "20240101T000000Z")]);
            let mut h = h;
            h.insert("authorization", hv);
            assert_eq!(kind(&h, None), AuthErrorKind::Incomplete, "{list}");
        }
    }
}

#[test]
fn signed_headers_may_not_repeat() {
    for list in [
        "host;host",
        "host;x-a;x-a",
        "x-a;host;x-a",
        "x-b;x-a;host;x-b",
    ] {
        let v =
            format!("AWS4-HMAC-SHA256 Credential={CRED}, SignedHeaders={list}, Signature={SIG}");
        let e = run(&auth_header(&v), None).unwrap_err();
        assert_eq!(e.kind(), AuthErrorKind::Incomplete, "{list}");
        assert!(e.message().contains("twice"), "{}", e.message());
    }
    // Unsorted but distinct is accepted (the list is signed as given).
    let v =
        format!("AWS4-HMAC-SHA256 Credential={CRED}, SignedHeaders=x-b;host;x-a, Signature={SIG}");
    assert!(run(&auth_header(&v), None).is_ok());
}

#[test]
fn signed_header_count_is_capped() {
    let names = |n: usize| {
        let mut v: Vec<String> = (1..n).map(|i| format!("x-h{i:03}")).collect();
        v.insert(0, "host".into());
        v.join(";")
    };
    let at_cap = names(MAX_SIGNED_HEADERS);
    let v = format!("AWS4-HMAC-SHA256 Credential={CRED}, SignedHeaders={at_cap}, Signature={SIG}");
    assert!(run(&auth_header(&v), None).is_ok());
    let over = names(MAX_SIGNED_HEADERS + 1);
    let v = format!("AWS4-HMAC-SHA256 Credential={CRED}, SignedHeaders={over}, Signature={SIG}");
    assert_eq!(kind(&auth_header(&v), None), AuthErrorKind::Incomplete);
    let huge = names(20_000);
    let v = format!("AWS4-HMAC-SHA256 Credential={CRED}, SignedHeaders={huge}, Signature={SIG}");
    assert_eq!(kind(&auth_header(&v), None), AuthErrorKind::Incomplete);
}

#[test]
fn malformed_pairs_and_duplicates_are_incomplete() {
    let v = format!("AWS4-HMAC-SHA256 Credential={CRED}, SignedHeaders, Signature={SIG}");
    let e = run(&auth_header(&v), None).unwrap_err();
    assert_eq!(e.kind(), AuthErrorKind::Incomplete);
    assert!(e
        .message()
        .starts_with("'SignedHeaders' not a valid key=value pair"));
    let v = format!(
        "AWS4-HMAC-SHA256 Credential={CRED}, Credential={CRED}, SignedHeaders=host, Signature={SIG}"
    );
    assert_eq!(kind(&auth_header(&v), None), AuthErrorKind::Incomplete);
    let v = format!(
        "AWS4-HMAC-SHA256 Credential={CRED}, SignedHeaders=host, Signature={SIG}, Signature={SIG}"
    );
    assert_eq!(kind(&auth_header(&v), None), AuthErrorKind::Incomplete);
}

#[test]
fn credential_must_have_five_elements() {
    for cred in [
        "AKID/20240101/us-east-1/apprunner",
        "AKID/20240101/us-east-1/apprunner/aws4_request/extra",
        "AKID",
        "",
        "/20240101/us-east-1/apprunner/aws4_request",
    ] {
        let v = format!("AWS4-HMAC-SHA256 Credential={cred}, SignedHeaders=host, Signature={SIG}");
        let e = run(&auth_header(&v), None).unwrap_err();
        assert_eq!(e.kind(), AuthErrorKind::Incomplete, "{cred}");
        assert!(e
            .message()
            .starts_with("Credential must have exactly 5 slash-delimited"));
    }
    // Wrong scope contents are not a parse error: verify reports them as ScopeMismatch.
    let v = format!(
        "AWS4-HMAC-SHA256 Credential=AKID/2024/US_EAST/svc/aws4_reques, SignedHeaders=host, Signature={SIG}"
    );
    assert!(run(&auth_header(&v), None).is_ok());
}

#[test]
fn other_schemes_are_unsupported() {
    for v in [
        "AWS AKIDEXAMPLE:c2lnbmF0dXJl",
        "Bearer abc",
        "AWS4-HMAC-SHA512 Credential=x",
        "AWS4-ECDSA-P256-SHA256 Credential=AKID/20240101/s3/aws4_request, SignedHeaders=host, Signature=00",
        "aws4-hmac-sha256 Credential=x",
    ] {
        assert_eq!(kind(&auth_header(v), None), AuthErrorKind::Unsupported, "{v}");
    }
}

#[test]
fn repeated_auth_headers_are_incomplete() {
    let mut h = auth_header(&good_header());
    h.append(
        "authorization",
        http::HeaderValue::from_str(&good_header()).unwrap(),
    );
    assert_eq!(kind(&h, None), AuthErrorKind::Incomplete);
    let mut h = auth_header(&good_header());
    h.append(
        "x-amz-date",
        http::HeaderValue::from_static("20240101T000000Z"),
    );
    assert_eq!(kind(&h, None), AuthErrorKind::Incomplete);
    let mut h = auth_header(&good_header());
    h.append("x-amz-security-token", http::HeaderValue::from_static("a"));
    h.append("x-amz-security-token", http::HeaderValue::from_static("b"));
    assert_eq!(kind(&h, None), AuthErrorKind::Incomplete);
}

#[test]
fn non_ascii_authorization_is_incomplete() {
    let mut h = auth_header(&good_header());
    h.insert(
        "authorization",
        http::HeaderValue::from_bytes(b"AWS4-HMAC-SHA256 Credential=\xff").unwrap(),
    );
    assert_eq!(kind(&h, None), AuthErrorKind::Incomplete);
}

#[test]
fn content_sha256_header_is_classified() {
    let with = |v: &str| {
        let mut h = auth_header(&good_header());
        h.insert(
            "x-amz-content-sha256",
            http::HeaderValue::from_str(v).unwrap(),
        );
        h
    };
    let h = with("UNSIGNED-PAYLOAD");
    assert_eq!(run(&h, None).unwrap().payload, PayloadHash::Unsigned);
    let hexv = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
    let h = with(hexv);
    assert_eq!(run(&h, None).unwrap().payload, PayloadHash::Sha256(hexv));
    for s in [
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
    ] {
        assert_eq!(kind(&with(s), None), AuthErrorKind::Unsupported);
    }
    for s in [
        "",
        "unsigned-payload",
        "abc",
        &hexv[1..],
        &format!("{}g", &hexv[1..]),
    ] {
        assert_eq!(
            kind(&with(s), None),
            AuthErrorKind::ContentSha256Mismatch,
            "{s}"
        );
    }
}

#[test]
fn security_token_header_and_debug_redaction() {
    let mut h = auth_header(&good_header());
    h.insert(
        "x-amz-security-token",
        http::HeaderValue::from_static("SeCrEtToKeN"),
    );
    let a = run(&h, None).unwrap();
    assert_eq!(a.security_token.as_deref(), Some("SeCrEtToKeN"));
    let dbg = format!("{a:?}");
    assert!(!dbg.contains("SeCrEtToKeN"), "{dbg}");
    assert!(dbg.contains("HIDDEN_DUE_TO_SECURITY_REASONS"));
}

// ---- presigned ----

fn presigned_query(overrides: &[(&str, Option<&str>)]) -> String {
    let mut params = vec![
        ("X-Amz-Algorithm", "AWS4-HMAC-SHA256".to_string()),
        (
            "X-Amz-Credential",
            "AKIDEXAMPLE%2F20240101%2Fus-east-1%2Fs3%2Faws4_request".to_string(),
        ),
        ("X-Amz-Date", "20240101T000000Z".to_string()),
        ("X-Amz-Expires", "3600".to_string()),
        ("X-Amz-SignedHeaders", "host".to_string()),
        ("X-Amz-Signature", SIG.to_string()),
    ];
    for (k, v) in overrides {
        params.retain(|(pk, _)| pk != k);
        if let Some(v) = v {
            params.push((k, v.to_string()));
        }
    }
    params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

#[test]
fn presigned_parses() {
    let h = headers(&[("host", "x")]);
    let q = presigned_query(&[
        ("X-Amz-Security-Token", Some("a%2Bb%2Fc%3D%3D")),
        ("X-Amz-SignedHeaders", Some("host%3Bx-amz-meta-a")),
    ]);
    let a = run(&h, Some(&q)).unwrap();
    assert_eq!(a.mode, AuthMode::Presigned);
    assert_eq!(a.access_key_id, "AKIDEXAMPLE");
    assert_eq!(a.service, "s3");
    assert_eq!(a.expires_secs, Some(3600));
    assert_eq!(a.security_token.as_deref(), Some("a+b/c=="));
    assert_eq!(&*a.signed_headers, "host;x-amz-meta-a");
    assert_eq!(a.payload, PayloadHash::Implicit);
    // Lower-case escapes and plain slashes in the credential are fine too.
    let q = presigned_query(&[(
        "X-Amz-Credential",
        Some("AKIDEXAMPLE%2f20240101/us-east-1%2Fs3%2Faws4_request"),
    )]);
    assert_eq!(run(&h, Some(&q)).unwrap().region, "us-east-1");
}

#[test]
fn presigned_missing_parameters_are_incomplete() {
    let h = headers(&[("host", "x")]);
    for p in [
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-Expires",
        "X-Amz-SignedHeaders",
        "X-Amz-Signature",
    ] {
        let q = presigned_query(&[(p, None)]);
        let e = run(&h, Some(&q)).unwrap_err();
        assert_eq!(e.kind(), AuthErrorKind::Incomplete, "{p}");
        assert!(e
            .message()
            .starts_with("Query-string authentication version 4 requires"));
    }
    // Signature or credential without the algorithm is an incomplete attempt, not "missing".
    assert_eq!(
        kind(&h, Some(&format!("X-Amz-Signature={SIG}"))),
        AuthErrorKind::Incomplete
    );
    assert_eq!(
        kind(&h, Some("X-Amz-Credential=a")),
        AuthErrorKind::Incomplete
    );
}

#[test]
fn presigned_duplicates_are_incomplete() {
    let h = headers(&[("host", "x")]);
    let base = presigned_query(&[]);
    for extra in [
        format!("&X-Amz-Signature={SIG}"),
        format!("&X-Amz%2DSignature={SIG}"),
        "&X-Amz-Date=20240101T000000Z".to_string(),
        "&X-Amz-Algorithm=AWS4-HMAC-SHA256".to_string(),
        "&x-amz-content-sha256=UNSIGNED-PAYLOAD&X-Amz-Content-Sha256=UNSIGNED-PAYLOAD".to_string(),
    ] {
        let q = format!("{base}{extra}");
        assert_eq!(kind(&h, Some(&q)), AuthErrorKind::Incomplete, "{extra}");
    }
}

#[test]
fn presigned_expires_bounds() {
    let h = headers(&[("host", "x")]);
    for ok in ["1", "604800", "0000000060"] {
        let q = presigned_query(&[("X-Amz-Expires", Some(ok))]);
        assert!(run(&h, Some(&q)).is_ok(), "{ok}");
    }
    for bad in [
        "0",
        "604801",
        "-1",
        "",
        "abc",
        "1e3",
        "+60",
        "99999999999999999999",
        "60%20",
    ] {
        let q = presigned_query(&[("X-Amz-Expires", Some(bad))]);
        assert_eq!(kind(&h, Some(&q)), AuthErrorKind::Incomplete, "{bad}");
    }
}

#[test]
fn presigned_bad_fields() {
    let h = headers(&[("host", "x")]);
    let q = presigned_query(&[("X-Amz-Algorithm", Some("AWS4-HMAC-SHA1"))]);
    assert_eq!(kind(&h, Some(&q)), AuthErrorKind::Unsupported);
    let q = presigned_query(&[("X-Amz-Date", Some("20240101"))]);
    assert_eq!(kind(&h, Some(&q)), AuthErrorKind::Incomplete);
    let q = presigned_query(&[(
        "X-Amz-Credential",
        Some("AK%41ID%2F20240101%2Fr%2Fs%2Faws4_request"),
    )]);
    assert_eq!(kind(&h, Some(&q)), AuthErrorKind::Incomplete);
    let q = presigned_query(&[("X-Amz-Credential", Some("AKID%2F20240101%2Fr%2Fs"))]);
    assert_eq!(kind(&h, Some(&q)), AuthErrorKind::Incomplete);
    let q = presigned_query(&[("X-Amz-SignedHeaders", Some("x-amz-date"))]);
    assert_eq!(kind(&h, Some(&q)), AuthErrorKind::Incomplete);
    let q = presigned_query(&[("X-Amz-SignedHeaders", Some("host%FF"))]);
    assert_eq!(kind(&h, Some(&q)), AuthErrorKind::Incomplete);
    let q = presigned_query(&[("X-Amz-Security-Token", Some("%FF"))]);
    assert_eq!(kind(&h, Some(&q)), AuthErrorKind::Incomplete);
    let q = presigned_query(&[(
        "X-Amz-Content-Sha256",
        Some("STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
    )]);
    assert_eq!(kind(&h, Some(&q)), AuthErrorKind::Unsupported);
    let q = presigned_query(&[("X-Amz-Content-Sha256", Some("UNSIGNED-PAYLOAD"))]);
    assert_eq!(run(&h, Some(&q)).unwrap().payload, PayloadHash::Unsigned);
}

#[test]
fn header_and_presigned_together_are_incomplete() {
    let h = auth_header(&good_header());
    let q = presigned_query(&[]);
    let e = run(&h, Some(&q)).unwrap_err();
    assert_eq!(e.kind(), AuthErrorKind::Incomplete);
    assert!(e.message().starts_with("Only one auth mechanism allowed"));
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn arbitrary_authorization_never_panics(
            v in "(AWS4-HMAC-SHA256)?[ ,=/;a-zA-Z0-9%+\\-_.~\\t]{0,200}",
            date in "[0-9TZ:, a-zA-Z\\-+]{0,40}",
        ) {
            let mut h = HeaderMap::new();
            h.insert("host", http::HeaderValue::from_static("x"));
            if let Ok(v) = http::HeaderValue::from_str(&v) { h.insert("authorization", v); }
            if let Ok(d) = http::HeaderValue::from_str(&date) { h.insert("x-amz-date", d.clone()); h.insert("date", d); }
            let _ = run(&h, None);
        }

        #[test]
        fn arbitrary_query_never_panics(q in "[&=a-zA-Z0-9%+\\-_.~/;]{0,300}", prefix in any::<bool>()) {
            let h = HeaderMap::new();
            let q = if prefix { format!("{}&{q}", presigned_query(&[])) } else { q };
            let _ = run(&h, Some(&q));
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let mut h = HeaderMap::new();
            if let Ok(v) = http::HeaderValue::from_bytes(&bytes) { h.insert("authorization", v.clone()); h.insert("x-amz-date", v); }
            let q = String::from_utf8_lossy(&bytes).into_owned();
            let _ = run(&h, Some(&q));
        }
    }
}
