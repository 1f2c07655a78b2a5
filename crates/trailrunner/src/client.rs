//! A small AWS API client for the CLI's own commands (`events`): one SigV4-signed awsJson request at a time over
//! hyper's pooled HTTP/1.1 client, the answer parsed as JSON, an AWS error surfaced with its `__type` and message.
//!
//! Signing is the official `aws-sigv4` crate's; [`sign_post`] is also what `bench` signs with. Credentials come
//! from `--access-key-id`/`--secret-access-key` (or `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`) when given, else
//! from the data dir's root credentials; the endpoint from `--endpoint`, `AWS_ENDPOINT_URL`, or the data dir.

use std::fmt;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use anyhow::{bail, Context};
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use bytes::Bytes;
use clap::Args;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

use crate::datadir;

/// An access key pair (and, for temporary credentials, a session token). `Debug` never shows the secret.
pub(crate) struct Credentials {
    pub(crate) access_key_id: String,
    pub(crate) secret_access_key: String,
    pub(crate) session_token: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"** redacted **")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "** redacted **"),
            )
            .finish()
    }
}

/// The identity aws-sigv4 signs with.
pub(crate) fn identity(creds: &Credentials) -> Identity {
    aws_credential_types::Credentials::new(
        &creds.access_key_id,
        &creds.secret_access_key,
        creds.session_token.clone(),
        None,
        "trailrunner",
    )
    .into()
}

/// Who signs, for which region and service, and how (S3 wants other settings than the JSON services).
pub(crate) struct SigningScope<'a> {
    pub(crate) identity: &'a Identity,
    pub(crate) region: &'a str,
    pub(crate) service: &'a str,
    pub(crate) settings: SigningSettings,
}

/// The headers the official `aws-sigv4` crate adds to sign a request at `time` (`x-amz-date`, `authorization`, and
/// `x-amz-security-token` for temporary credentials; `x-amz-content-sha256` when the settings ask for it).
/// `headers` are the ones signed, `host` among them. The one place the CLI signs.
pub(crate) fn signature_headers(
    scope: &SigningScope<'_>,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    time: SystemTime,
) -> anyhow::Result<Vec<(String, String)>> {
    let params = v4::SigningParams::builder()
        .identity(scope.identity)
        .region(scope.region)
        .name(scope.service)
        .time(time)
        .settings(scope.settings.clone())
        .build()?
        .into();
    let signable = SignableRequest::new(
        method,
        uri,
        headers.iter().copied(),
        SignableBody::Bytes(body),
    )?;
    let (instructions, _signature) = sign(signable, &params)?.into_parts();
    Ok(instructions
        .headers()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect())
}

/// Sign a `POST /` to `authority` at `time`: `host`, then `headers`, then the signature headers.
pub(crate) fn sign_post(
    signing_name: &str,
    authority: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    creds: &Credentials,
    region: &str,
    time: SystemTime,
) -> anyhow::Result<Vec<(String, String)>> {
    let identity = identity(creds);
    let scope = SigningScope {
        identity: &identity,
        region,
        service: signing_name,
        settings: SigningSettings::default(),
    };
    let mut signed = vec![("host", authority)];
    signed.extend_from_slice(headers);
    let signature = signature_headers(
        &scope,
        "POST",
        &format!("http://{authority}/"),
        &signed,
        body,
        time,
    )?;
    let mut out: Vec<(String, String)> = signed
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    out.extend(signature);
    Ok(out)
}

/// How an awsJson service is addressed and signed.
pub(crate) struct JsonService {
    pub(crate) signing_name: &'static str,
    pub(crate) target_prefix: &'static str,
    pub(crate) content_type: &'static str,
}

pub(crate) const CLOUDTRAIL: JsonService = JsonService {
    signing_name: "cloudtrail",
    target_prefix: "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101",
    content_type: "application/x-amz-json-1.1",
};

