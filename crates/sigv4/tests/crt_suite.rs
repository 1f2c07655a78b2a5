//! The AWS SigV4 signing test suite (from aws-c-auth, shipped inside the `aws-sigv4` crate that
//! is already a dev-dependency): every signed request it contains must verify.
//!
//! The suite is read in place from the cargo registry, not copied. Mapping to our modes:
//! `"normalize": true` is a non-S3 service ([`UriEncoding::Double`]); `false` is taken as
//! [`UriEncoding::Single`] (its presigned forms are skipped: the suite signs the body hash there,
//! while S3 presigned URLs sign `UNSIGNED-PAYLOAD`). Cases no HTTP/1.1 server can receive, or that
//! encode the way no AWS service does, are listed in `SKIPPED` with the reason.

use std::path::{Path, PathBuf};

use http::{HeaderMap, HeaderName, HeaderValue};
use jiff::Timestamp;
use trailrunner_sigv4::{
    canonical_request, parse, verify, Policy, RequestParts, SigningKey, UriEncoding,
};

/// The suite's credentials, and those of `aws_credential_types::Credentials::for_tests()` that
/// the two cases aws-sigv4 added were signed with.
fn secret_of(access_key_id: &str) -> &'static str {
    match access_key_id {
        "ANOTREAL" => "notrealrnrELgWzOk3IfjzDKtFBhDby",
        _ => "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    }
}

const SKIPPED: &[(&str, &str)] = &[
    (
        "get-header-value-multiline",
        "obs-fold header continuation lines: rejected by HTTP/1.1 servers",
    ),
    (
        "get-space-unnormalized",
        "a raw space in the request target cannot be sent",
    ),
    (
        "get-space-normalized",
        "CRT encodes the path once here; non-S3 AWS services (and the SDKs) encode it twice",
    ),
];

/// Presigned forms skipped on top of `SKIPPED`.
const QUERY_SKIPPED: &[(&str, &str)] = &[(
    "post-sts-header-after",
    "the token is appended after signing, outside the canonical query; standard services sign it",
)];

fn suite_dir() -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
        .expect("CARGO_HOME or HOME");
    let mut found: Vec<PathBuf> = std::fs::read_dir(home.join("registry/src"))
        .expect("cargo registry sources exist (aws-sigv4 is a dev-dependency)")
        .flatten()
        .flat_map(|index| {
            std::fs::read_dir(index.path())
                .into_iter()
                .flatten()
                .flatten()
        })
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("aws-sigv4-1."))
        })
        .map(|p| p.join("aws-signing-test-suite/v4"))
        .filter(|p| p.is_dir())
        .collect();
    found.sort();
    found
        .pop()
        .expect("aws-sigv4's aws-signing-test-suite/v4 is present in the cargo registry")
}

struct Raw {
    method: String,
    path: String,
    query: Option<String>,
    headers: HeaderMap,
    body: Vec<u8>,
}

/// A request file as an HTTP/1.1 server would hand it over (header values trimmed of OWS).
fn read_request(file: &Path) -> Raw {
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{file:?}: {e}"));
    let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let line = lines.next().expect("request line");
    let (method, rest) = line.split_once(' ').expect("method");
    let target = rest.strip_suffix(" HTTP/1.1").unwrap_or(rest);
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q.to_string())),
        None => (target.to_string(), None),
    };
    let mut headers = HeaderMap::new();
    for l in lines {
        let (k, v) = l.split_once(':').expect("header line");
        headers.append(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(v.trim_matches([' ', '\t'])).unwrap(),
        );
    }
    Raw {
        method: method.to_string(),
        path,
        query,
        headers,
        body: body.as_bytes().to_vec(),
    }
}

/// `now` defaults to the request's own date (for the cases without a context file).
fn check(raw: &Raw, encoding: UriEncoding, now: Option<Timestamp>) -> Result<String, String> {
    let req = RequestParts {
        method: &raw.method,
        path: &raw.path,
        query: raw.query.as_deref(),
        headers: &raw.headers,
        body: &raw.body,
    };
    let auth = parse(&req).map_err(|e| e.to_string())?;
    let key = SigningKey::derive(
        secret_of(auth.access_key_id),
        auth.scope_date,
        auth.region,
        auth.service,
    );
    let now = now.unwrap_or(auth.request_time);
    let policy = Policy {
        max_skew_secs: 900,
        expected_service: Some(auth.service),
        uri_encoding: encoding,
    };
    let creq = canonical_request(&req, &auth, &policy);
    verify(&req, &auth, &key, now, &policy)
        .map(|()| creq.clone())
        .map_err(|e| format!("{e}\n--- our canonical request:\n{creq}"))
}

#[test]
fn crt_signing_suite_verifies() {
    let dir = suite_dir();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    cases.sort();
    let (mut header_ok, mut query_ok, mut failures) = (0, 0, Vec::new());
    let mut skipped = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_str().unwrap().to_string();
        if SKIPPED.iter().any(|(n, _)| *n == name) {
            skipped.push(name);
            continue;
        }
        let (normalize, now) = match std::fs::read_to_string(case.join("context.json")) {
            Ok(ctx) => {
                let ctx: serde_json::Value = serde_json::from_str(&ctx).unwrap();
                (
                    ctx["normalize"].as_bool().unwrap(),
                    Some(ctx["timestamp"].as_str().unwrap().parse().unwrap()),
                )
            }
            // The two cases aws-sigv4 added carry no context: non-S3 paths with escapes that
            // must be encoded twice, checked at their own X-Amz-Date.
            Err(_) => (true, None),
        };
        let encoding = if normalize {
            UriEncoding::Double
        } else {
            UriEncoding::Single
        };

        let signed = read_request(&case.join("header-signed-request.txt"));
        match check(&signed, encoding, now) {
            Ok(creq) => {
                header_ok += 1;
                let mut want =
                    std::fs::read_to_string(case.join("header-canonical-request.txt")).unwrap();
                let mut creq = creq;
                if now.is_none() {
                    // The added cases' canonical files carry a stale date: compare the
                    // method, URI and query lines only.
                    let head = |s: &str| s.lines().take(3).collect::<Vec<_>>().join("\n");
                    (creq, want) = (head(&creq), head(&want));
                }
                if creq != want {
                    failures.push(format!(
                        "{name} (header): canonical request differs:\n{creq}\n--- suite:\n{want}"
                    ));
                }
            }
            Err(e) => failures.push(format!("{name} (header): {e}")),
        }
        let query_file = case.join("query-signed-request.txt");
        let query_skipped = QUERY_SKIPPED.iter().any(|(n, _)| *n == name);
        if normalize && query_file.exists() && !query_skipped {
            match check(&read_request(&query_file), encoding, now) {
                Ok(_) => query_ok += 1,
                Err(e) => failures.push(format!("{name} (presigned): {e}")),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert_eq!(
        skipped.len(),
        SKIPPED.len(),
        "every skip names a case that exists"
    );
    // The suite has 40 cases; make sure they were really run.
    assert!(header_ok >= 36, "{header_ok} header-signed cases verified");
    assert!(query_ok >= 25, "{query_ok} presigned cases verified");
}
