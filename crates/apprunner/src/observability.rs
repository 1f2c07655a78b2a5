//! Observability configurations (spec §3.6): `CreateObservabilityConfiguration`,
//! `DescribeObservabilityConfiguration`, `ListObservabilityConfigurations`, `DeleteObservabilityConfiguration`.
//!
//! Rows, all in the caller's account and region:
//! - `observability-configuration`, keyed `<name>/<revision>`, parent `<name>`: the `ObservabilityConfiguration`
//!   document in wire member names (without `Latest`, which is computed when read) plus the `Tags` given on
//!   create. Deleting a revision keeps the row with `Status` `INACTIVE` and `DeletedAt`, so it can still be
//!   described; lists show only `ACTIVE` revisions.
//! - `observability-configuration-name`, keyed by the name: `{"Name", "LastRevision", "Active": [{"Revision",
//!   "Arn"}…] (ascending), "Slot"}`. Every create and delete of a name writes it (`Expect::Absent` for a new name,
//!   `Expect::Version` otherwise), so concurrent creates of one name cannot take the same revision, and the
//!   revision quota (active revisions) cannot be overshot. Revisions are never reused (`LastRevision` survives).
//! - `observability-configuration-slot`, keyed `0` … quota − 1: one per name with at least one active
//!   revision, claimed with `Expect::Absent` (race-free name quota), released with the name's last active revision.

use serde_json::{json, Map, Value};
use trailrunner_api::{ApiError, CallContext, Outcome};
use trailrunner_store::{ChangeSet, Expect, Resource};

use crate::errors::{invalid_request, quota_exceeded, resource_not_found};
use crate::handler::AppRunnerHandler;
use crate::paging::PageRequest;
use crate::store_rows::{
    claim_slot, document, epoch_seconds, filtered_page, key, read, required_str, resource_ref,
};
use crate::{arn, tags};

const CONFIG_KIND: &str = "observability-configuration";
const NAME_KIND: &str = "observability-configuration-name";
const SLOT_KIND: &str = "observability-configuration-slot";
const ARN_RESOURCE_TYPE: &str = "observabilityconfiguration";
const RESOURCE_TYPE: &str = "AWS::AppRunner::ObservabilityConfiguration";
/// Reserved for App Runner's own configuration (spec §3.6).
const RESERVED_NAME: &str = "DefaultConfiguration";

/// Active revisions per name (spec §4.3).
pub(crate) const REVISION_QUOTA: usize = 10;

/// The members of an `ObservabilityConfiguration`, in output order.
const MEMBERS: [&str; 8] = [
    "ObservabilityConfigurationArn",
    "ObservabilityConfigurationName",
    "TraceConfiguration",
    "ObservabilityConfigurationRevision",
    "Latest",
    "Status",
    "CreatedAt",
    "DeletedAt",
];

