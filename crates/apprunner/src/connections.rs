//! Connections (spec §3.7): `CreateConnection`, `ListConnections`, `DeleteConnection`.
//!
//! Rows, all in the caller's account and region:
//! - `connection`, keyed by the connection ARN: the `Connection` document in wire member names, plus the `Tags`
//!   given on create (kept for the tagging operations; never part of a `Connection` output).
//! - `connection-name`, keyed by the name: `{"ConnectionArn", "Slot"}`. Created with `Expect::Absent`, so of two
//!   concurrent creates of one name only one commits; the other re-runs and finds the name taken.
//! - `connection-slot`, keyed `0` … quota − 1 (`--quota connections`): one per connection, claimed with `Expect::Absent`.
//!   The quota is the number of slots, so concurrent creates cannot overshoot it; a create picks a random free
//!   slot, so concurrent creates rarely collide on one.
//!
//! A connection and its two index rows are created together and deleted together (`Expect::Version`).

use serde_json::{json, Value};
use trailrunner_api::{ApiError, CallContext, Outcome};
use trailrunner_store::{ChangeSet, Expect, ListQuery, Resource};

use crate::errors::{invalid_request, resource_not_found};
use crate::handler::AppRunnerHandler;
use crate::paging::PageRequest;
use crate::store_rows::{
    claim_slot, document, epoch_seconds, key, put_named, read, required_str, resource_ref,
    NamedKinds,
};
use crate::{arn, tags};

pub(crate) const CONNECTION_KIND: &str = "connection";
const NAME_KIND: &str = "connection-name";
const SLOT_KIND: &str = "connection-slot";
const ROWS: NamedKinds = NamedKinds {
    resource: CONNECTION_KIND,
    name: NAME_KIND,
    slot: SLOT_KIND,
    arn_member: "ConnectionArn",
};
const ARN_RESOURCE_TYPE: &str = "connection";
const RESOURCE_TYPE: &str = "AWS::AppRunner::Connection";

/// The members of a `Connection` (and, identically, of a `ConnectionSummary`).
const MEMBERS: [&str; 5] = [
    "ConnectionName",
    "ConnectionArn",
    "ProviderType",
    "Status",
    "CreatedAt",
];

/// CreateConnection: `ConnectionName` and `ProviderType` were checked by the model; the name must be free and a
/// quota slot available.
pub(crate) async fn create_connection(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let name = required_str(input, "ConnectionName")?;
    let provider = required_str(input, "ProviderType")?;
    let tags = tags::from_input(input.get("Tags"))?;

    let name_key = key(ctx, NAME_KIND, name);
    if read(h, &name_key).await?.is_some() {
        return Err(invalid_request(format!(
            "A connection named {name} already exists in this account and region."
        )));
    }
    let slot = claim_slot(
        h,
        ctx,
        SLOT_KIND,
        h.config.quotas.connections,
        &quota_message(h.config.quotas.connections),
    )
    .await?;

    let id = h.entropy.uuid().replace('-', "");
    let arn = arn::build(
        &ctx.region,
        &ctx.caller.account_id,
        ARN_RESOURCE_TYPE,
        &[name, &id],
    );
    let connection = json!({
        "ConnectionName": name,
        "ConnectionArn": arn,
        "ProviderType": provider,
        "Status": "PENDING_HANDSHAKE",
        "CreatedAt": epoch_seconds(ctx.now.as_millisecond()),
    });
    let mut stored = connection.clone();
    stored["Tags"] = Value::Array(tags);

    let mut changes = ChangeSet::new();
    put_named(&mut changes, ctx, &ROWS, name, &arn, slot, &stored);
    Ok(Outcome {
        output: json!({ "Connection": connection }),
        changes,
        resources: vec![resource_ref(ctx, RESOURCE_TYPE, &arn)],
    })
}

/// CompleteConnectionHandshake (trailrunner's own operation): what the user's OAuth handshake with the provider
/// does in the App Runner console. A `PENDING_HANDSHAKE` (or `ERROR`) connection becomes `AVAILABLE`.
pub(crate) async fn complete_handshake(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let arn = required_str(input, "ConnectionArn")?;
    let target = tag_target(arn, &ctx.region, &ctx.caller.account_id)?;
    let Some(row) = read(h, &key(ctx, target.kind, &target.id)).await? else {
        return Err(resource_not_found(format!("Connection {arn} not found.")));
    };
    let mut doc = document(&row)?;
    let status = doc
        .get("Status")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !matches!(status, "PENDING_HANDSHAKE" | "ERROR") {
        return Err(invalid_request(format!(
            "Connection {arn} is {status}; only a connection pending its handshake can complete it."
        )));
    }
    doc["Status"] = json!("AVAILABLE");
    let mut changes = ChangeSet::new();
    changes.put(
        row.key.clone(),
        row.parent.clone(),
        doc.to_string(),
        Expect::Version(row.version),
    );
    Ok(Outcome {
        output: json!({ "Connection": crate::store_rows::members_of(&doc, &MEMBERS) }),
        changes,
        resources: vec![resource_ref(ctx, RESOURCE_TYPE, arn)],
    })
}

