//! Auto scaling configurations (spec §3.5): `CreateAutoScalingConfiguration`, `DescribeAutoScalingConfiguration`,
//! `ListAutoScalingConfigurations`, `DeleteAutoScalingConfiguration`, `UpdateDefaultAutoScalingConfiguration`,
//! `ListServicesForAutoScalingConfiguration`. Rows and ARN resolution live in [`state`] (`auto_scaling_state.rs`).
//!
//! Derived members are computed when a configuration is shown, never stored: `Latest` (the highest ACTIVE
//! revision of its name), `IsDefault` (the account's default pointer) and `HasAssociatedService` (a non-deleted
//! service's stored document references the revision's ARN).
//!
//! The name quota counts names with at least one ACTIVE revision; App Runner's own `DefaultConfiguration` name is
//! not counted (it exists before the caller creates anything). The revision quota counts ACTIVE revisions.

use std::collections::HashMap;

use serde_json::{json, Map, Value};
use trailrunner_api::{ApiError, CallContext, Outcome, ResourceRef};
use trailrunner_store::{ListQuery, Resource};

#[path = "auto_scaling_state.rs"]
mod state;

use self::state::{
    default_of, ensure_region, name_row, parse_doc, parse_target, resolve, revision_id,
    set_default, NameRow, Target, Tx, ARN_RESOURCE_TYPE, ASC_KIND, DEFAULT_MAX_CONCURRENCY,
    DEFAULT_MAX_SIZE, DEFAULT_MIN_SIZE, DEFAULT_NAME, NAME_KIND, SLOT_KIND,
};
use crate::errors::{invalid_request, quota_exceeded, resource_not_found};
use crate::handler::AppRunnerHandler;
use crate::paging::PageRequest;
use crate::service_rows::SERVICE_KIND;
use crate::store_rows::epoch_seconds;
use crate::{arn, tags};

const RESOURCE_TYPE: &str = "AWS::AppRunner::AutoScalingConfiguration";

/// ACTIVE revisions per name (spec §4.3, not adjustable).
pub(crate) const REVISION_QUOTA: usize = 5;
/// The service's cap on `MaxSize` (the model has none; spec §2.3, §4.4 rule 8).
pub(crate) const MAX_SIZE_CAP: i64 = 25;

/// Stored members shown in an `AutoScalingConfiguration`, in the model's order (derived ones are added).
const STORED_MEMBERS: [&str; 9] = [
    "AutoScalingConfigurationArn",
    "AutoScalingConfigurationName",
    "AutoScalingConfigurationRevision",
    "Status",
    "MaxConcurrency",
    "MinSize",
    "MaxSize",
    "CreatedAt",
    "DeletedAt",
];
const SUMMARY_MEMBERS: [&str; 5] = [
    "AutoScalingConfigurationArn",
    "AutoScalingConfigurationName",
    "AutoScalingConfigurationRevision",
    "Status",
    "CreatedAt",
];

/// What the derived members depend on.
struct Derived {
    latest: bool,
    is_default: bool,
    has_service: bool,
}

fn full_view(doc: &Value, d: &Derived) -> Value {
    let mut out = pick(doc, &STORED_MEMBERS);
    out.insert("Latest".into(), Value::Bool(d.latest));
    out.insert("HasAssociatedService".into(), Value::Bool(d.has_service));
    out.insert("IsDefault".into(), Value::Bool(d.is_default));
    Value::Object(out)
}

fn summary_view(doc: &Value, d: &Derived) -> Value {
    let mut out = pick(doc, &SUMMARY_MEMBERS);
    out.insert("HasAssociatedService".into(), Value::Bool(d.has_service));
    out.insert("IsDefault".into(), Value::Bool(d.is_default));
    Value::Object(out)
}

fn pick(doc: &Value, members: &[&str]) -> Map<String, Value> {
    let mut out = Map::new();
    for member in members {
        if let Some(v) = doc.get(*member) {
            out.insert((*member).into(), v.clone());
        }
    }
    out
}

fn is_active(doc: &Value) -> bool {
    doc.get("Status").and_then(Value::as_str) == Some("ACTIVE")
}

fn arn_of(doc: &Value) -> Result<String, ApiError> {
    doc.get("AutoScalingConfigurationArn")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| ApiError::internal_from("stored auto scaling configuration", &"no ARN"))
}

