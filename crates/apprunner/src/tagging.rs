//! Tagging (spec §3.11): `TagResource`, `UntagResource`, `ListTagsForResource`.
//!
//! Tags live in the stored document of the resource they belong to, under `Tags` as `[{"Key", "Value"}]` (the
//! form `tags::from_input` produces at creation). The ARN is resolved by the resource's own family
//! ([`TagTarget`]) to the exact row it names: a connection, an auto scaling or observability configuration
//! *revision* (tags are per revision ARN, so only full revision ARNs are accepted), a VPC connector, a service or a
//! VPC ingress connection. Updates are written with `Expect::Version` of the row read, so a concurrent change of
//! the resource makes the call re-run against the new state.

use serde_json::{json, Value};
use trailrunner_api::{ApiError, CallContext, Outcome};
use trailrunner_store::{ChangeSet, Expect, Resource};

use crate::errors::{invalid_request, resource_not_found};
use crate::handler::AppRunnerHandler;
use crate::store_rows::{document, key, read, required_str, resource_ref};
use crate::tags::{self, MAX_TAGS};
use crate::{
    arn, auto_scaling, connections, observability, service_rows, vpc_connectors, vpc_ingress_rows,
};

/// Where the tags of one resource are stored, as its family resolves an ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TagTarget {
    /// The row kind (`connection`, …).
    pub(crate) kind: &'static str,
    /// The row id within the kind.
    pub(crate) id: String,
    /// The document member holding the resource's ARN (`ConnectionArn`, …).
    pub(crate) arn_member: &'static str,
    /// The CloudTrail resource type (`AWS::AppRunner::Connection`, …).
    pub(crate) resource_type: &'static str,
}

/// TagResource: merge the given tags into the resource's tags (a given key replaces the value of an existing one).
pub(crate) async fn tag_resource(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let given = required_str(input, "ResourceArn")?;
    let new_tags = tags::from_input(Some(
        input
            .get("Tags")
            .ok_or_else(|| invalid_request("Tags is required."))?,
    ))?;
    let (target, row, mut doc) = find(h, ctx, given).await?;
    let mut merged = stored_tags(&doc)?;
    for tag in new_tags {
        let tag_key = tag.get("Key").and_then(Value::as_str).unwrap_or_default();
        match merged
            .iter_mut()
            .find(|t| t.get("Key").and_then(Value::as_str) == Some(tag_key))
        {
            Some(existing) => *existing = tag,
            None => merged.push(tag),
        }
    }
    if merged.len() > MAX_TAGS {
        return Err(invalid_request(format!(
            "A resource can have at most {MAX_TAGS} tags; {given} would have {}.",
            merged.len()
        )));
    }
    doc["Tags"] = Value::Array(merged);
    Ok(write(ctx, &target, given, &row, &doc))
}

/// UntagResource: remove the given keys; keys the resource does not have are ignored.
pub(crate) async fn untag_resource(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let given = required_str(input, "ResourceArn")?;
    let keys = tag_keys(input.get("TagKeys"))?;
    let (target, row, mut doc) = find(h, ctx, given).await?;
    let mut remaining = stored_tags(&doc)?;
    remaining.retain(|t| {
        t.get("Key")
            .and_then(Value::as_str)
            .is_none_or(|k| !keys.contains(&k))
    });
    doc["Tags"] = Value::Array(remaining);
    Ok(write(ctx, &target, given, &row, &doc))
}

/// ListTagsForResource: the resource's tags, in the order they were added.
pub(crate) async fn list_tags_for_resource(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let given = required_str(input, "ResourceArn")?;
    let (target, _row, doc) = find(h, ctx, given).await?;
    Ok(Outcome {
        output: json!({ "Tags": stored_tags(&doc)? }),
        changes: ChangeSet::new(),
        resources: vec![resource_ref(ctx, target.resource_type, given)],
    })
}