/// Where to send requests and as whom: shared by every command that calls the API.
#[derive(Args, Clone)]
pub(crate) struct ConnectionArgs {
    /// The server's data dir: its root credentials and the endpoint of its last start are used unless given
    /// otherwise.
    #[arg(long, env = "TRAILRUNNER_DATA_DIR", default_value_os_t = datadir::default_dir())]
    pub(crate) data_dir: PathBuf,
    /// The endpoint URL (http://host:port).
    #[arg(long, env = "TRAILRUNNER_ENDPOINT")]
    pub(crate) endpoint: Option<String>,
    /// The endpoint URL, AWS style; used when --endpoint is not given. Default: the endpoint the last `serve` of
    /// the data dir listened on.
    #[arg(long, env = "AWS_ENDPOINT_URL")]
    pub(crate) endpoint_url: Option<String>,
    /// Access key to sign with (any user's); default: the data dir's root key.
    #[arg(long, env = "AWS_ACCESS_KEY_ID")]
    pub(crate) access_key_id: Option<String>,
    /// Secret of --access-key-id. Prefer the environment variable: a flag is visible to other local users.
    #[arg(long, env = "AWS_SECRET_ACCESS_KEY", hide_env_values = true)]
    pub(crate) secret_access_key: Option<String>,
    /// Session token of temporary credentials (only used with --access-key-id).
    #[arg(long, env = "AWS_SESSION_TOKEN", hide_env_values = true)]
    pub(crate) session_token: Option<String>,
    /// Region of the requests (Event history is per region).
    #[arg(long, env = "AWS_DEFAULT_REGION", default_value = "us-east-1")]
    pub(crate) region: String,
}

impl ConnectionArgs {
    /// The endpoint and credentials these flags select.
    pub(crate) fn resolve(&self) -> anyhow::Result<(String, Credentials)> {
        let creds = match (&self.access_key_id, &self.secret_access_key) {
            (Some(id), Some(secret)) => Credentials {
                access_key_id: id.clone(),
                secret_access_key: secret.clone(),
                session_token: self.session_token.clone().filter(|t| !t.is_empty()),
            },
            (None, _) => {
                let root = datadir::read_credentials(&self.data_dir).context(
                    "no credentials: give --access-key-id and --secret-access-key (or AWS_ACCESS_KEY_ID and \
                     AWS_SECRET_ACCESS_KEY), or the data dir of the server",
                )?;
                Credentials {
                    access_key_id: root.access_key_id,
                    secret_access_key: root.secret_access_key,
                    session_token: None,
                }
            }
            (Some(_), None) => {
                bail!("--access-key-id needs --secret-access-key (or AWS_SECRET_ACCESS_KEY)")
            }
        };
        let explicit = self
            .endpoint
            .as_deref()
            .or(self.endpoint_url.as_deref())
            .filter(|e| !e.is_empty());
        Ok((datadir::endpoint(&self.data_dir, explicit), creds))
    }

    pub(crate) fn client(&self) -> anyhow::Result<ApiClient> {
        let (endpoint, creds) = self.resolve()?;
        ApiClient::new(&endpoint, creds, self.region.clone())
    }
}

/// Why a call failed.
#[derive(Debug)]
pub(crate) enum CallError {
    /// The service answered with an AWS error.
    Aws {
        status: u16,
        code: String,
        message: String,
    },
    /// An error status whose body is not an AWS JSON error.
    Http { status: u16, body: String },
    /// No (complete) answer: connection refused, reset, timed out, unreadable.
    Transport(String),
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Aws { code, message, .. } if message.is_empty() => write!(f, "{code}"),
            CallError::Aws { code, message, .. } => write!(f, "{code}: {message}"),
            CallError::Http { status, body } if body.is_empty() => write!(f, "HTTP {status}"),
            CallError::Http { status, body } => write!(f, "HTTP {status}: {body}"),
            CallError::Transport(why) => write!(f, "{why}"),
        }
    }
}

impl std::error::Error for CallError {}

impl CallError {
    /// Worth trying again: throttling, a server-side failure, or no answer at all.
    fn retryable(&self) -> bool {
        match self {
            CallError::Aws { status, code, .. } => {
                matches!(
                    code.as_str(),
                    "ThrottlingException"
                        | "Throttling"
                        | "RequestLimitExceeded"
                        | "TooManyRequestsException"
                        | "ServiceUnavailableException"
                        | "InternalFailure"
                ) || (*status >= 500 && *status != 501)
            }
            CallError::Http { status, .. } => *status >= 500 && *status != 501,
            CallError::Transport(_) => true,
        }
    }
}

