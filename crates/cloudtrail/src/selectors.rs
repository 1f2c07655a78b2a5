//! `PutEventSelectors` and `GetEventSelectors`.
//!
//! trailrunner records management events only, so it accepts the selectors it can honour and refuses the rest with
//! `InvalidEventSelectorsException` naming why, rather than storing a selector that would never match:
//! - basic selectors (at most five): `ReadWriteType`, `IncludeManagementEvents`, `ExcludeManagementEventSources`
//!   (`kms.amazonaws.com`, `rdsdata.amazonaws.com`); `DataResources` must be empty (no data events);
//! - advanced selectors for management events: `eventCategory` `Equals` `["Management"]` (required), `readOnly`
//!   `Equals` `["true"]` or `["false"]`, `eventSource` `NotEquals` the excludable sources; at most 500 values.
//!
//! Selectors are stored as they will be answered (defaults filled in) and matched by `TrailRow::selects`.

use serde_json::{json, Map, Value};
use trailrunner_api::{ApiError, CallContext, Outcome};
use trailrunner_store::ChangeSet;

use crate::errors::error;
use crate::handler::CloudTrailHandler;
use crate::trail_lookup::find_required;

const BASIC_MAX: usize = 5;
const ADVANCED_VALUES_MAX: usize = 500;
const EXCLUDABLE_SOURCES: &[&str] = &["kms.amazonaws.com", "rdsdata.amazonaws.com"];
const OPERATORS: &[&str] = &[
    "Equals",
    "StartsWith",
    "EndsWith",
    "NotEquals",
    "NotStartsWith",
    "NotEndsWith",
];

fn invalid(message: impl Into<String>) -> ApiError {
    error("InvalidEventSelectorsException", message)
}

/// The selectors a trail without any has (a trail created through the API).
pub(crate) fn default_selectors() -> Value {
    json!([{"ReadWriteType": "All", "IncludeManagementEvents": true, "DataResources": [],
            "ExcludeManagementEventSources": []}])
}

