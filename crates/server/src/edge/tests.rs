//! The edge end to end over TCP with a pinned clock: expired temporary credentials are refused with each
//! protocol's error, and the refusal is recorded in the account, under the credentials' identity, when the
//! signature verifies.

use std::sync::Arc;

use http::{HeaderMap, HeaderValue};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use trailrunner_api::sys::ManualClock;
use trailrunner_api::{Clock, SystemEntropy};
use trailrunner_sigv4::{Policy, RequestParts, UriEncoding};

use crate::{start, Running, ServerConfig};

const REGION: &str = "us-east-1";

struct Creds<'a> {
    id: &'a str,
    secret: &'a str,
    token: Option<&'a str>,
}

struct Answer {
    status: u16,
    request_id: String,
    body: String,
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, key);
    aws_lc_rs::hmac::sign(&key, data.as_bytes())
        .as_ref()
        .to_vec()
}

/// A SigV4-signed POST (header form), signed at `now` for `service`, sent over a fresh connection.
async fn call(
    server: &Running,
    now: jiff::Timestamp,
    service: &str,
    creds: &Creds<'_>,
    headers: &[(&str, &str)],
    body: &str,
) -> Answer {
    let date = now.strftime("%Y%m%dT%H%M%SZ").to_string();
    let host = server.local_addr.to_string();
    let mut h = HeaderMap::new();
    h.insert("host", HeaderValue::from_str(&host).unwrap());
    h.insert("x-amz-date", HeaderValue::from_str(&date).unwrap());
    for (k, v) in headers {
        h.insert(
            http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    if let Some(token) = creds.token {
        h.insert(
            "x-amz-security-token",
            HeaderValue::from_str(token).unwrap(),
        );
    }
    let mut names: Vec<&str> = h.keys().map(|k| k.as_str()).collect();
    names.sort_unstable();
    let signed = names.join(";");
    let scope = format!("{}/{REGION}/{service}/aws4_request", &date[..8]);
    let auth = |sig: &str| {
        HeaderValue::from_str(&format!(
            "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed}, Signature={sig}",
            creds.id
        ))
        .unwrap()
    };
    h.insert("authorization", auth(&"0".repeat(64)));
    let signature = {
        let req = RequestParts {
            method: "POST",
            path: "/",
            query: None,
            headers: &h,
            body: body.as_bytes(),
        };
        let parsed = trailrunner_sigv4::parse(&req).unwrap();
        let policy = Policy {
            max_skew_secs: 900,
            expected_service: None,
            uri_encoding: UriEncoding::Double,
        };
        let to_sign = trailrunner_sigv4::string_to_sign(&req, &parsed, &policy);
        let mut key = hmac(format!("AWS4{}", creds.secret).as_bytes(), &date[..8]);
        for part in [REGION, service, "aws4_request"] {
            key = hmac(&key, part);
        }
        hex::encode(hmac(&key, &to_sign))
    };
    h.insert("authorization", auth(&signature));

    let mut request = String::from("POST / HTTP/1.1\r\n");
    for (k, v) in &h {
        request.push_str(&format!("{k}: {}\r\n", v.to_str().unwrap()));
    }
    request.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    ));
    let mut stream = tokio::net::TcpStream::connect(server.local_addr)
        .await
        .unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).await.unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let status = head[9..12].parse().unwrap();
    let request_id = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("x-amzn-requestid: ")
                .map(str::to_string)
        })
        .unwrap();
    Answer {
        status,
        request_id,
        body: body.to_string(),
    }
}

async fn list_services(
    server: &Running,
    now: jiff::Timestamp,
    creds: &Creds<'_>,
) -> (Answer, Option<String>) {
    let a = call(
        server,
        now,
        "apprunner",
        creds,
        &[
            ("content-type", "application/x-amz-json-1.0"),
            ("x-amz-target", "AppRunner.ListServices"),
        ],
        r#"{"MaxResults":3}"#,
    )
    .await;
    let code = serde_json::from_str::<Value>(&a.body)
        .ok()
        .and_then(|v| v["__type"].as_str().map(str::to_string));
    (a, code)
}

async fn sts(server: &Running, now: jiff::Timestamp, creds: &Creds<'_>, body: &str) -> Answer {
    call(
        server,
        now,
        "sts",
        creds,
        &[(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )],
        body,
    )
    .await
}

fn xml_text<'a>(xml: &'a str, tag: &str) -> &'a str {
    let open = format!("<{tag}>");
    let start = xml.find(&open).unwrap() + open.len();
    let end = start + xml[start..].find(&format!("</{tag}>")).unwrap();
    &xml[start..end]
}

