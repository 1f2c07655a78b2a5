//! How VPC ingress connections are stored, found and finished (spec §3.1, §3.9): the rows described in
//! [`crate::vpc_ingress_connections`], ARN checks, the `IngressVpcConfiguration` rules, the lifecycle step, and
//! what services and custom domains ask about a service's connection.

use serde_json::{json, Value};
use trailrunner_api::{ApiError, CallContext, Entropy, ResourceRef};
use trailrunner_store::{ChangeSet, Expect, Resource, ResourceKey};

use crate::arn;
use crate::errors::{invalid_request, invalid_state, resource_not_found};
use crate::handler::AppRunnerHandler;
use crate::lifecycle::{self, Job, Step};
use crate::paging::PageRequest;
use crate::service_rows::{self, status};
use crate::store_rows::{
    document, epoch_seconds, filtered_page, key, members_of, read, resource_ref,
};

pub(crate) const CONNECTION_KIND: &str = "vpc-ingress-connection";
pub(crate) const NAME_KIND: &str = "vpc-ingress-connection-name";
pub(crate) const SLOT_KIND: &str = "vpc-ingress-connection-slot";
pub(crate) const ARN_RESOURCE_TYPE: &str = "vpcingressconnection";
pub(crate) const RESOURCE_TYPE: &str = "AWS::AppRunner::VpcIngressConnection";
pub(crate) const ARN_MEMBER: &str = "VpcIngressConnectionArn";

/// The members of a `VpcIngressConnection`, in the model's order.
pub(crate) const MEMBERS: [&str; 9] = [
    "VpcIngressConnectionArn",
    "VpcIngressConnectionName",
    "ServiceArn",
    "Status",
    "AccountId",
    "DomainName",
    "IngressVpcConfiguration",
    "CreatedAt",
    "DeletedAt",
];

/// The members of a `VpcIngressConnectionSummary`.
pub(crate) const SUMMARY_MEMBERS: [&str; 2] = ["VpcIngressConnectionArn", "ServiceArn"];

/// The lifecycle step: finish the pending transition of the connection `job.target`.
pub(crate) async fn advance(
    h: &AppRunnerHandler,
    job: &Job,
    now_ms: i64,
) -> Result<Step, ApiError> {
    let at = |kind: &str, id: &str| {
        ResourceKey::new(job.account.as_str(), job.region.as_str(), kind, id)
    };
    let mut changes = ChangeSet::new();
    let Some(row) = read(h, &at(CONNECTION_KIND, &job.target)).await? else {
        tracing::error!(arn = %job.target, "lifecycle job for a missing VPC ingress connection; dropping it");
        return Ok(Step::Done { changes });
    };
    let mut doc = lifecycle::parse(&row)?;
    match status(&doc) {
        "PENDING_CREATION" | "PENDING_UPDATE" => doc["Status"] = json!("AVAILABLE"),
        "PENDING_DELETION" => {
            doc["Status"] = json!("DELETED");
            doc["DeletedAt"] = json!(epoch_seconds(now_ms));
            let name = doc
                .get("VpcIngressConnectionName")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if let Some(name_row) = read(h, &at(NAME_KIND, name)).await? {
                let index = lifecycle::parse(&name_row)?;
                if index.get(ARN_MEMBER).and_then(Value::as_str) == Some(job.target.as_str()) {
                    changes.delete(name_row.key.clone(), Expect::Version(name_row.version));
                    if let Some(slot) = index.get("Slot").and_then(Value::as_u64) {
                        if let Some(slot_row) = read(h, &at(SLOT_KIND, &slot.to_string())).await? {
                            changes.delete(slot_row.key.clone(), Expect::Version(slot_row.version));
                        }
                    }
                }
            }
        }
        // Nothing pending (a job left over from before a restart that already committed its step).
        _ => return Ok(Step::Done { changes }),
    }
    changes.put(
        row.key.clone(),
        row.parent.clone(),
        doc.to_string(),
        Expect::Version(row.version),
    );
    Ok(Step::Done { changes })
}

/// `InvalidStateException` when the service `service_arn` still has a connection that is not deleted (a service
/// cannot be deleted before its VPC ingress connection).
pub(crate) async fn refuse_service_delete(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    service_arn: &str,
) -> Result<(), ApiError> {
    match live_connection_of(h, ctx, service_arn).await? {
        Some(connection) => Err(invalid_state(format!(
            "Service {service_arn} has the VPC ingress connection {connection}. Delete it before deleting the \
             service."
        ))),
        None => Ok(()),
    }
}

/// The `VpcDNSTargets` of a service's custom-domain responses: one per connection that is not deleted.
pub(crate) async fn dns_targets(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    service_arn: &str,
) -> Result<Vec<Value>, ApiError> {
    let page = PageRequest::internal(usize::MAX / 4);
    let rows = filtered_page(h, ctx, CONNECTION_KIND, Some(service_arn), &page, |row| {
        Ok(status(&document(row)?) != "DELETED")
    })
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let doc = document(row)?;
        out.push(json!({
            "VpcIngressConnectionArn": doc.get(ARN_MEMBER),
            "VpcId": doc.pointer("/IngressVpcConfiguration/VpcId"),
            "DomainName": doc.get("DomainName"),
        }));
    }
    Ok(out)
}

