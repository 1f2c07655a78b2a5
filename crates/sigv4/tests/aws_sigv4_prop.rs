//! Second signer: random requests signed by the official `aws-sigv4` crate (the AWS SDK for
//! Rust's signer) must verify; flipping a body byte or a signature char must not.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    sign, PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest,
    SignatureLocation, SigningSettings, UriPathNormalizationMode,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use http::{HeaderMap, HeaderName, HeaderValue};
use jiff::Timestamp;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use proptest::prelude::*;
use trailrunner_sigv4::{
    parse, verify, AuthErrorKind, Policy, RequestParts, SigningKey, UriEncoding,
};

const AKID: &str = "AKIDPROPTEST";
const SECRET: &str = "proptest/secret+key=";
const HOST: &str = "localhost:4566";

/// RFC 3986 unreserved characters stay; everything else is escaped (what SDKs send).
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

#[derive(Debug, Clone)]
struct Case {
    s3: bool,
    presigned: bool,
    method: &'static str,
    path: String,
    query: Option<String>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    token: Option<String>,
    /// S3 header mode: sign with `x-amz-content-sha256` (hash or UNSIGNED-PAYLOAD).
    content_sha_header: bool,
    unsigned: bool,
    signed_at: u64,
    delay: u64,
}

/// One piece of a path segment or query component: encoded text, or a raw character that
/// `http::Uri` lets through unencoded (a signer may sign it as is).
fn piece(raw_chars: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "[a-zA-Z0-9 ._~éü☃/?#%&=+-]{1,4}"
            .prop_map(|s| utf8_percent_encode(&s, COMPONENT).to_string()),
        1 => proptest::sample::select(raw_chars.chars().collect::<Vec<_>>())
            .prop_map(|c| c.to_string()),
        1 => Just("%2f".to_string()),
    ]
}

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => proptest::collection::vec(piece("!$&'()*+,;=:@"), 1..4).prop_map(|v| v.concat()),
        1 => Just(".".to_string()),
        1 => Just("..".to_string()),
        1 => Just(String::new()),
    ]
}

fn path() -> impl Strategy<Value = String> {
    (proptest::collection::vec(segment(), 0..5), any::<bool>()).prop_map(|(segs, trailing)| {
        let mut p = String::new();
        for s in &segs {
            p.push('/');
            p.push_str(s);
        }
        if trailing || p.is_empty() {
            p.push('/');
        }
        p
    })
}

fn query() -> impl Strategy<Value = Option<String>> {
    let comp = || proptest::collection::vec(piece("!$'()*,;:@/?+"), 0..3).prop_map(|v| v.concat());
    let pair = (comp(), comp(), 0..4u8).prop_map(|(k, v, form)| {
        let k = if k.is_empty() { "k".to_string() } else { k };
        match form {
            0 => k,               // no '='
            1 => format!("{k}="), // empty value
            _ => format!("{k}={v}"),
        }
    });
    proptest::option::of(proptest::collection::vec(pair, 1..6).prop_map(|mut pairs| {
        // Sometimes repeat a key with another value.
        if pairs.len() > 2 {
            let k = pairs[0].split('=').next().unwrap_or("k").to_string();
            pairs.push(format!("{k}=again"));
        }
        pairs.join("&")
    }))
}

fn headers() -> impl Strategy<Value = Vec<(String, String)>> {
    let name = "x-[a-z]{1,8}(-[a-z0-9]{1,4})?";
    let value = "[ -~]{0,30}"; // printable ASCII, spaces included (runs, leading, trailing)
    proptest::collection::vec((name, value), 0..6).prop_map(|mut hs| {
        // Sometimes send one name twice (values joined with ',' in the canonical form).
        if let Some((n, _)) = hs.first().cloned() {
            if hs.len() > 3 {
                hs.push((n, "  dup   value ".into()));
            }
        }
        hs
    })
}

fn case() -> impl Strategy<Value = Case> {
    (
        (any::<bool>(), any::<bool>()),
        proptest::sample::select(vec!["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"]),
        path(),
        query(),
        headers(),
        proptest::collection::vec(any::<u8>(), 0..200),
        proptest::option::of("[A-Za-z0-9+/=]{10,60}"),
        (any::<bool>(), any::<bool>()),
        (1_500_000_000u64..2_000_000_000, 0u64..600),
    )
        .prop_map(
            |(
                (s3, presigned),
                method,
                path,
                query,
                headers,
                body,
                token,
                (sha, uns),
                (at, delay),
            )| {
                Case {
                    s3,
                    presigned,
                    method,
                    path,
                    query,
                    headers,
                    body,
                    token,
                    content_sha_header: s3 && !presigned && sha,
                    // Header mode only: without the header the server cannot know the payload
                    // is unsigned (S3 clients always send it).
                    unsigned: s3 && !presigned && sha && uns,
                    signed_at: at,
                    delay,
                }
            },
        )
}

/// What the client puts on the wire, after aws-sigv4 signed it.
struct Wire {
    path: String,
    query: Option<String>,
    headers: HeaderMap,
    body: Vec<u8>,
    method: &'static str,
    now: Timestamp,
    s3: bool,
}