async fn derive(
    tx: &mut Tx<'_>,
    name: &str,
    revision: u64,
    doc: &Value,
    using: &ServiceUse,
) -> Result<Derived, ApiError> {
    let index = name_row(tx, name).await?;
    let default = default_of(tx).await?;
    let arn = arn_of(doc)?;
    Ok(Derived {
        latest: is_active(doc) && index.latest() == Some(revision),
        is_default: default
            .as_ref()
            .is_some_and(|(n, r)| n == name && *r == revision),
        has_service: using.contains_key(&arn),
    })
}

/// Non-deleted services by the auto scaling configuration ARN their stored document references.
type ServiceUse = HashMap<String, Vec<(i64, String)>>;

async fn service_use(h: &AppRunnerHandler, ctx: &CallContext) -> Result<ServiceUse, ApiError> {
    let rows = list_all(h, ctx, SERVICE_KIND, None, None).await?;
    let mut out: ServiceUse = HashMap::new();
    for row in rows {
        let doc = parse_doc(&row.doc)?;
        if doc.get("Status").and_then(Value::as_str) == Some("DELETED") {
            continue;
        }
        let asc = doc
            .pointer("/AutoScalingConfigurationSummary/AutoScalingConfigurationArn")
            .and_then(Value::as_str);
        let service = doc.get("ServiceArn").and_then(Value::as_str);
        if let (Some(asc), Some(service)) = (asc, service) {
            out.entry(asc.to_owned())
                .or_default()
                .push((row.seq, service.to_owned()));
        }
    }
    Ok(out)
}

/// Every row of a kind (optionally of one parent) after `after`, in insertion order.
async fn list_all(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    kind: &str,
    parent: Option<&str>,
    after: Option<i64>,
) -> Result<Vec<Resource>, ApiError> {
    const BATCH: usize = 500;
    let mut out = Vec::new();
    let mut after = after;
    loop {
        let query = ListQuery {
            account: ctx.caller.account_id.clone(),
            region: ctx.region.clone(),
            kind: kind.into(),
            parent: parent.map(str::to_owned),
            after_seq: after,
            limit: BATCH,
            newest_first: false,
        };
        let batch = h
            .store
            .list(&query)
            .await
            .map_err(|e| ApiError::internal_from("listing auto scaling configurations", &e))?;
        let n = batch.len();
        after = batch.last().map(|r| r.seq).or(after);
        out.extend(batch);
        if n < BATCH {
            return Ok(out);
        }
    }
}

fn resource_ref(ctx: &CallContext, arn: &str) -> ResourceRef {
    ResourceRef {
        arn: arn.to_owned(),
        account_id: ctx.caller.account_id.clone(),
        resource_type: RESOURCE_TYPE.into(),
    }
}

fn required_str<'a>(input: &'a Value, member: &str) -> Result<&'a str, ApiError> {
    input
        .get(member)
        .and_then(Value::as_str)
        .ok_or_else(|| invalid_request(format!("{member} is required.")))
}

/// An optional integer member, `default` when absent.
fn int_member(input: &Value, member: &str, default: i64) -> Result<i64, ApiError> {
    match input.get(member) {
        None | Some(Value::Null) => Ok(default),
        Some(v) => v
            .as_i64()
            .ok_or_else(|| invalid_request(format!("{member} must be an integer."))),
    }
}

/// The sizes of a new configuration (spec §4.1 defaults, §4.4 rule 8).
pub(crate) fn sizes(input: &Value) -> Result<(i64, i64, i64), ApiError> {
    let concurrency = int_member(input, "MaxConcurrency", DEFAULT_MAX_CONCURRENCY)?;
    let min = int_member(input, "MinSize", DEFAULT_MIN_SIZE)?;
    let max = int_member(input, "MaxSize", DEFAULT_MAX_SIZE)?;
    if max > MAX_SIZE_CAP {
        return Err(invalid_request(format!(
            "MaxSize must be at most {MAX_SIZE_CAP}; {max} was given."
        )));
    }
    if min > max {
        return Err(invalid_request(format!(
            "MinSize ({min}) must be less than or equal to MaxSize ({max})."
        )));
    }
    Ok((concurrency, min, max))
}

