//! `GetObject` against a plain-HTTP S3 endpoint (trailrunner's own, or any `http://` one), signed like every CLI
//! request (`client::signature_headers`, the official `aws-sigv4` crate) and sent over hyper's pooled HTTP/1.1
//! client, the body streamed to the caller.
//!
//! Why not `object_store` here, as for listing and for `https://` endpoints: validating a day of logs is hundreds
//! of small GETs, and on a 2-core machine with the server on it the client's per-request work is a fifth of the
//! run. This path does the same request with about half the client CPU (BENCHMARKS.md, issue 6).

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use anyhow::anyhow;
use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SigningSettings, UriPathNormalizationMode,
};
use aws_smithy_runtime_api::client::identity::Identity;
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use trailrunner_buckets::ExternalEndpoint;

use crate::client::{identity, signature_headers, Credentials, SigningScope};

/// What S3 leaves unescaped in a key's path: RFC 3986's unreserved characters, and `/` between segments.
const KEY_PATH: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');
/// Attempts per request: transport failures, 5xx and throttling are tried again, after 100, 200, 400 ms.
const ATTEMPTS: u32 = 4;
/// Time for one attempt to get its response head, and the longest wait for the next part of a body.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(60);
/// The most read of an error's body (its S3 `<Code>`).
const MAX_ERROR_BODY: usize = 64 << 10;

/// One plain-HTTP S3 endpoint and the credentials to sign for it.
pub(crate) struct PlainS3 {
    /// `http://host:port`, no trailing slash.
    base: String,
    host: String,
    region: String,
    identity: Identity,
    http: Client<HttpConnector, Empty<Bytes>>,
}

/// A `GetObject` answer: its user metadata (`x-amz-meta-*`, names lower case without the prefix) and its body,
/// still streaming.
pub(crate) struct Object {
    pub(crate) metadata: BTreeMap<String, String>,
    pub(crate) body: Incoming,
}

impl PlainS3 {
    /// `None` unless the endpoint is `http://host[:port]` (no path): other endpoints go through `object_store`.
    pub(crate) fn for_endpoint(endpoint: &ExternalEndpoint) -> Option<Self> {
        let base = endpoint.url.trim_end_matches('/');
        let uri: http::Uri = base.parse().ok()?;
        if uri.scheme_str() != Some("http") || !matches!(uri.path(), "" | "/") {
            return None;
        }
        let host = uri.authority()?.as_str().to_string();
        let identity = identity(&Credentials {
            access_key_id: endpoint.access_key_id.clone(),
            secret_access_key: endpoint.secret_access_key.clone(),
            session_token: None,
        });
        Some(PlainS3 {
            base: base.to_string(),
            host,
            region: endpoint.region.clone(),
            identity,
            http: Client::builder(TokioExecutor::new()).build_http(),
        })
    }

    /// `GET /bucket/key`: `Ok(None)` when S3 answers 404 (no such key, or no such bucket).
    pub(crate) async fn get(&self, bucket: &str, key: &str) -> anyhow::Result<Option<Object>> {
        let uri = object_uri(&self.base, bucket, key);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let answer = tokio::time::timeout(ATTEMPT_TIMEOUT, self.send(&uri))
                .await
                .unwrap_or_else(|_| Err(Failure::Retryable(anyhow!("no answer within 60 s"))));
            match answer {
                Ok(object) => return Ok(object),
                Err(Failure::Retryable(_)) if attempt < ATTEMPTS => {
                    tokio::time::sleep(Duration::from_millis(50 << attempt)).await;
                }
                Err(Failure::Retryable(e) | Failure::Final(e)) => {
                    return Err(e.context(format!("reading s3://{bucket}/{key}")))
                }
            }
        }
    }

    async fn send(&self, uri: &str) -> Result<Option<Object>, Failure> {
        let mut request = http::Request::get(uri).header("host", &self.host);
        for (name, value) in self.signature(uri).map_err(Failure::Final)? {
            request = request.header(name, value);
        }
        let request = request
            .body(Empty::new())
            .map_err(|e| Failure::Final(anyhow!("building the request: {e}")))?;
        let response = self
            .http
            .request(request)
            .await
            .map_err(|e| Failure::Retryable(anyhow!("cannot reach {}: {e}", self.base)))?;
        let status = response.status();
        if status.is_success() {
            let metadata = user_metadata(response.headers());
            return Ok(Some(Object {
                metadata,
                body: response.into_body(),
            }));
        }
        if status == http::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let body = http_body_util::Limited::new(response.into_body(), MAX_ERROR_BODY)
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        let code = error_code(&body).unwrap_or("no error code");
        let e = anyhow!("HTTP {} ({code})", status.as_u16());
        if status.is_server_error() || code == "SlowDown" || code == "Throttling" {
            Err(Failure::Retryable(e))
        } else {
            Err(Failure::Final(e))
        }
    }

    /// The signature headers of a `GET` of `uri` with an empty body, signed now, as S3 wants it: the path escaped
    /// once (not twice, as other services), not normalized, and `x-amz-content-sha256` sent.
    fn signature(&self, uri: &str) -> anyhow::Result<Vec<(String, String)>> {
        let mut settings = SigningSettings::default();
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        let scope = SigningScope {
            identity: &self.identity,
            region: &self.region,
            service: "s3",
            settings,
        };
        signature_headers(
            &scope,
            "GET",
            uri,
            &[("host", &self.host)],
            &[],
            SystemTime::now(),
        )
    }
}

