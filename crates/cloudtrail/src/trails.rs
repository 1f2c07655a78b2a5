//! `CreateTrail`, `UpdateTrail`, `DeleteTrail`, and the `Trail` shape they and the queries answer with.

use serde_json::{json, Map, Value};
use trailrunner_api::{ApiError, CallContext, Outcome};
use trailrunner_store::{ChangeSet, Expect};

use crate::bucket_policy::{check_bucket, Delivery};
use crate::errors::error;
use crate::handler::CloudTrailHandler;
use crate::trail_lookup::{find_required, put_new, read_directory};
use crate::trail_names::{check_name, trail_arn};
use crate::trail_rows::{trail_index_key, trail_status_key, DirectoryEntry, TrailRow};
use crate::trail_settings::apply;
use crate::trail_tags::parse_tags;

fn required<'a>(input: &'a Value, member: &str) -> Result<&'a str, ApiError> {
    input.get(member).and_then(Value::as_str).ok_or_else(|| {
        error(
            "InvalidParameterException",
            format!("{member} is required."),
        )
    })
}

fn entry_of(row: &TrailRow) -> DirectoryEntry {
    DirectoryEntry {
        trail_arn: row.trail_arn.clone(),
        name: row.name.clone(),
        home_region: row.home_region.clone(),
        is_multi_region_trail: row.is_multi_region_trail,
    }
}

/// Checks the trail's bucket: it exists, and its policy (when the store knows it) lets CloudTrail deliver.
async fn check_delivery(
    h: &CloudTrailHandler,
    ctx: &CallContext,
    row: &TrailRow,
) -> Result<(), ApiError> {
    let info = h
        .buckets
        .bucket(&row.s3_bucket_name)
        .await
        .map_err(|e| ApiError::internal_from("reading a bucket", &e))?;
    let delivery = Delivery {
        bucket: &row.s3_bucket_name,
        prefix: row.s3_key_prefix.as_deref(),
        account: &row.account,
        home_region: &row.home_region,
        trail_arn: &row.trail_arn,
    };
    check_bucket(info.as_ref(), &delivery, ctx.now)
}

pub(crate) async fn create_trail(
    h: &CloudTrailHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let name = required(input, "Name")?;
    check_name(name)?;
    let bucket = required(input, "S3BucketName")?;
    let account = ctx.caller.account_id.clone();
    // Created through the API, a trail does not log until StartLogging.
    let mut row = TrailRow::new(
        name,
        &trail_arn(&ctx.region, &account, name),
        &account,
        &ctx.region,
        &h.entropy.uuid(),
        bucket,
    );
    apply(input, &mut row)?;
    if let Some(tags) = input.get("TagsList") {
        let mut merged = Vec::new();
        crate::trail_tags::merge(&mut merged, parse_tags(tags)?)?;
        row.tags = merged;
    }
    let mut directory = read_directory(h, &account).await?;
    let entry = entry_of(&row);
    directory.check_admits(&entry, &account, true)?;
    check_delivery(h, ctx, &row).await?;
    directory.upsert(entry);
    let mut changes = ChangeSet::new();
    put_new(&mut changes, &row)?;
    directory.write(&mut changes, &account)?;
    Ok(Outcome {
        output: create_output(&row),
        changes,
        resources: Vec::new(),
    })
}

pub(crate) async fn update_trail(
    h: &CloudTrailHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let found = find_required(h, ctx, required(input, "Name")?).await?;
    found.require_home(ctx)?;
    let mut row = found.row.clone();
    let touched = apply(input, &mut row)?;
    let mut changes = ChangeSet::new();
    if touched.multi_region {
        let mut directory = read_directory(h, &row.account).await?;
        let entry = entry_of(&row);
        directory.check_admits(&entry, &row.account, false)?;
        directory.upsert(entry);
        directory.write(&mut changes, &row.account)?;
    }
    if touched.delivery {
        check_delivery(h, ctx, &row).await?;
    }
    found.put(&mut changes, &row)?;
    Ok(Outcome {
        output: create_output(&row),
        changes,
        resources: vec![found.resource()],
    })
}

