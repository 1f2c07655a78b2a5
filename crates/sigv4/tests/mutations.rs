//! One-change mutations of every botocore vector: each must be rejected, with the specific kind
//! where the outcome is deterministic. Also the clock edges on both sides and presigned expiry.

mod common;

use common::{botocore_vectors, Request};
use http::{HeaderName, HeaderValue};
use jiff::{SignedDuration, Timestamp};
use trailrunner_sigv4::{parse, AuthErrorKind, AuthMode, PayloadHash};

/// Facts about a vector that decide what a mutation must produce.
struct Shape {
    mode: AuthMode,
    payload: PayloadHash<'static>,
    signed_headers: Vec<String>,
    signed_at: Timestamp,
    expires: Option<u32>,
    signature: String,
}

fn shape(r: &Request) -> Shape {
    let req = r.parts();
    let a = parse(&req).expect("vector parses");
    Shape {
        mode: a.mode.clone(),
        payload: match a.payload {
            PayloadHash::Implicit => PayloadHash::Implicit,
            PayloadHash::Unsigned => PayloadHash::Unsigned,
            PayloadHash::Sha256(_) => PayloadHash::Sha256(""),
        },
        signed_headers: a.signed_header_names().map(str::to_owned).collect(),
        signed_at: a.request_time,
        expires: a.expires_secs,
        signature: a.signature.to_owned(),
    }
}

fn kind_of(r: &Request) -> Option<AuthErrorKind> {
    r.check().err().map(|e| e.kind())
}

/// Replace the char at byte index `i` (ASCII) by a different ASCII char of the same class.
fn change_char(s: &str, i: usize) -> String {
    let b = s.as_bytes()[i];
    let new = match b {
        b'0'..=b'8' => b + 1,
        b'9' => b'0',
        b'a'..=b'y' | b'A'..=b'Y' => b + 1,
        b'z' => b'a',
        b'Z' => b'A',
        b'-' => b'_',
        _ => b'x',
    };
    let mut out = s.as_bytes().to_vec();
    out[i] = new;
    String::from_utf8(out).unwrap()
}

#[test]
fn unmutated_vectors_pass() {
    for v in botocore_vectors() {
        assert_eq!(kind_of(&Request::from_vector(&v)), None, "{}", v.name);
    }
}

#[test]
fn body_byte_flips() {
    for v in botocore_vectors() {
        let base = Request::from_vector(&v);
        let s = shape(&base);
        let positions: Vec<usize> = if base.body.is_empty() {
            vec![usize::MAX]
        } else {
            vec![0, base.body.len() / 2, base.body.len() - 1]
        };
        for pos in positions {
            let mut r = base.clone();
            if pos == usize::MAX {
                r.body.push(b'x');
            } else {
                r.body[pos] ^= 0x01;
            }
            let got = kind_of(&r);
            let unsigned = s.payload == PayloadHash::Unsigned
                || (s.payload == PayloadHash::Implicit
                    && s.mode == AuthMode::Presigned
                    && v.uri_encoding == "Single");
            let want = if unsigned {
                // UNSIGNED-PAYLOAD means exactly that: the body is not authenticated. The
                // caller sees `auth.payload` and decides whether to allow it.
                None
            } else if s.payload == PayloadHash::Sha256("") {
                // The signature covers the declared hash; the declared hash no longer matches.
                Some(AuthErrorKind::ContentSha256Mismatch)
            } else {
                Some(AuthErrorKind::SignatureMismatch)
            };
            assert_eq!(got, want, "{} body byte {pos}", v.name);
        }
    }
}

