//! `AddTags`, `RemoveTags`, `ListTags` on trails (the only taggable CloudTrail resource trailrunner has).
//!
//! Tags are kept on the trail row in insertion order; a key given again replaces its value; a trail holds at most
//! 50 tags (`TagsLimitExceededException`). Tags change only in the trail's home region, like every other change
//! to a trail (the model says so for `AddTags` but lists no error for it; trailrunner answers
//! `InvalidHomeRegionException`, as the other trail operations do).

use serde_json::{json, Value};
use trailrunner_api::{ApiError, CallContext, Outcome};
use trailrunner_store::ChangeSet;

use crate::errors::error;
use crate::handler::CloudTrailHandler;
use crate::trail_lookup::{find, Found};
use crate::trail_names::{parse_cloudtrail_arn, parse_trail_arn, TrailRef};

pub(crate) const TAGS_PER_TRAIL: usize = 50;
pub(crate) const LIST_TAGS_MAX_RESOURCES: usize = 20;

pub(crate) type Tags = Vec<(String, Option<String>)>;

fn tag_text_ok(s: &str) -> bool {
    s.chars().all(|c| {
        !c.is_control()
            && (c.is_alphanumeric()
                || c.is_whitespace()
                || matches!(c, '_' | '.' | ':' | '/' | '=' | '+' | '-' | '@'))
    })
}

/// Reads a `TagsList`: keys 1 to 128 characters, values 1 to 256 (the model checks the lengths), letters,
/// digits, spaces and `_ . : / = + - @`; keys may not start with `aws:`.
pub(crate) fn parse_tags(list: &Value) -> Result<Tags, ApiError> {
    let invalid = |message: String| error("InvalidTagParameterException", message);
    let items = list
        .as_array()
        .ok_or_else(|| invalid("TagsList must be a list of tags.".into()))?;
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let key = item
            .get("Key")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("Every tag needs a Key.".into()))?;
        let value = item.get("Value").and_then(Value::as_str);
        if key.is_empty() || key.chars().count() > 128 || !tag_text_ok(key) {
            return Err(invalid(format!("Tag key {key} is not valid.")));
        }
        if key.to_ascii_lowercase().starts_with("aws:") {
            return Err(invalid(format!(
                "Tag key {key} is not valid: the aws: prefix is reserved for AWS use."
            )));
        }
        if let Some(v) = value {
            if v.chars().count() > 256 || !tag_text_ok(v) {
                return Err(invalid(format!("The value of tag {key} is not valid.")));
            }
        }
        out.push((key.to_owned(), value.map(str::to_owned)));
    }
    Ok(out)
}

/// Adds `new` to `tags` (replacing the values of keys already there), refusing more than 50 tags in all.
pub(crate) fn merge(tags: &mut Tags, new: Tags) -> Result<(), ApiError> {
    for (key, value) in new {
        match tags.iter_mut().find(|(k, _)| *k == key) {
            Some(existing) => existing.1 = value,
            None => tags.push((key, value)),
        }
    }
    if tags.len() > TAGS_PER_TRAIL {
        return Err(error(
            "TagsLimitExceededException",
            format!(
                "A trail can have at most {TAGS_PER_TRAIL} tags; this request would give it {}.",
                tags.len()
            ),
        ));
    }
    Ok(())
}

fn render(tags: &Tags) -> Value {
    Value::Array(
        tags.iter()
            .map(|(k, v)| match v {
                Some(v) => json!({"Key": k, "Value": v}),
                None => json!({"Key": k}),
            })
            .collect(),
    )
}

/// The trail a `ResourceId` names: a trail ARN of the caller's account.
async fn resource(h: &CloudTrailHandler, ctx: &CallContext, id: &str) -> Result<Found, ApiError> {
    let (_, _, _, kind) = parse_cloudtrail_arn(id)?;
    if !kind.starts_with("trail/") {
        return Err(error(
            "ResourceTypeNotSupportedException",
            format!("Resource type of {id} is not supported: trailrunner tags trails only."),
        ));
    }
    let arn = parse_trail_arn(id)?;
    find(h, ctx, &TrailRef::Arn(arn)).await?.ok_or_else(|| {
        error(
            "ResourceNotFoundException",
            format!("Resource not found: {id}"),
        )
    })
}

