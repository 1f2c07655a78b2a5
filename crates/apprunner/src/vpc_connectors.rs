//! VPC connectors (spec §3.8): `CreateVpcConnector`, `DescribeVpcConnector`, `ListVpcConnectors`,
//! `DeleteVpcConnector`.
//!
//! Rows, all in the caller's account and region:
//! - `vpc-connector`, keyed by the connector ARN: the `VpcConnector` document in wire member names plus the `Tags`
//!   given on create. Deleting keeps the row with `Status` `INACTIVE` and `DeletedAt`, so the ARN can still be
//!   described; lists show only `ACTIVE` connectors.
//! - `vpc-connector-name`, keyed by the name: `{"VpcConnectorArn", "Slot"}` for the active connector of that name,
//!   created with `Expect::Absent` (names are unique among active connectors) and deleted with it.
//! - `vpc-connector-slot`, keyed `0` … quota − 1 (`--quota vpc-connectors`): one per active connector, claimed with `Expect::Absent`.
//!
//! App Runner supports one revision per name, so `VpcConnectorRevision` is always 1; a name freed by a delete can
//! be used again, and the new connector gets a new id.

use serde_json::{json, Value};
use trailrunner_api::{ApiError, CallContext, Outcome};
use trailrunner_store::{ChangeSet, Expect};

use crate::errors::{invalid_request, resource_not_found};
use crate::handler::AppRunnerHandler;
use crate::paging::PageRequest;
use crate::store_rows::{
    claim_slot, document, epoch_seconds, filtered_page, key, put_named, read, required_str,
    resource_ref, NamedKinds,
};
use crate::{arn, tags};

const CONNECTOR_KIND: &str = "vpc-connector";
const NAME_KIND: &str = "vpc-connector-name";
const SLOT_KIND: &str = "vpc-connector-slot";
const ROWS: NamedKinds = NamedKinds {
    resource: CONNECTOR_KIND,
    name: NAME_KIND,
    slot: SLOT_KIND,
    arn_member: "VpcConnectorArn",
};
const ARN_RESOURCE_TYPE: &str = "vpcconnector";
const RESOURCE_TYPE: &str = "AWS::AppRunner::VpcConnector";
/// The only revision App Runner issues.
const REVISION: u64 = 1;

/// The members of a `VpcConnector`, in output order.
const MEMBERS: [&str; 8] = [
    "VpcConnectorName",
    "VpcConnectorArn",
    "VpcConnectorRevision",
    "Subnets",
    "SecurityGroups",
    "Status",
    "CreatedAt",
    "DeletedAt",
];

/// CreateVpcConnector: the name must not belong to an active connector; `Subnets` must name at least one subnet.
pub(crate) async fn create_vpc_connector(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let name = required_str(input, "VpcConnectorName")?;
    let subnets = id_list(input.get("Subnets"), "Subnets", true)?;
    let security_groups = id_list(input.get("SecurityGroups"), "SecurityGroups", false)?;
    let tags = tags::from_input(input.get("Tags"))?;

    let name_key = key(ctx, NAME_KIND, name);
    if read(h, &name_key).await?.is_some() {
        return Err(invalid_request(format!(
            "A VPC connector named {name} already exists in this account and region."
        )));
    }
    let slot = claim_slot(
        h,
        ctx,
        SLOT_KIND,
        h.config.quotas.vpc_connectors,
        &format!(
            "You have reached the quota of {} VPC connectors in this account and region. \
             Delete a VPC connector before creating another.",
            h.config.quotas.vpc_connectors
        ),
    )
    .await?;

    let id = h.entropy.uuid().replace('-', "");
    let revision = REVISION.to_string();
    let arn = arn::build(
        &ctx.region,
        &ctx.caller.account_id,
        ARN_RESOURCE_TYPE,
        &[name, &revision, &id],
    );
    let connector = json!({
        "VpcConnectorName": name,
        "VpcConnectorArn": arn,
        "VpcConnectorRevision": REVISION,
        "Subnets": subnets,
        "SecurityGroups": security_groups,
        "Status": "ACTIVE",
        "CreatedAt": epoch_seconds(ctx.now.as_millisecond()),
    });
    let mut stored = connector.clone();
    stored["Tags"] = Value::Array(tags);

    let mut changes = ChangeSet::new();
    put_named(&mut changes, ctx, &ROWS, name, &arn, slot, &stored);
    Ok(Outcome {
        output: json!({ "VpcConnector": connector }),
        changes,
        resources: vec![resource_ref(ctx, RESOURCE_TYPE, &arn)],
    })
}