enum Failure {
    Retryable(anyhow::Error),
    Final(anyhow::Error),
}

/// `base/bucket/key`, the key escaped as S3 expects it in a path.
fn object_uri(base: &str, bucket: &str, key: &str) -> String {
    format!("{base}/{bucket}/{}", utf8_percent_encode(key, KEY_PATH))
}

fn user_metadata(headers: &http::HeaderMap) -> BTreeMap<String, String> {
    headers
        .iter()
        .filter_map(|(name, value)| {
            let name = name.as_str().strip_prefix("x-amz-meta-")?;
            Some((name.to_string(), value.to_str().ok()?.to_string()))
        })
        .collect()
}

/// The `<Code>` of an S3 XML error body.
fn error_code(body: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(body).ok()?;
    let start = text.find("<Code>")? + "<Code>".len();
    let end = start + text[start..].find("</Code>")?;
    Some(&text[start..end])
}

/// The next bytes of a body, `None` at its end; an error when the body breaks off or stalls for a minute.
pub(crate) async fn next_bytes(body: &mut Incoming) -> anyhow::Result<Option<Bytes>> {
    loop {
        let frame = tokio::time::timeout(ATTEMPT_TIMEOUT, body.frame())
            .await
            .map_err(|_| anyhow!("the body stalled for {} s", ATTEMPT_TIMEOUT.as_secs()))?;
        match frame {
            None => return Ok(None),
            Some(frame) => {
                if let Ok(data) = frame?.into_data() {
                    return Ok(Some(data));
                }
            }
        }
    }
}

/// Reads a whole body, refusing one over `max` bytes.
pub(crate) async fn read_all(mut body: Incoming, max: usize) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    while let Some(data) = next_bytes(&mut body).await? {
        if out.len() + data.len() > max {
            anyhow::bail!("the object is larger than {max} bytes");
        }
        out.extend_from_slice(&data);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(url: &str) -> ExternalEndpoint {
        ExternalEndpoint {
            url: url.into(),
            region: "us-east-1".into(),
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "secret".into(),
        }
    }

    #[test]
    fn only_plain_http_endpoints_without_a_path() {
        assert!(PlainS3::for_endpoint(&endpoint("http://127.0.0.1:4566")).is_some());
        assert!(PlainS3::for_endpoint(&endpoint("http://127.0.0.1:4566/")).is_some());
        assert!(PlainS3::for_endpoint(&endpoint("https://s3.example.com")).is_none());
        assert!(PlainS3::for_endpoint(&endpoint("http://127.0.0.1:4566/prefix")).is_none());
        assert!(PlainS3::for_endpoint(&endpoint("not a url")).is_none());
    }

    #[test]
    fn keys_are_escaped_once_keeping_slashes() {
        assert_eq!(
            object_uri(
                "http://h:1",
                "b",
                "AWSLogs/1/CloudTrail/us-east-1/2026/x_y-z~.json.gz"
            ),
            "http://h:1/b/AWSLogs/1/CloudTrail/us-east-1/2026/x_y-z~.json.gz"
        );
        assert_eq!(
            object_uri("http://h:1", "b", "a b+c=d/é%"),
            "http://h:1/b/a%20b%2Bc%3Dd/%C3%A9%25"
        );
    }

    #[test]
    fn error_codes_and_metadata_are_read() {
        assert_eq!(
            error_code(b"<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code><Message>no</Message></Error>"),
            Some("AccessDenied")
        );
        assert_eq!(error_code(b"<html>bad gateway</html>"), None);
        let mut headers = http::HeaderMap::new();
        headers.insert("x-amz-meta-signature", "abc".parse().unwrap());
        headers.insert("content-type", "application/json".parse().unwrap());
        assert_eq!(
            user_metadata(&headers),
            BTreeMap::from([("signature".to_string(), "abc".to_string())])
        );
    }
}
