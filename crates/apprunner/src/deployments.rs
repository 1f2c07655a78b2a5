//! The lifecycle worker's steps for service operations (spec §3.3, §3.4).
//!
//! Step 0 starts the operation (`PENDING` → `IN_PROGRESS`; `StartedAt` is the call's time); step 1, one
//! lifecycle delay later, finishes it. Deploying (create, update, deployment) succeeds when the source can be
//! fetched: a public image always, a private ECR image only when App Runner's build service
//! (`build.apprunner.amazonaws.com`) can assume the access role, a code repository only through an `AVAILABLE`
//! connection of the service's account and region (trailrunner builds nothing, but it does not pretend a
//! repository it cannot reach was deployed). A service that ends the step `RUNNING` with an instance role has it
//! assumed by `tasks.apprunner.amazonaws.com`. Each assumption is an STS `AssumeRole` whose CloudTrail record
//! (identity `AWSService`) commits with the step ([`crate::service_roles`]). A failed create leaves the service `CREATE_FAILED`; a failed deployment of a serving service rolls
//! back to the configuration it had (`ROLLBACK_SUCCEEDED`). Pause, resume and delete always succeed; a finished
//! delete frees the service's name and quota slot and removes its custom domains.

use serde_json::{json, Value};
use trailrunner_api::ApiError;
use trailrunner_store::{ChangeSet, Expect, Resource, ResourceKey};

use crate::connections::CONNECTION_KIND;
use crate::custom_domains::DOMAIN_KIND;
use crate::handler::AppRunnerHandler;
use crate::lifecycle::{delay_ms, parse, Job, Step};
use crate::operations::OPERATION_KIND;
use crate::service_roles::{self, BUILD_PRINCIPAL, TASKS_PRINCIPAL};
use crate::service_rows::{NAME_KIND, SERVICE_KIND, SLOT_KIND};
use crate::store_rows::epoch_seconds;

/// Run step `job.step` of the operation `job.target`.
pub(crate) async fn advance(
    h: &AppRunnerHandler,
    job: &Job,
    now_ms: i64,
) -> Result<Step, ApiError> {
    let rows = Rows { h, job };
    let Some(op_row) = rows.get(OPERATION_KIND, &job.target).await? else {
        tracing::error!(operation = %job.target, "lifecycle job for a missing operation; dropping it");
        return Ok(Step::Done {
            changes: ChangeSet::new(),
        });
    };
    let mut op = parse(&op_row)?;
    let now = json!(epoch_seconds(now_ms));
    let mut changes = ChangeSet::new();
    if job.step == 0 {
        op["Status"] = json!("IN_PROGRESS");
        op["UpdatedAt"] = now;
        put(&mut changes, &op_row, &op);
        return Ok(Step::Next {
            changes,
            due_ms: now_ms.saturating_add(delay_ms(h)),
        });
    }

    let service_arn = text(&op, "TargetArn")?.to_owned();
    let Some(service_row) = rows.get(SERVICE_KIND, &service_arn).await? else {
        // Service rows are never removed, so this is a damaged store; retrying would only repeat the error.
        tracing::error!(operation = %job.target, service = %service_arn,
            "lifecycle job for a missing service; dropping it");
        return Ok(Step::Done {
            changes: ChangeSet::new(),
        });
    };
    let mut service = parse(&service_row)?;
    let kind = text(&op, "Type")?.to_owned();
    let deploys = matches!(
        kind.as_str(),
        "CREATE_SERVICE" | "UPDATE_SERVICE" | "START_DEPLOYMENT"
    );
    let succeeded = !deploys || source_reachable(&rows, &service, now_ms, &mut changes).await?;
    if succeeded {
        op["Status"] = json!("SUCCEEDED");
        service["Status"] = json!(text(&op, "OnSuccess")?);
        if kind == "DELETE_SERVICE" {
            service["DeletedAt"] = now.clone();
            release_name_and_slot(&rows, &mut changes, &service).await?;
            for domain in rows.children(DOMAIN_KIND, &service_arn).await? {
                changes.delete(domain.key.clone(), Expect::Version(domain.version));
            }
        }
    } else if let Some(previous) = op.get("Rollback").filter(|v| v.is_object()).cloned() {
        op["Status"] = json!("ROLLBACK_SUCCEEDED");
        // The configuration it had, with what changed meanwhile outside the deployment (tags).
        let tags = service.get("Tags").cloned();
        service = previous;
        if let Some(tags) = tags {
            service["Tags"] = tags;
        }
        service["Status"] = json!(text(&op, "OnFailure")?);
    } else {
        op["Status"] = json!("FAILED");
        service["Status"] = json!(text(&op, "OnFailure")?);
    }
    // The instances of a service that (again) runs a deployed configuration get the instance role. A rollback
    // keeps the instances that were already running.
    let starts_running = succeeded && service["Status"] == "RUNNING";
    if starts_running {
        if let Some(role) = service_roles::instance_role(&service) {
            service_roles::assume(
                h,
                job,
                TASKS_PRINCIPAL,
                role,
                &service,
                now_ms,
                &mut changes,
            )
            .await?;
        }
    }
    op["EndedAt"] = now.clone();
    op["UpdatedAt"] = now.clone();
    service["UpdatedAt"] = now;
    put(&mut changes, &op_row, &op);
    put(&mut changes, &service_row, &service);
    Ok(Step::Done { changes })
}