/// ListConnections: insertion order (oldest first, stable under concurrent creates); `ConnectionName` filters
/// to that one connection; without `MaxResults`, everything in one response.
pub(crate) async fn list_connections(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let name = input.get("ConnectionName").and_then(Value::as_str);
    // Names are at least four characters, so the empty filter cannot be confused with a name.
    let scope = format!(
        "ListConnections|{}|{}|{}",
        ctx.caller.account_id,
        ctx.region,
        name.unwrap_or("")
    );
    let page = PageRequest::from_input(&h.tokens, input, scope)?;

    let mut rows = match name {
        Some(name) => find_by_name(h, ctx, name)
            .await?
            .into_iter()
            .filter(|row| page.after.is_none_or(|a| row.seq > a))
            .collect(),
        None => {
            let query = ListQuery {
                account: ctx.caller.account_id.clone(),
                region: ctx.region.clone(),
                kind: CONNECTION_KIND.into(),
                parent: None,
                after_seq: page.after,
                limit: page.fetch(),
                newest_first: false,
            };
            h.store
                .list(&query)
                .await
                .map_err(|e| ApiError::internal_from("listing connections", &e))?
        }
    };
    let next = page.finish(&h.tokens, &mut rows);

    let mut summaries = Vec::with_capacity(rows.len());
    for row in &rows {
        summaries.push(public_members(&document(row)?));
    }
    let mut out = json!({ "ConnectionSummaryList": summaries });
    if let Some(token) = next {
        out["NextToken"] = Value::String(token);
    }
    Ok(Outcome::read(out))
}

/// DeleteConnection: the connection and both of its index rows go in one change set, each guarded by the
/// version that was read. The response shows the connection with `Status` `DELETED`.
pub(crate) async fn delete_connection(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let arn = required_str(input, "ConnectionArn")?;
    if !is_connection_arn_in(arn, &ctx.region, &ctx.caller.account_id) {
        return Err(resource_not_found(
            "Connection not found: the ARN does not name a connection in this account and region.",
        ));
    }
    let connection_key = key(ctx, CONNECTION_KIND, arn);
    let Some(row) = read(h, &connection_key).await? else {
        return Err(resource_not_found(format!("Connection {arn} not found.")));
    };
    let doc = document(&row)?;
    crate::service_rows::refuse_if_used(
        h,
        ctx,
        "/SourceConfiguration/AuthenticationConfiguration/ConnectionArn",
        arn,
        "Connection",
    )
    .await?;

    let inconsistent = || ApiError::internal_from("connection index rows missing", &arn);
    let name = doc
        .get("ConnectionName")
        .and_then(Value::as_str)
        .ok_or_else(inconsistent)?;
    let name_key = key(ctx, NAME_KIND, name);
    let name_row = read(h, &name_key).await?.ok_or_else(inconsistent)?;
    let index = document(&name_row)?;
    if index.get("ConnectionArn").and_then(Value::as_str) != Some(arn) {
        return Err(inconsistent());
    }
    let slot = index
        .get("Slot")
        .and_then(Value::as_u64)
        .ok_or_else(inconsistent)?;
    let slot_key = key(ctx, SLOT_KIND, &slot.to_string());
    let slot_row = read(h, &slot_key).await?.ok_or_else(inconsistent)?;

    let mut changes = ChangeSet::new();
    changes
        .delete(connection_key, Expect::Version(row.version))
        .delete(name_key, Expect::Version(name_row.version))
        .delete(slot_key, Expect::Version(slot_row.version));
    let mut connection = public_members(&doc);
    connection["Status"] = Value::String("DELETED".into());
    Ok(Outcome {
        output: json!({ "Connection": connection }),
        changes,
        resources: vec![resource_ref(ctx, RESOURCE_TYPE, arn)],
    })
}

fn quota_message(quota: usize) -> String {
    format!(
        "You have reached the quota of {quota} connections in this account and region. \
         Delete a connection before creating another."
    )
}

/// The connection named `name`, through its name index row.
async fn find_by_name(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    name: &str,
) -> Result<Option<Resource>, ApiError> {
    let Some(index) = read(h, &key(ctx, NAME_KIND, name)).await? else {
        return Ok(None);
    };
    let Some(arn) = document(&index)?
        .get("ConnectionArn")
        .and_then(Value::as_str)
        .map(str::to_owned)
    else {
        return Ok(None);
    };
    read(h, &key(ctx, CONNECTION_KIND, &arn)).await
}