fn outcome(tx: Tx<'_>, output: Value, resources: Vec<ResourceRef>) -> Outcome {
    Outcome {
        output,
        changes: tx.finish(),
        resources,
    }
}

/// The `AutoScalingConfigurationSummary` a service gets (spec §4.1): of the revision `given` names (a full or
/// partial ARN, which must resolve to an ACTIVE revision), or of the account's current default; plus the rows
/// that create App Runner's `DefaultConfiguration` if this region never had it.
pub(crate) async fn summary_for_service(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    given: Option<&str>,
) -> Result<(Value, trailrunner_store::ChangeSet), ApiError> {
    let mut tx = Tx::new(h, ctx);
    ensure_region(&mut tx).await?;
    let doc = match given {
        Some(given) => {
            let target = parse_target(given, &ctx.region, &ctx.caller.account_id)?;
            let (_, doc) = resolve(&mut tx, &target, given).await?;
            if !is_active(&doc) {
                return Err(invalid_request(format!(
                    "Auto scaling configuration {given} has been deleted."
                )));
            }
            doc
        }
        None => {
            let missing =
                || ApiError::internal_from("the default auto scaling configuration", &"missing");
            let (name, revision) = default_of(&mut tx).await?.ok_or_else(missing)?;
            tx.get(ASC_KIND, &revision_id(&name, revision))
                .await?
                .ok_or_else(missing)?
        }
    };
    let summary = pick(
        &doc,
        &[
            "AutoScalingConfigurationArn",
            "AutoScalingConfigurationName",
            "AutoScalingConfigurationRevision",
        ],
    );
    Ok((Value::Object(summary), tx.finish()))
}

/// CreateAutoScalingConfiguration: the name's next revision; quotas per spec §4.3.
pub(crate) async fn create(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let name = required_str(input, "AutoScalingConfigurationName")?;
    let (concurrency, min, max) = sizes(input)?;
    let tags = tags::from_input(input.get("Tags"))?;

    let mut tx = Tx::new(h, ctx);
    ensure_region(&mut tx).await?;
    let mut index = name_row(&mut tx, name).await?;
    if index.active.len() >= REVISION_QUOTA {
        return Err(quota_exceeded(format!(
            "The auto scaling configuration {name} already has {REVISION_QUOTA} active revisions, the quota. \
             Delete a revision before creating another."
        )));
    }
    if index.active.is_empty() && index.slot.is_none() && name != DEFAULT_NAME {
        let slot = claim_slot(h, ctx).await?;
        tx.put(SLOT_KIND, &slot.to_string(), None, json!({ "Name": name }))
            .await?;
        index.slot = Some(slot);
    }
    let revision = index.highest + 1;
    index.highest = revision;
    index.active.push(revision);

    let id = h.entropy.uuid().replace('-', "");
    let rev_text = revision.to_string();
    let arn = arn::build(
        &ctx.region,
        &ctx.caller.account_id,
        ARN_RESOURCE_TYPE,
        &[name, &rev_text, &id],
    );
    let doc = json!({
        "AutoScalingConfigurationArn": arn,
        "AutoScalingConfigurationName": name,
        "AutoScalingConfigurationRevision": revision,
        "Status": "ACTIVE",
        "MaxConcurrency": concurrency,
        "MinSize": min,
        "MaxSize": max,
        "CreatedAt": epoch_seconds(ctx.now.as_millisecond()),
        "Tags": tags,
    });
    tx.put(
        ASC_KIND,
        &revision_id(name, revision),
        Some(name.to_owned()),
        doc.clone(),
    )
    .await?;
    tx.put(NAME_KIND, name, None, index.to_doc()).await?;
    let derived = derive(&mut tx, name, revision, &doc, &ServiceUse::new()).await?;
    let output = json!({ "AutoScalingConfiguration": full_view(&doc, &derived) });
    Ok(outcome(tx, output, vec![resource_ref(ctx, &arn)]))
}

/// A free name-quota slot; `ServiceQuotaExceededException` when none is left.
async fn claim_slot(h: &AppRunnerHandler, ctx: &CallContext) -> Result<u64, ApiError> {
    let quota = h.config.quotas.auto_scaling_configuration_names;
    let message = format!(
        "You have reached the quota of {quota} auto scaling configuration names in this account and region. \
         Delete every revision of a name before creating another name."
    );
    crate::store_rows::claim_slot(h, ctx, SLOT_KIND, quota, &message)
        .await
        .map(|slot| slot as u64)
}