/// CreateObservabilityConfiguration: a new name gets revision 1 (and a name quota slot), an existing name its
/// next revision.
pub(crate) async fn create_observability_configuration(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let name = required_str(input, "ObservabilityConfigurationName")?;
    if name == RESERVED_NAME {
        return Err(invalid_request(format!(
            "The name {RESERVED_NAME} is reserved by App Runner and cannot be used for an observability \
             configuration."
        )));
    }
    let trace = trace_configuration(input.get("TraceConfiguration"))?;
    let tags = tags::from_input(input.get("Tags"))?;

    let name_key = key(ctx, NAME_KIND, name);
    let name_row = read(h, &name_key).await?;
    let mut index = match &name_row {
        Some(row) => document(row)?,
        None => json!({ "Name": name, "LastRevision": 0, "Active": [], "Slot": null }),
    };
    let active = active_revisions(&index)?;
    if active.len() >= REVISION_QUOTA {
        return Err(quota_exceeded(format!(
            "The observability configuration {name} already has the maximum of {REVISION_QUOTA} active \
             revisions. Delete a revision before creating another."
        )));
    }
    let mut changes = ChangeSet::new();
    if index.get("Slot").and_then(Value::as_u64).is_none() {
        let slot = claim_slot(
            h,
            ctx,
            SLOT_KIND,
            h.config.quotas.observability_configuration_names,
            &format!(
                "You have reached the quota of {} observability configuration names in this account \
                 and region. Delete every revision of a configuration before creating a new name.",
                h.config.quotas.observability_configuration_names
            ),
        )
        .await?;
        changes.put(
            key(ctx, SLOT_KIND, &slot.to_string()),
            None,
            json!({ "ObservabilityConfigurationName": name }).to_string(),
            Expect::Absent,
        );
        index["Slot"] = json!(slot);
    }
    let revision = index
        .get("LastRevision")
        .and_then(Value::as_u64)
        .unwrap_or(0)
        + 1;

    let id = h.entropy.uuid().replace('-', "");
    let revision_text = revision.to_string();
    let arn = arn::build(
        &ctx.region,
        &ctx.caller.account_id,
        ARN_RESOURCE_TYPE,
        &[name, &revision_text, &id],
    );
    let mut config = Map::new();
    config.insert("ObservabilityConfigurationArn".into(), json!(arn));
    config.insert("ObservabilityConfigurationName".into(), json!(name));
    if let Some(trace) = trace {
        config.insert("TraceConfiguration".into(), trace);
    }
    config.insert("ObservabilityConfigurationRevision".into(), json!(revision));
    config.insert("Status".into(), json!("ACTIVE"));
    config.insert(
        "CreatedAt".into(),
        json!(epoch_seconds(ctx.now.as_millisecond())),
    );
    let mut stored = Value::Object(config);
    let output = with_latest(&stored, true);
    stored["Tags"] = Value::Array(tags);

    index["LastRevision"] = json!(revision);
    let mut revisions = active;
    revisions.push((revision, arn.clone()));
    index["Active"] = active_json(&revisions);

    changes.put(
        key(ctx, CONFIG_KIND, &config_id(name, revision)),
        Some(name.to_owned()),
        stored.to_string(),
        Expect::Absent,
    );
    changes.put(
        name_key,
        None,
        index.to_string(),
        name_row.map_or(Expect::Absent, |row| Expect::Version(row.version)),
    );
    Ok(Outcome {
        output: json!({ "ObservabilityConfiguration": output }),
        changes,
        resources: vec![resource_ref(ctx, RESOURCE_TYPE, &arn)],
    })
}

/// DescribeObservabilityConfiguration: full ARN, `…/name/revision` or `…/name` (the latest active revision).
/// Deleted (`INACTIVE`) revisions can still be described by revision.
pub(crate) async fn describe_observability_configuration(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let given = required_str(input, "ObservabilityConfigurationArn")?;
    let found = resolve(h, ctx, given).await?;
    let output = with_latest(&found.doc, found.is_latest());
    Ok(Outcome {
        output: json!({ "ObservabilityConfiguration": output }),
        changes: ChangeSet::new(),
        resources: vec![resource_ref(ctx, RESOURCE_TYPE, &found.arn)],
    })
}

