//! Building the CloudTrail record of one call.

use serde_json::{Map, Value};
use trailrunner_api::{ApiError, CallContext, ResourceRef, ServiceCaller};
use trailrunner_model::{cloudtrail_view, Operation, ServiceModel};

use crate::{identity, resources, EVENT_VERSION};

/// `requestParameters` / `responseElements` larger than this are omitted (CloudTrail User Guide).
pub const MAX_ELEMENT_BYTES: usize = 100 * 1024;
/// A whole record is capped at this size.
pub const MAX_RECORD_BYTES: usize = 256 * 1024;
/// `userAgent`, `errorCode` and `errorMessage` are truncated past 1 KB.
const MAX_TEXT_BYTES: usize = 1024;

/// Everything the recorder needs to know about one call.
pub struct CallFacts<'a> {
    pub model: &'static ServiceModel,
    /// The operation name as requested (also for names the model does not know).
    pub operation: &'a str,
    pub op: Option<&'static Operation>,
    pub ctx: &'a CallContext,
    /// The decoded input, if decoding got that far.
    pub input: Option<&'a Value>,
    pub result: Result<&'a Value, &'a ApiError>,
    /// Resources the service reported (ARNs in input and output are found generically).
    pub reported: &'a [ResourceRef],
    pub completed_at: jiff::Timestamp,
    pub event_id: String,
}

/// What an AWS service did by itself on an account's behalf (App Runner's build service assuming the customer's
/// ECR access role, say): not a request to trailrunner, but recorded exactly like one, by the same code, with an
/// `AWSService` identity whose principal is also `sourceIPAddress` and `userAgent` (spec §1.3, §2.3).
pub struct ServiceCallFacts<'a> {
    pub model: &'static ServiceModel,
    pub operation: &'a str,
    pub op: Option<&'static Operation>,
    pub service: &'a ServiceCaller,
    pub region: &'a str,
    pub request_id: &'a str,
    pub input: Option<&'a Value>,
    pub result: Result<&'a Value, &'a ApiError>,
    pub reported: &'a [ResourceRef],
    pub completed_at: jiff::Timestamp,
    pub event_id: String,
}

/// The parts of a record that depend on who acted: the rest comes from the operation tables alone.
struct Actor<'a> {
    identity: Value,
    source_ip: String,
    user_agent: &'a str,
    account_id: &'a str,
    region: &'a str,
    request_id: &'a str,
}

/// A built record, with what the store indexes it by.
pub struct Record {
    pub json: Value,
    pub resources: Vec<ResourceRef>,
}

fn truncate(text: &str) -> String {
    if text.len() <= MAX_TEXT_BYTES {
        return text.to_string();
    }
    let mut cut = MAX_TEXT_BYTES;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    text[..cut].to_string()
}

fn non_empty(v: &Value) -> bool {
    v.as_object().is_some_and(|m| !m.is_empty())
}

/// The rendered element, or `null` when there is none or it is over the size limit.
fn element(
    model: &ServiceModel,
    shape: Option<trailrunner_model::ShapeId>,
    value: Option<&Value>,
) -> Value {
    match (shape, value) {
        (Some(shape), Some(v)) if non_empty(v) => {
            let rendered = cloudtrail_view::render(model, shape, v);
            let size = serde_json::to_vec(&rendered)
                .map(|b| b.len())
                .unwrap_or(usize::MAX);
            if size > MAX_ELEMENT_BYTES {
                Value::Null
            } else {
                rendered
            }
        }
        _ => Value::Null,
    }
}

/// The record, fields in the order AWS writes them.
pub fn build(f: &CallFacts<'_>) -> Record {
    let ctx = f.ctx;
    let actor = Actor {
        identity: identity::user_identity(&ctx.caller),
        source_ip: ctx.source_ip.to_string(),
        user_agent: &ctx.user_agent,
        account_id: &ctx.caller.account_id,
        region: &ctx.region,
        request_id: &ctx.request_id,
    };
    build_for(
        actor,
        &Facts {
            model: f.model,
            operation: f.operation,
            op: f.op,
            input: f.input,
            result: f.result,
            reported: f.reported,
            completed_at: f.completed_at,
            event_id: &f.event_id,
        },
    )
}

/// The record of what an AWS service did by itself (see [`ServiceCallFacts`]).
pub fn build_service_call(f: &ServiceCallFacts<'_>) -> Record {
    let actor = Actor {
        identity: identity::service_identity(f.service),
        source_ip: f.service.principal.clone(),
        user_agent: &f.service.principal,
        account_id: &f.service.account_id,
        region: f.region,
        request_id: f.request_id,
    };
    build_for(
        actor,
        &Facts {
            model: f.model,
            operation: f.operation,
            op: f.op,
            input: f.input,
            result: f.result,
            reported: f.reported,
            completed_at: f.completed_at,
            event_id: &f.event_id,
        },
    )
}

