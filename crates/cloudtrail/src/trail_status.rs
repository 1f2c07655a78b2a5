//! `GetTrailStatus`, `StartLogging`, `StopLogging`.
//!
//! Whether a trail logs is part of the trail row (`LoggingState`), changed only here; what delivery last did is
//! the status row the delivery worker writes (`TrailStatusRow`), read here and never written.

use serde_json::{json, Map, Value};
use trailrunner_api::{ApiError, CallContext, Outcome};
use trailrunner_store::ChangeSet;

use crate::handler::CloudTrailHandler;
use crate::trail_lookup::{find, find_required};
use crate::trail_names::{trail_arn, trail_not_found, TrailRef};
use crate::trail_rows::{trail_status_key, TrailStatusRow};

fn name_of(input: &Value) -> &str {
    input
        .get("Name")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// Milliseconds to the awsJson timestamp (epoch seconds with a fraction).
fn epoch_seconds(ms: i64) -> Value {
    json!(ms as f64 / 1000.0)
}

/// Milliseconds to the ISO form of the deprecated string members (`2015-09-01T20:35:57Z`).
fn iso(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

fn iso_or_empty(ms: Option<i64>) -> Value {
    Value::String(ms.map(iso).unwrap_or_default())
}

pub(crate) async fn get_trail_status(
    h: &CloudTrailHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let given = name_of(input);
    let reference = TrailRef::parse(given)?;
    let account = ctx.caller.account_id.as_str();
    // By name only the region's own trails: a shadow trail's status needs its ARN. The message names the ARN the
    // name stands for.
    let found = match find(h, ctx, &reference).await? {
        Some(f) if matches!(reference, TrailRef::Arn(_)) || !f.is_shadow_in(&ctx.region) => f,
        _ => {
            let shown = match &reference {
                TrailRef::Name(name) => trail_arn(&ctx.region, account, name),
                TrailRef::Arn(_) => given.to_owned(),
            };
            return Err(trail_not_found(&shown, account));
        }
    };
    let row = &found.row;
    let status_row = h
        .store
        .get(&trail_status_key(
            &row.account,
            &row.home_region,
            &row.trail_arn,
        ))
        .await
        .map_err(|e| ApiError::internal_from("reading a trail status", &e))?;
    let status = match status_row {
        Some(r) => serde_json::from_str::<TrailStatusRow>(&r.doc)
            .map_err(|e| ApiError::internal_from("decoding a trail status", &e))?,
        None => TrailStatusRow::default(),
    };
    // A report about an earlier trail of the same ARN says nothing about this one.
    let status = if status.generation == row.generation {
        status
    } else {
        TrailStatusRow::default()
    };
    let logging = &row.logging;
    let mut out = Map::new();
    out.insert("IsLogging".into(), logging.is_logging.into());
    let mut time = |member: &str, ms: Option<i64>| {
        if let Some(ms) = ms {
            out.insert(member.into(), epoch_seconds(ms));
        }
    };
    time("LatestDeliveryTime", status.latest_delivery_time_ms);
    time("StartLoggingTime", logging.start_logging_time_ms);
    time("StopLoggingTime", logging.stop_logging_time_ms);
    time(
        "LatestDigestDeliveryTime",
        status.latest_digest_delivery_time_ms,
    );
    if let Some(e) = &status.latest_delivery_error {
        out.insert("LatestDeliveryError".into(), e.clone().into());
    }
    if let Some(e) = &status.latest_digest_delivery_error {
        out.insert("LatestDigestDeliveryError".into(), e.clone().into());
    }
    // The deprecated string members: ISO times, or "" (no SNS notifications exist).
    out.insert(
        "LatestDeliveryAttemptTime".into(),
        iso_or_empty(status.latest_delivery_attempt_time_ms),
    );
    out.insert("LatestNotificationAttemptTime".into(), "".into());
    out.insert("LatestNotificationAttemptSucceeded".into(), "".into());
    out.insert(
        "LatestDeliveryAttemptSucceeded".into(),
        iso_or_empty(status.latest_delivery_time_ms),
    );
    out.insert(
        "TimeLoggingStarted".into(),
        iso_or_empty(logging.start_logging_time_ms),
    );
    out.insert(
        "TimeLoggingStopped".into(),
        iso_or_empty(logging.stop_logging_time_ms),
    );
    Ok(Outcome::read(Value::Object(out)))
}

pub(crate) async fn start_logging(
    h: &CloudTrailHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let found = find_required(h, ctx, name_of(input)).await?;
    found.require_home(ctx)?;
    let mut changes = ChangeSet::new();
    if !found.row.logging.is_logging {
        // Delivery takes the events committed after this point, this call's own record included.
        let start_after_seq = h
            .store
            .last_event_seq()
            .await
            .map_err(|e| ApiError::internal_from("reading the event feed position", &e))?;
        let mut row = found.row.clone();
        row.logging.is_logging = true;
        row.logging.epoch += 1;
        row.logging.start_after_seq = start_after_seq;
        row.logging.start_logging_time_ms = Some(ctx.now.as_millisecond());
        found.put(&mut changes, &row)?;
    }
    Ok(Outcome {
        output: json!({}),
        changes,
        resources: vec![found.resource()],
    })
}

pub(crate) async fn stop_logging(
    h: &CloudTrailHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let found = find_required(h, ctx, name_of(input)).await?;
    found.require_home(ctx)?;
    let mut changes = ChangeSet::new();
    if found.row.logging.is_logging {
        let mut row = found.row.clone();
        row.logging.is_logging = false;
        row.logging.stop_logging_time_ms = Some(ctx.now.as_millisecond());
        found.put(&mut changes, &row)?;
    }
    Ok(Outcome {
        output: json!({}),
        changes,
        resources: vec![found.resource()],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_render_as_epoch_seconds_and_iso() {
        assert_eq!(
            epoch_seconds(1_441_139_757_497).to_string(),
            "1441139757.497"
        );
        assert_eq!(iso(1_441_139_757_497), "2015-09-01T20:35:57Z");
        assert_eq!(iso_or_empty(None), "");
    }
}