/// The ARN of the service's connection that is not deleted, if it has one.
pub(crate) async fn live_connection_of(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    service_arn: &str,
) -> Result<Option<String>, ApiError> {
    let page = PageRequest::internal(1);
    let rows = filtered_page(h, ctx, CONNECTION_KIND, Some(service_arn), &page, |row| {
        Ok(status(&document(row)?) != "DELETED")
    })
    .await?;
    match rows.first() {
        Some(row) => Ok(document(row)?
            .get(ARN_MEMBER)
            .and_then(Value::as_str)
            .map(str::to_owned)),
        None => Ok(None),
    }
}

/// The connection `given` names, in any state (errors as for [`check_arn`]; none: `ResourceNotFoundException`).
pub(crate) async fn load(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    given: &str,
) -> Result<(Resource, Value), ApiError> {
    check_arn(given, &ctx.region, &ctx.caller.account_id)?;
    let not_found = || resource_not_found(format!("VPC ingress connection {given} not found."));
    let row = read(h, &key(ctx, CONNECTION_KIND, given))
        .await?
        .ok_or_else(not_found)?;
    let doc = document(&row)?;
    if doc.get(ARN_MEMBER).and_then(Value::as_str) != Some(given) {
        return Err(not_found());
    }
    Ok((row, doc))
}

/// `arn:aws:apprunner:<region>:<account>:vpcingressconnection/<name>/<32 hex id>`: a malformed ARN is an
/// `InvalidRequestException`, one of another account or region a `ResourceNotFoundException`.
pub(crate) fn check_arn(given: &str, region: &str, account: &str) -> Result<(), ApiError> {
    arn::check_full(&FORM, given, region, account)
}

const FORM: arn::FullArn = arn::FullArn {
    resource_type: ARN_RESOURCE_TYPE,
    noun: "VPC ingress connection",
    path: "<name>/<id>",
    parts_ok: |parts| matches!(parts, [name, id] if is_connection_name(name) && arn::is_resource_id(id)),
};

/// Where the tags of the VPC ingress connection `given` are stored: its row, keyed by the full ARN (errors as
/// for [`check_arn`]).
pub(crate) fn tag_target(
    given: &str,
    region: &str,
    account: &str,
) -> Result<crate::tagging::TagTarget, ApiError> {
    check_arn(given, region, account)?;
    Ok(crate::tagging::TagTarget {
        kind: CONNECTION_KIND,
        id: given.to_owned(),
        arn_member: ARN_MEMBER,
        resource_type: RESOURCE_TYPE,
    })
}

/// The model's `VpcIngressConnectionName`: `[A-Za-z0-9][A-Za-z0-9\-_]{3,39}`.
pub(crate) fn is_connection_name(name: &str) -> bool {
    arn::is_resource_name(name, 40)
}