/// What the record says about the operation, whoever acted.
struct Facts<'a> {
    model: &'static ServiceModel,
    operation: &'a str,
    op: Option<&'static Operation>,
    input: Option<&'a Value>,
    result: Result<&'a Value, &'a ApiError>,
    reported: &'a [ResourceRef],
    completed_at: jiff::Timestamp,
    event_id: &'a str,
}

fn build_for(who: Actor<'_>, f: &Facts<'_>) -> Record {
    let read_only = f.op.map(|op| op.read_only).unwrap_or(false);
    let request_parameters = element(f.model, f.op.and_then(|op| op.input), f.input);
    let response_elements = match f.result {
        Ok(output) if !read_only => element(f.model, f.op.and_then(|op| op.output), Some(output)),
        _ => Value::Null,
    };
    let output = f.result.ok();
    let found = resources::collect(f.reported, f.input, output, who.account_id);

    let mut r = Map::with_capacity(22);
    r.insert("eventVersion".into(), EVENT_VERSION.into());
    r.insert("userIdentity".into(), who.identity);
    r.insert("eventTime".into(), event_time(f.completed_at).into());
    r.insert("eventSource".into(), f.model.event_source.into());
    r.insert("eventName".into(), f.operation.into());
    r.insert("awsRegion".into(), who.region.into());
    r.insert("sourceIPAddress".into(), who.source_ip.into());
    r.insert("userAgent".into(), truncate(who.user_agent).into());
    if let Err(err) = f.result {
        r.insert("errorCode".into(), truncate(&err.code).into());
        r.insert("errorMessage".into(), truncate(&err.message).into());
    }
    r.insert("requestParameters".into(), request_parameters);
    r.insert("responseElements".into(), response_elements);
    r.insert("requestID".into(), who.request_id.into());
    r.insert("eventID".into(), f.event_id.into());
    r.insert("readOnly".into(), read_only.into());
    if !found.is_empty() {
        let list = found
            .iter()
            .map(|res| {
                let mut m = Map::with_capacity(3);
                m.insert("accountId".into(), res.account_id.clone().into());
                m.insert("type".into(), res.resource_type.clone().into());
                m.insert("ARN".into(), res.arn.clone().into());
                Value::Object(m)
            })
            .collect();
        r.insert("resources".into(), Value::Array(list));
    }
    r.insert("eventType".into(), "AwsApiCall".into());
    r.insert("managementEvent".into(), true.into());
    r.insert("recipientAccountId".into(), who.account_id.into());
    r.insert("eventCategory".into(), "Management".into());
    Record {
        json: Value::Object(r),
        resources: found,
    }
}

/// The record as stored and delivered, within CloudTrail's size rules: `requestParameters` and
/// `responseElements` over [`MAX_ELEMENT_BYTES`] are omitted (`null`), and a record still over
/// [`MAX_RECORD_BYTES`] loses its response, then its request. Serialises once in the common case: a record of
/// at most 100 KB cannot hold an element over the limit.
pub fn serialize(record: &mut Value) -> Vec<u8> {
    let bytes = serde_json::to_vec(record).unwrap_or_default();
    if bytes.len() <= MAX_ELEMENT_BYTES {
        return bytes;
    }
    for field in ["requestParameters", "responseElements"] {
        let size = serde_json::to_vec(&record[field])
            .map(|b| b.len())
            .unwrap_or(usize::MAX);
        if size > MAX_ELEMENT_BYTES {
            record[field] = Value::Null;
        }
    }
    for field in ["responseElements", "requestParameters"] {
        let size = serde_json::to_vec(record)
            .map(|b| b.len())
            .unwrap_or(usize::MAX);
        if size <= MAX_RECORD_BYTES {
            break;
        }
        record[field] = Value::Null;
    }
    serde_json::to_vec(record).unwrap_or_default()
}

/// `eventTime`: UTC, seconds, `Z`.
pub fn event_time(at: jiff::Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn size_rules() {
        let small = json!({"requestParameters": {"a": 1}, "responseElements": null});
        assert_eq!(
            serialize(&mut small.clone()),
            serde_json::to_vec(&small).unwrap()
        );
        let big = "x".repeat(MAX_ELEMENT_BYTES + 1);
        let mut over = json!({"eventName": "X", "requestParameters": {"a": big}, "responseElements": {"b": 1}});
        let out: Value = serde_json::from_slice(&serialize(&mut over)).unwrap();
        assert_eq!(
            out["requestParameters"],
            Value::Null,
            "an element over 100 KB is omitted"
        );
        assert_eq!(out["responseElements"], json!({"b": 1}));
        let half = "y".repeat(MAX_ELEMENT_BYTES - 100);
        let mut many = json!({"requestParameters": {"a": half.clone()}, "responseElements": {"b": half.clone()},
            "additional": half.clone()});
        let mut huge = many.clone();
        huge["more"] = json!("z".repeat(10 * 1024));
        let out: Value = serde_json::from_slice(&serialize(&mut huge)).unwrap();
        assert_eq!(
            out["responseElements"],
            Value::Null,
            "the response goes first"
        );
        assert!(out["requestParameters"].is_object());
        assert!(serialize(&mut many).len() <= MAX_RECORD_BYTES);
    }
}