/// DescribeVpcConnector: a full ARN only; deleted connectors are described with `Status` `INACTIVE`.
pub(crate) async fn describe_vpc_connector(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let given = required_str(input, "VpcConnectorArn")?;
    check_arn(given, &ctx.region, &ctx.caller.account_id)?;
    let Some(row) = read(h, &key(ctx, CONNECTOR_KIND, given)).await? else {
        return Err(resource_not_found(format!(
            "VPC connector {given} not found."
        )));
    };
    Ok(Outcome {
        output: json!({ "VpcConnector": public_members(&document(&row)?) }),
        changes: ChangeSet::new(),
        resources: vec![resource_ref(ctx, RESOURCE_TYPE, given)],
    })
}

/// ListVpcConnectors: active connectors in insertion order; without `MaxResults`, all in one response.
pub(crate) async fn list_vpc_connectors(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let scope = format!("ListVpcConnectors|{}|{}", ctx.caller.account_id, ctx.region);
    let page = PageRequest::from_input(&h.tokens, input, scope)?;
    let mut rows = filtered_page(h, ctx, CONNECTOR_KIND, None, &page, |row| {
        Ok(document(row)?.get("Status").and_then(Value::as_str) == Some("ACTIVE"))
    })
    .await?;
    let next = page.finish(&h.tokens, &mut rows);
    let mut connectors = Vec::with_capacity(rows.len());
    for row in &rows {
        connectors.push(public_members(&document(row)?));
    }
    let mut out = json!({ "VpcConnectors": connectors });
    if let Some(token) = next {
        out["NextToken"] = Value::String(token);
    }
    Ok(Outcome::read(out))
}

/// DeleteVpcConnector: the connector becomes `INACTIVE` (with `DeletedAt`); its name and quota slot are freed.
pub(crate) async fn delete_vpc_connector(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let given = required_str(input, "VpcConnectorArn")?;
    check_arn(given, &ctx.region, &ctx.caller.account_id)?;
    let connector_key = key(ctx, CONNECTOR_KIND, given);
    let Some(row) = read(h, &connector_key).await? else {
        return Err(resource_not_found(format!(
            "VPC connector {given} not found."
        )));
    };
    let mut doc = document(&row)?;
    if doc.get("Status").and_then(Value::as_str) != Some("ACTIVE") {
        return Err(resource_not_found(format!(
            "VPC connector {given} has already been deleted."
        )));
    }
    crate::service_rows::refuse_if_used(
        h,
        ctx,
        "/NetworkConfiguration/EgressConfiguration/VpcConnectorArn",
        given,
        "VPC connector",
    )
    .await?;

    let inconsistent = || ApiError::internal_from("VPC connector index rows missing", &given);
    let name = doc
        .get("VpcConnectorName")
        .and_then(Value::as_str)
        .ok_or_else(inconsistent)?
        .to_owned();
    let name_key = key(ctx, NAME_KIND, &name);
    let name_row = read(h, &name_key).await?.ok_or_else(inconsistent)?;
    let index = document(&name_row)?;
    if index.get("VpcConnectorArn").and_then(Value::as_str) != Some(given) {
        return Err(inconsistent());
    }
    let slot = index
        .get("Slot")
        .and_then(Value::as_u64)
        .ok_or_else(inconsistent)?;
    let slot_key = key(ctx, SLOT_KIND, &slot.to_string());
    let slot_row = read(h, &slot_key).await?.ok_or_else(inconsistent)?;

    doc["Status"] = json!("INACTIVE");
    doc["DeletedAt"] = json!(epoch_seconds(ctx.now.as_millisecond()));
    let mut changes = ChangeSet::new();
    changes
        .put(
            connector_key,
            None,
            doc.to_string(),
            Expect::Version(row.version),
        )
        .delete(name_key, Expect::Version(name_row.version))
        .delete(slot_key, Expect::Version(slot_row.version));
    Ok(Outcome {
        output: json!({ "VpcConnector": public_members(&doc) }),
        changes,
        resources: vec![resource_ref(ctx, RESOURCE_TYPE, given)],
    })
}

/// `arn:aws:apprunner:<region>:<account>:vpcconnector/<name>/<revision>/<32 hex id>`: a malformed ARN is an
/// `InvalidRequestException`, one of another account or region a `ResourceNotFoundException`.
fn check_arn(given: &str, region: &str, account: &str) -> Result<(), ApiError> {
    arn::check_full(&FORM, given, region, account)
}

const FORM: arn::FullArn = arn::FullArn {
    resource_type: ARN_RESOURCE_TYPE,
    noun: "VPC connector",
    path: "<name>/<revision>/<id>",
    parts_ok: |parts| {
        matches!(parts, [name, revision, id] if is_connector_name(name)
            && *revision == "1"
            && arn::is_resource_id(id))
    },
};

