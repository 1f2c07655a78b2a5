//! Services (spec §3.3): `CreateService`, `DescribeService`, `ListServices`, `UpdateService`, `DeleteService`,
//! `PauseService`, `ResumeService`, `StartDeployment`.
//!
//! Every mutating call answers at once with the service `OPERATION_IN_PROGRESS` and starts an operation
//! ([`crate::operations`]) that the lifecycle worker finishes ([`crate::deployments`]). Rows are described in
//! [`crate::service_rows`]; defaults and cross-member rules in [`crate::service_config`].

use serde_json::{json, Map, Value};
use trailrunner_api::{ApiError, CallContext, Outcome};
use trailrunner_store::{ChangeSet, Expect};

use crate::errors::{invalid_request, invalid_state};
use crate::handler::AppRunnerHandler;
use crate::operations::{self, Plan};
use crate::paging::PageRequest;
use crate::service_config as config;
use crate::service_rows::{
    self, load_live, public, status, NAME_KIND, RESOURCE_TYPE, SERVICE_KIND, SLOT_KIND,
    SUMMARY_MEMBERS,
};
use crate::store_rows::{
    claim_slot, epoch_seconds, filtered_page, key, members_of, put_named, read, required_str,
    resource_ref, NamedKinds,
};
use crate::{arn, tags};

const ROWS: NamedKinds = NamedKinds {
    resource: SERVICE_KIND,
    name: NAME_KIND,
    slot: SLOT_KIND,
    arn_member: "ServiceArn",
};

/// CreateService: a new service, `OPERATION_IN_PROGRESS`, with App Runner's defaults filled in.
pub(crate) async fn create_service(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let name = required_str(input, "ServiceName")?;
    let source = config::source_configuration(
        ctx,
        input
            .get("SourceConfiguration")
            .ok_or_else(|| invalid_request("SourceConfiguration is required."))?,
    )?;
    let instance = config::instance_configuration(None, input.get("InstanceConfiguration"))?;
    let health = config::health_check(None, input.get("HealthCheckConfiguration"))?;
    let network = config::network(h, ctx, None, input.get("NetworkConfiguration")).await?;
    let observability =
        config::observability(h, ctx, None, input.get("ObservabilityConfiguration")).await?;
    let asc_arn = input
        .get("AutoScalingConfigurationArn")
        .and_then(Value::as_str);
    let (scaling, mut changes) = config::auto_scaling_summary(h, ctx, asc_arn).await?;
    let tags = tags::from_input(input.get("Tags"))?;

    if read(h, &key(ctx, NAME_KIND, name)).await?.is_some() {
        return Err(invalid_request(format!(
            "A service named {name} already exists in this account and region."
        )));
    }
    let quota = h.config.quotas.services;
    let slot = claim_slot(
        h,
        ctx,
        SLOT_KIND,
        quota,
        &format!(
            "You have reached the quota of {quota} services in this account and region. Delete a service \
             before creating another."
        ),
    )
    .await?;

    let id = h.entropy.uuid().replace('-', "");
    let service_arn = arn::build(
        &ctx.region,
        &ctx.caller.account_id,
        service_rows::ARN_RESOURCE_TYPE,
        &[name, &id],
    );
    let now = epoch_seconds(ctx.now.as_millisecond());
    let mut service = Map::new();
    service.insert("ServiceName".into(), json!(name));
    service.insert("ServiceId".into(), json!(id));
    service.insert("ServiceArn".into(), json!(service_arn));
    service.insert("ServiceUrl".into(), json!(service_url(h, &ctx.region)));
    service.insert("CreatedAt".into(), json!(now));
    service.insert("UpdatedAt".into(), json!(now));
    service.insert("Status".into(), json!("OPERATION_IN_PROGRESS"));
    service.insert("SourceConfiguration".into(), source);
    service.insert("InstanceConfiguration".into(), instance);
    if let Some(encryption) = input.get("EncryptionConfiguration") {
        service.insert("EncryptionConfiguration".into(), encryption.clone());
    }
    service.insert("HealthCheckConfiguration".into(), health);
    service.insert("AutoScalingConfigurationSummary".into(), scaling);
    service.insert("NetworkConfiguration".into(), network);
    service.insert("ObservabilityConfiguration".into(), observability);
    let service = Value::Object(service);
    let mut stored = service.clone();
    stored["Tags"] = Value::Array(tags);

    put_named(&mut changes, ctx, &ROWS, name, &service_arn, slot, &stored);
    let operation = operations::begin(
        h,
        ctx,
        &mut changes,
        &service_arn,
        Plan {
            kind: "CREATE_SERVICE",
            on_success: "RUNNING",
            on_failure: "CREATE_FAILED",
            rollback: None,
        },
    );
    Ok(Outcome {
        output: json!({ "Service": service, "OperationId": operation }),
        changes,
        resources: vec![resource_ref(ctx, RESOURCE_TYPE, &service_arn)],
    })
}

