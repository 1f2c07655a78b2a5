//! VPC ingress connections (spec §3.9): `CreateVpcIngressConnection`, `DescribeVpcIngressConnection`,
//! `ListVpcIngressConnections`, `UpdateVpcIngressConnection`, `DeleteVpcIngressConnection`.
//!
//! Rows, all in the caller's account and region (kept by [`crate::vpc_ingress_rows`]):
//! - `vpc-ingress-connection`, keyed by the connection ARN, parent = the service ARN (so a service's connections
//!   are one indexed list away): the `VpcIngressConnection` document in wire member names plus the `Tags` given on
//!   create. A deleted connection keeps its row with `Status` `DELETED` and `DeletedAt`, so it can still be
//!   described; lists skip it.
//! - `vpc-ingress-connection-name`, keyed by the name: `{"VpcIngressConnectionArn", "Slot"}` while a non-deleted
//!   connection has the name (created with `Expect::Absent`; removed when the deletion completes).
//! - `vpc-ingress-connection-slot`, keyed `0` … quota − 1 (`--quota vpc-ingress-connections`, default 1 as in App
//!   Runner): one per non-deleted connection.
//!
//! Rules: the service must exist and be `RUNNING`; a service has at most one non-deleted connection
//! (`InvalidStateException`, spec §3.3). Create re-puts the service row unchanged under `Expect::Version`, so a
//! concurrent create for the same service, or a concurrent `DeleteService` (which refuses to delete a service that
//! still has a connection), loses the race and re-runs against the new state. Update is allowed in `AVAILABLE`,
//! `FAILED_CREATION` and `FAILED_UPDATE`; delete also in `FAILED_DELETION`; anything else (the `PENDING_*` states,
//! `DELETED`) is an `InvalidStateException`. An update's `IngressVpcConfiguration` members replace the current
//! ones member by member. ARNs: a malformed one is an `InvalidRequestException`, an unknown one or one of another
//! account or region a `ResourceNotFoundException` — for Create's `ServiceArn` too, although the model lists no
//! `ResourceNotFoundException` for Create (botocore maps it by code all the same); List only filters, so there a
//! service that is not found simply matches nothing.
//!
//! Transitions are finished by the lifecycle worker ([`crate::lifecycle`], family `VpcIngressConnection`, target =
//! the connection ARN), one lifecycle delay after the call: `PENDING_CREATION` and `PENDING_UPDATE` become
//! `AVAILABLE`, `PENDING_DELETION` becomes `DELETED` (with `DeletedAt`; the name and quota slot are freed). A step
//! acts on the status it finds, and calls only start a transition from a settled state, so each `PENDING_*` period
//! has exactly one job. trailrunner has no VPCs: `VpcId` and `VpcEndpointId` are checked for their form only
//! (`vpc-…`, `vpce-…`), transitions always succeed, and the `FAILED_*` states never occur.
//!
//! `DomainName` is `<10 lowercase letters and digits>.<region>.awsapprunner.com`: App Runner does not document its
//! form (spec §3.2, inferred).

use serde_json::{json, Value};
use trailrunner_api::{ApiError, CallContext, Outcome};
use trailrunner_store::{ChangeSet, Expect, Resource};

use crate::errors::{invalid_request, invalid_state};
use crate::handler::AppRunnerHandler;
use crate::lifecycle::{self, delay_ms, Family, Job};
use crate::paging::PageRequest;
use crate::service_rows::{self, load_live, status};
use crate::store_rows::{
    claim_slot, document, epoch_seconds, filtered_page, key, members_of, read, required_str,
};
use crate::vpc_ingress_rows::{
    ingress_configuration, is_connection_name, live_connection_of, load, public, random_label,
    refs, service_of, ARN_MEMBER, ARN_RESOURCE_TYPE, CONNECTION_KIND, NAME_KIND, SLOT_KIND,
    SUMMARY_MEMBERS,
};
use crate::{arn, tags};

/// The states an update may start from (model doc).
const UPDATABLE: [&str; 3] = ["AVAILABLE", "FAILED_CREATION", "FAILED_UPDATE"];
/// The states a delete may start from (model doc).
const DELETABLE: [&str; 4] = [
    "AVAILABLE",
    "FAILED_CREATION",
    "FAILED_UPDATE",
    "FAILED_DELETION",
];

