//! The settings `CreateTrail` and `UpdateTrail` share: what each member may hold, and what trailrunner refuses
//! because it has no service behind it.
//!
//! trailrunner has no KMS, SNS, CloudWatch Logs or Organizations. A trail setting that would need one is checked
//! for its form first (the `Invalid…Exception` CloudTrail answers for a malformed value), and a well-formed one is
//! then refused with the modeled error CloudTrail answers when the key, topic or log group cannot be used, so no
//! setting is accepted that would silently do nothing. An empty string clears a setting in `UpdateTrail`.

use serde_json::Value;
use trailrunner_api::ApiError;

use crate::bucket_policy::check_bucket_name;
use crate::errors::error;
use crate::trail_rows::TrailRow;

pub(crate) const PREFIX_MAX: usize = 200;
const SNS_MAX: usize = 256;
const ARN_MAX: usize = 2048;

/// What an update touched that needs more than the row: the bucket check, the directory.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Touched {
    /// `S3BucketName` or `S3KeyPrefix` was given: the bucket and its policy are checked again.
    pub(crate) delivery: bool,
    /// `IsMultiRegionTrail` changed: the directory changes (names and quotas in other regions).
    pub(crate) multi_region: bool,
}

fn text<'a>(input: &'a Value, member: &str) -> Option<&'a str> {
    input.get(member).and_then(Value::as_str)
}

fn flag(input: &Value, member: &str) -> Option<bool> {
    input.get(member).and_then(Value::as_bool)
}

/// Applies the given members of a `CreateTrail`/`UpdateTrail` input to `row`, checking each.
pub(crate) fn apply(input: &Value, row: &mut TrailRow) -> Result<Touched, ApiError> {
    let mut touched = Touched::default();
    if let Some(bucket) = text(input, "S3BucketName") {
        check_bucket_name(bucket)?;
        row.s3_bucket_name = bucket.to_owned();
        touched.delivery = true;
    }
    if let Some(prefix) = text(input, "S3KeyPrefix") {
        check_prefix(prefix)?;
        row.s3_key_prefix = (!prefix.is_empty()).then(|| prefix.to_owned());
        touched.delivery = true;
    }
    // Forms first, then what cannot be used: a malformed value gets its own error whatever else is wrong.
    let sns = text(input, "SnsTopicName").filter(|s| !s.is_empty());
    if let Some(topic) = sns {
        check_sns_topic(topic)?;
    }
    let kms = text(input, "KmsKeyId").filter(|s| !s.is_empty());
    if let Some(key) = kms {
        check_kms_key_id(key)?;
    }
    let log_group = text(input, "CloudWatchLogsLogGroupArn").filter(|s| !s.is_empty());
    let log_role = text(input, "CloudWatchLogsRoleArn").filter(|s| !s.is_empty());
    if let Some(arn) = log_group {
        check_log_group_arn(arn)?;
    }
    if let Some(arn) = log_role {
        check_log_role_arn(arn)?;
    }
    if log_group.is_some() != log_role.is_some() {
        return Err(error(
            "InvalidParameterCombinationException",
            "CloudWatchLogsLogGroupArn and CloudWatchLogsRoleArn must be specified together.",
        ));
    }
    if let Some(multi) = flag(input, "IsMultiRegionTrail") {
        touched.multi_region = multi != row.is_multi_region_trail;
        row.is_multi_region_trail = multi;
    }
    if let Some(global) = flag(input, "IncludeGlobalServiceEvents") {
        row.include_global_service_events = global;
    }
    if row.is_multi_region_trail && !row.include_global_service_events {
        return Err(error(
            "InvalidParameterCombinationException",
            "Multi-Region trail must include global service events.",
        ));
    }
    if let Some(validation) = flag(input, "EnableLogFileValidation") {
        row.log_file_validation_enabled = validation;
    }
    if flag(input, "IsOrganizationTrail") == Some(true) {
        return Err(error(
            "OrganizationsNotInUseException",
            "This account is not a member of an organization: trailrunner has no AWS Organizations, so a trail \
             cannot be an organization trail.",
        ));
    }
    if let Some(topic) = sns {
        return Err(error(
            "InsufficientSnsTopicPolicyException",
            format!(
                "SNS Topic does not exist or the topic policy is incorrect! (trailrunner has no Amazon SNS, so \
                 the topic {topic} cannot be notified.)"
            ),
        ));
    }
    if let Some(key) = kms {
        return Err(error(
            "KmsKeyNotFoundException",
            format!(
                "KMS key {key} does not exist: trailrunner has no AWS KMS, so log files cannot be encrypted with \
                 a KMS key."
            ),
        ));
    }
    if let Some(arn) = log_group {
        return Err(error(
            "CloudWatchLogsDeliveryUnavailableException",
            format!(
                "Cannot deliver to the log group {arn}: trailrunner has no Amazon CloudWatch Logs."
            ),
        ));
    }
    // Empty strings clear what was set (nothing of these can be set, see above, but clearing is harmless).
    if text(input, "SnsTopicName") == Some("") {
        row.sns_topic_name = None;
        row.sns_topic_arn = None;
    }
    if text(input, "KmsKeyId") == Some("") {
        row.kms_key_id = None;
    }
    if text(input, "CloudWatchLogsLogGroupArn") == Some("") {
        row.cloud_watch_logs_log_group_arn = None;
    }
    if text(input, "CloudWatchLogsRoleArn") == Some("") {
        row.cloud_watch_logs_role_arn = None;
    }
    Ok(touched)
}

