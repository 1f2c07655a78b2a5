//! Service operations (spec §3.4): the record of each asynchronous change of a service, and `ListOperations`.
//!
//! Rows: `service-operation`, keyed by the operation id (a version-4 UUID, as the model's `UUID` pattern wants),
//! parent = the service ARN, in the service's account and region. The document is the `OperationSummary` plus
//! what the lifecycle worker needs to finish it: the service status on success (`OnSuccess`) and on failure
//! (`OnFailure`), and for deployments of a service that was serving, the service document to roll back to
//! (`Rollback`). Rows are kept after the service is deleted.

use serde_json::{json, Value};
use trailrunner_api::{ApiError, CallContext, Outcome};
use trailrunner_store::{ChangeSet, Expect};

use crate::handler::AppRunnerHandler;
use crate::lifecycle::{self, Family, Job};
use crate::paging::PageRequest;
use crate::service_rows::{self, RESOURCE_TYPE};
use crate::store_rows::{document, epoch_seconds, key, required_str, resource_ref};

pub(crate) const OPERATION_KIND: &str = "service-operation";

/// The members of an `OperationSummary`.
const MEMBERS: [&str; 7] = [
    "Id",
    "Type",
    "Status",
    "TargetArn",
    "StartedAt",
    "EndedAt",
    "UpdatedAt",
];

/// How an operation ends.
pub(crate) struct Plan<'a> {
    /// `OperationType`: `CREATE_SERVICE`, `UPDATE_SERVICE`, …
    pub(crate) kind: &'a str,
    /// The service status when it succeeds.
    pub(crate) on_success: &'a str,
    /// The service status when it fails.
    pub(crate) on_failure: &'a str,
    /// The service document to restore when it fails (deployments of a serving service roll back).
    pub(crate) rollback: Option<Value>,
}

/// Start an operation on `service_arn`: its row (`PENDING`) and its lifecycle job go into `changes`, so both
/// exist exactly when the call's own changes do. Returns the operation id.
pub(crate) fn begin(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    changes: &mut ChangeSet,
    service_arn: &str,
    plan: Plan<'_>,
) -> String {
    let id = h.entropy.uuid();
    let now = ctx.now.as_millisecond();
    let mut doc = json!({
        "Id": id,
        "Type": plan.kind,
        "Status": "PENDING",
        "TargetArn": service_arn,
        "StartedAt": epoch_seconds(now),
        "UpdatedAt": epoch_seconds(now),
        "OnSuccess": plan.on_success,
        "OnFailure": plan.on_failure,
    });
    if let Some(rollback) = plan.rollback {
        doc["Rollback"] = rollback;
    }
    changes.put(
        key(ctx, OPERATION_KIND, &id),
        Some(service_arn.to_owned()),
        doc.to_string(),
        Expect::Absent,
    );
    let job = Job {
        account: ctx.caller.account_id.clone(),
        region: ctx.region.clone(),
        family: Family::ServiceOperation,
        target: id.clone(),
        step: 0,
        due_ms: now,
    };
    lifecycle::schedule(changes, &h.entropy.uuid(), &job);
    id
}

/// ListOperations: the service's operations, newest first; works for deleted services too.
pub(crate) async fn list_operations(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let given = required_str(input, "ServiceArn")?;
    service_rows::load(h, ctx, given).await?;
    let scope = format!(
        "ListOperations|{}|{}|{given}",
        ctx.caller.account_id, ctx.region
    );
    let page = PageRequest::from_input(&h.tokens, input, scope)?;
    let query = trailrunner_store::ListQuery {
        account: ctx.caller.account_id.clone(),
        region: ctx.region.clone(),
        kind: OPERATION_KIND.into(),
        parent: Some(given.to_owned()),
        after_seq: page.after,
        limit: page.fetch(),
        newest_first: true,
    };
    let mut rows = h
        .store
        .list(&query)
        .await
        .map_err(|e| ApiError::internal_from("listing service operations", &e))?;
    let next = page.finish(&h.tokens, &mut rows);
    let mut summaries = Vec::with_capacity(rows.len());
    for row in &rows {
        summaries.push(crate::store_rows::members_of(&document(row)?, &MEMBERS));
    }
    let mut out = json!({ "OperationSummaryList": summaries });
    if let Some(token) = next {
        out["NextToken"] = Value::String(token);
    }
    Ok(Outcome {
        output: out,
        changes: ChangeSet::new(),
        resources: vec![resource_ref(ctx, RESOURCE_TYPE, given)],
    })
}
