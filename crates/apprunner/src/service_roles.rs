//! The roles App Runner assumes by itself for a service, and their CloudTrail records.
//!
//! On AWS, App Runner's build service assumes a service's ECR access role
//! (`SourceConfiguration.AuthenticationConfiguration.AccessRoleArn`, trusted principal
//! `build.apprunner.amazonaws.com`) to pull a private image, and App Runner assumes the instance role
//! (`InstanceConfiguration.InstanceRoleArn`, `tasks.apprunner.amazonaws.com`) for the running instances. Each
//! shows in the customer's CloudTrail as an STS `AssumeRole` event with the identity
//! `{"type": "AWSService", "invokedBy": <principal>}`, refused ones with `errorCode` `AccessDenied`.
//!
//! The lifecycle worker does this at the step that deploys (resp. starts running) the service: the assumption goes
//! through [`trailrunner_iam::assume_role_as_service`] and its record is built by the same recorder as every
//! call's ([`trailrunner_audit::record::build_service_call`]) and appended to the step's change set, so the
//! record, the issued credentials and the service's new state commit together or not at all.

use serde_json::Value;
use trailrunner_api::{ApiError, ServiceCaller};
use trailrunner_store::ChangeSet;

use crate::handler::AppRunnerHandler;
use crate::lifecycle::Job;

/// App Runner's build service: pulls images from private ECR with the access role.
pub(crate) const BUILD_PRINCIPAL: &str = "build.apprunner.amazonaws.com";
/// App Runner's instances: run with the instance role.
pub(crate) const TASKS_PRINCIPAL: &str = "tasks.apprunner.amazonaws.com";

/// The access role App Runner must assume to fetch the service's image: set for private ECR images only.
pub(crate) fn access_role(service: &Value) -> Option<&str> {
    let source = service.get("SourceConfiguration")?;
    if source.pointer("/ImageRepository/ImageRepositoryType") != Some(&Value::from("ECR")) {
        return None;
    }
    source
        .pointer("/AuthenticationConfiguration/AccessRoleArn")
        .and_then(Value::as_str)
}

/// The service's instance role, if it has one.
pub(crate) fn instance_role(service: &Value) -> Option<&str> {
    service
        .pointer("/InstanceConfiguration/InstanceRoleArn")
        .and_then(Value::as_str)
}

/// Have `principal` assume `role_arn` for `service` (a service document of the job's account and region) at
/// `now_ms`, appending the credentials and the `AssumeRole` record to `changes`. Whether the role was assumed.
pub(crate) async fn assume(
    h: &AppRunnerHandler,
    job: &Job,
    principal: &str,
    role_arn: &str,
    service: &Value,
    now_ms: i64,
    changes: &mut ChangeSet,
) -> Result<bool, ApiError> {
    let now = jiff::Timestamp::from_millisecond(now_ms)
        .map_err(|e| ApiError::internal_from("the lifecycle step's time", &e))?;
    let caller = ServiceCaller {
        principal: principal.to_string(),
        account_id: job.account.clone(),
    };
    let service_arn = service.get("ServiceArn").and_then(Value::as_str);
    // The session is named after the service (its id: 32 hex digits, a valid role session name), so the
    // role's sessions and Event history's `Username` say which service they were for.
    let session_name = service
        .get("ServiceId")
        .and_then(Value::as_str)
        .unwrap_or("apprunner");
    let assumed = trailrunner_iam::assume_role_as_service(
        h.store.as_ref(),
        h.entropy.as_ref(),
        &caller,
        role_arn,
        session_name,
        service_arn,
        now,
    )
    .await?;
    let model = trailrunner_model::sts();
    let request_id = h.entropy.uuid();
    let facts = trailrunner_audit::record::ServiceCallFacts {
        model,
        operation: "AssumeRole",
        op: model.operation("AssumeRole"),
        service: &caller,
        region: &job.region,
        request_id: &request_id,
        input: Some(&assumed.input),
        result: assumed.result.as_ref(),
        reported: &[],
        completed_at: now,
        event_id: h.entropy.uuid_v7(now_ms),
    };
    let mut record = trailrunner_audit::record::build_service_call(&facts);
    let username = trailrunner_audit::identity::service_username(Some(session_name));
    changes.changes.extend(assumed.changes.changes);
    changes.append_event(trailrunner_audit::event::to_new_event(
        &mut record,
        &job.account,
        &job.region,
        now_ms,
        &username,
    ));
    Ok(assumed.result.is_ok())
}