#[test]
fn every_signature_char_changed() {
    for v in botocore_vectors() {
        let base = Request::from_vector(&v);
        let s = shape(&base);
        for i in 0..s.signature.len() {
            let bad = change_char(&s.signature, i);
            let mut r = base.clone();
            match s.mode {
                AuthMode::Header => {
                    let h = r.headers["authorization"]
                        .to_str()
                        .unwrap()
                        .replace(&s.signature, &bad);
                    r.headers
                        .insert("authorization", HeaderValue::from_str(&h).unwrap());
                }
                AuthMode::Presigned => {
                    r.query = Some(r.query.unwrap().replace(&s.signature, &bad));
                }
            }
            assert_eq!(
                kind_of(&r),
                Some(AuthErrorKind::SignatureMismatch),
                "{} signature char {i}",
                v.name
            );
        }
    }
}

#[test]
fn every_signed_header_value_changed() {
    for v in botocore_vectors() {
        let base = Request::from_vector(&v);
        let s = shape(&base);
        for name in &s.signed_headers {
            let hn = HeaderName::from_bytes(name.as_bytes()).unwrap();
            let values: Vec<String> = base
                .headers
                .get_all(&hn)
                .iter()
                .map(|x| x.to_str().unwrap().to_owned())
                .collect();
            assert!(
                !values.is_empty(),
                "{}: signed header {name} is sent",
                v.name
            );
            let value = &values[0];
            // A non-space char near the middle: changing it cannot be trimmed away.
            let i = (value.len() / 2..value.len())
                .chain(0..value.len() / 2)
                .find(|&i| value.as_bytes()[i] != b' ')
                .unwrap();
            let mut r = base.clone();
            r.headers.remove(&hn);
            r.headers
                .append(&hn, HeaderValue::from_str(&change_char(value, i)).unwrap());
            for rest in &values[1..] {
                r.headers.append(&hn, HeaderValue::from_str(rest).unwrap());
            }
            let got = kind_of(&r);
            match name.as_str() {
                // The date also feeds the scope and clock checks, which may fire first.
                "x-amz-date" | "date" => assert!(got.is_some(), "{} header {name}", v.name),
                // A changed `UNSIGNED-PAYLOAD` is no longer a valid value at all.
                "x-amz-content-sha256" if value == "UNSIGNED-PAYLOAD" => assert_eq!(
                    got,
                    Some(AuthErrorKind::ContentSha256Mismatch),
                    "{} header {name}",
                    v.name
                ),
                _ => assert_eq!(
                    got,
                    Some(AuthErrorKind::SignatureMismatch),
                    "{} header {name}",
                    v.name
                ),
            }
        }
    }
}

#[test]
fn method_path_and_query_changes() {
    for v in botocore_vectors() {
        let base = Request::from_vector(&v);
        let mismatch = Some(AuthErrorKind::SignatureMismatch);

        let mut r = base.clone();
        r.method = if r.method == "GET" {
            "POST".into()
        } else {
            "GET".into()
        };
        assert_eq!(kind_of(&r), mismatch, "{} method", v.name);

        let mut r = base.clone();
        r.path = if r.path == "/" {
            "/x".into()
        } else {
            let i = r.path.rfind(|c: char| c.is_ascii_alphanumeric()).unwrap();
            change_char(&r.path, i)
        };
        assert_eq!(kind_of(&r), mismatch, "{} path {}", v.name, r.path);

        let mut r = base.clone();
        r.query = Some(match r.query {
            Some(q) => format!("{q}&extra=1"),
            None => "extra=1".into(),
        });
        assert_eq!(kind_of(&r), mismatch, "{} query added", v.name);

        // Change one char of an existing non-auth query value, where there is one.
        if let Some(q) = &base.query {
            let i = q
                .split('&')
                .scan(0usize, |off, p| {
                    let start = *off;
                    *off += p.len() + 1;
                    Some((start, p))
                })
                .find(|(_, p)| !p.starts_with("X-Amz-") && p.contains('=') && !p.ends_with('='))
                .map(|(start, p)| start + p.len() - 1);
            if let Some(i) = i {
                let mut r = base.clone();
                r.query = Some(change_char(q, i));
                assert_eq!(
                    kind_of(&r),
                    mismatch,
                    "{} query value {:?}",
                    v.name,
                    r.query
                );
            }
        }
    }
}