fn sign_case(c: &Case) -> Wire {
    let mut req = http::Request::builder().method(c.method).uri(format!(
        "http://{HOST}{}{}",
        c.path,
        c.query
            .as_ref()
            .map(|q| format!("?{q}"))
            .unwrap_or_default()
    ));
    req = req.header("host", HOST);
    for (k, v) in &c.headers {
        req = req.header(k.as_str(), v.as_str());
    }
    let mut req = req.body(c.body.clone()).expect("request builds");

    let identity: Identity =
        Credentials::new(AKID, SECRET, c.token.clone(), None, "proptest").into();
    let mut settings = SigningSettings::default();
    if c.s3 {
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
    }
    if c.content_sha_header {
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    }
    if c.presigned {
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(Duration::from_secs(900));
    }
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name(if c.s3 { "s3" } else { "apprunner" })
        .time(SystemTime::UNIX_EPOCH + Duration::from_secs(c.signed_at))
        .settings(settings)
        .build()
        .expect("signing params")
        .into();
    let body = if c.unsigned || (c.presigned && c.s3) {
        SignableBody::UnsignedPayload
    } else {
        SignableBody::Bytes(&c.body)
    };
    let uri = req.uri().to_string();
    let signable = SignableRequest::new(
        c.method,
        uri,
        req.headers()
            .iter()
            .map(|(k, v)| (k.as_str(), v.to_str().expect("ascii header"))),
        body,
    )
    .expect("signable");
    let (instructions, _sig) = sign(signable, &params).expect("signs").into_parts();
    instructions.apply_to_request_http1x(&mut req);

    Wire {
        path: req.uri().path().to_string(),
        query: req.uri().query().map(str::to_string),
        headers: req.headers().clone(),
        body: c.body.clone(),
        method: c.method,
        now: Timestamp::from_second((c.signed_at + c.delay) as i64).unwrap(),
        s3: c.s3,
    }
}

fn check(w: &Wire) -> Result<(), AuthErrorKind> {
    let req = RequestParts {
        method: w.method,
        path: &w.path,
        query: w.query.as_deref(),
        headers: &w.headers,
        body: &w.body,
    };
    let auth = parse(&req).map_err(|e| e.kind())?;
    let key = SigningKey::derive(SECRET, auth.scope_date, auth.region, auth.service);
    let policy = Policy {
        max_skew_secs: 900,
        expected_service: Some(if w.s3 { "s3" } else { "apprunner" }),
        uri_encoding: if w.s3 {
            UriEncoding::Single
        } else {
            UriEncoding::Double
        },
    };
    verify(&req, &auth, &key, w.now, &policy).map_err(|e| e.kind())
}

fn signature_of(w: &Wire) -> String {
    let req = RequestParts {
        method: w.method,
        path: &w.path,
        query: w.query.as_deref(),
        headers: &w.headers,
        body: &w.body,
    };
    parse(&req).unwrap().signature.to_string()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(768))]

    #[test]
    fn aws_sigv4_signed_requests_verify(c in case()) {
        let w = sign_case(&c);
        prop_assert_eq!(check(&w), Ok(()), "path {:?} query {:?}", w.path, w.query);
    }

    #[test]
    fn body_or_signature_flips_are_rejected(c in case(), pick in any::<prop::sample::Index>(), bit in 0u8..8) {
        let w = sign_case(&c);
        prop_assert_eq!(check(&w), Ok(()));

        // One body byte (or one added byte when the body is empty).
        let mut b = Wire { body: w.body.clone(), headers: w.headers.clone(), path: w.path.clone(), query: w.query.clone(), ..w };
        if b.body.is_empty() { b.body.push(bit) } else { let i = pick.index(b.body.len()); b.body[i] ^= 1 << bit; }
        let body_unsigned = c.unsigned || (c.presigned && c.s3);
        let want = if body_unsigned {
            Ok(()) // UNSIGNED-PAYLOAD: the body is deliberately not covered.
        } else if c.content_sha_header {
            Err(AuthErrorKind::ContentSha256Mismatch)
        } else {
            Err(AuthErrorKind::SignatureMismatch)
        };
        prop_assert_eq!(check(&b), want);

        // One signature character.
        let sig = signature_of(&b);
        let i = pick.index(sig.len());
        let old = sig.as_bytes()[i];
        let new = if old == b'0' { '1' } else { '0' };
        let mut bad = sig.clone();
        bad.replace_range(i..=i, &new.to_string());
        let mut s = Wire { body: w.body.clone(), headers: b.headers.clone(), path: b.path.clone(), query: b.query.clone(), ..b };
        if c.presigned {
            s.query = s.query.map(|q| q.replace(&sig, &bad));
        } else {
            let h = s.headers["authorization"].to_str().unwrap().replace(&sig, &bad);
            s.headers.insert(HeaderName::from_static("authorization"), HeaderValue::from_str(&h).unwrap());
        }
        prop_assert_eq!(check(&s), Err(AuthErrorKind::SignatureMismatch));
    }
}