/// DeleteObservabilityConfiguration: the named revision (or, for `…/name`, the latest active one) becomes
/// `INACTIVE`; the next-highest active revision becomes the latest. The name's quota slot is released with its
/// last active revision.
pub(crate) async fn delete_observability_configuration(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let given = required_str(input, "ObservabilityConfigurationArn")?;
    let found = resolve(h, ctx, given).await?;
    if found.doc.get("Status").and_then(Value::as_str) != Some("ACTIVE") {
        return Err(resource_not_found(format!(
            "Observability configuration {} has already been deleted.",
            found.arn
        )));
    }
    crate::service_rows::refuse_if_used(
        h,
        ctx,
        "/ObservabilityConfiguration/ObservabilityConfigurationArn",
        &found.arn,
        "Observability configuration",
    )
    .await?;
    let mut index = found.index.clone();
    let remaining: Vec<(u64, String)> = found
        .active
        .iter()
        .filter(|(revision, _)| *revision != found.revision)
        .cloned()
        .collect();
    index["Active"] = active_json(&remaining);

    let mut changes = ChangeSet::new();
    if remaining.is_empty() {
        if let Some(slot) = index.get("Slot").and_then(Value::as_u64) {
            let slot_key = key(ctx, SLOT_KIND, &slot.to_string());
            let slot_row = read(h, &slot_key).await?.ok_or_else(|| {
                ApiError::internal_from("observability configuration slot missing", &found.arn)
            })?;
            changes.delete(slot_key, Expect::Version(slot_row.version));
        }
        index["Slot"] = Value::Null;
    }
    let mut stored = found.doc.clone();
    stored["Status"] = json!("INACTIVE");
    stored["DeletedAt"] = json!(epoch_seconds(ctx.now.as_millisecond()));
    let output = with_latest(&stored, false);
    changes
        .put(
            found.row.key.clone(),
            Some(found.name.clone()),
            stored.to_string(),
            Expect::Version(found.row.version),
        )
        .put(
            found.index_row.key.clone(),
            None,
            index.to_string(),
            Expect::Version(found.index_row.version),
        );
    Ok(Outcome {
        output: json!({ "ObservabilityConfiguration": output }),
        changes,
        resources: vec![resource_ref(ctx, RESOURCE_TYPE, &found.arn)],
    })
}

/// ListObservabilityConfigurations: active revisions only, in insertion order. `LatestOnly` (default true) lists
/// one summary per name, its latest active revision (in the order the names were first created);
/// `ObservabilityConfigurationName` filters to one name.
pub(crate) async fn list_observability_configurations(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let name = input
        .get("ObservabilityConfigurationName")
        .and_then(Value::as_str);
    let latest_only = input
        .get("LatestOnly")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    // Names are at least four characters, so the empty filter cannot be confused with a name.
    let scope = format!(
        "ListObservabilityConfigurations|{}|{}|{}|{latest_only}",
        ctx.caller.account_id,
        ctx.region,
        name.unwrap_or("")
    );
    let page = PageRequest::from_input(&h.tokens, input, scope)?;

    let mut rows: Vec<Resource> = if latest_only {
        match name {
            Some(name) => {
                let row = read(h, &key(ctx, NAME_KIND, name)).await?;
                let mut rows = Vec::new();
                if let Some(row) = row {
                    if page.after.is_none_or(|a| row.seq > a)
                        && !active_revisions(&document(&row)?)?.is_empty()
                    {
                        rows.push(row);
                    }
                }
                rows
            }
            None => {
                filtered_page(h, ctx, NAME_KIND, None, &page, |row| {
                    Ok(!active_revisions(&document(row)?)?.is_empty())
                })
                .await?
            }
        }
    } else {
        filtered_page(h, ctx, CONFIG_KIND, name, &page, |row| {
            Ok(document(row)?.get("Status").and_then(Value::as_str) == Some("ACTIVE"))
        })
        .await?
    };
    let next = page.finish(&h.tokens, &mut rows);

    let mut summaries = Vec::with_capacity(rows.len());
    for row in &rows {
        let doc = document(row)?;
        if latest_only {
            let config_name = doc.get("Name").cloned().unwrap_or(Value::Null);
            let Some((revision, arn)) = active_revisions(&doc)?.pop() else {
                continue;
            };
            summaries.push(json!({
                "ObservabilityConfigurationArn": arn,
                "ObservabilityConfigurationName": config_name,
                "ObservabilityConfigurationRevision": revision,
            }));
        } else {
            let mut summary = Map::new();
            for member in [
                "ObservabilityConfigurationArn",
                "ObservabilityConfigurationName",
                "ObservabilityConfigurationRevision",
            ] {
                if let Some(v) = doc.get(member) {
                    summary.insert(member.into(), v.clone());
                }
            }
            summaries.push(Value::Object(summary));
        }
    }
    let mut out = json!({ "ObservabilityConfigurationSummaryList": summaries });
    if let Some(token) = next {
        out["NextToken"] = Value::String(token);
    }
    Ok(Outcome::read(out))
}

/// A configuration revision found from an input ARN, with its name's index row.
struct Found {
    arn: String,
    name: String,
    revision: u64,
    row: Resource,
    doc: Value,
    index_row: Resource,
    index: Value,
    /// The name's active revisions, ascending.
    active: Vec<(u64, String)>,
}