/// Where the tags of the VPC connector `given` are stored: its row, keyed by the full ARN (errors as for
/// [`check_arn`]).
pub(crate) fn tag_target(
    given: &str,
    region: &str,
    account: &str,
) -> Result<crate::tagging::TagTarget, ApiError> {
    check_arn(given, region, account)?;
    Ok(crate::tagging::TagTarget {
        kind: CONNECTOR_KIND,
        id: given.to_owned(),
        arn_member: "VpcConnectorArn",
        resource_type: RESOURCE_TYPE,
    })
}

/// The model's `VpcConnectorName`: `[A-Za-z0-9][A-Za-z0-9\-_]{3,39}`.
fn is_connector_name(name: &str) -> bool {
    arn::is_resource_name(name, 40)
}

/// `Subnets` / `SecurityGroups`: a list of non-empty strings; `required` lists must not be empty. An omitted
/// optional list is stored as `[]`.
fn id_list(given: Option<&Value>, member: &str, required: bool) -> Result<Vec<String>, ApiError> {
    let list = match given {
        None | Some(Value::Null) if !required => return Ok(Vec::new()),
        None | Some(Value::Null) => return Err(invalid_request(format!("{member} is required."))),
        Some(v) => v
            .as_array()
            .ok_or_else(|| invalid_request(format!("{member} must be a list of strings.")))?,
    };
    if required && list.is_empty() {
        return Err(invalid_request(format!(
            "{member} must contain at least one entry."
        )));
    }
    let mut out = Vec::with_capacity(list.len());
    for item in list {
        match item.as_str() {
            Some(s) if !s.trim().is_empty() => out.push(s.to_owned()),
            _ => {
                return Err(invalid_request(format!(
                    "Every entry of {member} must be a non-empty string."
                )))
            }
        }
    }
    Ok(out)
}

/// The `VpcConnector` members of a stored document (drops `Tags`).
fn public_members(doc: &Value) -> Value {
    crate::store_rows::members_of(doc, &MEMBERS)
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
        let good = build("us-east-1", ACCOUNT, &["my-connector", "1", ID]);
        assert_eq!(
            good,
            format!("arn:aws:apprunner:us-east-1:{ACCOUNT}:vpcconnector/my-connector/1/{ID}")
        );
        assert_eq!(check_arn(&good, "us-east-1", ACCOUNT), Ok(()));
        for bad in [
            build("us-east-1", ACCOUNT, &["my-connector"]),
            build("us-east-1", ACCOUNT, &["my-connector", "1"]),
            build("us-east-1", ACCOUNT, &["my-connector", "2", ID]),
            build("us-east-1", ACCOUNT, &["my-connector", "1", "abc"]),
            build("us-east-1", ACCOUNT, &["abc", "1", ID]),
            arn::build("us-east-1", ACCOUNT, "connection", &["my-connector", ID]),
            "nope".to_owned(),
        ] {
            let err = check_arn(&bad, "us-east-1", ACCOUNT).expect_err(&bad);
            assert_eq!(err.code, "InvalidRequestException", "{bad}");
        }
        for elsewhere in [
            build("eu-west-1", ACCOUNT, &["my-connector", "1", ID]),
            build("us-east-1", "210987654321", &["my-connector", "1", ID]),
        ] {
            let err = check_arn(&elsewhere, "us-east-1", ACCOUNT).expect_err(&elsewhere);
            assert_eq!(err.code, "ResourceNotFoundException", "{elsewhere}");
        }
    }

    #[test]
    fn names_follow_the_model() {
        for good in ["abcd", "A1-_", &"z".repeat(40)] {
            assert!(is_connector_name(good), "{good}");
        }
        for bad in ["abc", "_abc", "a.bc", &"z".repeat(41)] {
            assert!(!is_connector_name(bad), "{bad}");
        }
    }

    #[test]
    fn id_lists() {
        assert_eq!(
            id_list(Some(&json!(["subnet-1", "subnet-2"])), "Subnets", true),
            Ok(vec!["subnet-1".to_owned(), "subnet-2".to_owned()])
        );
        assert_eq!(id_list(None, "SecurityGroups", false), Ok(Vec::new()));
        assert_eq!(
            id_list(Some(&json!([])), "SecurityGroups", false),
            Ok(Vec::new())
        );
        for (given, required) in [
            (None, true),
            (Some(json!([])), true),
            (Some(json!([""])), true),
            (Some(json!(["sg-1", 3])), false),
            (Some(json!("subnet-1")), true),
        ] {
            let err = id_list(given.as_ref(), "Subnets", required).expect_err("accepted");
            assert_eq!(err.code, "InvalidRequestException");
        }
    }

    #[test]
    fn outputs_never_show_stored_tags() {
        let doc = json!({"VpcConnectorName": "abcd", "Status": "ACTIVE", "Tags": [{"Key": "k", "Value": "v"}]});
        assert_eq!(
            public_members(&doc),
            json!({"VpcConnectorName": "abcd", "Status": "ACTIVE"})
        );
    }
}