/// DescribeService: any state, deleted services included.
pub(crate) async fn describe_service(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let given = required_str(input, "ServiceArn")?;
    let doc = service_rows::look(h, ctx, given).await?;
    Ok(Outcome {
        output: json!({ "Service": public(&doc) }),
        changes: ChangeSet::new(),
        resources: vec![resource_ref(ctx, RESOURCE_TYPE, given)],
    })
}

/// ListServices: the services that are not deleted, in creation order; `MaxResults` 1–20 (checked by the
/// model); without it, every service in one response, as App Runner documents.
pub(crate) async fn list_services(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let scope = format!("ListServices|{}|{}", ctx.caller.account_id, ctx.region);
    let page = PageRequest::from_input(&h.tokens, input, scope)?;
    let mut rows = filtered_page(h, ctx, SERVICE_KIND, None, &page, |row| {
        Ok(status(h.docs.of(row)?.as_ref()) != "DELETED")
    })
    .await?;
    let next = page.finish(&h.tokens, &mut rows);
    let mut summaries = Vec::with_capacity(rows.len());
    for row in &rows {
        summaries.push(members_of(h.docs.of(row)?.as_ref(), &SUMMARY_MEMBERS));
    }
    let mut out = json!({ "ServiceSummaryList": summaries });
    if let Some(token) = next {
        out["NextToken"] = Value::String(token);
    }
    Ok(Outcome::read(out))
}

/// UpdateService: in `RUNNING`, `PAUSED` or `CREATE_FAILED`. Given configuration parts replace the current ones
/// (member by member; a source keeps its kind); the service returns to its state when the deployment ends.
pub(crate) async fn update_service(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let given = required_str(input, "ServiceArn")?;
    let (row, current) = load_live(h, ctx, given).await?;
    let was = status(&current).to_owned();
    if !matches!(was.as_str(), "RUNNING" | "PAUSED" | "CREATE_FAILED") {
        return Err(invalid_state(format!(
            "Service status must be RUNNING, PAUSED or CREATE_FAILED to be updated; service {given} is {was}."
        )));
    }
    let mut service = current.clone();
    if let Some(source) = input.get("SourceConfiguration") {
        service["SourceConfiguration"] =
            config::source_configuration(ctx, &updated_source(&current, source)?)?;
    }
    service["InstanceConfiguration"] = config::instance_configuration(
        current.get("InstanceConfiguration"),
        input.get("InstanceConfiguration"),
    )?;
    service["HealthCheckConfiguration"] = config::health_check(
        current.get("HealthCheckConfiguration"),
        input.get("HealthCheckConfiguration"),
    )?;
    service["NetworkConfiguration"] = config::network(
        h,
        ctx,
        current.get("NetworkConfiguration"),
        input.get("NetworkConfiguration"),
    )
    .await?;
    service["ObservabilityConfiguration"] = config::observability(
        h,
        ctx,
        current.get("ObservabilityConfiguration"),
        input.get("ObservabilityConfiguration"),
    )
    .await?;
    let mut changes = ChangeSet::new();
    if let Some(asc) = input
        .get("AutoScalingConfigurationArn")
        .and_then(Value::as_str)
    {
        let (scaling, region_rows) = config::auto_scaling_summary(h, ctx, Some(asc)).await?;
        service["AutoScalingConfigurationSummary"] = scaling;
        changes.changes.extend(region_rows.changes);
    }
    let plan = if was == "CREATE_FAILED" {
        Plan {
            kind: "UPDATE_SERVICE",
            on_success: "RUNNING",
            on_failure: "CREATE_FAILED",
            rollback: None,
        }
    } else {
        Plan {
            kind: "UPDATE_SERVICE",
            on_success: steady(&was),
            on_failure: steady(&was),
            rollback: Some(current.clone()),
        }
    };
    start(h, ctx, &row, service, plan, changes)
}

/// A service's state after an update or deployment that started from `was`.
fn steady(was: &str) -> &'static str {
    if was == "PAUSED" {
        "PAUSED"
    } else {
        "RUNNING"
    }
}

/// The source an update asks for: the given top-level members over the current ones; switching between a code
/// repository and an image is refused.
fn updated_source(current: &Value, given: &Value) -> Result<Value, ApiError> {
    let mut out = current
        .get("SourceConfiguration")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let given = given
        .as_object()
        .ok_or_else(|| invalid_request("SourceConfiguration must be a structure."))?;
    let switches = (given.contains_key("CodeRepository") && out.contains_key("ImageRepository"))
        || (given.contains_key("ImageRepository") && out.contains_key("CodeRepository"));
    if switches {
        return Err(invalid_request(
            "A service cannot switch between a source code repository and a source image. Create a new \
             service instead.",
        ));
    }
    for (k, v) in given {
        out.insert(k.clone(), v.clone());
    }
    Ok(Value::Object(out))
}

