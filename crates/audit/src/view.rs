//! Reading stored records back: the `Event` of a `LookupEvents` answer.

use serde_json::{json, Map, Value};
use trailrunner_store::{EventAttr, StoredEvent};

use crate::codec;

/// A stored record, decoded.
pub struct Decoded {
    pub text: String,
    pub json: Value,
}

pub fn decode(stored: &StoredEvent) -> std::io::Result<Decoded> {
    let bytes = codec::decompress(&stored.record)?;
    let json: Value = serde_json::from_slice(&bytes).map_err(std::io::Error::other)?;
    let text = String::from_utf8(bytes).map_err(std::io::Error::other)?;
    Ok(Decoded { text, json })
}

/// The `Username` Event history shows for a record (root, the IAM user name, …).
pub fn username(record: &Value) -> Option<String> {
    let id = &record["userIdentity"];
    match id["type"].as_str()? {
        "Root" => Some("root".into()),
        "IAMUser" => id["userName"].as_str().map(str::to_string),
        // An AWS service has no ARN: the session name of the role it assumed, if any
        // (`identity::service_username`, which wrote the index row).
        "AWSService" => record["requestParameters"]["roleSessionName"]
            .as_str()
            .filter(|s| !s.is_empty())
            .map(|s| crate::identity::service_username(Some(s))),
        _ => id["arn"]
            .as_str()
            .and_then(|a| a.rsplit('/').next())
            .map(str::to_string),
    }
}

/// Whether the record really has `value` for `attr` (the store's index can return hash collisions).
pub fn matches(record: &Value, attr: EventAttr, value: &str) -> bool {
    let text = |k: &str| record.get(k).and_then(|v| v.as_str()) == Some(value);
    let resources = || record["resources"].as_array().cloned().unwrap_or_default();
    match attr {
        EventAttr::EventId => text("eventID"),
        EventAttr::EventName => text("eventName"),
        EventAttr::EventSource => text("eventSource"),
        EventAttr::ReadOnly => {
            record["readOnly"]
                .as_bool()
                .map(|b| b.to_string())
                .as_deref()
                == Some(value)
        }
        EventAttr::Username => username(record).as_deref() == Some(value),
        EventAttr::AccessKeyId => record["userIdentity"]["accessKeyId"].as_str() == Some(value),
        EventAttr::ResourceType => resources()
            .iter()
            .any(|r| r["type"].as_str() == Some(value)),
        EventAttr::ResourceName => resources().iter().any(|r| {
            let arn = r["ARN"].as_str().unwrap_or_default();
            arn == value || crate::resources::short_name(arn) == Some(value)
        }),
    }
}

/// The `Event` structure of `LookupEvents` (wire member names).
pub fn lookup_event(d: &Decoded, time_ms: i64) -> Value {
    let r = &d.json;
    let mut e = Map::new();
    let copy = |e: &mut Map<String, Value>, to: &str, from: &str| {
        if let Some(v) = r.get(from).and_then(|v| v.as_str()) {
            e.insert(to.into(), v.into());
        }
    };
    copy(&mut e, "EventId", "eventID");
    copy(&mut e, "EventName", "eventName");
    e.insert(
        "ReadOnly".into(),
        r["readOnly"].as_bool().unwrap_or(false).to_string().into(),
    );
    if let Some(k) = r["userIdentity"]["accessKeyId"].as_str() {
        e.insert("AccessKeyId".into(), k.into());
    }
    e.insert("EventTime".into(), json!((time_ms / 1000) as f64));
    copy(&mut e, "EventSource", "eventSource");
    if let Some(u) = username(r) {
        e.insert("Username".into(), u.into());
    }
    let resources: Vec<Value> = r["resources"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|res| json!({"ResourceType": res["type"], "ResourceName": res["ARN"]}))
                .collect()
        })
        .unwrap_or_default();
    e.insert("Resources".into(), Value::Array(resources));
    e.insert("CloudTrailEvent".into(), d.text.clone().into());
    Value::Object(e)
}