/// The AWS error code of a JSON error body: `__type` without a `namespace#` prefix or a `:suffix` (as botocore
/// reads it), else the `x-amzn-ErrorType` header.
fn error_code(body: &Value, header: Option<&str>) -> Option<String> {
    let raw = body
        .get("__type")
        .and_then(Value::as_str)
        .or(header)
        .filter(|s| !s.is_empty())?;
    let raw = raw.rsplit('#').next().unwrap_or(raw);
    let raw = raw.split(':').next().unwrap_or(raw);
    Some(raw.to_string())
}

/// Read an error response.
fn parse_error(status: u16, error_type: Option<&str>, body: &[u8]) -> CallError {
    let doc: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    if let Some(code) = error_code(&doc, error_type) {
        let message = ["message", "Message", "errorMessage"]
            .iter()
            .find_map(|k| doc.get(*k).and_then(Value::as_str))
            .unwrap_or_default()
            .to_string();
        return CallError::Aws {
            status,
            code,
            message,
        };
    }
    let text = String::from_utf8_lossy(body);
    let mut snippet: String = text
        .trim()
        .chars()
        .take(200)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.trim().chars().count() > 200 {
        snippet.push('…');
    }
    CallError::Http {
        status,
        body: snippet,
    }
}

/// Largest response body accepted.
const MAX_RESPONSE_BYTES: usize = 64 << 20;
/// Per attempt.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(60);
const ATTEMPTS: u32 = 4;
const USER_AGENT: &str = concat!("trailrunner-cli/", env!("CARGO_PKG_VERSION"));

pub(crate) struct ApiClient {
    authority: String,
    creds: Credentials,
    region: String,
    http: Client<HttpConnector, Full<Bytes>>,
}

impl ApiClient {
    pub(crate) fn new(
        endpoint: &str,
        creds: Credentials,
        region: String,
    ) -> anyhow::Result<ApiClient> {
        let uri: http::Uri = endpoint
            .parse()
            .with_context(|| format!("the endpoint {endpoint:?} is not a URL"))?;
        match uri.scheme_str() {
            Some("http") => {}
            Some("https") => bail!(
                "the endpoint {endpoint:?} is https: this client speaks plain http (put trailrunner's own \
                 http:// address, not a TLS proxy in front of it)"
            ),
            _ => bail!("the endpoint {endpoint:?} must be an http://host:port URL"),
        }
        if !matches!(uri.path(), "" | "/") || uri.query().is_some() {
            bail!("the endpoint {endpoint:?} must be http://host:port, without a path");
        }
        let authority = uri
            .authority()
            .with_context(|| format!("the endpoint {endpoint:?} has no host"))?
            .as_str()
            .to_string();
        let http = Client::builder(TokioExecutor::new()).build_http();
        Ok(ApiClient {
            authority,
            creds,
            region,
            http,
        })
    }

