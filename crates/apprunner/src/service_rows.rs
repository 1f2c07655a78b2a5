//! How services are stored, found and shown (spec §3.1, §3.3).
//!
//! Rows, all in the service's account and region:
//! - `service`, keyed by the service ARN: the `Service` document in wire member names plus the service's `Tags`.
//!   A deleted service keeps its row with `Status` `DELETED` and `DeletedAt`, so it can still be described and
//!   its operations listed; lists skip it.
//! - `service-name`, keyed by the name: `{"ServiceArn", "Slot"}` while a non-deleted service has the name
//!   (created with `Expect::Absent`, so names are unique; removed when a deletion completes).
//! - `service-slot`, keyed `0` … quota − 1 (`--quota services`): one per non-deleted service, `CREATE_FAILED`
//!   ones included, as App Runner counts them.
//! - `service-operation`, keyed by the operation id, parent = the service ARN: see [`crate::operations`].

use serde_json::Value;
use trailrunner_api::{ApiError, CallContext};
use trailrunner_store::Resource;

use crate::errors::{invalid_request, resource_not_found};
use crate::handler::AppRunnerHandler;
use crate::store_rows::{document, filtered_page, key, read};
use crate::{arn, paging::PageRequest};

pub(crate) const SERVICE_KIND: &str = "service";
pub(crate) const NAME_KIND: &str = "service-name";
pub(crate) const SLOT_KIND: &str = "service-slot";
pub(crate) const ARN_RESOURCE_TYPE: &str = "service";
pub(crate) const RESOURCE_TYPE: &str = "AWS::AppRunner::Service";

/// The members of a `Service`, in the model's order.
const MEMBERS: [&str; 15] = [
    "ServiceName",
    "ServiceId",
    "ServiceArn",
    "ServiceUrl",
    "CreatedAt",
    "UpdatedAt",
    "DeletedAt",
    "Status",
    "SourceConfiguration",
    "InstanceConfiguration",
    "EncryptionConfiguration",
    "HealthCheckConfiguration",
    "AutoScalingConfigurationSummary",
    "NetworkConfiguration",
    "ObservabilityConfiguration",
];

/// The members of a `ServiceSummary`.
pub(crate) const SUMMARY_MEMBERS: [&str; 7] = [
    "ServiceName",
    "ServiceId",
    "ServiceArn",
    "ServiceUrl",
    "CreatedAt",
    "UpdatedAt",
    "Status",
];

/// The `Service` members of a stored document (drops `Tags`).
pub(crate) fn public(doc: &Value) -> Value {
    crate::store_rows::members_of(doc, &MEMBERS)
}