/// Reads in the job's account and region.
struct Rows<'a> {
    h: &'a AppRunnerHandler,
    job: &'a Job,
}

impl Rows<'_> {
    fn key(&self, kind: &str, id: &str) -> ResourceKey {
        ResourceKey::new(
            self.job.account.as_str(),
            self.job.region.as_str(),
            kind,
            id,
        )
    }

    /// Every row of `kind` whose parent is `parent` (a service's custom domains: a handful).
    async fn children(&self, kind: &str, parent: &str) -> Result<Vec<Resource>, ApiError> {
        self.h
            .store
            .list(&trailrunner_store::ListQuery {
                account: self.job.account.clone(),
                region: self.job.region.clone(),
                kind: kind.into(),
                parent: Some(parent.to_owned()),
                after_seq: None,
                limit: usize::MAX / 2,
                newest_first: false,
            })
            .await
            .map_err(|e| ApiError::internal_from("listing a service's rows", &e))
    }

    async fn get(&self, kind: &str, id: &str) -> Result<Option<Resource>, ApiError> {
        self.h
            .store
            .get(&self.key(kind, id))
            .await
            .map_err(|e| ApiError::internal_from("reading a row for a service operation", &e))
    }
}

/// Whether the service's source can be fetched now. A private ECR image is fetched with the access role, which
/// App Runner's build service assumes here: the assumption (and its record) go into `changes`.
async fn source_reachable(
    rows: &Rows<'_>,
    service: &Value,
    now_ms: i64,
    changes: &mut ChangeSet,
) -> Result<bool, ApiError> {
    if let Some(role) = service_roles::access_role(service) {
        return service_roles::assume(
            rows.h,
            rows.job,
            BUILD_PRINCIPAL,
            role,
            service,
            now_ms,
            changes,
        )
        .await;
    }
    let source = service
        .get("SourceConfiguration")
        .cloned()
        .unwrap_or_default();
    if source.get("CodeRepository").is_none() {
        return Ok(true);
    }
    let Some(connection) = source
        .pointer("/AuthenticationConfiguration/ConnectionArn")
        .and_then(Value::as_str)
    else {
        return Ok(false);
    };
    let Some(row) = rows.get(CONNECTION_KIND, connection).await? else {
        return Ok(false);
    };
    let doc = parse(&row)?;
    Ok(
        doc.get("ConnectionArn").and_then(Value::as_str) == Some(connection)
            && doc.get("Status").and_then(Value::as_str) == Some("AVAILABLE"),
    )
}

/// Free the deleted service's name and quota slot.
async fn release_name_and_slot(
    rows: &Rows<'_>,
    changes: &mut ChangeSet,
    service: &Value,
) -> Result<(), ApiError> {
    let name = text(service, "ServiceName")?;
    let arn = text(service, "ServiceArn")?;
    let Some(name_row) = rows.get(NAME_KIND, name).await? else {
        return Ok(());
    };
    let index = parse(&name_row)?;
    if index.get("ServiceArn").and_then(Value::as_str) != Some(arn) {
        return Ok(());
    }
    changes.delete(name_row.key.clone(), Expect::Version(name_row.version));
    if let Some(slot) = index.get("Slot").and_then(Value::as_u64) {
        if let Some(slot_row) = rows.get(SLOT_KIND, &slot.to_string()).await? {
            changes.delete(slot_row.key.clone(), Expect::Version(slot_row.version));
        }
    }
    Ok(())
}

fn put(changes: &mut ChangeSet, row: &Resource, doc: &Value) {
    changes.put(
        row.key.clone(),
        row.parent.clone(),
        doc.to_string(),
        Expect::Version(row.version),
    );
}

fn text<'a>(doc: &'a Value, member: &str) -> Result<&'a str, ApiError> {
    doc.get(member)
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::internal_from("a stored service operation", &member))
}
