//! A record as the store keeps it: compressed, with the attributes Event history filters on.

use trailrunner_store::{EventAttr, NewEvent};

use crate::{codec, resources};

/// Pack `record` (built by [`crate::record::build`]) for the store.
pub fn to_new_event(
    record: &mut crate::record::Record,
    account: &str,
    region: &str,
    time_ms: i64,
    username: &str,
) -> NewEvent {
    let json = &record.json;
    let text = |k: &str| {
        json.get(k)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string()
    };
    // No EventId entry: event ids are version-7 UUIDs carrying the event's time, so Event history finds an id
    // through the time index (an index of unique random keys would cost a random page write per event).
    let mut attrs = vec![
        (EventAttr::EventName, text("eventName")),
        (EventAttr::EventSource, text("eventSource")),
        (
            EventAttr::ReadOnly,
            if json["readOnly"].as_bool() == Some(true) {
                "true"
            } else {
                "false"
            }
            .to_string(),
        ),
        (EventAttr::Username, username.to_string()),
    ];
    if let Some(key) = json["userIdentity"]["accessKeyId"]
        .as_str()
        .filter(|k| !k.is_empty())
    {
        attrs.push((EventAttr::AccessKeyId, key.to_string()));
    }
    for r in &record.resources {
        if !attrs
            .iter()
            .any(|(a, v)| *a == EventAttr::ResourceType && *v == r.resource_type)
        {
            attrs.push((EventAttr::ResourceType, r.resource_type.clone()));
        }
        attrs.push((EventAttr::ResourceName, r.arn.clone()));
        if let Some(short) = resources::short_name(&r.arn) {
            attrs.push((EventAttr::ResourceName, short.to_string()));
        }
    }
    let bytes = crate::record::serialize(&mut record.json);
    NewEvent {
        account: account.to_string(),
        region: region.to_string(),
        time_ms,
        record: codec::compress(&bytes),
        attrs,
    }
}