pub(crate) fn check_prefix(prefix: &str) -> Result<(), ApiError> {
    let len = prefix.chars().count();
    if len > PREFIX_MAX || prefix.chars().any(char::is_control) {
        return Err(error(
            "InvalidS3PrefixException",
            format!(
                "The S3 key prefix is not valid: it must be at most {PREFIX_MAX} printable characters (given \
                 {len})."
            ),
        ));
    }
    Ok(())
}

/// `arn:aws:<service>:<region>:<account>:<resource>` with a 12-digit account; returns the resource part.
fn arn_resource<'a>(arn: &'a str, service: &str, regional: bool) -> Option<&'a str> {
    if arn.len() > ARN_MAX {
        return None;
    }
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some(svc), Some(region), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let region_ok = if regional {
        !region.is_empty()
            && region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    } else {
        region.is_empty()
    };
    let ok = !partition.is_empty()
        && svc == service
        && region_ok
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && !resource.is_empty();
    ok.then_some(resource)
}

/// A topic name (1 to 256 letters, digits, `-`, `_`) or a topic ARN.
fn check_sns_topic(topic: &str) -> Result<(), ApiError> {
    let name_ok = |n: &str| {
        (1..=SNS_MAX).contains(&n.len())
            && n.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    let ok = if topic.starts_with("arn:") {
        arn_resource(topic, "sns", true)
            .is_some_and(|r| name_ok(r.strip_suffix(".fifo").unwrap_or(r)))
    } else {
        name_ok(topic)
    };
    if ok {
        Ok(())
    } else {
        Err(error(
            "InvalidSnsTopicNameException",
            "SnsTopicName must be a topic name (up to 256 letters, numbers, hyphens and underscores) or a topic \
             ARN.",
        ))
    }
}

fn is_key_id(id: &str) -> bool {
    let uuid = |s: &str| {
        s.len() == 36
            && s.bytes().enumerate().all(|(i, b)| {
                if matches!(i, 8 | 13 | 18 | 23) {
                    b == b'-'
                } else {
                    b.is_ascii_hexdigit()
                }
            })
    };
    let multi_region = |s: &str| {
        s.strip_prefix("mrk-")
            .is_some_and(|h| h.len() == 32 && h.bytes().all(|b| b.is_ascii_hexdigit()))
    };
    uuid(id) || multi_region(id)
}

fn is_alias(resource: &str) -> bool {
    resource.strip_prefix("alias/").is_some_and(|name| {
        (1..=250).contains(&name.len())
            && !name.starts_with("aws/")
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-'))
    })
}

/// A key id, a key ARN, an alias name (`alias/…`) or an alias ARN.
fn check_kms_key_id(key: &str) -> Result<(), ApiError> {
    let ok = if key.starts_with("arn:") {
        arn_resource(key, "kms", true)
            .is_some_and(|r| r.strip_prefix("key/").is_some_and(is_key_id) || is_alias(r))
    } else {
        is_key_id(key) || is_alias(key)
    };
    if ok {
        Ok(())
    } else {
        Err(error(
            "InvalidKmsKeyIdException",
            "KmsKeyId must be a key ID, a key ARN, an alias name (alias/…) or an alias ARN.",
        ))
    }
}

/// `arn:aws:logs:<region>:<account>:log-group:<name>:*`.
fn check_log_group_arn(arn: &str) -> Result<(), ApiError> {
    let ok = arn_resource(arn, "logs", true).is_some_and(|r| {
        r.strip_prefix("log-group:")
            .and_then(|rest| rest.strip_suffix(":*"))
            .is_some_and(|name| {
                (1..=512).contains(&name.len())
                    && name.bytes().all(|b| {
                        b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'/' | b'#')
                    })
            })
    });
    if ok {
        Ok(())
    } else {
        Err(error(
            "InvalidCloudWatchLogsLogGroupArnException",
            "CloudWatchLogsLogGroupArn must be a log group ARN: arn:aws:logs:<region>:<account id>:log-group:<name>:*.",
        ))
    }
}