impl Found {
    fn is_latest(&self) -> bool {
        self.doc.get("Status").and_then(Value::as_str) == Some("ACTIVE")
            && self.active.last().map(|(r, _)| *r) == Some(self.revision)
    }
}

/// The revision an input ARN names (see [`parse_target`]).
async fn resolve(h: &AppRunnerHandler, ctx: &CallContext, given: &str) -> Result<Found, ApiError> {
    let target = match parse_target(given, &ctx.region, &ctx.caller.account_id) {
        Ok(target) => target,
        Err(ArnProblem::Malformed) => {
            return Err(invalid_request(format!(
                "{given} is not a valid observability configuration ARN. Expected \
                 arn:aws:apprunner:<region>:<account>:observabilityconfiguration/<name>[/<revision>[/<id>]]."
            )))
        }
        Err(ArnProblem::Elsewhere) => {
            return Err(resource_not_found(format!(
                "Observability configuration {given} not found: it is not in this account and region."
            )))
        }
    };
    let not_found =
        || resource_not_found(format!("Observability configuration {given} not found."));
    let Some(index_row) = read(h, &key(ctx, NAME_KIND, target.name)).await? else {
        return Err(not_found());
    };
    let index = document(&index_row)?;
    let active = active_revisions(&index)?;
    let revision = match target.revision {
        Some(revision) => revision,
        None => match active.last() {
            Some((revision, _)) => *revision,
            None => return Err(not_found()),
        },
    };
    let Some(row) = read(h, &key(ctx, CONFIG_KIND, &config_id(target.name, revision))).await?
    else {
        return Err(not_found());
    };
    let doc = document(&row)?;
    let arn = doc
        .get("ObservabilityConfigurationArn")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::internal_from("observability configuration without ARN", &given))?
        .to_owned();
    if target.id.is_some() && arn != given {
        return Err(not_found());
    }
    Ok(Found {
        arn,
        name: target.name.to_owned(),
        revision,
        row,
        doc,
        index_row,
        index,
        active,
    })
}

#[derive(Debug, PartialEq, Eq)]
struct Target<'a> {
    name: &'a str,
    revision: Option<u64>,
    id: Option<&'a str>,
}

#[derive(Debug, PartialEq, Eq)]
enum ArnProblem {
    /// Not an observability configuration ARN at all (`InvalidRequestException`).
    Malformed,
    /// Well-formed, but for another account or region (`ResourceNotFoundException`).
    Elsewhere,
}

/// `arn:aws:apprunner:<region>:<account>:observabilityconfiguration/<name>[/<revision>[/<32 hex id>]]`.
fn parse_target<'a>(given: &'a str, region: &str, account: &str) -> Result<Target<'a>, ArnProblem> {
    let parsed = arn::parse(given).ok_or(ArnProblem::Malformed)?;
    if parsed.resource_type != ARN_RESOURCE_TYPE {
        return Err(ArnProblem::Malformed);
    }
    let (name, revision, id) = match parsed.parts.as_slice() {
        [name] => (*name, None, None),
        [name, revision] => (*name, Some(*revision), None),
        [name, revision, id] => (*name, Some(*revision), Some(*id)),
        _ => return Err(ArnProblem::Malformed),
    };
    if !is_config_name(name) || id.is_some_and(|id| !arn::is_resource_id(id)) {
        return Err(ArnProblem::Malformed);
    }
    let revision = match revision {
        None => None,
        Some(text) => Some(arn::parse_revision(text).ok_or(ArnProblem::Malformed)?),
    };
    if parsed.region != region || parsed.account != account {
        return Err(ArnProblem::Elsewhere);
    }
    Ok(Target { name, revision, id })
}