/// The `IngressVpcConfiguration` to store: `given`'s members over `current`'s (none on create). Both members must
/// end up set, `VpcId` as `vpc-<id>` and `VpcEndpointId` as `vpce-<id>` (lowercase letters and digits).
pub(crate) fn ingress_configuration(
    current: Option<&Value>,
    given: Option<&Value>,
) -> Result<Value, ApiError> {
    let given = given
        .ok_or_else(|| invalid_request("IngressVpcConfiguration is required."))?
        .as_object()
        .ok_or_else(|| invalid_request("IngressVpcConfiguration must be a structure."))?;
    let mut out = serde_json::Map::new();
    for (member, prefix) in [("VpcId", "vpc-"), ("VpcEndpointId", "vpce-")] {
        let value = match given.get(member) {
            None | Some(Value::Null) => current.and_then(|c| c.get(member)).and_then(Value::as_str),
            Some(v) => Some(v.as_str().ok_or_else(|| {
                invalid_request(format!(
                    "IngressVpcConfiguration.{member} must be a string."
                ))
            })?),
        };
        let Some(value) = value else {
            return Err(invalid_request(format!(
                "IngressVpcConfiguration.{member} is required."
            )));
        };
        let well_formed = value.strip_prefix(prefix).is_some_and(|id| {
            !id.is_empty()
                && id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
        if !well_formed {
            return Err(invalid_request(format!(
                "IngressVpcConfiguration.{member} {value:?} is not valid: expected {prefix}<id>."
            )));
        }
        out.insert(member.to_owned(), json!(value));
    }
    Ok(Value::Object(out))
}

/// `len` random lowercase letters and digits (service URLs, connection domain names, validation records).
pub(crate) fn random_label(entropy: &dyn Entropy, len: usize) -> String {
    const ALPHABET: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut random = vec![0u8; len];
    entropy.fill(&mut random);
    random
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}

/// The `VpcIngressConnection` members of a stored document (drops `Tags`).
pub(crate) fn public(doc: &Value) -> Value {
    members_of(doc, &MEMBERS)
}

pub(crate) fn service_of(doc: &Value) -> &str {
    doc.get("ServiceArn")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// The call's CloudTrail resources: the connection and its service.
pub(crate) fn refs(ctx: &CallContext, arn: &str, service_arn: &str) -> Vec<ResourceRef> {
    let mut out = vec![resource_ref(ctx, RESOURCE_TYPE, arn)];
    if !service_arn.is_empty() {
        out.push(resource_ref(ctx, service_rows::RESOURCE_TYPE, service_arn));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCOUNT: &str = "123456789012";
    const ID: &str = "e7656250f67242d7819feade6800f59e";

    fn build(region: &str, account: &str, parts: &[&str]) -> String {
        arn::build(region, account, ARN_RESOURCE_TYPE, parts)
    }

    #[test]
    fn full_arns_only() {
        let good = build("us-east-1", ACCOUNT, &["my-vic", ID]);
        assert_eq!(
            good,
            format!("arn:aws:apprunner:us-east-1:{ACCOUNT}:vpcingressconnection/my-vic/{ID}")
        );
        assert_eq!(check_arn(&good, "us-east-1", ACCOUNT), Ok(()));
        for bad in [
            build("us-east-1", ACCOUNT, &["my-vic"]),
            build("us-east-1", ACCOUNT, &["my-vic", "1", ID]),
            build("us-east-1", ACCOUNT, &["my-vic", "abc"]),
            build("us-east-1", ACCOUNT, &["abc", ID]),
            build("us-east-1", ACCOUNT, &["-abcd", ID]),
            arn::build("us-east-1", ACCOUNT, "service", &["my-vic", ID]),
            "nope".to_owned(),
        ] {
            let err = check_arn(&bad, "us-east-1", ACCOUNT).expect_err(&bad);
            assert_eq!(err.code, "InvalidRequestException", "{bad}");
        }
        for elsewhere in [
            build("eu-west-1", ACCOUNT, &["my-vic", ID]),
            build("us-east-1", "210987654321", &["my-vic", ID]),
        ] {
            let err = check_arn(&elsewhere, "us-east-1", ACCOUNT).expect_err(&elsewhere);
            assert_eq!(err.code, "ResourceNotFoundException", "{elsewhere}");
        }
        let target = tag_target(&good, "us-east-1", ACCOUNT).unwrap();
        assert_eq!(
            (target.kind, target.id.as_str(), target.resource_type),
            (CONNECTION_KIND, good.as_str(), RESOURCE_TYPE)
        );
    }

    #[test]
    fn names_follow_the_model() {
        for good in ["abcd", "A1-_", &"z".repeat(40)] {
            assert!(is_connection_name(good), "{good}");
        }
        for bad in ["abc", "_abc", "a.bc", &"z".repeat(41)] {
            assert!(!is_connection_name(bad), "{bad}");
        }
    }

    #[test]
    fn ingress_configurations_need_both_ids_in_their_form() {
        let full = json!({"VpcId": "vpc-0123abcd", "VpcEndpointId": "vpce-0456ef"});
        assert_eq!(ingress_configuration(None, Some(&full)), Ok(full.clone()));
        for bad in [
            json!({"VpcId": "vpc-0123abcd"}),
            json!({"VpcEndpointId": "vpce-0456ef"}),
            json!({}),
            json!({"VpcId": "vpce-0123", "VpcEndpointId": "vpc-0456"}),
            json!({"VpcId": "vpc-", "VpcEndpointId": "vpce-1"}),
            json!({"VpcId": "vpc-ABC", "VpcEndpointId": "vpce-1"}),
            json!({"VpcId": 3, "VpcEndpointId": "vpce-1"}),
            json!("vpc-1"),
        ] {
            let err = ingress_configuration(None, Some(&bad)).expect_err(&bad.to_string());
            assert_eq!(err.code, "InvalidRequestException", "{bad}");
        }
        assert_eq!(
            ingress_configuration(None, None).unwrap_err().code,
            "InvalidRequestException"
        );
    }

    #[test]
    fn updates_replace_member_by_member() {
        let current = json!({"VpcId": "vpc-1", "VpcEndpointId": "vpce-1"});
        assert_eq!(
            ingress_configuration(Some(&current), Some(&json!({"VpcEndpointId": "vpce-2"}))),
            Ok(json!({"VpcId": "vpc-1", "VpcEndpointId": "vpce-2"}))
        );
        assert_eq!(
            ingress_configuration(Some(&current), Some(&json!({}))),
            Ok(current.clone())
        );
    }

    #[test]
    fn outputs_never_show_stored_tags() {
        let doc = json!({"VpcIngressConnectionName": "abcd", "Status": "AVAILABLE", "Tags": []});
        assert_eq!(
            public(&doc),
            json!({"VpcIngressConnectionName": "abcd", "Status": "AVAILABLE"})
        );
    }
}