/// CreateVpcIngressConnection: a `PENDING_CREATION` connection for a `RUNNING` service that has none.
pub(crate) async fn create(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let service_arn = required_str(input, "ServiceArn")?;
    let name = required_str(input, "VpcIngressConnectionName")?;
    if !is_connection_name(name) {
        return Err(invalid_request(format!(
            "{name} is not a valid VPC ingress connection name: 4 to 40 letters, digits, hyphens and \
             underscores, starting with a letter or digit."
        )));
    }
    let ingress = ingress_configuration(None, input.get("IngressVpcConfiguration"))?;
    let tags = tags::from_input(input.get("Tags"))?;

    let (service_row, service) = load_live(h, ctx, service_arn).await?;
    let was = status(&service);
    if was != "RUNNING" {
        return Err(invalid_state(format!(
            "Service {service_arn} is {was}; a VPC ingress connection can only be created for a RUNNING service."
        )));
    }
    if let Some(existing) = live_connection_of(h, ctx, service_arn).await? {
        return Err(invalid_state(format!(
            "Service {service_arn} already has the VPC ingress connection {existing}; a service can have only one."
        )));
    }
    if read(h, &key(ctx, NAME_KIND, name)).await?.is_some() {
        return Err(invalid_request(format!(
            "A VPC ingress connection named {name} already exists in this account and region."
        )));
    }
    let quota = h.config.quotas.vpc_ingress_connections;
    let slot = claim_slot(
        h,
        ctx,
        SLOT_KIND,
        quota,
        &format!(
            "You have reached the quota of {quota} VPC ingress connections in this account and region. \
             Delete a VPC ingress connection before creating another."
        ),
    )
    .await?;

    let id = h.entropy.uuid().replace('-', "");
    let arn = arn::build(
        &ctx.region,
        &ctx.caller.account_id,
        ARN_RESOURCE_TYPE,
        &[name, &id],
    );
    let now = ctx.now.as_millisecond();
    let connection = json!({
        "VpcIngressConnectionArn": arn,
        "VpcIngressConnectionName": name,
        "ServiceArn": service_arn,
        "Status": "PENDING_CREATION",
        "AccountId": ctx.caller.account_id,
        "DomainName": format!("{}.{}.awsapprunner.com", random_label(h.entropy.as_ref(), 10), ctx.region),
        "IngressVpcConfiguration": ingress,
        "CreatedAt": epoch_seconds(now),
    });
    let mut stored = connection.clone();
    stored["Tags"] = Value::Array(tags);

    let mut changes = ChangeSet::new();
    changes
        .put(
            key(ctx, CONNECTION_KIND, &arn),
            Some(service_arn.to_owned()),
            stored.to_string(),
            Expect::Absent,
        )
        .put(
            key(ctx, NAME_KIND, name),
            None,
            json!({ ARN_MEMBER: arn, "Slot": slot }).to_string(),
            Expect::Absent,
        )
        .put(
            key(ctx, SLOT_KIND, &slot.to_string()),
            None,
            json!({ ARN_MEMBER: arn }).to_string(),
            Expect::Absent,
        )
        // Unchanged, but under the version read: see the module doc.
        .put(
            service_row.key.clone(),
            service_row.parent.clone(),
            service_row.doc.clone(),
            Expect::Version(service_row.version),
        );
    schedule(h, ctx, &mut changes, &arn, now);
    Ok(Outcome {
        output: json!({ "VpcIngressConnection": connection }),
        changes,
        resources: refs(ctx, &arn, service_arn),
    })
}

/// DescribeVpcIngressConnection: a full ARN; deleted connections are described with `Status` `DELETED`.
pub(crate) async fn describe(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let given = required_str(input, ARN_MEMBER)?;
    let (_, doc) = load(h, ctx, given).await?;
    Ok(Outcome {
        output: json!({ "VpcIngressConnection": public(&doc) }),
        changes: ChangeSet::new(),
        resources: refs(ctx, given, service_of(&doc)),
    })
}