/// `arn:aws:iam::<account>:role/<path/name>`.
fn check_log_role_arn(arn: &str) -> Result<(), ApiError> {
    let ok = arn_resource(arn, "iam", false).is_some_and(|r| {
        r.strip_prefix("role/").is_some_and(|name| {
            !name.is_empty()
                && name.len() <= 512
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-/".contains(&b))
        })
    });
    if ok {
        Ok(())
    } else {
        Err(error(
            "InvalidCloudWatchLogsRoleArnException",
            "CloudWatchLogsRoleArn must be an IAM role ARN: arn:aws:iam::<account id>:role/<name>.",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn code(input: Value) -> String {
        let mut row = crate::trails::tests_support::row();
        apply(&input, &mut row)
            .map(|_| "ok".to_string())
            .unwrap_or_else(|e| e.code.into_owned())
    }

    #[test]
    fn settings_that_need_a_missing_service_are_refused_by_form_then_by_absence() {
        let cases = [
            (
                json!({"SnsTopicName": "bad topic"}),
                "InvalidSnsTopicNameException",
            ),
            (
                json!({"SnsTopicName": "topic"}),
                "InsufficientSnsTopicPolicyException",
            ),
            (
                json!({"SnsTopicName": "arn:aws:sns:us-east-1:111122223333:topic"}),
                "InsufficientSnsTopicPolicyException",
            ),
            (json!({"KmsKeyId": "nope"}), "InvalidKmsKeyIdException"),
            (json!({"KmsKeyId": "alias/logs"}), "KmsKeyNotFoundException"),
            (
                json!({"KmsKeyId": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}),
                "KmsKeyNotFoundException",
            ),
            (
                json!({"KmsKeyId": "1234abcd-12ab-34cd-56ef-1234567890ab"}),
                "KmsKeyNotFoundException",
            ),
            (
                json!({"CloudWatchLogsLogGroupArn": "arn:aws:logs:us-east-1:111122223333:log-group:g"}),
                "InvalidCloudWatchLogsLogGroupArnException",
            ),
            (
                json!({"CloudWatchLogsLogGroupArn": "arn:aws:logs:us-east-1:111122223333:log-group:g:*"}),
                "InvalidParameterCombinationException",
            ),
            (
                json!({"CloudWatchLogsLogGroupArn": "arn:aws:logs:us-east-1:111122223333:log-group:g:*",
                    "CloudWatchLogsRoleArn": "arn:aws:iam:us-east-1:111122223333:role/r"}),
                "InvalidCloudWatchLogsRoleArnException",
            ),
            (
                json!({"CloudWatchLogsLogGroupArn": "arn:aws:logs:us-east-1:111122223333:log-group:g:*",
                    "CloudWatchLogsRoleArn": "arn:aws:iam::111122223333:role/r"}),
                "CloudWatchLogsDeliveryUnavailableException",
            ),
            (
                json!({"IsOrganizationTrail": true}),
                "OrganizationsNotInUseException",
            ),
            (
                json!({"IsOrganizationTrail": false, "KmsKeyId": "", "SnsTopicName": ""}),
                "ok",
            ),
            (
                json!({"IsMultiRegionTrail": true, "IncludeGlobalServiceEvents": false}),
                "InvalidParameterCombinationException",
            ),
            (
                json!({"S3KeyPrefix": "p".repeat(201)}),
                "InvalidS3PrefixException",
            ),
            (json!({"S3KeyPrefix": "p".repeat(200)}), "ok"),
            (
                json!({"S3BucketName": "Bad_Bucket"}),
                "InvalidS3BucketNameException",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(code(input.clone()), expected, "{input}");
        }
    }

    #[test]
    fn members_given_are_applied() {
        let mut row = crate::trails::tests_support::row();
        let touched = apply(
            &json!({"S3KeyPrefix": "p", "IsMultiRegionTrail": true, "EnableLogFileValidation": true}),
            &mut row,
        )
        .unwrap();
        assert_eq!(
            touched,
            Touched {
                delivery: true,
                multi_region: true
            }
        );
        assert_eq!(row.s3_key_prefix.as_deref(), Some("p"));
        assert!(row.is_multi_region_trail && row.log_file_validation_enabled);
        let touched = apply(
            &json!({"S3KeyPrefix": "", "IsMultiRegionTrail": true}),
            &mut row,
        )
        .unwrap();
        assert_eq!(
            touched,
            Touched {
                delivery: true,
                multi_region: false
            }
        );
        assert_eq!(row.s3_key_prefix, None);
    }
}
