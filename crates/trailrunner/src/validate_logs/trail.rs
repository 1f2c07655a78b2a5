//! What validate-logs needs to know before it reads a bucket: the trail (from its ARN, and `DescribeTrails` when
//! no `--s3-bucket` is given) and the public keys (`ListPublicKeys`, or a file holding its output).

use std::path::Path;

use anyhow::{anyhow, bail, Context};
use base64::Engine;
use jiff::{SignedDuration, Timestamp};
use serde_json::{json, Value};
use trailrunner_trail_digest::{format_time, parse_cli_date, PublicKeys};

use crate::client::{ApiClient, CLOUDTRAIL};

/// A trail ARN as the CLI accepts it: `arn:<partition>:cloudtrail:<region>:<12 digits>:trail/<name>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TrailArn {
    pub(crate) arn: String,
    pub(crate) home_region: String,
    pub(crate) account_id: String,
    pub(crate) name: String,
}

/// The CLI's check (Python's `re.match` of `arn:.+:cloudtrail:.+:\d{12}:trail/.+`: anchored at the start only, `.`
/// not matching a newline) and its way of splitting the ARN: region and account by `:`, the name after the first `/`.
pub(crate) fn parse_trail_arn(text: &str) -> Result<TrailArn, String> {
    static PATTERN: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let pattern = PATTERN.get_or_init(|| {
        regex::Regex::new(r"^arn:.+:cloudtrail:.+:\d{12}:trail/.+").expect("a valid pattern")
    });
    if !pattern.is_match(text) {
        return Err(format!("Invalid trail ARN provided: {text}"));
    }
    let parts: Vec<&str> = text.split(':').collect();
    let name = text.split('/').nth(1).unwrap_or_default();
    Ok(TrailArn {
        arn: text.to_owned(),
        home_region: parts.get(3).copied().unwrap_or_default().to_owned(),
        account_id: parts.get(4).copied().unwrap_or_default().to_owned(),
        name: name.to_owned(),
    })
}

/// `--start-time`/`--end-time`: the date forms the CLI accepts.
pub(crate) fn parse_time(text: &str) -> Result<Timestamp, String> {
    parse_cli_date(text.trim()).ok_or_else(|| {
        format!("Unable to parse date value: {text} (use 2024-03-01T10:00:00Z, 20240301T100000Z or 2024-03-01)")
    })
}

/// Where the trail delivers, as `DescribeTrails` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TrailBucket {
    pub(crate) bucket: String,
    pub(crate) prefix: Option<String>,
}