/// The family's target for `given`: a malformed ARN or a resource type without tags is an
/// `InvalidRequestException`, the rest is the family's business.
fn target_of(given: &str, region: &str, account: &str) -> Result<TagTarget, ApiError> {
    let Some(parsed) = arn::parse(given) else {
        return Err(invalid_request(format!(
            "{given} is not a valid App Runner resource ARN."
        )));
    };
    match parsed.resource_type {
        "connection" => connections::tag_target(given, region, account),
        "autoscalingconfiguration" => auto_scaling::tag_target(given, region, account),
        "observabilityconfiguration" => observability::tag_target(given, region, account),
        "vpcconnector" => vpc_connectors::tag_target(given, region, account),
        "vpcingressconnection" => vpc_ingress_rows::tag_target(given, region, account),
        "service" => service_rows::tag_target(given, region, account),
        other => Err(invalid_request(format!(
            "Tagging is not supported for App Runner resources of type {other}."
        ))),
    }
}

/// The row `given` names, with its document; `ResourceNotFoundException` when there is none, or when the row's
/// ARN is not exactly `given` (another resource id for the same name and revision).
async fn find(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    given: &str,
) -> Result<(TagTarget, Resource, Value), ApiError> {
    let target = target_of(given, &ctx.region, &ctx.caller.account_id)?;
    let not_found = || resource_not_found(format!("Resource {given} not found."));
    let row = read(h, &key(ctx, target.kind, &target.id))
        .await?
        .ok_or_else(not_found)?;
    let doc = document(&row)?;
    if target.kind == service_rows::SERVICE_KIND && service_rows::status(&doc) == "DELETED" {
        return Err(crate::errors::invalid_state(format!(
            "Service {given} has been deleted."
        )));
    }
    if doc.get(target.arn_member).and_then(Value::as_str) != Some(given) {
        return Err(not_found());
    }
    Ok((target, row, doc))
}

fn write(
    ctx: &CallContext,
    target: &TagTarget,
    given: &str,
    row: &Resource,
    doc: &Value,
) -> Outcome {
    let mut changes = ChangeSet::new();
    changes.put(
        row.key.clone(),
        row.parent.clone(),
        doc.to_string(),
        Expect::Version(row.version),
    );
    Outcome {
        output: json!({}),
        changes,
        resources: vec![resource_ref(ctx, target.resource_type, given)],
    }
}

/// The stored `Tags` of a document (none stored: no tags).
fn stored_tags(doc: &Value) -> Result<Vec<Value>, ApiError> {
    match doc.get("Tags") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(list)) => Ok(list.clone()),
        Some(_) => Err(ApiError::internal_from(
            "stored tags malformed",
            &"Tags is not a list",
        )),
    }
}

