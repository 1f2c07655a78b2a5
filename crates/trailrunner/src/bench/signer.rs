//! Building and signing the benchmark request with the official AWS signer.

use std::time::SystemTime;

use anyhow::{bail, Context};
use bytes::Bytes;

pub(crate) struct Credentials {
    pub(crate) access_key_id: String,
    pub(crate) secret_access_key: String,
}

impl Credentials {
    /// For `--trivial`, whose server checks nothing; the request is still signed so the client does its full work.
    pub(crate) fn placeholder() -> Self {
        Credentials {
            access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
        }
    }
}

/// One operation's unsigned request: which service signs it, and the headers and body it needs.
#[derive(Clone)]
pub(crate) struct Operation {
    pub(crate) signing_name: &'static str,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: Bytes,
}

impl Operation {
    pub(crate) fn parse(spec: &str, body: &str) -> anyhow::Result<Operation> {
        let (service, op) = spec
            .split_once(':')
            .context("--operation is <service>:<Operation>")?;
        let json = |target: String, ct: &str| -> anyhow::Result<Operation> {
            serde_json::from_str::<serde_json::Value>(body)
                .context("--body must be JSON for awsJson services")?;
            Ok(Operation {
                signing_name: "",
                headers: vec![("content-type", ct.to_string()), ("x-amz-target", target)],
                body: Bytes::from(body.to_string()),
            })
        };
        let form = |version: &str| -> Operation {
            let extra = if body == "{}" || body.is_empty() {
                String::new()
            } else {
                format!("&{body}")
            };
            Operation {
                signing_name: "",
                headers: vec![(
                    "content-type",
                    "application/x-www-form-urlencoded; charset=utf-8".into(),
                )],
                body: Bytes::from(format!("Action={op}&Version={version}{extra}")),
            }
        };
        let mut operation = match service {
            "apprunner" => json(format!("AppRunner.{op}"), "application/x-amz-json-1.0")?,
            "cloudtrail" => json(
                format!("com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.{op}"),
                "application/x-amz-json-1.1",
            )?,
            "sts" => form("2011-06-15"),
            "iam" => form("2010-05-08"),
            other => bail!("unknown service {other:?} (apprunner, cloudtrail, sts, iam)"),
        };
        operation.signing_name = match service {
            "apprunner" => "apprunner",
            "cloudtrail" => "cloudtrail",
            "sts" => "sts",
            _ => "iam",
        };
        Ok(operation)
    }
}

/// Sign `op` for `authority` at `time`: the complete header list to send.
pub(crate) fn signed_headers(
    op: &Operation,
    authority: &str,
    creds: &Credentials,
    region: &str,
    time: SystemTime,
) -> anyhow::Result<Vec<(String, String)>> {
    // Re-signing happens once a second per connection, so building the shared signer's inputs costs nothing.
    let creds = crate::client::Credentials {
        access_key_id: creds.access_key_id.clone(),
        secret_access_key: creds.secret_access_key.clone(),
        session_token: None,
    };
    let headers: Vec<(&str, &str)> = op.headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    crate::client::sign_post(
        op.signing_name,
        authority,
        &headers,
        &op.body,
        &creds,
        region,
        time,
    )
}