/// Where the tags of the configuration revision `given` are stored: the revision's row. Tags belong to a
/// revision, so only a full revision ARN is accepted; anything else → `InvalidRequestException`, another account
/// or region → `ResourceNotFoundException`. The caller checks that the row's ARN is exactly `given`.
pub(crate) fn tag_target(
    given: &str,
    region: &str,
    account: &str,
) -> Result<crate::tagging::TagTarget, ApiError> {
    let malformed = || {
        invalid_request(format!(
            "{given} is not a full observability configuration ARN. Expected \
             arn:aws:apprunner:<region>:<account>:observabilityconfiguration/<name>/<revision>/<id>."
        ))
    };
    match parse_target(given, region, account) {
        Ok(Target {
            name,
            revision: Some(revision),
            id: Some(_),
        }) => Ok(crate::tagging::TagTarget {
            kind: CONFIG_KIND,
            id: config_id(name, revision),
            arn_member: "ObservabilityConfigurationArn",
            resource_type: RESOURCE_TYPE,
        }),
        Ok(_) | Err(ArnProblem::Malformed) => Err(malformed()),
        Err(ArnProblem::Elsewhere) => Err(resource_not_found(format!(
            "Observability configuration {given} not found: it is not in this account and region."
        ))),
    }
}

/// The model's `ObservabilityConfigurationName`: `[A-Za-z0-9][A-Za-z0-9\-_]{3,31}`.
fn is_config_name(name: &str) -> bool {
    arn::is_resource_name(name, 32)
}

/// The stored `TraceConfiguration`: `{"Vendor": "AWSXRAY"}` (the model checked the enum; a hand-made request
/// could still send something else).
fn trace_configuration(given: Option<&Value>) -> Result<Option<Value>, ApiError> {
    let Some(given) = given else {
        return Ok(None);
    };
    match given.get("Vendor").and_then(Value::as_str) {
        Some("AWSXRAY") => Ok(Some(json!({ "Vendor": "AWSXRAY" }))),
        Some(other) => Err(invalid_request(format!(
            "TraceConfiguration.Vendor {other} is not supported; the only vendor is AWSXRAY."
        ))),
        None => Err(invalid_request("TraceConfiguration.Vendor is required.")),
    }
}

fn config_id(name: &str, revision: u64) -> String {
    format!("{name}/{revision}")
}

/// The `Active` list of a name index row, ascending by revision.
fn active_revisions(index: &Value) -> Result<Vec<(u64, String)>, ApiError> {
    let broken = || ApiError::internal_from("observability configuration index malformed", &index);
    let mut out = Vec::new();
    for entry in index
        .get("Active")
        .and_then(Value::as_array)
        .ok_or_else(broken)?
    {
        let revision = entry
            .get("Revision")
            .and_then(Value::as_u64)
            .ok_or_else(broken)?;
        let arn = entry
            .get("Arn")
            .and_then(Value::as_str)
            .ok_or_else(broken)?;
        out.push((revision, arn.to_owned()));
    }
    out.sort_by_key(|(revision, _)| *revision);
    Ok(out)
}

fn active_json(revisions: &[(u64, String)]) -> Value {
    Value::Array(
        revisions
            .iter()
            .map(|(revision, arn)| json!({ "Revision": revision, "Arn": arn }))
            .collect(),
    )
}