/// UntagResource's `TagKeys`: a list of strings (the model checked each key's length and pattern).
fn tag_keys(given: Option<&Value>) -> Result<Vec<&str>, ApiError> {
    let list = given
        .ok_or_else(|| invalid_request("TagKeys is required."))?
        .as_array()
        .ok_or_else(|| invalid_request("TagKeys must be a list of tag keys."))?;
    list.iter()
        .map(|k| {
            k.as_str()
                .ok_or_else(|| invalid_request("Tag keys must be strings."))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCOUNT: &str = "123456789012";
    const ID: &str = "e7656250f67242d7819feade6800f59e";

    fn target(given: &str) -> Result<TagTarget, ApiError> {
        target_of(given, "us-east-1", ACCOUNT)
    }

    #[test]
    fn each_family_resolves_its_full_arns_to_its_row() {
        let cases = [
            (
                format!("connection/abcd/{ID}"),
                "connection",
                format!("arn:aws:apprunner:us-east-1:{ACCOUNT}:connection/abcd/{ID}"),
                "AWS::AppRunner::Connection",
            ),
            (
                format!("autoscalingconfiguration/abcd/3/{ID}"),
                "autoscalingconfiguration",
                "abcd/3".to_owned(),
                "AWS::AppRunner::AutoScalingConfiguration",
            ),
            (
                format!("observabilityconfiguration/abcd/2/{ID}"),
                "observability-configuration",
                "abcd/2".to_owned(),
                "AWS::AppRunner::ObservabilityConfiguration",
            ),
            (
                format!("vpcconnector/abcd/1/{ID}"),
                "vpc-connector",
                format!("arn:aws:apprunner:us-east-1:{ACCOUNT}:vpcconnector/abcd/1/{ID}"),
                "AWS::AppRunner::VpcConnector",
            ),
            (
                format!("service/abcd/{ID}"),
                "service",
                format!("arn:aws:apprunner:us-east-1:{ACCOUNT}:service/abcd/{ID}"),
                "AWS::AppRunner::Service",
            ),
            (
                format!("vpcingressconnection/abcd/{ID}"),
                "vpc-ingress-connection",
                format!("arn:aws:apprunner:us-east-1:{ACCOUNT}:vpcingressconnection/abcd/{ID}"),
                "AWS::AppRunner::VpcIngressConnection",
            ),
        ];
        for (resource, kind, id, resource_type) in cases {
            let given = format!("arn:aws:apprunner:us-east-1:{ACCOUNT}:{resource}");
            let t = target(&given).expect("resolved");
            assert_eq!(
                (t.kind, t.id.as_str(), t.resource_type),
                (kind, id.as_str(), resource_type)
            );
        }
    }

    #[test]
    fn malformed_partial_and_unsupported_arns_are_invalid_requests() {
        for bad in [
            "not an arn".to_owned(),
            format!("arn:aws:apprunner:us-east-1:{ACCOUNT}:service/abcd"),
            format!("arn:aws:apprunner:us-east-1:{ACCOUNT}:vpcingressconnection/abcd"),
            format!("arn:aws:apprunner:us-east-1:{ACCOUNT}:vpcingressconnection/abcd/1/{ID}"),
            format!("arn:aws:apprunner:us-east-1:{ACCOUNT}:connection/abcd"),
            format!("arn:aws:apprunner:us-east-1:{ACCOUNT}:autoscalingconfiguration/abcd"),
            format!("arn:aws:apprunner:us-east-1:{ACCOUNT}:autoscalingconfiguration/abcd/3"),
            format!("arn:aws:apprunner:us-east-1:{ACCOUNT}:observabilityconfiguration/abcd/2"),
            format!("arn:aws:apprunner:us-east-1:{ACCOUNT}:vpcconnector/abcd/2/{ID}"),
        ] {
            let err = target(&bad).expect_err(&bad);
            assert_eq!(err.code, "InvalidRequestException", "{bad}");
        }
    }

    #[test]
    fn other_accounts_and_regions_are_not_found() {
        for resource in [
            format!("connection/abcd/{ID}"),
            format!("autoscalingconfiguration/abcd/3/{ID}"),
            format!("observabilityconfiguration/abcd/2/{ID}"),
            format!("vpcconnector/abcd/1/{ID}"),
            format!("vpcingressconnection/abcd/{ID}"),
        ] {
            for place in ["us-west-2:123456789012", "us-east-1:210987654321"] {
                let given = format!("arn:aws:apprunner:{place}:{resource}");
                let err = target(&given).expect_err(&given);
                assert_eq!(err.code, "ResourceNotFoundException", "{given}");
            }
        }
    }

    #[test]
    fn tag_keys_must_be_a_list_of_strings() {
        assert_eq!(tag_keys(Some(&json!(["a", "b"]))), Ok(vec!["a", "b"]));
        for bad in [None, Some(json!("a")), Some(json!([1]))] {
            assert_eq!(
                tag_keys(bad.as_ref()).expect_err("accepted").code,
                "InvalidRequestException"
            );
        }
    }
}