/// DescribeAutoScalingConfiguration: full or partial ARN; any status (deleted revisions stay describable).
pub(crate) async fn describe(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let given = required_str(input, "AutoScalingConfigurationArn")?;
    let target = parse_target(given, &ctx.region, &ctx.caller.account_id)?;
    let mut tx = Tx::new(h, ctx);
    ensure_region(&mut tx).await?;
    let (revision, doc) = resolve(&mut tx, &target, given).await?;
    let using = service_use(h, ctx).await?;
    let derived = derive(&mut tx, target.name(), revision, &doc, &using).await?;
    let arn = arn_of(&doc)?;
    let output = json!({ "AutoScalingConfiguration": full_view(&doc, &derived) });
    Ok(outcome(tx, output, vec![resource_ref(ctx, &arn)]))
}

/// ListAutoScalingConfigurations: ACTIVE revisions in insertion order, optionally of one name, only the latest
/// per name unless `LatestOnly` is false.
pub(crate) async fn list(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let name = input
        .get("AutoScalingConfigurationName")
        .and_then(Value::as_str);
    let latest_only = input
        .get("LatestOnly")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let scope = format!(
        "ListAutoScalingConfigurations|{}|{}|{}|{}",
        ctx.caller.account_id,
        ctx.region,
        name.unwrap_or(""),
        latest_only
    );
    let page = PageRequest::from_input(&h.tokens, input, scope)?;

    let mut tx = Tx::new(h, ctx);
    let fresh = ensure_region(&mut tx).await?;
    let using = service_use(h, ctx).await?;
    let mut summaries = Vec::new();
    let mut next = None;
    if fresh {
        // Nothing is stored in this region yet: the only configuration is the one this call creates.
        if page.after.is_none() && name.is_none_or(|n| n == DEFAULT_NAME) {
            let (revision, doc) =
                resolve(&mut tx, &Target::Name(DEFAULT_NAME.into()), DEFAULT_NAME).await?;
            let derived = derive(&mut tx, DEFAULT_NAME, revision, &doc, &using).await?;
            summaries.push(summary_view(&doc, &derived));
        }
    } else {
        let rows = list_all(h, ctx, ASC_KIND, name, page.after).await?;
        let mut indexes: HashMap<String, NameRow> = HashMap::new();
        let mut picked: Vec<Resource> = Vec::new();
        let mut docs: Vec<Value> = Vec::new();
        for row in rows {
            if picked.len() >= page.fetch() {
                break;
            }
            let doc = parse_doc(&row.doc)?;
            if !is_active(&doc) {
                continue;
            }
            let Some(row_name) = row.parent.clone() else {
                continue;
            };
            let revision = doc
                .get("AutoScalingConfigurationRevision")
                .and_then(Value::as_u64)
                .unwrap_or(0);
            if latest_only {
                if !indexes.contains_key(&row_name) {
                    let index = name_row(&mut tx, &row_name).await?;
                    indexes.insert(row_name.clone(), index);
                }
                if indexes.get(&row_name).and_then(NameRow::latest) != Some(revision) {
                    continue;
                }
            }
            picked.push(row);
            docs.push(doc);
        }
        next = page.finish(&h.tokens, &mut picked);
        for (row, doc) in picked.iter().zip(docs.iter()) {
            let row_name = row.parent.clone().unwrap_or_default();
            let revision = doc
                .get("AutoScalingConfigurationRevision")
                .and_then(Value::as_u64)
                .unwrap_or(0);
            let derived = derive(&mut tx, &row_name, revision, doc, &using).await?;
            summaries.push(summary_view(doc, &derived));
        }
    }
    let mut out = json!({ "AutoScalingConfigurationSummaryList": summaries });
    if let Some(token) = next {
        out["NextToken"] = Value::String(token);
    }
    Ok(outcome(tx, out, Vec::new()))
}