fn resource_id(input: &Value) -> &str {
    input
        .get("ResourceId")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

pub(crate) async fn add_tags(
    h: &CloudTrailHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let found = resource(h, ctx, resource_id(input)).await?;
    found.require_home(ctx)?;
    let new = parse_tags(input.get("TagsList").unwrap_or(&Value::Null))?;
    let mut row = found.row.clone();
    merge(&mut row.tags, new)?;
    let mut changes = ChangeSet::new();
    found.put(&mut changes, &row)?;
    Ok(Outcome {
        output: json!({}),
        changes,
        resources: vec![found.resource()],
    })
}

pub(crate) async fn remove_tags(
    h: &CloudTrailHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let found = resource(h, ctx, resource_id(input)).await?;
    found.require_home(ctx)?;
    let gone = parse_tags(input.get("TagsList").unwrap_or(&Value::Null))?;
    let mut row = found.row.clone();
    row.tags.retain(|(k, _)| !gone.iter().any(|(g, _)| g == k));
    let mut changes = ChangeSet::new();
    if row != found.row {
        found.put(&mut changes, &row)?;
    }
    Ok(Outcome {
        output: json!({}),
        changes,
        resources: vec![found.resource()],
    })
}

pub(crate) async fn list_tags(
    h: &CloudTrailHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    // Every answer fits one page (20 trails of 50 tags), so no token is ever issued.
    if input.get("NextToken").is_some() {
        return Err(error(
            "InvalidTokenException",
            "The NextToken is not valid: ListTags answers in one page.",
        ));
    }
    let ids: Vec<&str> = input
        .get("ResourceIdList")
        .and_then(Value::as_array)
        .map(|l| l.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if ids.len() > LIST_TAGS_MAX_RESOURCES {
        return Err(error(
            "InvalidParameterException",
            format!(
                "ResourceIdList can hold at most {LIST_TAGS_MAX_RESOURCES} ARNs (given {}).",
                ids.len()
            ),
        ));
    }
    let mut list = Vec::with_capacity(ids.len());
    for id in ids {
        let found = resource(h, ctx, id).await?;
        list.push(json!({"ResourceId": id, "TagsList": render(&found.row.tags)}));
    }
    Ok(Outcome::read(json!({ "ResourceTagList": list })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_merge_replace_and_stop_at_fifty() {
        let mut tags = parse_tags(&json!([{"Key": "a", "Value": "1"}, {"Key": "b"}])).unwrap();
        merge(
            &mut tags,
            parse_tags(&json!([{"Key": "a", "Value": "2"}])).unwrap(),
        )
        .unwrap();
        assert_eq!(
            tags,
            vec![("a".into(), Some("2".into())), ("b".into(), None)]
        );
        assert_eq!(
            render(&tags),
            json!([{"Key": "a", "Value": "2"}, {"Key": "b"}])
        );
        let many: Vec<Value> = (0..49).map(|i| json!({"Key": format!("k{i}")})).collect();
        let err = merge(&mut tags, parse_tags(&Value::Array(many)).unwrap()).unwrap_err();
        assert_eq!(err.code, "TagsLimitExceededException");
    }

    #[test]
    fn reserved_and_odd_keys_are_refused() {
        for bad in [
            json!([{"Key": "aws:x"}]),
            json!([{"Key": "a\u{0}b"}]),
            json!([{"Key": "k", "Value": "v\n"}]),
        ] {
            assert_eq!(
                parse_tags(&bad).unwrap_err().code,
                "InvalidTagParameterException",
                "{bad}"
            );
        }
        assert!(parse_tags(&json!([{"Key": "team name", "Value": "a/b=c+d-e@f.g:h"}])).is_ok());
    }
}