/// The `ObservabilityConfiguration` members of a stored document, with `Latest` set (drops `Tags`).
fn with_latest(doc: &Value, latest: bool) -> Value {
    let mut out = Map::new();
    for member in MEMBERS {
        if member == "Latest" {
            out.insert(member.into(), Value::Bool(latest));
        } else if let Some(v) = doc.get(member) {
            out.insert(member.into(), v.clone());
        }
    }
    Value::Object(out)
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
    fn accepts_full_and_partial_arns() {
        let full = build("us-east-1", ACCOUNT, &["tracing", "3", ID]);
        assert_eq!(
            full,
            format!(
                "arn:aws:apprunner:us-east-1:{ACCOUNT}:observabilityconfiguration/tracing/3/{ID}"
            )
        );
        assert_eq!(
            parse_target(&full, "us-east-1", ACCOUNT),
            Ok(Target {
                name: "tracing",
                revision: Some(3),
                id: Some(ID)
            })
        );
        let by_revision = build("us-east-1", ACCOUNT, &["tracing", "12"]);
        assert_eq!(
            parse_target(&by_revision, "us-east-1", ACCOUNT),
            Ok(Target {
                name: "tracing",
                revision: Some(12),
                id: None
            })
        );
        let by_name = build("us-east-1", ACCOUNT, &["tracing"]);
        assert_eq!(
            parse_target(&by_name, "us-east-1", ACCOUNT),
            Ok(Target {
                name: "tracing",
                revision: None,
                id: None
            })
        );
    }

    #[test]
    fn other_places_are_not_found_and_bad_shapes_are_invalid() {
        for elsewhere in [
            build("us-west-2", ACCOUNT, &["tracing", "1", ID]),
            build("us-east-1", "210987654321", &["tracing"]),
        ] {
            assert_eq!(
                parse_target(&elsewhere, "us-east-1", ACCOUNT),
                Err(ArnProblem::Elsewhere),
                "{elsewhere}"
            );
        }
        for bad in [
            arn::build(
                "us-east-1",
                ACCOUNT,
                "autoscalingconfiguration",
                &["tracing"],
            ),
            build("us-east-1", ACCOUNT, &[]),
            build("us-east-1", ACCOUNT, &["tracing", "1", ID, "x"]),
            build("us-east-1", ACCOUNT, &["tracing", "0"]),
            build("us-east-1", ACCOUNT, &["tracing", "01"]),
            build("us-east-1", ACCOUNT, &["tracing", "-1"]),
            build("us-east-1", ACCOUNT, &["tracing", "latest"]),
            build(
                "us-east-1",
                ACCOUNT,
                &["tracing", "99999999999999999999999"],
            ),
            build("us-east-1", ACCOUNT, &["tracing", "1", &ID.to_uppercase()]),
            build("us-east-1", ACCOUNT, &["abc"]),
            build("us-east-1", ACCOUNT, &["_abc"]),
            "arn:aws-cn:apprunner:us-east-1:123456789012:observabilityconfiguration/tracing"
                .to_owned(),
            "not an arn".to_owned(),
        ] {
            assert_eq!(
                parse_target(&bad, "us-east-1", ACCOUNT),
                Err(ArnProblem::Malformed),
                "{bad}"
            );
        }
    }

    #[test]
    fn names_follow_the_model() {
        for good in ["abcd", "A1-_", &"z".repeat(32)] {
            assert!(is_config_name(good), "{good}");
        }
        for bad in ["abc", "-abc", "ab.c", &"z".repeat(33)] {
            assert!(!is_config_name(bad), "{bad}");
        }
    }

    #[test]
    fn trace_configuration_is_xray_only() {
        assert_eq!(trace_configuration(None), Ok(None));
        assert_eq!(
            trace_configuration(Some(&json!({"Vendor": "AWSXRAY"}))),
            Ok(Some(json!({"Vendor": "AWSXRAY"})))
        );
        for bad in [
            json!({}),
            json!({"Vendor": "DATADOG"}),
            json!({"Vendor": 1}),
        ] {
            let err = trace_configuration(Some(&bad)).expect_err("accepted");
            assert_eq!(err.code, "InvalidRequestException");
        }
    }

    #[test]
    fn active_revisions_sort_and_round_trip() {
        let index = json!({"Active": [{"Revision": 3, "Arn": "c"}, {"Revision": 1, "Arn": "a"}]});
        let active = active_revisions(&index).expect("parses");
        assert_eq!(active, vec![(1, "a".to_owned()), (3, "c".to_owned())]);
        assert_eq!(
            active_revisions(&json!({"Active": active_json(&active)})),
            Ok(active)
        );
        assert!(active_revisions(&json!({})).is_err());
    }

    #[test]
    fn outputs_set_latest_and_never_show_tags() {
        let doc = json!({
            "ObservabilityConfigurationName": "abcd",
            "Status": "ACTIVE",
            "Tags": [{"Key": "k", "Value": "v"}],
        });
        assert_eq!(
            with_latest(&doc, true),
            json!({"ObservabilityConfigurationName": "abcd", "Latest": true, "Status": "ACTIVE"})
        );
    }
}
