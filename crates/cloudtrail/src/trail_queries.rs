//! `DescribeTrails`, `GetTrail`, `ListTrails`: which trails a region shows.
//!
//! A region shows its own trails and, as shadow trails, the multi-region trails homed in other regions (with
//! their home region and ARN). Names resolve in the current region; ARNs name a trail wherever it lives.

use serde_json::{json, Value};
use trailrunner_api::{ApiError, CallContext, Outcome};

use crate::errors::error;
use crate::handler::CloudTrailHandler;
use crate::trail_lookup::{find, find_required, read_directory, read_trail};
use crate::trail_names::TrailRef;
use crate::trails::trail_shape;

/// The most names `DescribeTrails` takes in one call.
const DESCRIBE_MAX_NAMES: usize = 20;
/// Trails per `ListTrails` page.
const LIST_PAGE: usize = 50;

pub(crate) async fn describe_trails(
    h: &CloudTrailHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let shadows = input
        .get("includeShadowTrails")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let names: Vec<&str> = input
        .get("trailNameList")
        .and_then(Value::as_array)
        .map(|l| l.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if names.len() > DESCRIBE_MAX_NAMES {
        return Err(error(
            "InvalidParameterException",
            format!(
                "trailNameList can hold at most {DESCRIBE_MAX_NAMES} names or ARNs (given {}).",
                names.len()
            ),
        ));
    }
    let mut list: Vec<Value> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    if names.is_empty() {
        let account = ctx.caller.account_id.as_str();
        let directory = read_directory(h, account).await?;
        // The region's own trails first, then the shadows of other regions' multi-region trails.
        let own = directory
            .visible_in(&ctx.region)
            .filter(|e| e.home_region == ctx.region);
        let others = directory
            .visible_in(&ctx.region)
            .filter(|e| shadows && e.home_region != ctx.region);
        for entry in own.chain(others) {
            if let Some(found) =
                read_trail(h, account, &entry.home_region, &entry.trail_arn).await?
            {
                list.push(trail_shape(&found.row));
            }
        }
    } else {
        // Every reference is checked before anything is looked up; unknown trails are left out.
        let references = names
            .iter()
            .map(|n| TrailRef::parse(n))
            .collect::<Result<Vec<_>, _>>()?;
        for reference in &references {
            let Some(found) = find(h, ctx, reference).await? else {
                continue;
            };
            let by_name = matches!(reference, TrailRef::Name(_));
            if by_name && !shadows && found.is_shadow_in(&ctx.region) {
                continue;
            }
            if seen.contains(&found.row.trail_arn) {
                continue;
            }
            seen.push(found.row.trail_arn.clone());
            list.push(trail_shape(&found.row));
        }
    }
    Ok(Outcome::read(json!({ "trailList": list })))
}

pub(crate) async fn get_trail(
    h: &CloudTrailHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let name = input
        .get("Name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let found = find_required(h, ctx, name).await?;
    Ok(Outcome::read(json!({ "Trail": trail_shape(&found.row) })))
}

pub(crate) async fn list_trails(
    h: &CloudTrailHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let account = ctx.caller.account_id.as_str();
    let scope = format!("ListTrails|{account}|{}", ctx.region);
    let start = match input.get("NextToken").and_then(Value::as_str) {
        None => 0,
        Some(token) => h
            .tokens
            .open(&scope, token)
            .and_then(|p| usize::try_from(p).ok())
            .ok_or_else(|| {
                error(
                    "InvalidTokenException",
                    "The NextToken is not valid for this request.",
                )
            })?,
    };
    let directory = read_directory(h, account).await?;
    let visible: Vec<_> = directory.visible_in(&ctx.region).collect();
    let page: Vec<Value> = visible
        .iter()
        .skip(start)
        .take(LIST_PAGE)
        .map(|e| json!({"TrailARN": e.trail_arn, "Name": e.name, "HomeRegion": e.home_region}))
        .collect();
    let mut out = json!({ "Trails": page });
    let next = start + LIST_PAGE;
    if next < visible.len() {
        out["NextToken"] = Value::String(h.tokens.seal(&scope, next as i64));
    }
    Ok(Outcome::read(out))
}