#[test]
fn wrong_secret_region_and_date() {
    for v in botocore_vectors() {
        let base = Request::from_vector(&v);
        let s = shape(&base);

        let other_secret = change_char(&base.secret, 3);
        assert_eq!(
            base.check_with(&other_secret, base.now)
                .err()
                .map(|e| e.kind()),
            Some(AuthErrorKind::SignatureMismatch),
            "{} secret",
            v.name
        );

        // The scope as it appears on the wire (encoded slashes in presigned URLs).
        let (sep, carrier) = match s.mode {
            AuthMode::Header => ("/", "header"),
            AuthMode::Presigned => ("%2F", "query"),
        };
        let date = s.signed_at.strftime("%Y%m%d").to_string();
        let region_from = format!("{sep}{date}{sep}us-east-1{sep}");
        let region_to = format!("{sep}{date}{sep}us-west-2{sep}");
        let next_day = (s.signed_at + SignedDuration::from_hours(24))
            .strftime("%Y%m%d")
            .to_string();
        let date_to = format!("{sep}{next_day}{sep}us-east-1{sep}");
        for (to, want) in [
            (&region_to, AuthErrorKind::SignatureMismatch),
            (&date_to, AuthErrorKind::ScopeMismatch),
        ] {
            let mut r = base.clone();
            if carrier == "header" {
                let h = r.headers["authorization"].to_str().unwrap().to_owned();
                assert!(h.contains(&region_from), "{}", v.name);
                r.headers.insert(
                    "authorization",
                    HeaderValue::from_str(&h.replace(&region_from, to)).unwrap(),
                );
            } else {
                let q = r.query.clone().unwrap();
                assert!(q.contains(&region_from), "{}", v.name);
                r.query = Some(q.replace(&region_from, to));
            }
            assert_eq!(kind_of(&r), Some(want), "{} scope -> {to}", v.name);
        }
    }
}

#[test]
fn clock_edges_and_presigned_expiry() {
    let secs = SignedDuration::from_secs;
    for v in botocore_vectors() {
        let r = Request::from_vector(&v);
        let s = shape(&r);
        let at = |d: SignedDuration| {
            r.check_with(&r.secret, s.signed_at + d)
                .err()
                .map(|e| e.kind())
        };

        // Early side, both modes: more than the skew in the future is not yet valid.
        assert_eq!(at(secs(-900)), None, "{} -900s", v.name);
        assert_eq!(
            at(secs(-901)),
            Some(AuthErrorKind::NotYetValid),
            "{} -901s",
            v.name
        );
        match s.mode {
            AuthMode::Header => {
                assert_eq!(at(secs(900)), None, "{} +900s", v.name);
                assert_eq!(
                    at(secs(901)),
                    Some(AuthErrorKind::Expired),
                    "{} +901s",
                    v.name
                );
            }
            AuthMode::Presigned => {
                let exp = i64::from(s.expires.unwrap());
                assert_eq!(at(secs(exp)), None, "{} at expiry", v.name);
                let e = r
                    .check_with(&r.secret, s.signed_at + secs(exp + 1))
                    .unwrap_err();
                assert_eq!(e.kind(), AuthErrorKind::Expired, "{} past expiry", v.name);
                assert_eq!(e.message(), "Request has expired");
            }
        }
    }
}

#[test]
fn wrong_service_is_a_scope_mismatch() {
    for v in botocore_vectors() {
        let mut r = Request::from_vector(&v);
        r.service = if r.service == "s3" {
            "apprunner".into()
        } else {
            "s3".into()
        };
        let e = r.check().unwrap_err();
        assert_eq!(e.kind(), AuthErrorKind::ScopeMismatch, "{}", v.name);
        assert_eq!(
            e.message(),
            format!(
                "Credential should be scoped to correct service: '{}'. ",
                r.service
            )
        );
    }
}
