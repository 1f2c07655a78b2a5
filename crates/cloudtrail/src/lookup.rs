//! `LookupEvents`: Event history, newest first, one attribute, a time range, sealed page tokens.

use serde_json::{json, Value};
use trailrunner_api::{ApiError, CallContext, Outcome};
use trailrunner_audit::view;
use trailrunner_model::epoch;
use trailrunner_store::{EventAttr, EventQuery};

use crate::errors::error;
use crate::handler::CloudTrailHandler;

const DEFAULT_MAX_RESULTS: usize = 50;

fn attribute(key: &str) -> Option<EventAttr> {
    Some(match key {
        "EventId" => EventAttr::EventId,
        "EventName" => EventAttr::EventName,
        "ReadOnly" => EventAttr::ReadOnly,
        "Username" => EventAttr::Username,
        "ResourceType" => EventAttr::ResourceType,
        "ResourceName" => EventAttr::ResourceName,
        "EventSource" => EventAttr::EventSource,
        "AccessKeyId" => EventAttr::AccessKeyId,
        _ => return None,
    })
}

/// Seconds (number or ISO string) to milliseconds.
fn millis(v: &Value) -> Option<i64> {
    epoch::from_json(v).map(|s| (s * 1000.0).floor() as i64)
}

pub(crate) async fn lookup_events(
    h: &CloudTrailHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let attrs = input
        .get("LookupAttributes")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if attrs.len() > 1 {
        return Err(error(
            "InvalidLookupAttributesException",
            "You can specify at most one lookup attribute.",
        ));
    }
    let attr = match attrs.first() {
        None => None,
        Some(a) => {
            let key = a
                .get("AttributeKey")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let value = a
                .get("AttributeValue")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let attr = attribute(key).ok_or_else(|| {
                error(
                    "InvalidLookupAttributesException",
                    format!("Unsupported lookup attribute key: {key}"),
                )
            })?;
            Some((attr, value.to_string()))
        }
    };
    let now_ms = ctx.now.as_millisecond();
    let start_ms = match input.get("StartTime") {
        Some(v) => millis(v).ok_or_else(|| {
            error(
                "InvalidTimeRangeException",
                "StartTime is not a valid time.",
            )
        })?,
        None => 0,
    };
    // EndTime is inclusive at second precision: an event at 12:00:00.500 has eventTime 12:00:00.
    let end_ms = match input.get("EndTime") {
        Some(v) => {
            millis(v)
                .ok_or_else(|| error("InvalidTimeRangeException", "EndTime is not a valid time."))?
                + 999
        }
        None => now_ms.max(start_ms),
    };
    if start_ms > end_ms {
        return Err(error(
            "InvalidTimeRangeException",
            "Start time must be before end time.",
        ));
    }
    let max = match input.get("MaxResults").and_then(Value::as_i64) {
        None => DEFAULT_MAX_RESULTS,
        Some(n) if (1..=50).contains(&n) => n as usize,
        Some(_) => {
            return Err(error(
                "InvalidMaxResultsException",
                "MaxResults must be between 1 and 50.",
            ))
        }
    };
    // CloudTrail Insights events are only returned when asked for, and trailrunner produces none.
    if let Some(category) = input.get("EventCategory").and_then(Value::as_str) {
        if category != "insight" {
            return Err(error(
                "InvalidEventCategoryException",
                format!("Invalid event category: {category}"),
            ));
        }
        return Ok(Outcome::read(json!({ "Events": [] })));
    }
    // The token is bound to every parameter of the query; reusing it with others is refused.
    let scope = format!(
        "LookupEvents|{}|{}|{:?}|{}|{}|{}",
        ctx.caller.account_id,
        ctx.region,
        attr,
        input
            .get("StartTime")
            .map(Value::to_string)
            .unwrap_or_default(),
        input
            .get("EndTime")
            .map(Value::to_string)
            .unwrap_or_default(),
        max
    );
    // An event id is a version-7 UUID holding the event's time: look there, then compare ids.
    let (attr, start_ms, end_ms) = match &attr {
        Some((EventAttr::EventId, id)) => match trailrunner_api::uuid_v7_millis(id) {
            Some(t) if t >= start_ms && t <= end_ms => (attr.clone(), t, t),
            _ => return Ok(Outcome::read(json!({ "Events": [] }))),
        },
        _ => (attr, start_ms, end_ms),
    };
    let index_attr = attr.clone().filter(|(a, _)| *a != EventAttr::EventId);
    let mut before = match input.get("NextToken").and_then(Value::as_str) {
        None => None,
        Some(t) => Some(h.tokens.open_pair(&scope, t).ok_or_else(|| {
            error(
                "InvalidNextTokenException",
                "The NextToken is invalid or does not belong to this query.",
            )
        })?),
    };
    let mut events = Vec::with_capacity(max);
    let mut next = None;
    'pages: loop {
        let query = EventQuery {
            account: ctx.caller.account_id.clone(),
            region: ctx.region.clone(),
            attr: index_attr.clone(),
            start_ms,
            end_ms,
            before,
            limit: max + 1,
        };
        let batch = h
            .store
            .lookup_events(&query)
            .await
            .map_err(|e| ApiError::internal_from("looking up events", &e))?;
        let exhausted = batch.len() < max + 1;
        for stored in &batch {
            let decoded = view::decode(stored)
                .map_err(|e| ApiError::internal_from("decoding a stored record", &e))?;
            before = Some((stored.time_ms, stored.seq));
            // The attribute index is keyed by a hash: check the record really matches.
            if let Some((a, v)) = &attr {
                if !view::matches(&decoded.json, *a, v) {
                    continue;
                }
            }
            if events.len() == max {
                // One more match exists: the page ends at the previous event.
                next = events
                    .last()
                    .map(|(t, s, _)| h.tokens.seal_pair(&scope, *t, *s));
                break 'pages;
            }
            events.push((
                stored.time_ms,
                stored.seq,
                view::lookup_event(&decoded, stored.time_ms),
            ));
        }
        if exhausted {
            break;
        }
    }
    let list: Vec<Value> = events.into_iter().map(|(_, _, e)| e).collect();
    let mut out = json!({ "Events": list });
    if let Some(token) = next {
        out["NextToken"] = Value::String(token);
    }
    Ok(Outcome::read(out))
}
