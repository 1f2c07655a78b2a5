//! The CloudTrail rendering of a request or response body (`requestParameters`,
//! `responseElements`), driven by the generated shape tables.
//!
//! Rules (App Runner Developer Guide example, spec §5):
//! - member names lower-case only their first character (`ServiceName` → `serviceName`,
//!   `DNSTarget` → `dNSTarget`); map keys are user data and stay as they are;
//! - structure is kept; members the shape does not know are dropped, so are `null`s;
//! - timestamps (epoch numbers or ISO strings) become `2020-10-02T23:25:32.650Z`;
//! - a member whose shape is hidden (sensitive, or a list/map of sensitive values)
//!   becomes the string `HIDDEN_DUE_TO_SECURITY_REASONS`, whole;
//! - a value of the wrong JSON kind for a structure, list or map renders as `null`
//!   (nothing unvalidated is echoed through a container); scalars are echoed as sent
//!   (enum values verbatim).

use crate::service::ServiceModel;
use crate::shape::{ShapeId, ShapeKind};
use crate::HIDDEN;
use serde_json::{Map, Value};

/// Render `value` (a body of shape `shape` of `svc`) the way CloudTrail records it.
pub fn render(svc: &ServiceModel, shape: ShapeId, value: &Value) -> Value {
    render_at(svc, shape, value, 0)
}

/// Bodies nest far less; this only bounds work on hostile input that skipped validation.
const MAX_DEPTH: usize = 64;

fn render_at(svc: &ServiceModel, id: ShapeId, value: &Value, depth: usize) -> Value {
    let shape = svc.shape(id);
    if shape.hidden {
        return Value::String(HIDDEN.to_string());
    }
    if depth > MAX_DEPTH {
        return Value::Null;
    }
    match (&shape.kind, value) {
        (ShapeKind::Structure { members }, Value::Object(obj)) => {
            let mut out = Map::new();
            for member in *members {
                match obj.get(member.name) {
                    None | Some(Value::Null) => {}
                    Some(v) => {
                        out.insert(
                            lower_first(member.name),
                            render_at(svc, member.target, v, depth + 1),
                        );
                    }
                }
            }
            Value::Object(out)
        }
        (ShapeKind::List { member, .. }, Value::Array(items)) => Value::Array(
            items
                .iter()
                .map(|item| render_at(svc, *member, item, depth + 1))
                .collect(),
        ),
        (
            ShapeKind::Map {
                value: value_shape, ..
            },
            Value::Object(obj),
        ) => Value::Object(
            obj.iter()
                .map(|(k, v)| (k.clone(), render_at(svc, *value_shape, v, depth + 1)))
                .collect(),
        ),
        (ShapeKind::Structure { .. } | ShapeKind::List { .. } | ShapeKind::Map { .. }, _) => {
            Value::Null
        }
        (ShapeKind::Timestamp { .. }, v) => {
            match crate::epoch::from_json(v).and_then(crate::epoch::to_iso_millis) {
                Some(iso) => Value::String(iso),
                None => v.clone(),
            }
        }
        (_, v) => v.clone(),
    }
}

/// CloudTrail member naming: only the first character is lower-cased.
pub fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_keep_everything_after_the_first_character() {
        assert_eq!(lower_first("ServiceName"), "serviceName");
        assert_eq!(lower_first("DNSTarget"), "dNSTarget");
        assert_eq!(lower_first("EnableWWWSubdomain"), "enableWWWSubdomain");
    }

    #[test]
    fn response_timestamps_and_acronyms() {
        let svc = crate::apprunner();
        let op = svc.operation("AssociateCustomDomain").unwrap();
        let out = render(
            svc,
            op.output.unwrap(),
            &json!({
                "DNSTarget": "abc.awsapprunner.com",
                "ServiceArn": "arn:aws:apprunner:us-east-1:123456789012:service/s/1",
                "CustomDomain": {"DomainName": "example.com", "EnableWWWSubdomain": true, "Status": "CREATING"},
                "VpcDNSTargets": [],
                "Unknown": 1
            }),
        );
        assert_eq!(
            out,
            json!({
                "dNSTarget": "abc.awsapprunner.com",
                "serviceArn": "arn:aws:apprunner:us-east-1:123456789012:service/s/1",
                "customDomain": {"domainName": "example.com", "enableWWWSubdomain": true, "status": "CREATING"},
                "vpcDNSTargets": []
            })
        );
        let op = svc.operation("DescribeAutoScalingConfiguration").unwrap();
        let out = render(
            svc,
            op.output.unwrap(),
            &json!({"AutoScalingConfiguration": {"CreatedAt": 1601681132.65, "DeletedAt": "2020-10-02T23:25:32Z"}}),
        );
        assert_eq!(
            out,
            json!({"autoScalingConfiguration": {
                "createdAt": "2020-10-02T23:25:32.650Z",
                "deletedAt": "2020-10-02T23:25:32.000Z"
            }})
        );
    }

    #[test]
    fn map_keys_are_user_data_and_wrong_containers_render_null() {
        let svc = crate::cloudtrail();
        let op = svc.operation("AddTags").unwrap();
        let out = render(
            svc,
            op.input.unwrap(),
            &json!({"ResourceId": "trail", "TagsList": [{"Key": "Team", "Value": "x"}, "junk"]}),
        );
        assert_eq!(
            out,
            json!({"resourceId": "trail", "tagsList": [{"key": "Team", "value": "x"}, null]})
        );
    }
}