/// DeleteAutoScalingConfiguration: the revision (or, with `DeleteAllRevisions` and a `…/<name>` ARN, every
/// active revision of the name) becomes INACTIVE. The default configuration and configurations used by a
/// service cannot be deleted.
pub(crate) async fn delete(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let given = required_str(input, "AutoScalingConfigurationArn")?;
    let all = input
        .get("DeleteAllRevisions")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let target = parse_target(given, &ctx.region, &ctx.caller.account_id)?;
    if all && !matches!(target, Target::Name(_)) {
        return Err(invalid_request(
            "DeleteAllRevisions requires an auto scaling configuration ARN that ends with the name, \
             without a revision (…:autoscalingconfiguration/<name>).",
        ));
    }
    let mut tx = Tx::new(h, ctx);
    ensure_region(&mut tx).await?;
    let (revision, doc) = resolve(&mut tx, &target, given).await?;
    if !is_active(&doc) {
        return Err(resource_not_found(format!(
            "Auto scaling configuration {given} has already been deleted."
        )));
    }
    let name = target.name().to_owned();
    let mut index = name_row(&mut tx, &name).await?;
    let revisions: Vec<u64> = if all {
        index.active.clone()
    } else {
        vec![revision]
    };
    let default = default_of(&mut tx).await?;
    let using = service_use(h, ctx).await?;
    let now = epoch_seconds(ctx.now.as_millisecond());
    let mut resources = Vec::new();
    let mut shown = None;
    for r in &revisions {
        let id = revision_id(&name, *r);
        let Some(mut d) = tx.get(ASC_KIND, &id).await? else {
            return Err(ApiError::internal_from(
                "auto scaling configuration index",
                &id,
            ));
        };
        let arn = arn_of(&d)?;
        if default
            .as_ref()
            .is_some_and(|(n, dr)| *n == name && dr == r)
        {
            return Err(invalid_request(format!(
                "{arn} is the default auto scaling configuration and cannot be deleted. Make another \
                 configuration the default with UpdateDefaultAutoScalingConfiguration first."
            )));
        }
        if using.contains_key(&arn) {
            return Err(invalid_request(format!(
                "{arn} is used by a service and cannot be deleted."
            )));
        }
        d["Status"] = json!("INACTIVE");
        d["DeletedAt"] = json!(now);
        tx.put(ASC_KIND, &id, Some(name.clone()), d.clone()).await?;
        resources.push(resource_ref(ctx, &arn));
        if *r == revision {
            shown = Some(d);
        }
    }
    index.active.retain(|r| !revisions.contains(r));
    if index.active.is_empty() {
        if let Some(slot) = index.slot.take() {
            tx.delete(SLOT_KIND, &slot.to_string()).await?;
        }
    }
    tx.put(NAME_KIND, &name, None, index.to_doc()).await?;
    let shown = shown.ok_or_else(|| ApiError::internal_from("deleting", &"no revision shown"))?;
    let derived = Derived {
        latest: false,
        is_default: false,
        has_service: false,
    };
    let output = json!({ "AutoScalingConfiguration": full_view(&shown, &derived) });
    Ok(outcome(tx, output, resources))
}

/// UpdateDefaultAutoScalingConfiguration: the target (an ACTIVE revision; `…/<name>` → its latest) becomes the
/// default, and the previous default stops being it.
pub(crate) async fn update_default(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let given = required_str(input, "AutoScalingConfigurationArn")?;
    let target = parse_target(given, &ctx.region, &ctx.caller.account_id)?;
    let mut tx = Tx::new(h, ctx);
    ensure_region(&mut tx).await?;
    let (revision, doc) = resolve(&mut tx, &target, given).await?;
    if !is_active(&doc) {
        return Err(resource_not_found(format!(
            "Auto scaling configuration {given} has been deleted."
        )));
    }
    let name = target.name().to_owned();
    let arn = arn_of(&doc)?;
    let mut resources = vec![resource_ref(ctx, &arn)];
    if let Some((old_name, old_rev)) = default_of(&mut tx).await? {
        if (old_name.as_str(), old_rev) != (name.as_str(), revision) {
            if let Some(old) = tx.get(ASC_KIND, &revision_id(&old_name, old_rev)).await? {
                resources.push(resource_ref(ctx, &arn_of(&old)?));
            }
        }
    }
    set_default(&mut tx, &name, revision).await?;
    let using = service_use(h, ctx).await?;
    let derived = derive(&mut tx, &name, revision, &doc, &using).await?;
    let output = json!({ "AutoScalingConfiguration": full_view(&doc, &derived) });
    Ok(outcome(tx, output, resources))
}