/// ListVpcIngressConnections: non-deleted connections in creation order, optionally only those of one service
/// and/or one VPC endpoint. The model gives this operation no `ResourceNotFoundException`: a service ARN of
/// another account or region, or of no service, simply matches nothing; a malformed one is an invalid request.
pub(crate) async fn list(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let filter = input.get("Filter").cloned().unwrap_or_else(|| json!({}));
    let service = filter.get("ServiceArn").and_then(Value::as_str);
    let endpoint = filter.get("VpcEndpointId").and_then(Value::as_str);
    let scope = format!(
        "ListVpcIngressConnections|{}|{}|{}",
        ctx.caller.account_id,
        ctx.region,
        json!([service, endpoint])
    );
    let page = PageRequest::from_input(&h.tokens, input, scope)?;
    let elsewhere = match service {
        Some(s) => match service_rows::check_arn(s, &ctx.region, &ctx.caller.account_id) {
            Ok(()) => false,
            Err(e) if e.code == "ResourceNotFoundException" => true,
            Err(e) => return Err(e),
        },
        None => false,
    };
    let mut rows = if elsewhere {
        Vec::new()
    } else {
        filtered_page(h, ctx, CONNECTION_KIND, service, &page, |row| {
            let doc = document(row)?;
            Ok(status(&doc) != "DELETED"
                && endpoint.is_none_or(|e| {
                    doc.pointer("/IngressVpcConfiguration/VpcEndpointId")
                        .and_then(Value::as_str)
                        == Some(e)
                }))
        })
        .await?
    };
    let next = page.finish(&h.tokens, &mut rows);
    let mut summaries = Vec::with_capacity(rows.len());
    for row in &rows {
        summaries.push(members_of(&document(row)?, &SUMMARY_MEMBERS));
    }
    let mut out = json!({ "VpcIngressConnectionSummaryList": summaries });
    if let Some(token) = next {
        out["NextToken"] = Value::String(token);
    }
    Ok(Outcome::read(out))
}

/// UpdateVpcIngressConnection: a new `IngressVpcConfiguration`; the connection is `PENDING_UPDATE` until the
/// worker makes it `AVAILABLE` again.
pub(crate) async fn update(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let given = required_str(input, ARN_MEMBER)?;
    let (row, mut doc) = load(h, ctx, given).await?;
    let ingress = ingress_configuration(
        doc.get("IngressVpcConfiguration"),
        input.get("IngressVpcConfiguration"),
    )?;
    let was = status(&doc).to_owned();
    if !UPDATABLE.contains(&was.as_str()) {
        return Err(invalid_state(format!(
            "VPC ingress connection {given} is {was}; it can be updated only when it is {}.",
            UPDATABLE.join(", ")
        )));
    }
    doc["IngressVpcConfiguration"] = ingress;
    doc["Status"] = json!("PENDING_UPDATE");
    start(h, ctx, &row, doc, given)
}

/// DeleteVpcIngressConnection: the connection is `PENDING_DELETION` until the worker makes it `DELETED`.
pub(crate) async fn delete(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let given = required_str(input, ARN_MEMBER)?;
    let (row, mut doc) = load(h, ctx, given).await?;
    let was = status(&doc).to_owned();
    if !DELETABLE.contains(&was.as_str()) {
        return Err(invalid_state(format!(
            "VPC ingress connection {given} is {was}; it can be deleted only when it is {}.",
            DELETABLE.join(", ")
        )));
    }
    doc["Status"] = json!("PENDING_DELETION");
    start(h, ctx, &row, doc, given)
}

/// Write `doc` (a new pending state) under the version read and schedule the transition's end.
fn start(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    row: &Resource,
    doc: Value,
    arn: &str,
) -> Result<Outcome, ApiError> {
    let mut changes = ChangeSet::new();
    changes.put(
        row.key.clone(),
        row.parent.clone(),
        doc.to_string(),
        Expect::Version(row.version),
    );
    schedule(h, ctx, &mut changes, arn, ctx.now.as_millisecond());
    Ok(Outcome {
        output: json!({ "VpcIngressConnection": public(&doc) }),
        changes,
        resources: refs(ctx, arn, service_of(&doc)),
    })
}

fn schedule(h: &AppRunnerHandler, ctx: &CallContext, changes: &mut ChangeSet, arn: &str, now: i64) {
    let job = Job {
        account: ctx.caller.account_id.clone(),
        region: ctx.region.clone(),
        family: Family::VpcIngressConnection,
        target: arn.to_owned(),
        step: 0,
        due_ms: now.saturating_add(delay_ms(h)),
    };
    lifecycle::schedule(changes, &h.entropy.uuid(), &job);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_rules_follow_the_model_doc() {
        for state in ["AVAILABLE", "FAILED_CREATION", "FAILED_UPDATE"] {
            assert!(UPDATABLE.contains(&state) && DELETABLE.contains(&state));
        }
        assert!(DELETABLE.contains(&"FAILED_DELETION") && !UPDATABLE.contains(&"FAILED_DELETION"));
        for state in [
            "PENDING_CREATION",
            "PENDING_UPDATE",
            "PENDING_DELETION",
            "DELETED",
        ] {
            assert!(!UPDATABLE.contains(&state) && !DELETABLE.contains(&state));
        }
    }
}