/// DeleteService: any state but `OPERATION_IN_PROGRESS`; the service is `DELETED` when the operation ends.
pub(crate) async fn delete_service(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let given = required_str(input, "ServiceArn")?;
    let (row, current) = load_live(h, ctx, given).await?;
    let was = status(&current).to_owned();
    if was == "OPERATION_IN_PROGRESS" {
        return Err(invalid_state(format!(
            "Service {given} has an operation in progress. Wait for it to finish before deleting the service."
        )));
    }
    crate::vpc_ingress_rows::refuse_service_delete(h, ctx, given).await?;
    let on_failure = if was == "CREATE_FAILED" {
        "CREATE_FAILED"
    } else {
        "DELETE_FAILED"
    };
    let plan = Plan {
        kind: "DELETE_SERVICE",
        on_success: "DELETED",
        on_failure,
        rollback: None,
    };
    start(h, ctx, &row, current, plan, ChangeSet::new())
}

/// PauseService: `RUNNING` → `PAUSED`.
pub(crate) async fn pause_service(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    switch(
        h,
        ctx,
        input,
        "RUNNING",
        "PAUSE_SERVICE",
        "PAUSED",
        "paused",
    )
    .await
}

/// ResumeService: `PAUSED` → `RUNNING`.
pub(crate) async fn resume_service(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    switch(
        h,
        ctx,
        input,
        "PAUSED",
        "RESUME_SERVICE",
        "RUNNING",
        "resumed",
    )
    .await
}

async fn switch(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    input: &Value,
    from: &str,
    kind: &str,
    to: &str,
    verb: &str,
) -> Result<Outcome, ApiError> {
    let given = required_str(input, "ServiceArn")?;
    let (row, current) = load_live(h, ctx, given).await?;
    let was = status(&current);
    if was != from {
        return Err(invalid_state(format!(
            "Service {given} is {was}; only a {from} service can be {verb}."
        )));
    }
    let plan = Plan {
        kind,
        on_success: to,
        on_failure: from,
        rollback: None,
    };
    start(h, ctx, &row, current, plan, ChangeSet::new())
}

/// StartDeployment: a new deployment of a `RUNNING` service's source. App Runner models no
/// `InvalidStateException` for it, so another state is an invalid request.
pub(crate) async fn start_deployment(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let given = required_str(input, "ServiceArn")?;
    let (row, current) = load_live(h, ctx, given).await?;
    let was = status(&current);
    if was != "RUNNING" {
        return Err(invalid_request(format!(
            "Service {given} is {was}; a deployment can only start on a RUNNING service."
        )));
    }
    let plan = Plan {
        kind: "START_DEPLOYMENT",
        on_success: "RUNNING",
        on_failure: "RUNNING",
        rollback: Some(current.clone()),
    };
    let mut outcome = start(h, ctx, &row, current, plan, ChangeSet::new())?;
    outcome.output = json!({ "OperationId": outcome.output["OperationId"] });
    Ok(outcome)
}

/// Put `service` `OPERATION_IN_PROGRESS` (under the version read) and start the operation `plan`; the output is
/// the service and the operation id.
fn start(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    row: &trailrunner_store::Resource,
    mut service: Value,
    plan: Plan<'_>,
    mut changes: ChangeSet,
) -> Result<Outcome, ApiError> {
    let arn = service
        .get("ServiceArn")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::internal_from("a stored service", &"no ARN"))?
        .to_owned();
    service["Status"] = json!("OPERATION_IN_PROGRESS");
    service["UpdatedAt"] = json!(epoch_seconds(ctx.now.as_millisecond()));
    changes.put(
        row.key.clone(),
        row.parent.clone(),
        service.to_string(),
        Expect::Version(row.version),
    );
    let operation = operations::begin(h, ctx, &mut changes, &arn, plan);
    Ok(Outcome {
        output: json!({ "Service": public(&service), "OperationId": operation }),
        changes,
        resources: vec![resource_ref(ctx, RESOURCE_TYPE, &arn)],
    })
}

/// `<10 lowercase letters and digits>.<region>.awsapprunner.com` (spec §3.2).
fn service_url(h: &AppRunnerHandler, region: &str) -> String {
    const ALPHABET: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut random = [0u8; 10];
    h.entropy.fill(&mut random);
    let label: String = random
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect();
    format!("{label}.{region}.awsapprunner.com")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn updates_keep_the_source_kind() {
        let current = json!({"SourceConfiguration": {
            "ImageRepository": {"ImageIdentifier": "public.ecr.aws/a/b:1", "ImageRepositoryType": "ECR_PUBLIC"},
            "AutoDeploymentsEnabled": false,
        }});
        let next = updated_source(
            &current,
            &json!({"ImageRepository": {"ImageIdentifier": "public.ecr.aws/a/b:2", "ImageRepositoryType": "ECR_PUBLIC"}}),
        )
        .unwrap();
        assert_eq!(
            next["ImageRepository"]["ImageIdentifier"],
            "public.ecr.aws/a/b:2"
        );
        assert_eq!(next["AutoDeploymentsEnabled"], false);
        let err = updated_source(
            &current,
            &json!({"CodeRepository": {"RepositoryUrl": "https://github.com/a/b"}}),
        )
        .unwrap_err();
        assert_eq!(err.code, "InvalidRequestException");
    }

    #[test]
    fn updates_return_to_the_state_they_started_from() {
        assert_eq!(steady("PAUSED"), "PAUSED");
        assert_eq!(steady("RUNNING"), "RUNNING");
    }
}