    /// Call `operation` of an awsJson service with `input`; retries throttling, 5xx and lost connections a few
    /// times with backoff (only for calls that are safe to repeat, which are all this client makes).
    pub(crate) async fn call_json(
        &self,
        service: &JsonService,
        operation: &str,
        input: &Value,
    ) -> Result<Value, CallError> {
        let body = Bytes::from(
            serde_json::to_vec(input).map_err(|e| CallError::Transport(e.to_string()))?,
        );
        let target = format!("{}.{operation}", service.target_prefix);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = tokio::time::timeout(
                ATTEMPT_TIMEOUT,
                self.send_once(service, &target, body.clone()),
            )
            .await
            .unwrap_or_else(|_| {
                Err(CallError::Transport(format!(
                    "no answer from {} within {}s",
                    self.authority,
                    ATTEMPT_TIMEOUT.as_secs()
                )))
            });
            match result {
                Err(e) if attempt < ATTEMPTS && e.retryable() => {
                    tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
                }
                other => return other,
            }
        }
    }

    async fn send_once(
        &self,
        service: &JsonService,
        target: &str,
        body: Bytes,
    ) -> Result<Value, CallError> {
        let headers = sign_post(
            service.signing_name,
            &self.authority,
            &[
                ("content-type", service.content_type),
                ("x-amz-target", target),
            ],
            &body,
            &self.creds,
            &self.region,
            SystemTime::now(),
        )
        .map_err(|e| CallError::Transport(format!("signing the request: {e}")))?;
        let mut request = http::Request::builder()
            .method(http::Method::POST)
            .uri(format!("http://{}/", self.authority));
        for (name, value) in &headers {
            request = request.header(name.as_str(), value.as_str());
        }
        // Not signed (as with the AWS SDKs): it only names the client in the CloudTrail record's userAgent.
        request = request.header("user-agent", USER_AGENT);
        let request = request
            .body(Full::new(body))
            .map_err(|e| CallError::Transport(format!("building the request: {e}")))?;
        let response = self.http.request(request).await.map_err(|e| {
            let mut why = format!("cannot reach http://{}: {e}", self.authority);
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                why.push_str(&format!(": {s}"));
                source = s.source();
            }
            CallError::Transport(why)
        })?;
        let status = response.status().as_u16();
        let error_type = response
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = Limited::new(response.into_body(), MAX_RESPONSE_BYTES)
            .collect()
            .await
            .map_err(|e| CallError::Transport(format!("reading the response: {e}")))?
            .to_bytes();
        if !(200..300).contains(&status) {
            return Err(parse_error(status, error_type.as_deref(), &bytes));
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Object(Default::default()));
        }
        serde_json::from_slice(&bytes)
            .map_err(|e| CallError::Transport(format!("the response is not JSON: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_are_read_like_botocore() {
        let e = parse_error(
            400,
            None,
            br#"{"__type":"com.amazonaws.cloudtrail.v20131101#InvalidLookupAttributesException","message":"bad key"}"#,
        );
        assert_eq!(e.to_string(), "InvalidLookupAttributesException: bad key");
        assert!(!e.retryable());
        let e = parse_error(
            400,
            None,
            br#"{"__type":"ThrottlingException:http://x","Message":"slow"}"#,
        );
        assert_eq!(e.to_string(), "ThrottlingException: slow");
        assert!(e.retryable());
        let e = parse_error(403, Some("AccessDeniedException"), b"{}");
        assert_eq!(e.to_string(), "AccessDeniedException");
        let e = parse_error(502, None, b"<html>\nbad gateway</html>");
        assert_eq!(e.to_string(), "HTTP 502: <html> bad gateway</html>");
        assert!(e.retryable());
        assert!(!parse_error(501, None, br#"{"__type":"NotImplementedException"}"#).retryable());
    }

    #[test]
    fn endpoints_must_be_plain_http() {
        let creds = || Credentials {
            access_key_id: "AKIAEXAMPLE".into(),
            secret_access_key: "secret".into(),
            session_token: None,
        };
        assert!(ApiClient::new("http://127.0.0.1:4566/", creds(), "us-east-1".into()).is_ok());
        assert!(ApiClient::new("https://127.0.0.1:4566", creds(), "us-east-1".into()).is_err());
        assert!(ApiClient::new("http://127.0.0.1:4566/x", creds(), "us-east-1".into()).is_err());
        assert!(ApiClient::new("127.0.0.1:4566", creds(), "us-east-1".into()).is_err());
    }

    #[test]
    fn debug_hides_the_secret() {
        let creds = Credentials {
            access_key_id: "AKIAEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI".into(),
            session_token: Some("tok3n".into()),
        };
        let text = format!("{creds:?}");
        assert!(text.contains("AKIAEXAMPLE"));
        assert!(!text.contains("wJalrXUtnFEMI") && !text.contains("tok3n"));
    }

    #[test]
    fn signs_with_the_scope_and_target() {
        let creds = Credentials {
            access_key_id: "AKIAEXAMPLE".into(),
            secret_access_key: "secret".into(),
            session_token: None,
        };
        let time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let headers = sign_post(
            "cloudtrail",
            "127.0.0.1:1",
            &[("x-amz-target", "T.Op")],
            b"{}",
            &creds,
            "eu-west-1",
            time,
        )
        .expect("signs");
        let get = |n: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(n))
                .map(|(_, v)| v.clone())
        };
        assert_eq!(get("host").as_deref(), Some("127.0.0.1:1"));
        assert_eq!(get("x-amz-date").as_deref(), Some("20231114T221320Z"));
        let auth = get("authorization").expect("authorization");
        assert!(auth.starts_with(
            "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20231114/eu-west-1/cloudtrail/aws4_request"
        ));
        assert!(auth.contains("x-amz-target"));
        assert!(!auth.contains("secret"));
    }
}