pub(crate) fn status(doc: &Value) -> &str {
    doc.get("Status")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// The model's `ServiceName`: `[A-Za-z0-9][A-Za-z0-9-_]{3,39}`.
pub(crate) fn is_service_name(name: &str) -> bool {
    arn::is_resource_name(name, 40)
}

const FORM: arn::FullArn = arn::FullArn {
    resource_type: ARN_RESOURCE_TYPE,
    noun: "service",
    path: "<name>/<id>",
    parts_ok: |parts| matches!(parts, [name, id] if is_service_name(name) && arn::is_resource_id(id)),
};

/// `arn:aws:apprunner:<region>:<account>:service/<name>/<32 hex id>`: anything else is an
/// `InvalidRequestException`; one of another account or region a `ResourceNotFoundException`.
pub(crate) fn check_arn(given: &str, region: &str, account: &str) -> Result<(), ApiError> {
    arn::check_full(&FORM, given, region, account)
}

/// The service `given` names, in any state.
pub(crate) async fn load(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    given: &str,
) -> Result<(Resource, Value), ApiError> {
    let row = row_of(h, ctx, given).await?;
    let doc = document(&row)?;
    Ok((row, doc))
}

/// [`load`] for a read that only looks at the document: shared with other reads of the same version of the row.
pub(crate) async fn look(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    given: &str,
) -> Result<std::sync::Arc<Value>, ApiError> {
    let row = row_of(h, ctx, given).await?;
    h.docs.of(&row)
}

async fn row_of(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    given: &str,
) -> Result<Resource, ApiError> {
    check_arn(given, &ctx.region, &ctx.caller.account_id)?;
    read(h, &key(ctx, SERVICE_KIND, given))
        .await?
        .ok_or_else(|| resource_not_found(format!("Service {given} not found.")))
}

/// The service `given` names, unless it was deleted (`ResourceNotFoundException`, as for an unknown one: the
/// service is gone for everything but Describe and ListOperations).
pub(crate) async fn load_live(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    given: &str,
) -> Result<(Resource, Value), ApiError> {
    let (row, doc) = load(h, ctx, given).await?;
    if status(&doc) == "DELETED" {
        return Err(resource_not_found(format!(
            "Service {given} has been deleted."
        )));
    }
    Ok((row, doc))
}

/// The first non-deleted service whose document has `arn` at `pointer` (like
/// `/SourceConfiguration/AuthenticationConfiguration/ConnectionArn`), for "in use" checks before a delete.
pub(crate) async fn first_user(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    pointer: &str,
    arn: &str,
) -> Result<Option<String>, ApiError> {
    let page = PageRequest::internal(1);
    let rows = filtered_page(h, ctx, SERVICE_KIND, None, &page, |row| {
        let doc = document(row)?;
        Ok(status(&doc) != "DELETED" && doc.pointer(pointer).and_then(Value::as_str) == Some(arn))
    })
    .await?;
    match rows.first() {
        Some(row) => Ok(document(row)?
            .get("ServiceArn")
            .and_then(Value::as_str)
            .map(str::to_owned)),
        None => Ok(None),
    }
}

/// An `InvalidRequestException` for deleting a resource a service still uses, or nothing.
pub(crate) async fn refuse_if_used(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    pointer: &str,
    arn: &str,
    what: &str,
) -> Result<(), ApiError> {
    match first_user(h, ctx, pointer, arn).await? {
        Some(service) => Err(invalid_request(format!(
            "{what} {arn} is used by service {service}. Update or delete the service first."
        ))),
        None => Ok(()),
    }
}

/// Where the tags of the service `given` are stored: its row, keyed by the ARN.
pub(crate) fn tag_target(
    given: &str,
    region: &str,
    account: &str,
) -> Result<crate::tagging::TagTarget, ApiError> {
    check_arn(given, region, account)?;
    Ok(crate::tagging::TagTarget {
        kind: SERVICE_KIND,
        id: given.to_owned(),
        arn_member: "ServiceArn",
        resource_type: RESOURCE_TYPE,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCOUNT: &str = "123456789012";
    const ID: &str = "dfa2b7cc7bcb4b6fa6c1f0f4efff988a";

    #[test]
    fn service_arns() {
        let good = arn::build("us-east-2", ACCOUNT, "service", &["python-test", ID]);
        assert_eq!(
            good,
            "arn:aws:apprunner:us-east-2:123456789012:service/python-test/dfa2b7cc7bcb4b6fa6c1f0f4efff988a"
        );
        assert_eq!(check_arn(&good, "us-east-2", ACCOUNT), Ok(()));
        for bad in [
            arn::build("us-east-2", ACCOUNT, "service", &["python-test"]),
            arn::build("us-east-2", ACCOUNT, "service", &["abc", ID]),
            arn::build("us-east-2", ACCOUNT, "service", &["python-test", "xyz"]),
            arn::build("us-east-2", ACCOUNT, "connection", &["python-test", ID]),
            "service/python-test".to_owned(),
        ] {
            assert_eq!(
                check_arn(&bad, "us-east-2", ACCOUNT).unwrap_err().code,
                "InvalidRequestException",
                "{bad}"
            );
        }
        assert_eq!(
            check_arn(&good, "us-east-1", ACCOUNT).unwrap_err().code,
            "ResourceNotFoundException"
        );
    }

    #[test]
    fn outputs_never_show_stored_tags() {
        let doc = serde_json::json!({"ServiceName": "abcd", "Status": "RUNNING", "Tags": []});
        assert_eq!(
            public(&doc),
            serde_json::json!({"ServiceName": "abcd", "Status": "RUNNING"})
        );
    }
}