/// `DescribeTrails {}` and the entry whose `TrailARN` is the one given (the CLI's step 1).
pub(crate) async fn describe_trail(client: &ApiClient, arn: &str) -> anyhow::Result<TrailBucket> {
    let out = client
        .call_json(&CLOUDTRAIL, "DescribeTrails", &json!({}))
        .await
        .context("DescribeTrails")?;
    let trail = out
        .get("trailList")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|t| t.get("TrailARN").and_then(Value::as_str) == Some(arn))
        .ok_or_else(|| anyhow!("A trail could not be found for {arn}"))?;
    if trail.get("IsOrganizationTrail").and_then(Value::as_bool) == Some(true) {
        bail!(
            "{arn} is an organization trail; give --s3-bucket (and --s3-prefix) and --account-id: \
             trailrunner does not serve Organizations' DescribeOrganization"
        );
    }
    let bucket = trail
        .get("S3BucketName")
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow!("the trail {arn} has no S3BucketName"))?;
    Ok(TrailBucket {
        bucket: bucket.to_owned(),
        prefix: trail
            .get("S3KeyPrefix")
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

/// The `[start, end + 2 h]` window the CLI asks `ListPublicKeys` for.
fn key_window(start: Timestamp, end: Timestamp) -> (Timestamp, Timestamp) {
    (start, end + SignedDuration::from_hours(2))
}

/// Adds the keys of one `ListPublicKeys` answer (`{"PublicKeyList": [...]}`) that overlap `window` (when their
/// validity times are readable), returning how many were added.
fn add_keys(
    keys: &mut PublicKeys,
    answer: &Value,
    window: (Timestamp, Timestamp),
) -> anyhow::Result<usize> {
    let list = answer
        .get("PublicKeyList")
        .and_then(Value::as_array)
        .ok_or_else(|| anyhow!("no PublicKeyList in the ListPublicKeys answer"))?;
    let mut added = 0;
    for entry in list {
        let fingerprint = entry
            .get("Fingerprint")
            .and_then(Value::as_str)
            .ok_or_else(|| anyhow!("a public key without Fingerprint"))?;
        let value = entry
            .get("Value")
            .and_then(Value::as_str)
            .ok_or_else(|| anyhow!("the public key {fingerprint} has no Value"))?;
        let der = base64::engine::general_purpose::STANDARD
            .decode(value.trim())
            .with_context(|| format!("the Value of public key {fingerprint} is not base64"))?;
        let from = entry.get("ValidityStartTime").and_then(read_time);
        let until = entry.get("ValidityEndTime").and_then(read_time);
        if from.is_some_and(|f| f > window.1) || until.is_some_and(|u| u < window.0) {
            continue;
        }
        keys.insert(fingerprint, der);
        added += 1;
    }
    Ok(added)
}

/// A validity time as the API sends it (epoch seconds) or as the AWS CLI prints it (ISO 8601).
fn read_time(v: &Value) -> Option<Timestamp> {
    if let Some(secs) = v.as_f64() {
        return Timestamp::from_millisecond((secs * 1000.0) as i64).ok();
    }
    let text = v.as_str()?;
    text.parse::<Timestamp>()
        .ok()
        .or_else(|| parse_cli_date(text))
}

/// `ListPublicKeys {StartTime, EndTime}` for `[start, end + 2 h]`, every page (the CLI reads only the first).
pub(crate) async fn list_public_keys(
    client: &ApiClient,
    start: Timestamp,
    end: Timestamp,
) -> anyhow::Result<PublicKeys> {
    let window = key_window(start, end);
    let mut keys = PublicKeys::new();
    let mut token: Option<String> = None;
    loop {
        let mut input = json!({
            "StartTime": window.0.as_second(),
            "EndTime": window.1.as_second(),
        });
        if let Some(t) = &token {
            input["NextToken"] = json!(t);
        }
        let out = client
            .call_json(&CLOUDTRAIL, "ListPublicKeys", &input)
            .await
            .context("ListPublicKeys")?;
        add_keys(&mut keys, &out, window)?;
        token = out
            .get("NextToken")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    no_keys_is_an_error(keys, window)
}

/// `--public-keys FILE`: the JSON that `aws cloudtrail list-public-keys` prints.
pub(crate) fn read_public_keys(
    file: &Path,
    start: Timestamp,
    end: Timestamp,
) -> anyhow::Result<PublicKeys> {
    let text = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let answer: Value = serde_json::from_slice(&text).with_context(|| {
        format!(
            "{} is not JSON (expected the output of `aws cloudtrail list-public-keys`)",
            file.display()
        )
    })?;
    let window = key_window(start, end);
    let mut keys = PublicKeys::new();
    add_keys(&mut keys, &answer, window).with_context(|| file.display().to_string())?;
    no_keys_is_an_error(keys, window)
}

fn no_keys_is_an_error(
    keys: PublicKeys,
    window: (Timestamp, Timestamp),
) -> anyhow::Result<PublicKeys> {
    if keys.is_empty() {
        bail!(
            "No public keys found between {} and {}",
            format_time(window.0),
            format_time(window.1)
        );
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trail_arns_like_the_cli() {
        let arn =
            parse_trail_arn("arn:aws:cloudtrail:us-east-2:111122223333:trail/my-trail").unwrap();
        assert_eq!(arn.home_region, "us-east-2");
        assert_eq!(arn.account_id, "111122223333");
        assert_eq!(arn.name, "my-trail");
        assert!(parse_trail_arn("arn:aws-cn:cloudtrail:cn-north-1:111122223333:trail/t").is_ok());
        for bad in [
            "my-trail",
            "arn:aws:cloudtrail:us-east-2:11112222333:trail/t",
            "arn:aws:cloudtrail:us-east-2:111122223333:trail/",
            "arn:aws:s3:us-east-2:111122223333:trail/t",
            "arn::cloudtrail:us-east-2:111122223333:trail/t",
        ] {
            assert_eq!(
                parse_trail_arn(bad),
                Err(format!("Invalid trail ARN provided: {bad}"))
            );
        }
    }

    #[test]
    fn key_files_are_read_and_filtered_by_validity() {
        let der = b"\x30\x03\x02\x01\x01".to_vec();
        let b64 = base64::engine::general_purpose::STANDARD.encode(&der);
        let answer = json!({"PublicKeyList": [
            {"Value": b64, "Fingerprint": "aa", "ValidityStartTime": "2024-03-01T00:00:00+00:00",
             "ValidityEndTime": "2024-03-02T00:00:00+00:00"},
            {"Value": b64, "Fingerprint": "bb", "ValidityStartTime": 1_000_000_000.0,
             "ValidityEndTime": 1_000_003_600.0},
            {"Value": b64, "Fingerprint": "cc"},
        ]});
        let start: Timestamp = "2024-03-01T10:00:00Z".parse().unwrap();
        let mut keys = PublicKeys::new();
        let n = add_keys(&mut keys, &answer, key_window(start, start)).unwrap();
        assert_eq!(n, 2);
        assert_eq!(keys.get("aa"), Some(der.as_slice()));
        assert!(keys.get("bb").is_none() && keys.get("cc").is_some());
        let bad = json!({"PublicKeyList": [{"Value": "%%%", "Fingerprint": "aa"}]});
        assert!(add_keys(&mut keys, &bad, key_window(start, start)).is_err());
        assert!(
            no_keys_is_an_error(PublicKeys::new(), key_window(start, start))
                .unwrap_err()
                .to_string()
                .starts_with(
                    "No public keys found between 2024-03-01T10:00:00Z and 2024-03-01T12:00:00Z"
                )
        );
    }
}
