//! Tags given on create (spec §3.11): checked beyond the model's constraints and kept with the resource.
//!
//! The model already bounds each key (1–128 characters, not starting with `aws:`) and value (0–256). What it
//! cannot say: a `Tag` whose `Key` is missing (both members are optional in the model), the same key twice in one
//! request, and more than [`MAX_TAGS`] tags.

use serde_json::{json, Value};
use trailrunner_api::ApiError;

use crate::errors::invalid_request;

/// Tags per resource (the generic AWS limit; spec §3.11).
pub(crate) const MAX_TAGS: usize = 50;

/// The request's `Tags` as they are stored: `[{"Key": …, "Value": …}]`, a missing `Value` stored as `""`.
pub(crate) fn from_input(tags: Option<&Value>) -> Result<Vec<Value>, ApiError> {
    let Some(tags) = tags else {
        return Ok(Vec::new());
    };
    let list = tags
        .as_array()
        .ok_or_else(|| invalid_request("Tags must be a list of tags."))?;
    if list.len() > MAX_TAGS {
        return Err(invalid_request(format!(
            "A resource can have at most {MAX_TAGS} tags; {} were given.",
            list.len()
        )));
    }
    let mut out = Vec::with_capacity(list.len());
    let mut keys: Vec<&str> = Vec::with_capacity(list.len());
    for tag in list {
        let key = tag
            .get("Key")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid_request("Every tag must have a Key."))?;
        let value = match tag.get("Value") {
            None | Some(Value::Null) => "",
            Some(v) => v
                .as_str()
                .ok_or_else(|| invalid_request("Tag values must be strings."))?,
        };
        if keys.contains(&key) {
            return Err(invalid_request(format!(
                "The tag key {key} is given more than once."
            )));
        }
        keys.push(key);
        out.push(json!({ "Key": key, "Value": value }));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_is_empty_and_values_default_to_empty() {
        assert_eq!(from_input(None), Ok(Vec::new()));
        assert_eq!(
            from_input(Some(&json!([{"Key": "a"}, {"Key": "b", "Value": "x"}]))),
            Ok(vec![
                json!({"Key": "a", "Value": ""}),
                json!({"Key": "b", "Value": "x"})
            ])
        );
    }

    #[test]
    fn refuses_missing_keys_duplicates_and_too_many() {
        for bad in [
            json!([{"Value": "x"}]),
            json!([{"Key": "a"}, {"Key": "a", "Value": "y"}]),
            json!({"Key": "a"}),
            Value::Array(
                (0..=MAX_TAGS)
                    .map(|i| json!({"Key": format!("k{i}")}))
                    .collect(),
            ),
        ] {
            let err = from_input(Some(&bad)).expect_err("accepted");
            assert_eq!(err.code, "InvalidRequestException");
            assert_eq!(err.message_member, "Message");
        }
    }
}
