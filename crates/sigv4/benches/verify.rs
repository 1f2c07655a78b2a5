//! `cargo bench -p trailrunner-sigv4`: parse, verify (pre-derived key) and key derivation,
//! measured separately, on requests signed by the official aws-sigv4 signer.

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    sign, PercentEncodingMode, SignableBody, SignableRequest, SignatureLocation, SigningSettings,
    UriPathNormalizationMode,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use criterion::{criterion_group, criterion_main, Criterion};
use jiff::Timestamp;
use trailrunner_sigv4::{parse, verify, Policy, RequestParts, SigningKey, UriEncoding};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const SIGNED_AT: u64 = 1_714_566_896; // 2024-05-01T12:34:56Z

struct Signed {
    method: &'static str,
    path: String,
    query: Option<String>,
    headers: http::HeaderMap,
    body: Vec<u8>,
}

fn signed(
    method: &'static str,
    uri: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
    service: &str,
    presigned: bool,
) -> Signed {
    let mut req = http::Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let mut req = req.body(body.clone()).unwrap();
    let identity: Identity = Credentials::new("AKIDBENCH", SECRET, None, None, "bench").into();
    let mut settings = SigningSettings::default();
    if service == "s3" {
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
    }
    if presigned {
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(Duration::from_secs(3600));
    }
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name(service)
        .time(SystemTime::UNIX_EPOCH + Duration::from_secs(SIGNED_AT))
        .settings(settings)
        .build()
        .unwrap()
        .into();
    let signable_body = if presigned {
        SignableBody::UnsignedPayload
    } else {
        SignableBody::Bytes(&body)
    };
    let uri_string = req.uri().to_string();
    let signable = SignableRequest::new(
        method,
        uri_string,
        req.headers()
            .iter()
            .map(|(k, v)| (k.as_str(), v.to_str().unwrap())),
        signable_body,
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    instructions.apply_to_request_http1x(&mut req);
    Signed {
        method,
        path: req.uri().path().to_owned(),
        query: req.uri().query().map(str::to_owned),
        headers: req.headers().clone(),
        body,
    }
}

impl Signed {
    fn parts(&self) -> RequestParts<'_> {
        RequestParts {
            method: self.method,
            path: &self.path,
            query: self.query.as_deref(),
            headers: &self.headers,
            body: &self.body,
        }
    }
}

fn benches(c: &mut Criterion) {
    let now = Timestamp::from_second(SIGNED_AT as i64 + 5).unwrap();

    // A typical awsJson 1.0 call: POST /, six signed headers, a 100-byte body.
    let body = format!(
        "{{\"ServiceArn\":\"arn:aws:apprunner:us-east-1:123456789012:service/hello/{}\"}}",
        "0".repeat(28)
    );
    assert_eq!(body.len(), 100);
    let json = signed(
        "POST",
        "http://localhost:4566/",
        &[
            ("host", "localhost:4566"),
            ("content-type", "application/x-amz-json-1.0"),
            ("x-amz-target", "AppRunner.DescribeService"),
            (
                "amz-sdk-invocation-id",
                "6c1c7a5e-5a4e-4a4f-9a44-3c2b1f1e0d9a",
            ),
            ("amz-sdk-request", "attempt=1; max=3"),
        ],
        body.into_bytes(),
        "apprunner",
        false,
    );
    let json_policy = Policy {
        max_skew_secs: 900,
        expected_service: Some("apprunner"),
        uri_encoding: UriEncoding::Double,
    };
    let req = json.parts();
    let auth = parse(&req).unwrap();
    assert_eq!(auth.signed_headers.split(';').count(), 6);
    let key = SigningKey::derive(SECRET, auth.scope_date, auth.region, auth.service);
    verify(&req, &auth, &key, now, &json_policy).unwrap();

    c.bench_function("awsjson/parse", |b| {
        b.iter(|| parse(black_box(&req)).unwrap())
    });
    c.bench_function("awsjson/verify (pre-derived key)", |b| {
        b.iter(|| verify(black_box(&req), black_box(&auth), &key, now, &json_policy).unwrap())
    });
    c.bench_function("awsjson/parse+verify", |b| {
        b.iter(|| {
            let a = parse(black_box(&req)).unwrap();
            verify(&req, &a, &key, now, &json_policy).unwrap()
        })
    });
    c.bench_function("derive signing key", |b| {
        b.iter(|| {
            SigningKey::derive(
                black_box(SECRET),
                black_box("20240501"),
                black_box("us-east-1"),
                black_box("apprunner"),
            )
        })
    });

    // A presigned S3 GET with an odd key: exercises the query canonicalisation and sorting.
    let s3 = signed(
        "GET",
        "http://localhost:4566/bucket/dir/a%20b%2Bc.txt?response-content-type=text%2Fplain&versionId=3",
        &[("host", "localhost:4566")],
        Vec::new(),
        "s3",
        true,
    );
    let s3_policy = Policy {
        max_skew_secs: 900,
        expected_service: Some("s3"),
        uri_encoding: UriEncoding::Single,
    };
    let s3_req = s3.parts();
    let s3_auth = parse(&s3_req).unwrap();
    let s3_key = SigningKey::derive(SECRET, s3_auth.scope_date, s3_auth.region, s3_auth.service);
    verify(&s3_req, &s3_auth, &s3_key, now, &s3_policy).unwrap();
    c.bench_function("s3 presigned/parse+verify", |b| {
        b.iter(|| {
            let a = parse(black_box(&s3_req)).unwrap();
            verify(&s3_req, &a, &s3_key, now, &s3_policy).unwrap()
        })
    });
}

criterion_group! {
    name = sigv4;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = benches
}
criterion_main!(sigv4);
