//! The bucket a trail delivers to: its name, whether it exists, and whether its policy lets CloudTrail deliver.
//!
//! CloudTrail checks the bucket policy at `CreateTrail` and `UpdateTrail` (User Guide, "Amazon S3 bucket policy for
//! CloudTrail"): the service principal `cloudtrail.amazonaws.com` must be allowed `s3:GetBucketAcl` on the bucket
//! and `s3:PutObject` on `arn:aws:s3:::<bucket>/[<prefix>/]AWSLogs/<account>/*` with the object ACL
//! `bucket-owner-full-control`, for requests carrying `aws:SourceArn` = the trail's ARN and `aws:SourceAccount` =
//! its account (the conditions the recommended policy uses against the confused deputy). The policy is evaluated
//! with the same engine as identity policies (`trailrunner-policy`), its statements selected by principal.
//! The write is checked for the whole `AWSLogs/<account>/` space and for a log file and a digest file in it, so
//! a policy that grants the space but denies digests (or log files) is refused too.

use trailrunner_api::ApiError;
use trailrunner_buckets::BucketInfo;
use trailrunner_policy::resource_policy::{self, PrincipalElement};
use trailrunner_policy::{evaluate, ContextEntry, Decision, Policy, RequestContext};

use crate::errors::error;

const CLOUDTRAIL: &str = "cloudtrail.amazonaws.com";

/// Where a trail delivers, as its bucket policy must allow.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Delivery<'a> {
    pub(crate) bucket: &'a str,
    pub(crate) prefix: Option<&'a str>,
    pub(crate) account: &'a str,
    pub(crate) home_region: &'a str,
    pub(crate) trail_arn: &'a str,
}

/// S3's bucket naming rules (3 to 63 characters; lower-case letters, digits, `.` and `-`; a letter or digit at
/// both ends; no `..`; not an IP address; not the reserved `xn--` / `sthree-` prefixes or `-s3alias` / `--ol-s3`
/// suffixes), else `InvalidS3BucketNameException`.
pub(crate) fn check_bucket_name(name: &str) -> Result<(), ApiError> {
    let bytes = name.as_bytes();
    let edge = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let ip_like = name.split('.').count() == 4
        && name
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let valid = (3..=63).contains(&bytes.len())
        && bytes.iter().all(|&b| edge(b) || b == b'.' || b == b'-')
        && edge(bytes[0])
        && edge(bytes[bytes.len() - 1])
        && !name.contains("..")
        && !ip_like
        && !name.starts_with("xn--")
        && !name.starts_with("sthree-")
        && !name.ends_with("-s3alias")
        && !name.ends_with("--ol-s3");
    if valid {
        Ok(())
    } else {
        let shown: String = name.chars().take(100).collect();
        Err(error(
            "InvalidS3BucketNameException",
            format!("Bucket name {shown} is not valid."),
        ))
    }
}

/// Checks the bucket found for a trail: it must exist, and when its policy is known (the embedded bucket store)
/// the policy must let CloudTrail deliver. An external bucket's own access control governs its writes.
pub(crate) fn check_bucket(
    info: Option<&BucketInfo>,
    delivery: &Delivery<'_>,
    now: jiff::Timestamp,
) -> Result<(), ApiError> {
    let Some(info) = info else {
        return Err(error(
            "S3BucketDoesNotExistException",
            format!("S3 bucket {} does not exist.", delivery.bucket),
        ));
    };
    if !info.policy_known {
        return Ok(());
    }
    let allowed = info
        .policy
        .as_deref()
        .is_some_and(|policy| allows_delivery(policy, delivery, now));
    if allowed {
        Ok(())
    } else {
        Err(error(
            "InsufficientS3BucketPolicyException",
            format!(
                "Incorrect S3 bucket policy is detected for bucket: {}",
                delivery.bucket
            ),
        ))
    }
}

/// Whether the bucket policy `document` lets CloudTrail read the bucket ACL and write the trail's objects.
pub(crate) fn allows_delivery(document: &str, d: &Delivery<'_>, now: jiff::Timestamp) -> bool {
    let Some(policy) = resource_policy::for_principal(document, |head| match head.element {
        PrincipalElement::Principal(p) => resource_policy::names_service(p, CLOUDTRAIL),
        PrincipalElement::NotPrincipal(np) => !resource_policy::names_service(np, CLOUDTRAIL),
    }) else {
        return false;
    };
    let base = match d.prefix {
        Some(prefix) => format!("arn:aws:s3:::{}/{prefix}/AWSLogs/{}", d.bucket, d.account),
        None => format!("arn:aws:s3:::{}/AWSLogs/{}", d.bucket, d.account),
    };
    let (account, region) = (d.account, d.home_region);
    let objects = [
        format!("{base}/*"),
        format!(
            "{base}/CloudTrail/{region}/2024/01/01/{account}_CloudTrail_{region}_20240101T0000Z_0000000000000000.json.gz"
        ),
        format!(
            "{base}/CloudTrail-Digest/{region}/2024/01/01/{account}_CloudTrail-Digest_{region}_trail_{region}_20240101T000000Z.json.gz"
        ),
    ];
    let bucket_arn = format!("arn:aws:s3:::{}", d.bucket);
    allowed(&policy, "s3:GetBucketAcl", &bucket_arn, d, false, now)
        && objects
            .iter()
            .all(|object| allowed(&policy, "s3:PutObject", object, d, true, now))
}

fn allowed(
    policy: &Policy,
    action: &str,
    resource: &str,
    d: &Delivery<'_>,
    with_acl: bool,
    now: jiff::Timestamp,
) -> bool {
    let source_arn = [d.trail_arn];
    let source_account = [d.account];
    let acl = ["bucket-owner-full-control"];
    let mut extra = vec![
        ContextEntry {
            key: "aws:SourceArn",
            values: &source_arn,
        },
        ContextEntry {
            key: "aws:SourceAccount",
            values: &source_account,
        },
    ];
    if with_acl {
        extra.push(ContextEntry {
            key: "s3:x-amz-acl",
            values: &acl,
        });
    }
    let ctx = RequestContext {
        principal: CLOUDTRAIL,
        action,
        resource,
        current_time: Some(now),
        extra: &extra,
        ..RequestContext::default()
    };
    evaluate([policy], &ctx).decision == Decision::Allow
}

#[cfg(test)]
#[path = "bucket_policy_tests.rs"]
mod tests;