pub(crate) async fn delete_trail(
    h: &CloudTrailHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let found = find_required(h, ctx, required(input, "Name")?).await?;
    found.require_home(ctx)?;
    let row = &found.row;
    let mut directory = read_directory(h, &row.account).await?;
    directory.remove(&row.trail_arn);
    let mut changes = ChangeSet::new();
    changes
        .delete(row.key(), Expect::Version(found.version))
        .delete(trail_index_key(&row.trail_arn), Expect::Any)
        .delete(
            trail_status_key(&row.account, &row.home_region, &row.trail_arn),
            Expect::Any,
        );
    directory.write(&mut changes, &row.account)?;
    Ok(Outcome {
        output: json!({}),
        changes,
        resources: vec![found.resource()],
    })
}

fn put_opt(out: &mut Map<String, Value>, member: &str, value: &Option<String>) {
    if let Some(v) = value {
        out.insert(member.into(), Value::String(v.clone()));
    }
}

/// The members `CreateTrail` and `UpdateTrail` answer with (no `HomeRegion`, no selector flags). String members
/// only when set.
pub(crate) fn create_output(row: &TrailRow) -> Value {
    let mut out = Map::new();
    out.insert("Name".into(), row.name.clone().into());
    out.insert("S3BucketName".into(), row.s3_bucket_name.clone().into());
    put_opt(&mut out, "S3KeyPrefix", &row.s3_key_prefix);
    put_opt(&mut out, "SnsTopicName", &row.sns_topic_name);
    put_opt(&mut out, "SnsTopicARN", &row.sns_topic_arn);
    out.insert(
        "IncludeGlobalServiceEvents".into(),
        row.include_global_service_events.into(),
    );
    out.insert(
        "IsMultiRegionTrail".into(),
        row.is_multi_region_trail.into(),
    );
    out.insert("TrailARN".into(), row.trail_arn.clone().into());
    out.insert(
        "LogFileValidationEnabled".into(),
        row.log_file_validation_enabled.into(),
    );
    put_opt(
        &mut out,
        "CloudWatchLogsLogGroupArn",
        &row.cloud_watch_logs_log_group_arn,
    );
    put_opt(
        &mut out,
        "CloudWatchLogsRoleArn",
        &row.cloud_watch_logs_role_arn,
    );
    put_opt(&mut out, "KmsKeyId", &row.kms_key_id);
    out.insert(
        "IsOrganizationTrail".into(),
        row.is_organization_trail.into(),
    );
    Value::Object(out)
}

/// The `Trail` shape (`DescribeTrails`' `trailList`, `GetTrail`).
pub(crate) fn trail_shape(row: &TrailRow) -> Value {
    let mut out = match create_output(row) {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    out.insert("HomeRegion".into(), row.home_region.clone().into());
    out.insert(
        "HasCustomEventSelectors".into(),
        (row.event_selectors.is_some() || row.advanced_event_selectors.is_some()).into(),
    );
    out.insert(
        "HasInsightSelectors".into(),
        row.has_insight_selectors.into(),
    );
    Value::Object(out)
}

#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;

    /// A plain stored trail for unit tests.
    pub(crate) fn row() -> TrailRow {
        TrailRow::new(
            "t1",
            &trail_arn("us-east-1", "111122223333", "t1"),
            "111122223333",
            "us-east-1",
            "g",
            "logs",
        )
    }

    #[test]
    fn shapes_carry_string_members_only_when_set() {
        let mut row = row();
        assert_eq!(
            create_output(&row),
            json!({"Name": "t1", "S3BucketName": "logs", "IncludeGlobalServiceEvents": true,
                   "IsMultiRegionTrail": false, "TrailARN": "arn:aws:cloudtrail:us-east-1:111122223333:trail/t1",
                   "LogFileValidationEnabled": false, "IsOrganizationTrail": false})
        );
        row.s3_key_prefix = Some("p".into());
        row.event_selectors = Some(json!([]));
        let shape = trail_shape(&row);
        assert_eq!(shape["S3KeyPrefix"], "p");
        assert_eq!(shape["HomeRegion"], "us-east-1");
        assert_eq!(shape["HasCustomEventSelectors"], true);
        assert_eq!(shape["HasInsightSelectors"], false);
        assert!(shape.get("KmsKeyId").is_none());
    }
}