/// The CloudTrail records whose `AccessKeyId` is `key`, newest first (looked up as root).
async fn records_of_key(
    server: &Running,
    now: jiff::Timestamp,
    root: &Creds<'_>,
    key: &str,
) -> Vec<Value> {
    let body =
        json!({"LookupAttributes": [{"AttributeKey": "AccessKeyId", "AttributeValue": key}]});
    let a = call(
        server,
        now,
        "cloudtrail",
        root,
        &[
            ("content-type", "application/x-amz-json-1.1"),
            (
                "x-amz-target",
                "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents",
            ),
        ],
        &body.to_string(),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let out: Value = serde_json::from_str(&a.body).unwrap();
    out["Events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| serde_json::from_str(e["CloudTrailEvent"].as_str().unwrap()).unwrap())
        .collect()
}

#[tokio::test]
async fn expired_temporary_credentials_are_refused_and_the_refusal_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = ServerConfig::new(dir.path().join("data"));
    config.bind = "127.0.0.1:0".parse().unwrap();
    config.durability = trailrunner_store::sqlite::Durability::Normal;
    let t0: jiff::Timestamp = "2026-11-25T03:00:00Z".parse().unwrap();
    let clock = Arc::new(ManualClock::new(t0));
    let server = start(config, clock.clone(), Arc::new(SystemEntropy))
        .await
        .unwrap();
    let root = Creds {
        id: &server.root.access_key_id,
        secret: &server.root.secret_access_key,
        token: None,
    };

    let issued = sts(
        &server,
        t0,
        &root,
        "Action=GetSessionToken&Version=2011-06-15&DurationSeconds=900",
    )
    .await;
    assert_eq!(issued.status, 200, "{}", issued.body);
    let temp = Creds {
        id: xml_text(&issued.body, "AccessKeyId"),
        secret: xml_text(&issued.body, "SecretAccessKey"),
        token: Some(xml_text(&issued.body, "SessionToken")),
    };
    assert!(temp.id.starts_with("ASIA"));

    let before = t0 + jiff::SignedDuration::from_secs(899);
    clock.set(before);
    let (ok, _) = list_services(&server, before, &temp).await;
    assert_eq!(ok.status, 200, "{}", ok.body);

    // From `Expiration` on: refused, in each protocol's words, and recorded.
    let expired = t0 + jiff::SignedDuration::from_secs(900);
    clock.set(expired);
    let (json_refused, code) = list_services(&server, expired, &temp).await;
    assert_eq!(
        (json_refused.status, code.as_deref()),
        (403, Some("ExpiredTokenException"))
    );
    let query_refused = sts(
        &server,
        expired,
        &temp,
        "Action=GetCallerIdentity&Version=2011-06-15",
    )
    .await;
    assert_eq!(query_refused.status, 403);
    assert_eq!(xml_text(&query_refused.body, "Code"), "ExpiredToken");

    // Not attributable, not recorded: a signature made without the secret, and a token that is not the session's.
    let forged = Creds {
        secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        ..temp
    };
    let (bad_signature, code) = list_services(&server, expired, &forged).await;
    assert_eq!(
        (bad_signature.status, code.as_deref()),
        (403, Some("InvalidSignatureException"))
    );
    let wrong_token = Creds {
        token: Some("not-the-session-token"),
        ..temp
    };
    let (bad_token, code) = list_services(&server, expired, &wrong_token).await;
    assert_eq!(
        (bad_token.status, code.as_deref()),
        (403, Some("UnrecognizedClientException"))
    );

    let records = records_of_key(&server, clock.now(), &root, temp.id).await;
    let ids: Vec<&str> = records
        .iter()
        .map(|r| r["requestID"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            query_refused.request_id.as_str(),
            json_refused.request_id.as_str(),
            ok.request_id.as_str()
        ],
        "only the successful call and the two attributable refusals are recorded"
    );
    let json_record = &records[1];
    assert_eq!(json_record["eventSource"], "apprunner.amazonaws.com");
    assert_eq!(json_record["eventName"], "ListServices");
    assert_eq!(json_record["readOnly"], true);
    assert_eq!(json_record["errorCode"], "ExpiredTokenException");
    assert_eq!(
        json_record["errorMessage"],
        "The security token included in the request is expired"
    );
    assert_eq!(json_record["requestParameters"], json!({"maxResults": 3}));
    assert_eq!(json_record["responseElements"], Value::Null);
    assert_eq!(json_record["recipientAccountId"], server.root.account_id);
    assert_eq!(json_record["userIdentity"]["type"], "Root");
    assert_eq!(json_record["userIdentity"]["accessKeyId"], temp.id);
    assert_eq!(
        json_record["userIdentity"]["accountId"],
        server.root.account_id
    );
    let query_record = &records[0];
    assert_eq!(query_record["eventSource"], "sts.amazonaws.com");
    assert_eq!(query_record["eventName"], "GetCallerIdentity");
    assert_eq!(query_record["errorCode"], "ExpiredToken");
    assert_eq!(query_record["responseElements"], Value::Null);
    assert_eq!(query_record["userIdentity"]["accessKeyId"], temp.id);

    server.shutdown().await;
}