/// ListServicesForAutoScalingConfiguration: the ARNs of non-deleted services whose stored document references
/// the configuration (partial ARN → the revision it resolves to), in insertion order.
pub(crate) async fn list_services(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let given = required_str(input, "AutoScalingConfigurationArn")?;
    let target = parse_target(given, &ctx.region, &ctx.caller.account_id)?;
    let mut tx = Tx::new(h, ctx);
    ensure_region(&mut tx).await?;
    let (_, doc) = resolve(&mut tx, &target, given).await?;
    let arn = arn_of(&doc)?;
    let scope = format!(
        "ListServicesForAutoScalingConfiguration|{}|{}|{arn}",
        ctx.caller.account_id, ctx.region
    );
    let page = PageRequest::from_input(&h.tokens, input, scope)?;
    let using = service_use(h, ctx).await?;
    let mut services: Vec<(i64, String)> = using
        .get(&arn)
        .map(|v| {
            v.iter()
                .filter(|(seq, _)| page.after.is_none_or(|a| *seq > a))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    services.sort_by_key(|(seq, _)| *seq);
    let mut next = None;
    if services.len() > page.limit {
        services.truncate(page.limit);
        next = services.last().map(|(seq, _)| *seq);
    }
    let list: Vec<Value> = services
        .into_iter()
        .map(|(_, s)| Value::String(s))
        .collect();
    let mut out = json!({ "ServiceArnList": list });
    if let Some(seq) = next {
        out["NextToken"] = Value::String(page.seal(&h.tokens, seq));
    }
    Ok(outcome(tx, out, vec![resource_ref(ctx, &arn)]))
}

/// Where the tags of the configuration revision `given` are stored: the revision's row. Tags belong to a
/// revision, so only a full revision ARN is accepted; anything else → `InvalidRequestException`, another account
/// or region → `ResourceNotFoundException`. The caller checks that the row's ARN is exactly `given`.
pub(crate) fn tag_target(
    given: &str,
    region: &str,
    account: &str,
) -> Result<crate::tagging::TagTarget, ApiError> {
    match parse_target(given, region, account)? {
        Target::Full(name, revision, _) => Ok(crate::tagging::TagTarget {
            kind: ASC_KIND,
            id: revision_id(&name, revision),
            arn_member: "AutoScalingConfigurationArn",
            resource_type: RESOURCE_TYPE,
        }),
        Target::Name(_) | Target::Revision(..) => Err(invalid_request(format!(
            "{given} is not a full auto scaling configuration ARN. Expected \
             arn:aws:apprunner:<region>:<account>:autoscalingconfiguration/<name>/<revision>/<id>."
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_default_per_spec() {
        assert_eq!(sizes(&json!({})), Ok((100, 1, 25)));
        assert_eq!(
            sizes(&json!({"MaxConcurrency": 50, "MinSize": 3, "MaxSize": 3})),
            Ok((50, 3, 3))
        );
    }

    #[test]
    fn min_above_max_and_oversized_max_are_invalid() {
        for bad in [
            json!({"MinSize": 5, "MaxSize": 4}),
            json!({"MinSize": 2, "MaxSize": 1}),
            json!({"MaxSize": 26}),
            json!({"MinSize": "x"}),
        ] {
            let err = sizes(&bad).expect_err("accepted");
            assert_eq!(err.code, "InvalidRequestException");
            assert_eq!(err.message_member, "Message");
        }
    }

    #[test]
    fn views_carry_the_model_members_only() {
        let doc = json!({
            "AutoScalingConfigurationArn": "arn", "AutoScalingConfigurationName": "abcd",
            "AutoScalingConfigurationRevision": 2, "Status": "ACTIVE", "MaxConcurrency": 100,
            "MinSize": 1, "MaxSize": 25, "CreatedAt": 1.5, "Tags": [{"Key": "k", "Value": "v"}],
        });
        let d = Derived {
            latest: true,
            is_default: false,
            has_service: false,
        };
        let full = full_view(&doc, &d);
        assert!(full.get("Tags").is_none());
        assert_eq!(full["Latest"], json!(true));
        assert_eq!(full["IsDefault"], json!(false));
        let summary = summary_view(&doc, &d);
        assert!(summary.get("MaxSize").is_none() && summary.get("Latest").is_none());
        assert_eq!(summary["HasAssociatedService"], json!(false));
    }
}