fn strings(value: Option<&Value>) -> Vec<&str> {
    value
        .and_then(Value::as_array)
        .map(|l| l.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// Checks basic selectors and returns them with their defaults filled in.
pub(crate) fn check_basic(selectors: &[Value]) -> Result<Value, ApiError> {
    if selectors.is_empty() || selectors.len() > BASIC_MAX {
        return Err(invalid(format!(
            "A trail takes 1 to {BASIC_MAX} event selectors (given {}).",
            selectors.len()
        )));
    }
    let mut out = Vec::with_capacity(selectors.len());
    for s in selectors {
        let data = s
            .get("DataResources")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        if data > 0 {
            return Err(invalid(
                "DataResources are not supported: trailrunner records management events only, so a data event \
                 selector would never match.",
            ));
        }
        let excluded = strings(s.get("ExcludeManagementEventSources"));
        if let Some(bad) = excluded.iter().find(|e| !EXCLUDABLE_SOURCES.contains(e)) {
            return Err(invalid(format!(
                "ExcludeManagementEventSources can only hold {}; {bad} is not one of them.",
                EXCLUDABLE_SOURCES.join(" and ")
            )));
        }
        out.push(json!({
            "ReadWriteType": s.get("ReadWriteType").and_then(Value::as_str).unwrap_or("All"),
            "IncludeManagementEvents": s.get("IncludeManagementEvents").and_then(Value::as_bool).unwrap_or(true),
            "DataResources": [],
            "ExcludeManagementEventSources": excluded,
        }));
    }
    Ok(Value::Array(out))
}

/// Checks one field selector of a management-event advanced selector.
fn check_field(field: &Map<String, Value>) -> Result<(&str, usize), ApiError> {
    let name = field
        .get("Field")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let used: Vec<&str> = OPERATORS
        .iter()
        .copied()
        .filter(|op| field.contains_key(*op))
        .collect();
    let count: usize = used.iter().map(|op| strings(field.get(*op)).len()).sum();
    let only = |op: &str, allowed: &[&str]| -> Result<(), ApiError> {
        let values = strings(field.get(op));
        if used != [op] || values.is_empty() || values.iter().any(|v| !allowed.contains(v)) {
            return Err(invalid(format!(
                "The field {name} takes only the operator {op} with {}.",
                allowed.join(" or ")
            )));
        }
        Ok(())
    };
    match name {
        "eventCategory" => {
            if used == ["Equals"] && strings(field.get("Equals")) != ["Management"] {
                return Err(invalid(
                    "Only management events (eventCategory Equals Management) are supported: trailrunner \
                     records no data, network activity or other events.",
                ));
            }
            only("Equals", &["Management"])?;
        }
        "readOnly" => {
            only("Equals", &["true", "false"])?;
            if strings(field.get("Equals")).len() != 1 {
                return Err(invalid("The field readOnly takes one value, true or false."));
            }
        }
        "eventSource" => only("NotEquals", EXCLUDABLE_SOURCES)?,
        other => {
            return Err(invalid(format!(
                "The field {other} is not supported in a management event selector: trailrunner records management \
                 events only (fields eventCategory, readOnly, eventSource)."
            )))
        }
    }
    Ok((name, count))
}

/// Checks advanced selectors (management events only) and returns them as they will be stored.
pub(crate) fn check_advanced(selectors: &[Value]) -> Result<Value, ApiError> {
    if selectors.is_empty() {
        return Err(invalid(
            "AdvancedEventSelectors must hold at least one selector.",
        ));
    }
    let mut values = 0;
    let mut out = Vec::with_capacity(selectors.len());
    for s in selectors {
        let fields = s.get("FieldSelectors").and_then(Value::as_array);
        let fields = fields.map(Vec::as_slice).unwrap_or_default();
        let mut seen: Vec<&str> = Vec::new();
        let mut kept = Vec::with_capacity(fields.len());
        for f in fields {
            let map = f
                .as_object()
                .ok_or_else(|| invalid("A field selector must be an object."))?;
            let (name, count) = check_field(map)?;
            if seen.contains(&name) {
                return Err(invalid(format!(
                    "The field {name} appears twice in one selector."
                )));
            }
            seen.push(name);
            values += count;
            let mut clean = Map::new();
            clean.insert("Field".into(), name.into());
            for op in OPERATORS {
                if let Some(v) = map.get(*op) {
                    clean.insert((*op).into(), v.clone());
                }
            }
            kept.push(Value::Object(clean));
        }
        if !seen.contains(&"eventCategory") {
            return Err(invalid(
                "Every advanced event selector needs the field eventCategory (Equals Management).",
            ));
        }
        let mut selector = Map::new();
        if let Some(name) = s.get("Name").and_then(Value::as_str) {
            selector.insert("Name".into(), name.into());
        }
        selector.insert("FieldSelectors".into(), Value::Array(kept));
        out.push(Value::Object(selector));
    }
    if values > ADVANCED_VALUES_MAX {
        return Err(invalid(format!(
            "Advanced event selectors can hold at most {ADVANCED_VALUES_MAX} values (given {values})."
        )));
    }
    Ok(Value::Array(out))
}

pub(crate) async fn put_event_selectors(
    h: &CloudTrailHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let name = input
        .get("TrailName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let found = find_required(h, ctx, name).await?;
    found.require_home(ctx)?;
    let basic = input.get("EventSelectors").and_then(Value::as_array);
    let advanced = input
        .get("AdvancedEventSelectors")
        .and_then(Value::as_array);
    let mut row = found.row.clone();
    match (basic, advanced) {
        (Some(_), Some(_)) => {
            return Err(invalid(
                "Specify either EventSelectors or AdvancedEventSelectors, not both.",
            ))
        }
        (None, None) => return Err(invalid("Specify EventSelectors or AdvancedEventSelectors.")),
        // Applying one kind replaces the other.
        (Some(b), None) => {
            row.event_selectors = Some(check_basic(b)?);
            row.advanced_event_selectors = None;
        }
        (None, Some(a)) => {
            row.advanced_event_selectors = Some(check_advanced(a)?);
            row.event_selectors = None;
        }
    }
    let mut changes = ChangeSet::new();
    found.put(&mut changes, &row)?;
    Ok(Outcome {
        output: answer(
            &row.trail_arn,
            &row.event_selectors,
            &row.advanced_event_selectors,
        ),
        changes,
        resources: vec![found.resource()],
    })
}

fn answer(arn: &str, basic: &Option<Value>, advanced: &Option<Value>) -> Value {
    let mut out = json!({ "TrailARN": arn });
    match (basic, advanced) {
        (_, Some(a)) => out["AdvancedEventSelectors"] = a.clone(),
        (Some(b), None) => out["EventSelectors"] = b.clone(),
        (None, None) => out["EventSelectors"] = default_selectors(),
    }
    out
}

pub(crate) async fn get_event_selectors(
    h: &CloudTrailHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let name = input
        .get("TrailName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let found = find_required(h, ctx, name).await?;
    let row = &found.row;
    Ok(Outcome::read(answer(
        &row.trail_arn,
        &row.event_selectors,
        &row.advanced_event_selectors,
    )))
}

#[cfg(test)]
#[path = "selectors_tests.rs"]
mod tests;