/// Whether `arn` has the shape of a connection ARN trailrunner issues in `region` for `account`:
/// `arn:aws:apprunner:<region>:<account>:connection/<name>/<32 lowercase hex>`.
fn is_connection_arn_in(arn: &str, region: &str, account: &str) -> bool {
    let Some(parsed) = arn::parse(arn) else {
        return false;
    };
    parsed.region == region
        && parsed.account == account
        && parsed.resource_type == ARN_RESOURCE_TYPE
        && matches!(parsed.parts.as_slice(), [name, id] if is_connection_name(name) && arn::is_resource_id(id))
}

/// Where the tags of the connection `given` are stored: its row, keyed by the ARN. Not a connection ARN →
/// `InvalidRequestException`; one of another account or region → `ResourceNotFoundException`.
pub(crate) fn tag_target(
    given: &str,
    region: &str,
    account: &str,
) -> Result<crate::tagging::TagTarget, ApiError> {
    let parsed = arn::parse(given).filter(|parsed| {
        parsed.resource_type == ARN_RESOURCE_TYPE
            && matches!(parsed.parts.as_slice(),
                [name, id] if is_connection_name(name) && arn::is_resource_id(id))
    });
    match parsed {
        None => Err(invalid_request(format!(
            "{given} is not a valid connection ARN. Expected \
             arn:aws:apprunner:<region>:<account>:connection/<name>/<id>."
        ))),
        Some(parsed) if parsed.region != region || parsed.account != account => {
            Err(resource_not_found(format!(
                "Connection {given} not found in this account and region."
            )))
        }
        Some(_) => Ok(crate::tagging::TagTarget {
            kind: CONNECTION_KIND,
            id: given.to_owned(),
            arn_member: "ConnectionArn",
            resource_type: RESOURCE_TYPE,
        }),
    }
}

/// The model's `ConnectionName`: `[A-Za-z0-9][A-Za-z0-9\-_]{3,31}`.
fn is_connection_name(name: &str) -> bool {
    arn::is_resource_name(name, 32)
}

/// The `Connection` members of a stored document (drops what is kept only for other operations, like `Tags`).
fn public_members(doc: &Value) -> Value {
    crate::store_rows::members_of(doc, &MEMBERS)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCOUNT: &str = "123456789012";
    const ID: &str = "e7656250f67242d7819feade6800f59e";

    fn connection_arn(region: &str, account: &str, name: &str, id: &str) -> String {
        arn::build(region, account, ARN_RESOURCE_TYPE, &[name, id])
    }

    #[test]
    fn recognises_its_own_connection_arns() {
        let arn = connection_arn("us-east-1", ACCOUNT, "my-github_conn", ID);
        assert_eq!(
            arn,
            format!("arn:aws:apprunner:us-east-1:{ACCOUNT}:connection/my-github_conn/{ID}")
        );
        assert!(is_connection_arn_in(&arn, "us-east-1", ACCOUNT));
    }

    #[test]
    fn refuses_other_places_kinds_and_shapes() {
        let cases = [
            connection_arn("us-west-2", ACCOUNT, "abcd", ID),
            connection_arn("us-east-1", "210987654321", "abcd", ID),
            arn::build("us-east-1", ACCOUNT, "service", &["abcd", ID]),
            arn::build("us-east-1", ACCOUNT, "connection", &["abcd"]),
            arn::build("us-east-1", ACCOUNT, "connection", &["abcd", ID, "x"]),
            connection_arn("us-east-1", ACCOUNT, "abc", ID),
            connection_arn("us-east-1", ACCOUNT, "-abcd", ID),
            connection_arn("us-east-1", ACCOUNT, &"a".repeat(33), ID),
            connection_arn("us-east-1", ACCOUNT, "abcd", &ID.to_uppercase()),
            connection_arn("us-east-1", ACCOUNT, "abcd", "1234"),
            "arn:aws:apprunner:us-east-1:123456789012:connection".to_owned(),
            "not an arn".to_owned(),
        ];
        for arn in cases {
            assert!(!is_connection_arn_in(&arn, "us-east-1", ACCOUNT), "{arn}");
        }
    }

    #[test]
    fn connection_names_follow_the_model() {
        for good in ["abcd", "A1-_", "0abc", &"z".repeat(32)] {
            assert!(is_connection_name(good), "{good}");
        }
        for bad in ["", "abc", "_abc", "ab.c", "abcé", &"z".repeat(33)] {
            assert!(!is_connection_name(bad), "{bad}");
        }
    }

    #[test]
    fn timestamps_keep_milliseconds() {
        assert_eq!(epoch_seconds(1_700_000_000_123), 1_700_000_000.123);
        assert_eq!(
            json!(epoch_seconds(1_700_000_000_123)).to_string(),
            "1700000000.123"
        );
    }

    #[test]
    fn outputs_never_show_stored_tags() {
        let doc = json!({"ConnectionName": "abcd", "Status": "AVAILABLE", "Tags": [{"Key": "k", "Value": "v"}]});
        assert_eq!(
            public_members(&doc),
            json!({"ConnectionName": "abcd", "Status": "AVAILABLE"})
        );
    }
}
